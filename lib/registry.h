/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The vulnerability DB as an OCI artifact (issue 17): `portcullis db
 * publish oci://HOST[:PORT]/REPO[:TAG]` pushes it through the OCI
 * distribution API, `db update` pulls it from oci:// sources.
 *
 * The artifact is one OCI image manifest (image-spec v1.1):
 *
 *   mediaType    application/vnd.oci.image.manifest.v1+json
 *   artifactType application/vnd.portcullis.db.v1
 *   config       application/vnd.portcullis.db.config.v1+json: JSON with
 *                the DB's revision, "created" (the build time, which orders
 *                artifacts: rollback protection), "expires", the record
 *                counts per ecosystem and the digest and size of the DB
 *                file and of its layer
 *   layers[0]    application/vnd.portcullis.db.layer.v1.sqlite+zstd: the
 *                sqlite file, zstd-compressed
 *   layers[1]    application/vnd.portcullis.db.signature.v1: a raw
 *                signature over the config blob's bytes, made with the key
 *                of `portcullis db sign` (Ed25519/Ed448 over the bytes,
 *                RSA PKCS#1 v1.5 / ECDSA over their SHA-256)
 *
 * The signature is a layer, not a referrer: one manifest carries the whole
 * artifact, so `skopeo copy` and any mirror copy it in one piece (referrers
 * are separate manifests that copies leave behind), a node needs no
 * referrers API (distribution 2.8, Debian's registry, has none), and the
 * config it signs names the DB layer's digest, so the signature covers the
 * data. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "update.h"

#define OCI_MANIFEST_TYPE "application/vnd.oci.image.manifest.v1+json"
#define OCI_INDEX_TYPE "application/vnd.oci.image.index.v1+json"
#define PCDB_ARTIFACT_TYPE "application/vnd.portcullis.db.v1"
#define PCDB_CONFIG_TYPE "application/vnd.portcullis.db.config.v1+json"
#define PCDB_LAYER_TYPE "application/vnd.portcullis.db.layer.v1.sqlite+zstd"
#define PCDB_SIG_TYPE "application/vnd.portcullis.db.signature.v1"

/* Caps on what a registry (or an archive) hands us. */
#define OCI_MANIFEST_MAX ((size_t) 4 << 20)     /* the spec's suggested limit for manifests */
#define PCDB_CONFIG_MAX ((size_t) 1 << 20)
#define PCDB_SIG_MAX ((size_t) 16 << 10)
#define PCDB_LAYER_MAX_DEFAULT ((uint64_t) 4 << 30)
#define PCDB_DB_MAX ((uint64_t) 32 << 30)       /* the decompressed DB */
#define OCI_TOKEN_MAX ((size_t) 1 << 20)        /* a token endpoint's answer */
#define OCI_DESCRIPTORS_MAX 64                  /* layers of a manifest, manifests of an index */
#define OCI_CHALLENGE_MAX 4096                  /* a WWW-Authenticate header */
#define PCDB_EXPIRES_DEFAULT_S (7 * 24 * 3600)

/* oci://HOST[:PORT]/REPO[:TAG|@sha256:HEX]; TAG defaults to "latest". */
struct oci_ref {
        char *host;             /* host[:port] */
        char *repo;
        char *tag;              /* or NULL when digest */
        char *digest;           /* "sha256:<hex>" or NULL */
};
int oci_ref_parse(const char *s, struct oci_ref *ret, struct error *err);
void oci_ref_done(struct oci_ref *r);

struct oci_descriptor {
        char *media_type;
        char digest[72];        /* "sha256:<64 hex>" */
        uint64_t size;
};

/* The parts of a Portcullis DB manifest, parsed from untrusted bytes. */
struct pcdb_manifest {
        struct oci_descriptor config, layer, sig;
};
int pcdb_manifest_parse(const char *buf, size_t len, const char *where, struct pcdb_manifest *ret,
                        struct error *err);
void pcdb_manifest_done(struct pcdb_manifest *m);

/* The config blob. */
struct pcdb_config {
        char *revision;
        int64_t created, expires;       /* UTC seconds */
        char *data_time;                /* or NULL */
        uint64_t records;
        struct json_t *ecosystems;      /* {"Debian:12": records, ...}, or NULL when it names none */
        char db_digest[72];             /* of the uncompressed file */
        uint64_t db_size;
        char layer_digest[72];
        uint64_t layer_size;
};
int pcdb_config_parse(const char *buf, size_t len, const char *where, struct pcdb_config *ret, struct error *err);
void pcdb_config_done(struct pcdb_config *c);

/* A WWW-Authenticate challenge (RFC 9110 11.6.1, the registry's token
 * flow: https://distribution.github.io/distribution/spec/auth/token/). */
struct oci_challenge {
        bool bearer;            /* else basic */
        char *realm, *service, *scope;
};
int oci_challenge_parse(const char *s, struct oci_challenge *ret, struct error *err);
void oci_challenge_done(struct oci_challenge *c);
/* {"token": T} or {"access_token": T} */
int oci_token_parse(const char *buf, size_t len, const char *where, char **ret, struct error *err);
/* index.json of an image layout: the first manifest's descriptor. */
int oci_index_parse(const char *buf, size_t len, const char *where, struct oci_descriptor *ret, struct error *err);
void oci_descriptor_done(struct oci_descriptor *d);

/* How to reach a registry. */
struct registry_settings {
        const char *ca_file;            /* NULL: the system's CA bundle */
        const char *auth_file;          /* containers-auth.json: {"auths": {"HOST": {"auth": base64(user:pass)}}} */
        const char *proxy;
        unsigned timeout_s;             /* connect; a document whole; a blob's slow spell (registry.c); 0: 30 */
};

/* `portcullis db publish`. */
struct publish_settings {
        const char *db_path;
        const char *key_path;           /* PEM private key */
        const char *created;            /* RFC 3339; NULL: now */
        const char *expires;            /* RFC 3339; NULL: created + PCDB_EXPIRES_DEFAULT_S */
        struct registry_settings reg;
};
struct publish_result {
        char manifest_digest[72];
        char revision[80];
        uint64_t db_size, layer_size;
        unsigned blobs_uploaded, blobs_present;
};
int registry_publish(const char *ref, const struct publish_settings *s, struct publish_result *ret,
                     struct error *err);

/* oci:// sources of `db update`: tried in order until one serves.  Per
 * source: HEAD the manifest (nothing more when its digest and the DB are
 * those installed last), GET it, the config and the signature (checked
 * with public_key), refuse an expired artifact or one built before the one
 * installed last or one much smaller (in total or in an ecosystem the DB
 * holds) unless allow_shrink, stream the layer (at most max_layer bytes)
 * through the decompressor beside the DB checking both digests,
 * quick_check, rename.
 * The state is <state_dir>/oci.json. */
struct registry_pull_settings {
        const char *db_path;
        const char *state_dir;
        const char *public_key;         /* required */
        uint64_t max_layer;
        bool allow_shrink;              /* a much smaller artifact too (shrink_check()) */
        struct registry_settings reg;
};
struct pcdb_install_result {
        bool changed;
        char revision[80];
        char source[1024];
        unsigned requests;
};
int registry_pull(char *const *refs, const struct registry_pull_settings *s, update_report_fn report,
                  void *userdata, struct pcdb_install_result *ret, struct error *err);

/* What <state_dir>/oci.json says about the DB an OCI pull (or an archive's
 * import) installed last, for `db status`. */
struct registry_state_info {
        char *source, *manifest_digest, *revision, *created, *expires, *installed, *db;
        char *last_run, *last_error;    /* the last pull that failed (since the last that succeeded), or NULL */
};
/* -ENOENT (err untouched) when none was installed or tried. */
int registry_state_read(const char *state_dir, struct registry_state_info *ret, struct error *err);
/* A pull that failed (msg), noted in the state (`db status` says it)
 * until the next that succeeds, which clears it (msg NULL); best effort. */
void registry_state_note_failure(const char *state_dir, const char *msg);
void registry_state_info_done(struct registry_state_info *s);

/* `db export FILE`: the artifact as an OCI image layout in a tar file
 * (skopeo's oci-archive:FILE), its one manifest named tag. */
struct export_settings {
        const char *db_path, *key_path, *created, *expires;
        const char *tag;                /* NULL: "latest" */
};
int registry_export(const char *path, const struct export_settings *s, struct publish_result *ret,
                    struct error *err);
/* A tar file (what `db import` takes for an OCI archive). */
bool registry_is_archive(const char *path);
/* `db import FILE` of such an archive: installed as a pull does (the
 * settings' public key, caps and state). */
int registry_import(const char *path, const struct registry_pull_settings *s, update_report_fn report,
                    void *userdata, struct pcdb_install_result *ret, struct error *err);
