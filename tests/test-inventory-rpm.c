/* SPDX-License-Identifier: Apache-2.0 */
/* rpm databases: the real ones in $PC_SHARED_DATA/pkgdb (go-rpmdb's
 * sqlite / ndb / Berkeley DB files, syft's and osv-scalibr's Packages)
 * against the other tools' expected lists and, where Debian's rpm can read
 * the file, against `rpm -qa --dbpath`; then hostile inputs for the header
 * parser and each of the three formats. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "inventory.h"
#include "rootfs.h"
#include "rpm-header.h"
#include "rpmdb.h"
#include "test.h"

#define DB_MAX ((size_t) 64 * 1024 * 1024)

static unsigned expected_checked, rpm_compared;

/* --- helpers ------------------------------------------------------------------ */

static void write_binary(const char *path, const void *buf, size_t len) {
        int fd;

        test_write_file(path, "");              /* creates the parents */
        fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0 || write(fd, buf, len) != (ssize_t) len) {
                perror(path);
                exit(1);
        }
        close(fd);
}

static char *read_shared(const char *rel, size_t *ret_len) {
        struct error err = {};
        char *buf = NULL;

        if (read_full_file(test_path(test_shared_data(), rel), DB_MAX, &buf, ret_len, &err) < 0) {
                fprintf(stderr, "%s\n", err.msg);
                exit(1);
        }
        return buf;
}

static void copy_shared(const char *rel, const char *dest) {
        _cleanup_free_ char *buf = NULL;
        size_t len;

        buf = read_shared(rel, &len);
        write_binary(dest, buf, len);
}

/* A rootfs folder under the test's tmpdir with the given os-release. */
static const char *make_root(const char *name, const char *os_release) {
        const char *root = test_path(test_tmpdir(), name);

        if (os_release)
                test_write_file(test_path(root, "etc/os-release"), os_release);
        else
                (void) mkdir(root, 0755);
        return root;
}

static struct inventory *collect(const char *root) {
        _cleanup_(rootfs_freep) struct rootfs *r = NULL;
        struct inventory *inv = NULL;
        struct error err = {};

        CHECK_MSG(rootfs_open(root, 0, &r, &err) == 0, "%s", err.msg);
        if (!r)
                exit(1);
        CHECK_MSG(inventory_collect(r, NULL, &inv, &err) == 0, "%s: %s", root, err.msg);
        if (!inv)
                exit(1);
        return inv;
}

static const struct package *find_pkg(const struct inventory *inv, const char *name, const char *arch) {
        for (size_t i = 0; i < inv->n_pkgs; i++)
                if (strcmp(inv->pkgs[i].name, name) == 0 && (!arch || streq_ptr(inv->pkgs[i].arch, arch)))
                        return &inv->pkgs[i];
        return NULL;
}

static bool has_warning(const struct inventory *inv, const char *needle) {
        for (size_t i = 0; i < inv->n_warnings; i++)
                if (strstr(inv->warnings[i], needle))
                        return true;
        return false;
}

/* One expected package: EVR parts as the other tool reports them. */
struct want {
        const char *name, *version, *release, *arch, *sourcerpm;
        long long epoch;        /* -1: none */
};

static void check_want(const struct inventory *inv, const struct want *w, const char *where) {
        const struct package *p = find_pkg(inv, w->name, w->arch);
        char version[512], src[512];

        CHECK_MSG(p, "%s: %s.%s not found", where, w->name, strna(w->arch));
        if (!p)
                return;
        if (w->epoch >= 0)
                snprintf(version, sizeof(version), "%lld:%s-%s", w->epoch, w->version, w->release);
        else
                snprintf(version, sizeof(version), "%s-%s", w->version, w->release);
        CHECK_STREQ(p->version, version);
        if (w->sourcerpm) {
                /* source_version has the binary's epoch; the file name has none. */
                const char *sv = strchr(p->source_version, ':');

                snprintf(src, sizeof(src), "%s-%s.src.rpm", p->source_name, sv ? sv + 1 : p->source_version);
                CHECK_MSG(strcmp(src, w->sourcerpm) == 0, "%s: %s: source %s, want %s", where, w->name, src,
                          w->sourcerpm);
        }
        CHECK(strncmp(p->purl, "pkg:rpm/", 8) == 0);
        expected_checked++;
}

/* --- the real databases ------------------------------------------------------- */

/* `rpm -qa --dbpath DIR` as "name [epoch:]version-release arch" lines,
 * gpg-pubkey left out; NULL without rpm. */
