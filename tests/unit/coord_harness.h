/* coord_harness.h — for the coordinator engine's tests (test_coord_*.c): an in-memory
 * audit log (envelopes with seq, sender and received_at as the broker records them),
 * message builders for every kind the engine reads, a config of institutions built in
 * memory (no key files), and the loop of a running coordinator (apply, take the
 * effects, record them in the log and apply them back as the broker would deliver
 * them). Header-only; each test file includes it once. */
#ifndef HCBUS_TEST_COORD_HARNESS_H
#define HCBUS_TEST_COORD_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"
#include "hcbus/codec.h"
#include "hcbus/config.h"
#include "hcbus/rights.h"
#include "hcbus/validate.h"
#include "hcbus/zones.h"

#define T0 INT64_C(1767225600000000) /* 2026-01-01T00:00:00Z */
#define SEC INT64_C(1000000)
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define SOYAPANGO "sv.ss.san-salvador-este.soyapango"
#define MEJICANOS "sv.ss.san-salvador-centro.mejicanos"
#define AHUACHAPAN "sv.ah.ahuachapan-centro.ahuachapan"
#define SELF "coordinator"
#define LOG_MAX 4096
#define EFFECTS_MAX 4096

/* ---- the world: config, catalogue, rules --------------------------------------- */

static hcbus_config_t *test_config;
static hcbus_zones_t *test_zones;

static inline void add_grant(hcbus_grants_t *grants, const char *text)
{
    hcbus_grant_t g;
    hcbus_error_t err;
    assert_int_equal(hcbus_grant_parse(text, &g, &err), 0);
    assert_int_equal(hcbus_grants_add(grants, &g, &err), 0);
}

static inline hcbus_institution_t *add_institution(const char *id, unsigned roles)
{
    hcbus_institution_t *inst = &test_config->institutions[test_config->institution_count++];
    memset(inst, 0, sizeof *inst);
    snprintf(inst->id, sizeof inst->id, "%s", id);
    inst->roles = roles;
    return inst;
}

#define ROLE(r) (1u << HCBUS_ROLE_##r)

/* sem, cruz-roja: dispatch centres; comandos: health provider; pnc: police everywhere;
 * pnc-ah: police only in Ahuachapán; minsal: zone authority everywhere; alcaldia-ss /
 * alcaldia-ah: zone authorities of San Salvador / Ahuachapán; facil: facilitator. */
static inline int world_setup(void **state)
{
    (void)state;
    hcbus_error_t err;
    test_zones = hcbus_zones_load(HCBUS_SOURCE_DIR "/deploy/sv-districts.csv", &err);
    if (!test_zones)
        return -1;
    test_config = calloc(1, sizeof *test_config);
    if (!test_config)
        return -1;
    add_institution("sem", ROLE(DISPATCH_CENTRE));
    add_institution("cruz-roja", ROLE(DISPATCH_CENTRE) | ROLE(HEALTH_PROVIDER));
    add_institution("comandos", ROLE(HEALTH_PROVIDER));
    add_grant(&add_institution("pnc", ROLE(POLICE))->subscribe, "escort:*");
    add_grant(&add_institution("pnc-ah", ROLE(POLICE))->subscribe, "escort:sv.ah");
    add_grant(&add_institution("minsal", ROLE(ZONE_AUTHORITY))->publish, "zone:*");
    add_grant(&add_institution("alcaldia-ss", ROLE(ZONE_AUTHORITY))->publish, "zone:sv.ss");
    add_grant(&add_institution("alcaldia-ah", ROLE(ZONE_AUTHORITY))->publish, "zone:sv.ah");
    add_institution("facil", ROLE(FACILITATOR));
    return 0;
}

static inline int world_teardown(void **state)
{
    (void)state;
    free(test_config);
    hcbus_zones_destroy(&test_zones);
    return 0;
}

static inline coord_rules_t test_rules(void)
{
    return (coord_rules_t){
        .status_max_skew_us = 2 * MIN,
        .accept_within_us = 5 * MIN,
        .on_scene_within_us = 30 * MIN,
        .escort_assigned_within_us = 10 * MIN,
        .alert_window_us = 24 * HOUR,
        .forget_closed_after_us = 72 * HOUR,
        .default_level = HCBUS__RISK_LEVEL__RISK_LEVEL_GREEN,
    };
}

