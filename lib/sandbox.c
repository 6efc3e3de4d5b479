/* SPDX-License-Identifier: Apache-2.0 */
/* The analysis child's cage: fds, chroot, rlimits, no_new_privs, Landlock,
 * no capabilities (but the one an inventory needs) as an unprivileged
 * user, and a libseccomp allow-list whose default is to kill the process.  The list is
 * what the dpkg/os-release readers (lib/rootfs.c, glibc's malloc, qsort and
 * readdir, jansson) and a read-only sqlite need, and nothing that writes a
 * file, runs a program, signals another process or reaches a network;
 * the image reader (writes_below_root) adds its own writes below root_fd. */
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/landlock.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
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

        if (o->n_keep_fds + 4 > SANDBOX_KEEP_MAX)
                return error_set(err, E2BIG, "sandbox: more than %d fds to keep", SANDBOX_KEEP_MAX - 4);
        keep[n++] = o->result_fd;
        if (o->root_fd >= 0)
                keep[n++] = o->root_fd;
        if (o->read_fd > 0)
                keep[n++] = o->read_fd;
        if (o->filter_fd > 0)
                keep[n++] = o->filter_fd;
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
            (k = set_limit(RLIMIT_CORE, 0, "RLIMIT_CORE", err)) < 0 ||
            (k = set_limit(RLIMIT_MEMLOCK, 0, "RLIMIT_MEMLOCK", err)) < 0)
                return k;
        if (!PORTCULLIS_SANITIZED && (k = set_limit(RLIMIT_AS, mem, "RLIMIT_AS", err)) < 0)
                return k;
        if (o->nice > 0 && setpriority(PRIO_PROCESS, 0, o->nice) < 0)
                return error_set_errno(err, errno, "sandbox: set nice %d", o->nice);
        if (o->cpu_seconds > 0) {
                struct rlimit rl = { .rlim_cur = o->cpu_seconds, .rlim_max = (rlim_t) o->cpu_seconds + 1 };

                if (setrlimit(RLIMIT_CPU, &rl) < 0)
                        return error_set_errno(err, errno, "sandbox: set RLIMIT_CPU");
        }
        return 0;
}

/* ---- Landlock ----------------------------------------------------------------- */

/* Rights newer than the system's <linux/landlock.h> (Debian 12's stops at
 * ABI 2); values from the kernel's include/uapi/linux/landlock.h. */
#define LL_FS_TRUNCATE (1ULL << 14)
#define LL_FS_IOCTL_DEV (1ULL << 15)
#define LL_NET_BIND_TCP (1ULL << 0)
#define LL_NET_CONNECT_TCP (1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LL_SCOPE_SIGNAL (1ULL << 1)

/* struct landlock_ruleset_attr as of ABI 6; an older kernel accepts the
 * larger struct as long as the fields it does not know are zero. */
struct ll_ruleset_attr {
        uint64_t handled_access_fs;
        uint64_t handled_access_net;
        uint64_t scoped;
};

#define LL_FS_V1                                                                                                  \
        (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |              \
         LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |           \
         LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |               \
         LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |            \
         LANDLOCK_ACCESS_FS_MAKE_SYM)

/* What each ABI version adds (landlock(7)); all of it is handled, i.e.
 * denied unless a rule allows it. */
static const struct ll_ruleset_attr landlock_abi[] = {
        [1] = { .handled_access_fs = LL_FS_V1 },
        [2] = { .handled_access_fs = LANDLOCK_ACCESS_FS_REFER },
        [3] = { .handled_access_fs = LL_FS_TRUNCATE },
        [4] = { .handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP },
        [5] = { .handled_access_fs = LL_FS_IOCTL_DEV },
        [6] = { .scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL },
};

static struct ll_ruleset_attr landlock_handled(int abi) {
        struct ll_ruleset_attr a = {};

        for (int v = 1; v <= abi && v < (int) ELEMENTSOF(landlock_abi); v++) {
                a.handled_access_fs |= landlock_abi[v].handled_access_fs;
                a.handled_access_net |= landlock_abi[v].handled_access_net;
                a.scoped |= landlock_abi[v].scoped;
        }
        return a;
}

/* What the image reader may do beneath root_fd, the folder it fills
 * (lib/image.c): list, read, create folders, files and symlinks, write
 * them, hard link (REFER: across folders) and remove.  No execute, no
 * device, FIFO or socket nodes, no truncate, no device ioctl. */
#define LL_FS_WRITER                                                                                              \
        (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_WRITE_FILE |             \
         LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR |            \
         LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_REFER)

static int landlock_allow(int ruleset, int fd, uint64_t rights) {
        struct landlock_path_beneath_attr rule = { .parent_fd = fd, .allowed_access = rights };

        return syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) < 0 ? -errno : 0;
}

