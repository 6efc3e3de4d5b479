/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "osrelease.h"

struct rootfs;

#define DPKG_STATUS_MAX ((size_t) 64 * 1024 * 1024)
#define DPKG_STATUS_D_FILE_MAX ((size_t) 4 * 1024 * 1024)
#define DPKG_STATUS_D_ENTRIES_MAX 100000
/* All of status.d's files together: as much as the status file may hold
 * (without it, 100,000 files of 4 MiB each were 400 GB to read). */
#define DPKG_STATUS_D_TOTAL_MAX DPKG_STATUS_MAX
#define APK_INSTALLED_MAX ((size_t) 64 * 1024 * 1024)
#define INVENTORY_PACKAGES_MAX 200000
/* The error past it, for the user: the cap named. */
#define INVENTORY_TOO_MANY "more than " STR(INVENTORY_PACKAGES_MAX) " packages, the most an inventory holds"
#define INVENTORY_WARNINGS_MAX 100
/* Notes in inv->skipped from inventory_not_read(), then one more; with the
 * walk's cap note within INVENTORY_WIRE_SKIPPED_MAX. */
#define INVENTORY_NOT_READ_MAX 12
/* The walk for language packages (inventory-walk.c). */
#define INVENTORY_WALK_DEPTH_MAX 48
#define INVENTORY_WALK_PATH_MAX 4096
#define INVENTORY_WALK_ENTRIES_TOTAL_MAX 2000000        /* visited in all */
#define INVENTORY_WALK_BYTES_MAX ((size_t) 512 * 1024 * 1024)   /* read in all */
#define INVENTORY_WALK_INFLATED_MAX ((uint64_t) 4 << 30)         /* inflated from archives in all */

/* One installed package.  OSV distro records name *source* packages, so the
 * source name/version are kept beside the binary ones (equal when the
 * package database gives no separate source). */
struct package {
        char *name;
        char *version;
        char *source_name;
        char *source_version;
        char *arch;
        char *ecosystem;        /* OSV ecosystem, NULL if the OS is unknown */
        char *purl;
        char *origin_file;      /* path inside the rootfs it was read from, exact (every report escapes it) */
        /* NULL when the package's own metadata names it; else what its name
         * and version were guessed from ("MANIFEST.MF", "file name"). */
        char *guessed_from;
};

/* A byte range of a database's text, not NUL-terminated; .s NULL when the
 * field is absent. */
struct slice {
        const char *s;
        size_t n;
};

struct owned_paths;

/* What an inventory looks for (scan --pkg-types): the OS's packages (the
 * package databases the readers' read() finds) and the language packages
 * and executables (what their visit() finds in the walk). */
#define INVENTORY_PKG_OS 1u
#define INVENTORY_PKG_LIBRARY 2u
#define INVENTORY_PKG_ALL (INVENTORY_PKG_OS | INVENTORY_PKG_LIBRARY)

struct inventory {
        struct os_info os;
        struct package *pkgs;
        size_t n_pkgs;
        size_t cap_pkgs;
        /* What was skipped and why ("<file>: stanza at line 12: no Version
         * field"), for the front end to print: the library never prints.
         * At most INVENTORY_WARNINGS_MAX, then one line saying how many more. */
        char **warnings;
        size_t n_warnings;
        /* Parts of the rootfs a cap kept the readers from looking at: what
         * they hold was not checked (the match reports each). */
        char **skipped;
        /* One of them is there because the node ran short or failed while
         * reading it (inventory_not_read_errno()), not because of what the
         * image holds: the result decides this start but is not kept as the
         * image's (a passing ENFILE would otherwise stay "not checked" in
         * the cache until the DB changes). */
        bool transient;
        /* Files and folders the OS packages installed (inventory_own()),
         * which the walk leaves to them; and how many it left. */
        struct owned_paths *owned;
        size_t owned_left;
        /* inventory_merged_usr() of the rootfs, once a reader of an OS
         * database's file lists asked: how they map onto the files the walk
         * sees. */
        unsigned merged_usr;
        bool merged_usr_known;
        /* INVENTORY_PKG_* bits not looked for (inventory_collect_databases());
         * 0, the gate's: everything.  Not carried by the wire: the match
         * that reads it runs in the child that collected. */
        unsigned left_out;
        /* inventory_collect_packages() leaves the file lists of dpkg's
         * packages, pkgs[from, to), to inventory_collect_owned() */
        bool defer_owned;
        struct inventory_range {
                size_t from, to;
        } dpkg_lists;
};

