/* publisher.c — the publishing half of client.h. Every message waits, encoded, in a
 * ring (the window) until the broker acks it or refuses it for good; silence and the
 * retryable refusals (not persisted, overloaded, unavailable) resend the same bytes,
 * so the same msg_id, and are never reported to the caller.
 * Request ids are ring positions plus one, so an answer finds its slot in O(1) (the
 * slot's stored id tells a live request from a settled one whose slot was reused), and
 * the earliest due time is kept as a bound so that a poll scans the window only when a
 * resend may be due, and a message waiting for the connection goes as soon as ZeroMQ
 * can take it (ZMQ_POLLOUT), not at its next retry (decision 0028).
 * With an endpoint list (endpoints.h, decision 0038) a standby answer, a dropped or
 * refused connection or failover_ms of silence moves the one connection to the next
 * endpoint, where the whole window is sent again, in order, with the same bytes. */
#include <errno.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>
#include <zmq.h>

#include "curve.h"
#include "endpoints.h"
#include "hcbus/client.h"
#include "hcbus/clock.h"
#include "hcbus/i18n.h"
#include "hcbus/outbox.h"
#include "hcbus/validate.h"

#define WINDOW_MAX 65536
#define BACKOFF_MIN_MS 100   /* first wait after a retryable refusal */
#define BACKOFF_MAX_MS 2000  /* the wait doubles up to this */
#define UNSENT_RETRY_MS 100  /* retry a send ZeroMQ could not take (broker not connected) */
#define PUBLISH_HWM_MIN 1000

typedef struct slot {
    uint8_t *bytes;  /* the encoded ClientRequest; NULL when the slot is free */
    size_t len;
    uint64_t request_id;
    char msg_id[HCBUS_MSG_ID_MAX + 1];
    int64_t due_ms;     /* when to send it (again) */
    unsigned refusals;  /* retryable refusals so far, for the backoff */
    bool unsent;        /* ZeroMQ did not take it yet: nothing newer may go before it */
} slot_t;

struct hcbus_publisher {
    void *ctx;
    void *sock;
    hcbus_confirm_fn *on_confirm;
    void *arg;
    slot_t *ring;     /* window slots; position p lives at ring[p % window] */
    unsigned window;
    unsigned resend_ms;
    uint64_t head;    /* oldest position that may be unconfirmed */
    uint64_t tail;    /* next position to fill; its request id is tail + 1 */
    size_t pending;
    size_t unsent;    /* slots ZeroMQ has not taken yet (broker not connected) */
    int64_t due_bound_ms; /* no slot is due before this (a lower bound: send_due makes it exact) */
    bool watch_out;   /* wake when ZeroMQ can take an unsent slot (ZMQ_POLLOUT) */
    bool out_retry;   /* sending because of ZMQ_POLLOUT: a refusal now does not re-arm it */
    int last_retry_code; /* the last retryable refusal (not persisted...), 0 if none: the
                            real cause when a flush runs out of time */
    hcbus_outbox_t *outbox; /* options.outbox_path: messages wait there, not in send */
    /* failover (endpoints.h): the list, the options to connect again, a monitor */
    hcbus_endpoints_t endpoints;
    hcbus_client_options_t options;  /* a copy; broker_public_key points at broker_key */
    char broker_key[HCBUS_Z85_KEY_LEN + 1];
    int hwm;
    void *monitor;    /* with several endpoints: tells a dropped or refused connection */
    bool move_due;    /* the broker answered standby: move to the next endpoint */
    bool dropped;     /* the connection dropped or was refused: move too */
    int64_t move_from_ms; /* no move before this (the backoff after a whole round) */
};

/* Connect to the current endpoint (and watch the connection if there are others). */
static int connect_current(hcbus_publisher_t *self, hcbus_error_t *err)
{
    if (hcbus_endpoints_connect(&self->endpoints, &self->options, self->hwm, &self->ctx,
                                &self->sock, err) != 0)
        return -1;
    if (hcbus_endpoints_several(&self->endpoints) &&
        hcbus_endpoints_watch(self->ctx, self->sock, &self->monitor, err) != 0)
        return -1;
    return 0;
}

