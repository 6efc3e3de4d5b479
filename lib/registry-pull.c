/* SPDX-License-Identifier: Apache-2.0 */
/* oci:// sources of `db update` (registry.h), and the install step that
 * `db import` of an OCI archive shares: the manifest, then the config and
 * its signature, the rollback check, the layer streamed through the
 * decompressor into a temporary file beside the DB with both digests
 * checked, quick_check, and one rename.  The state (<state_dir>/oci.json)
 * is written after the rename; a run killed at any point leaves the
 * previous DB serving (a stray "<db>.new-XXXXXX" is removed by the next
 * run, update.c). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "ecosystem.h"
#include "registry-internal.h"
#include "update-internal.h"
#include "vulndb.h"

#define OCI_STATE_FILE "oci.json"
#define OCI_STATE_MAX ((size_t) 1 << 20)

static void md_freep(EVP_MD_CTX **p) {
        EVP_MD_CTX_free(*p);
}

static void dctx_freep(ZSTD_DCtx **p) {
        ZSTD_freeDCtx(*p);
}

static _printf_(3, 4) void say(const struct pcdb_install *in, enum update_event_type type, const char *fmt, ...) {
        char msg[1024];
        va_list ap;

        if (!in->report)
                return;
        va_start(ap, fmt);
        (void) vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        in->report(&(struct update_event) { .type = type, .message = msg }, in->userdata);
}

static int load_public_key(const char *path, EVP_PKEY **ret, struct error *err) {
        if (!path)
                return error_set(err, EINVAL, "an OCI artifact is only installed with its signature checked: set "
                                 "'update.public_key' in config.json to the PEM public key of the key 'portcullis db "
                                 "publish --key' signs with");
        return update_load_public_key(path, ret, err);
}

/* ---- state ------------------------------------------------------------------------ */

static int state_path(const char *state_dir, char **ret) {
        return asprintf(ret, "%s/" OCI_STATE_FILE, state_dir) < 0 ? -ENOMEM : 0;
}

/* The state of the last install, or an empty object. */
static json_t *state_load(const char *state_dir) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        struct error ignored = {};
        size_t len = 0;
        json_t *s = NULL;

        if (state_path(state_dir, &path) == 0 && read_full_file(path, OCI_STATE_MAX, &buf, &len, &ignored) == 0)
                s = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(s)) {
                json_decref(s);
                s = json_object();
        }
        return s;
}

static const char *state_str(json_t *s, const char *key) {
        return json_string_value(json_object_get(s, key));
}

static int state_write(const struct pcdb_install *in, const struct pcdb_config *c, const char *manifest_digest,
                       struct error *err) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        char created[32], expires[32], now[32];
        json_t *s;

        update_format_time(c->created, created);
        update_format_time(c->expires, expires);
        update_format_time((int64_t) time(NULL), now);
        s = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "version", 1, "source", in->source,
                      "manifest_digest", manifest_digest, "revision", c->revision, "created", created, "expires",
                      expires, "installed", now, "db", in->db_path);
        if (!s || state_path(in->state_dir, &path) < 0 || !(text = json_dumps(s, JSON_INDENT(2) | JSON_SORT_KEYS))) {
                json_decref(s);
                return error_set(err, ENOMEM, "out of memory");
        }
        json_decref(s);
        return write_file_atomic(path, text, strlen(text), err);
}

void registry_state_note_failure(const char *state_dir, const char *msg) {
        _cleanup_(json_decrefp) json_t *st = state_load(state_dir);
        _cleanup_free_ char *path = NULL, *text = NULL;
        struct error ignored = {};
        char now[32];

        if (!msg && !json_object_get(st, "last_error"))
                return;         /* nothing to clear */
        update_format_time((int64_t) time(NULL), now);
        if (!st && !(st = json_pack("{s:i}", "version", 1)))
                return;
        if (msg) {
                if (json_object_set_new(st, "last_run", json_string(now)) < 0 ||
                    json_object_set_new(st, "last_error", json_string(msg)) < 0)
                        return;
        } else {
                (void) json_object_del(st, "last_run");
                (void) json_object_del(st, "last_error");
        }
        if (state_path(state_dir, &path) < 0 || !(text = json_dumps(st, JSON_INDENT(2) | JSON_SORT_KEYS)))
                return;
        (void) write_file_atomic(path, text, strlen(text), &ignored);
}

