/* SPDX-License-Identifier: Apache-2.0 */
/* CVSS scores against every vector with an expected score in the shared
 * data (claircore's and Red Hat's test lists, vectors pulled from NVD
 * records), plus table tests of the parser's errors and of the severity
 * mappings. */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "severity.h"
#include "test.h"

/* Defined in lib/cvss.c, not (yet) in severity.h: [0] base, [1] v2/v3
 * temporal or v4 CVSS-BT, [2] v2/v3 environmental or v4 CVSS-BTE. */

#define DATA_FILE_MAX ((size_t) 4 * 1024 * 1024)

/* Known, deliberate disagreements with an upstream list: the vector and why. */
static const struct {
        const char *vector;
        const char *why;
} accepted_despite_error_list[] = {
        /* claircore rejects a v2 vector whose temporal or environmental group
         * is incomplete; the v2 guide (2.4) fixes the order but says a metric
         * not used is ND, and Red Hat's vectors_cvsslib2 scores vectors with
         * partial groups ("RL:W/RC:UC" without E).  We accept them. */
        { "AV:A/AC:L/Au:N/C:C/I:C/A:C/CDP:H/TD:H/CR:H", "partial v2 environmental group" },
        { "AV:A/AC:L/Au:N/C:C/I:C/A:C/E:F", "partial v2 temporal group" },
};

static bool same_score(double a, double b) {
        return fabs(a - b) < 0.001;
}

static bool has_metric(const char *vector, const char *const *names) {
        for (; *names; names++) {
                char key[16];

                snprintf(key, sizeof(key), "/%s:", *names);
                if (strstr(vector, key))
                        return true;
        }
        return false;
}

/* The score a list gives for a whole vector: the environmental one when an
 * environmental metric is there, else the temporal one when a temporal
 * metric is there (v2 guide 3.2, v3.1 spec 7), CVSS-BTE for v4. */
static double overall_score(const char *vector, int version, const double s[3]) {
        static const char *const env[] = { "CR", "IR", "AR", "CDP", "TD", "MAV", "MAC", "MPR", "MUI", "MS",
                                           "MC", "MI", "MA", NULL };
        static const char *const temporal[] = { "E", "RL", "RC", NULL };

        if (version == 40)
                return s[2];
        if (has_metric(vector, env))
                return s[2];
        if (has_metric(vector, temporal))
                return s[1];
        return s[0];
}

struct counts {
        unsigned checked, failed;
};

static void report(const char *file, const struct counts *c) {
        fprintf(stderr, "%-40s %5u vectors checked, %u failed\n", file, c->checked, c->failed);
}

static void fail(struct counts *c, const char *fmt, ...) _printf_(2, 3);
static void fail(struct counts *c, const char *fmt, ...) {
        va_list ap;

        c->failed++;
        test_failures++;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

/* Reads a data file into a buffer the caller splits into lines. */
static char *read_data(const char *rel) {
        struct error err = {};
        char *buf = NULL;
        size_t len;

        if (read_full_file(test_path(test_shared_data(), rel), DATA_FILE_MAX, &buf, &len, &err) < 0) {
                fprintf(stderr, "%s\n", err.msg);
                test_failures++;
                return NULL;
        }
        return buf;
}

/* Cuts a line at '#' and trailing blanks; returns NULL for an empty line. */
static char *strip_line(char *line) {
        char *hash = strchr(line, '#'), *end;

        if (hash)
                *hash = '\0';
        end = line + strlen(line);
        while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
                *--end = '\0';
        while (*line == ' ' || *line == '\t')
                line++;
        return *line ? line : NULL;
}

/* claircore *_score.list: "VECTOR <blanks> SCORE [# comment]". */
static void check_claircore_scores(const char *rel) {
        _cleanup_free_ char *buf = read_data(rel);
        struct counts c = {};
        char *save = NULL;

        if (!buf)
                return;
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                struct error err = {};
                char *l = strip_line(line), *sp;
                double s[3], want;
                int version;

                if (!l)
                        continue;
                sp = strpbrk(l, " \t");
                if (!sp) {
                        fail(&c, "%s: no score in '%s'", rel, l);
                        continue;
                }
                *sp = '\0';
                want = strtod(sp + 1, NULL);
                c.checked++;
                test_checks++;
                if (cvss_score_extended(l, &version, s, &err) < 0)
                        fail(&c, "%s: %s", rel, err.msg);
                else if (!same_score(overall_score(l, version, s), want))
                        fail(&c, "%s: %s: got %.1f (base %.1f), want %.1f", rel, l, overall_score(l, version, s), s[0],
                             want);
        }
        report(rel, &c);
}

