/* test_summary.c — summary.c and json.c: the JSON summary of each kind (enum names,
 * ISO times, never the patient, the exact text jsonb prints) and Envelopes built from
 * JSON, including the refusal of unknown keys, wrong types and second bodies with the
 * key path named. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "fixtures.h"
#include "hcbus/json.h"
#include "hcbus/summary.h"
#include "hcbus/validate.h"

static json_t *summary_of(const Hcbus__Envelope *env)
{
    char *text = hcbus_summary_json(env);
    assert_non_null(text);
    json_error_t jerr;
    json_t *obj = json_loads(text, 0, &jerr);
    free(text);
    assert_non_null(obj);
    assert_true(json_is_object(obj));
    return obj;
}

static void assert_key_string(json_t *obj, const char *key, const char *want)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        fail_msg("key %s is not a string", key);
    assert_string_equal(json_string_value(v), want);
}

static void test_summary_zone(void **state)
{
    (void)state;
    hcbus_fixture_t f;
    json_t *s = summary_of(fixture_zone(&f));
    assert_key_string(s, "kind", "zone");
    assert_key_string(s, "zone_id", FIXTURE_ZONE_ID);
    assert_key_string(s, "level", "orange");
    assert_key_string(s, "valid_from_us", "2026-01-01T00:00:00.000000Z");
    assert_key_string(s, "valid_until_us", "2026-01-01T12:00:00.000000Z");
    json_t *access = json_object_get(s, "access");
    assert_true(json_is_true(json_object_get(access, "escort_required")));
    assert_int_equal(json_integer_value(json_object_get(access, "allowed_from_hour")), 7);
    assert_key_string(access, "contact", "Cabo Martínez, radio canal 4");
    json_decref(s);

    /* Unset times are left out. */
    f.zone.valid_until_us = 0;
    s = summary_of(&f.env);
    assert_null(json_object_get(s, "valid_until_us"));
    json_decref(s);
}

static void test_summary_dispatch_has_no_patient(void **state)
{
    (void)state;
    hcbus_fixture_t f;
    fixture_dispatch(&f);
    char *text = hcbus_summary_json(&f.env);
    assert_non_null(text);
    assert_null(strstr(text, "patient\""));
    assert_null(strstr(text, "arma de fuego"));
    assert_null(strstr(text, "female"));
    free(text);

    json_t *s = summary_of(&f.env);
    assert_key_string(s, "kind", "dispatch");
    assert_key_string(s, "priority", "critical");
    assert_key_string(s, "incident_type", "violence");
    assert_key_string(s, "capability", "advanced");
    assert_true(json_is_true(json_object_get(s, "patient_redacted")));
    json_t *loc = json_object_get(s, "location");
    assert_key_string(loc, "reference_point", "frente a la iglesia");
    assert_true(json_real_value(json_object_get(loc, "lat")) > 13.7);
    json_decref(s);

    f.dispatch.patient = NULL;
    s = summary_of(&f.env);
    assert_true(json_is_false(json_object_get(s, "patient_redacted")));
    json_decref(s);
}

static void test_summary_status_alert_escort(void **state)
{
    (void)state;
    hcbus_fixture_t f;
    json_t *s = summary_of(fixture_status(&f));
    assert_key_string(s, "kind", "status");
    assert_key_string(s, "state", "transporting");
    assert_key_string(s, "at_us", "2026-01-01T01:00:00.000000Z");
    json_decref(s);

    f.status.state = HCBUS__DISPATCH_STATE__DISPATCH_STATE_EN_ROUTE;
    s = summary_of(&f.env);
    assert_key_string(s, "state", "en_route");
    json_decref(s);

    s = summary_of(fixture_alert(&f));
    assert_key_string(s, "kind", "alert");
    assert_key_string(s, "act", "shooting_into");
    assert_key_string(s, "target", "vehicle");
    assert_key_string(s, "severity", "high");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(s, "casualties"), "injured")), 2);
    json_decref(s);

    /* A value this build does not know is kept as its number. */
    f.alert.act = (Hcbus__Act)40;
    s = summary_of(&f.env);
    assert_int_equal(json_integer_value(json_object_get(s, "act")), 40);
    json_decref(s);

    s = summary_of(fixture_escort(&f));
    assert_key_string(s, "kind", "escort");
    assert_key_string(json_object_get(s, "meeting_point"), "reference_point", "gasolinera Puma");
    json_decref(s);

    Hcbus__Envelope empty = HCBUS__ENVELOPE__INIT;
    assert_null(hcbus_summary_json(&empty));
}

