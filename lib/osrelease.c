/* SPDX-License-Identifier: Apache-2.0 */
/* os-release(5): "a newline-separated list of environment-like shell-
 * compatible variable assignments".  We parse the subset the man page
 * allows (KEY=value, value quoted with "" or '' or not at all, backslash
 * escapes, # comments, blank lines) from a buffer, with named caps, and map
 * ID + VERSION_ID to an OSV ecosystem string (osv-schema ecosystems.json). */
#include <ctype.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/strutil.h"
#include "ecosystem.h"
#include "osrelease.h"
#include "rootfs.h"

/* A real os-release is ~10-20 lines of < 200 bytes. */
#define OS_RELEASE_LINES_MAX 1024
#define OS_RELEASE_LINE_MAX 4096

void os_info_done(struct os_info *info) {
        if (!info)
                return;
        free(info->id);
        free(info->id_like);
        free(info->version_id);
        free(info->version_codename);
        free(info->pretty_name);
        free(info->ecosystem);
        *info = (struct os_info) {};
}

const char *os_info_origin(const struct os_info *info) {
        return info->origin ? info->origin : "os-release";
}

static bool is_key(const char *s, size_t n) {
        if (n == 0 || !(isalpha((unsigned char) s[0]) || s[0] == '_'))
                return false;
        for (size_t i = 1; i < n; i++)
                if (!(isalnum((unsigned char) s[i]) || s[i] == '_'))
                        return false;
        return true;
}

/* Double quotes: a backslash escapes only $ " \ ` (sh(1), "Double-Quotes");
 * before anything else it stays literal. */
static bool dq_escapable(char c) {
        return c == '$' || c == '"' || c == '\\' || c == '`';
}

/* Unquotes one shell word value (value, n) into ret.  Returns -EINVAL for an
 * unterminated quote or an embedded NUL, which make the line invalid. */
static int unquote(const char *v, size_t n, char **ret) {
        _cleanup_free_ char *out = malloc(n + 1);
        size_t o = 0, i = 0;
        char quote = 0;

        if (!out)
                return -ENOMEM;
        for (; i < n; i++) {
                char c = v[i];

                if (c == '\0')
                        return -EINVAL;
                if (quote == '\'') {
                        if (c == '\'')
                                quote = 0;
                        else
                                out[o++] = c;
                } else if (quote == '"') {
                        if (c == '"')
                                quote = 0;
                        else if (c == '\\' && i + 1 < n && dq_escapable(v[i + 1]))
                                out[o++] = v[++i];
                        else
                                out[o++] = c;
                } else if (c == '"' || c == '\'') {
                        quote = c;
                } else if (c == '\\' && i + 1 < n) {
                        out[o++] = v[++i];
                } else if (isspace((unsigned char) c)) {
                        break;    /* unquoted blank ends the word; the rest is ignored */
                } else {
                        out[o++] = c;
                }
        }
        if (quote)
                return -EINVAL;
        out[o] = '\0';
        *ret = TAKE_PTR(out);
        return 0;
}

/* os-release(5) limits ID, VERSION_ID and VERSION_CODENAME to a-z, 0-9,
 * ".", "_", "-" (ID_LIKE: such words separated by spaces).  Values outside
 * that are dropped: they end up in ecosystem strings, purls and JSON. */
static bool valid_id(const char *v, bool spaces) {
        if (!*v)
                return false;
        for (; *v; v++)
                if (!(islower((unsigned char) *v) || isdigit((unsigned char) *v) || strchr("._-", *v) ||
                      (spaces && *v == ' ')))
                        return false;
        return true;
}

/* PRETTY_NAME is free text for people; keep it printable ASCII so that a
 * hostile one can't carry terminal escapes or invalid UTF-8 into output. */
static bool sanitize_text(char *v) {
        for (; *v; v++)
                if ((unsigned char) *v < 0x20 || (unsigned char) *v >= 0x7f)
                        *v = '?';
        return true;
}

