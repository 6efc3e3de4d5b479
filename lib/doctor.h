/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

/* portcullis doctor: the install checked end to end, one check per part a
 * container start goes through (the runtime's configuration, the binaries,
 * the policy, the DB, the cache and lock folders, the audit log, the
 * sandbox, a dry-run decision), each with what to do when it is not right.
 * Nothing here prints; the front end shows the report. */

enum doctor_status {
        DOCTOR_OK,
        DOCTOR_SKIP,            /* nothing to check: the runtime is not on this node */
        DOCTOR_WARN,            /* works, but something is worth doing */
        DOCTOR_FAIL,            /* a container start would not be checked as the policy says */
        _DOCTOR_STATUS_MAX,
        _DOCTOR_STATUS_INVALID = -1,
};

/* "ok", "skip", "warn", "fail" */
const char *doctor_status_to_string(enum doctor_status s);

struct doctor_check {
        const char *name;       /* stable: "config", "runtime.containerd", ... (docs/doctor.md) */
        enum doctor_status status;
        char *detail;           /* what was found, one line */
        char *fix;              /* what to do, one line; NULL when nothing */
        long long duration_ms;  /* how long the check took */
};

struct doctor_options {
        /* The host's / as seen from here (the DaemonSet's /host); every
         * path, including those named inside the files read, is looked up
         * under it.  NULL or "/": this host. */
        const char *root;
        /* config.json as given (not under root); NULL: <root>/etc/portcullis/config.json. */
        const char *config;
        const char *hook;       /* the hook this build installs, a host path (<prefix>/libexec/portcullis/...) */
        const char *shim;       /* the containerd shim (<prefix>/bin/containerd-shim-portcullis-v2) */
        const char *runc_wrapper; /* the shim's runc wrapper (<prefix>/libexec/portcullis/runc/runc) */
        const char *prefix;     /* the install prefix (/usr/local): its share/containers/oci/hooks.d */
};

struct doctor_report {
        struct doctor_check *checks;
        size_t n_checks;
        size_t counts[_DOCTOR_STATUS_MAX];      /* checks per status */
};

/* Runs every check; fails only when out of memory (a check that fails is
 * a DOCTOR_FAIL row, not an error). */
int doctor_run(const struct doctor_options *o, struct doctor_report *ret, struct error *err);
void doctor_report_done(struct doctor_report *r);

/* What the doctor reads of a containerd config file (TOML, the subset
 * containerd's own files use): the top-level imports, and the runtime
 * "portcullis" table's runtime_type (under the CRI plugin of config
 * version 2 or 3), and default_runtime_name when it is "portcullis".  The
 * same scanner reads containers.conf's [engine] hooks_dir. */
#define CONTAINERD_CONFIG_MAX ((size_t) 1024 * 1024)

struct containerd_config {
        char **imports;                 /* NULL-terminated, or NULL */
        char **disabled_plugins;        /* the top-level disabled_plugins, the same */
        bool has_runtime;               /* a [...containerd.runtimes.portcullis] table of the CRI plugin */
        char *misplaced_table;          /* the first of that name under another table (quotes out), or NULL */
        char *runtime_type;             /* its runtime_type, or NULL */
        bool default_runtime;           /* default_runtime_name = "portcullis" */
        char *binary_name;              /* its options' BinaryName (the runc its runc shim runs), or NULL */
        bool hooks_dir_set;             /* containers.conf: [engine] hooks_dir is there */
        char **hooks_dir;               /* its folders (NULL-terminated, or NULL when empty) */
};

int containerd_config_parse(const char *buf, size_t len, struct containerd_config *ret, struct error *err);
void containerd_config_done(struct containerd_config *c);

/* Where Podman and CRI-O read oci-hooks(5) files when no hooks_dir is set
 * (containers/common 0.50, Podman 4.3; CRI-O): this folder alone, not
 * /etc/containers/oci/hooks.d. */
#define OCI_HOOKS_DIR_DEFAULT "/usr/share/containers/oci/hooks.d"

/* The folders Podman (crio false: containers.conf's [engine] hooks_dir) or
 * CRI-O (crio true: crio.conf's [crio.runtime] hooks_dir) reads oci-hooks(5)
 * files from, on the host whose / is root (install_host_path()): the list
 * of the last of its config files that sets one, the drop-in folder's
 * *.conf last in name order; else OCI_HOOKS_DIR_DEFAULT.  *ret_from is
 * that file (a host path), NULL for the default.  A file it can't read or
 * scan is an error naming it. */
int oci_hooks_dirs(const char *root, bool crio, char ***ret_dirs, char **ret_from, struct error *err);
