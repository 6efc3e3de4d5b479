/* SPDX-License-Identifier: Apache-2.0 */
/* CISA KEV and FIRST EPSS: the parsers (every rejection names the file and
 * the field or line), the import (each kind replaces its data and keeps the
 * records; a rebuild keeps them), the revision, the lookup, and a schema 2
 * database read as one without them. */
#include <sqlite3.h>
#include <unistd.h>
#include <zlib.h>

#include "base/strutil.h"
#include "report.h"
#include "test.h"
#include "vulndb-internal.h"

/* Shaped as CISA publishes known_exploited_vulnerabilities.json. */
#define KEV_ENTRY(cve, added)                                                                                  \
        "{\"cveID\": \"" cve "\", \"vendorProject\": \"Apache\", \"product\": \"Log4j2\", "                     \
        "\"vulnerabilityName\": \"Apache Log4j2 Remote Code Execution Vulnerability\", \"dateAdded\": \"" added \
        "\", \"shortDescription\": \"Apache Log4j2 contains a vulnerability where JNDI features do not protect " \
        "against attacker-controlled JNDI-related endpoints.\", \"requiredAction\": \"Apply updates per vendor " \
        "instructions.\", \"dueDate\": \"2021-12-24\", \"knownRansomwareCampaignUse\": \"Known\", \"notes\": "   \
        "\"https://nvd.nist.gov/vuln/detail/" cve "\", \"cwes\": [\"CWE-20\", \"CWE-400\", \"CWE-502\"]}"
#define KEV_HEAD(version, count)                                                                               \
        "{\"title\": \"CISA Catalog of Known Exploited Vulnerabilities\", \"catalogVersion\": \"" version        \
        "\", \"dateReleased\": \"2026-12-03T15:01:22.4356Z\", \"count\": " count ", \"vulnerabilities\": ["

static const char kev_json[] = KEV_HEAD("2026.12.03", "2") KEV_ENTRY("CVE-2021-44228", "2021-12-10") ", "
        KEV_ENTRY("CVE-2014-0160", "2022-05-04") "]}\n";

/* Shaped as FIRST publishes epss_scores-YYYY-MM-DD.csv. */
static const char epss_csv[] = "#model_version:v2025.03.14,score_date:2026-12-03T12:55:00Z\n"
                               "cve,epss,percentile\n"
                               "CVE-1999-0001,0.01035,0.76626\n"
                               "CVE-2014-0160,0.94470,0.99985\n"
                               "CVE-2021-44228,0.94358,0.99957\n";

static const char osv_record[] =
        "{\"id\": \"DEBIAN-CVE-2021-44228\", \"modified\": \"2024-01-01T00:00:00Z\", \"upstream\": "
        "[\"CVE-2021-44228\"], \"affected\": [{\"package\": {\"ecosystem\": \"Debian:12\", \"name\": "
        "\"apache-log4j2\"}, \"ranges\": [{\"type\": \"ECOSYSTEM\", \"events\": [{\"introduced\": \"0\"}, "
        "{\"fixed\": \"2.17.0-1\"}]}]}]}\n";

