/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* The vulnerability database: one sqlite file imported from OSV records.
 * Served read-only; an import builds a new file and renames it over the old
 * one, so a reader never sees a half-written database, and vulndb_open()
 * opens the file as immutable (no locks, no journal or change checks): a
 * tool that writes into a database in place must not share it with
 * readers. */
struct vulndb;

/* 3: KEV and EPSS tables (vulndb-kev.c).  A schema 2 file is still read,
 * as one without KEV or EPSS data (VULNDB_SCHEMA_VERSION_MIN); any import
 * or update writes it anew as schema 3.
 * 4: schema 3 holding a range the import could not read (OSV_UNREADABLE,
 * osv-range.h), which builds of schema 3 before c0588f1 read as no range
 * at all: every version of the package passed, in silence, after a
 * rollback to one of them.  Every build of schema 3 refuses a file above
 * it, naming what to do (vulndb_open()), so a file holding such a range
 * says 4 (VULNDB_SCHEMA_UNREADABLE) and one without stays 3
 * (VULNDB_SCHEMA_PLAIN), read right by every build of schema 3. */
#define VULNDB_SCHEMA_VERSION 4
#define VULNDB_SCHEMA_UNREADABLE 4
#define VULNDB_SCHEMA_PLAIN 3
#define VULNDB_SCHEMA_VERSION_MIN 2
#define OSV_RECORD_MAX ((size_t) 16 * 1024 * 1024)
#define OSV_ZIP_ENTRIES_MAX 2000000

int vulndb_open(const char *path, struct vulndb **ret, struct error *err);
/* The same for the file open at fd (O_RDONLY), named path in messages: no
 * path is opened or looked up, so a process that can no longer reach path
 * (the analysis child, chrooted into an image) still reads it.  fd is
 * taken over, also on failure. */
int vulndb_open_fd(int fd, const char *path, struct vulndb **ret, struct error *err);

/* After a new database was renamed over path: what sqlite kept beside the
 * file it replaced (-wal, -shm, -journal) is removed.  The new file, written
 * without a journal, has none; a program that opened it without
 * immutable=1 (sqlite3, a backup) would apply the old file's WAL or hot
 * journal to it.  Portcullis's own readers ignore them. */
void vulndb_remove_sidecars(const char *path);

/* Whether a -wal or -journal file is beside path (or whether that can't be
 * told): then sqlite may hold more of the database than the file's bytes. */
bool vulndb_has_journal(const char *path);

void vulndb_close(struct vulndb *db);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct vulndb *, vulndb_close)

/* Called for every record that fails validation and is skipped (kept
 * false), and for every part of a record that fails it while the record is
 * kept (kept true: an alias or a severity list left out, an affected entry
 * without a readable package left out, a range kept as unreadable, whose
 * package every scan then reports not checked). */
typedef void (*vulndb_skip_fn)(const char *file, const char *reason, bool kept, void *userdata);

struct vulndb_import_stats {
        uint64_t files;         /* JSON documents read */
        uint64_t records;       /* records stored */
        uint64_t skipped;       /* records rejected (reported through skip_fn) */
        uint64_t repaired;      /* records kept without a part that failed validation (skip_fn, kept) */
        uint64_t superseded;    /* same id seen again with an older modified */
        uint64_t duplicates;    /* same id seen again with the same modified and bytes */
        uint64_t conflicts;     /* same id and modified seen again with other bytes: the first kept */
        char first_conflict[257];       /* the id of the first conflict (OSV_ID_MAX) */
        uint64_t affected;      /* affected (ecosystem, package) rows */
        uint64_t cves;          /* CVE severities from NVD / CVE JSON 5 documents */
        uint64_t kev;           /* entries of a CISA KEV catalogue imported now */
        uint64_t kev_skipped;   /* its entries skipped: no CVE id, listed twice (skip_fn) */
        uint64_t epss_skipped;  /* EPSS rows skipped: malformed, listed twice (skip_fn) */
        uint64_t replaced_records;      /* VULNDB_IMPORT_COUNT_GONE: the records of the database replaced */
        uint64_t replaced_gone;         /* and how many of their ids the new one lacks */
        uint64_t epss;          /* rows of a FIRST EPSS file imported now */
};

