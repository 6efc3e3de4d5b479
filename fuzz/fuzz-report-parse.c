/* SPDX-License-Identifier: Apache-2.0 */
/* The hook and the CLI read back inventories and compact findings from the
 * cache, whose entries came from a child that parsed an image's files, so
 * they are treated as hostile.  Whatever parses must render again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The HTML page of what parsed: one script, its own, whatever the strings. */
static void render_html(const struct report_target *t) {
        const struct report_format *f = report_format_find("html");
        struct error err = {};
        char *page = NULL, *p;
        size_t scripts = 0;

        if (!f || report_render(f, t, &page, &err) < 0)
                abort();
        for (p = page; (p = strstr(p, "<script")); p++)
                scripts++;
        if (scripts != 1)
                abort();
        free(page);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct inventory *inv = NULL;
        struct scan_result *res = NULL;
        struct error err = {};
        char *out = NULL;

        if (report_parse_inventory((const char *) data, size, &inv, &err) == 0) {
                if (report_inventory_json(inv, &out, &err) < 0)
                        abort();
                free(out);
                render_html(&(struct report_target) { .name = "fuzz", .inv = inv });
        }
        if (report_parse_findings_compact((const char *) data, size, &res, &err) == 0) {
                char *again = NULL;

                if (report_findings_compact(res, &again, &err) < 0)
                        abort();
                free(again);
                scan_result_free(res);
        }
        inventory_free(inv);
        return 0;
}
