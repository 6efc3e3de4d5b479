/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "base/strutil.h"

static int normalize(int code) {
        if (code == 0)
                return -EIO;
        return code < 0 ? code : -code;
}

_printf_(3, 0) static int error_setv(struct error *err, int code, const char *fmt, va_list ap) {
        code = normalize(code);
        if (!err)
                return code;
        err->code = code;
        err->content = false;
        (void) vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        str_make_printable(err->msg);   /* one line, no escapes: messages quote files' bytes (jansson's tokens) */
        return code;
}

int error_set(struct error *err, int code, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        code = error_setv(err, code, fmt, ap);
        va_end(ap);
        return code;
}

int error_set_errno(struct error *err, int code, const char *fmt, ...) {
        va_list ap;
        size_t n;

        va_start(ap, fmt);
        code = error_setv(err, code, fmt, ap);
        va_end(ap);
        if (!err)
                return code;
        n = strlen(err->msg);
        (void) snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(-code));
        return code;
}

int error_wrap(struct error *err, const char *fmt, ...) {
        char prefix[ERROR_MSG_MAX];
        size_t plen, olen;
        va_list ap;

        if (!err)
                return -EIO;
        if (err->code == 0)
                err->code = -EIO;
        va_start(ap, fmt);
        (void) vsnprintf(prefix, sizeof(prefix) - 2, fmt, ap);
        va_end(ap);
        strcat(prefix, ": ");

        /* Shift the old message right and put the prefix in front; what
         * doesn't fit is cut from the end (the innermost detail). */
        plen = strlen(prefix);
        olen = strnlen(err->msg, sizeof(err->msg) - 1);
        if (plen > sizeof(err->msg) - 1)
                plen = sizeof(err->msg) - 1;
        if (plen + olen > sizeof(err->msg) - 1)
                olen = sizeof(err->msg) - 1 - plen;
        memmove(err->msg + plen, err->msg, olen);
        memcpy(err->msg, prefix, plen);
        err->msg[plen + olen] = '\0';
        str_make_printable(err->msg);
        return err->code;
}

void error_clear(struct error *err) {
        if (!err)
                return;
        err->code = 0;
        err->content = false;
        err->msg[0] = '\0';
}
