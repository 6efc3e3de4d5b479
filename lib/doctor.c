/* SPDX-License-Identifier: Apache-2.0 */
/* portcullis doctor's checks, one function each, run in the order a
 * container start meets the parts: who calls the hook (the runtimes'
 * configuration), the hook and the shim, the config and policy the hook
 * loads, the DB it matches against, the cache and lock folders it writes,
 * the audit log, the sandbox of its analysis, and finally the gate itself
 * on a tiny bundle (a dry run, as `portcullis check` does). */
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyze.h"
#include "audit.h"
#include "base/clock.h"
#include "base/fileio.h"
#include "base/strutil.h"
#include "cache.h"
#include "config.h"
#include "doctor.h"
#include "ecosystem.h"
#include "gate.h"
#include "install.h"
#include "match.h"
#include "policy.h"
#include "running.h"
#include "sandbox.h"
#include "severity.h"
#include "update.h"
#include "update-internal.h"
#include "vulndb.h"

#define HOOKS_D_FILE_MAX ((size_t) 64 * 1024)
#define CONTAINERD_DROPIN "/etc/containerd/conf.d/portcullis.toml"
#define CONTAINERD_CONFIG "/etc/containerd/config.toml"
#define CONTAINERD_RUNTIME_TYPE "io.containerd.portcullis.v2"
#define RUNC_RUNTIME_TYPE "io.containerd.runc.v2"
#define SHIM_NAME "containerd-shim-portcullis-v2"
#define DOCKER_CONFIG_MAX ((size_t) 1024 * 1024)
/* How long the probe children may take: a trivial job, but on a loaded node. */
#define DOCTOR_PROBE_DEADLINE_MS 10000u

static const char *const status_names[_DOCTOR_STATUS_MAX] = { "ok", "skip", "warn", "fail" };

const char *doctor_status_to_string(enum doctor_status s) {
        return s >= 0 && s < _DOCTOR_STATUS_MAX ? status_names[s] : NULL;
}

struct doctor {
        const struct doctor_options *o;
        struct config *cfg;             /* the config read, or the defaults when it could not be */
        struct policy *policy;          /* NULL when it does not load */
        bool config_ok, policy_ok, db_ok;
        bool db_fresh;                  /* younger than a max_db_age_hours that is not 0 (check_db()) */
        bool containerd_configured, hooks_configured;
        char *config_path;              /* the config.json read (or absent) */
        char *tmp;                      /* the probe's temporary folder */
        struct error rooted_err;        /* why the last rooted() gave NULL, when not out of memory */
};

/* Where a host path is from here: under --root, resolved as the host
 * resolves it once that root is its / (install_host_path(): a symbolic
 * link on the way, or the file's own, taken from the root, never from
 * this system's /), so that the checks look at what the runtimes and the
 * hook will use.  NULL when out of memory, or when the path can't be
 * resolved there (a link to what does not exist under the root, a loop):
 * d->rooted_err then says why, and rooted_failed() makes it the row. */
static char *rooted_at(struct doctor *d, const char *path, bool follow) {
        _cleanup_free_ char *abs = NULL;
        char *s = NULL;

        error_clear(&d->rooted_err);
        if (!path || asprintf(&abs, "%s%s", path[0] == '/' ? "" : "/", path) < 0)
                return NULL;
        if (install_host_path(d->o->root, abs, follow, &s, &d->rooted_err) < 0) {
                if (d->rooted_err.code == -ENOMEM)
                        error_clear(&d->rooted_err);
                return NULL;
        }
        return s;
}

static char *rooted(struct doctor *d, const char *path) {
        return rooted_at(d, path, true);
}

/* Sets a check's outcome; fix NULL when there is nothing to do. */
_printf_(4, 5) static int result(struct doctor_check *c, enum doctor_status s, const char *fix, const char *fmt,
                                 ...) {
        va_list ap;
        int n;

        free(c->detail);
        free(c->fix);
        c->fix = NULL;
        va_start(ap, fmt);
        n = vasprintf(&c->detail, fmt, ap);
        va_end(ap);
        if (n < 0 || (fix && !(c->fix = strdup(fix)))) {
                c->detail = NULL;
                return -ENOMEM;
        }
        c->status = s;
        return 0;
}

/* The row for a path rooted() could not resolve; -ENOMEM when it was
 * out of memory. */
static int rooted_failed(struct doctor *d, struct doctor_check *c) {
        if (!d->rooted_err.code)
                return -ENOMEM;
        return result(c, DOCTOR_FAIL, "fix the symbolic link (the host resolves an absolute one from its own /), "
                      "or the path", "%s", d->rooted_err.msg);
}

/* asprintf() that returns the string, or NULL. */
_printf_(1, 2) static char *fmt(const char *f, ...) {
        va_list ap;
        char *s = NULL;

        va_start(ap, f);
        if (vasprintf(&s, f, ap) < 0)
                s = NULL;
        va_end(ap);
        return s;
}

/* ---- executables ------------------------------------------------------------ */

/* The ELF identity the kernel checks before it runs a file: class, byte
 * order (e_ident[4], [5]) and e_machine (bytes 18 and 19, in that order). */
static bool elf_ident(const unsigned char *h, size_t n, unsigned char ret[4]) {
        if (n < 20 || memcmp(h, "\177ELF", 4) != 0)
                return false;
        ret[0] = h[4];
        ret[1] = h[5];
        ret[2] = h[18];
        ret[3] = h[19];
        return true;
}

/* Whether execve(2) can run the file on this machine: an ELF for this
 * machine's class, byte order and processor (ours, /proc/self/exe, is), or a
 * "#!" script.  Anything else fails with ENOEXEC in the runtime ("exec
 * format error"), and the runtime then refuses every start: *ret_why says
 * what the file is.  True when the file can't be read (stat() said enough). */
static bool exec_format_ok(const char *path, char **ret_why) {
        unsigned char h[20], self[20], want[4], have[4];
        ssize_t n, m;
        int fd;

        *ret_why = NULL;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return true;
        n = read(fd, h, sizeof(h));
        close(fd);
        if (n < 0)
                return true;
        if (n >= 2 && h[0] == '#' && h[1] == '!')
                return true;
        fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        m = fd < 0 ? -1 : read(fd, self, sizeof(self));
        if (fd >= 0)
                close(fd);
        if (!elf_ident(h, (size_t) n, have)) {
                *ret_why = fmt("%s is neither an ELF executable nor a \"#!\" script: exec format error", path);
                return false;
        }
        if (m < 0 || !elf_ident(self, (size_t) m, want) || memcmp(want, have, sizeof(want)) == 0)
                return true;
        *ret_why = fmt("%s is an ELF executable for another machine (class %u, byte order %u, e_machine bytes "
                       "%02x %02x; this machine's are %u, %u, %02x %02x): exec format error", path, have[0], have[1],
                       have[2], have[3], want[0], want[1], want[2], want[3]);
        return false;
}

/* A program the runtime runs as root: a regular file, executable, one this
 * machine can run, and changeable by root only (else whoever can write it
 * runs code as root at every container start).  Returns the status and
 * fills why/fix. */
static enum doctor_status executable_status(const char *path, char **ret_why, char **ret_fix) {
        struct stat st;

        if (stat(path, &st) < 0) {
                *ret_why = fmt("%s: %s", path, strerror(errno));
                *ret_fix = fmt("install portcullis there (meson install, the package, or 'portcullis install "
                               "RUNTIME --binaries')");
                return DOCTOR_FAIL;
        }
        if (!S_ISREG(st.st_mode)) {
                *ret_why = fmt("%s is not a regular file", path);
                *ret_fix = fmt("remove %s and reinstall portcullis", path);
                return DOCTOR_FAIL;
        }
        if (!(st.st_mode & 0111)) {
                *ret_why = fmt("%s is not executable (mode %04o)", path, (unsigned) (st.st_mode & 07777));
                *ret_fix = fmt("chmod 0755 %s", path);
                return DOCTOR_FAIL;
        }
        if (!exec_format_ok(path, ret_why)) {
                *ret_fix = fmt("install portcullis for this machine there again (meson install, the package, or "
                               "'portcullis install RUNTIME --binaries')");
                return DOCTOR_FAIL;
        }
        if (st.st_uid != 0 || (st.st_mode & 022)) {
                *ret_why = fmt("%s is executable, but owned by uid %u with mode %04o: someone other than root "
                               "can change what runs as root at every start", path, (unsigned) st.st_uid,
                               (unsigned) (st.st_mode & 07777));
                *ret_fix = fmt("chown root:root %s && chmod 0755 %s", path, path);
                return DOCTOR_WARN;
        }
        *ret_why = fmt("%s (mode %04o)", path, (unsigned) (st.st_mode & 07777));
        *ret_fix = NULL;
        return DOCTOR_OK;
}

static int check_executable(struct doctor_check *c, const char *path, const char *missing_note) {
        _cleanup_free_ char *why = NULL, *fix = NULL;
        enum doctor_status s = executable_status(path, &why, &fix);

        if (!why)
                return -ENOMEM;
        /* The shim is for containerd alone: not having it is worth a word, no more. */
        if (s == DOCTOR_FAIL && missing_note && access(path, F_OK) < 0)
                s = DOCTOR_WARN;
        return result(c, s, fix, "%s%s%s", why, s == DOCTOR_WARN && missing_note ? "; " : "",
                      s == DOCTOR_WARN && missing_note ? missing_note : "");
}

/* ---- the runtimes ------------------------------------------------------------- */

