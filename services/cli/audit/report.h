/* report.h — `hcbus audit report`: the period's figures (incidents by WHO SSA type, act,
 * target, department, municipality, institution and anonymity; response times; escorts;
 * refused attempts; institutions active in the network) as a report model of tables,
 * shared by the files that fill it (report_query.c, report_aggregate.c) and those that
 * print it (report_text.c, report_csv.c, report_html.c with report_svg.c). The labels
 * are Spanish (es-SV), the facilitators' language (report_labels.h). */
#ifndef HCBUS_CLI_AUDIT_REPORT_H
#define HCBUS_CLI_AUDIT_REPORT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hcbus/config.h"
#include "zonename.h"

#define REPORT_COLS_MAX 6
#define REPORT_TABLES_MAX 16
#define REPORT_DETAIL_MAX 500 /* incidents listed one by one (text, HTML); counts cover all */
#define REPORT_LABEL_MAX 64

/* What a figure is: a count, or a duration in seconds. */
typedef enum { REPORT_NUM_COUNT = 0, REPORT_NUM_SECONDS } report_num_t;

/* A column of a table: its CSV indicator name, its Spanish title, what it holds. */
typedef struct report_col {
    const char *id;    /* "incidentes" */
    const char *title; /* "Incidentes" */
    report_num_t type;
} report_col_t;

/* One row: key (machine: an act, a zone id, an institution id), its Spanish label, and
 * a value per column (NAN when there is none, e.g. no response time measured). */
typedef struct report_row {
    char *key;
    char *label;
    double values[REPORT_COLS_MAX];
} report_row_t;

/* A table of the report. The definition (id .. chart_col) is static; rows are owned. */
typedef struct report_table {
    const char *id;         /* CSV section: "incidentes_tipo_ssa" */
    const char *title;      /* Spanish heading */
    const char *note;       /* what the figures mean, Spanish; NULL for none */
    const char *key_title;  /* the first column's title: "Tipo de ataque (OMS SSA)" */
    size_t n_cols;
    report_col_t cols[REPORT_COLS_MAX];
    int chart_col;          /* column drawn as bars in the HTML page, -1 for none */
    report_row_t *rows;     /* the last one is the total when has_total */
    size_t n_rows, cap_rows;
    bool has_total;
} report_table_t;

/* One incident of the detail list (text, HTML). Every string is from the log. */
typedef struct report_incident {
    int64_t occurred_us;
    char *zone_id, *act, *target, *severity, *sender, *description;
    long killed, injured, removed;
    bool anonymous;
} report_incident_t;

typedef struct report {
    int64_t from_us, to_us;     /* [from, to) */
    char period[96];            /* "octubre de 2026", or "del ... al ..." */
    bool utc;                   /* times in UTC instead of El Salvador time */
    bool subscriptions;         /* review.deliveries was read for the active institutions */
    bool config;                /* institutions' names and roles came from --config */
    char generated[40];         /* when the report was made, as printed */
    report_table_t tables[REPORT_TABLES_MAX];
    size_t n_tables;
    report_incident_t *incidents; /* the first REPORT_DETAIL_MAX, by occurrence */
    size_t n_incidents;
    long incidents_total;       /* all of the period, listed or not */
} report_t;

/* --- report_model.c ------------------------------------------------------------------ */

/* Add a table defined by def (copied, rows none) and return it, or NULL when full. */
report_table_t *report_table_add(report_t *self, const report_table_t *def);

/* Append a row (key and label copied; values all NAN). Returns it, or NULL when out of
 * memory. */
report_row_t *report_row_add(report_table_t *table, const char *key, const char *label);

/* The row with key, or NULL. */
report_row_t *report_row_find(report_table_t *table, const char *key);

/* True when the table has nothing to show: no row, or a total whose first figure is 0. */
bool report_table_empty(const report_table_t *table);

/* A table by its id, or NULL. */
report_table_t *report_table_find(report_t *self, const char *id);

/* Free every table's rows and the incidents (the report itself is the caller's). */
void report_free(report_t *self);

/* --- report_query.c: fill the tables from the reviewer views, in one snapshot --------- */

/* Query every figure of [from, to) into self (tables in the order printed). zones names
 * zones; config (may be NULL) names institutions and their roles. Returns 0, or prints
 * the error and returns an exit code (3 database gone, 4 internal). */
int report_query(const char *cmd, PGconn *conn, const audit_zones_t *zones,
                 const hcbus_config_t *config, report_t *self);

/* --- report_aggregate.c: tables made from other figures -------------------------------- */

/* Incidents by WHO SSA type from the incidents by act (report_labels.h's mapping). */
int report_aggregate_ssa(report_t *self, const report_table_t *by_act, report_table_t *by_ssa);

/* Institutions active by type: each active institution (ids in active[]) counted once
 * under each role it holds in config (NULL: one row "sin configuración"). */
int report_aggregate_roles(report_table_t *by_role, const hcbus_config_t *config,
                           char *const *active, size_t n_active);

/* --- output ---------------------------------------------------------------------------- */

/* A figure as text: a count as an integer, seconds as "16m00s" (text) or whole seconds
 * (csv); "-" (text) or "" (csv) for NAN. Returns buf. */
const char *report_value_text(double value, report_num_t type, bool csv, char *buf, size_t size);

int report_print_text(FILE *out, const report_t *self, const audit_zones_t *zones);
int report_print_csv(FILE *out, const report_t *self);
int report_print_html(FILE *out, const report_t *self, const audit_zones_t *zones);

/* Write s to out with & < > " ' as HTML character references (report_html.c). */
void report_html_escape(FILE *out, const char *s);

/* An inline SVG bar chart of table's chart column (no script, no external reference). */
void report_svg_bars(FILE *out, const report_table_t *table);

#endif
