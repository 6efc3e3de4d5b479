/* SPDX-License-Identifier: Apache-2.0 */
/* `portcullis db publish`: builds the artifact of registry.h from the DB
 * (a zstd layer, the config, its signature, the manifest) and pushes it. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "portcullis-build.h"
#include "registry-internal.h"
#include "update-internal.h"
#include "vulndb.h"

#define ZSTD_LEVEL 9                    /* a 9th of the DB's size at a few seconds per 100 MiB */
#define READ_CHUNK ((size_t) 1 << 20)

static void md_freep(EVP_MD_CTX **p) {
        EVP_MD_CTX_free(*p);
}

static void pkey_freep(EVP_PKEY **p) {
        EVP_PKEY_free(*p);
}

static void cctx_freep(ZSTD_CCtx **p) {
        ZSTD_freeCCtx(*p);
}

void pcdb_digest_of(const void *buf, size_t len, char ret[72]) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned n = 0;

        strcpy(ret, "sha256:");
        if (!EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL) || n != 32)
                ret[0] = '\0';
        else
                update_hex(md, n, ret + 7);
}

void pcdb_artifact_done(struct pcdb_artifact *a) {
        if (a->layer_path)
                (void) unlink(a->layer_path);
        free(a->layer_path);
        free(a->config);
        free(a->sig);
        free(a->manifest);
        *a = (struct pcdb_artifact) {};
}

/* Feeds in (end: the last call) through the compressor into out_fd,
 * digesting the output. */
static int zstd_feed(ZSTD_CCtx *z, const void *buf, size_t n, bool end, int out_fd, EVP_MD_CTX *md, uint64_t *out_len) {
        static char out[1 << 17];
        ZSTD_inBuffer in = { buf, n, 0 };
        size_t left;

        do {
                ZSTD_outBuffer o = { out, sizeof(out), 0 };

                left = ZSTD_compressStream2(z, &o, &in, end ? ZSTD_e_end : ZSTD_e_continue);
                if (ZSTD_isError(left))
                        return -EIO;
                if (write_all(out_fd, out, o.pos) < 0)
                        return -errno;
                EVP_DigestUpdate(md, out, o.pos);
                *out_len += o.pos;
        } while (end ? left > 0 : in.pos < in.size);
        return 0;
}

/* Reads the DB from db_fd, compressing it into a temporary file. */
static int compress_db(int db_fd, const char *db_path, struct pcdb_artifact *a, struct error *err) {
        _cleanup_(md_freep) EVP_MD_CTX *raw = EVP_MD_CTX_new(), *zmd = EVP_MD_CTX_new();
        _cleanup_(cctx_freep) ZSTD_CCtx *z = ZSTD_createCCtx();
        _cleanup_free_ char *buf = malloc(READ_CHUNK);
        _cleanup_close_ int out = -EBADF;
        const char *tmp = getenv("TMPDIR");
        ssize_t n;
        int q = 0;

        if (!raw || !zmd || !z || !buf || !EVP_DigestInit_ex(raw, EVP_sha256(), NULL) ||
            !EVP_DigestInit_ex(zmd, EVP_sha256(), NULL) || asprintf(&a->layer_path, "%s/portcullis-publish-XXXXXX",
                                                                     tmp && *tmp ? tmp : "/var/tmp") < 0)
                return error_set(err, ENOMEM, "out of memory");
        out = mkstemp(a->layer_path);
        if (out < 0) {
                q = error_set_errno(err, errno, "create %s", a->layer_path);
                free(a->layer_path);
                a->layer_path = NULL;
                return q;
        }
        ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, ZSTD_LEVEL);
        ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1);
        while (q >= 0 && (n = read(db_fd, buf, READ_CHUNK)) != 0) {
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set_errno(err, errno, "read %s", db_path);
                EVP_DigestUpdate(raw, buf, (size_t) n);
                a->db_size += (uint64_t) n;
                q = zstd_feed(z, buf, (size_t) n, false, out, zmd, &a->layer_size);
        }
        if (q >= 0)
                q = zstd_feed(z, NULL, 0, true, out, zmd, &a->layer_size);
        if (q < 0)
                return error_set_errno(err, q, "compress %s into %s", db_path, a->layer_path);
        if (pcdb_md_final(raw, a->db_digest) < 0 || pcdb_md_final(zmd, a->layer_digest) < 0)
                return error_set(err, EIO, "sha256 failed");
        return 0;
}

