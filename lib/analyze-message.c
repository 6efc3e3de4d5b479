/* SPDX-License-Identifier: Apache-2.0 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "analyze-message.h"
#include "base/strutil.h"

/* The length a stage header at s (len >= ANALYSIS_STAGE_HEADER) gives;
 * false when it is not one. */
static bool stage_length(const char *s, unsigned long long *ret_n) {
        unsigned long long n = 0;

        if (s[0] != 'I' || s[ANALYSIS_STAGE_HEADER - 1] != '\n')
                return false;
        for (size_t i = 1; i < ANALYSIS_STAGE_HEADER - 1; i++) {
                int d = hexval(s[i]);

                if (d < 0)
                        return false;
                n = n << 4 | (unsigned) d;
        }
        *ret_n = n;
        return true;
}

void analysis_message_parse(const char *s, size_t len, size_t max, struct analysis_message *ret) {
        struct analysis_message m = { .kind = ANALYSIS_MESSAGE_NONE };
        const char *nl;
        unsigned long long n;

        if (s && len > 0 && s[0] == 'W') {
                if (!(nl = memchr(s, '\n', len))) {     /* the note not yet whole */
                        *ret = m;
                        return;
                }
                m.note = s + 1;
                m.note_len = (size_t) (nl - s) - 1;
                len -= (size_t) (nl + 1 - s);
                s = nl + 1;
        }
        if (!s || len == 0) {
                *ret = m;
                return;
        }
        switch (s[0]) {
        case 'R':
        case 'E':
        case 'C':
                m.kind = s[0] == 'R' ? ANALYSIS_MESSAGE_RESULT : ANALYSIS_MESSAGE_ERROR;
                m.content = s[0] == 'C';
                m.body = s + 1;
                m.body_len = len - 1;
                break;
        case 'I':
                if (len >= ANALYSIS_STAGE_HEADER && stage_length(s, &n) && n <= max &&
                    n <= len - ANALYSIS_STAGE_HEADER) {
                        m.kind = ANALYSIS_MESSAGE_STAGE;
                        m.body = s + ANALYSIS_STAGE_HEADER;
                        m.body_len = (size_t) n;
                        m.trailing = len - ANALYSIS_STAGE_HEADER - (size_t) n;
                }
                break;
        }
        *ret = m;
}

void analysis_message_stage_header(size_t n, char ret[ANALYSIS_STAGE_HEADER + 1]) {
        snprintf(ret, ANALYSIS_STAGE_HEADER + 1, "I%016llx\n", (unsigned long long) n);
}
