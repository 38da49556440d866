/* report_query.c — the figures of `hcbus audit report` from the reviewer views
 * (review.incidents, dispatch_times, escorts, rejections, events, and deliveries when
 * it exists), all in ONE read-only REPEATABLE READ transaction so every table is of the
 * same snapshot. PostgreSQL aggregates (GROUP BY, percentile_cont): each answer has a
 * row per act, zone, code or institution, never per event, so nothing grows with the
 * period but the incident detail list, which is capped (REPORT_DETAIL_MAX). Never reads
 * a payload. */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "report_labels.h"
#include "timefmt.h"

/* The period, bound as $1 and $2 (microseconds since the epoch: exact, no time zone). */
#define P_FROM "('epoch'::timestamptz + $1::bigint * interval '1 microsecond')"
#define P_TO "('epoch'::timestamptz + $2::bigint * interval '1 microsecond')"
#define IN_PERIOD(col) col " >= " P_FROM " AND " col " < " P_TO
/* The department (sv.sm) and municipality (sv.sm.san-miguel-centro) of a zone id. */
#define DEPT(col) "coalesce(substring(" col " from '^sv\\.[a-z0-9-]+'), '')"
#define MUNI(col) "coalesce(substring(" col " from '^sv\\.[a-z0-9-]+\\.[a-z0-9-]+'), " col ", '')"
#define SECONDS(col) "extract(epoch from " col ")::float8"

#define QUERY_SQL_MAX 2048
#define HCBUS_REPORT_STR2(x) #x
#define HCBUS_REPORT_STR(x) HCBUS_REPORT_STR2(x)
#define ANONYMOUS_LABEL "(anónimo: canal de denuncia)"
#define UNKNOWN_LABEL "(desconocida: clave no registrada)"

typedef struct ctx {
    const char *cmd;
    PGconn *conn;
    const audit_zones_t *zones;
    const hcbus_config_t *config;
    report_t *report;
    const char *params[2];
    char from[24], to[24];
} ctx_t;

static int query(ctx_t *c, const char *sql, const char *what, PGresult **out)
{
    *out = PQexecParams(c->conn, sql, 2, NULL, c->params, NULL, NULL, 0);
    if (PQresultStatus(*out) == PGRES_TUPLES_OK)
        return 0;
    int rc = audit_db_error(c->cmd, c->conn, *out, what);
    PQclear(*out);
    *out = NULL;
    return rc;
}

static int command(ctx_t *c, const char *sql, const char *what)
{
    PGresult *res = PQexec(c->conn, sql);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : audit_db_error(c->cmd, c->conn, res, what);
    PQclear(res);
    return rc;
}

static double number(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NAN : strtod(PQgetvalue(res, row, col), NULL);
}

static int oom(ctx_t *c)
{
    fprintf(stderr, "hcbus %s: out of memory\n", c->cmd);
    return AUDIT_EXIT_INTERNAL;
}

/* The label of a zone id: its catalogue name, else the id itself. */
static const char *zone_label(ctx_t *c, const char *id)
{
    if (!*id)
        return "(sin zona)";
    const char *name = audit_zones_name(c->zones, id);
    return name ? name : id;
}

/* The label of an institution id: "Name (id)" from --config, the id without it. */
static const char *institution_label(ctx_t *c, const char *id, char *buf, size_t size)
{
    if (!*id)
        return ANONYMOUS_LABEL;
    const hcbus_institution_t *inst = c->config ? hcbus_config_find_institution(c->config, id) : NULL;
    if (!inst)
        return id;
    snprintf(buf, size, "%s (%s)", inst->name, id);
    return buf;
}

