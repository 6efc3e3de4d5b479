/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "base/clock.h"
#include "base/digest.h"
#include "base/error.h"
#include "base/fileio.h"
#include "base/json-arena.h"
#include "base/strutil.h"
#include "test.h"

static void test_error(void) {
        struct error err = {};
        char big[3000];

        CHECK(error_set(&err, EINVAL, "field '%s'", "id") == -EINVAL);
        CHECK(error_wrap(&err, "read %s", "a.json") == -EINVAL);
        CHECK_STREQ(err.msg, "read a.json: field 'id'");
        CHECK(error_set(&err, -ENOENT, "x") == -ENOENT);          /* either sign */
        CHECK(error_set(NULL, ENOMEM, "ignored") == -ENOMEM);     /* err may be NULL */
        CHECK(error_wrap(NULL, "x") == -EIO);
        CHECK(error_set_errno(&err, ENOENT, "open %s", "f") == -ENOENT);
        CHECK_STREQ(err.msg, "open f: No such file or directory");

        /* Overlong context is cut, never overflowed, and stays terminated. */
        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        error_set(&err, EIO, "%s", big);
        CHECK(strlen(err.msg) == ERROR_MSG_MAX - 1);
        error_wrap(&err, "%s", big);
        CHECK(strlen(err.msg) == ERROR_MSG_MAX - 1);
        error_clear(&err);
        CHECK(err.code == 0 && err.msg[0] == '\0');

        /* one printable line, whatever a file's token put in it */
        error_set(&err, EINVAL, "line 2: invalid escape near '%s'", "\"\\\n\x1b[2J");
        CHECK_STREQ(err.msg, "line 2: invalid escape near '\"\\??[2J'");
        error_wrap(&err, "file %s", "a\nb");
        CHECK_STREQ(err.msg, "file a?b: line 2: invalid escape near '\"\\??[2J'");
}

static void test_strbuf(void) {
        struct strbuf b = { .max = 10 };
        _cleanup_free_ char *s = NULL;

        CHECK(strbuf_puts(&b, "12345") == 0);
        CHECK(strbuf_printf(&b, "%d", 6789) == 0);
        CHECK(strbuf_puts(&b, "AB") == -E2BIG);         /* the cap is a hard error */
        CHECK(b.len == 9 && strcmp(b.s, "123456789") == 0);
        s = strbuf_steal(&b);
        CHECK_STREQ(s, "123456789");
        CHECK(b.s == NULL && b.len == 0);
        strbuf_done(&b);
}

