/* SPDX-License-Identifier: Apache-2.0 */
/* OSV import (https://ossf.github.io/osv-schema/): records from .json files,
 * folders of them and .zip archives go into a new sqlite file in one
 * transaction, which is renamed over the old database when complete. */
#include <assert.h>
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <libgen.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "base/fileio.h"
#include "base/json-arena.h"
#include "base/json-flat.h"
#include "base/jsonutil.h"
#include "base/strutil.h"
#include "osv-range.h"
#include "ecosystem.h"
#include "vulndb-internal.h"
#include "vulndb-stage.h"
#include "base/digest.h"
#include "zip-read.h"

#define OSV_ID_MAX 256
#define IMPORT_DIR_DEPTH_MAX 16

/* A record on its way from the reader (unzip, parse, validate, digest,
 * encode) to the writer (sqlite): the two run in parallel threads, so an
 * import uses both of a small node's cores.  An item holds every value the
 * writer binds, as offsets into one text buffer; items go back to the reader
 * and are reused, so a record costs no allocation once the pipeline runs. */
#define NO_TEXT UINT32_MAX

/* values of an OSV record (V_*), or of a CVE severity (C_*) */
enum { V_ID, V_MODIFIED, V_PUBLISHED, V_WITHDRAWN, V_SUMMARY, V_ALIASES, V_UPSTREAM, V_SEVERITY, V_NAME, _V_MAX };
enum { C_CVE, C_SOURCE, C_MODIFIED, C_SEVERITY };
/* values of one affected entry */
enum { A_ECOSYSTEM, A_PACKAGE, A_PURL, A_RANGES, A_VERSIONS, A_SEVERITY, A_RATING, A_SOURCE, A_UPPER, _A_MAX };

struct item_affected {
        uint32_t v[_A_MAX];
        int64_t seq;
};

struct item {
        bool cve;
        struct strbuf text;
        uint32_t v[_V_MAX];
        struct item_affected *aff;
        size_t n_aff, cap_aff;
        char digest[65];
};

#define QUEUE_CAP 1024
#define QUEUE_BATCH 256 /* wake the writer per batch, not per record */
/* Items and documents are counted in bytes as well as in slots, so that
 * large records can't fill every slot: with the slots alone, 96 records of
 * 3 MiB made a 401 MiB import (each hand-off then waits at this much; a
 * larger record still passes, alone). */
#define QUEUE_BYTES_MAX ((size_t) 32 * 1024 * 1024)
#define ITEM_TEXT_KEEP (64 * 1024) /* a reused item keeps at most this much text */
#define FLAT_NODES_KEEP 65536 /* the reader's flat tree keeps at most this many nodes */
#define FLAT_TEXT_KEEP (1024 * 1024) /* and this much text */

struct docs;

/* What write_meta() counts in the affected table, counted by a fresh import
 * as it stages the rows (none of them left out later: no record replaced),
 * where reading them back took a serial 70-150 ms of the 200k import: the
 * records per ecosystem, and whether a range is unreadable. */
struct staged_counts {
        json_t *index;                          /* ecosystem -> its place in eco[] */
        struct {
                json_int_t records;
                int64_t last_vuln;
        } *eco;
        size_t n_eco;
        bool unreadable;
        bool failed;                            /* out of memory, or a name jansson refused: read them back */
};

struct queue {
        pthread_mutex_t mu;
        pthread_cond_t not_empty, not_full;
        struct item *items[QUEUE_CAP];
        size_t head, n;
        size_t bytes;           /* of the queued items' text */
        /* Stored items go back to the reader to be reused: glibc malloc
         * serialises frees into another thread's arena on a lock. */
        struct item *trash[QUEUE_CAP];
        size_t n_trash;
        bool done;              /* the reader finished (see reader_r) */
        bool cancel;            /* the writer failed: the reader stops */
        int reader_r;
        struct error reader_err;
};

struct importer {
        sqlite3 *db;
        sqlite3_stmt *find, *del_affected, *del_vuln, *ins_vuln, *ins_affected, *ins_cve;
        vulndb_skip_fn skip_fn;
        void *userdata;
        char *const *paths;
        const char *data_time;                  /* vulndb_import_dated() */
        char **feeds;                           /* KEV / EPSS files among the paths (vulndb-kev.c) */
        enum vulndb_feed *feed_kinds;
        size_t n_feeds;
        struct vulndb_import_stats stats;       /* files, skipped, repaired: reader; the rest: writer */
        bool staged;                            /* affected rows go to the stage first (vulndb-stage.h) */
        struct stage *stage;
        EVP_MD_CTX *records_digest;             /* staged: the revision's records (compute_revision()) */
        /* staged: records whose id is above every id stored yet (none can
         * be there), held until the end of the writer's batch and inserted
         * by one statement (flush_records()) */
        const struct item *held[QUEUE_CAP];
        size_t n_held;
        sqlite3_int64 held_rowid;               /* the first one's */
        struct strbuf max_id;
        sqlite3_stmt *ins_held;
        struct staged_counts counts;            /* staged */
        struct strbuf last_id;                  /* as they are stored, while their ids ascend */
        sqlite3_int64 last_rowid;               /* staged: the rowid given to the last record */
        uint64_t n_dropped;                     /* staged: records replaced (their rows are in temp.dropped) */
        sqlite3_int64 first_rowid;              /* merge: the first rowid of the records this import adds
                                                 * (a rowid freed by a replaced last record may be given
                                                 * again: its counts are then not taken back) */
        struct queue q;
        /* the reader's */
        struct item **spare;                    /* items to reuse */
        size_t n_spare, cap_spare;
        struct json_arena arena;                /* each document's jansson values */
        struct jf_doc flat;                     /* each record's flat tree (the fast path) */
        struct sha256_many sha;                 /* each record's digest */
        struct docs *docs;                      /* from the unzip thread to the reader */
};

/* ---- validation ---------------------------------------------------------- */

#define RFC3339_SECONDS "dddd-dd-ddTdd:dd:dd"

static bool is_rfc3339(const char *s) {
        /* YYYY-MM-DDTHH:MM:SS then fraction/zone (modified_cmp()) */
        static const char shape[] = RFC3339_SECONDS;

        for (size_t i = 0; i < STRLEN(shape); i++) {
                if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
                        return false;
        }
        return true;
}

static int check_string_array(json_t *a, const char *field, const char *name, struct error *err) {
        size_t i;
        json_t *v;

        if (!a)
                return 0;
        if (!json_is_array(a))
                return error_set(err, EINVAL, "%s: field '%s' must be an array of strings", name, field);
        json_array_foreach(a, i, v)
                if (!json_is_string(v) || !osv_text_ok(json_string_value(v)))
                        return error_set(err, EINVAL, "%s: %s[%zu] must be a string without control characters",
                                         name, field, i);
        return 0;
}

static int check_events(json_t *events, const char *name, size_t ai, size_t ri, struct error *err) {
        static const char *const kinds[] = { "introduced", "fixed", "last_affected", "limit" };
        size_t i;
        json_t *ev;

        if (!json_is_array(events) || json_array_size(events) == 0)
                return error_set(err, EINVAL, "%s: affected[%zu].ranges[%zu].events must be a non-empty array",
                                 name, ai, ri);
        json_array_foreach(events, i, ev) {
                unsigned found = 0;

                if (!json_is_object(ev))
                        return error_set(err, EINVAL, "%s: affected[%zu].ranges[%zu].events[%zu] must be an object",
                                         name, ai, ri, i);
                for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
                        json_t *v = json_object_get(ev, kinds[k]);

                        if (!v)
                                continue;
                        if (!json_is_string(v) || json_string_length(v) == 0 || !osv_text_ok(json_string_value(v)))
                                return error_set(err, EINVAL,
                                                 "%s: affected[%zu].ranges[%zu].events[%zu].%s must be a non-empty "
                                                 "string without control characters", name, ai, ri, i, kinds[k]);
                        found++;
                }
                if (found != 1)
                        return error_set(err, EINVAL,
                                         "%s: affected[%zu].ranges[%zu].events[%zu] must have exactly one of "
                                         "introduced, fixed, last_affected, limit", name, ai, ri, i);
        }
        return 0;
}

static int check_range(json_t *r, const char *name, size_t ai, size_t ri, struct error *err) {
        json_t *type = json_object_get(r, "type");

        if (!json_is_object(r) || !json_is_string(type) || !osv_text_ok(json_string_value(type)))
                return error_set(err, EINVAL, "%s: affected[%zu].ranges[%zu] needs a string 'type'", name, ai, ri);
        return check_events(json_object_get(r, "events"), name, ai, ri, err);
}

static int check_severity(json_t *sev, const char *field, const char *name, struct error *err) {
        size_t i;
        json_t *s;

        if (!sev)
                return 0;
        if (!json_is_array(sev))
                return error_set(err, EINVAL, "%s: '%s' must be an array", name, field);
        json_array_foreach(sev, i, s)
                if (!json_is_object(s) || !json_is_string(json_object_get(s, "type")) ||
                    !json_is_string(json_object_get(s, "score")))
                        return error_set(err, EINVAL, "%s: %s[%zu] needs string 'type' and 'score'", name, field, i);
        return 0;
}

/* A record is refused only when it can't be keyed or placed: no readable
 * 'id' or 'modified', a 'withdrawn' that is no time, an 'affected' that is
 * no array.  One bad part is no reason to lose the rest (under db update
 * that took a real vulnerability off the node, said only in the update's
 * log, and the gate allowed what it would block): a descriptive part (an
 * alias or upstream id, 'summary', 'published', a severity list) is left
 * out; an affected entry whose package can't be read is left out (nothing
 * could be matched to it); a range or 'versions' list that can't be read
 * is kept as unreadable (osv-range.h), so that its package is "not
 * checked" at every scan, never matched as if the range were absent.
 * Each is said through fn, and the record counted (stats.repaired). */
struct repair {
        const char *id;
        void (*fn)(const char *reason, void *userdata);        /* may be NULL */
        void *userdata;
        unsigned n;             /* parts left out or kept as unreadable */
};

/* The parts of one record said one by one; the rest are counted in one
 * line (formatting each of a million bad aliases cost seconds a record). */
#define REPAIRS_SAID_MAX 16

/* e: a check's message, "<id>: <field> ..." */
static void repair_said(struct repair *rp, const struct error *e, const char *what) {
        char reason[ERROR_MSG_MAX + 1024];

        if (++rp->n > REPAIRS_SAID_MAX || !rp->fn)
                return;
        snprintf(reason, sizeof(reason), "record %s; %s", e->msg, what);
        rp->fn(reason, rp->userdata);
}

#define LEFT_OUT "left out, the record is kept"

/* aliases, upstream: a bad entry is left out; a value that is no array,
 * whole.  The good entries go into a new array in one pass (removed one by
 * one, 2,000,000 bad aliases in a 4 MB record took minutes). */
static int repair_string_array(json_t *rec, const char *field, struct repair *rp) {
        json_t *a = json_object_get(rec, field), *kept, *v;
        struct error e = {};
        size_t i;

        if (check_string_array(a, field, rp->id, &e) == 0)
                return 0;
        if (!json_is_array(a)) {
                repair_said(rp, &e, LEFT_OUT);
                (void) json_object_del(rec, field);
                return 0;
        }
        if (!(kept = json_array()))
                return -ENOMEM;
        json_array_foreach(a, i, v) {
                if (json_is_string(v) && osv_text_ok(json_string_value(v))) {
                        if (json_array_append(kept, v) < 0) {
                                json_decref(kept);
                                return -ENOMEM;
                        }
                        continue;
                }
                (void) error_set(&e, EINVAL, "%s: %s[%zu] must be a string without control characters", rp->id,
                                 field, i);
                repair_said(rp, &e, LEFT_OUT);
        }
        return json_object_set_new(rec, field, kept) < 0 ? -ENOMEM : 0;
}

static void repair_severity(json_t *obj, const char *field, struct repair *rp) {
        struct error e = {};

        if (check_severity(json_object_get(obj, "severity"), field, rp->id, &e) == 0)
                return;
        /* whole: one vector left out of several could lower the rating */
        repair_said(rp, &e, strcmp(field, "severity") != 0
                            ? "the entry's severity list is left out (the rating then comes from the record's own "
                              "severity list, else the CVE's scores or the vendor's, else it is UNKNOWN and the "
                              "policy's unknown_as decides), the record is kept"
                            : "the severity list is left out (the rating then comes from the CVE's scores or the "
                              "vendor's, else it is UNKNOWN and the policy's unknown_as decides), the record is kept");
        (void) json_object_del(obj, "severity");
}

/* The entry's ranges, its good ones and one unreadable range that says why
 * (the first bad part, e): no version passes it, osv_affected_eval() fails
 * naming it.  One is enough, the entry is not checked whatever the others
 * say (one each took 2 KiB: a record of a million bad ranges, gigabytes). */
static int mark_unreadable(json_t *aff, size_t ai, const struct error *e, size_t skip, const char *id) {
        json_t *ranges = json_object_get(aff, "ranges"), *kept = json_array(), *r;
        char why[ERROR_MSG_MAX + 64];
        size_t ri;

        if (!kept)
                return -ENOMEM;
        json_array_foreach(ranges, ri, r)
                if (check_range(r, id, ai, ri, NULL) == 0 && json_array_append(kept, r) < 0)
                        goto fail;
        snprintf(why, sizeof(why), "%cthe feed's record is damaged: %s", OSV_UNREADABLE, e->msg + skip);
        if (json_array_append_new(kept, json_pack("{ss}", "type", why)) < 0)
                goto fail;
        return json_object_set_new(aff, "ranges", kept) < 0 ? -ENOMEM : 0;
fail:
        json_decref(kept);
        return -ENOMEM;
}

static int repair_ranges(json_t *aff, size_t ai, const char *what, struct repair *rp) {
        json_t *ranges = json_object_get(aff, "ranges"), *r;
        struct error e = {}, first = {};
        bool bad = false;
        char field[64];
        size_t skip, ri;

        if (ranges && !json_is_array(ranges)) {
                (void) error_set(&first, EINVAL, "%s: affected[%zu].ranges must be an array", rp->id, ai);
                repair_said(rp, &first, what);
                bad = true;
        }
        json_array_foreach(ranges, ri, r)
                if (check_range(r, rp->id, ai, ri, &e) < 0) {
                        repair_said(rp, &e, what);
                        if (!bad)
                                first = e;
                        bad = true;
                }
        snprintf(field, sizeof(field), "affected[%zu].versions", ai);
        if (check_string_array(json_object_get(aff, "versions"), field, rp->id, &e) < 0) {
                /* a version left out of the list would pass as not affected */
                repair_said(rp, &e, what);
                if (!bad)
                        first = e;
                bad = true;
                (void) json_object_del(aff, "versions");
        }
        if (!bad)
                return 0;
        /* the messages' "<id>: ", as error_set() writes it (printable) */
        (void) error_set(&e, EINVAL, "%s: ", rp->id);
        skip = strlen(e.msg);
        return mark_unreadable(aff, ai, &first, skip, rp->id);
}

