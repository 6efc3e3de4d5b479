/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>

#include "base/error.h"
#include "policy.h"

/* The decision for one rootfs, computed in a child process so that the
 * caller can keep its deadline whatever the image holds: the parent waits
 * on a pipe at most deadline_ms, then kills the child.  The child sends back
 * a small JSON message, which the parent validates like any other input.
 * (The child is also where the sandbox of the hardening work goes.) */

#define ANALYSIS_RESULT_MAX ((size_t) 256 * 1024)

struct analysis_request {
        const char *rootfs;             /* absolute path of the container's root */
        const char *db;                 /* vulnerability DB */
        const struct policy *policy;
        const struct policy_context *ctx;
};

struct analysis_result {
        struct verdict verdict;
        char *db_revision;
        char *ecosystem;                /* the rootfs's OSV ecosystem, or NULL */
        size_t packages;
        size_t findings;                /* all findings, before the policy */
        char **warnings;                /* inventory and matching warnings */
};

/* Runs the analysis: 0 with *ret filled; -ETIMEDOUT when the deadline
 * passed (the child is killed and reaped); another negative errno with a
 * message when the analysis failed. */
int analyze_with_deadline(const struct analysis_request *req, unsigned deadline_ms, struct analysis_result *ret,
                          struct error *err);

/* The same work in this process (the CLI, and the child itself). */
int analyze(const struct analysis_request *req, struct analysis_result *ret, struct error *err);

/* The message format between child and parent; exposed for the fuzzer. */
int analysis_result_to_json(const struct analysis_result *r, char **ret, struct error *err);
int analysis_result_from_json(const char *buf, size_t len, struct analysis_result *ret, struct error *err);

void analysis_result_done(struct analysis_result *r);