static const char *const bin_dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin" };

/* Whether a program of that name is in one of the usual bin folders under root. */
static bool program_present(struct doctor *d, const char *name, char **ret_path) {
        for (size_t i = 0; i < ELEMENTSOF(bin_dirs); i++) {
                _cleanup_free_ char *host = fmt("%s/%s", bin_dirs[i], name);
                _cleanup_free_ char *p = rooted(d, host);

                if (p && access(p, X_OK) == 0) {
                        if (ret_path)
                                *ret_path = TAKE_PTR(p);
                        return true;
                }
        }
        return false;
}

/* containerd finds the shim on its PATH: this build's bindir or a usual folder. */
static bool shim_present(struct doctor *d, char **ret_path) {
        _cleanup_free_ char *p = rooted(d, d->o->shim);

        if (p && access(p, X_OK) == 0) {
                *ret_path = TAKE_PTR(p);
                return true;
        }
        return program_present(d, SHIM_NAME, ret_path);
}

/* The runc wrapper the shim puts first in the real shim's PATH, where this
 * build installs it or where `install --binaries` copies it. */
static bool runc_wrapper_present(struct doctor *d, char **ret_path) {
        const char *const at[] = { d->o->runc_wrapper, INSTALL_BINARIES_LIBEXECDIR "/runc/runc" };

        for (size_t i = 0; i < ELEMENTSOF(at); i++) {
                _cleanup_free_ char *p = at[i] ? rooted(d, at[i]) : NULL;

                if (p && access(p, X_OK) == 0) {
                        *ret_path = TAKE_PTR(p);
                        return true;
                }
        }
        return false;
}

/* Whether path (a host path) is the runc wrapper, as runc_wrapper_present()
 * finds it: the same file. */
