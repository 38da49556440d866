/* page_details.c — POST /reporte/lugar and a refused POST /reporte/enviar, step 2: the
 * places found (or only the department), what happened grouped as the WHO SSA types,
 * to whom, when, how serious, casualties, the account and photos (with the warning that
 * a picture may identify its author). Every error of the last submission is listed at
 * the top and shown beside its field; the values come back, escaped. */
#include "pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "choices.h"
#include "frame.h"
#include "places.h"

typedef struct details {
    report_buf_t *out;
    const page_ctx_t *ctx;
    const form_values_t *v;
    const form_error_t *errs;
    size_t nerr;
} details_t;

static const form_values_t no_values;

/* <fieldset id="f-FIELD"> with its legend and the field's errors. */
static void group_begin(details_t *d, const char *field, str_id_t legend, bool required,
                        const char *hint_id, str_id_t hint)
{
    buf_put(d->out, "<fieldset id=\"f-");
    buf_put(d->out, field);
    buf_put(d->out, "\"");
    frame_describedby(d->out, d->errs, d->nerr, field, hint_id);
    buf_put(d->out, "><legend>");
    buf_put(d->out, S(d->ctx, legend));
    if (required) {
        buf_put(d->out, " <span class=\"req\">");
        buf_put(d->out, S(d->ctx, S_REQUIRED));
        buf_put(d->out, "</span>");
    }
    buf_put(d->out, "</legend>");
    if (hint_id) {
        buf_put(d->out, "<p class=\"ayuda\" id=\"");
        buf_put(d->out, hint_id);
        buf_put(d->out, "\">");
        buf_put(d->out, S(d->ctx, hint));
        buf_put(d->out, "</p>");
    }
    frame_field_errors(d->out, d->ctx, d->errs, d->nerr, field);
}

/* One radio button with its label; label_html is trusted markup, or NULL to use the
 * escaped text label_text. */
static void radio(details_t *d, const char *name, const char *id, const char *value,
                  bool checked, const char *label_html, const char *label_text)
{
    buf_put(d->out, "<div class=\"opcion\"><input type=\"radio\" name=\"");
    buf_put(d->out, name);
    buf_put(d->out, "\" id=\"");
    buf_put_html(d->out, id);
    buf_put(d->out, "\" value=\"");
    buf_put_html(d->out, value);
    buf_put(d->out, checked ? "\" checked><label for=\"" : "\"><label for=\"");
    buf_put_html(d->out, id);
    buf_put(d->out, "\">");
    if (label_html)
        buf_put(d->out, label_html);
    else
        buf_put_html(d->out, label_text);
    buf_put(d->out, "</label></div>");
}

static void choice_radios(details_t *d, const char *field, const choice_list_t *list,
                          const char *chosen)
{
    char id[64];
    for (size_t i = 0; i < list->count; i++) {
        snprintf(id, sizeof id, "%s-%s", field, list->items[i].name);
        radio(d, field, id, list->items[i].name, strcmp(chosen, list->items[i].name) == 0,
              S(d->ctx, list->items[i].label), NULL);
    }
}

/* A place's name without its department, which the page already names: "Soyapango,
 * San Salvador Este" (escaped). */
static void place_name(report_buf_t *out, const char *name, const char *dep_name)
{
    size_t n = strlen(name), dl = strlen(dep_name);
    if (dl > 0 && n > dl + 2 && strcmp(name + n - dl, dep_name) == 0 &&
        strncmp(name + n - dl - 2, ", ", 2) == 0)
        n -= dl + 2;
    char *copy = strndup(name, n);
    buf_put_html(out, copy ? copy : name);
    free(copy);
}

/* The other search (a form of its own, before the report's). */
static void search_again(details_t *d, const char *dep_name)
{
    const char *args[] = {dep_name};
    buf_put(d->out, "<form method=\"post\" autocomplete=\"off\" action=\"/reporte/lugar\" class=\"buscar\" "
                    "id=\"f-departamento\">");
    frame_hidden(d->out, d->ctx);
    frame_hidden_field(d->out, "departamento", d->v->departamento);
    buf_put(d->out, "<div class=\"campo\"><label for=\"f-lugar\">");
    frame_fill(d->out, d->ctx, S_SEARCH_AGAIN, args, 1);
    buf_put(d->out, "</label>");
    frame_field_errors(d->out, d->ctx, d->errs, d->nerr, "departamento");
    frame_field_errors(d->out, d->ctx, d->errs, d->nerr, "lugar");
    buf_put(d->out, "<input type=\"text\" id=\"f-lugar\" name=\"lugar\" maxlength=\"128\" "
                    "autocomplete=\"off\"");
    frame_describedby(d->out, d->errs, d->nerr, "lugar", NULL);
    buf_put(d->out, " value=\"");
    buf_put_html(d->out, d->v->lugar);
    buf_put(d->out, "\"></div><button type=\"submit\" class=\"secundario\">");
    buf_put(d->out, S(d->ctx, S_SEARCH));
    buf_put(d->out, "</button></form>");
}

