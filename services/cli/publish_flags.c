/* publish_flags.c — which flag sets which Envelope field for each `hcbus publish` kind,
 * whether the message needs it, and what it means to a dispatcher. Flag names follow
 * the proto field names with dashes; --help (required flags first, then the others,
 * then examples) is generated from this table and the descriptors, so it cannot
 * drift from what is parsed. */
#include "publish_flags.h"

#include <string.h>

#include "common.h"
#include "fields.h"
#include "hcbus/i18n.h"

static const pub_flag_t zone_flags[] = {
    {"zone", "zone.zone_id", NULL, true, N_("the zone's catalogue id, e.g. sv.ss.san-salvador-este.soyapango")},
    {"level", "zone.level", NULL, true, N_("its risk level")},
    {"escort-required", "zone.access.escort_required", NULL, false, N_("no entry without a police escort")},
    {"allowed-from-hour", "zone.access.allowed_from_hour", NULL, false, N_("entry allowed from this hour (0-23)")},
    {"allowed-until-hour", "zone.access.allowed_until_hour", NULL, false, N_("entry allowed until this hour (1-24)")},
    {"entry-instructions", "zone.access.entry_instructions", NULL, false, N_("how to enter (route, who to meet)")},
    {"contact", "zone.access.contact", NULL, false, N_("whom to call before entering")},
    {"meeting-point-lat", "zone.access.meeting_point.lat", NULL, false, N_("meeting point latitude")},
    {"meeting-point-lon", "zone.access.meeting_point.lon", NULL, false, N_("meeting point longitude")},
    {"meeting-point-address", "zone.access.meeting_point.address", NULL, false, N_("meeting point address")},
    {"meeting-point-reference-point", "zone.access.meeting_point.reference_point", NULL, false, N_("a landmark near the meeting point")},
    {"reason", "zone.reason", NULL, false, N_("why the level changed")},
    {"valid-from", "zone.valid_from_us", "now", false, N_("when the level starts")},
    {"valid-until", "zone.valid_until_us", NULL, false, N_("when the level ends")},
    {NULL},
};

static const pub_flag_t dispatch_flags[] = {
    {"request-id", "dispatch.request_id", "new-request-id", false, N_("the request's id, named by its statuses")},
    {"zone", "dispatch.zone_id", NULL, true, N_("the zone of the incident (catalogue id)")},
    {"lat", "dispatch.location.lat", NULL, false, N_("latitude of the incident")},
    {"lon", "dispatch.location.lon", NULL, false, N_("longitude of the incident")},
    {"address", "dispatch.location.address", NULL, false, N_("address of the incident (or --lat and --lon)")},
    {"reference-point", "dispatch.location.reference_point", NULL, false, N_("a landmark near it")},
    {"priority", "dispatch.priority", NULL, true, N_("how urgent")},
    {"incident-type", "dispatch.incident_type", NULL, true, N_("what happened")},
    {"capability", "dispatch.capability", NULL, true, N_("the unit needed")},
    {"patient-age-band", "dispatch.patient.age_band", NULL, false, N_("the patient's age")},
    {"patient-sex", "dispatch.patient.sex", NULL, false, N_("the patient's sex")},
    {"patient-complaint", "dispatch.patient.chief_complaint", NULL, false, N_("the chief complaint, in words")},
    {"patient-condition", "dispatch.patient.condition", NULL, false, N_("the patient's condition")},
    {NULL},
};

static const pub_flag_t status_flags[] = {
    {"request-id", "status.request_id", NULL, true, N_("the dispatch request it is about")},
    {"zone", "status.zone_id", NULL, true, N_("the zone of that request")},
    {"unit", "status.unit_id", NULL, false, N_("the unit (needed from accepted on)")},
    {"state", "status.state", NULL, true, N_("the new state")},
    {"at", "status.at_us", "now", false, N_("when it happened")},
    {"destination-facility", "status.destination_facility", NULL, false, N_("the hospital (transporting, at_facility)")},
    {"reason", "status.reason", NULL, false, N_("why (declined, cancelled, aborted_security)")},
    {NULL},
};

static const pub_flag_t alert_flags[] = {
    {"alert-id", "alert.alert_id", "new-id", false, N_("the alert's id")},
    {"zone", "alert.zone_id", NULL, true, N_("where it happened (catalogue id)")},
    {"target", "alert.target", NULL, true, N_("who or what was attacked")},
    {"act", "alert.act", NULL, true, N_("what was done")},
    {"severity", "alert.severity", NULL, true, N_("how serious")},
    {"killed", "alert.casualties.killed", NULL, false, N_("how many were killed")},
    {"injured", "alert.casualties.injured", NULL, false, N_("how many were injured")},
    {"removed", "alert.casualties.removed", NULL, false, N_("how many were taken away")},
    {"description", "alert.description", NULL, false, N_("what happened, in words (needed for act other)")},
    {"anonymous", "alert.anonymous", NULL, false, N_("do not name the reporting institution to others")},
    {"request-id", "alert.request_id", NULL, false, N_("the dispatch request it concerns")},
    {"occurred-at", "alert.occurred_at_us", "now", false, N_("when it happened")},
    {NULL},
};

