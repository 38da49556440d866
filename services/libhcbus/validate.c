/* validate.c — the domain rules of every message body, as documented in
 * proto/hcbus.proto (include/hcbus/validate.h). One function per body kind; errors
 * name the field by its dotted path. Every text field is printable UTF-8 (text.h).
 * Authorization is not checked here (rights.c). */
#include "hcbus/validate.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hcbus/clock.h"
#include "hcbus/config.h"
#include "hcbus/i18n.h"
#include "hcbus/text.h"
#include "hcbus/topic.h"
#include "codec_body.h"
#include "enum_name.h"

#define ID_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-"
#define ID_HINT "Ids are 1..64 bytes of letters, digits, '.', '_', ':' and '-'."

#define ADDRESS_MAX_BYTES 256
#define REFERENCE_POINT_MAX_BYTES 256
#define ENTRY_INSTRUCTIONS_MAX_BYTES 512
#define CONTACT_MAX_BYTES 128
#define REASON_MAX_BYTES 512
#define CHIEF_COMPLAINT_MAX_BYTES 256
#define DESCRIPTION_MAX_BYTES 1024
#define FACILITY_MAX_BYTES 256
#define POLICE_UNIT_MAX_BYTES 64
/* A notice names at most this many institutions (proto: Notice.recipients). */
#define NOTICE_RECIPIENTS_MAX 16
#define INSTITUTION_CHARS "abcdefghijklmnopqrstuvwxyz0123456789_-"

#define US_PER_DAY INT64_C(86400000000)
/* 2016-01-01T00:00:00Z: the protocol was signed in 2016; anything earlier is a unit
 * mistake (seconds or milliseconds instead of microseconds) or a broken clock. */
#define EARLIEST_TIME_US INT64_C(1451606400000000)
/* Something that happened cannot be more than a day ahead of our clock (skew allowed). */
#define EVENT_FUTURE_SLACK_US US_PER_DAY
/* A plan (a level's validity, when an escort is needed) can be set at most a year ahead. */
#define PLAN_FUTURE_MAX_US (366 * US_PER_DAY)

#define FIELD_PATH_MAX HCBUS_ERROR_FIELD_MAX
/* How much of a refused value an error message repeats (escaped, so that a control
 * character sent by a peer never reaches a log, a terminal or hcbus.rejections). */
#define ECHO_MAX_BYTES 96

static const char *text(const char *s)
{
    return s ? s : "";
}

static bool is_set(const char *s)
{
    return s && s[0];
}

int hcbus_id_well_formed(const char *id)
{
    if (!id)
        return 0;
    size_t len = strlen(id);
    return len >= 1 && len <= HCBUS_MSG_ID_MAX && strspn(id, ID_CHARS) == len;
}

int hcbus_institution_id_well_formed(const char *id)
{
    if (!id)
        return 0;
    size_t len = strlen(id);
    return len >= 1 && len <= HCBUS_INSTITUTION_ID_MAX && strspn(id, INSTITUTION_CHARS) == len;
}

static int require(const char *field, hcbus_error_t *err)
{
    return hcbus_error_set(err, HCBUS_EINVALID, field, _("%s is required"), field);
}

/* An id field: required or optional, and well formed when present. */
static int check_id(const char *id, bool required, const char *field, hcbus_error_t *err)
{
    if (!is_set(id))
        return required ? require(field, err) : 0;
    if (hcbus_id_well_formed(id))
        return 0;
    char shown[ECHO_MAX_BYTES];
    hcbus_error_set(err, HCBUS_EINVALID, field, _("%s \"%s\" is not a well-formed id"), field,
                    hcbus_text_escape(id, HCBUS_TEXT_QUOTED, shown, sizeof shown));
    return hcbus_error_hint(err, ID_HINT);
}

static int check_length(const char *s, size_t max_bytes, const char *field, hcbus_error_t *err)
{
    size_t len = strlen(text(s));
    if (len <= max_bytes)
        return 0;
    return hcbus_error_set(err, HCBUS_EINVALID, field, _("%s is %zu bytes, over the limit of %zu"),
                           field, len, max_bytes);
}