/* The text is jsonb's own (summary.h): keys by length then bytes, ", " and ": ",
 * escape_json's escapes, numbers as numeric prints them. These strings are what
 * PostgreSQL 15 printed for `text::jsonb::text` (tests/integration/test_summary_jsonb.sh
 * checks thousands more against a live server). */
static void assert_summary_text(const Hcbus__Envelope *env, const char *want)
{
    char *text = hcbus_summary_json(env);
    assert_non_null(text);
    assert_string_equal(text, want);
    free(text);
}

static void test_summary_canonical_text(void **state)
{
    (void)state;
    hcbus_fixture_t f;
    assert_summary_text(fixture_dispatch(&f),
        "{\"kind\": \"dispatch\", \"zone_id\": \"" FIXTURE_ZONE_ID "\", \"location\": {\"lat\": 13.7105, "
        "\"lon\": -89.1397, \"address\": \"Colonia Los Santos, pasaje 3, casa 12\", \"reference_point\": "
        "\"frente a la iglesia\"}, \"priority\": \"critical\", \"capability\": \"advanced\", \"request_id\": "
        "\"sem-2026-000123\", \"incident_type\": \"violence\", \"patient_redacted\": true}");
    assert_summary_text(fixture_notice(&f),
        "{\"kind\": \"notice\", \"rule\": \"transition\", \"level\": \"orange\", \"access\": {\"contact\": "
        "\"Cabo Martínez, radio canal 4\", \"meeting_point\": {\"lat\": 13.7052, \"lon\": -89.1421, \"address\": "
        "\"Redondel de la entrada a la colonia\", \"reference_point\": \"puesto policial\"}, \"escort_required\": "
        "true, \"allowed_from_hour\": 7, \"allowed_until_hour\": 17, \"entry_instructions\": \"Entrar por la calle "
        "principal, esperar en la cancha\"}, \"reason\": \"estado \\\"cerrado\\\" rechazado: la solicitud "
        "sem-2026-000123 ya está cerrada\", \"zone_id\": \"" FIXTURE_ZONE_ID "\", \"escort_id\": \"esc-2026-0007\", "
        "\"notice_id\": \"c.v.42\", \"recipients\": [\"sem\", \"cruz_roja-1\"], \"request_id\": \"sem-2026-000123\", "
        "\"alert_count\": 3, \"deadline_us\": \"2026-01-01T03:00:00.000000Z\", \"notice_kind\": \"violation\", "
        "\"subject_seq\": 42, \"subject_at_us\": \"2026-01-01T01:00:00.000000Z\", \"subject_sender\": \"sem\"}");

    /* escape_json: \" \\ \b \f \n \r \t, other C0 as lower-case \u00xx, DEL, '/' and
     * UTF-8 as they are; the largest uint64; an empty array is left out. */
    fixture_notice(&f);
    f.notice.access = NULL;
    f.notice.reason = (char *)"a\"b\\c\b\f\n\r\t\x01\x1f\x7f/é😀";
    f.notice.subject_seq = UINT64_MAX;
    f.notice.alert_count = 0;
    f.notice.n_recipients = 0;
    assert_summary_text(&f.env,
        "{\"kind\": \"notice\", \"rule\": \"transition\", \"level\": \"orange\", \"reason\": "
        "\"a\\\"b\\\\c\\b\\f\\n\\r\\t\\u0001\\u001f\x7f/é😀\", \"zone_id\": \"" FIXTURE_ZONE_ID "\", "
        "\"escort_id\": \"esc-2026-0007\", \"notice_id\": \"c.v.42\", \"request_id\": \"sem-2026-000123\", "
        "\"alert_count\": 0, \"deadline_us\": \"2026-01-01T03:00:00.000000Z\", \"notice_kind\": \"violation\", "
        "\"subject_seq\": 18446744073709551615, \"subject_at_us\": \"2026-01-01T01:00:00.000000Z\", "
        "\"subject_sender\": \"sem\"}");

    /* A body with nothing set still says its kind and its always-written scalars. */
    fixture_status(&f);
    hcbus__dispatch_status__init(&f.status);
    assert_summary_text(&f.env, "{\"kind\": \"status\", \"state\": \"unspecified\"}");
}

