/* SPDX-License-Identifier: Apache-2.0 */
/* An OCI distribution API client over libcurl's easy interface (loaded
 * lazily, lib/curl-lazy.c), and `portcullis db publish` on it; see
 * registry.h for the artifact.  The API: the distribution spec v1.1
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md):
 *
 *   HEAD  /v2/<name>/blobs/<digest>           200: there already
 *   POST  /v2/<name>/blobs/uploads/           202, Location: the session
 *   PATCH <location>  Content-Range: a-b      202, Location: the next one
 *   PUT   <location>?digest=<digest>          201: complete
 *   PUT   /v2/<name>/manifests/<tag>          201, Docker-Content-Digest
 *   HEAD/GET /v2/<name>/manifests/<tag>       Docker-Content-Digest
 *   GET   /v2/<name>/blobs/<digest>           the blob (maybe a redirect)
 *
 * and its auth: a 401 carries WWW-Authenticate; Basic is answered with the
 * credentials of the auth file, Bearer with a token from the realm
 * (GET realm?service=..&scope=.., with those credentials when there are
 * any).  The credentials are the registry's: a 401 from a host it
 * redirected to gets an anonymous token (reg_request()).  Only https. */
#include <curl/curl.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "portcullis-build.h"
#include "registry-internal.h"
#include "update-internal.h"
#include "update.h"
#include "vulndb.h"

#define AUTH_FILE_MAX ((size_t) 1 << 20)
#define MAX_REDIRS 5
#define TIMEOUT_S_DEFAULT 30
#define BLOB_TIME_MAX ((uint64_t) 7 * 24 * 3600)
/* A request body larger than this is a blob (an upload chunk); the largest
 * document sent is a manifest of a few KiB. */
#define DOCUMENT_BODY_MAX ((size_t) 1 << 20)

int pcdb_md_final(EVP_MD_CTX *md, char ret[72]) {
        unsigned char d[EVP_MAX_MD_SIZE];
        unsigned n = 0;

        if (EVP_DigestFinal_ex(md, d, &n) != 1 || n != 32)
                return -EIO;
        strcpy(ret, "sha256:");
        update_hex(d, n, ret + 7);
        return 0;
}

/* ---- the client --------------------------------------------------------------- */

void reg_sink_reset(struct reg_sink *k) {
        k->len = 0;
        k->too_big = false;
        k->mem.len = 0;
        if (k->mem.s)
                k->mem.s[0] = '\0';
        if (k->md)
                EVP_DigestInit_ex(k->md, EVP_sha256(), NULL);
}

bool reg_sink_feed(struct reg_sink *k, const void *buf, size_t n) {
        if (k->len + n > k->max) {
                k->too_big = true;
                return false;
        }
        if (k->md)
                EVP_DigestUpdate(k->md, buf, n);
        k->len += n;
        if (k->write)
                return k->write(buf, n, k->userdata) >= 0;
        if (strbuf_append(&k->mem, buf, n) < 0) {
                k->write_errno = ENOMEM;
                return false;
        }
        return true;
}

/* What the write callback sees: the handle (for the status) and the sink. */
struct xfer {
        CURL *curl;
        struct reg_sink *k;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata) {
        struct xfer *x = userdata;
        size_t n = size * nmemb;
        long status = 0;

        /* A 401's body is no part of the answer: the request is made again
         * into the same sink, whose writer (a blob's decompressor) can't
         * take back what it was given. */
        if (curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status == 401)
                return n;
        return reg_sink_feed(x->k, ptr, n) ? n : 0;
}

