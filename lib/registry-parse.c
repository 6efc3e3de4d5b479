/* SPDX-License-Identifier: Apache-2.0 */
/* Parsers of what a registry or an OCI archive hands us (registry.h): the
 * reference, the manifest, the config, WWW-Authenticate, the token answer
 * and an image layout's index.json.  All of it is untrusted: every input
 * has a cap and every error names the field (fuzz/fuzz-oci-artifact.c). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "registry.h"
#include "update-internal.h"

#define REF_MAX 1024
#define TAG_MAX 128

void oci_ref_done(struct oci_ref *r) {
        free(r->host);
        free(r->repo);
        free(r->tag);
        free(r->digest);
        *r = (struct oci_ref) {};
}

static bool digest_ok(const char *s) {
        if (!s || !startswith(s, "sha256:") || strlen(s) != 7 + 64)
                return false;
        for (s += 7; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
                        return false;
        return true;
}

/* Repository names per the distribution spec: path components of
 * [a-z0-9]+ joined by '.', '_', '__' or '-'s (checked loosely: the
 * characters and no empty, leading or trailing separator). */
static bool repo_ok(const char *s, size_t n) {
        bool sep = true;

        if (n == 0)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

                if (!alnum && c != '.' && c != '_' && c != '-' && c != '/')
                        return false;
                if (c == '/' && sep)
                        return false;
                if (!alnum && sep && i == 0)
                        return false;
                sep = !alnum;
        }
        return !sep;
}

static bool tag_ok(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > TAG_MAX || !(isalnum_ascii(s[0]) || s[0] == '_'))
                return false;
        for (size_t i = 1; i < n; i++)
                if (!(isalnum_ascii(s[i]) || s[i] == '_' || s[i] == '.' || s[i] == '-'))
                        return false;
        return true;
}

static bool host_ok(const char *s, size_t n) {
        if (n == 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!(isalnum_ascii(s[i]) || s[i] == '.' || s[i] == '-' || s[i] == ':' || s[i] == '[' || s[i] == ']'))
                        return false;
        return true;
}

int oci_ref_parse(const char *s, struct oci_ref *ret, struct error *err) {
        struct oci_ref r = {};
        const char *p, *slash, *at, *colon;
        size_t n;

        if (!startswith(s, "oci://") || strlen(s) > REF_MAX)
                return error_set(err, EINVAL, "'%s' is not an OCI reference (oci://HOST[:PORT]/REPOSITORY[:TAG])", s);
        p = s + STRLEN("oci://");
        slash = strchr(p, '/');
        if (!slash && host_ok(p, strlen(p)))    /* "oci://registry:5000" */
                return error_set(err, EINVAL, "'%s': no repository after the registry host "
                                 "(oci://HOST[:PORT]/REPOSITORY[:TAG])", s);
        if (!slash || !host_ok(p, (size_t) (slash - p)))
                return error_set(err, EINVAL, "'%s': no registry host before the repository "
                                 "(oci://HOST[:PORT]/REPOSITORY[:TAG])", s);
        at = strchr(slash, '@');
        colon = strrchr(slash, ':');
        if (colon && at && colon > at)
                colon = NULL;
        n = at ? (size_t) (at - slash - 1) : colon ? (size_t) (colon - slash - 1) : strlen(slash + 1);
        if (!repo_ok(slash + 1, n))
                return error_set(err, EINVAL, "'%s': the repository name must be lowercase letters, digits and "
                                 "'.', '_', '-', '/' separators", s);
        r.host = strndup(p, (size_t) (slash - p));
        r.repo = strndup(slash + 1, n);
        if (at)
                r.digest = strdup(at + 1);
        else
                r.tag = strdup(colon ? colon + 1 : "latest");
        if (!r.host || !r.repo || (!r.digest && !r.tag)) {
                oci_ref_done(&r);
                return error_set(err, ENOMEM, "out of memory");
        }
        if ((r.digest && !digest_ok(r.digest)) || (r.tag && !tag_ok(r.tag))) {
                oci_ref_done(&r);
                return error_set(err, EINVAL, "'%s': the tag must be 1 to %d letters, digits, '_', '.' or '-', a "
                                 "digest 'sha256:' and 64 lowercase hex digits", s, TAG_MAX);
        }
        *ret = r;
        return 0;
}

