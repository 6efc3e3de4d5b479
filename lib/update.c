/* SPDX-License-Identifier: Apache-2.0 */
/* `portcullis db update` over libcurl's easy interface; see update.h for
 * the layout of the sources and what a run does. */
#include <curl/curl.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "base/clock.h"
#include "base/fileio.h"
#include "base/jsonutil.h"
#include "base/strutil.h"
#include "cache.h"
#include "ecosystem.h"
#include "portcullis-build.h"
#include "registry.h"
#include "update.h"
#include "update-internal.h"
#include "zip-read.h"

#define STATE_FILE "state.json"
#define STATE_VERSION 1
#define LOCK_FILE "lock"
#define OSV_ID_CHARS_MAX 256
#define MAX_REDIRS 5

static const char *const mode_names[_UPDATE_MODE_MAX] = {
        [UPDATE_UNCHANGED] = "unchanged",
        [UPDATE_INCREMENTAL] = "incremental",
        [UPDATE_FULL] = "full",
};

const char *update_mode_to_string(enum update_mode m) {
        return m >= 0 && m < _UPDATE_MODE_MAX ? mode_names[m] : NULL;
}

/* ---- a run's context ------------------------------------------------------ */

struct run {
        const struct update_settings *s;
        update_report_fn report;
        void *userdata;
        CURL *curl;
        size_t n_sources;
        char curl_err[CURL_ERROR_SIZE];
        json_t *state;          /* state.json as read (an empty object when none) */
        char *db_revision;      /* the database's revision before the run, or NULL */
        char *db_data_time;     /* its "data_time" (vulndb_import_dated()), or NULL */
        int64_t db_signed;      /* the time its signed data is of (db_signed_time()), or -1 */
        json_t *db_ecosystems;  /* the ecosystems it holds records of, as keys, or NULL */
        char data_time[32];     /* what it is to be after the run ("": none) */
        char **ecosystems;      /* what this run updates: s->ecosystems or the defaults */
        char **optional;        /* those no source having is no failure: another's stream
                                 * (add_streams()), one of the defaults (default_ecosystems()) */
        char **leaving;         /* the previous state's ecosystems no longer asked for (dropped()) */
        EVP_PKEY *key;          /* s->public_key, loaded; NULL without one */
        struct cve_src *cves;   /* s->cve_sources */
        size_t n_cves;
        struct feed_src *feeds; /* KEV and EPSS (s->kev_sources, s->epss_sources) */
        size_t n_feeds;
        int64_t retry_after;    /* the last 429/503's Retry-After, in seconds from then; -1: none */
        uint64_t waited_ms;     /* slept for Retry-After so far (UPDATE_WAIT_RUN_MAX_S) */
};

/* One ecosystem's part of a run. */
struct eco {
        const char *name;
        char *dir;              /* <state_dir>/<escaped name> */
        json_t *old;            /* its entry in the old state, or NULL */
        json_t *entry;          /* its entry in the new state */
        bool valid;             /* old entry, archive and database agree */
        enum update_mode mode;
        size_t source;          /* index of the source that answered last */
        char *zip_new;          /* a downloaded all.zip waiting for the commit */
        char *inc_dir;          /* fetched records waiting for the commit */
        char **skipped;         /* files of inc_dir that the import rejected */
        char **unfetched;       /* records a full run could not fetch one by one (eco_gap()) */
        uint64_t fetched;
        struct update_manifest m;       /* the verified manifest (with a key) */
        char *manifest_url;
        bool optional;          /* in r->optional: no source having it is not a failure */
        bool gone;              /* its last fetch failed: every source answered 404 */
        bool absent;            /* optional, never fetched, and no source has it: left out of the run */
        bool kept;              /* optional, fetched before, and no source has it now: its records kept */
};

/* CISA KEV or FIRST EPSS (update.h): one file, from the first of its
 * mirrors that serves it, kept as <state_dir>/feeds/<kev|epss>. */
struct feed_src {
        struct eco eco;         /* for messages, and with a key its manifest: name "CISA KEV", "EPSS" */
        enum vulndb_feed kind;
        char *const *urls;
        char *path;             /* where it is kept */
        char *tmp;              /* a new download waiting for the commit, or NULL */
        char *installed;        /* the date of the database's data (feed_kinds[].date), or NULL */
        uint64_t installed_n;   /* its entries (scores) */
        bool served;            /* a mirror served it (new, or not modified) */
        char *failed;           /* none did: the last one's error */
};

/* A file of CVE scores (update.h), kept as <state_dir>/cve/<sha256 of its URL>.<zip|json>. */
struct cve_src {
        struct eco eco;         /* for messages and progress: name "CVE scores" */
        const char *url;
        char *path;             /* where it is kept */
        char *tmp;              /* a new download waiting for the commit, or NULL */
        json_t *entry;          /* its state: validators and digest */
};

static _printf_(4, 5) void say(struct run *r, enum update_event_type type, const struct eco *e, const char *fmt, ...) {
        char msg[1024];
        va_list ap;

        if (!r->report)
                return;
        va_start(ap, fmt);
        (void) vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        r->report(&(struct update_event) { .type = type, .ecosystem = e ? e->name : NULL, .message = msg },
                  r->userdata);
}

