/* standby.h — the broker follows its hcbus-auditd (decision 0037): while the audit
 * service answers LinkReply.standby (another auditd of the pair holds the writer lock)
 * this broker is passive. Turning passive answers every message in flight STANDBY
 * (never acknowledged: the publisher resends it, same msg_id, to the next endpoint),
 * ends every subscriber's session and forgets the head and the zone snapshot; then
 * publishes, subscriptions, snapshots, replays and pings are answered
 * ERROR_CODE_STANDBY, and hello is repeated every auditd.standby_poll_ms until an answer
 * carries head_seq (commit.c): the broker then serves again from that head, and its
 * subscribers fill the gap by replay. */
#ifndef BROKER_STANDBY_H
#define BROKER_STANDBY_H

#include <stdbool.h>
#include <stdint.h>

#include "hcbus/error.h"
#include "inflight.h"

struct broker;

/* The audit service answered standby (node: its auditd.node_name): turn passive if
 * not already (see above). */
void standby_enter(struct broker *self, const char *node);

/* broker.standby_after_ms (0: off): turn passive likewise when the audit link has had
 * no answer at all (not even to hello) that long while a request waited — its auditd is
 * dead or cut off, and the other pair may be recording. Left as from a standby answer:
 * when a hello is answered with head_seq. Called every tick. */
void standby_check_silence(struct broker *self, int64_t now_ms);

/* An answer carried head_seq again: serving (commit.c then resumes from the head). */
void standby_leave(struct broker *self, uint64_t head_seq);

/* The STANDBY refusal, naming the passive auditd's node. */
void standby_error(const struct broker *self, hcbus_error_t *err);

/* While passive: answer request_id (msg_id may be NULL) on socket with STANDBY and
 * return true; else false (serve it). */
bool standby_refuse(struct broker *self, void *socket, const routing_id_t *from, uint64_t request_id,
                    const char *msg_id);

/* How long to wait before asking hello again: auditd.standby_poll_ms while passive,
 * BROKER_HELLO_RETRY_MS otherwise. */
int64_t standby_hello_retry_ms(const struct broker *self);

#endif
