#!/usr/bin/env python3
"""Writes the deps.json that a .NET single-file bundle carries inside it.

Usage: dotnet-bundle-deps.py BUNDLE OUT

The bundle format is dotnet/runtime's docs/design/features/bundle.md: the
apphost's 32-byte bundle marker is preceded by the offset of the manifest
header (int64), which holds major and minor version, the file count, the
bundle id (a 7-bit encoded length, then bytes) and, from version 2 on, the
deps.json's offset and size (int64 each).  Used by the tests as a reader
independent of ours: the file it writes is the one the .NET SDK wrote.
"""
import struct
import sys

MARKER = bytes.fromhex("8b1202b96a612038727b930214d7a03213f5b9e6efae3318ee3b2dce24b36aae")


def deps_json(b):
    i = b.find(MARKER)
    if i < 8:
        sys.exit("no bundle marker")
    (hdr,) = struct.unpack_from("<q", b, i - 8)
    major, _minor, _count = struct.unpack_from("<IIi", b, hdr)
    p, n, shift = hdr + 12, 0, 0
    while True:
        c = b[p]
        p += 1
        n |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            break
    off, size = struct.unpack_from("<qq", b, p + n)
    if major < 2 or size <= 0:
        sys.exit("bundle version %d has no deps.json" % major)
    return b[off:off + size]


with open(sys.argv[1], "rb") as f:
    data = deps_json(f.read())
with open(sys.argv[2], "wb") as f:
    f.write(data)
