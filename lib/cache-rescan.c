/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "base/clock.h"
#include "base/strutil.h"
#include "cache.h"
#include "match.h"
#include "report.h"
#include "vulndb.h"

/* The entries as listed (no JSON), each with what the rescan does to it. */
enum todo {
        TODO_NONE,      /* at the current key, or a newer build's */
        TODO_DROP,      /* an inventory another build read */
        TODO_REMATCH,   /* another revision's or match epoch's: its inventory matched again */
};

struct listed {
        struct cache_entry *v;
        enum todo *todo;
        size_t n, cap;
        const char *revision;
        struct cache_rescan_result *res;
};

static enum todo todo_of(const struct listed *l, const struct cache_entry *e, int *ret_r) {
        _cleanup_free_ char *key = NULL;

        *ret_r = 0;
        if (cache_key_newer(e->key)) {          /* neither ours to answer with nor to drop */
                l->res->kept++;
                return TODO_NONE;
        }
        if (cache_key_age(e->key) == CACHE_KEY_STALE)   /* read by another Portcullis: read anew at its start */
                return TODO_DROP;
        if (cache_key(strempty(e->identity), l->revision, &key) < 0) {
                *ret_r = -ENOMEM;
                return TODO_NONE;
        }
        if (strcmp(key, e->key) == 0) {         /* what a start looks up: nothing to do */
                l->res->current++;
                return TODO_NONE;
        }
        return TODO_REMATCH;
}

static int collect(const struct cache_entry *e, void *userdata) {
        struct listed *l = userdata;
        enum todo t;
        int r;

        t = todo_of(l, e, &r);
        if (r < 0 || t == TODO_NONE)
                return r;
        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 64;
                struct cache_entry *v = realloc(l->v, cap * sizeof(*v));
                enum todo *td;

                if (!v)
                        return -ENOMEM;
                l->v = v;
                if (!(td = realloc(l->todo, cap * sizeof(*td))))
                        return -ENOMEM;
                l->todo = td;
                l->cap = cap;
        }
        l->v[l->n] = (struct cache_entry) { .key = strdup(e->key), .identity = strdup(strempty(e->identity)),
                                            .image = e->image ? strdup(e->image) : NULL };
        l->todo[l->n] = t;
        l->n++;
        return l->v[l->n - 1].key && l->v[l->n - 1].identity ? 0 : -ENOMEM;
}

/* The stored inventory of the entry with key old_key matched against db
 * and stored under the key of its identity at db's revision, old_key
 * dropped. */
static int rematch(struct cache *c, struct vulndb *db, const char *old_key, struct error *err) {
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        _cleanup_free_ char *scan_json = NULL, *key = NULL, *compact = NULL;
        struct cache_entry old = {}, e;
        int k;

        k = cache_peek(c, old_key, &old, err);
        if (k == -ENOENT) {     /* purged meanwhile ('cache gc', another rescan) */
                error_clear(err);
                return 0;
        }
        if (k < 0)
                return k;
        e = old;
        if (!old.inventory_json || !*old.inventory_json) { /* nothing to re-match: let it age out */
                cache_entry_done(&old);
                return 0;
        }
        if ((k = report_parse_inventory(old.inventory_json, strlen(old.inventory_json), &inv, err)) < 0 ||
            (k = match_inventory(db, inv, &res, err)) < 0 ||
            (k = report_scan_json(&(struct report_target) { .name = strempty(old.image), .inv = inv, .res = res },
                                  &scan_json, err)) < 0 ||
            (k = report_findings_compact(res, &compact, err)) < 0) {
                cache_entry_done(&old);
                return error_wrap(err, "cache entry %.12s", old_key);
        }
        if (cache_key(strempty(old.identity), vulndb_revision(db), &key) < 0) {
                cache_entry_done(&old);
                return error_set(err, ENOMEM, "out of memory");
        }
        e.key = key;
        e.db_revision = (char *) vulndb_revision(db);
        e.packages = inv->n_pkgs;
        e.findings = res->n_findings;
        e.scan_json = scan_json;
        e.findings_compact = compact;
        k = cache_put(c, &e, err);
        if (k >= 0)
                k = cache_purge(c, old_key, err);
        cache_entry_done(&old);
        return k < 0 ? k : 1;
}

/* Whether the identity of e has an entry at the current key (a start
 * stored one after the update, or an entry of the same image re-matched
 * before it): then e is only dropped. */
static int superseded(struct cache *c, const char *revision, const struct cache_entry *e) {
        _cleanup_free_ char *key = NULL;
        struct cache_entry cur = {};

        if (cache_key(e->identity, revision, &key) < 0)
                return -ENOMEM;
        if (cache_peek(c, key, &cur, &(struct error) {}) < 0)
                return 0;
        cache_entry_done(&cur);
        return 1;
}

static bool first(const struct cache_rescan_limits *lim, const struct cache_entry *e) {
        return lim && (strv_contains(lim->first, e->identity) || (e->image && strv_contains(lim->first, e->image)));
}

static bool bound_reached(const struct cache_rescan_limits *lim, size_t done) {
        return lim && ((lim->max_entries && done >= lim->max_entries) ||
                       (lim->until_ms && clock_now_ms() >= lim->until_ms));
}

/* One entry the listing marked: dropped, or re-matched within the bounds. */
static int rescan_one(struct cache *c, struct vulndb *db, const struct cache_rescan_limits *lim,
                      const struct cache_entry *e, enum todo t, struct cache_rescan_result *res, struct error *err) {
        int k;

        if (t == TODO_DROP) {
                k = cache_purge(c, e->key, err);
                res->dropped += k > 0;
                return k < 0 ? k : 0;
        }
        if ((k = superseded(c, vulndb_revision(db), e)) != 0) {
                if (k > 0 && (k = cache_purge(c, e->key, err)) > 0)
                        res->superseded++;
                return k < 0 ? k : 0;
        }
        if (bound_reached(lim, res->rescanned)) {
                res->left++;
                return 0;
        }
        k = rematch(c, db, e->key, err);
        res->rescanned += k > 0;
        return k < 0 ? k : 0;
}

int cache_rescan(struct cache *c, struct vulndb *db, const struct cache_rescan_limits *lim,
                 struct cache_rescan_result *ret, struct error *err) {
        struct cache_rescan_result res = {};
        struct listed l = { .revision = vulndb_revision(db), .res = &res };
        bool batched = false;
        int k;

        /* Keyed to no revision, an entry would answer for any DB without one. */
        if (!vulndb_revision(db))
                return error_set(err, EBADMSG, "%s has no revision; re-import it", vulndb_path(db));
        k = cache_list_summary(c, collect, &l, err);
        /* Nothing to do costs the listing: no batch, so no index rebuilt. */
        if (k >= 0 && l.n > 0 && (k = cache_batch_begin(c, err)) >= 0)
                batched = true;
        /* the entries named first (the running containers' images), then
         * the others, each group most recently used first */
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; k >= 0 && i < l.n; i++)
                        if (first(lim, &l.v[i]) == (pass == 0))
                                k = rescan_one(c, db, lim, &l.v[i], l.todo[i], &res, err);
        if (batched) {
                int e = cache_batch_end(c, k < 0 ? NULL : err);

                k = k < 0 ? k : e;
        }
        for (size_t i = 0; i < l.n; i++)
                cache_entry_done(&l.v[i]);
        free(l.v);
        free(l.todo);
        if (k == -ENOMEM)
                return error_set(err, ENOMEM, "out of memory");
        if (k < 0)
                return k;
        *ret = res;
        return 0;
}
