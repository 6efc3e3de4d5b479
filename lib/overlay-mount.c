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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/strutil.h"
#include "overlay.h"

/* mount(2) copies at most a page of options, ours and the upper's: the
 * paths of some 50 layers of containerd's snapshotter; the mount API
 * takes them a layer at a time */
#define OVERLAY_MOUNT_OPTIONS_MAX (4095 - 64)
/* The mount API (Linux 5.2; overlayfs' lowerdir+ and datadir+, 6.8),
 * declared here from include/uapi/linux/mount.h for older headers. */
#ifndef FSMOUNT_CLOEXEC
#define FSOPEN_CLOEXEC 0x00000001
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_CMD_CREATE 6
#define FSMOUNT_CLOEXEC 0x00000001
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
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

/* The fs context's first error message (the kernel's words: "overlayfs:
 * failed to resolve '/x': -2"), or "". */
static void fs_log(int fd, char *buf, size_t size) {
        ssize_t n;

        /* a message a read, "e ", "w " or "i " first; ENODATA when none is left */
        while ((n = read(fd, buf, size - 1)) > 0) {
                buf[n] = '\0';
                if (startswith(buf, "e ")) {
                        memmove(buf, buf + 2, (size_t) n - 1);
                        return;
                }
        }
        buf[0] = '\0';
}

/* fsconfig(2) of key (=value); a negative errno with err naming them and
 * what the kernel said. */
static int fs_set(int fd, unsigned cmd, const char *key, const char *value, struct error *err) {
        char log[512];
        int k;

        if (syscall(__NR_fsconfig, fd, cmd, key, value, 0) >= 0)
                return 0;
        k = errno;
        fs_log(fd, log, sizeof(log));
        return error_set_errno(err, k, "fsconfig %s%s%s%s%s%s", strempty(key), value ? "=" : "", strempty(value),
                               log[0] ? " (" : "", log, log[0] ? ")" : "");
}

/* The view's options (redirect_dir=on,metacopy=on,userxattr), each set. */
static int fs_set_view(int fd, const char *view, struct error *err) {
        int k = 0;

        for (const char *o = view; k >= 0 && o && *o;) {
                size_t n = strcspn(o, ",");
                _cleanup_free_ char *opt = strndup(o, n);
                char *eq = opt ? strchr(opt, '=') : NULL;

                if (!opt)
                        return error_set(err, ENOMEM, "out of memory");
                if (eq)
                        *eq++ = '\0';
                k = fs_set(fd, eq ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, opt, eq, err);
                o += n + !!o[n];
        }
        return k;
}

/* A reason the mount API can't serve here (a kernel before it, or before
 * lowerdir+; a system call filter without it): mount(2) is tried.  err
 * said why (cleared); 0, or -ENOMEM. */
static int no_api(char **ret_why, struct error *err) {
        *ret_why = strdup(err->msg);
        error_clear(err);
        return *ret_why ? 0 : -ENOMEM;
}

/* k, or no_api() when k says the mount API's call was refused (ENOSYS,
 * EPERM). */
static int api_refused(int k, char **ret_why, struct error *err) {
        return k == -ENOSYS || k == -EPERM ? no_api(ret_why, err) : k;
}

/* The overlay of options' layers at root, a layer at a time through the
 * mount API: no page limit on their paths (each at most 255 bytes, an
 * fsconfig() string's limit).  The view's options, home's empty upper,
 * read-only, mounted at root as mount(2) would.  1 when mounted; 0 and
 * *ret_why when this kernel or a filter has no such API; a negative errno
 * with err. */
