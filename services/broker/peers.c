/* peers.c — who is at the other end of a request. A routing id is only ZeroMQ's name for
 * a connection, and a client can choose or guess one, so it is never an identity on
 * its own: every request is checked against the connection it came on (its fd, from
 * ZMQ_SRCFD, mapped to a serial by the socket monitor in libhcbus connections.c), the
 * key that connection authenticated with (the ZAP handler's X-Hcbus-Key property) and
 * the institution of that key (User-Id). When a connection closes, everything bound to
 * it goes at once: its subscription, the replays and acknowledgements it awaits. When
 * a reload revokes a key, that key's connections are closed; nothing else is touched. */
#include <stdio.h>
#include <string.h>

#include "broker.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"
#include "hcbus/socket_limits.h"
#include "hcbus/zap.h"

#define KEY_HINT_CHARS 8

/* How an institution is recorded in rejections: never an anonymous gateway's id, and
 * nothing for one the configuration no longer knows (it may have been a gateway). */
static const char *recorded_name(const broker_t *self, const char *institution)
{
    const hcbus_institution_t *inst = hcbus_config_find_institution(self->config, institution);
    return inst && !inst->anonymous_gateway ? inst->id : "";
}

/* Forget what waits for a closed connection: its answers would go to whoever holds
 * its routing id next. */
static void forget_connection(broker_t *self, uint64_t conn)
{
    subscribers_drop_connection(self->subscribers, conn);
    budget_forget_connection(self->budget, conn); /* its queue went with it */
    for (size_t i = 0; i < BROKER_CONTROL_MAX; i++) {
        control_t *control = &self->controls[i];
        if (control->kind == CONTROL_REPLAY && control->subscriber.conn == conn)
            control->kind = CONTROL_FREE; /* its answer, when it comes, is dropped */
    }
    for (size_t i = 0; i < inflight_capacity(self->inflight); i++) {
        inflight_slot_t *slot = inflight_at(self->inflight, i);
        if (slot->token && slot->publisher.conn == conn)
            slot->publisher.len = 0; /* recorded and delivered all the same; no ack */
    }
}

static void on_closed(void *arg, const hcbus_conn_t *conn)
{
    broker_t *self = arg;
    forget_connection(self, conn->serial);
}

static void on_refused(void *arg, const hcbus_conn_t *conn, const char *reason)
{
    broker_t *self = arg;
    hcbus_error_t err;
    hcbus_error_set(&err, HCBUS_EOVERLOADED, NULL, _("connection from %s refused: %s"), conn->source, reason);
    /* No key is known yet: folded per peer address, like a refused handshake, never
     * under the empty institution that stands for the anonymous gateways. */
    Hcbus__RejectRecord record = HCBUS__REJECT_RECORD__INIT;
    record.action = "connect";
    record.code = HCBUS__ERROR_CODE__ERROR_CODE_OVERLOADED;
    record.reason = err.message;
    record.at_us = hcbus_now_us();
    rejections_add(self->rejections, self->link, REJECTIONS_BY_ADDRESS, conn->source, &record, err.message,
                   hcbus_monotonic_ms());
}

hcbus_connections_t *peers_watch(broker_t *self, void *socket, const char *label, hcbus_error_t *err)
{
    hcbus_conn_limits_t limits = {HCBUS_BROKER_CONNECTIONS_MAX, HCBUS_BROKER_CONNECTIONS_PER_SOURCE_MAX};
    return hcbus_connections_new(self->ctx, socket, label, &limits, on_closed, on_refused, self, err);
}

void peers_update(broker_t *self)
{
    if (self->pub_conns)
        hcbus_connections_update(self->pub_conns);
    if (self->sub_conns)
        hcbus_connections_update(self->sub_conns);
}

static void refuse(broker_t *self, void *socket, const routing_id_t *from, const char *institution,
                   hcbus_error_t *err)
{
    reply_error(socket, from, 0, NULL, err);
    broker_record_rejection(self, recorded_name(self, institution), "request", NULL, NULL, err);
}

/* The key still belongs to the institution the connection authenticated as. */
static bool key_current(const broker_t *self, const char *key, const char *institution)
{
    const hcbus_institution_t *inst = key ? hcbus_config_find_key(self->config, key) : NULL;
    return inst && strcmp(inst->id, institution) == 0;
}

static void refuse_revoked(broker_t *self, void *socket, hcbus_connections_t *conns, const routing_id_t *from,
                           const char *institution, const char *key)
{
    hcbus_error_t err;
    hcbus_error_set(&err, HCBUS_EUNAUTHORIZED, NULL,
                    _("the key this connection authenticated with (%.*s...) is no longer accepted: connection closed"),
                    KEY_HINT_CHARS, key ? key : "");
    hcbus_error_hint(&err, _("Connect again with a key listed for the institution in the broker's configuration."));
    refuse(self, socket, from, institution, &err);
    forget_connection(self, from->conn);
    hcbus_connections_close(conns, from->conn);
}

