/* SPDX-License-Identifier: Apache-2.0 */
/* inventory × vulndb → findings, with OSV's range semantics
 * (https://ossf.github.io/osv-schema/#evaluation). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/strutil.h"
#include "ecosystem.h"
#include "match.h"
#include "osv-range.h"
#include "version.h"
#include "vulndb.h"

#define MATCH_WARNINGS_MAX 50

static const char *const unchecked_names[_UNCHECKED_KIND_MAX] = {
        [UNCHECKED_NO_PACKAGES] = "no_packages",
        [UNCHECKED_UNKNOWN_OS] = "unknown_os",
        [UNCHECKED_NO_DATA] = "no_data",
        [UNCHECKED_NO_COMPARATOR] = "no_comparator",
        [UNCHECKED_INVALID_VERSION] = "invalid_version",
        [UNCHECKED_RECORD_ERROR] = "record_error",
        [UNCHECKED_INCOMPLETE] = "incomplete",
        [UNCHECKED_UNIDENTIFIED] = "unidentified",
        [UNCHECKED_UNKNOWN_PURL] = "unknown_purl",
        [UNCHECKED_IMAGE_MOUNT] = "image_mount",
};

const char *unchecked_kind_to_string(enum unchecked_kind k) {
        return k >= 0 && k < _UNCHECKED_KIND_MAX ? unchecked_names[k] : NULL;
}

enum unchecked_kind unchecked_kind_from_string(const char *s) {
        for (int k = 0; s && k < _UNCHECKED_KIND_MAX; k++)
                if (strcmp(unchecked_names[k], s) == 0)
                        return k;
        return _UNCHECKED_KIND_INVALID;
}

int scan_result_add_unchecked(struct scan_result *res, enum unchecked_kind kind, const char *subject,
                              size_t packages, const char *reason) {
        struct unchecked *u;

        res->packages_unchecked += packages;
        if (res->n_unchecked >= MATCH_UNCHECKED_MAX) {
                res->unchecked_more++;
                return 0;
        }
        u = realloc(res->unchecked, (res->n_unchecked + 1) * sizeof(*u));
        if (!u)
                return -ENOMEM;
        res->unchecked = u;
        u = &res->unchecked[res->n_unchecked];
        *u = (struct unchecked) { .kind = kind, .subject = strdup(subject), .reason = strdup(reason),
                                  .packages = packages };
        if (!u->subject || !u->reason) {
                free(u->subject);
                free(u->reason);
                return -ENOMEM;
        }
        /* Subjects and reasons quote image content (versions, names). */
        str_make_printable(u->subject);
        str_make_printable(u->reason);
        res->n_unchecked++;
        return 0;
}

#define UNCHECKED_LINE_ITEMS 3

int scan_result_unchecked_line(const struct scan_result *res, bool (*skip)(const struct unchecked *u, const void *userdata),
                               const void *userdata, char **ret) {
        struct strbuf b = {};
        size_t shown = 0, more = res->unchecked_more;
        int r = 0;

        for (size_t i = 0; r >= 0 && i < res->n_unchecked; i++) {
                const struct unchecked *u = &res->unchecked[i];

                if (skip && skip(u, userdata))
                        continue;
                if (shown++ >= UNCHECKED_LINE_ITEMS) {
                        more++;
                        continue;
                }
                r = strbuf_printf(&b, "%s%s: %s", shown > 1 ? "; " : "", u->subject, u->reason);
        }
        if (r >= 0 && more > 0)
                r = strbuf_printf(&b, "%sand %zu more", shown ? "; " : "", more);
        if (r < 0) {
                strbuf_done(&b);
                return -ENOMEM;
        }
        *ret = b.s ? strbuf_steal(&b) : NULL;
        return 0;
}

const char *finding_status_to_string(enum finding_status s) {
        static const char *const names[_FINDING_STATUS_MAX] = { "fixed", "affected" };

        return s >= 0 && s < _FINDING_STATUS_MAX ? names[s] : NULL;
}

int match_affected(const char *ecosystem, const char *version, const char *ranges_json, const char *versions_json,
                   int *ret_affected, char **ret_fixed, struct error *err) {
        _cleanup_free_ char *ranges = NULL, *versions = NULL;
        json_t *jr = NULL, *jv = NULL;
        bool affected = false;
        int kind, r;

        kind = version_kind_from_ecosystem(ecosystem);
        if (kind < 0)
                return error_set(err, EOPNOTSUPP, "no version comparison for ecosystem '%s'", ecosystem);
        if (ranges_json && !(jr = json_loads(ranges_json, 0, NULL)))
                return error_set(err, EBADMSG, "ranges are not JSON");
        if (versions_json && !(jv = json_loads(versions_json, 0, NULL))) {
                json_decref(jr);
                return error_set(err, EBADMSG, "versions are not JSON");
        }
        r = osv_ranges_encode(jr, &ranges);
        if (r >= 0)
                r = osv_versions_encode(jv, &versions);
        json_decref(jr);
        json_decref(jv);
        if (r < 0)
                return error_set(err, r, "encode ranges");
        r = osv_affected_eval(kind, version, ranges, versions, &affected, ret_fixed, err);
        if (r < 0)
                return r;
        *ret_affected = affected;
        return 0;
}

/* ---- findings ------------------------------------------------------------ */

/* An affected entry that matched, with what its findings need.  Packages
 * built from one source (libc6, libc-bin, ... from glibc) share a lookup and
 * its hits. */
struct hit {
        int64_t record;
        char *fixed;
        char *severity;         /* the entry's own severity, else the record's, else NVD's */
        char *severity_from;    /* "nvd" or "cve5" when the CVSS came from a CVE alias */
        char *vendor_rating;
        char *vendor_source;
        char *id;
        char *aliases;
        char *upstream;
        char *summary;
        /* what each of its findings takes, worked out once by fill_hit()
         * (in the prefetch, beside the walk): the record's other names
         * (aliases, then upstream) and its rating */
        char **names;
        struct rating {
                enum severity severity;
                char *source;           /* a finding's severity_source */
                char *vector;           /* the CVSS its severity came from, or NULL */
                double score;           /* -1 when none */
                int version;
        } rating;
};

struct matcher {
        struct vulndb *db;
        const struct package *pkg;      /* the first of the group */
        size_t n_pkgs;                  /* in the group */
        const char *name;               /* looked up: the source's, or the package's own (binary_lookup()) */
        const char *version;            /* the one that name's entries speak of */
        int kind;
        const char *ecosystem;          /* the one looked up: the package's, or its stream's */
        bool record_error;              /* a record could not be evaluated (counted once) */
        bool unordered;                 /* the version has no order: said once */
        struct hit *hits;
        size_t n_hits;
        size_t cap_hits;
        struct scan_result *res;
};

static void hit_done(struct hit *h) {
        free(h->fixed);
        free(h->severity);
        free(h->severity_from);
        free(h->vendor_rating);
        free(h->vendor_source);
        free(h->id);
        free(h->aliases);
        free(h->upstream);
        free(h->summary);
        strv_free(h->names);
        free(h->rating.source);
        free(h->rating.vector);
}

static void finding_done(struct finding *f) {
        free(f->id);
        strv_free(f->aliases);
        free(f->summary);
        free(f->package);
        free(f->record_package);
        free(f->ecosystem);
        free(f->path);
        free(f->purl);
        free(f->installed_version);
        free(f->source_name);
        free(f->fixed_version);
        free(f->severity_source);
        free(f->cvss_vector);
        free(f->vex_status);
        free(f->vex_justification);
        free(f->vex_source);
        free(f->kev_cve);
        free(f->epss_cve);
}

/* What r holds, freed; r itself stays. */
static void scan_result_done(struct scan_result *r) {
        for (size_t i = 0; i < r->n_findings; i++)
                finding_done(&r->findings[i]);
        free(r->findings);
        free(r->db_revision);
        free(r->db_time);
        strv_free(r->warnings);
        for (size_t i = 0; i < r->n_unchecked; i++) {
                free(r->unchecked[i].subject);
                free(r->unchecked[i].reason);
        }
        free(r->unchecked);
}

void scan_result_free(struct scan_result *r) {
        if (!r)
                return;
        scan_result_done(r);
        free(r);
}

static int finding_cmp(const void *x, const void *y);

int scan_result_mount_name(const char *dst, char **ret) {
        return asprintf(ret, "image mounted at %.*s%s", MATCH_MOUNT_DST_MAX, dst,
                        strlen(dst) > MATCH_MOUNT_DST_MAX ? "..." : "") < 0 ? -ENOMEM : 0;
}

