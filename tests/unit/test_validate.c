/* test_validate.c — validate.c: the fixtures pass; each rule of proto/hcbus.proto
 * refuses a message broken in one way, with the expected code and field path; zones
 * are checked against deploy/sv-districts.csv. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "hcbus/clock.h"
#include "hcbus/validate.h"

#define DAY_US (24 * FIXTURE_HOUR_US)

typedef struct {
    const char *name;
    hcbus_kind_t kind;
    void (*mutate)(hcbus_fixture_t *f);
    int code;
    const char *field;
} bad_case_t;

static char long_text[2048];

/* Envelope */
static void no_msg_id(hcbus_fixture_t *f) { f->env.msg_id = (char *)""; }
static void bad_msg_id(hcbus_fixture_t *f) { f->env.msg_id = (char *)"has space"; }
static void long_msg_id(hcbus_fixture_t *f) { f->env.msg_id = long_text + sizeof long_text - 66; }
static void no_body(hcbus_fixture_t *f) { f->env.body_case = HCBUS__ENVELOPE__BODY__NOT_SET; }
static void wrong_topic(hcbus_fixture_t *f) { f->env.topic = (char *)"zone.sv.ss"; }
static void old_sent_at(hcbus_fixture_t *f) { f->env.sent_at_us = 1000; }
static void future_sent_at(hcbus_fixture_t *f) { f->env.sent_at_us = hcbus_now_us() + 2 * DAY_US; }
/* Zone */
static void zone_no_zone(hcbus_fixture_t *f) { f->zone.zone_id = (char *)""; }
static void zone_bad_zone(hcbus_fixture_t *f) { f->zone.zone_id = (char *)"SV.SS"; }
static void zone_no_level(hcbus_fixture_t *f) { f->zone.level = 0; }
static void zone_level_range(hcbus_fixture_t *f) { f->zone.level = (Hcbus__RiskLevel)99; }
static void zone_from_hour(hcbus_fixture_t *f) { f->access.allowed_from_hour = 24; }
static void zone_until_hour(hcbus_fixture_t *f) { f->access.allowed_until_hour = 25; }
static void zone_until_missing(hcbus_fixture_t *f) { f->access.allowed_until_hour = 0; }
static void zone_instructions(hcbus_fixture_t *f) { f->access.entry_instructions = long_text + sizeof long_text - 514; }
static void zone_contact(hcbus_fixture_t *f) { f->access.contact = long_text + sizeof long_text - 130; }
static void zone_reason(hcbus_fixture_t *f) { f->zone.reason = long_text + sizeof long_text - 514; }
static void zone_no_from(hcbus_fixture_t *f) { f->zone.valid_from_us = 0; }
static void zone_until_before(hcbus_fixture_t *f) { f->zone.valid_until_us = f->zone.valid_from_us; }
static void zone_bad_utf8(hcbus_fixture_t *f) { f->zone.reason = (char *)"caf\xc3("; }
static void zone_overlong_utf8(hcbus_fixture_t *f) { f->access.contact = (char *)"\xc0\xaf"; }
/* Dispatch */
static void dispatch_no_request(hcbus_fixture_t *f) { f->dispatch.request_id = (char *)""; }
static void dispatch_bad_request(hcbus_fixture_t *f) { f->dispatch.request_id = (char *)"a/b"; }
static void dispatch_no_location(hcbus_fixture_t *f) { f->dispatch.location = NULL; }
static void dispatch_lat(hcbus_fixture_t *f) { f->location.lat = 91.0; }
static void dispatch_lon(hcbus_fixture_t *f) { f->location.lon = -180.5; }
static void dispatch_nan(hcbus_fixture_t *f) { f->location.lat = NAN; }
static void dispatch_empty_location(hcbus_fixture_t *f)
{
    f->location.lat = 0;
    f->location.lon = 0;
    f->location.address = (char *)"";
    f->location.reference_point = (char *)"";
}
static void dispatch_address(hcbus_fixture_t *f) { f->location.address = long_text + sizeof long_text - 258; }
static void dispatch_no_priority(hcbus_fixture_t *f) { f->dispatch.priority = 0; }
static void dispatch_incident_range(hcbus_fixture_t *f) { f->dispatch.incident_type = (Hcbus__IncidentType)-3; }
static void dispatch_no_capability(hcbus_fixture_t *f) { f->dispatch.capability = 0; }
static void dispatch_sex_range(hcbus_fixture_t *f) { f->patient.sex = (Hcbus__Sex)9; }
static void dispatch_complaint(hcbus_fixture_t *f) { f->patient.chief_complaint = long_text + sizeof long_text - 258; }
static void dispatch_claims_redacted(hcbus_fixture_t *f) { f->dispatch.patient_redacted = 1; }
static void dispatch_utf8_nested(hcbus_fixture_t *f) { f->patient.chief_complaint = (char *)"\xed\xa0\x80"; }
/* Status */
static void status_no_state(hcbus_fixture_t *f) { f->status.state = 0; }
static void status_state_range(hcbus_fixture_t *f) { f->status.state = (Hcbus__DispatchState)10; }
static void status_no_unit(hcbus_fixture_t *f) { f->status.unit_id = (char *)""; }
static void status_bad_unit(hcbus_fixture_t *f) { f->status.unit_id = (char *)"SEM M12"; }
static void status_no_destination(hcbus_fixture_t *f) { f->status.destination_facility = (char *)""; }
static void status_declined_no_reason(hcbus_fixture_t *f)
{
    f->status.state = HCBUS__DISPATCH_STATE__DISPATCH_STATE_DECLINED;
    f->status.reason = (char *)"";
}
static void status_aborted_no_reason(hcbus_fixture_t *f)
{
    f->status.state = HCBUS__DISPATCH_STATE__DISPATCH_STATE_ABORTED_SECURITY;
    f->status.reason = (char *)"";
}
static void status_cancelled_no_reason(hcbus_fixture_t *f)
{
    f->status.state = HCBUS__DISPATCH_STATE__DISPATCH_STATE_CANCELLED;
    f->status.reason = (char *)"";
}
static void status_accepted_no_unit(hcbus_fixture_t *f)
{
    f->status.state = HCBUS__DISPATCH_STATE__DISPATCH_STATE_ACCEPTED;
    f->status.unit_id = (char *)"";
}
static void status_no_at(hcbus_fixture_t *f) { f->status.at_us = 0; }
static void status_at_ms(hcbus_fixture_t *f) { f->status.at_us = FIXTURE_T0_US / 1000; }
static void status_future(hcbus_fixture_t *f) { f->status.at_us = hcbus_now_us() + 2 * DAY_US; }
static void status_no_request(hcbus_fixture_t *f) { f->status.request_id = (char *)""; }
/* Alert */
static void alert_no_id(hcbus_fixture_t *f) { f->alert.alert_id = (char *)""; }
static void alert_no_target(hcbus_fixture_t *f) { f->alert.target = 0; }
static void alert_no_act(hcbus_fixture_t *f) { f->alert.act = 0; }
static void alert_act_range(hcbus_fixture_t *f) { f->alert.act = (Hcbus__Act)27; }
static void alert_no_severity(hcbus_fixture_t *f) { f->alert.severity = 0; }
static void alert_other_no_description(hcbus_fixture_t *f)
{
    f->alert.act = HCBUS__ACT__ACT_OTHER;
    f->alert.description = (char *)"";
}
static void alert_description(hcbus_fixture_t *f) { f->alert.description = long_text + sizeof long_text - 1026; }
static void alert_bad_request(hcbus_fixture_t *f) { f->alert.request_id = (char *)"x y"; }
static void alert_future(hcbus_fixture_t *f) { f->alert.occurred_at_us = hcbus_now_us() + 2 * DAY_US; }
/* Escort */
static void escort_no_id(hcbus_fixture_t *f) { f->escort.escort_id = (char *)""; }
static void escort_no_request(hcbus_fixture_t *f) { f->escort.request_id = (char *)""; }
static void escort_no_meeting(hcbus_fixture_t *f) { f->escort.meeting_point = NULL; }
static void escort_meeting_lat(hcbus_fixture_t *f) { f->meeting_point.lat = -90.01; }
static void escort_bad_unit(hcbus_fixture_t *f) { f->escort.unit_id = (char *)"ünit"; }
/* Control characters (decision 0006): C0 (newline and tab included), DEL, C1. */
static void alert_newline(hcbus_fixture_t *f) { f->alert.description = (char *)"robo\nGREEN, all clear"; }
static void alert_escape(hcbus_fixture_t *f) { f->alert.description = (char *)"ok \x1b[8mhidden"; }
static void alert_tab(hcbus_fixture_t *f) { f->alert.description = (char *)"a\tb"; }
static void alert_del(hcbus_fixture_t *f) { f->alert.description = (char *)"a\x7f"; }
static void alert_c1(hcbus_fixture_t *f) { f->alert.description = (char *)"a\xc2\x9b" "8m"; }
static void zone_contact_cr(hcbus_fixture_t *f) { f->access.contact = (char *)"2222-0000\r"; }
static void dispatch_address_bell(hcbus_fixture_t *f) { f->location.address = (char *)"calle \x07"; }
static void escort_reason_c1(hcbus_fixture_t *f) { f->escort.reason = (char *)"\xc2\x85next line"; }
static void escort_reason(hcbus_fixture_t *f) { f->escort.reason = long_text + sizeof long_text - 514; }
static void escort_needed_far(hcbus_fixture_t *f) { f->escort.needed_by_us = hcbus_now_us() + 400 * DAY_US; }
static void escort_no_zone(hcbus_fixture_t *f) { f->escort.zone_id = (char *)""; }
/* Zone: the access conditions' meeting point, like any place */
static void zone_meeting_lon(hcbus_fixture_t *f) { f->access_meeting_point.lon = 200.0; }
static void zone_meeting_empty(hcbus_fixture_t *f)
{
    hcbus__location__init(&f->access_meeting_point);
}
static void zone_meeting_address(hcbus_fixture_t *f) { f->access_meeting_point.address = long_text + sizeof long_text - 258; }
static void zone_meeting_newline(hcbus_fixture_t *f) { f->access_meeting_point.reference_point = (char *)"a\nb"; }
/* Escort status */
static void es_no_escort(hcbus_fixture_t *f) { f->escort_status.escort_id = (char *)""; }
static void es_bad_escort(hcbus_fixture_t *f) { f->escort_status.escort_id = (char *)"esc 7"; }
static void es_no_request(hcbus_fixture_t *f) { f->escort_status.request_id = (char *)""; }
static void es_bad_request(hcbus_fixture_t *f) { f->escort_status.request_id = long_text + sizeof long_text - 66; }
static void es_no_zone(hcbus_fixture_t *f) { f->escort_status.zone_id = (char *)""; }
static void es_bad_zone(hcbus_fixture_t *f) { f->escort_status.zone_id = (char *)"sv.SS"; }
static void es_no_state(hcbus_fixture_t *f) { f->escort_status.state = 0; }
static void es_state_range(hcbus_fixture_t *f) { f->escort_status.state = (Hcbus__EscortState)6; }
static void es_assigned_no_unit(hcbus_fixture_t *f) { f->escort_status.police_unit = (char *)""; }
static void es_assigned_no_meeting(hcbus_fixture_t *f) { f->escort_status.meeting_point = NULL; }
static void es_long_unit(hcbus_fixture_t *f) { f->escort_status.police_unit = long_text + sizeof long_text - 66; }
static void es_unit_tab(hcbus_fixture_t *f) { f->escort_status.police_unit = (char *)"PNC\t3"; }
static void es_meeting_lat(hcbus_fixture_t *f) { f->escort_status_meeting_point.lat = 90.5; }
static void es_meeting_empty(hcbus_fixture_t *f) { hcbus__location__init(&f->escort_status_meeting_point); }
static void es_no_at(hcbus_fixture_t *f) { f->escort_status.at_us = 0; }
static void es_at_seconds(hcbus_fixture_t *f) { f->escort_status.at_us = FIXTURE_T0_US / 1000000; }
static void es_at_future(hcbus_fixture_t *f) { f->escort_status.at_us = hcbus_now_us() + 2 * DAY_US; }
static void es_long_reason(hcbus_fixture_t *f) { f->escort_status.reason = long_text + sizeof long_text - 514; }
static void es_unavailable_no_reason(hcbus_fixture_t *f)
{
    f->escort_status.state = HCBUS__ESCORT_STATE__ESCORT_STATE_UNAVAILABLE;
    f->escort_status.reason = (char *)"";
}
static void es_waived_no_reason(hcbus_fixture_t *f)
{
    f->escort_status.state = HCBUS__ESCORT_STATE__ESCORT_STATE_WAIVED;
    f->escort_status.reason = (char *)"";
}
static void es_eta_far(hcbus_fixture_t *f) { f->escort_status.eta_us = hcbus_now_us() + 400 * DAY_US; }
static void es_eta_ms(hcbus_fixture_t *f) { f->escort_status.eta_us = FIXTURE_T0_US / 1000; }
static void es_reason_c1(hcbus_fixture_t *f) { f->escort_status.reason = (char *)"\xc2\x9b" "2J"; }
/* Notice */
static void nt_no_id(hcbus_fixture_t *f) { f->notice.notice_id = (char *)""; }
static void nt_bad_id(hcbus_fixture_t *f) { f->notice.notice_id = (char *)"c/v/42"; }
static void nt_id_not_msg_id(hcbus_fixture_t *f) { f->notice.notice_id = (char *)"c.v.43"; }
static void nt_no_zone(hcbus_fixture_t *f) { f->notice.zone_id = (char *)""; }
static void nt_bad_zone(hcbus_fixture_t *f) { f->notice.zone_id = (char *)"sv.ss."; }
static void nt_no_kind(hcbus_fixture_t *f) { f->notice.kind = 0; }
static void nt_kind_range(hcbus_fixture_t *f) { f->notice.kind = (Hcbus__NoticeKind)6; }
static void nt_no_recipients(hcbus_fixture_t *f) { f->notice.n_recipients = 0; }
static void nt_too_many_recipients(hcbus_fixture_t *f)
{
    static char *many[17];
    for (size_t i = 0; i < 17; i++)
        many[i] = (char *)"sem";
    f->notice.recipients = many;
    f->notice.n_recipients = 17;
}
static void nt_recipient_upper(hcbus_fixture_t *f) { f->recipients[1] = (char *)"PNC"; }
static void nt_recipient_empty(hcbus_fixture_t *f) { f->recipients[0] = (char *)""; }
static void nt_recipient_long(hcbus_fixture_t *f) { f->recipients[1] = (char *)"abcdefghijklmnopqrstuvwxyz0123456"; }
static void nt_recipient_escape(hcbus_fixture_t *f) { f->recipients[1] = (char *)"pnc\x1b[2J"; }
static void nt_bad_request(hcbus_fixture_t *f) { f->notice.request_id = (char *)"sem 1"; }
static void nt_bad_escort(hcbus_fixture_t *f) { f->notice.escort_id = (char *)"esc,1"; }
static void nt_rule_range(hcbus_fixture_t *f) { f->notice.rule = (Hcbus__NoticeRule)12; }
static void nt_long_reason(hcbus_fixture_t *f) { f->notice.reason = long_text + sizeof long_text - 514; }
static void nt_reason_newline(hcbus_fixture_t *f) { f->notice.reason = (char *)"uno\ndos"; }
static void nt_level_range(hcbus_fixture_t *f) { f->notice.level = (Hcbus__RiskLevel)5; }
static void nt_access_hour(hcbus_fixture_t *f) { f->access.allowed_from_hour = 24; }
static void nt_access_contact(hcbus_fixture_t *f) { f->access.contact = long_text + sizeof long_text - 130; }
static void nt_access_meeting(hcbus_fixture_t *f) { f->access_meeting_point.lat = -91.0; }
static void nt_deadline_ms(hcbus_fixture_t *f) { f->notice.deadline_us = FIXTURE_T0_US / 1000; }
static void nt_bad_subject_sender(hcbus_fixture_t *f) { f->notice.subject_sender = (char *)"S.E.M"; }
static void nt_subject_at_future(hcbus_fixture_t *f) { f->notice.subject_at_us = hcbus_now_us() + 2 * DAY_US; }
static void nt_violation_no_rule(hcbus_fixture_t *f) { f->notice.rule = 0; }
static void nt_overdue_no_rule(hcbus_fixture_t *f)
{
    f->notice.kind = HCBUS__NOTICE_KIND__NOTICE_KIND_OVERDUE;
    f->notice.rule = 0;
}
static void nt_topic_wrong_kind(hcbus_fixture_t *f) { f->env.topic = (char *)"escort." FIXTURE_ZONE_ID; }

