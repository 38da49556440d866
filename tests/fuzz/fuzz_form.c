/* fuzz_form.c — libFuzzer target for hcbus-report's form (services/report/pages):
 * form_check, form_check_where and form_find_places on fields a stranger sends, and the
 * pages that echo them. The input is records [field index][length (1 byte, or 255 and
 * 2 more)][bytes]. Whatever comes in: every error names a field and says something in
 * valid text; the values kept are text without controls (the account may keep line
 * breaks and tabs); a draft that passes is one the bus takes (known zone, enums set,
 * casualties 0..999, a one-line UTF-8 description, a day of the last 367); and the
 * pages are under 30 KB with nothing of the input unescaped (check_page). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "hcbus.pb-c.h"
#include "hcbus/text.h"
#include "pages.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIELDS_MAX 64
#define NOW_US (1796014800LL * 1000000LL)
#define DAY_US (86400LL * 1000000LL)
#define PAGE_MAX_BYTES (30 * 1024)

static const char *const names[] = {"departamento", "lugar", "zona", "que", "a_quien",
                                    "cuando", "fecha", "gravedad", "muertos", "heridos",
                                    "secuestrados", "relato", "lang", "token", "x", "foto"};
#define NAMES (sizeof names / sizeof names[0])

static hcbus_zones_t *zones;

/* The input's "<fuzz" or "\"fuzz" never comes out as markup: a '<' of the input is
 * always escaped, and a '"' on the page before "fuzz" can only open an attribute
 * value (value="fuzz..."), never close one. */
static void check_page(const report_buf_t *b)
{
    if (b->failed || !b->data || b->len >= PAGE_MAX_BYTES || strstr(b->data, "<fuzz") ||
        strstr(b->data, "<script"))
        abort();
    for (const char *p = strstr(b->data, "\"fuzz"); p; p = strstr(p + 1, "\"fuzz"))
        if (p == b->data || p[-1] != '=')
            abort();
}

/* Text without controls; line breaks and tabs too when multiline. */
static void check_text(const char *s, bool multiline)
{
    char copy[REPORT_DESCRIPTION_MAX + 1];
    size_t n = strlen(s);
    if (n > REPORT_DESCRIPTION_MAX)
        abort();
    memcpy(copy, s, n + 1);
    for (size_t i = 0; multiline && i < n; i++)
        if (copy[i] == '\n' || copy[i] == '\r' || copy[i] == '\t')
            copy[i] = ' ';
    if (hcbus_text_check(copy, NULL, NULL) != 0)
        abort();
}

static void check_values(const form_values_t *v)
{
    const char *const one_line[] = {v->departamento, v->lugar, v->zona, v->que, v->a_quien,
                                    v->cuando, v->fecha, v->gravedad, v->muertos,
                                    v->heridos, v->secuestrados};
    for (size_t i = 0; i < sizeof one_line / sizeof one_line[0]; i++)
        check_text(one_line[i], false);
    check_text(v->relato, true);
}

static void check_draft(const report_draft_t *d)
{
    hcbus_zone_level_t level = hcbus_zones_lookup(zones, d->zone_id);
    if (level != HCBUS_ZONE_DEPARTMENT && level != HCBUS_ZONE_MUNICIPALITY &&
        level != HCBUS_ZONE_DISTRICT)
        abort();
    if (d->act <= 0 || d->target <= 0 || d->severity <= 0 || d->killed > 999 ||
        d->injured > 999 || d->removed > 999)
        abort();
    if (d->occurred_at_us > NOW_US || d->occurred_at_us < NOW_US - 368 * DAY_US)
        abort();
    check_text(d->description, false);
    if (d->act == HCBUS__ACT__ACT_OTHER && !d->description[0])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!zones) {
        hcbus_error_t err;
        zones = hcbus_zones_load(HCBUS_SOURCE_DIR "/deploy/sv-districts.csv", &err);
        if (!zones)
            abort();
    }
    if (size < 1)
        return 0;
    hcbus_report_config_t cfg = {.max_photos = data[0] % 4, .max_photo_bytes = 1024,
                                 .release_delay_max_s = 900, .token_lifetime_s = 3600,
                                 .max_request_bytes = 8388608};
    page_ctx_t ctx = {data[0] & 0x80 ? REPORT_LANG_EN : REPORT_LANG_ES, "tok", zones, &cfg};
    report_field_t fields[FIELDS_MAX];
    report_upload_t uploads[FIELDS_MAX];
    char *copies[FIELDS_MAX];
    size_t nf = 0, nu = 0, nc = 0, at = 1;
    while (at + 2 <= size && nc < FIELDS_MAX) {
        const char *name = names[data[at] % NAMES];
        size_t len = data[at + 1];
        at += 2;
        if (len == 255 && at + 2 <= size) {
            len = (size_t)data[at] | (size_t)data[at + 1] << 8;
            at += 2;
        }
        if (len > size - at)
            len = size - at;
        char *value = malloc(len + 1);
        if (!value)
            break;
        memcpy(value, data + at, len);
        value[len] = '\0';
        at += len;
        copies[nc++] = value;
        if (strcmp(name, "foto") == 0)
            uploads[nu++] = (report_upload_t){name, (const unsigned char *)value, len};
        else
            fields[nf++] = (report_field_t){name, value, len};
    }
    report_form_input_t in = {fields, nf, uploads, nu};

    report_draft_t draft;
    form_values_t v;
    form_error_t errs[FORM_ERRORS_MAX];
    int n = form_check(&in, &ctx, NOW_US, &draft, &v, errs);
    if (n < 0 || n > FORM_ERRORS_MAX)
        abort();
    for (int i = 0; i < n; i++) {
        if (!errs[i].field || !errs[i].message[0])
            abort();
        check_text(errs[i].message, false);
    }
    check_values(&v);
    if (n == 0)
        check_draft(&draft);
    else if (draft.photo_count != 0)
        abort();
    report_draft_free_photos(&draft);

    const char *ids[FORM_PLACES_MAX];
    size_t found = form_find_places(zones, v.departamento, v.lugar, ids, FORM_PLACES_MAX);
    report_buf_t b = {0};
    page_details(&b, &ctx, &v, ids, found, errs, (size_t)n);
    check_page(&b);
    buf_free(&b);

    form_error_t where_err;
    form_values_t w;
    const char *where_msg = form_check_where(&in, &ctx, &w, &where_err) == 0 ? NULL
                                                                             : where_err.message;
    check_values(&w);
    page_where(&b, &ctx, &w, where_msg);
    check_page(&b);
    buf_free(&b);

    /* Text from elsewhere (a question, an answer, a receipt) on the other pages. */
    report_question_t q = {.id = 1, .asked_on = "2026-11-02", .text = v.relato,
                           .answer = n % 2 ? v.lugar : NULL};
    report_thread_t t = {.act = HCBUS__ACT__ACT_THREAT, .questions = &q, .question_count = 1};
    memcpy(t.zone_id, v.zona, sizeof t.zone_id);
    memcpy(t.occurred_on, v.fecha, sizeof t.occurred_on);
    page_thread(&b, &ctx, v.lugar, &t, v.relato, n ? &errs[0] : NULL);
    check_page(&b);
    buf_free(&b);
    page_receipt_entry(&b, &ctx, v.relato);
    check_page(&b);
    buf_free(&b);

    for (size_t i = 0; i < nc; i++)
        free(copies[i]);
    return 0;
}
