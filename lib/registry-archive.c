/* SPDX-License-Identifier: Apache-2.0 */
/* `db export FILE` / `db import FILE`: the artifact of registry.h as an OCI
 * image layout (image-spec image-layout.md) in a tar file, what skopeo
 * calls oci-archive:FILE, so that `skopeo copy oci-archive:FILE
 * docker://...` carries it to a registry and back unchanged:
 *
 *   oci-layout                {"imageLayoutVersion": "1.0.0"}
 *   index.json                one manifest, annotated with its ref name
 *   blobs/sha256/<hex>        the manifest, the config, the layer, the signature
 *
 * The import reads the tar once into a private temporary folder (only
 * those names, regular files, within caps), then installs the artifact
 * exactly as a pull does (registry-pull.c): signature, rollback, digests,
 * quick_check, rename. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive-write-lazy.h"
#include "base/fileio.h"
#include "base/strutil.h"
#include "registry-internal.h"

#define LAYOUT_TEXT "{\"imageLayoutVersion\": \"1.0.0\"}"
#define ARCHIVE_ENTRIES_MAX 64
#define SMALL_FILE_MAX ((size_t) 1 << 20)       /* oci-layout */
#define COPY_CHUNK ((size_t) 1 << 20)

static void archive_read_freep(struct archive **a) {
        if (*a)
                archive_read_free(*a);
}

/* ---- export ------------------------------------------------------------------------ */

/* The tar being written, through the lazily loaded writer. */
struct tar {
        const struct archive_writer *w;
        struct archive *a;
};

static int add_header(struct tar *t, const char *name, uint64_t size, struct error *err) {
        struct archive_entry *e = t->w->entry_new();
        int q = 0;

        if (!e)
                return error_set(err, ENOMEM, "out of memory");
        t->w->entry_set_pathname(e, name);
        t->w->entry_set_size(e, (la_int64_t) size);
        t->w->entry_set_filetype(e, AE_IFREG);
        t->w->entry_set_perm(e, 0644);
        t->w->entry_set_mtime(e, time(NULL), 0);
        if (t->w->write_header(t->a, e) != ARCHIVE_OK)
                q = error_set(err, EIO, "write %s into the archive: %s", name, t->w->error_string(t->a));
        t->w->entry_free(e);
        return q;
}

static int add_mem(struct tar *t, const char *name, const void *buf, size_t len, struct error *err) {
        int q = add_header(t, name, len, err);

        if (q >= 0 && len > 0 && t->w->write_data(t->a, buf, len) != (la_ssize_t) len)
                q = error_set(err, EIO, "write %s into the archive: %s", name, t->w->error_string(t->a));
        return q;
}

static int add_blob_mem(struct tar *t, const void *buf, size_t len, struct error *err) {
        char digest[72], name[96];

        pcdb_digest_of(buf, len, digest);
        snprintf(name, sizeof(name), "blobs/sha256/%s", digest + 7);
        return add_mem(t, name, buf, len, err);
}

