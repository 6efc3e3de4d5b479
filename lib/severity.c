/* SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stddef.h>

#include "base/strutil.h"
#include "severity.h"

static const char *const severity_names[_SEVERITY_MAX] = {
        [SEVERITY_UNKNOWN] = "UNKNOWN",
        [SEVERITY_NONE] = "NONE",
        [SEVERITY_LOW] = "LOW",
        [SEVERITY_MEDIUM] = "MEDIUM",
        [SEVERITY_HIGH] = "HIGH",
        [SEVERITY_CRITICAL] = "CRITICAL",
};

const char *severity_to_string(enum severity s) {
        if (s < 0 || s >= _SEVERITY_MAX)
                return NULL;
        return severity_names[s];
}

enum severity severity_from_string(const char *s) {
        if (!s)
                return _SEVERITY_INVALID;
        for (int i = 0; i < _SEVERITY_MAX; i++)
                if (strcaseeq(s, severity_names[i]))
                        return (enum severity) i;
        return _SEVERITY_INVALID;
}

/* CVSS v3.1 spec section 5 and v4.0 spec section 6, Qualitative Severity
 * Rating Scale: None 0.0, Low 0.1-3.9, Medium 4.0-6.9, High 7.0-8.9,
 * Critical 9.0-10.0.  Scores have one decimal; compare in tenths so that
 * 6.95 from some float sum can't fall between the bands.  "None" is its own
 * rating, below LOW: a policy at LOW does not count it. */
enum severity severity_from_score(double score) {
        long tenths;

        if (isnan(score))
                return SEVERITY_UNKNOWN;
        tenths = lround(score * 10.0);
        if (tenths >= 90)
                return SEVERITY_CRITICAL;
        if (tenths >= 70)
                return SEVERITY_HIGH;
        if (tenths >= 40)
                return SEVERITY_MEDIUM;
        if (tenths >= 1)
                return SEVERITY_LOW;
        return SEVERITY_NONE;
}

struct vendor_word {
        const char *word;
        enum severity severity;
};

/* Debian security tracker urgencies (the "low*"/"low**" forms mark urgencies
 * derived from other sources); "not yet assigned" and "end-of-life" say
 * nothing about severity. */
static const struct vendor_word debian_words[] = {
        { "unimportant", SEVERITY_LOW },
        { "low", SEVERITY_LOW },
        { "low*", SEVERITY_LOW },
        { "low**", SEVERITY_LOW },
        { "medium", SEVERITY_MEDIUM },
        { "medium*", SEVERITY_MEDIUM },
        { "medium**", SEVERITY_MEDIUM },
        { "high", SEVERITY_HIGH },
        { "high*", SEVERITY_HIGH },
        { "high**", SEVERITY_HIGH },
        { "not yet assigned", SEVERITY_UNKNOWN },
        { "end-of-life", SEVERITY_UNKNOWN },
        { NULL },
};

/* Ubuntu CVE tracker priorities. */
static const struct vendor_word ubuntu_words[] = {
        { "negligible", SEVERITY_LOW },
        { "low", SEVERITY_LOW },
        { "medium", SEVERITY_MEDIUM },
        { "high", SEVERITY_HIGH },
        { "critical", SEVERITY_CRITICAL },
        { "untriaged", SEVERITY_UNKNOWN },
        { NULL },
};

/* GitHub advisory database severities (database_specific.severity in OSV). */
static const struct vendor_word ghsa_words[] = {
        { "low", SEVERITY_LOW },
        { "moderate", SEVERITY_MEDIUM },
        { "high", SEVERITY_HIGH },
        { "critical", SEVERITY_CRITICAL },
        { NULL },
};

/* Bitnami's vulndb (database_specific.severity: "Critical", "High",
 * "Medium", "Low"). */
static const struct vendor_word bitnami_words[] = {
        { "low", SEVERITY_LOW },
        { "medium", SEVERITY_MEDIUM },
        { "high", SEVERITY_HIGH },
        { "critical", SEVERITY_CRITICAL },
        { NULL },
};

static const struct {
        const char *source;
        const struct vendor_word *words;
} vendors[] = {
        { "debian", debian_words },
        { "ubuntu", ubuntu_words },
        { "ghsa", ghsa_words },
        { "bitnami", bitnami_words },
};

enum severity severity_from_vendor(const char *source, const char *rating) {
        if (!source || !rating)
                return SEVERITY_UNKNOWN;
        for (size_t i = 0; i < ELEMENTSOF(vendors); i++) {
                if (!strcaseeq(source, vendors[i].source))
                        continue;
                for (const struct vendor_word *w = vendors[i].words; w->word; w++)
                        if (strcaseeq(rating, w->word))
                                return w->severity;
                return SEVERITY_UNKNOWN;
        }
        return SEVERITY_UNKNOWN;
}