static int repair_affected(json_t *affected, size_t ai, struct repair *rp) {
        json_t *aff = json_array_get(affected, ai), *pkg = json_object_get(aff, "package");
        char what[512];
        struct error e = {};

        if (!json_is_object(aff) || (pkg && (!json_is_object(pkg) || !json_is_string(json_object_get(pkg, "ecosystem")) ||
                                             !json_is_string(json_object_get(pkg, "name"))))) {
                (void) error_set(&e, EINVAL, "%s: affected[%zu]%s", rp->id, ai, !json_is_object(aff)
                                 ? " must be an object" : ".package needs string 'ecosystem' and 'name'");
                repair_said(rp, &e, "this entry names no package that could be matched: it is left out, the rest "
                            "of the record is kept");
                /* an entry without a package, in its place: the others keep their indexes */
                return json_array_set_new(affected, ai, json_object()) < 0 ? -ENOMEM : 0;
        }
        if (pkg)
                snprintf(what, sizeof(what), "the record is kept, and %.64s %.128s is reported not checked "
                         "(record_error; the policy's on_unchecked decides) at every scan until its source fixes "
                         "the record", json_string_value(json_object_get(pkg, "ecosystem")),
                         json_string_value(json_object_get(pkg, "name")));
        else    /* OSV allows an entry without a package (GIT ranges): it is matched to none */
                snprintf(what, sizeof(what), "the record is kept (this entry names no package)");
        if (repair_ranges(aff, ai, what, rp) < 0)
                return -ENOMEM;
        snprintf(what, sizeof(what), "affected[%zu].severity", ai);
        repair_severity(aff, what, rp);
        return 0;
}

