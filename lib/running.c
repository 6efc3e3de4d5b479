/* SPDX-License-Identifier: Apache-2.0 */
/* The running containers and their verdict now (running.h): found in the
 * runtimes' state folders, kept only while their init process is the one
 * the state names, identified as the gate identifies an image, judged from
 * the verdict cache with the current DB and policy. */
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyze.h"
#include "base/fileio.h"
#include "base/jsonutil.h"
#include "base/strutil.h"
#include "cache.h"
#include "oci.h"
#include "overlay.h"
#include "report.h"
#include "running.h"
#include "vex.h"
#include "vulndb.h"

const char *const running_default_roots[] = { "/run/runc", "/run/crun", "/run/containerd/runc",
                                               "/run/docker/runtime-runc", NULL };

#define PROC_STAT_MAX ((size_t) 4096)
#define INVENTORY_DEADLINE_DEFAULT_MS 60000u

/* ---- the runtimes' state files ---------------------------------------- */

void running_state_done(struct running_state *s) {
        free(s->id);
        free(s->created);
        free(s->bundle);
        free(s->rootfs);
        strv_free(s->labels);
        *s = (struct running_state) {};
}

static int dup_string(json_t *o, const char *key, char **ret) {
        json_t *v = json_object_get(o, key);

        if (!json_is_string(v))
                return 0;
        *ret = strdup(json_string_value(v));
        return *ret ? 0 : -ENOMEM;
}

/* A pid or a start time: a non-negative integer within max. */
static int get_number(json_t *o, const char *key, long long max, long long *ret) {
        json_t *v = json_object_get(o, key);

        if (!v)
                return 0;
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
                return -EINVAL;
        *ret = json_integer_value(v);
        return 0;
}

/* runc's libcontainer state: init_process_pid/_start, config.rootfs and
 * config.labels ("key=value" for each annotation, and "bundle=<path>"). */
static int parse_runc(json_t *root, struct running_state *s) {
        json_t *config = json_object_get(root, "config"), *labels = json_object_get(config, "labels"), *l;
        long long pid = 0, start = 0;
        size_t i;
        int r;

        if ((r = get_number(root, "init_process_pid", INT32_MAX, &pid)) < 0 ||
            (r = get_number(root, "init_process_start", INT64_MAX, &start)) < 0 ||
            (r = dup_string(root, "id", &s->id)) < 0 || (r = dup_string(root, "created", &s->created)) < 0 ||
            (r = dup_string(config, "rootfs", &s->rootfs)) < 0)
                return r;
        if (labels && !json_is_array(labels))
                return -EINVAL;
        json_array_foreach(labels, i, l) {
                const char *v = json_string_value(l);

                if (!v || i >= OCI_ANNOTATIONS_MAX)
                        return -EINVAL;
                if (startswith(v, "bundle=") && !s->bundle && !(s->bundle = strdup(v + STRLEN("bundle="))))
                        return -ENOMEM;
                if (strv_push(&s->labels, strdup(v)) < 0)
                        return -ENOMEM;
        }
        s->pid = (int) pid;
        s->start_time = (unsigned long long) start;
        return 0;
}

/* crun's status file: pid, process-start-time, bundle, rootfs, created. */
static int parse_crun(json_t *root, struct running_state *s) {
        long long pid = 0, start = 0;
        int r;

        if ((r = get_number(root, "pid", INT32_MAX, &pid)) < 0 ||
            (r = get_number(root, "process-start-time", INT64_MAX, &start)) < 0 ||
            (r = dup_string(root, "bundle", &s->bundle)) < 0 || (r = dup_string(root, "rootfs", &s->rootfs)) < 0 ||
            (r = dup_string(root, "created", &s->created)) < 0)
                return r;
        s->pid = (int) pid;
        s->start_time = (unsigned long long) start;
        return 0;
}

