/* broker.c — hcbus-broker's sockets and loop: authenticate (ZAP), read publishers and
 * subscribers, pass answers from the audit service to commit.c, run the timers, and
 * at shutdown drain what is in flight. */
#include "broker.h"
#include "hcbus/i18n.h"
#include "hcbus/notify.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "hcbus/link.h"
#include "hcbus/log.h"
#include "hcbus/socket_limits.h"
#include "hcbus/zap.h"

#define SCAN_INTERVAL_MS 100
/* After subscriber queues held this much (fanout.h) and have drained to a sixteenth of
 * it, hand the freed memory back to the OS: glibc keeps freed heap for reuse, so a burst
 * would otherwise leave its peak in the RSS for good. */
#define TRIM_AFTER_QUEUED_BYTES (1024 * 1024)

static const char *zap_lookup(void *arg, const char *key_z85)
{
    broker_t *self = arg;
    const hcbus_institution_t *inst = hcbus_config_find_key(self->config, key_z85);
    return inst ? inst->id : NULL;
}

/* A CURVE ROUTER bounded before it listens: the largest frame it reads, the time a
 * handshake may take, and its connections counted and capped (peers.c). */
static void *bind_router(broker_t *self, const char *endpoint, const char *setting, const char *label, int sndhwm,
                         hcbus_connections_t **conns, hcbus_error_t *err)
{
    void *socket = zmq_socket(self->ctx, ZMQ_ROUTER);
    int one = 1, linger = 0;
    const hcbus_broker_config_t *b = &self->config->broker;
    int64_t max_frame = hcbus_client_frame_max(b->max_message_bytes);
    /* The handshake bound, heartbeats and keepalive (broker.handshake_ms, ...): a field
     * unit's handshake over a 4 s round trip with loss needs far more than a LAN's. */
    hcbus_link_tuning_t tuning = {.heartbeat_ms = b->heartbeat_ms,
                                  .heartbeat_timeout_ms = b->heartbeat_timeout_ms,
                                  .handshake_ms = b->handshake_ms,
                                  .tcp_keepalive_s = b->tcp_keepalive_s};
    if (!socket)
        goto fail;
    if (hcbus_curve_server(socket, &self->keypair, err) != 0)
        goto fail_set;
    if (zmq_setsockopt(socket, ZMQ_ROUTER_MANDATORY, &one, sizeof one) ||
        zmq_setsockopt(socket, ZMQ_SNDHWM, &sndhwm, sizeof sndhwm) ||
        zmq_setsockopt(socket, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_setsockopt(socket, ZMQ_MAXMSGSIZE, &max_frame, sizeof max_frame))
        goto fail;
    if (hcbus_link_tuning_apply(socket, &tuning, false, err) != 0)
        goto fail_set;
    if (!(*conns = peers_watch(self, socket, label, err)))
        goto fail_set;
    if (zmq_bind(socket, endpoint))
        goto fail;
    return socket;
fail:
    hcbus_error_set(err, HCBUS_EIO, setting, _("cannot listen on %s: %s"), endpoint, zmq_strerror(zmq_errno()));
fail_set:
    hcbus_connections_destroy(conns);
    if (socket)
        zmq_close(socket);
    return NULL;
}

static void guard_deliveries(void *arg) { peers_update(arg); }

void broker_audit_key_path(const hcbus_config_t *config, char *buf, size_t size)
{
    const char *secret = config->auditd.secret_key_file;
    size_t n = strlen(secret);
    if (n > 4 && strcmp(secret + n - 4, ".key") == 0)
        snprintf(buf, size, "%.*s.pub", (int)(n - 4), secret);
    else
        snprintf(buf, size, "%s.pub", secret);
}

static int load_audit_key(broker_t *self, hcbus_error_t *err)
{
    char path[HCBUS_PATH_MAX + 8];
    broker_audit_key_path(self->config, path, sizeof path);
    return hcbus_public_key_load(path, self->audit_public_key, err);
}

broker_t *broker_new(hcbus_config_t *config, volatile sig_atomic_t *stop,
                     volatile sig_atomic_t *reload, hcbus_error_t *err)
{
    broker_t *self = calloc(1, sizeof *self);
    if (!self) {
        hcbus_config_destroy(&config);
        hcbus_error_set(err, HCBUS_ENOMEM, NULL, _("out of memory"));
        return NULL;
    }
    self->config = config;
    self->stop = stop;
    self->reload = reload;
    hcbus_new_id(self->instance, sizeof self->instance);
    const hcbus_broker_config_t *bc = &config->broker;
    if (!(self->zones = hcbus_zones_load(config->zones_file, err)) ||
        hcbus_keypair_load(bc->secret_key_file, &self->keypair, err) != 0 || load_audit_key(self, err) != 0 ||
        broker_namespace_key(&self->keypair, self->namespace_key, err) != 0)
        goto fail;
    self->ctx = zmq_ctx_new();
    /* Before any ROUTER exists: its routing id counter starts at rand(). */
    if (hcbus_connections_seed_routing_ids() != 0) {
        hcbus_error_set(err, HCBUS_EINTERNAL, NULL, _("cannot read random bytes from the OS"));
        goto fail;
    }
    if (!(self->zap_socket = hcbus_zap_bind(self->ctx, err)) ||
        !(self->pub_socket = bind_router(self, bc->publish_endpoint, "broker.publish_endpoint", "publishers", 10000,
                                         &self->pub_conns, err)) ||
        !(self->sub_socket = bind_router(self, bc->subscribe_endpoint, "broker.subscribe_endpoint", "subscribers",
                                         (int)bc->subscriber_queue_max, &self->sub_conns, err)) ||
        !(self->link = link_new(self->ctx, config->auditd.endpoint, &self->keypair, self->audit_public_key,
                                bc->audit_resend_ms, err)))
        goto fail;
    self->inflight = inflight_new(bc->max_in_flight);
    self->subscribers = subscribers_new(self->sub_socket, bc->subscriber_queue_max_bytes);
    self->lastvalue = lastvalue_new();
    self->rejections = rejections_new();
    self->budget = budget_new();
    if (!self->inflight || !self->subscribers || !self->lastvalue || !self->rejections || !self->budget) {
        hcbus_error_set(err, HCBUS_ENOMEM, NULL, _("out of memory"));
        goto fail;
    }
    subscribers_set_guard(self->subscribers, guard_deliveries, self);
    subscribers_set_observer(self->subscribers, deliveries_segment, self);
    if (monitor_start(self, err) != 0)
        goto fail;
    return self;
fail:
    broker_destroy(&self);
    return NULL;
}

void broker_destroy(broker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    broker_t *self = *self_p;
    monitor_stop(self);
    inflight_destroy(&self->inflight);
    rejections_destroy(&self->rejections);
    subscribers_destroy(&self->subscribers);
    lastvalue_destroy(&self->lastvalue);
    budget_destroy(&self->budget);
    link_destroy(&self->link);
    hcbus_connections_destroy(&self->pub_conns);
    hcbus_connections_destroy(&self->sub_conns);
    if (self->pub_socket)
        zmq_close(self->pub_socket);
    if (self->sub_socket)
        zmq_close(self->sub_socket);
    if (self->zap_socket)
        zmq_close(self->zap_socket);
    if (self->ctx)
        zmq_ctx_term(self->ctx);
    hcbus_zones_destroy(&self->zones);
    hcbus_config_destroy(&self->config);
    free(self);
    *self_p = NULL;
}

static void handle_zap(broker_t *self)
{
    for (;;) {
        hcbus_zap_result_t result;
        hcbus_zap_handle(self->zap_socket, zap_lookup, self, &result);
        if (!result.handled)
            return;
        if (result.accepted)
            continue;
        hcbus_error_t err;
        hcbus_error_set(&err, HCBUS_EUNAUTHORIZED, NULL, _("unknown key %s... from %s refused"), result.key_hint,
                        result.address);
        Hcbus__RejectRecord record = HCBUS__REJECT_RECORD__INIT;
        record.key_hint = result.key_hint;
        record.action = "connect";
        record.code = HCBUS__ERROR_CODE__ERROR_CODE_UNAUTHORIZED;
        record.reason = err.message;
        record.at_us = hcbus_now_us();
        rejections_add(self->rejections, self->link, REJECTIONS_BY_ADDRESS, result.address, &record, err.message,
                       hcbus_monotonic_ms());
    }
}

typedef void request_handler_fn(broker_t *self, const routing_id_t *from, const char *institution,
                                const uint8_t *data, size_t len);

/* Read the rest of a message after its first body frame; returns how many frames it
 * had in all. ZMQ_MAXMSGSIZE bounds each. */
static size_t discard_rest(void *socket, zmq_msg_t *first)
{
    size_t frames = 1;
    for (bool more = zmq_msg_more(first); more; frames++) {
        zmq_msg_t extra;
        zmq_msg_init(&extra);
        more = zmq_msg_recv(&extra, socket, 0) >= 0 && zmq_msg_more(&extra);
        zmq_msg_close(&extra);
    }
    return frames;
}

/* Read one [routing id][request] message and hand it on if peers.c admits it. */
static int read_one(broker_t *self, void *socket, request_handler_fn *handler)
{
    routing_id_t from = {0};
    int n = zmq_recv(socket, from.bytes, sizeof from.bytes, ZMQ_DONTWAIT);
    if (n < 0)
        return -1;
    from.len = (size_t)n < sizeof from.bytes ? (size_t)n : sizeof from.bytes;
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, socket, 0) < 0) {
        zmq_msg_close(&msg);
        return 0;
    }
    size_t frames = discard_rest(socket, &msg);
    char who[HCBUS_INSTITUTION_ID_MAX + 1];
    if (peers_admit(self, socket, &from, &msg, frames, who, sizeof who))
        handler(self, &from, who, zmq_msg_data(&msg), zmq_msg_size(&msg));
    zmq_msg_close(&msg);
    return 0;
}

