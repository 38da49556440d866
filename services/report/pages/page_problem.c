/* page_problem.c — a page for each refusal or failure: what went wrong, whether
 * anything was sent (never half: nothing was), and what to do. The web layer picks the
 * status (403, 404, 405, 400, 413, 500, 503). */
#include "pages.h"

#include <stdio.h>

#include "frame.h"

void page_problem(report_buf_t *out, const page_ctx_t *ctx, page_problem_t what)
{
    static const struct {
        str_id_t title, text;
    } kinds[] = {
        [PAGE_PROBLEM_BUSY] = {S_PROBLEM_BUSY, S_PROBLEM_BUSY_TEXT},
        [PAGE_PROBLEM_EXPIRED] = {S_PROBLEM_EXPIRED, S_PROBLEM_EXPIRED_TEXT},
        [PAGE_PROBLEM_TOO_LARGE] = {S_PROBLEM_TOO_LARGE, S_PROBLEM_TOO_LARGE_TEXT},
        [PAGE_PROBLEM_NOT_FOUND] = {S_PROBLEM_NOT_FOUND, S_PROBLEM_NOT_FOUND_TEXT},
        [PAGE_PROBLEM_METHOD] = {S_PROBLEM_METHOD, S_PROBLEM_METHOD_TEXT},
        [PAGE_PROBLEM_BAD_REQUEST] = {S_PROBLEM_BAD_REQUEST, S_PROBLEM_BAD_REQUEST_TEXT},
        [PAGE_PROBLEM_UNAVAILABLE] = {S_PROBLEM_UNAVAILABLE, S_PROBLEM_UNAVAILABLE_TEXT},
        [PAGE_PROBLEM_INTERNAL] = {S_PROBLEM_INTERNAL, S_PROBLEM_INTERNAL_TEXT},
    };
    if ((unsigned)what >= sizeof kinds / sizeof kinds[0])
        what = PAGE_PROBLEM_INTERNAL;
    const hcbus_report_config_t *cfg = ctx->cfg;
    char a[48], b[48];
    if (what == PAGE_PROBLEM_TOO_LARGE) {
        frame_megabytes(ctx, cfg ? cfg->max_photo_bytes : 2097152u, a, sizeof a);
        frame_megabytes(ctx, cfg ? cfg->max_request_bytes : 8388608u, b, sizeof b);
    } else {
        frame_minutes(ctx, cfg ? cfg->token_lifetime_s : 3600u, a, sizeof a);
        b[0] = '\0';
    }
    const char *args[] = {a, b};

    frame_begin(out, ctx, S(ctx, kinds[what].title), "/");
    buf_put(out, "<h1>");
    buf_put(out, S(ctx, kinds[what].title));
    buf_put(out, "</h1><p>");
    frame_fill(out, ctx, kinds[what].text, args, 2);
    buf_put(out, "</p><p><a class=\"boton\" href=\"");
    frame_href(out, ctx, "/");
    buf_put(out, "\">");
    buf_put(out, S(ctx, S_PROBLEM_START));
    buf_put(out, "</a></p>");
    frame_end(out, ctx);
}