/* Doubles: the fewest of 15, 16, 17 digits that read back the same, never an exponent
 * (numeric prints none), ".0" when whole, no negative zero; NaN makes no summary. */
static void test_summary_doubles(void **state)
{
    (void)state;
    static const struct {
        double lat;
        const char *text;
    } cases[] = {
        {0.0, "0.0"}, {-0.0, "0.0"}, {1.0, "1.0"}, {-89.15, "-89.15"}, {0.1 + 0.2, "0.30000000000000004"},
        {1.0 / 3.0, "0.3333333333333333"}, {1e-7, "0.0000001"}, {1e20, "100000000000000000000.0"},
        {123456789012345678.0, "123456789012345680.0"}, {-1.5e-10, "-0.00000000015"},
    };
    hcbus_fixture_t f;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fixture_dispatch(&f);
        f.dispatch.patient = NULL;
        f.location.lat = cases[i].lat;
        f.location.lon = 0;
        f.location.address = (char *)"";
        f.location.reference_point = (char *)"";
        char want[512];
        snprintf(want, sizeof want,
                 "{\"kind\": \"dispatch\", \"zone_id\": \"" FIXTURE_ZONE_ID "\", \"location\": {\"lat\": %s, "
                 "\"lon\": 0.0}, \"priority\": \"critical\", \"capability\": \"advanced\", \"request_id\": "
                 "\"sem-2026-000123\", \"incident_type\": \"violence\", \"patient_redacted\": false}",
                 cases[i].text);
        assert_summary_text(&f.env, want);
    }
    fixture_dispatch(&f);
    f.location.lat = NAN;
    assert_null(hcbus_summary_json(&f.env));
    f.location.lat = INFINITY;
    assert_null(hcbus_summary_json(&f.env));
}

static void assert_same_encoding(const Hcbus__Envelope *a, const Hcbus__Envelope *b)
{
    uint8_t *ba = NULL, *bb = NULL;
    size_t la = 0, lb = 0;
    hcbus_error_t err;
    assert_int_equal(hcbus_encode(&a->base, &ba, &la, &err), 0);
    assert_int_equal(hcbus_encode(&b->base, &bb, &lb, &err), 0);
    assert_int_equal(la, lb);
    assert_memory_equal(ba, bb, la);
    free(ba);
    free(bb);
}

static Hcbus__Envelope *from_json_ok(const char *json)
{
    Hcbus__Envelope *env = NULL;
    hcbus_error_t err;
    if (hcbus_envelope_from_json(json, &env, &err) != 0)
        fail_msg("%s: %s", err.field, err.message);
    assert_non_null(env);
    return env;
}

static void test_from_json_dispatch(void **state)
{
    (void)state;
    hcbus_fixture_t f;
    fixture_dispatch(&f);
    Hcbus__Envelope *env = from_json_ok(
        "{\"msg_id\": \"dispatch-0001\", \"sent_at_us\": \"2026-01-01T00:00:00Z\","
        " \"topic\": \"dispatch." FIXTURE_ZONE_ID "\","
        " \"dispatch\": {\"request_id\": \"sem-2026-000123\", \"zone_id\": \"" FIXTURE_ZONE_ID "\","
        "  \"location\": {\"lat\": 13.7105, \"lon\": -89.1397,"
        "   \"address\": \"Colonia Los Santos, pasaje 3, casa 12\","
        "   \"reference_point\": \"frente a la iglesia\"},"
        "  \"priority\": \"CRITICAL\", \"incident_type\": \"Violence\", \"capability\": 2,"
        "  \"patient\": {\"age_band\": \"adult\", \"sex\": \"SEX_FEMALE\","
        "   \"chief_complaint\": \"herida de arma de fuego en pierna\", \"condition\": \"serious\"}}}");
    assert_same_encoding(&f.env, env);
    hcbus_error_t err;
    assert_int_equal(hcbus_envelope_validate(env, NULL, &err), 0);
    hcbus_envelope_free(env);
}

