/* SPDX-License-Identifier: Apache-2.0 */
/* `portcullis db sign`: writes the signed manifest of one ecosystem's
 * folder of a mirror (update.h), which `db update` checks. */
#include <dirent.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "update-internal.h"
#include "update.h"

#define SIGN_READ_CHUNK ((size_t) 1 << 20)

static void pkey_freep(EVP_PKEY **p) {
        EVP_PKEY_free(*p);
}

static void md_ctx_freep(EVP_MD_CTX **p) {
        EVP_MD_CTX_free(*p);
}

int update_load_private_key(const char *path, EVP_PKEY **ret, struct error *err) {
        _cleanup_free_ char *pem = NULL;
        size_t len = 0;
        EVP_PKEY *key;
        BIO *bio;
        int q;

        q = read_full_file(path, UPDATE_KEY_MAX, &pem, &len, err);
        if (q < 0)
                return error_wrap(err, "the private key (--key)");
        bio = BIO_new_mem_buf(pem, (int) len);
        key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
        BIO_free(bio);
        ERR_clear_error();
        if (!key)
                return error_set(err, EBADMSG, "%s is not a PEM private key without a passphrase "
                                 "('openssl genpkey -algorithm ed25519 -out KEY' writes one)", path);
        if (!update_key_type_ok(EVP_PKEY_get_base_id(key))) {
                q = error_set(err, ENOTSUP, "%s is a %s key; use an Ed25519, Ed448, RSA or ECDSA key", path,
                              strna(EVP_PKEY_get0_type_name(key)));
                EVP_PKEY_free(key);
                return q;
        }
        *ret = key;
        return 0;
}

/* The sha256 of a file, read in chunks (an all.zip may be gigabytes). */
static int file_sha256(int dirfd, const char *name, const char *dir, char ret[65], struct error *err) {
        _cleanup_(md_ctx_freep) EVP_MD_CTX *md = EVP_MD_CTX_new();
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *buf = malloc(SIGN_READ_CHUNK);
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned mdlen = 0;
        ssize_t n;

        if (!md || !buf)
                return error_set(err, ENOMEM, "out of memory");
        if (fd < 0)
                return error_set_errno(err, errno, "open %s/%s", dir, name);
        if (!EVP_DigestInit_ex(md, EVP_sha256(), NULL))
                return error_set(err, ENOMEM, "sha256: out of memory");
        while ((n = read(fd, buf, SIGN_READ_CHUNK)) != 0) {
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set_errno(err, errno, "read %s/%s", dir, name);
                EVP_DigestUpdate(md, buf, (size_t) n);
        }
        if (EVP_DigestFinal_ex(md, digest, &mdlen) != 1 || mdlen != 32)
                return error_set(err, EIO, "sha256 of %s/%s failed", dir, name);
        update_hex(digest, mdlen, ret);
        return 0;
}

static bool listed(const char *name) {
        return name[0] != '.' && strcmp(name, MANIFEST_FILE) != 0 && strcmp(name, MANIFEST_SIG_FILE) != 0 &&
               !startswith(name, MANIFEST_FILE ".tmp-") && !startswith(name, MANIFEST_SIG_FILE ".tmp-");
}

/* Every regular file of dir (not its subfolders) with its sha256, by name. */
static int list_files(const char *dir, json_t *files, struct error *err) {
        struct dirent **names = NULL;
        int n, q = 0;
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (dfd < 0)
                return error_set_errno(err, errno, "open the folder %s", dir);
        n = scandir(dir, &names, NULL, alphasort);
        if (n < 0)
                return error_set_errno(err, errno, "read the folder %s", dir);
        for (int i = 0; i < n; i++) {
                const char *name = names[i]->d_name;
                struct stat st;
                char sha[65];

                if (q >= 0 && listed(name) && fstatat(dfd, name, &st, 0) == 0 && S_ISREG(st.st_mode) &&
                    (q = file_sha256(dfd, name, dir, sha, err)) >= 0 &&
                    json_object_set_new(files, name, json_string(sha)) < 0)
                        q = error_set(err, ENOMEM, "out of memory");
                free(names[i]);
        }
        free(names);
        return q;
}

/* A manifest already in dir: the new serial must be above its serial. */
static int check_serial(const char *dir, int64_t serial, struct error *err) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        struct update_manifest m = {};
        struct error ignored = {};
        size_t len = 0;
        int64_t old;

        if (asprintf(&path, "%s/" MANIFEST_FILE, dir) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (read_full_file(path, UPDATE_MANIFEST_MAX, &buf, &len, &ignored) < 0 ||
            update_manifest_parse(buf, len, path, &m, &ignored) < 0)
                return 0;       /* none, or not one of ours: nothing to compare */
        old = m.serial;
        update_manifest_done(&m);
        if (serial > old)
                return 0;
        return error_set(err, ERANGE, "%s has serial %lld already; give a --serial above it (nodes refuse a serial "
                         "lower than the one they installed, and treat an equal one as no change)", path,
                         (long long) old);
}

/* Ed25519 and Ed448 sign the message itself; RSA (PKCS#1 v1.5) and ECDSA
 * its SHA-256, as the updater verifies. */
