/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"
#include "base/json-flat.h"
#include "base/strutil.h"

/* OSV affected ranges in the compact form the database stores and the
 * matcher reads without a JSON parser (parsing JSON for every entry of every
 * installed package was most of a scan's time):
 *
 *   ranges   := range (RS range)*        RS = 0x1e
 *   range    := TYPE (US kind version)*  US = 0x1f, kind = i|f|l|x
 *                                        (introduced, fixed, last_affected, limit)
 *   versions := version (US version)*
 *
 * Versions never contain bytes below 0x20: the importer keeps no such value.
 * A range (or versions list) the importer could not read is stored as a
 * range whose TYPE is OSV_UNREADABLE followed by why (no events): its entry
 * is then "not checked" (osv_affected_eval() fails, naming it), never an
 * entry without that range, under which every version passed. */
#define OSV_RS '\x1e'
#define OSV_US '\x1f'
#define OSV_UNREADABLE '\x01'
#define RANGE_EVENTS_MAX 4096

/* true when s has no control characters (below 0x20, so it can be stored
 * compactly; DEL and U+0080..U+009F, which terminals act on). */
bool osv_text_ok(const char *s);

/* Encode a validated OSV "ranges" / "versions" JSON array; *ret is NULL for
 * a NULL or empty array. */
int osv_ranges_encode(json_t *ranges, char **ret);
int osv_versions_encode(json_t *versions, char **ret);

/* The same appended to b (without a NUL); nothing for an empty array. */
int osv_ranges_append(json_t *ranges, struct strbuf *b);
int osv_versions_append(json_t *versions, struct strbuf *b);

/* The same from the import's flat tree (base/json-flat.h). */
int osv_ranges_append_flat(const struct jf_doc *d, const struct jf_node *ranges, struct strbuf *b);
int osv_versions_append_flat(const struct jf_doc *d, const struct jf_node *versions, struct strbuf *b);

/* OSV evaluation (https://ossf.github.io/osv-schema/#evaluation) of one
 * affected entry for an installed version, with the comparator kind (enum
 * version_kind) of its ecosystem.  *ret_affected is true when affected;
 * *ret_fixed is the fixed version that applies, or NULL.  An event version
 * the comparator rejects is -EINVAL, naming it. */
int osv_affected_eval(int kind, const char *version, const char *ranges, const char *versions, bool *ret_affected,
                      char **ret_fixed, struct error *err);

/* For the matcher's index of a Debian or Ubuntu package's entries: the key
 * (version_key()) of the highest version an affected entry can still
 * hold for, so that an installed version whose key is above it need not
 * be evaluated: osv_affected_eval() would say "not affected".  That is the
 * highest of its events' and listed versions', when no range is affected
 * above all of them.  Written to buf (size bytes), its length returned; 0
 * when there is no such bound or it can't be said: a kind without keys
 * (version_has_key()), a range open to the end, a SEMVER range, a version without
 * a key, a damaged range, nothing but GIT ranges.  Such an entry is always
 * evaluated. */
int osv_affected_upper(int kind, const char *ranges, const char *versions, char *buf, size_t size);