static int dup_state_str(json_t *s, const char *key, char **ret) {
        const char *v = state_str(s, key);

        *ret = v ? strdup(v) : NULL;
        return v && !*ret ? -ENOMEM : 0;
}

int registry_state_read(const char *state_dir, struct registry_state_info *ret, struct error *err) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        _cleanup_(json_decrefp) json_t *st = NULL;
        struct registry_state_info s = {};
        struct error rerr = {};
        json_error_t jerr;
        size_t len = 0;
        int q;

        if (state_path(state_dir, &path) < 0)
                return error_set(err, ENOMEM, "out of memory");
        q = read_full_file(path, OCI_STATE_MAX, &buf, &len, &rerr);
        if (q == -ENOENT)
                return q;
        if (q < 0) {
                *err = rerr;
                return q;
        }
        st = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(st))
                return error_set(err, EBADMSG, "%s: not a JSON object (%s, line %d); the next OCI pull rewrites it",
                                 path, st ? "another type" : jerr.text, jerr.line);
        if (dup_state_str(st, "source", &s.source) < 0 || dup_state_str(st, "manifest_digest", &s.manifest_digest) < 0 ||
            dup_state_str(st, "revision", &s.revision) < 0 || dup_state_str(st, "created", &s.created) < 0 ||
            dup_state_str(st, "expires", &s.expires) < 0 || dup_state_str(st, "installed", &s.installed) < 0 ||
            dup_state_str(st, "db", &s.db) < 0 || dup_state_str(st, "last_run", &s.last_run) < 0 ||
            dup_state_str(st, "last_error", &s.last_error) < 0) {
                registry_state_info_done(&s);
                return error_set(err, ENOMEM, "out of memory");
        }
        *ret = s;
        return 0;
}

void registry_state_info_done(struct registry_state_info *s) {
        if (!s)
                return;
        free(s->source);
        free(s->manifest_digest);
        free(s->revision);
        free(s->created);
        free(s->expires);
        free(s->installed);
        free(s->db);
        free(s->last_run);
        free(s->last_error);
        *s = (struct registry_state_info) {};
}

/* ---- checks --------------------------------------------------------------------------- */

/* The revision of the DB at path, and its signed data time (ret_data_time
 * may be NULL); NULL when there is none, and then err says why when the
 * file can't be read (not when it is missing or has no revision). */
static char *db_revision_of(const char *path, char **ret_data_time, struct error *err) {
        _cleanup_(vulndb_closep) struct vulndb *db = NULL;

        if (ret_data_time)
                *ret_data_time = NULL;
        if (vulndb_open(path, &db, err) < 0) {
                if (err && err->code == -ENOENT)
                        error_clear(err);
                return NULL;
        }
        if (!vulndb_revision(db))
                return NULL;
        if (ret_data_time && vulndb_data_time(db))
                *ret_data_time = strdup(vulndb_data_time(db));
        return strdup(vulndb_revision(db));
}

/* Never older data than the database holds, whichever way it came (a
 * signed mirror over http(s) may have brought newer data since this
 * artifact was installed): the artifact's data time (its build time when
 * it names none) against the installed database's. */
static int data_check(const struct pcdb_config *c, const char *installed, const char *where, struct error *err) {
        struct osv_time have, ours;
        char built[32];

        if (!installed || update_parse_time(installed, strlen(installed), &have) < 0)
                return 0;
        if (c->data_time && update_parse_time(c->data_time, strlen(c->data_time), &ours) >= 0) {
                if (ours.s > have.s)
                        return 0;
        } else if (c->created > have.s)
                return 0;
        update_format_time(c->created, built);
        return error_set(err, ESTALE, "%s: its data (of %s) is not newer than the installed database's, another "
                         "revision (signed data of %s); refusing to roll the database back", where,
                         c->data_time ? c->data_time : built, installed);
}

/* Never back to an older build: the config's "created" against the one
 * installed last.  1: the very artifact installed already. */
