/* SPDX-License-Identifier: Apache-2.0 */
/* CVSS base scores from vector strings.
 *
 * Sources (FIRST.org):
 *   v2.0  "A Complete Guide to the Common Vulnerability Scoring System
 *         Version 2.0" (the v2 guide): 2.4 vectors, 3.2 equations.
 *   v3.0  "CVSS v3.0 Specification Document": 6 vector string, 8 equations.
 *   v3.1  "CVSS v3.1 Specification Document": 6 vector string, 7 equations,
 *         Appendix A (Roundup in integer arithmetic), 5 rating scale.
 *   v4.0  "CVSS v4.0 Specification Document": 7 vector string, 8 scoring
 *         (MacroVectors, EQ1..EQ6, interpolation), 6 rating scale.
 *
 * A vector is parsed into one small integer per metric (the index of its
 * value in the metric's table row, CVSS_ABSENT when not given); the scoring
 * functions work on that array only. */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/strutil.h"
#include "severity.h"

/* Longest vector we look at: a full v4.0 vector with every optional metric
 * is about 250 bytes; anything much longer is not a vector. */
#define CVSS_VECTOR_MAX 512
/* How much of a bad vector an error message quotes. */
#define CVSS_QUOTE_MAX 160
#define CVSS_ABSENT (-1)
#define CVSS_VALUES_MAX 6
#define CVSS_V4_EPSILON 1e-6

struct metric_def {
        const char *name;
        const char *values[CVSS_VALUES_MAX + 1];        /* NULL-terminated */
        bool mandatory;                                 /* a base metric */
};

struct cvss_syntax {
        const struct metric_def *defs;
        size_t n_defs;
        /* v2 guide 2.4 and v4.0 spec 7 fix the order of metrics (Table 13,
         * Table 23); v3.x spec 6 lets them come in any order. */
        bool ordered;
};

/* ---- Parsing ---------------------------------------------------------- */

static int vector_error(struct error *err, const char *vector, const char *fmt, ...) _printf_(3, 4);

/* Every message starts the same way: "CVSS vector '<vector>': <detail>",
 * quoting at most CVSS_QUOTE_MAX bytes of the vector. */
static int vector_error(struct error *err, const char *vector, const char *fmt, ...) {
        char detail[512];
        size_t vlen = strnlen(vector, CVSS_QUOTE_MAX + 1);
        va_list ap;

        int r;

        va_start(ap, fmt);
        (void) vsnprintf(detail, sizeof(detail), fmt, ap);
        va_end(ap);
        r = error_set(err, EINVAL, "CVSS vector '%.*s%s': %s", (int) (vlen > CVSS_QUOTE_MAX ? CVSS_QUOTE_MAX : vlen),
                      vector, vlen > CVSS_QUOTE_MAX ? "..." : "", detail);
        /* The vector comes from a vulnerability feed: keep control bytes
         * (newlines, terminal escapes) out of the one-line message. */
        for (char *c = err ? err->msg : NULL; c && *c; c++)
                if ((unsigned char) *c < 0x20 || *c == 0x7f)
                        *c = '?';
        return r;
}

/* Quotes at most 64 bytes of a piece of the vector. */
#define QUOTE_LEN(n) ((int) ((n) > 64 ? 64 : (n)))

static int find_metric(const struct cvss_syntax *syn, const char *name, size_t len) {
        for (size_t i = 0; i < syn->n_defs; i++)
                if (strlen(syn->defs[i].name) == len && memcmp(syn->defs[i].name, name, len) == 0)
                        return (int) i;
        return -1;
}

static int find_value(const struct metric_def *def, const char *value, size_t len) {
        for (int i = 0; def->values[i]; i++)
                if (strlen(def->values[i]) == len && memcmp(def->values[i], value, len) == 0)
                        return i;
        return -1;
}

/* Parses "M:V/M:V/..." (body, after any prefix) into ret_values[n_defs]:
 * every metric known, given at most once, with a known value, in order where
 * the version requires it, and every mandatory (base) metric present. */
static int parse_metrics(const char *vector, const char *body, const struct cvss_syntax *syn, int8_t *ret_values,
                         struct error *err) {
        int8_t values[64];
        int last = -1;

        if (syn->n_defs > ELEMENTSOF(values))
                return error_set(err, EINVAL, "internal error: metric table too large");
        memset(values, CVSS_ABSENT, sizeof(values));

        for (const char *p = body;;) {
                const char *end = strchrnul(p, '/'), *colon = memchr(p, ':', (size_t) (end - p));
                size_t nlen, vlen;
                int m, v;

                if (!colon)
                        return vector_error(err, vector, "'%.*s' is not METRIC:VALUE", QUOTE_LEN(end - p), p);
                nlen = (size_t) (colon - p);
                vlen = (size_t) (end - colon - 1);
                m = find_metric(syn, p, nlen);
                if (m < 0)
                        return vector_error(err, vector, "unknown metric '%.*s'", QUOTE_LEN(nlen), p);
                v = find_value(&syn->defs[m], colon + 1, vlen);
                if (v < 0)
                        return vector_error(err, vector, "unknown value '%.*s' for metric %s", QUOTE_LEN(vlen), colon + 1,
                                            syn->defs[m].name);
                if (values[m] != CVSS_ABSENT)
                        return vector_error(err, vector, "metric %s given more than once", syn->defs[m].name);
                if (syn->ordered && m < last)
                        return vector_error(err, vector, "metric %s out of the specification's order", syn->defs[m].name);
                values[m] = (int8_t) v;
                last = m;
                if (*end == '\0')
                        break;
                p = end + 1;
        }

        for (size_t i = 0; i < syn->n_defs; i++)
                if (syn->defs[i].mandatory && values[i] == CVSS_ABSENT)
                        return vector_error(err, vector, "missing base metric %s", syn->defs[i].name);

        memcpy(ret_values, values, syn->n_defs);
        return 0;
}

