/* http.h — hcbus-report's HTTP server (GNU libmicrohttpd): a thread per connection
 * (a slow client holds only its own thread), at most connection_limit connections,
 * idle ones closed after connection_timeout_s, a request still arriving after
 * request_deadline_s cut (deadline.h), a bounded memory pool per connection,
 * request bodies within max_request_bytes, and every answer from routes.h with the
 * headers of docs/report.md "Limits, refusals and errors". libmicrohttpd's own messages
 * go through a logger that never prints a client's address. */
#ifndef HCBUS_REPORT_WEB_HTTP_H
#define HCBUS_REPORT_WEB_HTTP_H

#include "hcbus/config.h"
#include "hcbus/error.h"
#include "routes.h"

/* Per connection: libmicrohttpd's pool (the request line, headers and the post
 * processor's buffer). A request whose headers do not fit is answered by
 * libmicrohttpd itself (431 or 413) and closed. */
#define HTTP_CONNECTION_MEMORY_BYTES (64 * 1024)
/* The post processor's buffer (field names and URL-encoded chunks). */
#define HTTP_POST_BUFFER_BYTES 8192
/* All request bodies being received together may hold at most this many times
 * max_request_bytes; a request that would go over gets the busy page. */
#define HTTP_BODIES_IN_MEMORY 4

typedef struct http_server http_server_t;

/* Listen on cfg->report.listen_address:listen_port and answer with routes (borrowed;
 * it must outlive the server). Returns the server, or NULL with err (the address and
 * the reason: in use, permission). */
http_server_t *http_start(const hcbus_config_t *cfg, routes_t *routes, hcbus_error_t *err);

/* The port listened on (the configured one). */
unsigned http_port(const http_server_t *self);

/* Stop listening, close every connection (waiting for the requests being answered),
 * free, set *self_p to NULL. NULL-safe. */
void http_stop(http_server_t **self_p);

#endif