static int rollback_check(const struct pcdb_install *in, json_t *st, const struct pcdb_config *c,
                          const char *where, struct error *err) {
        const char *last = state_str(st, "created"), *rev = state_str(st, "revision");
        struct osv_time t;
        char built[32];

        if (!last || update_parse_time(last, strlen(last), &t) < 0 || c->created > t.s)
                return 0;
        if (c->created == t.s && streq_ptr(rev, c->revision))
                return 1;
        update_format_time(c->created, built);
        return error_set(err, ESTALE, "%s: built at %s (\"created\"), %s the DB installed last (%s, revision %s, "
                         "%s/" OCI_STATE_FILE "); refusing to roll the database back. If the artifact was rebuilt on "
                         "purpose, publish it again (a new build time)", where, built,
                         c->created == t.s ? "the same time as, but another revision than" : "older than", last,
                         strna(rev), in->state_dir);
}

static int fresh_check(const struct pcdb_config *c, const char *where, struct error *err) {
        char exp[32];

        if (c->expires > (int64_t) time(NULL))
                return 0;
        update_format_time(c->expires, exp);
        return error_set(err, EKEYEXPIRED, "%s: the artifact expired at %s (\"expires\"): the registry serves a stale "
                         "or frozen DB; make sure the publishing job still runs ('portcullis db publish')", where, exp);
}

/* The records of ecosystem (an OSV name, as the installed database counts
 * it) the artifact's config counts, under any spelling of that name. */
static uint64_t config_records_of(const struct pcdb_config *c, const char *ecosystem) {
        _cleanup_free_ char *want = ecosystem_canonical(ecosystem);
        uint64_t n = 0;
        const char *name;
        json_t *v;

        json_object_foreach(c->ecosystems, name, v) {
                _cleanup_free_ char *have = ecosystem_canonical(name);

                if (want && have && strcmp(want, have) == 0)
                        n += (uint64_t) json_integer_value(v);
        }
        return n;
}

/* Not a much smaller DB (another ecosystem's, a test one signed with the
 * same key): as an import over http(s) (vulndb-import.c), fewer than half
 * the installed database's records, in total or of an ecosystem it holds
 * (when the config counts them per ecosystem), is refused unless
 * allow_shrink. */
static int shrink_check(const struct pcdb_install *in, const struct pcdb_config *c, struct error *err) {
        _cleanup_(vulndb_closep) struct vulndb *db = NULL;
        struct vulndb_status st = {};
        struct error ignored = {};
        uint64_t have;
        int q = 0;

        if (in->allow_shrink || vulndb_open(in->db_path, &db, &ignored) < 0 ||
            vulndb_get_status(db, &st, &ignored) < 0)
                return 0;
        have = st.records;
        if (vulndb_shrinks(c->records, have))
                q = error_set(err, ENODATA, "%s: the artifact holds %llu records where %s holds %llu, fewer than "
                              "half: refused (another database, or a test one, signed with the same key?); give "
                              "--allow-shrink to install it anyway", in->source, (unsigned long long) c->records,
                              in->db_path, (unsigned long long) have);
        for (size_t i = 0; q >= 0 && c->ecosystems && i < st.n_ecosystems; i++) {
                const struct vulndb_ecosystem_count *e = &st.ecosystems[i];
                uint64_t now = config_records_of(c, e->name);

                if (vulndb_shrinks(now, e->records))
                        q = error_set(err, ENODATA, "%s: the artifact holds %llu records of %s where %s holds %llu, "
                                      "fewer than half: refused (another database, or a test one, signed with the "
                                      "same key?); give --allow-shrink to install it anyway", in->source,
                                      (unsigned long long) now, e->name, in->db_path,
                                      (unsigned long long) e->records);
        }
        vulndb_status_done(&st);
        return q;
}

/* The config against the manifest: the layer it signs is the one listed. */
static int layer_check(const struct pcdb_install *in, const struct pcdb_manifest *m, const struct pcdb_config *c,
                       const char *where, struct error *err) {
        if (strcmp(m->layer.digest, c->layer_digest) != 0 || m->layer.size != c->layer_size)
                return error_set(err, EBADMSG, "%s: the manifest's layer (%s, %llu bytes) is not the one the signed "
                                 "config names (%s, %llu bytes)", where, m->layer.digest,
                                 (unsigned long long) m->layer.size, c->layer_digest,
                                 (unsigned long long) c->layer_size);
        if (m->layer.size > in->max_layer)
                return error_set(err, EFBIG, "%s: the DB layer is %llu bytes, more than the limit of %llu "
                                 "('update.max_layer_mib' in config.json)", where, (unsigned long long) m->layer.size,
                                 (unsigned long long) in->max_layer);
        if (c->db_size > PCDB_DB_MAX)
                return error_set(err, EFBIG, "%s: \"database.size\" is %llu bytes, more than the limit of %llu", where,
                                 (unsigned long long) c->db_size, (unsigned long long) PCDB_DB_MAX);
        return 0;
}

