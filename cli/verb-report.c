/* SPDX-License-Identifier: Apache-2.0 */
/* portcullis report [--log FILE] [--last N] [--format table|json] [--html]
 * [--output FILE]: recent decisions of the hook, from the audit log file,
 * as a table, JSON or one HTML page. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "common.h"
#include "config.h"
#include "report.h"
#include "verbs.h"

#define AUDIT_FILE_MAX ((size_t) 256 * 1024 * 1024)

/* A log larger than max (never rotated): its newest max bytes, from the
 * first whole line in them, and a warning saying so; else the whole file.
 * A log the hook appends to keeps growing while it is read: what came
 * after the fstat is left for the next report. */
static int read_log(const char *path, size_t max, char **ret, size_t *ret_len, struct error *err) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t got = 0;
        char *nl;

        if (fd < 0 || fstat(fd, &st) < 0)
                return error_set_errno(err, errno, "%s", path);
        if (!S_ISREG(st.st_mode) || (uint64_t) st.st_size <= max)
                return read_full_file(path, max, ret, ret_len, err);
        if (!(buf = malloc(max + 1)))
                return error_set(err, ENOMEM, "out of memory");
        while (got < max) {
                ssize_t k = pread(fd, buf + got, max - got, st.st_size - (off_t) max + (off_t) got);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return error_set_errno(err, errno, "read %s", path);
                if (k == 0)
                        return error_set(err, EIO, "read %s: the file shrank while it was read (rotated?); run "
                                         "the report again", path);
                got += (size_t) k;
        }
        buf[got] = '\0';
        nl = memchr(buf, '\n', got);
        got -= nl ? (size_t) (nl + 1 - buf) : got;
        memmove(buf, nl ? nl + 1 : buf, got + 1);
        log_warning("report: %s is %llu MiB: only the decisions in its newest %zu MiB were read; rotate it (a "
                    "logrotate rule: share/doc/portcullis/portcullis.logrotate)", path, (unsigned long long) (st.st_size >> 20),
                    max >> 20);
        *ret = TAKE_PTR(buf);
        *ret_len = got;
        return 0;
}

int verb_report(int argc, char **argv) {
        static const struct option opts[] = {
                { "log", required_argument, NULL, 'l' },
                { "last", required_argument, NULL, 'n' },
                { "config", required_argument, NULL, 'c' },
                { "format", required_argument, NULL, 'F' },
                { "html", no_argument, NULL, 'H' },
                { "output", required_argument, NULL, 'o' },
                {}
        };
        _cleanup_(config_freep) struct config *cfg = NULL;
        _cleanup_free_ char *buf = NULL, *out = NULL;
        const char *log = NULL, *config = NULL, *output = NULL;
        struct error err = {};
        size_t len = 0;
        unsigned long last = 50;
        bool json = false, html = false;
        int c, r;

        while ((c = cli_getopt(argc, argv, "report", opts)) >= 0)
                switch (c) {
                case 'l':
                        log = optarg;
                        break;
                case 'n':
                        if (cli_parse_count("report: --last", optarg, 1000000, &last) < 0)
                                return EXIT_ERROR;
                        break;
                case 'c':
                        config = optarg;
                        break;
                case 'F':
                        if (cli_parse_format(optarg, &json) < 0)
                                return EXIT_ERROR;
                        break;
                case 'H':
                        html = true;
                        break;
                case 'o':
                        output = optarg;
                        break;
                default:
                        return EXIT_ERROR;
                }
        /* "report FILE" would otherwise read config.json's log, in silence */
        if (optind < argc) {
                log_error("report: unexpected argument '%s'; give the audit log with --log FILE", argv[optind]);
                return EXIT_ERROR;
        }
        if (html && json) {
                log_error("report: --html and --format json: give one of them");
                return EXIT_ERROR;
        }
        if (!log || config) {   /* a --config FILE named beside --log must load too */
                if (config_load(config ? config : PORTCULLIS_CONFIG_DEFAULT, config != NULL, &cfg, &err) < 0) {
                        log_error("%s", err.msg);
                        return EXIT_ERROR;
                }
                if (!log)
                        log = cfg->log_file;
        }
        if (!log) {
                log_error("report: no audit log file: set \"log\": {\"file\": ...} in config.json or pass --log FILE");
                return EXIT_ERROR;
        }
        log_debug("report: audit log %s", log);
        r = read_log(log, AUDIT_FILE_MAX, &buf, &len, &err);
        if (r >= 0)
                r = html ? report_audit_html(buf, len, last, log, &out, &err)
                    : json ? report_audit_json(buf, len, last, log, &out, &err)
                    : report_audit_table(buf, len, last, !output && cli_use_color(STDOUT_FILENO), &out, &err);
        if (r == -EBADMSG) {
                log_error("report: %s: %s", log, err.msg);
                return EXIT_ERROR;
        }
        if (r < 0) {
                log_error("report: %s", err.msg);
                return EXIT_ERROR;
        }
        return cli_output(output, out) < 0 ? EXIT_ERROR : EXIT_PASS;
}