static char *header_value(CURL *curl, const char *name) {
        struct curl_header *h = NULL;

        if (curl_easy_header(curl, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK || !h->value || !*h->value)
                return NULL;
        return strdup(h->value);
}

void reg_resp_done(struct reg_resp *r) {
        free(r->location);
        free(r->digest);
        free(r->www_auth);
        *r = (struct reg_resp) {};
}

/* Credentials for host from a containers-auth.json / docker config.json:
 * {"auths": {"HOST[:PORT]": {"auth": "<base64 of user:password>"}}}, the
 * file `skopeo login --authfile`, `podman login` and `docker login` write. */
static int auth_file_load(struct reg_client *c, const char *path, struct error *err) {
        _cleanup_free_ char *buf = NULL;
        json_error_t jerr;
        json_t *doc, *e;
        const char *a;
        size_t len = 0;
        int q;

        if (!path)
                return 0;
        q = read_full_file(path, AUTH_FILE_MAX, &buf, &len, err);
        if (q < 0)
                return error_wrap(err, "the registry auth file (auth_file)");
        doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!doc)
                return error_set(err, EBADMSG, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        e = json_object_get(json_object_get(doc, "auths"), c->ref.host);
        a = json_string_value(json_object_get(e, "auth"));
        q = 0;
        if (e && (!a || !*a || strlen(a) > 4096 || a[strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                               "0123456789+/=")] != '\0'))
                q = error_set(err, EBADMSG, "%s: \"auths\".\"%s\".\"auth\" is not base64 of USER:PASSWORD", path,
                              c->ref.host);
        else if (a && !(c->basic = strdup(a)))
                q = error_set(err, ENOMEM, "out of memory");
        json_decref(doc);
        return q;
}

int reg_client_init(struct reg_client *c, const char *ref, const struct registry_settings *s, struct error *err) {
        int q;

        *c = (struct reg_client) { .s = s };
        q = oci_ref_parse(ref, &c->ref, err);
        if (q < 0)
                return q;
        if (asprintf(&c->base, "https://%s/v2/%s", c->ref.host, c->ref.repo) < 0)
                return error_set(err, ENOMEM, "out of memory");
        q = auth_file_load(c, s->auth_file, err);
        if (q < 0)
                return q;
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(c->curl = curl_easy_init()))
                return error_set(err, ENOMEM, "initialise libcurl (%s)", curl_easy_strerror(CURLE_FAILED_INIT));
        return 0;
}

void reg_client_done(struct reg_client *c) {
        if (c->curl)
                curl_easy_cleanup(c->curl);
        oci_ref_done(&c->ref);
        free(c->base);
        free(c->basic);
        free(c->bearer);
        *c = (struct reg_client) {};
}

/* Only the registry itself gets the credentials: a Location or redirect
 * to another host (blob storage) does not. */
static bool same_host(const struct reg_client *c, const char *url) {
        size_t n = strlen(c->ref.host);

        return startswith(url, "https://") && strncmp(url + 8, c->ref.host, n) == 0 &&
               (url[8 + n] == '/' || url[8 + n] == '\0' || url[8 + n] == '?');
}

/* The Authorization header of a request to the registry, or NULL: the
 * token it gave, or the credentials when it asked for Basic.  Only the
 * registry itself gets them: a Location or redirect to another host (blob
 * storage) does not (libcurl drops a custom Authorization header on a
 * redirect to another host or port, CVE-2018-1000007, CVE-2022-27776). */
static const char *registry_auth(const struct reg_client *c, const char *url, char *buf, size_t n) {
        if (!same_host(c, url) || !(c->bearer || (c->basic && c->use_basic)))
                return NULL;
        snprintf(buf, n, "%s %s", c->bearer ? "Bearer" : "Basic", c->bearer ? c->bearer : c->basic);
        return buf;
}

static unsigned timeout_s(const struct reg_client *c) {
        return c->s->timeout_s ? c->s->timeout_s : TIMEOUT_S_DEFAULT;
}

/* A blob exchange: a layer streamed to its writer, or an upload chunk.
 * Anything else is a document: a manifest, config, signature, token or an
 * error's explanation, kept in memory. */
static bool is_blob(const struct reg_req *rq, const struct reg_sink *k) {
        return k->write || rq->body_len > DOCUMENT_BODY_MAX;
}

/* How long a blob exchange may take at most: timeout_s and its size at the
 * floor's speed. */
static long blob_time_max(const struct reg_client *c, const struct reg_req *rq, const struct reg_sink *k) {
        uint64_t bytes = (k->write ? k->max : 0) + rq->body_len;
        uint64_t t = bytes / UPDATE_FLOOR_BPS > BLOB_TIME_MAX ? BLOB_TIME_MAX : timeout_s(c) + bytes / UPDATE_FLOOR_BPS;

        return (long) t;
}

