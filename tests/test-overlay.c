/* SPDX-License-Identifier: Apache-2.0 */
/* The overlay identity: mountinfo lines and overlay options as the kernel
 * prints them (escapes, many lowers, data-only lowers, lowerdir+, the short
 * l/ links of containers/storage), containers/storage's JSON, and, as root,
 * real overlay mounts laid out as containerd's snapshotter and
 * containers/storage lay them out. */
/* Paths here are short temporary ones; snprintf cutting them would only fail a check. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/strutil.h"
#include "overlay.h"
#include "test.h"

/* --- mountinfo ------------------------------------------------------------ */

struct mi_row {
        const char *name;
        const char *text;
        unsigned long long id;
        int code;
        const char *mount_point, *upper;
        const char *lowers[6];  /* "D:" marks a data-only one */
        const char *view;       /* the options that read the layers otherwise */
        const char *submount;
};

#define SNAP "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots"

static const struct mi_row mi_rows[] = {
        { "containerd snapshotter, three lowers",
          "22 1 252:1 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
          "812 22 0:77 / /run/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs rw,relatime - overlay overlay "
          "rw,lowerdir=" SNAP "/7/fs:" SNAP "/6/fs:" SNAP "/5/fs,upperdir=" SNAP "/9/fs,workdir=" SNAP "/9/work\n",
          812, 0, "/run/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs", SNAP "/9/fs",
          { SNAP "/7/fs", SNAP "/6/fs", SNAP "/5/fs" } },
        { "escapes: space, tab, newline, backslash, comma in paths",
          "5 1 0:9 / /m\\040point rw shared:2 master:3 - overlay over\\040lay "
          "rw,lowerdir=/a\\040b:/c\\011d:/e\\012f:/g\\134\\134h:/i\\054j,upperdir=/u\\054p,workdir=/w\n",
          5, 0, "/m point", "/u,p", { "/a b", "/c\td", "/e\nf", "/g\\h", "/i,j" } },
        { "a colon escaped in a path, data-only lowers after ::",
          "6 1 0:9 / /m rw - overlay overlay ro,lowerdir=/x\\134:y:/z::/d1,redirect_dir=on,metacopy=on\n",
          6, 0, "/m", NULL, { "/x:y", "/z", "D:/d1" }, "redirect_dir=on,metacopy=on" },
        { "userxattr is a view option, xino, index and uuid are not",
          "8 1 0:9 / /m rw - overlay overlay rw,lowerdir=/a,upperdir=/u,workdir=/w,xino=on,index=on,uuid=on,"
          "redirect_dir=nofollow,userxattr\n",
          8, 0, "/m", "/u", { "/a" }, "redirect_dir=nofollow,userxattr" },
        { "two :: is refused", "6 1 0:9 / /m rw - overlay o lowerdir=/a::/b::/c::/d\n", 6, -EINVAL, NULL, NULL, {} },
        { "data-only lowers",
          "6 1 0:9 / /m rw - overlay overlay ro,lowerdir=/x::/d1:/d2\n", 6, 0, "/m", NULL, { "/x", "D:/d1", "D:/d2" } },
        { "upperdir= and workdir= escaped as lowerdir= is (shown as given), lowerdir+= not (taken as it is)",
          "7 1 0:9 / /m rw - overlay overlay rw,lowerdir=/a\\134:b,lowerdir+=/l\\134:x,"
          "upperdir=/u\\134:p\\134\\054q\\134\\134r,workdir=/w\\134:\n",
          7, 0, "/m", "/u:p,q\\r", { "/a:b", "/l\\:x" } },
        { "lowerdir+ and datadir+ (Linux 6.8 mount API)",
          "7 1 0:9 / /m rw - overlay overlay rw,lowerdir+=/l\\0541,lowerdir+=/l2,datadir+=/d,upperdir=/u,workdir=/w\n",
          7, 0, "/m", "/u", { "/l,1", "/l2", "D:/d" } },
        { "containers/storage, short l/ links (relative)",
          "9 1 0:9 / /var/lib/containers/storage/overlay/c0/merged rw - overlay overlay "
          "rw,lowerdir=l/AAAA:l/BBBB,upperdir=c0/diff,workdir=c0/work\n",
          9, 0, "/var/lib/containers/storage/overlay/c0/merged", "c0/diff", { "l/AAAA", "l/BBBB" } },
        { "a tmpfs mounted inside it (its parent the overlay's id), another beside it",
          "30 1 0:9 / /m rw - overlay overlay rw,lowerdir=/a\n"
          "31 1 0:10 / /m2/x rw - tmpfs tmpfs rw\n"
          "310 300 0:11 / /m/x rw - tmpfs tmpfs rw\n"
          "32 30 0:12 / /m/var\\040lib rw - tmpfs tmpfs rw\n",
          30, 0, "/m", NULL, { "/a" }, NULL, "/m/var lib" },
                { "not the mount id asked for", "10 1 0:9 / /m rw - overlay overlay lowerdir=/a\n", 11, -ENOENT, NULL, NULL, {} },
        { "a longer id that starts the same", "110 1 0:9 / /m rw - overlay overlay lowerdir=/a\n", 11, -ENOENT, NULL,
          NULL, {} },
        { "no lowerdir", "12 1 0:9 / /m rw - overlay overlay upperdir=/u,workdir=/w\n", 12, -EINVAL, NULL, NULL, {} },
        { "an empty lower", "12 1 0:9 / /m rw - overlay overlay lowerdir=/a:,upperdir=/u\n", 12, -EINVAL, NULL, NULL,
          {} },
        { "no separator", "13 1 0:9 / /m rw overlay overlay lowerdir=/a\n", 13, -EINVAL, NULL, NULL, {} },
        { "cut short", "14 1 0:9", 14, -EINVAL, NULL, NULL, {} },
        { "upperdir twice", "15 1 0:9 / /m rw - overlay o lowerdir=/a,upperdir=/u,upperdir=/v\n", 15, -EINVAL, NULL,
          NULL, {} },
        { "not overlay: parsed, no lowers", "16 1 0:9 / /m rw - ext4 /dev/sda rw,lowerdir=/nope\n", 16, 0, "/m", NULL,
          {} },
};