/* ---- the layer ------------------------------------------------------------------------- */

struct unpack {
        ZSTD_DCtx *z;
        int fd;
        EVP_MD_CTX *md;         /* of the decompressed bytes */
        uint64_t len, max;
        size_t last;            /* ZSTD_decompressStream()'s last answer: 0 at a frame's end */
        int error;              /* -EFBIG, -EBADMSG, -errno */
};

/* After an error the rest is still read (and digested, on_data): a layer
 * that is not the one listed is said to be that, not "bad zstd". */
static int unpack_write(const void *buf, size_t n, void *userdata) {
        static char out[1 << 17];
        struct unpack *u = userdata;
        ZSTD_inBuffer in = { buf, n, 0 };

        if (u->error)
                return 0;
        while (in.pos < in.size) {
                ZSTD_outBuffer o = { out, sizeof(out), 0 };

                u->last = ZSTD_decompressStream(u->z, &o, &in);
                if (ZSTD_isError(u->last))
                        u->error = -EBADMSG;
                else if (u->len + o.pos > u->max)
                        u->error = -EFBIG;
                else if (write_all(u->fd, out, o.pos) < 0)
                        u->error = -errno;
                if (u->error)
                        return 0;
                EVP_DigestUpdate(u->md, out, o.pos);
                u->len += o.pos;
        }
        return 0;
}

static int unpack_error(const struct unpack *u, const char *where, uint64_t want, struct error *err) {
        if (u->error == -EFBIG)
                return error_set(err, EFBIG, "%s: the layer decompresses to more than the %llu bytes the signed config "
                                 "says", where, (unsigned long long) want);
        if (u->error == -EBADMSG)
                return error_set(err, EBADMSG, "%s: the layer is not valid zstd (%s)", where,
                                 ZSTD_getErrorName(u->last));
        return error_set_errno(err, -u->error, "%s: write the database", where);
}

/* The layer through the decompressor into tmp_fd; both digests checked. */
static int fetch_layer(const struct pcdb_install *in, const struct pcdb_manifest *m, const struct pcdb_config *c,
                       int tmp_fd, struct error *err) {
        _cleanup_(md_freep) EVP_MD_CTX *zmd = EVP_MD_CTX_new(), *raw = EVP_MD_CTX_new();
        _cleanup_(dctx_freep) ZSTD_DCtx *z = ZSTD_createDCtx();
        struct unpack u = { .z = z, .fd = tmp_fd, .md = raw, .max = c->db_size };
        struct reg_sink k = { .max = m->layer.size, .md = zmd, .write = unpack_write, .userdata = &u };
        char got[72];
        int q;

        if (!zmd || !raw || !z || !EVP_DigestInit_ex(raw, EVP_sha256(), NULL))
                return error_set(err, ENOMEM, "out of memory");
        say(in, UPDATE_EVENT_STEP, "%s: fetching the DB layer %s (%llu bytes)", in->source, m->layer.digest,
            (unsigned long long) m->layer.size);
        q = in->blob(in->ctx, &m->layer, &k, err);
        if (q == -E2BIG)
                return error_set(err, EFBIG, "%s: the layer %s is larger than its %llu bytes", in->source,
                                 m->layer.digest, (unsigned long long) m->layer.size);
        if (q < 0)
                return q;
        if (k.len != m->layer.size)
                return error_set(err, EBADMSG, "%s: the layer %s ended after %llu of its %llu bytes (truncated)",
                                 in->source, m->layer.digest, (unsigned long long) k.len,
                                 (unsigned long long) m->layer.size);
        if (pcdb_md_final(zmd, got) < 0 || strcmp(got, m->layer.digest) != 0)
                return error_set(err, EBADMSG, "%s: the layer's bytes have the digest %s, not %s: refused", in->source,
                                 got, m->layer.digest);
        if (u.error)
                return unpack_error(&u, in->source, c->db_size, err);
        if (u.last != 0)
                return error_set(err, EBADMSG, "%s: the layer's zstd stream is incomplete", in->source);
        if (pcdb_md_final(raw, got) < 0 || strcmp(got, c->db_digest) != 0 || u.len != c->db_size)
                return error_set(err, EBADMSG, "%s: the decompressed DB (%s, %llu bytes) is not the one the signed "
                                 "config names (%s, %llu bytes)", in->source, got, (unsigned long long) u.len,
                                 c->db_digest, (unsigned long long) c->db_size);
        return 0;
}

