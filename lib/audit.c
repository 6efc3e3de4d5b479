/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "base/jsonutil.h"
#include "base/strutil.h"

/* Civil date of a day count since 1970-01-01 (the proleptic Gregorian
 * calendar; H. Hinnant's days_from_civil inverse, public domain
 * arithmetic): gmtime_r() would have glibc read /etc/localtime first
 * (tzset), a file open per decision for a time printed in UTC anyway. */
static void civil_from_days(long long z, long long *y, unsigned *m, unsigned *d) {
        long long era, yoe, doy, mp;

        z += 719468;
        era = (z >= 0 ? z : z - 146096) / 146097;
        yoe = z - era * 146097;
        yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
        doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
        mp = (5 * doy + 2) / 153;
        *d = (unsigned) (doy - (153 * mp + 2) / 5 + 1);
        *m = (unsigned) (mp < 10 ? mp + 3 : mp - 9);
        *y = yoe + era * 400 + (*m <= 2);
}

static void now_rfc3339(char buf[40]) {
        struct timeval tv;
        long long days, secs, y;
        unsigned m, d;

        gettimeofday(&tv, NULL);
        days = (long long) tv.tv_sec / 86400;
        secs = (long long) tv.tv_sec % 86400;
        if (secs < 0) {
                secs += 86400;
                days--;
        }
        civil_from_days(days, &y, &m, &d);
        snprintf(buf, 40, "%04d-%02u-%02uT%02u:%02u:%02u.%03uZ", (int) (y % 100000), m % 100, d % 100,
                 (unsigned) (secs / 3600), (unsigned) (secs / 60 % 60), (unsigned) (secs % 60),
                 (unsigned) (tv.tv_usec / 1000) % 1000);
}

static json_t *counts_json(const size_t *counts) {
        json_t *o;

        if (!counts)
                return json_null();
        o = json_object();
        for (int s = _SEVERITY_MAX - 1; s >= 0; s--)
                json_object_set_new(o, severity_to_string(s), json_integer((json_int_t) counts[s]));
        return o;
}

/* Every finding of the scan, as the scan's summary (Harbor's: per severity,
 * total, fixable), and how many packages were not checked. */
static json_t *summary_json(const struct audit_record *r) {
        json_t *o = counts_json(r->all_counts);
        size_t total = 0;

        if (!r->all_counts)
                return o;
        for (int s = 0; s < _SEVERITY_MAX; s++)
                total += r->all_counts[s];
        json_object_set_new(o, "total", json_integer((json_int_t) total));
        json_object_set_new(o, "fixable", json_integer((json_int_t) r->fixable));
        json_object_set_new(o, "not_checked", json_integer((json_int_t) r->not_checked));
        json_object_set_new(o, "suppressed", json_integer((json_int_t) r->suppressed));
        json_object_set_new(o, "allowlisted", json_integer((json_int_t) r->allowlisted));
        return o;
}

/* A name the runtime or the tenant gave (container id, image and namespace
 * from annotations), cut at AUDIT_NAME_MAX bytes with a mark: a name of
 * 70,000 bytes must not make the line too long to be recorded at all. */
static json_t *name_json(const char *s) {
        _cleanup_free_ char *cut = NULL;
        size_t n = s ? strlen(s) : 0;

        if (n <= AUDIT_NAME_MAX)
                return json_str_or_null(s);
        if (asprintf(&cut, "%.*s...(%zu bytes cut)", (int) AUDIT_NAME_MAX, s, n - AUDIT_NAME_MAX) < 0)
                return NULL;
        return json_str_or_null(cut);   /* a sequence cut in two becomes '?' */
}

