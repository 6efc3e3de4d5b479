/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "severity.h"

/* One JSON line per decision, to syslog (and so the journal) and, when
 * configured, appended to a file that 'portcullis report' reads; the
 * gate also sends its warnings and blocks to syslog.  The keys
 * are a documented contract (README "Audit log"). */

#define AUDIT_LINE_MAX ((size_t) 64 * 1024)
#define AUDIT_NAME_MAX 4096     /* bytes of a container id, image or namespace kept in a line */

struct audit_record {
        const char *container;          /* the container id */
        const char *containerd_namespace; /* from the containerd shim, or NULL */
        const char *image;              /* NULL when unknown */
        bool image_changed;             /* the findings are the container's as it changed itself
                                         * (restarted), not the image's alone */
        size_t image_mounts;            /* images mounted into it whose findings joined its own */
        const char *namespace;          /* NULL when none */
        const char *mode;               /* enforce | warn | audit, or NULL before a policy */
        const char *enforce_from;       /* the rule's enforce_from ("2027-01-15"), or NULL; mode says
                                         * whether it has come (enforce) or not (warn) */
        const char *scope;              /* NULL = the policy's top level */
        const char *decision;           /* allow | warn | audit | deny */
        const char *reason;             /* why, for errors and timeouts; NULL otherwise */
        const size_t *counts;           /* _SEVERITY_MAX counting findings, or NULL */
        const size_t *all_counts;       /* _SEVERITY_MAX: every finding of the scan, or NULL */
        size_t fixable;                 /* of all the findings */
        size_t not_checked;             /* packages not checked */
        size_t suppressed;              /* findings VEX statements suppress (in summary, not counted) */
        size_t allowlisted;             /* findings that would count, excused by the allowlist */
        char *const *vex;               /* some of them: "CVE-… pkg (not_affected: justification)" */
        const char *threshold;          /* the effective rule's severity, or NULL */
        const char *unchecked;          /* what was not checked, in one line, or NULL */
        char *const *worst;
        char *const *notes;
        const char *db_revision;
        const char *db_time;            /* the DB's data time (signed) or import time, RFC 3339, or NULL */
        const char *identity;           /* "overlay:sha256:...", "sha256:..." image digest or "inventory:sha256:..." */
        const char *identity_source;    /* "overlay", "digest", "inventory", or NULL before one was known */
        const char *identity_note;      /* why the overlay's layers did not serve, or NULL */
        const char *cache;              /* "hit", "miss", "off", or NULL before the cache */
        const char *policy;             /* the policy file */
        long long duration_ms;
};

int audit_format(const struct audit_record *r, char **ret, struct error *err);

#define AUDIT_SYSLOG_SOCKET_DEFAULT "/dev/log"

/* Appends line and a newline to file (created 0640) in one O_APPEND write. */
int audit_append(const char *file, const char *line, struct error *err);

/* The syslog socket (/dev/log: journald's, or a syslog daemon's), connected;
 * the error says when there is none. */
int audit_syslog_open(const char *path, int *ret_fd, struct error *err);
/* One message as syslog(3) frames it ("<PRI>Mmm dd hh:mm:ss
 * portcullis[PID]: MSG", facility authpriv), without waiting. */
int audit_syslog_send(int fd, int priority, const char *msg, struct error *err);

/* A running container whose verdict got worse after a DB update or a cache
 * rescan (lib/running.h): one line with "event": "now_violates".  It has
 * no "decision" key, so 'portcullis report' does not count it as a start
 * decided. */
struct audit_now_violates {
        const char *container;
        const char *containerd_namespace;
        const char *image;
        const char *namespace;
        const char *mode;
        const char *scope;
        const char *verdict;            /* allow | warn | audit | deny, now */
        const char *previous_verdict;   /* what it was */
        const size_t *counts;           /* _SEVERITY_MAX counting findings now */
        char *const *findings;          /* the ones that count now and did not: "ID package" */
        size_t findings_more;           /* beyond those listed */
        const char *identity;
        const char *identity_source;
        const char *db_revision;
        const char *previous_db_revision;
        const char *policy;
};

int audit_now_violates_format(const struct audit_now_violates *r, char **ret, struct error *err);

/* A running container's image analysed into the verdict cache by 'cache
 * fill' (running_fill()), which the start it came from could not do
 * within deadline_ms: one line with "event": "cache_filled" (no
 * "decision": no start was decided). */
struct audit_cache_filled {
        const char *container;
        const char *containerd_namespace;
        const char *image;
        const char *namespace;
        const char *identity;
        const char *identity_source;
        const char *db_revision;
        size_t packages;
        size_t findings;
        long long duration_ms;          /* the analysis */
        unsigned deadline_ms;           /* what it was given */
};

int audit_cache_filled_format(const struct audit_cache_filled *r, char **ret, struct error *err);

/* Writes line where the hook writes its decisions: appended to file when
 * there is one, and to syslog when use_syslog or when the file failed.
 * An error only when it reached neither (the message says both whys). */
int audit_emit(const char *file, bool use_syslog, const char *syslog_socket, const char *line, struct error *err);