/* ---- CVSS v2.0 -------------------------------------------------------- */

enum { V2_AV, V2_AC, V2_AU, V2_C, V2_I, V2_A, V2_E, V2_RL, V2_RC, V2_CDP, V2_TD, V2_CR, V2_IR, V2_AR, _V2_MAX };

/* v2 guide 2.4, Table 13 (its order is mandatory). */
static const struct metric_def v2_defs[_V2_MAX] = {
        [V2_AV] = { "AV", { "L", "A", "N" }, true },
        [V2_AC] = { "AC", { "H", "M", "L" }, true },
        [V2_AU] = { "Au", { "M", "S", "N" }, true },
        [V2_C] = { "C", { "N", "P", "C" }, true },
        [V2_I] = { "I", { "N", "P", "C" }, true },
        [V2_A] = { "A", { "N", "P", "C" }, true },
        [V2_E] = { "E", { "U", "POC", "F", "H", "ND" } },
        [V2_RL] = { "RL", { "OF", "TF", "W", "U", "ND" } },
        [V2_RC] = { "RC", { "UC", "UR", "C", "ND" } },
        [V2_CDP] = { "CDP", { "N", "L", "LM", "MH", "H", "ND" } },
        [V2_TD] = { "TD", { "N", "L", "M", "H", "ND" } },
        [V2_CR] = { "CR", { "L", "M", "H", "ND" } },
        [V2_IR] = { "IR", { "L", "M", "H", "ND" } },
        [V2_AR] = { "AR", { "L", "M", "H", "ND" } },
};

/* v2 guide 3.2.1-3.2.3, weights in the order of v2_defs' values. */
static const double v2_av[] = { 0.395, 0.646, 1.0 };
static const double v2_ac[] = { 0.35, 0.61, 0.71 };
static const double v2_au[] = { 0.45, 0.56, 0.704 };
static const double v2_cia[] = { 0.0, 0.275, 0.660 };
static const double v2_e[] = { 0.85, 0.9, 0.95, 1.0, 1.0 };
static const double v2_rl[] = { 0.87, 0.90, 0.95, 1.0, 1.0 };
static const double v2_rc[] = { 0.90, 0.95, 1.0, 1.0 };
static const double v2_cdp[] = { 0.0, 0.1, 0.3, 0.4, 0.5, 0.0 };
static const double v2_td[] = { 0.0, 0.25, 0.75, 1.0, 1.0 };
static const double v2_req[] = { 0.5, 1.0, 1.51, 1.0 };

/* v2 guide 3.2: round_to_1_decimal, half away from zero.  The equations'
 * results are meant as decimals; the 1e-9 absorbs binary error such as
 * 4.35 computed as 4.3499999999999996. */
static double v2_round1(double x) {
        return floor(x * 10.0 + 0.5 + 1e-9) / 10.0;
}

static double v2_weight(const int8_t *v, int m, const double *w, int absent) {
        return w[v[m] == CVSS_ABSENT ? absent : v[m]];
}

/* v2 guide 3.2.1 with the impact sub-equation passed in (3.2.3 replaces it
 * with AdjustedImpact). */
static double v2_base_from_impact(const int8_t *v, double impact) {
        double exploitability = 20.0 * v2_av[v[V2_AV]] * v2_ac[v[V2_AC]] * v2_au[v[V2_AU]];
        double f = impact == 0.0 ? 0.0 : 1.176;

        return v2_round1(((0.6 * impact) + (0.4 * exploitability) - 1.5) * f);
}

static double v2_temporal_factor(const int8_t *v) {
        /* 3.2.2; a metric not given counts as ND (the last value). */
        return v2_weight(v, V2_E, v2_e, 4) * v2_weight(v, V2_RL, v2_rl, 4) * v2_weight(v, V2_RC, v2_rc, 3);
}

static void v2_scores(const int8_t *v, double ret[3]) {
        double c = v2_cia[v[V2_C]], i = v2_cia[v[V2_I]], a = v2_cia[v[V2_A]];
        double impact = 10.41 * (1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a));
        double adjusted_impact, adjusted_temporal, cdp;

        ret[0] = v2_base_from_impact(v, impact);
        ret[1] = v2_round1(ret[0] * v2_temporal_factor(v));

        /* 3.2.3 */
        adjusted_impact = fmin(10.0, 10.41 * (1.0 - (1.0 - c * v2_weight(v, V2_CR, v2_req, 3)) *
                                                            (1.0 - i * v2_weight(v, V2_IR, v2_req, 3)) *
                                                            (1.0 - a * v2_weight(v, V2_AR, v2_req, 3))));
        adjusted_temporal = v2_round1(v2_base_from_impact(v, adjusted_impact) * v2_temporal_factor(v));
        cdp = v2_weight(v, V2_CDP, v2_cdp, 5);
        ret[2] = v2_round1((adjusted_temporal + (10.0 - adjusted_temporal) * cdp) * v2_weight(v, V2_TD, v2_td, 4));
}

