/* leaf.c — the writer's values as tlog values (see leaf.h). Text goes unchanged: tlog
 * stores bytes that are not UTF-8 as '?', as the writer sends them (pgbin.c). */
#include "leaf.h"

static hcbus_tlog_value_t tlog_value(const auditd_value_t *v)
{
    switch (v->kind) {
    case AUDITD_TEXT: return hcbus_tlog_text(v->text);
    case AUDITD_INT: return hcbus_tlog_int(v->num);
    case AUDITD_TIME: return hcbus_tlog_time(v->num);
    case AUDITD_BYTES: /* only the payload, which enters as its digest */
    case AUDITD_NULL: break;
    }
    return hcbus_tlog_null();
}

int auditd_leaf_event(const auditd_value_t v[AUDITD_EVENT_COLUMNS], hcbus_tlog_hash_t *out, hcbus_error_t *err)
{
    hcbus_tlog_event_t row = {
        .seq = tlog_value(&v[0]),
        .sender = tlog_value(&v[1]),
        .msg_id = tlog_value(&v[2]),
        .kind = tlog_value(&v[3]),
        .topic = tlog_value(&v[4]),
        .zone_id = tlog_value(&v[5]),
        .subject = tlog_value(&v[6]),
        .sent_at = tlog_value(&v[7]),
        .received_at = tlog_value(&v[8]),
        .committed_at = tlog_value(&v[9]),
        .summary = tlog_value(&v[11]),
    };
    const auditd_value_t *payload = &v[10];
    hcbus_tlog_payload_sha256(payload->bytes, payload->len, payload->more, payload->more_len, row.payload_sha256);
    return hcbus_tlog_event_leaf(&row, out, err);
}

int auditd_leaf_rejection(const auditd_value_t v[AUDITD_REJECTION_COLUMNS], hcbus_tlog_hash_t *out,
                          hcbus_error_t *err)
{
    hcbus_tlog_rejection_t row = {
        .id = tlog_value(&v[0]),
        .at = tlog_value(&v[1]),
        .last_at = tlog_value(&v[2]),
        .repeats = tlog_value(&v[3]),
        .institution = tlog_value(&v[4]),
        .key_hint = tlog_value(&v[5]),
        .action = tlog_value(&v[6]),
        .topic = tlog_value(&v[7]),
        .msg_id = tlog_value(&v[8]),
        .code = tlog_value(&v[9]),
        .field = tlog_value(&v[10]),
        .reason = tlog_value(&v[11]),
    };
    return hcbus_tlog_rejection_leaf(&row, out, err);
}