static bool names_wrapper(struct doctor *d, const char *path) {
        _cleanup_free_ char *wrapper = NULL, *p = path && path[0] == '/' ? rooted(d, path) : NULL;
        struct stat a, b;

        return p && runc_wrapper_present(d, &wrapper) && stat(p, &a) == 0 && stat(wrapper, &b) == 0 &&
               a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static bool path_exists(struct doctor *d, const char *host_path) {
        _cleanup_free_ char *p = rooted(d, host_path);

        return p && access(p, F_OK) == 0;
}

static int read_containerd_config(const char *path, struct containerd_config *ret, struct error *err) {
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r;

        r = read_full_file(path, CONTAINERD_CONFIG_MAX, &buf, &len, err);
        if (r < 0)
                return r;
        r = containerd_config_parse(buf, len, ret, err);
        return r < 0 ? error_wrap(err, "%s", path) : 0;
}

/* containerd reads an imported file when an entry of config.toml's
 * top-level imports names it (a glob, or relative to config.toml's folder). */
static bool imports_name(char *const *imports, const char *file) {
        for (char *const *i = imports; i && *i; i++) {
                _cleanup_free_ char *abs = (*i)[0] == '/' ? strdup(*i) : fmt("/etc/containerd/%s", *i);

                if (abs && fnmatch(abs, file, FNM_PATHNAME) == 0)
                        return true;
        }
        return false;
}

/* Whether config.toml's disabled_plugins turns the CRI plugin off (by its
 * id, or its version 1 name). */
static bool cri_disabled(const struct containerd_config *mc) {
        return strv_contains(mc->disabled_plugins, "io.containerd.grpc.v1.cri") ||
               strv_contains(mc->disabled_plugins, "cri") ||
               strv_contains(mc->disabled_plugins, "io.containerd.cri.v1.runtime");
}

/* Runtime portcullis is CRI's default runtime (in either file), or pods
 * choose it by a RuntimeClass: those that name none start unchecked, as
 * Docker's containers without --runtime do (check_docker()). */
static bool is_default(const struct containerd_config *dc, const struct containerd_config *mc) {
        return dc->default_runtime || mc->default_runtime;
}

static enum doctor_status default_status(const struct containerd_config *dc, const struct containerd_config *mc) {
        return is_default(dc, mc) ? DOCTOR_OK : DOCTOR_WARN;
}

static const char *default_fix(const struct containerd_config *dc, const struct containerd_config *mc) {
        return is_default(dc, mc) ? NULL : "portcullis install containerd --default-runtime, or see that every pod "
                                           "names RuntimeClass portcullis (runtimeClassName; an admission policy)";
}

static const char *default_note(const struct containerd_config *dc, const struct containerd_config *mc) {
        return is_default(dc, mc) ? "; the default runtime"
                                  : "; not the default runtime: only pods whose RuntimeClass handler is portcullis "
                                    "are gated";
}

/* The drop-in (or config.toml itself) names runtime portcullis with our
 * runtime_type; config.toml imports the drop-in; the shim is on a PATH
 * folder containerd searches. */
static int check_containerd(struct doctor *d, struct doctor_check *c) {
        _cleanup_free_ char *dropin = rooted(d, CONTAINERD_DROPIN), *main_cfg = rooted(d, CONTAINERD_CONFIG);
        _cleanup_free_ char *shim = NULL, *wrapper = NULL;
        struct containerd_config dc = {}, mc = {};
        const struct containerd_config *where;
        bool present = program_present(d, "containerd", NULL) || path_exists(d, "/etc/containerd");
        bool have_dropin, have_main;
        struct error err = {};
        int r = 0;

        if (!dropin || !main_cfg)
                return rooted_failed(d, c);
        have_dropin = access(dropin, F_OK) == 0;
        have_main = access(main_cfg, F_OK) == 0;
        if (have_dropin && read_containerd_config(dropin, &dc, &err) < 0)
                return result(c, DOCTOR_FAIL, "fix the file, or run 'portcullis install containerd' again",
                              "%s", err.msg);
        if (have_main && read_containerd_config(main_cfg, &mc, &err) < 0) {
                containerd_config_done(&dc);
                return result(c, DOCTOR_FAIL, "fix the file (containerd itself reads it)", "%s", err.msg);
        }
        where = dc.has_runtime ? &dc : mc.has_runtime ? &mc : NULL;
        if (!where && (dc.misplaced_table || mc.misplaced_table))
                r = result(c, DOCTOR_FAIL, "portcullis install containerd (its table is "
                           "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.portcullis] in config version "
                           "2, [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.portcullis] in version 3)",
                           "%s: the table [%s] is not the CRI plugin's for the file's config version, so containerd "
                           "runs no pod with it", dc.misplaced_table ? dropin : main_cfg,
                           dc.misplaced_table ? dc.misplaced_table : mc.misplaced_table);
        else if (where && cri_disabled(&mc))
                r = result(c, DOCTOR_FAIL, "take the CRI plugin out of disabled_plugins in " CONTAINERD_CONFIG ", or "
                           "gate containerd's other clients (Docker: portcullis install docker)",
                           "%s: disabled_plugins holds the CRI plugin, so runtime 'portcullis' is no pod's, and "
                           "ctr, nerdctl and Docker choose their own runtime", main_cfg);
        else if (!where)
                r = present ? result(c, DOCTOR_WARN, "portcullis install containerd",
                                     "containerd is installed, but no runtime 'portcullis' is configured (%s "
                                     "absent, none in %s)", dropin, main_cfg)
                            : result(c, DOCTOR_SKIP, NULL, "containerd is not present on this node");
        else if (streq_ptr(where->runtime_type, RUNC_RUNTIME_TYPE) && names_wrapper(d, where->binary_name)) {
                /* containerd's own runc shim, running our wrapper as its runc */
                d->containerd_configured = true;
                r = result(c, default_status(&dc, &mc), default_fix(&dc, &mc),
                           "runtime 'portcullis' (" RUNC_RUNTIME_TYPE ", BinaryName the runc "
                           "wrapper %s) in %s%s", where->binary_name, where == &dc ? dropin : main_cfg,
                           default_note(&dc, &mc));
        } else if (!streq_ptr(where->runtime_type, CONTAINERD_RUNTIME_TYPE))
                r = result(c, DOCTOR_FAIL, "portcullis install containerd",
                           "%s: runtime 'portcullis' has runtime_type %s, not \"" CONTAINERD_RUNTIME_TYPE "\"%s",
                           where == &dc ? dropin : main_cfg, where->runtime_type ? where->runtime_type : "(none)",
                           streq_ptr(where->runtime_type, RUNC_RUNTIME_TYPE) ? " (nor " RUNC_RUNTIME_TYPE " with "
                           "BinaryName naming the runc wrapper)" : "");
        else if (where->binary_name && !streq_ptr(where->binary_name, "runc") && !names_wrapper(d, where->binary_name))
                r = result(c, DOCTOR_FAIL, "take BinaryName out of the runtime's options (the shim puts the runc "
                           "wrapper first in PATH), or name the wrapper there",
                           "%s: runtime 'portcullis' has options BinaryName %s, not the runc wrapper: the shim's "
                           "runc runs it, so containers joining a pod's shim (containerd 2) start unchecked",
                           where == &dc ? dropin : main_cfg, where->binary_name);
        else if (where == &dc && !have_main)
                r = result(c, DOCTOR_FAIL, "portcullis install containerd",
                           "%s is absent, so containerd never reads the drop-in %s", main_cfg, dropin);
        else if (where == &dc && !imports_name(mc.imports, CONTAINERD_DROPIN))
                r = result(c, DOCTOR_FAIL, "portcullis install containerd (it adds the import)",
                           "%s's imports do not name " CONTAINERD_DROPIN ", so containerd never reads it",
                           main_cfg);
        else if (!shim_present(d, &shim))
                r = result(c, DOCTOR_FAIL, "install " SHIM_NAME " in /usr/local/bin (portcullis install "
                           "containerd --binaries) or another folder on containerd's PATH",
                           "runtime 'portcullis' is configured, but no executable " SHIM_NAME " is in a PATH folder");
        else if (!runc_wrapper_present(d, &wrapper))
                r = result(c, DOCTOR_FAIL, "install portcullis again (portcullis install containerd --binaries "
                           "copies it)", "runtime 'portcullis' is configured, but the shim's runc wrapper (%s or "
                           INSTALL_BINARIES_LIBEXECDIR "/runc/runc) is missing: the shim refuses every start without "
                           "it", strna(d->o->runc_wrapper));
        else {
                d->containerd_configured = true;
                r = result(c, default_status(&dc, &mc), default_fix(&dc, &mc), "runtime 'portcullis' ("
                           CONTAINERD_RUNTIME_TYPE ") in %s%s, shim %s, runc wrapper %s%s",
                           where == &dc ? dropin : main_cfg, where == &dc ? ", imported" : "", shim, wrapper,
                           default_note(&dc, &mc));
        }
        containerd_config_done(&dc);
        containerd_config_done(&mc);
        return r;
}

/* Docker keeps the runtime a container was created with (Runtime in
 * <data-root>/containers/<id>/hostconfig.json): one created before
 * portcullis became the default starts with its old runtime, unchecked, at
 * every start and restart.  How many are not ours (one whose file can't be
 * read counts), the first one's id in *ret_first. */
static size_t docker_other_runtime(struct doctor *d, const json_t *daemon_json, char **ret_first) {
        const char *root = json_string_value(json_object_get(daemon_json, "data-root"));
        _cleanup_free_ char *rel = NULL, *dir = NULL;
        struct dirent *de;
        DIR *ds;
        size_t n = 0;

        root = root ? root : json_string_value(json_object_get(daemon_json, "graph"));     /* its old name */
        rel = fmt("%s/containers", root && root[0] == '/' ? root : "/var/lib/docker");
        dir = rel ? rooted(d, rel) : NULL;
        ds = dir ? opendir(dir) : NULL;
        while (ds && (de = readdir(ds))) {
                _cleanup_free_ char *file = NULL, *buf = NULL;
                struct error err = {};
                json_auto_t *j = NULL;
                size_t len;

                if (de->d_name[0] == '.')
                        continue;
                file = fmt("%s/%s/hostconfig.json", dir, de->d_name);
                if (file && read_full_file(file, DOCKER_CONFIG_MAX, &buf, &len, &err) == 0 &&
                    (j = json_loadb(buf, len, 0, NULL)) &&
                    streq_ptr(json_string_value(json_object_get(j, "Runtime")), "portcullis"))
                        continue;
                if (n++ == 0)
                        *ret_first = strdup(de->d_name);
        }
        if (ds)
                closedir(ds);
        return n;
}

/* Docker: daemon.json names a runtime portcullis whose path is the runc
 * wrapper, and makes it the default runtime (else only containers run with
 * --runtime portcullis are gated), and Docker's containers were made with
 * it. */
static int check_docker(struct doctor *d, struct doctor_check *c) {
        _cleanup_free_ char *path = rooted(d, INSTALL_DOCKER_CONFIG), *buf = NULL, *first = NULL;
        bool present = program_present(d, "dockerd", NULL) || path_exists(d, "/etc/docker");
        const char *runtime, *dflt;
        struct error err = {};
        json_auto_t *j = NULL;
        json_error_t jerr;
        size_t len, others;

        if (!path)
                return rooted_failed(d, c);
        if (access(path, F_OK) < 0)
                return present ? result(c, DOCTOR_WARN, "portcullis install docker --default-runtime",
                                        "Docker is installed, but %s is absent: no runtime portcullis", path)
                               : result(c, DOCTOR_SKIP, NULL, "Docker is not present on this node");
        if (read_full_file(path, DOCKER_CONFIG_MAX, &buf, &len, &err) < 0)
                return result(c, DOCTOR_FAIL, "fix the file (dockerd itself reads it)", "%s", err.msg);
        j = json_loadb(buf, len, 0, &jerr);     /* a key twice: the last, as dockerd (Go's encoding/json) */
        if (!j || !json_is_object(j))
                return result(c, DOCTOR_FAIL, "fix the file (dockerd itself reads it)", "%s:%d:%d: %s", path,
                              j ? 1 : jerr.line, j ? 1 : jerr.column, j ? "not a JSON object" : jerr.text);
        runtime = json_string_value(json_object_get(json_object_get(json_object_get(j, "runtimes"), "portcullis"),
                                                    "path"));
        dflt = json_string_value(json_object_get(j, "default-runtime"));
        if (!runtime)
                return result(c, DOCTOR_WARN, "portcullis install docker --default-runtime",
                              "%s names no runtime portcullis (runtimes.portcullis.path)", path);
        if (!names_wrapper(d, runtime))
                return result(c, DOCTOR_FAIL, "set runtimes.portcullis.path to the runc wrapper, "
                              INSTALL_BINARIES_LIBEXECDIR "/runc/runc or where this build installs it",
                              "%s: runtimes.portcullis.path is %s, not the runc wrapper: Docker's containers of "
                              "that runtime start unchecked", path, runtime);
        if (!streq_ptr(dflt, "portcullis"))
                return result(c, DOCTOR_WARN, "portcullis install docker --default-runtime, or set \"default-runtime\": "
                              "\"portcullis\" in " INSTALL_DOCKER_CONFIG,
                              "runtime 'portcullis' in %s, the runc wrapper %s, but the default runtime is %s: only "
                              "containers run with --runtime portcullis are gated", path, runtime, dflt ? dflt : "runc");
        if ((others = docker_other_runtime(d, j, &first)) > 0)
                return result(c, DOCTOR_WARN, "recreate them (docker rm, docker run): docker start keeps the runtime "
                              "a container was created with",
                              "runtime 'portcullis' in %s, the runc wrapper %s, the default runtime; but %zu of "
                              "Docker's containers (%s%s) were created with another runtime, which every start and "
                              "restart of theirs uses: unchecked", path, runtime, others, strna(first),
                              others > 1 ? ", ..." : "");
        return result(c, DOCTOR_OK, NULL, "runtime 'portcullis' in %s, the runc wrapper %s; the default runtime", path,
                      runtime);
}

/* The members of an oci-hooks(5) "when" besides "always" (and "or", which
 * only joins them): each narrows the containers the hook runs for, "always"
 * or not, as Podman 4 and CRI-O match them.  NULL when there is none, "" when
 * out of memory. */
static char *when_narrowed(const json_t *when) {
        struct strbuf b = { .max = 1024 };
        const char *key;
        json_t *v;

        json_object_foreach((json_t *) when, key, v) {
                if (streq_ptr(key, "always") || streq_ptr(key, "or"))
                        continue;
                if ((b.len > 0 && strbuf_append(&b, ", ", 2) < 0) || strbuf_append(&b, key, strlen(key)) < 0)
                        break;
        }
        if (b.len == 0) {
                strbuf_done(&b);
                return NULL;
        }
        return strbuf_steal(&b) ?: strdup("");
}

/* The --config the hook's args give it (--config FILE or --config=FILE),
 * or NULL: then it reads the default, as doctor does without --config. */
static char *hook_args_config(const json_t *doc) {
        json_t *args = json_object_get(json_object_get(doc, "hook"), "args");
        const char *prev = NULL, *v = NULL;
        size_t i;
        json_t *a;

        json_array_foreach(args, i, a) {
                const char *s = json_string_value(a);

                if (streq_ptr(prev, "--config"))
                        v = s;
                else if (s && startswith(s, "--config="))
                        v = s + strlen("--config=");
                prev = s;
        }
        return v ? strdup(v) : NULL;
}

/* Whether the hook's --config is the file doctor checked (the same file
 * under root; an absent one is the same only by name). */
static bool same_config(struct doctor *d, const char *hook_config) {
        _cleanup_free_ char *p = hook_config[0] == '/' ? rooted(d, hook_config) : NULL;
        struct stat a, b;

        if (!p || !d->config_path)
                return false;
        if (stat(p, &a) < 0 || stat(d->config_path, &b) < 0)
                return streq_ptr(p, d->config_path);
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* One oci-hooks(5) file: it must be version 1.0.0 and name an executable
 * hook at createRuntime for every container. */
static int check_hooks_file(struct doctor *d, struct doctor_check *c, const char *file) {
        _cleanup_free_ char *buf = NULL, *hook = NULL, *why = NULL, *fix = NULL, *version = NULL, *narrowed = NULL;
        _cleanup_free_ char *hook_config = NULL;
        const char *path = NULL;
        json_t *doc, *stages, *always, *when;
        json_error_t jerr;
        enum doctor_status s;
        struct error err = {};
        bool create_runtime = false;
        size_t len, i;
        json_t *v;

        if (read_full_file(file, HOOKS_D_FILE_MAX, &buf, &len, &err) < 0)
                return result(c, DOCTOR_FAIL, "portcullis install podman", "%s", err.msg);
        doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!doc)
                return result(c, DOCTOR_FAIL, "fix the file, or remove it and run 'portcullis install podman'",
                              "%s:%d:%d: %s", file, jerr.line, jerr.column, jerr.text);
        (void) json_unpack(doc, "{s:{s:s}}", "hook", "path", &path);
        hook_config = hook_args_config(doc);
        stages = json_object_get(doc, "stages");
        json_array_foreach(stages, i, v)
                create_runtime = create_runtime || streq_ptr(json_string_value(v), "createRuntime");
        when = json_object_get(doc, "when");
        always = json_object_get(when, "always");
        narrowed = when_narrowed(when);
        hook = path ? strdup(path) : NULL;
        version = json_is_string(json_object_get(doc, "version")) ?
                          strdup(json_string_value(json_object_get(doc, "version"))) : NULL;
        json_decref(doc);
        if ((path && !hook) || (narrowed && !*narrowed))
                return -ENOMEM;
        /* Podman and CRI-O read every file of the folder before each start,
         * and refuse the start when one has another version
         * ("unrecognized hook version"). */
        if (!streq_ptr(version, "1.0.0"))
                return result(c, DOCTOR_FAIL, "set \"version\": \"1.0.0\" (portcullis install podman writes it)",
                              "%s: version is %s%s%s, not \"1.0.0\": Podman and CRI-O refuse every container start "
                              "while the file is there (unrecognized hook version)", file, version ? "\"" : "",
                              version ? version : "absent", version ? "\"" : "");
        if (!hook)
                return result(c, DOCTOR_FAIL, "portcullis install podman", "%s names no hook.path", file);
        if (!create_runtime)
                return result(c, DOCTOR_FAIL, "portcullis install podman",
                              "%s: stages does not hold createRuntime, so the hook never runs before a start", file);
        {
                _cleanup_free_ char *p = rooted(d, hook);

                if (!p)
                        return rooted_failed(d, c);
                s = executable_status(p, &why, &fix);
        }
        if (!why)
                return -ENOMEM;
        if (s == DOCTOR_FAIL)
                return result(c, DOCTOR_FAIL, fix, "%s names the hook %s, which can't run: %s", file, hook, why);
        if (!json_is_true(always))
                return result(c, DOCTOR_WARN, "set \"when\": {\"always\": true} (portcullis install podman)",
                              "%s names %s, but only for some containers (\"when\" is not always)", file, hook);
        if (narrowed)
                return result(c, DOCTOR_WARN, "set \"when\": {\"always\": true} alone (portcullis install podman)",
                              "%s names %s, but only for some containers: \"when\" holds %s besides \"always\", "
                              "and a container must match those too", file, hook, narrowed);
        d->hooks_configured = true;
        if (hook_config && !same_config(d, hook_config)) {
                bool root = d->o->root && !streq_ptr(d->o->root, "/");
                _cleanup_free_ char *again = fmt("portcullis doctor%s%s --config %s%s (the checks below read %s)",
                                                 root ? " --root " : "", root ? d->o->root : "",
                                                 root ? d->o->root : "", hook_config, strna(d->config_path));

                return again ? result(c, DOCTOR_WARN, again, "%s names %s with --config %s: the hook reads that "
                                      "configuration, not the one checked here", file, hook, hook_config) : -ENOMEM;
        }
        return result(c, s, fix, "%s names %s", file, hook);
}

/* A runtime on the node whose hooks_dir holds no portcullis.json: the
 * row names a file of ours it does not read, or says there is none. */
static int hooks_d_unread(struct doctor *d, struct doctor_check *c, bool crio, char *const *dirs, const char *from,
                          const char *users) {
        _cleanup_free_ char *prefix_dir = fmt("%s/share/containers/oci/hooks.d/portcullis.json", d->o->prefix);
        const char *const ours[] = { INSTALL_HOOKS_D_FILE, OCI_HOOKS_DIR_DEFAULT "/portcullis.json", prefix_dir };
        const char *name = crio ? "CRI-O" : "Podman";
        struct strbuf shown = { .max = 4096 };

        if (!prefix_dir)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(ours); i++) {
                _cleanup_free_ char *f = rooted(d, ours[i]), *fix = NULL, *dir = NULL;
                int r;

                if (!f)
                        return rooted_failed(d, c);
                if (access(f, F_OK) < 0)
                        continue;
                dir = strndup(ours[i], strrchr(ours[i], '/') - ours[i]);
                for (char *const *p = dirs; p && *p; p++)
                        if ((p != dirs && strbuf_append(&shown, ", ", 2) < 0) ||
                            strbuf_append(&shown, *p, strlen(*p)) < 0)
                                break;
                fix = crio ? fmt("portcullis install crio (it writes the file where CRI-O reads it), or add \"%s\" to "
                                 "hooks_dir under [crio.runtime] in %s, then systemctl restart crio",
                                 strna(dir), from ? from : "/etc/crio/crio.conf.d/50-portcullis.conf")
                           : fmt("portcullis install podman (it writes the file where Podman reads it), or add \"%s\" "
                                 "to hooks_dir under [engine] in %s (hooks_dir = [\"" OCI_HOOKS_DIR_DEFAULT
                                 "\", \"%s\"] where none was set)", strna(dir),
                                 from ? from : "/etc/containers/containers.conf", strna(dir));
                if (!dir || !fix) {
                        strbuf_done(&shown);
                        return -ENOMEM;
                }
                r = result(c, DOCTOR_FAIL, fix, "%s exists, but %s reads oci-hooks files only from %s (%s%s%s): it "
                           "checks none of its container starts", f, name, shown.len ? shown.s : "no folder",
                           from ? "hooks_dir in " : "its default: no hooks_dir is set", strempty(from),
                           from ? "" : "");
                strbuf_done(&shown);
                return r;
        }
        return result(c, DOCTOR_WARN, crio ? "portcullis install crio" : "portcullis install podman",
                      "%s installed, but no hooks.d file names the hook", users);
}