static void read_burst(broker_t *self, void *socket, request_handler_fn *handler)
{
    for (int i = 0; i < BROKER_READ_BURST && read_one(self, socket, handler) == 0; i++)
        ;
}

static void read_link(broker_t *self)
{
    Hcbus__LinkReply *reply;
    while ((reply = link_recv(self->link)) != NULL) {
        monitor_link_heard(self, hcbus_monotonic_ms());
        commit_handle_reply(self, reply);
        hcbus_link_reply_free(reply);
    }
}

/* Until the audit service has told the head and the zone snapshot, keep asking. */
static void start_up(broker_t *self, int64_t now_ms)
{
    if (broker_ready(self) || now_ms - self->hello_sent_ms < standby_hello_retry_ms(self))
        return;
    self->hello_sent_ms = now_ms;
    Hcbus__LinkRequest request = HCBUS__LINK_REQUEST__INIT;
    control_t *control;
    if (!self->hello_done && (control = control_take(self, CONTROL_HELLO))) {
        request.kind_case = HCBUS__LINK_REQUEST__KIND_HELLO;
        request.hello = true;
        control->link_id = link_request(self->link, &request);
    }
    Hcbus__SnapshotRequest latest = HCBUS__SNAPSHOT_REQUEST__INIT;
    latest.prefix = "zone.";
    if (!self->latest_done && (control = control_take(self, CONTROL_LATEST))) {
        request.kind_case = HCBUS__LINK_REQUEST__KIND_LATEST;
        request.latest = &latest;
        control->link_id = link_request(self->link, &request);
    }
}

