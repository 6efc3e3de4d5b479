/* SPDX-License-Identifier: Apache-2.0 */
/* The gate (see gate.h): the decision for one container start.  The result
 * is an exit code for the runtime (0 start, 1 don't) and the lines the front
 * end prints on stderr; when it blocks, one line says why, which runc puts
 * into the error kubelet and podman show. */
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyze.h"
#include "audit.h"
#include "base/clock.h"
#include "base/digest.h"
#include "base/fileio.h"
#include "base/heap.h"
#include "base/strutil.h"
#include "cache.h"
#include "config.h"
#include "gate.h"
#include "oci.h"
#include "overlay.h"
#include "policy.h"
#include "report.h"
#include "verdict-index.h"
#include "vex.h"
#include "vulndb.h"

#define GATE_MOUNTS_LISTED 5    /* images mounted in, noted one by one (then counted) */
#define GATE_VEX_NOTES_LISTED 5 /* VEX statements left out (vex_notes()), said one by one (then counted) */

/* An image whose scan result is being found (find_result()): the
 * container's own, or one mounted into it (check_image_mount()). */
struct image {
        const char *name;               /* in messages: the start's, or "image mounted at /dst" */
        const char *rootfs;
        char *const *annotations;       /* the runtime's, naming its digest (image_digest()); NULL when mounted in */
        const char *image;              /* its name, for its cache entry; NULL when mounted in */
        bool mounted;                   /* into the container: its lock only when free (wait_image_lock()) */
        struct overlay_probe ov;        /* its overlay mount: identity or why not, storage's name */
        char *identity;                 /* the overlay's, else the image digest, else the inventory's */
        const char *identity_source;    /* "overlay", "digest", "inventory" */
        char *identity_note;            /* why the digest was looked up but not kept (reused_digest()) */
        char *db_revision;
        char *db_import_time;           /* or the signed data's time (db_time_signed) */
        bool db_time_signed;
        bool db_kev, db_epss;           /* the DB holds a CISA KEV catalogue, EPSS scores */
        char *stale_note;               /* the DB is older than max_db_age_hours */
        bool stale;                     /* on_stale_db deny refused the DB (check_db_age()) */
        const char *cache_status;       /* "hit", "miss", or "off" when the cache can't be used */
        char *cache_note;               /* why the cache was off */
        bool not_kept;                  /* a miss's findings not cached (store()): no entry to show */
};

static void image_done(struct image *im) {
        overlay_probe_done(&im->ov);
        free(im->identity);
        free(im->identity_note);
        free(im->db_revision);
        free(im->db_import_time);
        free(im->stale_note);
        free(im->cache_note);
}

/* Whether the image's findings are in a cache entry ('portcullis cache
 * show <identity>' shows them). */
static bool entry_kept(const struct image *im) {
        return im->identity && im->cache_status && strcmp(im->cache_status, "off") != 0 && !im->not_kept;
}

/* One start being decided. */
struct start {
        long long t0;                   /* the deadline counts from here: the earliest the hook can have started */
        long long t0_latest;            /* duration_ms counts from here: the latest it can have started */
        const struct gate_options *o;   /* the front end's settings */
        int state_fd;
        char **messages;                /* for stderr, in order */
        char *audit_line;
        struct config *cfg;
        struct policy *policy;
        struct oci_state state;
        struct oci_config oci;
        char **annotations;             /* the state's, then the config's */
        struct policy_context ctx;
        const char *name;               /* image, else "container <id>" */
        char *name_owned;               /* name, when set_name() formatted it */
        struct image img;               /* the container's own */
        const char *failure_mode;       /* a decision without a verdict: the mode of the rule that applies */
        int syslog_fd;                  /* connected to syslog, or -EBADF */
        char *syslog_note;              /* why there is no syslog, said once */
        char *audit_lost;               /* why the decision was recorded nowhere, or NULL */
        struct storage_images *storage_images;  /* mount_digest()'s images.json, read once */
        /* The images mounted in that were checked: their notes (count,
         * identity) for the audit line, and where their findings are
         * ("image mounted at /img: portcullis cache show <identity>"). */
        char **mount_notes;
        char **mount_shows;
        char **vex_notes;               /* the policy's VEX statements left out, for the audit line's notes */
        size_t mounts_noted, mounts_shown;      /* of them, beyond GATE_MOUNTS_LISTED: counted only */
};

static long long now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A line for the front end to print on stderr (what runc shows). */
_printf_(2, 3) static void say(struct start *h, const char *fmt, ...) {
        char *s = NULL;
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        if (n > 0 && s[n - 1] == '\n')
                s[n - 1] = '\0';
        str_make_printable(s);  /* one line, no escapes: names from annotations, ids from the DB */
        (void) strv_push(&h->messages, s);
}

/* The last line said goes first: Podman shows a failed hook's stderr up
 * to its first line (Podman 4.3, tests/podman-rootless.sh), where the
 * reason must be, not a note that led to it. */
static void first_said(struct start *h) {
        size_t n = strv_length(h->messages);
        char *last;

        if (n < 2)
                return;
        last = h->messages[n - 1];
        memmove(h->messages + 1, h->messages, (n - 1) * sizeof(char *));
        h->messages[0] = last;
}

/* buf parsed, when it is one whole JSON object (its last byte, blanks
 * aside, a '}', and jansson reads it to the end, duplicate keys refused as
 * oci_state_parse() does); else NULL. */
static json_t *whole_object(const char *buf, size_t len) {
        while (len > 0 && strchr(" \t\r\n", buf[len - 1]))
                len--;
        if (len == 0 || buf[len - 1] != '}')
                return NULL;
        return json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
}

/* The state (the hook's stdin), capped, within the deadline: a runtime
 * that never closes it must not hang the start.  Read to its end; when the
 * first read brings one whole JSON object (a runtime writes the state at
 * once and closes), that is the end, without the poll and read that would
 * confirm it (two of a hit's forty syscalls), and *ret_json is it, parsed
 * once.  Anything after it would have made the state invalid anyway. */
static int read_state(struct start *h, long long deadline, char **ret, size_t *ret_len, json_t **ret_json,
                      struct error *err) {
        struct strbuf b = { .max = OCI_STATE_MAX };
        const char *src = h->o->state_path ? h->o->state_path : "stdin";
        char chunk[8192];

        *ret_json = NULL;
        for (;;) {
                struct pollfd p = { .fd = h->state_fd, .events = POLLIN };
                long long left = deadline - now_ms();
                ssize_t n;
                int k;

                if (left <= 0) {
                        strbuf_done(&b);
                        return error_set(err, ETIMEDOUT, "the OCI state on %s did not end in time", src);
                }
                k = poll(&p, 1, (int) left);
                if (k < 0 && errno != EINTR) {
                        strbuf_done(&b);
                        return error_set_errno(err, errno, "read the OCI state from %s", src);
                }
                if (k <= 0)
                        continue;
                n = read(h->state_fd, chunk, sizeof(chunk));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        strbuf_done(&b);
                        return error_set_errno(err, errno, "read the OCI state from %s", src);
                }
                if (n == 0)
                        break;
                if (strbuf_append(&b, chunk, (size_t) n) < 0) {
                        strbuf_done(&b);
                        return error_set(err, EMSGSIZE, "the OCI state on %s is larger than %zu bytes", src,
                                         OCI_STATE_MAX);
                }
                if (b.len == (size_t) n && (*ret_json = whole_object(b.s, b.len)))
                        break;
        }
        *ret_len = b.len;
        *ret = strbuf_steal(&b);
        return 0;
}

static int merge_annotations(struct start *h) {
        char *const *lists[] = { h->state.annotations, h->oci.annotations };

        for (size_t l = 0; l < ELEMENTSOF(lists); l++)
                for (char *const *kv = lists[l]; kv && kv[0] && kv[1]; kv += 2)
                        if (strv_push(&h->annotations, strdup(kv[0])) < 0 ||
                            strv_push(&h->annotations, strdup(kv[1])) < 0)
                                return -ENOMEM;
        return 0;
}

/* Whether the runtime's annotations are believed about the image (its
 * digest, its name, its namespace): config.json's trust_image_digest.  On
 * a host where users set annotations themselves they are not: else an
 * image could claim another's name and be judged by its scope. */
static bool annotations_trusted(const struct start *h) {
        return h->cfg && h->cfg->trust_image_digest;
}

/* For "%.*s%s": s, at most AUDIT_NAME_MAX bytes of it, and "..." when cut. */
#define NAME_CUT(s) AUDIT_NAME_MAX, (s), strlen(s) > AUDIT_NAME_MAX ? "..." : ""

