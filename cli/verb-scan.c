/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "analyze.h"
#include "base/clock.h"
#include "base/macro.h"
#include "base/strutil.h"
#include "common.h"
#include "image.h"
#include "inventory.h"
#include "match.h"
#include "report.h"
#include "sbom.h"
#include "verbs.h"
#include "vex.h"

struct scan_args {
        const char *rootfs;
        const char *sbom;       /* --sbom FILE: a CycloneDX SBOM instead of a rootfs */
        const char *db;
        const char *config;     /* --config FILE: whose "db" is the default */
        unsigned severity_mask;
        bool ignore_unfixed;
        int fail_on;            /* a severity, or -1 for "never" */
        int unknown_as;         /* --unknown-as: a severity an UNKNOWN finding counts as, or -1 */
        bool allow_unchecked;   /* --fail-on passes what could not be checked */
        const struct report_format *format;
        const char *output;
        const char *package;    /* only findings of this package */
        char **vex;             /* --vex FILE, in order */
        unsigned pkg_types;     /* --pkg-types: INVENTORY_PKG_* */
        int (*sort)(const void *, const void *);
};

/* "CRITICAL,HIGH" → bit mask; 0 with a message on a bad word. */
static unsigned parse_severity_list(const char *list) {
        _cleanup_free_ char *copy = strdup(list);
        unsigned mask = 0;
        char *save = NULL;

        if (!copy)
                return 0;
        for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
                int s = severity_from_string(w);

                if (s < 0) {
                        log_error("--severity: unknown severity '%s' (use CRITICAL, HIGH, MEDIUM, LOW, NONE, UNKNOWN)", w);
                        return 0;
                }
                mask |= 1u << s;
        }
        if (!mask)      /* "" or ",": else exit 2 with no word said */
                log_error("--severity: '%s' names no severity (use CRITICAL, HIGH, MEDIUM, LOW, NONE, UNKNOWN, "
                          "comma-separated)", list);
        return mask;
}

/* --sort KEY: severity (the library's order: worst first, then id),
 * package, id, fixed (with a fixed version first), kev or epss. */
static int by_package(const void *x, const void *y) {
        const struct finding *a = x, *b = y;
        int c = strcmp(a->package, b->package);

        return c ? c : a->severity != b->severity ? (a->severity > b->severity ? -1 : 1) : strcmp(a->id, b->id);
}

static int by_id(const void *x, const void *y) {
        const struct finding *a = x, *b = y;
        int c = strcmp(a->id, b->id);

        return c ? c : strcmp(a->package, b->package);
}

static int by_fixed(const void *x, const void *y) {
        const struct finding *a = x, *b = y;

        if (!a->fixed_version != !b->fixed_version)
                return a->fixed_version ? -1 : 1;
        if (a->severity != b->severity)
                return a->severity > b->severity ? -1 : 1;
        return by_id(x, y);
}

/* kev: those in CISA KEV first; epss: the likeliest to be exploited first
 * (unscored last); each then by the other, then by severity. */
static int cmp_epss(const struct finding *a, const struct finding *b) {
        return a->epss != b->epss ? (a->epss > b->epss ? -1 : 1) : 0;
}

static int by_kev(const void *x, const void *y) {
        const struct finding *a = x, *b = y;
        int c = a->kev != b->kev ? (a->kev ? -1 : 1) : cmp_epss(a, b);

        return c ? c : a->severity != b->severity ? (a->severity > b->severity ? -1 : 1) : by_id(x, y);
}

static int by_epss(const void *x, const void *y) {
        const struct finding *a = x, *b = y;
        int c = cmp_epss(a, b);

        return c ? c : a->kev != b->kev ? (a->kev ? -1 : 1) : by_kev(x, y);
}

static const struct {
        const char *key;
        int (*cmp)(const void *, const void *);
} sort_keys[] = {
        { "severity", NULL },
        { "package", by_package },
        { "id", by_id },
        { "fixed", by_fixed },
        { "kev", by_kev },
        { "epss", by_epss },
};