static void trim_after_burst(broker_t *self)
{
    size_t queued = fanout_queued_bytes();
    if (queued > self->queued_peak)
        self->queued_peak = queued;
    if (self->queued_peak < TRIM_AFTER_QUEUED_BYTES || queued > self->queued_peak / 16)
        return;
    malloc_trim(0);
    hcbus_debug("subscriber queues drained (peak %zu bytes): freed memory returned to the OS", self->queued_peak);
    self->queued_peak = queued;
}

static void run_timers(broker_t *self)
{
    peers_update(self);
    int64_t now_ms = hcbus_monotonic_ms();
    standby_check_silence(self, now_ms);
    start_up(self, now_ms);
    if (now_ms < self->next_scan_ms)
        return;
    self->next_scan_ms = now_ms + SCAN_INTERVAL_MS;
    commit_scan_timeouts(self, now_ms);
    requests_expire(self, now_ms);
    rejections_tick(self->rejections, self->link, now_ms);
    link_tick(self->link, now_ms);
    subscribers_tick(self->subscribers, self->delivered_head, now_ms);
    trim_after_burst(self);
    monitor_tick(self, now_ms);
}

/* One turn of the loop; accepting false stops reading publishers (shutdown). */
static void turn(broker_t *self, bool accepting)
{
    zmq_pollitem_t items[] = {
        {self->zap_socket, 0, ZMQ_POLLIN, 0},
        {link_socket(self->link), 0, ZMQ_POLLIN, 0},
        {self->sub_socket, 0, ZMQ_POLLIN, 0},
        {self->pub_socket, 0, ZMQ_POLLIN, 0},
    };
    int count = accepting ? 4 : 3;
    if (zmq_poll(items, count, BROKER_TICK_MS) < 0 && zmq_errno() != EINTR)
        hcbus_error(_("poll failed: %s"), zmq_strerror(zmq_errno()));
    if (items[0].revents & ZMQ_POLLIN)
        handle_zap(self);
    if (items[1].revents & ZMQ_POLLIN)
        read_link(self);
    if (items[2].revents & ZMQ_POLLIN)
        read_burst(self, self->sub_socket, requests_handle);
    if (accepting && (items[3].revents & ZMQ_POLLIN))
        read_burst(self, self->pub_socket, publish_handle);
    link_flush(self->link);
    run_timers(self);
}

