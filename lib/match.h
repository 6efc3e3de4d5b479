/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "inventory.h"
#include "severity.h"

struct vulndb;

enum finding_status {
        FINDING_FIXED,          /* a fixed version exists */
        FINDING_AFFECTED,       /* no fix available */
        _FINDING_STATUS_MAX,
        _FINDING_STATUS_INVALID = -EINVAL,
};
const char *finding_status_to_string(enum finding_status s);

struct finding {
        char *id;
        char **aliases;
        char *summary;
        char *package;          /* binary package name */
        char *record_package;   /* the name the record's entry named: the package's source's (a
                                 * distribution's record) or its own (a language package's, or a
                                 * binary RPM's: ecosystem.h binary_names) */
        char *ecosystem;        /* the package's */
        char *path;             /* the file in the image the package was found in */
        char *purl;             /* the package's (inventory's) purl, or NULL: what VEX statements name */
        char *installed_version;
        char *source_name;
        char *fixed_version;    /* NULL when none */
        enum finding_status status;
        enum severity severity;
        char *severity_source;  /* "cvss_v3", "debian", "ghsa", ... or NULL */
        char *cvss_vector;      /* the vector the score came from, or NULL */
        double cvss_score;      /* -1 when none */
        int cvss_version;
        bool kev;               /* one of its CVEs (id or aliases) is in CISA's Known Exploited
                                 * Vulnerabilities catalogue */
        double epss;            /* FIRST's EPSS probability (0..1), the highest of its CVEs', -1 when none */
        double epss_percentile; /* that CVE's percentile (0..1), -1 when none */
        char *kev_cve;          /* the CVE in KEV, or NULL (also when not carried: the analysis
                                 * child's wire and the cache keep only kev) */
        char *epss_cve;         /* the CVE the EPSS figures are of, or NULL (likewise) */
        char *vex_status;       /* "not_affected" or "fixed" when a VEX statement suppresses the
                                 * finding (it is then not counted), else NULL */
        char *vex_justification;        /* the statement's justification or impact, or NULL */
        char *vex_source;       /* the VEX document that said so */
};

/* What the gate could not check, by kind (the JSON names are a contract:
 * README "scan"). */
enum unchecked_kind {
        UNCHECKED_NO_PACKAGES,          /* no package database lists anything */
        UNCHECKED_UNKNOWN_OS,           /* os-release names no release we know */
        UNCHECKED_NO_DATA,              /* the DB holds no record of the ecosystem */
        UNCHECKED_NO_COMPARATOR,        /* no version order for the ecosystem yet */
        UNCHECKED_INVALID_VERSION,      /* the ecosystem's rules reject the version */
        UNCHECKED_RECORD_ERROR,         /* a record's ranges could not be evaluated */
        UNCHECKED_INCOMPLETE,           /* a cap kept the inventory from looking at part of the rootfs */
        UNCHECKED_UNIDENTIFIED,         /* the package's name lacks what records name it by (a jar
                                         * without groupId) */
        UNCHECKED_UNKNOWN_PURL,         /* an SBOM's component whose purl maps to no ecosystem we know */
        UNCHECKED_IMAGE_MOUNT,          /* an image mounted into the container could not be checked
                                         * (the hook's; never in a stored scan) */
        _UNCHECKED_KIND_MAX,
        _UNCHECKED_KIND_INVALID = -EINVAL,
};
const char *unchecked_kind_to_string(enum unchecked_kind k);
enum unchecked_kind unchecked_kind_from_string(const char *s);

#define MATCH_UNCHECKED_MAX 50          /* listed; the rest are counted in unchecked_more */
/* The subject of an item about the image as a whole (no package database,
 * a part of it not read). */
#define UNCHECKED_SUBJECT_IMAGE "the image"
/* The most findings a reader of a scan takes (the analysis child's, the
 * cache's compact findings). */
#define SCAN_FINDINGS_MAX 1000000

struct unchecked {
        enum unchecked_kind kind;
        char *subject;                  /* "Alpine:v3.11", "sudo 1.9.5p2-r0", "the image", ... */
        char *reason;                   /* what was not checked, why, and what to do */
        size_t packages;                /* installed packages it leaves unchecked */
};

struct scan_result {
        struct finding *findings;
        size_t n_findings;
        size_t cap_findings;
        char *db_revision;
        char *db_time;          /* when the DB's data was published (signed update) or imported,
                                 * RFC 3339 UTC, or NULL */
        bool db_time_signed;    /* db_time is the signed data's (vulndb_data_time()) */
        bool db_kev, db_epss;   /* the DB matched against holds KEV, EPSS data (block_kev, min_epss) */
        size_t counts[_SEVERITY_MAX];
        size_t fixable;
        size_t suppressed;      /* findings a VEX statement suppresses (listed, not counted) */
        char **warnings;        /* records that could not be evaluated, named; what the DB lacks */
        size_t n_warnings;
        struct unchecked *unchecked;    /* never empty when something was not checked */
        size_t n_unchecked;
        size_t unchecked_more;          /* items past MATCH_UNCHECKED_MAX, not listed */
        size_t packages_unchecked;      /* packages not (fully) checked, in all */
};

/* Whether warning w names a record that could not be evaluated (each also
 * an unchecked item, said with it) rather than what the DB lacks. */
bool scan_result_warning_of_record(const char *w);

/* Appends an item (copies subject and reason); past MATCH_UNCHECKED_MAX it
 * is only counted.  Returns 0 or -ENOMEM. */
int scan_result_add_unchecked(struct scan_result *res, enum unchecked_kind kind, const char *subject,
                              size_t packages, const char *reason);
