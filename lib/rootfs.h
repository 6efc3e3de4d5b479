/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

/* Directories deep we keep fds for in the walk; deeper is -ENAMETOOLONG.
 * Real lookups (var/lib/dpkg/status.d/x) are a handful deep. */
#define ROOTFS_WALK_DEPTH_MAX 64

/* A container root filesystem, which we treat as hostile: every path is
 * resolved as if the rootfs were "/" (openat2 RESOLVE_IN_ROOT, or a component
 * walk with O_NOFOLLOW and a symlink budget where the kernel lacks openat2),
 * so that "..", absolute symlinks and magic links can't reach the host. */
struct rootfs;

enum {
        ROOTFS_FORCE_WALK = 1 << 0,   /* tests: don't use openat2 */
};

int rootfs_open(const char *path, unsigned flags, struct rootfs **ret, struct error *err);
/* The rootfs whose O_PATH directory fd, opened as rootfs_open() does, fd is
 * (taken over; an analysis process started by exec has it from its parent),
 * known as path.  -ENOMEM (fd then closed). */
int rootfs_adopt(int fd, const char *path, struct rootfs **ret);
void rootfs_free(struct rootfs *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rootfs *, rootfs_free)

const char *rootfs_path(const struct rootfs *r);
/* The O_PATH directory fd everything is resolved from (the sandbox chroots
 * the analysis child to it). */
int rootfs_fd(const struct rootfs *r);

/* Opens path (absolute or relative; both mean "inside the rootfs") with
 * open flags (O_RDONLY, O_DIRECTORY, ...; O_CLOEXEC|O_NOCTTY are added).
 * Returns the fd or a negative errno; -ENOENT is returned without being
 * treated as special, so callers can tell "absent" from "broken". */
int rootfs_openat(struct rootfs *r, const char *path, int flags, struct error *err);

/* Opens path below dirfd without following any symlink, the last component
 * included, and without "..": openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS),
 * else the walk above refusing symlinks.  For a tree we write ourselves
 * from untrusted input (lib/image.c), where even a symlink that stays inside
 * must not be taken: it may have been planted by an earlier layer.  flags
 * must hold O_PATH or O_DIRECTORY (opens without side effects); rflags:
 * ROOTFS_FORCE_WALK.  Returns the fd or a negative errno: -ELOOP for a
 * symlink on the way, -EXDEV for "..", -ENOTDIR, -ENOENT. */
int rootfs_open_beneath(int dirfd, const char *path, int flags, unsigned rflags);

/* Reads a regular file inside the rootfs, capped at max bytes (see
 * read_full_fd()). */
int rootfs_read_file(struct rootfs *r, const char *path, size_t max, char **ret_buf, size_t *ret_len,
                     struct error *err);

/* Maps a regular file inside the rootfs (at most max bytes; an empty one
 * is *ret_map NULL)
 * private and writable: no copy, and a write stays in this process (the
 * sqlite rpmdb reader sets two header bytes).  For the big files a reader
 * takes whole (an rpmdb: tens of MiB); a file truncated while mapped
 * raises SIGBUS, which ends the sandboxed child that reads it with an
 * error, never a wrong result.  Unmap with munmap(*ret_map, *ret_len) when not NULL. */
int rootfs_map_file(struct rootfs *r, const char *path, size_t max, void **ret_map, size_t *ret_len,
                    struct error *err);

/* Lists the names in a directory inside the rootfs (no "." or ".."), sorted,
 * at most max_entries (more is -E2BIG). */
int rootfs_list_dir(struct rootfs *r, const char *path, size_t max_entries, char ***ret_names, struct error *err);
