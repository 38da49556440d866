/* report_aggregate.c — the report's tables made from other figures rather than from a
 * query: incidents by WHO SSA type (summing the incidents by act through the mapping of
 * report_labels.c) and active institutions by type (their roles in hcbus.conf, which
 * the database does not hold). */
#include "report.h"

#include <math.h>
#include <string.h>

#include "report_labels.h"

int report_aggregate_ssa(report_t *self, const report_table_t *by_act, report_table_t *by_ssa)
{
    (void)self;
    size_t n_types;
    const report_ssa_type_t *types = report_ssa_types(&n_types);
    /* In the SSA order, only the types that occur, then the total (the same as by act). */
    for (size_t s = 0; s < n_types; s++) {
        report_row_t *row = NULL;
        for (size_t i = 0; i < by_act->n_rows; i++) {
            const report_row_t *act = &by_act->rows[i];
            if (by_act->has_total && i + 1 == by_act->n_rows)
                break;
            if (report_ssa_of_act(act->key) != &types[s])
                continue;
            if (!row) {
                row = report_row_add(by_ssa, types[s].key, types[s].es);
                if (!row)
                    return -1;
                for (size_t k = 0; k < by_ssa->n_cols; k++)
                    row->values[k] = 0;
            }
            for (size_t k = 0; k < by_ssa->n_cols; k++)
                if (!isnan(act->values[k]))
                    row->values[k] += act->values[k];
        }
    }
    if (by_act->has_total) {
        const report_row_t *total = &by_act->rows[by_act->n_rows - 1];
        report_row_t *row = report_row_add(by_ssa, "total", total->label);
        if (!row)
            return -1;
        memcpy(row->values, total->values, sizeof row->values);
        by_ssa->has_total = true;
    }
    return 0;
}

int report_aggregate_roles(report_table_t *by_role, const hcbus_config_t *config,
                           char *const *active, size_t n_active)
{
    if (n_active == 0) {
        /* nothing to type: only the total (0), which says so */
    } else if (!config) {
        report_row_t *row = report_row_add(by_role, "sin_configuracion",
                                           "Tipo desconocido (sin --config: los roles están en "
                                           "hcbus.conf, no en la base de datos)");
        if (!row)
            return -1;
        row->values[0] = (double)n_active;
    } else {
        long unknown = 0;
        for (int role = 0; role < HCBUS_ROLE_COUNT; role++) {
            long count = 0;
            for (size_t i = 0; i < n_active; i++) {
                const hcbus_institution_t *inst = hcbus_config_find_institution(config, active[i]);
                if (inst && (inst->roles & (1u << role)))
                    count++;
                else if (!inst && role == 0)
                    unknown++;
            }
            if (count == 0)
                continue;
            const char *name = hcbus_role_name((hcbus_role_t)role);
            report_row_t *row = report_row_add(by_role, name, report_role_es(name));
            if (!row)
                return -1;
            row->values[0] = (double)count;
        }
        if (unknown > 0) {
            report_row_t *row = report_row_add(by_role, "no_configurada",
                                               "No está en el hcbus.conf dado (dada de baja)");
            if (!row)
                return -1;
            row->values[0] = (double)unknown;
        }
    }
    report_row_t *total = report_row_add(by_role, "total", "Total (cada institución una vez)");
    if (!total)
        return -1;
    total->values[0] = (double)n_active;
    by_role->has_total = true;
    return 0;
}