static bool check_value(const char *key, char *v) {
        if (strcmp(key, "PRETTY_NAME") == 0)
                return sanitize_text(v);
        return valid_id(v, strcmp(key, "ID_LIKE") == 0);
}

static const struct {
        const char *key;
        size_t off;
} os_fields[] = {
        { "ID",               offsetof(struct os_info, id) },
        { "ID_LIKE",          offsetof(struct os_info, id_like) },
        { "VERSION_ID",       offsetof(struct os_info, version_id) },
        { "VERSION_CODENAME", offsetof(struct os_info, version_codename) },
        { "PRETTY_NAME",      offsetof(struct os_info, pretty_name) },
};

static int field_index(const char *key, size_t n) {
        for (size_t i = 0; i < ELEMENTSOF(os_fields); i++)
                if (strlen(os_fields[i].key) == n && memcmp(os_fields[i].key, key, n) == 0)
                        return (int) i;
        return -1;
}

static void skip_blanks(const char **p, const char *end) {
        while (*p < end && (**p == ' ' || **p == '\t'))
                (*p)++;
}

/* One line (without its newline).  Lines that aren't KEY=value are ignored,
 * as systemd's parser does; only allocation failure is an error. */
static int parse_line(const char *p, const char *end, struct os_info *info) {
        const char *key, *eq;
        char **field, *value = NULL;
        int r, i;

        skip_blanks(&p, end);
        if (p == end || *p == '#')
                return 0;
        eq = memchr(p, '=', (size_t) (end - p));
        if (!eq)
                return 0;
        key = p;
        while (eq > key && (eq[-1] == ' ' || eq[-1] == '\t'))
                eq--;
        if (!is_key(key, (size_t) (eq - key)))
                return 0;
        i = field_index(key, (size_t) (eq - key));
        if (i < 0)
                return 0;
        field = (char **) ((char *) info + os_fields[i].off);
        p = memchr(eq, '=', (size_t) (end - eq)) + 1;
        skip_blanks(&p, end);
        r = unquote(p, (size_t) (end - p), &value);
        if (r == -EINVAL)
                return 0;
        if (r < 0)
                return r;
        if (!check_value(os_fields[i].key, value)) {
                free(value);
                return 0;
        }
        free(*field);           /* a later assignment wins, as in the shell */
        *field = value;
        return 0;
}

int osrelease_parse(const char *buf, size_t len, struct os_info *ret, struct error *err) {
        struct os_info info = {};
        const char *p = buf, *end = buf + len;
        unsigned lines = 0;
        int r;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                const char *eol = nl ? nl : end;

                if (++lines > OS_RELEASE_LINES_MAX) {
                        os_info_done(&info);
                        return error_set(err, E2BIG, "os-release has more than %d lines", OS_RELEASE_LINES_MAX);
                }
                if ((size_t) (eol - p) > OS_RELEASE_LINE_MAX) {
                        os_info_done(&info);
                        return error_set(err, E2BIG, "os-release line %u is longer than %d bytes", lines,
                                         OS_RELEASE_LINE_MAX);
                }
                /* Tolerate CRLF files. */
                r = parse_line(p, eol > p && eol[-1] == '\r' ? eol - 1 : eol, &info);
                if (r < 0) {
                        os_info_done(&info);
                        return error_set(err, r, "parse os-release: out of memory");
                }
                p = nl ? nl + 1 : end;
        }
        r = osrelease_ecosystem(&info);
        if (r < 0) {
                os_info_done(&info);
                return error_set(err, r, "os-release: out of memory");
        }
        *ret = info;
        return 0;
}

/* --- ecosystems ------------------------------------------------------------ */

/* Length of a run of digits at s, at most 9 (no overflow games). */
static size_t digits(const char *s) {
        size_t n = 0;

        while (isdigit((unsigned char) s[n]))
                n++;
        return n > 0 && n <= 9 ? n : 0;
}