static inline coord_engine_t *new_engine(void)
{
    coord_rules_t rules = test_rules();
    hcbus_error_t err;
    coord_engine_t *e = coord_engine_new(&rules, test_config, test_zones, SELF, &err);
    if (!e)
        fail_msg("coord_engine_new: %s: %s", err.field, err.message);
    return e;
}

/* ---- the log -------------------------------------------------------------------- */

typedef struct {
    Hcbus__Envelope *items[LOG_MAX]; /* items[i] has seq i + 1 */
    size_t n;
    int64_t now;                     /* received_at_us of the next message */
} test_log_t;

static inline void log_init(test_log_t *log)
{
    memset(log, 0, sizeof *log);
    log->now = T0;
}

static inline void log_free(test_log_t *log)
{
    for (size_t i = 0; i < log->n; i++)
        hcbus_envelope_free(log->items[i]);
    log->n = 0;
}

/* Record env as sent by sender (a deep copy, by encoding), at log->now. Returns its seq. */
static inline uint64_t log_record(test_log_t *log, const Hcbus__Envelope *env, const char *sender)
{
    assert_true(log->n < LOG_MAX);
    uint8_t *buf = NULL;
    size_t len = 0;
    hcbus_error_t err;
    assert_int_equal(hcbus_encode((const ProtobufCMessage *)env, &buf, &len, &err), 0);
    Hcbus__Envelope *copy = hcbus_envelope_decode(buf, len, 0, &err);
    free(buf);
    assert_non_null(copy);
    if (copy->sender != protobuf_c_empty_string) /* decoded "" is the shared default */
        free(copy->sender);
    copy->sender = strdup(sender);
    copy->seq = log->n + 1;
    copy->received_at_us = log->now;
    log->items[log->n++] = copy;
    return copy->seq;
}

static inline const Hcbus__Envelope *log_at(const test_log_t *log, uint64_t seq)
{
    assert_true(seq >= 1 && seq <= log->n);
    return log->items[seq - 1];
}

/* ---- message builders (all record into the log and return the seq) -------------- */

static inline uint64_t msg_zone(test_log_t *log, const char *sender, const char *zone, int level,
                         const Hcbus__AccessConditions *access, int64_t from_us, int64_t until_us)
{
    Hcbus__Envelope env = HCBUS__ENVELOPE__INIT;
    Hcbus__ZoneRiskLevel z = HCBUS__ZONE_RISK_LEVEL__INIT;
    char msg_id[64];
    snprintf(msg_id, sizeof msg_id, "zone-%zu", log->n + 1);
    env.msg_id = msg_id;
    z.zone_id = (char *)zone;
    z.level = (Hcbus__RiskLevel)level;
    z.access = (Hcbus__AccessConditions *)access;
    z.reason = (char *)"enfrentamientos";
    z.valid_from_us = from_us;
    z.valid_until_us = until_us;
    env.body_case = HCBUS__ENVELOPE__BODY_ZONE;
    env.zone = &z;
    return log_record(log, &env, sender);
}

static inline uint64_t msg_dispatch(test_log_t *log, const char *sender, const char *request_id, const char *zone)
{
    Hcbus__Envelope env = HCBUS__ENVELOPE__INIT;
    Hcbus__DispatchRequest d = HCBUS__DISPATCH_REQUEST__INIT;
    Hcbus__Location loc = HCBUS__LOCATION__INIT;
    char msg_id[64];
    snprintf(msg_id, sizeof msg_id, "dispatch-%zu", log->n + 1);
    env.msg_id = msg_id;
    loc.address = (char *)"Colonia Los Santos, pasaje 3";
    d.request_id = (char *)request_id;
    d.zone_id = (char *)zone;
    d.location = &loc;
    d.priority = HCBUS__PRIORITY__PRIORITY_CRITICAL;
    d.incident_type = HCBUS__INCIDENT_TYPE__INCIDENT_TYPE_VIOLENCE;
    d.capability = HCBUS__CAPABILITY__CAPABILITY_ADVANCED;
    env.body_case = HCBUS__ENVELOPE__BODY_DISPATCH;
    env.dispatch = &d;
    return log_record(log, &env, sender);
}

