/* SPDX-License-Identifier: Apache-2.0 */
/* The analysis child's scan result for its parent (scan-wire.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/wire.h"
#include "scan-wire.h"

#define FINDING_STRINGS 11

/* A finding's strings in their order on the wire. */
#define STRINGS_OF(f)                                                                                   \
        { &(f)->id, &(f)->summary, &(f)->package, &(f)->ecosystem, &(f)->path, &(f)->purl,              \
          &(f)->installed_version, &(f)->source_name, &(f)->fixed_version, &(f)->severity_source,       \
          &(f)->record_package }

static const char *const string_names[FINDING_STRINGS] = {
        "id", "summary", "package", "ecosystem", "path", "purl", "installed_version", "source_name",
        "fixed_version", "severity_source", "record_package",
};

/* The least an item takes: every string NULL, no aliases, no CVSS vector,
 * no EPSS score, no VEX status. */
#define FINDING_MIN_SIZE ((FINDING_STRINGS + 5) * 4 + 8)
#define UNCHECKED_MIN_SIZE (4 * 4)

#define KEY(k) (&(struct wire_field) { .key = (k) })

/* The DB's flags (db_flags): what the match's DB held. */
#define DB_TIME_SIGNED 1u
#define DB_KEV 2u
#define DB_EPSS 4u
#define DB_FLAGS_END 8u
#define ITEM(l, n, k) (&(struct wire_field) { .list = (l), .i = (n), .key = (k) })

/* ---- writing ------------------------------------------------------------- */

/* A count or a number of packages: any 32-bit number the reader may take
 * (WIRE_NULL is only a string's length). */
static int put_size(struct strbuf *b, size_t n) {
        return n > UINT32_MAX ? -E2BIG : wire_put_u32(b, (uint32_t) n);
}

/* What report_scan_json() writes of a finding: the CVSS score and version
 * only with a vector, the EPSS percentile only with a score, the VEX
 * justification and source only with a status. */
static size_t finding_size(const struct finding *f) {
        char *const *s[] = STRINGS_OF(f);
        /* the aliases' count, severity, kev, epss */
        size_t size = 3 * 4 + 8 + wire_str_size(f->cvss_vector) + wire_str_size(f->vex_status);

        for (size_t k = 0; k < FINDING_STRINGS; k++)
                size += wire_str_size(*s[k]);
        for (char *const *a = f->aliases; a && *a; a++)
                size += wire_str_size(*a);
        if (f->cvss_vector)
                size += 8 + 4;
        if (f->epss >= 0)
                size += 8;
        if (f->vex_status)
                size += wire_str_size(f->vex_justification) + wire_str_size(f->vex_source);
        return size;
}

static int put_finding(struct strbuf *b, const struct finding *f) {
        char *const *s[] = STRINGS_OF(f);
        int r = 0;

        for (size_t k = 0; r >= 0 && k < FINDING_STRINGS; k++)
                r = wire_put_str(b, *s[k]);
        if (r >= 0)
                r = wire_put_strv(b, f->aliases);
        if (r >= 0)
                r = wire_put_u32(b, (uint32_t) f->severity);
        if (r >= 0)
                r = wire_put_str(b, f->cvss_vector);
        if (r >= 0 && f->cvss_vector && (r = wire_put_f64(b, f->cvss_score)) >= 0)
                r = wire_put_u32(b, (uint32_t) f->cvss_version);
        if (r >= 0)
                r = wire_put_u32(b, f->kev);
        if (r >= 0)
                r = wire_put_f64(b, f->epss >= 0 ? f->epss : -1);
        if (r >= 0 && f->epss >= 0)
                r = wire_put_f64(b, f->epss_percentile);
        if (r >= 0)
                r = wire_put_str(b, f->vex_status);
        if (r >= 0 && f->vex_status && (r = wire_put_str(b, f->vex_justification)) >= 0)
                r = wire_put_str(b, f->vex_source);
        return r;
}