int scan_result_add_mount(struct scan_result *res, struct scan_result *from, const char *dst, const char *path,
                          const char *why_not) {
        _cleanup_free_ char *subject = NULL, *reason = NULL;
        size_t packages_unchecked = res->packages_unchecked;
        struct finding *f;
        int r = 0;

        if (scan_result_mount_name(dst, &subject) < 0)
                return -ENOMEM;
        if (!from)
                return asprintf(&reason, "another image's files (%s) are mounted there and could not be checked: "
                                "%s; check that image (portcullis scan %s) or start without the mount", path,
                                why_not, path) < 0
                       ? -ENOMEM : scan_result_add_unchecked(res, UNCHECKED_IMAGE_MOUNT, subject, 0, reason);

        if (from->n_findings > 0) {
                f = reallocarray(res->findings, res->n_findings + from->n_findings, sizeof(*f));
                if (!f)
                        return -ENOMEM;
                res->findings = f;
                res->cap_findings = res->n_findings + from->n_findings;
        }
        for (; from->n_findings > 0; from->n_findings--) {
                f = &res->findings[res->n_findings++];
                *f = from->findings[from->n_findings - 1];
                if (f->path) {
                        char *p = NULL;

                        if (asprintf(&p, "%s%s%s", dst, f->path[0] == '/' ? "" : "/", f->path) < 0)
                                return -ENOMEM;
                        free(f->path);
                        f->path = p;
                }
        }
        for (size_t i = 0; r >= 0 && i < from->n_unchecked; i++) {
                const struct unchecked *u = &from->unchecked[i];
                _cleanup_free_ char *item = NULL;

                r = asprintf(&item, "%s: %s", subject, u->subject) < 0 ? -ENOMEM
                    : scan_result_add_unchecked(res, u->kind, item, u->packages, u->reason);
        }
        /* the items' packages, and those of the items from only counted */
        res->packages_unchecked = packages_unchecked + from->packages_unchecked;
        res->unchecked_more += from->unchecked_more;
        for (char **w = from->warnings; r >= 0 && w && *w; w++)
                r = strv_push(&res->warnings, strdup(*w));
        res->n_warnings += from->n_warnings;
        if (res->n_findings > 0)
                qsort(res->findings, res->n_findings, sizeof(*res->findings), finding_cmp);
        scan_result_recount(res);
        return r;
}

#define RECORD_WARNING "record #"
#define RECORD_WARNINGS_MORE "... and "

bool scan_result_warning_of_record(const char *w) {
        return startswith(w, RECORD_WARNING) || startswith(w, RECORD_WARNINGS_MORE);
}

static int add_warning(struct scan_result *res, int64_t record, const struct package *p, const char *msg) {
        char *s = NULL;

        if (res->n_warnings++ >= MATCH_WARNINGS_MAX)
                return 0;
        if (asprintf(&s, RECORD_WARNING "%lld: package %s %s: %s", (long long) record, p->name, strempty(p->version),
                     msg) < 0)
                return -ENOMEM;
        return strv_push(&res->warnings, s);
}

static int push_aliases(char ***v, const char *json) {
        json_t *a = json ? json_loads(json, 0, NULL) : NULL, *s;
        size_t i;
        int r = 0;

        json_array_foreach(a, i, s)
                if (json_is_string(s) && (r = strv_push(v, strdup(json_string_value(s)))) < 0)
                        break;
        json_decref(a);
        return r;
}

/* CVSS preference: the newest version of the standard the record carries. */
static int cvss_rank(int version) {
        return version == 40 ? 4 : version == 31 ? 3 : version == 30 ? 2 : version == 2 ? 1 : 0;
}

static int pick_cvss(struct rating *t, const char *severity_json) {
        json_t *a = severity_json ? json_loads(severity_json, 0, NULL) : NULL, *s;
        size_t i;
        int r = 0;

        json_array_foreach(a, i, s) {
                const char *type = json_string_value(json_object_get(s, "type"));
                const char *score = json_string_value(json_object_get(s, "score"));
                struct cvss_score cs;

                if (!type || !score || !startswith(type, "CVSS_"))
                        continue;
                if (cvss_score(score, &cs, NULL) < 0)
                        continue;
                if (t->vector && cvss_rank(cs.version) <= cvss_rank(t->version))
                        continue;
                free(t->vector);
                if (!(t->vector = strdup(score))) {
                        r = -ENOMEM;
                        break;
                }
                t->score = cs.base_score;
                t->version = cs.version;
                t->severity = cs.severity;
        }
        json_decref(a);
        return r;
}

/* Severity precedence: the distribution's (or GHSA's) own rating when it
 * has one, because it judges the package as built and shipped; else the
 * newest CVSS version's base score; else UNKNOWN. */
static int rate(struct hit *h) {
        struct rating *t = &h->rating;
        enum severity vendor = SEVERITY_UNKNOWN;
        char src[32];

        *t = (struct rating) { .severity = SEVERITY_UNKNOWN, .score = -1 };
        if (pick_cvss(t, h->severity) < 0)
                return -ENOMEM;
        if (h->vendor_rating && h->vendor_source)
                vendor = severity_from_vendor(h->vendor_source, h->vendor_rating);
        if (vendor != SEVERITY_UNKNOWN) {
                t->severity = vendor;
                t->source = strdup(h->vendor_source);
                return t->source ? 0 : -ENOMEM;
        }
        if (!t->vector) {
                t->severity = SEVERITY_UNKNOWN;
                return 0;
        }
        /* t->severity is the rating of that CVSS version's own scale */
        if (h->severity_from)
                snprintf(src, sizeof(src), "%s", h->severity_from);
        else
                snprintf(src, sizeof(src), "cvss_v%d", t->version == 2 ? 2 : t->version / 10);
        t->source = strdup(src);
        return t->source ? 0 : -ENOMEM;
}

static char *strdup_or_null(const char *s) {
        return s ? strdup(s) : NULL;
}

/* A version that its ecosystem orders against nothing (a Composer dev
 * branch) fails every record's ranges: one unchecked item for the package,
 * naming its version as the cause, not one per record. */
static int unordered_version(struct matcher *m, const char *msg, struct error *err) {
        _cleanup_free_ char *subject = NULL, *reason = NULL;

        if (m->unordered)
                return 0;
        if (asprintf(&subject, "%s %s", m->pkg->name, strempty(m->pkg->version)) < 0 ||
            asprintf(&reason, "%s; %s%s%sno record's ranges can place it; install a released version to have it "
                     "checked", msg, m->pkg->origin_file ? "from " : "", strempty(m->pkg->origin_file),
                     m->pkg->origin_file ? ": " : "") < 0 ||
            scan_result_add_unchecked(m->res, UNCHECKED_INVALID_VERSION, subject, m->record_error ? 0 : m->n_pkgs,
                                      reason) < 0)
                return error_set(err, ENOMEM, "out of memory");
        m->unordered = true;
        return 0;
}

/* A record whose ranges can't be evaluated for this package: the package is
 * not fully checked (a warning, as before, and an unchecked item). */
static int record_error(struct matcher *m, int64_t record, const char *msg, struct error *err) {
        _cleanup_free_ char *subject = NULL, *reason = NULL;
        struct vulndb_record rec;
        struct error ignored = {};
        const char *id;

        if (version_orderable(m->kind, m->version, &ignored) < 0)
                return unordered_version(m, ignored.msg, err);
        id = vulndb_get_record(m->db, record, &rec, &ignored) >= 0 ? rec.id : "?";
        if (add_warning(m->res, record, m->pkg, msg) < 0 ||
            asprintf(&subject, "%s %s", m->pkg->name, strempty(m->pkg->version)) < 0 ||
            asprintf(&reason, "record %s could not be evaluated (%s); re-import it or report it to its source",
                     id, msg) < 0 ||
            scan_result_add_unchecked(m->res, UNCHECKED_RECORD_ERROR, subject,
                                      m->record_error || m->unordered ? 0 : m->n_pkgs, reason) < 0)
                return error_set(err, ENOMEM, "out of memory");
        m->record_error = true;
        return 0;
}

/* Phase 1, for every entry of the lookup: evaluate the ranges; a matching
 * entry's own rating is read then. */
static int on_affected(const struct vulndb_affected *a, void *userdata, struct error *err) {
        struct matcher *m = userdata;
        _cleanup_free_ char *fixed = NULL;
        struct error merr;      /* not = {}: 2 KiB zeroed at every entry, 7% of a lookup */
        bool affected = false;
        struct hit *h;
        int r;

        error_clear(&merr);
        for (size_t i = 0; i < m->n_hits; i++)
                if (m->hits[i].record == a->record)
                        return 0;
        r = osv_affected_eval(m->kind, m->version, a->ranges, a->versions, &affected, &fixed, &merr);
        if (r == -ENOMEM)
                return error_set(err, ENOMEM, "out of memory");
        if (r < 0)
                return record_error(m, a->record, merr.msg, err);
        if (!affected)
                return 0;
        /* a stream's entry (Ubuntu Pro's) of a record that names the
         * package under its own ecosystem too: that one says it */
        if (m->ecosystem != m->pkg->ecosystem &&
            (r = vulndb_has_entry(m->db, m->pkg->ecosystem, m->name, a->record, err)) != 0)
                return r < 0 ? r : 0;
        if (m->n_hits == m->cap_hits) {
                size_t cap = m->cap_hits ? m->cap_hits * 2 : 16;
                struct hit *n = realloc(m->hits, cap * sizeof(*n));

                if (!n)
                        return error_set(err, ENOMEM, "out of memory");
                m->hits = n;
                m->cap_hits = cap;
        }
        h = &m->hits[m->n_hits];
        *h = (struct hit) { .record = a->record };
        r = vulndb_affected_rating(m->db, m->ecosystem, m->name, a, &h->severity,
                                   &h->vendor_rating, &h->vendor_source, err);
        if (r < 0)
                return r;
        h->fixed = TAKE_PTR(fixed);
        m->n_hits++;
        return 0;
}

