/* SPDX-License-Identifier: Apache-2.0 */
/* A fresh import's affected rows in sorted runs, read back merged through a
 * virtual table (vulndb-stage.h).  sqlite's own way cost a statement step
 * per staged row and then a sort of whole records in its sorter (the
 * import's largest serial step: 0.4 of 2.1 s for 200,000 rows here);
 * sorting row offsets in C costs a few comparisons of two short strings
 * per row, and sqlite copies rows from a virtual table that delivers them
 * in the key order it asks for (orderByConsumed) without a sorter. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/macro.h"
#include "vulndb-stage.h"

#define NO_LEN UINT32_MAX
#define READ_CHUNK ((size_t) 64 * 1024)    /* a run's read buffer (grown for a larger row) */
#define WRITE_CHUNK ((size_t) 256 * 1024)

/* A row in a buffer or the file: this head, then its texts one after the
 * other (no NULs), padded to 8 bytes so that the next head is aligned. */
struct row_head {
        uint32_t size;                  /* of the whole row, padding included */
        uint32_t len[STAGE_TEXTS];      /* NO_LEN: NULL */
        int64_t vuln, seq;
};

struct run {
        off_t start, end;               /* in the file */
};

struct stage {
        char *dir;
        int fd;                         /* the runs' file, once one is written */
        off_t file_len;
        size_t run_bytes;
        char *buf;                      /* the rows of the run being filled */
        size_t len, cap;
        uint32_t *rows;                 /* their offsets in buf */
        size_t n_rows, cap_rows;
        struct run *runs;
        size_t n_runs;
        bool sorted;                    /* buf's rows sorted, the last run (read from memory) */
};

static const char *row_text(const struct row_head *h, int i) {
        const char *p = (const char *) (h + 1);

        for (int k = 0; k < i; k++)
                p += h->len[k] == NO_LEN ? 0 : h->len[k];
        return p;
}

/* sqlite's BINARY collation (memcmp, then the shorter first); NULL first */
static int text_cmp(const char *a, uint32_t la, const char *b, uint32_t lb) {
        int c;

        if (la == NO_LEN || lb == NO_LEN)
                return (lb == NO_LEN) - (la == NO_LEN);
        c = memcmp(a, b, la < lb ? la : lb);
        return c != 0 ? c : (la > lb) - (la < lb);
}

/* the affected table's key: (ecosystem, package, vuln, seq) */
static int row_cmp(const struct row_head *a, const struct row_head *b) {
        const char *ta = (const char *) (a + 1), *tb = (const char *) (b + 1);
        uint32_t la0 = a->len[0] == NO_LEN ? 0 : a->len[0], lb0 = b->len[0] == NO_LEN ? 0 : b->len[0];
        int c = text_cmp(ta, a->len[0], tb, b->len[0]);

        if (c == 0)
                c = text_cmp(ta + la0, a->len[1], tb + lb0, b->len[1]);
        if (c == 0)
                c = (a->vuln > b->vuln) - (a->vuln < b->vuln);
        if (c == 0)
                c = (a->seq > b->seq) - (a->seq < b->seq);
        return c;
}

static int offset_cmp(const void *x, const void *y, void *userdata) {
        const char *buf = userdata;

        return row_cmp((const struct row_head *) (buf + *(const uint32_t *) x),
                       (const struct row_head *) (buf + *(const uint32_t *) y));
}

int stage_new(const char *dir, size_t run_bytes, struct stage **ret, struct error *err) {
        struct stage *s = calloc(1, sizeof(*s));

        if (!s || !(s->dir = strdup(dir))) {
                free(s);
                return error_set(err, ENOMEM, "out of memory");
        }
        s->fd = -EBADF;
        s->run_bytes = run_bytes;
        *ret = s;
        return 0;
}

void stage_free(struct stage *s) {
        if (!s)
                return;
        if (s->fd >= 0)
                close(s->fd);
        free(s->dir);
        free(s->buf);
        free(s->rows);
        free(s->runs);
        free(s);
}

/* The runs' file: unlinked from the start (O_TMPFILE), so that nothing
 * is left behind by a killed import; where the folder's file system has no
 * O_TMPFILE, a named file removed at once. */
