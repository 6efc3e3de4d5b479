/* SPDX-License-Identifier: Apache-2.0 */
/* lib/sandbox.c: what a caged child may and may not do.  Each row runs a
 * body in a fresh child that has entered the sandbox, and checks how the
 * child ended (SIGSYS for a forbidden syscall, an errno for the documented
 * refusals, a clean exit for what the analysis needs) and what it wrote to
 * its result pipe.  Then the real analyses, inventory and match, through
 * lib/analyze.c. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/landlock.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "analyze.h"
#include "base/strutil.h"
#include "sandbox-filter.h"
#include "sandbox.h"
#include "test.h"
#include "vulndb.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static char fixture[1024];        /* a rootfs: etc/os-release, a dpkg status */
static char created[1024];        /* a file no child may create */
static int stray_fd = -1;         /* open in the parent, must be closed in the child */
static int status_fd = -1;        /* the child's /proc/self/status, opened before its cage closes */
static bool landlock;             /* the kernel has Landlock */
static pid_t parent;               /* this process: a child's getppid() is no syscall its filter allows */

/* What a body reports: one line on the result pipe. */
static void say(int fd, const char *s) {
        (void) !write(fd, s, strlen(s));
}

static void say_errno(int fd, int r) {
        char buf[64];

        snprintf(buf, sizeof(buf), "%d %s", r, r < 0 ? strerrorname_np(errno) : "ok");
        say(fd, buf);
}

static void body_execve(int fd) {
        char *argv[] = { (char *) "true", NULL };

        execve("/bin/true", argv, NULL);
        say(fd, "survived");
}

static void body_socket(int fd) {
        say_errno(fd, socket(AF_INET, SOCK_STREAM, 0));
}

static void body_open_write(int fd) {
        say_errno(fd, open(created, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
}

static void body_open_rdwr(int fd) {
        say_errno(fd, open(test_path(fixture, "etc/os-release"), O_RDWR | O_CLOEXEC));
}

static void body_write_stdout(int fd) {
        say_errno(fd, (int) write(STDOUT_FILENO, "x\n", 2));
}

static void body_mprotect_exec(int fd) {
        void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

        say_errno(fd, mprotect(p, 4096, PROT_READ | PROT_EXEC));
}

static void body_mmap_exec(int fd) {
        void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

        say(fd, p == MAP_FAILED ? "failed" : "mapped");
}

static void body_ptrace(int fd) {
        say_errno(fd, (int) ptrace(PTRACE_TRACEME, 0, NULL, NULL));
}

static void body_kill(int fd) {
        say_errno(fd, kill(parent, 0));
}

static void body_fork(int fd) {
        say_errno(fd, (int) syscall(SYS_fork));
}

/* The walk's listers move themselves (inventory-walk.c place()); no
 * process may move another (its parent here). */
static void body_affinity_other(int fd) {
        cpu_set_t set;

        CPU_ZERO(&set);
        CPU_SET(0, &set);
        say_errno(fd, sched_setaffinity(parent, sizeof(set), &set));
}

static void body_affinity_self(int fd) {
        cpu_set_t set;

        CPU_ZERO(&set);
        for (int i = 0; i < CPU_SETSIZE; i++)
                CPU_SET(i, &set);
        say_errno(fd, sched_setaffinity(0, sizeof(set), &set));
}

static void body_setown(int fd) {
        say_errno(fd, fcntl(fd, F_SETOWN, parent));
}

static void body_openat2(int fd) {
        struct open_how how = { .flags = O_RDONLY };

        say_errno(fd, (int) syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how)));
}

static void body_ioctl(int fd) {
        struct winsize ws;

        say_errno(fd, ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws));
}

/* CAP_DAC_READ_SEARCH's escape from a chroot (CVE-2014-3519): killed. */
static void body_open_by_handle(int fd) {
        say_errno(fd, (int) syscall(SYS_open_by_handle_at, AT_FDCWD, NULL, O_RDONLY));
}

/* Landlock: with no read_fd, nothing can be opened, not even a host file
 * outside any chroot. */
static void body_open_passwd(int fd) {
        say_errno(fd, open("/etc/passwd", O_RDONLY | O_CLOEXEC));
}

static void body_stray_fd(int fd) {
        say_errno(fd, fcntl(stray_fd, F_GETFD));
}

