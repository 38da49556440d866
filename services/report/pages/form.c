/* form.c — the report form's checks. Every field is checked and every error kept (at
 * most FORM_ERRORS_MAX), each naming its field as the page labels it, in the reporter's
 * language; what the reporter typed comes back in form_values_t (cut to size, at a
 * whole character, with bytes that are not text replaced by '?', for the page to show
 * escaped). A field over its size is an error, never cut silently. Photos are cleaned
 * here (photos/strip.h) so that a bad one is reported with the rest. */
#include "form.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "choices.h"
#include "day.h"
#include "hcbus/text.h"
#include "hcbus.pb-c.h"
#include "places.h"
#include "texts.h"
#include "photos/strip.h"

#define LUGAR_MAX 128                 /* bytes: form_values_t.lugar */
#define NUMBER_MAX 999
#define FECHA_DAYS_BACK 366
#define KB 1024u

typedef struct checker {
    const report_form_input_t *in;
    report_lang_t lang;
    form_values_t *v;
    form_error_t *errs;
    int n;
} checker_t;

const char *form_get(const report_form_input_t *in, const char *name)
{
    for (size_t i = 0; in && name && i < in->field_count; i++)
        if (in->fields[i].name && strcmp(in->fields[i].name, name) == 0)
            return in->fields[i].value;
    return NULL;
}

static const report_field_t *find_field(const report_form_input_t *in, const char *name)
{
    for (size_t i = 0; in && i < in->field_count; i++)
        if (in->fields[i].name && in->fields[i].value && strcmp(in->fields[i].name, name) == 0)
            return &in->fields[i];
    return NULL;
}

/* The field as the page labels it. */
static str_id_t field_label(const char *field)
{
    static const struct {
        const char *field;
        str_id_t label;
    } labels[] = {
        {"departamento", S_DEPARTAMENTO}, {"lugar", S_LUGAR},
        {"zona", S_WHERE_LEGEND},         {"que", S_QUE_LEGEND},
        {"a_quien", S_A_QUIEN_LEGEND},    {"cuando", S_CUANDO_LEGEND},
        {"fecha", S_FECHA},               {"gravedad", S_GRAVEDAD_LEGEND},
        {"muertos", S_MUERTOS},           {"heridos", S_HERIDOS},
        {"secuestrados", S_SECUESTRADOS}, {"relato", S_RELATO},
        {"foto", S_FOTO},
    };
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(labels[i].field, field) == 0)
            return labels[i].label;
    return S_COUNT;
}

/* Copy src into dst (size bytes) cut at a whole UTF-8 character; returns the bytes
 * copied (a NUL among them stays: keep_text marks it). */
static size_t copy_cut(char *dst, size_t size, const char *src, size_t len)
{
    size_t n = len < size - 1 ? len : size - 1;
    if (n < len)
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return n;
}

/* field is a string literal (form_error_t keeps the pointer). */
static void add_error(checker_t *c, const char *field, str_id_t tmpl, const char *a2,
                      const char *a3, const char *a4)
{
    if (c->n >= FORM_ERRORS_MAX)
        return;
    const char *args[] = {str(c->lang, field_label(field)), a2, a3, a4};
    report_buf_t b = {0};
    str_format(&b, str(c->lang, tmpl), args, 4, false);
    form_error_t *e = &c->errs[c->n++];
    e->field = field;
    const char *text = b.data && !b.failed ? b.data : args[0];
    copy_cut(e->message, sizeof e->message, text, strlen(text));
    buf_free(&b);
}

static bool line_break(char ch) { return ch == '\n' || ch == '\r' || ch == '\t'; }

/* Make dst (a NUL-terminated copy) safe to show: NUL bytes, bytes that are not UTF-8
 * and control characters (but line breaks and tabs when multiline) become '?'. */
