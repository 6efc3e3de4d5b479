/* SPDX-License-Identifier: Apache-2.0 */
/* 'cache fill' (running.h): the cache's entries of another DB revision
 * re-matched from their inventories; the running containers whose image
 * the verdict cache lacks (a start that on_timeout decided stored nothing)
 * analysed in the hook's sandbox with a longer deadline and stored as the
 * hook stores a miss, so that the next start of that image is a hit. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "analyze.h"
#include "audit.h"
#include "base/clock.h"
#include "base/digest.h"
#include "base/strutil.h"
#include "cache.h"
#include "overlay.h"
#include "running.h"
#include "vulndb.h"

/* An image whose lowers this run could not mount: not tried again for its
 * other containers, which the one line said about it names. */
struct unmounted {
        char *identity;
        size_t note;                    /* that line's index in res->notes; SIZE_MAX: none */
        size_t others;                  /* containers it names after the first */
};

/* What one run knows and has spent. */
struct fill {
        const struct running_options *o;
        const struct running_fill_limits *lim;
        const struct running_sink *sink;
        struct cache *cache;
        const char *revision;           /* the DB's, of the keys stored */
        char **entries;                 /* identity, key, identity, key, ...: the cache's, and those stored */
        char **tried;                   /* identities this run took up (each at most once) */
        struct unmounted *unmounted;    /* lowers whose mount failed (each tried once) */
        size_t n_unmounted;
        long long end;                  /* CLOCK_MONOTONIC ms: no analysis starts after it */
        size_t analysed;
        bool no_mount;                  /* overlay_mount_lowers() can't mount here (said once) */
        struct running_fill_result *res;
};

static int collect(const struct cache_entry *e, void *userdata) {
        struct fill *f = userdata;

        if (strv_push(&f->entries, strdup(strempty(e->identity))) < 0 || strv_push(&f->entries, strdup(e->key)) < 0)
                return -ENOMEM;
        return 0;
}

enum have {
        HAVE_NONE,      /* a start of the image misses */
        HAVE_CURRENT,   /* the key a start looks up */
        HAVE_RESCAN,    /* an entry 'cache rescan' re-matches (another revision or match epoch) */
};

static enum have have_entry(const struct fill *f, const char *identity, const char *key) {
        enum have h = HAVE_NONE;

        for (char **e = f->entries; e && e[0] && e[1]; e += 2)
                if (strcmp(e[0], identity) == 0) {
                        if (strcmp(e[1], key) == 0)
                                return HAVE_CURRENT;
                        if (cache_key_age(e[1]) != CACHE_KEY_STALE && !cache_key_newer(e[1]))
                                h = HAVE_RESCAN;
                }
        return h;
}

/* Whether the image of identity is missing from the cache: counted when
 * it is not; -ENOMEM. */
static int missing(struct fill *f, const char *identity, char **ret_key) {
        _cleanup_free_ char *key = NULL;
        enum have h;

        if (cache_key(identity, f->revision, &key) < 0)
                return -ENOMEM;
        h = have_entry(f, identity, key);
        f->res->rescan += h == HAVE_RESCAN;
        if (h != HAVE_NONE)
                return 0;
        *ret_key = TAKE_PTR(key);
        return 1;
}

/* The deadline of the next analysis, or 0 when the run's limits are
 * reached. */
static unsigned budget(const struct fill *f) {
        long long left = f->end - clock_now_ms();

        if (f->analysed >= f->lim->max_analysed || left <= 0)
                return 0;
        return left < f->lim->deadline_ms ? (unsigned) left : f->lim->deadline_ms;
}

_printf_(2, 3) static void note(struct fill *f, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        (void) strv_pushfv(&f->res->notes, fmt, ap);
        va_end(ap);
}

/* The image's single-flight lock (lib/gate.c lock_image()), only when
 * free: 0 and *ret_fd (-EBADF when the lock folder is unusable: as the
 * hook, without it), or -EBUSY when a start holds it. */
static int lock_image(const struct fill *f, const char *identity, int *ret_fd) {
        char name[65];
        int r;

        sha256_hex(identity, strlen(identity), name);
        r = cache_lock(f->lim->lock_dir, name, 0, ret_fd, &(struct error) {});
        if (r == -ETIMEDOUT)
                return -EBUSY;
        if (r < 0)
                *ret_fd = -EBADF;
        return 0;
}

/* Whether this run analyses the image of identity now: not taken up by
 * this run already (an image that fails would spend its deadline once per
 * container of it), its lock free, and no entry stored under key since the
 * run listed the cache (a start may have, under that lock).  1 and
 * *ret_lock when it does; 0 when not, the reason counted. */