#define BAD(kind, fn, field) {#fn, HCBUS_KIND_##kind, fn, HCBUS_EINVALID, field}

static const bad_case_t BAD_CASES[] = {
    BAD(ZONE, no_msg_id, "msg_id"),
    BAD(ZONE, bad_msg_id, "msg_id"),
    BAD(ZONE, long_msg_id, "msg_id"),
    BAD(ZONE, no_body, "body"),
    BAD(ZONE, wrong_topic, "topic"),
    BAD(ALERT, old_sent_at, "sent_at_us"),
    BAD(ALERT, future_sent_at, "sent_at_us"),
    BAD(ZONE, zone_no_zone, "zone.zone_id"),
    BAD(ZONE, zone_bad_zone, "zone.zone_id"),
    BAD(ZONE, zone_no_level, "zone.level"),
    BAD(ZONE, zone_level_range, "zone.level"),
    BAD(ZONE, zone_from_hour, "zone.access.allowed_from_hour"),
    BAD(ZONE, zone_until_hour, "zone.access.allowed_until_hour"),
    BAD(ZONE, zone_until_missing, "zone.access.allowed_until_hour"),
    BAD(ZONE, zone_instructions, "zone.access.entry_instructions"),
    BAD(ZONE, zone_contact, "zone.access.contact"),
    BAD(ZONE, zone_reason, "zone.reason"),
    BAD(ZONE, zone_no_from, "zone.valid_from_us"),
    BAD(ZONE, zone_until_before, "zone.valid_until_us"),
    BAD(ZONE, zone_bad_utf8, "zone.reason"),
    BAD(ZONE, zone_overlong_utf8, "zone.access.contact"),
    BAD(DISPATCH, dispatch_no_request, "dispatch.request_id"),
    BAD(DISPATCH, dispatch_bad_request, "dispatch.request_id"),
    BAD(DISPATCH, dispatch_no_location, "dispatch.location"),
    BAD(DISPATCH, dispatch_lat, "dispatch.location.lat"),
    BAD(DISPATCH, dispatch_lon, "dispatch.location.lon"),
    BAD(DISPATCH, dispatch_nan, "dispatch.location.lat"),
    BAD(DISPATCH, dispatch_empty_location, "dispatch.location"),
    BAD(DISPATCH, dispatch_address, "dispatch.location.address"),
    BAD(DISPATCH, dispatch_no_priority, "dispatch.priority"),
    BAD(DISPATCH, dispatch_incident_range, "dispatch.incident_type"),
    BAD(DISPATCH, dispatch_no_capability, "dispatch.capability"),
    BAD(DISPATCH, dispatch_sex_range, "dispatch.patient.sex"),
    BAD(DISPATCH, dispatch_complaint, "dispatch.patient.chief_complaint"),
    BAD(DISPATCH, dispatch_claims_redacted, "dispatch.patient_redacted"),
    BAD(DISPATCH, dispatch_utf8_nested, "dispatch.patient.chief_complaint"),
    BAD(STATUS, status_no_state, "status.state"),
    BAD(STATUS, status_state_range, "status.state"),
    BAD(STATUS, status_no_unit, "status.unit_id"),
    BAD(STATUS, status_bad_unit, "status.unit_id"),
    BAD(STATUS, status_no_destination, "status.destination_facility"),
    BAD(STATUS, status_declined_no_reason, "status.reason"),
    BAD(STATUS, status_aborted_no_reason, "status.reason"),
    BAD(STATUS, status_cancelled_no_reason, "status.reason"),
    BAD(STATUS, status_accepted_no_unit, "status.unit_id"),
    BAD(STATUS, status_no_at, "status.at_us"),
    BAD(STATUS, status_at_ms, "status.at_us"),
    BAD(STATUS, status_future, "status.at_us"),
    BAD(STATUS, status_no_request, "status.request_id"),
    BAD(ALERT, alert_no_id, "alert.alert_id"),
    BAD(ALERT, alert_no_target, "alert.target"),
    BAD(ALERT, alert_no_act, "alert.act"),
    BAD(ALERT, alert_act_range, "alert.act"),
    BAD(ALERT, alert_no_severity, "alert.severity"),
    BAD(ALERT, alert_other_no_description, "alert.description"),
    BAD(ALERT, alert_description, "alert.description"),
    BAD(ALERT, alert_newline, "alert.description"),
    BAD(ALERT, alert_escape, "alert.description"),
    BAD(ALERT, alert_tab, "alert.description"),
    BAD(ALERT, alert_del, "alert.description"),
    BAD(ALERT, alert_c1, "alert.description"),
    BAD(ZONE, zone_contact_cr, "zone.access.contact"),
    BAD(DISPATCH, dispatch_address_bell, "dispatch.location.address"),
    BAD(ESCORT, escort_reason_c1, "escort.reason"),
    BAD(ALERT, alert_bad_request, "alert.request_id"),
    BAD(ALERT, alert_future, "alert.occurred_at_us"),
    BAD(ESCORT, escort_no_id, "escort.escort_id"),
    BAD(ESCORT, escort_no_request, "escort.request_id"),
    BAD(ESCORT, escort_no_meeting, "escort.meeting_point"),
    BAD(ESCORT, escort_meeting_lat, "escort.meeting_point.lat"),
    BAD(ESCORT, escort_bad_unit, "escort.unit_id"),
    BAD(ESCORT, escort_reason, "escort.reason"),
    BAD(ESCORT, escort_needed_far, "escort.needed_by_us"),
    BAD(ESCORT, escort_no_zone, "escort.zone_id"),
    BAD(ZONE, zone_meeting_lon, "zone.access.meeting_point.lon"),
    BAD(ZONE, zone_meeting_empty, "zone.access.meeting_point"),
    BAD(ZONE, zone_meeting_address, "zone.access.meeting_point.address"),
    BAD(ZONE, zone_meeting_newline, "zone.access.meeting_point.reference_point"),
    BAD(ESCORT_STATUS, es_no_escort, "escort_status.escort_id"),
    BAD(ESCORT_STATUS, es_bad_escort, "escort_status.escort_id"),
    BAD(ESCORT_STATUS, es_no_request, "escort_status.request_id"),
    BAD(ESCORT_STATUS, es_bad_request, "escort_status.request_id"),
    BAD(ESCORT_STATUS, es_no_zone, "escort_status.zone_id"),
    BAD(ESCORT_STATUS, es_bad_zone, "escort_status.zone_id"),
    BAD(ESCORT_STATUS, es_no_state, "escort_status.state"),
    BAD(ESCORT_STATUS, es_state_range, "escort_status.state"),
    BAD(ESCORT_STATUS, es_assigned_no_unit, "escort_status.police_unit"),
    BAD(ESCORT_STATUS, es_assigned_no_meeting, "escort_status.meeting_point"),
    BAD(ESCORT_STATUS, es_long_unit, "escort_status.police_unit"),
    BAD(ESCORT_STATUS, es_unit_tab, "escort_status.police_unit"),
    BAD(ESCORT_STATUS, es_meeting_lat, "escort_status.meeting_point.lat"),
    BAD(ESCORT_STATUS, es_meeting_empty, "escort_status.meeting_point"),
    BAD(ESCORT_STATUS, es_no_at, "escort_status.at_us"),
    BAD(ESCORT_STATUS, es_at_seconds, "escort_status.at_us"),
    BAD(ESCORT_STATUS, es_at_future, "escort_status.at_us"),
    BAD(ESCORT_STATUS, es_long_reason, "escort_status.reason"),
    BAD(ESCORT_STATUS, es_unavailable_no_reason, "escort_status.reason"),
    BAD(ESCORT_STATUS, es_waived_no_reason, "escort_status.reason"),
    BAD(ESCORT_STATUS, es_eta_far, "escort_status.eta_us"),
    BAD(ESCORT_STATUS, es_eta_ms, "escort_status.eta_us"),
    BAD(ESCORT_STATUS, es_reason_c1, "escort_status.reason"),
    BAD(NOTICE, nt_no_id, "notice.notice_id"),
    BAD(NOTICE, nt_bad_id, "notice.notice_id"),
    BAD(NOTICE, nt_id_not_msg_id, "notice.notice_id"),
    BAD(NOTICE, nt_no_zone, "notice.zone_id"),
    BAD(NOTICE, nt_bad_zone, "notice.zone_id"),
    BAD(NOTICE, nt_no_kind, "notice.kind"),
    BAD(NOTICE, nt_kind_range, "notice.kind"),
    BAD(NOTICE, nt_no_recipients, "notice.recipients"),
    BAD(NOTICE, nt_too_many_recipients, "notice.recipients"),
    BAD(NOTICE, nt_recipient_upper, "notice.recipients[1]"),
    BAD(NOTICE, nt_recipient_empty, "notice.recipients[0]"),
    BAD(NOTICE, nt_recipient_long, "notice.recipients[1]"),
    BAD(NOTICE, nt_recipient_escape, "notice.recipients[1]"),
    BAD(NOTICE, nt_bad_request, "notice.request_id"),
    BAD(NOTICE, nt_bad_escort, "notice.escort_id"),
    BAD(NOTICE, nt_rule_range, "notice.rule"),
    BAD(NOTICE, nt_long_reason, "notice.reason"),
    BAD(NOTICE, nt_reason_newline, "notice.reason"),
    BAD(NOTICE, nt_level_range, "notice.level"),
    BAD(NOTICE, nt_access_hour, "notice.access.allowed_from_hour"),
    BAD(NOTICE, nt_access_contact, "notice.access.contact"),
    BAD(NOTICE, nt_access_meeting, "notice.access.meeting_point.lat"),
    BAD(NOTICE, nt_deadline_ms, "notice.deadline_us"),
    BAD(NOTICE, nt_bad_subject_sender, "notice.subject_sender"),
    BAD(NOTICE, nt_subject_at_future, "notice.subject_at_us"),
    BAD(NOTICE, nt_violation_no_rule, "notice.rule"),
    BAD(NOTICE, nt_overdue_no_rule, "notice.rule"),
    BAD(NOTICE, nt_topic_wrong_kind, "topic"),
};