static void test_mountinfo(void) {
        for (size_t r = 0; r < ELEMENTSOF(mi_rows); r++) {
                const struct mi_row *row = &mi_rows[r];
                struct overlay_mount m = {};
                struct error err = {};
                size_t n = 0;
                int k;

                k = overlay_mountinfo_find(row->text, strlen(row->text), row->id, &m, &err);
                CHECK_MSG(k == row->code, "%s: %d (%s)", row->name, k, err.msg);
                if (k < 0) {
                        CHECK_MSG(k == -ENOENT || err.msg[0], "%s: no message", row->name);
                        continue;
                }
                CHECK_STREQ(m.mount_point, row->mount_point);
                CHECK_MSG(streq_ptr(m.upperdir, row->upper), "%s: upper %s", row->name, strna(m.upperdir));
                CHECK_MSG(streq_ptr(m.view, row->view), "%s: view %s", row->name, strna(m.view));
                CHECK_MSG(streq_ptr(m.submount, row->submount), "%s: submount %s", row->name, strna(m.submount));
                for (; n < ELEMENTSOF(row->lowers) && row->lowers[n]; n++) {
                        bool data = startswith(row->lowers[n], "D:");

                        CHECK_MSG(n < m.n_lowers, "%s: only %zu lowers", row->name, m.n_lowers);
                        if (n >= m.n_lowers)
                                break;
                        CHECK_STREQ(m.lowers[n].path, row->lowers[n] + (data ? 2 : 0));
                        CHECK_MSG(m.lowers[n].data_only == data, "%s: lower %zu data_only", row->name, n);
                }
                CHECK_MSG(m.n_lowers == n, "%s: %zu lowers, expected %zu", row->name, m.n_lowers, n);
                overlay_mount_done(&m);
        }
}

/* lowers_options (overlay_probe()) read back for the mount API: mount(2)'s
 * syntax, a backslash escaping ':' ',' and itself, no octal escapes. */
static void test_mount_options(void) {
        static const struct {
                const char *options;
                int code;
                const char *lowers[4];
                const char *view;
        } rows[] = {
                { "lowerdir=/a\\:b\\,c\\\\d:/e::/f,redirect_dir=on,metacopy=on", 0, { "/a:b,c\\d", "/e", "D:/f" },
                  "redirect_dir=on,metacopy=on" },
                { "lowerdir=/s\\\\134/fs\\,x,userxattr", 0, { "/s\\134/fs,x" }, "userxattr" },
                { "lowerdir=/a,lowerdir=/b", -EINVAL, {}, NULL },
                { "lowerdir=/a\\", 0, { "/a\\" }, NULL },
                { "redirect_dir=on", -EINVAL, {}, NULL },
        };

        for (size_t r = 0; r < ELEMENTSOF(rows); r++) {
                struct overlay_mount m = {};
                struct error err = {};
                size_t n = 0;
                int k = overlay_parse_mount_options(rows[r].options, &m, &err);

                CHECK_MSG(k == rows[r].code, "%s: %d (%s)", rows[r].options, k, err.msg);
                CHECK_MSG(k == 0 || err.msg[0], "%s: no message", rows[r].options);
                for (; k == 0 && n < ELEMENTSOF(rows[r].lowers) && rows[r].lowers[n]; n++) {
                        bool data = startswith(rows[r].lowers[n], "D:");

                        CHECK_MSG(n < m.n_lowers && streq_ptr(m.lowers[n].path, rows[r].lowers[n] + (data ? 2 : 0)) &&
                                          m.lowers[n].data_only == data,
                                  "%s: lower %zu %s", rows[r].options, n, n < m.n_lowers ? m.lowers[n].path : "-");
                }
                CHECK_MSG(k < 0 || (m.n_lowers == n && streq_ptr(m.view, rows[r].view)), "%s: %zu lowers, view %s",
                          rows[r].options, m.n_lowers, strna(m.view));
                overlay_mount_done(&m);
        }
}

/* 500 lowers (overlayfs' maximum) parse; 513 are refused. */
static void test_many_lowers(void) {
        for (int count = 500; count <= 513; count += 13) {
                struct strbuf b = {};
                struct overlay_mount m = {};
                struct error err = {};
                int k;

                (void) strbuf_puts(&b, "1 0 0:1 / /m rw - overlay overlay rw,lowerdir=");
                for (int i = count; i > 0; i--)
                        (void) strbuf_printf(&b, "%s" SNAP "/%d/fs", i == count ? "" : ":", i);
                (void) strbuf_puts(&b, ",upperdir=/u,workdir=/w\n");
                k = overlay_mountinfo_find(b.s, b.len, 1, &m, &err);
                if (count <= OVERLAY_LAYERS_MAX) {
                        CHECK_MSG(k == 0 && m.n_lowers == (size_t) count, "%d lowers: %d %s", count, k, err.msg);
                        CHECK(k == 0 && streq_ptr(m.lowers[count - 1].path, SNAP "/1/fs"));
                } else
                        CHECK_MSG(k == -E2BIG, "%d lowers: %d", count, k);
                overlay_mount_done(&m);
                strbuf_done(&b);
        }
}

