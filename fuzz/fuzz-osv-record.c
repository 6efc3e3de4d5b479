/* SPDX-License-Identifier: Apache-2.0 */
/* OSV records come from a download: validation must reject anything
 * malformed with a message, never crash.  Records that pass are also run
 * through the range evaluator against a few installed versions, and for
 * Debian and Ubuntu entries the upper bound the matcher's index keeps
 * (osv_affected_upper()) is checked: no version above it, among the
 * record's own versions and ones just past them, is affected. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "osv-range.h"
#include "version.h"
#include "vulndb-internal.h"

/* A version above upper (a key) must not be affected. */
static void check_above(int kind, const char *upper, const char *ranges, const char *versions, const char *v) {
        char key[VERSION_KEY_MAX];
        struct error err = {};
        char *fixed = NULL;
        bool affected = false;

        if (version_dpkg_key(v, key, sizeof(key)) < 0 || strcmp(key, upper) <= 0)
                return;
        if (osv_affected_eval(kind, v, ranges, versions, &affected, &fixed, &err) < 0 || affected)
                abort();
        free(fixed);
}

static void check_upper(const char *eco, json_t *aff) {
        static const char *const suffixes[] = { "", "~", "+1", ".0", "0", "-1", "a" };
        int kind = version_kind_from_ecosystem(eco);
        char *ranges = NULL, *versions = NULL, upper[VERSION_KEY_MAX];
        json_t *r, *e, *v;
        size_t i, j, k;

        if (kind != VERSION_DPKG || osv_ranges_encode(json_object_get(aff, "ranges"), &ranges) < 0 ||
            osv_versions_encode(json_object_get(aff, "versions"), &versions) < 0 ||
            osv_affected_upper(kind, ranges, versions, upper, sizeof(upper)) <= 0)
                goto out;
        json_array_foreach(json_object_get(aff, "ranges"), i, r)
                json_array_foreach(json_object_get(r, "events"), j, e) {
                        const char *ev = NULL;

                        for (void *it = json_object_iter(e); it; it = json_object_iter_next(e, it))
                                ev = json_string_value(json_object_iter_value(it));
                        for (k = 0; ev && k < sizeof(suffixes) / sizeof(suffixes[0]); k++) {
                                char buf[600];

                                snprintf(buf, sizeof(buf), "%s%s", ev, suffixes[k]);
                                check_above(kind, upper, ranges, versions, buf);
                        }
                }
        json_array_foreach(json_object_get(aff, "versions"), i, v)
                for (k = 0; json_is_string(v) && k < sizeof(suffixes) / sizeof(suffixes[0]); k++) {
                        char buf[600];

                        snprintf(buf, sizeof(buf), "%s%s", json_string_value(v), suffixes[k]);
                        check_above(kind, upper, ranges, versions, buf);
                }
        check_above(kind, upper, ranges, versions, "99:99");
out:
        free(ranges);
        free(versions);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* rec: as the import stores it (bad ranges kept as unreadable ones) */
static void eval_ranges(json_t *rec) {
        static const char *const versions[] = { "0", "1.0-1", "2:1.2.3~rc1-1+deb12u1", "1.0" };
        json_t *aff;
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
                if (eco)
                        check_upper(eco, aff);
                free(ranges);
                free(vers);
        }
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
        json_t *doc = json_loadb((const char *) data, size, 0, NULL), *rec = NULL;

        /* NVD and CVE JSON 5 documents go through the same import */
        (void) cve_severity_extract(doc, drop, NULL);
        json_decref(doc);

        if (osv_validate_record((const char *) data, size, "fuzz", &rec, &err) == 0)
                eval_ranges(rec);
        json_decref(rec);
        return 0;
}
