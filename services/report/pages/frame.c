/* frame.c — the frame of every page: <html lang>, the viewport, one stylesheet from
 * the same origin and no script; the language switch as a plain link (?lang=en /
 * ?lang=es), or a small POST form where a link would lose what the page shows; the short line of what is and is not kept; errors at the top of a form
 * (linked to their fields) and beside each field (aria-describedby). */
#include "frame.h"

#include <stdio.h>
#include <string.h>

#include "day.h"

void frame_href(report_buf_t *out, const page_ctx_t *ctx, const char *path)
{
    buf_put_html(out, path);
    if (ctx->lang == REPORT_LANG_EN)
        buf_put(out, strchr(path, '?') ? "&amp;lang=en" : "?lang=en");
}

/* The document's head and the header's first line (everything before the switch). */
static void begin_head(report_buf_t *out, const page_ctx_t *ctx, const char *title)
{
    buf_put(out, "<!DOCTYPE html>\n<html lang=\"");
    buf_put(out, S(ctx, S_HTML_LANG));
    buf_put(out, "\"><head><meta charset=\"utf-8\">"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                 "<meta name=\"referrer\" content=\"no-referrer\"><title>");
    buf_put_html(out, title);
    buf_put(out, " · ");
    buf_put(out, S(ctx, S_SITE_NAME));
    buf_put(out, "</title><link rel=\"stylesheet\" href=\"/estilo.css\"></head>\n<body>"
                 "<header><p class=\"sitio\">");
    buf_put(out, S(ctx, S_SITE_NAME));
    buf_put(out, "</p>");
}

/* The header's end: the line of what is kept. */
static void end_head(report_buf_t *out, const page_ctx_t *ctx)
{
    buf_put(out, "<p class=\"guardado\">");
    buf_put(out, S(ctx, S_KEPT_LINE));
    buf_put(out, "</p></header>\n<main>");
}

void frame_begin(report_buf_t *out, const page_ctx_t *ctx, const char *title,
                 const char *switch_path)
{
    begin_head(out, ctx, title);
    if (switch_path) {
        const char *code = S(ctx, S_LANG_OTHER_CODE);
        buf_put(out, "<p class=\"idioma\"><a href=\"");
        buf_put_html(out, switch_path);
        buf_put(out, "?lang=");
        buf_put(out, code);
        buf_put(out, "\" hreflang=\"");
        buf_put(out, code);
        buf_put(out, "\" lang=\"");
        buf_put(out, code);
        buf_put(out, "\">");
        buf_put(out, S(ctx, S_LANG_OTHER_NAME));
        buf_put(out, "</a></p>");
    }
    end_head(out, ctx);
}

void frame_begin_post_switch(report_buf_t *out, const page_ctx_t *ctx, const char *title,
                             const char *action, const char *name, const char *value)
{
    const char *code = S(ctx, S_LANG_OTHER_CODE);
    begin_head(out, ctx, title);
    buf_put(out, "<form class=\"idioma\" method=\"post\" autocomplete=\"off\" action=\"");
    buf_put_html(out, action);
    buf_put(out, "\">");
    frame_hidden_field(out, "lang", code);
    frame_hidden_field(out, "token", ctx->token);
    frame_hidden_field(out, name, value);
    buf_put(out, "<button type=\"submit\" class=\"enlace\" lang=\"");
    buf_put(out, code);
    buf_put(out, "\">");
    buf_put(out, S(ctx, S_LANG_OTHER_NAME));
    buf_put(out, "</button></form>");
    end_head(out, ctx);
}

void frame_end(report_buf_t *out, const page_ctx_t *ctx)
{
    buf_put(out, "</main>\n<footer><p><a href=\"");
    frame_href(out, ctx, "/");
    buf_put(out, "\">");
    buf_put(out, S(ctx, S_HOME_LINK));
    buf_put(out, "</a></p></footer></body></html>\n");
}

void frame_hidden_field(report_buf_t *out, const char *name, const char *value)
{
    buf_put(out, "<input type=\"hidden\" name=\"");
    buf_put_html(out, name);
    buf_put(out, "\" value=\"");
    buf_put_html(out, value ? value : "");
    buf_put(out, "\">");
}

void frame_hidden(report_buf_t *out, const page_ctx_t *ctx)
{
    frame_hidden_field(out, "lang", ctx->lang == REPORT_LANG_EN ? "en" : "es");
    frame_hidden_field(out, "token", ctx->token);
}

void frame_fill(report_buf_t *out, const page_ctx_t *ctx, str_id_t id, const char *const *args,
                size_t n)
{
    str_format(out, S(ctx, id), args, n, true);
}

void frame_megabytes(const page_ctx_t *ctx, unsigned long bytes, char *out, size_t size)
{
    const unsigned long mb = 1048576ul;
    unsigned long tenths = (bytes % mb * 10ul + mb / 2) / mb;
    unsigned long whole = bytes / mb + tenths / 10;
    snprintf(out, size, "%lu%c%lu", whole, ctx->lang == REPORT_LANG_ES ? ',' : '.', tenths % 10);
}

