/* SPDX-License-Identifier: Apache-2.0 */
#include <glob.h>
#include <sys/wait.h>

#include "base/strutil.h"
#include "config.h"
#include "policy.h"
#include "test.h"

/* 2026-06-01T00:00:00Z: "now" for every evaluation below. */
#define NOW ((time_t) 1780272000)

static struct policy *parse(const char *json) {
        struct policy *p = NULL;
        struct error err = {};

        if (policy_parse(json, strlen(json), "p.json", &p, &err) < 0)
                fprintf(stderr, "unexpected error: %s\n", err.msg);
        return p;
}

static void test_defaults(void) {
        _cleanup_(policy_freep) struct policy *p = parse("{}");
        _cleanup_(policy_freep) struct policy *d = NULL;

        CHECK(p);
        if (!p)
                return;
        CHECK(p->rule.mode == POLICY_ENFORCE && p->rule.threshold == SEVERITY_CRITICAL && !p->rule.ignore_unfixed);
        CHECK(p->on_error == POLICY_ACTION_ALLOW && p->on_timeout == POLICY_ACTION_ALLOW);
        CHECK(p->deadline_ms == 10000 && p->n_scopes == 0 && p->n_allow == 0);
        CHECK(p->max_db_age_hours == POLICY_DB_AGE_DEFAULT_HOURS && p->on_stale_db == POLICY_STALE_WARN);
        {       /* 0: any age, said so */
                _cleanup_(policy_freep) struct policy *any = parse("{\"max_db_age_hours\": 0}");

                CHECK(any && any->max_db_age_hours == 0);
        }
        /* sha256 of the two bytes "{}" */
        CHECK_STREQ(policy_digest(p), "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
        CHECK_STREQ(p->path, "p.json");

        CHECK(policy_default(&d) == 0);
        CHECK(d && d->path == NULL && d->rule.mode == POLICY_ENFORCE && d->rule.threshold == SEVERITY_CRITICAL);
        CHECK(d && strlen(policy_digest(d)) == 64 && d->deadline_ms == 10000);
}

static void test_full(void) {
        static const char json[] =
                "{\"mode\": \"warn\", \"severity\": \"high\", \"ignore_unfixed\": true,\n"
                " \"on_error\": \"deny\", \"on_timeout\": \"deny\", \"deadline_ms\": 600000,\n"
                " \"max_db_age_hours\": 72, \"on_stale_db\": \"deny\", \"on_audit_failure\": \"deny\",\n"
                " \"allowlist\": [\n"
                "  {\"id\": \"CVE-1\", \"reason\": \"r1\"},\n"
                "  {\"id\": \"CVE-2\", \"reason\": \"r2\", \"expires\": \"2026-12-31\", \"image\": \"reg/*\"},\n"
                "  {\"id\": \"CVE-3\", \"reason\": \"r3\", \"expires\": \"2026-12-31T12:30:00+02:00\"},\n"
                "  {\"id\": \"CVE-4\", \"reason\": \"r4\", \"expires\": \"2024-02-29t00:00:00.123z\"}],\n"
                " \"scopes\": [\n"
                "  {\"name\": \"prod\", \"match\": {\"namespaces\": [\"prod-*\", \"production\"],\n"
                "     \"annotations\": {\"team\": \"pay*\"}, \"images\": [\"reg/*\"]}, \"mode\": \"enforce\"},\n"
                "  {\"name\": \"all\", \"match\": {}, \"severity\": \"UNKNOWN\", \"ignore_unfixed\": false}]}\n";
        _cleanup_(policy_freep) struct policy *p = parse(json);

        CHECK(p);
        if (!p)
                return;
        CHECK(p->rule.mode == POLICY_WARN && p->rule.threshold == SEVERITY_HIGH && p->rule.ignore_unfixed);
        CHECK(p->max_db_age_hours == 72 && p->on_stale_db == POLICY_STALE_DENY);
        CHECK(p->on_audit_failure == POLICY_ACTION_DENY);
        CHECK(p->on_error == POLICY_ACTION_DENY && p->on_timeout == POLICY_ACTION_DENY && p->deadline_ms == 600000);
        CHECK(p->n_allow == 4);
        CHECK_STREQ(p->allow[0].id, "CVE-1");
        CHECK(p->allow[0].expires == 0 && p->allow[0].image == NULL);
        CHECK_STREQ(p->allow[1].image, "reg/*");
        CHECK(p->allow[1].expires == 1798675200);       /* 2026-12-31T00:00:00Z */
        CHECK(p->allow[2].expires == 1798675200 + 10 * 3600 + 30 * 60);
        CHECK(p->allow[3].expires == 1709164800);       /* leap day */
        CHECK(p->n_scopes == 2);
        CHECK_STREQ(p->scopes[0].name, "prod");
        CHECK(strv_length(p->scopes[0].namespaces) == 2 && strv_length(p->scopes[0].images) == 1);
        CHECK_STREQ(p->scopes[0].annotations[0], "team=pay*");
        /* inheritance: the scope names mode; severity and ignore_unfixed are the top level's */
        CHECK(p->scopes[0].rule.mode == POLICY_ENFORCE && p->scopes[0].rule.threshold == SEVERITY_HIGH &&
              p->scopes[0].rule.ignore_unfixed);
        CHECK(p->scopes[0].set == POLICY_SET_MODE);
        CHECK(p->scopes[1].rule.mode == POLICY_WARN && p->scopes[1].rule.threshold == SEVERITY_UNKNOWN &&
              !p->scopes[1].rule.ignore_unfixed);
        CHECK(!p->scopes[1].namespaces && !p->scopes[1].annotations && !p->scopes[1].images);
}

#define TOP_KEYS "mode, severity, ignore_unfixed, ignore_ecosystems, ignore_paths, on_unchecked, unknown_as, on_error, on_timeout, deadline_ms, max_db_age_hours, on_stale_db, allowlist, scopes, on_audit_failure, block_kev, min_epss, vex, enforce_from"

#define NO_NAME "; give it one (\"name\": \"prod\"): messages and the audit line name the scope that decided"
static void test_errors(void) {
        static const struct {
                const char *json, *msg;
        } rows[] = {
                /* syntax and duplicates: jansson's own positions */
                { "{\"mode\": }", "p.json:1:10: unexpected token near '}'" },
                { "{\"mode\": \"warn\",\n \"mode\": \"audit\"}", "p.json:2:7: duplicate object key near '\"mode\"'" },
                { "[]", "p.json:1:1: the policy must be a JSON object" },
                { "  \n  [1]", "p.json:2:3: the policy must be a JSON object" },
                { "{\"on_stale_db\": \"panic\"}",
                  "p.json:1:2: 'on_stale_db' in the policy must be one of allow, warn, deny, not 'panic'" },
                { "{\"min_epss\": 0}", "p.json:1:2: 'min_epss' in the policy must be an EPSS probability above 0 and "
                  "at most 1 (0.5 counts findings whose CVE FIRST scores 50% likely to be exploited in 30 days)" },
                { "{\"min_epss\": \"0.5\"}", "p.json:1:2: 'min_epss' in the policy must be an EPSS probability above "
                  "0 and at most 1 (0.5 counts findings whose CVE FIRST scores 50% likely to be exploited in 30 days)" },
                { "{\"scopes\": [{\"name\": \"s\", \"min_epss\": 1.01}]}", "p.json:1:27: 'min_epss' in scope 's' must be "
                  "an EPSS probability above 0 and at most 1 (0.5 counts findings whose CVE FIRST scores 50% likely to "
                  "be exploited in 30 days)" },
                { "{\"block_kev\": 1}", "p.json:1:2: 'block_kev' in the policy must be true or false" },
                /* unknown_as UNKNOWN under a threshold above UNKNOWN: it would never count, nor be said */
                { "{\"severity\": \"HIGH\", \"unknown_as\": \"UNKNOWN\"}", "p.json:1:22: 'unknown_as' \"UNKNOWN\" in the "
                  "policy never counts: under the threshold HIGH a finding of UNKNOWN severity would be neither counted "
                  "nor said to be not checked; use \"unchecked\" (the default: on_unchecked decides) or the severity "
                  "to count it as (\"HIGH\" counts it)" },
                { "{\"unknown_as\": \"unknown\"}", "p.json:1:2: 'unknown_as' \"UNKNOWN\" in the policy never counts: "
                  "under the threshold CRITICAL (the default) a finding of UNKNOWN severity would be neither counted nor "
                  "said to be not checked; use \"unchecked\" (the default: on_unchecked decides) or the severity to count it as "
                  "(\"CRITICAL\" counts it)" },
                { "{\"scopes\": [{\"name\": \"s\", \"unknown_as\": \"UNKNOWN\"}]}", "p.json:1:27: 'unknown_as' "
                  "\"UNKNOWN\" in scope 's' never counts: under the threshold CRITICAL (from the top level) a finding "
                  "of UNKNOWN severity would be neither counted nor said to be not checked; use \"unchecked\" (the "
                  "default: on_unchecked decides) or the severity to count it as (\"CRITICAL\" counts it)" },
                { "{\"severity\": \"UNKNOWN\", \"unknown_as\": \"UNKNOWN\", \"scopes\": [{\"name\": \"s\", "
                  "\"severity\": \"LOW\"}]}", "p.json:1:75: 'severity' LOW in scope 's' makes unknown_as \"UNKNOWN\" "
                  "(from the top level) never count: a finding of UNKNOWN severity would be neither counted nor said "
                  "to be not checked; set 'unknown_as' in scope 's' to \"unchecked\" (on_unchecked decides) or the "
                  "severity to count it as (\"LOW\" counts it)" },
                { "{\"max_db_age_hours\": 87601}",
                  "p.json:1:2: 'max_db_age_hours' in the policy must be between 0 and 87600, not 87601" },
                /* unknown keys, at every level */
                { "{\"moed\": \"warn\"}", "p.json:1:2: unknown key 'moed' in the policy; expected one of " TOP_KEYS },
                { "{\"allowlist\": [{\"id\": \"A\", \"reason\": \"moed\\\": 1 \\\"moed\\\":\"}],\n  \"moed\": 1}",
                  "p.json:2:3: unknown key 'moed' in the policy; expected one of " TOP_KEYS },
                { "{\"scopes\": [{\"match\": {\"moed\": 1}}], \"moed\": 1}",
                  "p.json:1:13: scopes[0] has no 'name'" NO_NAME " (and more errors: see 'portcullis policy check')" },
                { "{\"m\\u006fed\": 1}", "p.json:1:2: unknown key 'moed' in the policy; expected one of " TOP_KEYS },
                { "{\"scopes\": [\n  {\"name\": \"prod\",\n   \"mdoe\": \"warn\"}]}",
                  "p.json:3:4: unknown key 'mdoe' in scope 'prod'; expected one of name, match, mode, severity, "
                  "ignore_unfixed, ignore_ecosystems, ignore_paths, on_unchecked, unknown_as, block_kev, min_epss, enforce_from" },
                { "{\"scopes\": [{\"name\": \"a\"}, {\"nmae\": \"b\"}]}",
                  "p.json:1:28: scopes[1] has no 'name'" NO_NAME " (and more errors: see 'portcullis policy check')" },
                { "{\"scopes\": [{\"name\": \"prod\", \"match\": {\n\t\"namespace\": [\"prod\"]}}]}",
                  "p.json:2:2: unknown key 'namespace' in the match of scope 'prod'; expected one of namespaces, "
                  "annotations, images" },
                { "{\"allowlist\": [{\"id\": \"CVE-1\", \"reason\": \"r\", \"expiry\": \"2026-01-01\"}]}",
                  "p.json:1:47: unknown key 'expiry' in allowlist entry 'CVE-1'; expected one of id, expires, "
                  "reason, image" },
                /* wrong types */
                { "{\"mode\": 1}", "p.json:1:2: 'mode' in the policy must be a string" },
                { "{\"severity\": null}", "p.json:1:2: 'severity' in the policy must be a string" },
                { "{\"ignore_unfixed\": \"yes\"}", "p.json:1:2: 'ignore_unfixed' in the policy must be true or false" },
                { "{\"deadline_ms\": \"10\"}", "p.json:1:2: 'deadline_ms' in the policy must be an integer" },
                { "{\"deadline_ms\": 1.5}", "p.json:1:2: 'deadline_ms' in the policy must be an integer" },
                { "{\"deadline_ms\": 0}", "p.json:1:2: 'deadline_ms' in the policy must be between 1 and 600000, not 0" },
                { "{\"deadline_ms\": 600001}",
                  "p.json:1:2: 'deadline_ms' in the policy must be between 1 and 600000, not 600001" },
                { "{\"scopes\": {}}", "p.json:1:2: 'scopes' in the policy must be an array" },
                { "{\"allowlist\": [{\"id\": \"A\", \"reason\": \"r\"},\n   \"CVE-1\"]}",
                  "p.json:2:4: allowlist[1] must be an object" },
                { "{\"scopes\": [ 1 ]}", "p.json:1:14: scopes[0] must be an object" },
                { "{\"scopes\": [{\"name\": 7}]}", "p.json:1:14: 'name' in scopes[0] must be a string" },
                { "{\"scopes\": [{\"name\": \"\"}]}", "p.json:1:14: 'name' in scopes[0] must not be empty" },
                { "{\"scopes\": [{\"name\": \"s\", \"match\": []}]}", "p.json:1:27: 'match' in scope 's' must be an object" },
                { "{\"scopes\": [{\"name\": \"s\", \"match\": {\"namespaces\": \"prod\"}}]}",
                  "p.json:1:37: 'namespaces' in the match of scope 's' must be an array" },
                { "{\"scopes\": [{\"name\": \"s\", \"match\": {\"images\": [\"a\", \"\"]}}]}",
                  "p.json:1:53: images[1] in the match of scope 's' must be a non-empty string" },
                { "{\"vex\": []}", "p.json:1:2: 'vex' in the policy is empty; name at least one VEX document or leave the key out" },
                { "{\"vex\": [\"a.json\", 3]}", "p.json:1:20: vex[1] in the policy must be a non-empty string" },
                { "{\"vex\": \"a.json\"}", "p.json:1:2: 'vex' in the policy must be an array" },
                { "{\"scopes\": [{\"name\": \"s\", \"match\": {\"images\": []}}]}",
                  "p.json:1:37: 'images' in the match of scope 's' is empty; name at least one glob or leave the key out" },
                { "{\"scopes\": [{\"name\": \"s\", \"match\": {\"annotations\": {\"team\": 1}}}]}",
                  "p.json:1:53: annotation 'team' in the match of scope 's' must be a non-empty string (a glob)" },
                { "{\"scopes\": [{\"name\": \"s\", \"match\": {\"annotations\": {\"a=b\": \"x\"}}}]}",
                  "p.json:1:53: annotation key 'a=b' in the match of scope 's' must be non-empty and without '='" },
                { "{\"scopes\": [{\"name\": \"s\", \"match\": {\"annotations\": {}}}]}",
                  "p.json:1:37: 'annotations' in the match of scope 's' is empty; name at least one or leave the key out" },
                { "{\"scopes\": [{\"name\": \"s\", \"ignore_unfixed\": 1}]}",
                  "p.json:1:27: 'ignore_unfixed' in scope 's' must be true or false" },
                /* bad words */
                { "{\"severity\": \"HIHG\"}",
                  "p.json:1:2: 'severity' in the policy must be one of CRITICAL, HIGH, MEDIUM, LOW, NONE, UNKNOWN, not 'HIHG'" },
                { "{\"mode\": \"block\"}", "p.json:1:2: 'mode' in the policy must be one of enforce, warn, audit, not 'block'" },
                { "{\"mode\": \"Enforce\"}",
                  "p.json:1:2: 'mode' in the policy must be one of enforce, warn, audit, not 'Enforce'" },
                { "{\"on_error\": \"maybe\"}", "p.json:1:2: 'on_error' in the policy must be one of allow, deny, not 'maybe'" },
                { "{\"on_timeout\": \"\\n\"}", "p.json:1:2: 'on_timeout' in the policy must be one of allow, deny, not '?'" },
                { "{\"on_audit_failure\": \"warn\"}",
                  "p.json:1:2: 'on_audit_failure' in the policy must be one of allow, deny, not 'warn'" },
                { "{\"scopes\": [{\"name\": \"s\",\n \"severity\": \"severe\"}]}",
                  "p.json:2:2: 'severity' in scope 's' must be one of CRITICAL, HIGH, MEDIUM, LOW, NONE, UNKNOWN, not 'severe'" },
                /* scopes and allowlist entries */
                { "{\"scopes\": [{\"mode\": \"warn\"}]}", "p.json:1:13: scopes[0] has no 'name'" NO_NAME },
                { "{\"scopes\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}",
                  "p.json:1:29: a scope named 'a' comes earlier; give each scope a name of its own" },
                { "{\"allowlist\": [{\"reason\": \"r\"}]}",
                  "p.json:1:16: allowlist[0] has no 'id'; name the vulnerability it excuses (\"id\": \"CVE-2023-38545\")" },
                /* an empty file: what to write, or what to remove */
                { "", "p.json: the file is empty; write a policy into it (the smallest, {}, is the built-in policy: "
                  "mode enforce at severity CRITICAL; see docs/policy.md), or remove it (and config.json's 'policy' "
                  "key, where one names it): with no policy file the built-in policy applies" },
                { " \n\t\r\n", "p.json: the file is empty; write a policy into it (the smallest, {}, is the built-in "
                  "policy: mode enforce at severity CRITICAL; see docs/policy.md), or remove it (and config.json's "
                  "'policy' key, where one names it): with no policy file the built-in policy applies" },
                /* a key of config.json, or of the top level in a scope: where it belongs */
                { "{\"trust_image_digest\": false}", "p.json:1:2: 'trust_image_digest' in the policy is not a key of "
                  "it: it is a key of config.json, the hook's configuration (" PORTCULLIS_CONFIG_DEFAULT " by "
                  "default); set it there" },
                { "{\"scopes\": [{\"name\": \"prod\", \"on_timeout\": \"deny\"}]}", "p.json:1:30: 'on_timeout' in "
                  "scope 'prod' is not a key of it: it applies to the whole policy, not to a scope; set it at the "
                  "policy's top level" },
                /* an id that would match nothing: the finding blocked, nothing said why */
                { "{\"allowlist\": [{\"id\": \"CVE-1 \", \"reason\": \"r\"}]}",
                  "p.json:1:17: 'id' in allowlist entry 'CVE-1 ' is not a vulnerability id: it is empty or holds a "
                  "space or a control character, and would match no finding; write the id alone (CVE-2023-38545)" },
                { "{\"allowlist\": [{\"id\": \"CVE-1\\n\", \"reason\": \"r\"}]}",
                  "p.json:1:17: 'id' in allowlist entry 'CVE-1?' is not a vulnerability id: it is empty or holds a "
                  "space or a control character, and would match no finding; write the id alone (CVE-2023-38545)" },
                { "{\"allowlist\": [{\"id\": \"CVE-1\"}]}",
                  "p.json:1:16: allowlist entry 'CVE-1' needs a 'reason': why is it accepted?" },
                { "{\"allowlist\": [{\"id\": \"CVE-1\", \"reason\": \" \\t\"}]}",
                  "p.json:1:32: allowlist entry 'CVE-1' needs a 'reason': why is it accepted?" },
                { "{\"allowlist\": [{\"id\": \"CVE-1\", \"reason\": \"\"}]}",
                  "p.json:1:32: 'reason' in allowlist entry 'CVE-1' must not be empty" },
                { "{\"allowlist\": [{\"id\": \"CVE-1\", \"reason\": \"r\", \"expires\": \"2026-02-30\"}]}",
                  "p.json:1:47: 'expires' in allowlist entry 'CVE-1' must be a date (2026-12-31) or an RFC 3339 time "
                  "(2026-12-31T12:00:00Z), not '2026-02-30'" },
                { "{\"allowlist\": [{\"id\": \"CVE-1\", \"reason\": \"r\", \"expires\": 20261231}]}",
                  "p.json:1:47: 'expires' in allowlist entry 'CVE-1' must be a string" },
                { "{\"allowlist\": [{\"id\": \"X\", \"image\": \"\", \"reason\": \"r\"}]}",
                  "p.json:1:28: 'image' in allowlist entry 'X' must not be empty" },
                /* columns count characters, as jansson's do */
                { "{\"allowlist\": [{\"id\": \"\xc3\xa9\xc3\xa9\", \"reason\": \"r\", \"x\": 1}]}",
                  "p.json:1:44: unknown key 'x' in allowlist entry '?\?\?\?'; expected one of id, expires, reason, image" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                struct policy *p = NULL;
                struct error err = {};
                int r = policy_parse(rows[i].json, strlen(rows[i].json), "p.json", &p, &err);

                CHECK_MSG(r == -EINVAL && !p, "row %zu: r=%d", i, r);
                CHECK_STREQ(err.msg, rows[i].msg);
                policy_free(p);
        }
}

static void test_expires(void) {
        static const struct {
                const char *s;
                time_t t;               /* 0: invalid */
        } rows[] = {
                { "1970-01-02", 86400 },
                { "2000-03-01", 951868800 },
                { "2026-12-31T23:59:60Z", 1798761600 },
                { "2026-12-31T00:00:00-00:30", 1798677000 },
                { "1970-01-01", 0 },            /* 0 would mean "never" */
                { "1969-12-31", 0 },
                { "2026-13-01", 0 },
                { "2025-02-29", 0 },
                { "2026-1-1", 0 },
                { "2026-12-31T24:00:00Z", 0 },
                { "2026-12-31T12:00:00", 0 },   /* RFC 3339 needs a zone */
                { "2026-12-31T12:00Z", 0 },
                { "2026-12-31 ", 0 },
                { "2026-12-31T12:00:00.Z", 0 },
                { "2026-12-31T12:00:00+2:00", 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                char json[256];
                struct policy *p = NULL;
                struct error err = {};
                int r;

                snprintf(json, sizeof(json), "{\"allowlist\": [{\"id\": \"A\", \"reason\": \"r\", \"expires\": \"%s\"}]}",
                         rows[i].s);
                r = policy_parse(json, strlen(json), "p.json", &p, &err);
                CHECK_MSG(rows[i].t ? r == 0 && p->allow[0].expires == rows[i].t : r == -EINVAL, "row %zu (%s): %s",
                          i, rows[i].s, err.msg);
                policy_free(p);
        }
}

static const char select_json[] =
        "{\"mode\": \"audit\", \"severity\": \"LOW\",\n"
        " \"scopes\": [\n"
        "  {\"name\": \"prod\", \"match\": {\"namespaces\": [\"prod-*\", \"production\"]}, \"mode\": \"enforce\","
        "   \"severity\": \"HIGH\"},\n"
        "  {\"name\": \"payments\", \"match\": {\"annotations\": {\"team\": \"pay*\", \"tier\": \"gold\"}}, "
        "\"ignore_unfixed\": true},\n"
        "  {\"name\": \"registry\", \"match\": {\"images\": [\"registry.example.com/*\"]}, \"mode\": \"warn\"},\n"
        "  {\"name\": \"both\", \"match\": {\"namespaces\": [\"dev\"], \"images\": [\"docker.io/*\"]}, "
        "\"severity\": \"CRITICAL\"},\n"
        "  {\"name\": \"short\", \"match\": {\"images\": [\"nginx:*\", \"team/app\"]}, \"severity\": \"MEDIUM\"},\n"
        "  {\"name\": \"rest\", \"match\": {\"namespaces\": [\"*\"]}, \"mode\": \"warn\", \"severity\": \"MEDIUM\"}]}\n";

static void test_select(void) {
        static char *const pay[] = { "team", "payments", "tier", "gold", NULL };
        static char *const pay_silver[] = { "team", "payments", "tier", "silver", NULL };
        static char *const tier_only[] = { "tier", "gold", NULL };
        static const struct {
                const char *image, *ns;
                char *const *ann;
                const char *scope;      /* NULL: the top level */
                enum policy_mode mode;
                enum severity threshold;
                bool ignore_unfixed;
        } rows[] = {
                { "docker.io/nginx", "prod-eu", NULL, "prod", POLICY_ENFORCE, SEVERITY_HIGH, false },
                { "docker.io/nginx", "production", NULL, "prod", POLICY_ENFORCE, SEVERITY_HIGH, false },
                { "docker.io/nginx", "prod", NULL, "rest", POLICY_WARN, SEVERITY_MEDIUM, false },
                { "docker.io/nginx", "production-2", NULL, "rest", POLICY_WARN, SEVERITY_MEDIUM, false },
                /* first match wins: prod before payments */
                { "x", "prod-1", pay, "prod", POLICY_ENFORCE, SEVERITY_HIGH, false },
                /* annotations: every one must match; inheritance of mode and severity */
                { "x", NULL, pay, "payments", POLICY_AUDIT, SEVERITY_LOW, true },
                { "x", NULL, pay_silver, NULL, POLICY_AUDIT, SEVERITY_LOW, false },
                { "x", NULL, tier_only, NULL, POLICY_AUDIT, SEVERITY_LOW, false },
                /* '*' crosses '/' */
                { "registry.example.com/team/app:1.0", NULL, NULL, "registry", POLICY_WARN, SEVERITY_LOW, false },
                { "registry.example.com", NULL, NULL, NULL, POLICY_AUDIT, SEVERITY_LOW, false },
                /* every matcher named must match */
                { "docker.io/redis", "dev", NULL, "both", POLICY_AUDIT, SEVERITY_CRITICAL, false },
                { "quay.io/redis", "dev", NULL, "rest", POLICY_WARN, SEVERITY_MEDIUM, false },
                /* an image in either spelling of Docker's reference grammar meets a
                 * glob in the other: full and familiar */
                { "redis:7", "dev", NULL, "both", POLICY_AUDIT, SEVERITY_CRITICAL, false },
                { "index.docker.io/library/redis", "dev", NULL, "both", POLICY_AUDIT, SEVERITY_CRITICAL, false },
                { "docker.io/library/nginx:1.25", NULL, NULL, "short", POLICY_AUDIT, SEVERITY_MEDIUM, false },
                { "docker.io/team/app", NULL, NULL, "short", POLICY_AUDIT, SEVERITY_MEDIUM, false },
                { "nginx:1.25", NULL, NULL, "short", POLICY_AUDIT, SEVERITY_MEDIUM, false },
                /* a registry is a host name, in any case: DNS reads REGISTRY.EXAMPLE.COM
                 * as registry.example.com (it escaped the scope); Docker.IO is Docker Hub */
                { "REGISTRY.Example.com/team/app:1.0", NULL, NULL, "registry", POLICY_WARN, SEVERITY_LOW, false },
                { "Docker.IO/library/nginx:1.25", NULL, NULL, "short", POLICY_AUDIT, SEVERITY_MEDIUM, false },
                /* another registry, localhost, an image id: no docker.io spelling */
                { "quay.io/nginx:1", NULL, NULL, NULL, POLICY_AUDIT, SEVERITY_LOW, false },
                { "localhost:5000/redis", "dev", NULL, "rest", POLICY_WARN, SEVERITY_MEDIUM, false },
                { "localhost/redis", "dev", NULL, "rest", POLICY_WARN, SEVERITY_MEDIUM, false },
                { "sha256:9d8537a20e3b", "dev", NULL, "rest", POLICY_WARN, SEVERITY_MEDIUM, false },
                /* no namespace, no image: only scopes without those matchers apply */
                { NULL, NULL, NULL, NULL, POLICY_AUDIT, SEVERITY_LOW, false },
        };
        _cleanup_(policy_freep) struct policy *p = parse(select_json);

        CHECK(p);
        for (size_t i = 0; p && i < ELEMENTSOF(rows); i++) {
                struct policy_context ctx = { .image = rows[i].image, .namespace = rows[i].ns,
                                              .annotations = rows[i].ann, .now = NOW };
                struct policy_rule rule;
                const struct policy_scope *s = policy_select(p, &ctx, &rule);

                CHECK_MSG(streq_ptr(s ? s->name : NULL, rows[i].scope), "row %zu: %s", i, s ? s->name : "(top)");
                CHECK_MSG(rule.mode == rows[i].mode && rule.threshold == rows[i].threshold &&
                          rule.ignore_unfixed == rows[i].ignore_unfixed, "row %zu", i);
        }
        if (p)
                CHECK(policy_select(p, NULL, NULL) == NULL);
}

/* ---- evaluation ----------------------------------------------------------- */

/* "ID[,ALIAS...]" package fixed-or-NULL severity */
static void add(struct scan_result *res, const char *ids, const char *pkg, const char *fixed, enum severity sev) {
        _cleanup_free_ char *copy = strdup(ids);
        struct finding *f;
        char *save = NULL, *w;

        if (res->n_findings == res->cap_findings) {
                res->cap_findings = res->cap_findings ? 2 * res->cap_findings : 8;
                res->findings = realloc(res->findings, res->cap_findings * sizeof(*f));
        }
        f = &res->findings[res->n_findings++];
        *f = (struct finding) { .package = strdup(pkg), .fixed_version = fixed ? strdup(fixed) : NULL,
                                .status = fixed ? FINDING_FIXED : FINDING_AFFECTED, .severity = sev,
                                .installed_version = strdup("1.0"), .cvss_score = -1 };
        w = strtok_r(copy, ",", &save);
        f->id = strdup(w);
        while ((w = strtok_r(NULL, ",", &save)))
                strv_push(&f->aliases, strdup(w));
        res->counts[sev]++;
}

static struct scan_result *sample(void) {
        struct scan_result *res = calloc(1, sizeof(*res));

        add(res, "DSA-1,CVE-2024-1", "openssl", "3.0.1", SEVERITY_CRITICAL);
        add(res, "DSA-1,CVE-2024-1", "libssl3", "3.0.1", SEVERITY_CRITICAL);
        add(res, "CVE-2024-2", "zlib1g", NULL, SEVERITY_HIGH);
        add(res, "GHSA-3,CVE-2024-3", "curl", "8.0", SEVERITY_MEDIUM);
        add(res, "CVE-2024-4", "bash", NULL, SEVERITY_LOW);
        add(res, "CVE-2024-5", "tar", "1.35", SEVERITY_UNKNOWN);
        return res;
}

static char *join(char **v) {
        struct strbuf b = {};

        for (char **s = v; s && *s; s++)
                strbuf_printf(&b, "%s%s", s == v ? "" : "|", *s);
        return strbuf_steal(&b);
}

static void test_evaluate(void) {
        static const struct {
                const char *policy, *image;
                enum verdict_decision decision;
                size_t counts[_SEVERITY_MAX];   /* UNKNOWN, NONE, LOW, MEDIUM, HIGH, CRITICAL */
                size_t allowed;
                const char *worst, *notes;
        } rows[] = {
                { "{}", "img", VERDICT_DENY, { 0, 0, 0, 0, 0, 2 }, 0, "DSA-1 openssl (+1)", "" },
                { "{\"severity\": \"HIGH\", \"mode\": \"warn\"}", "img", VERDICT_WARN, { 0, 0, 0, 0, 1, 2 }, 0,
                  "DSA-1 openssl (+1)|CVE-2024-2 zlib1g", "" },
                { "{\"severity\": \"unknown\", \"mode\": \"audit\"}", "img", VERDICT_AUDIT, { 1, 0, 1, 1, 1, 2 }, 0,
                  "DSA-1 openssl (+1)|CVE-2024-2 zlib1g|GHSA-3 curl|CVE-2024-4 bash|CVE-2024-5 tar", "" },
                { "{\"severity\": \"LOW\", \"ignore_unfixed\": true}", "img", VERDICT_DENY, { 0, 0, 0, 1, 0, 2 }, 0,
                  "DSA-1 openssl (+1)|GHSA-3 curl", "" },
                /* allowlist by id, by alias; the image glob (the UNKNOWN finding is not checked:
                 * on_unchecked warn) */
                { "{\"allowlist\": [{\"id\": \"DSA-1\", \"reason\": \"r\"}]}", "img", VERDICT_WARN, { 0 }, 2, "", "" },
                { "{\"allowlist\": [{\"id\": \"CVE-2024-1\", \"reason\": \"r\"}]}", "img", VERDICT_WARN, { 0 }, 2, "", "" },
                { "{\"allowlist\": [{\"id\": \"CVE-2024-1\", \"reason\": \"r\", \"image\": \"reg/*\"}]}", "reg/app",
                  VERDICT_WARN, { 0 }, 2, "", "" },
                { "{\"allowlist\": [{\"id\": \"CVE-2024-1\", \"reason\": \"r\", \"image\": \"reg/*\"}]}", "other/app",
                  VERDICT_DENY, { 0, 0, 0, 0, 0, 2 }, 0, "DSA-1 openssl (+1)", "" },
                { "{\"allowlist\": [{\"id\": \"CVE-2024-1\", \"reason\": \"r\", \"image\": \"reg/*\"}]}", NULL,
                  VERDICT_DENY, { 0, 0, 0, 0, 0, 2 }, 0, "DSA-1 openssl (+1)", "" },
                /* the image glob meets either spelling of a Docker Hub name */
                { "{\"allowlist\": [{\"id\": \"CVE-2024-1\", \"reason\": \"r\", \"image\": \"docker.io/library/nginx:*\"}]}",
                  "nginx:1.25", VERDICT_WARN, { 0 }, 2, "", "" },
                /* an allowlisted finding below the threshold is not "allowed": it never counted */
                { "{\"allowlist\": [{\"id\": \"CVE-2024-2\", \"reason\": \"r\"}]}", "img", VERDICT_DENY,
                  { 0, 0, 0, 0, 0, 2 }, 0, "DSA-1 openssl (+1)", "" },
                /* expiry: an expired entry adds one note per finding id, and the finding counts */
                { "{\"allowlist\": [{\"id\": \"CVE-2024-1\", \"reason\": \"fix pending\", \"expires\": \"2026-05-31\"}]}",
                  "img", VERDICT_DENY, { 0, 0, 0, 0, 0, 2 }, 0, "DSA-1 openssl (+1)",
                  "allowlist entry CVE-2024-1 expired 2026-05-31 (fix pending); DSA-1 counts again" },
                { "{\"allowlist\": [{\"id\": \"DSA-1\", \"reason\": \"r\", \"expires\": \"2026-06-01T00:00:00Z\"}]}",
                  "img", VERDICT_DENY, { 0, 0, 0, 0, 0, 2 }, 0, "DSA-1 openssl (+1)",
                  "allowlist entry DSA-1 expired 2026-06-01 (r); DSA-1 counts again" },
                { "{\"allowlist\": [{\"id\": \"DSA-1\", \"reason\": \"r\", \"expires\": \"2026-06-01T00:00:01Z\"}]}",
                  "img", VERDICT_WARN, { 0 }, 2, "", "" },
                /* unknown_as and on_unchecked: the UNKNOWN tar finding */
                { "{\"unknown_as\": \"CRITICAL\", \"allowlist\": [{\"id\": \"DSA-1\", \"reason\": \"r\"}]}", "img",
                  VERDICT_DENY, { 1, 0, 0, 0, 0 }, 2, "CVE-2024-5 tar", "" },
                { "{\"unknown_as\": \"LOW\", \"allowlist\": [{\"id\": \"DSA-1\", \"reason\": \"r\"}]}", "img",
                  VERDICT_ALLOW, { 0 }, 2, "", "" },
                { "{\"on_unchecked\": \"deny\", \"allowlist\": [{\"id\": \"DSA-1\", \"reason\": \"r\"}]}", "img",
                  VERDICT_DENY, { 0 }, 2, "", "" },
                { "{\"on_unchecked\": \"allow\", \"allowlist\": [{\"id\": \"DSA-1\", \"reason\": \"r\"}]}", "img",
                  VERDICT_ALLOW, { 0 }, 2, "", "" },
                { "{\"mode\": \"audit\", \"allowlist\": [{\"id\": \"DSA-1\", \"reason\": \"r\"}]}", "img",
                  VERDICT_AUDIT, { 0 }, 2, "", "" },
                { "{\"mode\": \"warn\", \"on_unchecked\": \"deny\", \"allowlist\": [{\"id\": \"DSA-1\", \"reason\": \"r\"}]}",
                  "img", VERDICT_WARN, { 0 }, 2, "", "" },
                /* a scope that allows what can't be checked (a static image) */
                { "{\"allowlist\": [{\"id\": \"DSA-1\", \"reason\": \"r\"}], \"scopes\": [{\"name\": \"static\", "
                  "\"match\": {\"images\": [\"img\"]}, \"on_unchecked\": \"allow\"}]}", "img", VERDICT_ALLOW, { 0 }, 2, "", "" },
                /* an unexpired entry beside an expired one: excused, no note */
                { "{\"allowlist\": [{\"id\": \"DSA-1\", \"reason\": \"old\", \"expires\": \"2020-01-01\"},"
                  " {\"id\": \"CVE-2024-1\", \"reason\": \"new\"}], \"on_unchecked\": \"allow\"}",
                  "img", VERDICT_ALLOW, { 0 }, 2, "", "" },
                /* modes, per scope */
                { "{\"scopes\": [{\"name\": \"s\", \"match\": {\"images\": [\"img\"]}, \"mode\": \"audit\"}]}", "img",
                  VERDICT_AUDIT, { 0, 0, 0, 0, 0, 2 }, 0, "DSA-1 openssl (+1)", "" },
                { "{\"mode\": \"warn\", \"severity\": \"MEDIUM\", \"allowlist\": [{\"id\": \"GHSA-3\", \"reason\": \"r\"}]}",
                  "img", VERDICT_WARN, { 0, 0, 0, 0, 1, 2 }, 1, "DSA-1 openssl (+1)|CVE-2024-2 zlib1g", "" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(policy_freep) struct policy *p = parse(rows[i].policy);
                _cleanup_(scan_result_freep) struct scan_result *res = sample();
                struct policy_context ctx = { .image = rows[i].image, .now = NOW };
                _cleanup_free_ char *worst = NULL, *notes = NULL;
                struct verdict v;
                struct error err = {};

                CHECK_MSG(p, "row %zu", i);
                if (!p)
                        continue;
                CHECK(policy_evaluate(p, &ctx, res, &v, &err) == 0);
                worst = join(v.worst);
                notes = join(v.notes);
                CHECK_MSG(v.decision == rows[i].decision, "row %zu: %s", i, verdict_decision_to_string(v.decision));
                CHECK_MSG(memcmp(v.counts, rows[i].counts, sizeof(v.counts)) == 0, "row %zu", i);
                CHECK_MSG(v.allowed == rows[i].allowed, "row %zu: allowed %zu", i, v.allowed);
                CHECK_STREQ(worst, rows[i].worst);
                CHECK_STREQ(notes, rows[i].notes);
                verdict_done(&v);
        }
}

/* A CVSS 0.0 finding is NONE: below LOW, above UNKNOWN. */
static void test_evaluate_none(void) {
        static const struct {
                const char *policy;
                size_t counted;
        } rows[] = {
                { "{\"severity\": \"LOW\"}", 1 },
                { "{\"severity\": \"NONE\"}", 2 },
                { "{\"severity\": \"none\"}", 2 },
                { "{\"severity\": \"UNKNOWN\"}", 3 },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(policy_freep) struct policy *p = parse(rows[i].policy);
                _cleanup_(scan_result_freep) struct scan_result *res = calloc(1, sizeof(*res));
                struct verdict v;

                add(res, "CVE-1", "a", "1", SEVERITY_NONE);
                add(res, "CVE-2", "b", "1", SEVERITY_LOW);
                add(res, "CVE-3", "c", "1", SEVERITY_UNKNOWN);
                CHECK_MSG(p && policy_evaluate(p, NULL, res, &v, NULL) == 0, "%s", rows[i].policy);
                CHECK_MSG(v.counts[SEVERITY_NONE] + v.counts[SEVERITY_LOW] + v.counts[SEVERITY_UNKNOWN] ==
                          rows[i].counted, "%s", rows[i].policy);
                CHECK(v.decision == VERDICT_DENY);
                verdict_done(&v);
        }
}

/* A pod's sandbox whose image has no package at all passes with nothing
 * unchecked (on_unchecked deny under enforce notwithstanding); anything
 * more in its scan, or the same image as any other container, is
 * on_unchecked's as before. */
static void test_pod_sandbox(void) {
        static const struct {
                bool sandbox;
                const char *subject;    /* the no_packages item's, or NULL: none */
                const char *more;       /* another item's kind, or NULL */
                bool finding;
                enum verdict_decision decision;
                bool passed;            /* verdict.pod_sandbox */
        } rows[] = {
                { true, UNCHECKED_SUBJECT_IMAGE, NULL, false, VERDICT_ALLOW, true },
                { false, UNCHECKED_SUBJECT_IMAGE, NULL, false, VERDICT_DENY, false },
                /* an image naming a distribution without its database: packages nobody checked */
                { true, "Debian:12", NULL, false, VERDICT_DENY, false },
                { true, UNCHECKED_SUBJECT_IMAGE, "incomplete", false, VERDICT_DENY, false },
                { true, UNCHECKED_SUBJECT_IMAGE, "image_mount", false, VERDICT_DENY, false },
                { true, UNCHECKED_SUBJECT_IMAGE, NULL, true, VERDICT_DENY, false },
                { true, NULL, NULL, false, VERDICT_ALLOW, false },
                { true, NULL, NULL, true, VERDICT_DENY, false },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(policy_freep) struct policy *p = parse("{\"on_unchecked\": \"deny\"}");
                _cleanup_(scan_result_freep) struct scan_result *res = calloc(1, sizeof(*res));
                struct policy_context ctx = { .image = "registry.k8s.io/pause:3.10", .now = NOW,
                                              .pod_sandbox = rows[i].sandbox };
                struct verdict v;

                CHECK(p && res);
                if (!p || !res)
                        continue;
                if (rows[i].subject)
                        CHECK(scan_result_add_unchecked(res, UNCHECKED_NO_PACKAGES, rows[i].subject, 0, "none") == 0);
                if (rows[i].more)
                        CHECK(scan_result_add_unchecked(res, unchecked_kind_from_string(rows[i].more), "x", 0, "x") == 0);
                if (rows[i].finding)
                        add(res, "CVE-1", "a", "1", SEVERITY_CRITICAL);
                CHECK_MSG(policy_evaluate(p, &ctx, res, &v, NULL) == 0, "row %zu", i);
                CHECK_MSG(v.decision == rows[i].decision && v.pod_sandbox == rows[i].passed &&
                                  (v.unchecked != NULL) == (rows[i].subject && !rows[i].passed),
                          "row %zu: %s, pod_sandbox %d, unchecked %s", i, verdict_decision_to_string(v.decision),
                          v.pod_sandbox, strna(v.unchecked));
                verdict_done(&v);
        }
}

/* ignore_ecosystems and ignore_paths, at the top level and per scope; an
 * ecosystem ignored leaves nothing unchecked either. */
static void test_ignore(void) {
        static const struct {
                const char *policy, *image;
                enum verdict_decision decision;
                size_t critical;
        } rows[] = {
                { "{}", "img", VERDICT_DENY, 2 },
                { "{\"ignore_ecosystems\": [\"npm\"]}", "img", VERDICT_DENY, 1 },
                /* nothing counts; the Alpine packages are not checked: on_unchecked warn */
                { "{\"ignore_ecosystems\": [\"npm\", \"Debian\"]}", "img", VERDICT_WARN, 0 },
                { "{\"ignore_ecosystems\": [\"npm\", \"Debian\", \"Alpine\"]}", "img", VERDICT_ALLOW, 0 },
                { "{\"ignore_ecosystems\": [\"Debian:11\", \"npm\"]}", "img", VERDICT_DENY, 1 },
                { "{\"ignore_paths\": [\"/usr/share/doc/*\"]}", "img", VERDICT_DENY, 1 },
                { "{\"ignore_paths\": [\"/usr/share/doc/*\", \"/var/lib/dpkg/*\"]}", "img", VERDICT_WARN, 0 },
                { "{\"scopes\": [{\"name\": \"s\", \"match\": {\"images\": [\"img\"]}, "
                  "\"ignore_ecosystems\": [\"npm\", \"Alpine\"]}]}", "img", VERDICT_DENY, 1 },
                { "{\"scopes\": [{\"name\": \"s\", \"match\": {\"images\": [\"img\"]}, "
                  "\"ignore_ecosystems\": [\"npm\", \"Alpine\"]}]}", "other", VERDICT_DENY, 2 },
        };
        static char *aliases[] = { NULL };
        struct finding f[] = {
                { .id = "DSA-1", .aliases = aliases, .package = "openssl", .ecosystem = "Debian:12",
                  .path = "/var/lib/dpkg/status", .fixed_version = "3.0.1", .severity = SEVERITY_CRITICAL },
                { .id = "GHSA-1", .aliases = aliases, .package = "minimist", .ecosystem = "npm",
                  .path = "/usr/share/doc/node/node_modules/minimist/package.json", .severity = SEVERITY_CRITICAL },
        };
        struct unchecked u = { .kind = UNCHECKED_NO_DATA, .subject = "Alpine:v3.11", .packages = 3, .reason = "r" };
        struct scan_result res = { .findings = f, .n_findings = ELEMENTSOF(f), .unchecked = &u, .n_unchecked = 1 };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(policy_freep) struct policy *p = parse(rows[i].policy);
                struct policy_context ctx = { .image = rows[i].image, .now = NOW };
                struct verdict v;

                CHECK_MSG(p && policy_evaluate(p, &ctx, &res, &v, NULL) == 0, "row %zu", i);
                if (!p)
                        continue;
                CHECK_MSG(v.decision == rows[i].decision && v.counts[SEVERITY_CRITICAL] == rows[i].critical,
                          "row %zu: %s, %zu CRITICAL", i, verdict_decision_to_string(v.decision),
                          v.counts[SEVERITY_CRITICAL]);
                /* the Alpine items are not checked unless the scope ignores Alpine */
                CHECK_MSG(!!v.unchecked == !strstr(rows[i].policy, "Alpine") || streq_ptr(rows[i].image, "other"),
                          "row %zu: unchecked %s", i, strna(v.unchecked));
                verdict_done(&v);
        }
}

/* block_kev and min_epss: a finding in KEV or at/above the EPSS bar counts
 * whatever its severity (UNKNOWN too), named in a note; the mode decides;
 * ignore_unfixed and the allowlist still apply.  Where the UNKNOWN finding
 * does not count, it is not checked: on_unchecked warn. */
static void test_exploit(void) {
        static const struct {
                const char *policy;
                enum verdict_decision decision;
                size_t exploited;
                const char *note;       /* a note that must be there, or NULL for none */
        } rows[] = {
                { "{}", VERDICT_WARN, 0, NULL },
                { "{\"block_kev\": false}", VERDICT_WARN, 0, NULL },
                { "{\"block_kev\": true}", VERDICT_DENY, 1, "CVE-2021-44228 is in CISA KEV (block_kev): DSA-1 openssl" },
                { "{\"block_kev\": true, \"mode\": \"warn\"}", VERDICT_WARN, 1, "is in CISA KEV" },
                { "{\"block_kev\": true, \"mode\": \"audit\"}", VERDICT_AUDIT, 1, "is in CISA KEV" },
                { "{\"block_kev\": true, \"ignore_unfixed\": true}", VERDICT_WARN, 0, NULL },
                /* an allowlist entry still excuses it, but not in silence (it may
                 * have been written before the CVE was known to be exploited) */
                { "{\"block_kev\": true, \"allowlist\": [{\"id\": \"CVE-2021-44228\", \"reason\": \"r\"}]}",
                  VERDICT_WARN, 0, "CVE-2021-44228 is in CISA KEV (block_kev): DSA-1 openssl is excused by allowlist "
                  "entry CVE-2021-44228 (r) all the same: review the entry" },
                { "{\"min_epss\": 0.5, \"allowlist\": [{\"id\": \"GHSA-2\", \"reason\": \"r\"}]}", VERDICT_ALLOW, 0,
                  "CVE-2024-2 has EPSS 0.6, at or above min_epss 0.5: GHSA-2 minimist is excused by allowlist entry "
                  "GHSA-2 (r) all the same: review the entry" },
                /* the UNKNOWN one (EPSS 0.6) counts at 0.5, not at 0.7 */
                { "{\"min_epss\": 0.5}", VERDICT_DENY, 1, "CVE-2024-2 has EPSS 0.6, at or above min_epss 0.5: GHSA-2" },
                { "{\"min_epss\": 0.7}", VERDICT_WARN, 0, NULL },
                { "{\"min_epss\": 0.01, \"block_kev\": true}", VERDICT_DENY, 2, "is in CISA KEV" },
                /* a scope sets it for its images only */
                { "{\"scopes\": [{\"name\": \"s\", \"match\": {\"images\": [\"img\"]}, \"block_kev\": true}]}",
                  VERDICT_DENY, 1, "is in CISA KEV" },
                { "{\"scopes\": [{\"name\": \"s\", \"match\": {\"images\": [\"other\"]}, \"block_kev\": true}]}",
                  VERDICT_WARN, 0, NULL },
                /* at or above the threshold anyway: counted, named, not "only exploited" */
                { "{\"block_kev\": true, \"severity\": \"LOW\", \"unknown_as\": \"LOW\"}", VERDICT_DENY, 0,
                  "is in CISA KEV" },
        };
        static char *kev_aliases[] = { "CVE-2021-44228", NULL }, *aliases[] = { "CVE-2024-2", NULL };
        struct finding f[] = {
                { .id = "DSA-1", .aliases = kev_aliases, .package = "openssl", .ecosystem = "Debian:12",
                  .severity = SEVERITY_LOW, .kev = true, .epss = 0.01, .epss_percentile = 0.2 },
                { .id = "GHSA-2", .aliases = aliases, .package = "minimist", .ecosystem = "npm",
                  .severity = SEVERITY_UNKNOWN, .fixed_version = "1.2.6", .epss = 0.6, .epss_percentile = 0.98 },
                { .id = "GHSA-3", .aliases = NULL, .package = "lodash", .ecosystem = "npm",
                  .severity = SEVERITY_MEDIUM, .epss = -1, .epss_percentile = -1 },
        };
        struct scan_result res = { .findings = f, .n_findings = ELEMENTSOF(f) };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(policy_freep) struct policy *p = parse(rows[i].policy);
                struct policy_context ctx = { .image = "img", .now = NOW };
                bool noted = false;
                struct verdict v;

                CHECK_MSG(p && policy_evaluate(p, &ctx, &res, &v, NULL) == 0, "row %zu", i);
                if (!p)
                        continue;
                for (char **n = v.notes; n && *n; n++)
                        noted = noted || (rows[i].note && strstr(*n, rows[i].note));
                CHECK_MSG(v.decision == rows[i].decision && v.exploited == rows[i].exploited &&
                                  (rows[i].note ? noted : !v.notes),
                          "row %zu: %s, %zu exploited, note %s", i, verdict_decision_to_string(v.decision), v.exploited,
                          v.notes ? v.notes[0] : "(none)");
                verdict_done(&v);
        }
}

/* block_kev / min_epss with a DB that holds no KEV / EPSS data: a finding
 * with a CVE that only they could make count was not checked against
 * them, and on_unchecked decides; one that counts anyway, is excused or
 * could not count (ignore_unfixed, no CVE) is not said. */
static void test_exploit_no_data(void) {
        static const struct {
                const char *policy;
                bool no_kev, no_epss;
                enum verdict_decision decision;
                size_t kev, epss;       /* kev_unchecked, epss_unchecked */
                const char *unchecked;  /* in verdict.unchecked, or NULL */
        } rows[] = {
                { "{\"block_kev\": true}", false, false, VERDICT_WARN, 0, 0, NULL },
                { "{\"block_kev\": true}", true, false, VERDICT_WARN, 1, 0,
                  "block_kev: 1 finding below CRITICAL not checked against CISA KEV: the vulnerability database has "
                  "no KEV catalogue" },
                { "{\"block_kev\": true, \"on_unchecked\": \"deny\", \"unknown_as\": \"LOW\"}", true, true,
                  VERDICT_DENY, 2, 0, "block_kev: 2 findings below CRITICAL" },
                { "{}", true, true, VERDICT_WARN, 0, 0, NULL },
                { "{\"block_kev\": true, \"ignore_unfixed\": true, \"unknown_as\": \"LOW\"}", true, false,
                  VERDICT_WARN, 1, 0, NULL },
                { "{\"block_kev\": true, \"allowlist\": [{\"id\": \"CVE-2021-44228\", \"reason\": \"r\"}]}", true,
                  false, VERDICT_WARN, 0, 0, NULL },
                { "{\"min_epss\": 0.5, \"unknown_as\": \"LOW\"}", true, false, VERDICT_ALLOW, 0, 0, NULL },
                { "{\"min_epss\": 0.5, \"unknown_as\": \"LOW\"}", false, true, VERDICT_WARN, 0, 2,
                  "min_epss: 2 findings below CRITICAL not checked against EPSS" },
                { "{\"block_kev\": true, \"severity\": \"LOW\", \"unknown_as\": \"LOW\"}", true, true,
                  VERDICT_DENY, 0, 0, NULL },
                { "{\"scopes\": [{\"name\": \"s\", \"match\": {\"images\": [\"other\"]}, \"block_kev\": true}]}",
                  true, true, VERDICT_WARN, 0, 0, NULL },
        };
        static char *kev_aliases[] = { "CVE-2021-44228", NULL }, *aliases[] = { "CVE-2024-2", NULL };
        struct finding f[] = {
                { .id = "DSA-1", .aliases = kev_aliases, .package = "openssl", .ecosystem = "Debian:12",
                  .severity = SEVERITY_LOW, .epss = -1, .epss_percentile = -1 },
                { .id = "GHSA-2", .aliases = aliases, .package = "minimist", .ecosystem = "npm",
                  .severity = SEVERITY_UNKNOWN, .fixed_version = "1.2.6", .epss = -1, .epss_percentile = -1 },
                { .id = "GHSA-3", .package = "lodash", .ecosystem = "npm", .severity = SEVERITY_MEDIUM, .epss = -1,
                  .epss_percentile = -1 },
        };
        struct scan_result res = { .findings = f, .n_findings = ELEMENTSOF(f) };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(policy_freep) struct policy *p = parse(rows[i].policy);
                struct policy_context ctx = { .image = "img", .now = NOW, .no_kev_data = rows[i].no_kev,
                                              .no_epss_data = rows[i].no_epss };
                struct verdict v;

                CHECK_MSG(p && policy_evaluate(p, &ctx, &res, &v, NULL) == 0, "row %zu", i);
                if (!p)
                        continue;
                CHECK_MSG(v.decision == rows[i].decision && v.kev_unchecked == rows[i].kev &&
                                  v.epss_unchecked == rows[i].epss &&
                                  (!rows[i].unchecked || (v.unchecked && strstr(v.unchecked, rows[i].unchecked))) &&
                                  (rows[i].kev || rows[i].epss || !v.unchecked || !strstr(v.unchecked, "not checked against")),
                          "row %zu: %s, kev %zu, epss %zu, unchecked %s", i, verdict_decision_to_string(v.decision),
                          v.kev_unchecked, v.epss_unchecked, strna(v.unchecked));
                verdict_done(&v);
        }
}

/* An advisory covering several CVEs (a DSA): an allowlist entry naming
 * one of them excuses the finding, as documented, with a note naming the
 * CVEs it did not name (once per advisory, not per package); KEV and EPSS
 * notes name the CVE the data is of, or all when the scan did not carry
 * it (a scan read back from the analysis child or the cache).  Folded into
 * each of its CVEs' findings (match.c "one vulnerability, one finding"),
 * the advisory is a name of each, as a GHSA is of its PYSEC's: an entry
 * naming it excuses what it names, nothing more, and has nothing to say. */
static void test_multi_cve(void) {
        static const struct {
                const char *policy;
                const char *kev_cve, *epss_cve;
                enum verdict_decision decision;
                size_t allowed;
                const char *notes;
                bool folded;
        } rows[] = {
                { "{\"severity\": \"LOW\", \"allowlist\": [{\"id\": \"CVE-2099-1001\", \"reason\": \"r\"}]}", NULL,
                  NULL, VERDICT_ALLOW, 2,
                  "allowlist entry CVE-2099-1001 excuses DSA-9001-1, which also covers CVE-2099-1002" },
                { "{\"severity\": \"LOW\", \"allowlist\": [{\"id\": \"CVE-2099-1002\", \"reason\": \"r\"}]}", NULL,
                  NULL, VERDICT_ALLOW, 2,
                  "allowlist entry CVE-2099-1002 excuses DSA-9001-1, which also covers CVE-2099-1001" },
                /* the advisory itself: meant as a whole, nothing to say */
                { "{\"severity\": \"LOW\", \"allowlist\": [{\"id\": \"DSA-9001-1\", \"reason\": \"r\"}]}", NULL, NULL,
                  VERDICT_ALLOW, 2, "" },
                { "{\"severity\": \"HIGH\", \"block_kev\": true}", "CVE-2099-1002", NULL, VERDICT_DENY, 0,
                  "CVE-2099-1002 is in CISA KEV (block_kev): DSA-9001-1 perl-base counts whatever its severity|"
                  "CVE-2099-1002 is in CISA KEV (block_kev): DSA-9001-1 perl counts whatever its severity" },
                { "{\"severity\": \"HIGH\", \"block_kev\": true}", NULL, NULL, VERDICT_DENY, 0,
                  "one of CVE-2099-1001, CVE-2099-1002 is in CISA KEV (block_kev): DSA-9001-1 perl-base counts "
                  "whatever its severity|one of CVE-2099-1001, CVE-2099-1002 is in CISA KEV (block_kev): DSA-9001-1 "
                  "perl counts whatever its severity" },
                { "{\"severity\": \"HIGH\", \"min_epss\": 0.5}", NULL, "CVE-2099-1002", VERDICT_DENY, 0,
                  "CVE-2099-1002 has EPSS 0.95, at or above min_epss 0.5: DSA-9001-1 perl-base counts whatever its "
                  "severity|CVE-2099-1002 has EPSS 0.95, at or above min_epss 0.5: DSA-9001-1 perl counts whatever "
                  "its severity" },
                { "{\"severity\": \"LOW\", \"allowlist\": [{\"id\": \"DSA-9001-1\", \"reason\": \"r\"}]}", NULL, NULL,
                  VERDICT_DENY, 2, "", true },
                { "{\"severity\": \"LOW\", \"allowlist\": [{\"id\": \"GHSA-aaaa-bbbb-cccc\", \"reason\": \"r\"}]}", NULL,
                  NULL, VERDICT_DENY, 1, "", true },
                { "{\"severity\": \"LOW\", \"allowlist\": [{\"id\": \"CVE-2099-1001\", \"reason\": \"r\"}]}", NULL,
                  NULL, VERDICT_DENY, 1, "", true },
                /* ids as people type them: in any case (it matched nothing,
                 * and the finding blocked without a word) */
                { "{\"severity\": \"LOW\", \"allowlist\": [{\"id\": \"cve-2099-1001\", \"reason\": \"r\"}]}", NULL,
                  NULL, VERDICT_ALLOW, 2,
                  "allowlist entry cve-2099-1001 excuses DSA-9001-1, which also covers CVE-2099-1002" },
                { "{\"severity\": \"LOW\", \"allowlist\": [{\"id\": \"dsa-9001-1\", \"reason\": \"r\"}]}", NULL, NULL,
                  VERDICT_ALLOW, 2, "" },
                { "{\"severity\": \"LOW\", \"allowlist\": [{\"id\": \"GHSA-AAAA-BBBB-CCCC\", \"reason\": \"r\"}]}", NULL,
                  NULL, VERDICT_DENY, 1, "", true },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(policy_freep) struct policy *p = parse(rows[i].policy);
                _cleanup_(scan_result_freep) struct scan_result *res = calloc(1, sizeof(*res));
                struct policy_context ctx = { .image = "img", .now = NOW };
                _cleanup_free_ char *notes = NULL;
                struct verdict v;

                if (rows[i].folded) {
                        add(res, "DEBIAN-CVE-2099-1001,CVE-2099-1001,DSA-9001-1", "perl-base", "5.36.0-8", SEVERITY_LOW);
                        add(res, "DEBIAN-CVE-2099-1002,CVE-2099-1002,DSA-9001-1", "perl-base", "5.36.0-8", SEVERITY_LOW);
                        add(res, "PYSEC-2099-1,CVE-2099-1003,GHSA-aaaa-bbbb-cccc", "pyyaml", "6.0.1", SEVERITY_LOW);
                } else {
                        add(res, "DSA-9001-1,CVE-2099-1001,CVE-2099-1002,CVE-2099-1001", "perl-base", "5.36.0-8",
                            SEVERITY_LOW);
                        add(res, "DSA-9001-1,CVE-2099-1001,CVE-2099-1002,CVE-2099-1001", "perl", "5.36.0-8",
                            SEVERITY_LOW);
                }
                for (size_t k = 0; k < res->n_findings; k++) {
                        struct finding *f = &res->findings[k];

                        f->kev = true;
                        f->epss = 0.95;
                        f->epss_percentile = 0.999;
                        f->kev_cve = rows[i].kev_cve ? strdup(rows[i].kev_cve) : NULL;
                        f->epss_cve = rows[i].epss_cve ? strdup(rows[i].epss_cve) : NULL;
                }
                CHECK_MSG(p && policy_evaluate(p, &ctx, res, &v, NULL) == 0, "row %zu", i);
                if (!p)
                        continue;
                notes = join(v.notes);
                CHECK_MSG(v.decision == rows[i].decision && v.allowed == rows[i].allowed, "row %zu: %s, %zu allowed",
                          i, verdict_decision_to_string(v.decision), v.allowed);
                CHECK_STREQ(notes, rows[i].notes);
                verdict_done(&v);
        }
}

/* ignore_unfixed and records of one CVE that say different fixes (not
 * folded): the one without a fix, here the CRITICAL, still counts when
 * another record of the same package fixes its CVE (it was dropped, and
 * the CVE counted as the fixed record's LOW), said in a note; not when
 * the fix is another package's, another version's or another CVE's. */
static void test_fix_elsewhere(void) {
        static const struct {
                const char *other_pkg, *other_ids, *other_version;
                enum verdict_decision decision;
                const char *notes;
        } rows[] = {
                { "requests", "GHSA-aaaa-bbbb-cccc,CVE-2099-2001", "2.0.0", VERDICT_DENY,
                  "PYSEC-2099-1 (requests 2.0.0) has no fixed version, but GHSA-aaaa-bbbb-cccc, of the same "
                  "CVE-2099-2001, is fixed in 2.1.0: it counts under ignore_unfixed" },
                { "urllib3", "GHSA-aaaa-bbbb-cccc,CVE-2099-2001", "2.0.0", VERDICT_ALLOW, "" },
                { "requests", "GHSA-aaaa-bbbb-cccc,CVE-2099-2001", "2.0.1", VERDICT_ALLOW, "" },
                { "requests", "GHSA-aaaa-bbbb-cccc,CVE-2099-2002", "2.0.0", VERDICT_ALLOW, "" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(policy_freep) struct policy *p = parse("{\"severity\": \"HIGH\", \"ignore_unfixed\": true}");
                _cleanup_(scan_result_freep) struct scan_result *res = calloc(1, sizeof(*res));
                struct policy_context ctx = { .image = "img", .now = NOW };
                _cleanup_free_ char *notes = NULL;
                struct verdict v;

                add(res, "PYSEC-2099-1,CVE-2099-2001", "requests", NULL, SEVERITY_CRITICAL);
                add(res, rows[i].other_ids, rows[i].other_pkg, "2.1.0", SEVERITY_LOW);
                free(res->findings[0].installed_version);
                res->findings[0].installed_version = strdup("2.0.0");
                free(res->findings[1].installed_version);
                res->findings[1].installed_version = strdup(rows[i].other_version);
                CHECK_MSG(p && policy_evaluate(p, &ctx, res, &v, NULL) == 0, "row %zu", i);
                if (!p)
                        continue;
                notes = join(v.notes);
                CHECK_MSG(v.decision == rows[i].decision, "row %zu: %s", i, verdict_decision_to_string(v.decision));
                CHECK_MSG(v.counts[SEVERITY_CRITICAL] == (rows[i].decision == VERDICT_DENY), "row %zu", i);
                CHECK_STREQ(notes, rows[i].notes);
                verdict_done(&v);
        }
}

static void test_evaluate_worst_cap(void) {
        _cleanup_(policy_freep) struct policy *p = parse("{\"severity\": \"LOW\", \"scopes\": [{\"name\": \"n\", "
                                                         "\"match\": {\"namespaces\": [\"x\"]}}]}");
        _cleanup_(scan_result_freep) struct scan_result *res = calloc(1, sizeof(*res));
        struct policy_context ctx = { .namespace = "x", .now = NOW };
        _cleanup_free_ char *worst = NULL;
        struct verdict v;
        char id[32], pkg[32];

        for (int i = 0; i < 8; i++) {
                snprintf(id, sizeof(id), "CVE-%d", i);
                snprintf(pkg, sizeof(pkg), "p%d", i);
                add(res, id, pkg, "1", i < 4 ? SEVERITY_HIGH : SEVERITY_LOW);
        }
        add(res, "CVE-1", "q", "1", SEVERITY_LOW);        /* same id later, lower: named as (+1) */
        add(res, "CVE-7", "q", "1", SEVERITY_LOW);        /* beyond the cap: not named */
        CHECK(p && policy_evaluate(p, &ctx, res, &v, NULL) == 0);
        worst = join(v.worst);
        CHECK(strv_length(v.worst) == POLICY_WORST_MAX);
        CHECK_STREQ(worst, "CVE-0 p0|CVE-1 p1 (+1)|CVE-2 p2|CVE-3 p3|CVE-4 p4");
        CHECK(v.counts[SEVERITY_HIGH] == 4 && v.counts[SEVERITY_LOW] == 6 && v.decision == VERDICT_DENY);
        CHECK_STREQ(v.scope, "n");
        verdict_done(&v);
        verdict_done(&v);       /* idempotent */

        /* no findings at all, and a NULL result */
        CHECK(policy_evaluate(p, &ctx, NULL, &v, NULL) == 0 && v.decision == VERDICT_ALLOW && !v.worst);
        verdict_done(&v);
}

static void test_describe(void) {
        static const char json[] =
                "{\"mode\": \"warn\", \"severity\": \"MEDIUM\", \"on_error\": \"deny\", \"deadline_ms\": 5000,\n"
                " \"scopes\": [{\"name\": \"prod\", \"match\": {\"namespaces\": [\"prod-*\", \"production\"], "
                "\"annotations\": {\"team\": \"pay*\"}}, \"mode\": \"enforce\", \"severity\": \"HIGH\"},\n"
                "  {\"name\": \"all\", \"match\": {}, \"mode\": \"audit\", \"severity\": \"UNKNOWN\", "
                "\"ignore_unfixed\": true}],\n"
                " \"allowlist\": [{\"id\": \"CVE-1\", \"reason\": \"not reachable\", \"expires\": \"2026-06-11\", "
                "\"image\": \"reg/*\"},\n"
                "  {\"id\": \"CVE-2\", \"reason\": \"old\", \"expires\": \"2026-01-01T10:00:00Z\"},\n"
                "  {\"id\": \"CVE-3\", \"reason\": \"forever\"}]}\n";
        static const char *const want[] = {
                "Policy p.json (sha256 ",
                "Default rule (no scope applies):\n  warn: let it start with a warning when a finding of severity "
                "MEDIUM or above counts (fixed or not); a finding of UNKNOWN severity is not checked (unknown_as "
                "unchecked); what can't be checked: start with a warning (on_unchecked warn)\n",
                "  1. prod: applies to namespace prod-* or production, and annotation team=pay*\n"
                "     enforce: block the container when a finding of severity HIGH or above counts (fixed or not); "
                "a finding of UNKNOWN severity is not checked (unknown_as unchecked); what can't be checked: start "
                "with a warning (on_unchecked warn); from the top level: ignore_unfixed, ignore_ecosystems, ignore_paths, on_unchecked, unknown_as\n",
                "  2. all: applies to every container (the match is empty); scopes after it never apply\n"
                "     audit: only record it when a finding of any severity has a fixed version; what can't be "
                "checked: start with a warning (on_unchecked warn); from the top level: ignore_ecosystems, ignore_paths, on_unchecked, unknown_as\n",
                "  CVE-1 for images reg/*: until 2026-06-11 (10 days left)\n     reason: not reachable\n",
                "  CVE-2 for any image: EXPIRED 2026-01-01T10:00:00Z, no longer applies\n     reason: old\n",
                "  CVE-3 for any image: never expires\n",
                "When the analysis fails: deny the container.\n"
                "Deadline: 5000 ms for the whole decision; when it passes: allow the container.\n",
        };
        _cleanup_(policy_freep) struct policy *p = parse(json);
        _cleanup_free_ char *text = NULL;

        CHECK(p && policy_describe_at(p, NOW, &text, NULL) == 0);
        for (size_t i = 0; text && i < ELEMENTSOF(want); i++)
                CHECK_MSG(strstr(text, want[i]), "missing:\n%s\nin:\n%s", want[i], text);

        _cleanup_(policy_freep) struct policy *d = parse("{\"on_unchecked\": \"deny\"}");
        _cleanup_free_ char *dtext = NULL;

        CHECK(d && policy_describe_at(d, NOW, &dtext, NULL) == 0);
        CHECK_MSG(dtext && strstr(dtext, "what can't be checked: counts like a finding (on_unchecked deny), and so "
                                         "does an image whose content makes the analysis fail"), "%s", dtext);
        CHECK(!strstr(text, "Warning: deadline_ms") && !strstr(dtext, "Warning: deadline_ms"));

        /* a deadline the runtime's hook timeout (30 s) cuts short: said */
        _cleanup_(policy_freep) struct policy *l = parse("{\"deadline_ms\": 30000}");
        _cleanup_free_ char *ltext = NULL;

        CHECK(l && policy_describe_at(l, NOW, &ltext, NULL) == 0);
        CHECK_MSG(ltext && strstr(ltext, "Warning: deadline_ms 30000 is not below the 30 s the runtime gives the hook "
                                         "(the \"timeout\" of the hook entries portcullis install and the containerd "
                                         "shim write): a decision that takes that long is killed by the runtime, the "
                                         "start fails without an audit line, and on_timeout never applies; set "
                                         "deadline_ms below 30000.\n"), "%s", ltext);
        CHECK(!strstr(text, "has no tag"));

        /* an image glob with no tag, digest or wildcard matches only the
         * untagged name: said, for scopes and allowlist entries */
        _cleanup_(policy_freep) struct policy *u = parse(
                "{\"scopes\": [{\"name\": \"s\", \"match\": {\"images\": [\"localhost:5000/app\", \"reg/b:*\", "
                "\"reg/c@sha256:*\", \"reg/d*\"]}}], \"allowlist\": [{\"id\": \"CVE-1\", \"reason\": \"r\", "
                "\"image\": \"nginx\"}, {\"id\": \"CVE-2\", \"reason\": \"r\", \"image\": \"nginx:1.25\"}]}");
        _cleanup_free_ char *utext = NULL;
        size_t n_untagged;

        CHECK(u && policy_describe_at(u, NOW, &utext, NULL) == 0);
        CHECK_MSG(utext && strstr(utext, "\n     Warning: the image glob 'localhost:5000/app' has no tag, digest or "
                                         "wildcard: it matches only the name written without a tag, not "
                                         "localhost:5000/app:1.0 nor localhost:5000/app@sha256:...; write "
                                         "'localhost:5000/app:*' (any tag) or 'localhost:5000/app*'\n") &&
                  strstr(utext, "Warning: the image glob 'nginx' has no tag"), "%s", utext);
        n_untagged = 0;
        for (const char *w = utext; w && (w = strstr(w, "has no tag")); w++)
                n_untagged++;
        CHECK_MSG(n_untagged == 2, "%zu warnings: %s", n_untagged, utext);
}

/* enforce_from: enforce is warn until that moment (a date: midnight UTC),
 * in select, evaluate and describe; errors where it could never apply. */
static void test_enforce_from(void) {
        static const char json[] =
                "{\"mode\": \"enforce\", \"enforce_from\": \"2026-06-15\",\n"
                " \"scopes\": [{\"name\": \"dev\", \"match\": {\"namespaces\": [\"dev\"]}, \"mode\": \"audit\"},\n"
                "  {\"name\": \"pay\", \"match\": {\"namespaces\": [\"pay\"]}, \"enforce_from\": \"2026-06-01T12:00:00+02:00\"},\n"
                "  {\"name\": \"rest\", \"match\": {\"namespaces\": [\"rest\"]}, \"severity\": \"HIGH\"}]}\n";
        static const struct {
                const char *ns;
                time_t now;
                enum policy_mode mode;
                bool pending;
                time_t from;
        } rows[] = {
                /* 2026-06-15T00:00:00Z = NOW + 14 days */
                { NULL, NOW, POLICY_WARN, true, NOW + 14 * 86400 },
                { NULL, NOW + 14 * 86400 - 1, POLICY_WARN, true, NOW + 14 * 86400 },
                { NULL, NOW + 14 * 86400, POLICY_ENFORCE, false, NOW + 14 * 86400 },
                { NULL, NOW + 400 * 86400, POLICY_ENFORCE, false, NOW + 14 * 86400 },
                /* a scope with its own mode audit drops the inherited date */
                { "dev", NOW, POLICY_AUDIT, false, 0 },
                /* its own date: 2026-06-01T10:00:00Z */
                { "pay", NOW + 10 * 3600 - 1, POLICY_WARN, true, NOW + 10 * 3600 },
                { "pay", NOW + 10 * 3600, POLICY_ENFORCE, false, NOW + 10 * 3600 },
                /* inherited */
                { "rest", NOW, POLICY_WARN, true, NOW + 14 * 86400 },
        };
        static const struct {
                const char *json, *msg;
        } errors[] = {
                { "{\"mode\": \"warn\", \"enforce_from\": \"2027-01-15\"}",
                  "p.json:1:18: 'enforce_from' in the policy needs mode enforce, but the mode is warn; set \"mode\": "
                  "\"enforce\" or remove enforce_from" },
                { "{\"mode\": \"audit\", \"scopes\": [{\"name\": \"s\", \"enforce_from\": \"2027-01-15\"}]}",
                  "p.json:1:44: 'enforce_from' in scope 's' needs mode enforce, but the mode is audit (from the top "
                  "level); set \"mode\": \"enforce\" or remove enforce_from" },
                { "{\"enforce_from\": \"2027-13-01\"}",
                  "p.json:1:2: 'enforce_from' in the policy must be a date (2027-01-15, midnight UTC) or an RFC 3339 "
                  "time (2027-01-15T08:00:00Z), not '2027-13-01'" },
                { "{\"enforce_from\": \"15.01.2027\"}",
                  "p.json:1:2: 'enforce_from' in the policy must be a date (2027-01-15, midnight UTC) or an RFC 3339 "
                  "time (2027-01-15T08:00:00Z), not '15.01.2027'" },
                { "{\"enforce_from\": 20270115}", "p.json:1:2: 'enforce_from' in the policy must be a string" },
        };
        _cleanup_(policy_freep) struct policy *p = parse(json);
        _cleanup_free_ char *before = NULL, *after = NULL;
        struct finding f = { .id = (char *) "CVE-1", .package = (char *) "openssl", .severity = SEVERITY_CRITICAL,
                             .fixed_version = (char *) "1.1", .cvss_score = -1, .epss = -1 };
        struct scan_result res = { .findings = &f, .n_findings = 1 };

        CHECK(p);
        for (size_t i = 0; p && i < ELEMENTSOF(rows); i++) {
                struct policy_context ctx = { .namespace = rows[i].ns, .now = rows[i].now };
                struct policy_rule rule;
                struct verdict v = {};

                (void) policy_select(p, &ctx, &rule);
                CHECK_MSG(rule.mode == rows[i].mode && rule.enforce_pending == rows[i].pending &&
                          rule.enforce_from == rows[i].from, "row %zu: mode %d pending %d from %lld", i, rule.mode,
                          rule.enforce_pending, (long long) rule.enforce_from);
                CHECK(policy_evaluate(p, &ctx, &res, &v, NULL) == 0);
                CHECK_MSG(v.decision == (rows[i].mode == POLICY_ENFORCE ? VERDICT_DENY
                                         : rows[i].mode == POLICY_WARN ? VERDICT_WARN : VERDICT_AUDIT),
                          "row %zu: decision %d", i, v.decision);
                verdict_done(&v);
        }
        for (size_t i = 0; i < ELEMENTSOF(errors); i++) {
                struct policy *q = NULL;
                struct error err = {};

                CHECK(policy_parse(errors[i].json, strlen(errors[i].json), "p.json", &q, &err) < 0 && !q);
                CHECK_MSG(strcmp(err.msg, errors[i].msg) == 0, "row %zu:\n got  %s\n want %s", i, err.msg,
                          errors[i].msg);
        }
        CHECK(p && policy_describe_at(p, NOW, &before, NULL) == 0);
        CHECK_MSG(before && strstr(before, "\n  schedule: warn until 2026-06-15 (14 days from now), enforced from "
                                   "2026-06-15 on (enforce_from); now: warn\n"), "%s", before);
        CHECK_MSG(before && strstr(before, "from the top level: mode, ignore_unfixed, ignore_ecosystems, ignore_paths, "
                                   "on_unchecked, unknown_as, enforce_from\n     schedule: warn until 2026-06-15"),
                  "%s", before);
        CHECK_MSG(before && strstr(before, "schedule: warn until 2026-06-01T10:00:00Z (1 day from now)"), "%s", before);
        CHECK(p && policy_describe_at(p, NOW + 20 * 86400, &after, NULL) == 0);
        CHECK_MSG(after && strstr(after, "\n  schedule: enforced from 2026-06-15 (enforce_from; that date has passed); "
                                  "now: enforce\n"), "%s", after);
}

/* The shipped examples load, and `portcullis policy check` agrees. */
static int run(const char *cmd, char *out, size_t size) {
        FILE *f = popen(cmd, "r");
        size_t n;
        int status;

        if (!f)
                return -1;
        n = fread(out, 1, size - 1, f);
        out[n] = '\0';
        status = pclose(f);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_examples(void) {
        const char *root = getenv("PC_SOURCE_ROOT"), *bin = getenv("PORTCULLIS");
        const char *bad = test_path(test_tmpdir(), "bad.json");
        _cleanup_(config_freep) struct config *c = NULL;
        struct error err = {};
        char cmd[8192], out[8192];
        glob_t g = {};

        if (!root) {
                fprintf(stderr, "skip examples: PC_SOURCE_ROOT not set\n");
                return;
        }
        CHECK(glob(test_path(root, "config/policy*.json"), 0, NULL, &g) == 0 && g.gl_pathc >= 2);
        for (size_t i = 0; i < g.gl_pathc; i++) {
                _cleanup_(policy_freep) struct policy *p = NULL;

                CHECK_MSG(policy_load(g.gl_pathv[i], &p, &err) == 0, "%s", err.msg);
                if (!bin || access(bin, X_OK) < 0)
                        continue;
                snprintf(cmd, sizeof(cmd), "'%s' policy check '%s' 2>&1", bin, g.gl_pathv[i]);
                CHECK_MSG(run(cmd, out, sizeof(out)) == 0, "%s: %s", cmd, out);
                CHECK(strstr(out, "Default rule"));
        }
        globfree(&g);
        CHECK_MSG(config_load(test_path(root, "config/config.json"), true, &c, &err) == 0, "%s", err.msg);

        if (!bin || access(bin, X_OK) < 0)
                return;
        test_write_file(bad, "{\n  \"mode\": \"enforce\",\n  \"severty\": \"HIGH\"\n}\n");
        snprintf(cmd, sizeof(cmd), "'%s' policy check '%s' 2>&1", bin, bad);
        CHECK(run(cmd, out, sizeof(out)) == 2);
        CHECK(strstr(out, "bad.json:3:3: unknown key 'severty' in the policy"));
        snprintf(cmd, sizeof(cmd), "'%s' policy check 2>&1", bin);
        CHECK(run(cmd, out, sizeof(out)) == 2);
        snprintf(cmd, sizeof(cmd), "'%s' policy check /nonexistent/p.json 2>&1", bin);
        CHECK(run(cmd, out, sizeof(out)) == 2 && strstr(out, "/nonexistent/p.json"));
}

/* Every error of a file, not only the first (policy check). */
static void test_all_errors(void) {
        static const char json[] = "{\"mode\": \"block\",\n"
                                   " \"allowlist\": [{\"id\": \"A\"}, {\"id\": \"B\", \"reason\": \"r\"}],\n"
                                   " \"scopes\": [{\"name\": \"s\", \"severity\": \"SEVERE\"}],\n"
                                   " \"deadline_ms\": -1}";
        struct policy *p = NULL;
        char **errors = NULL;
        struct error err = {};
        int r = policy_parse_all(json, strlen(json), "p.json", &p, &errors, &err);

        CHECK(r == -EINVAL && !p);
        CHECK(errors && strv_length(errors) == 4);
        CHECK(errors && strncmp(errors[0], "p.json:1:2: 'mode'", 18) == 0);
        CHECK_MSG(strstr(err.msg, "(and more errors: see 'portcullis policy check')"), "%s", err.msg);
        for (char **e = errors; e && *e; e++)
                CHECK_MSG(strncmp(*e, "p.json:", 7) == 0, "%s", *e);
        CHECK(errors && strstr(errors[1], "needs a 'reason'"));       /* in the file's order */
        CHECK(errors && strstr(errors[2], "scope 's'"));
        CHECK(errors && strstr(errors[3], "deadline_ms"));
        strv_free(errors);
        /* a top-level key is placed at its own position, not at the same
         * name nested earlier */
        errors = NULL;
        r = policy_parse_all("{\"scopes\": [{\"match\": {\"moed\": 1}}], \"moed\": 1}", 47, "p.json", &p, &errors,
                             &err);
        CHECK(r == -EINVAL && errors && strv_length(errors) == 2);
        CHECK_MSG(errors && strncmp(errors[1], "p.json:1:38: unknown key 'moed' in the policy", 45) == 0, "%s",
                  errors ? errors[1] : "");
        strv_free(errors);
        /* one error: no list needed, no "more" */
        errors = NULL;
        r = policy_parse_all("{\"mode\": 1}", 11, "p.json", &p, &errors, &err);
        CHECK(r == -EINVAL && errors && strv_length(errors) == 1 && !strstr(err.msg, "more errors"));
        strv_free(errors);
}

int main(void) {
        test_all_errors();
        test_defaults();
        test_full();
        test_errors();
        test_expires();
        test_select();
        test_evaluate();
        test_evaluate_worst_cap();
        test_ignore();
        test_exploit();
        test_exploit_no_data();
        test_multi_cve();
        test_fix_elsewhere();
        test_evaluate_none();
        test_pod_sandbox();
        test_describe();
        test_enforce_from();
        test_examples();
        return test_end();
}