/* Reading beneath fd: its files, and listings when it is a directory. */
static int landlock_allow_read(int ruleset, int fd) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        return landlock_allow(ruleset, fd,
                              LANDLOCK_ACCESS_FS_READ_FILE | (S_ISDIR(st.st_mode) ? LANDLOCK_ACCESS_FS_READ_DIR : 0));
}

/* One ruleset for every child: opens beneath read_fd only, read-only;
 * with writes_below_root, also LL_FS_WRITER beneath root_fd and reading
 * beneath each keep_fd (the image: a folder's fd sits outside the chroot,
 * and without CAP_SYS_CHROOT there is no chroot at all).  Nothing else on
 * any file system, no TCP, no signal or abstract socket out of the
 * domain.  Landlock checks at open(2), so what is open already (the
 * result pipe, the DB sqlite opened) stays usable.  SANDBOX_NO_LANDLOCK
 * where the kernel has none: the chroot and the seccomp list remain. */
static int setup_landlock(const struct sandbox_opts *o, struct error *err) {
        struct ll_ruleset_attr attr;
        _cleanup_close_ int ruleset = -EBADF;
        int abi, k = 0;

        abi = (int) syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
        if (abi < 0)
                return errno == ENOSYS || errno == EOPNOTSUPP ? SANDBOX_NO_LANDLOCK
                                                              : error_set_errno(err, errno, "sandbox: Landlock");
        attr = landlock_handled(abi);
        ruleset = (int) syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
        if (ruleset < 0)
                return error_set_errno(err, errno, "sandbox: create the Landlock ruleset");
        if (o->read_fd > 0)
                k = landlock_allow_read(ruleset, o->read_fd);
        if (o->writes_below_root && o->root_fd >= 0 && k >= 0)
                k = landlock_allow(ruleset, o->root_fd, LL_FS_WRITER & attr.handled_access_fs);
        for (size_t i = 0; o->writes_below_root && k >= 0 && i < o->n_keep_fds; i++)
                k = landlock_allow_read(ruleset, o->keep_fds[i]);
        if (k < 0)
                return error_set_errno(err, k, "sandbox: add a Landlock rule");
        if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
                return error_set_errno(err, errno, "sandbox: enforce the Landlock ruleset");
        return 0;
}

/* ---- privileges ----------------------------------------------------------------- */

static int caps_get(uint64_t *ret_permitted) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = {};

        if (syscall(SYS_capget, &h, d) < 0)
                return -errno;
        *ret_permitted = (uint64_t) d[1].permitted << 32 | d[0].permitted;
        return 0;
}

/* Effective and permitted become keep, inheritable empty. */
static int caps_set(uint64_t keep) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = {
                { .effective = (uint32_t) keep, .permitted = (uint32_t) keep },
                { .effective = (uint32_t) (keep >> 32), .permitted = (uint32_t) (keep >> 32) },
        };

        return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

/* The bounding set, emptied while CAP_SETPCAP is still effective (up to
 * the first number the kernel does not know: EINVAL). */
static int drop_bounding(uint64_t permitted) {
        if (!(permitted & (1ULL << CAP_SETPCAP)))
                return 0;       /* nothing to drop it with; exec is killed anyway */
        for (unsigned long cap = 0; cap < 64; cap++)
                if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
                        return errno == EINVAL ? 0 : -errno;
        return 0;
}

/* Started as root with CAP_SETUID: no supplementary groups, gid then uid
 * (all three of each); keep_caps survives the uid change through
 * PR_SET_KEEPCAPS.  Without CAP_SETUID (a user, or root confined by its
 * service manager) the uid stays: there is nothing to drop it with.
 * keep_uid (the image reader): only the supplementary groups go. */
