/* SPDX-License-Identifier: Apache-2.0 */
#include <sqlite3.h>

#include "base/strutil.h"
#include "ecosystem.h"
#include "inventory.h"
#include "match.h"
#include "report.h"
#include "test.h"
#include "vex.h"
#include "vulndb.h"

#define INTRO_FIXED(i, f) "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"" i "\"},{\"fixed\":\"" f "\"}]}]"

/* OSV range semantics, https://ossf.github.io/osv-schema/#evaluation */
/* match_inventory() with the records of some packages looked up ahead
 * (all, the first half, none): the same scan, to the byte. */
static void check_prefetched(struct vulndb *v, const struct inventory *inv, const char *what) {
        _cleanup_(scan_result_freep) struct scan_result *plain = NULL;
        _cleanup_free_ char *want = NULL;
        struct error err = {};

        CHECK_MSG(match_inventory(v, inv, &plain, &err) == 0, "%s: %s", what, err.msg);
        CHECK(plain && report_scan_json(&(struct report_target) { .name = "t", .inv = inv, .res = plain }, &want,
                                        &err) == 0);
        for (size_t ahead = 0; ahead <= inv->n_pkgs; ahead += inv->n_pkgs / 2 ? inv->n_pkgs / 2 : 1) {
                _cleanup_(match_prefetch_freep) struct match_prefetch *pre = NULL;
                _cleanup_(scan_result_freep) struct scan_result *res = NULL;
                _cleanup_free_ char *got = NULL;
                struct inventory part = *inv;

                part.n_pkgs = ahead;
                CHECK(match_prefetch(v, &part, &pre) == 0);
                CHECK_MSG(match_inventory_prefetched(v, inv, pre, &res, &err) == 0, "%s: %s", what, err.msg);
                CHECK(res && report_scan_json(&(struct report_target) { .name = "t", .inv = inv, .res = res }, &got,
                                              &err) == 0);
                CHECK_MSG(streq_ptr(want, got), "%s, %zu of %zu looked up ahead:\n%s\nwant:\n%s", what, ahead,
                          inv->n_pkgs, got, want);
        }
}

