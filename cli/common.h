/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The database path: --db, else $PORTCULLIS_DB, else config.json's "db"
 * (config, else the default file when it exists), which is the database
 * the hook reads, else the default; *ret is malloc'ed.  -1 with a message
 * naming cmd when the config can't be loaded. */
int cli_db_path(const char *cmd, const char *arg, const char *config, char **ret);

/* A database path to write: -1 with a message when it is a folder (before
 * the work of building a database, not at its rename). */
int cli_db_writable_path(const char *cmd, const char *path);

/* Colour on a TTY, never with NO_COLOR (https://no-color.org). */
bool cli_use_color(int fd);

/* Prints s to stdout followed by a newline unless it ends with one. */
void cli_print(const char *s);
/* printf() to stdout of a text that quotes a feed, a server or a file:
 * each line as str_make_printable() shows it. */
void cli_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --format table|json: sets *json; -1 with a message for anything else. */
int cli_parse_format(const char *arg, bool *json);

struct image;
struct inventory;
struct error;
struct report_format;
struct scan_result;

/* --format NAME for a scan (scan true) or an inventory: the format, or NULL
 * with a message naming those there are. */
const struct report_format *cli_parse_report_format(const char *arg, bool scan);

/* text to stdout (as cli_print()), or with --output FILE to FILE, written
 * atomically (a temporary file beside it, renamed over it): -1 with a
 * message when it can't be written. */
int cli_output(const char *path, const char *text);
/* Seconds since an RFC 3339 UTC time ("2026-12-04T06:00:12Z"); -1 when there is none. */
long long cli_age_seconds(const char *t);

/* How long the CLI lets an analysis child run (the hook has deadline_ms):
 * a big image's rpmdb takes seconds, not half an hour. */
#define CLI_ANALYSIS_DEADLINE_MS (30u * 60 * 1000)

/* What a scan or inventory reads: an unpacked rootfs, or an image file
 * (docker save, OCI layout) materialised into a temporary folder, which
 * *ret_img owns (NULL for a rootfs; free it with image_free()).  The
 * parsing runs in the sandboxed children of lib/analyze.h, as in the hook
 * (the image reader in one, the inventory in another); the warnings of
 * both are printed here. */
int cli_collect(const char *arg, unsigned pkg_types, struct image **ret_img, struct inventory **ret_inv,
                struct error *err);
/* The same, matched against the DB at db_path in the same child (the DB
 * opened before it enters the image's root, as the hook's miss does):
 * one sandboxed child instead of two. */
int cli_collect_match(const char *arg, const char *db_path, unsigned pkg_types, struct image **ret_img,
                      struct inventory **ret_inv, struct scan_result **ret_res, struct error *err);
/* --pkg-types os,library (Trivy's words): what cli_collect() looks for, as
 * INVENTORY_PKG_* bits (what it left out is one of the inventory's
 * warnings); -1 with a message naming verb on a bad word. */
int cli_parse_pkg_types(const char *verb, const char *arg, unsigned *ret);

#include <getopt.h>
#include <stdio.h>

/* -q/--quiet and -v/--verbose, before the command or after it. */
extern bool cli_quiet, cli_verbose;

/* "portcullis: warning: ..." and "portcullis: note: ..." on stderr, unless
 * --quiet; cli_debug() only with --verbose. */
void log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* With --verbose: "STEP: N ms" since *since (clock_now_ms()), which then
 * restarts. */
void log_step(long long *since, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* getopt_long for a command ("scan", "db import") with the options every
 * command takes handled here: -h/--help prints the command's help and exits
 * 0, -q and -v set cli_quiet/cli_verbose.  An unknown option or a missing
 * value is reported as "portcullis: CMD: ..." with a pointer to --help, and
 * '?' returned.  opts holds the command's own long options (val > 255 or a
 * letter that is not h, q or v); at most CLI_OPTIONS_MAX of them. */
#define CLI_OPTIONS_MAX 16
int cli_getopt(int argc, char **argv, const char *cmd, const struct option *opts);

/* "portcullis CMD WORD" where WORD is no sub-command of CMD (list: "ls,
 * show, ..."), said; an option there is told to follow the sub-command. */
void cli_unknown_subcommand(const char *cmd, const char *word, const char *list);

/* A count for --last, --max-entries, ...: digits only, at most max;
 * -1 with a message naming the option otherwise. */
int cli_parse_count(const char *option, const char *arg, unsigned long max, unsigned long *ret);

/* The help table (cli/help.c). */
void cli_usage(FILE *f);
int cli_help(const char *cmd, FILE *f);

/* The terminal's width in columns when fd is one, else 0. */
size_t cli_terminal_width(int fd);