static void disconnect(hcbus_publisher_t *self)
{
    hcbus_endpoints_unwatch(self->sock, &self->monitor);
    hcbus_curve_close(&self->ctx, &self->sock);
}

static int enqueue(hcbus_publisher_t *self, Hcbus__Envelope *env, hcbus_error_t *err);
static int outbox_top_up(hcbus_publisher_t *self, hcbus_error_t *err);
static int outbox_send(hcbus_publisher_t *self, Hcbus__Envelope *env, hcbus_error_t *err);

hcbus_publisher_t *hcbus_publisher_new(const hcbus_client_options_t *options,
                                       hcbus_confirm_fn *on_confirm, void *arg,
                                       hcbus_error_t *err)
{
    if (hcbus_client_options_check(options, err) != 0)
        return NULL;
    unsigned window = options->window ? options->window : HCBUS_PUBLISH_WINDOW_DEFAULT;
    if (window > WINDOW_MAX) {
        hcbus_error_set(err, HCBUS_EINVALID, "window", "window %u is over the maximum of %d",
                        window, WINDOW_MAX);
        return NULL;
    }
    hcbus_publisher_t *self = calloc(1, sizeof *self);
    slot_t *ring = calloc(window, sizeof *ring);
    if (!self || !ring) {
        free(self);
        free(ring);
        hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory for a publisher");
        return NULL;
    }
    self->ring = ring;
    self->window = window;
    self->resend_ms = options->resend_ms ? options->resend_ms : HCBUS_RESEND_MS_DEFAULT;
    self->on_confirm = on_confirm;
    self->arg = arg;
    self->due_bound_ms = INT64_MAX;
    self->hwm = window * 2 > PUBLISH_HWM_MIN ? (int)window * 2 : PUBLISH_HWM_MIN;
    self->options = *options;
    memcpy(self->broker_key, options->broker_public_key, sizeof self->broker_key);
    self->options.broker_public_key = self->broker_key;
    if (hcbus_endpoints_parse(options->endpoint, &self->endpoints, err) != 0 ||
        (hcbus_endpoints_set_bound(&self->endpoints, options), connect_current(self, err)) != 0 ||
        (options->outbox_path &&
         !(self->outbox = hcbus_outbox_open(options->outbox_path, options->outbox_max_bytes, 0,
                                            NULL, err)))) {
        hcbus_publisher_destroy(&self);
        return NULL;
    }
    return self;
}

void hcbus_publisher_destroy(hcbus_publisher_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hcbus_publisher_t *self = *self_p;
    for (unsigned i = 0; i < self->window; i++)
        free(self->ring[i].bytes);
    free(self->ring);
    hcbus_outbox_close(&self->outbox);
    disconnect(self);
    hcbus_endpoints_clear(&self->endpoints);
    sodium_memzero(&self->options.keypair, sizeof self->options.keypair);
    free(self);
    *self_p = NULL;
}

size_t hcbus_publisher_pending(const hcbus_publisher_t *self)
{
    return self ? self->pending + hcbus_outbox_untaken(self->outbox) : 0;
}

hcbus_outbox_t *hcbus_publisher_outbox(hcbus_publisher_t *self)
{
    return self ? self->outbox : NULL;
}

const char *hcbus_publisher_endpoint(const hcbus_publisher_t *self)
{
    return self ? hcbus_endpoints_current(&self->endpoints) : "";
}

uint64_t hcbus_publisher_switches(const hcbus_publisher_t *self)
{
    return self ? self->endpoints.switches : 0;
}

static slot_t *slot_at(hcbus_publisher_t *self, uint64_t pos)
{
    return &self->ring[pos % self->window];
}

/* Request ids are positions plus one: 0 means "no request" on the wire. */
static uint64_t request_id_of(uint64_t pos)
{
    return pos + 1;
}

static void set_due(hcbus_publisher_t *self, slot_t *s, int64_t due_ms)
{
    s->due_ms = due_ms;
    if (due_ms < self->due_bound_ms)
        self->due_bound_ms = due_ms;
}

/* Hand a slot's bytes to ZeroMQ. When the broker is not connected (IMMEDIATE) the
 * send is retried shortly instead of queued blindly. */