/* The paths an OS package database lists as installed (dpkg's
 * info/<package>.list, apk's F:/R: lines, rpm's file lists), at most
 * INVENTORY_OWNED_MAX (-E2BIG past it; the set keeps 8 bytes of each); the
 * walk offers none of them to the language and executable readers: such a
 * file is its OS package's, whose distribution advisories cover it
 * (inventory-owned.c says why).  An absolute path; 1 when added, 0 when
 * known or not absolute, or when nothing walks (inv->left_out). */
#define INVENTORY_OWNED_MAX 4000000
int inventory_own(struct inventory *inv, const char *path, size_t len);
bool inventory_owned(const struct inventory *inv, const char *path);
/* The same in two steps, for many paths under one folder: the state of
 * the hash over path's first len bytes (its folder's "/dir/"), then the
 * lookup of a whole path (len bytes) that starts with them. */
struct owned_prefix {
        uint64_t h;
        size_t done;
};
void inventory_owned_prefix(const struct inventory *inv, const char *path, size_t len, struct owned_prefix *ret);
bool inventory_owned_from(const struct inventory *inv, const struct owned_prefix *from, const char *path, size_t len);
size_t inventory_owned_count(const struct inventory *inv);
/* The slots the inserts looked at past the first (for tests: a set of
 * colliding paths shows as probes, not as time). */
uint64_t inventory_owned_probes(const struct inventory *inv);
void inventory_owned_free(struct inventory *inv);
/* The folders of the rootfs that merged /usr made symlinks into /usr:
 * bit i for bin, sbin, lib, lib32, lib64, libx32; looked up once, by the
 * first reader with file lists (an image without an OS database pays no
 * readlink), and kept in inv->merged_usr. */
unsigned inventory_merged_usr(struct rootfs *r, struct inventory *inv);
/* inventory_own() of a path an OS package database lists, which under a
 * folder merged (inventory_merged_usr()) is owned at its /usr path. */
int inventory_own_installed(struct inventory *inv, const char *path, size_t len, unsigned merged);
/* An installed path the walk checks before leaving it to its OS package:
 * one a language reader would read whole (a Java archive), whose file a
 * user can replace in the image (`cp log4j-core-2.14.1.jar` over Debian's
 * log4j-core.jar) and which would then be passed as the package's.  digest
 * is what the package database records of it (dpkg's md5sums, rpm's
 * FILEDIGESTS), of algorithm algo (rpm's numbers: 1 MD5, 8 SHA-256), NULL
 * when the package installed no regular file there (a symlink: Debian's
 * unversioned jar names); a regular file that is not that is read as the
 * image's own (inventory-walk.c).  Owned too (inventory_own_installed()).
 * 1 when added, 0 when known; -ENOMEM, -E2BIG past
 * INVENTORY_OWNED_DIGESTS_MAX. */
#define INVENTORY_OWNED_DIGESTS_MAX 200000
enum {
        INVENTORY_DIGEST_MD5 = 1,
        INVENTORY_DIGEST_SHA256 = 8,
};
int inventory_own_digest(struct inventory *inv, const char *path, size_t len, unsigned merged, int algo,
                         const unsigned char *digest);
/* 1, the algorithm and the digest (NULL: no regular file) recorded for
 * path; else 0. */
int inventory_owned_digest(const struct inventory *inv, const char *path, int *ret_algo,
                           const unsigned char **ret_digest);

struct inventory *inventory_new(void);
void inventory_free(struct inventory *inv);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct inventory *, inventory_free)

/* Appends *p (ownership of its strings moves into inv, also on failure). */
int inventory_add(struct inventory *inv, struct package *p);
void package_done(struct package *p);

/* The OS's ecosystem for a package of purl_type ("deb", "apk", "rpm")
 * from its package database, or NULL when the OS is unknown or its
 * packages are of another type: a dpkg status file in an image whose
 * os-release says Alpine is not compared with Alpine's records. */
