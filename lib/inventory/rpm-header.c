/* SPDX-License-Identifier: Apache-2.0 */
/* rpm header blobs (see rpm-header.h), read from an untrusted buffer with
 * the checks of rpm's hdrblobVerifyInfo() spelled out: a known type, an
 * offset inside the data store and aligned for its type, a count that
 * fits, strings terminated inside the store.  Written from the format
 * description, not from rpm's code. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "base/strutil.h"
#include "rpm-header.h"

enum rpm_type {
        RPM_NULL_TYPE = 0,
        RPM_CHAR_TYPE = 1,
        RPM_INT8_TYPE = 2,
        RPM_INT16_TYPE = 3,
        RPM_INT32_TYPE = 4,
        RPM_INT64_TYPE = 5,
        RPM_STRING_TYPE = 6,
        RPM_BIN_TYPE = 7,
        RPM_STRING_ARRAY_TYPE = 8,
        RPM_I18NSTRING_TYPE = 9,
        _RPM_TYPE_MAX,
};

/* Bytes per element of the fixed-size types; 0 for strings. */
static const unsigned type_size[_RPM_TYPE_MAX] = {
        [RPM_NULL_TYPE] = 0, [RPM_CHAR_TYPE] = 1,  [RPM_INT8_TYPE] = 1, [RPM_INT16_TYPE] = 2,
        [RPM_INT32_TYPE] = 4, [RPM_INT64_TYPE] = 8, [RPM_BIN_TYPE] = 1,
};

#define ENTRY_SIZE 16
#define PREAMBLE_SIZE 8

/* Strings are scanned for their terminator once per entry; entries that
 * point into the same bytes would be scanned again.  Real headers never
 * share data, so a budget of twice the store is plenty and stops a header
 * of 65536 entries that each cover the whole store. */
#define SCAN_BUDGET(dl) (2 * (size_t) (dl) + 65536)

struct entry {
        uint32_t tag, type, offset, count;
};

struct blob {
        const unsigned char *index;     /* il entries */
        const unsigned char *data;      /* dl bytes */
        uint32_t il, dl;
        const char *what;
        size_t scan_left;
};

