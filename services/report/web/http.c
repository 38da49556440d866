/* http.c — libmicrohttpd for hcbus-report (http.h): the listening socket, the daemon
 * and its limits, reading a request (its body through the post processor into
 * form_body.h, within max_request_bytes), handing it to routes.h, and turning the
 * answer into an HTTP response with the headers every response carries; each
 * request within report.request_deadline_s (deadline.h). Nothing here looks at the
 * client's address or headers other than Content-Length. */
#define _POSIX_C_SOURCE 200809L
#include "http.h"

#include "deadline.h"
#include "form_body.h"

#include "hcbus/listen.h"
#include "hcbus/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LISTEN_BACKLOG 128
#define BUSY_RETRY_S 10
#define LOG_LINE_MAX 200

/* The headers of every response (docs/report.md): nothing from elsewhere, no referrer,
 * no sniffing, no framing. Cache-Control, Content-Language and Content-Type vary. */
#define HEADER_CSP                                                                                        \
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "        \
    "frame-ancestors 'none'"
#define CACHE_PAGE "no-store"
#define CACHE_STYLESHEET "public, max-age=86400"

struct http_server {
    struct MHD_Daemon *daemon;
    deadline_t *deadline;             /* cuts requests still arriving past request_deadline_s */
    routes_t *routes;
    const hcbus_report_config_t *rc;
    unsigned port;
    atomic_bool running;              /* libmicrohttpd's messages after start are debug */
    pthread_mutex_t lock;
    size_t bodies_bytes;              /* reserved by the bodies being received */
    size_t bodies_max;
};

typedef struct request {
    route_t route;
    const char *allow;
    report_lang_t query_lang;
    bool answered;
    bool aborted;                     /* the connection is to be closed without an answer */
    size_t reserved;                  /* of bodies_bytes */
    uint64_t received;                /* body bytes */
    bool too_large;
    struct MHD_PostProcessor *pp;
    form_body_t form;
} request_t;

/* --- libmicrohttpd's messages ------------------------------------------------------ */

/* Its messages may name a client's address in their arguments: only the format is
 * printed, its conversions left unexpanded ("Error processing request from %s"). */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)ap;
    const http_server_t *s = cls;
    char line[LOG_LINE_MAX];
    snprintf(line, sizeof line, "%s", fmt ? fmt : "");
    line[strcspn(line, "\r\n")] = '\0';
    hcbus_log(atomic_load(&s->running) ? HCBUS_LOG_DEBUG : HCBUS_LOG_WARNING, "libmicrohttpd: %s", line);
}

/* --- the bodies' memory ------------------------------------------------------------ */

static bool bodies_reserve(http_server_t *s, request_t *req, size_t bytes)
{
    pthread_mutex_lock(&s->lock);
    bool ok = s->bodies_bytes + bytes <= s->bodies_max;
    if (ok)
        s->bodies_bytes += bytes;
    pthread_mutex_unlock(&s->lock);
    if (ok)
        req->reserved += bytes;
    return ok;
}

static void bodies_release(http_server_t *s, request_t *req)
{
    pthread_mutex_lock(&s->lock);
    s->bodies_bytes -= req->reserved;
    pthread_mutex_unlock(&s->lock);
    req->reserved = 0;
}

/* --- answers ------------------------------------------------------------------------ */

static bool add_headers(struct MHD_Response *resp, const web_response_t *r)
{
    char retry[16];
    snprintf(retry, sizeof retry, "%u", (unsigned)r->retry_after_s);
    bool ok = MHD_add_response_header(resp, "Content-Security-Policy", HEADER_CSP) == MHD_YES &&
              MHD_add_response_header(resp, "Referrer-Policy", "no-referrer") == MHD_YES &&
              MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") == MHD_YES &&
              MHD_add_response_header(resp, "X-Frame-Options", "DENY") == MHD_YES &&
              MHD_add_response_header(resp, "Cache-Control", r->cacheable ? CACHE_STYLESHEET : CACHE_PAGE) ==
                  MHD_YES &&
              MHD_add_response_header(resp, "Content-Language", r->lang == REPORT_LANG_EN ? "en" : "es-SV") ==
                  MHD_YES &&
              MHD_add_response_header(resp, "Content-Type", r->content_type ? r->content_type : CONTENT_TYPE_HTML) ==
                  MHD_YES;
    if (ok && r->retry_after_s)
        ok = MHD_add_response_header(resp, "Retry-After", retry) == MHD_YES;
    if (ok && r->allow)
        ok = MHD_add_response_header(resp, "Allow", r->allow) == MHD_YES;
    if (ok && r->close)
        ok = MHD_add_response_header(resp, "Connection", "close") == MHD_YES;
    return ok;
}

