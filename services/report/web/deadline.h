/* deadline.h — hcbus-report's whole-request deadline (report.request_deadline_s): a
 * request may take at most that long from its connection's accept (or, on a kept-alive
 * connection, from the first byte of the next request, as the kernel's TCP_INFO counts
 * bytes; libmicrohttpd 0.9.75 as used here closes each connection after its response,
 * so a second request does not arise today) to the last byte of its body. A
 * watchdog thread shuts down (shutdown(2), SHUT_RDWR) the socket of every connection
 * still receiving past it: libmicrohttpd's thread for it then sees the connection
 * closed, ends, and its slot of connection_limit is free again. libmicrohttpd's own
 * connection_timeout_s counts only idleness, so a client trickling a byte a second was
 * never cut without this. A connection whose request is complete (being answered, its
 * response being sent) is never cut by the deadline: cutting it could lose a receipt
 * already shown to nobody, and what it holds then is bounded by the response (pages
 * under 30 KB) and connection_timeout_s. Nothing here knows a client's address. */
#ifndef HCBUS_REPORT_WEB_DEADLINE_H
#define HCBUS_REPORT_WEB_DEADLINE_H

#include "hcbus/error.h"

#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>

/* How often the watchdog looks: a connection is cut at most this late. */
#define DEADLINE_TICK_MS 200

typedef struct deadline deadline_t;

/* Start the watchdog for requests of at most deadline_s seconds. NULL with err when
 * memory or a thread is lacking. */
deadline_t *deadline_start(unsigned deadline_s, hcbus_error_t *err);

/* libmicrohttpd's MHD_OPTION_NOTIFY_CONNECTION callback (cls = the deadline_t):
 * STARTED tracks the connection from now, CLOSED forgets it (before libmicrohttpd
 * closes the socket, so the watchdog never touches a reused descriptor). A connection
 * that cannot be tracked (out of memory) is shut down at once: never an unbounded one. */
void deadline_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                     enum MHD_ConnectionNotificationCode toe);

/* The request on c has all its bytes (headers, and body if any): from now on it is
 * answered, never cut. false if the watchdog has already cut it (then answer nothing:
 * the client will not read it, and a report must not be accepted unseen). */
bool deadline_request_complete(struct MHD_Connection *c);

/* The request on c was answered and its response sent: the connection may carry
 * another request, whose deadline counts from its first byte (meanwhile the
 * connection is idle, libmicrohttpd's connection_timeout_s cuts it). */
void deadline_request_done(struct MHD_Connection *c);

/* How many connections the watchdog has cut so far. */
uint64_t deadline_cut_count(const deadline_t *self);

/* Stop the watchdog (after libmicrohttpd's daemon has stopped), free, set *self_p to
 * NULL. NULL-safe. */
void deadline_stop(deadline_t **self_p);

#endif