static int put_unchecked(struct strbuf *b, const struct unchecked *u) {
        int r = wire_put_u32(b, (uint32_t) u->kind);

        if (r >= 0)
                r = put_size(b, u->packages);
        if (r >= 0)
                r = wire_put_str(b, u->subject);
        return r < 0 ? r : wire_put_str(b, u->reason);
}

int scan_wire_write(const struct scan_result *res, struct strbuf *b) {
        size_t size = STRLEN(SCAN_WIRE_MAGIC) + wire_str_size(res->db_revision) + wire_str_size(res->db_time) + 6 * 4;
        int r;

        /* one allocation: the size first */
        for (char *const *w = res->warnings; w && *w; w++)
                size += wire_str_size(*w);
        for (size_t i = 0; i < res->n_unchecked; i++)
                size += 8 + wire_str_size(res->unchecked[i].subject) + wire_str_size(res->unchecked[i].reason);
        for (size_t i = 0; i < res->n_findings; i++)
                size += finding_size(&res->findings[i]);
        r = strbuf_reserve(b, size);
        if (r >= 0)
                r = strbuf_append(b, SCAN_WIRE_MAGIC, STRLEN(SCAN_WIRE_MAGIC));
        if (r >= 0)
                r = wire_put_str(b, res->db_revision);
        if (r >= 0)
                r = wire_put_str(b, res->db_time);
        if (r >= 0)
                r = wire_put_u32(b, (res->db_time_signed ? DB_TIME_SIGNED : 0) | (res->db_kev ? DB_KEV : 0) |
                                    (res->db_epss ? DB_EPSS : 0));
        if (r >= 0)
                r = wire_put_strv(b, res->warnings);
        if (r >= 0)
                r = put_size(b, res->n_unchecked);
        for (size_t i = 0; r >= 0 && i < res->n_unchecked; i++)
                r = put_unchecked(b, &res->unchecked[i]);
        if (r >= 0)
                r = put_size(b, res->unchecked_more);
        if (r >= 0)
                r = put_size(b, res->packages_unchecked);
        if (r >= 0)
                r = put_size(b, res->n_findings);
        for (size_t i = 0; r >= 0 && i < res->n_findings; i++)
                r = put_finding(b, &res->findings[i]);
        return r;
}

/* ---- reading -------------------------------------------------------------- */

/* A number below end: an enum's value, or a flag (end 2). */
static int get_below(struct wire_cursor *c, uint32_t end, uint32_t *ret, const struct wire_field *f,
                     struct error *err) {
        char name[96];
        int r = wire_get_u32(c, ret, f, err);

        if (r >= 0 && *ret >= end)
                return wire_error(c, err, "%s: %" PRIu32 ", not below %" PRIu32, wire_field_name(f, name, sizeof(name)),
                                  *ret, end);
        return r;
}