/* The session of this routing id, if any, must be this connection's and institution's;
 * otherwise the id was given to another connection since, and the session is ended. */
static void check_session(broker_t *self, const routing_id_t *from, const char *institution)
{
    subscriber_t *sub = subscribers_find(self->subscribers, from);
    if (!sub || (sub->id.conn == from->conn && strcmp(sub->institution, institution) == 0))
        return;
    hcbus_notice(_("subscription of %s on connection %llu closed: its routing id now names connection %llu"),
                 sub->institution, (unsigned long long)sub->id.conn, (unsigned long long)from->conn);
    subscribers_remove(self->subscribers, sub);
}

/* A request read after its connection closed (or while we close it). Nothing is
 * answered: the routing id may name another connection by now. A publish is still
 * taken if it passes the checks (it is recorded, not acknowledged: its publisher
 * resends by msg_id and is answered duplicate); anything else is dropped. */
static bool admit_orphan(broker_t *self, void *socket, routing_id_t *from, size_t frames, const char *institution,
                         const char *key)
{
    if (socket != self->pub_socket || frames != 1 || !key_current(self, key, institution) ||
        !hcbus_routing_id_generated(from->bytes, from->len)) {
        hcbus_debug("request from a closed connection dropped");
        return false;
    }
    from->len = 0;
    from->conn = 0;
    return true;
}

bool peers_admit(broker_t *self, void *socket, routing_id_t *from, zmq_msg_t *msg, size_t frames,
                 char *institution, size_t institution_size)
{
    hcbus_connections_t *conns = socket == self->pub_socket ? self->pub_conns : self->sub_conns;
    hcbus_conn_t *conn = hcbus_connections_by_fd(conns, zmq_msg_get(msg, ZMQ_SRCFD));
    const char *user = zmq_msg_gets(msg, "User-Id");
    const char *key = zmq_msg_gets(msg, HCBUS_ZAP_KEY_PROPERTY);
    snprintf(institution, institution_size, "%s", user ? user : "");
    if (!conn || conn->closing)
        return admit_orphan(self, socket, from, frames, institution, key);
    from->conn = conn->serial;
    if (!key_current(self, key, institution)) {
        refuse_revoked(self, socket, conns, from, institution, key);
        return false;
    }
    if (!conn->note[0]) /* "KEY institution", for the sweep at a reload */
        snprintf(conn->note, sizeof conn->note, "%s %s", key, institution);
    hcbus_error_t err;
    if (!hcbus_routing_id_generated(from->bytes, from->len)) {
        hcbus_error_set(&err, HCBUS_EINVALID, "routing_id", _("a routing id chosen by the client (%zu bytes) is refused"),
                        from->len);
        hcbus_error_hint(&err, _("Leave ZMQ_ROUTING_ID unset: the broker's socket names each connection itself."));
        refuse(self, socket, from, institution, &err);
        return false;
    }
    if (frames != 1) {
        hcbus_error_set(&err, HCBUS_EMALFORMED, "frames", _("a request is one frame; this one had %zu"), frames);
        hcbus_error_hint(&err, _("Send the encoded ClientRequest alone (a DEALER sends one frame per request)."));
        refuse(self, socket, from, institution, &err);
        return false;
    }
    if (socket == self->sub_socket)
        check_session(self, from, institution);
    return true;
}

typedef struct sweep {
    broker_t *self;
    hcbus_connections_t *conns;
    size_t closed;
} sweep_t;

static void close_if_revoked(void *arg, hcbus_conn_t *conn)
{
    sweep_t *sweep = arg;
    char key[HCBUS_Z85_KEY_LEN + 1];
    snprintf(key, sizeof key, "%.*s", HCBUS_Z85_KEY_LEN, conn->note);
    const char *institution = strlen(conn->note) > HCBUS_Z85_KEY_LEN ? conn->note + HCBUS_Z85_KEY_LEN + 1 : "";
    if (!conn->note[0] || conn->closing || key_current(sweep->self, key, institution))
        return;
    hcbus_notice(_("connection %llu from %s closed: its key %.*s... was revoked"), (unsigned long long)conn->serial,
                 conn->source, KEY_HINT_CHARS, conn->note);
    forget_connection(sweep->self, conn->serial);
    hcbus_connections_close(sweep->conns, conn->serial);
    sweep->closed++;
}

size_t peers_close_revoked(broker_t *self)
{
    sweep_t pub = {self, self->pub_conns, 0}, sub = {self, self->sub_conns, 0};
    hcbus_connections_each(self->pub_conns, close_if_revoked, &pub);
    hcbus_connections_each(self->sub_conns, close_if_revoked, &sub);
    return pub.closed + sub.closed;
}
