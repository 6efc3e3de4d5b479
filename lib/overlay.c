/* SPDX-License-Identifier: Apache-2.0 */
/* The image's identity from its overlay mount (see overlay.h).
 *
 * Why the lower list can be trusted: the runtime (containerd's snapshotter,
 * containers/storage) creates every layer folder as root, under a folder no
 * other user can enter (0700), and never writes a committed layer again; a
 * container sees only the merged view, never the folders.  So a layer is
 * named by its real path, device and inode (and birth time where the file
 * system keeps one, against inode reuse), provided that every folder on the
 * way to it is root's and not writable by anyone else -- else whoever could
 * write there could swap a symlink or a folder after the mount was made
 * (refused below, with the reason).  The mount's own description comes from
 * the kernel (statmount(2), else /proc/self/mountinfo), not from the
 * container or its annotations. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "base/digest.h"
#include "base/fileio.h"
#include "base/strutil.h"
#include "overlay.h"

#define OVERLAYFS_MAGIC 0x794c7630
#define OVERLAY_SYMLINKS_MAX 32
#define OVERLAY_MEMO_MAX 128

void overlay_mount_done(struct overlay_mount *m) {
        for (size_t i = 0; i < m->n_lowers; i++)
                free(m->lowers[i].path);
        free(m->lowers);
        free(m->root);
        free(m->mount_point);
        free(m->fs_type);
        free(m->upperdir);
        free(m->workdir);
        free(m->view);
        free(m->submount);
        *m = (struct overlay_mount) {};
}

void overlay_probe_done(struct overlay_probe *p) {
        free(p->identity);
        free(p->layers_identity);
        free(p->lowers_options);
        free(p->why_not);
        free(p->image_name);
        free(p->name_note);
        *p = (struct overlay_probe) {};
}

static bool is_octal(char c) {
        return c >= '0' && c <= '7';
}

char *overlay_unescape(const char *s, size_t n) {
        char *r = malloc(n + 1), *o = r;

        if (!r)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                /* seq_escape() writes \ooo; a value above \377 is not one of its escapes */
                if (s[i] == '\\' && n - i >= 4 && is_octal(s[i + 1]) && is_octal(s[i + 2]) && is_octal(s[i + 3]) &&
                    s[i + 1] <= '3') {
                        *o++ = (char) (((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) | (s[i + 3] - '0'));
                        i += 3;
                } else
                        *o++ = s[i];
        }
        *o = '\0';
        return r;
}

static int add_layer(struct overlay_mount *m, const char *path, size_t n, bool data_only, struct error *err) {
        struct overlay_layer *l;

        if (n == 0)
                return error_set(err, EINVAL, "an empty lower layer in the overlay mount's lowerdir");
        if (m->n_lowers >= OVERLAY_LAYERS_MAX)
                return error_set(err, E2BIG, "more than %d lower layers in the overlay mount", OVERLAY_LAYERS_MAX);
        l = realloc(m->lowers, (m->n_lowers + 1) * sizeof(*l));
        if (!l)
                return error_set(err, ENOMEM, "out of memory");
        m->lowers = l;
        l[m->n_lowers].path = strndup(path, n);
        l[m->n_lowers].data_only = data_only;
        if (!l[m->n_lowers].path)
                return error_set(err, ENOMEM, "out of memory");
        if (strlen(l[m->n_lowers].path) != n) {
                free(l[m->n_lowers].path);
                return error_set(err, EINVAL, "a lower layer's path holds a NUL byte");
        }
        m->n_lowers++;
        return 0;
}

/* lowerdir's value as the mount was given it (overlayfs' own syntax):
 * ':' separates layers, '\' takes the next character as it is, "::" puts
 * the layers after it in the data-only group. */
static int split_lowerdir(struct overlay_mount *m, const char *v, struct error *err) {
        struct strbuf b = { .max = PATH_MAX };
        bool data_only = false;
        int k = 0;

        for (const char *p = v;; p++) {
                if (*p == '\\' && p[1]) {
                        p++;
                        if (strbuf_append(&b, p, 1) < 0) {
                                k = error_set(err, ENAMETOOLONG, "a lower layer's path is longer than %d", PATH_MAX);
                                break;
                        }
                        continue;
                }
                if (*p != ':' && *p != '\0') {
                        if (strbuf_append(&b, p, 1) < 0) {
                                k = error_set(err, ENAMETOOLONG, "a lower layer's path is longer than %d", PATH_MAX);
                                break;
                        }
                        continue;
                }
                k = add_layer(m, strempty(b.s), b.len, data_only, err);
                if (k < 0 || *p == '\0')
                        break;
                b.len = 0;
                if (p[1] == ':') {
                        if (data_only) {
                                k = error_set(err, EINVAL, "'::' twice in the overlay mount's lowerdir");
                                break;
                        }
                        data_only = true;
                        p++;
                }
        }
        strbuf_done(&b);
        return k;
}

static int set_once(char **field, const char *key, char *v, struct error *err) {
        if (*field) {
                free(v);
                return error_set(err, EINVAL, "%s given twice in the overlay mount's options", key);
        }
        *field = v;
        return 0;
}

/* s without the backslashes that take the next character as it is, in
 * place (the kernel's ovl_unescape()). */
static void unbackslash(char *s) {
        char *o = s;

        for (; *s; s++) {
                if (*s == '\\' && s[1])
                        s++;
                *o++ = *s;
        }
        *o = '\0';
}

/* One option "key=value": still escaped as mountinfo escapes it (octal
 * escapes of the value as the mount was given it), or, with mount_syntax,
 * as mount(2) takes it.  Either way, in lowerdir=, upperdir= and workdir=
 * a backslash takes the next character as it is (the kernel unescapes
 * them, ovl_mount_dir(), and shows them as given); lowerdir+= and
 * datadir+= are taken as they are (ovl_mount_dir_noesc()). */
