/* SPDX-License-Identifier: Apache-2.0 */
/* rpm's package database, in whichever of its three formats the image has
 * (rpmdb.h): the files are read through the rootfs API into memory, each
 * format's reader hands us the header blobs, and rpm-header.c takes them
 * apart.  A damaged database is an error naming the file; a damaged header
 * inside a sound database is a warning, and the other packages count. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "base/strutil.h"
#include "inventory.h"
#include "rootfs.h"
#include "rpm-header.h"
#include "rpmdb.h"

/* In rpm's order of preference (newest backend first); /var/lib/rpm is a
 * link to /usr/lib/sysimage/rpm on Fedora and openSUSE. */
static const struct {
        const char *path;
        enum rpmdb_format format;
} rpmdb_paths[] = {
        { "var/lib/rpm/rpmdb.sqlite", RPMDB_SQLITE },
        { "usr/lib/sysimage/rpm/rpmdb.sqlite", RPMDB_SQLITE },
        { "var/lib/rpm/Packages.db", RPMDB_NDB },
        { "usr/lib/sysimage/rpm/Packages.db", RPMDB_NDB },
        { "var/lib/rpm/Packages", RPMDB_BDB },
        { "usr/lib/sysimage/rpm/Packages", RPMDB_BDB },
};

struct rpm_ctx {
        struct inventory *inv;
        const char *origin;
        char *distro;           /* the purls' distro qualifier (purl_distro()), once */
        unsigned long records;
        bool owning;            /* cleared when the owned set is full */
};

/* a, sep and b in one new string (a header's strings, hundreds of
 * thousands of them in a big rpmdb: no printf); NULL when out of memory. */
static char *join(const char *a, const char *sep, const char *b) {
        size_t na = strlen(a), ns = strlen(sep), nb = strlen(b);
        char *s = malloc(na + ns + nb + 1);

        if (!s)
                return NULL;
        memcpy(s, a, na);
        memcpy(s + na, sep, ns);
        memcpy(s + na + ns, b, nb + 1);
        return s;
}

/* "EPOCH:VR" with an epoch, else "VR". */
static int format_version(const struct rpm_header *h, const char *vr, char **ret) {
        char epoch[16];

        if (h->has_epoch)
                snprintf(epoch, sizeof(epoch), "%u", h->epoch);
        *ret = h->has_epoch ? join(epoch, ":", vr) : strdup(vr);
        return *ret ? 0 : -ENOMEM;
}

/* Source name and version from SOURCERPM ("util-linux-2.32.1-42.el8_8.
 * src.rpm"); the file name carries no epoch, so the binary's applies, as
 * Trivy and Clair do.  Without a usable SOURCERPM, the binary's own. */
static int source_of(const struct rpm_header *h, const char *vr, struct package *p) {
        _cleanup_free_ char *src_vr = NULL;
        int r = -EINVAL;

        if (h->sourcerpm)
                r = rpm_sourcerpm_split(h->sourcerpm, &p->source_name, &src_vr);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                p->source_name = strdup(h->name);
                if (!p->source_name)
                        return -ENOMEM;
        }
        return format_version(h, src_vr ? src_vr : vr, &p->source_version);
}

/* pkg:rpm/<vendor>/<name>@<version>-<release>?arch=..&distro=<id>-<version_id>
 * &epoch=<epoch> (purl-spec PURL-TYPES "rpm": the epoch is a qualifier; the
 * vendor os-release's ID, "redhat" for "rhel"). */
static int build_purl(const struct os_info *os, const char *distro, const struct rpm_header *h, const char *vr,
                      char **ret) {
        char epoch[16];

        if (h->has_epoch)
                snprintf(epoch, sizeof(epoch), "%u", h->epoch);
        return purl_build("rpm", osrelease_purl_vendor(os->id), h->name, vr, h->arch, distro,
                          h->has_epoch ? epoch : NULL, ret);
}

static int package_from_header(struct inventory *inv, const char *origin, const char *distro,
                               const struct rpm_header *h) {
        _cleanup_free_ char *vr = join(h->version, "-", h->release);
        const char *ecosystem = inventory_os_ecosystem(inv, "rpm");
        struct package p = {};
        int r;

        if (!vr)
                return -ENOMEM;
        p.name = strdup(h->name);
        p.arch = h->arch ? strdup(h->arch) : NULL;
        p.ecosystem = ecosystem ? strdup(ecosystem) : NULL;
        p.origin_file = strdup(origin);
        r = format_version(h, vr, &p.version);
        if (r >= 0 && (!p.name || (h->arch && !p.arch) || (ecosystem && !p.ecosystem) || !p.origin_file))
                r = -ENOMEM;
        if (r >= 0)
                r = source_of(h, vr, &p);
        if (r >= 0)
                r = build_purl(&inv->os, distro, h, vr, &p.purl);
        if (r < 0) {
                package_done(&p);
                return r;
        }
        return inventory_add(inv, &p);
}

