/* routes.c — the URL table (routes.h) and what each route does. Order of the checks
 * on a POST: the form token (cheap, refuses blind floods), the budget, then the work
 * (the form's checks, Argon2id in the pipeline). Nothing here logs a receipt, a field
 * or anything about the client; failures of the database or the bus are logged by
 * their code and message alone. */
#define _POSIX_C_SOURCE 200809L
#include "routes.h"

#include "budget.h"
#include "token.h"

#include "hcbus/clock.h"
#include "hcbus/log.h"

#include <errno.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BUSY_RETRY_S 10               /* Retry-After when the queue or the hashing is full */
#define QUESTION_ID_TEXT_MAX 19       /* digits of an int64 */

struct routes {
    const hcbus_report_config_t *rc;
    const hcbus_zones_t *zones;
    report_pipeline_t *pipeline;
    token_key_t key;
    budget_t reports;                 /* accepted reports */
    budget_t receipts;                /* receipt look-ups and answers */
    sem_t hashing;                    /* Argon2id derivations running */
};

typedef struct {
    const char *es, *en;
} text_t;

static const text_t T_RESEND = {"El formulario estuvo abierto demasiado tiempo y no se envió nada. Revise los datos "
                                "y envíe otra vez (si adjuntó fotos, adjúntelas de nuevo).",
                                "The form was open too long and nothing was sent. Check your answers and send "
                                "again (if you attached photos, attach them again)."};
static const text_t T_RESEARCH = {"La página estuvo abierta demasiado tiempo. Busque el lugar otra vez.",
                                  "The page was open too long. Search for the place again."};
static const text_t T_NO_RECEIPT = {"Escriba el código de su recibo.", "Type the code of your receipt."};
static const text_t T_NOT_A_RECEIPT = {"Eso no es un recibo: un recibo tiene 16 letras y números, como "
                                       "K7QM-2XD9-4RTB-HW3P.",
                                       "That is not a receipt: a receipt has 16 letters and digits, such as "
                                       "K7QM-2XD9-4RTB-HW3P."};
static const text_t T_UNKNOWN_RECEIPT = {"Ningún reporte tiene este recibo. Revise que esté bien escrito. Un reporte "
                                         "recién enviado puede tardar en aparecer; si después de ese tiempo no "
                                         "aparece, envíelo otra vez.",
                                         "No report has this receipt. Check that it is typed correctly. A report "
                                         "just sent may take a while to appear; if it has not appeared after that "
                                         "time, send it again."};
static const text_t T_SAVED = {"Recibimos su respuesta.", "Your answer was received."};
static const text_t T_ANSWER_EMPTY = {"Escriba su respuesta antes de enviarla.", "Type your answer before sending it."};
static const text_t T_ANSWER_LONG = {"La respuesta es demasiado larga (2000 caracteres como máximo).",
                                     "The answer is too long (at most 2000 characters)."};
static const text_t T_QUESTION = {"Esa pregunta no existe o ya fue respondida.",
                                  "That question does not exist or was already answered."};

static const char *tr(const text_t *t, report_lang_t lang)
{
    return lang == REPORT_LANG_EN ? t->en : t->es;
}

void web_response_free(web_response_t *r)
{
    if (!r)
        return;
    buf_free(&r->page);
    memset(r, 0, sizeof *r);
}

static int64_t monotonic_us(void)
{
    return hcbus_monotonic_ms() * 1000;
}

routes_t *routes_new(const hcbus_config_t *cfg, const hcbus_zones_t *zones, report_pipeline_t *pipeline,
                     const unsigned char secret[32], hcbus_error_t *err)
{
    routes_t *self = calloc(1, sizeof *self);
    if (!self) {
        hcbus_error_set(err, HCBUS_ENOMEM, "routes", "out of memory");
        return NULL;
    }
    if (sem_init(&self->hashing, 0, ROUTES_HASH_CONCURRENCY) != 0) {
        free(self);
        hcbus_error_set(err, HCBUS_EINTERNAL, "routes", "sem_init: %s", strerror(errno));
        return NULL;
    }
    self->rc = &cfg->report;
    self->zones = zones;
    self->pipeline = pipeline;
    token_key_derive(&self->key, secret);
    budget_init(&self->reports, self->rc->reports_per_minute, monotonic_us());
    budget_init(&self->receipts, self->rc->receipt_checks_per_minute, monotonic_us());
    return self;
}

void routes_destroy(routes_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    routes_t *self = *self_p;
    budget_destroy(&self->reports);
    budget_destroy(&self->receipts);
    sem_destroy(&self->hashing);
    sodium_memzero(&self->key, sizeof self->key);
    free(self);
    *self_p = NULL;
}