static bool known_deviation(const char *vector) {
        for (size_t i = 0; i < ELEMENTSOF(accepted_despite_error_list); i++)
                if (streq_ptr(vector, accepted_despite_error_list[i].vector))
                        return true;
        return false;
}

/* claircore *_error.list: lines marked "#OK" must parse, all others must not
 * parse as that list's version (claircore's v4 parser rejects a valid v3.1
 * vector; ours scores it as v3.1). */
static void check_claircore_errors(const char *rel, int major) {
        _cleanup_free_ char *buf = read_data(rel);
        struct counts c = {};
        char *save = NULL;

        if (!buf)
                return;
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                bool ok = strstr(line, "#OK") != NULL;
                struct cvss_score sc;
                struct error err = {};
                char *l = strip_line(line);
                int r;

                if (!l)
                        continue;
                c.checked++;
                test_checks++;
                r = cvss_score(l, &sc, &err);
                if (ok && r < 0)
                        fail(&c, "%s: valid vector rejected: %s", rel, err.msg);
                else if (!ok && r >= 0 && (sc.version == 2 ? 2 : sc.version / 10) != major)
                        continue;
                else if (!ok && r >= 0 && !known_deviation(l))
                        fail(&c, "%s: invalid vector accepted: %s", rel, l);
                else if (!ok && r >= 0)
                        fprintf(stderr, "%s: accepted by design (see accepted_despite_error_list): %s\n", rel, l);
                else if (!ok && (err.code != -EINVAL || !startswith(err.msg, "CVSS vector '")))
                        fail(&c, "%s: %s: bad error %d '%s'", rel, l, err.code, err.msg);
        }
        report(rel, &c);
}

/* claircore *_roundtrip.list: every vector parses. */
static void check_claircore_roundtrip(const char *rel) {
        _cleanup_free_ char *buf = read_data(rel);
        struct counts c = {};
        char *save = NULL;

        if (!buf)
                return;
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                struct cvss_score sc;
                struct error err = {};
                char *l = strip_line(line);

                if (!l)
                        continue;
                c.checked++;
                test_checks++;
                if (cvss_score(l, &sc, &err) < 0)
                        fail(&c, "%s: %s", rel, err.msg);
        }
        report(rel, &c);
}

/* Red Hat's vectors_*: "VECTOR - (base, temporal, environmental)" for v2
 * and v3 (None where not defined), "VECTOR - (score,)" or "VECTOR - score"
 * for v4, where the one score is the vector's whole score (CVSS-BTE). */
static void check_redhat(const char *rel) {
        _cleanup_free_ char *buf = read_data(rel);
        struct counts c = {};
        char *save = NULL;

        if (!buf)
                return;
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                struct error err = {};
                char *sep = strstr(line, " - "), *p, *tok_save = NULL;
                double s[3], want[3];
                bool have[3] = {};
                int version, n = 0;

                if (!strip_line(line))
                        continue;
                if (!sep) {
                        fail(&c, "%s: cannot parse line '%s'", rel, line);
                        continue;
                }
                *sep = '\0';
                p = sep + 3;
                p += strspn(p, "(");
                for (char *t = strtok_r(p, ",)", &tok_save); t && n < 3; t = strtok_r(NULL, ",)", &tok_save), n++) {
                        t += strspn(t, " ");
                        if (*t && !startswith(t, "None")) {
                                want[n] = strtod(t, NULL);
                                have[n] = true;
                        }
                }
                c.checked++;
                test_checks++;
                if (cvss_score_extended(line, &version, s, &err) < 0) {
                        fail(&c, "%s: %s", rel, err.msg);
                        continue;
                }
                if (version == 40) {
                        if (!have[0] || !same_score(s[2], want[0]))
                                fail(&c, "%s: %s: got %.1f (CVSS-B %.1f), want %.1f", rel, line, s[2], s[0], want[0]);
                        continue;
                }
                for (int i = 0; i < 3; i++)
                        if (have[i] && !same_score(s[i], want[i])) {
                                static const char *const what[] = { "base", "temporal", "environmental" };

                                fail(&c, "%s: %s: %s score %.1f, want %.1f", rel, line, what[i], s[i], want[i]);
                        }
        }
        report(rel, &c);
}