void frame_date(report_buf_t *out, const page_ctx_t *ctx, const char *ymd)
{
    int64_t day;
    if (!day_parse(ymd, &day)) {
        buf_put_html(out, ymd);
        return;
    }
    /* day_parse checked the digits: the day without its leading zero, the year as is. */
    char d[3] = {ymd[8], ymd[9], '\0'}, y[5] = {ymd[0], ymd[1], ymd[2], ymd[3], '\0'};
    int month = (ymd[5] - '0') * 10 + (ymd[6] - '0');
    const char *args[] = {d[0] == '0' ? d + 1 : d, S(ctx, (str_id_t)(S_MONTH_1 + month - 1)), y};
    frame_fill(out, ctx, S_DATE, args, 3);
}

void frame_place(report_buf_t *out, const page_ctx_t *ctx, const char *name)
{
    if (ctx->lang != REPORT_LANG_ES)
        buf_put(out, "<span lang=\"es\">");
    buf_put_html(out, name);
    if (ctx->lang != REPORT_LANG_ES)
        buf_put(out, "</span>");
}

void frame_minutes(const page_ctx_t *ctx, unsigned long seconds, char *out, size_t size)
{
    unsigned long minutes = seconds / 60 + (seconds % 60 != 0);
    if (minutes <= 1) {
        snprintf(out, size, "%s", S(ctx, S_MINUTE_ONE));
        return;
    }
    char count[24];
    snprintf(count, sizeof count, "%lu", minutes);
    const char *args[] = {count};
    report_buf_t b = {0};
    str_format(&b, S(ctx, S_MINUTES), args, 1, false);
    snprintf(out, size, "%s", b.data && !b.failed ? b.data : count);
    buf_free(&b);
}

bool frame_has_error(const form_error_t *errs, size_t n, const char *field)
{
    for (size_t i = 0; errs && i < n; i++)
        if (errs[i].field && strcmp(errs[i].field, field) == 0)
            return true;
    return false;
}

/* The fields step 2 shows with an element id="f-FIELD" (an error of any other, such as
 * the web layer's "token", is listed without a link). */
static bool has_anchor(const char *field)
{
    static const char *const anchored[] = {"departamento", "lugar", "zona", "que", "a_quien",
                                           "cuando", "fecha", "gravedad", "muertos", "heridos",
                                           "secuestrados", "relato", "foto"};
    for (size_t i = 0; field && i < sizeof anchored / sizeof anchored[0]; i++)
        if (strcmp(field, anchored[i]) == 0)
            return true;
    return false;
}

void frame_error_summary(report_buf_t *out, const page_ctx_t *ctx, const form_error_t *errs,
                         size_t n)
{
    if (!errs || n == 0)
        return;
    buf_put(out, "<div class=\"errores\" role=\"alert\" id=\"errores\"><h2>");
    buf_put(out, S(ctx, S_ERRORS_TITLE));
    buf_put(out, "</h2><ul>");
    for (size_t i = 0; i < n; i++) {
        if (!has_anchor(errs[i].field)) {
            buf_put(out, "<li>");
            buf_put_html(out, errs[i].message);
            buf_put(out, "</li>");
            continue;
        }
        buf_put(out, "<li><a href=\"#f-");
        buf_put(out, errs[i].field);
        buf_put(out, "\">");
        buf_put_html(out, errs[i].message);
        buf_put(out, "</a></li>");
    }
    buf_put(out, "</ul></div>");
}

void frame_field_errors(report_buf_t *out, const page_ctx_t *ctx, const form_error_t *errs,
                        size_t n, const char *field)
{
    size_t k = 0;
    for (size_t i = 0; errs && i < n; i++) {
        if (!errs[i].field || strcmp(errs[i].field, field) != 0)
            continue;
        buf_put(out, "<p class=\"error\" id=\"e-");
        buf_put_html(out, field);
        if (k > 0)
            buf_printf(out, "-%zu", k + 1);
        buf_put(out, "\"><strong>");
        buf_put(out, S(ctx, S_ERROR_PREFIX));
        buf_put(out, "</strong> ");
        buf_put_html(out, errs[i].message);
        buf_put(out, "</p>");
        k++;
    }
}

void frame_describedby(report_buf_t *out, const form_error_t *errs, size_t n,
                       const char *field, const char *hint_id)
{
    size_t count = 0;
    for (size_t i = 0; errs && i < n; i++)
        if (errs[i].field && strcmp(errs[i].field, field) == 0)
            count++;
    if (!hint_id && count == 0)
        return;
    buf_put(out, " aria-describedby=\"");
    if (hint_id)
        buf_put(out, hint_id);
    for (size_t k = 0; k < count; k++) {
        buf_put(out, hint_id || k > 0 ? " e-" : "e-");
        buf_put_html(out, field);
        if (k > 0)
            buf_printf(out, "-%zu", k + 1);
    }
    buf_put(out, "\"");
    if (count > 0)
        buf_put(out, " aria-invalid=\"true\"");
}
