/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "inventory.h"
#include "match.h"

/* The two halves of an analysis, each in a child process so that the hook
 * keeps its deadline whatever the image holds: the parent waits on a pipe
 * at most deadline_ms, then kills the child.  The child sends back the
 * inventory and the scan in their wire forms (inventory-wire.h,
 * scan-wire.h), which the parent reads like any untrusted input.  The
 * child runs in the sandbox of lib/sandbox.h (the inventory child
 * chrooted to the rootfs).
 *
 * The split lets a caller look the verdict cache up by the inventory's
 * digest before the (costlier) match; when the identity was known before
 * (overlay layers, a trusted digest) one child does both
 * (analyze_rootfs()), and the hook, when it was not, has one child do both
 * in two stages (analyze_staged_start()). */

#define ANALYSIS_RESULT_MAX ((size_t) 64 * 1024 * 1024)
/* The children's nice value (0: the hook's own).  0: when a burst of
 * starts fills the CPUs, a hook's own short path queues behind the
 * analyses and can end past its deadline (BENCHMARKS.md, bench/load.py).
 * 10 brings those ends closer to the deadline, but on a node whose CPUs
 * are busy the analyses then rarely finish and on_timeout decides nearly
 * every start, which for a gate is the worse failure; a build can choose
 * it (-DANALYSIS_NICE=10). */
#ifndef ANALYSIS_NICE
#define ANALYSIS_NICE 0
#endif
/* The hook's own priority once the deadline has passed (see hurry()). */
#define ANALYSIS_LATE_NICE (-10)
/* How long a child killed at the deadline may take to die before the
 * parent goes on without reaping it. */
#define ANALYSIS_REAP_WAIT_MS 10

/* Reads the rootfs's os-release and package databases, and what
 * pkg_types asks for (INVENTORY_PKG_*; the gate's: INVENTORY_PKG_ALL).
 * *ret_json is the canonical JSON of the parsed inventory (what the cache
 * stores and the identity digest is taken over; ret_json may be NULL when
 * that is not needed). -ETIMEDOUT at the deadline. */
int analyze_inventory(const char *rootfs, unsigned pkg_types, unsigned deadline_ms, struct inventory **ret_inv,
                      char **ret_json, struct error *err);

/* Matches an inventory against the DB at db_path.  *ret_json is the scan
 * JSON (for the cache), rendered from what the child sent; ret_json may
 * be NULL when that is not needed.  -ETIMEDOUT at the deadline. */
int analyze_match(const struct inventory *inv, const char *db_path, unsigned deadline_ms, struct scan_result **ret,
                  char **ret_json, struct error *err);

/* Both halves in one sandboxed child (chrooted to the rootfs as the
 * inventory's, the DB file opened before the chroot and read through its
 * fd, vulndb_open_fd()): for a miss whose identity was known before the
 * rootfs was read (overlay layers, a trusted digest), where the match is
 * needed whatever the inventory holds, and for `scan`.
 * Returns what analyze_inventory() and analyze_match() return
 * (ret_inventory_json and ret_scan_json may be NULL). */
int analyze_rootfs(const char *rootfs, const char *db_path, unsigned pkg_types, unsigned deadline_ms,
                   struct inventory **ret_inv, char **ret_inventory_json, struct scan_result **ret_res,
                   char **ret_scan_json, struct error *err);

/* The same for the rootfs whose O_PATH directory fd root_fd is (a mount
 * that no path reaches: overlay_mount_lowers()), named name in messages;
 * root_fd stays the caller's.  -EBADF: analyze_rootfs() of the path name. */
int analyze_rootfs_fd(int root_fd, const char *name, const char *db_path, unsigned pkg_types, unsigned deadline_ms,
                      struct inventory **ret_inv, char **ret_inventory_json, struct scan_result **ret_res,
                      char **ret_scan_json, struct error *err);

