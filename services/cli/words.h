/* words.h — enum values as a person reads them at 3 a.m., in the user's language: "at
 * meeting point" / "en el punto de encuentro" rather than ESCORT_STATE_AT_MEETING_POINT,
 * "RED" / "ROJO", and the coordinator's notice rules in a few words ("unknown request").
 * Used by print.c, dispatch and zone views and the publish verdict (verdict.c); input
 * still takes the short names (common.h enum_parse), never translated. */
#ifndef HCBUS_CLI_WORDS_H
#define HCBUS_CLI_WORDS_H

#include <stdbool.h>
#include <stddef.h>

#include "hcbus.pb-c.h"

#define WORDS_MAX 64 /* room for any enum value in words (Spanish too: test_words), with its NUL */

/* The value's label in the user's language ("en route", "en camino"); for a value
 * without a label (a newer proto) its short name with '_' as ' ', lower case; "?" if the
 * descriptor has no such value. Writes into buf and returns it. */
const char *enum_words(const ProtobufCEnumDescriptor *desc, int value, char *buf, size_t size);

/* The same in upper case ("RED", "ROJO", "AVISO DE ESCOLTA"), for levels and notice
 * kinds; Spanish letters (á, ñ) are made capitals too. */
const char *enum_words_upper(const ProtobufCEnumDescriptor *desc, int value, char *buf,
                             size_t size);

/* What a NoticeRule means, in a few words ("unknown request", "not accepted in time");
 * "" for NOTICE_RULE_UNSPECIFIED; the value in words for one this build does not know.
 * Writes into buf (WORDS_MAX bytes) and returns it. */
const char *rule_words(int rule, char *buf, size_t size);

/* The label of value, translated, or NULL if the table has none (test_words checks every
 * value of the proto has one). */
const char *enum_label(const ProtobufCEnumDescriptor *desc, int value);

/* What the enum is, as a person names it, translated ("incident type", "tipo de
 * incidente"), for errors; the descriptor's name for an enum the table lacks. */
const char *enum_noun(const ProtobufCEnumDescriptor *desc);

/* Whether the nouns table knows desc (for test_words). */
bool enum_noun_known(const ProtobufCEnumDescriptor *desc);

#endif
