/* SPDX-License-Identifier: Apache-2.0 */
/* The inventory the analysis child sends its parent (inventory-wire.h):
 * the child parsed an image, so the hook and the CLI read it as hostile.
 * A failure must say why and give nothing; what reads must render, and
 * written again and read again give the same inventory (the same JSON,
 * the same warnings and the same bytes on the wire). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inventory-wire.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct inventory *inv = (struct inventory *) data, *again = NULL;
        struct strbuf wire = {}, wire2 = {};
        struct error err = {};
        char *json = NULL, *json2 = NULL;
        size_t used = 0, used2 = 0;

        if (inventory_wire_read((const char *) data, size, &inv, &used, &err) < 0) {
                if (!err.msg[0] || inv != (struct inventory *) data)
                        abort();
                return 0;
        }
        if (used > size || report_inventory_json(inv, &json, &err) < 0 || inventory_wire_write(inv, &wire) < 0 ||
            inventory_wire_read(wire.s, wire.len, &again, &used2, &err) < 0 || used2 != wire.len ||
            report_inventory_json(again, &json2, &err) < 0 || strcmp(json, json2) != 0 ||
            again->n_warnings != inv->n_warnings || strv_length(again->warnings) != inv->n_warnings ||
            inventory_wire_write(again, &wire2) < 0 || wire2.len != wire.len || memcmp(wire.s, wire2.s, wire.len) != 0)
                abort();
        for (size_t i = 0; i < inv->n_pkgs; i++)
                if (!inv->pkgs[i].name || !inv->pkgs[i].version)
                        abort();
        free(json);
        free(json2);
        strbuf_done(&wire);
        strbuf_done(&wire2);
        inventory_free(inv);
        inventory_free(again);
        return 0;
}
