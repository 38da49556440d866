/* html.h — a growing byte buffer for pages, with HTML escaping. On allocation failure
 * the buffer is marked failed and further writes are dropped (the web layer then
 * answers 500 with a fixed page): no caller checks every write. */
#ifndef HCBUS_REPORT_HTML_H
#define HCBUS_REPORT_HTML_H

#include <stdbool.h>
#include <stddef.h>

typedef struct report_buf {
    char *data;        /* NUL-terminated when len > 0 */
    size_t len, cap;
    bool failed;
} report_buf_t;

void buf_free(report_buf_t *b);
void buf_put(report_buf_t *b, const char *s);                      /* as is */
void buf_putn(report_buf_t *b, const char *s, size_t n);
void buf_printf(report_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_put_html(report_buf_t *b, const char *s);                 /* & < > " ' escaped */

#endif
