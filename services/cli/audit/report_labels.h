/* report_labels.h — the Spanish (es-SV) names `hcbus audit report` prints, and the one
 * mapping of every proto Act to a type of the WHO Surveillance System for Attacks on
 * Health Care (SSA), documented in docs/audit.md ("Reports and indicators"). Keys are
 * the short lower-case enum names the reviewer views show ("threat", "personnel"). */
#ifndef HCBUS_CLI_AUDIT_REPORT_LABELS_H
#define HCBUS_CLI_AUDIT_REPORT_LABELS_H

#include <stddef.h>

/* A WHO SSA attack type: its key (CSV) and Spanish name. */
typedef struct report_ssa_type {
    const char *key;
    const char *es;
} report_ssa_type_t;

/* The SSA types in the order the report lists them (the last two are not SSA types:
 * "otro" for ACT_OTHER and "sin_especificar" for an act the report does not know). */
const report_ssa_type_t *report_ssa_types(size_t *n);

/* The SSA type of an act (short name), never NULL: an unknown act maps to
 * "sin_especificar". */
const report_ssa_type_t *report_ssa_of_act(const char *act);

/* Spanish name of an act, a target, an institution role, a rejection code, an escort
 * outcome; the key itself when unknown (it is then escaped like any log text). */
const char *report_act_es(const char *act);
const char *report_target_es(const char *target);
const char *report_role_es(const char *role);
const char *report_code_es(const char *code);
const char *report_severity_es(const char *severity);

/* "octubre" for 10; "?" out of range. */
const char *report_month_es(int month);

#endif
