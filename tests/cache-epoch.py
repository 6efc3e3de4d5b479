#!/usr/bin/env python3
"""The cache's epochs (lib/cache.h) against what this build answers.

A cached verdict is served until its key changes, and the key carries
CACHE_INVENTORY_EPOCH and CACHE_MATCH_EPOCH: a change that makes the
readers or the matcher answer otherwise must bump one, or every node that
upgrades keeps the older answers in silence.  This reads a fixed set of
rootfs trees built from the shared data (dpkg, apk and rpm databases of
each format, language packages, a docker save image) and a few written
here (gemspecs, Composer, .NET, Bitnami's SPDX) and matches them against a fixed
DB (the example feed and the real Debian 12 advisories); the digests of
the inventories and of the findings are recorded with the epochs in
tests/cache-epoch.expected.  When a digest changes and its epoch did not,
the test fails and says what to bump and what to record."""
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pctest import P, check, finish, run  # noqa: E402

SRC = os.environ["PC_SOURCE_ROOT"]
DATA = os.environ.get("PC_SHARED_DATA", "")
if not DATA or not os.path.isdir(f"{DATA}/pkgdb"):
    print("SKIP: no shared data (../shared/data)")
    sys.exit(77)

OS = {
    "debian": 'ID=debian\nVERSION_ID="12"\n',
    "alpine": "ID=alpine\nVERSION_ID=3.18.4\n",
    "rocky": 'ID="rocky"\nVERSION_ID="9.2"\n',
    "rhel": 'ID="rhel"\nVERSION_ID="8.10"\n',
    "rhel10": 'ID="rhel"\nVERSION_ID="10.1"\n',
    "mariner": 'ID=mariner\nVERSION_ID="2.0"\n',
    "opensuse": 'ID="opensuse-leap"\nVERSION_ID="15.5"\nPRETTY_NAME="openSUSE Leap 15.5"\n',
}


def gemspec(name, version):
    return f'# stub: {name} {version} ruby lib\nGem::Specification.new do |s|\n  s.name = "{name}".freeze\n' \
           f'  s.version = "{version}"\nend\n'


def put(root, path, data):
    dst = os.path.join(root, path.lstrip("/"))
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if isinstance(data, str) and os.path.exists(data):
        shutil.copyfile(data, dst)
    else:
        with open(dst, "w") as f:
            f.write(data)


def rootfs(t, name, os_id, files):
    root = f"{t}/{name}"
    put(root, "etc/os-release", OS[os_id])
    for path, src in files:
        put(root, path, src)
    return root


