/* report_csv.c — `hcbus audit report --csv`: every figure as one RFC 4180 row in long
 * form, "seccion,clave,nombre,indicador,valor" (section = table id, key = act, zone id,
 * institution id or code, name = its Spanish label, indicator = column id), so a
 * spreadsheet can pivot it and a script can find one figure with one match. Durations
 * in whole seconds; an empty valor where there is no figure. */
#include "report.h"

#include <stdio.h>

#include "output.h"
#include "timefmt.h"

#define CSV_VALUE_MAX 32

static void row(FILE *out, const char *section, const char *key, const char *name,
                const char *indicator, const char *value)
{
    audit_csv_field(out, section);
    fputc(',', out);
    audit_csv_field(out, key);
    fputc(',', out);
    audit_csv_field(out, name);
    fputc(',', out);
    audit_csv_field(out, indicator);
    fputc(',', out);
    audit_csv_field(out, value);
    fputs("\r\n", out);
}

int report_print_csv(FILE *out, const report_t *self)
{
    char from[HCBUS_TIME_TEXT_MAX], to[HCBUS_TIME_TEXT_MAX];
    row(out, "seccion", "clave", "nombre", "indicador", "valor");
    row(out, "periodo", "desde", self->period, "fecha",
        audit_time_format(self->from_us, self->utc, false, from, sizeof from));
    row(out, "periodo", "hasta", self->period, "fecha",
        audit_time_format(self->to_us, self->utc, false, to, sizeof to));
    row(out, "fuente", "suscripciones", "Suscripciones contadas (review.deliveries)", "incluidas",
        self->subscriptions ? "1" : "0");
    for (size_t t = 0; t < self->n_tables; t++) {
        const report_table_t *table = &self->tables[t];
        for (size_t i = 0; i < table->n_rows; i++)
            for (size_t k = 0; k < table->n_cols; k++) {
                char value[CSV_VALUE_MAX];
                row(out, table->id, table->rows[i].key, table->rows[i].label, table->cols[k].id,
                    report_value_text(table->rows[i].values[k], table->cols[k].type, true, value,
                                      sizeof value));
            }
    }
    fflush(out);
    return ferror(out) ? -1 : 0;
}