static void test_from_json_every_kind(void **state)
{
    (void)state;
    hcbus_fixture_t f;
    fixture_zone(&f);
    Hcbus__Envelope *env = from_json_ok(
        "{\"msg_id\": \"zone-0001\", \"sent_at_us\": 1767225600000000,"
        " \"topic\": \"zone." FIXTURE_ZONE_ID "\","
        " \"zone\": {\"zone_id\": \"" FIXTURE_ZONE_ID "\", \"level\": \"orange\","
        "  \"access\": {\"escort_required\": true, \"allowed_from_hour\": 7, \"allowed_until_hour\": 17,"
        "   \"entry_instructions\": \"Entrar por la calle principal, esperar en la cancha\","
        "   \"contact\": \"Cabo Martínez, radio canal 4\","
        "   \"meeting_point\": {\"lat\": 13.7052, \"lon\": -89.1421,"
        "    \"address\": \"Redondel de la entrada a la colonia\", \"reference_point\": \"puesto policial\"}},"
        "  \"reason\": \"Enfrentamientos reportados\","
        "  \"valid_from_us\": \"2026-01-01T00:00:00Z\", \"valid_until_us\": \"2026-01-01T06:00:00-06:00\"}}");
    assert_same_encoding(&f.env, env);
    hcbus_envelope_free(env);

    fixture_status(&f);
    env = from_json_ok(
        "{\"msg_id\": \"status-0001\", \"sent_at_us\": \"2026-01-01T00:00:00Z\","
        " \"topic\": \"status." FIXTURE_ZONE_ID "\","
        " \"status\": {\"request_id\": \"sem-2026-000123\", \"zone_id\": \"" FIXTURE_ZONE_ID "\","
        "  \"unit_id\": \"SEM-M12\", \"state\": \"transporting\", \"at_us\": \"2026-01-01T01:00:00Z\","
        "  \"destination_facility\": \"Hospital Nacional Rosales\", \"reason\": \"traslado por trauma\"}}");
    assert_same_encoding(&f.env, env);
    hcbus_envelope_free(env);

    fixture_alert(&f);
    env = from_json_ok(
        "{\"msg_id\": \"alert-0001\", \"sent_at_us\": \"2026-01-01T00:00:00Z\","
        " \"topic\": \"alert." FIXTURE_ZONE_ID "\","
        " \"alert\": {\"alert_id\": \"alert-2026-0042\", \"zone_id\": \"" FIXTURE_ZONE_ID "\","
        "  \"target\": \"vehicle\", \"act\": \"shooting_into\", \"severity\": \"high\","
        "  \"casualties\": {\"killed\": 0, \"injured\": 2, \"removed\": 1},"
        "  \"description\": \"Disparos contra la ambulancia en la entrada de la colonia\","
        "  \"anonymous\": true, \"request_id\": \"sem-2026-000123\","
        "  \"occurred_at_us\": \"2026-01-01T02:00:00Z\"}}");
    assert_same_encoding(&f.env, env);
    hcbus_envelope_free(env);

    fixture_escort(&f);
    env = from_json_ok(
        "{\"msg_id\": \"escort-0001\", \"sent_at_us\": \"2026-01-01T00:00:00Z\","
        " \"topic\": \"escort." FIXTURE_ZONE_ID "\","
        " \"escort\": {\"escort_id\": \"esc-2026-0007\", \"request_id\": \"sem-2026-000123\","
        "  \"zone_id\": \"" FIXTURE_ZONE_ID "\", \"unit_id\": \"SEM-M12\","
        "  \"meeting_point\": {\"lat\": 13.7021, \"lon\": -89.15,"
        "   \"address\": \"Bulevar del Ejército, km 5\", \"reference_point\": \"gasolinera Puma\"},"
        "  \"needed_by_us\": \"2026-01-01T03:00:00Z\", \"reason\": \"zona naranja\"}}");
    assert_same_encoding(&f.env, env);
    hcbus_envelope_free(env);

    fixture_escort_status(&f);
    env = from_json_ok(
        "{\"msg_id\": \"escort-status-0001\", \"sent_at_us\": \"2026-01-01T00:00:00Z\","
        " \"topic\": \"escort_status." FIXTURE_ZONE_ID "\","
        " \"escort_status\": {\"escort_id\": \"esc-2026-0007\", \"request_id\": \"sem-2026-000123\","
        "  \"zone_id\": \"" FIXTURE_ZONE_ID "\", \"state\": \"assigned\","
        "  \"police_unit\": \"PNC Soyapango, patrulla 3\","
        "  \"meeting_point\": {\"lat\": 13.7021, \"lon\": -89.15,"
        "   \"address\": \"Bulevar del Ejército, km 5\", \"reference_point\": \"gasolinera Puma\"},"
        "  \"at_us\": \"2026-01-01T01:00:00Z\", \"reason\": \"unidad disponible en la delegación\","
        "  \"eta_us\": \"2026-01-01T02:00:00Z\"}}");
    assert_same_encoding(&f.env, env);
    hcbus_error_t err;
    assert_int_equal(hcbus_envelope_validate(env, NULL, &err), 0);
    hcbus_envelope_free(env);

    fixture_notice(&f);
    env = from_json_ok(
        "{\"msg_id\": \"c.v.42\", \"sent_at_us\": \"2026-01-01T00:00:00Z\","
        " \"topic\": \"notice." FIXTURE_ZONE_ID "\","
        " \"notice\": {\"notice_id\": \"c.v.42\", \"zone_id\": \"" FIXTURE_ZONE_ID "\","
        "  \"kind\": \"violation\", \"recipients\": [\"sem\", \"cruz_roja-1\"], \"subject_seq\": 42,"
        "  \"request_id\": \"sem-2026-000123\", \"escort_id\": \"esc-2026-0007\","
        "  \"rule\": \"NOTICE_RULE_TRANSITION\","
        "  \"reason\": \"estado \\\"cerrado\\\" rechazado: la solicitud sem-2026-000123 ya está cerrada\","
        "  \"level\": \"orange\","
        "  \"access\": {\"escort_required\": true, \"allowed_from_hour\": 7, \"allowed_until_hour\": 17,"
        "   \"entry_instructions\": \"Entrar por la calle principal, esperar en la cancha\","
        "   \"contact\": \"Cabo Martínez, radio canal 4\","
        "   \"meeting_point\": {\"lat\": 13.7052, \"lon\": -89.1421,"
        "    \"address\": \"Redondel de la entrada a la colonia\", \"reference_point\": \"puesto policial\"}},"
        "  \"alert_count\": 3, \"deadline_us\": \"2026-01-01T03:00:00Z\", \"subject_sender\": \"sem\","
        "  \"subject_at_us\": \"2026-01-01T01:00:00Z\"}}");
    assert_same_encoding(&f.env, env);
    assert_int_equal(hcbus_envelope_validate(env, NULL, &err), 0);
    hcbus_envelope_free(env);
}

