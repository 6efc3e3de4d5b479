/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>

/* A per-thread bump allocator for jansson, for code that parses many small
 * documents one after the other (the OSV import: a million records, each a
 * tree of about 60 values).  Between json_arena_begin() and json_arena_end()
 * every jansson allocation of the calling thread comes from the arena and
 * jansson's frees of them cost nothing; json_arena_end() gives it all back at
 * once and keeps the first chunk for the next document.  Other threads, and
 * the calling thread outside that window, get malloc() and free() as usual
 * (the functions are installed once for the process and pass through).
 *
 * Rules: nothing jansson makes inside the window may outlive it (everything
 * parsed or built there is freed, or dropped, before json_arena_end()); what
 * it returns for the caller to free (json_dumps()) is the arena's too and
 * must not go to free() (dump with json_dump_callback() into a buffer of
 * your own instead).  A value made outside may be freed inside (that goes to
 * free()).  json_arena_suspend() and
 * json_arena_resume() bracket a callback that may keep what it builds. */
struct json_arena_chunk;

struct json_arena {
        struct json_arena_chunk *head;  /* the newest chunk; the first one is kept */
};

void json_arena_begin(struct json_arena *a);
void json_arena_end(struct json_arena *a);
struct json_arena *json_arena_suspend(void);
void json_arena_resume(struct json_arena *a);
/* Frees the kept chunk (after the last json_arena_end()). */
void json_arena_done(struct json_arena *a);
