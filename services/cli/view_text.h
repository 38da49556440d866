/* view_text.h — how the CLI writes values from messages (print.c's lines, the
 * `hcbus dispatch` and `hcbus zone` views): ids as plain words, free text quoted and escaped (hcbus/text.h), times in
 * El Salvador time to the second. Enum values in words come from words.h. */
#ifndef HCBUS_CLI_VIEW_TEXT_H
#define HCBUS_CLI_VIEW_TEXT_H

#include <stdint.h>
#include <stdio.h>

/* An id, zone or sender after prefix: as is when made of id characters, else quoted. */
void view_word(FILE *out, const char *prefix, const char *word);

/* Free text after prefix, between quotes, escaped. */
void view_quoted(FILE *out, const char *prefix, const char *text);

/* "2026-11-23T03:10:00-06:00" (El Salvador time, whole seconds) into buf
 * (HCBUS_TIME_TEXT_MAX bytes); "-" for 0. Returns buf. */
const char *view_time(int64_t t_us, char *buf, size_t size);

/* The number of characters of UTF-8 text (not bytes: "salió" is 5). */
int view_width(const char *text);

/* Write text left-aligned in a column of width characters (at least one space after
 * it), so that translated words with accents keep the columns straight. */
void view_padded(FILE *out, const char *text, int width);

#endif