static int claim(struct fill *f, const char *identity, const char *key, int *ret_lock) {
        struct cache_entry e = {};

        if (strv_contains(f->tried, identity)) {
                f->res->left++;
                return 0;
        }
        if (strv_push(&f->tried, strdup(identity)) < 0)
                return -ENOMEM;
        if (lock_image(f, identity, ret_lock) < 0) {
                f->res->busy++;
                return 0;
        }
        if (cache_peek(f->cache, key, &e, &(struct error) {}) >= 0) {
                cache_entry_done(&e);
                f->res->present++;
                return 0;
        }
        return 1;
}

static const char *keep_text(int keep) {
        switch (keep) {
        case CACHE_KEEP_NO_REVISION:
                return "the vulnerability database has no revision (re-import it)";
        case CACHE_KEEP_OTHER_REVISION:
                return "the vulnerability database changed during the analysis (the next run analyses it again)";
        case CACHE_KEEP_TRANSIENT:
                return "the node ran short or failed while reading the image (the next run reads it again)";
        default:
                return "not kept";
        }
}

/* An analysis' result stored under key (only when no entry has it), its
 * audit line written. */
static int store(struct fill *f, const struct running_container *c, const char *identity, const char *source,
                 const char *key, const struct cache_analysis *a, long long duration_ms, unsigned deadline_ms) {
        _cleanup_free_ char *line = NULL;
        struct error err = {};
        int k = cache_store_analysis(f->cache, a, true, &err);

        if (k == -ENOMEM)
                return k;
        if (k < 0 || (k > 0 && k != CACHE_STORE_PRESENT)) {
                f->res->failed += k < 0;
                f->res->not_kept += k > 0;
                note(f, "container %s: %s analysed in %lld ms, not stored: %s", c->id, identity, duration_ms,
                     k < 0 ? err.msg : keep_text(k));
                return 0;
        }
        if (k == CACHE_STORE_PRESENT) {
                f->res->present++;
                return 0;
        }
        f->res->stored++;
        if (strv_push(&f->entries, strdup(identity)) < 0 || strv_push(&f->entries, strdup(key)) < 0)
                return -ENOMEM;
        k = audit_cache_filled_format(&(struct audit_cache_filled) {
                        .container = c->id, .containerd_namespace = c->containerd_namespace, .image = c->image,
                        .namespace = c->namespace, .identity = identity, .identity_source = source,
                        .db_revision = f->revision, .packages = a->inv->n_pkgs, .findings = a->res->n_findings,
                        .duration_ms = duration_ms, .deadline_ms = deadline_ms },
                &line, &err);
        if (k >= 0)
                k = audit_emit(f->sink->log_file, f->sink->syslog, f->sink->syslog_socket, line, &err);
        if (k == -ENOMEM)
                return k;
        if (k < 0)
                note(f, "container %s: stored, but its audit line was not recorded: %s", c->id, err.msg);
        return 0;
}

static void analysis_failed(struct fill *f, const struct running_container *c, const char *what, int k,
                            const struct error *err, unsigned deadline_ms) {
        f->res->failed++;
        if (k == -ETIMEDOUT)
                note(f, "container %s: the analysis of %s did not end within %u ms (the run's limits); the next run "
                     "tries again", c->id, what, deadline_ms);
        else
                note(f, "container %s: the analysis of %s failed: %s", c->id, what, err->msg);
}

/* Whether c's overlay still vouches for its lowers after the analysis read
 * it: the container runs, and a change it made meanwhile (a file of the
 * image deleted or rewritten, an opaque folder) is in the merged view the
 * analysis read, never in the lowers the key names.  Every such change
 * stays in the upper (a copy-up, a whiteout), so an upper still empty
 * afterwards means the analysis read the image. */
static int overlay_unchanged(const struct running_container *c) {
        _cleanup_(overlay_probe_done) struct overlay_probe ov = {};
        int r = overlay_probe(c->rootfs, false, c->id, &ov);

        return r < 0 ? r : streq_ptr(ov.identity, c->identity);
}

/* The image of identity (known without reading a rootfs, from source)
 * read at c's rootfs, or at root_fd (its lowers alone) when that is one,
 * and stored under key: the inventory and the match in one child, as the
 * hook's analyze_known().  c's own overlay must still have an empty upper
 * afterwards. */
