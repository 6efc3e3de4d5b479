/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

/* The PATH a program run without one searches. */
#define PATH_DEFAULT "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* What containerd-shim-portcullis-v2 and the runc wrapper (shim/runc/)
 * share: our hook written into a bundle's config.json, and the real
 * program each of them hands over to. */

/* Adds portcullis-hook to BUNDLE/config.json (bundle NULL: the working
 * folder) as a createRuntime hook, unless it is there: the hook is
 * $PORTCULLIS_HOOK_PATH or hook_default, with --containerd-namespace ns and
 * --containerd-id id when given and --config $PORTCULLIS_CONFIG when set.
 * config.json is read without following a symlink and replaced by rename
 * (its mode and owner kept), so the runtime reads the old file or the new
 * one.  Every failure names the file and what to do. */
int oci_bundle_add_hook(const char *bundle, const char *hook_default, const char *ns, const char *id,
                        struct error *err);

/* The program to hand over to: name itself when it holds a '/', else the
 * first executable regular file called name in $PATH, never this very
 * binary (found through a symlink or a copy of it in PATH, it would run
 * itself for ever).  For the messages: what it is ("the delegate shim"),
 * what installs it, and env_name, the variable that can name it. */
int find_delegate(const char *name, const char *what, const char *install, const char *env_name, char **ret,
                  struct error *err);

/* Command lines as Go's flag package reads them (containerd's shims, runc
 * on urfave/cli): "-name", "--name", "-name=value", "-name value"; a
 * boolean takes no separate value ("=true"/"=false" allowed). */
struct go_flag {
        const char *name;
        bool value;                     /* takes one */
        const char **dest;              /* where its value goes (a boolean's: "true" or what follows '='), or NULL */
};

/* The flag at argv[*i] among flags: 1 when it is one (its value taken, *i
 * past it), 0 when argv[*i] is not a flag ("-" is none), -EINVAL for an
 * unknown one, a missing value, or "--" (the caller decides what that
 * ends). */
int go_flag_take(int argc, char **argv, int *i, const struct go_flag *flags, size_t n_flags);
