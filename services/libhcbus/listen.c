/* listen.c — "ADDR:PORT" into a socket address (listen.h): numeric addresses only, the
 * port 1..65535; and the listening socket on one. */
#include "hcbus/listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hcbus/i18n.h"

static int parse_port(const char *text, uint16_t *port)
{
    if (!*text || strlen(text) > 5 || strspn(text, "0123456789") != strlen(text))
        return -1;
    long value = strtol(text, NULL, 10);
    if (value < 1 || value > 65535)
        return -1;
    *port = (uint16_t)value;
    return 0;
}

int hcbus_listen_parse(const char *text, hcbus_listen_addr_t *out, hcbus_error_t *err)
{
    char host[HCBUS_LISTEN_MAX];
    const char *colon;
    memset(out, 0, sizeof *out);
    if (!text || strlen(text) >= HCBUS_LISTEN_MAX) {
        hcbus_error_set(err, HCBUS_EINVALID, NULL, _("an address and port are at most %d bytes"), HCBUS_LISTEN_MAX - 1);
        return hcbus_error_hint(err, _("e.g. \"127.0.0.1:9701\" or \"[::1]:9701\""));
    }
    bool v6 = text[0] == '[';
    const char *end = v6 ? strchr(text, ']') : strrchr(text, ':');
    colon = v6 && end ? end + 1 : end;
    if (!end || !colon || *colon != ':' || (v6 ? end - text - 1 : end - text) <= 0) {
        hcbus_error_set(err, HCBUS_EINVALID, NULL, _("\"%s\" is not ADDRESS:PORT"), text);
        return hcbus_error_hint(err, _("e.g. \"127.0.0.1:9701\" or \"[::1]:9701\""));
    }
    size_t host_len = v6 ? (size_t)(end - text - 1) : (size_t)(end - text);
    memcpy(host, v6 ? text + 1 : text, host_len);
    host[host_len] = '\0';
    uint16_t port;
    if (parse_port(colon + 1, &port) != 0) {
        hcbus_error_set(err, HCBUS_EINVALID, NULL, _("\"%s\" has no port between 1 and 65535"), text);
        return hcbus_error_hint(err, _("e.g. \"127.0.0.1:9701\" or \"[::1]:9701\""));
    }
    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&out->addr;
        if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
            goto not_numeric;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        out->len = sizeof *a;
        out->any = IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&out->addr;
        if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
            goto not_numeric;
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        out->len = sizeof *a;
        out->any = a->sin_addr.s_addr == htonl(INADDR_ANY);
    }
    return 0;
not_numeric:
    hcbus_error_set(err, HCBUS_EINVALID, NULL, _("\"%s\" is not a numeric IPv4 address or a bracketed IPv6 one"),
                    host);
    return hcbus_error_hint(err, _("Host names are not accepted: e.g. \"127.0.0.1:9701\" or \"[::1]:9701\"."));
}

int hcbus_listen_socket(const hcbus_listen_addr_t *a, int backlog)
{
    int fd = socket(a->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int on = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        (a->addr.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0) ||
        bind(fd, (const struct sockaddr *)&a->addr, a->len) != 0 || listen(fd, backlog) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        errno = e;
        return -1;
    }
    return fd;
}
