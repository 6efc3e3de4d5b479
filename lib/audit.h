/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "severity.h"

/* One JSON line per decision, to syslog (and so the journal) and, when
 * configured, appended to a file that 'portcullis report' reads.  The keys
 * are a documented contract (README "Audit log"). */

#define AUDIT_LINE_MAX ((size_t) 64 * 1024)

struct audit_record {
        const char *container;          /* the container id */
        const char *containerd_namespace; /* from the containerd shim, or NULL */
        const char *image;              /* NULL when unknown */
        const char *namespace;          /* NULL when none */
        const char *mode;               /* enforce | warn | audit, or NULL before a policy */
        const char *scope;              /* NULL = the policy's top level */
        const char *decision;           /* allow | warn | audit | deny */
        const char *reason;             /* why, for errors and timeouts; NULL otherwise */
        const size_t *counts;           /* _SEVERITY_MAX counting findings, or NULL */
        const size_t *all_counts;       /* _SEVERITY_MAX: every finding of the scan, or NULL */
        size_t fixable;                 /* of all the findings */
        size_t not_checked;             /* packages not checked */
        const char *threshold;          /* the effective rule's severity, or NULL */
        const char *unchecked;          /* what was not checked, in one line, or NULL */
        char *const *worst;
        char *const *notes;
        const char *db_revision;
        const char *identity;           /* "sha256:..." image digest or "inventory:sha256:..." */
        const char *cache;              /* "hit", "miss", "off", or NULL before the cache */
        const char *policy;             /* the policy file */
        long long duration_ms;
};

int audit_format(const struct audit_record *r, char **ret, struct error *err);

/* Writes one line: syslog at LOG_WARNING for deny/warn, LOG_INFO otherwise,
 * and to file (O_APPEND, one write) when file is not NULL. */
int audit_emit(const char *line, const char *decision, bool use_syslog, const char *file, struct error *err);