/* ---- CVSS v3.0 and v3.1 ----------------------------------------------- */

enum {
        V3_AV, V3_AC, V3_PR, V3_UI, V3_S, V3_C, V3_I, V3_A,
        V3_E, V3_RL, V3_RC,
        V3_CR, V3_IR, V3_AR, V3_MAV, V3_MAC, V3_MPR, V3_MUI, V3_MS, V3_MC, V3_MI, V3_MA,
        _V3_MAX
};

/* v3.1 spec 6, Table 15 (v3.0 spec 6, Table 14).  Each modified metric lists
 * "X" and then the values of its base metric in the same order, so that
 * value k > 0 of MAV is value k - 1 of AV. */
static const struct metric_def v3_defs[_V3_MAX] = {
        [V3_AV] = { "AV", { "N", "A", "L", "P" }, true },
        [V3_AC] = { "AC", { "L", "H" }, true },
        [V3_PR] = { "PR", { "N", "L", "H" }, true },
        [V3_UI] = { "UI", { "N", "R" }, true },
        [V3_S] = { "S", { "U", "C" }, true },
        [V3_C] = { "C", { "H", "L", "N" }, true },
        [V3_I] = { "I", { "H", "L", "N" }, true },
        [V3_A] = { "A", { "H", "L", "N" }, true },
        [V3_E] = { "E", { "X", "H", "F", "P", "U" } },
        [V3_RL] = { "RL", { "X", "U", "W", "T", "O" } },
        [V3_RC] = { "RC", { "X", "C", "R", "U" } },
        [V3_CR] = { "CR", { "X", "H", "M", "L" } },
        [V3_IR] = { "IR", { "X", "H", "M", "L" } },
        [V3_AR] = { "AR", { "X", "H", "M", "L" } },
        [V3_MAV] = { "MAV", { "X", "N", "A", "L", "P" } },
        [V3_MAC] = { "MAC", { "X", "L", "H" } },
        [V3_MPR] = { "MPR", { "X", "N", "L", "H" } },
        [V3_MUI] = { "MUI", { "X", "N", "R" } },
        [V3_MS] = { "MS", { "X", "U", "C" } },
        [V3_MC] = { "MC", { "X", "H", "L", "N" } },
        [V3_MI] = { "MI", { "X", "H", "L", "N" } },
        [V3_MA] = { "MA", { "X", "H", "L", "N" } },
};

/* v3.1 spec 7.4 (v3.0 spec 8.4), Table 16: metric weights. */
static const double v3_av[] = { 0.85, 0.62, 0.55, 0.2 };
static const double v3_ac[] = { 0.77, 0.44 };
static const double v3_pr_unchanged[] = { 0.85, 0.62, 0.27 };
static const double v3_pr_changed[] = { 0.85, 0.68, 0.5 };
static const double v3_ui[] = { 0.85, 0.62 };
static const double v3_cia[] = { 0.56, 0.22, 0.0 };
static const double v3_e[] = { 1.0, 1.0, 0.97, 0.94, 0.91 };
static const double v3_rl[] = { 1.0, 1.0, 0.97, 0.96, 0.95 };
static const double v3_rc[] = { 1.0, 1.0, 0.96, 0.92 };
static const double v3_req[] = { 1.0, 1.5, 1.0, 0.5 };

/* v3.1 spec Appendix A: Roundup in integer arithmetic, so that e.g. 4.0
 * computed as 4.000000000000001 stays 4.0. */
static double roundup_v31(double x) {
        long i = lround(x * 100000.0);

        if (i % 10000 == 0)
                return (double) i / 100000.0;
        return (double) (i / 10000 + 1) / 10.0;
}

/* v3.0 spec 8.4: "the smallest number, specified to one decimal place, that
 * is equal to or higher than its input" — the plain ceiling that v3.1 then
 * replaced; kept as it was so that v3.0 vectors score as v3.0 defined. */
static double roundup_v30(double x) {
        return ceil(x * 10.0) / 10.0;
}

static double v3_roundup(int version, double x) {
        return version == 30 ? roundup_v30(x) : roundup_v31(x);
}

/* The value index a metric takes for the environmental equations: the
 * modified metric when given and not X, else the base metric. */
static int v3_modified(const int8_t *v, int base, int modified) {
        return v[modified] > 0 ? v[modified] - 1 : v[base];
}

static double v3_opt(const int8_t *v, int m, const double *w) {
        return w[v[m] == CVSS_ABSENT ? 0 : v[m]];
}

/* v3.1 spec 7.1 (v3.0 spec 8.1) */
static double v3_base(int version, const int8_t *v) {
        bool changed = v[V3_S] == 1;
        double iss, impact, exploitability;

        iss = 1.0 - (1.0 - v3_cia[v[V3_C]]) * (1.0 - v3_cia[v[V3_I]]) * (1.0 - v3_cia[v[V3_A]]);
        if (changed)
                impact = 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15);
        else
                impact = 6.42 * iss;
        exploitability = 8.22 * v3_av[v[V3_AV]] * v3_ac[v[V3_AC]] *
                         (changed ? v3_pr_changed : v3_pr_unchanged)[v[V3_PR]] * v3_ui[v[V3_UI]];
        if (impact <= 0)
                return 0.0;
        if (changed)
                return v3_roundup(version, fmin(1.08 * (impact + exploitability), 10.0));
        return v3_roundup(version, fmin(impact + exploitability, 10.0));
}

