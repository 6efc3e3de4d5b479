/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"

/* The cage of an analysis child (lib/analyze.c): the hook runs as root and
 * the child parses files an image author wrote, so a parser bug must not
 * become code that writes, executes, talks to the network or reads the
 * host.  sandbox_enter() is called once, in the forked child, before the
 * analysis runs; it can't be undone.  See docs/threat-model.md. */

#define SANDBOX_MEMORY_DEFAULT ((size_t) 1024 * 1024 * 1024)
/* The walk keeps a folder fd per depth in each of its two threads
 * (INVENTORY_WALK_DEPTH_MAX, 48), besides the files it reads. */
#define SANDBOX_NOFILE 128
/* The unprivileged user and group a child started as root becomes
 * (nobody/nogroup on Debian and Fedora): it owns nothing, so a parser bug
 * owns nothing either.  Another process of that uid can't ptrace it (the
 * child is not dumpable). */
#define SANDBOX_UID_DEFAULT 65534
#define SANDBOX_GID_DEFAULT 65534

struct sandbox_opts {
        int result_fd;           /* the one fd write() may target */
        const int *keep_fds;     /* more fds to keep open (beside 0, 1, 2) */
        size_t n_keep_fds;
        int root_fd;             /* >= 0: chroot to this directory (needs CAP_SYS_CHROOT; skipped without) */
        int read_fd;             /* > 0: Landlock lets the child open only what is beneath this fd (a directory:
                                  * its files and listings; a file: that file); else nothing at all but
                                  * what writes_below_root allows */
        size_t memory_max;       /* RLIMIT_AS; 0: SANDBOX_MEMORY_DEFAULT (not set in sanitizer builds) */
        unsigned cpu_seconds;    /* RLIMIT_CPU; 0: none */
        int nice;                /* > 0: the nice value to take (setpriority(2)); 0: the parent's */
        uint64_t keep_caps;      /* capabilities kept in the effective and permitted sets (1 << CAP_...);
                                  * every other one, and the bounding, inheritable and ambient sets, go */
        uid_t uid;               /* started as root: the uid/gid to become; 0: SANDBOX_UID/GID_DEFAULT */
        gid_t gid;
        bool keep_uid;           /* the uid/gid stay (the image reader, see analyze_image()); the
                                  * capabilities and supplementary groups go all the same */
        /* Called once the other fds are closed and before anything is
         * confined: opens what the child needs by path (the match child's
         * DB); fds it opens stay open. */
        int (*open_fn)(void *userdata, struct error *err);
        /* Called once everything a thread inherits is in place (the chroot,
         * Landlock, no_new_privs, capabilities, uid), before RLIMIT_NPROC
         * goes to 0 and before the seccomp filter, which is loaded for
         * every thread (TSYNC): starts the child's threads.  Each must be
         * past its start-up when it returns and touch nothing of the
         * image's before sandbox_enter() has returned. */
        int (*threads_fn)(void *userdata, struct error *err);
        void *userdata;
        /* The image reader (lib/image.c) fills root_fd with the files it
         * materialises: it may create (O_WRONLY|O_CREAT|O_EXCL only), write,
         * link and remove files and folders, and files may grow to
         * file_size_max; Landlock (Linux 5.13+) also allows creating,
         * writing and removing beneath root_fd and reading beneath each of
         * keep_fds (besides read_fd).  false: the analysis (no file
         * written at all). */
        bool writes_below_root;
        size_t file_size_max;    /* RLIMIT_FSIZE with writes_below_root; else 0 */
};

/* What the kernel lacked (bits; 0 when everything is in place). */
enum {
        SANDBOX_FULL = 0,             /* everything, seccomp filter and Landlock included */
        SANDBOX_NO_SECCOMP = 1 << 0,  /* the kernel has no seccomp filters: the rest is in place */
        SANDBOX_NO_LANDLOCK = 1 << 1, /* the kernel has no Landlock (before 5.13, or not enabled) */
};

/* Closes every other fd (stdin becomes /dev/null), calls open_fn, chroots
 * to root_fd, sets the rlimits, no_new_privs and non-dumpable, restricts
 * opens to read_fd (and root_fd, keep_fds with writes_below_root) with
 * Landlock, drops every capability but keep_caps and becomes uid/gid (when
 * started as root with CAP_SETUID, unless keep_uid), calls threads_fn,
 * sets RLIMIT_NPROC to 0, then loads the seccomp allow-list for every
 * thread.  Returns SANDBOX_FULL, SANDBOX_NO_* bits, or a
 * negative errno: then the caller must not run the analysis. */
int sandbox_enter(const struct sandbox_opts *o, struct error *err);