static int open_file(struct stage *s, struct error *err) {
        char *path = NULL;

        s->fd = open(s->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (s->fd >= 0)
                return 0;
        if (asprintf(&path, "%s/.portcullis-stage-XXXXXX", s->dir) < 0)
                return error_set(err, ENOMEM, "out of memory");
        s->fd = mkostemp(path, O_CLOEXEC);
        if (s->fd < 0) {
                int r = error_set_errno(err, errno, "create a staging file in %s (is there room?)", s->dir);

                free(path);
                return r;
        }
        (void) unlink(path);
        free(path);
        return 0;
}

/* A row's place in its run's sort: its ecosystem's rank among the run's
 * ecosystems and its package's first 8 bytes, big-endian and padded with
 * zeros (no byte of a name is zero: a shorter name sorts first, as in
 * text_cmp()), compare most pairs without reading the rows; equal ones
 * are compared by row_cmp(). */
struct sort_key {
        uint32_t eco;
        uint32_t off;
        uint64_t pkg;
};

#define SORT_ECOS_MAX 64 /* more ecosystems in a run: row_cmp() alone */

struct eco_seen {
        const char *text;
        uint32_t len;
        uint32_t rank;
};

static int eco_cmp(const void *x, const void *y) {
        const struct eco_seen *a = x, *b = y;

        return text_cmp(a->text, a->len, b->text, b->len);
}

static int key_cmp(const void *x, const void *y, void *userdata) {
        const struct sort_key *a = x, *b = y;

        if (a->eco != b->eco)
                return a->eco < b->eco ? -1 : 1;
        if (a->pkg != b->pkg)
                return a->pkg < b->pkg ? -1 : 1;
        return row_cmp((const struct row_head *) ((const char *) userdata + a->off),
                       (const struct row_head *) ((const char *) userdata + b->off));
}

/* The ecosystems of the run's rows, ranked; false when there are too many. */
static bool rank_ecosystems(const struct stage *s, struct eco_seen *ecos, size_t *ret_n, uint32_t *ret_of_row) {
        size_t n = 0, last = 0;

        for (size_t i = 0; i < s->n_rows; i++) {
                const struct row_head *h = (const struct row_head *) (s->buf + s->rows[i]);
                const char *t = (const char *) (h + 1);
                size_t k = last;

                if (n == 0 || text_cmp(ecos[k].text, ecos[k].len, t, h->len[0]) != 0)
                        for (k = 0; k < n && text_cmp(ecos[k].text, ecos[k].len, t, h->len[0]) != 0; k++)
                                ;
                if (k == n) {
                        if (n == SORT_ECOS_MAX)
                                return false;
                        ecos[n++] = (struct eco_seen) { t, h->len[0], (uint32_t) k };
                }
                ret_of_row[i] = ecos[k].rank;   /* its place in ecos[], until they are sorted */
                last = k;
        }
        *ret_n = n;
        return true;
}

static void sort_rows(struct stage *s) {
        struct eco_seen ecos[SORT_ECOS_MAX];
        uint32_t rank_of[SORT_ECOS_MAX];
        _cleanup_free_ struct sort_key *keys = malloc(s->n_rows * sizeof(*keys));
        _cleanup_free_ uint32_t *eco_of = malloc(s->n_rows * sizeof(*eco_of));
        size_t n_ecos;

        s->sorted = true;
        if (!keys || !eco_of || !rank_ecosystems(s, ecos, &n_ecos, eco_of)) {
                qsort_r(s->rows, s->n_rows, sizeof(*s->rows), offset_cmp, s->buf);
                return;
        }
        qsort(ecos, n_ecos, sizeof(*ecos), eco_cmp);
        for (size_t k = 0; k < n_ecos; k++)
                rank_of[ecos[k].rank] = (uint32_t) k;
        for (size_t i = 0; i < s->n_rows; i++) {
                const struct row_head *h = (const struct row_head *) (s->buf + s->rows[i]);
                const unsigned char *pkg = (const unsigned char *) (h + 1) + (h->len[0] == NO_LEN ? 0 : h->len[0]);
                uint32_t len = h->len[1] == NO_LEN ? 0 : h->len[1];
                uint64_t prefix = 0;

                for (uint32_t b = 0; b < 8; b++)
                        prefix = prefix << 8 | (b < len ? pkg[b] : 0);
                keys[i] = (struct sort_key) { rank_of[eco_of[i]], s->rows[i], prefix };
        }
        qsort_r(keys, s->n_rows, sizeof(*keys), key_cmp, s->buf);
        for (size_t i = 0; i < s->n_rows; i++)
                s->rows[i] = keys[i].off;
}

/* The buffer's rows, sorted, to the end of the file as one run. */
static int flush_run(struct stage *s, struct error *err) {
        _cleanup_free_ char *out = malloc(WRITE_CHUNK);
        struct run run, *runs;
        size_t used = 0;
        int r = 0;

        if (!out)
                return error_set(err, ENOMEM, "out of memory");
        if (s->fd < 0 && (r = open_file(s, err)) < 0)
                return r;
        sort_rows(s);
        run.start = s->file_len;
        for (size_t i = 0; i <= s->n_rows && r >= 0; i++) {
                const struct row_head *h = i < s->n_rows ? (const struct row_head *) (s->buf + s->rows[i]) : NULL;

                if (used > 0 && (!h || used + h->size > WRITE_CHUNK)) {
                        r = write_all(s->fd, out, used);
                        s->file_len += (off_t) used;
                        used = 0;
                }
                if (!h || r < 0)
                        continue;
                if (h->size > WRITE_CHUNK) {
                        r = write_all(s->fd, h, h->size);
                        s->file_len += (off_t) h->size;
                } else {
                        memcpy(out + used, h, h->size);
                        used += h->size;
                }
        }
        if (r < 0)
                return error_set_errno(err, -r, "write a staging file in %s (is there room?)", s->dir);
        run.end = s->file_len;
        runs = reallocarray(s->runs, s->n_runs + 1, sizeof(*runs));
        if (!runs)
                return error_set(err, ENOMEM, "out of memory");
        s->runs = runs;
        s->runs[s->n_runs++] = run;
        s->len = s->n_rows = 0;
        s->sorted = false;
        return 0;
}

static int reserve(struct stage *s, size_t size, struct error *err) {
        if (s->len + size > s->cap) {
                size_t ncap = s->len + size > s->run_bytes ? s->len + size : s->run_bytes;
                char *p = realloc(s->buf, ncap);

                if (!p)
                        return error_set(err, ENOMEM, "out of memory");
                s->buf = p;
                s->cap = ncap;
        }
        if (s->n_rows == s->cap_rows) {
                size_t ncap = s->cap_rows ? s->cap_rows * 2 : 1024;
                uint32_t *p = reallocarray(s->rows, ncap, sizeof(*p));

                if (!p)
                        return error_set(err, ENOMEM, "out of memory");
                s->rows = p;
                s->cap_rows = ncap;
        }
        return 0;
}

int stage_add(struct stage *s, const struct stage_row *row, struct error *err) {
        struct row_head h = { .vuln = row->vuln, .seq = row->seq };
        size_t size = sizeof(h);
        char *p;
        int r;

        for (int i = 0; i < STAGE_TEXTS; i++) {
                size_t n = row->text[i] ? strlen(row->text[i]) : 0;

                if (n >= NO_LEN)
                        return error_set(err, E2BIG, "a staged row of more than 4 GiB");
                h.len[i] = row->text[i] ? (uint32_t) n : NO_LEN;
                size += n;
        }
        size = (size + 7) & ~(size_t) 7;
        if (size >= NO_LEN)
                return error_set(err, E2BIG, "a staged row of more than 4 GiB");
        h.size = (uint32_t) size;
        if (s->n_rows > 0 && s->len + size > s->run_bytes && (r = flush_run(s, err)) < 0)
                return r;
        if ((r = reserve(s, size, err)) < 0)
                return r;
        p = s->buf + s->len;
        memcpy(p, &h, sizeof(h));
        p += sizeof(h);
        for (int i = 0; i < STAGE_TEXTS; i++)
                if (row->text[i]) {
                        memcpy(p, row->text[i], h.len[i]);
                        p += h.len[i];
                }
        memset(p, 0, s->buf + s->len + size - p);
        s->rows[s->n_rows++] = (uint32_t) s->len;
        s->len += size;
        return 0;
}

/* ---- reading: the runs merged ------------------------------------------- */

/* One run: the file's (through a buffer) or the rows still in memory. */
struct source {
        const struct row_head *cur;     /* NULL: done */
        /* file */
        off_t next, end;
        char *buf;
        size_t pos, fill, cap;
        /* memory */
        size_t i;
};

struct cursor {
        sqlite3_vtab_cursor base;
        struct stage *stage;
        struct source *src;
        size_t n_src;
        size_t *heap;                   /* indexes of sources not done, least row first */
        size_t n_heap;
        sqlite3_int64 rowid;
        int err;                        /* an errno of a read */
};

/* The source's row at pos, reading more when it is not all in the buffer. */
static int source_fill(struct stage *s, struct source *src) {
        for (;;) {
                size_t have = src->fill - src->pos, want = sizeof(struct row_head);
                ssize_t k;

                if (have >= want) {
                        want = ((const struct row_head *) (src->buf + src->pos))->size;
                        if (want < sizeof(struct row_head))
                                return -EBADMSG;
                }
                if (have >= want) {
                        src->cur = (const struct row_head *) (src->buf + src->pos);
                        return 0;
                }
                if (src->next >= src->end && have > 0)
                        return -EBADMSG;        /* a row cut short: not what flush_run() wrote */
                if (src->next >= src->end) {
                        src->cur = NULL;
                        return 0;
                }
                memmove(src->buf, src->buf + src->pos, have);
                src->pos = 0;
                src->fill = have;
                if (want > src->cap) {
                        char *p = realloc(src->buf, want);

                        if (!p)
                                return -ENOMEM;
                        src->buf = p;
                        src->cap = want;
                }
                k = pread(s->fd, src->buf + src->fill,
                          (size_t) (src->end - src->next) < src->cap - src->fill ? (size_t) (src->end - src->next)
                                                                               : src->cap - src->fill,
                          src->next);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return k < 0 ? -errno : -EBADMSG;
                src->fill += (size_t) k;
                src->next += k;
        }
}

static int source_next(struct stage *s, struct source *src) {
        if (!src->buf) {
                src->i++;
                src->cur = src->i < s->n_rows ? (const struct row_head *) (s->buf + s->rows[src->i]) : NULL;
                return 0;
        }
        src->pos += src->cur->size;
        return source_fill(s, src);
}

static bool heap_less(const struct cursor *c, size_t a, size_t b) {
        return row_cmp(c->src[c->heap[a]].cur, c->src[c->heap[b]].cur) < 0;
}

static void heap_down(struct cursor *c, size_t i) {
        for (;;) {
                size_t l = 2 * i + 1, m = i;

                if (l < c->n_heap && heap_less(c, l, m))
                        m = l;
                if (l + 1 < c->n_heap && heap_less(c, l + 1, m))
                        m = l + 1;
                if (m == i)
                        return;
                size_t t = c->heap[i];
                c->heap[i] = c->heap[m];
                c->heap[m] = t;
                i = m;
        }
}

static void cursor_clear(struct cursor *c) {
        for (size_t i = 0; i < c->n_src; i++)
                free(c->src[i].buf);
        free(c->src);
        free(c->heap);
        c->src = NULL;
        c->heap = NULL;
        c->n_src = c->n_heap = 0;
}

static int cursor_start(struct cursor *c) {
        struct stage *s = c->stage;
        size_t n = s->n_runs + (s->n_rows > 0);
        int r;

        cursor_clear(c);
        c->rowid = 0;
        if (s->n_rows > 0 && !s->sorted)
                sort_rows(s);
        c->src = calloc(n ? n : 1, sizeof(*c->src));
        c->heap = calloc(n ? n : 1, sizeof(*c->heap));
        if (!c->src || !c->heap)
                return -ENOMEM;
        c->n_src = n;
        for (size_t i = 0; i < s->n_runs; i++) {
                struct source *src = &c->src[i];

                src->next = s->runs[i].start;
                src->end = s->runs[i].end;
                src->cap = READ_CHUNK;
                if (!(src->buf = malloc(src->cap)))
                        return -ENOMEM;
                if ((r = source_fill(s, src)) < 0)
                        return r;
        }
        if (s->n_rows > 0)
                c->src[n - 1].cur = (const struct row_head *) (s->buf + s->rows[0]);
        for (size_t i = 0; i < n; i++)
                if (c->src[i].cur)
                        c->heap[c->n_heap++] = i;
        for (size_t i = c->n_heap / 2; i-- > 0;)
                heap_down(c, i);
        return 0;
}

struct import_vtab {
        sqlite3_vtab base;
        void *aux;
};

int import_vtab_connect(sqlite3 *db, void *aux, const char *columns, sqlite3_vtab **ret) {
        int rc = sqlite3_declare_vtab(db, columns);
        struct import_vtab *vt;

        if (rc != SQLITE_OK)
                return rc;
        if (!(vt = sqlite3_malloc(sizeof(*vt))))
                return SQLITE_NOMEM;
        memset(vt, 0, sizeof(*vt));
        vt->aux = aux;
        *ret = &vt->base;
        return SQLITE_OK;
}

void *import_vtab_aux(const sqlite3_vtab *vt) {
        return ((const struct import_vtab *) vt)->aux;
}

int import_vtab_disconnect(sqlite3_vtab *vt) {
        sqlite3_free(vt);
        return SQLITE_OK;
}

int import_vtab_cursor(size_t size, sqlite3_vtab_cursor **ret) {
        sqlite3_vtab_cursor *c = sqlite3_malloc64(size);

        if (!c)
                return SQLITE_NOMEM;
        memset(c, 0, size);
        *ret = c;
        return SQLITE_OK;
}

static int vt_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **ret,
                      char **ret_err) {
        return import_vtab_connect(db, aux, "CREATE TABLE x (ecosystem TEXT, package TEXT, vuln INTEGER, seq INTEGER,"
                                            " purl TEXT, ranges TEXT, versions TEXT, severity TEXT, vendor_rating TEXT,"
                                            " vendor_source TEXT, upper TEXT)", ret);
}