static int parse_option(struct overlay_mount *m, const char *o, size_t n, bool mount_syntax, struct error *err) {
        const char *eq = memchr(o, '=', n);
        size_t klen = eq ? (size_t) (eq - o) : n;
        _cleanup_free_ char *v = NULL;
        int k;

        if (!eq)
                return 0;
        v = mount_syntax ? strndup(eq + 1, n - klen - 1) : overlay_unescape(eq + 1, n - klen - 1);
        if (!v)
                return error_set(err, ENOMEM, "out of memory");
        if ((klen == STRLEN("upperdir") && memcmp(o, "upperdir", klen) == 0) ||
            (klen == STRLEN("workdir") && memcmp(o, "workdir", klen) == 0))
                unbackslash(v);
        if (klen == STRLEN("lowerdir") && memcmp(o, "lowerdir", klen) == 0) {
                if (m->n_lowers > 0)
                        return error_set(err, EINVAL, "lowerdir given twice in the overlay mount's options");
                return split_lowerdir(m, v, err);
        }
        if ((klen == STRLEN("lowerdir+") && memcmp(o, "lowerdir+", klen) == 0) ||
            (klen == STRLEN("datadir+") && memcmp(o, "datadir+", klen) == 0)) {
                bool data = o[0] == 'd';

                if (!data && m->n_lowers > 0 && m->lowers[m->n_lowers - 1].data_only)
                        return error_set(err, EINVAL, "lowerdir+ after datadir+ in the overlay mount's options");
                return add_layer(m, v, strlen(v), data, err);
        }
        if (klen == STRLEN("upperdir") && memcmp(o, "upperdir", klen) == 0)
                return k = set_once(&m->upperdir, "upperdir", TAKE_PTR(v), err), k;
        if (klen == STRLEN("workdir") && memcmp(o, "workdir", klen) == 0)
                return set_once(&m->workdir, "workdir", TAKE_PTR(v), err);
        return 0;
}

/* Whether o (n bytes, "key" or "key=value") is an option that decides
 * what the layers' redirects, metacopy files and opaque folders mean: the
 * same layers read otherwise under another. */
static bool view_option(const char *o, size_t n) {
        static const char *const keys[] = { "redirect_dir", "metacopy", "userxattr" };
        const char *eq = memchr(o, '=', n);     /* o[0..n) is not a string: no strcspn() past it */
        size_t klen = eq ? (size_t) (eq - o) : n;

        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (klen == strlen(keys[i]) && memcmp(o, keys[i], klen) == 0)
                        return true;
        return false;
}

/* The length of the option at o (up to len bytes): to the next ',' --
 * in mountinfo's text a value's commas are octal escapes; in mount(2)'s,
 * one a backslash escapes (the kernel's ovl_next_opt()). */
static size_t option_length(const char *o, size_t len, bool mount_syntax) {
        const char *c;
        size_t i = 0;

        if (!mount_syntax) {
                c = memchr(o, ',', len);
                return c ? (size_t) (c - o) : len;
        }
        while (i < len && o[i] != ',')
                i += o[i] == '\\' && i + 1 < len ? 2 : 1;
        return i;
}

static int parse_options(const char *opts, size_t len, bool mount_syntax, struct overlay_mount *m,
                         struct error *err) {
        size_t i = 0;
        char *v;
        int k;

        while (i < len) {
                size_t n = option_length(opts + i, len - i, mount_syntax);

                k = parse_option(m, opts + i, n, mount_syntax, err);
                if (k < 0)
                        return k;
                if (view_option(opts + i, n)) {
                        if (asprintf(&v, "%s%s%.*s", strempty(m->view), m->view ? "," : "", (int) n, opts + i) < 0)
                                return error_set(err, ENOMEM, "out of memory");
                        free(m->view);
                        m->view = v;
                }
                i += n + 1;
        }
        if (m->n_lowers == 0)
                return error_set(err, EINVAL, "the overlay mount names no lower layer");
        if (m->lowers[0].data_only)
                return error_set(err, EINVAL, "the overlay mount has only data-only lower layers");
        return 0;
}

int overlay_parse_options(const char *opts, size_t len, struct overlay_mount *m, struct error *err) {
        return parse_options(opts, len, false, m, err);
}

int overlay_parse_mount_options(const char *opts, struct overlay_mount *m, struct error *err) {
        return parse_options(opts, strlen(opts), true, m, err);
}

/* Field i (from 0) of a mountinfo line cut at single spaces. */
static bool field(const char *line, size_t len, unsigned idx, const char **ret, size_t *ret_n) {
        const char *sp;
        size_t i = 0;

        for (unsigned f = 0; f < idx; f++) {
                sp = memchr(line + i, ' ', len - i);
                if (!sp)
                        return false;
                i = (size_t) (sp - line) + 1;
        }
        sp = memchr(line + i, ' ', len - i);
        *ret = line + i;
        *ret_n = sp ? (size_t) (sp - line) - i : len - i;
        return true;
}

/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE
 * SUPER" (proc_pid_mountinfo(5)). */
static int parse_line(const char *line, size_t len, struct overlay_mount *ret, struct error *err) {
        const char *root, *mp, *opts, *sep, *fs, *super;
        size_t rn, mn, on, fn, sn, rest;

        if (!field(line, len, 3, &root, &rn) || !field(line, len, 4, &mp, &mn) || !field(line, len, 5, &opts, &on))
                return error_set(err, EINVAL, "/proc/self/mountinfo: a line with fewer than 6 fields");
        /* Fields are escaped, so hold no space: the optional fields end at
         * the first lone "-". */
        rest = len - (size_t) (opts + on - line);
        sep = memmem(opts + on, rest, " - ", 3);
        if (!sep)
                return error_set(err, EINVAL, "/proc/self/mountinfo: a line without the '-' separator");
        rest = len - (size_t) (sep + 3 - line);
        if (!field(sep + 3, rest, 0, &fs, &fn) || !field(sep + 3, rest, 2, &super, &sn))
                return error_set(err, EINVAL, "/proc/self/mountinfo: a line without file system fields");
        sn = len - (size_t) (super - line);     /* the rest of the line */
        ret->root = overlay_unescape(root, rn);
        ret->mount_point = overlay_unescape(mp, mn);
        ret->fs_type = overlay_unescape(fs, fn);
        if (!ret->root || !ret->mount_point || !ret->fs_type)
                return error_set(err, ENOMEM, "out of memory");
        if (!streq_ptr(ret->fs_type, "overlay"))
                return 0;
        return overlay_parse_options(super, sn, ret, err);
}

/* The mount point of the first mount in buf whose parent is id, or NULL
 * (*ret_enomem when it could not be copied). */
