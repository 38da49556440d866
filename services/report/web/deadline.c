/* deadline.c — the whole-request deadline (deadline.h): the open connections in a
 * list under one mutex, each with the moment its current request began and whether it
 * is still receiving, and a watchdog thread that shuts down the sockets of those
 * receiving past report.request_deadline_s. The list holds a socket descriptor, a
 * moment and two flags per connection: never an address. */
#define _POSIX_C_SOURCE 200809L
#include "deadline.h"

#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

typedef enum conn_state {
    CONN_RECEIVING,                   /* its request's last byte has not come yet: watched */
    CONN_ANSWERING,                   /* the request is whole: answered, never cut */
    CONN_BETWEEN,                     /* kept alive after a response: idle (libmicrohttpd's
                                       * timeout) until a byte of the next request comes */
} conn_state_t;

typedef struct conn_entry {
    struct conn_entry *prev, *next;
    struct deadline *owner;
    int fd;
    uint64_t began_ms;                /* the current request's start (monotonic) */
    uint64_t bytes_mark;              /* CONN_BETWEEN: bytes received when the response ended */
    conn_state_t state;
    bool cut;                         /* shut down by the watchdog */
} conn_entry_t;

struct deadline {
    uint64_t deadline_ms;
    pthread_mutex_t lock;
    pthread_cond_t wake;              /* CLOCK_MONOTONIC */
    pthread_t thread;
    bool stopping;
    conn_entry_t *head;
    uint64_t cut;
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The bytes the kernel has received on fd (Linux's TCP_INFO, 4.1 and later), or false
 * when it cannot say. */
static bool bytes_received(int fd, uint64_t *bytes)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    memset(&ti, 0, sizeof ti);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
        len < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof ti.tcpi_bytes_received)
        return false;
    *bytes = ti.tcpi_bytes_received;
    return true;
}

/* Start the clock of kept-alive connections whose next request has begun, and cut
 * every connection still receiving past the deadline. Under the lock: a CLOSED
 * notification (which precedes libmicrohttpd's close of the descriptor) waits for it. */
static void cut_late(deadline_t *d, uint64_t now)
{
    for (conn_entry_t *e = d->head; e; e = e->next) {
        uint64_t bytes;
        if (e->state == CONN_BETWEEN && !e->cut && bytes_received(e->fd, &bytes) && bytes > e->bytes_mark) {
            e->state = CONN_RECEIVING;
            e->began_ms = now;
        }
        if (e->state != CONN_RECEIVING || e->cut || now - e->began_ms < d->deadline_ms)
            continue;
        e->cut = true;
        e->state = CONN_ANSWERING;
        (void)shutdown(e->fd, SHUT_RDWR);   /* ENOTCONN if the client left already: the same end */
        d->cut++;
    }
}

static void *watchdog(void *arg)
{
    deadline_t *d = arg;
    pthread_mutex_lock(&d->lock);
    while (!d->stopping) {
        cut_late(d, now_ms());
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += DEADLINE_TICK_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec += 1;
            until.tv_nsec -= 1000000000L;
        }
        while (!d->stopping && pthread_cond_timedwait(&d->wake, &d->lock, &until) != ETIMEDOUT) {
        }
    }
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

deadline_t *deadline_start(unsigned deadline_s, hcbus_error_t *err)
{
    deadline_t *d = calloc(1, sizeof *d);
    if (!d) {
        hcbus_error_set(err, HCBUS_ENOMEM, "http", "out of memory");
        return NULL;
    }
    d->deadline_ms = (uint64_t)deadline_s * 1000u;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->wake, &attr);
    pthread_condattr_destroy(&attr);
    int rc = pthread_create(&d->thread, NULL, watchdog, d);
    if (rc != 0) {
        pthread_cond_destroy(&d->wake);
        pthread_mutex_destroy(&d->lock);
        free(d);
        hcbus_error_set(err, HCBUS_EINTERNAL, "report.request_deadline_s",
                        "cannot start the request deadline's thread: %s", strerror(rc));
        return NULL;
    }
    return d;
}

static void track(deadline_t *d, struct MHD_Connection *c, void **socket_context)
{
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!info)
        return;   /* no socket to watch: libmicrohttpd has none either */
    int fd = (int)info->connect_fd;
    conn_entry_t *e = calloc(1, sizeof *e);
    if (!e) {
        (void)shutdown(fd, SHUT_RDWR);   /* fail closed: no connection without a deadline */
        return;
    }
    e->owner = d;
    e->fd = fd;
    e->state = CONN_RECEIVING;
    pthread_mutex_lock(&d->lock);
    e->began_ms = now_ms();
    e->next = d->head;
    if (d->head)
        d->head->prev = e;
    d->head = e;
    pthread_mutex_unlock(&d->lock);
    *socket_context = e;
}

static void forget(deadline_t *d, void **socket_context)
{
    conn_entry_t *e = *socket_context;
    if (!e)
        return;
    pthread_mutex_lock(&d->lock);
    if (e->prev)
        e->prev->next = e->next;
    else
        d->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    pthread_mutex_unlock(&d->lock);
    free(e);
    *socket_context = NULL;
}

void deadline_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                     enum MHD_ConnectionNotificationCode toe)
{
    deadline_t *d = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED)
        track(d, c, socket_context);
    else if (toe == MHD_CONNECTION_NOTIFY_CLOSED)
        forget(d, socket_context);
}

static conn_entry_t *entry_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

bool deadline_request_complete(struct MHD_Connection *c)
{
    conn_entry_t *e = entry_of(c);
    if (!e)
        return true;
    pthread_mutex_lock(&e->owner->lock);
    bool ok = !e->cut;
    e->state = CONN_ANSWERING;
    pthread_mutex_unlock(&e->owner->lock);
    return ok;
}

void deadline_request_done(struct MHD_Connection *c)
{
    conn_entry_t *e = entry_of(c);
    if (!e)
        return;
    pthread_mutex_lock(&e->owner->lock);
    if (!e->cut) {
        /* The next request's clock starts at its first byte (seen by the watchdog
         * within a tick); without TCP_INFO, now: the idle time then counts too. */
        if (bytes_received(e->fd, &e->bytes_mark)) {
            e->state = CONN_BETWEEN;
        } else {
            e->state = CONN_RECEIVING;
            e->began_ms = now_ms();
        }
    }
    pthread_mutex_unlock(&e->owner->lock);
}

uint64_t deadline_cut_count(const deadline_t *self)
{
    if (!self)
        return 0;
    deadline_t *d = (deadline_t *)self;
    pthread_mutex_lock(&d->lock);
    uint64_t n = d->cut;
    pthread_mutex_unlock(&d->lock);
    return n;
}

void deadline_stop(deadline_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    deadline_t *d = *self_p;
    pthread_mutex_lock(&d->lock);
    d->stopping = true;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
    pthread_join(d->thread, NULL);
    /* libmicrohttpd has stopped: every connection was forgotten; free any left. */
    while (d->head) {
        conn_entry_t *e = d->head;
        d->head = e->next;
        free(e);
    }
    pthread_cond_destroy(&d->wake);
    pthread_mutex_destroy(&d->lock);
    free(d);
    *self_p = NULL;
}