static int switch_user(const struct sandbox_opts *o, uint64_t permitted, uint64_t keep) {
        uid_t uid = o->uid ? o->uid : SANDBOX_UID_DEFAULT;
        gid_t gid = o->gid ? o->gid : SANDBOX_GID_DEFAULT;

        if (geteuid() != 0 || !(permitted & (1ULL << CAP_SETUID)) || !(permitted & (1ULL << CAP_SETGID)))
                return 0;
        if (setgroups(0, NULL) < 0)
                return -errno;
        if (o->keep_uid)
                return 0;
        if (setresgid(gid, gid, gid) < 0)
                return -errno;
        if (keep && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return -errno;
        if (setresuid(uid, uid, uid) < 0)
                return -errno;
        return keep ? (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0 ? -errno : 0) : 0;
}

/* Every capability goes but keep_caps (and those only when the process
 * has them): ambient, bounding, the uid, then effective/permitted/
 * inheritable.  No exec is possible afterwards (seccomp), so securebits
 * would add nothing. */
static int setup_privileges(const struct sandbox_opts *o, struct error *err) {
        uint64_t permitted = 0, keep;
        int k;

        if ((k = caps_get(&permitted)) < 0)
                return error_set_errno(err, k, "sandbox: read the capabilities");
        keep = o->keep_caps & permitted;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return error_set_errno(err, errno, "sandbox: clear the ambient capabilities");
        if ((k = drop_bounding(permitted)) < 0)
                return error_set_errno(err, k, "sandbox: empty the capability bounding set");
        if ((k = switch_user(o, permitted, keep)) < 0)
                return error_set_errno(err, k, "sandbox: become uid %u", (unsigned) (o->uid ? o->uid
                                                                                   : SANDBOX_UID_DEFAULT));
        if ((k = caps_set(keep)) < 0)
                return error_set_errno(err, k, "sandbox: drop the capabilities");
        return 0;
}

/* The kernel clears the parent-death signal when the credentials change
 * (commit_creds()): set it again, and if the parent died in between, its
 * signal will never come, so stop here. */
static int setup_privileges_keep_pdeathsig(const struct sandbox_opts *o, struct error *err) {
        pid_t parent = getppid();
        int sig = 0, k;

        if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) < 0)
                return error_set_errno(err, errno, "sandbox: read the parent-death signal");
        if ((k = setup_privileges(o, err)) < 0)
                return k;
        if (sig != 0 && prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) < 0)
                return error_set_errno(err, errno, "sandbox: set the parent-death signal again");
        if (sig != 0 && getppid() != parent)
                return error_set(err, ESRCH, "sandbox: the parent ended while the sandbox was set up");
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

/* The filter is compiled once per process, before the first fork, with
 * these two stand-ins for what differs from child to child (the result
 * fd, the child's pid); each child writes its own values into its copy of
 * the program.  Neither is a syscall number, flag or command the filter
 * compares with otherwise. */
#define FILTER_FD_STANDIN 0x5ca1ab1e
#define FILTER_PID_STANDIN 0x0badcafe

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

/* The classic probe: PR_SET_SECCOMP with a NULL filter is EFAULT where the
 * kernel has filters, EINVAL where it has not. */
static bool seccomp_filters_supported(void) {
        return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL, 0, 0) < 0 && errno == EFAULT;
}

/* One compiled program per kind of child (the analysis, the image
 * writer), built once per process; supported < 0: not probed yet. */
static struct compiled {
        int supported;
        struct sock_filter *insns;
        size_t n;
} compiled[2] = { { .supported = -1 }, { .supported = -1 } };

static int compile(scmp_filter_ctx ctx, struct compiled *c) {
        _cleanup_close_ int rd = -EBADF, wr = -EBADF;
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
        c->insns = malloc(BPF_MAXINSNS * sizeof(struct sock_filter));
        if (!c->insns)
                return -ENOMEM;
        n = read(rd, c->insns, BPF_MAXINSNS * sizeof(struct sock_filter));
        if (n <= 0 || n % sizeof(struct sock_filter) != 0) {
                free(c->insns);
                c->insns = NULL;
                return n < 0 ? -errno : -EIO;
        }
        c->n = (size_t) n / sizeof(struct sock_filter);
        return 0;
}

static int build_filter(bool writer, struct compiled *c) {
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
        return compile(ctx, c);
}

int sandbox_prepare(const struct sandbox_opts *o, struct error *err) {
        struct compiled *c = &compiled[o->writes_below_root];
        int k;

        if (c->supported < 0)
                c->supported = seccomp_filters_supported();
        if (!c->supported || c->insns)
                return 0;
        k = build_filter(o->writes_below_root, c);
        return k < 0 ? error_set_errno(err, k, "sandbox: build the seccomp filter") : 0;
}

void sandbox_send_filter(const struct sandbox_opts *o, int fd) {
        struct compiled *c = &compiled[o->writes_below_root];
        sigset_t pipe_signal, old;
        bool broken = false;
        uint32_t n;

        (void) sandbox_prepare(o, NULL);
        n = c->supported > 0 && c->insns ? (uint32_t) c->n : 0;
        /* A child that already ended (its DB would not open) closed the
         * other end: EPIPE, not a SIGPIPE that would kill this process. */
        sigemptyset(&pipe_signal);
        sigaddset(&pipe_signal, SIGPIPE);
        (void) pthread_sigmask(SIG_BLOCK, &pipe_signal, &old);
        /* a few hundred instructions: within a pipe's buffer, never waits */
        if (write(fd, &n, sizeof(n)) != (ssize_t) sizeof(n))
                broken = errno == EPIPE;
        else if (n > 0 && write(fd, c->insns, n * sizeof(*c->insns)) < 0)
                broken = errno == EPIPE;
        if (broken && !sigismember(&old, SIGPIPE))
                (void) sigtimedwait(&pipe_signal, NULL, &(struct timespec) {});
        (void) pthread_sigmask(SIG_SETMASK, &old, NULL);
        (void) close(fd);
}

