/* page_sent.c — after POST /reporte/enviar: the receipt, how to keep it, when the
 * report will reach the facilitators (within release_delay_max_s) and what anyone with
 * the receipt can do. No language switch: following it would lose the receipt. */
#include "pages.h"

#include "frame.h"

void page_sent(report_buf_t *out, const page_ctx_t *ctx, const char *receipt)
{
    char minutes[48];
    frame_minutes(ctx, ctx->cfg ? ctx->cfg->release_delay_max_s : 900, minutes, sizeof minutes);
    const char *args[] = {minutes};

    frame_begin(out, ctx, S(ctx, S_SENT_TITLE), NULL);
    buf_put(out, "<h1>");
    buf_put(out, S(ctx, S_SENT_TITLE));
    buf_put(out, "</h1><p>");
    buf_put(out, S(ctx, S_SENT_RECEIPT_LABEL));
    buf_put(out, "</p><p class=\"recibo\" id=\"recibo\">");
    buf_put_html(out, receipt ? receipt : "");
    buf_put(out, "</p><p class=\"aviso\">");
    buf_put(out, S(ctx, S_SENT_KEEP));
    buf_put(out, "</p><p>");
    frame_fill(out, ctx, S_SENT_WHEN, args, 1);
    buf_put(out, "</p><p>");
    frame_fill(out, ctx, S_SENT_CHECK, args, 1);
    buf_put(out, "</p><p>");
    buf_put(out, S(ctx, S_SENT_WHO));
    buf_put(out, "</p><p><a class=\"boton secundario\" href=\"");
    frame_href(out, ctx, "/recibo");
    buf_put(out, "\">");
    buf_put(out, S(ctx, S_SENT_BACK));
    buf_put(out, "</a></p>");
    frame_end(out, ctx);
}
