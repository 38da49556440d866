/* test_webform_form.c — the report form's checks (services/report/pages/form.c) on the
 * real zone catalogue: a good submission becomes the right draft (enums, casualties,
 * the day as 00:00 America/El_Salvador, the account on one line, a photo cleaned);
 * every bad field is reported at once, named as the page labels it, in Spanish or
 * English; values over their size, NUL, control characters and invalid UTF-8 are
 * errors and come back safe to show; the place search folds case and accents, stays
 * in the department and forgives a typo; what is echoed is HTML-escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "hcbus.pb-c.h"
#include "html.h"
#include "pages.h"

#define REAL_CSV HCBUS_SOURCE_DIR "/deploy/sv-districts.csv"
#define SOYAPANGO "sv.ss.san-salvador-este.soyapango"
/* 2026-11-30 05:00 UTC is still 2026-11-29 (23:00) in El Salvador (UTC-6). */
#define NOW_US (1796014800LL * 1000000LL)
#define TODAY_START_US (1795932000LL * 1000000LL)   /* 2026-11-29 00:00 -06:00 */
#define DAY_US (86400LL * 1000000LL)
#define FIELDS_MAX 32

static const unsigned char png_1x1[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
    0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00,
    0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78,
    0x9c, 0x63, 0x38, 0x21, 0x27, 0x07, 0x00, 0x02, 0xb6, 0x01, 0x05, 0x34, 0xa6, 0x75,
    0xaa, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

typedef struct fixture {
    hcbus_zones_t *zones;
    hcbus_report_config_t cfg;
    page_ctx_t ctx;
    report_field_t fields[FIELDS_MAX];
    size_t nfields;
    report_upload_t uploads[8];
    size_t nuploads;
    report_form_input_t in;
    report_draft_t draft;
    form_values_t values;
    form_error_t errs[FORM_ERRORS_MAX];
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    hcbus_error_t err;
    f->zones = hcbus_zones_load(REAL_CSV, &err);
    if (!f->zones)
        return -1;
    f->cfg.max_photos = 3;
    f->cfg.max_photo_bytes = 4096;
    f->cfg.release_delay_max_s = 900;
    f->ctx = (page_ctx_t){REPORT_LANG_ES, "tok", f->zones, &f->cfg};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    report_draft_free_photos(&f->draft);
    hcbus_zones_destroy(&f->zones);
    free(f);
    return 0;
}

/* Set name to value (len bytes, so it may hold a NUL), replacing an earlier value. */
static void setn(fixture_t *f, const char *name, const char *value, size_t len)
{
    for (size_t i = 0; i < f->nfields; i++)
        if (strcmp(f->fields[i].name, name) == 0) {
            f->fields[i].value = value;
            f->fields[i].len = len;
            return;
        }
    assert_true(f->nfields < FIELDS_MAX);
    f->fields[f->nfields++] = (report_field_t){name, value, len};
}

static void set(fixture_t *f, const char *name, const char *value)
{
    setn(f, name, value, strlen(value));
}

static void good(fixture_t *f)
{
    f->nfields = f->nuploads = 0;
    set(f, "lang", "es");
    set(f, "token", "tok");
    set(f, "departamento", "SS");
    set(f, "lugar", "soyapango");
    set(f, "zona", SOYAPANGO);
    set(f, "que", "obstruction_of_access");
    set(f, "a_quien", "vehicle");
    set(f, "cuando", "ayer");
    set(f, "fecha", "");
    set(f, "gravedad", "high");
    set(f, "muertos", "0");
    set(f, "heridos", "2");
    set(f, "secuestrados", "");
    set(f, "relato", "Nos pararon en la entrada.\r\nDos horas\tesperando.");
}

static int check(fixture_t *f)
{
    f->in = (report_form_input_t){f->fields, f->nfields, f->uploads, f->nuploads};
    report_draft_free_photos(&f->draft);
    return form_check(&f->in, &f->ctx, NOW_US, &f->draft, &f->values, f->errs);
}

/* The message of the error naming field, or NULL. */
static const char *error_of(fixture_t *f, int n, const char *field)
{
    for (int i = 0; i < n; i++)
        if (strcmp(f->errs[i].field, field) == 0)
            return f->errs[i].message;
    return NULL;
}

static void test_good_submission(void **state)
{
    fixture_t *f = *state;
    good(f);
    f->uploads[f->nuploads++] = (report_upload_t){"foto", png_1x1, sizeof png_1x1};
    f->uploads[f->nuploads++] = (report_upload_t){"foto", NULL, 0};   /* an empty input */
    assert_int_equal(check(f), 0);
    assert_string_equal(f->draft.zone_id, SOYAPANGO);
    assert_int_equal(f->draft.act, HCBUS__ACT__ACT_OBSTRUCTION_OF_ACCESS);
    assert_int_equal(f->draft.target, HCBUS__TARGET__TARGET_VEHICLE);
    assert_int_equal(f->draft.severity, HCBUS__SEVERITY__SEVERITY_HIGH);
    assert_int_equal(f->draft.killed, 0);
    assert_int_equal(f->draft.injured, 2);
    assert_int_equal(f->draft.removed, 0);
    assert_true(f->draft.occurred_at_us == TODAY_START_US - DAY_US);
    /* One line for the bus (which refuses line breaks and tabs); the page keeps them. */
    assert_string_equal(f->draft.description, "Nos pararon en la entrada. Dos horas esperando.");
    assert_string_equal(f->values.relato, "Nos pararon en la entrada.\r\nDos horas\tesperando.");
    assert_int_equal(f->draft.photo_count, 1);
    assert_string_equal(f->draft.photos[0].content_type, "image/png");
    assert_true(f->draft.photos[0].len > 0);

    /* Every act, target and severity offered maps to its wire value. */
    static const struct {
        const char *name;
        int value;
    } acts[] = {{"killing", HCBUS__ACT__ACT_KILLING}, {"threat", HCBUS__ACT__ACT_THREAT},
                {"intimidation", HCBUS__ACT__ACT_INTIMIDATION},
                {"sexual_assault", HCBUS__ACT__ACT_SEXUAL_ASSAULT},
                {"setting_fire", HCBUS__ACT__ACT_SETTING_FIRE},
                {"interference_with_vehicle", HCBUS__ACT__ACT_INTERFERENCE_WITH_VEHICLE},
                {"other", HCBUS__ACT__ACT_OTHER}};
    for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        set(f, "que", acts[i].name);
        assert_int_equal(check(f), 0);
        assert_int_equal(f->draft.act, acts[i].value);
    }
    f->nuploads = 0;
    set(f, "a_quien", "personnel");
    set(f, "gravedad", "critical");
    set(f, "cuando", "hoy");
    set(f, "secuestrados", "999");
    assert_int_equal(check(f), 0);
    assert_int_equal(f->draft.target, HCBUS__TARGET__TARGET_PERSONNEL);
    assert_int_equal(f->draft.severity, HCBUS__SEVERITY__SEVERITY_CRITICAL);
    assert_int_equal(f->draft.removed, 999);
    assert_true(f->draft.occurred_at_us == TODAY_START_US);
    assert_int_equal(f->draft.photo_count, 0);

    /* Only the department, or a whole municipality. */
    set(f, "zona", "sv.ss");
    assert_int_equal(check(f), 0);
    assert_string_equal(f->draft.zone_id, "sv.ss");
    set(f, "zona", "sv.ss.san-salvador-este");
    assert_int_equal(check(f), 0);
}

