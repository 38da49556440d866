/* fixtures.h — valid messages of every body kind for tests. Each fixture sets every
 * field of its body (so round trips compare everything) and lives in a caller-owned
 * hcbus_fixture_t: no allocation, nothing to free; mutate fields to make bad cases.
 * Zone ids are in deploy/sv-districts.csv; times are in the past but after 2016. */
#ifndef HCBUS_TEST_FIXTURES_H
#define HCBUS_TEST_FIXTURES_H

#include <string.h>

#include "hcbus/codec.h"
#include "hcbus/topic.h"

#define FIXTURE_ZONE_ID "sv.ss.san-salvador-este.soyapango"
#define FIXTURE_T0_US INT64_C(1767225600000000) /* 2026-01-01T00:00:00Z */
#define FIXTURE_HOUR_US INT64_C(3600000000)

typedef struct {
    Hcbus__Envelope env;
    Hcbus__ZoneRiskLevel zone;
    Hcbus__AccessConditions access;
    Hcbus__DispatchRequest dispatch;
    Hcbus__Location location;
    Hcbus__PatientDetails patient;
    Hcbus__DispatchStatus status;
    Hcbus__SecurityAlert alert;
    Hcbus__Casualties casualties;
    Hcbus__EscortRequest escort;
    Hcbus__Location meeting_point;
    Hcbus__Location access_meeting_point; /* the zone's (or the notice's) access conditions' */
    Hcbus__EscortStatus escort_status;
    Hcbus__Location escort_status_meeting_point;
    Hcbus__Notice notice;
    char *recipients[2];
} hcbus_fixture_t;

static inline void fixture_envelope(hcbus_fixture_t *f, const char *msg_id)
{
    memset(f, 0, sizeof *f);
    hcbus__envelope__init(&f->env);
    f->env.msg_id = (char *)msg_id;
    f->env.sent_at_us = FIXTURE_T0_US;
}

/* f->access, every field set (the zone's and the notice's access conditions). */
static inline void fixture_access(hcbus_fixture_t *f)
{
    hcbus__access_conditions__init(&f->access);
    hcbus__location__init(&f->access_meeting_point);
    f->access_meeting_point.lat = 13.7052;
    f->access_meeting_point.lon = -89.1421;
    f->access_meeting_point.address = (char *)"Redondel de la entrada a la colonia";
    f->access_meeting_point.reference_point = (char *)"puesto policial";
    f->access.escort_required = 1;
    f->access.allowed_from_hour = 7;
    f->access.allowed_until_hour = 17;
    f->access.entry_instructions = (char *)"Entrar por la calle principal, esperar en la cancha";
    f->access.contact = (char *)"Cabo Martínez, radio canal 4";
    f->access.meeting_point = &f->access_meeting_point;
}

static inline Hcbus__Envelope *fixture_zone(hcbus_fixture_t *f)
{
    fixture_envelope(f, "zone-0001");
    hcbus__zone_risk_level__init(&f->zone);
    fixture_access(f);
    f->zone.zone_id = (char *)FIXTURE_ZONE_ID;
    f->zone.level = HCBUS__RISK_LEVEL__RISK_LEVEL_ORANGE;
    f->zone.access = &f->access;
    f->zone.reason = (char *)"Enfrentamientos reportados";
    f->zone.valid_from_us = FIXTURE_T0_US;
    f->zone.valid_until_us = FIXTURE_T0_US + 12 * FIXTURE_HOUR_US;
    f->env.body_case = HCBUS__ENVELOPE__BODY_ZONE;
    f->env.zone = &f->zone;
    f->env.topic = (char *)"zone." FIXTURE_ZONE_ID;
    return &f->env;
}

