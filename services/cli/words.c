/* words.c — enum values in the words of the people at the console (words.h): one label
 * per value of every wire enum, marked NC_() so that po/es/ gives its Spanish ("en el
 * lugar", "obstrucción del acceso a vehículo"). The context is the enum's noun: one
 * English word ("critical") can need two Spanish ones (prioridad crítica, estado
 * crítico). A value added to the proto and missing here is still shown, in English words
 * from its name, and test_words fails until it gets a label. */
#include "words.h"

#include "hcbus/i18n.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>


static const struct {
    const ProtobufCEnumDescriptor *desc;
    int value;
    const char *words; /* NC_(noun, words) */
} labels[] = {
    {&hcbus__risk_level__descriptor, HCBUS__RISK_LEVEL__RISK_LEVEL_GREEN, NC_("risk level", "green")},
    {&hcbus__risk_level__descriptor, HCBUS__RISK_LEVEL__RISK_LEVEL_YELLOW, NC_("risk level", "yellow")},
    {&hcbus__risk_level__descriptor, HCBUS__RISK_LEVEL__RISK_LEVEL_ORANGE, NC_("risk level", "orange")},
    {&hcbus__risk_level__descriptor, HCBUS__RISK_LEVEL__RISK_LEVEL_RED, NC_("risk level", "red")},
    {&hcbus__priority__descriptor, HCBUS__PRIORITY__PRIORITY_CRITICAL, NC_("priority", "critical")},
    {&hcbus__priority__descriptor, HCBUS__PRIORITY__PRIORITY_URGENT, NC_("priority", "urgent")},
    {&hcbus__priority__descriptor, HCBUS__PRIORITY__PRIORITY_ROUTINE, NC_("priority", "routine")},
    {&hcbus__incident_type__descriptor, HCBUS__INCIDENT_TYPE__INCIDENT_TYPE_MEDICAL, NC_("incident type", "medical")},
    {&hcbus__incident_type__descriptor, HCBUS__INCIDENT_TYPE__INCIDENT_TYPE_TRAUMA, NC_("incident type", "trauma")},
    {&hcbus__incident_type__descriptor, HCBUS__INCIDENT_TYPE__INCIDENT_TYPE_VIOLENCE, NC_("incident type", "violence")},
    {&hcbus__incident_type__descriptor, HCBUS__INCIDENT_TYPE__INCIDENT_TYPE_TRAFFIC, NC_("incident type", "traffic")},
    {&hcbus__incident_type__descriptor, HCBUS__INCIDENT_TYPE__INCIDENT_TYPE_OBSTETRIC, NC_("incident type", "obstetric")},
    {&hcbus__incident_type__descriptor, HCBUS__INCIDENT_TYPE__INCIDENT_TYPE_BURN, NC_("incident type", "burn")},
    {&hcbus__incident_type__descriptor, HCBUS__INCIDENT_TYPE__INCIDENT_TYPE_INTERFACILITY, NC_("incident type", "interfacility")},
    {&hcbus__incident_type__descriptor, HCBUS__INCIDENT_TYPE__INCIDENT_TYPE_OTHER, NC_("incident type", "other")},
    {&hcbus__capability__descriptor, HCBUS__CAPABILITY__CAPABILITY_BASIC, NC_("ambulance capability", "basic")},
    {&hcbus__capability__descriptor, HCBUS__CAPABILITY__CAPABILITY_ADVANCED, NC_("ambulance capability", "advanced")},
    {&hcbus__age_band__descriptor, HCBUS__AGE_BAND__AGE_BAND_INFANT, NC_("age band", "infant")},
    {&hcbus__age_band__descriptor, HCBUS__AGE_BAND__AGE_BAND_CHILD, NC_("age band", "child")},
    {&hcbus__age_band__descriptor, HCBUS__AGE_BAND__AGE_BAND_ADOLESCENT, NC_("age band", "adolescent")},
    {&hcbus__age_band__descriptor, HCBUS__AGE_BAND__AGE_BAND_ADULT, NC_("age band", "adult")},
    {&hcbus__age_band__descriptor, HCBUS__AGE_BAND__AGE_BAND_ELDER, NC_("age band", "elder")},
    {&hcbus__sex__descriptor, HCBUS__SEX__SEX_FEMALE, NC_("sex", "female")},
    {&hcbus__sex__descriptor, HCBUS__SEX__SEX_MALE, NC_("sex", "male")},
    {&hcbus__sex__descriptor, HCBUS__SEX__SEX_OTHER, NC_("sex", "other")},
    {&hcbus__sex__descriptor, HCBUS__SEX__SEX_UNKNOWN, NC_("sex", "unknown")},
    {&hcbus__patient_condition__descriptor, HCBUS__PATIENT_CONDITION__PATIENT_CONDITION_STABLE, NC_("patient condition", "stable")},
    {&hcbus__patient_condition__descriptor, HCBUS__PATIENT_CONDITION__PATIENT_CONDITION_SERIOUS, NC_("patient condition", "serious")},
    {&hcbus__patient_condition__descriptor, HCBUS__PATIENT_CONDITION__PATIENT_CONDITION_CRITICAL, NC_("patient condition", "critical")},
    {&hcbus__patient_condition__descriptor, HCBUS__PATIENT_CONDITION__PATIENT_CONDITION_DECEASED, NC_("patient condition", "deceased")},
    {&hcbus__dispatch_state__descriptor, HCBUS__DISPATCH_STATE__DISPATCH_STATE_ACCEPTED, NC_("dispatch state", "accepted")},
    {&hcbus__dispatch_state__descriptor, HCBUS__DISPATCH_STATE__DISPATCH_STATE_DECLINED, NC_("dispatch state", "declined")},
    {&hcbus__dispatch_state__descriptor, HCBUS__DISPATCH_STATE__DISPATCH_STATE_EN_ROUTE, NC_("dispatch state", "en route")},
    {&hcbus__dispatch_state__descriptor, HCBUS__DISPATCH_STATE__DISPATCH_STATE_ON_SCENE, NC_("dispatch state", "on scene")},
    {&hcbus__dispatch_state__descriptor, HCBUS__DISPATCH_STATE__DISPATCH_STATE_TRANSPORTING, NC_("dispatch state", "transporting")},
    {&hcbus__dispatch_state__descriptor, HCBUS__DISPATCH_STATE__DISPATCH_STATE_AT_FACILITY, NC_("dispatch state", "at facility")},
    {&hcbus__dispatch_state__descriptor, HCBUS__DISPATCH_STATE__DISPATCH_STATE_CLOSED, NC_("dispatch state", "closed")},
    {&hcbus__dispatch_state__descriptor, HCBUS__DISPATCH_STATE__DISPATCH_STATE_CANCELLED, NC_("dispatch state", "cancelled")},
    {&hcbus__dispatch_state__descriptor, HCBUS__DISPATCH_STATE__DISPATCH_STATE_ABORTED_SECURITY, NC_("dispatch state", "aborted security")},
    {&hcbus__target__descriptor, HCBUS__TARGET__TARGET_PERSONNEL, NC_("target", "personnel")},
    {&hcbus__target__descriptor, HCBUS__TARGET__TARGET_PATIENTS, NC_("target", "patients")},
    {&hcbus__target__descriptor, HCBUS__TARGET__TARGET_FACILITY, NC_("target", "facility")},
    {&hcbus__target__descriptor, HCBUS__TARGET__TARGET_VEHICLE, NC_("target", "vehicle")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_KILLING, NC_("act", "killing")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_INJURING, NC_("act", "injuring")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_KIDNAPPING, NC_("act", "kidnapping")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_HARASSMENT, NC_("act", "harassment")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_THREAT, NC_("act", "threat")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_INTIMIDATION, NC_("act", "intimidation")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_ROBBERY, NC_("act", "robbery")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_ARREST, NC_("act", "arrest")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_OBSTRUCTION_OF_ACCESS, NC_("act", "obstruction of access")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_DENIAL_OF_ASSISTANCE, NC_("act", "denial of assistance")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_DISCRIMINATION, NC_("act", "discrimination")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_INTERRUPTION_OF_CARE, NC_("act", "interruption of care")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_BOMBING, NC_("act", "bombing")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_SHELLING, NC_("act", "shelling")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_LOOTING, NC_("act", "looting")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_FORCED_ENTRY, NC_("act", "forced entry")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_SHOOTING_INTO, NC_("act", "shooting into")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_ENCIRCLING, NC_("act", "encircling")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_FORCEFUL_INTERFERENCE, NC_("act", "forceful interference")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_ATTACK_ON_VEHICLE, NC_("act", "attack on vehicle")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_THEFT_OF_VEHICLE, NC_("act", "theft of vehicle")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_INTERFERENCE_WITH_VEHICLE, NC_("act", "interference with vehicle")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_SEXUAL_ASSAULT, NC_("act", "sexual assault")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_ARMED_SEARCH, NC_("act", "armed search")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_SETTING_FIRE, NC_("act", "setting fire")},
    {&hcbus__act__descriptor, HCBUS__ACT__ACT_OTHER, NC_("act", "other")},
    {&hcbus__severity__descriptor, HCBUS__SEVERITY__SEVERITY_LOW, NC_("severity", "low")},
    {&hcbus__severity__descriptor, HCBUS__SEVERITY__SEVERITY_MODERATE, NC_("severity", "moderate")},
    {&hcbus__severity__descriptor, HCBUS__SEVERITY__SEVERITY_HIGH, NC_("severity", "high")},
    {&hcbus__severity__descriptor, HCBUS__SEVERITY__SEVERITY_CRITICAL, NC_("severity", "critical")},
    {&hcbus__escort_state__descriptor, HCBUS__ESCORT_STATE__ESCORT_STATE_ASSIGNED, NC_("escort state", "assigned")},
    {&hcbus__escort_state__descriptor, HCBUS__ESCORT_STATE__ESCORT_STATE_UNAVAILABLE, NC_("escort state", "unavailable")},
    {&hcbus__escort_state__descriptor, HCBUS__ESCORT_STATE__ESCORT_STATE_AT_MEETING_POINT, NC_("escort state", "at meeting point")},
    {&hcbus__escort_state__descriptor, HCBUS__ESCORT_STATE__ESCORT_STATE_COMPLETED, NC_("escort state", "completed")},
    {&hcbus__escort_state__descriptor, HCBUS__ESCORT_STATE__ESCORT_STATE_WAIVED, NC_("escort state", "waived")},
    {&hcbus__notice_kind__descriptor, HCBUS__NOTICE_KIND__NOTICE_KIND_CHECKED, NC_("notice kind", "checked")},
    {&hcbus__notice_kind__descriptor, HCBUS__NOTICE_KIND__NOTICE_KIND_VIOLATION, NC_("notice kind", "violation")},
    {&hcbus__notice_kind__descriptor, HCBUS__NOTICE_KIND__NOTICE_KIND_ESCORT_ADVISORY, NC_("notice kind", "escort advisory")},
    {&hcbus__notice_kind__descriptor, HCBUS__NOTICE_KIND__NOTICE_KIND_OVERDUE, NC_("notice kind", "overdue")},
    {&hcbus__notice_kind__descriptor, HCBUS__NOTICE_KIND__NOTICE_KIND_LEVEL_REVIEW, NC_("notice kind", "level review")},
    {&hcbus__notice_rule__descriptor, HCBUS__NOTICE_RULE__NOTICE_RULE_UNKNOWN_REQUEST, NC_("notice rule", "unknown request")},
    {&hcbus__notice_rule__descriptor, HCBUS__NOTICE_RULE__NOTICE_RULE_ZONE_MISMATCH, NC_("notice rule", "not the request's zone")},
    {&hcbus__notice_rule__descriptor, HCBUS__NOTICE_RULE__NOTICE_RULE_NOT_INVOLVED, NC_("notice rule", "sender not involved")},
    {&hcbus__notice_rule__descriptor, HCBUS__NOTICE_RULE__NOTICE_RULE_TRANSITION, NC_("notice rule", "state change not allowed")},
    {&hcbus__notice_rule__descriptor, HCBUS__NOTICE_RULE__NOTICE_RULE_FUTURE_TIME, NC_("notice rule", "time in the future")},
    {&hcbus__notice_rule__descriptor, HCBUS__NOTICE_RULE__NOTICE_RULE_UNKNOWN_ESCORT, NC_("notice rule", "unknown escort")},
    {&hcbus__notice_rule__descriptor, HCBUS__NOTICE_RULE__NOTICE_RULE_DUPLICATE_REQUEST, NC_("notice rule", "request id already in use")},
    {&hcbus__notice_rule__descriptor, HCBUS__NOTICE_RULE__NOTICE_RULE_OVERDUE_ACCEPT, NC_("notice rule", "not accepted in time")},
    {&hcbus__notice_rule__descriptor, HCBUS__NOTICE_RULE__NOTICE_RULE_OVERDUE_ON_SCENE, NC_("notice rule", "not on scene in time")},
    {&hcbus__notice_rule__descriptor, HCBUS__NOTICE_RULE__NOTICE_RULE_OVERDUE_ESCORT, NC_("notice rule", "escort not assigned in time")},
    {&hcbus__notice_rule__descriptor, HCBUS__NOTICE_RULE__NOTICE_RULE_ESCORT_NOT_ASSIGNED, NC_("notice rule", "no escort assigned yet")},
    {&hcbus__error_code__descriptor, HCBUS__ERROR_CODE__ERROR_CODE_MALFORMED, NC_("error code", "malformed")},
    {&hcbus__error_code__descriptor, HCBUS__ERROR_CODE__ERROR_CODE_TOO_LARGE, NC_("error code", "too large")},
    {&hcbus__error_code__descriptor, HCBUS__ERROR_CODE__ERROR_CODE_INVALID_FIELD, NC_("error code", "invalid field")},
    {&hcbus__error_code__descriptor, HCBUS__ERROR_CODE__ERROR_CODE_UNKNOWN_ZONE, NC_("error code", "unknown zone")},
    {&hcbus__error_code__descriptor, HCBUS__ERROR_CODE__ERROR_CODE_UNAUTHORIZED, NC_("error code", "unauthorized")},
    {&hcbus__error_code__descriptor, HCBUS__ERROR_CODE__ERROR_CODE_NOT_PERSISTED, NC_("error code", "not persisted")},
    {&hcbus__error_code__descriptor, HCBUS__ERROR_CODE__ERROR_CODE_OVERLOADED, NC_("error code", "overloaded")},
    {&hcbus__error_code__descriptor, HCBUS__ERROR_CODE__ERROR_CODE_INTERNAL, NC_("error code", "internal")},
    {&hcbus__error_code__descriptor, HCBUS__ERROR_CODE__ERROR_CODE_UNAVAILABLE, NC_("error code", "unavailable")},
    {&hcbus__error_code__descriptor, HCBUS__ERROR_CODE__ERROR_CODE_STANDBY, NC_("error code", "standby")},
    {&hcbus__delivery_action__descriptor, HCBUS__DELIVERY_ACTION__DELIVERY_ACTION_SUBSCRIBE_START, NC_("delivery action", "subscribe start")},
    {&hcbus__delivery_action__descriptor, HCBUS__DELIVERY_ACTION__DELIVERY_ACTION_SUBSCRIBE_END, NC_("delivery action", "subscribe end")},
    {&hcbus__delivery_action__descriptor, HCBUS__DELIVERY_ACTION__DELIVERY_ACTION_REPLAY, NC_("delivery action", "replay")},
    {&hcbus__delivery_action__descriptor, HCBUS__DELIVERY_ACTION__DELIVERY_ACTION_SNAPSHOT, NC_("delivery action", "snapshot")},
    {&hcbus__delivery_action__descriptor, HCBUS__DELIVERY_ACTION__DELIVERY_ACTION_BROKER_START, NC_("delivery action", "broker start")},
    {&hcbus__delivery_end__descriptor, HCBUS__DELIVERY_END__DELIVERY_END_CLOSED, NC_("delivery end", "closed")},
    {&hcbus__delivery_end__descriptor, HCBUS__DELIVERY_END__DELIVERY_END_TIMED_OUT, NC_("delivery end", "timed out")},
    {&hcbus__delivery_end__descriptor, HCBUS__DELIVERY_END__DELIVERY_END_REVOKED, NC_("delivery end", "revoked")},
    {&hcbus__delivery_end__descriptor, HCBUS__DELIVERY_END__DELIVERY_END_LAGGED, NC_("delivery end", "lagged")},
    {&hcbus__delivery_end__descriptor, HCBUS__DELIVERY_END__DELIVERY_END_BROKER_STOPPED, NC_("delivery end", "broker stopped")},
    {&hcbus__delivery_end__descriptor, HCBUS__DELIVERY_END__DELIVERY_END_RESUBSCRIBED, NC_("delivery end", "resubscribed")},
    {&hcbus__delivery_end__descriptor, HCBUS__DELIVERY_END__DELIVERY_END_RECONFIGURED, NC_("delivery end", "reconfigured")},
};