static int osv_check(json_t *rec, const char *name, struct repair *rp, struct error *err) {
        json_t *id = json_object_get(rec, "id"), *mod = json_object_get(rec, "modified");
        json_t *affected = json_object_get(rec, "affected");
        struct error e = {};

        if (!json_is_object(rec))
                return error_set(err, EINVAL, "%s: an OSV record must be a JSON object", name);
        if (!json_is_string(id) || json_string_length(id) == 0 || json_string_length(id) > OSV_ID_MAX ||
            !osv_text_ok(json_string_value(id)))
                return error_set(err, EINVAL, "%s: field 'id' is missing or not a string of 1..%d characters "
                                 "without control characters", name, OSV_ID_MAX);
        if (!json_is_string(mod) || !is_rfc3339(json_string_value(mod)))
                return error_set(err, EINVAL, "%s: field 'modified' is missing or not an RFC 3339 time", name);
        /* Any withdrawn value takes every affected entry out of the match:
         * "" (a generator's empty field) must not pass for a time. */
        if (json_object_get(rec, "withdrawn") && !is_rfc3339(json_string_value(json_object_get(rec, "withdrawn"))))
                return error_set(err, EINVAL, "%s: field 'withdrawn' is not an RFC 3339 time; leave it out of a "
                                 "record that is not withdrawn", name);
        if (affected && !json_is_array(affected))
                return error_set(err, EINVAL, "%s: field 'affected' must be an array", name);
        rp->id = json_string_value(id);
        for (const char *const *f = (const char *const[]) { "published", "summary", NULL }; *f; f++) {
                json_t *v = json_object_get(rec, *f);

                if (v && !json_is_string(v)) {
                        (void) error_set(&e, EINVAL, "%s: field '%s' must be a string", rp->id, *f);
                        repair_said(rp, &e, LEFT_OUT);
                        (void) json_object_del(rec, *f);
                }
        }
        if (repair_string_array(rec, "aliases", rp) < 0 || repair_string_array(rec, "upstream", rp) < 0)
                return error_set(err, ENOMEM, "out of memory");
        repair_severity(rec, "severity", rp);
        for (size_t i = 0; i < json_array_size(affected); i++)
                if (repair_affected(affected, i, rp) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        if (rp->n > REPAIRS_SAID_MAX && rp->fn) {
                char more[OSV_ID_MAX + 256];

                snprintf(more, sizeof(more), "record %s: %u more parts failed validation (the first %d are said); "
                         "each was left out or kept as unreadable as those were, the record is kept", rp->id,
                         rp->n - REPAIRS_SAID_MAX, REPAIRS_SAID_MAX);
                rp->fn(more, rp->userdata);
        }
        return 0;
}

int osv_validate_record(const char *buf, size_t len, const char *name, json_t **ret_rec, struct error *err) {
        struct repair rp = {};
        json_error_t jerr;
        json_t *rec;
        int r;

        rec = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
        if (!rec)
                return error_set(err, EINVAL, "%s:%d:%d: %s", name, jerr.line, jerr.column, jerr.text);
        r = json_nul_to_soh(rec) < 0 ? error_set(err, ENOMEM, "out of memory") : osv_check(rec, name, &rp, err);
        if (r >= 0 && ret_rec)
                *ret_rec = TAKE_PTR(rec);
        json_decref(rec);
        return r;
}

int osv_validate(const char *buf, size_t len, const char *name, struct error *err) {
        return osv_validate_record(buf, len, name, NULL, err);
}

/* ---- encoding (reader) --------------------------------------------------- */

static void hex(const unsigned char *md, unsigned n, char *ret) {
        static const char digits[] = "0123456789abcdef";

        for (unsigned i = 0; i < n; i++) {
                ret[2 * i] = digits[md[i] >> 4];
                ret[2 * i + 1] = digits[md[i] & 15];
        }
        ret[2 * n] = '\0';
}

/* The digest of a record is over its bytes as imported (a record inside a
 * JSON array or a CVE severity: over its compact re-encoding with sorted
 * keys, canon), so the revision changes exactly when what was imported
 * changes. */
static int digest_hex(struct importer *imp, const char *buf, size_t len, char ret[65]) {
        return sha256_many_hex(&imp->sha, buf, len, ret);
}

static int dump_to(const char *buf, size_t size, void *userdata) {
        return strbuf_append(userdata, buf, size) < 0 ? -1 : 0;
}

/* (into a buffer of ours, not json_dumps(): what jansson allocates inside
 * the reader's arena must not go to free()) */
static int digest_canon(struct importer *imp, json_t *rec, char ret[65]) {
        _cleanup_(strbuf_done) struct strbuf canon = {};

        if (json_dump_callback(rec, dump_to, &canon, JSON_COMPACT | JSON_SORT_KEYS) < 0)
                return -ENOMEM;
        return digest_hex(imp, canon.s ? canon.s : "", canon.len, ret);
}

/* Appends s (NUL-terminated) to the item's text; *ret is its offset. */
static int put_text(struct item *it, const char *s, size_t n, uint32_t *ret) {
        size_t at = it->text.len;

        if (at >= NO_TEXT - n - 1)
                return -E2BIG;
        /* strbuf_append keeps one NUL after the end; an empty value needs it
         * to count as a byte of its own */
        if (strbuf_append(&it->text, s, n) < 0 || strbuf_append(&it->text, "", 1) < 0)
                return -ENOMEM;
        *ret = (uint32_t) at;
        return 0;
}

static int put_str(struct item *it, json_t *v, uint32_t *ret) {
        *ret = NO_TEXT;
        return json_is_string(v) ? put_text(it, json_string_value(v), json_string_length(v), ret) : 0;
}

static int put_cstr(struct item *it, const char *s, uint32_t *ret) {
        *ret = NO_TEXT;
        return s ? put_text(it, s, strlen(s), ret) : 0;
}

/* v as compact JSON (jansson's encoder, straight into the item's text);
 * nothing (SQL NULL) for a missing or null value. */
static int put_json(struct item *it, json_t *v, uint32_t *ret) {
        size_t at = it->text.len;

        *ret = NO_TEXT;
        if (!v || json_is_null(v))
                return 0;
        if (json_dump_callback(v, dump_to, &it->text, JSON_COMPACT | JSON_ENCODE_ANY) < 0 ||
            strbuf_append(&it->text, "", 1) < 0)
                return -ENOMEM;
        if (it->text.len >= NO_TEXT)
                return -E2BIG;
        *ret = (uint32_t) at;
        return 0;
}

/* A ranges or versions array in osv-range.h's compact form; nothing for a
 * missing or empty one. */
static int put_encoded(struct item *it, int (*append)(json_t *, struct strbuf *), json_t *a, uint32_t *ret) {
        size_t at = it->text.len;

        *ret = NO_TEXT;
        if (json_array_size(a) == 0)
                return 0;
        if (append(a, &it->text) < 0 || strbuf_append(&it->text, "", 1) < 0)
                return -ENOMEM;
        if (it->text.len >= NO_TEXT)
                return -E2BIG;
        *ret = (uint32_t) at;
        return 0;
}

/* Whose the record's database_specific.severity is: Bitnami's vulndb
 * writes one in its own words ("Medium") for its entries, GHSA for the
 * others. */
static const char *db_specific_source(const char *ecosystem) {
        const struct ecosystem *e = ecosystem_find(ecosystem);

        return e && e->kind == VERSION_BITNAMI ? "bitnami" : "ghsa";
}

/* The vendor's own rating for an affected entry: Debian urgency in
 * ecosystem_specific (osv.dev's Debian converter), Ubuntu priority as a
 * severity of type "Ubuntu", GHSA's (or Bitnami's) database_specific.severity. */
static void vendor_rating(json_t *rec, json_t *aff, const char **ret_rating, const char **ret_source) {
        json_t *v, *s;
        size_t i;

        *ret_rating = *ret_source = NULL;
        v = json_object_get(json_object_get(aff, "ecosystem_specific"), "urgency");
        if (!json_is_string(v))
                v = json_object_get(json_object_get(aff, "database_specific"), "urgency");
        if (json_is_string(v)) {
                *ret_rating = json_string_value(v);
                *ret_source = "debian";
                return;
        }
        json_array_foreach(json_object_get(rec, "severity"), i, s)
                if (strcaseeq(strempty(json_string_value(json_object_get(s, "type"))), "Ubuntu")) {
                        *ret_rating = json_string_value(json_object_get(s, "score"));
                        *ret_source = "ubuntu";
                        return;
                }
        v = json_object_get(json_object_get(rec, "database_specific"), "severity");
        if (json_is_string(v)) {
                *ret_rating = json_string_value(v);
                *ret_source = db_specific_source(json_string_value(
                        json_object_get(json_object_get(aff, "package"), "ecosystem")));
        }
}

/* The entry's upper bound for the lookup's index (osv_affected_upper()),
 * from its ranges and versions as put; nothing (NULL) when it has none. */
static int put_upper(struct item *it, const struct ecosystem *eco, struct item_affected *a) {
        char key[VERSION_KEY_MAX];
        int n;

        a->v[A_UPPER] = NO_TEXT;
        if (!eco || (a->v[A_RANGES] == NO_TEXT && a->v[A_VERSIONS] == NO_TEXT))
                return 0;
        n = osv_affected_upper(eco->kind, a->v[A_RANGES] == NO_TEXT ? NULL : it->text.s + a->v[A_RANGES],
                               a->v[A_VERSIONS] == NO_TEXT ? NULL : it->text.s + a->v[A_VERSIONS], key, sizeof(key));
        return n > 0 ? put_text(it, key, (size_t) n, &a->v[A_UPPER]) : 0;
}

/* An entry's ecosystem and package as inventories name them, for the
 * lookup, which is exact: the ecosystem as the table spells it ("pypi" or
 * "debian:12" in a record matched every comparator and normalization but
 * never an installed package, in silence: "PyPI", "Debian:12"), the name
 * as the ecosystem normalizes it (PEP 503 for PyPI).  ecosystem_find()
 * matched the name's bytes without regard to case: same length. */
static void canonical_names(struct item *it, const struct ecosystem *eco, const struct item_affected *a) {
        if (!eco)
                return;
        memcpy(it->text.s + a->v[A_ECOSYSTEM], eco->name, strlen(eco->name));
        /* A language ecosystem's ":<registry>" ("Maven:https://maven.google.com",
         * "Packagist:https://packages.drupal.org/8") names where the package is
         * published, which nothing in an image says: stored as the ecosystem
         * alone, those records meet the jars and vendor folders they are
         * about (a distribution's ":<release>" stays: it is the lookup's). */
        if (!eco->distro)
                it->text.s[a->v[A_ECOSYSTEM] + strlen(eco->name)] = '\0';
        if (eco->normalize)
                eco->normalize(it->text.s + a->v[A_PACKAGE]);
}

static struct item_affected *item_add_affected(struct item *it) {
        if (it->n_aff == it->cap_aff) {
                size_t ncap = it->cap_aff ? it->cap_aff * 2 : 8;
                struct item_affected *a = reallocarray(it->aff, ncap, sizeof(*a));

                if (!a)
                        return NULL;
                it->aff = a;
                it->cap_aff = ncap;
        }
        return &it->aff[it->n_aff++];
}

static int encode_affected(struct item *it, json_t *rec, json_t *aff, size_t seq) {
        json_t *pkg = json_object_get(aff, "package");
        const struct ecosystem *eco = ecosystem_find(json_string_value(json_object_get(pkg, "ecosystem")));
        const char *rating, *source;
        struct item_affected *a = item_add_affected(it);
        int r;

        if (!a)
                return -ENOMEM;
        a->seq = (int64_t) seq;
        vendor_rating(rec, aff, &rating, &source);
        if ((r = put_str(it, json_object_get(pkg, "ecosystem"), &a->v[A_ECOSYSTEM])) < 0 ||
            (r = put_str(it, json_object_get(pkg, "name"), &a->v[A_PACKAGE])) < 0 ||
            (r = put_str(it, json_object_get(pkg, "purl"), &a->v[A_PURL])) < 0 ||
            (r = put_encoded(it, osv_ranges_append, json_object_get(aff, "ranges"), &a->v[A_RANGES])) < 0 ||
            (r = put_encoded(it, osv_versions_append, json_object_get(aff, "versions"), &a->v[A_VERSIONS])) < 0 ||
            (r = put_json(it, json_object_get(aff, "severity"), &a->v[A_SEVERITY])) < 0 ||
            (r = put_cstr(it, rating, &a->v[A_RATING])) < 0 ||
            (r = put_cstr(it, source, &a->v[A_SOURCE])) < 0 || (r = put_upper(it, eco, a)) < 0)
                return r;
        canonical_names(it, eco, a);
        return 0;
}

/* A validated record into it (empty). */
static int encode_record(struct item *it, json_t *rec, const char *name) {
        static const char *const strings[] = {
                [V_ID] = "id", [V_MODIFIED] = "modified", [V_PUBLISHED] = "published",
                [V_WITHDRAWN] = "withdrawn", [V_SUMMARY] = "summary",
        };
        json_t *aff;
        size_t i;
        int r;

        for (size_t k = 0; k < ELEMENTSOF(strings); k++)
                if ((r = put_str(it, json_object_get(rec, strings[k]), &it->v[k])) < 0)
                        return r;
        if ((r = put_json(it, json_object_get(rec, "aliases"), &it->v[V_ALIASES])) < 0 ||
            (r = put_json(it, json_object_get(rec, "upstream"), &it->v[V_UPSTREAM])) < 0 ||
            (r = put_json(it, json_object_get(rec, "severity"), &it->v[V_SEVERITY])) < 0 ||
            (r = put_cstr(it, name, &it->v[V_NAME])) < 0)
                return r;
        /* A withdrawn record is kept (status, history) but matches nothing. */
        if (it->v[V_WITHDRAWN] != NO_TEXT)
                return 0;
        json_array_foreach(json_object_get(rec, "affected"), i, aff) {
                if (!json_object_get(aff, "package")) /* OSV allows entries without a package (e.g. GIT only) */
                        continue;
                r = encode_affected(it, rec, aff, i);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* {"cve", "source", "modified", "severity"} from vulndb-cve.c into it. */
static int encode_cve(struct item *it, json_t *n) {
        static const char *const keys[] = { [C_CVE] = "cve", [C_SOURCE] = "source", [C_MODIFIED] = "modified" };
        int r;

        it->cve = true;
        for (size_t k = 0; k < ELEMENTSOF(keys); k++)
                if ((r = put_str(it, json_object_get(n, keys[k]), &it->v[k])) < 0)
                        return r;
        return put_json(it, json_object_get(n, "severity"), &it->v[C_SEVERITY]);
}

static void item_free(struct item *it) {
        if (!it)
                return;
        strbuf_done(&it->text);
        free(it->aff);
        free(it);
}

/* An empty item: a reused one when the writer gave some back. */
static struct item *item_get(struct importer *imp) {
        struct item *it;

        if (imp->n_spare == 0)
                return calloc(1, sizeof(struct item));
        it = imp->spare[--imp->n_spare];
        it->cve = false;
        it->n_aff = 0;
        it->text.len = 0;
        return it;
}

/* Keeps returned items for reuse, up to what the pipeline can hold. */
static void items_recycle(struct importer *imp, struct item **items, size_t n) {
        for (size_t i = 0; i < n; i++) {
                struct item *it = items[i];

                if (it->text.cap > ITEM_TEXT_KEEP) /* one huge record: don't keep its buffer */
                        strbuf_done(&it->text);
                if (imp->n_spare == imp->cap_spare) {
                        size_t ncap = imp->cap_spare ? imp->cap_spare * 2 : 256;
                        struct item **s = ncap <= 4 * QUEUE_CAP ? reallocarray(imp->spare, ncap, sizeof(*s)) : NULL;

                        if (!s) {
                                item_free(it);
                                continue;
                        }
                        imp->spare = s;
                        imp->cap_spare = ncap;
                }
                imp->spare[imp->n_spare++] = it;
        }
}

/* Reader side: hands an item to the writer, waiting while the queue is
 * full, and takes back what the writer has stored. */
static int emit(struct importer *imp, struct item *it, struct error *err) {
        struct queue *q = &imp->q;
        struct item *trash[QUEUE_CAP];
        size_t n_trash;

        pthread_mutex_lock(&q->mu);
        while ((q->n == QUEUE_CAP || q->bytes >= QUEUE_BYTES_MAX) && !q->cancel)
                pthread_cond_wait(&q->not_full, &q->mu);
        if (q->cancel) {
                pthread_mutex_unlock(&q->mu);
                item_free(it);
                return error_set(err, ECANCELED, "import cancelled");
        }
        q->items[(q->head + q->n++) % QUEUE_CAP] = it;
        q->bytes += it->text.len;
        if (q->n == QUEUE_BATCH || q->bytes >= QUEUE_BYTES_MAX)
                pthread_cond_signal(&q->not_empty);
        n_trash = q->n_trash;
        memcpy(trash, q->trash, n_trash * sizeof(*trash));
        q->n_trash = 0;
        pthread_mutex_unlock(&q->mu);
        items_recycle(imp, trash, n_trash);
        return 0;
}

/* it to the writer when its digest and encoding went well (r, 0), else the
 * message for r. */
static int emit_encoded(struct importer *imp, struct item *it, int r, const char *name, struct error *err) {
        if (r == -EIO)
                r = error_set(err, EIO, "%s: compute digest", name);
        else if (r < 0)
                r = error_set(err, -r, "%s: %s", name, r == -E2BIG ? "record too large" : "out of memory");
        if (r < 0) {
                item_free(it);
                return r;
        }
        return emit(imp, it, err);
}

/* A validated record to the writer: its digest is over buf when the record
 * is the whole document, else over its compact re-encoding with sorted keys
 * (jansson's, as the revision has always been computed). */
static int emit_record(struct importer *imp, json_t *rec, const char *buf, size_t len, const char *name,
                       struct error *err) {
        struct item *it = item_get(imp);
        int r;

        if (!it)
                return error_set(err, ENOMEM, "out of memory");
        r = buf ? digest_hex(imp, buf, len, it->digest) : digest_canon(imp, rec, it->digest);
        if (r >= 0)
                r = encode_record(it, rec, name);
        return emit_encoded(imp, it, r, name, err);
}

/* ---- the fast path: one record through json-flat.h ----------------------- */

/* A document that is one OSV record (every record of an osv.dev zip) is read
 * into a flat tree (json-flat.h: yajl's events into reused buffers), checked
 * and encoded from it into the same item as from jansson's tree above, at a
 * fraction of the cost.  Anything else goes the jansson way, which also
 * gives the messages: an array of records, an NVD or CVE document, a record
 * that fails a check, and whatever json-flat.h or jf_dump() leave to
 * jansson.  The checks below are osv_check()'s, answering only yes or no. */

static bool flat_string_array_ok(const struct jf_doc *d, const struct jf_node *a) {
        const struct jf_node *v;
        size_t i;

        if (!a)
                return true;
        if (!jf_is(a, JF_ARRAY))
                return false;
        jf_array_foreach(d, a, i, v)
                if (!jf_is(v, JF_STRING) || !osv_text_ok(v->str))
                        return false;
        return true;
}

static bool flat_events_ok(const struct jf_doc *d, const struct jf_node *events) {
        static const char *const kinds[] = { "introduced", "fixed", "last_affected", "limit" };
        const struct jf_node *ev;
        size_t i;

        if (jf_array_size(events) == 0)
                return false;
        jf_array_foreach(d, events, i, ev) {
                unsigned found = 0;

                if (!jf_is(ev, JF_OBJECT))
                        return false;
                for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
                        const struct jf_node *v = jf_get(d, ev, kinds[k]);

                        if (!v)
                                continue;
                        if (!jf_is(v, JF_STRING) || v->len == 0 || !osv_text_ok(v->str))
                                return false;
                        found++;
                }
                if (found != 1)
                        return false;
        }
        return true;
}

static bool flat_severity_ok(const struct jf_doc *d, const struct jf_node *sev) {
        const struct jf_node *s;
        size_t i;

        if (!sev)
                return true;
        if (!jf_is(sev, JF_ARRAY))
                return false;
        jf_array_foreach(d, sev, i, s)
                if (!jf_is(s, JF_OBJECT) || !jf_is(jf_get(d, s, "type"), JF_STRING) ||
                    !jf_is(jf_get(d, s, "score"), JF_STRING))
                        return false;
        return true;
}

static bool flat_affected_ok(const struct jf_doc *d, const struct jf_node *aff) {
        const struct jf_node *pkg = jf_get(d, aff, "package"), *ranges = jf_get(d, aff, "ranges"), *r;
        size_t ri;

        if (!jf_is(aff, JF_OBJECT))
                return false;
        if (pkg && (!jf_is(pkg, JF_OBJECT) || !jf_is(jf_get(d, pkg, "ecosystem"), JF_STRING) ||
                    !jf_is(jf_get(d, pkg, "name"), JF_STRING)))
                return false;
        if (ranges && !jf_is(ranges, JF_ARRAY))
                return false;
        jf_array_foreach(d, ranges, ri, r) {
                const struct jf_node *type = jf_get(d, r, "type");

                if (!jf_is(r, JF_OBJECT) || !jf_is(type, JF_STRING) || !osv_text_ok(type->str) ||
                    !flat_events_ok(d, jf_get(d, r, "events")))
                        return false;
        }
        return flat_string_array_ok(d, jf_get(d, aff, "versions")) &&
               flat_severity_ok(d, jf_get(d, aff, "severity"));
}

static bool flat_osv_ok(const struct jf_doc *d, const struct jf_node *rec) {
        const struct jf_node *id = jf_get(d, rec, "id"), *mod = jf_get(d, rec, "modified");
        const struct jf_node *affected = jf_get(d, rec, "affected"), *a;
        size_t i;

        if (!jf_is(rec, JF_OBJECT) || !jf_is(id, JF_STRING) || id->len == 0 || id->len > OSV_ID_MAX ||
            !osv_text_ok(id->str) || !jf_is(mod, JF_STRING) || !is_rfc3339(mod->str))
                return false;
        for (const char *const *f = (const char *const[]) { "published", "withdrawn", "summary", NULL }; *f; f++) {
                const struct jf_node *v = jf_get(d, rec, *f);

                if (v && !jf_is(v, JF_STRING))
                        return false;
        }
        if (jf_get(d, rec, "withdrawn") && !is_rfc3339(jf_get(d, rec, "withdrawn")->str))
                return false;
        if (!flat_string_array_ok(d, jf_get(d, rec, "aliases")) ||
            !flat_string_array_ok(d, jf_get(d, rec, "upstream")) || !flat_severity_ok(d, jf_get(d, rec, "severity")))
                return false;
        if (affected && !jf_is(affected, JF_ARRAY))
                return false;
        jf_array_foreach(d, affected, i, a)
                if (!flat_affected_ok(d, a))
                        return false;
        return true;
}

/* What cve_severity_extract() takes for an NVD or CVE JSON 5 document. */
static bool flat_is_cve(const struct jf_doc *d, const struct jf_node *doc) {
        return jf_is(jf_get(d, doc, "vulnerabilities"), JF_ARRAY) || jf_is(jf_get(d, doc, "cveMetadata"), JF_OBJECT) ||
               (jf_is(jf_get(d, doc, "metrics"), JF_OBJECT) && !jf_get(d, doc, "affected"));
}

static int flat_put_str(struct item *it, const struct jf_node *v, uint32_t *ret) {
        *ret = NO_TEXT;
        return jf_is(v, JF_STRING) ? put_text(it, v->str, v->len, ret) : 0;
}

/* put_json()'s text, or 1 when jansson must write it (jf_dump()). */
static int flat_put_json(struct item *it, const struct jf_doc *d, const struct jf_node *v, uint32_t *ret) {
        size_t at = it->text.len;
        int r;

        *ret = NO_TEXT;
        if (!v || v->type == JF_NULL)
                return 0;
        r = jf_dump(d, v, &it->text);
        if (r != 0)
                return r;
        if (strbuf_append(&it->text, "", 1) < 0)
                return -ENOMEM;
        if (it->text.len >= NO_TEXT)
                return -E2BIG;
        *ret = (uint32_t) at;
        return 0;
}

static int flat_put_encoded(struct item *it, int (*append)(const struct jf_doc *, const struct jf_node *, struct strbuf *),
                            const struct jf_doc *d, const struct jf_node *a, uint32_t *ret) {
        size_t at = it->text.len;

        *ret = NO_TEXT;
        if (jf_array_size(a) == 0)
                return 0;
        if (append(d, a, &it->text) < 0 || strbuf_append(&it->text, "", 1) < 0)
                return -ENOMEM;
        if (it->text.len >= NO_TEXT)
                return -E2BIG;
        *ret = (uint32_t) at;
        return 0;
}

/* vendor_rating() */
static void flat_vendor_rating(const struct jf_doc *d, const struct jf_node *rec, const struct jf_node *aff,
                               const char **ret_rating, const char **ret_source) {
        const struct jf_node *v, *s;
        size_t i;

        *ret_rating = *ret_source = NULL;
        v = jf_get(d, jf_get(d, aff, "ecosystem_specific"), "urgency");
        if (!jf_is(v, JF_STRING))
                v = jf_get(d, jf_get(d, aff, "database_specific"), "urgency");
        if (jf_is(v, JF_STRING)) {
                *ret_rating = v->str;
                *ret_source = "debian";
                return;
        }
        jf_array_foreach(d, jf_get(d, rec, "severity"), i, s)
                if (strcaseeq(strempty(jf_string(jf_get(d, s, "type"))), "Ubuntu")) {
                        *ret_rating = jf_string(jf_get(d, s, "score"));
                        *ret_source = "ubuntu";
                        return;
                }
        v = jf_get(d, jf_get(d, rec, "database_specific"), "severity");
        if (jf_is(v, JF_STRING)) {
                *ret_rating = v->str;
                *ret_source = db_specific_source(jf_string(jf_get(d, jf_get(d, aff, "package"), "ecosystem")));
        }
}

/* encode_affected() */
static int flat_encode_affected(struct item *it, const struct jf_doc *d, const struct jf_node *rec,
                                const struct jf_node *aff, size_t seq) {
        const struct jf_node *pkg = jf_get(d, aff, "package");
        const struct ecosystem *eco = ecosystem_find(jf_string(jf_get(d, pkg, "ecosystem")));
        struct item_affected *a = item_add_affected(it);
        const char *rating, *source;
        int r;

        if (!a)
                return -ENOMEM;
        a->seq = (int64_t) seq;
        flat_vendor_rating(d, rec, aff, &rating, &source);
        if ((r = flat_put_str(it, jf_get(d, pkg, "ecosystem"), &a->v[A_ECOSYSTEM])) < 0 ||
            (r = flat_put_str(it, jf_get(d, pkg, "name"), &a->v[A_PACKAGE])) < 0 ||
            (r = flat_put_str(it, jf_get(d, pkg, "purl"), &a->v[A_PURL])) < 0 ||
            (r = flat_put_encoded(it, osv_ranges_append_flat, d, jf_get(d, aff, "ranges"), &a->v[A_RANGES])) < 0 ||
            (r = flat_put_encoded(it, osv_versions_append_flat, d, jf_get(d, aff, "versions"),
                                  &a->v[A_VERSIONS])) < 0 ||
            (r = flat_put_json(it, d, jf_get(d, aff, "severity"), &a->v[A_SEVERITY])) != 0 ||
            (r = put_cstr(it, rating, &a->v[A_RATING])) < 0 || (r = put_cstr(it, source, &a->v[A_SOURCE])) < 0 ||
            (r = put_upper(it, eco, a)) < 0)
                return r;
        canonical_names(it, eco, a);
        return 0;
}

/* encode_record(); 1 when jansson must write a value. */
static int flat_encode_record(struct item *it, const struct jf_doc *d, const struct jf_node *rec, const char *name) {
        static const char *const strings[] = {
                [V_ID] = "id", [V_MODIFIED] = "modified", [V_PUBLISHED] = "published",
                [V_WITHDRAWN] = "withdrawn", [V_SUMMARY] = "summary",
        };
        const struct jf_node *aff;
        size_t i;
        int r;

        for (size_t k = 0; k < ELEMENTSOF(strings); k++)
                if ((r = flat_put_str(it, jf_get(d, rec, strings[k]), &it->v[k])) < 0)
                        return r;
        if ((r = flat_put_json(it, d, jf_get(d, rec, "aliases"), &it->v[V_ALIASES])) != 0 ||
            (r = flat_put_json(it, d, jf_get(d, rec, "upstream"), &it->v[V_UPSTREAM])) != 0 ||
            (r = flat_put_json(it, d, jf_get(d, rec, "severity"), &it->v[V_SEVERITY])) != 0 ||
            (r = put_cstr(it, name, &it->v[V_NAME])) < 0)
                return r;
        if (it->v[V_WITHDRAWN] != NO_TEXT)
                return 0;
        jf_array_foreach(d, jf_get(d, rec, "affected"), i, aff) {
                if (!jf_get(d, aff, "package"))
                        continue;
                r = flat_encode_affected(it, d, rec, aff, i);
                if (r != 0)
                        return r;
        }
        return 0;
}

/* 0 when the document was one record, read and sent to the writer here;
 * 1 when it is left to jansson (import_parsed()). */
static int import_flat(struct importer *imp, const char *buf, size_t len, const char *name, struct error *err) {
        const struct jf_node *rec;
        struct item *it;
        size_t i = 0;
        int r;

        /* an array of records goes to jansson without a first parse here */
        while (i < len && strchr(" \t\n\r", buf[i]) && buf[i])
                i++;
        if (i == len || buf[i] != '{')
                return 1;
        r = jf_parse(&imp->flat, buf, len);
        rec = jf_root(&imp->flat);
        if (r < 0 || !jf_is(rec, JF_OBJECT) || flat_is_cve(&imp->flat, rec) || !flat_osv_ok(&imp->flat, rec))
                r = 1;
        else if (!(it = item_get(imp)))
                r = error_set(err, ENOMEM, "out of memory");
        else {
                r = digest_hex(imp, buf, len, it->digest);
                if (r >= 0)
                        r = flat_encode_record(it, &imp->flat, rec, name);
                if (r > 0)
                        items_recycle(imp, &it, 1);
                else
                        r = emit_encoded(imp, it, r, name, err);
        }
        /* one huge document: don't keep its tree */
        if (imp->flat.cap > FLAT_NODES_KEEP || imp->flat.text_cap > FLAT_TEXT_KEEP)
                jf_doc_done(&imp->flat);
        return r;
}

/* ---- storing (writer) ---------------------------------------------------- */

static const char *text(const struct item *it, uint32_t v) {
        return v == NO_TEXT ? NULL : it->text.s + v;
}

static void bind_text(sqlite3_stmt *st, int idx, const struct item *it, uint32_t v) {
        if (v == NO_TEXT)
                sqlite3_bind_null(st, idx);
        else
                sqlite3_bind_text(st, idx, it->text.s + v, -1, SQLITE_STATIC);
}

static int step_done(struct importer *imp, sqlite3_stmt *st, const char *what, struct error *err) {
        int rc = sqlite3_step(st);

        sqlite3_reset(st);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
                return vulndb_sqlite_error(imp->db, rc, what, err);
        return 0;
}

/* A staged row of record vuln counted (struct staged_counts): the record
 * once for each of its ecosystems. */
static void count_staged(struct staged_counts *c, const struct stage_row *row) {
        const char *eco = row->text[A_ECOSYSTEM], *ranges = row->text[A_RANGES];
        json_t *at;
        size_t i;

        if (ranges && strchr(ranges, OSV_UNREADABLE))
                c->unreadable = true;
        if (!eco || c->failed)
                return;
        if (!c->index && !(c->index = json_object()))
                goto failed;
        at = json_object_get(c->index, eco);
        if (at)
                i = (size_t) json_integer_value(at);
        else {
                void *p = reallocarray(c->eco, c->n_eco + 1, sizeof(*c->eco));

                if (!p)
                        goto failed;
                c->eco = p;
                i = c->n_eco;
                if (json_object_set_new(c->index, eco, json_integer((json_int_t) i)) < 0)
                        goto failed;
                c->eco[c->n_eco++] = (typeof(*c->eco)) { 0, -1 };
        }
        if (c->eco[i].last_vuln != row->vuln) {
                c->eco[i].records++;
                c->eco[i].last_vuln = row->vuln;
        }
        return;
failed:
        c->failed = true;
}

/* ecosystem_counts()' text from them */
static int staged_ecosystems(const struct staged_counts *c, char **ret) {
        json_t *o = json_object();
        const char *eco;
        json_t *at;

        if (!o)
                return -ENOMEM;
        json_object_foreach(c->index, eco, at)
                if (json_object_set_new(o, eco, json_integer(c->eco[json_integer_value(at)].records)) < 0) {
                        json_decref(o);
                        return -ENOMEM;
                }
        *ret = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(o);
        return *ret ? 0 : -ENOMEM;
}

static void staged_counts_done(struct staged_counts *c) {
        json_decref(c->index);
        free(c->eco);
        *c = (struct staged_counts) {};
}

static int stage_affected(struct importer *imp, sqlite3_int64 rowid, const struct item *it, struct error *err) {
        static_assert(_A_MAX == STAGE_TEXTS, "an affected row's texts are the stage's");

        for (size_t i = 0; i < it->n_aff; i++) {
                struct stage_row row = { .vuln = rowid, .seq = it->aff[i].seq };
                int r;

                for (int k = 0; k < _A_MAX; k++)
                        row.text[k] = text(it, it->aff[i].v[k]);
                r = stage_add(imp->stage, &row, err);
                if (r < 0)
                        return r;
                count_staged(&imp->counts, &row);
                imp->stats.affected++;
        }
        return 0;
}

static int store_affected(struct importer *imp, sqlite3_int64 rowid, const struct item *it, struct error *err) {
        sqlite3_stmt *st = imp->ins_affected;

        if (imp->staged)
                return stage_affected(imp, rowid, it, err);
        for (size_t i = 0; i < it->n_aff; i++) {
                const struct item_affected *a = &it->aff[i];
                int r;

                sqlite3_bind_int64(st, 1, rowid);
                for (int k = 0; k < _A_MAX; k++)
                        bind_text(st, 2 + k, it, a->v[k]);
                sqlite3_bind_int64(st, 2 + _A_MAX, a->seq);
                r = step_done(imp, st, "insert affected package", err);
                if (r < 0)
                        return r;
                imp->stats.affected++;
        }
        return 0;
}

/* Two 'modified' times (is_rfc3339(): both start with the seconds): by the
 * seconds, then by the fraction of a second (the schema's "(\.[0-9]+)?Z").
 * As text, "...:05Z" sorted after "...:05.5Z" ('Z' > '.') and ".5Z" after
 * ".51Z": a record withdrawn or fixed in a copy modified within the same
 * second lost to the older copy. */
static int modified_cmp(const char *a, const char *b) {
        int c = strncmp(a, b, STRLEN(RFC3339_SECONDS));

        if (c != 0 || strlen(a) < STRLEN(RFC3339_SECONDS) || strlen(b) < STRLEN(RFC3339_SECONDS))
                return c;
        a += STRLEN(RFC3339_SECONDS);
        b += STRLEN(RFC3339_SECONDS);
        a += *a == '.';
        b += *b == '.';
        while (isdigit((unsigned char) *a) || isdigit((unsigned char) *b)) {
                char x = isdigit((unsigned char) *a) ? *a++ : '0';
                char y = isdigit((unsigned char) *b) ? *b++ : '0';

                if (x != y)
                        return x < y ? -1 : 1;
        }
        return strcmp(a, b);
}

/* After an insert found a record with the same id: when that one is at
 * least as new, counts this copy (superseded: older; a duplicate: the same
 * 'modified' and digest; a conflict: the same 'modified', another digest,
 * whose first id is kept for the message) and returns 1; else removes
 * that one (0). */
static int supersede(struct importer *imp, const struct item *it, struct error *err) {
        sqlite3_int64 old = -1;
        int rc, cmp = 0, r;
        bool same = false;

        bind_text(imp->find, 1, it, it->v[V_ID]);
        rc = sqlite3_step(imp->find);
        if (rc == SQLITE_ROW) {
                old = sqlite3_column_int64(imp->find, 0);
                cmp = modified_cmp((const char *) sqlite3_column_text(imp->find, 1), text(it, it->v[V_MODIFIED]));
                same = streq_ptr((const char *) sqlite3_column_text(imp->find, 2), it->digest);
        }
        sqlite3_reset(imp->find);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                return vulndb_sqlite_error(imp->db, rc, "look up record", err);
        if (old < 0)
                return error_set(err, EIO, "%s: the record vanished while it was replaced", text(it, it->v[V_ID]));
        if (cmp > 0)
                imp->stats.superseded++;
        else if (cmp == 0 && same)
                imp->stats.duplicates++;
        else if (cmp == 0 && imp->stats.conflicts++ == 0)
                snprintf(imp->stats.first_conflict, sizeof(imp->stats.first_conflict), "%s", text(it, it->v[V_ID]));
        if (cmp >= 0)
                return 1;
        /* the stored copy is the one superseded: counted whichever came
         * first; one this import stored is counted no more (staged: its
         * rows are left out when the stage is copied, build() counts them) */
        imp->stats.superseded++;
        imp->n_dropped += imp->staged;
        imp->stats.records -= imp->staged || old >= imp->first_rowid;
        sqlite3_bind_int64(imp->del_affected, 1, old);
        r = step_done(imp, imp->del_affected, "replace record", err);
        if (r < 0)
                return r;
        if (!imp->staged && old >= imp->first_rowid)
                imp->stats.affected -= (uint64_t) sqlite3_changes(imp->db);
        sqlite3_bind_int64(imp->del_vuln, 1, old);
        return step_done(imp, imp->del_vuln, "replace record", err);
}

/* The insert does nothing when the id is there already (1 then); a staged
 * import numbers records itself, so that a replaced record's number is
 * never given again (its staged rows are told apart by it). */
static int insert_record(struct importer *imp, const struct item *it, sqlite3_int64 *ret_rowid,
                         struct error *err) {
        sqlite3_stmt *st = imp->ins_vuln;
        int r;

        for (int k = 0; k < V_NAME; k++)
                bind_text(st, 1 + k, it, it->v[k]);
        sqlite3_bind_text(st, 1 + V_NAME, it->digest, 64, SQLITE_STATIC);
        bind_text(st, 2 + V_NAME, it, it->v[V_NAME]);
        if (imp->staged)
                sqlite3_bind_int64(st, 3 + V_NAME, imp->last_rowid + 1);
        r = step_done(imp, st, "insert record", err);
        if (r < 0)
                return r;
        if (sqlite3_changes(imp->db) == 0)
                return 1;
        *ret_rowid = imp->staged ? ++imp->last_rowid : sqlite3_last_insert_rowid(imp->db);
        return 0;
}

/* The revision's part of the records (compute_revision()), taken as a
 * fresh import stores them while their ids come in ascending order, as
 * osv.dev's archives (sorted by name) give them: then they are the vuln
 * table's rows in its id order, and reading them back at the end (100 ms
 * for 200,000 records here) is not needed.  Any other order, or an id
 * seen twice, leaves that to compute_revision(). */
static void digest_record(struct importer *imp, const struct item *it) {
        const char *id = text(it, it->v[V_ID]);

        if (!imp->records_digest)
                return;
        if (!id || (imp->last_id.s && strcmp(id, imp->last_id.s) <= 0))
                goto give_up;
        imp->last_id.len = 0;
        if (strbuf_puts(&imp->last_id, id) < 0 || EVP_DigestUpdate(imp->records_digest, id, strlen(id)) != 1 ||
            EVP_DigestUpdate(imp->records_digest, "\t", 1) != 1 ||
            EVP_DigestUpdate(imp->records_digest, it->digest, 64) != 1 ||
            EVP_DigestUpdate(imp->records_digest, "\n", 1) != 1)
                goto give_up;
        return;
give_up:
        EVP_MD_CTX_free(imp->records_digest);
        imp->records_digest = NULL;
}

/* ---- records held, then inserted by one statement ----------------------- */

/* A statement step per record cost about twice what a step of
 * "INSERT INTO vuln SELECT ... FROM import_records" costs per row: the
 * eponymous virtual table "import_records" gives the records held
 * (struct importer's held[]) to that statement, numbered from held_rowid. */
struct held_cursor {
        sqlite3_vtab_cursor base;
        size_t i;
};

static int held_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **ret,
                        char **ret_err) {
        return import_vtab_connect(db, aux, "CREATE TABLE x (num INTEGER, id TEXT, modified TEXT, published TEXT,"
                                            " withdrawn TEXT, summary TEXT, aliases TEXT, upstream TEXT,"
                                            " severity TEXT, digest TEXT, source TEXT)", ret);
}

static int held_best_index(sqlite3_vtab *vt, sqlite3_index_info *info) {
        info->estimatedCost = 1000;
        return SQLITE_OK;
}

static int held_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **ret) {
        return import_vtab_cursor(sizeof(struct held_cursor), ret);
}

