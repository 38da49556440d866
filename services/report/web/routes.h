/* routes.h — the URL table of hcbus-report (docs/report.md, "The pages and the form")
 * and what each route does: check the form token and the budgets, call the form's
 * checks (pages/form.h), the pipeline (pipeline/pipeline.h), and pick the page and its
 * status. Knows nothing of libmicrohttpd: http.c hands it decoded fields. */
#ifndef HCBUS_REPORT_WEB_ROUTES_H
#define HCBUS_REPORT_WEB_ROUTES_H

#include <stdbool.h>

#include "hcbus/config.h"
#include "hcbus/error.h"
#include "hcbus/zones.h"
#include "pages/form.h"
#include "pages/pages.h"
#include "pipeline/pipeline.h"
#include "response.h"

typedef enum {
    ROUTE_HOME,                   /* GET / */
    ROUTE_WHERE,                  /* GET /reporte */
    ROUTE_PLACES,                 /* POST /reporte/lugar */
    ROUTE_SEND,                   /* POST /reporte/enviar */
    ROUTE_RECEIPT_ENTRY,          /* GET /recibo */
    ROUTE_RECEIPT_OPEN,           /* POST /recibo */
    ROUTE_ANSWER,                 /* POST /recibo/responder */
    ROUTE_STYLESHEET,             /* GET /estilo.css */
    ROUTE_NOT_FOUND,              /* no such path: 404 */
    ROUTE_BAD_METHOD,             /* a path of the table, another method (or an unknown one): 405 */
} route_t;

/* At most this many Argon2id derivations (receipt look-ups, answers) run at once; the
 * others wait up to ROUTES_HASH_WAIT_S, then get the busy page. */
#define ROUTES_HASH_CONCURRENCY 2
#define ROUTES_HASH_WAIT_S 20

typedef struct routes routes_t;

/* The routes of a service: cfg (its report section), zones and pipeline are borrowed
 * and must outlive the routes; secret is the report secret (the token key is derived
 * from it). Returns NULL with err on failure. */
routes_t *routes_new(const hcbus_config_t *cfg, const hcbus_zones_t *zones, report_pipeline_t *pipeline,
                     const unsigned char secret[32], hcbus_error_t *err);
void routes_destroy(routes_t **self_p);

/* Which route method and path name (the path without its query string). HEAD is GET.
 * *allow is set for ROUTE_BAD_METHOD ("GET, HEAD" or "POST"). */
route_t routes_find(const char *method, const char *path, const char **allow);

/* Whether the route reads a form body (the POST routes). */
bool routes_takes_form(route_t route);

/* Answer a route without a body (GET routes, 404, 405) into out. */
void routes_get(routes_t *self, route_t route, report_lang_t lang, web_response_t *out);

/* Answer a POST route with its decoded form into out. query_lang: the language of the
 * query string, used when the form has no `lang` field. */
void routes_post(routes_t *self, route_t route, const report_form_input_t *in, report_lang_t query_lang,
                 web_response_t *out);

/* A refusal page with its status (403, 404, 405, 413, 400, 503, 500) into out;
 * retry_after_s for the busy page (0: none). */
void routes_problem(routes_t *self, page_problem_t what, report_lang_t lang, uint32_t retry_after_s,
                    web_response_t *out);

#endif
