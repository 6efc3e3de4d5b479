/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What registry.c (the client), registry-publish.c and registry-pull.c
 * share. */

#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/strutil.h"
#include "registry.h"

#define CHUNK_SIZE ((size_t) 8 << 20)           /* of a blob upload (PATCH) */
#define ERROR_BODY_MAX ((size_t) 64 << 10)      /* an error answer's body */

struct reg_client {
        const struct registry_settings *s;
        struct oci_ref ref;
        char *base;             /* https://HOST/v2/REPO */
        char *basic;            /* base64 of user:password, or NULL */
        bool use_basic;         /* the registry asked for basic auth */
        char *bearer;           /* a token, or NULL */
        CURL *curl;
        char curl_err[CURL_ERROR_SIZE];
        unsigned requests;
};

struct reg_req {
        const char *method;
        const char *url;
        const char *content_type, *accept, *range;
        const void *body;
        size_t body_len;
        bool follow;            /* follow redirects (blob GETs: storage elsewhere) */
        bool token;             /* to the token endpoint */
};

/* Where an answer goes: memory (mem, up to max) or write(), with an
 * optional running sha256. */
struct reg_sink {
        uint64_t len, max;
        struct strbuf mem;
        EVP_MD_CTX *md;
        int (*write)(const void *buf, size_t n, void *userdata);
        void *userdata;
        int write_errno;
        bool too_big;
};
void reg_sink_reset(struct reg_sink *k);
/* Takes n more bytes of the answer; false when over the cap (too_big) or
 * they can't be stored. */
bool reg_sink_feed(struct reg_sink *k, const void *buf, size_t n);

struct reg_resp {
        long status;
        char *location;
        char *digest;           /* Docker-Content-Digest */
        char *www_auth;
};
void reg_resp_done(struct reg_resp *r);

int reg_client_init(struct reg_client *c, const char *ref, const struct registry_settings *s, struct error *err);
void reg_client_done(struct reg_client *c);
int reg_request(struct reg_client *c, const struct reg_req *rq, struct reg_sink *k, struct reg_resp *ret,
                struct error *err);
int reg_status_error(const struct reg_req *rq, const struct reg_resp *resp, const struct reg_sink *k,
                     struct error *err);

/* "sha256:<hex>" of what md digested; -EIO when it fails. */
int pcdb_md_final(EVP_MD_CTX *md, char ret[72]);
/* "sha256:<hex>" of a buffer. */
void pcdb_digest_of(const void *buf, size_t len, char ret[72]);

/* The artifact, built from a DB (registry-publish.c): pushed by `db
 * publish`, written into an archive by `db export`. */
struct pcdb_artifact {
        char *layer_path;               /* the zstd layer, a temporary file (removed by _done) */
        char layer_digest[72], db_digest[72], manifest_digest[72];
        uint64_t layer_size, db_size;
        char *config;
        size_t config_len;
        unsigned char *sig;
        size_t sig_len;
        char *manifest;
        size_t manifest_len;
        char revision[80];
};
int pcdb_artifact_build(const char *db_path, const char *key_path, const char *created, const char *expires,
                        struct pcdb_artifact *ret, struct error *err);
void pcdb_artifact_done(struct pcdb_artifact *a);

/* Installs the artifact of a manifest (registry-pull.c), its blobs read
 * through blob(): from a registry or from an OCI archive. */
struct pcdb_install {
        const char *db_path, *state_dir, *public_key;
        uint64_t max_layer;
        bool allow_shrink;
        const char *source;             /* for messages and the state */
        update_report_fn report;
        void *userdata;
        int (*blob)(void *ctx, const struct oci_descriptor *d, struct reg_sink *k, struct error *err);
        void *ctx;
};
int pcdb_install_run(const struct pcdb_install *in, const char *manifest, size_t len, const char *manifest_digest,
                     struct pcdb_install_result *ret, struct error *err);