static void where(details_t *d, const char *dep_zone, const char *dep_name,
                  const char *const *zone_ids, size_t zone_count)
{
    const char *args[] = {dep_name, d->v->lugar};
    group_begin(d, "zona", S_WHERE_LEGEND, true, NULL, S_COUNT);
    buf_put(d->out, "<p class=\"ayuda\">");
    if (zone_count > 0)
        frame_fill(d->out, d->ctx, S_FOUND_SOME, args, 2);
    else if (d->v->lugar[0])
        frame_fill(d->out, d->ctx, S_FOUND_NONE, args, 2);
    else
        buf_put(d->out, S(d->ctx, S_FOUND_EMPTY));
    buf_put(d->out, "</p>");
    char id[32];
    /* Place names are Spanish: on an English page the list says so once. */
    bool mark = d->ctx->lang != REPORT_LANG_ES && zone_count > 0;
    if (mark)
        buf_put(d->out, "<div lang=\"es\">");
    for (size_t i = 0; i < zone_count; i++) {
        const char *name = hcbus_zones_name(d->ctx->zones, zone_ids[i]);
        bool municipality =
            hcbus_zones_lookup(d->ctx->zones, zone_ids[i]) == HCBUS_ZONE_MUNICIPALITY;
        snprintf(id, sizeof id, "zona-%zu", i + 1);
        buf_put(d->out, "<div class=\"opcion\"><input type=\"radio\" name=\"zona\" id=\"");
        buf_put(d->out, id);
        buf_put(d->out, "\" value=\"");
        buf_put_html(d->out, zone_ids[i]);
        buf_put(d->out, strcmp(d->v->zona, zone_ids[i]) == 0 ? "\" checked>" : "\">");
        buf_put(d->out, "<label for=\"");
        buf_put(d->out, id);
        buf_put(d->out, "\">");
        place_name(d->out, name ? name : zone_ids[i], dep_name);
        if (municipality) {
            buf_put(d->out, mark ? " <span lang=\"en\">" : " ");
            buf_put(d->out, S(d->ctx, S_WHOLE_MUNICIPALITY));
            buf_put(d->out, mark ? "</span>" : "");
        }
        buf_put(d->out, "</label></div>");
    }
    if (mark)
        buf_put(d->out, "</div>");
    if (dep_zone) {
        bool checked = strcmp(d->v->zona, dep_zone) == 0 || (zone_count == 0 && !d->v->zona[0]);
        buf_put(d->out, "<div class=\"opcion\"><input type=\"radio\" name=\"zona\" "
                        "id=\"zona-departamento\" value=\"");
        buf_put_html(d->out, dep_zone);
        buf_put(d->out, checked ? "\" checked>" : "\">");
        buf_put(d->out, "<label for=\"zona-departamento\">");
        frame_fill(d->out, d->ctx, S_ONLY_DEPARTMENT, args, 1);
        buf_put(d->out, "</label></div>");
    }
    buf_put(d->out, "</fieldset>");
}

/* The 24 acts, one <details> per WHO SSA group so that step 2 fits a phone (the
 * summaries show the groups; a tap or Enter opens one; no script). A group is open when
 * it holds the chosen act, so a page shown again with errors shows the choice kept; an
 * error of "que" (nothing chosen, an unknown value) is shown above the closed groups.
 * The 24 radios stay one group, the fieldset "¿Qué pasó?" with its legend; a summary
 * is a heading a keyboard reaches (Tab, then Enter or Space). The page stays under
 * 30 KB: a <details> takes fewer bytes than the <fieldset>/<legend> it replaces. */
