/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/* A library loaded when first used (lib/curl-lazy.c, lib/crypto-lazy.c):
 * its versioned soname, else its unversioned name; NULL when neither loads. */
#include <dlfcn.h>

static inline void *lazy_dlopen(const char *soname, const char *name) {
        void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

        return h ? h : dlopen(name, RTLD_NOW | RTLD_LOCAL);
}

/* api.field = the symbol name of h, or return from the caller (a void
 * function) when h lacks it.  The pointer goes through a union: ISO C has
 * no cast from void * to a function pointer. */
#define LAZY_LOAD(h, api, field, name)                          \
        do {                                                    \
                union {                                         \
                        void *p;                                \
                        __typeof__((api).field) f;              \
                } u_ = { .p = dlsym((h), (name)) };             \
                if (!u_.p)                                      \
                        return;                                 \
                (api).field = u_.f;                             \
        } while (0)
