/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "vulndb.h"

/* `portcullis db update`: keeps the vulnerability DB current from sources
 * laid out like OSV's bucket (https://google.github.io/osv.dev/data/):
 *
 *   <base>/<ECOSYSTEM>/all.zip            every record of the ecosystem
 *   <base>/<ECOSYSTEM>/modified_id.csv    "<RFC 3339 time>,<ID>" lines, newest first
 *   <base>/<ECOSYSTEM>/<ID>.json          one record
 *
 * The first run downloads all.zip of each ecosystem into the state folder
 * and imports them, with the records modified_id.csv lists as newer than
 * the archive's copy (or missing from it), fetched one by one: the list
 * says where the next run starts, and an archive made before it would else
 * lose them until the next full download.  Later runs ask for modified_id.csv with the validators
 * of the last answer (If-None-Match / If-Modified-Since): 304 means
 * unchanged; otherwise the records modified since the last run are fetched
 * one by one and merged.  When that list can't be trusted (no state, the
 * list unreadable, out of order, not reaching back to the last run, or
 * longer than max_changes), all.zip is downloaded again.
 *
 * The database is always what the ecosystems' all.zip files and the records
 * fetched since say: a run that must replace one archive rebuilds the whole
 * file from the archives and records kept in the state folder.  Everything
 * is written to a temporary name and renamed, and the state file is written
 * last, so a run killed at any point leaves the previous database serving
 * and the next run starts over from what the state file says.
 *
 * Signed sources (when a public key is given): each ecosystem's folder also
 * holds
 *
 *   <base>/<ECOSYSTEM>/manifest.json      {"serial": N, "created": TIME, "expires": TIME,
 *                                          "files": {"<name>": "<sha256 hex>", ...}}
 *   <base>/<ECOSYSTEM>/manifest.json.sig  a raw signature over manifest.json's bytes
 *
 * where the names are those fetched from that folder: "all.zip",
 * "modified_id.csv" and "<ID>.json" for every record.  Both are fetched
 * first in every run, the signature is checked (Ed25519 or Ed448 as is;
 * RSA PKCS#1 v1.5 and ECDSA over SHA-256), a manifest past "expires" or
 * with a serial below the one installed last (state.json) is refused, one
 * with the same serial means "up to date" (while the database is the one
 * state.json describes; one installed another way is held to its signed
 * data time instead: a manifest created before it is refused for an
 * ecosystem the database holds), and then every file downloaded
 * must be listed with its sha256.  A source whose pair or file fails any
 * of these is that source failing (said, and the next source tried, as
 * after a network error); the run fails when none serves.  The database records
 * the oldest "created" of its manifests (vulndb_import_dated()). */

/* CVE scores (cve_sources): each URL is one file of NVD API 2.0 / NVD CVE /
 * CVE JSON 5 documents (what `db import` reads: a .json document, or a .zip
 * of them such as the CVE Project's cvelistV5 tree), fetched like all.zip
 * (conditional GET, kept in <state_dir>/cve/, a zip or a .json checked
 * before use) and
 * imported with the records, so that distro records that carry no CVSS get
 * the score of the CVE they name.  They are not covered by the signed
 * manifests; a source that fails is said and its earlier file stays. */
/* KEV and EPSS (kev_sources, epss_sources): each list names one file
 * (CISA's known_exploited_vulnerabilities.json, FIRST's
 * epss_scores-current.csv.gz) and its mirrors, tried in order; fetched
 * conditionally, kept in <state_dir>/feeds/, checked (it must parse) and
 * imported (it replaces the database's KEV or EPSS data).  A mirror that
 * can't serve it is said and the next tried; when none can, the data kept
 * from earlier runs stays.  A file dated before the database's data of its
 * kind (KEV dateReleased, EPSS score_date) is a mirror that can't serve it
 * either: a stale copy never takes back newer data; so is a file dated more
 * than a day ahead of this node's clock, and one of fewer than half the
 * entries (scores) of the database's data of its kind (vulndb_shrinks(),
 * unless allow_shrink).  A feed none of whose mirrors serves does not fail
 * the run; the record of runs says it (struct update_feed_run).  With a
 * public key the
 * signed-manifest rules are those of the ecosystems: the file's folder
 * holds manifest.json and manifest.json.sig (`portcullis db sign
 * FOLDER`), the signature must verify, the manifest must be unexpired and
 * its serial not below the one installed last, and the file must be listed
 * with its sha256; a mirror failing these is said and the next tried,
 * and when none serves and one was refused (or none served a signed
 * manifest), the run fails and the database stays as it was. */