static void test_summary_escort_status_notice(void **state)
{
    (void)state;
    hcbus_fixture_t f;
    json_t *s = summary_of(fixture_escort_status(&f));
    assert_key_string(s, "kind", "escort_status");
    assert_key_string(s, "escort_id", "esc-2026-0007");
    assert_key_string(s, "request_id", "sem-2026-000123");
    assert_key_string(s, "state", "assigned");
    assert_key_string(s, "police_unit", "PNC Soyapango, patrulla 3");
    assert_key_string(s, "at_us", "2026-01-01T01:00:00.000000Z");
    assert_key_string(s, "eta_us", "2026-01-01T02:00:00.000000Z");
    assert_key_string(json_object_get(s, "meeting_point"), "reference_point", "gasolinera Puma");
    json_decref(s);

    f.escort_status.state = HCBUS__ESCORT_STATE__ESCORT_STATE_AT_MEETING_POINT;
    f.escort_status.eta_us = 0;
    s = summary_of(&f.env);
    assert_key_string(s, "state", "at_meeting_point");
    assert_null(json_object_get(s, "eta_us"));
    json_decref(s);

    s = summary_of(fixture_notice(&f));
    assert_key_string(s, "kind", "notice");
    assert_key_string(s, "notice_id", "c.v.42");
    /* The notice's own kind is the body's field "kind" in the proto, but the summary's
     * "kind" is the body kind; the NoticeKind is written under "notice_kind". */
    assert_key_string(s, "notice_kind", "violation");
    assert_key_string(s, "rule", "transition");
    assert_key_string(s, "level", "orange");
    assert_int_equal(json_integer_value(json_object_get(s, "subject_seq")), 42);
    assert_int_equal(json_integer_value(json_object_get(s, "alert_count")), 3);
    assert_key_string(s, "deadline_us", "2026-01-01T03:00:00.000000Z");
    assert_key_string(s, "subject_at_us", "2026-01-01T01:00:00.000000Z");
    assert_key_string(s, "subject_sender", "sem");
    json_t *recipients = json_object_get(s, "recipients");
    assert_true(json_is_array(recipients));
    assert_int_equal(json_array_size(recipients), 2);
    assert_string_equal(json_string_value(json_array_get(recipients, 0)), "sem");
    assert_string_equal(json_string_value(json_array_get(recipients, 1)), "cruz_roja-1");
    assert_true(json_is_true(json_object_get(json_object_get(s, "access"), "escort_required")));
    assert_key_string(json_object_get(json_object_get(s, "access"), "meeting_point"), "reference_point",
                      "puesto policial");
    json_decref(s);

    /* A recipient that is not UTF-8 makes no summary rather than a wrong one. */
    f.recipients[1] = (char *)"\xff";
    assert_null(hcbus_summary_json(&f.env));
}