static json_t *ecosystems_json(const struct vulndb_status *st) {
        json_t *o = json_object();

        for (size_t i = 0; o && i < st->n_ecosystems; i++)
                json_object_set_new(o, st->ecosystems[i].name, json_integer((json_int_t) st->ecosystems[i].records));
        return o;
}

static int make_config(const struct vulndb_status *st, const struct pcdb_artifact *a, int64_t created,
                       int64_t expires, char **ret, struct error *err) {
        char c[32], e[32];
        json_t *doc;

        update_format_time(created, c);
        update_format_time(expires, e);
        doc = json_pack("{s:s, s:s, s:s, s:i, s:s?, s:s?, s:I, s:I, s:I, s:o, s:{s:s, s:I}, s:{s:s, s:s, s:I}, s:s}",
                        "created", c, "expires", e, "revision", st->revision, "schema_version", st->schema_version,
                        "import_time", st->import_time, "data_time", st->data_time, "records",
                        (json_int_t) st->records, "affected", (json_int_t) st->affected, "cve_severities",
                        (json_int_t) st->cve_severities, "ecosystems", ecosystems_json(st), "database", "digest",
                        a->db_digest, "size", (json_int_t) a->db_size, "layer", "mediaType", PCDB_LAYER_TYPE,
                        "digest", a->layer_digest, "size", (json_int_t) a->layer_size, "builder",
                        "portcullis " PORTCULLIS_VERSION);
        *ret = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(doc);
        return *ret ? 0 : error_set(err, ENOMEM, "out of memory");
}

static int make_manifest(struct pcdb_artifact *a, const char *created, struct error *err) {
        char cdig[72], sdig[72];
        json_t *doc;

        pcdb_digest_of(a->config, a->config_len, cdig);
        pcdb_digest_of(a->sig, a->sig_len, sdig);
        doc = json_pack("{s:i, s:s, s:s, s:{s:s, s:s, s:I}, s:[{s:s, s:s, s:I, s:{s:s}}, {s:s, s:s, s:I}], "
                        "s:{s:s, s:s}}",
                        "schemaVersion", 2, "mediaType", OCI_MANIFEST_TYPE, "artifactType", PCDB_ARTIFACT_TYPE,
                        "config", "mediaType", PCDB_CONFIG_TYPE, "digest", cdig, "size", (json_int_t) a->config_len,
                        "layers", "mediaType", PCDB_LAYER_TYPE, "digest", a->layer_digest, "size",
                        (json_int_t) a->layer_size, "annotations", "org.opencontainers.image.title",
                        "vulndb.sqlite.zst", "mediaType", PCDB_SIG_TYPE, "digest", sdig, "size",
                        (json_int_t) a->sig_len, "annotations", "org.opencontainers.image.created", created,
                        "dev.portcullis.db.revision", a->revision);
        a->manifest = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(doc);
        if (!a->manifest)
                return error_set(err, ENOMEM, "out of memory");
        a->manifest_len = strlen(a->manifest);
        pcdb_digest_of(a->manifest, a->manifest_len, a->manifest_digest);
        return 0;
}