static int setup(void **state)
{
    (void)state;
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    return 0;
}

static void test_fixtures_are_valid(void **state)
{
    (void)state;
    for (int kind = HCBUS_KIND_ZONE; kind < HCBUS_KIND_COUNT; kind++) {
        hcbus_fixture_t f;
        hcbus_error_t err;
        hcbus_error_clear(&err);
        int rc = hcbus_envelope_validate(fixture_of_kind(&f, (hcbus_kind_t)kind), NULL, &err);
        if (rc != 0)
            fail_msg("kind %d: %s: %s", kind, err.field, err.message);
    }
}

static void test_each_rule_refuses(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof BAD_CASES / sizeof BAD_CASES[0]; i++) {
        const bad_case_t *c = &BAD_CASES[i];
        hcbus_fixture_t f;
        hcbus_error_t err;
        hcbus_error_clear(&err);
        Hcbus__Envelope *env = fixture_of_kind(&f, c->kind);
        c->mutate(&f);
        if (hcbus_envelope_validate(env, NULL, &err) == 0)
            fail_msg("%s: accepted", c->name);
        if (err.code != c->code || strcmp(err.field, c->field) != 0)
            fail_msg("%s: got %d %s (%s), want %d %s", c->name, err.code, err.field, err.message,
                     c->code, c->field);
        assert_true(err.message[0] != '\0');
    }
}

