/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

/* Cleanup helpers in the systemd style: a variable declared with one of these
 * is released when it leaves scope; TAKE_PTR()/TAKE_FD() hand ownership on. */
#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _nonnull_(...) __attribute__((nonnull(__VA_ARGS__)))

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

/* Closes *fd and marks it closed (-EBADF): a cleanup after an explicit
 * closep() of the same variable then closes nothing (it closed the number
 * again, which may by then be another file's). */
static inline void closep(int *fd) {
        if (*fd >= 0)
                (void) close(*fd);
        *fd = -EBADF;
}
#define _cleanup_close_ _cleanup_(closep)

#define TAKE_PTR(p)                        \
        ({                                 \
                __typeof__(p) _tp_ = (p);  \
                (p) = NULL;                \
                _tp_;                      \
        })

#define TAKE_FD(fd)                \
        ({                         \
                int _tf_ = (fd);   \
                (fd) = -EBADF;     \
                _tf_;              \
        })

/* Declares name##p(type *p) that calls func(*p) when it is not NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func) \
        static inline void func##p(type *p) {   \
                if (*p)                         \
                        func(*p);               \
        }

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
/* A macro's value as a string literal. */
#define STR_(x) #x
#define STR(x) STR_(x)

#define STRLEN(s) (sizeof(s) - 1)

static inline const char *strempty(const char *s) {
        return s ? s : "";
}
static inline const char *strna(const char *s) {
        return s ? s : "n/a";
}