#define ST(name) HCBUS__DISPATCH_STATE__DISPATCH_STATE_##name
#define ES(name) HCBUS__ESCORT_STATE__ESCORT_STATE_##name
#define RULE(name) HCBUS__NOTICE_RULE__NOTICE_RULE_##name
#define KIND(name) HCBUS__NOTICE_KIND__NOTICE_KIND_##name

/* A status whose own time is at_us (0: log->now). */
static inline uint64_t msg_status_at(test_log_t *log, const char *sender, const char *request_id,
                              const char *zone, int state, int64_t at_us)
{
    Hcbus__Envelope env = HCBUS__ENVELOPE__INIT;
    Hcbus__DispatchStatus s = HCBUS__DISPATCH_STATUS__INIT;
    char msg_id[64];
    snprintf(msg_id, sizeof msg_id, "status-%zu", log->n + 1);
    env.msg_id = msg_id;
    s.request_id = (char *)request_id;
    s.zone_id = (char *)zone;
    s.unit_id = (char *)"unidad-7";
    s.state = (Hcbus__DispatchState)state;
    s.at_us = at_us ? at_us : log->now;
    s.destination_facility = (char *)"Hospital Rosales";
    s.reason = (char *)"motivo";
    env.body_case = HCBUS__ENVELOPE__BODY_STATUS;
    env.status = &s;
    return log_record(log, &env, sender);
}

static inline uint64_t msg_status(test_log_t *log, const char *sender, const char *request_id,
                           const char *zone, int state)
{
    return msg_status_at(log, sender, request_id, zone, state, 0);
}

static inline uint64_t msg_escort_status(test_log_t *log, const char *sender, const char *escort_id,
                                  const char *request_id, const char *zone, int state)
{
    Hcbus__Envelope env = HCBUS__ENVELOPE__INIT;
    Hcbus__EscortStatus s = HCBUS__ESCORT_STATUS__INIT;
    Hcbus__Location meet = HCBUS__LOCATION__INIT;
    char msg_id[64];
    snprintf(msg_id, sizeof msg_id, "escort-status-%zu", log->n + 1);
    env.msg_id = msg_id;
    meet.address = (char *)"Gasolinera Puma, bulevar del Ejército";
    s.escort_id = (char *)escort_id;
    s.request_id = (char *)request_id;
    s.zone_id = (char *)zone;
    s.state = (Hcbus__EscortState)state;
    if (state == ES(ASSIGNED)) {
        s.police_unit = (char *)"patrulla 911-12";
        s.meeting_point = &meet;
    }
    s.at_us = log->now;
    s.reason = (char *)"la unidad ya salió: riesgo para el paciente";
    env.body_case = HCBUS__ENVELOPE__BODY_ESCORT_STATUS;
    env.escort_status = &s;
    return log_record(log, &env, sender);
}

static inline uint64_t msg_escort_request(test_log_t *log, const char *sender, const char *escort_id,
                                   const char *request_id, const char *zone)
{
    Hcbus__Envelope env = HCBUS__ENVELOPE__INIT;
    Hcbus__EscortRequest x = HCBUS__ESCORT_REQUEST__INIT;
    Hcbus__Location meet = HCBUS__LOCATION__INIT;
    char msg_id[64];
    snprintf(msg_id, sizeof msg_id, "escort-%zu", log->n + 1);
    env.msg_id = msg_id;
    meet.address = (char *)"entrada de la colonia";
    x.escort_id = (char *)escort_id;
    x.request_id = (char *)request_id;
    x.zone_id = (char *)zone;
    x.meeting_point = &meet;
    env.body_case = HCBUS__ENVELOPE__BODY_ESCORT;
    env.escort = &x;
    return log_record(log, &env, sender);
}

static inline uint64_t msg_alert(test_log_t *log, const char *sender, const char *zone)
{
    Hcbus__Envelope env = HCBUS__ENVELOPE__INIT;
    Hcbus__SecurityAlert a = HCBUS__SECURITY_ALERT__INIT;
    char msg_id[64], alert_id[64];
    snprintf(msg_id, sizeof msg_id, "alert-%zu", log->n + 1);
    snprintf(alert_id, sizeof alert_id, "a-%zu", log->n + 1);
    env.msg_id = msg_id;
    a.alert_id = alert_id;
    a.zone_id = (char *)zone;
    a.target = HCBUS__TARGET__TARGET_VEHICLE;
    a.act = HCBUS__ACT__ACT_ATTACK_ON_VEHICLE;
    a.severity = HCBUS__SEVERITY__SEVERITY_HIGH;
    env.body_case = HCBUS__ENVELOPE__BODY_ALERT;
    env.alert = &a;
    return log_record(log, &env, sender);
}