void update_format_time(int64_t s, char ret[32]) {
        time_t t = (time_t) s;
        struct tm tm;

        if (!gmtime_r(&t, &tm) || strftime(ret, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                ret[0] = '\0';
}

static void now_rfc3339(char ret[32]) {
        update_format_time((int64_t) time(NULL), ret);
}

/* ---- files ---------------------------------------------------------------- */

static int rm_rf_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st;
        (void) flag;
        (void) ftw;
        return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static int rm_rf(const char *path) {
        if (nftw(path, rm_rf_one, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

static int mkdir_p(const char *path, mode_t mode) {
        _cleanup_free_ char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

/* A file name for an ecosystem: bytes other than [A-Za-z0-9_-] (and '.'
 * after the first byte) as %XX, so "Debian:12" is "Debian%3A12" and no name
 * can climb out of the state folder. */
static char *escape_name(const char *s) {
        struct strbuf b = {};

        for (const char *p = s; *p; p++) {
                unsigned char c = (unsigned char) *p;
                bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                             c == '_' || c == '-' || (c == '.' && p != s);

                if ((plain ? strbuf_append(&b, p, 1) : strbuf_printf(&b, "%%%02X", c)) < 0) {
                        strbuf_done(&b);
                        return NULL;
                }
        }
        return strbuf_steal(&b);
}

/* OSV ids are short and plain ("DSA-5523-1", "CVE-2023-38545",
 * "GHSA-xxxx-xxxx-xxxx", "PYSEC-2021-1"); anything else in the list is not
 * used as a file name. */
static bool id_ok(const char *s, size_t n) {
        if (n == 0 || n > OSV_ID_CHARS_MAX || s[0] == '.')
                return false;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_' || c == '.' || c == ':' || c == '+'))
                        return false;
        }
        return true;
}

/* ---- RFC 3339 times (modified_id.csv) ------------------------------------- */

int update_parse_time(const char *p, size_t n, struct osv_time *ret) {
        return clock_parse_rfc3339(p, n, &ret->s, &ret->ns);
}

static int time_cmp(const struct osv_time *a, const struct osv_time *b) {
        if (a->s != b->s)
                return a->s < b->s ? -1 : 1;
        return a->ns < b->ns ? -1 : a->ns > b->ns;
}

/* ---- modified_id.csv ------------------------------------------------------ */

struct changes {
        char **ids;             /* modified after the baseline */
        size_t n;
        char *newest;           /* the newest time in the list, as written */
        json_t *newest_ids;     /* every id at that time */
};

static void changes_done(struct changes *c) {
        strv_free(c->ids);
        free(c->newest);
        json_decref(c->newest_ids);
        *c = (struct changes) {};
}

static bool json_strv_has(json_t *a, const char *s, size_t n) {
        size_t i;
        json_t *v;

        json_array_foreach(a, i, v)
                if (json_string_length(v) == n && memcmp(json_string_value(v), s, n) == 0)
                        return true;
        return false;
}

/* One line of the list: its time (as written and parsed) and its id. */
struct csv_row {
        const char *line;
        size_t time_len;
        const char *id;
        size_t id_len;
        struct osv_time t;
};

/* The next line from *pos (empty lines skipped; *line counts them all):
 * 1, 0 at the end, -1 when it is not '<RFC 3339 time>,<ID>'. */
static int csv_line(const char *buf, size_t len, size_t *pos, size_t *line, struct csv_row *ret) {
        while (*pos < len) {
                const char *l = buf + *pos, *nl = memchr(l, '\n', len - *pos), *comma;
                size_t n = nl ? (size_t) (nl - l) : len - *pos;
                struct osv_time t;

                *pos += n + 1;
                (*line)++;
                if (n > 0 && l[n - 1] == '\r')
                        n--;
                if (n == 0)
                        continue;
                comma = memchr(l, ',', n);
                if (!comma || update_parse_time(l, (size_t) (comma - l), &t) < 0 ||
                    !id_ok(comma + 1, n - (size_t) (comma - l) - 1))
                        return -1;
                *ret = (struct csv_row) { .line = l, .time_len = (size_t) (comma - l), .id = comma + 1,
                                          .id_len = n - (size_t) (comma - l) - 1, .t = t };
                return 1;
        }
        return 0;
}

/* Reads lines newest first until one is older than the baseline (all of
 * them without a baseline, which only finds the newest time).  Returns 0
 * when the list can be trusted, 1 with *reason when it can't, or -ENOMEM. */
static int csv_scan(const char *buf, size_t len, const char *baseline, json_t *baseline_ids, unsigned max,
                    struct changes *ret, char *reason, size_t reason_size) {
        struct osv_time base = {}, prev = {}, newest = {}, t;
        bool reached = false, have_prev = false;
        struct csv_row row;
        size_t line = 0;
        int q;

        if (baseline && update_parse_time(baseline, strlen(baseline), &base) < 0) {
                snprintf(reason, reason_size, "the state's last time '%s' is not an RFC 3339 time", baseline);
                return 1;
        }
        ret->newest_ids = json_array();
        if (!ret->newest_ids)
                return -ENOMEM;
        for (size_t pos = 0;;) {
                q = csv_line(buf, len, &pos, &line, &row);
                if (q == 0)
                        break;
                if (q < 0) {
                        snprintf(reason, reason_size, "line %zu is not '<RFC 3339 time>,<ID>'", line);
                        return 1;
                }
                t = row.t;
                if (have_prev && time_cmp(&t, &prev) > 0) {
                        snprintf(reason, reason_size, "line %zu is newer than the line before (not newest first)",
                                 line);
                        return 1;
                }
                if (!have_prev) {
                        newest = t;
                        if (!(ret->newest = strndup(row.line, row.time_len)))
                                return -ENOMEM;
                }
                /* Every id at the newest time: the next run skips exactly
                 * these among the lines at that time. */
                if (time_cmp(&t, &newest) == 0 &&
                    json_array_append_new(ret->newest_ids, json_stringn(row.id, row.id_len)) < 0)
                        return -ENOMEM;
                prev = t;
                have_prev = true;
                if (!baseline)
                        continue;
                if (time_cmp(&t, &base) < 0) {
                        reached = true;
                        break;
                }
                if (time_cmp(&t, &base) == 0) {
                        reached = true;
                        if (json_strv_has(baseline_ids, row.id, row.id_len))
                                continue;
                }
                if (ret->n >= max) {
                        snprintf(reason, reason_size, "more than %u records changed since %s", max, baseline);
                        return 1;
                }
                if (strv_push(&ret->ids, strndup(row.id, row.id_len)) < 0)
                        return -ENOMEM;
                ret->n++;
        }
        if (baseline && !reached) {
                snprintf(reason, reason_size, "the list does not reach back to the last run's newest time %s",
                         baseline);
                return 1;
        }
        return 0;
}

/* ---- all.zip against modified_id.csv (eco_full()) -------------------------- */

/* What is read of each archive entry to find its "id" and "modified"
 * (the first members of an OSV record, as osv.dev writes them): the check
 * looks at a bounded head per entry, not a parse; a record whose "modified"
 * comes later is fetched one by one, as if the archive lacked it. */
#define GAP_HEAD_MAX ((size_t) 64 * 1024)

/* A line of the list, found by id. */
struct listed {
        const char *id;         /* into struct gap's list */
        struct osv_time t;
        uint16_t id_len;        /* id_ok(): at most OSV_ID_CHARS_MAX */
        bool current;           /* all.zip holds it, modified at least as late */
};

/* The list's lines sorted by id, each marked while verify_zip() streams
 * the archive: one that all.zip lacks or holds older is left unmarked. */
struct gap {
        char *list;             /* modified_id.csv */
        struct listed *v;
        size_t n;
};

static void gap_done(struct gap *g) {
        free(g->list);
        free(g->v);
        *g = (struct gap) {};
}

static int listed_cmp(const void *a, const void *b) {
        const struct listed *x = a, *y = b;
        int c = memcmp(x->id, y->id, x->id_len < y->id_len ? x->id_len : y->id_len);

        return c != 0 ? c : (int) x->id_len - (int) y->id_len;
}

/* Indexes the list (csv_scan() found it well-formed), taking it.  1 when it
 * has more lines than an archive may have entries (the check would say
 * nothing but that), -ENOMEM. */
static int gap_init(struct gap *g, char *list, size_t len) {
        struct csv_row row;
        size_t pos = 0, line = 0, n = 0;

        g->list = list;
        for (const char *p = list; p && (p = memchr(p, '\n', len - (size_t) (p - list))); p++)
                n++;
        if (n >= OSV_ZIP_ENTRIES_MAX)
                return 1;
        g->v = calloc(n + 1, sizeof(*g->v));
        if (!g->v)
                return -ENOMEM;
        while (g->n <= n && csv_line(list, len, &pos, &line, &row) > 0)
                g->v[g->n++] = (struct listed) { .id = row.id, .id_len = (uint16_t) row.id_len, .t = row.t };
        qsort(g->v, g->n, sizeof(*g->v), listed_cmp);
        return 0;
}

/* The string member key of the record's head, when it is one without
 * escapes (ids and times have none). */
static bool head_str(const char *buf, size_t len, const char *key, const char **ret, size_t *ret_len) {
        size_t obj = 0, val, end;

        while (obj < len && strchr(" \t\r\n", buf[obj]))
                obj++;
        if (json_find_member(buf, len, obj, key, &val) == JSON_POS_UNKNOWN || val >= len || buf[val] != '"')
                return false;
        for (end = val + 1; end < len && buf[end] != '"' && buf[end] != '\\'; end++)
                ;
        if (end >= len || buf[end] != '"')
                return false;
        *ret = buf + val + 1;
        *ret_len = end - val - 1;
        return true;
}

bool update_record_head(const char *buf, size_t len, const char *name, const char **ret_id, size_t *ret_id_len,
                        struct osv_time *ret_modified) {
        const char *id, *mod;
        size_t id_len, mod_len;

        if (!head_str(buf, len, "id", &id, &id_len)) {
                id = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
                if (!endswith_nocase(id, ".json"))
                        return false;
                id_len = strlen(id) - STRLEN(".json");
        }
        if (!id_ok(id, id_len) || !head_str(buf, len, "modified", &mod, &mod_len) ||
            update_parse_time(mod, mod_len, ret_modified) < 0)
                return false;
        *ret_id = id;
        *ret_id_len = id_len;
        return true;
}

/* One entry of the archive, read (len bytes at buf): marks its line of
 * the list when its copy is at least as new. */
static void gap_entry(struct gap *g, const char *name, const char *buf, size_t len) {
        struct listed key = {}, *l;
        struct osv_time t;
        const char *id;
        size_t id_len;

        if (!update_record_head(buf, len < GAP_HEAD_MAX ? len : GAP_HEAD_MAX, name, &id, &id_len, &t))
                return;
        key = (struct listed) { .id = id, .id_len = (uint16_t) id_len };
        l = bsearch(&key, g->v, g->n, sizeof(*g->v), listed_cmp);
        if (l && time_cmp(&t, &l->t) >= 0)
                l->current = true;
}

/* The ids of the lines left unmarked, in the order of their ids. */
static int gap_ids(const struct gap *g, char ***ret, size_t *ret_n) {
        _cleanup_strv_free_ char **ids = NULL;
        size_t n = 0;

        for (size_t i = 0; i < g->n; i++)
                if (!g->v[i].current)
                        n++;
        if (n > 0 && !(ids = calloc(n + 1, sizeof(*ids))))
                return -ENOMEM;
        n = 0;
        for (size_t i = 0; i < g->n; i++)
                if (!g->v[i].current && !(ids[n++] = strndup(g->v[i].id, g->v[i].id_len)))
                        return -ENOMEM;
        *ret = TAKE_PTR(ids);
        *ret_n = n;
        return 0;
}

/* ---- HTTP ----------------------------------------------------------------- */

/* Where a response body goes: a file (fd) or memory, with a cap, and an
 * optional running sha256. */
struct sink {
        int fd;
        struct strbuf mem;
        uint64_t len, max;
        EVP_MD_CTX *md;
        int write_errno;        /* writing here failed: our fault, not the source's */
        bool too_big;
        bool progress;          /* report PROGRESS events (the archive) */
        struct run *run;
        const struct eco *eco;
        const char *url;
        uint64_t reported;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata) {
        struct sink *k = userdata;
        size_t n = size * nmemb;

        if (k->len + n > k->max) {
                k->too_big = true;
                return 0;
        }
        if (k->fd >= 0) {
                for (size_t off = 0; off < n;) {
                        ssize_t w = write(k->fd, ptr + off, n - off);

                        if (w < 0 && errno == EINTR)
                                continue;
                        if (w < 0) {
                                k->write_errno = errno;
                                return 0;
                        }
                        off += (size_t) w;
                }
        } else if (strbuf_append(&k->mem, ptr, n) < 0) {
                k->write_errno = ENOMEM;
                return 0;
        }
        if (k->md)
                EVP_DigestUpdate(k->md, ptr, n);
        k->len += n;
        return n;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
        struct sink *k = userdata;

        (void) ultotal;
        (void) ulnow;
        if (!k->progress || !k->run->report || (uint64_t) dlnow == k->reported || dlnow <= 0)
                return 0;
        k->reported = (uint64_t) dlnow;
        k->run->report(&(struct update_event) { .type = UPDATE_EVENT_PROGRESS, .ecosystem = k->eco->name,
                                                .name = k->url, .done = (uint64_t) dlnow,
                                                .total = dltotal > 0 ? (uint64_t) dltotal : 0, .unit = "B" },
                       k->run->userdata);
        return 0;
}

static int sink_reset(struct sink *k) {
        k->len = 0;
        k->too_big = false;
        k->reported = 0;
        k->mem.len = 0;
        if (k->mem.s)
                k->mem.s[0] = '\0';
        if (k->md && !EVP_DigestInit_ex(k->md, EVP_sha256(), NULL))
                return -ENOMEM;
        if (k->fd >= 0 && (ftruncate(k->fd, 0) < 0 || lseek(k->fd, 0, SEEK_SET) < 0))
                return -errno;
        return 0;
}

/* Validators of a previous answer, for a conditional GET (RFC 9110 13.1). */
struct validators {
        const char *etag;
        const char *last_modified;
};

struct response {
        long status;
        bool gone;              /* fetch_checked() failed: every source answered 404 */
        char *etag;
        char *last_modified;
        char *url;              /* where it came from */
};

static void response_done(struct response *p) {
        free(p->etag);
        free(p->last_modified);
        free(p->url);
        *p = (struct response) {};
}

enum outcome {
        OUTCOME_OK,             /* 200, or 304 to a conditional request */
        OUTCOME_RETRY,          /* worth trying again: network, timeout, 5xx */
        OUTCOME_NEXT,           /* this source can't serve it: 404, TLS, too large */
        OUTCOME_FATAL,          /* a local problem (disk full): no source can help */
};

static enum outcome classify_curl(CURLcode cc) {
        switch (cc) {
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_URL_MALFORMAT:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_TOO_MANY_REDIRECTS:
                return OUTCOME_NEXT;
        default:
                return OUTCOME_RETRY;
        }
}

static char *header_value(CURL *curl, const char *name) {
        struct curl_header *h = NULL;

        if (curl_easy_header(curl, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK || !h->value || !*h->value)
                return NULL;
        return strdup(h->value);
}

/* An https URL failing with "unsupported protocol" had a redirect
 * refused: the URL itself is allowed, so only a hop can be (libcurl keeps
 * the 3xx status, not the refused location). */
static bool redirect_refused(CURL *curl, const char *url, CURLcode cc) {
        long status = 0;

        return cc == CURLE_UNSUPPORTED_PROTOCOL && startswith(url, "https://") &&
               curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status >= 300 &&
               status < 400;
}

/* Retry-After (RFC 9110 10.2.3): delay-seconds or an HTTP-date; the
 * seconds from now it asks for, 0 for a date passed, -1 for none or
 * one that does not parse. */
static int64_t retry_after(CURL *curl) {
        _cleanup_free_ char *v = header_value(curl, "Retry-After");
        int64_t s = 0;
        time_t t;

        if (!v)
                return -1;
        if (v[0] >= '0' && v[0] <= '9' && v[strspn(v, "0123456789")] == '\0') {
                for (const char *p = v; *p && s < INT32_MAX; p++)
                        s = s * 10 + (*p - '0');
                return s;
        }
        t = curl_getdate(v, NULL);
        if (t < 0)
                return -1;
        return t > time(NULL) ? (int64_t) (t - time(NULL)) : 0;
}

static enum outcome get_once(struct run *r, const char *url, const struct validators *v, struct sink *k,
                             struct response *ret, char *msg, size_t msg_size) {
        struct curl_slist *hdrs = NULL;
        _cleanup_free_ char *inm = NULL, *ims = NULL;
        CURLcode cc;
        long status = 0;

        r->retry_after = -1;
        if (sink_reset(k) < 0) {
                snprintf(msg, msg_size, "reset %s: %s", url, strerror(errno));
                return OUTCOME_FATAL;
        }
        if (v && v->etag && asprintf(&inm, "If-None-Match: %s", v->etag) >= 0)
                hdrs = curl_slist_append(hdrs, inm);
        if (v && v->last_modified && asprintf(&ims, "If-Modified-Since: %s", v->last_modified) >= 0)
                hdrs = curl_slist_append(hdrs, ims);
        curl_easy_setopt(r->curl, CURLOPT_URL, url);
        /* An https source may only redirect to https: a redirect to http
         * would hand the download (and, unsigned, its content) to anyone
         * on the path. */
        if (curl_easy_setopt(r->curl, CURLOPT_REDIR_PROTOCOLS_STR,
                             startswith(url, "https://") ? "https" : "http,https") != CURLE_OK) {
                curl_slist_free_all(hdrs);
                snprintf(msg, msg_size, "libcurl lacks CURLOPT_REDIR_PROTOCOLS_STR (7.85 or later is needed)");
                return OUTCOME_FATAL;
        }
        curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, hdrs);
        /* gzip and the like only for what is kept in memory, under its
         * cap: a file written to the state folder (all.zip, a record, CVE,
         * KEV, EPSS) comes as sent, so that a few kilobytes can't inflate
         * into gigabytes there (16 MiB per record, 8 GiB per all.zip, each
         * within the caps); without Accept-Encoding libcurl decodes
         * nothing. */
        curl_easy_setopt(r->curl, CURLOPT_ACCEPT_ENCODING, k->fd >= 0 ? NULL : "");
        curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, k);
        curl_easy_setopt(r->curl, CURLOPT_XFERINFODATA, k);
        r->curl_err[0] = '\0';
        cc = curl_easy_perform(r->curl);
        curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, NULL);
        curl_slist_free_all(hdrs);
        if (k->write_errno) {
                snprintf(msg, msg_size, "write the download of %s: %s", url, strerror(k->write_errno));
                return OUTCOME_FATAL;
        }
        if (k->too_big) {
                snprintf(msg, msg_size, "%s is larger than the limit of %llu bytes", url,
                         (unsigned long long) k->max);
                return OUTCOME_NEXT;
        }
        if (redirect_refused(r->curl, url, cc)) {
                snprintf(msg, msg_size, "%s redirects to a URL that is not https (%s); refusing to leave https "
                         "(fix the mirror's redirect, or name an http:// source if a plain one is meant)", url,
                         r->curl_err[0] ? r->curl_err : curl_easy_strerror(cc));
                return OUTCOME_NEXT;
        }
        if (cc != CURLE_OK) {
                snprintf(msg, msg_size, "%s: %s", url, r->curl_err[0] ? r->curl_err : curl_easy_strerror(cc));
                return classify_curl(cc);
        }
        curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &status);
        if (status == 200 || (status == 304 && v)) {
                ret->status = status;
                ret->etag = header_value(r->curl, "ETag");
                ret->last_modified = header_value(r->curl, "Last-Modified");
                ret->url = strdup(url);
                return OUTCOME_OK;
        }
        ret->status = status;   /* fetch_checked() tells a 404 from each source (gone) */
        snprintf(msg, msg_size, "%s: HTTP status %ld", url, status);
        if (status == 429 || status == 503)
                r->retry_after = retry_after(r->curl);
        return status >= 500 || status == 408 || status == 429 ? OUTCOME_RETRY : OUTCOME_NEXT;
}

static int make_url(struct run *r, size_t source, const char *eco, const char *file, char **ret) {
        const char *base = r->s->sources[source];
        size_t n = strlen(base);
        char *e = curl_easy_escape(r->curl, eco, 0), *f = curl_easy_escape(r->curl, file, 0);
        int q;

        while (n > 0 && base[n - 1] == '/')
                n--;
        q = e && f && asprintf(ret, "%.*s/%s/%s", (int) n, base, e, f) >= 0 ? 0 : -ENOMEM;
        curl_free(e);
        curl_free(f);
        return q;
}

static void backoff(unsigned ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* A number in [0, n): every node of a fleet draws its own, so that their
 * retries spread out instead of arriving together. */
static unsigned jitter(unsigned n) {
        uint32_t x;

        if (n == 0)
                return 0;
        if (getrandom(&x, sizeof(x), GRND_NONBLOCK) != (ssize_t) sizeof(x))
                x = (uint32_t) clock_now_ms() ^ (uint32_t) getpid();
        return x % n;
}

/* Adds to msg when the mirror asked to be tried again, and why not now. */
static void add_come_back(const struct run *r, char *msg, size_t msg_size, const char *why) {
        size_t n = strlen(msg);
        char at[32];

        update_format_time((int64_t) time(NULL) + r->retry_after, at);
        snprintf(msg + n, msg_size - n, "; it asks to be tried again after %lld s (Retry-After; at %s)%s",
                 (long long) r->retry_after, at, why);
}

/* After a 429 or 503 with Retry-After: how long to wait before the next
 * try (the time asked for and up to a quarter more), or false when that is
 * more than UPDATE_RETRY_AFTER_MAX_S or than what is left of the run's
 * UPDATE_WAIT_RUN_MAX_S: the source is then left, saying when it asked to
 * be asked again. */
static bool retry_after_wait(struct run *r, char *msg, size_t msg_size, unsigned *ret_ms) {
        uint64_t ms = (uint64_t) r->retry_after * 1000;
        char why[128];

        if (r->retry_after <= UPDATE_RETRY_AFTER_MAX_S &&
            r->waited_ms + ms <= (uint64_t) UPDATE_WAIT_RUN_MAX_S * 1000) {
                *ret_ms = (unsigned) (ms + jitter((unsigned) ms / 4 + 1));
                return true;
        }
        snprintf(why, sizeof(why), ", longer than this run waits (%d s at a time, %d s in all)",
                 UPDATE_RETRY_AFTER_MAX_S, UPDATE_WAIT_RUN_MAX_S);
        add_come_back(r, msg, msg_size, why);
        return false;
}

/* GET url up to UPDATE_TRIES times with exponential backoff, jittered
 * (half to one and a half times the step), or after the time a 429/503
 * asked for in Retry-After. */
static enum outcome get_retrying(struct run *r, const struct eco *e, const char *url, const struct validators *v,
                                 struct sink *k, struct response *ret, char *msg, size_t msg_size) {
        enum outcome o = OUTCOME_RETRY;

        k->url = url;
        for (unsigned t = 1; t <= UPDATE_TRIES && o == OUTCOME_RETRY; t++) {
                if (t > 1) {
                        unsigned ms = (r->s->retry_delay_ms ? r->s->retry_delay_ms : 500) << (t - 2), wait = 0;

                        ms = ms / 2 + jitter(ms);
                        if (r->retry_after >= 0 && !retry_after_wait(r, msg, msg_size, &wait)) {
                                o = OUTCOME_NEXT;
                                break;
                        }
                        if (wait > ms) {
                                ms = wait;
                                r->waited_ms += ms;
                        }
                        say(r, UPDATE_EVENT_RETRY, e, "%s; try %u of %u in %.2f s%s", msg, t, UPDATE_TRIES,
                            ms / 1000.0, wait == ms ? " (as Retry-After asks)" : "");
                        backoff(ms);
                }
                o = get_once(r, url, v, k, ret, msg, msg_size);
        }
        if (o == OUTCOME_RETRY && r->retry_after >= 0)
                add_come_back(r, msg, msg_size, "");
        k->url = NULL;
        return o;
}

/* What a 200 must pass to count as served (the signed manifest's sha256,
 * a readable zip): an answer that fails it is that source failing, and the
 * next is tried.  -ENOMEM is ours, not the source's. */
struct answer_check {
        int (*fn)(struct run *r, const struct eco *e, const char *file, const struct response *resp,
                  struct sink *k, void *userdata, struct error *err);
        void *userdata;
};

/* GET <source>/<eco>/<file> from that one source, up to UPDATE_TRIES
 * times; the answer checked. */
static enum outcome fetch_from(struct run *r, struct eco *e, size_t src, const char *file,
                               const struct validators *v, struct sink *k, const struct answer_check *c,
                               struct response *ret, char *msg, size_t msg_size) {
        _cleanup_free_ char *url = NULL;
        struct error cerr = {};
        enum outcome o;
        int q;

        k->run = r;
        k->eco = e;
        if (make_url(r, src, e->name, file, &url) < 0) {
                snprintf(msg, msg_size, "out of memory");
                return OUTCOME_FATAL;
        }
        response_done(ret);
        o = get_retrying(r, e, url, v, k, ret, msg, msg_size);
        /* "not modified" answers a request that named the version it
         * has; to one that named none, it is a source holding the file
         * back */
        if (o == OUTCOME_OK && ret->status == 304 && (!v || (!v->etag && !v->last_modified))) {
                snprintf(msg, msg_size, "%.300s: 304 Not Modified to a request that named no version of it", url);
                return OUTCOME_NEXT;
        }
        if (o != OUTCOME_OK || ret->status != 200 || !c)
                return o;
        q = c->fn(r, e, file, ret, k, c->userdata, &cerr);
        if (q >= 0)
                return OUTCOME_OK;
        snprintf(msg, msg_size, "%.900s", cerr.msg);
        return q == -ENOMEM ? OUTCOME_FATAL : OUTCOME_NEXT;
}

/* GET <source>/<eco>/<file>: up to UPDATE_TRIES per source with exponential
 * backoff, then the next source, starting from the one that answered this
 * ecosystem last.  An answer that fails the check c (when given) is that
 * source failing too; when no source served and one of them failed the
 * check, -EBADMSG (a file refused, not only missing). */
static int fetch_checked(struct run *r, struct eco *e, const char *file, const struct validators *v,
                         struct sink *k, const struct answer_check *c, struct response *ret, struct error *err) {
        char msg[1024] = "";
        bool refused = false, gone = true;

        for (size_t i = 0; i < r->n_sources; i++) {
                size_t src = (e->source + i) % r->n_sources;
                enum outcome o = fetch_from(r, e, src, file, v, k, c, ret, msg, sizeof(msg));

                refused = refused || (o == OUTCOME_NEXT && ret->status == 200);
                gone = gone && o == OUTCOME_NEXT && ret->status == 404;

                if (o == OUTCOME_OK) {
                        e->source = src;
                        return 0;
                }
                if (o == OUTCOME_FATAL)
                        return error_set(err, EIO, "%s", msg);
                if (i + 1 < r->n_sources)
                        say(r, UPDATE_EVENT_RETRY, e, "%s; trying the next source, %s", msg,
                            r->s->sources[(src + 1) % r->n_sources]);
        }
        ret->gone = gone;
        return error_set(err, refused ? EBADMSG : EHOSTUNREACH, "%s: no source could serve it (last: %s)", file,
                         msg);
}

static int curl_setup(struct run *r, struct error *err) {
        const struct update_settings *s = r->s;
        long timeout = s->timeout_s ? (long) s->timeout_s : UPDATE_TIMEOUT_S_DEFAULT;
        CURL *c;

        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(c = r->curl = curl_easy_init()))
                return error_set(err, ENOMEM, "initialise libcurl");
        /* Only http and https, also after redirects: a source must not be
         * able to point us at file:// or anything else. */
        if (curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
            curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK)
                return error_set(err, ENOTSUP, "libcurl lacks http/https protocol restriction");
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long) MAX_REDIRS);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout);
        /* Slower than the floor for timeout_s seconds in a row is a
         * failing source (the next is tried): all.zip of a big ecosystem
         * takes minutes on a slow link, but a mirror that drips its answer
         * (or stops after a part) must not hold the update for hours, as a
         * limit of 1 byte/s let it. */
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, (long) UPDATE_FLOOR_BPS);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, timeout);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "portcullis/" PORTCULLIS_VERSION);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->curl_err);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        if (s->proxy)
                curl_easy_setopt(c, CURLOPT_PROXY, s->proxy);
        if (s->ca_file)
                curl_easy_setopt(c, CURLOPT_CAINFO, s->ca_file);
        return 0;
}

/* ---- the archive ---------------------------------------------------------- */

/* Reads every entry of the zip (so that CRCs are checked) without
 * extracting anything; *ret_records counts the .json entries.  With g,
 * marks the lines of the list each entry's copy is at least as new as. */
static int verify_zip(const char *path, const char *url, struct gap *g, uint64_t *ret_records,
                      struct error *err) {
        _cleanup_(zip_closep) struct zip_reader *z = NULL;
        _cleanup_free_ char *buf = NULL;
        struct zip_entry e;
        uint64_t records = 0;
        size_t cap = 0, len;
        int r;

        for (size_t i = 0; g && i < g->n; i++)  /* another source's answer */
                g->v[i].current = false;
        if ((r = zip_open(path, url, "is the download truncated?", &z, err)) < 0)
                return r;
        while ((r = zip_next(z, &e, err)) > 0) {
                bool json = !e.dir && endswith_nocase(e.name, ".json");     /* as db import counts */

                if ((r = zip_read(z, &buf, &cap, &len, err)) < 0)
                        break;
                if (json) {
                        records++;
                        if (g)
                                gap_entry(g, e.name, buf, len);
                }
        }
        if (r < 0)
                return r;
        if (records == 0)
                return error_set(err, EBADMSG, "%s holds no .json records; is this an OSV all.zip?", url);
        *ret_records = records;
        return 0;
}

static void md_freep(EVP_MD_CTX **p) {
        EVP_MD_CTX_free(*p);
}

void update_hex(const unsigned char *md, unsigned n, char *ret) {
        static const char xd[] = "0123456789abcdef";

        for (unsigned i = 0; i < n; i++) {
                ret[2 * i] = xd[md[i] >> 4];
                ret[2 * i + 1] = xd[md[i] & 15];
        }
        ret[2 * n] = '\0';
}

static int set_str(json_t *o, const char *key, const char *v) {
        return json_object_set_new(o, key, v ? json_string(v) : json_null());
}

/* ---- signed manifests (update.h) ------------------------------------------ */