static int transmit(hcbus_publisher_t *self, slot_t *s, int64_t now, hcbus_error_t *err)
{
    int rc = hcbus_curve_send_bytes(self->sock, s->bytes, s->len, err);
    if (rc < 0)
        return -1;
    bool unsent = rc != 0;
    if (unsent != s->unsent)
        self->unsent += unsent ? 1 : (size_t)-1;
    s->unsent = unsent;
    if (unsent && !self->out_retry)
        self->watch_out = true;
    hcbus_endpoints_waiting(&self->endpoints, now);
    set_due(self, s, now + (unsent ? UNSENT_RETRY_MS : (int64_t)self->resend_ms));
    return 0;
}

/* Send everything due, oldest first so that a resend keeps the publisher's order. While
 * ZeroMQ has not taken an older one (the broker is not connected), nothing newer is
 * tried: it would reach the broker first and be recorded before the older one. Sets
 * *next_due_ms to the earliest later due time (INT64_MAX if none). The window is
 * scanned only when the bound says a slot may be due (a resend, a refusal's backoff,
 * an unsent slot), not at every poll. */
static int send_due(hcbus_publisher_t *self, int64_t *next_due_ms, hcbus_error_t *err)
{
    int64_t now = hcbus_monotonic_ms();
    if (now < self->due_bound_ms) {
        *next_due_ms = self->due_bound_ms;
        return 0;
    }
    int64_t blocked_until = 0;
    *next_due_ms = INT64_MAX;
    self->due_bound_ms = INT64_MAX; /* rebuilt below by transmit and the scan */
    for (uint64_t pos = self->head; pos < self->tail; pos++) {
        slot_t *s = slot_at(self, pos);
        if (!s->bytes)
            continue;
        if (s->due_ms <= now) {
            if (blocked_until)
                s->due_ms = blocked_until;
            else if (transmit(self, s, now, err) != 0) {
                self->due_bound_ms = now; /* scan again next time */
                return -1;
            }
        }
        if (s->unsent && !blocked_until)
            blocked_until = s->due_ms;
        if (s->due_ms < *next_due_ms)
            *next_due_ms = s->due_ms;
    }
    if (*next_due_ms < self->due_bound_ms)
        self->due_bound_ms = *next_due_ms;
    return 0;
}

/* The slot of a reply, from its request_id in O(1): position request_id - 1, if that
 * slot still holds that request (and, when the reply names a msg_id, that message).
 * NULL for answers to messages already settled (a late answer to a resend), and for
 * request_id 0, which answers nothing sent with an id (docs/protocol.md). */
static slot_t *find_slot(hcbus_publisher_t *self, const char *msg_id, uint64_t request_id)
{
    if (request_id == 0)
        return NULL;
    uint64_t pos = request_id - 1;
    if (pos < self->head || pos >= self->tail)
        return NULL;
    slot_t *s = slot_at(self, pos);
    if (!s->bytes || s->request_id != request_id)
        return NULL;
    if (msg_id && msg_id[0] && strcmp(s->msg_id, msg_id) != 0)
        return NULL;
    return s;
}

static void settle(hcbus_publisher_t *self, slot_t *s, uint64_t seq, bool duplicate,
                   const hcbus_error_t *refusal)
{
    if (self->on_confirm)
        self->on_confirm(self->arg, s->msg_id, seq, duplicate, refusal);
    /* An end not written costs a resend at the next open, which the bus records once. */
    if (self->outbox)
        hcbus_outbox_end(self->outbox, s->msg_id, seq, refusal ? refusal->code : 0, NULL);
    free(s->bytes);
    s->bytes = NULL;
    if (s->unsent)
        self->unsent--;
    s->unsent = false;
    self->pending--;
    if (self->pending == 0)
        hcbus_endpoints_idle(&self->endpoints);
    while (self->head < self->tail && !slot_at(self, self->head)->bytes)
        self->head++;
}

/* Standby too: with one endpoint, its broker may become the active one. */
static bool retryable(int code)
{
    return code == HCBUS_ENOT_PERSISTED || code == HCBUS_EOVERLOADED ||
           code == HCBUS_EUNAVAILABLE || code == HCBUS_ESTANDBY;
}

