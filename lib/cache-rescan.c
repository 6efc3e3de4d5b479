/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "base/strutil.h"
#include "cache.h"
#include "match.h"
#include "report.h"
#include "vulndb.h"

struct stale {
        struct cache_entry *v;
        size_t n, cap;
};

static int collect(const struct cache_entry *e, void *userdata) {
        struct stale *s = userdata;
        struct cache_entry *c;

        if (s->n == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 64;
                struct cache_entry *n = realloc(s->v, cap * sizeof(*n));

                if (!n)
                        return -ENOMEM;
                s->v = n;
                s->cap = cap;
        }
        c = &s->v[s->n];
        *c = (struct cache_entry) {
                .key = strdup(e->key),
                .identity = strdup(strempty(e->identity)),
                .image = e->image ? strdup(e->image) : NULL,
                .db_revision = strdup(strempty(e->db_revision)),
                .created = e->created,
                .last_used = e->last_used,
                .inventory_json = strdup(strempty(e->inventory_json)),
        };
        s->n++;
        return c->key && c->identity && c->db_revision && c->inventory_json ? 0 : -ENOMEM;
}

/* 0 re-matched (or nothing to re-match), 1 dropped, 2 left for a newer build. */
static int rescan_one(struct cache *c, struct vulndb *db, const struct cache_entry *old, struct error *err) {
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        _cleanup_free_ char *scan_json = NULL, *key = NULL, *compact = NULL;
        struct cache_entry e = *old;
        int k;

        if (!*old->inventory_json) /* nothing to re-match: let it age out */
                return 0;
        if (cache_key_newer(old->key)) /* a newer Portcullis's: neither ours to answer with nor to drop */
                return 2;
        if (cache_key_age(old->key) == CACHE_KEY_STALE) { /* read by another Portcullis: read anew at its start */
                k = cache_purge(c, old->key, err);
                return k < 0 ? k : 1;
        }
        if ((k = report_parse_inventory(old->inventory_json, strlen(old->inventory_json), &inv, err)) < 0 ||
            (k = match_inventory(db, inv, &res, err)) < 0 ||
            (k = report_scan_json(&(struct report_target) { .name = strempty(old->image), .inv = inv, .res = res },
                                  &scan_json, err)) < 0 ||
            (k = report_findings_compact(res, &compact, err)) < 0)
                return error_wrap(err, "cache entry %.12s", old->key);
        if (cache_key(old->identity, vulndb_revision(db), &key) < 0)
                return error_set(err, ENOMEM, "out of memory");
        e.key = key;
        e.db_revision = (char *) vulndb_revision(db);
        e.packages = inv->n_pkgs;
        e.findings = res->n_findings;
        e.scan_json = scan_json;
        e.findings_compact = compact;
        k = cache_put(c, &e, err);
        if (k >= 0 && strcmp(key, old->key) != 0)
                k = cache_purge(c, old->key, err);
        return k < 0 ? k : 0;
}

int cache_rescan(struct cache *c, struct vulndb *db, size_t *ret_rescanned, size_t *ret_dropped, size_t *ret_kept,
                 struct error *err) {
        struct stale s = {};
        bool batched = false;
        size_t done = 0, dropped = 0, kept = 0;
        int k;

        /* Keyed to no revision, an entry would answer for any DB without one. */
        if (!vulndb_revision(db))
                return error_set(err, EBADMSG, "%s has no revision; re-import it", vulndb_path(db));
        k = cache_list(c, collect, &s, err);
        /* One index at the end, not one per entry. */
        if (k >= 0 && (k = cache_batch_begin(c, err)) >= 0)
                batched = true;
        for (size_t i = 0; k >= 0 && i < s.n; i++) {
                k = rescan_one(c, db, &s.v[i], err);
                if (k == 2)
                        kept++;
                else if (k > 0)
                        dropped++;
                else if (k == 0)
                        done++;
        }
        if (batched) {
                int e = cache_batch_end(c, k < 0 ? NULL : err);

                k = k < 0 ? k : e;
        }
        for (size_t i = 0; i < s.n; i++)
                cache_entry_done(&s.v[i]);
        free(s.v);
        if (k == -ENOMEM)
                return error_set(err, ENOMEM, "out of memory");
        if (k < 0)
                return k;
        *ret_rescanned = done;
        *ret_dropped = dropped;
        *ret_kept = kept;
        return 0;
}
