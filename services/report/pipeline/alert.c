/* alert.c — a report as a SecurityAlert envelope (alert.h): the draft's fields, random
 * ids, anonymous = true, and libhcbus's validation at submit time, so that what is
 * accepted is what the broker will record. */
#include "alert.h"

#include <sodium.h>
#include <string.h>

#include "hcbus/clock.h"
#include "hcbus/validate.h"

void report_random_hex_id(char out[REPORT_HEX_ID_LEN + 1])
{
    unsigned char bits[REPORT_HEX_ID_LEN / 2];
    randombytes_buf(bits, sizeof bits);
    sodium_bin2hex(out, REPORT_HEX_ID_LEN + 1, bits, sizeof bits);
}

void report_alert_build(const pending_report_t *p, report_alert_msg_t *m)
{
    const report_draft_t *d = &p->draft;
    *m = (report_alert_msg_t){.env = HCBUS__ENVELOPE__INIT, .alert = HCBUS__SECURITY_ALERT__INIT,
                              .casualties = HCBUS__CASUALTIES__INIT};
    m->casualties.killed = d->killed;
    m->casualties.injured = d->injured;
    m->casualties.removed = d->removed;
    /* protobuf-c's string fields are char *: they point into p, never written. */
    m->alert.alert_id = (char *)p->alert_id;
    m->alert.zone_id = (char *)d->zone_id;
    m->alert.target = d->target;
    m->alert.act = d->act;
    m->alert.severity = d->severity;
    m->alert.casualties = &m->casualties;
    m->alert.description = (char *)d->description;
    m->alert.anonymous = true;
    m->alert.occurred_at_us = d->occurred_at_us;
    m->env.msg_id = (char *)p->msg_id;
    m->env.body_case = HCBUS__ENVELOPE__BODY_ALERT;
    m->env.alert = &m->alert;
}

int report_alert_check(const pending_report_t *p, const hcbus_zones_t *zones, hcbus_error_t *err)
{
    report_alert_msg_t m;
    report_alert_build(p, &m);
    /* Validation wants a send time; the one sent gets the release time instead. */
    m.env.sent_at_us = hcbus_now_us();
    return hcbus_envelope_validate(&m.env, zones, err);
}