static void set_name(struct start *h) {
        const char *image = annotations_trusted(h) ? oci_image_name(h->state.annotations, h->oci.annotations)
                                                   : NULL;
        const char *id;
        int k;

        if (!image)     /* Podman, Docker: the name in their own root-owned files */
                image = h->img.ov.image_name;

        h->ctx.image = image;
        h->ctx.namespace = annotations_trusted(h) ? oci_namespace(h->state.annotations, h->oci.annotations) : NULL;
        h->ctx.pod_sandbox = annotations_trusted(h) && oci_pod_sandbox(h->state.annotations, h->oci.annotations);
        h->ctx.annotations = h->annotations;
        h->ctx.now = time(NULL);
        /* The names come from annotations and the runtime: cut as the
         * audit line cuts them (NAME_CUT), so that a name of 70,000 bytes
         * does not make a block line of as many. */
        id = h->state.id ? h->state.id : strna(h->o->containerd_id);
        if (image && h->img.ov.layers_identity)
                /* judged by what the container holds now (a restarted one
                 * that changed itself), not by the image: a line naming the
                 * image alone would blame it, and 'scan' of it finds nothing */
                k = asprintf(&h->name_owned, "%.*s%s as changed by container %.*s%s (%s)", NAME_CUT(image),
                             NAME_CUT(id), strna(h->img.ov.why_not));
        else if (image)
                k = asprintf(&h->name_owned, "%.*s%s", NAME_CUT(image));
        else
                k = asprintf(&h->name_owned, "container %.*s%s", NAME_CUT(id));
        h->name = k >= 0 ? h->name_owned : "container";
}

/* Loads the config and the policy.  A policy missing at the configured
 * default path means the built-in default; one that was named but can't be
 * read is an error (decided by config.json's on_error). */
static int load_settings(struct start *h, struct error *err) {
        int k;

        k = config_load(h->o->config ? h->o->config : PORTCULLIS_CONFIG_DEFAULT, h->o->config != NULL,
                        &h->cfg, err);
        if (k < 0)
                return k;
        if (h->o->policy)
                return policy_load(h->o->policy, &h->policy, err);
        return policy_load_configured(h->cfg->policy, &h->policy, err);
}

static const char *policy_path(const struct start *h) {
        return h->policy && h->policy->path ? h->policy->path : "(built-in default)";
}

/* "1 CRITICAL, 2 HIGH at or above HIGH (CVE-… pkg, …)", read as a
 * sentence: "16 findings of UNKNOWN severity, counted as HIGH" when only
 * UNKNOWN ones count, no "at or above UNKNOWN" when everything counts. */
static void summarize(const struct verdict *v, struct strbuf *b) {
        size_t total = 0;
        bool first = true;

        for (int s = 0; s < _SEVERITY_MAX; s++)
                total += v->counts[s];
        if (total > 0 && total == v->counts[SEVERITY_UNKNOWN]) {
                (void) strbuf_printf(b, "%zu finding%s of UNKNOWN severity", total, total == 1 ? "" : "s");
                if (v->rule.unknown_as > SEVERITY_UNKNOWN)
                        (void) strbuf_printf(b, ", counted as %s", severity_to_string(v->rule.unknown_as));
        } else {
                for (int s = _SEVERITY_MAX - 1; s >= 0; s--)
                        if (v->counts[s] > 0) {
                                (void) strbuf_printf(b, "%s%zu %s", first ? "" : ", ", v->counts[s],
                                                     severity_to_string(s));
                                first = false;
                        }
                if (v->rule.threshold > SEVERITY_UNKNOWN)
                        (void) strbuf_printf(b, " at or above %s", severity_to_string(v->rule.threshold));
                else
                        (void) strbuf_printf(b, " finding%s", total == 1 ? "" : "s");
                if (v->counts[SEVERITY_UNKNOWN] > 0 && v->rule.unknown_as > SEVERITY_UNKNOWN)
                        (void) strbuf_printf(b, " (UNKNOWN counted as %s)", severity_to_string(v->rule.unknown_as));
        }
        for (size_t i = 0; v->worst && v->worst[i]; i++)
                (void) strbuf_printf(b, "%s%s", i == 0 ? " (" : ", ", v->worst[i]);
        if (v->worst && v->worst[0])
                (void) strbuf_puts(b, ")");
        if (v->exploited > 0)   /* the notes name each one and why */
                (void) strbuf_printf(b, "; %zu of them count%s only as known or likely exploited (%s%s%s)",
                                     v->exploited, v->exploited == 1 ? "s" : "", v->rule.block_kev ? "block_kev" : "",
                                     v->rule.block_kev && v->rule.min_epss > 0 ? ", " : "",
                                     v->rule.min_epss > 0 ? "min_epss" : "");
}

/* After the policy's file: the scope that applied, what the allowlist
 * excused, and where the whole list is. */
static void where_more(const struct start *h, const struct verdict *v, struct strbuf *b) {
        if (v->scope)
                (void) strbuf_printf(b, ", scope '%s'", v->scope);
        if (v->allowed > 0)
                (void) strbuf_printf(b, "; %zu more excused by the allowlist", v->allowed);
        if (entry_kept(&h->img))
                (void) strbuf_printf(b, "; all findings: portcullis cache show %s", h->img.identity);
        for (char **m = h->mount_shows; m && *m; m++)   /* theirs are not in the container's entry */
                (void) strbuf_printf(b, "; %s", *m);
        if (h->mounts_shown > GATE_MOUNTS_LISTED)
                (void) strbuf_printf(b, "; and of %zu more images mounted in", h->mounts_shown - GATE_MOUNTS_LISTED);
}

static const char *syslog_socket(const struct start *h) {
        if (h->o->syslog_socket)
                return h->o->syslog_socket;
        return h->cfg && h->cfg->log_syslog_socket ? h->cfg->log_syslog_socket : AUDIT_SYSLOG_SOCKET_DEFAULT;
}

/* Connects to syslog once per start; when there is no socket, says so once
 * (on stderr, and in the audit line's notes through h->syslog_note). */
static int open_syslog(struct start *h, struct error *err) {
        if (h->syslog_fd >= 0 || h->syslog_note)
                return h->syslog_fd >= 0 ? 0 : -ENOTCONN;
        if (audit_syslog_open(syslog_socket(h), &h->syslog_fd, err) >= 0)
                return 0;
        h->syslog_note = strdup(err->msg);
        say(h, "portcullis: note: %s: warnings and decisions do not reach the journal (start journald or a syslog "
            "daemon, or set \"log\": {\"syslog_socket\": ...} in %s)\n", err->msg,
            h->cfg && h->cfg->path ? h->cfg->path : "config.json");
        return -ENOTCONN;
}

#define GATE_VEX_LISTED 10

/* The suppressed findings for the audit line, "CVE-… libssl3
 * (not_affected: component_not_present)": the first GATE_VEX_LISTED, then
 * how many more. */
static char **vex_lines(const struct scan_result *res) {
        char **v = NULL, *s = NULL;
        size_t n = 0;

        for (size_t i = 0; res && i < res->n_findings; i++) {
                const struct finding *f = &res->findings[i];

                if (!f->vex_status || n++ >= GATE_VEX_LISTED)
                        continue;
                if (asprintf(&s, "%s %s (%s%s%s)", f->id, f->package, f->vex_status, f->vex_justification ? ": " : "",
                             strempty(f->vex_justification)) < 0 || strv_push(&v, s) < 0)
                        return v;
        }
        if (n > GATE_VEX_LISTED && asprintf(&s, "and %zu more", n - GATE_VEX_LISTED) >= 0)
                (void) strv_push(&v, s);
        return v;
}

static bool audit_failure_denies(const struct start *h) {
        return h->policy && h->policy->on_audit_failure == POLICY_ACTION_DENY;
}

/* Why a pod's sandbox passed with nothing checked (verdict.pod_sandbox):
 * in the audit line's notes alone, not on stderr, which every pod start
 * would send to the journal. */
static void pod_sandbox_note(const struct start *h, char ***notes) {
        static const char what[] = "has no package at all (no_packages), which on_unchecked does not decide for a "
                                   "pod's sandbox";

        if (h->ctx.image)
                (void) strv_pushf(notes, "pod sandbox: nothing to check: its image %.*s%s %s", NAME_CUT(h->ctx.image),
                                  what);
        else
                (void) strv_pushf(notes, "pod sandbox: nothing to check: its image (the runtime names none) %s", what);
}

/* Formats the decision's audit line and writes it: to the log file, and to
 * syslog when configured or when the file can't be written (so the journal
 * always gets a try).  When the line reached neither, h->audit_lost says
 * why, and on_audit_failure decides (check_recorded()). */
