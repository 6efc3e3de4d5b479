/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

/* The gate: one container start decided from the OCI state, the config,
 * the policy, the verdict cache and (on a miss) an analysis of the rootfs.
 * portcullis-hook is a thin front end over it.  Every path ends in a
 * decision within the policy's deadline; errors and timeouts are decided by
 * the policy's on_error / on_timeout (config.json's on_error when the
 * policy itself can't be loaded). */

enum { GATE_START = 0, GATE_BLOCK = 1 };

/* The deadline counts from the hook's exec (gate_options.deadline_from_exec); every
 * wait ends this much before it, so that the decision, its audit line and
 * the exit fit inside deadline_ms too (a fifth of deadline_ms when that is
 * smaller). */
#define GATE_EXIT_MARGIN_MS 50

/* What the front end was told; NULL/false = the config's or the default. */
struct gate_options {
        const char *config;                     /* config.json; NULL = the default path (optional) */
        const char *policy;
        const char *db;
        const char *cache;
        const char *lock_dir;
        const char *log_file;
        bool no_syslog;
        const char *syslog_socket;              /* NULL = config.json's log.syslog_socket, else /dev/log */
        const char *containerd_namespace;       /* from the containerd shim */
        const char *containerd_id;
        bool dry_run;                           /* decide, but write no audit line (portcullis check) */
        const char *state_path;                 /* where state_fd reads from, for messages; NULL = stdin */
        bool deadline_from_exec;                /* the hook: the deadline counts from the process's start
                                                 * (read from /proc once a miss begins, where its 30 µs don't
                                                 * show; until then from gate_run()); else from gate_run() */
        bool hook;                              /* run by a runtime as its hook: a failure as a user other
                                                 * than root (rootless Podman) is config.json's rootless */
};

struct gate_result {
        int exit_code;                          /* GATE_START or GATE_BLOCK */
        char **messages;                        /* lines for stderr, in order (runc shows them) */
        char *audit_line;                       /* the decision as its audit JSON line */
};

/* Reads the OCI state from state_fd and decides; never fails. */
void gate_run(const struct gate_options *o, int state_fd, struct gate_result *ret);
void gate_result_done(struct gate_result *r);