/* Rows come in the key's order: an ORDER BY of a prefix of it, ascending,
 * is theirs already.  Constraints are left to sqlite. */
static int vt_best_index(sqlite3_vtab *vt, sqlite3_index_info *info) {
        bool ordered = info->nOrderBy > 0 && info->nOrderBy <= 4;

        for (int i = 0; ordered && i < info->nOrderBy; i++)
                ordered = info->aOrderBy[i].iColumn == i && !info->aOrderBy[i].desc;
        info->orderByConsumed = ordered;
        info->estimatedCost = 1e6;
        return SQLITE_OK;
}

static int vt_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **ret) {
        return import_vtab_cursor(sizeof(struct cursor), ret);
}

static int vt_close(sqlite3_vtab_cursor *base) {
        struct cursor *c = (struct cursor *) base;

        cursor_clear(c);
        sqlite3_free(c);
        return SQLITE_OK;
}

static int read_error(struct cursor *c, int r) {
        sqlite3_free(c->base.pVtab->zErrMsg);
        c->base.pVtab->zErrMsg = sqlite3_mprintf("read the staging file in %s: %s", c->stage->dir, strerror(-r));
        return r == -ENOMEM ? SQLITE_NOMEM : SQLITE_IOERR;
}

static int vt_filter(sqlite3_vtab_cursor *base, int idx, const char *idx_str, int argc, sqlite3_value **argv) {
        struct cursor *c = (struct cursor *) base;
        int r;

        c->stage = import_vtab_aux(base->pVtab);
        r = cursor_start(c);
        return r < 0 ? read_error(c, r) : SQLITE_OK;
}

