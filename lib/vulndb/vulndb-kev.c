/* SPDX-License-Identifier: Apache-2.0 */
/* Exploitation data beside the OSV records: CISA's Known Exploited
 * Vulnerabilities catalogue (https://www.cisa.gov/known-exploited-
 * vulnerabilities-catalog, the JSON feed and its schema) and FIRST's EPSS
 * scores (https://www.first.org/epss/data_stats: epss_scores-YYYY-MM-DD.csv.gz,
 * a "#model_version:...,score_date:..." comment line since model v2023.03.01,
 * the header "cve,epss,percentile", one row per CVE).  Both come from a
 * download and are parsed as untrusted input: caps on the file, the entries
 * and each line; errors name the file and the field or line. */
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "base/fileio.h"
#include "base/jsonutil.h"
#include "base/strutil.h"
#include "osv-range.h"
#include "vulndb-internal.h"

#define FEED_SNIFF_MAX 4096
#define KEV_TEXT_MAX 4096       /* one string of an entry */
#define KEV_META_MAX 64         /* catalogVersion, dateReleased */
#define EPSS_META_MAX 64        /* model_version, score_date */

/* ---- what a file is ------------------------------------------------------ */

static const char *skip_space(const char *p, const char *end) {
        if (end - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) /* a UTF-8 byte order mark */
                p += 3;
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
                p++;
        return p;
}

static bool starts(const char *p, const char *end, const char *word) {
        size_t n = strlen(word);

        return (size_t) (end - p) >= n && memcmp(p, word, n) == 0;
}

enum vulndb_feed vulndb_feed_detect(const char *buf, size_t len) {
        const char *end = buf + len, *p;

        if (len >= 2 && (unsigned char) buf[0] == 0x1f && (unsigned char) buf[1] == 0x8b)
                return VULNDB_FEED_EPSS; /* gzip: only EPSS is read compressed */
        p = skip_space(buf, end);
        if (starts(p, end, "#model_version") || starts(p, end, "#score_date") || starts(p, end, "cve,epss"))
                return VULNDB_FEED_EPSS;
        /* CISA's catalogue names its version before the list */
        if (starts(p, end, "{") && memmem(p, (size_t) (end - p), "\"catalogVersion\"", 16))
                return VULNDB_FEED_KEV;
        return VULNDB_FEED_NONE;
}

enum vulndb_feed vulndb_feed_of_path(const char *path) {
        char buf[FEED_SNIFF_MAX];
        struct stat st;
        ssize_t n;
        int fd;

        if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
                return VULNDB_FEED_NONE;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return VULNDB_FEED_NONE;        /* the import says why when it reads it */
        n = read(fd, buf, sizeof(buf));
        close(fd);
        return n > 0 ? vulndb_feed_detect(buf, (size_t) n) : VULNDB_FEED_NONE;
}

/* ---- shapes -------------------------------------------------------------- */

static bool is_digits(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (s[i] < '0' || s[i] > '9')
                        return false;
        return true;
}

/* CVE-YYYY-NNNN with 4 to 19 digits after the year (the CVE ID syntax). */
static bool cve_id_ok(const char *s, size_t n) {
        return n >= 13 && n <= 28 && memcmp(s, "CVE-", 4) == 0 && is_digits(s + 4, 4) && s[8] == '-' &&
               is_digits(s + 9, n - 9);
}

/* YYYY-MM-DD, and what follows (a time) is not looked at. */
static bool date_ok(const char *s) {
        return strlen(s) >= 10 && is_digits(s, 4) && s[4] == '-' && is_digits(s + 5, 2) && s[7] == '-' &&
               is_digits(s + 8, 2);
}

/* ---- KEV ----------------------------------------------------------------- */

void kev_meta_done(struct kev_meta *m) {
        free(m->catalog_version);
        free(m->date_released);
        *m = (struct kev_meta) {};
}

/* One bad entry or field is no reason to refuse the catalogue: refused
 * whole, it left the node with the KEV data of an earlier run (db update
 * keeps it), so a CVE listed since did not trigger block_kev.  A field that
 * only describes an entry is left out (the entry is kept), an entry with no
 * CVE id is skipped, each said through warn with the field and its index. */
struct kev_said {
        kev_warn_fn warn;       /* may be NULL */
        void *userdata;
};

static void kev_say(const struct kev_said *ks, const struct error *e, bool kept) {
        if (ks->warn)
                ks->warn(e->msg, kept, ks->userdata);
}