static void test_every_error_at_once(void **state)
{
    fixture_t *f = *state;
    f->nfields = f->nuploads = 0;
    set(f, "lang", "es");
    int n = check(f);
    assert_int_equal(n, 6);
    static const char *const fields[] = {"departamento", "zona", "que", "a_quien", "cuando",
                                         "gravedad"};
    for (int i = 0; i < n; i++)
        assert_string_equal(f->errs[i].field, fields[i]);   /* in the page's order */
    assert_string_equal(error_of(f, n, "que"), "«¿Qué pasó?»: elija una opción.");
    assert_string_equal(error_of(f, n, "a_quien"), "«¿A quién?»: elija una opción.");
    assert_string_equal(error_of(f, n, "cuando"), "«¿Cuándo? (aproximado)»: elija una opción.");
    assert_string_equal(error_of(f, n, "gravedad"), "«¿Qué tan grave?»: elija una opción.");
    assert_string_equal(error_of(f, n, "zona"), "«¿Dónde?»: elija una opción.");
    assert_int_equal(f->draft.photo_count, 0);

    /* Every field wrong at once: one error each, the photo included. */
    static char long_lugar[200];
    memset(long_lugar, 'a', 129);
    static const unsigned char not_image[] = "GIF89a...";
    f->nfields = 0;
    set(f, "departamento", "XX");
    set(f, "lugar", long_lugar);
    set(f, "zona", "sv.zz.nowhere");
    set(f, "que", "bombing");                    /* not offered */
    set(f, "a_quien", "everyone");
    set(f, "cuando", "fecha");
    set(f, "fecha", "2026-02-30");
    set(f, "gravedad", "extreme");
    set(f, "muertos", "1000");
    set(f, "heridos", "-1");
    set(f, "secuestrados", "abc");
    set(f, "relato", "bad \xff byte");
    f->uploads[f->nuploads++] = (report_upload_t){"foto", not_image, sizeof not_image};
    n = check(f);
    static const char *const all[] = {"departamento", "lugar", "zona", "que", "a_quien",
                                      "fecha", "gravedad", "muertos", "heridos",
                                      "secuestrados", "relato", "foto"};
    assert_int_equal(n, (int)(sizeof all / sizeof all[0]));
    for (int i = 0; i < n; i++)
        assert_string_equal(f->errs[i].field, all[i]);
    assert_string_equal(error_of(f, n, "departamento"),
                        "«Departamento»: elija uno de los departamentos de la lista.");
    assert_non_null(strstr(error_of(f, n, "lugar"), "«Municipio o distrito» es demasiado largo: "
                                                    "129 bytes, y el máximo es 128"));
    assert_string_equal(error_of(f, n, "que"),
                        "«¿Qué pasó?»: la opción enviada no existe; elija una de la lista.");
    assert_non_null(strstr(error_of(f, n, "fecha"), "«Fecha» no es una fecha válida"));
    assert_string_equal(error_of(f, n, "muertos"), "«Personas muertas» debe ser un número de 0 a 999.");
    assert_string_equal(error_of(f, n, "heridos"), "«Personas heridas» debe ser un número de 0 a 999.");
    assert_non_null(strstr(error_of(f, n, "relato"), "«Cuéntenos qué pasó» tiene caracteres no "
                                                     "válidos (en el byte 4)"));
    assert_non_null(strstr(error_of(f, n, "foto"), "«Fotos»: la primera foto no es JPEG ni PNG"));
    /* What was typed comes back (to fit and show), never a choice that does not exist. */
    assert_int_equal(strlen(f->values.lugar), 128);
    assert_string_equal(f->values.muertos, "1000");
    assert_string_equal(f->values.relato, "bad ? byte");
    assert_string_equal(f->values.que, "");
    assert_string_equal(f->values.fecha, "2026-02-30");
    assert_int_equal(f->draft.photo_count, 0);
}

