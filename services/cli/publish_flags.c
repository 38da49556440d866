/* publish_flags.c — which flag sets which Envelope field for each `hcbus publish` kind.
 * Flag names follow the proto field names with dashes; --help is generated from this
 * table and the descriptors, so it cannot drift from what is parsed. */
#include "publish_flags.h"

#include <string.h>

#include "common.h"
#include "fields.h"
#include "hcbus/i18n.h"

static const pub_flag_t zone_flags[] = {
    {"zone", "zone.zone_id", NULL},
    {"level", "zone.level", NULL},
    {"escort-required", "zone.access.escort_required", NULL},
    {"allowed-from-hour", "zone.access.allowed_from_hour", NULL},
    {"allowed-until-hour", "zone.access.allowed_until_hour", NULL},
    {"entry-instructions", "zone.access.entry_instructions", NULL},
    {"contact", "zone.access.contact", NULL},
    {"meeting-point-lat", "zone.access.meeting_point.lat", NULL},
    {"meeting-point-lon", "zone.access.meeting_point.lon", NULL},
    {"meeting-point-address", "zone.access.meeting_point.address", NULL},
    {"meeting-point-reference-point", "zone.access.meeting_point.reference_point", NULL},
    {"reason", "zone.reason", NULL},
    {"valid-from", "zone.valid_from_us", "now"},
    {"valid-until", "zone.valid_until_us", NULL},
    {NULL},
};

static const pub_flag_t dispatch_flags[] = {
    {"request-id", "dispatch.request_id", "new-request-id"},
    {"zone", "dispatch.zone_id", NULL},
    {"lat", "dispatch.location.lat", NULL},
    {"lon", "dispatch.location.lon", NULL},
    {"address", "dispatch.location.address", NULL},
    {"reference-point", "dispatch.location.reference_point", NULL},
    {"priority", "dispatch.priority", NULL},
    {"incident-type", "dispatch.incident_type", NULL},
    {"capability", "dispatch.capability", NULL},
    {"patient-age-band", "dispatch.patient.age_band", NULL},
    {"patient-sex", "dispatch.patient.sex", NULL},
    {"patient-complaint", "dispatch.patient.chief_complaint", NULL},
    {"patient-condition", "dispatch.patient.condition", NULL},
    {NULL},
};

static const pub_flag_t status_flags[] = {
    {"request-id", "status.request_id", NULL},
    {"zone", "status.zone_id", NULL},
    {"unit", "status.unit_id", NULL},
    {"state", "status.state", NULL},
    {"at", "status.at_us", "now"},
    {"destination-facility", "status.destination_facility", NULL},
    {"reason", "status.reason", NULL},
    {NULL},
};

static const pub_flag_t alert_flags[] = {
    {"alert-id", "alert.alert_id", "new-id"},
    {"zone", "alert.zone_id", NULL},
    {"target", "alert.target", NULL},
    {"act", "alert.act", NULL},
    {"severity", "alert.severity", NULL},
    {"killed", "alert.casualties.killed", NULL},
    {"injured", "alert.casualties.injured", NULL},
    {"removed", "alert.casualties.removed", NULL},
    {"description", "alert.description", NULL},
    {"anonymous", "alert.anonymous", NULL},
    {"request-id", "alert.request_id", NULL},
    {"occurred-at", "alert.occurred_at_us", NULL},
    {NULL},
};

static const pub_flag_t escort_flags[] = {
    {"escort-id", "escort.escort_id", "new-id"},
    {"request-id", "escort.request_id", NULL},
    {"zone", "escort.zone_id", NULL},
    {"unit", "escort.unit_id", NULL},
    {"lat", "escort.meeting_point.lat", NULL},
    {"lon", "escort.meeting_point.lon", NULL},
    {"address", "escort.meeting_point.address", NULL},
    {"reference-point", "escort.meeting_point.reference_point", NULL},
    {"needed-by", "escort.needed_by_us", NULL},
    {"reason", "escort.reason", NULL},
    {NULL},
};

/* The police's answer to an escort request, or the dispatch centre's waiver. */
static const pub_flag_t escort_status_flags[] = {
    {"escort-id", "escort_status.escort_id", NULL},
    {"request-id", "escort_status.request_id", NULL},
    {"zone", "escort_status.zone_id", NULL},
    {"state", "escort_status.state", NULL},
    {"police-unit", "escort_status.police_unit", NULL},
    {"lat", "escort_status.meeting_point.lat", NULL},
    {"lon", "escort_status.meeting_point.lon", NULL},
    {"address", "escort_status.meeting_point.address", NULL},
    {"reference-point", "escort_status.meeting_point.reference_point", NULL},
    {"at", "escort_status.at_us", "now"},
    {"eta", "escort_status.eta_us", NULL},
    {"reason", "escort_status.reason", NULL},
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

void pub_kind_help(const pub_kind_t *kind, FILE *out)
{
    for (const pub_flag_t *fl = kind->flags; fl->flag; fl++) {
        const ProtobufCFieldDescriptor *f = field_lookup(&hcbus__envelope__descriptor, fl->path);
        if (!f)
            continue;
        char left[64];
        snprintf(left, sizeof left, "--%s%s", fl->flag, value_text(f));
        fprintf(out, "  %-28s %s", left, fl->path);
        if (f->type == PROTOBUF_C_TYPE_ENUM) {
            fprintf(out, ": ");
            enum_names(f->descriptor, out);
        }
        if (fl->dflt && strcmp(fl->dflt, "new-request-id") == 0)
            fprintf(out, _(" (default req-<a new id>)"));
        else if (fl->dflt)
            fprintf(out, _(" (default %s)"), strcmp(fl->dflt, "new-id") == 0 ? _("a new id") : fl->dflt);
        fputc('\n', out);
    }
}