/* The same in two steps, for a caller with work of its own meanwhile (the
 * hook opens its cache while the child analyses): the child is started,
 * then its result read (*a freed either way), or it is killed
 * (analyze_cancel(), also of NULL).  db_path must live until then. */
struct analysis;
int analyze_rootfs_start(const char *rootfs, const char *db_path, unsigned deadline_ms, struct analysis **ret,
                         struct error *err);
int analyze_rootfs_finish(struct analysis *a, struct inventory **ret_inv, char **ret_inventory_json,
                          struct scan_result **ret_res, char **ret_scan_json, struct error *err);
void analyze_cancel(struct analysis *a);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct analysis *, analyze_cancel)

/* A miss whose identity is the inventory's digest (no image digest, no
 * overlay layers): one child reads the inventory, sends it, and opens the
 * DB while the parent looks the inventory's digest up in the cache; on a
 * hit the parent cancels it (analyze_cancel()), on a miss it asks for the
 * match (analyze_staged_finish(), which frees a).  Instead of
 * analyze_inventory() and analyze_match(): one child, one cage. */
int analyze_staged_start(const char *rootfs, const char *db_path, unsigned deadline_ms, struct analysis **ret,
                         struct error *err);
/* The inventory and its canonical JSON (as analyze_inventory()'s). */
int analyze_staged_inventory(struct analysis *a, struct inventory **ret_inv, char **ret_json, struct error *err);
/* The match of inv, the inventory analyze_staged_inventory() returned;
 * *ret_scan_json as analyze_match()'s. */
int analyze_staged_finish(struct analysis *a, const struct inventory *inv, struct scan_result **ret_res,
                          char **ret_scan_json, struct error *err);

/* The hook's rootfs children (analyze_inventory(), analyze_rootfs(),
 * analyze_staged_start()) run as a fresh exec of its own static binary
 * instead of a fork (a fork where the exec fails): the hook calls this at
 * its start, and hands a command line whose first argument is
 * ANALYZE_CHILD_ARG to analyze_child_main(), which does not return unless
 * the command line is not one exec_child() made (2, said on stderr) or
 * memory runs out before the child starts (ENOMEM).  Not for a
 * dynamically linked program, whose exec costs more than the fork saves. */
#define ANALYZE_CHILD_ARG "--analysis-child"
void analyze_exec_children(void);
int analyze_child_main(int argc, char **argv);

struct image;

/* Parses an image file (image_prepare()d by the caller) and writes its
 * wanted files into the image's temporary folder, in a child sandboxed
 * like the others but allowed to write there (chrooted to it; Landlock
 * where the kernel has it); its name, digest and warnings come back as
 * untrusted JSON (image_result_parse()).  Then analyze_inventory() of
 * image_rootfs(). -ETIMEDOUT at the deadline. */
int analyze_image(struct image *img, unsigned deadline_ms, struct error *err);

/* Non-NULL once a child ran without its seccomp filter (a kernel without
 * seccomp filters): what the front end should say, once. */
const char *analyze_sandbox_note(void);

/* A trivial job in the inventory child's cage, chrooted to dir (an empty
 * folder the caller made; a marker file is written there): what the
 * kernel gave the cage, and whether its seccomp filter kills a call it
 * does not allow (portcullis doctor).  Errors when the child can't start
 * or enter its cage. */
struct analyze_probe {
        int missing;            /* SANDBOX_NO_* bits (lib/sandbox.h) */
        int uid;                /* the uid the child ran as */
        bool chrooted;          /* its / was dir (needs CAP_SYS_CHROOT) */
        bool filter_kills;      /* socket(2) in the cage ended it with SIGSYS */
};
int analyze_probe(const char *dir, unsigned deadline_ms, struct analyze_probe *ret, struct error *err);

/* "inventory:sha256:<hex>" over the canonical inventory JSON: images with
 * the same packages share an identity whatever the runtime says. */
int analyze_inventory_identity(const char *inventory_json, char **ret);