#define UPDATE_CVE_SOURCE_DEFAULT "https://github.com/CVEProject/cvelistV5/archive/refs/heads/main.zip"

#define UPDATE_TRIES 3                                  /* per request and source */
/* A 429 or 503 with Retry-After is tried again after the time it asks
 * for when that is at most UPDATE_RETRY_AFTER_MAX_S and the run has not
 * waited UPDATE_WAIT_RUN_MAX_S so in all (far within the timer's
 * TimeoutStartSec=1h); otherwise the next source is tried. */
#define UPDATE_RETRY_AFTER_MAX_S 60
#define UPDATE_WAIT_RUN_MAX_S 300
#define UPDATE_CHANGES_MAX 5000                         /* default max_changes */
/* Minor releases fetched past the newest one known of a release filed per
 * minor (RHEL 10: a minor every ~6 months, so an image three years old
 * still finds the fixes it lacks; each absent one costs a 404 or two) */
#define UPDATE_MINORS_AHEAD 6
#define UPDATE_ZIP_MAX ((uint64_t) 8 << 30)             /* an all.zip larger than this is refused */
#define UPDATE_CSV_MAX ((size_t) 256 << 20)             /* modified_id.csv */
#define UPDATE_STATE_MAX ((size_t) 64 << 20)            /* state.json */
#define UPDATE_MANIFEST_MAX ((size_t) 64 << 20)       /* manifest.json */
#define UPDATE_SIG_MAX ((size_t) 16 << 10)              /* manifest.json.sig */
#define UPDATE_KEY_MAX ((size_t) 64 << 10)              /* the public key's PEM file */
#define UPDATE_TIMEOUT_S_DEFAULT 30
/* The slowest a download may come (or an upload chunk go) over any
 * timeout_s seconds: 128 kbit/s.  A 200 MB file on a link of 1 Mbit/s
 * takes 27 minutes and completes; one dripped at a few bytes a second
 * fails, and the next source is tried. */
#define UPDATE_FLOOR_BPS ((uint64_t) 16 << 10)
#define UPDATE_ECOSYSTEM_FALLBACK "Debian:12"

/* Sources may also be oci://HOST[:PORT]/REPO[:TAG] references of a DB
 * published with `portcullis db publish` (registry.h): those are tried
 * first, in order, and replace the whole DB; the http(s) sources are the
 * fallback when none of them serves. */
struct update_settings {
        const char *db_path;
        char *const *sources;           /* base URLs (http, https) or oci:// references, tried in order */
        char *const *ecosystems;        /* "Debian:12", ...; NULL: those of cache_path's images */
        const char *cache_path;         /* the verdict cache (cache.h), only read; for ecosystems NULL */
        const char *public_key;         /* a PEM public key: sources must be signed; NULL: not */
        char *const *cve_sources;       /* URLs of CVE scores (below); NULL: none */
        char *const *kev_sources;       /* mirrors of CISA's KEV catalogue, in order (below); NULL: none */
        char *const *epss_sources;      /* mirrors of FIRST's EPSS CSV (.gz), in order; NULL: none */
        const char *state_dir;          /* created if missing */
        const char *proxy;              /* NULL: libcurl's http_proxy etc. apply */
        const char *ca_file;            /* NULL: the system's CA bundle */
        unsigned timeout_s;             /* connect timeout and longest stall; 0: the default */
        unsigned max_changes;           /* 0: UPDATE_CHANGES_MAX */
        unsigned retry_delay_ms;        /* first backoff, doubled per try; 0: 500 */
        bool allow_shrink;              /* VULNDB_IMPORT_ALLOW_SHRINK (vulndb.h) */
        const char *auth_file;          /* registry credentials for oci:// sources (registry.h), or NULL */
        uint64_t max_layer;             /* an oci:// source's DB layer larger than this is refused; 0: 4 GiB */
};