/* When a page could not be written (out of memory): a fixed one. */
static const char internal_page[] =
    "<!DOCTYPE html><html lang=\"es\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
    "content=\"width=device-width, initial-scale=1\"><title>Error</title></head><body><h1>Error interno</h1>"
    "<p>No se envió nada. Intente de nuevo más tarde.</p><p lang=\"en\">Internal error: nothing was sent. "
    "Please try again later.</p></body></html>";

/* libmicrohttpd's free for a page it has sent: pages may show a receipt or what the
 * reporter typed, so the bytes are wiped first (a page is NUL-terminated text). */
static void wipe_page(void *page)
{
    explicit_bzero(page, strlen(page));
    free(page);
}

static enum MHD_Result answer(struct MHD_Connection *c, request_t *req, web_response_t *r)
{
    struct MHD_Response *resp;
    if (!deadline_request_complete(c)) {   /* cut: nobody would read it */
        web_response_free(r);
        return MHD_NO;
    }
    if (r->static_body) {
        resp = MHD_create_response_from_buffer(r->static_len, (void *)r->static_body, MHD_RESPMEM_PERSISTENT);
    } else if (!r->page.failed && r->page.data) {
        resp = MHD_create_response_from_buffer_with_free_callback(r->page.len, r->page.data, wipe_page);
        if (resp)
            r->page = (report_buf_t){0};   /* libmicrohttpd frees it */
    } else {
        buf_free(&r->page);
        web_response_t fixed = {.status = 500, .lang = REPORT_LANG_ES, .content_type = CONTENT_TYPE_HTML};
        *r = fixed;
        resp = MHD_create_response_from_buffer(sizeof internal_page - 1, (void *)internal_page,
                                               MHD_RESPMEM_PERSISTENT);
    }
    if (!resp || !add_headers(resp, r)) {
        if (resp)
            MHD_destroy_response(resp);
        web_response_free(r);
        return MHD_NO;
    }
    enum MHD_Result rc = MHD_queue_response(c, r->status, resp);
    MHD_destroy_response(resp);
    web_response_free(r);
    req->answered = true;
    return rc;
}

static enum MHD_Result answer_problem(http_server_t *s, struct MHD_Connection *c, request_t *req,
                                      page_problem_t what, uint32_t retry_after_s)
{
    web_response_t r = {0};
    routes_problem(s->routes, what, req->query_lang, retry_after_s, &r);
    return answer(c, req, &r);
}

/* --- the body ----------------------------------------------------------------------- */

static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
                               const char *content_type, const char *transfer_encoding, const char *data,
                               uint64_t off, size_t size)
{
    (void)kind;
    (void)content_type;
    (void)transfer_encoding;
    request_t *req = cls;
    return form_body_add(&req->form, key, filename != NULL, data, off, size) == 0 ? MHD_YES : MHD_NO;
}

/* A POST to a form route, before its body: refuse a declared length over
 * max_request_bytes (413, the body unread: libmicrohttpd then closes the connection)
 * and set up the post processor. Memory is reserved as the body arrives (body_chunk),
 * never for what a client only declares: a few slow clients announcing large bodies
 * would otherwise hold the whole pool and turn every other POST away. */