static int held_close(sqlite3_vtab_cursor *c) {
        sqlite3_free(c);
        return SQLITE_OK;
}

static int held_filter(sqlite3_vtab_cursor *c, int idx, const char *idx_str, int argc, sqlite3_value **argv) {
        ((struct held_cursor *) c)->i = 0;
        return SQLITE_OK;
}

static int held_next(sqlite3_vtab_cursor *c) {
        ((struct held_cursor *) c)->i++;
        return SQLITE_OK;
}

static int held_eof(sqlite3_vtab_cursor *c) {
        return ((struct held_cursor *) c)->i >= ((const struct importer *) import_vtab_aux(c->pVtab))->n_held;
}

/* the columns of insert_record()'s statement, the record's number first */
static int held_column(sqlite3_vtab_cursor *c, sqlite3_context *ctx, int col) {
        const struct importer *imp = import_vtab_aux(c->pVtab);
        size_t i = ((struct held_cursor *) c)->i;
        const struct item *it = imp->held[i];
        const char *v;

        if (col == 0) {
                sqlite3_result_int64(ctx, imp->held_rowid + (sqlite3_int64) i);
                return SQLITE_OK;
        }
        v = col == 1 + V_NAME ? it->digest : text(it, it->v[col == 2 + V_NAME ? V_NAME : col - 1]);
        if (v)  /* the item stays until the writer's batch is stored */
                sqlite3_result_text(ctx, v, -1, SQLITE_STATIC);
        else
                sqlite3_result_null(ctx);
        return SQLITE_OK;
}

static int held_rowid(sqlite3_vtab_cursor *c, sqlite3_int64 *ret) {
        *ret = (sqlite3_int64) ((struct held_cursor *) c)->i;
        return SQLITE_OK;
}

static int held_register(struct importer *imp, struct error *err) {
        static const sqlite3_module module = {
                .xConnect = held_connect,
                .xBestIndex = held_best_index,
                .xDisconnect = import_vtab_disconnect,
                .xOpen = held_open,
                .xClose = held_close,
                .xFilter = held_filter,
                .xNext = held_next,
                .xEof = held_eof,
                .xColumn = held_column,
                .xRowid = held_rowid,
        };
        int rc = sqlite3_create_module(imp->db, "import_records", &module, imp);

        if (rc == SQLITE_OK)
                rc = sqlite3_prepare_v3(imp->db, "INSERT INTO vuln (rowid, id, modified, published, withdrawn, summary,"
                                        " aliases, upstream, severity, digest, source) SELECT * FROM import_records",
                                        -1, SQLITE_PREPARE_PERSISTENT, &imp->ins_held, NULL);
        return rc == SQLITE_OK ? 0 : vulndb_sqlite_error(imp->db, rc, "prepare import", err);
}

/* The records held so far into the vuln table (a unique id each, so
 * nothing there to conflict with: a conflict would fail the import). */
static int flush_records(struct importer *imp, struct error *err) {
        int r;

        if (imp->n_held == 0)
                return 0;
        r = step_done(imp, imp->ins_held, "insert record", err);
        imp->n_held = 0;
        return r;
}

/* A record of a fresh import whose id is above every id stored yet. */
static bool may_hold(const struct importer *imp, const struct item *it) {
        const char *id = text(it, it->v[V_ID]);

        return imp->ins_held && id && (!imp->max_id.s || strcmp(id, imp->max_id.s) > 0);
}

static int note_max_id(struct importer *imp, const struct item *it) {
        const char *id = text(it, it->v[V_ID]);

        if (!id || (imp->max_id.s && strcmp(id, imp->max_id.s) <= 0))
                return 0;
        imp->max_id.len = 0;
        return strbuf_puts(&imp->max_id, id);
}

