/* link.c — the bad-network settings of a ZeroMQ socket and the named link profiles
 * (link.h). The "field" profile is sized for a unit on a mobile link with 2 s one-way
 * latency, 30 % packet loss and cuts of minutes (docs/field.md, decision 0041): a
 * CurveZMQ handshake then takes several round trips of 4 s plus TCP retransmissions,
 * so every bound is a minute or so, and a dead connection is found by heartbeats and
 * reconnected with backoff instead of waiting for TCP's own retry limit (15 min). */
#include "hcbus/link.h"

#include <string.h>
#include <zmq.h>

#include "hcbus/client.h"
#include "hcbus/i18n.h"

#define KEEPALIVE_PROBES 4

static const hcbus_link_profile_t profiles[] = {
    {.name = "lan"},
    {.name = "field",
     .tuning = {.heartbeat_ms = 10000,
                .heartbeat_timeout_ms = 60000,
                .reconnect_ms = 1000,
                .reconnect_max_ms = 30000,
                .connect_timeout_ms = 30000,
                .handshake_ms = 120000,
                .tcp_keepalive_s = 30},
     .resend_ms = 20000,
     .ping_ms = 5000,
     .lost_after_pings = 6},
};

const hcbus_link_profile_t *hcbus_link_profile_find(const char *name, hcbus_error_t *err)
{
    for (size_t i = 0; name && i < sizeof profiles / sizeof profiles[0]; i++)
        if (strcmp(profiles[i].name, name) == 0)
            return &profiles[i];
    hcbus_error_set(err, HCBUS_EINVALID, "link", _("unknown link profile \"%.40s\""), name ? name : "");
    hcbus_error_hint(err, _("The profiles are: %s (docs/field.md)."), hcbus_link_profile_names());
    return NULL;
}

const char *hcbus_link_profile_names(void) { return "lan, field"; }

static int set_int(void *socket, int option, unsigned value, const char *name, hcbus_error_t *err)
{
    int v = (int)value;
    if (zmq_setsockopt(socket, option, &v, sizeof v) == 0)
        return 0;
    return hcbus_error_set(err, HCBUS_EINVALID, name, _("cannot set %s to %u: %s"), name, value,
                           zmq_strerror(zmq_errno()));
}

int hcbus_link_tuning_apply(void *socket, const hcbus_link_tuning_t *t, bool client,
                            hcbus_error_t *err)
{
    if (t->heartbeat_ms) {
        /* ZMQ_HEARTBEAT_TTL is in units of 100 ms, at most 6553.5 s. */
        unsigned timeout = t->heartbeat_timeout_ms ? t->heartbeat_timeout_ms : 3 * t->heartbeat_ms;
        unsigned ttl = timeout > 6553500u ? 6553500u : timeout;
        if (set_int(socket, ZMQ_HEARTBEAT_IVL, t->heartbeat_ms, "heartbeat_ms", err) != 0 ||
            set_int(socket, ZMQ_HEARTBEAT_TIMEOUT, timeout, "heartbeat_timeout_ms", err) != 0 ||
            set_int(socket, ZMQ_HEARTBEAT_TTL, ttl, "heartbeat_timeout_ms", err) != 0)
            return -1;
    }
    if (t->handshake_ms && set_int(socket, ZMQ_HANDSHAKE_IVL, t->handshake_ms, "handshake_ms", err) != 0)
        return -1;
    if (t->tcp_keepalive_s) {
        unsigned interval = t->tcp_keepalive_s / 3 ? t->tcp_keepalive_s / 3 : 1;
        if (set_int(socket, ZMQ_TCP_KEEPALIVE, 1, "tcp_keepalive_s", err) != 0 ||
            set_int(socket, ZMQ_TCP_KEEPALIVE_IDLE, t->tcp_keepalive_s, "tcp_keepalive_s", err) != 0 ||
            set_int(socket, ZMQ_TCP_KEEPALIVE_INTVL, interval, "tcp_keepalive_s", err) != 0 ||
            set_int(socket, ZMQ_TCP_KEEPALIVE_CNT, KEEPALIVE_PROBES, "tcp_keepalive_s", err) != 0)
            return -1;
    }
    if (!client)
        return 0;
    if (t->reconnect_ms && set_int(socket, ZMQ_RECONNECT_IVL, t->reconnect_ms, "reconnect_ms", err) != 0)
        return -1;
    if (t->reconnect_max_ms &&
        set_int(socket, ZMQ_RECONNECT_IVL_MAX, t->reconnect_max_ms, "reconnect_max_ms", err) != 0)
        return -1;
    if (t->connect_timeout_ms &&
        set_int(socket, ZMQ_CONNECT_TIMEOUT, t->connect_timeout_ms, "connect_timeout_ms", err) != 0)
        return -1;
    return 0;
}

int hcbus_client_options_set_link(hcbus_client_options_t *options, const char *profile,
                                  hcbus_error_t *err)
{
    const hcbus_link_profile_t *p = hcbus_link_profile_find(profile, err);
    if (!p)
        return -1;
    options->link = p->tuning;
    options->resend_ms = p->resend_ms;
    options->ping_ms = p->ping_ms;
    options->lost_after_pings = p->lost_after_pings;
    return 0;
}
