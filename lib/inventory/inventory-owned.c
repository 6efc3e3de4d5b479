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
 * file of the base image.  Unless it is not the package's file any more: a
 * Java archive of a dpkg or rpm package is checked against the digest the
 * package recorded (inventory_own_digest()), as a jar is what a user most
 * often replaces in place to upgrade it (log4j), and one is not a patched
 * version's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "base/heap.h"
#include "base/strutil.h"
#include "inventory.h"
#include "rootfs.h"

/* Not the paths but 64 bits of each: no copy of the tens of thousands of
 * strings an rpm or dpkg database lists (a third of a minbase inventory's
 * page faults went to them), and a lookup that compares one word.  Two
 * paths of one hash count as one: one chance in 2^64 a pair by accident,
 * and nothing an image author gains by forcing it, who can as well list
 * the file in the database.  But paths whose hashes share their low bits
 * (one slot: found offline, against a hash without a key) would make
 * every insert probe past all the others, the walk's start quadratic:
 * so the hash starts from a seed of this process's, the kernel's random
 * bytes for it (AT_RANDOM, getauxval(3): read without a system call, the
 * hook's counted path takes none more). */
struct owned_paths {
        uint64_t *slots;        /* 0 for empty */
        size_t n, cap;          /* cap a power of two */
        uint64_t seed;
        uint64_t probes;        /* slots looked at past the first, by inserts (tests) */
        /* inventory_own_digest()'s, by the same hash: open addressing too */
        struct owned_digest *digests;
        size_t n_digests, cap_digests;
};

struct owned_digest {
        uint64_t h;             /* 0 for empty */
        bool regular;           /* the package installed a regular file there, of this digest */
        uint8_t algo;           /* INVENTORY_DIGEST_* */
        unsigned char digest[32];
};

static uint64_t mix(uint64_t h) {      /* splitmix64's finalizer */
        h ^= h >> 30;
        h *= 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 27;
        h *= 0x94d049bb133111ebULL;
        return h ^ (h >> 31);
}

/* Eight bytes a step, the length last: so that the walk hashes a folder's
 * path once for all its entries (inventory_owned_from()).  h is the state
 * after the whole words of the n bytes at s; never 0, the empty slot. */
static uint64_t hash_words(uint64_t h, const char *s, size_t n) {
        uint64_t w;

        for (; n >= 8; s += 8, n -= 8) {
                memcpy(&w, s, 8);
                h = mix(h ^ w);
        }
        return h;
}

/* The hash of the n bytes of s, the first done of them (a multiple of 8)
 * in h already. */
static uint64_t hash_from(uint64_t h, size_t done, const char *s, size_t n) {
        uint64_t w = 0;

        h = hash_words(h, s + done, n - done);
        memcpy(&w, s + (n & ~(size_t) 7), n & 7);
        h = mix(mix(h ^ w) ^ n);
        return h ? h : 1;
}

static uint64_t hash(uint64_t seed, const char *s, size_t n) {
        return hash_from(seed, 0, s, n);
}

void inventory_owned_free(struct inventory *inv) {
        if (inv->owned) {
                free(inv->owned->slots);
                free(inv->owned->digests);
        }
        free(inv->owned);
        inv->owned = NULL;
}

/* The slot of h, or of the empty slot where it would go; the slots
 * looked at past the first are added to *steps. */
static size_t probe(const struct owned_paths *o, uint64_t h, uint64_t *steps) {
        size_t i = h & (o->cap - 1);

        while (o->slots[i] && o->slots[i] != h) {
                i = (i + 1) & (o->cap - 1);
                (*steps)++;
        }
        return i;
}

static uint64_t process_seed(void) {
        const void *r = (const void *) getauxval(AT_RANDOM);
        uint64_t seed = 0x9e3779b97f4a7c15ULL;

        if (r)
                memcpy(&seed, r, sizeof(seed));
        return seed;
}

static int grow(struct owned_paths *o) {
        size_t old_cap = o->cap;
        uint64_t *old = o->slots;

        o->cap = old_cap ? old_cap * 2 : 8192;
        if (!(o->slots = calloc(o->cap, sizeof(*o->slots)))) {
                o->slots = old;
                o->cap = old_cap;
                return -ENOMEM;
        }
        heap_back(o->slots, o->cap * sizeof(*o->slots));
        for (size_t i = 0; i < old_cap; i++)
                if (old[i])
                        o->slots[probe(o, old[i], &o->probes)] = old[i];
        free(old);
        return 0;
}

int inventory_own(struct inventory *inv, const char *path, size_t len) {
        struct owned_paths *o = inv->owned;
        uint64_t h;
        size_t i;

        if (len == 0 || path[0] != '/' || memchr(path, '\0', len) || (inv->left_out & INVENTORY_PKG_LIBRARY))
                return 0;
        if (!o && !(o = inv->owned = calloc(1, sizeof(*o))))
                return -ENOMEM;
        if (!o->seed)
                o->seed = process_seed() | 1;
        if (o->n >= INVENTORY_OWNED_MAX)
                return -E2BIG;
        if ((o->n + 1) * 2 > o->cap && grow(o) < 0)
                return -ENOMEM;
        h = hash(o->seed, path, len);
        i = probe(o, h, &o->probes);
        if (o->slots[i])
                return 0;
        o->slots[i] = h;
        o->n++;
        return 1;
}

bool inventory_owned(const struct inventory *inv, const char *path) {
        struct owned_prefix from = {};

        return inventory_owned_from(inv, &from, path, strlen(path));
}