static int check_zone(const hcbus_zones_t *zones, const char *zone_id, const char *field,
                      hcbus_error_t *err)
{
    if (!is_set(zone_id))
        return require(field, err);
    if (zones)
        return hcbus_zones_check(zones, zone_id, field, err);
    if (hcbus_zone_id_well_formed(zone_id))
        return 0;
    hcbus_error_set(err, HCBUS_EINVALID, field, _("zone id \"%.128s\" is not well formed"), zone_id);
    return hcbus_error_hint(err, _("Zone ids are lower case components of [a-z0-9-] separated by "
                                 "dots, such as sv.ss.san-salvador-este.soyapango."));
}

/* protobuf-c stores whatever integer arrives in an enum field, so ranges are checked
 * against the generated descriptor. UNSPECIFIED (0) is refused when required. */
static int check_enum(const ProtobufCEnumDescriptor *desc, int value, bool required,
                      const char *field, hcbus_error_t *err)
{
    char choices[HCBUS_ERROR_HINT_MAX - 16];
    bool known = protobuf_c_enum_descriptor_get_value(desc, value) != NULL;
    if (known && (value != 0 || !required))
        return 0;
    if (known)
        require(field, err);
    else
        hcbus_error_set(err, HCBUS_EINVALID, field, _("%s value %d is not a known value"), field,
                        value);
    return hcbus_error_hint(err, _("One of: %s."), hcbus_enum_choices(desc, choices, sizeof choices));
}

/* A time: 0 is "not set" (refused if required); otherwise after EARLIEST_TIME_US and
 * at most future_max_us ahead of now. */
static int check_time(int64_t t_us, bool required, int64_t future_max_us, const char *field,
                      hcbus_error_t *err)
{
    if (t_us == 0)
        return required ? require(field, err) : 0;
    if (t_us < EARLIEST_TIME_US) {
        hcbus_error_set(err, HCBUS_EINVALID, field, "%s %" PRId64 " is before 2016-01-01", field,
                        t_us);
        return hcbus_error_hint(err, _("Times are microseconds since 1970-01-01T00:00:00Z."));
    }
    int64_t now_us = hcbus_now_us();
    if (t_us > now_us + future_max_us) {
        char when[HCBUS_TIME_TEXT_MAX];
        hcbus_error_set(err, HCBUS_EINVALID, field, _("%s %s is too far in the future"), field,
                        hcbus_time_format(t_us, 0, when, sizeof when));
        return hcbus_error_hint(err, _("Check the sender's clock and that the time is in "
                                     "microseconds since 1970-01-01T00:00:00Z."));
    }
    return 0;
}

static void join(char *buf, const char *prefix, const char *name)
{
    snprintf(buf, FIELD_PATH_MAX, "%s.%s", prefix, name);
}

static int check_coordinates(const Hcbus__Location *loc, const char *path, hcbus_error_t *err)
{
    char field[FIELD_PATH_MAX];
    /* Written as "not inside" so that NaN is refused too. */
    if (!(loc->lat >= -90.0 && loc->lat <= 90.0)) {
        join(field, path, "lat");
        hcbus_error_set(err, HCBUS_EINVALID, field, _("latitude %f is out of range"), loc->lat);
        return hcbus_error_hint(err, _("Latitude is -90..90 degrees (WGS84)."));
    }
    if (!(loc->lon >= -180.0 && loc->lon <= 180.0)) {
        join(field, path, "lon");
        hcbus_error_set(err, HCBUS_EINVALID, field, _("longitude %f is out of range"), loc->lon);
        return hcbus_error_hint(err, _("Longitude is -180..180 degrees (WGS84)."));
    }
    return 0;
}

