/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analyze-message.h"
#include "analyze.h"
#include "base/digest.h"
#include "base/fileio.h"
#include "base/heap.h"
#include "base/strutil.h"
#include "image.h"
#include "inventory-wire.h"
#include "report.h"
#include "rootfs.h"
#include "sandbox.h"
#include "scan-wire.h"
#include "vulndb.h"

#define ANALYSIS_PIPE_SIZE (1024 * 1024)

/* What a child computes: its result (a JSON document, or the wire forms
 * of the inventory and the scan, inventory-wire.h and scan-wire.h) of
 * *ret_len bytes on success, an error otherwise. */
typedef int (*child_fn)(const void *arg, char **ret, size_t *ret_len, struct error *err);

/* Set when a child ran without its seccomp filter (a kernel without
 * seccomp filters); the hook says so once. */
static char sandbox_note[256];
/* In a child: what sandbox_enter() returned (SANDBOX_NO_* bits), for analyze_probe(). */
static int child_sandbox_level;
/* In a child: its result pipe (a staged child writes a first message to it). */
static int child_result_fd = -EBADF;

const char *analyze_sandbox_note(void) {
        return sandbox_note[0] ? sandbox_note : NULL;
}

/* Enters the sandbox; a "W" line tells the parent when seccomp was
 * missing (without Landlock, the chroot still holds, so no note).
 * jansson's hash seed is drawn now (a no-op when the parent has parsed
 * JSON already): after the chroot, /dev/urandom is the image's. */
static int child_cage(int fd, const struct sandbox_opts *cage, unsigned deadline_ms, struct error *err) {
        static const char note[] = "Wthe analysis ran without its seccomp filter (the kernel has none)\n";
        struct sandbox_opts o = *cage;
        int k;

        json_object_seed(0);
        o.result_fd = fd;
        o.cpu_seconds = deadline_ms / 1000 + 1;
        o.nice = ANALYSIS_NICE;
        k = sandbox_enter(&o, err);
        child_sandbox_level = k;
        if (k > 0 && (k & SANDBOX_NO_SECCOMP))
                return write_all(fd, note, STRLEN(note));
        return k < 0 ? k : 0;
}

/* The child's message (analyze-message.h): an optional "W" line, then "R" +
 * the result, or "E" + an error message; the exit status tells the errno
 * of an error. */
static _Noreturn void child_main(child_fn fn, const void *arg, const struct sandbox_opts *cage, unsigned deadline_ms,
                                 int fd, pid_t parent) {
        _cleanup_free_ char *result = NULL;
        char *tagged;
        struct error err = {};
        size_t len = 0;
        int k;

        /* Die with the hook, whatever kills it; if that was before now,
         * its signal never comes. */
        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
                _exit(ESRCH);
        child_result_fd = fd;
        k = child_cage(fd, cage, deadline_ms, &err);
        if (k >= 0)
                k = fn(arg, &result, &len, &err);
        if (k < 0) {
                (void) write_all(fd, err.content ? "C" : "E", 1);
                (void) write_all(fd, err.msg, strlen(err.msg));
                _exit(-k < 126 ? -k : EIO);
        }
        /* "R" and the result in one write: the parent wakes once, not for
         * the "R" first */
        tagged = realloc(result, len + 1);
        if (tagged) {
                memmove(tagged + 1, tagged, len);
                tagged[0] = 'R';
                result = NULL;
                k = write_all(fd, tagged, len + 1) == 0 ? 0 : EIO;
        } else
                k = write_all(fd, "R", 1) == 0 && write_all(fd, result, len) == 0 ? 0 : EIO;
        /* EOF for the parent now, not after this process's teardown (its
         * memory freed: 0.5 to 1.2 ms on the bench VM), which the parent's
         * reading of the result overlaps (child_reap()). */
        close(fd);
        _exit(k);
}

static long long now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the child's message until EOF (0), or until done() says b holds
 * what is wanted (1), or the deadline (-ETIMEDOUT). */
static int read_until(int fd, long long deadline, bool (*done)(const char *s, size_t len), struct strbuf *b,
                      struct error *err) {
        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                long long left = deadline - now_ms();
                ssize_t n;
                int k;

                if (left <= 0)
                        return -ETIMEDOUT;
                k = poll(&p, 1, (int) (left > 60000 ? 60000 : left));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return error_set_errno(err, errno, "wait for the analysis");
                if (k == 0)
                        continue;
                /* into the buffer itself, 64 KiB at a time at least */
                if (strbuf_reserve(b, 65536) < 0 && strbuf_reserve(b, 1) < 0)
                        return error_set(err, EMSGSIZE, "analysis result larger than %zu bytes", ANALYSIS_RESULT_MAX);
                n = read(fd, b->s + b->len, b->cap - b->len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set_errno(err, errno, "read the analysis result");
                if (n == 0)
                        return 0;
                b->len += (size_t) n;
                b->s[b->len] = '\0';
                if (done && done(b->s, b->len))
                        return 1;
        }
}

/* Returns the child's exit status (its errno), or an error if it died. */
static int reap(pid_t pid, struct error *err) {
        char oom[256];
        int status, k;

        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return error_set_errno(err, errno, "wait for the analysis process");
        if (!WIFSIGNALED(status))
                return WEXITSTATUS(status);
        /* A SIGKILL is not ours (ours come at the deadline, reaped by
         * reap_killed()): most often the OOM killer, under a cgroup memory
         * limit below what RLIMIT_AS lets the child take. */
        (void) snprintf(oom, sizeof(oom), "; killed from outside, most likely by the kernel's OOM killer: give the "
                        "hook's cgroup (the runtime's service, the pod's) more memory than the %zu MiB an analysis "
                        "may use, and see the kernel log (dmesg)", SANDBOX_MEMORY_DEFAULT >> 20);
        /* the image's doing (a crash in a parser it found, a file cut short
         * under a map, the sandbox's CPU limit): content (inventory_failed()) */
        k = error_set(err, ECHILD, "the analysis process died of signal %d (%s)%s", WTERMSIG(status),
                      strsignal(WTERMSIG(status)),
                      /* an image's rpmdb is mapped (rootfs_map_file()): shortened under the map */
                      WTERMSIG(status) == SIGBUS ? "; a file of the image it had mapped (an rpm database) was cut "
                      "short while it read it: the image changed under the analysis"
                      : WTERMSIG(status) == SIGKILL ? oom : "");
        if (err)
                err->content = true;
        return k;
}

/* The deadline passed: what is left of the start (the kill, the decision,
 * its audit line, the exit) must not queue behind the analyses of a burst
 * of other starts, so the hook takes the CPU first for those few
 * milliseconds (without CAP_SYS_NICE it can't, and queues). */