/* Imports OSV records from paths (a .json file, a folder of them searched
 * recursively, or a .zip of them) into db_path, and CVE scores from NVD /
 * CVE JSON 5 documents among them.  With VULNDB_IMPORT_MERGE the records
 * already in db_path are kept (newer "modified" wins); otherwise the new DB
 * holds only these records, and with VULNDB_IMPORT_KEEP_CVES the CVE scores
 * of the old DB are carried over (the updater's rebuilds from OSV archives,
 * which hold none).  The new DB is built beside db_path and renamed over it
 * in one step; importers of one db_path take turns (VULNDB_LOCK_SUFFIX),
 * so each builds on what the one before it renamed.
 *
 * An import that yields no record, or fewer than half of the records of
 * the database it replaces (in total, or in any ecosystem that database
 * covers), does not replace it: -ENODATA, db_path untouched, *ret_stats
 * filled (the skipped records were reported through skip_fn), unless
 * VULNDB_IMPORT_ALLOW_SHRINK.  So does a KEV or EPSS file that yields
 * fewer than half of the entries or scores of that kind the database
 * holds (a cut or partial copy would replace the catalogue by a sliver,
 * and block_kev or min_epss let through what it lost). */
/* Beside the database: the lock its importers take in turn. */
#define VULNDB_LOCK_SUFFIX ".lock"
#define VULNDB_IMPORT_MERGE 1u
#define VULNDB_IMPORT_KEEP_CVES 2u
#define VULNDB_IMPORT_ALLOW_SHRINK 4u
/* Without VULNDB_IMPORT_MERGE: count the ids of the database replaced that
 * the new one lacks (stats.replaced_*), for a note. */
#define VULNDB_IMPORT_COUNT_GONE 8u
int vulndb_import(const char *db_path, char *const *paths, unsigned flags, vulndb_skip_fn skip_fn, void *userdata,
                  struct vulndb_import_stats *ret_stats, struct error *err);
/* The shrink guard's rule (of the import, an OCI pull, a KEV or EPSS
 * file on db update): now is fewer than half of before. */
bool vulndb_shrinks(uint64_t now, uint64_t before);

/* Takes (waiting) the lock of db_path's writers, "<db>.lock" (an flock, so
 * a killed holder's is released): vulndb_import() holds it from its first
 * read of db_path to its rename, an OCI pull around its rename.  The lock's
 * fd, to close. */
int vulndb_lock_writers(const char *db_path, int *ret_fd, struct error *err);
/* Whether another writer holds that lock now: for a note before waiting
 * for it, which otherwise looks like a hang. */
bool vulndb_writers_busy(const char *db_path);

/* Removes the temporary databases beside db_path ("<db>.new-XXXXXX") that
 * a killed writer left (its writers hold an flock(2) on them until the
 * rename, so one nobody holds is abandoned), calling fn (may be NULL) with
 * each path removed.  The number removed. */
int vulndb_remove_abandoned(const char *db_path, void (*fn)(const char *path, void *userdata), void *userdata);

/* vulndb_import(), and the new file records when its data was published
 * (meta "data_time", RFC 3339 UTC: the oldest "created" of the signed
 * manifests it came from), which max_db_age_hours counts from instead of
 * the import time.  "" removes it; NULL keeps what a merged file had.
 * leaving (NULL or a list of canonical ecosystem names) are ecosystems the
 * caller drops on purpose: the shrink guard does not count what they lose. */
int vulndb_import_dated(const char *db_path, char *const *paths, unsigned flags, const char *data_time,
                        char *const *leaving, vulndb_skip_fn skip_fn, void *userdata,
                        struct vulndb_import_stats *ret_stats, struct error *err);

/* The database at path could not be opened (errnum): what to do, by why --
 * a missing one is made by 'db import', an unreadable one is not. */
int vulndb_open_error(struct error *err, int errnum, const char *path);

/* For the message of an import or update that failed: "the previous
 * database is unchanged", or "no database is written" when db_path holds
 * none (a first run, where "unchanged" would promise a database). */
const char *vulndb_failed_note(const char *db_path);

/* Parses and validates one OSV record (also the fuzz entry point); the
 * message of a rejection names the file and the field.  A record with a bad
 * part only is valid (vulndb_skip_fn: kept). */
int osv_validate(const char *buf, size_t len, const char *name, struct error *err);

struct vulndb_ecosystem_count {
        char *name;             /* "Debian:12" */
        uint64_t records;
};

struct vulndb_status {
        int schema_version;
        char *revision;         /* sha256 over (id, content digest) in id order */
        char *import_time;      /* RFC 3339 UTC */
        char *data_time;        /* RFC 3339 UTC (vulndb_import_dated()), or NULL */
        uint64_t records;
        uint64_t affected;
        uint64_t cve_severities;
        uint64_t unrated;       /* records no step of the severity chain rates (UNKNOWN) */
        struct vulndb_ecosystem_count *ecosystems;      /* what the DB covers, or NULL */
        size_t n_ecosystems;
        uint64_t kev;                   /* CISA KEV entries (0: none imported) */
        char *kev_catalog_version;      /* the catalogue's catalogVersion, or NULL */
        char *kev_date_released;        /* its dateReleased, or NULL */
        uint64_t epss;                  /* FIRST EPSS scores (0: none imported) */
        char *epss_score_date;          /* the file's score_date, or NULL */
        char *epss_model_version;       /* its model_version, or NULL */
};
int vulndb_get_status(struct vulndb *db, struct vulndb_status *ret, struct error *err);
void vulndb_status_done(struct vulndb_status *s);
const char *vulndb_revision(struct vulndb *db);        /* NULL when it has none */
const char *vulndb_path(struct vulndb *db);             /* as it was opened */
const char *vulndb_import_time(struct vulndb *db);     /* RFC 3339 UTC, or NULL */
const char *vulndb_data_time(struct vulndb *db);       /* RFC 3339 UTC, or NULL (vulndb_import_dated()) */