/* Append the total row: the sum of every row above, column by column (NAN stays out). */
static int add_total(ctx_t *c, report_table_t *t, const char *label)
{
    report_row_t total;
    for (size_t k = 0; k < REPORT_COLS_MAX; k++)
        total.values[k] = k < t->n_cols ? 0 : NAN;
    for (size_t i = 0; i < t->n_rows; i++)
        for (size_t k = 0; k < t->n_cols; k++)
            if (!isnan(t->rows[i].values[k]))
                total.values[k] += t->rows[i].values[k];
    report_row_t *row = report_row_add(t, "total", label);
    if (!row)
        return oom(c);
    memcpy(row->values, total.values, sizeof row->values);
    t->has_total = true;
    return 0;
}

/* ---- incidents ---------------------------------------------------------------------- */

#define INCIDENT_COLS                                                                  \
    .n_cols = 4,                                                                       \
    .cols = {{"incidentes", "Incidentes", REPORT_NUM_COUNT},                           \
             {"muertos", "Muertos", REPORT_NUM_COUNT},                                 \
             {"heridos", "Heridos", REPORT_NUM_COUNT},                                 \
             {"secuestrados_detenidos", "Secuestrados o detenidos", REPORT_NUM_COUNT}}, \
    .chart_col = 0

enum { BY_ACT, BY_TARGET, BY_DEPT, BY_MUNI, BY_INSTITUTION, BY_ANONYMITY, BY_COUNT };

static const struct {
    const char *key_sql;
    report_table_t def;
} incident_tables[BY_COUNT] = {
    [BY_ACT] = {"act",
                {.id = "incidentes_acto", .title = "Incidentes por acto",
                 .note = "El acto que notificó la institución (o el canal anónimo), con el tipo "
                         "de ataque de la OMS (SSA) al que corresponde.",
                 .key_title = "Acto", INCIDENT_COLS}},
    [BY_TARGET] = {"target",
                   {.id = "incidentes_objetivo", .title = "Incidentes por objetivo",
                    .note = NULL, .key_title = "Objetivo", INCIDENT_COLS}},
    [BY_DEPT] = {DEPT("zone_id"),
                 {.id = "incidentes_departamento", .title = "Incidentes por departamento",
                  .note = NULL, .key_title = "Departamento", INCIDENT_COLS}},
    [BY_MUNI] = {MUNI("zone_id"),
                 {.id = "incidentes_municipio", .title = "Incidentes por municipio",
                  .note = NULL, .key_title = "Municipio", INCIDENT_COLS}},
    [BY_INSTITUTION] = {"sender",
                        {.id = "incidentes_institucion",
                         .title = "Incidentes por institución que notificó",
                         .note = "Las denuncias anónimas llegan sin ninguna identidad: el "
                                 "registro no guarda qué canal las transmitió.",
                         .key_title = "Institución", INCIDENT_COLS}},
    [BY_ANONYMITY] = {"CASE WHEN anonymous THEN 'anonimo' ELSE 'identificado' END",
                      {.id = "incidentes_anonimato", .title = "Incidentes anónimos o no",
                       .note = NULL, .key_title = "Notificación", INCIDENT_COLS}},
};

static const char *incident_label(ctx_t *c, int by, const char *key, char *buf, size_t size)
{
    switch (by) {
    case BY_ACT:
        snprintf(buf, size, "%s (SSA: %s)", report_act_es(key), report_ssa_of_act(key)->es);
        return buf;
    case BY_TARGET:
        return report_target_es(key);
    case BY_DEPT:
    case BY_MUNI:
        return zone_label(c, key);
    case BY_INSTITUTION:
        return institution_label(c, key, buf, size);
    default:
        return strcmp(key, "anonimo") == 0 ? "Anónimos" : "Con institución identificada";
    }
}

