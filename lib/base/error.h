/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "base/macro.h"

/* The one error type (crun's libcrun_error_t, simplified): a negative errno
 * and a message that callers extend with context as it travels up.  Library
 * code fills it and returns the negative errno; only front ends print it.
 * The message is always one printable line (str_make_printable()): it
 * quotes file names and tokens of the files it is about. */
#define ERROR_MSG_MAX 2048

struct error {
        int code;                 /* negative errno, 0 when unset */
        bool content;             /* caused by the content of the image analysed, not by the node (analyze.c:
                                   * the hook's on_unchecked then decides it too); error_set*() clear it */
        char msg[ERROR_MSG_MAX];
};

/* Sets the error (code is an errno, either sign) and returns -abs(code).
 * err may be NULL. */
int error_set(struct error *err, int code, const char *fmt, ...) _printf_(3, 4);

/* Like error_set() but appends ": strerror(code)". */
int error_set_errno(struct error *err, int code, const char *fmt, ...) _printf_(3, 4);

/* Prefixes context ("what we were doing: ") to the message already set and
 * returns the stored negative code (or -EIO when none was set). */
int error_wrap(struct error *err, const char *fmt, ...) _printf_(2, 3);

void error_clear(struct error *err);
