/* catalogue.c — upserting the zone catalogue into hcbus.zone_catalogue (catalogue.h).
 * The names come from libhcbus's catalogue (the one CSV parser): a department's name is
 * its own, a municipality's and a district's are their full name less their parent's
 * ("Mejicanos, San Salvador Centro, San Salvador" less ", San Salvador Centro, San
 * Salvador"), so a comma inside a name cannot shift the columns. */
#include "catalogue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"
#include "hcbus/zones.h"

#define UPSERT_SQL                                                                              \
    "INSERT INTO hcbus.zone_catalogue AS c (zone_id, department_iso, department, municipality, " \
    "district) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (zone_id) DO UPDATE SET "                 \
    "department_iso = EXCLUDED.department_iso, department = EXCLUDED.department, "              \
    "municipality = EXCLUDED.municipality, district = EXCLUDED.district, updated_at = now() "   \
    "WHERE (c.department_iso, c.department, c.municipality, c.district) IS DISTINCT FROM "      \
    "(EXCLUDED.department_iso, EXCLUDED.department, EXCLUDED.municipality, EXCLUDED.district)"
#define NAME_MAX_BYTES 640

typedef struct upsert_ctx {
    PGconn *conn;
    const hcbus_zones_t *zones;
    size_t written;
    int failed;
    hcbus_error_t *err;
} upsert_ctx_t;

/* The id of zone_id's parent (one component less) into buf. */
static void parent_id(const char *zone_id, char *buf, size_t size)
{
    snprintf(buf, size, "%s", zone_id);
    char *dot = strrchr(buf, '.');
    if (dot)
        *dot = '\0';
}

/* name less ", " + the parent's full name, into buf. */
static const char *own_name(const hcbus_zones_t *zones, const char *zone_id, const char *name,
                            char *buf, size_t size)
{
    char parent[HCBUS_ZONE_ID_MAX + 1];
    parent_id(zone_id, parent, sizeof parent);
    const char *pname = hcbus_zones_name(zones, parent);
    size_t len = strlen(name), plen = pname ? strlen(pname) : 0;
    if (pname && len > plen + 2 && strcmp(name + len - plen, pname) == 0 &&
        strncmp(name + len - plen - 2, ", ", 2) == 0)
        len -= plen + 2;
    snprintf(buf, size, "%.*s", (int)len, name);
    return buf;
}

static void upsert_one(void *arg, const char *zone_id, hcbus_zone_level_t level, const char *name)
{
    upsert_ctx_t *ctx = arg;
    if (ctx->failed || level < HCBUS_ZONE_DEPARTMENT || level > HCBUS_ZONE_DISTRICT)
        return;
    char dept_id[HCBUS_ZONE_ID_MAX + 1], muni_id[HCBUS_ZONE_ID_MAX + 1];
    char dept[NAME_MAX_BYTES], muni[NAME_MAX_BYTES], district[NAME_MAX_BYTES];
    snprintf(dept_id, sizeof dept_id, "%s", zone_id);
    snprintf(muni_id, sizeof muni_id, "%s", zone_id);
    if (level == HCBUS_ZONE_DISTRICT) {
        parent_id(zone_id, muni_id, sizeof muni_id);
        own_name(ctx->zones, zone_id, name, district, sizeof district);
    }
    if (level >= HCBUS_ZONE_MUNICIPALITY) {
        parent_id(muni_id, dept_id, sizeof dept_id);
        const char *mname = hcbus_zones_name(ctx->zones, muni_id);
        own_name(ctx->zones, muni_id, mname ? mname : "", muni, sizeof muni);
    }
    const char *dname = hcbus_zones_name(ctx->zones, dept_id);
    snprintf(dept, sizeof dept, "%s", dname ? dname : "");
    const char *iso = hcbus_zones_iso_code(ctx->zones, zone_id);
    const char *params[] = {zone_id, iso ? iso : "", dept,
                            level >= HCBUS_ZONE_MUNICIPALITY ? muni : NULL,
                            level == HCBUS_ZONE_DISTRICT ? district : NULL};
    PGresult *res = PQexecParams(ctx->conn, UPSERT_SQL, 5, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        char what[HCBUS_ZONE_ID_MAX + 64];
        snprintf(what, sizeof what, "upserting zone %s into hcbus.zone_catalogue", zone_id);
        auditd_pg_error(ctx->conn, res, what, ctx->err);
        ctx->failed = 1;
    } else {
        ctx->written += (size_t)atoi(PQcmdTuples(res));
    }
    PQclear(res);
}

int auditd_catalogue_upsert(PGconn *conn, const char *zones_file, size_t *written,
                            hcbus_error_t *err)
{
    hcbus_zones_t *zones = hcbus_zones_load(zones_file, err);
    if (!zones)
        return -1;
    upsert_ctx_t ctx = {.conn = conn, .zones = zones, .err = err};
    if (auditd_pg_exec(conn, "BEGIN", err) < 0) {
        hcbus_zones_destroy(&zones);
        return -1;
    }
    hcbus_zones_each(zones, upsert_one, &ctx);
    hcbus_zones_destroy(&zones);
    if (ctx.failed) {
        PGresult *res = PQexec(conn, "ROLLBACK");
        PQclear(res);
        return -1;
    }
    if (auditd_pg_exec(conn, "COMMIT", err) < 0)
        return -1;
    if (written)
        *written = ctx.written;
    return 0;
}

void auditd_catalogue_load(PGconn *conn, const char *zones_file)
{
    hcbus_error_t err;
    size_t written = 0;
    char line[HCBUS_ERROR_MESSAGE_MAX + HCBUS_ERROR_FIELD_MAX + HCBUS_ERROR_HINT_MAX + 32];
    if (auditd_catalogue_upsert(conn, zones_file, &written, &err) < 0)
        hcbus_warning(_("zone catalogue not loaded into hcbus.zone_catalogue (reviewers see zone ids "
                   "without names): %s"), hcbus_error_format(&err, line, sizeof line));
    else
        hcbus_info(_("zone catalogue: %zu zones added or changed from %s"), written, zones_file);
}