static int check_location(const Hcbus__Location *loc, const char *path, hcbus_error_t *err)
{
    char field[FIELD_PATH_MAX];
    if (!loc)
        return require(path, err);
    if (check_coordinates(loc, path, err) != 0)
        return -1;
    join(field, path, "address");
    if (check_length(loc->address, ADDRESS_MAX_BYTES, field, err) != 0)
        return -1;
    join(field, path, "reference_point");
    if (check_length(loc->reference_point, REFERENCE_POINT_MAX_BYTES, field, err) != 0)
        return -1;
    bool has_coordinates = loc->lat != 0.0 || loc->lon != 0.0;
    if (has_coordinates || is_set(loc->address) || is_set(loc->reference_point))
        return 0;
    hcbus_error_set(err, HCBUS_EINVALID, path, _("%s is empty"), path);
    return hcbus_error_hint(err, _("Give an address, a reference point or coordinates."));
}

static int check_hour(uint32_t hour, uint32_t min, uint32_t max, const char *field,
                      hcbus_error_t *err)
{
    if (hour >= min && hour <= max)
        return 0;
    hcbus_error_set(err, HCBUS_EINVALID, field, "%s %" PRIu32 " is out of range", field, hour);
    return hcbus_error_hint(err, "Hours are local time, %" PRIu32 "..%" PRIu32 ".", min, max);
}

/* AccessConditions at path ("zone.access", "notice.access"); absent is fine. */
static int check_access(const Hcbus__AccessConditions *access, const char *path,
                        hcbus_error_t *err)
{
    char field[FIELD_PATH_MAX];
    if (!access)
        return 0;
    uint32_t from = access->allowed_from_hour, until = access->allowed_until_hour;
    join(field, path, "allowed_from_hour");
    if (check_hour(from, 0, 23, field, err) != 0)
        return -1;
    /* until 0 with from 0 means "any hour"; until 0 with a from is a missing end. */
    join(field, path, "allowed_until_hour");
    if (!(from == 0 && until == 0) && check_hour(until, 1, 24, field, err) != 0)
        return -1;
    if (from != 0 && from == until) {
        hcbus_error_set(err, HCBUS_EINVALID, field, "entry window %" PRIu32 "..%" PRIu32 " is empty",
                        from, until);
        return hcbus_error_hint(err, _("Set both hours to 0 to allow entry at any hour."));
    }
    join(field, path, "entry_instructions");
    if (check_length(access->entry_instructions, ENTRY_INSTRUCTIONS_MAX_BYTES, field, err) != 0)
        return -1;
    join(field, path, "contact");
    if (check_length(access->contact, CONTACT_MAX_BYTES, field, err) != 0)
        return -1;
    /* Optional; when given, a place like any other. */
    join(field, path, "meeting_point");
    return access->meeting_point ? check_location(access->meeting_point, field, err) : 0;
}

static int validate_zone(const Hcbus__ZoneRiskLevel *z, const hcbus_zones_t *zones,
                         hcbus_error_t *err)
{
    if (check_zone(zones, z->zone_id, "zone.zone_id", err) != 0 ||
        check_enum(&hcbus__risk_level__descriptor, (int)z->level, true, "zone.level", err) != 0 ||
        check_access(z->access, "zone.access", err) != 0 ||
        check_length(z->reason, REASON_MAX_BYTES, "zone.reason", err) != 0 ||
        check_time(z->valid_from_us, true, PLAN_FUTURE_MAX_US, "zone.valid_from_us", err) != 0 ||
        check_time(z->valid_until_us, false, PLAN_FUTURE_MAX_US, "zone.valid_until_us", err) != 0)
        return -1;
    if (z->valid_until_us != 0 && z->valid_until_us <= z->valid_from_us) {
        hcbus_error_set(err, HCBUS_EINVALID, "zone.valid_until_us",
                        _("zone.valid_until_us is not after zone.valid_from_us"));
        return hcbus_error_hint(err, _("Use 0 for a level that holds until it is replaced."));
    }
    return 0;
}

