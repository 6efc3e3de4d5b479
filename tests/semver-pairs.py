#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Prints N pairs "A B" of SemVer versions for the npm, Go and crates.io
# differential tests, in the forms that registry's tool reads and the ones
# it must reject: pre-releases with numeric and alphanumeric identifiers,
# build metadata, numbers at the registry's limits (2^53-1 for npm, 2^64-1
# for the semver crate, any length for Go), leading zeros, and
#   npm:    runs of 'v', '=' and whitespace, a pre-release without '-',
#           "1.2.3-", numeric identifiers past 2^53, 256 characters;
#   go:     'v' or not, v1 and v1.2 shorthands, pseudo-versions,
#           +incompatible;
#   crates: a leading 'v' (invalid), u64 overflow.
# Near versions, the same version spelled another way, and one-byte
# mutations too.  A version never holds a blank, a tab or a newline.
#
#   semver-pairs.py npm|go|crates SEED N
import random
import sys

flavor = sys.argv[1]
rnd = random.Random(int(sys.argv[2]))
LIMIT = {"npm": 9007199254740991, "go": 10 ** 30, "crates": 2 ** 64 - 1}[flavor]
WORDS = ["alpha", "beta", "rc", "pre", "a", "B", "x-y", "-", "--", "0a", "a0", "1-2", "SNAPSHOT", "incompatible"]


def num(leading_zeros=False):
    r = rnd.randrange(14)
    if r < 10:
        n = str(rnd.choice([0, 1, 2, 3, 9, 10, 11, 99, 100, rnd.randrange(100000)]))
    elif r < 11:
        n = str(LIMIT + rnd.choice([-2, -1, 0, 0, 1, 2]))
    elif r < 12:
        n = str(rnd.randrange(10 ** rnd.randrange(1, 40)))
    else:
        n = str(rnd.randrange(2 ** 53 - 5, 2 ** 53 + 5))
    if leading_zeros or rnd.random() < .04:
        n = "0" * rnd.randrange(1, 3) + n
    return n


def ident(pre):
    r = rnd.randrange(10)
    if r < 4:
        return num(leading_zeros=pre and flavor == "npm" and rnd.random() < .2)
    return rnd.choice(WORDS)


def idents(pre):
    return ".".join(ident(pre) for _ in range(rnd.choice([1, 1, 2, 2, 3, 4])))


def pseudo():
    t = "%04d%02d%02d%02d%02d%02d" % (rnd.randrange(2017, 2027), rnd.randrange(1, 13), rnd.randrange(1, 29),
                                      rnd.randrange(24), rnd.randrange(60), rnd.randrange(60))
    h = "%012x" % rnd.randrange(16 ** 12)
    base = rnd.randrange(4)
    if base == 0:
        return "0.0.0-%s-%s" % (t, h)
    if base == 1:
        return "1.%d.%d-%s.0.%s-%s" % (rnd.randrange(3), rnd.randrange(3), rnd.choice(["pre", "rc.1", "beta"]), t, h)
    return "1.%d.%d-0.%s-%s" % (rnd.randrange(3), rnd.randrange(1, 4), t, h)


def version():
    if flavor == "go" and rnd.random() < .15:
        v = pseudo()
    else:
        v = ".".join(num() for _ in range(3))
        if flavor == "go" and rnd.random() < .1:
            v = ".".join(v.split(".")[:rnd.choice([1, 2])])
        if rnd.random() < .45:
            sep = "-" if flavor != "npm" or rnd.random() < .8 else ""
            v += sep + idents(True)
    if rnd.random() < .2:
        v += "+" + ("incompatible" if flavor == "go" and rnd.random() < .5 else idents(False))
    if flavor == "go" and rnd.random() < .5:
        v = "v" + v
    if flavor == "npm" and rnd.random() < .15:
        v = "".join(rnd.choice(["v", "=", "\x0b", "\r"]) for _ in range(rnd.randrange(1, 4))) + v
    if flavor == "npm" and rnd.random() < .05:
        v = v + rnd.choice(["\x0c", "\r", "\x0b\r"])
    if flavor == "crates" and rnd.random() < .03:
        v = "v" + v
    if flavor == "npm" and rnd.random() < .03:
        v = v + "+" + "b" * rnd.randrange(230, 260)
    return v


def mutate(v):
    i = rnd.randrange(len(v) + 1)
    c = rnd.choice("0.-+vV=aZ_~*x\x7f")
    r = rnd.randrange(3)
    if r == 0:
        return v[:i] + c + v[i:]
    if r == 1 and len(v) > 1:
        return v[:i] + v[i + 1:]
    return v[:i] + c + v[i + 1:]


def near(v):
    r = rnd.randrange(9)
    if r == 0:
        return v + rnd.choice(["-0", "-1", "-alpha", ".1", "-a.b"]) if "-" not in v else v + ".1"
    if r == 1:
        return v + "+build.7"
    if r == 2:
        return v.split("+")[0]
    if r == 3:
        return v.lstrip("v") if v.startswith("v") else "v" + v
    if r == 4:
        return mutate(v)
    if r == 5:
        return v
    return version()


def printable(v):
    return v and not any(c in v for c in " \t\n")


count = 0
while count < int(sys.argv[3]):
    a = version()
    if rnd.random() < .1:
        a = mutate(a)
    b = near(a) if rnd.random() < .6 else version()
    if printable(a) and printable(b):
        print(a, b)
        count += 1