static int get_unchecked(struct wire_cursor *c, size_t i, struct scan_result *res, struct error *err) {
        _cleanup_free_ char *subject = NULL, *reason = NULL;
        uint32_t kind = 0, packages = 0;
        int r;

        if ((r = get_below(c, _UNCHECKED_KIND_MAX, &kind, ITEM("unchecked", i, "kind"), err)) < 0 ||
            (r = wire_get_u32(c, &packages, ITEM("unchecked", i, "packages"), err)) < 0 ||
            (r = wire_get_str(c, &subject, ITEM("unchecked", i, "subject"), err)) < 0 ||
            (r = wire_get_str(c, &reason, ITEM("unchecked", i, "reason"), err)) < 0)
                return r;
        if (!subject || !reason)
                return wire_error(c, err, "unchecked %zu has no '%s'", i, subject ? "reason" : "subject");
        /* as match_inventory() added it: made printable, its packages counted */
        if (scan_result_add_unchecked(res, kind, subject, packages, reason) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

/* The items past the list exist only once the list is full, and the
 * packages all items leave unchecked are the listed items' and theirs. */
static int get_unchecked_totals(struct wire_cursor *c, struct scan_result *res, struct error *err) {
        uint32_t more = 0, packages = 0;
        int r;

        if ((r = wire_get_u32(c, &more, KEY("unchecked_more"), err)) < 0 ||
            (r = wire_get_u32(c, &packages, KEY("packages_unchecked"), err)) < 0)
                return r;
        if (more > 0 && res->n_unchecked < MATCH_UNCHECKED_MAX)
                return wire_error(c, err, "unchecked_more: %" PRIu32 " past a list of %zu, not %d", more,
                                  res->n_unchecked, MATCH_UNCHECKED_MAX);
        if (packages < res->packages_unchecked || (more == 0 && packages != res->packages_unchecked))
                return wire_error(c, err, "packages_unchecked: %" PRIu32 ", where the unchecked items leave %zu%s",
                                  packages, res->packages_unchecked, more > 0 ? " and more" : "");
        res->unchecked_more = more;
        res->packages_unchecked = packages;
        return 0;
}

/* The score and version come only with a vector. */
static int get_cvss(struct wire_cursor *c, size_t i, struct finding *f, struct error *err) {
        uint32_t v = 0;
        int r;

        f->cvss_score = -1;
        if ((r = wire_get_str(c, &f->cvss_vector, ITEM("finding", i, "cvss_vector"), err)) < 0 || !f->cvss_vector)
                return r;
        if ((r = wire_get_f64(c, &f->cvss_score, ITEM("finding", i, "cvss_score"), err)) < 0)
                return r;
        /* a base score is 0.0..10.0 (FIRST's specifications); NaN and the
         * infinities, which JSON could not carry, fail too */
        if (!(f->cvss_score >= 0 && f->cvss_score <= 10))
                return wire_error(c, err, "finding %zu 'cvss_score': %g, not within 0..10", i, f->cvss_score);
        if ((r = wire_get_u32(c, &v, ITEM("finding", i, "cvss_version"), err)) < 0)
                return r;
        if (v != 2 && v != 30 && v != 31 && v != 40)
                return wire_error(c, err, "finding %zu 'cvss_version': %" PRIu32 ", not 2, 30, 31 or 40", i, v);
        f->cvss_version = (int) v;
        return 0;
}

static bool unit(double x) {
        return x >= 0 && x <= 1;
}

/* -1 for none; else the probability and then its percentile. */
static int get_epss(struct wire_cursor *c, size_t i, struct finding *f, struct error *err) {
        int r;

        f->epss_percentile = -1;
        if ((r = wire_get_f64(c, &f->epss, ITEM("finding", i, "epss"), err)) < 0 || f->epss == -1)
                return r;
        if (!unit(f->epss))
                return wire_error(c, err, "finding %zu 'epss': %g, neither -1 nor within 0..1", i, f->epss);
        if ((r = wire_get_f64(c, &f->epss_percentile, ITEM("finding", i, "epss_percentile"), err)) < 0)
                return r;
        if (!unit(f->epss_percentile))
                return wire_error(c, err, "finding %zu 'epss_percentile': %g, not within 0..1", i,
                                  f->epss_percentile);
        return 0;
}

/* The statement that suppresses the finding: its justification and
 * source come only with its status. */
static int get_vex(struct wire_cursor *c, size_t i, struct finding *f, struct error *err) {
        int r;

        if ((r = wire_get_str(c, &f->vex_status, ITEM("finding", i, "vex_status"), err)) < 0 || !f->vex_status)
                return r;
        if (!streq_ptr(f->vex_status, "not_affected") && !streq_ptr(f->vex_status, "fixed"))
                return wire_error(c, err, "finding %zu 'vex_status': neither not_affected nor fixed", i);
        if ((r = wire_get_str(c, &f->vex_justification, ITEM("finding", i, "vex_justification"), err)) < 0 ||
            (r = wire_get_str(c, &f->vex_source, ITEM("finding", i, "vex_source"), err)) < 0)
                return r;
        if (f->vex_justification)
                str_make_printable(f->vex_justification);
        if (f->vex_source)
                str_make_printable(f->vex_source);
        return 0;
}

static int get_finding(struct wire_cursor *c, size_t i, struct finding *f, struct error *err) {
        char **s[] = STRINGS_OF(f), aliases[48];
        uint32_t severity = 0, kev = 0;
        int r = 0;

        for (size_t k = 0; r >= 0 && k < FINDING_STRINGS; k++)
                r = wire_get_str(c, s[k], ITEM("finding", i, string_names[k]), err);
        if (r >= 0 && (!f->id || !f->package || !f->installed_version))
                r = wire_error(c, err, "finding %zu has no '%s'", i,
                               !f->id ? "id" : !f->package ? "package" : "installed_version");
        /* as many as the bytes left hold: the JSON had no cap either, and
         * the whole message has one (ANALYSIS_RESULT_MAX) */
        snprintf(aliases, sizeof(aliases), "aliases of finding %zu", i);
        if (r < 0 || (r = wire_get_strv(c, SIZE_MAX, false, &f->aliases, NULL, aliases, err)) < 0 ||
            (r = get_below(c, _SEVERITY_MAX, &severity, ITEM("finding", i, "severity"), err)) < 0 ||
            (r = get_cvss(c, i, f, err)) < 0 || (r = get_below(c, 2, &kev, ITEM("finding", i, "kev"), err)) < 0 ||
            (r = get_epss(c, i, f, err)) < 0 || (r = get_vex(c, i, f, err)) < 0)
                return r;
        f->severity = (enum severity) severity;
        f->kev = kev;
        f->status = f->fixed_version ? FINDING_FIXED : FINDING_AFFECTED;
        return 0;
}

/* Everything after the magic. */
static int get_scan(struct wire_cursor *c, struct scan_result *res, struct error *err) {
        uint32_t flags = 0;
        size_t n;
        int r;

        if ((r = wire_get_str(c, &res->db_revision, KEY("db_revision"), err)) < 0 ||
            (r = wire_get_str(c, &res->db_time, KEY("db_time"), err)) < 0 ||
            (r = get_below(c, DB_FLAGS_END, &flags, KEY("db_flags"), err)) < 0 ||
            (r = wire_get_strv(c, SCAN_WIRE_WARNINGS_MAX, true, &res->warnings, &res->n_warnings, "warnings",
                               err)) < 0 ||
            (r = wire_get_count(c, MATCH_UNCHECKED_MAX, UNCHECKED_MIN_SIZE, &n, "unchecked", err)) < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if ((r = get_unchecked(c, i, res, err)) < 0)
                        return r;
        res->db_time_signed = flags & DB_TIME_SIGNED;
        res->db_kev = flags & DB_KEV;
        res->db_epss = flags & DB_EPSS;
        if ((r = get_unchecked_totals(c, res, err)) < 0 ||
            (r = wire_get_count(c, SCAN_FINDINGS_MAX, FINDING_MIN_SIZE, &n, "findings", err)) < 0)
                return r;
        if (!(res->findings = calloc(n + 1, sizeof(*res->findings))))
                return error_set(err, ENOMEM, "out of memory");
        res->cap_findings = n + 1;
        for (size_t i = 0; i < n; i++) {
                /* counted before it is complete: scan_result_free() frees what it got */
                res->n_findings++;
                if ((r = get_finding(c, i, &res->findings[i], err)) < 0)
                        return r;
        }
        return 0;
}

int scan_wire_read(const char *buf, size_t len, struct scan_result **ret, size_t *ret_used, struct error *err) {
        _cleanup_(scan_result_freep) struct scan_result *res = calloc(1, sizeof(*res));
        struct wire_cursor c = { .doc = "findings from the analysis", .buf = (const unsigned char *) buf, .len = len,
                                 .at = STRLEN(SCAN_WIRE_MAGIC) };
        int r;

        if (!res)
                return error_set(err, ENOMEM, "out of memory");
        if (len < STRLEN(SCAN_WIRE_MAGIC) || memcmp(buf, SCAN_WIRE_MAGIC, STRLEN(SCAN_WIRE_MAGIC)) != 0)
                return wire_error(&c, err, "does not start with '%s'", SCAN_WIRE_MAGIC);
        if ((r = get_scan(&c, res, err)) < 0)
                return r;
        scan_result_filter(res, ~0u);    /* recounts */
        *ret = TAKE_PTR(res);
        *ret_used = c.at;
        return 0;
}
