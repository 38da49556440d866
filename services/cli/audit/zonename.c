/* zonename.c — zone ids and names from review.zones (zonename.h). The catalogue is
 * small, so it is read whole once and searched in memory: sorted by id, a name is the
 * longest catalogue id that is the zone or lies above it. */
#include "zonename.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "hcbus/i18n.h"
#include "hcbus/zones.h"

#define NAME_FOLD_MAX 256
#define ZONES_SQL "SELECT zone_id, name, coalesce(district, municipality, department) FROM review.zones"

typedef struct zone_row {
    char *id, *name, *own; /* own: the zone's own name (district, else municipality ...) */
} zone_row_t;

struct audit_zones {
    zone_row_t *rows;
    size_t n;
};

static int by_id(const void *a, const void *b)
{
    return strcmp(((const zone_row_t *)a)->id, ((const zone_row_t *)b)->id);
}

void audit_zones_destroy(audit_zones_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    audit_zones_t *self = *self_p;
    for (size_t i = 0; i < self->n; i++) {
        free(self->rows[i].id);
        free(self->rows[i].name);
        free(self->rows[i].own);
    }
    free(self->rows);
    free(self);
    *self_p = NULL;
}

static char *dup_or_empty(const char *s) { return strdup(s ? s : ""); }

int audit_zones_load(const char *cmd, PGconn *conn, audit_zones_t **out)
{
    PGresult *res = PQexec(conn, ZONES_SQL);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        int rc = audit_db_error(cmd, conn, res, N_("cannot read the zone catalogue (review.zones)"));
        PQclear(res);
        return rc;
    }
    audit_zones_t *self = calloc(1, sizeof *self);
    size_t n = (size_t)PQntuples(res);
    if (self && n > 0)
        self->rows = calloc(n, sizeof *self->rows);
    if (!self || (n > 0 && !self->rows)) {
        free(self);
        PQclear(res);
        fprintf(stderr, _("hcbus %s: out of memory\n"), cmd);
        return AUDIT_EXIT_INTERNAL;
    }
    for (size_t i = 0; i < n; i++) {
        zone_row_t *r = &self->rows[self->n++];
        r->id = dup_or_empty(PQgetvalue(res, (int)i, 0));
        r->name = dup_or_empty(PQgetvalue(res, (int)i, 1));
        r->own = dup_or_empty(PQgetvalue(res, (int)i, 2));
        if (!r->id || !r->name || !r->own) {
            PQclear(res);
            audit_zones_destroy(&self);
            fprintf(stderr, _("hcbus %s: out of memory\n"), cmd);
            return AUDIT_EXIT_INTERNAL;
        }
    }
    PQclear(res);
    if (self->n > 1)
        qsort(self->rows, self->n, sizeof *self->rows, by_id);
    *out = self;
    return 0;
}

static const zone_row_t *find(const audit_zones_t *self, const char *id)
{
    zone_row_t key = {.id = (char *)id};
    return self->n ? bsearch(&key, self->rows, self->n, sizeof key, by_id) : NULL;
}

const char *audit_zones_name(const audit_zones_t *self, const char *zone_id)
{
    if (!self || !zone_id)
        return NULL;
    char id[HCBUS_ZONE_ID_MAX + 1];
    snprintf(id, sizeof id, "%s", zone_id);
    for (;;) {
        const zone_row_t *r = find(self, id);
        if (r)
            return r->name;
        char *dot = strrchr(id, '.');
        if (!dot)
            return NULL;
        *dot = '\0';
    }
}

/* Append id to the array literal in *buf (ids need no quoting: [a-z0-9.-]). */
static int append_id(char **buf, size_t *len, size_t *cap, const char *id)
{
    size_t need = *len + strlen(id) + 3;
    if (need > *cap) {
        size_t cap2 = need * 2;
        char *grown = realloc(*buf, cap2);
        if (!grown)
            return -1;
        *buf = grown;
        *cap = cap2;
    }
    *len += (size_t)sprintf(*buf + *len, "%s%s", *len > 1 ? "," : "", id);
    return 0;
}

int audit_zone_ids_for_name(const char *cmd, PGconn *conn, const char *name, char **ids)
{
    audit_zones_t *zones;
    int rc = audit_zones_load(cmd, conn, &zones);
    if (rc != 0)
        return rc;
    char want[NAME_FOLD_MAX], own[NAME_FOLD_MAX];
    hcbus_zone_fold(name, want, sizeof want);
    size_t len = 1, cap = 64, found = 0;
    char *buf = malloc(cap);
    if (buf)
        strcpy(buf, "{");
    for (size_t i = 0; buf && i < zones->n; i++) {
        hcbus_zone_fold(zones->rows[i].own, own, sizeof own);
        if (want[0] && strcmp(own, want) == 0) {
            if (append_id(&buf, &len, &cap, zones->rows[i].id) != 0) {
                free(buf);
                buf = NULL;
            }
            found++;
        }
    }
    size_t catalogue = zones->n;
    audit_zones_destroy(&zones);
    if (!buf) {
        fprintf(stderr, _("hcbus %s: out of memory\n"), cmd);
        return AUDIT_EXIT_INTERNAL;
    }
    if (found == 0) {
        free(buf);
        if (catalogue == 0)
            fprintf(stderr, _("hcbus %s: --zone \"%s\": the zone catalogue (review.zones) is empty\n"
                    "  hint: hcbus-auditd loads it from its zones_file at start (migration 010); "
                    "or give a zone id (sv.ss.san-salvador-centro)\n"), cmd, name);
        else
            fprintf(stderr, _("hcbus %s: --zone \"%s\": no department, municipality or district "
                    "has that name\n  hint: give a zone id, or find names with: hcbus zone find "
                    "WORD\n"), cmd, name);
        return AUDIT_EXIT_BAD;
    }
    strcat(buf, "}");
    *ids = buf;
    return 0;
}
