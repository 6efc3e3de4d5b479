/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "osrelease.h"
#include "rootfs.h"
#include "test.h"

/* --- parsing ---------------------------------------------------------------- */

struct parse_row {
        const char *in;
        const char *id, *version_id, *codename, *pretty;
};

static const struct parse_row parse_rows[] = {
        { "ID=debian\nVERSION_ID=\"12\"\n", "debian", "12", NULL, NULL },
        { "ID='debian'\nVERSION_ID='1 2'\n", "debian", NULL, NULL, NULL },       /* bad charset: dropped */
        { "ID=Debian\nVERSION_ID=12\n", NULL, "12", NULL, NULL },
        { "ID=deb\033]0;x\nPRETTY_NAME=\"a\033[31mb\xff\"\n", NULL, NULL, NULL, "a?[31mb?" },
        { "# comment\n\n   \nID=alpine", "alpine", NULL, NULL, NULL },            /* no trailing newline */
        { "ID=ubuntu\r\nVERSION_ID=\"22.04\"\r\n", "ubuntu", "22.04", NULL, NULL }, /* CRLF */
        { "PRETTY_NAME=\"a \\\"quoted\\\" \\$x \\\\ \\n\"\n", NULL, NULL, NULL, "a \"quoted\" $x \\ \\n" },
        { "PRETTY_NAME='no \\\" escapes'\n", NULL, NULL, NULL, "no \\\" escapes" },
        { "PRETTY_NAME=un\\ quoted\\\"\n", NULL, NULL, NULL, "un quoted\"" },
        { "PRETTY_NAME=\"con\"'cat'ed\n", NULL, NULL, NULL, "concated" },
        { "ID=debian # trailing comment\n", "debian", NULL, NULL, NULL },
        { "ID=debian\nID=ubuntu\n", "ubuntu", NULL, NULL, NULL },                  /* last wins */
        { "  ID = debian\n", "debian", NULL, NULL, NULL },
        { "ID=\"unterminated\nVERSION_ID=3\n", NULL, "3", NULL, NULL },            /* bad line skipped */
        { "1D=x\nID\nJUNK\n=x\nID=ok\n", "ok", NULL, NULL, NULL },
        { "id=lower\n", NULL, NULL, NULL, NULL },                                   /* keys are case-sensitive */
        { "VERSION_CODENAME=bookworm\nID=debian\n", "debian", NULL, "bookworm", NULL },
        { "ID=\"\"\n", NULL, NULL, NULL, NULL },
        { "", NULL, NULL, NULL, NULL },
};

static void test_parse_rows(void) {
        for (size_t i = 0; i < ELEMENTSOF(parse_rows); i++) {
                const struct parse_row *row = &parse_rows[i];
                struct os_info info = {};
                struct error err = {};

                CHECK_MSG(osrelease_parse(row->in, strlen(row->in), &info, &err) == 0, "row %zu: %s", i, err.msg);
                CHECK_MSG(streq_ptr(info.id, row->id), "row %zu: id %s", i, strna(info.id));
                CHECK_MSG(streq_ptr(info.version_id, row->version_id), "row %zu: version_id %s", i,
                          strna(info.version_id));
                CHECK_MSG(streq_ptr(info.version_codename, row->codename), "row %zu", i);
                CHECK_MSG(streq_ptr(info.pretty_name, row->pretty), "row %zu: pretty %s", i, strna(info.pretty_name));
                os_info_done(&info);
        }
}

static void test_caps(void) {
        struct os_info info = {};
        struct error err = {};
        struct strbuf b = {};

        for (int i = 0; i < 1100; i++)
                (void) strbuf_puts(&b, "#\n");
        CHECK(osrelease_parse(b.s, b.len, &info, &err) == -E2BIG);
        CHECK(strstr(err.msg, "lines"));
        strbuf_done(&b);
        (void) strbuf_puts(&b, "PRETTY_NAME=");
        for (int i = 0; i < 5000; i++)
                (void) strbuf_puts(&b, "x");
        CHECK(osrelease_parse(b.s, b.len, &info, &err) == -E2BIG);
        strbuf_done(&b);
        /* An embedded NUL makes that one line invalid, not the file. */
        CHECK(osrelease_parse("ID=a\0b\nVERSION_ID=1\n", 20, &info, &err) == 0);
        CHECK(!info.id);
        CHECK_STREQ(info.version_id, "1");
        os_info_done(&info);
}

