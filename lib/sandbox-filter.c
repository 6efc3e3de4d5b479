/* SPDX-License-Identifier: Apache-2.0 */
/* The seccomp programs of the sandbox's two kinds of child (sandbox.h):
 * the rules, and libseccomp's compilation of them.  A native build
 * compiles them once, at build time (sandbox-filter-gen.c), and the
 * binaries carry them; only a cross build's children compile them as they
 * start (sandbox_filter_program()). */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/macro.h"
#include "sandbox-filter.h"

/* meson sets PORTCULLIS_SANITIZED when b_sanitize is not "none". */
#ifndef PORTCULLIS_SANITIZED
#define PORTCULLIS_SANITIZED 0
#endif

/* Plain reads, metadata, memory, time and exit; none writes or reaches
 * beyond what the process already has.  Names absent on an architecture
 * (stat, open on arm64) are skipped.
 *   fstatfs, readlinkat: lib/rootfs.c tells procfs magic links apart;
 *   access/faccessat, getcwd, readlink: sqlite's hot-journal check and
 *     full-path resolution;
 *   sysinfo: glibc's qsort asks for the RAM size (_SC_PHYS_PAGES);
 *   nanosleep: sqlite's busy wait;
 *   rt_sigaction, rt_sigprocmask: abort() (with tgkill to itself below),
 *     so that a stack-protector or assert death reads as SIGABRT. */
static const char *const allowed[] = {
        "read", "pread64", "readv", "preadv", "lseek", "getdents64", "close",
        "fstat", "newfstatat", "stat", "lstat", "statx", "fstatfs", "readlink", "readlinkat",
        "access", "faccessat", "faccessat2", "getcwd",
        "brk", "munmap", "mremap", "madvise",
        "futex", "clock_gettime", "gettimeofday", "time", "nanosleep", "clock_nanosleep", "getrandom", "sysinfo",
        "getpid", "gettid", "getcpu", "getuid", "geteuid", "getgid", "getegid",
        "rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "exit", "exit_group",
};

/* The image reader's writes, all relative to a folder fd and a plain name
 * (lib/image.c); write(2) to the files it creates. */
static const char *const allowed_writer[] = {
        "write", "mkdirat", "unlinkat", "symlinkat", "linkat",
};

/* What the ASan/UBSan runtimes use to report (a sanitizer build only:
 * these are never in a release filter). */
static const char *const allowed_sanitizer[] = {
        "sigaltstack", "prctl", "sched_yield", "getppid", "prlimit64", "getrlimit", "writev", "uname",
};

/* fcntl commands: file-descriptor flags and record locks (sqlite, and
 * fdopendir's F_GETFL).  Not F_SETOWN/F_SETSIG: SIGIO to a pid of our
 * choosing would be a kill() by another name. */
static const int fcntl_cmds[] = {
        F_GETFD, F_SETFD, F_GETFL, F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW,
};

/* Open flags that could create, change or grow a file. */
static const int open_write_flags[] = { O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND, O_TMPFILE & ~O_DIRECTORY };

DEFINE_TRIVIAL_CLEANUP_FUNC(scmp_filter_ctx, seccomp_release)

/* Adds a rule for name; names this architecture lacks are skipped. */
static int rule(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned n_args,
                const struct scmp_arg_cmp *args) {
        int nr = seccomp_syscall_resolve_name(name);

        if (nr == __NR_SCMP_ERROR)
                return 0;
        return seccomp_rule_add_array(ctx, action, nr, n_args, args);
}

static int allow_list(scmp_filter_ctx ctx, const char *const *names, size_t n) {
        int k;

        for (size_t i = 0; i < n; i++)
                if ((k = rule(ctx, SCMP_ACT_ALLOW, names[i], 0, NULL)) < 0)
                        return k;
        return 0;
}

/* open/openat: allowed without write flags; with one, EACCES (a refusal
 * the caller reports, like a read-only file system would). */
static int open_rules(scmp_filter_ctx ctx, const char *name, unsigned flags_arg) {
        int mask = 0, k;

        for (size_t i = 0; i < ELEMENTSOF(open_write_flags); i++) {
                struct scmp_arg_cmp c = { flags_arg, SCMP_CMP_MASKED_EQ, (unsigned) open_write_flags[i],
                                          (unsigned) open_write_flags[i] };

                mask |= open_write_flags[i];
                if ((k = rule(ctx, SCMP_ACT_ERRNO(EACCES), name, 1, &c)) < 0)
                        return k;
        }
        return rule(ctx, SCMP_ACT_ALLOW, name, 1,
                    &(struct scmp_arg_cmp) { flags_arg, SCMP_CMP_MASKED_EQ, (unsigned) mask, 0 });
}

/* The image reader's opens: reads, and creating a new file to write
 * (O_WRONLY|O_CREAT|O_EXCL, which never follows or truncates); any other
 * write flag kills (rules of one filter must not overlap). */
static int writer_open_rules(scmp_filter_ctx ctx, const char *name, unsigned flags_arg) {
        const int create = O_WRONLY | O_CREAT | O_EXCL;
        int mask = 0, k;

        for (size_t i = 0; i < ELEMENTSOF(open_write_flags); i++)
                mask |= open_write_flags[i];
        mask |= O_EXCL;
        if ((k = rule(ctx, SCMP_ACT_ALLOW, name, 1,
                      &(struct scmp_arg_cmp) { flags_arg, SCMP_CMP_MASKED_EQ, (unsigned) mask, 0 })) < 0)
                return k;
        return rule(ctx, SCMP_ACT_ALLOW, name, 1,
                    &(struct scmp_arg_cmp) { flags_arg, SCMP_CMP_MASKED_EQ, (unsigned) mask, (unsigned) create });
}