static int add_blob_file(struct tar *t, const struct pcdb_artifact *art, struct error *err) {
        _cleanup_close_ int fd = open(art->layer_path, O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *buf = malloc(COPY_CHUNK);
        char name[96];
        ssize_t n;
        int q;

        if (fd < 0 || !buf)
                return error_set_errno(err, fd < 0 ? errno : ENOMEM, "open %s", art->layer_path);
        snprintf(name, sizeof(name), "blobs/sha256/%s", art->layer_digest + 7);
        q = add_header(t, name, art->layer_size, err);
        while (q >= 0 && (n = read(fd, buf, COPY_CHUNK)) != 0) {
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set_errno(err, errno, "read %s", art->layer_path);
                if (t->w->write_data(t->a, buf, (size_t) n) != n)
                        return error_set(err, EIO, "write the layer into the archive: %s", t->w->error_string(t->a));
        }
        return q;
}

static int index_text(const struct pcdb_artifact *art, const char *tag, char **ret, struct error *err) {
        json_t *doc = json_pack("{s:i, s:s, s:[{s:s, s:s, s:I, s:s, s:{s:s}}]}", "schemaVersion", 2, "mediaType",
                                OCI_INDEX_TYPE, "manifests", "mediaType", OCI_MANIFEST_TYPE, "digest",
                                art->manifest_digest, "size", (json_int_t) art->manifest_len, "artifactType",
                                PCDB_ARTIFACT_TYPE, "annotations", "org.opencontainers.image.ref.name", tag);

        *ret = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(doc);
        return *ret ? 0 : error_set(err, ENOMEM, "out of memory");
}

static int write_entries(struct tar *t, int fd, const char *path, const struct pcdb_artifact *art, const char *tag,
                         struct error *err) {
        _cleanup_free_ char *index = NULL;
        int q;

        t->w->set_format_pax_restricted(t->a);
        if (t->w->open_fd(t->a, fd) != ARCHIVE_OK)
                return error_set(err, EIO, "write %s: %s", path, t->w->error_string(t->a));
        q = index_text(art, tag, &index, err);
        if (q >= 0)
                q = add_mem(t, "oci-layout", LAYOUT_TEXT, strlen(LAYOUT_TEXT), err);
        if (q >= 0)
                q = add_mem(t, "index.json", index, strlen(index), err);
        if (q >= 0)
                q = add_blob_mem(t, art->manifest, art->manifest_len, err);
        if (q >= 0)
                q = add_blob_mem(t, art->config, art->config_len, err);
        if (q >= 0)
                q = add_blob_mem(t, art->sig, art->sig_len, err);
        if (q >= 0)
                q = add_blob_file(t, art, err);
        if (q >= 0 && t->w->close(t->a) != ARCHIVE_OK)
                q = error_set(err, EIO, "write %s: %s", path, t->w->error_string(t->a));
        return q;
}

static int write_tar(int fd, const char *path, const struct pcdb_artifact *art, const char *tag,
                     struct error *err) {
        struct tar t = { .w = archive_writer(err) };
        int q;

        if (!t.w)
                return -ELIBACC;
        if (!(t.a = t.w->write_new()))
                return error_set(err, ENOMEM, "out of memory");
        q = write_entries(&t, fd, path, art, tag, err);
        t.w->free(t.a);
        return q;
}

/* The archive is written to a new file beside path and renamed over it.
 * The new file's name is mkstemp()'s (O_CREAT|O_EXCL: an existing name,
 * a planted symlink among them, is never opened), not a guessable one in
 * a folder others may write, and it is written through its descriptor
 * only; as write_file_atomic() (base/fileio.h) does for a buffer. */
static int export_file(const char *path, const struct pcdb_artifact *art, const char *tag, struct error *err) {
        _cleanup_free_ char *tmp = NULL, *dir = NULL;
        _cleanup_close_ int fd = -EBADF;
        int q;

        if ((q = check_replaceable(path, err)) < 0)
                return q;
        if (asprintf(&tmp, "%s.tmp-XXXXXX", path) < 0 || !(dir = strdup(path)))
                return error_set(err, ENOMEM, "out of memory");
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "create %s (beside the archive %s: is its folder there and "
                                       "writable?)", tmp, path);
        q = write_tar(fd, path, art, tag, err);
        if (q >= 0 && (fchmod(fd, 0644) < 0 || fsync(fd) < 0))
                q = error_set_errno(err, errno, "write %s", tmp);
        if (q >= 0 && rename(tmp, path) < 0)
                q = error_set_errno(err, errno, "rename %s to %s", tmp, path);
        if (q < 0) {
                (void) unlink(tmp);
                return q;
        }
        (void) fsync_dir(dirname(dir));
        return 0;
}

int registry_export(const char *path, const struct export_settings *s, struct publish_result *ret,
                    struct error *err) {
        _cleanup_(pcdb_artifact_done) struct pcdb_artifact art = {};
        int q;

        q = pcdb_artifact_build(s->db_path, s->key_path, s->created, s->expires, &art, err);
        if (q >= 0)
                q = export_file(path, &art, s->tag ? s->tag : "latest", err);
        if (q < 0)
                return q;
        *ret = (struct publish_result) { .db_size = art.db_size, .layer_size = art.layer_size };
        snprintf(ret->manifest_digest, sizeof(ret->manifest_digest), "%s", art.manifest_digest);
        snprintf(ret->revision, sizeof(ret->revision), "%s", art.revision);
        return 0;
}

/* ---- import ------------------------------------------------------------------------- */

bool registry_is_archive(const char *path) {
        /* non-blocking: the open of a FIFO no one writes would wait forever */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        char magic[5];
        struct stat st;

        return fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && pread(fd, magic, 5, 257) == 5 &&
               memcmp(magic, "ustar", 5) == 0;
}

