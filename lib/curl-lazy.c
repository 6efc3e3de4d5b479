/* SPDX-License-Identifier: Apache-2.0 */
/* libcurl, loaded when first used.  Linking it costs every process that
 * carries it about 4 ms at exec (its own dependencies: GnuTLS, Kerberos,
 * LDAP, libssh2, ...), and only 'portcullis db update' talks to the network;
 * every other command, and every timer-driven GC, paid for it.  These
 * definitions have libcurl's own names and signatures, so lib/update.c is
 * written against the ordinary API and the binary does not link libcurl.
 *
 * curl_easy_setopt() is variadic; its argument's type follows from the
 * option's number (curl.h: CURLOPTTYPE_LONG, _OBJECTPOINT, _FUNCTIONPOINT,
 * _OFF_T), so it is forwarded with that type. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>

#include "base/lazy.h"

#undef curl_easy_setopt
#undef curl_easy_getinfo

static struct {
        CURLcode (*global_init)(long);
        CURL *(*easy_init)(void);
        CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
        CURLcode (*easy_perform)(CURL *);
        CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
        void (*easy_cleanup)(CURL *);
        void (*easy_reset)(CURL *);
        const char *(*easy_strerror)(CURLcode);
        char *(*easy_escape)(CURL *, const char *, int);
        void (*free)(void *);
        struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
        void (*slist_free_all)(struct curl_slist *);
        CURLHcode (*easy_header)(CURL *, const char *, size_t, unsigned int, int, struct curl_header **);
        time_t (*getdate)(const char *, const time_t *);
} api;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;

#define LOAD(field, name) LAZY_LOAD(h, api, field, name)

static void load(void) {
        void *h = lazy_dlopen("libcurl.so.4", "libcurl.so");

        if (!h)
                return;
        LOAD(global_init, "curl_global_init");
        LOAD(easy_init, "curl_easy_init");
        LOAD(easy_setopt, "curl_easy_setopt");
        LOAD(easy_perform, "curl_easy_perform");
        LOAD(easy_getinfo, "curl_easy_getinfo");
        LOAD(easy_cleanup, "curl_easy_cleanup");
        LOAD(easy_reset, "curl_easy_reset");
        LOAD(easy_strerror, "curl_easy_strerror");
        LOAD(easy_escape, "curl_easy_escape");
        LOAD(free, "curl_free");
        LOAD(slist_append, "curl_slist_append");
        LOAD(slist_free_all, "curl_slist_free_all");
        LOAD(easy_header, "curl_easy_header");
        LOAD(getdate, "curl_getdate");
        loaded = 1;
}

static int ready(void) {
        pthread_once(&once, load);
        return loaded;
}

CURLcode curl_global_init(long flags) {
        return ready() ? api.global_init(flags) : CURLE_FAILED_INIT;
}

CURL *curl_easy_init(void) {
        return ready() ? api.easy_init() : NULL;
}

CURLcode curl_easy_setopt(CURL *c, CURLoption o, ...) {
        CURLcode r;
        va_list ap;

        if (!ready())
                return CURLE_FAILED_INIT;
        va_start(ap, o);
        if (o < CURLOPTTYPE_OBJECTPOINT)
                r = api.easy_setopt(c, o, va_arg(ap, long));
        else if (o < CURLOPTTYPE_FUNCTIONPOINT)
                r = api.easy_setopt(c, o, va_arg(ap, void *));
        else if (o < CURLOPTTYPE_OFF_T)
                r = api.easy_setopt(c, o, va_arg(ap, void (*)(void)));
        else
                r = api.easy_setopt(c, o, va_arg(ap, curl_off_t));
        va_end(ap);
        return r;
}

CURLcode curl_easy_perform(CURL *c) {
        return ready() ? api.easy_perform(c) : CURLE_FAILED_INIT;
}

CURLcode curl_easy_getinfo(CURL *c, CURLINFO info, ...) {
        CURLcode r;
        va_list ap;

        if (!ready())
                return CURLE_FAILED_INIT;
        va_start(ap, info);
        r = api.easy_getinfo(c, info, va_arg(ap, void *)); /* always a pointer to the result */
        va_end(ap);
        return r;
}

void curl_easy_cleanup(CURL *c) {
        if (ready())
                api.easy_cleanup(c);
}

void curl_easy_reset(CURL *c) {
        if (ready())
                api.easy_reset(c);
}

const char *curl_easy_strerror(CURLcode code) {
        return ready() ? api.easy_strerror(code) : "libcurl (libcurl.so.4) could not be loaded";
}

char *curl_easy_escape(CURL *c, const char *s, int len) {
        return ready() ? api.easy_escape(c, s, len) : NULL;
}

void curl_free(void *p) {
        if (ready())
                api.free(p);
}

struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s) {
        return ready() ? api.slist_append(l, s) : NULL;
}

void curl_slist_free_all(struct curl_slist *l) {
        if (ready())
                api.slist_free_all(l);
}

CURLHcode curl_easy_header(CURL *c, const char *name, size_t index, unsigned int origin, int request,
                           struct curl_header **hout) {
        return ready() ? api.easy_header(c, name, index, origin, request, hout) : CURLHE_NOHEADERS;
}

time_t curl_getdate(const char *p, const time_t *unused) {
        return ready() ? api.getdate(p, unused) : -1;
}
