/* standby.c — the broker's passive mode (see standby.h): entering it when the audit
 * service says it is passive or has answered nothing for broker.standby_after_ms, the STANDBY refusal, and leaving it when a hello is
 * answered with the head. Nothing in flight is acknowledged across the change: what
 * the old session committed without its answer reaching us is found again by the
 * publisher's resend (the same msg_id is answered "duplicate" with its seq). */
#include "standby.h"

#include <inttypes.h>
#include <stdio.h>

#include "broker.h"
#include "link.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"

void standby_error(const broker_t *self, hcbus_error_t *err)
{
    if (self->standby_silent)
        hcbus_error_set(err, HCBUS_ESTANDBY, NULL,
                        _("this broker is passive: its audit service has not answered for %" PRIu32
                          " ms (dead or cut off): nothing was recorded; try the next endpoint"),
                        self->config->broker.standby_after_ms);
    else
        hcbus_error_set(err, HCBUS_ESTANDBY, NULL,
                        _("this broker is the passive one of its pair (its audit service %s does not hold the writer "
                          "lock): nothing was recorded; try the next endpoint"),
                        self->standby_node[0] ? self->standby_node : "?");
    hcbus_error_hint(err, _("Give the client every broker of the pair (e.g. --endpoint tcp://A:7701,tcp://B:7701) "
                            "and resend with the same msg_id."));
}

/* A message in flight when the broker turns passive: its batch may have been committed
 * (the audit service killed after the COMMIT, before its answer), so not "nothing was
 * recorded": the resend with the same msg_id is answered "duplicate" with its seq if so. */
static void in_flight_error(const broker_t *self, hcbus_error_t *err)
{
    hcbus_error_set(err, HCBUS_ESTANDBY, NULL,
                    _("this broker turned passive with the message in flight (its audit service %s): it may have "
                      "been recorded: resend with the same msg_id, to the next endpoint"),
                    self->standby_silent ? _("has not answered") : self->standby_node);
    hcbus_error_hint(err, _("The same msg_id is recorded once: if it was, the answer is \"duplicate\" with its seq."));
}

bool standby_refuse(broker_t *self, void *socket, const routing_id_t *from, uint64_t request_id, const char *msg_id)
{
    if (!self->standby)
        return false;
    hcbus_error_t err;
    standby_error(self, &err);
    reply_error(socket, from, request_id, msg_id, &err);
    return true;
}

/* Every message in flight: answered STANDBY ("may have been recorded") unless acknowledged already (then only
 * waiting behind a hole for delivery: the subscribers replay it), and released. The
 * link's records not sent yet point into these slots (link_append keeps the bytes, not
 * a copy): they are dropped first, or the same turn's link_flush would send freed
 * memory. Dropping, not copying: their messages are refused here anyway, and a copy
 * would cost every publish a malloc and a memcpy for this rare change. */
static size_t refuse_in_flight(broker_t *self)
{
    link_drop_records(self->link);
    hcbus_error_t err;
    in_flight_error(self, &err);
    size_t refused = 0;
    for (size_t i = 0; i < inflight_capacity(self->inflight); i++) {
        inflight_slot_t *slot = inflight_at(self->inflight, i);
        if (!slot->token)
            continue;
        if (!slot->seq) {
            reply_error(self->pub_socket, &slot->publisher, slot->request_id, slot->msg_id, &err);
            monitor_refused(&self->monitor, slot->kind, HCBUS_ESTANDBY);
            refused++;
        }
        inflight_release(self->inflight, slot);
    }
    return refused;
}

/* Turn passive: what standby.h says. */
static void enter(broker_t *self, size_t *refused, size_t *subscribers)
{
    self->standby = true;
    *refused = refuse_in_flight(self);
    *subscribers = subscribers_count(self->subscribers);
    subscribers_close_all(self->subscribers); /* each segment's end is recorded once active again */
    /* Forget the head and the snapshot: the other pair writes meanwhile. */
    self->hello_done = self->latest_done = false;
    self->hello_sent_ms = hcbus_monotonic_ms();
    self->parked = 0;
    self->gap_fill_link_id = 0;
    lastvalue_clear(self->lastvalue);
}

void standby_enter(broker_t *self, const char *node)
{
    snprintf(self->standby_node, sizeof self->standby_node, "%s", node && node[0] ? node : "?");
    bool was_silent = self->standby_silent;
    self->standby_silent = false; /* it answers again: passive for the lock now */
    if (self->standby) {
        if (was_silent)
            hcbus_notice(_("passive: the audit service (node %s) answers again; another hcbus-auditd holds the writer "
                           "lock"),
                         self->standby_node);
        return;
    }
    size_t refused, subscribers;
    enter(self, &refused, &subscribers);
    hcbus_notice(_("passive: the audit service (node %s) says another hcbus-auditd holds the writer lock; %zu messages "
                   "in flight answered \"standby\" (not acknowledged), %zu subscriber sessions closed; clients are "
                   "answered \"standby\" and hello asked every %" PRIu32 " ms"),
                 self->standby_node, refused, subscribers, self->config->auditd.standby_poll_ms);
}

void standby_check_silence(broker_t *self, int64_t now_ms)
{
    uint32_t after_ms = self->config->broker.standby_after_ms;
    int64_t since = link_silent_since(self->link);
    if (!after_ms || self->standby || !since || now_ms - since < (int64_t)after_ms)
        return;
    snprintf(self->standby_node, sizeof self->standby_node, "?");
    self->standby_silent = true;
    size_t refused, subscribers;
    enter(self, &refused, &subscribers);
    hcbus_notice(_("passive: the audit service has not answered for %" PRId64 " ms (broker.standby_after_ms is %" PRIu32
                   "; dead or cut off); %zu messages in flight answered \"standby\" (not acknowledged), %zu subscriber "
                   "sessions closed; clients are answered \"standby\" and hello asked every %" PRIu32 " ms"),
                 now_ms - since, after_ms, refused, subscribers, self->config->auditd.standby_poll_ms);
}

void standby_leave(broker_t *self, uint64_t head_seq)
{
    if (!self->standby)
        return;
    self->standby = false;
    self->standby_silent = false;
    hcbus_notice(_("active: the audit service (node %s) holds the writer lock; serving from head seq %" PRIu64),
                 self->standby_node, head_seq);
}

int64_t standby_hello_retry_ms(const broker_t *self)
{
    return self->standby ? (int64_t)self->config->auditd.standby_poll_ms : BROKER_HELLO_RETRY_MS;
}