/* The schema_version the meta table of db says, -1 when it says none
 * (or there is no such table). */
static int schema_of(sqlite3 *db) {
        sqlite3_stmt *st = NULL;
        int v = -1;

        if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &st, NULL) ==
                    SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
                v = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        return v;
}

/* The DB in the layer passed quick_check but this build can't read it (why,
 * vulndb_open()'s error, names the temporary file, gone once refused): a
 * schema of another version, or not a portcullis database at all. */
static int unreadable_db(int schema, const struct error *why, const char *where, struct error *err) {
        if (schema > VULNDB_SCHEMA_VERSION)
                return error_set(err, EPROTO, "%s: the DB in the layer has schema version %d, newer than this build "
                                 "of portcullis reads (%d to %d): upgrade portcullis on this node, or pull a tag "
                                 "published for this version", where, schema, VULNDB_SCHEMA_VERSION_MIN,
                                 VULNDB_SCHEMA_VERSION);
        if (schema >= 0 && schema < VULNDB_SCHEMA_VERSION_MIN)
                return error_set(err, EPROTO, "%s: the DB in the layer has schema version %d, older than this build "
                                 "of portcullis reads (%d to %d): pull another tag, published by a current "
                                 "'portcullis db publish'", where, schema, VULNDB_SCHEMA_VERSION_MIN,
                                 VULNDB_SCHEMA_VERSION);
        return error_set(err, EBADMSG, "%s: the DB in the layer can't be read, it is damaged or not a portcullis "
                         "database (%s): pull another tag, or have it published again", where, why->msg);
}

/* PRAGMA quick_check on the new file, then the revision it says. */
static int db_check(const char *tmp, const struct pcdb_config *c, const char *where, struct error *err) {
        _cleanup_free_ char *uri = NULL, *rev = NULL;
        struct error why = {};
        int schema = -1;
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        bool ok = false;

        if (asprintf(&uri, "file:%s?immutable=1", tmp) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) == SQLITE_OK &&
            sqlite3_exec(db, "PRAGMA cell_size_check=ON; PRAGMA mmap_size=0", NULL, NULL, NULL) == SQLITE_OK &&
            sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
                ok = streq_ptr((const char *) sqlite3_column_text(st, 0), "ok");
        sqlite3_finalize(st);
        if (ok)
                schema = schema_of(db);
        sqlite3_close(db);
        if (!ok)
                return error_set(err, EBADMSG, "%s: the DB in the layer fails sqlite's quick_check", where);
        if (!(rev = db_revision_of(tmp, NULL, &why)) && why.code < 0)
                return unreadable_db(schema, &why, where, err);
        if (!streq_ptr(rev, c->revision))
                return error_set(err, EBADMSG, "%s: the DB in the layer has revision %s, the signed config says %s",
                                 where, strna(rev), c->revision);
        return 0;
}

static int temp_beside(const char *db_path, char **ret, int *ret_fd, struct error *err) {
        if (asprintf(ret, "%s.new-XXXXXX", db_path) < 0)
                return error_set(err, ENOMEM, "out of memory");
        *ret_fd = mkostemp(*ret, O_CLOEXEC);
        /* held until the rename: the next update removes the file at once
         * when this process is gone (update.c, db_temp_abandoned()) */
        if (*ret_fd >= 0 && flock(*ret_fd, LOCK_EX) < 0) {
                (void) unlink(*ret);
                close(*ret_fd);
                *ret_fd = -1;
        }
        if (*ret_fd < 0) {
                int q = error_set_errno(err, errno, "create %s", *ret);

                free(*ret);
                *ret = NULL;
                return q;
        }
        return 0;
}

