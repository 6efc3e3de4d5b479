/* SPDX-License-Identifier: Apache-2.0 */
/* `scan --format sarif`: SARIF 2.1.0 (OASIS,
 * https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html), with
 * the properties GitHub code scanning reads ("security-severity" and the
 * tags of a rule, partialFingerprints of a result). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "portcullis-build.h"
#include "base/jsonutil.h"
#include "report-internal.h"

#define SARIF_SCHEMA "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

/* Per severity: the result's level (SARIF 3.27.10: error, warning, note),
 * and the security-severity a rule gets when no finding of it has a CVSS
 * score: a number inside the band GitHub maps back to the same severity
 * (9.0+ critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low).  UNKNOWN has
 * none: it is not claimed to be any of them (README, "scan"). */
static const struct {
        const char *level;
        const char *fallback_score;
} sev_sarif[_SEVERITY_MAX] = {
        [SEVERITY_UNKNOWN] = { "note", NULL },
        [SEVERITY_NONE] = { "note", "0.0" },
        [SEVERITY_LOW] = { "note", "2.0" },
        [SEVERITY_MEDIUM] = { "warning", "5.5" },
        [SEVERITY_HIGH] = { "error", "8.0" },
        [SEVERITY_CRITICAL] = { "error", "9.5" },
};

/* What could not be checked, as the level of a tool execution notification:
 * the ones that leave packages out of the check are errors, a version or a
 * record the rules reject (one package, one record) a warning; a kind
 * without a row here is an error. */
static const char *const unchecked_level[_UNCHECKED_KIND_MAX] = {
        [UNCHECKED_NO_PACKAGES] = "error",
        [UNCHECKED_UNKNOWN_OS] = "error",
        [UNCHECKED_NO_DATA] = "error",
        [UNCHECKED_NO_COMPARATOR] = "error",
        [UNCHECKED_INVALID_VERSION] = "warning",
        [UNCHECKED_RECORD_ERROR] = "warning",
        [UNCHECKED_INCOMPLETE] = "error",
        [UNCHECKED_UNIDENTIFIED] = "error",
};

/* One rule per advisory id: the worst of its findings decides; its
 * aliases are those of all its findings (since findings of one CVE fold
 * per package, two packages' findings of one id can name different ones). */
struct rule {
        const struct finding *first;
        enum severity severity;
        double score;           /* the highest CVSS score, -1 when none */
        char **aliases;
};

/* rules ends with one whose first is NULL (collect_rules()). */
static void rules_freep(struct rule **rules) {
        for (struct rule *r = *rules; r && r->first; r++)
                strv_free(r->aliases);
        free(*rules);
}

/* Appends v to the array a (taking it); -ENOMEM when either is NULL. */
static int append(json_t *a, json_t *v) {
        return a && v && json_array_append_new(a, v) == 0 ? 0 : (json_decref(v), -ENOMEM);
}

/* Sets key of o to v (taking it). */
static int set(json_t *o, const char *key, json_t *v) {
        return o && v && json_object_set_new(o, key, v) == 0 ? 0 : (json_decref(v), -ENOMEM);
}

static json_t *text(const char *s) {
        json_t *t = json_str_or_null(s);

        return t ? json_pack("{s:o}", "text", t) : NULL;
}

/* Findings by id, then in their order: qsort_r()'s, over their indices. */
static int by_id_cmp(const void *x, const void *y, void *userdata) {
        const struct finding *f = userdata;
        size_t a = *(const size_t *) x, b = *(const size_t *) y;
        int c = strcmp(f[a].id, f[b].id);

        return c ? c : a < b ? -1 : a > b;
}

/* For every finding, the first finding of its id (ret[i] <= i): sorted,
 * not looked for among the rules one by one, which took 20,000 findings of
 * as many ids 2.7 s and 100,000 a minute. */
static int first_of_id(const struct scan_result *res, size_t **ret) {
        _cleanup_free_ size_t *order = calloc(res->n_findings + 1, sizeof(*order));
        _cleanup_free_ size_t *first = calloc(res->n_findings + 1, sizeof(*first));

        if (!order || !first)
                return -ENOMEM;
        for (size_t i = 0; i < res->n_findings; i++)
                order[i] = i;
        qsort_r(order, res->n_findings, sizeof(*order), by_id_cmp, res->findings);
        for (size_t g = 0, i; g < res->n_findings; g = i)
                for (i = g; i < res->n_findings && strcmp(res->findings[order[i]].id,
                                                          res->findings[order[g]].id) == 0; i++)
                        first[order[i]] = order[g];
        *ret = TAKE_PTR(first);
        return 0;
}