static double v3_temporal_factor(const int8_t *v) {
        return v3_opt(v, V3_E, v3_e) * v3_opt(v, V3_RL, v3_rl) * v3_opt(v, V3_RC, v3_rc);
}

/* v3.1 spec 7.3 (v3.0 spec 8.3) */
static double v3_environmental(int version, const int8_t *v) {
        bool changed = v3_modified(v, V3_S, V3_MS) == 1;
        double miss, impact, exploitability, inner;

        miss = fmin(1.0 - (1.0 - v3_opt(v, V3_CR, v3_req) * v3_cia[v3_modified(v, V3_C, V3_MC)]) *
                                  (1.0 - v3_opt(v, V3_IR, v3_req) * v3_cia[v3_modified(v, V3_I, V3_MI)]) *
                                  (1.0 - v3_opt(v, V3_AR, v3_req) * v3_cia[v3_modified(v, V3_A, V3_MA)]),
                    0.915);
        if (!changed)
                impact = 6.42 * miss;
        else if (version == 30)
                impact = 7.52 * (miss - 0.029) - 3.25 * pow(miss - 0.02, 15);
        else    /* v3.1 changed the last term (spec 7.3, and its change log) */
                impact = 7.52 * (miss - 0.029) - 3.25 * pow(miss * 0.9731 - 0.02, 13);
        exploitability = 8.22 * v3_av[v3_modified(v, V3_AV, V3_MAV)] * v3_ac[v3_modified(v, V3_AC, V3_MAC)] *
                         (changed ? v3_pr_changed : v3_pr_unchanged)[v3_modified(v, V3_PR, V3_MPR)] *
                         v3_ui[v3_modified(v, V3_UI, V3_MUI)];
        if (impact <= 0)
                return 0.0;
        inner = v3_roundup(version, fmin((changed ? 1.08 : 1.0) * (impact + exploitability), 10.0));
        return v3_roundup(version, inner * v3_temporal_factor(v));
}

static void v3_scores(int version, const int8_t *v, double ret[3]) {
        ret[0] = v3_base(version, v);
        ret[1] = v3_roundup(version, ret[0] * v3_temporal_factor(v));  /* 7.2 */
        ret[2] = v3_environmental(version, v);
}

/* ---- CVSS v4.0 -------------------------------------------------------- */

enum {
        V4_AV, V4_AC, V4_AT, V4_PR, V4_UI, V4_VC, V4_VI, V4_VA, V4_SC, V4_SI, V4_SA,
        V4_E,
        V4_CR, V4_IR, V4_AR,
        V4_MAV, V4_MAC, V4_MAT, V4_MPR, V4_MUI, V4_MVC, V4_MVI, V4_MVA, V4_MSC, V4_MSI, V4_MSA,
        V4_S, V4_AU, V4_R, V4_V, V4_RE, V4_U,
        _V4_MAX,
        _V4_BASE_MAX = V4_E,
};

/* v4.0 spec 7, Table 23 (its order is mandatory).  The modified metrics come
 * in the order of the base metrics they replace: V4_MAV + m modifies m. */
static const struct metric_def v4_defs[_V4_MAX] = {
        [V4_AV] = { "AV", { "N", "A", "L", "P" }, true },
        [V4_AC] = { "AC", { "L", "H" }, true },
        [V4_AT] = { "AT", { "N", "P" }, true },
        [V4_PR] = { "PR", { "N", "L", "H" }, true },
        [V4_UI] = { "UI", { "N", "P", "A" }, true },
        [V4_VC] = { "VC", { "H", "L", "N" }, true },
        [V4_VI] = { "VI", { "H", "L", "N" }, true },
        [V4_VA] = { "VA", { "H", "L", "N" }, true },
        [V4_SC] = { "SC", { "H", "L", "N" }, true },
        [V4_SI] = { "SI", { "H", "L", "N" }, true },
        [V4_SA] = { "SA", { "H", "L", "N" }, true },
        [V4_E] = { "E", { "X", "A", "P", "U" } },
        [V4_CR] = { "CR", { "X", "H", "M", "L" } },
        [V4_IR] = { "IR", { "X", "H", "M", "L" } },
        [V4_AR] = { "AR", { "X", "H", "M", "L" } },
        [V4_MAV] = { "MAV", { "X", "N", "A", "L", "P" } },
        [V4_MAC] = { "MAC", { "X", "L", "H" } },
        [V4_MAT] = { "MAT", { "X", "N", "P" } },
        [V4_MPR] = { "MPR", { "X", "N", "L", "H" } },
        [V4_MUI] = { "MUI", { "X", "N", "P", "A" } },
        [V4_MVC] = { "MVC", { "X", "H", "L", "N" } },
        [V4_MVI] = { "MVI", { "X", "H", "L", "N" } },
        [V4_MVA] = { "MVA", { "X", "H", "L", "N" } },
        [V4_MSC] = { "MSC", { "X", "H", "L", "N" } },
        [V4_MSI] = { "MSI", { "X", "S", "H", "L", "N" } },
        [V4_MSA] = { "MSA", { "X", "S", "H", "L", "N" } },
        [V4_S] = { "S", { "X", "N", "P" } },
        [V4_AU] = { "AU", { "X", "N", "Y" } },
        [V4_R] = { "R", { "X", "A", "U", "I" } },
        [V4_V] = { "V", { "X", "D", "C" } },
        [V4_RE] = { "RE", { "X", "L", "M", "H" } },
        [V4_U] = { "U", { "X", "Clear", "Green", "Amber", "Red" } },
};