/* nvd-derived-vectors.txt: "VECTOR\tBASE\tSEVERITY\tCVE\t...", from NVD. */
static void check_nvd(const char *rel) {
        _cleanup_free_ char *buf = read_data(rel);
        struct counts c = {};
        char *save = NULL;

        if (!buf)
                return;
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *fields[3] = {}, *tok_save = NULL;
                struct cvss_score sc;
                struct error err = {};
                int n = 0;

                if (line[0] == '#')
                        continue;
                for (char *t = strtok_r(line, "\t", &tok_save); t && n < 3; t = strtok_r(NULL, "\t", &tok_save))
                        fields[n++] = t;
                if (n < 3) {
                        fail(&c, "%s: short line '%s'", rel, line);
                        continue;
                }
                c.checked++;
                test_checks++;
                if (cvss_score(fields[0], &sc, &err) < 0)
                        fail(&c, "%s: %s", rel, err.msg);
                else if (!same_score(sc.base_score, strtod(fields[1], NULL)))
                        fail(&c, "%s: %s: got %.1f, want %s", rel, fields[0], sc.base_score, fields[1]);
                else if (!streq_ptr(severity_to_string(sc.severity), fields[2]))
                        fail(&c, "%s: %s: severity %s, NVD says %s", rel, fields[0],
                             strna(severity_to_string(sc.severity)), fields[2]);
        }
        report(rel, &c);
}

static void test_shared_lists(void) {
        check_claircore_scores("cvss/claircore/v2_score.list");
        check_claircore_scores("cvss/claircore/v30_score.list");
        check_claircore_scores("cvss/claircore/v31_score.list");
        check_claircore_scores("cvss/claircore/v4_score.list");
        check_claircore_errors("cvss/claircore/v2_error.list", 2);
        check_claircore_errors("cvss/claircore/v3_error.list", 3);
        check_claircore_errors("cvss/claircore/v4_error.list", 4);
        check_claircore_roundtrip("cvss/claircore/v2_roundtrip.list");
        check_claircore_roundtrip("cvss/claircore/v3_roundtrip.list");
        check_claircore_roundtrip("cvss/claircore/v4_roundtrip.list");
        check_redhat("cvss/redhat-cvss/vectors_calculator2");
        check_redhat("cvss/redhat-cvss/vectors_calculator3");
        check_redhat("cvss/redhat-cvss/vectors_cvsslib2");
        check_redhat("cvss/redhat-cvss/vectors_cvsslib3");
        check_redhat("cvss/redhat-cvss/vectors_simple2");
        check_redhat("cvss/redhat-cvss/vectors_simple3");
        check_redhat("cvss/redhat-cvss/vectors_simple31");
        check_redhat("cvss/redhat-cvss/vectors_simple4");
        check_redhat("cvss/redhat-cvss/vectors_security4");
        check_redhat("cvss/redhat-cvss/vectors_supplemental4");
        check_redhat("cvss/redhat-cvss/vectors_threat4");
        check_nvd("cvss/nvd-derived-vectors.txt");
}

