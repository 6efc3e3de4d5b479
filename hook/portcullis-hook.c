/* SPDX-License-Identifier: Apache-2.0 */
/* portcullis-hook: the OCI createRuntime (or prestart) hook.  The runtime
 * gives it the container's state on stdin; the gate (lib/gate.h) decides
 * whether the container may start; the hook says so with its exit status
 * (0 start, non-zero don't) and the gate's lines on stderr, which runc puts
 * into the error kubelet and podman show. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "gate.h"

static int parse_args(int argc, char **argv, struct gate_options *a) {
        static const struct option opts[] = {
                { "config", required_argument, NULL, 'c' },
                { "policy", required_argument, NULL, 'p' },
                { "db", required_argument, NULL, 'd' },
                { "cache", required_argument, NULL, 'C' },
                { "lock-dir", required_argument, NULL, 'L' },
                { "log-file", required_argument, NULL, 'l' },
                { "no-syslog", no_argument, NULL, 'n' },
                { "syslog-socket", required_argument, NULL, 'S' },
                { "containerd-namespace", required_argument, NULL, 'N' },
                { "containerd-id", required_argument, NULL, 'I' },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0)
                switch (c) {
                case 'c':
                        a->config = optarg;
                        break;
                case 'p':
                        a->policy = optarg;
                        break;
                case 'd':
                        a->db = optarg;
                        break;
                case 'l':
                        a->log_file = optarg;
                        break;
                case 'n':
                        a->no_syslog = true;
                        break;
                case 'S':
                        a->syslog_socket = optarg;
                        break;
                case 'C':
                        a->cache = optarg;
                        break;
                case 'L':
                        a->lock_dir = optarg;
                        break;
                case 'N':
                        a->containerd_namespace = optarg;
                        break;
                case 'I':
                        a->containerd_id = optarg;
                        break;
                default:
                        return -1;
                }
        return 0;
}

int main(int argc, char **argv) {
        /* The deadline counts from the runtime's exec, not from here. */
        struct gate_options o = { .deadline_from_exec = true };
        struct gate_result r = {};
        int code;

        if (!getenv("TZ"))
                (void) setenv("TZ", ":/etc/localtime", 0);
        if (parse_args(argc, argv, &o) < 0) {
                fprintf(stderr, "portcullis: blocked: usage: portcullis-hook [--config FILE] [--policy FILE] "
                        "[--db FILE] [--cache FILE] [--lock-dir DIR] [--log-file FILE] [--no-syslog] [--syslog-socket PATH] "
                        "[--containerd-namespace NS] [--containerd-id ID] < OCI state\n");
                return GATE_BLOCK;
        }
        gate_run(&o, STDIN_FILENO, &r);
        for (char **m = r.messages; m && *m; m++)
                fprintf(stderr, "%s\n", *m);
        code = r.exit_code;
        gate_result_done(&r);
        return code;
}