static int swap_in(const struct pcdb_install *in, const struct pcdb_manifest *m, const struct pcdb_config *c,
                   struct error *err) {
        _cleanup_free_ char *tmp = NULL, *dir = NULL;
        _cleanup_close_ int fd = -EBADF, lock = -EBADF;
        int q;

        q = temp_beside(in->db_path, &tmp, &fd, err);
        if (q < 0)
                return q;
        q = fetch_layer(in, m, c, fd, err);
        if (q >= 0 && (fchmod(fd, 0644) < 0 || fsync(fd) < 0))
                q = error_set_errno(err, errno, "write %s", tmp);
        if (q >= 0)
                q = db_check(tmp, c, in->source, err);
        /* not between an import's read of the old file and its rename,
         * which would put back what this replaces */
        if (q >= 0)
                q = vulndb_lock_writers(in->db_path, &lock, err);
        if (q >= 0 && rename(tmp, in->db_path) < 0)
                q = error_set_errno(err, errno, "rename %s to %s", tmp, in->db_path);
        if (q < 0) {
                (void) unlink(tmp);
                return q;
        }
        vulndb_remove_sidecars(in->db_path);
        if ((dir = strdup(in->db_path)))
                (void) fsync_dir(dirname(dir));
        return 0;
}

/* ---- the install ------------------------------------------------------------------------ */

static int fetch_small(const struct pcdb_install *in, const struct oci_descriptor *d, size_t max,
                       struct strbuf *ret, struct error *err) {
        _cleanup_(md_freep) EVP_MD_CTX *md = EVP_MD_CTX_new();
        struct reg_sink k = { .max = d->size, .md = md, .mem = { .max = max + 1 } };
        char got[72] = "(none)";
        int q;

        if (!md)
                return error_set(err, ENOMEM, "out of memory");
        if (d->size > max)
                return error_set(err, EFBIG, "%s: the blob %s (%s) is %llu bytes, more than the limit of %zu",
                                 in->source, d->digest, d->media_type, (unsigned long long) d->size, max);
        q = in->blob(in->ctx, d, &k, err);
        if (q >= 0 && (pcdb_md_final(md, got) < 0 || strcmp(got, d->digest) != 0 || k.len != d->size))
                q = error_set(err, EBADMSG, "%s: the blob %s (%s) has the digest %s: refused", in->source, d->digest,
                              d->media_type, got);
        if (q < 0) {
                strbuf_done(&k.mem);
                return q;
        }
        *ret = k.mem;
        return 0;
}

static int verified_config(const struct pcdb_install *in, const struct pcdb_manifest *m, struct pcdb_config *ret,
                           struct error *err) {
        struct strbuf cfg = {}, sig = {};
        EVP_PKEY *key = NULL;
        int q;

        q = load_public_key(in->public_key, &key, err);
        if (q >= 0)
                q = fetch_small(in, &m->config, PCDB_CONFIG_MAX, &cfg, err);
        if (q >= 0)
                q = fetch_small(in, &m->sig, PCDB_SIG_MAX, &sig, err);
        /* The signature before the parse: unsigned bytes are not read. */
        if (q >= 0 && !update_sig_ok(key, cfg.s ? cfg.s : "", cfg.len, sig.s ? sig.s : "", sig.len))
                q = error_set(err, EBADMSG, "%s: the signature does not verify with the public key %s: refused "
                              "(published with another key, or altered)", in->source, in->public_key);
        if (q >= 0)
                q = pcdb_config_parse(cfg.s ? cfg.s : "", cfg.len, in->source, ret, err);
        EVP_PKEY_free(key);
        strbuf_done(&cfg);
        strbuf_done(&sig);
        return q;
}

