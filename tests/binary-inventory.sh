#!/bin/bash
# Go binaries as Go's own tool sees them: `go version -m` against
# `portcullis inventory --format json` on one rootfs holding
#  - Debian's Go binaries installed on this machine (runc, containerd,
#    podman, umoci, the go toolchain's own commands: stdlib only, as Debian
#    builds without module information);
#  - trivy's real test binaries in ../shared/data (Go 1.15, pre-1.18
#    pointer format, with dependencies; Go 1.22 with GOEXPERIMENT);
#  - binaries built here by `go build`/`go install` from modules served by a
#    file:// GOPROXY written by this test (no network): a main module at a
#    release version, a dependency, a dependency replaced by another module
#    and one replaced by a local folder.
# Every name and version must agree: the main module unless (devel), each
# dep with its replacement applied, stdlib at the toolchain's version.
set -u
P=${PORTCULLIS:?}
SHARED=${PC_SHARED_DATA:-}
command -v go >/dev/null || { echo "skip: no go"; exit 77; }
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
T=$(mktemp -d)
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"
R=$T/rootfs
mkdir -p "$R/usr/bin" "$R/opt/trivy" "$R/opt/built"

# ---- Debian's Go binaries ---------------------------------------------------
n_debian=0
for b in /usr/sbin/runc /usr/bin/containerd /usr/bin/containerd-shim-runc-v2 /usr/bin/ctr /usr/bin/podman \
         /usr/bin/umoci /usr/bin/skopeo /usr/bin/docker-registry "$(go env GOROOT)/bin/gofmt" \
         "$(go env GOTOOLDIR)/vet" "$(go env GOTOOLDIR)/cover"; do
        [ -f "$b" ] && [ -x "$b" ] || continue
        cp "$b" "$R/usr/bin/$(basename "$b")" && n_debian=$((n_debian + 1))
done