static void audit(struct start *h, const char *decision, const char *reason, const struct verdict *v,
                  const struct scan_result *res) {
        _cleanup_strv_free_ char **notes = NULL, **vex = vex_lines(res);
        char *line = NULL, enforce_from[32];
        struct error err = {}, serr = {};
        struct audit_record rec = {
                .container = h->state.id ? h->state.id : h->o->containerd_id,
                .containerd_namespace = h->o->containerd_namespace,
                .image = h->ctx.image,
                .image_changed = h->ctx.image && h->img.ov.layers_identity,    /* named so by set_name() */
                .image_mounts = h->mounts_noted,
                .namespace = h->ctx.namespace,
                .mode = v ? policy_mode_to_string(v->rule.mode) : h->failure_mode,
                .enforce_from = v && v->rule.enforce_from ? enforce_from : NULL,
                .scope = v ? v->scope : NULL,
                .decision = decision,
                .reason = reason,
                .counts = v ? v->counts : NULL,
                .all_counts = res ? res->counts : NULL,
                .fixable = res ? res->fixable : 0,
                .not_checked = res ? res->packages_unchecked : 0,
                .suppressed = res ? res->suppressed : 0,
                .allowlisted = v ? v->allowed : 0,
                .vex = vex,
                .threshold = v ? severity_to_string(v->rule.threshold) : NULL,
                .unchecked = v ? v->unchecked : NULL,
                .worst = v ? v->worst : NULL,
                .db_revision = h->img.db_revision,
                .db_time = h->img.db_import_time,
                .identity = h->img.identity,
                .identity_source = h->img.identity_source,
                .identity_note = h->img.identity_note ? h->img.identity_note
                                 : h->img.identity_source && !streq_ptr(h->img.identity_source, "overlay")
                                         ? h->img.ov.why_not : NULL,
                .cache = h->img.cache_status,
                .policy = h->policy ? policy_path(h) : NULL,
                .duration_ms = now_ms() - h->t0_latest,
        };
        bool use_syslog = !h->o->no_syslog && (!h->cfg || h->cfg->log_syslog);
        const char *file = h->o->log_file ? h->o->log_file : h->cfg ? h->cfg->log_file : NULL;
        bool file_ok = false, syslog_ok = false;

        if (v && v->rule.enforce_from)
                policy_format_time(v->rule.enforce_from, enforce_from);
        if (use_syslog && !h->o->dry_run)
                (void) open_syslog(h, &serr);
        for (char *const *n = v ? v->notes : NULL; n && *n; n++)
                (void) strv_push(&notes, strdup(*n));
        if (v && v->pod_sandbox)
                pod_sandbox_note(h, &notes);
        if (h->syslog_note)
                (void) strv_push(&notes, strdup(h->syslog_note));
        for (char **m = h->mount_notes; m && *m; m++)
                (void) strv_push(&notes, strdup(*m));
        for (char **n = h->vex_notes; n && *n; n++)
                (void) strv_push(&notes, strdup(*n));
        /* why "cache" is "off": a result too big for an entry is analysed
         * again at every start, which the log should say, not only stderr */
        if (h->img.cache_note)
                (void) strv_pushf(&notes, "verdict cache not used: %s", h->img.cache_note);
        rec.notes = notes;

        if (audit_format(&rec, &line, &err) < 0) {     /* recorded nowhere: on_audit_failure decides */
                free(h->audit_lost);
                h->audit_lost = strdup(err.msg);
                if (!h->audit_lost)
                        h->audit_lost = strdup("the audit line could not be written");
                return;
        }
        free(h->audit_line);
        h->audit_line = TAKE_PTR(line);
        /* Nothing configured to record it (portcullis check, which sends
         * nothing, decides as the hook would by config.json): as the
         * operator chose, unless the policy asks for every start to be on
         * record. */
        if (!file && !(use_syslog || (h->o->dry_run && (!h->cfg || h->cfg->log_syslog)))) {
                free(h->audit_lost);
                h->audit_lost = NULL;
                if (audit_failure_denies(h) &&
                    asprintf(&h->audit_lost, "%s records decisions nowhere: %s and there is no log.file",
                             h->cfg && h->cfg->path ? h->cfg->path : "the built-in config",
                             h->o->no_syslog && !h->o->dry_run ? "the hook runs with --no-syslog"
                                                               : "log.syslog is false") < 0)
                        h->audit_lost = strdup("the decision is recorded nowhere");
                return;
        }
        if (h->o->dry_run)
                return;
        if (file) {
                file_ok = audit_append(file, h->audit_line, &err) >= 0;
                if (!file_ok)
                        say(h, "portcullis: warning: audit log: %s\n", err.msg);
        }
        if ((use_syslog || (file && !file_ok)) && open_syslog(h, &serr) >= 0)
                syslog_ok = audit_syslog_send(h->syslog_fd, LOG_INFO, h->audit_line, &serr) >= 0;
        if (file_ok || syslog_ok)
                return;
        free(h->audit_lost);
        if (asprintf(&h->audit_lost, "%s%s%s", file ? err.msg : "", file ? "; " : "",
                     serr.msg[0] ? serr.msg : "syslog: not reachable") < 0)
                h->audit_lost = NULL;
        if (!h->audit_lost)
                h->audit_lost = strdup("the audit line could not be written");
}

static bool unrecorded_blocks(const struct start *h) {
        return h->audit_lost && audit_failure_denies(h);
}

/* on_audit_failure: a decision that was not recorded anywhere.  A block
 * stays a block; a start is blocked when the policy says deny. */
static int check_recorded(struct start *h, int code) {
        const char *name = h->name ? h->name : "container";

        if (!h->audit_lost)
                return code;
        if (code != GATE_START) {
                say(h, "portcullis: warning: %s: this block was not recorded: %s\n", name, h->audit_lost);
                return code;
        }
        if (unrecorded_blocks(h)) {
                say(h, "portcullis: blocked %s: the decision could not be recorded (%s); on_audit_failure is deny "
                    "in %s\n", name, h->audit_lost, policy_path(h));
                return GATE_BLOCK;
        }
        say(h, "portcullis: warning: %s: the decision was not recorded (%s); starting anyway (on_audit_failure is "
            "allow in %s)\n", name, h->audit_lost, policy_path(h));
        return code;
}

/* Sends the lines meant for stderr to syslog too, at the priority of what
 * they say, with the container and the image: runtimes drop a successful
 * hook's stderr, so for a warned start the journal is where it shows. */
static void journal_messages(struct start *h) {
        static const struct {
                const char *prefix;
                int priority;
        } levels[] = {
                { "portcullis: blocked", LOG_ERR },
                { "portcullis: warning", LOG_WARNING },
                { "portcullis: note", LOG_NOTICE },
        };
        const char *container = h->state.id ? h->state.id : h->o->containerd_id;

        if (h->syslog_fd < 0)
                return;
        for (char **m = h->messages; m && *m; m++)
                for (size_t i = 0; i < ELEMENTSOF(levels); i++) {
                        _cleanup_free_ char *s = NULL;

                        if (!startswith(*m, levels[i].prefix))
                                continue;
                        if (asprintf(&s, "%s [container=%s image=%s]", *m, strna(container),
                                     h->ctx.image ? h->ctx.image : "-") < 0)
                                break;
                        str_make_printable(s);
                        (void) audit_syslog_send(h->syslog_fd, levels[i].priority, s, NULL);
                        break;
                }
}

/* An error or a timeout before a verdict: the policy's on_error/on_timeout
 * decides (config.json's on_error when there is no policy).  An error the
 * image's content caused (err->content) also left the image unchecked:
 * the stricter of on_error and the image's on_unchecked decides it. */
static enum policy_action failure_action(const struct start *h, int code) {
        return !h->policy ? (h->cfg ? h->cfg->on_error : POLICY_ACTION_DENY)
               : code == -ETIMEDOUT ? h->policy->on_timeout : h->policy->on_error;
}

/* /proc/self/uid_map is a few lines of three numbers (user_namespaces(7)). */
#define UID_MAP_MAX 4096

/* The host uid the hook runs as, when it is not root: its euid, or the
 * host uid that uid 0 of its user namespace stands for (rootless Podman
 * runs hooks as root of the user's namespace, "0 1001 1" in uid_map:
 * tests/podman-rootless.sh); -1 for the host's root or when uid_map can't
 * be read.  Asked only on a failure's way: a start decided otherwise
 * makes no syscall more. */