void inventory_owned_prefix(const struct inventory *inv, const char *path, size_t len, struct owned_prefix *ret) {
        size_t done = inv->owned ? len & ~(size_t) 7 : 0;

        *ret = (struct owned_prefix) { .done = done, .h = inv->owned ? hash_words(inv->owned->seed, path, done) : 0 };
}

bool inventory_owned_from(const struct inventory *inv, const struct owned_prefix *from, const char *path, size_t len) {
        const struct owned_paths *o = inv->owned;
        uint64_t steps = 0;

        return o && o->n > 0 && from->done <= len &&
               o->slots[probe(o, hash_from(from->done ? from->h : o->seed, from->done, path, len), &steps)] != 0;
}

size_t inventory_owned_count(const struct inventory *inv) {
        return inv->owned ? inv->owned->n : 0;
}

uint64_t inventory_owned_probes(const struct inventory *inv) {
        return inv->owned ? inv->owned->probes : 0;
}

/* Merged /usr: dpkg still lists /bin/bash (and an rpm package may list
 * /bin/sh) while the file is at /usr/bin/bash behind a bin -> usr/bin
 * symlink, which the walk never follows; the listed path under such a
 * folder is owned at /usr. */
static const char *const merged_dirs[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };

unsigned inventory_merged_usr(struct rootfs *r, struct inventory *inv) {
        unsigned merged = 0;

        if (inv->merged_usr_known)
                return inv->merged_usr;

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
        inv->merged_usr_known = true;
        return inv->merged_usr = merged;
}

/* The path the walk sees for one a package database lists: under a
 * merged folder its /usr path, in alias; else path itself. */
static const char *installed_path(const char *path, size_t *len, unsigned merged,
                                  char alias[INVENTORY_WALK_PATH_MAX]) {
        /* most paths are /usr's or /etc's: past the table at once */
        if (!merged || *len < 2 || (path[1] != 'b' && path[1] != 's' && path[1] != 'l'))
                return path;
        for (size_t i = 0; i < ELEMENTSOF(merged_dirs); i++) {
                size_t d = strlen(merged_dirs[i]);

                if ((merged & (1u << i)) && *len > d + 1 && *len + 4 < INVENTORY_WALK_PATH_MAX && path[0] == '/' &&
                    memcmp(path + 1, merged_dirs[i], d) == 0 && path[d + 1] == '/') {
                        memcpy(alias, "/usr", 4);
                        memcpy(alias + 4, path, *len);
                        *len += 4;
                        return alias;
                }
        }
        return path;
}

int inventory_own_installed(struct inventory *inv, const char *path, size_t len, unsigned merged) {
        char alias[INVENTORY_WALK_PATH_MAX];

        path = installed_path(path, &len, merged, alias);
        return inventory_own(inv, path, len);
}

/* The slot of h in the digests, or of the empty one where it would go. */
static size_t probe_digest(const struct owned_paths *o, uint64_t h) {
        size_t i = h & (o->cap_digests - 1);

        while (o->digests[i].h && o->digests[i].h != h)
                i = (i + 1) & (o->cap_digests - 1);
        return i;
}

static int grow_digests(struct owned_paths *o) {
        size_t old_cap = o->cap_digests;
        struct owned_digest *old = o->digests;

        o->cap_digests = old_cap ? old_cap * 2 : 256;
        if (!(o->digests = calloc(o->cap_digests, sizeof(*o->digests)))) {
                o->digests = old;
                o->cap_digests = old_cap;
                return -ENOMEM;
        }
        for (size_t i = 0; i < old_cap; i++)
                if (old[i].h)
                        o->digests[probe_digest(o, old[i].h)] = old[i];
        free(old);
        return 0;
}

int inventory_own_digest(struct inventory *inv, const char *path, size_t len, unsigned merged, int algo,
                         const unsigned char *digest) {
        char alias[INVENTORY_WALK_PATH_MAX];
        struct owned_paths *o;
        size_t i;
        uint64_t h;
        int r;

        if (digest && algo != INVENTORY_DIGEST_MD5 && algo != INVENTORY_DIGEST_SHA256)
                return -EINVAL;
        path = installed_path(path, &len, merged, alias);
        if ((r = inventory_own(inv, path, len)) < 0 || !(o = inv->owned) || len == 0 || path[0] != '/' ||
            memchr(path, '\0', len))
                return r < 0 ? r : 0;
        if (o->n_digests >= INVENTORY_OWNED_DIGESTS_MAX)
                return -E2BIG;
        if ((o->n_digests + 1) * 2 > o->cap_digests && grow_digests(o) < 0)
                return -ENOMEM;
        h = hash(o->seed, path, len);
        i = probe_digest(o, h);
        if (o->digests[i].h)
                return 0;
        o->digests[i] = (struct owned_digest) { .h = h, .regular = digest != NULL, .algo = (uint8_t) algo };
        if (digest)
                memcpy(o->digests[i].digest, digest, algo == INVENTORY_DIGEST_SHA256 ? 32 : 16);
        o->n_digests++;
        return 1;
}

int inventory_owned_digest(const struct inventory *inv, const char *path, int *ret_algo,
                           const unsigned char **ret_digest) {
        const struct owned_paths *o = inv->owned;
        const struct owned_digest *d;

        if (!o || o->n_digests == 0)
                return 0;
        d = &o->digests[probe_digest(o, hash(o->seed, path, strlen(path)))];
        if (!d->h)
                return 0;
        *ret_algo = d->algo;
        *ret_digest = d->regular ? d->digest : NULL;
        return 1;
}