/* The time limits, from update.timeout_s (T).  Connecting takes at most T.
 * A document comes whole within T: a registry that drips it (or stops
 * after a part) can't hold the update, and the next source, back; the
 * stall limit alone (libcurl's low-speed limit, as lib/update.c sets it
 * for http(s) sources) let a few bytes a second go on for hours.  A blob
 * may be slow, but not slower than UPDATE_FLOOR_BPS over T seconds, and not
 * longer than blob_time_max(). */
static void set_limits(const struct reg_client *c, const struct reg_req *rq, const struct reg_sink *k) {
        long t = (long) timeout_s(c);

        curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, t);
        if (!is_blob(rq, k)) {
                curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, t);
                return;
        }
        curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_LIMIT, (long) UPDATE_FLOOR_BPS);
        curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_TIME, t);
        curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, blob_time_max(c, rq, k));
}

static int prepare(struct reg_client *c, const struct reg_req *rq, const char *auth, struct xfer *x,
                   struct curl_slist **hdrs) {
        CURL *h = c->curl;
        char line[20000];

        curl_easy_reset(h);
        if (curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK ||
            curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https") != CURLE_OK)
                return -ENOTSUP;
        curl_easy_setopt(h, CURLOPT_URL, rq->url);
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, rq->follow ? 1L : 0L);
        curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long) MAX_REDIRS);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        set_limits(c, rq, x->k);
        curl_easy_setopt(h, CURLOPT_USERAGENT, "portcullis/" PORTCULLIS_VERSION);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->curl_err);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
        if (c->s->proxy)
                curl_easy_setopt(h, CURLOPT_PROXY, c->s->proxy);
        if (c->s->ca_file)
                curl_easy_setopt(h, CURLOPT_CAINFO, c->s->ca_file);
        if (strcmp(rq->method, "HEAD") == 0)
                curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
        else if (strcmp(rq->method, "GET") != 0) {
                curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
                curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) rq->body_len);
                curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method);
        }
        *hdrs = curl_slist_append(*hdrs, "Expect:");
        if (rq->content_type && snprintf(line, sizeof(line), "Content-Type: %s", rq->content_type) > 0)
                *hdrs = curl_slist_append(*hdrs, line);
        if (rq->accept && snprintf(line, sizeof(line), "Accept: %s", rq->accept) > 0)
                *hdrs = curl_slist_append(*hdrs, line);
        if (rq->range && snprintf(line, sizeof(line), "Content-Range: %s", rq->range) > 0)
                *hdrs = curl_slist_append(*hdrs, line);
        if (auth && snprintf(line, sizeof(line), "Authorization: %s", auth) > 0)
                *hdrs = curl_slist_append(*hdrs, line);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
        return 0;
}

/* The registry's own words on an error: {"errors": [{"code", "message"}]}. */
static void error_detail(const struct reg_sink *k, char *ret, size_t n) {
        json_t *doc = k->mem.s ? json_loadb(k->mem.s, k->mem.len, 0, NULL) : NULL;
        json_t *e = json_array_get(json_object_get(doc, "errors"), 0);
        const char *code = json_string_value(json_object_get(e, "code"));
        const char *msg = json_string_value(json_object_get(e, "message"));

        ret[0] = '\0';
        if (code || msg)
                snprintf(ret, n, " (%.100s: %.300s)", strna(code), strna(msg));
        json_decref(doc);
}

static int timeout_error(struct reg_client *c, const struct reg_req *rq, const struct reg_sink *k,
                         struct error *err) {
        const char *why = c->curl_err[0] ? c->curl_err : curl_easy_strerror(CURLE_OPERATION_TIMEDOUT);
        curl_off_t started = 0;

        /* a blob's limits once its transfer began (on a new connection or
         * one kept from an earlier request); before, the document's */
        if (is_blob(rq, k) && curl_easy_getinfo(c->curl, CURLINFO_PRETRANSFER_TIME_T, &started) == CURLE_OK &&
            started > 0)
                return error_set(err, ETIMEDOUT, "%s %s: %s: slower than %llu KiB/s for %u s, or not complete within "
                                 "%ld s: a blob must keep that speed over any 'update.timeout_s' (config.json) "
                                 "seconds and take at most timeout_s and its size at that speed (a larger timeout_s "
                                 "bears longer slow spells)", rq->method, rq->url, why,
                                 (unsigned long long) UPDATE_FLOOR_BPS >> 10, timeout_s(c), blob_time_max(c, rq, k));
        return error_set(err, ETIMEDOUT, "%s %s: %s: no answer within %u s ('update.timeout_s' in config.json: a "
                         "manifest, config, signature or token comes whole within it)", rq->method, rq->url, why,
                         timeout_s(c));
}