static void what(details_t *d)
{
    group_begin(d, "que", S_QUE_LEGEND, true, "h-que", S_QUE_HINT);
    char id[64];
    for (size_t i = 0; i < choice_acts.count;) {
        str_id_t group = choice_acts.items[i].group;
        size_t end = i;
        bool open = false;
        for (; end < choice_acts.count && choice_acts.items[end].group == group; end++)
            open = open || strcmp(d->v->que, choice_acts.items[end].name) == 0;
        buf_put(d->out, open ? "<details open><summary>" : "<details><summary>");
        buf_put(d->out, S(d->ctx, group));
        buf_put(d->out, "</summary>");
        for (; i < end; i++) {
            const choice_t *c = &choice_acts.items[i];
            snprintf(id, sizeof id, "que-%s", c->name);
            radio(d, "que", id, c->name, strcmp(d->v->que, c->name) == 0, S(d->ctx, c->label),
                  NULL);
        }
        buf_put(d->out, "</details>");
    }
    buf_put(d->out, "</fieldset>");
}

static void when(details_t *d)
{
    static const struct {
        const char *value;
        str_id_t label;
    } days[] = {{"hoy", S_HOY}, {"ayer", S_AYER}, {"fecha", S_OTRO_DIA}};
    group_begin(d, "cuando", S_CUANDO_LEGEND, true, "h-cuando", S_CUANDO_HINT);
    char id[32];
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
        snprintf(id, sizeof id, "cuando-%s", days[i].value);
        radio(d, "cuando", id, days[i].value, strcmp(d->v->cuando, days[i].value) == 0,
              S(d->ctx, days[i].label), NULL);
    }
    buf_put(d->out, "<div class=\"campo\"><label for=\"f-fecha\">");
    buf_put(d->out, S(d->ctx, S_FECHA));
    buf_put(d->out, "</label><p class=\"ayuda\" id=\"h-fecha\">");
    buf_put(d->out, S(d->ctx, S_FECHA_HINT));
    buf_put(d->out, "</p>");
    frame_field_errors(d->out, d->ctx, d->errs, d->nerr, "fecha");
    buf_put(d->out, "<input type=\"date\" id=\"f-fecha\" name=\"fecha\"");
    frame_describedby(d->out, d->errs, d->nerr, "fecha", "h-fecha");
    buf_put(d->out, " value=\"");
    buf_put_html(d->out, d->v->fecha);
    buf_put(d->out, "\"></div></fieldset>");
}

static void number(details_t *d, const char *field, str_id_t label, const char *value)
{
    buf_put(d->out, "<div class=\"campo numero\"><label for=\"f-");
    buf_put(d->out, field);
    buf_put(d->out, "\">");
    buf_put(d->out, S(d->ctx, label));
    buf_put(d->out, "</label>");
    frame_field_errors(d->out, d->ctx, d->errs, d->nerr, field);
    buf_put(d->out, "<input type=\"number\" id=\"f-");
    buf_put(d->out, field);
    buf_put(d->out, "\" name=\"");
    buf_put(d->out, field);
    buf_put(d->out, "\" min=\"0\" max=\"999\" step=\"1\" inputmode=\"numeric\"");
    frame_describedby(d->out, d->errs, d->nerr, field, NULL);
    buf_put(d->out, " value=\"");
    buf_put_html(d->out, value[0] ? value : "0");
    buf_put(d->out, "\"></div>");
}

static void casualties(details_t *d)
{
    buf_put(d->out, "<fieldset id=\"f-victimas\"><legend>");
    buf_put(d->out, S(d->ctx, S_VICTIMAS_LEGEND));
    buf_put(d->out, "</legend>");
    number(d, "muertos", S_MUERTOS, d->v->muertos);
    number(d, "heridos", S_HERIDOS, d->v->heridos);
    number(d, "secuestrados", S_SECUESTRADOS, d->v->secuestrados);
    buf_put(d->out, "</fieldset>");
}

static void account(details_t *d)
{
    buf_put(d->out, "<div class=\"campo\"><label for=\"f-relato\">");
    buf_put(d->out, S(d->ctx, S_RELATO));
    buf_put(d->out, "</label><p class=\"ayuda\" id=\"h-relato\">");
    buf_put(d->out, S(d->ctx, S_RELATO_HINT));
    buf_put(d->out, "</p>");
    frame_field_errors(d->out, d->ctx, d->errs, d->nerr, "relato");
    buf_put(d->out, "<textarea id=\"f-relato\" name=\"relato\" rows=\"6\" maxlength=\"1024\"");
    frame_describedby(d->out, d->errs, d->nerr, "relato", "h-relato");
    buf_put(d->out, ">");
    buf_put_html(d->out, d->v->relato);
    buf_put(d->out, "</textarea></div>");
}