static int validate_patient(const Hcbus__PatientDetails *p, hcbus_error_t *err)
{
    if (!p)
        return 0;
    if (check_enum(&hcbus__age_band__descriptor, (int)p->age_band, false,
                   "dispatch.patient.age_band", err) != 0 ||
        check_enum(&hcbus__sex__descriptor, (int)p->sex, false, "dispatch.patient.sex", err) != 0 ||
        check_enum(&hcbus__patient_condition__descriptor, (int)p->condition, false,
                   "dispatch.patient.condition", err) != 0)
        return -1;
    return check_length(p->chief_complaint, CHIEF_COMPLAINT_MAX_BYTES,
                        "dispatch.patient.chief_complaint", err);
}

static int validate_dispatch(const Hcbus__DispatchRequest *d, const hcbus_zones_t *zones,
                             hcbus_error_t *err)
{
    if (check_id(d->request_id, true, "dispatch.request_id", err) != 0 ||
        check_zone(zones, d->zone_id, "dispatch.zone_id", err) != 0 ||
        check_location(d->location, "dispatch.location", err) != 0 ||
        check_enum(&hcbus__priority__descriptor, (int)d->priority, true, "dispatch.priority",
                   err) != 0 ||
        check_enum(&hcbus__incident_type__descriptor, (int)d->incident_type, true,
                   "dispatch.incident_type", err) != 0 ||
        check_enum(&hcbus__capability__descriptor, (int)d->capability, true,
                   "dispatch.capability", err) != 0 ||
        validate_patient(d->patient, err) != 0)
        return -1;
    if (d->patient_redacted) {
        hcbus_error_set(err, HCBUS_EINVALID, "dispatch.patient_redacted",
                        _("dispatch.patient_redacted is set by the broker, not by a publisher"));
        return hcbus_error_hint(err, _("Leave it false; send patient details or none."));
    }
    return 0;
}

static bool state_needs_reason(Hcbus__DispatchState s)
{
    return s == HCBUS__DISPATCH_STATE__DISPATCH_STATE_DECLINED ||
           s == HCBUS__DISPATCH_STATE__DISPATCH_STATE_CANCELLED ||
           s == HCBUS__DISPATCH_STATE__DISPATCH_STATE_ABORTED_SECURITY;
}

static bool state_needs_destination(Hcbus__DispatchState s)
{
    return s == HCBUS__DISPATCH_STATE__DISPATCH_STATE_TRANSPORTING ||
           s == HCBUS__DISPATCH_STATE__DISPATCH_STATE_AT_FACILITY;
}

/* From ACCEPTED on a unit is assigned; only a refusal or a cancellation can come
 * without one. */
static bool state_needs_unit(Hcbus__DispatchState s)
{
    return s != HCBUS__DISPATCH_STATE__DISPATCH_STATE_DECLINED &&
           s != HCBUS__DISPATCH_STATE__DISPATCH_STATE_CANCELLED;
}

static int require_for_state(const char *value, bool needed, const char *field,
                             Hcbus__DispatchState state, hcbus_error_t *err)
{
    if (!needed || is_set(value))
        return 0;
    char name[64]; /* the name a publisher writes ("declined"), not DISPATCH_STATE_DECLINED */
    const char *v = hcbus_enum_short_name(&hcbus__dispatch_state__descriptor, (int)state, name,
                                          sizeof name);
    return hcbus_error_set(err, HCBUS_EINVALID, field, _("%s is required for state %s"), field,
                           v ? v : "?");
}