static void test_english(void **state)
{
    fixture_t *f = *state;
    f->ctx.lang = REPORT_LANG_EN;
    good(f);
    set(f, "que", "other");
    set(f, "relato", " \r\n ");
    set(f, "heridos", "x");
    int n = check(f);
    f->ctx.lang = REPORT_LANG_ES;
    assert_int_equal(n, 2);
    assert_string_equal(error_of(f, n, "heridos"), "“People injured” must be a number from 0 to 999.");
    assert_string_equal(error_of(f, n, "relato"),
                        "“Tell us what happened” is required when you choose “Something else”.");
    for (int i = 0; i < n; i++)
        assert_null(strstr(f->errs[i].message, "«"));
}

static void test_dates(void **state)
{
    fixture_t *f = *state;
    good(f);
    set(f, "cuando", "fecha");
    static const struct {
        const char *fecha;
        int64_t days_back;        /* -1: refused */
        const char *says;
    } cases[] = {
        {"2026-11-29", 0, NULL},                     /* today in El Salvador */
        {"2026-11-30", -1, "es una fecha futura"},   /* already today in UTC */
        {"2025-11-28", 366, NULL},
        {"2025-11-27", -1, "hace más de 366 días"},
        {"2024-02-29", -1, "hace más de 366 días"},  /* a real day, too old */
        {"2026-02-29", -1, "no es una fecha válida"},
        {"2026-1-05", -1, "no es una fecha válida"},
        {"29/11/2026", -1, "no es una fecha válida"},
        {"", -1, "escriba el día"},
        {"2026-11-29x", -1, "demasiado largo"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        set(f, "fecha", cases[i].fecha);
        int n = check(f);
        if (cases[i].days_back >= 0) {
            assert_int_equal(n, 0);
            assert_true(f->draft.occurred_at_us == TODAY_START_US - cases[i].days_back * DAY_US);
        } else {
            assert_int_equal(n, 1);
            assert_string_equal(f->errs[0].field, "fecha");
            if (!strstr(f->errs[0].message, cases[i].says))
                fail_msg("%s: %s", cases[i].fecha, f->errs[0].message);
        }
    }
    /* A date typed without a choice is that day; a choice of today or yesterday wins. */
    set(f, "cuando", "");
    set(f, "fecha", "2026-11-20");
    assert_int_equal(check(f), 0);
    assert_true(f->draft.occurred_at_us == TODAY_START_US - 9 * DAY_US);
    assert_string_equal(f->values.cuando, "fecha");
    set(f, "fecha", "");
    assert_int_equal(check(f), 1);
    assert_string_equal(f->errs[0].field, "cuando");
    /* A date is ignored unless "another day" is chosen. */
    set(f, "cuando", "hoy");
    set(f, "fecha", "1999-01-01");
    assert_int_equal(check(f), 0);
}

static void test_text_checks(void **state)
{
    fixture_t *f = *state;
    good(f);
    static const struct {
        const char *value;
        size_t len;
        const char *says;
    } bad[] = {
        {"a\0b", 3, "(U+0000)"},
        {"a\x01" "b", 3, "(U+0001)"},
        {"a\x7f" "b", 3, "(U+007F)"},
        {"a\xc2\x85" "b", 4, "(U+0085)"},          /* C1: NEXT LINE */
        {"\xc3\x28", 2, "no válidos (en el byte 0)"},
        {"\xed\xa0\x80", 3, "no válidos"},          /* a surrogate */
        {"\xc0\xaf", 2, "no válidos"},              /* overlong '/' */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setn(f, "relato", bad[i].value, bad[i].len);
        int n = check(f);
        assert_int_equal(n, 1);
        assert_string_equal(f->errs[0].field, "relato");
        assert_non_null(strstr(f->errs[0].message, "«Cuéntenos qué pasó»"));
        if (!strstr(f->errs[0].message, bad[i].says))
            fail_msg("case %zu: %s", i, f->errs[0].message);
        /* Kept safe to show: no NUL inside, no control, valid UTF-8. */
        for (const char *p = f->values.relato; *p; p++)
            assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
    }
    setn(f, "relato", "a\0b", 3);
    check(f);
    assert_string_equal(f->values.relato, "a?b");
    /* Line breaks are one line's controls elsewhere. */
    set(f, "lugar", "soya\npango");
    set(f, "relato", "ok");
    assert_int_equal(check(f), 1);
    assert_string_equal(f->errs[0].field, "lugar");
    assert_non_null(strstr(f->errs[0].message, "(U+000A)"));
    /* 1024 bytes pass, 1025 do not (never cut silently); accents count 2. */
    static char relato[2000];
    set(f, "lugar", "");
    memset(relato, 'x', 1024);
    relato[1024] = '\0';
    set(f, "relato", relato);
    assert_int_equal(check(f), 0);
    assert_int_equal(strlen(f->draft.description), 1024);
    relato[1023] = '\0';
    strcat(relato, "é");
    set(f, "relato", relato);
    assert_int_equal(check(f), 1);
    assert_non_null(strstr(f->errs[0].message, "1025 bytes, y el máximo es 1024"));
    assert_true(strlen(f->values.relato) <= 1024);          /* cut at a whole character */
    assert_string_equal(f->values.relato + 1020, "xxx");
}

static void test_numbers(void **state)
{
    fixture_t *f = *state;
    good(f);
    static const char *const ok[] = {"", "0", "7", "999", "0999"};
    static const char *const bad[] = {"1000", "-1", "1e3", " 5", "5 ", "+5", "12345678", "٣"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        set(f, "muertos", ok[i]);
        assert_int_equal(check(f), 0);
    }
    assert_int_equal(f->draft.killed, 999);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        set(f, "muertos", bad[i]);
        assert_int_equal(check(f), 1);
        assert_string_equal(f->errs[0].field, "muertos");
    }
}

