/* SPDX-License-Identifier: Apache-2.0 */
/* The framing of what an analysis child sends its parent
 * (analyze-message.h): the child parsed the image, so the hook reads its
 * bytes as hostile.  Every part the parse gives lies inside the input; a
 * stage is all there, its length what its digits say and within the cap;
 * an error is the image content's exactly when its tag is "C";
 * and a message made again of the parts (the note, a header written by
 * analysis_message_stage_header(), the body) reads back the same. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze-message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP ((size_t) 1 << 20)  /* small, so that inputs reach past it */

static bool inside(const char *s, size_t len, const char *p, size_t n) {
        return p >= s && p <= s + len && n <= (size_t) (s + len - p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *s = (const char *) data;
        struct analysis_message m, again;
        char header[ANALYSIS_STAGE_HEADER + 1];
        char *copy;
        size_t off = 0;

        analysis_message_parse(s, size, CAP, &m);
        if (m.kind < 0 || m.kind >= _ANALYSIS_MESSAGE_KIND_MAX)
                abort();
        if (m.note && (!inside(s, size, m.note, m.note_len) || m.note != s + 1 ||
                       memchr(m.note, '\n', m.note_len) || m.note[m.note_len] != '\n'))
                abort();
        if (m.kind == ANALYSIS_MESSAGE_NONE) {
                if (m.body || m.body_len || m.trailing)
                        abort();
                return 0;
        }
        if (!m.body || !inside(s, size, m.body, m.body_len) || m.body + m.body_len + m.trailing != s + size ||
            (m.kind != ANALYSIS_MESSAGE_STAGE && m.trailing))
                abort();
        if (m.kind == ANALYSIS_MESSAGE_STAGE && m.body_len > CAP)
                abort();
        if (m.content != (m.kind == ANALYSIS_MESSAGE_ERROR && s[m.note ? m.note_len + 2 : 0] == 'C'))
                abort();

        /* made again: the note's line, the tag (or a header of our own), the body */
        if (!(copy = malloc(size + ANALYSIS_STAGE_HEADER + 1)))
                abort();
        if (m.note) {
                memcpy(copy, s, m.note_len + 2);
                off = m.note_len + 2;
        }
        if (m.kind == ANALYSIS_MESSAGE_STAGE) {
                analysis_message_stage_header(m.body_len, header);
                if (strlen(header) != ANALYSIS_STAGE_HEADER)
                        abort();
                memcpy(copy + off, header, ANALYSIS_STAGE_HEADER);
                off += ANALYSIS_STAGE_HEADER;
        } else
                copy[off++] = m.kind == ANALYSIS_MESSAGE_RESULT ? 'R' : m.content ? 'C' : 'E';
        memcpy(copy + off, m.body, m.body_len);
        off += m.body_len;
        analysis_message_parse(copy, off, CAP, &again);
        if (again.kind != m.kind || again.body_len != m.body_len || memcmp(again.body, m.body, m.body_len) != 0 ||
            again.trailing != 0 || !again.note != !m.note || again.note_len != m.note_len ||
            again.content != m.content)
                abort();
        /* a stage cut one byte short is not yet one */
        if (m.kind == ANALYSIS_MESSAGE_STAGE) {
                analysis_message_parse(copy, off - 1, CAP, &again);
                if (again.kind != ANALYSIS_MESSAGE_NONE)
                        abort();
        }
        free(copy);
        return 0;
}
