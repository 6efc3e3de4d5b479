/* SPDX-License-Identifier: Apache-2.0 */
/* The analysis child's cage: fds, chroot, rlimits, no_new_privs, and a
 * libseccomp allow-list whose default is to kill the process.  The list is
 * what the dpkg/os-release readers (lib/rootfs.c, glibc's malloc, qsort and
 * readdir, jansson) and a read-only sqlite need, and nothing that writes a
 * file, runs a program, signals another process or reaches a network. */
#include <fcntl.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "sandbox.h"

/* meson sets PORTCULLIS_SANITIZED when b_sanitize is not "none". */
#ifndef PORTCULLIS_SANITIZED
#define PORTCULLIS_SANITIZED 0
#endif

#define SANDBOX_KEEP_MAX 16

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
        "getpid", "gettid", "getuid", "geteuid", "getgid", "getegid",
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

static int cmp_int(const void *a, const void *b) {
        return *(const int *) a - *(const int *) b;
}

/* Closes every fd but 0-2 and the kept ones (sorted, above 2). */
static int close_others(const int *keep, size_t n) {
        unsigned from = 3;

        for (size_t i = 0; i <= n; i++) {
                unsigned upto = i < n ? (unsigned) keep[i] : ~0U;

                if (i < n && keep[i] < 3)
                        continue;
                if (upto > from && close_range(from, upto - 1, 0) < 0)
                        return -errno;
                if (i < n)
                        from = (unsigned) keep[i] + 1;
        }
        return 0;
}

static int setup_fds(const struct sandbox_opts *o, struct error *err) {
        int keep[SANDBOX_KEEP_MAX];
        size_t n = 0;
        int fd, k;

        if (o->n_keep_fds + 2 > SANDBOX_KEEP_MAX)
                return error_set(err, E2BIG, "sandbox: more than %d fds to keep", SANDBOX_KEEP_MAX - 2);
        keep[n++] = o->result_fd;
        if (o->root_fd >= 0)
                keep[n++] = o->root_fd;
        for (size_t i = 0; i < o->n_keep_fds; i++)
                keep[n++] = o->keep_fds[i];
        qsort(keep, n, sizeof(int), cmp_int);
        k = close_others(keep, n);
        if (k < 0)
                return error_set_errno(err, k, "sandbox: close inherited fds");
        fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "sandbox: open /dev/null");
        k = dup2(fd, STDIN_FILENO) < 0 ? -errno : 0;
        (void) close(fd);
        return k < 0 ? error_set_errno(err, k, "sandbox: stdin from /dev/null") : 0;
}

/* The rootfs becomes "/": an absolute path a compromised parser opens is
 * the image's, not the host's.  The exact directory behind root_fd, not a
 * path that could be swapped.  Without CAP_SYS_CHROOT (the CLI run by a
 * user) it is skipped: that user could read those files anyway. */
static int setup_root(int root_fd, struct error *err) {
        if (root_fd < 0)
                return 0;
        if (fchdir(root_fd) < 0)
                return error_set_errno(err, errno, "sandbox: enter the rootfs");
        if (chroot(".") < 0 && errno != EPERM)
                return error_set_errno(err, errno, "sandbox: chroot to the rootfs");
        return 0;
}

static int set_limit(int resource, rlim_t value, const char *name, struct error *err) {
        struct rlimit rl = { .rlim_cur = value, .rlim_max = value };

        if (setrlimit(resource, &rl) < 0)
                return error_set_errno(err, errno, "sandbox: set %s", name);
        return 0;
}

/* FSIZE 0: a write to a regular file is SIGXFSZ even if an open slipped
 * through.  AS: the address space; not in sanitizer builds, whose shadow
 * memory reserves terabytes.  CPU: a backstop behind the parent's deadline
 * (SIGXCPU, then SIGKILL a second later at the hard limit). */
static int setup_limits(const struct sandbox_opts *o, struct error *err) {
        size_t mem = o->memory_max ? o->memory_max : SANDBOX_MEMORY_DEFAULT;
        int k;

        if ((k = set_limit(RLIMIT_FSIZE, o->writes_below_root ? o->file_size_max : 0, "RLIMIT_FSIZE", err)) < 0 ||
            (k = set_limit(RLIMIT_NOFILE, SANDBOX_NOFILE, "RLIMIT_NOFILE", err)) < 0 ||
            (k = set_limit(RLIMIT_NPROC, 0, "RLIMIT_NPROC", err)) < 0 ||
            (k = set_limit(RLIMIT_CORE, 0, "RLIMIT_CORE", err)) < 0 ||
            (k = set_limit(RLIMIT_MEMLOCK, 0, "RLIMIT_MEMLOCK", err)) < 0)
                return k;
        if (!PORTCULLIS_SANITIZED && (k = set_limit(RLIMIT_AS, mem, "RLIMIT_AS", err)) < 0)
                return k;
        if (o->cpu_seconds > 0) {
                struct rlimit rl = { .rlim_cur = o->cpu_seconds, .rlim_max = (rlim_t) o->cpu_seconds + 1 };

                if (setrlimit(RLIMIT_CPU, &rl) < 0)
                        return error_set_errno(err, errno, "sandbox: set RLIMIT_CPU");
        }
        return 0;
}

/* ---- the seccomp filter ---------------------------------------------------- */

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

