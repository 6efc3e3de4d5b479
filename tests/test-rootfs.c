/* SPDX-License-Identifier: Apache-2.0 */
/* Escape fixtures for lib/rootfs.c.  Every case runs twice, through
 * openat2(RESOLVE_IN_ROOT) and through the O_NOFOLLOW walk, and both must
 * give the same answer; no read may ever return a host file's content. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "rootfs.h"
#include "test.h"

#define CAP 1024

struct row {
        const char *path;
        int want_errno;          /* 0: success, then want_content */
        const char *want_content;
};

static const char ROOTFS_PASSWD[] = "root:x:0:0:rootfs copy:/root:/bin/sh\n";
static const char ROOTFS_DECOY[] = "decoy inside the rootfs\n";
static const char HOST_SECRET[] = "HOST SECRET, must never be read\n";

static char rootdir[1024], hostsecret[1024];
static char *host_passwd;

static void symlink_or_die(const char *target, const char *linkpath) {
        if (symlink(target, linkpath) < 0) {
                perror(linkpath);
                exit(1);
        }
}

static void build_fixture(void) {
        const char *tmp = test_tmpdir();
        char big[2 * CAP + 1], p[4096], link[64], next[64];

        snprintf(rootdir, sizeof(rootdir), "%s/rootfs", tmp);
        snprintf(hostsecret, sizeof(hostsecret), "%s/host/secret", tmp);
        test_write_file(hostsecret, HOST_SECRET);
        test_write_file(test_path(rootdir, "etc/passwd"), ROOTFS_PASSWD);
        test_write_file(test_path(rootdir, "etc/hostfile"), ROOTFS_DECOY);
        test_write_file(test_path(rootdir, "usr/lib/os-release"), "ID=debian\n");
        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        test_write_file(test_path(rootdir, "big"), big);
        test_write_file(test_path(rootdir, "exact"), big + CAP);     /* CAP bytes: fits */
        (void) mkdir(test_path(rootdir, "adir"), 0755);

        symlink_or_die("../usr/lib/os-release", test_path(rootdir, "etc/os-release"));
        symlink_or_die("../../../../etc/passwd", test_path(rootdir, "rel-escape"));
        symlink_or_die("/etc/hostfile", test_path(rootdir, "abs-decoy"));
        symlink_or_die("/etc/shadow", test_path(rootdir, "abs-shadow"));
        symlink_or_die("/proc/self/root/etc/passwd", test_path(rootdir, "procroot"));
        symlink_or_die("/proc/self/fd/0", test_path(rootdir, "procfd"));
        symlink_or_die("loop-b", test_path(rootdir, "loop-a"));
        symlink_or_die("loop-a", test_path(rootdir, "loop-b"));
        symlink_or_die("self", test_path(rootdir, "self"));
        symlink_or_die("/", test_path(rootdir, "rootlink"));
        symlink_or_die("../../../../../..", test_path(rootdir, "updir"));
        symlink_or_die("nowhere", test_path(rootdir, "dangling"));
        symlink_or_die("adir", test_path(rootdir, "dirlink"));
        symlink_or_die("big", test_path(rootdir, "biglink"));
        /* The absolute host path of a real host file: inside the rootfs it
         * must mean rootfs/<that path>, first absent, then a rootfs copy. */
        symlink_or_die(hostsecret, test_path(rootdir, "abs-host"));
        snprintf(p, sizeof(p), "%s/copy%s", rootdir, hostsecret);
        test_write_file(p, ROOTFS_DECOY);
        snprintf(p, sizeof(p), "/copy%s", hostsecret);
        symlink_or_die(p, test_path(rootdir, "abs-host-copy"));

        /* Chains: chain-0 -> chain-1 -> ... -> chain-N -> etc/passwd */
        for (int i = 0; i < 45; i++) {
                snprintf(link, sizeof(link), "chain-%d", i);
                snprintf(next, sizeof(next), "chain-%d", i + 1);
                symlink_or_die(next, test_path(rootdir, link));
        }
        symlink_or_die("etc/passwd", test_path(rootdir, "chain-45"));

        if (mkfifo(test_path(rootdir, "fifo"), 0644) < 0) {
                perror("mkfifo");
                exit(1);
        }
        symlink_or_die("/fifo", test_path(rootdir, "etc/fifolink"));
        /* A device node (needs root; a missing node just reads as ENOENT,
         * so the row is only added when mknod worked). */
        (void) mknod(test_path(rootdir, "null"), S_IFCHR | 0666, makedev(1, 3));
}