static int validate_status(const Hcbus__DispatchStatus *s, const hcbus_zones_t *zones,
                           hcbus_error_t *err)
{
    if (check_id(s->request_id, true, "status.request_id", err) != 0 ||
        check_zone(zones, s->zone_id, "status.zone_id", err) != 0 ||
        check_enum(&hcbus__dispatch_state__descriptor, (int)s->state, true, "status.state",
                   err) != 0 ||
        check_id(s->unit_id, false, "status.unit_id", err) != 0 ||
        check_time(s->at_us, true, EVENT_FUTURE_SLACK_US, "status.at_us", err) != 0 ||
        check_length(s->destination_facility, FACILITY_MAX_BYTES, "status.destination_facility",
                     err) != 0 ||
        check_length(s->reason, REASON_MAX_BYTES, "status.reason", err) != 0)
        return -1;
    if (require_for_state(s->unit_id, state_needs_unit(s->state), "status.unit_id", s->state,
                          err) != 0 ||
        require_for_state(s->destination_facility, state_needs_destination(s->state),
                          "status.destination_facility", s->state, err) != 0 ||
        require_for_state(s->reason, state_needs_reason(s->state), "status.reason", s->state,
                          err) != 0)
        return -1;
    return 0;
}

static int validate_alert(const Hcbus__SecurityAlert *a, const hcbus_zones_t *zones,
                          hcbus_error_t *err)
{
    if (check_id(a->alert_id, true, "alert.alert_id", err) != 0 ||
        check_zone(zones, a->zone_id, "alert.zone_id", err) != 0 ||
        check_enum(&hcbus__target__descriptor, (int)a->target, true, "alert.target", err) != 0 ||
        check_enum(&hcbus__act__descriptor, (int)a->act, true, "alert.act", err) != 0 ||
        check_enum(&hcbus__severity__descriptor, (int)a->severity, true, "alert.severity",
                   err) != 0 ||
        check_length(a->description, DESCRIPTION_MAX_BYTES, "alert.description", err) != 0 ||
        check_id(a->request_id, false, "alert.request_id", err) != 0 ||
        check_time(a->occurred_at_us, false, EVENT_FUTURE_SLACK_US, "alert.occurred_at_us",
                   err) != 0)
        return -1;
    if (a->act == HCBUS__ACT__ACT_OTHER && !is_set(a->description)) {
        hcbus_error_set(err, HCBUS_EINVALID, "alert.description",
                        _("alert.description is required for act other"));
        return hcbus_error_hint(err, _("Say what happened."));
    }
    return 0;
}

static int validate_escort(const Hcbus__EscortRequest *e, const hcbus_zones_t *zones,
                           hcbus_error_t *err)
{
    if (check_id(e->escort_id, true, "escort.escort_id", err) != 0 ||
        check_id(e->request_id, true, "escort.request_id", err) != 0 ||
        check_zone(zones, e->zone_id, "escort.zone_id", err) != 0 ||
        check_id(e->unit_id, false, "escort.unit_id", err) != 0 ||
        check_location(e->meeting_point, "escort.meeting_point", err) != 0 ||
        check_time(e->needed_by_us, false, PLAN_FUTURE_MAX_US, "escort.needed_by_us", err) != 0)
        return -1;
    return check_length(e->reason, REASON_MAX_BYTES, "escort.reason", err);
}

static int require_for_escort_state(bool present, bool needed, const char *field,
                                    Hcbus__EscortState state, hcbus_error_t *err)
{
    if (!needed || present)
        return 0;
    char name[64];
    const char *v = hcbus_enum_short_name(&hcbus__escort_state__descriptor, (int)state, name,
                                          sizeof name);
    return hcbus_error_set(err, HCBUS_EINVALID, field, _("%s is required for state %s"), field,
                           v ? v : "?");
}