# ---- trivy's test binaries --------------------------------------------------
if [ -n "$SHARED" ] && [ -d "$SHARED/langpkg/trivy/go" ]; then
        for f in "$SHARED"/langpkg/trivy/go/*.elf; do
                install -m 0755 "$f" "$R/opt/trivy/$(basename "$f" .elf)"
        done
fi

# ---- from the npm registry ---------------------------------------------------
# esbuild's early platform packages ship the Go binary itself; 0.8.57 was
# built by Go 1.16, in the pre-1.18 pointer format.
n_npm=0
if command -v npm >/dev/null && (cd "$T" && timeout 120 npm pack --silent esbuild-linux-64@0.8.57 >"$T/npm.log" 2>&1); then
        mkdir -p "$T/esbuild" "$R/usr/lib/node_modules/esbuild-linux-64/bin"
        tar xzf "$T"/esbuild-linux-64-0.8.57.tgz -C "$T/esbuild" &&
                install -m 0755 "$T/esbuild/package/bin/esbuild" "$R/usr/lib/node_modules/esbuild-linux-64/bin/esbuild" &&
                n_npm=1
else
        echo "npm: the registry is not reachable; esbuild (Go 1.16) part skipped"
fi

# ---- built here ------------------------------------------------------------
export GOPATH=$T/gopath GOCACHE=$T/gocache GOMODCACHE=$T/modcache GOPROXY=file://$T/proxy GOSUMDB=off \
       GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local GOWORK=off
python3 - "$T/proxy" <<'PY'
import json, os, sys, zipfile
proxy = sys.argv[1]
tool_main = 'package main\n\nimport "example.com/lib"\n\nfunc main() { println(lib.Name()) }\n'
mods = {
    # a fork keeps the module line of what it replaces, as GitHub forks do
    ("example.com/lib", "v1.2.3"): ("module example.com/lib\n\ngo 1.19\n",
                                    {"lib.go": 'package lib\n\nfunc Name() string { return "lib" }\n'}),
    ("example.com/fork", "v1.2.4"): ("module example.com/lib\n\ngo 1.19\n",
                                     {"lib.go": 'package lib\n\nfunc Name() string { return "fork" }\n'}),
    ("example.com/tool", "v1.0.0"): ("module example.com/tool\n\ngo 1.19\n\nrequire example.com/lib v1.2.3\n",
                                     {"main.go": tool_main}),
}
for (path, ver), (gomod, files) in mods.items():
    d = os.path.join(proxy, path, "@v")
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "list"), "a").write(ver + "\n")
    json.dump({"Version": ver, "Time": "2024-01-01T00:00:00Z"}, open(os.path.join(d, ver + ".info"), "w"))
    open(os.path.join(d, ver + ".mod"), "w").write(gomod)
    with zipfile.ZipFile(os.path.join(d, ver + ".zip"), "w") as z:
        z.writestr("%s@%s/go.mod" % (path, ver), gomod)
        for name, content in files.items():
            z.writestr("%s@%s/%s" % (path, ver, name), content)
PY
A=$T/app
mkdir -p "$A/other"
printf 'module example.com/other\n\ngo 1.19\n' >"$A/other/go.mod"
printf 'package other\n\nfunc Name() string { return "other" }\n' >"$A/other/other.go"
cat >"$A/go.mod" <<'GOMOD'
module example.com/app

go 1.19

require (
	example.com/lib v1.2.3
	example.com/other v0.1.0
)

replace example.com/lib => example.com/fork v1.2.4

replace example.com/other => ./other
GOMOD
printf 'package main\n\nimport (\n\t"example.com/lib"\n\t"example.com/other"\n)\n\nfunc main() { println(lib.Name(), other.Name()) }\n' >"$A/main.go"
built=0
if (cd "$A" && timeout 300 go build -o "$R/opt/built/app" . >"$T/build.log" 2>&1) &&
   GOBIN=$R/opt/built timeout 300 go install example.com/tool@v1.0.0 >>"$T/build.log" 2>&1; then
        built=1
else
        fail "go build: $(tail -3 "$T/build.log")"
fi

# ---- compare ----------------------------------------------------------------
"$P" inventory "$R" --format json >"$T/ours.json" 2>"$T/ours.err" || fail "inventory: $(cat "$T/ours.err")"
go version -m "$R" >"$T/theirs.txt" 2>"$T/theirs.err"
python3 - "$R" "$T/theirs.txt" "$T/ours.json" "$n_debian" "$built" <<'PY' || fail "differs from go version -m"
import json, re, sys
root, theirs_txt, ours_json, n_debian, built = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
theirs, binaries, cur, last = set(), [], None, None
def add(m):
    if m and m[1] not in ("", "(devel)"):
        theirs.add((cur, m[0], m[1]))
for line in open(theirs_txt):
    line = line.rstrip("\n")
    h = re.match(r"^(/.*): (go\S+)", line)
    if h:
        add(last); last = None
        cur = h.group(1)[len(root):]
        binaries.append(cur)
        v = re.fullmatch(r"go(\d+)\.(\d+)(?:\.(\d+))?", h.group(2))
        assert v, "a toolchain version this test does not convert: " + h.group(2)
        theirs.add((cur, "stdlib", "%s.%s.%s" % (v.group(1), v.group(2), v.group(3) or "0")))
        continue
    f = line.strip("\t").split("\t")
    if f[0] in ("mod", "dep"):
        add(last); last = [f[1], f[2] if len(f) > 2 else ""]
    elif f[0] == "=>":
        last = [f[1], f[2] if len(f) > 2 else ""]
add(last)
ours = json.load(open(ours_json))
got = {(p["origin_file"], p["name"], p["version"]) for p in ours["packages"] if p["ecosystem"] == "Go"}
bad = [p for p in ours["packages"] if p["ecosystem"] == "Go" and not p["purl"].startswith("pkg:golang/")]
if got != theirs or bad:
    print("only ours:", sorted(got - theirs)); print("only go version -m:", sorted(theirs - got)); print("bad:", bad[:3])
    sys.exit(1)
if built:
    # the cases this test builds, named: a replacement applied, a local one
    # and the (devel) main module left out, a main module at its version
    for want in [("/opt/built/app", "example.com/fork", "v1.2.4"), ("/opt/built/tool", "example.com/tool", "v1.0.0"),
                 ("/opt/built/tool", "example.com/lib", "v1.2.3")]:
        assert want in got, want
    assert not [p for p in got if p[0] == "/opt/built/app" and p[1] != "stdlib" and p[1] != "example.com/fork"], got
pre118 = sorted({v for o, n, v in got if n == "stdlib" and tuple(map(int, v.split(".")[:2])) < (1, 18)})
print("go: %d binaries (%d from Debian), %d packages, as go version -m lists them; pre-1.18 format: stdlib %s"
      % (len(binaries), n_debian, len(got), ", ".join(pre118)))
PY
[ "$fails" -eq 0 ]
