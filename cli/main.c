/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portcullis-build.h"
#include "verbs.h"

static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
        const char *help;
} verbs[] = {
        { "scan",      verb_scan,      "ROOTFS [--db FILE] [--severity LIST] [--ignore-unfixed] [--fail-on SEV] [--format table|json]" },
        { "inventory", verb_inventory, "ROOTFS [--format table|json]" },
        { "db",        verb_db,        "import PATH... [--db FILE] [--merge] [--allow-shrink] | update [--db FILE] [--config FILE] [--source URL]... [--ecosystem E]... [--allow-shrink] | status [--db FILE] [--config FILE] [--format table|json] | sign --key KEY.pem --serial N --expires TIME [--created TIME] DIR" },
        { "vercmp",    verb_vercmp,    "ECOSYSTEM A B   (prints <, = or >)" },
        { "cvss",      verb_cvss,      "VECTOR   (base score and severity)" },
        { "policy",    verb_policy,    "check FILE   (validate a policy and explain it)" },
        { "check",     verb_check,     "--state FILE [--config FILE] [--policy FILE] [--format json]   (what the hook would decide)" },
        { "report",    verb_report,    "[--log FILE] [--last N]   (the hook's recent decisions)" },
        { "cache",     verb_cache,     "ls [--format table|json] | show KEY | purge [KEY] | gc [--ttl S] [--max-entries N] | rescan [--db FILE]   [--cache FILE]" },
};

void log_error(const char *fmt, ...) {
        va_list ap;

        fputs("portcullis: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

static void usage(FILE *f) {
        fprintf(f, "Usage: portcullis COMMAND [ARGS...]\n\n");
        for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
                fprintf(f, "  portcullis %-9s %s\n", verbs[i].name, verbs[i].help);
        fprintf(f, "\nExit status: 0 pass, 1 the policy says no, 2 usage or error.\n");
}

int main(int argc, char **argv) {
        /* Without TZ, glibc's mktime() stats /etc/localtime on every call,
         * and libarchive calls it for every zip entry: two syscalls per OSV
         * record.  Naming the same zone once makes tzset() cache it. */
        if (!getenv("TZ"))
                (void) setenv("TZ", ":/etc/localtime", 0);

        if (argc < 2) {
                usage(stderr);
                return EXIT_ERROR;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
                usage(stdout);
                return EXIT_PASS;
        }
        if (strcmp(argv[1], "--version") == 0) {
                printf("portcullis %s\n", PORTCULLIS_VERSION);
                return EXIT_PASS;
        }
        for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
                if (strcmp(argv[1], verbs[i].name) == 0)
                        return verbs[i].fn(argc - 1, argv + 1);

        log_error("unknown command '%s'; see 'portcullis --help'", argv[1]);
        return EXIT_ERROR;
}
