/* SPDX-License-Identifier: Apache-2.0 */
/* lib/analyze.c's reading of a child's result and its reaping, with
 * children that end as the analysis child can't be made to (a compromised
 * one): its result read before it exits (child_read()), its exit then
 * checked (child_reap()); one that closes its pipe and lingers is killed at
 * the deadline, one that exits non-zero after its result fails the
 * analysis.  The file is included whole for its static functions; the
 * library's copy is not linked (nothing here asks for another of its
 * symbols). */
#include "../lib/analyze.c"

#include "test.h"

/* A child that writes msg to its pipe, closes it, sleeps linger_ms, and
 * exits with code (a negative one: dies of that signal). */
static void start(struct child *c, const char *msg, unsigned linger_ms, int code, unsigned deadline_ms) {
        int fds[2];
        pid_t pid;

        if (pipe2(fds, O_CLOEXEC) < 0)
                abort();
        pid = fork();
        if (pid < 0)
                abort();
        if (pid == 0) {
                close(fds[0]);
                if (msg && write_all(fds[1], msg, strlen(msg)) < 0)
                        _exit(99);
                if (msg)        /* NULL: silent, the pipe held open while it lingers */
                        close(fds[1]);
                if (linger_ms)
                        (void) poll(NULL, 0, (int) linger_ms);
                if (code < 0) {
                        signal(-code, SIG_DFL);
                        raise(-code);
                }
                _exit(code);
        }
        close(fds[1]);
        *c = (struct child) { .pid = pid, .fd = fds[0], .deadline = now_ms() + deadline_ms };
}

static bool gone(pid_t pid) {
        return kill(pid, 0) < 0 && errno == ESRCH;
}

/* A child the library killed: reap_killed() waits ANALYSIS_REAP_WAIT_MS
 * for it to die and leaves one still dying to whoever reaps next (on a
 * loaded machine, often), so here it is waited for (10 s at most: one
 * not killed lingers 60 s) and reaped. */
static bool killed(pid_t pid) {
        for (int i = 0; i < 2000 && !gone(pid); i++) {
                (void) waitpid(pid, NULL, WNOHANG);
                (void) poll(NULL, 0, 5);
        }
        return gone(pid);
}

