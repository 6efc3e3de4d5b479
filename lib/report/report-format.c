/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "base/macro.h"
#include "report-internal.h"

/* One row per format: its file defines it (report-FORMAT.c). */
static const struct report_format *const formats[] = {
        &report_format_table,
        &report_format_json,
        &report_format_cyclonedx,
        &report_format_sarif,
        &report_format_spdx_json,
        &report_format_html,
};

const struct report_format *report_format_find(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(formats); i++)
                if (strcmp(formats[i]->name, name) == 0)
                        return formats[i];
        return NULL;
}

const char *report_format_names(bool scan) {
        static char names[2][256];
        char *s = names[scan];

        if (*s)
                return s;
        for (size_t i = 0; i < ELEMENTSOF(formats); i++)
                if (scan ? !!formats[i]->scan : !!formats[i]->inventory) {
                        size_t n = strlen(s);

                        snprintf(s + n, sizeof(names[0]) - n, "%s%s", n ? ", " : "", formats[i]->name);
                }
        return s;
}

int report_render(const struct report_format *f, const struct report_target *t, char **ret, struct error *err) {
        int (*fn)(const struct report_target *, char **, struct error *) = t->res ? f->scan : f->inventory;

        if (!fn)
                return error_set(err, EOPNOTSUPP, "--format %s: not a format for %s (use one of %s)", f->name,
                                 t->res ? "a scan" : "an inventory", report_format_names(!!t->res));
        return fn(t, ret, err);
}
