/* form.h — the report form's fields as the web layer received them, and their checks:
 * every error of a submission at once, each naming its field in the reporter's
 * language; what passes becomes a report_draft_t (photos cleaned by photos/strip.h).
 * Field names are the contract with browsers and tests (docs/report.md, "The form"). */
#ifndef HCBUS_REPORT_FORM_H
#define HCBUS_REPORT_FORM_H

#include <stddef.h>
#include <stdint.h>

#include "hcbus/config.h"
#include "hcbus/zones.h"
#include "report.h"

/* One decoded form field (URL-encoded or multipart), as received: value is
 * NUL-terminated, len bytes (it may hold a NUL: checks refuse it). */
typedef struct report_field {
    const char *name;
    const char *value;
    size_t len;
} report_field_t;

/* One uploaded file of a multipart form. An empty file input arrives with len 0. */
typedef struct report_upload {
    const char *field;            /* "foto" */
    const unsigned char *bytes;
    size_t len;
} report_upload_t;

typedef struct report_form_input {
    const report_field_t *fields;
    size_t field_count;
    const report_upload_t *uploads;
    size_t upload_count;
} report_form_input_t;

/* The first value of name, or NULL. */
const char *form_get(const report_form_input_t *in, const char *name);

/* What the reporter typed, kept to show the form again after an error (never the
 * photos: the page asks to attach them again). All NUL-terminated, cut to size. */
typedef struct form_values {
    char departamento[4];         /* ISO 3166-2 suffix: "SS", "SM", ... */
    char lugar[129];              /* the place typed to search */
    char zona[HCBUS_ZONE_ID_MAX + 1];
    char que[40];                 /* Act short name: "threat", "obstruction_of_access", ... */
    char a_quien[16];             /* personnel, patients, facility, vehicle */
    char cuando[8];               /* hoy, ayer, fecha */
    char fecha[11];               /* YYYY-MM-DD when cuando = fecha */
    char gravedad[12];            /* low, moderate, high, critical */
    char muertos[8], heridos[8], secuestrados[8];
    char relato[REPORT_DESCRIPTION_MAX + 1];
} form_values_t;

#define FORM_ERRORS_MAX 16

typedef struct form_error {
    const char *field;            /* the form field's name ("zona", "foto", ...) */
    char message[256];            /* in the reporter's language, names the field as the page labels it */
} form_error_t;

/* What every page needs to know. */
typedef struct page_ctx {
    report_lang_t lang;
    const char *token;            /* the current form token (web/token.h) */
    const hcbus_zones_t *zones;
    const hcbus_report_config_t *cfg;
} page_ctx_t;

/* The most places step 2 offers: every municipality and district of the largest
 * department (Chalatenango: 3 + 33) fits. */
#define FORM_PLACES_MAX 40

/* The places of department dep (its ISO suffix) whose name matches text (any case,
 * with or without accents; municipalities and districts), best first. Writes up to
 * max zone ids (they belong to the catalogue). text empty: none. Returns how many. */
size_t form_find_places(const hcbus_zones_t *zones, const char *dep, const char *text,
                        const char **out, size_t max);

/* Check step 1 (POST /reporte/lugar): departamento one of the catalogue's departments
 * (its ISO suffix), lugar at most 128 bytes of one-line text. Fills values
 * (departamento, lugar; the rest empty). Returns 0, or -1 with *err (the first error,
 * its message in the reporter's language for page_where; err may be NULL). */
int form_check_where(const report_form_input_t *in, const page_ctx_t *ctx,
                     form_values_t *values, form_error_t *err);

/* Check a whole submission. Fills values (always) and, when every check passes, draft
 * (photos cleaned, owned by draft) and returns 0. Otherwise returns the number of
 * errors written to errs (at most FORM_ERRORS_MAX) and draft holds no photos.
 * now_us decides "today" (America/El_Salvador). */
int form_check(const report_form_input_t *in, const page_ctx_t *ctx, int64_t now_us,
               report_draft_t *draft, form_values_t *values, form_error_t *errs);

#endif