static const struct row rows[] = {
        { "etc/passwd",                       0, ROOTFS_PASSWD },
        { "/etc/passwd",                      0, ROOTFS_PASSWD },
        { "../../../../etc/passwd",           0, ROOTFS_PASSWD },
        { "/../../etc/./passwd",              0, ROOTFS_PASSWD },
        { "etc/os-release",                   0, "ID=debian\n" },
        { "rel-escape",                       0, ROOTFS_PASSWD },
        { "abs-decoy",                        0, ROOTFS_DECOY },
        { "abs-shadow",                       ENOENT, NULL },
        { "abs-host",                         ENOENT, NULL },
        { "abs-host-copy",                    0, ROOTFS_DECOY },
        { "procroot",                         ENOENT, NULL },
        { "procfd",                           ENOENT, NULL },
        { "proc/self/root/etc/passwd",        ENOENT, NULL },
        { "loop-a",                           ELOOP, NULL },
        { "self",                             ELOOP, NULL },
        { "self/x",                           ELOOP, NULL },
        { "rootlink/etc/passwd",              0, ROOTFS_PASSWD },
        { "rootlink/../../etc/hostfile",      0, ROOTFS_DECOY },
        { "updir/etc/passwd",                 0, ROOTFS_PASSWD },
        { "adir/../../../etc/passwd",         0, ROOTFS_PASSWD },
        { "dirlink/../etc/passwd",            0, ROOTFS_PASSWD },
        { "dangling",                         ENOENT, NULL },
        { "etc/passwd/x",                     ENOTDIR, NULL },
        { "fifo/x",                           ENOTDIR, NULL },      /* a FIFO on the way: only O_PATH */
        { "dangling/x",                       ENOENT, NULL },
        { "chain-6",                          0, ROOTFS_PASSWD },   /* 40 links */
        { "chain-5",                          ELOOP, NULL },        /* 41 links */
        { "fifo",                             EBADFD, NULL },
        { "etc/fifolink",                     EBADFD, NULL },
        { "adir",                             EBADFD, NULL },
        { "dirlink",                          EBADFD, NULL },
        { "big",                              EFBIG, NULL },
        { "biglink",                          EFBIG, NULL },
        { "",                                 EBADFD, NULL },        /* the root itself */
        { "/",                                EBADFD, NULL },
};

/* rootfs_open_beneath(): folders below the root, never through a symlink
 * (even one that stays inside), never "..", never absolute. */
static const struct {
        const char *path;
        int want_errno;
} beneath_rows[] = {
        { "adir",                     0 },
        { "etc",                      0 },
        { "",                         0 },
        { ".",                        0 },
        { "./adir/",                  0 },
        { "dirlink",                  ELOOP },      /* -> adir, inside */
        { "dirlink/.",                ELOOP },
        { "rootlink/etc",             ELOOP },
        { "updir",                    ELOOP },
        { "self",                     ELOOP },
        { "procroot",                 ELOOP },
        { "..",                       EXDEV },
        { "adir/../etc",              EXDEV },
        { "/etc",                     EXDEV },
        { "etc/passwd",               ENOTDIR },
        { "nope",                     ENOENT },
};