static int hold_record(struct importer *imp, const struct item *it, struct error *err) {
        if (note_max_id(imp, it) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (imp->n_held == 0)
                imp->held_rowid = imp->last_rowid + 1;
        imp->held[imp->n_held++] = it;
        imp->stats.records++;
        digest_record(imp, it);
        return store_affected(imp, ++imp->last_rowid, it, err);
}

static int store_record(struct importer *imp, const struct item *it, struct error *err) {
        sqlite3_int64 rowid = 0;
        int r;

        if (may_hold(imp, it))
                return hold_record(imp, it, err);
        if ((r = flush_records(imp, err)) < 0)
                return r;
        r = insert_record(imp, it, &rowid, err);
        if (r > 0) {
                EVP_MD_CTX_free(imp->records_digest);   /* an id seen again */
                imp->records_digest = NULL;
                r = supersede(imp, it, err);
                if (r > 0)
                        return 0;
                if (r == 0 && (r = insert_record(imp, it, &rowid, err)) > 0)
                        r = error_set(err, EIO, "%s: the replaced record is still there", text(it, it->v[V_ID]));
        }
        if (r < 0)
                return r;
        if (imp->ins_held && note_max_id(imp, it) < 0)
                return error_set(err, ENOMEM, "out of memory");
        imp->stats.records++;
        digest_record(imp, it);
        return store_affected(imp, rowid, it, err);
}

/* The newest score of a CVE wins, from whichever source. */
static int store_cve(struct importer *imp, const struct item *it, struct error *err) {
        sqlite3_stmt *st = imp->ins_cve;
        int r;

        for (int k = C_CVE; k <= C_SEVERITY; k++)
                bind_text(st, 1 + k, it, it->v[k]);
        r = step_done(imp, st, "store a CVE severity", err);
        if (r >= 0)
                imp->stats.cves++;
        return r;
}

static int store_item(struct importer *imp, const struct item *it, struct error *err) {
        int r;

        if (!it->cve)
                return store_record(imp, it, err);
        if ((r = flush_records(imp, err)) < 0)
                return r;
        return store_cve(imp, it, err);
}

/* ---- documents (reader) -------------------------------------------------- */

static void say_skip(struct importer *imp, const char *name, const char *reason, bool kept) {
        if (imp->skip_fn) {
                /* the callback may keep JSON values it builds */
                struct json_arena *a = json_arena_suspend();

                imp->skip_fn(name, reason, kept, imp->userdata);
                json_arena_resume(a);
        }
}

static void skip(struct importer *imp, const char *name, const char *reason) {
        imp->stats.skipped++;
        say_skip(imp, name, reason, false);
}

struct part_said {
        struct importer *imp;
        const char *name;
};

/* A part of a record left out or kept as unreadable (struct repair). */
static void on_repair(const char *reason, void *userdata) {
        struct part_said *p = userdata;

        say_skip(p->imp, p->name, reason, true);
}

/* osv_check() on a record of name, its repairs said and counted. */
static int check_record(struct importer *imp, json_t *rec, const char *name, struct error *err) {
        struct repair rp = { .fn = on_repair, .userdata = &(struct part_said) { .imp = imp, .name = name } };
        int r = osv_check(rec, name, &rp, err);

        if (r >= 0 && rp.n > 0)
                imp->stats.repaired++;
        return r;
}

struct cve_emit {
        struct importer *imp;
        const char *name;
        struct error *err;
};

static int emit_cve(json_t *norm, void *userdata) {
        struct cve_emit *c = userdata;
        struct item *it = item_get(c->imp);
        int r;

        /* no digest: the revision covers a CVE's stored values (compute_revision()) */
        if (!it)
                r = error_set(c->err, ENOMEM, "out of memory");
        else if ((r = encode_cve(it, norm)) < 0) {
                item_free(it);
                r = error_set(c->err, -r, "%s: %s", c->name, r == -E2BIG ? "record too large" : "out of memory");
        } else
                r = emit(c->imp, it, c->err);
        json_decref(norm);
        return r;
}

/* One JSON document: a record, an array of records, or an NVD or CVE JSON 5
 * document.  It is parsed by jansson, encoded into items and freed before
 * the next one is read, so memory holds one document at a time.  A record
 * that fails validation is reported and skipped; only database errors
 * abort. */
static int import_parsed(struct importer *imp, const char *buf, size_t len, const char *name,
                         struct error *err) {
        _cleanup_(json_decrefp) json_t *doc = NULL;
        struct error verr = {};
        json_error_t jerr;
        json_t *rec;
        size_t i;
        int r;

        /* a "\u0000" is a control character in its string, said where the
         * record checks strings, not a whole document that is not JSON */
        doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
        if (doc && json_nul_to_soh(doc) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (!doc) {
                char reason[512];

                snprintf(reason, sizeof(reason), "not valid JSON at line %d, column %d: %s", jerr.line,
                         jerr.column, jerr.text);
                skip(imp, name, reason);
                return 0;
        }
        r = cve_severity_extract(doc, emit_cve, &(struct cve_emit) { .imp = imp, .name = name, .err = err });
        if (r != 0)
                return r < 0 ? r : 0;
        if (!json_is_array(doc)) {
                if (check_record(imp, doc, name, &verr) < 0) {
                        if (verr.code == -ENOMEM)
                                return error_set(err, ENOMEM, "out of memory");
                        skip(imp, name, verr.msg + strlen(name) + 2);
                        return 0;
                }
                return emit_record(imp, doc, buf, len, name, err);
        }
        json_array_foreach(doc, i, rec) {
                char elem[4200];

                snprintf(elem, sizeof(elem), "%s[%zu]", name, i);
                verr = (struct error) {};
                if (check_record(imp, rec, elem, &verr) < 0) {
                        if (verr.code == -ENOMEM)
                                return error_set(err, ENOMEM, "out of memory");
                        skip(imp, elem, verr.msg + strlen(elem) + 2);
                        continue;
                }
                r = emit_record(imp, rec, NULL, 0, elem, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A record goes the fast way when it can (import_flat()); else the
 * document's jansson values come from the reader's arena (json-arena.h),
 * all given back at once when it is done. */
static int import_document(struct importer *imp, const char *buf, size_t len, const char *name,
                           struct error *err) {
        int r;

        imp->stats.files++;
        r = import_flat(imp, buf, len, name, err);
        if (r <= 0)
                return r;
        json_arena_begin(&imp->arena);
        r = import_parsed(imp, buf, len, name, err);
        json_arena_end(&imp->arena);
        return r;
}

/* ---- documents from the unzip thread to the parse thread ----------------- */

/* Inflating entries and parsing them take about as long each: the unzip
 * thread (files, folders, zip archives) hands documents to the reader
 * thread (parse, check, digest, encode) through a ring of slots whose
 * buffers are reused, so that both of a small node's cores work while the
 * writer stores.  What the unzip thread finds wrong goes through the ring
 * too, so skip messages and errors come in the same order as if one
 * thread did both. */
#define DOCS_CAP 256
#define DOCS_BATCH 64 /* wake the reader per batch, not per document */
#define DOCS_BYTES_MAX ((size_t) 32 * 1024 * 1024) /* as QUEUE_BYTES_MAX */
#define DOC_NAME_MAX 4200
#define DOC_BUF_KEEP (64 * 1024) /* a slot keeps at most this much buffer */

struct doc {
        char *buf;              /* the document, or why it is skipped */
        size_t len, cap;
        bool skip;
        char name[DOC_NAME_MAX];
};

struct docs {
        pthread_mutex_t mu;
        pthread_cond_t not_empty, not_full;
        struct doc slot[DOCS_CAP];
        size_t head, n;         /* slots head.. (n of them) are the reader's */
        size_t bytes;           /* their documents' */
        bool done;              /* the unzip thread finished (r, err) */
        bool cancel;            /* the reader failed: the unzip thread stops */
        int r;
        struct error err;
};

/* Unzip side: the next free slot, waiting while the ring is full; NULL
 * when the reader gave up. */
static struct doc *doc_next(struct importer *imp, struct error *err) {
        struct docs *q = imp->docs;
        struct doc *d;

        pthread_mutex_lock(&q->mu);
        while ((q->n == DOCS_CAP || q->bytes >= DOCS_BYTES_MAX) && !q->cancel)
                pthread_cond_wait(&q->not_full, &q->mu);
        d = q->cancel ? NULL : &q->slot[(q->head + q->n) % DOCS_CAP];
        pthread_mutex_unlock(&q->mu);
        if (!d)
                (void) error_set(err, ECANCELED, "import cancelled");
        return d;
}

/* Unzip side: the slot doc_next() gave, filled, to the reader. */
static void doc_publish(struct importer *imp) {
        struct docs *q = imp->docs;

        pthread_mutex_lock(&q->mu);
        q->bytes += q->slot[(q->head + q->n) % DOCS_CAP].len;
        if (++q->n == DOCS_BATCH || q->bytes >= DOCS_BYTES_MAX)
                pthread_cond_signal(&q->not_empty);
        pthread_mutex_unlock(&q->mu);
}

static int doc_put(struct importer *imp, const char *buf, size_t len, const char *name, bool is_skip,
                   struct error *err) {
        struct doc *d = doc_next(imp, err);

        if (!d)
                return -ECANCELED;
        if (len + 1 > d->cap) {
                char *p = realloc(d->buf, len + 1);

                if (!p)
                        return error_set(err, ENOMEM, "out of memory");
                d->buf = p;
                d->cap = len + 1;
        }
        memcpy(d->buf, buf, len);
        d->buf[len] = '\0';
        d->len = len;
        d->skip = is_skip;
        snprintf(d->name, sizeof(d->name), "%s", name);
        doc_publish(imp);
        return 0;
}

/* Unzip side: name is skipped for reason (the reader reports it, in turn). */
static int doc_skip(struct importer *imp, const char *name, const char *reason, struct error *err) {
        return doc_put(imp, reason, strlen(reason), name, true, err);
}

/* ---- sources: files, folders, zip archives ------------------------------- */

static int import_file(struct importer *imp, const char *path, struct error *err) {
        _cleanup_free_ char *buf = NULL;
        struct error ferr = {};
        size_t len;

        if (read_full_file(path, OSV_RECORD_MAX, &buf, &len, &ferr) < 0)
                return doc_skip(imp, path, ferr.msg, err);
        return doc_put(imp, buf, len, path, false, err);
}

/* "path:name" into a slot's name, cut as snprintf() would cut it (which
 * took 1% of the import's CPU, formatting 200,000 names). */
static void zip_doc_name(char dst[DOC_NAME_MAX], const char *path, size_t path_len, const char *name) {
        size_t n = path_len < DOC_NAME_MAX - 1 ? path_len : DOC_NAME_MAX - 1;

        memcpy(dst, path, n);
        if (n < DOC_NAME_MAX - 1)
                dst[n++] = ':';
        for (; n < DOC_NAME_MAX - 1 && *name; name++)
                dst[n++] = *name;
        dst[n] = '\0';
}

static int import_zip(struct importer *imp, const char *path, struct error *err) {
        _cleanup_(zip_closep) struct zip_reader *z = NULL;
        size_t path_len = strlen(path);
        struct zip_entry e;
        int r;

        /* (zip-read.h: entries in the central directory's order, each
         * inflated whole and held to the limits; nothing is extracted, so
         * names with "../" or absolute paths can't write anywhere) */
        if ((r = zip_open(path, path, "download it again", &z, err)) < 0)
                return r;
        while ((r = zip_next(z, &e, err)) > 0) {
                struct doc *d;

                if (e.dir || !endswith_nocase(e.name, ".json"))
                        continue;
                /* read straight into the reader's next slot */
                if (!(d = doc_next(imp, err)))
                        return -ECANCELED;
                zip_doc_name(d->name, path, path_len, e.name);
                d->skip = false;
                if ((r = zip_read(z, &d->buf, &d->cap, &d->len, err)) < 0)
                        break;
                doc_publish(imp);
        }
        return r;
}

static int import_path(struct importer *imp, const char *path, int depth, struct error *err);

static int import_dir(struct importer *imp, const char *path, int depth, struct error *err) {
        struct dirent **names = NULL;
        int n, r = 0;

        if (depth > IMPORT_DIR_DEPTH_MAX)
                return error_set(err, ELOOP, "%s: folders nested more than %d deep", path, IMPORT_DIR_DEPTH_MAX);
        n = scandir(path, &names, NULL, alphasort);
        if (n < 0)
                return error_set_errno(err, errno, "read folder %s", path);
        for (int i = 0; i < n; i++) {
                const char *d = names[i]->d_name;
                char sub[4096];

                if (r == 0 && d[0] != '.') {
                        snprintf(sub, sizeof(sub), "%s/%s", path, d);
                        r = import_path(imp, sub, depth + 1, err);
                }
                free(names[i]);
        }
        free(names);
        return r;
}

static int import_path(struct importer *imp, const char *path, int depth, struct error *err) {
        struct stat st;

        if ((depth == 0 ? stat(path, &st) : lstat(path, &st)) < 0)
                return error_set_errno(err, errno, "%s", path);
        if (S_ISDIR(st.st_mode))
                return import_dir(imp, path, depth, err);
        /* A PATH given that is a device, a FIFO or a socket is an error; in
         * a folder, a .json or .zip one (a symlink among them: never
         * followed there) is skipped, and said. */
        if (!S_ISREG(st.st_mode) && depth == 0)
                return error_set(err, EBADFD, "%s is not a file or a folder (a device, a FIFO or a socket); give "
                                 ".json files, folders of them or .zip archives", path);
        if (!S_ISREG(st.st_mode)) {
                if (endswith_nocase(path, ".json") || endswith_nocase(path, ".zip"))
                        skip(imp, path, S_ISLNK(st.st_mode) ? "a symlink, which is not followed in a folder; not read"
                                                            : "not a regular file; not read");
                return 0;
        }
        if (endswith_nocase(path, ".zip"))
                return import_zip(imp, path, err);
        if (endswith_nocase(path, ".json") || depth == 0)
                return import_file(imp, path, err);
        return 0;
}

/* ---- the new database file ----------------------------------------------- */

static int exec_sql(sqlite3 *db, const char *sql, struct error *err) {
        int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

        return rc == SQLITE_OK ? 0 : vulndb_sqlite_error(db, rc, "build database", err);
}

/* A fresh import stages the affected rows as they come (vulndb-stage.h:
 * sorted runs) and copies them into the clustered table in its key order at
 * the end: inserted in arrival order, every row went to a random page of a
 * table larger than the page cache.  A replaced record's rows stay staged,
 * its number goes to temp.dropped, and the copy leaves them out. */
#define STAGE_SQL "CREATE TEMP TABLE dropped (vuln INTEGER PRIMARY KEY);"
#define UNSTAGE_SQL                                                                                          \
        "INSERT INTO affected SELECT * FROM import_stage ORDER BY ecosystem, package, vuln, seq;"           \
        "DROP TABLE temp.dropped;"
#define UNSTAGE_DROPPED_SQL                                                                                  \
        "INSERT INTO affected SELECT * FROM import_stage WHERE vuln NOT IN (SELECT vuln FROM temp.dropped)"  \
        " ORDER BY ecosystem, package, vuln, seq;"                                                          \
        "DROP TABLE temp.dropped;"

static int prepare(struct importer *imp, struct error *err) {
        static const struct {
                size_t offset;
                const char *sql;
                const char *staged_sql; /* a fresh import's (STAGE_SQL) */
        } stmts[] = {
                { offsetof(struct importer, find), "SELECT rowid, modified, digest FROM vuln WHERE id = ?1" },
                { offsetof(struct importer, del_affected), "DELETE FROM affected WHERE vuln = ?1",
                  "INSERT OR IGNORE INTO temp.dropped (vuln) VALUES (?1)" },
                { offsetof(struct importer, del_vuln), "DELETE FROM vuln WHERE rowid = ?1" },
                { offsetof(struct importer, ins_vuln),
                  "INSERT INTO vuln (id, modified, published, withdrawn, summary, aliases, upstream, severity,"
                  " digest, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                  " ON CONFLICT(id) DO NOTHING",
                  "INSERT INTO vuln (id, modified, published, withdrawn, summary, aliases, upstream, severity,"
                  " digest, source, rowid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                  " ON CONFLICT(id) DO NOTHING" },
                { offsetof(struct importer, ins_cve),
                  "INSERT INTO cve_severity (cve, source, modified, severity) VALUES (?1, ?2, ?3, ?4)"
                  " ON CONFLICT(cve) DO UPDATE SET source = excluded.source, modified = excluded.modified,"
                  " severity = excluded.severity WHERE excluded.modified IS NULL OR cve_severity.modified IS NULL"
                  " OR excluded.modified >= cve_severity.modified" },
                { offsetof(struct importer, ins_affected),      /* staged: stage_add() instead */
                  "INSERT INTO affected (vuln, ecosystem, package, purl, ranges, versions, severity,"
                  " vendor_rating, vendor_source, upper, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)" },
        };

        for (size_t i = 0; i < ELEMENTSOF(stmts); i++) {
                sqlite3_stmt **st = (sqlite3_stmt **) ((char *) imp + stmts[i].offset);
                const char *sql = imp->staged && stmts[i].staged_sql ? stmts[i].staged_sql : stmts[i].sql;
                int rc = sqlite3_prepare_v3(imp->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
                if (rc != SQLITE_OK)
                        return vulndb_sqlite_error(imp->db, rc, "prepare import", err);
        }
        return 0;
}

static void importer_done(struct importer *imp) {
        sqlite3_finalize(imp->find);
        sqlite3_finalize(imp->del_affected);
        sqlite3_finalize(imp->del_vuln);
        sqlite3_finalize(imp->ins_vuln);
        sqlite3_finalize(imp->ins_affected);
        sqlite3_finalize(imp->ins_cve);
        sqlite3_finalize(imp->ins_held);
        imp->ins_held = NULL;
        if (imp->db)
                sqlite3_close(imp->db);
        imp->db = NULL;
        stage_free(imp->stage); /* after the connection that reads it */
        imp->stage = NULL;
        EVP_MD_CTX_free(imp->records_digest);
        imp->records_digest = NULL;
        strbuf_done(&imp->last_id);
        strbuf_done(&imp->max_id);
        staged_counts_done(&imp->counts);
}

static int set_meta(sqlite3 *db, const char *key, const char *value, struct error *err) {
        sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)", -1, &st, NULL);
        if (rc == SQLITE_OK) {
                sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
                rc = sqlite3_step(st);
        }
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : vulndb_sqlite_error(db, rc, "write meta table", err);
}

int vulndb_meta_set(sqlite3 *db, const char *key, const char *value, struct error *err) {
        return set_meta(db, key, value, err);
}

/* The revision is a digest of the content: sha256 over every (id, record
 * digest) in id order, so the same records give the same revision however
 * and in whatever order they were imported.  records: that part already
 * digested (digest_record()), or NULL; it is the caller's to free. */
static int compute_revision(sqlite3 *db, EVP_MD_CTX *records, char ret[72], struct error *err) {
        EVP_MD_CTX *ctx = records ? records : EVP_MD_CTX_new();
        unsigned char md[EVP_MAX_MD_SIZE];
        sqlite3_stmt *st = NULL;
        unsigned mdlen = 0;
        int rc;

        if (!ctx)
                return -ENOMEM;
        if (!records)
                EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
        rc = records ? SQLITE_DONE : sqlite3_prepare_v2(db, "SELECT id, digest FROM vuln ORDER BY id", -1, &st, NULL);
        while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                EVP_DigestUpdate(ctx, sqlite3_column_text(st, 0), (size_t) sqlite3_column_bytes(st, 0));
                EVP_DigestUpdate(ctx, "\t", 1);
                EVP_DigestUpdate(ctx, sqlite3_column_text(st, 1), (size_t) sqlite3_column_bytes(st, 1));
                EVP_DigestUpdate(ctx, "\n", 1);
                rc = SQLITE_OK;
        }
        sqlite3_finalize(st);
        st = NULL;
        /* CVE severities change findings too, so they are part of the
         * revision (and of every cache key made from it). */
        if (rc == SQLITE_DONE)
                rc = sqlite3_prepare_v2(db, "SELECT cve, source, severity FROM cve_severity ORDER BY cve", -1, &st,
                                        NULL);
        while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                for (int i = 0; i < 3; i++) {
                        EVP_DigestUpdate(ctx, sqlite3_column_text(st, i), (size_t) sqlite3_column_bytes(st, i));
                        EVP_DigestUpdate(ctx, i < 2 ? "\t" : "\n", 1);
                }
                rc = SQLITE_OK;
        }
        sqlite3_finalize(st);
        /* so are KEV and EPSS (vulndb-kev.c: nothing when there are none) */
        if (rc == SQLITE_DONE && vulndb_feed_digest(db, ctx) < 0)
                rc = SQLITE_ERROR;
        EVP_DigestFinal_ex(ctx, md, &mdlen);
        if (!records)
                EVP_MD_CTX_free(ctx);
        if (rc != SQLITE_DONE)
                return vulndb_sqlite_error(db, rc, "compute revision", err);
        strcpy(ret, "sha256:");
        hex(md, mdlen < 32 ? mdlen : 32, ret + 7);
        return 0;
}

static int count_sql(sqlite3 *db, const char *sql, char ret[32]) {
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

        if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
                snprintf(ret, 32, "%lld", sqlite3_column_int64(st, 0));
        sqlite3_finalize(st);
        return rc == SQLITE_ROW ? 0 : -EIO;
}

/* Records per ecosystem.  The affected_vuln index holds (vuln, ecosystem,
 * ...) in that order, so a record's rows of one ecosystem are adjacent: one
 * pass over it counts each (record, ecosystem) once, where
 * COUNT(DISTINCT vuln) ... GROUP BY built a temporary b-tree of every row. */
static int ecosystem_counts(sqlite3 *db, char **ret, struct error *err) {
        _cleanup_(strbuf_done) struct strbuf prev = {};
        sqlite3_int64 prev_vuln = 0;
        sqlite3_stmt *st = NULL;
        json_t *o = json_object();
        int rc;

        rc = sqlite3_prepare_v2(db, "SELECT vuln, ecosystem FROM affected INDEXED BY affected_vuln"
                                    " ORDER BY vuln, ecosystem", -1, &st, NULL);
        while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                sqlite3_int64 vuln = sqlite3_column_int64(st, 0);
                const char *eco = (const char *) sqlite3_column_text(st, 1);
                json_t *n;

                rc = SQLITE_OK;
                if (!eco || (prev.s && vuln == prev_vuln && strcmp(prev.s, eco) == 0))
                        continue;
                prev_vuln = vuln;
                prev.len = 0;
                n = json_object_get(o, eco);
                if (strbuf_puts(&prev, eco) < 0 ||
                    (n ? json_integer_set(n, json_integer_value(n) + 1)
                       : json_object_set_new(o, eco, json_integer(1))) < 0)
                        rc = SQLITE_NOMEM;
        }
        sqlite3_finalize(st);
        *ret = rc == SQLITE_DONE ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(o);
        if (rc != SQLITE_DONE)
                return vulndb_sqlite_error(db, rc, "count ecosystems", err);
        return *ret ? 0 : -ENOMEM;
}

/* "data_time": set, removed (""), or left as the merged file had it (NULL). */
static int write_data_time(sqlite3 *db, const char *data_time, struct error *err) {
        if (!data_time)
                return 0;
        if (*data_time)
                return set_meta(db, "data_time", data_time, err);
        return exec_sql(db, "DELETE FROM meta WHERE key = 'data_time'", err);
}

/* staged: what the import counted as it staged the rows, or NULL to count
 * them in the database */
static int write_meta(sqlite3 *db, EVP_MD_CTX *records_digest, const struct staged_counts *staged,
                      const char *data_time, struct error *err) {
        _cleanup_free_ char *ecos = NULL;
        char revision[72], now[32], records[32], affected[32], cves[32], unreadable[32], schema[16];
        time_t t = time(NULL);
        struct tm tm;
        int r;

        r = compute_revision(db, records_digest, revision, err);
        if (r < 0)
                return r;
        r = staged ? staged_ecosystems(staged, &ecos) : ecosystem_counts(db, &ecos, err);
        if (r == -ENOMEM)
                return error_set(err, ENOMEM, "out of memory");
        if (r < 0)
                return r;
        if (count_sql(db, "SELECT COUNT(*) FROM vuln", records) < 0 ||
            count_sql(db, "SELECT COUNT(*) FROM affected", affected) < 0 ||
            count_sql(db, "SELECT COUNT(*) FROM cve_severity", cves) < 0)
                return vulndb_sqlite_error(db, SQLITE_ERROR, "count records", err);
        strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
        static_assert(OSV_UNREADABLE == 1, "the query below names OSV_UNREADABLE as char(1)");
        if (staged)
                snprintf(unreadable, sizeof(unreadable), "%d", staged->unreadable);
        else if (count_sql(db, "SELECT EXISTS (SELECT 1 FROM affected WHERE instr(ranges, char(1)) > 0)",
                           unreadable) < 0)
                return vulndb_sqlite_error(db, SQLITE_ERROR, "look for unreadable ranges", err);
        snprintf(schema, sizeof(schema), "%d",
                 strcmp(unreadable, "0") == 0 ? VULNDB_SCHEMA_PLAIN : VULNDB_SCHEMA_UNREADABLE);
        if ((r = set_meta(db, "schema_version", schema, err)) < 0 ||
            (r = set_meta(db, "revision", revision, err)) < 0 ||
            (r = set_meta(db, "import_time", now, err)) < 0 ||
            (r = set_meta(db, "records", records, err)) < 0 ||
            (r = set_meta(db, "affected", affected, err)) < 0 ||
            (r = set_meta(db, "cve_severities", cves, err)) < 0 ||
            (r = set_meta(db, "ecosystems", ecos, err)) < 0 ||
            (r = set_meta(db, VULNDB_UPPER_META, VULNDB_UPPER_VERSION, err)) < 0 ||
            (r = write_data_time(db, data_time, err)) < 0)
                return r;
        return 0;
}

/* A merge starts from a copy of the database it replaces.  Portcullis
 * never writes a database in place (a new file is renamed over it), so the
 * file's bytes are the whole database: copied by the kernel
 * (copy_file_range(), which shares extents where the file system can),
 * not page by page through sqlite (bench/run.py's 87 MB database: 33-144
 * ms against 313-356).  1 when copied; 0 when sqlite must copy it
 * (copy_existing()): none there, a file sqlite may hold more of than its
 * bytes (a -wal or -journal beside it, WAL mode in its header: another
 * program wrote it), or no such copy between these file systems. */
static int copy_existing_file(const char *path, int dst, struct error *err) {
        _cleanup_close_ int src = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        unsigned char header[100];
        loff_t in = 0, out = 0;
        struct stat st;

        if (src < 0 || fstat(src, &st) < 0 || !S_ISREG(st.st_mode) ||
            pread(src, header, sizeof(header), 0) != (ssize_t) sizeof(header) ||
            memcmp(header, "SQLite format 3", 16) != 0 || header[18] != 1 || header[19] != 1 ||
            vulndb_has_journal(path))
                return 0;
        while (in < st.st_size) {
                ssize_t n = copy_file_range(src, &in, dst, &out, (size_t) (st.st_size - in), 0);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)     /* no such copy here (or the file shrank): sqlite's, from the start */
                        return ftruncate(dst, 0) < 0 ? error_set_errno(err, errno, "copy existing database %s",
                                                                       path) : 0;
        }
        return 1;
}

static int copy_existing(sqlite3 *dst, const char *path, struct error *err) {
        sqlite3 *src = NULL;
        sqlite3_backup *b;
        int rc;

        if (access(path, F_OK) < 0)
                return 0;
        rc = sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL);
        if (rc == SQLITE_OK) {
                b = sqlite3_backup_init(dst, "main", src, "main");
                if (!b)
                        rc = sqlite3_errcode(dst);
                else {
                        rc = sqlite3_backup_step(b, -1);
                        sqlite3_backup_finish(b);
                }
        }
        sqlite3_close(src);
        if (rc != SQLITE_DONE && rc != SQLITE_OK)
                return error_set(err, EIO, "copy existing database %s: %s", path, sqlite3_errstr(rc));
        return 0;
}

/* A merge into a file an older Portcullis wrote: the affected table
 * without its upper column, which the rows already there leave NULL. */
static int add_upper_column(sqlite3 *db, struct error *err) {
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info('affected') WHERE name = 'upper'", -1, &st,
                                    NULL);

        if (rc == SQLITE_OK)
                rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc == SQLITE_ROW)
                return 0;
        if (rc != SQLITE_DONE)
                return vulndb_sqlite_error(db, rc, "read the affected table's columns", err);
        return exec_sql(db, "ALTER TABLE affected ADD COLUMN upper TEXT", err);
}

