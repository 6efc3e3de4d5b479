/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyze.h"
#include "base/clock.h"
#include "base/fileio.h"
#include "common.h"
#include "base/strutil.h"
#include "config.h"
#include "image.h"
#include "inventory.h"
#include "portcullis-build.h"
#include "report.h"
#include "verbs.h"

bool cli_quiet, cli_verbose;

static void vlog(const char *kind, const char *fmt, va_list ap) _printf_(2, 0);

/* One printable line whatever the message quotes (a zip entry's name from
 * a feed, a path in an image, an annotation): str_make_printable(). */
static void vlog(const char *kind, const char *fmt, va_list ap) {
        _cleanup_free_ char *msg = NULL;

        if (vasprintf(&msg, fmt, ap) < 0) {
                fprintf(stderr, "portcullis: %sout of memory for a message\n", kind);
                return;
        }
        str_make_printable(msg);
        fprintf(stderr, "portcullis: %s%s\n", kind, msg);
}

void log_error(const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vlog("", fmt, ap);
        va_end(ap);
}

void log_warning(const char *fmt, ...) {
        va_list ap;

        if (cli_quiet)
                return;
        va_start(ap, fmt);
        vlog("warning: ", fmt, ap);
        va_end(ap);
}

void log_note(const char *fmt, ...) {
        va_list ap;

        if (cli_quiet)
                return;
        va_start(ap, fmt);
        vlog("note: ", fmt, ap);
        va_end(ap);
}

void log_debug(const char *fmt, ...) {
        va_list ap;

        if (!cli_verbose)
                return;
        va_start(ap, fmt);
        vlog("", fmt, ap);
        va_end(ap);
}

void log_step(long long *since, const char *fmt, ...) {
        _cleanup_free_ char *what = NULL;
        long long now = clock_now_ms();
        va_list ap;
        int n;

        if (!cli_verbose)
                return;
        va_start(ap, fmt);
        n = vasprintf(&what, fmt, ap);
        va_end(ap);
        if (n >= 0)
                log_debug("%s: %lld ms", what, now - *since);
        *since = clock_now_ms();
}

/* "--formt=json" → "--formt" for the message. */
static void option_name(const char *arg, char *buf, size_t size) {
        size_t n = strcspn(arg, "=");

        snprintf(buf, size, "%.*s", (int) (n < size ? n : size - 1), arg);
}

int cli_getopt(int argc, char **argv, const char *cmd, const struct option *opts) {
        static struct option all[CLI_OPTIONS_MAX + 4];
        char name[64];
        size_t n = 0;

        while (opts && opts[n].name && n < CLI_OPTIONS_MAX) {
                all[n] = opts[n];
                n++;
        }
        all[n++] = (struct option) { "help", no_argument, NULL, 'h' };
        all[n++] = (struct option) { "quiet", no_argument, NULL, 'q' };
        all[n++] = (struct option) { "verbose", no_argument, NULL, 'v' };
        all[n] = (struct option) {};
        opterr = 0;
        for (;;) {
                int c = getopt_long(argc, argv, ":hqv", all, NULL);

                switch (c) {
                case 'h':
                        if (cli_help(cmd, stdout) < 0)
                                cli_usage(stdout);
                        exit(EXIT_PASS);
                case 'q':
                        cli_quiet = true;
                        cli_verbose = false;
                        continue;
                case 'v':
                        cli_verbose = true;
                        cli_quiet = false;
                        continue;
                case '?':
                        /* getopt_long() sets optopt to the val of a known long
                         * option given a value it does not take ("--no-inventory=x"),
                         * whose val is no option the user knows */
                        if (optopt && strncmp(argv[optind - 1], "--", 2) == 0) {
                                option_name(argv[optind - 1], name, sizeof(name));
                                log_error("%s: option '%s' takes no value; see 'portcullis %s --help'", cmd, name,
                                          cmd);
                        } else if (optopt)
                                log_error("%s: unknown option '-%c'; see 'portcullis %s --help'", cmd, optopt, cmd);
                        else {
                                option_name(argv[optind - 1], name, sizeof(name));
                                log_error("%s: unknown or ambiguous option '%s'; see 'portcullis %s --help'", cmd,
                                          name, cmd);
                        }
                        return '?';
                case ':':
                        option_name(argv[optind - 1], name, sizeof(name));
                        log_error("%s: option '%s' needs a value; see 'portcullis %s --help'", cmd, name, cmd);
                        return '?';
                default:
                        return c;
                }
        }
}

