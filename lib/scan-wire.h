/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>

#include "base/error.h"
#include "base/strutil.h"
#include "match.h"

/* The scan as the sandboxed analysis child hands it to its parent, in the
 * wire form of the inventory's (base/wire.h), read without building a JSON
 * tree: with a large DB, the scan's JSON written in the child and parsed
 * again in the parent cost a quarter of a scan's CPU.  The parent treats
 * it as hostile: it comes from the process that parsed the image (and
 * matched what that gave).
 *
 * Layout (integers are 32-bit little-endian, doubles their IEEE 754 bits):
 *   "PCS2"
 *   db_revision, db_time                                      2 strings
 *   the DB's flags: 1 db_time signed, 2 KEV data, 4 EPSS data
 *   warnings:  count (<= SCAN_WIRE_WARNINGS_MAX), strings
 *   unchecked: count (<= MATCH_UNCHECKED_MAX), each kind, packages,
 *              subject, reason
 *   unchecked_more, packages_unchecked
 *   findings:  count (<= SCAN_FINDINGS_MAX), each
 *              id, summary, package, ecosystem, path, purl,
 *              installed_version, source_name, fixed_version,
 *              severity_source                                10 strings
 *              aliases (count, strings), severity
 *              cvss_vector; with one: cvss_score (double), cvss_version
 *              kev (0 or 1)
 *              epss (double: -1 for none); with one: its percentile
 *              vex_status; with one: vex_justification, vex_source
 * What travels is what report_scan_json() writes; the status is the
 * fixed version's, the counts are counted again.
 *
 * What the parent keeps is what the JSON it replaces gave: bytes that
 * start no well-formed UTF-8 sequence are '?'; the warnings, the VEX
 * justification and source, and each unchecked item's subject and reason
 * are made printable; a finding's id, package and installed version must
 * be there, its severity one we know, a VEX status not_affected or fixed.
 * Beyond what JSON could say: a CVSS score is within 0..10 and its version
 * 2, 30, 31 or 40; EPSS figures are within 0..1; the unchecked items past
 * the list and the packages they leave agree with the list.  Anything else
 * is an error with a message, never a shorter result. */

#define SCAN_WIRE_MAGIC "PCS2"
/* A scan's warnings: the match's (MATCH_WARNINGS_MAX + a count) and, with
 * room to spare, the inventory's (INVENTORY_WARNINGS_MAX + a count). */
#define SCAN_WIRE_WARNINGS_MAX 200

/* Appends res to b.  0, -ENOMEM or -E2BIG. */
int scan_wire_write(const struct scan_result *res, struct strbuf *b);

/* Reads one scan from the start of buf; *ret_used is how many bytes it
 * took.  -EBADMSG with a message for a malformed one, -ENOMEM. */
int scan_wire_read(const char *buf, size_t len, struct scan_result **ret, size_t *ret_used, struct error *err);