static int parse_sort(const char *arg, struct scan_args *a) {
        for (size_t i = 0; i < ELEMENTSOF(sort_keys); i++)
                if (strcmp(arg, sort_keys[i].key) == 0) {
                        a->sort = sort_keys[i].cmp;
                        return 0;
                }
        log_error("scan: --sort: '%s' is not one of severity, package, id, fixed, kev, epss", arg);
        return -1;
}

static int parse_args(int argc, char **argv, struct scan_args *a) {
        static const struct option opts[] = {
                { "db", required_argument, NULL, 'd' },
                { "config", required_argument, NULL, 'c' },
                { "severity", required_argument, NULL, 's' },
                { "ignore-unfixed", no_argument, NULL, 'u' },
                { "fail-on", required_argument, NULL, 'f' },
                { "allow-unchecked", no_argument, NULL, 'A' },
                { "unknown-as", required_argument, NULL, 'U' },
                { "format", required_argument, NULL, 'F' },
                { "output", required_argument, NULL, 'o' },
                { "package", required_argument, NULL, 'P' },
                { "sort", required_argument, NULL, 'S' },
                { "sbom", required_argument, NULL, 'B' },
                { "vex", required_argument, NULL, 'V' },
                { "pkg-types", required_argument, NULL, 'T' },
                {}
        };
        int c;

        *a = (struct scan_args) { .severity_mask = (1u << _SEVERITY_MAX) - 1, .fail_on = -1, .unknown_as = -1,
                                  .format = report_format_find("table"), .pkg_types = INVENTORY_PKG_ALL };
        while ((c = cli_getopt(argc, argv, "scan", opts)) >= 0)
                switch (c) {
                case 'd':
                        a->db = optarg;
                        break;
                case 'c':
                        a->config = optarg;
                        break;
                case 's':
                        if (!(a->severity_mask = parse_severity_list(optarg)))
                                return -1;
                        break;
                case 'u':
                        a->ignore_unfixed = true;
                        break;
                case 'f':
                        a->fail_on = severity_from_string(optarg);
                        if (a->fail_on < 0) {
                                log_error("--fail-on: unknown severity '%s' (use CRITICAL, HIGH, MEDIUM, LOW, "
                                          "NONE, UNKNOWN)", optarg);
                                return -1;
                        }
                        break;
                case 'A':
                        a->allow_unchecked = true;
                        break;
                case 'U':
                        a->unknown_as = severity_from_string(optarg);
                        if (a->unknown_as <= SEVERITY_UNKNOWN) {
                                log_error("--unknown-as: '%s' is not a severity an UNKNOWN finding can count as "
                                          "(use CRITICAL, HIGH, MEDIUM, LOW or NONE)", optarg);
                                return -1;
                        }
                        break;
                case 'F':
                        if (!(a->format = cli_parse_report_format(optarg, true)))
                                return -1;
                        break;
                case 'o':
                        a->output = optarg;
                        break;
                case 'P':
                        a->package = optarg;
                        break;
                case 'S':
                        if (parse_sort(optarg, a) < 0)
                                return -1;
                        break;
                case 'B':
                        a->sbom = optarg;
                        break;
                case 'T':
                        if (cli_parse_pkg_types("scan", optarg, &a->pkg_types) < 0)
                                return -1;
                        break;
                case 'V':
                        if (strv_length(a->vex) >= VEX_FILES_MAX) {
                                log_error("scan: --vex: at most %d documents", VEX_FILES_MAX);
                                return -1;
                        }
                        if (strv_push(&a->vex, strdup(optarg)) < 0) {
                                log_error("scan: out of memory");
                                return -1;
                        }
                        break;
                default:
                        return -1;
                }
        /* without --fail-on the scan exits 0 whatever they say */
        if (a->fail_on < 0 && (a->unknown_as >= 0 || a->allow_unchecked))
                log_warning("scan: %s has no effect without --fail-on SEVERITY: the scan exits 0 whatever it finds",
                            a->unknown_as >= 0 ? "--unknown-as" : "--allow-unchecked");
        if (a->sbom && a->pkg_types != INVENTORY_PKG_ALL) {
                log_error("scan: --pkg-types chooses what is looked for in a TARGET; an SBOM's components are all "
                          "checked: leave it out with --sbom");
                return -1;
        }
        if (a->sbom && optind != argc) {
                log_error("scan: --sbom FILE scans the SBOM instead of a TARGET: give one or the other");
                return -1;
        }
        if (a->sbom) {
                a->rootfs = a->sbom;
                return 0;
        }
        if (optind != argc - 1) {
                log_error("scan: expected one TARGET (a root filesystem or an image file); see 'portcullis scan --help'");
                return -1;
        }
        a->rootfs = argv[optind];
        return 0;
}