static int fsync_path(const char *path, int flags) {
        _cleanup_close_ int fd = open(path, flags | O_CLOEXEC);

        if (fd < 0 || fsync(fd) < 0)
                return -errno;
        return 0;
}

static void *unzip_main(void *userdata) {
        struct importer *imp = userdata;
        struct docs *q = imp->docs;
        struct error err = {};
        int r = 0;

        for (char *const *p = imp->paths; r >= 0 && *p; p++)
                r = import_path(imp, *p, 0, &err);
        pthread_mutex_lock(&q->mu);
        q->done = true;
        q->r = r;
        q->err = err;
        pthread_cond_signal(&q->not_empty);
        pthread_mutex_unlock(&q->mu);
        return NULL;
}

/* Reader side: every document the unzip thread queues, in order; then its
 * result.  It takes at most half the ring at a time, so that the unzip
 * thread fills the other half meanwhile (taking it all, the two threads
 * took turns: 7,700 sleeps of the reader for 200,000 documents, each
 * wake-up on the VM's idle other core slow).  After a failure it tells the
 * unzip thread to stop. */
static int read_all(struct importer *imp, struct error *err) {
        struct docs *q = imp->docs;
        int r = 0;

        for (;;) {
                size_t head, n, bytes = 0;

                pthread_mutex_lock(&q->mu);
                while (q->n < DOCS_BATCH && q->bytes < DOCS_BYTES_MAX && !q->done)
                        pthread_cond_wait(&q->not_empty, &q->mu);
                head = q->head;
                n = q->n < DOCS_CAP / 2 ? q->n : DOCS_CAP / 2;
                for (size_t i = 0; i < n; i++)
                        bytes += q->slot[(head + i) % DOCS_CAP].len;
                if (n == 0) {
                        r = q->r;
                        if (r < 0)
                                *err = q->err;
                        pthread_mutex_unlock(&q->mu);
                        return r;
                }
                pthread_mutex_unlock(&q->mu);
                for (size_t i = 0; i < n && r >= 0; i++) {
                        struct doc *d = &q->slot[(head + i) % DOCS_CAP];

                        if (d->skip)
                                skip(imp, d->name, d->buf);
                        else
                                r = import_document(imp, d->buf, d->len, d->name, err);
                        if (d->cap > DOC_BUF_KEEP) { /* one huge record: don't keep its buffer */
                                free(d->buf);
                                d->buf = NULL;
                                d->cap = 0;
                        }
                }
                pthread_mutex_lock(&q->mu);
                q->head = (q->head + n) % DOCS_CAP;
                q->n -= n;
                q->bytes -= bytes;
                if (r < 0)
                        q->cancel = true;
                pthread_cond_signal(&q->not_full);
                pthread_mutex_unlock(&q->mu);
                if (r < 0)
                        return r;
        }
}

/* The unzip thread and its ring (a MiB of slots: not on this thread's
 * stack), for the time of read_all(). */
static int read_unzipped(struct importer *imp, struct error *err) {
        _cleanup_free_ struct docs *docs = calloc(1, sizeof(*docs));
        pthread_t unzip;
        int r;

        if (!docs)
                return error_set(err, ENOMEM, "out of memory");
        imp->docs = docs;
        pthread_mutex_init(&docs->mu, NULL);
        pthread_cond_init(&docs->not_empty, NULL);
        pthread_cond_init(&docs->not_full, NULL);
        r = -pthread_create(&unzip, NULL, unzip_main, imp);
        if (r < 0)
                r = error_set_errno(err, -r, "start the unzip thread");
        else {
                r = read_all(imp, err);
                pthread_join(unzip, NULL);
        }
        for (size_t i = 0; i < DOCS_CAP; i++)
                free(docs->slot[i].buf);
        pthread_mutex_destroy(&docs->mu);
        pthread_cond_destroy(&docs->not_empty);
        pthread_cond_destroy(&docs->not_full);
        imp->docs = NULL;
        return r;
}

