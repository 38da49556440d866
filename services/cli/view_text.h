/* view_text.h — how the `hcbus dispatch` and `hcbus zone` views write values from
 * messages: ids as plain words, free text quoted and escaped (hcbus/text.h), times in
 * El Salvador time to the second, enum values in words. */
#ifndef HCBUS_CLI_VIEW_TEXT_H
#define HCBUS_CLI_VIEW_TEXT_H

#include <stdint.h>
#include <stdio.h>

#include "hcbus.pb-c.h"

#define VIEW_WORDS_MAX 64

/* An id, zone or sender after prefix: as is when made of id characters, else quoted. */
void view_word(FILE *out, const char *prefix, const char *word);

/* Free text after prefix, between quotes, escaped. */
void view_quoted(FILE *out, const char *prefix, const char *text);

/* "2026-11-23T03:10:00-06:00" (El Salvador time, whole seconds) into buf
 * (HCBUS_TIME_TEXT_MAX bytes); "-" for 0. Returns buf. */
const char *view_time(int64_t t_us, char *buf, size_t size);

/* An enum value in words: "en route", "escort not assigned" (VIEW_WORDS_MAX bytes). */
const char *view_enum(const ProtobufCEnumDescriptor *desc, int value, char *buf, size_t size);

#endif
