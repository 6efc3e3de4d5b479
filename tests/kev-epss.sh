#!/bin/bash
# CISA KEV and FIRST EPSS (issue 14 item 3), with files shaped as CISA and
# FIRST publish them: `db import` of the KEV JSON and the EPSS CSV (plain
# and gzip) and of malformed ones; `db status`; scan JSON, table and --sort
# kev/epss; the policy's block_kev and min_epss through the hook's gate
# (`portcullis check --state` and the hook itself, on a miss and on a cache
# hit); `db update` of both from a loopback HTTP server (python3 http.server),
# with mirrors, 304s and the signed-manifest rules.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
command -v python3 >/dev/null || { echo "SKIP: python3 is missing"; exit 77; }
command -v gzip >/dev/null || { echo "SKIP: gzip is missing"; exit 77; }
T=$(mktemp -d /tmp/pc-kev-XXXXXX)
SERVER_PID=
cleanup() {
        [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# ---- data, as CISA and FIRST publish it ------------------------------------
# kev_entry CVE DATE: one entry of known_exploited_vulnerabilities.json
kev_entry() {
        printf '{"cveID": "%s", "vendorProject": "Apache", "product": "Log4j2", "vulnerabilityName": "Remote Code Execution Vulnerability", "dateAdded": "%s", "shortDescription": "Apache Log4j2 contains a vulnerability where JNDI features do not protect against attacker-controlled JNDI-related endpoints, allowing for remote code execution.", "requiredAction": "For all affected software assets for which updates exist, the only acceptable remediation actions are: 1) Apply updates; OR 2) remove affected assets from agency networks.", "dueDate": "2021-12-24", "knownRansomwareCampaignUse": "Known", "notes": "https://nvd.nist.gov/vuln/detail/%s; https://www.cisa.gov/uscert/apache-log4j-vulnerability-guidance", "cwes": ["CWE-20", "CWE-400", "CWE-502"]}' "$1" "$2" "$1"
}
# kev VERSION CVE...: the catalogue
kev() {
        local version=$1 n=0 sep=
        shift
        printf '{\n    "title": "CISA Catalog of Known Exploited Vulnerabilities",\n    "catalogVersion": "%s",\n    "dateReleased": "2026-12-03T15:01:22.4356Z",\n    "count": %d,\n    "vulnerabilities": [\n' "$version" $#
        for c in "$@"; do
                printf '%s        ' "$sep"
                kev_entry "$c" 2021-12-10
                sep=$',\n'
        done
        printf '\n    ]\n}\n'
}
kev 2026.12.03 CVE-2021-44228 CVE-2014-0160 >"$T/known_exploited_vulnerabilities.json"
cat >"$T/epss_scores-2026-12-03.csv" <<'EOF'
#model_version:v2025.03.14,score_date:2026-12-03T12:55:00Z
cve,epss,percentile
CVE-1999-0001,0.97000,0.99990
CVE-2014-0160,0.94470,0.99985
CVE-2021-44228,0.94358,0.99957
CVE-2024-0001,0.00043,0.12345
EOF
gzip -k "$T/epss_scores-2026-12-03.csv"

# OSV records (Debian) for three source packages: UNKNOWN, LOW, UNKNOWN
rec() {
        printf '{"id": "DEBIAN-%s", "modified": "2024-01-01T00:00:00Z", "upstream": ["%s"], %s"affected": [{"package": {"ecosystem": "Debian:12", "name": "%s"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "%s"}]}]}]}\n' \
                "$1" "$1" "$4" "$2" "$3"
}
mkdir -p "$T/osv"
rec CVE-2021-44228 apache-log4j2 2.17.0-1 "" >"$T/osv/DEBIAN-CVE-2021-44228.json"
rec CVE-2014-0160 openssl 3.0.1-1 '"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"}], ' \
        >"$T/osv/DEBIAN-CVE-2014-0160.json"
rec CVE-1999-0001 zlib 1.2.13-1 "" >"$T/osv/DEBIAN-CVE-1999-0001.json"

R=$T/rootfs
mkdir -p "$R/etc" "$R/var/lib/dpkg" "$T/bundle"
printf 'ID=debian\nVERSION_ID="12"\n' >"$R/etc/os-release"
for p in "liblog4j2-java apache-log4j2 2.15.0-1" "libssl3 openssl 3.0.0-1" "zlib1g zlib 1.2.12-1"; do
        set -- $p
        printf 'Package: %s\nStatus: install ok installed\nArchitecture: all\nSource: %s\nVersion: %s\n\n' "$1" "$2" "$3"
done >"$R/var/lib/dpkg/status"
printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' "$R" >"$T/bundle/config.json"
printf '{"ociVersion": "1.0.2", "id": "kev", "status": "creating", "pid": 1, "bundle": "%s"}\n' "$T/bundle" >"$T/state.json"

# ---- db import ----------------------------------------------------------------
DB=$T/db.sqlite
"$P" db import --db "$DB" "$T/osv" >/dev/null || fail "import of the records"
rev0=$("$P" db status --db "$DB" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["revision"])')
out=$("$P" db import --db "$DB" "$T/known_exploited_vulnerabilities.json" "$T/epss_scores-2026-12-03.csv.gz" 2>&1) ||
        fail "import of KEV and EPSS (gzip): $out"
grep -q "imported 2 CISA KEV entries (catalogVersion 2026.12.03" <<<"$out" &&
        grep -q "imported 4 EPSS scores (score_date 2026-12-03T12:55:00Z, model v2025.03.14)" <<<"$out" ||
        fail "import said: $out"
out=$("$P" db status --db "$DB")
grep -q "^CISA KEV:    2 entries, catalogVersion 2026.12.03 (released 2026-12-03T15:01:22.4356Z)" <<<"$out" &&
        grep -q "^EPSS:        4 scores, score_date 2026-12-03T12:55:00Z (model v2025.03.14)" <<<"$out" &&
        grep -q "^records:     3" <<<"$out" || fail "db status: $out"
"$P" db status --db "$DB" --format json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["kev"] == {"count": 2, "catalog_version": "2026.12.03", "date_released": "2026-12-03T15:01:22.4356Z"}, d["kev"]
assert d["epss"] == {"count": 4, "score_date": "2026-12-03T12:55:00Z", "model_version": "v2025.03.14"}, d["epss"]
assert d["records"] == 3
assert d["revision"] != sys.argv[1], "the revision did not change"
' "$rev0" || fail "db status --format json"
rev1=$("$P" db status --db "$DB" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["revision"])')
# the plain CSV is the same data: the same revision
"$P" db import --db "$DB" "$T/epss_scores-2026-12-03.csv" >/dev/null || fail "import of the plain CSV"
rev2=$("$P" db status --db "$DB" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["revision"])')
[ "$rev1" = "$rev2" ] || fail "plain and gzip EPSS give different revisions: $rev1 $rev2"

# malformed files: refused with the file and the field or line; the DB stays
bad() { # NAME EXPECTED-MESSAGE: imports $T/NAME
        local out
        out=$("$P" db import --db "$DB" "$T/$1" 2>&1) && fail "$1 was imported"
        grep -qF -- "$2" <<<"$out" || fail "$1: expected '$2' in: $out"
}
sed 's/"count": 2/"count": 3/' "$T/known_exploited_vulnerabilities.json" >"$T/kev-count.json"
bad kev-count.json "kev-count.json: 'count' must be the number of entries (2) of 'vulnerabilities'"
head -c 900 "$T/known_exploited_vulnerabilities.json" >"$T/kev-cut.json"
bad kev-cut.json "kev-cut.json:"
sed -e 's/0.94470/9.4470/' -e 's/0.94358/x/' -e 's/^CVE-2024-0001/GHSA-1/' "$T/epss_scores-2026-12-03.csv" >"$T/epss-range.csv"
bad epss-range.csv "epss-range.csv: 3 of the 4 rows are not a CVE id and two numbers from 0 to 1 (the first, line 4: field 'epss' is not a number from 0 to 1; the row is skipped)"
sed 's/^cve,epss,percentile$/cve,score,percentile/' "$T/epss_scores-2026-12-03.csv" >"$T/epss-header.csv"
bad epss-header.csv "epss-header.csv: line 2: expected the header 'cve,epss,percentile'"
head -c 60 "$T/epss_scores-2026-12-03.csv.gz" >"$T/epss-cut.csv.gz"
bad epss-cut.csv.gz "epss-cut.csv.gz: the gzip data is damaged or cut short"
rev3=$("$P" db status --db "$DB" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["revision"])')
[ "$rev3" = "$rev1" ] || fail "a refused file changed the database"
# One bad entry or field does not refuse the catalogue (that kept an earlier
# run's KEV data, without the CVEs listed since): an entry without a CVE id
# is skipped, a bad field left out, each said with the file and the field.
sed -e 's/"CVE-2014-0160"/"CVE-14-160"/' -e '0,/"product": "Log4j2"/s//"product": "Log\\u001b[2J4j2"/' \
        "$T/known_exploited_vulnerabilities.json" >"$T/kev-id.json"
cp "$DB" "$T/kev-id.sqlite"
out=$("$P" db import --db "$T/kev-id.sqlite" "$T/kev-id.json" 2>&1) || fail "kev-id.json was refused: $out"
grep -qF "skipped $T/kev-id.json: vulnerabilities[1].cveID 'CVE-14-160' is not a CVE id (CVE-YYYY-NNNN); the entry is skipped" \
        <<<"$out" || fail "kev-id.json: the skipped entry not said: $out"
grep -qF "warning: $T/kev-id.json: vulnerabilities[0].product must be a string of at most 4096 characters without control characters; left out, the entry is kept" \
        <<<"$out" || fail "kev-id.json: the field left out not said: $out"
grep -q "^imported 1 CISA KEV entries (catalogVersion .*; 1 skipped$" <<<"$out" || fail "kev-id.json: the counts: $out"
LC_ALL=C grep -qP '[\x01-\x09\x0b-\x1f\x7f]' <<<"$out" && fail "kev-id.json: a control character: $(cat -v <<<"$out")"
# One bad EPSS row neither (that kept an earlier day's scores): skipped, said
# with the file and the line, counted.
sed 's/0.94470/9.4470/' "$T/epss_scores-2026-12-03.csv" >"$T/epss-row.csv"
cp "$DB" "$T/epss-row.sqlite"
out=$("$P" db import --db "$T/epss-row.sqlite" "$T/epss-row.csv" 2>&1) || fail "epss-row.csv was refused: $out"
grep -qF "skipped $T/epss-row.csv: line 4: field 'epss' is not a number from 0 to 1; the row is skipped" <<<"$out" ||
        fail "epss-row.csv: the skipped row not said: $out"
grep -q "^imported 3 EPSS scores (score_date .*; 1 skipped$" <<<"$out" || fail "epss-row.csv: the counts: $out"

# ---- scan ----------------------------------------------------------------------
"$P" scan --db "$DB" --format json "$R" >"$T/scan.json" || true
python3 - "$T/scan.json" <<'PY' || fail "scan JSON: $(cat "$T/scan.json")"
import json, sys
d = json.load(open(sys.argv[1]))
f = {x["id"]: x for x in d["findings"]}
assert f["DEBIAN-CVE-2021-44228"]["kev"] is True, f
assert f["DEBIAN-CVE-2021-44228"]["epss"] == {"score": 0.94358, "percentile": 0.99957}, f["DEBIAN-CVE-2021-44228"]
assert f["DEBIAN-CVE-2014-0160"]["kev"] is True
assert f["DEBIAN-CVE-1999-0001"]["kev"] is False
assert f["DEBIAN-CVE-1999-0001"]["epss"]["score"] == 0.97
PY
out=$("$P" scan --db "$DB" "$R")
grep -qE "^ID +PACKAGE +INSTALLED +FIXED +KEV +EPSS +SEVERITY" <<<"$out" &&
        grep -qE "^DEBIAN-CVE-2021-44228 +liblog4j2-java +2.15.0-1 +2.17.0-1 +yes +p99.9 +UNKNOWN" <<<"$out" &&
        grep -qE "^DEBIAN-CVE-1999-0001 +zlib1g +1.2.12-1 +1.2.13-1 +- +p99.9 +UNKNOWN" <<<"$out" ||
        fail "scan table: $out"
ids() { "$P" scan --db "$DB" --format json --sort "$1" "$R" | python3 -c 'import json,sys; print(" ".join(f["id"] for f in json.load(sys.stdin)["findings"]))'; }
[ "$(ids kev)" = "DEBIAN-CVE-2014-0160 DEBIAN-CVE-2021-44228 DEBIAN-CVE-1999-0001" ] || fail "--sort kev: $(ids kev)"
[ "$(ids epss)" = "DEBIAN-CVE-1999-0001 DEBIAN-CVE-2014-0160 DEBIAN-CVE-2021-44228" ] || fail "--sort epss: $(ids epss)"
"$P" scan --db "$DB" --sort bogus "$R" >/dev/null 2>&1 && fail "--sort bogus passed"
# a database without KEV or EPSS: no columns, kev false, epss null
"$P" db import --db "$T/plain.sqlite" "$T/osv" >/dev/null
"$P" scan --db "$T/plain.sqlite" "$R" | grep -q "KEV" && fail "KEV column without KEV data"
"$P" scan --db "$T/plain.sqlite" --format json "$R" | python3 -c '
import json, sys
for f in json.load(sys.stdin)["findings"]:
    assert f["kev"] is False and f["epss"] is None, f' || fail "scan JSON without KEV data"

# ---- the gate --------------------------------------------------------------------
# gate NAME POLICY: the hook (a miss, then a cache hit) and `portcullis check`; sets RC1, OUT1, RC2, OUT2, CRC, CHECK
gate() {
        printf '%s\n' "$2" >"$T/$1.policy.json"
        printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
                "$DB" "$T/$1.cache.db" "$T/locks" "$T/$1.policy.json" "$T/$1.audit.log" >"$T/$1.json"
        OUT1=$("$HOOK" --config "$T/$1.json" <"$T/state.json" 2>&1); RC1=$?
        OUT2=$("$HOOK" --config "$T/$1.json" <"$T/state.json" 2>&1); RC2=$?
        CHECK=$("$P" check --state "$T/state.json" --config "$T/$1.json" 2>&1); CRC=$?
}
gate off '{"mode": "enforce", "severity": "CRITICAL", "on_unchecked": "allow"}'
[ "$CRC" -eq 0 ] && [ "$RC1" -eq 0 ] && [ "$RC2" -eq 0 ] || fail "without block_kev: $CRC $RC1 $RC2 $OUT1"
gate kev '{"mode": "enforce", "severity": "CRITICAL", "on_unchecked": "allow", "block_kev": true}'
[ "$CRC" -eq 1 ] && grep -q "^decision: block" <<<"$CHECK" || fail "check, block_kev: $CRC $CHECK"
for o in "$OUT1" "$OUT2"; do
        grep -q "CVE-2021-44228 is in CISA KEV (block_kev)" <<<"$o" &&
                grep -q "portcullis: blocked .*count only as known or likely exploited (block_kev)" <<<"$o" ||
                fail "hook, block_kev: $o"
done
[ "$RC1" -eq 1 ] && [ "$RC2" -eq 1 ] || fail "hook, block_kev: $RC1 $RC2"
grep -c '"cache":"miss"' "$T/kev.audit.log" | grep -q 1 && grep -c '"cache":"hit"' "$T/kev.audit.log" | grep -q 1 ||
        fail "block_kev: not a miss then a hit: $(cat "$T/kev.audit.log")"
tail -1 "$T/kev.audit.log" | grep -q '"decision":"deny".*"notes":\["CVE-2014-0160 is in CISA KEV (block_kev)' ||
        fail "block_kev: audit line: $(tail -1 "$T/kev.audit.log")"
gate kevwarn '{"mode": "warn", "severity": "CRITICAL", "on_unchecked": "allow", "block_kev": true}'
[ "$RC1" -eq 0 ] && [ "$RC2" -eq 0 ] && grep -q "portcullis: warning: .*known or likely exploited" <<<"$OUT2" ||
        fail "block_kev, warn: $RC1 $RC2 $OUT2"
gate epss '{"mode": "enforce", "severity": "CRITICAL", "on_unchecked": "allow", "min_epss": 0.95}'
[ "$RC1" -eq 1 ] && [ "$RC2" -eq 1 ] && grep -q "CVE-1999-0001 has EPSS 0.97, at or above min_epss 0.95" <<<"$OUT2" ||
        fail "min_epss: $RC1 $RC2 $OUT2"
grep -q "CVE-2021-44228 has EPSS" <<<"$OUT2" && fail "min_epss 0.95 named a finding below it: $OUT2"
gate epsshigh '{"mode": "enforce", "severity": "CRITICAL", "on_unchecked": "allow", "min_epss": 0.98}'
[ "$RC1" -eq 0 ] && [ "$RC2" -eq 0 ] || fail "min_epss 0.98: $RC1 $RC2 $OUT2"
"$P" policy check "$T/kev.policy.json" | grep -q "a finding in CISA KEV counts whatever its severity (block_kev)" ||
        fail "policy check: block_kev not told"
"$P" policy check "$T/epss.policy.json" | grep -q "EPSS probability is 0.95 or more counts" || fail "policy check: min_epss"
printf '{"min_epss": 50}\n' >"$T/bad.policy.json"
"$P" policy check "$T/bad.policy.json" 2>&1 | grep -q "bad.policy.json:1:2: 'min_epss' in the policy must be an EPSS probability above 0 and at most 1" ||
        fail "policy check: min_epss 50 not refused"

# ---- block_kev, min_epss without their data in the database -----------------
# The three findings (UNKNOWN counted as LOW) are below CRITICAL: only KEV
# or EPSS data could make them count.  A database without it checked none
# of them against it: not checked, on_unchecked decides (warn by default,
# deny blocks), on the miss and the hit, by name; never a silent start.
# With KEV data but no EPSS, the two KEV findings count (blocked) and the
# third is said to be unchecked against EPSS.
"$P" db import --db "$T/kevonly.sqlite" "$T/osv" "$T/known_exploited_vulnerabilities.json" >/dev/null ||
        fail "import of the records and KEV alone"
low='"mode": "enforce", "severity": "CRITICAL", "unknown_as": "LOW"'
DB=$T/plain.sqlite gate nokev "{$low, \"block_kev\": true}"
for o in "$OUT1" "$OUT2"; do
        grep -q "portcullis: warning: .*not checked: block_kev: 3 findings below CRITICAL not checked against CISA KEV: the vulnerability database has no KEV catalogue; import it (portcullis db import known_exploited_vulnerabilities.json, or update.kev_sources in config.json); starting anyway (on_unchecked warn" \
                <<<"$o" || fail "block_kev without KEV data: not said: $o"
done
[ "$RC1" -eq 0 ] && [ "$RC2" -eq 0 ] && [ "$CRC" -eq 0 ] || fail "block_kev without KEV data, on_unchecked warn: $RC1 $RC2 $CRC"
tail -1 "$T/nokev.audit.log" | grep -q '"decision":"warn".*"unchecked":"block_kev: 3 findings' ||
        fail "block_kev without KEV data: audit line: $(tail -1 "$T/nokev.audit.log")"
DB=$T/plain.sqlite gate nokevdeny "{$low, \"block_kev\": true, \"on_unchecked\": \"deny\"}"
[ "$RC1" -eq 1 ] && [ "$RC2" -eq 1 ] && [ "$CRC" -eq 1 ] &&
        grep -q "portcullis: blocked .*not checked: block_kev: 3 findings .*on_unchecked is deny" <<<"$OUT2" ||
        fail "block_kev without KEV data, on_unchecked deny: $RC1 $RC2 $CRC $OUT2"
DB=$T/kevonly.sqlite gate noepss "{$low, \"block_kev\": true, \"min_epss\": 0.5}"
grep -q "not checked: min_epss: 1 finding below CRITICAL not checked against EPSS: the vulnerability database has no EPSS scores" <<<"$OUT2" &&
        ! grep -q "block_kev: .*not checked" <<<"$OUT2" && [ "$RC1" -eq 1 ] && [ "$RC2" -eq 1 ] ||
        fail "min_epss without EPSS data (KEV there): $RC1 $RC2 $OUT2"
gate withdata "{$low, \"block_kev\": true, \"min_epss\": 0.99}"
grep -q "not checked" <<<"$OUT1$OUT2" && fail "KEV and EPSS data there, still said to be not checked: $OUT2"

# ---- an advisory of several CVEs ---------------------------------------------
# DSA-9100-1 covers CVE-2024-0001 (EPSS 0.00043, not in KEV) and
# CVE-2021-44228 (in KEV, EPSS 0.94358): KEV and the highest EPSS count, in
# whichever order the record lists them, not only the first CVE with data.
for order in '"CVE-2024-0001", "CVE-2021-44228"' '"CVE-2021-44228", "CVE-2024-0001"'; do
        rm -rf "$T/osv-multi" "$T/multi.sqlite" "$T"/multi*.cache.db*
        mkdir -p "$T/osv-multi"
        printf '{"id": "DSA-9100-1", "modified": "2024-01-01T00:00:00Z", "upstream": [%s], "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:L"}], "affected": [{"package": {"ecosystem": "Debian:12", "name": "zlib"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.2.13-1"}]}]}]}\n' \
                "$order" >"$T/osv-multi/DSA-9100-1.json"
        "$P" db import --db "$T/multi.sqlite" "$T/osv-multi" "$T/known_exploited_vulnerabilities.json" \
                "$T/epss_scores-2026-12-03.csv" >/dev/null || fail "import of the multi-CVE advisory"
        "$P" scan --db "$T/multi.sqlite" --format json "$R" >"$T/multi.json" || true
        python3 - "$T/multi.json" <<'PY' || fail "multi-CVE advisory ($order): $(cat "$T/multi.json")"
import json, sys
f = json.load(open(sys.argv[1]))["findings"]
assert len(f) == 1 and f[0]["id"] == "DSA-9100-1", f
assert f[0]["kev"] is True, f[0]
assert f[0]["epss"] == {"score": 0.94358, "percentile": 0.99957}, f[0]["epss"]
PY
        DB=$T/multi.sqlite gate multikev '{"mode": "enforce", "severity": "CRITICAL", "on_unchecked": "allow", "block_kev": true}'
        [ "$RC1" -eq 1 ] && [ "$RC2" -eq 1 ] && [ "$CRC" -eq 1 ] &&
                grep -qE "CVE-2021-44228.* is in CISA KEV \(block_kev\): DSA-9100-1 zlib1g" <<<"$OUT1" ||
                fail "multi-CVE advisory ($order), block_kev: $RC1 $RC2 $CRC $OUT1"
        DB=$T/multi.sqlite gate multiepss '{"mode": "enforce", "severity": "CRITICAL", "on_unchecked": "allow", "min_epss": 0.5}'
        [ "$RC1" -eq 1 ] && [ "$RC2" -eq 1 ] && grep -q "has EPSS 0.944, at or above min_epss 0.5: DSA-9100-1" <<<"$OUT2" ||
                fail "multi-CVE advisory ($order), min_epss: $RC1 $RC2 $OUT2"
done

# ---- db update ---------------------------------------------------------------
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
W=$T/www
mkdir -p "$W/osv/Debian:12" "$W/kev" "$W/epss"
python3 - "$T/osv" "$W/osv/Debian:12" <<'PY'
import glob, json, os, sys, zipfile
src, out = sys.argv[1:]
rows = []
with zipfile.ZipFile(out + "/all.zip", "w") as z:
    for f in sorted(glob.glob(src + "/*.json")):
        z.write(f, os.path.basename(f))
        r = json.load(open(f))
        rows.append((r["modified"], r["id"]))
open(out + "/modified_id.csv", "w").write("".join(f"{m},{i}\n" for m, i in sorted(rows, reverse=True)))
PY
cp "$T/known_exploited_vulnerabilities.json" "$W/kev/"
cp "$T/epss_scores-2026-12-03.csv.gz" "$W/epss/epss_scores-current.csv.gz"
PORT=$(free_port)
DEAD=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$W" "$PORT" >"$T/http.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT))" 2>/dev/null && break; sleep 0.1; done
U=http://127.0.0.1:$PORT
# upd NAME EXTRA-UPDATE-JSON: db update with config NAME; sets OUT, RC
upd() {
        printf '{"db": "%s", "update": {"sources": ["%s/osv"], "ecosystems": ["Debian:12"], "cve_sources": [], "state_dir": "%s", "timeout_s": 5%s}}\n' \
                "$T/$1.sqlite" "$U" "$T/$1.state" "$2" >"$T/$1.upd.json"
        OUT=$("$P" db update --config "$T/$1.upd.json" 2>&1); RC=$?
}
status_json() { "$P" db status --db "$T/$1.sqlite" --format json 2>/dev/null; }
feeds=", \"kev_sources\": [\"http://127.0.0.1:$DEAD/kev/known_exploited_vulnerabilities.json\", \"$U/kev/known_exploited_vulnerabilities.json\"], \"epss_sources\": [\"$U/epss/epss_scores-current.csv.gz\"]"
upd u "$feeds"
[ "$RC" -eq 0 ] && grep -q "trying the next source, $U/kev/known_exploited_vulnerabilities.json" <<<"$OUT" || fail "update: $RC $OUT"
status_json u | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["kev"]["count"] == 2 and d["epss"]["count"] == 4 and d["records"] == 3, d' || fail "update: status"
r1=$(status_json u | python3 -c 'import json,sys; print(json.load(sys.stdin)["revision"])')
[ "$r1" = "$rev1" ] || fail "update gives another revision than the import of the same files: $r1 $rev1"
upd u "$feeds"
[ "$RC" -eq 0 ] && grep -q "known_exploited_vulnerabilities.json: not modified" <<<"$OUT" &&
        grep -q "^unchanged:" <<<"$OUT" || fail "second update: $RC $OUT"