static void photos(details_t *d)
{
    const hcbus_report_config_t *cfg = d->ctx->cfg;
    unsigned max = cfg ? cfg->max_photos : 3;
    if (max == 0) {
        /* No photo field; an error about photos still has its place. */
        if (frame_has_error(d->errs, d->nerr, "foto")) {
            buf_put(d->out, "<div class=\"campo\" id=\"f-foto\">");
            frame_field_errors(d->out, d->ctx, d->errs, d->nerr, "foto");
            buf_put(d->out, "</div>");
        }
        return;
    }
    char count[16], mb[48];
    snprintf(count, sizeof count, "%u", max);
    frame_megabytes(d->ctx, cfg ? cfg->max_photo_bytes : 2097152u, mb, sizeof mb);
    const char *args[] = {count, mb};
    buf_put(d->out, "<div class=\"campo\"><label for=\"f-foto\">");
    buf_put(d->out, S(d->ctx, S_FOTO));
    buf_put(d->out, "</label><p class=\"ayuda\" id=\"h-foto\">");
    frame_fill(d->out, d->ctx, max == 1 ? S_FOTO_HINT_ONE : S_FOTO_HINT, args, 2);
    buf_put(d->out, "</p><p class=\"aviso\" id=\"w-foto\">");
    buf_put(d->out, S(d->ctx, S_FOTO_WARN));
    buf_put(d->out, "</p>");
    if (d->nerr > 0) {
        buf_put(d->out, "<p class=\"ayuda\">");
        buf_put(d->out, S(d->ctx, S_FOTO_AGAIN));
        buf_put(d->out, "</p>");
    }
    frame_field_errors(d->out, d->ctx, d->errs, d->nerr, "foto");
    buf_put(d->out, "<input type=\"file\" id=\"f-foto\" name=\"foto\" multiple "
                    "accept=\"image/jpeg,image/png\"");
    frame_describedby(d->out, d->errs, d->nerr, "foto", "h-foto w-foto");
    buf_put(d->out, "></div>");
}

void page_details(report_buf_t *out, const page_ctx_t *ctx, const form_values_t *v,
                  const char *const *zone_ids, size_t zone_count, const form_error_t *errs,
                  size_t error_count)
{
    details_t d = {out, ctx, v ? v : &no_values, errs, errs ? error_count : 0};
    char dep_zone[PLACES_DEPARTMENT_ZONE_MAX];
    bool has_dep = places_department_zone(ctx->zones, d.v->departamento, dep_zone);
    const char *dep_name = has_dep ? hcbus_zones_name(ctx->zones, dep_zone) : NULL;
    if (!dep_name)
        dep_name = "";

    frame_begin(out, ctx, S(ctx, S_DETAILS_TITLE), "/reporte");
    buf_put(out, "<h1>");
    buf_put(out, S(ctx, S_DETAILS_TITLE));
    buf_put(out, "</h1>");
    frame_error_summary(out, ctx, errs, d.nerr);
    buf_put(out, "<p>");
    buf_put(out, S(ctx, S_DETAILS_INTRO));
    buf_put(out, "</p>");
    search_again(&d, dep_name);

    buf_put(out, "<form method=\"post\" autocomplete=\"off\" action=\"/reporte/enviar\" "
                 "enctype=\"multipart/form-data\">");
    frame_hidden(out, ctx);
    frame_hidden_field(out, "departamento", d.v->departamento);
    frame_hidden_field(out, "lugar", d.v->lugar);
    where(&d, has_dep ? dep_zone : NULL, dep_name, zone_ids, zone_ids ? zone_count : 0);
    what(&d);
    group_begin(&d, "a_quien", S_A_QUIEN_LEGEND, true, NULL, S_COUNT);
    choice_radios(&d, "a_quien", &choice_targets, d.v->a_quien);
    buf_put(out, "</fieldset>");
    when(&d);
    group_begin(&d, "gravedad", S_GRAVEDAD_LEGEND, true, NULL, S_COUNT);
    choice_radios(&d, "gravedad", &choice_severities, d.v->gravedad);
    buf_put(out, "</fieldset>");
    casualties(&d);
    account(&d);
    photos(&d);
    buf_put(out, "<p class=\"ayuda\">");
    buf_put(out, S(ctx, S_SEND_NOTE));
    buf_put(out, "</p><button type=\"submit\">");
    buf_put(out, S(ctx, S_SEND));
    buf_put(out, "</button></form>");
    frame_end(out, ctx);
}
