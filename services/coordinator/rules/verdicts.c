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

bool coord_verdict_too_far_ahead(const coord_engine_t *e, int64_t at_us, int64_t received_at_us,
                                 coord_text_t *why)
{
    if (at_us <= received_at_us + e->rules.status_max_skew_us)
        return false;
    char at[48], ahead[32], skew[32];
    coord_text_add(why, "su hora %s está %s después de su recepción (se admiten %s)",
                   coord_es_time(at_us, at, sizeof at),
                   coord_es_duration(at_us - received_at_us, ahead, sizeof ahead),
                   coord_es_duration(e->rules.status_max_skew_us, skew, sizeof skew));
    return true;
}