static int perform(struct reg_client *c, const struct reg_req *rq, const char *auth, struct reg_sink *k,
                   struct reg_resp *ret, struct error *err) {
        struct xfer x = { .curl = c->curl, .k = k };
        struct curl_slist *hdrs = NULL;
        CURLcode cc;
        int q;

        reg_sink_reset(k);
        q = prepare(c, rq, auth, &x, &hdrs);
        if (q < 0) {
                curl_slist_free_all(hdrs);
                return error_set(err, ENOTSUP, "libcurl lacks CURLOPT_PROTOCOLS_STR (7.85 or later is needed)");
        }
        c->curl_err[0] = '\0';
        cc = curl_easy_perform(c->curl);
        curl_slist_free_all(hdrs);
        c->requests++;
        if (k->too_big)
                return error_set(err, E2BIG, "%s %s: the answer is larger than the limit of %llu bytes", rq->method,
                                 rq->url, (unsigned long long) k->max);
        if (k->write_errno)
                return error_set_errno(err, k->write_errno, "%s %s: store the answer", rq->method, rq->url);
        if (cc == CURLE_OPERATION_TIMEDOUT)
                return timeout_error(c, rq, k, err);
        if (cc != CURLE_OK)
                return error_set(err, EHOSTUNREACH, "%s %s: %s", rq->method, rq->url,
                                 c->curl_err[0] ? c->curl_err : curl_easy_strerror(cc));
        *ret = (struct reg_resp) {};
        curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &ret->status);
        ret->location = header_value(c->curl, "Location");
        ret->digest = header_value(c->curl, "Docker-Content-Digest");
        ret->www_auth = header_value(c->curl, "WWW-Authenticate");
        return 0;
}

/* A token from the challenge's realm: GET realm?service=..&scope=.., with
 * basic (the auth file's credentials) or anonymous (NULL).  from: NULL for
 * the registry's own challenge, else the URL of the host that challenged. */
static int fetch_token(struct reg_client *c, const struct oci_challenge *ch, const char *basic, const char *from,
                       char **ret, struct error *err) {
        struct reg_sink k = { .max = OCI_TOKEN_MAX, .mem = { .max = OCI_TOKEN_MAX + 1 } };
        _cleanup_(reg_resp_done) struct reg_resp resp = {};
        _cleanup_free_ char *url = NULL, *auth = NULL;
        char *svc = ch->service ? curl_easy_escape(c->curl, ch->service, 0) : NULL;
        char *scope = ch->scope ? curl_easy_escape(c->curl, ch->scope, 0) : NULL;
        int q;

        q = asprintf(&url, "%s%sservice=%s%s%s", ch->realm, strchr(ch->realm, '?') ? "&" : "?", strempty(svc),
                     scope ? "&scope=" : "", strempty(scope));
        curl_free(svc);
        curl_free(scope);
        if (q < 0 || (basic && asprintf(&auth, "Basic %s", basic) < 0))
                return error_set(err, ENOMEM, "out of memory");
        q = perform(c, &(struct reg_req) { .method = "GET", .url = url, .follow = true, .token = true }, auth, &k,
                    &resp, err);
        if (q >= 0 && resp.status != 200 && from)
                q = error_set(err, EACCES, "the token endpoint %s answers HTTP %ld to an anonymous request: it was "
                              "named by %s, a host the registry %s redirected to, and the credentials of the auth "
                              "file go only to %s", ch->realm, resp.status, from, c->ref.host, c->ref.host);
        else if (q >= 0 && resp.status != 200)
                q = error_set(err, EACCES, "the token endpoint %s answers HTTP %ld%s", ch->realm, resp.status,
                              basic ? "; are the credentials of the auth file right?" :
                                      "; the registry needs credentials: add them to the auth file (auth_file)");
        if (q >= 0)
                q = oci_token_parse(k.mem.s ? k.mem.s : "", k.mem.len, ch->realm, ret, err);
        strbuf_done(&k.mem);
        return q;
}

/* The registry's own challenge: its token service gets the credentials
 * (basic), whatever the realm's host, as docker and containerd do. */