static inline Hcbus__Envelope *fixture_dispatch(hcbus_fixture_t *f)
{
    fixture_envelope(f, "dispatch-0001");
    hcbus__dispatch_request__init(&f->dispatch);
    hcbus__location__init(&f->location);
    hcbus__patient_details__init(&f->patient);
    f->location.lat = 13.7105;
    f->location.lon = -89.1397;
    f->location.address = (char *)"Colonia Los Santos, pasaje 3, casa 12";
    f->location.reference_point = (char *)"frente a la iglesia";
    f->patient.age_band = HCBUS__AGE_BAND__AGE_BAND_ADULT;
    f->patient.sex = HCBUS__SEX__SEX_FEMALE;
    f->patient.chief_complaint = (char *)"herida de arma de fuego en pierna";
    f->patient.condition = HCBUS__PATIENT_CONDITION__PATIENT_CONDITION_SERIOUS;
    f->dispatch.request_id = (char *)"sem-2026-000123";
    f->dispatch.zone_id = (char *)FIXTURE_ZONE_ID;
    f->dispatch.location = &f->location;
    f->dispatch.priority = HCBUS__PRIORITY__PRIORITY_CRITICAL;
    f->dispatch.incident_type = HCBUS__INCIDENT_TYPE__INCIDENT_TYPE_VIOLENCE;
    f->dispatch.capability = HCBUS__CAPABILITY__CAPABILITY_ADVANCED;
    f->dispatch.patient = &f->patient;
    f->env.body_case = HCBUS__ENVELOPE__BODY_DISPATCH;
    f->env.dispatch = &f->dispatch;
    f->env.topic = (char *)"dispatch." FIXTURE_ZONE_ID;
    return &f->env;
}

/* A TRANSPORTING status: unit and destination are required, so both are set. */
static inline Hcbus__Envelope *fixture_status(hcbus_fixture_t *f)
{
    fixture_envelope(f, "status-0001");
    hcbus__dispatch_status__init(&f->status);
    f->status.request_id = (char *)"sem-2026-000123";
    f->status.zone_id = (char *)FIXTURE_ZONE_ID;
    f->status.unit_id = (char *)"SEM-M12";
    f->status.state = HCBUS__DISPATCH_STATE__DISPATCH_STATE_TRANSPORTING;
    f->status.at_us = FIXTURE_T0_US + FIXTURE_HOUR_US;
    f->status.destination_facility = (char *)"Hospital Nacional Rosales";
    f->status.reason = (char *)"traslado por trauma";
    f->env.body_case = HCBUS__ENVELOPE__BODY_STATUS;
    f->env.status = &f->status;
    f->env.topic = (char *)"status." FIXTURE_ZONE_ID;
    return &f->env;
}

static inline Hcbus__Envelope *fixture_alert(hcbus_fixture_t *f)
{
    fixture_envelope(f, "alert-0001");
    hcbus__security_alert__init(&f->alert);
    hcbus__casualties__init(&f->casualties);
    f->casualties.killed = 0;
    f->casualties.injured = 2;
    f->casualties.removed = 1;
    f->alert.alert_id = (char *)"alert-2026-0042";
    f->alert.zone_id = (char *)FIXTURE_ZONE_ID;
    f->alert.target = HCBUS__TARGET__TARGET_VEHICLE;
    f->alert.act = HCBUS__ACT__ACT_SHOOTING_INTO;
    f->alert.severity = HCBUS__SEVERITY__SEVERITY_HIGH;
    f->alert.casualties = &f->casualties;
    f->alert.description = (char *)"Disparos contra la ambulancia en la entrada de la colonia";
    f->alert.anonymous = 1;
    f->alert.request_id = (char *)"sem-2026-000123";
    f->alert.occurred_at_us = FIXTURE_T0_US + 2 * FIXTURE_HOUR_US;
    f->env.body_case = HCBUS__ENVELOPE__BODY_ALERT;
    f->env.alert = &f->alert;
    f->env.topic = (char *)"alert." FIXTURE_ZONE_ID;
    return &f->env;
}

static inline Hcbus__Envelope *fixture_escort(hcbus_fixture_t *f)
{
    fixture_envelope(f, "escort-0001");
    hcbus__escort_request__init(&f->escort);
    hcbus__location__init(&f->meeting_point);
    f->meeting_point.lat = 13.7021;
    f->meeting_point.lon = -89.1500;
    f->meeting_point.address = (char *)"Bulevar del Ejército, km 5";
    f->meeting_point.reference_point = (char *)"gasolinera Puma";
    f->escort.escort_id = (char *)"esc-2026-0007";
    f->escort.request_id = (char *)"sem-2026-000123";
    f->escort.zone_id = (char *)FIXTURE_ZONE_ID;
    f->escort.unit_id = (char *)"SEM-M12";
    f->escort.meeting_point = &f->meeting_point;
    f->escort.needed_by_us = FIXTURE_T0_US + 3 * FIXTURE_HOUR_US;
    f->escort.reason = (char *)"zona naranja";
    f->env.body_case = HCBUS__ENVELOPE__BODY_ESCORT;
    f->env.escort = &f->escort;
    f->env.topic = (char *)"escort." FIXTURE_ZONE_ID;
    return &f->env;
}

