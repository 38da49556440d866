/* report_model.c — the report's tables in memory (report.h): adding tables and rows,
 * finding them, freeing them. Tables hold aggregates (a few dozen rows each), never
 * the log's rows, so the report's memory does not grow with the period. */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

report_table_t *report_table_add(report_t *self, const report_table_t *def)
{
    if (self->n_tables == REPORT_TABLES_MAX)
        return NULL;
    report_table_t *t = &self->tables[self->n_tables++];
    *t = *def;
    t->rows = NULL;
    t->n_rows = t->cap_rows = 0;
    return t;
}

report_row_t *report_row_add(report_table_t *table, const char *key, const char *label)
{
    if (table->n_rows == table->cap_rows) {
        size_t cap = table->cap_rows ? table->cap_rows * 2 : 16;
        report_row_t *rows = realloc(table->rows, cap * sizeof *rows);
        if (!rows)
            return NULL;
        table->rows = rows;
        table->cap_rows = cap;
    }
    report_row_t *row = &table->rows[table->n_rows];
    row->key = strdup(key ? key : "");
    row->label = strdup(label ? label : "");
    if (!row->key || !row->label) {
        free(row->key);
        free(row->label);
        return NULL;
    }
    for (size_t i = 0; i < REPORT_COLS_MAX; i++)
        row->values[i] = NAN;
    table->n_rows++;
    return row;
}

report_row_t *report_row_find(report_table_t *table, const char *key)
{
    for (size_t i = 0; i < table->n_rows; i++)
        if (strcmp(table->rows[i].key, key) == 0)
            return &table->rows[i];
    return NULL;
}

bool report_table_empty(const report_table_t *table)
{
    if (table->n_rows == 0)
        return true;
    const report_row_t *total = &table->rows[table->n_rows - 1];
    return table->has_total && (isnan(total->values[0]) || total->values[0] == 0);
}

report_table_t *report_table_find(report_t *self, const char *id)
{
    for (size_t i = 0; i < self->n_tables; i++)
        if (strcmp(self->tables[i].id, id) == 0)
            return &self->tables[i];
    return NULL;
}

void report_free(report_t *self)
{
    for (size_t t = 0; t < self->n_tables; t++) {
        report_table_t *table = &self->tables[t];
        for (size_t i = 0; i < table->n_rows; i++) {
            free(table->rows[i].key);
            free(table->rows[i].label);
        }
        free(table->rows);
        table->rows = NULL;
        table->n_rows = table->cap_rows = 0;
    }
    self->n_tables = 0;
    for (size_t i = 0; i < self->n_incidents; i++) {
        report_incident_t *inc = &self->incidents[i];
        free(inc->zone_id);
        free(inc->act);
        free(inc->target);
        free(inc->severity);
        free(inc->sender);
        free(inc->description);
    }
    free(self->incidents);
    self->incidents = NULL;
    self->n_incidents = 0;
}