static void hurry(void) {
        (void) setpriority(PRIO_PROCESS, 0, ANALYSIS_LATE_NICE);
}

/* Kills a child at the deadline without waiting out its death: a dying
 * process still needs the CPU for its exit (at its own nice level, on a
 * busy node seconds away), so it gets its priority back and at most
 * ANALYSIS_REAP_WAIT_MS; one not gone by then is reaped by whoever
 * inherits it when the hook exits. */
static void reap_killed(pid_t pid) {
        int pidfd = (int) syscall(SYS_pidfd_open, pid, 0);

        (void) setpriority(PRIO_PROCESS, (id_t) pid, 0);        /* without CAP_SYS_NICE: stays nice */
        (void) kill(pid, SIGKILL);
        if (pidfd < 0) {                /* before Linux 5.3 */
                (void) reap(pid, NULL);
                return;
        }
        (void) poll(&(struct pollfd) { .fd = pidfd, .events = POLLIN }, 1, ANALYSIS_REAP_WAIT_MS);
        (void) close(pidfd);
        (void) waitpid(pid, NULL, WNOHANG);
}

/* The message's note (a "W" line) kept for analyze_sandbox_note(). */
static void keep_note(const struct analysis_message *m) {
        if (m->note)
                snprintf(sandbox_note, sizeof(sandbox_note), "%.*s", (int) m->note_len, m->note);
}

/* Whether s (len bytes) holds a staged child's whole first message. */
static bool stage_whole(const char *s, size_t len) {
        struct analysis_message m;

        analysis_message_parse(s, len, ANALYSIS_RESULT_MAX, &m);
        return m.kind == ANALYSIS_MESSAGE_STAGE;
}

/* A child started (child_start()), not yet read and reaped. */
struct child {
        pid_t pid;              /* 0 once reaped */
        int fd;                 /* the read end of its pipe, -EBADF once read */
        long long deadline;
};

static const char *exec_kind(child_fn fn);
static pid_t exec_child(const char *kind, const void *arg, unsigned deadline_ms, int fd, pid_t parent);

/* Starts fn in a child caged as cage says (root_fd, read_fd, keep_fds,
 * writes, privileges; its result_fd, cpu_seconds and nice are set here):
 * a fresh exec of the binary where analyze_exec_children() asked for it
 * and fn can be (exec_child()), else a fork. */
static int child_start(child_fn fn, const void *arg, const struct sandbox_opts *cage, unsigned deadline_ms,
                       struct child *ret, struct error *err) {
        struct sandbox_opts o = *cage;
        const char *kind = exec_kind(fn);
        pid_t pid, parent = getpid();
        int fds[2], k;

        if (deadline_ms == 0)   /* the budget is spent: no child to start and kill */
                return error_set(err, ETIMEDOUT, "no decision within the deadline");
        if (pipe2(fds, O_CLOEXEC) < 0)
                return error_set_errno(err, errno, "create a pipe for the analysis");
        /* room for a whole result of a few hundred findings (115 KiB for
         * a minbase image against the 200,000-record DB): the child writes
         * it at once and exits, instead of waiting for the parent to empty
         * the default 64 KiB, a wake-up each way.  The pages are taken as
         * they are written; without room (pipe-max-size), the default. */
        (void) fcntl(fds[1], F_SETPIPE_SZ, ANALYSIS_PIPE_SIZE);
        *ret = (struct child) { .deadline = now_ms() + deadline_ms, .fd = fds[0] };
        pid = kind ? exec_child(kind, arg, deadline_ms, fds[1], parent) : -1;
        if (pid < 0)
                pid = fork();
        if (pid < 0) {
                k = -errno;
                close(fds[0]);
                close(fds[1]);
                return error_set_errno(err, k, "start the analysis process");
        }
        if (pid == 0) {
                close(fds[0]);
                child_main(fn, arg, &o, deadline_ms, fds[1], parent);
        }
        close(fds[1]);
        ret->pid = pid;
        return 0;
}

/* Kills a started child that is no longer wanted. */
static void child_cancel(struct child *c) {
        closep(&c->fd);
        if (c->pid > 0)
                reap_killed(c->pid);
        c->pid = 0;
}

static int child_lost(struct child *c, struct strbuf *b, int k, struct error *err);
static int child_failed(struct child *c, struct strbuf *b, const struct analysis_message *m, struct error *err);

/* The child's result, once it sent it whole and closed its pipe: *ret,
 * *ret_len bytes (NUL-terminated beyond them); the child is left to
 * child_reap() while it exits.  Any other end (an error it sent, none) is
 * reaped here, its exit status part of the error. */
static int child_read(struct child *c, char **ret, size_t *ret_len, struct error *err) {
        struct strbuf b = { .max = ANALYSIS_RESULT_MAX + 1 };
        struct analysis_message m;
        int k;

        k = read_until(c->fd, c->deadline, NULL, &b, err);
        closep(&c->fd);
        if (k < 0)
                return child_lost(c, &b, k, err);
        analysis_message_parse(b.s, b.len, ANALYSIS_RESULT_MAX, &m);
        keep_note(&m);
        if (m.kind != ANALYSIS_MESSAGE_RESULT)
                return child_failed(c, &b, &m, err);
        /* the result moved to the front of the buffer (and its NUL) */
        memmove(b.s, m.body, m.body_len + 1);
        *ret = b.s;
        *ret_len = m.body_len;
        return 0;
}

/* The staged child's inventory (staged_child()): *ret, *ret_len bytes,
 * read while the child waits for the parent's word; any other end as
 * child_read(). */
static int child_read_stage(struct child *c, char **ret, size_t *ret_len, struct error *err) {
        struct strbuf b = { .max = ANALYSIS_RESULT_MAX + 1 };
        struct analysis_message m;
        int k;

        k = read_until(c->fd, c->deadline, stage_whole, &b, err);
        if (k < 0)
                return child_lost(c, &b, k, err);
        analysis_message_parse(b.s, b.len, ANALYSIS_RESULT_MAX, &m);
        keep_note(&m);
        if (k == 0 || m.kind != ANALYSIS_MESSAGE_STAGE) {
                closep(&c->fd);
                return child_failed(c, &b, &m, err);
        }
        if (m.trailing > 0)     /* it waits for the parent's word before it says more */
                return child_lost(c, &b, error_set(err, EBADMSG, "the analysis process sent more than its inventory"),
                                  err);
        memmove(b.s, m.body, m.body_len);
        b.s[m.body_len] = '\0';
        *ret = b.s;
        *ret_len = m.body_len;
        return 0;
}

/* The deadline passed while a child was still at the image's files:
 * content (an image can hold enough to outlast any deadline, and the
 * caps allow seconds of work), so that on_unchecked decides it as well as
 * on_timeout (gate.c). */
