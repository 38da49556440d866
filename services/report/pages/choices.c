/* choices.c — the acts, targets and severities the form offers. The acts follow the
 * WHO SSA types as services/cli/audit/report_labels.c maps them (bombing and shelling,
 * never seen in El Salvador, are not offered); the order here is the page's order. */
#include "choices.h"

#include <string.h>

#include "hcbus.pb-c.h"

#define ACT(n, v, l, g) {n, HCBUS__ACT__ACT_##v, l, g}

static const choice_t acts[] = {
    ACT("killing", KILLING, S_ACT_KILLING, S_GROUP_WEAPONS),
    ACT("injuring", INJURING, S_ACT_INJURING, S_GROUP_WEAPONS),
    ACT("shooting_into", SHOOTING_INTO, S_ACT_SHOOTING_INTO, S_GROUP_WEAPONS),
    ACT("attack_on_vehicle", ATTACK_ON_VEHICLE, S_ACT_ATTACK_ON_VEHICLE, S_GROUP_WEAPONS),
    ACT("threat", THREAT, S_ACT_THREAT, S_GROUP_PSYCHOLOGICAL),
    ACT("intimidation", INTIMIDATION, S_ACT_INTIMIDATION, S_GROUP_PSYCHOLOGICAL),
    ACT("harassment", HARASSMENT, S_ACT_HARASSMENT, S_GROUP_PSYCHOLOGICAL),
    ACT("sexual_assault", SEXUAL_ASSAULT, S_ACT_SEXUAL_ASSAULT, S_GROUP_SEXUAL),
    ACT("kidnapping", KIDNAPPING, S_ACT_KIDNAPPING, S_GROUP_ABDUCTION),
    ACT("arrest", ARREST, S_ACT_ARREST, S_GROUP_ABDUCTION),
    ACT("forced_entry", FORCED_ENTRY, S_ACT_FORCED_ENTRY, S_GROUP_SEARCH),
    ACT("armed_search", ARMED_SEARCH, S_ACT_ARMED_SEARCH, S_GROUP_SEARCH),
    ACT("obstruction_of_access", OBSTRUCTION_OF_ACCESS, S_ACT_OBSTRUCTION_OF_ACCESS,
        S_GROUP_OBSTRUCTION),
    ACT("interference_with_vehicle", INTERFERENCE_WITH_VEHICLE,
        S_ACT_INTERFERENCE_WITH_VEHICLE, S_GROUP_OBSTRUCTION),
    ACT("interruption_of_care", INTERRUPTION_OF_CARE, S_ACT_INTERRUPTION_OF_CARE,
        S_GROUP_OBSTRUCTION),
    ACT("encircling", ENCIRCLING, S_ACT_ENCIRCLING, S_GROUP_OBSTRUCTION),
    ACT("forceful_interference", FORCEFUL_INTERFERENCE, S_ACT_FORCEFUL_INTERFERENCE,
        S_GROUP_OBSTRUCTION),
    ACT("denial_of_assistance", DENIAL_OF_ASSISTANCE, S_ACT_DENIAL_OF_ASSISTANCE,
        S_GROUP_DENIAL),
    ACT("discrimination", DISCRIMINATION, S_ACT_DISCRIMINATION, S_GROUP_DENIAL),
    ACT("robbery", ROBBERY, S_ACT_ROBBERY, S_GROUP_REMOVAL),
    ACT("looting", LOOTING, S_ACT_LOOTING, S_GROUP_REMOVAL),
    ACT("theft_of_vehicle", THEFT_OF_VEHICLE, S_ACT_THEFT_OF_VEHICLE, S_GROUP_REMOVAL),
    ACT("setting_fire", SETTING_FIRE, S_ACT_SETTING_FIRE, S_GROUP_FIRE),
    ACT("other", OTHER, S_ACT_OTHER, S_GROUP_OTHER),
};

static const choice_t targets[] = {
    {"personnel", HCBUS__TARGET__TARGET_PERSONNEL, S_TARGET_PERSONNEL, S_COUNT},
    {"patients", HCBUS__TARGET__TARGET_PATIENTS, S_TARGET_PATIENTS, S_COUNT},
    {"facility", HCBUS__TARGET__TARGET_FACILITY, S_TARGET_FACILITY, S_COUNT},
    {"vehicle", HCBUS__TARGET__TARGET_VEHICLE, S_TARGET_VEHICLE, S_COUNT},
};

static const choice_t severities[] = {
    {"low", HCBUS__SEVERITY__SEVERITY_LOW, S_SEV_LOW, S_COUNT},
    {"moderate", HCBUS__SEVERITY__SEVERITY_MODERATE, S_SEV_MODERATE, S_COUNT},
    {"high", HCBUS__SEVERITY__SEVERITY_HIGH, S_SEV_HIGH, S_COUNT},
    {"critical", HCBUS__SEVERITY__SEVERITY_CRITICAL, S_SEV_CRITICAL, S_COUNT},
};

const choice_list_t choice_acts = {acts, sizeof acts / sizeof acts[0]};
const choice_list_t choice_targets = {targets, sizeof targets / sizeof targets[0]};
const choice_list_t choice_severities = {severities, sizeof severities / sizeof severities[0]};

const choice_t *choice_find(const choice_list_t *list, const char *name)
{
    for (size_t i = 0; name && i < list->count; i++)
        if (strcmp(list->items[i].name, name) == 0)
            return &list->items[i];
    return NULL;
}

const choice_t *choice_by_value(const choice_list_t *list, int value)
{
    for (size_t i = 0; i < list->count; i++)
        if (list->items[i].value == value)
            return &list->items[i];
    return NULL;
}
