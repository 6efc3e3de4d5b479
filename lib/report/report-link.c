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
} advisory_pages[] = {
        { "CVE-", "https://nvd.nist.gov/vuln/detail/" },
        { "DSA-", "https://security-tracker.debian.org/tracker/" },
        { "DLA-", "https://security-tracker.debian.org/tracker/" },
        { "DTSA-", "https://security-tracker.debian.org/tracker/" },
        { "USN-", "https://ubuntu.com/security/notices/" },
};

int report_advisory_url(const char *id, char **ret) {
        const char *page = "https://osv.dev/vulnerability/";
        struct strbuf b = {};
        int r;

        for (size_t i = 0; i < ELEMENTSOF(advisory_pages); i++)
                if (startswith(id, advisory_pages[i].prefix)) {
                        page = advisory_pages[i].page;
                        break;
                }
        r = strbuf_puts(&b, page);
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