static void keep_text(char *dst, bool multiline)
{
    size_t len = strlen(dst);
    char *probe = malloc(len + 1);
    if (!probe) {
        dst[0] = '\0';
        return;
    }
    for (size_t guard = 0; guard <= len; guard++) {
        memcpy(probe, dst, len + 1);
        for (size_t i = 0; multiline && i < len; i++)
            if (line_break(probe[i]))
                probe[i] = ' ';
        size_t bad = 0;
        uint32_t cp = 0;
        if (hcbus_text_check(probe, &bad, &cp) == 0)
            break;
        dst[bad] = '?';
        if (cp >= 0x80 && cp != UINT32_MAX && bad + 1 < len) /* a C1 control: two bytes */
            dst[bad + 1] = '?';
    }
    free(probe);
}

/* What the reporter typed in f, safe to show again, into dst (size bytes). */
static void keep_copy(char *dst, size_t size, const report_field_t *f, bool multiline)
{
    size_t n = copy_cut(dst, size, f->value, f->len);
    for (size_t i = 0; i < n; i++)
        if (dst[i] == '\0')
            dst[i] = '?';
    keep_text(dst, multiline);
}

/* Check the text field name: at most max bytes, no NUL, UTF-8, no control character
 * (line breaks and tabs allowed when multiline). Keeps it in dst (size bytes). True
 * when it passes; an absent field is empty and passes. */
static bool check_text(checker_t *c, const char *field, char *dst, size_t size, size_t max,
                       bool multiline)
{
    const report_field_t *f = find_field(c->in, field);
    dst[0] = '\0';
    if (!f)
        return true;
    keep_copy(dst, size, f, multiline);

    char a[24], b[24];
    if (f->len > max) {
        snprintf(a, sizeof a, "%zu", f->len);
        snprintf(b, sizeof b, "%zu", max);
        add_error(c, field, E_TOO_LONG, a, b, NULL);
        return false;
    }
    const char *nul = memchr(f->value, '\0', f->len);
    if (nul) {
        add_error(c, field, E_CONTROL, "0000", NULL, NULL);
        return false;
    }
    char *probe = strdup(f->value);
    if (!probe) {
        add_error(c, field, E_NOT_UTF8, "0", NULL, NULL);
        return false;
    }
    for (size_t i = 0; multiline && probe[i]; i++)
        if (line_break(probe[i]))
            probe[i] = ' ';
    size_t bad = 0;
    uint32_t cp = 0;
    int rc = hcbus_text_check(probe, &bad, &cp);
    free(probe);
    if (rc == 0)
        return true;
    if (cp == UINT32_MAX) {
        snprintf(a, sizeof a, "%zu", bad);
        add_error(c, field, E_NOT_UTF8, a, NULL, NULL);
    } else {
        snprintf(a, sizeof a, "%04" PRIX32, cp);
        add_error(c, field, E_CONTROL, a, NULL, NULL);
    }
    return false;
}

/* A field that must be one of list's choices; kept in dst only when it is one. */
static const choice_t *check_choice(checker_t *c, const char *field, const choice_list_t *list,
                                    char *dst, size_t size)
{
    const report_field_t *f = find_field(c->in, field);
    dst[0] = '\0';
    if (!f || f->len == 0) {
        add_error(c, field, E_CHOOSE, NULL, NULL, NULL);
        return NULL;
    }
    const choice_t *choice = f->len < size && !memchr(f->value, '\0', f->len)
                                 ? choice_find(list, f->value)
                                 : NULL;
    if (!choice) {
        add_error(c, field, E_UNKNOWN_CHOICE, NULL, NULL, NULL);
        return NULL;
    }
    snprintf(dst, size, "%s", choice->name);
    return choice;
}

/* The department (hidden on step 2, a select on step 1); its zone into dep_zone. */
static bool check_department(checker_t *c, char dep_zone[PLACES_DEPARTMENT_ZONE_MAX],
                             const hcbus_zones_t *zones)
{
    const report_field_t *f = find_field(c->in, "departamento");
    c->v->departamento[0] = '\0';
    if (!f || f->len == 0) {
        add_error(c, "departamento", E_CHOOSE, NULL, NULL, NULL);
        return false;
    }
    if (f->len != 2 || !places_department_zone(zones, f->value, dep_zone)) {
        add_error(c, "departamento", E_DEPARTMENT, NULL, NULL, NULL);
        return false;
    }
    c->v->departamento[0] = (char)(dep_zone[3] - 'a' + 'A');
    c->v->departamento[1] = (char)(dep_zone[4] - 'a' + 'A');
    c->v->departamento[2] = '\0';
    return true;
}