static uint32_t be32(const unsigned char *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static struct entry entry_at(const struct blob *b, uint32_t i) {
        const unsigned char *p = b->index + (size_t) i * ENTRY_SIZE;

        return (struct entry) { be32(p), be32(p + 4), be32(p + 8), be32(p + 12) };
}

static int bad(const struct blob *b, uint32_t i, const struct entry *e, struct error *err, const char *why) {
        return error_set(err, EBADMSG, "%s: header entry %u (tag %u, type %u, offset %u, count %u): %s", b->what, i,
                         e->tag, e->type, e->offset, e->count, why);
}

/* count strings from offset, each NUL-terminated inside the store. */
static int check_strings(struct blob *b, uint32_t i, const struct entry *e, struct error *err) {
        size_t pos = e->offset;

        if (e->type == RPM_STRING_TYPE && e->count != 1)
                return bad(b, i, e, err, "a STRING entry must have count 1");
        /* Each string takes at least its NUL. */
        if (e->count > b->dl - e->offset)
                return bad(b, i, e, err, "more strings than bytes left in the data store");
        for (uint32_t k = 0; k < e->count; k++) {
                const unsigned char *nul = memchr(b->data + pos, '\0', b->dl - pos);
                size_t n;

                if (!nul)
                        return bad(b, i, e, err, "string not terminated inside the data store");
                n = (size_t) (nul - (b->data + pos)) + 1;
                if (n > b->scan_left)
                        return bad(b, i, e, err, "entries overlap (string data scanned more than twice)");
                b->scan_left -= n;
                pos += n;
        }
        return 0;
}

static int check_entry(struct blob *b, uint32_t i, struct error *err) {
        struct entry e = entry_at(b, i);
        unsigned size;

        if (e.type >= _RPM_TYPE_MAX)
                return bad(b, i, &e, err, "unknown type");
        if (e.offset > b->dl)
                return bad(b, i, &e, err, "offset past the end of the data store");
        if (e.count == 0)
                return bad(b, i, &e, err, "count is 0");
        size = type_size[e.type];
        if (e.type == RPM_STRING_TYPE || e.type == RPM_STRING_ARRAY_TYPE || e.type == RPM_I18NSTRING_TYPE)
                return check_strings(b, i, &e, err);
        if (size > 1 && e.offset % size != 0)
                return bad(b, i, &e, err, "offset not aligned for its type");
        if ((uint64_t) e.count * size > b->dl - e.offset)
                return bad(b, i, &e, err, "data runs past the end of the data store");
        return 0;
}

/* The preamble and the exact size: rpm stores one header per record, so
 * any other length is damage (rpm's hdrblobInit says "blob size BAD"). */
static int check_preamble(const unsigned char *p, size_t len, struct blob *b, struct error *err) {
        uint64_t want;

        if (len < PREAMBLE_SIZE)
                return error_set(err, EBADMSG, "%s: header of %zu bytes is shorter than its 8-byte preamble", b->what,
                                 len);
        b->il = be32(p);
        b->dl = be32(p + 4);
        if (b->il == 0 || b->il > RPM_HEADER_ENTRIES_MAX)
                return error_set(err, EBADMSG, "%s: header index count %u is not in 1..%d", b->what, b->il,
                                 RPM_HEADER_ENTRIES_MAX);
        if (b->dl > RPM_HEADER_DATA_MAX)
                return error_set(err, EBADMSG, "%s: header data length %u is more than %zu", b->what, b->dl,
                                 RPM_HEADER_DATA_MAX);
        want = PREAMBLE_SIZE + (uint64_t) b->il * ENTRY_SIZE + b->dl;
        if (want != len)
                return error_set(err, EBADMSG,
                                 "%s: header index count %u and data length %u make %llu bytes, but the record has %zu",
                                 b->what, b->il, b->dl, (unsigned long long) want, len);
        b->index = p + PREAMBLE_SIZE;
        b->data = b->index + (size_t) b->il * ENTRY_SIZE;
        b->scan_left = SCAN_BUDGET(b->dl);
        return 0;
}

static const char *tag_name(uint32_t tag) {
        switch (tag) {
        case RPMTAG_NAME:
                return "NAME";
        case RPMTAG_VERSION:
                return "VERSION";
        case RPMTAG_RELEASE:
                return "RELEASE";
        case RPMTAG_EPOCH:
                return "EPOCH";
        case RPMTAG_ARCH:
                return "ARCH";
        case RPMTAG_SOURCERPM:
                return "SOURCERPM";
        case RPMTAG_MODULARITYLABEL:
                return "MODULARITYLABEL";
        case RPMTAG_OLDFILENAMES:
                return "OLDFILENAMES";
        case RPMTAG_DIRINDEXES:
                return "DIRINDEXES";
        case RPMTAG_BASENAMES:
                return "BASENAMES";
        case RPMTAG_DIRNAMES:
                return "DIRNAMES";
        case RPMTAG_FILEDIGESTS:
                return "FILEDIGESTS";
        case RPMTAG_FILEDIGESTALGO:
                return "FILEDIGESTALGO";
        default:
                return NULL;
        }
}

/* Names, versions and labels end up in JSON, purls and terminals: printable
 * ASCII without blanks, as rpm's own names and versions are. */
static bool field_ok(const char *s, size_t n) {
        if (n == 0 || n > RPM_HEADER_FIELD_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) s[i] <= 0x20 || (unsigned char) s[i] >= 0x7f)
                        return false;
        return true;
}

/* The first string of a checked STRING/I18NSTRING entry, copied. */
static int take_string(const struct blob *b, uint32_t i, const struct entry *e, char **ret, struct error *err) {
        const char *s = (const char *) b->data + e->offset;
        char what[64];
        size_t n;

        if (e->type != RPM_STRING_TYPE && e->type != RPM_I18NSTRING_TYPE) {
                snprintf(what, sizeof(what), "%s is not a string", tag_name(e->tag));
                return bad(b, i, e, err, what);
        }
        n = strlen(s);                  /* terminated inside the store: check_strings() */
        if (!field_ok(s, n)) {
                snprintf(what, sizeof(what), "%s is empty, too long or not printable ASCII", tag_name(e->tag));
                return bad(b, i, e, err, what);
        }
        free(*ret);                     /* a later (dribble) entry replaces an earlier one, as in rpm */
        *ret = strndup_or_null(s, n);
        return *ret ? 0 : error_set(err, ENOMEM, "%s: out of memory", b->what);
}