/* An optional string field of an entry: NULL when absent or null, or when
 * malformed (said: left out). */
static const char *kev_string(json_t *o, const char *key, size_t i, size_t max, const struct kev_said *ks) {
        json_t *v = json_object_get(o, key);
        struct error e = {};

        if (!v || json_is_null(v))
                return NULL;
        if (json_is_string(v) && json_string_length(v) <= max && osv_text_ok(json_string_value(v)))
                return json_string_value(v);
        (void) error_set(&e, EINVAL, "vulnerabilities[%zu].%s must be a string of at most %zu characters without "
                         "control characters; left out, the entry is kept", i, key, max);
        kev_say(ks, &e, true);
        return NULL;
}

/* A date field: NULL when absent, or when it is no date (said: left out). */
static const char *kev_date(json_t *o, const char *key, size_t i, const char *cve, const struct kev_said *ks) {
        json_t *v = json_object_get(o, key);
        struct error e = {};

        if (!v || json_is_null(v))
                return NULL;
        if (json_is_string(v) && json_string_length(v) <= KEV_META_MAX && date_ok(json_string_value(v)) &&
            osv_text_ok(json_string_value(v)))
                return json_string_value(v);
        (void) error_set(&e, EINVAL, "vulnerabilities[%zu].%s (%s) must be a date YYYY-MM-DD; left out, the entry "
                         "is kept", i, key, cve);
        kev_say(ks, &e, true);
        return NULL;
}

/* 1 when the entry has no CVE id, and is skipped (said). */
static int kev_cve(json_t *o, size_t i, const char **ret, const struct kev_said *ks) {
        json_t *v = json_object_get(o, "cveID");
        struct error e = {};
        char shown[48];

        *ret = json_string_value(v);
        if (*ret && cve_id_ok(*ret, strlen(*ret)))
                return 0;
        if (!json_is_object(o))
                (void) error_set(&e, EINVAL, "vulnerabilities[%zu] must be an object; the entry is skipped", i);
        else if (!v || json_is_null(v))
                (void) error_set(&e, EINVAL, "vulnerabilities[%zu].cveID is missing; the entry is skipped", i);
        else {
                json_printable(*ret ? *ret : "(not a string)", shown, sizeof(shown));
                (void) error_set(&e, EINVAL, "vulnerabilities[%zu].cveID '%s' is not a CVE id (CVE-YYYY-NNNN); "
                                 "the entry is skipped", i, shown);
        }
        kev_say(ks, &e, false);
        return 1;
}

static int kev_entry_check(json_t *o, size_t i, struct kev_entry *e, const struct kev_said *ks) {
        static const char *const texts[] = { "shortDescription", "requiredAction", "notes" };
        struct error err = {};
        json_t *cwes, *c;
        size_t k;

        if (kev_cve(o, i, &e->cve, ks) > 0)
                return 1;
        /* the listing is what block_kev weighs: kept without its date */
        e->date_added = kev_date(o, "dateAdded", i, e->cve, ks);
        if (!e->date_added && !json_object_get(o, "dateAdded")) {
                (void) error_set(&err, EINVAL, "vulnerabilities[%zu].dateAdded (%s) is missing; the entry is kept",
                                 i, e->cve);
                kev_say(ks, &err, true);
        }
        if (!e->date_added)
                e->date_added = "";
        e->due_date = kev_date(o, "dueDate", i, e->cve, ks);
        e->ransomware = kev_string(o, "knownRansomwareCampaignUse", i, KEV_META_MAX, ks);
        e->vendor = kev_string(o, "vendorProject", i, KEV_TEXT_MAX, ks);
        e->product = kev_string(o, "product", i, KEV_TEXT_MAX, ks);
        e->name = kev_string(o, "vulnerabilityName", i, KEV_TEXT_MAX, ks);
        for (k = 0; k < ELEMENTSOF(texts); k++)
                (void) kev_string(o, texts[k], i, 64 * KEV_TEXT_MAX, ks);
        cwes = json_object_get(o, "cwes");
        if (cwes && !json_is_null(cwes) && !json_is_array(cwes)) {
                (void) error_set(&err, EINVAL, "vulnerabilities[%zu].cwes (%s) must be an array of strings; left "
                                 "out, the entry is kept", i, e->cve);
                kev_say(ks, &err, true);
        }
        json_array_foreach(cwes, k, c)
                if (!json_is_string(c) || json_string_length(c) > KEV_META_MAX) {
                        (void) error_set(&err, EINVAL, "vulnerabilities[%zu].cwes[%zu] (%s) must be a short string; "
                                         "left out, the entry is kept", i, k, e->cve);
                        kev_say(ks, &err, true);
                }
        return 0;
}

