/* sbuf.h — a growable byte buffer for what the writer sends (binary arrays, text[] literals).
 * Running out of memory is remembered and reported once, by sbuf_failed, so that the
 * many small appends need no checks of their own. */
#ifndef AUDITD_SBUF_H
#define AUDITD_SBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct sbuf {
    char *data;     /* NUL-terminated while !failed */
    size_t len;
    size_t cap;
    bool failed;    /* an allocation failed: the contents are incomplete */
} sbuf_t;

#define SBUF_INIT {NULL, 0, 0, false}

void sbuf_append(sbuf_t *b, const void *data, size_t len);
void sbuf_puts(sbuf_t *b, const char *s);
void sbuf_putc(sbuf_t *b, char c);
void sbuf_printf(sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_reset(sbuf_t *b);   /* empty, keeping the memory */
void sbuf_free(sbuf_t *b);    /* release the memory */
bool sbuf_failed(const sbuf_t *b);

#endif