static int vt_next(sqlite3_vtab_cursor *base) {
        struct cursor *c = (struct cursor *) base;
        struct source *src = &c->src[c->heap[0]];
        int r = source_next(c->stage, src);

        if (r < 0)
                return read_error(c, r);
        if (!src->cur)
                c->heap[0] = c->heap[--c->n_heap];
        heap_down(c, 0);
        c->rowid++;
        return SQLITE_OK;
}

static int vt_eof(sqlite3_vtab_cursor *base) {
        return ((struct cursor *) base)->n_heap == 0;
}

static int vt_column(sqlite3_vtab_cursor *base, sqlite3_context *ctx, int col) {
        struct cursor *c = (struct cursor *) base;
        const struct row_head *h = c->src[c->heap[0]].cur;
        int t;

        if (col == 2 || col == 3) {
                sqlite3_result_int64(ctx, col == 2 ? h->vuln : h->seq);
                return SQLITE_OK;
        }
        t = col < 2 ? col : col - 2;
        if (h->len[t] == NO_LEN)
                sqlite3_result_null(ctx);
        else    /* the row stays where it is until the cursor moves on */
                sqlite3_result_text(ctx, row_text(h, t), (int) h->len[t], SQLITE_STATIC);
        return SQLITE_OK;
}

static int vt_rowid(sqlite3_vtab_cursor *base, sqlite3_int64 *ret) {
        *ret = ((struct cursor *) base)->rowid;
        return SQLITE_OK;
}

int stage_register(sqlite3 *db, struct stage *s, struct error *err) {
        /* eponymous only (no xCreate): "import_stage" is there on this
         * connection without a CREATE VIRTUAL TABLE, and never in the file */
        static const sqlite3_module module = {
                .xConnect = vt_connect,
                .xBestIndex = vt_best_index,
                .xDisconnect = import_vtab_disconnect,
                .xOpen = vt_open,
                .xClose = vt_close,
                .xFilter = vt_filter,
                .xNext = vt_next,
                .xEof = vt_eof,
                .xColumn = vt_column,
                .xRowid = vt_rowid,
        };
        int rc = sqlite3_create_module(db, "import_stage", &module, s);

        if (rc != SQLITE_OK)
                return error_set(err, EIO, "register the import's staged rows: %s", sqlite3_errstr(rc));
        return 0;
}