static int incidents_by(ctx_t *c, int by, report_table_t **out)
{
    char sql[QUERY_SQL_MAX];
    snprintf(sql, sizeof sql,
             "SELECT %s AS k, count(*), sum(killed), sum(injured), sum(removed) "
             "FROM review.incidents WHERE " IN_PERIOD("occurred_at") " GROUP BY 1 ORDER BY 2 DESC, 1",
             incident_tables[by].key_sql);
    PGresult *res;
    int rc = query(c, sql, "cannot count the incidents (review.incidents)", &res);
    if (rc != 0)
        return rc;
    report_table_t *t = report_table_add(c->report, &incident_tables[by].def);
    for (int r = 0; t && rc == 0 && r < PQntuples(res); r++) {
        char buf[HCBUS_NAME_MAX + 2 * REPORT_LABEL_MAX];
        const char *key = PQgetvalue(res, r, 0);
        report_row_t *row = report_row_add(t, key, incident_label(c, by, key, buf, sizeof buf));
        if (!row) {
            rc = oom(c);
            break;
        }
        for (int k = 0; k < 4; k++)
            row->values[k] = number(res, r, k + 1);
    }
    PQclear(res);
    if (!t)
        return oom(c);
    if (rc == 0)
        rc = add_total(c, t, "Total");
    *out = t;
    return rc;
}

static const report_table_t ssa_def = {
    .id = "incidentes_tipo_ssa",
    .title = "Incidentes por tipo de ataque (OMS, SSA)",
    .note = "Tipos del Sistema de Vigilancia de Ataques a la Atención de Salud de la OMS; "
            "cada acto notificado se cuenta en un tipo (tabla en docs/audit.md).",
    .key_title = "Tipo de ataque",
    INCIDENT_COLS,
};

static int incidents(ctx_t *c)
{
    report_table_t *ssa = report_table_add(c->report, &ssa_def);
    if (!ssa)
        return oom(c);
    report_table_t *t[BY_COUNT];
    for (int by = 0; by < BY_COUNT; by++) {
        int rc = incidents_by(c, by, &t[by]);
        if (rc != 0)
            return rc;
    }
    c->report->incidents_total = (long)t[BY_ACT]->rows[t[BY_ACT]->n_rows - 1].values[0];
    return report_aggregate_ssa(c->report, t[BY_ACT], ssa) == 0 ? 0 : oom(c);
}

static char *dup_value(const PGresult *res, int row, int col)
{
    return strdup(PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col));
}

static int incident_detail(ctx_t *c)
{
    PGresult *res;
    int rc = query(c,
                   "SELECT " AUDIT_SQL_US("occurred_at") ", zone_id, act, target, severity, sender, "
                   "anonymous, description, killed, injured, removed FROM review.incidents WHERE "
                   IN_PERIOD("occurred_at") " ORDER BY occurred_at, seq LIMIT "
                   HCBUS_REPORT_STR(REPORT_DETAIL_MAX),
                   "cannot list the incidents (review.incidents)", &res);
    if (rc != 0)
        return rc;
    size_t n = (size_t)PQntuples(res);
    report_t *rep = c->report;
    rep->incidents = n ? calloc(n, sizeof *rep->incidents) : NULL;
    if (n && !rep->incidents) {
        PQclear(res);
        return oom(c);
    }
    for (size_t i = 0; i < n; i++) {
        report_incident_t *inc = &rep->incidents[i];
        int r = (int)i;
        rep->n_incidents++;
        inc->occurred_us = strtoll(PQgetvalue(res, r, 0), NULL, 10);
        inc->zone_id = dup_value(res, r, 1);
        inc->act = dup_value(res, r, 2);
        inc->target = dup_value(res, r, 3);
        inc->severity = dup_value(res, r, 4);
        inc->sender = dup_value(res, r, 5);
        inc->anonymous = strcmp(PQgetvalue(res, r, 6), "t") == 0;
        inc->description = dup_value(res, r, 7);
        inc->killed = strtol(PQgetvalue(res, r, 8), NULL, 10);
        inc->injured = strtol(PQgetvalue(res, r, 9), NULL, 10);
        inc->removed = strtol(PQgetvalue(res, r, 10), NULL, 10);
        if (!inc->zone_id || !inc->act || !inc->target || !inc->severity || !inc->sender ||
            !inc->description) {
            PQclear(res);
            return oom(c);
        }
    }
    PQclear(res);
    return 0;
}

