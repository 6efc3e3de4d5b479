/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <jansson.h>

#include "base/strutil.h"
#include "report.h"

/* Harbor's severity colours as ANSI sequences, and the reset. */
extern const char *const report_sev_color[_SEVERITY_MAX];
#define REPORT_COLOR_OFF "\033[0m"

/* Hours since an RFC 3339 UTC time (a scan's db_time), or -1. */
long long report_db_age_hours(const char *rfc3339);

/* The page people read about an advisory (report-link.c): NVD for a CVE,
 * Debian's tracker for DSA/DLA/DTSA/TEMP, Ubuntu's notices for USN,
 * GitHub's database for GHSA, osv.dev for any other id (the DB is OSV's);
 * the id percent-encoded.  0 or -ENOMEM.  report_advisory_source() names
 * that page's publisher ("NVD", "OSV", ...). */
int report_advisory_url(const char *id, char **ret);
const char *report_advisory_source(const char *id);
/* A file of the image ("/var/lib/dpkg/status") as a relative URI reference
 * ("var/lib/dpkg/status"): no leading '/', each segment percent-encoded
 * but for RFC 3986's unreserved characters.  0 or -ENOMEM. */
int report_file_uri(const char *path, char **ret);

/* The formats (report-format.c lists them). */
extern const struct report_format report_format_table;
extern const struct report_format report_format_json;
extern const struct report_format report_format_cyclonedx;
extern const struct report_format report_format_sarif;
extern const struct report_format report_format_spdx_json;
extern const struct report_format report_format_html;

/* The HTML pages' parts (report-html.c): s escaped for HTML text and
 * attribute values (& < > " ' as entities, control bytes as '?'; NULL is
 * nothing); the page's head with its Content-Security-Policy, style and
 * title, and its end with the script; a sortable table's header cell
 * (label is ours, not escaped). */
int report_html_text(struct strbuf *b, const char *s);
int report_html_open(struct strbuf *b, const char *title, struct error *err);
int report_html_close(struct strbuf *b, struct error *err);
int report_html_th(struct strbuf *b, const char *label, bool num, bool sorted_desc);

/* Whether any finding is in CISA KEV or has an EPSS score (the table's KEV
 * and EPSS columns are shown then). */
bool report_has_exploit_data(const struct scan_result *res);
