#!/usr/bin/env python3
"""OSV archives as `db import` reads them (lib/zip-read.c), written here
with Python's zipfile and then altered byte by byte:

  shapes     deflated and stored entries, a folder entry, an entry that is
             not .json, data descriptors (sizes after the data, as a
             streaming writer leaves them), zip64 sizes, and more than
             65,535 entries (a zip64 end record): every record imported,
             the same database as from the records' folder.
  damage     cut short, a CRC that doesn't match, an encrypted entry,
             another compression method, a local header naming another
             entry, a name holding a NUL byte, a split archive, deflate
             data damaged, an entry inflating to less than it declares:
             each refused with the archive, the entry and the reason
             named and "download it again", the database unchanged.
  limits     an entry declaring more than a record may hold, and one
             inflating to more than it declares: refused as a zip bomb
             at once, the database unchanged.
"""
import os
import shutil
import sqlite3
import struct
import sys
import tempfile
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pctest import check, finish, run  # noqa: E402

T = tempfile.mkdtemp(prefix="pc-osv-zip-")


def record(i):
    return ('{"id": "PCT-ZIP-%d", "modified": "2026-11-23T00:00:00Z", "affected": [{"package": '
            '{"ecosystem": "Debian:12", "name": "pkg%d"}, "ranges": [{"type": "ECOSYSTEM", "events": '
            '[{"introduced": "0"}, {"fixed": "1.%d-1"}]}]}]}' % (i, i % 50, i))


class Stream:
    """A file that can't seek back, as a pipe: zipfile then writes each
    entry's sizes after its data (a data descriptor)."""
    def __init__(self, f):
        self.f = f

    def write(self, b):
        return self.f.write(b)

    def flush(self):
        self.f.flush()


