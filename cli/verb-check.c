/* SPDX-License-Identifier: Apache-2.0 */
/* portcullis check --state FILE: what the hook would decide for a container
 * start, from an OCI state file (and so its bundle), without writing an
 * audit line: a dry run of the gate, for trying a policy on a real bundle. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/macro.h"
#include "common.h"
#include "gate.h"
#include "verbs.h"

int verb_check(int argc, char **argv) {
        static const struct option opts[] = {
                { "state", required_argument, NULL, 's' },
                { "config", required_argument, NULL, 'c' },
                { "policy", required_argument, NULL, 'p' },
                { "db", required_argument, NULL, 'd' },
                { "cache", required_argument, NULL, 'C' },
                { "format", required_argument, NULL, 'F' },
                {}
        };
        struct gate_options o = { .dry_run = true, .no_syslog = true };
        _cleanup_close_ int fd = -EBADF;
        struct gate_result r = {};
        const char *state = NULL;
        struct stat st;
        bool json = false;
        int c, code;

        while ((c = cli_getopt(argc, argv, "check", opts)) >= 0)
                switch (c) {
                case 's':
                        state = optarg;
                        break;
                case 'c':
                        o.config = optarg;
                        break;
                case 'p':
                        o.policy = optarg;
                        break;
                case 'd':
                        o.db = optarg;
                        break;
                case 'C':
                        o.cache = optarg;
                        break;
                case 'F':
                        if (cli_parse_format(optarg, &json) < 0)
                                return EXIT_ERROR;
                        break;
                default:
                        return EXIT_ERROR;
                }
        if (!state || optind != argc) {
                log_error("check: expected --state FILE (an OCI state: {\"ociVersion\", \"id\", \"status\", \"bundle\"})");
                return EXIT_ERROR;
        }
        fd = open(state, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                log_error("check: open %s: %s", state, strerror(errno));
                return EXIT_ERROR;
        }
        /* as a missing file: the gate would read it as a broken state from
         * the runtime, and on_error would decide a start the file never
         * described */
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
                log_error("check: --state %s is a folder; give the OCI state file (JSON, as the runtime gives "
                          "a hook)", state);
                return EXIT_ERROR;
        }
        o.state_path = state;
        gate_run(&o, fd, &r);
        for (char **m = r.messages; m && *m; m++)
                fprintf(json ? stderr : stdout, "%s\n", *m);
        if (json)
                cli_print(r.audit_line ? r.audit_line : "null");
        else
                printf("decision: %s (the hook would exit %d)\n", r.exit_code == GATE_START ? "start" : "block",
                       r.exit_code);
        code = r.exit_code == GATE_START ? EXIT_PASS : EXIT_POLICY;
        gate_result_done(&r);
        return code;
}