static void body_stdin(int fd) {
        char c;

        say_errno(fd, (int) read(STDIN_FILENO, &c, 1));
}

/* Memory past RLIMIT_AS: malloc says NULL, the child goes on. */
static void body_memory(int fd) {
        size_t total = 0;

        for (int i = 0; i < 64; i++) {
                char *p = malloc(64 << 20);

                if (!p)
                        break;
                memset(p, 1, 64 << 20);
                total += 64 << 20;
        }
        say(fd, total < (size_t) 256 << 20 ? "bounded" : "unbounded");
}

/* What an analysis does: read a file (absolute: inside the chroot), list a
 * directory, write the result. */
static void body_read(int fd) {
        char buf[256] = "";
        int f = open("/etc/os-release", O_RDONLY | O_CLOEXEC);

        if (f < 0 || read(f, buf, sizeof(buf) - 1) <= 0) {
                say(fd, "cannot read");
                return;
        }
        close(f);
        say(fd, buf);
}

struct row {
        const char *name;
        void (*body)(int fd);
        int want_signal;                /* 0: a clean exit */
        const char *want;               /* the result, when the child exits */
        bool chroot;                    /* chrooted to the fixture, and Landlock lets it read there */
        bool skip_sanitized;
        bool needs_landlock;
};

static const struct row rows[] = {
        { "execve", body_execve, SIGSYS, NULL, false, false },
        { "socket", body_socket, SIGSYS, NULL, false, false },
        { "open O_WRONLY|O_CREAT", body_open_write, 0, "-1 EACCES", false, false },
        { "open O_RDWR", body_open_rdwr, 0, "-1 EACCES", false, false },
        { "write to stdout", body_write_stdout, SIGSYS, NULL, false, false },
        { "mprotect PROT_EXEC", body_mprotect_exec, SIGSYS, NULL, false, false },
        { "mmap PROT_EXEC", body_mmap_exec, SIGSYS, NULL, false, false },
        { "ptrace", body_ptrace, SIGSYS, NULL, false, false },
        { "kill", body_kill, SIGSYS, NULL, false, false },
        { "fork", body_fork, SIGSYS, NULL, false, false },
        { "fcntl F_SETOWN", body_setown, SIGSYS, NULL, false, false },
        { "sched_setaffinity of another process", body_affinity_other, SIGSYS, NULL, false, false },
        { "sched_setaffinity of itself", body_affinity_self, 0, "0 ok", false, false },
        { "openat2", body_openat2, 0, "-1 ENOSYS", false, false },
        { "open_by_handle_at", body_open_by_handle, SIGSYS, NULL, false, false },
        { "open a host file (Landlock)", body_open_passwd, 0, "-1 EACCES", false, false, true },
        { "ioctl", body_ioctl, 0, "-1 ENOTTY", false, false },
        { "inherited fd", body_stray_fd, 0, "-1 EBADF", false, false },
        { "stdin", body_stdin, 0, "0 ok", false, false },
        { "RLIMIT_AS", body_memory, 0, "bounded", false, true },
        { "read in the chroot", body_read, 0, "ID=debian\n", true, false },
};

/* open_fn: the child's own status, for a body to read once caged. */
static int open_status(void *userdata, struct error *err) {
        (void) userdata;
        status_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
        return status_fd < 0 ? error_set_errno(err, errno, "open /proc/self/status") : 0;
}

/* Runs body in a child caged as o says (result_fd is set here); returns
 * its wait status, *out what it said. */
static int run_opts(void (*body)(int fd), const struct sandbox_opts *o, char *out, size_t size) {
        int fds[2], status;
        size_t n = 0;
        pid_t pid;

        CHECK(pipe2(fds, O_CLOEXEC) == 0);
        pid = fork();
        if (pid == 0) {
                struct error err = {};
                int k;

                struct sandbox_opts opts = *o;

                close(fds[0]);
                opts.result_fd = fds[1];
                k = sandbox_enter(&opts, &err);
                if (k < 0 || (k & SANDBOX_NO_SECCOMP)) {
                        say(fds[1], err.msg);
                        _exit(100);
                }
                body(fds[1]);
                _exit(0);
        }
        close(fds[1]);
        for (ssize_t k; n + 1 < size && (k = read(fds[0], out + n, size - 1 - n)) > 0;)
                n += (size_t) k;
        out[n] = '\0';
        close(fds[0]);
        CHECK(waitpid(pid, &status, 0) == pid);
        return status;
}