static void *reader_main(void *userdata) {
        struct importer *imp = userdata;
        struct queue *q = &imp->q;
        struct error err = {};
        int r;

        r = read_unzipped(imp, &err);
        json_arena_done(&imp->arena);
        jf_doc_done(&imp->flat);
        sha256_many_done(&imp->sha);
        pthread_mutex_lock(&q->mu);
        q->done = true;
        q->reader_r = r;
        q->reader_err = err;
        pthread_cond_signal(&q->not_empty);
        pthread_mutex_unlock(&q->mu);
        return NULL;
}

static void give_back(struct queue *q, struct item **items, size_t n) {
        size_t kept = 0;

        pthread_mutex_lock(&q->mu);
        if (!q->done) {
                kept = n < QUEUE_CAP - q->n_trash ? n : QUEUE_CAP - q->n_trash;
                memcpy(q->trash + q->n_trash, items, kept * sizeof(*items));
                q->n_trash += kept;
        }
        pthread_mutex_unlock(&q->mu);
        for (size_t i = kept; i < n; i++)
                item_free(items[i]);
}

/* Writer side, in the calling thread: takes what the reader queued, a
 * batch at a time, and stores it.  After a failure it tells the reader to
 * stop and only drains the queue until the reader is done. */
static int write_queued(struct importer *imp, struct error *err) {
        struct queue *q = &imp->q;
        struct item *batch[QUEUE_CAP];
        int r = 0;

        for (;;) {
                size_t n;

                pthread_mutex_lock(&q->mu);
                while (q->n < QUEUE_BATCH && q->bytes < QUEUE_BYTES_MAX && !q->done)
                        pthread_cond_wait(&q->not_empty, &q->mu);
                n = q->n;
                for (size_t i = 0; i < n; i++)
                        batch[i] = q->items[(q->head + i) % QUEUE_CAP];
                q->head = (q->head + n) % QUEUE_CAP;
                q->n = 0;
                q->bytes = 0;
                if (r < 0)
                        q->cancel = true;
                pthread_cond_signal(&q->not_full);
                pthread_mutex_unlock(&q->mu);
                if (n == 0)
                        return r; /* done, and nothing left */
                for (size_t i = 0; i < n && r >= 0; i++)
                        r = store_item(imp, batch[i], err);
                if (r >= 0)
                        r = flush_records(imp, err);
                imp->n_held = 0;        /* (after a failure: not stored) */
                give_back(q, batch, n);
        }
}

/* The new file goes to the disk while it is built, a flusher thread
 * starting the writeback of what sqlite wrote every FLUSH_EVERY_MS, so
 * that the fsync() before the rename waits for the last pages only, not
 * for the whole file (110 ms of the 86 MB of 200,000 records here). */
#define FLUSH_EVERY_MS 50

struct flusher {
        int fd;
        bool stop;
        pthread_mutex_t mu;
        pthread_cond_t cond;
        pthread_t thread;
        bool started;
};