/* The rules in order of first appearance (the findings come worst first);
 * *ret_index[i] is finding i's rule. */
static int collect_rules(const struct scan_result *res, struct rule **ret, size_t *ret_n, size_t **ret_index) {
        _cleanup_(rules_freep) struct rule *rules = calloc(res->n_findings + 1, sizeof(*rules));
        _cleanup_free_ size_t *index = calloc(res->n_findings + 1, sizeof(*index));
        _cleanup_free_ size_t *first = NULL;
        size_t n = 0;

        if (!rules || !index || first_of_id(res, &first) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < res->n_findings; i++) {
                const struct finding *f = &res->findings[i];
                size_t k = first[i] == i ? n : index[first[i]];

                if (k == n)
                        rules[n++] = (struct rule) { .first = f, .severity = f->severity, .score = -1 };
                if (f->severity > rules[k].severity)
                        rules[k].severity = f->severity;
                if (f->cvss_score > rules[k].score)
                        rules[k].score = f->cvss_score;
                for (char **a = f->aliases; a && *a; a++)
                        if (strv_push_unique(&rules[k].aliases, *a) < 0)
                                return -ENOMEM;
                index[i] = k;
        }
        *ret = TAKE_PTR(rules);
        *ret_n = n;
        *ret_index = TAKE_PTR(index);
        return 0;
}

/* What code scanning shows as the rule's help: "TITLE\n\nAliases: CVE-…\n
 * Advisory: URL". */
static json_t *help_json(const struct rule *rule, const char *url) {
        const struct finding *f = rule->first;
        struct strbuf b = {};
        json_t *t = NULL;
        int r;

        r = strbuf_printf(&b, "%s\n\n", f->summary ? f->summary : f->id);
        for (char **a = rule->aliases; r >= 0 && a && *a; a++)
                r = strbuf_printf(&b, "%s%s%s", a == rule->aliases ? "Aliases: " : ", ", *a, a[1] ? "" : "\n");
        if (r >= 0)
                r = strbuf_printf(&b, "Advisory: %s", url);
        if (r >= 0)
                t = text(b.s);
        strbuf_done(&b);
        return t;
}

static json_t *rule_json(const struct rule *rule) {
        const struct finding *f = rule->first;
        _cleanup_free_ char *url = NULL;
        char score[16];
        const char *sev = NULL;
        json_t *o, *props;

        if (report_advisory_url(f->id, &url) < 0)
                return NULL;
        if (rule->score >= 0) {
                snprintf(score, sizeof(score), "%.1f", rule->score);
                sev = score;
        } else
                sev = sev_sarif[rule->severity].fallback_score;
        props = json_pack("{s:[s, o]}", "tags", "security", json_str_or_null(f->ecosystem ? f->ecosystem : "unknown"));
        if ((sev && set(props, "security-severity", json_string(sev)) < 0) ||
            set(props, "severity", json_string(severity_to_string(rule->severity))) < 0) {
                json_decref(props);
                return NULL;
        }
        o = json_pack("{s:o, s:o, s:o, s:s, s:o, s:o}",
                      "id", json_str_or_null(f->id),
                      "shortDescription", text(f->summary ? f->summary : f->id),
                      "fullDescription", text(f->summary ? f->summary : f->id),
                      "helpUri", url,
                      "help", help_json(rule, url),
                      "properties", props);
        if (o && rule->aliases && set(props, "aliases", json_array()) == 0)
                for (char **a = rule->aliases; *a; a++)
                        if (append(json_object_get(props, "aliases"), json_str_or_null(*a)) < 0) {
                                json_decref(o);
                                return NULL;
                        }
        return o;
}

/* "libcurl4 7.88.1-10+deb12u3 (/var/lib/dpkg/status) is affected by
 * CVE-2023-38545 (CRITICAL, CVSS 9.8): fixed in 7.88.1-10+deb12u4. TITLE" */
