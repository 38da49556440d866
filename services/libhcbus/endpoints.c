/* endpoints.c — a client's list of broker endpoints and when to move along it
 * (endpoints.h, decision 0038): parsing the comma-separated list, the round robin, the
 * silence clock and the backoff once every endpoint has been tried. Sockets are opened
 * by curve.c; what a move means for messages in flight is the publisher's and the
 * subscriber's business. */
#include "endpoints.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curve.h"
#include "hcbus/i18n.h"

#include <zmq.h>

#define DROP_EVENTS (ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_CONNECT_RETRIED)

static int parse_fail(hcbus_endpoints_t *out, hcbus_error_t *err)
{
    hcbus_endpoints_clear(out);
    return hcbus_error_hint(err, _("Give one endpoint, or several separated by commas, "
                                   "like tcp://10.1.0.2:7701,tcp://10.2.0.2:7701."));
}

/* A transport ZeroMQ knows, and for tcp a host and a port (digits or *): what
 * zmq_connect would refuse is refused here, naming the entry and its position. */
static int check_entry(const char *entry, size_t position, hcbus_error_t *err)
{
    static const char *const transports[] = {"tcp", "ipc", "inproc", "pgm", "epgm", "tipc", "vmci",
                                             "ws", "wss", "udp", NULL};
    const char *sep = strstr(entry, "://");
    size_t tlen = (size_t)(sep - entry);
    bool known = false;
    for (size_t i = 0; transports[i] && !known; i++)
        known = strlen(transports[i]) == tlen && strncmp(entry, transports[i], tlen) == 0;
    if (!known)
        return hcbus_error_set(err, HCBUS_EINVALID, "endpoint",
                               _("endpoint %zu of the list (\"%.100s\") has an unknown transport \"%.*s\" "
                                 "(tcp://host:port, ipc://path, ...)"),
                               position, entry, (int)(tlen > 20 ? 20 : tlen), entry);
    if (tlen == 3 && strncmp(entry, "tcp", 3) == 0) {
        const char *addr = sep + 3, *colon = strrchr(addr, ':');
        bool port_ok = colon && colon > addr && colon[1] && (strcmp(colon + 1, "*") == 0 ||
                                                             strspn(colon + 1, "0123456789") == strlen(colon + 1));
        if (port_ok && strcmp(colon + 1, "*") != 0) {
            long port = strtol(colon + 1, NULL, 10);
            port_ok = strlen(colon + 1) <= 5 && port > 0 && port <= 65535;
        }
        if (!port_ok)
            return hcbus_error_set(err, HCBUS_EINVALID, "endpoint",
                                   _("endpoint %zu of the list (\"%.100s\") needs a host and a port "
                                     "(tcp://host:port)"),
                                   position, entry);
    }
    return 0;
}

int hcbus_endpoints_parse(const char *text, hcbus_endpoints_t *out, hcbus_error_t *err)
{
    memset(out, 0, sizeof *out);
    out->quiet_since_ms = INT64_MAX;
    if (!text || !text[0])
        return hcbus_error_set(err, HCBUS_EINVALID, "endpoint", _("no broker endpoint given"));
    if (!(out->list = calloc(HCBUS_ENDPOINTS_MAX, sizeof *out->list)))
        return hcbus_error_set(err, HCBUS_ENOMEM, NULL, _("out of memory for the endpoint list"));
    for (const char *p = text;;) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        while (p < end && isspace((unsigned char)*p))
            p++;
        while (end > p && isspace((unsigned char)end[-1]))
            end--;
        size_t len = (size_t)(end - p);
        if (out->count == HCBUS_ENDPOINTS_MAX) {
            hcbus_error_set(err, HCBUS_EINVALID, "endpoint",
                            _("more than %d endpoints in the list"), HCBUS_ENDPOINTS_MAX);
            return parse_fail(out, err);
        }
        if (len == 0) {
            hcbus_error_set(err, HCBUS_EINVALID, "endpoint",
                            _("endpoint %zu of the list \"%.200s\" is empty"), out->count + 1, text);
            return parse_fail(out, err);
        }
        if (len > HCBUS_ENDPOINT_LEN_MAX) {
            hcbus_error_set(err, HCBUS_EINVALID, "endpoint",
                            _("endpoint %zu of the list is %zu characters long; the maximum is %d"),
                            out->count + 1, len, HCBUS_ENDPOINT_LEN_MAX);
            return parse_fail(out, err);
        }
        if (!(out->list[out->count] = strndup(p, len))) {
            hcbus_endpoints_clear(out);
            return hcbus_error_set(err, HCBUS_ENOMEM, NULL, _("out of memory for the endpoint list"));
        }
        out->count++;
        /* Caught here rather than when the client moves to it in the middle of an outage. */
        const char *sep = strstr(out->list[out->count - 1], "://");
        if (!sep || sep == out->list[out->count - 1] || !sep[3]) {
            hcbus_error_set(err, HCBUS_EINVALID, "endpoint",
                            _("endpoint %zu of the list (\"%.100s\") is not a ZeroMQ endpoint "
                              "(transport://address)"),
                            out->count, out->list[out->count - 1]);
            return parse_fail(out, err);
        }
        if (check_entry(out->list[out->count - 1], out->count, err) != 0)
            return parse_fail(out, err);
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

void hcbus_endpoints_clear(hcbus_endpoints_t *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->count; i++)
        free(e->list[i]);
    free(e->list);
    memset(e, 0, sizeof *e);
    e->quiet_since_ms = INT64_MAX;
}

