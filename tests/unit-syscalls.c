/* SPDX-License-Identifier: Apache-2.0 */
/* unit-syscalls ALLOWED COMMAND...: runs COMMAND under a seccomp filter
 * that fails every system call but those named in the file ALLOWED (one
 * a line) with EPERM, as systemd's SystemCallFilter= with
 * SystemCallErrorNumber=EPERM does; names this libseccomp does not know
 * are skipped.  For the tests that run a command under a shipped unit's
 * restrictions where systemd is not PID 1 (with setpriv for its
 * capabilities and NoNewPrivileges). */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
        char line[128];
        scmp_filter_ctx ctx;
        FILE *f;
        int r;

        if (argc < 3) {
                fprintf(stderr, "usage: unit-syscalls ALLOWED COMMAND...\n");
                return 125;
        }
        f = fopen(argv[1], "re");
        ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
        if (!f || !ctx) {
                fprintf(stderr, "unit-syscalls: %s: %s\n", argv[1], strerror(errno));
                return 125;
        }
        while (fgets(line, sizeof(line), f)) {
                int nr;

                line[strcspn(line, "\n")] = '\0';
                nr = seccomp_syscall_resolve_name(line);
                if (nr != __NR_SCMP_ERROR && (r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0)) < 0) {
                        fprintf(stderr, "unit-syscalls: %s: %s\n", line, strerror(-r));
                        return 125;
                }
        }
        fclose(f);
        if ((r = seccomp_load(ctx)) < 0) {
                fprintf(stderr, "unit-syscalls: load the filter: %s\n", strerror(-r));
                return 125;
        }
        execvp(argv[2], argv + 2);
        fprintf(stderr, "unit-syscalls: %s: %s\n", argv[2], strerror(errno));
        return 127;
}
