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

#define VULNDB_SCHEMA_VERSION 2
#define OSV_RECORD_MAX ((size_t) 16 * 1024 * 1024)
#define OSV_ZIP_ENTRIES_MAX 2000000

int vulndb_open(const char *path, struct vulndb **ret, struct error *err);
void vulndb_close(struct vulndb *db);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct vulndb *, vulndb_close)

/* Called for every record that fails validation and is skipped. */
typedef void (*vulndb_skip_fn)(const char *file, const char *reason, void *userdata);

struct vulndb_import_stats {
        uint64_t files;         /* JSON documents read */
        uint64_t records;       /* records stored */
        uint64_t skipped;       /* records rejected (reported through skip_fn) */
        uint64_t superseded;    /* same id seen again with an older modified */
        uint64_t affected;      /* affected (ecosystem, package) rows */
        uint64_t cves;          /* CVE severities from NVD / CVE JSON 5 documents */
};

/* Imports OSV records from paths (a .json file, a folder of them searched
 * recursively, or a .zip of them) into db_path, and CVE scores from NVD /
 * CVE JSON 5 documents among them.  With VULNDB_IMPORT_MERGE the records
 * already in db_path are kept (newer "modified" wins); otherwise the new DB
 * holds only these records, and with VULNDB_IMPORT_KEEP_CVES the CVE scores
 * of the old DB are carried over (the updater's rebuilds from OSV archives,
 * which hold none).  The new DB is built beside db_path and renamed over it
 * in one step.
 *
 * An import that yields no record, or fewer than half of the records of
 * the database it replaces (in total, or in any ecosystem that database
 * covers), does not replace it: -ENODATA, db_path untouched, *ret_stats
 * filled (the skipped records were reported through skip_fn), unless
 * VULNDB_IMPORT_ALLOW_SHRINK. */
#define VULNDB_IMPORT_MERGE 1u
#define VULNDB_IMPORT_KEEP_CVES 2u
#define VULNDB_IMPORT_ALLOW_SHRINK 4u
int vulndb_import(const char *db_path, char *const *paths, unsigned flags, vulndb_skip_fn skip_fn, void *userdata,
                  struct vulndb_import_stats *ret_stats, struct error *err);

/* vulndb_import(), and the new file records when its data was published
 * (meta "data_time", RFC 3339 UTC: the oldest "created" of the signed
 * manifests it came from), which max_db_age_hours counts from instead of
 * the import time.  "" removes it; NULL keeps what a merged file had. */
int vulndb_import_dated(const char *db_path, char *const *paths, unsigned flags, const char *data_time,
                        vulndb_skip_fn skip_fn, void *userdata, struct vulndb_import_stats *ret_stats,
                        struct error *err);

/* Parses and validates one OSV record (also the fuzz entry point); the
 * message of a rejection names the file and the field. */
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
};
int vulndb_get_status(struct vulndb *db, struct vulndb_status *ret, struct error *err);
void vulndb_status_done(struct vulndb_status *s);
const char *vulndb_revision(struct vulndb *db);
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
 * valid during the call only. */
int vulndb_lookup(struct vulndb *db, const char *ecosystem, const char *package, vulndb_affected_fn fn,
                  void *userdata, struct error *err);

/* An entry's own rating, fetched only for the entries that match (most
 * don't; reading these columns for every entry cost a scan of a 200,000-
 * record DB a tenth of its time): *ret_severity its severity JSON array,
 * *ret_vendor_rating the urgency/priority/severity word and
 * *ret_vendor_source "debian", "ubuntu", "ghsa"; each may be NULL. */
int vulndb_affected_rating(struct vulndb *db, const char *ecosystem, const char *package,
                           const struct vulndb_affected *a, char **ret_severity, char **ret_vendor_rating,
                           char **ret_vendor_source, struct error *err);

/* 1 when the DB holds at least one affected entry of the ecosystem, else 0:
 * a DB without any can't say that a package of it is clean. */
int vulndb_has_ecosystem(struct vulndb *db, const char *ecosystem, struct error *err);

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

/* The CVSS vectors NVD or a CVE record gives a CVE (imported from NVD API
 * 2.0 or CVE JSON 5 documents): a JSON array of {type, score} and the source
 * ("nvd", "cve5"); -ENOENT when there are none. */
int vulndb_cve_severity(struct vulndb *db, const char *cve, char **ret_severity, char **ret_source,
                        struct error *err);
