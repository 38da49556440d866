/* output.c — rows of `hcbus audit` subcommands as aligned text, JSON lines or CSV
 * (output.h). One row is printed and flushed at a time, nothing is kept, so output of
 * any length streams in constant memory. */
#include "output.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/text.h"
#include "timefmt.h"

#define AUDIT_OUT_FLUSH_ROWS 1000

struct audit_out {
    FILE *out;
    audit_format_t format;
    const audit_column_t *columns;
    size_t n;
    bool utc;
    size_t rows;
};

audit_out_t *audit_out_new(FILE *out, audit_format_t format, const audit_column_t *columns,
                           size_t n_columns, bool utc)
{
    audit_out_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->out = out;
    self->format = format;
    self->columns = columns;
    self->n = n_columns;
    self->utc = utc;
    return self;
}

void audit_out_destroy(audit_out_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free(*self_p);
    *self_p = NULL;
}

size_t audit_out_rows(const audit_out_t *self) { return self->rows; }

void audit_csv_field(FILE *out, const char *value)
{
    if (!value)
        return;
    if (strpbrk(value, ",\"\r\n") == NULL) {
        fputs(value, out);
        return;
    }
    fputc('"', out);
    for (const char *p = value; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

/* Number of characters (code points) in UTF-8 s, for padding. */
static size_t text_width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

void audit_out_header(audit_out_t *self)
{
    if (self->format == AUDIT_FORMAT_JSON)
        return;
    for (size_t i = 0; i < self->n; i++) {
        const audit_column_t *c = &self->columns[i];
        if (self->format == AUDIT_FORMAT_CSV) {
            if (i > 0)
                fputc(',', self->out);
            audit_csv_field(self->out, c->name);
        } else {
            bool last = i + 1 == self->n || c->width == 0;
            if (last) {
                fputs(c->name, self->out);
                break;
            }
            fprintf(self->out, "%-*s ", c->width, c->name);
        }
    }
    fputs(self->format == AUDIT_FORMAT_CSV ? "\r\n" : "\n", self->out);
}

/* A value as text: times formatted, booleans in words, JSON compact on one line. The
 * result is in buf or is value itself; *owned is set when it must be freed. */
static const char *shown_value(const audit_out_t *self, const audit_column_t *c,
                               const char *value, char *buf, size_t size, char **owned)
{
    *owned = NULL;
    if (!value)
        return self->format == AUDIT_FORMAT_TEXT ? "-" : "";
    switch (c->type) {
    case AUDIT_COL_TIME:
        return audit_time_format_text(value, self->utc, self->format != AUDIT_FORMAT_TEXT, buf,
                                      size);
    case AUDIT_COL_BOOL:
        if (self->format == AUDIT_FORMAT_TEXT)
            return strcmp(value, "t") == 0 ? "yes" : "no";
        return strcmp(value, "t") == 0 ? "true" : "false";
    case AUDIT_COL_JSON: {
        json_t *j = json_loads(value, JSON_DECODE_ANY, NULL);
        if (j) {
            *owned = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
            json_decref(j);
        }
        return *owned ? *owned : value;
    }
    default:
        return value;
    }
}

static void text_row(audit_out_t *self, const char *const *values)
{
    for (size_t i = 0; i < self->n; i++) {
        const audit_column_t *c = &self->columns[i];
        char buf[HCBUS_TIME_TEXT_MAX], *owned;
        const char *v = shown_value(self, c, values[i], buf, sizeof buf, &owned);
        char *safe = hcbus_text_escape_dup(v, HCBUS_TEXT_PLAIN);
        const char *s = safe ? safe : "?";
        bool last = i + 1 == self->n || c->width == 0;
        fputs(s, self->out);
        if (!last) {
            size_t w = text_width(s);
            for (size_t k = w; k < (size_t)c->width; k++)
                fputc(' ', self->out);
            fputc(' ', self->out);
        }
        free(safe);
        free(owned);
        if (last)
            break;
    }
    fputc('\n', self->out);
}

static void csv_row(audit_out_t *self, const char *const *values)
{
    for (size_t i = 0; i < self->n; i++) {
        char buf[HCBUS_TIME_TEXT_MAX], *owned;
        const char *v = shown_value(self, &self->columns[i], values[i], buf, sizeof buf, &owned);
        /* Escaped like text (decision 0006): a CSV is often looked at in a terminal. */
        char *safe = values[i] ? hcbus_text_escape_dup(v, HCBUS_TEXT_PLAIN) : NULL;
        if (i > 0)
            fputc(',', self->out);
        audit_csv_field(self->out, values[i] ? (safe ? safe : "?") : NULL);
        free(safe);
        free(owned);
    }
    fputs("\r\n", self->out);
}

/* The JSON value of one column; NULL for out of memory or JSON that does not parse. */
static json_t *json_value(const audit_out_t *self, const audit_column_t *c, const char *value)
{
    if (!value)
        return json_null();
    char buf[HCBUS_TIME_TEXT_MAX];
    switch (c->type) {
    case AUDIT_COL_INT: {
        char *end;
        long long v = strtoll(value, &end, 10);
        return *end == '\0' && end != value ? json_integer(v) : json_string(value);
    }
    case AUDIT_COL_BOOL:
        return json_boolean(strcmp(value, "t") == 0);
    case AUDIT_COL_TIME:
        return json_string(audit_time_format_text(value, self->utc, true, buf, sizeof buf));
    case AUDIT_COL_JSON:
        return json_loads(value, JSON_DECODE_ANY, NULL);
    default:
        return json_string(value);
    }
}

static int json_row(audit_out_t *self, const char *const *values)
{
    int rc = 0;
    json_t *obj = json_object();
    for (size_t i = 0; obj && i < self->n; i++) {
        json_t *v = json_value(self, &self->columns[i], values[i]);
        if (!v) {
            rc = -1;
            v = json_pack("{s:s}", "error", "value is not valid JSON or UTF-8");
        }
        json_object_set_new(obj, self->columns[i].name, v);
    }
    char *text = obj ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    char *safe = text ? hcbus_text_escape_dup(text, HCBUS_TEXT_JSON) : NULL;
    if (safe)
        fprintf(self->out, "%s\n", safe);
    else
        rc = -1;
    free(safe);
    free(text);
    json_decref(obj);
    return rc;
}

int audit_out_row(audit_out_t *self, const char *const *values)
{
    int rc = 0;
    if (self->format == AUDIT_FORMAT_JSON)
        rc = json_row(self, values);
    else if (self->format == AUDIT_FORMAT_CSV)
        csv_row(self, values);
    else
        text_row(self, values);
    if (++self->rows % AUDIT_OUT_FLUSH_ROWS == 0)
        fflush(self->out); /* a reader of a pipe sees progress; not every row: speed */
    return rc;
}