/* ---- dispatch response times --------------------------------------------------------- */

static const report_table_t response_def = {
    .id = "tiempos_respuesta",
    .title = "Tiempos de respuesta de los despachos por departamento",
    .note = "Respuesta: de la solicitud registrada a la llegada al lugar (en escena). "
            "Mediana (p50) y percentil 90 (p90) de las solicitudes del periodo que llegaron, "
            "con interpolación lineal; no cuentan los estados que el coordinador rechazó.",
    .key_title = "Departamento",
    .n_cols = 6,
    .cols = {{"solicitudes", "Solicitudes", REPORT_NUM_COUNT},
             {"llegaron", "Llegaron al lugar", REPORT_NUM_COUNT},
             {"p50_respuesta_s", "Respuesta p50", REPORT_NUM_SECONDS},
             {"p90_respuesta_s", "Respuesta p90", REPORT_NUM_SECONDS},
             {"escolta_solicitada", "Con escolta solicitada", REPORT_NUM_COUNT},
             {"salieron_sin_escolta", "Salieron sin escolta", REPORT_NUM_COUNT}},
    .chart_col = 2,
};

static int response_times(ctx_t *c)
{
    PGresult *res;
    int rc = query(c,
                   "SELECT grouping(d), d, count(*), count(response), "
                   "percentile_cont(0.5) WITHIN GROUP (ORDER BY " SECONDS("response") "), "
                   "percentile_cont(0.9) WITHIN GROUP (ORDER BY " SECONDS("response") "), "
                   "count(*) FILTER (WHERE escort_requested), count(*) FILTER (WHERE without_escort) "
                   "FROM (SELECT " DEPT("zone_id") " AS d, response, escort_requested, without_escort "
                   "FROM review.dispatch_times WHERE " IN_PERIOD("requested") ") x "
                   "GROUP BY GROUPING SETS ((d), ()) ORDER BY 1, 3 DESC, 2",
                   "cannot compute the response times (review.dispatch_times)", &res);
    if (rc != 0)
        return rc;
    report_table_t *t = report_table_add(c->report, &response_def);
    for (int r = 0; t && r < PQntuples(res); r++) {
        bool total = strcmp(PQgetvalue(res, r, 0), "1") == 0;
        if (total && PQgetvalue(res, r, 2)[0] == '0')
            break;
        const char *key = total ? "total" : PQgetvalue(res, r, 1);
        report_row_t *row = report_row_add(t, key, total ? "Todo el país" : zone_label(c, key));
        if (!row) {
            t = NULL;
            break;
        }
        for (int k = 0; k < 6; k++)
            row->values[k] = number(res, r, k + 2);
        t->has_total = total;
    }
    PQclear(res);
    return t ? 0 : oom(c);
}

/* ---- escorts ------------------------------------------------------------------------- */

static const report_table_t escort_def = {
    .id = "escoltas",
    .title = "Solicitudes de escolta policial y su resultado",
    .note = "El último resultado no rechazado de cada escolta solicitada en el periodo. "
            "Espera: de la solicitud a la asignación o a la decisión de ir sin escolta (mediana).",
    .key_title = "Resultado",
    .n_cols = 2,
    .cols = {{"escoltas", "Escoltas", REPORT_NUM_COUNT},
             {"p50_espera_s", "Espera p50", REPORT_NUM_SECONDS}},
    .chart_col = 0,
};

static const struct {
    const char *key, *label;
} escort_outcomes[] = {
    {"asignada", "Asignada (también en el punto de encuentro o completada)"},
    {"sin_escolta", "Sin escolta: el despacho decidió ir sin ella"},
    {"no_disponible", "No disponible: la policía no tenía unidad"},
    {"en_espera", "Aún en espera (sin respuesta)"},
};

