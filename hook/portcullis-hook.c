/* SPDX-License-Identifier: Apache-2.0 */
/* portcullis-hook: the OCI createRuntime (or prestart) hook.  The runtime
 * gives it the container's state on stdin; the gate (lib/gate.h) decides
 * whether the container may start; the hook says so with its exit status
 * (0 start, non-zero don't) and the gate's lines on stderr, which runc puts
 * into the error kubelet and podman show. */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <unistd.h>

#include "analyze.h"
#include "base/macro.h"
#include "gate.h"

static const char usage_text[] =
        "Usage: portcullis-hook [OPTIONS] < OCI state\n\n"
        "The OCI createRuntime (or prestart) hook: decides whether the container whose state\n"
        "the runtime gives on stdin may start (exit 0) or not (exit 1, with the reason on\n"
        "stderr).  Installed by the runtime's hook configuration, not run by hand; to try\n"
        "a decision, use 'portcullis check --state FILE'.\n\n"
        "Options:\n"
        "  --config FILE                the configuration (default: /etc/portcullis/config.json)\n"
        "  --policy FILE                the policy (default: config.json's)\n"
        "  --db FILE                    the vulnerability database (default: config.json's)\n"
        "  --cache FILE                 the verdict cache (default: config.json's)\n"
        "  --lock-dir DIR               per-image locks (default: config.json's)\n"
        "  --log-file FILE              the audit log (default: config.json's)\n"
        "  --no-syslog                  no journal/syslog line\n"
        "  --syslog-socket PATH         the syslog socket (default: /dev/log)\n"
        "  --containerd-namespace NS    set by containerd-shim-portcullis-v2\n"
        "  --containerd-id ID           set by containerd-shim-portcullis-v2\n"
        "  -h, --help                   this text\n\n"
        "See portcullis-hook(8).\n";

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
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0)
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
                case 'h':
                        fputs(usage_text, stdout);
                        exit(0);
                default:
                        return -1;
                }
        return 0;
}

/* The messages for the runtime's log, one line each, in one write(2) (the
 * hit path's syscalls are counted); what is not written is dropped. */
static void say_all(char **messages) {
        struct iovec iov[2 * 16];
        size_t n = 0;

        for (char **m = messages; m && *m; m++) {
                if (n == ELEMENTSOF(iov)) {
                        (void) writev(STDERR_FILENO, iov, (int) n);
                        n = 0;
                }
                iov[n++] = (struct iovec) { .iov_base = *m, .iov_len = strlen(*m) };
                iov[n++] = (struct iovec) { .iov_base = (char *) "\n", .iov_len = 1 };
        }
        if (n > 0)
                (void) writev(STDERR_FILENO, iov, (int) n);
}

int main(int argc, char **argv) {
        /* The deadline counts from the runtime's exec, not from here. */
        struct gate_options o = { .deadline_from_exec = true, .hook = true };
        struct gate_result r = {};
        uint32_t seed;
        int code;

        if (!getenv("TZ"))
                (void) setenv("TZ", ":/etc/localtime", 0);
        /* jansson's hash seed from getrandom(2) rather than its own open of
         * /dev/urandom (three syscalls more per start); 0 would mean "draw
         * one". */
        if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t) sizeof(seed))
                json_object_seed(seed | 1);
        /* the analysis of a miss, started by this binary (analyze.h) */
        if (argc > 1 && strcmp(argv[1], ANALYZE_CHILD_ARG) == 0)
                return analyze_child_main(argc, argv);
        analyze_exec_children();
        if (parse_args(argc, argv, &o) < 0) {
                fprintf(stderr, "portcullis: blocked: bad arguments to portcullis-hook; see 'portcullis-hook --help'\n");
                return GATE_BLOCK;
        }
        /* A reader gone must not turn a start the policy allows or warns
         * about into a hook killed by SIGPIPE, which the runtime takes for
         * a refusal, with no line said: the stderr the runtime no longer
         * reads, and an audit log.file that is a FIFO whose reader left
         * between the open and the write (the line is then not recorded,
         * and on_audit_failure decides).  The exit status is the
         * decision's.  (The analysis children, exec'd, inherit it: their
         * write to a hook gone fails instead.) */
        (void) signal(SIGPIPE, SIG_IGN);
        gate_run(&o, STDIN_FILENO, &r);
        say_all(r.messages);
        code = r.exit_code;
        gate_result_done(&r);
        return code;
}