static int run_caged(const struct row *r, int root_fd, char *out, size_t size) {
        return run_opts(r->body, &(struct sandbox_opts) { .root_fd = root_fd, .read_fd = root_fd > 0 ? root_fd : 0,
                                                          .memory_max = (size_t) 256 << 20, .cpu_seconds = 10 },
                        out, size);
}

static void check_row(const struct row *r, int status, const char *out) {
        if (r->want_signal)
                CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == r->want_signal, "%s: status %#x, said \"%s\"",
                          r->name, (unsigned) status, out);
        else {
                CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: status %#x, said \"%s\"", r->name,
                          (unsigned) status, out);
                CHECK_MSG(strncmp(out, r->want, strlen(r->want)) == 0, "%s: said \"%s\", want \"%s\"", r->name,
                          out, r->want);
        }
}

static void test_rows(void) {
        int root_fd = open(fixture, O_PATH | O_DIRECTORY | O_CLOEXEC);

        stray_fd = open("/dev/null", O_RDONLY);         /* no O_CLOEXEC: fork keeps it */
        CHECK(root_fd >= 0 && stray_fd >= 0);
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                const struct row *r = &rows[i];
                char out[512];
                int status;

                /* A user's sandbox skips the chroot (no CAP_SYS_CHROOT). */
                if ((r->skip_sanitized && SANITIZED) || (r->needs_landlock && !landlock) ||
                    (r->chroot && geteuid() != 0))
                        continue;
                status = run_caged(r, r->chroot ? root_fd : -EBADF, out, sizeof(out));
                check_row(r, status, out);
        }
        CHECK(access(created, F_OK) < 0);
        close(root_fd);
        close(stray_fd);
}

/* The caged child's credentials, from its own /proc/self/status: "uid
 * <real> gid <real> inh <CapInh> prm <CapPrm> eff <CapEff> bnd <CapBnd>
 * amb <CapAmb>". */
static void body_creds(int fd) {
        static const char *const keys[] = { "Uid:", "Gid:", "CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:" };
        static const char *const names[] = { "uid", "gid", "inh", "prm", "eff", "bnd", "amb" };
        char buf[4096], line[512] = "";
        ssize_t n = pread(status_fd, buf, sizeof(buf) - 1, 0);

        if (n <= 0) {
                say_errno(fd, -1);
                return;
        }
        buf[n] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                const char *p = strstr(buf, keys[i]);
                size_t len = strlen(line);

                if (p)
                        snprintf(line + len, sizeof(line) - len, "%s%s %.*s", i ? " " : "", names[i],
                                 (int) strcspn(p + strlen(keys[i]) + 1, " \t\n"), p + strlen(keys[i]) + 1);
        }
        say(fd, line);
}

/* What the two analysis children run as: as root, uid/gid 65534 with no
 * capability but the inventory's CAP_DAC_READ_SEARCH (bit 2) in the
 * effective and permitted sets, an empty bounding set; the image reader
 * (keep_uid) stays uid 0 with no capability at all; as a user, the same
 * uid and nothing. */
static void test_privileges(int root_fd) {
        char want[256], out[512];
        bool root = geteuid() == 0;
        const struct {
                uint64_t keep;
                bool keep_uid;
                const char *caps;
        } cases[] = {
                { 0, false, "inh 0000000000000000 prm 0000000000000000 eff 0000000000000000 bnd 0000000000000000 "
                            "amb 0000000000000000" },
                { 1ULL << CAP_DAC_READ_SEARCH, false,
                  "inh 0000000000000000 prm 0000000000000004 eff 0000000000000004 bnd 0000000000000000 "
                  "amb 0000000000000000" },
                { 0, true, "inh 0000000000000000 prm 0000000000000000 eff 0000000000000000 bnd 0000000000000000 "
                           "amb 0000000000000000" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                int status = run_opts(body_creds,
                                      &(struct sandbox_opts) { .root_fd = root_fd, .read_fd = root_fd,
                                                               .keep_caps = cases[i].keep, .open_fn = open_status,
                                                               .keep_uid = cases[i].keep_uid },
                                      out, sizeof(out));

                CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "creds: status %#x, said \"%s\"",
                          (unsigned) status, out);
                if (root)
                        snprintf(want, sizeof(want), "uid %d gid %d %s", cases[i].keep_uid ? 0 : SANDBOX_UID_DEFAULT,
                                 cases[i].keep_uid ? 0 : SANDBOX_GID_DEFAULT, cases[i].caps);
                else    /* a user keeps its uid, and has no capability to keep */
                        snprintf(want, sizeof(want), "uid %u gid %u %s", getuid(), getgid(), cases[0].caps);
                /* A user's bounding set stays full (emptying it takes
                 * CAP_SETPCAP): then compare up to " bnd". */
                CHECK_MSG(root ? streq_ptr(out, want) : strncmp(out, want, (size_t) (strstr(want, " bnd") - want)) == 0,
                          "keep %#llx: said \"%s\", want \"%s\"", (unsigned long long) cases[i].keep, out, want);
        }
}

