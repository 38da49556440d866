/* html.c — the growing byte buffer pages are written into, and HTML escaping. A failed
 * allocation marks the buffer failed and drops every later write, so page code never
 * checks each write; the web layer looks at `failed` once. */
#include "html.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_FIRST_CAP 4096

void buf_free(report_buf_t *b)
{
    if (!b)
        return;
    if (b->data)
        explicit_bzero(b->data, b->cap);
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* Room for n more bytes and a NUL; false (and the buffer failed) if none. */
static bool reserve(report_buf_t *b, size_t n)
{
    if (b->failed)
        return false;
    if (n > SIZE_MAX / 2 - b->len - 1) {
        b->failed = true;
        return false;
    }
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : BUF_FIRST_CAP;
    while (cap < need)
        cap *= 2;
    /* Not realloc: the old block may hold a receipt or what a reporter typed, and
     * realloc would leave it in freed memory. Copy, wipe, free. */
    char *data = malloc(cap);
    if (!data) {
        b->failed = true;
        return false;
    }
    if (b->data) {
        memcpy(data, b->data, b->len);
        data[b->len] = '\0';
        explicit_bzero(b->data, b->cap);
        free(b->data);
    }
    b->data = data;
    b->cap = cap;
    return true;
}

void buf_putn(report_buf_t *b, const char *s, size_t n)
{
    if (!b || !s || n == 0 || !reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_put(report_buf_t *b, const char *s)
{
    if (s)
        buf_putn(b, s, strlen(s));
}

void buf_printf(report_buf_t *b, const char *fmt, ...)
{
    if (!b || b->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if (n == 0 || !reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void buf_put_html(report_buf_t *b, const char *s)
{
    if (!s)
        return;
    const char *run = s;
    for (const char *p = s; *p; p++) {
        const char *esc = NULL;
        switch (*p) {
        case '&': esc = "&amp;"; break;
        case '<': esc = "&lt;"; break;
        case '>': esc = "&gt;"; break;
        case '"': esc = "&quot;"; break;
        case '\'': esc = "&#39;"; break;
        default: continue;
        }
        buf_putn(b, run, (size_t)(p - run));
        buf_put(b, esc);
        run = p + 1;
    }
    buf_put(b, run);
}