static void test_places_checked(void **state)
{
    fixture_t *f = *state;
    good(f);
    static const char *const bad[] = {"sv.li", "sv.li.la-libertad-este.san-juan-opico",
                                      "sv.ss.nowhere", "sv", "SV.SS", "sv.ss.san-salvador-este.soyapango.x",
                                      "sv.ssx"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        set(f, "zona", bad[i]);
        int n = check(f);
        assert_int_equal(n, 1);
        assert_string_equal(f->errs[0].field, "zona");
        assert_non_null(strstr(f->errs[0].message, "no está en el departamento"));
    }
    set(f, "zona", SOYAPANGO);
    set(f, "departamento", "ss");       /* any case */
    assert_int_equal(check(f), 0);
    assert_string_equal(f->values.departamento, "SS");
}

static void test_photos(void **state)
{
    fixture_t *f = *state;
    good(f);
    for (int i = 0; i < 4; i++)
        f->uploads[f->nuploads++] = (report_upload_t){"foto", png_1x1, sizeof png_1x1};
    int n = check(f);
    assert_int_equal(n, 1);
    assert_string_equal(f->errs[0].message, "«Fotos»: adjuntó 4 fotos y el máximo es 3.");
    assert_int_equal(f->draft.photo_count, 0);

    static unsigned char big[5000];
    memcpy(big, png_1x1, sizeof png_1x1);
    f->nuploads = 0;
    f->uploads[f->nuploads++] = (report_upload_t){"foto", png_1x1, sizeof png_1x1};
    f->uploads[f->nuploads++] = (report_upload_t){"foto", big, sizeof big};
    f->uploads[f->nuploads++] = (report_upload_t){"foto", (const unsigned char *)"text", 4};
    n = check(f);
    assert_int_equal(n, 2);       /* both bad photos, each named */
    assert_string_equal(f->errs[0].message, "«Fotos»: la segunda foto pesa 5 KB y el máximo es 4 KB.");
    assert_string_equal(f->errs[1].message,
                        "«Fotos»: la tercera foto no es JPEG ni PNG (otro formato). En el "
                        "teléfono, ponga la cámara en JPEG (en iPhone: Ajustes > Cámara > "
                        "Formatos > «Más compatible») o envíe una captura de pantalla de la foto.");
    assert_int_equal(f->draft.photo_count, 0);   /* the good one is freed: nothing half-kept */

    /* A photo in another format (what phones send) is told from a damaged or cut one,
     * each with its advice, in the reporter's language, named by its position. */
    static const unsigned char heic[] = {0, 0, 0, 24, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c',
                                         0, 0, 0, 0, 'm', 'i', 'f', '1', 'h', 'e', 'i', 'c'};
    static const unsigned char webp[] = {'R', 'I', 'F', 'F', 16, 0, 0, 0, 'W', 'E', 'B', 'P',
                                         'V', 'P', '8', ' ', 0, 0, 0, 0};
    static const unsigned char gif[] = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0, 0, 0};
    f->nuploads = 0;
    f->uploads[f->nuploads++] = (report_upload_t){"foto", heic, sizeof heic};
    f->uploads[f->nuploads++] = (report_upload_t){"foto", png_1x1, sizeof png_1x1 - 20}; /* cut */
    f->uploads[f->nuploads++] = (report_upload_t){"foto", webp, sizeof webp};
    n = check(f);
    assert_int_equal(n, 3);
    assert_non_null(strstr(f->errs[0].message, "«Fotos»: la primera foto no es JPEG ni PNG (HEIC). "
                                               "En el teléfono, ponga la cámara en JPEG"));
    assert_string_equal(f->errs[1].message,
                        "«Fotos»: la segunda foto llegó dañada o cortada; adjúntela otra vez.");
    assert_non_null(strstr(f->errs[2].message, "la tercera foto no es JPEG ni PNG (WebP)"));
    assert_int_equal(f->draft.photo_count, 0);
    f->ctx.lang = REPORT_LANG_EN;
    f->uploads[0] = (report_upload_t){"foto", gif, sizeof gif};
    f->nuploads = 2;
    n = check(f);
    f->ctx.lang = REPORT_LANG_ES;
    assert_int_equal(n, 2);
    assert_string_equal(f->errs[0].message,
                        "“Photos”: the first photo is not JPEG or PNG (GIF). On the phone, set "
                        "the camera to JPEG (on an iPhone: Settings > Camera > Formats > “Most "
                        "Compatible”) or send a screenshot of the photo.");
    assert_string_equal(f->errs[1].message,
                        "“Photos”: the second photo arrived damaged or cut off; attach it again.");

    f->cfg.max_photos = 0;
    f->nuploads = 1;
    n = check(f);
    f->cfg.max_photos = 3;
    assert_int_equal(n, 1);
    assert_string_equal(f->errs[0].message, "«Fotos»: este servicio no recibe fotos.");
}