const char *inventory_os_ecosystem(const struct inventory *inv, const char *purl_type);

/* Copies a package as its database spells it into inv, with the OS's
 * ecosystem (inventory_os_ecosystem()), origin as origin_file and the purl
 * pkg:<purl_type>/... built from purl_namespace and purl_distro (either
 * may be NULL).  An absent source name or version is the binary's.
 * Returns 0, -ENOMEM or -E2BIG. */
int inventory_add_slices(struct inventory *inv, const char *origin, struct slice name, struct slice version,
                         struct slice source_name, struct slice source_version, struct slice arch,
                         const char *purl_type, const char *purl_namespace, const char *purl_distro);

/* Records a warning (see above); returns 0 or -ENOMEM. */
int inventory_warn(struct inventory *inv, const char *fmt, ...) _printf_(2, 3);

/* Something the image holds that may name packages could not be read (a
 * malformed entry of a package database, a manifest without a version, a
 * damaged archive): a warning, and a note in inv->skipped, so that the
 * match reports the image as not completely checked and the policy's
 * on_unchecked decides; never passed over in silence.  Past
 * INVENTORY_NOT_READ_MAX notes one more says that there were more.
 * Returns 0 or -ENOMEM. */
int inventory_not_read(struct inventory *inv, const char *fmt, ...) _printf_(2, 3);
/* The same, for a part whose read failed with errno e (positive; 0: none):
 * when e is the node's (inventory_errno_node()), inv->transient is set. */
int inventory_not_read_errno(struct inventory *inv, int e, const char *fmt, ...) _printf_(3, 4);

/* Whether errno e (positive) is the node's rather than the image's: out of
 * descriptors, disk or buffers, a read that failed with EIO, an interrupted
 * or timed-out call, a sandbox without a system call (a part not read for
 * one: inventory_not_read_errno(); a failed analysis for one is an error
 * of the node, gate.c). */
bool inventory_errno_node(int e);

/* A package URL (purl-spec): pkg:<type>/<namespace>/<name>@<version> with
 * the arch, distro and epoch qualifiers, in that (the spec's key) order,
 * every part (each segment of the namespace) percent-encoded; the namespace
 * and each qualifier are left out when NULL, rather than guessed. */
int purl_build(const char *type, const char *namespace, const char *name, const char *version, const char *arch,
               const char *distro, const char *epoch, char **ret);
/* "<id>-<version_id>" (the distro qualifier of deb and rpm purls), or NULL
 * when the OS is unknown. */
char *purl_distro(const struct os_info *os);

/* The walk's lister: reads the rootfs's folders ahead of the walk, in a
 * thread of its own, so that the walk's thousands of getdents64/openat
 * overlap the reading of the package databases whose owned set (see
 * inventory_own()) the walk needs before it can offer an entry to a reader.
 * inventory_lister_new() starts its threads (one for usr/share, one for
 * the rest), parked until
 * inventory_collect() hands it the root: in the sandbox it is started
 * before the seccomp filter, which then binds it too (sandbox.h,
 * threads_fn).  It reads folders and nothing else (but a job of the
 * caller's once done: inventory_lister_run()): every file is read by the
 * walk, in the calling thread, in the order a walk without it would.
 * Without threaded, the walk runs it as it goes.  -ENOMEM, or the errno
 * of pthread_create(); inventory_collect() without one makes its own. */
struct inventory_lister;
int inventory_lister_new(bool threaded, struct inventory_lister **ret);
/* Before inventory_lister_go(): both listers leave the walk's CPU (on a
 * machine of two, the first otherwise stays beside it), for a walk whose
 * caller has nothing else to run (place() in inventory-walk.c). */
void inventory_lister_apart(struct inventory_lister *l);
void inventory_lister_free(struct inventory_lister *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct inventory_lister *, inventory_lister_free)

/* Reads os-release and every package database we know from the rootfs;
 * l (NULL: none) is consumed, and must still be freed. */
int inventory_collect(struct rootfs *r, struct inventory_lister *l, struct inventory **ret, struct error *err);
/* The same in two steps, for a caller with work to do between them while
 * l lists (the analysis child looks up the packages' records): os-release
 * and the package databases, then the walk.  pkg_types (INVENTORY_PKG_*)
 * says what to look for: without INVENTORY_PKG_LIBRARY there is no walk
 * (l is never started) and no owned set; without INVENTORY_PKG_OS the
 * package databases are still read, for what their packages own, but their
 * packages are left out. */
