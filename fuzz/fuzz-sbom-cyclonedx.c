/* SPDX-License-Identifier: Apache-2.0 */
/* portcullis scan --sbom reads a CycloneDX document someone else may have
 * written: every input must either fail with a message naming the file and
 * no sbom, or give one (a digest "sha256:" and 64 lowercase hex digits or
 * none, at most SBOM_UNMAPPED_LISTED unmapped listed, the rest counted)
 * whose inventory renders as CycloneDX again and reads back to the same
 * packages (name, version, source, ecosystem). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "report.h"
#include "sbom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_package(const struct package *a, const struct package *b) {
        return streq_ptr(a->name, b->name) && streq_ptr(a->version, b->version) &&
               streq_ptr(a->source_name, b->source_name) && streq_ptr(a->source_version, b->source_version) &&
               streq_ptr(a->ecosystem, b->ecosystem) && streq_ptr(a->purl, b->purl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct sbom *s = NULL, *again = NULL;
        struct error err = {};
        char *out = NULL;
        struct report_target t;

        if (sbom_cyclonedx_parse((const char *) data, size, "fuzz.json", &s, &err) < 0) {
                if ((!strstr(err.msg, "fuzz.json") && err.code != -ENOMEM) || s)
                        abort();
                return 0;
        }
        if (s->n_unmapped > SBOM_UNMAPPED_LISTED || (s->unmapped_more && s->n_unmapped != SBOM_UNMAPPED_LISTED) ||
            (s->digest && (!startswith(s->digest, "sha256:") || strlen(s->digest) != 71 ||
                           strspn(s->digest + 7, "0123456789abcdef") != 64)))
                abort();
        t = (struct report_target) { .name = s->name ? s->name : "fuzz", .digest = s->digest, .inv = s->inv };
        if (report_render(report_format_find("cyclonedx"), &t, &out, &err) < 0)
                abort();
        if (sbom_cyclonedx_parse(out, strlen(out), "again.json", &again, &err) < 0)
                abort();
        if (again->inv->n_pkgs != s->inv->n_pkgs || !streq_ptr(again->digest, s->digest))
                abort();
        for (size_t i = 0; i < s->inv->n_pkgs; i++)
                if (!same_package(&s->inv->pkgs[i], &again->inv->pkgs[i]))
                        abort();
        free(out);
        sbom_free(again);
        sbom_free(s);
        return 0;
}
