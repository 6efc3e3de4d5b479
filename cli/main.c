/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "portcullis-build.h"
#include "verbs.h"

/* The commands; their help is cli/help.c's table. */
static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
} verbs[] = {
        { "scan",      verb_scan },
        { "inventory", verb_inventory },
        { "db",        verb_db },
        { "vercmp",    verb_vercmp },
        { "cvss",      verb_cvss },
        { "policy",    verb_policy },
        { "check",     verb_check },
        { "report",    verb_report },
        { "cache",     verb_cache },
        { "doctor",    verb_doctor },
        { "metrics",   verb_metrics },
        { "ps",        verb_ps },
        { "install",   verb_install },
        { "uninstall", verb_uninstall },
};

/* portcullis help [COMMAND [SUBCOMMAND]] */
static int help(int argc, char **argv) {
        char cmd[64];

        if (argc < 2) {
                cli_usage(stdout);
                return EXIT_PASS;
        }
        snprintf(cmd, sizeof(cmd), "%s%s%s", argv[1], argc > 2 ? " " : "", argc > 2 ? argv[2] : "");
        if (argc > 3 || cli_help(cmd, stdout) < 0) {
                log_error("help: no command '%s'; see 'portcullis help' for the list", cmd);
                return EXIT_ERROR;
        }
        return EXIT_PASS;
}

static bool is_option(const char *arg, const char *s, const char *l) {
        return strcmp(arg, s) == 0 || strcmp(arg, l) == 0;
}

/* What a command printed must have reached stdout: a full disk under
 * 'scan --format json > report.json' (or /dev/full) left an empty or cut
 * file behind an exit status of 0, or of 1, which a CI reads as findings. */
static int output_written(int code) {
        int e = fflush(stdout) == 0 ? 0 : errno;

        if (e == 0 && !ferror(stdout))
                return code;
        log_error("write the output to stdout: %s; what was printed is incomplete (a full disk?)",
                  e ? strerror(e) : "a write failed");
        return EXIT_ERROR;
}

int main(int argc, char **argv) {
        /* Without TZ, glibc's mktime() stats /etc/localtime on every call,
         * and libarchive calls it for every zip entry: two syscalls per OSV
         * record.  Naming the same zone once makes tzset() cache it. */
        if (!getenv("TZ"))
                (void) setenv("TZ", ":/etc/localtime", 0);

        /* -q/-v may come before the command too. */
        while (argc > 1 && (is_option(argv[1], "-q", "--quiet") || is_option(argv[1], "-v", "--verbose"))) {
                cli_verbose = is_option(argv[1], "-v", "--verbose");
                cli_quiet = !cli_verbose;
                argv[1] = argv[0];
                argc--, argv++;
        }
        if (argc < 2) {
                cli_usage(stderr);
                return EXIT_ERROR;
        }
        if (is_option(argv[1], "-h", "--help") || strcmp(argv[1], "help") == 0)
                return help(argc - 1, argv + 1);
        if (strcmp(argv[1], "--version") == 0) {
                printf("portcullis %s\n", PORTCULLIS_VERSION);
                return EXIT_PASS;
        }
        for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
                if (strcmp(argv[1], verbs[i].name) == 0)
                        return output_written(verbs[i].fn(argc - 1, argv + 1));

        log_error("unknown command '%s'; see 'portcullis --help'", argv[1]);
        return EXIT_ERROR;
}