static long long rootless_uid(void) {
        _cleanup_free_ char *buf = NULL;
        size_t len;
        uid_t u = geteuid();

        if (u != 0)
                return u;
        if (read_full_file("/proc/self/uid_map", UID_MAP_MAX, &buf, &len, &(struct error) {}) < 0)
                return -1;
        for (const char *line = buf; line && *line;) {
                char *end;
                unsigned long long inside = strtoull(line, &end, 10), outside;

                if (end == line)
                        return -1;
                outside = strtoull(end, &end, 10);
                if (inside == 0)
                        return outside == 0 ? -1 : (long long) outside;
                line = strchr(end, '\n');
                line = line ? line + 1 : NULL;
        }
        return -1;
}

/* A failure of a hook that runs as a user other than root (rootless
 * Podman reads the same hooks.d file: README "Rootless Podman"): it can't
 * read root's DB and cache, so config.json's rootless decides, with a line
 * that says why and what to do, never on_error's silent allow. */
static bool rootless_failure(struct start *h, char *msg, size_t size, const struct error *err) {
        long long uid = err->content || !h->o->hook ? -1 : rootless_uid();

        if (uid < 0)
                return false;
        (void) snprintf(msg, size, "the hook runs as uid %lld of the host, not root (a rootless Podman's "
                        "container), and can't check it: %s (run the container as root; or set \"rootless\": "
                        "\"allow\" in %s to start rootless containers unchecked, with this warning)", uid, err->msg,
                        h->cfg && h->cfg->path ? h->cfg->path : PORTCULLIS_CONFIG_DEFAULT);
        return true;
}

static int decide_failure(struct start *h, int code, const struct error *err) {
        bool timeout = code == -ETIMEDOUT;
        enum policy_action action = failure_action(h, code);
        const char *what = timeout ? "on_timeout" : "on_error";
        const char *where = h->policy ? policy_path(h) : h->cfg && h->cfg->path ? h->cfg->path : "the built-in config";
        struct policy_rule rule;
        bool deny;

        if (h->policy) {        /* the audit line names the mode that applies, a failure or not */
                (void) policy_select(h->policy, &h->ctx, &rule);
                h->failure_mode = policy_mode_to_string(rule.mode);
        }
        if (err->content && h->policy && action == POLICY_ACTION_ALLOW &&
            rule.on_unchecked == POLICY_UNCHECKED_DENY && rule.mode == POLICY_ENFORCE) {
                action = POLICY_ACTION_DENY;
                what = "on_unchecked";
        }
        deny = action == POLICY_ACTION_DENY;

        char msg[sizeof(err->msg) + 384];

        /* A timeout says the budget and the time it took, whatever part of
         * the start ran out (the analysis is given only what is left),
         * counted as the deadline counts it (from h->t0). */
        if (timeout && h->policy)
                (void) snprintf(msg, sizeof(msg), "%s (deadline_ms %u; %lld ms since the start)", err->msg,
                                h->policy->deadline_ms, now_ms() - h->t0);
        else if (!timeout && rootless_failure(h, msg, sizeof(msg), err)) {
                action = h->cfg ? h->cfg->rootless : POLICY_ACTION_DENY;
                deny = action == POLICY_ACTION_DENY;
                what = "rootless";
                where = h->cfg && h->cfg->path ? h->cfg->path : "the built-in config";
        } else
                (void) snprintf(msg, sizeof(msg), "%s", err->msg);
        audit(h, deny ? "deny" : "allow", msg, NULL, NULL);
        say(h, "portcullis: %s %s: %s; %s is %s in %s\n", deny ? "blocked" : "warning: not checked",
                h->name ? h->name : "container", msg, what, policy_action_to_string(action), where);
        if (strcmp(what, "rootless") == 0)
                first_said(h);
        return deny ? GATE_BLOCK : GATE_START;
}

/* on_stale_db deny: the DB is too old to say an image is clean. */
static int decide_stale(struct start *h, const struct error *err) {
        struct policy_rule rule;

        (void) policy_select(h->policy, &h->ctx, &rule);
        h->failure_mode = policy_mode_to_string(rule.mode);
        audit(h, "deny", err->msg, NULL, NULL);
        say(h, "portcullis: blocked %s: %s; on_stale_db is deny in %s\n", h->name, err->msg, policy_path(h));
        return GATE_BLOCK;
}

/* " until enforced from 2027-01-15" (after "mode warn") while
 * enforce_from is ahead (policy_select() made enforce warn), else "". */
static const char *pending_note(const struct verdict *v, char ret[80]) {
        char when[32];

        if (!v->rule.enforce_pending)
                return "";
        policy_format_time(v->rule.enforce_from, when);
        (void) snprintf(ret, 80, " until enforced from %s", when);
        return ret;
}

/* The decision is on_unchecked's: nothing counted, something was not checked. */
static int decide_unchecked(struct start *h, const struct verdict *v) {
        char pending[80];

        if (v->decision == VERDICT_DENY) {
                say(h, "portcullis: blocked %s: not checked: %s; on_unchecked is deny in policy %s\n", h->name,
                    v->unchecked, policy_path(h));
                return GATE_BLOCK;
        }
        say(h, "portcullis: warning: %s: not checked: %s; %s(on_unchecked %s%s%s, policy %s)\n", h->name,
            v->unchecked, unrecorded_blocks(h) ? "" : "starting anyway ",
            policy_unchecked_to_string(v->rule.on_unchecked), v->rule.enforce_pending ? ", mode warn" : "",
            pending_note(v, pending), policy_path(h));
        return GATE_START;
}

static int decide(struct start *h, const struct verdict *v, const struct scan_result *res) {
        struct strbuf b = {};
        char pending[80];
        int code = GATE_START;

        audit(h, verdict_decision_to_string(v->decision), h->img.stale_note, v, res);
        for (char **n = v->notes; n && *n; n++)
                say(h, "portcullis: note: %s: %s\n", h->name, *n);
        if (v->unchecked && (v->decision == VERDICT_ALLOW || v->decision == VERDICT_AUDIT || !v->unchecked_decides))
                say(h, "portcullis: note: %s: not checked: %s\n", h->name, v->unchecked);
        if (v->decision == VERDICT_ALLOW || v->decision == VERDICT_AUDIT)
                return GATE_START;
        if (v->unchecked_decides)
                return decide_unchecked(h, v);
        summarize(v, &b);
        if (v->decision == VERDICT_DENY) {
                (void) strbuf_printf(&b, "; policy %s", policy_path(h));
                where_more(h, v, &b);
                say(h, "portcullis: blocked %s: %s\n", h->name, strempty(b.s));
                code = GATE_BLOCK;
        } else {
                (void) strbuf_printf(&b, "; %s(mode warn%s, policy %s)", unrecorded_blocks(h) ? "" : "starting anyway ",
                                     pending_note(v, pending),
                                     policy_path(h));
                where_more(h, v, &b);
                say(h, "portcullis: warning: %s: %s\n", h->name, strempty(b.s));
        }
        strbuf_done(&b);
        return code;
}

/* Where every wait ends: the deadline from exec, less the exit margin. */
static long long wait_until(const struct start *h) {
        unsigned margin = h->policy->deadline_ms / 5 < GATE_EXIT_MARGIN_MS ? h->policy->deadline_ms / 5
                                                                           : GATE_EXIT_MARGIN_MS;

        return h->t0 + h->policy->deadline_ms - margin;
}

static unsigned left_ms(const struct start *h) {
        long long left = wait_until(h) - now_ms();

        return left > 0 ? (unsigned) left : 0;
}

/* The image's digest when the runtime tells it and config.json trusts it
 * (oci_image_digest()); else NULL (the inventory's digest serves).  NULL
 * too for an overlay whose upper holds the container's own changes (or
 * whose layers others could change): that is not the image the runtime
 * names, for the identity as for VEX statements about that image. */
static char *image_digest(const struct start *h, const struct image *im) {
        return h->cfg->trust_image_digest && !im->ov.refused ? oci_image_digest(im->annotations) : NULL;
}

/* The identity known before reading the rootfs, strongest first: the
 * overlay mount's layers (lib/overlay.c), else the digest the runtime names
 * (when trusted); else none yet (the inventory's digest, after the miss). */
static void find_identity(struct start *h, struct image *im) {
        if (im->ov.identity) {
                im->identity = strdup(im->ov.identity);
                im->identity_source = im->identity ? "overlay" : NULL;
                return;
        }
        /* an overlay refused (image_digest()): its inventory decides, and
         * no verdict is kept under that image */
        im->identity = image_digest(h, im);
        im->identity_source = im->identity ? "digest" : NULL;
}

static int find_result(struct start *h, struct image *im, struct scan_result **ret, struct error *err);