static void test_unescape(void) {
        static const struct {
                const char *in, *out;
        } rows[] = {
                { "a\\040b", "a b" }, { "\\134", "\\" }, { "\\400", "\\400" }, { "\\04", "\\04" },
                { "end\\", "end\\" }, { "\\0118", "\t8" }, { "", "" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_free_ char *s = overlay_unescape(rows[i].in, strlen(rows[i].in));

                CHECK_STREQ(s, rows[i].out);
        }
}

/* --- containers/storage JSON ---------------------------------------------- */

static void test_storage_json(void) {
        static const char containers[] =
                "[{\"id\":\"c1\",\"names\":[\"web\"],\"image\":\"i1\",\"layer\":\"L1\",\"metadata\":\"{}\"},"
                "{\"id\":\"c2\",\"names\":[\"db\"],\"image\":\"i2\",\"layer\":\"L2\"},"
                "{\"id\":\"c3\",\"layer\":\"L3\",\"image\":\"bad\\nid\"},"
                /* run by its second name (Podman's metadata, a JSON string) */
                "{\"id\":\"c4\",\"image\":\"i1\",\"layer\":\"L4\",\"metadata\":"
                "\"{\\\"image-name\\\":\\\"x:y\\\",\\\"image-id\\\":\\\"i1\\\",\\\"name\\\":\\\"c4\\\"}\"},"
                /* metadata naming another image's id, or an unprintable name: not believed */
                "{\"id\":\"c5\",\"image\":\"i1\",\"layer\":\"L5\",\"metadata\":"
                "\"{\\\"image-name\\\":\\\"x:y\\\",\\\"image-id\\\":\\\"i2\\\"}\"},"
                "{\"id\":\"c6\",\"image\":\"i1\",\"layer\":\"L6\",\"metadata\":"
                "\"{\\\"image-name\\\":\\\"x y\\\",\\\"image-id\\\":\\\"i1\\\"}\"}]";
        static const char images[] =
                "[{\"id\":\"i1\",\"digest\":\"sha256:00\",\"names\":[\"localhost/pc-busybox:test\",\"x:y\"]},"
                "{\"id\":\"i2\",\"names\":[]},{\"id\":\"i3\",\"names\":[\"evil name\"]}]";
        _cleanup_free_ char *image = NULL, *name = NULL, *none = NULL, *run_as = NULL;
        struct error err = {};

        CHECK(overlay_storage_container_image(containers, strlen(containers), "L1", &image, &none, &err) == 0);
        CHECK_STREQ(image, "i1");
        CHECK(none == NULL);
        CHECK(overlay_storage_container_image(containers, strlen(containers), "c1", &none, &none, &err) == -ENOENT);
        CHECK(overlay_storage_container_image(containers, strlen(containers), "L3", &none, &none, &err) == -ENOENT);
        free(image);
        CHECK(overlay_storage_container_image(containers, strlen(containers), "L4", &image, &run_as, &err) == 0);
        CHECK_STREQ(image, "i1");
        CHECK_STREQ(run_as, "x:y");
        static const char *const unbelieved[] = { "L5", "L6" };
        for (size_t i = 0; i < ELEMENTSOF(unbelieved); i++) {
                free(image);
                image = NULL;
                CHECK(overlay_storage_container_image(containers, strlen(containers), unbelieved[i], &image, &none,
                                                      &err) == 0);
                CHECK_MSG(streq_ptr(image, "i1") && none == NULL, "%s", unbelieved[i]);
        }
        CHECK(overlay_storage_image_name(images, strlen(images), "i1", NULL, &name, &err) == 0);
        CHECK_STREQ(name, "localhost/pc-busybox:test");
        CHECK(overlay_storage_image_name(images, strlen(images), "i2", NULL, &none, &err) == -ENOENT);
        CHECK(overlay_storage_image_name(images, strlen(images), "i3", NULL, &none, &err) == -ENOENT);
        CHECK(overlay_storage_image_name("{}", 2, "i1", NULL, &none, &err) == -EINVAL &&
              strstr(err.msg, "images.json"));
        /* the name a container was run by, while the image still holds it */
        static const struct {
                const char *image, *prefer, *name;
        } held[] = {
                { "i1", "x:y", "x:y" },
                { "i1", "localhost/pc-busybox@sha256:00", "localhost/pc-busybox@sha256:00" },
                { "i1", "moved:1", "localhost/pc-busybox:test" },             /* tagged onto another image since */
                { "i1", "localhost/pc-busybox@sha256:11", "localhost/pc-busybox:test" },
                { "i1", "allowed.example/trusted@sha256:00", "localhost/pc-busybox:test" }, /* not its repository */
                { "i2", "x:y", NULL },                                         /* untagged since */
        };
        for (size_t i = 0; i < ELEMENTSOF(held); i++) {
                _cleanup_free_ char *got = NULL;

                CHECK_MSG(overlay_storage_image_name(images, strlen(images), held[i].image, held[i].prefer, &got,
                                                     &err) == (held[i].name ? 0 : -ENOENT) &&
                                  streq_ptr(got, held[i].name),
                          "%s %s: %s", held[i].image, held[i].prefer, strna(got));
        }
        CHECK(overlay_storage_container_image("[{\"layer\":\"a\",\"layer\":\"b\"}]", 29, "a", &none, &none, &err) ==
              -EINVAL);
        CHECK(none == NULL);

        /* the digest of the one image of a mounted top layer, for VEX */
#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        static const char layers[] =
                "[{\"id\":\"i1\",\"digest\":\"sha256:" D64 "\",\"layer\":\"L1\"},"
                "{\"id\":\"i2\",\"digest\":\"sha256:" D64 "\",\"layer\":\"L2\"},"
                "{\"id\":\"i3\",\"digest\":\"sha256:" D64 "\",\"layer\":\"L2\"},"
                "{\"id\":\"i4\",\"digest\":\"sha256:00\",\"layer\":\"L4\"},{\"id\":\"i5\",\"layer\":\"L5\"}]";
        static const struct {
                const char *layer, *digest, *msg;
        } digests[] = {
                { "L1", "sha256:" D64, NULL },
                { "L2", NULL, "2 images have the layer L2, so which one is mounted is not known" },
                { "L3", NULL, "no image has the layer L3" },
                { "L4", NULL, "the image of layer L4 has no sha256 digest" },
                { "L5", NULL, "the image of layer L5 has no sha256 digest" },
        };
        for (size_t i = 0; i < ELEMENTSOF(digests); i++) {
                _cleanup_free_ char *got = NULL;

                err = (struct error) {};
                CHECK_MSG(overlay_storage_layer_digest(layers, strlen(layers), digests[i].layer, &got, &err) ==
                                          (digests[i].digest ? 0 : -ENOENT) && streq_ptr(got, digests[i].digest) &&
                                  (!digests[i].msg || strstr(err.msg, digests[i].msg)),
                          "%s: %s %s", digests[i].layer, strna(got), err.msg);
        }
        CHECK(overlay_storage_layer_digest("{}", 2, "L1", &none, &err) == -EINVAL && none == NULL);
        _cleanup_(storage_images_freep) struct storage_images *memo = NULL;
        CHECK(overlay_storage_image_digest("/var/lib/containers/storage/overlay/L1/merged", &memo, &none, &err) ==
                      -ENOENT && strstr(err.msg, "is not a containers/storage image layer") && none == NULL);
#undef D64

        /* Docker's config.v2.json */
        static const char docker[] = "{\"ID\":\"c1\",\"Config\":{\"Image\":\"localhost/pc:vuln\"},\"Image\":\"sha256:ab\"}";
        _cleanup_free_ char *dname = NULL, *did = NULL;

        CHECK(overlay_docker_image_name(docker, strlen(docker), "c1", &dname, &did, &err) == 0 &&
              streq_ptr(dname, "localhost/pc:vuln") && streq_ptr(did, "sha256:ab"));
        CHECK(overlay_docker_image_name(docker, strlen(docker), "c2", &none, &none, &err) == -EINVAL &&
              strstr(err.msg, "not Docker's file for container c2"));
        CHECK(overlay_docker_image_name("{\"ID\":\"c1\"}", 11, "c1", &none, &none, &err) == -ENOENT);
        CHECK(overlay_docker_image_name("{\"ID\":\"c1\",\"ID\":\"c2\"}", 21, "c2", &none, &none, &err) == -EINVAL);
        CHECK(overlay_docker_image_name("[]", 2, "c1", &none, &none, &err) == -EINVAL);
        CHECK(none == NULL);

        /* repositories.json: the name it was run by while it names the
         * container's image (Docker's familiar keys, its defaults applied),
         * else a name the image holds */
        static const char repos[] =
                "{\"Repositories\":{\"localhost/pc\":{\"localhost/pc:fixed\":\"sha256:bb\",\"localhost/pc:vuln\":"
                "\"sha256:ab\",\"localhost/pc:alias\":\"sha256:bb\"},\"nginx\":{\"nginx:1.25\":\"sha256:cd\","
                "\"nginx:latest\":\"sha256:cd\",\"nginx@sha256:99\":\"sha256:cd\"},\"quay.io/x/y\":{\"quay.io/x/y:1\":"
                "\"sha256:ef\"},\"localhost:5000/z\":{\"localhost:5000/z:2\":\"sha256:12\"}}}";
        static const struct {
                const char *name, *image_id, *held;
        } docker_names[] = {
                { "localhost/pc:vuln", "sha256:ab", "localhost/pc:vuln" },
                { "localhost/pc:alias", "sha256:ab", "localhost/pc:vuln" },     /* tagged onto another image since */
                { "nginx", "sha256:cd", "nginx" },
                { "docker.io/library/nginx:1.25", "sha256:cd", "docker.io/library/nginx:1.25" },
                { "index.docker.io/library/nginx:latest", "sha256:cd", "index.docker.io/library/nginx:latest" },
                { "library/nginx@sha256:99", "sha256:cd", "library/nginx@sha256:99" },
                { "nginx:1.24", "sha256:cd", "nginx:1.25" },
                { "quay.io/x/y:1", "sha256:ef", "quay.io/x/y:1" },
                { "quay.io/x/y", "sha256:ef", "quay.io/x/y:1" },                /* :latest, which it is not */
                { "localhost:5000/z:2", "sha256:12", "localhost:5000/z:2" },
                { "x/y:1", "sha256:ef", "quay.io/x/y:1" },                      /* docker.io/x/y:1 */
                { "ab", "sha256:ab", "ab" },                                    /* run by its id */
                { "sha256:ab", "sha256:ab", "sha256:ab" },
                { "localhost/pc:alias", "sha256:77", NULL },                    /* an image no name maps to */
                { "localhost/pc:vuln", NULL, NULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(docker_names); i++) {
                _cleanup_free_ char *got = NULL;

                CHECK_MSG(overlay_docker_held_name(repos, strlen(repos), docker_names[i].name, docker_names[i].image_id,
                                                   &got, &err) == (docker_names[i].held ? 0 : -ENOENT) &&
                                  streq_ptr(got, docker_names[i].held),
                          "%s %s: %s", docker_names[i].name, strna(docker_names[i].image_id), strna(got));
        }
        CHECK(overlay_docker_held_name("[", 1, "x", "sha256:ab", &none, &err) == -EINVAL &&
              strstr(err.msg, "repositories.json"));
        CHECK(none == NULL);
}

/* --- real mounts (root) ----------------------------------------------------- */

static int mount_overlay(const char *target, const char *lower, const char *upper, const char *work) {
        char opts[8192];

        if (upper)
                snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work);
        else
                snprintf(opts, sizeof(opts), "lowerdir=%s", lower);
        return mount("overlay", target, "overlay", 0, opts);
}

static char *probe(const char *rootfs, struct overlay_probe *p) {
        overlay_probe_done(p);
        CHECK(overlay_probe(rootfs, false, NULL, p) == 0);
        return p->identity;
}

static void test_real_mounts(const char *t) {
        char snap[4096], lower[4096], m[4096], up[4096], work[4096];
        struct overlay_probe p = {};
        _cleanup_free_ char *first = NULL;

        /* snapshots/N/fs, as the snapshotter makes them (a private 0700 root) */
        snprintf(snap, sizeof(snap), "%s/snapshots", t);
        for (int i = 1; i <= 4; i++) {
                char f[4096];

                snprintf(f, sizeof(f), "%s/%d/fs/layer%d", snap, i, i);
                test_write_file(f, "x");
                snprintf(f, sizeof(f), "%s/%d/work", snap, i);
                mkdir(f, 0700);
        }
        snprintf(m, sizeof(m), "%s/rootfs", t);
        mkdir(m, 0755);
        snprintf(up, sizeof(up), "%s/4/fs", snap);
        snprintf(work, sizeof(work), "%s/4/work", snap);
        unlink(test_path(up, "layer4"));
        snprintf(lower, sizeof(lower), "%s/3/fs:%s/2/fs:%s/1/fs", snap, snap, snap);
        if (mount_overlay(m, lower, up, work) < 0) {
                fprintf(stderr, "skip real mounts: mount overlay: %m\n");
                return;
        }
        CHECK_MSG(probe(m, &p) && startswith(p.identity, "overlay:sha256:"), "%s", strna(p.why_not));
        first = p.identity ? strdup(p.identity) : NULL;
        CHECK_MSG(probe(m, &p) && streq_ptr(p.identity, first), "not stable");

        /* the runtime's empty mountpoints and files are fine */
        mkdir(test_path(up, "proc"), 0755);
        mkdir(test_path(up, "etc"), 0755);
        test_write_file(test_path(up, "etc/hostname"), "");
        umount(m);
        CHECK(mount_overlay(m, lower, up, work) == 0);
        CHECK_MSG(probe(m, &p) && streq_ptr(p.identity, first), "mountpoints: %s", strna(p.why_not));

        /* Podman's /etc/mtab link is the runtime's; another link is not */
        CHECK(symlink("/proc/mounts", test_path(up, "etc/mtab")) == 0);
        umount(m);
        CHECK(mount_overlay(m, lower, up, work) == 0);
        CHECK_MSG(probe(m, &p) && streq_ptr(p.identity, first), "mtab link: %s", strna(p.why_not));
        CHECK(symlink("/etc/shadow", test_path(up, "etc/motd")) == 0);
        CHECK_MSG(!probe(m, &p) && p.why_not && strstr(p.why_not, "/etc/motd"), "%s", strna(p.why_not));
        unlink(test_path(up, "etc/motd"));
        /* a folder the image has, made opaque (its content hidden) */
        CHECK(setxattr(test_path(up, "etc"), "trusted.overlay.opaque", "y", 1, 0) == 0);
        umount(m);
        CHECK(mount_overlay(m, lower, up, work) == 0);
        CHECK_MSG(!probe(m, &p) && p.why_not && strstr(p.why_not, "opaque"), "%s", strna(p.why_not));
        CHECK(removexattr(test_path(up, "etc"), "trusted.overlay.opaque") == 0);

        /* a file the container wrote: no identity, and why */
        test_write_file(test_path(up, "etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
        CHECK_MSG(!probe(m, &p) && p.why_not && strstr(p.why_not, "/etc/passwd"), "%s", strna(p.why_not));
        unlink(test_path(up, "etc/passwd"));
        /* a whiteout (deleting layer1) */
        CHECK(mknod(test_path(up, "layer1"), S_IFCHR | 0000, makedev(0, 0)) == 0);
        umount(m);
        CHECK(mount_overlay(m, lower, up, work) == 0);
        CHECK_MSG(!probe(m, &p) && p.why_not && strstr(p.why_not, "whiteout"), "%s", strna(p.why_not));
        unlink(test_path(up, "layer1"));
        /* an empty file that hides the image's */
        test_write_file(test_path(up, "layer2"), "");
        CHECK_MSG(!probe(m, &p) && p.why_not && strstr(p.why_not, "/layer2"), "%s", strna(p.why_not));
        unlink(test_path(up, "layer2"));
        CHECK_MSG(probe(m, &p) && streq_ptr(p.identity, first), "clean again: %s", strna(p.why_not));
        umount(m);

        /* another lower list: another identity */
        snprintf(lower, sizeof(lower), "%s/2/fs:%s/1/fs", snap, snap);
        CHECK(mount_overlay(m, lower, up, work) == 0);
        CHECK_MSG(probe(m, &p) && !streq_ptr(p.identity, first), "other list: %s", strna(p.why_not));
        umount(m);
        snprintf(lower, sizeof(lower), "%s/1/fs:%s/3/fs:%s/2/fs", snap, snap, snap);
        CHECK(mount_overlay(m, lower, up, work) == 0);
        CHECK_MSG(probe(m, &p) && !streq_ptr(p.identity, first), "other order");
        umount(m);

        /* a folder of the admin's as a lower (podman run --rootfs DIR:O),
         * private and root's, but no store's committed layer: it can change
         * in place, so it names no image; nor does a store-like name whose
         * parts are not the store's (snapshots/N/fs with N not a number) */
        {
                static const char *const plain[] = { "rootfs-dir", "snapshots/x1/fs", "overlay/a/b/rootfs",
                                                     "not-overlay/a/diff", "overlay2/a/empty", "snapshots/1/empty" };

                for (size_t i = 0; i < ELEMENTSOF(plain); i++) {
                        snprintf(lower, sizeof(lower), "%s/%s", t, plain[i]);
                        test_write_file(test_path(lower, "etc/os-release"), "ID=debian\n");
                        CHECK(mount_overlay(m, lower, up, work) == 0);
                        CHECK_MSG(!probe(m, &p) && p.refused && p.why_not &&
                                          strstr(p.why_not, "not a committed layer of a container store"),
                                  "%s: %s", plain[i], strna(p.why_not));
                        umount(m);
                }
                /* containers/storage's empty folder under a one-layer image
                 * mounted read-only (--mount type=image): a store's */
                snprintf(lower, sizeof(lower), "%s/overlay/e1/diff", t);
                test_write_file(test_path(lower, "etc/os-release"), "ID=debian\n");
                snprintf(lower, sizeof(lower), "%s/overlay/e1/empty", t);
                CHECK(mkdir(lower, 0700) == 0);
                snprintf(lower, sizeof(lower), "%s/overlay/e1/diff:%s/overlay/e1/empty", t, t);
                CHECK(mount_overlay(m, lower, up, work) == 0);
                CHECK_MSG(probe(m, &p) && p.identity, "overlay/ID/empty: %s", strna(p.why_not));
                umount(m);
        }

        /* the symlink trick: a lower reached through a folder a user owns */
        {
                char evil[4096], link[4096];

                snprintf(evil, sizeof(evil), "%s/home", t);
                mkdir(evil, 0755);
                CHECK(chown(evil, 1000, 1000) == 0);
                snprintf(link, sizeof(link), "%s/home/layer", t);
                CHECK(symlink(test_path(snap, "3/fs"), link) == 0);
                snprintf(lower, sizeof(lower), "%s:%s/2/fs", link, snap);
                CHECK(mount_overlay(m, lower, up, work) == 0);
                CHECK_MSG(!probe(m, &p) && p.why_not && strstr(p.why_not, "owned by uid 1000"), "%s",
                          strna(p.why_not));
                umount(m);
                /* a layer that other users can reach (no 0700 folder on the way) */
                snprintf(link, sizeof(link), "%s/open", t);
                mkdir(link, 0755);
                snprintf(link, sizeof(link), "%s/open/fs", t);
                mkdir(link, 0755);
                CHECK(chmod(t, 0755) == 0);
                snprintf(lower, sizeof(lower), "%s:%s/2/fs", link, snap);
                CHECK(mount_overlay(m, lower, up, work) == 0);
                CHECK_MSG(!probe(m, &p) && p.why_not && strstr(p.why_not, "reachable by users other than root"),
                          "%s", strna(p.why_not));
                umount(m);
                CHECK(chmod(t, 0700) == 0);
        }

        /* containers/storage: relative l/ links resolved against the storage folder */
        {
                char home[4096], f[4096];

                snprintf(home, sizeof(home), "%s/storage/overlay", t);
                snprintf(f, sizeof(f), "%s/LAYERA/diff/a", home);
                test_write_file(f, "a");
                snprintf(f, sizeof(f), "%s/C0/diff/.keep", home);
                test_write_file(f, "");
                unlink(f);
                snprintf(f, sizeof(f), "%s/C0/work", home);
                mkdir(f, 0700);
                snprintf(f, sizeof(f), "%s/C0/merged", home);
                mkdir(f, 0700);
                snprintf(f, sizeof(f), "%s/l", home);
                mkdir(f, 0700);
                CHECK(symlink("../LAYERA/diff", test_path(f, "SHORTA")) == 0);
                snprintf(f, sizeof(f), "%s/C0/merged", home);
                CHECK(chdir(home) == 0);
                CHECK_MSG(mount("overlay", f, "overlay", 0, "lowerdir=l/SHORTA,upperdir=C0/diff,workdir=C0/work") == 0,
                          "relative mount: %m");
                CHECK(chdir("/") == 0);
                CHECK_MSG(probe(f, &p) && startswith(p.identity, "overlay:sha256:"), "l/ links: %s",
                          strna(p.why_not));
                free(first);
                first = p.identity ? strdup(p.identity) : NULL;
                umount(f);
                /* the same layer named by its real path: the same identity */
                snprintf(lower, sizeof(lower), "%s/LAYERA/diff", home);
                snprintf(up, sizeof(up), "%s/C0/diff", home);
                snprintf(work, sizeof(work), "%s/C0/work", home);
                CHECK(mount_overlay(f, lower, up, work) == 0);
                CHECK_MSG(probe(f, &p) && streq_ptr(p.identity, first), "link and real path differ");
                umount(f);

                /* Docker's overlay2: its C0-init layer on top of the image's,
                 * holding its mountpoints alone, is left out: the image's
                 * identity, whatever the container */
                static const char *const init_files[] = { ".dockerenv", "dev/console", "etc/hostname", "etc/hosts",
                                                          "etc/resolv.conf" };
                static const char *const init_dirs[] = { "dev/pts", "dev/shm", "proc", "sys" };
                char init[4096];

                snprintf(init, sizeof(init), "%s/C0-init/diff", home);
                for (size_t i = 0; i < ELEMENTSOF(init_files); i++) {
                        snprintf(f, sizeof(f), "%s/%s", init, init_files[i]);
                        test_write_file(f, "");
                }
                for (size_t i = 0; i < ELEMENTSOF(init_dirs); i++)
                        mkdir(test_path(init, init_dirs[i]), 0755);
                CHECK(symlink("/proc/mounts", test_path(init, "etc/mtab")) == 0);
                snprintf(f, sizeof(f), "%s/l", home);
                CHECK(symlink("../C0-init/diff", test_path(f, "SHORTI")) == 0);
                snprintf(f, sizeof(f), "%s/C0/merged", home);
                CHECK(chdir(home) == 0);
                CHECK(mount("overlay", f, "overlay", 0, "lowerdir=l/SHORTI:l/SHORTA,upperdir=C0/diff,workdir=C0/work") == 0);
                CHECK(chdir("/") == 0);
                CHECK_MSG(probe(f, &p) && streq_ptr(p.identity, first), "docker init layer: %s", strna(p.why_not));
                /* anything more in it, and it is a layer like any other */
                static const char *const extra[] = { "etc/passwd", "usr/lib/x", "dev/pts/0", "etc/hosts" };
                for (size_t i = 0; i < ELEMENTSOF(extra); i++) {
                        char e[4096];

                        snprintf(e, sizeof(e), "%s/%s", init, extra[i]);
                        test_write_file(e, "127.0.0.1 x\n");
                        CHECK_MSG(probe(f, &p) && p.identity && !streq_ptr(p.identity, first), "init layer with %s",
                                  extra[i]);
                        if (streq_ptr(extra[i], "etc/hosts"))
                                test_write_file(e, "");
                        else
                                unlink(e);
                }
                rmdir(test_path(init, "usr/lib"));
                rmdir(test_path(init, "usr"));
                CHECK(unlink(test_path(init, "etc/mtab")) == 0 && symlink("/etc/shadow", test_path(init, "etc/mtab")) == 0);
                CHECK_MSG(probe(f, &p) && !streq_ptr(p.identity, first), "init layer with another mtab link");
                CHECK(unlink(test_path(init, "etc/mtab")) == 0 && symlink("/proc/mounts", test_path(init, "etc/mtab")) == 0);
                CHECK(setxattr(test_path(init, "etc"), "trusted.overlay.opaque", "y", 1, 0) == 0);
                CHECK_MSG(probe(f, &p) && !streq_ptr(p.identity, first), "init layer with an opaque /etc");
                CHECK(removexattr(test_path(init, "etc"), "trusted.overlay.opaque") == 0);
                CHECK_MSG(probe(f, &p) && streq_ptr(p.identity, first), "init layer clean again: %s", strna(p.why_not));
                umount(f);
                /* below the top it is not Docker's init layer */
                CHECK(chdir(home) == 0);
                CHECK(mount("overlay", f, "overlay", 0, "lowerdir=l/SHORTA:l/SHORTI,upperdir=C0/diff,workdir=C0/work") == 0);
                CHECK(chdir("/") == 0);
                CHECK_MSG(probe(f, &p) && !streq_ptr(p.identity, first), "init layer below the image's");
                umount(f);
        }

        /* not an overlay, or a folder inside one */
        CHECK(!probe(t, &p) && p.why_not && strstr(p.why_not, "not an overlay mount"));
        snprintf(lower, sizeof(lower), "%s/2/fs:%s/1/fs", snap, snap);
        CHECK(mount_overlay(m, lower, NULL, NULL) == 0);
        CHECK_MSG(probe(m, &p), "read-only overlay: %s", strna(p.why_not));
        mkdir(test_path(snap, "2/fs/sub"), 0700);
        CHECK(!probe(test_path(m, "sub"), &p) && p.why_not && strstr(p.why_not, "inside an overlay mount"));
        umount(m);
        overlay_probe_done(&p);
}

/* Podman's vfs driver: the rootfs is <root>/vfs/dir/<layer>, named from
 * <root>/vfs-containers and vfs-images */
static void test_vfs_name(const char *t) {
        char root[4096], rootfs[4096], f[4096];
        struct error err = {};
        char *name = NULL;

        snprintf(root, sizeof(root), "%s/vfs-store", t);
        snprintf(f, sizeof(f), "%s/vfs-containers/containers.json", root);
        test_write_file(f, "[{\"id\":\"c1\",\"image\":\"i1\",\"layer\":\"L1\",\"metadata\":"
                           "\"{\\\"image-name\\\":\\\"x:y\\\",\\\"image-id\\\":\\\"i1\\\"}\"}]");
        snprintf(f, sizeof(f), "%s/vfs-images/images.json", root);
        test_write_file(f, "[{\"id\":\"i1\",\"names\":[\"localhost/a:1\",\"x:y\"]}]");
        snprintf(rootfs, sizeof(rootfs), "%s/vfs/dir/L1", root);
        CHECK_MSG(overlay_storage_vfs_name(rootfs, &name, &err) == 0 && streq_ptr(name, "x:y"), "%s", err.msg);
        free(name);
        name = NULL;
        static const char *const not_vfs[] = { "/a/b", "/r/vfs/dir/", "/r/vfs/L1", "vfs/dir/L1" };
        for (size_t i = 0; i < ELEMENTSOF(not_vfs); i++)
                CHECK_MSG(overlay_storage_vfs_name(not_vfs[i], &name, &err) == -ENOENT && !name &&
                                  strstr(err.msg, "not a containers/storage vfs folder"),
                          "%s: %s", not_vfs[i], err.msg);
        snprintf(rootfs, sizeof(rootfs), "%s/vfs/dir/L2", root);
        CHECK(overlay_storage_vfs_name(rootfs, &name, &err) == -ENOENT && !name && strstr(err.msg, "no container"));
}

/* An image's digest by its mounted layer, images.json read once for a
 * start (the memo), however many of the store's images it mounts. */
static void test_image_digest_memo(const char *t) {
#define A64 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B64 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define C64 "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
        _cleanup_(storage_images_freep) struct storage_images *memo = NULL, *fresh = NULL;
        char images[4096], a[4096], b[4096];
        struct error err = {};
        char *d = NULL;

        snprintf(images, sizeof(images), "%s/store/vfs-images/images.json", t);
        test_write_file(images, "[{\"id\":\"i1\",\"layer\":\"" A64 "\",\"digest\":\"sha256:" C64 "\"},"
                                "{\"id\":\"i2\",\"layer\":\"" B64 "\",\"digest\":\"sha256:" B64 "\"}]");
        CHECK(chmod(images, 0644) == 0);
        snprintf(a, sizeof(a), "%s/store/vfs/dir/" A64, t);
        snprintf(b, sizeof(b), "%s/store/vfs/dir/" B64, t);
        CHECK_MSG(overlay_storage_image_digest(a, &memo, &d, &err) == 0 && streq_ptr(d, "sha256:" C64), "%s",
                  err.msg);
        free(d);
        d = NULL;
        /* the file changes (or goes): the memo still answers, as read */
        CHECK(unlink(images) == 0);
        CHECK_MSG(overlay_storage_image_digest(b, &memo, &d, &err) == 0 && streq_ptr(d, "sha256:" B64), "%s",
                  err.msg);
        free(d);
        d = NULL;
        CHECK(overlay_storage_image_digest(b, &fresh, &d, &err) < 0 && !d);
#undef A64
#undef B64
#undef C64
}

/* --- layer folders whose names hold ':' ',' and a backslash ------------------ */

/* path as lowerdir= of mount(2) takes it: ':' parts layers, ',' options,
 * a backslash escapes either (overlayfs.rst, "Multiple lower layers") */
static void escape_layer(char *out, size_t size, const char *path) {
        size_t o = 0;

        for (; *path && o + 2 < size; path++) {
                if (strchr(":,\\", *path))
                        out[o++] = '\\';
                out[o++] = *path;
        }
        out[o] = '\0';
}

/* overlay_mount_lowers() in a child whose system call nr fails with code
 * (fsopen ENOSYS: a kernel before the mount API; EPERM: a filter without
 * it): its exit code says how mount(2) fared, 0 mounted, 1 -E2BIG saying
 * why, as the mount API's error why says it did not serve; 2 else. */
static int mount_lowers_without(const char *options, const char *identity, int nr, int code, const char *why) {
        pid_t pid = fork();
        int status;

        if (pid == 0) {
                scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
                struct error err = {};
                int fd = -EBADF, k;

                if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(code), nr, 0) < 0 ||
                    seccomp_load(ctx) < 0)
                        _exit(3);
                k = overlay_mount_lowers(options, identity, &fd, &err);
                if (k < 0)
                        fprintf(stderr, "without the mount API: %s\n", err.msg);
                _exit(k == 0 && faccessat(fd, "bottom", F_OK, 0) == 0 ? 0
                      : k == -E2BIG && strstr(err.msg, why) &&
                                        strstr(err.msg, "lowerdir+ needs Linux 6.8") ? 1 : 2);
        }
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
                return -1;
        return WEXITSTATUS(status);
}

/* m's upper given a file (a pid file): its identity refused, its lowers
 * (of identity) mounted alone show file and not the pid file. */
static void check_mount_lowers(const char *m, const char *upper, const char *identity, const char *file,
                               size_t min_options) {
        _cleanup_close_ int fd = -EBADF;
        struct overlay_probe p = {};
        struct error err = {};

        test_write_file(test_path(upper, "app.pid"), "1\n");
        CHECK_MSG(!probe(m, &p) && p.refused && streq_ptr(p.layers_identity, identity) && p.lowers_options &&
                          strlen(p.lowers_options) >= min_options,
                  "%s: %s", m, strna(p.why_not));
        if (p.lowers_options) {
                CHECK_MSG(overlay_mount_lowers(p.lowers_options, identity, &fd, &err) == 0, "%s", err.msg);
                CHECK_MSG(fd >= 0 && faccessat(fd, file, R_OK, 0) == 0, "%s not in the lowers mounted", file);
                CHECK(fd >= 0 && faccessat(fd, "app.pid", F_OK, 0) < 0 && errno == ENOENT);
                CHECK(mount_lowers_without(p.lowers_options, identity, SCMP_SYS(fsopen), ENOSYS,
                                           "(fsopen overlay: Function not implemented;") == (min_options > 4096 ? 1 : 0));
                CHECK(mount_lowers_without(p.lowers_options, identity, SCMP_SYS(move_mount), EPERM,
                                           "(move_mount the overlay of the lower layers to ") ==
                      (min_options > 4096 ? 1 : 0));
        }
        unlink(test_path(upper, "app.pid"));
        overlay_probe_done(&p);
}

static void test_escaped_layers(const char *t) {
        char store[4096], l1[4096], l2[4096], lower[16384], m[4096], up[4096], work[4096], f[4096];
        struct overlay_probe p = {};
        _cleanup_free_ char *id = NULL;

        /* a store in a folder whose name holds ':', ',' and a backslash:
         * escaped twice in mountinfo (lowerdir='s backslashes, then
         * mountinfo's octal \134 \054), the upper's too */
        snprintf(store, sizeof(store), "%s/st:o,re\\x/snapshots", t);
        snprintf(f, sizeof(f), "%s/1/fs/bottom", store);
        test_write_file(f, "1");
        snprintf(f, sizeof(f), "%s/2/fs/top", store);
        test_write_file(f, "2");
        snprintf(up, sizeof(up), "%s/3/fs", store);
        snprintf(work, sizeof(work), "%s/3/work", store);
        CHECK(mkdir(test_path(store, "3"), 0700) == 0 && mkdir(up, 0755) == 0 && mkdir(work, 0700) == 0);
        escape_layer(l2, sizeof(l2), test_path(store, "2/fs"));
        escape_layer(l1, sizeof(l1), test_path(store, "1/fs"));
        snprintf(lower, sizeof(lower), "%s:%s", l2, l1);
        snprintf(m, sizeof(m), "%s/rootfs", t);
        mkdir(m, 0755);
        escape_layer(f, sizeof(f), up);
        escape_layer(l1, sizeof(l1), work);
        CHECK_MSG(mount_overlay(m, lower, f, l1) == 0, "mount %s: %m", lower);
        CHECK_MSG(probe(m, &p), "escaped layers: %s", strna(p.why_not));
        id = p.identity ? strdup(p.identity) : NULL;
        check_mount_lowers(m, up, id, "bottom", 0);
        umount(m);
        /* the identity is of the real folders: the same through a root's link of a plain name */
        snprintf(f, sizeof(f), "%s/plain", t);
        CHECK(symlink("st:o,re\\x", f) == 0);
        snprintf(lower, sizeof(lower), "%s/plain/snapshots/2/fs:%s/plain/snapshots/1/fs", t, t);
        CHECK(mount_overlay(m, lower, test_path(t, "plain/snapshots/3/fs"), test_path(t, "plain/snapshots/3/work")) == 0);
        CHECK_MSG(probe(m, &p) && streq_ptr(p.identity, id), "the plain link's: %s", strna(p.identity));
        umount(m);
        overlay_probe_done(&p);
}

/* 80 layers whose paths (a store under a long folder name) make options
 * of more than a page: the container's mount names them by short links
 * (containers/storage's l/), the lowers' mount by their real paths, a
 * layer at a time through the mount API; mount(2) can't. */
static void test_many_layers_mounted(const char *t) {
        char store[4096], lower[16384], m[4096], up[4096], work[4096], f[4096];
        struct overlay_probe p = {};
        _cleanup_free_ char *id = NULL;

        snprintf(m, sizeof(m), "%s/rootfs", t);
        mkdir(m, 0755);
        snprintf(store, sizeof(store), "%s/a-store-root-whose-name-is-long-as-a-node's-may-be/snapshots", t);
        snprintf(f, sizeof(f), "%s/l", t);
        CHECK(mkdir(f, 0700) == 0);
        lower[0] = '\0';
        for (int i = 80; i >= 1; i--) {
                char layer[4096], link[4096];

                snprintf(layer, sizeof(layer), "%s/%d/fs/layer%d", store, i, i);
                test_write_file(layer, "x");
                if (i == 1) {
                        snprintf(layer, sizeof(layer), "%s/1/fs/bottom", store);
                        test_write_file(layer, "1");
                }
                snprintf(layer, sizeof(layer), "%s/%d/fs", store, i);
                snprintf(link, sizeof(link), "%s/l/%d", t, i);
                CHECK(symlink(layer, link) == 0);
                snprintf(lower + strlen(lower), sizeof(lower) - strlen(lower), "%s%s", i == 80 ? "" : ":", link);
        }
        snprintf(up, sizeof(up), "%s/81/fs", store);
        snprintf(work, sizeof(work), "%s/81/work", store);
        CHECK(mkdir(test_path(store, "81"), 0700) == 0 && mkdir(up, 0755) == 0 && mkdir(work, 0700) == 0);
        CHECK_MSG(mount_overlay(m, lower, up, work) == 0, "mount 80 layers: %m");
        CHECK_MSG(probe(m, &p), "80 layers: %s", strna(p.why_not));
        id = p.identity ? strdup(p.identity) : NULL;
        check_mount_lowers(m, up, id, "layer80", 4097);
        check_mount_lowers(m, up, id, "bottom", 4097);
        umount(m);
        overlay_probe_done(&p);

        /* a layer gone: the mount API's error names it, with the kernel's words */
        {
                _cleanup_close_ int fd = -EBADF;
                struct error err = {};

                snprintf(f, sizeof(f), "lowerdir=%s/gone/snapshots/1/fs", t);
                CHECK(overlay_mount_lowers(f, id, &fd, &err) == -ENOENT && fd < 0);
                CHECK_MSG(strstr(err.msg, "fsconfig lowerdir+=") && strstr(err.msg, "/gone/snapshots/1/fs") &&
                                  strstr(err.msg, "No such file or directory"),
                          "%s", err.msg);
        }
}

int main(void) {
        test_mountinfo();
        test_many_lowers();
        test_mount_options();
        test_unescape();
        test_storage_json();
        if (geteuid() == 0) {
                test_real_mounts(test_tmpdir());
                test_escaped_layers(test_tmpdir());
                test_many_layers_mounted(test_tmpdir());
                test_vfs_name(test_tmpdir());
                test_image_digest_memo(test_tmpdir());
        }
        else
                fprintf(stderr, "skip real mounts: not root\n");
        return test_end();
}