/* --- the table ------------------------------------------------------------------- */

typedef struct {
    const char *path;
    route_t get, post;                /* ROUTE_BAD_METHOD when the method has no route */
} path_entry_t;

static const path_entry_t table[] = {
    {"/", ROUTE_HOME, ROUTE_BAD_METHOD},
    {"/reporte", ROUTE_WHERE, ROUTE_BAD_METHOD},
    {"/reporte/lugar", ROUTE_BAD_METHOD, ROUTE_PLACES},
    {"/reporte/enviar", ROUTE_BAD_METHOD, ROUTE_SEND},
    {"/recibo", ROUTE_RECEIPT_ENTRY, ROUTE_RECEIPT_OPEN},
    {"/recibo/responder", ROUTE_BAD_METHOD, ROUTE_ANSWER},
    {"/estilo.css", ROUTE_STYLESHEET, ROUTE_BAD_METHOD},
};

route_t routes_find(const char *method, const char *path, const char **allow)
{
    const path_entry_t *e = NULL;
    if (allow)
        *allow = NULL;
    for (size_t i = 0; i < sizeof table / sizeof table[0] && !e; i++) {
        if (strcmp(path, table[i].path) == 0)
            e = &table[i];
    }
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0, post = strcmp(method, "POST") == 0;
    if (!e) {
        if (!get && !post && allow)
            *allow = "GET, HEAD, POST";
        return get || post ? ROUTE_NOT_FOUND : ROUTE_BAD_METHOD;
    }
    route_t r = get ? e->get : post ? e->post : ROUTE_BAD_METHOD;
    if (r == ROUTE_BAD_METHOD && allow) {
        bool has_get = e->get != ROUTE_BAD_METHOD, has_post = e->post != ROUTE_BAD_METHOD;
        *allow = has_get && has_post ? "GET, HEAD, POST" : has_get ? "GET, HEAD" : "POST";
    }
    if (r == ROUTE_BAD_METHOD && allow && !*allow)
        *allow = "GET, HEAD, POST";
    return r;
}

bool routes_takes_form(route_t route)
{
    return route == ROUTE_PLACES || route == ROUTE_SEND || route == ROUTE_RECEIPT_OPEN || route == ROUTE_ANSWER;
}

/* --- helpers --------------------------------------------------------------------- */

typedef struct {
    page_ctx_t ctx;
    char token[TOKEN_TEXT_LEN + 1];
} page_env_t;

static void env_init(routes_t *self, report_lang_t lang, page_env_t *env)
{
    token_make(&self->key, hcbus_now_us() / 1000000, env->token);
    env->ctx = (page_ctx_t){.lang = lang, .token = env->token, .zones = self->zones, .cfg = self->rc};
}

static void html(web_response_t *out, unsigned status, report_lang_t lang)
{
    out->status = status;
    out->lang = lang;
    out->content_type = CONTENT_TYPE_HTML;
}

static unsigned problem_status(page_problem_t what)
{
    switch (what) {
    case PAGE_PROBLEM_BUSY: return 503;
    case PAGE_PROBLEM_EXPIRED: return 403;
    case PAGE_PROBLEM_TOO_LARGE: return 413;
    case PAGE_PROBLEM_NOT_FOUND: return 404;
    case PAGE_PROBLEM_METHOD: return 405;
    case PAGE_PROBLEM_BAD_REQUEST: return 400;
    case PAGE_PROBLEM_UNAVAILABLE: return 503;
    case PAGE_PROBLEM_INTERNAL: break;
    }
    return 500;
}

void routes_problem(routes_t *self, page_problem_t what, report_lang_t lang, uint32_t retry_after_s,
                    web_response_t *out)
{
    page_env_t env;
    env_init(self, lang, &env);
    html(out, problem_status(what), lang);
    out->retry_after_s = retry_after_s;
    out->close = what == PAGE_PROBLEM_TOO_LARGE || what == PAGE_PROBLEM_BAD_REQUEST;
    page_problem(&out->page, &env.ctx, what);
}

static report_lang_t form_lang(const report_form_input_t *in, report_lang_t fallback)
{
    const char *lang = form_get(in, "lang");
    if (!lang)
        return fallback;
    return strcmp(lang, "en") == 0 ? REPORT_LANG_EN : REPORT_LANG_ES;
}

/* The field's value if it holds no NUL and at most max bytes, else NULL; *too_long says
 * which. */
