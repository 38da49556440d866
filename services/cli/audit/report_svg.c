/* report_svg.c — the bar charts of the HTML report: one inline <svg> per table, a
 * horizontal bar per row (the total left out) for the table's chart column, scaled to
 * the largest value. Plain SVG elements only: no script, no link, no external
 * reference (not even the xmlns URL, which HTML5 does not need for inline SVG). Labels
 * from the log are escaped (report_html_escape). */
#include "report.h"

#include <math.h>
#include <string.h>

#define SVG_WIDTH 760
#define SVG_LABEL_W 400     /* the labels' column */
#define SVG_BAR_MAX_W 300   /* the longest bar */
#define SVG_ROW_H 22
#define SVG_BAR_H 14
#define SVG_ROWS_MAX 20     /* bars drawn; the table below lists every row */
#define SVG_LABEL_CHARS 56  /* longer labels are cut with an ellipsis */
#define SVG_VALUE_MAX 32

/* s cut to at most SVG_LABEL_CHARS code points, with "…" when cut, into buf. */
static const char *short_label(const char *s, char *buf, size_t size)
{
    size_t chars = 0, i = 0;
    for (; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80 && ++chars > SVG_LABEL_CHARS)
            break;
    }
    if (!s[i] || i + sizeof "…" > size) {
        snprintf(buf, size, "%.*s", (int)(i < size ? i : size - 1), s);
        return buf;
    }
    snprintf(buf, size, "%.*s…", (int)i, s);
    return buf;
}

void report_svg_bars(FILE *out, const report_table_t *t)
{
    if (t->chart_col < 0)
        return;
    size_t k = (size_t)t->chart_col, n = t->has_total ? t->n_rows - 1 : t->n_rows;
    if (n > SVG_ROWS_MAX)
        n = SVG_ROWS_MAX;
    double max = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(t->rows[i].values[k]) && t->rows[i].values[k] > max)
            max = t->rows[i].values[k];
    if (n == 0 || max <= 0)
        return;
    int height = (int)n * SVG_ROW_H + 8;
    fprintf(out, "<svg class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
                 "aria-label=\"",
            SVG_WIDTH, height, SVG_WIDTH, height);
    report_html_escape(out, t->title);
    fputs("\">\n", out);
    for (size_t i = 0; i < n; i++) {
        const report_row_t *row = &t->rows[i];
        double v = isnan(row->values[k]) ? 0 : row->values[k];
        int y = (int)i * SVG_ROW_H + 4;
        int w = (int)lround(v / max * SVG_BAR_MAX_W);
        char label[4 * SVG_LABEL_CHARS + 8], value[SVG_VALUE_MAX];
        fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"label\">",
                SVG_LABEL_W - 6, y + SVG_BAR_H - 2);
        report_html_escape(out, short_label(row->label, label, sizeof label));
        fprintf(out, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"bar\"/>",
                SVG_LABEL_W, y, w > 0 ? w : 1, SVG_BAR_H);
        fprintf(out, "<text x=\"%d\" y=\"%d\" class=\"value\">%s</text>\n", SVG_LABEL_W + w + 6,
                y + SVG_BAR_H - 2,
                report_value_text(row->values[k], t->cols[k].type, false, value, sizeof value));
    }
    fputs("</svg>\n", out);
}
