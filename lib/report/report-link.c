/* SPDX-License-Identifier: Apache-2.0 */
/* What the formats for tools share: an advisory's page, a file of the
 * image as a relative URI, and text from the image as valid JSON. */
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "report-internal.h"

/* Where people read an advisory, by the prefix its issuer gives its ids;
 * anything else is an OSV id (the DB is OSV's), which osv.dev shows. */
static const struct {
        const char *prefix;
        const char *page;
        const char *source;
} advisory_pages[] = {
        { "CVE-", "https://nvd.nist.gov/vuln/detail/", "NVD" },
        { "DSA-", "https://security-tracker.debian.org/tracker/", "Debian security tracker" },
        { "DLA-", "https://security-tracker.debian.org/tracker/", "Debian security tracker" },
        { "DTSA-", "https://security-tracker.debian.org/tracker/", "Debian security tracker" },
        { "TEMP-", "https://security-tracker.debian.org/tracker/", "Debian security tracker" },
        { "USN-", "https://ubuntu.com/security/notices/", "Ubuntu security notices" },
        { "GHSA-", "https://github.com/advisories/", "GitHub Advisories" },
        { "", "https://osv.dev/vulnerability/", "OSV" },
};

static size_t advisory_row(const char *id) {
        size_t i = 0;

        while (!startswith(id, advisory_pages[i].prefix))
                i++;            /* the last row's "" matches */
        return i;
}

const char *report_advisory_source(const char *id) {
        return advisory_pages[advisory_row(id)].source;
}

int report_advisory_url(const char *id, char **ret) {
        struct strbuf b = {};
        int r;

        r = strbuf_puts(&b, advisory_pages[advisory_row(id)].page);
        if (r >= 0)
                r = strbuf_append_purl_escaped(&b, id);
        if (r < 0) {
                strbuf_done(&b);
                return r;
        }
        *ret = strbuf_steal(&b);
        return *ret ? 0 : -ENOMEM;
}

int report_file_uri(const char *path, char **ret) {
        struct strbuf b = {};
        int r = 0;

        /* Segment by segment, every byte but RFC 3986's unreserved ones
         * percent-encoded: a ':' in the first segment can't pass for a
         * scheme, and '?', '#', '%' or a space in a file name stay part of
         * the path. */
        for (const char *s = path; r >= 0 && *s;) {
                size_t n = strcspn(s, "/");
                _cleanup_free_ char *seg = n ? strndup(s, n) : NULL;

                if (n && !seg)
                        r = -ENOMEM;
                else if (n && b.len)
                        r = strbuf_puts(&b, "/");
                if (r >= 0 && n)
                        r = strbuf_append_purl_escaped(&b, seg);
                s += n;
                s += strspn(s, "/");
        }
        if (r < 0) {
                strbuf_done(&b);
                return r;
        }
        *ret = strbuf_steal(&b);
        return *ret ? 0 : -ENOMEM;
}

