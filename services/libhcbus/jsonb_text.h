/* jsonb_text.h — internal: JSON text written exactly as PostgreSQL prints a jsonb value
 * (`value::jsonb::text`), into a growing buffer. Strings are escaped as PostgreSQL's
 * escape_json does, numbers as numeric_out prints them, keys compared in jsonb's order.
 * It writes values; which keys an object has and their order is the caller's job
 * (summary.c sorts them with jsonb_key_cmp). */
#ifndef HCBUS_JSONB_TEXT_H
#define HCBUS_JSONB_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growing, NUL-terminated text. failed sticks once an append fails (no memory, bad
 * UTF-8, a number JSON cannot hold); the text is then unusable. */
typedef struct jsonb_text {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
} jsonb_text_t;

#define JSONB_TEXT_INIT {NULL, 0, 0, false}

/* Append n raw bytes (punctuation the caller knows to be right: "{", ", ", ": "). */
void jsonb_text_raw(jsonb_text_t *t, const char *s, size_t n);

/* Append s as a JSON string the way escape_json (PostgreSQL 15) writes it: \" \\ \b \f
 * \n \r \t, other bytes below 0x20 as \u00xx (lower-case hex), everything else as its
 * UTF-8 bytes. Fails (t->failed) if s is not valid UTF-8 (utf8.h's rules). */
void jsonb_text_string(jsonb_text_t *t, const char *s);

/* Append an integer as numeric_out prints it. */
void jsonb_text_int(jsonb_text_t *t, int64_t v);
void jsonb_text_uint(jsonb_text_t *t, uint64_t v);

/* Append a double as jsonb prints the number: the fewest of 15, 16 or 17 significant
 * digits that read back as the same double, in plain notation (no exponent: numeric never prints one), with ".0"
 * when it has no fraction so that JSON readers still see a real ("13.0"). -0 is "0.0".
 * Fails (t->failed) on NaN and infinities, which JSON cannot hold. */
void jsonb_text_double(jsonb_text_t *t, double v);

/* Take the text (caller frees with free()), or NULL if anything failed; t is emptied. */
char *jsonb_text_take(jsonb_text_t *t);

/* jsonb's key order: shorter keys first, keys of one length by their bytes (memcmp). */
int jsonb_key_cmp(const char *a, size_t alen, const char *b, size_t blen);

#endif
