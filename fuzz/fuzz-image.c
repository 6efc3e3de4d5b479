/* SPDX-License-Identifier: Apache-2.0 */
/* An image file (docker save or OCI layout tar) is the image author's: the
 * reader must turn anything into an image or a clear error, and never
 * create, change or remove anything outside its temporary folder.  The
 * temporary folder is made in a private TMPDIR beside a canary folder,
 * which the seeds reach through relative symlinks ("../../canary" from
 * etc/) with whiteouts, opaque markers, hard links and files below them;
 * after each input the canary folder must be as it was and TMPDIR must
 * hold nothing else.  The input is also read as the reader's result
 * document (image_result_parse()), which the front end gets from the
 * sandboxed child. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strutil.h"
#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256], canary[300], input[300];
static struct strbuf canary_state;

static void die(const char *what) {
        fprintf(stderr, "fuzz-image: %s\n", what);
        abort();
}

static void write_canary(const char *name, const char *content) {
        char p[512];
        FILE *f;

        snprintf(p, sizeof(p), "%s/%s", canary, name);
        if (!(f = fopen(p, "w")) || fputs(content, f) < 0 || fclose(f) != 0)
                die("can't write the canary folder");
}

/* Every name below d with its type, size, link count (a hard link from
 * the temporary folder shows) and content (files are small). */
static void describe(const char *d, struct strbuf *b) {
        struct dirent **names;
        int n = scandir(d, &names, NULL, alphasort);

        for (int i = 0; i < n; i++) {
                char p[1024], buf[256] = "";
                struct stat st;
                FILE *f;

                snprintf(p, sizeof(p), "%s/%s", d, names[i]->d_name);
                if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..") && lstat(p, &st) == 0) {
                        if (S_ISREG(st.st_mode) && (f = fopen(p, "r"))) {
                                buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
                                fclose(f);
                        }
                        (void) strbuf_printf(b, "%s %o %lld %lu %s\n", p, st.st_mode, (long long) st.st_size,
                                             (unsigned long) st.st_nlink, buf);
                        if (S_ISDIR(st.st_mode))
                                describe(p, b);
                }
                free(names[i]);
        }
        free(names);
}

static void cleanup(void) {
        char p[512];

        snprintf(p, sizeof(p), "%s/sub/file", canary);
        (void) unlink(p);
        snprintf(p, sizeof(p), "%s/sub", canary);
        (void) rmdir(p);
        snprintf(p, sizeof(p), "%s/os-release", canary);
        (void) unlink(p);
        snprintf(p, sizeof(p), "%s/status", canary);
        (void) unlink(p);
        (void) rmdir(canary);
        (void) unlink(input);
        (void) rmdir(dir);
}

static void setup(void) {
        char p[512];

        snprintf(dir, sizeof(dir), "%s/pc-fuzz-image-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        if (!mkdtemp(dir))
                die("can't create the fuzz folder");
        snprintf(canary, sizeof(canary), "%s/canary", dir);
        snprintf(input, sizeof(input), "%s/input", dir);
        snprintf(p, sizeof(p), "%s/sub", canary);
        if (mkdir(canary, 0700) < 0 || mkdir(p, 0700) < 0)
                die("can't create the canary folder");
        write_canary("os-release", "ID=canary\nVERSION_ID=\"1\"\n");
        write_canary("status", "Package: canary\nStatus: install ok installed\nVersion: 1\n\n");
        write_canary("sub/file", "canary\n");
        describe(canary, &canary_state);
        atexit(cleanup);
        setenv("TMPDIR", dir, 1);     /* image_prepare() makes its folder here, beside the canary */
}

/* The canary folder as it was. */
static void check_canary(void) {
        struct strbuf now = {};

        describe(canary, &now);
        if (!streq_ptr(now.s, canary_state.s))
                die("the canary folder beside the temporary folder changed");
        strbuf_done(&now);
}

/* ... and, once the image is freed, nothing but input and canary beside it. */
static void check_outside(void) {
        struct dirent **names;
        int n = scandir(dir, &names, NULL, alphasort);

        check_canary();
        if (n != 4)     /* ".", "..", "canary", "input" */
                die("something was left beside the temporary folder, or the canary folder is gone");
        for (int i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct image *img = NULL;
        struct error err = {};
        FILE *f;

        if (!dir[0])
                setup();
        if (!(f = fopen(input, "w")) || fwrite(data, 1, size, f) != size || fclose(f) != 0)
                die("can't write the input");
        if (image_open(input, &img, &err) == 0) {
                /* no digest only where a layer's could not be verified, which is noted */
                if (!image_rootfs(img) || (!image_digest(img) && !image_skipped(img)))
                        abort();
                check_canary();
                image_free(img);
        }
        check_outside();
        if (image_prepare(input, &img, &err) == 0) {
                if (image_result_parse(img, (const char *) data, size, &err) == 0 && image_digest(img) &&
                    (strlen(image_digest(img)) != 71 || !startswith(image_digest(img), "sha256:")))
                        abort();
                image_free(img);
        }
        check_outside();
        return 0;
}
