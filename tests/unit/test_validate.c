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
    for (int kind = HCBUS_KIND_ZONE; kind <= HCBUS_KIND_ESCORT; kind++) {
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
    for (int kind = HCBUS_KIND_ZONE; kind <= HCBUS_KIND_ESCORT; kind++)
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