static int fd_rules(scmp_filter_ctx ctx, int result_fd, bool writer) {
        int k;

        for (size_t i = 0; i < ELEMENTSOF(fcntl_cmds); i++)
                if ((k = rule(ctx, SCMP_ACT_ALLOW, "fcntl", 1,
                              &(struct scmp_arg_cmp) { 1, SCMP_CMP_EQ, (unsigned) fcntl_cmds[i], 0 })) < 0)
                        return k;
        if (!writer && (k = rule(ctx, SCMP_ACT_ALLOW, "write", 1,
                                 &(struct scmp_arg_cmp) { 0, SCMP_CMP_EQ, (unsigned) result_fd, 0 })) < 0)
                return k;
        if (PORTCULLIS_SANITIZED && !writer && (k = rule(ctx, SCMP_ACT_ALLOW, "write", 1,
                                              &(struct scmp_arg_cmp) { 0, SCMP_CMP_EQ, STDERR_FILENO, 0 })) < 0)
                return k;
        /* A signal only to ourselves: abort(). */
        return rule(ctx, SCMP_ACT_ALLOW, "tgkill", 1,
                    &(struct scmp_arg_cmp) { 0, SCMP_CMP_EQ, (unsigned) getpid(), 0 });
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

/* The classic probe: PR_SET_SECCOMP with a NULL filter is EFAULT where the
 * kernel has filters, EINVAL where it has not. */
static bool seccomp_filters_supported(void) {
        return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL, 0, 0) < 0 && errno == EFAULT;
}

static int setup_seccomp(const struct sandbox_opts *o, struct error *err) {
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        int k;

        if (!seccomp_filters_supported())
                return SANDBOX_NO_SECCOMP;
        ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
        if (!ctx)
                return error_set(err, ENOMEM, "sandbox: seccomp_init failed");
        if ((k = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0 ||
            (k = allow_list(ctx, allowed, ELEMENTSOF(allowed))) < 0 ||
            (PORTCULLIS_SANITIZED && (k = allow_list(ctx, allowed_sanitizer, ELEMENTSOF(allowed_sanitizer))) < 0) ||
            (o->writes_below_root && (k = allow_list(ctx, allowed_writer, ELEMENTSOF(allowed_writer))) < 0) ||
            (k = (o->writes_below_root ? writer_open_rules : open_rules)(ctx, "openat", 2)) < 0 ||
            (k = (o->writes_below_root ? writer_open_rules : open_rules)(ctx, "open", 1)) < 0 ||
            (k = memory_rules(ctx)) < 0 || (k = fd_rules(ctx, o->result_fd, o->writes_below_root)) < 0 ||
            (k = refusals(ctx)) < 0)
                return error_set_errno(err, k, "sandbox: build the seccomp filter");
        k = seccomp_load(ctx);
        if (k < 0)
                return error_set_errno(err, k, "sandbox: load the seccomp filter");
        return SANDBOX_FULL;
}

/* ---- Landlock, for the image reader ---------------------------------------- */

/* ABI 2 and 3 rights, for headers older than the kernel (values from
 * <linux/landlock.h>, which never change). */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

/* The file-system rights this kernel's Landlock ABI knows (landlock(7)). */
static uint64_t landlock_rights(long abi) {
        uint64_t r = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;      /* ABI 1 */

        if (abi >= 2)
                r |= LANDLOCK_ACCESS_FS_REFER;
        if (abi >= 3)
                r |= LANDLOCK_ACCESS_FS_TRUNCATE;
        return r;
}

static int landlock_allow(int ruleset, int fd, uint64_t rights) {
        struct landlock_path_beneath_attr pb = { .allowed_access = rights, .parent_fd = fd };

        return syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0 ? -errno : 0;
}

/* The image reader may open, create and remove only below root_fd, and
 * read only the image (keep_fds): a cage by path that holds where the
 * chroot can't be had (no CAP_SYS_CHROOT) and for a layout folder's fd,
 * which sits outside the chroot.  Without Landlock (ENOSYS, EOPNOTSUPP:
 * kernel < 5.13 or not enabled) the chroot and the seccomp list remain. */
static int setup_landlock(const struct sandbox_opts *o, struct error *err) {
        long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
        struct landlock_ruleset_attr attr = {};
        uint64_t file_rights = LANDLOCK_ACCESS_FS_READ_FILE;
        int rs, k = 0;

        if (!o->writes_below_root || o->root_fd < 0 || abi < 1)
                return 0;
        attr.handled_access_fs = landlock_rights(abi);
        rs = (int) syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
        if (rs < 0)
                return error_set_errno(err, errno, "sandbox: create a Landlock ruleset");
        k = landlock_allow(rs, o->root_fd, attr.handled_access_fs & ~LANDLOCK_ACCESS_FS_EXECUTE);
        for (size_t i = 0; k >= 0 && i < o->n_keep_fds; i++) {
                struct stat st;

                if (fstat(o->keep_fds[i], &st) < 0)
                        k = -errno;
                else
                        k = landlock_allow(rs, o->keep_fds[i], S_ISDIR(st.st_mode) ?
                                           file_rights | LANDLOCK_ACCESS_FS_READ_DIR : file_rights);
        }
        if (k >= 0 && syscall(SYS_landlock_restrict_self, rs, 0) < 0)
                k = -errno;
        (void) close(rs);
        return k < 0 ? error_set_errno(err, k, "sandbox: confine the image reader with Landlock") : 0;
}

int sandbox_enter(const struct sandbox_opts *o, struct error *err) {
        int k;

        if ((k = setup_fds(o, err)) < 0 || (k = setup_root(o->root_fd, err)) < 0 || (k = setup_limits(o, err)) < 0)
                return k;
        /* no_new_privs: no setuid gain (and seccomp as non-root needs it);
         * not dumpable: no ptrace attach, no core, /proc/<pid> root-owned. */
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return error_set_errno(err, errno, "sandbox: set no_new_privs");
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                return error_set_errno(err, errno, "sandbox: set non-dumpable");
        if ((k = setup_landlock(o, err)) < 0)
                return k;
        return setup_seccomp(o, err);
}
