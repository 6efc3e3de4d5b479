/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

/* The cage of an analysis child (lib/analyze.c): the hook runs as root and
 * the child parses files an image author wrote, so a parser bug must not
 * become code that writes, executes, talks to the network or reads the
 * host.  sandbox_enter() is called once, in the forked child, before the
 * analysis runs; it can't be undone.  See docs/threat-model.md. */

#define SANDBOX_MEMORY_DEFAULT ((size_t) 1024 * 1024 * 1024)
#define SANDBOX_NOFILE 64

struct sandbox_opts {
        int result_fd;           /* the one fd write() may target */
        const int *keep_fds;     /* more fds to keep open (beside 0, 1, 2) */
        size_t n_keep_fds;
        int root_fd;             /* >= 0: chroot to this directory (needs CAP_SYS_CHROOT; skipped without) */
        size_t memory_max;       /* RLIMIT_AS; 0: SANDBOX_MEMORY_DEFAULT (not set in sanitizer builds) */
        unsigned cpu_seconds;    /* RLIMIT_CPU; 0: none */
        /* The image reader (lib/image.c) fills root_fd with the files it
         * materialises: it may create (O_WRONLY|O_CREAT|O_EXCL only), write,
         * link and remove files and folders, and files may grow to
         * file_size_max; with Landlock (Linux 5.13+) every open, create and
         * remove is confined to root_fd and, read-only, to keep_fds.  false:
         * the analysis (no file written at all). */
        bool writes_below_root;
        size_t file_size_max;    /* RLIMIT_FSIZE with writes_below_root; else 0 */
};

enum {
        SANDBOX_FULL = 0,        /* everything, seccomp filter included */
        SANDBOX_NO_SECCOMP = 1,  /* the kernel has no seccomp filters: the rest is in place */
};

/* Closes every other fd (stdin becomes /dev/null), chroots to root_fd,
 * sets the rlimits, no_new_privs and non-dumpable, then loads the seccomp
 * allow-list.  Returns SANDBOX_FULL, SANDBOX_NO_SECCOMP, or a negative
 * errno: then the caller must not run the analysis. */
int sandbox_enter(const struct sandbox_opts *o, struct error *err);
