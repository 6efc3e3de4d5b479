#!/bin/sh
# Gems Bundler installs from git have no installed spec under
# specifications/: Bundler checks the repository out to <gem home>/
# bundler/gems/<repository>-<revision> and writes each gemspec it found
# there (at the top or one folder below) back evaluated, as RubyGems writes
# an installed one.  A real `bundle install` (the bundler that ships with
# Ruby) into vendor/bundle from a local git repository holding two gems,
# one whose gemspec names its version as a constant (Foo::VERSION, as most
# repositories write it): both must be read as `bundle list` lists them,
# from the checkout's gemspecs.
set -u
P=${PORTCULLIS:?}
. "$(dirname "$0")/lib.sh"          # fail()
command -v ruby >/dev/null || { echo "skip: no ruby"; exit 77; }
command -v git >/dev/null || { echo "skip: no git"; exit 77; }
BUNDLE=$(ruby -e 'print Gem.bin_path("bundler", "bundle")' 2>/dev/null) || BUNDLE=
[ -n "$BUNDLE" ] && [ -f "$BUNDLE" ] || { echo "skip: no bundler"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

G=$T/repo
mkdir -p "$G/lib" "$G/pcdyn/lib/pcdyn"
cat >"$G/pcgit.gemspec" <<'EOF'
Gem::Specification.new do |spec|
  spec.name = "pcgit"
  spec.version = "0.4.2"
  spec.summary = "a gem from git"
  spec.authors = ["portcullis"]
  spec.files = ["lib/pcgit.rb"]
end
EOF
echo 'module Pcgit; end' >"$G/lib/pcgit.rb"
cat >"$G/pcdyn/pcdyn.gemspec" <<'EOF'
require_relative "lib/pcdyn/version"
Gem::Specification.new do |spec|
  spec.name = "pcdyn"
  spec.version = Pcdyn::VERSION
  spec.summary = "a gem from git whose version is a constant"
  spec.authors = ["portcullis"]
  spec.files = ["lib/pcdyn/version.rb"]
end
EOF
printf 'module Pcdyn\n  VERSION = "1.3.0"\nend\n' >"$G/pcdyn/lib/pcdyn/version.rb"
(cd "$G" && git init -q && git add . && git -c user.email=t@example.com -c user.name=t commit -qm init) ||
        { echo "skip: git could not commit"; exit 77; }

A=$T/rootfs/app
mkdir -p "$A"
printf "source 'https://rubygems.org'\ngem 'pcgit', git: '%s'\ngem 'pcdyn', git: '%s'\n" "$G" "$G" >"$A/Gemfile"
if ! (cd "$A" && BUNDLE_PATH=vendor/bundle HOME=$T timeout 120 ruby "$BUNDLE" install >"$T/bundle.log" 2>&1); then
        echo "skip: bundle install failed: $(tail -3 "$T/bundle.log")"
        exit 77
fi
(cd "$A" && BUNDLE_PATH=vendor/bundle HOME=$T ruby "$BUNDLE" list 2>/dev/null) >"$T/list"
grep -q '\* pcgit (0\.4\.2 ' "$T/list" && grep -q '\* pcdyn (1\.3\.0 ' "$T/list" ||
        fail "bundle list does not list both gems: $(cat "$T/list")"
spec=$(ls -d "$A"/vendor/bundle/ruby/*/bundler/gems/repo-* 2>/dev/null | head -1)
[ -n "$spec" ] && [ -f "$spec/pcgit.gemspec" ] || fail "no checkout in bundler/gems: $(find "$A/vendor" -maxdepth 6)"
rel=${spec#"$T/rootfs"}

"$P" inventory "$T/rootfs" --format json >"$T/inv.json" 2>"$T/err" || fail "inventory: $(cat "$T/err")"
got=$(/usr/bin/python3 -c 'import json, sys
for p in sorted(json.load(open(sys.argv[1]))["packages"], key=lambda p: p["name"]):
    print(p["ecosystem"], p["name"], p["version"], p["origin_file"])' "$T/inv.json")
want=$(printf 'RubyGems pcdyn 1.3.0 %s/pcdyn/pcdyn.gemspec\nRubyGems pcgit 0.4.2 %s/pcgit.gemspec' "$rel" "$rel")
[ "$got" = "$want" ] || fail "the gems read: '$got', want '$want'"
[ -s "$T/err" ] && fail "warnings: $(cat "$T/err")"

[ "$fails" -eq 0 ] || exit 1