int running_state_parse(const char *buf, size_t len, const char *name, const char *format,
                        struct running_state *ret, struct error *err) {
        struct running_state s = {};
        json_error_t jerr;
        json_t *root;
        int r;

        root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(root)) {
                json_decref(root);
                return error_set(err, EINVAL, "%s: not a %s state (a JSON object): line %d: %s", name, format,
                                 jerr.line, root ? "not an object" : jerr.text);
        }
        r = strcmp(format, "crun") == 0 ? parse_crun(root, &s) : parse_runc(root, &s);
        json_decref(root);
        if (r >= 0 && s.pid <= 0)
                r = -EINVAL;
        if (r < 0) {
                running_state_done(&s);
                return r == -ENOMEM ? error_set(err, ENOMEM, "out of memory")
                                    : error_set(err, EINVAL, "%s: a field of the %s state is not what %s writes "
                                                "(no pid, or a wrong type)", name, format, format);
        }
        *ret = s;
        return 0;
}

/* ---- which containers run ---------------------------------------------- */

/* Whether pid is alive (not a zombie) and started at start_time (clock
 * ticks since boot, proc(5) field 22); a start time of 0 is not checked. */
static bool process_matches(int pid, unsigned long long start_time) {
        _cleanup_free_ char *buf = NULL;
        unsigned long long t;
        char path[64], state;
        const char *p;
        size_t len;

        snprintf(path, sizeof(path), "/proc/%d/stat", pid);
        if (read_full_file(path, PROC_STAT_MAX, &buf, &len, NULL) < 0)
                return false;
        p = strrchr(buf, ')');  /* the command may hold spaces and ')' */
        if (!p || sscanf(p + 1, " %c", &state) != 1 || state == 'Z' || state == 'X')
                return false;
        for (int field = 2; field < 22 && p; field++)
                p = strchr(p + 1, ' ');
        if (!p || sscanf(p + 1, "%llu", &t) != 1)
                return false;
        return start_time == 0 || t == start_time;
}

static void container_done(struct running_container *c) {
        free(c->key);
        free(c->id);
        free(c->state_root);
        free(c->containerd_namespace);
        free(c->created);
        free(c->rootfs);
        strv_free(c->annotations);
        strv_free(c->image_mounts);
        strv_free(c->mount_identities);
        strv_free(c->mount_digests);
        free(c->storage_image);
        free(c->identity);
        free(c->identity_note);
        inventory_free(c->inventory);
        free(c->started_identity);
        free(c->lowers_options);
        free(c->error);
        free(c->entry_revision);
        free(c->scope);
        strv_free(c->counting);
        strv_free(c->worst);
        free(c->baseline_revision);
        strv_free(c->baseline_counting);
}

void running_list_done(struct running_list *l) {
        for (size_t i = 0; i < l->n; i++)
                container_done(&l->v[i]);
        free(l->v);
        free(l->db_revision);
        strv_free(l->warnings);
        *l = (struct running_list) {};
}

_printf_(2, 3) static void warn(struct running_list *l, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        (void) strv_pushfv(&l->warnings, fmt, ap);
        va_end(ap);
}

/* The annotations: the bundle's config.json as the hook read it, else
 * runc's labels (its copy of them); and from config.json the images
 * mounted into the container and whether its root is read-only. */
