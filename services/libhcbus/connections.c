/* connections.c — connection accounting for a listening socket (see
 * include/hcbus/connections.h). libzmq reports ACCEPTED and DISCONNECTED with the file
 * descriptor through a monitor socket; an fd is closed only after its DISCONNECTED is
 * reported, so the events of one fd come in order and a reused fd is a new acceptance.
 * The table is indexed by fd. Shutting down a connection is shutdown(2) on libzmq's
 * fd: libzmq reads the end of stream and closes it itself; the fd is never closed here. */
#include "hcbus/connections.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <zmq.h>

#include "hcbus/clock.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"

#define EVENTS (ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED)
#define LABEL_MAX 32
#define EVENTS_PER_BATCH 256   /* read, then act: a close later in the batch is seen first */

typedef struct entry {
    hcbus_conn_t conn;                 /* conn.serial == 0: no live connection on this fd */
    struct sockaddr_storage peer;      /* to check the fd still holds this peer */
    socklen_t peer_len;
} entry_t;

struct hcbus_connections {
    void *monitor;                     /* PAIR connected to the socket's monitor */
    void *watched;
    char label[LABEL_MAX];
    hcbus_conn_limits_t limits;
    hcbus_conn_closed_fn *on_closed;
    hcbus_conn_refused_fn *on_refused;
    void *arg;
    entry_t *entries;                  /* indexed by fd */
    size_t capacity;
    size_t live;
    uint64_t refused_total;
    uint64_t refused_unlogged;         /* refusals not yet in a log line */
    int64_t refusal_logged_ms;
    char last_refusal[160];
};

/* Serial numbers are unique in the process, across sockets. */
static uint64_t next_serial = 1;

int hcbus_connections_seed_routing_ids(void)
{
    unsigned seed;
    if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed)
        return -1;
    srand(seed);
    return 0;
}

bool hcbus_routing_id_generated(const uint8_t *id, size_t len) { return len == 5 && id[0] == 0; }

hcbus_connections_t *hcbus_connections_new(void *ctx, void *socket, const char *label,
                                           const hcbus_conn_limits_t *limits,
                                           hcbus_conn_closed_fn *on_closed,
                                           hcbus_conn_refused_fn *on_refused, void *arg,
                                           hcbus_error_t *err)
{
    hcbus_connections_t *self = calloc(1, sizeof *self);
    if (!self) {
        hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    snprintf(self->label, sizeof self->label, "%s", label);
    self->limits = *limits;
    self->on_closed = on_closed;
    self->on_refused = on_refused;
    self->arg = arg;
    self->watched = socket;
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "inproc://hcbus-connections-%p", (void *)self);
    int unlimited = 0, linger = 0;
    if (zmq_socket_monitor(socket, endpoint, EVENTS) != 0 || !(self->monitor = zmq_socket(ctx, ZMQ_PAIR)) ||
        zmq_setsockopt(self->monitor, ZMQ_RCVHWM, &unlimited, sizeof unlimited) != 0 ||
        zmq_setsockopt(self->monitor, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_connect(self->monitor, endpoint) != 0) {
        hcbus_error_set(err, HCBUS_EINTERNAL, NULL, "cannot watch the %s socket's connections: %s", label,
                        zmq_strerror(zmq_errno()));
        hcbus_connections_destroy(&self);
        return NULL;
    }
    return self;
}

void hcbus_connections_destroy(hcbus_connections_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hcbus_connections_t *self = *self_p;
    if (self->refused_unlogged > 0)
        hcbus_notice(_("%s: %llu more connections refused over the caps (last: %s)"), self->label,
                     (unsigned long long)self->refused_unlogged, self->last_refusal);
    if (self->watched)
        zmq_socket_monitor(self->watched, NULL, 0);
    if (self->monitor)
        zmq_close(self->monitor);
    free(self->entries);
    free(self);
    *self_p = NULL;
}

void *hcbus_connections_socket(hcbus_connections_t *self) { return self->monitor; }

static entry_t *entry_at(hcbus_connections_t *self, int fd)
{
    if (fd < 0)
        return NULL;
    if ((size_t)fd >= self->capacity) {
        size_t capacity = self->capacity ? self->capacity : 256;
        while (capacity <= (size_t)fd)
            capacity *= 2;
        entry_t *grown = realloc(self->entries, capacity * sizeof *grown);
        if (!grown)
            return NULL;
        memset(grown + self->capacity, 0, (capacity - self->capacity) * sizeof *grown);
        self->entries = grown;
        self->capacity = capacity;
    }
    return &self->entries[fd];
}

static void peer_source(const struct sockaddr_storage *peer, char *out, size_t size)
{
    if (peer->ss_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)peer)->sin_addr, out, (socklen_t)size);
    else if (peer->ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)peer)->sin6_addr, out, (socklen_t)size);
    else if (peer->ss_family == AF_UNIX)
        snprintf(out, size, "ipc");
    else
        snprintf(out, size, "unknown");
}