static void *flusher_main(void *userdata) {
        struct flusher *f = userdata;

        pthread_mutex_lock(&f->mu);
        while (!f->stop) {
                struct timespec t;

                clock_gettime(CLOCK_REALTIME, &t);
                t.tv_nsec += FLUSH_EVERY_MS * 1000000L;
                if (t.tv_nsec >= 1000000000L) {
                        t.tv_sec++;
                        t.tv_nsec -= 1000000000L;
                }
                if (pthread_cond_timedwait(&f->cond, &f->mu, &t) != ETIMEDOUT || f->stop)
                        continue;
                pthread_mutex_unlock(&f->mu);
                (void) sync_file_range(f->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
                pthread_mutex_lock(&f->mu);
        }
        pthread_mutex_unlock(&f->mu);
        return NULL;
}

static void flusher_start(struct flusher *f, int fd) {
        *f = (struct flusher) { .fd = fd };
        pthread_mutex_init(&f->mu, NULL);
        pthread_cond_init(&f->cond, NULL);
        /* without it, only the fsync() is slower */
        f->started = fd >= 0 && pthread_create(&f->thread, NULL, flusher_main, f) == 0;
}

static void flusher_stop(struct flusher *f) {
        pthread_mutex_lock(&f->mu);
        f->stop = true;
        pthread_cond_signal(&f->cond);
        pthread_mutex_unlock(&f->mu);
        if (f->started)
                pthread_join(f->thread, NULL);
        pthread_mutex_destroy(&f->mu);
        pthread_cond_destroy(&f->cond);
}

static int run_pipeline(struct importer *imp, struct error *err) {
        pthread_t reader;
        int r;

        pthread_mutex_init(&imp->q.mu, NULL);
        pthread_cond_init(&imp->q.not_empty, NULL);
        pthread_cond_init(&imp->q.not_full, NULL);
        r = -pthread_create(&reader, NULL, reader_main, imp);
        if (r < 0)
                return error_set_errno(err, r, "start the reader thread");
        r = write_queued(imp, err);
        pthread_join(reader, NULL);
        for (size_t i = 0; i < imp->q.n_trash; i++)
                item_free(imp->q.trash[i]);
        for (size_t i = 0; i < imp->n_spare; i++)
                item_free(imp->spare[i]);
        free(imp->spare);
        imp->spare = NULL;
        imp->n_spare = imp->cap_spare = 0;
        pthread_mutex_destroy(&imp->q.mu);
        pthread_cond_destroy(&imp->q.not_empty);
        pthread_cond_destroy(&imp->q.not_full);
        if (r < 0)
                return r;
        if (imp->q.reader_r < 0) {
                *err = imp->q.reader_err;
                return imp->q.reader_r;
        }
        return 0;
}

/* CVE scores come from other sources (NVD, CVE records) than the OSV
 * archives a rebuild starts from: carried over from the old database.  An
 * old file without them (or none at all) is not an error. */
static int keep_cves(sqlite3 *db, const char *db_path, struct error *err) {
        sqlite3_stmt *st = NULL;
        int rc;

        if (access(db_path, F_OK) < 0)
                return 0;
        rc = sqlite3_prepare_v2(db, "ATTACH DATABASE ?1 AS old", -1, &st, NULL);
        if (rc == SQLITE_OK) {
                sqlite3_bind_text(st, 1, db_path, -1, SQLITE_STATIC);
                rc = sqlite3_step(st);
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
                return vulndb_sqlite_error(db, rc, "open the previous database", err);
        (void) sqlite3_exec(db, "INSERT OR IGNORE INTO cve_severity SELECT cve, source, modified, severity"
                                " FROM old.cve_severity", NULL, NULL, NULL);
        rc = sqlite3_exec(db, "DETACH DATABASE old", NULL, NULL, NULL);
        return rc == SQLITE_OK ? 0 : vulndb_sqlite_error(db, rc, "close the previous database", err);
}

/* A rebuild keeps the KEV and EPSS data of the old database that no file
 * of this import replaces: they come from sources of their own. */
static unsigned feeds_kept(const struct importer *imp) {
        unsigned keep = 1u << VULNDB_FEED_KEV | 1u << VULNDB_FEED_EPSS;

        for (size_t i = 0; i < imp->n_feeds; i++)
                keep &= ~(1u << imp->feed_kinds[i]);
        return keep;
}

/* Takes the KEV and EPSS files out of paths (top-level files only) into
 * imp->feeds; *ret_rest is what is left for the OSV reader. */
static int split_feeds(struct importer *imp, char *const *paths, char ***ret_rest) {
        size_t n = 0;

        while (paths[n])
                n++;
        imp->feeds = calloc(n + 1, sizeof(*imp->feeds));
        imp->feed_kinds = calloc(n + 1, sizeof(*imp->feed_kinds));
        *ret_rest = calloc(n + 1, sizeof(**ret_rest));
        if (!imp->feeds || !imp->feed_kinds || !*ret_rest)
                return -ENOMEM;
        for (size_t i = 0, k = 0; i < n; i++) {
                enum vulndb_feed kind = vulndb_feed_of_path(paths[i]);

                if (kind == VULNDB_FEED_NONE)
                        (*ret_rest)[k++] = paths[i];
                else {
                        imp->feed_kinds[imp->n_feeds] = kind;
                        imp->feeds[imp->n_feeds++] = paths[i];
                }
        }
        return 0;
}

/* A 16 MiB page cache while the records go in, and no helper threads.
 * The staged rows' ordered copy and the vuln index then sort in runs the
 * size of the page cache, merged at the end: runs of 1 MiB, which two
 * helper threads sort while this one reads on, take two fifths less time
 * than a single run of 16 MiB sorted in this thread (200,000 records: the
 * copy 510 -> 300 ms, the index 143 -> 99 ms; a B-tree filled in key order
 * needs few pages cached). */
#define BUILD_SQL "PRAGMA cache_size=-16384; PRAGMA threads=0;"
#define SORT_SQL "PRAGMA cache_size=-1024; PRAGMA threads=2;"

/* The stage's runs go in the new file's folder, which the import writes to
 * anyway. */
static int stage_open(struct importer *imp, const char *tmp, struct error *err) {
        _cleanup_free_ char *dir = strdup(tmp);
        int r;

        if (!dir)
                return error_set(err, ENOMEM, "out of memory");
        r = stage_new(dirname(dir), STAGE_RUN_BYTES, &imp->stage, err);
        if (r < 0)
                return r;
        return stage_register(imp->db, imp->stage, err);
}

/* merge: where the rowids of the records this import adds start. */
static int first_rowid(struct importer *imp, struct error *err) {
        char n[32];

        if (count_sql(imp->db, "SELECT coalesce(max(rowid), 0) + 1 FROM vuln", n) < 0)
                return vulndb_sqlite_error(imp->db, SQLITE_ERROR, "count records", err);
        imp->first_rowid = strtoll(n, NULL, 10);
        return 0;
}

/* staged: the affected rows of records a newer copy replaced, counted when
 * stored, are not copied. */
static int count_dropped_rows(struct importer *imp, struct error *err) {
        char n[32];

        if (count_sql(imp->db, "SELECT count(*) FROM import_stage WHERE vuln IN (SELECT vuln FROM temp.dropped)", n) < 0)
                return vulndb_sqlite_error(imp->db, SQLITE_ERROR, "count replaced records", err);
        imp->stats.affected -= strtoull(n, NULL, 10);
        return 0;
}

/* A merge keeps the records of the database it copied, and says they are
 * of this build's schema: one of a schema this build does not read (a
 * newer Portcullis's, after a rollback or beside it during an upgrade)
 * was relabelled so, its rows then read by this build's rules and by the
 * newer one as this schema's.  None there (no meta): a new database. */
static int merge_base_check(sqlite3 *db, const char *db_path, struct error *err) {
        char n[32];
        long long schema;

        if (count_sql(db, "SELECT value FROM meta WHERE key = 'schema_version'", n) < 0)
                return 0;
        schema = strtoll(n, NULL, 10);
        if (schema >= VULNDB_SCHEMA_VERSION_MIN && schema <= VULNDB_SCHEMA_VERSION)
                return 0;
        return error_set(err, EPROTO, "%s is of schema %lld%s, and this version reads %d to %d: a merge (--merge, or "
                         "a KEV or EPSS file alone) would keep its records and read them by this version's rules, so "
                         "nothing is written.  %s it with this version: 'portcullis db update', or 'portcullis "
                         "db import' of all its sources without --merge, then the KEV or EPSS file", db_path, schema,
                         schema > VULNDB_SCHEMA_VERSION ? ", written by a newer Portcullis" : "",
                         VULNDB_SCHEMA_VERSION_MIN, VULNDB_SCHEMA_VERSION,
                         schema > VULNDB_SCHEMA_VERSION ? "Upgrade Portcullis again, or rebuild" : "Rebuild");
}

static int build(struct importer *imp, int fd, const char *tmp, const char *db_path, char *const *paths,
                 unsigned flags, struct error *err) {
        bool merge = flags & VULNDB_IMPORT_MERGE, copied = false;
        int rc, r;

        imp->staged = !merge;

        if (merge) {
                r = copy_existing_file(db_path, fd, err);
                if (r < 0)
                        return r;
                copied = r > 0;
        }
        rc = sqlite3_open_v2(tmp, &imp->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
        if (rc != SQLITE_OK)
                return vulndb_sqlite_error(imp->db, rc, tmp, err);
        if (merge && !copied && (r = copy_existing(imp->db, db_path, err)) < 0)
                return r;
        if (merge && (r = merge_base_check(imp->db, db_path, err)) < 0)
                return r;
        if (imp->staged && (r = stage_open(imp, tmp, err)) < 0)
                return r;
        /* without it, compute_revision() reads the records back */
        if (imp->staged && (imp->records_digest = EVP_MD_CTX_new()) &&
            EVP_DigestInit_ex(imp->records_digest, EVP_sha256(), NULL) != 1) {
                EVP_MD_CTX_free(imp->records_digest);
                imp->records_digest = NULL;
        }
        /* The file is private until the rename; a crash leaves only a stray
         * temporary file, so the journal buys nothing here. */
        if ((r = exec_sql(imp->db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; " BUILD_SQL, err)) < 0 ||
            (r = exec_sql(imp->db, VULNDB_SCHEMA_SQL, err)) < 0 ||
            (!merge && (flags & VULNDB_IMPORT_KEEP_CVES) && (r = keep_cves(imp->db, db_path, err)) < 0) ||
            (!merge && (r = vulndb_feed_keep(imp->db, db_path, feeds_kept(imp), err)) < 0) ||
            (merge && (r = add_upper_column(imp->db, err)) < 0) ||
            (merge && (r = exec_sql(imp->db, VULNDB_INDEX_SQL, err)) < 0) ||
            (imp->staged && (r = exec_sql(imp->db, STAGE_SQL, err)) < 0) ||
            (r = exec_sql(imp->db, "BEGIN", err)) < 0 ||
            (r = prepare(imp, err)) < 0)
                return r;
        if (merge && (r = first_rowid(imp, err)) < 0)
                return r;
        if (imp->staged && (r = held_register(imp, err)) < 0)
                return r;
        if ((r = run_pipeline(imp, err)) < 0)
                return r;
        if (imp->n_dropped && (r = count_dropped_rows(imp, err)) < 0)
                return r;
        if ((r = exec_sql(imp->db, SORT_SQL VULNDB_UPPER_INDEX_SQL, err)) < 0 ||
            (imp->staged && (r = exec_sql(imp->db, imp->n_dropped ? UNSTAGE_DROPPED_SQL : UNSTAGE_SQL, err)) < 0) ||
            (r = exec_sql(imp->db, VULNDB_INDEX_SQL, err)) < 0 ||
            (r = exec_sql(imp->db, BUILD_SQL, err)) < 0)
                return r;
        for (size_t i = 0; i < imp->n_feeds; i++)
                if ((r = vulndb_feed_store(imp->db, imp->feeds[i], imp->feed_kinds[i], imp->skip_fn,
                                             imp->userdata, &imp->stats, err)) < 0)
                        return r;
        if ((r = write_meta(imp->db, imp->records_digest,
                            imp->staged && !imp->n_dropped && !imp->counts.failed ? &imp->counts : NULL,
                            imp->data_time, err)) < 0)
                return r;
        if ((r = exec_sql(imp->db, "COMMIT", err)) < 0)
                return r;
        return 0;
}

/* What a database holds, from its meta table: the record count and the
 * records per ecosystem ({"Debian:12": 1272, ...}, as write_meta() counts
 * them).  *ret_ecosystems is NULL when the table says nothing. */
static int meta_counts(sqlite3 *db, uint64_t *ret_records, json_t **ret_ecosystems) {
        sqlite3_stmt *st = NULL;
        json_t *ecos = NULL;
        uint64_t records = 0;
        int rc;

        rc = sqlite3_prepare_v2(db, "SELECT key, value FROM meta WHERE key IN ('records', 'ecosystems')", -1, &st,
                                NULL);
        while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                const char *key = (const char *) sqlite3_column_text(st, 0);
                const char *value = (const char *) sqlite3_column_text(st, 1);

                if (streq_ptr(key, "records") && value)
                        records = strtoull(value, NULL, 10);
                else if (streq_ptr(key, "ecosystems") && value && !ecos)
                        ecos = json_loads(value, 0, NULL);
                rc = SQLITE_OK;
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) {
                json_decref(ecos);
                return -EIO;
        }
        *ret_records = records;
        *ret_ecosystems = json_is_object(ecos) ? ecos : (json_decref(ecos), NULL);
        return 0;
}

/* The counts of the database an import would replace; 0 and NULL when there
 * is none, or nothing there reads as one (then nothing is lost by
 * replacing it). */
static void old_counts(const char *db_path, uint64_t *ret_records, json_t **ret_ecosystems) {
        sqlite3 *db = NULL;

        *ret_records = 0;
        *ret_ecosystems = NULL;
        if (access(db_path, F_OK) == 0 && sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
                (void) meta_counts(db, ret_records, ret_ecosystems);
        sqlite3_close(db);
}

/* The counts per ecosystem under the names an import stores now
 * (canonical_names()): a database an older import wrote may count "pypi"
 * or "Maven:https://maven.google.com", which this one counts as "PyPI" and
 * "Maven".  Compared under the old names, the first import after an
 * upgrade would be refused as losing them (and db update with it). */
static json_t *canonical_counts(json_t *ecos) {
        json_t *out = json_object(), *n;
        const char *eco;

        json_object_foreach(ecos, eco, n) {
                _cleanup_free_ char *key = ecosystem_canonical(eco);

                if (!out || !key ||
                    json_object_set_new(out, key, json_integer(json_integer_value(json_object_get(out, key)) +
                                                               json_integer_value(n))) < 0) {
                        json_decref(out);
                        return NULL;
                }
        }
        return out;
}

bool vulndb_shrinks(uint64_t now, uint64_t before) {
        /* "Fewer than half": 2 * now < before, without overflow. */
        return now < before / 2 + before % 2;
}

/* The shrink guard (issue 10): an import that yields no record, or fewer
 * than half of the records of the database it replaces, in total or in any
 * ecosystem that database covers, is refused unless the caller allows it.
 * A bad path (a config file, a folder of something else, an archive whose
 * records all fail validation) must not leave an empty database behind,
 * under which every start passes. */
static int shrink_check(sqlite3 *new_db, const char *db_path, const char *why_none, char *const *leaving,
                        struct error *err) {
        _cleanup_(strbuf_done) struct strbuf lost = {};
        json_t *old_ecos = NULL, *new_ecos = NULL, *n;
        uint64_t old_records, staying, new_records = 0;
        bool more = false;
        const char *eco;
        int r = 0;

        if (meta_counts(new_db, &new_records, &new_ecos) < 0)
                return vulndb_sqlite_error(new_db, SQLITE_ERROR, "count the new records", err);
        old_counts(db_path, &old_records, &n);
        old_ecos = n ? canonical_counts(n) : NULL;
        if (n && !old_ecos) {
                json_decref(n);
                json_decref(new_ecos);
                return error_set(err, ENOMEM, "out of memory");
        }
        json_decref(n);
        staying = old_records;
        json_object_foreach(old_ecos, eco, n) {
                uint64_t before = (uint64_t) json_integer_value(n);
                uint64_t now = (uint64_t) json_integer_value(json_object_get(new_ecos, eco));

                if (strv_contains(leaving, eco)) {
                        /* dropped on purpose: neither it nor its share of
                         * the total is missed (a record of two ecosystems
                         * may count twice: the guard then errs on the
                         * side of letting the drop through) */
                        staying -= before < staying ? before : staying;
                        continue;
                }
                if (before == 0 || !vulndb_shrinks(now, before))
                        continue;
                /* Bounded: a mirror that lost everything may name hundreds. */
                if (lost.len < 400)
                        (void) strbuf_printf(&lost, "%s%s: %" PRIu64 " of %" PRIu64, lost.len ? ", " : "", eco, now,
                                             before);
                else if (!more)
                        more = strbuf_puts(&lost, ", ...") >= 0;
        }
        if (new_records == 0 && access(db_path, F_OK) < 0) /* none to leave as it was */
                r = error_set(err, ENODATA, "refused: the import yields no valid record (%s), so no database is "
                              "written to %s.  Check the paths, or give --allow-shrink to create it empty anyway",
                              why_none, db_path);
        else if (new_records == 0)
                r = error_set(err, ENODATA, "refused: the import yields no valid record (%s); %s (%" PRIu64
                              " records) is left as it was.  Check the paths, or give --allow-shrink to replace it "
                              "anyway", why_none, db_path, old_records);
        else if (!vulndb_shrinks(new_records, staying) && lost.len)
                /* the total holds: records count there whether withdrawn or
                 * not, an ecosystem only those that name its packages */
                r = error_set(err, ENODATA, "refused: the import leaves fewer than half of the records that name "
                              "packages of an ecosystem %s has (%s; a withdrawn record names none); it is left as it "
                              "was.  Check the paths and the skipped files, or give --allow-shrink to replace it anyway",
                              db_path, lost.s);
        else if (vulndb_shrinks(new_records, staying) || lost.len)
                r = error_set(err, ENODATA, "refused: the import yields %" PRIu64 " records where %s holds %" PRIu64
                              "%s%s%s%s, fewer than half; it is left as it was.  Check the paths and the skipped "
                              "files, or give --allow-shrink to replace it anyway", new_records, db_path, staying,
                              staying != old_records ? " in the ecosystems that stay" : "", lost.len ? " (" : "",
                              lost.len ? lost.s : "", lost.len ? ")" : "");
        json_decref(old_ecos);
        json_decref(new_ecos);
        return r;
}

/* The same guard for a KEV catalogue or an EPSS file: one that yields
 * fewer than half of the entries (scores) of its kind the database holds
 * is a cut or partial copy, and would replace the catalogue by a sliver
 * under which block_kev (min_epss) lets through what it lost. */
static int feed_shrink_check(const struct importer *imp, const char *db_path, struct error *err) {
        _cleanup_(vulndb_closep) struct vulndb *db = NULL;
        struct vulndb_status st = {};
        struct error ignored = {};
        int r = 0;

        if (imp->n_feeds == 0 || vulndb_open(db_path, &db, &ignored) < 0 || vulndb_get_status(db, &st, &ignored) < 0)
                return 0;       /* none to lose */
        for (size_t i = 0; r >= 0 && i < imp->n_feeds; i++) {
                bool kev = imp->feed_kinds[i] == VULNDB_FEED_KEV;
                uint64_t now = kev ? imp->stats.kev : imp->stats.epss, before = kev ? st.kev : st.epss;

                if (vulndb_shrinks(now, before))
                        r = error_set(err, ENODATA, "refused: %s yields %" PRIu64 " %s where %s holds %" PRIu64
                                      ", fewer than half; it is left as it was.  Is it the whole file (a cut or "
                                      "partial download)?  Download it again, or give --allow-shrink to replace "
                                      "it anyway", imp->feeds[i], now, kev ? "CISA KEV entries" : "EPSS scores",
                                      db_path, before);
        }
        vulndb_status_done(&st);
        return r;
}

/* Without --merge the new database holds only the records given: a
 * database of 16 records replaced by 20,000 of other ids passed the shrink
 * guard (which counts records) without a word.  How many of the old ids
 * the new database lacks, for the caller to say; nothing when that can't
 * be told (no old database, an unreadable one: the import goes on). */
static void count_gone(sqlite3 *db, const char *db_path, struct vulndb_import_stats *stats) {
        sqlite3_stmt *st = NULL;
        int rc;

        if (access(db_path, F_OK) < 0)
                return;
        rc = sqlite3_prepare_v2(db, "ATTACH DATABASE ?1 AS old", -1, &st, NULL);
        if (rc == SQLITE_OK) {
                sqlite3_bind_text(st, 1, db_path, -1, SQLITE_STATIC);
                rc = sqlite3_step(st);
        }
        sqlite3_finalize(st);
        st = NULL;
        if (rc != SQLITE_DONE)
                return;
        if (sqlite3_prepare_v2(db, "SELECT count(*), coalesce(sum(n.id IS NULL), 0) FROM old.vuln o"
                               " LEFT JOIN main.vuln n ON n.id = o.id", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW) {
                stats->replaced_records = (uint64_t) sqlite3_column_int64(st, 0);
                stats->replaced_gone = (uint64_t) sqlite3_column_int64(st, 1);
        }
        sqlite3_finalize(st);
        (void) sqlite3_exec(db, "DETACH DATABASE old", NULL, NULL, NULL);
}

int vulndb_import(const char *db_path, char *const *paths, unsigned flags, vulndb_skip_fn skip_fn, void *userdata,
                  struct vulndb_import_stats *ret_stats, struct error *err) {
        return vulndb_import_dated(db_path, paths, flags, NULL, NULL, skip_fn, userdata, ret_stats, err);
}

const char *vulndb_failed_note(const char *db_path) {
        return access(db_path, F_OK) == 0 ? "the previous database is unchanged" : "no database is written";
}

/* One writer of a database at a time, from its reading of the database it
 * replaces (the records a merge keeps, the CVE scores, KEV and EPSS data a
 * rebuild carries over, the shrink guard's counts) to its rename: two
 * overlapping imports (a KEV file imported during the timer's update)
 * each built on the same old file, and the second rename dropped what the
 * first had added, in silence.  An flock on "<db>.lock", waited for; the
 * hook, which only reads, never takes it. */
static int open_writers_lock(const char *db_path, char **ret_path, struct error *err) {
        int fd;

        if (asprintf(ret_path, "%s" VULNDB_LOCK_SUFFIX, db_path) < 0) {
                *ret_path = NULL;
                return error_set(err, ENOMEM, "out of memory");
        }
        fd = open(*ret_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (fd < 0)
                return error_set_errno(err, errno, "open %s (is the folder there and writable?)", *ret_path);
        return fd;
}

int vulndb_lock_writers(const char *db_path, int *ret_fd, struct error *err) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = open_writers_lock(db_path, &path, err);

        if (fd < 0)
                return fd;
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return error_set_errno(err, errno, "lock %s", path);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

bool vulndb_writers_busy(const char *db_path) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = open_writers_lock(db_path, &path, NULL);

        /* taken, it is released at the close */
        return fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
}

/* The database an import builds on, as it was when the import took the
 * lock, and whether it still is at the rename.  A writer that takes no
 * lock -- a Portcullis from before <db>.lock (f3472aa and older), such as
 * the old portcullis-update.timer still running during an upgrade, or a
 * rollback's -- may rename its database over db_path meanwhile; our rename
 * would then drop what it wrote (its 'imported ... KEV entries' gone in
 * silence).  What is left is the moment between this check and the
 * rename. */
struct db_seen {
        bool exists;
        dev_t dev;
        ino_t ino;
        off_t size;
        struct timespec mtime;
};

static void db_seen(const char *db_path, struct db_seen *ret) {
        struct stat st;

        *ret = (struct db_seen) {};
        if (stat(db_path, &st) == 0)
                *ret = (struct db_seen) { true, st.st_dev, st.st_ino, st.st_size, st.st_mtim };
}

static bool db_unchanged(const char *db_path, const struct db_seen *then) {
        struct db_seen now;

        db_seen(db_path, &now);
        return now.exists == then->exists &&
               (!now.exists || (now.dev == then->dev && now.ino == then->ino && now.size == then->size &&
                                now.mtime.tv_sec == then->mtime.tv_sec && now.mtime.tv_nsec == then->mtime.tv_nsec));
}

int vulndb_import_dated(const char *db_path, char *const *paths, unsigned flags, const char *data_time,
                        char *const *leaving, vulndb_skip_fn skip_fn, void *userdata,
                        struct vulndb_import_stats *ret_stats, struct error *err) {
        struct importer imp = { .skip_fn = skip_fn, .userdata = userdata, .data_time = data_time };
        struct flusher flusher;
        _cleanup_free_ char *tmp = NULL, *dir = NULL;
        _cleanup_free_ char **rest = NULL;
        bool feeds_only;
        struct db_seen seen;
        _cleanup_close_ int fd = -EBADF, lock = -EBADF;
        int r;

        if ((r = vulndb_lock_writers(db_path, &lock, err)) < 0)
                return r;
        db_seen(db_path, &seen);
        if (asprintf(&tmp, "%s.new-XXXXXX", db_path) < 0 || !(dir = strdup(db_path)) ||
            split_feeds(&imp, paths, &rest) < 0) {
                free(imp.feeds);
                free(imp.feed_kinds);
                return -ENOMEM;
        }
        imp.paths = rest;
        /* KEV or EPSS files alone replace that data and keep the records
         * (no records' shrink guard then: they stay as they are) */
        feeds_only = imp.n_feeds > 0 && !rest[0];
        if (feeds_only)
                flags |= VULNDB_IMPORT_MERGE;
        fd = mkstemp(tmp);
        if (fd < 0) {
                r = error_set_errno(err, errno, "create %s (is the folder there and writable?)", tmp);
                free(imp.feeds);
                free(imp.feed_kinds);
                return r;
        }
        (void) fchmod(fd, 0644);
        /* held (fd open) until the rename or unlink: a file nobody holds is
         * one a killed import left, which the next update removes at once */
        (void) flock(fd, LOCK_EX);

        flusher_start(&flusher, fd);
        r = build(&imp, fd, tmp, db_path, rest, flags, err);
        flusher_stop(&flusher);
        if (r == 0 && !feeds_only && !(flags & VULNDB_IMPORT_ALLOW_SHRINK))
                r = shrink_check(imp.db, db_path,
                                 imp.stats.files ? "see the skipped files"
                                                 : "no .json document was found in the paths", leaving, err);
        if (r == 0 && !(flags & VULNDB_IMPORT_ALLOW_SHRINK))
                r = feed_shrink_check(&imp, db_path, err);
        if (r == 0 && (flags & (VULNDB_IMPORT_COUNT_GONE | VULNDB_IMPORT_MERGE)) == VULNDB_IMPORT_COUNT_GONE)
                count_gone(imp.db, db_path, &imp.stats);
        importer_done(&imp);
        free(imp.feeds);
        free(imp.feed_kinds);
        if (r == -ENODATA) {
                (void) unlink(tmp);
                if (ret_stats)
                        *ret_stats = imp.stats;
                return r;
        }
        if (r < 0) {
                (void) unlink(tmp);
                return error_wrap(err, "import into %s (%s)", db_path, vulndb_failed_note(db_path));
        }
        r = fsync(fd) < 0 ? -errno : 0;
        if (!db_unchanged(db_path, &seen)) {
                (void) unlink(tmp);
                return error_set(err, ESTALE,
                                 "import into %s: the database was replaced while this import ran, by a writer that "
                                 "does not take %s" VULNDB_LOCK_SUFFIX " (an older Portcullis, such as the previous "
                                 "version's portcullis-update.timer during an upgrade); nothing is written, so that "
                                 "what it wrote is kept: run the import again", db_path, db_path);
        }
        if (r == 0 && rename(tmp, db_path) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return error_set_errno(err, r, "replace %s with the new database", db_path);
        }
        vulndb_remove_sidecars(db_path);
        (void) fsync_path(dirname(dir), O_RDONLY | O_DIRECTORY);
        if (ret_stats)
                *ret_stats = imp.stats;
        return 0;
}
