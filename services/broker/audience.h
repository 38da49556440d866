/* audience.h — who may receive a recorded message beyond matching its topic. A Notice
 * goes only to the institutions it names in `recipients` and to those holding the
 * facilitator or coordinator role; for anyone else it does not match the subscription
 * at all (decision 0010). Every other message goes to whoever its topic matches. The
 * one rule for live delivery, the broker's gap fill and replay answers, so that a
 * notice addressed elsewhere leaves no prev_seq hole, is not counted in
 * last_matched_seq and is not in a replay page. */
#ifndef BROKER_AUDIENCE_H
#define BROKER_AUDIENCE_H

#include <stdbool.h>

#include "hcbus/codec.h"

/* True if an institution with these roles (bits 1u << hcbus_role_t) receives every
 * notice: the facilitator and the coordinator roles. */
bool audience_sees_every_notice(unsigned roles);

/* The notice env carries, or NULL if its body is something else. Points into env. */
const Hcbus__Notice *audience_notice(const Hcbus__Envelope *env);

/* True if institution (with roles) may receive a message whose notice is `notice`
 * (NULL: the message is no notice, everyone its topic matches may). */
bool audience_admits(const Hcbus__Notice *notice, const char *institution, unsigned roles);

/* A notice addressed to no one: what the broker delivers under when it cannot read a
 * notice's recipients (only the roles that see every notice get it: fail closed). */
extern const Hcbus__Notice audience_nobody;

#endif