/* Podman and CRI-O read portcullis.json in the folders of their hooks_dir
 * (a later folder's file of the same name wins), and only there: by
 * default /usr/share/containers/oci/hooks.d alone (oci_hooks_dirs()).
 * Where neither is on the node, the file install writes is checked, in
 * /etc/containers/oci/hooks.d or /usr/share/containers/oci/hooks.d; the
 * prefix's share/ is read only when it is /usr. */
static int check_hooks_d(struct doctor *d, struct doctor_check *c) {
        _cleanup_free_ char *prefix_dir = fmt("%s/share/containers/oci/hooks.d/portcullis.json", d->o->prefix);
        const char *read_dirs[] = { INSTALL_HOOKS_D_FILE, OCI_HOOKS_DIR_DEFAULT "/portcullis.json" };
        bool podman = program_present(d, "podman", NULL), crio = program_present(d, "crio", NULL);
        _cleanup_free_ char *prefix_file = NULL, *users = NULL, *checked = NULL, *detail = NULL;
        int r;

        if (!prefix_dir)
                return -ENOMEM;
        if (!(prefix_file = rooted(d, prefix_dir)))
                return rooted_failed(d, c);
        users = fmt("%s%s%s", podman ? "podman" : "", podman && crio ? " and " : "", crio ? "CRI-O" : "");
        if (!users)
                return -ENOMEM;
        for (int k = 0; k < 2; k++) {
                _cleanup_strv_free_ char **dirs = NULL;
                _cleanup_free_ char *from = NULL, *file = NULL;
                struct error err = {};

                if (!(k ? crio : podman))
                        continue;
                if (oci_hooks_dirs(d->o->root, k, &dirs, &from, &err) < 0)
                        return err.code == -ENOMEM ? -ENOMEM :
                               result(c, DOCTOR_FAIL, k ? "fix the file (CRI-O itself reads it)" :
                                      "fix the file (Podman itself reads it)", "%s", err.msg);
                for (char **i = dirs; i && *i; i++) {
                        _cleanup_free_ char *h = fmt("%s/portcullis.json", *i), *f = h ? rooted(d, h) : NULL;

                        if (!h)
                                return -ENOMEM;
                        if (!f)
                                return rooted_failed(d, c);
                        if (access(f, F_OK) == 0) {
                                free(file);
                                file = TAKE_PTR(f);
                        }
                }
                if (!file)
                        return hooks_d_unread(d, c, k, dirs, from, users);
                if (streq_ptr(file, checked))
                        continue;
                r = check_hooks_file(d, c, file);
                if (r < 0 || c->status != DOCTOR_OK)
                        return r;
                free(checked);
                checked = TAKE_PTR(file);
                free(detail);
                detail = TAKE_PTR(c->detail);
        }
        if (detail)
                return result(c, DOCTOR_OK, NULL, "%s; read by %s", detail, users);
        for (size_t i = 0; i < ELEMENTSOF(read_dirs); i++) {
                _cleanup_free_ char *f = rooted(d, read_dirs[i]);

                if (!f)
                        return rooted_failed(d, c);
                if (access(f, F_OK) == 0)
                        return check_hooks_file(d, c, f);
        }
        if (access(prefix_file, F_OK) == 0)
                return result(c, DOCTOR_WARN, "portcullis install podman (it writes the file where the runtime "
                              "reads it)",
                              "%s exists, but Podman and CRI-O read only /etc/containers/oci/hooks.d and "
                              "/usr/share/containers/oci/hooks.d", prefix_file);
        return result(c, DOCTOR_SKIP, NULL, "Podman and CRI-O are not present on this node");
}

static int check_hook(struct doctor *d, struct doctor_check *c) {
        _cleanup_free_ char *p = rooted(d, d->o->hook);

        return p ? check_executable(c, p, NULL) : rooted_failed(d, c);
}

static int check_shim(struct doctor *d, struct doctor_check *c) {
        _cleanup_free_ char *p = rooted(d, d->o->shim);

        return p ? check_executable(c, p, "only containerd needs it") : rooted_failed(d, c);
}

