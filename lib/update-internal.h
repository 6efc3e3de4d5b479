/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What update.c (the updater) and update-sign.c (`portcullis db sign`)
 * share: the manifest's format and its helpers. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "base/error.h"
#include "update.h"

/* The keys of manifest.json (see update.h). */
#define MANIFEST_FILE "manifest.json"
#define MANIFEST_SIG_FILE "manifest.json.sig"

struct osv_time {
        int64_t s;
        int32_t ns;
};

/* YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), RFC 3339 section 5.6. */
int update_parse_time(const char *p, size_t n, struct osv_time *ret);
void update_hex(const unsigned char *md, unsigned n, char *ret);
/* The "id" and "modified" of an OSV record from its first len bytes (an
 * all.zip entry's head, which may be cut anywhere), as db update compares
 * the archive with modified_id.csv: string members without escapes, the
 * id else the entry's name without ".json"; an id db update would use as
 * a file name (at most 256 of [A-Za-z0-9._:+-], not starting with '.')
 * and an RFC 3339 time, or false. */
bool update_record_head(const char *buf, size_t len, const char *name, const char **ret_id, size_t *ret_id_len,
                        struct osv_time *ret_modified);
/* The key types a manifest may be signed with (EVP_PKEY_* ids). */
bool update_key_type_ok(int id);

/* manifest.json, parsed and checked for form (not for its signature). */
struct update_manifest {
        int64_t serial;
        int64_t created, expires;       /* UTC seconds */
        json_t *files;                  /* name -> sha256 hex */
};
int update_manifest_parse(const char *buf, size_t len, const char *url, struct update_manifest *ret,
                          struct error *err);
void update_manifest_done(struct update_manifest *m);

/* The keys of `portcullis db sign` (update-sign.c), also those of `db
 * publish` (registry.h): a PEM private key without a passphrase, and a
 * signature over msg (Ed25519/Ed448 over the bytes, RSA PKCS#1 v1.5 and
 * ECDSA over their SHA-256). */
int update_load_private_key(const char *path, EVP_PKEY **ret, struct error *err);
int update_sign_buf(EVP_PKEY *key, const char *msg, size_t len, unsigned char **ret, size_t *ret_len,
                    struct error *err);
/* update.public_key: a PEM public key of one of those types. */
int update_load_public_key(const char *path, EVP_PKEY **ret, struct error *err);
/* Whether sig is key's signature over msg under the same scheme (a
 * manifest of `db sign`, an artifact's config of `db publish`). */
bool update_sig_ok(EVP_PKEY *key, const void *msg, size_t msg_len, const void *sig, size_t sig_len);

/* The record of runs (update-record.c): run.json as written, whether a
 * run that did not end was killed (update_run_info_read() without its
 * fallback to state.json; -ENOENT, err untouched, when there is none). */
int update_record_read(const char *state_dir, struct update_run_info *ret, struct error *err);
/* run.json's text (len bytes, path for messages); -EBADMSG, err naming
 * path, for anything but a record of this version with a start time. */
int update_record_parse(const char *buf, size_t len, const char *path, struct update_run_info *ret,
                        struct error *err);
/* Under the state folder's lock: the previous run as recorded (killed set
 * when it did not end; zeros when there is none), and this one's start
 * written; ret_now is what update_record_end() takes. */
int update_record_start(const char *state_dir, struct update_run_info *ret_prev, struct update_run_info *ret_now,
                        struct error *err);
/* The run's end: error NULL when it succeeded. */
int update_record_end(const char *state_dir, const struct update_run_info *run, const char *error,
                      struct error *err);