static int backoff_ms(unsigned refusals)
{
    int ms = BACKOFF_MIN_MS;
    for (unsigned i = 1; i < refusals && ms < BACKOFF_MAX_MS; i++)
        ms *= 2;
    return ms < BACKOFF_MAX_MS ? ms : BACKOFF_MAX_MS;
}

/* Whether a reply restarts the silence clock (endpoints.h): anything but a refusal to
 * retry. A broker that answers only NOT_PERSISTED, OVERLOADED, UNAVAILABLE (or
 * STANDBY) records nothing — e.g. its audit service is dead or cut off while the other
 * pair records — so with several endpoints the publisher leaves it after failover_ms
 * without an ack, as it leaves a silent one (issue 18). */
static bool restarts_silence(const Hcbus__BrokerReply *reply)
{
    return reply->kind_case != HCBUS__BROKER_REPLY__KIND_ERROR || !retryable((int)reply->error->code);
}

/* Apply one BrokerReply. Returns 1 if it settled a message, 0 if not. */
static int handle_reply(hcbus_publisher_t *self, const Hcbus__BrokerReply *reply)
{
    if (restarts_silence(reply))
        hcbus_endpoints_heard(&self->endpoints, hcbus_monotonic_ms());
    if (reply->kind_case == HCBUS__BROKER_REPLY__KIND_ACK) {
        slot_t *s = find_slot(self, reply->ack->msg_id, reply->request_id);
        if (!s)
            return 0;
        hcbus_endpoints_answered(&self->endpoints, hcbus_monotonic_ms());
        settle(self, s, reply->ack->seq, reply->ack->duplicate, NULL);
        return 1;
    }
    if (reply->kind_case != HCBUS__BROKER_REPLY__KIND_ERROR)
        return 0;
    const Hcbus__ErrorReply *e = reply->error;
    slot_t *s = find_slot(self, e->msg_id, e->request_id ? e->request_id : reply->request_id);
    if (!s)
        return 0;
    if ((int)e->code == HCBUS_ESTANDBY && hcbus_endpoints_several(&self->endpoints)) {
        self->last_retry_code = HCBUS_ESTANDBY;
        self->move_due = true;
        return 0;
    }
    if (retryable((int)e->code)) {
        self->last_retry_code = (int)e->code;
        s->refusals++;
        set_due(self, s, hcbus_monotonic_ms() + backoff_ms(s->refusals));
        return 0;
    }
    hcbus_error_t refusal;
    hcbus_error_set(&refusal, e->code ? (int)e->code : HCBUS_EINTERNAL, e->field, "%s",
                    e->message);
    hcbus_error_hint(&refusal, "%s", e->hint);
    settle(self, s, 0, false, &refusal);
    return 1;
}

/* Read every reply waiting on the socket. Returns the number of messages settled. */
static int drain_replies(hcbus_publisher_t *self)
{
    int settled = 0;
    for (;;) {
        zmq_msg_t frame;
        zmq_msg_init(&frame);
        if (zmq_msg_recv(&frame, self->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&frame);
            return settled;
        }
        Hcbus__BrokerReply *reply =
            hcbus_broker_reply_decode(zmq_msg_data(&frame), zmq_msg_size(&frame), NULL);
        zmq_msg_close(&frame);
        if (reply)
            settled += handle_reply(self, reply);
        hcbus_broker_reply_free(reply);
    }
}

static int64_t deadline_of(int timeout_ms)
{
    return timeout_ms < 0 ? INT64_MAX : hcbus_monotonic_ms() + timeout_ms;
}

/* ZeroMQ can take messages again (ZMQ_POLLOUT: the broker is connected): what waited
 * for the connection is due now rather than at its next retry (UNSENT_RETRY_MS), in
 * order. A slot blocked behind an unsent one is due when that one was. */