static size_t live_from(const hcbus_connections_t *self, const char *source)
{
    size_t n = 0;
    for (size_t i = 0; i < self->capacity; i++)
        if (self->entries[i].conn.serial && strcmp(self->entries[i].conn.source, source) == 0)
            n++;
    return n;
}

/* True when fd is still the connection to the peer recorded in e (not a reused fd). */
static bool same_peer(const entry_t *e)
{
    struct sockaddr_storage now;
    socklen_t len = sizeof now;
    if (getpeername(e->conn.fd, (struct sockaddr *)&now, &len) != 0)
        return false;
    return len == e->peer_len && memcmp(&now, &e->peer, len) == 0;
}

static void log_refusals(hcbus_connections_t *self, int64_t now_ms, bool force)
{
    if (self->refused_unlogged == 0 || (!force && now_ms - self->refusal_logged_ms < HCBUS_CONN_REFUSAL_LOG_MS))
        return;
    hcbus_notice(_("%s: %llu connections refused over the caps (%u per source, %u in all) since the last report; "
                 "last: %s"),
                 self->label, (unsigned long long)self->refused_unlogged, self->limits.max_per_source,
                 self->limits.max_total, self->last_refusal);
    self->refused_unlogged = 0;
    self->refusal_logged_ms = now_ms;
}

static void refuse(hcbus_connections_t *self, entry_t *e, const char *reason)
{
    e->conn.closing = true;
    shutdown(e->conn.fd, SHUT_RDWR);
    self->refused_total++;
    self->refused_unlogged++;
    snprintf(self->last_refusal, sizeof self->last_refusal, "%s from %s", reason, e->conn.source);
    if (self->on_refused)
        self->on_refused(self->arg, &e->conn, reason);
    /* The first refusal of a quiet period at once, then one summary per period. */
    int64_t now_ms = hcbus_monotonic_ms();
    log_refusals(self, now_ms, now_ms - self->refusal_logged_ms >= HCBUS_CONN_REFUSAL_LOG_MS);
}

/* gone_later: the batch of events already holds this fd's close, so the fd may belong
 * to someone else by now: count it, but do not look at it or touch it. */
static void accepted(hcbus_connections_t *self, int fd, bool gone_later)
{
    entry_t *e = entry_at(self, fd);
    if (!e) {
        hcbus_error(_("%s: out of memory tracking a connection: shut down"), self->label);
        if (!gone_later)
            shutdown(fd, SHUT_RDWR);
        return;
    }
    if (e->conn.serial) /* cannot happen: libzmq reports the close before the fd is reused */
        hcbus_warning(_("%s: fd %d accepted again without a close reported"), self->label, fd);
    else
        self->live++;
    *e = (entry_t){.conn = {.serial = next_serial++, .fd = fd}};
    if (gone_later)
        return;
    e->peer_len = sizeof e->peer;
    if (getpeername(fd, (struct sockaddr *)&e->peer, &e->peer_len) != 0)
        e->peer_len = 0; /* already gone: the close event follows */
    peer_source(&e->peer, e->conn.source, sizeof e->conn.source);
    if (self->live > self->limits.max_total)
        refuse(self, e, "too many connections in all");
    else if (live_from(self, e->conn.source) > self->limits.max_per_source)
        refuse(self, e, "too many connections from one source");
}