/* One affected entry for (ecosystem, package): what the matcher evaluates.
 * Entries of withdrawn records are not stored. */
struct vulndb_affected {
        int64_t record;                 /* for vulndb_get_record() */
        int64_t seq;                    /* which entry of the record, for vulndb_affected_rating() */
        const char *ranges;             /* encoded ranges (osv-range.h), or NULL */
        const char *versions;           /* encoded versions list, or NULL */
};
typedef int (*vulndb_affected_fn)(const struct vulndb_affected *a, void *userdata, struct error *err);

/* Calls fn for every affected entry of (ecosystem, package); the strings are
 * valid during the call only.  With key, the installed version's
 * version_key() (a Debian or Ubuntu package's), and a file that has the
 * index for it, only for the entries that can hold for that version: an
 * entry left out is one osv_affected_eval() would find not affected. */
int vulndb_lookup(struct vulndb *db, const char *ecosystem, const char *package, const char *key,
                  vulndb_affected_fn fn, void *userdata, struct error *err);

/* An entry's own rating, fetched only for the entries that match (most
 * don't; reading these columns for every entry cost a scan of a 200,000-
 * record DB a tenth of its time): *ret_severity its severity JSON array,
 * *ret_vendor_rating the urgency/priority/severity word and
 * *ret_vendor_source "debian", "ubuntu", "ghsa"; each may be NULL. */
int vulndb_affected_rating(struct vulndb *db, const char *ecosystem, const char *package,
                           const struct vulndb_affected *a, char **ret_severity, char **ret_vendor_rating,
                           char **ret_vendor_source, struct error *err);

/* 1 when record has an affected entry of (ecosystem, package), else 0. */
int vulndb_has_entry(struct vulndb *db, const char *ecosystem, const char *package, int64_t record,
                     struct error *err);

/* 1 when the DB holds at least one affected entry of the ecosystem, else 0:
 * a DB without any can't say that a package of it is clean. */
int vulndb_has_ecosystem(struct vulndb *db, const char *ecosystem, struct error *err);

/* The ecosystems the DB holds entries of whose names start with prefix
 * ("Red Hat:enterprise_linux:10."), in *ret (a strv in byte order, NULL
 * when none): how many, or a negative errno with err.  One index probe per
 * ecosystem found, none per entry. */
int vulndb_ecosystems_prefixed(struct vulndb *db, const char *prefix, char ***ret, struct error *err);

/* The record an entry belongs to; only fetched for entries that match, as
 * most don't.  Strings are valid until the next call. */
struct vulndb_record {
        const char *id;
        const char *aliases;            /* JSON array text, or NULL */
        const char *upstream;           /* JSON array text (OSV "upstream"), or NULL */
        const char *summary;
        const char *severity;           /* JSON array of {type, score}, or NULL */
};
int vulndb_get_record(struct vulndb *db, int64_t record, struct vulndb_record *ret, struct error *err);

/* Whether doc (a json_t) is an NVD API 2.0 or CVE JSON 5 document, what a
 * CVE source serves, as the import tells it (not an error body that is
 * JSON too). */
struct json_t;
bool vulndb_cve_document(struct json_t *doc);

/* The CVSS vectors NVD or a CVE record gives a CVE (imported from NVD API
 * 2.0 or CVE JSON 5 documents): a JSON array of {type, score} and the source
 * ("nvd", "cve5"); -ENOENT when there are none. */
int vulndb_cve_severity(struct vulndb *db, const char *cve, char **ret_severity, char **ret_source,
                        struct error *err);

/* ---- exploitation data (vulndb-kev.c) -------------------------------------
 * CISA's Known Exploited Vulnerabilities catalogue (the JSON CISA publishes:
 * {title, catalogVersion, dateReleased, count, vulnerabilities: [{cveID,
 * vendorProject, product, vulnerabilityName, dateAdded, shortDescription,
 * requiredAction, dueDate, knownRansomwareCampaignUse, notes, cwes}]}) and
 * FIRST's EPSS scores (epss_scores-YYYY-MM-DD.csv, plain or gzip: a comment
 * line "#model_version:...,score_date:...", the header "cve,epss,percentile",
 * then one row per CVE).  `db import FILE` recognises either by content; each
 * replaces the database's KEV or EPSS data and keeps the rest, and both are
 * part of the revision. */