/* root (taken) as one compact line. */
static int line_of(json_t *root, char **ret, struct error *err) {
        if (!root)
                return error_set(err, ENOMEM, "format the audit line");
        *ret = json_dumps_escaped(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(root);
        return *ret ? 0 : error_set(err, ENOMEM, "format the audit line");
}

int audit_format(const struct audit_record *r, char **ret, struct error *err) {
        json_t *counts = counts_json(r->counts), *root;
        char ts[40];

        now_rfc3339(ts);
        root = json_pack("{s:s, s:o, s:o, s:o, s:b, s:I, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
                         "s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I}",
                         "time", ts,
                         "container", name_json(strempty(r->container)),
                         "containerd_namespace", name_json(r->containerd_namespace),
                         "image", name_json(r->image),
                         "image_changed", (int) r->image_changed,
                         "image_mounts", (json_int_t) r->image_mounts,
                         "namespace", name_json(r->namespace),
                         "mode", json_str_or_null(r->mode),
                         "enforce_from", json_str_or_null(r->enforce_from),
                         "scope", json_str_or_null(r->scope),
                         "decision", r->decision,
                         "reason", json_str_or_null(r->reason),
                         "threshold", json_str_or_null(r->threshold),
                         "counts", counts,
                         "summary", summary_json(r),
                         "unchecked", json_str_or_null(r->unchecked),
                         "worst", json_strv(r->worst),
                         "notes", json_strv(r->notes),
                         "vex", json_strv(r->vex),
                         "db_revision", json_str_or_null(r->db_revision),
                         "db_time", json_str_or_null(r->db_time),
                         "identity", json_str_or_null(r->identity),
                         "identity_source", json_str_or_null(r->identity_source),
                         "identity_note", json_str_or_null(r->identity_note),
                         "cache", json_str_or_null(r->cache),
                         "policy", json_str_or_null(r->policy),
                         "duration_ms", (json_int_t) r->duration_ms);
        return line_of(root, ret, err);
}

/* The n bytes a short write left at the log's end (a full disk) cut off
 * again, while no other line came after them: torn, the next start's
 * line would be glued to them, and report and metrics would lose both as
 * one line that is not an audit record. */
static void cut_torn(int fd, size_t n) {
        off_t end = lseek(fd, 0, SEEK_CUR);
        struct stat st;

        if (end >= (off_t) n && fstat(fd, &st) == 0 && st.st_size == end)
                (void) ftruncate(fd, end - (off_t) n);
}

int audit_append(const char *file, const char *line, struct error *err) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t n = strlen(line);
        ssize_t w;

        if (n >= AUDIT_LINE_MAX)
                return error_set(err, EMSGSIZE, "audit line longer than %zu bytes", AUDIT_LINE_MAX);
        buf = malloc(n + 1);
        if (!buf)
                return error_set(err, ENOMEM, "out of memory");
        memcpy(buf, line, n);
        buf[n] = '\n';
        /* O_NONBLOCK: a FIFO whose reader (a log shipper) is gone must not
         * hang every start (open(2) waits for a reader, write(2) for room);
         * it is a line not recorded, which on_audit_failure decides. */
        fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0600);
        if (fd < 0 && errno == ENXIO)
                return error_set_errno(err, errno, "open audit log %s: a FIFO no one reads; start its reader, or "
                                       "set \"log\": {\"file\"} in config.json to a file", file);
        if (fd < 0)
                return error_set_errno(err, errno, "open audit log %s (is its folder there and writable?)", file);
        /* One write with O_APPEND: concurrent hooks never interleave inside
         * a line. */
        w = write(fd, buf, n + 1);
        if (w < 0 && errno == EAGAIN)   /* only a FIFO (O_NONBLOCK): a file never says it */
                return error_set_errno(err, errno, "write audit log %s: a FIFO whose reader is not reading (its "
                                       "pipe is full); see why its reader stalled, or set \"log\": {\"file\"} in "
                                       "config.json to a file", file);
        if (w < 0)
                return error_set_errno(err, errno, "write audit log %s", file);
        if ((size_t) w != n + 1) {
                cut_torn(fd, (size_t) w);
                return error_set(err, EIO, "write audit log %s: short write (disk full?)", file);
        }
        return 0;
}

