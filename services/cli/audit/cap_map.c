/* cap_map.c — hcbus values in CAP 1.2 and the levels in Spanish (cap_map.h). The words
 * follow the proto's own (proto/hcbus.proto: enum RiskLevel, Severity); the CAP grades
 * are decision 0018's. */
#include "cap_map.h"

#include <stddef.h>
#include <string.h>

typedef struct pair {
    const char *key, *value;
} pair_t;

static const char *find(const pair_t *pairs, size_t n, const char *key)
{
    for (size_t i = 0; key && i < n; i++)
        if (strcmp(pairs[i].key, key) == 0)
            return pairs[i].value;
    return NULL;
}
#define FIND(table, key) find(table, sizeof table / sizeof table[0], key)

static const pair_t levels[] = {
    {"green", "VERDE"}, {"yellow", "AMARILLO"}, {"orange", "NARANJA"}, {"red", "ROJO"},
};

/* enum RiskLevel's comments, in Spanish. */
static const pair_t level_meanings[] = {
    {"green", "Acceso normal: los equipos entran con los procedimientos ordinarios."},
    {"yellow", "Precaución: los equipos entran, informan al centro de despacho en cada cambio "
               "de estado y siguen las condiciones de acceso."},
    {"orange", "Acceso restringido: los equipos entran solo bajo las condiciones de acceso, "
               "normalmente con escolta policial; el centro de despacho confirma la escolta "
               "antes de que salga la unidad."},
    {"red", "Sin entrada: los equipos no entran; la atención se da en un punto de encuentro "
            "fuera de la zona, o con la policía y el acuerdo explícito de la autoridad de la "
            "zona."},
};

/* Severity (proto comments): low "no one hurt, service continued", moderate "service
 * disrupted", high "people hurt or service suspended", critical "deaths, kidnapping,
 * ongoing danger". */
static const struct {
    const char *key;
    cap_grade_t grade;
} alert_grades[] = {
    {"critical", {"Immediate", "Extreme", "Observed", "Monitor"}},
    {"high", {"Immediate", "Severe", "Observed", "Monitor"}},
    {"moderate", {"Expected", "Moderate", "Observed", "Monitor"}},
    {"low", {"Past", "Minor", "Observed", "Monitor"}},
};

/* RiskLevel: red "no entry", orange "restricted", yellow "caution", green "normal". */
static const struct {
    const char *key;
    cap_grade_t grade;
} level_grades[] = {
    {"red", {"Immediate", "Extreme", "Observed", "Avoid"}},
    {"orange", {"Immediate", "Severe", "Observed", "Prepare"}},
    {"yellow", {"Expected", "Moderate", "Observed", "Monitor"}},
    {"green", {"Past", "Minor", "Observed", "AllClear"}},
};

static const cap_grade_t unknown_grade = {"Unknown", "Unknown", "Unknown", NULL};

cap_grade_t cap_map_alert(const char *severity, bool anonymous)
{
    cap_grade_t g = unknown_grade;
    for (size_t i = 0; severity && i < sizeof alert_grades / sizeof alert_grades[0]; i++)
        if (strcmp(alert_grades[i].key, severity) == 0)
            g = alert_grades[i].grade;
    if (anonymous)
        g.certainty = "Unknown"; /* no institution vouches for an anonymous report */
    return g;
}

cap_grade_t cap_map_level(const char *level)
{
    for (size_t i = 0; level && i < sizeof level_grades / sizeof level_grades[0]; i++)
        if (strcmp(level_grades[i].key, level) == 0)
            return level_grades[i].grade;
    return unknown_grade;
}

const char *cap_map_level_es(const char *level) { return FIND(levels, level); }
const char *cap_map_level_meaning_es(const char *level) { return FIND(level_meanings, level); }