/* "Alpine:v3.11: the vulnerability database has no record ...; sudo
 * 1.9.5p2-r0: ...; and 2 more": the unchecked items in one line, for
 * block/warn messages and notes, leaving out those skip() says (skip may be
 * NULL); *ret is NULL when none is left. */
int scan_result_unchecked_line(const struct scan_result *res, bool (*skip)(const struct unchecked *u, const void *userdata),
                               const void *userdata, char **ret);

/* The ecosystems whose records hold for ecosystem's packages besides its
 * own: its streams (ecosystem_streams()), and for a minor release
 * (ecosystem_minor(): "Red Hat:enterprise_linux:10.1") every minor of its
 * release the DB holds records of but its own, which only the DB can say
 * (one query; none for any other ecosystem).  In *ret, a strv or NULL: 0,
 * or a negative errno with err. */
int match_streams(struct vulndb *db, const char *ecosystem, char ***ret, struct error *err);

/* inventory × vulndb → findings, one per (record, binary package), sorted by
 * severity (worst first), then id, then package. */
int match_inventory(struct vulndb *db, const struct inventory *inv, struct scan_result **ret, struct error *err);

/* The records of inv's packages looked up ahead: the analysis child does
 * it for the package databases' packages while the walk's lister thread
 * lists the rootfs.  match_inventory_prefetched() then takes those hits
 * instead of looking again, and its result is what match_inventory()'s
 * would be; a key whose lookup said anything (a version or record that
 * can't be evaluated, an error) is not kept, and is looked up and said
 * there.  -ENOMEM. */
struct match_prefetch;
int match_prefetch(struct vulndb *db, const struct inventory *inv, struct match_prefetch **ret);
void match_prefetch_free(struct match_prefetch *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct match_prefetch *, match_prefetch_free)
int match_inventory_prefetched(struct vulndb *db, const struct inventory *inv, struct match_prefetch *pre,
                               struct scan_result **ret, struct error *err);

/* A finding's CVEs, each once: the i-th of its ids (0 its own, then its
 * aliases, up to strv_length(f->aliases)) when that is a CVE no earlier
 * one named, else NULL. */
const char *finding_new_cve(const struct finding *f, size_t i);

/* OSV range evaluation (introduced / fixed / last_affected / limit, and the
 * exact versions list) for one affected entry; exposed for tests.
 * *ret_affected is 1 when version is affected; *ret_fixed gets the fixed
 * version that applies (or NULL). */
int match_affected(const char *ecosystem, const char *version, const char *ranges_json, const char *versions_json,
                   int *ret_affected, char **ret_fixed, struct error *err);

/* counts[], fixable and suppressed from the findings: those a VEX
 * statement suppresses are counted only in suppressed. */
void scan_result_recount(struct scan_result *res);
/* Keeps only findings whose severity bit (1 << SEVERITY_x) is in mask;
 * recounts. */
void scan_result_filter(struct scan_result *res, unsigned severity_mask);

/* Whether f names a fixed version. */
bool finding_has_fix(const struct finding *f);
/* For each finding of res, the index of the finding whose fixed version
 * fixes it: its own, when it has one; else the first of the same package
 * (name, ecosystem, installed version and file) that names a fix for one
 * of its CVEs (records of one CVE that say different fixes are findings of
 * their own: README "One vulnerability, one finding"); SIZE_MAX when none.
 * *ret has res->n_findings entries.  0 or -ENOMEM. */
int scan_result_fixed_by(const struct scan_result *res, size_t **ret);
/* The first of f's CVEs that other names too, or NULL. */
const char *finding_shared_cve(const struct finding *f, const struct finding *other);
/* "PYSEC-1 (requests 2.0.0) has no fixed version, but GHSA-x, of the same
 * CVE-1, is fixed in 2.1.0" (by: scan_result_fixed_by()'s).  -ENOMEM. */
int finding_fix_elsewhere(const struct finding *f, const struct finding *by, char **ret);
/* --ignore-unfixed: keeps the findings that have a fixed version, or
 * whose CVE another finding of the package fixes (said in res's
 * warnings); recounts.  0 or -ENOMEM. */
int scan_result_filter_unfixed(struct scan_result *res);
/* Keeps the findings of one package (its binary or source name). */
void scan_result_filter_package(struct scan_result *res, const char *name);

/* Bytes of a mount's destination kept where it names the mount: the
 * pod's author chooses it (up to PATH_MAX, control characters and all,
 * each escaped to six bytes in JSON), and the audit line holds it in five
 * notes and three unchecked items, within AUDIT_LINE_MAX. */
#define MATCH_MOUNT_DST_MAX 256
/* "image mounted at DST", DST cut at MATCH_MOUNT_DST_MAX bytes and "...". */
int scan_result_mount_name(const char *dst, char **ret);

/* An image mounted into a container at dst, its files at path on the
 * host (the hook's check_image_mount(), the recheck's add_mounts()): its
 * scan (from, NULL when there is none) joined to the container's (res),
 * from's findings moved (from keeps none), each one's path under dst
 * ("/img/var/lib/dpkg/status"), its unchecked items and warnings copied
 * after "image mounted at DST: " (scan_result_mount_name()), then res
 * sorted and counted again; with
 * no scan, an image_mount item saying why (why_not).  -ENOMEM, res then
 * holds what was joined so far. */
int scan_result_add_mount(struct scan_result *res, struct scan_result *from, const char *dst, const char *path,
                          const char *why_not);

void scan_result_free(struct scan_result *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct scan_result *, scan_result_free)
