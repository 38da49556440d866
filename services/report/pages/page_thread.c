/* page_thread.c — POST /recibo and /recibo/responder: the report a receipt opens
 * (place, act, day, photos), the facilitators' questions with the reporter's answers,
 * and a form for each unanswered question (an answer still waiting for its release says
 * when it will reach the facilitators; the receipt travels in a hidden field; the
 * web layer never lets the page be cached). The page stays under 30 KB: questions are
 * chosen within THREAD_BUDGET_BYTES — the unanswered ones first, oldest first, then the
 * answered ones, newest first — shown in their order, and the page says how many older
 * ones it leaves out. */
#include "pages.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "choices.h"
#include "frame.h"

#define THREAD_BUDGET_BYTES (22 * 1024)    /* the questions' share of a 30-KB page */
#define THREAD_FORM_BYTES 1200             /* an answer form's markup, with room */
#define THREAD_QUESTION_BYTES 300          /* a question's markup, with room */

/* Bytes s takes once escaped. */
static size_t escaped_len(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++)
        n += *s == '&' || *s == '\'' ? 5 : *s == '<' || *s == '>' ? 4 : *s == '"' ? 6 : 1;
    return n;
}

static size_t question_bytes(const report_question_t *q)
{
    return THREAD_QUESTION_BYTES + escaped_len(q->text) +
           (q->answer ? escaped_len(q->answer) : THREAD_FORM_BYTES);
}

/* Mark in shown[] the questions that fit the budget; returns how many are left out. */
static size_t choose(const report_thread_t *t, bool *shown)
{
    size_t used = 0, left_out = 0;
    for (size_t i = 0; i < t->question_count; i++)
        if (!t->questions[i].answer) {
            size_t b = question_bytes(&t->questions[i]);
            shown[i] = used + b <= THREAD_BUDGET_BYTES;
            used += shown[i] ? b : 0;
        }
    bool full = false;
    for (size_t i = t->question_count; i-- > 0;)
        if (t->questions[i].answer) {
            size_t b = question_bytes(&t->questions[i]);
            full = full || used + b > THREAD_BUDGET_BYTES;
            shown[i] = !full;
            used += shown[i] ? b : 0;
        }
    for (size_t i = 0; i < t->question_count; i++)
        left_out += !shown[i];
    return left_out;
}

/* Template id ("Pregunta del {1}") with the day in words: the template's text is
 * trusted, so it is split at {1} rather than escaping the words. */
static void dated(report_buf_t *out, const page_ctx_t *ctx, str_id_t id, const char *ymd)
{
    const char *tmpl = S(ctx, id);
    const char *at = strstr(tmpl, "{1}");
    if (!at) {
        buf_put(out, tmpl);
        return;
    }
    buf_putn(out, tmpl, (size_t)(at - tmpl));
    frame_date(out, ctx, ymd);
    buf_put(out, at + 3);
}

static void fact(report_buf_t *out, const page_ctx_t *ctx, str_id_t label, const char *value)
{
    buf_put(out, "<dt>");
    buf_put(out, S(ctx, label));
    buf_put(out, "</dt><dd>");
    buf_put_html(out, value);
    buf_put(out, "</dd>");
}

static void answer_form(report_buf_t *out, const page_ctx_t *ctx, const char *receipt,
                        const report_question_t *q, bool error)
{
    char id[40];
    snprintf(id, sizeof id, "respuesta-%lld", (long long)q->id);
    buf_put(out, "<form method=\"post\" autocomplete=\"off\" action=\"/recibo/responder\">");
    frame_hidden(out, ctx);
    frame_hidden_field(out, "recibo", receipt);
    char qid[24];
    snprintf(qid, sizeof qid, "%lld", (long long)q->id);
    frame_hidden_field(out, "pregunta", qid);
    buf_put(out, "<div class=\"campo\"><label for=\"");
    buf_put(out, id);
    buf_put(out, "\">");
    buf_put(out, S(ctx, S_RESPUESTA));
    buf_put(out, "</label><p class=\"ayuda\" id=\"h-");
    buf_put(out, id);
    buf_put(out, "\">");
    buf_put(out, S(ctx, S_RESPUESTA_HINT));
    buf_put(out, "</p><textarea id=\"");
    buf_put(out, id);
    buf_put(out, "\" name=\"respuesta\" rows=\"4\" maxlength=\"2000\" required "
                 "aria-describedby=\"h-");
    buf_put(out, id);
    buf_put(out, error ? " e-respuesta\" aria-invalid=\"true\"></textarea>" : "\"></textarea>");
    buf_put(out, "</div><button type=\"submit\">");
    buf_put(out, S(ctx, S_ANSWER_SEND));
    buf_put(out, "</button></form>");
}