/* ---- config, policy, DB ------------------------------------------------------ */

static int check_config(struct doctor *d, struct doctor_check *c) {
        const char *path = d->config_path = d->o->config ? strdup(d->o->config) : rooted(d, PORTCULLIS_CONFIG_DEFAULT);
        _cleanup_free_ char *none = fmt("%s/absent.json", d->tmp);
        struct error err = {};
        int r;

        if (!none)
                return -ENOMEM;
        if (!path) {
                if (!d->rooted_err.code || config_load(none, false, &d->cfg, NULL) < 0)
                        return -ENOMEM;
                return rooted_failed(d, c);
        }
        r = config_load(path, d->o->config != NULL, &d->cfg, &err);
        if (r < 0) {
                /* A file that is not there, at a path not asked for: the defaults. */
                r = config_load(none, false, &d->cfg, NULL);
                if (r < 0)
                        return r;
                return result(c, DOCTOR_FAIL, "fix the file; until then the hook decides every start by its "
                              "on_error (deny)", "%s; the checks below use the built-in defaults", err.msg);
        }
        d->config_ok = true;
        if (!d->cfg->path)
                return result(c, DOCTOR_WARN, "portcullis install RUNTIME writes it",
                              "%s is absent: the built-in defaults apply", path);
        /* README "Configuration": where users set annotations themselves */
        if (d->cfg->trust_image_digest && program_present(d, "podman", NULL))
                return result(c, DOCTOR_WARN, "set \"trust_image_digest\": false in it",
                              "%s trusts the containers' annotations (trust_image_digest true), and Podman is "
                              "installed: whoever runs a Podman container sets them (podman run --annotation, "
                              "podman kube play) and could claim another image's digest or name", path);
        return result(c, DOCTOR_OK, NULL, "%s", path);
}

static int check_policy(struct doctor *d, struct doctor_check *c) {
        _cleanup_free_ char *path = rooted(d, d->cfg->policy), *fix = NULL;
        _cleanup_strv_free_ char **errors = NULL;
        struct error err = {};
        const struct policy *p;

        if (!path)
                return rooted_failed(d, c);
        if (streq_ptr(d->cfg->policy, PORTCULLIS_POLICY_DEFAULT) && access(path, F_OK) < 0 && errno == ENOENT) {
                _cleanup_free_ char *link = rooted_at(d, d->cfg->policy, false);

                /* a link to a file that is gone is not "absent": the hook refuses it */
                if (link && check_dangling_link(link, "the built-in policy", &err) < 0)
                        return result(c, DOCTOR_FAIL, "restore the file the link names, or remove the link for the "
                                      "built-in policy", "%s; until then the hook decides every start by "
                                      "config.json's on_error", err.msg);
                if (policy_default(&d->policy) < 0)
                        return -ENOMEM;
                d->policy_ok = true;
                return result(c, DOCTOR_WARN, "write your policy there (portcullis install RUNTIME writes the "
                              "default one)", "%s is absent: the built-in policy applies (enforce at CRITICAL, "
                              "on_error allow)", path);
        }
        if (policy_load_all(path, &d->policy, &errors, &err) < 0) {
                if (!(fix = fmt("fix it: 'portcullis policy check %s' lists every error", path)))
                        return -ENOMEM;
                return result(c, DOCTOR_FAIL, fix, "%s%s", err.msg,
                              strv_length(errors) > 1 ? " (and more errors)" : "");
        }
        d->policy_ok = true;
        p = d->policy;
        return result(c, DOCTOR_OK, NULL, "%s: mode %s, severity %s and above, scopes: %zu, allowlist entries: %zu",
                      path, policy_mode_to_string(p->rule.mode), severity_to_string(p->rule.threshold),
                      p->n_scopes, p->n_allow);
}

/* Whether the DB holds records of ecosystem or of one of its streams (as
 * the match counts it covered: match.c ecosystem_covered(); a RHEL 10
 * image's, of any RHEL 10 minor release: match_streams()): 1, 0, or a
 * negative errno with err. */
static int db_covers(struct vulndb *v, const char *ecosystem, struct error *err) {
        _cleanup_strv_free_ char **streams = NULL;
        int r = vulndb_has_ecosystem(v, ecosystem, err);

        if (r == 0 && (r = match_streams(v, ecosystem, &streams, err)) < 0)
                return r;
        for (char **s = streams; r == 0 && s && *s; s++)
                r = vulndb_has_ecosystem(v, *s, err);
        return r;
}

/* The ecosystems of the images the hook has seen that the DB has no record
 * of: their packages are not checked (no_data) at every start, for
 * on_unchecked to decide; a 'db update' whose sources have no folder for
 * one leaves it out, said only in its own output.  A warning, or 0 when
 * every one is covered (or the cache can't say). */
static int db_uncovered(struct doctor *d, struct doctor_check *c, struct vulndb *v, const char *path) {
        _cleanup_free_ char *cache = rooted(d, d->cfg->cache), *list = NULL;
        _cleanup_strv_free_ char **ecos = NULL, **missing = NULL;
        struct error err = {};
        size_t n;
        int r;

        if (!cache || update_cache_ecosystems(cache, &ecos, &err) < 0)
                return 0;       /* the cache check says what is wrong with it */
        for (char **e = ecos; e && *e; e++) {
                if ((r = db_covers(v, *e, &err)) < 0)
                        return r == -ENOMEM ? r : 0;
                if (r == 0 && strv_push(&missing, strdup(*e)) < 0)
                        return -ENOMEM;
        }
        if (!missing)
                return 0;
        n = strv_length(missing);
        if (!(list = strv_join(missing, ", ")))
                return -ENOMEM;
        return result(c, DOCTOR_WARN, "portcullis db update (its output says 'no source has it' for one no source "
                      "has a folder for: name another source in update.sources, or import that ecosystem's "
                      "all.zip with portcullis db import)",
                      "%s has no record of %zu ecosystem%s of the images in the verdict cache (%s): their packages "
                      "are not checked at any start (no_data), on_unchecked decides", path, n, n == 1 ? "" : "s",
                      list) < 0 ? -ENOMEM : 1;
}

static int check_db(struct doctor *d, struct doctor_check *c) {
        _cleanup_(vulndb_closep) struct vulndb *v = NULL;
        _cleanup_free_ char *path = rooted(d, d->cfg->db), *fix = NULL;
        struct vulndb_status s = {};
        unsigned max_h = d->policy ? d->policy->max_db_age_hours : 0;
        const char *t;
        struct error err = {};
        long long age = -1;
        bool dated;
        int r;

        if (!path)
                return rooted_failed(d, c);
        if (vulndb_open(path, &v, &err) < 0 || vulndb_get_status(v, &s, &err) < 0)
                return result(c, DOCTOR_FAIL, "portcullis db update (the timer portcullis-update.timer does it "
                              "every 6 h), or portcullis db import", "%s", err.msg);
        d->db_ok = true;
        t = s.data_time ? s.data_time : s.import_time;
        dated = clock_age_seconds(t, &age);
        if (max_h && dated && age < 0) {        /* the node's clock is behind, as the gate says (gate.c) */
                fix = fmt("check the node's clock (timedatectl), then re-import the database; until then "
                          "on_stale_db (%s) decides every start", policy_stale_to_string(d->policy->on_stale_db));
                r = result(c, DOCTOR_FAIL, fix, "%s: its %s time, %s, is %lld hours ahead of this node's clock, so "
                           "its age can't be held to max_db_age_hours (%u)", path, s.data_time ? "signed data's" : "import",
                           t, -age / 3600, max_h);
        } else if (max_h && (!dated || age / 3600 >= max_h)) {
                fix = fmt("portcullis db update, and check the timer: systemctl status portcullis-update.timer; "
                          "until then on_stale_db (%s) decides every start",
                          policy_stale_to_string(d->policy->on_stale_db));
                r = !dated ? result(c, DOCTOR_FAIL, fix, "%s has no %s time, so its age can't be held to "
                                    "max_db_age_hours (%u)", path, s.data_time ? "data" : "import", max_h)
                           : result(c, DOCTOR_FAIL, fix, "%s: %s %lld hours ago (%s), more than max_db_age_hours (%u)",
                                    path, s.data_time ? "its signed data was published" : "imported", age / 3600,
                                    t, max_h);
        } else if (s.n_ecosystems == 0)
                r = result(c, DOCTOR_WARN, "portcullis db update, or portcullis db import",
                           "%s holds no record: every image is 'not checked'", path);
        else {
                const char *rev = s.revision ? s.revision : "?";
                char limit[64];

                if (startswith(rev, "sha256:"))
                        rev += STRLEN("sha256:");
                if (max_h)
                        snprintf(limit, sizeof(limit), "max_db_age_hours %u", max_h);
                else if (!d->policy_ok)         /* its row fails: no limit known to hold the age to */
                        snprintf(limit, sizeof(limit), "max_db_age_hours unknown: the policy can't be read");
                else
                        snprintf(limit, sizeof(limit), "max_db_age_hours 0: any age");
                r = result(c, DOCTOR_OK, NULL, "%s: revision %.12s, %llu records in %zu ecosystems, %s %lld h %lld "
                           "min ago (%s)", path, rev, (unsigned long long) s.records, s.n_ecosystems,
                           s.data_time ? "data published" : "imported", age / 3600, age % 3600 / 60, limit);
                d->db_fresh = max_h && dated;
                if (r >= 0 && (r = db_uncovered(d, c, v, path)) > 0)
                        r = 0;
        }
        vulndb_status_done(&s);
        return r;
}

