/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"

/* Ordered: a larger value is worse.  NONE is a CVSS v3/v4 score of 0.0 (the
 * qualitative scale's "None"): known, and below LOW; UNKNOWN is no rating
 * at all. */
enum severity {
        SEVERITY_UNKNOWN,
        SEVERITY_NONE,
        SEVERITY_LOW,
        SEVERITY_MEDIUM,
        SEVERITY_HIGH,
        SEVERITY_CRITICAL,
        _SEVERITY_MAX,
        _SEVERITY_INVALID = -EINVAL,
};

const char *severity_to_string(enum severity s);     /* "CRITICAL", ... */
/* Case-insensitive "critical".."unknown"; _SEVERITY_INVALID otherwise. */
enum severity severity_from_string(const char *s);
/* CVSS v3/v4 qualitative rating: 0.0 is NONE; NaN is UNKNOWN. */
enum severity severity_from_score(double score);

/* A vendor rating: source is "debian" (urgency: unimportant, low, medium,
 * high, "not yet assigned"), "ubuntu" (priority: negligible, low, medium,
 * high, critical, untriaged) or "ghsa" (LOW, MODERATE, HIGH, CRITICAL).
 * Unknown words give SEVERITY_UNKNOWN. */
enum severity severity_from_vendor(const char *source, const char *rating);

struct cvss_score {
        int version;            /* 2, 30, 31 or 40 */
        double base_score;      /* one decimal, as the spec rounds it */
        enum severity severity;
};

/* Parses a CVSS vector string and computes its base score: v2
 * ("AV:N/AC:L/Au:N/C:P/I:P/A:P", optionally in parentheses), "CVSS:3.0/...",
 * "CVSS:3.1/..." and "CVSS:4.0/..." (the FIRST specifications; temporal,
 * threat and environmental metrics are accepted and do not change the base
 * score).  severity is the rating of that version's scale (v3/v4: 0.0 is
 * NONE; NVD's for v2, which has no None: 0.0-3.9 is LOW, 7.0-10.0 HIGH).  A malformed vector is -EINVAL with a message naming the
 * bad metric. */
int cvss_score(const char *vector, struct cvss_score *ret, struct error *err);

/* ret_scores: [0] base, [1] v2/v3 temporal or v4 CVSS-BT, [2] v2/v3
 * environmental or v4 CVSS-BTE (-1 where the vector has no such metrics);
 * for the reference lists that give all three. */
int cvss_score_extended(const char *vector, int *ret_version, double ret_scores[3], struct error *err);