static void unsent_due_now(hcbus_publisher_t *self, int64_t now)
{
    int64_t first_due = INT64_MIN;
    for (uint64_t pos = self->head; pos < self->tail; pos++) {
        slot_t *s = slot_at(self, pos);
        if (!s->bytes)
            continue;
        if (s->unsent && first_due == INT64_MIN)
            first_due = s->due_ms;
        if (first_due != INT64_MIN && s->due_ms <= first_due)
            set_due(self, s, now);
    }
    self->watch_out = false;
    self->out_retry = true;
}

/* Move the connection to the next endpoint of the list and send every unconfirmed
 * message there again, oldest first, same bytes (same msg_id): a message the last
 * broker recorded is answered as a duplicate with its seq. */
static int move_on(hcbus_publisher_t *self, hcbus_error_t *err)
{
    int64_t from = hcbus_endpoints_advance(&self->endpoints, hcbus_monotonic_ms());
    self->move_due = self->dropped = false;
    disconnect(self);
    /* An entry ZeroMQ cannot connect to (e.g. a host name it cannot resolve) is passed
     * over for the next, as a refused connection is; -1 only when none of them can. */
    for (size_t tried = 1; connect_current(self, err) != 0; tried++) {
        disconnect(self);
        if (tried >= self->endpoints.count)
            return -1;
        from = hcbus_endpoints_advance(&self->endpoints, hcbus_monotonic_ms());
    }
    self->move_from_ms = from;
    for (uint64_t pos = self->head; pos < self->tail; pos++) {
        slot_t *s = slot_at(self, pos);
        s->unsent = false;
        s->refusals = 0;
        s->due_ms = from;
    }
    self->unsent = 0;
    self->watch_out = false;
    self->due_bound_ms = from;
    if (self->pending == 0)
        hcbus_endpoints_idle(&self->endpoints);
    return 0;
}

/* Whether to leave the current endpoint: it answered standby, the connection dropped
 * or was refused, or nothing came for failover_ms while answers were awaited. */
static bool should_move(hcbus_publisher_t *self)
{
    if (!hcbus_endpoints_several(&self->endpoints))
        return false;
    self->dropped |= hcbus_endpoints_dropped(self->monitor);
    int64_t now = hcbus_monotonic_ms();
    if (now < self->move_from_ms)
        return false;
    return self->move_due || self->dropped || now >= hcbus_endpoints_silence_due(&self->endpoints);
}

static int send_due_now(hcbus_publisher_t *self, int64_t *next_due, hcbus_error_t *err)
{
    int rc = send_due(self, next_due, err);
    self->out_retry = false;
    return rc;
}

/* Send what is due, wait (ZeroMQ poll) until a reply, a due time, the connection (when
 * something waits for it) or the deadline, and take every reply there. Returns the
 * messages settled, or -1 with err. */
static int poll_until(hcbus_publisher_t *self, int64_t deadline, hcbus_error_t *err)
{
    for (;;) {
        int64_t next_due;
        if (!self->sock && connect_current(self, err) != 0) { /* a move failed to connect */
            disconnect(self);
            return -1;
        }
        if (should_move(self) && move_on(self, err) != 0)
            return -1;
        if (outbox_top_up(self, err) != 0 || send_due_now(self, &next_due, err) != 0)
            return -1;
        int64_t now = hcbus_monotonic_ms();
        int64_t silence_due = hcbus_endpoints_silence_due(&self->endpoints);
        if (silence_due < next_due)
            next_due = silence_due;
        int64_t until = next_due < deadline ? next_due : deadline;
        long wait = until <= now ? 0 : (until - now > 60000 ? 60000 : (long)(until - now));
        short events = ZMQ_POLLIN | (self->unsent > 0 && self->watch_out ? ZMQ_POLLOUT : 0);
        zmq_pollitem_t items[2] = {{.socket = self->sock, .events = events},
                                   {.socket = self->monitor, .events = ZMQ_POLLIN}};
        if (zmq_poll(items, self->monitor ? 2 : 1, wait) < 0 && zmq_errno() != EINTR)
            return hcbus_error_set(err, HCBUS_EIO, NULL, "cannot poll the broker socket: %s",
                                   zmq_strerror(zmq_errno()));
        if (items[0].revents & ZMQ_POLLOUT)
            unsent_due_now(self, hcbus_monotonic_ms());
        int settled = drain_replies(self);
        if (settled > 0 || hcbus_monotonic_ms() >= deadline)
            return settled;
    }
}