int inventory_collect_databases(struct rootfs *r, struct inventory_lister *l, unsigned pkg_types,
                                struct inventory **ret, struct error *err);
/* inventory_collect_databases() in two steps, for a caller that looks the
 * packages up while the second reads what they installed (dpkg's .list
 * files, which only the walk needs; the packages themselves are not
 * changed then): the packages, then the owned set. */
int inventory_collect_packages(struct rootfs *r, struct inventory_lister *l, unsigned pkg_types,
                               struct inventory **ret, struct error *err);
int inventory_collect_owned(struct rootfs *r, struct inventory *inv, struct error *err);
/* The .list files inventory_dpkg() left for later (defer_owned). */
int inventory_dpkg_lists(struct rootfs *r, struct inventory *inv, struct error *err);
int inventory_collect_walk(struct rootfs *r, struct inventory_lister *l, struct inventory *inv, struct error *err);

struct inventory_walk;

/* One entry the walk offers the readers: name in the folder dir (relative
 * to the root, "" for the root itself; inventory_walk_dirfd() opens it). */
struct inventory_walk_entry {
        struct inventory_walk *walk;
        const char *name;
        const char *dir;
        unsigned char type;     /* DT_DIR or DT_REG; nothing else is offered */
};

/* One reader: read() adds what a package database at a known path holds
 * (absent: nothing to add, not an error); visit() is offered every folder
 * and regular file of the one walk of the rootfs and adds what it
 * recognises.  Either may be NULL. */
struct inventory_reader {
        const char *name;       /* "dpkg" */
        const char *what;       /* "dpkg database", for messages */
        int (*read)(struct rootfs *r, struct inventory *inv, struct error *err);
        int (*visit)(struct inventory *inv, const struct inventory_walk_entry *e, struct error *err);
};

/* The walk: every folder and regular file under the root (never through a
 * symlink, never into /proc, /sys, /dev), in sorted order, within the
 * INVENTORY_WALK_* caps (a cap reached is noted in inv->skipped), as l
 * lists them (inventory_lister_go() was called). */
int inventory_walk(struct rootfs *root, struct inventory *inv, const struct inventory_reader *const *readers,
                   struct inventory_lister *l, struct error *err);
/* Work that can go beside the walk (the analysis child's lookups of the
 * OS packages' records): job(userdata) runs once, on the lister's thread
 * when its listing is done, or in the walk's while it waits for the
 * listing, or in inventory_lister_job_wait(), whichever comes first; that
 * waits for it and returns what it returned.  False (nothing taken: run it
 * yourself) without a lister thread. */
bool inventory_lister_run(struct inventory_lister *l, int (*job)(void *userdata), void *userdata);
int inventory_lister_job_wait(struct inventory_lister *l);
/* Hands the lister the rootfs's root, an fd it takes over (also on
 * failure: -ENOMEM). */
int inventory_lister_go(struct inventory_lister *l, int root_fd);
/* The entry's folder, opened on first use (without following a symlink on
 * the way from the root); the walk closes it.  -errno when it can't be. */
int inventory_walk_dirfd(const struct inventory_walk_entry *e);
/* Reads name, in the entry's folder or in its subfolder subdir, without
 * following a symlink: a regular file at most max bytes (larger is -EFBIG),
 * or with prefix its first max bytes.  -ENOENT when absent. */
int inventory_walk_read(const struct inventory_walk_entry *e, const char *subdir, const char *name, size_t max,
                        bool prefix, char **ret, size_t *ret_len, struct error *err);
/* Reads the entry's path, or rel below it, resolved in the rootfs: symlinks
 * followed, never out of the root (for a symlink a package manager made,
 * node_modules/x -> ../../vendor/x).  Otherwise as inventory_walk_read(). */
int inventory_walk_read_in_root(const struct inventory_walk_entry *e, const char *rel, size_t max, char **ret,
                                size_t *ret_len, struct error *err);
/* The names in the entry's folder, or in rel below it, resolved as
 * inventory_walk_read_in_root() does (at most max; rootfs_list_dir()). */
