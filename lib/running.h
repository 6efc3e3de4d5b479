/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "policy.h"
#include "severity.h"

/* The containers running on the node, found in the state folders of the
 * OCI runtimes (runc's <root>/<id>/state.json, crun's <root>/<id>/status),
 * each judged *now*: its image's identity derived as the gate derives it
 * (the overlay mount's layers, else the trusted image digest, else the
 * digest of the rootfs's inventory), the verdict cache's findings for that
 * identity (re-matched against the current DB when the entry is of an older
 * revision) and the current policy.  Nothing here stops or signals a
 * container.
 *
 * The roots, when none are given: runc's /run/runc (Podman, CRI-O and runc
 * itself), crun's /run/crun, and every namespace folder of containerd's
 * runc shim under /run/containerd/runc (<root>/<namespace>/<id>). */

#define RUNNING_STATE_MAX ((size_t) 4 * 1024 * 1024)    /* one state.json / status file */
#define RUNNING_CONTAINERS_MAX 10000                    /* per listing */
#define RUNNING_HISTORY_MAX ((size_t) 16 * 1024 * 1024) /* the recheck's state file */
#define RUNNING_REVISIONS_MAX 64                        /* DB revisions the state file remembers */
#define RUNNING_EVENTS_MAX 1000                         /* now_violates events it remembers */
#define RUNNING_FINDINGS_LOGGED 50                      /* new findings named in one audit line */

extern const char *const running_default_roots[];

/* What a runtime's state file says about one container. */
struct running_state {
        char *id;
        int pid;                        /* the container's init process */
        unsigned long long start_time;  /* its start in clock ticks since boot (/proc/PID/stat field 22), 0 unknown */
        char *created;                  /* RFC 3339, or NULL */
        char *bundle;                   /* or NULL */
        char *rootfs;                   /* or NULL */
        char **labels;                  /* runc's "key=value" labels (its copy of the annotations), or NULL */
};

/* Parses runc's state.json (format "runc") or crun's status ("crun"). */
int running_state_parse(const char *buf, size_t len, const char *name, const char *format,
                        struct running_state *ret, struct error *err);
void running_state_done(struct running_state *s);

struct inventory;

struct running_container {
        char *key;                      /* "<state root>/[<namespace>/]<id>@<start time>": one run of it */
        char *id;
        const char *runtime;            /* "runc" or "crun" (the state file's format) */
        char *state_root;
        char *containerd_namespace;     /* the namespace folder under containerd's root, or NULL */
        int pid;
        char *created;
        char *rootfs;
        bool root_readonly;             /* config.json's root.readonly: the container can't change its rootfs */
        char **annotations;             /* key, value, ..., NULL */
        const char *image;              /* from the annotations or containers/storage, or NULL */
        char *storage_image;
        const char *namespace;          /* Kubernetes, or NULL */
        char *identity;                 /* or NULL when none could be derived */
        const char *identity_source;    /* "overlay", "digest", "inventory" */
        char *identity_note;            /* why there is no identity, or why the digest was not (digest_reused) */
        bool overlay_refused;           /* its upper holds its own changes: not the image its digest names */
        const char *digest_reused;      /* the identity is a digest that does not stand for what is read from
                                         * its rootfs: why (oci_rootfs_reused()); looked up, never stored */
        char *started_identity;         /* then the identity of its lowers, the image it was started from */
        char *lowers_options;           /* and how to mount them alone (overlay_mount_lowers()) */
        struct inventory *inventory;    /* read for an identity "inventory": matched when not cached */
        bool inventory_unread;          /* its inventory was to be read (its identity, or one the cache lacks)
                                         * and the analysis sandbox could not: 'cache fill' judges it */
        char **image_mounts;            /* images mounted into it: destination, host path, ..., NULL
                                         * (oci_config_image_mounts()), or NULL */
        char **mount_identities;        /* each one's identity ("" when none could be derived) */
        char **mount_digests;           /* each one's digest for VEX statements ("" when none) */

