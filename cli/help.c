/* SPDX-License-Identifier: Apache-2.0 */
/* What `portcullis help VERB [SUB]`, `portcullis VERB [SUB] --help` and
 * `portcullis --help` print: one table, one entry per verb and sub-verb.
 * The man page (docs/man/portcullis.1.scd) says the same at more length;
 * tests/cli-help.sh checks that every option a verb accepts is in both. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "install.h"
#include "portcullis-build.h"

#define COMMON_OPTIONS                                                                                          \
        "  -q, --quiet           no warnings or notes on stderr (errors still)\n"                               \
        "  -v, --verbose         also say which files are used and how long each step took\n"                   \
        "  -h, --help            this text\n"

#define EXIT_STATUS "\nExit status: 0 pass, 1 the policy says no, 2 usage or error.\n"
/* for the commands that never say no: only scan, check and doctor exit 1 */
#define EXIT_STATUS_DONE "\nExit status: 0 done, 2 usage or error (never 1).\n"

static const struct cli_help {
        const char *cmd;        /* "scan", "db import" */
        const char *summary;    /* for the list of verbs; NULL for sub-verbs */
        const char *text;       /* after "Usage: portcullis " */
} help[] = {
        { "scan", "scan a root filesystem or an image file for vulnerable packages",
          "scan TARGET [OPTIONS]\n"
          "       portcullis scan --sbom FILE [OPTIONS]\n\n"
          "Lists the vulnerabilities of the packages installed in TARGET: an unpacked root\n"
          "filesystem (a container's, or /), a `docker save` tarball (compressed or not), an\n"
          "OCI image layout folder, or an OCI layout in a tar.  An image in a registry or in\n"
          "a container engine is not read directly: save it first (`docker save IMAGE -o\n"
          "image.tar`, `skopeo copy docker://IMAGE oci-archive:image.tar`) or give its\n"
          "rootfs.\n\n"
          "Options:\n"
          "  --sbom FILE           scan the components of a CycloneDX JSON SBOM (by their purls)\n"
          "                        instead of a TARGET\n"
          "  --db FILE             the vulnerability database (default: $PORTCULLIS_DB, else\n"
          "                        config.json's, else " PORTCULLIS_DB_DEFAULT ")\n"
          "  --config FILE         the configuration whose \"db\" is the default (default:\n"
          "                        " PORTCULLIS_CONFIG_DEFAULT " when it exists)\n"
          "  --severity LIST       show only these severities, comma-separated (CRITICAL,\n"
          "                        HIGH, MEDIUM, LOW, NONE, UNKNOWN); --fail-on weighs all\n"
          "  --ignore-unfixed      leave out vulnerabilities without a fixed version (not\n"
          "                        one another record of the package fixes)\n"
          "  --package NAME        only findings of this package (binary or source name)\n"
          "  --sort KEY            order by severity (default), package, id, fixed, kev or epss\n"
          "  --fail-on SEVERITY    exit 1 when a finding is at or above SEVERITY, or when\n"
          "                        something could not be checked (a finding of UNKNOWN\n"
          "                        severity too, unless --unknown-as)\n"
          "  --unknown-as SEVERITY with --fail-on: a finding of UNKNOWN severity counts as\n"
          "                        SEVERITY (as the policy's unknown_as)\n"
          "  --allow-unchecked     with --fail-on: pass what could not be checked\n"
          "  --vex FILE            an OpenVEX or CycloneDX VEX document (repeatable): its\n"
          "                        not_affected and fixed statements for the image (by\n"
          "                        digest) or a package (by purl) suppress findings, which\n"
          "                        stay listed and are not counted\n"
          "  --format FORMAT       table (default), json, sarif (GitHub code scanning),\n"
          "                        cyclonedx (an SBOM with the vulnerabilities and VEX),\n"
          "                        spdx-json (the packages) or html (one page)\n"
          "  --output FILE         write the report to FILE (atomically) instead of stdout\n"
          "  --pkg-types LIST      look for os (package databases), library (language\n"
          "                        packages, Go/Rust executables) or both (default: os,library)\n"
          COMMON_OPTIONS EXIT_STATUS },
        { "inventory", "list the packages Portcullis sees in a root filesystem or image file",
          "inventory TARGET [OPTIONS]\n\n"
          "Prints the installed packages of TARGET (a root filesystem or an image file, as\n"
          "for scan): OS packages (dpkg, apk, rpm, chisel), language packages and\n"
          "Bitnami's components, each with its ecosystem, purl and the file it was found\n"
          "in.\n\n"
          "Options:\n"
          "  --format FORMAT       table (default), json, cyclonedx, spdx-json or html\n"
          "  --output FILE         write it to FILE (atomically) instead of stdout\n"
          "  --pkg-types LIST      look for os, library or both (default: os,library)\n"
          COMMON_OPTIONS EXIT_STATUS_DONE },
        { "db", "import, update, describe, sign, publish or export the vulnerability database",
          "db COMMAND [OPTIONS]\n\n"
          "Commands:\n"
          "  import PATH...        build the database from OSV records (files, folders, zips)\n"
          "  update                bring it up to date over HTTP(S) from config.json's sources\n"
          "  status                what it holds: revision, records per ecosystem, last update\n"
          "  sign DIR              sign a folder of OSV data for signed updates\n"
          "  publish oci://REF     push it, signed, as an OCI artifact to a registry\n"
          "  export FILE           write that artifact as an OCI archive (tar)\n\n"
          "See 'portcullis db COMMAND --help' for each.\n" COMMON_OPTIONS EXIT_STATUS_DONE },
        { "db import", NULL,
          "db import PATH... [OPTIONS]\n\n"
          "Imports OSV records from .json files, folders of them (searched recursively) and\n"
          ".zip archives, into a new database renamed over the old one when complete.  A\n"
          "record without a readable id or modified time is reported with its file and\n"
          "field, and skipped; a record with a bad part only (an alias, a range) is kept\n"
          "without it, said with its file, id and field; a range it could not read makes\n"
          "its package 'not checked' at every scan.\n"
          "CISA's KEV catalogue (known_exploited_vulnerabilities.json) and FIRST's EPSS CSV\n"
          "(epss_scores-*.csv[.gz]) are recognised by content: each replaces that data and\n"
          "keeps the records; a malformed one fails the import, naming file and field/line\n"
          "(a KEV entry without a CVE id is skipped, a bad field of one left out, said).\n"
          "Into the database config.json names, the running containers are then re-judged\n"
          "(see 'portcullis ps': one now_violates audit line for each that got worse).\n\n"
          "Options:\n"
          "  --db FILE             the database (default: $PORTCULLIS_DB, else config.json's,\n"
          "                        else " PORTCULLIS_DB_DEFAULT ")\n"
          "  --merge               keep the existing records too\n"
          "  --allow-shrink        replace a database by one with fewer than half its\n"
          "                        records, or KEV or EPSS data by a file of fewer than\n"
          "                        half its entries (refused otherwise)\n"
          "  --config FILE         for an OCI archive (one tar FILE, from 'db export' or\n"
          "                        'skopeo copy ... oci-archive:FILE'): its public_key,\n"
          "                        state_dir and max_layer_mib\n" COMMON_OPTIONS EXIT_STATUS_DONE },
        { "db update", NULL,
          "db update [OPTIONS]\n\n"
          "Downloads what changed from the sources in config.json (OSV's bucket layout:\n"
          "<base>/<ECOSYSTEM>/all.zip, modified_id.csv, <ID>.json), checks signatures when\n"
          "configured, and replaces the database only when everything is valid.  When it\n"
          "changed, the running containers are re-judged (see 'portcullis ps').  A KEV or\n"
          "EPSS feed none of whose mirrors served keeps its data and the exit status 0,\n"
          "with a warning; db status, doctor and metrics say it until one serves.\n\n"
          "Options:\n"
          "  --db FILE             the database (default: $PORTCULLIS_DB, else config.json's,\n"
          "                        else " PORTCULLIS_DB_DEFAULT ")\n"
          "  --config FILE         the configuration (default: " PORTCULLIS_CONFIG_DEFAULT ")\n"
          "  --source URL          a source instead of the configured ones (repeatable)\n"
          "  --ecosystem NAME      update this ecosystem (repeatable; default: the\n"
          "                        configured ones and those of cached images)\n"
          "  --allow-shrink        accept a result with fewer than half the records, and a\n"
          "                        KEV or EPSS file of fewer than half the entries\n" COMMON_OPTIONS
                  EXIT_STATUS_DONE },
        { "db status", NULL,
          "db status [OPTIONS]\n\n"
          "Schema version, revision, import time, records per ecosystem, unrated records,\n"
          "and the state of the last `db update`.\n\n"
          "Options:\n"
          "  --db FILE             the database (default: $PORTCULLIS_DB, else the\n"
          "                        configuration's \"db\", as `db update` uses it)\n"
          "  --config FILE         the configuration (default: " PORTCULLIS_CONFIG_DEFAULT ")\n"
          "  --format table|json   the output (default: table)\n" COMMON_OPTIONS EXIT_STATUS_DONE },
        { "db sign", NULL,
          "db sign DIR --key KEY.pem --serial N --expires TIME [OPTIONS]\n\n"
          "Writes DIR/manifest.json (every file's sha256, serial, created, expires) and its\n"
          "signature DIR/manifest.json.sig, for sources with a `public_key`.\n\n"
          "Options:\n"
          "  --key FILE            the private key (PEM: Ed25519, ECDSA or RSA)\n"
          "  --serial N            the manifest's serial: larger than the last one published\n"
          "  --expires TIME        RFC 3339 time after which nodes refuse the data\n"
          "  --created TIME        RFC 3339 creation time (default: now)\n" COMMON_OPTIONS EXIT_STATUS_DONE },
        { "db publish", NULL,
          "db publish oci://HOST[:PORT]/REPOSITORY[:TAG] --key KEY.pem [OPTIONS]\n\n"
          "Pushes the database as an OCI artifact (artifactType\n"
          "application/vnd.portcullis.db.v1: a zstd layer, a config with its revision and\n"
          "counts, a signature over the config) through the registry's distribution API;\n"
          "nodes pull it with the reference in update.sources.\n\n"
          "Options:\n"
          "  --key FILE            the private key (PEM: Ed25519, ECDSA or RSA), as for db sign\n"
          "  --db FILE             the database (default: $PORTCULLIS_DB, else config.json's)\n"
          "  --config FILE         the configuration (default: " PORTCULLIS_CONFIG_DEFAULT ")\n"
          "  --authfile FILE       registry credentials (default: update.auth_file)\n"
          "  --ca-file FILE        the registry's CA (default: update.ca_file)\n"
          "  --created TIME        the build time (default: now); nodes refuse older builds\n"
          "  --expires TIME        when nodes refuse it (default: 7 days after --created)\n"
          COMMON_OPTIONS EXIT_STATUS_DONE },
        { "db export", NULL,
          "db export FILE --key KEY.pem [OPTIONS]\n\n"
          "Writes the artifact of db publish as an OCI image layout in a tar file\n"
          "(skopeo's oci-archive:FILE); 'db import FILE' installs it on a node without the\n"
          "registry, 'skopeo copy oci-archive:FILE docker://...' pushes it.\n\n"
          "Options:\n"
          "  --key FILE            the private key, as for db publish\n"
          "  --db FILE             the database (default: $PORTCULLIS_DB, else config.json's)\n"
          "  --config FILE         the configuration (default: " PORTCULLIS_CONFIG_DEFAULT ")\n"
          "  --tag TAG             the name in index.json (default: latest)\n"
          "  --created TIME, --expires TIME   as for db publish\n" COMMON_OPTIONS EXIT_STATUS_DONE },
        { "vercmp", "compare two versions as an ecosystem orders them",
          "vercmp [-q|-v] ECOSYSTEM A B [-q|-v]\n"
          "       portcullis vercmp --batch ECOSYSTEM\n\n"
          "Prints <, = or >.  ECOSYSTEM is an OSV name (Debian:12, PyPI, npm, Go, crates.io,\n"
          "Maven, RubyGems, Packagist, NuGet, Bitnami, ...) or a short name (deb, apk, rpm,\n"
          "pypi, npm, go, crates, maven, gem, composer, nuget, bitnami).  An invalid version\n"
          "exits 2 (one that dpkg only warns about is compared, with a warning).  A version\n"
          "starting with '-' follows '--'.\n\n"
          "Options:\n"
          "  --batch ECOSYSTEM     compare the pairs of stdin (A B per line), one answer a line\n"
          "                        ('error: MESSAGE' for a bad pair; the exit status stays 0)\n"
          COMMON_OPTIONS EXIT_STATUS_DONE },
        { "cvss", "score a CVSS v2, v3.x or v4.0 vector",
          "cvss VECTOR [OPTIONS]\n"
          "       portcullis cvss --batch [OPTIONS]\n\n"
          "Prints the base score and severity of a CVSS vector.\n\n"
          "Options:\n"
          "  --batch               score one vector per line of stdin ('error: MESSAGE' for a\n"
          "                        bad one; the exit status stays 0)\n"
          "  --format table|json   the output (JSON adds the temporal/environmental scores)\n" COMMON_OPTIONS
                  EXIT_STATUS_DONE },
        { "policy", "validate and explain a policy file",
          "policy check FILE\n\n"
          "Commands:\n"
          "  check FILE            validate a policy and print what it means\n" COMMON_OPTIONS EXIT_STATUS_DONE },
        { "policy check", NULL,
          "policy check FILE [OPTIONS]\n\n"
          "Validates a policy (every error with FILE:LINE:COLUMN, exit 2) and prints what it\n"
          "means: the default rule, each scope in order, the allowlist and what has expired.\n\n"
          "Options:\n" COMMON_OPTIONS EXIT_STATUS_DONE },
        { "check", "what the hook would decide for a container start (a dry run)",
          "check --state FILE [OPTIONS]\n\n"
          "Runs the hook's gate on an OCI state file (and so its bundle's config.json and\n"
          "rootfs) without writing an audit line; prints the hook's lines and the decision.\n\n"
          "Options:\n"
          "  --state FILE          the OCI state (JSON, as the runtime gives a hook)\n"
          "  --config FILE         the configuration (default: " PORTCULLIS_CONFIG_DEFAULT ")\n"
          "  --policy FILE         the policy (default: config.json's)\n"
          "  --db FILE             the database (default: config.json's)\n"
          "  --cache FILE          the verdict cache (default: config.json's)\n"
          "  --format table|json   json: the decision's audit line\n" COMMON_OPTIONS
          "\nExit status: 0 start, 1 block, 2 usage or error.\n" },
        { "report", "the hook's recent decisions from its audit log",
          "report [OPTIONS]\n\n"
          "Shows the hook's last decisions: time, verdict, image, namespace, mode, findings\n"
          "per severity, packages not checked, the worst IDs and the reason.\n\n"
          "Options:\n"
          "  --log FILE            the audit log (default: config.json's log.file)\n"
          "  --last N              how many decisions (default: 50)\n"
          "  --config FILE         the configuration (default: " PORTCULLIS_CONFIG_DEFAULT ")\n"
          "  --format table|json   the output (default: table)\n"
          "  --html                one self-contained HTML page: decisions per hour, the most\n"
          "                        blocked images, and the last N decisions to sort and filter\n"
          "  --output FILE         write the report to FILE (atomically) instead of stdout\n"
          COMMON_OPTIONS EXIT_STATUS_DONE },
        { "metrics", "write the gate's Prometheus metrics for node_exporter's textfile collector",
          "metrics [OPTIONS]\n\n"
          "Writes the decisions counted from the audit log (by verdict, mode and namespace),\n"
          "cache hits and misses, the decision-duration histogram, the database's revision\n"
          "and age, when `db update` last ran and last succeeded, and the verdict cache's\n"
          "size as a Prometheus text file, atomically.  Each run reads only the audit lines\n"
          "added since the last (a state file keeps the counters and the log's position;\n"
          "they survive the log's rotation).  The timer portcullis-metrics.timer runs it\n"
          "every minute.\n\n"
          "Options:\n"
          "  --config FILE         the configuration (default: " PORTCULLIS_CONFIG_DEFAULT ")\n"
          "  --output FILE         the file to write, - for stdout (default:\n"
          "                        /var/lib/prometheus/node-exporter/portcullis.prom)\n"
          "  --log FILE            the audit log (default: config.json's log.file)\n"
          "  --state FILE          the counters and the log's position (default:\n"
          "                        metrics.state in the cache's folder)\n"
          COMMON_OPTIONS EXIT_STATUS_DONE },
        { "cache", "list, show, purge, collect, rescan or fill the hook's verdict cache",
          "cache COMMAND [OPTIONS]\n\n"
          "Commands:\n"
          "  ls                    one row per entry, most recently used first\n"
          "  show KEY              the stored scan of an entry (KEY: key, prefix or identity)\n"
          "  purge [KEY]           remove one entry, or all\n"
          "  gc                    remove entries unused for a TTL, then beyond a count\n"
          "  rescan                match every entry's inventory against the current database\n"
          "  fill                  analyse into the cache the running containers' images it lacks\n\n"
          "Every command takes --cache FILE (default: config.json's cache, else\n"
          PORTCULLIS_CACHE_DEFAULT ") and --config FILE.\n"
          "See 'portcullis cache COMMAND --help' for each.\n" COMMON_OPTIONS EXIT_STATUS_DONE },
        { "cache ls", NULL,
          "cache ls [OPTIONS]\n\n"
          "Options:\n"
          "  --cache FILE          the cache (default: config.json's, else\n"
          "                        " PORTCULLIS_CACHE_DEFAULT ")\n"
          "  --config FILE         the configuration (default: " PORTCULLIS_CONFIG_DEFAULT ")\n"
          "  --format table|json   the output (default: table)\n" COMMON_OPTIONS EXIT_STATUS_DONE },
        { "cache show", NULL,
          "cache show KEY [OPTIONS]\n\n"
          "Prints an entry's scan as `scan --format json` does.  KEY is the key, a prefix of\n"
          "at least 6 hex digits naming one entry, or the identity of the audit line.\n\n"
          "Options:\n"
          "  --cache FILE          the cache (default: config.json's, else\n"
          "                        " PORTCULLIS_CACHE_DEFAULT ")\n"
          "  --config FILE         the configuration (default: " PORTCULLIS_CONFIG_DEFAULT ")\n" COMMON_OPTIONS
                  EXIT_STATUS_DONE },
        { "cache purge", NULL,
          "cache purge [KEY] [OPTIONS]\n\n"
          "Removes the entry KEY (as for show), or every entry; prints how many.\n\n"
          "Options:\n"
          "  --cache FILE          the cache (default: config.json's, else\n"
          "                        " PORTCULLIS_CACHE_DEFAULT ")\n"
          "  --config FILE         the configuration (default: " PORTCULLIS_CONFIG_DEFAULT ")\n" COMMON_OPTIONS
                  EXIT_STATUS_DONE },
        { "cache gc", NULL,
          "cache gc [OPTIONS]\n\n"
          "Removes entries unused for longer than the TTL, then the least recently used\n"
          "beyond the count; prints how many went and how many are left.  With the cache\n"
          "of the configuration (no --cache), also removes the lock files in its lock_dir\n"
          "that no start holds.\n\n"
          "Options:\n"
          "  --ttl SECONDS         unused for longer than this (default: 604800, 7 days)\n"
          "  --max-entries N       keep at most N entries (default: 10000)\n"
          "  --cache FILE          the cache (default: config.json's, else\n"
          "                        " PORTCULLIS_CACHE_DEFAULT ")\n"
          "  --config FILE         the configuration (default: " PORTCULLIS_CONFIG_DEFAULT ")\n" COMMON_OPTIONS
                  EXIT_STATUS_DONE },
        { "cache rescan", NULL,
          "cache rescan [OPTIONS]\n\n"
          "Matches the inventory of every cached entry of another database revision\n"
          "against the current database, so that the next start of each image is a hit\n"
          "on the new revision (an entry already of it costs nothing; one whose image has\n"
          "an entry of it is dropped); first, the running containers are re-judged (see\n"
          "'portcullis ps').  After an upgrade, an entry whose inventory another version\n"
          "of Portcullis read is dropped: its image is read anew at its next start.\n"
          "portcullis-fill.timer does this after each DB update ('cache fill').\n\n"
          "Options:\n"
          "  --db FILE             the database (default: config.json's, else\n"
          "                        " PORTCULLIS_DB_DEFAULT ")\n"
          "  --cache FILE          the cache (default: config.json's, else\n"
          "                        " PORTCULLIS_CACHE_DEFAULT ")\n"
          "  --config FILE         the configuration (default: " PORTCULLIS_CONFIG_DEFAULT ")\n" COMMON_OPTIONS
                  EXIT_STATUS_DONE },
        { "cache fill", NULL,
          "cache fill [OPTIONS]\n\n"
          "After a DB update: first judges the running containers its recheck left (their\n"
          "inventories unread: the update's unit can't run the analysis sandbox; one\n"
          "now_violates audit line each that got worse), then re-matches the cache's\n"
          "entries of another database revision from their stored inventories, the\n"
          "running containers' images first, as 'cache rescan' does.  Then it analyses the images of the running containers (as 'portcullis ps' finds them)\n"
          "that the cache has no entry of, in the hook's sandbox, and stores each as the\n"
          "hook stores a miss, under the identity the next start of that image looks up,\n"
          "only where no entry has that key: a start that on_timeout decided cached\n"
          "nothing, and the next start of that image is a hit.  A container whose\n"
          "overlay holds its own files, or whose rootfs is no overlay, not read-only and\n"
          "not made by a Kubernetes runtime, is not its image: nothing is stored for it.\n"
          "One audit line (\"event\": \"cache_filled\") per image stored; one line\n"
          "printed with the counts and the bounds; the containers past the bounds are\n"
          "left for the next run.  portcullis-fill.timer runs it a minute after each run.\n\n"
          "Options:\n"
          "  --max-rematches N     at most N entries re-matched per run, none past a\n"
          "                        quarter of --time-limit (default: 1000)\n"
          "  --max-analyses N      at most N analyses per run (default: 8)\n"
          "  --deadline SECONDS    each analysis at most (default: 120)\n"
          "  --time-limit SECONDS  no analysis started past this, each cut at what is\n"
          "                        left (default: 240)\n"
          "  --config FILE         the configuration (default: " PORTCULLIS_CONFIG_DEFAULT ")\n" COMMON_OPTIONS
                  EXIT_STATUS_DONE },
        { "doctor", "check the install end to end, and say what to do",
          "doctor [OPTIONS]\n\n"
          "Checks what a container start goes through, one row each (ok, warn, FAIL, or skip\n"
          "for a runtime not on this node) with what to do: containerd's runtime\n"
          "'portcullis' (/etc/containerd/conf.d/portcullis.toml imported by config.toml),\n"
          "the hooks.d file of Podman and CRI-O, the hook and the shim, config.json, the\n"
          "policy, the DB and its age against max_db_age_hours, the last `db update` (failed,\n"
          "killed, none succeeded in 24 h, or none ran while no max_db_age_hours holds the DB's\n"
          "age: a warning), the cache and lock folders, the audit log (file appendable, syslog\n"
          "socket connectable), the sandbox on this kernel (a sandboxed child: seccomp,\n"
          "Landlock, chroot, uid), and a dry-run decision on a tiny test image, first and\n"
          "cached, with how long each took.\n\n"
          "Options:\n"
          "  --config FILE         the configuration (default: <root>" PORTCULLIS_CONFIG_DEFAULT ")\n"
          "  --root DIR            the host's / as seen from here (as for install); paths,\n"
          "                        also those in the files read, are looked up under DIR\n"
          "                        as the host resolves them (symbolic links from DIR)\n"
          "  --format table|json   the output (default: table; json: docs/doctor.md)\n" COMMON_OPTIONS
          "\nExit status: 0 nothing failed, 1 a check failed, 2 usage or error.\n" },
        { "ps", "the running containers and the verdict each would get now",
          "ps [OPTIONS]\n\n"
          "Lists the containers running on the node (runc's and crun's state folders,\n"
          "containerd's /run/containerd/runc/NAMESPACE, Docker's /run/docker/runtime-runc;\n"
          "Podman and CRI-O use runc's or crun's)\n"
          "with image, identity, mode and the verdict each would get now: the verdict\n"
          "cache's findings for its image (re-matched against the current database when\n"
          "they are of an older revision) under the current policy.  'not cached': the\n"
          "cache holds nothing for the identity; nothing is guessed.  Nothing is stopped.\n"
          "After 'db update', 'db import' into the configured database and 'cache rescan',\n"
          "each container whose verdict got worse gets one audit line (\"event\":\n"
          "\"now_violates\").\n\n"
          "Options:\n"
          "  --state-root DIR      a runtime's state folder (repeatable; default: config.json's\n"
          "                        state_roots, else /run/runc, /run/crun, /run/containerd/runc,\n"
          "                        /run/docker/runtime-runc)\n"
          "  --changed-since REV   only those whose verdict got worse after the DB was at\n"
          "                        revision REV (a prefix of 6 or more characters will do)\n"
          "  --no-inventory        never read a rootfs's packages to identify its image\n"
          "  --config FILE         the configuration (default: " PORTCULLIS_CONFIG_DEFAULT ")\n"
          "  --format table|json   the output (default: table)\n" COMMON_OPTIONS EXIT_STATUS_DONE },
        { "install", "set up the hook or shim for containerd, crio, podman, docker or runc on this node",
          "install RUNTIME [OPTIONS]\n\n"
          "Writes what RUNTIME (containerd, crio, podman, docker or runc) needs to run\n"
          "Portcullis at every container start, then says what to restart:\n"
          "  containerd  the drop-in " INSTALL_CONTAINERD_DROPIN " (a CRI runtime\n"
          "              'portcullis' of type " INSTALL_SHIM_RUNTIME_TYPE "), added to\n"
          "              the 'imports' of " INSTALL_CONTAINERD_CONFIG " (created when absent)\n"
          "              unless an entry names it already (a glob: conf.d/*.toml);\n"
          "              when config.toml configures the CRI plugin itself (containerd\n"
          "              1.6 would replace that section with the drop-in's), the\n"
          "              runtime's table goes at its end instead, after a line\n"
          "              '# added by portcullis install' (and runc's, which containerd\n"
          "              otherwise loses; refused when it defines the runtime already)\n"
          "  crio, podman  the oci-hooks(5) file portcullis.json, where the runtime\n"
          "              reads it: /usr/share/containers/oci/hooks.d with no hooks_dir\n"
          "              set, else " INSTALL_HOOKS_D_DIR " when hooks_dir\n"
          "              lists it, else its last folder\n"
          "  docker      a runtime 'portcullis' (the runc wrapper) in " INSTALL_DOCKER_CONFIG "\n"
          "              (created when absent; refused when that name holds another\n"
          "              program)\n"
          "  runc        nothing: prints the \"hooks\" for a bundle's config.json\n"
          "and, for all but runc, " PORTCULLIS_CONFIG_DEFAULT " and policy.json (mode warn)\n"
          "when absent, the systemd units (update, gc, metrics, fill timers) under\n"
          "/etc/systemd/system and tmpfiles.d when no package installed them.  Running it\n"
          "again changes nothing.  A file it can't parse or edit safely, or one of its\n"
          "names holding someone else's file (a hooks.d file that is not what install\n"
          "writes, nor what an earlier install wrote, unchanged), is left as it is: exit 2\n"
          "and a message naming the file.\n"
          "What was there before is kept in " INSTALL_STATE_DIR " for uninstall.\n\n"
          "Options:\n"
          "  --root DIR            the host's / as mounted here (default /): files are\n"
          "                        written under DIR, the paths inside them are the host's;\n"
          "                        a symbolic link on the way is followed as the host does\n"
          "                        (an absolute one from DIR, never from this system's /)\n"
          "  --dry-run             print the unified diff of every file it would write, and\n"
          "                        write nothing\n"
          "  --default-runtime     containerd: also make portcullis CRI's default runtime;\n"
          "                        docker: daemon.json's default-runtime (refused when\n"
          "                        another is set)\n"
          "  --binaries            also copy this portcullis, portcullis-hook, the shim and its\n"
          "                        runc wrapper to " INSTALL_BINARIES_BINDIR " and " INSTALL_BINARIES_LIBEXECDIR "\n"
          "                        (the Kubernetes image; a package install does not need it;\n"
          "                        not with runc, whose install writes nothing)\n"
          COMMON_OPTIONS EXIT_STATUS_DONE },
        { "uninstall", "undo install: put back every file as it was before",
          "uninstall RUNTIME [OPTIONS]\n\n"
          "Puts back, byte for byte, each file 'portcullis install RUNTIME' wrote, and\n"
          "removes those that did not exist before.  A file that changed since install is\n"
          "left as it is (a note says so), except containerd's config.toml, which then\n"
          "loses only the drop-in's entry in 'imports' and the lines marked 'added by\n"
          "portcullis install', and Docker's daemon.json, which loses only the runtime\n"
          "'portcullis' and default-runtime 'portcullis'.  The shared files (config,\n"
          "policy, units) go with the last runtime uninstalled.\n\n"
          "Options:\n"
          "  --root DIR            the host's / as mounted here (default /)\n"
          "  --dry-run             print the unified diff, write nothing\n"
          COMMON_OPTIONS EXIT_STATUS_DONE },
        { "help", "this list, or one command's help: portcullis help COMMAND [SUBCOMMAND]",
          "help [COMMAND [SUBCOMMAND]]\n" },
};

void cli_usage(FILE *f) {
        fprintf(f, "Usage: portcullis [-q|-v] COMMAND [ARGS...]\n\n"
                   "Portcullis checks container images against a local vulnerability database;\n"
                   "its hook blocks, warns about or records vulnerable containers at start.\n\n"
                   "Commands:\n");
        for (size_t i = 0; i < sizeof(help) / sizeof(help[0]); i++)
                if (help[i].summary)
                        fprintf(f, "  %-10s  %s\n", help[i].cmd, help[i].summary);
        fprintf(f, "\nOptions: -q/--quiet, -v/--verbose (also after COMMAND), --version, -h/--help.\n"
                   "See 'portcullis help COMMAND' or 'man portcullis'.\n" EXIT_STATUS);
}

int cli_help(const char *cmd, FILE *f) {
        for (size_t i = 0; i < sizeof(help) / sizeof(help[0]); i++)
                if (strcmp(help[i].cmd, cmd) == 0) {
                        fprintf(f, "Usage: portcullis %s", help[i].text);
                        return 0;
                }
        return -ENOENT;
}
