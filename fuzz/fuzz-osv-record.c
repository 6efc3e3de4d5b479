/* SPDX-License-Identifier: Apache-2.0 */
/* OSV records come from a download: validation must reject anything
 * malformed with a message, never crash.  Records that pass are also run
 * through the range evaluator against a few installed versions. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "match.h"
#include "vulndb-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void eval_ranges(const uint8_t *data, size_t size) {
        static const char *const versions[] = { "0", "1.0-1", "2:1.2.3~rc1-1+deb12u1", "1.0" };
        json_t *rec = json_loadb((const char *) data, size, JSON_REJECT_DUPLICATES, NULL), *aff;
        size_t i;

        json_array_foreach(json_object_get(rec, "affected"), i, aff) {
                const char *eco = json_string_value(json_object_get(json_object_get(aff, "package"), "ecosystem"));
                char *ranges = json_dumps(json_object_get(aff, "ranges"), JSON_COMPACT | JSON_ENCODE_ANY);
                char *vers = json_dumps(json_object_get(aff, "versions"), JSON_COMPACT | JSON_ENCODE_ANY);

                for (size_t v = 0; eco && v < sizeof(versions) / sizeof(versions[0]); v++) {
                        struct error err = {};
                        char *fixed = NULL;
                        int affected;

                        (void) match_affected(eco, versions[v], ranges, vers, &affected, &fixed, &err);
                        free(fixed);
                }
                free(ranges);
                free(vers);
        }
        json_decref(rec);
}

static int drop(json_t *n, void *userdata) {
        (void) userdata;
        if (!json_is_string(json_object_get(n, "cve")) || !json_is_array(json_object_get(n, "severity")))
                abort();
        json_decref(n);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct error err = {};
        json_t *doc = json_loadb((const char *) data, size, 0, NULL);

        /* NVD and CVE JSON 5 documents go through the same import */
        (void) cve_severity_extract(doc, drop, NULL);
        json_decref(doc);

        if (osv_validate((const char *) data, size, "fuzz", &err) == 0)
                eval_ranges(data, size);
        return 0;
}
