/* endpoint.c — the monitoring HTTP server (endpoint.h) on libmicrohttpd's internal
 * polling thread: one thread for every connection, non-blocking sockets, so a client
 * that is slow or never finishes holds a connection slot and nothing else. Signals are
 * blocked in that thread: SIGTERM and SIGHUP stay with the service's loop. */
#include "metrics/endpoint.h"

#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hcbus/i18n.h"
#include "hcbus/listen.h"
#include "hcbus/log.h"
#include "hcbus/version.h"

#define LISTEN_BACKLOG 32
#define LOG_LINE_MAX 200

struct metrics_endpoint {
    struct MHD_Daemon *daemon;
    char service[32];
    double started_s;              /* wall-clock start of the process (well, of the endpoint) */
    metrics_render_fn render;
    metrics_health_fn health;
    void *arg;
};

/* Only the format of libmicrohttpd's messages: their arguments may name a client. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    (void)ap;
    char line[LOG_LINE_MAX];
    snprintf(line, sizeof line, "%s", fmt ? fmt : "");
    line[strcspn(line, "\r\n")] = '\0';
    hcbus_debug("metrics endpoint: libmicrohttpd: %s", line);
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *content_type, char *body,
                                 size_t len, bool owned)
{
    struct MHD_Response *r = owned ? MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE)
                                   : MHD_create_response_from_buffer(len, body, MHD_RESPMEM_PERSISTENT);
    if (!r) {
        if (owned)
            free(body);
        return MHD_NO;
    }
    enum MHD_Result ok = MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    if (ok == MHD_YES)
        ok = MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (ok == MHD_YES && status == MHD_HTTP_METHOD_NOT_ALLOWED)
        ok = MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    if (ok == MHD_YES)
        ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result fixed(struct MHD_Connection *c, unsigned status, const char *body)
{
    return send_text(c, status, "text/plain; charset=utf-8", (char *)body, strlen(body), false);
}

static void render_common(const metrics_endpoint_t *self, metrics_text_t *t)
{
    const char *build[] = {"service", self->service, "version", hcbus_version(), NULL};
    metrics_text_family(t, "hcbus_build_info", "gauge", "Always 1; the service and the hcbus version it runs.");
    metrics_text_u64(t, "hcbus_build_info", build, 1);
    metrics_text_family(t, "hcbus_process_start_time_seconds", "gauge",
                        "When the service started, in seconds since the Unix epoch.");
    metrics_text_double(t, "hcbus_process_start_time_seconds", NULL, self->started_s);
}

static enum MHD_Result answer_metrics(metrics_endpoint_t *self, struct MHD_Connection *c)
{
    metrics_text_t t = {0};
    render_common(self, &t);
    self->render(self->arg, &t);
    if (t.failed || !t.data) {
        metrics_text_free(&t);
        return fixed(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "error: out of memory writing the metrics\n");
    }
    return send_text(c, MHD_HTTP_OK, METRICS_CONTENT_TYPE, t.data, t.len, true); /* MHD frees t.data */
}

/* 200 "ok"; 200 with the service's word when it is healthy in a named way ("standby":
 * the passive one of a pair); else 503 "unavailable: REASON". */
static enum MHD_Result answer_health(metrics_endpoint_t *self, struct MHD_Connection *c)
{
    char reason[METRICS_REASON_MAX] = "";
    bool healthy = self->health(self->arg, reason, sizeof reason);
    if (healthy && !reason[0])
        return fixed(c, MHD_HTTP_OK, "ok\n");
    char *body = malloc(METRICS_REASON_MAX + 32);
    if (!body)
        return fixed(c, healthy ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, healthy ? "ok\n" : "unavailable\n");
    int n = healthy ? snprintf(body, METRICS_REASON_MAX + 32, "%s\n", reason)
                    : snprintf(body, METRICS_REASON_MAX + 32, "unavailable: %s\n", reason);
    return send_text(c, healthy ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", body,
                     (size_t)n, true);
}