static void test_kev_errors(void) {
        static const struct {
                const char *json, *msg;
        } rows[] = {
                { "[]", "kev.json: a KEV catalogue must be a JSON object" },
                { "{\"catalogVersion\": ", "kev.json:1:19: not valid JSON: unexpected token near end of file" },
                { "{\"catalogVersion\": 3}", "kev.json: 'catalogVersion' must be a string of 1..64 characters" },
                { "{\"catalogVersion\": \"1\", \"dateReleased\": \"yesterday\"}",
                  "kev.json: 'dateReleased' must be a time (YYYY-MM-DDTHH:MM:SSZ)" },
                { KEV_HEAD("1", "2") KEV_ENTRY("CVE-2021-44228", "2021-12-10") "]}",
                  "kev.json: 'count' must be the number of entries (1) of 'vulnerabilities'; download the catalogue "
                  "again" },
                /* most entries without a cveID: another format, not a few bad entries */
                { KEV_HEAD("1", "3") KEV_ENTRY("CVE-2021-44228", "2021-12-10") ", {\"cveId\": \"CVE-2014-0160\"}, "
                  "{\"cveId\": \"CVE-2014-0161\"}]}",
                  "kev.json: 2 of the 3 entries have no CVE id in 'cveID'; is this CISA's KEV catalogue in its current "
                  "format?" },
                /* no entries: it would leave no KEV data, block_kev passing everything */
                { KEV_HEAD("1", "0") "]}",
                  "kev.json: 'vulnerabilities' is empty: imported, it would leave no KEV data and block_kev would pass "
                  "everything; is this CISA's KEV catalogue? Download it again" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                struct error err = {};

                CHECK_MSG(kev_parse(rows[i].json, strlen(rows[i].json), "kev.json", NULL, NULL, NULL, NULL, &err) < 0,
                          "row %zu passed", i);
                CHECK_STREQ(err.msg, rows[i].msg);
        }
}

struct kev_seen {
        size_t entries, kept, skipped;
        char last[2048];
        char cve[32];           /* the last entry's */
        bool product;
};

static int kev_seen_entry(const struct kev_entry *e, size_t index, void *userdata, struct error *err) {
        struct kev_seen *s = userdata;

        s->entries++;
        snprintf(s->cve, sizeof(s->cve), "%s", e->cve);
        s->product = e->product != NULL;
        return 0;
}

static void kev_seen_warn(const char *msg, bool kept, void *userdata) {
        struct kev_seen *s = userdata;

        if (kept)
                s->kept++;
        else
                s->skipped++;
        snprintf(s->last, sizeof(s->last), "%s", msg);
}

/* One bad entry or field does not refuse the catalogue (that left the node
 * with an earlier run's KEV data): a field is left out and the entry kept,
 * an entry without a CVE id skipped; each said with its index and field. */
static void test_kev_kept(void) {
        static const struct {
                const char *json, *msg;
                bool kept;
        } rows[] = {
                { KEV_HEAD("1", "3") KEV_ENTRY("CVE-2021-44228", "2021-12-10") ", " KEV_ENTRY("CVE-2014-0160",
                  "2022-05-04") ", {\"cveID\": \"CVE-21-1\", \"dateAdded\": \"2021-12-10\"}]}",
                  "vulnerabilities[2].cveID 'CVE-21-1' is not a CVE id (CVE-YYYY-NNNN); the entry is skipped" },
                { KEV_HEAD("1", "2") KEV_ENTRY("CVE-2021-44228", "2021-12-10") ", {\"dateAdded\": \"2021-12-10\"}]}",
                  "vulnerabilities[1].cveID is missing; the entry is skipped" },
                { KEV_HEAD("1", "2") "7, " KEV_ENTRY("CVE-2021-44228", "2021-12-10") "]}",
                  "vulnerabilities[0] must be an object; the entry is skipped" },
                { KEV_HEAD("1", "1") "{\"cveID\": \"CVE-2021-44228\", \"dateAdded\": \"12/10/2021\"}]}",
                  "vulnerabilities[0].dateAdded (CVE-2021-44228) must be a date YYYY-MM-DD; left out, the entry is kept",
                  true },
                { KEV_HEAD("1", "1") "{\"cveID\": \"CVE-2021-44228\", \"dateAdded\": \"2021-12-10\", \"cwes\": 5}]}",
                  "vulnerabilities[0].cwes (CVE-2021-44228) must be an array of strings; left out, the entry is kept",
                  true },
                { KEV_HEAD("1", "1") "{\"cveID\": \"CVE-2021-44228\", \"dateAdded\": \"2021-12-10\", "
                  "\"product\": \"a\\u0007b\"}]}",
                  "vulnerabilities[0].product must be a string of at most 4096 characters without control characters; "
                  "left out, the entry is kept", true },
                /* U+0000 is one of them, not a catalogue that is not JSON */
                { KEV_HEAD("1", "1") "{\"cveID\": \"CVE-2021-44228\", \"dateAdded\": \"2021-12-10\", "
                  "\"product\": \"a\\u0000b\"}]}",
                  "vulnerabilities[0].product must be a string of at most 4096 characters without control characters; "
                  "left out, the entry is kept", true },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                struct kev_meta m = {};
                struct kev_seen s = {};
                struct error err = {};

                CHECK_MSG(kev_parse(rows[i].json, strlen(rows[i].json), "kev.json", &m, kev_seen_entry, kev_seen_warn,
                                    &s, &err) == 0, "row %zu: %s", i, err.msg);
                CHECK_STREQ(s.last, rows[i].msg);
                CHECK_MSG(rows[i].kept ? s.kept == 1 && s.skipped == 0 && m.skipped == 0 && s.entries == m.count &&
                                         strcmp(s.cve, "CVE-2021-44228") == 0 && !s.product
                                       : s.kept == 0 && s.skipped == 1 && m.skipped == 1 &&
                                         s.entries + 1 == m.count, "row %zu: %zu entries, %zu kept, %zu skipped",
                          i, s.entries, s.kept, s.skipped);
                kev_meta_done(&m);
        }
}

static void test_epss_errors(void) {
        static const struct {
                const char *csv, *msg;
        } rows[] = {
                { "cve,epss\nCVE-2021-44228,0.9\n",
                  "epss.csv: line 1: expected the header 'cve,epss,percentile'; is this FIRST's EPSS CSV?" },
                { "#model_version:v1,score_date:2026-12-03T00:00:00Z\ncve,epss,percentile\n",
                  "epss.csv: no scores (no row after the header); download it again" },
                { "cve,epss,percentile\nCVE-2021-44228,0.9\n",
                  "epss.csv: 1 of the 1 rows are not a CVE id and two numbers from 0 to 1 (the first, line 2: "
                  "expected three fields cve,epss,percentile; the row is skipped); is this FIRST's EPSS CSV in its "
                  "current format?" },
                { "cve,epss,percentile\nCVE-2021-44228,0.9,0.5\nGHSA-1,0.1,0.2\nGHSA-2,0.1,0.2\n",
                  "epss.csv: 2 of the 3 rows are not a CVE id and two numbers from 0 to 1 (the first, line 3: field "
                  "'cve' is not a CVE id (CVE-YYYY-NNNN); the row is skipped); is this FIRST's EPSS CSV in its "
                  "current format?" },
                { "cve,epss,percentile\nCVE-2021-44228,1.5,0.5\n",
                  "epss.csv: 1 of the 1 rows are not a CVE id and two numbers from 0 to 1 (the first, line 2: field "
                  "'epss' is not a number from 0 to 1; the row is skipped); is this FIRST's EPSS CSV in its current "
                  "format?" },
                { "cve,epss,percentile\nCVE-2021-44228,nan,0.5\n",
                  "epss.csv: 1 of the 1 rows are not a CVE id and two numbers from 0 to 1 (the first, line 2: field "
                  "'epss' is not a number from 0 to 1; the row is skipped); is this FIRST's EPSS CSV in its current "
                  "format?" },
                { "cve,epss,percentile\nCVE-2021-44228,0.5,-0.1\n",
                  "epss.csv: 1 of the 1 rows are not a CVE id and two numbers from 0 to 1 (the first, line 2: field "
                  "'percentile' is not a number from 0 to 1; the row is skipped); is this FIRST's EPSS CSV in its "
                  "current format?" },
                { "#model_version:v1,score_date:never\ncve,epss,percentile\nCVE-2021-44228,0.5,0.1\n",
                  "epss.csv: line 1: 'score_date' is not a time (YYYY-MM-DDTHH:MM:SSZ)" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                struct error err = {};

                CHECK_MSG(epss_parse(rows[i].csv, strlen(rows[i].csv), "epss.csv", NULL, NULL, NULL, NULL, &err) < 0,
                          "row %zu passed", i);
                CHECK_STREQ(err.msg, rows[i].msg);
        }
}

static void test_detect(void) {
        static const struct {
                const char *head;
                enum vulndb_feed kind;
        } rows[] = {
                { kev_json, VULNDB_FEED_KEV },
                { epss_csv, VULNDB_FEED_EPSS },
                { "cve,epss,percentile\n", VULNDB_FEED_EPSS },
                { "\xef\xbb\xbf" "cve,epss,percentile\n", VULNDB_FEED_EPSS },
                { "\x1f\x8b\x08", VULNDB_FEED_EPSS },
                { osv_record, VULNDB_FEED_NONE },
                { "{\"vulnerabilities\": [{\"cve\": {}}]}", VULNDB_FEED_NONE }, /* an NVD page */
                { "", VULNDB_FEED_NONE },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                CHECK_MSG(vulndb_feed_detect(rows[i].head, strlen(rows[i].head) + (i == 4 ? 3 : 0)) == rows[i].kind,
                          "row %zu", i);
}

static void write_gz(const char *path, const char *text) {
        gzFile gz = gzopen(path, "wb");

        CHECK(gz && gzwrite(gz, text, (unsigned) strlen(text)) == (int) strlen(text));
        if (gz)
                gzclose(gz);
}

static int import(const char *db, const char *a, const char *b, unsigned flags, struct vulndb_import_stats *st,
                  struct error *err) {
        char *paths[] = { (char *) a, (char *) b, NULL };

        return vulndb_import(db, paths, flags, NULL, NULL, st, err);
}

struct state {
        char *revision;
        uint64_t records, kev, epss;
        struct vulndb_exploit log4j, old;       /* CVE-2021-44228, CVE-1999-0001 */
        int log4j_r, old_r;
};

static void state_of(const char *db, struct state *ret) {
        struct vulndb *v = NULL;
        struct vulndb_status s = {};
        struct error err = {};

        *ret = (struct state) {};
        CHECK_MSG(vulndb_open(db, &v, &err) == 0 && vulndb_get_status(v, &s, &err) == 0, "%s", err.msg);
        if (!v)
                return;
        ret->revision = strdup(strempty(s.revision));
        ret->records = s.records;
        ret->kev = s.kev;
        ret->epss = s.epss;
        ret->log4j_r = vulndb_exploit(v, "CVE-2021-44228", &ret->log4j, &err);
        ret->old_r = vulndb_exploit(v, "CVE-1999-0001", &ret->old, &err);
        vulndb_status_done(&s);
        vulndb_close(v);
}

static void test_import(void) {
        const char *dir = test_tmpdir(), *db = test_path(dir, "db.sqlite");
        const char *osv = test_path(dir, "osv.json"), *kev = test_path(dir, "known_exploited_vulnerabilities.json");
        const char *csv = test_path(dir, "epss_scores-2026-12-03.csv"), *gz = test_path(dir, "epss.csv.gz");
        const char *kev2 = test_path(dir, "kev2.json"), *bad = test_path(dir, "bad.csv");
        struct vulndb_import_stats st = {};
        struct state s0, s1, s2, s3, s4;
        struct error err = {};

        test_write_file(osv, osv_record);
        test_write_file(kev, kev_json);
        test_write_file(csv, epss_csv);
        write_gz(gz, epss_csv);
        test_write_file(kev2, KEV_HEAD("2026.12.04", "1") KEV_ENTRY("CVE-2014-0160", "2022-05-04") "]}");
        test_write_file(bad, "cve,epss,percentile\nCVE-2021-44228,0.5,0.9\nCVE-2021-44228,0.6,0.9\n"
                        "CVE-2014-0160,0.9,0.99\nCVE-1999-0001,0.01,0.5\nCVE-2020-1,1.5,0.5\n");

        CHECK(import(db, osv, NULL, 0, &st, &err) == 0);
        state_of(db, &s0);
        CHECK(s0.records == 1 && s0.kev == 0 && s0.epss == 0 && s0.log4j_r == -ENOENT);

        /* KEV and EPSS (gzip) alone: the records stay, the revision moves */
        CHECK_MSG(import(db, kev, gz, 0, &st, &err) == 0, "%s", err.msg);
        CHECK(st.kev == 2 && st.epss == 3 && st.records == 0);
        state_of(db, &s1);
        CHECK(s1.records == 1 && s1.kev == 2 && s1.epss == 3);
        CHECK(s1.revision && s0.revision && strcmp(s1.revision, s0.revision) != 0);
        CHECK(s1.log4j_r == 0 && s1.log4j.kev && s1.log4j.epss == 0.94358 && s1.log4j.percentile == 0.99957);
        CHECK(s1.old_r == 0 && !s1.old.kev && s1.old.epss == 0.01035);

        /* the plain CSV gives the same database: the same revision */
        CHECK_MSG(import(db, csv, NULL, 0, &st, &err) == 0, "%s", err.msg);
        state_of(db, &s2);
        CHECK_STREQ(s2.revision, s1.revision);

        /* a rebuild from the records keeps KEV and EPSS; a newer catalogue
         * replaces the old one (CVE-2021-44228 is no longer in it) */
        CHECK_MSG(import(db, osv, kev2, 0, &st, &err) == 0, "%s", err.msg);
        state_of(db, &s3);
        CHECK(s3.records == 1 && s3.kev == 1 && s3.epss == 3);
        CHECK(s3.log4j_r == 0 && !s3.log4j.kev && s3.log4j.epss == 0.94358);
        CHECK(s3.revision && strcmp(s3.revision, s1.revision) != 0);

        /* a CVE listed twice and a score out of range: those rows skipped and
         * counted (the first listing kept), the rest imported, as a KEV
         * entry without a CVE id is (refused whole, the file kept the
         * scores of an earlier run) */
        CHECK_MSG(import(db, bad, NULL, 0, &st, &err) == 0, "%s", err.msg);
        CHECK(st.epss == 3 && st.epss_skipped == 2);
        state_of(db, &s4);
        CHECK(s4.epss == 3 && s4.log4j.epss == 0.5);
        /* most rows bad: another format, refused, the DB as it was */
        test_write_file(bad, "cve,epss,percentile\nCVE-2021-44228,0.5,0.9\nGHSA-1,0.1,0.2\nCVE-2020-1,2,0.5\n");
        CHECK(import(db, bad, NULL, 0, &st, &err) < 0);
        CHECK_MSG(strstr(err.msg, "bad.csv: 2 of the 3 rows are not a CVE id and two numbers from 0 to 1 (the first, "
                             "line 3: field 'cve' is not a CVE id (CVE-YYYY-NNNN); the row is skipped); is this "
                             "FIRST's EPSS CSV in its current format?") != NULL, "%s", err.msg);
        free(s4.revision);
        state_of(db, &s4);
        CHECK(s4.epss == 3);

        /* a KEV entry listed twice: the first kept, the second skipped and
         * counted, the catalogue imported (refused whole, it kept the
         * listings of an earlier run) */
        test_write_file(kev2, KEV_HEAD("2026.12.05", "2") KEV_ENTRY("CVE-2014-0160", "2022-05-04") ", "
                        KEV_ENTRY("CVE-2014-0160", "2022-05-05") "]}");
        CHECK_MSG(import(db, kev2, NULL, 0, &st, &err) == 0, "%s", err.msg);
        CHECK(st.kev == 1 && st.kev_skipped == 1);
        free(s0.revision);
        free(s1.revision);
        free(s2.revision);
        free(s3.revision);
        free(s4.revision);
}

/* A database written before schema 3: read as one without KEV or EPSS
 * (the same revision, no lookup), and an import (merge) migrates it. */
static void test_schema2(void) {
        const char *dir = test_tmpdir(), *db = test_path(dir, "old.sqlite"), *osv = test_path(dir, "osv2.json");
        const char *kev = test_path(dir, "kev.json");
        struct vulndb_import_stats st = {};
        struct error err = {};
        struct state s0, s1;
        sqlite3 *h = NULL;

        test_write_file(osv, osv_record);
        test_write_file(kev, kev_json);
        CHECK(import(db, osv, NULL, 0, &st, &err) == 0);
        CHECK(sqlite3_open(db, &h) == SQLITE_OK &&
              sqlite3_exec(h, "DROP TABLE kev; DROP TABLE epss; UPDATE meta SET value = '2' WHERE key = "
                              "'schema_version'", NULL, NULL, NULL) == SQLITE_OK);
        sqlite3_close(h);
        state_of(db, &s0);
        CHECK(s0.records == 1 && s0.kev == 0 && s0.log4j_r == -ENOENT);
        CHECK_MSG(import(db, kev, NULL, 0, &st, &err) == 0, "%s", err.msg);
        state_of(db, &s1);
        CHECK(s1.records == 1 && s1.kev == 2 && s1.log4j_r == 0 && s1.log4j.kev);
        free(s0.revision);
        free(s1.revision);
}

/* The cache's compact form carries kev and epss (the hook's cache-hit path
 * sees them); a line of an earlier version (no such field) is a finding
 * without either; a damaged field is refused. */
static void test_compact(void) {
        /* a line without the exploitation field, as written before it was */
        static const char old[] = "#4 0 0\nHIGH\tCVE-2021-44228\tliblog4j2-java\t2.17.0-1\tDebian:12\t\t\t\tGHSA-jfh8\n";
        static const char bad[] = "#4 0 0\nHIGH\tCVE-2021-44228\tp\t\t\t\t\t\t\tepss=0.5/1.5\n";
        static char *aliases[] = { "DEBIAN-CVE-2021-44228", NULL };
        struct finding f[] = {
                { .id = "CVE-2021-44228", .aliases = aliases, .package = "liblog4j2-java", .installed_version = "2",
                  .severity = SEVERITY_CRITICAL, .kev = true, .epss = 0.94358, .epss_percentile = 0.99957 },
                { .id = "CVE-2014-0160", .package = "libssl3", .installed_version = "3", .severity = SEVERITY_HIGH,
                  .epss = -1, .epss_percentile = -1, .kev = true },
                { .id = "CVE-1999-0001", .package = "x", .installed_version = "1", .severity = SEVERITY_LOW,
                  .epss = 0.01035, .epss_percentile = 0.76626 },
        };
        struct scan_result res = { .findings = f, .n_findings = ELEMENTSOF(f) };
        struct scan_result *back = NULL;
        struct error err = {};
        char *text = NULL;

        CHECK(report_findings_compact(&res, &text, &err) == 0);
        CHECK(text && report_parse_findings_compact(text, strlen(text), &back, &err) == 0);
        CHECK(back && back->n_findings == 3);
        for (size_t i = 0; back && i < back->n_findings && i < 3; i++)
                CHECK_MSG(back->findings[i].kev == f[i].kev && back->findings[i].epss == f[i].epss &&
                                  back->findings[i].epss_percentile == f[i].epss_percentile,
                          "finding %zu: %d %g %g", i, back->findings[i].kev, back->findings[i].epss,
                          back->findings[i].epss_percentile);
        CHECK(back && back->findings[0].aliases && streq_ptr(back->findings[0].aliases[0], "DEBIAN-CVE-2021-44228") &&
              !back->findings[0].aliases[1]);
        scan_result_free(back);
        free(text);
        back = NULL;
        CHECK(report_parse_findings_compact(old, strlen(old), &back, &err) == 0);
        CHECK(back && back->n_findings == 1 && !back->findings[0].kev && back->findings[0].epss == -1 &&
              streq_ptr(back->findings[0].aliases[0], "GHSA-jfh8"));
        scan_result_free(back);
        back = NULL;
        CHECK(report_parse_findings_compact(bad, strlen(bad), &back, &err) < 0);
}

int main(void) {
        test_compact();
        test_kev_errors();
        test_kev_kept();
        test_epss_errors();
        test_detect();
        test_import();
        test_schema2();
        return test_end();
}
