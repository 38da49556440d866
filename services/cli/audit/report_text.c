/* report_text.c — `hcbus audit report` as text for a terminal (the default): a heading
 * per table, aligned columns, the incidents one per line. Every value from the log
 * (institution ids, zone ids, descriptions) is escaped for the terminal (hcbus/text.h),
 * so a description cannot move the cursor or rewrite the screen. */
#include "report.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "hcbus/text.h"
#include "report_labels.h"
#include "timefmt.h"

#define TEXT_VALUE_MAX 32
#define TEXT_LABEL_MAX 512
#define TEXT_DESCRIPTION_MAX 2048
#define TEXT_COL_MIN 8

const char *report_value_text(double value, report_num_t type, bool csv, char *buf, size_t size)
{
    if (isnan(value))
        snprintf(buf, size, "%s", csv ? "" : "-");
    else if (type == REPORT_NUM_SECONDS && !csv)
        audit_duration_format((int64_t)llround(value) * 1000000, buf, size);
    else
        snprintf(buf, size, "%lld", (long long)llround(value));
    return buf;
}

/* Characters (code points) in UTF-8 s. */
static size_t width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void pad(FILE *out, const char *s, size_t w, bool right)
{
    size_t have = width(s);
    if (right)
        for (size_t i = have; i < w; i++)
            fputc(' ', out);
    fputs(s, out);
    if (!right)
        for (size_t i = have; i < w; i++)
            fputc(' ', out);
}

static void print_table(FILE *out, const report_table_t *t)
{
    fprintf(out, "\n== %s ==\n", t->title);
    if (t->note)
        fprintf(out, "%s\n", t->note);
    if (report_table_empty(t)) {
        fprintf(out, "(ninguno en el periodo)\n");
        return;
    }
    char label[TEXT_LABEL_MAX], value[TEXT_VALUE_MAX];
    size_t key_w = width(t->key_title), col_w[REPORT_COLS_MAX];
    for (size_t i = 0; i < t->n_rows; i++) {
        hcbus_text_escape(t->rows[i].label, HCBUS_TEXT_PLAIN, label, sizeof label);
        if (width(label) > key_w)
            key_w = width(label);
    }
    for (size_t k = 0; k < t->n_cols; k++) {
        col_w[k] = width(t->cols[k].title) > TEXT_COL_MIN ? width(t->cols[k].title) : TEXT_COL_MIN;
        for (size_t i = 0; i < t->n_rows; i++) {
            size_t w = width(report_value_text(t->rows[i].values[k], t->cols[k].type, false,
                                               value, sizeof value));
            if (w > col_w[k])
                col_w[k] = w;
        }
    }
    pad(out, t->key_title, key_w, false);
    for (size_t k = 0; k < t->n_cols; k++) {
        fputs("  ", out);
        pad(out, t->cols[k].title, col_w[k], true);
    }
    fputc('\n', out);
    for (size_t i = 0; i < t->n_rows; i++) {
        pad(out, hcbus_text_escape(t->rows[i].label, HCBUS_TEXT_PLAIN, label, sizeof label), key_w,
            false);
        for (size_t k = 0; k < t->n_cols; k++) {
            fputs("  ", out);
            pad(out, report_value_text(t->rows[i].values[k], t->cols[k].type, false, value,
                                       sizeof value), col_w[k], true);
        }
        fputc('\n', out);
    }
}

static void print_incidents(FILE *out, const report_t *self, const audit_zones_t *zones)
{
    fprintf(out, "\n== Detalle de incidentes ==\n");
    if (self->n_incidents == 0) {
        fprintf(out, "(ninguno en el periodo)\n");
        return;
    }
    char when[HCBUS_TIME_TEXT_MAX], zone[TEXT_LABEL_MAX], who[TEXT_LABEL_MAX];
    char desc[TEXT_DESCRIPTION_MAX];
    for (size_t i = 0; i < self->n_incidents; i++) {
        const report_incident_t *inc = &self->incidents[i];
        const char *name = audit_zones_name(zones, inc->zone_id);
        hcbus_text_escape(name ? name : inc->zone_id, HCBUS_TEXT_PLAIN, zone, sizeof zone);
        hcbus_text_escape(inc->anonymous || !*inc->sender ? "anónimo" : inc->sender,
                          HCBUS_TEXT_PLAIN, who, sizeof who);
        fprintf(out, "%s  %s  %s, %s, gravedad %s, muertos %ld, heridos %ld, secuestrados o "
                     "detenidos %ld; notificó %s",
                audit_time_format(inc->occurred_us, self->utc, false, when, sizeof when), zone,
                report_act_es(inc->act), report_target_es(inc->target),
                report_severity_es(inc->severity), inc->killed, inc->injured, inc->removed, who);
        if (*inc->description)
            fprintf(out, ": \"%s\"",
                    hcbus_text_escape(inc->description, HCBUS_TEXT_QUOTED, desc, sizeof desc));
        fputc('\n', out);
    }
    if (self->incidents_total > (long)self->n_incidents)
        fprintf(out, "(%ld incidentes más no se listan; las cifras de arriba los cuentan todos)\n",
                self->incidents_total - (long)self->n_incidents);
}

int report_print_text(FILE *out, const report_t *self, const audit_zones_t *zones)
{
    char from[HCBUS_TIME_TEXT_MAX], to[HCBUS_TIME_TEXT_MAX];
    fprintf(out, "Informe del protocolo: %s\n", self->period);
    fprintf(out, "Periodo: desde %s hasta %s (sin incluirlo)\n",
            audit_time_format(self->from_us, self->utc, false, from, sizeof from),
            audit_time_format(self->to_us, self->utc, false, to, sizeof to));
    fprintf(out, "Generado: %s, desde las vistas de revisión del registro de auditoría.\n",
            self->generated);
    for (size_t t = 0; t < self->n_tables; t++)
        print_table(out, &self->tables[t]);
    print_incidents(out, self, zones);
    fflush(out);
    return ferror(out) ? -1 : 0;
}
