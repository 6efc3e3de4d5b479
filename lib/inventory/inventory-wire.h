/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>

#include "base/error.h"
#include "base/strutil.h"
#include "inventory.h"

/* The inventory as the sandboxed analysis child hands it to its parent:
 * length-prefixed strings, read without building a JSON tree (a tree of an
 * inventory's tens of thousands of strings cost more than reading the
 * package database).  The parent treats it as hostile: it comes from the
 * process that parsed the image.
 *
 * Layout (integers are 32-bit little-endian):
 *   "PCI2"
 *   flags: 1 for inventory->transient, else 0
 *   os: id, version_id, ecosystem, pretty_name              4 strings
 *   skipped:  count (<= INVENTORY_WIRE_SKIPPED_MAX), strings
 *   warnings: count (<= INVENTORY_WARNINGS_MAX + 1), strings
 *   packages: count (<= INVENTORY_PACKAGES_MAX), then 9 strings each:
 *             name, version, source_name, source_version, arch, ecosystem,
 *             purl, origin_file, guessed_from
 * a string: its length and its bytes (no NUL among them), or the length
 * 0xffffffff alone for NULL.
 *
 * What the parent keeps is what the JSON it replaces gave: bytes that
 * start no well-formed UTF-8 sequence are '?', the warnings and the OS's
 * pretty_name are made printable, a package's name and version must be
 * there.  Anything else (a count over its cap, a string past the end, a
 * NUL inside one) is an error with a message, never a shorter inventory. */

#define INVENTORY_WIRE_MAGIC "PCI2"
#define INVENTORY_WIRE_SKIPPED_MAX 16

/* Appends inv to b.  0, -ENOMEM or -E2BIG. */
int inventory_wire_write(const struct inventory *inv, struct strbuf *b);

/* Reads one inventory from the start of buf; *ret_used is how many bytes
 * it took (what follows is the caller's).  -EBADMSG with a message for a
 * malformed one, -ENOMEM. */
int inventory_wire_read(const char *buf, size_t len, struct inventory **ret, size_t *ret_used,
                        struct error *err);