/* v4.0 spec 8.2: the score of every MacroVector (EQ1..EQ6), in tenths,
 * [eq1][eq2][eq3][eq4][eq5][eq6]; -1 where the combination does not exist
 * (EQ3=2 with EQ6=0).  Values transcribed from the specification's lookup
 * table (cvss_lookup, as in FIRST's reference calculator data). */
static const int8_t v4_macro[3][2][3][3][3][2] = {
        { { { { { 100, 99 }, { 98, 95 }, { 95, 92 } }, { { 100, 96 }, { 93, 87 }, { 91, 81 } }, { { 93, 90 }, { 89, 80 }, { 81, 68 } } },
            { { { 98, 95 }, { 95, 92 }, { 90, 84 } }, { { 93, 92 }, { 89, 81 }, { 81, 65 } }, { { 88, 80 }, { 78, 70 }, { 69, 48 } } },
            { { { -1, 92 }, { -1, 82 }, { -1, 72 } }, { { -1, 79 }, { -1, 69 }, { -1, 50 } }, { { -1, 69 }, { -1, 55 }, { -1, 27 } } } },
          { { { { 99, 97 }, { 95, 92 }, { 92, 85 } }, { { 95, 91 }, { 90, 83 }, { 84, 71 } }, { { 92, 81 }, { 82, 71 }, { 72, 53 } } },
            { { { 95, 93 }, { 92, 85 }, { 85, 73 } }, { { 92, 82 }, { 80, 72 }, { 70, 59 } }, { { 84, 70 }, { 71, 52 }, { 50, 30 } } },
            { { { -1, 86 }, { -1, 75 }, { -1, 52 } }, { { -1, 71 }, { -1, 52 }, { -1, 29 } }, { { -1, 63 }, { -1, 29 }, { -1, 17 } } } } },
        { { { { { 98, 95 }, { 94, 87 }, { 91, 81 } }, { { 94, 89 }, { 86, 74 }, { 77, 64 } }, { { 87, 75 }, { 74, 63 }, { 63, 49 } } },
            { { { 94, 89 }, { 88, 77 }, { 76, 67 } }, { { 86, 76 }, { 74, 58 }, { 59, 50 } }, { { 72, 57 }, { 57, 52 }, { 52, 25 } } },
            { { { -1, 83 }, { -1, 70 }, { -1, 54 } }, { { -1, 65 }, { -1, 58 }, { -1, 26 } }, { { -1, 53 }, { -1, 21 }, { -1, 13 } } } },
          { { { { 95, 90 }, { 88, 76 }, { 76, 70 } }, { { 90, 77 }, { 75, 62 }, { 61, 53 } }, { { 77, 66 }, { 68, 59 }, { 52, 30 } } },
            { { { 89, 78 }, { 76, 67 }, { 62, 58 } }, { { 74, 59 }, { 57, 57 }, { 47, 23 } }, { { 61, 52 }, { 57, 29 }, { 24, 16 } } },
            { { { -1, 71 }, { -1, 59 }, { -1, 30 } }, { { -1, 58 }, { -1, 26 }, { -1, 15 } }, { { -1, 23 }, { -1, 13 }, { -1, 6 } } } } },
        { { { { { 93, 87 }, { 86, 72 }, { 75, 58 } }, { { 86, 74 }, { 74, 61 }, { 56, 34 } }, { { 70, 54 }, { 52, 40 }, { 40, 22 } } },
            { { { 85, 75 }, { 74, 55 }, { 62, 51 } }, { { 72, 57 }, { 55, 41 }, { 46, 19 } }, { { 53, 36 }, { 34, 19 }, { 19, 8 } } },
            { { { -1, 64 }, { -1, 51 }, { -1, 20 } }, { { -1, 47 }, { -1, 21 }, { -1, 11 } }, { { -1, 24 }, { -1, 9 }, { -1, 4 } } } },
          { { { { 88, 75 }, { 73, 53 }, { 60, 50 } }, { { 73, 55 }, { 59, 40 }, { 41, 20 } }, { { 54, 43 }, { 45, 22 }, { 20, 11 } } },
            { { { 75, 55 }, { 58, 45 }, { 40, 21 } }, { { 61, 51 }, { 48, 18 }, { 20, 9 } }, { { 46, 18 }, { 17, 7 }, { 8, 2 } } },
            { { { -1, 53 }, { -1, 24 }, { -1, 14 } }, { { -1, 24 }, { -1, 12 }, { -1, 5 } }, { { -1, 10 }, { -1, 3 }, { -1, 1 } } } } },
};

