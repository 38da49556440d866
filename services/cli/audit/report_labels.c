/* report_labels.c — Spanish names for `hcbus audit report` and the mapping of the proto
 * Acts (proto/hcbus.proto, enum Act) to the WHO SSA attack types. docs/audit.md
 * ("Reports and indicators") reproduces both tables: change them together. */
#include "report_labels.h"

#include <string.h>

typedef struct pair {
    const char *key, *es;
} pair_t;

/* The WHO SSA types (SSA methodology 2018 and the SSA dashboard), in report order. */
enum {
    SSA_INDIVIDUAL_WEAPONS, SSA_HEAVY_WEAPONS, SSA_PSYCHOLOGICAL, SSA_ASSAULT, SSA_SEXUAL,
    SSA_ABDUCTION, SSA_SEARCH, SSA_OBSTRUCTION, SSA_DENIAL, SSA_REMOVAL, SSA_FIRE,
    SSA_MILITARIZATION, SSA_OTHER, SSA_UNSPECIFIED, SSA_COUNT
};

static const report_ssa_type_t ssa[SSA_COUNT] = {
    [SSA_INDIVIDUAL_WEAPONS] = {"violence_individual_weapons", "Violencia con armas individuales"},
    [SSA_HEAVY_WEAPONS] = {"violence_heavy_weapons", "Violencia con armas pesadas"},
    [SSA_PSYCHOLOGICAL] = {"psychological_violence",
                           "Violencia psicológica, amenaza o intimidación"},
    [SSA_ASSAULT] = {"assault_without_weapons", "Agresión sin armas"},
    [SSA_SEXUAL] = {"sexual_assault", "Agresión sexual"},
    [SSA_ABDUCTION] = {"abduction_arrest_detention",
                       "Secuestro, arresto o detención de personal o pacientes"},
    [SSA_SEARCH] = {"armed_violent_search", "Registro armado o violento de un recurso de salud"},
    [SSA_OBSTRUCTION] = {"obstruction_of_care", "Obstrucción de la atención en salud"},
    [SSA_DENIAL] = {"denial_of_access", "Negación del acceso a los servicios"},
    [SSA_REMOVAL] = {"removal_of_assets", "Sustracción de bienes de salud"},
    [SSA_FIRE] = {"setting_fire", "Incendio de recursos de salud"},
    [SSA_MILITARIZATION] = {"militarization", "Militarización de un establecimiento de salud"},
    [SSA_OTHER] = {"other", "Otro (sin tipo SSA; ver la descripción)"},
    [SSA_UNSPECIFIED] = {"unspecified", "Sin especificar"},
};

/* Every Act of proto/hcbus.proto: its Spanish name and SSA type. */
static const struct {
    const char *act, *es;
    int ssa;
} acts[] = {
    {"killing", "Asesinato", SSA_INDIVIDUAL_WEAPONS},
    {"injuring", "Lesiones", SSA_INDIVIDUAL_WEAPONS},
    {"kidnapping", "Secuestro", SSA_ABDUCTION},
    {"harassment", "Acoso", SSA_PSYCHOLOGICAL},
    {"threat", "Amenaza", SSA_PSYCHOLOGICAL},
    {"intimidation", "Intimidación", SSA_PSYCHOLOGICAL},
    {"robbery", "Robo", SSA_REMOVAL},
    {"arrest", "Detención por ejercer funciones médicas", SSA_ABDUCTION},
    {"obstruction_of_access", "Obstrucción del acceso", SSA_OBSTRUCTION},
    {"denial_of_assistance", "Negación de asistencia", SSA_DENIAL},
    {"discrimination", "Discriminación", SSA_DENIAL},
    {"interruption_of_care", "Interrupción de la atención", SSA_OBSTRUCTION},
    {"bombing", "Bombardeo", SSA_HEAVY_WEAPONS},
    {"shelling", "Ataque con artillería", SSA_HEAVY_WEAPONS},
    {"looting", "Saqueo", SSA_REMOVAL},
    {"forced_entry", "Entrada por la fuerza", SSA_SEARCH},
    {"shooting_into", "Disparos contra el establecimiento", SSA_INDIVIDUAL_WEAPONS},
    {"encircling", "Cerco", SSA_OBSTRUCTION},
    {"forceful_interference", "Interferencia por la fuerza (cortes de agua, luz)", SSA_OBSTRUCTION},
    {"attack_on_vehicle", "Ataque a un vehículo", SSA_INDIVIDUAL_WEAPONS},
    {"theft_of_vehicle", "Robo de un vehículo", SSA_REMOVAL},
    {"interference_with_vehicle", "Interferencia con un vehículo", SSA_OBSTRUCTION},
    {"sexual_assault", "Agresión sexual", SSA_SEXUAL},
    {"armed_search", "Registro armado", SSA_SEARCH},
    {"setting_fire", "Incendio provocado", SSA_FIRE},
    {"other", "Otro", SSA_OTHER},
    {"unspecified", "Sin especificar", SSA_UNSPECIFIED},
};

