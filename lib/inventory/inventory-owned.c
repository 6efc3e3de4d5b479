/* SPDX-License-Identifier: Apache-2.0 */
/* The paths OS packages installed (inventory.h, inventory_own()): a set of
 * strings, open addressing over one pool, so that the walk asks "is this
 * file an OS package's?" in a hash and a compare.  A language package or
 * an executable an OS package installed (Debian's python3-cryptography
 * dist-info, /usr/bin/containerd, liblog4j2-java's jar) is that package's:
 * its distribution's advisories, which know the distribution's patches,
 * cover it through the OS package; reading it again as PyPI, Go or Maven
 * would match upstream advisories against a version the distribution has
 * patched, and cost the walk a stat and the executables' reads for every
 * file of the base image. */
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "inventory.h"

struct owned_paths {
        char *pool;             /* the paths, each NUL-terminated */
        size_t pool_len, pool_cap;
        uint32_t *slots;        /* offset + 1 into pool, 0 for empty */
        size_t n, cap;          /* cap a power of two */
};

static uint64_t hash(const char *s, size_t n) {
        uint64_t h = 0xcbf29ce484222325ULL;

        for (size_t i = 0; i < n; i++) {
                h ^= (unsigned char) s[i];
                h *= 0x100000001b3ULL;
        }
        return h;
}

static void owned_free(struct owned_paths *o) {
        if (!o)
                return;
        free(o->pool);
        free(o->slots);
        free(o);
}

void inventory_owned_free(struct inventory *inv) {
        owned_free(inv->owned);
        inv->owned = NULL;
}

/* The slot of path (len bytes), or of the empty slot where it would go. */
static size_t probe(const struct owned_paths *o, const char *path, size_t len) {
        size_t i = (size_t) hash(path, len) & (o->cap - 1);

        while (o->slots[i]) {
                const char *s = o->pool + o->slots[i] - 1;

                if (strncmp(s, path, len) == 0 && s[len] == '\0')
                        return i;
                i = (i + 1) & (o->cap - 1);
        }
        return i;
}

static int grow(struct owned_paths *o) {
        size_t cap = o->cap ? o->cap * 2 : 1024;
        uint32_t *old = o->slots, *slots = calloc(cap, sizeof(*slots));
        size_t old_cap = o->cap;

        if (!slots)
                return -ENOMEM;
        o->slots = slots;
        o->cap = cap;
        for (size_t i = 0; i < old_cap; i++)
                if (old[i]) {
                        const char *s = o->pool + old[i] - 1;

                        o->slots[probe(o, s, strlen(s))] = old[i];
                }
        free(old);
        return 0;
}

int inventory_own(struct inventory *inv, const char *path, size_t len) {
        struct owned_paths *o = inv->owned;
        size_t i;

        if (len == 0 || path[0] != '/' || memchr(path, '\0', len))
                return 0;
        if (!o && !(o = inv->owned = calloc(1, sizeof(*o))))
                return -ENOMEM;
        if (o->n >= INVENTORY_OWNED_MAX || o->pool_len + len + 1 > INVENTORY_OWNED_BYTES_MAX)
                return -E2BIG;
        if ((o->n + 1) * 2 > o->cap && grow(o) < 0)
                return -ENOMEM;
        i = probe(o, path, len);
        if (o->slots[i])
                return 0;
        if (o->pool_len + len + 1 > o->pool_cap) {
                size_t cap = o->pool_cap ? o->pool_cap * 2 : 64 * 1024;
                char *p;

                while (cap < o->pool_len + len + 1)
                        cap *= 2;
                if (!(p = realloc(o->pool, cap)))
                        return -ENOMEM;
                o->pool = p;
                o->pool_cap = cap;
        }
        memcpy(o->pool + o->pool_len, path, len);
        o->pool[o->pool_len + len] = '\0';
        o->slots[i] = (uint32_t) (o->pool_len + 1);
        o->pool_len += len + 1;
        o->n++;
        return 1;
}

bool inventory_owned(const struct inventory *inv, const char *path) {
        const struct owned_paths *o = inv->owned;

        return o && o->n > 0 && o->slots[probe(o, path, strlen(path))] != 0;
}

size_t inventory_owned_count(const struct inventory *inv) {
        return inv->owned ? inv->owned->n : 0;
}
