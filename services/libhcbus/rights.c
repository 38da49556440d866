/* rights.c — grants "kind:zone" and the checks the broker makes with them (see
 * include/hcbus/rights.h). Which grants an institution holds is config.c's job. */
#include "hcbus/rights.h"

#include "hcbus/i18n.h"

#include <stdio.h>
#include <string.h>

#define GRANT_ANY "*"

/* "*" or a kind name, given as the first len bytes of text. */
static int parse_grant_kind(const char *text, size_t len, hcbus_kind_t *kind)
{
    char name[16];
    *kind = HCBUS_KIND_NONE;
    if (len == 1 && text[0] == '*')
        return 0;
    if (len >= sizeof name)
        return -1;
    memcpy(name, text, len);
    name[len] = '\0';
    *kind = hcbus_kind_parse(name);
    return *kind == HCBUS_KIND_NONE ? -1 : 0;
}

int hcbus_grant_parse(const char *text, hcbus_grant_t *grant, hcbus_error_t *err)
{
    const char *colon = text ? strchr(text, ':') : NULL;
    if (!colon) {
        hcbus_error_set(err, HCBUS_EINVALID, "grant", _("\"%.160s\" is not kind:zone"), text ? text : "");
        return hcbus_error_hint(err, _("e.g. alert:sv.ss, zone:*, *:sv.ss.san-salvador-este"));
    }
    hcbus_kind_t kind;
    if (parse_grant_kind(text, (size_t)(colon - text), &kind) < 0)
        return hcbus_error_set(err, HCBUS_EINVALID, "grant",
                               _("\"%.160s\": kind must be zone, dispatch, status, alert, escort, "
                               "escort_status, notice or *"),
                               text);
    const char *zone = colon + 1;
    if (strcmp(zone, GRANT_ANY) != 0 && !hcbus_zone_id_well_formed(zone))
        return hcbus_error_set(err, HCBUS_EINVALID, "grant",
                               _("\"%.160s\": zone must be * or a well-formed zone id"), text);
    grant->kind = kind;
    snprintf(grant->zone, sizeof grant->zone, "%s", zone);
    return 0;
}

static bool grant_equal(const hcbus_grant_t *a, const hcbus_grant_t *b)
{
    return a->kind == b->kind && strcmp(a->zone, b->zone) == 0;
}

int hcbus_grants_add(hcbus_grants_t *grants, const hcbus_grant_t *grant, hcbus_error_t *err)
{
    for (size_t i = 0; i < grants->count; i++) {
        if (grant_equal(&grants->items[i], grant))
            return 0;
    }
    if (grants->count >= HCBUS_GRANTS_MAX)
        return hcbus_error_set(err, HCBUS_EINVALID, "grant", _("more than %d grants"), HCBUS_GRANTS_MAX);
    grants->items[grants->count++] = *grant;
    return 0;
}

static bool grant_covers(const hcbus_grant_t *g, hcbus_kind_t kind, const char *zone)
{
    return (g->kind == HCBUS_KIND_NONE || g->kind == kind) && hcbus_zone_covers(g->zone, zone);
}

bool hcbus_grants_allow_topic(const hcbus_grants_t *grants, hcbus_kind_t kind, const char *zone)
{
    if (!grants || kind == HCBUS_KIND_NONE || !zone || !*zone)
        return false;
    for (size_t i = 0; i < grants->count; i++) {
        if (grant_covers(&grants->items[i], kind, zone))
            return true;
    }
    return false;
}

bool hcbus_grants_allow_prefix(const hcbus_grants_t *grants, const char *prefix)
{
    hcbus_kind_t kind;
    char scope[HCBUS_ZONE_ID_MAX + 1];
    if (!grants || hcbus_prefix_parse(prefix, &kind, scope, NULL) < 0)
        return false;
    /* A whole kind ("alert.") reaches every zone, so only a grant on every zone covers it. */
    for (size_t i = 0; i < grants->count; i++) {
        const hcbus_grant_t *g = &grants->items[i];
        bool kind_ok = g->kind == HCBUS_KIND_NONE || g->kind == kind;
        bool zone_ok = scope[0] ? hcbus_zone_covers(g->zone, scope) : strcmp(g->zone, GRANT_ANY) == 0;
        if (kind_ok && zone_ok)
            return true;
    }
    return false;
}

bool hcbus_grant_overlaps(const hcbus_grant_t *grant, const char *const *areas, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (hcbus_zone_covers(grant->zone, areas[i]) || hcbus_zone_covers(areas[i], grant->zone))
            return true;
    }
    return false;
}

int hcbus_grants_limit(hcbus_grants_t *grants, const char *const *areas, size_t n, hcbus_error_t *err)
{
    if (n == 0)
        return 0;
    hcbus_grants_t limited = {0};
    for (size_t g = 0; g < grants->count; g++) {
        const hcbus_grant_t *grant = &grants->items[g];
        for (size_t a = 0; a < n; a++) {
            hcbus_grant_t narrowed = {.kind = grant->kind};
            if (hcbus_zone_covers(grant->zone, areas[a]))          /* "*" or a wider zone: the area */
                snprintf(narrowed.zone, sizeof narrowed.zone, "%s", areas[a]);
            else if (hcbus_zone_covers(areas[a], grant->zone))     /* already inside the area */
                narrowed = *grant;
            else
                continue;
            if (hcbus_grants_add(&limited, &narrowed, err) < 0)
                return hcbus_error_hint(err, _("list fewer zones or fewer grants"));
        }
    }
    *grants = limited;
    return 0;
}

const char *hcbus_grants_format(const hcbus_grants_t *grants, char *buf, size_t size)
{
    if (!buf || size == 0)
        return buf;
    buf[0] = '\0';
    if (!grants || grants->count == 0) {
        snprintf(buf, size, "(none)");
        return buf;
    }
    size_t used = 0;
    for (size_t i = 0; i < grants->count && used < size; i++) {
        const hcbus_grant_t *g = &grants->items[i];
        const char *kind = g->kind == HCBUS_KIND_NONE ? GRANT_ANY : hcbus_kind_name(g->kind);
        int n = snprintf(buf + used, size - used, "%s%s:%s", i ? " " : "", kind, g->zone);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return buf;
}
