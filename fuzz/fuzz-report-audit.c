/* SPDX-License-Identifier: Apache-2.0 */
/* `portcullis report` reads an audit log (--log FILE may be any file) and
 * renders it as a table, JSON or an HTML page.  Whatever the lines hold,
 * the page carries one script, its own: every string escaped. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count(const char *s, const char *what) {
        size_t n = 0;

        for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
                n++;
        return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *buf = (const char *) data;
        struct error err = {};
        char *out = NULL;

        if (report_audit_table(buf, size, 50, true, &out, &err) == 0)
                free(out);
        out = NULL;
        if (report_audit_json(buf, size, 50, "fuzz.log", &out, &err) == 0)
                free(out);
        out = NULL;
        if (report_audit_json(buf, size, 0, "fuzz.log", &out, &err) == 0)     /* --last 0: checked, none shown */
                free(out);
        out = NULL;
        if (report_audit_html(buf, size, 50, "<fuzz>.log", &out, &err) == 0) {
                if (count(out, "<script") != 1 || count(out, "<style") != 1 || strstr(out, "<fuzz>"))
                        abort();
                free(out);
        }
        return 0;
}
