/* SPDX-License-Identifier: Apache-2.0 */
/* VEX documents (OpenVEX, CycloneDX) come from vendors and from the
 * policy's folder, and the hook reads them at every decision: any bytes
 * must parse or fail with a message naming the file, adding nothing.  A
 * document that parses is applied to a fixed scan with and without the
 * image's digest; a finding is suppressed only as not_affected or fixed,
 * by this document, and the counts add up; what it leaves out is said in
 * printable lines naming it (nothing, when it fails).  A broken invariant
 * aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "vex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.json"
#define DIGEST "sha256:a187dde48cd289ac374ad8539930628314bc581a481cdb41409c9289419ddb72"

static const struct {
        const char *id, *alias, *alias2, *package, *purl;
} rows[] = {
        { "ALPINE-CVE-2020-1967", "CVE-2020-1967", NULL, "libssl1.1",
          "pkg:apk/alpine/libssl1.1@1.1.1d-r3?arch=x86_64&distro=3.11.5" },
        { "GHSA-35jh-r3h4-6jhm", "CVE-2021-23337", NULL, "lodash", "pkg:npm/lodash@4.17.20" },
        { "CVE-2022-0001", NULL, NULL, "@angular/core", "pkg:npm/%40angular/core@12.0.0" },
        /* an advisory of two CVEs: suppressed only when both are */
        { "DSA-5000-1", "CVE-2023-0003", "CVE-2023-0004", "libc6",
          "pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12" },
        { "CVE-2024-0005", NULL, NULL, "weird", NULL },
};

static void check_apply(const struct vex *v, const char *digest) {
        struct scan_result *res = calloc(1, sizeof(*res));
        size_t n = 0, total = 0;
        int r;

        if (!res || !(res->findings = calloc(ELEMENTSOF(rows), sizeof(*res->findings))))
                abort();
        res->n_findings = res->cap_findings = ELEMENTSOF(rows);
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                struct finding *f = &res->findings[i];

                *f = (struct finding) { .id = strdup(rows[i].id), .package = strdup(rows[i].package),
                                        .installed_version = strdup("1"), .purl = rows[i].purl ? strdup(rows[i].purl) : NULL,
                                        .severity = SEVERITY_CRITICAL, .cvss_score = -1 };
                if ((rows[i].alias && strv_push(&f->aliases, strdup(rows[i].alias)) < 0) ||
                    (rows[i].alias2 && strv_push(&f->aliases, strdup(rows[i].alias2)) < 0))
                        abort();
        }
        r = vex_apply(v, digest, res, NULL);
        for (size_t i = 0; i < res->n_findings; i++) {
                const struct finding *f = &res->findings[i];

                if (f->vex_status && ((!streq_ptr(f->vex_status, "not_affected") && !streq_ptr(f->vex_status, "fixed")) ||
                                      !streq_ptr(f->vex_source, NAME)))
                        abort();
                n += f->vex_status != NULL;
        }
        for (int s = 0; s < _SEVERITY_MAX; s++)
                total += res->counts[s];
        if (r != (int) n || res->suppressed != n || total + n != res->n_findings)
                abort();
        /* a warning only of a finding left counted */
        if (strv_length(res->warnings) > res->n_findings - n)
                abort();
        scan_result_free(res);
}

/* What was left out is said in one printable line naming the document;
 * a document refused says nothing. */
static void check_notes(const struct vex *v, bool parsed) {
        size_t more;
        char *const *notes = vex_notes(v, &more);

        if (!parsed && (notes || more))
                abort();
        if (strv_length((char **) notes) > VEX_NOTES_MAX)
                abort();
        for (char *const *n = notes; n && *n; n++) {
                _cleanup_free_ char *shown = strdup(*n);

                if (!shown)
                        abort();
                str_make_printable(shown);
                if (!startswith(*n, NAME ": ") || strcmp(shown, *n) != 0)
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct vex *v = vex_new();
        struct error err = {};

        if (!v)
                abort();
        if (size > VEX_FILE_MAX) {
                vex_free(v);
                return 0;
        }
        if (vex_parse(v, (const char *) data, size, NAME, &err) < 0) {
                if (!startswith(err.msg, NAME) || vex_statements(v) != 0)
                        abort();
                check_notes(v, false);
        } else {
                check_notes(v, true);
                check_apply(v, DIGEST);
                check_apply(v, NULL);
        }
        vex_free(v);
        return 0;
}