static void test_check_where(void **state)
{
    fixture_t *f = *state;
    form_error_t err;
    f->nfields = 0;
    set(f, "departamento", "CH");
    set(f, "lugar", "Nueva Concepción");
    f->in = (report_form_input_t){f->fields, f->nfields, NULL, 0};
    assert_int_equal(form_check_where(&f->in, &f->ctx, &f->values, &err), 0);
    assert_string_equal(f->values.departamento, "CH");
    assert_string_equal(f->values.lugar, "Nueva Concepción");
    set(f, "departamento", "");
    f->in.field_count = f->nfields;
    assert_int_equal(form_check_where(&f->in, &f->ctx, &f->values, &err), -1);
    assert_string_equal(err.field, "departamento");
    assert_string_equal(err.message, "«Departamento»: elija una opción.");
}

/* The ids found for text in dep. */
static size_t find(fixture_t *f, const char *dep, const char *text, const char **ids)
{
    return form_find_places(f->zones, dep, text, ids, FORM_PLACES_MAX);
}

static void test_find_places(void **state)
{
    fixture_t *f = *state;
    const char *ids[FORM_PLACES_MAX];
    static const char *const soyapango[] = {"soyapango", "Soyapango", "SOYAPÁNGO", " soyapango ",
                                            "soyapngo", "soyap"};
    for (size_t i = 0; i < sizeof soyapango / sizeof soyapango[0]; i++) {
        assert_true(find(f, "SS", soyapango[i], ids) >= 1);
        assert_string_equal(ids[0], SOYAPANGO);
    }
    /* Accents either way, and the district before the municipality of its name. */
    assert_true(find(f, "AH", "ahuachapan", ids) >= 2);
    assert_string_equal(ids[0], "sv.ah.ahuachapan-centro.ahuachapan");
    assert_string_equal(ids[1], "sv.ah.ahuachapan-centro");
    assert_true(find(f, "CH", "concepcion", ids) >= 1);
    assert_true(find(f, "CH", "Nueva Concepción", ids) >= 1);
    assert_string_equal(ids[0], "sv.ch.chalatenango-centro.nueva-concepcion");
    /* Inside the department only. */
    assert_int_equal(find(f, "LI", "soyapango", ids), 0);
    size_t n = find(f, "SS", "san", ids);
    assert_true(n >= 3);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(strncmp(ids[i], "sv.ss.", 6), 0);
        /* three letters: no typo matches (Panchimalco is not "san") */
        assert_non_null(strstr(strrchr(ids[i], '.'), "san"));
    }
    /* Nothing, a bad department, at most max. */
    assert_int_equal(find(f, "SS", "", ids), 0);
    assert_int_equal(find(f, "SS", "   ", ids), 0);
    assert_int_equal(find(f, "SS", "qqqqzzzz", ids), 0);
    assert_int_equal(find(f, "XX", "soyapango", ids), 0);
    assert_int_equal(find(f, NULL, "soyapango", ids), 0);
    assert_int_equal(form_find_places(f->zones, "SS", "san", ids, 2), 2);
}