static const char *field_text(const report_form_input_t *in, const char *name, size_t max, bool *too_long)
{
    *too_long = false;
    for (size_t i = 0; i < in->field_count; i++) {
        const report_field_t *f = &in->fields[i];
        if (strcmp(f->name, name) != 0)
            continue;
        if (f->len > max || strlen(f->value) != f->len) {
            *too_long = f->len > max;
            return NULL;
        }
        return f->value;
    }
    return NULL;
}

static void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

/* Step 2 of values: the places of its department and place text again. */
static void details(routes_t *self, const page_env_t *env, unsigned status, const form_values_t *v,
                    const form_error_t *errs, size_t error_count, web_response_t *out)
{
    const char *ids[FORM_PLACES_MAX];
    size_t n = form_find_places(self->zones, v->departamento, v->lugar, ids, FORM_PLACES_MAX);
    html(out, status, env->ctx.lang);
    page_details(&out->page, &env->ctx, v, ids, n, errs, error_count);
}

/* The token of a POST: 0 when good; otherwise 1 with *verdict (the caller answers). */
static int token_refused(routes_t *self, const report_form_input_t *in, token_verdict_t *verdict)
{
    *verdict = token_check(&self->key, form_get(in, "token"), hcbus_now_us() / 1000000, self->rc->token_lifetime_s);
    return *verdict == TOKEN_OK ? 0 : 1;
}

static void log_failure(const char *what, const hcbus_error_t *err)
{
    hcbus_warning("%s failed: %s: %s", what, hcbus_code_name(err->code), err->message);
}

/* Wait for a slot to run Argon2id: true, or false after ROUTES_HASH_WAIT_S. */
static bool hashing_enter(routes_t *self)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ROUTES_HASH_WAIT_S;
    while (sem_timedwait(&self->hashing, &until) != 0) {
        if (errno != EINTR)
            return false;
    }
    return true;
}

static void hashing_leave(routes_t *self)
{
    sem_post(&self->hashing);
}

/* --- GET ------------------------------------------------------------------------- */

void routes_get(routes_t *self, route_t route, report_lang_t lang, web_response_t *out)
{
    page_env_t env;
    env_init(self, lang, &env);
    form_values_t empty = {0};
    switch (route) {
    case ROUTE_HOME:
        html(out, 200, lang);
        page_home(&out->page, &env.ctx);
        return;
    case ROUTE_WHERE:
        html(out, 200, lang);
        page_where(&out->page, &env.ctx, &empty, NULL);
        return;
    case ROUTE_RECEIPT_ENTRY:
        html(out, 200, lang);
        page_receipt_entry(&out->page, &env.ctx, NULL);
        return;
    case ROUTE_STYLESHEET:
        out->status = 200;
        out->lang = lang;
        out->content_type = CONTENT_TYPE_CSS;
        out->cacheable = true;
        out->static_body = page_stylesheet(&out->static_len);
        return;
    case ROUTE_BAD_METHOD:
        routes_problem(self, PAGE_PROBLEM_METHOD, lang, 0, out);
        return;
    default:
        routes_problem(self, PAGE_PROBLEM_NOT_FOUND, lang, 0, out);
        return;
    }
}

/* --- POST /reporte/lugar ------------------------------------------------------------ */

static void post_places(routes_t *self, const report_form_input_t *in, const page_env_t *env, web_response_t *out)
{
    form_values_t v = {0};
    form_error_t error = {0};
    int bad = form_check_where(in, &env->ctx, &v, &error);
    token_verdict_t verdict;
    if (token_refused(self, in, &verdict)) {
        if (verdict != TOKEN_EXPIRED) {
            routes_problem(self, PAGE_PROBLEM_EXPIRED, env->ctx.lang, 0, out);
            return;
        }
        html(out, 403, env->ctx.lang);
        page_where(&out->page, &env->ctx, &v, tr(&T_RESEARCH, env->ctx.lang));
        return;
    }
    if (bad) {
        html(out, 200, env->ctx.lang);
        page_where(&out->page, &env->ctx, &v, error.message);
        return;
    }
    details(self, env, 200, &v, NULL, 0, out);
}

/* --- POST /reporte/enviar ----------------------------------------------------------- */

/* An authentic but stale token: step 2 again with what was typed (not the photos) and a
 * fresh token. The checks run without the photos: no work is spent on them. */