void cli_unknown_subcommand(const char *cmd, const char *word, const char *list) {
        if (word[0] == '-')
                log_error("%s: '%s' comes after the sub-command: portcullis %s SUBCOMMAND [OPTIONS], with "
                          "SUBCOMMAND one of %s; see 'portcullis %s --help'", cmd, word, cmd, list, cmd);
        else
                log_error("%s: unknown subcommand '%s' (%s); see 'portcullis %s --help'", cmd, word, list, cmd);
}

int cli_parse_count(const char *option, const char *arg, unsigned long max, unsigned long *ret) {
        unsigned long v;
        char *end;

        errno = 0;
        v = strtoul(arg, &end, 10);
        if (!*arg || arg[strspn(arg, "0123456789")] || errno || v > max) {
                log_error("%s: '%s' is not a count (a whole number from 0 to %lu)", option, arg, max);
                return -1;
        }
        *ret = v;
        return 0;
}

int cli_db_path(const char *cmd, const char *arg, const char *config, char **ret) {
        _cleanup_(config_freep) struct config *cfg = NULL;
        const char *env = getenv("PORTCULLIS_DB");
        struct error err = {};

        /* a --config FILE is read also when --db or $PORTCULLIS_DB overrides
         * its "db": a file named that is missing or wrong is an error */
        if (config || (!arg && !(env && *env))) {
                if (config_load(config, config != NULL, &cfg, &err) < 0) {
                        log_error("%s: %s%s", cmd, err.msg, config ? "" : "; or give the database with --db FILE");
                        return -1;
                }
                if (!arg && !(env && *env))
                        arg = cfg->db;
        }
        *ret = strdup(arg ? arg : env);
        if (!*ret) {
                log_error("%s: out of memory", cmd);
                return -1;
        }
        return 0;
}

size_t cli_terminal_width(int fd) {
        struct winsize ws;

        if (!isatty(fd) || ioctl(fd, TIOCGWINSZ, &ws) < 0)
                return 0;
        return ws.ws_col;
}

int cli_db_writable_path(const char *cmd, const char *path) {
        struct stat st;

        if (!*path) {
                log_error("%s: --db is empty; give the database file to write", cmd);
                return -1;
        }
        if (stat(path, &st) < 0 || S_ISREG(st.st_mode))
                return 0;
        if (S_ISDIR(st.st_mode)) {
                log_error("%s: --db %s is a folder; give the database file to write (such as %s/vulndb.sqlite)",
                          cmd, path, path);
                return -1;
        }
        /* The new database is renamed over it: over /dev/null, as root, a
         * file would take the device's place. */
        log_error("%s: --db %s is not a regular file (a device, a FIFO or a socket); give the database file to "
                  "write", cmd, path);
        return -1;
}

bool cli_use_color(int fd) {
        const char *nc = getenv("NO_COLOR");

        return isatty(fd) && !(nc && *nc);
}

void cli_print(const char *s) {
        size_t n = strlen(s);

        fputs(s, stdout);
        if (n == 0 || s[n - 1] != '\n')
                fputc('\n', stdout);
}

void cli_printf(const char *fmt, ...) {
        _cleanup_free_ char *s = NULL;
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (n < 0) {
                log_error("out of memory");
                return;
        }
        for (char *line = s, *nl; line; line = nl ? nl + 1 : NULL) {
                nl = strchr(line, '\n');
                if (nl)
                        *nl = '\0';
                str_make_printable(line);
                fputs(line, stdout);
                if (nl)
                        fputc('\n', stdout);
        }
}

int cli_parse_format(const char *arg, bool *json) {
        if (strcmp(arg, "json") != 0 && strcmp(arg, "table") != 0) {
                log_error("--format: '%s' is not one of table, json", arg);
                return -1;
        }
        *json = strcmp(arg, "json") == 0;
        return 0;
}

const struct report_format *cli_parse_report_format(const char *arg, bool scan) {
        const struct report_format *f = report_format_find(arg);

        if (!f || !(scan ? f->scan : f->inventory)) {
                log_error("--format: '%s' is not one of %s", arg, report_format_names(scan));
                return NULL;
        }
        return f;
}

