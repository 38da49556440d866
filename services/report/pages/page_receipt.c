/* page_receipt.c — GET /recibo, and a receipt that opens nothing: the receipt field,
 * POSTed to /recibo. */
#include "pages.h"

#include "frame.h"

void page_receipt_entry(report_buf_t *out, const page_ctx_t *ctx, const char *error)
{
    bool bad = error && *error;
    frame_begin(out, ctx, S(ctx, S_RECEIPT_TITLE), "/recibo");
    buf_put(out, "<h1>");
    buf_put(out, S(ctx, S_RECEIPT_TITLE));
    buf_put(out, "</h1>");
    if (bad) {
        buf_put(out, "<div class=\"errores\" role=\"alert\" id=\"errores\"><p id=\"e-recibo\">"
                     "<strong>");
        buf_put(out, S(ctx, S_ERROR_PREFIX));
        buf_put(out, "</strong> ");
        buf_put_html(out, error);
        buf_put(out, "</p></div>");
    }
    buf_put(out, "<p>");
    buf_put(out, S(ctx, S_RECEIPT_INTRO));
    buf_put(out, "</p><form method=\"post\" autocomplete=\"off\" action=\"/recibo\">");
    frame_hidden(out, ctx);
    buf_put(out, "<div class=\"campo\"><label for=\"f-recibo\">");
    buf_put(out, S(ctx, S_RECIBO));
    buf_put(out, "</label><p class=\"ayuda\" id=\"h-recibo\">");
    buf_put(out, S(ctx, S_RECIBO_HINT));
    buf_put(out, "</p><input type=\"text\" id=\"f-recibo\" name=\"recibo\" required "
                 "maxlength=\"40\" autocomplete=\"off\" autocapitalize=\"characters\" "
                 "spellcheck=\"false\" class=\"recibo\"");
    buf_put(out, bad ? " aria-describedby=\"h-recibo e-recibo\" aria-invalid=\"true\">"
                     : " aria-describedby=\"h-recibo\">");
    buf_put(out, "</div><button type=\"submit\">");
    buf_put(out, S(ctx, S_OPEN));
    buf_put(out, "</button></form>");
    frame_end(out, ctx);
}
