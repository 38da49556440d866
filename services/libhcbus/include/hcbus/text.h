/* text.h — what text from a peer may hold, and how to show any text safely. A field of
 * a message is refused when it holds a control character (C0 U+0000..U+001F, DEL
 * U+007F, C1 U+0080..U+009F: a terminal obeys them, see docs/decisions/0006); anything
 * shown on a terminal, written to a log or printed as JSON is escaped so that even a
 * record older than that rule cannot draw on the screen, hide text or forge a line. */
#ifndef HCBUS_TEXT_H
#define HCBUS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* True for the code points a terminal may act on: C0, DEL and C1. */
bool hcbus_text_is_control(uint32_t cp);

/* Check that the NUL-terminated s is UTF-8 without control characters. Returns 0, or
 * -1 with *bad_offset (byte offset of the first offence) and *bad_cp (the control
 * character, or UINT32_MAX when the bytes are not UTF-8); either may be NULL. */
int hcbus_text_check(const char *s, size_t *bad_offset, uint32_t *bad_cp);

/* How hcbus_text_escape writes what it escapes. */
typedef enum {
    /* For a terminal or a log line: C0 and DEL as \n \r \t or \xHH, C1 and the Unicode
     * characters that reorder or break lines (U+2028/9, bidi controls) as \uHHHH,
     * bytes that are not UTF-8 as \xHH. Everything else, backslashes included, as is. */
    HCBUS_TEXT_PLAIN = 0,
    /* As PLAIN, and also '"' as \" and '\' as \\, for a value shown between quotes. */
    HCBUS_TEXT_QUOTED = 1,
    /* For JSON text made by jansson (which already escapes C0, '"' and '\'): DEL, C1
     * and the reordering characters as \u00HH / \uHHHH, so the result stays JSON. */
    HCBUS_TEXT_JSON = 2,
} hcbus_text_mode_t;

/* Escape the NUL-terminated s into buf (size bytes, always NUL-terminated). Output that
 * does not fit is cut at a whole escape and ends with "..." . Returns buf. */
const char *hcbus_text_escape(const char *s, hcbus_text_mode_t mode, char *buf, size_t size);

/* The same into a new string (free with free()), never cut. NULL when out of memory. */
char *hcbus_text_escape_dup(const char *s, hcbus_text_mode_t mode);

#ifdef __cplusplus
}
#endif
#endif
