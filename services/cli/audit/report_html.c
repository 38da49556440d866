/* report_html.c — `hcbus audit report --html FILE`: ONE self-contained page, in Spanish,
 * to send by e-mail or print: inline CSS, an inline SVG bar chart and a table per
 * section (report_svg.c), the incidents one per row. No JavaScript, no link, image,
 * font or style sheet from elsewhere, so it reads the same offline and leaks nothing
 * when opened. Every value from the log is attacker-controlled text (a description
 * typed into the anonymous form): each is written through report_html_escape. */
#include "report.h"

#include <string.h>

#include "report_labels.h"
#include "timefmt.h"

#define HTML_VALUE_MAX 32

static const char style[] =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;color:#1a202c;margin:24px auto;"
    "max-width:980px;padding:0 16px;font-size:14px;line-height:1.4;background:#fff}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 6px;"
    "border-bottom:2px solid #2b6cb0;padding-bottom:2px}"
    ".meta{color:#4a5568;margin:2px 0}.note{color:#4a5568;font-size:13px;margin:4px 0 8px}"
    "table{border-collapse:collapse;margin:8px 0;min-width:60%}"
    "th,td{border:1px solid #cbd5e0;padding:3px 8px;text-align:left;vertical-align:top}"
    "th{background:#edf2f7}td.n{text-align:right;white-space:nowrap}"
    "tr.total td{font-weight:bold;background:#f7fafc}"
    "svg.chart{display:block;margin:6px 0}svg .label{font-size:12px;fill:#1a202c}"
    "svg .value{font-size:12px;fill:#1a202c}svg .bar{fill:#2b6cb0}"
    "table.detail{width:100%;font-size:12px}"
    "td.desc{word-wrap:break-word;overflow-wrap:anywhere}"
    "@media print{body{margin:0;max-width:none}section{break-inside:avoid}"
    "h2{break-after:avoid}}";

void report_html_escape(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(*s, out);
        }
    }
}

static void cell(FILE *out, const char *cls, const char *text)
{
    fprintf(out, "<td%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    report_html_escape(out, text);
    fputs("</td>", out);
}

static void print_table(FILE *out, const report_table_t *t)
{
    fputs("<section>\n<h2>", out);
    report_html_escape(out, t->title);
    fputs("</h2>\n", out);
    if (t->note) {
        fputs("<p class=\"note\">", out);
        report_html_escape(out, t->note);
        fputs("</p>\n", out);
    }
    if (report_table_empty(t)) {
        fputs("<p>Ninguno en el periodo.</p>\n</section>\n", out);
        return;
    }
    report_svg_bars(out, t);
    fputs("<table>\n<tr><th>", out);
    report_html_escape(out, t->key_title);
    fputs("</th>", out);
    for (size_t k = 0; k < t->n_cols; k++) {
        fputs("<th>", out);
        report_html_escape(out, t->cols[k].title);
        fputs("</th>", out);
    }
    fputs("</tr>\n", out);
    for (size_t i = 0; i < t->n_rows; i++) {
        bool total = t->has_total && i + 1 == t->n_rows;
        fputs(total ? "<tr class=\"total\">" : "<tr>", out);
        cell(out, NULL, t->rows[i].label);
        for (size_t k = 0; k < t->n_cols; k++) {
            char value[HTML_VALUE_MAX];
            cell(out, "n", report_value_text(t->rows[i].values[k], t->cols[k].type, false, value,
                                             sizeof value));
        }
        fputs("</tr>\n", out);
    }
    fputs("</table>\n</section>\n", out);
}

static void print_incidents(FILE *out, const report_t *self, const audit_zones_t *zones)
{
    fputs("<section>\n<h2>Detalle de incidentes</h2>\n", out);
    if (self->n_incidents == 0) {
        fputs("<p>Ninguno en el periodo.</p>\n</section>\n", out);
        return;
    }
    fputs("<table class=\"detail\">\n<tr><th>Fecha</th><th>Lugar</th><th>Acto</th><th>Objetivo</th>"
          "<th>Gravedad</th><th>Muertos / heridos / secuestrados o detenidos</th>"
          "<th>Notificó</th><th>Descripción</th></tr>\n",
          out);
    for (size_t i = 0; i < self->n_incidents; i++) {
        const report_incident_t *inc = &self->incidents[i];
        char when[HCBUS_TIME_TEXT_MAX], victims[3 * HTML_VALUE_MAX];
        const char *zone = audit_zones_name(zones, inc->zone_id);
        snprintf(victims, sizeof victims, "%ld / %ld / %ld", inc->killed, inc->injured, inc->removed);
        fputs("<tr>", out);
        cell(out, NULL, audit_time_format(inc->occurred_us, self->utc, false, when, sizeof when));
        cell(out, NULL, zone ? zone : inc->zone_id);
        cell(out, NULL, report_act_es(inc->act));
        cell(out, NULL, report_target_es(inc->target));
        cell(out, NULL, report_severity_es(inc->severity));
        cell(out, "n", victims);
        cell(out, NULL, inc->anonymous || !*inc->sender ? "anónimo" : inc->sender);
        cell(out, "desc", inc->description);
        fputs("</tr>\n", out);
    }
    fputs("</table>\n", out);
    if (self->incidents_total > (long)self->n_incidents)
        fprintf(out, "<p class=\"note\">%ld incidentes más no se listan; las cifras de arriba "
                     "los cuentan todos.</p>\n",
                self->incidents_total - (long)self->n_incidents);
    fputs("</section>\n", out);
}

int report_print_html(FILE *out, const report_t *self, const audit_zones_t *zones)
{
    char from[HCBUS_TIME_TEXT_MAX], to[HCBUS_TIME_TEXT_MAX];
    fputs("<!DOCTYPE html>\n<html lang=\"es-SV\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          out);
    fputs("Informe del protocolo: ", out);
    report_html_escape(out, self->period);
    fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>Informe del protocolo: ", style);
    report_html_escape(out, self->period);
    fputs("</h1>\n<p class=\"meta\">Periodo: desde ", out);
    report_html_escape(out, audit_time_format(self->from_us, self->utc, false, from, sizeof from));
    fputs(" hasta ", out);
    report_html_escape(out, audit_time_format(self->to_us, self->utc, false, to, sizeof to));
    fputs(" (sin incluirlo).</p>\n<p class=\"meta\">Generado: ", out);
    report_html_escape(out, self->generated);
    fputs(", desde las vistas de revisión del registro de auditoría de hcbus (sin datos de "
          "pacientes).</p>\n",
          out);
    for (size_t t = 0; t < self->n_tables; t++)
        print_table(out, &self->tables[t]);
    print_incidents(out, self, zones);
    fputs("</body>\n</html>\n", out);
    fflush(out);
    return ferror(out) ? -1 : 0;
}
