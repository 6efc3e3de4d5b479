/* SPDX-License-Identifier: Apache-2.0 */
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/json-arena.h"

#define CHUNK_FIRST (64 * 1024)
#define CHUNK_GROWTH_MAX (16 * 1024 * 1024) /* later chunks double up to this, or fit one allocation */
#define ALIGN 16

struct json_arena_chunk {
        struct json_arena_chunk *next; /* older */
        size_t size, used;
        _Alignas(ALIGN) char data[];
};

static __thread struct json_arena *active;
static pthread_once_t installed = PTHREAD_ONCE_INIT;

static struct json_arena_chunk *chunk_new(struct json_arena_chunk *next, size_t size) {
        struct json_arena_chunk *c = malloc(sizeof(*c) + size);

        if (!c)
                return NULL;
        *c = (struct json_arena_chunk) { .next = next, .size = size };
        return c;
}

static bool owns(const struct json_arena *a, const void *p) {
        for (const struct json_arena_chunk *c = a->head; c; c = c->next)
                if ((const char *) p >= c->data && (const char *) p < c->data + c->size)
                        return true;
        return false;
}

static void *arena_malloc(size_t n) {
        struct json_arena *a = active;
        struct json_arena_chunk *c;
        size_t need;
        void *p;

        if (!a)
                return malloc(n);
        if (n > SIZE_MAX / 2)
                return NULL;
        need = (n + ALIGN - 1) & ~(size_t) (ALIGN - 1);
        c = a->head;
        if (!c || c->size - c->used < need) {
                size_t size = c ? c->size * 2 : CHUNK_FIRST;

                if (size > CHUNK_GROWTH_MAX)
                        size = CHUNK_GROWTH_MAX;
                if (size < need)
                        size = need;
                c = chunk_new(a->head, size);
                if (!c)
                        return NULL;
                a->head = c;
        }
        p = c->data + c->used;
        c->used += need;
        return p;
}

static void arena_free(void *p) {
        struct json_arena *a = active;

        if (p && a && owns(a, p))
                return;
        free(p);
}

static void install(void) {
        json_set_alloc_funcs(arena_malloc, arena_free);
}

void json_arena_begin(struct json_arena *a) {
        (void) pthread_once(&installed, install);
        active = a;
}

void json_arena_end(struct json_arena *a) {
        active = NULL;
        while (a->head && a->head->next) {
                struct json_arena_chunk *c = a->head;

                a->head = c->next;
                free(c);
        }
        if (a->head && a->head->size > CHUNK_FIRST) { /* one huge first allocation: not kept */
                free(a->head);
                a->head = NULL;
        }
        if (a->head)
                a->head->used = 0;
}

struct json_arena *json_arena_suspend(void) {
        struct json_arena *a = active;

        active = NULL;
        return a;
}

void json_arena_resume(struct json_arena *a) {
        active = a;
}

void json_arena_done(struct json_arena *a) {
        json_arena_end(a);
        free(a->head);
        a->head = NULL;
}
