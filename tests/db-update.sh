#!/bin/bash
# `portcullis db update` against a real HTTP server: nginx on 127.0.0.1 (a
# random free port, its own prefix, config, pid and logs in a temp folder)
# serving a mirror laid out like OSV's bucket, built from the 1,272 real
# Debian 12 records in ../shared/data and from generated ones.
#
# Covers: the first full update; 304 on the second run; an incremental run
# that fetches only the changed records (checked in nginx's access log);
# fallback from a closed port to the next source; a truncated all.zip; a
# corrupt record in the incremental set; kill -9 in the middle of an import;
# a full disk under the state folder (a small tmpfs); signed manifests
# (Ed25519, ECDSA, RSA keys made by openssl, manifests written by `portcullis
# db sign`): rollback to a lower serial, an expired manifest, the same serial,
# a tampered manifest, the DB's age from the manifest's time; the default
# ecosystems, from a verdict cache filled by the real hook; an https source
# redirected to http (TLS from a test CA); zip bombs; the shrink guard; CVE
# scores from a source of CVE JSON 5 / NVD records; an all.zip older than its
# modified_id.csv (the records it lacks fetched one by one in the same run).
set -u
P=${PORTCULLIS:?}
DATA=${PC_SHARED_DATA:?}/vulndb/debian12-changelogs
FEED=$DATA/feed.zip

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (nginx as its own user, tmpfs)"; exit 77; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "SKIP: nginx is not installed"; exit 77; }
[ -f "$FEED" ] || { echo "SKIP: $FEED is missing"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 is missing"; exit 77; }
command -v openssl >/dev/null || { echo "SKIP: openssl is missing"; exit 77; }

T=$(mktemp -d)
NGINX_PID=
TMPFS=
cleanup() {
        [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
        [ -n "$TMPFS" ] && umount "$TMPFS" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
SECONDS=0

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# ---- the mirror -------------------------------------------------------------
M=$T/mirror/m1/Debian:12
mkdir -p "$M" "$T/gen"
python3 - "$FEED" "$M" <<'PY'
import json, sys, zipfile, shutil
feed, out = sys.argv[1], sys.argv[2]
rows = []
with zipfile.ZipFile(feed) as z:
    for n in z.namelist():
        if not n.endswith(".json"):
            continue
        b = z.read(n)
        r = json.loads(b)
        open(f"{out}/{r['id']}.json", "wb").write(b)
        rows.append((r["modified"], r["id"]))
shutil.copy(feed, f"{out}/all.zip")
rows.sort(reverse=True)
open(f"{out}/modified_id.csv", "w").write("".join(f"{m},{i}\n" for m, i in rows))
PY
[ "$(wc -l <"$M/modified_id.csv")" -eq 1272 ] || fail "mirror: modified_id.csv has $(wc -l <"$M/modified_id.csv") lines"

# gen ID MODIFIED [PACKAGE]: a generated OSV record on stdout.
gen() {
        printf '{"id": "%s", "modified": "%s", "published": "2026-11-23T00:00:00Z", "summary": "generated %s",
 "affected": [{"package": {"ecosystem": "Debian:12", "name": "%s"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0-1"}]}]}]}\n' \
                "$1" "$2" "$1" "${3:-pc-generated}"
}
# rezip: all.zip again from every record of the mirror, as OSV rebuilds it.
rezip() {
        python3 - "$M" <<'PY'
import glob, os, sys, zipfile
d = sys.argv[1]
with zipfile.ZipFile(f"{d}/all.zip.new", "w", zipfile.ZIP_DEFLATED) as z:
    for f in sorted(glob.glob(f"{d}/*.json")):
        z.write(f, os.path.basename(f))
os.rename(f"{d}/all.zip.new", f"{d}/all.zip")
PY
}
# prepend_csv LINE...: newer lines go first, as OSV writes them.
prepend_csv() {
        { printf '%s\n' "$@"; cat "$M/modified_id.csv"; } >"$M/modified_id.csv.new"
        mv "$M/modified_id.csv.new" "$M/modified_id.csv"
}

# ---- nginx --------------------------------------------------------------------
PORT=$(free_port)
CLOSED=$(free_port)   # nothing listens there
# A test CA and a certificate for 127.0.0.1, for the https server block.
CA=$T/ca
mkdir -p "$CA"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=portcullis test CA" -keyout "$CA/ca.key" \
        -out "$CA/ca.pem" 2>/dev/null &&
        openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$CA/srv.key" -out "$CA/srv.csr" 2>/dev/null &&
        printf 'subjectAltName=IP:127.0.0.1\n' >"$CA/ext" &&
        openssl x509 -req -in "$CA/srv.csr" -CA "$CA/ca.pem" -CAkey "$CA/ca.key" -CAcreateserial -days 2 \
                -extfile "$CA/ext" -out "$CA/srv.pem" 2>/dev/null || { echo "FAIL: openssl: no test CA"; exit 1; }
TLS_PORT=$(free_port)
N=$T/nginx
mkdir -p "$N"
cat >"$N/nginx.conf" <<EOF
user root;
worker_processes 1;
daemon off;
pid $N/nginx.pid;
error_log $N/error.log;
events { worker_connections 64; }
http {
        log_format plain '\$request \$status';
        access_log $N/access.log plain;
        client_body_temp_path $N/body;
        proxy_temp_path $N/proxy;
        fastcgi_temp_path $N/fastcgi;
        uwsgi_temp_path $N/uwsgi;
        scgi_temp_path $N/scgi;
        default_type application/octet-stream;
        server {
                listen 127.0.0.1:$PORT;
                root $T/mirror;
                # /held/X: X, but modified_id.csv always 304 Not Modified,
                # whatever was asked (a mirror holding the list back)
                location ~ ^/held/(?<rest>.*)\$ {
                        if (\$uri ~ "modified_id\\.csv\$") { return 304; }
                        alias $T/mirror/\$rest;
                }
        }
        # https: /up/X redirects to https, /down/X to http (a downgrade).
        server {
                listen 127.0.0.1:$TLS_PORT ssl;
                ssl_certificate $CA/srv.pem;
                ssl_certificate_key $CA/srv.key;
                root $T/mirror;
                rewrite ^/up/(.*)\$ https://127.0.0.1:$TLS_PORT/\$1 redirect;
                rewrite ^/down/(.*)\$ http://127.0.0.1:$PORT/\$1 redirect;
        }
}
EOF
"$NGINX" -p "$N" -c "$N/nginx.conf" -e "$N/error.log" &
NGINX_PID=$!
for _ in $(seq 50); do
        curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break
        sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/m1/Debian%3A12/modified_id.csv" ||
        { cat "$N/error.log"; echo "FAIL: nginx does not serve the mirror"; exit 1; }
URL=http://127.0.0.1:$PORT/m1
LOG=$N/access.log

# log_since MARK: the access log lines after line MARK.
mark() { wc -l <"$LOG"; }
log_since() { tail -n +"$(($1 + 1))" "$LOG"; }

DB=$T/vulndb.sqlite
CFG=$T/config.json
cat >"$CFG" <<EOF
{"db": "$DB", "update": {"cve_sources": [], "sources": ["$URL"], "ecosystems": ["Debian:12"], "state_dir": "$T/state", "timeout_s": 5}}
EOF
upd() { "$P" db update --config "$CFG" "$@" >"$T/out" 2>&1; }
rev() { "$P" db status --db "${1:-$DB}" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["revision"])'; }
records() { "$P" db status --db "${1:-$DB}" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])'; }
modified_of_db() {
        python3 -c 'import sqlite3,sys; r=sqlite3.connect(sys.argv[1]).execute("select modified from vuln where id=?", (sys.argv[2],)).fetchone(); print(r[0] if r else "none")' "$1" "$2"
}
modified_of() { modified_of_db "$DB" "$1"; }

# ---- 1. first run: full -------------------------------------------------------
m=$(mark)
upd || fail "first update: exit $?: $(cat "$T/out")"
[ "$(records)" = 1272 ] || fail "first update: $(records) records, wanted 1272: $(cat "$T/out")"
"$P" db status --db "$DB" --config "$CFG" >"$T/status" || fail "db status after update"
grep -q "records: *1272" "$T/status" || fail "db status: no 1272 records: $(cat "$T/status")"
grep -q "Debian:12 full" "$T/status" || fail "db status: no update state: $(cat "$T/status")"
grep -q "sha256 $(sha256sum <"$M/all.zip" | cut -d' ' -f1)" "$T/status" || fail "db status: wrong all.zip sha256"
grep -q "ETag \"" "$T/status" || fail "db status: no ETag recorded"
grep -q "source: *$URL" "$T/status" || fail "db status: no source"
log_since "$m" | grep -q "GET /m1/Debian%3A12/all.zip HTTP/1.1 200" || fail "first update did not download all.zip"
REV1=$(rev)

# ---- 2. second run: 304 -----------------------------------------------------------
m=$(mark)
upd || fail "second update: exit $?: $(cat "$T/out")"
grep -q "^unchanged" "$T/out" || fail "second update not unchanged: $(cat "$T/out")"
log_since "$m" | grep -q "modified_id.csv HTTP/1.1 304" || fail "second update: no 304: $(log_since "$m")"
log_since "$m" | grep -q "all.zip" && fail "second update downloaded all.zip"
[ "$(rev)" = "$REV1" ] || fail "second update changed the revision"

# ---- 3. incremental: two new records, one modified ------------------------------------
OLD=$(sed -n 1000p "$M/modified_id.csv" | cut -d, -f2)
gen PCT-NEW-1 2026-11-24T00:00:00Z >"$M/PCT-NEW-1.json"
gen PCT-NEW-2 2026-11-24T00:00:00.5Z >"$M/PCT-NEW-2.json"
python3 - "$M/$OLD.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); r["modified"] = "2026-11-25T00:00:00Z"; r["summary"] = "modified by the test"
json.dump(r, open(sys.argv[1], "w"))
PY
prepend_csv "2026-11-25T00:00:00Z,$OLD" "2026-11-24T00:00:00.5Z,PCT-NEW-2" "2026-11-24T00:00:00Z,PCT-NEW-1"
rezip
m=$(mark)
upd || fail "incremental update: exit $?: $(cat "$T/out")"
got=$(log_since "$m" | grep -v modified_id.csv | sort)
want=$(printf 'GET /m1/Debian%%3A12/%s.json HTTP/1.1 200\n' "$OLD" PCT-NEW-1 PCT-NEW-2 | sort)
[ "$got" = "$want" ] || fail "incremental update fetched: [$got], wanted [$want]"
[ "$(records)" = 1274 ] || fail "incremental update: $(records) records, wanted 1274"
[ "$(modified_of "$OLD")" = 2026-11-25T00:00:00Z ] || fail "incremental update: $OLD not replaced"
[ "$(modified_of PCT-NEW-2)" = 2026-11-24T00:00:00.5Z ] || fail "incremental update: PCT-NEW-2 missing"
grep -q "1 full\|0 incremental" "$T/out" && fail "incremental update went another way: $(cat "$T/out")"
m=$(mark)
upd && grep -q "^unchanged" "$T/out" || fail "after incremental: not unchanged: $(cat "$T/out")"

# ---- 4. a corrupt record among the changes ----------------------------------------------
# (and one with a bad alias: kept without it, said, counted apart)
gen PCT-NEW-3 2026-11-26T00:00:00Z | sed 's/"summary"/"aliases": ["CVE-2026-0001", "CVE-\\u001b[2J"], &/' >"$M/PCT-NEW-3.json"
printf '{"id": "PCT-BAD-1", "modified": ' >"$M/PCT-BAD-1.json"
prepend_csv "2026-11-26T00:00:01Z,PCT-BAD-1" "2026-11-26T00:00:00Z,PCT-NEW-3"
rezip
upd || fail "update with a corrupt record: exit $?: $(cat "$T/out")"
grep -q "skipped .*PCT-BAD-1.json" "$T/out" || fail "corrupt record not named: $(cat "$T/out")"
grep -q "warning: .*PCT-NEW-3.json: record PCT-NEW-3: aliases\[1\] must be a string without control characters; left out, the record is kept" \
        "$T/out" || fail "the alias left out not named: $(cat "$T/out")"
grep -q "records stored, 1 skipped, 1 kept without a bad part; revision" "$T/out" ||
        fail "update: the skipped and kept records not counted: $(cat "$T/out")"
[ "$(modified_of PCT-NEW-3)" = 2026-11-26T00:00:00Z ] || fail "the good record next to a corrupt one is missing"
[ "$(records)" = 1275 ] || fail "after the corrupt record: $(records) records, wanted 1275"

# ---- 4b. the skipped record is fetched again ----------------------------------------------
# The list has moved past it: without a retry its update would be lost
# until the next all.zip.  Still junk: skipped again, and tried the run
# after; served right (the mirror's bad answer was passing): imported,
# and no longer fetched.
m=$(mark)
upd || fail "update after a skipped record: exit $?: $(cat "$T/out")"
log_since "$m" | grep -q "GET /m1/Debian%3A12/PCT-BAD-1.json HTTP/1.1 200" ||
        fail "the skipped record not fetched again: $(log_since "$m")"
grep -q "0 records changed since .*, and 1 the last run skipped or could not fetch; fetching them" "$T/out" &&
        grep -q "skipped .*PCT-BAD-1.json" "$T/out" || fail "the retry not said, or not skipped: $(cat "$T/out")"
"$P" db status --db "$DB" --config "$CFG" | grep -q "^  retry: *1 record the last run skipped or could not fetch, fetched again by the next" ||
        fail "db status: the retry not shown"
gen PCT-BAD-1 2026-11-26T00:00:01Z >"$M/PCT-BAD-1.json"
rezip
m=$(mark)
upd || fail "update with the record served right: exit $?: $(cat "$T/out")"
log_since "$m" | grep -q "GET /m1/Debian%3A12/PCT-BAD-1.json HTTP/1.1 200" || fail "the record not fetched a second time"
[ "$(modified_of PCT-BAD-1)" = 2026-11-26T00:00:01Z ] && [ "$(records)" = 1276 ] ||
        fail "the record served right not imported: $(records) records: $(cat "$T/out")"
m=$(mark)
upd && grep -q "^unchanged" "$T/out" || fail "after the retry: not unchanged: $(cat "$T/out")"
log_since "$m" | grep -q "PCT-BAD-1" && fail "the record imported is still fetched again"
"$P" db status --db "$DB" --config "$CFG" --format json | python3 -c 'import json,sys; d=json.load(sys.stdin)["update"]["ecosystems"]["Debian:12"]; assert d["retry"] == 0, d' ||
        fail "db status --format json: a retry left after the record was imported"
REV2=$(rev)

# ---- 5. fallback: the first source is a closed port -------------------------------------
# (its own DB and state folder).  A full download gives the same database
# as the incremental runs did: the same revision.
cat >"$T/config-fb.json" <<EOF
{"db": "$T/fallback.sqlite", "cache": "$T/no-cache.db", "update": {"cve_sources": [], "sources": ["http://127.0.0.1:$CLOSED/m1", "$URL"], "state_dir": "$T/state-fb"}}
EOF
"$P" db update --config "$T/config-fb.json" >"$T/out" 2>&1 || fail "fallback: exit $?: $(cat "$T/out")"
grep -q "trying the next source" "$T/out" || fail "fallback: not said: $(cat "$T/out")"
[ "$(records "$T/fallback.sqlite")" = 1276 ] || fail "fallback: $(records "$T/fallback.sqlite") records"
[ "$(rev "$T/fallback.sqlite")" = "$REV2" ] || fail "fallback: other content than the incremental DB"
"$P" db update --config "$T/config-fb.json" --source "http://127.0.0.1:$CLOSED/m1" >"$T/out" 2>&1
rc=$?
[ $rc -eq 2 ] || fail "only a closed source: exit $rc"
grep -q "previous database is unchanged" "$T/out" || fail "only a closed source: $(cat "$T/out")"
[ "$(rev "$T/fallback.sqlite")" = "$REV2" ] || fail "only a closed source: the DB changed"

# ---- 6. a truncated all.zip ------------------------------------------------------------
cp "$M/all.zip" "$T/all.zip.good"
cp "$M/modified_id.csv" "$T/csv.good"
head -c 300000 "$T/all.zip.good" >"$M/all.zip"
echo "2026-12-02T00:00:00Z,PCT-GAP-1" >"$M/modified_id.csv"   # doesn't reach back: a gap
# state_of FILE: what a state says of the archive and the database.
state_of() { python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); e=s["ecosystems"]["Debian:12"]; print(s["db_revision"], e["zip_sha256"], e["newest"], e.get("csv_etag"))' "$1"; }
sha_state=$(state_of "$T/state/state.json")
upd
rc=$?
[ $rc -eq 2 ] || fail "truncated all.zip: exit $rc: $(cat "$T/out")"
grep -q "does not reach back" "$T/out" || fail "gap not recognised: $(cat "$T/out")"
grep -q "all.zip is not a readable zip\|all.zip is damaged" "$T/out" || fail "truncated all.zip: unclear: $(cat "$T/out")"
grep -q "previous database is unchanged" "$T/out" || fail "truncated all.zip: no reassurance: $(cat "$T/out")"
[ "$(rev)" = "$REV2" ] || fail "truncated all.zip changed the DB"
[ "$(state_of "$T/state/state.json")" = "$sha_state" ] ||
        fail "truncated all.zip changed the state"
"$P" db status --db "$DB" --config "$CFG" | grep -q "failed: " || fail "db status does not show the failed run"
ls "$T/state/Debian%3A12" | grep -q tmp- && fail "a failed run left temporary files"
cp "$T/csv.good" "$M/modified_id.csv"
cp "$T/all.zip.good" "$M/all.zip"
upd || fail "after restoring all.zip: $(cat "$T/out")"
[ "$(rev)" = "$REV2" ] || fail "after restoring all.zip: revision changed"

# ---- 7. kill -9 in the middle of an import --------------------------------------------
python3 - "$T/big.zip" "$M/modified_id.csv.big" <<'PY'
import sys, zipfile
n = 60000
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
    for i in range(n):
        rid = f"PCT-BIG-{i:06d}"
        z.writestr(f"{rid}.json", '{"id": "%s", "modified": "2032-01-01T00:00:00Z", "summary": "bulk %d", '
                   '"affected": [{"package": {"ecosystem": "Debian:12", "name": "pkg%d"}, "ranges": [{"type": '
                   '"ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.%d-1"}]}]}]}' % (rid, i, i % 5000, i))
open(sys.argv[2], "w").write("".join(f"2032-01-01T00:00:00Z,PCT-BIG-{i:06d}\n" for i in range(n)))
PY
cp "$T/big.zip" "$M/all.zip"
mv "$M/modified_id.csv.big" "$M/modified_id.csv"   # 60,000 changes: more than 5,000
"$P" db update --config "$CFG" >"$T/out" 2>&1 &   # not through upd(): $! must be the updater itself
UPID=$!
killed=
# killed once its temporary DB holds something: the import of 60,000
# records takes well under a second on a quiet machine, so no wait after
for _ in $(seq 1500); do
        if find "$T" -maxdepth 1 -name 'vulndb.sqlite.new-*' -size +0 | grep -q .; then
                kill -9 "$UPID" 2>/dev/null && killed=1
                break
        fi
        sleep 0.01
done
wait "$UPID" 2>/dev/null
[ -n "$killed" ] || fail "kill -9: the import never started: $(cat "$T/out")"
"$P" db status --db "$DB" >/dev/null || fail "kill -9: db status fails"
[ "$(rev)" = "$REV2" ] || fail "kill -9: the DB changed"
grep -q "more than 5000 records changed" "$T/out" || fail "kill -9 run: >5000 changes not recognised: $(cat "$T/out")"
# What the killed run left is removed by the next one, the DB's temporary
# file at once: no running import holds its flock.
upd || fail "after kill -9: the next run fails: $(cat "$T/out")"
grep -q "removed .*interrupted" "$T/out" || fail "after kill -9: leftovers not removed: $(cat "$T/out")"
ls "$T" | grep -q '^vulndb.sqlite.new-' && fail "after kill -9: the DB's temporary file is still there"
find "$T/state" -name '*tmp-*' | grep -q . && fail "after kill -9: temporary files in the state folder"
[ "$(records)" = 60000 ] || fail "after kill -9: $(records) records, wanted 60000"

# ---- 8. a full disk under the state folder ---------------------------------------------
cp "$T/all.zip.good" "$M/all.zip"
cp "$T/csv.good" "$M/modified_id.csv"
TMPFS=$T/tmpfs
mkdir -p "$TMPFS"
if mount -t tmpfs -o size=2m tmpfs "$TMPFS" 2>/dev/null; then
        cat >"$T/config-tmpfs.json" <<EOF
{"cache": "$T/no-cache.db", "update": {"cve_sources": [], "sources": ["$URL"], "state_dir": "$TMPFS/state", "timeout_s": 5}}
EOF
        "$P" db update --config "$T/config-tmpfs.json" --db "$T/disk.sqlite" >"$T/out" 2>&1 ||
                fail "tmpfs: first update: $(cat "$T/out")"
        REV3=$(rev "$T/disk.sqlite")
        before=$(state_of "$TMPFS/state/state.json")
        dd if=/dev/zero of="$TMPFS/filler" bs=64k 2>/dev/null   # fills it up
        echo "2026-12-02T00:00:00Z,PCT-GAP-1" >"$M/modified_id.csv"
        "$P" db update --config "$T/config-tmpfs.json" --db "$T/disk.sqlite" >"$T/out" 2>&1
        rc=$?
        [ $rc -eq 2 ] || fail "full disk: exit $rc: $(cat "$T/out")"
        grep -q "No space left on device" "$T/out" || fail "full disk: unclear: $(cat "$T/out")"
        grep -q "previous database is unchanged" "$T/out" || fail "full disk: $(cat "$T/out")"
        [ "$(rev "$T/disk.sqlite")" = "$REV3" ] || fail "full disk: the DB changed"
        [ "$(state_of "$TMPFS/state/state.json")" = "$before" ] || fail "full disk: the state changed"
        rm -f "$TMPFS/filler"
        cp "$T/csv.good" "$M/modified_id.csv"
        "$P" db update --config "$T/config-tmpfs.json" --db "$T/disk.sqlite" >"$T/out" 2>&1 ||
                fail "full disk: the run after freeing space: $(cat "$T/out")"
        [ "$(rev "$T/disk.sqlite")" = "$REV3" ] || fail "full disk: the run after freeing space changed the DB"
else
        echo "note: mount -t tmpfs failed; the full-disk part is skipped"
fi

# ---- 9. signed manifests ------------------------------------------------------------
# `portcullis db sign` writes manifest.json (every file of the ecosystem's
# folder with its sha256, a serial, created and expires) and
# manifest.json.sig; each signing takes the next serial.
cp "$T/all.zip.good" "$M/all.zip"
cp "$T/csv.good" "$M/modified_id.csv"
SERIAL=0
# manifest KEY [DB-SIGN-ARGS...]: signs the mirror's folder with the next serial.
manifest() {
        local key=$1; shift
        SERIAL=$((SERIAL + 1))
        "$P" db sign --key "$key" --serial "$SERIAL" --expires 2099-01-01T00:00:00Z "$@" "$M" >"$T/sign.out" 2>&1 ||
                fail "db sign $key serial $SERIAL: $(cat "$T/sign.out")"
}
keypair() { # NAME OPENSSL-GENPKEY-ARGS...
        local name=$1; shift
        openssl genpkey "$@" -out "$T/$name.key" 2>/dev/null &&
                openssl pkey -in "$T/$name.key" -pubout -out "$T/$name.pub" || fail "openssl: no $name key"
}
keypair ed25519 -algorithm ed25519
keypair ecdsa -algorithm EC -pkeyopt ec_paramgen_curve:P-256
keypair rsa -algorithm RSA -pkeyopt rsa_keygen_bits:2048
# sconfig NAME KEY: a DB and state folder of its own, checked with KEY's public half.
sconfig() {
        cat >"$T/config-$1.json" <<EOF
{"db": "$T/$1.sqlite", "cache": "$T/no-cache.db", "update": {"cve_sources": [], "sources": ["$URL"], "ecosystems": ["Debian:12"],
 "state_dir": "$T/state-$1", "timeout_s": 5, "public_key": "$T/$2.pub"}}
EOF
}
supd() { local c=$1; shift; "$P" db update --config "$T/config-$c.json" "$@" >"$T/out" 2>&1; }
# refused WHAT PATTERN DB REV: the last run failed (exit $rc 2) saying PATTERN
# and that the previous database is unchanged, and DB is still at REV.
refused() {
        [ "$rc" -eq 2 ] || fail "$1: exit $rc: $(cat "$T/out")"
        grep -q -- "$2" "$T/out" || fail "$1: unclear: $(cat "$T/out")"
        grep -q "the previous database is unchanged" "$T/out" || fail "$1: no reassurance: $(cat "$T/out")"
        [ "$(rev "$3")" = "$4" ] || fail "$1: the DB changed"
}
for k in ed25519 ecdsa rsa; do
        manifest "$T/$k.key"
        grep -q "signed $M/manifest.json: serial $SERIAL, $(ls "$M" | grep -vc '^manifest.json') files" "$T/sign.out" ||
                fail "db sign ($k): $(cat "$T/sign.out")"
        sconfig "s-$k" "$k"
        supd "s-$k" || fail "signed ($k): exit $?: $(cat "$T/out")"
        grep -q "manifest.json: signature verified, serial $SERIAL" "$T/out" || fail "signed ($k): not said: $(cat "$T/out")"
        [ "$(records "$T/s-$k.sqlite")" = 1276 ] || fail "signed ($k): $(records "$T/s-$k.sqlite") records"
done
# db sign refuses a serial that isn't above the folder's manifest.
"$P" db sign --key "$T/rsa.key" --serial "$SERIAL" --expires 2099-01-01T00:00:00Z "$M" >"$T/sign.out" 2>&1 &&
        fail "db sign: an equal serial was accepted"
grep -q "has serial $SERIAL already; give a --serial above it" "$T/sign.out" || fail "db sign, same serial: $(cat "$T/sign.out")"
# A day no month has (timegm() would read 2099-02-30 as March 2nd): refused.
"$P" db sign --key "$T/rsa.key" --serial "$((SERIAL + 1))" --expires 2099-02-30T00:00:00Z "$M" >"$T/sign.out" 2>&1 &&
        fail "db sign: February 30th was accepted"
grep -q "is not an RFC 3339 time" "$T/sign.out" || fail "db sign, February 30th: $(cat "$T/sign.out")"
manifest "$T/ed25519.key"
# The wrong key: another Ed25519 key's public half.
keypair other -algorithm ed25519
sconfig s-other other
supd s-other
rc=$?
[ $rc -eq 2 ] || fail "signed by another key: exit $rc: $(cat "$T/out")"
grep -q "does not verify with the public key" "$T/out" || fail "signed by another key: $(cat "$T/out")"
[ -e "$T/s-other.sqlite" ] && fail "signed by another key: a database was written"

# Incremental, signed: the new record is listed in the manifest.
gen PCT-SIG-1 2026-11-27T00:00:00Z >"$M/PCT-SIG-1.json"
prepend_csv "2026-11-27T00:00:00Z,PCT-SIG-1"
rezip
manifest "$T/ed25519.key"
m=$(mark)
supd s-ed25519 || fail "signed incremental: exit $?: $(cat "$T/out")"
log_since "$m" | grep -q "PCT-SIG-1.json HTTP/1.1 200" || fail "signed incremental: record not fetched"
log_since "$m" | grep -q "all.zip" && fail "signed incremental: all.zip downloaded"
[ "$(modified_of_db "$T/s-ed25519.sqlite" PCT-SIG-1)" = 2026-11-27T00:00:00Z ] ||
        fail "signed incremental: PCT-SIG-1 missing: $(cat "$T/out")"
SREV=$(rev "$T/s-ed25519.sqlite")

# A flipped byte in the signature: nothing else is fetched, nothing changes.
gen PCT-SIG-2 2026-11-28T00:00:00Z >"$M/PCT-SIG-2.json"
prepend_csv "2026-11-28T00:00:00Z,PCT-SIG-2"
manifest "$T/ed25519.key"
cp "$M/manifest.json.sig" "$T/sig.good"
python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[7]^=1; open(p,"wb").write(b)' "$M/manifest.json.sig"
m=$(mark)
supd s-ed25519
rc=$?
refused "bad signature" "manifest.json: the signature .*manifest.json.sig does not verify" "$T/s-ed25519.sqlite" "$SREV"
log_since "$m" | grep -q "modified_id.csv\|PCT-SIG-2" && fail "bad signature: files fetched after it"
cp "$T/sig.good" "$M/manifest.json.sig"
# A tampered manifest (its serial raised after signing): the signature fails.
cp "$M/manifest.json" "$T/manifest.good"
sed -i "s/\"serial\": $SERIAL,/\"serial\": 9$SERIAL,/" "$M/manifest.json"
cmp -s "$M/manifest.json" "$T/manifest.good" && fail "tampered manifest: the test's sed changed nothing"
supd s-ed25519
rc=$?
refused "tampered manifest" "manifest.json: the signature .* does not verify" "$T/s-ed25519.sqlite" "$SREV"
cp "$T/manifest.good" "$M/manifest.json"

# A record that isn't what the manifest says (changed after signing).
gen PCT-SIG-2 2026-11-28T00:00:00Z evil >"$M/PCT-SIG-2.json"
supd s-ed25519
rc=$?
refused "record off the manifest" "PCT-SIG-2.json has sha256 [0-9a-f]*, but the signed manifest .* says" \
        "$T/s-ed25519.sqlite" "$SREV"
[ "$(modified_of_db "$T/s-ed25519.sqlite" PCT-SIG-2)" = none ] || fail "record off the manifest: it was imported"
gen PCT-SIG-2 2026-11-28T00:00:00Z >"$M/PCT-SIG-2.json"
supd s-ed25519 || fail "record restored: exit $?: $(cat "$T/out")"
[ "$(modified_of_db "$T/s-ed25519.sqlite" PCT-SIG-2)" = 2026-11-28T00:00:00Z ] || fail "record restored: not imported"
SREV=$(rev "$T/s-ed25519.sqlite")
SSERIAL=$SERIAL

# The same serial again: up to date, only the manifest and its signature fetched.
m=$(mark)
supd s-ed25519 || fail "same serial: exit $?: $(cat "$T/out")"
grep -q "serial $SERIAL, .*up to date" "$T/out" && grep -q "^unchanged" "$T/out" || fail "same serial: $(cat "$T/out")"
[ "$(log_since "$m" | grep -vc 'manifest.json')" = 0 ] || fail "same serial: other files fetched: $(log_since "$m")"
"$P" db status --db "$T/s-ed25519.sqlite" --config "$T/config-s-ed25519.json" >"$T/status"
grep -q "manifest:  serial $SERIAL, created .*, expires 2099-01-01T00:00:00Z" "$T/status" ||
        fail "db status: no manifest serial: $(cat "$T/status")"

# Rollback: a newer snapshot is installed, then the mirror serves the older
# one (validly signed, all its files intact): refused, the DB keeps serving.
mkdir -p "$T/old-snapshot" "$T/new-snapshot"
cp "$M"/* "$T/old-snapshot/"
gen PCT-SIG-4 2026-11-30T00:00:00Z >"$M/PCT-SIG-4.json"
prepend_csv "2026-11-30T00:00:00Z,PCT-SIG-4"
rezip
manifest "$T/ed25519.key"
supd s-ed25519 || fail "newer snapshot: exit $?: $(cat "$T/out")"
NREV=$(rev "$T/s-ed25519.sqlite")
[ "$NREV" != "$SREV" ] || fail "newer snapshot: the revision did not change"
cp "$M"/* "$T/new-snapshot/"
rm -f "$M"/*
cp "$T/old-snapshot"/* "$M/"
supd s-ed25519
rc=$?
refused rollback "manifest.json: \"serial\" is $SSERIAL, lower than $SERIAL, the serial of the snapshot installed last" \
        "$T/s-ed25519.sqlite" "$NREV"
[ "$(modified_of_db "$T/s-ed25519.sqlite" PCT-SIG-4)" = 2026-11-30T00:00:00Z ] || fail "rollback: PCT-SIG-4 is gone"
rm -f "$M"/*
cp "$T/new-snapshot"/* "$M/"

# Expired: a manifest whose "expires" has passed (a frozen mirror).
manifest "$T/ed25519.key" --created 2020-01-01T00:00:00Z --expires 2020-06-01T00:00:00Z
supd s-ed25519
rc=$?
refused expired "manifest.json: the signed manifest expired at 2020-06-01T00:00:00Z (\"expires\")" \
        "$T/s-ed25519.sqlite" "$NREV"

# A manifest without a serial (the old layout), signed: refused.
python3 - "$M/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); del m["serial"]; open(sys.argv[1], "w").write(json.dumps(m))
PY
openssl pkeyutl -sign -rawin -inkey "$T/ed25519.key" -in "$M/manifest.json" -out "$M/manifest.json.sig"
supd s-ed25519
rc=$?
[ $rc -eq 2 ] && grep -q "manifest.json: \"serial\" is missing" "$T/out" || fail "no serial: exit $rc: $(cat "$T/out")"

# The DB's age counts from the manifest's time: a snapshot signed 3 days
# ago (no file changed) is recorded in the DB, db status shows it and the
# hook holds it to max_db_age_hours.
manifest "$T/ed25519.key" --created "$(date -u -d '-3 days -1 minute' +%Y-%m-%dT%H:%M:%SZ)"
supd s-ed25519 || fail "signed 3 days ago: exit $?: $(cat "$T/out")"
grep -q "the signed manifests are of .*: recording it in" "$T/out" || fail "signed 3 days ago: not recorded: $(cat "$T/out")"
"$P" db status --db "$T/s-ed25519.sqlite" --format json >"$T/status.json"
python3 - "$T/status.json" <<'PY' || fail "db status after a snapshot signed 3 days ago: $(cat "$T/status.json")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["data_time"], s
assert 72 * 3600 <= s["age_seconds"] < 73 * 3600, s
PY
[ "$(rev "$T/s-ed25519.sqlite")" = "$NREV" ] || fail "signed 3 days ago: the records changed"
A=$T/age
mkdir -p "$A/rootfs/etc" "$A/rootfs/var/lib/dpkg" "$A/bundle"
printf 'ID=debian\nVERSION_ID="12"\n' >"$A/rootfs/etc/os-release"
printf 'Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4\n\n' >"$A/rootfs/var/lib/dpkg/status"
printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' "$A/rootfs" >"$A/bundle/config.json"
printf '{"ociVersion": "1.0.2", "id": "age", "status": "creating", "pid": 1, "bundle": "%s"}\n' "$A/bundle" >"$A/state.json"
printf '{"mode": "enforce", "severity": "HIGH", "max_db_age_hours": 24, "on_stale_db": "deny"}\n' >"$A/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
        "$T/s-ed25519.sqlite" "$A/cache.db" "$A/locks" "$A/policy.json" "$A/audit.log" >"$A/config.json"
out=$("${PORTCULLIS_HOOK:?}" --config "$A/config.json" <"$A/state.json" 2>&1)
rc=$?
[ $rc -eq 1 ] && grep -q "signed data is 72 hours old (its mirror's manifest), more than max_db_age_hours (24)" <<<"$out" ||
        fail "hook, DB signed 3 days ago: exit $rc: $out"
# A fresh signature (no file changed) makes it current again.
manifest "$T/ed25519.key"
supd s-ed25519 || fail "signed now: exit $?: $(cat "$T/out")"
out=$("$PORTCULLIS_HOOK" --config "$A/config.json" <"$A/state.json" 2>&1)
rc=$?
[ $rc -eq 0 ] || fail "hook, DB signed now: exit $rc: $out"

# An all.zip that isn't the one signed (a fresh state: a full download).
manifest "$T/ecdsa.key"
gen PCT-SIG-5 2026-12-01T00:00:00Z >"$M/PCT-SIG-5.json"
rezip
supd s-ecdsa --db "$T/s-zip.sqlite"   # the ECDSA state is for another DB: full
rc=$?
[ $rc -eq 2 ] || fail "all.zip off the manifest: exit $rc: $(cat "$T/out")"
grep -q "all.zip has sha256 .*, but the signed manifest" "$T/out" || fail "all.zip off the manifest: $(cat "$T/out")"
[ -e "$T/s-zip.sqlite" ] && fail "all.zip off the manifest: a database was written"
# A file the manifest doesn't list.
manifest "$T/ecdsa.key"
python3 - "$M/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); del m["files"]["all.zip"]; open(sys.argv[1], "w").write(json.dumps(m))
PY
openssl dgst -sha256 -sign "$T/ecdsa.key" -out "$M/manifest.json.sig" "$M/manifest.json"
supd s-ecdsa --db "$T/s-zip.sqlite"
rc=$?
[ $rc -eq 2 ] && grep -q "all.zip is not listed in the signed manifest" "$T/out" ||
        fail "all.zip not listed: exit $rc: $(cat "$T/out")"
# A key that isn't a key.
echo "not a key" >"$T/junk.pub"
sconfig s-junk junk
supd s-junk
rc=$?
[ $rc -eq 2 ] && grep -q "junk.pub is not a PEM public key" "$T/out" || fail "junk key: exit $rc: $(cat "$T/out")"
rm -f "$M/manifest.json" "$M/manifest.json.sig" "$M/PCT-SIG-5.json"
rezip

# ---- 10. default ecosystems: those of the images the hook has seen -----------------
# A verdict cache filled by the real hook from a Debian 12 and an Alpine 3.18
# rootfs; a config without "ecosystems" then asks for both.
HOOK=${PORTCULLIS_HOOK:?}
A=$T/mirror/m1/Alpine:v3.18
mkdir -p "$A"
printf '{"id": "PCT-ALP-1", "modified": "2026-11-23T00:00:00Z", "affected": [{"package": {"ecosystem": "Alpine:v3.18", "name": "musl"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.2.4-r3"}]}]}]}\n' >"$A/PCT-ALP-1.json"
echo "2026-11-23T00:00:00Z,PCT-ALP-1" >"$A/modified_id.csv"
(cd "$A" && python3 -c 'import zipfile; zipfile.ZipFile("all.zip", "w").write("PCT-ALP-1.json")')
H=$T/hook
mkdir -p "$H/debian/etc" "$H/debian/var/lib/dpkg" "$H/alpine/etc" "$H/alpine/lib/apk/db"
printf 'ID=debian\nVERSION_ID="12"\n' >"$H/debian/etc/os-release"
printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: 7.88.1-10+deb12u3\n\n' \
        >"$H/debian/var/lib/dpkg/status"
printf 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.18.4\n' >"$H/alpine/etc/os-release"
printf 'C:Q1abcdefghijklmnopqrstuvwxyz0=\nP:musl\nV:1.2.4-r2\nA:x86_64\nS:383152\nI:622592\nT:the musl c library\no:musl\n\n' \
        >"$H/alpine/lib/apk/db/installed"
printf '{"mode": "audit", "severity": "HIGH", "deadline_ms": 30000}\n' >"$H/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
        "$DB" "$H/cache/cache.db" "$H/locks" "$H/policy.json" "$H/audit.log" >"$H/config.json"
for img in debian alpine; do
        mkdir -p "$H/bundle-$img"
        printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' "$H/$img" >"$H/bundle-$img/config.json"
        printf '{"ociVersion": "1.0.2", "id": "%s", "status": "creating", "pid": 1, "bundle": "%s"}\n' \
                "$img" "$H/bundle-$img" >"$H/state-$img.json"
        "$HOOK" --config "$H/config.json" <"$H/state-$img.json" >"$T/out" 2>&1 || fail "hook ($img): exit $?: $(cat "$T/out")"
done
[ "$(grep -c '"cache":"miss"' "$H/audit.log" 2>/dev/null)" = 2 ] || fail "hook: not two analyses: $(cat "$H/audit.log")"
cat >"$T/config-eco.json" <<EOF
{"db": "$T/eco.sqlite", "cache": "$H/cache/cache.db", "update": {"cve_sources": [], "sources": ["$URL"], "state_dir": "$T/state-eco"}}
EOF
m=$(mark)
"$P" db update --config "$T/config-eco.json" >"$T/out" 2>&1 || fail "default ecosystems: exit $?: $(cat "$T/out")"
grep -q "no ecosystems configured: .*: Alpine:v3.18, Debian:12$" "$T/out" || fail "default ecosystems: not said: $(cat "$T/out")"
log_since "$m" | grep -q "GET /m1/Alpine%3Av3.18/all.zip HTTP/1.1 200" || fail "default ecosystems: no Alpine:v3.18: $(log_since "$m")"
log_since "$m" | grep -q "GET /m1/Debian%3A12/all.zip HTTP/1.1 200" || fail "default ecosystems: no Debian:12: $(log_since "$m")"
log_since "$m" | grep -v "Alpine%3Av3.18\|Debian%3A12" | grep -q . && fail "default ecosystems: other requests: $(log_since "$m")"
[ "$(modified_of_db "$T/eco.sqlite" PCT-ALP-1)" = 2026-11-23T00:00:00Z ] || fail "default ecosystems: the Alpine record is missing"
# An image of a release no source has (Alpine 3.19 here: the mirror has no
# folder for it): left out and said, the others updated; it was a failure
# of the whole run, and every other ecosystem's records aged with it.
mkdir -p "$H/alpine19/etc" "$H/bundle-alpine19"
cp -r "$H/alpine/lib" "$H/alpine19/"
printf 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\n' >"$H/alpine19/etc/os-release"
printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' "$H/alpine19" >"$H/bundle-alpine19/config.json"
printf '{"ociVersion": "1.0.2", "id": "alpine19", "status": "creating", "pid": 1, "bundle": "%s"}\n' \
        "$H/bundle-alpine19" >"$H/state-alpine19.json"
"$HOOK" --config "$H/config.json" <"$H/state-alpine19.json" >"$T/out" 2>&1 || fail "hook (alpine19): exit $?: $(cat "$T/out")"
"$P" db update --config "$T/config-eco.json" >"$T/out" 2>&1 || fail "a default no source has: exit $?: $(cat "$T/out")"
grep -q "Alpine:v3.19: no source has it (each answered 404): left out" "$T/out" ||
        fail "a default no source has: not said: $(cat "$T/out")"
grep -q ", 1 left out that no source has" "$T/out" || fail "a default no source has: the summary: $(cat "$T/out")"
[ "$(modified_of_db "$T/eco.sqlite" PCT-ALP-1)" = 2026-11-23T00:00:00Z ] || fail "a default no source has: Alpine 3.18 lost"
# ... but a source that has none of them is wrong, not missing some: the run fails
cat >"$T/config-eco-none.json" <<EOF
{"db": "$T/eco-none.sqlite", "cache": "$H/cache/cache.db", "update": {"cve_sources": [], "sources": ["$URL/nothing-here"], "state_dir": "$T/state-eco-none"}}
EOF
"$P" db update --config "$T/config-eco-none.json" >"$T/out" 2>&1 && fail "a source with none of them: exit 0"
grep -q "no source has any of the ecosystems (each answered 404 for every one): check update.sources" "$T/out" ||
        fail "a source with none of them: $(cat "$T/out")"
[ -e "$T/eco-none.sqlite" ] && fail "a source with none of them: a database was written"
# No cache (and no earlier update): Debian:12, and it says so.
cat >"$T/config-eco2.json" <<EOF
{"db": "$T/eco2.sqlite", "cache": "$T/no-cache.db", "update": {"cve_sources": [], "sources": ["$URL"], "state_dir": "$T/state-eco2"}}
EOF
m=$(mark)
"$P" db update --config "$T/config-eco2.json" >"$T/out" 2>&1 || fail "no cache: exit $?: $(cat "$T/out")"
grep -q "no ecosystems configured and no image in the verdict cache $T/no-cache.db: updating Debian:12" "$T/out" ||
        fail "no cache: not said: $(cat "$T/out")"
log_since "$m" | grep -q "Alpine" && fail "no cache: Alpine asked for"
log_since "$m" | grep -q "GET /m1/Debian%3A12/all.zip" || fail "no cache: no Debian:12"
[ -e "$T/no-cache.db" ] && fail "no cache: a cache was created"
# An ecosystem spelled in another case (as import takes it) is asked for as
# OSV spells it: "debian:12/all.zip" is no folder of the bucket.
m=$(mark)
"$P" db update --config "$T/config-eco2.json" --ecosystem debian:12 >"$T/out" 2>&1 ||
        fail "--ecosystem debian:12: exit $?: $(cat "$T/out")"
log_since "$m" | grep -q "GET /m1/Debian%3A12/" && ! log_since "$m" | grep -q "/debian%3A12/" ||
        fail "--ecosystem debian:12: not asked as Debian:12: $(log_since "$m")"
# An ecosystem no longer asked for leaves the database (a rebuild) and the
# state folder (its all.zip and records): nothing kept for ever.  The shrink
# guard does not count it: the run says so, and the timer's next run is not
# refused for it until someone gives --allow-shrink.
[ -f "$T/state-eco/Alpine%3Av3.18/all.zip" ] || fail "dropped ecosystem: no Alpine folder to begin with: $(ls "$T/state-eco")"
"$P" db update --config "$T/config-eco.json" --ecosystem Debian:12 >"$T/out" 2>&1 ||
        fail "dropped ecosystem: exit $?: $(cat "$T/out")"
grep -q "Alpine:v3.18 is no longer asked for: its records leave the database" "$T/out" ||
        fail "dropped ecosystem: the drop not said: $(cat "$T/out")"
grep -q "removed $T/state-eco/Alpine%3Av3.18: Alpine:v3.18 is no longer asked for (its records left the database)" \
        "$T/out" || fail "dropped ecosystem: not said: $(cat "$T/out")"
[ -e "$T/state-eco/Alpine%3Av3.18" ] && fail "dropped ecosystem: its folder stays: $(ls -R "$T/state-eco/Alpine%3Av3.18")"
[ -f "$T/state-eco/Debian%3A12/all.zip" ] || fail "dropped ecosystem: Debian:12's all.zip went too"
[ "$(modified_of_db "$T/eco.sqlite" PCT-ALP-1)" = none ] || fail "dropped ecosystem: the Alpine record stays in the database"
"$P" db update --config "$T/config-eco.json" --ecosystem Debian:12 >"$T/out" 2>&1 && ! grep -q "removed" "$T/out" ||
        fail "dropped ecosystem, again: $(cat "$T/out")"

# ---- 11. the shrink guard (issue 10): an update that would leave far fewer records -----
# A second mirror whose Debian:12 all.zip holds 100 of the 1,272 records,
# then one whose only entry is not a record: refused, the DB as it was,
# until --allow-shrink.
S2=$T/mirror/m2/Debian:12
mkdir -p "$S2"
python3 - "$FEED" "$S2" <<'PY'
import json, sys, zipfile
feed, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(feed) as z, zipfile.ZipFile(f"{out}/all.zip", "w") as o:
    rows = []
    for n in sorted(n for n in z.namelist() if n.endswith(".json"))[:100]:
        b = z.read(n)
        o.writestr(n, b)
        r = json.loads(b)
        rows.append((r["modified"], r["id"]))
rows.sort(reverse=True)
open(f"{out}/modified_id.csv", "w").write("".join(f"{m},{i}\n" for m, i in rows))
PY
"$P" db import "$FEED" --db "$T/shrink.sqlite" >/dev/null || fail "shrink: import"
SREV=$(rev "$T/shrink.sqlite")
printf '{"db": "%s", "update": {"cve_sources": [], "sources": ["%s"], "ecosystems": ["Debian:12"], "state_dir": "%s"}}\n' \
        "$T/shrink.sqlite" "http://127.0.0.1:$PORT/m2" "$T/state-shrink" >"$T/config-shrink.json"
"$P" db update --config "$T/config-shrink.json" >"$T/out" 2>&1
rc=$?
[ $rc -eq 2 ] || fail "shrink: exit $rc: $(cat "$T/out")"
grep -q "refused: the import yields 100 records where $T/shrink.sqlite holds 1272 (Debian:12: 100 of 1272)" \
        "$T/out" || fail "shrink: not explained: $(cat "$T/out")"
grep -q -- "--allow-shrink" "$T/out" || fail "shrink: no way out named: $(cat "$T/out")"
[ "$(rev "$T/shrink.sqlite")" = "$SREV" ] && [ "$(records "$T/shrink.sqlite")" = 1272 ] ||
        fail "shrink: the DB changed: $(records "$T/shrink.sqlite") records"
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1], "w").writestr("config.json", "{\"db\": \"x\"}")' \
        "$S2/all.zip.new" && mv "$S2/all.zip.new" "$S2/all.zip"
echo "2026-11-23T00:00:00Z,NOT-A-RECORD" >"$S2/modified_id.csv"
"$P" db update --config "$T/config-shrink.json" >"$T/out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "refused: the import yields no valid record" "$T/out" ||
        fail "empty all.zip: exit $rc: $(cat "$T/out")"
grep -q "skipped .*config.json: field 'id'" "$T/out" || fail "empty all.zip: the skip is not named: $(cat "$T/out")"
[ "$(records "$T/shrink.sqlite")" = 1272 ] || fail "empty all.zip: the DB changed"
"$P" db update --config "$T/config-shrink.json" --allow-shrink >"$T/out" 2>&1 ||
        fail "--allow-shrink: exit $?: $(cat "$T/out")"
[ "$(records "$T/shrink.sqlite")" = 0 ] || fail "--allow-shrink: $(records "$T/shrink.sqlite") records, wanted 0"

# ---- 12. redirects: https may not be downgraded to http ------------------------------
# The https server (a test CA's certificate) redirects /up/... to https and
# /down/... to the plain http server.
cat >"$T/config-tls.json" <<EOF
{"db": "$T/tls.sqlite", "cache": "$T/no-cache.db", "update": {"cve_sources": [], "sources": ["https://127.0.0.1:$TLS_PORT/up/m1"],
 "ecosystems": ["Debian:12"], "state_dir": "$T/state-tls", "timeout_s": 5, "ca_file": "$CA/ca.pem"}}
EOF
"$P" db update --config "$T/config-tls.json" >"$T/out" 2>&1 || fail "https redirected to https: exit $?: $(cat "$T/out")"
[ "$(records "$T/tls.sqlite")" -ge 1275 ] || fail "https redirected to https: $(records "$T/tls.sqlite") records"
TREV=$(rev "$T/tls.sqlite")
m=$(mark)
"$P" db update --config "$T/config-tls.json" --source "https://127.0.0.1:$TLS_PORT/down/m1" >"$T/out" 2>&1
rc=$?
[ $rc -eq 2 ] || fail "https redirected to http: exit $rc: $(cat "$T/out")"
grep -q "https://127.0.0.1:$TLS_PORT/down/m1/Debian%3A12/modified_id.csv redirects to a URL that is not https (.*); refusing to leave https" "$T/out" ||
        fail "https redirected to http: unclear: $(cat "$T/out")"
grep -q "previous database is unchanged" "$T/out" || fail "https redirected to http: no reassurance: $(cat "$T/out")"
log_since "$m" | grep -q "GET /m1/" && fail "https redirected to http: the http server was asked: $(log_since "$m")"
[ "$(rev "$T/tls.sqlite")" = "$TREV" ] || fail "https redirected to http: the DB changed"

# ---- 13. zip bombs ---------------------------------------------------------------------
# A real bomb (an all.zip of 1 MiB holding 1 GiB of spaces next to a good
# record), and one whose headers lie (they declare 1,000 bytes for 512 MiB):
# refused before (or while) inflating, in well under the 10 s and more that
# inflating takes, through db update and db import alike.
Z=$T/mirror/m3/Debian:12
mkdir -p "$Z"
python3 - "$T/bomb.zip" "$T/liar.zip" "$Z" <<'PY'
import struct, sys, zipfile
bomb, liar, d = sys.argv[1:4]
good = '{"id": "PCT-Z-1", "modified": "2026-11-23T00:00:00Z", "affected": []}'
def write(path, mib, zip64):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("PCT-Z-1.json", good)
        with z.open("big.json", "w", force_zip64=zip64) as f:
            chunk = b" " * (1 << 20)
            for _ in range(mib):
                f.write(chunk)
write(bomb, 1024, True)
write(liar, 512, False)
b = bytearray(open(liar, "rb").read())
lh = b.find(b"PK\x03\x04", 1)          # big.json's local header (the second)
cd = b.find(b"PK\x01\x02")
cd = b.find(b"PK\x01\x02", cd + 4)     # and its central directory entry
struct.pack_into("<I", b, lh + 22, 1000)
struct.pack_into("<I", b, cd + 24, 1000)
open(liar, "wb").write(b)
open(f"{d}/modified_id.csv", "w").write("2026-11-23T00:00:00Z,PCT-Z-1\n")
PY
cat >"$T/config-zip.json" <<EOF
{"db": "$T/zip.sqlite", "cache": "$T/no-cache.db", "update": {"cve_sources": [], "sources": ["http://127.0.0.1:$PORT/m3"],
 "ecosystems": ["Debian:12"], "state_dir": "$T/state-zip", "timeout_s": 5}}
EOF
cp "$DB" "$T/zip-import.sqlite"
ZREV=$(rev "$T/zip-import.sqlite")
# timed OUT CMD...: runs CMD, sets rc and ms (its wall time).
timed() {
        local out=$1 t0=$EPOCHREALTIME; shift
        "$@" >"$out" 2>&1
        rc=$?
        ms=$(python3 -c "print(int((float('$EPOCHREALTIME') - float('$t0')) * 1000))")
}
for z in bomb liar; do
        cp "$T/$z.zip" "$Z/all.zip"
        case $z in
        bomb) want="entry big.json declares 1073741824 bytes, more than an entry may hold (16777216 bytes); refusing the whole archive" ;;
        liar) want="entry big.json inflates to more than the 1000 bytes it declares; refusing the whole archive" ;;
        esac
        timed "$T/out" "$P" db update --config "$T/config-zip.json"
        [ $rc -eq 2 ] || fail "$z via db update: exit $rc: $(cat "$T/out")"
        grep -q "http://127.0.0.1:$PORT/m3/Debian%3A12/all.zip: $want" "$T/out" || fail "$z via db update: unclear: $(cat "$T/out")"
        [ "$ms" -lt 5000 ] || fail "$z via db update: took $ms ms"
        [ -e "$T/zip.sqlite" ] && fail "$z via db update: a database was written"
        echo "$z: db update refused it in $ms ms"
        timed "$T/out" "$P" db import "$T/$z.zip" --db "$T/zip-import.sqlite"
        [ $rc -eq 2 ] || fail "$z via db import: exit $rc: $(cat "$T/out")"
        grep -q "$T/$z.zip: $want" "$T/out" || fail "$z via db import: unclear: $(cat "$T/out")"
        [ "$ms" -lt 5000 ] || fail "$z via db import: took $ms ms"
        [ "$(rev "$T/zip-import.sqlite")" = "$ZREV" ] || fail "$z via db import: the DB changed"
        echo "$z: db import refused it in $ms ms"
done

# ---- 14. CVE scores: a source of CVE JSON 5 / NVD records -----------------------------
# The Debian records carry no CVSS; a zip of CVE records (CVE JSON 5 written
# here, NVD API 2.0 records from ../shared/data) served by nginx gives the
# CVEs they name a score, fetched like all.zip (304 when unchanged) and kept
# through rebuilds.
C=$T/mirror/cve
mkdir -p "$C"
# cvezip EXTRA-CVE...: cves.zip from CVE JSON 5 records for CVE-2023-38545
# (CVSS 3.1 9.8) and the given ids (CVSS 3.1 5.3), and the NVD samples.
cvezip() {
        python3 - "$C/cves.zip" "${PC_SHARED_DATA}/vulndb/trivy-db/nvd/testdata/happy/vuln-list-nvd/api" "$@" <<'PY'
import glob, json, os, sys, zipfile
out, nvd, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
def cve5(cid, vector):
    return {"dataType": "CVE_RECORD", "dataVersion": "5.1",
            "cveMetadata": {"cveId": cid, "state": "PUBLISHED", "dateUpdated": "2026-11-23T00:00:00.000Z"},
            "containers": {"cna": {"metrics": [{"cvssV3_1": {"version": "3.1", "vectorString": vector}}]}}}
with zipfile.ZipFile(out + ".new", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("cvelistV5-main/cves/2023/38xxx/CVE-2023-38545.json",
               json.dumps(cve5("CVE-2023-38545", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")))
    for cid in extra:
        z.writestr(f"cvelistV5-main/cves/{cid}.json", json.dumps(cve5(cid, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N")))
    for f in sorted(glob.glob(f"{nvd}/*/*.json")):
        z.write(f, "nvd/" + os.path.basename(f))
os.rename(out + ".new", out)
PY
}
cvezip
cat >"$T/config-cve.json" <<EOF
{"db": "$T/cve.sqlite", "cache": "$T/no-cache.db", "update": {"sources": ["$URL"], "ecosystems": ["Debian:12"],
 "cve_sources": ["http://127.0.0.1:$PORT/cve/cves.zip"], "state_dir": "$T/state-cve", "timeout_s": 5}}
EOF
cves() { "$P" db status --db "$T/cve.sqlite" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["cve_severities"])'; }
# sev_of ID: the severity `portcullis scan` gives a finding on the libcurl4 rootfs of section 10.
sev_of() { "$P" scan "$H/debian" --db "$T/cve.sqlite" --format json |
        python3 -c 'import json,sys; d=json.load(sys.stdin); print([f.get("severity") for f in d["findings"] if f["id"]==sys.argv[1]])' "$1"; }
m=$(mark)
"$P" db update --config "$T/config-cve.json" >"$T/out" 2>&1 || fail "CVE scores: exit $?: $(cat "$T/out")"
log_since "$m" | grep -q "GET /cve/cves.zip HTTP/1.1 200" || fail "CVE scores: cves.zip not fetched: $(log_since "$m")"
n=$(cves)
# CVE-2023-38545, and the NVD samples that hold a score (three of four).
[ "$n" = 4 ] || fail "CVE scores: $n CVE severities, wanted 4: $(cat "$T/out")"
[ "$(sev_of DEBIAN-CVE-2023-38545)" = "['CRITICAL']" ] || fail "CVE scores: DEBIAN-CVE-2023-38545 is $(sev_of DEBIAN-CVE-2023-38545)"
[ "$(sev_of DEBIAN-CVE-2023-46218)" = "['UNKNOWN']" ] || fail "CVE scores: DEBIAN-CVE-2023-46218 is $(sev_of DEBIAN-CVE-2023-46218)"
# Unchanged: a 304, nothing imported.
CREV=$(rev "$T/cve.sqlite")
m=$(mark)
"$P" db update --config "$T/config-cve.json" >"$T/out" 2>&1 || fail "CVE scores, again: exit $?: $(cat "$T/out")"
log_since "$m" | grep -q "GET /cve/cves.zip HTTP/1.1 304" || fail "CVE scores, again: no 304: $(log_since "$m")"
grep -q "^unchanged" "$T/out" || fail "CVE scores, again: not unchanged: $(cat "$T/out")"
# Changed: one more CVE is merged in.
cvezip CVE-2023-46218
"$P" db update --config "$T/config-cve.json" >"$T/out" 2>&1 || fail "CVE scores, changed: exit $?: $(cat "$T/out")"
[ "$(cves)" = $((n + 1)) ] || fail "CVE scores, changed: $(cves), wanted $((n + 1))"
[ "$(sev_of DEBIAN-CVE-2023-46218)" = "['MEDIUM']" ] || fail "CVE scores, changed: DEBIAN-CVE-2023-46218 is $(sev_of DEBIAN-CVE-2023-46218)"
# A rebuild (the database removed) brings them back from the kept file.
rm -f "$T/cve.sqlite"
"$P" db update --config "$T/config-cve.json" >"$T/out" 2>&1 || fail "CVE scores, rebuild: exit $?: $(cat "$T/out")"
[ "$(cves)" = $((n + 1)) ] || fail "CVE scores, rebuild: $(cves), wanted $((n + 1))"
# A source that fails is said; the scores stay and the run succeeds.
mv "$C/cves.zip" "$C/cves.zip.away"
"$P" db update --config "$T/config-cve.json" >"$T/out" 2>&1 || fail "CVE source gone: exit $?: $(cat "$T/out")"
grep -q "CVE scores: http://127.0.0.1:$PORT/cve/cves.zip: HTTP status 404; the CVE scores kept from earlier runs stay" "$T/out" ||
        fail "CVE source gone: not said: $(cat "$T/out")"
[ "$(cves)" = $((n + 1)) ] || fail "CVE source gone: $(cves) CVE severities"
mv "$C/cves.zip.away" "$C/cves.zip"
# A CVE source taken out of the configuration: its kept file goes (the
# scores it brought stay in the database, as every rebuild keeps them).
kept=$(ls "$T/state-cve/cve")
[ -n "$kept" ] || fail "CVE source dropped: nothing kept to begin with"
sed 's|"cve_sources": \[[^]]*\]|"cve_sources": []|' "$T/config-cve.json" >"$T/config-cve0.json"
"$P" db update --config "$T/config-cve0.json" >"$T/out" 2>&1 || fail "CVE source dropped: exit $?: $(cat "$T/out")"
grep -q "removed $T/state-cve/cve/$kept: kept for a CVE source no longer in 'update.cve_sources'" "$T/out" ||
        fail "CVE source dropped: not said: $(cat "$T/out")"
[ -z "$(ls "$T/state-cve/cve")" ] || fail "CVE source dropped: still kept: $(ls "$T/state-cve/cve")"
[ "$(cves)" = $((n + 1)) ] || fail "CVE source dropped: $(cves) CVE severities, wanted $((n + 1))"

# ---- a mirror that holds the list back, a record stamped in the future ---------------
# On a copy of the mirror (its own DB and state), signed with the ed25519 key.
MF=$T/mirror/mf/Debian:12
mkdir -p "$T/mirror/mf"
cp -a "$M" "$MF"
mfconfig() { # SOURCE-PATH
        printf '{"db": "%s", "cache": "%s", "update": {"cve_sources": [], "sources": ["http://127.0.0.1:%s/%s"], "ecosystems": ["Debian:12"], "state_dir": "%s", "timeout_s": 5, "public_key": "%s"}}\n' \
                "$T/mf.sqlite" "$T/no-cache.db" "$PORT" "$1" "$T/state-mf" "$T/ed25519.pub" >"$T/config-mf.json"
}
mfsign() { "$P" db sign --key "$T/ed25519.key" --serial "$1" --expires 2099-01-01T00:00:00Z "$MF" >/dev/null || fail "mf: sign $1"; }
mfcsv() { { printf '%s\n' "$@"; cat "$MF/modified_id.csv"; } >"$MF/csv.new" && mv "$MF/csv.new" "$MF/modified_id.csv"; }
mfconfig held/mf
mfsign 1
"$P" db update --config "$T/config-mf.json" >"$T/out" 2>&1 || fail "mf: first run: $(cat "$T/out")"
cp "$T/mf.sqlite" "$T/mf-first.sqlite"
# A new record and serial: the list can't be "not modified"; the record
# comes in all the same, through all.zip.
gen PCT-HELD-1 2026-12-03T00:00:00Z >"$MF/PCT-HELD-1.json"
mfcsv "2026-12-03T00:00:00Z,PCT-HELD-1"
M=$MF rezip
mfsign 2
"$P" db update --config "$T/config-mf.json" >"$T/out" 2>&1 || fail "held list: exit $?: $(cat "$T/out")"
grep -q "304 Not Modified to a request that named no version" "$T/out" || fail "held list: not said: $(cat "$T/out")"
[ "$(modified_of_db "$T/mf.sqlite" PCT-HELD-1)" = 2026-12-03T00:00:00Z ] || fail "held list: PCT-HELD-1 missing: $(cat "$T/out")"
# A record stamped in the future (a skewed clock upstream): the next run
# starts from now, so a record modified later is still fetched.
mfconfig mf
gen PCT-SKEW-1 2099-01-01T00:00:00Z >"$MF/PCT-SKEW-1.json"
mfcsv "2099-01-01T00:00:00Z,PCT-SKEW-1"
M=$MF rezip
mfsign 3
"$P" db update --config "$T/config-mf.json" >"$T/out" 2>&1 || fail "future record: exit $?: $(cat "$T/out")"
grep -q "lists a record modified at 2099-01-01T00:00:00Z, after now; the next run starts from now" "$T/out" ||
        fail "future record: not said: $(cat "$T/out")"
sleep 1
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
gen PCT-LATER-1 "$NOW" >"$MF/PCT-LATER-1.json"
{ head -1 "$MF/modified_id.csv"; echo "$NOW,PCT-LATER-1"; tail -n +2 "$MF/modified_id.csv"; } >"$MF/csv.new" &&
        mv "$MF/csv.new" "$MF/modified_id.csv"
M=$MF rezip
mfsign 4
"$P" db update --config "$T/config-mf.json" >"$T/out" 2>&1 || fail "after the future record: exit $?: $(cat "$T/out")"
[ "$(modified_of_db "$T/mf.sqlite" PCT-LATER-1)" = "$NOW" ] ||
        fail "after the future record: PCT-LATER-1 missing: $(cat "$T/out")"
# An artifact of the first run's data (signed, built an hour ago, not
# expired), replayed after the mirror brought newer data: refused, as a
# rollback, though the OCI state never saw a newer artifact.
"$P" db export --key "$T/ed25519.key" --db "$T/mf-first.sqlite" --created "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)" \
        --expires "$(date -u -d '+7 days' +%Y-%m-%dT%H:%M:%SZ)" "$T/first.tar" >"$T/out" 2>&1 || fail "export: $(cat "$T/out")"
MREV=$(rev "$T/mf.sqlite")
"$P" db import --config "$T/config-mf.json" --db "$T/mf.sqlite" "$T/first.tar" >"$T/out" 2>&1
rc=$?
refused "replayed artifact" "is not newer than the installed database's" "$T/mf.sqlite" "$MREV"

# ---- all.zip older than modified_id.csv ----------------------------------------------
# osv.dev exports the two in separate steps, a mirror may sync them in two
# passes, a CDN keeps all.zip longer: a record the list names as modified
# after the archive (or missing from it) is fetched one by one in the same
# run; the next run starts after the list's newest time and would never
# fetch it.  A copy of the mirror, its list rebuilt from its records.
MZ=$T/mirror/zg/Debian:12
mkdir -p "$T/mirror/zg"
cp -a "$M" "$MZ"
rm -f "$MZ"/manifest.json*
M=$MZ rezip
python3 - "$MZ" <<'PY'
import glob, json, sys
rows = []
for f in glob.glob(f"{sys.argv[1]}/*.json"):
    try:
        r = json.load(open(f))
        rows.append((r["modified"], r["id"]))
    except Exception:
        pass
# by time: as text, "...:00Z" would sort after "...:00.5Z"
rows.sort(key=lambda r: (r[0][:19], float("0" + r[0][19:-1]) if r[0][19] == "." else 0.0), reverse=True)
open(f"{sys.argv[1]}/modified_id.csv", "w").write("".join(f"{m},{i}\n" for m, i in rows))
PY
ZOLD=$(sed -n 500p "$MZ/modified_id.csv" | cut -d, -f2)
python3 - "$MZ/$ZOLD.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); r["modified"] = "2026-12-05T00:00:00Z"; r["summary"] = "modified after all.zip"
json.dump(r, open(sys.argv[1], "w"))
PY
gen PCT-GAP-NEW 2026-12-05T00:00:01Z >"$MZ/PCT-GAP-NEW.json"
{ printf '%s\n' "2026-12-05T00:00:01Z,PCT-GAP-NEW" "2026-12-05T00:00:00Z,$ZOLD"; grep -v ",$ZOLD\$" "$MZ/modified_id.csv"; } \
        >"$MZ/csv.new" && mv "$MZ/csv.new" "$MZ/modified_id.csv"
ZN=$(wc -l <"$MZ/modified_id.csv")
# zgconfig NAME [KEY]: a DB and state folder of its own.
zgconfig() {
        printf '{"db": "%s", "cache": "%s", "update": {"cve_sources": [], "sources": ["%s"], "ecosystems": ["Debian:12"], "state_dir": "%s", "timeout_s": 5%s}}\n' \
                "$T/$1.sqlite" "$T/no-cache.db" "http://127.0.0.1:$PORT/zg" "$T/state-$1" \
                "${2:+, \"public_key\": \"$T/$2.pub\"}" >"$T/config-$1.json"
}
# zgfirst NAME: the first run fetched the two records the archive lacks, and only them.
zgfirst() {
        m=$(mark)
        "$P" db update --config "$T/config-$1.json" >"$T/out" 2>&1 || fail "$1: first run: exit $?: $(cat "$T/out")"
        grep -q "all.zip is older than modified_id.csv: 2 records listed as modified since were fetched one by one" \
                "$T/out" || fail "$1: the gap not said: $(cat "$T/out")"
        [ "$(modified_of_db "$T/$1.sqlite" "$ZOLD")" = 2026-12-05T00:00:00Z ] ||
                fail "$1: $ZOLD is the archive's copy: $(cat "$T/out")"
        [ "$(modified_of_db "$T/$1.sqlite" PCT-GAP-NEW)" = 2026-12-05T00:00:01Z ] ||
                fail "$1: PCT-GAP-NEW missing: $(cat "$T/out")"
        [ "$(records "$T/$1.sqlite")" = "$ZN" ] || fail "$1: $(records "$T/$1.sqlite") records, wanted $ZN"
        got=$(log_since "$m" | grep '\.json HTTP' | grep -v manifest.json | sort)
        want=$(printf 'GET /zg/Debian%%3A12/%s.json HTTP/1.1 200\n' "$ZOLD" PCT-GAP-NEW | sort)
        [ "$got" = "$want" ] || fail "$1: fetched [$got], wanted [$want]"
}
# Signed: the records are checked against the manifest, as in an incremental run.
"$P" db sign --key "$T/ed25519.key" --serial 1 --expires 2099-01-01T00:00:00Z "$MZ" >/dev/null || fail "zg: sign"
zgconfig zgs ed25519
zgfirst zgs
rm -f "$MZ"/manifest.json*
zgconfig zg
zgfirst zg
# the next run: incremental, nothing fetched again; then only what changed
m=$(mark)
"$P" db update --config "$T/config-zg.json" >"$T/out" 2>&1 && grep -q "^unchanged" "$T/out" ||
        fail "zg: second run not unchanged: $(cat "$T/out")"
log_since "$m" | grep -q "all.zip\|\.json HTTP" && fail "zg: second run fetched: $(log_since "$m")"
gen PCT-GAP-NEXT 2026-12-06T00:00:00Z >"$MZ/PCT-GAP-NEXT.json"
M=$MZ prepend_csv "2026-12-06T00:00:00Z,PCT-GAP-NEXT"
m=$(mark)
"$P" db update --config "$T/config-zg.json" >"$T/out" 2>&1 || fail "zg: third run: exit $?: $(cat "$T/out")"
got=$(log_since "$m" | grep -v modified_id.csv)
[ "$got" = "GET /zg/Debian%3A12/PCT-GAP-NEXT.json HTTP/1.1 200" ] || fail "zg: third run fetched [$got]"
grep -q "1 records changed since 2026-12-05T00:00:01Z; fetching them" "$T/out" ||
        fail "zg: third run not incremental: $(cat "$T/out")"
# A record listed but served by no source (404 from each): the archive and
# the rest come in; it is the retry, fetched by the next run, imported once
# served.
M=$MZ prepend_csv "2026-12-06T00:00:01Z,PCT-GAP-LATE"
rm -rf "$T/state-zg"
"$P" db update --config "$T/config-zg.json" >"$T/out" 2>&1 || fail "zg: unserved record: exit $?: $(cat "$T/out")"
grep -q "PCT-GAP-LATE.json: no source could serve it .*; fetched again by the next run" "$T/out" &&
        grep -q "all.zip is older than modified_id.csv: 3 of 4 records listed as modified since were fetched one by one; the next run fetches the other 1" "$T/out" ||
        fail "zg: the unserved record not said: $(cat "$T/out")"
"$P" db status --db "$T/zg.sqlite" --config "$T/config-zg.json" | grep -q "^  retry: *1 record " ||
        fail "zg: no retry: $("$P" db status --db "$T/zg.sqlite" --config "$T/config-zg.json")"
# Still served by no source (404 from each): the next run fetches the
# others and keeps it, without downloading all.zip again (which would find
# it missing again, every run).
m=$(mark)
"$P" db update --config "$T/config-zg.json" >"$T/out" 2>&1 || fail "zg: still unserved: exit $?: $(cat "$T/out")"
log_since "$m" | grep -q "all.zip" && fail "zg: still unserved: all.zip downloaded again: $(log_since "$m")"
grep -q "PCT-GAP-LATE.json: no source could serve it .*; kept for the next run" "$T/out" ||
        fail "zg: still unserved: not said: $(cat "$T/out")"
"$P" db status --db "$T/zg.sqlite" --config "$T/config-zg.json" | grep -q "^  retry: *1 record " ||
        fail "zg: still unserved: retry: $("$P" db status --db "$T/zg.sqlite" --config "$T/config-zg.json" | grep retry); $(cat "$T/out")"
gen PCT-GAP-LATE 2026-12-06T00:00:01Z >"$MZ/PCT-GAP-LATE.json"
"$P" db update --config "$T/config-zg.json" >"$T/out" 2>&1 || fail "zg: retry run: exit $?: $(cat "$T/out")"
for id in PCT-GAP-LATE PCT-GAP-NEW PCT-GAP-NEXT; do
        [ "$(modified_of_db "$T/zg.sqlite" $id)" != none ] || fail "zg: $id missing after the retry: $(cat "$T/out")"
done
[ "$(modified_of_db "$T/zg.sqlite" "$ZOLD")" = 2026-12-05T00:00:00Z ] || fail "zg: $ZOLD lost after the retry"

# ---- config: strict keys ------------------------------------------------------------
echo '{"update": {"sorces": []}}' >"$T/bad.json"
"$P" db update --config "$T/bad.json" --db "$T/x.sqlite" >"$T/out" 2>&1
grep -q "bad.json:1:13: unknown key 'sorces'" "$T/out" || fail "strict config: $(cat "$T/out")"

echo "db-update: $SECONDS s"
[ "$fails" -eq 0 ] || { echo "$fails failures"; exit 1; }
echo "all db update checks passed"