int audit_syslog_open(const char *path, int *ret_fd, struct error *err) {
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        if (strlen(path) >= sizeof(sa.sun_path))
                return error_set(err, ENAMETOOLONG, "syslog socket path %s is too long", path);
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return error_set_errno(err, errno, "syslog: socket");
        if (connect(fd, (const struct sockaddr *) &sa, sizeof(sa)) < 0)
                return error_set_errno(err, errno, "no syslog socket at %s", path);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int audit_syslog_send(int fd, int priority, const char *msg, struct error *err) {
        _cleanup_free_ char *buf = NULL;
        time_t t = time(NULL);
        char stamp[32] = "";
        struct tm tm;
        int n;

        /* "Mmm dd hh:mm:ss": the C locale's names (the hook never sets a locale). */
        if (localtime_r(&t, &tm))
                (void) strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
        n = asprintf(&buf, "<%d>%s portcullis[%ld]: %s", LOG_AUTHPRIV | priority, stamp, (long) getpid(), msg);
        if (n < 0)
                return error_set(err, ENOMEM, "syslog: out of memory");
        /* Never wait for a stalled journal: a start must not hang on its log. */
        if (send(fd, buf, (size_t) n, MSG_DONTWAIT | MSG_NOSIGNAL) != n)
                return error_set_errno(err, errno, "syslog: send");
        return 0;
}

int audit_now_violates_format(const struct audit_now_violates *r, char **ret, struct error *err) {
        json_t *root;
        char ts[40];

        now_rfc3339(ts);
        root = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o}",
                         "time", ts,
                         "event", "now_violates",
                         "container", name_json(strempty(r->container)),
                         "containerd_namespace", name_json(r->containerd_namespace),
                         "image", name_json(r->image),
                         "namespace", name_json(r->namespace),
                         "mode", json_str_or_null(r->mode),
                         "scope", json_str_or_null(r->scope),
                         "verdict", strempty(r->verdict),
                         "previous_verdict", json_str_or_null(r->previous_verdict),
                         "counts", counts_json(r->counts),
                         "findings", json_strv(r->findings),
                         "findings_more", (json_int_t) r->findings_more,
                         "identity", json_str_or_null(r->identity),
                         "identity_source", json_str_or_null(r->identity_source),
                         "db_revision", json_str_or_null(r->db_revision),
                         "previous_db_revision", json_str_or_null(r->previous_db_revision),
                         "policy", json_str_or_null(r->policy));
        return line_of(root, ret, err);
}

int audit_cache_filled_format(const struct audit_cache_filled *r, char **ret, struct error *err) {
        json_t *root;
        char ts[40];

        now_rfc3339(ts);
        root = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:I}",
                         "time", ts,
                         "event", "cache_filled",
                         "container", name_json(strempty(r->container)),
                         "containerd_namespace", name_json(r->containerd_namespace),
                         "image", name_json(r->image),
                         "namespace", name_json(r->namespace),
                         "identity", json_str_or_null(r->identity),
                         "identity_source", json_str_or_null(r->identity_source),
                         "db_revision", json_str_or_null(r->db_revision),
                         "packages", (json_int_t) r->packages,
                         "findings", (json_int_t) r->findings,
                         "duration_ms", (json_int_t) r->duration_ms,
                         "deadline_ms", (json_int_t) r->deadline_ms);
        return line_of(root, ret, err);
}

int audit_emit(const char *file, bool use_syslog, const char *syslog_socket, const char *line, struct error *err) {
        _cleanup_close_ int fd = -EBADF;
        struct error ferr = {}, serr = {};
        bool file_ok = false;

        if (file)
                file_ok = audit_append(file, line, &ferr) >= 0;
        if (!use_syslog && (file_ok || !file))
                return 0;
        if (audit_syslog_open(syslog_socket ? syslog_socket : AUDIT_SYSLOG_SOCKET_DEFAULT, &fd, &serr) >= 0 &&
            audit_syslog_send(fd, LOG_WARNING, line, &serr) >= 0)
                return 0;
        if (file_ok)    /* the file has it; the journal's absence is the caller's to say */
                return error_set(err, ENOTCONN, "%s", serr.msg);
        return error_set(err, EIO, "%s%s%s", file ? ferr.msg : "", file ? "; " : "", serr.msg);
}