static void test_escaping(void **state)
{
    fixture_t *f = *state;
    report_buf_t b = {0};
    buf_put_html(&b, "<script>alert('x')</script> & \"q\"");
    assert_string_equal(b.data, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
    buf_free(&b);

    /* A refused submission shows what was typed, escaped. */
    good(f);
    set(f, "lugar", "\"><script>alert(1)</script>");
    set(f, "relato", "</textarea><script>x</script>'\"&");
    set(f, "heridos", "\"onfocus=\"x");
    setn(f, "muertos", "1\0<b>", 5);
    set(f, "zona", "\"><img src=x>");
    int n = check(f);
    assert_true(n >= 3);
    const char *ids[FORM_PLACES_MAX];
    size_t found = form_find_places(f->zones, "SS", f->values.lugar, ids, FORM_PLACES_MAX);
    page_details(&b, &f->ctx, &f->values, ids, found, f->errs, (size_t)n);
    assert_false(b.failed);
    assert_null(strstr(b.data, "<script"));
    assert_null(strstr(b.data, "<img"));
    assert_null(strstr(b.data, "<b>"));
    assert_null(strstr(b.data, "\"onfocus"));
    assert_null(strstr(b.data, "</textarea><script"));
    assert_non_null(strstr(b.data, "&lt;/textarea&gt;&lt;script&gt;x&lt;/script&gt;&#39;&quot;&amp;"));
    assert_non_null(strstr(b.data, "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
    buf_free(&b);
}

static void test_buffer(void **state)
{
    (void)state;
    report_buf_t b = {0};
    for (int i = 0; i < 10000; i++)
        buf_printf(&b, "%d,", i % 10);
    assert_int_equal(b.len, 20000);
    assert_int_equal(strlen(b.data), 20000);
    buf_putn(&b, "xyz", 2);
    assert_string_equal(b.data + b.len - 3, ",xy");
    buf_put(&b, NULL);
    buf_put_html(&b, NULL);
    assert_int_equal(b.len, 20002);
    b.failed = true;                         /* a failed buffer drops what follows */
    buf_put(&b, "more");
    assert_int_equal(b.len, 20002);
    buf_free(&b);
    buf_free(&b);
    buf_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_submission), cmocka_unit_test(test_every_error_at_once),
        cmocka_unit_test(test_english),         cmocka_unit_test(test_dates),
        cmocka_unit_test(test_text_checks),     cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_places_checked),  cmocka_unit_test(test_photos),
        cmocka_unit_test(test_check_where),     cmocka_unit_test(test_find_places),
        cmocka_unit_test(test_escaping),        cmocka_unit_test(test_buffer),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
