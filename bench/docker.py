#!/usr/bin/env python3
"""What the gate adds to a `docker run` (see BENCHMARKS.md, "Session 38").

A private dockerd (its own data root, exec root, socket and containerd;
no bridge, no iptables; overlay2) with the daemon.json `portcullis install
docker` writes (the runc wrapper as runtime "portcullis", this build's),
the tests' Debian 12 minbase rootfs imported as an image.  Paired rounds:
`docker run --rm --network none IMAGE /bin/true` once with `--runtime runc`
(Docker's own) and once with `--runtime portcullis`, in alternating order;
the figure is the median of the per-round differences (wall clock on a
shared machine only means something as such pairs).  The image is checked
once before the rounds, so every gated run is a cache hit on the image's
overlay layers: what each start of an image already seen costs.  The DB is
the 1,272 real Debian 12 advisories, the policy warn (every run starts).

Usage: bench/docker.py [--rounds N] [--build DIR] [--rootfs DIR]
Needs root, dockerd and its client (Debian: docker.io)."""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * q))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--build", default=os.path.join(SRC, "build"))
    ap.add_argument("--rootfs", default="/var/tmp/portcullis-test/bookworm-minbase")
    a = ap.parse_args()
    if os.geteuid() != 0 or not shutil.which("dockerd") or not os.path.exists("/usr/bin/docker"):
        sys.exit("needs root, dockerd and /usr/bin/docker (Debian: docker.io)")
    if not os.path.isdir(a.rootfs):
        sys.exit(f"no rootfs at {a.rootfs} (scripts/test.sh makes it; or --rootfs)")
    P = os.path.join(a.build, "cli", "portcullis")
    hook = os.path.join(a.build, "hook", "portcullis-hook")
    wrapper = os.path.join(a.build, "shim", "runc", "runc")
    shared = os.path.join(os.path.dirname(SRC), "shared", "data", "vulndb", "debian12-changelogs", "feed.zip")
    t = tempfile.mkdtemp(prefix="pc-bench-docker-")
    dockerd = None
    try:
        db = os.path.join(t, "vulndb.sqlite")
        subprocess.run([P, "-q", "db", "import", shared, "--db", db], check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(t, "policy.json"), "w") as f:
            f.write('{"mode": "warn", "severity": "HIGH"}\n')
        with open(os.path.join(t, "pc.json"), "w") as f:
            json.dump({"db": db, "cache": os.path.join(t, "cache.db"), "lock_dir": os.path.join(t, "locks"),
                       "policy": os.path.join(t, "policy.json"),
                       "log": {"syslog": False, "file": os.path.join(t, "audit.log")}}, f)
        host = os.path.join(t, "host")
        os.makedirs(host)
        subprocess.run([P, "-q", "install", "docker", "--root", host], check=True, stdout=subprocess.DEVNULL)
        cfg = os.path.join(host, "etc", "docker", "daemon.json")
        d = json.load(open(cfg))
        d["runtimes"]["portcullis"]["path"] = wrapper
        json.dump(d, open(cfg, "w"))
        sock = os.path.join(t, "docker.sock")
        env = dict(os.environ, PORTCULLIS_HOOK_PATH=hook, PORTCULLIS_CONFIG=os.path.join(t, "pc.json"))
        dockerd = subprocess.Popen(["dockerd", "--config-file", cfg, "--data-root", os.path.join(t, "data"),
                                    "--exec-root", os.path.join(t, "exec"), "-H", "unix://" + sock,
                                    "--pidfile", os.path.join(t, "docker.pid"), "--bridge", "none",
                                    "--iptables=false", "--ip6tables=false", "--ip-masq=false",
                                    "--storage-driver", "overlay2"], env=env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=open(os.path.join(t, "dockerd.log"), "w"))
        D = ["/usr/bin/docker", "-H", "unix://" + sock]
        for _ in range(150):
            if subprocess.run(D + ["version"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
                break
            time.sleep(0.2)
        tar = subprocess.Popen(["tar", "-C", a.rootfs, "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(D + ["import", "-", "localhost/minbase:bench"], stdin=tar.stdout, check=True,
                       stdout=subprocess.DEVNULL)
        tar.wait()

        def run(runtime):
            s = time.perf_counter()
            subprocess.run(D + ["run", "--rm", "--network", "none", "--runtime", runtime, "localhost/minbase:bench",
                                "/bin/true"], check=True, stdout=subprocess.DEVNULL)
            return time.perf_counter() - s

        run("portcullis")       # the miss: from here on, hits
        run("runc")
        plain, gated, diff = [], [], []
        for i in range(a.rounds):
            order = ["runc", "portcullis"] if i % 2 else ["portcullis", "runc"]
            r = {k: run(k) for k in order}
            plain.append(r["runc"])
            gated.append(r["portcullis"])
            diff.append(r["portcullis"] - r["runc"])
        lines = [json.loads(x) for x in open(os.path.join(t, "audit.log"))]
        hits = sum(1 for x in lines[1:] if x.get("cache") == "hit")
        print(f"docker run --rm /bin/true, {a.rounds} rounds: runc {statistics.median(plain) * 1e3:.1f} ms, "
              f"portcullis {statistics.median(gated) * 1e3:.1f} ms; added: median "
              f"{statistics.median(diff) * 1e3:.2f} ms, p90 {pct(diff, 0.9) * 1e3:.2f} ms; "
              f"{hits} of {len(lines) - 1} gated runs cache hits "
              f"(hook's own duration median {statistics.median(x['duration_ms'] for x in lines[1:])} ms)")
    finally:
        if dockerd:
            dockerd.terminate()
            try:
                dockerd.wait(20)
            except subprocess.TimeoutExpired:
                dockerd.kill()
        subprocess.run(["sh", "-c", f"grep -o ' {t}/[^ ]*' /proc/self/mounts | sort -r | xargs -r -n1 umount -l"],
                       stderr=subprocess.DEVNULL)
        shutil.rmtree(t, ignore_errors=True)


if __name__ == "__main__":
    main()
