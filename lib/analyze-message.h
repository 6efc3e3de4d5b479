/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* What an analysis child (analyze.c) sends its parent on its pipe.  The
 * child parsed the image, so the parent reads this as hostile: a child
 * taken over can send any bytes.
 *
 *   [ "W" note "\n" ]          a note (the sandbox ran without seccomp)
 *   then one of:
 *   "R" result                 the result, up to the pipe's end
 *   "E" message                an error; the exit status is its errno
 *   "C" message                the same, caused by the image's content
 *                              (struct error's content)
 *   "I" 16 hex digits "\n" n   a staged child's inventory (n bytes, the
 *                              digits' value), sent before it waits for
 *                              the parent's word; nothing may follow it
 */

#define ANALYSIS_STAGE_HEADER 18        /* "I", 16 hex digits, "\n" */

enum analysis_message_kind {
        ANALYSIS_MESSAGE_RESULT,        /* "R" */
        ANALYSIS_MESSAGE_ERROR,         /* "E" or "C" */
        ANALYSIS_MESSAGE_STAGE,         /* "I": its header and all n bytes */
        ANALYSIS_MESSAGE_NONE,          /* nothing, cut short, or not one of the above */
        _ANALYSIS_MESSAGE_KIND_MAX,
        _ANALYSIS_MESSAGE_KIND_INVALID = -1,
};

struct analysis_message {
        enum analysis_message_kind kind;
        const char *note;               /* the note's text (in s), NULL without one */
        size_t note_len;
        const char *body;               /* in s: the result, the error's text, the inventory; NULL for NONE */
        size_t body_len;
        size_t trailing;                /* STAGE: bytes after the inventory (none are allowed) */
        bool content;                   /* ERROR: "C", the image's content caused it */
};

/* Reads s (len bytes, what the child sent so far) without copying: a
 * stage whose n bytes have not all come, or whose n is over max, is NONE. */
void analysis_message_parse(const char *s, size_t len, size_t max, struct analysis_message *ret);

/* The header of a stage of n bytes, NUL-terminated. */
void analysis_message_stage_header(size_t n, char ret[ANALYSIS_STAGE_HEADER + 1]);
