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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "sandbox-filter.h"
#include "sandbox.h"

/* meson sets PORTCULLIS_SANITIZED when b_sanitize is not "none". */
#ifndef PORTCULLIS_SANITIZED
#define PORTCULLIS_SANITIZED 0
#endif

#define SANDBOX_KEEP_MAX 16

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

        if (o->n_keep_fds + 3 > SANDBOX_KEEP_MAX)
                return error_set(err, E2BIG, "sandbox: more than %d fds to keep", SANDBOX_KEEP_MAX - 3);
        keep[n++] = o->result_fd;
        if (o->root_fd >= 0)
                keep[n++] = o->root_fd;
        if (o->read_fd > 0)
                keep[n++] = o->read_fd;
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

/* The cage only tightens: a limit the hook was started with that is
 * already lower (ulimit -t, a unit's LimitFSIZE=) stays, since raising a
 * hard limit takes CAP_SYS_RESOURCE, which the child no longer has; asking
 * for it failed every analysis under such a limit. */
static rlim_t at_most_hard(int resource, rlim_t value) {
        struct rlimit now;

        if (getrlimit(resource, &now) == 0 && now.rlim_max != RLIM_INFINITY && now.rlim_max < value)
                return now.rlim_max;
        return value;
}

static int set_limit(int resource, rlim_t value, const char *name, struct error *err) {
        struct rlimit rl = { .rlim_cur = at_most_hard(resource, value), .rlim_max = at_most_hard(resource, value) };

        if (setrlimit(resource, &rl) < 0)
                return error_set_errno(err, errno, "sandbox: set %s", name);
        return 0;
}

/* The descriptors the walk needs (SANDBOX_NOFILE) and the memory an
 * analysis may use (inventory_failed() names it): a hard limit below them
 * is the node's setting to raise, and said so.  Lowered in the child, the
 * shortage would become folders left unread and cached as the image's
 * "not checked", or "needs more than 1024 MiB" when it got less. */
static int need_limit(int resource, rlim_t value, const char *name, const char *raise, struct error *err) {
        struct rlimit now;

        if (getrlimit(resource, &now) == 0 && now.rlim_max != RLIM_INFINITY && now.rlim_max < value)
                return error_set(err, ERANGE, "sandbox: the hook's hard %s is %llu, below the %llu the analysis needs; "
                                 "raise it where the hook is started (%s)", name, (unsigned long long) now.rlim_max,
                                 (unsigned long long) value, raise);
        return set_limit(resource, value, name, err);
}

/* FSIZE 0: a write to a regular file is SIGXFSZ even if an open slipped
 * through.  AS: the address space; not in sanitizer builds, whose shadow
 * memory reserves terabytes.  CPU: a backstop behind the parent's deadline
 * (SIGXCPU, then SIGKILL a second later at the hard limit). */
static int setup_limits(const struct sandbox_opts *o, struct error *err) {
        size_t mem = o->memory_max ? o->memory_max : SANDBOX_MEMORY_DEFAULT;
        int k;

        if ((k = set_limit(RLIMIT_FSIZE, o->writes_below_root ? o->file_size_max : 0, "RLIMIT_FSIZE", err)) < 0 ||
            (k = need_limit(RLIMIT_NOFILE, SANDBOX_NOFILE, "RLIMIT_NOFILE",
                            "the runtime's LimitNOFILE= or ulimit -n", err)) < 0 ||
            (k = set_limit(RLIMIT_CORE, 0, "RLIMIT_CORE", err)) < 0 ||
            (k = set_limit(RLIMIT_MEMLOCK, 0, "RLIMIT_MEMLOCK", err)) < 0)
                return k;
        if (!PORTCULLIS_SANITIZED &&
            (k = need_limit(RLIMIT_AS, mem, "RLIMIT_AS", "the runtime's LimitAS= or ulimit -v", err)) < 0)
                return k;
        if (o->nice > 0 && setpriority(PRIO_PROCESS, 0, o->nice) < 0)
                return error_set_errno(err, errno, "sandbox: set nice %d", o->nice);
        if (o->cpu_seconds > 0) {
                struct rlimit rl = { .rlim_cur = at_most_hard(RLIMIT_CPU, o->cpu_seconds),
                                     .rlim_max = at_most_hard(RLIMIT_CPU, (rlim_t) o->cpu_seconds + 1) };

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

/* The classic probe: PR_SET_SECCOMP with a NULL filter is EFAULT where the
 * kernel has filters, EINVAL where it has not. */
static bool seccomp_filters_supported(void) {
        return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL, 0, 0) < 0 && errno == EFAULT;
}

/* This child's copy of the program, with its own result fd and pid in
 * place of the stand-ins (each must be there: a filter without them would
 * kill the child's every write and abort()). */
static int setup_seccomp(const struct sandbox_opts *o, struct error *err) {
        _cleanup_free_ struct sock_filter *insns = NULL;
        bool fd_seen = o->writes_below_root, pid_seen = false;
        uint32_t pid = (uint32_t) getpid();
        const struct sock_filter *prog;
        size_t n;
        int k;

        if (!seccomp_filters_supported())
                return SANDBOX_NO_SECCOMP;
        if ((k = sandbox_filter_program(o->writes_below_root, &prog, &n)) < 0)
                return error_set_errno(err, k, "sandbox: build the seccomp filter");
        if (!(insns = malloc(n * sizeof(*prog))))
                return error_set(err, ENOMEM, "out of memory");
        memcpy(insns, prog, n * sizeof(*prog));
        for (size_t i = 0; i < n; i++) {
                struct sock_filter *f = &insns[i];

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
                          &(struct sock_fprog) { .len = (unsigned short) n, .filter = insns });
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