/* --output /dev/stdout, /dev/null or a named pipe: written in place, as a
 * shell's '>' would (a file renamed over it would replace the device node
 * or the FIFO).  Opened without O_CREAT, and non-blocking so that a FIFO no
 * one reads fails at once (ENXIO) instead of hanging. */
static int output_stream(const char *path, const char *text, size_t n) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        int flags;

        if (fd < 0 || (flags = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
                log_error("--output %s: %s%s", path, strerror(errno),
                          errno == ENXIO ? " (a FIFO no one reads); start its reader first" : "");
                return -1;
        }
        if (write_all(fd, text, n) < 0) {
                log_error("--output %s: write: %s", path, strerror(errno));
                return -1;
        }
        return 0;
}

int cli_output(const char *path, const char *text) {
        _cleanup_free_ char *buf = NULL;
        struct error err = {};
        size_t n = strlen(text);
        struct stat st;
        int r;

        if (!path) {
                cli_print(text);
                return 0;
        }
        if (n > 0 && text[n - 1] != '\n') {
                if (asprintf(&buf, "%s\n", text) < 0)
                        return log_error("--output %s: out of memory", path), -1;
                text = buf;
                n++;
        }
        if (stat(path, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)))
                return output_stream(path, text, n);
        if (check_replaceable(path, &err) < 0) {
                log_error("--output %s: %s", path, err.msg);
                return -1;
        }
        r = write_file_atomic(path, text, n, &err);
        if (r < 0) {
                /* the previous file, if any, is as it was: renamed over only when whole */
                log_error("--output %s: %s; %s", path, err.msg,
                          r == -ENOSPC || r == -EDQUOT ? "free disk space there (the previous file is unchanged)"
                                                       : "give a path in a folder that exists and is writable");
                return -1;
        }
        return 0;
}

long long cli_age_seconds(const char *t) {
        long long age;

        return clock_age_seconds(t, &age) ? age : -1;
}

/* Prints what the library collected for the user, once, at the top. */
static void print_warnings(char *const *w) {
        for (; w && *w; w++)
                log_warning("%s", *w);
}

static int package_origin_cmp(const void *a, const void *b) {
        const struct package *x = *(const struct package *const *) a, *y = *(const struct package *const *) b;

        return strcmp(strempty(x->origin_file), strempty(y->origin_file));
}

/* -v: each file the packages came from, how many, of which ecosystem. */
static void log_sources(const struct inventory *inv) {
        _cleanup_free_ const struct package **v = NULL;

        if (!cli_verbose || inv->n_pkgs == 0 || !(v = calloc(inv->n_pkgs, sizeof(*v))))
                return;
        for (size_t i = 0; i < inv->n_pkgs; i++)
                v[i] = &inv->pkgs[i];
        qsort(v, inv->n_pkgs, sizeof(*v), package_origin_cmp);
        for (size_t i = 0, j; i < inv->n_pkgs; i = j) {
                for (j = i + 1; j < inv->n_pkgs && package_origin_cmp(&v[i], &v[j]) == 0; j++)
                        ;
                log_debug("read %s: %zu package%s (%s)", strna(v[i]->origin_file), j - i, j - i == 1 ? "" : "s",
                          strna(v[i]->ecosystem));
        }
}

/* What --pkg-types left out, in a line that collect() adds to the
 * inventory's warnings (stderr, and the scan reports); NULL when it looked for
 * everything. */
static const char *pkg_types_left_out(unsigned pkg_types) {
        return !(pkg_types & INVENTORY_PKG_LIBRARY) ? "--pkg-types os: language packages and executables (Go, "
                                                      "Rust) were not looked for"
               : !(pkg_types & INVENTORY_PKG_OS) ? "--pkg-types library: the OS's packages were not checked"
               : NULL;
}