# a new catalogue (one more entry): the revision moves, the records stay
sleep 1.1       # http.server's Last-Modified has whole seconds
kev 2026.12.04 CVE-2021-44228 CVE-2014-0160 CVE-1999-0001 >"$W/kev/known_exploited_vulnerabilities.json"
upd u "$feeds"
r2=$(status_json u | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["revision"], d["kev"]["count"], d["kev"]["catalog_version"], d["records"])')
[ "$RC" -eq 0 ] && [ "$r2" = "${r2%% *} 3 2026.12.04 3" ] && [ "${r2%% *}" != "$r1" ] || fail "new catalogue: $RC $r2 $OUT"
# a mirror serving something else: said, the kept data stays
cp "$W/kev/known_exploited_vulnerabilities.json" "$T/kev.keep"
echo '{"not": "a catalogue"}' >"$W/kev/known_exploited_vulnerabilities.json"
upd u "$feeds"
[ "$RC" -eq 0 ] && grep -q "is not CISA's KEV catalogue" <<<"$OUT" && grep -q "data kept from earlier runs stays" <<<"$OUT" ||
        fail "bad mirror: $RC $OUT"
[ "$(status_json u | python3 -c 'import json,sys; print(json.load(sys.stdin)["kev"]["count"])')" = 3 ] || fail "bad mirror: KEV lost"
cp "$T/kev.keep" "$W/kev/known_exploited_vulnerabilities.json"
touch -d '+1 min' "$W/kev/known_exploited_vulnerabilities.json"