static int times_of(const char *created, const char *expires, int64_t *ret_c, int64_t *ret_e, struct error *err) {
        struct osv_time c = { .s = (int64_t) time(NULL) }, e;

        if (created && update_parse_time(created, strlen(created), &c) < 0)
                return error_set(err, EINVAL, "--created '%s' is not an RFC 3339 time (2027-01-01T00:00:00Z)", created);
        if (!expires)
                e.s = c.s + PCDB_EXPIRES_DEFAULT_S;
        else if (update_parse_time(expires, strlen(expires), &e) < 0)
                return error_set(err, EINVAL, "--expires '%s' is not an RFC 3339 time (2027-01-01T00:00:00Z)", expires);
        if (e.s <= c.s)
                return error_set(err, EINVAL, "--expires is not after the build time: nodes would refuse the artifact "
                                 "as expired");
        *ret_c = c.s;
        *ret_e = e.s;
        return 0;
}

/* The DB's status from the very file that is compressed: a DB renamed
 * over it meanwhile does not mix in. */
static int status_of_fd(int fd, const char *db_path, struct vulndb_status *ret, struct error *err) {
        _cleanup_(vulndb_closep) struct vulndb *db = NULL;
        char path[64];
        int q;

        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        q = vulndb_open(path, &db, err);
        if (q >= 0)
                q = vulndb_get_status(db, ret, err);
        if (q >= 0 && !ret->revision)
                q = error_set(err, EBADMSG, "the database has no revision");
        return q < 0 ? error_wrap(err, "%s", db_path) : 0;
}

int pcdb_artifact_build(const char *db_path, const char *key_path, const char *created, const char *expires,
                        struct pcdb_artifact *ret, struct error *err) {
        _cleanup_(pkey_freep) EVP_PKEY *key = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct pcdb_artifact a = {};
        struct vulndb_status st = {};
        int64_t c = 0, e = 0;
        char cs[32];
        int q;

        q = times_of(created, expires, &c, &e, err);
        if (q >= 0)
                q = update_load_private_key(key_path, &key, err);
        if (q < 0)
                return q;
        fd = open(db_path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "open the database %s", db_path);
        q = status_of_fd(fd, db_path, &st, err);
        if (q >= 0)
                q = compress_db(fd, db_path, &a, err);
        if (q >= 0)
                q = make_config(&st, &a, c, e, &a.config, err);
        if (q >= 0) {
                a.config_len = strlen(a.config);
                snprintf(a.revision, sizeof(a.revision), "%s", st.revision);
                q = update_sign_buf(key, a.config, a.config_len, &a.sig, &a.sig_len, err);
        }
        update_format_time(c, cs);
        if (q >= 0)
                q = make_manifest(&a, cs, err);
        vulndb_status_done(&st);
        if (q < 0) {
                pcdb_artifact_done(&a);
                return q;
        }
        *ret = a;
        return 0;
}

/* ---- the push -------------------------------------------------------------------- */

/* A Location is absolute or relative to the registry (spec: "the
 * Location header ... MAY be relative"). */
static int resolve(struct reg_client *c, const char *loc, const char *what, char **ret, struct error *err) {
        if (!loc)
                return error_set(err, EPROTO, "%s: the registry's answer has no Location", what);
        if (startswith(loc, "https://"))
                *ret = strdup(loc);
        else if (loc[0] == '/' && loc[1] != '/') {
                if (asprintf(ret, "https://%s%s", c->ref.host, loc) < 0)
                        *ret = NULL;
        } else
                return error_set(err, EPROTO, "%s: the Location '%.200s' is neither https:// nor a path", what, loc);
        return *ret ? 0 : error_set(err, ENOMEM, "out of memory");
}

/* A blob's bytes: from a file (fd) or from memory. */
struct blob_src {
        int fd;
        const char *mem;
        uint64_t size;
        char digest[72];
};

static int read_at(const struct blob_src *b, char *buf, uint64_t off, size_t n, struct error *err) {
        if (b->fd < 0) {
                memcpy(buf, b->mem + off, n);
                return 0;
        }
        for (size_t got = 0; got < n;) {
                ssize_t r = pread(b->fd, buf + got, n - got, (off_t) (off + got));

                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        return error_set_errno(err, r < 0 ? errno : EIO, "read the layer");
                got += (size_t) r;
        }
        return 0;
}