/* What each enum is, as a person names it ("incident type"), for errors and hints. */
static const struct {
    const ProtobufCEnumDescriptor *desc;
    const char *noun;
} nouns[] = {
    {&hcbus__risk_level__descriptor, N_("risk level")},
    {&hcbus__priority__descriptor, N_("priority")},
    {&hcbus__incident_type__descriptor, N_("incident type")},
    {&hcbus__capability__descriptor, N_("ambulance capability")},
    {&hcbus__age_band__descriptor, N_("age band")},
    {&hcbus__sex__descriptor, N_("sex")},
    {&hcbus__patient_condition__descriptor, N_("patient condition")},
    {&hcbus__dispatch_state__descriptor, N_("dispatch state")},
    {&hcbus__target__descriptor, N_("target")},
    {&hcbus__act__descriptor, N_("act")},
    {&hcbus__severity__descriptor, N_("severity")},
    {&hcbus__escort_state__descriptor, N_("escort state")},
    {&hcbus__notice_kind__descriptor, N_("notice kind")},
    {&hcbus__notice_rule__descriptor, N_("notice rule")},
    {&hcbus__error_code__descriptor, N_("error code")},
    {&hcbus__delivery_action__descriptor, N_("delivery action")},
    {&hcbus__delivery_end__descriptor, N_("delivery end")},
};

