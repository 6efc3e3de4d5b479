/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/error.h"
#include "match.h"
#include "severity.h"

struct vex;

/* The admission policy (/etc/portcullis/policy.json), and its evaluation:
 * pure functions from findings + policy + context to a verdict. */

#define POLICY_FILE_MAX ((size_t) 1024 * 1024)
#define POLICY_WORST_MAX 5              /* ids named in a block message */
#define POLICY_NOTES_MAX 16             /* notes on a verdict (expired allowlist entries) */
#define POLICY_DEADLINE_MAX_MS 600000u
#define POLICY_DEADLINE_DEFAULT_MS 10000u
/* The "timeout" of the hook entries portcullis install and the containerd
 * shim write (config/runc-hook.json.in, config/hooks.d, HOOK_TIMEOUT_S): the
 * runtime kills the hook then and fails the start, so deadline_ms must stay
 * below it for on_timeout to decide. */
#define POLICY_HOOK_TIMEOUT_MS 30000u
#define POLICY_DB_AGE_MAX_HOURS 87600u
/* max_db_age_hours when a policy does not say: 5 days, 20 missed runs of
 * the 6-hourly update timer (Grype's default limit too).  0 = any age. */
#define POLICY_DB_AGE_DEFAULT_HOURS 120u

enum policy_mode {
        POLICY_ENFORCE,                 /* block a violating container */
        POLICY_WARN,                    /* let it start, loudly */
        POLICY_AUDIT,                   /* only record */
        _POLICY_MODE_MAX,
        _POLICY_MODE_INVALID = -EINVAL,
};
const char *policy_mode_to_string(enum policy_mode m);
enum policy_mode policy_mode_from_string(const char *s);

enum policy_action {
        POLICY_ACTION_ALLOW,
        POLICY_ACTION_DENY,
        _POLICY_ACTION_MAX,
        _POLICY_ACTION_INVALID = -EINVAL,
};
const char *policy_action_to_string(enum policy_action a);

/* What to do when the vulnerability DB is older than max_db_age_hours. */
enum policy_stale {
        POLICY_STALE_ALLOW,             /* decide as usual, note it in the audit line */
        POLICY_STALE_WARN,              /* decide as usual, and warn on stderr */
        POLICY_STALE_DENY,              /* block: the data can't be trusted to be current */
        _POLICY_STALE_MAX,
        _POLICY_STALE_INVALID = -EINVAL,
};
const char *policy_stale_to_string(enum policy_stale s);

/* What to do with what the gate could not check (match.h's unchecked
 * items; findings of UNKNOWN severity under unknown_as "unchecked"). */
enum policy_unchecked {
        POLICY_UNCHECKED_ALLOW,         /* start; a note in the audit line and on stderr */
        POLICY_UNCHECKED_WARN,          /* start with a warning (journal, report), even under enforce */
        POLICY_UNCHECKED_DENY,          /* a violation like a finding: the mode decides */
        _POLICY_UNCHECKED_MAX,
        _POLICY_UNCHECKED_INVALID = -EINVAL,
};
const char *policy_unchecked_to_string(enum policy_unchecked u);

/* unknown_as: how a finding of UNKNOWN severity counts: as one of the
 * severities, or (the default) as not checked against the threshold. */
#define POLICY_UNKNOWN_AS_UNCHECKED (-1)

/* What a scope (or the top level, as the default) decides. */
struct policy_rule {
        enum policy_mode mode;
        enum severity threshold;        /* findings at or above count */
        bool ignore_unfixed;            /* findings without a fix don't count */
        enum policy_unchecked on_unchecked;
        int unknown_as;                 /* an enum severity, or POLICY_UNKNOWN_AS_UNCHECKED */
        /* Findings of packages of these ecosystems ("npm", "Debian:12";
         * OSV names, a name alone matching every release), or found in files
         * matching these fnmatch(3) globs on the path in the image, don't
         * count; NULL: none.  Borrowed from the policy or the scope that
         * names them. */
        char *const *ignore_ecosystems;
        char *const *ignore_paths;
        /* A finding in CISA's KEV catalogue (block_kev), or whose EPSS
         * probability is at or above min_epss (0..1; -1: off), counts
         * whatever its severity; ignore_unfixed, ignore_* and the allowlist
         * still apply. */
        bool block_kev;
        double min_epss;
        /* Dated enforcement (mode enforce only): before this moment the
         * effective mode is warn; 0 = none.  policy_select() applies it and
         * sets enforce_pending when the mode it returns is warn for it. */
        time_t enforce_from;
        bool enforce_pending;
};