static int annotations_of(const struct running_state *s, char ***ret, char ***ret_mounts, bool *ret_readonly) {
        struct oci_config oc = {};
        struct error err = {};

        if (s->bundle && oci_config_load(s->bundle, &oc, &err) >= 0) {
                *ret = TAKE_PTR(oc.annotations);
                *ret_mounts = TAKE_PTR(oc.image_mounts);
                *ret_readonly = oc.root_readonly;
                oci_config_done(&oc);
                return 0;
        }
        for (char **l = s->labels; l && *l; l++) {
                const char *eq = strchr(*l, '=');

                if (!eq || startswith(*l, "bundle="))
                        continue;
                if (strv_push(ret, strndup(*l, (size_t) (eq - *l))) < 0 || strv_push(ret, strdup(eq + 1)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int add_container(struct running_list *l, const char *root, const char *ns, const char *id,
                         const char *runtime, struct running_state *s) {
        struct running_container *c;
        struct running_container *v;

        if (l->n >= RUNNING_CONTAINERS_MAX)
                return -E2BIG;
        v = realloc(l->v, (l->n + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        l->v = v;
        c = &l->v[l->n];
        *c = (struct running_container) { .runtime = runtime, .pid = s->pid, .created = TAKE_PTR(s->created),
                                          .rootfs = TAKE_PTR(s->rootfs) };
        l->n++;
        if (asprintf(&c->key, "%s/%s%s%s@%llu", root, strempty(ns), ns ? "/" : "", id, s->start_time) < 0)
                c->key = NULL;
        c->id = strdup(id);
        c->state_root = strdup(root);
        c->containerd_namespace = ns ? strdup(ns) : NULL;
        if (!c->key || !c->id || !c->state_root || (ns && !c->containerd_namespace) ||
            annotations_of(s, &c->annotations, &c->image_mounts, &c->root_readonly) < 0)
                return -ENOMEM;
        c->image = oci_image_name(c->annotations, NULL);
        c->namespace = oci_namespace(c->annotations, NULL);
        return 0;
}

/* <dir>/<name>/state.json (runc) or /status (crun), parsed, its process
 * alive: added.  1 when dir/name holds neither. */
static int try_container(struct running_list *l, const char *root, const char *ns, int dfd, const char *name) {
        static const struct {
                const char *file, *runtime;
        } formats[] = { { "state.json", "runc" }, { "status", "crun" } };

        for (size_t i = 0; i < ELEMENTSOF(formats); i++) {
                _cleanup_free_ char *path = NULL, *buf = NULL;
                struct running_state s = {};
                struct error err = {};
                size_t len;
                int r;

                if (asprintf(&path, "%s/%s%s%s/%s", root, strempty(ns), ns ? "/" : "", name, formats[i].file) < 0)
                        return -ENOMEM;
                if (faccessat(dfd, formats[i].file, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (read_full_file(path, RUNNING_STATE_MAX, &buf, &len, &err) < 0 ||
                    running_state_parse(buf, len, path, formats[i].runtime, &s, &err) < 0) {
                        warn(l, "%s", err.msg);
                        return 0;
                }
                r = process_matches(s.pid, s.start_time) ? add_container(l, root, ns, name, formats[i].runtime, &s)
                                                          : 0;
                running_state_done(&s);
                return r;
        }
        return 1;
}

static int by_name(const struct dirent **a, const struct dirent **b) {
        return strcmp((*a)->d_name, (*b)->d_name);
}

/* A root's containers; a folder that holds no state file is, at the top,
 * a namespace of containerd's (<root>/<namespace>/<id>). */
static int scan_root(struct running_list *l, const char *root, const char *ns) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int dfd = -EBADF;
        struct dirent **names = NULL;
        int n, r = 0;

        if (asprintf(&dir, "%s%s%s", root, ns ? "/" : "", strempty(ns)) < 0)
                return -ENOMEM;
        dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        n = dfd < 0 ? -1 : scandir(dir, &names, NULL, by_name);
        if (n < 0) {
                if (errno != ENOENT || ns)
                        warn(l, "state folder %s: %s", dir, strerror(errno));
                return 0;
        }
        for (int i = 0; i < n; i++) {
                const char *name = names[i]->d_name;
                int sub;

                if (r >= 0 && name[0] != '.' &&
                    (sub = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
                        r = try_container(l, root, ns, sub, name);
                        close(sub);
                        if (r == 1)
                                r = ns ? 0 : scan_root(l, root, name);
                }
                free(names[i]);
        }
        free(names);
        return r;
}

/* ---- identity and verdict ---------------------------------------------- */

/* c's inventory (in the analysis sandbox), kept for a match; its digest
 * in *ret_identity when asked.  Unreadable: said in identity_note. */
static int read_inventory(const struct running_options *o, struct running_container *c, char **ret_identity) {
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        _cleanup_free_ char *json = NULL;
        struct error err = {};

        if (analyze_inventory(c->rootfs, INVENTORY_PKG_ALL,
                              o->inventory_deadline_ms ? o->inventory_deadline_ms : INVENTORY_DEADLINE_DEFAULT_MS,
                              &inv, &json, &err) < 0 ||
            (ret_identity && analyze_inventory_identity(json, ret_identity) < 0)) {
                free(c->identity_note);
                c->inventory_unread = true;
                return asprintf(&c->identity_note, "inventory of %s: %s", c->rootfs,
                                err.msg[0] ? err.msg : "out of memory") < 0 ? -ENOMEM : 0;
        }
        c->inventory = TAKE_PTR(inv);
        return 0;
}

/* The identity as the gate finds it: the overlay mount's layers, else the
 * trusted digest the runtime names, else the inventory's digest (which
 * reads the rootfs's package databases, in the analysis sandbox). */
static int find_identity(const struct running_options *o, struct running_container *c) {
        struct overlay_probe ov = {};
        int r;

        /* as the hook: annotations untrusted name no image, no namespace */
        if (!o->trust_image_digest) {
                c->image = NULL;
                c->namespace = NULL;
        }
        if (!c->rootfs)
                return asprintf(&c->identity_note, "the state names no rootfs") < 0 ? -ENOMEM : 0;
        r = overlay_probe(c->rootfs, !c->image, c->id, &ov);
        if (r < 0)
                return r;
        if (ov.image_name && !c->image) {
                c->storage_image = TAKE_PTR(ov.image_name);
                c->image = c->storage_image;
        }
        c->identity = TAKE_PTR(ov.identity);
        c->identity_source = "overlay";
        c->overlay_refused = ov.refused;
        c->started_identity = TAKE_PTR(ov.layers_identity);
        if (c->started_identity)
                c->lowers_options = TAKE_PTR(ov.lowers_options);
        /* as the hook: a digest does not stand for an overlay whose upper
         * holds the container's changes (lib/gate.c, find_identity()) */
        if (!c->identity && !ov.refused && o->trust_image_digest && (c->identity = oci_image_digest(c->annotations))) {
                c->identity_source = "digest";
                c->digest_reused = oci_rootfs_reused(c->root_readonly, c->annotations, NULL);
        }
        if (c->identity || o->no_inventory) {
                if (!c->identity)
                        r = asprintf(&c->identity_note, "%s; no trusted image digest; the inventory was not read",
                                     strna(ov.why_not));
                overlay_probe_done(&ov);
                return r < 0 ? -ENOMEM : 0;
        }
        overlay_probe_done(&ov);
        c->identity_source = "inventory";
        return read_inventory(o, c, &c->identity);
}

/* The identity of each image mounted into c, as the hook derives it
 * (lib/gate.c check_image_mount()): its overlay's layers, else its
 * inventory's digest (unless no_inventory); "" when neither.  With VEX
 * statements to apply, its digest too, as the hook's mount_digest(). */
static int mount_identities(const struct running_options *o, struct running_container *c) {
        _cleanup_(storage_images_freep) struct storage_images *images = NULL;

        for (char **m = c->image_mounts; m && m[0] && m[1]; m += 2) {
                _cleanup_(inventory_freep) struct inventory *inv = NULL;
                _cleanup_free_ char *json = NULL;
                struct overlay_probe ov = {};
                char *identity = NULL, *digest = NULL;
                int r;

                if ((r = overlay_probe(m[1], false, NULL, &ov)) < 0)
                        return r;
                identity = TAKE_PTR(ov.identity);
                if (o->trust_image_digest && o->policy->vex && !ov.refused &&
                    overlay_storage_image_digest(m[1], &images, &digest, &(struct error) {}) == -ENOMEM)
                        r = -ENOMEM;
                overlay_probe_done(&ov);
                if (r < 0 || strv_push(&c->mount_digests, digest ? digest : strdup("")) < 0) {
                        free(identity);
                        return -ENOMEM;
                }
                if (!identity && !o->no_inventory &&
                    analyze_inventory(m[1], INVENTORY_PKG_ALL,
                                      o->inventory_deadline_ms ? o->inventory_deadline_ms
                                                               : INVENTORY_DEADLINE_DEFAULT_MS,
                                      &inv, &json, &(struct error) {}) >= 0 &&
                    analyze_inventory_identity(json, &identity) < 0)
                        return -ENOMEM;
                if (strv_push(&c->mount_identities, identity ? identity : strdup("")) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* What the judging needs once for all the containers. */
struct judge {
        const struct running_options *o;
        struct cache *cache;            /* NULL: no cache yet */
        struct vulndb *db;
        const char *revision;
        struct cache_entry *entries;    /* summaries: key, identity, db_revision, created */
        size_t n_entries;
};

static int collect_entry(const struct cache_entry *e, void *userdata) {
        struct judge *j = userdata;
        struct cache_entry *v = realloc(j->entries, (j->n_entries + 1) * sizeof(*v));

        if (!v)
                return -ENOMEM;
        j->entries = v;
        v[j->n_entries] = (struct cache_entry) { .key = strdup(e->key), .identity = strdup(strempty(e->identity)),
                                                 .db_revision = strdup(strempty(e->db_revision)),
                                                 .created = e->created };
        j->n_entries++;
        return v[j->n_entries - 1].key && v[j->n_entries - 1].identity && v[j->n_entries - 1].db_revision ? 0
                                                                                                         : -ENOMEM;
}

/* Whether an entry's findings are today's answer: of the current revision
 * and matched by this build. */
static bool entry_current(const struct judge *j, const struct cache_entry *e) {
        return streq_ptr(e->db_revision, j->revision) && cache_key_age(e->key) == CACHE_KEY_CURRENT;
}

enum want {
        WANT_CURRENT,   /* findings of the current revision, by this build */
        WANT_REMATCH,   /* another's, with an inventory this build would read */
        WANT_ADMITTED,  /* another's, by whichever build: what a start was decided by */
};

/* The newest entry of identity of the kind wanted; NULL when none. */
static const struct cache_entry *find_entry(const struct judge *j, const char *identity, enum want want) {
        const struct cache_entry *best = NULL;

        for (size_t i = 0; i < j->n_entries; i++) {
                const struct cache_entry *e = &j->entries[i];

                if (strcmp(e->identity, identity) != 0 || entry_current(j, e) != (want == WANT_CURRENT) ||
                    (want == WANT_REMATCH && cache_key_age(e->key) == CACHE_KEY_STALE))
                        continue;
                if (!best || e->created > best->created)
                        best = e;
        }
        return best;
}

static int by_string(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Every finding that counts under the policy, "ID package", sorted and
 * unique: each one evaluated alone, so that what counts is exactly what
 * policy_evaluate() counts (threshold, scopes, allowlist, VEX, KEV). */
static int counting_findings(const struct policy *p, const struct policy_context *ctx, const struct scan_result *res,
                             char ***ret) {
        _cleanup_strv_free_ char **v = NULL;
        size_t n = 0;

        for (size_t i = 0; res && i < res->n_findings; i++) {
                struct scan_result one = { .findings = &res->findings[i], .n_findings = 1 };
                struct verdict verdict = {};
                size_t total = 0;
                char *s = NULL;

                if (policy_evaluate(p, ctx, &one, &verdict, NULL) < 0)
                        return -ENOMEM;
                for (int k = 0; k < _SEVERITY_MAX; k++)
                        total += verdict.counts[k];
                verdict_done(&verdict);
                if (total == 0)
                        continue;
                if (asprintf(&s, "%s %s", strna(res->findings[i].id), strna(res->findings[i].package)) < 0 ||
                    strv_push(&v, s) < 0)
                        return -ENOMEM;
                n++;
        }
        if (n > 1)
                qsort(v, n, sizeof(*v), by_string);
        for (size_t i = 1; i < n;) /* unique */
                if (strcmp(v[i], v[i - 1]) == 0) {
                        free(v[i]);
                        memmove(&v[i], &v[i + 1], (n - i) * sizeof(*v));
                        n--;
                } else
                        i++;
        *ret = TAKE_PTR(v);
        return 0;
}

/* The policy's VEX statements applied to c's own findings (res, before
 * the mounted images' join them: add_mounts()), as the hook: a container
 * that changed itself is not the image its digest names. */
static int own_vex(const struct judge *j, const struct running_container *c, struct scan_result *res,
                   struct error *err) {
        _cleanup_free_ char *digest = NULL;

        if (!j->o->policy->vex)
                return 0;
        digest = j->o->trust_image_digest && !c->overlay_refused ? oci_image_digest(c->annotations) : NULL;
        return vex_apply(j->o->policy->vex, digest, res, err);
}

/* The policy applied to res for c (VEX already applied). */
static int evaluate(const struct judge *j, const struct running_container *c, struct scan_result *res,
                    struct verdict *ret_v, char ***ret_counting, struct error *err) {
        const struct policy *p = j->o->policy;
        struct policy_context ctx = { .image = c->image, .namespace = c->namespace, .annotations = c->annotations,
                                      .now = time(NULL), .no_kev_data = !vulndb_has_kev(j->db),
                                      .no_epss_data = !vulndb_has_epss(j->db),
                                      .pod_sandbox = j->o->trust_image_digest && oci_pod_sandbox(c->annotations, NULL) };
        int r;

        if ((r = policy_evaluate(p, &ctx, res, ret_v, err)) < 0)
                return r;
        if (counting_findings(p, &ctx, res, ret_counting) < 0) {
                verdict_done(ret_v);
                return error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

/* The findings of an entry: its own when of the current revision, else its
 * stored inventory matched against the current DB (what 'cache rescan'
 * will store).  -EAGAIN when the entry listed is gone: judge_again(). */
static int entry_findings(struct judge *j, const struct cache_entry *summary, bool rematch, struct scan_result **ret,
                          struct error *err) {
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        struct cache_entry e = {};
        int r;

        if ((r = cache_peek(j->cache, summary->key, &e, err)) == -ENOENT)
                return -EAGAIN;
        if (r < 0)
                return r;
        if (rematch && e.inventory_json && *e.inventory_json)
                r = report_parse_inventory(e.inventory_json, strlen(e.inventory_json), &inv, err) < 0 ? -EBADMSG
                    : match_inventory(j->db, inv, ret, err);
        else if (!rematch && e.findings_compact)
                r = report_parse_findings_compact(e.findings_compact, strlen(e.findings_compact), ret, err);
        else
                r = error_set(err, EBADMSG, "cache entry %.12s holds no %s; 'portcullis cache purge %.12s' and "
                              "restart the container to analyse it anew", summary->key,
                              rematch ? "inventory" : "findings", summary->key);
        cache_entry_done(&e);
        return r;
}

/* The findings of the images mounted into c joined to res, as the hook
 * joins them: from the entries of their identities (the current one, else
 * one to match again; for the baseline, the one a start was decided by),
 * the VEX statements about each image (its digest) applied to its own.
 * A mount without such an entry is not checked (image_mount), as at a
 * start that could not read it. */
static int add_mounts(struct judge *j, const struct running_container *c, bool baseline, struct scan_result *res,
                      struct error *err) {
        size_t n = strv_length(c->image_mounts) / 2;

        for (size_t i = 0; i < n; i++) {
                const char *dst = c->image_mounts[2 * i], *path = c->image_mounts[2 * i + 1];
                const char *id = i < strv_length(c->mount_identities) ? c->mount_identities[i] : "";
                const char *digest = i < strv_length(c->mount_digests) ? c->mount_digests[i] : "";
                _cleanup_(scan_result_freep) struct scan_result *got = NULL;
                const struct cache_entry *e = NULL;
                int r;

                if (*id)
                        e = baseline ? find_entry(j, id, WANT_ADMITTED)
                                     : find_entry(j, id, WANT_CURRENT) ?: find_entry(j, id, WANT_REMATCH);
                if (e && (r = entry_findings(j, e, !baseline && !entry_current(j, e), &got, err)) < 0)
                        return r;
                if (got && j->o->policy->vex &&
                    (r = vex_apply(j->o->policy->vex, *digest ? digest : NULL, got, err)) < 0)
                        return r;
                if (scan_result_add_mount(res, got, dst, path, *id ? "the verdict cache holds no entry of it"
                                                                   : "it has no identity") < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

static int judge_now(struct judge *j, struct running_container *c, struct error *err) {
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        const struct cache_entry *e = find_entry(j, c->identity, WANT_CURRENT);
        struct verdict v = {};
        int r;

        if (!e)
                e = find_entry(j, c->identity, WANT_REMATCH);
        /* not cached, but its inventory read (an identity that is the
         * inventory's, or one the cache lacks: judge_one()): matched
         * against the DB now, as the hook would */
        if (!e && c->inventory)
                r = match_inventory(j->db, c->inventory, &res, err);
        else if (!e)
                return 0;       /* not cached */
        else {
                r = entry_findings(j, e, !entry_current(j, e), &res, err);
                c->cached = r != -EAGAIN;
        }
        if (r < 0 || (r = own_vex(j, c, res, err)) < 0 || (r = add_mounts(j, c, false, res, err)) < 0 ||
            (r = evaluate(j, c, res, &v, &c->counting, err)) < 0)
                return r;
        c->judged = true;
        c->entry_revision = strdup(e ? e->db_revision : strempty(j->revision));
        c->decision = v.decision;
        c->mode = v.rule.mode;
        memcpy(c->counts, v.counts, sizeof(c->counts));
        c->scope = TAKE_PTR(v.scope);
        c->worst = TAKE_PTR(v.worst);
        verdict_done(&v);
        return c->entry_revision ? 0 : -ENOMEM;
}

/* The verdict under the stored findings of the newest entry of another
 * revision or build: what the container was judged by before the DB (or
 * Portcullis) changed. */
static int judge_baseline(struct judge *j, struct running_container *c, struct error *err) {
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        /* a container whose upper holds its own files was started (and its
         * verdict kept) under its lowers' identity */
        const struct cache_entry *e = find_entry(j, c->started_identity ? c->started_identity : c->identity,
                                                 WANT_ADMITTED);
        struct verdict v = {};
        int r;

        if (!e)
                return 0;
        if ((r = entry_findings(j, e, false, &res, err)) < 0 || (r = own_vex(j, c, res, err)) < 0 ||
            (r = add_mounts(j, c, true, res, err)) < 0 || (r = evaluate(j, c, res, &v, &c->baseline_counting, err)) < 0)
                return r;
        c->has_baseline = true;
        c->baseline_decision = v.decision;
        verdict_done(&v);
        return (c->baseline_revision = strdup(e->db_revision)) ? 0 : -ENOMEM;
}

/* The cache's entries, listed (again). */
static int judge_list(struct judge *j, struct error *err) {
        for (size_t i = 0; i < j->n_entries; i++)
                cache_entry_done(&j->entries[i]);
        j->n_entries = 0;
        return cache_list_summary(j->cache, collect_entry, j, err) == -ENOMEM
                       ? error_set(err, ENOMEM, "out of memory") : 0;
}

/* judge(j, c), once more with the entries listed anew when an entry
 * listed was gone when read (-EAGAIN): 'cache rescan' and 'cache fill'
 * store an entry re-matched under its new key and drop the old one, 'cache
 * gc' drops some, while a recheck judges many containers from one listing
 * (each such container was not judged: its now_violates line left for the
 * next DB update). */
static int judge_again(struct judge *j, struct running_container *c,
                       int (*judge)(struct judge *j, struct running_container *c, struct error *err),
                       struct error *err) {
        int r = judge(j, c, err);

        if (r != -EAGAIN)
                return r;
        error_clear(err);
        if ((r = judge_list(j, err)) < 0)
                return r;
        r = judge(j, c, err);
        return r != -EAGAIN ? r : error_set(err, EAGAIN, "its cache entry was removed while it was read (a "
                                            "'cache rescan', 'cache fill' or 'cache gc' beside); run again");
}

/* A digest the cache lacks that does not stand for what is read from the
 * rootfs (oci_rootfs_reused()): the identity is the inventory's, as the
 * hook's (lib/gate.c forget_digest()), and judged by it. */
static int forget_digest(struct judge *j, struct running_container *c, struct error *err) {
        _cleanup_free_ char *digest = TAKE_PTR(c->identity);
        int r;

        c->identity_source = "inventory";
        free(c->identity_note);
        if (asprintf(&c->identity_note, "%s: %s", digest, c->digest_reused) < 0) {
                c->identity_note = NULL;
                return -ENOMEM;
        }
        if ((r = read_inventory(j->o, c, &c->identity)) < 0 || !c->identity)
                return r;
        return judge_again(j, c, judge_now, err);
}

static int judge_one(struct judge *j, struct running_container *c) {
        struct error err = {};
        int r;

        if ((r = find_identity(j->o, c)) < 0)
                return r;
        if (!c->identity)
                return 0;
        if ((r = mount_identities(j->o, c)) < 0)
                return r;
        /* an image mounted in whose identity only its inventory gives,
         * which is not to be read: not judged, as such a container is */
        for (size_t i = 0; j->o->no_inventory && c->mount_identities && c->mount_identities[i]; i++)
                if (!*c->mount_identities[i]) {
                        free(c->identity_note);
                        return asprintf(&c->identity_note, "the image mounted at %s has no identity but its "
                                        "inventory's, which was not read", c->image_mounts[2 * i]) < 0 ? -ENOMEM : 0;
                }
        r = judge_again(j, c, judge_now, &err);
        /* as the hook: a digest that does not stand for what is read from
         * the rootfs is served its entry, else the inventory's identity */
        if (r >= 0 && !c->judged && c->digest_reused && !j->o->no_inventory)
                r = forget_digest(j, c, &err);
        /* an identity (overlay, digest) the cache lacks: its inventory,
         * matched now, rather than no verdict at all */
        if (r >= 0 && !c->judged && !c->inventory && !j->o->no_inventory) {
                r = read_inventory(j->o, c, NULL);
                if (r >= 0 && c->inventory)
                        r = judge_again(j, c, judge_now, &err);
        }
        if (r >= 0 && c->judged && j->o->baseline)
                r = judge_again(j, c, judge_baseline, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0 && !(c->error = strdup(err.msg)))
                return -ENOMEM;
        return 0;
}

static void judge_done(struct judge *j) {
        for (size_t i = 0; i < j->n_entries; i++)
                cache_entry_done(&j->entries[i]);
        free(j->entries);
        cache_close(j->cache);
        vulndb_close(j->db);
}

/* The DB (its revision), and the cache's entries when there is a cache. */
static int judge_open(struct judge *j, struct error *err) {
        struct stat st;
        int r;

        if ((r = vulndb_open(j->o->db, &j->db, err)) < 0)
                return r;
        j->revision = vulndb_revision(j->db);
        if (!j->revision)
                return error_set(err, EBADMSG, "%s has no revision; re-import it", j->o->db);
        if (stat(j->o->cache, &st) < 0 && errno == ENOENT)
                return 0;
        if ((r = cache_open_flags(j->o->cache, CACHE_OPEN_READONLY, &j->cache, NULL, err)) == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        return judge_list(j, err);
}

int running_list(const struct running_options *o, struct running_list *ret, struct error *err) {
        struct running_list l = {};
        struct judge j = { .o = o };
        char *const *roots = o->state_roots ? o->state_roots : (char *const *) running_default_roots;
        int r = judge_open(&j, err);

        for (size_t i = 0; r >= 0 && roots[i]; i++)
                r = scan_root(&l, roots[i], NULL);
        if (r == -E2BIG)
                r = error_set(err, E2BIG, "more than %d containers in the state folders", RUNNING_CONTAINERS_MAX);
        for (size_t i = 0; r >= 0 && i < l.n; i++)
                if (!o->only_keys || strv_contains(o->only_keys, l.v[i].key))
                        r = judge_one(&j, &l.v[i]);
        if (r >= 0 && !(l.db_revision = strdup(j.revision)))
                r = -ENOMEM;
        judge_done(&j);
        if (r == -ENOMEM)
                r = error_set(err, ENOMEM, "out of memory");
        if (r < 0) {
                running_list_done(&l);
                return r;
        }
        *ret = l;
        return 0;
}

size_t running_now_violating(const struct running_list *l) {
        size_t n = 0;

        for (size_t i = 0; i < l->n; i++)
                n += l->v[i].judged && l->v[i].decision != VERDICT_ALLOW;
        return n;
}

int running_state_file(const char *cache, char **ret) {
        const char *slash = strrchr(cache, '/');

        if (asprintf(ret, "%.*s/running.json", slash ? (int) (slash - cache) : 1, slash ? cache : ".") < 0)
                return -ENOMEM;
        return 0;
}
