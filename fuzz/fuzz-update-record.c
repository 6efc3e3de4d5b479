/* SPDX-License-Identifier: Apache-2.0 */
/* run.json, the record of `db update`'s runs that db status, doctor and
 * metrics read (update-record.c).  Any bytes parse or fail with a one-line
 * message naming the file; a record that parses has a start time, and its
 * feeds survive being written as update_feeds_json() writes them and read
 * again unchanged.  A broken invariant aborts. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "update.h"
#include "update-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct update_run_info i = {}, again = {};
        struct error err = {};
        char started[32];
        json_t *o;
        char *text;

        if (update_record_parse((const char *) data, size, "fuzz/run.json", &i, &err) < 0) {
                if (!startswith(err.msg, "fuzz/run.json: ") || strchr(err.msg, '\n') || i.started || i.error)
                        abort();
                return 0;
        }
        if (i.started <= 0)
                abort();
        update_format_time(i.started, started);
        o = json_pack("{s:i, s:s, s:o}", "version", 1, "started", started, "feeds", update_feeds_json(i.feeds));
        text = o ? json_dumps(o, 0) : NULL;
        if (!text || update_record_parse(text, strlen(text), "again", &again, &err) < 0 || again.started != i.started)
                abort();
        for (int k = 0; k < _VULNDB_FEED_MAX; k++)
                if (again.feeds[k].known != i.feeds[k].known || again.feeds[k].checked != i.feeds[k].checked ||
                    again.feeds[k].last_success != i.feeds[k].last_success ||
                    !streq_ptr(again.feeds[k].error, i.feeds[k].error))
                        abort();
        free(text);
        json_decref(o);
        update_run_info_done(&again);
        update_run_info_done(&i);
        return 0;
}