static char *mountinfo_child(const char *buf, size_t len, unsigned long long id, bool *ret_enomem) {
        for (size_t i = 0; i < len;) {
                const char *nl = memchr(buf + i, '\n', len - i), *mp, *parent;
                size_t n = nl ? (size_t) (nl - buf) - i : len - i, mn, pn;
                unsigned long long v = 0;
                size_t d = 0;

                if (field(buf + i, n, 1, &parent, &pn) && field(buf + i, n, 4, &mp, &mn)) {
                        while (d < pn && d < 20 && parent[d] >= '0' && parent[d] <= '9')
                                v = v * 10 + (unsigned) (parent[d++] - '0');
                        if (d > 0 && d == pn && v == id) {
                                char *r = overlay_unescape(mp, mn);

                                *ret_enomem = !r;
                                return r;
                        }
                }
                i += n + 1;
        }
        return NULL;
}

int overlay_mountinfo_find(const char *buf, size_t len, unsigned long long id, struct overlay_mount *ret,
                           struct error *err) {
        for (size_t i = 0; i < len;) {
                const char *nl = memchr(buf + i, '\n', len - i);
                size_t n = nl ? (size_t) (nl - buf) - i : len - i;
                unsigned long long v = 0;
                size_t d = 0;
                struct overlay_mount m = {};
                bool enomem = false;
                int k;

                while (d < n && d < 20 && buf[i + d] >= '0' && buf[i + d] <= '9')
                        v = v * 10 + (unsigned) (buf[i + d++] - '0');
                if (d > 0 && d < n && buf[i + d] == ' ' && v == id) {
                        m.id = v;
                        k = parse_line(buf + i, n, &m, err);
                        if (k >= 0 && !(m.submount = mountinfo_child(buf, len, v, &enomem)) && enomem)
                                k = error_set(err, ENOMEM, "out of memory");
                        if (k < 0) {
                                overlay_mount_done(&m);
                                return k;
                        }
                        *ret = m;
                        return 0;
                }
                i += n + 1;
        }
        return -ENOENT;
}

/* statmount(2) (Linux 6.8; mnt_opts since 6.10), declared here from the
 * kernel's UAPI (include/uapi/linux/mount.h) for older headers. */
#ifndef __NR_statmount
#define __NR_statmount 457
#endif
#ifndef __NR_listmount
#define __NR_listmount 458
#endif
#define PC_STATX_MNT_ID 0x00001000U
#define PC_STATX_MNT_ID_UNIQUE 0x00004000U
#define PC_STATX_ATTR_MOUNT_ROOT 0x00002000ULL
#define PC_STATMOUNT_MNT_BASIC 0x02U
#define PC_STATMOUNT_MNT_ROOT 0x08U
#define PC_STATMOUNT_MNT_POINT 0x10U
#define PC_STATMOUNT_FS_TYPE 0x20U
#define PC_STATMOUNT_MNT_OPTS 0x80U

struct pc_mnt_id_req {
        uint32_t size, spare;
        uint64_t mnt_id, param;
};

struct pc_statmount {
        uint32_t size, mnt_opts;
        uint64_t mask;
        uint32_t sb_dev_major, sb_dev_minor;
        uint64_t sb_magic;
        uint32_t sb_flags, fs_type;
        uint64_t mnt_id, mnt_parent_id;
        uint32_t mnt_id_old, mnt_parent_id_old;
        uint64_t mnt_attr, mnt_propagation, mnt_peer_group, mnt_master, propagate_from;
        uint32_t mnt_root, mnt_point;
        uint64_t spare[50];
        char str[];
};

#define STATMOUNT_BUF 65536

static char *sm_string(const struct pc_statmount *s, uint32_t off, size_t buflen) {
        size_t max = buflen - offsetof(struct pc_statmount, str);

        if (off >= max || !memchr(s->str + off, '\0', max - off))
                return NULL;
        return strdup(s->str + off);
}

/* The mount through statmount(2): 1 when it answered, 0 when the kernel
 * can't (then mountinfo serves). */
static int mount_by_statmount(unsigned long long unique_id, struct overlay_mount *ret, struct error *err) {
        static const uint64_t want = PC_STATMOUNT_MNT_ROOT | PC_STATMOUNT_MNT_POINT | PC_STATMOUNT_FS_TYPE |
                                     PC_STATMOUNT_MNT_OPTS | PC_STATMOUNT_MNT_BASIC;
        struct pc_mnt_id_req req = { .size = 24, .mnt_id = unique_id, .param = want };
        _cleanup_free_ struct pc_statmount *s = calloc(1, STATMOUNT_BUF);
        uint64_t child;
        char *opts;
        int k;

        if (!s)
                return error_set(err, ENOMEM, "out of memory");
        if (syscall(__NR_statmount, &req, s, STATMOUNT_BUF, 0) < 0 || (s->mask & want) != want)
                return 0;       /* ENOSYS, a seccomp filter, a kernel without mnt_opts */
        ret->id = s->mnt_id_old;
        ret->root = sm_string(s, s->mnt_root, STATMOUNT_BUF);
        ret->mount_point = sm_string(s, s->mnt_point, STATMOUNT_BUF);
        ret->fs_type = sm_string(s, s->fs_type, STATMOUNT_BUF);
        opts = sm_string(s, s->mnt_opts, STATMOUNT_BUF);
        if (!ret->root || !ret->mount_point || !ret->fs_type || !opts) {
                free(opts);
                return error_set(err, EINVAL, "statmount: an answer without the mount's root, point, type or options");
        }
        k = streq_ptr(ret->fs_type, "overlay") ? overlay_parse_options(opts, strlen(opts), ret, err) : 0;
        free(opts);
        if (k < 0)
                return k;
        /* a mount inside it (listmount(2), Linux 6.8: with statmount's
         * mnt_opts, 6.10, always there; refused by a filter, not known) */
        req = (struct pc_mnt_id_req) { .size = 24, .mnt_id = unique_id };
        if (syscall(__NR_listmount, &req, &child, 1, 0) == 1) {
                req = (struct pc_mnt_id_req) { .size = 24, .mnt_id = child, .param = PC_STATMOUNT_MNT_POINT };
                if (syscall(__NR_statmount, &req, s, STATMOUNT_BUF, 0) < 0 || !(s->mask & PC_STATMOUNT_MNT_POINT) ||
                    !(ret->submount = sm_string(s, s->mnt_point, STATMOUNT_BUF)))
                        ret->submount = strdup("?");
                if (!ret->submount)
                        return error_set(err, ENOMEM, "out of memory");
        }
        return 1;
}