static int mount_api(const char *home, const char *root, const char *options, char **ret_why, struct error *err) {
        _cleanup_(overlay_mount_done) struct overlay_mount m = {};
        _cleanup_close_ int fs = -EBADF, mnt = -EBADF;
        _cleanup_free_ char *upper = NULL, *work = NULL;
        int k;

        if ((k = overlay_parse_mount_options(options, &m, err)) < 0)
                return error_wrap(err, "the lower layers' options");
        if (asprintf(&upper, "%s/upper", home) < 0 || asprintf(&work, "%s/work", home) < 0)
                return error_set(err, ENOMEM, "out of memory");
        /* a kernel before the API (ENOSYS) or a filter without its calls
         * (EPERM: this process may mount, it made its namespace) */
        fs = (int) syscall(__NR_fsopen, "overlay", FSOPEN_CLOEXEC);
        if (fs < 0)
                return api_refused(error_set_errno(err, errno, "fsopen overlay"), ret_why, err);
        /* before 6.8 overlayfs knows no lowerdir+ (EINVAL; before 6.5 not
         * before the superblock is made) */
        for (size_t i = 0; i < m.n_lowers; i++)
                if ((k = fs_set(fs, FSCONFIG_SET_STRING, m.lowers[i].data_only ? "datadir+" : "lowerdir+",
                                m.lowers[i].path, err)) < 0)
                        return k == -EINVAL ? no_api(ret_why, err) : api_refused(k, ret_why, err);
        if ((k = fs_set_view(fs, m.view, err)) < 0 || (k = fs_set(fs, FSCONFIG_SET_STRING, "upperdir", upper, err)) < 0 ||
            (k = fs_set(fs, FSCONFIG_SET_STRING, "workdir", work, err)) < 0 ||
            (k = fs_set(fs, FSCONFIG_SET_FLAG, "ro", NULL, err)) < 0)
                return api_refused(k, ret_why, err);
        if ((k = fs_set(fs, FSCONFIG_CMD_CREATE, NULL, NULL, err)) < 0)
                return k == -EINVAL ? no_api(ret_why, err) : api_refused(k, ret_why, err);
        mnt = (int) syscall(__NR_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
        if (mnt < 0)
                return api_refused(error_set_errno(err, errno, "fsmount the overlay of the lower layers"), ret_why, err);
        if (syscall(__NR_move_mount, mnt, "", AT_FDCWD, root, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return api_refused(error_set_errno(err, errno, "move_mount the overlay of the lower layers to %s", root),
                                   ret_why, err);
        return 1;
}

/* The read-only overlay of options' layers at root: through the mount
 * API, else by mount(2), whose options are a page at most. */
static int mount_overlay(const char *home, const char *root, const char *options, struct error *err) {
        _cleanup_free_ char *why = NULL, *all = NULL;
        int k = mount_api(home, root, options, &why, err);

        if (k != 0)
                return k < 0 ? k : 0;
        if (strlen(options) > OVERLAY_MOUNT_OPTIONS_MAX)
                return error_set(err, E2BIG, "the lower layers' paths (%zu bytes) are longer than mount(2)'s options "
                                 "may be (%d), and the mount API, which takes them a layer at a time, can't serve "
                                 "(%s; overlayfs' lowerdir+ needs Linux 6.8)",
                                 strlen(options), OVERLAY_MOUNT_OPTIONS_MAX, why);
        if (asprintf(&all, "%s,upperdir=%s/upper,workdir=%s/work", options, home, home) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (mount("overlay", root, "overlay", MS_RDONLY | MS_NOSUID | MS_NODEV, all) < 0)
                return error_set_errno(err, errno, "mount a read-only overlay of the lower layers (%s)", options);
        return 0;
}

/* The mount and its check; the root's fd or a negative errno with err. */
static int mount_and_open(const char *home, const char *options, const char *identity, struct error *err) {
        _cleanup_(overlay_probe_done) struct overlay_probe p = {};
        _cleanup_free_ char *root = NULL;
        int k, fd;

        if (unshare(CLONE_NEWNS) < 0)
                return error_set_errno(err, errno, "make a mount namespace (unshare)");
        /* no mount made here may reach the host's namespace */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return error_set_errno(err, errno, "make the mounts private");
        if ((k = make_home(home, err)) < 0)
                return k;
        if (asprintf(&root, "%s/root", home) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if ((k = mount_overlay(home, root, options, err)) < 0)
                return k;
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
