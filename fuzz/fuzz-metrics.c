/* SPDX-License-Identifier: Apache-2.0 */
/* portcullis metrics reads the audit log (whose image names, namespaces and
 * any line a writer of the file put there are not ours) and its own state
 * file.  The input is counted as log lines and parsed as a state; whatever
 * it holds, the exposition has only well-formed lines (a label value with
 * no raw quote or line feed, one sample per line), and a state survives
 * its own format and parse unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* name{label="value",...} number, or a comment; the values escaped. */
static bool sample_ok(const char *p, const char *end) {
        if (*p == '#')
                return memchr(p, '"', (size_t) (end - p)) == NULL || strncmp(p, "# HELP ", 7) == 0;
        p += strspn(p, "abcdefghijklmnopqrstuvwxyz_");
        if (*p == '{') {
                for (p++; *p != '}'; p++) {
                        p += strspn(p, "abcdefghijklmnopqrstuvwxyz_");
                        if (p[0] != '=' || p[1] != '"')
                                return false;
                        for (p += 2; *p != '"'; p++)
                                if (p >= end || (*p == '\\' && !strchr("\\\"n", *++p)))
                                        return false;
                        if (p[1] == ',')
                                p++;
                }
                p++;
        }
        return *p == ' ' && strspn(p + 1, "0123456789.") == (size_t) (end - p - 1);
}

static void check_render(const struct metrics_state *s, char **ret) {
        struct metrics_gauges g = { .db_revision = "sha256:ab\"c", .cache_entries = 1, .now_violating = -1 };
        struct error err = {};

        if (metrics_render(s, &g, ret, &err) < 0)
                abort();
        for (char *p = *ret, *nl; *p; p = nl + 1) {
                if (!(nl = strchr(p, '\n')) || !sample_ok(p, nl))
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct metrics_state s = {}, t = {};
        char *out = NULL, *again = NULL, *text = NULL;
        struct error err = {};

        if (metrics_count_lines(&s, (const char *) data, size, &err) == 0) {
                check_render(&s, &out);
                if (metrics_state_format(&s, &text, &err) < 0 ||
                    metrics_state_parse(text, strlen(text), "fuzz", &t, &err) < 0)
                        abort();
                check_render(&t, &again);
                if (strcmp(out, again) != 0)
                        abort();
                free(out);
                free(again);
                free(text);
                metrics_state_done(&t);
        }
        metrics_state_done(&s);
        out = NULL;
        if (metrics_state_parse((const char *) data, size, "fuzz", &s, &err) == 0) {
                check_render(&s, &out);
                free(out);
                metrics_state_done(&s);
        }
        return 0;
}