struct policy_allow {
        char *id;                       /* matches a finding's id or any alias */
        time_t expires;                 /* 0 = never; from this moment on the entry no longer applies
                                         * ("2026-12-31" alone is 2026-12-31T00:00:00Z) */
        char *reason;                   /* required: why this is accepted */
        char *image;                    /* fnmatch(3) glob on the image name, or NULL = any */
};

/* Which fields of a scope's rule the scope names itself (the others were
 * copied from the top level when the policy was parsed). */
enum {
        POLICY_SET_MODE = 1 << 0,
        POLICY_SET_THRESHOLD = 1 << 1,
        POLICY_SET_IGNORE_UNFIXED = 1 << 2,
        POLICY_SET_ON_UNCHECKED = 1 << 3,
        POLICY_SET_UNKNOWN_AS = 1 << 4,
        POLICY_SET_IGNORE_ECOSYSTEMS = 1 << 5,
        POLICY_SET_IGNORE_PATHS = 1 << 6,
        POLICY_SET_BLOCK_KEV = 1 << 7,
        POLICY_SET_MIN_EPSS = 1 << 8,
        POLICY_SET_ENFORCE_FROM = 1 << 9,
};

/* A scope applies when every matcher it names matches: the namespace and
 * image lists when any of their globs does, the annotations when every one
 * of them does (like a Kubernetes matchLabels).  A scope that names no
 * matcher applies to everything.  The first scope that applies wins, else
 * the top-level rule.  Globs are fnmatch(3) without flags: '*' also matches
 * '/'. */
struct policy_scope {
        char *name;
        char **namespaces;              /* globs on the Kubernetes namespace */
        char **annotations;             /* "key=glob" on the container's annotations */
        char **images;                  /* globs on the image name */
        struct policy_rule rule;        /* fields the scope leaves out are the top level's */
        unsigned set;                   /* POLICY_SET_* */
        char **ignore_ecosystems;       /* owned; rule.ignore_* point here or at the top level's */
        char **ignore_paths;
};

struct policy {
        char *path;
        struct policy_rule rule;        /* the default */
        char **ignore_ecosystems;       /* owned; rule.ignore_* point here */
        char **ignore_paths;
        struct policy_allow *allow;
        size_t n_allow;
        struct policy_scope *scopes;
        size_t n_scopes;
        enum policy_action on_error;    /* analysis failed (unreadable rootfs, no DB, ...) */
        enum policy_action on_timeout;  /* deadline_ms passed */
        enum policy_action on_audit_failure; /* the decision reached neither the log file nor syslog;
                                              * default allow (docs/policy.md says why) */
        unsigned deadline_ms;           /* the whole decision, default 10000 */
        unsigned max_db_age_hours;      /* 0 = any age */
        enum policy_stale on_stale_db;  /* when the DB is older, default warn */
        char **vex_files;               /* "vex": VEX documents, as written (relative: to the policy's folder) */
        struct vex *vex;                /* their statements, read by policy_load*() (policy_parse*() reads no
                                         * file), or NULL */
        char *text;                     /* the file's bytes */
        size_t text_len;
        char digest[65];                /* computed on demand: use policy_digest() */
};

/* Parses a policy strictly: an unknown key, a wrong type or a bad value is
 * an error naming the file, line and column and what is accepted. */
int policy_parse(const char *buf, size_t len, const char *name, struct policy **ret, struct error *err);
/* The same, reading path and the VEX documents it names (a missing or
 * malformed one is an error, -EINVAL, naming the policy, the document and
 * the field). */
int policy_load(const char *path, struct policy **ret, struct error *err);
/* The same, going on after an error to find every one: on failure,
 * *ret_errors (when not NULL) holds each message ("FILE:LINE:COLUMN: ..."),
 * err the first. */
int policy_parse_all(const char *buf, size_t len, const char *name, struct policy **ret, char ***ret_errors,
                     struct error *err);
int policy_load_all(const char *path, struct policy **ret, char ***ret_errors, struct error *err);
/* policy_load() of the policy config.json names, where a file absent at
 * the default path (PORTCULLIS_POLICY_DEFAULT) means the built-in policy,
 * as the hook decides. */
