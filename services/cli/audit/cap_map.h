/* cap_map.h — what hcbus values mean in OASIS CAP 1.2 for the CAP export: the urgency,
 * severity, certainty and response of a security alert or a zone risk level, and the
 * levels' Spanish (es-SV) words (acts, targets and severities: report_labels.h, the one
 * table `hcbus audit report` uses too). Keys are the short lower-case labels of the
 * reviewer views ("high", "red"); a label this build does not know maps to CAP's
 * "Unknown" and is shown as it is. docs/audit.md ("CAP export") reproduces these
 * tables: change them together. */
#ifndef HCBUS_CLI_AUDIT_CAP_MAP_H
#define HCBUS_CLI_AUDIT_CAP_MAP_H

#include <stdbool.h>

/* CAP <info> values (schema enumerations) for one event. */
typedef struct cap_grade {
    const char *urgency;   /* Immediate, Expected, Future, Past, Unknown */
    const char *severity;  /* Extreme, Severe, Moderate, Minor, Unknown */
    const char *certainty; /* Observed, Likely, Possible, Unlikely, Unknown */
    const char *response;  /* responseType, or NULL for none */
} cap_grade_t;

/* A SecurityAlert by its severity label; anonymous: reported through an anonymous
 * gateway (no institution vouches for it: certainty Unknown). */
cap_grade_t cap_map_alert(const char *severity, bool anonymous);

/* A ZoneRiskLevel by its level label. */
cap_grade_t cap_map_level(const char *level);

/* Spanish words. Each returns a constant, or NULL for a label it does not know (the
 * caller shows the label itself). */
const char *cap_map_level_es(const char *level);       /* "ROJO" */
const char *cap_map_level_meaning_es(const char *level); /* what crews do (<instruction>) */

#endif