static void test_beneath(void) {
        int rootfd = open(rootdir, O_PATH | O_DIRECTORY | O_CLOEXEC);

        CHECK(rootfd >= 0);
        for (size_t i = 0; i < ELEMENTSOF(beneath_rows); i++)
                for (unsigned flags = 0; flags <= ROOTFS_FORCE_WALK; flags += ROOTFS_FORCE_WALK) {
                        int fd = rootfs_open_beneath(rootfd, beneath_rows[i].path, O_PATH | O_DIRECTORY, flags);

                        CHECK_MSG(beneath_rows[i].want_errno ? fd == -beneath_rows[i].want_errno : fd >= 0,
                                  "beneath %s (%s): got %d, want %d", beneath_rows[i].path,
                                  flags ? "walk" : "openat2", fd, -beneath_rows[i].want_errno);
                        if (fd >= 0)
                                close(fd);
                }
        CHECK(rootfs_open_beneath(rootfd, "adir", O_RDONLY, 0) == -EINVAL);   /* not inert */
        close(rootfd);
}

struct result {
        int r;
        char *content;
};

static void read_one(struct rootfs *r, const char *path, struct result *res) {
        struct error err = {};
        char *buf = NULL;

        res->r = rootfs_read_file(r, path, CAP, &buf, NULL, &err);
        res->content = res->r < 0 ? NULL : buf;
        CHECK_MSG(res->r >= 0 || err.msg[0], "no message for %s", path);
}

static void check_never_host(const char *path, const char *content) {
        if (!content)
                return;
        CHECK_MSG(strcmp(content, HOST_SECRET) != 0, "%s read the host secret", path);
        CHECK_MSG(!host_passwd || strcmp(content, host_passwd) != 0, "%s read the host /etc/passwd", path);
}

static void check_row(const struct row *row, const struct result *res, const char *mode) {
        if (row->want_errno) {
                CHECK_MSG(res->r == -row->want_errno, "[%s] %s: got %d (%s), want -%s", mode, row->path, res->r,
                          res->r < 0 ? strerror(-res->r) : "success", strerror(row->want_errno));
                return;
        }
        CHECK_MSG(res->r == 0, "[%s] %s: got %d (%s)", mode, row->path, res->r, strerror(-res->r));
        if (res->content)
                CHECK_MSG(strcmp(res->content, row->want_content) == 0, "[%s] %s: content \"%s\"", mode, row->path,
                          res->content);
}

static void run_rows(const struct row *tab, size_t n) {
        _cleanup_(rootfs_freep) struct rootfs *a = NULL, *w = NULL;
        struct error err = {};

        CHECK(rootfs_open(rootdir, 0, &a, &err) == 0);
        CHECK(rootfs_open(rootdir, ROOTFS_FORCE_WALK, &w, &err) == 0);
        if (!a || !w)
                return;
        for (size_t i = 0; i < n; i++) {
                struct result ra, rw;
                struct timespec t0, t1;

                clock_gettime(CLOCK_MONOTONIC, &t0);
                read_one(a, tab[i].path, &ra);
                read_one(w, tab[i].path, &rw);
                clock_gettime(CLOCK_MONOTONIC, &t1);
                CHECK_MSG(t1.tv_sec - t0.tv_sec < 2, "%s took too long", tab[i].path);
                check_row(&tab[i], &ra, "openat2");
                check_row(&tab[i], &rw, "walk");
                CHECK_MSG(ra.r == rw.r && streq_ptr(ra.content, rw.content), "%s: openat2 %d vs walk %d",
                          tab[i].path, ra.r, rw.r);
                check_never_host(tab[i].path, ra.content);
                check_never_host(tab[i].path, rw.content);
                free(ra.content);
                free(rw.content);
        }
}

static void test_device_node(void) {
        struct stat st;
        static const struct row dev[] = { { "null", EBADFD, NULL } };

        if (lstat(test_path(rootdir, "null"), &st) < 0 || !S_ISCHR(st.st_mode)) {
                fprintf(stderr, "skip device node row: mknod needs root\n");
                return;
        }
        run_rows(dev, ELEMENTSOF(dev));
}