/* "T (N h M min ago)" of a time in the record of runs. */
static char *when(int64_t t) {
        char s[32];
        long long age = (long long) (time(NULL) - t);

        update_format_time(t, s);
        return age < 0 ? fmt("%s (ahead of this node's clock)", s)
                       : fmt("%s (%lld h %lld min ago)", s, age / 3600, age % 3600 / 60);
}

/* No record of a run: the timer does not run (or never did), and the DB
 * ages, said only once it is older than max_db_age_hours.  A node whose
 * database the db check found younger than that is one fed by
 * 'portcullis db import' (air-gapped): nothing to warn of while the db
 * check holds the age.  update.sources is never empty (config.c): OSV's
 * bucket by default. */
static int update_never(struct doctor *d, struct doctor_check *c, const char *dir) {
        if (d->db_fresh)
                return result(c, DOCTOR_OK, NULL, "'portcullis db update' never ran on this node (nothing in %s): "
                              "a node fed by 'portcullis db import', whose database the db check holds to "
                              "max_db_age_hours (%u)", dir, d->policy->max_db_age_hours);
        return result(c, DOCTOR_WARN, "systemctl enable --now portcullis-update.timer, or run portcullis db update; "
                      "on a node fed by portcullis db import alone, keep an eye on the db check's age instead",
                      "'portcullis db update' never ran on this node (nothing in %s), while update.sources names %s",
                      dir, d->cfg->update.sources && *d->cfg->update.sources ? d->cfg->update.sources[0] : "none");
}

/* A KEV or EPSS feed that none of its mirrors served in the last run that
 * tried it (run.json "feeds"): that run succeeded, the database keeping
 * the data it had, which ages with block_kev and min_epss judged by it.
 * 1 when one is said; a feed no longer configured is not. */
static int update_feed_failed(struct doctor *d, struct doctor_check *c, const struct update_run_info *run) {
        char *const *lists[_VULNDB_FEED_MAX] = { [VULNDB_FEED_KEV] = d->cfg->update.kev_sources,
                                                 [VULNDB_FEED_EPSS] = d->cfg->update.epss_sources };

        for (int k = VULNDB_FEED_KEV; k < _VULNDB_FEED_MAX; k++) {
                const struct update_feed_run *f = &run->feeds[k];
                _cleanup_free_ char *checked = NULL, *success = NULL, *fix = NULL;

                if (!f->known || !f->error || !lists[k] || !lists[k][0])
                        continue;
                checked = when(f->checked);
                success = f->last_success ? when(f->last_success) : strdup("never");
                fix = fmt("fix or replace the mirrors in 'update.%s_sources' (the error says why each failed; "
                          "journalctl -u portcullis-update.service has every try), then portcullis db update",
                          update_feed_key(k));
                if (!checked || !success || !fix)
                        return -ENOMEM;
                return result(c, DOCTOR_WARN, fix, "the %s data was not refreshed by the last run that tried it, at "
                              "%s: %s; the database keeps the %s data it had (last refreshed: %s)",
                              update_feed_title(k), checked, f->error, update_feed_title(k), success) < 0 ? -ENOMEM
                                                                                                           : 1;
        }
        return 0;
}

/* The last run of `db update` (update.h's record of runs): failed,
 * killed, or no success for UPDATE_SUCCESS_MAX_AGE_S is a warning, since
 * the gate goes on with the database it has, and says so only once it is
 * older than the policy's max_db_age_hours (120 h unless the policy says). */
static int check_update(struct doctor *d, struct doctor_check *c) {
        _cleanup_(update_run_info_done) struct update_run_info run = {};
        _cleanup_free_ char *dir = rooted(d, d->cfg->update.state_dir), *started = NULL, *success = NULL,
                            *ended = NULL;
        struct error err = {};
        int r;

        if (!dir)
                return rooted_failed(d, c);
        r = update_run_info_read(dir, &run, &err);
        if (r == -ENOENT)
                return update_never(d, c, dir);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return result(c, DOCTOR_WARN, "run portcullis doctor as root; a damaged file is written anew by "
                              "the next portcullis db update", "the record of the updates can't be read: %s", err.msg);
        started = when(run.started);
        success = run.last_success ? when(run.last_success) : strdup("never");
        ended = run.ended ? when(run.ended) : strdup("");
        if (!started || !success || !ended)
                return -ENOMEM;
        if (run.killed)
                return result(c, DOCTOR_WARN, "journalctl -u portcullis-update.service shows how it ended; a run "
                              "that needs longer: raise TimeoutStartSec= (systemctl edit portcullis-update.service); "
                              "then portcullis db update", "the last run, started at %s (pid %lld), " UPDATE_KILLED_NOTE
                              "; last success: %s", started, run.pid, success);
        if (run.error)
                return result(c, DOCTOR_WARN, "fix what the message names (the source, proxy, CA, key or disk), "
                              "then portcullis db update; journalctl -u portcullis-update.service has each run",
                              "the last run, at %s, failed: %s; last success: %s", ended, run.error, success);
        if ((r = update_feed_failed(d, c, &run)) != 0)
                return r < 0 ? r : 0;
        if (!run.last_success || time(NULL) - run.last_success > UPDATE_SUCCESS_MAX_AGE_S)
                return result(c, DOCTOR_WARN, "systemctl status portcullis-update.timer (is it enabled and "
                              "running?), then portcullis db update", "no run succeeded in %d h (the timer runs every "
                              "6 h): last success %s%s%s", UPDATE_SUCCESS_MAX_AGE_S / 3600, success,
                              run.ended ? "" : "; a run is in progress since ", run.ended ? "" : started);
        if (!run.ended)
                return result(c, DOCTOR_OK, NULL, "a run is in progress since %s (pid %lld); last success %s",
                              started, run.pid, success);
        return result(c, DOCTOR_OK, NULL, "the last run, at %s, succeeded", ended);
}

/* ---- folders the hook writes ------------------------------------------------- */

/* Whether a file can be made in dir (one is made and removed): 0 or a
 * negative errno. */
static int try_create_in(const char *dir) {
        _cleanup_free_ char *probe = fmt("%s/.portcullis-doctor-XXXXXX", dir);
        int fd;

        if (!probe)
                return -ENOMEM;
        fd = mkstemp(probe);
        if (fd < 0)
                return -errno;
        close(fd);
        (void) unlink(probe);
        return 0;
}

/* A folder the hook (root) writes, or creates (mkdir -p, 0700) when it is
 * absent: a folder where it is, a writable file system (a file made and
 * removed there), and root's alone (what a cache holds says which images
 * are vulnerable to what, and whoever can write it can change verdicts). */
static int check_folder(struct doctor *d, struct doctor_check *c, const char *what, const char *host_path) {
        _cleanup_free_ char *path = rooted(d, host_path), *fix = NULL, *parent = NULL;
        struct stat st = {};
        int k;

        if (!path)
                return rooted_failed(d, c);
        if (stat(path, &st) < 0 && (errno == ENOENT || errno == ENOTDIR)) {
                /* The hook creates it: its nearest existing parent must be a writable folder. */
                parent = strdup(path);
                while (parent && strrchr(parent, '/') && strlen(parent) > 1) {
                        *strrchr(parent, '/') = '\0';
                        if (!*parent)
                                strcpy(parent, "/");
                        if (stat(parent, &st) == 0)
                                break;
                }
                if (!parent)
                        return -ENOMEM;
                if (!S_ISDIR(st.st_mode)) {
                        fix = fmt("remove the file %s (the hook creates the folders), or set another path in "
                                  "config.json", parent);
                        return result(c, DOCTOR_FAIL, fix, "%s %s is absent and can't be created: %s is not a folder",
                                      what, path, parent);
                }
                if (access(parent, W_OK) < 0) {
                        fix = fmt("mkdir -p -m 0700 %s (on a writable file system)", path);
                        return result(c, DOCTOR_FAIL, fix, "%s %s is absent and can't be created: %s is not "
                                      "writable (%s)", what, path, parent, strerror(errno));
                }
                return result(c, DOCTOR_OK, NULL, "%s %s is absent; the hook creates it (0700) at the first start",
                              what, path);
        }
        if (stat(path, &st) < 0)
                return result(c, DOCTOR_FAIL, "check the path and its parents' permissions", "%s %s: %s", what, path,
                              strerror(errno));
        if (!S_ISDIR(st.st_mode)) {
                fix = fmt("remove %s, or set another folder in config.json; the hook creates it", path);
                return result(c, DOCTOR_FAIL, fix, "%s %s is not a folder", what, path);
        }
        k = try_create_in(path);
        if (k == -ENOMEM)
                return k;
        if (k < 0) {
                fix = fmt("make it writable for root: chmod 0700 %s (a read-only file system needs a writable "
                          "mount there)", path);
                return result(c, DOCTOR_FAIL, fix, "%s %s is not writable: %s", what, path, strerror(-k));
        }
        if (geteuid() == 0 && (st.st_uid != 0 || (st.st_mode & 022))) {
                fix = fmt("chown root %s && chmod 0700 %s", path, path);
                return result(c, DOCTOR_WARN, fix, "%s %s is writable, but by others than root too (uid %u, mode "
                              "%04o): they could change verdicts", what, path, (unsigned) st.st_uid,
                              (unsigned) (st.st_mode & 07777));
        }
        if (geteuid() != 0)
                return result(c, DOCTOR_WARN, "run portcullis doctor as root, as the hook runs",
                              "%s %s is writable by uid %u (this user, not root as the hook)", what, path,
                              (unsigned) geteuid());
        return result(c, DOCTOR_OK, NULL, "%s %s is writable (mode %04o)", what, path,
                      (unsigned) (st.st_mode & 07777));
}