static int escorts(ctx_t *c)
{
    PGresult *res;
    int rc = query(c,
                   "SELECT grouping(o), o, count(*), "
                   "percentile_cont(0.5) WITHIN GROUP (ORDER BY " SECONDS("wait") ") "
                   "FROM (SELECT CASE WHEN state IN ('assigned', 'at_meeting_point', 'completed') "
                   "THEN 'asignada' WHEN state = 'waived' THEN 'sin_escolta' "
                   "WHEN state = 'unavailable' THEN 'no_disponible' ELSE 'en_espera' END AS o, wait "
                   "FROM review.escorts WHERE " IN_PERIOD("requested_at") ") x "
                   "GROUP BY GROUPING SETS ((o), ())",
                   "cannot count the escorts (review.escorts)", &res);
    if (rc != 0)
        return rc;
    report_table_t *t = report_table_add(c->report, &escort_def);
    size_t n = sizeof escort_outcomes / sizeof escort_outcomes[0];
    for (size_t i = 0; t && i < n; i++) {
        report_row_t *row = report_row_add(t, escort_outcomes[i].key, escort_outcomes[i].label);
        if (!row)
            t = NULL;
        else
            row->values[0] = 0;
    }
    report_row_t *total = t ? report_row_add(t, "total", "Total") : NULL;
    if (total) {
        total->values[0] = 0;
        t->has_total = true;
    }
    for (int r = 0; total && r < PQntuples(res); r++) {
        report_row_t *row = strcmp(PQgetvalue(res, r, 0), "1") == 0
                                ? total
                                : report_row_find(t, PQgetvalue(res, r, 1));
        if (row) {
            row->values[0] = number(res, r, 2);
            row->values[1] = number(res, r, 3);
        }
    }
    PQclear(res);
    return total ? 0 : oom(c);
}

/* ---- refused attempts ---------------------------------------------------------------- */

static const report_table_t rejection_defs[] = {
    {.id = "rechazos_codigo", .title = "Intentos rechazados por el broker, por motivo",
     .note = "Cada intento rechazado (mensaje inválido, sin autorización, clave desconocida); "
             "una ráfaga de la misma fuente se registra en una fila que la cuenta (intentos).",
     .key_title = "Motivo", .n_cols = 2,
     .cols = {{"intentos", "Intentos", REPORT_NUM_COUNT},
              {"registros", "Registros", REPORT_NUM_COUNT}},
     .chart_col = 0},
    {.id = "rechazos_institucion", .title = "Intentos rechazados por institución",
     .note = NULL, .key_title = "Institución", .n_cols = 2,
     .cols = {{"intentos", "Intentos", REPORT_NUM_COUNT},
              {"registros", "Registros", REPORT_NUM_COUNT}},
     .chart_col = 0},
};