/* --- ecosystems ------------------------------------------------------------- */

struct eco_row {
        const char *id, *version_id, *codename;
        const char *want;     /* NULL: unknown */
        const char *pretty;   /* PRETTY_NAME, for the SUSE family */
};

static const struct eco_row eco_rows[] = {
        { "debian", "12", NULL, "Debian:12" },
        { "debian", "12", "bookworm", "Debian:12" },
        { "debian", "10", "buster", "Debian:10" },
        { "debian", NULL, "bookworm", "Debian:12" },
        { "debian", NULL, "bullseye", "Debian:11" },
        { "debian", NULL, "buster", "Debian:10" },
        { "debian", NULL, "trixie", "Debian:13" },
        { "debian", NULL, "forky", "Debian:14" },     /* testing (and sid) since trixie's release */
        { "debian", NULL, "duke", "Debian:15" },
        { "debian", NULL, "stretch", "Debian:9" },
        { "debian", NULL, "jessie", "Debian:8" },
        { "debian", NULL, "sid", NULL },
        { "debian", NULL, NULL, NULL },
        { "debian", "bogus", NULL, NULL },
        { "ubuntu", "22.04", NULL, "Ubuntu:22.04:LTS" },
        { "ubuntu", "24.04", NULL, "Ubuntu:24.04:LTS" },
        { "ubuntu", "18.04", NULL, "Ubuntu:18.04:LTS" },
        { "ubuntu", "23.10", NULL, "Ubuntu:23.10" },
        { "ubuntu", "23.04", NULL, "Ubuntu:23.04" },          /* odd year .04: not LTS */
        { "ubuntu", "22.10", NULL, "Ubuntu:22.10" },
        { "ubuntu", "22", NULL, NULL },
        { "ubuntu", "22.04.1", NULL, NULL },
        { "alpine", "3.18.4", NULL, "Alpine:v3.18" },
        { "alpine", "3.10.2", NULL, "Alpine:v3.10" },
        { "alpine", "3.19", NULL, "Alpine:v3.19" },
        { "alpine", "3.19_alpha20230901", NULL, NULL },       /* edge */
        { "alpine", "3", NULL, NULL },
        { "rocky", "9.3", NULL, "Rocky Linux:9" },
        { "rocky", "8", NULL, "Rocky Linux:8" },
        { "almalinux", "9.3", NULL, "AlmaLinux:9" },
        { "mageia", "9", NULL, "Mageia:9" },
        { "photon", "3.0", NULL, "Photon OS:3.0" },
        { "wolfi", "20230201", NULL, "Wolfi" },
        { "chainguard", NULL, NULL, "Chainguard" },
        { "rhel", "8.0", NULL, "Red Hat:enterprise_linux:8::baseos" },      /* + its siblings: ecosystem.c */
        { "rhel", "9.4", NULL, "Red Hat:enterprise_linux:9::baseos" },
        { "rhel", "7.9", NULL, "Red Hat:enterprise_linux:7::server" },
        { "rhel", "10.0", NULL, "Red Hat:enterprise_linux:10.0" },          /* CPEs by minor release */
        { "rhel", "10.1", NULL, "Red Hat:enterprise_linux:10.1" },          /* + every other minor: match.c */
        { "rhel", "10.12", NULL, "Red Hat:enterprise_linux:10.12" },
        { "rhel", "10", NULL, NULL },                         /* which minor: not guessed */
        { "rhel", "10.01", NULL, NULL },
        { "rhel", "10.1.2", NULL, NULL },
        { "rhel", "10.", NULL, NULL },
        { "rhel", "11.0", NULL, NULL },
        { "rhel", "6.10", NULL, NULL },
        { "rhel", NULL, NULL, NULL },
        { "opensuse-leap", "15.1", NULL, NULL },              /* no PRETTY_NAME */
        { "opensuse-leap", "15.5", NULL, "openSUSE:Leap 15.5", "openSUSE Leap 15.5" },
        { "opensuse-tumbleweed", "20240101", NULL, "openSUSE:Tumbleweed", "openSUSE Tumbleweed" },
        { "opensuse-leap", "15.5", NULL, NULL, "Leap 15.5" },
        { "sles", "15.5", NULL, "SUSE:Linux Enterprise Server 15 SP5", "SUSE Linux Enterprise Server 15 SP5" },
        { "sles", "15.5", NULL, NULL, "SUSE " },
        { "mariner", "2.0", NULL, "Azure Linux:2" },
        { "azurelinux", "3.0", NULL, "Azure Linux:3" },
        { "azurelinux", NULL, NULL, NULL },
        { "fedora", "39", NULL, NULL },
        { "amzn", "2023", NULL, NULL },
        { "ol", "9.3", NULL, NULL },
        { "Debian", "12", NULL, NULL },                       /* IDs are lower case, os-release(5) */
        { NULL, "12", NULL, NULL },
};

