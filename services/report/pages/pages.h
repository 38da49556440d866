/* pages.h — every page of hcbus-report as HTML written into a buffer: small (under 30 KB),
 * no script, one stylesheet from the same origin, labels on every control, readable on a
 * small phone, Spanish or English. Pages know nothing of HTTP: the web layer picks the
 * status and headers. */
#ifndef HCBUS_REPORT_PAGES_H
#define HCBUS_REPORT_PAGES_H

#include <stddef.h>

#include "form.h"
#include "html.h"
#include "report.h"

/* GET /: what this is, what is and is not kept, two ways in (report, receipt). */
void page_home(report_buf_t *out, const page_ctx_t *ctx);

/* GET /reporte: step 1, where (department, a place name, or only the department).
 * error: NULL, or a message to show above the form. */
void page_where(report_buf_t *out, const page_ctx_t *ctx, const form_values_t *v,
                const char *error);

/* POST /reporte/lugar and a refused POST /reporte/enviar: the places found (radio
 * buttons, plus "only the department") and the rest of the report. errs: every error of
 * the last submission, shown together at the top and beside each field. */
void page_details(report_buf_t *out, const page_ctx_t *ctx, const form_values_t *v,
                  const char *const *zone_ids, size_t zone_count, const form_error_t *errs,
                  size_t error_count);

/* After POST /reporte/enviar: the receipt, how to keep it, when the report will arrive
 * (within release_delay_max_s), what a receipt lets anyone do. */
void page_sent(report_buf_t *out, const page_ctx_t *ctx, const char *receipt);

/* GET /recibo, and a receipt that opens nothing: the receipt field. */
void page_receipt_entry(report_buf_t *out, const page_ctx_t *ctx, const char *error);

/* POST /recibo and /recibo/responder: the report (place, act, day, photos), the
 * facilitators' questions and answers, a form for each unanswered question (the receipt
 * travels in a hidden field; the page is never cached). notice: NULL or "answer saved";
 * error: NULL or what was wrong with the last answer. */
void page_thread(report_buf_t *out, const page_ctx_t *ctx, const char *receipt,
                 const report_thread_t *t, const char *notice, const form_error_t *error);

typedef enum {
    PAGE_PROBLEM_BUSY,          /* 503: the queue or the budget is full; nothing was sent */
    PAGE_PROBLEM_EXPIRED,       /* 403: the form token is missing or too old; nothing was sent */
    PAGE_PROBLEM_TOO_LARGE,     /* 413: request or photo over its limit; nothing was sent */
    PAGE_PROBLEM_NOT_FOUND,     /* 404 */
    PAGE_PROBLEM_METHOD,        /* 405 */
    PAGE_PROBLEM_BAD_REQUEST,   /* 400: not a form this service understands */
    PAGE_PROBLEM_UNAVAILABLE,   /* 503: the database or the bus is not reachable now */
    PAGE_PROBLEM_INTERNAL,      /* 500 */
} page_problem_t;

/* A page saying what went wrong, whether anything was sent, and what to do. */
void page_problem(report_buf_t *out, const page_ctx_t *ctx, page_problem_t what);

/* GET /estilo.css: the one stylesheet (static; *len set). */
const char *page_stylesheet(size_t *len);

#endif