static json_t *message_json(const struct finding *f) {
        struct strbuf b = {};
        json_t *t = NULL;
        int r;

        r = strbuf_printf(&b, "%s %s", f->package, f->installed_version);
        if (r >= 0 && f->path)
                r = strbuf_printf(&b, " (%s)", f->path);
        if (r >= 0)
                r = strbuf_printf(&b, " is affected by %s (%s", f->id, severity_to_string(f->severity));
        if (r >= 0 && f->cvss_score >= 0)
                r = strbuf_printf(&b, ", CVSS %.1f", f->cvss_score);
        if (r >= 0)
                r = f->fixed_version ? strbuf_printf(&b, "): fixed in %s.", f->fixed_version)
                                     : strbuf_puts(&b, "): no fixed version yet.");
        if (r >= 0 && f->summary)
                r = strbuf_printf(&b, " %s", f->summary);
        if (r >= 0 && f->vex_status)
                r = strbuf_printf(&b, " Suppressed by VEX (%s).", f->vex_status);
        if (r >= 0)
                t = text(b.s);
        strbuf_done(&b);
        return t;
}

/* The file of the image the package was read from, relative to the
 * image's root; GitHub rejects a result without a physical location, so a
 * finding that names no file (a document of an older version) is placed
 * at the root. */
static json_t *location_json(const struct finding *f) {
        _cleanup_free_ char *uri = NULL;

        if (!f->path)
                uri = strdup(".");
        else if (report_file_uri(f->path, &uri) < 0)
                return NULL;
        if (!uri)
                return NULL;
        return json_pack("[{s:{s:{s:s}}, s:[{s:o, s:s}]}]",
                         "physicalLocation", "artifactLocation", "uri", *uri ? uri : ".",
                         "logicalLocations", "fullyQualifiedName", json_str_or_null(f->package), "kind", "package");
}

/* A finding a VEX statement suppresses stays in the log, marked as
 * suppressed (SARIF 3.35): code scanning shows it dismissed. */
static json_t *suppressions_json(const struct finding *f) {
        struct strbuf b = {};
        json_t *o = NULL;
        int r;

        r = strbuf_printf(&b, "VEX %s", f->vex_status);
        if (r >= 0 && f->vex_justification)
                r = strbuf_printf(&b, ": %s", f->vex_justification);
        if (r >= 0 && f->vex_source)
                r = strbuf_printf(&b, " (%s)", f->vex_source);
        if (r >= 0)
                o = json_pack("[{s:s, s:s, s:o}]", "kind", "external", "status", "accepted",
                              "justification", json_str_or_null(b.s));
        strbuf_done(&b);
        return o;
}

static json_t *result_properties(const struct finding *f) {
        json_t *p = json_pack("{s:o, s:o, s:o, s:o, s:s, s:o, s:s, s:b}",
                              "package", json_str_or_null(f->package),
                              "installedVersion", json_str_or_null(f->installed_version),
                              "fixedVersion", json_str_or_null(f->fixed_version),
                              "ecosystem", json_str_or_null(f->ecosystem),
                              "severity", severity_to_string(f->severity),
                              "severitySource", json_str_or_null(f->severity_source),
                              "status", finding_status_to_string(f->status),
                              "kev", f->kev);
        int r = p ? 0 : -ENOMEM;

        if (r >= 0 && f->source_name)
                r = set(p, "sourcePackage", json_str_or_null(f->source_name));
        if (r >= 0 && f->record_package)
                r = set(p, "recordPackage", json_str_or_null(f->record_package));
        if (r >= 0 && f->cvss_vector)
                r = set(p, "cvss", json_pack("{s:o, s:f}", "vector", json_str_or_null(f->cvss_vector),
                                             "score", f->cvss_score));
        if (r >= 0 && f->epss >= 0)
                r = set(p, "epss", json_real(f->epss));
        if (r >= 0 && f->epss_percentile >= 0)
                r = set(p, "epssPercentile", json_real(f->epss_percentile));
        if (r >= 0 && f->vex_status)
                r = set(p, "vex", json_pack("{s:o, s:o, s:o}", "status", json_str_or_null(f->vex_status),
                                            "justification", json_str_or_null(f->vex_justification),
                                            "source", json_str_or_null(f->vex_source)));
        if (r < 0) {
                json_decref(p);
                return NULL;
        }
        return p;
}

static json_t *result_json(const struct finding *f, size_t rule) {
        _cleanup_free_ char *fp = NULL;
        json_t *o;
        int r;

        /* The same advisory on the same package in the same file is the
         * same alert from one scan to the next, whatever its version. */
        if (asprintf(&fp, "%s:%s:%s", f->id, f->package, strempty(f->path)) < 0)
                return NULL;
        o = json_pack("{s:o, s:I, s:s, s:o, s:{s:o}, s:o}",
                      "ruleId", json_str_or_null(f->id),
                      "ruleIndex", (json_int_t) rule,
                      "level", sev_sarif[f->severity].level,
                      "message", message_json(f),
                      "partialFingerprints", "portcullisFinding/v1", json_str_or_null(fp),
                      "properties", result_properties(f));
        r = o ? 0 : -ENOMEM;
        if (r >= 0)
                r = set(o, "locations", location_json(f));
        if (r >= 0 && f->vex_status)
                r = set(o, "suppressions", suppressions_json(f));
        if (r < 0) {
                json_decref(o);
                return NULL;
        }
        return o;
}

