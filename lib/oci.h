/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "base/error.h"

/* What a runtime hands a hook: the OCI state on stdin (runtime-spec
 * runtime.md "State") and the bundle's config.json (config.md).  Both come
 * from outside our trust: parse capped, validated, never guessing. */

#define OCI_STATE_MAX ((size_t) 1024 * 1024)
#define OCI_CONFIG_MAX ((size_t) 16 * 1024 * 1024)
#define OCI_ANNOTATIONS_MAX 4096

struct oci_state {
        char *oci_version;
        char *id;                       /* required */
        char *status;
        char *bundle;                   /* required, absolute */
        int pid;                        /* 0 when absent */
        char **annotations;             /* key, value, ..., NULL */
};

struct oci_config {
        char *root_path;                /* root.path as written (relative to the bundle or absolute) */
        char *rootfs;                   /* root.path resolved against the bundle: absolute */
        bool root_readonly;             /* root.readonly, false when absent */
        char **annotations;             /* key, value, ..., NULL */
        char **image_mounts;            /* destination, host path, ..., NULL: other images mounted in
                                         * (oci_config_image_mounts()) */
};

int oci_state_parse(const char *buf, size_t len, struct oci_state *ret, struct error *err);
/* The same for a document already parsed (with JSON_REJECT_DUPLICATES and
 * within OCI_STATE_MAX): the hook parses the state once as it reads it. */
int oci_state_from_json(json_t *j, struct oci_state *ret, struct error *err);
void oci_state_done(struct oci_state *s);

/* Parses a config.json (name for messages); bundle resolves root.path. */
int oci_config_parse(const char *buf, size_t len, const char *name, const char *bundle, struct oci_config *ret,
                     struct error *err);
/* The mounts (config.md "Mounts") that put another image's files into the
 * container, as containers/storage lays them out: an overlay mount whose
 * first lowerdir, or a bind mount whose source, is an image's mounted view
 * (overlay driver: .../overlay/<64 hex>/merged) or its folder (vfs driver:
 * .../vfs/dir/<64 hex>), or a folder inside either (a subPath).  That is
 * how Podman's --mount type=image and CRI-O's Kubernetes image volumes
 * reach runc.  A destination, host path (the image's folder, also for a
 * subPath: the image is judged whole), ..., NULL vector (NULL when there is none); entries not of
 * that shape, and malformed ones (left to the runtime), are passed over. */
int oci_config_image_mounts(json_t *config, char ***ret);
/* Reads <bundle>/config.json (capped) and parses it. */
int oci_config_load(const char *bundle, struct oci_config *ret, struct error *err);
void oci_config_done(struct oci_config *c);

/* The value of key in a key/value list, or NULL. */
const char *oci_annotation(char *const *kv, const char *key);

/* The image name from the annotations runtimes set, best first:
 * io.kubernetes.cri.image-name (containerd), io.kubernetes.cri-o.ImageName,
 * io.kubernetes.cri-o.ImageRef (CRI-O), org.opencontainers.image.ref.name;
 * for each key the state's annotations before the config's (a better key in
 * the config beats a worse one in the state).  Empty values count as absent.
 * A pod sandbox (oci_pod_sandbox()) named by none of them is named by
 * io.kubernetes.cri.podsandbox.image-name (containerd 2.0 on: the node's
 * configured sandbox image; 1.7 names none).  NULL when none. */
const char *oci_image_name(char *const *state_annotations, char *const *config_annotations);

/* Whether the runtime says the container is a Kubernetes pod's sandbox
 * (its "pause" or "infra" container, which every pod starts first):
 * containerd's io.kubernetes.cri.container-type or CRI-O's
 * io.kubernetes.cri-o.ContainerType is "sandbox" (a pod's own containers
 * are "container"), and no such key in either list says anything else.
 * Both runtimes write these themselves, after what they pass through of a
 * pod's annotations; whether to believe them is config.json's
 * trust_image_digest, as for the image's name. */
bool oci_pod_sandbox(char *const *state_annotations, char *const *config_annotations);

/* Why a digest the runtime names does not stand for what is read from a
 * container's rootfs that is no overlay (whose upper would tell the
 * container's changes from the image's): the rootfs may be one an earlier
 * run of the same container changed (docker restart, podman start, runc
 * run of the same bundle), its package database included; NULL when it
 * can't be: the container can't write it (root.readonly), or a Kubernetes
 * runtime says it made the container (the keys oci_pod_sandbox() reads,
 * "container" or "sandbox"; not with io.container.manager, which Podman
 * writes, with CRI-O's key on a pod's containers, which it restarts in
 * place): CRI makes a new container, on a fresh rootfs, at every start, a
 * restart included.  The one rule of the hook, ps, the
 * recheck and 'cache fill'; the annotations believed as the digest is
 * (trust_image_digest).  A static string. */
const char *oci_rootfs_reused(bool root_readonly, char *const *state_annotations, char *const *config_annotations);

/* The Kubernetes namespace: io.kubernetes.pod.namespace, else
 * io.kubernetes.cri.sandbox-namespace; state before config as above.  NULL
 * when none. */
const char *oci_namespace(char *const *state_annotations, char *const *config_annotations);

/* The image's digest when the annotations name one: "sha256:<hex>" from an
 * "@sha256:" reference or a CRI-O image id (io.kubernetes.cri-o.ImageRef,
 * io.kubernetes.cri.image-name, io.kubernetes.cri-o.ImageName,
 * org.opencontainers.image.ref.name, in that order), malloc'ed; else NULL.
 * Whether to trust it is config.json's trust_image_digest. */
char *oci_image_digest(char *const *annotations);