/* The first CVE of a JSON array of ids that has a score; -ENOENT when none. */
static int cve_severity_of(struct vulndb *db, const char *ids, char **ret_sev, char **ret_src, struct error *err) {
        json_t *a = ids ? json_loads(ids, 0, NULL) : NULL, *id;
        size_t i;
        int r = -ENOENT;

        json_array_foreach(a, i, id) {
                const char *cve = json_string_value(id);

                if (r != -ENOENT)
                        break;
                if (cve && startswith(cve, "CVE-"))
                        r = vulndb_cve_severity(db, cve, ret_sev, ret_src, err);
        }
        json_decref(a);
        return r;
}

/* A record without CVSS (most distro records): the vectors NVD or the CVE
 * record gives the first CVE among its id, aliases and upstream ids (OSV's
 * DEBIAN-CVE-* and UBUNTU-CVE-* records name the CVE as upstream). */
static int cve_severity(struct vulndb *db, struct hit *h, struct error *err) {
        char *sev = NULL, *src = NULL;
        int r = -ENOENT;

        if (startswith(h->id, "CVE-"))
                r = vulndb_cve_severity(db, h->id, &sev, &src, err);
        if (r == -ENOENT)
                r = cve_severity_of(db, h->aliases, &sev, &src, err);
        if (r == -ENOENT)
                r = cve_severity_of(db, h->upstream, &sev, &src, err);
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        free(h->severity);
        h->severity = sev;
        h->severity_from = src;
        return 0;
}