static void sha256_of(const void *buf, size_t len, char ret[65]) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned n = 0;

        if (!EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL) || n != 32) {
                ret[0] = '\0';
                return;
        }
        update_hex(md, n, ret);
}

bool update_key_type_ok(int id) {
        return id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448 || id == EVP_PKEY_RSA || id == EVP_PKEY_EC;
}

static int load_key(struct run *r, struct error *err) {
        return r->s->public_key ? update_load_public_key(r->s->public_key, &r->key, err) : 0;
}

static bool sha256_hex_ok(const char *s) {
        if (!s || strlen(s) != 64)
                return false;
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
                        return false;
        return true;
}

void update_manifest_done(struct update_manifest *m) {
        json_decref(m->files);
        *m = (struct update_manifest) {};
}

/* "created" and "expires": RFC 3339 times, kept as UTC seconds. */
static int manifest_time(json_t *doc, const char *key, const char *url, int64_t *ret, struct error *err) {
        const char *v = json_string_value(json_object_get(doc, key));
        struct osv_time t;

        if (!v || update_parse_time(v, strlen(v), &t) < 0)
                return error_set(err, EBADMSG, "%s: \"%s\" is missing or not an RFC 3339 time; sign the manifest "
                                 "with 'portcullis db sign --serial N --expires TIME DIR', which writes it", url, key);
        *ret = t.s;
        return 0;
}

/* {"serial": N, "created": TIME, "expires": TIME, "files": {"<name>":
 * "<sha256 hex>", ...}}; other keys are left for later versions of the
 * layout. */
int update_manifest_parse(const char *buf, size_t len, const char *url, struct update_manifest *ret,
                          struct error *err) {
        json_error_t jerr;
        json_t *doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr), *files, *serial, *v;
        struct update_manifest m = {};
        const char *name;
        int q = 0;

        if (!doc)
                return error_set(err, EBADMSG, "%s:%d:%d: %s", url, jerr.line, jerr.column, jerr.text);
        files = json_object_get(doc, "files");
        serial = json_object_get(doc, "serial");
        if (!json_is_object(files))
                q = error_set(err, EBADMSG, "%s has no \"files\" object ({\"files\": {\"all.zip\": "
                              "\"<sha256 hex>\", ...}})", url);
        else if (!json_is_integer(serial) || json_integer_value(serial) < 0)
                q = error_set(err, EBADMSG, "%s: \"serial\" is missing or not a whole number of 0 or more; the "
                              "mirror must number its snapshots, higher for every new one ('portcullis db sign "
                              "--serial N')", url);
        if (q >= 0)
                json_object_foreach(files, name, v)
                        if (!sha256_hex_ok(json_string_value(v))) {
                                q = error_set(err, EBADMSG, "%s: \"%s\" is not a sha256 in hex", url, name);
                                break;
                        }
        if (q >= 0)
                q = manifest_time(doc, "created", url, &m.created, err);
        if (q >= 0)
                q = manifest_time(doc, "expires", url, &m.expires, err);
        if (q >= 0 && m.expires <= m.created)
                q = error_set(err, EBADMSG, "%s: \"expires\" is not after \"created\"; sign it again with a later "
                              "--expires", url);
        if (q >= 0) {
                m.serial = json_integer_value(serial);
                m.files = json_incref(files);
                *ret = m;
        }
        json_decref(doc);
        return q;
}

/* An expired manifest is refused: a mirror that stopped signing (or one
 * that replays a snapshot) is noticed within the signer's validity period. */
static int manifest_fresh(const struct eco *e, const char *url, struct error *err) {
        char exp[32];

        if (e->m.expires > (int64_t) time(NULL))
                return 0;
        update_format_time(e->m.expires, exp);
        return error_set(err, EKEYEXPIRED, "%s: the signed manifest expired at %s (\"expires\"); the mirror serves "
                         "a stale or frozen snapshot: make sure its signing job still runs ('portcullis db sign "
                         "... --expires TIME'), or use another source", url, exp);
}

/* The serial against the last one installed: lower is a rollback, equal is
 * the snapshot installed already.  Returns 1 for equal. */
static int manifest_serial(struct run *r, const struct eco *e, const char *url, struct error *err) {
        json_t *old = json_object_get(e->old, "manifest_serial");
        json_int_t last = json_integer_value(old);

        if (!json_is_integer(old) || e->m.serial > last)
                return 0;
        if (e->m.serial == last)
                return 1;
        return error_set(err, ESTALE, "%s: \"serial\" is %lld, lower than %lld, the serial of the snapshot "
                         "installed last (%s/" STATE_FILE "); refusing to roll the database back. If the mirror "
                         "was rebuilt on purpose, sign its manifest with a serial above %lld",
                         url, (long long) e->m.serial, (long long) last, r->s->state_dir, (long long) last);
}

/* The serial holds a snapshot back only while the database is the one the
 * state describes.  One that came another way (an oci:// artifact, `db
 * import`, a state lost or removed) is held to the time of its signed data
 * instead, as an artifact is (registry-pull.c): an ecosystem it holds may
 * not be rebuilt from a manifest created before that time. */
static int manifest_not_older(struct run *r, const struct eco *e, const char *url, struct error *err) {
        char created[32], have[32];

        if (r->db_signed < 0 || e->m.created >= r->db_signed || !json_object_get(r->db_ecosystems, e->name) ||
            (json_is_integer(json_object_get(e->old, "manifest_serial")) &&
             streq_ptr(json_string_value(json_object_get(r->state, "db_revision")), r->db_revision)))
                return 0;
        update_format_time(e->m.created, created);
        update_format_time(r->db_signed, have);
        return error_set(err, ESTALE, "%s: created %s (\"created\"), before the signed data of %s (%s), which holds "
                         "%s records; refusing to roll the database back. If the mirror serves older data on "
                         "purpose, sign its manifest again ('portcullis db sign', created now)",
                         url, created, r->s->db_path, have, e->name);
}

static int manifest_record(struct eco *e) {
        char created[32], expires[32];

        update_format_time(e->m.created, created);
        update_format_time(e->m.expires, expires);
        if (json_object_set_new(e->entry, "manifest_serial", json_integer((json_int_t) e->m.serial)) < 0 ||
            set_str(e->entry, "manifest_created", created) < 0 || set_str(e->entry, "manifest_expires", expires) < 0)
                return -ENOMEM;
        return 0;
}

/* manifest.json and its signature from one source, checked: 1 when it is
 * the one installed last (manifest_serial()).  A failure sets *ret_fatal
 * when it is ours (memory, a local file), not the source's. */
static int manifest_from(struct run *r, struct eco *e, size_t src, bool *ret_fatal, struct error *err) {
        _cleanup_(response_done) struct response mresp = {}, sresp = {};
        struct sink m = { .fd = -EBADF, .max = UPDATE_MANIFEST_MAX, .mem = { .max = UPDATE_MANIFEST_MAX + 1 } };
        struct sink g = { .fd = -EBADF, .max = UPDATE_SIG_MAX, .mem = { .max = UPDATE_SIG_MAX + 1 } };
        char msg[1024] = "";
        enum outcome o;
        int q = 0;

        update_manifest_done(&e->m);
        free(e->manifest_url);
        e->manifest_url = NULL;
        o = fetch_from(r, e, src, MANIFEST_FILE, NULL, &m, NULL, &mresp, msg, sizeof(msg));
        if (o == OUTCOME_OK)
                o = fetch_from(r, e, src, MANIFEST_SIG_FILE, NULL, &g, NULL, &sresp, msg, sizeof(msg));
        *ret_fatal = o == OUTCOME_FATAL;
        e->gone = o == OUTCOME_NEXT && mresp.status == 404;
        if (o != OUTCOME_OK)
                q = error_set(err, o == OUTCOME_FATAL ? EIO : EHOSTUNREACH, "%s", msg);
        if (q >= 0 && !update_sig_ok(r->key, m.mem.s, m.mem.len, g.mem.s, g.mem.len))
                q = error_set(err, EBADMSG, "%s: the signature %s does not verify with the public key %s; "
                              "refusing this source's files", mresp.url, sresp.url, r->s->public_key);
        if (q >= 0)
                q = update_manifest_parse(m.mem.s ? m.mem.s : "", m.mem.len, mresp.url, &e->m, err);
        if (q >= 0 && !(e->manifest_url = strdup(mresp.url)))
                q = error_set(err, ENOMEM, "out of memory");
        if (q >= 0)
                q = manifest_fresh(e, mresp.url, err);
        if (q >= 0)
                q = manifest_serial(r, e, mresp.url, err);
        if (q >= 0 && manifest_not_older(r, e, mresp.url, err) < 0)
                q = -ESTALE;
        if (q >= 0 && manifest_record(e) < 0)
                q = error_set(err, ENOMEM, "out of memory");
        if (q == -ENOMEM)
                *ret_fatal = true;
        if (q >= 0)
                say(r, UPDATE_EVENT_STEP, e, "%s: signature verified, serial %lld, %zu files listed%s", mresp.url,
                    (long long) e->m.serial, json_object_size(e->m.files),
                    q == 1 && e->valid ? "; up to date (the serial installed last)" : "");
        strbuf_done(&m.mem);
        strbuf_done(&g.mem);
        return q;
}

/* With a key: manifest.json and its signature, before anything else, both
 * from the same source.  One whose pair can't be used (not there, not a
 * manifest, a signature that does not verify, expired, a rollback) is
 * that source failing: said, and the next is tried; the run fails when
 * none serves.  Returns 1 when the manifest is the one installed last
 * (same serial) and the state still describes the database: nothing more
 * to fetch. */
static int fetch_manifest(struct run *r, struct eco *e, struct error *err) {
        struct error serr = {};
        bool gone = true;

        if (!r->key)
                return 0;
        for (size_t i = 0; i < r->n_sources; i++) {
                size_t src = (e->source + i) % r->n_sources;
                bool fatal = false;
                int q;

                error_clear(&serr);
                q = manifest_from(r, e, src, &fatal, &serr);
                if (q >= 0) {
                        e->source = src;
                        e->gone = false;
                        return q == 1 && !e->valid ? 0 : q;
                }
                gone = e->gone = gone && e->gone;
                if (fatal || r->n_sources == 1) {
                        *err = serr;
                        return q;
                }
                if (i + 1 < r->n_sources)
                        say(r, UPDATE_EVENT_RETRY, e, "%s; trying the next source, %s", serr.msg,
                            r->s->sources[(src + 1) % r->n_sources]);
        }
        *err = serr;
        return error_wrap(err, "no source served a usable signed " MANIFEST_FILE " (each said why above); the last");
}

/* With a key, a downloaded file must be in the manifest with its sha256. */
static int manifest_check(struct run *r, const struct eco *e, const char *file, const char *url, const char *sha,
                          struct error *err) {
        const char *want;

        if (!r->key)
                return 0;
        want = json_string_value(json_object_get(e->m.files, file));
        if (!want)
                return error_set(err, EBADMSG, "%s is not listed in the signed manifest %s", url, e->manifest_url);
        if (!strcaseeq(want, sha))
                return error_set(err, EBADMSG, "%s has sha256 %s, but the signed manifest %s says %s", url, sha,
                                 e->manifest_url, want);
        return 0;
}

static int manifest_check_buf(struct run *r, const struct eco *e, const char *file, const struct response *resp,
                              const struct strbuf *b, struct error *err) {
        char sha[65];

        if (!r->key)
                return 0;
        sha256_of(b->s ? b->s : "", b->len, sha);
        return manifest_check(r, e, file, resp->url, sha, err);
}

struct zip_answer {
        const char *path;
        struct gap *gap;        /* or NULL */
        char sha[65];
        uint64_t records;
};

/* The digest first: a file that isn't the one signed is not opened. */
static int zip_check(struct run *r, const struct eco *e, const char *file, const struct response *resp,
                     struct sink *k, void *userdata, struct error *err) {
        struct zip_answer *z = userdata;
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned mdlen = 0;
        int q;

        if (EVP_DigestFinal_ex(k->md, digest, &mdlen) != 1 || mdlen != 32)
                return error_set(err, ENOMEM, "sha256 of %s failed", z->path);
        update_hex(digest, mdlen, z->sha);
        q = manifest_check(r, e, file, resp->url, z->sha, err);
        if (q >= 0)
                q = verify_zip(z->path, resp->url, z->gap, &z->records, err);
        return q;
}

/* Downloads all.zip to a temporary file in the ecosystem's folder, checks
 * it (an answer that fails is the source failing: the next is tried), and
 * records its digest and validators in e->entry.  With g, marks the lines
 * of the list that it holds as new (verify_zip()). */
static int fetch_zip(struct run *r, struct eco *e, struct gap *g, struct error *err) {
        _cleanup_(md_freep) EVP_MD_CTX *md = EVP_MD_CTX_new();
        struct sink k = { .max = UPDATE_ZIP_MAX, .md = md, .progress = true };
        _cleanup_(response_done) struct response resp = {};
        _cleanup_free_ char *tmp = NULL;
        struct zip_answer z = { .gap = g };
        char now[32];
        struct stat st;
        int q;

        /* The name ends in .zip: that is how vulndb_import() knows an archive. */
        if (!md || asprintf(&tmp, "%s/tmp-XXXXXX-all.zip", e->dir) < 0)
                return error_set(err, ENOMEM, "out of memory");
        k.fd = mkstemps(tmp, STRLEN("-all.zip"));
        if (k.fd < 0)
                return error_set_errno(err, errno, "create %s", tmp);
        say(r, UPDATE_EVENT_STEP, e, "downloading all.zip");
        z.path = tmp;
        q = fetch_checked(r, e, "all.zip", NULL, &k, &(struct answer_check) { zip_check, &z }, &resp, err);
        e->gone = q < 0 && resp.gone;
        if (q >= 0 && (fsync(k.fd) < 0 || fstat(k.fd, &st) < 0))
                q = error_set_errno(err, errno, "write %s", tmp);
        close(k.fd);
        if (q < 0) {
                (void) unlink(tmp);
                return q;
        }
        now_rfc3339(now);
        say(r, UPDATE_EVENT_STEP, e, "%s: %llu bytes, %llu records, sha256 %s", resp.url,
            (unsigned long long) k.len, (unsigned long long) z.records, z.sha);
        if (set_str(e->entry, "zip_sha256", z.sha) < 0 || set_str(e->entry, "zip_etag", resp.etag) < 0 ||
            set_str(e->entry, "zip_last_modified", resp.last_modified) < 0 ||
            set_str(e->entry, "zip_downloaded", now) < 0 ||
            json_object_set_new(e->entry, "zip_size", json_integer((json_int_t) st.st_size)) < 0 ||
            json_object_set_new(e->entry, "zip_records", json_integer((json_int_t) z.records)) < 0 ||
            set_str(e->entry, "source", r->s->sources[e->source]) < 0)
                return error_set(err, ENOMEM, "out of memory");
        e->zip_new = TAKE_PTR(tmp);
        return 0;
}

/* ---- one ecosystem -------------------------------------------------------- */

static const char *entry_str(json_t *o, const char *key) {
        return json_string_value(json_object_get(o, key));
}

static int zip_path(const struct eco *e, char **ret) {
        return asprintf(ret, "%s/all.zip", e->dir) < 0 ? -ENOMEM : 0;
}

/* The incremental path is open only when the state describes this very
 * archive and this very database. */
static bool eco_state_valid(struct run *r, struct eco *e) {
        _cleanup_free_ char *zip = NULL;
        json_t *size;
        struct stat st;

        if (!e->old || !r->db_revision || !streq_ptr(entry_str(r->state, "db_revision"), r->db_revision))
                return false;
        size = json_object_get(e->old, "zip_size");
        if (zip_path(e, &zip) < 0 || stat(zip, &st) < 0 || !json_is_integer(size) ||
            json_integer_value(size) != (json_int_t) st.st_size)
                return false;
        return true;
}

static int csv_check(struct run *r, const struct eco *e, const char *file, const struct response *resp,
                     struct sink *k, void *userdata, struct error *err) {
        return manifest_check_buf(r, e, file, resp, &k->mem, err);
}

/* Downloads modified_id.csv into k (conditionally when v is given); with
 * a key, one not in the signed manifest is that source failing. */
static int fetch_csv(struct run *r, struct eco *e, const struct validators *v, struct sink *k, struct response *ret,
                     struct error *err) {
        *k = (struct sink) { .fd = -EBADF, .max = UPDATE_CSV_MAX, .mem = { .max = UPDATE_CSV_MAX + 1 } };
        return fetch_checked(r, e, "modified_id.csv", v, k, &(struct answer_check) { csv_check }, ret, err);
}

/* Where the next run starts: the list's newest time, but never later than
 * now (a record stamped in the future, by a skewed clock or a typo, would
 * else hide every record after it from every run until then). */
static int record_csv(struct run *r, struct eco *e, const struct response *resp, const struct changes *c) {
        char now[32];
        bool future;

        now_rfc3339(now);
        future = c && c->newest && strcmp(c->newest, now) > 0;
        if (future)
                say(r, UPDATE_EVENT_STEP, e, "modified_id.csv lists a record modified at %s, after now; the next "
                    "run starts from now", c->newest);
        if (set_str(e->entry, "csv_etag", resp ? resp->etag : NULL) < 0 ||
            set_str(e->entry, "csv_last_modified", resp ? resp->last_modified : NULL) < 0 ||
            set_str(e->entry, "newest", c ? (future ? now : c->newest) : NULL) < 0 ||
            json_object_set(e->entry, "newest_ids", c && c->newest_ids && !future ? c->newest_ids : json_null()) < 0)
                return -ENOMEM;
        return 0;
}

/* An incremental attempt's records, when it fell back to the full path:
 * the archive and what it lacks (eco_gap()) replace them. */
static void drop_fetched(struct eco *e) {
        if (e->inc_dir)
                (void) rm_rf(e->inc_dir);
        free(e->inc_dir);
        e->inc_dir = NULL;
        e->fetched = 0;
}

static int fetch_records(struct run *r, struct eco *e, char *const *ids, size_t n, const char *instead,
                         char ***keep, struct error *err);