int inventory_walk_list_in_root(const struct inventory_walk_entry *e, const char *rel, size_t max, char ***ret,
                                struct error *err);
/* The walk's count of bytes that readers inflated from archives, which
 * they hold to a cap of their own (INVENTORY_WALK_INFLATED_MAX). */
uint64_t *inventory_walk_inflated(const struct inventory_walk_entry *e);
/* The same for a reader: 1 when read, 0 when absent or unreadable (a
 * warning naming the file then), <0 only for -ENOMEM/-E2BIG. */
int inventory_walk_read_or_warn(struct inventory *inv, const struct inventory_walk_entry *e, const char *subdir,
                                const char *name, size_t max, bool prefix, char **ret, size_t *ret_len,
                                struct error *err);

/* A regular file the walk offered, read in pieces at offsets (an ELF
 * header, then one section) rather than whole: every piece counts against
 * the walk's cap on bytes read. */
struct inventory_walk_file {
        struct inventory_walk *walk;
        int fd;
        uint64_t size;
        char *path;             /* "/usr/bin/runc": for messages and origin_file */
};
/* Opens the entry (a regular file, never through a symlink); -ENOENT when
 * it is gone or no longer a regular file. */
int inventory_walk_open(const struct inventory_walk_entry *e, struct inventory_walk_file *ret, struct error *err);
/* Reads exactly n bytes at offset: -EFBIG past the end of the file,
 * -ECANCELED when the walk's byte cap is reached (noted in inv->skipped). */
int inventory_walk_pread(struct inventory_walk_file *f, uint64_t offset, void *buf, size_t n, struct error *err);
void inventory_walk_file_done(struct inventory_walk_file *f);

/* Parsers of one file (also the fuzzers' and the tests' entry points);
 * origin names the file.  A bad file is a warning, not an error. */
int python_metadata_parse(const char *buf, size_t len, const char *origin, struct inventory *inv);
int npm_package_json_parse(const char *buf, size_t len, const char *origin, struct inventory *inv);
/* A Yarn Plug'n'Play cache zip (.yarn/cache/<x>.zip): the package.json
 * files Node finds in it. */
int npm_yarn_zip_parse(const char *buf, size_t len, const char *origin, struct inventory *inv);
/* Java archives (inventory-java.c): one pom.properties; the guess from a
 * MANIFEST.MF (NULL: none) and the archive's file name; a whole archive in
 * memory, with the archives inside it (errors: -ENOMEM, -E2BIG only). */
int jar_pom_properties_parse(const char *buf, size_t len, const char *origin, struct inventory *inv);
int jar_fallback(const char *manifest, size_t len, const char *file_name, const char *origin,
                 struct inventory *inv);
int jar_archive_parse(const char *buf, size_t len, const char *origin, struct inventory *inv, struct error *err);
/* Whether name has a Java archive's extension (the Java reader reads it);
 * the archive at a walk's entry whatever its name (an executable the
 * binaries reader found to be a zip), as the Java reader reads one. */
bool jar_archive_name(const char *name);
int jar_read_walked(struct inventory *inv, const struct inventory_walk_entry *e, struct error *err);
int gemspec_parse(const char *buf, size_t len, const char *origin, struct inventory *inv);
int composer_installed_parse(const char *buf, size_t len, const char *origin, struct inventory *inv);
int dotnet_deps_parse(const char *buf, size_t len, const char *origin, struct inventory *inv);
/* A Bitnami component's SPDX 2 JSON document (opt/bitnami/<component>/
 * .spdx-<component>.spdx): its pkg:bitnami purls (inventory-bitnami.c). */
int bitnami_spdx_parse(const char *buf, size_t len, const char *origin, struct inventory *inv);

/* For a visit(): reads name (in subdir of the entry's folder, if given) as
 * inventory_walk_read_or_warn() does and hands it to parse with its path in
 * the rootfs as origin; only -ENOMEM/-E2BIG are errors. */
int inventory_walk_parse(struct inventory *inv, const struct inventory_walk_entry *e, const char *subdir,
                         const char *name, size_t max, bool prefix,
                         int (*parse)(const char *buf, size_t len, const char *origin, struct inventory *inv),
                         struct error *err);