static int take_epoch(const struct blob *b, uint32_t i, const struct entry *e, struct rpm_header *h,
                      struct error *err) {
        if (e->type != RPM_INT32_TYPE)
                return bad(b, i, e, err, "EPOCH is not an INT32");
        h->epoch = be32(b->data + e->offset);
        h->has_epoch = true;
        return 0;
}

/* A file list entry (checked by check_entry()): where it starts and how
 * many items; a type other than the list's marks the lists bad. */
static void take_list(const struct blob *b, const struct entry *e, uint32_t type, const void **ret,
                      uint32_t *ret_n, struct rpm_header *h) {
        if (e->type != type) {
                h->bad_files = true;
                return;
        }
        *ret = b->data + e->offset;
        *ret_n = e->count;
}

static int take_entry(const struct blob *b, uint32_t i, struct rpm_header *h, struct error *err) {
        struct entry e = entry_at(b, i);

        switch (e.tag) {
        case RPMTAG_BASENAMES:
                take_list(b, &e, RPM_STRING_ARRAY_TYPE, (const void **) &h->basenames, &h->n_basenames, h);
                return 0;
        case RPMTAG_DIRNAMES:
                take_list(b, &e, RPM_STRING_ARRAY_TYPE, (const void **) &h->dirnames, &h->n_dirnames, h);
                return 0;
        case RPMTAG_DIRINDEXES:
                take_list(b, &e, RPM_INT32_TYPE, (const void **) &h->dirindexes, &h->n_dirindexes, h);
                return 0;
        case RPMTAG_OLDFILENAMES:
                take_list(b, &e, RPM_STRING_ARRAY_TYPE, (const void **) &h->oldfilenames, &h->n_oldfilenames, h);
                return 0;
        case RPMTAG_NAME:
                return take_string(b, i, &e, &h->name, err);
        case RPMTAG_VERSION:
                return take_string(b, i, &e, &h->version, err);
        case RPMTAG_RELEASE:
                return take_string(b, i, &e, &h->release, err);
        case RPMTAG_ARCH:
                return take_string(b, i, &e, &h->arch, err);
        case RPMTAG_SOURCERPM:
                return take_string(b, i, &e, &h->sourcerpm, err);
        case RPMTAG_MODULARITYLABEL:
                return take_string(b, i, &e, &h->modularitylabel, err);
        case RPMTAG_EPOCH:
                return take_epoch(b, i, &e, h, err);
        case RPMTAG_FILEDIGESTS:        /* of another type: no digests, the files still listed */
                if (e.type == RPM_STRING_ARRAY_TYPE) {
                        h->filedigests = (const char *) b->data + e.offset;
                        h->n_filedigests = e.count;
                }
                return 0;
        case RPMTAG_FILEDIGESTALGO:     /* of another type: an algorithm no digest is taken in */
                h->digestalgo = e.type == RPM_INT32_TYPE ? be32(b->data + e.offset) : UINT32_MAX;
                return 0;
        default:
                return 0;
        }
}

void rpm_header_done(struct rpm_header *h) {
        if (!h)
                return;
        free(h->name);
        free(h->version);
        free(h->release);
        free(h->arch);
        free(h->sourcerpm);
        free(h->modularitylabel);
        *h = (struct rpm_header) {};
}

/* BASENAMES needs DIRNAMES and one DIRINDEXES entry each, every one inside
 * DIRNAMES; else the lists can't be trusted to name the right files. */
static void check_files(struct rpm_header *h) {
        if (!h->basenames)
                return;
        if (!h->dirnames || !h->dirindexes || h->n_dirindexes != h->n_basenames) {
                h->bad_files = true;
                return;
        }
        for (uint32_t i = 0; i < h->n_dirindexes; i++)
                if (be32(h->dirindexes + 4 * (size_t) i) >= h->n_dirnames) {
                        h->bad_files = true;
                        return;
                }
}

static int check_required(const struct blob *b, const struct rpm_header *h, struct error *err) {
        const char *missing = !h->name ? "NAME" : !h->version ? "VERSION" : !h->release ? "RELEASE" : NULL;

        if (missing)
                return error_set(err, EBADMSG, "%s: header has no %s tag", b->what, missing);
        return 0;
}