/* What could not be checked is also a result of its own rule: a reader
 * that counts results or alerts (a code scanning gate) sees it, not only
 * one that reads the tool's notifications.  Its location is the image's
 * root, as for a finding that names no file. */
#define NOT_CHECKED_RULE "not-checked"

static json_t *not_checked_rule(void) {
        return json_pack("{s:s, s:s, s:o, s:o, s:o, s:{s:s}, s:{s:[s], s:s}}",
                         "id", NOT_CHECKED_RULE, "name", "NotChecked",
                         "shortDescription", text("Part of the image was not checked for vulnerabilities"),
                         "fullDescription", text("Portcullis could not check these packages or this part of the "
                                                 "image (no vulnerability data for its ecosystem, no package "
                                                 "database, a version or a file it could not read): no finding "
                                                 "there does not mean none exists."),
                         "help", text("Each result says what was not checked and why. Scan with a database that "
                                      "covers the ecosystem, or accept it in the policy (on_unchecked); "
                                      "'scan --fail-on' fails on it unless --allow-unchecked."),
                         "defaultConfiguration", "level", "error",
                         "properties", "tags", "security", "severity", "UNCHECKED");
}

static json_t *not_checked_result(const char *level, const char *msg, const char *kind, const char *subject,
                                  size_t packages, size_t rule) {
        _cleanup_free_ char *fp = NULL;

        if (asprintf(&fp, "%s:%s", kind, strempty(subject)) < 0)
                return NULL;
        return json_pack("{s:s, s:I, s:s, s:o, s:[{s:{s:{s:s}}}], s:{s:o}, s:{s:s, s:o, s:I}}",
                         "ruleId", NOT_CHECKED_RULE,
                         "ruleIndex", (json_int_t) rule,
                         "level", level,
                         "message", text(msg),
                         "locations", "physicalLocation", "artifactLocation", "uri", ".",
                         "partialFingerprints", "portcullisNotChecked/v1", json_str_or_null(fp),
                         "properties", "kind", kind, "subject", json_str_or_null(subject),
                         "packages", (json_int_t) packages);
}

static json_t *notification(const char *level, const char *id, const char *msg, json_t *props) {
        json_t *o = json_pack("{s:s, s:o, s:{s:s}}", "level", level, "message", text(msg), "descriptor", "id", id);

        if (o && props && set(o, "properties", props) < 0) {
                json_decref(o);
                return NULL;
        }
        if (!o)
                json_decref(props);
        return o;
}

/* Everything the table prints beside the findings: what could not be
 * checked (never dropped: a consumer of the log sees each item, as a
 * notification and as a result of the rule at index rule), and the
 * warnings of the inventory and the match. */
static int notifications(const struct report_target *t, size_t rule, json_t *results, json_t *a) {
        const struct scan_result *res = t->res;
        int r = 0;

        for (size_t i = 0; r >= 0 && i < res->n_unchecked; i++) {
                const struct unchecked *u = &res->unchecked[i];
                const char *level = unchecked_level[u->kind] ? unchecked_level[u->kind] : "error";
                const char *kind = unchecked_kind_to_string(u->kind);
                _cleanup_free_ char *msg = NULL;

                if (asprintf(&msg, "NOT CHECKED %s: %s", u->subject, u->reason) < 0)
                        return -ENOMEM;
                r = append(a, notification(level, NOT_CHECKED_RULE, msg,
                                           json_pack("{s:s, s:o, s:I}", "kind", kind,
                                                     "subject", json_str_or_null(u->subject),
                                                     "packages", (json_int_t) u->packages)));
                if (r >= 0)
                        r = append(results, not_checked_result(level, msg, kind, u->subject, u->packages, rule));
        }
        if (r >= 0 && res->unchecked_more) {
                _cleanup_free_ char *msg = NULL;

                if (asprintf(&msg, "NOT CHECKED: %zu more items (see --format json)", res->unchecked_more) < 0)
                        return -ENOMEM;
                r = append(a, notification("error", NOT_CHECKED_RULE, msg,
                                           json_pack("{s:I}", "more", (json_int_t) res->unchecked_more)));
                if (r >= 0)
                        r = append(results, not_checked_result("error", msg, "more", NULL, 0, rule));
        }
        for (char **w = t->inv->warnings; r >= 0 && w && *w; w++)
                r = append(a, notification("warning", "inventory-warning", *w, NULL));
        for (char **w = res->warnings; r >= 0 && w && *w; w++)
                r = append(a, notification("warning", "match-warning", *w, NULL));
        return r;
}