int pcdb_install_run(const struct pcdb_install *in, const char *manifest, size_t len, const char *manifest_digest,
                     struct pcdb_install_result *ret, struct error *err) {
        _cleanup_(json_decrefp) json_t *st = state_load(in->state_dir);
        _cleanup_free_ char *cur = NULL, *cur_data = NULL;
        struct pcdb_manifest m = {};
        struct pcdb_config c = {};
        struct error why = {};
        int q;

        q = pcdb_manifest_parse(manifest, len, in->source, &m, err);
        if (q >= 0)
                q = verified_config(in, &m, &c, err);
        if (q >= 0)
                q = layer_check(in, &m, &c, in->source, err);
        if (q >= 0)
                q = fresh_check(&c, in->source, err);
        if (q >= 0)
                q = rollback_check(in, st, &c, in->source, err);
        cur = db_revision_of(in->db_path, &cur_data, &why);
        if (q >= 0 && why.code < 0)     /* nothing to hold the artifact to: it replaces the file */
                say(in, UPDATE_EVENT_STEP, "the installed database can't be read (%s); the artifact replaces it",
                    why.msg);
        if (q >= 0 && !streq_ptr(cur, c.revision) && data_check(&c, cur_data, in->source, err) < 0)
                q = -ESTALE;
        if (q >= 0 && !streq_ptr(cur, c.revision) && shrink_check(in, &c, err) < 0)
                q = -ENODATA;
        if (q == 1 && streq_ptr(cur, c.revision)) {
                say(in, UPDATE_EVENT_STEP, "%s: signature verified; revision %s is installed already", in->source,
                    c.revision);
        } else if (q >= 0) {
                say(in, UPDATE_EVENT_STEP, "%s: signature verified, revision %s, %llu records", in->source,
                    c.revision, (unsigned long long) c.records);
                q = swap_in(in, &m, &c, err);
                if (q >= 0)
                        ret->changed = true;
        }
        if (q >= 0 && (q = state_write(in, &c, manifest_digest, err)) < 0 && ret->changed)
                error_wrap(err, "the database was replaced by revision %s, but its state was not saved (the next "
                           "run fetches the artifact again)", c.revision);
        if (ret->changed || q >= 0)
                snprintf(ret->revision, sizeof(ret->revision), "%s", c.revision);
        pcdb_manifest_done(&m);
        pcdb_config_done(&c);
        return q < 0 ? q : 0;
}

/* ---- from a registry ------------------------------------------------------------------- */

struct reg_ctx {
        struct reg_client c;
};

static int reg_blob(void *ctx, const struct oci_descriptor *d, struct reg_sink *k, struct error *err) {
        struct reg_client *c = &((struct reg_ctx *) ctx)->c;
        _cleanup_(reg_resp_done) struct reg_resp resp = {};
        _cleanup_free_ char *url = NULL;
        struct reg_req rq = { .method = "GET", .follow = true };
        int q;

        if (asprintf(&url, "%s/blobs/%s", c->base, d->digest) < 0)
                return error_set(err, ENOMEM, "out of memory");
        rq.url = url;
        q = reg_request(c, &rq, k, &resp, err);
        if (q == -E2BIG)
                return q;
        if (q >= 0 && resp.status != 200)
                q = error_set(err, EPROTO, "GET %s: HTTP %ld", url, resp.status);
        return q;
}

/* HEAD, then GET only when the digest is not the one installed. */
static int manifest_get(struct reg_client *c, json_t *st, const char *db_rev, struct strbuf *ret,
                        char digest[72], struct error *err) {
        struct reg_sink k = { .max = OCI_MANIFEST_MAX, .mem = { .max = OCI_MANIFEST_MAX + 1 } };
        _cleanup_(reg_resp_done) struct reg_resp head = {}, get = {};
        _cleanup_free_ char *url = NULL;
        struct reg_req rq = { .method = "HEAD", .accept = OCI_MANIFEST_TYPE };
        int q;

        if (asprintf(&url, "%s/manifests/%s", c->base, c->ref.tag ? c->ref.tag : c->ref.digest) < 0)
                return error_set(err, ENOMEM, "out of memory");
        rq.url = url;
        q = reg_request(c, &rq, &k, &head, err);
        if (q >= 0 && head.status != 200)
                q = reg_status_error(&rq, &head, &k, err);
        if (q < 0)
                return q;
        if (head.digest && streq_ptr(head.digest, state_str(st, "manifest_digest")) &&
            streq_ptr(db_rev, state_str(st, "revision"))) {
                snprintf(digest, 72, "%s", head.digest);
                return 1;
        }
        rq.method = "GET";
        q = reg_request(c, &rq, &k, &get, err);
        if (q >= 0 && get.status != 200)
                q = reg_status_error(&rq, &get, &k, err);
        if (q < 0) {
                strbuf_done(&k.mem);
                return q;
        }
        pcdb_digest_of(k.mem.s ? k.mem.s : "", k.mem.len, digest);
        if (c->ref.digest && strcmp(digest, c->ref.digest) != 0) {
                strbuf_done(&k.mem);
                return error_set(err, EBADMSG, "GET %s: the manifest's digest is %s: refused", url, digest);
        }
        *ret = k.mem;
        return 0;
}