static int validate_escort_status(const Hcbus__EscortStatus *e, const hcbus_zones_t *zones,
                                  hcbus_error_t *err)
{
    if (check_id(e->escort_id, true, "escort_status.escort_id", err) != 0 ||
        check_id(e->request_id, true, "escort_status.request_id", err) != 0 ||
        check_zone(zones, e->zone_id, "escort_status.zone_id", err) != 0 ||
        check_enum(&hcbus__escort_state__descriptor, (int)e->state, true, "escort_status.state",
                   err) != 0 ||
        check_length(e->police_unit, POLICE_UNIT_MAX_BYTES, "escort_status.police_unit", err) != 0 ||
        (e->meeting_point &&
         check_location(e->meeting_point, "escort_status.meeting_point", err) != 0) ||
        check_time(e->at_us, true, EVENT_FUTURE_SLACK_US, "escort_status.at_us", err) != 0 ||
        check_length(e->reason, REASON_MAX_BYTES, "escort_status.reason", err) != 0 ||
        check_time(e->eta_us, false, PLAN_FUTURE_MAX_US, "escort_status.eta_us", err) != 0)
        return -1;
    bool assigned = e->state == HCBUS__ESCORT_STATE__ESCORT_STATE_ASSIGNED;
    bool needs_reason = e->state == HCBUS__ESCORT_STATE__ESCORT_STATE_UNAVAILABLE ||
                        e->state == HCBUS__ESCORT_STATE__ESCORT_STATE_WAIVED;
    if (require_for_escort_state(is_set(e->police_unit), assigned, "escort_status.police_unit",
                                 e->state, err) != 0 ||
        require_for_escort_state(e->meeting_point != NULL, assigned, "escort_status.meeting_point",
                                 e->state, err) != 0)
        return -1;
    if (require_for_escort_state(is_set(e->reason), needs_reason, "escort_status.reason", e->state,
                                 err) != 0)
        return hcbus_error_hint(err, _("Say why (no unit free, the crew goes without escort ...)."));
    return 0;
}

/* An institution id field: required or optional, and well formed when present. */
static int check_institution(const char *id, bool required, const char *field,
                             hcbus_error_t *err)
{
    if (!is_set(id))
        return required ? require(field, err) : 0;
    if (hcbus_institution_id_well_formed(id))
        return 0;
    char shown[ECHO_MAX_BYTES];
    hcbus_error_set(err, HCBUS_EINVALID, field, _("%s \"%s\" is not a well-formed institution id"),
                    field, hcbus_text_escape(id, HCBUS_TEXT_QUOTED, shown, sizeof shown));
    return hcbus_error_hint(err, _("Institution ids are 1..%d bytes of a-z, 0-9, '_' and '-'."),
                            HCBUS_INSTITUTION_ID_MAX);
}

/* Notice.recipients: 1..NOTICE_RECIPIENTS_MAX institution ids, a bad one named by its
 * index ("notice.recipients[1]"). */
static int check_recipients(const Hcbus__Notice *n, hcbus_error_t *err)
{
    const char *field = "notice.recipients";
    if (n->n_recipients == 0) {
        require(field, err);
        return hcbus_error_hint(err, _("Name the institutions the notice is addressed to."));
    }
    if (n->n_recipients > NOTICE_RECIPIENTS_MAX) {
        hcbus_error_set(err, HCBUS_EINVALID, field, _("%s names %zu institutions, over the limit of %d"),
                        field, n->n_recipients, NOTICE_RECIPIENTS_MAX);
        return hcbus_error_hint(err, _("Facilitators see every notice; address it to those involved."));
    }
    for (size_t i = 0; i < n->n_recipients; i++) {
        char item[FIELD_PATH_MAX];
        snprintf(item, sizeof item, "%s[%zu]", field, i);
        if (check_institution(n->recipients[i], true, item, err) != 0)
            return -1;
    }
    return 0;
}

/* A violation and an overdue notice name the rule (proto: NoticeKind). */
static int check_notice_rule(const Hcbus__Notice *n, hcbus_error_t *err)
{
    bool needs_rule = n->kind == HCBUS__NOTICE_KIND__NOTICE_KIND_VIOLATION ||
                      n->kind == HCBUS__NOTICE_KIND__NOTICE_KIND_OVERDUE;
    if (!needs_rule || n->rule != HCBUS__NOTICE_RULE__NOTICE_RULE_UNSPECIFIED)
        return 0;
    char name[64];
    const char *v = hcbus_enum_short_name(&hcbus__notice_kind__descriptor, (int)n->kind, name,
                                          sizeof name);
    char choices[HCBUS_ERROR_HINT_MAX - 16];
    hcbus_error_set(err, HCBUS_EINVALID, "notice.rule", _("notice.rule is required for kind %s"),
                    v ? v : "?");
    return hcbus_error_hint(err, _("One of: %s."),
                            hcbus_enum_choices(&hcbus__notice_rule__descriptor, choices, sizeof choices));
}

