/* frame.h — internal: what every page shares: the document around it (lang, viewport,
 * the stylesheet, the language switch, the line of what is and is not kept), links
 * that keep the language, the hidden fields of every form, and errors shown at the
 * top and beside their field. */
#ifndef HCBUS_REPORT_FRAME_H
#define HCBUS_REPORT_FRAME_H

#include <stdbool.h>
#include <stddef.h>

#include "form.h"
#include "html.h"
#include "texts.h"

#define S(ctx, id) str((ctx)->lang, (id))

/* Open the document: title (escaped), and a language switch to switch_path in the
 * other language (NULL: no switch, for a page that would lose what it shows). */
void frame_begin(report_buf_t *out, const page_ctx_t *ctx, const char *title,
                 const char *switch_path);

/* The same, with the switch as a small POST form to action carrying the other
 * language, the token and the hidden field name=value (never in a URL): the
 * conversation page reopens in the other language without the receipt typed again. */
void frame_begin_post_switch(report_buf_t *out, const page_ctx_t *ctx, const char *title,
                             const char *action, const char *name, const char *value);
/* Close it: a link home and the line of what is kept. */
void frame_end(report_buf_t *out, const page_ctx_t *ctx);

/* path with ?lang=en when the page is in English (a link's href, escaped). */
void frame_href(report_buf_t *out, const page_ctx_t *ctx, const char *path);

/* The hidden fields lang and token of every form. */
void frame_hidden(report_buf_t *out, const page_ctx_t *ctx);

/* A hidden field name=value (value escaped). */
void frame_hidden_field(report_buf_t *out, const char *name, const char *value);

/* Template id of texts.h with its arguments escaped. */
void frame_fill(report_buf_t *out, const page_ctx_t *ctx, str_id_t id, const char *const *args,
                size_t n);

/* The list of every error at the top of a form, each a link to its field (#f-FIELD). */
void frame_error_summary(report_buf_t *out, const page_ctx_t *ctx, const form_error_t *errs,
                         size_t n);

/* bytes as megabytes with one decimal, in the page's way ("2,0" / "2.0"), into out. */
void frame_megabytes(const page_ctx_t *ctx, unsigned long bytes, char *out, size_t size);

/* A "YYYY-MM-DD" day in words ("1 de noviembre de 2026", "1 November 2026"); anything
 * else as it is (escaped). */
void frame_date(report_buf_t *out, const page_ctx_t *ctx, const char *ymd);

/* A place name of the catalogue (escaped), marked as Spanish on an English page. */
void frame_place(report_buf_t *out, const page_ctx_t *ctx, const char *name);

/* seconds as whole minutes, rounded up, in words ("1 minuto", "15 minutos"). */
void frame_minutes(const page_ctx_t *ctx, unsigned long seconds, char *out, size_t size);

/* True if some error names field. */
bool frame_has_error(const form_error_t *errs, size_t n, const char *field);

/* The errors of field, beside it, with id e-FIELD (then e-FIELD-2, ...). */
void frame_field_errors(report_buf_t *out, const page_ctx_t *ctx, const form_error_t *errs,
                        size_t n, const char *field);

/* The attributes of a control that may be in error: aria-describedby naming hint_id
 * (may be NULL) and e-FIELD when field has an error, and aria-invalid. */
void frame_describedby(report_buf_t *out, const form_error_t *errs, size_t n,
                       const char *field, const char *hint_id);

#endif