static int analysis_timed_out(struct error *err) {
        int k = error_set(err, ETIMEDOUT, "no decision within the deadline: the analysis of the image's files "
                          "did not finish");

        err->content = true;
        return k;
}

/* A child gone quiet or wrong (k, read_until()'s error): killed. */
static int child_lost(struct child *c, struct strbuf *b, int k, struct error *err) {
        closep(&c->fd);
        if (k == -ETIMEDOUT)
                hurry();
        child_cancel(c);
        strbuf_done(b);
        return k == -ETIMEDOUT ? analysis_timed_out(err) : k;
}

/* A child that ended without its result (m: what it sent): reaped, its
 * error message and exit status the error. */
static int child_failed(struct child *c, struct strbuf *b, const struct analysis_message *m, struct error *err) {
        int k, status;

        status = reap(c->pid, err);
        c->pid = 0;
        if (status < 0 || m->kind != ANALYSIS_MESSAGE_ERROR)
                k = status < 0 ? status : error_set(err, ECHILD, "the analysis process ended without a result");
        else {  /* the message up to a NUL the child may have put in it */
                k = error_set(err, status ? status : EIO, "%.*s", (int) m->body_len, m->body);
                err->content = m->content;
        }
        strbuf_done(b);
        return k;
}

/* The exit of a child whose result was read (child_read()), waited for
 * until the deadline (a child that closed its pipe but lingers is
 * killed): a result is only good from a child that then exited 0. */
static int child_reap(struct child *c, struct error *err) {
        long long left = c->deadline - now_ms();
        int pidfd, status;

        if (c->pid <= 0)
                return 0;
        pidfd = (int) syscall(SYS_pidfd_open, c->pid, 0);
        if (pidfd >= 0) {       /* else (before Linux 5.3) waited for below */
                int k = poll(&(struct pollfd) { .fd = pidfd, .events = POLLIN }, 1,
                             left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int) left);

                close(pidfd);
                if (k == 0) {
                        hurry();
                        child_cancel(c);
                        return analysis_timed_out(err);
                }
        }
        status = reap(c->pid, err);
        c->pid = 0;
        if (status > 0)
                return error_set(err, status, "the analysis process exited with status %d after its result",
                                 status);
        return status;
}

/* Runs fn in a child (child_start()) and returns its result. */
static int run_child(child_fn fn, const void *arg, const struct sandbox_opts *cage, unsigned deadline_ms,
                     char **ret, size_t *ret_len, struct error *err) {
        struct child c;
        _cleanup_free_ char *raw = NULL;
        int k = child_start(fn, arg, cage, deadline_ms, &c, err);

        if (k >= 0)
                k = child_read(&c, &raw, ret_len, err);
        if (k >= 0)
                k = child_reap(&c, err);
        if (k >= 0)
                *ret = TAKE_PTR(raw);
        return k;
}

/* Why a child's result could not be sent.  Past ANALYSIS_RESULT_MAX
 * (-E2BIG) the image did it (150,000 packages at paths of 3 KiB): content,
 * as inventory_failed() says, so that on_unchecked decides it too and an
 * image can't trade "not checked" for on_error's allow; out of memory is
 * the node's. */
static int send_failed(int k, const char *what, struct error *err) {
        if (k != -E2BIG)
                return error_set_errno(err, k, "send %s", what);
        k = error_set(err, E2BIG, "send %s: larger than the %zu MiB an analysis may send back (%s); the image was "
                      "not checked", what, ANALYSIS_RESULT_MAX >> 20,
                      strcmp(what, "the findings") == 0 ? "the findings of the image's packages"
                      : strcmp(what, "the analysis") == 0 ? "the image's packages, their names and paths, and their findings"
                      : "the image's packages, their names and paths");
        err->content = true;
        return k;
}

/* A child's result in its wire form: b's bytes, or k, the error of
 * writing them. */
static int wire_result(struct strbuf *b, int k, const char *what, char **ret, size_t *ret_len, struct error *err) {
        if (k < 0) {
                strbuf_done(b);
                return send_failed(k, what, err);
        }
        *ret_len = b->len;
        *ret = strbuf_steal(b);
        return 0;
}

/* What the parent read of a child's result must be all of it. */
static int check_used(size_t used, size_t len, const char *doc, struct error *err) {
        return used == len ? 0 : error_set(err, EBADMSG, "%s: %zu bytes past its end", doc, len - used);
}

/* A child's JSON document: its length is strlen's. */
static int json_result(char *json, char **ret, size_t *ret_len) {
        *ret = json;
        *ret_len = strlen(json);
        return 0;
}

/* ---- the inventory half --------------------------------------------------- */

/* What a rootfs child is handed (the inventory's and the analysis's). */
struct rootfs_arg {
        struct rootfs *root;
        const char *db_path;
        int db_fd;              /* the child's, opened by rootfs_open_db() before the chroot */
        int ctl_fd;             /* a staged child's end of the parent's word (staged_child()), else -EBADF */
        unsigned pkg_types;     /* what the inventory looks for (INVENTORY_PKG_*); the hook's: all */
        struct inventory_lister *lister;        /* the child's, started by start_lister() */
        /* a forked child's (the CLI's, whose process only waits for the
         * result): the walk's thread gets a CPU of its own
         * (inventory_lister_apart()); the hook's exec'd child, beside a
         * hook that opens its cache meanwhile, keeps one lister beside it */
        bool walk_apart;
};

/* In the child: the inventory failed.  Unless the node ran short (of
 * descriptors, disk, time) or its disk failed, the image's content caused
 * it (a package database that is a FIFO, a symlink loop, a file past its
 * cap; memory: the child may use SANDBOX_MEMORY_DEFAULT, which only what
 * the image holds exhausts): the hook's on_unchecked decides it as well as
 * its on_error (gate.c), so that an image can't trade "not checked" for an
 * error that a laxer setting lets through. */
static int inventory_failed(const struct rootfs_arg *a, struct error *err) {
        int k = error_wrap(err, "rootfs %s", rootfs_path(a->root));

        if (k == -ENOMEM)
                k = error_wrap(err, "the analysis of the image needs more than the %zu MiB it may use",
                               SANDBOX_MEMORY_DEFAULT >> 20);
        if (!inventory_errno_node(-k))
                err->content = true;
        return k;
}

/* In the child: the match failed.  Out of memory is the image's doing,
 * as for the inventory (inventory_failed()): what the match holds is the
 * image's packages and their findings, which only an image exhausts the
 * SANDBOX_MEMORY_DEFAULT with (1,500 binary packages of one source, as
 * many records of it: 2,250,000 findings); else "out of memory" was the
 * node's, for on_error alone to decide.  Any other error (the DB's) is
 * the node's. */
