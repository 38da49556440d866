/* alert.h — internal: the SecurityAlert a report becomes on the bus, built with
 * libhcbus's generated types and checked with its validation. The envelope points into
 * the report (nothing is allocated), so it lives as long as the report does. Its
 * alert_id and msg_id are 128 random bits in lowercase hex: no prefix, which would name
 * the gateway (docs/security.md, item 9). */
#ifndef REPORT_ALERT_H
#define REPORT_ALERT_H

#include "hcbus/codec.h"
#include "hcbus/error.h"
#include "hcbus/zones.h"
#include "queue.h"

/* An envelope and the bodies it points to. */
typedef struct report_alert_msg {
    Hcbus__Envelope env;
    Hcbus__SecurityAlert alert;
    Hcbus__Casualties casualties;
} report_alert_msg_t;

/* Write 32 lowercase hex digits of 128 random bits (and a NUL) into out. */
void report_random_hex_id(char out[REPORT_HEX_ID_LEN + 1]);

/* Fill m with p's alert (anonymous = true, sent_at_us 0: the publisher stamps the
 * release time). m must not move once built: its envelope points to its bodies. */
void report_alert_build(const pending_report_t *p, report_alert_msg_t *m);

/* Build p's alert and validate it as the broker will (zones: the catalogue). Returns 0,
 * or -1 with err (HCBUS_EINVALID / HCBUS_EUNKNOWN_ZONE naming the field). */
int report_alert_check(const pending_report_t *p, const hcbus_zones_t *zones, hcbus_error_t *err);

#endif