def write(name, n=3, stored=(), descriptor=False, zip64=False, extra=()):
    path = os.path.join(T, name)
    out = open(path, "wb")
    with zipfile.ZipFile(Stream(out) if descriptor else out, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(n):
            method = zipfile.ZIP_STORED if i in stored else zipfile.ZIP_DEFLATED
            if descriptor or zip64:
                info = zipfile.ZipInfo(f"osv/PCT-ZIP-{i}.json")
                info.compress_type = method
                with z.open(info, "w", force_zip64=zip64) as f:
                    f.write(record(i).encode())
            else:
                z.writestr(f"osv/PCT-ZIP-{i}.json", record(i), compress_type=method)
        for n_, data in extra:
            z.writestr(n_, data)
    out.close()
    return path


def records(db):
    c = sqlite3.connect(db)
    try:
        return sorted(r[0] for r in c.execute("SELECT id FROM vuln"))
    finally:
        c.close()


def imported(path, n, what):
    db = os.path.join(T, "db-" + os.path.basename(path) + ".sqlite")
    r = run("db", "import", path, "--db", db)
    if r.returncode == 0:
        got = records(db)
        check(got == sorted(f"PCT-ZIP-{i}" for i in range(n)), f"{what}: {len(got)} records of {n}")


def alter(src, name, fn):
    b = bytearray(open(src, "rb").read())
    fn(b)
    path = os.path.join(T, name)
    open(path, "wb").write(bytes(b))
    return path


def nth(b, sig, k):
    at = -1
    for _ in range(k + 1):
        at = b.find(sig, at + 1)
    return at


LOCAL, CENTRAL = b"PK\x03\x04", b"PK\x01\x02"

# ---- shapes
imported(write("plain.zip", 3, extra=[("osv/", ""), ("osv/README.txt", "not a record")]), 3, "plain")
imported(write("stored.zip", 3, stored=(0, 2)), 3, "stored entries")
imported(write("descriptor.zip", 3, descriptor=True), 3, "data descriptors")
with zipfile.ZipFile(os.path.join(T, "descriptor.zip")) as z:
    check(all(i.flag_bits & 8 for i in z.infolist()), "the descriptor archive has data descriptors")
imported(write("zip64.zip", 3, zip64=True), 3, "zip64 sizes")
many = write("many.zip", 70000)
check(open(many, "rb").read().find(b"PK\x06\x06") > 0, "70,000 entries: a zip64 end record")
imported(many, 70000, "70,000 entries")

# ---- damage: each refused naming the archive and what is wrong, nothing changed
good = write("good.zip", 3)
base = os.path.join(T, "base.sqlite")
run("db", "import", good, "--db", base)
rev = records(base)


def refused(path, says, code=2):
    before = open(base, "rb").read()
    t0 = time.monotonic()
    r = run("db", "import", path, "--db", base, expect=code)
    ms = (time.monotonic() - t0) * 1000
    check(says in r.stderr, f"{os.path.basename(path)}: wanted '{says}' in: {r.stderr[-1500:]}")
    check(open(base, "rb").read() == before, f"{os.path.basename(path)}: the database changed")
    return r, ms


refused(alter(good, "cut.zip", lambda b: b.__delitem__(slice(len(b) - 30, len(b)))),
        "cut.zip is not a readable zip archive: no end of central directory record (the file is cut short, or "
        "not a zip); download it again")
refused(alter(good, "crc.zip", lambda b: struct.pack_into("<I", b, nth(b, CENTRAL, 1) + 16, 0x12345678)),
        "crc.zip is damaged at osv/PCT-ZIP-1.json: its CRC-32 does not match its data; download it again")
refused(alter(good, "encrypted.zip", lambda b: struct.pack_into("<H", b, nth(b, CENTRAL, 0) + 8, 1)),
        "encrypted.zip is damaged at osv/PCT-ZIP-0.json: it is encrypted")
refused(alter(good, "method.zip", lambda b: struct.pack_into("<H", b, nth(b, CENTRAL, 2) + 10, 12)),
        "method.zip is damaged at osv/PCT-ZIP-2.json: it is compressed with method 12 (OSV archives are "
        "deflated or stored)")
refused(alter(good, "local.zip", lambda b: b.__setitem__(nth(b, LOCAL, 1) + 30 + 4, ord("X"))),
        "local.zip is damaged at osv/PCT-ZIP-1.json: its local header names another entry")


def nul_name(b):
    at = nth(b, CENTRAL, 0) + 46 + 4
    b[at] = 0


refused(alter(good, "nul.zip", nul_name), "nul.zip is damaged at osv/: its name holds a NUL byte")
refused(alter(good, "split.zip", lambda b: struct.pack_into("<H", b, b.rfind(b"PK\x05\x06") + 4, 1)),
        "split.zip is not a readable zip archive: a split (multi-disk) archive")


def damage_deflate(b):
    at = nth(b, LOCAL, 0)
    data = at + 30 + struct.unpack_from("<H", b, at + 26)[0] + struct.unpack_from("<H", b, at + 28)[0]
    for i in range(8):
        b[data + i] = 0xff


refused(alter(good, "deflate.zip", damage_deflate), "deflate.zip is damaged at osv/PCT-ZIP-0.json: its deflated "
        "data is damaged")


def declare_more(b):
    size = struct.unpack_from("<I", b, nth(b, CENTRAL, 0) + 24)[0]
    struct.pack_into("<I", b, nth(b, CENTRAL, 0) + 24, size + 10)


refused(alter(good, "short.zip", declare_more),
        "short.zip is damaged at osv/PCT-ZIP-0.json: it inflates to fewer bytes than it declares")

# ---- limits: zip bombs, refused at once


def bomb(name, zip64):
    path = os.path.join(T, name)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("PCT-ZIP-0.json", record(0))
        with z.open("big.json", "w", force_zip64=zip64) as f:
            for _ in range(64):
                f.write(b" " * (1 << 20))
    return path


r, ms = refused(bomb("bomb.zip", True), "bomb.zip: entry big.json declares 67108864 bytes, more than an entry may "
                "hold (16777216 bytes); refusing the whole archive (a zip bomb, or not an OSV export)")
check(ms < 5000, f"the bomb took {ms:.0f} ms")


def declare_less(b):
    struct.pack_into("<I", b, nth(b, CENTRAL, 1) + 24, 1000)
    struct.pack_into("<I", b, nth(b, LOCAL, 1) + 22, 1000)


r, ms = refused(alter(bomb("liar-src.zip", False), "liar.zip", declare_less),
                "liar.zip: entry big.json inflates to more than the 1000 bytes it declares; refusing the whole "
                "archive (a zip bomb, or not an OSV export)")
check(ms < 5000, f"the liar took {ms:.0f} ms")

shutil.rmtree(T)
finish()