static int rejections(ctx_t *c)
{
    static const char *keys[] = {"coalesce(code, '')", "coalesce(institution, '')"};
    for (int i = 0; i < 2; i++) {
        char sql[QUERY_SQL_MAX];
        snprintf(sql, sizeof sql,
                 "SELECT %s, sum(repeats), count(*) FROM review.rejections WHERE " IN_PERIOD("at")
                 " GROUP BY 1 ORDER BY 2 DESC, 1", keys[i]);
        PGresult *res;
        int rc = query(c, sql, "cannot count the refused attempts (review.rejections)", &res);
        if (rc != 0)
            return rc;
        report_table_t *t = report_table_add(c->report, &rejection_defs[i]);
        for (int r = 0; t && r < PQntuples(res); r++) {
            char buf[HCBUS_NAME_MAX + REPORT_LABEL_MAX];
            const char *key = PQgetvalue(res, r, 0);
            const char *label = i == 0 ? report_code_es(key)
                                : *key ? institution_label(c, key, buf, sizeof buf)
                                       : UNKNOWN_LABEL;
            report_row_t *row = report_row_add(t, key, label);
            if (!row) {
                t = NULL;
                break;
            }
            row->values[0] = number(res, r, 1);
            row->values[1] = number(res, r, 2);
        }
        PQclear(res);
        if (!t)
            return oom(c);
        rc = add_total(c, t, "Total");
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* ---- institutions active in the network ---------------------------------------------- */

static const report_table_t active_defs[] = {
    {.id = "instituciones_activas", .title = "Instituciones activas en la red",
     .note = NULL, .key_title = "Institución", .n_cols = 2,
     .cols = {{"mensajes_publicados", "Mensajes publicados", REPORT_NUM_COUNT},
              {"recepciones", "Suscripciones o lecturas", REPORT_NUM_COUNT}},
     .chart_col = 0},
    {.id = "instituciones_tipo", .title = "Instituciones activas por tipo (rol)",
     .note = "Una institución con varios roles cuenta en cada uno; el total la cuenta una vez.",
     .key_title = "Tipo", .n_cols = 1,
     .cols = {{"instituciones", "Instituciones", REPORT_NUM_COUNT}}, .chart_col = 0},
    {.id = "instituciones_departamento", .title = "Instituciones activas por departamento",
     .note = "Instituciones que publicaron al menos un mensaje de una zona del departamento; "
             "una institución activa en varios departamentos cuenta en cada uno, y una vez en "
             "el total.",
     .key_title = "Departamento", .n_cols = 1,
     .cols = {{"instituciones", "Instituciones", REPORT_NUM_COUNT}}, .chart_col = 0},
};

static int has_deliveries(ctx_t *c, bool *yes)
{
    PGresult *res;
    int rc = query(c, "SELECT to_regclass('review.deliveries') IS NOT NULL, $1::bigint + $2::bigint",
                   "cannot look for review.deliveries", &res);
    if (rc != 0)
        return rc;
    *yes = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return 0;
}

static int active_list(ctx_t *c, report_table_t *t)
{
    char sql[QUERY_SQL_MAX];
    const char *published = "SELECT sender AS i, count(*) AS n FROM review.events WHERE sender <> '' "
                            "AND " IN_PERIOD("received_at") " GROUP BY 1";
    /* Served in the period: a replay or snapshot page sent in it, a live segment that
     * ended in it, or one that began before its end and had not ended before it. */
    if (c->report->subscriptions)
        snprintf(sql, sizeof sql,
                 "SELECT coalesce(p.i, d.i), coalesce(p.n, 0), coalesce(d.n, 0) FROM (%s) p "
                 "FULL JOIN (SELECT s.institution AS i, "
                 "count(DISTINCT coalesce(s.session_id, s.id::text)) AS n FROM review.deliveries s "
                 "WHERE coalesce(s.institution, '') <> '' AND s.action <> 'broker_start' "
                 "AND coalesce(s.started_at, s.recorded_at) < " P_TO " "
                 "AND (coalesce(s.ended_at, s.started_at, s.recorded_at) >= " P_FROM " "
                 "OR (s.action = 'subscribe_start' AND NOT EXISTS (SELECT 1 FROM review.deliveries e "
                 "WHERE e.session_id = s.session_id AND e.action = 'subscribe_end' "
                 "AND e.ended_at < " P_FROM "))) GROUP BY 1) d ON d.i = p.i "
                 "ORDER BY 2 DESC, 1", published);
    else
        snprintf(sql, sizeof sql, "SELECT i, n, NULL FROM (%s) p ORDER BY 2 DESC, 1", published);
    PGresult *res;
    int rc = query(c, sql, "cannot list the active institutions (review.events)", &res);
    if (rc != 0)
        return rc;
    for (int r = 0; r < PQntuples(res); r++) {
        char buf[HCBUS_NAME_MAX + REPORT_LABEL_MAX];
        const char *key = PQgetvalue(res, r, 0);
        report_row_t *row = report_row_add(t, key, institution_label(c, key, buf, sizeof buf));
        if (!row) {
            PQclear(res);
            return oom(c);
        }
        row->values[0] = number(res, r, 1);
        row->values[1] = number(res, r, 2);
    }
    PQclear(res);
    return 0;
}

static int active_by_dept(ctx_t *c, report_table_t *t)
{
    PGresult *res;
    int rc = query(c,
                   "SELECT grouping(d), d, count(DISTINCT i) FROM (SELECT " DEPT("zone_id") " AS d, "
                   "sender AS i FROM review.events WHERE sender <> '' AND " IN_PERIOD("received_at")
                   ") x GROUP BY GROUPING SETS ((d), ()) ORDER BY 1, 3 DESC, 2",
                   "cannot count the active institutions by department (review.events)", &res);
    if (rc != 0)
        return rc;
    for (int r = 0; r < PQntuples(res); r++) {
        bool total = strcmp(PQgetvalue(res, r, 0), "1") == 0;
        const char *key = total ? "total" : PQgetvalue(res, r, 1);
        report_row_t *row = report_row_add(t, key, total ? "Total (cada institución una vez)"
                                                         : zone_label(c, key));
        if (!row) {
            PQclear(res);
            return oom(c);
        }
        row->values[0] = number(res, r, 2);
        t->has_total = total;
    }
    PQclear(res);
    return 0;
}

static int active(ctx_t *c)
{
    int rc = has_deliveries(c, &c->report->subscriptions);
    if (rc != 0)
        return rc;
    report_table_t *list = report_table_add(c->report, &active_defs[0]);
    report_table_t *by_role = report_table_add(c->report, &active_defs[1]);
    report_table_t *by_dept = report_table_add(c->report, &active_defs[2]);
    if (!list || !by_role || !by_dept)
        return oom(c);
    list->note = c->report->subscriptions
                     ? "Activa: publicó al menos un mensaje, o se suscribió o leyó del bus "
                       "(review.deliveries), en el periodo."
                     : "Activa: publicó al menos un mensaje en el periodo. Las suscripciones no "
                       "se cuentan: esta base de datos aún no las registra (review.deliveries).";
    if (!c->report->subscriptions)
        list->n_cols = 1; /* no "Suscripciones o lecturas" column: there is nothing to count */
    if ((rc = active_list(c, list)) != 0)
        return rc;
    char **ids = calloc(list->n_rows + 1, sizeof *ids);
    if (!ids)
        return oom(c);
    for (size_t i = 0; i < list->n_rows; i++)
        ids[i] = list->rows[i].key;
    rc = report_aggregate_roles(by_role, c->config, ids, list->n_rows);
    free(ids);
    if (rc != 0)
        return oom(c);
    if ((rc = add_total(c, list, "Total")) != 0)
        return rc;
    return active_by_dept(c, by_dept);
}

/* ---- the whole report ------------------------------------------------------------------ */

int report_query(const char *cmd, PGconn *conn, const audit_zones_t *zones,
                 const hcbus_config_t *config, report_t *self)
{
    ctx_t c = {.cmd = cmd, .conn = conn, .zones = zones, .config = config, .report = self};
    snprintf(c.from, sizeof c.from, "%lld", (long long)self->from_us);
    snprintf(c.to, sizeof c.to, "%lld", (long long)self->to_us);
    c.params[0] = c.from;
    c.params[1] = c.to;
    self->config = config != NULL;
    int rc = command(&c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                     "cannot begin a read-only transaction");
    if (rc != 0)
        return rc;
    if (rc == 0)
        rc = incidents(&c);
    if (rc == 0)
        rc = incident_detail(&c);
    if (rc == 0)
        rc = response_times(&c);
    if (rc == 0)
        rc = escorts(&c);
    if (rc == 0)
        rc = rejections(&c);
    if (rc == 0)
        rc = active(&c);
    int end = command(&c, rc == 0 ? "COMMIT" : "ROLLBACK", "cannot end the transaction");
    return rc != 0 ? rc : end;
}