/* "9", "9.3", "9.3.1": the major number; NULL if it doesn't start like one. */
static char *major_of(const char *v) {
        size_t n = v ? digits(v) : 0;

        if (n == 0 || (v[n] != '\0' && v[n] != '.'))
                return NULL;
        return strndup_or_null(v, n);
}

/* "3.18.4" -> "3.18"; requires at least major.minor, digits only. */
static int major_minor(const char *v, char **ret) {
        size_t a = v ? digits(v) : 0, b;

        if (a == 0 || v[a] != '.')
                return -EINVAL;
        b = digits(v + a + 1);
        if (b == 0 || (v[a + 1 + b] != '\0' && v[a + 1 + b] != '.'))
                return -EINVAL;
        *ret = strndup_or_null(v, a + 1 + b);
        return *ret ? 0 : -ENOMEM;
}

/* "<name>:<release>" (or just "<name>" when release is NULL). */
static int eco_join(char **ret, const char *name, const char *release) {
        int n = release ? asprintf(ret, "%s:%s", name, release) : asprintf(ret, "%s", name);

        return n < 0 ? -ENOMEM : 0;
}

/* Debian release numbers by codename (distro-info-data debian.csv), for
 * images whose os-release lacks VERSION_ID (testing, some slim builds). */
static const char *debian_codename(const char *codename) {
        static const char *const table[][2] = {
                { "jessie", "8" },   { "stretch", "9" }, { "buster", "10" },
                { "bullseye", "11" }, { "bookworm", "12" }, { "trixie", "13" },
                { "forky", "14" },    { "duke", "15" },
        };

        for (size_t i = 0; codename && i < ELEMENTSOF(table); i++)
                if (strcmp(codename, table[i][0]) == 0)
                        return table[i][1];
        return NULL;
}

static int eco_debian(const struct os_info *info, char **ret) {
        _cleanup_free_ char *major = major_of(info->version_id);
        const char *num = major ? major : debian_codename(info->version_codename);

        if (!num)
                return 0;
        return eco_join(ret, "Debian", num);
}

/* Ubuntu LTS releases are the .04 of even years (wiki.ubuntu.com/Releases),
 * and OSV requires the ":LTS" suffix on exactly those. */
static int eco_ubuntu(const struct os_info *info, char **ret) {
        const char *v = info->version_id;
        int year;

        if (!v || digits(v) != 2 || v[2] != '.' || digits(v + 3) != 2 || v[5] != '\0')
                return 0;
        year = (v[0] - '0') * 10 + (v[1] - '0');
        if (year % 2 == 0 && strcmp(v + 3, "04") == 0)
                return asprintf(ret, "Ubuntu:%s:LTS", v) < 0 ? -ENOMEM : 0;
        return eco_join(ret, "Ubuntu", v);
}

/* Alpine branches are "v<major>.<minor>"; edge ("3.19_alpha2023...") has no
 * OSV branch and stays unknown. */
static int eco_alpine(const struct os_info *info, char **ret) {
        _cleanup_free_ char *mm = NULL;
        int r = major_minor(info->version_id, &mm);

        if (r == -EINVAL)
                return 0;
        if (r < 0)
                return r;
        return asprintf(ret, "Alpine:v%s", mm) < 0 ? -ENOMEM : 0;
}

static int eco_major(const struct os_info *info, const char *name, char **ret) {
        _cleanup_free_ char *major = major_of(info->version_id);

        if (!major)
                return 0;
        return eco_join(ret, name, major);
}

static int eco_rocky(const struct os_info *info, char **ret) {
        return eco_major(info, "Rocky Linux", ret);
}

static int eco_alma(const struct os_info *info, char **ret) {
        return eco_major(info, "AlmaLinux", ret);
}

static int eco_mageia(const struct os_info *info, char **ret) {
        return eco_major(info, "Mageia", ret);
}

