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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/strutil.h"
#include "inventory.h"
#include "rootfs.h"

/* The strings live in blocks that never move: no copy and no second
 * page fault when the set grows. */
#define BLOCK_SIZE ((size_t) 256 * 1024)

struct block {
        struct block *next;
        size_t used, size;
        char data[];
};

struct owned_paths {
        struct block *blocks;   /* the newest first */
        size_t bytes;
        const char **slots;     /* NULL for empty */
        uint32_t *hashes;       /* of each slot's string, for growing */
        size_t n, cap;          /* cap a power of two */
};

/* Eight bytes a step: byte-wise FNV-1a was a fifth of the set's cost, and
 * the set lives in this process only (nothing stores these hashes). */
static uint32_t hash(const char *s, size_t n) {
        uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;

        for (; n >= 8; s += 8, n -= 8) {
                memcpy(&w, s, 8);
                h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
                h ^= h >> 31;
        }
        w = 0;
        memcpy(&w, s, n);
        h = (h ^ w) * 0x94d049bb133111ebULL;
        h ^= h >> 29;
        return (uint32_t) (h ^ (h >> 32));
}

static void owned_free(struct owned_paths *o) {
        if (!o)
                return;
        while (o->blocks) {
                struct block *b = o->blocks;

                o->blocks = b->next;
                free(b);
        }
        free(o->slots);
        free(o->hashes);
        free(o);
}

void inventory_owned_free(struct inventory *inv) {
        owned_free(inv->owned);
        inv->owned = NULL;
}

/* The slot of path (len bytes, hash h), or of the empty slot where it
 * would go. */
static size_t probe(const struct owned_paths *o, const char *path, size_t len, uint32_t h) {
        size_t i = h & (o->cap - 1);

        while (o->slots[i]) {
                if (o->hashes[i] == h && strncmp(o->slots[i], path, len) == 0 && o->slots[i][len] == '\0')
                        return i;
                i = (i + 1) & (o->cap - 1);
        }
        return i;
}

static int grow(struct owned_paths *o) {
        size_t cap = o->cap ? o->cap * 2 : 8192, old_cap = o->cap;
        const char **old = o->slots, **slots = calloc(cap, sizeof(*slots));
        uint32_t *old_hashes = o->hashes, *hashes = calloc(cap, sizeof(*hashes));

        if (!slots || !hashes) {
                free(slots);
                free(hashes);
                return -ENOMEM;
        }
        *o = (struct owned_paths) { .blocks = o->blocks, .bytes = o->bytes, .slots = slots, .hashes = hashes,
                                    .n = o->n, .cap = cap };
        for (size_t i = 0; i < old_cap; i++)
                if (old[i]) {
                        size_t j = old_hashes[i] & (cap - 1);

                        while (slots[j])
                                j = (j + 1) & (cap - 1);
                        slots[j] = old[i];
                        hashes[j] = old_hashes[i];
                }
        free(old);
        free(old_hashes);
        return 0;
}

/* len + 1 bytes that never move. */
static char *store(struct owned_paths *o, size_t len) {
        struct block *b = o->blocks;
        char *p;

        if (!b || b->size - b->used < len + 1) {
                size_t size = len + 1 > BLOCK_SIZE ? len + 1 : BLOCK_SIZE;      /* a long path: a block its own */

                if (!(b = malloc(sizeof(*b) + size)))
                        return NULL;
                *b = (struct block) { .next = o->blocks, .size = size };
                o->blocks = b;
        }
        p = b->data + b->used;
        b->used += len + 1;
        return p;
}

int inventory_own(struct inventory *inv, const char *path, size_t len) {
        struct owned_paths *o = inv->owned;
        uint32_t h;
        size_t i;
        char *p;

        if (len == 0 || path[0] != '/' || memchr(path, '\0', len))
                return 0;
        if (!o && !(o = inv->owned = calloc(1, sizeof(*o))))
                return -ENOMEM;
        if (o->n >= INVENTORY_OWNED_MAX || o->bytes + len + 1 > INVENTORY_OWNED_BYTES_MAX)
                return -E2BIG;
        if ((o->n + 1) * 2 > o->cap && grow(o) < 0)
                return -ENOMEM;
        h = hash(path, len);
        i = probe(o, path, len, h);
        if (o->slots[i])
                return 0;
        if (!(p = store(o, len)))
                return -ENOMEM;
        memcpy(p, path, len);
        p[len] = '\0';
        o->slots[i] = p;
        o->hashes[i] = h;
        o->bytes += len + 1;
        o->n++;
        return 1;
}

bool inventory_owned(const struct inventory *inv, const char *path) {
        const struct owned_paths *o = inv->owned;

        size_t len = strlen(path);

        return o && o->n > 0 && o->slots[probe(o, path, len, hash(path, len))] != NULL;
}

size_t inventory_owned_count(const struct inventory *inv) {
        return inv->owned ? inv->owned->n : 0;
}

/* Merged /usr: dpkg still lists /bin/bash (and an rpm package may list
 * /bin/sh) while the file is at /usr/bin/bash behind a bin -> usr/bin
 * symlink, which the walk never follows; the listed path under such a
 * folder is owned at /usr. */
static const char *const merged_dirs[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };

unsigned inventory_merged_usr(struct rootfs *r) {
        unsigned merged = 0;

        for (size_t i = 0; i < ELEMENTSOF(merged_dirs); i++) {
                char target[64], want[64];
                ssize_t n = readlinkat(rootfs_fd(r), merged_dirs[i], target, sizeof(target) - 1);

                if (n <= 0)
                        continue;
                target[n] = '\0';
                snprintf(want, sizeof(want), "usr/%s", merged_dirs[i]);
                if (strcmp(target, want) == 0 || (target[0] == '/' && strcmp(target + 1, want) == 0))
                        merged |= 1u << i;
        }
        return merged;
}

int inventory_own_installed(struct inventory *inv, const char *path, size_t len, unsigned merged) {
        char alias[INVENTORY_WALK_PATH_MAX];

        for (size_t i = 0; merged && i < ELEMENTSOF(merged_dirs); i++) {
                size_t d = strlen(merged_dirs[i]);

                if ((merged & (1u << i)) && len > d + 1 && len + 4 < sizeof(alias) && path[0] == '/' &&
                    memcmp(path + 1, merged_dirs[i], d) == 0 && path[d + 1] == '/') {
                        memcpy(alias, "/usr", 4);
                        memcpy(alias + 4, path, len);
                        return inventory_own(inv, alias, len + 4);
                }
        }
        return inventory_own(inv, path, len);
}