enum update_event_type {
        UPDATE_EVENT_STEP,              /* message: what is done or was decided */
        UPDATE_EVENT_RETRY,             /* message: a request failed and is tried again or elsewhere */
        UPDATE_EVENT_PROGRESS,          /* done of total (0: unknown) unit for name */
        UPDATE_EVENT_SKIP,              /* a fetched record was rejected: name, message */
        UPDATE_EVENT_PART_LEFT_OUT,     /* a part of a fetched record was, the record kept: name, message */
        _UPDATE_EVENT_MAX,
        _UPDATE_EVENT_INVALID = -EINVAL,
};

struct update_event {
        enum update_event_type type;
        const char *ecosystem;          /* or NULL */
        const char *name;               /* the URL or record concerned, or NULL */
        const char *message;
        uint64_t done, total;
        const char *unit;               /* "B" or "records" */
};
/* Called in the caller's thread, except SKIP and PART_LEFT_OUT, which come
 * from the import's reader thread while the calling thread waits in the
 * import. */
typedef void (*update_report_fn)(const struct update_event *ev, void *userdata);

enum update_mode {
        UPDATE_UNCHANGED,
        UPDATE_INCREMENTAL,
        UPDATE_FULL,
        _UPDATE_MODE_MAX,
        _UPDATE_MODE_INVALID = -EINVAL,
};
const char *update_mode_to_string(enum update_mode m);

struct update_result {
        bool changed;                           /* the database file was replaced */
        unsigned modes[_UPDATE_MODE_MAX];       /* how many ecosystems went which way */
        unsigned absent;                        /* optional ecosystems no source has (left out) */
        uint64_t fetched;                       /* records fetched one by one */
        struct vulndb_import_stats stats;       /* of the import, when changed */
        char revision[80];                      /* the database's revision now */
        char oci_source[1024];                  /* the oci:// source that served, or "" */
        unsigned feeds_failed;                  /* 1 << VULNDB_FEED_*: none of its mirrors served it */
};

/* On failure the message says what failed (the URL, the file) and that the
 * previous database is unchanged. */
int update_run(const struct update_settings *s, update_report_fn report, void *userdata,
               struct update_result *ret, struct error *err);

/* The OSV ecosystems of the images the hook has seen (each stored
 * inventory's OS's and packages', in the verdict cache at path), pushed
 * onto *names: what an update without update.ecosystems fetches.  A
 * missing or empty cache has none and is not created.  0, or a negative
 * errno with err. */
int update_cache_ecosystems(const char *path, char ***names, struct error *err);

/* The record of runs, <state_dir>/run.json, for `db status`, `doctor` and
 * `metrics`: every run (oci:// or http(s)) writes it, atomically, when it
 * starts (its time and pid) and when it ends (its outcome), so that a run
 * killed on the way (systemd's TimeoutStartSec, SIGKILL, the OOM killer)
 * leaves a start without an end, whose process is gone: it no longer holds
 * the state folder's lock. */
#define UPDATE_RECORD_FILE "run.json"
#define UPDATE_RECORD_MAX ((size_t) 64 << 10)
/* What a killed run is said with: who kills it, and where to look. */
#define UPDATE_KILLED_NOTE "was killed before it ended (systemd stops portcullis-update.service after its " \
        "TimeoutStartSec=, 1 h as shipped; or SIGKILL, or the OOM killer: journalctl -u " \
        "portcullis-update.service says which)"