int main(void) {
        struct child c;
        struct error err = {};
        char *raw = NULL;
        size_t len = 0;
        pid_t pid;

        /* a result, then exit 0: read before the exit, then reaped */
        start(&c, "Rthe result", 100, 0, 10000);
        pid = c.pid;
        CHECK(child_read(&c, &raw, &len, &err) == 0 && c.pid == pid && !gone(pid));
        CHECK(raw && len == 10 && strcmp(raw, "the result") == 0);
        free(raw);
        raw = NULL;
        CHECK_MSG(child_reap(&c, &err) == 0, "%s", err.msg);
        CHECK(c.pid == 0 && gone(pid));

        /* a result, then an exit status: no good */
        start(&c, "Rthe result", 0, 5, 10000);
        CHECK(child_read(&c, &raw, &len, &err) == 0);
        free(raw);
        raw = NULL;
        CHECK(child_reap(&c, &err) == -5);
        CHECK_MSG(strstr(err.msg, "exited with status 5 after its result"), "%s", err.msg);
        error_clear(&err);

        /* a result, then lingering past the deadline: killed, reaped (the
         * deadline long enough for a loaded machine to run the child's write) */
        start(&c, "Rthe result", 60000, 0, 1000);
        pid = c.pid;
        CHECK(child_read(&c, &raw, &len, &err) == 0);
        free(raw);
        raw = NULL;
        CHECK(child_reap(&c, &err) == -ETIMEDOUT && c.pid == 0 && killed(pid));
        CHECK_MSG(strstr(err.msg, "deadline") && err.content, "%s", err.msg);
        error_clear(&err);

        /* nothing by the deadline: killed; the image's doing (content) */
        start(&c, NULL, 60000, 0, 300);
        CHECK(child_read(&c, &raw, &len, &err) == -ETIMEDOUT && !raw);
        CHECK_MSG(err.content && strstr(err.msg, "the analysis of the image's files did not finish"), "%s", err.msg);
        error_clear(&err);

        /* an error it sent: reaped at once, its status the errno */
        start(&c, "Ecould not read the rootfs", 0, EACCES, 10000);
        pid = c.pid;
        CHECK(child_read(&c, &raw, &len, &err) == -EACCES && !raw && c.pid == 0 && gone(pid));
        CHECK_STREQ(err.msg, "could not read the rootfs");
        error_clear(&err);

        /* an error its image's content caused ("C"): said as such, and one
         * of the node's ("E", above) not */
        CHECK(!err.content);
        start(&c, "Cstatus is a FIFO", 0, EINVAL, 10000);
        CHECK(child_read(&c, &raw, &len, &err) == -EINVAL && !raw && c.pid == 0);
        CHECK(err.content && strcmp(err.msg, "status is a FIFO") == 0);
        error_clear(&err);
        CHECK(!err.content);

        /* dead of a signal (a parser's crash): the content's doing */
        start(&c, "", 0, -SIGSEGV, 10000);
        CHECK(child_read(&c, &raw, &len, &err) == -ECHILD && !raw && c.pid == 0);
        CHECK_MSG(err.content && strstr(err.msg, "died of signal 11"), "%s", err.msg);
        error_clear(&err);

        /* which of the inventory's errors are the content's */
        {
                _cleanup_(rootfs_freep) struct rootfs *root = NULL;
                struct rootfs_arg arg = { .db_fd = -EBADF, .ctl_fd = -EBADF };

                CHECK(rootfs_open("/", 0, &root, &err) == 0);
                arg.root = root;
                error_set(&err, EINVAL, "a stanza too long");
                CHECK(inventory_failed(&arg, &err) == -EINVAL && err.content);
                CHECK_STREQ(err.msg, "rootfs /: a stanza too long");
                error_set(&err, ELOOP, "a symlink loop");
                CHECK(!err.content && inventory_failed(&arg, &err) == -ELOOP && err.content);
                /* the child's memory is capped: only the image exhausts it */
                error_set(&err, ENOMEM, "out of memory");
                CHECK(inventory_failed(&arg, &err) == -ENOMEM && err.content);
                CHECK_MSG(strstr(err.msg, "needs more than the 1024 MiB it may use"), "%s", err.msg);
                error_set(&err, EIO, "read");
                CHECK(inventory_failed(&arg, &err) == -EIO && !err.content);
                error_clear(&err);
        }

        /* nothing sent */
        start(&c, "", 0, 0, 10000);
        CHECK(child_read(&c, &raw, &len, &err) == -ECHILD && !raw && c.pid == 0);
        error_clear(&err);

        /* a result read but not wanted (an error after it): killed with the analysis */
        {
                struct analysis *a = calloc(1, sizeof(*a));

                a->ctl = -EBADF;
                start(&a->child, "Rthe result", 60000, 0, 10000);
                pid = a->child.pid;
                CHECK(child_read(&a->child, &raw, &len, &err) == 0);
                free(raw);
                analysis_free(a);
                CHECK(killed(pid));
        }

        /* a staged child's inventory (after its note), read while it waits;
         * then its result */
        start(&c, "Wa note\nI0000000000000005\nhello", 500, 0, 10000);
        pid = c.pid;
        CHECK(child_read_stage(&c, &raw, &len, &err) == 0 && c.pid == pid && !gone(pid));
        CHECK(raw && len == 5 && strcmp(raw, "hello") == 0);
        CHECK_STREQ(analyze_sandbox_note(), "a note");
        free(raw);
        raw = NULL;
        CHECK(child_read(&c, &raw, &len, &err) == -ECHILD && c.pid == 0);    /* nothing more sent */
        error_clear(&err);

        /* cut short, a length it can't have, bad digits, an error: each
         * the end of the child, said */
        static const char *const bad[] = { "I0000000000000005\nhel", "I00000000ffffffff\nx", "I000000000000000g\nx",
                                           "I05\nhello", "Ecould not list the rootfs" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                start(&c, bad[i], 0, i == 4 ? EACCES : 0, 10000);
                pid = c.pid;
                CHECK_MSG(child_read_stage(&c, &raw, &len, &err) < 0 && !raw && c.pid == 0 && killed(pid), "bad %zu",
                          i);
                if (i == 4)
                        CHECK_STREQ(err.msg, "could not list the rootfs");
                error_clear(&err);
        }

        /* more than its inventory before the parent's word: killed */
        start(&c, "I0000000000000002\nhiRx", 60000, 0, 10000);
        pid = c.pid;
        CHECK(child_read_stage(&c, &raw, &len, &err) == -EBADMSG && !raw && c.pid == 0 && killed(pid));
        CHECK_MSG(strstr(err.msg, "more than its inventory"), "%s", err.msg);
        error_clear(&err);
        return test_end();
}