/* The records the list names as modified later than all.zip's copy, or
 * that all.zip lacks, fetched one by one now: an archive made before the
 * list (osv.dev exports them in separate steps, a mirror syncs them in two
 * passes, a CDN keeps all.zip longer) lacks them, and the next run starts
 * after the list's newest time, so their update was lost in silence until
 * the next full download.  Those not fetched are the state's retry; more
 * than max_changes, and the next run downloads all.zip again. */
static int eco_gap(struct run *r, struct eco *e, const struct gap *g, struct error *err) {
        unsigned max = r->s->max_changes ? r->s->max_changes : UPDATE_CHANGES_MAX;
        _cleanup_strv_free_ char **ids = NULL;
        size_t n = 0;
        int q;

        if (gap_ids(g, &ids, &n) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (n == 0)
                return 0;
        if (n > max) {
                say(r, UPDATE_EVENT_STEP, e, "all.zip is older than modified_id.csv: %zu records listed as "
                    "modified since, more than %u to fetch one by one; the next run downloads all.zip again", n, max);
                return record_csv(r, e, NULL, NULL) < 0 ? error_set(err, ENOMEM, "out of memory") : 0;
        }
        q = fetch_records(r, e, ids, n, "fetched again by the next run", &e->unfetched, err);
        if (q < 0)
                return q;
        if (e->fetched < n)
                say(r, UPDATE_EVENT_STEP, e, "all.zip is older than modified_id.csv: %" PRIu64 " of %zu records "
                    "listed as modified since were fetched one by one; the next run fetches the other %zu",
                    e->fetched, n, n - (size_t) e->fetched);
        else
                say(r, UPDATE_EVENT_STEP, e, "all.zip is older than modified_id.csv: %zu records listed as "
                    "modified since were fetched one by one", n);
        if (json_object_set_new(e->entry, "records_fetched", json_integer((json_int_t) e->fetched)) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

/* The full path: the list first (its newest time is where the next run
 * starts; a record modified between the two downloads is fetched again
 * then, which is harmless), then the archive, then what the list names
 * newer than the archive (eco_gap()). */
static int eco_full(struct run *r, struct eco *e, struct error *err) {
        _cleanup_(response_done) struct response resp = {};
        _cleanup_(gap_done) struct gap g = {};
        struct sink k;
        struct changes c = {};
        struct error cerr = {};
        char reason[512] = "";
        bool listed;
        int q;

        e->mode = UPDATE_FULL;
        drop_fetched(e);
        q = fetch_csv(r, e, NULL, &k, &resp, &cerr);
        if (q == -EBADMSG) {
                strbuf_done(&k.mem);
                *err = cerr;
                return q;
        }
        if (q >= 0) {
                q = csv_scan(k.mem.s ? k.mem.s : "", k.len, NULL, NULL, 0, &c, reason, sizeof(reason));
                if (q == 0)
                        q = gap_init(&g, strbuf_steal(&k.mem), k.len);
                if (q == -ENOMEM) {
                        strbuf_done(&k.mem);
                        changes_done(&c);
                        return error_set(err, ENOMEM, "out of memory");
                }
                if (q > 0 && !reason[0])
                        snprintf(reason, sizeof(reason), "more than %d lines, more than all.zip may hold",
                                 OSV_ZIP_ENTRIES_MAX);
                if (q > 0)
                        say(r, UPDATE_EVENT_STEP, e, "modified_id.csv: %s; the next run downloads all.zip again",
                            reason);
        } else if (!(e->optional && resp.gone))        /* said with all.zip's 404, if that is one too */
                say(r, UPDATE_EVENT_STEP, e, "%s; the next run downloads all.zip again", cerr.msg);
        strbuf_done(&k.mem);
        listed = q == 0;
        q = record_csv(r, e, listed ? &resp : NULL, listed ? &c : NULL);
        changes_done(&c);
        if (q < 0)
                return error_set(err, ENOMEM, "out of memory");
        q = fetch_zip(r, e, listed ? &g : NULL, err);
        if (q < 0 || !listed)
                return q;
        return eco_gap(r, e, &g, err);
}

static int record_check(struct run *r, const struct eco *e, const char *file, const struct response *resp,
                        struct sink *k, void *userdata, struct error *err) {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned mdlen = 0;
        char sha[65];

        if (!r->key)
                return 0;
        if (EVP_DigestFinal_ex(k->md, digest, &mdlen) != 1 || mdlen != 32)
                return error_set(err, ENOMEM, "sha256 of %s failed", resp->url);
        update_hex(digest, mdlen, sha);
        return manifest_check(r, e, file, resp->url, sha, err);
}

/* Fetches the records into a temporary folder (e->inc_dir, made by the
 * first call), e->fetched counting them.  1 when one of them could not be
 * fetched from any source (said, with what happens instead), the rest not
 * tried.  With keep, what is not fetched goes there for the next run, and
 * one that every source answers 404 does not stop the others. */
static int fetch_records(struct run *r, struct eco *e, char *const *ids, size_t n, const char *instead,
                         char ***keep, struct error *err) {
        _cleanup_(md_freep) EVP_MD_CTX *md = EVP_MD_CTX_new();
        _cleanup_free_ char *dir = NULL;

        if (!md)
                return error_set(err, ENOMEM, "out of memory");
        if (!e->inc_dir) {
                if (asprintf(&dir, "%s/tmp-records-XXXXXX", e->dir) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                if (!mkdtemp(dir))
                        return error_set_errno(err, errno, "create a folder in %s", e->dir);
                e->inc_dir = TAKE_PTR(dir);
        }
        for (size_t i = 0; i < n; i++) {
                _cleanup_(response_done) struct response resp = {};
                _cleanup_free_ char *file = NULL, *path = NULL;
                struct sink k = { .max = OSV_RECORD_MAX, .md = md };
                struct error ferr = {};
                int q;

                if (asprintf(&file, "%s.json", ids[i]) < 0 || asprintf(&path, "%s/%s", e->inc_dir, file) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                k.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                if (k.fd < 0)
                        return error_set_errno(err, errno, "create %s", path);
                q = fetch_checked(r, e, file, NULL, &k, &(struct answer_check) { record_check }, &resp, &ferr);
                close(k.fd);
                if (q < 0)
                        (void) unlink(path);    /* what a failing source sent */
                if (q == -EHOSTUNREACH) {
                        say(r, UPDATE_EVENT_STEP, e, "%s; %s", ferr.msg, instead);
                        if (!keep)
                                return 1;
                        /* kept: one no source has (404 from each) does not
                         * hold back the others; after any other failure
                         * (a source down) the rest wait for the next run,
                         * not each for every source's retries */
                        for (size_t j = i; j < (resp.gone ? i + 1 : n); j++)
                                if (strv_push(keep, strdup(ids[j])) < 0)
                                        return error_set(err, ENOMEM, "out of memory");
                        if (!resp.gone)
                                return 1;
                        continue;
                }
                if (q < 0) {
                        *err = ferr;
                        return q;
                }
                e->fetched++;
                if (r->report)
                        r->report(&(struct update_event) { .type = UPDATE_EVENT_PROGRESS, .ecosystem = e->name,
                                                           .name = "records", .done = i + 1, .total = n,
                                                           .unit = "records" },
                                  r->userdata);
        }
        return 0;
}

static int eco_fetch(struct run *r, struct eco *e, struct changes *c, struct error *err);

static int eco_plan(struct run *r, struct eco *e, struct error *err) {
        _cleanup_(response_done) struct response resp = {};
        struct validators v = {};
        struct sink k;
        struct changes c = {};
        struct error cerr = {};
        char reason[512] = "";
        char now[32];
        int q;

        q = fetch_manifest(r, e, err);
        if (q < 0)
                return q;
        if (q > 0) {
                e->mode = UPDATE_UNCHANGED;
                return 0;
        }
        if (!e->valid)
                return eco_full(r, e, err);
        /* With a key the serial already said something changed: the list
         * is fetched whole and checked against the signed manifest, never
         * taken as "not modified" on the mirror's word. */
        if (!r->key) {
                v.etag = entry_str(e->old, "csv_etag");
                v.last_modified = entry_str(e->old, "csv_last_modified");
        }
        q = fetch_csv(r, e, &v, &k, &resp, &cerr);
        if (q == -EBADMSG) {
                strbuf_done(&k.mem);
                *err = cerr;
                return q;
        }
        if (q < 0) {
                strbuf_done(&k.mem);
                say(r, UPDATE_EVENT_STEP, e, "%s; downloading all.zip instead", cerr.msg);
                return eco_full(r, e, err);
        }
        if (resp.status == 304) {
                strbuf_done(&k.mem);
                say(r, UPDATE_EVENT_STEP, e, "%s: not modified", resp.url);
                return eco_fetch(r, e, &c, err);
        }
        now_rfc3339(now);
        if (!entry_str(e->old, "newest"))
                snprintf(reason, sizeof(reason), "the last run has no modified_id.csv to start from");
        else if (strcmp(entry_str(e->old, "newest"), now) > 0)   /* kept by a version before the cap */
                snprintf(reason, sizeof(reason), "the last run starts from %s, after now",
                         entry_str(e->old, "newest"));
        else
                q = csv_scan(k.mem.s ? k.mem.s : "", k.len, entry_str(e->old, "newest"),
                             json_object_get(e->old, "newest_ids"),
                             r->s->max_changes ? r->s->max_changes : UPDATE_CHANGES_MAX, &c, reason, sizeof(reason));
        strbuf_done(&k.mem);
        if (q == -ENOMEM) {
                changes_done(&c);
                return error_set(err, ENOMEM, "out of memory");
        }
        if (reason[0]) {
                changes_done(&c);
                say(r, UPDATE_EVENT_STEP, e, "modified_id.csv can't be used: %s; downloading all.zip", reason);
                return eco_full(r, e, err);
        }
        if (record_csv(r, e, &resp, &c) < 0) {
                changes_done(&c);
                return error_set(err, ENOMEM, "out of memory");
        }
        if (c.n == 0 && !json_array_size(json_object_get(e->old, "retry")))
                say(r, UPDATE_EVENT_STEP, e, "%s: no record changed since the last run", resp.url);
        return eco_fetch(r, e, &c, err);
}

/* The records the last run fetched and the import refused (a mirror's
 * junk answer, a record cut short), fetched again with those that changed
 * (c's, taken): else the list moved past them and their update was lost
 * until the next all.zip. */
static int eco_fetch(struct run *r, struct eco *e, struct changes *c, struct error *err) {
        json_t *retry = json_object_get(e->old, "retry"), *v;
        size_t i, n_retry = 0;
        int q = 0;

        json_array_foreach(retry, i, v) {
                const char *id = json_string_value(v);

                if (!id || !id_ok(id, strlen(id)) || strv_contains(c->ids, id))
                        continue;
                if ((q = strv_push(&c->ids, strdup(id))) < 0)
                        break;
                c->n++;
                n_retry++;
        }
        if (q < 0 || c->n == 0) {
                changes_done(c);
                if (q < 0)
                        return error_set(err, ENOMEM, "out of memory");
                e->mode = UPDATE_UNCHANGED;
                return 0;
        }
        if (n_retry)
                say(r, UPDATE_EVENT_STEP, e, "%zu records changed since %s, and %zu the last run skipped or could not "
                    "fetch; fetching them", c->n - n_retry, strna(entry_str(e->old, "newest")), n_retry);
        else
                say(r, UPDATE_EVENT_STEP, e, "%zu records changed since %s; fetching them", c->n,
                    entry_str(e->old, "newest"));
        /* the list's changes first: one no source serves is the list
         * ahead of the sources, all.zip instead; then the retry, which
         * waits for the next run again (a full download for it would find
         * it missing again, and fetch it one by one again) */
        q = fetch_records(r, e, c->ids, c->n - n_retry, "downloading all.zip instead", NULL, err);
        if (q == 0 && n_retry)
                q = fetch_records(r, e, c->ids + (c->n - n_retry), n_retry, "kept for the next run", &e->unfetched,
                                  err);
        if (q > 0 && e->unfetched)
                q = 0;
        changes_done(c);
        if (q < 0)
                return q;
        if (q > 0)
                return eco_full(r, e, err);
        e->mode = UPDATE_INCREMENTAL;
        if (set_str(e->entry, "source", r->s->sources[e->source]) < 0 ||
            json_object_set_new(e->entry, "records_fetched", json_integer((json_int_t) e->fetched)) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

static void eco_done(struct eco *e) {
        free(e->dir);
        update_manifest_done(&e->m);
        free(e->manifest_url);
        json_decref(e->entry);
        if (e->zip_new)
                (void) unlink(e->zip_new);
        free(e->zip_new);
        if (e->inc_dir)
                (void) rm_rf(e->inc_dir);
        free(e->inc_dir);
        strv_free(e->skipped);
        strv_free(e->unfetched);
}

/* ---- state ---------------------------------------------------------------- */

static int state_path(const char *state_dir, char **ret) {
        return asprintf(ret, "%s/" STATE_FILE, state_dir) < 0 ? -ENOMEM : 0;
}

static int state_load(const char *state_dir, json_t **ret, struct error *err) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        json_error_t jerr;
        size_t len;
        json_t *s;
        int q;

        if (state_path(state_dir, &path) < 0)
                return error_set(err, ENOMEM, "out of memory");
        q = read_full_file(path, UPDATE_STATE_MAX, &buf, &len, err);
        if (q < 0)
                return q;
        s = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!s)
                return error_set(err, EBADMSG, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        if (!json_is_object(s) || json_integer_value(json_object_get(s, "version")) != STATE_VERSION ||
            !json_is_object(json_object_get(s, "ecosystems"))) {
                json_decref(s);
                return error_set(err, EBADMSG, "%s: not a state file of version %d", path, STATE_VERSION);
        }
        *ret = s;
        return 0;
}

static int state_write(struct run *r, json_t *s, struct error *err) {
        _cleanup_free_ char *path = NULL, *text = NULL;

        if (state_path(r->s->state_dir, &path) < 0 || !(text = json_dumps(s, JSON_INDENT(2) | JSON_SORT_KEYS)))
                return error_set(err, ENOMEM, "out of memory");
        return write_file_atomic(path, text, strlen(text), err);
}

/* Records a failed run in the state, keeping everything else: best effort,
 * as the failure may be a full disk. */
static void state_note_failure(struct run *r, const char *msg) {
        json_t *s = json_deep_copy(r->state);
        struct error ignored = {};
        char now[32];

        if (!s)
                return;
        now_rfc3339(now);
        if (json_object_set_new(s, "version", json_integer(STATE_VERSION)) == 0 &&
            json_object_set_new(s, "last_run", json_string(now)) == 0 &&
            json_object_set_new(s, "last_error", json_string(msg)) == 0 &&
            (json_object_get(s, "ecosystems") || json_object_set_new(s, "ecosystems", json_object()) == 0))
                (void) state_write(r, s, &ignored);
        json_decref(s);
}

/* ---- start of a run: lock and leftovers ----------------------------------- */

/* A run holds the lock for minutes; doctor, db status and metrics probe
 * it (update-record.c, run_alive()) with a shared lock held for a moment:
 * a run starting then waits that moment out rather than fail as if
 * another run held it. */
#define LOCK_WAIT_MS 2000

static int take_lock(const char *state_dir, int *ret_fd, struct error *err) {
        _cleanup_free_ char *path = NULL;
        long long until = clock_now_ms() + LOCK_WAIT_MS;
        int fd, q;

        if (asprintf(&path, "%s/" LOCK_FILE, state_dir) < 0)
                return error_set(err, ENOMEM, "out of memory");
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return error_set_errno(err, errno, "open %s", path);
        while ((q = flock(fd, LOCK_EX | LOCK_NB) < 0 ? errno : 0) == EWOULDBLOCK && clock_now_ms() < until)
                backoff(50);
        if (q != 0) {
                close(fd);
                if (q == EWOULDBLOCK)
                        return error_set(err, EBUSY, "another update is running (it holds %s); try again later",
                                         path);
                return error_set_errno(err, q, "lock %s", path);
        }
        *ret_fd = fd;
        return 0;
}

static bool is_temp_name(const char *n) {
        return startswith(n, "tmp-") || strstr(n, ".tmp-") != NULL;
}

/* Removes what a killed run left in dir: temporary files and folders.
 * Only runs under the lock, so nothing in use is removed. */
static void remove_stale(struct run *r, const char *dir, int depth) {
        DIR *d = opendir(dir);
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                _cleanup_free_ char *p = NULL;

                if (de->d_name[0] == '.' || asprintf(&p, "%s/%s", dir, de->d_name) < 0)
                        continue;
                if (is_temp_name(de->d_name)) {
                        if (rm_rf(p) == 0)
                                say(r, UPDATE_EVENT_STEP, NULL, "removed %s, left by an interrupted run", p);
                } else if (depth == 0 && de->d_type == DT_DIR)
                        remove_stale(r, p, 1);
        }
        closedir(d);
}

static void said_removed(const char *path, void *userdata) {
        say(userdata, UPDATE_EVENT_STEP, NULL, "removed %s, left by an interrupted import", path);
}

/* vulndb_import()'s and an OCI pull's temporary files beside the database
 * that no running writer holds: a killed import. */
static void remove_stale_db_temps(struct run *r) {
        (void) vulndb_remove_abandoned(r->s->db_path, said_removed, r);
}

/* ---- the database ---------------------------------------------------------- */

/* The database's revision, and the time of its data when it came from
 * signed manifests (ret_data_time may be NULL); NULL when there is none,
 * and then err says why when the file can't be read. */
static char *db_revision_of(const char *path, char **ret_data_time, struct error *err) {
        _cleanup_(vulndb_closep) struct vulndb *db = NULL;
        const char *rev;

        if (vulndb_open(path, &db, err) < 0)
                return NULL;
        rev = vulndb_revision(db);
        if (ret_data_time)
                *ret_data_time = vulndb_data_time(db) ? strdup(vulndb_data_time(db)) : NULL;
        return rev ? strdup(rev) : NULL;
}

/* The time the installed database's signed data is of (manifest_not_older()):
 * its "data_time", else, when it is the artifact an oci:// pull or `db
 * import` installed last, that artifact's "created" (a DB built from
 * unsigned sources and published signed has no data time of its own). */
static void db_signed_time(struct run *r) {
        _cleanup_(registry_state_info_done) struct registry_state_info oci = {};
        struct error ignored = {};
        const char *t = r->db_data_time;
        struct osv_time v;

        r->db_signed = -1;
        if (!t && r->db_revision && registry_state_read(r->s->state_dir, &oci, &ignored) == 0 &&
            streq_ptr(oci.revision, r->db_revision))
                t = oci.created;
        if (t && update_parse_time(t, strlen(t), &v) >= 0)
                r->db_signed = v.s;
}

/* The ecosystems the installed database holds records of, as OSV names
 * them, in r->db_ecosystems.  One whose counts can't be read is rebuilt as
 * one that can't be read at all is: nothing to hold a manifest to. */
static int db_ecosystems_of(struct run *r, struct error *err) {
        _cleanup_(vulndb_closep) struct vulndb *db = NULL;
        struct vulndb_status st = {};
        struct error ignored = {};
        int q = 0;

        if (vulndb_open(r->s->db_path, &db, &ignored) < 0 || vulndb_get_status(db, &st, &ignored) < 0) {
                r->db_signed = -1;
                return 0;
        }
        r->db_ecosystems = json_object();
        for (size_t i = 0; q >= 0 && i < st.n_ecosystems; i++) {
                _cleanup_free_ char *name = ecosystem_canonical(st.ecosystems[i].name);

                if (!r->db_ecosystems || !name ||
                    (st.ecosystems[i].records > 0 && json_object_set_new(r->db_ecosystems, name, json_true()) < 0))
                        q = error_set(err, ENOMEM, "out of memory");
        }
        vulndb_status_done(&st);
        return q;
}

struct skip_ctx {
        struct run *run;
        struct eco *ecos;
        size_t n;
};

/* Names a rejected record by the URL it came from (records fetched one by
 * one) or by the archive entry; remembers fetched files so that they are
 * not kept. */
static void on_skip(const char *file, const char *reason, bool kept, void *userdata) {
        struct skip_ctx *c = userdata;
        const char *name = file;
        const struct eco *eco = NULL;
        _cleanup_free_ char *url = NULL, *entry = NULL;

        for (size_t i = 0; i < c->n; i++) {
                struct eco *e = &c->ecos[i];
                size_t n = e->inc_dir ? strlen(e->inc_dir) : 0;

                if (n == 0 || strncmp(file, e->inc_dir, n) != 0 || file[n] != '/')
                        continue;
                eco = e;
                if (!kept)
                        (void) strv_push(&e->skipped, strdup(file));
                if (make_url(c->run, e->source, e->name, file + n + 1, &url) == 0)
                        name = url;
                break;
        }
        for (size_t i = 0; !eco && i < c->n; i++) {
                struct eco *e = &c->ecos[i];
                size_t n = e->zip_new ? strlen(e->zip_new) : 0;

                if (n == 0 || strncmp(file, e->zip_new, n) != 0 || file[n] != ':')
                        continue;
                eco = e;
                if (make_url(c->run, e->source, e->name, "all.zip", &url) == 0 &&
                    asprintf(&entry, "%s%s", url, file + n) >= 0)
                        name = entry;
                break;
        }
        /* a KEV or EPSS file: its download (a temporary name) or the
         * file kept, by the URL it came from */
        for (size_t i = 0; !eco && i < c->run->n_feeds; i++) {
                struct feed_src *f = &c->run->feeds[i];

                if (streq_ptr(file, f->tmp) || streq_ptr(file, f->path)) {
                        eco = &f->eco;
                        name = entry_str(f->eco.entry, "url") ? entry_str(f->eco.entry, "url") : file;
                }
        }
        if (c->run->report)
                c->run->report(&(struct update_event) { .type = kept ? UPDATE_EVENT_PART_LEFT_OUT
                                                                     : UPDATE_EVENT_SKIP,
                                                        .ecosystem = eco ? eco->name : NULL,
                                                        .name = name, .message = reason },
                               c->run->userdata);
}

static int push_path(char ***paths, const char *dir, const char *file) {
        char *p;

        if (asprintf(&p, "%s%s%s", dir, file ? "/" : "", strempty(file)) < 0)
                return -ENOMEM;
        return strv_push(paths, p);
}

/* What goes into the database: everything (rebuild), or only what was
 * fetched one by one (merged into the existing file). */
static int import_paths(struct eco *ecos, size_t n, bool rebuild, char ***ret) {
        _cleanup_strv_free_ char **paths = NULL;

        for (size_t i = 0; i < n; i++) {
                struct eco *e = &ecos[i];
                _cleanup_free_ char *records = NULL;

                if (e->absent)
                        continue;
                if (rebuild) {
                        if (e->zip_new ? push_path(&paths, e->zip_new, NULL) < 0
                                       : push_path(&paths, e->dir, "all.zip") < 0)
                                return -ENOMEM;
                        if (asprintf(&records, "%s/records", e->dir) < 0)
                                return -ENOMEM;
                        if (!e->zip_new && access(records, F_OK) == 0 && strv_push(&paths, TAKE_PTR(records)) < 0)
                                return -ENOMEM;
                }
                if (e->inc_dir && push_path(&paths, e->inc_dir, NULL) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(paths);
        return 0;
}

/* ---- CVE scores (update.h) ------------------------------------------------- */

#define CVE_DIR "cve"
#define CVE_NAME "CVE scores"

static const char *cve_suffix(const char *url) {
        size_t n = strlen(url);

        return n > 4 && strcaseeq(url + n - 4, ".zip") ? "zip" : "json";
}

static int cve_init(struct run *r, struct error *err) {
        char *const *urls = r->s->cve_sources;
        json_t *olds = json_object_get(r->state, "cve_sources");
        _cleanup_free_ char *dir = NULL;
        int q;

        r->n_cves = strv_length(urls);
        if (r->n_cves == 0)
                return 0;
        if (asprintf(&dir, "%s/" CVE_DIR, r->s->state_dir) < 0 || !(r->cves = calloc(r->n_cves, sizeof(*r->cves))))
                return error_set(err, ENOMEM, "out of memory");
        if ((q = mkdir_p(dir, 0755)) < 0)
                return error_set_errno(err, q, "create %s", dir);
        for (size_t i = 0; i < r->n_cves; i++) {
                struct cve_src *c = &r->cves[i];
                json_t *old = json_object_get(olds, urls[i]);
                char sha[65];

                sha256_of(urls[i], strlen(urls[i]), sha);
                c->url = urls[i];
                c->eco.name = CVE_NAME;
                c->entry = old ? json_deep_copy(old) : json_object();
                if (!c->entry || !(c->eco.dir = strdup(dir)) ||
                    asprintf(&c->path, "%s/%.16s.%s", dir, sha, cve_suffix(urls[i])) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

static void cve_done(struct run *r) {
        for (size_t i = 0; i < r->n_cves; i++) {
                struct cve_src *c = &r->cves[i];

                if (c->tmp)
                        (void) unlink(c->tmp);
                free(c->tmp);
                free(c->path);
                free(c->eco.dir);
                json_decref(c->entry);
        }
        free(r->cves);
}

/* Records a new download of c in its state entry. */
static int cve_record(struct cve_src *c, const struct response *resp, const char *sha, uint64_t size) {
        char now[32];

        now_rfc3339(now);
        if (set_str(c->entry, "etag", resp->etag) < 0 || set_str(c->entry, "last_modified", resp->last_modified) < 0 ||
            set_str(c->entry, "sha256", sha) < 0 || set_str(c->entry, "changed", now) < 0 ||
            json_object_set_new(c->entry, "size", json_integer((json_int_t) size)) < 0)
                return -ENOMEM;
        return 0;
}

/* Downloads one file of CVE scores (conditionally when one is kept) into a
 * temporary file, checked like an all.zip when it is a zip.  A source
 * that fails is said and left out: the scores kept from earlier runs stay,
 * and the records' own severities still count. */
/* A CVE source's .json must be one JSON document that `db import` reads
 * (up to OSV_RECORD_MAX): an HTML error page or a captive portal's answer
 * would else replace the file kept from earlier runs, and its scores. */
static int verify_json(const char *path, const char *url, struct error *err) {
        _cleanup_free_ char *buf = NULL;
        struct error rerr = {};
        json_error_t jerr;
        json_t *doc;
        size_t len = 0;

        if (read_full_file(path, OSV_RECORD_MAX, &buf, &len, &rerr) < 0)
                return error_set(err, EBADMSG, "%s: %s", url, rerr.msg);
        doc = json_loadb(buf, len, JSON_ALLOW_NUL, &jerr);
        if (!doc)
                return error_set(err, EBADMSG, "%s is not a JSON document (line %d, column %d: %s); is it an "
                                 "error page?", url, jerr.line, jerr.column, jerr.text);
        /* an API's error body is JSON too ({"message": "rate limit ..."}) */
        if (!vulndb_cve_document(doc)) {
                json_decref(doc);
                return error_set(err, EBADMSG, "%s is no NVD or CVE JSON 5 document (no 'vulnerabilities', "
                                 "'cveMetadata' or 'metrics'); is it an error answer? Check the URL in "
                                 "'update.cve_sources'", url);
        }
        json_decref(doc);
        return 0;
}

static int cve_fetch(struct run *r, struct cve_src *c, struct error *err) {
        _cleanup_(md_freep) EVP_MD_CTX *md = EVP_MD_CTX_new();
        struct sink k = { .max = UPDATE_ZIP_MAX, .md = md, .progress = true, .run = r, .eco = &c->eco };
        _cleanup_(response_done) struct response resp = {};
        _cleanup_free_ char *tmp = NULL;
        struct validators v = { entry_str(c->entry, "etag"), entry_str(c->entry, "last_modified") };
        unsigned char digest[EVP_MAX_MD_SIZE];
        struct error zerr = {};
        char msg[1024] = "", sha[65] = "";
        unsigned mdlen = 0;
        uint64_t records = 0;
        enum outcome o;

        if (!md || asprintf(&tmp, "%s/tmp-XXXXXX.%s", c->eco.dir, cve_suffix(c->url)) < 0)
                return error_set(err, ENOMEM, "out of memory");
        k.fd = mkstemps(tmp, (int) strlen(cve_suffix(c->url)) + 1);
        if (k.fd < 0)
                return error_set_errno(err, errno, "create %s", tmp);
        o = get_retrying(r, &c->eco, c->url, access(c->path, F_OK) == 0 ? &v : NULL, &k, &resp, msg, sizeof(msg));
        if (o == OUTCOME_OK && resp.status == 200 && fsync(k.fd) < 0) {
                snprintf(msg, sizeof(msg), "write %s: %s", tmp, strerror(errno));
                o = OUTCOME_FATAL;
        }
        close(k.fd);
        if (o == OUTCOME_OK && resp.status == 200 && EVP_DigestFinal_ex(md, digest, &mdlen) == 1 && mdlen == 32)
                update_hex(digest, mdlen, sha);
        if (o == OUTCOME_OK && resp.status == 200 &&
            (strcmp(cve_suffix(c->url), "zip") == 0 ? verify_zip(tmp, c->url, NULL, &records, &zerr)
                                                    : verify_json(tmp, c->url, &zerr)) < 0) {
                snprintf(msg, sizeof(msg), "%.1000s", zerr.msg);
                o = OUTCOME_NEXT;
        }
        if (o != OUTCOME_OK || resp.status != 200 || !sha[0])
                (void) unlink(tmp);
        if (o == OUTCOME_FATAL)
                return error_set(err, EIO, "%s", msg);
        if (o != OUTCOME_OK) {
                say(r, UPDATE_EVENT_RETRY, &c->eco, "%s; the CVE scores kept from earlier runs stay", msg);
                return 0;
        }
        if (resp.status == 304) {
                say(r, UPDATE_EVENT_STEP, &c->eco, "%s: not modified", c->url);
                return 0;
        }
        if (!sha[0] || cve_record(c, &resp, sha, k.len) < 0)
                return error_set(err, ENOMEM, "out of memory");
        say(r, UPDATE_EVENT_STEP, &c->eco, "%s: %llu bytes, sha256 %s", c->url, (unsigned long long) k.len, sha);
        c->tmp = TAKE_PTR(tmp);
        return 0;
}

static bool cve_fetch_all(struct run *r, int *q, struct error *err) {
        bool changed = false;

        for (size_t i = 0; *q >= 0 && i < r->n_cves; i++) {
                *q = cve_fetch(r, &r->cves[i], err);
                changed = changed || r->cves[i].tmp;
        }
        return changed;
}

/* What of the CVE files goes into the database: every one kept (rebuild),
 * or only those downloaded now (merged). */
static int cve_paths(struct run *r, bool rebuild, char ***paths) {
        for (size_t i = 0; i < r->n_cves; i++) {
                struct cve_src *c = &r->cves[i];
                const char *p = c->tmp ? c->tmp : rebuild && access(c->path, F_OK) == 0 ? c->path : NULL;

                if (p && push_path(paths, p, NULL) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* The new downloads replace the kept files; the state lists the sources
 * configured now. */
static int cve_commit(struct run *r, json_t *state, struct error *err) {
        json_t *o = json_object();

        if (!o || json_object_set_new(state, "cve_sources", o) < 0)
                return error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < r->n_cves; i++) {
                struct cve_src *c = &r->cves[i];

                if (c->tmp && rename(c->tmp, c->path) < 0)
                        return error_set_errno(err, errno, "rename %s to %s", c->tmp, c->path);
                free(c->tmp);
                c->tmp = NULL;
                if (json_object_set(o, c->url, c->entry) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

/* ---- KEV and EPSS (update.h) --------------------------------------------- */

#define FEED_DIR "feeds"

static const struct {
        const char *key;        /* in state.json "feeds" and the kept file's name */
        const char *name;       /* in messages */
        uint64_t max;
        const char *date;       /* the file's field that dates it */
        const char *unit[2];    /* what it counts: one, more */
} feed_kinds[_VULNDB_FEED_MAX] = {
        [VULNDB_FEED_KEV] = { "kev", "CISA KEV", KEV_FILE_MAX, "dateReleased", { "entry", "entries" } },
        [VULNDB_FEED_EPSS] = { "epss", "EPSS", EPSS_FILE_MAX, "score_date", { "score", "scores" } },
};

const char *update_feed_key(enum vulndb_feed kind) {
        return kind > VULNDB_FEED_NONE && kind < _VULNDB_FEED_MAX ? feed_kinds[kind].key : NULL;
}

const char *update_feed_title(enum vulndb_feed kind) {
        return kind > VULNDB_FEED_NONE && kind < _VULNDB_FEED_MAX ? feed_kinds[kind].name : NULL;
}

/* The dates of the KEV and EPSS data the database holds: a mirror's file
 * older than that is passed over (feed_get()). */
static void feed_installed(struct run *r) {
        _cleanup_(vulndb_closep) struct vulndb *db = NULL;
        struct vulndb_status st = {};
        struct error ignored = {};

        if (r->n_feeds == 0 || vulndb_open(r->s->db_path, &db, &ignored) < 0 ||
            vulndb_get_status(db, &st, &ignored) < 0)
                return;
        for (size_t i = 0; i < r->n_feeds; i++) {
                bool kev = r->feeds[i].kind == VULNDB_FEED_KEV;
                const char *d = kev ? st.kev_date_released : st.epss_score_date;

                r->feeds[i].installed = d ? strdup(d) : NULL;
                r->feeds[i].installed_n = kev ? st.kev : st.epss;
        }
        vulndb_status_done(&st);
}

/* Whether a date (YYYY-MM-DD...) is of a day after tomorrow by this
 * node's clock: more than a day ahead of it. */
static bool feed_ahead(const char *date) {
        char tomorrow[32];

        update_format_time((int64_t) time(NULL) + 86400, tomorrow);
        return date && strncmp(date, tomorrow, 10) > 0;
}

/* Whether the date of a file is before the installed one: as times when
 * both are RFC 3339, else by their days (YYYY-MM-DD, which both begin
 * with); false when either is unknown, or when the installed one is more
 * than a day ahead of this node's clock: a copy dated years ahead that came
 * in once (by db import, or before db update refused such copies) must not
 * hold every real one back after it, the node's KEV or EPSS data frozen at
 * that copy's. */
static bool feed_older(const char *date, const char *installed) {
        struct osv_time a, b;

        if (!date || !installed || feed_ahead(installed))
                return false;
        if (update_parse_time(date, strlen(date), &a) >= 0 && update_parse_time(installed, strlen(installed), &b) >= 0)
                return time_cmp(&a, &b) < 0;
        return strncmp(date, installed, 10) < 0;
}

static char *const *feed_sources(const struct update_settings *s, enum vulndb_feed kind) {
        return kind == VULNDB_FEED_KEV ? s->kev_sources : s->epss_sources;
}

static int feed_init(struct run *r, struct error *err) {
        json_t *olds = json_object_get(r->state, "feeds");
        _cleanup_free_ char *dir = NULL;
        int q;

        if (!(r->feeds = calloc(_VULNDB_FEED_MAX, sizeof(*r->feeds))) ||
            asprintf(&dir, "%s/" FEED_DIR, r->s->state_dir) < 0)
                return error_set(err, ENOMEM, "out of memory");
        for (int k = VULNDB_FEED_KEV; k < _VULNDB_FEED_MAX; k++) {
                char *const *list = feed_sources(r->s, k);
                struct feed_src *f = &r->feeds[r->n_feeds];

                if (!list || !list[0])
                        continue;
                for (char *const *u = list; *u; u++)
                        if (!startswith(*u, "http://") && !startswith(*u, "https://"))
                                return error_set(err, EINVAL, "'update.%s_sources': '%s' is not an http:// or "
                                                 "https:// URL", feed_kinds[k].key, *u);
                if ((q = mkdir_p(dir, 0755)) < 0)
                        return error_set_errno(err, q, "create %s", dir);
                r->n_feeds++;
                f->kind = k;
                f->urls = list;
                f->eco.name = feed_kinds[k].name;
                f->eco.old = json_object_get(olds, feed_kinds[k].key);
                f->eco.entry = f->eco.old ? json_deep_copy(f->eco.old) : json_object();
                f->eco.valid = true;
                if (!f->eco.entry || !(f->eco.dir = strdup(dir)) ||
                    asprintf(&f->path, "%s/%s", dir, feed_kinds[k].key) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        feed_installed(r);
        return 0;
}

static void feed_done(struct run *r) {
        for (size_t i = 0; i < r->n_feeds; i++) {
                struct feed_src *f = &r->feeds[i];

                if (f->tmp)
                        (void) unlink(f->tmp);
                free(f->tmp);
                free(f->path);
                free(f->installed);
                free(f->failed);
                free(f->eco.dir);
                free(f->eco.manifest_url);
                update_manifest_done(&f->eco.m);
                json_decref(f->eco.entry);
        }
        free(r->feeds);
}

/* The last part of url's path: the file's name, as the manifest lists it
 * (a feed's mirror folder is signed like an ecosystem's, `db sign DIR`);
 * *ret_folder_len: where that folder ends. */
static const char *feed_file(const char *url, size_t *ret_len, size_t *ret_folder_len) {
        const char *q = strpbrk(url, "?#"), *slash;
        size_t n = q ? (size_t) (q - url) : strlen(url);

        for (slash = url + n; slash > url && slash[-1] != '/'; slash--)
                ;
        *ret_len = (size_t) (url + n - slash);
        *ret_folder_len = (size_t) (slash - url);
        return slash;
}

/* "<folder of url>/<name>" */
static int feed_sibling(const char *url, const char *name, char **ret) {
        size_t n, folder;

        (void) feed_file(url, &n, &folder);
        if (folder <= STRLEN("https://"))
                return -EINVAL;
        return asprintf(ret, "%.*s%s", (int) folder, url, name) < 0 ? -ENOMEM : 0;
}

static int get_mem(struct run *r, struct feed_src *f, const char *url, struct sink *k, struct response *resp,
                   struct error *err) {
        char msg[1024] = "";
        enum outcome o;

        k->run = r;
        k->eco = &f->eco;
        o = get_retrying(r, &f->eco, url, NULL, k, resp, msg, sizeof(msg));
        return o == OUTCOME_OK ? 0 : error_set(err, o == OUTCOME_FATAL ? EIO : EHOSTUNREACH, "%s", msg);
}

/* With a key, the mirror folder's manifest.json and its signature, checked
 * as an ecosystem's (signature, expiry, no rollback of the serial).  1 when
 * its serial is the one installed last and the kept file is still there. */
static int feed_manifest(struct run *r, struct feed_src *f, const char *url, struct error *err) {
        _cleanup_(response_done) struct response mresp = {}, sresp = {};
        struct sink m = { .fd = -EBADF, .max = UPDATE_MANIFEST_MAX, .mem = { .max = UPDATE_MANIFEST_MAX + 1 } };
        struct sink g = { .fd = -EBADF, .max = UPDATE_SIG_MAX, .mem = { .max = UPDATE_SIG_MAX + 1 } };
        _cleanup_free_ char *murl = NULL, *surl = NULL;
        int q;

        if (feed_sibling(url, MANIFEST_FILE, &murl) < 0 || feed_sibling(url, MANIFEST_SIG_FILE, &surl) < 0)
                return error_set(err, EINVAL, "%s: can't name the signed manifest beside it", url);
        update_manifest_done(&f->eco.m);
        free(f->eco.manifest_url);
        f->eco.manifest_url = NULL;
        q = get_mem(r, f, murl, &m, &mresp, err);
        if (q >= 0)
                q = get_mem(r, f, surl, &g, &sresp, err);
        if (q >= 0 && !update_sig_ok(r->key, m.mem.s, m.mem.len, g.mem.s, g.mem.len))
                q = error_set(err, EBADMSG, "%s: the signature %s does not verify with the public key %s; "
                              "refusing this source's files", murl, surl, r->s->public_key);
        if (q >= 0)
                q = update_manifest_parse(m.mem.s ? m.mem.s : "", m.mem.len, murl, &f->eco.m, err);
        if (q >= 0 && !(f->eco.manifest_url = strdup(murl)))
                q = error_set(err, ENOMEM, "out of memory");
        if (q >= 0)
                q = manifest_fresh(&f->eco, murl, err);
        if (q >= 0)
                q = manifest_serial(r, &f->eco, murl, err);
        if (q >= 0 && manifest_record(&f->eco) < 0)
                q = error_set(err, ENOMEM, "out of memory");
        strbuf_done(&m.mem);
        strbuf_done(&g.mem);
        if (q >= 0)
                say(r, UPDATE_EVENT_STEP, &f->eco, "%s: signature verified, serial %lld%s", murl,
                    (long long) f->eco.m.serial, q == 1 ? "; up to date (the serial installed last)" : "");
        return q == 1 && access(f->path, F_OK) == 0 ? 1 : q < 0 ? q : 0;
}

/* One try of one mirror: the file into a temporary file, its digest
 * checked against the manifest (with a key; one that is not the file
 * signed sets *refused), its content parsed. */
static enum outcome feed_get(struct run *r, struct feed_src *f, const char *url, char *msg, size_t msg_size,
                             bool *refused, struct error *err) {
        _cleanup_(md_freep) EVP_MD_CTX *md = EVP_MD_CTX_new();
        struct sink k = { .max = feed_kinds[f->kind].max, .md = md, .progress = true, .run = r, .eco = &f->eco };
        bool kept_here = access(f->path, F_OK) == 0 && streq_ptr(entry_str(f->eco.old, "url"), url) && !r->key;
        struct validators v = { entry_str(f->eco.old, "etag"), entry_str(f->eco.old, "last_modified") };
        _cleanup_(response_done) struct response resp = {};
        _cleanup_free_ char *tmp = NULL, *file = NULL, *date = NULL;
        unsigned char digest[EVP_MAX_MD_SIZE];
        struct error verr = {};
        char sha[65] = "", now[32];
        size_t n, folder;
        const char *name = feed_file(url, &n, &folder);
        unsigned mdlen = 0;
        uint64_t count = 0;
        enum outcome o;

        if (!md || asprintf(&tmp, "%s/tmp-XXXXXX", f->eco.dir) < 0 || !(file = strndup(name, n)))
                return error_set(err, ENOMEM, "out of memory"), OUTCOME_FATAL;
        k.fd = mkstemp(tmp);
        if (k.fd < 0)
                return error_set_errno(err, errno, "create %s", tmp), OUTCOME_FATAL;
        o = get_retrying(r, &f->eco, url, kept_here ? &v : NULL, &k, &resp, msg, msg_size);
        if (o == OUTCOME_OK && resp.status == 200 && fsync(k.fd) < 0) {
                snprintf(msg, msg_size, "write %s: %s", tmp, strerror(errno));
                o = OUTCOME_FATAL;
        }
        close(k.fd);
        if (o == OUTCOME_OK && resp.status == 200 && EVP_DigestFinal_ex(md, digest, &mdlen) == 1 && mdlen == 32)
                update_hex(digest, mdlen, sha);
        if (o == OUTCOME_OK && resp.status == 200 && manifest_check(r, &f->eco, file, url, sha, &verr) < 0) {
                snprintf(msg, msg_size, "%.900s", verr.msg);
                *refused = true;
                o = OUTCOME_NEXT;
        } else if (o == OUTCOME_OK && resp.status == 200 &&
                   vulndb_feed_validate(tmp, f->kind, &date, &count, &verr) < 0) {
                snprintf(msg, msg_size, "%.700s (downloaded from %.300s)", verr.msg, url);
                o = OUTCOME_NEXT;
        } else if (o == OUTCOME_OK && resp.status == 200 && feed_ahead(date)) {
                /* imported, it would pass for the newest data for years:
                 * a mirror's bug or a test file, not CISA's or FIRST's */
                now_rfc3339(now);
                snprintf(msg, msg_size, "%.300s: its %s is %.64s, more than a day ahead of this node's clock (%s); "
                         "refused (is that mirror's copy a test file, or this node's clock behind? check it with "
                         "timedatectl)", url, feed_kinds[f->kind].date, date, now);
                o = OUTCOME_NEXT;
        } else if (o == OUTCOME_OK && resp.status == 200 && feed_older(date, f->installed)) {
                /* a stale copy first in the list must not take back what
                 * a later mirror brought */
                snprintf(msg, msg_size, "%.300s: its %s is %.64s, before the %.64s of the %s data %.300s holds; "
                         "passed over as older (is that mirror's copy stale? fix it or drop it from "
                         "'update.%s_sources')", url, feed_kinds[f->kind].date, date, f->installed,
                         f->eco.name, r->s->db_path, feed_kinds[f->kind].key);
                o = OUTCOME_NEXT;
        } else if (o == OUTCOME_OK && resp.status == 200 && !r->s->allow_shrink &&
                   vulndb_shrinks(count, f->installed_n)) {
                /* the shrink guard of the records (vulndb-import.c): a cut
                 * or partial copy would leave block_kev or min_epss
                 * blind to what it lost */
                snprintf(msg, msg_size, "%.300s: it holds %llu %s where the %s data %.300s holds %llu, fewer than "
                         "half; refused (a cut or partial copy? fix that mirror or drop it from 'update.%s_sources', "
                         "or give --allow-shrink to take it)", url, (unsigned long long) count,
                         feed_kinds[f->kind].unit[count != 1], f->eco.name, r->s->db_path,
                         (unsigned long long) f->installed_n, feed_kinds[f->kind].key);
                o = OUTCOME_NEXT;
        }
        if (o != OUTCOME_OK || resp.status != 200)
                (void) unlink(tmp);
        if (o != OUTCOME_OK)
                return o;
        if (resp.status == 304 && !kept_here) {      /* no version named: a mirror holding the file back */
                snprintf(msg, msg_size, "%.300s: 304 Not Modified to a request that named no version of it", url);
                return OUTCOME_NEXT;
        }
        if (resp.status == 304) {
                say(r, UPDATE_EVENT_STEP, &f->eco, "%s: not modified", url);
                return OUTCOME_OK;
        }
        now_rfc3339(now);
        if (set_str(f->eco.entry, "url", url) < 0 || set_str(f->eco.entry, "etag", resp.etag) < 0 ||
            set_str(f->eco.entry, "last_modified", resp.last_modified) < 0 || set_str(f->eco.entry, "sha256", sha) < 0 ||
            set_str(f->eco.entry, "changed", now) < 0)
                return error_set(err, ENOMEM, "out of memory"), OUTCOME_FATAL;
        say(r, UPDATE_EVENT_STEP, &f->eco, "%s: %llu bytes, sha256 %s", url, (unsigned long long) k.len, sha);
        f->tmp = TAKE_PTR(tmp);
        return OUTCOME_OK;
}

/* The first mirror that serves the file.  A mirror that fails is said and
 * the next tried, also one whose manifest or file the signature rules
 * refuse; when none serves it, the kept file stays (and so the database's
 * data), but not when one was refused: that fails the run, as it does for
 * an ecosystem. */
static int feed_fetch(struct run *r, struct feed_src *f, struct error *err) {
        bool signed_seen = false, refused = false;
        char msg[1024] = "";

        for (char *const *u = f->urls; *u; u++) {
                enum outcome o;
                int q = r->key ? feed_manifest(r, f, *u, err) : 0;

                if (q == 1) {
                        f->served = true;
                        return 0;
                }
                if (q == -ENOMEM || q == -EIO)         /* ours, not the mirror's */
                        return error_wrap(err, "%s", f->eco.name);
                if (q < 0) {
                        refused = refused || q != -EHOSTUNREACH;
                        snprintf(msg, sizeof(msg), "%.1000s", err->msg);
                        *err = (struct error) {};
                        if (u[1])
                                say(r, UPDATE_EVENT_RETRY, &f->eco, "%s; trying the next source, %s", msg, u[1]);
                        continue;
                }
                signed_seen = true;
                o = feed_get(r, f, *u, msg, sizeof(msg), &refused, err);
                if (o == OUTCOME_OK) {
                        f->served = true;
                        return 0;
                }
                if (o == OUTCOME_FATAL)
                        return err->msg[0] ? error_wrap(err, "%s", f->eco.name)
                                           : error_set(err, EIO, "%s: %s", f->eco.name, msg);
                if (u[1])
                        say(r, UPDATE_EVENT_RETRY, &f->eco, "%s; trying the next source, %s", msg, u[1]);
        }
        /* the run's record says it (feed_record()) */
        if (!(f->failed = strdup(msg)))
                return error_set(err, ENOMEM, "out of memory");
        /* with a key, as for an ecosystem: no signed manifest, or one
         * refused, no run */
        if (refused)
                return error_set(err, EBADMSG, "%s: no source served it as signed (last: %s)", f->eco.name, msg);
        if (r->key && !signed_seen)
                return error_set(err, EHOSTUNREACH, "%s: no source served a signed manifest (last: %s); with "
                                 "'update.public_key' the folder of each of its files must be signed ('portcullis db "
                                 "sign FOLDER')", f->eco.name, msg);
        say(r, UPDATE_EVENT_RETRY, &f->eco, "%s; the %s data kept from earlier runs stays", msg, f->eco.name);
        return 0;
}

static bool feed_fetch_all(struct run *r, int *q, struct error *err) {
        bool changed = false;

        for (size_t i = 0; *q >= 0 && i < r->n_feeds; i++) {
                *q = feed_fetch(r, &r->feeds[i], err);
                changed = changed || r->feeds[i].tmp;
        }
        return changed;
}

/* What goes into the database: a new download; on a rebuild also the kept
 * file (the import keeps the old database's data, but there may be none). */
static int feed_paths(struct run *r, bool rebuild, char ***paths) {
        for (size_t i = 0; i < r->n_feeds; i++) {
                struct feed_src *f = &r->feeds[i];
                const char *p = f->tmp ? f->tmp : rebuild && access(f->path, F_OK) == 0 ? f->path : NULL;

                if (p && push_path(paths, p, NULL) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int feed_commit(struct run *r, json_t *state, struct error *err) {
        json_t *o = json_object();

        if (!o || json_object_set_new(state, "feeds", o) < 0)
                return error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < r->n_feeds; i++) {
                struct feed_src *f = &r->feeds[i];

                if (f->tmp && rename(f->tmp, f->path) < 0)
                        return error_set_errno(err, errno, "rename %s to %s", f->tmp, f->path);
                free(f->tmp);
                f->tmp = NULL;
                if (json_object_set(o, feed_kinds[f->kind].key, f->eco.entry) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

/* ---- commit: the database is in place; now the state folder --------------- */

/* Moves the fetched records into <dir>/records, where a later rebuild
 * finds them, leaving out those the import rejected. */
static int keep_records(struct eco *e, struct error *err) {
        _cleanup_free_ char *records = NULL;
        struct dirent *de;
        DIR *d;
        int q = 0;

        if (asprintf(&records, "%s/records", e->dir) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (mkdir(records, 0755) < 0 && errno != EEXIST)
                return error_set_errno(err, errno, "create %s", records);
        d = opendir(e->inc_dir);
        if (!d)
                return error_set_errno(err, errno, "read %s", e->inc_dir);
        while (q == 0 && (de = readdir(d))) {
                _cleanup_free_ char *from = NULL, *to = NULL;

                if (de->d_name[0] == '.')
                        continue;
                if (asprintf(&from, "%s/%s", e->inc_dir, de->d_name) < 0 ||
                    asprintf(&to, "%s/%s", records, de->d_name) < 0)
                        q = error_set(err, ENOMEM, "out of memory");
                else if (strv_contains(e->skipped, from))
                        (void) unlink(from);
                else if (rename(from, to) < 0)
                        q = error_set_errno(err, errno, "move %s to %s", from, to);
        }
        closedir(d);
        return q;
}

/* The ids of the records this run fetched and the import refused, and of
 * those a full run could not fetch (eco_gap()), as the state's "retry"
 * (eco_fetch()); none once an all.zip replaced them all. */
static int keep_retry(struct eco *e) {
        json_t *a = json_array();
        size_t n = e->inc_dir ? strlen(e->inc_dir) : 0;
        int q = 0;

        if (!a)
                return -ENOMEM;
        for (char **f = e->skipped; q >= 0 && f && *f; f++) {
                const char *id = *f + n + 1;    /* "<inc_dir>/<id>.json" (on_skip()) */

                if (endswith(id, ".json"))
                        q = json_array_append_new(a, json_stringn(id, strlen(id) - STRLEN(".json")));
        }
        for (char **id = e->unfetched; q >= 0 && id && *id; id++)
                q = json_array_append_new(a, json_string(*id));
        if (q >= 0 && json_array_size(a) > 0)
                q = json_object_set(e->entry, "retry", a);
        else if (q >= 0)
                (void) json_object_del(e->entry, "retry");
        json_decref(a);
        return q < 0 ? -ENOMEM : 0;
}

/* A new archive replaces the old one and every record fetched since. */
static int keep_zip(struct eco *e, struct error *err) {
        _cleanup_free_ char *zip = NULL, *records = NULL, *old = NULL;

        if (zip_path(e, &zip) < 0 || asprintf(&records, "%s/records", e->dir) < 0 ||
            asprintf(&old, "%s/tmp-old-records-XXXXXX", e->dir) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (rename(e->zip_new, zip) < 0)
                return error_set_errno(err, errno, "rename %s to %s", e->zip_new, zip);
        free(e->zip_new);
        e->zip_new = NULL;
        /* Renamed first so that a run killed while deleting leaves a tmp-
         * folder, which the next run removes, not half a records folder. */
        if (access(records, F_OK) == 0 && mkdtemp(old) && rename(records, old) == 0)
                (void) rm_rf(old);
        else if (access(old, F_OK) == 0)
                (void) rmdir(old);
        return 0;
}

/* What update.state_dir keeps for what the configuration no longer asks
 * for, removed once the new state is written (hundreds of MB that would
 * stay for ever): the folder of an ecosystem of r->leaving (its records
 * left the database with this run's rebuild; asked for again, it is
 * downloaded anew), and the kept file of a CVE source no longer in
 * 'update.cve_sources'.  A run killed between the state's write and here
 * leaves them, as before. */
static void tidy(struct run *r) {
        _cleanup_free_ char *cve_dir = NULL;
        DIR *d;

        for (char **name = r->leaving; name && *name; name++) {
                _cleanup_free_ char *esc = NULL, *dir = NULL;

                if (!(esc = escape_name(*name)) || asprintf(&dir, "%s/%s", r->s->state_dir, esc) < 0 ||
                    access(dir, F_OK) < 0)
                        continue;
                if (rm_rf(dir) == 0)
                        say(r, UPDATE_EVENT_STEP, NULL, "removed %s: %s is no longer asked for (its records left "
                            "the database); asked for again, it is downloaded anew", dir, *name);
        }
        if (asprintf(&cve_dir, "%s/" CVE_DIR, r->s->state_dir) < 0 || !(d = opendir(cve_dir)))
                return;
        for (struct dirent *de; (de = readdir(d));) {
                _cleanup_free_ char *p = NULL;
                bool used = false;

                if (de->d_name[0] == '.' || is_temp_name(de->d_name) ||
                    asprintf(&p, "%s/%s", cve_dir, de->d_name) < 0)
                        continue;
                for (size_t i = 0; i < r->n_cves && !used; i++)
                        used = streq_ptr(r->cves[i].path, p);
                if (!used && unlinkat(dirfd(d), de->d_name, 0) == 0)
                        say(r, UPDATE_EVENT_STEP, NULL, "removed %s: kept for a CVE source no longer in "
                            "'update.cve_sources'", p);
        }
        closedir(d);
}

static int commit(struct run *r, struct eco *ecos, size_t n, const char *revision, struct error *err) {
        json_t *s = json_object(), *es = json_object(), *srcs = json_array();
        char now[32];
        int q = 0;

        if (!s || !es || !srcs) {
                json_decref(s);
                json_decref(es);
                json_decref(srcs);
                return error_set(err, ENOMEM, "out of memory");
        }
        now_rfc3339(now);
        for (size_t i = 0; q >= 0 && i < n; i++) {
                struct eco *e = &ecos[i];
                bool zipped = e->zip_new;

                if (e->absent)
                        continue;
                if (zipped)
                        q = keep_zip(e, err);
                if (q >= 0 && (zipped || e->inc_dir) && keep_retry(e) < 0)
                        q = error_set(err, ENOMEM, "out of memory");
                if (q >= 0 && e->inc_dir)
                        q = keep_records(e, err);
                if (q >= 0 && e->mode != UPDATE_UNCHANGED)
                        q = set_str(e->entry, "changed", now);
                if (q >= 0)
                        q = set_str(e->entry, "mode", update_mode_to_string(e->mode));
                if (q >= 0)
                        q = json_object_set(es, e->name, e->entry);
        }
        for (size_t i = 0; q >= 0 && i < r->n_sources; i++)
                q = json_array_append_new(srcs, json_string(r->s->sources[i]));
        if (q >= 0 && (json_object_set_new(s, "version", json_integer(STATE_VERSION)) < 0 ||
                       set_str(s, "last_run", now) < 0 || set_str(s, "last_success", now) < 0 ||
                       set_str(s, "db", r->s->db_path) < 0 || set_str(s, "db_revision", revision) < 0 ||
                       json_object_set(s, "sources", srcs) < 0 || json_object_set(s, "ecosystems", es) < 0))
                q = error_set(err, ENOMEM, "out of memory");
        if (q >= 0)
                q = cve_commit(r, s, err);
        if (q >= 0)
                q = feed_commit(r, s, err);
        if (q >= 0)
                q = state_write(r, s, err);
        if (q >= 0)
                tidy(r);
        json_decref(s);
        json_decref(es);
        json_decref(srcs);
        return q;
}

/* ---- the run ---------------------------------------------------------------- */

static int check_settings(const struct update_settings *s, struct error *err) {
        if (!s->db_path || !s->state_dir)
                return error_set(err, EINVAL, "no database path or state folder given");
        if (!s->sources || !s->sources[0])
                return error_set(err, EINVAL, "no source given; name one with --source or 'update.sources' in "
                                              "config.json");
        for (char *const *u = s->sources; *u; u++)
                if (!startswith(*u, "http://") && !startswith(*u, "https://") && !startswith(*u, "oci://"))
                        return error_set(err, EINVAL, "source '%s' is not an http://, https:// or oci:// URL", *u);
        if (s->ecosystems && !s->ecosystems[0])
                return error_set(err, EINVAL, "no ecosystem given; name one with --ecosystem or "
                                              "'update.ecosystems' in config.json");
        return 0;
}

/* Ecosystems become file and URL names; those from the cache came from
 * images. */
static int check_ecosystems(char *const *ecosystems, struct error *err) {
        for (char *const *e = ecosystems; *e; e++)
                for (const char *p = *e; *p; p++)
                        if ((unsigned char) *p < 0x20 || *p == 0x7f || *p == '/')
                                return error_set(err, EINVAL, "ecosystem '%s' has a control character or '/'",
                                                 *e);
        return 0;
}

/* The ecosystems of a stored inventory: the OS's and every package's own
 * (a node that runs Python images gets PyPI's records). */
static int collect_ecosystem(const struct cache_entry *ce, void *userdata) {
        json_t *inv = ce->inventory_json ? json_loads(ce->inventory_json, 0, NULL) : NULL, *p;
        const char *eco = json_string_value(json_object_get(json_object_get(inv, "os"), "ecosystem"));
        size_t i;
        int q = eco && *eco ? strv_push_unique(userdata, eco) : 0;

        json_array_foreach(json_object_get(inv, "packages"), i, p) {
                if (q < 0)
                        break;
                eco = json_string_value(json_object_get(p, "ecosystem"));
                if (eco && *eco)
                        q = strv_push_unique(userdata, eco);
        }
        json_decref(inv);
        return q;
}

int update_cache_ecosystems(const char *path, char ***names, struct error *err) {
        _cleanup_(cache_closep) struct cache *c = NULL;
        int q;

        if (!path || access(path, F_OK) < 0)
                return 0;
        q = cache_open_flags(path, CACHE_OPEN_NO_QUICK_CHECK | CACHE_OPEN_READONLY, &c, NULL, err);
        if (q == -ENOENT)
                return 0;       /* an empty file: no image seen yet */
        if (q >= 0)
                q = cache_list(c, collect_ecosystem, names, err);
        if (q == -ENOMEM)
                return error_set(err, ENOMEM, "out of memory");
        if (q < 0)
                return error_wrap(err, "read the verdict cache %s for the ecosystems of its images (or name them "
                                  "in 'update.ecosystems' in config.json)", path);
        return 0;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Without configured ecosystems: those of the images in the verdict cache,
 * and those the previous runs kept (the cache forgets images unused for a
 * while, and their ecosystem must not leave the database with them), else
 * UPDATE_ECOSYSTEM_FALLBACK.  Nobody named them: one that no source has
 * (an image's release OSV has no folder for) is left out and said, as a
 * stream is (r->optional), not a failure of the whole run, which would
 * leave every other ecosystem's records to age; run_all() fails a run in
 * which no source has any of them. */
static int default_ecosystems(struct run *r, struct error *err) {
        _cleanup_strv_free_ char **v = NULL;
        _cleanup_free_ char *list = NULL;
        const char *name;
        json_t *e;
        int q = update_cache_ecosystems(r->s->cache_path, &v, err);

        if (q < 0)
                return q;
        json_object_foreach(json_object_get(r->state, "ecosystems"), name, e)
                if (strv_push_unique(&v, name) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        if (!v) {
                say(r, UPDATE_EVENT_STEP, NULL, "no ecosystems configured and no image in the verdict cache %s: "
                    "updating %s", strna(r->s->cache_path), UPDATE_ECOSYSTEM_FALLBACK);
                if (strv_push(&v, strdup(UPDATE_ECOSYSTEM_FALLBACK)) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        } else {
                qsort(v, strv_length(v), sizeof(*v), cmp_str);
                if (!(list = strv_join(v, ", ")))
                        return error_set(err, ENOMEM, "out of memory");
                say(r, UPDATE_EVENT_STEP, NULL, "no ecosystems configured: updating those of the images in the "
                    "verdict cache %s and of earlier updates: %s", strna(r->s->cache_path), list);
                for (char **s = v; *s; s++)
                        if (strv_push_unique(&r->optional, *s) < 0)
                                return error_set(err, ENOMEM, "out of memory");
        }
        r->ecosystems = TAKE_PTR(v);
        return 0;
}

/* Each ecosystem's streams (Ubuntu:Pro:22.04:LTS for Ubuntu:22.04:LTS,
 * Red Hat:enterprise_linux:9::appstream and ::crb for ::baseos:
 * ecosystem_streams()), whose records the matcher reads for its packages
 * too, are fetched with it unless named themselves: as r->optional, which a
 * source may not have (an interim release has no Pro stream). */
static int add_streams(struct run *r, struct error *err) {
        size_t n = strv_length(r->ecosystems);

        for (size_t i = 0; i < n; i++) {
                _cleanup_strv_free_ char **streams = NULL;
                int q = ecosystem_streams(r->ecosystems[i], &streams);

                for (char **s = streams; q >= 0 && s && *s; s++) {
                        if (r->s->ecosystems && strv_contains(r->ecosystems, *s))
                                continue;       /* named: a source must have it */
                        say(r, UPDATE_EVENT_STEP, NULL, "also updating %s, whose records hold for %s's packages "
                            "too", *s, r->ecosystems[i]);
                        if ((q = strv_push_unique(&r->ecosystems, *s)) >= 0)
                                q = strv_push_unique(&r->optional, *s);
                }
                if (q < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

/* The newest minor of prefix's release the run asks for or an earlier
 * run fetched (its state). */
static int newest_minor(struct run *r, const char *prefix) {
        const char *name;
        json_t *v;
        int top = -1;

        for (char **s = r->ecosystems; s && *s; s++)
                if (startswith(*s, prefix) && ecosystem_minor(*s, NULL) > top)
                        top = ecosystem_minor(*s, NULL);
        json_object_foreach(json_object_get(r->state, "ecosystems"), name, v)
                if (startswith(name, prefix) && ecosystem_minor(name, NULL) > top)
                        top = ecosystem_minor(name, NULL);
        return top;
}

/* A release filed per minor (RHEL 10, ecosystem_minor()): every minor's
 * records hold for an image of any of them (match_streams()), and which
 * minors a source has only a request tells (OSV has no list of them per
 * release), so each from 0 to UPDATE_MINORS_AHEAD past the newest asked
 * for or fetched before is fetched with it unless named: as r->optional,
 * a 404 left out and said, one fetched before kept. */
static int add_minors(struct run *r, struct error *err) {
        _cleanup_strv_free_ char **done = NULL;
        size_t n = strv_length(r->ecosystems);

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *prefix = NULL;
                int q = ecosystem_minor(r->ecosystems[i], &prefix), last;

                if (q == -ENOENT || (q >= 0 && strv_contains(done, prefix)))
                        continue;       /* none, or its release's done */
                last = newest_minor(r, prefix) + UPDATE_MINORS_AHEAD;
                if (last > ECOSYSTEM_MINOR_MAX)
                        last = ECOSYSTEM_MINOR_MAX;
                if (q >= 0) {
                        say(r, UPDATE_EVENT_STEP, NULL, "also updating %s0 to %s%d where a source has them (the "
                            "release's minor releases, to %d past the newest asked for or fetched before), whose "
                            "records hold for %s's packages too", prefix, prefix, last, UPDATE_MINORS_AHEAD,
                            r->ecosystems[i]);
                        q = strv_push_unique(&done, prefix);
                }
                for (int k = 0; q >= 0 && k <= last; k++) {
                        _cleanup_free_ char *name = NULL;

                        if (asprintf(&name, "%s%d", prefix, k) < 0)
                                q = -ENOMEM;
                        else if (r->s->ecosystems && strv_contains(r->ecosystems, name))
                                continue;       /* named: a source must have it */
                        else if ((q = strv_push_unique(&r->ecosystems, name)) >= 0)
                                q = strv_push_unique(&r->optional, name);
                }
                if (q < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

static int resolve_ecosystems(struct run *r, struct error *err) {
        int q = 0;

        if (r->s->ecosystems) {
                /* as OSV spells them, which its bucket's folders are
                 * named by: "debian:12" would be a 404 */
                for (char *const *e = r->s->ecosystems; q >= 0 && *e; e++) {
                        _cleanup_free_ char *name = ecosystem_canonical(*e);

                        q = name ? strv_push_unique(&r->ecosystems, name) : -ENOMEM;
                }
                if (q < 0)
                        return error_set(err, ENOMEM, "out of memory");
        } else if ((q = default_ecosystems(r, err)) < 0)
                return q;
        if ((q = add_minors(r, err)) < 0 || (q = add_streams(r, err)) < 0)
                return q;
        return check_ecosystems(r->ecosystems, err);
}

static int eco_init(struct run *r, struct eco *e, const char *name, struct error *err) {
        _cleanup_free_ char *esc = escape_name(name);
        json_t *olds = json_object_get(r->state, "ecosystems");
        int q;

        e->name = name;
        e->optional = strv_contains(r->optional, name);
        e->old = json_object_get(olds, name);
        e->entry = e->old ? json_deep_copy(e->old) : json_object();
        if (!esc || !e->entry || asprintf(&e->dir, "%s/%s", r->s->state_dir, esc) < 0)
                return error_set(err, ENOMEM, "out of memory");
        q = mkdir_p(e->dir, 0755);
        if (q < 0)
                return error_set_errno(err, q, "create %s", e->dir);
        e->valid = eco_state_valid(r, e);
        for (size_t i = 0; e->old && i < r->n_sources; i++)
                if (streq_ptr(entry_str(e->old, "source"), r->s->sources[i]))
                        e->source = i;
        return 0;
}

/* The previous state's ecosystems that are no longer asked for, into
 * r->leaving: their records must leave the database, which takes a
 * rebuild, and the shrink guard is not to miss them.  -ENOMEM. */
static int dropped(struct run *r) {
        const char *name;
        json_t *v;

        json_object_foreach(json_object_get(r->state, "ecosystems"), name, v)
                if (!strv_contains(r->ecosystems, name)) {
                        if (strv_push(&r->leaving, strdup(name)) < 0)
                                return -ENOMEM;
                        say(r, UPDATE_EVENT_STEP, NULL, "%s is no longer asked for: its records leave the database",
                            name);
                }
        return 0;
}

static int load_state(struct run *r, struct error *err) {
        struct error serr = {}, why = {};
        int q = state_load(r->s->state_dir, &r->state, &serr);

        if (q == -ENOENT)
                say(r, UPDATE_EVENT_STEP, NULL, "no state in %s: downloading every all.zip", r->s->state_dir);
        else if (q < 0)
                say(r, UPDATE_EVENT_STEP, NULL, "%s; starting over with every all.zip", serr.msg);
        if (q < 0 && !(r->state = json_pack("{s:i, s:{}}", "version", STATE_VERSION, "ecosystems")))
                return error_set(err, ENOMEM, "out of memory");
        r->db_revision = db_revision_of(r->s->db_path, &r->db_data_time, &why);
        db_signed_time(r);
        if (r->db_signed >= 0 && (q = db_ecosystems_of(r, err)) < 0)
                return q;
        if (!r->db_revision && access(r->s->db_path, F_OK) == 0)
                say(r, UPDATE_EVENT_STEP, NULL, "%s can't be read as a database (%s); rebuilding it", r->s->db_path,
                    why.msg);
        else if (r->db_revision && !streq_ptr(entry_str(r->state, "db_revision"), r->db_revision) &&
                 json_object_size(json_object_get(r->state, "ecosystems")) > 0)
                say(r, UPDATE_EVENT_STEP, NULL, "%s was changed by something else since the last update "
                    "(revision %s); rebuilding it", r->s->db_path, r->db_revision);
        return 0;
}

static int run_import(struct run *r, struct eco *ecos, size_t n, bool rebuild, struct update_result *res,
                      struct error *err) {
        struct skip_ctx sc = { .run = r, .ecos = ecos, .n = n };
        _cleanup_strv_free_ char **paths = NULL;
        _cleanup_free_ char *rev = NULL;
        int q;

        if (import_paths(ecos, n, rebuild, &paths) < 0 || cve_paths(r, rebuild, &paths) < 0 ||
            feed_paths(r, rebuild, &paths) < 0)
                return error_set(err, ENOMEM, "out of memory");
        say(r, UPDATE_EVENT_STEP, NULL, "%s %s", rebuild ? "building" : "merging into", r->s->db_path);
        if (!paths && !(paths = calloc(1, sizeof(*paths))))
                return error_set(err, ENOMEM, "out of memory");
        q = vulndb_import_dated(r->s->db_path, paths,
                                (rebuild ? VULNDB_IMPORT_KEEP_CVES : VULNDB_IMPORT_MERGE) |
                                        (r->s->allow_shrink ? VULNDB_IMPORT_ALLOW_SHRINK : 0),
                                r->data_time, r->leaving, on_skip, &sc, &res->stats, err);
        if (q < 0)
                return q;
        res->changed = true;
        rev = db_revision_of(r->s->db_path, NULL, err);
        if (!rev)
                return err->code < 0 ? error_wrap(err, "read the new database's revision")
                                     : error_set(err, EIO, "%s: the new database has no revision", r->s->db_path);
        snprintf(res->revision, sizeof(res->revision), "%s", rev);
        return commit(r, ecos, n, rev, err);
}

/* With a key, the database is as old as the oldest of its ecosystems'
 * signed manifests ("created"); without one it has no such time. */
static void data_time_of(struct run *r, struct eco *ecos, size_t n) {
        r->data_time[0] = '\0';
        for (size_t i = 0; r->key && i < n; i++) {
                const char *t = entry_str(ecos[i].entry, "manifest_created");

                if (t && strlen(t) < sizeof(r->data_time) && (!r->data_time[0] || strcmp(t, r->data_time) < 0))
                        snprintf(r->data_time, sizeof(r->data_time), "%s", t);
        }
}

/* An optional ecosystem every source answered 404 for: one fetched before
 * (its archive kept) keeps what it had, its records stay in the database,
 * said; any other is left out of the run.  -ENOMEM. */
static int eco_absent(struct run *r, struct eco *e) {
        drop_fetched(e);
        e->mode = UPDATE_UNCHANGED;
        if (e->old && e->valid) {
                json_decref(e->entry);
                if (!(e->entry = json_deep_copy(e->old)))
                        return -ENOMEM;
                e->kept = true;
                say(r, UPDATE_EVENT_STEP, e, "no source has it now (each answered 404): the database keeps the "
                    "records of it downloaded %s", strna(entry_str(e->old, "zip_downloaded")));
                return 0;
        }
        e->absent = true;
        (void) rmdir(e->dir);
        say(r, UPDATE_EVENT_STEP, e, "no source has it (each answered 404): left out; it is fetched once a "
            "source has it");
        return 0;
}

static int run_all(struct run *r, struct eco *ecos, size_t n, struct update_result *res, struct error *err) {
        bool rebuild, changed = false, all_gone = true;
        int q = 0;

        if (dropped(r) < 0)
                return error_set(err, ENOMEM, "out of memory");
        rebuild = r->leaving || !r->db_revision;

        for (size_t i = 0; i < n; i++) {
                q = eco_init(r, &ecos[i], r->ecosystems[i], err);
                if (q < 0)
                        return q;
                q = eco_plan(r, &ecos[i], err);
                if (q < 0 && ecos[i].optional && ecos[i].gone) {
                        error_clear(err);
                        if ((q = eco_absent(r, &ecos[i])) < 0)
                                return error_set(err, ENOMEM, "out of memory");
                }
                if (q < 0)
                        return error_wrap(err, "%s", ecos[i].name);
                if (ecos[i].absent) {
                        res->absent++;
                        continue;
                }
                all_gone = all_gone && ecos[i].kept;
                res->modes[ecos[i].mode]++;
                res->fetched += ecos[i].fetched;
                rebuild = rebuild || ecos[i].mode == UPDATE_FULL;
                changed = changed || ecos[i].mode != UPDATE_UNCHANGED;
        }
        /* every source answered 404 for every one: a wrong source, not
         * ecosystems that happen to be missing */
        if (n > 0 && all_gone)
                return error_set(err, ENOENT, "no source has any of the ecosystems (each answered 404 for every "
                                 "one): check update.sources in the config");
        if (cve_fetch_all(r, &q, err))
                changed = true;
        if (q >= 0 && feed_fetch_all(r, &q, err))
                changed = true;
        if (q < 0)
                return q;
        data_time_of(r, ecos, n);
        if (!changed && !rebuild && strcmp(r->data_time, strempty(r->db_data_time)) != 0)
                say(r, UPDATE_EVENT_STEP, NULL, "the signed manifests are of %s now (the database says %s): "
                    "recording it in %s", r->data_time[0] ? r->data_time : "(none)", strna(r->db_data_time),
                    r->s->db_path);
        else if (!changed && !rebuild) {
                snprintf(res->revision, sizeof(res->revision), "%s", r->db_revision);
                return commit(r, ecos, n, r->db_revision, err);
        }
        return run_import(r, ecos, n, rebuild, res, err);
}

static void feed_record_clear(struct update_feed_run *fr) {
        free(fr->error);
        *fr = (struct update_feed_run) {};
}

/* What the run did of each KEV and EPSS feed, into its record (run.json):
 * a feed none of whose mirrors served is a run that succeeds all the same
 * (the database keeps that data), so the record is where doctor, db
 * status and metrics see it.  A feed not tried (the run failed before it,
 * or after it served) stays as it was; one no longer configured leaves. */
static int feed_record(struct run *r, bool ok, struct update_run_info *rec, unsigned *ret_failed) {
        int64_t now = (int64_t) time(NULL);

        for (int k = VULNDB_FEED_KEV; k < _VULNDB_FEED_MAX; k++)
                if (!feed_sources(r->s, k) || !feed_sources(r->s, k)[0])
                        feed_record_clear(&rec->feeds[k]);
        for (size_t i = 0; i < r->n_feeds; i++) {
                struct feed_src *f = &r->feeds[i];
                struct update_feed_run *fr = &rec->feeds[f->kind];
                _cleanup_free_ char *urls = NULL;

                if (!f->failed && !(ok && f->served))
                        continue;
                free(fr->error);
                fr->error = NULL;
                fr->known = true;
                fr->checked = now;
                if (!f->failed) {
                        fr->last_success = now;
                        continue;
                }
                *ret_failed |= 1u << f->kind;
                if (!(urls = strv_join(f->urls, ", ")) ||
                    asprintf(&fr->error, "none of its mirrors (%s) served it; the last said: %s", urls,
                             f->failed) < 0) {
                        fr->error = NULL;
                        return -ENOMEM;
                }
        }
        return 0;
}

/* oci:// sources first (registry.h); 1 when one of them served, 0 to go on
 * with the http(s) sources in *http_only (none: the error stands). */
static int run_oci(const struct update_settings *s, update_report_fn report, void *userdata,
                   struct update_settings *http_only, char ***http, struct update_result *res, struct error *err) {
        _cleanup_strv_free_ char **oci = NULL;
        struct pcdb_install_result pr = {};
        char msg[ERROR_MSG_MAX + 128];
        int q = 0;

        for (char *const *u = s->sources; q >= 0 && *u; u++)
                q = strv_push(startswith(*u, "oci://") ? &oci : http, strdup(*u));
        if (q < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (!oci)
                return 0;
        q = registry_pull(oci, &(struct registry_pull_settings) {
                                  .db_path = s->db_path, .state_dir = s->state_dir, .public_key = s->public_key,
                                  .max_layer = s->max_layer ? s->max_layer : PCDB_LAYER_MAX_DEFAULT,
                                  .allow_shrink = s->allow_shrink,
                                  .reg = { .ca_file = s->ca_file, .auth_file = s->auth_file, .proxy = s->proxy,
                                           .timeout_s = s->timeout_s } },
                          report, userdata, &pr, err);
        if (q >= 0 || pr.changed) {
                res->changed = pr.changed;
                snprintf(res->revision, sizeof(res->revision), "%s", pr.revision);
                snprintf(res->oci_source, sizeof(res->oci_source), "%s", pr.source);
                return q < 0 ? q : 1;   /* replaced, its state not saved: no other source */
        }
        if (!*http)
                return q;
        snprintf(msg, sizeof(msg), "%s; falling back to the http(s) sources", err->msg);
        if (report)
                report(&(struct update_event) { .type = UPDATE_EVENT_RETRY, .message = msg }, userdata);
        /* the pull failed, whatever the fallback does: `db status` says
         * so until a pull serves again */
        registry_state_note_failure(s->state_dir, err->msg);
        error_clear(err);
        *http_only = *s;
        http_only->sources = *http;
        return 0;
}

/* A run under the state folder's lock, its start recorded (rec: what
 * it did of the feeds goes there). */
static int run_locked(const struct update_settings *s, update_report_fn report, void *userdata,
                      struct update_run_info *rec, struct update_result *ret, struct error *err) {
        struct update_settings http_only = {};
        _cleanup_strv_free_ char **http = NULL;
        struct run r = { .s = s, .report = report, .userdata = userdata, .retry_after = -1 };
        struct update_result res = {};
        struct eco *ecos = NULL;
        size_t n = 0;
        int q;

        r.n_sources = strv_length(s->sources);
        remove_stale(&r, s->state_dir, 0);
        remove_stale_db_temps(&r);
        q = run_oci(s, report, userdata, &http_only, &http, &res, err);
        if (ret && (q > 0 || res.changed))
                *ret = res;
        if (q > 0) {
                /* the artifact's database holds what it holds: the
                 * feeds' mirrors were not this run's to try */
                for (int k = 0; k < _VULNDB_FEED_MAX; k++)
                        feed_record_clear(&rec->feeds[k]);
                return 0;
        }
        if (q < 0 && !res.changed)
                registry_state_note_failure(s->state_dir, err->msg);
        if (q < 0 && res.changed)
                return error_wrap(err, "update %s", s->db_path);
        if (q < 0)
                return error_wrap(err, "update %s (%s)", s->db_path, vulndb_failed_note(s->db_path));
        if (http_only.sources == http && http)
                r.s = s = &http_only;
        r.n_sources = strv_length(s->sources);
        q = load_state(&r, err);
        if (q >= 0)
                q = resolve_ecosystems(&r, err);
        if (q >= 0)
                q = load_key(&r, err);
        if (q >= 0)
                q = cve_init(&r, err);
        if (q >= 0)
                q = feed_init(&r, err);
        if (q >= 0 && !(ecos = calloc((n = strv_length(r.ecosystems)), sizeof(*ecos))))
                q = error_set(err, ENOMEM, "out of memory");
        if (q >= 0)
                q = curl_setup(&r, err);
        if (q >= 0)
                q = run_all(&r, ecos, n, &res, err);
        if (feed_record(&r, q >= 0, rec, &res.feeds_failed) < 0 && q >= 0)
                q = error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; ecos && i < n; i++)
                eco_done(&ecos[i]);
        free(ecos);
        if (q < 0 && res.changed)
                q = error_wrap(err, "update %s: the database was replaced, but the state in %s was not saved; "
                               "the next run rebuilds the database from what it downloads", s->db_path,
                               s->state_dir);
        else if (q < 0) {
                if (r.state)
                        state_note_failure(&r, err->msg);
                q = error_wrap(err, "update %s (%s)", s->db_path, vulndb_failed_note(s->db_path));
        }
        if (r.curl)
                curl_easy_cleanup(r.curl);
        json_decref(r.state);
        free(r.db_revision);
        free(r.db_data_time);
        json_decref(r.db_ecosystems);
        strv_free(r.ecosystems);
        strv_free(r.optional);
        strv_free(r.leaving);
        EVP_PKEY_free(r.key);
        cve_done(&r);
        feed_done(&r);
        if (ret && (q >= 0 || res.changed))
                *ret = res;     /* replaced: the caller re-judges the running containers */
        return q < 0 ? q : 0;
}

/* The previous run, when it did not end: said once, by the run after it
 * (the journal of the timer's unit then holds both). */
static void say_killed(const struct update_run_info *prev, update_report_fn report, void *userdata) {
        char msg[512], started[32];

        if (!report)
                return;
        update_format_time(prev->started, started);
        snprintf(msg, sizeof(msg), "the previous run, started at %s (pid %lld), " UPDATE_KILLED_NOTE, started,
                 prev->pid);
        report(&(struct update_event) { .type = UPDATE_EVENT_RETRY, .message = msg }, userdata);
}

int update_run(const struct update_settings *s, update_report_fn report, void *userdata,
               struct update_result *ret, struct error *err) {
        _cleanup_(update_run_info_done) struct update_run_info prev = {};
        _cleanup_(update_run_info_done) struct update_run_info now = {};
        _cleanup_close_ int lock = -EBADF;
        struct error rerr = {};
        int q;

        q = check_settings(s, err);
        if (q < 0)
                return q;
        /* 0700 as tmpfiles.d makes it: /var/lib/portcullis may be created
         * here, before the hook puts its cache there */
        if ((q = mkdir_p(s->state_dir, 0700)) < 0)
                return error_set_errno(err, q, "create the state folder %s", s->state_dir);
        if ((q = take_lock(s->state_dir, &lock, err)) < 0)
                return q;
        /* before anything is fetched: a run killed from here on is seen */
        if ((q = update_record_start(s->state_dir, &prev, &now, err)) < 0)
                return error_wrap(err, "update %s (%s)", s->db_path, vulndb_failed_note(s->db_path));
        if (prev.killed)
                say_killed(&prev, report, userdata);
        q = run_locked(s, report, userdata, &now, ret, err);
        if (update_record_end(s->state_dir, &now, q < 0 ? err->msg : NULL, &rerr) < 0 && q >= 0)
                q = error_set(err, rerr.code, "update %s: the run succeeded, but its end was not recorded (%s); "
                              "doctor and db status will call it killed until the next run", s->db_path, rerr.msg);
        return q;
}

/* ---- state for `db status` ------------------------------------------------ */

static int dup_str(json_t *o, const char *key, char **ret) {
        const char *v = entry_str(o, key);

        *ret = NULL;
        return v && !(*ret = strdup(v)) ? -ENOMEM : 0;
}

void update_state_info_done(struct update_state_info *s) {
        if (!s)
                return;
        free(s->last_run);
        free(s->last_success);
        free(s->last_error);
        free(s->db_revision);
        free(s->running);
        strv_free(s->sources);
        for (size_t i = 0; i < s->n_ecosystems; i++) {
                struct update_state_ecosystem *e = &s->ecosystems[i];

                free(e->name);
                free(e->source);
                free(e->mode);
                free(e->changed);
                free(e->zip_sha256);
                free(e->zip_etag);
                free(e->zip_last_modified);
                free(e->newest);
                free(e->manifest_created);
                free(e->manifest_expires);
        }
        free(s->ecosystems);
        for (int k = 0; k < _VULNDB_FEED_MAX; k++)
                free(s->feeds[k].error);
        *s = (struct update_state_info) {};
}

static int info_fill(json_t *st, struct update_state_info *s) {
        json_t *ecos = json_object_get(st, "ecosystems"), *v;
        const char *name;
        size_t i;

        if (dup_str(st, "last_run", &s->last_run) < 0 || dup_str(st, "last_success", &s->last_success) < 0 ||
            dup_str(st, "last_error", &s->last_error) < 0 || dup_str(st, "db_revision", &s->db_revision) < 0)
                return -ENOMEM;
        json_array_foreach(json_object_get(st, "sources"), i, v)
                if (json_is_string(v) && strv_push(&s->sources, strdup(json_string_value(v))) < 0)
                        return -ENOMEM;
        s->ecosystems = calloc(json_object_size(ecos) + 1, sizeof(*s->ecosystems));
        if (!s->ecosystems)
                return -ENOMEM;
        json_object_foreach(ecos, name, v) {
                struct update_state_ecosystem *e = &s->ecosystems[s->n_ecosystems++];

                if (!(e->name = strdup(name)) || dup_str(v, "source", &e->source) < 0 ||
                    dup_str(v, "mode", &e->mode) < 0 || dup_str(v, "changed", &e->changed) < 0 ||
                    dup_str(v, "zip_sha256", &e->zip_sha256) < 0 || dup_str(v, "zip_etag", &e->zip_etag) < 0 ||
                    dup_str(v, "zip_last_modified", &e->zip_last_modified) < 0 ||
                    dup_str(v, "newest", &e->newest) < 0 ||
                    dup_str(v, "manifest_created", &e->manifest_created) < 0 ||
                    dup_str(v, "manifest_expires", &e->manifest_expires) < 0)
                        return -ENOMEM;
                e->retry = json_array_size(json_object_get(v, "retry"));
                e->manifest_serial = json_is_integer(json_object_get(v, "manifest_serial"))
                                             ? json_integer_value(json_object_get(v, "manifest_serial"))
                                             : -1;
        }
        return 0;
}

/* A run that ended, begun after state.json's last run: one that did not
 * write it (an oci:// pull writes oci.json) is the last run all the same,
 * not the http(s) run before it. */
static int info_note_ended(struct update_state_info *s, const struct update_run_info *run) {
        struct osv_time last = {};
        char ended[32], success[32];

        if (s->last_run && update_parse_time(s->last_run, strlen(s->last_run), &last) == 0 && last.s >= run->started)
                return 0;
        update_format_time(run->ended, ended);
        update_format_time(run->last_success, success);
        free(s->last_run);
        free(s->last_error);
        s->last_error = NULL;
        if (!(s->last_run = strdup(ended)) || (run->error && !(s->last_error = strdup(run->error))))
                return -ENOMEM;
        if (run->last_success) {
                free(s->last_success);
                if (!(s->last_success = strdup(success)))
                        return -ENOMEM;
        }
        return 0;
}

/* A run that did not end (run.json): in progress, or killed, and then it
 * is the last run, never the one before.  (One killed after it wrote
 * state.json, before its end was recorded, is said as killed too: it
 * was.) */
static int info_note_run(const char *state_dir, struct update_state_info *s) {
        _cleanup_(update_run_info_done) struct update_run_info run = {};
        struct error ignored = {};
        char started[32];

        if (update_record_read(state_dir, &run, &ignored) < 0)
                return 0;
        memcpy(s->feeds, run.feeds, sizeof(s->feeds));        /* taken */
        memset(run.feeds, 0, sizeof(run.feeds));
        if (run.ended)
                return info_note_ended(s, &run);
        update_format_time(run.started, started);
        if (!run.killed)
                return asprintf(&s->running, "since %s, pid %lld", started, run.pid) < 0 ? -ENOMEM : 0;
        free(s->last_run);
        free(s->last_error);
        s->last_error = NULL;
        if (!(s->last_run = strdup(started)) ||
            asprintf(&s->last_error, "the run started at %s (pid %lld) " UPDATE_KILLED_NOTE, started, run.pid) < 0)
                return -ENOMEM;
        return 0;
}

int update_state_read(const char *state_dir, struct update_state_info *ret, struct error *err) {
        struct update_state_info s = {};
        struct error lerr = {};
        json_t *st = NULL;
        int q;

        q = state_load(state_dir, &st, &lerr);
        if (q < 0 && q != -ENOENT) {
                *err = lerr;
                return q;
        }
        q = st ? info_fill(st, &s) : 0;
        json_decref(st);
        if (q >= 0)
                q = info_note_run(state_dir, &s);
        if (q < 0) {
                update_state_info_done(&s);
                return error_set(err, ENOMEM, "out of memory");
        }
        if (!st && !s.last_run && !s.running)
                return -ENOENT;
        *ret = s;
        return 0;
}