/* gpg-pubkey "packages" are the keys rpm trusts, stored as headers without
 * an ARCH: nothing is installed, nothing to match. */
static bool is_pubkey(const struct rpm_header *h) {
        return strcmp(h->name, "gpg-pubkey") == 0 && !h->arch;
}

/* A FILEDIGESTS string of algo's length in hex into ret: its length, or
 * 0 when it is not one. */
static size_t digest_bytes(const char *hex, uint32_t algo, unsigned char ret[32]) {
        size_t n = algo == INVENTORY_DIGEST_SHA256 ? 32 : algo == INVENTORY_DIGEST_MD5 ? 16 : 0;

        if (n == 0 || strlen(hex) != 2 * n)
                return 0;
        for (size_t i = 0; i < n; i++) {
                int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

                if (hi < 0 || lo < 0)
                        return 0;
                ret[i] = (unsigned char) (hi << 4 | lo);
        }
        return n;
}

/* A file of the package: owned; a Java archive with the digest the header
 * records of it, checked by the walk (inventory_own_digest()), "" meaning
 * no regular file (a symlink).  A digest that can't be read (an algorithm
 * other than MD5 or SHA-256) leaves it owned unchecked. */
struct own_ctx {
        struct inventory *inv;
        uint32_t algo;          /* the header's FILEDIGESTALGO */
};

static int own_one(const char *path, size_t len, const char *digest, void *userdata) {
        const struct own_ctx *o = userdata;
        struct inventory *inv = o->inv;
        uint32_t algo = o->algo;
        unsigned char bytes[32];
        const char *base = strrchr(path, '/');
        int r;

        if (digest && jar_archive_name(base ? base + 1 : path)) {
                if (!*digest)
                        r = inventory_own_digest(inv, path, len, inv->merged_usr, 0, NULL);
                else if (digest_bytes(digest, algo, bytes))
                        r = inventory_own_digest(inv, path, len, inv->merged_usr, (int) algo, bytes);
                else
                        r = inventory_own_installed(inv, path, len, inv->merged_usr);
        } else
                r = inventory_own_installed(inv, path, len, inv->merged_usr);
        return r < 0 ? r : 0;
}

/* The files of a package kept: what the walk then leaves to it, as dpkg's
 * lists do (inventory-owned.c).  A header whose lists don't agree owns
 * nothing, said; past the set's cap, the rest are read as anyone's. */
static int own_files(struct rpm_ctx *c, const struct rpm_header *h) {
        int r;

        if (h->bad_files)
                return inventory_warn(c->inv, "%s: package %s: its file lists don't agree; its files are read as "
                                      "anyone's", c->origin, h->name);
        if (!c->owning)
                return 0;
        /* no FILEDIGESTALGO: MD5, as rpm before 4.6 wrote every digest */
        r = rpm_header_files(h, own_one, &(struct own_ctx) { c->inv, h->digestalgo ?: INVENTORY_DIGEST_MD5 });
        if (r != -E2BIG)
                return r;
        c->owning = false;
        return inventory_warn(c->inv, "%s: more installed files than Portcullis keeps (%d); the rest are read as "
                              "anyone's files", c->origin, INVENTORY_OWNED_MAX);
}

static int on_blob(const void *blob, size_t len, unsigned long record, void *userdata, struct error *err) {
        struct rpm_ctx *c = userdata;
        struct rpm_header h = {};
        char what[PATH_MAX + 64];
        int r;

        c->records++;
        r = rpm_header_parse(blob, len, c->origin, &h, err);
        if (r < 0) {
                /* the record is named only in a message: parsed again for
                 * it (the same bytes give the same error) */
                snprintf(what, sizeof(what), "%s: record %lu", c->origin, record);
                error_clear(err);
                r = rpm_header_parse(blob, len, what, &h, err);
        }
        if (r == -EBADMSG) {
                r = inventory_not_read(c->inv, "%s; skipped", err->msg);
                error_clear(err);
                return r < 0 ? error_set(err, r, "out of memory") : 0;
        }
        if (r < 0)
                return r;
        if (!is_pubkey(&h) && (r = package_from_header(c->inv, c->origin, c->distro, &h)) >= 0)
                r = own_files(c, &h);
        rpm_header_done(&h);
        if (r == -E2BIG)
                return error_set(err, r, "%s: more than %d packages", c->origin, INVENTORY_PACKAGES_MAX);
        if (r < 0)
                return error_set(err, r, "%s: out of memory", c->origin);
        return 0;
}