static int mount_by_mountinfo(const char *path, struct overlay_mount *ret, struct error *err) {
        _cleanup_free_ char *buf = NULL;
        struct statx sx;
        size_t len;
        int k;

        if (statx(AT_FDCWD, path, 0, PC_STATX_MNT_ID, &sx) < 0)
                return error_set_errno(err, errno, "statx %s", path);
        if (!(sx.stx_mask & PC_STATX_MNT_ID))
                return error_set(err, EOPNOTSUPP, "the kernel gives no mount id (statx STATX_MNT_ID, Linux 5.8)");
        k = read_full_file("/proc/self/mountinfo", OVERLAY_MOUNTINFO_MAX, &buf, &len, err);
        if (k < 0)
                return k;
        k = overlay_mountinfo_find(buf, len, sx.stx_mnt_id, ret, err);
        if (k == -ENOENT)
                return error_set(err, ENOENT, "mount %llu of %s is not in /proc/self/mountinfo",
                                 (unsigned long long) sx.stx_mnt_id, path);
        return k;
}

/* ---- the layer folders -------------------------------------------------- */

/* Folders already checked during one probe (their real paths): the layers
 * of one image share most of their way. */
struct memo {
        char *dirs[OVERLAY_MEMO_MAX];
        bool private_[OVERLAY_MEMO_MAX];
        size_t n;
};

static void memo_done(struct memo *m) {
        for (size_t i = 0; i < m->n; i++)
                free(m->dirs[i]);
        m->n = 0;
}

static int memo_find(const struct memo *m, const char *dir) {
        for (size_t i = 0; i < m->n; i++)
                if (streq_ptr(m->dirs[i], dir))
                        return (int) i;
        return -1;
}

static void memo_add(struct memo *m, const char *dir, bool private_) {
        if (m->n < OVERLAY_MEMO_MAX && (m->dirs[m->n] = strdup(dir)))
                m->private_[m->n++] = private_;
}

/* A folder on the way to a layer: root's, and writable by nobody else (a
 * sticky folder such as /tmp, where others can't rename root's entries, is
 * fine on the way, never as the layer itself). */
static int check_dir(const char *path, const struct statx *sx, bool last, char **why) {
        mode_t m = sx->stx_mode;

        if (sx->stx_uid != 0)
                return asprintf(why, "%s is owned by uid %u, not root", path, sx->stx_uid) < 0 ? -ENOMEM : -EPERM;
        if ((m & (S_IWGRP | S_IWOTH)) && (last || !(m & S_ISVTX)))
                return asprintf(why, "%s is writable by users other than root (mode %04o)", path,
                                (unsigned) (m & 07777)) < 0 ? -ENOMEM : -EPERM;
        return 0;
}

/* The next component of *rest, cut off (rest moves past it). */
static bool next_component(const char **rest, char comp[static NAME_MAX + 1]) {
        const char *p = *rest, *e;

        while (*p == '/')
                p++;
        if (!*p)
                return false;
        e = strchrnul(p, '/');
        snprintf(comp, NAME_MAX + 1, "%.*s", (int) (e - p), p);
        *rest = e;
        return true;
}

struct walk {
        struct memo *memo;
        char real[PATH_MAX];    /* resolved so far: no symlink in it */
        bool private_;          /* some folder on the way is closed to other users */
        int links;
};

/* *why = "<path>: <strerror(code)>"; returns -code. */
static int why_errno(char **why, int code, const char *path) {
        return asprintf(why, "%s: %s", path, strerror(code)) < 0 ? -ENOMEM : -code;
}

/* One step: into a folder (checked, remembered), or through a symlink
 * (root's; *ret_target is where it leads). */
static int walk_step(struct walk *w, const char *comp, char **ret_target, char **why) {
        char cand[PATH_MAX], target[PATH_MAX];
        struct statx sx;
        ssize_t n;
        int i, k;

        if (streq_ptr(comp, "."))
                return 0;
        if (streq_ptr(comp, "..")) {        /* w->real holds no symlink: ".." is lexical */
                char *s = strrchr(w->real, '/');

                if (s)
                        *s = '\0';
                i = memo_find(w->memo, w->real);
                w->private_ = i >= 0 && w->memo->private_[i];
                return 0;
        }
        if (snprintf(cand, sizeof(cand), "%s/%s", w->real, comp) >= (int) sizeof(cand))
                return why_errno(why, ENAMETOOLONG, w->real);
        if ((i = memo_find(w->memo, cand)) >= 0) {
                memcpy(w->real, cand, sizeof(cand));
                w->private_ = w->memo->private_[i];
                return 0;
        }
        if (statx(AT_FDCWD, cand, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) < 0)
                return why_errno(why, errno, cand);
        if (S_ISLNK(sx.stx_mode)) {
                if (sx.stx_uid != 0)
                        return asprintf(why, "%s is a symlink owned by uid %u, not root", cand, sx.stx_uid) < 0
                                       ? -ENOMEM : -EPERM;
                if (++w->links > OVERLAY_SYMLINKS_MAX)
                        return why_errno(why, ELOOP, cand);
                n = readlink(cand, target, sizeof(target) - 1);
                if (n <= 0)
                        return why_errno(why, n < 0 ? errno : EINVAL, cand);
                target[n] = '\0';
                if (target[0] == '/') {
                        w->real[0] = '\0';
                        w->private_ = false;
                }
                *ret_target = strdup(target);
                return *ret_target ? 1 : -ENOMEM;
        }
        if (!S_ISDIR(sx.stx_mode))
                return why_errno(why, ENOTDIR, cand);
        k = check_dir(cand, &sx, false, why);
        if (k < 0)
                return k;
        memcpy(w->real, cand, sizeof(cand));
        w->private_ = w->private_ || !(sx.stx_mode & (S_IXGRP | S_IXOTH));
        memo_add(w->memo, cand, w->private_);
        return 0;
}

/* Resolves path (relative ones against base) component by component, each
 * folder and symlink on the way checked as root's (check_dir()); the layer
 * itself must be writable by root alone and lie behind a folder closed to
 * other users.  *ret_real is its real path, *ret_sx its statx.  On refusal
 * a negative errno with *why saying what. */