static void test_messages_read_well(void **state)
{
    (void)state;
    hcbus_fixture_t f;
    hcbus_error_t err;
    fixture_dispatch(&f);
    f.location.lat = 91.0;
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), -1);
    assert_string_equal(err.message, "latitude 91.000000 is out of range");
    assert_string_equal(err.hint, "Latitude is -90..90 degrees (WGS84).");

    fixture_zone(&f);
    f.zone.level = 0;
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), -1);
    assert_string_equal(err.message, "zone.level is required");
    assert_string_equal(err.hint, "One of: green, yellow, orange, red.");

    fixture_alert(&f);
    f.alert.description = (char *)"robo \x1b[8m";
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), -1);
    assert_string_equal(err.message, "alert.description holds control character U+001B at byte 5");

    /* Accented letters, the euro sign and U+00A0 are text, not controls. */
    f.alert.description = (char *)"Amenaza frente a la iglesia de Soyapango, a\xc3\xb1o \xe2\x82\xac\xc2\xa0";
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), 0);

    /* A refused id is repeated escaped, never raw. */
    f.env.msg_id = (char *)"m\x1b[2J";
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), -1);
    assert_string_equal(err.field, "msg_id");
    assert_null(strchr(err.message, '\x1b'));
    assert_non_null(strstr(err.message, "m\\x1b[2J"));

    fixture_escort_status(&f);
    f.escort_status.state = HCBUS__ESCORT_STATE__ESCORT_STATE_WAIVED;
    f.escort_status.reason = (char *)"";
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), -1);
    assert_string_equal(err.message, "escort_status.reason is required for state waived");
    fixture_escort_status(&f);
    f.escort_status.meeting_point = NULL;
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), -1);
    assert_string_equal(err.message, "escort_status.meeting_point is required for state assigned");
    fixture_escort_status(&f);
    f.escort_status.state = 0;
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), -1);
    assert_string_equal(err.hint, "One of: assigned, unavailable, at_meeting_point, completed, waived.");

    fixture_notice(&f);
    f.notice.notice_id = (char *)"c.v.43";
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), -1);
    assert_string_equal(err.message, "notice.notice_id \"c.v.43\" is not the message's msg_id");
    assert_string_equal(err.hint, "Set notice_id and msg_id to the same id.");
    fixture_notice(&f);
    f.recipients[1] = (char *)"PNC";
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), -1);
    assert_string_equal(err.message, "notice.recipients[1] \"PNC\" is not a well-formed institution id");
    fixture_notice(&f);
    f.recipients[1] = (char *)"pnc\x1b[2J";
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), -1);
    assert_null(strchr(err.message, '\x1b'));
    fixture_notice(&f);
    f.notice.n_recipients = 0;
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), -1);
    assert_string_equal(err.message, "notice.recipients is required");
    fixture_notice(&f);
    f.notice.kind = HCBUS__NOTICE_KIND__NOTICE_KIND_OVERDUE;
    f.notice.rule = 0;
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), -1);
    assert_string_equal(err.message, "notice.rule is required for kind overdue");
}

