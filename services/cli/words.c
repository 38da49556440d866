/* words.c — enum values and notice rules in words (words.h). The descriptors give the
 * names, so a value added to the proto is shown without a change here; only the rules
 * get phrases of their own, because their names alone say too little to a crew. */
#include "words.h"

#include <ctype.h>
#include <stdio.h>

#include "common.h"

const char *enum_words(const ProtobufCEnumDescriptor *desc, int value, char *buf, size_t size)
{
    enum_short_name(desc, value, buf, size);
    for (char *p = buf; *p; p++)
        if (*p == '_')
            *p = ' ';
    return buf;
}

const char *enum_words_upper(const ProtobufCEnumDescriptor *desc, int value, char *buf,
                             size_t size)
{
    enum_words(desc, value, buf, size);
    for (char *p = buf; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return buf;
}

static const struct {
    int rule;
    const char *words;
} rule_phrases[] = {
    {HCBUS__NOTICE_RULE__NOTICE_RULE_UNKNOWN_REQUEST, "unknown request"},
    {HCBUS__NOTICE_RULE__NOTICE_RULE_ZONE_MISMATCH, "not the request's zone"},
    {HCBUS__NOTICE_RULE__NOTICE_RULE_NOT_INVOLVED, "sender not involved"},
    {HCBUS__NOTICE_RULE__NOTICE_RULE_TRANSITION, "state change not allowed"},
    {HCBUS__NOTICE_RULE__NOTICE_RULE_FUTURE_TIME, "time in the future"},
    {HCBUS__NOTICE_RULE__NOTICE_RULE_UNKNOWN_ESCORT, "unknown escort"},
    {HCBUS__NOTICE_RULE__NOTICE_RULE_DUPLICATE_REQUEST, "request id already in use"},
    {HCBUS__NOTICE_RULE__NOTICE_RULE_OVERDUE_ACCEPT, "not accepted in time"},
    {HCBUS__NOTICE_RULE__NOTICE_RULE_OVERDUE_ON_SCENE, "not on scene in time"},
    {HCBUS__NOTICE_RULE__NOTICE_RULE_OVERDUE_ESCORT, "escort not assigned in time"},
    {HCBUS__NOTICE_RULE__NOTICE_RULE_ESCORT_NOT_ASSIGNED, "no escort assigned yet"},
};

const char *rule_words(int rule, char *buf, size_t size)
{
    if (rule == HCBUS__NOTICE_RULE__NOTICE_RULE_UNSPECIFIED) {
        snprintf(buf, size, "%s", "");
        return buf;
    }
    for (size_t i = 0; i < sizeof rule_phrases / sizeof rule_phrases[0]; i++)
        if (rule_phrases[i].rule == rule) {
            snprintf(buf, size, "%s", rule_phrases[i].words);
            return buf;
        }
    if (!protobuf_c_enum_descriptor_get_value(&hcbus__notice_rule__descriptor, rule)) {
        snprintf(buf, size, "rule %d", rule); /* from a newer proto than this build's */
        return buf;
    }
    return enum_words(&hcbus__notice_rule__descriptor, rule, buf, size);
}