static int collect(const char *arg, const char *db_path, unsigned pkg_types, struct image **ret_img,
                   struct inventory **ret_inv, struct scan_result **ret_res, struct error *err) {
        _cleanup_(image_freep) struct image *img = NULL;
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        struct inventory *inv = NULL;
        const char *rootfs = arg, *left_out = pkg_types_left_out(pkg_types);
        long long t = clock_now_ms();
        int r;

        if (access(arg, F_OK) < 0 && errno == ENOENT) {
                /* "alpine:3.11", "docker.io/library/nginx": a reference to an
                 * image in a registry or engine, which is never read from
                 * here. */
                if (strpbrk(arg, ":@") || (arg[0] != '/' && arg[0] != '.' && strchr(arg, '/')))
                        return error_set(err, ENOENT,
                                         "no file or folder '%s' here; to scan an image in a registry or a "
                                         "container engine, save it to a file first (docker save %s -o image.tar, "
                                         "or skopeo copy docker://%s oci-archive:image.tar) and scan that file, or "
                                         "scan its unpacked root filesystem", arg, arg, arg);
                return error_set(err, ENOENT, "no file or folder '%s': give an unpacked root filesystem or an "
                                 "image file (docker save tarball, OCI layout folder or tar)", arg);
        }
        if (image_path_is_image(arg)) {
                log_debug("%s: reading it as an image file", arg);
                if ((r = image_prepare(arg, &img, err)) < 0)
                        return r;
                r = analyze_image(img, CLI_ANALYSIS_DEADLINE_MS, err);
                if (r < 0)
                        return r;
                print_warnings(image_warnings(img));
                rootfs = image_rootfs(img);
                log_step(&t, "%s: the image's files unpacked into %s (sandboxed child)", arg, rootfs);
        }
        r = db_path ? analyze_rootfs(rootfs, db_path, pkg_types, CLI_ANALYSIS_DEADLINE_MS, &inv, NULL, &res, NULL, err)
                    : analyze_inventory(rootfs, pkg_types, CLI_ANALYSIS_DEADLINE_MS, &inv, NULL, err);
        if (analyze_sandbox_note())
                log_note("%s", analyze_sandbox_note());
        if (r < 0)
                return r;
        if (db_path)
                log_step(&t, "%s: inventory, %zu package%s, matched against %s (revision %s, data of %s), %zu "
                         "finding%s (one sandboxed child)", rootfs, inv->n_pkgs, inv->n_pkgs == 1 ? "" : "s",
                         db_path, strna(res->db_revision), strna(res->db_time), res->n_findings,
                         res->n_findings == 1 ? "" : "s");
        else
                log_step(&t, "%s: inventory, %zu package%s (sandboxed child)", rootfs, inv->n_pkgs,
                         inv->n_pkgs == 1 ? "" : "s");
        log_sources(inv);
        /* said with the inventory's warnings, which stderr and the scan reports carry */
        if (left_out && strv_push(&inv->warnings, strdup(left_out)) < 0) {
                inventory_free(inv);
                return error_set(err, ENOMEM, "out of memory");
        }
        print_warnings(inv->warnings);
        /* the image's files the caps kept out: not checked, like a cap of the walk */
        for (char *const *s = img ? image_skipped(img) : NULL; s && *s; s++)
                if ((r = strv_push(&inv->skipped, strdup(*s))) < 0 ||
                    (res && (r = scan_result_add_unchecked(res, UNCHECKED_INCOMPLETE, "the image", 0, *s)) < 0)) {
                        inventory_free(inv);
                        return error_set(err, ENOMEM, "out of memory");
                }
        *ret_img = TAKE_PTR(img);
        *ret_inv = inv;
        if (ret_res)
                *ret_res = TAKE_PTR(res);
        return 0;
}

int cli_collect(const char *arg, unsigned pkg_types, struct image **ret_img, struct inventory **ret_inv,
                struct error *err) {
        return collect(arg, NULL, pkg_types, ret_img, ret_inv, NULL, err);
}

int cli_collect_match(const char *arg, const char *db_path, unsigned pkg_types, struct image **ret_img,
                      struct inventory **ret_inv, struct scan_result **ret_res, struct error *err) {
        return collect(arg, db_path, pkg_types, ret_img, ret_inv, ret_res, err);
}

int cli_parse_pkg_types(const char *verb, const char *arg, unsigned *ret) {
        _cleanup_free_ char *copy = strdup(arg);
        unsigned types = 0;
        char *save = NULL;

        if (!copy) {
                log_error("%s: out of memory", verb);
                return -1;
        }
        for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
                if (strcmp(w, "os") == 0)
                        types |= INVENTORY_PKG_OS;
                else if (strcmp(w, "library") == 0)
                        types |= INVENTORY_PKG_LIBRARY;
                else {
                        log_error("%s: --pkg-types: '%s' is not a package type (use os, library, or both: "
                                  "os,library)", verb, w);
                        return -1;
                }
        if (!types) {
                log_error("%s: --pkg-types: '%s' names no package type (use os, library, or both: os,library)",
                          verb, arg);
                return -1;
        }
        *ret = types;
        return 0;
}