/* A file at the cache's path that the hook leaves as it is and decides
 * without (another program's, or a newer Portcullis's after a rollback):
 * every start then reads its image anew, which only the user can end. */
static int check_cache_file(struct doctor *d, struct doctor_check *c) {
        _cleanup_free_ char *path = rooted(d, d->cfg->cache);
        _cleanup_(cache_closep) struct cache *cache = NULL;
        struct error err = {};

        if (!path || access(path, F_OK) < 0 ||
            cache_open_flags(path, CACHE_OPEN_READONLY, &cache, NULL, &err) != -EMEDIUMTYPE)
                return 0;
        return result(c, DOCTOR_WARN, "follow the message; until then every start reads its image anew (a cache miss each time)",
                      "the verdict cache is not used: %s", err.msg);
}

/* The running containers a DB update's recheck left to 'cache fill'
 * (running.json's "pending"), still there long after: the fill timer does
 * not run, and they stay not judged. */
#define FILL_PENDING_MAX_AGE_S (10 * 60)

static int check_fill_pending(struct doctor *d, struct doctor_check *c) {
        _cleanup_free_ char *state = NULL, *path = NULL, *since = NULL;
        struct stat st;
        json_t *root;
        size_t n;

        if (running_state_file(d->cfg->cache, &state) < 0 || !(path = rooted(d, state)))
                return -ENOMEM;
        if (stat(path, &st) < 0 || time(NULL) - st.st_mtime < FILL_PENDING_MAX_AGE_S ||
            !(root = json_load_file(path, 0, NULL)))
                return 0;
        n = json_object_size(json_object_get(root, "pending"));
        json_decref(root);
        if (n == 0)
                return 0;
        if (!(since = when((int64_t) st.st_mtime)))
                return -ENOMEM;
        return result(c, DOCTOR_WARN, "systemctl enable --now portcullis-fill.timer (or run portcullis cache fill)",
                      "%zu running container%s that the recheck after a DB update left to 'cache fill' %s not "
                      "been judged since %s (%s): portcullis-fill.timer does not seem to run", n, n == 1 ? "" : "s",
                      n == 1 ? "has" : "have", since, path);
}

static int check_cache(struct doctor *d, struct doctor_check *c) {
        _cleanup_free_ char *dir = strdup(d->cfg->cache);
        char *slash;
        int r;

        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (slash && slash != dir)
                *slash = '\0';
        r = check_folder(d, c, "the cache's folder", dir);
        if (r < 0 || c->status != DOCTOR_OK)
                return r;
        r = check_cache_file(d, c);
        if (r < 0 || c->status != DOCTOR_OK)
                return r;
        return check_fill_pending(d, c);
}

static int check_lock_dir(struct doctor *d, struct doctor_check *c) {
        return check_folder(d, c, "the lock folder", d->cfg->lock_dir);
}

/* ---- the audit log -------------------------------------------------------------- */

/* The log file opened for appending (nothing written), or, absent, a
 * file made and removed in its folder: the hook creates it (0600) with
 * its first line, and a file made here could take that line with it. */
static int check_log_file(struct doctor_check *c, const char *file, struct strbuf *ok) {
        _cleanup_close_ int fd = open(file, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        _cleanup_free_ char *dir = strdup(file), *fix = NULL;
        int e = errno, k;

        if (!dir)
                return -ENOMEM;
        *strrchr(dir, '/') = '\0';
        if (fd >= 0)
                return strbuf_printf(ok, "file %s appendable", file) < 0 ? -ENOMEM : 0;
        if (e != ENOENT) {
                fix = fmt("make %s appendable by root, or set log.file in config.json", file);
                k = result(c, DOCTOR_FAIL, fix, "audit log %s can't be opened for appending: %s", file, strerror(e));
                return k < 0 ? k : 1;
        }
        k = try_create_in(dir);
        if (k == -ENOMEM)
                return k;
        if (k == 0)
                return strbuf_printf(ok, "file %s absent, its folder writable (the hook creates it)", file) < 0
                               ? -ENOMEM : 0;
        if (k == -ENOENT || k == -ENOTDIR) {
                fix = fmt("mkdir -p -m 0750 %s (or set log.file in config.json)", dir);
                k = result(c, DOCTOR_FAIL, fix, "audit log %s can't be opened for appending: %s (its folder is "
                           "missing)", file, strerror(ENOENT));
        } else {
                fix = fmt("make %s writable by root, or set log.file in config.json", dir);
                k = result(c, DOCTOR_FAIL, fix, "audit log %s is absent and its folder is not writable: %s", file,
                           strerror(-k));
        }
        return k < 0 ? k : 1;
}

/* The log file and the syslog socket, as config.json names them. */
static int check_audit_log(struct doctor *d, struct doctor_check *c) {
        /* the hook opens the log with O_NOFOLLOW: its own name is not followed */
        _cleanup_free_ char *file = rooted_at(d, d->cfg->log_file, false), *sock = NULL;
        _cleanup_close_ int sfd = -EBADF;
        struct strbuf ok = {};
        struct error err = {};
        int r;

        if (d->cfg->log_file && !file)
                return rooted_failed(d, c);
        if (file && (r = check_log_file(c, file, &ok)) != 0) {
                strbuf_done(&ok);
                return r < 0 ? r : 0;
        }
        if (d->cfg->log_syslog) {
                sock = rooted(d, d->cfg->log_syslog_socket ? d->cfg->log_syslog_socket : AUDIT_SYSLOG_SOCKET_DEFAULT);
                if (!sock) {
                        strbuf_done(&ok);
                        return rooted_failed(d, c);
                }
                if (audit_syslog_open(sock, &sfd, &err) < 0) {
                        strbuf_done(&ok);
                        return result(c, DOCTOR_FAIL, "start journald or a syslog daemon, or set log.syslog false "
                                      "in config.json (with a log.file)", "%s", err.msg);
                }
                (void) strbuf_printf(&ok, "%ssyslog socket %s connectable", ok.len ? ", " : "", sock);
        }
        if (!ok.len) {
                strbuf_done(&ok);
                return result(c, DOCTOR_FAIL, "set log.file or log.syslog in config.json",
                              "config.json sends audit lines nowhere (log.syslog false, no log.file)");
        }
        r = result(c, DOCTOR_OK, NULL, "%s", ok.s);
        strbuf_done(&ok);
        return r;
}

/* ---- the sandbox ------------------------------------------------------------------ */

static int check_sandbox(struct doctor *d, struct doctor_check *c) {
        _cleanup_free_ char *dir = fmt("%s/sandbox", d->tmp);
        struct analyze_probe p = {};
        struct error err = {};

        if (!dir)
                return -ENOMEM;
        if (mkdir(dir, 0755) < 0)
                return result(c, DOCTOR_FAIL, "check TMPDIR", "create %s: %s", dir, strerror(errno));
        if (analyze_probe(dir, DOCTOR_PROBE_DEADLINE_MS, &p, &err) < 0)
                return result(c, DOCTOR_FAIL, "see the message; the hook's analyses fail the same way (on_error "
                              "decides)", "%s", err.msg);
        if (p.missing & SANDBOX_NO_SECCOMP)
                return result(c, DOCTOR_WARN, "use a kernel with CONFIG_SECCOMP_FILTER",
                              "the analysis child runs without its seccomp filter: this kernel has none");
        if (!p.filter_kills)
                return result(c, DOCTOR_FAIL, "report this: the seccomp allow-list is not in force",
                              "a call the seccomp allow-list forbids (socket) was not killed in the child");
        if (geteuid() == 0 && (!p.chrooted || p.uid == 0))
                return result(c, DOCTOR_FAIL, "report this, with the kernel version",
                              "the child ran as uid %d, %s", p.uid, p.chrooted ? "chrooted" : "not chrooted");
        if (p.missing & SANDBOX_NO_LANDLOCK)
                return result(c, DOCTOR_WARN, "a kernel with Landlock (5.13+, lsm=landlock) adds a wall",
                              "seccomp filter kills a forbidden call; chroot %s, uid %d; no Landlock on this kernel",
                              p.chrooted ? "in place" : "skipped (not root)", p.uid);
        return result(c, geteuid() == 0 ? DOCTOR_OK : DOCTOR_WARN,
                      geteuid() == 0 ? NULL : "run portcullis doctor as root to check the chroot and the uid change",
                      "seccomp filter kills a forbidden call; Landlock in place; chroot %s, uid %d",
                      p.chrooted ? "in place" : "skipped (not root)", p.uid);
}

/* ---- a dry-run decision ------------------------------------------------------------ */

/* A file of the probe's temporary folder (no fsync: it lives for one run). */
static int write_text(const char *path, const char *text, struct error *err) {
        FILE *f = fopen(path, "wxe");
        int r;

        if (!f)
                return error_set_errno(err, errno, "create %s", path);
        r = fputs(text, f) < 0 ? -errno : 0;
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        return r < 0 ? error_set_errno(err, r, "write %s", path) : 0;
}

/* A Debian 12 rootfs with one package no record names, its bundle and an
 * OCI state: the gate's whole path (inventory child, match child, policy)
 * on something every policy starts. */
static int write_probe_bundle(const char *tmp, char **ret_state, struct error *err) {
        static const struct {
                const char *path, *text;
        } files[] = {
                { "rootfs/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"portcullis doctor probe\"\n" },
                { "rootfs/var/lib/dpkg/status",
                  "Package: portcullis-doctor-probe\nStatus: install ok installed\nArchitecture: all\n"
                  "Version: 1.0-1\n\n" },
        };
        static const char *const dirs[] = { "rootfs", "rootfs/etc", "rootfs/var", "rootfs/var/lib",
                                            "rootfs/var/lib/dpkg", "bundle" };
        _cleanup_free_ char *cfg = NULL, *state = NULL, *p = NULL;

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_free_ char *dir = fmt("%s/%s", tmp, dirs[i]);

                if (!dir || mkdir(dir, 0755) < 0)
                        return error_set_errno(err, dir ? errno : ENOMEM, "create %s/%s", tmp, dirs[i]);
        }
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *f = fmt("%s/%s", tmp, files[i].path);

                if (!f)
                        return error_set(err, ENOMEM, "out of memory");
                if (write_text(f, files[i].text, err) < 0)
                        return -EIO;
        }
        cfg = fmt("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"%s/rootfs\", \"readonly\": true}}\n", tmp);
        state = fmt("{\"ociVersion\": \"1.0.2\", \"id\": \"portcullis-doctor\", \"status\": \"creating\", \"pid\": 1, "
                    "\"bundle\": \"%s/bundle\"}\n", tmp);
        p = fmt("%s/bundle/config.json", tmp);
        if (!cfg || !state || !p)
                return error_set(err, ENOMEM, "out of memory");
        if (write_text(p, cfg, err) < 0)
                return -EIO;
        free(p);
        if (!(p = fmt("%s/state.json", tmp)))
                return error_set(err, ENOMEM, "out of memory");
        if (write_text(p, state, err) < 0)
                return -EIO;
        *ret_state = TAKE_PTR(p);
        return 0;
}

