/* effects.h — internal: the messages the coordinator publishes, built as
 * heap-allocated Envelopes a caller frees with hcbus_envelope_free: Notices (verdicts,
 * advisories, overdue, level review), EscortRequests and the ZoneRiskLevel of an
 * expiry revert; and their deterministic msg_ids (engine.h, "Exactly once"). Nothing
 * here decides whether to publish; the rule files do. */
#ifndef COORD_EFFECTS_H
#define COORD_EFFECTS_H

#include <stddef.h>
#include <stdint.h>

#include "engine_state.h"

/* Everything a Notice may carry; strings are borrowed (copied into the Envelope). */
typedef struct coord_notice_spec {
    const char *msg_id;                 /* = notice_id */
    const char *zone_id;                /* topic notice.<zone_id> */
    int kind;                           /* Hcbus__NoticeKind */
    const char *recipients[COORD_RECIPIENTS_MAX];
    size_t recipient_count;
    uint64_t subject_seq;
    const char *request_id, *escort_id;
    int rule;                           /* Hcbus__NoticeRule */
    const char *reason;
    int level;                          /* Hcbus__RiskLevel or 0 */
    const Hcbus__AccessConditions *access;  /* copied, may be NULL */
    uint32_t alert_count;
    int64_t deadline_us;
    const char *subject_sender;
    int64_t subject_at_us;
} coord_notice_spec_t;

/* Add a recipient unless it is empty, already there or the notice is full. */
void coord_notice_add_recipient(coord_notice_spec_t *spec, const char *institution);

/* A new Envelope holding the Notice, or NULL when out of memory. */
Hcbus__Envelope *coord_effect_notice(const coord_notice_spec_t *spec);

/* A new Envelope holding an EscortRequest on escort.<zone_id> (meeting_point copied),
 * or NULL when out of memory. */
Hcbus__Envelope *coord_effect_escort_request(const char *msg_id, const char *escort_id,
                                             const char *request_id, const char *zone_id,
                                             const Hcbus__Location *meeting_point,
                                             const char *reason);

/* A new Envelope holding ZoneRiskLevel{zone_id, level, valid_from_us, reason} on
 * zone.<zone_id>, or NULL when out of memory. */
Hcbus__Envelope *coord_effect_zone_revert(const char *msg_id, const char *zone_id, int level,
                                          int64_t valid_from_us, const char *reason);

/* "c.<tag>.<seq>": c.v (verdict), c.e (escort request), c.a (advisory), c.r (level
 * review), c.z (revert). Returns buf. */
const char *coord_effect_id(char tag, uint64_t seq, char *buf, size_t size);

/* "c.o.<seq>.<rule>" (overdue). Returns buf. */
const char *coord_effect_overdue_id(uint64_t seq, int rule, char *buf, size_t size);

/* Deep copies (free with the protobuf-c free_unpacked), NULL for NULL or out of memory. */
Hcbus__AccessConditions *coord_access_copy(const Hcbus__AccessConditions *access);
Hcbus__Location *coord_location_copy(const Hcbus__Location *location);

#endif
