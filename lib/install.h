/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/error.h"

/* `portcullis install RUNTIME` / `uninstall RUNTIME`: which files a
 * runtime needs (a table of runtimes, lib/install.c), what they hold, and
 * what was there before (kept under /var/lib/portcullis/install/ so that
 * uninstall puts it back byte for byte).  Work is in two steps: a plan
 * (every file whose bytes would change, old and new), which --dry-run
 * shows as a diff, then apply. */

enum install_runtime {
        INSTALL_CONTAINERD,
        INSTALL_CRIO,
        INSTALL_PODMAN,
        INSTALL_RUNC,
        INSTALL_DOCKER,
        _INSTALL_RUNTIME_MAX,
        _INSTALL_RUNTIME_INVALID = -1,
};

/* Host paths of the files install manages (the doctor checks the same). */
#define INSTALL_CONTAINERD_CONFIG "/etc/containerd/config.toml"
#define INSTALL_DOCKER_CONFIG "/etc/docker/daemon.json"
#define INSTALL_CONTAINERD_DROPIN "/etc/containerd/conf.d/portcullis.toml"
/* The admin's hooks.d folder, where install wrote before it followed
 * hooks_dir (lib/install.c hooks_d_target()). */
#define INSTALL_HOOKS_D_DIR "/etc/containers/oci/hooks.d"
#define INSTALL_HOOKS_D_FILE INSTALL_HOOKS_D_DIR "/portcullis.json"
#define INSTALL_STATE_DIR "/var/lib/portcullis/install"
#define INSTALL_CRI_PLUGIN "io.containerd.grpc.v1.cri"
#define INSTALL_SHIM_RUNTIME_TYPE "io.containerd.portcullis.v2"
/* --binaries puts the release binaries here (the Kubernetes image). */
#define INSTALL_BINARIES_BINDIR "/usr/local/bin"
#define INSTALL_BINARIES_LIBEXECDIR "/usr/local/libexec/portcullis"

/* A host path as seen from here, under root (the host's / mounted here,
 * as --root gives it; NULL or "/": this system, the path itself): every
 * folder on the way is resolved as the host resolves it once root is its
 * /, an absolute symbolic link (/etc/containers -> /srv/containers) taken
 * from root, never from this system's / (lib/rootfs.c: openat2
 * RESOLVE_IN_ROOT).  The last component is followed too when follow; else
 * it is left as it is (install looks at it with lstat()).  What does not
 * resolve to a folder (not there yet, or a file) is appended as it is,
 * its first name checked not to be a symbolic link: one whose target is no
 * folder under root (this system could resolve it elsewhere) is an error
 * naming it, as is a loop. */
int install_host_path(const char *root, const char *path, bool follow, char **ret_path, struct error *err);

enum install_runtime install_runtime_from_string(const char *s);
const char *install_runtime_to_string(enum install_runtime rt);

struct install_options {
        const char *root;          /* the host's / as seen here; NULL or "/" for this system */
        bool default_runtime;      /* containerd, docker: make portcullis the default runtime */
        bool binaries;             /* also copy the running binaries (found from self) */
        const char *self;          /* the running portcullis (for --binaries), e.g. /proc/self/exe */
};

struct install_change {
        char *path;                /* host path */
        char *old, *new;           /* contents; old NULL when absent, new NULL to remove */
        size_t old_len, new_len;
        mode_t mode;               /* of the new file */
        const char *record;        /* whose record keeps the old bytes (a runtime's or a group's) */
        bool binary;               /* shown as "Binary files differ" */
        bool forget;               /* install: put back as uninstall would; record forgets the path */
};

struct install_plan {
        enum install_runtime runtime;
        bool uninstall;
        struct install_change *changes;
        size_t n_changes;
        char **notes;              /* what to restart, files left alone (NULL-terminated) */
        char *fragment;            /* runc: the config.json hooks fragment, else NULL */
        unsigned forget_groups;    /* uninstall: the shared records it puts back (lib/install.c) */
};

void install_plan_free(struct install_plan *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct install_plan *, install_plan_free)

/* What install would change.  A file it must not touch (a config it can't
 * parse or edit safely, one of our names holding someone else's file) is an
 * error naming the file and what to do, and nothing is planned. */
int install_plan_new(enum install_runtime rt, const struct install_options *o, struct install_plan **ret_plan,
                     struct error *err);

/* What uninstall would change: each file install wrote goes back to the
 * bytes it had (or away, when it did not exist), unless it changed since;
 * then containerd's config.toml loses only our imports entry, and any
 * other file is left as it is (a note says so). */
int uninstall_plan_new(enum install_runtime rt, const struct install_options *o, struct install_plan **ret_plan,
                       struct error *err);

/* The plan as a unified diff (paths as on the host, a/ and b/ prefixes). */
int install_plan_diff(const struct install_plan *p, char **ret_diff, struct error *err);

/* Writes the plan: first what was there (install), then each file
 * atomically (a temporary file renamed over it), then the record. */
int install_plan_apply(const struct install_plan *p, const struct install_options *o, struct error *err);