static void test_optional_fields_may_be_empty(void **state)
{
    (void)state;
    hcbus_fixture_t f;
    hcbus_error_t err;

    fixture_zone(&f);
    f.zone.access = NULL;
    f.zone.valid_until_us = 0;
    f.env.topic = (char *)"";
    f.env.sent_at_us = 0;
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), 0);

    fixture_zone(&f);
    f.access.allowed_from_hour = 0;
    f.access.allowed_until_hour = 0; /* any hour */
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), 0);
    f.access.allowed_from_hour = 20;
    f.access.allowed_until_hour = 6; /* overnight */
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), 0);

    fixture_dispatch(&f);
    f.dispatch.patient = NULL;
    f.location.lat = 0;
    f.location.lon = 0;
    f.location.address = (char *)""; /* a reference point alone is enough */
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), 0);

    fixture_status(&f);
    f.status.state = HCBUS__DISPATCH_STATE__DISPATCH_STATE_DECLINED;
    f.status.unit_id = (char *)"";
    f.status.destination_facility = (char *)"";
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), 0);

    fixture_alert(&f);
    f.alert.casualties = NULL;
    f.alert.description = (char *)"";
    f.alert.request_id = (char *)"";
    f.alert.occurred_at_us = 0;
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), 0);

    fixture_escort(&f);
    f.escort.unit_id = (char *)"";
    f.escort.needed_by_us = 0;
    f.escort.reason = (char *)"";
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), 0);

    fixture_zone(&f);
    f.access.meeting_point = NULL; /* optional */
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), 0);

    /* Only ASSIGNED needs a unit and a meeting point; only UNAVAILABLE and WAIVED a
     * reason. */
    const Hcbus__EscortState plain_states[] = {HCBUS__ESCORT_STATE__ESCORT_STATE_AT_MEETING_POINT,
                                               HCBUS__ESCORT_STATE__ESCORT_STATE_COMPLETED};
    for (size_t i = 0; i < 2; i++) {
        fixture_escort_status(&f);
        f.escort_status.state = plain_states[i];
        f.escort_status.police_unit = (char *)"";
        f.escort_status.meeting_point = NULL;
        f.escort_status.reason = (char *)"";
        f.escort_status.eta_us = 0;
        assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), 0);
    }
    fixture_escort_status(&f);
    f.escort_status.state = HCBUS__ESCORT_STATE__ESCORT_STATE_WAIVED;
    f.escort_status.police_unit = (char *)"";
    f.escort_status.meeting_point = NULL;
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), 0);
    fixture_escort_status(&f);
    f.escort_status.reason = (char *)""; /* ASSIGNED: no reason needed */
    f.escort_status.eta_us = 0;
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), 0);

    /* A bare advisory and level review: one recipient, nothing else optional. */
    fixture_notice(&f);
    f.notice.kind = HCBUS__NOTICE_KIND__NOTICE_KIND_LEVEL_REVIEW;
    f.notice.n_recipients = 1;
    f.notice.subject_seq = 0;
    f.notice.request_id = (char *)"";
    f.notice.escort_id = (char *)"";
    f.notice.rule = 0;
    f.notice.reason = (char *)"";
    f.notice.level = 0;
    f.notice.access = NULL;
    f.notice.alert_count = 0;
    f.notice.deadline_us = 0;
    f.notice.subject_sender = (char *)"";
    f.notice.subject_at_us = 0;
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), 0);
    f.notice.kind = HCBUS__NOTICE_KIND__NOTICE_KIND_ESCORT_ADVISORY;
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), 0);
    f.notice.kind = HCBUS__NOTICE_KIND__NOTICE_KIND_CHECKED; /* no rule needed (ESCORT_NOT_ASSIGNED may be set) */
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), 0);
    f.notice.rule = HCBUS__NOTICE_RULE__NOTICE_RULE_ESCORT_NOT_ASSIGNED;
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), 0);
    /* Sixteen recipients is the limit, not over it. */
    static char *sixteen[16];
    for (size_t i = 0; i < 16; i++)
        sixteen[i] = (char *)"abcdefghijklmnopqrstuvwxyz012345"; /* 32 bytes */
    f.notice.recipients = sixteen;
    f.notice.n_recipients = 16;
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), 0);
}