/* v4.0 spec 8.2: the highest-severity vectors of each EQ level, as the
 * values of the metrics that EQ covers ("max_composed" of the reference
 * calculator), and each level's depth ("max_severity", in steps of 0.1). */
static const char *const v4_max_eq1[3][4] = {   /* AV PR UI */
        { "NNN" }, { "ANN", "NLN", "NNP" }, { "PNN", "ALP" },
};
static const char *const v4_max_eq2[2][3] = {   /* AC AT */
        { "LN" }, { "HN", "LP" },
};
static const char *const v4_max_eq3eq6[3][2][6] = {     /* VC VI VA CR IR AR */
        { { "HHHHHH" }, { "HHLMMH", "HHHMMM" } },
        { { "LHHHHH", "HLHHHH" }, { "LHLHMH", "LHHHMM", "HLHMHM", "HLLMHH", "LLHHHM" } },
        { { NULL }, { "LLLHHH" } },
};
static const char *const v4_max_eq4[3][2] = {   /* SC SI SA */
        { "HSS" }, { "HHH" }, { "LLL" },
};
static const int v4_depth_eq1[3] = { 1, 4, 5 };
static const int v4_depth_eq2[2] = { 1, 2 };
static const int v4_depth_eq3eq6[3][2] = { { 7, 6 }, { 8, 8 }, { 0, 10 } };
static const int v4_depth_eq4[3] = { 6, 5, 4 };

/* The value a metric takes for scoring (spec 8.2, and the reference
 * calculator's rule): a modified metric other than X replaces its base
 * metric; E=X counts as the worst case A, CR/IR/AR=X as H. */
static char v4_effective(const int8_t *v, int m) {
        int8_t x;

        if (m == V4_E)
                return v[m] > 0 ? v4_defs[m].values[v[m]][0] : 'A';
        if (m == V4_CR || m == V4_IR || m == V4_AR)
                return v[m] > 0 ? v4_defs[m].values[v[m]][0] : 'H';
        x = v[V4_MAV + m];
        if (x > 0)
                return v4_defs[V4_MAV + m].values[x][0];
        return v4_defs[m].values[v[m]][0];
}

/* Severity distance levels of the metric values (spec 8.2). */
static double v4_level(int m, char c) {
        switch (m) {
        case V4_AV:
                return c == 'N' ? 0.0 : c == 'A' ? 0.1 : c == 'L' ? 0.2 : 0.3;
        case V4_PR:
                return c == 'N' ? 0.0 : c == 'L' ? 0.1 : 0.2;
        case V4_UI:
                return c == 'N' ? 0.0 : c == 'P' ? 0.1 : 0.2;
        case V4_AC:
                return c == 'L' ? 0.0 : 0.1;
        case V4_AT:
                return c == 'N' ? 0.0 : 0.1;
        case V4_VC:
        case V4_VI:
        case V4_VA:
                return c == 'H' ? 0.0 : c == 'L' ? 0.1 : 0.2;
        case V4_SC:
                return c == 'H' ? 0.1 : c == 'L' ? 0.2 : 0.3;
        case V4_SI:
        case V4_SA:
                return c == 'S' ? 0.0 : c == 'H' ? 0.1 : c == 'L' ? 0.2 : 0.3;
        case V4_CR:
        case V4_IR:
        case V4_AR:
                return c == 'H' ? 0.0 : c == 'M' ? 0.1 : 0.2;
        default:
                return 0.0;
        }
}

/* The score of a MacroVector, or NAN where it does not exist. */
static double v4_lookup(int eq1, int eq2, int eq3, int eq4, int eq5, int eq6) {
        int8_t t;

        if (eq1 > 2 || eq2 > 1 || eq3 > 2 || eq4 > 2 || eq5 > 2 || eq6 > 1)
                return NAN;
        t = v4_macro[eq1][eq2][eq3][eq4][eq5][eq6];
        return t < 0 ? NAN : t / 10.0;
}

struct v4_eqs {
        int eq[6];
};

/* v4.0 spec 8.2, Table 24: the six equivalence classes. */
static struct v4_eqs v4_macrovector(const char *e) {
        struct v4_eqs q;
        bool av_n = e[V4_AV] == 'N', pr_n = e[V4_PR] == 'N', ui_n = e[V4_UI] == 'N';

        if (av_n && pr_n && ui_n)
                q.eq[0] = 0;
        else if ((av_n || pr_n || ui_n) && e[V4_AV] != 'P')
                q.eq[0] = 1;
        else
                q.eq[0] = 2;
        q.eq[1] = e[V4_AC] == 'L' && e[V4_AT] == 'N' ? 0 : 1;
        if (e[V4_VC] == 'H' && e[V4_VI] == 'H')
                q.eq[2] = 0;
        else if (e[V4_VC] == 'H' || e[V4_VI] == 'H' || e[V4_VA] == 'H')
                q.eq[2] = 1;
        else
                q.eq[2] = 2;
        if (e[V4_SI] == 'S' || e[V4_SA] == 'S')
                q.eq[3] = 0;
        else if (e[V4_SC] == 'H' || e[V4_SI] == 'H' || e[V4_SA] == 'H')
                q.eq[3] = 1;
        else
                q.eq[3] = 2;
        q.eq[4] = e[V4_E] == 'A' ? 0 : e[V4_E] == 'P' ? 1 : 2;
        q.eq[5] = (e[V4_CR] == 'H' && e[V4_VC] == 'H') || (e[V4_IR] == 'H' && e[V4_VI] == 'H') ||
                                  (e[V4_AR] == 'H' && e[V4_VA] == 'H')
                          ? 0
                          : 1;
        return q;
}