const char *enum_label(const ProtobufCEnumDescriptor *desc, int value)
{
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (labels[i].desc == desc && labels[i].value == value)
            return hcbus_i18n_ctx(labels[i].words);
    return NULL;
}

const char *enum_noun(const ProtobufCEnumDescriptor *desc)
{
    for (size_t i = 0; i < sizeof nouns / sizeof nouns[0]; i++)
        if (nouns[i].desc == desc)
            return _(nouns[i].noun);
    return desc->short_name; /* an enum this file does not know: test_words says so */
}

bool enum_noun_known(const ProtobufCEnumDescriptor *desc)
{
    for (size_t i = 0; i < sizeof nouns / sizeof nouns[0]; i++)
        if (nouns[i].desc == desc)
            return true;
    return false;
}

const char *enum_words(const ProtobufCEnumDescriptor *desc, int value, char *buf, size_t size)
{
    const char *label = enum_label(desc, value);
    if (label) {
        snprintf(buf, size, "%s", label);
        return buf;
    }
    /* No label: the value's name without the enum's prefix, in lower case, '_' as ' '. */
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(desc, value);
    const char *zero = desc->n_values ? desc->values[0].name : "";
    const char *unspecified = strstr(zero, "UNSPECIFIED");
    size_t skip = unspecified ? (size_t)(unspecified - zero) : 0;
    snprintf(buf, size, "%s", v ? v->name + skip : "?");
    for (char *p = buf; *p; p++)
        *p = *p == '_' ? ' ' : (char)tolower((unsigned char)*p);
    return buf;
}