static int fill_at(struct fill *f, const struct running_container *c, int root_fd, const char *name,
                   const char *identity, const char *source, const char *key, unsigned deadline) {
        bool upper_read = root_fd < 0 && streq_ptr(source, "overlay");
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        _cleanup_free_ char *inventory_json = NULL, *scan_json = NULL;
        struct error err = {};
        long long t0 = clock_now_ms();
        int k;

        f->analysed++;
        k = analyze_rootfs_fd(root_fd, name, f->o->db, INVENTORY_PKG_ALL, deadline, &inv, &inventory_json, &res,
                              &scan_json, &err);
        if (k == -ENOMEM)
                return k;
        if (k < 0) {
                analysis_failed(f, c, identity, k, &err, deadline);
                return 0;
        }
        if (upper_read && (k = overlay_unchanged(c)) <= 0) {
                if (k == -ENOMEM)
                        return k;
                f->res->own_files++;
                note(f, "container %s: its overlay's upper changed while its rootfs was read (it holds the "
                     "container's own files now), so what was read is not the image %s; nothing stored", c->id,
                     identity);
                return 0;
        }
        return store(f, c, identity, source, key,
                     &(struct cache_analysis) { .key = key, .identity = identity, .image = c->image,
                                                .db_revision = f->revision, .inv = inv,
                                                .inventory_json = inventory_json, .res = res,
                                                .scan_json = scan_json },
                     clock_now_ms() - t0, deadline);
}

/* A container whose identity was known without reading its rootfs (the
 * overlay's layers; the trusted digest of a rootfs its container can't
 * have changed, oci_rootfs_reused()). */
static int fill_known(struct fill *f, const struct running_container *c) {
        _cleanup_free_ char *key = NULL;
        _cleanup_close_ int lock = -EBADF;
        unsigned deadline;
        int k;

        if ((k = missing(f, c->identity, &key)) <= 0)
                return k;
        f->res->missing++;
        if (!(deadline = budget(f))) {
                f->res->left++;
                return 0;
        }
        if ((k = claim(f, c->identity, key, &lock)) <= 0)
                return k;
        return fill_at(f, c, -EBADF, c->rootfs, c->identity, c->identity_source, key, deadline);
}

/* Whether the lowers of c's image failed to mount earlier in this run: 1,
 * c counted as that container was and named in the line said then. */
static int unmounted_before(struct fill *f, const struct running_container *c) {
        for (size_t i = 0; i < f->n_unmounted; i++) {
                struct unmounted *u = &f->unmounted[i];
                char *line;

                if (!streq_ptr(u->identity, c->started_identity))
                        continue;
                f->res->missing++;
                f->res->own_files++;
                if (u->note == SIZE_MAX)
                        return 1;
                if (asprintf(&line, "%s%s %s", f->res->notes[u->note],
                             u->others++ ? "," : "; nor for the same image's containers, not mounted again:", c->id) < 0)
                        return -ENOMEM;
                free(f->res->notes[u->note]);
                f->res->notes[u->note] = line;
                return 1;
        }
        return 0;
}

/* The lowers of identity could not be mounted: not again in this run.
 * note: the index in res->notes the line saying so was to take (kept
 * only when it did). */
static int remember_unmounted(struct fill *f, const char *identity, size_t note) {
        struct unmounted *u = realloc(f->unmounted, (f->n_unmounted + 1) * sizeof(*u));

        if (!u)
                return -ENOMEM;
        f->unmounted = u;
        u[f->n_unmounted] = (struct unmounted) {
                .identity = strdup(identity),
                .note = strv_length(f->res->notes) == note + 1 ? note : SIZE_MAX,
        };
        if (!u[f->n_unmounted].identity)
                return -ENOMEM;
        f->n_unmounted++;
        return 0;
}

/* A container whose overlay's upper holds its own files: its image is its
 * lowers alone, which the hook validated and named started_identity, read
 * through a read-only overlay of them without the upper (mounted where
 * only this process sees it: overlay_mount_lowers()) and stored under
 * that identity, which the next start of the image looks up.  1, nothing
 * counted, when this process can't mount (the caller says so, as before
 * it could).  Lowers whose mount failed (a layer gone, options too long
 * for mount(2)) are not mounted again for the image's other containers:
 * counted as the first, named in its line. */