static char **rpm_qa(const char *dbdir) {
        char cmd[8192], line[1024];
        char **out = NULL;
        FILE *f;

        if (system("command -v rpm >/dev/null 2>&1") != 0)
                return NULL;
        snprintf(cmd, sizeof(cmd),
                 "rpm -qa --dbpath '%s' --qf '%%{NAME} %%|EPOCH?{%%{EPOCH}:}:{}|%%{VERSION}-%%{RELEASE} %%{ARCH}\\n' "
                 "2>/dev/null | grep -v '^gpg-pubkey ' | sort",
                 dbdir);
        f = popen(cmd, "re");
        if (!f)
                return NULL;
        while (fgets(line, sizeof(line), f)) {
                line[strcspn(line, "\n")] = '\0';
                if (strv_push(&out, strdup(line)) < 0)
                        exit(1);
        }
        pclose(f);
        if (!out && strv_push(&out, strdup("")) < 0)    /* an empty list, not "no rpm" */
                exit(1);
        return out;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Our packages of inv against rpm's own reading of the file at rel. */
static void compare_with_rpm(const struct inventory *inv, const char *rel, const char *db_name) {
        const char *dbdir = test_path(test_tmpdir(), test_path("rpm-qa", rel));
        _cleanup_strv_free_ char **theirs = NULL, **ours = NULL;
        size_t n;

        copy_shared(rel, test_path(dbdir, db_name));
        theirs = rpm_qa(dbdir);
        if (!theirs) {
                fprintf(stderr, "skip: rpm not found, %s not compared with rpm -qa\n", rel);
                return;
        }
        if (!theirs[0][0] && inv->n_pkgs > 0) {
                fprintf(stderr, "skip: this rpm can't read %s (built without its backend)\n", rel);
                return;
        }
        for (size_t i = 0; i < inv->n_pkgs; i++) {
                char *s = NULL;

                if (asprintf(&s, "%s %s %s", inv->pkgs[i].name, inv->pkgs[i].version, strempty(inv->pkgs[i].arch)) < 0 ||
                    strv_push(&ours, s) < 0)
                        exit(1);
        }
        n = strv_length(ours);
        qsort(ours, n, sizeof(char *), cmp_str);
        CHECK_MSG(n == strv_length(theirs), "%s: %zu packages, rpm -qa says %zu", rel, n, strv_length(theirs));
        for (size_t i = 0; i < n && theirs[i]; i++)
                CHECK_MSG(strcmp(ours[i], theirs[i]) == 0, "%s: ours '%s', rpm '%s'", rel, ours[i], theirs[i]);
        rpm_compared += (unsigned) n;
}

static long long json_epoch(json_t *e) {
        if (json_is_integer(e))
                return json_integer_value(e);
        if (json_is_string(e) && strcmp(json_string_value(e), "nil") != 0)
                return atoll(json_string_value(e));
        return -1;
}

/* go-rpmdb's lists: those whose database is here (SLE15WithNDB), and the
 * single-package checks (curl in the sqlite, libuuid in the BDB file). */
static void check_go_rpmdb_list(const struct inventory *inv, const char *list_name) {
        json_error_t jerr;
        json_t *root = json_load_file(test_path(test_shared_data(), "pkgdb/rpm/go-rpmdb/expected_package_lists.json"),
                                      JSON_REJECT_DUPLICATES, &jerr);
        json_t *pkgs = json_object_get(json_object_get(json_object_get(root, "lists"), list_name), "packages");
        size_t i, n = 0;
        json_t *p;

        CHECK_MSG(json_is_array(pkgs), "%s: %s", list_name, jerr.text);
        json_array_foreach(pkgs, i, p) {
                struct want w = {
                        .name = json_string_value(json_object_get(p, "Name")),
                        .version = json_string_value(json_object_get(p, "Version")),
                        .release = json_string_value(json_object_get(p, "Release")),
                        .arch = json_string_value(json_object_get(p, "Arch")),
                        .sourcerpm = json_string_value(json_object_get(p, "SourceRpm")),
                        .epoch = json_epoch(json_object_get(p, "Epoch")),
                };

                if (w.name && strcmp(w.name, "gpg-pubkey") == 0)
                        continue;
                check_want(inv, &w, list_name);
                n++;
        }
        CHECK_MSG(n == inv->n_pkgs, "%s: %zu expected, %zu read", list_name, n, inv->n_pkgs);
        json_decref(root);
}

static void check_go_rpmdb_single(const struct inventory *inv, const char *local_file) {
        json_error_t jerr;
        json_t *root = json_load_file(test_path(test_shared_data(), "pkgdb/rpm/go-rpmdb/expected_package_lists.json"),
                                      JSON_REJECT_DUPLICATES, &jerr);
        json_t *checks = json_object_get(root, "single_package_checks (pkg/rpmdb_test.go TestRpmDB_Package)");
        unsigned found = 0;
        size_t i;
        json_t *p;

        json_array_foreach(checks, i, p) {
                struct want w = {
                        .name = json_string_value(json_object_get(p, "Name")),
                        .version = json_string_value(json_object_get(p, "Version")),
                        .release = json_string_value(json_object_get(p, "Release")),
                        .arch = json_string_value(json_object_get(p, "Arch")),
                        .sourcerpm = json_string_value(json_object_get(p, "SourceRpm")),
                        .epoch = json_epoch(json_object_get(p, "Epoch")),
                };

                if (!streq_ptr(json_string_value(json_object_get(p, "local_file")), local_file))
                        continue;
                check_want(inv, &w, local_file);
                found++;
        }
        CHECK_MSG(found == 1, "%s: %u single checks", local_file, found);
        json_decref(root);
}

static void test_sle_ndb(void) {
        const char *root = make_root("sle", "ID=\"sles\"\nVERSION_ID=\"15.3\"\n"
                                            "PRETTY_NAME=\"SUSE Linux Enterprise Server 15 SP3\"\n");
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        const struct package *p;

        copy_shared("pkgdb/rpm/go-rpmdb/sle15-bci/Packages.db", test_path(root, "var/lib/rpm/Packages.db"));
        /* The same folder has an rpmdb.sqlite without packages: passed over. */
        copy_shared("pkgdb/rpm/go-rpmdb/sle15-bci/rpmdb.sqlite", test_path(root, "var/lib/rpm/rpmdb.sqlite"));
        inv = collect(root);
        CHECK(inv->n_pkgs == 35);
        CHECK(has_warning(inv, "/var/lib/rpm/rpmdb.sqlite has no packages"));
        check_go_rpmdb_list(inv, "SLE15WithNDB");
        p = find_pkg(inv, "libgcc_s1", NULL);
        CHECK(p && streq_ptr(p->ecosystem, "SUSE:Linux Enterprise Server 15 SP3"));
        CHECK(p && streq_ptr(p->origin_file, "/var/lib/rpm/Packages.db"));
        CHECK(p && strstr(p->purl, "pkg:rpm/sles/libgcc_s1@") == p->purl && strstr(p->purl, "distro=sles-15.3"));
        compare_with_rpm(inv, "pkgdb/rpm/go-rpmdb/sle15-bci/Packages.db", "Packages.db");
}

static void test_mariner_sqlite(void) {
        const char *root = make_root("mariner", "ID=mariner\nVERSION_ID=\"2.0\"\n");
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        const struct package *p;

        /* usr/lib/sysimage/rpm, with an empty -wal beside it, as images have. */
        copy_shared("pkgdb/rpm/go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite",
                    test_path(root, "usr/lib/sysimage/rpm/rpmdb.sqlite"));
        copy_shared("pkgdb/rpm/go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite-wal",
                    test_path(root, "usr/lib/sysimage/rpm/rpmdb.sqlite-wal"));
        inv = collect(root);
        CHECK(inv->n_pkgs == 129);
        CHECK(inv->n_warnings == 0);
        check_go_rpmdb_single(inv, "cbl-mariner-2.0/rpmdb.sqlite");
        p = find_pkg(inv, "curl", "x86_64");
        CHECK(p && streq_ptr(p->ecosystem, "Azure Linux:2"));
        CHECK(p && streq_ptr(p->purl, "pkg:rpm/mariner/curl@7.76.0-6.cm2?arch=x86_64&distro=mariner-2.0"));
        for (size_t i = 1; i < inv->n_pkgs; i++)  /* sorted by name */
                CHECK(strcmp(inv->pkgs[i - 1].name, inv->pkgs[i].name) <= 0);
        compare_with_rpm(inv, "pkgdb/rpm/go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite", "rpmdb.sqlite");

        /* A -wal that holds data: said, not read. */
        test_write_file(test_path(root, "usr/lib/sysimage/rpm/rpmdb.sqlite-wal"), "not checkpointed");
        inventory_free(inv);
        inv = collect(root);
        CHECK(inv->n_pkgs == 129 && has_warning(inv, "rpmdb.sqlite-wal has 16 bytes not checkpointed"));
        CHECK(inv->skipped && strstr(inv->skipped[0], "rpmdb.sqlite-wal has 16 bytes not checkpointed"));
}

static void test_bdb(const char *name, const char *rel, const char *os_release) {
        const char *root = make_root(name, os_release);
        _cleanup_(inventory_freep) struct inventory *inv = NULL;

        copy_shared(rel, test_path(root, "var/lib/rpm/Packages"));
        inv = collect(root);
        CHECK_MSG(inv->n_pkgs == 1, "%s: %zu packages", rel, inv->n_pkgs);
        compare_with_rpm(inv, rel, "Packages");
}

static void test_bdb_files(void) {
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        const struct package *p;
        const char *root;

        test_bdb("libuuid", "pkgdb/rpm/go-rpmdb/libuuid/Packages",
                 "ID=\"rocky\"\nVERSION_ID=\"8.8\"\n");
        inv = collect(test_path(test_tmpdir(), "libuuid"));
        check_go_rpmdb_single(inv, "libuuid/Packages");
        p = find_pkg(inv, "libuuid", NULL);
        CHECK(p && streq_ptr(p->source_name, "util-linux") && streq_ptr(p->source_version, "2.32.1-42.el8_8"));
        CHECK(p && streq_ptr(p->ecosystem, "Rocky Linux:8"));
        inventory_free(inv);

        test_bdb("syft", "pkgdb/syft/rpm/Packages", NULL);
        test_bdb("scalibr", "pkgdb/osv-scalibr/rpm/Packages_epoch", NULL);
        test_bdb("coverage", "pkgdb/syft/image-pkg-coverage/pkgs/var/lib/rpm/Packages", NULL);

        /* osv-scalibr's Packages_epoch: the package with an epoch. */
        inv = collect(test_path(test_tmpdir(), "scalibr"));
        p = find_pkg(inv, "hello", "x86_64");
        CHECK(p && streq_ptr(p->version, "1:0.0.1-rls") && streq_ptr(p->source_version, "1:0.0.1-rls"));
        CHECK(p && streq_ptr(p->purl, "pkg:rpm/hello@0.0.1-rls?arch=x86_64&epoch=1"));
        inventory_free(inv);
        inv = NULL;

        /* No database at all: no packages, no error. */
        root = make_root("empty", "ID=fedora\n");
        inv = collect(root);
        CHECK(inv->n_pkgs == 0 && inv->n_warnings == 0);
}

/* syft's parse_rpm_db_test.go: entries with a Release are the package. */
static void test_syft_expected(void) {
        _cleanup_(inventory_freep) struct inventory *inv = collect(test_path(test_tmpdir(), "syft"));
        json_error_t jerr;
        json_t *root = json_load_file(test_path(test_shared_data(), "pkgdb/expected/syft_rpm_expected.json"),
                                      JSON_REJECT_DUPLICATES, &jerr);
        json_t *cases = json_object_get(root, "cases"), *c, *p;
        unsigned n = 0;
        size_t i, j;

        CHECK_MSG(json_is_array(cases), "%s", jerr.text);
        json_array_foreach(cases, i, c) json_array_foreach(json_object_get(c, "packages"), j, p) {
                struct want w = {
                        .name = json_string_value(json_object_get(p, "Name")),
                        .version = json_string_value(json_object_get(p, "Version")),
                        .release = json_string_value(json_object_get(p, "Release")),
                        .arch = json_string_value(json_object_get(p, "Arch")),
                        .epoch = json_epoch(json_object_get(p, "Epoch")),
                };

                /* The other entries are syft's pkg.Package with the
                 * version already joined ("0.9.2-1"). */
                if (!w.release) {
                        const struct package *q = find_pkg(inv, w.name, NULL);

                        CHECK(q && streq_ptr(q->version, w.version));
                        continue;
                }
                check_want(inv, &w, "syft_rpm_expected.json");
                n++;
        }
        CHECK(n == 2);
        json_decref(root);
}

/* --- hostile inputs ----------------------------------------------------------- */

/* A header builder: entries and data as rpm lays them out. */
struct hb {
        unsigned char index[64 * 16];
        unsigned char data[4096];
        uint32_t il, dl;
};

static void put_be32(unsigned char *p, uint32_t v) {
        p[0] = (unsigned char) (v >> 24);
        p[1] = (unsigned char) (v >> 16);
        p[2] = (unsigned char) (v >> 8);
        p[3] = (unsigned char) v;
}

static void hb_entry(struct hb *h, uint32_t tag, uint32_t type, uint32_t offset, uint32_t count) {
        unsigned char *e = h->index + h->il++ * 16;

        put_be32(e, tag);
        put_be32(e + 4, type);
        put_be32(e + 8, offset);
        put_be32(e + 12, count);
}

static void hb_string(struct hb *h, uint32_t tag, const char *s) {
        size_t n = strlen(s) + 1;

        hb_entry(h, tag, 6, h->dl, 1);
        memcpy(h->data + h->dl, s, n);
        h->dl += (uint32_t) n;
}

static void hb_int32(struct hb *h, uint32_t tag, uint32_t v) {
        while (h->dl % 4)
                h->data[h->dl++] = 0;
        hb_entry(h, tag, 4, h->dl, 1);
        put_be32(h->data + h->dl, v);
        h->dl += 4;
}

static void hb_basic(struct hb *h) {
        *h = (struct hb) {};
        hb_string(h, RPMTAG_NAME, "bash");
        hb_string(h, RPMTAG_VERSION, "5.2.15");
        hb_string(h, RPMTAG_RELEASE, "2.el9");
        hb_string(h, RPMTAG_ARCH, "x86_64");
        hb_string(h, RPMTAG_SOURCERPM, "bash-5.2.15-2.el9.src.rpm");
        hb_int32(h, RPMTAG_EPOCH, 3);
        hb_string(h, RPMTAG_MODULARITYLABEL, "bash:5:9000:abcdef");
}

static size_t hb_finish(const struct hb *h, unsigned char *out) {
        put_be32(out, h->il);
        put_be32(out + 4, h->dl);
        memcpy(out + 8, h->index, (size_t) h->il * 16);
        memcpy(out + 8 + (size_t) h->il * 16, h->data, h->dl);
        return 8 + (size_t) h->il * 16 + h->dl;
}

static int parse_blob(const unsigned char *b, size_t len, struct error *err) {
        struct rpm_header h = {};
        int r = rpm_header_parse(b, len, "test blob", &h, err);

        rpm_header_done(&h);
        return r;
}

static void check_bad_header(const unsigned char *b, size_t len, const char *needle, const char *what) {
        struct error err = {};
        int r = parse_blob(b, len, &err);

        CHECK_MSG(r == -EBADMSG && strstr(err.msg, "test blob") && strstr(err.msg, needle), "%s: %d %s", what, r,
                  err.msg);
}

/* Index entry i's field at byte k (0 tag, 4 type, 8 offset, 12 count). */
static void set_entry(unsigned char *b, uint32_t i, size_t k, uint32_t v) {
        put_be32(b + 8 + i * 16 + k, v);
}

static void test_header_hostile(void) {
        unsigned char b[sizeof(struct hb) + 8], c[sizeof(b)];
        struct rpm_header h = {};
        struct error err = {};
        struct hb hb;
        size_t len;
        char *name = NULL, *vr = NULL;

        hb_basic(&hb);
        len = hb_finish(&hb, b);
        CHECK_MSG(rpm_header_parse(b, len, "test blob", &h, &err) == 0, "%s", err.msg);
        CHECK_STREQ(h.name, "bash");
        CHECK_STREQ(h.release, "2.el9");
        CHECK_STREQ(h.modularitylabel, "bash:5:9000:abcdef");
        CHECK(h.has_epoch && h.epoch == 3);
        rpm_header_done(&h);

        check_bad_header(b, 7, "shorter than its 8-byte preamble", "truncated preamble");
        check_bad_header(b, len - 1, "make", "truncated data");
        check_bad_header(b, 8 + 16, "make", "truncated index");
#define MUTATE(stmt, needle, what)                        \
        do {                                              \
                memcpy(c, b, len);                        \
                stmt;                                     \
                check_bad_header(c, len, needle, what);   \
        } while (0)
        MUTATE(put_be32(c, 1000000), "index count 1000000", "index count lies (huge)");
        MUTATE(put_be32(c, hb.il + 1), "make", "index count lies (one more)");
        MUTATE(put_be32(c, 0), "index count 0", "no entries");
        MUTATE(put_be32(c + 4, 0x7fffffff), "data length", "data length lies");
        MUTATE(set_entry(c, 0, 8, hb.dl + 1), "offset past the end", "offset past the end");
        MUTATE(set_entry(c, 0, 8, 0xfffffff0u), "offset past the end", "negative offset");
        MUTATE(set_entry(c, 0, 4, 10), "unknown type", "type 10");
        MUTATE(set_entry(c, 0, 12, 0), "count is 0", "count 0");
        MUTATE(set_entry(c, 0, 12, 2), "count 1", "STRING with count 2");
        MUTATE((set_entry(c, 0, 4, 8), set_entry(c, 0, 12, 0x7fffffff)), "more strings than bytes",
               "STRING_ARRAY count lies");
        MUTATE(c[len - 1] = 'x', "not terminated", "last string unterminated");
        MUTATE(set_entry(c, 5, 8, hb.dl - 2), "not aligned", "misaligned INT32");
        MUTATE(set_entry(c, 5, 12, 1000), "past the end of the data store", "INT32 count runs past the end");
        MUTATE(set_entry(c, 5, 4, 6), "EPOCH is not an INT32", "EPOCH as a string");
        MUTATE(set_entry(c, 3, 4, 7), "ARCH is not a string", "ARCH as BIN");
        MUTATE((set_entry(c, 0, 4, 7), set_entry(c, 0, 8, hb.dl - 1)), "NAME is not a string",
               "NAME as BIN on the last byte");
        MUTATE(set_entry(c, 0, 0, 1), "no NAME tag", "no NAME");
        MUTATE(c[8 + hb.il * 16] = '\033', "not printable", "escape in NAME");
        MUTATE(c[8 + hb.il * 16] = '\0', "not printable", "empty NAME");
#undef MUTATE

        /* 4096 STRING_ARRAY entries all over the same 1000 NULs: the scan
         * budget stops it. */
        {
                size_t n = 4096, dl = 1000, blen = 8 + n * 16 + dl;
                _cleanup_free_ unsigned char *big = calloc(1, blen);

                put_be32(big, (uint32_t) n);
                put_be32(big + 4, (uint32_t) dl);
                for (size_t i = 0; i < n; i++) {
                        put_be32(big + 8 + i * 16, 1100);
                        put_be32(big + 8 + i * 16 + 4, 8);
                        put_be32(big + 8 + i * 16 + 12, (uint32_t) dl);
                }
                check_bad_header(big, blen, "entries overlap", "overlapping string arrays");
        }

        CHECK(rpm_sourcerpm_split("util-linux-2.32.1-42.el8_8.src.rpm", &name, &vr) == 0);
        CHECK_STREQ(name, "util-linux");
        CHECK_STREQ(vr, "2.32.1-42.el8_8");
        free(name);
        free(vr);
        CHECK(rpm_sourcerpm_split("foo-1-2.nosrc.rpm", &name, &vr) == 0 && strcmp(name, "foo") == 0);
        free(name);
        free(vr);
        CHECK(rpm_sourcerpm_split("foo-1.src.rpm", &name, &vr) == -EINVAL);
        CHECK(rpm_sourcerpm_split("-1-2.src.rpm", &name, &vr) == -EINVAL);
        CHECK(rpm_sourcerpm_split("foo--2.src.rpm", &name, &vr) == -EINVAL);
        CHECK(rpm_sourcerpm_split("foo-1-.src.rpm", &name, &vr) == -EINVAL);
        CHECK(rpm_sourcerpm_split("foo-1-2.rpm", &name, &vr) == -EINVAL);
}

/* rpmdb_parse() over a buffer: 0 and the package count, or the error. */
static int parse_db(const void *buf, size_t len, enum rpmdb_format f, size_t *ret_n, struct inventory **ret_inv,
                    struct error *err) {
        struct inventory *inv = inventory_new();
        _cleanup_free_ void *copy = malloc(len ? len : 1);      /* the sqlite reader writes to it */
        int r;

        memcpy(copy, buf, len);
        r = rpmdb_parse(copy, len, f, "/var/lib/rpm/test", inv, NULL, err);

        *ret_n = inv->n_pkgs;
        if (ret_inv)
                *ret_inv = inv;
        else
                inventory_free(inv);
        return r;
}

static void check_bad_db(const void *buf, size_t len, enum rpmdb_format f, const char *needle, const char *what) {
        struct error err = {};
        size_t n;
        int r = parse_db(buf, len, f, &n, NULL, &err);

        CHECK_MSG(r < 0 && strstr(err.msg, "/var/lib/rpm/test") && strstr(err.msg, needle), "%s: %d '%s'", what, r,
                  err.msg);
}

static uint32_t le32_at(const unsigned char *p) {
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v) {
        p[0] = (unsigned char) v;
        p[1] = (unsigned char) (v >> 8);
        p[2] = (unsigned char) (v >> 16);
        p[3] = (unsigned char) (v >> 24);
}

static void test_bdb_hostile(void) {
        _cleanup_free_ char *orig = NULL;
        _cleanup_free_ unsigned char *c = NULL;
        struct error err = {};
        size_t len, n;

        orig = read_shared("pkgdb/rpm/go-rpmdb/libuuid/Packages", &len);
        c = malloc(len);
        CHECK(parse_db(orig, len, RPMDB_BDB, &n, NULL, &err) == 0 && n == 1);
#define MUTATE(stmt, needle, what)                                   \
        do {                                                         \
                memcpy(c, orig, len);                                \
                stmt;                                                \
                check_bad_db(c, len, RPMDB_BDB, needle, what);       \
        } while (0)
        /* Pages 3..22 are one overflow chain (4096-byte pages). */
        MUTATE(put_le32(c + 10 * 4096 + 16, 5), "used twice", "overflow chain that cycles");
        MUTATE(put_le32(c + 10 * 4096 + 16, 10), "used twice", "overflow page pointing at itself");
        MUTATE(put_le32(c + 10 * 4096 + 16, 999), "past the last page", "overflow page past the end");
        MUTATE(c[9 * 4096 + 25] = 13, "", "overflow page retyped as a hash page");
        MUTATE(put_le32(c + 32, 999), "last page 999 is past the end", "last page lies");
        MUTATE(put_le32(c + 20, 1000), "page size 1000", "page size not a power of two");
        MUTATE(c[12] = 0x62, "not a Berkeley DB hash", "bad magic");
        MUTATE(c[24] = 1, "encrypted", "encrypted");
        MUTATE(c[2 * 4096 + 20] = 0xff, "do not fit", "hash page item count lies");
        MUTATE((c[2 * 4096 + 26 + 2] = 3, c[2 * 4096 + 26 + 3] = 0), "outside", "item offset into the index");
        MUTATE(put_le32(c + 2 * 4096 + 4079 + 8, 0x7fffffff), "larger than the file", "off-page length lies");
        MUTATE(c[2 * 4096 + 4079] = 2, "not supported", "duplicate item type");
#undef MUTATE
        check_bad_db(orig, 100, RPMDB_BDB, "past the end", "truncated file");
        check_bad_db("x", 1, RPMDB_BDB, "too short", "tiny file");
        /* A header that is damaged inside a sound file: a warning. */
        memcpy(c, orig, len);
        c[3 * 4096 + 26] = 0xff;            /* il of the header blob */
        {
                struct inventory *inv = NULL;

                CHECK(parse_db(c, len, RPMDB_BDB, &n, &inv, &err) == 0 && n == 0);
                CHECK(inv && has_warning(inv, "/var/lib/rpm/test: record") && has_warning(inv, "skipped"));
                inventory_free(inv);
        }
}

static void test_ndb_hostile(void) {
        _cleanup_free_ char *orig = NULL;
        _cleanup_free_ unsigned char *c = NULL;
        struct error err = {};
        size_t len, n;

        orig = read_shared("pkgdb/rpm/go-rpmdb/sle15-bci/Packages.db", &len);
        c = malloc(len);
        CHECK(parse_db(orig, len, RPMDB_NDB, &n, NULL, &err) == 0 && n == 35);
#define MUTATE(stmt, needle, what)                                   \
        do {                                                         \
                memcpy(c, orig, len);                                \
                stmt;                                                \
                check_bad_db(c, len, RPMDB_NDB, needle, what);       \
        } while (0)
        /* Slot 2 is at 32: magic, pkgidx, blkoff, blkcnt. */
        MUTATE(put_le32(c + 32 + 8, 0x10000000), "outside the blob area", "blob offset past the end");
        MUTATE(put_le32(c + 32 + 12, 0x10000000), "outside the blob area", "blob count past the end");
        MUTATE(put_le32(c + 32 + 8, 1), "outside the blob area", "blob inside the slot pages");
        MUTATE(put_le32(c + 48 + 8, le32_at(c + 32 + 8)), "overlap", "two slots, one blob");
        MUTATE(c[32] = 'X', "bad magic", "slot magic");
        MUTATE(c[0] = 'X', "bad magic", "file magic");
        MUTATE(put_le32(c + 12, 0x7fffffff), "slot page count", "slot page count lies");
        MUTATE(c[4096] = 'X', "bad magic or package index", "blob magic");
        MUTATE(put_le32(c + 4096 + 12, 0x7fffffff), "more than its", "blob length lies");
        MUTATE(put_le32(c + 4096 + 12, le32_at(c + 4096 + 12) - 16), "bad tail", "blob length short");
#undef MUTATE
        check_bad_db(orig, 4095, RPMDB_NDB, "too short", "truncated file");
        check_bad_db(orig, 8192, RPMDB_NDB, "outside the blob area", "file cut after the first blob");
}

/* Builds an sqlite file with the given SQL and returns its bytes. */
static char *make_sqlite(const char *name, const char *sql, const void *blob, size_t blob_len, size_t *ret_len) {
        const char *path = test_path(test_tmpdir(), name);
        struct error err = {};
        sqlite3_stmt *st = NULL;
        sqlite3 *db = NULL;
        char *buf = NULL;

        (void) unlink(path);
        CHECK(sqlite3_open(path, &db) == SQLITE_OK);
        CHECK_MSG(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
        if (blob) {
                CHECK(sqlite3_prepare_v2(db, "INSERT INTO Packages(blob) VALUES (?)", -1, &st, NULL) == SQLITE_OK);
                sqlite3_bind_blob(st, 1, blob, (int) blob_len, SQLITE_STATIC);
                CHECK(sqlite3_step(st) == SQLITE_DONE);
                sqlite3_finalize(st);
        }
        sqlite3_close(db);
        CHECK(read_full_file(path, DB_MAX, &buf, ret_len, &err) == 0);
        return buf;
}

static void test_sqlite_hostile(void) {
        static const char *const table = "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);";
        _cleanup_free_ char *orig = NULL, *good = NULL, *wal = NULL, *view = NULL, *text = NULL, *none = NULL;
        unsigned char b[sizeof(struct hb) + 8];
        struct inventory *inv = NULL;
        struct error err = {};
        struct hb hb;
        size_t len, blen, n;

        orig = read_shared("pkgdb/rpm/go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite", &len);
        check_bad_db("this is not a database, only text", 33, RPMDB_SQLITE, "not an SQLite database", "not sqlite");
        check_bad_db(orig, 50, RPMDB_SQLITE, "not an SQLite database", "cut inside the header");
        check_bad_db(orig, 64 * 1024, RPMDB_SQLITE, "", "truncated to 64 KiB");
        {
                _cleanup_free_ char *c = malloc(len);

                memcpy(c, orig, len);
                memset(c + len / 2, 0xa5, 8192);        /* damage two pages in the middle */
                check_bad_db(c, len, RPMDB_SQLITE, "", "damaged pages");
        }

        hb_basic(&hb);
        blen = hb_finish(&hb, b);
        good = make_sqlite("good.sqlite", table, b, blen, &len);
        CHECK_MSG(parse_db(good, len, RPMDB_SQLITE, &n, &inv, &err) == 0 && n == 1, "%s", err.msg);
        CHECK(inv && inv->n_pkgs == 1 && streq_ptr(inv->pkgs[0].version, "3:5.2.15-2.el9") &&
              streq_ptr(inv->pkgs[0].source_name, "bash"));
        inventory_free(inv);

        /* rpm's own files are in WAL mode: read from memory all the same. */
        wal = make_sqlite("wal.sqlite", "PRAGMA journal_mode=WAL; CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB);",
                          b, blen, &len);
        CHECK(wal[18] == 2 && wal[19] == 2);
        CHECK_MSG(parse_db(wal, len, RPMDB_SQLITE, &n, NULL, &err) == 0 && n == 1, "%s", err.msg);

        view = make_sqlite("view.sqlite",
                           "CREATE TABLE t (hnum INTEGER PRIMARY KEY, blob BLOB);"
                           "CREATE VIEW Packages AS WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) "
                           "SELECT x AS hnum, zeroblob(8) AS blob FROM r;",
                           NULL, 0, &len);
        check_bad_db(view, len, RPMDB_SQLITE, "no Packages table", "Packages is an endless view");
        none = make_sqlite("none.sqlite", "CREATE TABLE Other (x);", NULL, 0, &len);
        check_bad_db(none, len, RPMDB_SQLITE, "no Packages table", "no Packages table");
        text = make_sqlite("text.sqlite", "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob);"
                                          "INSERT INTO Packages(blob) VALUES ('text');",
                           NULL, 0, &len);
        check_bad_db(text, len, RPMDB_SQLITE, "blob is not a BLOB", "blob column holds text");
}

/* The orchestrator on a rootfs: a broken file is an error naming it. */
static void test_rootfs_errors(void) {
        const char *root = make_root("broken", "ID=rocky\nVERSION_ID=9.3\n");
        _cleanup_(rootfs_freep) struct rootfs *r = NULL;
        struct inventory *inv = NULL;
        struct error err = {};

        test_write_file(test_path(root, "var/lib/rpm/rpmdb.sqlite"), "SQLite format 2, or so it says");
        CHECK(rootfs_open(root, 0, &r, &err) == 0);
        CHECK(inventory_collect(r, NULL, &inv, &err) < 0 && !inv);
        CHECK_MSG(strstr(err.msg, "read rpm database") && strstr(err.msg, "/var/lib/rpm/rpmdb.sqlite: not an SQLite"),
                  "%s", err.msg);
        (void) unlink(test_path(root, "var/lib/rpm/rpmdb.sqlite"));
        (void) mkdir(test_path(root, "var/lib/rpm/Packages"), 0755);
        error_clear(&err);
        CHECK(inventory_collect(r, NULL, &inv, &err) < 0);
        CHECK_MSG(strstr(err.msg, "var/lib/rpm/Packages"), "%s", err.msg);
}

int main(void) {
        test_sle_ndb();
        test_mariner_sqlite();
        test_bdb_files();
        test_syft_expected();
        test_header_hostile();
        test_bdb_hostile();
        test_ndb_hostile();
        test_sqlite_hostile();
        test_rootfs_errors();
        fprintf(stderr, "checked %u expected packages against other tools' lists, %u against rpm -qa\n",
                expected_checked, rpm_compared);
        return test_end();
}
