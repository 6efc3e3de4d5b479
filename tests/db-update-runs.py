#!/usr/bin/env python3
"""A node whose `db update` runs fail, or are killed, is said: by `doctor`
(its "update" check), by `metrics` (portcullis_db_update_*), and by `db
status`, with the record of runs the updater writes (<state_dir>/run.json)
when a run starts and when it ends.  A mirror of our own (http on
127.0.0.1, a free port) serves the shipped Debian records, answers 500, or
holds a request open (a run then waits, and is killed with SIGKILL, as
systemd's TimeoutStartSec or the OOM killer would).

  never      update sources configured, no run ever: doctor warns, naming
             the source; the last-success gauge is 0, the last-run ones
             left out
  import     no run ever, but a database imported a moment ago (a node fed
             by `db import`): doctor ok, saying so
  success    doctor ok; last_run_success 1
  failure    the mirror answers 500: doctor warns with the URL and the
             last success; last_run_success 0, the last success kept
  running    a run in progress: doctor ok, `db status` says so; a second
             run says the first holds the lock
  killed     kill -9 of that run: `db status`, doctor and metrics say the
             run of that time and pid was killed (TimeoutStartSec named),
             never the run before as the last; the next run says so too
  probed     the next run starts while the lock is probed (a shared
             flock held a moment, as doctor's): it waits, then runs
  stale      the last success 30 h ago: doctor warns (24 h)
  earlier    a state folder of a version before run.json: state.json's
             last run is read
"""
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import unquote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pctest import P, check, finish, http_server, osv_folder  # noqa: E402
from pctest import doctor_update as doctor, update_gauges as metrics  # noqa: E402

SRC = os.environ["PC_SOURCE_ROOT"]
T = tempfile.mkdtemp(prefix="db-update-runs-")


def mirror_folder():
    osv_folder(f"{T}/mirror/Debian:12")


class Mirror:
    """self.mode: "ok" serves T/mirror, "fail" answers 500, "hold" keeps
    the request open until self.release is set."""

    def __init__(self):
        self.mode, self.held, self.release = "ok", threading.Event(), threading.Event()
        self.srv, base = http_server(self.handle)
        self.url = base + "/mirror"

    def close(self):
        self.release.set()
        self.srv.shutdown()
        self.srv.server_close()

    @staticmethod
    def send(h, code, body=b""):
        try:
            h.send_response(code)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
        except OSError:
            pass        # the run was killed

    def handle(self, h):
        if self.mode == "fail":
            return self.send(h, 500, b"broken mirror")
        if self.mode == "hold":
            self.held.set()
            self.release.wait(120)
            return self.send(h, 503, b"")
        f = os.path.normpath(f"{T}/{unquote(h.path.split('?')[0])}")
        if not f.startswith(T + "/") or not os.path.isfile(f):
            return self.send(h, 404, b"not here")
        return self.send(h, 200, open(f, "rb").read())


def node(name, url):
    n = f"{T}/node-{name}"
    os.makedirs(n)
    open(f"{n}/audit.log", "w").close()
    u = {"sources": [url], "cve_sources": [], "ecosystems": ["Debian:12"], "state_dir": f"{n}/state",
         "timeout_s": 60}
    json.dump({"db": f"{n}/db.sqlite", "cache": f"{n}/cache/cache.db", "lock_dir": f"{n}/lock",
               "log": {"file": f"{n}/audit.log"}, "update": u}, open(f"{n}/config.json", "w"))
    return f"{n}/config.json"


