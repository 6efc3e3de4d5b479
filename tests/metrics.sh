#!/bin/bash
# portcullis metrics read by a real node_exporter (Debian's
# prometheus-node-exporter, textfile collector only) on loopback: decisions
# the real hook made (by verdict, mode and namespace, a namespace that needs
# escaping among them), cache hits and misses, the duration histogram, the
# DB's revision and records, the cache's entries; the scrape has no textfile
# parse error; a second run after more decisions has larger counters; a
# rotated (renamed) log and a truncated one keep the counters.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
NE=$(command -v prometheus-node-exporter || command -v node_exporter) ||
        { echo "skip: prometheus-node-exporter not installed"; exit 77; }
command -v curl >/dev/null || { echo "skip: curl not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/pc-metrics-XXXXXX")
NE_PID=""
cleanup() { [ -n "$NE_PID" ] && kill "$NE_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
export TMPDIR=$T
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# Two images: one with a CRITICAL finding (libcurl4), one clean.
rootfs() {
        mkdir -p "$T/$1/etc" "$T/$1/var/lib/dpkg"
        printf 'ID=debian\nVERSION_ID="12"\n' >"$T/$1/etc/os-release"
        printf 'Package: %s\nStatus: install ok installed\nArchitecture: amd64\nVersion: %s\n\n' "$2" "$3" \
                >"$T/$1/var/lib/dpkg/status"
}
rootfs vuln libcurl4 7.88.1-10+deb12u3
sed -i 's/^Version/Source: curl\nVersion/' "$T/vuln/var/lib/dpkg/status"
rootfs clean portcullis-test-none 1.0
"$P" db import "$SRC/feed" --db "$T/db.sqlite" >/dev/null || { echo "FAIL: import"; exit 1; }
printf '{"mode": "enforce", "severity": "HIGH",
  "scopes": [{"name": "dev", "match": {"namespaces": ["dev"]}, "mode": "warn"}]}\n' >"$T/policy.json"
# state_roots: a folder of its own, so that the running containers'
# recheck judges none of the node's (the other tests' containers come and
# go, and the gauge with them)
mkdir -p "$T/state"
printf '{"db": "%s", "cache": "%s/var/cache.db", "lock_dir": "%s/locks", "policy": "%s",
  "log": {"syslog": false, "file": "%s/audit.log"}, "state_roots": ["%s/state"],
  "update": {"state_dir": "%s/update"}}\n' \
        "$T/db.sqlite" "$T" "$T" "$T/policy.json" "$T" "$T" "$T" >"$T/config.json"
# db update's record of runs: the last run failed, the one before succeeded
mkdir -m 0700 "$T/update"
printf '{"version": 1, "started": "2026-12-06T06:10:00Z", "ended": "2026-12-06T06:11:40Z", "pid": 4242,
  "error": "update: no source could serve it", "last_success": "2026-12-06T00:12:00Z"}\n' >"$T/update/run.json"

# start ROOTFS NAMESPACE: one container start through the real hook (its
# namespace as CRI annotates it; NAMESPACE is JSON-escaped); sets RC.
n=0
start() {
        n=$((n + 1))
        mkdir -p "$T/b$n"
        printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}, "annotations": {"io.kubernetes.cri.image-name": "reg/%s:1", "io.kubernetes.pod.namespace": "%s"}}\n' \
                "$T/$1" "$1" "$2" >"$T/b$n/config.json"
        printf '{"ociVersion": "1.0.2", "id": "c%d", "status": "creating", "pid": 1, "bundle": "%s"}\n' "$n" "$T/b$n" |
                timeout 60 "$HOOK" --config "$T/config.json" >/dev/null 2>&1
        RC=$?
}
WEIRD='we\"ird\\ns\nx'     # a quote, a backslash, a line feed (JSON-escaped)

start vuln prod;  [ "$RC" -eq 1 ] || fail "vuln in prod: not blocked ($RC)"      # miss
start vuln prod;  [ "$RC" -eq 1 ] || fail "vuln in prod again: not blocked"      # hit
start vuln dev;   [ "$RC" -eq 0 ] || fail "vuln in dev: not started (warn)"      # hit
start clean prod; [ "$RC" -eq 0 ] || fail "clean in prod: not started"           # miss
start vuln "$WEIRD"; [ "$RC" -eq 1 ] || fail "vuln in the odd namespace: not blocked"  # hit
echo 'this line is not an audit record' >>"$T/audit.log"
[ "$(wc -l <"$T/audit.log")" -eq 6 ] || fail "audit log: $(wc -l <"$T/audit.log") lines, expected 6"

