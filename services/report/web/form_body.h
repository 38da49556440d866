/* form_body.h — a POST body being received: libmicrohttpd's post processor
 * (URL-encoded or multipart) feeds it field by field, chunk by chunk, and it keeps the
 * fields and the uploaded files within the limits (docs/report.md "Limits, refusals
 * and errors"): at most FORM_BODY_FIELDS_MAX fields and files together, names of at
 * most FORM_BODY_NAME_MAX bytes, field values kept up to FORM_BODY_VALUE_MAX + 1 bytes
 * (so that a check sees a value over its size and names it: never cut silently), each
 * file at most max_photo_bytes. */
#ifndef HCBUS_REPORT_WEB_FORM_BODY_H
#define HCBUS_REPORT_WEB_FORM_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pages/form.h"
#include "pages/pages.h"

#define FORM_BODY_FIELDS_MAX 64
#define FORM_BODY_NAME_MAX 64
#define FORM_BODY_VALUE_MAX 4096      /* more than any field allows (an answer: 2000) */

typedef struct form_part {
    char *name;
    unsigned char *bytes;             /* NUL-terminated */
    size_t len, cap;
    bool file;                        /* a multipart part with a filename */
} form_part_t;

typedef struct form_body {
    form_part_t parts[FORM_BODY_FIELDS_MAX];
    size_t count;
    size_t max_file_bytes;
    bool refused;                     /* stop: refusal says why */
    page_problem_t refusal;           /* PAGE_PROBLEM_TOO_LARGE or _BAD_REQUEST */
    /* What form.h reads, built by form_body_input. */
    report_field_t fields[FORM_BODY_FIELDS_MAX];
    report_upload_t uploads[FORM_BODY_FIELDS_MAX];
} form_body_t;

void form_body_init(form_body_t *b, size_t max_file_bytes);
void form_body_free(form_body_t *b);

/* One chunk of a part: name (NUL-terminated), file whether it came with a filename, the
 * offset of data in the value (0 for a part's first chunk). Returns 0, or -1 once the
 * body is refused (b->refusal says why; later chunks are ignored). */
int form_body_add(form_body_t *b, const char *name, bool file, const char *data, uint64_t off, size_t size);

/* The parts as form.h's input (pointers into b, valid until form_body_free). */
report_form_input_t form_body_input(form_body_t *b);

#endif