/* Distance of the vector's metrics (e) from a highest-severity vector given
 * as the values of the metrics in ms[], summed; false if any is negative,
 * i.e. this max vector is not above the vector being scored. */
static bool v4_distance(const char *e, const int *ms, size_t n, const char *max, double *ret) {
        double sum = 0.0;

        for (size_t i = 0; i < n; i++) {
                double d = v4_level(ms[i], e[ms[i]]) - v4_level(ms[i], max[i]);

                if (d < 0)
                        return false;
                sum += d;
        }
        *ret = sum;
        return true;
}

struct v4_dist {
        double eq1, eq2, eq3eq6, eq4;
};

/* Finds the first highest-severity vector of the MacroVector (in the order
 * eq1 x eq2 x eq3eq6 x eq4) from which no metric of e is more severe. */
static bool v4_find_max(const char *e, const struct v4_eqs *q, struct v4_dist *ret) {
        static const int m1[] = { V4_AV, V4_PR, V4_UI }, m2[] = { V4_AC, V4_AT };
        static const int m36[] = { V4_VC, V4_VI, V4_VA, V4_CR, V4_IR, V4_AR }, m4[] = { V4_SC, V4_SI, V4_SA };
        const char *const *x1 = v4_max_eq1[q->eq[0]], *const *x2 = v4_max_eq2[q->eq[1]];
        const char *const *x36 = v4_max_eq3eq6[q->eq[2]][q->eq[5]], *const *x4 = v4_max_eq4[q->eq[3]];

        for (size_t a = 0; a < 4 && x1[a]; a++)
                for (size_t b = 0; b < 3 && x2[b]; b++)
                        for (size_t c = 0; c < 6 && x36[c]; c++)
                                for (size_t d = 0; d < 2 && x4[d]; d++) {
                                        struct v4_dist r;

                                        if (v4_distance(e, m1, ELEMENTSOF(m1), x1[a], &r.eq1) &&
                                            v4_distance(e, m2, ELEMENTSOF(m2), x2[b], &r.eq2) &&
                                            v4_distance(e, m36, ELEMENTSOF(m36), x36[c], &r.eq3eq6) &&
                                            v4_distance(e, m4, ELEMENTSOF(m4), x4[d], &r.eq4)) {
                                                *ret = r;
                                                return true;
                                        }
                                }
        return false;
}

/* One EQ's share of the interpolation: how far below its MacroVector the
 * vector sits, as a fraction of the level's depth, times the score gap to
 * the next lower MacroVector (spec 8.2). */
static void v4_add_share(double value, double lower, double distance, int depth, double *sum, int *n) {
        double available = value - lower;

        if (isnan(available) || available < 0)
                return;
        (*n)++;
        *sum += available * (distance / (depth * 0.1));
}

/* v4.0 spec 8.2: the score of a vector (all metrics, X where not given). */
static double v4_score_metrics(const int8_t *v) {
        char e[_V4_MAX] = {};
        struct v4_eqs q;
        struct v4_dist dist;
        double value, sum = 0.0, eq3eq6_lower;
        int n = 0, *k;

        for (int m = 0; m <= V4_AR; m++)
                e[m] = v4_effective(v, m);

        /* No impact on either system: 0.0, whatever else. */
        if (e[V4_VC] == 'N' && e[V4_VI] == 'N' && e[V4_VA] == 'N' && e[V4_SC] == 'N' && e[V4_SI] == 'N' &&
            e[V4_SA] == 'N')
                return 0.0;

        q = v4_macrovector(e);
        k = q.eq;
        value = v4_lookup(k[0], k[1], k[2], k[3], k[4], k[5]);

        /* EQ3 and EQ6 move together: 00 has two next lower MacroVectors
         * (01 and 10) and takes the higher; 01 -> 11, 10 -> 11, 11 -> 21. */
        if (k[2] == 0 && k[5] == 0)
                eq3eq6_lower = fmax(v4_lookup(k[0], k[1], 0, k[3], k[4], 1), v4_lookup(k[0], k[1], 1, k[3], k[4], 0));
        else if (k[5] == 1)
                eq3eq6_lower = v4_lookup(k[0], k[1], k[2] + 1, k[3], k[4], k[5]);
        else
                eq3eq6_lower = v4_lookup(k[0], k[1], k[2], k[3], k[4], k[5] + 1);

        if (v4_find_max(e, &q, &dist)) {
                v4_add_share(value, v4_lookup(k[0] + 1, k[1], k[2], k[3], k[4], k[5]), dist.eq1,
                             v4_depth_eq1[k[0]], &sum, &n);
                v4_add_share(value, v4_lookup(k[0], k[1] + 1, k[2], k[3], k[4], k[5]), dist.eq2,
                             v4_depth_eq2[k[1]], &sum, &n);
                v4_add_share(value, eq3eq6_lower, dist.eq3eq6, v4_depth_eq3eq6[k[2]][k[5]], &sum, &n);
                v4_add_share(value, v4_lookup(k[0], k[1], k[2], k[3] + 1, k[4], k[5]), dist.eq4,
                             v4_depth_eq4[k[3]], &sum, &n);
                /* EQ5 (E) has depth 1: it counts, with a share of 0. */
                v4_add_share(value, v4_lookup(k[0], k[1], k[2], k[3], k[4] + 1, k[5]), 0.0, 1, &sum, &n);
        }
        if (n > 0)
                value -= sum / n;
        value = fmin(fmax(value, 0.0), 10.0);
        /* Round half up to one decimal, with the reference calculator's
         * 1e-6 tolerance: the interpolation is meant in decimals, and 5.65
         * computed as 5.6499999999999995 must still become 5.7. */
        return floor((value + CVSS_V4_EPSILON) * 10.0 + 0.5) / 10.0;
}

