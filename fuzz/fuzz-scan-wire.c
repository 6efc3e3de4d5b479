/* SPDX-License-Identifier: Apache-2.0 */
/* The scan the analysis child sends its parent (scan-wire.h): the child
 * matched what it parsed from an image, so the hook and the CLI read it as
 * hostile.  A failure must say why and give nothing; what reads must
 * render, and written again and read again give the same scan (the same
 * JSON and the same bytes on the wire). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "scan-wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *render(const struct scan_result *res) {
        struct inventory inv = { .os = { .id = "debian" } };
        struct error err = {};
        char *json = NULL;

        if (report_scan_json(&(struct report_target) { .name = "rootfs", .inv = &inv, .res = res, .compact = true },
                             &json, &err) < 0)
                abort();
        return json;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct scan_result *res = (struct scan_result *) data, *again = NULL;
        struct strbuf wire = {}, wire2 = {};
        struct error err = {};
        char *json, *json2;
        size_t used = 0, used2 = 0;

        if (scan_wire_read((const char *) data, size, &res, &used, &err) < 0) {
                if (!err.msg[0] || res != (struct scan_result *) data)
                        abort();
                return 0;
        }
        json = render(res);
        if (used > size || scan_wire_write(res, &wire) < 0 || scan_wire_read(wire.s, wire.len, &again, &used2, &err) < 0 ||
            used2 != wire.len)
                abort();
        json2 = render(again);
        if (strcmp(json, json2) != 0 || scan_wire_write(again, &wire2) < 0 || wire2.len != wire.len ||
            memcmp(wire.s, wire2.s, wire.len) != 0)
                abort();
        for (size_t i = 0; i < res->n_findings; i++)
                if (!res->findings[i].id || !res->findings[i].package || !res->findings[i].installed_version ||
                    res->findings[i].severity >= _SEVERITY_MAX)
                        abort();
        free(json);
        free(json2);
        strbuf_done(&wire);
        strbuf_done(&wire2);
        scan_result_free(res);
        scan_result_free(again);
        return 0;
}