static const pair_t targets[] = {
    {"personnel", "Personal de salud"}, {"patients", "Pacientes"},
    {"facility", "Establecimiento"},    {"vehicle", "Vehículo (ambulancia)"},
    {"unspecified", "Sin especificar"},
};

static const pair_t roles[] = {
    {"dispatch_centre", "Centro de despacho"},
    {"health_provider", "Prestador de salud"},
    {"police", "Policía"},
    {"zone_authority", "Autoridad de zonas"},
    {"facilitator", "Facilitador del protocolo"},
    {"anonymous_gateway", "Canal de denuncia anónima"},
    {"coordinator", "Coordinador (hcbus-coordinator)"},
};

static const pair_t codes[] = {
    {"malformed", "Mensaje ilegible"},
    {"too_large", "Demasiado grande"},
    {"invalid_field", "Campo inválido"},
    {"unknown_zone", "Zona desconocida"},
    {"unauthorized", "Sin autorización"},
    {"not_persisted", "No registrado a tiempo"},
    {"overloaded", "Sobrecarga"},
    {"internal", "Error interno"},
    {"unavailable", "No disponible"},
    {"standby", "En espera (pasivo)"},
};

static const pair_t severities[] = {
    {"low", "baja"}, {"moderate", "moderada"}, {"high", "alta"}, {"critical", "crítica"},
};

static const char *months[] = {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
                               "agosto", "septiembre", "octubre", "noviembre", "diciembre"};

static const char *find(const pair_t *pairs, size_t n, const char *key)
{
    if (!key)
        return "";
    for (size_t i = 0; i < n; i++)
        if (strcmp(pairs[i].key, key) == 0)
            return pairs[i].es;
    return key;
}

#define FIND(table, key) find(table, sizeof table / sizeof table[0], key)

const report_ssa_type_t *report_ssa_types(size_t *n)
{
    *n = SSA_COUNT;
    return ssa;
}

const report_ssa_type_t *report_ssa_of_act(const char *act)
{
    for (size_t i = 0; act && i < sizeof acts / sizeof acts[0]; i++)
        if (strcmp(acts[i].act, act) == 0)
            return &ssa[acts[i].ssa];
    return &ssa[SSA_UNSPECIFIED];
}

const char *report_act_es(const char *act)
{
    for (size_t i = 0; act && i < sizeof acts / sizeof acts[0]; i++)
        if (strcmp(acts[i].act, act) == 0)
            return acts[i].es;
    return act ? act : "";
}

const char *report_target_es(const char *target) { return FIND(targets, target); }
const char *report_role_es(const char *role) { return FIND(roles, role); }
const char *report_code_es(const char *code) { return FIND(codes, code); }
const char *report_severity_es(const char *severity) { return FIND(severities, severity); }

const char *report_month_es(int month)
{
    return month >= 1 && month <= 12 ? months[month - 1] : "?";
}
