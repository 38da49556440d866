/* words.h — enum values as a person reads them at 3 a.m.: "at meeting point" rather
 * than ESCORT_STATE_AT_MEETING_POINT, "RED", and the coordinator's notice rules in a
 * few words ("unknown request"). Used by print.c and the publish verdict (verdict.c);
 * input still takes the short names (common.h enum_parse). */
#ifndef HCBUS_CLI_WORDS_H
#define HCBUS_CLI_WORDS_H

#include <stddef.h>

#include "hcbus.pb-c.h"

#define WORDS_MAX 64 /* room for any enum value in words, with its NUL */

/* The value's short name with '_' as ' ', lower case ("en route"), or "?" if the
 * descriptor has no such value. Writes into buf and returns it. */
const char *enum_words(const ProtobufCEnumDescriptor *desc, int value, char *buf, size_t size);

/* The same in upper case ("RED", "ESCORT ADVISORY"), for levels and notice kinds. */
const char *enum_words_upper(const ProtobufCEnumDescriptor *desc, int value, char *buf,
                             size_t size);

/* What a NoticeRule means, in a few words ("unknown request", "not accepted in time");
 * "" for NOTICE_RULE_UNSPECIFIED; the value in words for one this build does not know.
 * Writes into buf (WORDS_MAX bytes) and returns it. */
const char *rule_words(int rule, char *buf, size_t size);

#endif