/* Whether the identity is a digest that stands for a rootfs the container
 * may have changed at an earlier run (oci_rootfs_reused(): no overlay, not
 * read-only, not made by a Kubernetes runtime for this start): an entry
 * under it is still served (a start that met the rule stored it), but a
 * miss is the inventory's, never stored under the image's digest, else a
 * restarted container's own package database would be every later start's
 * verdict of its image.  Asked on a miss only: nothing more is read on a
 * hit. */
static const char *reused_digest(const struct start *h, const struct image *im) {
        if (!streq_ptr(im->identity_source, "digest"))
                return NULL;
        return oci_rootfs_reused(h->oci.root_readonly, im->annotations, NULL);
}

/* The digest dropped for the inventory's identity (find_result()), the
 * audit line's identity_note saying why. */
static int forget_digest(struct image *im, const char *why, char **key) {
        if (asprintf(&im->identity_note, "%s: %s", im->identity, why) < 0) {
                im->identity_note = NULL;
                return -ENOMEM;
        }
        free(im->identity);
        free(*key);
        im->identity = *key = NULL;
        im->identity_source = NULL;
        return 0;
}

/* The digest of an image mounted into the container
 * for VEX statements about that image: the runtime names none in the
 * annotations (those name the container's image), so it is the one
 * containers/storage records for the image whose layer is mounted, with
 * trust_image_digest as for the container's; else NULL (no statement on
 * an image applies to its findings then). */
static char *mount_digest(struct start *h, const struct image *im) {
        char *digest = NULL;

        if (!h->cfg->trust_image_digest || im->ov.refused ||
            overlay_storage_image_digest(im->rootfs, &h->storage_images, &digest, &(struct error) {}) < 0)
                return NULL;
        return digest;
}

/* Says what an image mounted into the container (im, checked) added, with
 * n findings, on stderr and in the audit line's
 * notes, and where its findings are, when it has some, for the block or
 * warn line: each for the first GATE_MOUNTS_LISTED images, then counted
 * (mounts_said()), so that hundreds of mounts keep the audit line within
 * its cap and the line runc shows readable. */
static int note_mount(struct start *h, const struct image *im, size_t n, const char *digest) {
        char *note = NULL, *show = NULL;

        if (h->mounts_noted++ < GATE_MOUNTS_LISTED) {
                if (asprintf(&note, "%s (%s): %zu finding%s, identity %s (%s)%s%s%s", im->name, im->rootfs, n,
                             n == 1 ? "" : "s", strna(im->identity), strna(im->identity_source),
                             digest ? ", digest " : "", strempty(digest), digest ? " (containers/storage)" : "") < 0)
                        return -ENOMEM;
                say(h, "portcullis: note: %s: %s\n", h->name, note);
                if (strv_push(&h->mount_notes, note) < 0)
                        return -ENOMEM;
        }
        if (n == 0 || !entry_kept(im) || h->mounts_shown++ >= GATE_MOUNTS_LISTED)
                return 0;
        if (asprintf(&show, "the findings of the %s: portcullis cache show %s", im->name, im->identity) < 0)
                return -ENOMEM;
        return strv_push(&h->mount_shows, show);
}

/* After the images mounted in: how many more were checked than noted. */
static int mounts_said(struct start *h) {
        char *more = NULL;

        if (h->mounts_noted <= GATE_MOUNTS_LISTED)
                return 0;
        if (asprintf(&more, "%zu more images mounted in were checked", h->mounts_noted - GATE_MOUNTS_LISTED) < 0)
                return -ENOMEM;
        say(h, "portcullis: note: %s: %s\n", h->name, more);
        return strv_push(&h->mount_notes, more);
}

/* An image mounted into the container at dst (oci_config_image_mounts():
 * Podman's --mount type=image, CRI-O's image volumes), its files at path on
 * the host: judged as the container's own image is (its identity, the
 * cache, else its analysis, cached under its identity), and its findings
 * and unchecked items added to the container's (res), their paths under
 * dst; the policy's VEX statements are applied to them first, as to an
 * image started alone (mount_digest()), never those about the container's
 * image.  What kept it from being checked (its analysis failed, the
 * deadline came) is an unchecked item, for on_unchecked to decide, and
 * goes to *denied too, the first one whose on_error or on_timeout is deny. */
static int check_image_mount(struct start *h, const char *dst, const char *path, struct scan_result *res,
                             struct error *denied, struct error *err) {
        _cleanup_(scan_result_freep) struct scan_result *got = NULL;
        _cleanup_free_ char *name = NULL, *digest = NULL;
        struct image im = { .rootfs = path, .mounted = true };
        struct error why = {};
        int k, code = 0;

        if (scan_result_mount_name(dst, &name) < 0)
                return error_set(err, ENOMEM, "out of memory");
        im.name = name;
        if ((k = overlay_probe(path, false, NULL, &im.ov)) >= 0)
                code = find_result(h, &im, &got, &why);
        if (code < 0 && !denied->code && failure_action(h, code) == POLICY_ACTION_DENY)
                (void) error_set(denied, code, "%s (%s): %s", name, path, why.msg);
        if (k >= 0 && got && h->policy->vex) {
                digest = mount_digest(h, &im);
                k = vex_apply(h->policy->vex, digest, got, err);
        }
        if (k >= 0 && got)
                k = note_mount(h, &im, got->n_findings, digest);
        if (k >= 0)
                k = scan_result_add_mount(res, got, dst, path, why.msg[0] ? why.msg : "no result");
        image_done(&im);
        return k < 0 && !err->msg[0] ? error_set(err, -k, "out of memory") : k;
}

/* What the policy's VEX documents leave out (vex_notes(): a fixed
 * statement naming no version, statements dated ahead of the clock), said
 * on stderr and in the audit line's notes, as policy check says them: a
 * statement the author meant to count and that does not must not be
 * learnt of only by running policy check.  Once per start; the first
 * GATE_VEX_NOTES_LISTED, each cut at AUDIT_NAME_MAX bytes (a purl is up to
 * VEX_PURL_MAX), then counted, so that the audit line keeps within its cap. */
static int note_vex(struct start *h) {
        size_t more, n = 0;
        char *const *notes = vex_notes(h->policy->vex, &more);

        if (h->vex_notes)
                return 0;
        for (char *const *m = notes; m && *m; m++, n++)
                if (n < GATE_VEX_NOTES_LISTED && strv_pushf(&h->vex_notes, "VEX: %.*s%s", NAME_CUT(*m)) < 0)
                        return -ENOMEM;
        more += n > GATE_VEX_NOTES_LISTED ? n - GATE_VEX_NOTES_LISTED : 0;
        if (more > 0 && strv_pushf(&h->vex_notes, "VEX: %zu more statements left out as these are ('portcullis "
                                   "policy check %s' lists them)", more, policy_path(h)) < 0)
                return -ENOMEM;
        for (char **m = h->vex_notes; m && *m; m++)
                say(h, "portcullis: note: %s: %s\n", h->name, *m);
        return 0;
}

/* Applies the policy's VEX statements, then the policy, to findings (on a
 * hit as on a miss: the cache keeps findings, never what VEX made of
 * them, so that a changed VEX file counts at the next start).  The image
 * is named by digest only when the runtime's is trusted. */
static int evaluate(struct start *h, struct scan_result *res) {
        struct verdict v = {};
        struct error err = {}, denied = {};
        int k;

        /* the container's image's statements on its own findings, before
         * those of the images mounted in join them (check_image_mount()) */
        if (h->policy->vex) {
                _cleanup_free_ char *digest = image_digest(h, &h->img);

                if ((k = note_vex(h)) < 0)
                        return decide_failure(h, k, &(struct error) { .msg = "out of memory" });
                if ((k = vex_apply(h->policy->vex, digest, res, &err)) < 0)
                        return decide_failure(h, k, &err);
        }
        for (char **m = h->oci.image_mounts; m && m[0] && m[1]; m += 2)
                if ((k = check_image_mount(h, m[0], m[1], res, &denied, &err)) < 0)
                        return decide_failure(h, k, &err);
        if ((k = mounts_said(h)) < 0)
                return decide_failure(h, k, &(struct error) { .msg = "out of memory" });
        /* A mounted image that was not checked is an image_mount item for
         * on_unchecked; on_error (on_timeout for the deadline) decides it
         * too, the stricter of the two, as for the container's own image:
         * else a payload in a mounted image too slow to read would start
         * where the same image run alone is blocked by on_timeout deny. */
        if (denied.code < 0)
                return decide_failure(h, denied.code, &denied);
        h->ctx.no_kev_data = !h->img.db_kev;
        h->ctx.no_epss_data = !h->img.db_epss;
        k = policy_evaluate(h->policy, &h->ctx, res, &v, &err);
        if (k < 0)
                return decide_failure(h, k, &err);
        k = decide(h, &v, res);
        verdict_done(&v);
        return k;
}