#define KEV_FILE_MAX ((size_t) 64 << 20)
#define KEV_ENTRIES_MAX 200000
#define EPSS_FILE_MAX ((size_t) 512 << 20)      /* uncompressed */
#define EPSS_ROWS_MAX 5000000
#define EPSS_LINE_MAX 256

enum vulndb_feed {
        VULNDB_FEED_NONE,               /* not KEV or EPSS (OSV, NVD, CVE JSON 5, ...) */
        VULNDB_FEED_KEV,
        VULNDB_FEED_EPSS,
        _VULNDB_FEED_MAX,
        _VULNDB_FEED_INVALID = -EINVAL,
};
/* What a file's first bytes say it is (a gzip stream: EPSS). */
enum vulndb_feed vulndb_feed_detect(const char *buf, size_t len);

struct kev_entry {
        const char *cve;
        const char *date_added;         /* YYYY-MM-DD */
        const char *due_date;           /* or NULL */
        const char *ransomware;         /* knownRansomwareCampaignUse ("Known", "Unknown"), or NULL */
        const char *vendor, *product, *name;    /* or NULL */
};
struct kev_meta {
        char *catalog_version, *date_released;
        uint64_t count;
        uint64_t skipped;       /* entries without a CVE id */
};
void kev_meta_done(struct kev_meta *m);
typedef int (*kev_entry_fn)(const struct kev_entry *e, size_t index, void *userdata, struct error *err);
/* What an entry left out: a field (kept true: the entry is kept, the field
 * NULL, a date_added ""), or the whole entry, which has no CVE id. */
typedef void (*kev_warn_fn)(const char *msg, bool kept, void *userdata);
/* Parses and validates a catalogue; fn (may be NULL) is called per entry
 * kept, warn (may be NULL) for what an entry left out.  A catalogue that
 * can't be read as one (not JSON, no catalogVersion, dateReleased or
 * vulnerabilities array, a count that differs, more than half its entries
 * without a CVE id) is refused.  Messages name
 * the field ("vulnerabilities[3].cveID"); an error's, the file too. */
int kev_parse(const char *buf, size_t len, const char *name, struct kev_meta *ret_meta, kev_entry_fn fn,
              kev_warn_fn warn, void *userdata, struct error *err);

struct epss_meta {
        char *model_version, *score_date;       /* from the comment line, or NULL */
        uint64_t rows;
        uint64_t skipped;       /* rows that are not a CVE and two numbers within 0..1 */
};
void epss_meta_done(struct epss_meta *m);
typedef int (*epss_row_fn)(const char *cve, double epss, double percentile, size_t line, void *userdata,
                           struct error *err);
/* Parses and validates an EPSS CSV (already decompressed); fn (may be
 * NULL) is called per row kept, warn (may be NULL; kept is false) for a
 * row skipped, as a KEV entry without a CVE id is: one that is not three
 * fields, a CVE id and two numbers within 0..1.  A file that can't be read
 * as one (no header, a line too long or with a NUL, no row, more than half
 * its rows skipped) is refused.  Messages name the file and the line. */
int epss_parse(const char *buf, size_t len, const char *name, struct epss_meta *ret_meta, epss_row_fn fn,
               kev_warn_fn warn, void *userdata, struct error *err);
/* buf as is, or inflated when it is gzip, at most EPSS_FILE_MAX. */
int epss_gunzip(const char *buf, size_t len, const char *name, char **ret, size_t *ret_len, struct error *err);

/* Reads and checks a downloaded file: it must be of kind and parse.
 * *ret_date (ret_date may be NULL): its KEV dateReleased or EPSS
 * score_date, or NULL when an EPSS file names none; *ret_count (may be
 * NULL): the KEV entries with a CVE id, or the EPSS rows, it holds. */
int vulndb_feed_validate(const char *path, enum vulndb_feed kind, char **ret_date, uint64_t *ret_count,
                         struct error *err);

/* What the database knows of a CVE's exploitation: -ENOENT when nothing. */
struct vulndb_exploit {
        bool kev;
        double epss, percentile;        /* -1 when not scored */
};
int vulndb_exploit(struct vulndb *db, const char *cve, struct vulndb_exploit *ret, struct error *err);
/* Whether the database holds any KEV or EPSS data (else a lookup is moot). */
bool vulndb_has_exploit_data(struct vulndb *db);
/* Whether it holds a CISA KEV catalogue, FIRST EPSS scores: without them
 * the policy's block_kev, min_epss can't be checked. */
bool vulndb_has_kev(struct vulndb *db);
bool vulndb_has_epss(struct vulndb *db);