static int resolve_layer(struct memo *memo, const char *path, const char *base, char **ret_real,
                         struct statx *ret_sx, char **why) {
        struct walk w = { .memo = memo };
        _cleanup_free_ char *rest = NULL;
        struct statx sx;
        int k;

        if (path[0] != '/' && !base)
                return asprintf(why, "the layer %s is a relative path and the storage folder is not known", path) < 0
                               ? -ENOMEM : -EINVAL;
        if (asprintf(&rest, "%s%s%s", path[0] == '/' ? "" : base, path[0] == '/' ? "" : "/", path) < 0)
                return -ENOMEM;
        for (;;) {
                _cleanup_free_ char *target = NULL;
                char comp[NAME_MAX + 1], *next = NULL;
                const char *r = rest;

                if (!next_component(&r, comp))
                        break;
                k = walk_step(&w, comp, &target, why);
                if (k < 0)
                        return k;
                if (asprintf(&next, "%s%s", k > 0 ? target : "", r) < 0)
                        return -ENOMEM;
                free(rest);
                rest = next;
        }
        if (statx(AT_FDCWD, w.real[0] ? w.real : "/", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_BTIME, &sx) < 0)
                return why_errno(why, errno, w.real);
        if (!S_ISDIR(sx.stx_mode))
                return why_errno(why, ENOTDIR, w.real);
        if ((k = check_dir(w.real, &sx, true, why)) < 0)
                return k;
        if (!w.private_)
                return asprintf(why, "the layer %s is reachable by users other than root (no folder on its way is "
                                "closed to them), so its files could change", w.real) < 0 ? -ENOMEM : -EPERM;
        *ret_real = strdup(w.real);
        *ret_sx = sx;
        return *ret_real ? 0 : -ENOMEM;
}

/* ---- the upper layer ---------------------------------------------------- */

/* Empty files a runtime creates as bind-mount targets when the image lacks
 * them (runc for CRI's and Podman's /etc files, Podman's .containerenv). */
static const char *const runtime_files[] = {
        "etc/hostname", "etc/hosts", "etc/resolv.conf", "run/.containerenv",
};

/* Symlinks a runtime creates when the image lacks them: Podman points
 * /etc/mtab at /proc/mounts (libpod's container setup). */
static const struct {
        const char *path, *target;
} runtime_links[] = {
        { "etc/mtab", "/proc/mounts" },
};

static bool runtime_link(int dfd, const char *name, const char *rel) {
        char target[64];
        ssize_t n;

        for (size_t i = 0; i < ELEMENTSOF(runtime_links); i++) {
                if (!streq_ptr(rel, runtime_links[i].path))
                        continue;
                n = readlinkat(dfd, name, target, sizeof(target) - 1);
                if (n <= 0)
                        return false;
                target[n] = '\0';
                return streq_ptr(target, runtime_links[i].target);
        }
        return false;
}

struct upper_walk {
        int *lower_fds;         /* the same folder in each lower, or -1 */
        size_t n_lowers;
        dev_t dev;              /* the upper layer's file system */
        size_t entries;
        char *why;
};

/* Overlay's own attributes that change what the merged folder shows:
 * opaque (hides the lowers' folder), redirect (shows another folder),
 * metacopy (data elsewhere).  origin, impure, uuid only record a copy-up
 * (Documentation/filesystems/overlayfs.rst). */
static bool changes_view(int fd) {
        static const char *const names[] = { "opaque", "redirect", "metacopy" };
        static const char *const prefixes[] = { "trusted.overlay.", "user.overlay." };
        char list[4096];
        ssize_t n = flistxattr(fd, list, sizeof(list));

        if (n < 0)
                return errno == ERANGE;         /* too many to list: not the runtime's plain folder */
        for (ssize_t i = 0; i < n; i += (ssize_t) strlen(list + i) + 1)
                for (size_t p = 0; p < ELEMENTSOF(prefixes); p++)
                        for (size_t k = 0; k < ELEMENTSOF(names); k++)
                                if (startswith(list + i, prefixes[p]) &&
                                    streq_ptr(list + i + strlen(prefixes[p]), names[k]))
                                        return true;
        return false;
}

static int upper_dir(struct upper_walk *u, int dfd, const char *rel, unsigned depth);

_printf_(2, 3) static int say_why(struct upper_walk *u, const char *fmt, ...) {
        va_list ap;
        int n;

        free(u->why);
        va_start(ap, fmt);
        n = vasprintf(&u->why, fmt, ap);
        va_end(ap);
        if (n < 0)
                u->why = NULL;
        return n < 0 ? -ENOMEM : -EEXIST;
}

/* In the lowers (fds of the parent folder in each): 1 when name is there,
 * with *all_dirs telling whether it is a folder in every lower that has it;
 * child_fds (n_lowers) get the folder opened where it is one. */