static int kev_header(json_t *doc, const char *name, struct kev_meta *m, size_t *ret_n, struct error *err) {
        json_t *version = json_object_get(doc, "catalogVersion"), *released = json_object_get(doc, "dateReleased");
        json_t *count = json_object_get(doc, "count"), *list = json_object_get(doc, "vulnerabilities");

        if (!json_is_object(doc))
                return error_set(err, EINVAL, "%s: a KEV catalogue must be a JSON object", name);
        if (!json_is_string(version) || json_string_length(version) == 0 ||
            json_string_length(version) > KEV_META_MAX || !osv_text_ok(json_string_value(version)))
                return error_set(err, EINVAL, "%s: 'catalogVersion' must be a string of 1..%d characters", name,
                                 KEV_META_MAX);
        if (!json_is_string(released) || json_string_length(released) > KEV_META_MAX ||
            !date_ok(json_string_value(released)) || !osv_text_ok(json_string_value(released)))
                return error_set(err, EINVAL, "%s: 'dateReleased' must be a time (YYYY-MM-DDTHH:MM:SSZ)", name);
        if (!json_is_array(list))
                return error_set(err, EINVAL, "%s: 'vulnerabilities' must be an array", name);
        if (json_array_size(list) > KEV_ENTRIES_MAX)
                return error_set(err, E2BIG, "%s: 'vulnerabilities' holds %zu entries, more than %d", name,
                                 json_array_size(list), KEV_ENTRIES_MAX);
        /* a download cut short at an entry boundary still parses when the
         * array is closed by hand; the count says what CISA wrote */
        if (!json_is_integer(count) || json_integer_value(count) < 0 ||
            (uint64_t) json_integer_value(count) != json_array_size(list))
                return error_set(err, EINVAL, "%s: 'count' must be the number of entries (%zu) of "
                                 "'vulnerabilities'; download the catalogue again", name, json_array_size(list));
        m->catalog_version = strdup(json_string_value(version));
        m->date_released = strdup(json_string_value(released));
        m->count = json_array_size(list);
        *ret_n = json_array_size(list);
        return m->catalog_version && m->date_released ? 0 : error_set(err, ENOMEM, "%s: out of memory", name);
}

int kev_parse(const char *buf, size_t len, const char *name, struct kev_meta *ret_meta, kev_entry_fn fn,
              kev_warn_fn warn, void *userdata, struct error *err) {
        const struct kev_said ks = { .warn = warn, .userdata = userdata };
        _cleanup_(json_decrefp) json_t *doc = NULL;
        struct kev_meta m = {};
        json_error_t jerr;
        size_t n = 0;
        int r;

        if (len > KEV_FILE_MAX)
                return error_set(err, EFBIG, "%s: larger than %zu MiB; is this CISA's KEV catalogue?", name,
                                 KEV_FILE_MAX >> 20);
        /* a "\u0000" is a control character in its field (json_nul_to_soh()) */
        doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
        if (!doc)
                return error_set(err, EINVAL, "%s:%d:%d: not valid JSON: %s", name, jerr.line, jerr.column,
                                 jerr.text);
        if (json_nul_to_soh(doc) < 0)
                return error_set(err, ENOMEM, "%s: out of memory", name);
        r = kev_header(doc, name, &m, &n, err);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                struct kev_entry e = {};

                if (kev_entry_check(json_array_get(json_object_get(doc, "vulnerabilities"), i), i, &e, &ks) > 0) {
                        m.skipped++;
                        continue;
                }
                if (fn)
                        r = fn(&e, i, userdata, err);
        }
        /* Most entries without a CVE id is another format (a renamed
         * field), not a few bad entries: imported, it replaced the KEV data
         * by next to nothing, and block_kev let everything pass.  So did a
         * catalogue of no entries at all, which CISA never publishes. */
        if (r >= 0 && n == 0)
                r = error_set(err, EINVAL, "%s: 'vulnerabilities' is empty: imported, it would leave no KEV data and "
                              "block_kev would pass everything; is this CISA's KEV catalogue? Download it again",
                              name);
        else if (r >= 0 && m.skipped > n / 2)
                r = error_set(err, EINVAL, "%s: %" PRIu64 " of the %zu entries have no CVE id in 'cveID'; is this "
                              "CISA's KEV catalogue in its current format?", name, m.skipped, n);
        if (r < 0 || !ret_meta)
                kev_meta_done(&m);
        else
                *ret_meta = m;
        return r < 0 ? r : 0;
}