/* The first call for a request comes with its headers: another method is answered
 * 405 there; a GET is answered at the second call, and a GET with a body (there
 * should be none) is closed unanswered. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_size, void **state)
{
    (void)version;
    (void)upload_data;
    metrics_endpoint_t *self = cls;
    static int seen;
    /* Another method is refused at once, its body never read (the connection closes). */
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return fixed(c, MHD_HTTP_METHOD_NOT_ALLOWED, "error: only GET\n");
    if (*state == NULL) {
        *state = &seen; /* answer at the second call, once the headers are complete */
        return MHD_YES;
    }
    if (*upload_size != 0)
        return MHD_NO; /* a GET with a body: closed without an answer */
    if (strcmp(url, "/metrics") == 0)
        return answer_metrics(self, c);
    if (strcmp(url, "/healthz") == 0)
        return answer_health(self, c);
    return fixed(c, MHD_HTTP_NOT_FOUND, "error: not found (GET /metrics or /healthz)\n");
}

static int listen_socket(const hcbus_listen_addr_t *a, const char *address, const char *setting, hcbus_error_t *err)
{
    int fd = hcbus_listen_socket(a, LISTEN_BACKLOG);
    if (fd < 0) {
        hcbus_error_set(err, HCBUS_EIO, setting, _("cannot listen on %s for the metrics endpoint: %s"), address,
                        strerror(errno));
        hcbus_error_hint(err, _("Choose a free port in %s (another program listens there?), or \"off\"."), setting);
    }
    return fd;
}

metrics_endpoint_t *metrics_endpoint_start(const char *address, const char *setting, const char *service,
                                           metrics_render_fn render, metrics_health_fn health, void *arg,
                                           hcbus_error_t *err)
{
    hcbus_listen_addr_t addr;
    if (hcbus_listen_parse(address, &addr, err) != 0) {
        snprintf(err->field, sizeof err->field, "%s", setting);
        return NULL;
    }
    metrics_endpoint_t *self = calloc(1, sizeof *self);
    if (!self) {
        hcbus_error_set(err, HCBUS_ENOMEM, setting, "out of memory");
        return NULL;
    }
    snprintf(self->service, sizeof self->service, "%s", service);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    self->started_s = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
    self->render = render;
    self->health = health;
    self->arg = arg;
    int fd = listen_socket(&addr, address, setting, err);
    if (fd < 0) {
        free(self);
        return NULL;
    }
    /* The daemon's thread inherits this mask: signals stay with the service's loop. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG |
                     (addr.addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    self->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, self,
                                    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, self,
                                    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
                                    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_CONNECTIONS_MAX,
                                    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)METRICS_CONNECTION_TIMEOUT_S,
                                    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)METRICS_CONNECTION_MEMORY_BYTES,
                                    MHD_OPTION_END);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!self->daemon) {
        close(fd);
        free(self);
        hcbus_error_set(err, HCBUS_EINTERNAL, setting, _("libmicrohttpd could not start the metrics endpoint"));
        return NULL;
    }
    hcbus_info(_("metrics endpoint: http://%s/metrics and /healthz"), address);
    return self;
}

void metrics_endpoint_stop(metrics_endpoint_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    MHD_stop_daemon((*self_p)->daemon);
    free(*self_p);
    *self_p = NULL;
}

int metrics_endpoint_configure(const char *address, bool given, const char *setting, const char *service,
                               metrics_render_fn render, metrics_health_fn health, void *arg,
                               metrics_endpoint_t **ep, hcbus_error_t *err)
{
    *ep = NULL;
    if (!address[0]) {
        hcbus_info(_("metrics endpoint off (%s = \"off\")"), setting);
        return 0;
    }
    hcbus_error_t why = {0};
    *ep = metrics_endpoint_start(address, setting, service, render, health, arg, &why);
    if (*ep)
        return 0;
    if (given) {
        *err = why;
        return -1;
    }
    char text[HCBUS_ERROR_MESSAGE_MAX + HCBUS_ERROR_HINT_MAX + 8];
    hcbus_warning(_("running without metrics: the default %s = \"%s\" could not be used (%s)"), setting, address,
                  hcbus_error_format(&why, text, sizeof text));
    return 0;
}