static void test_eco_rows(void) {
        for (size_t i = 0; i < ELEMENTSOF(eco_rows); i++) {
                const struct eco_row *row = &eco_rows[i];
                struct os_info info = {
                        .id = row->id ? strdup(row->id) : NULL,
                        .version_id = row->version_id ? strdup(row->version_id) : NULL,
                        .version_codename = row->codename ? strdup(row->codename) : NULL,
                        .pretty_name = row->pretty ? strdup(row->pretty) : NULL,
                };

                CHECK(osrelease_ecosystem(&info) == 0);
                CHECK_MSG(streq_ptr(info.ecosystem, row->want), "%s %s %s: got %s", strna(row->id),
                          strna(row->version_id), strna(row->codename), strna(info.ecosystem));
                os_info_done(&info);
        }
}

/* --- claircore's real files ------------------------------------------------- */

/* Returns a copy of the body of section "-- name --" of a txtar archive. */
static char *txtar_section(const char *archive, const char *name) {
        char marker[256];
        const char *start, *end;

        snprintf(marker, sizeof(marker), "-- %s --\n", name);
        start = strstr(archive, marker);
        if (start != archive && start && start[-1] != '\n')
                return NULL;
        if (!start)
                return NULL;
        start += strlen(marker);
        end = strstr(start, "\n-- ");
        end = end ? end + 1 : start + strlen(start);
        return strndup_or_null(start, (size_t) (end - start));
}

/* The ecosystem each claircore fixture should give (our own judgement). */
static const struct {
        const char *file;
        const char *want;
} claircore_rows[] = {
        { "Alpine.txtar",            "Alpine:v3.10" },
        { "Bionic.txtar",            "Ubuntu:18.04:LTS" },
        { "Buster.txtar",            "Debian:10" },
        { "DistrolessCorrupt.txtar", "Debian:12" },
        { "DistrolessValid.txtar",   "Debian:12" },
        { "OpenSUSe.txtar",          "openSUSE:Leap 15.1" },
        { "Ubi8.txtar",              "Red Hat:enterprise_linux:8::baseos" },
};

static void check_against_parsed(const char *file, const struct os_info *info, const char *parsed_json) {
        static const struct {
                const char *key;
                size_t off;
        } keys[] = {
                { "ID",               offsetof(struct os_info, id) },
                { "ID_LIKE",          offsetof(struct os_info, id_like) },
                { "VERSION_ID",       offsetof(struct os_info, version_id) },
                { "VERSION_CODENAME", offsetof(struct os_info, version_codename) },
                { "PRETTY_NAME",      offsetof(struct os_info, pretty_name) },
        };
        json_error_t jerr;
        json_t *j = json_loads(parsed_json, JSON_REJECT_DUPLICATES, &jerr);

        CHECK_MSG(j, "%s: Parsed section: %s", file, jerr.text);
        for (size_t i = 0; j && i < ELEMENTSOF(keys); i++) {
                const char *want = json_string_value(json_object_get(j, keys[i].key));
                const char *got = *(char *const *) ((const char *) info + keys[i].off);

                CHECK_MSG(streq_ptr(got, want), "%s: %s = %s, claircore says %s", file, keys[i].key, strna(got),
                          strna(want));
        }
        json_decref(j);
}