# signed: with a public key the feed's folder must be signed like an ecosystem's
if command -v openssl >/dev/null; then
        openssl genpkey -algorithm ed25519 -out "$T/key.pem" 2>/dev/null
        openssl pkey -in "$T/key.pem" -pubout -out "$T/pub.pem" 2>/dev/null
        signed=", \"public_key\": \"$T/pub.pem\"$feeds"
        exp=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
        "$P" db sign --key "$T/key.pem" --serial 1 --expires "$exp" "$W/osv/Debian:12" >/dev/null || fail "sign osv"
        upd s "$signed"
        [ "$RC" -ne 0 ] && grep -q "CISA KEV: no source served a signed manifest" <<<"$OUT" ||
                fail "signed, KEV folder not signed: $RC $OUT"
        [ -e "$T/s.sqlite" ] && fail "signed, KEV folder not signed: a database was written"
        "$P" db sign --key "$T/key.pem" --serial 1 --expires "$exp" "$W/kev" >/dev/null || fail "sign kev"
        "$P" db sign --key "$T/key.pem" --serial 1 --expires "$exp" "$W/epss" >/dev/null || fail "sign epss"
        upd s "$signed"
        [ "$RC" -eq 0 ] && [ "$(status_json s | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["kev"]["count"], d["epss"]["count"])')" = "3 4" ] ||
                fail "signed: $RC $OUT"
        upd s "$signed"
        [ "$RC" -eq 0 ] && grep -q "CISA KEV: .*up to date (the serial installed last)" <<<"$OUT" || fail "signed, same serial: $RC $OUT"
        # a file that is not the one signed fails the run; the database stays
        kev 2026.12.05 CVE-2021-44228 CVE-2014-0160 >"$W/kev/known_exploited_vulnerabilities.json"
        "$P" db sign --key "$T/key.pem" --serial 2 --expires "$exp" "$W/kev" >/dev/null
        echo ' ' >>"$W/kev/known_exploited_vulnerabilities.json"
        upd s "$signed"
        [ "$RC" -ne 0 ] && grep -q "but the signed manifest .*kev/manifest.json says" <<<"$OUT" || fail "signed, tampered: $RC $OUT"
        [ "$(status_json s | python3 -c 'import json,sys; print(json.load(sys.stdin)["kev"]["count"])')" = 3 ] ||
                fail "signed, tampered: the database changed"
        # signed again (serial 3): installed; then a lower serial is a rollback
        "$P" db sign --key "$T/key.pem" --serial 3 --expires "$exp" "$W/kev" >/dev/null || fail "sign kev 3"
        upd s "$signed"
        [ "$RC" -eq 0 ] && [ "$(status_json s | python3 -c 'import json,sys; print(json.load(sys.stdin)["kev"]["count"])')" = 2 ] ||
                fail "signed, serial 3: $RC $OUT"
        rm "$W/kev/manifest.json" "$W/kev/manifest.json.sig"
        "$P" db sign --key "$T/key.pem" --serial 2 --expires "$exp" "$W/kev" >/dev/null
        upd s "$signed"
        [ "$RC" -ne 0 ] && grep -q "lower than 3" <<<"$OUT" || fail "signed, rollback: $RC $OUT"
else
        echo "note: openssl is missing: the signed feeds are not tested"
fi

[ "$fails" -eq 0 ] && echo ok || echo "$fails failures"
[ "$fails" -eq 0 ]
