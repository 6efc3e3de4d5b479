/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>

/* For a short-lived process (the hook on a miss, its analysis child):
 * allocations of any size come from the heap and nothing freed goes back
 * to the kernel (no mmap/munmap per large block, no trim: with two threads
 * on two CPUs each munmap or trim is a TLB shootdown of the other, on a VM
 * a hypercall; BENCHMARKS.md, "Session 25"). */
void heap_keep(void);

/* heap_keep(), and the heap's next `bytes` backed with memory at once
 * (MADV_POPULATE_WRITE; a kernel before 5.14 backs them as they are
 * touched): on the bench VM a page's first write costs 11-12 us, a page
 * populated in bulk under 1 us and then 4-5 us at its first touch
 * (BENCHMARKS.md, "Session 32"). */
void heap_populate(size_t bytes);

/* The whole pages of the block at p (bytes long) backed at once, as
 * heap_populate() does: for a fresh table the first use reads before it
 * writes (an open-addressing probe), where each page would take two
 * faults, the zero page's and then the write's, with a TLB shootdown of
 * the other threads' CPUs at each (BENCHMARKS.md, "Session 49"). */
void heap_back(void *p, size_t bytes);