static enum MHD_Result begin_body(http_server_t *s, struct MHD_Connection *c, request_t *req)
{
    const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length) {
        char *end = NULL;
        errno = 0;
        unsigned long long n = strtoull(length, &end, 10);
        if (errno != 0 || end == length || *end != '\0' || n > s->rc->max_request_bytes)
            return answer_problem(s, c, req, PAGE_PROBLEM_TOO_LARGE, 0);
    }
    form_body_init(&req->form, s->rc->max_photo_bytes);
    req->pp = MHD_create_post_processor(c, HTTP_POST_BUFFER_BYTES, on_part, req);
    if (!req->pp)   /* neither URL-encoded nor multipart (with a boundary) */
        return answer_problem(s, c, req, PAGE_PROBLEM_BAD_REQUEST, 0);
    return MHD_YES;
}

/* A chunk of the body. Over max_request_bytes (a body without a declared length), the
 * rest is read and dropped up to as much again, then the connection is closed. */
static void body_chunk(http_server_t *s, request_t *req, const char *data, size_t size)
{
    req->received += size;
    if (req->received > s->rc->max_request_bytes) {
        req->too_large = true;
        if (req->received > 2ull * s->rc->max_request_bytes)
            req->aborted = true;
        return;
    }
    if (req->form.refused)
        return;
    if (!bodies_reserve(s, req, size)) {   /* the bodies' memory is full: read and drop the rest */
        req->form.refused = true;
        req->form.refusal = PAGE_PROBLEM_BUSY;
        return;
    }
    if (MHD_post_process(req->pp, data, size) != MHD_YES && !req->form.refused) {
        req->form.refused = true;
        req->form.refusal = PAGE_PROBLEM_BAD_REQUEST;
    }
}

static enum MHD_Result end_body(http_server_t *s, struct MHD_Connection *c, request_t *req)
{
    /* Cut by the deadline as its last byte came: answer nothing, accept nothing (a
     * report nobody sees the receipt of must not be queued). */
    if (!deadline_request_complete(c))
        return MHD_NO;
    /* Destroying the processor delivers the last field. */
    MHD_destroy_post_processor(req->pp);
    req->pp = NULL;
    if (req->too_large)
        return answer_problem(s, c, req, PAGE_PROBLEM_TOO_LARGE, 0);
    if (req->form.refused)
        return answer_problem(s, c, req, req->form.refusal,
                              req->form.refusal == PAGE_PROBLEM_BUSY ? BUSY_RETRY_S : 0);
    report_form_input_t in = form_body_input(&req->form);
    web_response_t r = {0};
    routes_post(s->routes, req->route, &in, req->query_lang, &r);
    return answer(c, req, &r);
}

/* --- the request -------------------------------------------------------------------- */

static report_lang_t query_lang(struct MHD_Connection *c)
{
    const char *lang = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");
    return lang && strcmp(lang, "en") == 0 ? REPORT_LANG_EN : REPORT_LANG_ES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    http_server_t *s = cls;
    request_t *req = *con_cls;
    if (!req) {
        req = calloc(1, sizeof *req);
        if (!req)
            return MHD_NO;
        *con_cls = req;
        req->query_lang = query_lang(c);
        req->route = routes_find(method, url, &req->allow);
        if (routes_takes_form(req->route))
            return begin_body(s, c, req);
        if (!deadline_request_complete(c))
            return MHD_NO;
        web_response_t r = {0};
        routes_get(s->routes, req->route, req->query_lang, &r);
        if (req->route == ROUTE_BAD_METHOD)
            r.allow = req->allow;
        return answer(c, req, &r);
    }
    if (req->answered) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        body_chunk(s, req, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return req->aborted ? MHD_NO : MHD_YES;
    }
    return end_body(s, c, req);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    http_server_t *s = cls;
    request_t *req = *con_cls;
    /* Answered and sent: a next request on this connection has its own deadline. */
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        deadline_request_done(c);
    if (!req)
        return;
    if (req->pp)
        MHD_destroy_post_processor(req->pp);
    form_body_free(&req->form);
    bodies_release(s, req);
    free(req);
    *con_cls = NULL;
}