def fixtures(t):
    """name -> target: one tree per package database, one of language packages, an image."""
    d = f"{DATA}/pkgdb"
    out = {}
    for i, status in enumerate(sorted(glob.glob(f"{d}/syft/dpkg/*/var/lib/dpkg/status") +
                                      glob.glob(f"{d}/osv-scalibr/dpkg/valid") +
                                      glob.glob(f"{d}/claircore/dpkg/*.status"))):
        out[f"dpkg-{i}:{os.path.relpath(status, d)}"] = rootfs(t, f"dpkg-{i}", "debian",
                                                             [("var/lib/dpkg/status", status)])
    for i, installed in enumerate(sorted(glob.glob(f"{d}/syft/apk/multiple-1/lib/apk/db/installed") + [f"{d}/trivy/apk/installed"] +
                                         glob.glob(f"{d}/osv-scalibr/apk/installed"))):
        out[f"apk-{i}:{os.path.relpath(installed, d)}"] = rootfs(t, f"apk-{i}", "alpine",
                                                              [("lib/apk/db/installed", installed)])
    for i, packages in enumerate(sorted(glob.glob(f"{d}/syft/rpm/Packages") +
                                        glob.glob(f"{d}/osv-scalibr/rpm/Packages_epoch"))):
        out[f"rpm-{i}:{os.path.relpath(packages, d)}"] = rootfs(t, f"rpm-{i}", "rocky",
                                                             [("var/lib/rpm/Packages", packages)])
        # the same database as a RHEL (UBI) image's: Red Hat's repositories
        out[f"rpm-rhel-{i}:{os.path.relpath(packages, d)}"] = rootfs(t, f"rpm-rhel-{i}", "rhel",
                                                                  [("var/lib/rpm/Packages", packages)])
        # and a RHEL 10 (UBI 10) image's: a minor release's ecosystem
        out[f"rpm-rhel10-{i}:{os.path.relpath(packages, d)}"] = rootfs(t, f"rpm-rhel10-{i}", "rhel10",
                                                                    [("var/lib/rpm/Packages", packages)])
    # rpm's sqlite (with its WAL) and ndb databases
    rpm = f"{d}/rpm/go-rpmdb"
    if os.path.exists(f"{rpm}/cbl-mariner-2.0/rpmdb.sqlite"):
        out["rpm-sqlite:cbl-mariner-2.0"] = rootfs(t, "rpm-sqlite", "mariner", [
            (f"var/lib/rpm/rpmdb.sqlite{x}", f"{rpm}/cbl-mariner-2.0/rpmdb.sqlite{x}") for x in ("", "-wal", "-shm")])
    if os.path.exists(f"{rpm}/sle15-bci/Packages.db"):
        out["rpm-ndb:sle15-bci"] = rootfs(t, "rpm-ndb", "opensuse", [
            ("usr/lib/sysimage/rpm/Packages.db", f"{rpm}/sle15-bci/Packages.db")])
    # the readers of text the shared data has no sample of: gemspecs,
    # Composer's installed.json, a .NET deps.json
    out["gem-composer-dotnet"] = rootfs(t, "text", "debian", [
        ("usr/lib/ruby/gems/3.1.0/specifications/rack-2.2.3.gemspec", gemspec("rack", "2.2.3")),
        ("usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec", gemspec("json", "2.6.1")),
        ("var/www/vendor/composer/installed.json",
         json.dumps({"packages": [{"name": "monolog/monolog", "version": "2.9.1"},
                                  {"name": "guzzlehttp/guzzle", "version": "v7.4.0"}]})),
        ("app/MyApp.deps.json", json.dumps({"libraries": {"MyApp/1.0.0": {"type": "project"},
                                                          "Newtonsoft.Json/12.0.3": {"type": "package"},
                                                          "System.Text.Json/6.0.0": {"type": "package"}}}))])
    # Bitnami's SPDX document beside its component (inventory-bitnami.c)
    spdx = [{"name": n, "versionInfo": v, "SPDXID": f"SPDXRef-{n}", "externalRefs": [
        {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": f"pkg:bitnami/{n}@{v}{q}"}]}
        for n, v, q in [("postgresql", "17.2.0-8", "?arch=amd64&distro=debian-12"), ("geos", "3.13.0-2", "")]]
    out["bitnami"] = rootfs(t, "bitnami", "debian", [
        ("opt/bitnami/postgresql/.spdx-postgresql.spdx", json.dumps({"spdxVersion": "SPDX-2.3", "packages": spdx}))])
    lang = f"{DATA}/langpkg/trivy"
    files = []
    site = "usr/lib/python3/dist-packages"
    for m in sorted(glob.glob(f"{lang}/python/*.METADATA")):
        files.append((f"{site}/{os.path.basename(m)[:-len('.METADATA')]}.dist-info/METADATA", m))
    for m in sorted(glob.glob(f"{lang}/python/*.PKG-INFO")):
        files.append((f"{site}/{os.path.basename(m)[:-len('.PKG-INFO')]}.egg-info/PKG-INFO", m))
    for j in sorted(glob.glob(f"{lang}/java/*.jar")):
        files.append((f"opt/app/lib/{os.path.basename(j)}", j))
    for g in sorted(glob.glob(f"{lang}/go/*.elf")):
        files.append((f"usr/local/bin/{os.path.basename(g)[:-4]}", g))
    for p in sorted(glob.glob(f"{lang}/npm/**/*", recursive=True)):
        if os.path.isfile(p):
            files.append((f"srv/npm/{os.path.relpath(p, f'{lang}/npm')}", p))
    out["lang"] = root = rootfs(t, "lang", "debian", files)
    for _, dst in [(p, os.path.join(root, p)) for p, _ in files if p.startswith("usr/local/bin/")]:
        os.chmod(dst, 0o755)
    for image in sorted(glob.glob(f"{DATA}/rootfs/trivy/*.tar.gz")):
        out[f"image:{os.path.basename(image)}"] = image
    return out


def digest(docs):
    return hashlib.sha256(json.dumps(docs, sort_keys=True).encode()).hexdigest()


# What a verdict is made of (a reworded message or a new field for reports
# does not ask for a bump): the packages as the matcher and VEX see them,
# how many parts were kept out; the findings as the policy weighs them, what
# was not checked, and of how many packages.
PACKAGE = ("name", "version", "source_name", "source_version", "arch", "ecosystem", "purl")
FINDING = ("id", "aliases", "package", "ecosystem", "purl", "installed_version", "source_name", "fixed_version",
           "status", "severity", "severity_source", "kev", "epss", "vex")


def inventory_facts(inv):
    return {"os": inv["os"], "skipped": len(inv.get("skipped", [])),
            "packages": [{k: p.get(k) for k in PACKAGE} for p in inv["packages"]]}


def scan_facts(scan):
    return {"packages": scan["packages"], "summary": scan["summary"],
            "findings": [{k: f.get(k) for k in FINDING} for f in scan["findings"]],
            "unchecked": [(u["kind"], u["subject"], u["packages"]) for u in scan["unchecked"]],
            "unchecked_more": scan.get("unchecked_more")}


def epochs():
    with open(f"{SRC}/lib/cache.h") as f:
        h = f.read()
    return {k: int(re.search(rf"#define CACHE_{k.upper()}_EPOCH (\d+)", h).group(1)) for k in ("inventory", "match")}


def recorded():
    out = {}
    with open(f"{SRC}/tests/cache-epoch.expected") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                kind, epoch, value = line.split()
                out[kind] = (int(epoch), value)
    return out


def advisories(inventories, folder):
    """Records for every package outside Debian (whose real advisories the DB has), in the range forms the
    matcher tells apart: listed, last_affected, fixed at, introduced at; half with a CVSS vector."""
    os.makedirs(folder)
    pkgs = sorted({(p["ecosystem"], p["name"], p["version"]) for inv in inventories.values()
                   for p in inv["packages"] if p.get("ecosystem") and not p["ecosystem"].startswith("Debian")})
    forms = [{"versions": ["{v}"]},
             {"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"last_affected": "{v}"}]}]},
             {"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "{v}"}]}]},
             {"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "{v}"}]}]}]
    for i, (eco, name, version) in enumerate(pkgs):
        for j, form in enumerate(forms):
            affected = json.loads(json.dumps(form).replace("{v}", version.replace('"', '\\"')))
            affected["package"] = {"ecosystem": eco, "name": name}
            rec = {"id": f"PCEPOCH-{i}-{j}", "modified": "2024-01-01T00:00:00Z", "affected": [affected]}
            if (i + j) % 2:
                rec["severity"] = [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]
            with open(f"{folder}/PCEPOCH-{i}-{j}.json", "w") as f:
                json.dump(rec, f)
    return len(pkgs)


t = tempfile.mkdtemp(prefix="pc-epoch-")
try:
    db = f"{t}/db.sqlite"
    inventories, findings = {}, {}
    targets = fixtures(t)
    for name, target in sorted(targets.items()):
        inventories[name] = json.loads(run("inventory", target, "--format", "json").stdout.replace(t, "<tmp>"))
    advised = advisories(inventories, f"{t}/advisories")
    run("db", "import", f"{SRC}/feed", f"{DATA}/vulndb/debian12-changelogs", f"{t}/advisories", "--db", db)
    for name, target in sorted(targets.items()):
        # exit 0 or 1 (findings); what is compared is the answer, not where the DB lies
        r = subprocess.run([P, "scan", target, "--db", db, "--format", "json"], capture_output=True, text=True)
        check(r.returncode in (0, 1), f"scan {target}: exit {r.returncode}: {r.stderr[-2000:]}")
        findings[name] = json.loads(r.stdout.replace(t, "<tmp>"))
    n_pkgs = sum(len(v["packages"]) for v in inventories.values())
    n_findings = sum(len(v["findings"]) for v in findings.values())
    check(n_pkgs > 400 and n_findings > 1000 and advised > 90,
          f"the fixtures read too little to guard anything: {n_pkgs} packages ({advised} outside Debian), "
          f"{n_findings} findings")

    now = {"inventory": digest({k: inventory_facts(v) for k, v in inventories.items()}),
           "match": digest({k: scan_facts(v) for k, v in findings.items()})}
    want, have = recorded(), epochs()
    for kind in ("inventory", "match"):
        epoch, value = want.get(kind, (None, None))
        line = f"{kind} {have[kind]} {now[kind]}"
        if value == now[kind]:
            check(epoch == have[kind], f"CACHE_{kind.upper()}_EPOCH is {have[kind]} in lib/cache.h but "
                  f"tests/cache-epoch.expected records {epoch}: write '{line}' there")
        elif epoch == have[kind] and not (kind == "match" and want.get("inventory", (0, ""))[1] != now["inventory"]):
            # (findings that changed with the inventory: its bump already makes every key new)
            check(False, f"this build's {kind} of the fixtures changed (digest {now[kind]}, recorded {value} at "
                  f"epoch {epoch}): caches of older builds would keep the older answers; bump "
                  f"CACHE_{kind.upper()}_EPOCH in lib/cache.h (to {epoch + 1}) and write "
                  f"'{kind} {epoch + 1} {now[kind]}' in tests/cache-epoch.expected")
        elif epoch == have[kind]:
            check(False, f"the findings of the fixtures changed with their inventory (whose epoch makes every key "
                  f"new): write '{line}' in tests/cache-epoch.expected")
        else:
            check(False, f"CACHE_{kind.upper()}_EPOCH is now {have[kind]}: write '{line}' in "
                  f"tests/cache-epoch.expected")
    for name in inventories:
        print(f"{name}: {len(inventories[name]['packages'])} packages, {len(findings[name]['findings'])} findings, "
              f"{len(findings[name]['unchecked'])} not checked")
finally:
    shutil.rmtree(t, ignore_errors=True)
finish()