static void test_exact_cap(void) {
        _cleanup_(rootfs_freep) struct rootfs *r = NULL;
        struct error err = {};
        char *buf = NULL;
        size_t len = 0;

        CHECK(rootfs_open(rootdir, 0, &r, &err) == 0);
        CHECK(rootfs_read_file(r, "exact", CAP, &buf, &len, &err) == 0);
        CHECK(len == CAP);
        free(buf);
}

static void test_list_dir(unsigned flags) {
        _cleanup_(rootfs_freep) struct rootfs *r = NULL;
        _cleanup_strv_free_ char **names = NULL;
        struct error err = {};
        int k;

        CHECK(rootfs_open(rootdir, flags, &r, &err) == 0);
        for (int i = 0; i < 5; i++) {
                char p[64];

                snprintf(p, sizeof(p), "adir/f%d", 4 - i);
                test_write_file(test_path(rootdir, p), "x");
        }
        /* Through an absolute-symlinked parent, too. */
        CHECK(rootfs_list_dir(r, "/rootlink/../dirlink", 100, &names, &err) == 0);
        CHECK(strv_length(names) == 5);
        if (strv_length(names) == 5) {
                CHECK_STREQ(names[0], "f0");
                CHECK_STREQ(names[4], "f4");
        }
        strv_free(TAKE_PTR(names));
        k = rootfs_list_dir(r, "adir", 4, &names, &err);
        CHECK(k == -E2BIG);
        CHECK(!names);
        CHECK(rootfs_list_dir(r, "etc/passwd", 4, &names, &err) == -ENOTDIR);
        CHECK(rootfs_list_dir(r, "nonexistent", 4, &names, &err) == -ENOENT);
        CHECK(rootfs_list_dir(r, "loop-a", 4, &names, &err) == -ELOOP);
        for (int i = 0; i < 5; i++) {
                char p[64];

                snprintf(p, sizeof(p), "adir/f%d", i);
                (void) unlink(test_path(rootdir, p));
        }
}

/* With a real procfs mounted at rootfs/proc (what a runtime may have done
 * before our hook runs), /proc/self/root is a magic link to the host's root.
 * Both modes must refuse it.  Needs a private mount namespace: as root. */
static void test_real_proc(void) {
        static const struct row proc_rows[] = {
                { "procroot",                  ELOOP, NULL },
                { "proc/self/root/etc/passwd", ELOOP, NULL },
                { "procfd",                    ELOOP, NULL },
                { "proc/thread-self/root/etc/passwd", ELOOP, NULL },
        };
        const char *proc = test_path(rootdir, "proc");

        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
                fprintf(stderr, "skip real procfs rows: %s\n", strerror(errno));
                return;
        }
        (void) mkdir(proc, 0755);
        if (mount("proc", proc, "proc", 0, NULL) < 0) {
                fprintf(stderr, "skip real procfs rows: mount proc: %s\n", strerror(errno));
                return;
        }
        run_rows(proc_rows, ELEMENTSOF(proc_rows));
        (void) umount2(proc, MNT_DETACH);
        (void) rmdir(proc);
}

int main(void) {
        struct error err = {};
        struct rootfs *r = NULL;

        /* A FIFO that hangs must fail the test, not the CI run. */
        alarm(60);
        build_fixture();
        (void) read_full_file("/etc/passwd", 1 << 20, &host_passwd, NULL, &err);

        run_rows(rows, ELEMENTSOF(rows));
        test_device_node();
        test_exact_cap();
        test_list_dir(0);
        test_list_dir(ROOTFS_FORCE_WALK);
        test_beneath();
        CHECK(rootfs_open(test_path(rootdir, "etc/passwd"), 0, &r, &err) == -ENOTDIR);
        CHECK(!r);
        test_real_proc();
        free(host_passwd);
        return test_end();
}