/* The match child's walls, as analyze_match() builds them: chrooted to the
 * DB's folder, Landlock allowing only the DB file.  A sibling of the DB
 * and the host's /etc/passwd can't be opened; the DB itself can. */
static void body_match_walls(int fd) {
        char line[256];
        int a = open("/etc/passwd", O_RDONLY | O_CLOEXEC), ea = errno;
        /* Relative: the cwd is the folder, chrooted or not. */
        int b = open("sibling", O_RDONLY | O_CLOEXEC), eb = errno;
        int c = open("db.sqlite", O_RDONLY | O_CLOEXEC);

        snprintf(line, sizeof(line), "passwd %s sibling %s db %s", a < 0 ? strerrorname_np(ea) : "open",
                 b < 0 ? strerrorname_np(eb) : "open", c < 0 ? strerrorname_np(errno) : "open");
        say(fd, line);
}

static void test_match_walls(void) {
        const char *dir = test_path(test_tmpdir(), "walls");
        int dir_fd, file_fd, status;
        char out[512];

        test_write_file(test_path(dir, "db.sqlite"), "not really a database");
        test_write_file(test_path(dir, "sibling"), "the cache, say");
        dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        file_fd = open(test_path(dir, "db.sqlite"), O_PATH | O_CLOEXEC);
        CHECK(dir_fd >= 0 && file_fd >= 0);
        status = run_opts(body_match_walls, &(struct sandbox_opts) { .root_fd = dir_fd, .read_fd = file_fd }, out,
                          sizeof(out));
        CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "walls: status %#x, said \"%s\"",
                  (unsigned) status, out);
        /* Without CAP_SYS_CHROOT (a user) /etc/passwd is the host's: then
         * Landlock alone refuses it. */
        CHECK_MSG(!landlock || streq_ptr(out, geteuid() == 0 ? "passwd ENOENT sibling EACCES db open"
                                                          : "passwd EACCES sibling EACCES db open"),
                  "walls: said \"%s\"", out);
        close(dir_fd);
        close(file_fd);
}

/* ---- the image reader's cage (writes_below_root) --------------------------- */

static int fill_fd = -1;          /* the folder the reader fills */
static int outside_fd = -1;       /* a kept fd of a folder outside it (an OCI layout's) */