static int match_failed(int k, struct error *err) {
        if (k != -ENOMEM)
                return k;
        k = error_wrap(err, "the analysis of the image needs more than the %zu MiB it may use (its packages' findings)",
                       SANDBOX_MEMORY_DEFAULT >> 20);
        err->content = true;
        return k;
}

/* In the child, once every thread's confinement is in place and before the
 * seccomp filter, which then binds them too: the walk's lister threads.
 * A child that can't have them lists as it walks.  The child keeps what it
 * frees (heap_keep()): its threads on two CPUs would shoot each other's TLB
 * down at every munmap. */
static int start_lister(void *userdata, struct error *err) {
        struct rootfs_arg *a = userdata;
        int k;

        heap_keep();
        k = inventory_lister_new(true, &a->lister);
        if (k >= 0 && a->walk_apart)
                inventory_lister_apart(a->lister);

        return k == -ENOMEM ? error_set(err, ENOMEM, "out of memory") : 0;
}

/* In the child, before the cage closes: the DB file, which sqlite reads
 * through this fd once the listers are started (vulndb_open_fd()): its
 * open (1.5 to 2 ms, most of it sqlite's first start in the process) then
 * overlaps their listing instead of coming before it.  sqlite never opens
 * a path of its own, so nothing is looked up inside the image's root. */
