/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <jansson.h>

#include "report.h"

/* Harbor's severity colours as ANSI sequences, and the reset. */
extern const char *const report_sev_color[_SEVERITY_MAX];
#define REPORT_COLOR_OFF "\033[0m"

/* Hours since an RFC 3339 UTC time (a scan's db_time), or -1. */
long long report_db_age_hours(const char *rfc3339);

/* The page people read about an advisory (report-link.c): NVD for a CVE,
 * Debian's tracker for DSA/DLA/DTSA, Ubuntu's notices for USN, osv.dev for
 * any other id (the DB is OSV's); the id percent-encoded.  0 or -ENOMEM. */
int report_advisory_url(const char *id, char **ret);
/* A file of the image ("/var/lib/dpkg/status") as a relative URI reference
 * ("var/lib/dpkg/status"): no leading '/', each segment percent-encoded
 * but for RFC 3986's unreserved characters.  0 or -ENOMEM. */
int report_file_uri(const char *path, char **ret);
/* A JSON string of text from the image or the DB, its bytes that are not
 * well-formed UTF-8 as '?' (jansson takes UTF-8 only); JSON null for NULL;
 * NULL when out of memory. */
json_t *report_json_text(const char *s);

/* The formats (report-format.c lists them). */
extern const struct report_format report_format_table;
extern const struct report_format report_format_json;
extern const struct report_format report_format_cyclonedx;
extern const struct report_format report_format_sarif;
extern const struct report_format report_format_spdx_json;

/* Whether any finding is in CISA KEV or has an EPSS score (the table's KEV
 * and EPSS columns are shown then). */
bool report_has_exploit_data(const struct scan_result *res);