int hcbus_publisher_poll(hcbus_publisher_t *self, int timeout_ms, hcbus_error_t *err)
{
    return poll_until(self, deadline_of(timeout_ms), err);
}

/* Why a flush ran out of time, as far as this side can tell: the broker said why (the
 * audit database did not record the messages; the broker is overloaded), or ZeroMQ never
 * had a connection to give them to, or they went and no answer came. */
static int flush_timeout(const hcbus_publisher_t *self, int timeout_ms, hcbus_error_t *err)
{
    switch (self->last_retry_code) {
    case HCBUS_ENOT_PERSISTED:
        hcbus_error_set(err, HCBUS_ETIMEOUT, NULL,
                        P_("%zu message not confirmed after %d ms: the broker received it, "
                           "but the audit database did not record it",
                           "%zu messages not confirmed after %d ms: the broker received them, "
                           "but the audit database did not record them",
                           self->pending),
                        self->pending, timeout_ms);
        return hcbus_error_hint(err, _("hcbus-auditd or its PostgreSQL is stopped or failing; "
                                       "see their logs. Nothing was lost: send it again."));
    case HCBUS_ESTANDBY:
        hcbus_error_set(err, HCBUS_ETIMEOUT, NULL,
                        P_("%zu message not confirmed after %d ms: the broker is the passive one "
                           "of its pair (standby)",
                           "%zu messages not confirmed after %d ms: the broker is the passive one "
                           "of its pair (standby)",
                           self->pending),
                        self->pending, timeout_ms);
        return hcbus_error_hint(err, _("Give both brokers of the pair, separated by a comma, as "
                                       "the endpoint. Nothing was recorded: send it again."));
    case HCBUS_EOVERLOADED:
    case HCBUS_EUNAVAILABLE:
        hcbus_error_set(err, HCBUS_ETIMEOUT, NULL,
                        P_("%zu message not confirmed after %d ms: the broker is overloaded "
                           "and asked to wait",
                           "%zu messages not confirmed after %d ms: the broker is overloaded "
                           "and asked to wait",
                           self->pending),
                        self->pending, timeout_ms);
        return hcbus_error_hint(err, _("Send it again in a moment."));
    default:
        break;
    }
    if (self->unsent > 0) {
        hcbus_error_set(err, HCBUS_ETIMEOUT, NULL,
                        P_("%zu message not sent after %d ms: no connection to the broker",
                           "%zu messages not sent after %d ms: no connection to the broker",
                           self->pending),
                        self->pending, timeout_ms);
        return hcbus_error_hint(err, _("No broker answers at this endpoint, or it refused the "
                                       "connection: the broker key is not this broker's, or "
                                       "the broker does not know this institution's key."));
    }
    hcbus_error_set(err, HCBUS_ETIMEOUT, NULL,
                    P_("%zu message sent but not confirmed after %d ms: no answer from the broker",
                       "%zu messages sent but not confirmed after %d ms: no answer from the broker",
                       self->pending),
                    self->pending, timeout_ms);
    return hcbus_error_hint(err, _("The broker stopped or is stuck; it may still have "
                                   "recorded them."));
}

int hcbus_publisher_flush(hcbus_publisher_t *self, int timeout_ms, hcbus_error_t *err)
{
    int64_t deadline = deadline_of(timeout_ms);
    while (hcbus_publisher_pending(self) > 0) {
        if (hcbus_monotonic_ms() >= deadline) {
            return flush_timeout(self, timeout_ms, err);
        }
        if (poll_until(self, deadline, err) < 0)
            return -1;
    }
    return 0;
}

/* Fill what the caller may leave empty: a new msg_id and the send time. */
static int complete(Hcbus__Envelope *env, hcbus_error_t *err)
{
    if (env->sent_at_us == 0)
        env->sent_at_us = hcbus_now_us();
    if (env->msg_id && env->msg_id[0])
        return 0;
    char *id = malloc(HCBUS_ID_MAX);
    if (!id)
        return hcbus_error_set(err, HCBUS_ENOMEM, "msg_id", "out of memory for a msg_id");
    env->msg_id = (char *)hcbus_new_id(id, HCBUS_ID_MAX);
    return 0;
}