/* Rows of vector, expected version, base score and severity. */
static void test_scores_table(void) {
        static const struct {
                const char *vector;
                int version;
                double base;
                enum severity severity;
        } rows[] = {
                { "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 31, 9.8, SEVERITY_CRITICAL },
                /* any order in v3 (v3.1 spec 6) */
                { "CVSS:3.1/S:U/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H", 31, 9.8, SEVERITY_CRITICAL },
                { "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 30, 10.0, SEVERITY_CRITICAL },
                { "CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N", 31, 0.0, SEVERITY_NONE },
                { "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 31, 0.0, SEVERITY_NONE },
                { "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:N", 30, 0.0, SEVERITY_NONE },
                /* temporal and environmental metrics don't change the base */
                { "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:N/E:U/RL:O/RC:U/CR:L/MAV:P", 31, 3.8, SEVERITY_LOW },
                { "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 31, 7.5, SEVERITY_HIGH },
                { "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", 31, 5.3, SEVERITY_MEDIUM },
                { "AV:N/AC:L/Au:N/C:P/I:P/A:P", 2, 7.5, SEVERITY_HIGH },
                { "(AV:N/AC:L/Au:N/C:P/I:P/A:P)", 2, 7.5, SEVERITY_HIGH },
                { "AV:N/AC:L/Au:N/C:C/I:C/A:C", 2, 10.0, SEVERITY_HIGH },          /* NVD's v2 scale */
                { "AV:N/AC:M/Au:N/C:N/I:P/A:N", 2, 4.3, SEVERITY_MEDIUM },
                { "AV:L/AC:H/Au:M/C:N/I:N/A:N", 2, 0.0, SEVERITY_LOW },    /* NVD's v2 scale has no None */
                { "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 40, 10.0, SEVERITY_CRITICAL },
                { "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 40, 9.3, SEVERITY_CRITICAL },
                /* E:U lowers CVSS-BT, not the base score (CVSS-B) */
                { "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U", 40, 7.7, SEVERITY_HIGH },
                { "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 40, 0.0, SEVERITY_NONE },
                /* any impact at all is LOW, not NONE */
                { "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:N/VI:N/VA:L/SC:N/SI:N/SA:N", 40, 1.0, SEVERITY_LOW },
                { "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N", 40, 6.9, SEVERITY_MEDIUM },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                struct cvss_score sc = {};
                struct error err = {};
                int r = cvss_score(rows[i].vector, &sc, &err);

                CHECK_MSG(r == 0, "%s: %s", rows[i].vector, err.msg);
                if (r < 0)
                        continue;
                CHECK_MSG(sc.version == rows[i].version, "%s: version %d", rows[i].vector, sc.version);
                CHECK_MSG(same_score(sc.base_score, rows[i].base), "%s: %.1f", rows[i].vector, sc.base_score);
                CHECK_MSG(sc.severity == rows[i].severity, "%s: %s", rows[i].vector,
                          strna(severity_to_string(sc.severity)));
        }
}

/* Rows of bad vector and the message it must give. */
static void test_errors_table(void) {
        static const struct {
                const char *vector;
                const char *msg;
        } rows[] = {
                { "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                  "CVSS vector 'CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H': unknown value 'Q' for metric AV" },
                { "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
                  "CVSS vector 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H': missing base metric A" },
                { "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:N",
                  "CVSS vector 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:N': metric AV given more than once" },
                { "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",
                  "CVSS vector 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/': '' is not METRIC:VALUE" },
                { "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/Z:1",
                  "CVSS vector 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/Z:1': unknown metric 'Z'" },
                { "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                  "CVSS vector 'CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H': unknown value 'X' for metric AV" },
                { "CVSS:3.2/AV:N", "CVSS vector 'CVSS:3.2/AV:N': unsupported version 'CVSS:3.2'" },
                { "CVSS:3.1", "CVSS vector 'CVSS:3.1': no metrics" },
                { "CVSS:2.0/AV:N/AC:L/Au:N/C:N/I:N/A:C",
                  "CVSS vector 'CVSS:2.0/AV:N/AC:L/Au:N/C:N/I:N/A:C': unsupported version 'CVSS:2.0'" },
                { "AV:N/AC:L/Au:N/I:P/C:P/A:P",
                  "CVSS vector 'AV:N/AC:L/Au:N/I:P/C:P/A:P': metric C out of the specification's order" },
                { "AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
                  "CVSS vector 'AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H': unknown metric 'PR'" },
                { "CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/E:A/SA:N",
                  "CVSS vector 'CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/E:A/SA:N': "
                  "metric SA out of the specification's order" },
                { "CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:\n",
                  "CVSS vector 'CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:?': "
                  "unknown value '?' for metric SA" },
                { "", "empty CVSS vector" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                struct cvss_score sc = { .version = -1 };
                struct error err = {};

                CHECK_MSG(cvss_score(rows[i].vector, &sc, &err) == -EINVAL, "%s", rows[i].vector);
                CHECK_STREQ(err.msg, rows[i].msg);
                CHECK(sc.version == -1);        /* ret untouched on error */
        }
}

static void test_limits(void) {
        char big[2048];
        struct cvss_score sc;
        struct error err = {};

        memset(big, 'A', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        CHECK(cvss_score(big, &sc, &err) == -EINVAL);
        CHECK(strstr(err.msg, "longer than") != NULL);
        CHECK(strlen(err.msg) < 300);
        CHECK(cvss_score(NULL, &sc, &err) == -EINVAL);
        CHECK(cvss_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", &sc, NULL) == 0);
        CHECK(cvss_score("CVSS:3.1/AV:N", &sc, NULL) == -EINVAL);
}

static void test_severity(void) {
        static const struct {
                double score;
                enum severity severity;
        } scores[] = {
                { 0.0, SEVERITY_NONE },    { 0.04, SEVERITY_NONE },     { 0.1, SEVERITY_LOW },
                { 0.05, SEVERITY_LOW },    { 3.9, SEVERITY_LOW },
                { 4.0, SEVERITY_MEDIUM },  { 6.9, SEVERITY_MEDIUM },    { 7.0, SEVERITY_HIGH },
                { 8.9, SEVERITY_HIGH },    { 9.0, SEVERITY_CRITICAL },  { 10.0, SEVERITY_CRITICAL },
                { NAN, SEVERITY_UNKNOWN },
        };
        static const struct {
                const char *source, *rating;
                enum severity severity;
        } vendor[] = {
                { "debian", "unimportant", SEVERITY_LOW },
                { "debian", "low", SEVERITY_LOW },
                { "debian", "low*", SEVERITY_LOW },
                { "debian", "low**", SEVERITY_LOW },
                { "debian", "medium", SEVERITY_MEDIUM },
                { "debian", "high", SEVERITY_HIGH },
                { "debian", "not yet assigned", SEVERITY_UNKNOWN },
                { "debian", "end-of-life", SEVERITY_UNKNOWN },
                { "Debian", "HIGH", SEVERITY_HIGH },
                { "debian", "critical", SEVERITY_UNKNOWN },
                { "ubuntu", "negligible", SEVERITY_LOW },
                { "ubuntu", "low", SEVERITY_LOW },
                { "ubuntu", "medium", SEVERITY_MEDIUM },
                { "ubuntu", "high", SEVERITY_HIGH },
                { "ubuntu", "critical", SEVERITY_CRITICAL },
                { "ubuntu", "untriaged", SEVERITY_UNKNOWN },
                { "ghsa", "LOW", SEVERITY_LOW },
                { "ghsa", "MODERATE", SEVERITY_MEDIUM },
                { "ghsa", "moderate", SEVERITY_MEDIUM },
                { "ghsa", "HIGH", SEVERITY_HIGH },
                { "ghsa", "CRITICAL", SEVERITY_CRITICAL },
                { "ghsa", "medium", SEVERITY_UNKNOWN },
                { "bitnami", "Critical", SEVERITY_CRITICAL },
                { "bitnami", "High", SEVERITY_HIGH },
                { "bitnami", "Medium", SEVERITY_MEDIUM },
                { "bitnami", "Low", SEVERITY_LOW },
                { "bitnami", "None", SEVERITY_UNKNOWN },        /* the CVSS vector decides then */
                { "redhat", "important", SEVERITY_UNKNOWN },
                { "ghsa", "", SEVERITY_UNKNOWN },
                { NULL, "high", SEVERITY_UNKNOWN },
                { "ghsa", NULL, SEVERITY_UNKNOWN },
        };

        for (size_t i = 0; i < ELEMENTSOF(scores); i++)
                CHECK_MSG(severity_from_score(scores[i].score) == scores[i].severity, "%.1f", scores[i].score);
        for (size_t i = 0; i < ELEMENTSOF(vendor); i++)
                CHECK_MSG(severity_from_vendor(vendor[i].source, vendor[i].rating) == vendor[i].severity, "%s %s",
                          strna(vendor[i].source), strna(vendor[i].rating));

        for (int s = 0; s < _SEVERITY_MAX; s++) {
                CHECK(severity_to_string(s) != NULL);
                CHECK(severity_from_string(severity_to_string(s)) == (enum severity) s);
        }
        CHECK_STREQ(severity_to_string(SEVERITY_CRITICAL), "CRITICAL");
        CHECK(severity_to_string(_SEVERITY_MAX) == NULL);
        CHECK(severity_to_string(_SEVERITY_INVALID) == NULL);
        CHECK(severity_from_string("critical") == SEVERITY_CRITICAL);
        CHECK(severity_from_string("Medium") == SEVERITY_MEDIUM);
        CHECK(severity_from_string("moderate") == _SEVERITY_INVALID);
        CHECK(severity_from_string(NULL) == _SEVERITY_INVALID);
        CHECK_STREQ(severity_to_string(SEVERITY_NONE), "NONE");
        CHECK(severity_from_string("none") == SEVERITY_NONE);
        CHECK(SEVERITY_CRITICAL > SEVERITY_HIGH && SEVERITY_HIGH > SEVERITY_MEDIUM &&
              SEVERITY_MEDIUM > SEVERITY_LOW && SEVERITY_LOW > SEVERITY_NONE && SEVERITY_NONE > SEVERITY_UNKNOWN);
}

int main(void) {
        test_severity();
        test_scores_table();
        test_errors_table();
        test_limits();
        test_shared_lists();
        return test_end();
}