static bool check_zone(checker_t *c, const hcbus_zones_t *zones, const char *dep_zone)
{
    char *zona = c->v->zona;
    const report_field_t *f = find_field(c->in, "zona");
    zona[0] = '\0';
    if (!f || f->len == 0) {
        add_error(c, "zona", E_CHOOSE, NULL, NULL, NULL);
        return false;
    }
    hcbus_zone_level_t level = HCBUS_ZONE_UNKNOWN;
    if (f->len <= HCBUS_ZONE_ID_MAX && !memchr(f->value, '\0', f->len) &&
        hcbus_zone_id_well_formed(f->value)) {
        snprintf(zona, HCBUS_ZONE_ID_MAX + 1, "%s", f->value);
        level = hcbus_zones_lookup(zones, zona);
    }
    bool place = level == HCBUS_ZONE_DEPARTMENT || level == HCBUS_ZONE_MUNICIPALITY ||
                 level == HCBUS_ZONE_DISTRICT;
    if (!place || (dep_zone && !hcbus_zone_covers(dep_zone, zona))) {
        add_error(c, "zona", E_PLACE_OUTSIDE, NULL, NULL, NULL);
        return false;
    }
    return true;
}

/* when: today, yesterday or a date of the last FECHA_DAYS_BACK days; *day set. */
static bool check_when(checker_t *c, int64_t now_us, int64_t *day)
{
    static const choice_t days[] = {{"hoy", 0, S_HOY, S_COUNT},
                                    {"ayer", 1, S_AYER, S_COUNT},
                                    {"fecha", 2, S_OTRO_DIA, S_COUNT}};
    static const choice_list_t list = {days, 3};
    /* A date typed without choosing "another day" means that day. */
    const report_field_t *chosen = find_field(c->in, "cuando");
    const report_field_t *typed = find_field(c->in, "fecha");
    const choice_t *when;
    if ((!chosen || chosen->len == 0) && typed && typed->len > 0) {
        when = &days[2];
        snprintf(c->v->cuando, sizeof c->v->cuando, "%s", when->name);
    } else {
        when = check_choice(c, "cuando", &list, c->v->cuando, sizeof c->v->cuando);
    }
    bool fecha_ok = check_text(c, "fecha", c->v->fecha, sizeof c->v->fecha,
                               sizeof c->v->fecha - 1, false);
    int64_t today = day_today(now_us);
    if (!when)
        return false;
    if (when->value < 2) {
        *day = today - when->value;
        return true;
    }
    if (!fecha_ok)
        return false;
    if (!c->v->fecha[0]) {
        add_error(c, "fecha", E_DATE_MISSING, NULL, NULL, NULL);
        return false;
    }
    if (!day_parse(c->v->fecha, day)) {
        add_error(c, "fecha", E_DATE_BAD, NULL, NULL, NULL);
        return false;
    }
    if (*day > today) {
        add_error(c, "fecha", E_DATE_FUTURE, NULL, NULL, NULL);
        return false;
    }
    if (*day < today - FECHA_DAYS_BACK) {
        add_error(c, "fecha", E_DATE_OLD, NULL, NULL, NULL);
        return false;
    }
    return true;
}

/* A count 0..999; empty is 0. */
static bool check_number(checker_t *c, const char *field, char *dst, size_t size,
                         uint32_t *value)
{
    const report_field_t *f = find_field(c->in, field);
    *value = 0;
    dst[0] = '\0';
    if (!f || f->len == 0)
        return true;
    keep_copy(dst, size, f, false);
    uint32_t v = 0;
    bool ok = f->len <= 7;
    for (size_t i = 0; ok && i < f->len; i++) {
        char ch = f->value[i];
        ok = ch >= '0' && ch <= '9';
        v = v * 10 + (uint32_t)(ch - '0');
    }
    if (!ok || v > NUMBER_MAX) {
        add_error(c, field, E_NUMBER, NULL, NULL, NULL);
        return false;
    }
    *value = v;
    return true;
}