static void test_id_rule(void **state)
{
    (void)state;
    assert_true(hcbus_id_well_formed("a"));
    assert_true(hcbus_id_well_formed("01JABCDEF.x_y:z-1"));
    assert_true(hcbus_id_well_formed(long_text + sizeof long_text - 65)); /* 64 bytes */
    assert_false(hcbus_id_well_formed(long_text + sizeof long_text - 66));
    assert_false(hcbus_id_well_formed(""));
    assert_false(hcbus_id_well_formed(NULL));
    assert_false(hcbus_id_well_formed("a b"));
    assert_false(hcbus_id_well_formed("a/b"));
    assert_false(hcbus_id_well_formed("ñ"));
}

static void test_zones_from_catalogue(void **state)
{
    (void)state;
    hcbus_error_t err;
    hcbus_zones_t *zones = hcbus_zones_load(HCBUS_SOURCE_DIR "/deploy/sv-districts.csv", &err);
    if (!zones)
        fail_msg("catalogue: %s: %s", err.field, err.message);
    hcbus_fixture_t f;
    for (int kind = HCBUS_KIND_ZONE; kind < HCBUS_KIND_COUNT; kind++)
        assert_int_equal(hcbus_envelope_validate(fixture_of_kind(&f, (hcbus_kind_t)kind), zones, &err), 0);

    /* A community below a district is known. */
    fixture_alert(&f);
    f.alert.zone_id = (char *)FIXTURE_ZONE_ID ".los-santos";
    f.env.topic = (char *)"";
    assert_int_equal(hcbus_envelope_validate(&f.env, zones, &err), 0);

    /* Well formed but not in the catalogue. */
    fixture_dispatch(&f);
    f.dispatch.zone_id = (char *)"sv.ss.atlantis";
    f.env.topic = (char *)"";
    assert_int_equal(hcbus_envelope_validate(&f.env, zones, &err), -1);
    assert_int_equal(err.code, HCBUS_EUNKNOWN_ZONE);
    assert_string_equal(err.field, "dispatch.zone_id");
    /* Without the catalogue only the syntax is checked. */
    assert_int_equal(hcbus_envelope_validate(&f.env, NULL, &err), 0);

    fixture_escort(&f);
    f.escort.zone_id = (char *)"sv..ss";
    assert_int_equal(hcbus_envelope_validate(&f.env, zones, &err), -1);
    assert_int_equal(err.code, HCBUS_EINVALID);
    assert_string_equal(err.field, "escort.zone_id");

    hcbus_zones_destroy(&zones);
    assert_null(zones);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures_are_valid),
        cmocka_unit_test(test_each_rule_refuses),
        cmocka_unit_test(test_messages_read_well),
        cmocka_unit_test(test_optional_fields_may_be_empty),
        cmocka_unit_test(test_id_rule),
        cmocka_unit_test(test_zones_from_catalogue),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