static int validate_notice(const Hcbus__Envelope *env, const hcbus_zones_t *zones,
                           hcbus_error_t *err)
{
    const Hcbus__Notice *n = env->notice;
    if (check_id(n->notice_id, true, "notice.notice_id", err) != 0 ||
        check_zone(zones, n->zone_id, "notice.zone_id", err) != 0 ||
        check_enum(&hcbus__notice_kind__descriptor, (int)n->kind, true, "notice.kind", err) != 0 ||
        check_recipients(n, err) != 0 ||
        check_id(n->request_id, false, "notice.request_id", err) != 0 ||
        check_id(n->escort_id, false, "notice.escort_id", err) != 0 ||
        check_enum(&hcbus__notice_rule__descriptor, (int)n->rule, false, "notice.rule", err) != 0 ||
        check_length(n->reason, REASON_MAX_BYTES, "notice.reason", err) != 0 ||
        check_enum(&hcbus__risk_level__descriptor, (int)n->level, false, "notice.level", err) != 0 ||
        check_access(n->access, "notice.access", err) != 0 ||
        check_time(n->deadline_us, false, PLAN_FUTURE_MAX_US, "notice.deadline_us", err) != 0 ||
        check_institution(n->subject_sender, false, "notice.subject_sender", err) != 0 ||
        check_time(n->subject_at_us, false, EVENT_FUTURE_SLACK_US, "notice.subject_at_us", err) != 0 ||
        check_notice_rule(n, err) != 0)
        return -1;
    /* Deterministic msg_ids make a notice exactly-once across coordinator restarts; the
     * notice repeats its own so that the audit log's subject is that id. */
    if (strcmp(n->notice_id, env->msg_id ? env->msg_id : "") != 0) {
        char shown[ECHO_MAX_BYTES];
        hcbus_error_set(err, HCBUS_EINVALID, "notice.notice_id",
                        _("notice.notice_id \"%s\" is not the message's msg_id"),
                        hcbus_text_escape(n->notice_id, HCBUS_TEXT_QUOTED, shown, sizeof shown));
        return hcbus_error_hint(err, _("Set notice_id and msg_id to the same id."));
    }
    return 0;
}

/* One text field: UTF-8 (protobuf-c does not check, and the audit log, JSON summaries
 * and terminals all assume it) without control characters, which a terminal would obey
 * (docs/decisions/0006-no-control-characters-in-text.md). Line breaks and tabs are
 * controls too: every field, free text included, is one line. */
static int check_text(const char *s, const char *field, hcbus_error_t *err)
{
    size_t bad = 0;
    uint32_t cp = 0;
    if (!s || hcbus_text_check(s, &bad, &cp) == 0)
        return 0;
    if (cp == UINT32_MAX)
        return hcbus_error_set(err, HCBUS_EINVALID, field,
                               _("%s is not valid UTF-8 (bad byte at offset %zu)"), field, bad);
    hcbus_error_set(err, HCBUS_EINVALID, field,
                    "%s holds control character U+%04" PRIX32 " at byte %zu", field, cp, bad);
    return hcbus_error_hint(err, _("Text fields are one line of printable UTF-8: no U+0000..U+001F "
                                 "(line breaks and tabs included), U+007F or U+0080..U+009F."));
}