/* ---- EPSS ---------------------------------------------------------------- */

void epss_meta_done(struct epss_meta *m) {
        free(m->model_version);
        free(m->score_date);
        *m = (struct epss_meta) {};
}

int epss_gunzip(const char *buf, size_t len, const char *name, char **ret, size_t *ret_len, struct error *err) {
        z_stream zs = { .next_in = (Bytef *) buf, .avail_in = (uInt) len };
        _cleanup_free_ char *out = NULL;
        size_t cap = 0, n = 0;
        int zr = Z_OK;

        if (len < 2 || (unsigned char) buf[0] != 0x1f || (unsigned char) buf[1] != 0x8b) {
                if (!(out = malloc(len + 1)))
                        return error_set(err, ENOMEM, "%s: out of memory", name);
                memcpy(out, buf, len);
                out[len] = '\0';
                *ret = TAKE_PTR(out);
                *ret_len = len;
                return 0;
        }
        if (len > UINT32_MAX || inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
                return error_set(err, EINVAL, "%s: can't read it as gzip", name);
        while (zr != Z_STREAM_END) {
                if (n == cap) {
                        size_t ncap = cap ? cap * 2 : (size_t) 1 << 20;
                        char *p;

                        if (cap > EPSS_FILE_MAX) {
                                inflateEnd(&zs);
                                return error_set(err, EFBIG, "%s: inflates to more than %zu MiB; is this an EPSS "
                                                 "file?", name, EPSS_FILE_MAX >> 20);
                        }
                        if (ncap > EPSS_FILE_MAX + 1)
                                ncap = EPSS_FILE_MAX + 1;
                        if (!(p = realloc(out, ncap + 1))) {
                                inflateEnd(&zs);
                                return error_set(err, ENOMEM, "%s: out of memory", name);
                        }
                        out = p;
                        cap = ncap;
                }
                zs.next_out = (Bytef *) out + n;
                zs.avail_out = (uInt) (cap - n);
                zr = inflate(&zs, Z_NO_FLUSH);
                n = cap - zs.avail_out;
                if (zr != Z_OK && zr != Z_STREAM_END) {
                        inflateEnd(&zs);
                        return error_set(err, EINVAL, "%s: the gzip data is damaged or cut short (%s); download it "
                                         "again", name, zs.msg ? zs.msg : zError(zr));
                }
        }
        inflateEnd(&zs);
        if (n > EPSS_FILE_MAX)
                return error_set(err, EFBIG, "%s: inflates to more than %zu MiB; is this an EPSS file?", name,
                                 EPSS_FILE_MAX >> 20);
        out[n] = '\0';
        *ret = TAKE_PTR(out);
        *ret_len = n;
        return 0;
}

/* "#model_version:v2025.03.14,score_date:2026-12-03T12:55:00Z" */
static int epss_comment(const char *s, const char *end, const char *name, struct epss_meta *m, struct error *err) {
        for (const char *p = s + 1; p < end;) {
                const char *comma = memchr(p, ',', (size_t) (end - p)), *stop = comma ? comma : end;
                const char *colon = memchr(p, ':', (size_t) (stop - p));
                char **dst = NULL;

                if (colon && starts(p, colon, "model_version") && colon - p == 13)
                        dst = &m->model_version;
                else if (colon && starts(p, colon, "score_date") && colon - p == 10)
                        dst = &m->score_date;
                if (dst) {
                        size_t n = (size_t) (stop - colon - 1);

                        if (n == 0 || n > EPSS_META_MAX || *dst)
                                return error_set(err, EINVAL, "%s: line 1: '%.*s' must be given once, 1..%d "
                                                 "characters", name, (int) (colon - p), p, EPSS_META_MAX);
                        if (!(*dst = strndup(colon + 1, n)))
                                return error_set(err, ENOMEM, "%s: out of memory", name);
                        if (!osv_text_ok(*dst) || (dst == &m->score_date && !date_ok(*dst)))
                                return error_set(err, EINVAL, "%s: line 1: '%.*s' is not %s", name,
                                                 (int) (colon - p), p, dst == &m->score_date
                                                 ? "a time (YYYY-MM-DDTHH:MM:SSZ)" : "printable text");
                }
                p = comma ? comma + 1 : end;
        }
        return 0;
}

/* A probability or percentile as FIRST writes it ("0.00043", "1.0",
 * "4.3e-05"): decimal, finite, within 0..1. */
static bool epss_number(const char *s, const char *end, double *ret) {
        char num[40], *stop = NULL;
        size_t n = (size_t) (end - s);

        if (n == 0 || n >= sizeof(num))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!strchr("0123456789.eE+-", s[i]))
                        return false;
        memcpy(num, s, n);
        num[n] = '\0';
        *ret = strtod(num, &stop);
        return stop == num + n && isfinite(*ret) && *ret >= 0 && *ret <= 1;
}

