/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "portcullis-build.h"
#include "policy.h"

/* The main configuration (/etc/portcullis/config.json): where things are.
 * Every setting can be overridden by a command-line flag. */

#define CONFIG_FILE_MAX ((size_t) 256 * 1024)

struct config {
        char *path;                     /* the file read, or NULL for built-in defaults */
        char *db;                       /* vulnerability DB, default /var/lib/portcullis/vulndb.sqlite */
        char *cache;                    /* verdict cache, default /var/lib/portcullis/cache.db */
        char *lock_dir;                 /* single-flight locks, default /run/portcullis/locks */
        char *policy;                   /* default /etc/portcullis/policy.json */
        bool log_syslog;                /* audit lines to syslog/the journal, default true */
        char *log_syslog_socket;        /* or NULL: /dev/log (AUDIT_SYSLOG_SOCKET_DEFAULT) */
        /* Whether an image digest in the container's annotations identifies
         * the image for the verdict cache (default true).  Under Kubernetes
         * the runtime sets those annotations; where users set annotations
         * themselves (podman --annotation, ctr), one could name an allowed
         * image's digest and be served its verdict: set false there, and the
         * identity is always the digest of the rootfs's own inventory. */
        bool trust_image_digest;
        char *log_file;                 /* audit lines appended here too, or NULL */
        enum policy_action on_error;    /* when the policy itself can't be loaded; default deny */
        enum policy_action rootless;    /* a start the hook can't check as a rootless user's (gate.c); default deny */
        char **state_roots;             /* the runtimes' state folders 'portcullis ps' reads, or NULL:
                                         * running.h's running_default_roots */
        struct config_update {          /* "update": what `portcullis db update` fetches (update.h) */
                char **sources;         /* base URLs laid out like OSV's bucket, in order of preference */
                char **ecosystems;      /* OSV ecosystem names, or NULL: those of the verdict cache's images */
                char **cve_sources;     /* URLs of CVE scores (update.h); empty: none */
                char **kev_sources;     /* mirrors of CISA's KEV catalogue (update.h), or NULL: none */
                char **epss_sources;    /* mirrors of FIRST's EPSS CSV (update.h), or NULL: none */
                char *proxy;            /* or NULL: libcurl's environment variables apply */
                char *ca_file;          /* or NULL: the system's CA bundle */
                unsigned timeout_s;     /* connect timeout and longest stall, default 30 */
                char *state_dir;        /* downloads and state, default /var/lib/portcullis/update */
                char *public_key;       /* PEM; when set, sources must sign their manifests, or NULL */
                char *auth_file;        /* registry credentials (registry.h), or NULL */
                unsigned max_layer_mib; /* an oci:// source's DB layer larger than this is refused; 4096 */
        } update;
};

/* Strict like the policy: unknown keys are errors with file, line and column.
 * A missing file at the default path gives the defaults; a missing file
 * that was asked for explicitly is an error.  path NULL is
 * PORTCULLIS_CONFIG_DEFAULT.  Paths in the file must be absolute. */
int config_parse(const char *buf, size_t len, const char *name, struct config **ret, struct error *err);
int config_load(const char *path, bool explicit_path, struct config **ret, struct error *err);
/* The keys of config.json's top level (NULL-terminated), for the
 * policy's messages. */
const char *const *config_top_keys(void);
void config_free(struct config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct config *, config_free)