static int blob_exists(struct reg_client *c, const char *digest, bool *ret, struct error *err) {
        struct reg_sink k = { .max = 0 };
        _cleanup_(reg_resp_done) struct reg_resp resp = {};
        _cleanup_free_ char *url = NULL;
        struct reg_req rq = { .method = "HEAD" };
        int q;

        if (asprintf(&url, "%s/blobs/%s", c->base, digest) < 0)
                return error_set(err, ENOMEM, "out of memory");
        rq.url = url;
        q = reg_request(c, &rq, &k, &resp, err);
        if (q < 0)
                return q;
        if (resp.status != 200 && resp.status != 404)
                return reg_status_error(&rq, &resp, &k, err);
        *ret = resp.status == 200;
        return 0;
}

/* PATCH the chunks of b to the upload session at *loc (replaced by each
 * answer's Location). */
static int upload_chunks(struct reg_client *c, const struct blob_src *b, char **loc, struct error *err) {
        _cleanup_free_ char *buf = malloc(CHUNK_SIZE);
        uint64_t off = 0;
        int q = 0;

        if (!buf)
                return error_set(err, ENOMEM, "out of memory");
        while (q >= 0 && off < b->size) {
                size_t n = b->size - off < CHUNK_SIZE ? (size_t) (b->size - off) : CHUNK_SIZE;
                struct reg_sink k = { .max = ERROR_BODY_MAX, .mem = { .max = ERROR_BODY_MAX + 1 } };
                struct reg_resp resp = {};
                char range[64];
                struct reg_req rq = { .method = "PATCH", .url = *loc, .content_type = "application/octet-stream",
                                      .range = range, .body = buf, .body_len = n };

                snprintf(range, sizeof(range), "%llu-%llu", (unsigned long long) off,
                         (unsigned long long) (off + n - 1));
                q = read_at(b, buf, off, n, err);
                if (q >= 0)
                        q = reg_request(c, &rq, &k, &resp, err);
                if (q >= 0 && resp.status != 202)
                        q = reg_status_error(&rq, &resp, &k, err);
                if (q >= 0) {
                        char *next = NULL;

                        q = resolve(c, resp.location, rq.url, &next, err);
                        if (q >= 0) {
                                free(*loc);
                                *loc = next;
                        }
                }
                off += n;
                reg_resp_done(&resp);
                strbuf_done(&k.mem);
        }
        return q;
}

static int upload_blob(struct reg_client *c, const struct blob_src *b, bool *ret_uploaded, struct error *err) {
        struct reg_sink k = { .max = ERROR_BODY_MAX, .mem = { .max = ERROR_BODY_MAX + 1 } };
        _cleanup_(reg_resp_done) struct reg_resp resp = {}, done = {};
        _cleanup_free_ char *url = NULL, *loc = NULL, *put = NULL;
        struct reg_req rq = { .method = "POST" };
        bool there = false;
        int q;

        q = blob_exists(c, b->digest, &there, err);
        if (q < 0 || there) {
                *ret_uploaded = false;
                return q;
        }
        if (asprintf(&url, "%s/blobs/uploads/", c->base) < 0)
                return error_set(err, ENOMEM, "out of memory");
        rq.url = url;
        q = reg_request(c, &rq, &k, &resp, err);
        if (q >= 0 && resp.status != 202)
                q = reg_status_error(&rq, &resp, &k, err);
        if (q >= 0)
                q = resolve(c, resp.location, url, &loc, err);
        if (q >= 0)
                q = upload_chunks(c, b, &loc, err);
        if (q >= 0 && asprintf(&put, "%s%sdigest=%s", loc, strchr(loc, '?') ? "&" : "?", b->digest) < 0)
                q = error_set(err, ENOMEM, "out of memory");
        if (q >= 0) {
                rq = (struct reg_req) { .method = "PUT", .url = put, .content_type = "application/octet-stream" };
                q = reg_request(c, &rq, &k, &done, err);
        }
        if (q >= 0 && done.status != 201)
                q = reg_status_error(&rq, &done, &k, err);
        strbuf_done(&k.mem);
        if (q < 0)
                return error_wrap(err, "upload the blob %s", b->digest);
        *ret_uploaded = true;
        return 0;
}