/* One row: fn's result, or 1 (why in *bad) when it is not a CVE id and two
 * numbers within 0..1, and is skipped. */
static int epss_row(const char *s, const char *end, size_t line, epss_row_fn fn, void *userdata, struct error *bad,
                    struct error *err) {
        const char *c1 = memchr(s, ',', (size_t) (end - s)), *c2 = c1 ? memchr(c1 + 1, ',', (size_t) (end - c1 - 1)) : NULL;
        char cve[32];
        double epss, pct;

        if (!c2 || memchr(c2 + 1, ',', (size_t) (end - c2 - 1)))
                return error_set(bad, EINVAL, "line %zu: expected three fields cve,epss,percentile; the row is skipped",
                                 line), 1;
        if (!cve_id_ok(s, (size_t) (c1 - s)))
                return error_set(bad, EINVAL, "line %zu: field 'cve' is not a CVE id (CVE-YYYY-NNNN); the row is "
                                 "skipped", line), 1;
        if (!epss_number(c1 + 1, c2, &epss))
                return error_set(bad, EINVAL, "line %zu: field 'epss' is not a number from 0 to 1; the row is skipped",
                                 line), 1;
        if (!epss_number(c2 + 1, end, &pct))
                return error_set(bad, EINVAL, "line %zu: field 'percentile' is not a number from 0 to 1; the row is "
                                 "skipped", line), 1;
        memcpy(cve, s, (size_t) (c1 - s));
        cve[c1 - s] = '\0';
        return fn ? fn(cve, epss, pct, line, userdata, err) : 0;
}

int epss_parse(const char *buf, size_t len, const char *name, struct epss_meta *ret_meta, epss_row_fn fn,
               kev_warn_fn warn, void *userdata, struct error *err) {
        const char *p = buf, *end = buf + len;
        struct epss_meta m = {};
        struct error first = {};
        bool header = false;
        size_t line = 0;
        int r = 0;

        if (len > EPSS_FILE_MAX)
                return error_set(err, EFBIG, "%s: larger than %zu MiB; is this an EPSS file?", name,
                                 EPSS_FILE_MAX >> 20);
        if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
                p += 3;
        for (; r >= 0 && p < end; line++) {
                const char *nl = memchr(p, '\n', (size_t) (end - p)), *stop = nl ? nl : end;

                if (stop > p && stop[-1] == '\r')
                        stop--;
                if (stop - p > EPSS_LINE_MAX)
                        r = error_set(err, EINVAL, "%s: line %zu is longer than %d bytes", name, line + 1,
                                      EPSS_LINE_MAX);
                else if (memchr(p, '\0', (size_t) (stop - p)))
                        r = error_set(err, EINVAL, "%s: line %zu holds a NUL byte", name, line + 1);
                else if (line == 0 && *p == '#')
                        r = epss_comment(p, stop, name, &m, err);
                else if (!header) {
                        if (stop - p != 19 || memcmp(p, "cve,epss,percentile", 19) != 0)
                                r = error_set(err, EINVAL, "%s: line %zu: expected the header "
                                              "'cve,epss,percentile'; is this FIRST's EPSS CSV?", name, line + 1);
                        header = true;
                } else if (stop > p) {
                        struct error bad = {};

                        if (++m.rows > EPSS_ROWS_MAX)
                                r = error_set(err, E2BIG, "%s: more than %d rows", name, EPSS_ROWS_MAX);
                        else if ((r = epss_row(p, stop, line + 1, fn, userdata, &bad, err)) > 0) {
                                /* one bad row does not cost the other 250,000
                                 * (a KEV entry without a CVE id is skipped too) */
                                if (m.skipped++ == 0)
                                        first = bad;
                                if (warn)
                                        warn(bad.msg, false, userdata);
                                r = 0;
                        }
                }
                p = nl ? nl + 1 : end;
        }
        if (r >= 0 && m.rows == 0)
                r = error_set(err, ENODATA, "%s: no scores (%s); download it again", name,
                              header ? "no row after the header" : "not even the header 'cve,epss,percentile'");
        else if (r >= 0 && m.skipped > m.rows / 2)      /* another format, not a few bad rows */
                r = error_set(err, EINVAL, "%s: %" PRIu64 " of the %" PRIu64 " rows are not a CVE id and two "
                              "numbers from 0 to 1 (the first, %s); is this FIRST's EPSS CSV in its current format?",
                              name, m.skipped, m.rows, first.msg);
        if (r < 0 || !ret_meta)
                epss_meta_done(&m);
        else
                *ret_meta = m;
        return r < 0 ? r : 0;
}

