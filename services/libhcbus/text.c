/* text.c — the control-character rule for text from peers and the escaping of any text
 * shown on a terminal, in a log or in JSON (include/hcbus/text.h). */
#include "hcbus/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* Room for the longest escape of one byte or character ("\u2028" or "\xHH"), with
 * slack so that the compiler can see no %04x overflows it. */
#define ESCAPE_MAX_BYTES 11
#define CUT_MARK "..."

bool hcbus_text_is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/* Characters that are not controls but still change how a line reads: line and
 * paragraph separators, and the bidirectional marks, embeddings, overrides and
 * isolates that can show text in another order than it is stored ("Trojan Source"). */
static bool is_reordering(uint32_t cp)
{
    return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x2028 && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

int hcbus_text_check(const char *s, size_t *bad_offset, uint32_t *bad_cp)
{
    size_t i = 0;
    while (s[i]) {
        uint32_t cp = 0;
        size_t n = hcbus_utf8_decode(s + i, &cp);
        if (n == 0 || hcbus_text_is_control(cp)) {
            if (bad_offset)
                *bad_offset = i;
            if (bad_cp)
                *bad_cp = n == 0 ? UINT32_MAX : cp;
            return -1;
        }
        i += n;
    }
    return 0;
}

/* The escape for the character cp (n bytes at p), or "" to copy the bytes as they are. */
static void escape_one(const char *p, size_t n, uint32_t cp, hcbus_text_mode_t mode,
                       char out[ESCAPE_MAX_BYTES + 1])
{
    out[0] = '\0';
    if (n == 0) { /* not UTF-8: show the byte */
        if (mode != HCBUS_TEXT_JSON)
            snprintf(out, ESCAPE_MAX_BYTES + 1, "\\x%02x", (unsigned char)p[0]);
        return; /* jansson never writes bytes that are not UTF-8 */
    }
    if (mode == HCBUS_TEXT_JSON) { /* upper-case hex, as jansson writes \u001B */
        if (cp >= 0x7F && (hcbus_text_is_control(cp) || is_reordering(cp)))
            snprintf(out, ESCAPE_MAX_BYTES + 1, "\\u%04X", (unsigned)cp);
        return;
    }
    if (mode == HCBUS_TEXT_QUOTED && (cp == '"' || cp == '\\')) {
        snprintf(out, ESCAPE_MAX_BYTES + 1, "\\%c", (char)cp);
        return;
    }
    if (cp == '\n' || cp == '\r' || cp == '\t')
        snprintf(out, ESCAPE_MAX_BYTES + 1, "\\%c", cp == '\n' ? 'n' : cp == '\r' ? 'r' : 't');
    else if (cp < 0x20 || cp == 0x7F)
        snprintf(out, ESCAPE_MAX_BYTES + 1, "\\x%02x", (unsigned)cp);
    else if (hcbus_text_is_control(cp) || is_reordering(cp))
        snprintf(out, ESCAPE_MAX_BYTES + 1, "\\u%04x", (unsigned)cp);
}

/* Write the escaped s into buf when buf is not NULL, at most limit bytes of it (the
 * caller leaves room for the NUL and the cut mark). Returns the full escaped length. */
static size_t escape_into(const char *s, hcbus_text_mode_t mode, char *buf, size_t limit,
                          size_t *written)
{
    size_t in = 0, total = 0, used = 0;
    bool full = false;
    while (s[in]) {
        uint32_t cp = 0;
        size_t n = hcbus_utf8_decode(s + in, &cp);
        char esc[ESCAPE_MAX_BYTES + 1];
        escape_one(s + in, n, cp, mode, esc);
        const char *piece = esc[0] ? esc : s + in;
        size_t piece_len = esc[0] ? strlen(esc) : (n ? n : 1);
        in += n ? n : 1;
        total += piece_len;
        if (!buf || full)
            continue;
        if (used + piece_len > limit) {
            full = true; /* never half an escape or half a character */
            continue;
        }
        memcpy(buf + used, piece, piece_len);
        used += piece_len;
    }
    if (written)
        *written = used;
    return total;
}

const char *hcbus_text_escape(const char *s, hcbus_text_mode_t mode, char *buf, size_t size)
{
    if (size == 0)
        return buf;
    s = s ? s : "";
    size_t used = 0;
    if (escape_into(s, mode, NULL, 0, NULL) < size) {
        escape_into(s, mode, buf, size - 1, &used);
    } else if (size >= sizeof CUT_MARK) {
        escape_into(s, mode, buf, size - sizeof CUT_MARK, &used);
        memcpy(buf + used, CUT_MARK, sizeof CUT_MARK - 1);
        used += sizeof CUT_MARK - 1;
    }
    buf[used] = '\0';
    return buf;
}

char *hcbus_text_escape_dup(const char *s, hcbus_text_mode_t mode)
{
    s = s ? s : "";
    size_t len = escape_into(s, mode, NULL, 0, NULL);
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    escape_into(s, mode, out, len, &len);
    out[len] = '\0';
    return out;
}
