#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Prints N pairs "A B" of PyPI versions for pep440-differential.sh: valid
# versions in every spelling PEP 440 normalises (epochs, long releases,
# leading zeros, a/alpha/b/beta/c/rc/pre/preview, post/rev/r and "-N",
# dev, local versions, separators, case, a leading v, whitespace that is
# not a blank, as UTF-8), near versions where an off-by-one would hide, the same
# version spelled another way, and broken ones.  A version never holds a
# blank, a tab or a newline (the batch format splits on them).
#
#   pep440-pairs.py SEED N
import random
import sys

rnd = random.Random(int(sys.argv[1]))
SEPS = ["", "", "", ".", "-", "_"]
PRE = ["a", "b", "c", "rc", "alpha", "beta", "pre", "preview"]
POST = ["post", "rev", "r"]
# Python's str.isspace() minus blank, tab and newline, and U+200B, which
# is no space; printed as UTF-8.
SPACE = ["\x0b", "\x0c", "\r", "\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\xa0", "\u2003", "\u202f", "\u3000",
         "\u200b"]


def num():
    return rnd.choice(["0", "1", "2", "9", "10", "00", "01", "007", "99", str(rnd.randrange(1000)),
                       str(rnd.randrange(10 ** 25))])


def case(s):
    return "".join(c.upper() if rnd.random() < .3 else c for c in s)


def opt_num():
    return num() if rnd.random() < .8 else ""


def local():
    parts = [rnd.choice(["ubuntu", "deb", "abc", "ABC", "a", "z", "0", "1", "12", "007", "x86", "1a"])
             for _ in range(rnd.randrange(1, 4))]
    out = parts[0]
    for p in parts[1:]:
        out += rnd.choice(".-_") + p
    return out


def version():
    v = ""
    if rnd.random() < .1:
        v += rnd.choice(["v", "V"])
    if rnd.random() < .15:
        v += num() + "!"
    v += ".".join(num() for _ in range(rnd.choice([1, 1, 2, 2, 3, 3, 4, 6])))
    if rnd.random() < .35:
        v += rnd.choice(SEPS) + case(rnd.choice(PRE)) + rnd.choice(SEPS) + opt_num()
    if rnd.random() < .25:
        if rnd.random() < .3:
            v += "-" + num()
        else:
            v += rnd.choice(SEPS) + case(rnd.choice(POST)) + rnd.choice(SEPS) + opt_num()
    if rnd.random() < .25:
        v += rnd.choice(SEPS) + case("dev") + rnd.choice(SEPS) + opt_num()
    if rnd.random() < .2:
        v += "+" + local()
    if rnd.random() < .05:
        v = rnd.choice(SPACE) + v
    if rnd.random() < .05:
        v += rnd.choice(SPACE)
    return v


def mutate(v):
    """A broken or odd version: one byte inserted, dropped or replaced."""
    i = rnd.randrange(len(v) + 1)
    c = rnd.choice("0.-_+!vVaArcpostdev,~*x=\x7f")
    r = rnd.randrange(3)
    if r == 0:
        return v[:i] + c + v[i:]
    if r == 1 and len(v) > 1:
        return v[:i] + v[i + 1:]
    return v[:i] + c + v[i + 1:]


def near(v):
    r = rnd.randrange(9)
    if r == 0:
        return v + ".0"
    if r == 1:
        return v + rnd.choice(["a1", ".dev0", ".post0", "-1", "+local", "rc1"])
    if r == 2:
        return v.replace(".", "_", 1) if "!" not in v else v
    if r == 3:
        return v.upper()
    if r == 4:
        return "v" + v
    if r == 5:
        return mutate(v)
    if r == 6:
        return v
    return version()


def printable(v):
    return v and not any(c in v for c in " \t\n")


count = 0
while count < int(sys.argv[2]):
    a = version()
    if rnd.random() < .1:
        a = mutate(a)
    b = near(a) if rnd.random() < .6 else version()
    if printable(a) and printable(b):
        sys.stdout.buffer.write((a + " " + b + "\n").encode())
        count += 1