/* The run's properties: what was scanned with which data (issue 14 item 5:
 * every report names the DB revision and its age). */
static json_t *run_properties(const struct report_target *t) {
        const struct scan_result *res = t->res;
        const struct os_info *os = &t->inv->os;
        long long age = report_db_age_hours(res->db_time);
        json_t *counts = json_object();
        json_t *p;

        for (int s = 0; s < _SEVERITY_MAX; s++)
                json_object_set_new(counts, severity_to_string(s), json_integer((json_int_t) res->counts[s]));
        json_object_set_new(counts, "fixable", json_integer((json_int_t) res->fixable));
        json_object_set_new(counts, "suppressed", json_integer((json_int_t) res->suppressed));
        json_object_set_new(counts, "notChecked", json_integer((json_int_t) res->packages_unchecked));
        p = json_pack("{s:o, s:o, s:{s:o, s:o, s:o}, s:I, s:o, s:o, s:o, s:o}",
                      "target", json_str_or_null(t->name),
                      "imageDigest", json_str_or_null(t->digest),
                      "os", "id", json_str_or_null(os->id), "version", json_str_or_null(os->version_id),
                      "ecosystem", json_str_or_null(os->ecosystem),
                      "packages", (json_int_t) t->inv->n_pkgs,
                      "dbRevision", json_str_or_null(res->db_revision),
                      "dbTime", json_str_or_null(res->db_time),
                      "dbAgeHours", age >= 0 ? json_integer(age) : json_null(),
                      "summary", counts);
        return p;
}

static json_t *run_description(const struct report_target *t) {
        const struct scan_result *res = t->res;
        _cleanup_free_ char *s = NULL;

        if (asprintf(&s, "Portcullis scan of %s%s%s with vulnerability database revision %s%s%s", t->name,
                     t->digest ? " " : "", strempty(t->digest), strna(res->db_revision),
                     res->db_time ? ", data of " : "", strempty(res->db_time)) < 0)
                return NULL;
        return text(s);
}

static int scan_sarif(const struct report_target *t, char **ret, struct error *err) {
        const struct scan_result *res = t->res;
        _cleanup_(rules_freep) struct rule *rules = NULL;
        _cleanup_free_ size_t *index = NULL;
        json_t *jrules = json_array(), *results = json_array(), *notes = json_array(), *root;
        size_t n_rules = 0;
        int r;

        r = collect_rules(res, &rules, &n_rules, &index);
        for (size_t i = 0; r >= 0 && i < n_rules; i++)
                r = append(jrules, rule_json(&rules[i]));
        for (size_t i = 0; r >= 0 && i < res->n_findings; i++)
                r = append(results, result_json(&res->findings[i], index[i]));
        if (r >= 0 && res->n_unchecked + res->unchecked_more > 0)
                r = append(jrules, not_checked_rule());
        if (r >= 0)
                r = notifications(t, n_rules, results, notes);
        if (r < 0) {
                json_decref(jrules);
                json_decref(results);
                json_decref(notes);
                return error_set(err, r, "render SARIF");
        }
        root = json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:s, s:o}}, s:{s:o}, s:[{s:b, s:o}], s:o, s:o}]}",
                         "$schema", SARIF_SCHEMA,
                         "version", "2.1.0",
                         "runs",
                         "tool", "driver", "name", "Portcullis", "version", PORTCULLIS_VERSION,
                         "semanticVersion", PORTCULLIS_VERSION, "rules", jrules,
                         "automationDetails", "description", run_description(t),
                         "invocations", "executionSuccessful", true, "toolExecutionNotifications", notes,
                         "results", results,
                         "properties", run_properties(t));
        if (!root)
                return error_set(err, ENOMEM, "render SARIF");
        *ret = json_dumps_escaped(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(root);
        return *ret ? 0 : error_set(err, ENOMEM, "render SARIF");
}

const struct report_format report_format_sarif = {
        .name = "sarif",
        .scan = scan_sarif,
};
