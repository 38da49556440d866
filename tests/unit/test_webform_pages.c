/* test_webform_pages.c — every page of hcbus-report (services/report/pages) in Spanish
 * and English: a whole document with <html lang> and the viewport, under 30 KB (the
 * biggest page is step 2 with every place of the largest department, every error and
 * every value at its longest, escaped), no script or anything from elsewhere, a label
 * for every control and unique ids, errors beside their fields (aria-describedby),
 * the hidden lang and token in every form, every element closed in order, the
 * language switch, and no Spanish left in the English pages' fixed texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "choices.h"
#include "form.h"
#include "hcbus.pb-c.h"
#include "pages.h"
#include "../../services/cli/audit/report_labels.h"   /* not on the path: its report.h */
#include "texts.h"

#define REAL_CSV HCBUS_SOURCE_DIR "/deploy/sv-districts.csv"
#define PAGE_MAX_BYTES (30 * 1024)
#define RECEIPT "K7QM-2XD9-4RTB-HW3P"

typedef struct fixture {
    hcbus_zones_t *zones;
    hcbus_report_config_t cfg;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    hcbus_error_t err;
    f->zones = hcbus_zones_load(REAL_CSV, &err);
    if (!f->zones)
        return -1;
    f->cfg.max_photos = 5;
    f->cfg.max_photo_bytes = 2097152;
    f->cfg.max_request_bytes = 8388608;
    f->cfg.release_delay_max_s = 900;
    f->cfg.token_lifetime_s = 3600;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    hcbus_zones_destroy(&f->zones);
    free(f);
    return 0;
}