static void disconnected(hcbus_connections_t *self, int fd)
{
    entry_t *e = fd >= 0 && (size_t)fd < self->capacity ? &self->entries[fd] : NULL;
    if (!e || !e->conn.serial)
        return;
    hcbus_conn_t gone = e->conn;
    e->conn.serial = 0;
    self->live--;
    if (self->on_closed)
        self->on_closed(self->arg, &gone);
}

typedef struct event {
    uint16_t kind;
    int fd;
} event_t;

/* Read one event: [2-byte event, 4-byte value][endpoint]. Returns false when none. */
static bool read_event(hcbus_connections_t *self, event_t *out)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, self->monitor, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&msg);
        return false;
    }
    uint16_t event = 0;
    uint32_t value = 0;
    if (zmq_msg_size(&msg) >= 6) {
        memcpy(&event, zmq_msg_data(&msg), sizeof event);
        memcpy(&value, (const uint8_t *)zmq_msg_data(&msg) + 2, sizeof value);
    }
    bool more = zmq_msg_more(&msg);
    zmq_msg_close(&msg);
    while (more) {
        zmq_msg_init(&msg);
        more = zmq_msg_recv(&msg, self->monitor, 0) >= 0 && zmq_msg_more(&msg);
        zmq_msg_close(&msg);
    }
    *out = (event_t){.kind = event, .fd = (int)value};
    return true;
}

static bool closed_later(const event_t *events, size_t n, size_t i)
{
    for (size_t j = i + 1; j < n; j++)
        if (events[j].kind == ZMQ_EVENT_DISCONNECTED && events[j].fd == events[i].fd)
            return true;
    return false;
}

void hcbus_connections_update(hcbus_connections_t *self)
{
    event_t events[EVENTS_PER_BATCH];
    size_t n;
    do {
        for (n = 0; n < EVENTS_PER_BATCH && read_event(self, &events[n]); n++) {
        }
        for (size_t i = 0; i < n; i++) {
            if (events[i].kind == ZMQ_EVENT_ACCEPTED)
                accepted(self, events[i].fd, closed_later(events, n, i));
            else if (events[i].kind == ZMQ_EVENT_DISCONNECTED)
                disconnected(self, events[i].fd);
        }
    } while (n == EVENTS_PER_BATCH);
    if (self->refused_unlogged)
        log_refusals(self, hcbus_monotonic_ms(), false);
}

hcbus_conn_t *hcbus_connections_by_fd(hcbus_connections_t *self, int fd)
{
    hcbus_connections_update(self);
    if (fd < 0 || (size_t)fd >= self->capacity || !self->entries[fd].conn.serial)
        return NULL;
    return &self->entries[fd].conn;
}

int hcbus_connections_close(hcbus_connections_t *self, uint64_t serial)
{
    for (size_t i = 0; i < self->capacity; i++) {
        entry_t *e = &self->entries[i];
        if (e->conn.serial != serial)
            continue;
        if (!e->conn.closing && same_peer(e))
            shutdown(e->conn.fd, SHUT_RDWR);
        e->conn.closing = true;
        return 0;
    }
    return -1;
}

void hcbus_connections_each(hcbus_connections_t *self, void (*fn)(void *arg, hcbus_conn_t *conn), void *arg)
{
    hcbus_connections_update(self);
    for (size_t i = 0; i < self->capacity; i++)
        if (self->entries[i].conn.serial)
            fn(arg, &self->entries[i].conn);
}

size_t hcbus_connections_count(const hcbus_connections_t *self) { return self->live; }

uint64_t hcbus_connections_refused(const hcbus_connections_t *self) { return self->refused_total; }
