/* SPDX-License-Identifier: Apache-2.0 */
/* policy.json is written by an administrator, but `portcullis policy check`
 * and the hook parse whatever is there: any bytes must parse or fail with a
 * message that names the file, never crash or read out of bounds (the
 * line/column lookup scans the raw buffer).  A policy that parses is then
 * described, selected and evaluated against a fixed scan, and the verdict's
 * invariants are checked.  A broken invariant aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.json"

static char *aliases_a[] = { "CVE-2024-1", NULL };
static struct finding findings[] = {
        { .id = "DSA-1", .aliases = aliases_a, .package = "openssl", .fixed_version = "3.0.1",
          .severity = SEVERITY_CRITICAL },
        { .id = "DSA-1", .aliases = aliases_a, .package = "libssl3", .fixed_version = "3.0.1",
          .severity = SEVERITY_CRITICAL },
        { .id = "CVE-2024-2", .package = "zlib1g", .severity = SEVERITY_HIGH },
        { .id = "GHSA-3", .package = "curl", .fixed_version = "8.0", .severity = SEVERITY_MEDIUM },
        { .id = "CVE-2024-4", .package = "bash", .severity = SEVERITY_LOW },
        { .id = "CVE-2024-5", .package = "tar", .severity = SEVERITY_UNKNOWN },
        { .id = "CVE-2024-6", .package = "tar", .severity = SEVERITY_UNKNOWN },
};

static void check_verdict(const struct policy *p, const struct policy_context *ctx) {
        struct scan_result res = { .findings = findings, .n_findings = ELEMENTSOF(findings) };
        struct policy_rule rule;
        struct verdict v;
        size_t total = 0;
        const struct policy_scope *s = policy_select(p, ctx, &rule);

        if (policy_evaluate(p, ctx, &res, &v, NULL) < 0)
                abort();
        for (int i = 0; i < _SEVERITY_MAX; i++)
                total += v.counts[i];
        if (total + v.allowed > ELEMENTSOF(findings) || (total > 0 && v.decision == VERDICT_ALLOW) ||
            (total == 0 && !v.unchecked && v.decision != VERDICT_ALLOW) ||
            (v.unknown + v.kev_unchecked + v.epss_unchecked > 0) != (v.unchecked != NULL) ||
            (v.kev_unchecked > 0 && !ctx->no_kev_data) || (v.epss_unchecked > 0 && !ctx->no_epss_data))
                abort();
        /* enforce_from: only ever turns enforce into warn, before its date */
        if (rule.enforce_pending && (rule.mode != POLICY_WARN || rule.enforce_from == 0 ||
                                     (ctx->now ? ctx->now : time(NULL)) >= rule.enforce_from))
                abort();
        if (strv_length(v.worst) > POLICY_WORST_MAX || strv_length(v.notes) > POLICY_NOTES_MAX)
                abort();
        if ((total > 0) != (v.worst != NULL) || !streq_ptr(v.scope, s ? s->name : NULL) ||
            memcmp(&rule, &v.rule, sizeof(rule)) != 0)
                abort();
        verdict_done(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static char *const ann[] = { "team", "payments", "tier", "gold", NULL };
        const struct policy_context ctxs[] = {
                { .image = "registry.example.com/app:1", .namespace = "prod-eu", .annotations = ann, .now = 1780272000 },
                { .image = "docker.io/library/nginx", .namespace = "default", .now = 1700000000 },
                { .now = 4102444800 },
                /* a DB without KEV and EPSS data */
                { .image = "registry.example.com/app:1", .now = 1780272000, .no_kev_data = true,
                  .no_epss_data = true },
        };
        struct policy *p = NULL;
        struct error err = {};
        char *text = NULL;

        if (size > POLICY_FILE_MAX)
                return 0;
        if (policy_parse((const char *) data, size, NAME, &p, &err) < 0) {
                if (!startswith(err.msg, NAME ":") || p)
                        abort();
                return 0;
        }
        if (strlen(policy_digest(p)) != 64 || p->deadline_ms < 1 || p->deadline_ms > POLICY_DEADLINE_MAX_MS)
                abort();
        for (size_t i = 0; i < p->n_allow; i++)
                if (!p->allow[i].id[0] || !p->allow[i].reason[0] || p->allow[i].expires < 0)
                        abort();
        if (policy_describe_at(p, 1780272000, &text, &err) < 0 || !startswith(text, "Policy "))
                abort();
        free(text);
        for (size_t i = 0; i < ELEMENTSOF(ctxs); i++)
                check_verdict(p, &ctxs[i]);
        policy_free(p);
        return 0;
}
