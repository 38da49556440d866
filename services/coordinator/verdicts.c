/* verdicts.c — builds and emits the verdict notice on one status or escort status:
 * CHECKED (it counts) or VIOLATION (recorded, flagged, does not change the request). */
#include "verdicts.h"

#include "effects.h"
#include "outbox.h"

void coord_verdict_emit(coord_engine_t *e, const coord_verdict_t *v)
{
    if (v->violation)
        e->stats.violations++;
    else
        e->stats.checked++;
    const char *sender = coord_sender(v->subject);
    char msg_id[COORD_ID_MAX + 1];
    coord_notice_spec_t spec = {
        .msg_id = coord_effect_id('v', v->seq, msg_id, sizeof msg_id),
        .zone_id = v->zone_id,
        .kind = v->violation ? HCBUS__NOTICE_KIND__NOTICE_KIND_VIOLATION
                             : HCBUS__NOTICE_KIND__NOTICE_KIND_CHECKED,
        .subject_seq = v->seq,
        .request_id = v->request_id,
        .escort_id = v->escort_id,
        .rule = v->rule,
        .reason = v->reason,
        .subject_sender = sender,
        .subject_at_us = v->at_us ? v->at_us : v->subject->received_at_us,
    };
    coord_notice_add_recipient(&spec, sender);
    coord_notice_add_recipient(&spec, v->requester);
    if (spec.recipient_count == 0)
        return; /* an anonymous subject: nobody to tell (facilitators see the flag in the timeline) */
    coord_outbox_emit(e, coord_effect_notice(&spec), COORD_NEED_ALWAYS, 0);
}