static int in_lowers(struct upper_walk *u, const char *name, bool *all_dirs, int *child_fds) {
        bool found = false;

        *all_dirs = true;
        for (size_t i = 0; i < u->n_lowers; i++) {
                struct stat st;

                child_fds[i] = -EBADF;
                if (u->lower_fds[i] < 0 || fstatat(u->lower_fds[i], name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                found = true;
                if (!S_ISDIR(st.st_mode))
                        *all_dirs = false;
                else
                        child_fds[i] = openat(u->lower_fds[i], name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        return found;
}

static void close_all(int *fds, size_t n) {
        for (size_t i = 0; i < n; i++)
                closep(&fds[i]);
}

static int upper_entry(struct upper_walk *u, int dfd, const char *rel, const char *name, unsigned depth) {
        _cleanup_free_ int *child = calloc(u->n_lowers ? u->n_lowers : 1, sizeof(int));
        _cleanup_close_ int fd = -EBADF;
        int *saved = u->lower_fds;
        struct stat st;
        bool all_dirs;
        int k, found;

        if (!child)
                return -ENOMEM;
        if (++u->entries > OVERLAY_UPPER_ENTRIES_MAX)
                return say_why(u, "the upper layer holds more than %d entries (at /%s)", OVERLAY_UPPER_ENTRIES_MAX, rel);
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return say_why(u, "the upper layer's %s can't be examined", rel);
        /* the overlay reads its upper without crossing mounts: what is
         * mounted there hides from this walk what the container sees */
        if (st.st_dev != u->dev)
                return say_why(u, "the upper layer's /%s is another file system mounted over its folder", rel);
        found = in_lowers(u, name, &all_dirs, child);
        if (S_ISREG(st.st_mode)) {
                bool runtime = false;

                close_all(child, u->n_lowers);
                for (size_t i = 0; i < ELEMENTSOF(runtime_files); i++)
                        runtime = runtime || streq_ptr(rel, runtime_files[i]);
                if (st.st_size != 0 || !runtime || found)
                        return say_why(u, "the upper layer holds the file /%s: the container's own changes", rel);
                return 0;
        }
        if (S_ISLNK(st.st_mode) && !found && runtime_link(dfd, name, rel)) {
                close_all(child, u->n_lowers);
                return 0;
        }
        if (!S_ISDIR(st.st_mode)) {
                close_all(child, u->n_lowers);
                return say_why(u, S_ISCHR(st.st_mode) ? "the upper layer deletes /%s (a whiteout)"
                                                      : "the upper layer holds /%s, which is not a folder", rel);
        }
        if (found && !all_dirs) {
                close_all(child, u->n_lowers);
                return say_why(u, "the upper layer's folder /%s replaces a file of the image", rel);
        }
        fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || changes_view(fd)) {
                close_all(child, u->n_lowers);
                return say_why(u, "the upper layer's folder /%s is opaque or redirected", rel);
        }
        u->lower_fds = child;
        k = depth + 1 >= OVERLAY_UPPER_DEPTH_MAX ? say_why(u, "the upper layer is deeper than %d at /%s", OVERLAY_UPPER_DEPTH_MAX, rel)
                                                 : upper_dir(u, TAKE_FD(fd), rel, depth + 1);
        u->lower_fds = saved;
        close_all(child, u->n_lowers);
        return k;
}

/* Takes dfd. */
static int upper_dir(struct upper_walk *u, int dfd, const char *rel, unsigned depth) {
        DIR *d = fdopendir(dfd);
        struct dirent *de;
        int k = 0;

        if (!d) {
                closep(&dfd);
                return say_why(u, "the upper layer's folder /%s can't be read", rel);
        }
        while (k >= 0 && (errno = 0, de = readdir(d))) {
                char sub[PATH_MAX];

                if (streq_ptr(de->d_name, ".") || streq_ptr(de->d_name, ".."))
                        continue;
                snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", de->d_name);
                k = upper_entry(u, dirfd(d), sub, de->d_name, depth);
        }
        closedir(d);
        return k;
}

/* 0 when upper (on the file system dev) holds only empty runtime
 * mountpoints; -EEXIST with *why. */
static int check_upper(const char *upper, dev_t dev, char *const *lower_real, size_t n, char **why) {
        _cleanup_free_ int *fds = calloc(n ? n : 1, sizeof(int));
        struct upper_walk u = { .lower_fds = fds, .n_lowers = n, .dev = dev };
        int dfd, k;

        if (!fds)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                fds[i] = open(lower_real[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        dfd = open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        k = dfd < 0 ? say_why(&u, "the upper layer %s can't be opened", upper) : upper_dir(&u, dfd, "", 0);
        close_all(fds, n);
        if (k < 0)
                *why = TAKE_PTR(u.why);
        free(u.why);
        return k;
}

/* ---- Docker's init layer ------------------------------------------------- */

/* Docker (overlay2) puts a layer of its own above the image's for each
 * container, <id>-init, with the mountpoints it bind-mounts over and
 * nothing else (moby daemon/initlayer): empty files and folders, and
 * /etc/mtab -> /proc/mounts.  Held to exactly that, it says nothing about
 * the image, and leaving it out of the identity lets the containers of one
 * image share it.  Anything else in it, and it is hashed as a layer. */
static const struct {
        const char *path;
        mode_t type;
        const char *target;     /* a symlink's */
} docker_init[] = {
        { ".dockerenv", S_IFREG, NULL }, { "dev", S_IFDIR, NULL }, { "dev/console", S_IFREG, NULL },
        { "dev/pts", S_IFDIR, NULL }, { "dev/shm", S_IFDIR, NULL }, { "etc", S_IFDIR, NULL },
        { "etc/hostname", S_IFREG, NULL }, { "etc/hosts", S_IFREG, NULL }, { "etc/mtab", S_IFLNK, "/proc/mounts" },
        { "etc/resolv.conf", S_IFREG, NULL }, { "proc", S_IFDIR, NULL }, { "sys", S_IFDIR, NULL },
};

/* Whether every entry of the folder dfd (at rel) is one of docker_init[],
 * as that says, down to the end.  Takes dfd. */
static bool docker_init_dir(int dfd, const char *rel, unsigned depth) {
        DIR *d = fdopendir(dfd);
        struct dirent *de;
        bool ok = true;

        if (!d) {
                closep(&dfd);
                return false;
        }
        while (ok && (errno = 0, de = readdir(d))) {
                char sub[64], target[32];
                struct stat st;
                size_t k;

                if (streq_ptr(de->d_name, ".") || streq_ptr(de->d_name, ".."))
                        continue;
                if (snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", de->d_name) >= (int) sizeof(sub))
                        ok = false;
                for (k = 0; ok && k < ELEMENTSOF(docker_init) && !streq_ptr(docker_init[k].path, sub); k++)
                        ;
                ok = ok && k < ELEMENTSOF(docker_init) &&
                     fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                     (st.st_mode & S_IFMT) == docker_init[k].type;
                if (ok && S_ISREG(st.st_mode))
                        ok = st.st_size == 0;
                else if (ok && S_ISLNK(st.st_mode)) {
                        ssize_t n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);

                        ok = n > 0 && (target[n] = '\0', streq_ptr(target, docker_init[k].target));
                } else if (ok) {
                        int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

                        /* an opaque folder here would hide the image's */
                        if (fd < 0 || depth >= 2 || changes_view(fd)) {
                                closep(&fd);
                                ok = false;
                        } else
                                ok = docker_init_dir(fd, sub, depth + 1);
                }
        }
        ok = ok && errno == 0;
        closedir(d);
        return ok;
}

static bool docker_init_layer(const char *path) {
        int fd;

        if (!endswith(path, "-init/diff"))
                return false;
        fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || changes_view(fd)) {
                closep(&fd);
                return false;
        }
        return docker_init_dir(fd, "", 0);
}

/* ---- the probe ---------------------------------------------------------- */

/* Where containers/storage resolves relative layer paths (it mounts from
 * its overlay folder, with short l/ links, when the options would not fit
 * in a page): <home>/<layer>/merged → <home>. */
static char *storage_home(const char *mount_point) {
        const char *e = endswith(mount_point, "/merged") ? mount_point + strlen(mount_point) - STRLEN("/merged")
                                                          : NULL;
        const char *s;

        if (!e)
                return NULL;
        for (s = e; s > mount_point && s[-1] != '/'; s--)
                ;
        return s > mount_point + 1 ? strndup(mount_point, (size_t) (s - mount_point - 1)) : NULL;
}

_printf_(2, 3) static int set_why(struct overlay_probe *p, const char *fmt, ...) {
        va_list ap;
        int n;

        free(p->why_not);
        va_start(ap, fmt);
        n = vasprintf(&p->why_not, fmt, ap);
        va_end(ap);
        if (n < 0)
                p->why_not = NULL;
        return n < 0 ? -ENOMEM : 0;
}

static int find_mount(const char *rootfs, struct overlay_mount *m, struct overlay_probe *p) {
        struct error err = {};
        struct statfs sf;
        struct statx sx;
        int k;

        if (statfs(rootfs, &sf) < 0)
                return set_why(p, "the rootfs %s can't be examined (%s)", rootfs, strerror(errno));
        if (sf.f_type != OVERLAYFS_MAGIC)
                return set_why(p, "the rootfs %s is not an overlay mount", rootfs);
        if (statx(AT_FDCWD, rootfs, 0, STATX_INO | PC_STATX_MNT_ID_UNIQUE, &sx) < 0)
                return set_why(p, "the rootfs %s can't be examined (%s)", rootfs, strerror(errno));
        if ((sx.stx_attributes_mask & PC_STATX_ATTR_MOUNT_ROOT) && !(sx.stx_attributes & PC_STATX_ATTR_MOUNT_ROOT))
                return set_why(p, "the rootfs %s is a folder inside an overlay mount, not its root", rootfs);
        k = (sx.stx_mask & PC_STATX_MNT_ID_UNIQUE) ? mount_by_statmount(sx.stx_mnt_id, m, &err) : 0;
        if (k == 0)
                k = mount_by_mountinfo(rootfs, m, &err);
        if (k == -ENOMEM)
                return -ENOMEM;
        if (k < 0)
                return set_why(p, "the overlay mount at %s can't be read: %s", rootfs, err.msg);
        if (!streq_ptr(m->root, "/") || !streq_ptr(m->fs_type, "overlay"))
                return set_why(p, "the rootfs %s is not the root of an overlay mount (%s)", rootfs, m->fs_type);
        m->root_ino = (sx.stx_mask & STATX_INO) ? sx.stx_ino : 0;
        /* the inventory reads what is mounted there, the container sees
         * it (runc binds the rootfs with its mounts): the layers are not
         * all of the image */
        if (m->submount)
                return set_why(p, "%s is mounted inside the rootfs %s: the overlay's layers are not all the "
                               "container sees", m->submount, rootfs) < 0 ? -ENOMEM : -EPERM;
        return 1;
}

/* Whether real (a resolved lower) is where a store keeps its committed
 * layers, which it never writes again: containerd's overlayfs snapshotter
 * <root>/snapshots/<n>/fs, containers/storage <root>/overlay/<id>/diff (and
 * <id>/empty, the empty folder it puts under a one-layer image mounted
 * read-only, as for --mount type=image), Docker <root>/overlay2/<id>/diff.
 * Any other folder may be changed in
 * place, keeping its path and inode: `podman run --rootfs DIR:O` mounts DIR
 * itself as the lower, and the verdict kept for it would be served after
 * DIR's packages changed. */
static bool store_layer(const char *real) {
        const char *c[3] = {}, *e = real + strlen(real);
        size_t n[3] = {};

        for (int i = 2; i >= 0; i--) {
                const char *s = e;

                while (s > real && s[-1] != '/')
                        s--;
                if (s == e || s == real)
                        return false;
                c[i] = s;
                n[i] = (size_t) (e - s);
                e = s - 1;
        }
        if (n[2] == 2 && strncmp(c[2], "fs", 2) == 0 && n[0] == STRLEN("snapshots") &&
            strncmp(c[0], "snapshots", n[0]) == 0)
                return strspn(c[1], "0123456789") == n[1];
        if (n[2] == 5 && strncmp(c[2], "empty", 5) == 0)
                return n[0] == STRLEN("overlay") && strncmp(c[0], "overlay", n[0]) == 0;
        return n[2] == 4 && strncmp(c[2], "diff", 4) == 0 &&
               ((n[0] == STRLEN("overlay") && strncmp(c[0], "overlay", n[0]) == 0) ||
                (n[0] == STRLEN("overlay2") && strncmp(c[0], "overlay2", n[0]) == 0));
}

static int hash_layers(struct overlay_probe *p, const struct overlay_mount *m, const char *home, char ***ret_real) {
        _cleanup_strv_free_ char **real = NULL;
        struct strbuf b = { .max = (size_t) OVERLAY_LAYERS_MAX * (PATH_MAX + 80) };
        struct memo memo = {};
        char hex[65];
        int k = 0;

        for (size_t i = 0; i < m->n_lowers && k >= 0; i++) {
                _cleanup_free_ char *why = NULL, *r = NULL;
                struct statx sx;

                k = resolve_layer(&memo, m->lowers[i].path, home, &r, &sx, &why);
                if (k == -ENOMEM)
                        break;
                if (k < 0) {
                        k = set_why(p, "a lower layer can't vouch for the image: %s", strempty(why));
                        k = k < 0 ? k : -EPERM;
                        break;
                }
                if (!store_layer(r)) {
                        k = set_why(p, "the lower layer %s is not a committed layer of a container store "
                                    "(snapshots/N/fs, overlay/ID/diff or /empty, overlay2/ID/diff) and could change "
                                    "in place",
                                    r);
                        k = k < 0 ? k : -EPERM;
                        break;
                }
                /* Docker's own layer on top of the image's (checked to hold its
                 * mountpoints alone): the same image under every container */
                if (i == 0 && !m->lowers[i].data_only && docker_init_layer(r)) {
                        if (strv_push(&real, TAKE_PTR(r)) < 0)
                                k = -ENOMEM;
                        continue;
                }
                if (strbuf_printf(&b, "%s %s %llu:%llu %llu %lld.%u\n", m->lowers[i].data_only ? "data" : "lower", r,
                                  (unsigned long long) sx.stx_dev_major, (unsigned long long) sx.stx_dev_minor,
                                  (unsigned long long) sx.stx_ino,
                                  (sx.stx_mask & STATX_BTIME) ? (long long) sx.stx_btime.tv_sec : 0LL,
                                  (sx.stx_mask & STATX_BTIME) ? sx.stx_btime.tv_nsec : 0U) < 0 ||
                    strv_push(&real, TAKE_PTR(r)) < 0)
                        k = -ENOMEM;
        }
        memo_done(&memo);
        /* the same layers under options that read them otherwise: another
         * view (none for the defaults, which the kernel does not show) */
        if (k >= 0 && m->view && strbuf_printf(&b, "options %s\n", m->view) < 0)
                k = -ENOMEM;
        if (k >= 0)
                sha256_hex(b.s, b.len, hex);
        if (k >= 0 && asprintf(&p->identity, "overlay:sha256:%s", hex) < 0)
                k = -ENOMEM;
        strbuf_done(&b);
        if (k >= 0)
                *ret_real = TAKE_PTR(real);
        return k;
}

static int check_upper_layer(struct overlay_probe *p, const struct overlay_mount *m, const char *home,
                             char *const *real) {
        _cleanup_free_ char *why = NULL, *upper = NULL;
        struct memo memo = {};
        struct statx sx;
        int k;

        if (!m->upperdir)
                return 0;       /* a read-only overlay: the lowers are all there is */
        k = resolve_layer(&memo, m->upperdir, home, &upper, &sx, &why);
        memo_done(&memo);
        if (k == -ENOMEM)
                return k;
        if (k < 0)
                return set_why(p, "the upper layer can't be trusted: %s", strempty(why)) < 0 ? -ENOMEM : -EPERM;
        /* The merged root is the upper's root folder, its inode number
         * kept (xino leaves the upper's alone): another means the path
         * leads elsewhere now (a folder mounted over it or over one on its
         * way, or renamed into its place), and the folder read here is not
         * the one whose files the container sees. */
        if (m->root_ino && sx.stx_ino != m->root_ino)
                return set_why(p, "the upper layer %s is not the folder the overlay was mounted with (inode %llu, "
                               "the mount's root %llu): something was mounted or renamed over it since",
                               upper, (unsigned long long) sx.stx_ino, m->root_ino) < 0 ? -ENOMEM : -EPERM;
        k = check_upper(upper, makedev(sx.stx_dev_major, sx.stx_dev_minor), real, strv_length(real), &why);
        if (k == -ENOMEM)
                return k;
        if (k < 0)
                return set_why(p, "%s", strempty(why)) < 0 ? -ENOMEM : -EEXIST;
        return 0;
}

/* The options of a read-only overlay of m's lowers alone, at their
 * resolved paths real (what the identity names), under m's view: what
 * overlay_mount_lowers() mounts to read the image without the upper.  In
 * lowerdir=, ':' parts layers and ',' options, a backslash escapes either
 * (overlayfs.rst, "Multiple lower layers"). */
static int lowers_options(const struct overlay_mount *m, char *const *real, char **ret) {
        struct strbuf b = {};
        int k = strbuf_puts(&b, "lowerdir=");

        for (size_t i = 0; k >= 0 && i < m->n_lowers && real[i]; i++) {
                if (i > 0)
                        k = strbuf_puts(&b, m->lowers[i].data_only ? "::" : ":");
                for (const char *c = real[i]; k >= 0 && *c;) {
                        size_t n = strcspn(c, ":,\\");

                        k = strbuf_append(&b, c, n);
                        if (k >= 0 && c[n])
                                k = strbuf_printf(&b, "\\%c", c[n]);
                        c += n + !!c[n];
                }
        }
        if (k >= 0 && m->view)
                k = strbuf_printf(&b, ",%s", m->view);
        if (k < 0) {
                strbuf_done(&b);
                return -ENOMEM;
        }
        *ret = strbuf_steal(&b);
        return *ret ? 0 : -ENOMEM;
}

int overlay_probe(const char *rootfs, bool want_name, const char *container_id, struct overlay_probe *ret) {
        _cleanup_strv_free_ char **real = NULL;
        _cleanup_free_ char *home = NULL;
        struct overlay_mount m = {};
        struct overlay_probe p = {};
        int k;

        k = find_mount(rootfs, &m, &p);
        if (k == -EPERM) {      /* an overlay, but not all the rootfs: nothing stands for it */
                p.refused = true;
                k = 0;
                home = storage_home(m.mount_point);
        } else if (k > 0) {
                home = storage_home(m.mount_point);
                k = hash_layers(&p, &m, home, &real);
                if (k >= 0)
                        k = check_upper_layer(&p, &m, home, real);
                /* the upper holds the container's changes, the lowers are
                 * sound: how to mount them alone, built only here (an
                 * empty upper, every start's case, needs none) */
                if (k == -EEXIST) {
                        p.layers_identity = TAKE_PTR(p.identity);
                        if (lowers_options(&m, real, &p.lowers_options) < 0)
                                k = -ENOMEM;
                }
                if (k < 0 && k != -ENOMEM) {
                        free(p.identity);
                        p.identity = NULL;
                        p.refused = true;
                        k = 0;
                }
        }
        if (k >= 0 && want_name && m.mount_point && home) {
                struct error err = {};

                k = overlay_storage_name(m.mount_point, &p.image_name, &err);
                if (k == -ENOENT && strstr(m.mount_point, "/overlay2/")) {
                        error_clear(&err);
                        k = overlay_docker_name(m.mount_point, container_id, &p.image_name, &err);
                }
                if (k < 0 && err.msg[0])
                        p.name_note = strdup(err.msg);
                k = k == -ENOMEM ? k : 0;
        } else if (k >= 0 && want_name && !m.mount_point) {     /* no overlay: Podman's vfs driver? */
                struct error err = {};

                k = overlay_storage_vfs_name(rootfs, &p.image_name, &err);
                if (k < 0 && k != -ENOENT && err.msg[0])
                        p.name_note = strdup(err.msg);
                k = k == -ENOMEM ? k : 0;
        }
        overlay_mount_done(&m);
        if (k == -ENOMEM) {
                overlay_probe_done(&p);
                return k;
        }
        *ret = p;
        return 0;
}

int overlay_trusted_folder(const char *path, char **ret_real, char **why) {
        struct memo memo = {};
        struct statx sx;
        int k;

        k = resolve_layer(&memo, path, NULL, ret_real, &sx, why);
        memo_done(&memo);
        return k;
}