static void test_claircore(void) {
        char dir[4096];

        snprintf(dir, sizeof(dir), "%s/pkgdb/claircore/osrelease", test_shared_data());
        for (size_t i = 0; i < ELEMENTSOF(claircore_rows); i++) {
                _cleanup_free_ char *buf = NULL, *osr = NULL, *parsed = NULL;
                struct os_info info = {};
                struct error err = {};

                CHECK_MSG(read_full_file(test_path(dir, claircore_rows[i].file), 1 << 20, &buf, NULL, &err) == 0,
                          "%s", err.msg);
                if (!buf)
                        continue;
                osr = txtar_section(buf, "os-release");
                parsed = txtar_section(buf, "Parsed");
                CHECK_MSG(osr && parsed, "%s: sections missing", claircore_rows[i].file);
                if (!osr || !parsed)
                        continue;
                CHECK(osrelease_parse(osr, strlen(osr), &info, &err) == 0);
                CHECK_MSG(streq_ptr(info.ecosystem, claircore_rows[i].want), "%s: ecosystem %s",
                          claircore_rows[i].file, strna(info.ecosystem));
                check_against_parsed(claircore_rows[i].file, &info, parsed);
                os_info_done(&info);
        }
}

/* --- reading from a rootfs -------------------------------------------------- */

static void read_in(const char *root, unsigned flags, const char *want_eco, int want_r) {
        _cleanup_(rootfs_freep) struct rootfs *r = NULL;
        struct os_info info = {};
        struct error err = {};
        int k;

        CHECK(rootfs_open(root, flags, &r, &err) == 0);
        if (!r)
                return;
        k = osrelease_read(r, &info, &err);
        CHECK_MSG(k == want_r, "%s: got %d (%s)", root, k, err.msg);
        CHECK_MSG(streq_ptr(info.ecosystem, want_eco), "%s: ecosystem %s", root, strna(info.ecosystem));
        if (want_r < 0)
                CHECK_MSG(strstr(err.msg, root), "message names the file: %s", err.msg);
        os_info_done(&info);
}

static void test_read(void) {
        const char *tmp = test_tmpdir();
        char a[1024], b[1024], c[1024], d[1024], e[1024], f[1024];

        snprintf(a, sizeof(a), "%s/usrlib", tmp);   /* the common symlinked layout */
        test_write_file(test_path(a, "usr/lib/os-release"), "ID=debian\nVERSION_ID=\"12\"\n");
        test_write_file(test_path(a, "etc/.keep"), "");
        CHECK(symlink("../usr/lib/os-release", test_path(a, "etc/os-release")) == 0);

        snprintf(b, sizeof(b), "%s/both", tmp);     /* etc wins */
        test_write_file(test_path(b, "etc/os-release"), "ID=alpine\nVERSION_ID=3.18.4\n");
        test_write_file(test_path(b, "usr/lib/os-release"), "ID=debian\nVERSION_ID=12\n");

        snprintf(c, sizeof(c), "%s/none", tmp);     /* scratch image */
        test_write_file(test_path(c, "bin/app"), "");

        snprintf(d, sizeof(d), "%s/dangling", tmp); /* broken etc link: fall back */
        test_write_file(test_path(d, "usr/lib/os-release"), "ID=ubuntu\nVERSION_ID=22.04\n");
        test_write_file(test_path(d, "etc/.keep"), "");
        (void) symlink("/nowhere", test_path(d, "etc/os-release"));

        snprintf(e, sizeof(e), "%s/fifo", tmp);     /* hostile: error, no hang */
        test_write_file(test_path(e, "etc/.keep"), "");
        (void) mkfifo(test_path(e, "etc/os-release"), 0644);

        snprintf(f, sizeof(f), "%s/folder", tmp);   /* a later layer's folder over it: fall back */
        test_write_file(test_path(f, "usr/lib/os-release"), "ID=debian\nVERSION_ID=12\n");
        test_write_file(test_path(f, "etc/os-release/planted"), "");

        for (unsigned flags = 0; flags <= ROOTFS_FORCE_WALK; flags += ROOTFS_FORCE_WALK) {
                read_in(a, flags, "Debian:12", 0);
                read_in(b, flags, "Alpine:v3.18", 0);
                read_in(c, flags, NULL, 0);
                read_in(d, flags, "Ubuntu:22.04:LTS", 0);
                read_in(e, flags, NULL, -EBADFD);
                read_in(f, flags, "Debian:12", 0);
        }
}

int main(void) {
        alarm(60);
        test_parse_rows();
        test_caps();
        test_eco_rows();
        test_read();
        test_claircore();
        return test_end();
}