/* --- the listening socket and the daemon -------------------------------------------- */

/* Bind it ourselves: the error then names the reason (address in use, permission). */
static int listen_socket(const hcbus_report_config_t *rc, bool *v6, hcbus_error_t *err)
{
    hcbus_listen_addr_t a;
    memset(&a, 0, sizeof a);
    struct sockaddr_in *in4 = (struct sockaddr_in *)&a.addr;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a.addr;
    if (inet_pton(AF_INET, rc->listen_address, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)rc->listen_port);
        a.len = sizeof *in4;
        *v6 = false;
    } else if (inet_pton(AF_INET6, rc->listen_address, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)rc->listen_port);
        a.len = sizeof *in6;
        *v6 = true;
    } else {
        return hcbus_error_set(err, HCBUS_ECONFIG, "report.listen_address", "\"%s\" is not an IP address",
                               rc->listen_address);
    }
    int fd = hcbus_listen_socket(&a, LISTEN_BACKLOG);
    if (fd < 0) {
        hcbus_error_set(err, HCBUS_EIO, "report.listen_address", "cannot listen on %s%s%s:%u: %s", *v6 ? "[" : "",
                        rc->listen_address, *v6 ? "]" : "", (unsigned)rc->listen_port, strerror(errno));
        return hcbus_error_hint(err, "choose a free report.listen_port (another program listens there?)");
    }
    return fd;
}

http_server_t *http_start(const hcbus_config_t *cfg, routes_t *routes, hcbus_error_t *err)
{
    http_server_t *s = calloc(1, sizeof *s);
    if (!s) {
        hcbus_error_set(err, HCBUS_ENOMEM, "http", "out of memory");
        return NULL;
    }
    s->routes = routes;
    s->rc = &cfg->report;
    s->port = cfg->report.listen_port;
    s->bodies_max = (size_t)HTTP_BODIES_IN_MEMORY * cfg->report.max_request_bytes;
    atomic_init(&s->running, false);
    pthread_mutex_init(&s->lock, NULL);
    bool v6 = false;
    s->deadline = deadline_start(s->rc->request_deadline_s, err);
    int fd = s->deadline ? listen_socket(s->rc, &v6, err) : -1;
    if (fd < 0) {
        deadline_stop(&s->deadline);
        pthread_mutex_destroy(&s->lock);
        free(s);
        return NULL;
    }
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
                     (v6 ? MHD_USE_IPv6 : 0);
    /* The logger first: libmicrohttpd would print what the options before it say. */
    s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
                                 MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
                                 MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned int)s->rc->connection_limit,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)s->rc->connection_timeout_s,
                                 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONNECTION_MEMORY_BYTES,
                                 MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                                 MHD_OPTION_NOTIFY_CONNECTION, deadline_notify, s->deadline,
                                 MHD_OPTION_END);
    if (!s->daemon) {
        close(fd);
        deadline_stop(&s->deadline);
        pthread_mutex_destroy(&s->lock);
        free(s);
        hcbus_error_set(err, HCBUS_EINTERNAL, "http", "libmicrohttpd could not start its daemon");
        hcbus_error_hint(err, "the log's libmicrohttpd line says why");
        return NULL;
    }
    atomic_store(&s->running, true);
    return s;
}

unsigned http_port(const http_server_t *self)
{
    return self ? self->port : 0;
}

void http_stop(http_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    http_server_t *s = *self_p;
    MHD_stop_daemon(s->daemon);
    /* A count, never a moment or an address: how many requests the deadline cut. */
    uint64_t cut = deadline_cut_count(s->deadline);
    if (cut > 0)
        hcbus_log(HCBUS_LOG_INFO, "%llu conexiones cortadas: su petición no llegó entera en %u s "
                                  "(report.request_deadline_s)",
                  (unsigned long long)cut, (unsigned)s->rc->request_deadline_s);
    deadline_stop(&s->deadline);
    pthread_mutex_destroy(&s->lock);
    free(s);
    *self_p = NULL;
}
