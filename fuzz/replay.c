/* SPDX-License-Identifier: Apache-2.0 */
/* Runs a fuzz target over the files of its corpus, so that the corpus replays
 * in the normal test suite (and under ASan+UBSan in the sanitizer build).
 * Arguments are files or directories (one level deep); one that starts
 * with '?' is optional (skipped when absent: seeds from ../shared/data). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fileio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
        struct error err = {};
        char *buf = NULL;
        size_t len = 0;

        if (read_full_file(path, 64 * 1024 * 1024, &buf, &len, &err) < 0) {
                fprintf(stderr, "%s\n", err.msg);
                return -1;
        }
        (void) LLVMFuzzerTestOneInput((const uint8_t *) buf, len);
        free(buf);
        return 0;
}

int main(int argc, char **argv) {
        unsigned runs = 0;

        for (int i = 1; i < argc; i++) {
                struct dirent **names;
                struct stat st;
                int n;

                const char *arg = argv[i][0] == '?' ? argv[i] + 1 : argv[i];

                if (stat(arg, &st) < 0) {
                        if (argv[i][0] == '?')
                                continue;
                        perror(arg);
                        return 1;
                }
                if (!S_ISDIR(st.st_mode)) {
                        if (run_file(arg) < 0)
                                return 1;
                        runs++;
                        continue;
                }
                n = scandir(arg, &names, NULL, alphasort);
                if (n < 0) {
                        perror(arg);
                        return 1;
                }
                for (int j = 0; j < n; j++) {
                        char p[4096];

                        if (names[j]->d_name[0] != '.') {
                                snprintf(p, sizeof(p), "%s/%s", arg, names[j]->d_name);
                                if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
                                        if (run_file(p) < 0)
                                                return 1;
                                        runs++;
                                }
                        }
                        free(names[j]);
                }
                free(names);
        }
        fprintf(stderr, "replayed %u inputs\n", runs);
        return runs > 0 ? 0 : 1;
}
