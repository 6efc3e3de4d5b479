/* SPDX-License-Identifier: Apache-2.0 */
/* vulndb_open_fd(): a database read through an fd opened beforehand.  The
 * analysis child opens the DB file before its cage closes and reads it
 * afterwards, when sqlite can no longer open a path of the host:
 * "portcullis-fd", an sqlite VFS of one read-only file, whose fd is the
 * URI's VULNDB_FD_PARAM parameter.  It opens nothing by name, takes no
 * lock and sees no journal; every other file (a temporary one) is refused,
 * as the cage would refuse it.  The fd stays the caller's. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vulndb-internal.h"

struct fd_file {
        sqlite3_file base;
        int fd;
};

static int fd_close(sqlite3_file *f) {
        return SQLITE_OK;
}

static int fd_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off) {
        int fd = ((struct fd_file *) f)->fd;
        size_t got = 0;

        while (got < (size_t) n) {
                ssize_t k = pread(fd, (char *) buf + got, (size_t) n - got, (off_t) off + (off_t) got);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return SQLITE_IOERR_READ;
                if (k == 0)
                        break;
                got += (size_t) k;
        }
        if (got == (size_t) n)
                return SQLITE_OK;
        memset((char *) buf + got, 0, (size_t) n - got);        /* as sqlite asks of a short read */
        return SQLITE_IOERR_SHORT_READ;
}

static int fd_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off) {
        return SQLITE_READONLY;
}

static int fd_truncate(sqlite3_file *f, sqlite3_int64 size) {
        return SQLITE_READONLY;
}

static int fd_sync(sqlite3_file *f, int flags) {
        return SQLITE_OK;
}

static int fd_size(sqlite3_file *f, sqlite3_int64 *ret) {
        struct stat st;

        if (fstat(((struct fd_file *) f)->fd, &st) < 0)
                return SQLITE_IOERR_FSTAT;
        *ret = st.st_size;
        return SQLITE_OK;
}

static int fd_lock(sqlite3_file *f, int level) {
        return SQLITE_OK;
}

static int fd_check_reserved(sqlite3_file *f, int *ret) {
        *ret = 0;
        return SQLITE_OK;
}

static int fd_file_control(sqlite3_file *f, int op, void *arg) {
        return SQLITE_NOTFOUND;
}

static int fd_sector_size(sqlite3_file *f) {
        return 4096;
}

static int fd_device_characteristics(sqlite3_file *f) {
        return SQLITE_IOCAP_IMMUTABLE;
}

static const sqlite3_io_methods fd_io = {
        .iVersion = 1,
        .xClose = fd_close,
        .xRead = fd_read,
        .xWrite = fd_write,
        .xTruncate = fd_truncate,
        .xSync = fd_sync,
        .xFileSize = fd_size,
        .xLock = fd_lock,
        .xUnlock = fd_lock,
        .xCheckReservedLock = fd_check_reserved,
        .xFileControl = fd_file_control,
        .xSectorSize = fd_sector_size,
        .xDeviceCharacteristics = fd_device_characteristics,
};

static int fd_vfs_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *ret_flags) {
        const char *s = name && (flags & SQLITE_OPEN_MAIN_DB) && !(flags & SQLITE_OPEN_READWRITE)
                                ? sqlite3_uri_parameter(name, VULNDB_FD_PARAM)
                                : NULL;
        char *end;
        long fd;

        f->pMethods = NULL;     /* a failed open is not closed */
        if (!s)
                return SQLITE_CANTOPEN;
        errno = 0;
        fd = strtol(s, &end, 10);
        if (errno != 0 || end == s || *end || fd < 0 || fd > INT_MAX)
                return SQLITE_CANTOPEN;
        ((struct fd_file *) f)->fd = (int) fd;
        f->pMethods = &fd_io;
        if (ret_flags)
                *ret_flags = SQLITE_OPEN_READONLY;
        return SQLITE_OK;
}