static void test_ranges(void) {
        static const struct {
                const char *version, *ranges, *versions;
                int affected;
                const char *fixed;
                int error;
        } rows[] = {
                { "1.0-1", INTRO_FIXED("0", "1.0-2"), NULL, 1, "1.0-2", 0 },
                { "1.0-2", INTRO_FIXED("0", "1.0-2"), NULL, 0, NULL, 0 },
                { "1.0-3", INTRO_FIXED("0", "1.0-2"), NULL, 0, NULL, 0 },
                { "1:0.1", INTRO_FIXED("0", "2.0"), NULL, 0, NULL, 0 },       /* epoch wins */
                { "1.0~rc1", INTRO_FIXED("0", "1.0"), NULL, 1, "1.0", 0 },    /* ~ sorts before */
                { "0.9", INTRO_FIXED("1.0", "2.0"), NULL, 0, NULL, 0 },       /* before introduced */
                { "1.0", INTRO_FIXED("1.0", "2.0"), NULL, 1, "2.0", 0 },      /* introduced is inclusive */
                /* two ranges in one events list, given out of order */
                { "1.5", "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"3.0\"},{\"fixed\":\"3.5\"},"
                         "{\"introduced\":\"1.0\"},{\"fixed\":\"2.0\"}]}]", NULL, 1, "2.0", 0 },
                { "2.5", "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"3.0\"},{\"fixed\":\"3.5\"},"
                         "{\"introduced\":\"1.0\"},{\"fixed\":\"2.0\"}]}]", NULL, 0, NULL, 0 },
                { "3.2", "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"3.0\"},{\"fixed\":\"3.5\"},"
                         "{\"introduced\":\"1.0\"},{\"fixed\":\"2.0\"}]}]", NULL, 1, "3.5", 0 },
                /* last_affected: inclusive upper bound, no fix known */
                { "1.4", "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"last_affected\":\"1.4\"}]}]",
                  NULL, 1, NULL, 0 },
                { "1.4.1", "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"last_affected\":\"1.4\"}]}]",
                  NULL, 0, NULL, 0 },
                /* no upper bound: every version from introduced on */
                { "99", "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]", NULL, 1, NULL, 0 },
                /* limit: at or past it, the range says nothing */
                { "5.0", "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"limit\":\"5.0\"}]}]",
                  NULL, 0, NULL, 0 },
                { "4.9", "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"limit\":\"5.0\"}]}]",
                  NULL, 1, NULL, 0 },
                /* exact versions list, with or without ranges */
                { "2.1-3", NULL, "[\"2.1-1\",\"2.1-3\"]", 1, NULL, 0 },
                { "2.1-2", NULL, "[\"2.1-1\",\"2.1-3\"]", 0, NULL, 0 },
                { "0:2.1-3", NULL, "[\"2.1-3\"]", 1, NULL, 0 },              /* equal by dpkg rules */
                /* GIT ranges never place an installed package version ... */
                /* ... but with them, a versions list places the version */
                { "1.0", "[{\"type\":\"GIT\",\"repo\":\"x\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"abc\"}]}]",
                  "[\"1.0\"]", 1, NULL, 0 },
                /* invalid versions are errors, not guesses */
                { "1.0", INTRO_FIXED("0", "1.0 2"), NULL, 0, NULL, -EINVAL },
                { "", INTRO_FIXED("0", "1.0"), NULL, 0, NULL, -EINVAL },
                /* an entry that can't place any version is an error, not
                 * "not affected": GIT ranges alone, nothing at all, a range
                 * without introduced, a range type OSV doesn't define */
                { "1.0", "[{\"type\":\"GIT\",\"repo\":\"x\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"abc\"}]}]",
                  NULL, 0, NULL, -EBADMSG },
                { "1.0", NULL, NULL, 0, NULL, -EBADMSG },
                { "1.0", "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"fixed\":\"2.0\"}]}]", NULL, 0, NULL, -EBADMSG },
                { "1.0", "[{\"type\":\"ecosystem\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"2.0\"}]}]",
                  NULL, 0, NULL, -EBADMSG },
                { "1.0", "[{\"type\":\"GIT\",\"repo\":\"x\",\"events\":[{\"introduced\":\"0\"}]},"
                         "{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"2.0\"}]}]",
                  NULL, 1, "2.0", 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                struct error err = {};
                char *fixed = NULL;
                int affected = -1, r;

                r = match_affected("Debian:12", rows[i].version, rows[i].ranges, rows[i].versions, &affected, &fixed,
                                   &err);
                CHECK_MSG(r == rows[i].error, "row %zu: r=%d %s", i, r, err.msg);
                if (r == 0) {
                        CHECK_MSG(affected == rows[i].affected, "row %zu (%s): affected=%d", i, rows[i].version,
                                  affected);
                        CHECK_MSG(streq_ptr(fixed, rows[i].fixed), "row %zu: fixed=%s", i, strna(fixed));
                }
                free(fixed);
        }
}

/* PyPI: a locally labelled build (PEP 440's 2.0.0+cpu) is its public
 * version for a last_affected and a versions entry without a label, as
 * the advisories' specifiers ("<= 2.0.0") read it; the rest in PEP 440's
 * order. */
static void test_pypi_local(void) {
        static const struct {
                const char *version, *ranges, *versions;
                int affected;
        } rows[] = {
                { "2.0.0+cpu", "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"last_affected\":\"2.0.0\"}]}]",
                  NULL, 1 },
                { "2.0.0+cu118", NULL, "[\"1.13.1\",\"2.0.0\"]", 1 },
                { "2.0.1+cpu", "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"last_affected\":\"2.0.0\"}]}]",
                  NULL, 0 },
                { "2.0.0+cpu", INTRO_FIXED("0", "2.0.1"), NULL, 1 },
                { "2.0.1+cpu", INTRO_FIXED("0", "2.0.1"), NULL, 0 },
                { "2.0.0+cpu", INTRO_FIXED("2.0.0", "2.0.1"), NULL, 1 },
                /* a bound with its own label: PEP 440's order, labels and all */
                { "2.0.0+cpu", "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"last_affected\":\"2.0.0+abc\"}]}]",
                  NULL, 0 },
                { "2.0.0+cpu", NULL, "[\"2.0.0+cu118\"]", 0 },
                { "2.0.0", NULL, "[\"2.0.0+cpu\"]", 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                struct error err = {};
                char *fixed = NULL;
                int affected = -1;

                CHECK_MSG(match_affected("PyPI", rows[i].version, rows[i].ranges, rows[i].versions, &affected, &fixed,
                                         &err) == 0, "row %zu: %s", i, err.msg);
                CHECK_MSG(affected == rows[i].affected, "PyPI row %zu (%s): affected=%d", i, rows[i].version, affected);
                free(fixed);
        }
}

static void add_src_pkg(struct inventory *inv, const char *eco, const char *name, const char *version,
                        const char *src, const char *src_version) {
        struct package p = {
                .name = strdup(name), .version = strdup(version), .source_name = strdup(src),
                .source_version = strdup(src_version), .arch = strdup("amd64"), .ecosystem = strdup(eco),
        };

        CHECK(inventory_add(inv, &p) == 0);
}

static void add_pkg(struct inventory *inv, const char *name, const char *version, const char *src,
                    const char *src_version) {
        add_src_pkg(inv, "Debian:12", name, version, src, src_version);
}

/* Distro records name source packages; findings name the binary ones; the
 * vendor rating wins over CVSS and the source of the severity is named. */
static void test_inventory_match(void) {
        const char *dir = test_path(test_tmpdir(), "feed");
        const char *db = test_path(test_tmpdir(), "m.sqlite");
        char *paths[] = { (char *) dir, NULL };
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
        struct scan_result *res = NULL;
        struct vulndb *v = NULL;
        struct error err = {};

        test_write_file(test_path(dir, "a.json"),
                        "{\"id\":\"DEBIAN-CVE-2000-0001\",\"modified\":\"2024-01-01T00:00:00Z\",\"aliases\":[\"CVE-2000-0001\"],"
                        "\"severity\":[{\"type\":\"CVSS_V3\",\"score\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}],"
                        "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"glibc\"},"
                        "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"2.36-9+deb12u4\"}]}]}]}");
        test_write_file(test_path(dir, "b.json"),
                        "{\"id\":\"DEBIAN-CVE-2000-0002\",\"modified\":\"2024-01-01T00:00:00Z\","
                        "\"severity\":[{\"type\":\"CVSS_V3\",\"score\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}],"
                        "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"glibc\"},"
                        "\"ecosystem_specific\":{\"urgency\":\"unimportant\"},"
                        "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]}");
        test_write_file(test_path(dir, "c.json"),
                        "{\"id\":\"DEBIAN-CVE-2000-0003\",\"modified\":\"2024-01-01T00:00:00Z\",\"withdrawn\":\"2024-02-01T00:00:00Z\","
                        "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"glibc\"},"
                        "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]}");
        test_write_file(test_path(dir, "d.json"),
                        "{\"id\":\"DEBIAN-CVE-2000-0004\",\"modified\":\"2024-01-01T00:00:00Z\","
                        "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"zlib\"},"
                        "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1:1.2.13.dfsg-1\"}]}]}]}");
        test_write_file(test_path(dir, "e.json"),
                        "{\"id\":\"DEBIAN-CVE-2000-0005\",\"modified\":\"2024-01-01T00:00:00Z\",\"aliases\":[\"CVE-2000-0005\"],"
                        "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"zlib\"},"
                        "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]}");
        test_write_file(test_path(dir, "nvd.json"),
                        "{\"vulnerabilities\":[{\"cve\":{\"id\":\"CVE-2000-0005\",\"metrics\":{\"cvssMetricV31\":"
                        "[{\"type\":\"Secondary\",\"cvssData\":{\"vectorString\":\"CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N\"}},"
                        "{\"type\":\"Primary\",\"cvssData\":{\"vectorString\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N\"}}]}}}]}");
        CHECK_MSG(vulndb_import(db, paths, false, NULL, NULL, NULL, &err) == 0, "%s", err.msg);
        CHECK_MSG(vulndb_open(db, &v, &err) == 0, "%s", err.msg);

        add_pkg(inv, "libc6", "2.36-9+deb12u3", "glibc", "2.36-9+deb12u3");
        add_pkg(inv, "libc-bin", "2.36-9+deb12u3", "glibc", "2.36-9+deb12u3");
        add_pkg(inv, "zlib1g", "1:1.2.13.dfsg-1", "zlib", "1:1.2.13.dfsg-1");
        if (v)
                check_prefetched(v, inv, "glibc and zlib");
        CHECK_MSG(v && match_inventory(v, inv, &res, &err) == 0, "%s", err.msg);
        if (!res) {
                vulndb_close(v);
                return;
        }
        /* 2 records × 2 binaries, and zlib's record scored through its CVE
         * alias by NVD (the Primary score, 7.5 HIGH); withdrawn and
         * fixed-already give nothing */
        CHECK(res->n_findings == 5);
        CHECK(res->counts[SEVERITY_CRITICAL] == 2 && res->counts[SEVERITY_LOW] == 2 && res->counts[SEVERITY_HIGH] == 1);
        CHECK_STREQ(res->findings[2].id, "DEBIAN-CVE-2000-0005");
        CHECK_STREQ(res->findings[2].severity_source, "nvd");
        CHECK(res->findings[2].cvss_score == 7.5);
        CHECK(res->fixable == 2);
        CHECK_STREQ(res->findings[0].id, "DEBIAN-CVE-2000-0001");
        CHECK_STREQ(res->findings[0].package, "libc-bin");
        CHECK_STREQ(res->findings[0].fixed_version, "2.36-9+deb12u4");
        CHECK_STREQ(res->findings[0].severity_source, "cvss_v3");
        CHECK(res->findings[0].cvss_score == 9.8);
        CHECK(res->findings[0].status == FINDING_FIXED);
        CHECK_STREQ(res->findings[0].aliases ? res->findings[0].aliases[0] : NULL, "CVE-2000-0001");
        CHECK_STREQ(res->findings[3].id, "DEBIAN-CVE-2000-0002");
        CHECK_STREQ(res->findings[3].severity_source, "debian");
        CHECK(res->findings[3].status == FINDING_AFFECTED);

        {
                /* the compact form the cache keeps: what a policy needs survives */
                _cleanup_free_ char *compact = NULL, *again = NULL;
                struct scan_result *back = NULL;

                CHECK(report_findings_compact(res, &compact, &err) == 0);
                CHECK(compact && report_parse_findings_compact(compact, strlen(compact), &back, &err) == 0);
                CHECK(back && back->n_findings == res->n_findings && back->fixable == res->fixable);
                for (size_t i = 0; back && i < back->n_findings; i++) {
                        CHECK_STREQ(back->findings[i].id, res->findings[i].id);
                        CHECK_STREQ(back->findings[i].package, res->findings[i].package);
                        CHECK(back->findings[i].severity == res->findings[i].severity);
                        CHECK(streq_ptr(back->findings[i].fixed_version, res->findings[i].fixed_version));
                        CHECK(strv_length(back->findings[i].aliases) == strv_length(res->findings[i].aliases));
                        CHECK(streq_ptr(back->findings[i].purl, res->findings[i].purl));
                        CHECK(streq_ptr(back->findings[i].source_name, res->findings[i].source_name));
                }
                CHECK(back && report_findings_compact(back, &again, &err) == 0 && streq_ptr(compact, again));
                scan_result_free(back);
                back = NULL;
                for (const char *const *bad = (const char *const[]) { "#4 0 0\nHIGH\tx\n", "#4 0 0\nHIGH\ta%00\tp\t\t\t\t\t\t\n",
                                                                      "#4 0 0\nSEVERE\ta\tp\t\t\t\t\t\t\n", "#4 0 0\nHIGH\ta\tp\t\t\t\t\t\t",
                                                                      "#4 0\n", "#4 -1 0\n", "#4 0 0\n!nope\t1\ts\tr\n", "#4 0 0\nHIGH\ta\tp\t\t\n",
                                                                      "#4 0 0\n!no_data\t\ts\tr\n", "#4 0 0\n!no_data\t1\t\tr\n",
                                                                      "#4 0 0\n!no_data\t1x\ts\tr\n", NULL };
                     *bad; bad++)
                        CHECK_MSG(report_parse_findings_compact(*bad, strlen(*bad), &back, &err) == -EBADMSG, "%s", *bad);
                /* an entry from before unchecked items were kept is stale: the image is analysed anew */
                for (const char *const *old = (const char *const[]) { "", "HIGH\ta\tp\t\t\n", "#2 0 0\n",
                                                                      "#3 0 0\nHIGH\ta\tp\t\t\t\t\n", NULL }; *old; old++)
                        CHECK(report_parse_findings_compact(*old, strlen(*old), &back, &err) == -ESTALE);
        }
        scan_result_filter(res, 1u << SEVERITY_CRITICAL);
        CHECK(res->n_findings == 2 && res->counts[SEVERITY_LOW] == 0 && res->counts[SEVERITY_HIGH] == 0);
        scan_result_free(res);

        res = NULL;
        CHECK(match_inventory(v, inv, &res, &err) == 0);
        if (res) {
                CHECK(scan_result_filter_unfixed(res) == 0);
                CHECK(res->n_findings == 2 && res->fixable == 2);
                scan_result_free(res);
        }
        vulndb_close(v);
}

static void add_eco_pkg(struct inventory *inv, const char *eco, const char *name, const char *version) {
        struct package p = {
                .name = strdup(name), .version = strdup(version), .source_name = strdup(name),
                .source_version = strdup(version), .ecosystem = eco ? strdup(eco) : NULL,
        };

        CHECK(inventory_add(inv, &p) == 0);
}

static const struct unchecked *find_unchecked(const struct scan_result *res, enum unchecked_kind kind,
                                              const char *subject) {
        for (size_t i = 0; i < res->n_unchecked; i++)
                if (res->unchecked[i].kind == kind && streq_ptr(res->unchecked[i].subject, subject))
                        return &res->unchecked[i];
        return NULL;
}

/* Never allow in silence: whatever can't be checked is listed, with the
 * packages it leaves unchecked, and survives the cache's compact form. */
static void test_unchecked(void) {
        const char *dir = test_path(test_tmpdir(), "feed-u");
        const char *db = test_path(test_tmpdir(), "u.sqlite");
        char *paths[] = { (char *) dir, NULL };
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new(), *empty = inventory_new(),
                                                    *foreign = inventory_new();
        _cleanup_(scan_result_freep) struct scan_result *res = NULL, *none = NULL, *back = NULL, *other = NULL;
        _cleanup_free_ char *compact = NULL, *line = NULL;
        _cleanup_(vulndb_closep) struct vulndb *v = NULL;
        const struct unchecked *u;
        struct error err = {};

        test_write_file(test_path(dir, "a.json"),
                        "{\"id\":\"DEBIAN-CVE-2000-0001\",\"modified\":\"2024-01-01T00:00:00Z\","
                        "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"bash\"},"
                        "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"5.2.15-2+b3\"}]}]},"
                        "{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"tar\"},"
                        "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.34 x\"}]}]}]}");
        CHECK_MSG(vulndb_import(db, paths, 0, NULL, NULL, NULL, &err) == 0, "%s", err.msg);
        CHECK_MSG(vulndb_open(db, &v, &err) == 0, "%s", err.msg);
        if (!v)
                return;
        CHECK(vulndb_has_ecosystem(v, "Debian:12", &err) == 1);
        CHECK(vulndb_has_ecosystem(v, "Alpine:v3.11", &err) == 0);

        add_eco_pkg(inv, "Debian:12", "bash", "5.2.15-2");          /* checked: a finding */
        add_eco_pkg(inv, "Debian:12", "coreutils", "9.1 1");        /* dpkg rejects the version */
        add_eco_pkg(inv, "Debian:12", "tar", "1.34+dfsg-1.2");      /* the record's range is broken */
        add_eco_pkg(inv, "Alpine:v3.11", "musl", "1.1.24-r3");      /* no record of Alpine:v3.11 */
        add_eco_pkg(inv, "Alpine:v3.11", "sudo", "1.9.5p2-r0");
        add_eco_pkg(inv, "Cobol:1", "x", "1");                      /* no version order */
        add_eco_pkg(inv, NULL, "y", "1");                           /* unknown distribution */
        check_prefetched(v, inv, "the unchecked");
        CHECK_MSG(match_inventory(v, inv, &res, &err) == 0, "%s", err.msg);
        if (!res)
                return;
        CHECK(res->n_findings == 1);
        CHECK(res->n_unchecked == 5 && res->unchecked_more == 0);
        CHECK(res->packages_unchecked == 6);
        u = find_unchecked(res, UNCHECKED_NO_DATA, "Alpine:v3.11");
        CHECK(u && u->packages == 2 && strstr(u->reason, "update.ecosystems"));
        u = find_unchecked(res, UNCHECKED_INVALID_VERSION, "coreutils 9.1 1");
        CHECK(u && u->packages == 1 && strstr(u->reason, "9.1 1"));
        u = find_unchecked(res, UNCHECKED_RECORD_ERROR, "tar 1.34+dfsg-1.2");
        CHECK(u && u->packages == 1 && strstr(u->reason, "DEBIAN-CVE-2000-0001"));
        u = find_unchecked(res, UNCHECKED_NO_COMPARATOR, "Cobol:1");
        CHECK(u && u->packages == 1);
        CHECK(res->n_unchecked > 4 && res->unchecked[0].kind == UNCHECKED_UNKNOWN_OS && res->unchecked[0].packages == 1);
        CHECK(scan_result_unchecked_line(res, NULL, NULL, &line) == 0 && line && strstr(line, "; and 2 more"));
        /* an inventory that doesn't say where its OS came from (read back from JSON) */
        CHECK(startswith(res->unchecked[0].reason, "os-release (ID=n/a, VERSION_ID=n/a) names no distribution "
                         "release Portcullis knows"));

        /* the cache's compact form keeps them */
        CHECK(report_findings_compact(res, &compact, &err) == 0);
        CHECK_MSG(compact && report_parse_findings_compact(compact, strlen(compact), &back, &err) == 0, "%s", err.msg);
        CHECK(back && back->n_unchecked == res->n_unchecked && back->packages_unchecked == 6 && back->n_findings == 1);
        for (size_t i = 0; back && i < back->n_unchecked; i++) {
                CHECK(back->unchecked[i].kind == res->unchecked[i].kind);
                CHECK_STREQ(back->unchecked[i].subject, res->unchecked[i].subject);
                CHECK_STREQ(back->unchecked[i].reason, res->unchecked[i].reason);
        }

        /* no package at all: nothing was checked */
        CHECK(match_inventory(v, empty, &none, &err) == 0);
        CHECK(none && none->n_unchecked == 1 && none->unchecked[0].kind == UNCHECKED_NO_PACKAGES);

        /* a known OS, and packages of another distribution's database
         * (inventory_os_ecosystem()): said as such, naming the database */
        foreign->os.id = strdup("alpine");
        foreign->os.ecosystem = strdup("Alpine:v3.18");
        add_eco_pkg(foreign, NULL, "zlib1g", "1:1.2.13");
        foreign->pkgs[0].origin_file = strdup("/var/lib/dpkg/status");
        CHECK(match_inventory(v, foreign, &other, &err) == 0);
        u = other ? find_unchecked(other, UNCHECKED_UNKNOWN_OS, "/var/lib/dpkg/status") : NULL;
        CHECK(u && u->packages == 1 && strstr(u->reason, "are not Alpine:v3.18's") &&
              strstr(u->reason, "another distribution's"));
}

/* A version its ecosystem orders against nothing (a Composer dev branch,
 * "dev-main", as installed.json names one) is not checked: said once per
 * package as its version's doing, not as an error of each record (whose
 * "re-import it" would send the user the wrong way); a package that no
 * record names stays silent. */
static void test_unordered_version(void) {
        const char *dir = test_path(test_tmpdir(), "feed-dev");
        const char *db = test_path(test_tmpdir(), "dev.sqlite");
        char *paths[] = { (char *) dir, NULL };
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        _cleanup_(vulndb_closep) struct vulndb *v = NULL;
        const struct unchecked *u;
        struct error err = {};

        for (int i = 1; i <= 2; i++)
                test_write_file(test_path(dir, i == 1 ? "a.json" : "b.json"),
                                i == 1 ? "{\"id\":\"GHSA-0000-0000-0001\",\"modified\":\"2024-01-01T00:00:00Z\","
                                         "\"affected\":[{\"package\":{\"ecosystem\":\"Packagist\",\"name\":\"foo/bar\"},"
                                         "\"ranges\":" INTRO_FIXED("0", "1.2.0") "}]}"
                                       : "{\"id\":\"GHSA-0000-0000-0002\",\"modified\":\"2024-01-01T00:00:00Z\","
                                         "\"affected\":[{\"package\":{\"ecosystem\":\"Packagist\",\"name\":\"foo/bar\"},"
                                         "\"ranges\":" INTRO_FIXED("2.0.0", "2.1.0") "}]}");
        CHECK_MSG(vulndb_import(db, paths, 0, NULL, NULL, NULL, &err) == 0, "%s", err.msg);
        CHECK_MSG(vulndb_open(db, &v, &err) == 0, "%s", err.msg);
        if (!v)
                return;
        add_eco_pkg(inv, "Packagist", "foo/bar", "dev-main");
        add_eco_pkg(inv, "Packagist", "foo/quux", "dev-main");      /* no record names it */
        add_eco_pkg(inv, "Packagist", "foo/bar", "1.2.x-dev");      /* a numeric branch has an order */
        check_prefetched(v, inv, "a dev branch");
        CHECK_MSG(match_inventory(v, inv, &res, &err) == 0, "%s", err.msg);
        if (!res)
                return;
        CHECK(res->n_findings == 0);
        CHECK_MSG(res->n_unchecked == 1 && res->packages_unchecked == 1, "%zu unchecked, %zu packages",
                  res->n_unchecked, res->packages_unchecked);
        CHECK(!find_unchecked(res, UNCHECKED_RECORD_ERROR, "foo/bar dev-main"));
        u = find_unchecked(res, UNCHECKED_INVALID_VERSION, "foo/bar dev-main");
        CHECK_MSG(u && u->packages == 1 && strstr(u->reason, "dev branch 'dev-main'") &&
                  strstr(u->reason, "released version") && !strstr(u->reason, "GHSA-"),
                  "%s", u ? u->reason : "no invalid_version item");
}

/* The severity chain reaches a CVE named only as "upstream" (OSV's
 * DEBIAN-CVE-* records), and db status counts what nothing rates. */
static void test_upstream_and_unrated(void) {
        const char *dir = test_path(test_tmpdir(), "feed-up");
        const char *db = test_path(test_tmpdir(), "up.sqlite");
        char *paths[] = { (char *) dir, NULL };
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        _cleanup_(vulndb_closep) struct vulndb *v = NULL;
        struct vulndb_status st = {};
        struct error err = {};

        test_write_file(test_path(dir, "a.json"),
                        "{\"id\":\"DEBIAN-CVE-2001-0001\",\"modified\":\"2024-01-01T00:00:00Z\",\"upstream\":[\"CVE-2001-0001\"],"
                        "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"bash\"},"
                        "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]}");
        test_write_file(test_path(dir, "b.json"),
                        "{\"id\":\"DEBIAN-CVE-2001-0002\",\"modified\":\"2024-01-01T00:00:00Z\",\"aliases\":[\"CVE-2001-0002\"],"
                        "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"bash\"},"
                        "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]}");
        test_write_file(test_path(dir, "c.json"),
                        "{\"id\":\"DEBIAN-CVE-2001-0003\",\"modified\":\"2024-01-01T00:00:00Z\","
                        "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"bash\"},"
                        "\"ecosystem_specific\":{\"urgency\":\"low\"},"
                        "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]}");
        test_write_file(test_path(dir, "nvd.json"),
                        "{\"vulnerabilities\":[{\"cve\":{\"id\":\"CVE-2001-0001\",\"metrics\":{\"cvssMetricV31\":"
                        "[{\"type\":\"Primary\",\"cvssData\":{\"vectorString\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}}]}}}]}");
        CHECK_MSG(vulndb_import(db, paths, 0, NULL, NULL, NULL, &err) == 0, "%s", err.msg);
        CHECK_MSG(vulndb_open(db, &v, &err) == 0, "%s", err.msg);
        if (!v)
                return;
        CHECK(vulndb_get_status(v, &st, &err) == 0 && st.records == 3 && st.unrated == 1);
        vulndb_status_done(&st);
        add_eco_pkg(inv, "Debian:12", "bash", "5.2.15-2");
        CHECK(match_inventory(v, inv, &res, &err) == 0 && res && res->n_findings == 3);
        for (size_t i = 0; res && i < res->n_findings; i++) {
                const struct finding *f = &res->findings[i];

                if (streq_ptr(f->id, "DEBIAN-CVE-2001-0001"))
                        CHECK(f->severity == SEVERITY_CRITICAL && streq_ptr(f->severity_source, "nvd"));
                else if (streq_ptr(f->id, "DEBIAN-CVE-2001-0002"))
                        CHECK(f->severity == SEVERITY_UNKNOWN);
                else
                        CHECK(f->severity == SEVERITY_LOW && streq_ptr(f->severity_source, "debian"));
        }
}

/* A CVSS v3/v4 score of 0.0 is NONE through the whole chain: the record's
 * own vector and a CVE alias's NVD score; counted, and in the summary and
 * the compact form the cache keeps. */
static void test_none_severity(void) {
        const char *dir = test_path(test_tmpdir(), "feed-none");
        const char *db = test_path(test_tmpdir(), "none.sqlite");
        char *paths[] = { (char *) dir, NULL };
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
        _cleanup_free_ char *json = NULL, *compact = NULL;
        _cleanup_(scan_result_freep) struct scan_result *res = NULL, *back = NULL;
        _cleanup_(vulndb_closep) struct vulndb *v = NULL;
        struct error err = {};

        test_write_file(test_path(dir, "a.json"),
                        "{\"id\":\"DEBIAN-CVE-2000-0010\",\"modified\":\"2024-01-01T00:00:00Z\","
                        "\"severity\":[{\"type\":\"CVSS_V3\",\"score\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N\"}],"
                        "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"bash\"},"
                        "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]}");
        test_write_file(test_path(dir, "b.json"),
                        "{\"id\":\"DEBIAN-CVE-2000-0011\",\"modified\":\"2024-01-01T00:00:00Z\",\"aliases\":[\"CVE-2000-0011\"],"
                        "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"bash\"},"
                        "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]}");
        test_write_file(test_path(dir, "nvd.json"),
                        "{\"vulnerabilities\":[{\"cve\":{\"id\":\"CVE-2000-0011\",\"metrics\":{\"cvssMetricV40\":"
                        "[{\"type\":\"Primary\",\"cvssData\":{\"vectorString\":"
                        "\"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N\"}}]}}}]}");
        CHECK_MSG(vulndb_import(db, paths, false, NULL, NULL, NULL, &err) == 0, "%s", err.msg);
        CHECK_MSG(vulndb_open(db, &v, &err) == 0, "%s", err.msg);
        add_pkg(inv, "bash", "5.2.15-2+b2", "bash", "5.2.15-2");
        CHECK_MSG(v && match_inventory(v, inv, &res, &err) == 0, "%s", err.msg);
        if (res) {
                struct report_target t = { .name = "/", .inv = inv, .res = res };

                CHECK(res->n_findings == 2 && res->counts[SEVERITY_NONE] == 2 && res->counts[SEVERITY_LOW] == 0);
                for (size_t i = 0; i < res->n_findings; i++)
                        CHECK_MSG(res->findings[i].severity == SEVERITY_NONE && res->findings[i].cvss_score == 0.0,
                                  "%s", res->findings[i].id);
                CHECK(res->n_findings == 2 && streq_ptr(res->findings[0].severity_source, "cvss_v3") &&
                      streq_ptr(res->findings[1].severity_source, "nvd"));
                CHECK(report_scan_json(&t, &json, &err) == 0);
                CHECK(json && strstr(json, "\"NONE\": 2") && strstr(json, "\"severity\": \"NONE\""));
                CHECK(report_findings_compact(res, &compact, &err) == 0);
                CHECK(compact && report_parse_findings_compact(compact, strlen(compact), &back, &err) == 0);
                CHECK(back && back->n_findings == 2 && back->findings[0].severity == SEVERITY_NONE);
        }
}

/* The ecosystem table: how records and inventories spell one package. */
static void test_package_names(void) {
        static const char *const rows[][3] = {
                { "PyPI", "Foo_Bar..baz", "foo-bar-baz" },
                { "PyPI", "requests", "requests" },
                { "NuGet", "Newtonsoft.Json", "newtonsoft.json" },
                { "Packagist", "Symfony/HTTP-Kernel", "symfony/http-kernel" },
                { "npm", "@Babel/Parser", "@Babel/Parser" },    /* npm names are as written */
                { "Debian:12", "libC6", "libC6" },
                { "NoSuchEcosystem", "X_y", "X_y" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_free_ char *n = ecosystem_package_name(rows[i][0], rows[i][1]);

                CHECK_STREQ(n, rows[i][2]);
        }
        CHECK(ecosystem_find("Debian:12") && ecosystem_find("Debian:12")->distro);
        CHECK(ecosystem_find("PyPI") && !ecosystem_find("PyPI")->distro);
        CHECK(!ecosystem_find("Debianx"));
}

/* An affected entry whose record is gone (a damaged DB): the match fails
 * saying so, and the same with the records looked up ahead, where the key
 * is dropped (prefetch_records()) for the match to look up and say; the
 * other keys' records are still read ahead. */
static void test_missing_record(void) {
        const char *dir = test_path(test_tmpdir(), "feed-missing");
        const char *db = test_path(test_tmpdir(), "missing.sqlite");
        char *paths[] = { (char *) dir, NULL };
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
        _cleanup_(match_prefetch_freep) struct match_prefetch *pre = NULL;
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        _cleanup_(vulndb_closep) struct vulndb *v = NULL;
        struct error err = {}, err2 = {};
        sqlite3 *raw = NULL;

        test_write_file(test_path(dir, "a.json"),
                        "{\"id\":\"DEBIAN-CVE-2000-0001\",\"modified\":\"2024-01-01T00:00:00Z\","
                        "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"glibc\"},"
                        "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]}");
        test_write_file(test_path(dir, "b.json"),
                        "{\"id\":\"DEBIAN-CVE-2000-0002\",\"modified\":\"2024-01-01T00:00:00Z\","
                        "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"zlib\"},"
                        "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]}");
        CHECK_MSG(vulndb_import(db, paths, false, NULL, NULL, NULL, &err) == 0, "%s", err.msg);
        CHECK(sqlite3_open(db, &raw) == SQLITE_OK &&
              sqlite3_exec(raw, "DELETE FROM vuln WHERE id = 'DEBIAN-CVE-2000-0001'", NULL, NULL, NULL) == SQLITE_OK);
        sqlite3_close(raw);
        CHECK_MSG(vulndb_open(db, &v, &err) == 0, "%s", err.msg);
        if (!v)
                return;
        add_pkg(inv, "libc6", "2.36-9", "glibc", "2.36-9");
        add_pkg(inv, "zlib1g", "1:1.2.13.dfsg-1", "zlib", "1:1.2.13.dfsg-1");
        CHECK(match_inventory(v, inv, &res, &err) < 0 && !res);
        CHECK_MSG(strstr(err.msg, "is missing") && strstr(err.msg, "re-import"), "%s", err.msg);
        CHECK(match_prefetch(v, inv, &pre) == 0 && pre);
        CHECK(match_inventory_prefetched(v, inv, pre, &res, &err2) < 0 && !res);
        CHECK_STREQ(err2.msg, err.msg);
}

/* KEV and EPSS of an advisory that covers several CVEs (a DSA): KEV when
 * any of them is listed, EPSS the highest score, each named by the CVE it
 * is of, whatever order the record lists them in. */
static void test_exploit_all_cves(void) {
        static const char *const upstream[] = { "\"CVE-2099-9001\", \"CVE-2099-9002\", \"CVE-2099-9003\"",
                                                "\"CVE-2099-9003\", \"CVE-2099-9002\", \"CVE-2099-9001\"" };

        for (size_t i = 0; i < ELEMENTSOF(upstream); i++) {
                const char *dir = test_path(test_tmpdir(), i ? "feed-x1" : "feed-x0");
                const char *db = test_path(test_tmpdir(), i ? "x1.sqlite" : "x0.sqlite");
                const char *kev = test_path(test_tmpdir(), "known_exploited_vulnerabilities.json");
                const char *epss = test_path(test_tmpdir(), "epss_scores-2026-12-03.csv");
                char *paths[] = { (char *) dir, (char *) kev, (char *) epss, NULL };
                _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
                _cleanup_(scan_result_freep) struct scan_result *res = NULL;
                _cleanup_(vulndb_closep) struct vulndb *v = NULL;
                _cleanup_free_ char *rec = NULL;
                struct error err = {};
                const struct finding *f;

                CHECK(asprintf(&rec, "{\"id\":\"DSA-9100-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"upstream\":[%s],"
                               "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"perl\"},"
                               "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]}",
                               upstream[i]) > 0);
                test_write_file(test_path(dir, "dsa.json"), rec);
                test_write_file(kev,
                                "{\"catalogVersion\": \"1\", \"dateReleased\": \"2026-12-03T15:01:22Z\", \"count\": 1, "
                                "\"vulnerabilities\": [{\"cveID\": \"CVE-2099-9002\", \"dateAdded\": \"2026-12-01\"}]}");
                test_write_file(epss,
                                "cve,epss,percentile\nCVE-2099-9001,0.00100,0.10000\nCVE-2099-9003,0.95000,0.99900\n"
                                "CVE-2099-9002,0.20000,0.90000\n");
                CHECK_MSG(vulndb_import(db, paths, 0, NULL, NULL, NULL, &err) == 0, "%s", err.msg);
                CHECK_MSG(vulndb_open(db, &v, &err) == 0, "%s", err.msg);
                if (!v)
                        return;
                add_pkg(inv, "perl-base", "5.36.0-7", "perl", "5.36.0-7");
                CHECK_MSG(match_inventory(v, inv, &res, &err) == 0 && res && res->n_findings == 1, "%s", err.msg);
                if (!res || res->n_findings != 1)
                        return;
                f = &res->findings[0];
                CHECK_MSG(f->kev && streq_ptr(f->kev_cve, "CVE-2099-9002"), "order %zu: kev %d of %s", i, f->kev,
                          strna(f->kev_cve));
                CHECK_MSG(f->epss == 0.95 && f->epss_percentile == 0.999 && streq_ptr(f->epss_cve, "CVE-2099-9003"),
                          "order %zu: epss %g/%g of %s", i, f->epss, f->epss_percentile, strna(f->epss_cve));
        }
}

/* One vulnerability, one finding: records of one CVE fold into one row,
 * an advisory of several CVEs into each CVE's row; never where the fix or
 * the severity would change, nor a CVE into another's row. */
static const struct finding *finding_named(const struct scan_result *res, const char *id) {
        for (size_t i = 0; res && i < res->n_findings; i++)
                if (streq_ptr(res->findings[i].id, id))
                        return &res->findings[i];
        return NULL;
}

static bool has_alias(const struct finding *f, const char *id) {
        for (char **a = f ? f->aliases : NULL; a && *a; a++)
                if (strcmp(*a, id) == 0)
                        return true;
        return false;
}

/* A record of bash (Debian:12) fixed in fixed: names is its "aliases" or
 * "upstream" member, severity a CVSS vector or NULL. */
struct bash_record {
        const char *id, *names, *fixed, *severity;
};

/* The records, and the files more (a KEV catalogue, NULL-terminated),
 * imported into a new DB called name. */
static struct vulndb *bash_records_db(const char *name, const struct bash_record *recs, size_t n, char **more) {
        _cleanup_free_ char *feed = NULL, *file = NULL;
        char *paths[8] = {};
        struct vulndb *v = NULL;
        struct error err = {};
        size_t k = 0;

        CHECK(asprintf(&feed, "feed-%s", name) > 0 && asprintf(&file, "%s.sqlite", name) > 0);
        paths[k++] = strdup(test_path(test_tmpdir(), feed));
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *rec = NULL, *sev = NULL, *json = NULL;

                CHECK(!recs[i].severity ||
                      asprintf(&sev, "\"severity\":[{\"type\":\"CVSS_V3\",\"score\":\"%s\"}],", recs[i].severity) > 0);
                CHECK(asprintf(&rec, "{\"id\":\"%s\",\"modified\":\"2024-01-01T00:00:00Z\",%s,%s"
                               "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"bash\"},"
                               "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"%s\"}]}]}]}",
                               recs[i].id, recs[i].names, strempty(sev), recs[i].fixed) > 0);
                CHECK(asprintf(&json, "%s.json", recs[i].id) > 0);
                test_write_file(test_path(paths[0], json), rec);
        }
        for (; more && *more && k < ELEMENTSOF(paths) - 1; more++)
                paths[k++] = strdup(*more);
        CHECK_MSG(vulndb_import(test_path(test_tmpdir(), file), paths, 0, NULL, NULL, NULL, &err) == 0, "%s", err.msg);
        CHECK_MSG(vulndb_open(test_path(test_tmpdir(), file), &v, &err) == 0, "%s", err.msg);
        for (size_t i = 0; i < k; i++)
                free(paths[i]);
        return v;
}

static void test_one_vulnerability(void) {
        static const struct bash_record recs[] = {
                { "DEBIAN-CVE-2002-0001", "\"aliases\":[\"CVE-2002-0001\"]", "5.2.15-3", NULL },
                { "DSA-9200-1", "\"upstream\":[\"CVE-2002-0001\",\"CVE-2002-0002\"]", "5.2.15-3", NULL },
                { "DEBIAN-CVE-2002-0002", "\"upstream\":[\"CVE-2002-0002\"]", "5.2.15-3", NULL },
                { "DLA-9201-1", "\"aliases\":[\"CVE-2002-0002\",\"DLA-9201-2\"]", "5.2.15-3", NULL },
                /* CVE-2002-0004 has no row of its own: the DSA stays whole */
                { "DSA-9300-1", "\"upstream\":[\"CVE-2002-0003\",\"CVE-2002-0004\"]", "5.2.15-3", NULL },
                { "DEBIAN-CVE-2002-0003", "\"upstream\":[\"CVE-2002-0003\"]", "5.2.15-3", NULL },
                /* another fix */
                { "DEBIAN-CVE-2002-0005", "\"upstream\":[\"CVE-2002-0005\"]", "5.2.15-3", NULL },
                { "DSA-9400-1", "\"aliases\":[\"CVE-2002-0005\"]", "5.2.15-4", NULL },
                /* the advisory more severe than the CVEs' rows */
                { "DSA-9500-1", "\"upstream\":[\"CVE-2002-0006\",\"CVE-2002-0007\"]", "5.2.15-3",
                  "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" },
                { "DEBIAN-CVE-2002-0006", "\"upstream\":[\"CVE-2002-0006\"]", "5.2.15-3", NULL },
                { "DEBIAN-CVE-2002-0007", "\"upstream\":[\"CVE-2002-0007\"]", "5.2.15-3", NULL },
                /* an unrated record of a rated one's CVE: the rated keeps the row */
                { "DSA-9600-1", "\"aliases\":[\"CVE-2002-0008\"]", "5.2.15-3", NULL },
                { "DEBIAN-CVE-2002-0008", "\"upstream\":[\"CVE-2002-0008\"]", "5.2.15-3",
                  "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N" },
        };
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        _cleanup_(vulndb_closep) struct vulndb *v = bash_records_db("one", recs, ELEMENTSOF(recs), NULL);
        struct error err = {};
        const struct finding *f;

        if (!v)
                return;
        add_pkg(inv, "bash", "5.2.15-2", "bash", "5.2.15-2");
        add_pkg(inv, "bash-static", "5.2.15-2", "bash", "5.2.15-2");
        CHECK_MSG(match_inventory(v, inv, &res, &err) == 0 && res, "%s", err.msg);
        if (!res)
                return;
        /* 10 of the 13 records for each of the two packages */
        CHECK_MSG(res->n_findings == 20, "%zu findings", res->n_findings);
        f = finding_named(res, "DEBIAN-CVE-2002-0001");
        CHECK(f && has_alias(f, "DSA-9200-1") && !has_alias(f, "CVE-2002-0002"));
        f = finding_named(res, "DEBIAN-CVE-2002-0002");
        CHECK(f && has_alias(f, "DSA-9200-1") && has_alias(f, "DLA-9201-1") && has_alias(f, "DLA-9201-2") &&
              !has_alias(f, "CVE-2002-0001"));
        CHECK(!finding_named(res, "DSA-9200-1") && !finding_named(res, "DLA-9201-1"));
        CHECK(finding_named(res, "DSA-9300-1") && finding_named(res, "DEBIAN-CVE-2002-0003"));
        CHECK(finding_named(res, "DEBIAN-CVE-2002-0005") && finding_named(res, "DSA-9400-1"));
        CHECK(finding_named(res, "DSA-9500-1") && finding_named(res, "DEBIAN-CVE-2002-0006") &&
              finding_named(res, "DEBIAN-CVE-2002-0007"));
        f = finding_named(res, "DEBIAN-CVE-2002-0008");
        CHECK(f && has_alias(f, "DSA-9600-1") && f->severity == SEVERITY_HIGH && !finding_named(res, "DSA-9600-1"));
        check_prefetched(v, inv, "one vulnerability");
}

/* The distinct CVEs among f's names, in any case (as VEX reads them). */
static size_t any_case_cves(const struct finding *f) {
        size_t n = 0;

        for (size_t i = 0; f && i <= strv_length(f->aliases); i++) {
                const char *id = i == 0 ? f->id : f->aliases[i - 1];
                bool seen = false;

                for (size_t j = 0; j < i && !seen; j++)
                        seen = strcaseeq(id, j == 0 ? f->id : f->aliases[j - 1]);
                n += !seen && strncasecmp(id, "CVE-", 4) == 0;
        }
        return n;
}

/* A row of one CVE takes no other CVE's name, not even an advisory's own
 * id when that is a CVE: its KEV entry, an allowlist entry on it would
 * then be the other CVE's, and that row, now of two CVEs, would fold as an
 * advisory into the first one's, its CVE reported nowhere.  Nor a CVE
 * spelled in lower case, which VEX reads as one: a statement on the row's
 * CVE would no longer suppress it. */
static void test_one_vulnerability_names(void) {
        static const struct bash_record recs[] = {
                { "GHSA-2003-0001", "\"aliases\":[\"CVE-2003-0001\"]", "5.2.15-3", NULL },
                { "GHSA-2003-0002", "\"aliases\":[\"CVE-2003-0002\"]", "5.2.15-3", NULL },
                { "CVE-2003-0001", "\"aliases\":[\"CVE-2003-0002\"]", "5.2.15-3", NULL },
                { "DEBIAN-CVE-2003-0011", "\"upstream\":[\"CVE-2003-0011\"]", "5.2.15-3", NULL },
                { "GHSA-2003-0011", "\"aliases\":[\"CVE-2003-0011\",\"cve-2003-0012\"]", "5.2.15-3", NULL },
                { "DEBIAN-CVE-2003-0012", "\"upstream\":[\"CVE-2003-0012\"]", "5.2.15-3", NULL },
                { "DSA-9700-1", "\"upstream\":[\"CVE-2003-0011\",\"CVE-2003-0012\",\"cve-2003-0013\"]", "5.2.15-3",
                  NULL },
        };
        const char *kev = test_path(test_tmpdir(), "known_exploited_vulnerabilities.json");
        char *more[] = { (char *) kev, NULL };
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        _cleanup_(vulndb_closep) struct vulndb *v = NULL;
        _cleanup_(vex_freep) struct vex *vex = vex_new();
        static const char statement[] =
                "{\"@context\": \"https://openvex.dev/ns/v0.2.0\", \"@id\": \"https://example.com/vex/1\", "
                "\"author\": \"test\", \"timestamp\": \"2024-01-01T00:00:00Z\", \"version\": 1, \"statements\": "
                "[{\"vulnerability\": {\"name\": \"CVE-2003-0011\"}, \"products\": [{\"@id\": \"pkg:oci/app@sha256%3A"
                "abababababababababababababababababababababababababababababababab\"}], \"status\": \"not_affected\", "
                "\"justification\": \"vulnerable_code_not_present\"}]}";
        struct error err = {};
        const struct finding *f;

        test_write_file(kev, "{\"catalogVersion\": \"1\", \"dateReleased\": \"2026-12-03T15:01:22Z\", \"count\": 1, "
                             "\"vulnerabilities\": [{\"cveID\": \"CVE-2003-0001\", \"dateAdded\": \"2026-12-01\"}]}");
        v = bash_records_db("names", recs, ELEMENTSOF(recs), more);
        if (!v)
                return;
        add_pkg(inv, "bash", "5.2.15-2", "bash", "5.2.15-2");
        CHECK_MSG(match_inventory(v, inv, &res, &err) == 0 && res, "%s", err.msg);
        if (!res)
                return;
        f = finding_named(res, "GHSA-2003-0002");
        CHECK_MSG(f && !has_alias(f, "CVE-2003-0001") && !f->kev, "kev %d of %s", f && f->kev, f ? strna(f->kev_cve) : "-");
        f = finding_named(res, "GHSA-2003-0001");
        CHECK(f && f->kev && !finding_named(res, "CVE-2003-0001"));
        CHECK(finding_named(res, "GHSA-2003-0011") && finding_named(res, "DSA-9700-1"));
        CHECK_MSG(any_case_cves(finding_named(res, "DEBIAN-CVE-2003-0011")) == 1 &&
                  any_case_cves(finding_named(res, "DEBIAN-CVE-2003-0012")) == 1, "a CVE's row took another CVE");
        CHECK_MSG(res->n_findings == 6, "%zu findings", res->n_findings);
        check_prefetched(v, inv, "one vulnerability, its names");
        /* a statement on CVE-2003-0011 suppresses its row, as before the fold */
        CHECK_MSG(vex && vex_parse(vex, statement, strlen(statement), "t.openvex.json", &err) == 0, "%s", err.msg);
        CHECK(vex_apply(vex, "sha256:abababababababababababababababababababababababababababababababab", res, &err) >= 0);
        f = finding_named(res, "DEBIAN-CVE-2003-0011");
        CHECK(f && streq_ptr(f->vex_status, "not_affected"));
}

/* scan_result_add_mount(): an image mounted into a container (the hook's
 * check_image_mount()) joins its scan to the container's, or says why
 * not. */
static struct finding finding_of(const char *id, const char *package, enum severity sev, const char *path,
                                 const char *fixed) {
        return (struct finding) { .id = strdup(id), .package = strdup(package), .severity = sev,
                                  .path = path ? strdup(path) : NULL, .fixed_version = fixed ? strdup(fixed) : NULL,
                                  .cvss_score = -1, .epss = -1, .epss_percentile = -1 };
}

static void test_take(void) {
        struct scan_result *res = calloc(1, sizeof(*res)), *from = calloc(1, sizeof(*from));

        CHECK(res && from);
        res->findings = calloc(1, sizeof(*res->findings));
        res->findings[0] = finding_of("B-1", "zlib1g", SEVERITY_MEDIUM, "/var/lib/dpkg/status", NULL);
        res->n_findings = res->cap_findings = 1;
        CHECK(scan_result_add_unchecked(res, UNCHECKED_NO_DATA, "Alpine:v3.11", 3, "r") == 0);
        from->findings = calloc(2, sizeof(*from->findings));
        from->findings[0] = finding_of("A-1", "libcurl4", SEVERITY_CRITICAL, "/var/lib/dpkg/status", "1.1");
        from->findings[1] = finding_of("C-1", "lodash", SEVERITY_LOW, "app/node_modules/lodash/package.json", NULL);
        from->n_findings = from->cap_findings = 2;
        for (int i = 0; i < MATCH_UNCHECKED_MAX + 2; i++)
                CHECK(scan_result_add_unchecked(from, UNCHECKED_INVALID_VERSION, "pkg", 1, "bad version") == 0);
        CHECK(from->unchecked_more == 2 && from->packages_unchecked == MATCH_UNCHECKED_MAX + 2);

        CHECK(scan_result_add_mount(res, from, "/img", "/s/vfs/dir/1", NULL) == 0);
        CHECK(from->n_findings == 0 && res->n_findings == 3);
        CHECK(streq_ptr(res->findings[0].id, "A-1") && streq_ptr(res->findings[0].path, "/img/var/lib/dpkg/status"));
        CHECK(streq_ptr(res->findings[1].id, "B-1") && streq_ptr(res->findings[1].path, "/var/lib/dpkg/status"));
        CHECK(streq_ptr(res->findings[2].path, "/img/app/node_modules/lodash/package.json"));
        CHECK(res->counts[SEVERITY_CRITICAL] == 1 && res->counts[SEVERITY_MEDIUM] == 1 && res->counts[SEVERITY_LOW] == 1 &&
              res->fixable == 1);
        /* the listed items after the prefix, the rest counted: no package lost or counted twice */
        CHECK(res->n_unchecked == MATCH_UNCHECKED_MAX && res->unchecked_more == 3);
        CHECK(streq_ptr(res->unchecked[1].subject, "image mounted at /img: pkg"));
        CHECK_MSG(res->packages_unchecked == 3 + MATCH_UNCHECKED_MAX + 2, "%zu", res->packages_unchecked);
        scan_result_free(from);
        scan_result_free(res);
        /* none: said why, as an item of its own */
        res = calloc(1, sizeof(*res));
        CHECK(res && scan_result_add_mount(res, NULL, "/img", "/s/vfs/dir/2", "its analysis failed") == 0);
        CHECK(res->n_unchecked == 1 && res->unchecked[0].kind == UNCHECKED_IMAGE_MOUNT &&
              streq_ptr(res->unchecked[0].subject, "image mounted at /img") &&
              strstr(res->unchecked[0].reason, "(/s/vfs/dir/2) are mounted there and could not be checked: its "
                     "analysis failed; check that image (portcullis scan /s/vfs/dir/2)"));
        scan_result_free(res);
}

/* --ignore-unfixed keeps a finding without a fix whose CVE another
 * finding of the same package (name, ecosystem, version, file) fixes: the
 * records say different fixes, so they are not folded, and the one
 * without, here the CRITICAL, was dropped, the CVE then shown as LOW. */
static void push_finding(struct scan_result *res, const char *id, const char *alias, const char *pkg,
                         const char *version, const char *fixed, enum severity sev) {
        struct finding *f;

        res->findings = reallocarray(res->findings, res->n_findings + 1, sizeof(*f));
        CHECK(res->findings);
        f = &res->findings[res->n_findings++];
        *f = (struct finding) { .id = strdup(id), .package = strdup(pkg), .ecosystem = strdup("PyPI"),
                                .installed_version = strdup(version), .fixed_version = fixed ? strdup(fixed) : NULL,
                                .severity = sev, .cvss_score = -1, .epss = -1, .epss_percentile = -1 };
        CHECK(strv_push(&f->aliases, strdup(alias)) == 0);
}

static void test_fix_elsewhere(void) {
        _cleanup_(scan_result_freep) struct scan_result *res = calloc(1, sizeof(*res));
        _cleanup_free_ size_t *by = NULL;

        push_finding(res, "PYSEC-2099-1", "CVE-2099-2001", "requests", "2.0.0", NULL, SEVERITY_CRITICAL);
        push_finding(res, "GHSA-aaaa-bbbb-cccc", "CVE-2099-2001", "requests", "2.0.0", "2.1.0", SEVERITY_LOW);
        push_finding(res, "PYSEC-2099-2", "CVE-2099-2002", "requests", "2.0.0", NULL, SEVERITY_HIGH);
        push_finding(res, "PYSEC-2099-3", "CVE-2099-2003", "urllib3", "2.0.0", NULL, SEVERITY_HIGH);
        push_finding(res, "GHSA-dddd-eeee-ffff", "CVE-2099-2003", "requests", "2.0.0", "2.2.0", SEVERITY_HIGH);
        CHECK(scan_result_fixed_by(res, &by) == 0 && by);
        CHECK(by && by[0] == 1 && by[1] == 1 && by[2] == SIZE_MAX && by[3] == SIZE_MAX && by[4] == 4);
        CHECK(scan_result_filter_unfixed(res) == 0);
        CHECK_MSG(res->n_findings == 3 && streq_ptr(res->findings[0].id, "PYSEC-2099-1") &&
                  res->counts[SEVERITY_CRITICAL] == 1, "%zu findings", res->n_findings);
        CHECK(strv_length(res->warnings) == 1 && res->n_warnings == 1);
        CHECK_STREQ(res->warnings ? res->warnings[0] : NULL,
                    "--ignore-unfixed: PYSEC-2099-1 (requests 2.0.0) has no fixed version, but GHSA-aaaa-bbbb-cccc, "
                    "of the same CVE-2099-2001, is fixed in 2.1.0: kept");
}

/* Ubuntu files what its Pro (ESM) updates fix under "Ubuntu:Pro:<release>"
 * (osv-schema ecosystems.json): a package of the standard release below
 * such a fix is affected, and was passed in silence.  A record that names
 * the package under the release itself says it for the package. */
static void test_ubuntu_pro(void) {
        const char *dir = test_path(test_tmpdir(), "feed-pro");
        const char *db = test_path(test_tmpdir(), "pro.sqlite");
        char *paths[] = { (char *) dir, NULL };
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new(), *old = inventory_new(),
                                                    *jammy = inventory_new();
        _cleanup_(scan_result_freep) struct scan_result *res = NULL, *res_old = NULL, *res_jammy = NULL;
        _cleanup_(vulndb_closep) struct vulndb *v = NULL;
        _cleanup_strv_free_ char **streams = NULL, **rh = NULL, **none = NULL;
        _cleanup_free_ char *prefix = NULL;
        struct error err = {};

        CHECK(ecosystem_streams("Ubuntu:16.04:LTS", &streams) == 1);
        CHECK_STREQ(streams[0], "Ubuntu:Pro:16.04:LTS");
        CHECK(ecosystem_streams("Ubuntu:Pro:16.04:LTS", &none) == 0 && !none);
        CHECK(ecosystem_streams("Debian:12", &none) == 0 && !none);
        CHECK(ecosystem_streams("Ubuntu", &none) == 0 && !none);
        /* Red Hat: the first repository's siblings, of the same release */
        CHECK(ecosystem_streams("Red Hat:enterprise_linux:9::baseos", &rh) == 2);
        CHECK_STREQ(rh[0], "Red Hat:enterprise_linux:9::appstream");
        CHECK_STREQ(rh[1], "Red Hat:enterprise_linux:9::crb");
        CHECK(ecosystem_streams("Red Hat:enterprise_linux:9::appstream", &none) == 0 && !none);
        CHECK(ecosystem_streams("Red Hat:enterprise_linux:7::server", &none) == 0 && !none);
        CHECK(ecosystem_streams("Red Hat", &none) == 0 && !none);
        CHECK(ecosystem_streams("Red Hat:enterprise_linux:10.1", &none) == 0 && !none);
        /* RHEL 10: one ecosystem per minor release, the others the DB's */
        CHECK(ecosystem_minor("Red Hat:enterprise_linux:10.1", &prefix) == 1);
        CHECK_STREQ(prefix, "Red Hat:enterprise_linux:10.");
        CHECK(ecosystem_minor("Red Hat:enterprise_linux:10.0", NULL) == 0);
        CHECK(ecosystem_minor("Red Hat:enterprise_linux:10.999", NULL) == 999);
        CHECK(ecosystem_minor("Red Hat:enterprise_linux:10.1000", NULL) == -ENOENT);
        CHECK(ecosystem_minor("Red Hat:enterprise_linux:10.01", NULL) == -ENOENT);
        CHECK(ecosystem_minor("Red Hat:enterprise_linux:10.1::baseos", NULL) == -ENOENT);
        CHECK(ecosystem_minor("Red Hat:enterprise_linux:10", NULL) == -ENOENT);
        CHECK(ecosystem_minor("Red Hat:enterprise_linux:9::baseos", NULL) == -ENOENT);
        CHECK(ecosystem_minor("Red Hat:rhel_eus:10.0", NULL) == -ENOENT);
        CHECK(ecosystem_minor("Rocky Linux:10.0", NULL) == -ENOENT);
        CHECK(ecosystem_minor(NULL, NULL) == -ENOENT);
        /* every version, as UBUNTU-CVE-2016-20013 says of 16.04's glibc */
        test_write_file(test_path(dir, "a.json"),
                        "{\"id\":\"UBUNTU-CVE-2016-20013\",\"modified\":\"2024-01-01T00:00:00Z\","
                        "\"severity\":[{\"type\":\"Ubuntu\",\"score\":\"medium\"}],"
                        "\"affected\":[{\"package\":{\"ecosystem\":\"Ubuntu:Pro:16.04:LTS\",\"name\":\"glibc\"},"
                        "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]}");
        /* fixed in Pro only, as UBUNTU-CVE-2021-3782 says of 16.04's wayland */
        test_write_file(test_path(dir, "b.json"),
                        "{\"id\":\"UBUNTU-CVE-2021-3782\",\"modified\":\"2024-01-01T00:00:00Z\","
                        "\"affected\":[{\"package\":{\"ecosystem\":\"Ubuntu:Pro:16.04:LTS\",\"name\":\"wayland\"},"
                        "\"ranges\":" INTRO_FIXED("0", "1.12.0-1~ubuntu16.04.3+esm1") "}]}");
        /* the release's own entry says the package is fixed: it holds */
        test_write_file(test_path(dir, "c.json"),
                        "{\"id\":\"UBUNTU-CVE-2099-1\",\"modified\":\"2024-01-01T00:00:00Z\","
                        "\"affected\":[{\"package\":{\"ecosystem\":\"Ubuntu:16.04:LTS\",\"name\":\"wayland\"},"
                        "\"ranges\":" INTRO_FIXED("0", "1.12.0-1~ubuntu16.04.1") "},"
                        "{\"package\":{\"ecosystem\":\"Ubuntu:Pro:16.04:LTS\",\"name\":\"wayland\"},"
                        "\"ranges\":" INTRO_FIXED("0", "1.12.0-1~ubuntu16.04.3+esm2") "}]}");
        /* 14.04's records are Pro's alone: its packages are checked */
        test_write_file(test_path(dir, "d.json"),
                        "{\"id\":\"UBUNTU-CVE-2020-36325\",\"modified\":\"2024-01-01T00:00:00Z\","
                        "\"affected\":[{\"package\":{\"ecosystem\":\"Ubuntu:Pro:14.04:LTS\",\"name\":\"jansson\"},"
                        "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]}");
        /* 22.04's own records, and none of its Pro stream: said */
        test_write_file(test_path(dir, "e.json"),
                        "{\"id\":\"USN-5614-1\",\"modified\":\"2024-01-01T00:00:00Z\","
                        "\"affected\":[{\"package\":{\"ecosystem\":\"Ubuntu:22.04:LTS\",\"name\":\"wayland\"},"
                        "\"ranges\":" INTRO_FIXED("0", "1.20.0-1ubuntu0.1") "}]}");
        CHECK_MSG(vulndb_import(db, paths, 0, NULL, NULL, NULL, &err) == 0, "%s", err.msg);
        CHECK_MSG(vulndb_open(db, &v, &err) == 0, "%s", err.msg);
        if (!v)
                return;
        add_eco_pkg(inv, "Ubuntu:16.04:LTS", "glibc", "2.23-0ubuntu11.3");
        add_eco_pkg(inv, "Ubuntu:16.04:LTS", "wayland", "1.12.0-1~ubuntu16.04.3");
        check_prefetched(v, inv, "Ubuntu 16.04");
        CHECK_MSG(match_inventory(v, inv, &res, &err) == 0, "%s", err.msg);
        if (!res)
                return;
        CHECK_MSG(res->n_findings == 2 && res->n_unchecked == 0, "%zu findings, %zu unchecked", res->n_findings,
                  res->n_unchecked);
        CHECK_MSG(!res->warnings, "%s", res->warnings[0]);
        for (size_t i = 0; i < res->n_findings; i++) {
                const struct finding *f = &res->findings[i];

                CHECK_MSG(!streq_ptr(f->id, "UBUNTU-CVE-2099-1"), "%s: its own release's entry says fixed", f->id);
                if (streq_ptr(f->id, "UBUNTU-CVE-2016-20013"))
                        CHECK(streq_ptr(f->package, "glibc") && !f->fixed_version && f->severity == SEVERITY_MEDIUM);
                else
                        CHECK(streq_ptr(f->id, "UBUNTU-CVE-2021-3782") && streq_ptr(f->package, "wayland") &&
                              streq_ptr(f->fixed_version, "1.12.0-1~ubuntu16.04.3+esm1"));
        }
        add_eco_pkg(old, "Ubuntu:14.04:LTS", "jansson", "2.5-2");
        CHECK_MSG(match_inventory(v, old, &res_old, &err) == 0, "%s", err.msg);
        CHECK_MSG(res_old && res_old->n_findings == 1 && res_old->n_unchecked == 0, "14.04: %zu findings, %zu unchecked",
                  res_old ? res_old->n_findings : 0, res_old ? res_old->n_unchecked : 0);
        CHECK(res_old && !res_old->warnings);
        add_eco_pkg(jammy, "Ubuntu:22.04:LTS", "wayland", "1.20.0-1");
        CHECK_MSG(match_inventory(v, jammy, &res_jammy, &err) == 0, "%s", err.msg);
        CHECK_MSG(res_jammy && res_jammy->n_findings == 1 && res_jammy->n_unchecked == 0 &&
                  strv_length(res_jammy->warnings) == 1 && res_jammy->n_warnings == 1 &&
                  !scan_result_warning_of_record(res_jammy->warnings[0]) &&
                  startswith(res_jammy->warnings[0], "the vulnerability database has no record of "
                             "Ubuntu:Pro:22.04:LTS, whose records hold for Ubuntu:22.04:LTS's packages too"),
                  "22.04: %s", res_jammy && res_jammy->warnings ? res_jammy->warnings[0] : "(no warning)");
        CHECK(scan_result_warning_of_record("record #3: package x 1: bad"));
}

/* RPM distributions' records name binary RPMs (ecosystem.h binary_names):
 * SUSE's advisories their binaries alone, AlmaLinux's and Rocky's errata a
 * binary no source shares a name with, Red Hat's the source and its
 * binaries in one record.  Each installed package is looked up under its
 * source's name and version and under its own, at its own version (the
 * epoch SOURCERPM lacks, a subpackage's own version-release); one finding
 * per record, saying which name the record named.  Debian's records name
 * sources: a binary's name is not looked up. */
static void test_binary_names(void) {
        const char *dir = test_path(test_tmpdir(), "feed-rpm");
        const char *db = test_path(test_tmpdir(), "rpm.sqlite");
        char *paths[] = { (char *) dir, NULL };
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        _cleanup_(vulndb_closep) struct vulndb *v = NULL;
        struct error err = {};
        static const struct {
                const char *id, *package, *installed, *named, *fixed;
        } want[] = {
                { "ALSA-2099:0001", "python39-numpy", "1.19.4-2.module_el8.5.0+1+a", "python39-numpy",
                  "1.19.4-3.module_el8.5.0+2+b" },
                { "RHSA-2024:6220", "python39-pyyaml", "5.4.1-0.module+el8.5.0+1+a", "python39-pyyaml",
                  "0:5.4.1-1.module+el8.5.0+10613+59a13ec4" },
                { "RLSA-2021:4647", "openssl-libs", "1:1.1.1k-4.el8", "openssl-libs", "1:1.1.1k-5.el8_5" },
                { "RLSA-2099:0002", "perl-Carp", "1.50-439.el8", "perl-Carp", "1.50-440.el8" },
                { "SUSE-SU-2023:0311-1", "libopenssl1_1", "1.1.1l-150400.7.19.1", "libopenssl1_1",
                  "1.1.1l-150400.7.22.1" },
        };

        /* SUSE's: the binaries of the update, not the source openssl-1_1 */
        test_write_file(test_path(dir, "suse.json"),
                        "{\"id\":\"SUSE-SU-2023:0311-1\",\"modified\":\"2023-02-10T00:00:00Z\","
                        "\"affected\":["
                        "{\"package\":{\"ecosystem\":\"SUSE:Linux Enterprise Micro 5.3\",\"name\":\"libopenssl1_1\","
                        "\"purl\":\"pkg:rpm/suse/libopenssl1_1&distro=SUSE%20Linux%20Enterprise%20Micro%205.3\"},"
                        "\"ranges\":" INTRO_FIXED("0", "1.1.1l-150400.7.22.1") "},"
                        "{\"package\":{\"ecosystem\":\"SUSE:Linux Enterprise Micro 5.3\","
                        "\"name\":\"libopenssl1_1-hmac\","
                        "\"purl\":\"pkg:rpm/suse/libopenssl1_1-hmac&distro=SUSE%20Linux%20Enterprise%20Micro%205.3\"},"
                        "\"ranges\":" INTRO_FIXED("0", "1.1.1l-150400.7.22.1") "}]}");
        /* AlmaLinux's: numpy's binary, which no source shares a name with */
        test_write_file(test_path(dir, "alma.json"),
                        "{\"id\":\"ALSA-2099:0001\",\"modified\":\"2024-01-01T00:00:00Z\","
                        "\"affected\":[{\"package\":{\"ecosystem\":\"AlmaLinux:8\",\"name\":\"python39-numpy\"},"
                        "\"ranges\":" INTRO_FIXED("0", "1.19.4-3.module_el8.5.0+2+b") "}]}");
        /* Rocky's: the binary's epoch, which SOURCERPM does not carry; a
         * subpackage's own version (perl-Carp of perl 4:5.26.3) */
        test_write_file(test_path(dir, "rocky.json"),
                        "{\"id\":\"RLSA-2021:4647\",\"modified\":\"2024-01-01T00:00:00Z\","
                        "\"affected\":[{\"package\":{\"ecosystem\":\"Rocky Linux:8\",\"name\":\"openssl-libs\"},"
                        "\"ranges\":" INTRO_FIXED("0", "1:1.1.1k-5.el8_5") "}]}");
        test_write_file(test_path(dir, "rocky2.json"),
                        "{\"id\":\"RLSA-2099:0002\",\"modified\":\"2024-01-01T00:00:00Z\","
                        "\"affected\":[{\"package\":{\"ecosystem\":\"Rocky Linux:8\",\"name\":\"perl-Carp\"},"
                        "\"ranges\":" INTRO_FIXED("0", "1.50-440.el8") "}]}");
        /* Red Hat's (RHSA-2024:6220): the source and its binaries in one record */
        test_write_file(test_path(dir, "rhsa.json"),
                        "{\"id\":\"RHSA-2024:6220\",\"modified\":\"2024-09-03T00:00:00Z\","
                        "\"affected\":["
                        "{\"package\":{\"ecosystem\":\"Red Hat:rhel_aus:8.6::appstream\",\"name\":\"PyYAML\","
                        "\"purl\":\"pkg:rpm/redhat/PyYAML\"},"
                        "\"ranges\":" INTRO_FIXED("0", "0:5.4.1-1.module+el8.5.0+10613+59a13ec4") "},"
                        "{\"package\":{\"ecosystem\":\"Red Hat:rhel_aus:8.6::appstream\","
                        "\"name\":\"PyYAML-debugsource\","
                        "\"purl\":\"pkg:rpm/redhat/PyYAML-debugsource\"},"
                        "\"ranges\":" INTRO_FIXED("0", "0:5.4.1-1.module+el8.5.0+10613+59a13ec4") "},"
                        "{\"package\":{\"ecosystem\":\"Red Hat:rhel_aus:8.6::appstream\",\"name\":\"python39-pyyaml\","
                        "\"purl\":\"pkg:rpm/redhat/python39-pyyaml\"},"
                        "\"ranges\":" INTRO_FIXED("0", "0:5.4.1-1.module+el8.5.0+10613+59a13ec4") "},"
                        "{\"package\":{\"ecosystem\":\"Red Hat:rhel_aus:8.6::appstream\","
                        "\"name\":\"python39-pyyaml-debuginfo\","
                        "\"purl\":\"pkg:rpm/redhat/python39-pyyaml-debuginfo\"},"
                        "\"ranges\":" INTRO_FIXED("0", "0:5.4.1-1.module+el8.5.0+10613+59a13ec4") "}]}");
        /* Debian's name sources: a record naming a binary is not one of libc6's */
        test_write_file(test_path(dir, "debian.json"),
                        "{\"id\":\"DEBIAN-CVE-2099-0001\",\"modified\":\"2024-01-01T00:00:00Z\","
                        "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"libc6\"},"
                        "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]}");
        CHECK_MSG(vulndb_import(db, paths, 0, NULL, NULL, NULL, &err) == 0, "%s", err.msg);
        CHECK_MSG(vulndb_open(db, &v, &err) == 0, "%s", err.msg);
        if (!v)
                return;
        add_src_pkg(inv, "SUSE:Linux Enterprise Micro 5.3", "libopenssl1_1", "1.1.1l-150400.7.19.1", "openssl-1_1",
                "1.1.1l-150400.7.19.1");
        add_src_pkg(inv, "AlmaLinux:8", "python39-numpy", "1.19.4-2.module_el8.5.0+1+a", "numpy",
                "1.19.4-2.module_el8.5.0+1+a");
        add_src_pkg(inv, "Rocky Linux:8", "openssl-libs", "1:1.1.1k-4.el8", "openssl", "1:1.1.1k-4.el8");
        add_src_pkg(inv, "Rocky Linux:8", "perl-Carp", "1.50-439.el8", "perl", "4:5.26.3-420.el8");
        /* fixed: its own version is the fixed one, the source's older */
        add_src_pkg(inv, "Rocky Linux:8", "perl-Carp", "1.50-440.el8", "perl", "4:5.26.3-419.el8");
        add_src_pkg(inv, "Red Hat:rhel_aus:8.6::appstream", "python39-pyyaml", "5.4.1-0.module+el8.5.0+1+a", "PyYAML",
                "5.4.1-0.module+el8.5.0+1+a");
        add_pkg(inv, "libc6", "2.36-9+deb12u3", "glibc", "2.36-9+deb12u3");
        check_prefetched(v, inv, "binary names");
        CHECK_MSG(match_inventory(v, inv, &res, &err) == 0, "%s", err.msg);
        if (!res)
                return;
        CHECK_MSG(res->n_findings == ELEMENTSOF(want) && res->n_unchecked == 0 && !res->warnings,
                  "%zu findings, %zu unchecked", res->n_findings, res->n_unchecked);
        for (size_t i = 0; i < ELEMENTSOF(want) && i < res->n_findings; i++) {
                const struct finding *f = &res->findings[i];

                CHECK_STREQ(f->id, want[i].id);
                CHECK_STREQ(f->package, want[i].package);
                CHECK_STREQ(f->installed_version, want[i].installed);
                CHECK_STREQ(f->record_package, want[i].named);
                CHECK_STREQ(f->fixed_version, want[i].fixed);
        }
}

int main(void) {
        test_take();
        test_package_names();
        test_ranges();
        test_pypi_local();
        test_upstream_and_unrated();
        test_inventory_match();
        test_unchecked();
        test_ubuntu_pro();
        test_binary_names();
        test_unordered_version();
        test_none_severity();
        test_missing_record();
        test_exploit_all_cves();
        test_one_vulnerability();
        test_one_vulnerability_names();
        test_fix_elsewhere();
        return test_end();
}