def update(config):
    r = subprocess.run([P, "db", "update", "--config", config], capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout + r.stderr


def status_text(config):
    r = subprocess.run([P, "db", "status", "--config", config], capture_output=True, text=True)
    return r.stdout + r.stderr


def status_json(config):
    r = subprocess.run([P, "db", "status", "--config", config, "--format", "json"], capture_output=True,
                       text=True)
    return json.loads(r.stdout).get("update", {}) if r.returncode == 0 else {}


def ts(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


LAST_SUCCESS = "portcullis_db_update_last_success_timestamp_seconds"
LAST_RUN = "portcullis_db_update_last_run_timestamp_seconds"
LAST_OK = "portcullis_db_update_last_run_success"


def main():
    mirror_folder()
    m = Mirror()
    try:
        cfg = node("a", m.url)

        # never: sources configured, no run
        st, detail, fix = doctor(cfg)
        check(st == "warn" and "never ran" in detail and m.url in detail and "portcullis-update.timer" in fix,
              f"never: doctor {st}: {detail} / {fix}")
        g = metrics(cfg)
        check(g.get(LAST_SUCCESS) == 0 and LAST_RUN not in g and LAST_OK not in g, f"never: metrics {g}")

        # import: fed by `db import` alone, the db check holds the age
        cfg_b = node("b", m.url)
        r = subprocess.run([P, "db", "import", f"{T}/mirror/Debian:12/all.zip", "--db", f"{T}/node-b/db.sqlite"],
                           capture_output=True, text=True)
        check(r.returncode == 0, f"import: db import: {r.stderr}")
        st, detail, fix = doctor(cfg_b)
        check(st == "ok" and "never ran" in detail and "a node fed by 'portcullis db import'" in detail and
              "max_db_age_hours (120)" in detail, f"import: doctor {st}: {detail} / {fix}")

        # success
        t0 = time.time()
        rc, out = update(cfg)
        check(rc == 0, f"success: exit {rc}: {out[-2000:]}")
        st, detail, fix = doctor(cfg)
        check(st == "ok" and "succeeded" in detail, f"success: doctor {st}: {detail}")
        g = metrics(cfg)
        ok_at = g.get(LAST_SUCCESS, 0)
        check(g.get(LAST_OK) == 1 and ok_at >= int(t0) and g.get(LAST_RUN, 0) >= int(t0),
              f"success: metrics {g}")

        # failure: the mirror answers 500
        m.mode = "fail"
        t1 = time.time()
        rc, out = update(cfg)
        check(rc == 2, f"failure: exit {rc}: {out[-2000:]}")
        st, detail, fix = doctor(cfg)
        check(st == "warn" and "failed:" in detail and m.url in detail and "500" in detail and
              f"last success: {ts(ok_at)}" in detail and "portcullis db update" in fix,
              f"failure: doctor {st}: {detail} / {fix}")
        g = metrics(cfg)
        check(g.get(LAST_OK) == 0 and g.get(LAST_SUCCESS) == ok_at and g.get(LAST_RUN, 0) >= int(t1),
              f"failure: metrics {g}")

        # running, then killed with SIGKILL while it waits for the mirror
        m.mode = "hold"
        m.held.clear()
        run = subprocess.Popen([P, "db", "update", "--config", cfg], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        check(m.held.wait(60), "killed: the run never asked the mirror")
        rec = json.load(open(f"{T}/node-a/state/run.json"))
        check(rec.get("pid") == run.pid and rec.get("ended") is None, f"running: run.json {rec}")
        st, detail, fix = doctor(cfg)
        check(st == "ok" and f"in progress since {rec.get('started')} (" in detail and f"(pid {run.pid})" in detail,
              f"running: doctor {st}: {detail}")
        check(f"updating:    since {rec.get('started')}, pid {run.pid}" in status_text(cfg),
              f"running: db status: {status_text(cfg)[-1500:]}")
        check(LAST_OK not in metrics(cfg), "running: last_run_success shown while the run goes on")
        # a second run meanwhile waits a moment for the lock (not a run's
        # length), then says the first holds it
        t2 = time.time()
        rc, out = update(cfg)
        check(rc == 2 and "another update is running" in out and time.time() - t2 < 30,
              f"running: a second run: exit {rc} after {time.time() - t2:.1f} s: {out[-2000:]}")
        run.send_signal(signal.SIGKILL)
        run.wait(30)
        m.release.set()
        killed = f"the run started at {rec.get('started')} (pid {run.pid}) was killed before it ended"
        text = status_text(cfg)
        check(f"last update: {rec.get('started')}, failed: {killed}" in text and "TimeoutStartSec" in text,
              f"killed: db status: {text[-1500:]}")
        u = status_json(cfg)
        check(u.get("last_run") == rec.get("started") and killed in (u.get("last_error") or "") and
              u.get("running") is None, f"killed: db status json: {u}")
        st, detail, fix = doctor(cfg)
        check(st == "warn" and f"started at {rec.get('started')} (" in detail and
              f"(pid {run.pid}), was killed" in detail and
              "TimeoutStartSec" in detail and "journalctl -u portcullis-update.service" in fix,
              f"killed: doctor {st}: {detail} / {fix}")
        g = metrics(cfg)
        check(g.get(LAST_OK) == 0 and g.get(LAST_SUCCESS) == ok_at and g.get(LAST_RUN) >= int(t1),
              f"killed: metrics {g}")

        # the next run says what came before it, and succeeds, even while
        # doctor, db status or metrics probe the lock (run_alive(): a
        # shared flock for a moment, here held 0.5 s): the run waits that
        # out, not "another update is running"
        m.mode = "ok"
        probe = os.open(f"{T}/node-a/state/lock", os.O_RDONLY)
        fcntl.flock(probe, fcntl.LOCK_SH)
        threading.Timer(0.5, os.close, (probe,)).start()
        rc, out = update(cfg)
        check(rc == 0 and f"the previous run, started at {rec.get('started')} (pid {run.pid}), was killed" in out,
              f"after the kill: exit {rc}: {out[-2000:]}")
        st, detail, fix = doctor(cfg)
        check(st == "ok", f"after the kill: doctor {st}: {detail}")
        check(metrics(cfg).get(LAST_OK) == 1, "after the kill: last_run_success not 1")

        # stale: the last success (and run) 30 h ago, as when the timer stopped
        rec = json.load(open(f"{T}/node-a/state/run.json"))
        old = ts(time.time() - 30 * 3600)
        rec.update(started=old, ended=old, last_success=old)
        json.dump(rec, open(f"{T}/node-a/state/run.json", "w"))
        st, detail, fix = doctor(cfg)
        check(st == "warn" and "no run succeeded in 24 h" in detail and f"last success {old}" in detail and
              "systemctl status portcullis-update.timer" in fix, f"stale: doctor {st}: {detail} / {fix}")

        # an oci:// pull that served after a failed http(s) run: it writes
        # oci.json and run.json, not state.json (the files as such a run
        # leaves them): db status's last update is that pull, not the
        # failed run before it
        st_path = f"{T}/node-a/state/state.json"
        state = json.load(open(st_path))
        saved = dict(state)
        state.update(last_run=ts(time.time() - 7200), last_error="an http(s) run that failed")
        json.dump(state, open(st_path, "w"))
        now = ts(time.time() - 60)
        json.dump({"version": 1, "started": ts(time.time() - 120), "ended": now, "pid": 1, "last_success": now},
                  open(f"{T}/node-a/state/run.json", "w"))
        u = status_json(cfg)
        check(u.get("last_run") == now and u.get("last_error") is None and u.get("last_success") == now,
              f"after an oci:// pull: db status json: {u}")
        check(f"last update: {now}\nupdate ok:   {now}\n" in status_text(cfg),
              f"after an oci:// pull: db status: {status_text(cfg)[-1500:]}")
        json.dump(saved, open(st_path, "w"))

        # earlier: state.json alone (a state folder of a version before run.json)
        os.unlink(f"{T}/node-a/state/run.json")
        last = json.load(open(f"{T}/node-a/state/state.json"))["last_success"]
        st, detail, fix = doctor(cfg)
        check(st == "ok" and f"at {last}" in detail, f"earlier: doctor {st}: {detail}")
        g = metrics(cfg)
        check(g.get(LAST_OK) == 1 and ts(g.get(LAST_SUCCESS, 0)) == last, f"earlier: metrics {g}")
    finally:
        m.close()
        shutil.rmtree(T, ignore_errors=True)
    finish()


main()
