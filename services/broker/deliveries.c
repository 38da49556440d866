/* deliveries.c — delivery records built from the broker's sessions and pages (see
 * deliveries.h). Each record says whose institution it was, with what prefixes, which
 * seqs it covers, whether clinical fields were withheld and whether the institution
 * sees every notice, as they were at that moment: the who-knew reader needs no
 * configuration to apply the broker's matching rules. */
#include "deliveries.h"

#include <string.h>

#include "audience.h"
#include "broker.h"
#include "hcbus/clock.h"

static void deliver_record(broker_t *self, Hcbus__DeliveryRecord *record, uint64_t segment_key)
{
    record->broker_instance = self->instance;
    record->record_no = ++self->delivery_records;
    link_deliver(self->link, record, segment_key);
}

/* Rights as they are now, for records about a page served now. */
static void fill_institution(broker_t *self, Hcbus__DeliveryRecord *record, const char *institution)
{
    const hcbus_institution_t *inst = hcbus_config_find_institution(self->config, institution);
    record->institution = (char *)institution;
    record->redacted = !inst || !inst->clinical;
    record->all_notices = inst && audience_sees_every_notice(inst->roles);
}

void deliveries_segment(void *arg, const subscriber_t *sub, segment_end_t ended)
{
    broker_t *self = arg;
    char *prefixes[SUBSCRIBER_PREFIXES_MAX];
    for (size_t i = 0; i < sub->prefix_count; i++)
        prefixes[i] = (char *)sub->prefixes[i];
    Hcbus__DeliveryRecord record = HCBUS__DELIVERY_RECORD__INIT;
    record.session_id = (char *)sub->session_id;
    record.segment = sub->segment_key;
    record.institution = (char *)sub->institution;
    record.n_prefixes = sub->prefix_count;
    record.prefixes = prefixes;
    record.from_seq = sub->segment_from_seq;
    record.started_at_us = sub->segment_started_us;
    record.redacted = !sub->clinical;
    record.all_notices = audience_sees_every_notice(sub->roles);
    if (ended == 0) {
        record.action = HCBUS__DELIVERY_ACTION__DELIVERY_ACTION_SUBSCRIBE_START;
    } else {
        record.action = HCBUS__DELIVERY_ACTION__DELIVERY_ACTION_SUBSCRIBE_END;
        /* last_sent_seq is the session's: before this segment when it sent nothing. */
        record.last_sent_seq = sub->segment_count > 0 ? sub->last_sent_seq : 0;
        record.count = sub->segment_count;
        record.ended_at_us = hcbus_now_us();
        record.ended = (Hcbus__DeliveryEnd)ended;
    }
    deliver_record(self, &record, sub->segment_key);
}

void deliveries_replay_page(broker_t *self, const control_t *control, uint64_t to_seq, size_t count)
{
    char *prefixes[SUBSCRIBER_PREFIXES_MAX];
    for (size_t i = 0; i < control->prefix_count; i++)
        prefixes[i] = (char *)control->prefixes[i];
    Hcbus__DeliveryRecord record = HCBUS__DELIVERY_RECORD__INIT;
    fill_institution(self, &record, control->institution);
    record.action = HCBUS__DELIVERY_ACTION__DELIVERY_ACTION_REPLAY;
    record.session_id = (char *)control->session_id;
    record.n_prefixes = control->prefix_count;
    record.prefixes = prefixes;
    record.from_seq = control->from_seq;
    record.to_seq = to_seq;
    record.count = count;
    record.started_at_us = record.ended_at_us = hcbus_now_us();
    deliver_record(self, &record, 0);
}

void deliveries_snapshot_page(broker_t *self, const char *institution, const char *session_id, const char *prefix,
                              uint64_t as_of_seq, const uint64_t *seqs, size_t n)
{
    char *prefixes[1] = {(char *)prefix};
    Hcbus__DeliveryRecord record = HCBUS__DELIVERY_RECORD__INIT;
    fill_institution(self, &record, institution);
    record.action = HCBUS__DELIVERY_ACTION__DELIVERY_ACTION_SNAPSHOT;
    record.session_id = (char *)session_id;
    record.n_prefixes = 1;
    record.prefixes = prefixes;
    record.to_seq = as_of_seq;
    record.count = n;
    record.n_seqs = n;
    record.seqs = (uint64_t *)seqs;
    record.started_at_us = record.ended_at_us = hcbus_now_us();
    deliver_record(self, &record, 0);
}

void deliveries_broker_start(broker_t *self, uint64_t head_seq)
{
    Hcbus__DeliveryRecord record = HCBUS__DELIVERY_RECORD__INIT;
    record.action = HCBUS__DELIVERY_ACTION__DELIVERY_ACTION_BROKER_START;
    record.from_seq = head_seq + 1;
    record.started_at_us = hcbus_now_us();
    deliver_record(self, &record, 0);
}
