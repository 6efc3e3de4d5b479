/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "report.h"

/* Harbor's severity colours as ANSI sequences, and the reset. */
extern const char *const report_sev_color[_SEVERITY_MAX];
#define REPORT_COLOR_OFF "\033[0m"

/* Hours since an RFC 3339 UTC time (a scan's db_time), or -1. */
long long report_db_age_hours(const char *rfc3339);

/* The formats (report-format.c lists them). */
extern const struct report_format report_format_table;
extern const struct report_format report_format_json;
extern const struct report_format report_format_cyclonedx;