/* ---- descriptors ------------------------------------------------------------ */

void oci_descriptor_done(struct oci_descriptor *d) {
        free(d->media_type);
        *d = (struct oci_descriptor) {};
}

static int descriptor_parse(json_t *o, const char *where, const char *field, struct oci_descriptor *ret,
                            struct error *err) {
        const char *mt = json_string_value(json_object_get(o, "mediaType"));
        const char *dg = json_string_value(json_object_get(o, "digest"));
        json_t *size = json_object_get(o, "size");

        if (!json_is_object(o))
                return error_set(err, EBADMSG, "%s: \"%s\" is not a descriptor object", where, field);
        if (!mt || !*mt || strlen(mt) > 255)
                return error_set(err, EBADMSG, "%s: \"%s.mediaType\" is missing or not a media type", where, field);
        if (!digest_ok(dg))
                return error_set(err, EBADMSG, "%s: \"%s.digest\" is missing or not \"sha256:\" and 64 lowercase "
                                 "hex digits", where, field);
        if (!json_is_integer(size) || json_integer_value(size) < 0)
                return error_set(err, EBADMSG, "%s: \"%s.size\" is missing or not a size in bytes", where, field);
        if (!(ret->media_type = strdup(mt)))
                return error_set(err, ENOMEM, "out of memory");
        snprintf(ret->digest, sizeof(ret->digest), "%s", dg);
        ret->size = (uint64_t) json_integer_value(size);
        return 0;
}

static json_t *load(const char *buf, size_t len, size_t max, const char *where, struct error *err) {
        json_error_t jerr;
        json_t *doc;

        if (len > max) {
                error_set(err, E2BIG, "%s: %zu bytes, more than the limit of %zu", where, len, max);
                return NULL;
        }
        doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!doc)
                error_set(err, EBADMSG, "%s:%d:%d: %s", where, jerr.line, jerr.column, jerr.text);
        else if (!json_is_object(doc)) {
                error_set(err, EBADMSG, "%s: not a JSON object", where);
                json_decref(doc);
                return NULL;
        }
        return doc;
}

/* ---- the manifest ------------------------------------------------------------ */

void pcdb_manifest_done(struct pcdb_manifest *m) {
        oci_descriptor_done(&m->config);
        oci_descriptor_done(&m->layer);
        oci_descriptor_done(&m->sig);
}

static int manifest_fields(json_t *doc, const char *where, struct pcdb_manifest *m, struct error *err) {
        json_t *layers = json_object_get(doc, "layers"), *l;
        const char *mt = json_string_value(json_object_get(doc, "mediaType"));
        const char *at = json_string_value(json_object_get(doc, "artifactType"));
        size_t i;
        int q;

        if (json_integer_value(json_object_get(doc, "schemaVersion")) != 2)
                return error_set(err, EBADMSG, "%s: \"schemaVersion\" is not 2", where);
        if (mt && strcmp(mt, OCI_MANIFEST_TYPE) != 0)
                return error_set(err, EBADMSG, "%s: \"mediaType\" is %s, not an OCI image manifest (" OCI_MANIFEST_TYPE
                                 ")", where, mt);
        if ((q = descriptor_parse(json_object_get(doc, "config"), where, "config", &m->config, err)) < 0)
                return q;
        if (!streq_ptr(at, PCDB_ARTIFACT_TYPE) && strcmp(m->config.media_type, PCDB_CONFIG_TYPE) != 0)
                return error_set(err, EBADMSG, "%s: \"artifactType\" is %s, not " PCDB_ARTIFACT_TYPE "; is this "
                                 "reference a Portcullis DB (pushed by 'portcullis db publish')?", where, strna(at));
        if (strcmp(m->config.media_type, PCDB_CONFIG_TYPE) != 0)
                return error_set(err, EBADMSG, "%s: \"config.mediaType\" is %s, not " PCDB_CONFIG_TYPE, where,
                                 m->config.media_type);
        if (!json_is_array(layers) || json_array_size(layers) > OCI_DESCRIPTORS_MAX)
                return error_set(err, EBADMSG, "%s: \"layers\" is missing, not an array or longer than %d", where,
                                 OCI_DESCRIPTORS_MAX);
        json_array_foreach(layers, i, l) {
                struct oci_descriptor d = {};
                char field[32];

                snprintf(field, sizeof(field), "layers[%zu]", i);
                if ((q = descriptor_parse(l, where, field, &d, err)) < 0)
                        return q;
                if (strcmp(d.media_type, PCDB_LAYER_TYPE) == 0 && !m->layer.media_type)
                        m->layer = d;
                else if (strcmp(d.media_type, PCDB_SIG_TYPE) == 0 && !m->sig.media_type)
                        m->sig = d;
                else {
                        oci_descriptor_done(&d);
                        return error_set(err, EBADMSG, "%s: \"%s.mediaType\" is unexpected here (one " PCDB_LAYER_TYPE
                                         " and one " PCDB_SIG_TYPE " layer)", where, field);
                }
        }
        if (!m->layer.media_type)
                return error_set(err, EBADMSG, "%s: \"layers\" has no " PCDB_LAYER_TYPE " layer", where);
        if (!m->sig.media_type)
                return error_set(err, EBADMSG, "%s: \"layers\" has no " PCDB_SIG_TYPE " layer: the artifact is not "
                                 "signed (publish it with 'portcullis db publish --key KEY')", where);
        return 0;
}