/* Shown findings of UNKNOWN severity that --fail-on can't weigh: it is
 * above UNKNOWN and --unknown-as gives them no severity.  Like the hook's
 * unknown_as "unchecked", they are not known to be below the threshold. */
static size_t unweighed(const struct scan_result *res, const struct scan_args *a) {
        return a->fail_on > SEVERITY_UNKNOWN && a->unknown_as < 0 ? res->counts[SEVERITY_UNKNOWN] : 0;
}

/* --fail-on: a finding at or above it (an UNKNOWN one by --unknown-as), or
 * (unless --allow-unchecked) anything that could not be checked, UNKNOWN
 * findings it can't weigh too: a scan that could not look must not pass a
 * pipeline. */
static bool violates(const struct scan_result *res, const struct scan_args *a) {
        if (a->fail_on < 0)
                return false;
        for (int s = a->fail_on; s < _SEVERITY_MAX; s++)
                if (res->counts[s] > 0)
                        return true;
        if (res->counts[SEVERITY_UNKNOWN] > 0 && a->unknown_as >= a->fail_on)
                return true;
        return !a->allow_unchecked && res->n_unchecked + res->unchecked_more + unweighed(res, a) > 0;
}

/* The scan fails on findings --severity does not show: said, with how many
 * of each severity it left out. */
static void warn_hidden(const size_t *before, const struct scan_result *res, const struct scan_args *a) {
        char list[256] = "";
        size_t n = 0;

        for (int s = _SEVERITY_MAX - 1; s >= 0; s--)
                if (before[s] > res->counts[s] && (s >= a->fail_on || s == SEVERITY_UNKNOWN))
                        n += snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0, "%s%zu %s",
                                      n ? ", " : "", before[s] - res->counts[s], severity_to_string(s));
        log_warning("--fail-on %s: the scan fails on findings --severity does not show (%s); leave out "
                    "--severity to list them", severity_to_string(a->fail_on), list);
}

/* --package names a package of the target, by binary or source name: a
 * misspelt name would otherwise show no finding, as a clean package does. */
static bool has_package(const struct inventory *inv, const char *name) {
        for (size_t i = 0; i < inv->n_pkgs; i++)
                if (strcmp(inv->pkgs[i].name, name) == 0 ||
                    (inv->pkgs[i].source_name && strcmp(inv->pkgs[i].source_name, name) == 0))
                        return true;
        return false;
}

/* --sbom: the SBOM's components as the inventory (lib/inventory/sbom.h);
 * those it could not map are not checked, and said so. */
static int collect_sbom(const char *path, struct sbom **ret_sbom, struct inventory **ret_inv, struct error *err) {
        _cleanup_(sbom_freep) struct sbom *s = NULL;
        int r = sbom_read(path, &s, err);

        if (r < 0)
                return r;
        *ret_inv = TAKE_PTR(s->inv);
        *ret_sbom = TAKE_PTR(s);
        return 0;
}