static void send_again(routes_t *self, const report_form_input_t *in, const page_env_t *env, web_response_t *out)
{
    report_form_input_t no_photos = *in;
    no_photos.uploads = NULL;
    no_photos.upload_count = 0;
    report_draft_t draft = {0};
    form_values_t v = {0};
    form_error_t errs[FORM_ERRORS_MAX];
    int n = form_check(&no_photos, &env->ctx, hcbus_now_us(), &draft, &v, errs);
    report_draft_free_photos(&draft);
    form_error_t resend = {.field = "token"};
    copy(resend.message, sizeof resend.message, tr(&T_RESEND, env->ctx.lang));
    /* The stale-token notice first, then whatever else was wrong. */
    form_error_t all[FORM_ERRORS_MAX + 1];
    all[0] = resend;
    size_t count = 1;
    for (int i = 0; i < n && i < FORM_ERRORS_MAX; i++)
        all[count++] = errs[i];
    details(self, env, 403, &v, all, count, out);
}

static void post_send(routes_t *self, const report_form_input_t *in, const page_env_t *env, web_response_t *out)
{
    token_verdict_t verdict;
    uint32_t retry = 0;
    if (token_refused(self, in, &verdict)) {
        if (verdict == TOKEN_EXPIRED)
            send_again(self, in, env, out);
        else
            routes_problem(self, PAGE_PROBLEM_EXPIRED, env->ctx.lang, 0, out);
        return;
    }
    if (!budget_available(&self->reports, monotonic_us(), &retry)) {
        routes_problem(self, PAGE_PROBLEM_BUSY, env->ctx.lang, retry, out);
        return;
    }
    report_draft_t draft = {0};
    form_values_t v = {0};
    form_error_t errs[FORM_ERRORS_MAX];
    int n = form_check(in, &env->ctx, hcbus_now_us(), &draft, &v, errs);
    if (n > 0) {
        details(self, env, 200, &v, errs, (size_t)(n < FORM_ERRORS_MAX ? n : FORM_ERRORS_MAX), out);
        return;
    }
    if (!budget_take(&self->reports, monotonic_us(), &retry)) {
        report_draft_free_photos(&draft);
        routes_problem(self, PAGE_PROBLEM_BUSY, env->ctx.lang, retry, out);
        return;
    }
    /* pipeline_submit seals the mailbox: one Argon2id derivation, bounded like the
     * receipt look-ups (at most the hashing slots at once, whatever the budget allows). */
    if (!hashing_enter(self)) {
        budget_refund(&self->reports);
        report_draft_free_photos(&draft);
        routes_problem(self, PAGE_PROBLEM_BUSY, env->ctx.lang, BUSY_RETRY_S, out);
        return;
    }
    char receipt[REPORT_RECEIPT_TEXT_MAX] = "";
    hcbus_error_t err;
    int submitted = pipeline_submit(self->pipeline, &draft, receipt, &err);
    hashing_leave(self);
    if (submitted != 0) {
        budget_refund(&self->reports);
        report_draft_free_photos(&draft);
        if (err.code != HCBUS_EOVERLOADED)
            log_failure("queueing a report", &err);
        routes_problem(self, err.code == HCBUS_EOVERLOADED ? PAGE_PROBLEM_BUSY : PAGE_PROBLEM_INTERNAL,
                       env->ctx.lang, err.code == HCBUS_EOVERLOADED ? BUSY_RETRY_S : 0, out);
        return;
    }
    html(out, 200, env->ctx.lang);
    page_sent(&out->page, &env->ctx, receipt);
    sodium_memzero(receipt, sizeof receipt);
}

/* --- POST /recibo and /recibo/responder ----------------------------------------------- */

/* Open receipt's conversation and answer with it: the thread (notice or error shown
 * above it), the receipt field again when it opens nothing, or a refusal. Runs one
 * Argon2id derivation (the caller holds a hashing slot). */
static void show_thread(routes_t *self, const page_env_t *env, const char *receipt, const char *notice,
                        const form_error_t *error, web_response_t *out)
{
    report_thread_t t = {0};
    hcbus_error_t err;
    int found = pipeline_open(self->pipeline, receipt, &t, &err);
    if (found == 1) {
        html(out, 200, env->ctx.lang);
        page_thread(&out->page, &env->ctx, receipt, &t, notice, error);
    } else if (found == 0 || err.code == HCBUS_EINVALID) {
        html(out, 200, env->ctx.lang);
        page_receipt_entry(&out->page, &env->ctx,
                           tr(found == 0 ? &T_UNKNOWN_RECEIPT : &T_NOT_A_RECEIPT, env->ctx.lang));
    } else {
        log_failure("opening a receipt", &err);
        routes_problem(self, PAGE_PROBLEM_UNAVAILABLE, env->ctx.lang, BUSY_RETRY_S, out);
    }
    report_thread_free(&t);
}

