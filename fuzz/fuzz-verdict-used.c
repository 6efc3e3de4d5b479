/* SPDX-License-Identifier: Apache-2.0 */
/* The verdict index's ".used" side file (verdict-index.h): the hook reads
 * and rewrites one 16-byte slot of it on a hit (vidx_touch()), the next
 * writer folds every slot into the cache (vidx_used()).  Its bytes are
 * trusted no more than the index's: a slot may say any time.  The input
 * is a 4-byte length (host order), that many bytes of index (its
 * checksums made right, vidx_reseal(), so that mutations reach the
 * entries), then the -used file.  Checks: a slot folded names an entry of
 * the index, with a terminated key, is newer than the entry's last use
 * and at most VIDX_USED_AHEAD_MAX ahead of now (each of several nows); a
 * touch writes only the hit's slot, with now, and exactly when
 * both the entry's and the slot's last use are VIDX_TOUCH_INTERVAL old
 * (computed here without overflow, whatever the times). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verdict-index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct slot {
        uint64_t generation;
        int64_t last_used;
};

struct fold {
        const struct vidx *x;
        int64_t now;
        size_t folded;
};

static int on_fold(const char *key, size_t slot, int64_t last_used, void *userdata) {
        struct fold *f = userdata;
        struct vidx_hit h;
        const char *k;

        if (slot >= vidx_count(f->x) || strlen(key) > VIDX_KEY_MAX)
                abort();
        /* the entry's own record: its key is the one handed out */
        if (vidx_entry(f->x, slot, &k, &h) == 0 && (strcmp(k, key) != 0 || last_used <= h.last_used))
                abort();
        if ((__int128) last_used - (__int128) f->now > VIDX_USED_AHEAD_MAX)
                abort();
        f->folded++;
        return 0;
}

static bool due(int64_t now, int64_t t) {
        return (__int128) now - (__int128) t >= VIDX_TOUCH_INTERVAL;
}

static void touch(const struct vidx *x, void *used, size_t len, const struct vidx_hit *h, int64_t now) {
        size_t off = ((size_t) h->slot + 1) * sizeof(struct slot);
        void *before = malloc(len ? len : 1);
        struct slot s = {};
        bool in = len >= sizeof(s) && off <= len - sizeof(s), want;
        int r;

        if (!before)
                return;
        memcpy(before, used, len);
        if (in)
                memcpy(&s, (char *) used + off, sizeof(s));
        want = in && due(now, h->last_used) && s.generation == vidx_generation(x) && due(now, s.last_used);
        r = vidx_touch_buffer(x, used, len, h, now);
        if (r != (want ? 1 : 0))
                abort();
        if (want) {
                memcpy(&s, (char *) used + off, sizeof(s));
                if (s.last_used != now || memcmp(before, used, off) != 0 ||
                    memcmp((char *) before + off + sizeof(s), (char *) used + off + sizeof(s),
                           len - off - sizeof(s)) != 0)
                        abort();
        } else if (memcmp(before, used, len) != 0)
                abort();
        free(before);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const int64_t nows[] = { 0, 1, 1765000000, INT64_MAX, INT64_MIN };
        struct vidx *x = NULL;
        uint32_t n;
        void *index, *used;
        size_t used_len;

        if (size < sizeof(n))
                return 0;
        memcpy(&n, data, sizeof(n));
        if (n > size - sizeof(n))
                return 0;
        used_len = size - sizeof(n) - n;
        /* aligned, as a mapping and a read buffer are */
        index = malloc(n ? n : 1);
        used = malloc(used_len ? used_len : 1);
        if (!index || !used)
                goto out;
        memcpy(index, data + sizeof(n), n);
        memcpy(used, data + sizeof(n) + n, used_len);
        vidx_reseal(index, n);
        if (vidx_from_buffer(index, n, &x, NULL) == 0) {
                for (size_t j = 0; j < sizeof(nows) / sizeof(nows[0]); j++) {
                        struct fold f = { x, nows[j], 0 };

                        (void) vidx_used_from_buffer(x, used, used_len, nows[j], on_fold, &f);
                        if (f.folded > vidx_count(x))
                                abort();
                }
                for (size_t i = 0; i < vidx_count(x); i++) {
                        struct vidx_hit h;
                        const char *key;

                        if (vidx_entry(x, i, &key, &h) < 0)
                                continue;
                        for (size_t j = 0; j < sizeof(nows) / sizeof(nows[0]); j++)
                                touch(x, used, used_len, &h, nows[j]);
                        touch(x, used, used_len, &h, h.last_used);
                        if (h.last_used <= INT64_MAX - VIDX_TOUCH_INTERVAL)
                                touch(x, used, used_len, &h, h.last_used + VIDX_TOUCH_INTERVAL);
                }
                vidx_close(x);
        }
out:
        free(index);
        free(used);
        return 0;
}
