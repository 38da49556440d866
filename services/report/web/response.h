/* response.h — what the web layer answers, before it becomes an HTTP response: a
 * status, a page (or the static stylesheet), and the few headers that vary. The headers
 * every response carries (Content-Security-Policy, Referrer-Policy, ...) are added by
 * http.c in one place; no response ever sets a cookie. */
#ifndef HCBUS_REPORT_WEB_RESPONSE_H
#define HCBUS_REPORT_WEB_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pages/html.h"
#include "report.h"

#define CONTENT_TYPE_HTML "text/html; charset=utf-8"
#define CONTENT_TYPE_CSS "text/css; charset=utf-8"

typedef struct web_response {
    unsigned status;              /* 200, 403, 404, 405, 413, 503, ... */
    report_lang_t lang;           /* Content-Language */
    report_buf_t page;            /* the page (owned), unless static_body is set */
    const char *static_body;      /* the stylesheet (static, never freed) */
    size_t static_len;
    const char *content_type;     /* CONTENT_TYPE_HTML or CONTENT_TYPE_CSS */
    bool cacheable;               /* the stylesheet only; everything else is no-store */
    bool close;                   /* close the connection after answering (413) */
    uint32_t retry_after_s;       /* 503: Retry-After, 0 = none */
    const char *allow;            /* 405: Allow */
} web_response_t;

/* Free what r holds (NULL-safe) and zero it. */
void web_response_free(web_response_t *r);

#endif