static int registry_challenge(struct reg_client *c, const struct reg_req *rq, const struct oci_challenge *ch,
                              struct error *err) {
        if (!ch->bearer && !c->basic)
                return error_set(err, EACCES, "%s %s: HTTP 401: the registry needs credentials: add {\"auths\": "
                                 "{\"%s\": {\"auth\": \"<base64 of USER:PASSWORD>\"}}} to the auth file "
                                 "('update.auth_file' in config.json, or --authfile)", rq->method, rq->url,
                                 c->ref.host);
        c->use_basic = !ch->bearer;
        if (!ch->bearer)
                return 0;
        free(c->bearer);
        c->bearer = NULL;
        return fetch_token(c, ch, c->basic, NULL, &c->bearer, err);
}

/* A challenge from a host the registry redirected to (blob storage).
 * Credentials are those of the host that challenged (containerd's
 * remotes/docker/authorizer.go looks them up by the challenging host), and
 * the auth file's are the registry's: a Bearer challenge gets an anonymous
 * token, sent to that host only (*ret_auth); a Basic one can't be
 * answered. */
static int redirect_challenge(struct reg_client *c, const struct reg_req *rq, const char *from,
                              const struct oci_challenge *ch, char **ret_auth, struct error *err) {
        _cleanup_free_ char *token = NULL;
        int q;

        if (!ch->bearer)
                return error_set(err, EACCES, "%s %s: redirected to %s, which answers HTTP 401 asking for Basic "
                                 "credentials: the credentials of the auth file go only to %s; the registry's "
                                 "storage must accept its redirects as they are (signed URLs)", rq->method, rq->url,
                                 from, c->ref.host);
        q = fetch_token(c, ch, NULL, from, &token, err);
        if (q < 0)
                return q;
        if (asprintf(ret_auth, "Bearer %s", token) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

/* One request; a 401 is answered (basic credentials or a token) and the
 * request made once more: at the registry with its credentials, or, when
 * a host it redirected to challenged, at that host with its own token. */
int reg_request(struct reg_client *c, const struct reg_req *rq, struct reg_sink *k, struct reg_resp *ret,
                struct error *err) {
        _cleanup_free_ char *from = NULL, *other_auth = NULL;
        struct oci_challenge ch = {};
        struct reg_req again = *rq;
        char auth[8192];
        char *url = NULL;
        int q;

        q = perform(c, rq, registry_auth(c, rq->url, auth, sizeof(auth)), k, ret, err);
        if (q < 0 || ret->status != 401)
                return q;
        if (!ret->www_auth)
                return error_set(err, EACCES, "%s %s: HTTP 401 without a WWW-Authenticate challenge", rq->method,
                                 rq->url);
        /* who challenged: the registry, or a host it redirected to */
        if (curl_easy_getinfo(c->curl, CURLINFO_EFFECTIVE_URL, &url) != CURLE_OK || !url || !(from = strdup(url)))
                return error_set(err, ENOMEM, "out of memory");
        q = oci_challenge_parse(ret->www_auth, &ch, err);
        if (q < 0)
                return error_wrap(err, "%s %s", rq->method, from);
        if (same_host(c, from))
                q = registry_challenge(c, rq, &ch, err);
        else
                q = redirect_challenge(c, rq, from, &ch, &other_auth, err);
        oci_challenge_done(&ch);
        if (q < 0)
                return q;
        reg_resp_done(ret);
        if (other_auth)
                again.url = from;
        q = perform(c, &again, other_auth ? other_auth : registry_auth(c, again.url, auth, sizeof(auth)), k, ret,
                    err);
        if (q >= 0 && ret->status == 401)
                q = error_set(err, EACCES, "%s %s: HTTP 401 after authenticating: the credentials are refused or "
                              "lack the permission", again.method, again.url);
        return q;
}

/* An unexpected status, with the registry's explanation. */
int reg_status_error(const struct reg_req *rq, const struct reg_resp *resp, const struct reg_sink *k,
                     struct error *err) {
        char detail[512];

        error_detail(k, detail, sizeof(detail));
        return error_set(err, resp->status == 404 ? ENOENT : EPROTO, "%s %s: HTTP %ld%s", rq->method, rq->url,
                         resp->status, detail);
}
