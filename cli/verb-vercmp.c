/* SPDX-License-Identifier: Apache-2.0 */
/* portcullis vercmp ECOSYSTEM A B
 *
 * Prints "<", "=" or ">" for A against B under the ecosystem's ordering.
 * Hidden: `portcullis vercmp --batch ECOSYSTEM` reads "A B" lines on stdin
 * and prints one result per line ("error: MESSAGE" for a bad pair), so that
 * tests/vercmp-differential.sh can check thousands of pairs in one process. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/macro.h"
#include "common.h"
#include "verbs.h"
#include "version.h"

/* A batch line longer than this is reported as an error, not compared. */
#define VERCMP_BATCH_LINE_MAX ((size_t) 64 * 1024)

static const char *cmp_symbol(int cmp) {
        return cmp < 0 ? "<" : cmp > 0 ? ">" : "=";
}

static int kind_from_arg(const char *ecosystem, enum version_kind *ret_kind) {
        int k = version_kind_from_ecosystem(ecosystem);

        if (k < 0) {
                log_error("unknown ecosystem '%s'; give an OSV ecosystem (Debian:12, Ubuntu:22.04:LTS, "
                          "Alpine:v3.18, PyPI, npm, Go, crates.io, Maven, RubyGems, Packagist, NuGet, Bitnami, ...) "
                          "or one of: deb, apk, rpm, pypi, npm, go, crates, semver, maven, gem, composer, nuget, "
                          "bitnami",
                          ecosystem);
                return -1;
        }
        *ret_kind = (enum version_kind) k;
        return 0;
}

/* dpkg accepts some malformed versions with a warning; say so too. */
static void warn_if_questionable(enum version_kind kind, const char *v) {
        struct error warn = {};

        if (kind == VERSION_DPKG && version_dpkg_check(v, &warn) > 0)
                log_warning("%s (compared anyway, as dpkg does)", warn.msg);
}

static int vercmp_one(const char *ecosystem, const char *a, const char *b) {
        struct error err = {};
        enum version_kind kind;
        int cmp, r;

        if (kind_from_arg(ecosystem, &kind) < 0)
                return EXIT_ERROR;
        r = version_compare(kind, a, b, &cmp, &err);
        if (r == -EOPNOTSUPP) {
                log_error("%s; compare %s versions with the ecosystem's own tool for now", err.msg, ecosystem);
                return EXIT_ERROR;
        }
        if (r < 0) {
                log_error("%s; fix the version string%s", err.msg,
                          kind == VERSION_DPKG ? " (see deb-version(7) for the syntax)" : "");
                return EXIT_ERROR;
        }
        warn_if_questionable(kind, a);
        warn_if_questionable(kind, b);
        puts(cmp_symbol(cmp));
        return EXIT_PASS;
}

/* Returns the next blank-separated field of *cursor, NUL-terminated in
 * place, or NULL at the end. */
static char *next_field(char **cursor) {
        char *s = *cursor + strspn(*cursor, " \t"), *e;

        if (*s == '\0')
                return NULL;
        e = s + strcspn(s, " \t");
        if (*e)
                *e++ = '\0';
        *cursor = e;
        return s;
}

/* Splits "A B" in place; anything but exactly two fields is an error. */
static int split_pair(char *line, char **ret_a, char **ret_b) {
        char *cursor = line, *a, *b;

        a = next_field(&cursor);
        b = next_field(&cursor);
        if (!a || !b || next_field(&cursor))
                return -1;
        *ret_a = a;
        *ret_b = b;
        return 0;
}

static void vercmp_line(enum version_kind kind, char *line, size_t len) {
        struct error err = {};
        char *a, *b;
        int cmp;

        if (len > 0 && line[len - 1] == '\n')
                line[--len] = '\0';
        if (len > VERCMP_BATCH_LINE_MAX || strlen(line) != len) {
                puts("error: line too long or contains NUL");
                return;
        }
        if (split_pair(line, &a, &b) < 0) {
                puts("error: expected two blank-separated versions");
                return;
        }
        if (version_compare(kind, a, b, &cmp, &err) < 0)
                printf("error: %s\n", err.msg);
        else
                puts(cmp_symbol(cmp));
}

static int vercmp_batch(const char *ecosystem) {
        _cleanup_free_ char *line = NULL;
        enum version_kind kind;
        size_t cap = 0;
        ssize_t n;

        if (kind_from_arg(ecosystem, &kind) < 0)
                return EXIT_ERROR;
        while ((n = getline(&line, &cap, stdin)) >= 0)
                vercmp_line(kind, line, (size_t) n);
        if (ferror(stdin)) {
                log_error("reading version pairs from stdin failed");
                return EXIT_ERROR;
        }
        if (fflush(stdout) != 0) {
                log_error("writing results failed");
                return EXIT_ERROR;
        }
        return EXIT_PASS;
}

int verb_vercmp(int argc, char **argv) {
        const char *args[3];
        int n = 0;
        bool dashdash = false;

        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
                cli_help("vercmp", stdout);
                return EXIT_PASS;
        }
        if (argc == 3 && strcmp(argv[1], "--batch") == 0)
                return vercmp_batch(argv[2]);
        /* else "--batch" was read as an ECOSYSTEM or a version */
        for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
                if (strcmp(argv[i], "--batch") == 0) {
                        log_error("vercmp: --batch takes one ECOSYSTEM and reads the pairs from stdin ('portcullis "
                                  "vercmp --batch ECOSYSTEM <pairs'); see 'portcullis vercmp --help'");
                        return EXIT_ERROR;
                }

        /* Versions may start with '-', so the only options are -q/--quiet
         * and -v/--verbose before ECOSYSTEM (whose names never start with
         * '-') or after B (where nothing else may come); one "--" is
         * dropped for those who write it out of habit ("--" is no valid
         * version in any of our ecosystems). */
        for (int i = 1; i < argc; i++) {
                bool option_here = !dashdash && (n == 0 || n == 3);

                if (!dashdash && strcmp(argv[i], "--") == 0) {
                        dashdash = true;
                        continue;
                }
                if (option_here && (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0)) {
                        cli_quiet = true;
                        continue;
                }
                if (option_here && (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0)) {
                        cli_verbose = true;
                        continue;
                }
                if (n == 3) {
                        n++;
                        break;
                }
                args[n++] = argv[i];
        }
        if (n != 3) {
                log_error("vercmp takes ECOSYSTEM A B; see 'portcullis vercmp --help'");
                return EXIT_ERROR;
        }
        return vercmp_one(args[0], args[1], args[2]);
}
