/* pgtext.h — text that PostgreSQL parses: text[] array literals (the parameters of the
 * one-query-per-batch duplicate check) and timestamptz values from wire microseconds. */
#ifndef AUDITD_PGTEXT_H
#define AUDITD_PGTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"

/* The length of the valid UTF-8 sequence at s (1..4), or 0 if s does not start one
 * (PostgreSQL refuses overlong forms, surrogates and code points above U+10FFFF). */
size_t pgtext_utf8_len(const char *s);

/* True if s is entirely valid UTF-8. */
bool pgtext_utf8_valid(const char *s);

/* ISO 8601 UTC with microseconds and 'Z': 27 characters + NUL, with room. */
#define PGTEXT_TIME_MAX 40

/* Add s as the next element of the text[] literal being built in b (opens it with '{'
 * when b is empty). Finish with pgtext_array_close. */
void pgtext_array_add(sbuf_t *b, const char *s);

/* Close the literal: "{}" for no element. */
void pgtext_array_close(sbuf_t *b);

/* True if t_us (microseconds since the epoch) is within 1970..9999: what
 * pgtext_time formats, checked without formatting. */
bool pgtext_time_valid(int64_t t_us);

/* Format t_us (microseconds since the epoch) for a timestamptz column. Returns false
 * if it is outside 1970..9999, which PostgreSQL would refuse or the wire never means. */
bool pgtext_time(int64_t t_us, char *buf, size_t size);

#endif
