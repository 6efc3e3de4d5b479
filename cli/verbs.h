/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Each verb of the CLI lives in its own small file (crun's src/<verb>.c).
 * A verb gets argv with argv[0] = the verb name and returns the exit code:
 * EXIT_PASS, EXIT_POLICY (the policy says no) or EXIT_ERROR (usage or error). */
enum {
        EXIT_PASS = 0,
        EXIT_POLICY = 1,
        EXIT_ERROR = 2,
};

int verb_scan(int argc, char **argv);
int verb_inventory(int argc, char **argv);
int verb_db(int argc, char **argv);
int verb_vercmp(int argc, char **argv);
int verb_cvss(int argc, char **argv);
int verb_policy(int argc, char **argv);
int verb_report(int argc, char **argv);
int verb_check(int argc, char **argv);
int verb_cache(int argc, char **argv);
int verb_doctor(int argc, char **argv);
int verb_metrics(int argc, char **argv);
int verb_ps(int argc, char **argv);

/* After cmd changed the DB (db, the file written) or the cache: the
 * running containers re-judged (lib/running.h), one now_violates audit
 * line for each that got worse, when db and cache (NULL: the config's)
 * are the config's.  Says what it found on stdout; a failure is a warning
 * (the update itself stands). */
void ps_recheck(const char *cmd, const char *config, const char *db, const char *cache);
/* The recheck of the containers a recheck left to it (their inventory
 * unread: the analysis sandbox refused), for 'cache fill'. */
void ps_recheck_pending(const char *cmd, const char *config);
int verb_install(int argc, char **argv);
int verb_uninstall(int argc, char **argv);

/* Prints "portcullis: <message>" on stderr, once, at the top. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