mkdir -p "$T/tf"
metrics() {
        "$P" metrics --config "$T/config.json" --output "$T/tf/portcullis.prom" 2>"$T/metrics.err" ||
                fail "metrics: $(cat "$T/metrics.err")"
}
metrics
[ -f "$T/var/metrics.state" ] || fail "no state file in the cache's folder"
[ "$(ls "$T/tf")" = "portcullis.prom" ] || fail "textfile folder holds more than the file: $(ls "$T/tf")"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$NE" --web.listen-address="127.0.0.1:$PORT" --collector.disable-defaults --collector.textfile \
        --collector.textfile.directory="$T/tf" >"$T/ne.log" 2>&1 &
NE_PID=$!
for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$PORT/metrics" >/dev/null 2>&1 && break
        sleep 0.1
done
scrape() { curl -sf "http://127.0.0.1:$PORT/metrics" >"$T/scrape" || fail "scrape failed: $(tail -3 "$T/ne.log")"; }
# want SAMPLE VALUE: the scrape has that line (node_exporter orders labels by name)
want() { grep -qxF -- "$1 $2" "$T/scrape" || fail "scrape: want '$1 $2'; have: $(grep -F -- "${1%%\{*}" "$T/scrape" | head -20)"; }
scrape
want 'node_textfile_scrape_error' 0
want 'portcullis_decisions_total{mode="enforce",namespace="prod",verdict="deny"}' 2
want 'portcullis_decisions_total{mode="warn",namespace="dev",verdict="warn"}' 1
want 'portcullis_decisions_total{mode="enforce",namespace="prod",verdict="allow"}' 1
want 'portcullis_decisions_total{mode="enforce",namespace="we\"ird\\ns\nx",verdict="deny"}' 1
want 'portcullis_cache_hits_total' 3
want 'portcullis_cache_misses_total' 2
want 'portcullis_decision_duration_seconds_count{cache="miss"}' 2
want 'portcullis_decision_duration_seconds_bucket{cache="miss",le="+Inf"}' 2
want 'portcullis_decision_duration_seconds_count{cache="hit"}' 3
want 'portcullis_audit_lines_skipped_total' 1
want 'portcullis_cache_entries' 2
# (node_exporter writes a timestamp as a float: 1.79651592e+09)
want_n() { [ "$(awk -v n="$1" '$1 == n { printf "%d", $2 }' "$T/scrape")" = "$2" ] ||
        fail "scrape: want '$1 $2'; have: $(grep -F -- "$1" "$T/scrape")"; }
want_n 'portcullis_db_update_last_success_timestamp_seconds' "$(date -u -d 2026-12-06T00:12:00Z +%s)"
want_n 'portcullis_db_update_last_run_timestamp_seconds' "$(date -u -d 2026-12-06T06:10:00Z +%s)"
want 'portcullis_db_update_last_run_success' 0
"$P" db status --db "$T/db.sqlite" --format json >"$T/status.json"
rev=$(sed -n 's/^  "revision": "\(.*\)",$/\1/p' "$T/status.json")
records=$(sed -n 's/^  "records": \([0-9]*\),$/\1/p' "$T/status.json")
[ -n "$rev" ] && [ -n "$records" ] || fail "db status: no revision or records: $(head -12 "$T/status.json")"
want "portcullis_db_info{revision=\"$rev\"}" 1
want 'portcullis_db_records' "$records"
grep -q '^portcullis_db_age_seconds [0-9]' "$T/scrape" || fail "no DB age: $(grep db_age "$T/scrape")"
# The histogram's buckets hold each analysis' duration from the audit
# lines; the file has HELP and TYPE once per metric, before its samples.
python3 - "$T/audit.log" "$T/scrape" "$T/tf/portcullis.prom" <<'PY' || fail "histogram or HELP/TYPE"
import json, sys
ms = [json.loads(l)["duration_ms"] for l in open(sys.argv[1]) if l.startswith("{") and '"cache":"miss"' in l]
for line in open(sys.argv[2]):
    if line.startswith('portcullis_decision_duration_seconds_bucket{cache="miss",le="') and "+Inf" not in line:
        le = float(line.split('le="')[1].split('"')[0])
        assert int(float(line.split()[-1])) == sum(1 for m in ms if m <= le * 1000), (line, ms)
seen, types, helps = set(), {}, set()
for line in open(sys.argv[3]):
    if line.startswith("# HELP "):
        helps.add(line.split()[2])
    elif line.startswith("# TYPE "):
        name = line.split()[2]
        assert name not in types and name in helps, name
        types[name] = line.split()[3]
    else:
        name = line.split("{")[0].split()[0]
        base = next(b for b in types if name == b or name in (b + "_bucket", b + "_sum", b + "_count"))
        seen.add(base)
assert seen == set(types) == helps, (seen, types, helps)
PY

# A run with nothing new changes nothing; more decisions raise the counters.
cp "$T/tf/portcullis.prom" "$T/before.prom"
metrics
diff <(grep -v db_age "$T/before.prom") <(grep -v db_age "$T/tf/portcullis.prom") >/dev/null ||
        fail "a run without new lines changed the counters"
want 'portcullis_decisions_failed_total{verdict="allow"}' 0
start vuln prod
start clean prod
# A start the analysis failed for (its dpkg status a FIFO), let through by
# the default on_error allow, and one with nothing checked (no package
# database): counted apart, to alert on; the failure names the mode.
rootfs fifo x 1
rm "$T/fifo/var/lib/dpkg/status" && mkfifo "$T/fifo/var/lib/dpkg/status"
start fifo prod; [ "$RC" -eq 0 ] || fail "FIFO status in prod: not started (on_error allow)"
mkdir -p "$T/static/etc"
printf 'ID=debian\nVERSION_ID="12"\n' >"$T/static/etc/os-release"
start static prod; [ "$RC" -eq 0 ] || fail "static image in prod: not started (on_unchecked warn)"
metrics
scrape
want 'portcullis_decisions_total{mode="enforce",namespace="prod",verdict="deny"}' 3
want 'portcullis_decisions_total{mode="enforce",namespace="prod",verdict="allow"}' 3
want 'portcullis_decisions_total{mode="enforce",namespace="prod",verdict="warn"}' 1
want 'portcullis_decisions_failed_total{verdict="allow"}' 1
want 'portcullis_decisions_failed_total{verdict="deny"}' 0
want 'portcullis_decisions_unchecked_total{verdict="warn"}' 1
want 'portcullis_cache_hits_total' 5

# Rotation (renamed, logrotate's default): a decision written to the old
# file after the last run is read from audit.log.1, the new file's from its
# start; nothing is counted twice.
start vuln prod
mv "$T/audit.log" "$T/audit.log.1"
start clean prod
metrics
scrape
want 'portcullis_decisions_total{mode="enforce",namespace="prod",verdict="deny"}' 4
want 'portcullis_decisions_total{mode="enforce",namespace="prod",verdict="allow"}' 4
want 'portcullis_audit_log_rotations_total' 1
# Truncated in place (copytruncate): counted from its start again.
: >"$T/audit.log"
start vuln dev
metrics
scrape
want 'portcullis_decisions_total{mode="warn",namespace="dev",verdict="warn"}' 2
want 'portcullis_decisions_total{mode="enforce",namespace="prod",verdict="deny"}' 4
want 'portcullis_audit_log_rotations_total' 2
want 'node_textfile_scrape_error' 0

# A damaged state is refused with what to do; the file is left as it was.
echo '{"version": 1' >"$T/var/metrics.state"
OUT=$("$P" metrics --config "$T/config.json" --output "$T/tf/portcullis.prom" 2>&1); RC=$?
[ "$RC" -eq 2 ] && grep -q "metrics.state is damaged.*remove it" <<<"$OUT" || fail "damaged state: $RC $OUT"

[ "$fails" -eq 0 ] && echo ok || echo "$fails failures"
[ "$fails" -eq 0 ]
