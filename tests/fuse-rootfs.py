#!/usr/bin/python3
"""A read-only FUSE file system (python3-fusepy) serving the folder SRC at
MOUNTPOINT as it is, except that listing or reading the path the file FLAG
holds (e.g. /srv), while it exists, fails with EIO ("eio": a failing disk)
or takes SECONDS longer ("slow:SECONDS": a stalled network file system).

usage: fuse-rootfs.py SRC MOUNTPOINT FLAG eio|slow:SECONDS"""
import errno
import os
import sys
import time

from fusepy import FUSE, FuseOSError, Operations


class Rootfs(Operations):
    def __init__(self, src, flag, how):
        self.src, self.flag, self.how = src, flag, how

    def _hit(self, path):
        """Fails (eio) or stalls (slow) when path is the flag's."""
        try:
            with open(self.flag) as f:
                if f.read().strip() != path:
                    return
        except FileNotFoundError:
            return
        if self.how == "eio":
            raise FuseOSError(errno.EIO)
        time.sleep(float(self.how.split(":", 1)[1]))

    def _p(self, path):
        return os.path.join(self.src, path.lstrip("/"))

    def getattr(self, path, fh=None):
        st = os.lstat(self._p(path))
        return {k: getattr(st, k) for k in ("st_mode", "st_nlink", "st_uid", "st_gid", "st_size", "st_atime",
                                           "st_mtime", "st_ctime", "st_ino")}

    def readdir(self, path, fh):
        self._hit(path)
        return [".", ".."] + os.listdir(self._p(path))

    def readlink(self, path):
        return os.readlink(self._p(path))

    def open(self, path, flags):
        return os.open(self._p(path), os.O_RDONLY)

    def read(self, path, size, offset, fh):
        self._hit(path)
        return os.pread(fh, size, offset)

    def release(self, path, fh):
        os.close(fh)


if __name__ == "__main__":
    src, mnt, flag, how = sys.argv[1:5]
    FUSE(Rootfs(src, flag, how), mnt, foreground=True, ro=True, allow_other=True, use_ino=True)