/* The names an image layout holds; anything else is left out. */
static const char *wanted(const char *name) {
        static const char hex[] = "0123456789abcdef";

        if (startswith(name, "./"))
                name += 2;
        if (strcmp(name, "oci-layout") == 0 || strcmp(name, "index.json") == 0)
                return name;
        if (!startswith(name, "blobs/sha256/") || strlen(name) != STRLEN("blobs/sha256/") + 64 ||
            strspn(name + STRLEN("blobs/sha256/"), hex) != 64)
                return NULL;
        return name;
}

static int extract_entry(struct archive *a, int dirfd, const char *name, uint64_t max, const char *path,
                         struct error *err) {
        _cleanup_close_ int fd = -EBADF;
        const char *base = strrchr(name, '/');
        char buf[1 << 16];
        uint64_t total = 0;
        la_ssize_t n;

        /* blobs/sha256/<hex> lands as <hex>: one flat private folder */
        fd = openat(dirfd, base ? base + 1 : name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return error_set_errno(err, errno, "%s: %s (twice in the archive?)", path, name);
        while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
                total += (uint64_t) n;
                if (total > max)
                        return error_set(err, EFBIG, "%s: %s is larger than the limit of %llu bytes "
                                         "('update.max_layer_mib' in config.json)", path, name,
                                         (unsigned long long) max);
                if (write(fd, buf, (size_t) n) != n)
                        return error_set_errno(err, errno, "%s: extract %s", path, name);
        }
        if (n < 0)
                return error_set(err, EBADMSG, "%s: %s is damaged (%s); is the file truncated?", path, name,
                                 archive_error_string(a));
        return 0;
}

static int extract(const char *path, const char *dir, uint64_t max, struct error *err) {
        _cleanup_(archive_read_freep) struct archive *a = archive_read_new();
        _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct archive_entry *e;
        unsigned entries = 0;
        int rc, q = 0;

        if (!a || dirfd < 0)
                return error_set(err, ENOMEM, "out of memory");
        archive_read_support_format_tar(a);
        if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK)
                return error_set(err, EBADMSG, "%s is not a readable tar archive (%s)", path, archive_error_string(a));
        while (q >= 0 && (rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
                const char *name = wanted(strempty(archive_entry_pathname(e)));

                if (++entries > ARCHIVE_ENTRIES_MAX)
                        return error_set(err, E2BIG, "%s has more than %d entries; not an OCI archive of the DB", path,
                                         ARCHIVE_ENTRIES_MAX);
                if (name && archive_entry_filetype(e) == AE_IFREG)
                        q = extract_entry(a, dirfd, name, max, path, err);
        }
        if (q >= 0 && rc != ARCHIVE_EOF)
                q = error_set(err, EBADMSG, "%s is damaged (%s); is the file truncated?", path, archive_error_string(a));
        return q;
}

struct dir_ctx {
        const char *dir;
        const char *path;
};

/* A blob out of the extracted folder, through the same sink as a download. */
static int dir_blob(void *ctx, const struct oci_descriptor *d, struct reg_sink *k, struct error *err) {
        const struct dir_ctx *c = ctx;
        _cleanup_free_ char *p = NULL, *buf = malloc(COPY_CHUNK);
        _cleanup_close_ int fd = -EBADF;
        ssize_t n;

        if (!buf || asprintf(&p, "%s/%s", c->dir, d->digest + 7) < 0)
                return error_set(err, ENOMEM, "out of memory");
        fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return error_set(err, ENOENT, "%s: no blobs/sha256/%s (%s) in the archive", c->path, d->digest + 7,
                                 d->media_type);
        reg_sink_reset(k);
        while ((n = read(fd, buf, COPY_CHUNK)) != 0) {
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set_errno(err, errno, "read %s", p);
                if (!reg_sink_feed(k, buf, (size_t) n))
                        return k->too_big ? -E2BIG : error_set(err, EIO, "%s: store %s", c->path, d->digest);
        }
        return 0;
}