static void cache_off(struct start *h, struct image *im, const struct error *err) {
        im->cache_status = "off";
        if (!im->cache_note)
                im->cache_note = strdup(err->msg);
        say(h, "portcullis: note: verdict cache not used: %s\n", err->msg);
}

/* The cache's findings for key: 1 and *ret on a hit, 0 on a miss (or when
 * the cache is unusable). */
static int try_cache(struct start *h, struct image *im, struct cache *c, const char *key, struct scan_result **ret,
                     struct error *err) {
        struct cache_entry e = {};
        int k;

        if (!c || !*strempty(im->db_revision))
                return 0;
        k = cache_get_lean(c, key, &e, err);
        if (k < 0) {
                if (k != -ENOENT)
                        cache_off(h, im, err);
                return 0;
        }
        if (e.findings_compact)
                k = report_parse_findings_compact(e.findings_compact, strlen(e.findings_compact), ret, err);
        else
                k = error_set(err, EBADMSG, "cache entry without findings; purge it (portcullis cache purge)");
        if (k >= 0)             /* the index lacked it (or was unusable): the next hit won't */
                (void) cache_index_refresh(c, &e, NULL);
        cache_entry_done(&e);
        if (k == -ESTALE)       /* written before this version kept what was not checked: analyse anew */
                return 0;
        if (k < 0)
                return k;
        im->cache_status = "hit";
        return 1;
}

static const char *db_path(const struct start *h) {
        return h->o->db ? h->o->db : h->cfg->db;
}

static void forget_revision(struct image *im) {
        free(im->db_revision);
        free(im->db_import_time);
        im->db_revision = im->db_import_time = NULL;
        im->db_time_signed = im->db_kev = im->db_epss = false;
}

static int check_db_age(struct start *h, struct image *im, struct error *err);

/* A miss analysed: the findings into the cache (when there is one),
 * as cache_store_analysis() stores them. */
static int store(struct start *h, struct image *im, struct cache *c, const char *key, const struct inventory *inv,
                 const char *inventory_json, const struct scan_result *res, const char *scan_json,
                 struct error *err) {
        struct cache_analysis a = { .key = key, .identity = im->identity, .image = im->image,
                                    .db_revision = im->db_revision, .inv = inv, .inventory_json = inventory_json,
                                    .res = res, .scan_json = scan_json };
        int keep = cache_analysis_keep(&a), k;

        im->cache_status = c ? "miss" : "off";
        /* The findings come from the DB file the child opened; 'db update'
         * may have swapped it since (or before) the revision of the key
         * was read.  Then they decide this start, as they would have a
         * moment earlier, under their own revision, and are not kept:
         * kept under the other, every later start would be served them.
         * That DB's age and KEV and EPSS data decide with them, not the
         * other's: a stale DB, or one without KEV data, that was swapped
         * for a fresh one with KEV data during the analysis was neither
         * refused by on_stale_db nor said not to be checked by block_kev.
         * A DB without a revision is never kept under one, nor looked up
         * (try_index(), try_cache()). */
        if (keep == CACHE_KEEP_NO_REVISION || keep == CACHE_KEEP_OTHER_REVISION) {
                if (!res->db_revision)  /* every such DB would share its findings */
                        say(h, "portcullis: note: %s: the vulnerability database %s has no revision; decided by it, "
                            "not cached (re-import it)\n", im->name, db_path(h));
                else
                        say(h, "portcullis: note: %s: the vulnerability database changed during the analysis "
                            "(revision %s, now %s); decided by the one analysed against, not cached\n", im->name,
                            res->db_revision, strna(im->db_revision));
                forget_revision(im);
                im->db_revision = res->db_revision ? strdup(res->db_revision) : NULL;
                im->db_import_time = res->db_time ? strdup(res->db_time) : NULL;
                im->db_time_signed = res->db_time_signed;
                im->db_kev = res->db_kev;
                im->db_epss = res->db_epss;
                im->not_kept = c != NULL;
                c = NULL;
                free(im->stale_note);
                im->stale_note = NULL;
                if ((res->db_revision && !im->db_revision) || (res->db_time && !im->db_import_time))
                        return error_set(err, ENOMEM, "out of memory");
                if ((k = check_db_age(h, im, err)) < 0)
                        return k;
        }
        /* What the node failed to read is not checked for this start, as
         * on_unchecked says (cache_analysis_keep()). */
        if (c && keep == CACHE_KEEP_TRANSIENT) {
                say(h, "portcullis: note: %s: the node ran short or failed while reading the image (see what was not "
                    "checked); decided by what was read, not cached: the next start reads it again\n", im->name);
                im->not_kept = true;
                c = NULL;
        }
        if (c) {
                cache_set_busy_timeout(c, left_ms(h));
                k = cache_store_analysis(c, &a, false, err);
                if (k == -ENOMEM)
                        return k;
                if (k < 0)
                        cache_off(h, im, err);
        }
        return 0;
}

/* The match of a miss whose identity is the inventory's, by the staged
 * child that read it (analyze_staged_start()). */
static int match_and_store(struct start *h, struct image *im, struct cache *c, const char *key,
                           struct analysis *staged, const struct inventory *inv, const char *inventory_json,
                           struct scan_result **ret, struct error *err) {
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        _cleanup_free_ char *scan_json = NULL;
        int k;

        if ((k = analyze_staged_finish(staged, inv, &res, &scan_json, err)) < 0 ||
            (k = store(h, im, c, key, inv, inventory_json, res, scan_json, err)) < 0)
                return k;
        *ret = TAKE_PTR(res);
        return 0;
}

/* How long the DB revision's memo may wait for another writer. */
#define GATE_MEMO_WAIT_MS 20

/* The memo holds "<revision> <import time>", or "<revision> <data time>
 * signed" when the DB came from signed manifests (vulndb_data_time()),
 * then " kev" and " epss" when it holds that data (block_kev and min_epss
 * can be checked). */
static int split_memo(struct image *im, const char *memo) {
        const char *sp = strchr(memo, ' '), *flags = sp ? sp + 1 + strcspn(sp + 1, " ") : NULL;

        im->db_revision = sp ? strndup(memo, (size_t) (sp - memo)) : strdup(memo);
        im->db_import_time = sp ? strndup(sp + 1, (size_t) (flags - sp - 1)) : NULL;
        im->db_time_signed = flags && strstr(flags, " signed");
        im->db_kev = flags && strstr(flags, " kev");
        im->db_epss = flags && strstr(flags, " epss");
        return im->db_revision && (!sp || im->db_import_time) ? 0 : -ENOMEM;
}

/* Device, inode, size, mtime and ctime: a file written in place with
 * its mtime put back (cp --preserve, rsync -t, touch -r) keeps the other
 * four, but no one sets a ctime.  "db2:": values that say whether the DB
 * holds KEV and EPSS data; a "db:" memo (without) is never read as "none". */