void hcbus_endpoints_set_bound(hcbus_endpoints_t *e, const hcbus_client_options_t *options)
{
    uint64_t resend = options->resend_ms ? options->resend_ms : HCBUS_RESEND_MS_DEFAULT;
    e->failover_ms = options->failover_ms ? options->failover_ms
                                          : (unsigned)(2 * resend < UINT_MAX ? 2 * resend : UINT_MAX);
}

const char *hcbus_endpoints_current(const hcbus_endpoints_t *e)
{
    return e->count ? e->list[e->current] : "";
}

bool hcbus_endpoints_several(const hcbus_endpoints_t *e)
{
    return e->count > 1;
}

int hcbus_endpoints_connect(const hcbus_endpoints_t *e, const hcbus_client_options_t *options,
                            int hwm, void **ctx, void **sock, hcbus_error_t *err)
{
    hcbus_client_options_t one = *options;
    one.endpoint = hcbus_endpoints_current(e);
    return hcbus_curve_connect(&one, hwm, ctx, sock, err);
}

int64_t hcbus_endpoints_advance(hcbus_endpoints_t *e, int64_t now)
{
    e->current = (e->current + 1) % e->count;
    e->switches++;
    e->misses++;
    e->quiet_since_ms = now;
    if (e->misses < e->count)
        return now;
    /* A whole round without an active broker: back off, doubling per round. */
    int64_t ms = HCBUS_ENDPOINTS_BACKOFF_MIN_MS;
    for (unsigned r = e->misses / (unsigned)e->count; r > 1 && ms < HCBUS_ENDPOINTS_BACKOFF_MAX_MS; r--)
        ms *= 2;
    return now + (ms < HCBUS_ENDPOINTS_BACKOFF_MAX_MS ? ms : HCBUS_ENDPOINTS_BACKOFF_MAX_MS);
}

void hcbus_endpoints_answered(hcbus_endpoints_t *e, int64_t now)
{
    e->misses = 0;
    hcbus_endpoints_heard(e, now);
}

void hcbus_endpoints_heard(hcbus_endpoints_t *e, int64_t now)
{
    if (e->quiet_since_ms != INT64_MAX)
        e->quiet_since_ms = now;
}

void hcbus_endpoints_waiting(hcbus_endpoints_t *e, int64_t now)
{
    if (e->quiet_since_ms == INT64_MAX)
        e->quiet_since_ms = now;
}

void hcbus_endpoints_idle(hcbus_endpoints_t *e)
{
    e->quiet_since_ms = INT64_MAX;
}

int64_t hcbus_endpoints_silence_due(const hcbus_endpoints_t *e)
{
    if (e->count < 2 || e->quiet_since_ms == INT64_MAX)
        return INT64_MAX;
    return e->quiet_since_ms + e->failover_ms;
}

int hcbus_endpoints_watch(void *ctx, void *sock, void **monitor, hcbus_error_t *err)
{
    char name[64];
    int zero = 0;
    snprintf(name, sizeof name, "inproc://hcbus-endpoints-%p", sock);
    if (zmq_socket_monitor(sock, name, DROP_EVENTS) != 0 || !(*monitor = zmq_socket(ctx, ZMQ_PAIR)) ||
        zmq_setsockopt(*monitor, ZMQ_LINGER, &zero, sizeof zero) != 0 || zmq_connect(*monitor, name) != 0)
        return hcbus_error_set(err, HCBUS_EINTERNAL, NULL, _("cannot watch the broker connection: %s"),
                               zmq_strerror(zmq_errno()));
    return 0;
}

void hcbus_endpoints_unwatch(void *sock, void **monitor)
{
    if (!*monitor)
        return;
    if (sock)
        zmq_socket_monitor(sock, NULL, 0);
    zmq_close(*monitor);
    *monitor = NULL;
}

bool hcbus_endpoints_dropped(void *monitor)
{
    bool dropped = false;
    for (;;) {
        zmq_msg_t frame;
        zmq_msg_init(&frame);
        if (!monitor || zmq_msg_recv(&frame, monitor, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&frame);
            return dropped;
        }
        uint16_t event = 0; /* an event is two frames: event + value, then the address */
        if (zmq_msg_more(&frame) && zmq_msg_size(&frame) >= sizeof event)
            memcpy(&event, zmq_msg_data(&frame), sizeof event);
        dropped |= (event & DROP_EVENTS) != 0;
        zmq_msg_close(&frame);
    }
}
