/* choices.h — internal: the form's fixed choices and what each becomes in a report:
 * the acts (grouped as the WHO SSA types), the targets and the severities, each with
 * its wire value (proto/hcbus.proto) and its label (texts.h). */
#ifndef HCBUS_REPORT_CHOICES_H
#define HCBUS_REPORT_CHOICES_H

#include <stddef.h>

#include "texts.h"

typedef struct choice {
    const char *name;     /* the form value: "threat", "personnel", "high" */
    int value;            /* Hcbus__Act, Hcbus__Target or Hcbus__Severity */
    str_id_t label;
    str_id_t group;       /* acts: the WHO SSA type's heading; others: S_COUNT */
} choice_t;

typedef struct choice_list {
    const choice_t *items;
    size_t count;
} choice_list_t;

extern const choice_list_t choice_acts;        /* in the page's order, group by group */
extern const choice_list_t choice_targets;
extern const choice_list_t choice_severities;

/* The choice named name, or NULL. */
const choice_t *choice_find(const choice_list_t *list, const char *name);

/* The choice with wire value value, or NULL. */
const choice_t *choice_by_value(const choice_list_t *list, int value);

#endif
