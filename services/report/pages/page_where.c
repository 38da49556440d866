/* page_where.c — GET /reporte, step 1: the department (a select of the catalogue's
 * departments) and a place name to search; POSTs to /reporte/lugar. */
#include "pages.h"

#include <string.h>

#include "frame.h"
#include "places.h"

void page_where(report_buf_t *out, const page_ctx_t *ctx, const form_values_t *v,
                const char *error)
{
    place_department_t deps[PLACES_DEPARTMENTS_MAX];
    size_t n = places_departments(ctx->zones, deps, PLACES_DEPARTMENTS_MAX);
    const char *chosen = v ? v->departamento : "";

    frame_begin(out, ctx, S(ctx, S_WHERE_TITLE), "/reporte");
    buf_put(out, "<h1>");
    buf_put(out, S(ctx, S_WHERE_TITLE));
    buf_put(out, "</h1>");
    if (error && *error) {
        buf_put(out, "<div class=\"errores\" role=\"alert\" id=\"errores\"><p id=\"e-where\">"
                     "<strong>");
        buf_put(out, S(ctx, S_ERROR_PREFIX));
        buf_put(out, "</strong> ");
        buf_put_html(out, error);
        buf_put(out, "</p></div>");
    }
    buf_put(out, "<p>");
    buf_put(out, S(ctx, S_WHERE_INTRO));
    buf_put(out, "</p><form method=\"post\" autocomplete=\"off\" action=\"/reporte/lugar\">");
    frame_hidden(out, ctx);
    buf_put(out, "<div class=\"campo\"><label for=\"f-departamento\">");
    buf_put(out, S(ctx, S_DEPARTAMENTO));
    buf_put(out, " <span class=\"req\">");
    buf_put(out, S(ctx, S_REQUIRED));
    buf_put(out, "</span></label><select id=\"f-departamento\" name=\"departamento\" required");
    if (error && *error)
        buf_put(out, " aria-describedby=\"e-where\"");
    buf_put(out, "><option value=\"\">");
    buf_put(out, S(ctx, S_CHOOSE));
    buf_put(out, "</option>");
    for (size_t i = 0; i < n; i++) {
        buf_put(out, ctx->lang == REPORT_LANG_ES ? "<option value=\"" : "<option lang=\"es\" value=\"");
        buf_put(out, deps[i].iso);
        buf_put(out, strcmp(deps[i].iso, chosen) == 0 ? "\" selected>" : "\">");
        buf_put_html(out, deps[i].name);
        buf_put(out, "</option>");
    }
    buf_put(out, "</select></div><div class=\"campo\"><label for=\"f-lugar\">");
    buf_put(out, S(ctx, S_LUGAR));
    buf_put(out, "</label><p class=\"ayuda\" id=\"h-lugar\">");
    buf_put(out, S(ctx, S_LUGAR_HINT));
    buf_put(out, "</p><input type=\"text\" id=\"f-lugar\" name=\"lugar\" maxlength=\"128\" "
                 "autocomplete=\"off\" aria-describedby=\"h-lugar\" value=\"");
    buf_put_html(out, v ? v->lugar : "");
    buf_put(out, "\"></div><button type=\"submit\">");
    buf_put(out, S(ctx, S_SEARCH));
    buf_put(out, "</button></form>");
    frame_end(out, ctx);
}
