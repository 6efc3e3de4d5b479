#!/usr/bin/env python3
"""deadline_ms counts from the hook's exec: with a deadline of 300 ms and an
analysis that can't finish (150,000 packages), the hook decides by
on_timeout and exits within 300 ms plus slack, measured here from the spawn;
the analysis child it killed does not outlive it for long.  The same for a
runtime that never closes the hook's stdin, and for a state written in two
halves 200 ms apart (read whole, not taken for a bad state).  The bound is generous (a shared
CI machine); the figures are printed."""
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

DEADLINE_MS = 300
SLACK_MS = 500          # scheduling on a busy 2-core CI machine; the hook itself aims at DEADLINE_MS
RUNS = 5

hook, cli, src = os.environ["PORTCULLIS_HOOK"], os.environ["PORTCULLIS"], os.environ["PC_SOURCE_ROOT"]
t = tempfile.mkdtemp(prefix="pc-deadline-")
fails = []


def fail(msg):
    print("FAIL:", msg)
    fails.append(msg)


def run_hook(stdin, keep_open=False):
    """Returns (elapsed ms from the spawn, exit code, stderr)."""
    t0 = time.monotonic()
    if keep_open == "split":
        # the state in two writes 200 ms apart: the first half is not a
        # whole object, so the hook reads on (and does not take it for a
        # bad state)
        p = subprocess.Popen([hook, "--config", f"{t}/config.json"], stdin=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        p.stdin.write(stdin[:len(stdin) // 2])
        p.stdin.flush()
        time.sleep(0.2)
        p.stdin.write(stdin[len(stdin) // 2:])
        p.stdin.close()
        err = p.stderr.read()
        p.wait()
    elif keep_open:
        p = subprocess.Popen([hook, "--config", f"{t}/config.json"], stdin=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        p.stdin.write(stdin[:20])       # a start, and never the end
        p.stdin.flush()
        err = p.stderr.read()
        p.wait()
        p.stdin.close()
    else:
        with open(stdin) as f:
            p = subprocess.run([hook, "--config", f"{t}/config.json"], stdin=f, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
        err = p.stderr
    return (time.monotonic() - t0) * 1000, p.returncode, err


def children_left():
    """Processes still running the hook's binary for this test's config."""
    n = 0
    for pid in os.listdir("/proc"):
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read()
        except OSError:
            continue
        if pid.isdigit() and f"{t}/config.json".encode() in cmd:
            n += 1
    return n


try:
    root = f"{t}/rootfs"
    os.makedirs(f"{root}/etc")
    os.makedirs(f"{root}/var/lib/dpkg")
    os.makedirs(f"{t}/bundle")
    open(f"{root}/etc/os-release", "w").write('ID=debian\nVERSION_ID="12"\n')
    with open(f"{root}/var/lib/dpkg/status", "w") as f:
        for i in range(150000):
            f.write(f"Package: p{i}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.{i}-1\n"
                    f"Description: package {i} of a big image\n\n")
    json.dump({"ociVersion": "1.0.2", "root": {"path": root}}, open(f"{t}/bundle/config.json", "w"))
    state = json.dumps({"ociVersion": "1.0.2", "id": "dl", "status": "creating", "pid": 1, "bundle": f"{t}/bundle"})
    open(f"{t}/state.json", "w").write(state)
    subprocess.run([cli, "db", "import", f"{src}/feed", "--db", f"{t}/db.sqlite"], check=True,
                   stdout=subprocess.DEVNULL)
    json.dump({"mode": "enforce", "severity": "HIGH", "on_timeout": "deny", "deadline_ms": DEADLINE_MS},
              open(f"{t}/policy.json", "w"))
    json.dump({"db": f"{t}/db.sqlite", "cache": f"{t}/cache.db", "lock_dir": f"{t}/locks",
               "policy": f"{t}/policy.json", "log": {"syslog": False, "file": f"{t}/audit.log"}},
              open(f"{t}/config.json", "w"))

    for name, stdin, keep_open in (("slow analysis", f"{t}/state.json", False),
                                   ("stdin never closed", state, True),
                                   ("state in two writes", state, "split")):
        times = []
        for _ in range(RUNS):
            ms, code, err = run_hook(stdin, keep_open)
            times.append(ms)
            if code != 1 or "on_timeout is deny" not in err:
                fail(f"{name}: exit {code}, {err.strip()}")
        times.sort()
        print(f"{name}: deadline_ms {DEADLINE_MS}, from spawn to exit: median {times[RUNS // 2]:.0f} ms, "
              f"max {times[-1]:.0f} ms over {RUNS} runs")
        if times[RUNS // 2] > DEADLINE_MS + SLACK_MS:
            fail(f"{name}: median {times[RUNS // 2]:.0f} ms, more than {DEADLINE_MS} + {SLACK_MS} ms")

    # The killed children: gone, or about to be (reaped by whoever inherits them).
    for _ in range(40):
        if children_left() == 0:
            break
        time.sleep(0.05)
    if children_left():
        fail(f"{children_left()} analysis processes left 2 s after the hooks exited")
    lines = open(f"{t}/audit.log").read().splitlines()
    if len(lines) != 3 * RUNS or not all(json.loads(l)["decision"] == "deny" for l in lines):
        fail(f"audit: {len(lines)} lines, want {3 * RUNS} denials")

    # An image can hold more than any deadline lets be read: a deadline
    # that passed while its files were analysed is decided by on_unchecked
    # as well as on_timeout (blocked under on_unchecked deny, though
    # on_timeout allows); one that passed while the runtime kept stdin open
    # is the node's, on_timeout's alone.
    for on_unchecked, name, stdin, keep_open, want, says in (
            ("deny", "slow analysis", f"{t}/state.json", False, 1, "on_unchecked is deny"),
            ("warn", "slow analysis", f"{t}/state.json", False, 0, "on_timeout is allow"),
            ("deny", "stdin never closed", state, True, 0, "on_timeout is allow")):
        json.dump({"mode": "enforce", "severity": "HIGH", "on_timeout": "allow", "on_unchecked": on_unchecked,
                   "deadline_ms": DEADLINE_MS}, open(f"{t}/policy.json", "w"))
        ms, code, err = run_hook(stdin, keep_open)
        if code != want or says not in err:
            fail(f"{name}, on_timeout allow, on_unchecked {on_unchecked}: exit {code}, want {want} and "
                 f"'{says}': {err.strip()}")
        last = json.loads(open(f"{t}/audit.log").read().splitlines()[-1])
        if last["decision"] != ("deny" if want else "allow") or "deadline" not in (last.get("reason") or ""):
            fail(f"{name}, on_unchecked {on_unchecked}: audit line {last}")

    # A cache whose folder another process keeps locked (the node's doing)
    # spends the budget before the analysis' result is read: on_timeout's
    # alone, not an analysis that did not finish (blocked before).
    open(f"{t}/state-small.json", "w").write(state.replace(f"{t}/bundle", f"{t}/small"))
    os.makedirs(f"{t}/small/rootfs/etc")
    open(f"{t}/small/rootfs/etc/os-release", "w").write('ID=debian\nVERSION_ID="12"\n')
    json.dump({"ociVersion": "1.0.2", "root": {"path": f"{t}/small/rootfs"}}, open(f"{t}/small/config.json", "w"))
    json.dump({"mode": "enforce", "severity": "HIGH", "on_timeout": "allow", "on_unchecked": "deny",
               "deadline_ms": DEADLINE_MS}, open(f"{t}/policy.json", "w"))
    folder = os.open(t, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(folder, fcntl.LOCK_EX)
    ms, code, err = run_hook(f"{t}/state-small.json")
    os.close(folder)
    if code != 0 or "spent on cache" not in err or "on_timeout is allow" not in err:
        fail(f"cache folder locked, on_timeout allow, on_unchecked deny: exit {code}, {err.strip()}")
finally:
    shutil.rmtree(t)

sys.exit(1 if fails else 0)