/* Phase 2, for an entry that matched: fetch its record. */
static int fill_hit(struct vulndb *db, struct hit *h, struct error *err) {
        struct vulndb_record rec;
        int r = vulndb_get_record(db, h->record, &rec, err);

        if (r < 0)
                return r;
        h->id = strdup(rec.id);
        h->aliases = strdup_or_null(rec.aliases);
        h->upstream = strdup_or_null(rec.upstream);
        h->summary = strdup_or_null(rec.summary);
        if (!h->severity)
                h->severity = strdup_or_null(rec.severity);
        if (!h->id)
                return error_set(err, ENOMEM, "out of memory");
        if ((!h->severity || !strstr(h->severity, "\"CVSS_")) && (r = cve_severity(db, h, err)) < 0)
                return r;
        if (push_aliases(&h->names, h->aliases) < 0 || push_aliases(&h->names, h->upstream) < 0 || rate(h) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

static int fill_hits(struct matcher *m, struct error *err) {
        int r = 0;

        for (size_t i = 0; r >= 0 && i < m->n_hits; i++)
                r = fill_hit(m->db, &m->hits[i], err);
        return r;
}

static int grow(struct scan_result *res) {
        struct finding *n;
        size_t cap;

        if (res->n_findings < res->cap_findings)
                return 0;
        cap = res->cap_findings ? res->cap_findings * 2 : 64;
        n = realloc(res->findings, cap * sizeof(*n));
        if (!n)
                return -ENOMEM;
        res->findings = n;
        res->cap_findings = cap;
        return 0;
}

/* named: the name h's entry named, p's source's or p's own. */
static int add_finding(struct scan_result *res, const struct package *p, const struct hit *h, const char *named) {
        struct finding *f;

        if (grow(res) < 0)
                return -ENOMEM;
        f = &res->findings[res->n_findings++];
        *f = (struct finding) {
                .id = strdup(h->id),
                .summary = strdup_or_null(h->summary),
                .package = strdup(p->name),
                .record_package = strdup(named),
                .ecosystem = strdup_or_null(p->ecosystem),
                .path = strdup_or_null(p->origin_file),
                .purl = strdup_or_null(p->purl),
                .installed_version = strdup(strempty(p->version)),
                .source_name = strdup_or_null(p->source_name),
                .fixed_version = strdup_or_null(h->fixed),
                .status = h->fixed ? FINDING_FIXED : FINDING_AFFECTED,
                .severity = h->rating.severity,
                .severity_source = strdup_or_null(h->rating.source),
                .cvss_vector = strdup_or_null(h->rating.vector),
                .cvss_score = h->rating.score,
                .cvss_version = h->rating.version,
                .epss = -1,
                .epss_percentile = -1,
        };
        if (!f->id || !f->package || !f->record_package || !f->installed_version ||
            (h->rating.source && !f->severity_source) ||
            (h->rating.vector && !f->cvss_vector) || (h->names && !(f->aliases = strv_copy(h->names))))
                return -ENOMEM;
        return 0;
}

/* ---- one vulnerability, one finding -------------------------------------- */

/* Records that are one vulnerability under several names (a GHSA and a
 * PYSEC of one CVE; Debian's DEBIAN-CVE and the DSA that fixed it) match
 * one package alike: reported as they come, a vulnerability counted twice
 * or three times, and an allowlist entry or VEX statement on one name left
 * the others standing.  A package's findings fold where nothing a decision
 * reads changes: a finding of one CVE folds into another of that CVE (the
 * most severe keeps its row) and an advisory of several CVEs (a DSA) into
 * each of theirs, when each has one, both say the same fix, and the row
 * kept is at least as severe (or the folded one unrated: the CVE's rating
 * is then the row's).  The row kept takes the folded one's names as
 * aliases, never its other CVEs (a CVE's row stays that CVE's alone: KEV,
 * EPSS and VEX read them per CVE), not even an advisory's own id when that
 * is a CVE. */

struct cve_row {
        const char *cve;
        size_t at;              /* index in the package's findings */
};

static const char *finding_id_at(const struct finding *f, size_t i);

/* A CVE id in another case (cve-2024-1): VEX reads it as a CVE (vex.c
 * is_cve()), KEV, EPSS, the CVSS lookup and the policy's notes as none.
 * A finding that has one is not folded: a row taking it would carry a
 * second CVE for VEX, one folded by it would lose its own. */
static bool odd_cve(const char *id) {
        return strncasecmp(id, "CVE-", 4) == 0 && !startswith(id, "CVE-");
}

/* f's CVEs (0 when it names one odd_cve()), the first in *ret_first. */
static size_t cve_count(const struct finding *f, const char **ret_first) {
        size_t n = 0;

        for (size_t i = 0, n_names = strv_length(f->aliases) + 1; i < n_names; i++) {
                const char *c = finding_new_cve(f, i);

                if (odd_cve(finding_id_at(f, i)))
                        return 0;
                if (c && n++ == 0)
                        *ret_first = c;
        }
        return n;
}

static bool folds_into(const struct finding *x, const struct finding *t) {
        return streq_ptr(x->fixed_version, t->fixed_version) &&
               (x->severity == SEVERITY_UNKNOWN || t->severity >= x->severity);
}

static int add_name(struct finding *t, const char *id) {
        return streq_ptr(t->id, id) ? 0 : strv_push_unique(&t->aliases, id);
}

/* t takes x's names (its id, its aliases) but its CVEs when x is of
 * several: its id too, when that is one of them ("CVE-2024-1" with the
 * alias CVE-2024-2 would give CVE-2024-2's row CVE-2024-1's KEV entry and
 * allowlist entries). */
static int fold(struct finding *t, const struct finding *x, bool several) {
        int r = 0;

        for (size_t i = 0, n_names = strv_length(x->aliases) + 1; r >= 0 && i < n_names; i++)
                if (!several || !startswith(finding_id_at(x, i), "CVE-"))
                        r = add_name(t, finding_id_at(x, i));
        return r;
}

/* The row kept for a CVE: the most severe, then one named by the CVE,
 * then the smallest id. */
static int cve_row_cmp(const void *x, const void *y, void *userdata) {
        const struct cve_row *a = x, *b = y;
        const struct finding *f = userdata, *fa = &f[a->at], *fb = &f[b->at];
        int c = strcmp(a->cve, b->cve);

        if (c != 0)
                return c;
        if (fa->severity != fb->severity)
                return fa->severity > fb->severity ? -1 : 1;
        if (startswith(fa->id, "CVE-") != startswith(fb->id, "CVE-"))
                return startswith(fa->id, "CVE-") ? -1 : 1;
        return strcmp(fa->id, fb->id);
}

static int cve_key_cmp(const void *key, const void *x) {
        return strcmp(key, ((const struct cve_row *) x)->cve);
}

/* The row kept for cve (the first of its rows), or NULL. */
static const struct cve_row *cve_first_row(const struct cve_row *rows, size_t n, const char *cve) {
        const struct cve_row *t = cve ? bsearch(cve, rows, n, sizeof(*rows), cve_key_cmp) : NULL;

        while (t && t > rows && strcmp(t[-1].cve, cve) == 0)
                t--;
        return t;
}

/* Folds res's findings from index start on (one package's). */
static int fold_findings(struct scan_result *res, size_t start) {
        struct finding *f = res->findings + start;
        size_t n = res->n_findings - start, n_rows = 0, keep = 0;
        _cleanup_free_ struct cve_row *rows = NULL;
        _cleanup_free_ size_t *cves = NULL;
        _cleanup_free_ bool *gone = NULL;
        int r = 0;

        if (n < 2)
                return 0;
        rows = calloc(n, sizeof(*rows));
        cves = calloc(n, sizeof(*cves));
        gone = calloc(n, sizeof(*gone));
        if (!rows || !cves || !gone)
                return -ENOMEM;
        /* counted before any fold: a row that took names is still a row */
        for (size_t i = 0; i < n; i++) {
                const char *cve = NULL;

                if ((cves[i] = cve_count(&f[i], &cve)) == 1)
                        rows[n_rows++] = (struct cve_row) { cve, i };
        }
        qsort_r(rows, n_rows, sizeof(*rows), cve_row_cmp, f);
        /* findings of one CVE: into the first of the CVE's (rows[g]) */
        for (size_t g = 0, i; r >= 0 && g < n_rows; g = i)
                for (i = g + 1; r >= 0 && i < n_rows && strcmp(rows[i].cve, rows[g].cve) == 0; i++)
                        if (folds_into(&f[rows[i].at], &f[rows[g].at]) &&
                            (r = fold(&f[rows[g].at], &f[rows[i].at], false)) >= 0)
                                gone[rows[i].at] = true;
        /* an advisory of several CVEs: into each CVE's row, or kept whole */
        for (size_t i = 0; r >= 0 && i < n; i++) {
                size_t n_names = strv_length(f[i].aliases) + 1;
                bool all = cves[i] >= 2;

                for (size_t k = 0; all && k < n_names; k++) {
                        const struct cve_row *t = cve_first_row(rows, n_rows, finding_new_cve(&f[i], k));

                        all = !finding_new_cve(&f[i], k) || (t && folds_into(&f[i], &f[t->at]));
                }
                for (size_t k = 0; all && r >= 0 && k < n_names; k++) {
                        const struct cve_row *t = cve_first_row(rows, n_rows, finding_new_cve(&f[i], k));

                        if (t)
                                r = fold(&f[t->at], &f[i], true);
                }
                if (all && r >= 0)
                        gone[i] = true;
        }
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                if (gone[i]) {
                        finding_done(&f[i]);
                        continue;
                }
                f[keep++] = f[i];
        }
        res->n_findings = start + keep;
        return 0;
}

/* Distro records name the source package and its version; language
 * ecosystems name the package itself, spelled as the ecosystem normalizes
 * it.  Inventories keep both in source_name/source_version (for a language
 * package: its normalized name and its version). */
static const char *lookup_name(const struct package *p) {
        return p->source_name ? p->source_name : p->name;
}

static const char *lookup_version(const struct package *p) {
        return p->source_version ? p->source_version : strempty(p->version);
}

static int key_cmp(const struct package *a, const struct package *b) {
        int c = strcmp(a->ecosystem, b->ecosystem);

        if (c == 0)
                c = strcmp(lookup_name(a), lookup_name(b));
        if (c == 0)
                c = strcmp(lookup_version(a), lookup_version(b));
        return c;
}

static int order_cmp(const void *x, const void *y) {
        const struct package *a = *(const struct package *const *) x, *b = *(const struct package *const *) y;

        return key_cmp(a, b);
}

/* Looks up and evaluates group[0]'s key once, then gives every package of
 * the group its findings. */
/* A version the ecosystem's rules reject can't be compared with any record:
 * each package of the group is listed as not checked, with the reason. */
static int check_version(const struct matcher *m, const struct package *const *group, size_t n, bool *ret_ok) {
        struct error verr = {};
        int c, r;

        r = version_compare(m->kind, m->version, m->version, &c, &verr);
        *ret_ok = r >= 0;
        if (r == -ENOMEM)
                return r;
        for (size_t i = 0; r < 0 && i < n; i++) {
                _cleanup_free_ char *subject = NULL, *reason = NULL;

                if (asprintf(&subject, "%s %s", group[i]->name, strempty(group[i]->version)) < 0 ||
                    asprintf(&reason, "%s%s; compared with no record", verr.msg,
                             m->version != group[i]->version && streq_ptr(m->name, lookup_name(group[i]))
                             ? " (the source package's version)" : "") < 0 ||
                    scan_result_add_unchecked(m->res, UNCHECKED_INVALID_VERSION, subject, 1, reason) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* ---- records looked up ahead (match_prefetch()) ------------------------------- */

/* The hits of one key (ecosystem, name, version), found before the
 * match proper; taken by match_group(). */
struct prefetched {
        char *ecosystem, *name, *version;
        struct hit *hits;
        size_t n_hits;
        bool taken;
};

struct match_prefetch {
        struct prefetched *v;   /* sorted by key */
        size_t n;
};

static int prefetched_cmp(const struct prefetched *a, const char *ecosystem, const char *name, const char *version) {
        int c = strcmp(a->ecosystem, ecosystem);

        if (c == 0)
                c = strcmp(a->name, name);
        return c ? c : strcmp(a->version, version);
}

static struct prefetched *prefetched_find(struct match_prefetch *p, const struct package *pkg) {
        size_t lo = 0, hi = p ? p->n : 0;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = prefetched_cmp(&p->v[mid], pkg->ecosystem, lookup_name(pkg), lookup_version(pkg));

                if (c == 0)
                        return p->v[mid].taken ? NULL : &p->v[mid];
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

static void prefetched_done(struct prefetched *x) {
        for (size_t j = 0; j < x->n_hits; j++)
                hit_done(&x->hits[j]);
        free(x->hits);
        free(x->ecosystem);
        free(x->name);
        free(x->version);
}

/* What p holds, freed; p itself stays. */
static void prefetch_done(struct match_prefetch *p) {
        for (size_t i = 0; i < p->n; i++)
                prefetched_done(&p->v[i]);
        free(p->v);
}

void match_prefetch_free(struct match_prefetch *p) {
        if (!p)
                return;
        prefetch_done(p);
        free(p);
}

int match_streams(struct vulndb *db, const char *ecosystem, char ***ret, struct error *err) {
        _cleanup_strv_free_ char **streams = NULL, **minors = NULL;
        _cleanup_free_ char *prefix = NULL;
        int r;

        *ret = NULL;
        if (ecosystem_streams(ecosystem, &streams) < 0 || (r = ecosystem_minor(ecosystem, &prefix)) == -ENOMEM)
                return error_set(err, ENOMEM, "out of memory");
        if (r >= 0 && (r = vulndb_ecosystems_prefixed(db, prefix, &minors, err)) < 0)
                return r;
        /* the minors themselves ("...:10.2"), not what else starts alike */
        for (char **s = minors; s && *s; s++)
                if (strcmp(*s, ecosystem) != 0 && ecosystem_minor(*s, NULL) >= 0 && strv_push_unique(&streams, *s) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        *ret = TAKE_PTR(streams);
        return 0;
}

/* The lookup of one group's key, name at version (its source's, or its
 * own: binary_lookup()), in its ecosystem and its streams (match_streams()):
 * the entries that match the version, their records not read yet
 * (fill_hits()). */
static int lookup_group(struct vulndb *db, const struct package *const *group, size_t n, char *const *streams,
                        const char *name, const char *version, struct scan_result *res, struct matcher *m,
                        struct error *err) {
        char key[VERSION_KEY_MAX];
        bool ok, key_ok;
        int r;

        *m = (struct matcher) { .db = db, .pkg = group[0], .n_pkgs = n, .name = name, .version = version,
                                .res = res, .kind = version_kind_from_ecosystem(group[0]->ecosystem) };
        if (m->kind < 0)        /* said once per ecosystem by match_inventory() */
                return 0;
        if (check_version(m, group, n, &ok) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (!ok)
                return 0;
        /* with the version's key (a Debian or Ubuntu one), the entries that
         * can't hold for it are not read: most of a package's, in a large DB */
        key_ok = version_key(m->kind, m->version, key, sizeof(key)) > 0;
        m->ecosystem = group[0]->ecosystem;
        r = vulndb_lookup(db, m->ecosystem, name, key_ok ? key : NULL, on_affected, m, err);
        /* then the records of its streams (Ubuntu Pro's, Red Hat's other
         * repositories, RHEL 10's other minor releases) */
        for (char *const *s = streams; r >= 0 && s && *s; s++) {
                m->ecosystem = *s;
                r = vulndb_lookup(db, *s, name, key_ok ? key : NULL, on_affected, m, err);
        }
        m->ecosystem = NULL;
        return r;
}

/* inv's packages that records can name (an ecosystem and a name), in
 * key order (key_cmp()): a group per key.  NULL when out of memory. */
static const struct package **packages_in_order(const struct inventory *inv, size_t *ret_n) {
        const struct package **order = calloc(inv->n_pkgs + 1, sizeof(*order));
        size_t n = 0;

        if (!order)
                return NULL;
        for (size_t i = 0; i < inv->n_pkgs; i++)
                if (inv->pkgs[i].ecosystem && inv->pkgs[i].name)
                        order[n++] = &inv->pkgs[i];
        if (n > 0)
                qsort(order, n, sizeof(*order), order_cmp);
        *ret_n = n;
        return order;
}

struct hit_ref {
        struct hit *hit;
        size_t group;           /* its index in match_prefetch.v */
};

static int hit_ref_cmp(const void *a, const void *b) {
        const struct hit_ref *x = a, *y = b;

        return x->hit->record < y->hit->record ? -1 : x->hit->record > y->hit->record;
}

/* Phase 2 of every key looked up: the records of all their hits in the
 * order of their rowids, so that hits close in the table (and the same
 * record hit by several keys) share pages.  A key whose record can't be
 * read is dropped, for match_group() to do and say. */
static int prefetch_records(struct vulndb *db, struct match_prefetch *p) {
        _cleanup_free_ struct hit_ref *refs = NULL;
        _cleanup_free_ bool *failed = NULL;
        size_t n = 0, k = 0;

        for (size_t g = 0; g < p->n; g++)
                n += p->v[g].n_hits;
        if (!(refs = calloc(n + 1, sizeof(*refs))) || !(failed = calloc(p->n + 1, sizeof(*failed))))
                return -ENOMEM;
        for (size_t g = 0; g < p->n; g++)
                for (size_t j = 0; j < p->v[g].n_hits; j++)
                        refs[k++] = (struct hit_ref) { .hit = &p->v[g].hits[j], .group = g };
        qsort(refs, n, sizeof(*refs), hit_ref_cmp);
        for (size_t i = 0; i < n; i++) {
                struct error err;
                int r;

                if (failed[refs[i].group])
                        continue;
                error_clear(&err);
                r = fill_hit(db, refs[i].hit, &err);
                if (r == -ENOMEM)
                        return r;
                failed[refs[i].group] = r < 0;
        }
        k = 0;
        for (size_t g = 0; g < p->n; g++)
                if (failed[g])
                        prefetched_done(&p->v[g]);
                else
                        p->v[k++] = p->v[g];
        p->n = k;
        return 0;
}

int match_prefetch(struct vulndb *db, const struct inventory *inv, struct match_prefetch **ret) {
        size_t n = 0;
        _cleanup_free_ const struct package **order = packages_in_order(inv, &n);
        _cleanup_strv_free_ char **streams = NULL;
        struct match_prefetch *p = calloc(1, sizeof(*p));
        int s = 0;

        if (!order || !p || !(p->v = calloc(inv->n_pkgs + 1, sizeof(*p->v)))) {
                match_prefetch_free(p);
                return -ENOMEM;
        }
        for (size_t i = 0, j; i < n; i = j) {
                struct scan_result said = {};
                struct prefetched *x = &p->v[p->n];
                struct error err = {};
                struct matcher m;
                int r;

                for (j = i + 1; j < n && key_cmp(order[i], order[j]) == 0; j++)
                        ;
                /* the streams once per ecosystem (the order's first key) */
                if (i == 0 || strcmp(order[i - 1]->ecosystem, order[i]->ecosystem) != 0) {
                        strv_free(TAKE_PTR(streams));
                        s = match_streams(db, order[i]->ecosystem, &streams, &err);
                }
                if (s < 0)
                        continue;       /* for match_inventory() to do and say */
                r = lookup_group(db, order + i, j - i, streams, lookup_name(order[i]), lookup_version(order[i]),
                                 &said, &m, &err);
                *x = (struct prefetched) { .ecosystem = strdup(order[i]->ecosystem),
                                           .name = strdup(lookup_name(order[i])),
                                           .version = strdup(lookup_version(order[i])),
                                           .hits = m.hits, .n_hits = m.n_hits };
                if (r < 0 || m.kind < 0 || said.n_warnings > 0 || said.n_unchecked > 0 || said.unchecked_more > 0 ||
                    !x->ecosystem || !x->name || !x->version) {
                        prefetched_done(x);     /* for match_group() to do and say */
                        scan_result_done(&said);
                        continue;
                }
                p->n++;
        }
        if (prefetch_records(db, p) < 0) {
                match_prefetch_free(p);
                return -ENOMEM;
        }
        *ret = p;
        return 0;
}

/* ---- binary names (ecosystem.h binary_names) ------------------------------ */

/* Whether p is looked up under its own name and version too: its
 * ecosystem's records may name binary packages, and its name is not its
 * source's (whose lookup that is). */
static bool binary_lookup(const struct package *p) {
        const struct ecosystem *e = ecosystem_find(p->ecosystem);

        return e && e->binary_names && p->source_name && strcmp(p->name, p->source_name) != 0;
}

/* Binary keys: name, then version (one ecosystem's packages). */
static int binary_key_cmp(const void *x, const void *y) {
        const struct package *a = *(const struct package *const *) x, *b = *(const struct package *const *) y;
        int c = strcmp(a->name, b->name);

        return c != 0 ? c : strcmp(strempty(a->version), strempty(b->version));
}

/* The lookups of the binary names of one ecosystem's packages (pkgs, n of
 * them; binary_lookup()), a key (name, version) once, their records read,
 * into *ret by key: the same ranges evaluated at the binary's own version
 * (its epoch, which SOURCERPM does not carry, and its version-release,
 * which a subpackage may have of its own). */
static int lookup_binaries(struct vulndb *db, const struct package *const *pkgs, size_t n, char *const *streams,
                           struct scan_result *res, struct match_prefetch *ret, struct error *err) {
        const struct ecosystem *e = n > 0 ? ecosystem_find(pkgs[0]->ecosystem) : NULL;
        _cleanup_free_ const struct package **bin = NULL;
        size_t k = 0;
        int r = 0;

        if (!e || !e->binary_names)     /* Debian's, Alpine's: one lookup per source, as before */
                return 0;
        if (!(bin = calloc(n, sizeof(*bin))) || !(ret->v = calloc(n, sizeof(*ret->v))))
                return error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++)
                if (binary_lookup(pkgs[i]))
                        bin[k++] = pkgs[i];
        if (k > 1)
                qsort(bin, k, sizeof(*bin), binary_key_cmp);
        for (size_t i = 0, j; r >= 0 && i < k; i = j) {
                struct prefetched *x = &ret->v[ret->n++];
                struct matcher m;

                for (j = i + 1; j < k && binary_key_cmp(&bin[i], &bin[j]) == 0; j++)
                        ;
                r = lookup_group(db, bin + i, j - i, streams, bin[i]->name, strempty(bin[i]->version), res, &m, err);
                if (r >= 0)
                        r = fill_hits(&m, err);
                *x = (struct prefetched) { .name = strdup(bin[i]->name), .version = strdup(strempty(bin[i]->version)),
                                           .hits = m.hits, .n_hits = m.n_hits };
                if (r >= 0 && (!x->name || !x->version))
                        r = error_set(err, ENOMEM, "out of memory");
                if (r < 0 && err && !err->msg[0])
                        error_set(err, -r, "%s", strerror(-r));
                if (r < 0)
                        return error_wrap(err, "match package %s", bin[i]->name);
        }
        return 0;
}

/* The hits of p's own name, or NULL. */
static const struct prefetched *binary_hits(const struct match_prefetch *bin, const struct package *p) {
        size_t lo = 0, hi = bin && bin->n > 0 && binary_lookup(p) ? bin->n : 0;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(bin->v[mid].name, p->name);

                if (c == 0)
                        c = strcmp(bin->v[mid].version, strempty(p->version));
                if (c == 0)
                        return &bin->v[mid];
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

static bool hits_have(const struct prefetched *x, int64_t record) {
        for (size_t j = 0; x && j < x->n_hits; j++)
                if (x->hits[j].record == record)
                        return true;
        return false;
}

/* p's findings: the records its source's lookup found (hits), then those
 * its own name's found (b, or NULL); a record found by both (Red Hat's
 * name PyYAML and python39-pyyaml) is one finding, its binary entry's,
 * which speaks of p's own version. */
static int add_findings(struct scan_result *res, const struct package *p, const struct hit *hits, size_t n_hits,
                        const struct prefetched *b) {
        for (size_t j = 0; j < n_hits; j++)
                if (!hits_have(b, hits[j].record) && add_finding(res, p, &hits[j], lookup_name(p)) < 0)
                        return -ENOMEM;
        for (size_t j = 0; b && j < b->n_hits; j++)
                if (add_finding(res, p, &b->hits[j], p->name) < 0)
                        return -ENOMEM;
        return 0;
}

static int match_group(struct vulndb *db, const struct package *const *group, size_t n, char *const *streams,
                       const struct match_prefetch *bin, struct scan_result *res, struct match_prefetch *pre,
                       struct error *err) {
        struct prefetched *x = prefetched_find(pre, group[0]);
        struct matcher m;
        int r;

        if (x) {        /* looked up ahead, cleanly: the same hits */
                m = (struct matcher) { .hits = TAKE_PTR(x->hits), .n_hits = x->n_hits };
                x->n_hits = 0;
                x->taken = true;
                r = 0;
        } else if ((r = lookup_group(db, group, n, streams, lookup_name(group[0]), lookup_version(group[0]), res,
                                     &m, err)) >= 0)
                r = fill_hits(&m, err);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                size_t start = res->n_findings;

                if (add_findings(res, group[i], m.hits, m.n_hits, binary_hits(bin, group[i])) < 0)
                        r = error_set(err, ENOMEM, "out of memory");
                if (r >= 0 && fold_findings(res, start) < 0)
                        r = error_set(err, ENOMEM, "out of memory");
        }
        for (size_t j = 0; j < m.n_hits; j++)
                hit_done(&m.hits[j]);
        free(m.hits);
        return r;
}

void scan_result_recount(struct scan_result *res) {
        memset(res->counts, 0, sizeof(res->counts));
        res->fixable = res->suppressed = 0;
        for (size_t i = 0; i < res->n_findings; i++) {
                if (res->findings[i].vex_status) {
                        res->suppressed++;
                        continue;
                }
                res->counts[res->findings[i].severity]++;
                if (res->findings[i].fixed_version)
                        res->fixable++;
        }
}

void scan_result_filter(struct scan_result *res, unsigned severity_mask) {
        size_t keep = 0;

        for (size_t i = 0; i < res->n_findings; i++) {
                struct finding *f = &res->findings[i];

                if (!(severity_mask & (1u << f->severity))) {
                        finding_done(f);
                        continue;
                }
                res->findings[keep++] = *f;
        }
        res->n_findings = keep;
        scan_result_recount(res);
}

void scan_result_filter_package(struct scan_result *res, const char *name) {
        size_t keep = 0;

        for (size_t i = 0; i < res->n_findings; i++) {
                struct finding *f = &res->findings[i];

                if (strcmp(f->package, name) != 0 && !(f->source_name && strcmp(f->source_name, name) == 0)) {
                        finding_done(f);
                        continue;
                }
                res->findings[keep++] = *f;
        }
        res->n_findings = keep;
        scan_result_recount(res);
}

/* ---- a fix another record names ---------------------------------------- */

/* Records of one CVE that name different fixes (a GHSA fixed in 2.1.0, a
 * PYSEC with no fix) stay findings of their own ("One vulnerability, one
 * finding" folds only what changes no decision): ignore_unfixed must not
 * drop the one without a fix, often the more severe, when upgrading the
 * package fixes its CVE by the other's word. */

#define FIX_WARNINGS_MAX 10

bool finding_has_fix(const struct finding *f) {
        return f->fixed_version && *f->fixed_version;
}

/* A fixed finding's CVE, by which an unfixed one of the same package
 * finds it. */
struct fix_row {
        const char *cve;
        const struct finding *f;
        size_t at;
};

static int strcmp_null(const char *a, const char *b) {
        return a && b ? strcmp(a, b) : (a != NULL) - (b != NULL);
}

/* The same package: name, ecosystem, installed version and file. */
static int same_package_cmp(const struct finding *a, const struct finding *b) {
        int c = strcmp_null(a->package, b->package);

        if (c == 0)
                c = strcmp_null(a->ecosystem, b->ecosystem);
        if (c == 0)
                c = strcmp_null(a->installed_version, b->installed_version);
        return c != 0 ? c : strcmp_null(a->path, b->path);
}

static int fix_row_cmp(const void *x, const void *y) {
        const struct fix_row *a = x, *b = y;
        int c = strcmp(a->cve, b->cve);

        if (c == 0)
                c = same_package_cmp(a->f, b->f);
        return c != 0 ? c : (a->at > b->at) - (a->at < b->at);
}

static int fix_key_cmp(const void *key, const void *x) {
        const struct fix_row *k = key, *r = x;
        int c = strcmp(k->cve, r->cve);

        return c != 0 ? c : same_package_cmp(k->f, r->f);
}

/* The first fixed finding of f's package that names cve, or SIZE_MAX. */
static size_t fix_lookup(const struct fix_row *rows, size_t n, const struct finding *f, const char *cve) {
        const struct fix_row key = { .cve = cve, .f = f }, *t = bsearch(&key, rows, n, sizeof(*rows), fix_key_cmp);

        while (t && t > rows && fix_key_cmp(&key, &t[-1]) == 0)
                t--;
        return t ? t->at : SIZE_MAX;
}

int scan_result_fixed_by(const struct scan_result *res, size_t **ret) {
        _cleanup_free_ struct fix_row *rows = NULL;
        _cleanup_free_ size_t *by = NULL;
        size_t n_rows = 0, cap = 0;

        if (!(by = calloc(res->n_findings + 1, sizeof(*by))))
                return -ENOMEM;
        for (size_t i = 0; i < res->n_findings; i++) {
                const struct finding *f = &res->findings[i];
                size_t n_names = strv_length(f->aliases) + 1;

                by[i] = finding_has_fix(f) ? i : SIZE_MAX;
                for (size_t k = 0; by[i] == i && k < n_names; k++) {
                        const char *cve = finding_new_cve(f, k);

                        if (!cve)
                                continue;
                        if (n_rows == cap) {
                                struct fix_row *m = reallocarray(rows, cap = cap ? 2 * cap : 16, sizeof(*rows));

                                if (!m)
                                        return -ENOMEM;
                                rows = m;
                        }
                        rows[n_rows++] = (struct fix_row) { cve, f, i };
                }
        }
        if (n_rows > 0)
                qsort(rows, n_rows, sizeof(*rows), fix_row_cmp);
        for (size_t i = 0; n_rows > 0 && i < res->n_findings; i++) {
                const struct finding *f = &res->findings[i];

                for (size_t k = 0, n_names = strv_length(f->aliases) + 1; by[i] == SIZE_MAX && k < n_names; k++)
                        if (finding_new_cve(f, k))
                                by[i] = fix_lookup(rows, n_rows, f, finding_new_cve(f, k));
        }
        *ret = TAKE_PTR(by);
        return 0;
}

const char *finding_shared_cve(const struct finding *f, const struct finding *other) {
        for (size_t i = 0, n = strv_length(f->aliases) + 1; i < n; i++) {
                const char *cve = finding_new_cve(f, i);

                for (size_t k = 0, m = strv_length(other->aliases) + 1; cve && k < m; k++)
                        if (streq_ptr(cve, finding_new_cve(other, k)))
                                return cve;
        }
        return NULL;
}

int finding_fix_elsewhere(const struct finding *f, const struct finding *by, char **ret) {
        return asprintf(ret, "%s (%s %s) has no fixed version, but %s, of the same %s, is fixed in %s",
                        strna(f->id), strna(f->package), strna(f->installed_version), strna(by->id),
                        strna(finding_shared_cve(f, by)), strna(by->fixed_version)) < 0 ? -ENOMEM : 0;
}

int scan_result_filter_unfixed(struct scan_result *res) {
        _cleanup_free_ size_t *by = NULL;
        size_t keep = 0, said = 0, more = 0;
        int r = scan_result_fixed_by(res, &by);

        for (size_t i = 0; r >= 0 && i < res->n_findings; i++) {
                _cleanup_free_ char *s = NULL;

                if (by[i] == i || by[i] == SIZE_MAX)
                        continue;
                if (said >= FIX_WARNINGS_MAX) {
                        more++;
                        continue;
                }
                r = finding_fix_elsewhere(&res->findings[i], &res->findings[by[i]], &s);
                if (r >= 0 && (r = strv_pushf(&res->warnings, "--ignore-unfixed: %s: kept", s)) >= 0)
                        said++;
        }
        if (r >= 0 && more > 0 && (r = strv_pushf(&res->warnings, "--ignore-unfixed: %zu more findings without a fixed "
                                                  "version kept, since another record of their package fixes their CVE",
                                                  more)) >= 0)
                said++;
        if (r < 0)
                return -ENOMEM;
        res->n_warnings += said;
        for (size_t i = 0; i < res->n_findings; i++) {
                if (by[i] == SIZE_MAX) {
                        finding_done(&res->findings[i]);
                        continue;
                }
                res->findings[keep++] = res->findings[i];
        }
        res->n_findings = keep;
        scan_result_recount(res);
        return 0;
}

static int finding_cmp(const void *x, const void *y) {
        const struct finding *a = x, *b = y;
        int c;

        if (a->severity != b->severity)
                return a->severity > b->severity ? -1 : 1;
        if ((c = strcmp(a->id, b->id)) != 0)
                return c;
        return strcmp(a->package, b->package);
}

/* Whether any package is the distribution's (or another distribution's):
 * what has no language ecosystem, or the OS's own. */
static bool has_os_packages(const struct inventory *inv) {
        for (size_t i = 0; i < inv->n_pkgs; i++)
                if (!inv->pkgs[i].ecosystem || streq_ptr(inv->pkgs[i].ecosystem, inv->os.ecosystem))
                        return true;
        return false;
}

/* Nothing to check at all, or packages of a distribution we can't name:
 * said, never passed over.  n is how many packages have an ecosystem. */
static int unchecked_image(const struct inventory *inv, size_t n, struct scan_result *res) {
        _cleanup_free_ char *reason = NULL;
        const char *expected;
        int r;

        for (char **s = inv->skipped; s && *s; s++)
                if ((r = scan_result_add_unchecked(res, UNCHECKED_INCOMPLETE, UNCHECKED_SUBJECT_IMAGE, 0, *s)) < 0)
                        return r;
        if (inv->left_out & INVENTORY_PKG_OS)   /* scan --pkg-types library: nothing of the OS's was asked */
                return 0;
        if (inv->n_pkgs == 0)
                return scan_result_add_unchecked(res, UNCHECKED_NO_PACKAGES, UNCHECKED_SUBJECT_IMAGE, 0,
                                                 "no package database found (dpkg, rpm, apk, chisel), so no "
                                                 "package was checked; for a static or distroless image, allow "
                                                 "this in a policy scope (on_unchecked)");
        /* Language packages do not make up for the distribution's: an image
         * whose os-release names one but whose package database is gone
         * (deleted, or never shipped) has OS packages nobody checked. */
        if (inv->os.id && !has_os_packages(inv)) {
                _cleanup_free_ char *why = NULL;

                if (asprintf(&why, "%s (ID=%s, VERSION_ID=%s) names a distribution, but no package database of "
                             "it was found (dpkg, rpm, apk, chisel), so its packages were not checked, only the "
                             "language packages; for an image that has none, allow this in a policy scope "
                             "(on_unchecked)", os_info_origin(&inv->os), inv->os.id, strna(inv->os.version_id)) < 0)
                        return -ENOMEM;
                if ((r = scan_result_add_unchecked(res, UNCHECKED_NO_PACKAGES, inv->os.ecosystem ? inv->os.ecosystem
                                                   : inv->os.id, 0, why)) < 0)
                        return r;
        }
        if (n == inv->n_pkgs)
                return 0;
        if (inv->os.ecosystem) {        /* a known OS: these are another distribution's (inventory_os_ecosystem()) */
                const char *from = NULL;

                for (size_t i = 0; i < inv->n_pkgs && !from; i++)
                        if (!inv->pkgs[i].ecosystem)
                                from = inv->pkgs[i].origin_file;
                if (asprintf(&reason, "these packages are not %s's, which %s (ID=%s, VERSION_ID=%s) names: "
                             "their package database (%s) is another distribution's, so they were compared with no "
                             "record", inv->os.ecosystem, os_info_origin(&inv->os), strna(inv->os.id),
                             strna(inv->os.version_id), strna(from)) < 0)
                        return -ENOMEM;
                return scan_result_add_unchecked(res, UNCHECKED_UNKNOWN_OS, strna(from), inv->n_pkgs - n, reason);
        }
        expected = osrelease_expected(inv->os.id);
        if (asprintf(&reason, "%s (ID=%s, VERSION_ID=%s) names no distribution release Portcullis knows%s%s%s, "
                     "so these packages were compared with no record", os_info_origin(&inv->os), strna(inv->os.id),
                     strna(inv->os.version_id), expected ? " (expected: " : "", strempty(expected),
                     expected ? ")" : "") < 0)
                return -ENOMEM;
        return scan_result_add_unchecked(res, UNCHECKED_UNKNOWN_OS, inv->os.pretty_name ? inv->os.pretty_name
                                         : inv->os.id ? inv->os.id : "unknown distribution", inv->n_pkgs - n, reason);
}

/* For a minor release (ecosystem_minor()) whose own records the DB lacks:
 * the newest earlier minor among its streams (match_streams()), when no
 * later one is there either, else NULL.  What was fixed since that one
 * passes unseen. */
static const char *minors_behind(const char *ecosystem, char *const *streams) {
        int own = ecosystem_minor(ecosystem, NULL), best = -1;
        const char *newest = NULL;

        for (char *const *s = streams; own >= 0 && s && *s; s++) {
                int v = ecosystem_minor(*s, NULL);

                if (v >= own)
                        return NULL;
                if (v > best) {
                        best = v;
                        newest = *s;
                }
        }
        return newest;
}

/* For a minor release (ecosystem_minor()) with records of a later one in
 * the DB: the minors from its own up to the newest there that the DB has
 * no record of (its own too, unless own), each spelled as its ecosystem,
 * in *ret (NULL when none); have[v] says minor v has records.  Each fix
 * is filed under the minor that was the newest when it came (mainstream
 * RHEL rolls forward), so one missing hides what came in its time. */
static int minors_missing(const char *ecosystem, const bool have[static ECOSYSTEM_MINOR_MAX + 1], char ***ret) {
        _cleanup_strv_free_ char **missing = NULL;
        _cleanup_free_ char *prefix = NULL;
        int from = ecosystem_minor(ecosystem, &prefix), newest = -1;

        *ret = NULL;
        if (from == -ENOMEM)
                return -ENOMEM;
        for (int v = from; from >= 0 && v <= ECOSYSTEM_MINOR_MAX; v++)
                if (have[v])
                        newest = v;
        for (int v = from; from >= 0 && v < newest; v++)
                if (!have[v] && strv_pushf(&missing, "%s%d", prefix, v) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(missing);
        return 0;
}

/* Whether the n packages of an ecosystem can be checked: the ecosystem has
 * a version order and the DB holds records of it or of its streams
 * (match_streams()).  A DB without a single record of the ecosystem can't
 * say that its packages are clean. */
static int ecosystem_covered(struct vulndb *db, const char *ecosystem, char *const *streams, size_t n,
                             struct scan_result *res, bool *ret, struct error *err) {
        _cleanup_free_ char *reason = NULL;
        enum unchecked_kind kind;
        int r;

        *ret = false;
        if (version_kind_from_ecosystem(ecosystem) < 0 ||
            version_compare(version_kind_from_ecosystem(ecosystem), "0", "0", &(int) { 0 }, NULL) == -EOPNOTSUPP) {
                kind = UNCHECKED_NO_COMPARATOR;
                r = asprintf(&reason, "Portcullis has no version order for ecosystem %s yet, so its packages "
                             "were compared with no record", ecosystem);
        } else {
                _cleanup_strv_free_ char **missing = NULL, **gaps = NULL;
                _cleanup_free_ char *list = NULL, *gap_list = NULL;
                bool some = false, have[ECOSYSTEM_MINOR_MAX + 1] = {};
                const char *behind;
                int v;

                for (char *const *s = streams; s && *s; s++) {
                        if ((r = vulndb_has_ecosystem(db, *s, err)) < 0)
                                return r == -ENOMEM ? error_set(err, ENOMEM, "out of memory") : r;
                        some = some || r > 0;
                        if (r == 0 && strv_push_unique(&missing, *s) < 0)
                                return error_set(err, ENOMEM, "out of memory");
                        if (r > 0 && (v = ecosystem_minor(*s, NULL)) >= 0)
                                have[v] = true;
                }
                r = vulndb_has_ecosystem(db, ecosystem, err);
                if (r == -ENOMEM)
                        return error_set(err, ENOMEM, "out of memory");
                if (r < 0)
                        return r;
                if (r > 0 && (v = ecosystem_minor(ecosystem, NULL)) >= 0)
                        have[v] = true;
                /* its streams' records alone are looked up too; without
                 * one, what only that stream fixes passes unseen: said */
                if (missing && (r > 0 || some) &&
                    (!(list = strv_join(missing, ", ")) ||
                     strv_pushf(&res->warnings, "the vulnerability database has no record of %s, whose records "
                                "hold for %s's packages too (%s), so none of them was compared; 'portcullis db "
                                "update' fetches %s with %s's records once a source has %s (after 'db import', "
                                "import %s all.zip too)", list, ecosystem, ecosystem_streams_why(ecosystem),
                                missing[1] ? "them" : "it", ecosystem, missing[1] ? "them" : "it",
                                missing[1] ? "their" : "its") < 0))
                        return error_set(err, ENOMEM, "out of memory");
                /* and the other way round, where the ecosystem has records of
                 * its own in every release (Red Hat's BaseOS; Ubuntu 14.04's
                 * are Pro's alone): its streams' records alone */
                if (r == 0 && some && ecosystem_find(ecosystem)->variants && ecosystem_minor(ecosystem, NULL) < 0 &&
                    strv_pushf(&res->warnings, "the vulnerability database has no record of %s "
                                                 "itself, only of the streams whose records hold for its packages "
                                                 "too (%s), so what %s's own records say was not compared; add it "
                                                 "to update.ecosystems in config.json and run 'portcullis db "
                                                 "update'", ecosystem, ecosystem_streams_why(ecosystem),
                                                 ecosystem) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                /* a minor release whose records the DB has none of, nor of
                 * a later one: the fixes since the newest it has */
                if (r == 0 && (behind = minors_behind(ecosystem, streams)) &&
                    strv_pushf(&res->warnings, "the vulnerability database has no record of %s or of a later minor "
                               "release, only of earlier ones (the newest: %s), so what was fixed since was not "
                               "compared (%s); 'portcullis db update' fetches the later minor releases' records "
                               "with %s's once a source has them (after 'db import', import their all.zip too)",
                               ecosystem, behind, ecosystem_minors_why(ecosystem), ecosystem) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                /* or a minor between its own and the newest the DB has:
                 * the fixes filed while that one was the newest */
                if (minors_missing(ecosystem, have, &gaps) < 0 || (gaps && !(gap_list = strv_join(gaps, ", "))) ||
                    (gaps && strv_pushf(&res->warnings, "the vulnerability database has no record of %s (of the "
                                        "minor releases from %s to the newest one it has), so what was fixed while "
                                        "%s the newest was not compared (%s); 'portcullis db update' fetches %s "
                                        "with %s's records once a source has %s (after 'db import', import %s "
                                        "all.zip too)", gap_list, ecosystem, gaps[1] ? "they were" : "it was",
                                        ecosystem_minors_why(ecosystem), gaps[1] ? "them" : "it", ecosystem,
                                        gaps[1] ? "them" : "it", gaps[1] ? "their" : "its") < 0))
                        return error_set(err, ENOMEM, "out of memory");
                if (r > 0 || some) {
                        *ret = true;
                        return 0;
                }
                kind = UNCHECKED_NO_DATA;
                r = asprintf(&reason, "the vulnerability database has no record for ecosystem %s; add it to "
                             "update.ecosystems in config.json and run 'portcullis db update'", ecosystem);
        }
        if (r < 0 || scan_result_add_unchecked(res, kind, ecosystem, n, reason) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

/* 1 when a package's name is one records can name (ecosystem.h
 * identified); 0 when not, and it is unchecked, with what to do. */
static int identified(const struct package *p, size_t n, struct scan_result *res) {
        const struct ecosystem *e = ecosystem_find(p->ecosystem);
        _cleanup_free_ char *subject = NULL, *reason = NULL;
        int r;

        if (!e || !e->identified || e->identified(p->name))
                return 1;
        if (asprintf(&subject, "%s %s", p->name, strempty(p->version)) < 0 ||
            asprintf(&reason, "%s: named '%s' from its %s, without the groupId that %s records name packages by "
                     "(groupId:artifactId), so no record can match it; ship the jar with its META-INF/maven "
                     "pom.properties, or check it by hand and allow it in a policy scope (on_unchecked)",
                     strna(p->origin_file), p->name, p->guessed_from ? p->guessed_from : "name", p->ecosystem) < 0)
                return -ENOMEM;
        r = scan_result_add_unchecked(res, UNCHECKED_UNIDENTIFIED, subject, n, reason);
        return r < 0 ? r : 0;
}

/* One CVE's KEV and EPSS data into f: KEV if any CVE is listed (the
 * first named), EPSS the highest score (and its percentile) of them.  An
 * advisory covering several CVEs (a DSA) is as exploited as its most
 * exploited one (docs/policy.md block_kev, min_epss). */
static int exploit_merge(struct finding *f, const char *cve, const struct vulndb_exploit *x) {
        if (x->kev && !f->kev_cve) {
                f->kev = true;
                if (!(f->kev_cve = strdup(cve)))
                        return -ENOMEM;
        }
        if (x->epss < 0 || x->epss <= f->epss)
                return 0;
        f->epss = x->epss;
        f->epss_percentile = x->percentile;
        free(f->epss_cve);
        return (f->epss_cve = strdup(cve)) ? 0 : -ENOMEM;
}

static const char *finding_id_at(const struct finding *f, size_t i) {
        return i == 0 ? f->id : f->aliases[i - 1];
}

const char *finding_new_cve(const struct finding *f, size_t i) {
        const char *id = finding_id_at(f, i);

        if (!id || !startswith(id, "CVE-"))
                return NULL;
        for (size_t j = 0; j < i; j++)
                if (streq_ptr(finding_id_at(f, j), id))
                        return NULL;
        return id;
}

/* KEV and EPSS: every CVE among a finding's id and aliases (the record's
 * aliases and upstream ids) that the database knows. */
static int exploit_of(struct vulndb *db, struct finding *f, struct error *err) {
        for (size_t i = 0, n = strv_length(f->aliases); i <= n; i++) {
                const char *cve = finding_new_cve(f, i);
                struct vulndb_exploit x;
                int r;

                if (!cve || (r = vulndb_exploit(db, cve, &x, err)) == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                if (exploit_merge(f, cve, &x) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

static int exploit_all(struct vulndb *db, struct scan_result *res, struct error *err) {
        for (size_t i = 0; vulndb_has_exploit_data(db) && i < res->n_findings; i++) {
                int r = exploit_of(db, &res->findings[i], err);

                if (r < 0)
                        return r;
        }
        return 0;
}

int match_inventory(struct vulndb *db, const struct inventory *inv, struct scan_result **ret, struct error *err) {
        return match_inventory_prefetched(db, inv, NULL, ret, err);
}

int match_inventory_prefetched(struct vulndb *db, const struct inventory *inv, struct match_prefetch *pre,
                               struct scan_result **ret, struct error *err) {
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        _cleanup_free_ const struct package **order = NULL;
        const char *db_time;
        size_t n = 0;
        int r;

        res = calloc(1, sizeof(*res));
        order = packages_in_order(inv, &n);
        db_time = vulndb_data_time(db) ? vulndb_data_time(db) : vulndb_import_time(db);
        if (!res || !order || (vulndb_revision(db) && !(res->db_revision = strdup(vulndb_revision(db)))) ||
            (db_time && !(res->db_time = strdup(db_time))))
                return error_set(err, ENOMEM, "match: out of memory");
        res->db_time_signed = vulndb_data_time(db) != NULL;
        res->db_kev = vulndb_has_kev(db);
        res->db_epss = vulndb_has_epss(db);
        if ((r = unchecked_image(inv, n, res)) < 0)
                return error_set(err, -r, "out of memory");
        for (size_t i = 0, j, e; i < n; i = e) {
                _cleanup_(prefetch_done) struct match_prefetch bin = {};
                _cleanup_strv_free_ char **streams = NULL;
                bool covered;

                for (e = i + 1; e < n && strcmp(order[i]->ecosystem, order[e]->ecosystem) == 0; e++)
                        ;
                if ((r = match_streams(db, order[i]->ecosystem, &streams, err)) < 0)
                        return error_wrap(err, "match ecosystem %s", order[i]->ecosystem);
                if ((r = ecosystem_covered(db, order[i]->ecosystem, streams, e - i, res, &covered, err)) < 0)
                        return r;
                if (covered && (r = lookup_binaries(db, order + i, e - i, streams, res, &bin, err)) < 0)
                        return r;
                for (; covered && i < e; i = j) {
                        for (j = i + 1; j < e && key_cmp(order[i], order[j]) == 0; j++)
                                ;
                        r = identified(order[i], j - i, res);
                        if (r > 0)
                                r = match_group(db, order + i, j - i, streams, &bin, res, pre, err);
                        if (r < 0 && err && !err->msg[0])   /* a path that said nothing (out of memory) */
                                error_set(err, -r, "%s", strerror(-r));
                        if (r < 0)
                                return error_wrap(err, "match package %s", order[i]->name);
                }
        }
        if (res->n_warnings > MATCH_WARNINGS_MAX) {
                char *s = NULL;

                if (asprintf(&s, RECORD_WARNINGS_MORE "%zu more records that could not be evaluated",
                             res->n_warnings - MATCH_WARNINGS_MAX) < 0 || strv_push(&res->warnings, s) < 0)
                        return error_set(err, ENOMEM, "match: out of memory");
        }
        /* and what the DB lacks (ecosystem_covered()), not among the
         * records' counted above */
        for (char **w = res->warnings; w && *w; w++)
                res->n_warnings += !scan_result_warning_of_record(*w);
        if ((r = exploit_all(db, res, err)) < 0)
                return r;
        if (res->n_findings > 0)
                qsort(res->findings, res->n_findings, sizeof(*res->findings), finding_cmp);
        scan_result_recount(res);
        *ret = TAKE_PTR(res);
        return 0;
}