/* The manifest is the one installed last: still only while its signed
 * "expires" has not passed, as for a manifest fetched anew (else a
 * registry that stopped publishing, or one that answers every HEAD with
 * the installed digest, would keep a node on an expired DB).  1 when it
 * serves. */
static int unchanged_check(const struct pcdb_install *in, json_t *st, struct error *err) {
        const char *expires = state_str(st, "expires");
        struct osv_time t;

        if (!expires || update_parse_time(expires, strlen(expires), &t) < 0)
                return error_set(err, EBADMSG, "%s: the manifest is the one installed last, but %s/" OCI_STATE_FILE
                                 " gives no time it expires; remove that file to fetch the artifact again",
                                 in->source, in->state_dir);
        if (t.s > (int64_t) time(NULL))
                return 1;
        return error_set(err, EKEYEXPIRED, "%s: the manifest is the one installed last, which expired at %s "
                         "(\"expires\"): the registry serves a stale or frozen DB; make sure the publishing job "
                         "still runs ('portcullis db publish')", in->source, expires);
}

static int pull_one(const char *ref, const struct registry_pull_settings *s, update_report_fn report,
                    void *userdata, struct pcdb_install_result *ret, struct error *err) {
        _cleanup_(json_decrefp) json_t *st = state_load(s->state_dir);
        _cleanup_free_ char *rev = db_revision_of(s->db_path, NULL, NULL);    /* pcdb_install_run() says why */
        struct reg_ctx ctx = {};
        struct pcdb_install in = { .db_path = s->db_path, .state_dir = s->state_dir, .public_key = s->public_key,
                                   .max_layer = s->max_layer, .allow_shrink = s->allow_shrink, .source = ref,
                                   .report = report,
                                   .userdata = userdata, .blob = reg_blob, .ctx = &ctx };
        struct strbuf man = {};
        char digest[72] = "";
        int q;

        q = reg_client_init(&ctx.c, ref, &s->reg, err);
        if (q >= 0)
                q = manifest_get(&ctx.c, st, rev, &man, digest, err);
        if (q == 1)
                q = unchanged_check(&in, st, err);
        if (q == 1) {
                registry_state_note_failure(s->state_dir, NULL);        /* this one served */
                say(&in, UPDATE_EVENT_STEP, "%s: manifest %s unchanged since the last update", ref, digest);
                snprintf(ret->revision, sizeof(ret->revision), "%s", rev);
                q = 0;
        } else if (q >= 0) {
                say(&in, UPDATE_EVENT_STEP, "%s: manifest %s", ref, digest);
                q = pcdb_install_run(&in, man.s ? man.s : "", man.len, digest, ret, err);
        }
        ret->requests = ctx.c.requests;
        strbuf_done(&man);
        reg_client_done(&ctx.c);
        return q;
}

int registry_pull(char *const *refs, const struct registry_pull_settings *s, update_report_fn report,
                  void *userdata, struct pcdb_install_result *ret, struct error *err) {
        struct pcdb_install_result res = {};
        struct error last = {};
        int q = -EINVAL;

        for (char *const *r = refs; r && *r; r++) {
                struct error e = {};

                q = pull_one(*r, s, report, userdata, &res, &e);
                if (q >= 0 || res.changed) {    /* replaced, its state not saved: no other source */
                        snprintf(res.source, sizeof(res.source), "%s", *r);
                        *ret = res;
                        if (q < 0)
                                *err = e;
                        return q < 0 ? q : 0;
                }
                if (report && r[1]) {
                        char msg[ERROR_MSG_MAX + 64];

                        snprintf(msg, sizeof(msg), "%s; trying the next source, %s", e.msg, r[1]);
                        report(&(struct update_event) { .type = UPDATE_EVENT_RETRY, .message = msg }, userdata);
                }
                last = e;
        }
        *err = last;
        return q;
}
