/* SPDX-License-Identifier: Apache-2.0 */
/* An analysis of a miss as its cache entry (cache.h): the hook's store and
 * 'cache fill''s are this one. */
#include <string.h>
#include <time.h>

#include "base/strutil.h"
#include "cache.h"
#include "inventory.h"
#include "report.h"

int cache_analysis_keep(const struct cache_analysis *a) {
        if (!a->res->db_revision)
                return CACHE_KEEP_NO_REVISION;
        if (!streq_ptr(a->res->db_revision, a->db_revision))
                return CACHE_KEEP_OTHER_REVISION;
        return a->inv->transient ? CACHE_KEEP_TRANSIENT : CACHE_KEEP;
}

int cache_store_analysis(struct cache *c, const struct cache_analysis *a, bool only_new, struct error *err) {
        _cleanup_free_ char *compact = NULL;
        time_t now = time(NULL);
        struct cache_entry e;
        int r = cache_analysis_keep(a);

        if (r != CACHE_KEEP)
                return r;
        if (report_findings_compact(a->res, &compact, err) < 0)
                return -ENOMEM;
        e = (struct cache_entry) {
                .key = (char *) a->key,
                .identity = (char *) a->identity,
                .image = (char *) a->image,
                .db_revision = (char *) a->db_revision,
                .created = now,
                .last_used = now,
                .packages = a->inv->n_pkgs,
                .findings = a->res->n_findings,
                .scan_json = (char *) a->scan_json,
                .inventory_json = (char *) a->inventory_json,
                .findings_compact = compact,
        };
        if (!only_new)
                return cache_put(c, &e, err);
        r = cache_put_new(c, &e, err);
        return r < 0 ? r : r == 0 ? CACHE_STORE_PRESENT : 0;
}