        /* The verdict now (valid when judged). */
        bool judged;
        bool cached;                    /* the cache holds an entry of the identity */
        char *error;                    /* why it could not be judged, or NULL */
        char *entry_revision;           /* the DB revision of the cache entry used */
        enum verdict_decision decision;
        enum policy_mode mode;
        char *scope;
        size_t counts[_SEVERITY_MAX];
        char **counting;                /* "ID package" of every finding that counts, sorted, unique */
        char **worst;

        /* The verdict under the newest entry of another DB revision (the
         * findings the container was likely admitted with), for a container
         * the recheck has not seen before; with running_options.baseline. */
        bool has_baseline;
        char *baseline_revision;
        enum verdict_decision baseline_decision;
        char **baseline_counting;
};

struct running_list {
        struct running_container *v;
        size_t n;
        char *db_revision;              /* the current DB's */
        char **warnings;                /* roots or state files that could not be read */
};

struct running_options {
        char *const *state_roots;       /* NULL: running_default_roots (absent ones are skipped) */
        const char *cache;
        const char *db;
        const struct policy *policy;
        bool trust_image_digest;        /* config.json's */
        bool no_inventory;              /* never read a rootfs's packages for an identity */
        unsigned inventory_deadline_ms; /* per container; 0: 60 s */
        bool baseline;                  /* fill has_baseline & co. */
        char *const *only_keys;         /* judge these (running_container.key) alone; NULL: all */
};

/* Lists and judges.  A root that is absent is skipped; one that can't be
 * read, and a state file that can't be parsed, are warnings; a container
 * whose init process is gone, or is another process than the state's (its
 * start time differs), is left out.  An unusable cache or DB is an error. */
int running_list(const struct running_options *o, struct running_list *ret, struct error *err);
void running_list_done(struct running_list *l);

/* Containers whose verdict now is not allow (the metrics' gauge). */
size_t running_now_violating(const struct running_list *l);

/* Where the audit lines go: the hook's sink (audit.h). */
struct running_sink {
        const char *log_file;           /* or NULL */
        bool syslog;
        const char *syslog_socket;      /* NULL: /dev/log */
        const char *policy_path;        /* named in the lines */
};

struct running_recheck_result {
        size_t containers;              /* running */
        size_t violating;               /* of them, not allowed now */
        size_t logged;                  /* now_violates lines written */
        size_t unjudged;                /* running but not judged: no identity, not cached, or an error */
        size_t left;                    /* of them, left to 'cache fill' (inventory_unread) */
        char **left_ids;                /* their names */
        char *left_reason;              /* why the first could not be read */
        size_t taken;                   /* running_recheck_pending(): the containers left to it, running */
        char **warnings;                /* a line that reached no sink, a root not read; for
                                         * running_recheck_pending(), each container still not judged */
};

/* After a DB update or a cache rescan: judges the running containers (with
 * baselines) and compares each with what state_file remembers of it (the
 * same run of the container), else with its baseline; one audit line
 * ("event": "now_violates") for each whose verdict got worse (a worse
 * decision, or a finding that counts and did not), then remembers the
 * verdicts, the DB revision and the events in state_file (atomically,
 * under a lock beside it). A second recheck at the same revision finds
 * nothing new. */
int running_recheck(const struct running_options *o, const struct running_sink *sink, const char *state_file,
                    struct running_recheck_result *ret, struct error *err);
/* A container whose inventory the recheck had to read and could not (the
 * analysis sandbox refused: a unit without the privileges it needs, as
 * the DB update's) is not judged; state_file remembers it ("pending",
 * its key and the revision), for the recheck that 'cache fill' runs where
 * the sandbox runs: running_recheck_pending() judges those alone, once
 * (still running; one now_violates line for each that got worse, as the
 * recheck would have written), and forgets them, judged or not (one still
 * not judged is said in warnings).  Nothing pending costs the state
 * file's read alone. */
