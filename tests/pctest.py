"""What the Python tests share (import it from a test in tests/): check()
counts failures instead of stopping at the first, run() runs portcullis
($PORTCULLIS) and checks its exit code, finish() prints the tally and
exits 1 when anything failed."""
import os
import subprocess
import sys

P = os.environ.get("PORTCULLIS", "portcullis")
failures = 0
checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", what)
    return cond


def run(*args, expect=0, timeout=None):
    r = subprocess.run([P, *args], capture_output=True, text=True, timeout=timeout)
    check(r.returncode == expect, f"portcullis {' '.join(args)}: exit {r.returncode}, wanted {expect}: "
          f"{r.stderr[-2000:]}")
    return r


def finish():
    print("ok" if failures == 0 else f"{failures} of {checks} checks failed")
    sys.exit(1 if failures else 0)