static int fd_vfs_delete(sqlite3_vfs *vfs, const char *name, int sync_dir) {
        return SQLITE_IOERR_DELETE;
}

/* Nothing beside the file exists: no journal, no WAL. */
static int fd_vfs_access(sqlite3_vfs *vfs, const char *name, int flags, int *ret) {
        *ret = 0;
        return SQLITE_OK;
}

/* The name as given: nothing is looked up (a path inside the image's
 * root, after the chroot). */
static int fd_vfs_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *ret) {
        return (size_t) snprintf(ret, (size_t) n, "%s", name) < (size_t) n ? SQLITE_OK : SQLITE_CANTOPEN;
}

/* Randomness, sleep, time and (never used here) extension loading are
 * the default VFS's. */
static sqlite3_vfs *dflt(sqlite3_vfs *vfs) {
        return vfs->pAppData;
}

static void *fd_vfs_dl_open(sqlite3_vfs *vfs, const char *name) {
        return dflt(vfs)->xDlOpen(dflt(vfs), name);
}

static void fd_vfs_dl_error(sqlite3_vfs *vfs, int n, char *ret) {
        dflt(vfs)->xDlError(dflt(vfs), n, ret);
}

static void (*fd_vfs_dl_sym(sqlite3_vfs *vfs, void *handle, const char *symbol))(void) {
        return dflt(vfs)->xDlSym(dflt(vfs), handle, symbol);
}

static void fd_vfs_dl_close(sqlite3_vfs *vfs, void *handle) {
        dflt(vfs)->xDlClose(dflt(vfs), handle);
}

static int fd_vfs_randomness(sqlite3_vfs *vfs, int n, char *ret) {
        return dflt(vfs)->xRandomness(dflt(vfs), n, ret);
}

static int fd_vfs_sleep(sqlite3_vfs *vfs, int us) {
        return dflt(vfs)->xSleep(dflt(vfs), us);
}

static int fd_vfs_current_time(sqlite3_vfs *vfs, double *ret) {
        return dflt(vfs)->xCurrentTime(dflt(vfs), ret);
}

static int fd_vfs_last_error(sqlite3_vfs *vfs, int n, char *ret) {
        return dflt(vfs)->xGetLastError(dflt(vfs), n, ret);
}

static sqlite3_vfs fd_vfs = {
        .iVersion = 1,
        .szOsFile = sizeof(struct fd_file),
        .mxPathname = PATH_MAX,
        .zName = "portcullis-fd",
        .xOpen = fd_vfs_open,
        .xDelete = fd_vfs_delete,
        .xAccess = fd_vfs_access,
        .xFullPathname = fd_vfs_full_pathname,
        .xDlOpen = fd_vfs_dl_open,
        .xDlError = fd_vfs_dl_error,
        .xDlSym = fd_vfs_dl_sym,
        .xDlClose = fd_vfs_dl_close,
        .xRandomness = fd_vfs_randomness,
        .xSleep = fd_vfs_sleep,
        .xCurrentTime = fd_vfs_current_time,
        .xGetLastError = fd_vfs_last_error,
};

static int fd_vfs_rc = SQLITE_ERROR;

static void fd_vfs_register(void) {
        fd_vfs_rc = sqlite3_initialize();
        if (fd_vfs_rc == SQLITE_OK && !(fd_vfs.pAppData = sqlite3_vfs_find(NULL)))
                fd_vfs_rc = SQLITE_ERROR;
        if (fd_vfs_rc == SQLITE_OK)
                fd_vfs_rc = sqlite3_vfs_register(&fd_vfs, 0);
}

int vulndb_fd_vfs(const char **ret) {
        static pthread_once_t once = PTHREAD_ONCE_INIT;

        if (pthread_once(&once, fd_vfs_register) != 0)
                return SQLITE_ERROR;
        *ret = fd_vfs.zName;
        return fd_vfs_rc;
}