int update_sign_buf(EVP_PKEY *key, const char *msg, size_t len, unsigned char **ret, size_t *ret_len,
                    struct error *err) {
        int id = EVP_PKEY_get_base_id(key);
        const EVP_MD *md = id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448 ? NULL : EVP_sha256();
        _cleanup_(md_ctx_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        _cleanup_free_ unsigned char *sig = NULL;
        size_t n = 0;

        if (!ctx || EVP_DigestSignInit(ctx, NULL, md, NULL, key) != 1 ||
            EVP_DigestSign(ctx, NULL, &n, (const unsigned char *) msg, len) != 1 || !(sig = malloc(n)) ||
            EVP_DigestSign(ctx, sig, &n, (const unsigned char *) msg, len) != 1) {
                ERR_clear_error();
                return error_set(err, EIO, "signing failed");
        }
        *ret = TAKE_PTR(sig);
        *ret_len = n;
        return 0;
}

int update_load_public_key(const char *path, EVP_PKEY **ret, struct error *err) {
        _cleanup_free_ char *pem = NULL;
        size_t len = 0;
        BIO *bio;
        int q;

        q = read_full_file(path, UPDATE_KEY_MAX, &pem, &len, err);
        if (q < 0)
                return error_wrap(err, "the public key of 'update.public_key' in config.json");
        bio = BIO_new_mem_buf(pem, (int) len);
        *ret = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
        BIO_free(bio);
        ERR_clear_error();
        if (!*ret)
                return error_set(err, EBADMSG, "%s is not a PEM public key ('-----BEGIN PUBLIC KEY-----'); "
                                 "'openssl pkey -in KEY -pubout' writes one", path);
        if (!update_key_type_ok(EVP_PKEY_get_base_id(*ret)))
                return error_set(err, ENOTSUP, "%s is a %s key; use an Ed25519, Ed448, RSA or ECDSA key", path,
                                 strna(EVP_PKEY_get0_type_name(*ret)));
        return 0;
}

bool update_sig_ok(EVP_PKEY *key, const void *msg, size_t msg_len, const void *sig, size_t sig_len) {
        int id = EVP_PKEY_get_base_id(key);
        const EVP_MD *md = id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448 ? NULL : EVP_sha256();
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) == 1 &&
                  EVP_DigestVerify(ctx, sig, sig_len, msg, msg_len) == 1;

        EVP_MD_CTX_free(ctx);
        ERR_clear_error();
        return ok;
}

static int check_times(const struct update_sign_settings *s, int64_t *ret_created, int64_t *ret_expires,
                       struct error *err) {
        struct osv_time c = { .s = (int64_t) time(NULL) }, e;

        if (!s->expires || update_parse_time(s->expires, strlen(s->expires), &e) < 0)
                return error_set(err, EINVAL, "--expires '%s' is not an RFC 3339 time (2027-01-01T00:00:00Z)",
                                 strna(s->expires));
        if (s->created && update_parse_time(s->created, strlen(s->created), &c) < 0)
                return error_set(err, EINVAL, "--created '%s' is not an RFC 3339 time", s->created);
        if (e.s <= c.s)
                return error_set(err, EINVAL, "--expires %s is not after the manifest's time; nodes would refuse "
                                 "it as expired", s->expires);
        *ret_created = c.s;
        *ret_expires = e.s;
        return 0;
}

static int write_signed(const struct update_sign_settings *s, const char *text, EVP_PKEY *key, struct error *err) {
        _cleanup_free_ char *mpath = NULL, *spath = NULL;
        _cleanup_free_ unsigned char *sig = NULL;
        size_t sig_len = 0;
        int q;

        if (asprintf(&mpath, "%s/" MANIFEST_FILE, s->dir) < 0 || asprintf(&spath, "%s/" MANIFEST_SIG_FILE, s->dir) < 0)
                return error_set(err, ENOMEM, "out of memory");
        q = update_sign_buf(key, text, strlen(text), &sig, &sig_len, err);
        if (q >= 0)
                q = write_file_atomic(mpath, text, strlen(text), err);
        if (q >= 0)
                q = write_file_atomic(spath, (const char *) sig, sig_len, err);
        return q;
}

int update_sign(const struct update_sign_settings *s, size_t *ret_files, struct error *err) {
        _cleanup_(pkey_freep) EVP_PKEY *key = NULL;
        _cleanup_free_ char *text = NULL;
        char created[32], expires[32];
        int64_t c = 0, e = 0;
        json_t *doc = NULL, *files = json_object();
        int q;

        if (!files)
                return error_set(err, ENOMEM, "out of memory");
        if (s->serial < 0)
                q = error_set(err, EINVAL, "--serial must be 0 or more");
        else
                q = check_times(s, &c, &e, err);
        if (q >= 0)
                q = update_load_private_key(s->key_path, &key, err);
        if (q >= 0)
                q = check_serial(s->dir, s->serial, err);
        if (q >= 0)
                q = list_files(s->dir, files, err);
        if (q < 0) {
                json_decref(files);
                return q;
        }
        update_format_time(c, created);
        update_format_time(e, expires);
        doc = json_pack("{s:I, s:s, s:s, s:o}", "serial", (json_int_t) s->serial, "created", created, "expires",
                        expires, "files", files);
        text = doc ? json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
        if (ret_files)
                *ret_files = json_object_size(files);
        json_decref(doc);
        if (!text)
                return error_set(err, ENOMEM, "out of memory");
        return write_signed(s, text, key, err);
}
