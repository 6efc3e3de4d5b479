#!/bin/bash
# The DB as an OCI artifact (issue 17) against a real registry: Debian's
# docker-registry (the CNCF distribution registry) on 127.0.0.1 at a random
# free port, with TLS from a CA made here and htpasswd auth, its storage in
# this test's folder; skopeo as the independent client.
#
# Covers: `db publish` (no credentials: refused, saying what to add), skopeo
# seeing the artifact and its artifactType; `db update` on a second state
# folder pulling it (same revision in `db status`); an unchanged manifest
# (no blob GET in the registry's log); a newer revision swapped in while 64
# hooks decide; refused, with the previous DB serving: an older validly
# signed build, another key's signature, a truncated layer, a layer with
# other bytes, a layer over the cap, a registry that never answers, a much
# smaller DB, or one with far fewer records of an ecosystem (unless
# --allow-shrink), an artifact past its expiry whose
# manifest is unchanged; a state not saved after the swap said as such;
# mirrors tried in order.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}

for tool in docker-registry skopeo htpasswd openssl python3 curl; do
        command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (scripts/install-deps.sh)"; exit 77; }
done

T=$(mktemp -d)
REG_PID=
REG2_PID=
TOKEN_PID=
HANG_PID=
PROXY_PID=
cleanup() {
        [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null && wait "$REG_PID" 2>/dev/null
        [ -n "$REG2_PID" ] && kill "$REG2_PID" 2>/dev/null && wait "$REG2_PID" 2>/dev/null
        [ -n "$TOKEN_PID" ] && kill "$TOKEN_PID" 2>/dev/null && wait "$TOKEN_PID" 2>/dev/null
        [ -n "$HANG_PID" ] && kill "$HANG_PID" 2>/dev/null && wait "$HANG_PID" 2>/dev/null
        [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null && wait "$PROXY_PID" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# ---- the registry ---------------------------------------------------------------
CA=$T/ca
mkdir -p "$CA" "$T/certs"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=portcullis test CA" \
        -keyout "$CA/ca.key" -out "$CA/ca.pem" 2>/dev/null &&
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=127.0.0.1" \
                -keyout "$CA/srv.key" -out "$CA/srv.csr" 2>/dev/null &&
        printf 'subjectAltName=IP:127.0.0.1\n' >"$CA/ext" &&
        openssl x509 -req -in "$CA/srv.csr" -CA "$CA/ca.pem" -CAkey "$CA/ca.key" -CAcreateserial -days 2 \
                -extfile "$CA/ext" -out "$CA/srv.pem" 2>/dev/null || { echo "FAIL: openssl: no test CA"; exit 1; }
cp "$CA/ca.pem" "$T/certs/ca.crt"       # skopeo's --cert-dir wants *.crt
htpasswd -Bbn alice 's3cret pass' >"$T/htpasswd" || { echo "FAIL: htpasswd"; exit 1; }
PORT=$(free_port)
REG=127.0.0.1:$PORT
cat >"$T/registry.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $T/storage
http:
  addr: $REG
  tls:
    certificate: $CA/srv.pem
    key: $CA/srv.key
auth:
  htpasswd:
    realm: portcullis-test
    path: $T/htpasswd
EOF
LOG=$T/registry.log
docker-registry serve "$T/registry.yml" >"$LOG" 2>&1 &
REG_PID=$!
# wait_https URL: until it answers (at most 30 s).
wait_https() {
        for _ in $(seq 1 300); do
                curl -s -o /dev/null --cacert "$CA/ca.pem" "$1" && return 0
                sleep 0.1
        done
        return 1
}
wait_https "https://$REG/v2/" || { echo "FAIL: the registry did not start: $(tail -5 "$LOG")"; exit 1; }
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REG" "$(printf 'alice:s3cret pass' | base64 -w0)" >"$T/auth.json"
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REG" "$(printf 'alice:wrong' | base64 -w0)" >"$T/auth-wrong.json"
CREDS=(--cert-dir "$T/certs" --creds 'alice:s3cret pass')

# ---- keys and databases ------------------------------------------------------------
keypair() {
        openssl genpkey "${@:2}" -out "$T/$1.key" 2>/dev/null && openssl pkey -in "$T/$1.key" -pubout -out "$T/$1.pub" ||
                fail "openssl: no $1 key"
}
keypair ed25519 -algorithm ed25519
keypair other -algorithm ed25519
keypair ecdsa -algorithm EC -pkeyopt ec_paramgen_curve:P-256
# mkdb NAME EXTRA-RECORDS: the feed's 16 records and EXTRA generated ones.
mkdb() {
        mkdir -p "$T/feed-$1"
        cp "$SRC"/feed/debian12/*.json "$T/feed-$1/"
        python3 - "$T/feed-$1" "$1" "$2" <<'PY'
import json, os, sys
d, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(n):
    # a summary of random letters: a layer that does not compress away
    s = os.urandom(300).hex()
    json.dump({"id": f"PCT-{name}-{i}", "modified": "2030-01-01T00:00:00Z", "summary": s,
               "affected": [{"package": {"ecosystem": "Debian:12", "name": f"pc-{name}-{i}"},
                             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0-1"}]}]}]},
              open(f"{d}/PCT-{name}-{i}.json", "w"))
PY
        "$P" db import "$T/feed-$1" --db "$T/$1.sqlite" >/dev/null || fail "import $1"
}
mkdb a 1
mkdb b 2
mkdb c 3
mkdb d 4
mkdb e 5
mkdb f 6
mkdb big 3000
rev() { "$P" db status --db "$1" --format json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["revision"])'; }
pub() { # DB TAG [ARGS...]
        local db=$1 tag=$2; shift 2
        "$P" db publish --db "$T/$db.sqlite" --key "$T/ed25519.key" --authfile "$T/auth.json" --ca-file "$CA/ca.pem" \
                "$@" "oci://$REG/security/portcullis-db:$tag" >"$T/out" 2>&1
}

# ---- publish ------------------------------------------------------------------------
"$P" db publish --db "$T/a.sqlite" --key "$T/ed25519.key" --ca-file "$CA/ca.pem" \
        "oci://$REG/security/portcullis-db:latest" >"$T/out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "HTTP 401: the registry needs credentials: add .*auths" "$T/out" ||
        fail "publish without credentials: exit $rc: $(cat "$T/out")"
"$P" db publish --db "$T/a.sqlite" --key "$T/ed25519.key" --authfile "$T/auth-wrong.json" --ca-file "$CA/ca.pem" \
        "oci://$REG/security/portcullis-db:latest" >"$T/out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "HTTP 401 after authenticating" "$T/out" || fail "publish, wrong password: exit $rc: $(cat "$T/out")"
"$P" db publish --db "$T/a.sqlite" --key "$T/ed25519.key" --authfile "$T/auth.json" \
        "oci://$REG/security/portcullis-db:latest" >"$T/out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -qi "certificate" "$T/out" || fail "publish without the CA: exit $rc: $(cat "$T/out")"
# Revision a is built in the past (an hour back, then half an hour), so
# that b, published later in this test at the current time, is newer even
# when the whole test runs within one second (a fast machine): the same
# build time with another revision is refused as a rollback.
A_CREATED=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
pub a latest --created "$A_CREATED" || fail "publish: $(cat "$T/out")"
grep -q "3 blobs uploaded, 0 already there" "$T/out" || fail "publish: $(cat "$T/out")"
REV_A=$(rev "$T/a.sqlite")
pub a latest --created "$(date -u -d '-30 minutes' +%Y-%m-%dT%H:%M:%SZ)" || fail "publish again: $(cat "$T/out")"
# the layer is not sent again; the config and its signature carry the build
# time, so they are new
grep -q "2 blobs uploaded, 1 already there" "$T/out" ||
        fail "publish again: the layer was uploaded again: $(cat "$T/out")"

# skopeo, a real client, sees our artifact.
skopeo inspect --raw "${CREDS[@]}" "docker://$REG/security/portcullis-db:latest" >"$T/manifest.json" 2>"$T/err" ||
        fail "skopeo inspect --raw: $(cat "$T/err")"
skopeo inspect --raw --config "${CREDS[@]}" "docker://$REG/security/portcullis-db:latest" >"$T/config.json" 2>"$T/err" ||
        fail "skopeo inspect --raw --config: $(cat "$T/err")"
python3 - "$T/manifest.json" "$T/config.json" "$REV_A" <<'PY' || fail "skopeo: $(cat "$T/manifest.json" "$T/config.json")"
import json, sys
m, c = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert m["artifactType"] == "application/vnd.portcullis.db.v1", m
assert m["mediaType"] == "application/vnd.oci.image.manifest.v1+json", m
assert [l["mediaType"] for l in m["layers"]] == ["application/vnd.portcullis.db.layer.v1.sqlite+zstd",
                                                 "application/vnd.portcullis.db.signature.v1"], m
assert c["revision"] == sys.argv[3] and c["records"] == 17 and c["ecosystems"] == {"Debian:12": 17}, c
PY

# ---- pull --------------------------------------------------------------------------
N=$T/node
mkdir -p "$N"
# nconfig NAME TIMEOUT SOURCE...: node N's DB and state, these sources.
nconfig() {
        local name=$1 timeout=$2; shift 2
        python3 - "$T/config-$name.json" "$N" "$CA/ca.pem" "$T/auth.json" "$T/ed25519.pub" "$timeout" "$@" <<'PY'
import json, sys
out, n, ca, auth, pub, timeout, *sources = sys.argv[1:]
json.dump({"db": f"{n}/db.sqlite", "cache": f"{n}/cache.db", "lock_dir": f"{n}/locks", "policy": f"{n}/policy.json",
           "log": {"syslog": False, "file": f"{n}/audit.log"},
           "update": {"sources": sources, "ca_file": ca, "auth_file": auth, "public_key": pub,
                      "state_dir": f"{n}/state", "timeout_s": int(timeout), "max_layer_mib": 1}}, open(out, "w"))
PY
}
upd() { local c=$1; shift; "$P" db update --config "$T/config-$c.json" "$@" >"$T/out" 2>&1; }
nconfig latest 10 "oci://$REG/security/portcullis-db:latest"
upd latest || fail "pull: $(cat "$T/out")"
grep -q "signature verified, revision $REV_A, 17 records" "$T/out" || fail "pull: $(cat "$T/out")"
[ "$(rev "$N/db.sqlite")" = "$REV_A" ] || fail "pull: db status shows $(rev "$N/db.sqlite"), not $REV_A"
grep -q "^pulled revision $REV_A from oci://$REG/security/portcullis-db:latest into $N/db.sqlite in " "$T/out" ||
        fail "pull: the summary does not say what was pulled: $(cat "$T/out")"
# db status shows what the pull installed (<state_dir>/oci.json).
MDIG=sha256:$(sha256sum <"$T/manifest.json" | cut -c1-64)
"$P" db status --db "$N/db.sqlite" --config "$T/config-latest.json" >"$T/status" 2>&1 || fail "status: $(cat "$T/status")"
grep -q "^OCI pull:    revision $REV_A from oci://$REG/security/portcullis-db:latest at 20" "$T/status" &&
        grep -q "^  manifest:  $MDIG, built 20.*, expires 20" "$T/status" || fail "status: no OCI pull: $(cat "$T/status")"
"$P" db status --db "$N/db.sqlite" --config "$T/config-latest.json" --format json >"$T/status.json" 2>&1 ||
        fail "status --format json: $(cat "$T/status.json")"
python3 - "$T/status.json" "$REV_A" "oci://$REG/security/portcullis-db:latest" "$MDIG" <<'PY' || fail "status --format json: $(cat "$T/status.json")"
import json, re, sys
o = json.load(open(sys.argv[1]))["oci"]
assert (o["revision"], o["source"], o["manifest_digest"]) == tuple(sys.argv[2:5]), o
assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", o[k]) for k in ("installed", "created", "expires")), o
PY

blob_gets() { grep -c '"GET /v2/security/portcullis-db/blobs/' "$LOG"; }
before=$(blob_gets)
upd latest || fail "unchanged: $(cat "$T/out")"
grep -q "unchanged since the last update" "$T/out" || fail "unchanged: $(cat "$T/out")"
grep -q "^unchanged: $N/db.sqlite is current (revision $REV_A, the manifest of oci://$REG/security/portcullis-db:latest unchanged)" \
        "$T/out" || fail "unchanged: the summary does not say so: $(cat "$T/out")"
[ "$(blob_gets)" = "$before" ] || fail "unchanged: $(($(blob_gets) - before)) blob GETs"

# A newer revision, swapped in while 64 hooks decide from the node's DB.
R=$T/rootfs
mkdir -p "$R/etc" "$R/var/lib/dpkg" "$T/bundle"
printf 'ID=debian\nVERSION_ID="12"\n' >"$R/etc/os-release"
printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: 7.88.1-10+deb12u3\n\n' \
        >"$R/var/lib/dpkg/status"
printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' "$R" >"$T/bundle/config.json"
printf '{"ociVersion": "1.0.2", "id": "r", "status": "creating", "pid": 1, "bundle": "%s"}\n' "$T/bundle" >"$T/state.json"
printf '{"mode": "enforce", "severity": "HIGH", "deadline_ms": 60000}\n' >"$N/policy.json"
pub b latest || fail "publish b: $(cat "$T/out")"
REV_B=$(rev "$T/b.sqlite")
pids=()
for i in $(seq 1 64); do
        ( "$HOOK" --config "$T/config-latest.json" <"$T/state.json" >"$T/hook.$i" 2>&1; echo $? >"$T/hookrc.$i" ) &
        pids+=($!)
        [ "$i" = 20 ] && { upd latest || fail "newer: $(cat "$T/out")"; }
done
wait "${pids[@]}"
[ "$(cat "$T"/hookrc.* | sort -u)" = "1" ] || fail "swap under 64 hooks: exit codes $(cat "$T"/hookrc.* | sort | uniq -c)"
grep -L "portcullis: blocked" "$T"/hook.* | grep -q . && fail "a hook did not decide: $(cat "$(grep -L 'portcullis: blocked' "$T"/hook.* | head -1)")"
[ "$(rev "$N/db.sqlite")" = "$REV_B" ] || fail "newer: the node has $(rev "$N/db.sqlite"), not $REV_B"

# refused CONFIG PATTERN WHAT: the update fails saying PATTERN, and the
# node still serves revision b.
refused() {
        upd "$1"
        local rc=$?
        [ $rc -eq 2 ] && grep -q "$2" "$T/out" || fail "$3: exit $rc: $(cat "$T/out")"
        grep -q "the previous database is unchanged" "$T/out" || fail "$3: not said that the DB is unchanged: $(cat "$T/out")"
        [ "$(rev "$N/db.sqlite")" = "$REV_B" ] || fail "$3: the DB changed"
        ls "$N" | grep -q '\.new-' && fail "$3: a temporary DB is left"
}
# An older build, validly signed.
pub c older --created "$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)" || fail "publish older: $(cat "$T/out")"
nconfig older 10 "oci://$REG/security/portcullis-db:older"
refused older "older than the DB installed last.*refusing to roll the database back" "older build"
# Another key's signature.
"$P" db publish --db "$T/c.sqlite" --key "$T/other.key" --authfile "$T/auth.json" --ca-file "$CA/ca.pem" \
        "oci://$REG/security/portcullis-db:otherkey" >"$T/out" 2>&1 || fail "publish otherkey: $(cat "$T/out")"
nconfig otherkey 10 "oci://$REG/security/portcullis-db:otherkey"
refused otherkey "the signature does not verify with the public key" "another key"
# db status says the last pull failed, and why (until one succeeds, below).
"$P" db status --db "$N/db.sqlite" --config "$T/config-otherkey.json" >"$T/status" 2>&1
grep -q "^  last pull: 20.*, failed: oci://$REG/security/portcullis-db:otherkey: the signature does not verify" "$T/status" &&
        grep -q "warning: the last OCI pull, at 20.*, failed: " "$T/status" || fail "status after a failed pull: $(cat "$T/status")"
# layer_blob TAG: the file the registry serves the DB layer of TAG from.
layer_blob() {
        local d
        d=$(skopeo inspect --raw "${CREDS[@]}" "docker://$REG/security/portcullis-db:$1" |
                python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"][7:])')
        echo "$T/storage/docker/registry/v2/blobs/sha256/${d:0:2}/$d/data"
}
pub d truncated || fail "publish d: $(cat "$T/out")"
f=$(layer_blob truncated)
truncate -s $(($(stat -c %s "$f") / 2)) "$f"
nconfig truncated 10 "oci://$REG/security/portcullis-db:truncated"
refused truncated "truncated\|ended after" "truncated layer"
pub e wrongdigest || fail "publish e: $(cat "$T/out")"
f=$(layer_blob wrongdigest)
head -c "$(stat -c %s "$f")" /dev/urandom >"$f.x" && mv "$f.x" "$f"
nconfig wrongdigest 10 "oci://$REG/security/portcullis-db:wrongdigest"
refused wrongdigest "the layer's bytes have the digest .*, not sha256:.*: refused" "wrong digest"
pub big big || fail "publish big: $(cat "$T/out")"
before=$(blob_gets)
nconfig big 10 "oci://$REG/security/portcullis-db:big"
refused big "the DB layer is .* bytes, more than the limit of 1048576 ('update.max_layer_mib'" "layer over the cap"
# A registry that never answers: a socket that listens and never replies.
HANG=$(free_port)
python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); time.sleep(600)' "$HANG" &
HANG_PID=$!
for _ in $(seq 1 300); do
        python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$HANG" 2>/dev/null && break
        sleep 0.1
done
nconfig hang 2 "oci://127.0.0.1:$HANG/security/portcullis-db:latest"
t0=$SECONDS
refused hang "127.0.0.1:$HANG.*: no answer within 2 s ('update.timeout_s'" "a registry that never answers"
[ $((SECONDS - t0)) -le 20 ] || fail "a registry that never answers: $((SECONDS - t0)) s"
# Mirrors: the silent one first, then the real one.
pub c latest || fail "publish c: $(cat "$T/out")"
nconfig mirrors 2 "oci://127.0.0.1:$HANG/security/portcullis-db:latest" "oci://$REG/security/portcullis-db:latest"
upd mirrors || fail "mirrors: $(cat "$T/out")"
grep -q "trying the next source, oci://$REG" "$T/out" || fail "mirrors: no fallback said: $(cat "$T/out")"
[ "$(rev "$N/db.sqlite")" = "$(rev "$T/c.sqlite")" ] || fail "mirrors: not pulled from the second"
"$P" db status --db "$N/db.sqlite" --config "$T/config-mirrors.json" >"$T/status" 2>&1
grep -q "failed" "$T/status" && fail "status after a pull that served: a failure still said: $(cat "$T/status")"
# Without --db: the database the config's update writes.
PORTCULLIS_DB= "$P" db status --config "$T/config-mirrors.json" --format json >"$T/status.json" 2>&1
grep -q "\"path\": \"$N/db.sqlite\"" "$T/status.json" || fail "status --config without --db: $(head -3 "$T/status.json")"

# ---- kill -9 during a pull --------------------------------------------------------------
# A layer of a few MB, served through a proxy that relays the registry's
# answers at 4 MB/s so that the pull takes seconds; `db update` is killed
# when its temporary DB beside the node's appears and when it holds a third
# and two thirds of the DB.  After each kill the previous DB serves; the
# next update removes what the killed one left, and the last one completes.
mkdb huge 15000
pub huge killed || fail "publish huge: $(cat "$T/out")"
REV_HUGE=$(rev "$T/huge.sqlite")
REV_NOW=$(rev "$N/db.sqlite")
PPORT=$(free_port)
python3 - "$PPORT" "$PORT" <<'PY' &
import socket, sys, threading, time
RATE = 4 << 20  # bytes/s from the registry to the client
def pipe(src, dst, throttle):
    try:
        while (b := src.recv(16384)):
            dst.sendall(b)
            if throttle:
                time.sleep(len(b) / RATE)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", int(sys.argv[1])))
ls.listen(16)
while True:
    c, _ = ls.accept()
    u = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
    threading.Thread(target=pipe, args=(c, u, False), daemon=True).start()
    threading.Thread(target=pipe, args=(u, c, True), daemon=True).start()
PY
PROXY_PID=$!
wait_https "https://127.0.0.1:$PPORT/v2/" || fail "the throttling proxy did not start"
nconfig killed 10 "oci://127.0.0.1:$PPORT/security/portcullis-db:killed"
python3 - "$T/config-killed.json" "$T/auth.json" "127.0.0.1:$PPORT" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["update"]["max_layer_mib"] = 256
json.dump(c, open(sys.argv[1], "w"))
a = json.load(open(sys.argv[2]))
a["auths"][sys.argv[3]] = next(iter(a["auths"].values()))
json.dump(a, open(sys.argv[2], "w"))
PY
DB_SIZE=$(stat -c %s "$T/huge.sqlite")
for at in 1 $((DB_SIZE / 3)) $((DB_SIZE * 2 / 3)); do
        # Run the update, kill -9 it once its temporary DB holds $at bytes.
        python3 - "$P" "$T/config-killed.json" "$N" "$at" <<'PY' >"$T/killed" 2>&1
import os, signal, subprocess, sys, time
p = subprocess.Popen([sys.argv[1], "db", "update", "--config", sys.argv[2]], stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
t0 = time.monotonic()
while p.poll() is None and time.monotonic() - t0 < 60:
    for n in os.listdir(sys.argv[3]):
        try:
            if n.startswith("db.sqlite.new-") and os.stat(os.path.join(sys.argv[3], n)).st_size >= int(sys.argv[4]):
                p.send_signal(signal.SIGKILL)
                p.wait()
                print(f"killed at {n}: {os.stat(os.path.join(sys.argv[3], n)).st_size} bytes")
                sys.exit(0)
        except FileNotFoundError:
            pass
    time.sleep(0.001)
print(f"not killed: exit {p.poll()}")
sys.exit(1)
PY
        [ $? -eq 0 ] || fail "kill -9 at $at bytes: $(cat "$T/killed")"
        [ "$(rev "$N/db.sqlite")" = "$REV_NOW" ] || fail "kill -9 at $at bytes: the node has $(rev "$N/db.sqlite"), not $REV_NOW"
        "$P" scan "$R" --db "$N/db.sqlite" --format json >"$T/scan.json" 2>"$T/scan.err" &&
                python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["summary"]["total"] > 0' "$T/scan.json" ||
                fail "kill -9 at $at bytes: the previous DB does not serve: $(cat "$T/scan.err")"
done
upd killed || fail "update after the kills: $(cat "$T/out")"
grep -q "removed $N/db.sqlite.new-......, left by an interrupted import" "$T/out" ||
        fail "update after the kills: the killed pull's temporary DB not removed: $(cat "$T/out")"
[ "$(rev "$N/db.sqlite")" = "$REV_HUGE" ] || fail "update after the kills: the node has $(rev "$N/db.sqlite"), not $REV_HUGE"
ls "$N" | grep -q '\.new-' && fail "update after the kills: temporary DBs left: $(ls "$N")"
kill "$PROXY_PID" 2>/dev/null && wait "$PROXY_PID" 2>/dev/null
PROXY_PID=

# ---- air gap: db export / db import of an OCI archive -------------------------------
# nconfig2 DIR: a node of its own (no registry in its sources).
nconfig2() {
        mkdir -p "$1"
        printf '{"db": "%s/db.sqlite", "update": {"sources": ["https://127.0.0.1:1/"], "public_key": "%s", "state_dir": "%s/state"}}\n' \
                "$1" "$T/ed25519.pub" "$1" >"$1/config.json"
}
"$P" db export --db "$T/f.sqlite" --key "$T/ed25519.key" "$T/f.tar" >"$T/out" 2>&1 || fail "export: $(cat "$T/out")"
nconfig2 "$T/gap"
"$P" db import --config "$T/gap/config.json" --db "$T/gap/db.sqlite" "$T/f.tar" >"$T/out" 2>&1 || fail "import: $(cat "$T/out")"
[ "$(rev "$T/gap/db.sqlite")" = "$(rev "$T/f.sqlite")" ] || fail "export/import: another revision"
"$P" db import --config "$T/gap/config.json" --db "$T/gap/db.sqlite" "$T/f.tar" >"$T/out" 2>&1 &&
        grep -q "is installed already" "$T/out" || fail "import again: $(cat "$T/out")"
# skopeo carries the archive into the registry unchanged, and out again.
skopeo copy -q --dest-cert-dir "$T/certs" --dest-creds 'alice:s3cret pass' "oci-archive:$T/f.tar" \
        "docker://$REG/security/portcullis-db:from-archive" >"$T/out" 2>&1 || fail "skopeo copy to the registry: $(cat "$T/out")"
nconfig2 "$T/gap2"
nconfig fromarchive 10 "oci://$REG/security/portcullis-db:from-archive"
sed -i "s#$N/#$T/gap2/#g" "$T/config-fromarchive.json"
upd fromarchive || fail "pull of skopeo's copy: $(cat "$T/out")"
[ "$(rev "$T/gap2/db.sqlite")" = "$(rev "$T/f.sqlite")" ] || fail "pull of skopeo's copy: another revision"
skopeo copy -q --src-cert-dir "$T/certs" --src-creds 'alice:s3cret pass' "docker://$REG/security/portcullis-db:latest" \
        "oci-archive:$T/latest.tar" >"$T/out" 2>&1 || fail "skopeo copy from the registry: $(cat "$T/out")"
nconfig2 "$T/gap3"
"$P" db import --config "$T/gap3/config.json" --db "$T/gap3/db.sqlite" "$T/latest.tar" >"$T/out" 2>&1 ||
        fail "import of skopeo's archive: $(cat "$T/out")"
[ "$(rev "$T/gap3/db.sqlite")" = "$(rev "$T/c.sqlite")" ] || fail "import of skopeo's archive: another revision"
# An archive with another layer: refused, the DB stays.
mkdir -p "$T/bad" && tar -xf "$T/f.tar" -C "$T/bad"
layer=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][0]["digest"][7:])' \
        "$T/bad/blobs/sha256/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"][7:])' "$T/bad/index.json")")
head -c 100 /dev/urandom >>"$T/bad/blobs/sha256/$layer"
tar -cf "$T/bad.tar" -C "$T/bad" oci-layout index.json blobs
nconfig2 "$T/gap4"
"$P" db import --config "$T/gap4/config.json" --db "$T/gap4/db.sqlite" "$T/bad.tar" >"$T/out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "the layer .* is larger than its\|digest .*refused" "$T/out" || fail "tampered archive: exit $rc: $(cat "$T/out")"
[ -e "$T/gap4/db.sqlite" ] && fail "tampered archive: a DB was written"
ls "$T/gap4" | grep -q '\.new-' && fail "tampered archive: a temporary DB is left"

# A much smaller DB, validly signed and newer (another one signed with the
# same key: a test or single-ecosystem DB): refused as an import over
# http(s) refuses it, unless --allow-shrink.
mkdir -p "$T/feed-tiny"
cp "$(ls "$SRC"/feed/debian12/*.json | head -1)" "$T/feed-tiny/"
"$P" db import "$T/feed-tiny" --db "$T/tiny.sqlite" >/dev/null || fail "import tiny"
"$P" db export --db "$T/tiny.sqlite" --key "$T/ed25519.key" "$T/tiny.tar" >"$T/out" 2>&1 || fail "export tiny: $(cat "$T/out")"
"$P" db import --config "$T/gap/config.json" --db "$T/gap/db.sqlite" "$T/tiny.tar" >"$T/out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "the artifact holds 1 records where $T/gap/db.sqlite holds 22, fewer than half: refused" "$T/out" &&
        grep -q "the previous database is unchanged" "$T/out" || fail "a much smaller DB: exit $rc: $(cat "$T/out")"
[ "$(rev "$T/gap/db.sqlite")" = "$(rev "$T/f.sqlite")" ] || fail "a much smaller DB: the DB changed"
"$P" db import --config "$T/gap/config.json" --db "$T/gap/db.sqlite" --allow-shrink "$T/tiny.tar" >"$T/out" 2>&1 ||
        fail "a much smaller DB, --allow-shrink: $(cat "$T/out")"
[ "$(rev "$T/gap/db.sqlite")" = "$(rev "$T/tiny.sqlite")" ] || fail "a much smaller DB, --allow-shrink: not installed"
# One ecosystem shrunk, the total not (a DB of other ecosystems signed
# with the same key): refused per ecosystem, as an import over http(s) is.
for m in 10 1; do
        mkdir -p "$T/feed-alpine$m"
        cp "$SRC"/feed/debian12/*.json "$T/feed-alpine$m/"
        for i in $(seq "$m"); do
                printf '{"id": "PCT-ALPINE-%s", "modified": "2026-11-30T00:00:00Z", "affected": [{"package": {"ecosystem": "Alpine:v3.18", "name": "pc-%s"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0-r1"}]}]}]}\n' \
                        "$i" "$i" >"$T/feed-alpine$m/PCT-ALPINE-$i.json"
        done
        "$P" db import "$T/feed-alpine$m" --db "$T/alpine$m.sqlite" >/dev/null 2>&1 || fail "import alpine$m"
        # the first built an hour back: the second is newer
        "$P" db export --db "$T/alpine$m.sqlite" --key "$T/ed25519.key" \
                --created "$(date -u -d "-$((m / 10)) hour" +%Y-%m-%dT%H:%M:%SZ)" "$T/alpine$m.tar" >"$T/out" 2>&1 ||
                fail "export alpine$m: $(cat "$T/out")"
done
nconfig2 "$T/gap-eco"
"$P" db import --config "$T/gap-eco/config.json" --db "$T/gap-eco/db.sqlite" "$T/alpine10.tar" >"$T/out" 2>&1 ||
        fail "Alpine 10: $(cat "$T/out")"
"$P" db import --config "$T/gap-eco/config.json" --db "$T/gap-eco/db.sqlite" "$T/alpine1.tar" >"$T/out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "the artifact holds 1 records of Alpine:v3.18 where $T/gap-eco/db.sqlite holds 10, fewer than half: refused" "$T/out" &&
        grep -q "the previous database is unchanged" "$T/out" || fail "one ecosystem shrunk: exit $rc: $(cat "$T/out")"
[ "$(rev "$T/gap-eco/db.sqlite")" = "$(rev "$T/alpine10.sqlite")" ] || fail "one ecosystem shrunk: the DB changed"
# The state not saved after the swap: said so, never "unchanged".
"$P" db export --db "$T/e.sqlite" --key "$T/ed25519.key" "$T/e.tar" >"$T/out" 2>&1 || fail "export e: $(cat "$T/out")"
rm -f "$T/gap/state/oci.json" && mkdir "$T/gap/state/oci.json"
"$P" db import --config "$T/gap/config.json" --db "$T/gap/db.sqlite" "$T/e.tar" >"$T/out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "the database was replaced by revision $(rev "$T/e.sqlite"), but its state was not saved" "$T/out" &&
        ! grep -q "unchanged" "$T/out" || fail "state not saved: exit $rc: $(cat "$T/out")"
[ "$(rev "$T/gap/db.sqlite")" = "$(rev "$T/e.sqlite")" ] || fail "state not saved: the DB is not the new one"
rmdir "$T/gap/state/oci.json"
# An artifact that expires while the registry keeps serving it (a
# publishing job that stopped, or a registry that answers every HEAD with
# the installed digest): "unchanged" only until its signed expires.
N=$T/node-expiry
mkdir -p "$N"
pub a expiring --expires "$(date -u -d '+3 sec' +%Y-%m-%dT%H:%M:%SZ)" || fail "publish expiring: $(cat "$T/out")"
nconfig expiring 10 "oci://$REG/security/portcullis-db:expiring"
upd expiring || fail "expiring: $(cat "$T/out")"
sleep 4
upd expiring
rc=$?
[ $rc -eq 2 ] && grep -q "the manifest is the one installed last, which expired at 20.*: the registry serves a stale or frozen DB" "$T/out" ||
        fail "expired, manifest unchanged: exit $rc: $(cat "$T/out")"
N=$T/node

# ---- bearer tokens: a second registry with token auth ---------------------------------
# Its token endpoint (tests/registry-token-server.py) checks the same
# credentials and signs JWTs with a key whose certificate the registry trusts.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=portcullis test token issuer" \
        -keyout "$CA/token.key" -out "$CA/token.pem" 2>/dev/null &&
        openssl x509 -in "$CA/token.pem" -outform DER -out "$CA/token.der" || fail "openssl: no token key"
TPORT=$(free_port)
PORT2=$(free_port)
REG2=127.0.0.1:$PORT2
python3 "$SRC/tests/registry-token-server.py" "$TPORT" "$CA/srv.pem" "$CA/srv.key" "$CA/token.key" "$CA/token.der" \
        portcullis-test-issuer alice 's3cret pass' "$T/token.log" &
TOKEN_PID=$!
wait_https "https://127.0.0.1:$TPORT/token" || fail "the token endpoint did not start"
sed -e "s#$REG#$REG2#" -e "s#$T/storage#$T/storage2#" -e '/^auth:/,$d' "$T/registry.yml" >"$T/registry2.yml"
printf 'auth:\n  token:\n    realm: https://127.0.0.1:%s/token\n    service: portcullis-test\n    issuer: portcullis-test-issuer\n    rootcertbundle: %s\n' \
        "$TPORT" "$CA/token.pem" >>"$T/registry2.yml"
docker-registry serve "$T/registry2.yml" >"$T/registry2.log" 2>&1 &
REG2_PID=$!
wait_https "https://$REG2/v2/" || fail "the second registry did not start: $(tail -5 "$T/registry2.log")"
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REG2" "$(printf 'alice:s3cret pass' | base64 -w0)" >"$T/auth2.json"
"$P" db publish --db "$T/f.sqlite" --key "$T/ed25519.key" --authfile "$T/auth2.json" --ca-file "$CA/ca.pem" \
        "oci://$REG2/security/portcullis-db:latest" >"$T/out" 2>&1 || fail "publish with a bearer token: $(cat "$T/out")"
grep -q "^200 repository:security/portcullis-db:.*push" "$T/token.log" || fail "publish: no push token: $(cat "$T/token.log")"
nconfig bearer 10 "oci://$REG2/security/portcullis-db:latest"
sed -i -e "s#$N/#$T/gap5/#g" -e "s#$T/auth.json#$T/auth2.json#" "$T/config-bearer.json"
mkdir -p "$T/gap5"
upd bearer || fail "pull with a bearer token: $(cat "$T/out")"
[ "$(rev "$T/gap5/db.sqlite")" = "$(rev "$T/f.sqlite")" ] || fail "pull with a bearer token: another revision"
grep -q '"GET /v2/security/portcullis-db/blobs/' "$T/registry2.log" || fail "pull with a bearer token: no blob GET"
# Wrong credentials: the token endpoint refuses, and that is said.
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REG2" "$(printf 'alice:wrong' | base64 -w0)" >"$T/auth2.json"
"$P" db publish --db "$T/f.sqlite" --key "$T/ed25519.key" --authfile "$T/auth2.json" --ca-file "$CA/ca.pem" \
        "oci://$REG2/security/portcullis-db:other" >"$T/out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "the token endpoint https://127.0.0.1:$TPORT/token answers HTTP 401; are the credentials" "$T/out" ||
        fail "bearer, wrong password: exit $rc: $(cat "$T/out")"

[ "$fails" -eq 0 ] && echo "ok ($SECONDS s)" || echo "$fails failures"
[ "$fails" -eq 0 ]
