/* SPDX-License-Identifier: Apache-2.0 */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "heap.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

void heap_keep(void) {
        (void) mallopt(M_MMAP_THRESHOLD, 64 * 1024 * 1024);
        (void) mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
}

/* A block of that size, populated and freed: it stays the heap's top,
 * which the next allocations are carved from. */
void heap_populate(size_t bytes) {
        char *p;

        heap_keep();
        if (!(p = malloc(bytes)))
                return;
        heap_back(p, bytes);
        free(p);
}

void heap_back(void *p, size_t bytes) {
        uintptr_t page = (uintptr_t) sysconf(_SC_PAGESIZE), from, to;

        from = ((uintptr_t) p + page - 1) & ~(page - 1);
        to = ((uintptr_t) p + bytes) & ~(page - 1);
        if (to > from)
                (void) madvise((void *) from, to - from, MADV_POPULATE_WRITE);
}
