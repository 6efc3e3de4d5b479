/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "base/error.h"
#include "inventory.h"
#include "match.h"

/* Renderers return text for the front end to print (lib/ never prints).
 * One file per format (report-FORMAT.c); the table in report-format.c picks
 * it by name. */
struct report_target {
        const char *name;       /* what was scanned: a path or an image name */
        const char *digest;     /* the image's digest when scanned from an image file, or NULL */
        const struct inventory *inv;
        const struct scan_result *res;
        size_t width;           /* the terminal's columns: room for the CVSS score and the
                                 * advisory's title; 0 (not a terminal): neither */
        bool compact;           /* report_scan_json() on one line, without indentation (the scan
                                 * JSON the hook's cache keeps) */
        bool color;             /* the table: ANSI colours */
};

/* A format (--format NAME): renderers for a scan (t->res set) and for an
 * inventory (t->res NULL); NULL where the format does not apply. */
struct report_format {
        const char *name;
        int (*scan)(const struct report_target *t, char **ret, struct error *err);
        int (*inventory)(const struct report_target *t, char **ret, struct error *err);
        bool packages_only;     /* a scan's findings are not in it (SPDX 2.3 holds none) */
};
/* NULL when no format has that name. */
const struct report_format *report_format_find(const char *name);
/* "table, json, ..." of the formats that render a scan (scan true) or an
 * inventory: for messages and --help. */
const char *report_format_names(bool scan);
int report_render(const struct report_format *f, const struct report_target *t, char **ret, struct error *err);

/* The table people read: a colour-coded summary line per severity (Harbor's
 * colours; colour only when color is true), totals, fixable, then a row per
 * finding; with t->width, a SCORE column and the TITLE as far as they fit. */
int report_scan_table(const struct report_target *t, char **ret, struct error *err);

/* The stable JSON shape documented in README.md ("scan --format json"). */
int report_scan_json(const struct report_target *t, char **ret, struct error *err);

/* The inventory: the JSON shape documented in README.md ("inventory"), or
 * a table. */
int report_inventory_json(const struct inventory *inv, char **ret, struct error *err);
int report_inventory_table(const struct inventory *inv, char **ret, struct error *err);

/* Calls fn for each of the last `last` lines of an audit log (buf) that are
 * audit records (JSON objects with a "decision"; SIZE_MAX: every line),
 * and event_fn (may be NULL) for each that is an event, no decision: the
 * recheck's ("event": "now_violates"), which *ret_events (may be NULL)
 * counts, or cache fill's ("cache_filled"); *ret_skipped counts those that
 * are neither.  A log of which none is a record while some are neither
 * (another file given as --log) is -EBADMSG.  The objects are borrowed;
 * fn < 0 or event_fn < 0 stops the walk and is returned. */
struct json_t;
int report_audit_each(const char *buf, size_t len, size_t last, int (*fn)(struct json_t *o, void *userdata),
                      int (*event_fn)(struct json_t *o, void *userdata), void *userdata, size_t *ret_events,
                      size_t *ret_skipped, struct error *err);

/* The audit log (one JSON line per decision, see audit.h): the last `last`
 * lines as a table, decisions and severity counts in colour when color. */
int report_audit_table(const char *buf, size_t len, size_t last, bool color, char **ret, struct error *err);
/* The same decisions as JSON: {"log": LOG, "decisions": [audit lines as
 * written], "skipped": lines that are not audit records}. */
int report_audit_json(const char *buf, size_t len, size_t last, const char *log, char **ret, struct error *err);
/* One self-contained HTML page (as scan --format html): the decisions per
 * hour (blocked, warned, audited, allowed) as a chart and the most blocked
 * images, from the whole log; the last `last` decisions as a sortable,
 * filterable table, newest first. */
int report_audit_html(const char *buf, size_t len, size_t last, const char *log, char **ret, struct error *err);

/* The inverse of report_inventory_json(), for documents that come back
 * from the cache: every field type-checked, lists capped.  "warnings" and
 * the OS's "pretty_name" (optional) are kept, made printable. */
int report_parse_inventory(const char *buf, size_t len, struct inventory **ret, struct error *err);

/* The findings in the compact form the verdict cache keeps for the hook's
 * hit path (what a policy needs: severity, id, package, fixed version,
 * aliases), and its parser. */
int report_findings_compact(const struct scan_result *res, char **ret, struct error *err);
int report_parse_findings_compact(const char *buf, size_t len, struct scan_result **ret, struct error *err);