/* Every string field of msg and its sub-messages passes check_text. */
static int check_strings(const ProtobufCMessage *msg, const char *path, hcbus_error_t *err)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        const char *member = (const char *)msg + f->offset;
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)((const char *)msg + f->quantifier_offset) != f->id)
            continue;
        char field[FIELD_PATH_MAX];
        snprintf(field, sizeof field, "%s%s%s", path, path[0] ? "." : "", f->name);
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            /* Repeated strings (Notice.recipients); bodies have no repeated messages. */
            size_t n = *(const size_t *)((const char *)msg + f->quantifier_offset);
            char *const *items = *(char *const *const *)member;
            for (size_t k = 0; f->type == PROTOBUF_C_TYPE_STRING && k < n; k++) {
                char item[FIELD_PATH_MAX + 24]; /* room for "[k]"; the error keeps what fits */
                snprintf(item, sizeof item, "%s[%zu]", field, k);
                if (check_text(items[k], item, err) != 0)
                    return -1;
            }
            continue;
        }
        if (f->type == PROTOBUF_C_TYPE_STRING) {
            if (check_text(*(const char *const *)member, field, err) != 0)
                return -1;
        } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
            const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)member;
            if (sub && check_strings(sub, field, err) != 0)
                return -1;
        }
    }
    return 0;
}

static int validate_body(const Hcbus__Envelope *env, const hcbus_zones_t *zones,
                         hcbus_error_t *err)
{
    const ProtobufCMessage *body = hcbus_envelope_body(env);
    if (!body) {
        hcbus_error_set(err, HCBUS_EINVALID, "body", _("message has no body"));
        return hcbus_error_hint(err, _("Set exactly one of zone, dispatch, status, alert, escort, "
                                     "escort_status, notice."));
    }
    int kind = hcbus_envelope_kind(env);
    if (check_strings(body, hcbus_kind_name(kind), err) != 0)
        return -1;
    switch (kind) {
    case HCBUS_KIND_ZONE: return validate_zone(env->zone, zones, err);
    case HCBUS_KIND_DISPATCH: return validate_dispatch(env->dispatch, zones, err);
    case HCBUS_KIND_STATUS: return validate_status(env->status, zones, err);
    case HCBUS_KIND_ALERT: return validate_alert(env->alert, zones, err);
    case HCBUS_KIND_ESCORT: return validate_escort(env->escort, zones, err);
    case HCBUS_KIND_ESCORT_STATUS: return validate_escort_status(env->escort_status, zones, err);
    case HCBUS_KIND_NOTICE: return validate_notice(env, zones, err);
    default:
        /* hcbus_envelope_body and hcbus_envelope_kind know the same bodies. */
        return hcbus_error_set(err, HCBUS_EINVALID, "body", _("message body of kind %d is not known"),
                               kind);
    }
}

static int check_topic(const Hcbus__Envelope *env, hcbus_error_t *err)
{
    char expected[HCBUS_TOPIC_MAX + 1];
    if (!is_set(env->topic))
        return 0;
    if (hcbus_topic_build(hcbus_envelope_kind(env), hcbus_envelope_zone(env), expected,
                          sizeof expected, err) != 0)
        return -1;
    if (strcmp(env->topic, expected) == 0)
        return 0;
    char shown[ECHO_MAX_BYTES];
    hcbus_error_set(err, HCBUS_EINVALID, "topic", _("topic \"%s\" does not match the body"),
                    hcbus_text_escape(env->topic, HCBUS_TEXT_QUOTED, shown, sizeof shown));
    return hcbus_error_hint(err, _("Leave topic empty or set it to \"%s\"."), expected);
}

int hcbus_envelope_validate(const Hcbus__Envelope *env, const hcbus_zones_t *zones,
                            hcbus_error_t *err)
{
    /* sender is not checked: the broker overwrites it. msg_id and topic are compared
     * with ASCII-only rules, so they need no UTF-8 check of their own. */
    if (check_id(env->msg_id, true, "msg_id", err) != 0 ||
        check_time(env->sent_at_us, false, EVENT_FUTURE_SLACK_US, "sent_at_us", err) != 0 ||
        validate_body(env, zones, err) != 0)
        return -1;
    return check_topic(env, err);
}
