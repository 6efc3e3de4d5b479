#!/bin/bash
# RubyGems, Composer and .NET packages as their own tools see them, on real
# artifacts:
#  - RubyGems: the gem homes of this machine's Ruby (Debian's ruby, ruby-rack,
#    ruby-nokogiri and Ruby's default gems), plus rack installed by
#    `gem install` into a bundler vendor path, copied into a rootfs, against
#    what RubyGems itself lists (Gem::Specification, which evaluates them);
#  - Composer: `composer install` (offline, from a package repository of
#    Debian's PHP libraries, with a require-dev package) writes
#    vendor/composer/installed.json, against `composer show --format=json`;
#    the same file in Composer 1's form (the bare packages array);
#  - .NET: the deps.json the .NET SDK wrote into Microsoft's SARIF multitool
#    (npm's @microsoft/sarif-multitool-linux, a single-file bundle), taken
#    out of the bundle by its manifest (dotnet-bundle-deps.py), against what
#    python's json reads; then the executable itself, whose bundle our ELF
#    reader opens: the same packages.
# `portcullis inventory --format json` must list exactly the same name and
# version pairs, each with its ecosystem, purl and the file it came from.
set -u
P=${PORTCULLIS:?}
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
ran=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# ---- RubyGems ---------------------------------------------------------------
if command -v ruby >/dev/null && command -v gem >/dev/null; then
        R=$T/gem
        # every gem home RubyGems looks in, and its default specifications
        ruby -e 'puts Gem.path, Gem.default_dir' |
                while read -r home; do
                        [ -d "$home/specifications" ] || continue
                        mkdir -p "$R$home/specifications"
                        cp -r "$home/specifications/." "$R$home/specifications/"
                done
        # one gem installed by RubyGems into a bundler vendor path: rebuilt
        # from Debian's rack (its installed spec and files), then installed
        RACK=$(ruby -e 'begin s = Gem::Specification.find_by_name("rack"); puts s.loaded_from, s.gem_dir
                                rescue Gem::LoadError; end')
        VENDOR=$R/app/vendor/bundle/ruby/3.1.0
        if [ -n "$RACK" ]; then
                cp -rL "$(echo "$RACK" | sed -n 2p)" "$T/rack-src"
                (cd "$T/rack-src" && gem build "$(echo "$RACK" | sed -n 1p)" >"$T/gem-build.log" 2>&1 &&
                        gem install --local --no-document --ignore-dependencies --install-dir "$VENDOR" ./*.gem \
                                >>"$T/gem-build.log" 2>&1) || fail "gem: build and install rack: $(tail -3 "$T/gem-build.log")"
        fi
        # RubyGems' own view: every spec it loads from those homes
        ruby -e 'Gem::Specification.each { |s| puts "#{s.name} #{s.version}" }' >"$T/gem-ref.txt" 2>"$T/gem-ref.err" ||
                fail "gem: Gem::Specification.each: $(cat "$T/gem-ref.err")"
        if [ -d "$VENDOR/specifications" ]; then
                GEM_HOME=$VENDOR GEM_PATH=$VENDOR ruby -e \
                        'Gem::Specification.dirs = [ENV["GEM_HOME"]]; Gem::Specification.each { |s| puts "#{s.name} #{s.version}" }' \
                        >>"$T/gem-ref.txt" 2>>"$T/gem-ref.err" || fail "gem: vendor path: $(cat "$T/gem-ref.err")"
        fi
        "$P" inventory "$R" --format json >"$T/gem.json" 2>"$T/gem.err" || fail "gem: inventory: $(cat "$T/gem.err")"
        python3 - "$T/gem-ref.txt" "$T/gem.json" "$T/gem.err" <<'PY' || fail "gem: differs from RubyGems"
import json, sys
theirs = {tuple(l.split()) for l in open(sys.argv[1]) if l.strip()}
ours = json.load(open(sys.argv[2]))["packages"]
got = {(p["name"], p["version"]) for p in ours if p["ecosystem"] == "RubyGems"}
bad = [p for p in ours if p["ecosystem"] == "RubyGems" and
       (p["purl"] != "pkg:gem/%s@%s" % (p["name"], p["version"]) or "/specifications/" not in p["origin_file"]
        or not p["origin_file"].endswith(".gemspec"))]
vendored = [p for p in ours if p["origin_file"] == "/app/vendor/bundle/ruby/3.1.0/specifications/rack-%s.gemspec" % p["version"]]
if got != theirs or bad or len(got) < 50 or not vendored or open(sys.argv[3]).read():
    print("only ours:", sorted(got - theirs)); print("only RubyGems:", sorted(theirs - got)); print("bad:", bad[:3])
    print("vendored rack:", vendored); print("warnings:", open(sys.argv[3]).read()[:500])
    sys.exit(1)
print("gem: %d gems in %d specifications, as RubyGems lists them" % (len(got), len(ours)))
PY
        ran=$((ran + 1))
else
        echo "gem: no ruby; part skipped"
fi

# ---- Composer ---------------------------------------------------------------
# Debian's PHP libraries (name as Composer knows it, Debian package, folder)
COMPOSER_LIBS="composer/semver php-composer-semver /usr/share/php/Composer/Semver require
psr/log php-psr-log /usr/share/php/Psr/Log require
psr/container php-psr-container /usr/share/php/Psr/Container require
composer/pcre php-composer-pcre /usr/share/php/Composer/Pcre require-dev"
if command -v composer >/dev/null && command -v php >/dev/null; then
        A=$T/php/app
        mkdir -p "$A"
        echo "$COMPOSER_LIBS" | python3 -c '
import json, subprocess, sys
repo, req = [], {"require": {}, "require-dev": {}}
for line in sys.stdin:
    name, deb, path, kind = line.split()
    v = subprocess.run(["dpkg-query", "-W", "-f=${Version}", deb], capture_output=True, text=True).stdout
    if not v:
        continue
    v = v.split(":")[-1].split("-")[0].split("+")[0].split("~")[0]     # the upstream version
    repo.append({"name": name, "version": v, "dist": {"type": "path", "url": path}})
    req[kind][name] = v
json.dump({"name": "pc-test/app", "repositories": [{"packagist.org": False}, {"type": "package", "package": repo}],
           **req}, open(sys.argv[1], "w"), indent=1)' "$A/composer.json"
        export COMPOSER_HOME=$T/composer-home COMPOSER_DISABLE_NETWORK=1
        if (cd "$A" && timeout 300 composer install --no-interaction --no-plugins --no-scripts >"$T/composer.log" 2>&1); then
                (cd "$A" && composer show --format=json >"$T/composer-show.json" 2>>"$T/composer.log") ||
                        fail "composer show: $(tail -3 "$T/composer.log")"
                "$P" inventory "$T/php" --format json >"$T/php.json" 2>"$T/php.err" || fail "composer: inventory: $(cat "$T/php.err")"
                # Composer 1's form of the same file: the packages array alone
                mkdir -p "$T/php1/srv/vendor/composer"
                python3 -c 'import json, sys; json.dump(json.load(open(sys.argv[1]))["packages"], open(sys.argv[2], "w"))' \
                        "$A/vendor/composer/installed.json" "$T/php1/srv/vendor/composer/installed.json"
                "$P" inventory "$T/php1" --format json >"$T/php1.json" 2>"$T/php1.err" || fail "composer 1: inventory: $(cat "$T/php1.err")"
                python3 - "$T/composer-show.json" "$T/php.json" "$T/php.err" "$T/php1.json" "$A/composer.json" <<'PY' || fail "composer: differs from composer show"
import json, sys
theirs = {(p["name"], p["version"]) for p in json.load(open(sys.argv[1]))["installed"]}
dev = set(json.load(open(sys.argv[5]))["require-dev"])
ok = True
for path, origin in ((sys.argv[2], "/app/vendor/composer/installed.json"), (sys.argv[4], "/srv/vendor/composer/installed.json")):
    ours = json.load(open(path))["packages"]
    got = {(p["name"], p["version"]) for p in ours if p["ecosystem"] == "Packagist"}
    bad = [p for p in ours if p["origin_file"] != origin or
           p["purl"] != "pkg:composer/%s@%s" % (p["name"], p["version"])]
    if got != theirs or bad or len(got) < 2:
        print(path, "only ours:", sorted(got - theirs), "only composer:", sorted(theirs - got), "bad:", bad[:3])
        ok = False
warn = open(sys.argv[3]).read()
if dev and "%d of the %d packages were installed for require-dev" % (len(dev), len(theirs)) not in warn:
    print("the require-dev packages were not said:", warn); ok = False
if not ok:
    sys.exit(1)
print("composer: %d packages (%d require-dev), as composer show lists them, in both forms" % (len(theirs), len(dev)))
PY
                ran=$((ran + 1))
        else
                fail "composer install: $(tail -5 "$T/composer.log")"
        fi
else
        echo "composer: composer or php not installed; part skipped"
fi

# ---- .NET -------------------------------------------------------------------
BUNDLE=${PC_SOURCE_ROOT:?}/tests/lang-dotnet/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
if [ -f "$BUNDLE" ]; then
        D=$T/net/opt/sarif
        mkdir -p "$D"
        python3 "$(dirname "$0")/dotnet-bundle-deps.py" "$BUNDLE" "$D/Sarif.Multitool.deps.json" ||
                fail ".NET: no deps.json in the bundle"
        "$P" inventory "$T/net" --format json >"$T/net.json" 2>"$T/net.err" || fail ".NET: inventory: $(cat "$T/net.err")"
        python3 - "$D/Sarif.Multitool.deps.json" "$T/net.json" "$T/net.err" <<'PY' || fail ".NET: differs from the deps.json"
import json, sys
libs = json.load(open(sys.argv[1]))["libraries"]
theirs = {tuple(k.split("/")) for k, v in libs.items() if v["type"] == "package"}
projects = {k.split("/")[0] for k, v in libs.items() if v["type"] == "project"}
ours = json.load(open(sys.argv[2]))["packages"]
got = {(p["name"], p["version"]) for p in ours if p["ecosystem"] == "NuGet"}
bad = [p for p in ours if p["origin_file"] != "/opt/sarif/Sarif.Multitool.deps.json" or
       p["purl"] != "pkg:nuget/%s@%s" % (p["name"], p["version"]) or p["name"] in projects]
if got != theirs or bad or len(got) < 100 or open(sys.argv[3]).read():
    print("only ours:", sorted(got - theirs)); print("only deps.json:", sorted(theirs - got)); print("bad:", bad[:3])
    sys.exit(1)
print(".NET: %d NuGet packages (%d projects left out), as the deps.json lists them" % (len(got), len(projects)))
PY
        # The bundle itself, as a single-file application ships: the same
        # packages, read from the deps.json inside the executable.
        B=$T/netbundle/opt/sarif
        mkdir -p "$B"
        install -m 0755 "$BUNDLE" "$B/Sarif.Multitool"
        "$P" inventory "$T/netbundle" --format json >"$T/netb.json" 2>"$T/netb.err" ||
                fail ".NET bundle: inventory: $(cat "$T/netb.err")"
        python3 - "$T/net.json" "$T/netb.json" "$T/netb.err" <<'PY' || fail ".NET bundle: differs from the deps.json"
import json, sys
want = {(p["name"], p["version"], p["purl"]) for p in json.load(open(sys.argv[1]))["packages"] if p["ecosystem"] == "NuGet"}
ours = json.load(open(sys.argv[2]))["packages"]
got = {(p["name"], p["version"], p["purl"]) for p in ours if p["ecosystem"] == "NuGet"}
bad = [p for p in ours if p["origin_file"] != "/opt/sarif/Sarif.Multitool"]
if got != want or bad or open(sys.argv[3]).read():
    print("only ours:", sorted(got - want)[:5]); print("only deps.json:", sorted(want - got)[:5]); print("bad:", bad[:3])
    print(open(sys.argv[3]).read()); sys.exit(1)
print(".NET bundle: the same %d NuGet packages, read from inside the executable" % len(got))
PY
        ran=$((ran + 1))
else
        echo ".NET: tests/lang-dotnet not installed (scripts/install-deps.sh); part skipped"
fi

[ "$fails" -eq 0 ] || exit 1
[ "$ran" -gt 0 ] || { echo "skip: no part could run"; exit 77; }