static int read_small(const char *dir, const char *name, size_t max, const char *path, char **ret, size_t *len,
                      struct error *err) {
        _cleanup_free_ char *p = NULL;

        if (asprintf(&p, "%s/%s", dir, name) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (access(p, F_OK) < 0)
                return error_set(err, ENOENT, "%s has no %s: not an OCI image layout ('portcullis db export' or "
                                 "'skopeo copy ... oci-archive:FILE' write one)", path, name);
        return read_full_file(p, max, ret, len, err);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st;
        (void) flag;
        (void) ftw;
        return remove(p) < 0 && errno != ENOENT ? -1 : 0;
}

static int import_dir(const char *path, const char *dir, const struct registry_pull_settings *s,
                      update_report_fn report, void *userdata, struct pcdb_install_result *ret, struct error *err) {
        _cleanup_free_ char *layout = NULL, *index = NULL, *manifest = NULL, *source = NULL, *index_where = NULL;
        struct dir_ctx ctx = { .dir = dir, .path = path };
        struct oci_descriptor d = {};
        struct reg_sink k = { .max = OCI_MANIFEST_MAX, .mem = { .max = OCI_MANIFEST_MAX + 1 } };
        size_t n = 0;
        char got[72];
        int q;

        if (asprintf(&source, "oci-archive:%s", path) < 0 || asprintf(&index_where, "%s: index.json", path) < 0)
                return error_set(err, ENOMEM, "out of memory");
        q = read_small(dir, "oci-layout", SMALL_FILE_MAX, path, &layout, &n, err);
        if (q >= 0)
                q = read_small(dir, "index.json", OCI_MANIFEST_MAX, path, &index, &n, err);
        if (q >= 0)
                q = oci_index_parse(index, n, index_where, &d, err);
        if (q >= 0) {
                k.max = d.size;         /* read no more than one byte past it */
                q = dir_blob(&ctx, &d, &k, err);
                if (q == -E2BIG || (q >= 0 && k.len != d.size))
                        q = error_set(err, EBADMSG, "%s: the manifest is %s%llu bytes, not %llu as index.json's "
                                      "\"manifests[0].size\" says: refused", path, q == -E2BIG ? "more than " : "",
                                      (unsigned long long) (q == -E2BIG ? d.size : k.len),
                                      (unsigned long long) d.size);
        }
        if (q >= 0) {
                pcdb_digest_of(k.mem.s ? k.mem.s : "", k.mem.len, got);
                if (strcmp(got, d.digest) != 0)
                        q = error_set(err, EBADMSG, "%s: the manifest's bytes have the digest %s, not %s: refused",
                                      path, got, d.digest);
        }
        if (q >= 0) {
                struct pcdb_install in = { .db_path = s->db_path, .state_dir = s->state_dir,
                                           .allow_shrink = s->allow_shrink,
                                           .public_key = s->public_key, .max_layer = s->max_layer, .source = source,
                                           .report = report, .userdata = userdata, .blob = dir_blob, .ctx = &ctx };

                q = pcdb_install_run(&in, k.mem.s ? k.mem.s : "", k.mem.len, d.digest, ret, err);
        }
        oci_descriptor_done(&d);
        strbuf_done(&k.mem);
        return q;
}

/* The lock `db update` takes (update.c): an import and an update never
 * write the DB and oci.json at the same time. */
static int lock_state(const char *state_dir, int *ret_fd, struct error *err) {
        _cleanup_free_ char *p = NULL;
        int fd;

        if (asprintf(&p, "%s/lock", state_dir) < 0)
                return error_set(err, ENOMEM, "out of memory");
        fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return error_set_errno(err, errno, "open %s", p);
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                close(fd);
                return error_set(err, EBUSY, "an update is running (it holds %s); try again later", p);
        }
        *ret_fd = fd;
        return 0;
}

int registry_import(const char *path, const struct registry_pull_settings *s, update_report_fn report,
                    void *userdata, struct pcdb_install_result *ret, struct error *err) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int lock = -EBADF;
        const char *tmp = getenv("TMPDIR");
        struct pcdb_install_result res = {};
        int q;

        if (mkdir(s->state_dir, 0755) < 0 && errno != EEXIST)
                return error_set_errno(err, errno, "create the state folder %s ('update.state_dir' in config.json)",
                                       s->state_dir);
        q = lock_state(s->state_dir, &lock, err);
        if (q < 0)
                return q;
        if (asprintf(&dir, "%s/portcullis-import-XXXXXX", tmp && *tmp ? tmp : "/var/tmp") < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (!mkdtemp(dir))
                return error_set_errno(err, errno, "create a folder for %s", path);
        q = extract(path, dir, s->max_layer, err);
        if (q >= 0)
                q = import_dir(path, dir, s, report, userdata, &res, err);
        (void) nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        if (q < 0 && !res.changed)
                return q;
        snprintf(res.source, sizeof(res.source), "%s", path);
        *ret = res;     /* replaced, its state not saved too: the caller re-judges */
        return q < 0 ? q : 0;
}