/* Every upload of the file input foto: how many, how large, and each cleaned. */
/* photo_strip's message for a file that is some other format than JPEG or PNG starts
 * with this (photos/strip.c); anything else it refuses is a damaged or cut JPEG or PNG. */
#define STRIP_OTHER_FORMAT "not a JPEG or PNG image"

/* The k-th photo in words ("segunda" / "second"), as the reporter counts them. */
static void ordinal(report_lang_t lang, size_t k, char *out, size_t size)
{
    if (k >= 1 && k <= 5)
        snprintf(out, size, "%s", str(lang, (str_id_t)(S_ORDINAL_1 + (k - 1))));
    else if (lang == REPORT_LANG_EN)
        snprintf(out, size, "%zuth", k);
    else
        snprintf(out, size, "%zu.ª", k);
}

/* What photo_strip says the refused file is, as the reporter knows it: "HEIC", "WebP",
 * "GIF"... (the names phones show), a video, or another format. */
static const char *format_of(report_lang_t lang, const char *message)
{
    static const struct {
        const char *needle, *name;
    } known[] = {{"HEIC", "HEIC"}, {"AVIF", "AVIF"}, {"WebP", "WebP"}, {"GIF", "GIF"},
                 {"TIFF", "TIFF / RAW"}, {"BMP", "BMP"}, {"PDF", "PDF"}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strstr(message, known[i].needle))
            return known[i].name;
    return str(lang, strstr(message, "video") ? S_FORMAT_VIDEO : S_FORMAT_OTHER);
}

static void check_photos(checker_t *c, const hcbus_report_config_t *cfg, report_draft_t *draft)
{
    size_t max = cfg ? cfg->max_photos : 3;
    size_t max_bytes = cfg ? cfg->max_photo_bytes : 2097152u;
    if (max > REPORT_PHOTOS_MAX)
        max = REPORT_PHOTOS_MAX;
    size_t count = 0;
    for (size_t i = 0; c->in->uploads && i < c->in->upload_count; i++)
        if (c->in->uploads[i].field && strcmp(c->in->uploads[i].field, "foto") == 0 &&
            c->in->uploads[i].len > 0)
            count++;
    if (count == 0)
        return;
    char a[24], b[24], d[24];
    if (max == 0) {
        add_error(c, "foto", E_PHOTOS_OFF, NULL, NULL, NULL);
        return;
    }
    if (count > max) {
        snprintf(a, sizeof a, "%zu", count);
        snprintf(b, sizeof b, "%zu", max);
        add_error(c, "foto", E_PHOTOS_COUNT, a, b, NULL);
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < c->in->upload_count; i++) {
        const report_upload_t *u = &c->in->uploads[i];
        if (!u->field || strcmp(u->field, "foto") != 0 || u->len == 0)
            continue;
        k++;
        ordinal(c->lang, k, a, sizeof a);
        if (u->len > max_bytes) {
            snprintf(b, sizeof b, "%zu", (u->len + KB - 1) / KB);
            snprintf(d, sizeof d, "%zu", max_bytes / KB);
            add_error(c, "foto", E_PHOTO_SIZE, a, b, d);
            continue;
        }
        hcbus_error_t err = {0};
        report_photo_t photo = {0};
        if (!u->bytes || photo_strip(u->bytes, u->len, &photo, &err) != 0) {
            if (u->bytes && err.code == HCBUS_ENOMEM)
                add_error(c, "foto", E_PHOTO_MEMORY, a, NULL, NULL);
            else if (u->bytes && strncmp(err.message, STRIP_OTHER_FORMAT,
                                         sizeof STRIP_OTHER_FORMAT - 1) == 0)
                add_error(c, "foto", E_PHOTO_FORMAT, a, format_of(c->lang, err.message), NULL);
            else
                add_error(c, "foto", E_PHOTO_DAMAGED, a, NULL, NULL);
            continue;
        }
        draft->photos[draft->photo_count++] = photo;
    }
}

