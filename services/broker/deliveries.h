/* deliveries.h — the broker's delivery records: what each subscriber was served, for
 * "who knew what, when" (docs/audit.md, decision 0016). Not a row per delivered
 * message: one record when a live segment starts and one when it ends, one per replay
 * page and per snapshot page sent, one when the broker starts delivering. Records go to
 * the audit service beside the append batches (link_deliver: a bounded ring that never
 * blocks publishing). */
#ifndef BROKER_DELIVERIES_H
#define BROKER_DELIVERIES_H

#include <stddef.h>
#include <stdint.h>

#include "subscribers.h"

struct broker;
struct control;

/* subscribers_observer_fn for the broker (arg: broker_t *): a segment's start or end. */
void deliveries_segment(void *arg, const subscriber_t *sub, segment_end_t ended);

/* A replay page was sent to control's subscriber: seqs from_seq..to_seq examined,
 * count envelopes in it. */
void deliveries_replay_page(struct broker *self, const struct control *control, uint64_t to_seq, size_t count);

/* A snapshot page under prefix, as of as_of_seq, was sent to an institution (on the
 * connection of session_id, "" for none): exactly the entries seqs[0..n). */
void deliveries_snapshot_page(struct broker *self, const char *institution, const char *session_id,
                              const char *prefix, uint64_t as_of_seq, const uint64_t *seqs, size_t n);

/* This broker instance delivers live from head_seq + 1 on: the end of an earlier
 * instance's sessions that have no end record (it crashed). */
void deliveries_broker_start(struct broker *self, uint64_t head_seq);

#endif