/* A field as a language package's metadata spells it, fit to be a name or
 * version: 1 to max bytes, printable ASCII, no space. */
bool inventory_field_printable(const char *s, size_t n, size_t max);

/* A language package: name and version as its metadata spells them, in its
 * own ecosystem, found at origin. */
int inventory_add_lang(struct inventory *inv, const char *origin, const char *ecosystem, const char *name,
                       const char *version, const char *purl_type, const char *purl_namespace,
                       const char *purl_name);
/* The usual bound of inventory_field_printable() for a language package's
 * version as written (validity is the match's to judge: an invalid one is
 * reported as not checked). */
#define INVENTORY_LANG_FIELD_MAX 256
extern const struct inventory_reader inventory_reader_dpkg, inventory_reader_rpm, inventory_reader_apk,
        inventory_reader_chisel, inventory_reader_python, inventory_reader_npm, inventory_reader_java;
extern const struct inventory_reader inventory_reader_gem, inventory_reader_composer, inventory_reader_dotnet;
extern const struct inventory_reader inventory_reader_bitnami;
/* Go and cargo-auditable build information in ELF executables (inventory-elf.c). */
extern const struct inventory_reader inventory_reader_binaries;

/* dpkg: var/lib/dpkg/status and distroless var/lib/dpkg/status.d/ (each file
 * there is one or more stanzas).  Only installed packages are kept. */
int inventory_dpkg(struct rootfs *r, struct inventory *inv, struct error *err);

/* Parses a dpkg status buffer (also used by the fuzzer and the tests).
 * origin is the file name for messages and origin_file; the ecosystem and
 * purl distro come from inv->os. */
int dpkg_status_parse(const char *buf, size_t len, const char *origin, struct inventory *inv, struct error *err);
/* The paths of a dpkg info/<package>.list file, one per line, into
 * inventory_own(); a path under /bin, /sbin, /lib, /lib32, /lib64 or
 * /libx32 (bits 0 to 5 of merged: the rootfs has that folder as a symlink
 * into /usr) is owned under /usr instead.  -ENOMEM, -E2BIG (inventory_own()). */
int dpkg_list_parse(const char *buf, size_t len, unsigned merged, struct inventory *inv);
/* A package's info/<package>.md5sums ("<32 hex digits>  <path without its
 * leading slash>" a line) with its .list: for every Java archive the list
 * names, inventory_own_digest() with the MD5 md5sums gives it, or none (a
 * path md5sums leaves out: no regular file).  Lines that are not so are
 * passed over (the path stays owned, as its .list says).  -ENOMEM, -E2BIG. */
int dpkg_md5sums_parse(const char *sums, size_t sums_len, const char *list, size_t list_len, unsigned merged,
                       struct inventory *inv);
/* Whether a .list names a Java archive: only then is its md5sums read. */
bool dpkg_list_has_digested(const char *list, size_t list_len);

/* rpm: var/lib/rpm (or usr/lib/sysimage/rpm) rpmdb.sqlite, else
 * Packages.db (ndb), else Packages (Berkeley DB); see lib/inventory/rpmdb.h.
 * gpg-pubkey entries are not packages and are left out. */
int inventory_rpm(struct rootfs *r, struct inventory *inv, struct error *err);

/* apk: lib/apk/db/installed (absent: nothing to add).  The source package
 * is the origin (o:), which is what OSV's Alpine records name. */
int inventory_apk(struct rootfs *r, struct inventory *inv, struct error *err);

/* Chiseled Ubuntu: var/lib/chisel/manifest.wall (zstd-compressed JSON
 * lines); absent: nothing to add.  The packages are binary packages only. */
int inventory_chisel(struct rootfs *r, struct inventory *inv, struct error *err);
int chisel_decompress(const char *buf, size_t len, char **ret, size_t *ret_len, struct error *err);
int chisel_manifest_parse(const char *buf, size_t len, const char *origin, struct inventory *inv,
                          struct error *err);

/* Parses an apk installed database buffer (also used by the fuzzer and the
 * tests); origin as for dpkg_status_parse(). */
int apk_installed_parse(const char *buf, size_t len, const char *origin, struct inventory *inv, struct error *err);