/* One decision; *ret_ms its wall time, *ret_cache the audit line's "cache". */
static int dry_run_once(const struct gate_options *o, const char *state, struct gate_result *ret, long long *ret_ms,
                        char **ret_cache) {
        _cleanup_close_ int fd = open(state, O_RDONLY | O_CLOEXEC);
        long long t0 = clock_now_ms();
        const char *cache = NULL;
        json_t *line;

        if (fd < 0)
                return -errno;
        gate_run(o, fd, ret);
        *ret_ms = clock_now_ms() - t0;
        line = ret->audit_line ? json_loads(ret->audit_line, 0, NULL) : NULL;
        (void) json_unpack(line, "{s:s}", "cache", &cache);
        *ret_cache = strdup(cache ? cache : "?");
        json_decref(line);
        return *ret_cache ? 0 : -ENOMEM;
}

/* The gate as the hook runs it, on the node's config, policy and DB, with
 * a verdict cache and lock folder of its own (the node's cache gets no
 * entry for the probe): a miss, then the same start again, a hit. */
static int check_dry_run(struct doctor *d, struct doctor_check *c) {
        _cleanup_free_ char *state = NULL, *config = NULL, *policy = NULL, *db = NULL,
                            *cache = fmt("%s/cache/cache.db", d->tmp), *locks = fmt("%s/locks", d->tmp),
                            *miss_cache = NULL, *hit_cache = NULL;
        struct gate_result miss = {}, hit = {};
        struct error err = {};
        long long miss_ms = 0, hit_ms = 0;
        unsigned deadline = d->policy ? d->policy->deadline_ms : 0;
        const char *first;
        int r;

        if (!cache || !locks)
                return -ENOMEM;
        if (!(policy = rooted(d, d->cfg->policy)) || !(db = rooted(d, d->cfg->db)))
                return rooted_failed(d, c);
        /* The config as the hook finds it; absent, a "{}" of the same meaning
         * (not the default path, which under --root is another host's). */
        if (!(config = strdup(d->config_path)))
                return -ENOMEM;
        if (access(config, F_OK) < 0) {
                free(config);
                if (!(config = fmt("%s/config.json", d->tmp)) || write_text(config, "{}\n", &err) < 0)
                        return config ? result(c, DOCTOR_FAIL, "check TMPDIR", "%s", err.msg) : -ENOMEM;
        }
        /* A policy absent at the default path is the built-in one: the gate
         * decides that itself when it is given none. */
        if (streq_ptr(d->cfg->policy, PORTCULLIS_POLICY_DEFAULT) && access(policy, F_OK) < 0) {
                free(policy);
                policy = NULL;
        }
        if (write_probe_bundle(d->tmp, &state, &err) < 0)
                return result(c, DOCTOR_FAIL, "check TMPDIR", "the probe bundle: %s", err.msg);
        {
                struct gate_options o = { .config = config, .policy = policy, .db = db, .cache = cache,
                                          .lock_dir = locks, .no_syslog = true, .dry_run = true,
                                          .state_path = state };

                if ((r = dry_run_once(&o, state, &miss, &miss_ms, &miss_cache)) < 0 ||
                    (miss.exit_code == GATE_START && (r = dry_run_once(&o, state, &hit, &hit_ms, &hit_cache)) < 0))
                        goto out;
        }
        first = miss.messages && miss.messages[0] ? miss.messages[0] : NULL;
        if (miss.exit_code != GATE_START)
                r = result(c, DOCTOR_FAIL, "fix the failures above; the hook blocks every start the same way",
                           "a clean Debian 12 test image was blocked in %lld ms: %s", miss_ms, first ? first : "?");
        else if (deadline && (unsigned long long) miss_ms > deadline)
                r = result(c, DOCTOR_WARN, "raise deadline_ms in the policy, or find what is slow (portcullis -v check)",
                           "a test image started, but its first decision took %lld ms, more than deadline_ms (%u)",
                           miss_ms, deadline);
        else if (first && startswith(first, "portcullis: warning"))
                r = result(c, DOCTOR_WARN, "see the warning", "a test image started with a warning in %lld ms: %s",
                           miss_ms, first);
        else
                r = result(c, DOCTOR_OK, NULL,
                           "a test image would start: first decision (cache %s) in %lld ms, again (cache %s) in "
                           "%lld ms", miss_cache, miss_ms, hit_cache ? hit_cache : "?", hit_ms);
out:
        gate_result_done(&miss);
        gate_result_done(&hit);
        return r;
}

/* ---- the run ---------------------------------------------------------------------- */

static const struct {
        const char *name;
        int (*fn)(struct doctor *d, struct doctor_check *c);
} checks[] = {
        { "config", check_config },
        { "runtime.containerd", check_containerd },
        { "runtime.oci-hooks", check_hooks_d },
        { "runtime.docker", check_docker },
        { "hook", check_hook },
        { "shim", check_shim },
        { "policy", check_policy },
        { "db", check_db },
        { "update", check_update },
        { "cache", check_cache },
        { "lock_dir", check_lock_dir },
        { "audit_log", check_audit_log },
        { "sandbox", check_sandbox },
        { "dry_run", check_dry_run },
};

/* rm -r of the probe's folder: only what the doctor made there. */
static void remove_tree(const char *path) {
        struct stat st;

        if (lstat(path, &st) < 0)
                return;
        if (!S_ISDIR(st.st_mode)) {
                (void) unlink(path);
                return;
        }
        {
                DIR *dir = opendir(path);
                struct dirent *de;

                while (dir && (de = readdir(dir))) {
                        _cleanup_free_ char *sub = NULL;

                        if (streq_ptr(de->d_name, ".") || streq_ptr(de->d_name, ".."))
                                continue;
                        if ((sub = fmt("%s/%s", path, de->d_name)))
                                remove_tree(sub);
                }
                if (dir)
                        closedir(dir);
        }
        (void) rmdir(path);
}

int doctor_run(const struct doctor_options *o, struct doctor_report *ret, struct error *err) {
        struct doctor d = { .o = o };
        const char *tmpdir = getenv("TMPDIR");
        struct doctor_report rep = {};
        int r = 0;

        d.tmp = fmt("%s/portcullis-doctor-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
        if (!d.tmp)
                return error_set(err, ENOMEM, "out of memory");
        if (!mkdtemp(d.tmp)) {
                r = error_set_errno(err, errno, "create a temporary folder in %s", tmpdir ? tmpdir : "/tmp");
                free(d.tmp);
                return r;
        }
        rep.checks = calloc(ELEMENTSOF(checks), sizeof(*rep.checks));
        if (!rep.checks)
                r = -ENOMEM;
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(checks); i++) {
                struct doctor_check *c = &rep.checks[rep.n_checks++];
                long long t0 = clock_now_ms();

                c->name = checks[i].name;
                r = checks[i].fn(&d, c);
                c->duration_ms = clock_now_ms() - t0;
                if (r >= 0)
                        rep.counts[c->status]++;
        }
        remove_tree(d.tmp);
        free(d.tmp);
        free(d.config_path);
        config_free(d.cfg);
        policy_free(d.policy);
        if (r < 0) {
                doctor_report_done(&rep);
                return error_set(err, r, "portcullis doctor: out of memory");
        }
        *ret = rep;
        return 0;
}

void doctor_report_done(struct doctor_report *r) {
        for (size_t i = 0; r && i < r->n_checks; i++) {
                free(r->checks[i].detail);
                free(r->checks[i].fix);
        }
        if (r) {
                free(r->checks);
                *r = (struct doctor_report) {};
        }
}