void page_thread(report_buf_t *out, const page_ctx_t *ctx, const char *receipt,
                 const report_thread_t *t, const char *notice, const form_error_t *error)
{
    frame_begin_post_switch(out, ctx, S(ctx, S_THREAD_TITLE), "/recibo", "recibo", receipt);
    buf_put(out, "<h1>");
    buf_put(out, S(ctx, S_THREAD_TITLE));
    buf_put(out, "</h1>");
    if (error) {
        buf_put(out, "<div class=\"errores\" role=\"alert\" id=\"errores\"><p id=\"e-respuesta\">"
                     "<strong>");
        buf_put(out, S(ctx, S_ERROR_PREFIX));
        buf_put(out, "</strong> ");
        buf_put_html(out, error->message);
        buf_put(out, "</p></div>");
    }
    if (notice && *notice) {
        buf_put(out, "<p class=\"hecho\" role=\"status\">");
        buf_put_html(out, notice);
        buf_put(out, "</p>");
    }
    if (t) {
        const char *place = hcbus_zones_name(ctx->zones, t->zone_id);
        const choice_t *act = choice_by_value(&choice_acts, t->act);
        char photos[24];
        snprintf(photos, sizeof photos, "%zu", t->photo_count);
        buf_put(out, "<dl class=\"resumen\">");
        buf_put(out, "<dt>");
        buf_put(out, S(ctx, S_THREAD_WHERE));
        buf_put(out, "</dt><dd>");
        frame_place(out, ctx, place ? place : t->zone_id);
        buf_put(out, "</dd><dt>");
        buf_put(out, S(ctx, S_THREAD_WHAT));
        buf_put(out, "</dt><dd>");
        buf_put(out, act ? S(ctx, act->label) : "");
        buf_put(out, "</dd><dt>");
        buf_put(out, S(ctx, S_THREAD_DAY));
        buf_put(out, "</dt><dd>");
        frame_date(out, ctx, t->occurred_on);
        buf_put(out, "</dd>");
        fact(out, ctx, S_THREAD_PHOTOS, photos);
        buf_put(out, "</dl><h2>");
        buf_put(out, S(ctx, S_THREAD_QUESTIONS));
        buf_put(out, "</h2>");
        if (t->question_count == 0) {
            buf_put(out, "<p>");
            buf_put(out, S(ctx, S_THREAD_NONE));
            buf_put(out, "</p>");
        }
        bool *shown = t->question_count ? calloc(t->question_count, sizeof *shown) : NULL;
        if (t->question_count > 0 && !shown)
            out->failed = true;               /* the web layer answers 500 */
        size_t left_out = shown ? choose(t, shown) : 0;
        if (left_out > 0) {
            char count[24];
            snprintf(count, sizeof count, "%zu", left_out);
            const char *args[] = {count};
            buf_put(out, "<p class=\"ayuda\">");
            frame_fill(out, ctx, left_out == 1 ? S_THREAD_LEFT_OUT_ONE : S_THREAD_LEFT_OUT, args, 1);
            buf_put(out, "</p>");
        }
        for (size_t i = 0; shown && t->questions && i < t->question_count; i++) {
            if (!shown[i])
                continue;
            const report_question_t *q = &t->questions[i];
            buf_put(out, "<section class=\"pregunta\"><h3>");
            dated(out, ctx, S_THREAD_ASKED, q->asked_on);
            buf_put(out, "</h3><p class=\"texto\">");
            buf_put_html(out, q->text ? q->text : "");
            buf_put(out, "</p>");
            if (q->answer && q->pending) {
                char minutes[48];
                frame_minutes(ctx, q->pending_s, minutes, sizeof minutes);
                const char *args[] = {minutes};
                buf_put(out, "<h4 class=\"pendiente\">");
                if (q->pending_s <= 60)
                    buf_put(out, S(ctx, S_THREAD_PENDING_SOON));
                else
                    frame_fill(out, ctx, S_THREAD_PENDING, args, 1);
                buf_put(out, "</h4><p class=\"texto\">");
                buf_put_html(out, q->answer);
                buf_put(out, "</p>");
            } else if (q->answer) {
                buf_put(out, "<h4>");
                dated(out, ctx, S_THREAD_ANSWERED, q->answered_on);
                buf_put(out, "</h4><p class=\"texto\">");
                buf_put_html(out, q->answer);
                buf_put(out, "</p>");
            } else {
                answer_form(out, ctx, receipt, q, error != NULL);
            }
            buf_put(out, "</section>");
        }
        free(shown);
    }
    buf_put(out, "<p class=\"aviso\">");
    buf_put(out, S(ctx, S_THREAD_CLOSE));
    buf_put(out, "</p><p><a href=\"");
    frame_href(out, ctx, "/recibo");
    buf_put(out, "\">");
    buf_put(out, S(ctx, S_THREAD_OTHER));
    buf_put(out, "</a></p>");
    frame_end(out, ctx);
}
