/* filter.c — the list/export filters as a parameterized WHERE clause (filter.h). Every
 * value is checked here first, so a typo gets a message naming the flag instead of an
 * empty answer. */
#include "filter.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "hcbus/i18n.h"
#include "hcbus/zones.h"
#include "timefmt.h"
#include "zonename.h"

static const char *const known_kinds[] = {"zone",   "dispatch",      "status", "alert",
                                          "escort", "escort_status", "notice"};

int audit_filter_take(audit_filter_t *f, const char *name, const char *value)
{
    struct {
        const char *name;
        const char **slot;
    } flags[] = {{"from", &f->from},   {"to", &f->to},           {"institution", &f->institution},
                 {"kind", &f->kinds},  {"zone", &f->zone},       {"request", &f->request},
                 {"text", &f->text}};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (strcmp(name, flags[i].name) == 0) {
            *flags[i].slot = value;
            return 1;
        }
    return 0;
}

/* Append "AND <fmt>" (or "WHERE") to the clause. */
static void add(audit_where_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(audit_where_t *w, const char *fmt, ...)
{
    size_t len = strlen(w->sql);
    len += (size_t)snprintf(w->sql + len, sizeof w->sql - len, "%s", len ? " AND " : " WHERE ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->sql + len, sizeof w->sql - len, fmt, ap);
    va_end(ap);
}

/* Bind value as the next parameter; returns its number. */
static int param(audit_where_t *w, const char *value)
{
    w->params[w->n_params] = value;
    return ++w->n_params;
}

/* Print "hcbus CMD: --FLAG "VALUE": WHY" (and the hint) and return AUDIT_EXIT_BAD. */
static int bad(const char *cmd, const char *flag, const char *value, const char *why,
               const char *hint)
{
    fprintf(stderr, _("hcbus %s: --%s \"%s\": %s\n"), cmd, flag, value, why);
    if (hint && *hint)
        fprintf(stderr, _("  hint: %s\n"), hint);
    return AUDIT_EXIT_BAD;
}

static int add_time(const char *cmd, audit_where_t *w, const char *flag, const char *text,
                    bool to)
{
    int64_t t_us;
    hcbus_error_t err;
    if (audit_time_parse(text, to, &t_us, &err) != 0)
        return bad(cmd, flag, text, err.message, err.hint);
    char *slot = w->owned[w->n_params];
    snprintf(slot, sizeof w->owned[0], "%" PRId64, t_us);
    int n = param(w, slot);
    add(w, "e.received_at %s timestamptz 'epoch' + $%d::bigint * interval '1 microsecond'",
        to ? "<" : ">=", n);
    return 0;
}

static int check_kinds(const char *cmd, const char *kinds)
{
    const char *p = kinds;
    while (*p) {
        size_t len = strcspn(p, ",");
        bool known = false;
        for (size_t i = 0; i < sizeof known_kinds / sizeof known_kinds[0]; i++)
            known |= strlen(known_kinds[i]) == len && strncmp(known_kinds[i], p, len) == 0;
        if (!known) {
            char why[96];
            snprintf(why, sizeof why, "\"%.*s\" is not a kind", (int)(len < 48 ? len : 48), p);
            return bad(cmd, "kind", kinds, why,
                       "zone, dispatch, status, alert, escort, escort_status, notice; several "
                       "separated by commas");
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

static int add_zone(const char *cmd, PGconn *conn, audit_where_t *w, const char *zone)
{
    if (hcbus_zone_id_well_formed(zone) && (strchr(zone, '.') || strcmp(zone, "sv") == 0)) {
        int n = param(w, zone);
        add(w, "(e.zone_id = $%d OR starts_with(e.zone_id, $%d || '.'))", n, n);
        return 0;
    }
    int rc = audit_zone_ids_for_name(cmd, conn, zone, &w->zone_ids);
    if (rc != 0)
        return rc;
    int n = param(w, w->zone_ids);
    add(w, "EXISTS (SELECT 1 FROM unnest($%d::text[]) z(id) "
           "WHERE e.zone_id = z.id OR starts_with(e.zone_id, z.id || '.'))", n);
    return 0;
}

int audit_where_build(const char *cmd, PGconn *conn, const audit_filter_t *f,
                      audit_where_t *w)
{
    memset(w, 0, sizeof *w);
    int rc;
    if (f->from && (rc = add_time(cmd, w, "from", f->from, false)) != 0)
        return rc;
    if (f->to && (rc = add_time(cmd, w, "to", f->to, true)) != 0)
        return rc;
    if (f->institution)
        add(w, "e.sender = $%d", param(w, f->institution));
    if (f->kinds) {
        if ((rc = check_kinds(cmd, f->kinds)) != 0)
            return rc;
        add(w, "e.kind = ANY(string_to_array($%d, ','))", param(w, f->kinds));
    }
    if (f->zone && (rc = add_zone(cmd, conn, w, f->zone)) != 0)
        return rc;
    if (f->request) {
        int n = param(w, f->request);
        add(w, "(e.kind IN ('dispatch', 'status') AND e.subject = $%d OR "
               "e.kind IN ('escort', 'escort_status', 'notice', 'alert') AND "
               "e.summary->>'request_id' = $%d)", n, n);
    }
    if (f->text) {
        int n = param(w, f->text);
        add(w, "(strpos(lower(e.summary::text), lower($%d)) > 0 OR "
               "strpos(lower(coalesce(e.subject, '')), lower($%d)) > 0)", n, n);
    }
    return 0;
}

void audit_where_free(audit_where_t *w)
{
    free(w->zone_ids);
    w->zone_ids = NULL;
}
