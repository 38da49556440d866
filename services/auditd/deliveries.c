/* deliveries.c — hcbus.deliveries rows from DeliveryRecords (see deliveries.h). The
 * records travel to PostgreSQL as one JSON array, expanded by jsonb_to_recordset: one
 * statement per batch, whatever its size, and no text escaping of our own. */
#include "deliveries.h"

#include <jansson.h>
#include <stdlib.h>

#include "hcbus/i18n.h"
#include "hcbus/log.h"

#define DELIVERIES_INSERT_SQL                                                                                       \
    "INSERT INTO hcbus.deliveries (broker_instance, record_no, session_id, institution, action, prefixes, "         \
    "from_seq, to_seq, last_sent_seq, count, started_at, ended_at, ended, redacted, all_notices, seqs, "            \
    "records_lost, segment) "                                                                                                \
    "SELECT r.broker_instance, r.record_no, nullif(r.session_id, ''), nullif(r.institution, ''), r.action, "        \
    "coalesce(r.prefixes, '{}'), nullif(r.from_seq, 0), nullif(r.to_seq, 0), nullif(r.last_sent_seq, 0), r.count, " \
    "timestamptz 'epoch' + nullif(r.started_at_us, 0) * interval '1 microsecond', "                                \
    "timestamptz 'epoch' + nullif(r.ended_at_us, 0) * interval '1 microsecond', r.ended, r.redacted, "             \
    "r.all_notices, r.seqs, r.records_lost, nullif(r.segment, 0) "                                                                        \
    "FROM jsonb_to_recordset($1::jsonb) AS r(broker_instance text, record_no bigint, session_id text, "             \
    "institution text, action text, prefixes text[], from_seq bigint, to_seq bigint, last_sent_seq bigint, "        \
    "count bigint, started_at_us bigint, ended_at_us bigint, ended text, redacted boolean, all_notices boolean, "   \
    "seqs bigint[], records_lost bigint, segment bigint) "                                                                          \
    "ON CONFLICT (broker_instance, record_no) DO NOTHING"

static const char *action_name(Hcbus__DeliveryAction action)
{
    switch (action) {
    case HCBUS__DELIVERY_ACTION__DELIVERY_ACTION_SUBSCRIBE_START: return "subscribe_start";
    case HCBUS__DELIVERY_ACTION__DELIVERY_ACTION_SUBSCRIBE_END: return "subscribe_end";
    case HCBUS__DELIVERY_ACTION__DELIVERY_ACTION_REPLAY: return "replay";
    case HCBUS__DELIVERY_ACTION__DELIVERY_ACTION_SNAPSHOT: return "snapshot";
    case HCBUS__DELIVERY_ACTION__DELIVERY_ACTION_BROKER_START: return "broker_start";
    default: return NULL;
    }
}

static const char *end_name(Hcbus__DeliveryEnd ended)
{
    switch (ended) {
    case HCBUS__DELIVERY_END__DELIVERY_END_CLOSED: return "closed";
    case HCBUS__DELIVERY_END__DELIVERY_END_TIMED_OUT: return "timed_out";
    case HCBUS__DELIVERY_END__DELIVERY_END_REVOKED: return "revoked";
    case HCBUS__DELIVERY_END__DELIVERY_END_LAGGED: return "lagged";
    case HCBUS__DELIVERY_END__DELIVERY_END_BROKER_STOPPED: return "broker_stopped";
    case HCBUS__DELIVERY_END__DELIVERY_END_RESUBSCRIBED: return "resubscribed";
    case HCBUS__DELIVERY_END__DELIVERY_END_RECONFIGURED: return "reconfigured";
    default: return NULL;
    }
}

/* A uint64 as a JSON integer (jansson's are signed: larger values are clamped, which
 * no seq or count reaches). */
static json_int_t i64(uint64_t v) { return v > INT64_MAX ? INT64_MAX : (json_int_t)v; }

/* One record as a JSON object, or NULL when it cannot be recorded (no instance, no
 * known action): such a record is skipped, never the batch. */
static json_t *record_json(const Hcbus__DeliveryRecord *r)
{
    const char *action = action_name(r->action);
    if (!action || !r->broker_instance || !*r->broker_instance || r->record_no == 0)
        return NULL;
    json_t *prefixes = json_array(), *seqs = r->n_seqs ? json_array() : json_null();
    for (size_t i = 0; i < r->n_prefixes; i++)
        json_array_append_new(prefixes, json_string(r->prefixes[i] ? r->prefixes[i] : ""));
    for (size_t i = 0; i < r->n_seqs; i++)
        json_array_append_new(seqs, json_integer(i64(r->seqs[i])));
    const char *ended = r->action == HCBUS__DELIVERY_ACTION__DELIVERY_ACTION_SUBSCRIBE_END ? end_name(r->ended) : NULL;
    return json_pack("{s:s, s:I, s:s?, s:s?, s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:s?, s:b, s:b, s:o, s:I, s:I}",
                     "broker_instance", r->broker_instance, "record_no", i64(r->record_no), "session_id",
                     r->session_id, "institution", r->institution, "action", action, "prefixes", prefixes,
                     "from_seq", i64(r->from_seq), "to_seq", i64(r->to_seq), "last_sent_seq", i64(r->last_sent_seq),
                     "count", i64(r->count), "started_at_us", (json_int_t)r->started_at_us, "ended_at_us",
                     (json_int_t)r->ended_at_us, "ended", ended, "redacted", (int)r->redacted, "all_notices",
                     (int)r->all_notices, "seqs", seqs, "records_lost", i64(r->records_lost), "segment", i64(r->segment));
}

int auditd_deliveries_send(auditd_pipe_t *p, Hcbus__DeliveryRecord *const *records, size_t n, hcbus_error_t *err)
{
    if (n == 0)
        return 0;
    json_t *rows = json_array();
    if (!rows)
        return hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory for %zu delivery records", n);
    size_t skipped = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *row = record_json(records[i]);
        if (row)
            json_array_append_new(rows, row);
        else
            skipped++;
    }
    if (skipped)
        hcbus_warning(_("%zu delivery records without a broker instance, number or known action not recorded"), skipped);
    char *text = json_array_size(rows) ? json_dumps(rows, JSON_COMPACT) : NULL;
    json_decref(rows);
    if (!text)
        return 0;
    const char *params[1] = {text};
    /* libpq copies the parameter into its buffer: text can go at once. */
    int rc = auditd_pipe_send(p, "INSERT of delivery records", false, DELIVERIES_INSERT_SQL, 1, params, NULL, NULL, err);
    free(text);
    return rc;
}