static int wait_for_room(hcbus_publisher_t *self, int timeout_ms, hcbus_error_t *err)
{
    int64_t deadline = deadline_of(timeout_ms);
    while (self->tail - self->head >= self->window) {
        if (hcbus_monotonic_ms() >= deadline) {
            hcbus_error_set(err, HCBUS_ETIMEOUT, NULL,
                            "the window of %u unconfirmed messages is still full after %d ms",
                            self->window, timeout_ms);
            return hcbus_error_hint(err, "The broker is slow or away; poll or flush, then retry.");
        }
        if (poll_until(self, deadline, err) < 0)
            return -1;
    }
    return 0;
}

int hcbus_publisher_send(hcbus_publisher_t *self, Hcbus__Envelope *env, int timeout_ms,
                         hcbus_error_t *err)
{
    if (!self || !env)
        return hcbus_error_set(err, HCBUS_EINVALID, NULL, "no publisher or no envelope");
    if (complete(env, err) != 0 || hcbus_envelope_validate(env, NULL, err) != 0)
        return -1;
    if (self->outbox)
        return outbox_send(self, env, err);
    if (wait_for_room(self, timeout_ms, err) != 0)
        return -1;
    return enqueue(self, env, err);
}

/* Put env in the next slot of the window (there is room) and send it, or let it wait
 * behind an older one that waits for the connection. */
static int enqueue(hcbus_publisher_t *self, Hcbus__Envelope *env, hcbus_error_t *err)
{
    Hcbus__ClientRequest req = HCBUS__CLIENT_REQUEST__INIT;
    req.request_id = request_id_of(self->tail);
    req.kind_case = HCBUS__CLIENT_REQUEST__KIND_PUBLISH;
    req.publish = env;
    slot_t *s = slot_at(self, self->tail);
    if (hcbus_encode(&req.base, &s->bytes, &s->len, err) != 0)
        return -1;
    s->request_id = req.request_id;
    memcpy(s->msg_id, env->msg_id, strlen(env->msg_id) + 1);
    s->refusals = 0;
    s->unsent = false;
    self->tail++;
    self->pending++;
    if (self->unsent == 0)
        return transmit(self, s, hcbus_monotonic_ms(), err);
    /* An older message is still waiting for the connection: this one goes after it,
     * from the next poll (send_due sends oldest first). */
    set_due(self, s, hcbus_monotonic_ms());
    int64_t next_due;
    return send_due(self, &next_due, err);
}

/* Move messages from the outbox into the window while it has room, oldest first. */
static int outbox_top_up(hcbus_publisher_t *self, hcbus_error_t *err)
{
    while (self->outbox && self->tail - self->head < self->window) {
        char msg_id[HCBUS_MSG_ID_MAX + 1];
        uint8_t *bytes;
        size_t len;
        int rc = hcbus_outbox_take(self->outbox, msg_id, &bytes, &len, err);
        if (rc <= 0)
            return rc;
        hcbus_error_t bad;
        Hcbus__Envelope *env = hcbus_envelope_decode(bytes, len, 0, &bad);
        free(bytes);
        if (!env) { /* checked on disk, yet not an Envelope: refused for good, not stuck */
            if (self->on_confirm)
                self->on_confirm(self->arg, msg_id, 0, false, &bad);
            hcbus_outbox_end(self->outbox, msg_id, 0, bad.code, NULL);
            continue;
        }
        rc = enqueue(self, env, err);
        hcbus_envelope_free(env);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* With an outbox: on disk (synced) first, then into the window if it has room. */
static int outbox_send(hcbus_publisher_t *self, Hcbus__Envelope *env, hcbus_error_t *err)
{
    uint8_t *bytes;
    size_t len;
    if (hcbus_encode(&env->base, &bytes, &len, err) != 0)
        return -1;
    int rc = hcbus_outbox_append(self->outbox, env->msg_id, hcbus_now_us(), bytes, len, err);
    free(bytes);
    return rc != 0 ? -1 : outbox_top_up(self, err);
}