/* Upper case, Spanish letters too: ASCII by toupper, and the two-byte UTF-8 letters
 * U+00E0..U+00FE (á é í ó ú ñ ü) by their capitals U+00C0..U+00DE, not a byte at a time,
 * which would break them. */
static void upper_utf8(char *s)
{
    for (unsigned char *p = (unsigned char *)s; *p; p++) {
        if (*p < 0x80)
            *p = (unsigned char)toupper(*p);
        else if (p[0] == 0xC3 && p[1] >= 0xA0 && p[1] <= 0xBE && p[1] != 0xB7)
            p[1] = (unsigned char)(p[1] - 0x20), p++;
    }
}

const char *enum_words_upper(const ProtobufCEnumDescriptor *desc, int value, char *buf,
                             size_t size)
{
    enum_words(desc, value, buf, size);
    upper_utf8(buf);
    return buf;
}

const char *rule_words(int rule, char *buf, size_t size)
{
    if (rule == HCBUS__NOTICE_RULE__NOTICE_RULE_UNSPECIFIED) {
        snprintf(buf, size, "%s", "");
        return buf;
    }
    if (!protobuf_c_enum_descriptor_get_value(&hcbus__notice_rule__descriptor, rule)) {
        snprintf(buf, size, _("rule %d"), rule); /* from a newer proto than this build's */
        return buf;
    }
    return enum_words(&hcbus__notice_rule__descriptor, rule, buf, size);
}