static int fill_lowers(struct fill *f, const struct running_container *c) {
        _cleanup_free_ char *key = NULL, *name = NULL;
        _cleanup_close_ int lock = -EBADF, root = -EBADF;
        struct error err = {};
        unsigned deadline;
        int k;

        if ((k = missing(f, c->started_identity, &key)) <= 0 || (k = unmounted_before(f, c)) != 0)
                return k < 0 ? k : 0;
        /* taken up for another container of it (claim()): not mounted again */
        if (!(deadline = budget(f)) || strv_contains(f->tried, c->started_identity)) {
                f->res->missing++;
                f->res->left++;
                return 0;
        }
        k = overlay_mount_lowers(c->lowers_options, c->started_identity, &root, &err);
        if (k == -EPERM) {
                f->no_mount = true;
                note(f, "the lower layers of overlays whose upper holds their container's own files can't be "
                     "mounted alone here (%s): those containers' images are not judged (run it as root with "
                     "CAP_SYS_ADMIN, as portcullis-fill.service does)", err.msg);
                return 1;
        }
        f->res->missing++;
        if (k == -ENOMEM)
                return k;
        if (k < 0) {
                size_t n = strv_length(f->res->notes);

                f->res->own_files++;
                note(f, "container %s: its overlay's upper holds its own files, and its image's lower layers (%s) "
                     "could not be read without it: %s; nothing stored", c->id, c->started_identity, err.msg);
                return remember_unmounted(f, c->started_identity, n);
        }
        if ((k = claim(f, c->started_identity, key, &lock)) <= 0)
                return k;
        if (asprintf(&name, "the lower layers of %s", c->rootfs) < 0)
                return -ENOMEM;
        return fill_at(f, c, root, name, c->started_identity, "overlay", key, deadline);
}

/* A container whose identity is its inventory's digest: the hook's staged
 * child, whose inventory is looked up before the match. */
static int fill_inventory(struct fill *f, const struct running_container *c) {
        _cleanup_(analyze_cancelp) struct analysis *a = NULL;
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        _cleanup_free_ char *key = NULL, *identity = NULL, *inventory_json = NULL, *scan_json = NULL;
        _cleanup_close_ int lock = -EBADF;
        struct error err = {};
        unsigned deadline;
        long long t0 = clock_now_ms();
        int k;

        if (!(deadline = budget(f))) {
                f->res->left++;
                return 0;
        }
        if ((k = analyze_staged_start(c->rootfs, f->o->db, deadline, &a, &err)) < 0 ||
            (k = analyze_staged_inventory(a, &inv, &inventory_json, &err)) < 0) {
                if (k == -ENOMEM)
                        return k;
                analysis_failed(f, c, c->rootfs, k, &err, deadline);
                return 0;
        }
        if (analyze_inventory_identity(inventory_json, &identity) < 0 || (k = missing(f, identity, &key)) < 0)
                return -ENOMEM;
        if (k == 0)
                return 0;       /* a's cleanup kills the child */
        f->res->missing++;
        if ((k = claim(f, identity, key, &lock)) <= 0)
                return k;       /* a's cleanup kills the child */
        f->analysed++;
        k = analyze_staged_finish(TAKE_PTR(a), inv, &res, &scan_json, &err);
        if (k == -ENOMEM)
                return k;
        if (k < 0) {
                analysis_failed(f, c, identity, k, &err, deadline);
                return 0;
        }
        return store(f, c, identity, "inventory", key,
                     &(struct cache_analysis) { .key = key, .identity = identity, .image = c->image,
                                                .db_revision = f->revision, .inv = inv,
                                                .inventory_json = inventory_json, .res = res,
                                                .scan_json = scan_json },
                     clock_now_ms() - t0, deadline);
}

/* A rootfs that may hold its container's own changes is not the image
 * whose identity the next start looks up: when the cache lacks that
 * image, counted (1: the caller says why), nothing stored. */
static int own_changes(struct fill *f, const char *identity) {
        _cleanup_free_ char *key = NULL;
        int k = missing(f, identity, &key);

        if (k <= 0)
                return k;
        f->res->missing++;
        f->res->own_files++;
        return 1;
}

/* Which identity the next start of c's image looks up, and whether it can
 * be read from c: an overlay whose upper holds c's own files is c's view,
 * not its image's, which the lowers alone hold: read through a mount of
 * them (fill_lowers()), else nothing is stored for it. */