/* mmap/mprotect without PROT_EXEC: no new code, ever. */
static int memory_rules(scmp_filter_ctx ctx) {
        struct scmp_arg_cmp no_exec = { 2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0 };
        int k;

        if ((k = rule(ctx, SCMP_ACT_ALLOW, "mmap", 1, &no_exec)) < 0)
                return k;
        return rule(ctx, SCMP_ACT_ALLOW, "mprotect", 1, &no_exec);
}

static int fd_rules(scmp_filter_ctx ctx, bool writer) {
        int k;

        for (size_t i = 0; i < ELEMENTSOF(fcntl_cmds); i++)
                if ((k = rule(ctx, SCMP_ACT_ALLOW, "fcntl", 1,
                              &(struct scmp_arg_cmp) { 1, SCMP_CMP_EQ, (unsigned) fcntl_cmds[i], 0 })) < 0)
                        return k;
        if (!writer && (k = rule(ctx, SCMP_ACT_ALLOW, "write", 1,
                                 &(struct scmp_arg_cmp) { 0, SCMP_CMP_EQ, FILTER_FD_STANDIN, 0 })) < 0)
                return k;
        if (PORTCULLIS_SANITIZED && !writer && (k = rule(ctx, SCMP_ACT_ALLOW, "write", 1,
                                              &(struct scmp_arg_cmp) { 0, SCMP_CMP_EQ, STDERR_FILENO, 0 })) < 0)
                return k;
        /* The walk's listers choose their CPU (lib/inventory/inventory-walk.c
         * place()): the calling thread's own affinity only, no other
         * process's; sched_getcpu() is a syscall where the vDSO has none. */
        if ((k = rule(ctx, SCMP_ACT_ALLOW, "sched_setaffinity", 1,
                      &(struct scmp_arg_cmp) { 0, SCMP_CMP_EQ, 0, 0 })) < 0)
                return k;
        /* A signal only to ourselves: abort(). */
        return rule(ctx, SCMP_ACT_ALLOW, "tgkill", 1,
                    &(struct scmp_arg_cmp) { 0, SCMP_CMP_EQ, FILTER_PID_STANDIN, 0 });
}

/* Harmless probes answered with an errno instead of death:
 *   openat2: its flags sit behind a pointer a filter can't read, so it is
 *     ENOSYS and lib/rootfs.c takes its O_NOFOLLOW walk over openat, whose
 *     flags the filter checks (inside the chroot, the walk can't leave the
 *     rootfs either);
 *   ioctl: ENOTTY, as for a file that is no terminal (isatty()). */
static int refusals(scmp_filter_ctx ctx) {
        int k;

        if ((k = rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "openat2", 0, NULL)) < 0)
                return k;
        return rule(ctx, SCMP_ACT_ERRNO(ENOTTY), "ioctl", 0, NULL);
}

static int compile(scmp_filter_ctx ctx, struct sock_filter **ret, size_t *ret_n) {
        _cleanup_close_ int rd = -EBADF, wr = -EBADF;
        struct sock_filter *insns;
        int fds[2], k;
        ssize_t n;

        /* libseccomp 2.5 exports to an fd only; a filter of a few hundred
         * instructions fits a pipe's buffer. */
        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        rd = fds[0];
        wr = fds[1];
        k = seccomp_export_bpf(ctx, wr);
        if (k < 0)
                return k;
        closep(&wr);
        wr = -EBADF;
        insns = malloc(BPF_MAXINSNS * sizeof(struct sock_filter));
        if (!insns)
                return -ENOMEM;
        n = read(rd, insns, BPF_MAXINSNS * sizeof(struct sock_filter));
        if (n <= 0 || n % sizeof(struct sock_filter) != 0) {
                free(insns);
                return n < 0 ? -errno : -EIO;
        }
        *ret = insns;
        *ret_n = (size_t) n / sizeof(struct sock_filter);
        return 0;
}

int sandbox_filter_build(bool writer, struct sock_filter **ret, size_t *ret_n) {
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        int k;

        ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
        if (!ctx)
                return -ENOMEM;
        if ((k = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0 ||
            (k = allow_list(ctx, allowed, ELEMENTSOF(allowed))) < 0 ||
            (PORTCULLIS_SANITIZED && (k = allow_list(ctx, allowed_sanitizer, ELEMENTSOF(allowed_sanitizer))) < 0) ||
            (writer && (k = allow_list(ctx, allowed_writer, ELEMENTSOF(allowed_writer))) < 0) ||
            (k = (writer ? writer_open_rules : open_rules)(ctx, "openat", 2)) < 0 ||
            (k = (writer ? writer_open_rules : open_rules)(ctx, "open", 1)) < 0 ||
            (k = memory_rules(ctx)) < 0 || (k = fd_rules(ctx, writer)) < 0 || (k = refusals(ctx)) < 0)
                return k;
        return compile(ctx, ret, ret_n);
}

#if PORTCULLIS_BUILT_FILTERS
#include "sandbox-filters.h"    /* built_analysis, built_writer: sandbox-filter-gen.c */
#endif

int sandbox_filter_program(bool writer, const struct sock_filter **ret, size_t *ret_n) {
#if PORTCULLIS_BUILT_FILTERS
        *ret = writer ? built_writer : built_analysis;
        *ret_n = writer ? ELEMENTSOF(built_writer) : ELEMENTSOF(built_analysis);
        return 1;
#else
        static struct sock_filter *compiled[2];
        static size_t n_compiled[2];
        int k;

        if (!compiled[writer] && (k = sandbox_filter_build(writer, &compiled[writer], &n_compiled[writer])) < 0)
                return k;
        *ret = compiled[writer];
        *ret_n = n_compiled[writer];
        return 0;
#endif
}