int pcdb_manifest_parse(const char *buf, size_t len, const char *where, struct pcdb_manifest *ret,
                        struct error *err) {
        struct pcdb_manifest m = {};
        json_t *doc = load(buf, len, OCI_MANIFEST_MAX, where, err);
        int q;

        if (!doc)
                return -EBADMSG;
        q = manifest_fields(doc, where, &m, err);
        json_decref(doc);
        if (q < 0) {
                pcdb_manifest_done(&m);
                return q;
        }
        *ret = m;
        return 0;
}

/* ---- the config ------------------------------------------------------------- */

void pcdb_config_done(struct pcdb_config *c) {
        free(c->revision);
        free(c->data_time);
        json_decref(c->ecosystems);
        *c = (struct pcdb_config) {};
}

static int config_time(json_t *doc, const char *key, const char *where, int64_t *ret, struct error *err) {
        const char *v = json_string_value(json_object_get(doc, key));
        struct osv_time t;

        if (!v || update_parse_time(v, strlen(v), &t) < 0)
                return error_set(err, EBADMSG, "%s: \"%s\" is missing or not an RFC 3339 time", where, key);
        *ret = t.s;
        return 0;
}

static int config_blob(json_t *doc, const char *key, const char *where, char digest[72], uint64_t *size,
                       struct error *err) {
        json_t *o = json_object_get(doc, key);
        const char *d = json_string_value(json_object_get(o, "digest"));
        json_t *n = json_object_get(o, "size");

        if (!digest_ok(d))
                return error_set(err, EBADMSG, "%s: \"%s.digest\" is missing or not \"sha256:\" and 64 lowercase "
                                 "hex digits", where, key);
        if (!json_is_integer(n) || json_integer_value(n) < 0)
                return error_set(err, EBADMSG, "%s: \"%s.size\" is missing or not a size in bytes", where, key);
        snprintf(digest, 72, "%s", d);
        *size = (uint64_t) json_integer_value(n);
        return 0;
}

/* "ecosystems": the records per ecosystem (db publish writes them), for
 * the shrink check of each; absent in an artifact that names none. */
static int config_ecosystems(json_t *doc, const char *where, struct pcdb_config *c, struct error *err) {
        json_t *ecos = json_object_get(doc, "ecosystems"), *n;
        const char *name;

        if (!ecos || json_is_null(ecos))
                return 0;
        if (!json_is_object(ecos))
                return error_set(err, EBADMSG, "%s: \"ecosystems\" is not an object of record counts", where);
        json_object_foreach(ecos, name, n)
                if (!*name || !json_is_integer(n) || json_integer_value(n) < 0)
                        return error_set(err, EBADMSG, "%s: \"ecosystems\" has an empty name or a count that is "
                                         "not a whole number of 0 or more", where);
        c->ecosystems = json_incref(ecos);
        return 0;
}