/* ---- into the database ---------------------------------------------------- */

struct feed_insert {
        sqlite3 *db;
        sqlite3_stmt *st;
        const char *name;
        uint64_t n;
        vulndb_skip_fn skip_fn;         /* what a catalogue's entries left out (may be NULL) */
        void *userdata;
        uint64_t skipped;               /* entries */
};

static int insert_done(struct feed_insert *fi, const char *cve, size_t line_or_index, bool is_line,
                       struct error *err) {
        int rc = sqlite3_step(fi->st);

        sqlite3_reset(fi->st);
        sqlite3_clear_bindings(fi->st);
        if (rc == SQLITE_CONSTRAINT) {  /* the same listing twice: the first is kept */
                struct error e = {};

                (void) error_set(&e, EINVAL, is_line ? "line %zu: %s is listed twice; the first is kept"
                                                     : "vulnerabilities[%zu].cveID: %s is listed twice; the first is kept",
                                 line_or_index, cve);
                if (fi->skip_fn)
                        fi->skip_fn(fi->name, e.msg, false, fi->userdata);
                fi->skipped++;
                return 0;
        }
        if (rc != SQLITE_DONE)
                return vulndb_sqlite_error(fi->db, rc, "store exploitation data", err);
        fi->n++;
        return 0;
}

static void bind_opt(sqlite3_stmt *st, int i, const char *s) {
        if (s)
                sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
        else
                sqlite3_bind_null(st, i);
}

static void kev_warn(const char *msg, bool kept, void *userdata) {
        struct feed_insert *fi = userdata;

        if (fi->skip_fn)
                fi->skip_fn(fi->name, msg, kept, fi->userdata);
}

static int kev_insert(const struct kev_entry *e, size_t index, void *userdata, struct error *err) {
        struct feed_insert *fi = userdata;

        bind_opt(fi->st, 1, e->cve);
        bind_opt(fi->st, 2, e->date_added);
        bind_opt(fi->st, 3, e->due_date);
        bind_opt(fi->st, 4, e->ransomware);
        bind_opt(fi->st, 5, e->vendor);
        bind_opt(fi->st, 6, e->product);
        bind_opt(fi->st, 7, e->name);
        return insert_done(fi, e->cve, index, false, err);
}

static int epss_insert(const char *cve, double epss, double percentile, size_t line, void *userdata,
                       struct error *err) {
        struct feed_insert *fi = userdata;

        sqlite3_bind_text(fi->st, 1, cve, -1, SQLITE_STATIC);
        sqlite3_bind_double(fi->st, 2, epss);
        sqlite3_bind_double(fi->st, 3, percentile);
        return insert_done(fi, cve, line, true, err);
}

static int exec_or_error(sqlite3 *db, const char *sql, struct error *err) {
        int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

        return rc == SQLITE_OK ? 0 : vulndb_sqlite_error(db, rc, "store exploitation data", err);
}

static int set_or_clear(sqlite3 *db, const char *key, const char *value, struct error *err) {
        sqlite3_stmt *st = NULL;
        int rc;

        if (value)
                return vulndb_meta_set(db, key, value, err);
        rc = sqlite3_prepare_v2(db, "DELETE FROM meta WHERE key = ?1", -1, &st, NULL);
        if (rc == SQLITE_OK) {
                sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
                rc = sqlite3_step(st);
        }
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : vulndb_sqlite_error(db, rc, "write meta table", err);
}

static int prepare_insert(struct feed_insert *fi, const char *clear, const char *sql, struct error *err) {
        int rc, r = exec_or_error(fi->db, clear, err);

        if (r < 0)
                return r;
        rc = sqlite3_prepare_v2(fi->db, sql, -1, &fi->st, NULL);
        return rc == SQLITE_OK ? 0 : vulndb_sqlite_error(fi->db, rc, "store exploitation data", err);
}