/* The checks every receipt POST shares before any hashing: token, receipt present,
 * budget, a hashing slot. Returns the receipt (the caller must hashing_leave), or NULL
 * having answered. */
static const char *receipt_gate(routes_t *self, const report_form_input_t *in, const page_env_t *env,
                                web_response_t *out)
{
    token_verdict_t verdict;
    uint32_t retry = 0;
    bool too_long;
    if (token_refused(self, in, &verdict)) {
        routes_problem(self, PAGE_PROBLEM_EXPIRED, env->ctx.lang, 0, out);
        return NULL;
    }
    const char *receipt = field_text(in, "recibo", REPORT_RECEIPT_TEXT_MAX * 2, &too_long);
    if (!receipt || !*receipt || too_long) {
        html(out, 200, env->ctx.lang);
        page_receipt_entry(&out->page, &env->ctx, tr(too_long ? &T_NOT_A_RECEIPT : &T_NO_RECEIPT, env->ctx.lang));
        return NULL;
    }
    if (!budget_take(&self->receipts, monotonic_us(), &retry)) {
        routes_problem(self, PAGE_PROBLEM_BUSY, env->ctx.lang, retry, out);
        return NULL;
    }
    if (!hashing_enter(self)) {
        routes_problem(self, PAGE_PROBLEM_BUSY, env->ctx.lang, BUSY_RETRY_S, out);
        return NULL;
    }
    return receipt;
}

static void post_receipt(routes_t *self, const report_form_input_t *in, const page_env_t *env, web_response_t *out)
{
    const char *receipt = receipt_gate(self, in, env, out);
    if (!receipt)
        return;
    show_thread(self, env, receipt, NULL, NULL, out);
    hashing_leave(self);
}

/* pregunta: a positive decimal question id. */
static bool parse_question(const char *text, int64_t *id)
{
    if (!text || !*text || strlen(text) > QUESTION_ID_TEXT_MAX)
        return false;
    int64_t v = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (*p - '0');
    }
    *id = v;
    return v > 0;
}

static void post_answer(routes_t *self, const report_form_input_t *in, const page_env_t *env, web_response_t *out)
{
    const char *receipt = receipt_gate(self, in, env, out);
    if (!receipt)
        return;
    bool too_long;
    int64_t question = 0;
    const char *text = field_text(in, "respuesta", REPORT_ANSWER_MAX, &too_long);
    form_error_t error = {.field = "respuesta"};
    if (!parse_question(form_get(in, "pregunta"), &question)) {
        error.field = "pregunta";
        copy(error.message, sizeof error.message, tr(&T_QUESTION, env->ctx.lang));
    } else if (too_long) {
        copy(error.message, sizeof error.message, tr(&T_ANSWER_LONG, env->ctx.lang));
    } else if (!text || !text[strspn(text, " \t\r\n")]) {
        copy(error.message, sizeof error.message, tr(&T_ANSWER_EMPTY, env->ctx.lang));
    } else {
        hcbus_error_t err;
        if (pipeline_answer(self->pipeline, receipt, question, text, &err) == 0) {
            show_thread(self, env, receipt, tr(&T_SAVED, env->ctx.lang), NULL, out);
            hashing_leave(self);
            return;
        }
        if (err.code != HCBUS_EINVALID) {
            log_failure("saving an answer", &err);
            hashing_leave(self);
            routes_problem(self, PAGE_PROBLEM_UNAVAILABLE, env->ctx.lang, BUSY_RETRY_S, out);
            return;
        }
        /* The receipt opens nothing, or the question is not this report's or answered. */
        error.field = strcmp(err.field, "respuesta") == 0 ? "respuesta" : "pregunta";
        copy(error.message, sizeof error.message, tr(&T_QUESTION, env->ctx.lang));
    }
    show_thread(self, env, receipt, NULL, &error, out);
    hashing_leave(self);
}

void routes_post(routes_t *self, route_t route, const report_form_input_t *in, report_lang_t query_lang,
                 web_response_t *out)
{
    page_env_t env;
    env_init(self, form_lang(in, query_lang), &env);
    switch (route) {
    case ROUTE_PLACES: post_places(self, in, &env, out); return;
    case ROUTE_SEND: post_send(self, in, &env, out); return;
    case ROUTE_RECEIPT_OPEN: post_receipt(self, in, &env, out); return;
    case ROUTE_ANSWER: post_answer(self, in, &env, out); return;
    default: routes_get(self, route, env.ctx.lang, out); return;
    }
}
