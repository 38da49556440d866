/* listen.h — an HTTP listening address as written in the configuration: "ADDR:PORT"
 * with ADDR a numeric IPv4 address or a bracketed IPv6 one ("127.0.0.1:9701",
 * "[::1]:9701"). Host names are refused: what a service binds must not depend on the
 * resolver. Used by the metrics endpoints (metrics_listen, docs/operations.md
 * "Monitoring") and hcbus-report's form; the parsing, and the one way a service opens
 * its listening TCP socket. */
#ifndef HCBUS_LISTEN_H
#define HCBUS_LISTEN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "hcbus/error.h"

#define HCBUS_LISTEN_MAX 64 /* "[IPv6]:port" and its NUL */

typedef struct hcbus_listen_addr {
    struct sockaddr_storage addr; /* AF_INET or AF_INET6, the port set */
    socklen_t len;
    bool any;                     /* 0.0.0.0 or [::]: every interface */
} hcbus_listen_addr_t;

/* Parse text into out. Returns 0, or -1 with err (HCBUS_EINVALID) saying what was wrong. */
int hcbus_listen_parse(const char *text, hcbus_listen_addr_t *out, hcbus_error_t *err);

/* A listening TCP socket on a: close-on-exec, non-blocking, SO_REUSEADDR, IPv6-only for
 * an IPv6 address, then bind and listen(backlog). Returns the descriptor, or -1 with
 * errno saying why (the caller names its setting in the error it reports). */
int hcbus_listen_socket(const hcbus_listen_addr_t *a, int backlog);

#endif