static int fill_one(struct fill *f, const struct running_container *c) {
        int k;

        /* A digest names the image, but this rootfs may hold the
         * container's own changes (oci_rootfs_reused(), the hook's rule):
         * its own files, a package database it rewrote, would be kept as
         * its image's verdict for every start of that image. */
        if (c->identity && !c->digest_reused)
                return fill_known(f, c);
        if (c->identity) {
                if ((k = own_changes(f, c->identity)) > 0)
                        note(f, "container %s: its image is known by its digest (%s), but %s (the next start of the "
                             "image reads it)", c->id, c->identity, c->digest_reused);
                return k < 0 ? k : 0;
        }
        if (c->overlay_refused && c->started_identity) {
                if (c->lowers_options && !f->no_mount && (k = fill_lowers(f, c)) != 1)
                        return k;
                if ((k = own_changes(f, c->started_identity)) > 0)
                        note(f, "container %s: its overlay's upper holds its own files, so its rootfs is not the "
                             "image its next start looks up (%s; 'portcullis ps' names a file); nothing stored",
                             c->id, c->started_identity);
                return k < 0 ? k : 0;
        }
        if (c->overlay_refused || !c->rootfs) {
                f->res->no_identity++;
                return 0;
        }
        return fill_inventory(f, c);
}

/* The entries of another DB revision or match epoch re-matched from their
 * stored inventories (cache_rescan()), the running containers' images
 * first, within the run's bounds: the next start of each is a hit. */
static int rematch(struct fill *f, const struct running_list *l, struct error *err) {
        _cleanup_(vulndb_closep) struct vulndb *db = NULL;
        _cleanup_strv_free_ char **first = NULL;
        struct cache_rescan_result r = {};
        long long until = f->end - f->lim->time_limit_ms * 3LL / 4;
        int k;

        for (size_t i = 0; i < l->n; i++)
                if ((l->v[i].identity && strv_push_unique(&first, l->v[i].identity) < 0) ||
                    (l->v[i].image && strv_push_unique(&first, l->v[i].image) < 0))
                        return error_set(err, ENOMEM, "out of memory");
        if (!f->lim->max_rematched)     /* none: each counted, left */
                until = 1;
        if ((k = vulndb_open(f->o->db, &db, err)) >= 0)
                k = cache_rescan(f->cache, db,
                                 &(struct cache_rescan_limits) { .max_entries = f->lim->max_rematched,
                                                                 .until_ms = until,
                                                                 .first = first },
                                 &r, err);
        /* Another run, a 'cache rescan' or 'cache gc' rewriting the cache
         * for longer than the busy timeout: the entries are left to the
         * next run, the analyses of this one still made (the run failed,
         * and every run beside a long rescan with it). */
        if (k == -ETIMEDOUT) {
                note(f, "the entries of other DB revisions not re-matched: %s", err->msg);
                error_clear(err);
                return 0;
        }
        if (k < 0)
                return error_wrap(err, "re-match the entries of other DB revisions");
        f->res->rematched = r.rescanned;
        f->res->rematch_current = r.current;
        f->res->rematch_dropped = r.superseded + r.dropped;
        f->res->rematch_left = r.left;
        return 0;
}

int running_fill(const struct running_options *o, const struct running_fill_limits *lim,
                 const struct running_sink *sink, struct running_fill_result *ret, struct error *err) {
        struct running_options ol = *o;
        struct running_fill_result res = {};
        struct running_list l = {};
        struct fill f = { .o = o, .lim = lim, .sink = sink, .res = &res, .end = clock_now_ms() + lim->time_limit_ms };
        int r;

        ol.no_inventory = true;        /* read here, within the limits */
        if ((r = running_list(&ol, &l, err)) < 0 ||
            (r = cache_open_flags(o->cache, 0, &f.cache, NULL, err)) < 0)
                goto done;
        f.revision = l.db_revision;
        if ((r = rematch(&f, &l, err)) < 0)
                goto done;
        r = cache_list_summary(f.cache, collect, &f, err);
        for (size_t i = 0; r >= 0 && i < l.n; i++)
                r = fill_one(&f, &l.v[i]);
        if (r < 0) {
                r = r == -ENOMEM ? error_set(err, ENOMEM, "out of memory") : r;
                goto done;
        }
        res.containers = l.n;
        for (char **w = l.warnings; w && *w; w++)
                (void) strv_push(&res.notes, strdup(*w));
        *ret = res;
        res = (struct running_fill_result) {};
done:
        running_fill_result_done(&res);
        running_list_done(&l);
        strv_free(f.entries);
        strv_free(f.tried);
        for (size_t i = 0; i < f.n_unmounted; i++)
                free(f.unmounted[i].identity);
        free(f.unmounted);
        cache_close(f.cache);
        return r;
}

void running_fill_result_done(struct running_fill_result *r) {
        strv_free(r->notes);
        *r = (struct running_fill_result) {};
}