static int rootfs_open_db(void *userdata, struct error *err) {
        struct rootfs_arg *a = userdata;

        a->db_fd = open(a->db_path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (a->db_fd < 0)
                return vulndb_open_error(err, errno, a->db_path);
        return 0;
}

/* The cage of a rootfs child (arg's): chrooted to the rootfs, Landlock
 * letting it read beneath it only, the DB opened first when there is one. */
static struct sandbox_opts rootfs_cage(struct rootfs_arg *a) {
        return (struct sandbox_opts) { .root_fd = rootfs_fd(a->root), .read_fd = rootfs_fd(a->root),
                                       .keep_fds = &a->ctl_fd, .n_keep_fds = a->ctl_fd >= 0,
                                       .keep_caps = 1ULL << CAP_DAC_READ_SEARCH,
                                       .open_fn = a->db_path ? rootfs_open_db : NULL,
                                       .threads_fn = a->pkg_types & INVENTORY_PKG_LIBRARY ? start_lister : NULL,
                                       .userdata = a };
}

/* The rootfs was opened by the parent: the child is chrooted to it,
 * resolves everything from its fd, and may open nothing else (Landlock).
 * It runs as SANDBOX_UID_DEFAULT with one capability, CAP_DAC_READ_SEARCH:
 * an image's files are root's, and a package database an image author
 * made 0600 (or a 0700 folder above it) must still be read, not become an
 * unreadable inventory that on_error may let through.  The capability
 * only bypasses read and search permission; its one known escape,
 * open_by_handle_at(2) (CVE-2014-3519's "shocker"), is killed by the
 * seccomp filter, and Landlock checks every open(2) against the rootfs. */
static int inventory_child(const void *arg, char **ret, size_t *ret_len, struct error *err) {
        const struct rootfs_arg *a = arg;
        _cleanup_(inventory_lister_freep) struct inventory_lister *l = a->lister;
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        struct strbuf b = { .max = ANALYSIS_RESULT_MAX };

        if (!l && inventory_lister_new(false, &l) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (inventory_collect_databases(a->root, l, a->pkg_types, &inv, err) < 0 ||
            inventory_collect_walk(a->root, l, inv, err) < 0)
                return inventory_failed(a, err);
        inventory_lister_free(TAKE_PTR(l));
        return wire_result(&b, inventory_wire_write(inv, &b), "the inventory", ret, ret_len, err);
}

int analyze_inventory(const char *rootfs, unsigned pkg_types, unsigned deadline_ms, struct inventory **ret_inv,
                      char **ret_json, struct error *err) {
        _cleanup_(rootfs_freep) struct rootfs *root = NULL;
        _cleanup_free_ char *raw = NULL;
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        struct rootfs_arg arg = { .db_fd = -EBADF, .ctl_fd = -EBADF, .pkg_types = pkg_types, .walk_apart = true };
        struct sandbox_opts cage;
        size_t len, used;
        int k;

        k = rootfs_open(rootfs, 0, &root, err);
        if (k < 0)
                return error_wrap(err, "rootfs %s", rootfs);
        arg.root = root;
        cage = rootfs_cage(&arg);
        k = run_child(inventory_child, &arg, &cage, deadline_ms, &raw, &len, err);
        if (k < 0)
                return k;
        if ((k = inventory_wire_read(raw, len, &inv, &used, err)) < 0 ||
            (k = check_used(used, len, "inventory from the analysis", err)) < 0)
                return error_wrap(err, "the analysis of %s", rootfs);
        /* Re-rendered from what we parsed: canonical, and nothing unchecked
         * goes into the cache (not needed when nothing is cached). */
        if (ret_json && (k = report_inventory_json(inv, ret_json, err)) < 0)
                return k;
        *ret_inv = TAKE_PTR(inv);
        return 0;
}

int analyze_inventory_identity(const char *inventory_json, char **ret) {
        char hex[65];

        sha256_hex(inventory_json, strlen(inventory_json), hex);
        return asprintf(ret, "inventory:sha256:%s", hex) < 0 ? -ENOMEM : 0;
}

/* ---- the match half -------------------------------------------------------- */

struct match_arg {
        const struct inventory *inv;
        const char *db_path;
        struct vulndb *db;      /* the child's, opened by match_open() */
};

/* In the child, before the cage closes: sqlite opens the DB by path. */
static int match_open(void *userdata, struct error *err) {
        struct match_arg *a = userdata;

        return vulndb_open(a->db_path, &a->db, err);
}

static int match_child(const void *arg, char **ret, size_t *ret_len, struct error *err) {
        const struct match_arg *a = arg;
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        struct strbuf b = { .max = ANALYSIS_RESULT_MAX };
        int k;

        if ((k = match_inventory(a->db, a->inv, &res, err)) < 0)
                return match_failed(k, err);
        return wire_result(&b, scan_wire_write(res, &b), "the findings", ret, ret_len, err);
}

/* The scan JSON the cache keeps, rendered here from what was read, as the
 * child rendered it before it sent the wire form: the target "rootfs", on
 * one line, the scan's warnings the match's own (the inventory's travel
 * with the inventory). */
static int scan_json(const struct inventory *inv, const struct scan_result *res, char **ret, struct error *err) {
        struct inventory copy = *inv;

        copy.warnings = NULL;
        return report_scan_json(&(struct report_target) { .name = "rootfs", .inv = &copy, .res = res, .compact = true },
                                ret, err);
}

/* The match child's walls: O_PATH fds of the DB's folder (its chroot) and
 * of the DB file (the one thing Landlock lets it open again). */
static int open_db_walls(const char *db_path, int *ret_dir, int *ret_file, struct error *err) {
        _cleanup_free_ char *copy = strdup(db_path);
        _cleanup_close_ int file = -EBADF;
        int dir;

        if (!copy)
                return error_set(err, ENOMEM, "out of memory");
        file = open(db_path, O_PATH | O_CLOEXEC);
        if (file < 0)
                return vulndb_open_error(err, errno, db_path);
        dir = open(dirname(copy), O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return error_set_errno(err, errno, "the folder of the vulnerability database %s", db_path);
        *ret_dir = dir;
        *ret_file = TAKE_FD(file);
        return 0;
}

/* The child opens the DB, then is chrooted to its folder and may open
 * nothing but the DB file itself (Landlock), as SANDBOX_UID_DEFAULT with
 * no capability at all. */
int analyze_match(const struct inventory *inv, const char *db_path, unsigned deadline_ms, struct scan_result **ret,
                  char **ret_json, struct error *err) {
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        _cleanup_free_ char *raw = NULL;
        _cleanup_close_ int dir = -EBADF, file = -EBADF;
        struct match_arg arg = { .inv = inv, .db_path = db_path };
        size_t len, used;
        int k;

        k = open_db_walls(db_path, &dir, &file, err);
        if (k < 0)
                return k;
        k = run_child(match_child, &arg,
                      &(struct sandbox_opts) { .root_fd = dir, .read_fd = file, .open_fn = match_open,
                                               .userdata = &arg },
                      deadline_ms, &raw, &len, err);
        if (k < 0)
                return k;
        if ((k = scan_wire_read(raw, len, &res, &used, err)) < 0 ||
            (k = check_used(used, len, "findings from the analysis", err)) < 0)
                return error_wrap(err, "the match against %s", db_path);
        if (ret_json && (k = scan_json(inv, res, ret_json, err)) < 0)
                return k;
        *ret = TAKE_PTR(res);
        return 0;
}

/* ---- both in one child ----------------------------------------------------- */

/* The lookup of the package databases' packages, beside the walk: on a
 * copy of their array (the walk adds to inv's, which may move it; the
 * strings stay where they are). */
struct prefetch_job {
        struct vulndb *db;
        struct inventory os;    /* pkgs and n_pkgs only: what match_prefetch() reads */
        struct match_prefetch *pre;
};

static int prefetch_job(void *userdata) {
        struct prefetch_job *j = userdata;

        return match_prefetch(j->db, &j->os, &j->pre);
}

/* The inventory's wire form, then the scan's.  While the lister threads
 * list the rootfs, the package databases are read and the DB opened; then
 * the packages' records are looked up beside the reading of what they
 * installed and the walk (inventory_lister_run(): by the first lister's
 * thread once it is done, or while the walk waits for the listing), not
 * before them. */
static int rootfs_child(const void *arg, char **ret, size_t *ret_len, struct error *err) {
        const struct rootfs_arg *a = arg;
        _cleanup_(inventory_lister_freep) struct inventory_lister *l = a->lister;
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        _cleanup_(match_prefetch_freep) struct match_prefetch *pre = NULL;
        _cleanup_free_ struct package *os_pkgs = NULL;
        struct strbuf b = { .max = ANALYSIS_RESULT_MAX };
        struct prefetch_job job = {};
        struct vulndb *db = NULL;       /* the child's until it exits */
        bool beside;
        size_t n;
        int k, w;

        if (!l && inventory_lister_new(false, &l) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if ((k = inventory_collect_packages(a->root, l, a->pkg_types, &inv, err)) < 0)
                return inventory_failed(a, err);
        if ((k = vulndb_open_fd(a->db_fd, a->db_path, &db, err)) < 0)
                return k;
        /* (--pkg-types library: the OS's packages go once the owned set is read) */
        n = inv->left_out & INVENTORY_PKG_OS ? 0 : inv->n_pkgs;
        if (!(os_pkgs = calloc(n + 1, sizeof(*os_pkgs))))
                return error_set(err, ENOMEM, "out of memory");
        if (n > 0)
                memcpy(os_pkgs, inv->pkgs, n * sizeof(*os_pkgs));
        job = (struct prefetch_job) { .db = db, .os = { .pkgs = os_pkgs, .n_pkgs = n } };
        beside = inventory_lister_run(l, prefetch_job, &job);
        k = beside ? 0 : prefetch_job(&job);
        if (k >= 0)
                k = inventory_collect_owned(a->root, inv, err);
        if (k >= 0)
                k = inventory_collect_walk(a->root, l, inv, err);
        w = beside ? inventory_lister_job_wait(l) : 0;     /* done with the copy before it goes */
        pre = job.pre;
        if (k >= 0 && w < 0)
                k = w;
        if (k < 0) {
                if (k == -ENOMEM && !err->msg[0])
                        error_set(err, ENOMEM, "out of memory");
                return inventory_failed(a, err);
        }
        inventory_lister_free(TAKE_PTR(l));     /* its thread joined: the match has both CPUs */
        if ((k = match_inventory_prefetched(db, inv, pre, &res, err)) < 0)
                return match_failed(k, err);
        if ((k = inventory_wire_write(inv, &b)) >= 0)
                k = scan_wire_write(res, &b);
        return wire_result(&b, k, "the analysis", ret, ret_len, err);
}

/* For a miss whose identity is the inventory's (no digest, no overlay
 * layers): the inventory's wire form first, as a message of its own (a
 * stage, analyze-message.h), on which the parent looks its digest up in
 * the cache; meanwhile the DB is opened.  When the parent then writes "M"
 * (a miss), the records are looked up and the scan's wire form is the
 * result; without it (a hit: the parent closed its end, or killed the
 * child) nothing more.  The lookups wait for the word: made ahead, they took a
 * hit 1.8 ms more CPU with the 200k DB (a miss 0.3-0.9 ms less wall),
 * and hits are most starts.  One child instead of an inventory child and
 * a match child. */
static int staged_child(const void *arg, char **ret, size_t *ret_len, struct error *err) {
        const struct rootfs_arg *a = arg;
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        _cleanup_(match_prefetch_freep) struct match_prefetch *pre = NULL;
        struct strbuf b = { .max = ANALYSIS_RESULT_MAX + ANALYSIS_STAGE_HEADER };
        struct vulndb *db = NULL;       /* the child's until it exits */
        char word = 0, header[ANALYSIS_STAGE_HEADER + 1] = "";
        ssize_t n;
        int k;

        k = inventory_collect(a->root, a->lister, &inv, err);
        inventory_lister_free(a->lister);
        if (k < 0)
                return inventory_failed(a, err);
        /* the header's room first, filled in once the length is known */
        if ((k = strbuf_append(&b, header, ANALYSIS_STAGE_HEADER)) >= 0)
                k = inventory_wire_write(inv, &b);
        if (k < 0) {
                strbuf_done(&b);
                return send_failed(k, "the inventory", err);
        }
        analysis_message_stage_header(b.len - ANALYSIS_STAGE_HEADER, header);
        memcpy(b.s, header, ANALYSIS_STAGE_HEADER);
        k = write_all(child_result_fd, b.s, b.len);
        strbuf_done(&b);
        if (k < 0)
                return error_set_errno(err, k, "send the inventory");

        if ((k = vulndb_open_fd(a->db_fd, a->db_path, &db, err)) < 0)
                return k;
        do
                n = read(a->ctl_fd, &word, 1);
        while (n < 0 && errno == EINTR);
        if (n != 1 || word != 'M')
                _exit(0);
        if (match_prefetch(db, inv, &pre) == -ENOMEM)
                return match_failed(error_set(err, ENOMEM, "out of memory"), err);
        if ((k = match_inventory_prefetched(db, inv, pre, &res, err)) < 0)
                return match_failed(k, err);
        b = (struct strbuf) { .max = ANALYSIS_RESULT_MAX };
        return wire_result(&b, scan_wire_write(res, &b), "the findings", ret, ret_len, err);
}

struct analysis {
        struct rootfs *root;
        struct rootfs_arg arg;
        struct child child;
        int ctl;                /* a staged child's: the parent's end, for its word ("M") */
};

static void analysis_free(struct analysis *a) {
        if (!a)
                return;
        closep(&a->ctl);
        if (a->child.pid > 0)   /* its result read, not used (child_read()) */
                child_cancel(&a->child);
        rootfs_free(a->root);
        free(a);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct analysis *, analysis_free)

/* The child of analyze_rootfs_start() (fn rootfs_child) or of
 * analyze_staged_start() (staged_child, with a socket pair for the
 * parent's word: a send() to a child gone raises no SIGPIPE). */
static int analysis_start(const char *rootfs, int root_fd, const char *db_path, unsigned pkg_types,
                          unsigned deadline_ms, child_fn fn, struct analysis **ret, struct error *err) {
        _cleanup_(analysis_freep) struct analysis *a = calloc(1, sizeof(*a));
        _cleanup_close_ int theirs = -EBADF;
        struct sandbox_opts cage;
        int k, pair[2];

        if (!a)
                return error_set(err, ENOMEM, "out of memory");
        a->ctl = -EBADF;
        if (root_fd >= 0) {
                int fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);

                if (fd < 0)
                        return error_set_errno(err, errno, "rootfs %s", rootfs);
                if (rootfs_adopt(fd, rootfs, &a->root) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        } else if ((k = rootfs_open(rootfs, 0, &a->root, err)) < 0)
                return error_wrap(err, "rootfs %s", rootfs);
        if (fn == staged_child) {
                if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
                        return error_set_errno(err, errno, "create a socket pair for the analysis");
                a->ctl = pair[0];
                theirs = pair[1];
        }
        a->arg = (struct rootfs_arg) { .root = a->root, .db_path = db_path, .db_fd = -EBADF, .ctl_fd = theirs,
                                       .walk_apart = true,
                                       .pkg_types = pkg_types };
        cage = rootfs_cage(&a->arg);
        k = child_start(fn, &a->arg, &cage, deadline_ms, &a->child, err);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(a);
        return 0;
}

int analyze_rootfs_start(const char *rootfs, const char *db_path, unsigned deadline_ms, struct analysis **ret,
                         struct error *err) {
        return analysis_start(rootfs, -EBADF, db_path, INVENTORY_PKG_ALL, deadline_ms, rootfs_child, ret, err);
}

int analyze_staged_start(const char *rootfs, const char *db_path, unsigned deadline_ms, struct analysis **ret,
                         struct error *err) {
        return analysis_start(rootfs, -EBADF, db_path, INVENTORY_PKG_ALL, deadline_ms, staged_child, ret, err);
}

int analyze_staged_inventory(struct analysis *a, struct inventory **ret_inv, char **ret_json, struct error *err) {
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        _cleanup_free_ char *raw = NULL;
        size_t len = 0, used;
        int k;

        if ((k = child_read_stage(&a->child, &raw, &len, err)) < 0)
                return k;
        if ((k = inventory_wire_read(raw, len, &inv, &used, err)) < 0 ||
            (k = check_used(used, len, "inventory from the analysis", err)) < 0)
                return error_wrap(err, "the analysis of %s", rootfs_path(a->root));
        if ((k = report_inventory_json(inv, ret_json, err)) < 0)
                return k;
        *ret_inv = TAKE_PTR(inv);
        return 0;
}

int analyze_staged_finish(struct analysis *a, const struct inventory *inv, struct scan_result **ret_res,
                          char **ret_scan_json, struct error *err) {
        _cleanup_(analysis_freep) struct analysis *owned = a;
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        _cleanup_free_ char *raw = NULL;
        size_t len, used;
        int k;

        /* a child gone is said by the read */
        (void) send(a->ctl, "M", 1, MSG_NOSIGNAL);
        closep(&a->ctl);
        if ((k = child_read(&a->child, &raw, &len, err)) < 0)
                return k;
        if ((k = scan_wire_read(raw, len, &res, &used, err)) < 0 ||
            (k = check_used(used, len, "findings from the analysis", err)) < 0)
                return error_wrap(err, "the match against %s", a->arg.db_path);
        if ((k = scan_json(inv, res, ret_scan_json, err)) < 0 || (k = child_reap(&a->child, err)) < 0)
                return k;
        *ret_res = TAKE_PTR(res);
        return 0;
}

void analyze_cancel(struct analysis *a) {
        if (!a)
                return;
        child_cancel(&a->child);
        analysis_free(a);
}

int analyze_rootfs_finish(struct analysis *a, struct inventory **ret_inv, char **ret_inventory_json,
                          struct scan_result **ret_res, char **ret_scan_json, struct error *err) {
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        _cleanup_(analysis_freep) struct analysis *owned = a;
        _cleanup_free_ char *raw = NULL, *inventory_json = NULL, *json = NULL;
        size_t len, used, scan_used;
        int k;

        k = child_read(&a->child, &raw, &len, err);
        if (k < 0)
                return k;
        if ((k = inventory_wire_read(raw, len, &inv, &used, err)) < 0)
                return error_wrap(err, "the analysis of %s", rootfs_path(a->root));
        if ((k = scan_wire_read(raw + used, len - used, &res, &scan_used, err)) < 0 ||
            (k = check_used(used + scan_used, len, "findings from the analysis", err)) < 0)
                return error_wrap(err, "the match against %s", a->arg.db_path);
        /* Canonical, re-rendered from what we read, as analyze_inventory() does. */
        if (ret_inventory_json && (k = report_inventory_json(inv, &inventory_json, err)) < 0)
                return k;
        if (ret_scan_json && (k = scan_json(inv, res, &json, err)) < 0)
                return k;
        if ((k = child_reap(&a->child, err)) < 0)
                return k;
        *ret_inv = TAKE_PTR(inv);
        if (ret_inventory_json)
                *ret_inventory_json = TAKE_PTR(inventory_json);
        *ret_res = TAKE_PTR(res);
        if (ret_scan_json)
                *ret_scan_json = TAKE_PTR(json);
        return 0;
}

int analyze_rootfs(const char *rootfs, const char *db_path, unsigned pkg_types, unsigned deadline_ms,
                   struct inventory **ret_inv, char **ret_inventory_json, struct scan_result **ret_res,
                   char **ret_scan_json, struct error *err) {
        return analyze_rootfs_fd(-EBADF, rootfs, db_path, pkg_types, deadline_ms, ret_inv, ret_inventory_json,
                                 ret_res, ret_scan_json, err);
}

int analyze_rootfs_fd(int root_fd, const char *name, const char *db_path, unsigned pkg_types, unsigned deadline_ms,
                      struct inventory **ret_inv, char **ret_inventory_json, struct scan_result **ret_res,
                      char **ret_scan_json, struct error *err) {
        struct analysis *a;
        int k = analysis_start(name, root_fd, db_path, pkg_types, deadline_ms, rootfs_child, &a, err);

        return k < 0 ? k : analyze_rootfs_finish(a, ret_inv, ret_inventory_json, ret_res, ret_scan_json, err);
}

/* ---- the hook's children: a fresh exec -------------------------------------- */

/* A forked child shares the parent's pages until either writes one: on
 * the bench VM each such first write (copy on write) cost 18-22 us, and a
 * miss took about 50 of them, the parent's and the child's, beside
 * fork()'s copy of the page tables.  A fresh exec of the (static) hook
 * started by vfork() shares nothing and copies nothing
 * (BENCHMARKS.md, "Session 32").  Only the rootfs children can: what they
 * are handed (struct rootfs_arg) fits on a command line. */
static bool exec_children;

#define EXEC_SELF "/proc/self/exe"

void analyze_exec_children(void) {
        exec_children = true;
}

static const struct {
        const char *kind;
        child_fn fn;
} exec_kinds[] = {
        { "rootfs", rootfs_child },
        { "inventory", inventory_child },
        { "staged", staged_child },
};

/* fn's name on the command line, when it runs in a fresh exec; else NULL. */
static const char *exec_kind(child_fn fn) {
        for (size_t i = 0; exec_children && i < ELEMENTSOF(exec_kinds); i++)
                if (exec_kinds[i].fn == fn)
                        return exec_kinds[i].kind;
        return NULL;
}

/* Runs /proc/self/exe (the binary this process runs, even if its file was
 * replaced since) as the child of kind, handing it arg's rootfs fd and the
 * pipe's write end.  Between vfork() and the exec, the child shares this
 * process's memory and only makes system calls (its fd table is its own
 * copy); this process goes on once it exec'd or gave up.  -1 (errno) when
 * it could not exec (no /proc, a security module's refusal): the caller
 * forks instead. */
static pid_t exec_child(const char *kind, const void *arg, unsigned deadline_ms, int fd, pid_t parent) {
        const struct rootfs_arg *a = arg;
        int root_fd = rootfs_fd(a->root);
        char fd_s[16], root_s[16], ctl_s[16] = "-", ms_s[16], parent_s[16];
        char *argv[] = { (char *) "portcullis-hook", (char *) ANALYZE_CHILD_ARG, (char *) kind, fd_s, root_s, ctl_s,
                         ms_s, parent_s, (char *) rootfs_path(a->root), (char *) strempty(a->db_path), NULL };
        volatile int failed = 0;
        pid_t pid;

        if (a->pkg_types != INVENTORY_PKG_ALL) {        /* not on the command line: a fork */
                errno = EINVAL;
                return -1;
        }
        snprintf(fd_s, sizeof(fd_s), "%d", fd);
        snprintf(root_s, sizeof(root_s), "%d", root_fd);
        if (a->ctl_fd >= 0)
                snprintf(ctl_s, sizeof(ctl_s), "%d", a->ctl_fd);
        snprintf(ms_s, sizeof(ms_s), "%u", deadline_ms);
        snprintf(parent_s, sizeof(parent_s), "%d", (int) parent);
        pid = vfork();
        if (pid == 0) {
                if (fcntl(fd, F_SETFD, 0) == 0 && fcntl(root_fd, F_SETFD, 0) == 0 &&
                    (a->ctl_fd < 0 || fcntl(a->ctl_fd, F_SETFD, 0) == 0))
                        (void) execve(EXEC_SELF, argv, environ);
                failed = errno ? errno : ENOEXEC;       /* the parent's variable: the memory is shared */
                _exit(127);
        }
        if (pid > 0 && failed) {
                (void) waitpid(pid, NULL, 0);
                errno = failed;
                return -1;
        }
        return pid;
}

/* The heap a rootfs child touches: about 100 pages with the real DB, 300
 * with the 200k one (heap_populate()). */
#define CHILD_HEAP ((size_t) 1024 * 1024)

static bool parse_number(const char *s, unsigned long max, unsigned long *ret) {
        char *end;

        errno = 0;
        *ret = strtoul(s, &end, 10);
        return errno == 0 && end != s && *end == '\0' && s[0] >= '0' && s[0] <= '9' && *ret <= max;
}

int analyze_child_main(int argc, char **argv) {
        struct rootfs_arg a = { .db_fd = -EBADF, .ctl_fd = -EBADF, .pkg_types = INVENTORY_PKG_ALL };
        unsigned long fd, root_fd, ctl = 0, ms, parent;
        struct sandbox_opts cage;
        child_fn fn = NULL;
        int k;

        for (size_t i = 0; argc == 10 && i < ELEMENTSOF(exec_kinds); i++)
                if (strcmp(argv[2], exec_kinds[i].kind) == 0)
                        fn = exec_kinds[i].fn;
        if (!fn || !parse_number(argv[3], INT_MAX, &fd) || !parse_number(argv[4], INT_MAX, &root_fd) ||
            !(fn == staged_child ? parse_number(argv[5], INT_MAX, &ctl) : strcmp(argv[5], "-") == 0) ||
            !parse_number(argv[6], UINT_MAX, &ms) || !parse_number(argv[7], INT_MAX, &parent) || fd < 3 ||
            root_fd < 3 || fd == root_fd || (fn == staged_child && (ctl < 3 || ctl == fd || ctl == root_fd))) {
                fprintf(stderr, "portcullis-hook: %s starts the hook's own analysis process; it is not run by hand\n",
                        ANALYZE_CHILD_ARG);
                return 2;
        }
        if ((k = rootfs_adopt((int) root_fd, argv[8], &a.root)) < 0) {
                static const char oom[] = "Eout of memory";

                (void) write_all((int) fd, oom, sizeof(oom) - 1);
                return -k;
        }
        a.db_path = argv[9][0] ? argv[9] : NULL;
        if (fn == staged_child)
                a.ctl_fd = (int) ctl;
        heap_populate(CHILD_HEAP);
        cage = rootfs_cage(&a);
        child_main(fn, &a, &cage, (unsigned) ms, (int) fd, (pid_t) parent);
}

/* ---- the image reader ------------------------------------------------------- */

/* Chrooted to the empty temporary folder it fills, with the image's fd
 * kept, allowed to write there and nowhere else (see sandbox.h). */
static int image_child(const void *arg, char **ret, size_t *ret_len, struct error *err) {
        struct image *img = (struct image *) arg;
        char *json;
        int k;

        k = image_materialise(img, err);
        if (k >= 0)
                k = image_result_json(img, &json, err);
        return k < 0 ? k : json_result(json, ret, ret_len);
}

/* The reader keeps the CLI's uid (root when root runs it) with every
 * capability gone, not uid 65534: the temporary folder (mkdtemp(), 0700)
 * and all it writes (0700 folders, 0600 files) stay owned by the CLI's
 * user, so no other process of the shared nobody uid can change the tree
 * between the reader and the inventory (a folder handed to 65534 would be
 * theirs), and none of it needs a chown.  Without CAP_DAC_OVERRIDE,
 * CAP_FOWNER, CAP_CHOWN or CAP_SYS_ADMIN, uid 0 is a file owner like any
 * other; the chroot, Landlock (root_fd and the image, nothing else) and
 * the seccomp list bound what it owns to the folder it fills. */
int analyze_image(struct image *img, unsigned deadline_ms, struct error *err) {
        _cleanup_free_ char *raw = NULL;
        int src = image_source_fd(img), k;
        size_t len;

        k = run_child(image_child, img,
                      &(struct sandbox_opts) { .root_fd = image_root_fd(img), .keep_fds = &src, .n_keep_fds = 1,
                                               .writes_below_root = true, .file_size_max = IMAGE_FILE_MAX,
                                               .keep_uid = true },
                      deadline_ms, &raw, &len, err);
        if (k < 0)
                return k;
        return image_result_parse(img, raw, len, err);
}

/* ---- the probe (portcullis doctor) ------------------------------------------ */

#define PROBE_MARKER "portcullis-probe"

/* In the cage: reads the marker the parent left at the top of the folder
 * (found at "/" only when chrooted there; readable only if Landlock lets
 * the folder be read) and says how it runs. */
static int probe_child(const void *arg, char **ret, size_t *ret_len, struct error *err) {
        _cleanup_close_ int fd = open("/" PROBE_MARKER, O_RDONLY | O_CLOEXEC);
        char buf[16] = "";
        int n;

        if (fd >= 0 && read(fd, buf, sizeof(buf) - 1) < 0)
                buf[0] = '\0';
        n = asprintf(ret, "{\"missing\": %d, \"uid\": %u, \"chrooted\": %s}", child_sandbox_level,
                     (unsigned) getuid(), streq_ptr(buf, "ok\n") ? "true" : "false");
        if (n < 0)
                return error_set(err, ENOMEM, "out of memory");
        *ret_len = (size_t) n;
        return 0;
}

/* In the cage, a call the allow-list does not hold (socket(2): no
 * network for a parser): the filter must kill the child with SIGSYS. */
static int probe_forbidden(const struct sandbox_opts *cage, bool *ret_killed, struct error *err) {
        int fds[2], status;
        pid_t pid;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return error_set_errno(err, errno, "create a pipe for the sandbox probe");
        pid = fork();
        if (pid < 0) {
                int k = -errno;

                close(fds[0]);
                close(fds[1]);
                return error_set_errno(err, k, "start the sandbox probe");
        }
        if (pid == 0) {
                struct error e = {};

                close(fds[0]);
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (child_cage(fds[1], cage, 1000, &e) < 0)
                        _exit(EIO);
                (void) syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
                _exit(0);
        }
        close(fds[0]);
        close(fds[1]);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return error_set_errno(err, errno, "wait for the sandbox probe");
        if (WIFEXITED(status) && WEXITSTATUS(status) == EIO)
                return error_set(err, EIO, "the sandbox probe could not enter its cage");
        *ret_killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
        return 0;
}

int analyze_probe(const char *dir, unsigned deadline_ms, struct analyze_probe *ret, struct error *err) {
        _cleanup_close_ int dfd = -EBADF, mfd = -EBADF;
        _cleanup_free_ char *raw = NULL;
        struct analyze_probe p = {};
        json_t *doc;
        json_error_t jerr;
        struct sandbox_opts cage;
        size_t len;
        int k;

        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return error_set_errno(err, errno, "sandbox probe: open %s", dir);
        mfd = openat(dfd, PROBE_MARKER, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (mfd < 0 || write_all(mfd, "ok\n", 3) < 0)
                return error_set_errno(err, errno, "sandbox probe: write %s/" PROBE_MARKER, dir);
        /* The inventory child's own cage. */
        cage = (struct sandbox_opts) { .root_fd = dfd, .read_fd = dfd, .keep_caps = 1ULL << CAP_DAC_READ_SEARCH };
        k = run_child(probe_child, NULL, &cage, deadline_ms, &raw, &len, err);
        if (k < 0)
                return error_wrap(err, "the sandboxed child");
        doc = json_loadb(raw, len, 0, &jerr);
        if (!doc || json_unpack(doc, "{s:i, s:i, s:b}", "missing", &p.missing, "uid", &p.uid, "chrooted",
                                &p.chrooted) < 0) {
                json_decref(doc);
                return error_set(err, EPROTO, "the sandboxed child's answer is not what it writes");
        }
        json_decref(doc);
        if (!(p.missing & SANDBOX_NO_SECCOMP) && (k = probe_forbidden(&cage, &p.filter_kills, err)) < 0)
                return k;
        *ret = p;
        return 0;
}