int broker_run(broker_t *self)
{
    hcbus_info(_("listening: publishers %s, subscribers %s; audit service %s"), self->config->broker.publish_endpoint,
               self->config->broker.subscribe_endpoint, self->config->auditd.endpoint);
    hcbus_notify_ready("listening");
    while (!*self->stop) {
        if (*self->reload) {
            *self->reload = 0;
            broker_reload(self);
        }
        turn(self, true);
    }
    int64_t deadline = hcbus_monotonic_ms() + BROKER_DRAIN_MS;
    size_t waiting = inflight_count(self->inflight);
    hcbus_info(_("stopping: draining %zu messages awaiting commit"), waiting);
    hcbus_notify_stopping();
    /* Folded refusals are recorded too, if the audit service answers within a second,
     * and the end of every live segment (who-knew): the sessions end here. */
    rejections_flush(self->rejections, self->link);
    subscribers_close_all(self->subscribers);
    int64_t rejections_deadline = hcbus_monotonic_ms() + BROKER_REJECTIONS_DRAIN_MS;
    while ((inflight_count(self->inflight) > 0 && hcbus_monotonic_ms() < deadline) ||
           ((link_rejections_pending(self->link) > 0 || link_deliveries_pending(self->link) > 0) &&
            hcbus_monotonic_ms() < rejections_deadline))
        turn(self, false);
    if (link_deliveries_pending(self->link) > 0)
        hcbus_warning(_("stopped with %zu delivery records not recorded: who-knew treats those sessions as open "
                      "until this broker's next start"), link_deliveries_pending(self->link));
    uint64_t records, batches;
    link_stats(self->link, &records, &batches);
    hcbus_info(_("audit link: %llu records sent in %llu append batches"),
               (unsigned long long)records, (unsigned long long)batches);
    waiting = inflight_count(self->inflight);
    if (waiting > 0)
        hcbus_warning(_("stopped with %zu messages not committed: none of them was acknowledged"), waiting);
    else
        hcbus_info(_("stopped: everything accepted was committed and acknowledged"));
    return waiting > 0 ? 1 : 0;
}