static void v4_scores(const int8_t *v, double ret[3]) {
        int8_t w[_V4_MAX];

        ret[2] = v4_score_metrics(v);                   /* CVSS-BTE */
        memcpy(w, v, sizeof(w));
        memset(w + V4_CR, CVSS_ABSENT, V4_S - V4_CR);   /* CVSS-BT: no environmental */
        ret[1] = v4_score_metrics(w);
        memset(w + V4_E, CVSS_ABSENT, 1);               /* CVSS-B */
        ret[0] = v4_score_metrics(w);
}

/* ---- Entry points ----------------------------------------------------- */

static const struct cvss_syntax v2_syntax = { v2_defs, _V2_MAX, true };
static const struct cvss_syntax v3_syntax = { v3_defs, _V3_MAX, false };
static const struct cvss_syntax v4_syntax = { v4_defs, _V4_MAX, true };

/* Which version, and where the metrics start.  v2 has no prefix (v2 guide
 * 2.4); NVD showed v2 vectors in parentheses, which we take off. */
static int detect_version(const char *vector, size_t len, int *ret_version, size_t *ret_start, size_t *ret_end,
                          struct error *err) {
        static const struct {
                const char *prefix;
                int version;
        } prefixes[] = { { "CVSS:3.0/", 30 }, { "CVSS:3.1/", 31 }, { "CVSS:4.0/", 40 } };

        for (size_t i = 0; i < ELEMENTSOF(prefixes); i++)
                if (startswith(vector, prefixes[i].prefix)) {
                        *ret_version = prefixes[i].version;
                        *ret_start = strlen(prefixes[i].prefix);
                        *ret_end = len;
                        return 0;
                }
        if (startswith(vector, "CVSS:")) {
                size_t n = strcspn(vector, "/");

                if (vector[n] == '\0')
                        return vector_error(err, vector, "no metrics");
                /* "CVSS:2.0/" included: the v2 guide defines no prefix. */
                return vector_error(err, vector, "unsupported version '%.*s'", QUOTE_LEN(n), vector);
        }
        *ret_version = 2;
        *ret_start = 0;
        *ret_end = len;
        if (len >= 2 && vector[0] == '(' && vector[len - 1] == ')') {
                *ret_start = 1;
                *ret_end = len - 1;
        }
        return 0;
}

int cvss_score_extended(const char *vector, int *ret_version, double ret_scores[3], struct error *err) {
        _cleanup_free_ char *body = NULL;
        const struct cvss_syntax *syn;
        int8_t values[_V4_MAX];
        size_t len, start = 0, end = 0;
        int version = 0, r;

        if (!vector)
                return error_set(err, EINVAL, "no CVSS vector");
        len = strnlen(vector, CVSS_VECTOR_MAX + 1);
        if (len > CVSS_VECTOR_MAX)
                return vector_error(err, vector, "longer than %d bytes", CVSS_VECTOR_MAX);
        if (len == 0)
                return error_set(err, EINVAL, "empty CVSS vector");

        r = detect_version(vector, len, &version, &start, &end, err);
        if (r < 0)
                return r;
        body = strndup_or_null(vector + start, end - start);
        if (!body)
                return error_set(err, ENOMEM, "out of memory");

        syn = version == 2 ? &v2_syntax : version == 40 ? &v4_syntax : &v3_syntax;
        r = parse_metrics(vector, body, syn, values, err);
        if (r < 0)
                return r;

        if (version == 2)
                v2_scores(values, ret_scores);
        else if (version == 40)
                v4_scores(values, ret_scores);
        else
                v3_scores(version, values, ret_scores);
        *ret_version = version;
        return 0;
}

/* v2 has no rating scale of its own; NVD's (Low 0.0-3.9, Medium 4.0-6.9,
 * High 7.0-10.0) is the one everybody shows.  It has no None: 0.0 is LOW. */
static enum severity v2_severity(double score) {
        enum severity s = score >= 7.0 ? SEVERITY_HIGH : severity_from_score(score);

        return s == SEVERITY_NONE ? SEVERITY_LOW : s;
}

int cvss_score(const char *vector, struct cvss_score *ret, struct error *err) {
        double scores[3];
        int version, r;

        r = cvss_score_extended(vector, &version, scores, err);
        if (r < 0)
                return r;
        ret->version = version;
        ret->base_score = scores[0];
        ret->severity = version == 2 ? v2_severity(scores[0]) : severity_from_score(scores[0]);
        return 0;
}
