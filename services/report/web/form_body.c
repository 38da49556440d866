/* form_body.c — the fields and files of a POST body, within its limits (form_body.h).
 * Memory: at most FORM_BODY_FIELDS_MAX values of FORM_BODY_VALUE_MAX + 1 bytes, plus
 * the files, whose sum the request size limit bounds. */
#include "form_body.h"

#include <stdlib.h>
#include <string.h>

void form_body_init(form_body_t *b, size_t max_file_bytes)
{
    memset(b, 0, sizeof *b);
    b->max_file_bytes = max_file_bytes;
}

void form_body_free(form_body_t *b)
{
    /* What arrived may be a receipt, an answer, a report's text or an unclean photo:
     * wiped before it goes back to the allocator. */
    for (size_t i = 0; i < b->count; i++) {
        if (b->parts[i].name)
            explicit_bzero(b->parts[i].name, strlen(b->parts[i].name));
        if (b->parts[i].bytes)
            explicit_bzero(b->parts[i].bytes, b->parts[i].cap);
        free(b->parts[i].name);
        free(b->parts[i].bytes);
    }
    memset(b, 0, sizeof *b);
}

static int refuse(form_body_t *b, page_problem_t why)
{
    if (!b->refused) {
        b->refused = true;
        b->refusal = why;
    }
    return -1;
}

/* The part this chunk belongs to: a new one for a first chunk, except that libmicrohttpd
 * may announce a part with an empty first chunk before its data (offset 0 again). */
static form_part_t *part_for(form_body_t *b, const char *name, bool file, uint64_t off)
{
    form_part_t *last = b->count ? &b->parts[b->count - 1] : NULL;
    if (off > 0 || (last && last->len == 0 && last->file == file && strcmp(last->name, name) == 0))
        return last && strcmp(last->name, name) == 0 ? last : NULL;
    if (b->count == FORM_BODY_FIELDS_MAX || strlen(name) > FORM_BODY_NAME_MAX)
        return NULL;
    form_part_t *p = &b->parts[b->count];
    p->name = strdup(name);
    p->bytes = calloc(1, 1);
    if (!p->name || !p->bytes) {
        free(p->name);
        free(p->bytes);
        memset(p, 0, sizeof *p);
        return NULL;
    }
    p->cap = 1;
    p->file = file;
    b->count++;
    return p;
}

/* Append size bytes, keeping the NUL after them; the caller checked the limit. */
static int append(form_part_t *p, const char *data, size_t size)
{
    if (p->len + size + 1 > p->cap) {
        size_t cap = p->cap * 2 > p->len + size + 1 ? p->cap * 2 : p->len + size + 1;
        /* Not realloc: the old block (a receipt, an answer, an unclean photo) would
         * stay in freed memory. Copy, wipe, free. */
        unsigned char *bytes = malloc(cap);
        if (!bytes)
            return -1;
        if (p->bytes) {
            memcpy(bytes, p->bytes, p->len + 1);
            explicit_bzero(p->bytes, p->cap);
            free(p->bytes);
        }
        p->bytes = bytes;
        p->cap = cap;
    }
    memcpy(p->bytes + p->len, data, size);
    p->len += size;
    p->bytes[p->len] = '\0';
    return 0;
}

int form_body_add(form_body_t *b, const char *name, bool file, const char *data, uint64_t off, size_t size)
{
    if (b->refused)
        return -1;
    if (!name)
        return refuse(b, PAGE_PROBLEM_BAD_REQUEST);
    form_part_t *p = part_for(b, name, file, off);
    if (!p)
        return refuse(b, PAGE_PROBLEM_BAD_REQUEST);
    if (p->file) {
        if (p->len + size > b->max_file_bytes)
            return refuse(b, PAGE_PROBLEM_TOO_LARGE);
    } else if (p->len + size > FORM_BODY_VALUE_MAX + 1) {
        /* One byte over the largest field is enough for any check to see it too long. */
        size = p->len > FORM_BODY_VALUE_MAX ? 0 : FORM_BODY_VALUE_MAX + 1 - p->len;
    }
    if (size > 0 && append(p, data, size) != 0)
        return refuse(b, PAGE_PROBLEM_INTERNAL);
    return 0;
}

report_form_input_t form_body_input(form_body_t *b)
{
    report_form_input_t in = {.fields = b->fields, .uploads = b->uploads};
    for (size_t i = 0; i < b->count; i++) {
        const form_part_t *p = &b->parts[i];
        if (p->file)
            b->uploads[in.upload_count++] = (report_upload_t){p->name, p->bytes, p->len};
        else
            b->fields[in.field_count++] = (report_field_t){p->name, (const char *)p->bytes, p->len};
    }
    return in;
}
