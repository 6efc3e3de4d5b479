/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "base/error.h"

/* Reads all of fd (a regular file) into a NUL-terminated buffer.  The cap is
 * enforced in the read loop, not only after fstat(): a file that grows past
 * max, or a FIFO/device handed in its place, is an error, never a silent
 * truncation (-EFBIG, -EBADFD).  what names the file in messages. */
int read_full_fd(int fd, size_t max, const char *what, char **ret_buf, size_t *ret_len, struct error *err);

/* Same, opening path (host file, not inside a rootfs) with O_NOFOLLOW off. */
int read_full_file(const char *path, size_t max, char **ret_buf, size_t *ret_len, struct error *err);

/* For the few small files the hook reads at every container start (its
 * config, the policy, the bundle's config.json): the first read, of 4 KiB,
 * comes before any fstat(), and a file that doesn't fill it is read whole
 * without one (one syscall less per file).  A read that fills the 4 KiB,
 * gives nothing or fails is followed by the fstat(), and what is not a
 * regular file refused as read_full_fd() refuses it (-EBADFD); only a FIFO
 * or device that hands over a few bytes at once gives those bytes, as it
 * would to any reader. */
int read_small_fd(int fd, size_t max, const char *what, char **ret_buf, size_t *ret_len, struct error *err);
int read_small_file(const char *path, size_t max, char **ret_buf, size_t *ret_len, struct error *err);

/* After a read of path failed with -ENOENT, where a missing file means a
 * default (absent_means: "the built-in policy"): 0 when nothing is there;
 * -ENOLINK and an error naming the link, its target and what to do when
 * path is a symbolic link to a file that is gone.  Someone put that link
 * there: taking the default would replace their file in silence. */
int check_dangling_link(const char *path, const char *absent_means, struct error *err);

/* All n bytes of buf to fd, past short writes and EINTR: 0, or -errno
 * (errno set too; -EIO for a write that wrote nothing). */
int write_all(int fd, const void *buf, size_t n);

/* fsync() of a folder, so that a rename in it lasts. */
int fsync_dir(const char *path);

/* 0 when path is a regular file (through symlinks) or nothing: a file
 * renamed over it replaces it.  An error naming it otherwise: a rename over
 * /dev/null (as root) would replace the device node with a file. */
int check_replaceable(const char *path, struct error *err);

/* Writes buf to a temporary file beside path (mode 0644), fsyncs it and
 * renames it over path: readers see the old file or the new one, never a
 * part.  A path that is not a regular file is an error (check_replaceable()). */
int write_file_atomic(const char *path, const char *buf, size_t len, struct error *err);
/* Same with the new file's mode (an executable, a file that keeps its mode). */
int write_file_atomic_mode(const char *path, const char *buf, size_t len, mode_t mode, struct error *err);
/* Removes the temporary files of writers of path killed before their
 * rename ("<path>.tmp-XXXXXX"), which nothing else removes; for a caller
 * whose lock keeps every other writer of path out.  The number removed. */
int write_file_atomic_leftovers(const char *path);

/* mkdir -p: dir and every missing folder above it, with mode. */
int mkdir_all(const char *dir, mode_t mode);