/* ---- effects -------------------------------------------------------------------- */

typedef struct {
    Hcbus__Envelope *items[EFFECTS_MAX];
    size_t n;
} test_effects_t;

static inline void effects_free(test_effects_t *fx)
{
    for (size_t i = 0; i < fx->n; i++)
        hcbus_envelope_free(fx->items[i]);
    fx->n = 0;
}

/* Every effect must be a message the broker accepts. */
static inline void check_valid(const Hcbus__Envelope *env)
{
    hcbus_error_t err;
    if (hcbus_envelope_validate(env, test_zones, &err) != 0)
        fail_msg("effect %s refused: %s: %s", env->msg_id, err.field, err.message);
}

/* Take every queued effect into fx (appending). Returns how many were taken. */
static inline size_t take_all(coord_engine_t *e, test_effects_t *fx)
{
    size_t before = fx->n;
    Hcbus__Envelope *env;
    while ((env = coord_engine_take_effect(e))) {
        assert_true(fx->n < EFFECTS_MAX);
        check_valid(env);
        fx->items[fx->n++] = env;
    }
    return fx->n - before;
}

static inline const Hcbus__Envelope *effect_find(const test_effects_t *fx, const char *msg_id)
{
    for (size_t i = 0; i < fx->n; i++)
        if (strcmp(fx->items[i]->msg_id, msg_id) == 0)
            return fx->items[i];
    return NULL;
}

static inline const Hcbus__Notice *notice_find(const test_effects_t *fx, const char *msg_id)
{
    const Hcbus__Envelope *env = effect_find(fx, msg_id);
    if (!env)
        fail_msg("no effect %s", msg_id);
    assert_int_equal(env->body_case, HCBUS__ENVELOPE__BODY_NOTICE);
    return env->notice;
}

static inline bool has_recipient(const Hcbus__Notice *n, const char *id)
{
    for (size_t i = 0; i < n->n_recipients; i++)
        if (strcmp(n->recipients[i], id) == 0)
            return true;
    return false;
}

static inline const char *vid(char tag, uint64_t seq, char *buf)
{
    snprintf(buf, 32, "c.%c.%llu", tag, (unsigned long long)seq);
    return buf;
}

/* ---- running ---------------------------------------------------------------------- */

/* Apply log entries [from_seq, n] to e. */
static inline void feed(coord_engine_t *e, const test_log_t *log, uint64_t from_seq)
{
    for (uint64_t seq = from_seq; seq <= log->n; seq++)
        coord_engine_apply(e, log->items[seq - 1], seq);
}

/* A running coordinator: take its effects into fx, record them in the log as its own
 * and apply them back (as the broker delivers them), until nothing more comes. */
static inline void settle(coord_engine_t *e, test_log_t *log, test_effects_t *fx)
{
    for (;;) {
        size_t from = fx->n;
        if (take_all(e, fx) == 0)
            return;
        for (size_t i = from; i < fx->n; i++) {
            uint64_t seq = log_record(log, fx->items[i], SELF);
            coord_engine_apply(e, log->items[seq - 1], seq);
        }
    }
}

/* Apply the newest log entry to a live engine and settle. */
static inline void step(coord_engine_t *e, test_log_t *log, test_effects_t *fx)
{
    coord_engine_apply(e, log->items[log->n - 1], log->n);
    settle(e, log, fx);
}

/* A red zone with access conditions (hours 6-18, contact, entry instructions). */
static inline const Hcbus__AccessConditions *red_access(void)
{
    static Hcbus__AccessConditions a = HCBUS__ACCESS_CONDITIONS__INIT;
    a.escort_required = 1;
    a.allowed_from_hour = 6;
    a.allowed_until_hour = 18;
    a.contact = (char *)"Subinspector Rivas, radio canal 4";
    a.entry_instructions = (char *)"Entrar por la calle principal, esperar en la cancha";
    return &a;
}

#endif
