/* SPDX-License-Identifier: Apache-2.0 */
/* The import's flat JSON tree (base/json-flat.c, yajl underneath) against
 * jansson: whatever it accepts, jansson's json_loadb(JSON_REJECT_DUPLICATES)
 * must accept too and read the same (same types, numbers, strings byte for
 * byte, members in the same order), and what jf_dump() writes must be
 * byte for byte what jansson's compact encoder writes.  It may reject more
 * (the import goes back to jansson then).  A disagreement aborts. */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json-flat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const struct jf_doc *d, const struct jf_node *n, json_t *j) {
        const struct jf_node *c;
        size_t i;

        switch (n->type) {
        case JF_NULL:
                if (!json_is_null(j))
                        abort();
                break;
        case JF_TRUE:
        case JF_FALSE:
                if (!json_is_boolean(j) || json_is_true(j) != (n->type == JF_TRUE))
                        abort();
                break;
        case JF_INTEGER:
                if (!json_is_integer(j) || json_integer_value(j) != strtoll(n->str, NULL, 10))
                        abort();
                break;
        case JF_REAL:
                if (!json_is_real(j) || json_real_value(j) != strtod(n->str, NULL))
                        abort();
                break;
        case JF_STRING:
                if (!json_is_string(j) || n->len != json_string_length(j) ||
                    memcmp(n->str, json_string_value(j), n->len) != 0)
                        abort();
                break;
        case JF_ARRAY:
                if (!json_is_array(j) || n->count != json_array_size(j))
                        abort();
                jf_array_foreach(d, n, i, c)
                        same(d, c, json_array_get(j, i));
                break;
        case JF_OBJECT: {
                void *it = json_object_iter(j);

                if (!json_is_object(j) || n->count != json_object_size(j))
                        abort();
                for (c = n->count ? n + 1 : NULL; c; c = jf_next(d, n, c), it = json_object_iter_next(j, it)) {
                        if (!it || strcmp(json_object_iter_key(it), c->key) != 0 || jf_get(d, n, c->key) != c)
                                abort();
                        same(d, c, json_object_iter_value(it));
                }
                break;
        }
        default:
                abort();
        }
}

static int dump_to(const char *buf, size_t size, void *userdata) {
        return strbuf_append(userdata, buf, size) < 0 ? -1 : 0;
}

/* jf_dump() of every array and object member against jansson's encoder. */
static void same_dump(const struct jf_doc *d, const struct jf_node *n, json_t *j) {
        struct strbuf mine = {}, theirs = {};
        int r = jf_dump(d, n, &mine);

        if (r == 0) {
                if (json_dump_callback(j, dump_to, &theirs, JSON_COMPACT | JSON_ENCODE_ANY) < 0)
                        abort();
                if (mine.len != theirs.len || memcmp(mine.s, theirs.s, mine.len) != 0) {
                        fprintf(stderr, "jf_dump %.*s\njansson %.*s\n", (int) mine.len, mine.s, (int) theirs.len,
                                theirs.s);
                        abort();
                }
        } else if (r > 1)
                abort();
        strbuf_done(&mine);
        strbuf_done(&theirs);
        if (n->type == JF_ARRAY || n->type == JF_OBJECT) {
                const struct jf_node *c;
                void *it = json_object_iter(j);
                size_t i = 0;

                for (c = n->count ? n + 1 : NULL; c; c = jf_next(d, n, c), i++) {
                        same_dump(d, c, n->type == JF_ARRAY ? json_array_get(j, i) : json_object_iter_value(it));
                        if (n->type == JF_OBJECT)
                                it = json_object_iter_next(j, it);
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static struct jf_doc d; /* reused across inputs, as the import reuses it */
        json_t *j;
        int r = jf_parse(&d, (const char *) data, size);

        if (r == -ENOMEM || r == -EINVAL)
                return 0;
        if (r != 0)
                abort();
        j = json_loadb((const char *) data, size, JSON_REJECT_DUPLICATES, NULL);
        if (!j) {
                fprintf(stderr, "json-flat accepts what jansson rejects\n");
                abort();
        }
        same(&d, jf_root(&d), j);
        same_dump(&d, jf_root(&d), j);
        json_decref(j);
        return 0;
}