/* Azure Linux, CBL-Mariner before 3.0 (ID "mariner"): OSV's releases are
 * the major number, "Azure Linux:2" and "Azure Linux:3" ("3.0" matches no
 * record). */
static int eco_azure(const struct os_info *info, char **ret) {
        return eco_major(info, "Azure Linux", ret);
}

/* openSUSE and SUSE: the release is the product's marketing name, "the
 * value in the /etc/os-release PRETTY_NAME field" (osv-schema
 * ecosystems.json) after the vendor word: "openSUSE Leap 15.5" ->
 * "openSUSE:Leap 15.5", "SUSE Linux Enterprise Server 15 SP5" ->
 * "SUSE:Linux Enterprise Server 15 SP5". */
static int eco_pretty_after(const struct os_info *info, const char *vendor, char **ret) {
        const char *p = info->pretty_name;
        size_t n = strlen(vendor);

        if (!p || strncmp(p, vendor, n) != 0 || p[n] != ' ' || p[n + 1] == '\0' || p[n + 1] == ' ')
                return 0;
        return eco_join(ret, vendor, p + n + 1);
}

static int eco_opensuse(const struct os_info *info, char **ret) {
        return eco_pretty_after(info, "openSUSE", ret);
}

static int eco_sles(const struct os_info *info, char **ret) {
        return eco_pretty_after(info, "SUSE", ret);
}

/* "Photon OS:3.0": the release keeps its minor. */
static int eco_photon(const struct os_info *info, char **ret) {
        _cleanup_free_ char *mm = NULL;
        int r = major_minor(info->version_id, &mm);

        if (r == -EINVAL)
                return 0;
        if (r < 0)
                return r;
        return eco_join(ret, "Photon OS", mm);
}

/* Rolling distros: OSV ecosystems without a release. */
static int eco_wolfi(const struct os_info *info, char **ret) {
        return eco_join(ret, "Wolfi", NULL);
}

static int eco_chainguard(const struct os_info *info, char **ret) {
        return eco_join(ret, "Chainguard", NULL);
}

/* Red Hat Enterprise Linux and UBI: OSV's "Red Hat" ecosystems are the
 * CPEs of Red Hat's products ("The suffix of Red Hat CPEs are used as
 * ecosystem identifiers", osv-schema).  An image of a release's main
 * stream (UBI follows it; EUS, AUS and the like are hosts' subscriptions)
 * has its packages from the release's repositories: up to RHEL 9 a CPE per
 * repository, "Red Hat:enterprise_linux:9::baseos" names the image, its
 * AppStream and CodeReady Builder siblings are looked up with it
 * (ecosystem.c); RHEL 7's one repository is "::server".  From RHEL 10 on a
 * CPE names the minor release and no repository ("cpe:/o:redhat:
 * enterprise_linux:10.0", Red Hat's security-data-guidelines/cpe): 10.1
 * is "Red Hat:enterprise_linux:10.1", every other RHEL 10 minor looked up
 * with it (ecosystem.c).  A RHEL 10 VERSION_ID without its minor, or a
 * later release, is unknown, not guessed. */
static int eco_rhel(const struct os_info *info, char **ret) {
        _cleanup_free_ char *major = major_of(info->version_id);
        _cleanup_free_ char *eco = NULL;
        int r;

        if (!major)
                return 0;
        if (strcmp(major, "7") == 0)
                return eco_join(ret, "Red Hat", "enterprise_linux:7::server");
        if (strcmp(major, "8") == 0 || strcmp(major, "9") == 0)
                return asprintf(ret, "Red Hat:enterprise_linux:%s::baseos", major) < 0 ? -ENOMEM : 0;
        /* the row's minor releases say which "<major>.<minor>" is one */
        if (asprintf(&eco, "Red Hat:enterprise_linux:%s", info->version_id) < 0)
                return -ENOMEM;
        if ((r = ecosystem_minor(eco, NULL)) == -ENOMEM)
                return r;
        if (r >= 0)
                *ret = TAKE_PTR(eco);
        return 0;
}