static void memo_key_of(const struct stat *st, char memo[static 160]) {
        snprintf(memo, 160, "db2:%llu:%llu:%lld:%lld.%09ld:%lld.%09ld", (unsigned long long) st->st_dev,
                 (unsigned long long) st->st_ino, (long long) st->st_size, (long long) st->st_mtim.tv_sec,
                 st->st_mtim.tv_nsec, (long long) st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

/* The memo's key for the DB file as it is now (memo_key_of()).  False
 * when it can't be stat'ed. */
static bool db_memo_key(const struct start *h, char memo[static 160]) {
        struct stat st;

        if (stat(db_path(h), &st) < 0)
                return false;
        memo_key_of(&st, memo);
        return true;
}

/* The DB opened through an fd, and *memo the key of that very file
 * (fstat), else "" (no memo is written).  A key taken from the path before
 * the open named the file there then, and the revision read was that of
 * the file there a moment later: a swap between the two (a rename back to
 * an earlier file, two files taking turns) kept one file's stat under the
 * other's revision, and every later start that saw the first file again
 * was served the second's verdicts. */
static int open_db_keyed(const char *path, struct vulndb **ret, char memo[static 160], struct error *err) {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        struct stat st;

        memo[0] = '\0';
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                closep(&fd);
                return vulndb_open(path, ret, err);     /* its message says what is wrong */
        }
        memo_key_of(&st, memo);
        return vulndb_open_fd(fd, path, ret, err);
}

/* The DB's revision and import time: from the cache's memo when this very
 * file (memo_key_of()) was seen before, else from the DB. */
static int db_revision(struct start *h, struct image *im, struct cache *c, struct error *err) {
        _cleanup_(vulndb_closep) struct vulndb *db = NULL;
        _cleanup_free_ char *value = NULL;
        const char *path = db_path(h);
        char memo[160] = "";
        int k;

        if (c && db_memo_key(h, memo)) {
                if (cache_memo_get(c, memo, &value, NULL) == 0)
                        return split_memo(im, value) < 0 ? error_set(err, ENOMEM, "out of memory") : 0;
        }
        k = open_db_keyed(path, &db, memo, err);
        if (k < 0)
                return k;
        if (asprintf(&value, "%s %s%s%s%s", strempty(vulndb_revision(db)),
                     vulndb_data_time(db) ? vulndb_data_time(db) : strempty(vulndb_import_time(db)),
                     vulndb_data_time(db) ? " signed" : "", vulndb_has_kev(db) ? " kev" : "",
                     vulndb_has_epss(db) ? " epss" : "") < 0 ||
            split_memo(im, value) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (c && memo[0]) {
                /* An accelerator: worth a moment of the budget, no more
                 * (a burst of starts after a DB update all write it). */
                cache_set_busy_timeout(c, left_ms(h) < GATE_MEMO_WAIT_MS ? left_ms(h) : GATE_MEMO_WAIT_MS);
                (void) cache_memo_put(c, memo, value, NULL);
                cache_set_busy_timeout(c, left_ms(h));
        }
        return 0;
}

/* max_db_age_hours: a DB imported longer ago is "stale"; the policy says
 * whether that blocks (-ESTALE, im->stale), or is only said (0). */
static int check_db_age(struct start *h, struct image *im, struct error *err) {
        const struct policy *p = h->policy;
        long long age_h;
        int64_t t;
        bool dated;

        if (!p->max_db_age_hours)
                return 0;
        /* not strptime()+timegm(): glibc's read /etc/localtime, at every
         * hit now that the default policy has an age */
        dated = im->db_import_time &&
                clock_parse_rfc3339(im->db_import_time, strlen(im->db_import_time), &t, NULL) >= 0;
        age_h = dated ? (long long) (time(NULL) - t) / 3600 : -1;
        if (age_h >= 0 && age_h < p->max_db_age_hours)
                return 0;
        if ((dated && age_h < 0
                     ? asprintf(&im->stale_note, "the vulnerability database's time, %s, is %lld hours ahead of this "
                                "node's clock, so its age can't be held to max_db_age_hours (%u); check the node's "
                                "clock (timedatectl), then re-import it", im->db_import_time, -age_h,
                                p->max_db_age_hours)
             : age_h >= 0 && im->db_time_signed
                     ? asprintf(&im->stale_note, "the vulnerability database's signed data is %lld hours old (its "
                                "mirror's manifest), more than max_db_age_hours (%u); run 'portcullis db update', "
                                "and check that the mirror still publishes", age_h, p->max_db_age_hours)
             : age_h >= 0 ? asprintf(&im->stale_note, "the vulnerability database was imported %lld hours ago, more "
                                   "than max_db_age_hours (%u); run 'portcullis db update'", age_h,
                                   p->max_db_age_hours)
                        : asprintf(&im->stale_note, "the vulnerability database has no import time, so its age can't "
                                   "be held to max_db_age_hours (%u); re-import it", p->max_db_age_hours)) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (p->on_stale_db == POLICY_STALE_DENY) {
                im->stale = true;
                return error_set(err, ESTALE, "%s", im->stale_note);
        }
        if (p->on_stale_db == POLICY_STALE_WARN)
                say(h, "portcullis: warning: %s: %s\n", im->name, im->stale_note);
        return 0;
}

static const char *cache_path(const struct start *h) {
        return h->o->cache ? h->o->cache : h->cfg->cache;
}

/* The hit without sqlite (verdict-index.h): the DB's revision from the
 * index's memo of the DB file as it is now, then the entry of the identity
 * known before reading the rootfs (find_identity()) at that revision: 1
 * and *ret.  Anything missing, damaged or of another cache file: the
 * sqlite path (0), which finds the same. */
static int try_index(struct start *h, struct image *im, struct scan_result **ret, struct error *err) {
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        _cleanup_(vidx_closep) struct vidx *x = NULL;
        _cleanup_free_ char *key = NULL;
        struct vidx_hit hit;
        const char *value;
        char memo[160];
        int k;

        if (!im->identity || !db_memo_key(h, memo) ||
            vidx_open(cache_path(h), vidx_shard(im->identity), &x, NULL) < 0 || vidx_memo(x, memo, &value) < 0)
                return 0;
        if (split_memo(im, value) < 0 || !*strempty(im->db_revision) ||
            cache_key(im->identity, im->db_revision, &key) < 0 ||
            vidx_lookup(x, key, &hit) < 0 || strcmp(hit.identity, im->identity) != 0 ||
            strcmp(hit.db_revision, im->db_revision) != 0 ||
            report_parse_findings_compact(hit.findings, hit.findings_len, &res, err) < 0) {
                forget_revision(im);
                return 0;
        }
        if ((k = check_db_age(h, im, err)) < 0)
                return k;
        (void) vidx_touch(x, cache_path(h), &hit, time(NULL));
        im->cache_status = "hit";
        *ret = TAKE_PTR(res);
        return 1;
}

/* The image's lock, so that a burst of starts of one image analyses it
 * once: a file named by the digest of its identity (not of the cache key:
 * the lock is taken before the DB's revision is known, analyze_early()).
 * until 0: only when free at once.  -ETIMEDOUT when another start held
 * it until then. */
static int lock_image(const struct start *h, const struct image *im, long long until, int *ret_lock,
                      struct error *err) {
        char name[65];

        sha256_hex(im->identity, strlen(im->identity), name);
        return cache_lock(h->o->lock_dir ? h->o->lock_dir : h->cfg->lock_dir, name, until, ret_lock, err);
}

/* The image's lock, waited for: -ETIMEDOUT when the wait reached the
 * deadline.  Failing to take it is only said. */
static int wait_image_lock(struct start *h, struct image *im, int *ret_lock, struct error *err) {
        struct error why = {};
        int k;

        /* An image mounted into the container takes its lock only when it
         * is free, else is analysed without it, unsaid: it is looked up
         * after the container's own image, whose lock this start may have
         * waited for already. */
        k = lock_image(h, im, im->mounted ? 0 : wait_until(h), ret_lock, &why);
        if (k < 0 && im->mounted)
                return 0;
        if (k == -ETIMEDOUT)
                return error_set(err, ETIMEDOUT, "waited for another start of the same image until the deadline");
        if (k < 0)
                say(h, "portcullis: note: analysing without the single-flight lock: %s\n", why.msg);
        return 0;
}

/* Whether the hook's own wait (what: a cache held by another process, a
 * slow DB) spent the budget before the analysis' result was read: then
 * the deadline is the node's, on_timeout's alone (-ETIMEDOUT), and not
 * taken for an analysis of the image's files that did not finish. */
static int budget_spent(struct start *h, const char *what, struct error *err) {
        if (left_ms(h) > 0)
                return 0;
        return error_set(err, ETIMEDOUT, "no decision within the deadline: it was spent on %s", strna(what));
}

/* A miss whose identity was known before the rootfs was read (overlay
 * layers, a trusted digest): under the image's lock the cache again
 * (another start may have analysed it meanwhile), else the inventory and
 * the match in one child (analyze_rootfs()), or the one analyze_early()
 * started, under the lock it took. */
static int analyze_known(struct start *h, struct image *im, struct cache *c, const char *key,
                         struct analysis **early, int *lock, struct scan_result **ret, struct error *err) {
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        _cleanup_free_ char *inventory_json = NULL, *scan_json = NULL;
        int k;

        if (!*early) {
                if ((k = wait_image_lock(h, im, lock, err)) < 0)
                        return k;
                if ((k = try_cache(h, im, c, key, ret, err)) != 0)
                        return k < 0 ? k : 0;
        }
        k = *early ? analyze_rootfs_finish(TAKE_PTR(*early), &inv, &inventory_json, &res, &scan_json, err)
                   : analyze_rootfs(im->rootfs, db_path(h), INVENTORY_PKG_ALL, left_ms(h), &inv, &inventory_json,
                                    &res, &scan_json, err);
        if (analyze_sandbox_note())
                say(h, "portcullis: note: %s\n", analyze_sandbox_note());
        if (k < 0 || (k = store(h, im, c, key, inv, inventory_json, res, scan_json, err)) < 0)
                return k;
        *ret = TAKE_PTR(res);
        return 0;
}

/* The deadline from the process's start, which /proc gives rounded down
 * to a clock tick: from the earliest it can have been, so that the
 * decision is never late.  What the audit line reports counts from the
 * latest it can have been (a tick later, or gate_run()'s start where that
 * came sooner): a duration short by at most the exec's own time, where
 * counting from the tick would add up to 10 ms to a 10 ms miss. */
static void deadline_from_exec(struct start *h) {
        if (h->o->deadline_from_exec) {
                long long exec_ms = clock_process_start_ms(), latest = exec_ms + clock_tick_ms();

                if (exec_ms < h->t0) {
                        h->t0_latest = latest < h->t0 ? latest : h->t0;
                        h->t0 = exec_ms;
                }
        }
}

/* A miss whose identity is known before the rootfs is read: when the
 * image's lock is free, it is taken and the analysis started at once,
 * while the cache is opened and looked at (about 2 ms that would otherwise
 * come first); a hit there kills it.  When the lock is held, or anything
 * fails here, analyze_known() waits for it and starts the analysis. */
static void analyze_early(struct start *h, struct image *im, struct analysis **ret, int *ret_lock) {
        int lock = -EBADF;

        if (lock_image(h, im, 0, &lock, NULL) < 0)
                return;
        if (analyze_rootfs_start(im->rootfs, db_path(h), left_ms(h), ret, NULL) < 0) {
                cache_unlock(lock);
                return;
        }
        *ret_lock = lock;
}

static void unlockp(int *lock) {
        cache_unlock(*lock);
}

/* The heap a miss takes in the hook: the cache, the child's result, the entry written (heap_populate()). */
#define MISS_HEAP ((size_t) 512 * 1024)

/* The image's scan result (0 and *ret), or why there is none (a negative
 * errno and err: -ETIMEDOUT for the deadline, im->stale when on_stale_db
 * refused the DB).  The cached path first, when the runtime names the
 * image's digest; else (or on a miss) the inventory, whose digest is the
 * identity when there is no image digest; then, under a per-image lock so
 * that a burst of starts of one image analyses it once, the cache again,
 * else the match (started before the cache was opened when the identity
 * was known: analyze_early()).  A digest that may stand for the
 * container's own changes (reused_digest()) is looked up, then left for
 * the inventory's identity. */
static int find_result(struct start *h, struct image *im, struct scan_result **ret, struct error *err) {
        _cleanup_(cache_closep) struct cache *c = NULL;
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        _cleanup_(analyze_cancelp) struct analysis *early = NULL, *staged = NULL;
        _cleanup_(unlockp) int lock = -EBADF;
        _cleanup_free_ char *inventory_json = NULL, *key = NULL;
        struct error staged_err = {};
        const char *reused;
        int k, staged_k = 0;

        find_identity(h, im);
        if ((k = try_index(h, im, ret, err)) != 0)
                return k < 0 ? k : 0;
        reused = reused_digest(h, im);
        /* Past the index, a start is nearly always a miss: its deadline
         * counts from the exec (the /proc read does not show on a hit).
         * The analysis starts now, while the cache is opened: the whole
         * of it when the identity is known, else the staged child, whose
         * inventory is the identity. */
        deadline_from_exec(h);
        if (im->identity && !reused)
                analyze_early(h, im, &early, &lock);
        else
                staged_k = analyze_staged_start(im->rootfs, db_path(h), left_ms(h), &staged, &staged_err);
        heap_populate(MISS_HEAP);

        /* No quick_check here: it reads the whole file (15 ms at 1,000
         * entries); gross damage is still caught at open, the rest shows as
         * errors (cache "off") until 'portcullis cache gc' reopens it fully.
         * A busy cache is waited for within the budget. */
        if (cache_open_until(cache_path(h), CACHE_OPEN_NO_QUICK_CHECK | CACHE_OPEN_RECOVER,
                             wait_until(h), &c, NULL, err) < 0)
                cache_off(h, im, err);
        if ((k = budget_spent(h, c ? "opening the verdict cache" : im->cache_note, err)) < 0 ||
            (k = db_revision(h, im, c, err)) < 0 ||
            (k = budget_spent(h, "reading the database's revision", err)) < 0 ||
            (k = check_db_age(h, im, err)) < 0)
                return k;
        if (im->identity && cache_key(im->identity, im->db_revision, &key) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (key && (k = try_cache(h, im, c, key, ret, err)) != 0)
                return k < 0 ? k : 0;   /* an early analysis is killed */
        if (reused && forget_digest(im, reused, &key) < 0)
                return error_set(err, ENOMEM, "out of memory");

        if (key)
                return analyze_known(h, im, c, key, &early, &lock, ret, err);
        if ((k = staged_k) < 0)
                *err = staged_err;
        else
                k = analyze_staged_inventory(staged, &inv, &inventory_json, err);
        if (analyze_sandbox_note())     /* a kernel without seccomp filters: say the cage is weaker */
                say(h, "portcullis: note: %s\n", analyze_sandbox_note());
        if (k < 0)
                return k;
        if (!im->identity && analyze_inventory_identity(inventory_json, &im->identity) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (!im->identity_source)
                im->identity_source = "inventory";
        if (cache_key(im->identity, im->db_revision, &key) < 0)
                return error_set(err, ENOMEM, "out of memory");

        if ((k = wait_image_lock(h, im, &lock, err)) < 0 ||
            (k = try_cache(h, im, c, key, ret, err)) != 0)  /* a hit: the staged child is killed */
                return k < 0 ? k : 0;
        return match_and_store(h, im, c, key, TAKE_PTR(staged), inv, inventory_json, ret, err);
}

/* The state read and parsed: parsed once when it came whole. */
static int load_state(struct start *h, long long deadline, struct error *err) {
        _cleanup_free_ char *buf = NULL;
        json_auto_t *j = NULL;
        size_t len = 0;
        int k;

        if ((k = read_state(h, deadline, &buf, &len, &j, err)) < 0)
                return k;
        return j ? oci_state_from_json(j, &h->state, err) : oci_state_parse(buf, len, &h->state, err);
}

static int run(struct start *h) {
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        struct error err = {};
        int k;

        if ((k = load_settings(h, &err)) < 0) {
                /* Blocked (on_error) all the same, but by name: the state
                 * and the bundle read within the built-in deadline, so
                 * that the line and the audit record say which container
                 * (and, when config.json trusts annotations, which image)
                 * the broken settings blocked. */
                if (load_state(h, h->t0 + POLICY_DEADLINE_DEFAULT_MS - GATE_EXIT_MARGIN_MS, &(struct error) {}) >= 0)
                        (void) oci_config_load(h->state.bundle, &h->oci, &(struct error) {});
                set_name(h);
                return decide_failure(h, k, &err);
        }
        if ((k = load_state(h, wait_until(h), &err)) < 0 ||
            (k = oci_config_load(h->state.bundle, &h->oci, &err)) < 0 ||
            (k = merge_annotations(h)) < 0 ||
            (k = overlay_probe(h->oci.rootfs,
                               !annotations_trusted(h) || !oci_image_name(h->state.annotations, h->oci.annotations),
                               h->state.id, &h->img.ov)) < 0) {
                if (k == -ENOMEM)
                        error_set(&err, ENOMEM, "out of memory");
                set_name(h);
                return decide_failure(h, k, &err);
        }
        set_name(h);
        h->img.name = h->name;
        h->img.rootfs = h->oci.rootfs;
        h->img.annotations = h->annotations;
        h->img.image = h->ctx.image;
        if ((k = find_result(h, &h->img, &res, &err)) < 0)
                return h->img.stale ? decide_stale(h, &err) : decide_failure(h, k, &err);
        return evaluate(h, res);
}

void gate_run(const struct gate_options *o, int state_fd, struct gate_result *ret) {
        long long t0 = now_ms();
        struct start h = { .t0 = t0, .t0_latest = t0, .o = o, .state_fd = state_fd, .syslog_fd = -EBADF };

        ret->exit_code = check_recorded(&h, run(&h));
        journal_messages(&h);
        closep(&h.syslog_fd);
        free(h.syslog_note);
        free(h.audit_lost);
        ret->messages = TAKE_PTR(h.messages);
        ret->audit_line = TAKE_PTR(h.audit_line);
        policy_free(h.policy);
        config_free(h.cfg);
        oci_state_done(&h.state);
        oci_config_done(&h.oci);
        strv_free(h.annotations);
        image_done(&h.img);
        free(h.name_owned);
        strv_free(h.mount_notes);
        strv_free(h.vex_notes);
        strv_free(h.mount_shows);
        storage_images_free(h.storage_images);
}

void gate_result_done(struct gate_result *r) {
        strv_free(r->messages);
        free(r->audit_line);
        *r = (struct gate_result) {};
}