int rpmdb_parse(void *buf, size_t len, enum rpmdb_format format, const char *origin, struct inventory *inv,
                unsigned long *ret_records, struct error *err) {
        _cleanup_free_ char *distro = purl_distro(&inv->os);
        struct rpm_ctx c = { .inv = inv, .origin = origin, .distro = distro, .owning = true };
        int r;

        if (!distro && inv->os.id && inv->os.version_id)
                return error_set(err, ENOMEM, "%s: out of memory", origin);
        switch (format) {
        case RPMDB_SQLITE:
                r = rpmdb_sqlite_foreach(buf, len, origin, on_blob, &c, err);
                break;
        case RPMDB_NDB:
                r = rpmdb_ndb_foreach(buf, len, origin, on_blob, &c, err);
                break;
        case RPMDB_BDB:
                r = rpmdb_bdb_foreach(buf, len, origin, on_blob, &c, err);
                break;
        default:
                return error_set(err, EINVAL, "%s: unknown rpm database format %d", origin, (int) format);
        }
        if (r >= 0 && ret_records)
                *ret_records = c.records;
        return r;
}

/* rpm keeps rpmdb.sqlite in WAL mode and checkpoints when it closes the
 * database, so images carry an empty -wal.  One that isn't empty holds
 * transactions we don't read: say so. */
static int warn_wal(struct rootfs *r, const char *path, struct inventory *inv) {
        _cleanup_free_ char *wal = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct error ignored = {};
        struct stat st;

        if (asprintf(&wal, "%s-wal", path) < 0)
                return -ENOMEM;
        fd = rootfs_openat(r, wal, O_RDONLY, &ignored);
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
                return 0;
        return inventory_not_read(inv, "/%s has %lld bytes not checkpointed into the database; packages "
                                  "installed since the last checkpoint are not seen", wal, (long long) st.st_size);
}

static int read_one(struct rootfs *r, size_t i, struct inventory *inv, unsigned long *ret_records,
                    struct error *err) {
        _cleanup_free_ char *origin = NULL;
        void *map = NULL;
        char empty[1] = "";
        size_t len = 0;
        int k;

        /* mapped, not read: a copy of a big rpmdb cost a fifth of the
         * inventory (BENCHMARKS.md, "RPM inventory") */
        k = rootfs_map_file(r, rpmdb_paths[i].path, RPMDB_FILE_MAX, &map, &len, err);
        if (k < 0)
                return k;
        (void) inventory_merged_usr(r, inv);    /* for own_one() */
        if (asprintf(&origin, "/%s", rpmdb_paths[i].path) < 0)
                k = error_set(err, ENOMEM, "out of memory");
        else if (rpmdb_paths[i].format == RPMDB_SQLITE && warn_wal(r, rpmdb_paths[i].path, inv) < 0)
                k = error_set(err, ENOMEM, "out of memory");
        else
                k = rpmdb_parse(map ? map : empty, len, rpmdb_paths[i].format, origin, inv, ret_records, err);
        if (map)
                (void) munmap(map, len);
        return k;
}

static int cmp_packages(const void *a, const void *b) {
        const struct package *x = a, *y = b;
        int c = strcmp(x->name, y->name);

        if (c == 0)
                c = strcmp(strempty(x->arch), strempty(y->arch));
        if (c == 0)
                c = strcmp(x->version, y->version);
        return c;
}

/* The first database that has records wins.  An empty one is passed over
 * (an image can carry a fresh rpmdb.sqlite beside the Packages.db in use);
 * a damaged one is an error, never a reason to read another quietly. */
int inventory_rpm(struct rootfs *r, struct inventory *inv, struct error *err) {
        size_t from = inv->n_pkgs;
        const char *empty = NULL;
        unsigned long records = 0;
        int k;

        for (size_t i = 0; i < ELEMENTSOF(rpmdb_paths); i++) {
                k = read_one(r, i, inv, &records, err);
                if (k == -ENOENT) {
                        error_clear(err);
                        continue;
                }
                if (k < 0)
                        return k;
                if (records > 0)
                        break;
                if (!empty)
                        empty = rpmdb_paths[i].path;
        }
        if (empty && records > 0 && inventory_warn(inv, "/%s has no packages; read the next rpm database", empty) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (inv->n_pkgs - from > 1)
                qsort(inv->pkgs + from, inv->n_pkgs - from, sizeof(struct package), cmp_packages);
        return 0;
}

const struct inventory_reader inventory_reader_rpm = {
        .name = "rpm",
        .what = "rpm database",
        .read = inventory_rpm,
};