/* An ASSIGNED escort status: police unit and meeting point are required, so both are
 * set (and a reason, to fill every field). */
static inline Hcbus__Envelope *fixture_escort_status(hcbus_fixture_t *f)
{
    fixture_envelope(f, "escort-status-0001");
    hcbus__escort_status__init(&f->escort_status);
    hcbus__location__init(&f->escort_status_meeting_point);
    f->escort_status_meeting_point.lat = 13.7021;
    f->escort_status_meeting_point.lon = -89.1500;
    f->escort_status_meeting_point.address = (char *)"Bulevar del Ejército, km 5";
    f->escort_status_meeting_point.reference_point = (char *)"gasolinera Puma";
    f->escort_status.escort_id = (char *)"esc-2026-0007";
    f->escort_status.request_id = (char *)"sem-2026-000123";
    f->escort_status.zone_id = (char *)FIXTURE_ZONE_ID;
    f->escort_status.state = HCBUS__ESCORT_STATE__ESCORT_STATE_ASSIGNED;
    f->escort_status.police_unit = (char *)"PNC Soyapango, patrulla 3";
    f->escort_status.meeting_point = &f->escort_status_meeting_point;
    f->escort_status.at_us = FIXTURE_T0_US + FIXTURE_HOUR_US;
    f->escort_status.reason = (char *)"unidad disponible en la delegación";
    f->escort_status.eta_us = FIXTURE_T0_US + 2 * FIXTURE_HOUR_US;
    f->env.body_case = HCBUS__ENVELOPE__BODY_ESCORT_STATUS;
    f->env.escort_status = &f->escort_status;
    f->env.topic = (char *)"escort_status." FIXTURE_ZONE_ID;
    return &f->env;
}

/* A VIOLATION notice (a rule is required) with every field set; its
 * notice_id is the envelope's msg_id, as validation requires. */
static inline Hcbus__Envelope *fixture_notice(hcbus_fixture_t *f)
{
    fixture_envelope(f, "c.v.42");
    hcbus__notice__init(&f->notice);
    fixture_access(f);
    f->recipients[0] = (char *)"sem";
    f->recipients[1] = (char *)"cruz_roja-1";
    f->notice.notice_id = (char *)"c.v.42";
    f->notice.zone_id = (char *)FIXTURE_ZONE_ID;
    f->notice.kind = HCBUS__NOTICE_KIND__NOTICE_KIND_VIOLATION;
    f->notice.n_recipients = 2;
    f->notice.recipients = f->recipients;
    f->notice.subject_seq = 42;
    f->notice.request_id = (char *)"sem-2026-000123";
    f->notice.escort_id = (char *)"esc-2026-0007";
    f->notice.rule = HCBUS__NOTICE_RULE__NOTICE_RULE_TRANSITION;
    f->notice.reason = (char *)"estado \"cerrado\" rechazado: la solicitud sem-2026-000123 ya está cerrada";
    f->notice.level = HCBUS__RISK_LEVEL__RISK_LEVEL_ORANGE;
    f->notice.access = &f->access;
    f->notice.alert_count = 3;
    f->notice.deadline_us = FIXTURE_T0_US + 3 * FIXTURE_HOUR_US;
    f->notice.subject_sender = (char *)"sem";
    f->notice.subject_at_us = FIXTURE_T0_US + FIXTURE_HOUR_US;
    f->env.body_case = HCBUS__ENVELOPE__BODY_NOTICE;
    f->env.notice = &f->notice;
    f->env.topic = (char *)"notice." FIXTURE_ZONE_ID;
    return &f->env;
}

/* The fixture of a kind (HCBUS_KIND_ZONE..HCBUS_KIND_NOTICE), NULL for NONE. */
static inline Hcbus__Envelope *fixture_of_kind(hcbus_fixture_t *f, hcbus_kind_t kind)
{
    switch (kind) {
    case HCBUS_KIND_ZONE: return fixture_zone(f);
    case HCBUS_KIND_DISPATCH: return fixture_dispatch(f);
    case HCBUS_KIND_STATUS: return fixture_status(f);
    case HCBUS_KIND_ALERT: return fixture_alert(f);
    case HCBUS_KIND_ESCORT: return fixture_escort(f);
    case HCBUS_KIND_ESCORT_STATUS: return fixture_escort_status(f);
    case HCBUS_KIND_NOTICE: return fixture_notice(f);
    default: return NULL;
    }
}

#endif
