/* page_home.c — GET /: what this service is, what is and is not kept, and the two ways
 * in (make a report, come back with a receipt). */
#include "pages.h"

#include "frame.h"

void page_home(report_buf_t *out, const page_ctx_t *ctx)
{
    frame_begin(out, ctx, S(ctx, S_SITE_NAME), "/");
    buf_put(out, "<h1>");
    buf_put(out, S(ctx, S_SITE_NAME));
    buf_put(out, "</h1><p>");
    buf_put(out, S(ctx, S_HOME_INTRO));
    buf_put(out, "</p><p>");
    buf_put(out, S(ctx, S_HOME_TIME));
    buf_put(out, "</p><p class=\"acciones\"><a class=\"boton\" href=\"");
    frame_href(out, ctx, "/reporte");
    buf_put(out, "\">");
    buf_put(out, S(ctx, S_HOME_REPORT));
    buf_put(out, "</a> <a class=\"boton secundario\" href=\"");
    frame_href(out, ctx, "/recibo");
    buf_put(out, "\">");
    buf_put(out, S(ctx, S_HOME_RECEIPT));
    buf_put(out, "</a></p><h2>");
    buf_put(out, S(ctx, S_HOME_KEPT_TITLE));
    buf_put(out, "</h2><ul>");
    buf_put(out, S(ctx, S_HOME_KEPT_ITEMS));
    buf_put(out, "</ul><p class=\"aviso\">");
    buf_put(out, S(ctx, S_HOME_SAFETY));
    buf_put(out, "</p>");
    frame_end(out, ctx);
}