int rpm_header_parse(const void *blob, size_t len, const char *what, struct rpm_header *ret, struct error *err) {
        struct rpm_header h = {};
        struct blob b = { .what = what };
        int r;

        r = check_preamble(blob, len, &b, err);
        if (r < 0)
                return r;
        for (uint32_t i = 0; i < b.il; i++) {
                r = check_entry(&b, i, err);
                if (r < 0)
                        return r;
        }
        for (uint32_t i = 0; i < b.il; i++) {
                r = take_entry(&b, i, &h, err);
                if (r < 0) {
                        rpm_header_done(&h);
                        return r;
                }
        }
        r = check_required(&b, &h, err);
        if (r < 0) {
                rpm_header_done(&h);
                return r;
        }
        check_files(&h);
        *ret = h;
        return 0;
}

/* The next file's digest, stepping *s through FILEDIGESTS: NULL when the
 * header has none a file. */
static const char *next_digest(const struct rpm_header *h, uint32_t n_files, const char **s) {
        const char *d = *s;

        if (!d || h->n_filedigests != n_files)
                return NULL;
        *s += strlen(d) + 1;
        return d;
}

int rpm_header_files(const struct rpm_header *h,
                     int (*fn)(const char *path, size_t len, const char *digest, void *userdata), void *userdata) {
        _cleanup_free_ const char **dirs = NULL;
        _cleanup_free_ size_t *dir_len = NULL;
        const char *s, *digests = h->filedigests;
        char path[PATH_MAX];
        int r = 0;

        if (h->bad_files)
                return 0;
        if (!h->basenames) {
                s = h->oldfilenames;
                for (uint32_t i = 0; r >= 0 && s && i < h->n_oldfilenames; i++) {
                        size_t n = strlen(s);
                        const char *d = next_digest(h, h->n_oldfilenames, &digests);

                        if (s[0] == '/' && n < PATH_MAX)
                                r = fn(s, n, d, userdata);
                        s += n + 1;
                }
                return r;
        }
        /* DIRNAMES end with '/': "/usr/bin/" + "bash" */
        dirs = calloc(h->n_dirnames, sizeof(*dirs));
        dir_len = calloc(h->n_dirnames, sizeof(*dir_len));
        if (!dirs || !dir_len)
                return -ENOMEM;
        s = h->dirnames;
        for (uint32_t i = 0; i < h->n_dirnames; i++) {
                dirs[i] = s;
                dir_len[i] = strlen(s);
                s += dir_len[i] + 1;
        }
        s = h->basenames;
        for (uint32_t i = 0; r >= 0 && i < h->n_basenames; i++) {
                size_t n = strlen(s);
                uint32_t d = be32(h->dirindexes + 4 * (size_t) i);
                const char *digest = next_digest(h, h->n_basenames, &digests);

                if (dirs[d][0] == '/' && dir_len[d] + n < PATH_MAX) {
                        memcpy(path, dirs[d], dir_len[d]);
                        memcpy(path + dir_len[d], s, n + 1);
                        r = fn(path, dir_len[d] + n, digest, userdata);
                }
                s += n + 1;
        }
        return r;
}

static bool ends_with(const char *s, size_t n, const char *suffix, size_t *ret_n) {
        size_t k = strlen(suffix);

        if (n < k || memcmp(s + n - k, suffix, k) != 0)
                return false;
        *ret_n = n - k;
        return true;
}

/* NAME-VERSION-RELEASE.src.rpm (rpm names source packages so; ".nosrc.rpm"
 * when the sources are not included).  Name and version-release must be
 * non-empty. */
int rpm_sourcerpm_split(const char *srpm, char **ret_name, char **ret_version_release) {
        size_t n = strlen(srpm), base;
        const char *rel, *ver;
        char *name, *vr;

        if (!ends_with(srpm, n, ".src.rpm", &base) && !ends_with(srpm, n, ".nosrc.rpm", &base))
                return -EINVAL;
        rel = memrchr(srpm, '-', base);
        if (!rel || rel == srpm)
                return -EINVAL;
        ver = memrchr(srpm, '-', (size_t) (rel - srpm));
        if (!ver || ver == srpm || ver + 1 == rel || rel + 1 == srpm + base)
                return -EINVAL;
        name = strndup_or_null(srpm, (size_t) (ver - srpm));
        vr = strndup_or_null(ver + 1, base - (size_t) (ver + 1 - srpm));
        if (!name || !vr) {
                free(name);
                free(vr);
                return -ENOMEM;
        }
        *ret_name = name;
        *ret_version_release = vr;
        return 0;
}
