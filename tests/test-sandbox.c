/* SPDX-License-Identifier: Apache-2.0 */
/* lib/sandbox.c: what a caged child may and may not do.  Each row runs a
 * body in a fresh child that has entered the sandbox, and checks how the
 * child ended (SIGSYS for a forbidden syscall, an errno for the documented
 * refusals, a clean exit for what the analysis needs) and what it wrote to
 * its result pipe.  Then the real analyses, inventory and match, through
 * lib/analyze.c. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "analyze.h"
#include "base/strutil.h"
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
        say_errno(fd, kill(getppid(), 0));
}

static void body_fork(int fd) {
        say_errno(fd, (int) syscall(SYS_fork));
}

static void body_setown(int fd) {
        say_errno(fd, fcntl(fd, F_SETOWN, getppid()));
}

static void body_openat2(int fd) {
        struct open_how how = { .flags = O_RDONLY };

        say_errno(fd, (int) syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how)));
}

static void body_ioctl(int fd) {
        struct winsize ws;

        say_errno(fd, ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws));
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
        bool chroot;
        bool skip_sanitized;
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
        { "openat2", body_openat2, 0, "-1 ENOSYS", false, false },
        { "ioctl", body_ioctl, 0, "-1 ENOTTY", false, false },
        { "inherited fd", body_stray_fd, 0, "-1 EBADF", false, false },
        { "stdin", body_stdin, 0, "0 ok", false, false },
        { "RLIMIT_AS", body_memory, 0, "bounded", false, true },
        { "read in the chroot", body_read, 0, "ID=debian\n", true, false },
};

/* Runs body in a child sandboxed with *o (result_fd set here); returns its
 * wait status, *out what it said. */
static int run_caged_opts(const struct row *r, const struct sandbox_opts *o, char *out, size_t size) {
        int fds[2], status;
        size_t n = 0;
        pid_t pid;

        CHECK(pipe2(fds, O_CLOEXEC) == 0);
        pid = fork();
        if (pid == 0) {
                struct error err = {};
                int k;

                close(fds[0]);
                struct sandbox_opts opts = *o;

                opts.result_fd = fds[1];
                k = sandbox_enter(&opts, &err);
                if (k != SANDBOX_FULL) {
                        say(fds[1], err.msg);
                        _exit(100);
                }
                r->body(fds[1]);
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
        return run_caged_opts(r, &(struct sandbox_opts) { .root_fd = root_fd, .memory_max = (size_t) 256 << 20,
                                                          .cpu_seconds = 10 }, out, size);
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

                if (r->skip_sanitized && SANITIZED)
                        continue;
                status = run_caged(r, r->chroot ? root_fd : -EBADF, out, sizeof(out));
                check_row(r, status, out);
        }
        CHECK(access(created, F_OK) < 0);
        close(root_fd);
        close(stray_fd);
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

static bool have_landlock(void) {
        return syscall(SYS_landlock_create_ruleset, NULL, 0, 1U /* LANDLOCK_CREATE_RULESET_VERSION */) >= 1;
}

/* Each row in a fresh folder to fill, with a kept fd of another folder
 * (holding a canary) that only Landlock keeps it from writing. */
static void test_writer_rows(void) {
        char fill[1024], outside[1024];

        if (!have_landlock()) {
                fprintf(stderr, "no Landlock in this kernel: writer rows skipped\n");
                return;
        }
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
                status = run_caged_opts(&writer_rows[i],
                                        &(struct sandbox_opts) { .root_fd = fill_fd, .keep_fds = &outside_fd,
                                                                 .n_keep_fds = 1, .writes_below_root = true,
                                                                 .file_size_max = 4096, .cpu_seconds = 10,
                                                                 .memory_max = (size_t) 256 << 20 },
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

        CHECK_MSG(analyze_inventory(fixture, 10000, &inv, &json, &err) == 0, "%s", err.msg);
        CHECK(inv && inv->n_pkgs == 1 && strcmp(inv->pkgs[0].name, "libcurl4") == 0);
        CHECK(analyze_sandbox_note() == NULL);

        if (access("/var/lib/dpkg/status", R_OK) == 0) {
                CHECK_MSG(analyze_inventory("/", 30000, &host, &host_json, &err) == 0, "%s", err.msg);
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

int main(void) {
        snprintf(fixture, sizeof(fixture), "%s", test_path(test_tmpdir(), "rootfs"));
        snprintf(created, sizeof(created), "%s", test_path(test_tmpdir(), "created"));
        test_write_file(test_path(fixture, "etc/os-release"), "ID=debian\nVERSION_ID=\"12\"\n");
        test_write_file(test_path(fixture, "var/lib/dpkg/status"),
                        "Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\n"
                        "Version: 7.88.1-10+deb12u3\n\n");
        test_rows();
        test_writer_rows();
        test_cpu_limit();
        test_analyze();
        return test_end();
}