/* --vex: every document read before the scan, so that a malformed one
 * fails at once. */
static int load_vex(char *const *files, struct vex **ret) {
        _cleanup_(vex_freep) struct vex *v = NULL;
        struct error err = {};

        if (!files)
                return 0;
        if (!(v = vex_new())) {
                log_error("scan: out of memory");
                return -ENOMEM;
        }
        for (; *files; files++)
                if (vex_load(v, *files, &err) < 0) {
                        log_error("scan: --vex: %s", err.msg);
                        return -EINVAL;
                }
        *ret = TAKE_PTR(v);
        return 0;
}

/* The VEX statements left out (vex_notes()), in the report's warnings. */
static int vex_notes_to(const struct vex *vex, struct scan_result *res) {
        size_t more;
        char *const *notes = vex_notes(vex, &more);

        for (char *const *n = notes; n && *n; n++)
                if (strv_pushf(&res->warnings, "VEX: %s", *n) < 0)
                        return -ENOMEM;
        if (more && strv_pushf(&res->warnings, "VEX: %zu more statements left out as these are", more) < 0)
                return -ENOMEM;
        res->n_warnings += strv_length((char **) notes) + !!more;
        return 0;
}

int verb_scan(int argc, char **argv) {
        _cleanup_(sbom_freep) struct sbom *sbom = NULL;
        _cleanup_(vex_freep) struct vex *vex = NULL;
        _cleanup_(image_freep) struct image *img = NULL;
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        _cleanup_free_ char *out = NULL, *db = NULL;
        struct error err = {};
        size_t counts[_SEVERITY_MAX], n_unweighed;
        struct scan_args a;
        struct report_target t;
        size_t n_warnings;
        bool fail;
        long long t0;
        int r;

        r = parse_args(argc, argv, &a);
        if (r >= 0)
                r = load_vex(a.vex, &vex);
        strv_free(a.vex);
        if (r < 0)
                return EXIT_ERROR;
        /* A rootfs or an image: inventory and match in one child; an SBOM
         * is read here and matched in the match child. */
        if (cli_db_path("scan", a.db, a.config, &db) < 0)
                return EXIT_ERROR;
        r = a.sbom ? collect_sbom(a.sbom, &sbom, &inv, &err)
                   : cli_collect_match(a.rootfs, db, a.pkg_types, &img, &inv, &res, &err);
        t0 = clock_now_ms();
        if (r >= 0 && sbom) {
                r = analyze_match(inv, db, CLI_ANALYSIS_DEADLINE_MS, &res, NULL, &err);
                if (r >= 0)
                        log_step(&t0, "match against %s (revision %s, data of %s), %zu findings (sandboxed child)",
                                 db, strna(res->db_revision), strna(res->db_time), res->n_findings);
        }
        if (r >= 0 && sbom && (r = sbom_add_unchecked(sbom, inv, res)) < 0)
                error_set(&err, r, "out of memory");
        if (r < 0) {
                log_error("scan %s: %s", a.rootfs, err.msg);
                return EXIT_ERROR;
        }
        for (size_t i = 0; i < res->n_unchecked; i++)
                log_warning("not checked: %s: %s", res->unchecked[i].subject, res->unchecked[i].reason);
        /* what the DB lacks (a distribution's stream); a record's warning
         * went with its unchecked item */
        for (char **w = res->warnings; w && *w; w++)
                if (!scan_result_warning_of_record(*w))
                        log_warning("%s", *w);
        n_warnings = strv_length(res->warnings);
        if (vex && vex_notes_to(vex, res) < 0) {
                log_error("scan: out of memory");
                return EXIT_ERROR;
        }
        /* an SBOM's subject digest (metadata.component's SHA-256, checked
         * as 64 hex digits) is the image's as the SBOM says it, as its
         * components are the image's packages */
        if (vex && vex_apply(vex, img ? image_digest(img) : sbom ? sbom->digest : NULL, res, &err) < 0) {
                log_error("scan %s: %s", a.rootfs, err.msg);
                return EXIT_ERROR;
        }
        for (size_t i = n_warnings; i < strv_length(res->warnings); i++)      /* VEX's: a statement left out, a
                                                                                 * finding left counted */
                log_warning("%s", res->warnings[i]);
        /* said on stderr and in the report's warnings, where a pipeline reads */
        if (a.package && !has_package(inv, a.package)) {
                if (strv_pushf(&res->warnings, "--package %s: %s has no package of that name (binary or source), so "
                               "no finding is shown; see 'portcullis inventory' for the names", a.package,
                               a.sbom ? a.sbom : a.rootfs) < 0) {
                        log_error("scan: out of memory");
                        return EXIT_ERROR;
                }
                log_warning("%s", res->warnings[strv_length(res->warnings) - 1]);
        }
        if (a.package)
                scan_result_filter_package(res, a.package);
        /* --fail-on weighs what --package and --ignore-unfixed keep, before
         * --severity narrows what is shown: "--severity HIGH --fail-on HIGH"
         * must not pass a CRITICAL finding, nor hide UNKNOWN ones. */
        n_warnings = strv_length(res->warnings);
        if (a.ignore_unfixed && scan_result_filter_unfixed(res) < 0) {
                log_error("scan: out of memory");
                return EXIT_ERROR;
        }
        for (size_t i = n_warnings; i < strv_length(res->warnings); i++)      /* a fix another record names */
                log_warning("%s", res->warnings[i]);
        fail = violates(res, &a);
        n_unweighed = unweighed(res, &a);
        memcpy(counts, res->counts, sizeof(counts));
        scan_result_filter(res, a.severity_mask);
        if (a.sort)
                qsort(res->findings, res->n_findings, sizeof(res->findings[0]), a.sort);

        t = (struct report_target) {
                .name = img && image_name(img) ? image_name(img) : sbom && sbom->name ? sbom->name : a.rootfs,
                .digest = img ? image_digest(img) : sbom ? sbom->digest : NULL,
                .inv = inv,
                .res = res,
                .width = a.output ? 0 : cli_terminal_width(STDOUT_FILENO),
                .color = !a.output && cli_use_color(STDOUT_FILENO),
        };
        if (report_render(a.format, &t, &out, &err) < 0) {
                log_error("scan %s: %s", a.rootfs, err.msg);
                return EXIT_ERROR;
        }
        log_step(&t0, "%s report, %zu findings after the filters", a.format->name, res->n_findings);
        if (cli_output(a.output, out) < 0)
                return EXIT_ERROR;
        /* a report that a pipeline keeps and nobody reads must not look clean */
        if (a.format->packages_only && res->n_findings > 0)
                log_warning("--format %s lists the packages, not the findings: the scan's %zu finding%s (%zu "
                            "CRITICAL, %zu HIGH) %s not in it; use json, sarif or cyclonedx for them", a.format->name,
                            res->n_findings, res->n_findings == 1 ? "" : "s", res->counts[SEVERITY_CRITICAL],
                            res->counts[SEVERITY_HIGH], res->n_findings == 1 ? "is" : "are");
        if (n_unweighed > 0)
                log_warning("not checked against --fail-on %s: %zu finding%s of UNKNOWN severity (the database "
                            "rates none of their advisories); %s--unknown-as SEVERITY weighs them as that severity",
                            severity_to_string(a.fail_on), n_unweighed, n_unweighed == 1 ? "" : "s",
                            a.allow_unchecked ? "--allow-unchecked passes them; " : "they fail the scan unless "
                            "--allow-unchecked; ");
        if (fail && !violates(res, &a))
                warn_hidden(counts, res, &a);
        return fail ? EXIT_POLICY : EXIT_PASS;
}