static void body_fill(int fd) {
        int f = openat(fill_fd, "status", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        int ok = f >= 0 && write(f, "x", 1) == 1 && mkdirat(fill_fd, "d", 0700) == 0 &&
                 symlinkat("../status", fill_fd, "d/link") == 0 && linkat(fill_fd, "status", fill_fd, "d/hard", 0) == 0 &&
                 unlinkat(fill_fd, "d/link", 0) == 0;

        say(fd, ok ? "filled" : strerrorname_np(errno));
}

static void body_create_outside(int fd) {
        say_errno(fd, openat(outside_fd, "planted", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
}

static void body_mkdir_outside(int fd) {
        say_errno(fd, mkdirat(outside_fd, "planted", 0700));
}

static void body_unlink_outside(int fd) {
        say_errno(fd, unlinkat(outside_fd, "canary", 0));
}

static void body_link_out(int fd) {
        say_errno(fd, linkat(outside_fd, "canary", fill_fd, "stolen", 0));
}

static void body_read_outside(int fd) {
        int f = openat(outside_fd, "canary", O_RDONLY | O_CLOEXEC);
        char buf[64] = "";

        say(fd, f >= 0 && read(f, buf, sizeof(buf) - 1) > 0 ? buf : strerrorname_np(errno));
}

static void body_truncate(int fd) {
        say_errno(fd, openat(fill_fd, "status", O_WRONLY | O_TRUNC | O_CLOEXEC));
}

static const struct row writer_rows[] = {
        { "writer: fill its folder", body_fill, 0, "filled", true, false },
        { "writer: read the kept image fd", body_read_outside, 0, "canary", true, false },
        { "writer: create beside the image", body_create_outside, 0, "-1 EACCES", true, false },
        { "writer: mkdir beside the image", body_mkdir_outside, 0, "-1 EACCES", true, false },
        { "writer: unlink beside the image", body_unlink_outside, 0, "-1 EACCES", true, false },
        { "writer: hard link from beside the image", body_link_out, 0, "-1 EXDEV", true, false },
        { "writer: open O_TRUNC", body_truncate, SIGSYS, NULL, true, false },
        { "writer: execve", body_execve, SIGSYS, NULL, true, false },
        { "writer: socket", body_socket, SIGSYS, NULL, true, false },
};

/* Each row in a fresh folder to fill, with a kept fd of another folder
 * (holding a canary) that only Landlock keeps it from writing. */
static void test_writer_rows(void) {
        char fill[1024], outside[1024];

        if (!landlock)
                return;
        snprintf(outside, sizeof(outside), "%s", test_path(test_tmpdir(), "layout"));
        test_write_file(test_path(outside, "canary"), "canary\n");
        outside_fd = open(outside, O_PATH | O_DIRECTORY | O_CLOEXEC);
        CHECK(outside_fd >= 0);
        for (size_t i = 0; i < ELEMENTSOF(writer_rows); i++) {
                char out[512];
                int status;

                snprintf(fill, sizeof(fill), "%s/fill-%zu", test_tmpdir(), i);
                CHECK(mkdir(fill, 0700) == 0);
                fill_fd = open(fill, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                CHECK(fill_fd >= 0);
                /* As analyze_image() cages the reader: its uid, no capability. */
                status = run_opts(writer_rows[i].body,
                                  &(struct sandbox_opts) { .root_fd = fill_fd, .keep_fds = &outside_fd,
                                                           .n_keep_fds = 1, .writes_below_root = true,
                                                           .file_size_max = 4096, .cpu_seconds = 10,
                                                           .memory_max = (size_t) 256 << 20, .keep_uid = true },
                                  out, sizeof(out));
                check_row(&writer_rows[i], status, out);
                close(fill_fd);
        }
        CHECK(access(test_path(outside, "planted"), F_OK) < 0);
        CHECK(access(test_path(outside, "canary"), F_OK) == 0);
        close(outside_fd);
}

/* The real analyses in the sandbox: the fixture, this machine's own "/"
 * (a real dpkg database, when there is one), and a match against the
 * example feed (sqlite, read-only, in the match child). */
static void test_analyze(void) {
        _cleanup_(inventory_freep) struct inventory *inv = NULL, *host = NULL;
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        _cleanup_free_ char *json = NULL, *host_json = NULL, *scan_json = NULL;
        const char *src = getenv("PC_SOURCE_ROOT");
        const char *db = test_path(test_tmpdir(), "db.sqlite");
        char feed[1024];
        struct error err = {};

        CHECK_MSG(analyze_inventory(fixture, INVENTORY_PKG_ALL, 10000, &inv, &json, &err) == 0, "%s", err.msg);
        CHECK(inv && inv->n_pkgs == 1 && strcmp(inv->pkgs[0].name, "libcurl4") == 0);
        CHECK(analyze_sandbox_note() == NULL);

        if (access("/var/lib/dpkg/status", R_OK) == 0) {
                /* the host's whole / (build trees, every executable's ELF header):
                 * the bound is generous for a loaded CI machine.  A host with more
                 * language packages than an inventory holds (a big npm tree left
                 * in /tmp) gives that cap's error, the documented outcome, which
                 * the host's dpkg packages alone then must not */
                int k = analyze_inventory("/", INVENTORY_PKG_ALL, 120000, &host, &host_json, &err);

                if (k < 0 && strstr(err.msg, INVENTORY_TOO_MANY)) {
                        fprintf(stderr, "host rootfs: %s; its OS packages alone instead\n", err.msg);
                        error_clear(&err);
                        k = analyze_inventory("/", INVENTORY_PKG_OS, 120000, &host, &host_json, &err);
                }
                CHECK_MSG(k == 0, "%s", err.msg);
                CHECK(host && host->n_pkgs > 10);
                if (host)
                        fprintf(stderr, "host rootfs: %zu packages through the sandbox\n", host->n_pkgs);
        }

        if (!src)
                return;
        snprintf(feed, sizeof(feed), "%s/feed", src);
        CHECK_MSG(vulndb_import(db, (char *[]) { feed, NULL }, false, NULL, NULL, NULL, &err) == 0, "%s", err.msg);
        CHECK_MSG(inv && analyze_match(inv, db, 10000, &res, &scan_json, &err) == 0, "%s", err.msg);
        CHECK(res && res->n_findings >= 1);
        /* the cache's scan JSON, rendered by the parent from what the child sent */
        CHECK(scan_json && startswith(scan_json, "{\"target\":\"rootfs\",\"os\":"));
}

/* A child that never ends is the parent's deadline's business; the CPU
 * limit is the backstop: a spinning caged child dies of SIGXCPU/SIGKILL. */
static void test_cpu_limit(void) {
        pid_t pid = fork();
        int status;

        if (pid == 0) {
                int fds[2];

                if (pipe(fds) < 0 ||
                    sandbox_enter(&(struct sandbox_opts) { .result_fd = fds[1], .root_fd = -EBADF, .cpu_seconds = 1 },
                                  NULL) < 0)
                        _exit(100);
                for (volatile unsigned long i = 0;; i++)
                        ;
        }
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK_MSG(WIFSIGNALED(status) && (WTERMSIG(status) == SIGXCPU || WTERMSIG(status) == SIGKILL),
                  "status %#x", (unsigned) status);
}

/* Caged under the hard limit `resource` lowered to `value` (none: -1);
 * *out what the child said ("caged", else sandbox_enter()'s message), and
 * its /proc/PID/limits read while it waits (the caged child can't read
 * its limits: no prlimit64). */
static int run_under_limit(int resource, rlim_t value, char *out, size_t size, char *limits, size_t limits_size) {
        int fds[2], hold[2], status;
        char path[64];
        ssize_t n;
        pid_t pid;

        CHECK(pipe2(fds, O_CLOEXEC) == 0 && pipe2(hold, O_CLOEXEC) == 0);
        pid = fork();
        if (pid == 0) {
                struct sandbox_opts o = { .result_fd = fds[1], .keep_fds = &hold[0], .n_keep_fds = 1,
                                          .root_fd = -EBADF, .memory_max = (size_t) 256 << 20, .cpu_seconds = 10 };
                struct error err = {};
                char c;

                if (setrlimit(resource, &(struct rlimit) { value, value }) < 0)
                        _exit(101);
                if (sandbox_enter(&o, &err) < 0) {
                        say(fds[1], err.msg);
                        _exit(100);
                }
                say(fds[1], "caged");
                (void) read(hold[0], &c, 1);    /* until the parent has read the limits */
                _exit(0);
        }
        close(fds[1]);
        close(hold[0]);
        n = read(fds[0], out, size - 1);
        out[n > 0 ? n : 0] = '\0';
        snprintf(path, sizeof(path), "/proc/%d/limits", (int) pid);
        {
                int f = open(path, O_RDONLY | O_CLOEXEC);

                n = f >= 0 ? read(f, limits, limits_size - 1) : -1;
                limits[n > 0 ? n : 0] = '\0';
                if (f >= 0)
                        close(f);
        }
        close(hold[1]);
        close(fds[0]);
        CHECK(waitpid(pid, &status, 0) == pid);
        return status;
}

/* A hook started under lower hard limits than the cage's: a lower CPU
 * limit (ulimit -t) is kept, the child caged all the same (asking to raise
 * it failed every analysis: "sandbox: set RLIMIT_CPU: Operation not
 * permitted"); descriptors and memory below what the analysis needs are
 * an error naming the limit and where to raise it. */
static void test_lower_limits(void) {
        char out[512], limits[4096];
        int status;

        status = run_under_limit(RLIMIT_CPU, 3, out, sizeof(out), limits, sizeof(limits));
        CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0 && strcmp(out, "caged") == 0,
                  "under a hard RLIMIT_CPU of 3: status %#x, said \"%s\"", (unsigned) status, out);
        CHECK_MSG(strstr(limits, "Max cpu time              3                    3"), "%s", limits);
        status = run_under_limit(RLIMIT_NOFILE, 32, out, sizeof(out), limits, sizeof(limits));
        CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 100 &&
                  strstr(out, "sandbox: the hook's hard RLIMIT_NOFILE is 32, below the 128 the analysis needs; "
                              "raise it where the hook is started (the runtime's LimitNOFILE= or ulimit -n)"),
                  "under a hard RLIMIT_NOFILE of 32: status %#x, said \"%s\"", (unsigned) status, out);
        if (SANITIZED)
                return;
        status = run_under_limit(RLIMIT_AS, (rlim_t) 200 << 20, out, sizeof(out), limits, sizeof(limits));
        CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 100 &&
                  strstr(out, "sandbox: the hook's hard RLIMIT_AS is 209715200, below the 268435456 the analysis "
                              "needs; raise it"),
                  "under a hard RLIMIT_AS of 200 MiB: status %#x, said \"%s\"", (unsigned) status, out);
}

/* The programs the build made (lib/sandbox-filter-gen.c) are what
 * libseccomp compiles from the rules here and now, instruction for
 * instruction, each with its two stand-ins (what every row below then runs
 * under); a build that could not make them compiles them once. */
static void test_built_filters(void) {
        for (int writer = 0; writer <= 1; writer++) {
                const struct sock_filter *prog, *again;
                struct sock_filter *compiled;
                size_t n, n_again, n_compiled, fd_standins = 0, pid_standins = 0;
                int built = sandbox_filter_program(writer, &prog, &n);

                CHECK_MSG(built >= 0, "%s", strerror(-built));
                CHECK(n > 0 && n <= BPF_MAXINSNS);
                CHECK(sandbox_filter_build(writer, &compiled, &n_compiled) == 0);
                CHECK_MSG(n_compiled == n && memcmp(compiled, prog, n * sizeof(*prog)) == 0,
                          "the %s program: %zu instructions built in, %zu compiled now, or different ones",
                          writer ? "image reader's" : "analysis's", n, n_compiled);
                free(compiled);
                for (size_t i = 0; i < n; i++) {
                        fd_standins += prog[i].k == FILTER_FD_STANDIN;
                        pid_standins += prog[i].k == FILTER_PID_STANDIN;
                }
                CHECK(fd_standins == (writer ? 0 : 1) && pid_standins == 1);
                /* the same program at every call (never compiled twice) */
                CHECK(sandbox_filter_program(writer, &again, &n_again) == built && again == prog && n_again == n);
                if (!built)
                        fprintf(stderr, "the seccomp programs are compiled at run time in this build\n");
        }
}

int main(void) {
        parent = getpid();
        snprintf(fixture, sizeof(fixture), "%s", test_path(test_tmpdir(), "rootfs"));
        snprintf(created, sizeof(created), "%s", test_path(test_tmpdir(), "created"));
        test_write_file(test_path(fixture, "etc/os-release"), "ID=debian\nVERSION_ID=\"12\"\n");
        test_write_file(test_path(fixture, "var/lib/dpkg/status"),
                        "Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\n"
                        "Version: 7.88.1-10+deb12u3\n\n");
        landlock = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) > 0;
        if (!landlock)
                fprintf(stderr, "no Landlock in this kernel: its rows are skipped\n");
        test_built_filters();
        test_rows();
        test_writer_rows();
        test_cpu_limit();
        test_lower_limits();
        {
                int root_fd = open(fixture, O_PATH | O_DIRECTORY | O_CLOEXEC);

                CHECK(root_fd >= 0);
                test_privileges(root_fd);
                close(root_fd);
        }
        test_match_walls();
        /* Root's own files, unreadable to anyone else: the inventory child
         * (uid 65534, CAP_DAC_READ_SEARCH) still reads them. */
        CHECK(chmod(test_path(fixture, "var/lib/dpkg/status"), 0600) == 0);
        CHECK(chmod(test_path(fixture, "var/lib/dpkg"), 0700) == 0);
        test_analyze();
        return test_end();
}