/* The account as SecurityAlert.description: one line (the bus refuses line breaks and
 * tabs in text, docs/decisions/0006), each break a space, no spaces at either end. */
static void description_of(const char *relato, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = relato; *p && n + 1 < size; p++) {
        if (*p == '\r' && p[1] == '\n')
            continue;
        char ch = line_break(*p) ? ' ' : *p;
        if (ch == ' ' && (n == 0 || out[n - 1] == ' '))
            continue;
        out[n++] = ch;
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

int form_check(const report_form_input_t *in, const page_ctx_t *ctx, int64_t now_us,
               report_draft_t *draft, form_values_t *values, form_error_t *errs)
{
    memset(values, 0, sizeof *values);
    memset(draft, 0, sizeof *draft);
    checker_t c = {.in = in, .lang = ctx->lang, .v = values, .errs = errs};
    const hcbus_zones_t *zones = ctx->zones;

    char dep_zone[PLACES_DEPARTMENT_ZONE_MAX];
    bool dep_ok = check_department(&c, dep_zone, zones);
    check_text(&c, "lugar", values->lugar, sizeof values->lugar, LUGAR_MAX, false);
    check_zone(&c, zones, dep_ok ? dep_zone : NULL);
    const choice_t *act = check_choice(&c, "que", &choice_acts, values->que, sizeof values->que);
    const choice_t *target =
        check_choice(&c, "a_quien", &choice_targets, values->a_quien, sizeof values->a_quien);
    int64_t day = 0;
    check_when(&c, now_us, &day);
    const choice_t *severity = check_choice(&c, "gravedad", &choice_severities,
                                            values->gravedad, sizeof values->gravedad);
    uint32_t killed, injured, removed;
    check_number(&c, "muertos", values->muertos, sizeof values->muertos, &killed);
    check_number(&c, "heridos", values->heridos, sizeof values->heridos, &injured);
    check_number(&c, "secuestrados", values->secuestrados, sizeof values->secuestrados,
                 &removed);
    bool relato_ok = check_text(&c, "relato", values->relato, sizeof values->relato,
                                REPORT_DESCRIPTION_MAX, true);
    char description[REPORT_DESCRIPTION_MAX + 1];
    description_of(values->relato, description, sizeof description);
    if (relato_ok && act && act->value == HCBUS__ACT__ACT_OTHER && !description[0])
        add_error(&c, "relato", E_RELATO_OTHER, str(c.lang, S_GROUP_OTHER), NULL, NULL);
    check_photos(&c, ctx->cfg, draft);

    if (c.n > 0) {
        report_draft_free_photos(draft);
        return c.n;
    }
    snprintf(draft->zone_id, sizeof draft->zone_id, "%s", values->zona);
    draft->act = act->value;
    draft->target = target->value;
    draft->severity = severity->value;
    draft->killed = killed;
    draft->injured = injured;
    draft->removed = removed;
    draft->occurred_at_us = day_start_us(day);
    memcpy(draft->description, description, sizeof draft->description);
    return 0;
}

int form_check_where(const report_form_input_t *in, const page_ctx_t *ctx,
                     form_values_t *values, form_error_t *err)
{
    form_error_t errs[FORM_ERRORS_MAX];
    memset(values, 0, sizeof *values);
    checker_t c = {.in = in, .lang = ctx->lang, .v = values, .errs = errs};
    char dep_zone[PLACES_DEPARTMENT_ZONE_MAX];
    check_department(&c, dep_zone, ctx->zones);
    check_text(&c, "lugar", values->lugar, sizeof values->lugar, LUGAR_MAX, false);
    if (c.n == 0)
        return 0;
    if (err)
        *err = errs[0];
    return -1;
}