int running_recheck_pending(const struct running_options *o, const struct running_sink *sink,
                            const char *state_file, struct running_recheck_result *ret, struct error *err);
void running_recheck_result_done(struct running_recheck_result *r);

/* What one 'cache fill' run may spend: at most max_rematched entries of
 * another DB revision re-matched, none started past a quarter of
 * time_limit_ms (the rest for the analyses); at most max_analysed
 * analyses run to the end, no analysis started past time_limit_ms from the run's
 * start, each cut at deadline_ms or at what is left of the run, whichever
 * comes first; each in the hook's analysis sandbox (lib/sandbox.h: its
 * memory, files, CPU and syscalls). */
struct running_fill_limits {
        size_t max_rematched;           /* 0: none */
        size_t max_analysed;
        unsigned time_limit_ms;
        unsigned deadline_ms;
        const char *lock_dir;           /* the hook's (the images' single-flight locks) */
};

struct running_fill_result {
        size_t containers;              /* running */
        size_t missing;                 /* of them, whose image the cache holds no entry of */
        size_t stored;                  /* analysed and stored */
        size_t present;                 /* analysed, but a start stored its entry meanwhile (left as it is) */
        size_t busy;                    /* a start was analysing it (its lock held): left to that start */
        size_t failed;                  /* the analysis failed or ran out of its time: tried again next run */
        size_t not_kept;                /* analysed, not to be kept (cache_analysis_keep()) */
        size_t left;                    /* past the run's limits: for the next run */
        size_t own_files;               /* missing, but its rootfs may hold its own changes (an overlay's upper
                                         * with its files, before or during the analysis; a writable rootfs
                                         * named by digest): its image can't be read, nothing stored */
        size_t rescan;                  /* an entry of another DB revision or build, past the re-match's bounds:
                                         * the next run re-matches it */
        size_t rematched;               /* entries of another DB revision re-matched (cache_rescan()) */
        size_t rematch_current;         /* entries already at the current key */
        size_t rematch_dropped;         /* entries dropped: their image at the current key too, or read by
                                         * another build */
        size_t rematch_left;            /* entries to re-match past the bounds: for the next run */
        size_t no_identity;             /* no identity a start would look up (no rootfs, layers not trusted) */
        char **notes;                   /* a line for each container failed, not kept or with own files, each
                                         * audit line that reached no sink, each root not read */
};

/* The catch-up after a DB update and of the starts that on_timeout
 * decided.  First the cache's entries of another DB revision (or match
 * epoch) are re-matched from their stored inventories (cache_rescan(),
 * within limits, the running containers' images first), so that the next
 * start of each image is a hit; then the running containers whose image
 * the verdict cache holds no entry of (no entry of its identity at all:
 * one of another DB revision left past the re-match's bounds is the next
 * run's) are analysed, within limits, and stored under the identity the next
 * start of that image looks up (the overlay's layers, the trusted digest,
 * the inventory's digest), as the hook stores a miss
 * (cache_store_analysis()), only where no entry has that key
 * (cache_put_new()), under the image's single-flight lock, taken only
 * when free.  One audit line ("event": "cache_filled") for each stored.
 * A container whose overlay's upper holds its own files is not its image:
 * nothing is stored for it.  Images mounted into containers are not
 * filled.  An unusable DB or cache is an error. */
int running_fill(const struct running_options *o, const struct running_fill_limits *lim,
                 const struct running_sink *sink, struct running_fill_result *ret, struct error *err);
void running_fill_result_done(struct running_fill_result *r);

/* The keys (running_container.key) of the containers whose verdict got
 * worse at a recheck after the DB was at revision (a unique prefix of
 * at least 6 characters of one the state file remembers).  -ENOENT with
 * a message when the file or the revision is unknown. */
int running_changed_since(const char *state_file, const char *revision, char ***ret_keys, struct error *err);

/* "<folder of cache>/running.json": where the recheck keeps its state. */
int running_state_file(const char *cache, char **ret);