/* What an ID's VERSION_ID is expected to be, where a release of it is not
 * one Portcullis knows: said with its packages not checked. */
const char *osrelease_expected(const char *id) {
        return streq_ptr(id, "rhel") ? "RHEL 7, 8 or 9 (any minor release), or 10.N: RHEL 10 names the minor "
                                       "release (UBI 10: \"10.1\"), whose records Red Hat files under its own "
                                       "ecosystem, Red Hat:enterprise_linux:10.N"
                                     : NULL;
}

static const char *const vendors[][2] = { { "rhel", "redhat" } };

const char *osrelease_purl_vendor(const char *id) {
        for (size_t i = 0; id && i < ELEMENTSOF(vendors); i++)
                if (strcmp(id, vendors[i][0]) == 0)
                        return vendors[i][1];
        return id;
}

const char *osrelease_id_of_vendor(const char *vendor) {
        for (size_t i = 0; vendor && i < ELEMENTSOF(vendors); i++)
                if (strcasecmp(vendor, vendors[i][1]) == 0)
                        return vendors[i][0];
        return vendor;
}

/* Deliberately not mapped: fedora, centos, amzn and ol (OSV has no such
 * ecosystems), and anything else: unknown is reported, not guessed. */
int osrelease_ecosystem(struct os_info *info) {
        static const struct {
                const char *id;
                int (*fn)(const struct os_info *info, char **ret);
        } table[] = {
                { "debian",     eco_debian },
                { "ubuntu",     eco_ubuntu },
                { "alpine",     eco_alpine },
                { "rhel",       eco_rhel },
                { "rocky",      eco_rocky },
                { "almalinux",  eco_alma },
                { "mageia",     eco_mageia },
                { "mariner",    eco_azure },
                { "azurelinux", eco_azure },
                { "opensuse-leap", eco_opensuse },
                { "opensuse-tumbleweed", eco_opensuse },
                { "sles",       eco_sles },
                { "photon",     eco_photon },
                { "wolfi",      eco_wolfi },
                { "chainguard", eco_chainguard },
        };
        char *eco = NULL;
        int r;

        free(info->ecosystem);
        info->ecosystem = NULL;
        if (!info->id)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (strcmp(info->id, table[i].id) == 0) {
                        r = table[i].fn(info, &eco);
                        if (r < 0)
                                return r;
                        info->ecosystem = eco;
                        return 0;
                }
        return 0;
}

/* os-release(5): "/etc/os-release takes precedence over
 * /usr/lib/os-release; applications should check for the former, and
 * exclusively use its data if it exists, and only fall back to the latter". */
static bool is_folder(struct rootfs *r, const char *path) {
        struct error ignored = {};
        int fd = rootfs_openat(r, path, O_RDONLY | O_DIRECTORY, &ignored);

        if (fd < 0)
                return false;
        close(fd);
        return true;
}

int osrelease_read(struct rootfs *r, struct os_info *ret, struct error *err) {
        static const char *const paths[] = { "etc/os-release", "usr/lib/os-release" };
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int k;

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                k = rootfs_read_file(r, paths[i], OS_RELEASE_MAX, &buf, &len, err);
                /* absent, or a folder (a later layer's, over the file):
                 * the next, as where it is missing */
                if (k == -ENOENT || (k == -EBADFD && is_folder(r, paths[i])))
                        continue;
                if (k < 0)
                        return k;
                k = osrelease_parse(buf, len, ret, err);
                if (k < 0)
                        return error_wrap(err, "%s/%s", rootfs_path(r), paths[i]);
                ret->origin = paths[i];
                return 0;
        }
        error_clear(err);
        *ret = (struct os_info) { .origin = paths[0] };  /* what messages say lacks the ID */
        return 0;
}