/* The program the parent built (sandbox_send_filter()), when it sent one
 * whole: read before the filter is loaded. */
static void receive_filter(const struct sandbox_opts *o) {
        struct compiled *c = &compiled[o->writes_below_root];
        size_t want, got = 0;
        uint32_t n = 0;
        ssize_t k;

        if (o->filter_fd <= 0)
                return;
        if (!c->insns && read(o->filter_fd, &n, sizeof(n)) == (ssize_t) sizeof(n) && n > 0 && n <= BPF_MAXINSNS &&
            (c->insns = malloc(n * sizeof(*c->insns)))) {
                want = n * sizeof(*c->insns);
                while (got < want && ((k = read(o->filter_fd, (char *) c->insns + got, want - got)) > 0 ||
                                      (k < 0 && errno == EINTR)))
                        got += k > 0 ? (size_t) k : 0;
                if (got == want) {
                        c->n = n;
                        c->supported = 1;
                } else {
                        free(c->insns);
                        c->insns = NULL;
                }
        }
        (void) close(o->filter_fd);
}

/* This child's copy of the program, with its own result fd and pid in
 * place of the stand-ins (each must be there: a filter without them would
 * kill the child's every write and abort()). */
static int setup_seccomp(const struct sandbox_opts *o, struct error *err) {
        struct compiled *c = &compiled[o->writes_below_root];
        bool fd_seen = o->writes_below_root, pid_seen = false;
        uint32_t pid = (uint32_t) getpid();
        int k;

        receive_filter(o);
        if ((k = sandbox_prepare(o, err)) < 0)
                return k;
        if (!c->supported)
                return SANDBOX_NO_SECCOMP;
        for (size_t i = 0; i < c->n; i++) {
                struct sock_filter *f = &c->insns[i];

                if (f->code != (BPF_JMP | BPF_JEQ | BPF_K))
                        continue;
                if (f->k == FILTER_FD_STANDIN)
                        f->k = (uint32_t) o->result_fd, fd_seen = true;
                else if (f->k == FILTER_PID_STANDIN)
                        f->k = pid, pid_seen = true;
        }
        if (!fd_seen || !pid_seen)
                return error_set(err, EPROTO, "sandbox: the compiled seccomp filter lacks its result fd or pid test");
        /* TSYNC: for the child's threads too (threads_fn); > 0 names a
         * thread that could not take it */
        k = (int) syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC,
                          &(struct sock_fprog) { .len = (unsigned short) c->n, .filter = c->insns });
        if (k < 0)
                return error_set_errno(err, errno, "sandbox: load the seccomp filter");
        if (k > 0)
                return error_set(err, EPERM, "sandbox: thread %d could not take the seccomp filter", k);
        return SANDBOX_FULL;
}

int sandbox_enter(const struct sandbox_opts *o, struct error *err) {
        int k, landlock, seccomp;

        if ((k = setup_fds(o, err)) < 0 || (o->open_fn && (k = o->open_fn(o->userdata, err)) < 0) ||
            (k = setup_root(o->root_fd, err)) < 0 || (k = setup_limits(o, err)) < 0)
                return k;
        /* no_new_privs: no setuid gain (and seccomp and Landlock as
         * non-root need it); not dumpable: no ptrace attach, no core,
         * /proc/<pid> root-owned. */
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return error_set_errno(err, errno, "sandbox: set no_new_privs");
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                return error_set_errno(err, errno, "sandbox: set non-dumpable");
        if ((landlock = setup_landlock(o, err)) < 0)
                return landlock;
        /* After Landlock (whose setup needs no capability) and before
         * seccomp, whose list has no capset, setuid or prctl. */
        if ((k = setup_privileges_keep_pdeathsig(o, err)) < 0)
                return k;
        /* Threads inherit all of the above; then no more processes (nor
         * threads: RLIMIT_NPROC counts both) and the filter for all. */
        if ((o->threads_fn && (k = o->threads_fn(o->userdata, err)) < 0) ||
            (k = set_limit(RLIMIT_NPROC, 0, "RLIMIT_NPROC", err)) < 0)
                return k;
        if ((seccomp = setup_seccomp(o, err)) < 0)
                return seccomp;
        return landlock | seccomp;
}