static void test_purl(void) {
        static const struct {
                const char *in, *out;
        } rows[] = {
                { "1:2.36-9+deb12u3", "1%3A2.36-9%2Bdeb12u3" },
                { "1.0~rc1", "1.0~rc1" },
                { "a b/c?d#e@f", "a%20b%2Fc%3Fd%23e%40f" },
                { "\xc3\xa9", "%C3%A9" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                struct strbuf b = {};

                CHECK(strbuf_append_purl_escaped(&b, rows[i].in) == 0);
                CHECK_STREQ(b.s, rows[i].out);
                strbuf_done(&b);
        }
}

static void test_strings(void) {
        _cleanup_strv_free_ char **v = NULL;
        _cleanup_free_ char *s = strdup_strip("  \t x y \n", 9);

        CHECK_STREQ(s, "x y");
        CHECK(startswith("CVSS:3.1/", "CVSS:"));
        CHECK(!startswith("CVS", "CVSS:"));
        CHECK(strcaseeq("Ubuntu", "uBUNTU") && !strcaseeq("Ubuntu", "Ubunt"));
        CHECK(streq_ptr(NULL, NULL) && !streq_ptr("a", NULL));
        CHECK(strv_push(&v, strdup("a")) == 0 && strv_push(&v, strdup("b")) == 0);
        CHECK(strv_length(v) == 2 && strcmp(v[1], "b") == 0 && v[2] == NULL);
}

/* What terminals act on becomes '?', byte for byte: C0 controls, DEL, the
 * C1 controls as UTF-8 (U+009B is CSI to some terminals), bidirectional
 * controls and invisible characters (a name that reads as another) and
 * bytes that start no UTF-8 sequence; printable UTF-8 stays. */
static void test_printable(void) {
        static const struct {
                const char *in, *out;
        } rows[] = {
                { "evil:1\x1b]0;x\x07\r\nFAKE", "evil:1?]0;x???FAKE" },
                { "a\x7f" "b", "a?b" },
                { "csi\xc2\x9b" "31m", "csi??31m" },
                { "nel\xc2\x85", "nel??" },
                { "nbsp\xc2\xa0\xc3\xa9\xe2\x82\xac\xf0\x9f\x90\xb3", "nbsp\xc2\xa0\xc3\xa9\xe2\x82\xac\xf0\x9f\x90\xb3" },
                { "lone\x9b" "x\xc2", "lone?x?" },
                { "\xe2\x82", "??" },
                /* "ng<RLO>xni<PDI>:1" shows as "nginx:1" */
                { "ng\xe2\x80\xaexni\xe2\x81\xa9:1", "ng???xni???:1" },
                { "alm\xd8\x9c lrm\xe2\x80\x8e rlm\xe2\x80\x8f lre\xe2\x80\xaa lri\xe2\x81\xa6",
                  "alm?? lrm??? rlm??? lre??? lri???" },
                { "zw\xe2\x80\x8b" "j\xe2\x80\x8d" "wj\xe2\x81\xa0" "bom\xef\xbb\xbf" "tag\xf3\xa0\x81\x81",
                  "zw???j???wj???bom???tag????" },
                { "ls\xe2\x80\xa8ps\xe2\x80\xa9", "ls???ps???" },
                /* default-ignorable: soft hyphen, Hangul fillers (a name of
                 * blanks), a variation selector, a Mongolian one */
                { "shy\xc2\xad" "hf\xe1\x85\x9f\xe3\x85\xa4\xef\xbe\xa0" "vs\xef\xb8\x8f" "mvs\xe1\xa0\x8e",
                  "shy??hf?????????vs???mvs???" },
                /* neighbours that are text: U+200A, U+2027, U+202F, U+2070, U+FEFE, U+00AE, U+3165, U+F0000 */
                { "\xe2\x80\x8a\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xb0\xef\xbb\xbe\xc2\xae\xe3\x85\xa5\xf3\xb0\x80\x80",
                  "\xe2\x80\x8a\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xb0\xef\xbb\xbe\xc2\xae\xe3\x85\xa5\xf3\xb0\x80\x80" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_free_ char *s = strdup(rows[i].in);
                struct strbuf b = {};

                str_make_printable(s);
                CHECK_MSG(strcmp(s, rows[i].out) == 0, "row %zu: %s", i, s);
                CHECK(strbuf_puts(&b, ">") == 0 && strbuf_append_printable(&b, rows[i].in, strlen(rows[i].in)) == 0);
                CHECK_MSG(b.s && b.s[0] == '>' && strcmp(b.s + 1, rows[i].out) == 0, "row %zu: %s", i, b.s);
                strbuf_done(&b);
        }
}

/* Capped reads: at the cap is fine, one byte over is -EFBIG (not a
 * truncation); a FIFO is refused without blocking. */
static void test_read_caps(void) {
        const char *f = test_path(test_tmpdir(), "ten");
        const char *fifo = test_path(test_tmpdir(), "fifo");
        _cleanup_free_ char *buf = NULL;
        struct error err = {};
        size_t len = 0;
        int fd;

        test_write_file(f, "0123456789");
        CHECK(read_full_file(f, 10, &buf, &len, &err) == 0 && len == 10 && strcmp(buf, "0123456789") == 0);
        CHECK(read_full_file(f, 9, &buf, &len, &err) == -EFBIG);
        CHECK(strstr(err.msg, f) != NULL);
        CHECK(read_full_file(test_path(test_tmpdir(), "absent"), 9, &buf, &len, &err) == -ENOENT);

        CHECK(mkfifo(fifo, 0600) == 0);
        fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        CHECK(fd >= 0);
        CHECK(read_full_fd(fd, 100, fifo, &buf, &len, &err) == -EBADFD);
        close(fd);
}

#define PROC_TEST_MAX ((size_t) 1 << 20)

/* A procfs file (size 0) read to its end, not to its first short read:
 * /proc/self/mountinfo, made longer than a few reads' worth (as root, in
 * a mount namespace of a child's own, 150 more mounts: some 25 KiB
 * whatever the host's table holds; a fresh VM's has under 2 KiB). */
static void test_read_proc(void) {
        pid_t pid = fork();
        int status;

        if (pid == 0) {
                _cleanup_free_ char *buf = NULL, *ref = NULL;
                size_t len = 0, n = 0;
                ssize_t k;
                int fd;

                if (geteuid() == 0 && unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
                        for (int i = 0; i < 150; i++) {
                                char d[4096];

                                snprintf(d, sizeof(d), "%s/a-mount-point-with-a-long-name-%d", test_tmpdir(), i);
                                if (mkdir(d, 0700) < 0 || mount("tmpfs", d, "tmpfs", 0, "size=4k") < 0)
                                        _exit(2);
                        }
                ref = malloc(PROC_TEST_MAX);
                fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
                while (ref && fd >= 0 && (k = read(fd, ref + n, PROC_TEST_MAX - n)) > 0)
                        n += (size_t) k;
                if (read_full_file("/proc/self/mountinfo", PROC_TEST_MAX, &buf, &len, NULL) < 0)
                        _exit(3);
                fprintf(stderr, "/proc/self/mountinfo: %zu bytes, %zu read\n", n, len);
                _exit(len == n && memcmp(buf, ref, n) == 0 && (geteuid() != 0 || n > 8192) ? 0 : 1);
        }
        CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* read_small_file(): a file under 4 KiB in one read and no stat; one that
 * fills 4 KiB read on like read_full_file(), to its cap; a FIFO without a
 * writer, a folder and a device that fills the first read refused. */
static void test_read_small(void) {
        const char *f = test_path(test_tmpdir(), "small");
        const char *fifo = test_path(test_tmpdir(), "small-fifo");
        struct error err = {};
        char *buf = NULL, big[10000];
        size_t len = 0;

        test_write_file(f, "{\"mode\": \"warn\"}");
        CHECK(read_small_file(f, 100, &buf, &len, &err) == 0 && len == 16 && strcmp(buf, "{\"mode\": \"warn\"}") == 0);
        free(buf);
        CHECK(read_small_file(f, 10, &buf, &len, &err) == -EFBIG && strstr(err.msg, f));
        for (size_t n = 4095; n <= 4097; n++) {
                memset(big, 'x', n);
                big[n] = '\0';
                test_write_file(f, big);
                CHECK_MSG(read_small_file(f, sizeof(big), &buf, &len, &err) == 0 && len == n && strlen(buf) == n,
                          "%zu bytes: %s", n, err.msg);
                free(buf);
        }
        memset(big, 'y', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        test_write_file(f, big);
        CHECK(read_small_file(f, sizeof(big) - 1, &buf, &len, &err) == 0 && len == sizeof(big) - 1);
        free(buf);
        CHECK(read_small_file(f, sizeof(big) - 2, &buf, &len, &err) == -EFBIG);
        CHECK(read_small_file(test_path(test_tmpdir(), "absent"), 9, &buf, &len, &err) == -ENOENT);
        CHECK(mkfifo(fifo, 0600) == 0);
        CHECK(read_small_file(fifo, 100, &buf, &len, &err) == -EBADFD && strstr(err.msg, "regular file"));
        CHECK(read_small_file(test_tmpdir(), 100, &buf, &len, &err) == -EBADFD);
        test_write_file(f, "");
        CHECK(read_small_file(f, 100, &buf, &len, &err) == 0 && len == 0 && buf[0] == '\0');
        free(buf);
        CHECK(read_small_file("/dev/zero", 100000, &buf, &len, &err) == -EBADFD && strstr(err.msg, "regular file"));
}

static void hex32(const unsigned char md[32], char ret[65]) {
        for (int i = 0; i < 32; i++)
                snprintf(ret + 2 * i, 3, "%02x", md[i]);
}

/* The portable MD5: RFC 1321's test suite (A.5), and a million 'a' fed
 * in pieces of odd sizes (tests/inventory-os-owned.sh checks it against
 * the md5sums of Debian's real jars). */
static void test_md5(void) {
        static const struct {
                const char *in;
                const char *out;
        } rfc[] = {
                { "", "d41d8cd98f00b204e9800998ecf8427e" },
                { "a", "0cc175b9c0f1b6a831c399e269772661" },
                { "abc", "900150983cd24fb0d6963f7d28e17f72" },
                { "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
                { "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
                { "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                  "d174ab98d277d9f5a5611c2c9f419d9f" },
                { "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                  "57edf4a22be3c955ac49da2e2107b67a" },
        };
        unsigned char md[16];
        char hex[33];
        size_t big = (size_t) 1000000;
        unsigned char *buf = malloc(big);
        struct md5 m;

        CHECK(buf != NULL);
        for (size_t i = 0; i < ELEMENTSOF(rfc); i++) {
                md5_init(&m);
                md5_update(&m, rfc[i].in, strlen(rfc[i].in));
                md5_final(&m, md);
                for (size_t j = 0; j < 16; j++)
                        snprintf(hex + 2 * j, 3, "%02x", md[j]);
                CHECK_MSG(strcmp(hex, rfc[i].out) == 0, "md5(\"%s\") = %s", rfc[i].in, hex);
        }
        memset(buf, 'a', big);  /* a million 'a', in pieces of odd sizes */
        md5_init(&m);
        for (size_t off = 0, step = 1; off < big; off += step, step = step * 2 + 1)
                md5_update(&m, buf + off, step < big - off ? step : big - off);
        md5_final(&m, md);
        for (size_t j = 0; j < 16; j++)
                snprintf(hex + 2 * j, 3, "%02x", md[j]);
        CHECK_MSG(strcmp(hex, "7707d6ae4e027c70eea2a935c2296f21") == 0, "%s", hex);
        free(buf);
}

/* The portable SHA-256: FIPS 180-2's examples (appendix B), then against
 * OpenSSL's on every length to 1,100 bytes (each padding case: the
 * length in the last block or in one more) and on a few big buffers;
 * sha256_hex() gives the same on either side of its libcrypto threshold. */
static void test_sha256(void) {
        static const struct {
                const char *in;
                const char *out;
        } fips[] = {
                { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
                { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
                { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
        };
        unsigned char md[32], ref[EVP_MAX_MD_SIZE];
        unsigned int n;
        char hex[65], hex2[65];
        size_t big = (size_t) 1000000;
        unsigned char *buf = malloc(big);

        CHECK(buf != NULL);
        for (size_t i = 0; i < ELEMENTSOF(fips); i++) {
                sha256_portable(fips[i].in, strlen(fips[i].in), md);
                hex32(md, hex);
                CHECK_MSG(strcmp(hex, fips[i].out) == 0, "sha256(\"%s\") = %s", fips[i].in, hex);
        }
        memset(buf, 'a', big);  /* FIPS 180-2 B.3: a million 'a' */
        sha256_portable(buf, big, md);
        hex32(md, hex);
        CHECK_MSG(strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0, "%s", hex);
        for (size_t i = 0; i < big; i++)
                buf[i] = (unsigned char) (i * 7919 + (i >> 9));
        if (!EVP_sha256()) {
                fprintf(stderr, "libcrypto not loadable: the comparison with OpenSSL is skipped\n");
                free(buf);
                return;
        }
        for (size_t len = 0; len <= big; len = len < 1100 ? len + 1 : len * 3 + 1) {
                sha256_portable(buf, len, md);
                CHECK(EVP_Digest(buf, len, ref, &n, EVP_sha256(), NULL) && n == 32);
                CHECK_MSG(memcmp(md, ref, 32) == 0, "length %zu differs from OpenSSL's", len);
                sha256_hex(buf, len, hex);
                hex32(ref, hex2);
                CHECK_MSG(strcmp(hex, hex2) == 0, "sha256_hex, length %zu", len);
        }
        free(buf);
}

/* The incremental SHA-256 gives the one-shot digest whatever the pieces:
 * every split of a buffer crossing the 64-byte blocks, fed in two and in
 * pieces of 1..130 bytes, through sha256_init() (libcrypto when it loads)
 * and through the portable state alone. */
static void test_sha256_incremental(void) {
        static const size_t lens[] = { 0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 70000 };
        unsigned char *buf = malloc(70000), md[32];
        char want[65], got[65];

        CHECK(buf != NULL);
        for (size_t i = 0; i < 70000; i++)
                buf[i] = (unsigned char) (i * 31 + (i >> 7));
        for (size_t k = 0; k < ELEMENTSOF(lens); k++) {
                size_t len = lens[k];

                sha256_hex(buf, len, want);
                for (size_t cut = 0; cut <= len; cut += len < 200 ? 1 : 997) {
                        struct sha256 s, p;

                        sha256_init(&s);
                        sha256_update(&s, buf, cut);
                        sha256_update(&s, buf + cut, len - cut);
                        CHECK(sha256_final_hex(&s, got) == 0);
                        sha256_done(&s);
                        CHECK_MSG(strcmp(got, want) == 0, "sha256_update, length %zu cut at %zu", len, cut);
                        sha256_portable_init(&p);
                        sha256_portable_update(&p, buf, cut);
                        sha256_portable_update(&p, buf + cut, len - cut);
                        sha256_portable_final(&p, md);
                        hex32(md, got);
                        CHECK_MSG(strcmp(got, want) == 0, "portable, length %zu cut at %zu", len, cut);
                }
                for (size_t step = 1; step <= 130; step += 43) {
                        struct sha256 s;

                        sha256_init(&s);
                        for (size_t at = 0; at < len; at += step)
                                sha256_update(&s, buf + at, len - at < step ? len - at : step);
                        CHECK(sha256_final_hex(&s, got) == 0);
                        sha256_done(&s);
                        sha256_done(&s);        /* twice: harmless */
                        CHECK_MSG(strcmp(got, want) == 0, "sha256_update, length %zu in steps of %zu", len, step);
                }
        }
        free(buf);
}

static void *arena_other_thread(void *userdata) {
        /* another thread gets malloc(): its value outlives the window */
        return json_pack("{s:[i,s]}", "k", 1, (const char *) userdata);
}

/* Documents parsed in the arena one after the other, one far bigger than a
 * chunk, give the same values as outside it; what a suspended window or
 * another thread makes survives json_arena_end() (valgrind or ASan would
 * flag a value freed twice or used after its window). */
static void test_json_arena(void) {
        struct json_arena a = {};
        struct strbuf big = {};
        json_t *kept = NULL, *other = NULL;
        pthread_t t;

        CHECK(strbuf_puts(&big, "[") >= 0);
        for (int i = 0; i < 20000; i++)
                CHECK(strbuf_printf(&big, "%s{\"id\":\"R-%d\",\"v\":[%d,\"x\"]}", i ? "," : "", i, i) >= 0);
        CHECK(strbuf_puts(&big, "]") >= 0);
        for (int round = 0; round < 3; round++) {
                json_t *doc, *small;
                char *dump;

                json_arena_begin(&a);
                doc = json_loadb(big.s, big.len, JSON_REJECT_DUPLICATES, NULL);
                CHECK(json_array_size(doc) == 20000);
                CHECK(json_integer_value(json_array_get(json_object_get(json_array_get(doc, 19999), "v"), 0)) == 19999);
                /* the arena's, like the tree: not free()d */
                dump = json_dumps(json_array_get(doc, 7), JSON_COMPACT | JSON_SORT_KEYS);
                CHECK(dump && strcmp(dump, "{\"id\":\"R-7\",\"v\":[7,\"x\"]}") == 0);
                json_decref(doc);
                small = json_loads("{\"a\":1}", 0, NULL);
                CHECK(json_integer_value(json_object_get(small, "a")) == 1);
                json_decref(small);
                if (round == 1) {
                        struct json_arena *s = json_arena_suspend();

                        kept = json_pack("{s:s}", "made", "while suspended");
                        json_arena_resume(s);
                        CHECK(pthread_create(&t, NULL, arena_other_thread, (void *) "other") == 0);
                        CHECK(pthread_join(t, (void **) &other) == 0);
                }
                json_arena_end(&a);
        }
        json_arena_done(&a);
        CHECK(streq_ptr(json_string_value(json_object_get(kept, "made")), "while suspended"));
        CHECK(streq_ptr(json_string_value(json_array_get(json_object_get(other, "k"), 1)), "other"));
        json_decref(kept);
        json_decref(other);
        strbuf_done(&big);
}

/* RFC 3339 times against Python's calendar.timegm(), leap days included,
 * and the days that are none. */
static void test_rfc3339(void) {
        static const struct {
                const char *s;
                int64_t t;
        } good[] = {
                { "1970-01-01T00:00:00Z", 0 },
                { "2000-02-29T12:00:00Z", 951825600 },
                { "2024-12-31T23:59:59.5z", 1735689599 },
                { "2100-03-01 00:00:00Z", 4107542400 },
                { "2026-12-06T21:30:00+01:30", 1796587200 },
                { "2026-12-06T18:00:00-02:00", 1796587200 },
                { "2400-02-29T00:00:00Z", 13574563200 },
        };
        static const char *const bad[] = { "2025-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "1969-12-31T23:59:59Z",
                                           "2026-13-01T00:00:00Z", "2026-12-06T24:00:00Z", "2026-12-06T20:00:00",
                                           "2026-12-06T20:00:00+1:00" };
        int64_t t;
        int32_t ns;

        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                CHECK_MSG(clock_parse_rfc3339(good[i].s, strlen(good[i].s), &t, &ns) == 0 && t == good[i].t, "%s: %lld",
                          good[i].s, (long long) t);
        CHECK(clock_parse_rfc3339(good[2].s, strlen(good[2].s), &t, &ns) == 0 && ns == 500000000);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                CHECK_MSG(clock_parse_rfc3339(bad[i], strlen(bad[i]), &t, NULL) == -EINVAL, "%s", bad[i]);

        /* the age of a time as doctor, db status and metrics say it: the
         * gate's parse, so that none of them reads a day the gate does not */
        {
                char then[32];
                time_t now = time(NULL) - 7200;
                long long age = 0;

                strftime(then, sizeof(then), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
                CHECK(clock_age_seconds(then, &age) && age >= 7200 && age < 7260);
                CHECK(!clock_age_seconds("2025-02-31T00:00:00Z", &age) && !clock_age_seconds(NULL, &age));
        }
}

/* An explicit closep() leaves nothing for the variable's cleanup to close:
 * the number, reused by the next open, stays the new file's. */
static void test_closep(void) {
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC), again;

        CHECK(fd >= 0);
        closep(&fd);
        CHECK(fd == -EBADF);
        again = open("/dev/null", O_RDONLY | O_CLOEXEC);
        CHECK(again >= 0);
        closep(&fd);
        CHECK(fcntl(again, F_GETFD) >= 0);
        closep(&again);
}

int main(void) {
        test_closep();
        test_error();
        test_strbuf();
        test_purl();
        test_strings();
        test_printable();
        test_read_caps();
        test_read_proc();
        test_read_small();
        test_sha256();
        test_md5();
        test_sha256_incremental();
        test_json_arena();
        test_rfc3339();
        return test_end();
}