static const pub_flag_t escort_flags[] = {
    {"escort-id", "escort.escort_id", "new-id", false, N_("the escort request's id")},
    {"request-id", "escort.request_id", NULL, true, N_("the dispatch request to escort")},
    {"zone", "escort.zone_id", NULL, true, N_("the zone (catalogue id)")},
    {"unit", "escort.unit_id", NULL, false, N_("the unit to escort")},
    {"lat", "escort.meeting_point.lat", NULL, false, N_("meeting point latitude")},
    {"lon", "escort.meeting_point.lon", NULL, false, N_("meeting point longitude")},
    {"address", "escort.meeting_point.address", NULL, false, N_("meeting point address")},
    {"reference-point", "escort.meeting_point.reference_point", NULL, false, N_("a landmark near it")},
    {"needed-by", "escort.needed_by_us", NULL, false, N_("when the escort is needed")},
    {"reason", "escort.reason", NULL, false, N_("why an escort is needed")},
    {NULL},
};

/* The police's answer to an escort request, or the dispatch centre's waiver. */
static const pub_flag_t escort_status_flags[] = {
    {"escort-id", "escort_status.escort_id", NULL, true, N_("the escort request answered")},
    {"request-id", "escort_status.request_id", NULL, true, N_("its dispatch request")},
    {"zone", "escort_status.zone_id", NULL, true, N_("the zone (catalogue id)")},
    {"state", "escort_status.state", NULL, true, N_("the answer")},
    {"police-unit", "escort_status.police_unit", NULL, false, N_("the patrol assigned (needed for assigned)")},
    {"lat", "escort_status.meeting_point.lat", NULL, false, N_("meeting point latitude")},
    {"lon", "escort_status.meeting_point.lon", NULL, false, N_("meeting point longitude")},
    {"address", "escort_status.meeting_point.address", NULL, false, N_("meeting point address")},
    {"reference-point", "escort_status.meeting_point.reference_point", NULL, false, N_("a landmark near it")},
    {"at", "escort_status.at_us", "now", false, N_("when")},
    {"eta", "escort_status.eta_us", NULL, false, N_("when the patrol will be there")},
    {"reason", "escort_status.reason", NULL, false, N_("why (unavailable, waived)")},
    {NULL},
};

const pub_kind_t pub_kinds[] = {
    {"zone", N_("a zone's risk level and access conditions"), zone_flags, false},
    {"dispatch", N_("a request for a unit"), dispatch_flags, false},
    {"status", N_("a status change of a dispatch"), status_flags, true},
    {"alert", N_("a security incident"), alert_flags, false},
    {"escort", N_("a police escort request"), escort_flags, false},
    {"escort-status", N_("an answer to an escort request (or a waiver)"), escort_status_flags, true},
    {NULL},
};

const pub_kind_t *pub_kind_find(const char *name)
{
    for (const pub_kind_t *k = pub_kinds; name && k->name; k++)
        if (strcmp(k->name, name) == 0)
            return k;
    return NULL;
}

static const char *value_text(const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_BOOL: return "";
    case PROTOBUF_C_TYPE_DOUBLE: return " NUMBER";
    case PROTOBUF_C_TYPE_UINT32: return " N";
    case PROTOBUF_C_TYPE_INT64: return " TIME";
    case PROTOBUF_C_TYPE_ENUM: return " NAME";
    default: return " TEXT";
    }
}

static void enum_names(const ProtobufCEnumDescriptor *desc, FILE *out)
{
    char name[64];
    for (unsigned i = 1; i < desc->n_values; i++)
        fprintf(out, "%s%s", i > 1 ? "|" : "",
                enum_short_name(desc, desc->values[i].value, name, sizeof name));
}

#define HELP_FLAG_WIDTH 30 /* the flag and its value, then what it says */

static void flag_help(const pub_flag_t *fl, FILE *out)
{
    const ProtobufCFieldDescriptor *f = field_lookup(&hcbus__envelope__descriptor, fl->path);
    if (!f)
        return;
    char left[80];
    snprintf(left, sizeof left, "--%s%s", fl->flag, value_text(f));
    if (strlen(left) >= HELP_FLAG_WIDTH - 2)
        fprintf(out, "  %s\n  %-*s %s", left, HELP_FLAG_WIDTH - 2, "", _(fl->what));
    else
        fprintf(out, "  %-*s %s", HELP_FLAG_WIDTH - 2, left, _(fl->what));
    if (fl->dflt && strcmp(fl->dflt, "new-request-id") == 0)
        fprintf(out, _(" (default req-<a new id>)"));
    else if (fl->dflt)
        fprintf(out, _(" (default %s)"), strcmp(fl->dflt, "new-id") == 0 ? _("a new id") : fl->dflt);
    if (f->type == PROTOBUF_C_TYPE_ENUM) {
        fprintf(out, "\n  %-*s %s", HELP_FLAG_WIDTH - 2, "", _("one of: "));
        enum_names(f->descriptor, out);
    }
    fputc('\n', out);
}

void pub_kind_help(const pub_kind_t *kind, FILE *out)
{
    fprintf(out, "%s", _("required:\n"));
    for (const pub_flag_t *fl = kind->flags; fl->flag; fl++)
        if (fl->required)
            flag_help(fl, out);
    fprintf(out, "%s", _("optional:\n"));
    for (const pub_flag_t *fl = kind->flags; fl->flag; fl++)
        if (!fl->required)
            flag_help(fl, out);
}