/* A run that ended this long after the last success, or no success at
 * all, is said by doctor: the timer runs every 6 h (randomized by up to
 * 1 h), so 24 h is three runs or more in a row that failed or did not run. */
#define UPDATE_SUCCESS_MAX_AGE_S (24 * 3600)

/* A KEV or EPSS feed in the record of runs (run.json "feeds", by
 * update_feed_key()): a run whose mirrors of it all failed still succeeds
 * (the database keeps that data), so this is where it is seen. */
struct update_feed_run {
        bool known;             /* a run fetched it (update.kev_sources, epss_sources) */
        int64_t checked;        /* when a run last tried its mirrors */
        int64_t last_success;   /* when one last served it (new or unchanged) into the database; 0: never */
        char *error;            /* why none served in the last try, naming them; NULL: one did */
};

struct update_run_info {
        int64_t started;        /* the last run's start, UTC seconds */
        int64_t ended;          /* its end; 0: it did not end (running, or killed) */
        long long pid;          /* its process */
        bool killed;            /* it did not end, and its process is gone */
        char *error;            /* why it failed; NULL: it succeeded (or did not end) */
        int64_t last_success;   /* the end of the last run that succeeded; 0: none */
        struct update_feed_run feeds[_VULNDB_FEED_MAX];         /* by enum vulndb_feed */
};
/* Seconds since the epoch as "YYYY-MM-DDTHH:MM:SSZ" (run.json's times). */
void update_format_time(int64_t s, char ret[32]);
/* "kev", "epss": the keys of run.json and state.json, the metrics' label;
 * and "CISA KEV", "EPSS" in messages. */
const char *update_feed_key(enum vulndb_feed kind);
const char *update_feed_title(enum vulndb_feed kind);
/* The last run, from run.json, else (a state folder of an earlier
 * version) from state.json's last_run; -ENOENT (err untouched) when no
 * run is recorded. */
int update_run_info_read(const char *state_dir, struct update_run_info *ret, struct error *err);
void update_run_info_done(struct update_run_info *i);
/* run.json's "feeds": {"kev": {"checked", "last_success", "error"}, ...}
 * (null for what is not known), or NULL when out of memory. */
json_t *update_feeds_json(const struct update_feed_run feeds[_VULNDB_FEED_MAX]);

/* What the state file says, for `db status`. */
struct update_state_ecosystem {
        char *name, *source, *mode, *changed, *zip_sha256, *zip_etag, *zip_last_modified, *newest;
        long long manifest_serial;      /* of the signed manifest installed last; -1: none */
        char *manifest_created, *manifest_expires;
        size_t retry;                   /* records the last run skipped or could not fetch, fetched again by the next */
};
struct update_state_info {
        char *last_run, *last_success, *last_error, *db_revision;
        /* a run that started and did not end (run.json): "since TIME, pid
         * N", or NULL; one that was killed is the last run instead, its
         * last_error saying so */
        char *running;
        char **sources;
        struct update_state_ecosystem *ecosystems;
        size_t n_ecosystems;
        struct update_feed_run feeds[_VULNDB_FEED_MAX];         /* run.json's */
};
/* -ENOENT (err untouched) when no update ran yet (nor was killed). */
int update_state_read(const char *state_dir, struct update_state_info *ret, struct error *err);
void update_state_info_done(struct update_state_info *s);

/* `portcullis db sign`: writes <dir>/manifest.json (every regular file of
 * dir with its sha256, the serial, created and expires) and
 * <dir>/manifest.json.sig with the PEM private key at key_path.  The serial
 * must be above that of a manifest already in dir. */
struct update_sign_settings {
        const char *dir;                /* one ecosystem's folder of the mirror */
        const char *key_path;
        int64_t serial;
        const char *created;            /* RFC 3339; NULL: now */
        const char *expires;            /* RFC 3339, after created */
};
int update_sign(const struct update_sign_settings *s, size_t *ret_files, struct error *err);
