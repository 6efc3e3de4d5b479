/* SPDX-License-Identifier: Apache-2.0 */
/* overlay_mount_lowers() (overlay.h): the image's layers read without the
 * container's upper.  The mount is made in a mount namespace of its own,
 * made by a child that lives only to mount, to look at the mount with
 * overlay_probe() (the hook's rule for which layers vouch for an image, and
 * their identity), and to hand the root's fd over: when the child ends,
 * its namespace goes, and the mount lives on only through that fd (as
 * after umount -l), in no namespace at all, so nothing is ever mounted on
 * the host, and a process killed at any moment leaves nothing behind. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/strutil.h"
#include "overlay.h"

/* mount(2) copies at most a page of options, ours and the upper's */
#define OVERLAY_MOUNT_OPTIONS_MAX (4095 - 64)
/* Where the child mounts, in its own namespace only: a private tmpfs on
 * a new empty folder (its home, which hides nothing: over the host's /tmp
 * it would hide layers kept there), root's alone as a layer's place must
 * be (overlay_trusted_folder()), holding the overlay's mount point and an
 * empty upper.  The upper because overlayfs refuses a single lower layer
 * without one ("at least 2 lowerdir are needed while upperdir
 * nonexistent"), and a one-layer image is common: empty, on a file system
 * no container reaches, under a read-only mount, it adds nothing to what
 * is read, and the identity (of the lowers: hash_layers()) stays theirs.
 * The home is removed once the child has ended; a process killed before
 * leaves it, empty, in /tmp. */
#define OVERLAY_MOUNT_HOME "/tmp/portcullis-lowers-XXXXXX"

struct mount_reply {
        int code;               /* 0, or a negative errno */
        char msg[ERROR_MSG_MAX];
};

static int make_home(const char *home, struct error *err) {
        int fd;

        if (mount("tmpfs", home, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700,size=1m") < 0)
                return error_set_errno(err, errno, "mount a private tmpfs on %s", home);
        fd = open(home, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || mkdirat(fd, "upper", 0755) < 0 || mkdirat(fd, "work", 0700) < 0 || mkdirat(fd, "root", 0700) < 0) {
                int k = -errno;

                if (fd >= 0)
                        (void) close(fd);
                return error_set_errno(err, k, "make the overlay's folders in %s", home);
        }
        (void) close(fd);
        return 0;
}

/* The mount and its check; the root's fd or a negative errno with err. */
static int mount_and_open(const char *home, const char *options, const char *identity, struct error *err) {
        _cleanup_(overlay_probe_done) struct overlay_probe p = {};
        _cleanup_free_ char *all = NULL, *root = NULL;
        int k, fd;

        if (unshare(CLONE_NEWNS) < 0)
                return error_set_errno(err, errno, "make a mount namespace (unshare)");
        /* no mount made here may reach the host's namespace */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return error_set_errno(err, errno, "make the mounts private");
        if ((k = make_home(home, err)) < 0)
                return k;
        if (asprintf(&all, "%s,upperdir=%s/upper,workdir=%s/work", options, home, home) < 0 ||
            asprintf(&root, "%s/root", home) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (mount("overlay", root, "overlay", MS_RDONLY | MS_NOSUID | MS_NODEV, all) < 0)
                return error_set_errno(err, errno, "mount a read-only overlay of the lower layers (%s)", options);
        if ((k = overlay_probe(root, false, NULL, &p)) < 0)
                return error_set(err, k, "out of memory");
        if (!p.identity)
                return error_set(err, ESTALE, "the lower layers mounted do not vouch for an image: %s",
                                 strempty(p.why_not));
        if (!streq_ptr(p.identity, identity))
                return error_set(err, ESTALE, "the lower layers mounted are the image %s, not %s", p.identity,
                                 identity);
        fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? error_set_errno(err, errno, "open the overlay of the lower layers") : fd;
}

static _Noreturn void mount_child(int sock, const char *home, const char *options, const char *identity,
                                  pid_t parent) {
        struct mount_reply rep = {};
        struct error err = {};
        char cbuf[CMSG_SPACE(sizeof(int))] = {};
        struct iovec iov = { .iov_base = &rep, .iov_len = sizeof(rep) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
        int fd;

        /* die with the caller, whatever kills it: the namespace with us */
        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
                _exit(ESRCH);
        fd = mount_and_open(home, options, identity, &err);
        if (fd >= 0) {
                struct cmsghdr *c;

                mh.msg_control = cbuf;
                mh.msg_controllen = sizeof(cbuf);
                c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd, sizeof(int));
        } else {
                rep.code = fd;
                memcpy(rep.msg, err.msg, sizeof(rep.msg));
        }
        _exit(sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? EIO : 0);
}

/* The child's word: its fd, or its error. */
static int mount_reply(int sock, int *ret_fd, struct error *err) {
        struct mount_reply rep = {};
        char cbuf[CMSG_SPACE(sizeof(int))];
        struct iovec iov = { .iov_base = &rep, .iov_len = sizeof(rep) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
        struct cmsghdr *c;
        ssize_t n;

        while ((n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC)) < 0)
                if (errno != EINTR)
                        return error_set_errno(err, errno, "read the mount child's answer");
        c = CMSG_FIRSTHDR(&mh);
        if (n == (ssize_t) sizeof(rep) && c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
            c->cmsg_len == CMSG_LEN(sizeof(int))) {
                memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
                return 0;
        }
        if (n != (ssize_t) sizeof(rep) || rep.code >= 0)
                return error_set(err, EIO, "the mount child ended without an answer");
        rep.msg[sizeof(rep.msg) - 1] = '\0';
        return error_set(err, rep.code, "%s", rep.msg);
}

int overlay_mount_lowers(const char *options, const char *identity, int *ret_fd, struct error *err) {
        _cleanup_close_ int mine = -EBADF, theirs = -EBADF;
        char home[] = OVERLAY_MOUNT_HOME;
        pid_t parent = getpid(), pid;
        int pair[2], k, fd = -EBADF, status;

        if (strlen(options) > OVERLAY_MOUNT_OPTIONS_MAX)
                return error_set(err, E2BIG, "the lower layers' paths (%zu bytes) are longer than a mount's options "
                                 "may be (%d)", strlen(options), OVERLAY_MOUNT_OPTIONS_MAX);
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return error_set_errno(err, errno, "create a socket pair for the mount child");
        mine = pair[0];
        theirs = pair[1];
        if (!mkdtemp(home))
                return error_set_errno(err, errno, "make a folder in /tmp for the mount");
        pid = fork();
        if (pid < 0) {
                k = error_set_errno(err, errno, "start the mount child");
                (void) rmdir(home);
                return k;
        }
        if (pid == 0)
                mount_child(theirs, home, options, identity, parent);
        (void) close(TAKE_FD(theirs));
        k = mount_reply(mine, &fd, err);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        break;
        (void) rmdir(home);     /* the child's namespace, where it was mounted on, is gone */
        if (k < 0)
                return k;
        *ret_fd = fd;
        return 0;
}
