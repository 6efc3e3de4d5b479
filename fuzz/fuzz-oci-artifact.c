/* SPDX-License-Identifier: Apache-2.0 */
/* What a registry or an OCI archive hands `db update` and `db import`
 * (lib/registry-parse.c): the first byte picks the parser ('m' the
 * manifest, 'c' the config, 'w' a WWW-Authenticate header, 't' a token
 * answer, 'i' an image layout's index.json, 'r' a reference), the rest is
 * its input.  Any bytes must parse or fail with a message naming where; what
 * parses keeps the invariants checked below.  A broken one aborts. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WHERE "oci://registry.test/db:latest"

/* "sha256:" and 64 lowercase hex digits (registry.h). */
static bool digest_ok(const char *d) {
        return startswith(d, "sha256:") && strlen(d) == 71 && strspn(d + 7, "0123456789abcdef") == 64;
}

/* A failure's message starts with where (for a parser given none, with
 * what it reads), unless memory ran out; nothing is given back. */
static bool names(const struct error *err, const char *where) {
        return err->code == -ENOMEM || startswith(err->msg, where);
}

static void manifest(const char *p, size_t n) {
        struct pcdb_manifest m = {};
        struct error err = {};

        if (pcdb_manifest_parse(p, n, WHERE, &m, &err) < 0) {
                if (!startswith(err.msg, WHERE) || m.layer.media_type)
                        abort();
                return;
        }
        if (!digest_ok(m.config.digest) || !digest_ok(m.layer.digest) || !digest_ok(m.sig.digest) ||
            strcmp(m.layer.media_type, PCDB_LAYER_TYPE) != 0 || strcmp(m.sig.media_type, PCDB_SIG_TYPE) != 0 ||
            strcmp(m.config.media_type, PCDB_CONFIG_TYPE) != 0)
                abort();
        pcdb_manifest_done(&m);
}

static void config(const char *p, size_t n) {
        struct pcdb_config c = {};
        struct error err = {};
        const char *name;
        json_t *v;

        if (pcdb_config_parse(p, n, WHERE, &c, &err) < 0) {
                if (!startswith(err.msg, WHERE) || c.revision)
                        abort();
                return;
        }
        if (!c.revision || strlen(c.revision) >= 80 || c.expires <= c.created || !digest_ok(c.db_digest) ||
            !digest_ok(c.layer_digest) || (c.ecosystems && !json_is_object(c.ecosystems)))
                abort();
        json_object_foreach(c.ecosystems, name, v)
                if (!*name || !json_is_integer(v) || json_integer_value(v) < 0)
                        abort();
        pcdb_config_done(&c);
}

static void challenge(const char *p, size_t n) {
        _cleanup_free_ char *s = strndup(p, n);
        struct oci_challenge c = {};
        struct error err = {};

        if (!s)
                return;
        if (oci_challenge_parse(s, &c, &err) < 0) {
                if (!names(&err, "WWW-Authenticate: ") || c.realm || c.service || c.scope)
                        abort();
                return;
        }
        if (c.bearer && (!c.realm || !startswith(c.realm, "https://")))
                abort();
        oci_challenge_done(&c);
}

static void token(const char *p, size_t n) {
        _cleanup_free_ char *t = NULL;
        struct error err = {};

        if (oci_token_parse(p, n, WHERE, &t, &err) < 0) {
                if (!names(&err, WHERE) || t)
                        abort();
                return;
        }
        if (!t || !*t || strpbrk(t, "\r\n"))
                abort();
}

static void index_json(const char *p, size_t n) {
        struct oci_descriptor d = {};
        struct error err = {};

        if (oci_index_parse(p, n, WHERE, &d, &err) < 0) {
                if (!names(&err, WHERE) || d.media_type)
                        abort();
                return;
        }
        if (!digest_ok(d.digest) || strcmp(d.media_type, OCI_MANIFEST_TYPE) != 0 || d.size > OCI_MANIFEST_MAX)
                abort();
        oci_descriptor_done(&d);
}

static void reference(const char *p, size_t n) {
        _cleanup_free_ char *s = strndup(p, n);
        struct oci_ref r = {};
        struct error err = {};

        if (!s)
                return;
        if (oci_ref_parse(s, &r, &err) < 0) {
                if (!err.msg[0] || r.host || r.repo || r.tag || r.digest)
                        abort();
                return;
        }
        if (!r.host || !*r.host || strchr(r.host, '/') || !r.repo || !*r.repo || (!r.tag == !r.digest) ||
            (r.tag && !*r.tag) || (r.digest && !digest_ok(r.digest)))
                abort();
        oci_ref_done(&r);
}

static const struct {
        char key;
        void (*fn)(const char *p, size_t n);
} parsers[] = {
        { 'm', manifest }, { 'c', config }, { 'w', challenge }, { 't', token }, { 'i', index_json }, { 'r', reference },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 1 || size > OCI_MANIFEST_MAX)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(parsers); i++)
                if (parsers[i].key == (char) data[0])
                        parsers[i].fn((const char *) data + 1, size - 1);
        return 0;
}
