#!/bin/sh
# containerd configurations that name runtime portcullis where the CRI
# plugin never uses it, as containerd itself reads them (`containerd
# config dump`, which merges the imports and starts nothing), and what
# portcullis doctor says of the same files under a --root:
#  - the drop-in's table under containerd 2's plugin name in a version 2
#    file, or under version 1's "cri" in an imported file: not in the
#    dump; doctor fails naming the table (it said ok);
#  - the CRI plugin in disabled_plugins: doctor fails;
#  - not the default runtime (default_runtime_name stays "runc" in the
#    dump): doctor warns (it said ok); with default_runtime_name
#    "portcullis" in the drop-in the dump has it, and doctor is ok.
# Needs root and containerd; skips (77) without them.
set -u
PC=${PORTCULLIS:?}
SHIM=${PORTCULLIS_SHIM:?}
WRAPPER=${PORTCULLIS_RUNC_WRAPPER:?}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
command -v containerd >/dev/null || { echo "skip: containerd not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/pc-ctd-unread-XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# The root doctor reads: containerd, the shim and its runc wrapper where
# doctor looks for them (the usual PATH folder, install --binaries' libexec).
R=$T/host
mkdir -p "$R/usr/bin" "$R/usr/local/bin" "$R/usr/local/libexec/portcullis/runc" "$R/etc/containerd/conf.d"
printf '#!/bin/sh\n' >"$R/usr/bin/containerd"
chmod 0755 "$R/usr/bin/containerd"
install -m 0755 "$SHIM" "$R/usr/local/bin/containerd-shim-portcullis-v2"
install -m 0755 "$WRAPPER" "$R/usr/local/libexec/portcullis/runc/runc"
printf 'version = 2\nimports = ["/etc/containerd/conf.d/portcullis.toml"]\n' >"$R/etc/containerd/config.toml"

# dump: containerd's own merge of config.toml and the drop-in (the import
# pointed at the file under the root)
dump() {
        sed "s|\"/etc/containerd/|\"$R/etc/containerd/|" "$R/etc/containerd/config.toml" >"$T/config.toml"
        containerd -c "$T/config.toml" config dump 2>"$T/dump.err"
}
# runtime_in_dump: the CRI plugin has runtime portcullis of our type
runtime_in_dump() {
        dump | grep -A12 '^ *\[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.portcullis\]$' |
                grep -q 'runtime_type = "io.containerd.portcullis.v2"'
}
row() { "$PC" doctor --root "$R" 2>/dev/null | grep -A1 '^runtime.containerd '; }

# 0. what install writes: in the dump, and doctor is ok but for the default
printf 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.portcullis]\n  runtime_type = "io.containerd.portcullis.v2"\n' \
        >"$R/etc/containerd/conf.d/portcullis.toml"
runtime_in_dump || bad "the drop-in install writes: not in containerd's dump: $(cat "$T/dump.err")"
dump | grep -q '^ *default_runtime_name = "runc"$' || bad "the default runtime is not runc in the dump"
r=$(row)
echo "$r" | grep -q "^runtime.containerd  *warn  .*; not the default runtime: only pods whose RuntimeClass handler is portcullis are gated" ||
        bad "not the default runtime: $r"

printf '[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "portcullis"\n' \
        >>"$R/etc/containerd/conf.d/portcullis.toml"
dump | grep -q '^ *default_runtime_name = "portcullis"$' || bad "default_runtime_name of the drop-in not in the dump"
r=$(row)
echo "$r" | grep -q "^runtime.containerd  *ok  .*; the default runtime" || bad "the default runtime: $r"

# 1. the table under another plugin name: containerd leaves it out
for name in "'io.containerd.cri.v1.runtime'" cri; do
        printf 'version = 2\n[plugins.%s.containerd.runtimes.portcullis]\n  runtime_type = "io.containerd.portcullis.v2"\n' "$name" \
                >"$R/etc/containerd/conf.d/portcullis.toml"
        ! runtime_in_dump || bad "$name: containerd read the runtime (doctor's table names are out of date)"
        r=$(row)
        echo "$r" | grep -q "^runtime.containerd  *FAIL  *$R/etc/containerd/conf.d/portcullis.toml: the table \[plugins\.$(echo "$name" | tr -d "'" | sed 's/\./\\./g')\.containerd\.runtimes\.portcullis\] is not the CRI plugin's for the file's config version, so containerd runs no pod with it" ||
                bad "$name: $r"
done

# 2. the CRI plugin disabled (as Docker's containerd.io package ships it,
# in a version 1 file: disabled_plugins = ["cri"])
printf 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.portcullis]\n  runtime_type = "io.containerd.portcullis.v2"\n' \
        >"$R/etc/containerd/conf.d/portcullis.toml"
printf 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\nimports = ["/etc/containerd/conf.d/portcullis.toml"]\n' >"$R/etc/containerd/config.toml"
dump | grep -q '^disabled_plugins = \["io.containerd.grpc.v1.cri"\]$' || bad "disabled_plugins not in the dump: $(dump | head -3)"
r=$(row)
echo "$r" | grep -q "^runtime.containerd  *FAIL  .*config.toml: disabled_plugins holds the CRI plugin, so runtime 'portcullis' is no pod's" ||
        bad "CRI disabled: $r"

[ "$fails" -eq 0 ] || exit 1
echo "ok"
