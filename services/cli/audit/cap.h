/* cap.h — one recorded security alert or zone risk level as one OASIS CAP 1.2 document
 * (namespace urn:oasis:names:tc:emergency:cap:1.2): the identifier, sender and time
 * rules, and the writer. Fed by export_cap.c from the reviewer views; only what those
 * views hold goes in (never payloads nor patient details). Decision 0018. */
#ifndef HCBUS_CLI_AUDIT_CAP_H
#define HCBUS_CLI_AUDIT_CAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CAP_NAMESPACE "urn:oasis:names:tc:emergency:cap:1.2"
#define CAP_DOMAIN "hcbus.sv"                                 /* senders and identifiers */
#define CAP_ANONYMOUS_SENDER "anonymous.gateway." CAP_DOMAIN /* no institution id has '.' */
#define CAP_LANGUAGE "es-SV"
#define CAP_ID_MAX 64   /* "hcbus.sv-<seq>" */
#define CAP_SENDER_MAX 64
#define CAP_TIME_MAX 32 /* "2026-11-23T03:10:00-06:00" */

/* One event, as export_cap.c reads it. Strings are borrowed (NULL = absent); times are
 * microseconds since the epoch (0 = absent). */
typedef struct cap_event {
    int64_t seq;
    bool zone;                 /* a ZoneRiskLevel; else a SecurityAlert */
    const char *sender;        /* institution id; "" for an anonymous report */
    int64_t received_us;       /* the broker's time of receipt: CAP <sent> */
    const char *zone_id;
    const char *area_name;     /* "Soyapango, San Salvador Este, San Salvador"; NULL: not in the catalogue */
    const char *department_iso; /* "SV-SS"; NULL: not in the catalogue */
    /* SecurityAlert (review.incidents) */
    const char *alert_id, *target, *act, *severity, *description, *request_id;
    const char *killed, *injured, *removed; /* decimal text */
    int64_t occurred_us;
    /* ZoneRiskLevel (review.zone_history) */
    const char *level, *reason;
    int64_t valid_from_us, valid_until_us;
    bool escort_required;
    int64_t prev_seq;          /* the level it replaces in the same zone, 0 for none */
    const char *prev_sender;
    int64_t prev_received_us;
} cap_event_t;

/* "hcbus.sv-<seq>": stable, one per recorded event. Returns buf. */
const char *cap_identifier(int64_t seq, char *buf, size_t size);

/* "<institution>.hcbus.sv", or CAP_ANONYMOUS_SENDER for "" (an anonymous report names
 * no institution nor person). Returns buf. */
const char *cap_sender(const char *institution, char *buf, size_t size);

/* t_us as CAP wants it: whole seconds with the offset, El Salvador time
 * "2026-11-23T03:10:00-06:00", or with utc "2026-11-23T09:10:00-00:00" (CAP forbids
 * "Z"). Returns buf. */
const char *cap_time(int64_t t_us, bool utc, char *buf, size_t size);

/* Write ev as a whole CAP document (XML declaration, one <alert>) to out. Returns the
 * characters of log text replaced by U+FFFD (cap_xml.h: 0 under decision 0006), or
 * (size_t)-1 when out of memory. */
size_t cap_write(FILE *out, const cap_event_t *ev, bool utc);

#endif