int policy_load_configured(const char *path, struct policy **ret, struct error *err);
/* The built-in policy used when none is configured: enforce, CRITICAL,
 * on_error/on_timeout allow, deadline 10 s. */
int policy_default(struct policy **ret);
/* The keys of a policy's top level (NULL-terminated), for config.json's
 * messages: a policy key written there is said to belong here. */
const char *const *policy_top_keys(void);
void policy_free(struct policy *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct policy *, policy_free)

/* Human-readable explanation of what the policy means (policy check);
 * allowlist expiry is told relative to now (policy_describe: time(NULL)). */
int policy_describe(const struct policy *p, char **ret, struct error *err);
/* sha256 hex of the policy file's bytes (NULL if libcrypto can't be loaded). */
const char *policy_digest(const struct policy *p);
int policy_describe_at(const struct policy *p, time_t now, char **ret, struct error *err);
/* "2027-01-15", or "2027-01-15T12:00:00Z" when not at midnight UTC. */
void policy_format_time(time_t t, char ret[static 32]);

struct policy_context {
        const char *image;              /* may be NULL */
        const char *namespace;          /* may be NULL */
        char *const *annotations;       /* key, value, key, value, ..., NULL */
        time_t now;                     /* for allowlist expiry; 0 = time(NULL) */
        /* The vulnerability DB holds no CISA KEV catalogue, no EPSS scores:
         * a finding that only block_kev, min_epss could make count was not
         * checked against them (verdict.unchecked says so). */
        bool no_kev_data;
        bool no_epss_data;
        /* A Kubernetes pod's sandbox (pause) container, as the runtime's
         * trusted annotations say (oci_pod_sandbox()): when its image has
         * nothing to check at all, that is not left to on_unchecked
         * (verdict.pod_sandbox). */
        bool pod_sandbox;
};

/* The scope that applies (NULL = the top level) and the effective rule:
 * mode enforce with an enforce_from still ahead of ctx->now is returned as
 * warn, with enforce_pending set. */
const struct policy_scope *policy_select(const struct policy *p, const struct policy_context *ctx,
                                         struct policy_rule *ret_rule);

enum verdict_decision {
        VERDICT_ALLOW,                  /* nothing counts (what was not checked is allowed) */
        VERDICT_WARN,                   /* something counts, mode warn; or on_unchecked warn */
        VERDICT_AUDIT,                  /* something counts, mode audit */
        VERDICT_DENY,                   /* something counts, mode enforce */
        _VERDICT_DECISION_MAX,
        _VERDICT_DECISION_INVALID = -EINVAL,
};
const char *verdict_decision_to_string(enum verdict_decision d);

struct verdict {
        enum verdict_decision decision;
        struct policy_rule rule;        /* the effective rule */
        char *scope;                    /* the scope's name, or NULL for the top level */
        size_t counts[_SEVERITY_MAX];   /* findings that count, per severity */
        size_t allowed;                 /* findings the allowlist excused */
        char **worst;                   /* "CVE-2024-1234 openssl", worst first, at most POLICY_WORST_MAX */
        char **notes;                   /* e.g. "allowlist entry CVE-x expired 2026-01-01 (reason); CVE-x
                                         * counts again", at most POLICY_NOTES_MAX */
        size_t unknown;                 /* UNKNOWN findings not checked against the threshold */
        char *unchecked;                /* what was not checked, in one line, or NULL when all was */
        bool unchecked_decides;         /* the decision is on_unchecked's (nothing else counts) */
        size_t exploited;               /* findings that count only by block_kev or min_epss (each named
                                         * in notes: "CVE-x is in CISA KEV (block_kev)") */
        size_t kev_unchecked;           /* findings only block_kev could make count, with no KEV data */
        size_t epss_unchecked;          /* the same for min_epss, with no EPSS data */
        bool pod_sandbox;               /* a pod sandbox whose image has no package at all (its no_packages
                                         * item alone, no finding): passed without that item, which
                                         * on_unchecked would say at every pod start, or block every pod
                                         * of a namespace with */
};

/* Applies the policy to a scan: which findings count (threshold,
 * ignore_unfixed, unexpired allowlist entries for this image), and the
 * decision for the effective mode.  An expired allowlist entry that would
 * have excused a finding adds a note. */
int policy_evaluate(const struct policy *p, const struct policy_context *ctx, const struct scan_result *res,
                    struct verdict *ret, struct error *err);
void verdict_done(struct verdict *v);