static int store_kev(struct feed_insert *fi, const char *buf, size_t len, struct error *err) {
        _cleanup_(kev_meta_done) struct kev_meta m = {};
        char count[32];
        int r;

        if ((r = prepare_insert(fi, "DELETE FROM kev",
                                "INSERT INTO kev (cve, date_added, due_date, ransomware, vendor, product, name)"
                                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", err)) < 0 ||
            (r = kev_parse(buf, len, fi->name, &m, kev_insert, kev_warn, fi, err)) < 0)
                return r;
        fi->skipped += m.skipped;
        snprintf(count, sizeof(count), "%llu", (unsigned long long) fi->n);
        if ((r = vulndb_meta_set(fi->db, "kev_catalog_version", m.catalog_version, err)) < 0 ||
            (r = vulndb_meta_set(fi->db, "kev_date_released", m.date_released, err)) < 0 ||
            (r = vulndb_meta_set(fi->db, "kev_count", count, err)) < 0)
                return r;
        return 0;
}

static int store_epss(struct feed_insert *fi, const char *buf, size_t len, struct error *err) {
        _cleanup_(epss_meta_done) struct epss_meta m = {};
        _cleanup_free_ char *csv = NULL;
        size_t csv_len = 0;
        char count[32];
        int r;

        if ((r = epss_gunzip(buf, len, fi->name, &csv, &csv_len, err)) < 0 ||
            (r = prepare_insert(fi, "DELETE FROM epss", "INSERT INTO epss (cve, epss, percentile) VALUES (?1, ?2, ?3)",
                                err)) < 0 ||
            (r = epss_parse(csv, csv_len, fi->name, &m, epss_insert, kev_warn, fi, err)) < 0)
                return r;
        fi->skipped += m.skipped;
        snprintf(count, sizeof(count), "%llu", (unsigned long long) fi->n);
        if ((r = set_or_clear(fi->db, "epss_model_version", m.model_version, err)) < 0 ||
            (r = set_or_clear(fi->db, "epss_score_date", m.score_date, err)) < 0 ||
            (r = vulndb_meta_set(fi->db, "epss_count", count, err)) < 0)
                return r;
        return 0;
}

int vulndb_feed_store(sqlite3 *db, const char *path, enum vulndb_feed kind, vulndb_skip_fn skip_fn, void *userdata,
                      struct vulndb_import_stats *stats, struct error *err) {
        struct feed_insert fi = { .db = db, .name = path, .skip_fn = skip_fn, .userdata = userdata };
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r;

        r = read_full_file(path, kind == VULNDB_FEED_KEV ? KEV_FILE_MAX : EPSS_FILE_MAX, &buf, &len, err);
        if (r < 0)
                return r;
        r = kind == VULNDB_FEED_KEV ? store_kev(&fi, buf, len, err) : store_epss(&fi, buf, len, err);
        sqlite3_finalize(fi.st);
        if (r < 0)
                return r;
        if (kind == VULNDB_FEED_KEV) {
                stats->kev = fi.n;
                stats->kev_skipped = fi.skipped;
        } else {
                stats->epss = fi.n;
                stats->epss_skipped = fi.skipped;
        }
        return 0;
}

/* The old database's KEV / EPSS rows and their meta keys; an old file
 * without them (schema 2, or none imported) gives nothing. */
int vulndb_feed_keep(sqlite3 *db, const char *old_path, unsigned keep, struct error *err) {
        static const struct {
                enum vulndb_feed kind;
                const char *sql;
        } copies[] = {
                { VULNDB_FEED_KEV, "INSERT OR IGNORE INTO kev SELECT cve, date_added, due_date, ransomware, vendor,"
                                   " product, name FROM old.kev;"
                                   "INSERT OR REPLACE INTO meta SELECT key, value FROM old.meta"
                                   " WHERE key IN ('kev_catalog_version', 'kev_date_released', 'kev_count')" },
                { VULNDB_FEED_EPSS, "INSERT OR IGNORE INTO epss SELECT cve, epss, percentile FROM old.epss;"
                                    "INSERT OR REPLACE INTO meta SELECT key, value FROM old.meta"
                                    " WHERE key IN ('epss_model_version', 'epss_score_date', 'epss_count')" },
        };
        sqlite3_stmt *st = NULL;
        int rc;

        if (keep == 0 || access(old_path, F_OK) < 0)
                return 0;
        rc = sqlite3_prepare_v2(db, "ATTACH DATABASE ?1 AS old", -1, &st, NULL);
        if (rc == SQLITE_OK) {
                sqlite3_bind_text(st, 1, old_path, -1, SQLITE_STATIC);
                rc = sqlite3_step(st);
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
                return vulndb_sqlite_error(db, rc, "open the previous database", err);
        for (size_t i = 0; i < ELEMENTSOF(copies); i++)
                if (keep & (1u << copies[i].kind))
                        (void) sqlite3_exec(db, copies[i].sql, NULL, NULL, NULL);
        rc = sqlite3_exec(db, "DETACH DATABASE old", NULL, NULL, NULL);
        return rc == SQLITE_OK ? 0 : vulndb_sqlite_error(db, rc, "close the previous database", err);
}

int vulndb_feed_digest(sqlite3 *db, EVP_MD_CTX *ctx) {
        static const struct {
                const char *tag, *sql;
                int columns;
        } parts[] = {
                { "kev\n", "SELECT cve, date_added, due_date, ransomware FROM kev ORDER BY cve", 4 },
                { "epss\n", "SELECT cve, epss, percentile FROM epss ORDER BY cve", 3 },
        };
        int rc = SQLITE_OK;

        for (size_t p = 0; rc == SQLITE_OK && p < ELEMENTSOF(parts); p++) {
                sqlite3_stmt *st = NULL;
                bool first = true;

                rc = sqlite3_prepare_v2(db, parts[p].sql, -1, &st, NULL);
                while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                        if (first)      /* nothing at all for an empty table: the revision stays */
                                EVP_DigestUpdate(ctx, parts[p].tag, strlen(parts[p].tag));
                        first = false;
                        for (int i = 0; i < parts[p].columns; i++) {
                                const unsigned char *t = sqlite3_column_text(st, i);

                                EVP_DigestUpdate(ctx, t ? (const char *) t : "", t ? (size_t) sqlite3_column_bytes(st, i) : 0);
                                EVP_DigestUpdate(ctx, i + 1 < parts[p].columns ? "\t" : "\n", 1);
                        }
                        rc = SQLITE_OK;
                }
                sqlite3_finalize(st);
                if (rc == SQLITE_DONE)
                        rc = SQLITE_OK;
        }
        return rc == SQLITE_OK ? 0 : vulndb_sqlite_error(db, rc, "compute revision", NULL);
}

int vulndb_feed_validate(const char *path, enum vulndb_feed kind, char **ret_date, uint64_t *ret_count,
                         struct error *err) {
        _cleanup_free_ char *buf = NULL, *csv = NULL;
        _cleanup_(kev_meta_done) struct kev_meta km = {};
        _cleanup_(epss_meta_done) struct epss_meta em = {};
        size_t len = 0, csv_len = 0;
        enum vulndb_feed is;
        const char *date;
        int r;

        r = read_full_file(path, kind == VULNDB_FEED_KEV ? KEV_FILE_MAX : EPSS_FILE_MAX, &buf, &len, err);
        if (r < 0)
                return r;
        is = vulndb_feed_detect(buf, len < FEED_SNIFF_MAX ? len : FEED_SNIFF_MAX);
        if (is != kind)
                return error_set(err, EINVAL, "%s is not %s", path, kind == VULNDB_FEED_KEV
                                 ? "CISA's KEV catalogue (JSON with 'catalogVersion')"
                                 : "FIRST's EPSS CSV ('#model_version:...' or 'cve,epss,percentile' first)");
        if (kind == VULNDB_FEED_KEV)
                r = kev_parse(buf, len, path, &km, NULL, NULL, NULL, err);
        else if ((r = epss_gunzip(buf, len, path, &csv, &csv_len, err)) >= 0)
                r = epss_parse(csv, csv_len, path, &em, NULL, NULL, NULL, err);
        if (r < 0)
                return r;
        if (ret_count)
                *ret_count = kind == VULNDB_FEED_KEV ? km.count - km.skipped : em.rows - em.skipped;
        if (!ret_date)
                return 0;
        date = kind == VULNDB_FEED_KEV ? km.date_released : em.score_date;
        *ret_date = date ? strdup(date) : NULL;
        return date && !*ret_date ? error_set(err, ENOMEM, "%s: out of memory", path) : 0;
}