static int put_manifest(struct reg_client *c, const struct pcdb_artifact *a, struct error *err) {
        struct reg_sink k = { .max = ERROR_BODY_MAX, .mem = { .max = ERROR_BODY_MAX + 1 } };
        _cleanup_(reg_resp_done) struct reg_resp resp = {};
        _cleanup_free_ char *url = NULL;
        struct reg_req rq = { .method = "PUT", .content_type = OCI_MANIFEST_TYPE, .body = a->manifest,
                              .body_len = a->manifest_len };
        int q;

        if (asprintf(&url, "%s/manifests/%s", c->base, c->ref.tag ? c->ref.tag : c->ref.digest) < 0)
                return error_set(err, ENOMEM, "out of memory");
        rq.url = url;
        q = reg_request(c, &rq, &k, &resp, err);
        if (q >= 0 && resp.status != 201)
                q = reg_status_error(&rq, &resp, &k, err);
        if (q >= 0 && resp.digest && strcmp(resp.digest, a->manifest_digest) != 0)
                q = error_set(err, EPROTO, "PUT %s: the registry stored the manifest as %s, not %s (it rewrote it?)",
                              url, resp.digest, a->manifest_digest);
        strbuf_done(&k.mem);
        return q;
}

int registry_publish(const char *ref, const struct publish_settings *s, struct publish_result *ret,
                     struct error *err) {
        _cleanup_(reg_client_done) struct reg_client c = {};
        _cleanup_(pcdb_artifact_done) struct pcdb_artifact a = {};
        _cleanup_close_ int fd = -EBADF;
        struct publish_result res = {};
        struct blob_src blobs[3];
        int q;

        q = reg_client_init(&c, ref, &s->reg, err);
        if (q >= 0)
                q = pcdb_artifact_build(s->db_path, s->key_path, s->created, s->expires, &a, err);
        if (q < 0)
                return q;
        fd = open(a.layer_path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "open %s", a.layer_path);
        blobs[0] = (struct blob_src) { .fd = fd, .size = a.layer_size };
        snprintf(blobs[0].digest, sizeof(blobs[0].digest), "%s", a.layer_digest);
        blobs[1] = (struct blob_src) { .fd = -EBADF, .mem = a.config, .size = a.config_len };
        pcdb_digest_of(a.config, a.config_len, blobs[1].digest);
        blobs[2] = (struct blob_src) { .fd = -EBADF, .mem = (const char *) a.sig, .size = a.sig_len };
        pcdb_digest_of(a.sig, a.sig_len, blobs[2].digest);
        for (size_t i = 0; q >= 0 && i < ELEMENTSOF(blobs); i++) {
                bool up = false;

                q = upload_blob(&c, &blobs[i], &up, err);
                *(up ? &res.blobs_uploaded : &res.blobs_present) += 1;
        }
        if (q >= 0)
                q = put_manifest(&c, &a, err);
        if (q < 0)
                return error_wrap(err, "publish %s to %s", s->db_path, ref);
        snprintf(res.manifest_digest, sizeof(res.manifest_digest), "%s", a.manifest_digest);
        snprintf(res.revision, sizeof(res.revision), "%s", a.revision);
        res.db_size = a.db_size;
        res.layer_size = a.layer_size;
        if (ret)
                *ret = res;
        return 0;
}