static int config_fields(json_t *doc, const char *where, struct pcdb_config *c, struct error *err) {
        const char *rev = json_string_value(json_object_get(doc, "revision"));
        const char *dt = json_string_value(json_object_get(doc, "data_time"));
        json_t *records = json_object_get(doc, "records");
        struct osv_time t;
        int q;

        if (!rev || !*rev || strlen(rev) >= 80)
                return error_set(err, EBADMSG, "%s: \"revision\" is missing or longer than 79 bytes", where);
        if (!json_is_integer(records) || json_integer_value(records) < 0)
                return error_set(err, EBADMSG, "%s: \"records\" is missing or not a count", where);
        if (dt && update_parse_time(dt, strlen(dt), &t) < 0)
                return error_set(err, EBADMSG, "%s: \"data_time\" is not an RFC 3339 time", where);
        if ((q = config_time(doc, "created", where, &c->created, err)) < 0 ||
            (q = config_time(doc, "expires", where, &c->expires, err)) < 0 ||
            (q = config_blob(doc, "database", where, c->db_digest, &c->db_size, err)) < 0 ||
            (q = config_blob(doc, "layer", where, c->layer_digest, &c->layer_size, err)) < 0 ||
            (q = config_ecosystems(doc, where, c, err)) < 0)
                return q;
        if (c->expires <= c->created)
                return error_set(err, EBADMSG, "%s: \"expires\" is not after \"created\"", where);
        c->records = (uint64_t) json_integer_value(records);
        if (!(c->revision = strdup(rev)) || (dt && !(c->data_time = strdup(dt))))
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

int pcdb_config_parse(const char *buf, size_t len, const char *where, struct pcdb_config *ret, struct error *err) {
        struct pcdb_config c = {};
        json_t *doc = load(buf, len, PCDB_CONFIG_MAX, where, err);
        int q;

        if (!doc)
                return -EBADMSG;
        q = config_fields(doc, where, &c, err);
        json_decref(doc);
        if (q < 0) {
                pcdb_config_done(&c);
                return q;
        }
        *ret = c;
        return 0;
}

/* ---- WWW-Authenticate ---------------------------------------------------------- */

void oci_challenge_done(struct oci_challenge *c) {
        free(c->realm);
        free(c->service);
        free(c->scope);
        *c = (struct oci_challenge) {};
}

/* One auth-param: token "=" ( token / quoted-string ); returns the end. */
static const char *param(const char *p, char **ret_key, char **ret_value) {
        struct strbuf v = { .max = OCI_CHALLENGE_MAX };
        const char *k = p;

        while (*p && *p != '=' && *p != ',' && *p != ' ')
                p++;
        if (*p != '=' || p == k)
                return NULL;
        *ret_key = strndup(k, (size_t) (p - k));
        p++;
        if (*p == '"') {
                for (p++; *p && *p != '"'; p++) {
                        if (*p == '\\' && p[1])
                                p++;
                        if (strbuf_append(&v, p, 1) < 0)
                                break;
                }
                if (*p != '"') {
                        strbuf_done(&v);
                        return NULL;
                }
                p++;
        } else {
                const char *s = p;

                while (*p && *p != ',' && *p != ' ')
                        p++;
                if (strbuf_append(&v, s, (size_t) (p - s)) < 0) {
                        strbuf_done(&v);
                        return NULL;
                }
        }
        *ret_value = strbuf_steal(&v);
        return p;
}

static int challenge_params(const char *p, struct oci_challenge *c, struct error *err) {
        while (*p) {
                _cleanup_free_ char *key = NULL, *value = NULL;
                char **slot;

                while (*p == ' ' || *p == ',' || *p == '\t')
                        p++;
                if (!*p)
                        break;
                p = param(p, &key, &value);
                if (!p || !key || !value)
                        return error_set(err, EBADMSG, "WWW-Authenticate: a parameter is not key=value or key=\"value\"");
                slot = strcaseeq(key, "realm") ? &c->realm : strcaseeq(key, "service") ? &c->service
                       : strcaseeq(key, "scope") ? &c->scope : NULL;
                if (slot && *slot)
                        return error_set(err, EBADMSG, "WWW-Authenticate: \"%s\" is given twice", key);
                if (slot)
                        *slot = TAKE_PTR(value);
        }
        return 0;
}

int oci_challenge_parse(const char *s, struct oci_challenge *ret, struct error *err) {
        struct oci_challenge c = {};
        int q;

        if (!s || strlen(s) > OCI_CHALLENGE_MAX)
                return error_set(err, EBADMSG, "WWW-Authenticate: missing or longer than %d bytes", OCI_CHALLENGE_MAX);
        if (strncasecmp(s, "Bearer ", 7) == 0)
                c.bearer = true;
        else if (strncasecmp(s, "Basic", 5) != 0 || (s[5] && s[5] != ' '))
                return error_set(err, ENOTSUP, "WWW-Authenticate: the scheme of '%.64s' is neither Basic nor Bearer", s);
        q = challenge_params(s + (c.bearer ? 7 : 5), &c, err);
        if (q >= 0 && c.bearer && (!c.realm || !startswith(c.realm, "https://")))
                q = error_set(err, EBADMSG, "WWW-Authenticate: a Bearer challenge without an https:// \"realm\" "
                              "(the token endpoint)");
        if (q < 0) {
                oci_challenge_done(&c);
                return q;
        }
        *ret = c;
        return 0;
}

int oci_token_parse(const char *buf, size_t len, const char *where, char **ret, struct error *err) {
        json_t *doc = load(buf, len, OCI_TOKEN_MAX, where, err);
        const char *t;
        int q = 0;

        if (!doc)
                return -EBADMSG;
        t = json_string_value(json_object_get(doc, "token"));
        if (!t)
                t = json_string_value(json_object_get(doc, "access_token"));
        if (!t || !*t || strlen(t) > 16384 || strpbrk(t, "\r\n"))
                q = error_set(err, EBADMSG, "%s: no \"token\" or \"access_token\" string of at most 16384 bytes "
                              "without line breaks", where);
        else if (!(*ret = strdup(t)))
                q = error_set(err, ENOMEM, "out of memory");
        json_decref(doc);
        return q;
}

/* ---- index.json ------------------------------------------------------------- */

int oci_index_parse(const char *buf, size_t len, const char *where, struct oci_descriptor *ret, struct error *err) {
        json_t *doc = load(buf, len, OCI_MANIFEST_MAX, where, err), *ms;
        struct oci_descriptor d = {};
        int q;

        if (!doc)
                return -EBADMSG;
        ms = json_object_get(doc, "manifests");
        if (json_integer_value(json_object_get(doc, "schemaVersion")) != 2)
                q = error_set(err, EBADMSG, "%s: \"schemaVersion\" is not 2", where);
        else if (!json_is_array(ms) || json_array_size(ms) < 1 || json_array_size(ms) > OCI_DESCRIPTORS_MAX)
                q = error_set(err, EBADMSG, "%s: \"manifests\" is not an array of 1 to %d descriptors", where,
                              OCI_DESCRIPTORS_MAX);
        else
                q = descriptor_parse(json_array_get(ms, 0), where, "manifests[0]", &d, err);
        if (q >= 0 && strcmp(d.media_type, OCI_MANIFEST_TYPE) != 0)
                q = error_set(err, EBADMSG, "%s: \"manifests[0].mediaType\" is %s, not " OCI_MANIFEST_TYPE, where,
                              d.media_type);
        if (q >= 0 && d.size > OCI_MANIFEST_MAX)
                q = error_set(err, E2BIG, "%s: \"manifests[0].size\" is over the limit of %zu bytes", where,
                              OCI_MANIFEST_MAX);
        json_decref(doc);
        if (q < 0) {
                oci_descriptor_done(&d);
                return q;
        }
        *ret = d;
        return 0;
}