static void expect_refused(const char *json, int code, const char *field, const char *in_message)
{
    Hcbus__Envelope *env = (Hcbus__Envelope *)1;
    hcbus_error_t err;
    hcbus_error_clear(&err);
    assert_int_equal(hcbus_envelope_from_json(json, &env, &err), -1);
    assert_null(env);
    if (err.code != code || strcmp(err.field, field) != 0)
        fail_msg("%s: got %d \"%s\" (%s), want %d \"%s\"", json, err.code, err.field, err.message,
                 code, field);
    if (in_message && !strstr(err.message, in_message))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, in_message);
}

static void test_from_json_refusals(void **state)
{
    (void)state;
    expect_refused("{\"msg_id\": \"m\", \"colour\": 1}", HCBUS_EINVALID, "colour",
                   "unknown key \"colour\"");
    expect_refused("{\"kind\": \"zone\"}", HCBUS_EINVALID, "kind", "unknown key");
    expect_refused("{\"dispatch\": {\"lcoation\": {}}}", HCBUS_EINVALID, "dispatch.lcoation",
                   "unknown key");
    expect_refused("{\"dispatch\": {\"location\": {\"lattitude\": 13}}}", HCBUS_EINVALID,
                   "dispatch.location.lattitude", "unknown key");
    expect_refused("{\"zone\": {\"level\": \"purple\"}}", HCBUS_EINVALID, "zone.level",
                   "\"purple\" is not a known value");
    expect_refused("{\"zone\": {\"level\": true}}", HCBUS_EINVALID, "zone.level", "must be");
    expect_refused("{\"msg_id\": 12}", HCBUS_EINVALID, "msg_id", "must be a string");
    expect_refused("{\"zone\": \"red\"}", HCBUS_EINVALID, "zone", "must be an object");
    expect_refused("{\"zone\": {\"access\": {\"allowed_from_hour\": -1}}}", HCBUS_EINVALID,
                   "zone.access.allowed_from_hour", "out of range");
    expect_refused("{\"zone\": {\"access\": {\"escort_required\": 1}}}", HCBUS_EINVALID,
                   "zone.access.escort_required", "true or false");
    expect_refused("{\"dispatch\": {\"location\": {\"lat\": \"13\"}}}", HCBUS_EINVALID,
                   "dispatch.location.lat", "a number");
    expect_refused("{\"zone\": {\"valid_from_us\": \"yesterday-ish\"}}", HCBUS_EINVALID,
                   "zone.valid_from_us", NULL);
    expect_refused("{\"zone\": {\"valid_from_us\": 1.5}}", HCBUS_EINVALID, "zone.valid_from_us",
                   NULL);
    expect_refused("{\"zone\": {}, \"alert\": {}}", HCBUS_EINVALID, "alert",
                   "cannot be given together with zone");
    expect_refused("{\"notice\": {\"recipients\": \"sem\"}}", HCBUS_EINVALID, "notice.recipients",
                   "an array of strings");
    expect_refused("{\"notice\": {\"recipients\": [\"sem\", 7]}}", HCBUS_EINVALID, "notice.recipients[1]",
                   "must be a string");
    expect_refused("{\"notice\": {\"recipient\": [\"sem\"]}}", HCBUS_EINVALID, "notice.recipient",
                   "unknown key");
    expect_refused("{\"notice\": {\"kind\": \"overdo\"}}", HCBUS_EINVALID, "notice.kind",
                   "not a known value");
    expect_refused("{\"escort_status\": {\"state\": \"on_the_way\"}}", HCBUS_EINVALID,
                   "escort_status.state", "not a known value");
    expect_refused("{\"msg_id\": \"a\\u0000b\"}", HCBUS_EMALFORMED, "", "\\u0000");
    expect_refused("{\"msg_id\": \"a\", \"msg_id\": \"b\"}", HCBUS_EMALFORMED, "", "duplicate");
    expect_refused("{\"msg_id\": ", HCBUS_EMALFORMED, "", "could not be parsed");
    expect_refused("[1, 2]", HCBUS_EINVALID, "", "must be an object");
    /* A failure deep inside a body frees what was built so far (ASan checks). */
    expect_refused("{\"msg_id\": \"m\", \"dispatch\": {\"request_id\": \"r\","
                   " \"location\": {\"address\": \"x\"}, \"patient\": {\"sex\": \"x\"}}}",
                   HCBUS_EINVALID, "dispatch.patient.sex", NULL);
}