static page_ctx_t ctx_of(fixture_t *f, report_lang_t lang)
{
    return (page_ctx_t){lang, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", f->zones, &f->cfg};
}

/* The value of attribute name in the tag starting at tag (up to '>'), into out. */
static bool attr(const char *tag, const char *name, char *out, size_t size)
{
    const char *end = strchr(tag, '>');
    char pat[64];
    snprintf(pat, sizeof pat, " %s=\"", name);
    const char *at = strstr(tag, pat);
    if (!at || !end || at > end)
        return false;
    at += strlen(pat);
    const char *q = strchr(at, '"');
    size_t n = (size_t)(q - at);
    if (n >= size)
        n = size - 1;
    memcpy(out, at, n);
    out[n] = '\0';
    return true;
}

/* Every input (not hidden), select and textarea has an id and a <label for> naming it;
 * every id is unique; every aria-describedby names ids of the page. */
static void check_labels(const char *page)
{
    static const char *const controls[] = {"<input", "<select", "<textarea"};
    char id[128], type[32], pat[160];
    for (size_t k = 0; k < 3; k++)
        for (const char *p = strstr(page, controls[k]); p; p = strstr(p + 1, controls[k])) {
            if (k == 0 && attr(p, "type", type, sizeof type) && strcmp(type, "hidden") == 0)
                continue;
            if (!attr(p, "id", id, sizeof id))
                fail_msg("a control without id: %.80s", p);
            snprintf(pat, sizeof pat, "<label for=\"%s\"", id);
            if (!strstr(page, pat))
                fail_msg("no label for %s", id);
        }
    for (const char *p = strstr(page, " id=\""); p; p = strstr(p + 1, " id=\"")) {
        attr(p, "id", id, sizeof id);
        snprintf(pat, sizeof pat, " id=\"%s\"", id);
        if (strstr(p + 1, pat))
            fail_msg("id %s twice", id);
    }
    char ids[256];
    for (const char *p = strstr(page, "aria-describedby=\""); p;
         p = strstr(p + 1, "aria-describedby=\"")) {
        attr(p - 1, "aria-describedby", ids, sizeof ids);
        for (char *save = NULL, *one = strtok_r(ids, " ", &save); one;
             one = strtok_r(NULL, " ", &save)) {
            snprintf(pat, sizeof pat, " id=\"%s\"", one);
            if (!strstr(page, pat))
                fail_msg("aria-describedby names %s, which is not on the page", one);
        }
    }
}

/* Every element that is opened is closed, in order (void elements aside): the
 * page's structure does not depend on a browser's repairs. */
static void check_nesting(const char *page)
{
    static const char *const voids[] = {"meta", "link", "input", "br", "img", "hr"};
    char stack[64][16];
    size_t depth = 0;
    for (const char *p = strchr(page, '<'); p; p = strchr(p + 1, '<')) {
        if (p[1] == '!')
            continue;
        bool closing = p[1] == '/';
        const char *name = p + 1 + closing;
        size_t n = strcspn(name, " >");
        assert_true(n > 0 && n < 16);
        char tag[16];
        memcpy(tag, name, n);
        tag[n] = '\0';
        bool is_void = false;
        for (size_t i = 0; i < sizeof voids / sizeof voids[0]; i++)
            is_void |= strcmp(tag, voids[i]) == 0;
        if (is_void)
            continue;
        if (!closing) {
            assert_true(depth < 64);
            memcpy(stack[depth++], tag, sizeof tag);
        } else if (depth == 0 || strcmp(stack[depth - 1], tag) != 0) {
            fail_msg("</%s> closes <%s>", tag, depth ? stack[depth - 1] : "nothing");
        } else {
            depth--;
        }
    }
    if (depth != 0)
        fail_msg("<%s> is never closed", stack[depth - 1]);
}

/* What every page must be. */
static void check_page(const report_buf_t *b, report_lang_t lang)
{
    assert_false(b->failed);
    assert_non_null(b->data);
    const char *page = b->data;
    if (b->len >= PAGE_MAX_BYTES)
        fail_msg("page of %zu bytes (limit %d)", b->len, PAGE_MAX_BYTES);
    assert_int_equal(strlen(page), b->len);
    assert_int_equal(strncmp(page, "<!DOCTYPE html>\n<html lang=\"", 28), 0);
    assert_non_null(strstr(page, lang == REPORT_LANG_EN ? "<html lang=\"en\">"
                                                        : "<html lang=\"es-SV\">"));
    assert_non_null(strstr(page, "<meta charset=\"utf-8\">"));
    assert_non_null(strstr(page, "<meta name=\"viewport\" content=\"width=device-width, "
                                 "initial-scale=1\">"));
    assert_non_null(strstr(page, "<link rel=\"stylesheet\" href=\"/estilo.css\">"));
    assert_non_null(strstr(page, "</body></html>\n"));
    /* Nothing that runs, nothing from elsewhere. */
    static const char *const never[] = {"<script", "javascript:", " onload", " onclick",
                                        " onerror", " onfocus", "http://", "https://",
                                        " src=", "<iframe", "<object", "<embed", "style=\""};
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        if (strstr(page, never[i]))
            fail_msg("page holds %s", never[i]);
    /* What is kept, on every page. */
    assert_non_null(strstr(page, str(lang, S_KEPT_LINE)));
    /* Every form carries lang and token; posts only here. */
    for (const char *p = strstr(page, "<form"); p; p = strstr(p + 1, "<form")) {
        const char *end = strstr(p, "</form>");
        assert_non_null(end);
        char method[16], action[64];
        assert_true(attr(p, "method", method, sizeof method));
        assert_string_equal(method, "post");
        assert_true(attr(p, "action", action, sizeof action));
        assert_true(action[0] == '/');
        char autocomplete[8];   /* nothing typed stays in the browser's form history */
        assert_true(attr(p, "autocomplete", autocomplete, sizeof autocomplete));
        assert_string_equal(autocomplete, "off");
        const char *lang_field = strstr(p, "<input type=\"hidden\" name=\"lang\" value=\"");
        const char *token = strstr(p, "<input type=\"hidden\" name=\"token\" value=\"AAAA");
        assert_true(lang_field && lang_field < end && token && token < end);
        /* A form of the language switch (the conversation's) carries the other one. */
        bool other = strncmp(p, "<form class=\"idioma\"", 20) == 0;
        assert_non_null(strstr(lang_field, (lang == REPORT_LANG_EN) != other ? "value=\"en\""
                                                                          : "value=\"es\""));
    }
    check_labels(page);
    check_nesting(page);
    /* The English pages' fixed texts are English. */
    if (lang == REPORT_LANG_EN) {
        assert_null(strstr(page, "¿"));
        assert_null(strstr(page, "«"));
        for (int id = 0; id < S_COUNT; id++) {
            const char *es = str(REPORT_LANG_ES, (str_id_t)id);
            if (strcmp(es, str(REPORT_LANG_EN, (str_id_t)id)) != 0 && strlen(es) >= 4 &&
                !strchr(es, '{') && strstr(page, es))
                fail_msg("Spanish text %d in an English page: %s", id, es);
        }
    }
}

static void test_texts_complete(void **state)
{
    (void)state;
    for (int id = 0; id < S_COUNT; id++) {
        assert_true(str(REPORT_LANG_ES, (str_id_t)id)[0] != '\0');
        assert_true(str(REPORT_LANG_EN, (str_id_t)id)[0] != '\0');
    }
    /* str_format puts arguments (escaped or not) in place of {1}..{n}. */
    report_buf_t b = {0};
    const char *args[] = {"<a>", "b"};
    str_format(&b, "x{1}y{2}z{3}", args, 2, true);
    assert_string_equal(b.data, "x&lt;a&gt;ybz{3}");
    buf_free(&b);
}

/* The acts offered are grouped exactly as `hcbus audit report` counts them (one WHO SSA
 * type per heading, a different one for each heading), and every act of the proto is
 * offered but bombing and shelling. */
static void test_acts_as_ssa_types(void **state)
{
    (void)state;
    const char *ssa_of_group[S_COUNT] = {0};
    for (size_t i = 0; i < choice_acts.count; i++) {
        const choice_t *c = &choice_acts.items[i];
        const char *ssa = report_ssa_of_act(c->name)->key;
        assert_string_not_equal(ssa, "unspecified");
        if (!ssa_of_group[c->group])
            ssa_of_group[c->group] = ssa;
        if (strcmp(ssa_of_group[c->group], ssa) != 0)
            fail_msg("%s (%s) under the heading of %s", c->name, ssa, ssa_of_group[c->group]);
        for (int g = 0; g < S_COUNT; g++)
            if (g != (int)c->group && ssa_of_group[g] && strcmp(ssa_of_group[g], ssa) == 0)
                fail_msg("%s: its SSA type %s has two headings", c->name, ssa);
        char name[64];
        const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(&hcbus__act__descriptor, c->value);
        assert_non_null(v);
        snprintf(name, sizeof name, "%s", v->name + 4);   /* "ACT_THREAT" -> "threat" */
        for (char *p = name; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
        assert_string_equal(name, c->name);
    }
    for (unsigned i = 0; i < hcbus__act__descriptor.n_values; i++) {
        const ProtobufCEnumValue *v = &hcbus__act__descriptor.values[i];
        bool offered = choice_by_value(&choice_acts, v->value) != NULL;
        bool never = v->value == HCBUS__ACT__ACT_UNSPECIFIED || v->value == HCBUS__ACT__ACT_BOMBING ||
                     v->value == HCBUS__ACT__ACT_SHELLING;
        if (offered == never)
            fail_msg("act %s %s", v->name, offered ? "offered" : "not offered");
    }
}

static void test_home_and_receipt(void **state)
{
    fixture_t *f = *state;
    for (int l = 0; l < 2; l++) {
        page_ctx_t ctx = ctx_of(f, (report_lang_t)l);
        report_buf_t b = {0};
        page_home(&b, &ctx);
        check_page(&b, ctx.lang);
        assert_non_null(strstr(b.data, l ? "href=\"/reporte?lang=en\"" : "href=\"/reporte\""));
        assert_non_null(strstr(b.data, l ? "href=\"/recibo?lang=en\"" : "href=\"/recibo\""));
        assert_non_null(strstr(b.data, l ? "href=\"/?lang=es\"" : "href=\"/?lang=en\""));
        assert_non_null(strstr(b.data, l ? "Make a report" : "Hacer un reporte"));
        assert_non_null(strstr(b.data, l ? "I have a receipt code" : "Tengo un código de recibo"));
        buf_free(&b);

        page_receipt_entry(&b, &ctx, NULL);
        check_page(&b, ctx.lang);
        assert_non_null(strstr(b.data, "action=\"/recibo\""));
        assert_non_null(strstr(b.data, "name=\"recibo\""));
        buf_free(&b);
        page_receipt_entry(&b, &ctx, "no report has this <receipt>");
        check_page(&b, ctx.lang);
        assert_non_null(strstr(b.data, "role=\"alert\""));
        assert_non_null(strstr(b.data, "no report has this &lt;receipt&gt;"));
        assert_non_null(strstr(b.data, "aria-describedby=\"h-recibo e-recibo\""));
        buf_free(&b);
    }
}

static void test_where(void **state)
{
    fixture_t *f = *state;
    form_values_t v;
    memset(&v, 0, sizeof v);
    snprintf(v.departamento, sizeof v.departamento, "SM");
    snprintf(v.lugar, sizeof v.lugar, "<b>\"x\"</b>");
    for (int l = 0; l < 2; l++) {
        page_ctx_t ctx = ctx_of(f, (report_lang_t)l);
        report_buf_t b = {0};
        page_where(&b, &ctx, &v, l ? "Choose a department." : NULL);
        check_page(&b, ctx.lang);
        assert_non_null(strstr(b.data, "action=\"/reporte/lugar\""));
        /* the 14 departments, by name, the one chosen selected */
        size_t options = 0;
        for (const char *p = strstr(b.data, "<option "); p; p = strstr(p + 1, "<option "))
            options++;
        assert_int_equal(options, 15);
        assert_non_null(strstr(b.data, l ? "<option lang=\"es\" value=\"SM\" selected>San Miguel</option>"
                                         : "<option value=\"SM\" selected>San Miguel</option>"));
        assert_true(strstr(b.data, "Ahuachapán") < strstr(b.data, "Usulután"));
        assert_non_null(strstr(b.data, "value=\"&lt;b&gt;&quot;x&quot;&lt;/b&gt;\""));
        buf_free(&b);
    }
}

static form_error_t error(const char *field, const char *message)
{
    form_error_t e = {.field = field};
    snprintf(e.message, sizeof e.message, "%s", message);
    return e;
}

/* Every municipality and district of a department. */
typedef struct all_places {
    const char *dep;
    const char *ids[FORM_PLACES_MAX];
    size_t n;
} all_places_t;

static void collect(void *arg, const char *zone_id, hcbus_zone_level_t level, const char *name)
{
    (void)name;
    all_places_t *a = arg;
    if ((level == HCBUS_ZONE_MUNICIPALITY || level == HCBUS_ZONE_DISTRICT) &&
        hcbus_zone_covers(a->dep, zone_id) && a->n < FORM_PLACES_MAX)
        a->ids[a->n++] = zone_id;
}

/* Step 2 at its biggest: Chalatenango (the most places), and a submission with every
 * field wrong (form_check's own messages, 5 bad photos: 15 errors) and every value at
 * its longest, all of it escaped (each '<' is 4 bytes on the page). */
static void test_details_biggest(void **state)
{
    fixture_t *f = *state;
    all_places_t all = {.dep = "sv.ch"};
    hcbus_zones_each(f->zones, collect, &all);
    assert_int_equal(all.n, 36);
    assert_true(all.n <= FORM_PLACES_MAX);

    static char relato[REPORT_DESCRIPTION_MAX + 2], lugar[130], zona[HCBUS_ZONE_ID_MAX + 1];
    memset(relato, '<', sizeof relato - 1);
    memset(lugar, '"', sizeof lugar - 1);
    memset(zona, '<', sizeof zona - 1);
    const report_field_t fields[] = {
        {"departamento", "CH", 2},   {"lugar", lugar, sizeof lugar - 1},
        {"zona", zona, sizeof zona - 1}, {"que", "<<<<<<<", 7},
        {"a_quien", "<<<<<<<", 7},   {"cuando", "fecha", 5},
        {"fecha", "<<<<<<<<<<", 10}, {"gravedad", "<<<<<<<", 7},
        {"muertos", "<<<<<<<", 7},   {"heridos", "<<<<<<<", 7},
        {"secuestrados", "<<<<<<<", 7}, {"relato", relato, sizeof relato - 1},
    };
    static const unsigned char bad[] = "<<<<";
    report_upload_t uploads[5];
    for (size_t i = 0; i < 5; i++)
        uploads[i] = (report_upload_t){"foto", bad, 4};
    report_form_input_t in = {fields, sizeof fields / sizeof fields[0], uploads, 5};
    size_t biggest = 0;
    for (int l = 0; l < 2; l++) {
        page_ctx_t ctx = ctx_of(f, (report_lang_t)l);
        report_draft_t draft;
        form_values_t v;
        form_error_t errs[FORM_ERRORS_MAX];
        int n = form_check(&in, &ctx, 0, &draft, &v, errs);
        assert_int_equal(n, 15);   /* every field but the department, and 5 photos */
        report_buf_t b = {0};
        page_details(&b, &ctx, &v, all.ids, all.n, errs, (size_t)n);
        check_page(&b, ctx.lang);
        if (b.len > biggest)
            biggest = b.len;
        buf_free(&b);
    }
    print_message("step 2 at its biggest: %zu bytes (limit %d)\n", biggest, PAGE_MAX_BYTES);
}

static void test_details(void **state)
{
    fixture_t *f = *state;
    const char *ids[FORM_PLACES_MAX];
    size_t n = form_find_places(f->zones, "SS", "soyapango", ids, FORM_PLACES_MAX);
    assert_true(n >= 1);
    form_values_t v;
    memset(&v, 0, sizeof v);
    snprintf(v.departamento, sizeof v.departamento, "SS");
    snprintf(v.lugar, sizeof v.lugar, "soyapango");
    snprintf(v.zona, sizeof v.zona, "%s", ids[0]);
    snprintf(v.que, sizeof v.que, "threat");
    snprintf(v.relato, sizeof v.relato, "línea 1\nlínea 2");
    form_error_t errs[] = {error("a_quien", "a_quien: <choose>"),
                           error("foto", "photo 1 bad"), error("foto", "photo 2 bad")};
    for (int l = 0; l < 2; l++) {
        page_ctx_t ctx = ctx_of(f, (report_lang_t)l);
        report_buf_t b = {0};
        page_details(&b, &ctx, &v, ids, n, errs, 3);
        check_page(&b, ctx.lang);
        const char *p = b.data;
        assert_non_null(strstr(p, "action=\"/reporte/enviar\" enctype=\"multipart/form-data\""));
        /* The hidden fields of step 1 travel on; the choices are kept. */
        assert_non_null(strstr(p, "name=\"departamento\" value=\"SS\""));
        assert_non_null(strstr(p, "name=\"lugar\" value=\"soyapango\""));
        assert_non_null(strstr(p, "value=\"sv.ss.san-salvador-este.soyapango\" checked>"));
        assert_non_null(strstr(p, "value=\"sv.ss\">"));     /* only the department */
        assert_non_null(strstr(p, "value=\"threat\" checked>"));
        assert_non_null(strstr(p, ">línea 1\nlínea 2</textarea>"));
        /* Radio groups in fieldsets with legends, the acts in their SSA groups. */
        assert_non_null(strstr(p, "<fieldset id=\"f-que\""));
        /* The SSA groups fold (<details>, no script) inside the one fieldset of "que";
         * only the group of the chosen act (threat) is open. */
        size_t radios = 0, groups = 0, open = 0;
        for (const char *r = strstr(p, "name=\"que\""); r; r = strstr(r + 1, "name=\"que\""))
            radios++;
        for (const char *g = strstr(p, "<details"); g; g = strstr(g + 1, "<details"))
            groups++, open += strncmp(g, "<details open>", strlen("<details open>")) == 0;
        assert_int_equal(radios, 24);
        assert_int_equal(groups, 10);
        assert_int_equal(open, 1);
        const char *threat_group = strstr(p, "<details open><summary>");
        assert_non_null(threat_group);
        assert_non_null(strstr(threat_group, l ? "<summary>Threats, intimidation or harassment</summary>"
                                               : "<summary>Amenazas, intimidación o acoso</summary>"));
        assert_true(strstr(threat_group, "value=\"threat\" checked>") <
                    strstr(threat_group, "</details>"));
        assert_true(strstr(p, "<fieldset id=\"f-que\"") < strstr(p, "<details") &&
                    strstr(strstr(p, "<fieldset id=\"f-que\""), "</fieldset>") > strstr(p, "name=\"que\" id=\"que-other\""));
        /* Errors: all at the top (linked to their field), each beside its field. */
        assert_non_null(strstr(p, "<a href=\"#f-a_quien\">a_quien: &lt;choose&gt;</a>"));
        assert_non_null(strstr(p, "<fieldset id=\"f-a_quien\" aria-describedby=\"e-a_quien\" "
                                  "aria-invalid=\"true\">"));
        assert_non_null(strstr(p, "<p class=\"error\" id=\"e-a_quien\">"));
        assert_non_null(strstr(p, "id=\"e-foto-2\""));
        assert_non_null(strstr(p, "aria-describedby=\"h-foto w-foto e-foto e-foto-2\""));
        /* The photo field: at most max_photos, and the warning. */
        assert_non_null(strstr(p, "type=\"file\" id=\"f-foto\" name=\"foto\" multiple "
                                  "accept=\"image/jpeg,image/png\""));
        assert_non_null(strstr(p, l ? "the picture itself may identify you"
                                    : "la imagen misma puede identificarle"));
        assert_non_null(strstr(p, l ? "up to 5 JPEG or PNG photos of 2.0 MB"
                                    : "hasta 5 fotos JPEG o PNG de 2,0 MB"));
        assert_non_null(strstr(p, l ? "<legend>What happened? " : "<legend>¿Qué pasó? "));
        assert_non_null(strstr(p, l ? "<legend>When? (roughly)" : "<legend>¿Cuándo? (aproximado)"));
        /* Place names are Spanish, and an English page says so. */
        assert_true(!l || strstr(p, "<div lang=\"es\"><div class=\"opcion\"><input type=\"radio\" name=\"zona\""));
        buf_free(&b);
    }

    /* One photo allowed: "1 foto", never "1 fotos". */
    f->cfg.max_photos = 1;
    for (int l = 0; l < 2; l++) {
        page_ctx_t one = ctx_of(f, (report_lang_t)l);
        report_buf_t b1 = {0};
        page_details(&b1, &one, &v, ids, n, NULL, 0);
        check_page(&b1, one.lang);
        assert_non_null(strstr(b1.data, l ? "Optional: 1 JPEG or PNG photo of up to 2.0 MB"
                                          : "Opcional: 1 foto JPEG o PNG de hasta 2,0 MB"));
        assert_null(strstr(b1.data, l ? "1 JPEG or PNG photos" : "1 fotos"));
        buf_free(&b1);
    }
    f->cfg.max_photos = 5;

    /* No place found: said so, the department offered (and chosen), a new search. */
    memset(&v, 0, sizeof v);
    snprintf(v.departamento, sizeof v.departamento, "SS");
    snprintf(v.lugar, sizeof v.lugar, "zzzz");
    page_ctx_t ctx = ctx_of(f, REPORT_LANG_ES);
    report_buf_t b = {0};
    page_details(&b, &ctx, &v, NULL, 0, NULL, 0);
    check_page(&b, ctx.lang);
    assert_non_null(strstr(b.data, "No encontramos «zzzz» en San Salvador."));
    assert_non_null(strstr(b.data, "value=\"sv.ss\" checked>"));
    assert_non_null(strstr(b.data, "Buscar otro lugar en San Salvador"));
    assert_null(strstr(b.data, "role=\"alert\""));
    buf_free(&b);
    /* No photos allowed: no file input, but an error about photos has its place; an
     * error of a field the page does not show (the web layer's token) has no link. */
    form_error_t more[] = {error("token", "send again"), error("foto", "no photos")};
    f->cfg.max_photos = 0;
    page_details(&b, &ctx, &v, NULL, 0, more, 2);
    f->cfg.max_photos = 5;
    check_page(&b, ctx.lang);
    assert_null(strstr(b.data, "type=\"file\""));
    /* Nothing chosen: every group folded, the error above them. */
    assert_null(strstr(b.data, "<details open>"));
    assert_non_null(strstr(b.data, "<li>send again</li>"));
    assert_non_null(strstr(b.data, "<li><a href=\"#f-foto\">no photos</a></li>"));
    assert_non_null(strstr(b.data, "<div class=\"campo\" id=\"f-foto\"><p class=\"error\" id=\"e-foto\">"));
    buf_free(&b);
}

static void test_sent(void **state)
{
    fixture_t *f = *state;
    for (int l = 0; l < 2; l++) {
        page_ctx_t ctx = ctx_of(f, (report_lang_t)l);
        report_buf_t b = {0};
        page_sent(&b, &ctx, RECEIPT);
        check_page(&b, ctx.lang);
        assert_non_null(strstr(b.data, "<p class=\"recibo\" id=\"recibo\">" RECEIPT "</p>"));
        assert_non_null(strstr(b.data, l ? "within 15 minutes." : "en menos de 15 minutos."));
        buf_free(&b);
        f->cfg.release_delay_max_s = 1;      /* one minute, not "1 minutos" */
        page_sent(&b, &ctx, RECEIPT);
        f->cfg.release_delay_max_s = 900;
        assert_non_null(strstr(b.data, l ? "within 1 minute." : "en menos de 1 minuto."));
        assert_null(strstr(b.data, l ? "1 minutes" : "1 minutos"));
        buf_free(&b);
        for (unsigned s2 = 61; s2 <= 120; s2 += 59) {   /* 61 s and 120 s: two minutes */
            f->cfg.release_delay_max_s = s2;
            page_sent(&b, &ctx, RECEIPT);
            f->cfg.release_delay_max_s = 900;
            assert_non_null(strstr(b.data, l ? "within 2 minutes." : "en menos de 2 minutos."));
            assert_non_null(strstr(b.data, l ? "If after 2 minutes" : "Si después de 2 minutos"));
            if (s2 == 120)
                break;
            buf_free(&b);
        }
        assert_null(strstr(b.data, "class=\"idioma\""));    /* a switch would lose the receipt */
        buf_free(&b);
    }
}

static void test_thread(void **state)
{
    fixture_t *f = *state;
    report_question_t qs[2] = {
        {.id = 7, .asked_on = "2026-11-02", .text = "Where <b>exactly</b>?",
         .answered_on = "2026-11-03", .answer = "En la \"entrada\" & <i>afuera</i>"},
        {.id = 9, .asked_on = "2026-11-05", .text = "Injured?"},
    };
    report_thread_t t = {.alert_id = "0123456789abcdef0123456789abcdef",
                         .zone_id = "sv.ss.san-salvador-este.soyapango",
                         .act = 9,  /* obstruction_of_access */
                         .occurred_on = "2026-11-01",
                         .photo_count = 2,
                         .questions = qs,
                         .question_count = 2};
    form_error_t err = error("respuesta", "respuesta: required");
    for (int l = 0; l < 2; l++) {
        page_ctx_t ctx = ctx_of(f, (report_lang_t)l);
        report_buf_t b = {0};
        page_thread(&b, &ctx, RECEIPT, &t, l ? "Answer saved." : "Respuesta guardada.", NULL);
        check_page(&b, ctx.lang);
        const char *p = b.data;
        assert_non_null(strstr(p, "Soyapango, San Salvador Este, San Salvador"));
        assert_non_null(strstr(p, l ? "The way to the ambulance or the facility was blocked"
                                    : "Bloquearon el paso a la ambulancia o al establecimiento"));
        assert_non_null(strstr(p, l ? "<dd>1 November 2026</dd>" : "<dd>1 de noviembre de 2026</dd>"));
        assert_non_null(strstr(p, l ? "<h3>Question asked on 2 November 2026</h3>"
                                    : "<h3>Pregunta del 2 de noviembre de 2026</h3>"));
        assert_non_null(strstr(p, l ? "<h4>Your answer on 3 November 2026</h4>"
                                    : "<h4>Su respuesta del 3 de noviembre de 2026</h4>"));
        if (l)   /* place names are Spanish, and marked so */
            assert_non_null(strstr(p, "<dd><span lang=\"es\">Soyapango, San Salvador Este, San Salvador</span>"));
        assert_non_null(strstr(p, "Where &lt;b&gt;exactly&lt;/b&gt;?"));
        assert_non_null(strstr(p, "En la &quot;entrada&quot; &amp; &lt;i&gt;afuera&lt;/i&gt;"));
        assert_non_null(strstr(p, "role=\"status\""));
        /* One answer form, for the unanswered question, carrying the receipt. */
        assert_non_null(strstr(p, "action=\"/recibo/responder\""));
        assert_null(strstr(strstr(p, "action=\"/recibo/responder\"") + 1, "action=\"/recibo/responder\""));
        assert_non_null(strstr(p, "name=\"recibo\" value=\"" RECEIPT "\""));
        assert_non_null(strstr(p, "name=\"pregunta\" value=\"9\""));
        /* The language switch is a POST form carrying the receipt (never a link with it,
         * never a link that would lose the conversation). */
        const char *sw = strstr(p, "<form class=\"idioma\" method=\"post\"");
        assert_non_null(sw);
        assert_true(sw < strstr(p, "</header>"));
        assert_non_null(strstr(sw, l ? "action=\"/recibo\"><input type=\"hidden\" name=\"lang\" value=\"es\">"
                                     : "action=\"/recibo\"><input type=\"hidden\" name=\"lang\" value=\"en\">"));
        assert_true(strstr(sw, "name=\"recibo\" value=\"" RECEIPT "\"") < strstr(sw, "</form>"));
        assert_true(strstr(sw, "name=\"token\"") < strstr(sw, "</form>"));
        assert_null(strstr(p, "<p class=\"idioma\">"));     /* no link that loses it */
        assert_null(strstr(p, "?recibo="));
        assert_null(strstr(p, "name=\"pregunta\" value=\"7\""));
        buf_free(&b);
        page_thread(&b, &ctx, RECEIPT, &t, NULL, &err);
        check_page(&b, ctx.lang);
        assert_non_null(strstr(b.data, "aria-describedby=\"h-respuesta-9 e-respuesta\""));
        buf_free(&b);
        report_thread_t none = t;
        none.question_count = 0;
        page_thread(&b, &ctx, RECEIPT, &none, NULL, NULL);
        check_page(&b, ctx.lang);
        assert_non_null(strstr(b.data, str(ctx.lang, S_THREAD_NONE)));
        buf_free(&b);
        /* An answer waiting for its release: shown with when it will reach the
         * facilitators, no day, and no form to answer again. */
        report_question_t waiting[2] = {qs[0], qs[1]};
        waiting[1].answer = "Sí, uno <leve>";
        waiting[1].pending = true;
        waiting[1].pending_s = 541;
        report_thread_t pending = t;
        pending.questions = waiting;
        page_thread(&b, &ctx, RECEIPT, &pending, NULL, NULL);
        check_page(&b, ctx.lang);
        assert_non_null(strstr(b.data, l ? "Your answer will reach the facilitators within the next 10 minutes"
                                         : "Su respuesta llegará a los facilitadores en los próximos 10 minutos"));
        assert_non_null(strstr(b.data, "Sí, uno &lt;leve&gt;"));
        assert_null(strstr(b.data, "action=\"/recibo/responder\""));
        buf_free(&b);
        waiting[1].pending_s = 60;     /* the last minute: no "1 minutos" */
        page_thread(&b, &ctx, RECEIPT, &pending, NULL, NULL);
        check_page(&b, ctx.lang);
        assert_non_null(strstr(b.data, l ? "Your answer will reach the facilitators within the next minute"
                                         : "Su respuesta llegará a los facilitadores en el próximo minuto"));
        buf_free(&b);
    }
}

/* The most questions a receipt opens (the pipeline reads the newest 50), each as long
 * as allowed and all escaped, still make a page under 30 KB: the unanswered first, the
 * newest answered next, and a line saying how many are left out. */
static void test_thread_budget(void **state)
{
    fixture_t *f = *state;
    enum { QUESTIONS = 50 };
    static char text[REPORT_ANSWER_MAX + 1];
    memset(text, '"', REPORT_ANSWER_MAX);
    report_question_t qs[QUESTIONS];
    for (int i = 0; i < QUESTIONS; i++) {
        qs[i] = (report_question_t){.id = 100 + i, .asked_on = "2026-11-02", .text = text,
                                    .answered_on = "2026-11-03", .answer = text};
        if (i == 3 || i == 40)
            qs[i].answer = NULL, qs[i].answered_on[0] = '\0';
    }
    qs[40].text = "short unanswered";
    qs[QUESTIONS - 1].text = qs[QUESTIONS - 1].answer = "short";
    report_thread_t t = {.zone_id = "sv.ss", .act = 5, .occurred_on = "2026-11-01",
                         .questions = qs, .question_count = QUESTIONS};
    for (int l = 0; l < 2; l++) {
        page_ctx_t ctx = ctx_of(f, (report_lang_t)l);
        report_buf_t b = {0};
        page_thread(&b, &ctx, RECEIPT, &t, NULL, NULL);
        check_page(&b, ctx.lang);
        assert_non_null(strstr(b.data, "name=\"pregunta\" value=\"103\""));
        assert_non_null(strstr(b.data, "name=\"pregunta\" value=\"140\""));
        assert_non_null(strstr(b.data, ">short</p>"));          /* the newest answered */
        assert_non_null(strstr(b.data, l ? "47 older questions do not fit on this page"
                                         : "47 preguntas más antiguas no caben en esta página"));
        print_message("50 long questions: %zu bytes\n", b.len);
        buf_free(&b);
    }
    /* Exactly one left out: "1 older question", never "1 older questions". */
    static char x[REPORT_ANSWER_MAX + 1];
    memset(x, 'x', REPORT_ANSWER_MAX);
    for (int i = 0; i < 6; i++)   /* about 4.3 KB each: five fit the 22-KB budget */
        qs[i] = (report_question_t){.id = 200 + i, .asked_on = "2026-11-02", .text = x,
                                    .answered_on = "2026-11-03", .answer = x};
    t.question_count = 6;
    for (int l = 0; l < 2; l++) {
        page_ctx_t ctx = ctx_of(f, (report_lang_t)l);
        report_buf_t b = {0};
        page_thread(&b, &ctx, RECEIPT, &t, NULL, NULL);
        check_page(&b, ctx.lang);
        assert_non_null(strstr(b.data, l ? ">1 older question does not fit on this page."
                                         : ">1 pregunta más antigua no cabe en esta página."));
        buf_free(&b);
    }
}

static void test_problems(void **state)
{
    fixture_t *f = *state;
    for (int l = 0; l < 2; l++)
        for (int k = PAGE_PROBLEM_BUSY; k <= PAGE_PROBLEM_INTERNAL + 1; k++) {
            page_ctx_t ctx = ctx_of(f, (report_lang_t)l);
            report_buf_t b = {0};
            page_problem(&b, &ctx, (page_problem_t)k);
            check_page(&b, ctx.lang);
            assert_non_null(strstr(b.data, "<h1>"));
            if (k == PAGE_PROBLEM_TOO_LARGE)
                assert_non_null(strstr(b.data, l ? "up to 2.0 MB and the whole submission up to 8.0 MB"
                                                 : "hasta 2,0 MB y todo el envío hasta 8,0 MB"));
            if (k != PAGE_PROBLEM_NOT_FOUND)
                assert_true(strstr(b.data, "No se envió") || strstr(b.data, "Nothing was sent") ||
                            strstr(b.data, "no acepta") );
            buf_free(&b);
        }
}

static void test_stylesheet(void **state)
{
    (void)state;
    size_t len = 0;
    const char *css = page_stylesheet(&len);
    assert_true(len > 1000 && len < 8192);
    assert_int_equal(strlen(css), len);
    assert_non_null(strstr(css, ":focus-visible{outline:3px solid"));
    assert_non_null(strstr(css, "min-height:44px"));
    assert_null(strstr(css, "url("));
    assert_null(strstr(css, "@import"));
    assert_null(strstr(css, "</"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_texts_complete), cmocka_unit_test(test_acts_as_ssa_types),
        cmocka_unit_test(test_home_and_receipt),
        cmocka_unit_test(test_where),          cmocka_unit_test(test_details_biggest),
        cmocka_unit_test(test_details),        cmocka_unit_test(test_sent),
        cmocka_unit_test(test_thread),         cmocka_unit_test(test_thread_budget),
        cmocka_unit_test(test_problems),
        cmocka_unit_test(test_stylesheet),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