static void test_from_json_then_validate(void **state)
{
    (void)state;
    /* The JSON shape is fine; the values are validation's business. */
    Hcbus__Envelope *env = from_json_ok("{\"msg_id\": \"m-1\", \"zone\": {\"zone_id\": \"sv.ss\","
                                        " \"level\": 99, \"valid_from_us\": \"now\"}}");
    hcbus_error_t err;
    assert_int_equal(hcbus_envelope_validate(env, NULL, &err), -1);
    assert_string_equal(err.field, "zone.level");
    env->zone->level = HCBUS__RISK_LEVEL__RISK_LEVEL_RED;
    assert_int_equal(hcbus_envelope_validate(env, NULL, &err), 0);
    hcbus_envelope_free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_zone),
        cmocka_unit_test(test_summary_dispatch_has_no_patient),
        cmocka_unit_test(test_summary_status_alert_escort),
        cmocka_unit_test(test_summary_escort_status_notice),
        cmocka_unit_test(test_summary_canonical_text),
        cmocka_unit_test(test_summary_doubles),
        cmocka_unit_test(test_from_json_dispatch),
        cmocka_unit_test(test_from_json_every_kind),
        cmocka_unit_test(test_from_json_refusals),
        cmocka_unit_test(test_from_json_then_validate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
