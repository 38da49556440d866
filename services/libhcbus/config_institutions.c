/* config_institutions.c — the `institutions` list of the config file: who may connect
 * (public keys, given inline or in key files), with which roles, and what each may
 * publish and read: its roles' grants plus its own, limited to `limit_to_zones` when
 * given (checked against the zone catalogue). Checks ids and keys are unique across
 * the deployment. */
#include "config_institutions.h"

#include "roles.h"

#include "hcbus/keys.h"
#include "hcbus/validate.h"
#include "hcbus/zones.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static const char *const institution_settings[] = {
    "id",        "name",      "roles",    "public_keys",    "public_key_files",
    "publish",   "subscribe", "clinical", "limit_to_zones", NULL};

/* What the per-string callbacks below need. The zone catalogue is read on the first
 * limit_to_zones and kept for the rest of the list. */
typedef struct inst_ctx {
    hcbus_config_t *config;
    hcbus_institution_t *inst;
    hcbus_zones_t **zones;
} inst_ctx_t;

/* The institution already holding key, or NULL. */
static const hcbus_institution_t *key_holder(const hcbus_config_t *c, const hcbus_institution_t *inst,
                                             const char *key)
{
    for (size_t k = 0; k < inst->key_count; k++) {
        if (strcmp(inst->public_keys[k], key) == 0)
            return inst;
    }
    return hcbus_config_find_key(c, key);
}

static int add_key(const cfg_ctx_t *ctx, const config_setting_t *elem, const char *key, inst_ctx_t *ic)
{
    hcbus_institution_t *inst = ic->inst;
    if (!hcbus_key_well_formed(key))
        return hcbus_cfg_fail(ctx, elem, "a public key must be %d characters of Z85 (hcbus keygen writes one)",
                        HCBUS_KEY_TEXT_LEN);
    if (inst->key_count >= HCBUS_KEYS_PER_INSTITUTION)
        return hcbus_cfg_fail(ctx, elem, "more than %d public keys for %s", HCBUS_KEYS_PER_INSTITUTION, inst->id);
    const hcbus_institution_t *holder = key_holder(ic->config, inst, key);
    if (holder)
        return hcbus_cfg_fail(ctx, elem, "public key %.8s... is already held by %s", key, holder->id);
    memcpy(inst->public_keys[inst->key_count++], key, HCBUS_KEY_TEXT_LEN + 1);
    return 0;
}

static int add_inline_key(const cfg_ctx_t *ctx, const config_setting_t *elem, const char *value, void *arg)
{
    return add_key(ctx, elem, value, arg);
}

static int add_key_file(const cfg_ctx_t *ctx, const config_setting_t *elem, const char *value, void *arg)
{
    char path[HCBUS_PATH_MAX], key[HCBUS_KEY_TEXT_LEN + 1];
    if (hcbus_cfg_resolve(ctx, elem, value, path, sizeof path) < 0)
        return -1;
    hcbus_error_t why;
    if (hcbus_public_key_load(path, key, &why) < 0)
        return hcbus_cfg_fail(ctx, elem, "key file %.200s: %s", why.field, why.message);
    return add_key(ctx, elem, key, arg);
}

static int add_role(const cfg_ctx_t *ctx, const config_setting_t *elem, const char *value, void *arg)
{
    hcbus_institution_t *inst = ((inst_ctx_t *)arg)->inst;
    hcbus_role_t role;
    if (hcbus_role_parse(value, &role) < 0)
        return hcbus_cfg_fail(ctx, elem, "unknown role \"%.64s\" (roles are dispatch_centre, health_provider, "
                                   "police, zone_authority, facilitator, anonymous_gateway, coordinator)", value);
    inst->roles |= 1u << role;
    return 0;
}

static int load_catalogue(const cfg_ctx_t *ctx, const config_setting_t *elem, inst_ctx_t *ic)
{
    if (*ic->zones)
        return 0;
    hcbus_error_t why;
    if (!(*ic->zones = hcbus_zones_load(ic->config->zones_file, &why)))
        return hcbus_cfg_fail(ctx, elem, "limit_to_zones needs the zone catalogue: %.100s: %.160s", why.field,
                              why.message);
    return 0;
}

/* One zone of limit_to_zones: a catalogue zone ("sv.ss" or "sv.ss."), not within
 * another one of the list (nor containing one). */
static int add_limit_zone(const cfg_ctx_t *ctx, const config_setting_t *elem, const char *value, void *arg)
{
    inst_ctx_t *ic = arg;
    hcbus_institution_t *inst = ic->inst;
    if (strcmp(value, "*") == 0)
        return hcbus_cfg_fail(ctx, elem, "\"*\" is no limit: remove limit_to_zones to keep the roles' whole area");
    char zone[HCBUS_ZONE_ID_MAX + 1];
    size_t len = strlen(value);
    if (len > 1 && value[len - 1] == '.')   /* "sv.ss." as in a subscription prefix */
        len--;
    if (len < sizeof zone)
        snprintf(zone, sizeof zone, "%.*s", (int)len, value);
    if (len >= sizeof zone || !hcbus_zone_id_well_formed(zone))
        return hcbus_cfg_fail(ctx, elem, "\"%.140s\" is not a zone id (e.g. sv.ss or sv.ss.san-salvador-centro)",
                              value);
    if (load_catalogue(ctx, elem, ic) < 0)
        return -1;
    hcbus_zone_level_t level = hcbus_zones_lookup(*ic->zones, zone);
    if (level == HCBUS_ZONE_UNKNOWN)
        return hcbus_cfg_fail(ctx, elem, "zone \"%s\" is not in the zone catalogue (%.160s)", zone,
                              ic->config->zones_file);
    if (level == HCBUS_ZONE_COUNTRY)
        return hcbus_cfg_fail(ctx, elem, "\"%s\" is the whole country, no limit: remove limit_to_zones or name "
                                         "departments, municipalities or districts", zone);
    for (size_t i = 0; i < inst->limit_count; i++) {
        const char *other = inst->limit_to_zones[i];
        if (hcbus_zone_covers(other, zone) || hcbus_zone_covers(zone, other))
            return hcbus_cfg_fail(ctx, elem, "zone \"%s\" overlaps \"%s\", listed already: list each area once",
                                  zone, other);
    }
    if (inst->limit_count >= HCBUS_LIMIT_ZONES_MAX)
        return hcbus_cfg_fail(ctx, elem, "more than %d zones in limit_to_zones", HCBUS_LIMIT_ZONES_MAX);
    memcpy(inst->limit_to_zones[inst->limit_count++], zone, strlen(zone) + 1);
    return 0;
}

static int read_limit(const cfg_ctx_t *ctx, const config_setting_t *s, inst_ctx_t *ic)
{
    bool present = false;
    if (hcbus_cfg_string_list(ctx, s, "limit_to_zones", add_limit_zone, ic, &present) < 0)
        return -1;
    if (present && ic->inst->limit_count == 0)
        return hcbus_cfg_fail(ctx, config_setting_get_member(s, "limit_to_zones"),
                              "an empty limit_to_zones would leave %s no rights; remove the setting to keep the "
                              "roles' whole area", ic->inst->id);
    return 0;
}

/* The institution's own grants must reach into its limit: one wholly outside it is a
 * contradiction in the file, not something to drop in silence. */
static int check_own_within(const cfg_ctx_t *ctx, const config_setting_t *s, const char *name,
                            const hcbus_grants_t *own, const hcbus_institution_t *inst, const char *const *areas)
{
    for (size_t i = 0; inst->limit_count && i < own->count; i++) {
        const hcbus_grant_t *g = &own->items[i];
        if (!hcbus_grant_overlaps(g, areas, inst->limit_count))
            return hcbus_cfg_fail(ctx, config_setting_get_member(s, name),
                                  "grant %s:%s lies wholly outside limit_to_zones (%s%s)",
                                  g->kind == HCBUS_KIND_NONE ? "*" : hcbus_kind_name(g->kind), g->zone,
                                  inst->limit_to_zones[0], inst->limit_count > 1 ? ", ..." : "");
    }
    return 0;
}

/* Narrow the institution's publish and subscribe grants to its limit_to_zones. */
static int apply_limit(const cfg_ctx_t *ctx, const config_setting_t *s, hcbus_institution_t *inst,
                       const char *const *areas)
{
    hcbus_error_t why;
    if (hcbus_grants_limit(&inst->publish, areas, inst->limit_count, &why) < 0 ||
        hcbus_grants_limit(&inst->subscribe, areas, inst->limit_count, &why) < 0)
        return hcbus_cfg_fail(ctx, config_setting_get_member(s, "limit_to_zones"),
                              "limited to these zones, %s would hold %s (%s)", inst->id, why.message, why.hint);
    return 0;
}

static int merge_grants(const cfg_ctx_t *ctx, const config_setting_t *s, hcbus_grants_t *into,
                        const hcbus_grants_t *from)
{
    for (size_t i = 0; i < from->count; i++) {
        if (hcbus_grants_add(into, &from->items[i], NULL) < 0)
            return hcbus_cfg_fail(ctx, s, "more than %d grants", HCBUS_GRANTS_MAX);
    }
    return 0;
}

/* Rights from the roles, then the institution's own publish, subscribe and clinical,
 * the grants then limited to limit_to_zones. */
static int read_rights(const cfg_ctx_t *ctx, const config_setting_t *s, const hcbus_config_t *c,
                       hcbus_institution_t *inst)
{
    for (int r = 0; r < HCBUS_ROLE_COUNT; r++) {
        if (!(inst->roles & (1u << r)))
            continue;
        if (merge_grants(ctx, s, &inst->publish, &c->roles[r].publish) < 0 ||
            merge_grants(ctx, s, &inst->subscribe, &c->roles[r].subscribe) < 0)
            return -1;
        inst->clinical = inst->clinical || c->roles[r].clinical;
    }
    inst->anonymous_gateway = (inst->roles & (1u << HCBUS_ROLE_ANONYMOUS_GATEWAY)) != 0;
    const char *areas[HCBUS_LIMIT_ZONES_MAX];
    for (size_t i = 0; i < inst->limit_count; i++)
        areas[i] = inst->limit_to_zones[i];
    hcbus_grants_t own_publish = {0}, own_subscribe = {0};
    if (hcbus_cfg_grants(ctx, s, "publish", &own_publish, NULL) < 0 ||
        hcbus_cfg_grants(ctx, s, "subscribe", &own_subscribe, NULL) < 0 ||
        check_own_within(ctx, s, "publish", &own_publish, inst, areas) < 0 ||
        check_own_within(ctx, s, "subscribe", &own_subscribe, inst, areas) < 0 ||
        merge_grants(ctx, s, &inst->publish, &own_publish) < 0 ||
        merge_grants(ctx, s, &inst->subscribe, &own_subscribe) < 0 || apply_limit(ctx, s, inst, areas) < 0)
        return -1;
    return hcbus_cfg_bool(ctx, s, "clinical", &inst->clinical, NULL);
}

static int read_identity(const cfg_ctx_t *ctx, const config_setting_t *s, const hcbus_config_t *c,
                         hcbus_institution_t *inst)
{
    if (hcbus_cfg_check_known(ctx, s, institution_settings) < 0 ||
        hcbus_cfg_string(ctx, s, "id", inst->id, sizeof inst->id, true) < 0)
        return -1;
    const config_setting_t *id = config_setting_get_member(s, "id");
    if (!hcbus_institution_id_well_formed(inst->id))
        return hcbus_cfg_fail(ctx, id, "institution id \"%s\" may only hold a-z, 0-9, '_' and '-'", inst->id);
    if (hcbus_config_find_institution(c, inst->id))
        return hcbus_cfg_fail(ctx, id, "duplicate institution id \"%s\"", inst->id);
    memcpy(inst->name, inst->id, strlen(inst->id) + 1);   /* the default name; ids are shorter */
    return hcbus_cfg_string(ctx, s, "name", inst->name, sizeof inst->name, false);
}

static int read_institution(const cfg_ctx_t *ctx, const config_setting_t *s, hcbus_config_t *c,
                            hcbus_institution_t *inst, hcbus_zones_t **zones)
{
    inst_ctx_t ic = {.config = c, .inst = inst, .zones = zones};
    if (!config_setting_is_group(s))
        return hcbus_cfg_fail(ctx, s, "an institution must be a group { id = ...; ... }");
    if (read_identity(ctx, s, c, inst) < 0 ||
        hcbus_cfg_string_list(ctx, s, "roles", add_role, &ic, NULL) < 0 ||
        hcbus_cfg_string_list(ctx, s, "public_keys", add_inline_key, &ic, NULL) < 0 ||
        hcbus_cfg_string_list(ctx, s, "public_key_files", add_key_file, &ic, NULL) < 0 ||
        read_limit(ctx, s, &ic) < 0)
        return -1;
    if (inst->roles == 0)
        return hcbus_cfg_fail(ctx, s, "institution %s has no roles", inst->id);
    if (inst->key_count == 0)
        return hcbus_cfg_fail(ctx, s, "institution %s has no public_keys or public_key_files", inst->id);
    return read_rights(ctx, s, c, inst);
}

int hcbus_config_read_institutions(const cfg_ctx_t *ctx, const config_setting_t *root,
                                   hcbus_config_t *c)
{
    const config_setting_t *list = config_setting_get_member(root, "institutions");
    if (!list)
        return 0;
    if (!config_setting_is_list(list) && !(config_setting_is_array(list) && config_setting_length(list) == 0))
        return hcbus_cfg_fail(ctx, list, "must be a list ( { id = ...; ... }, ... )");
    hcbus_zones_t *zones = NULL;   /* read on the first limit_to_zones */
    int rc = 0;
    for (int i = 0; rc == 0 && i < config_setting_length(list); i++) {
        const config_setting_t *s = config_setting_get_elem(list, (unsigned)i);
        if (c->institution_count >= HCBUS_INSTITUTIONS_MAX) {
            rc = hcbus_cfg_fail(ctx, s, "more than %d institutions", HCBUS_INSTITUTIONS_MAX);
            break;
        }
        hcbus_institution_t *inst = &c->institutions[c->institution_count];
        memset(inst, 0, sizeof *inst);
        rc = read_institution(ctx, s, c, inst, &zones);
        if (rc < 0 && ctx->collect) {
            /* Noted; the next one is read. Kept as read so far when it has an id: the
             * sections naming it then check it, rather than say it is missing. */
            rc = hcbus_cfg_soft(ctx, rc);
            if (!inst->id[0])
                continue;
        }
        if (rc == 0)
            c->institution_count++;
    }
    hcbus_zones_destroy(&zones);
    return rc;
}

const char *hcbus_institution_limit_hint(const hcbus_institution_t *inst, const char *kind_name, char *buf,
                                         size_t size)
{
    if (!inst || inst->limit_count == 0 || !buf || size == 0)
        return NULL;
    char zones[HCBUS_NAME_MAX * 2] = "";
    size_t used = 0;
    for (size_t i = 0; i < inst->limit_count && used < sizeof zones; i++) {
        int n = snprintf(zones + used, sizeof zones - used, "%s%s", i ? ", " : "", inst->limit_to_zones[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    snprintf(buf, size, "%s is limited to %s (limit_to_zones in the broker's configuration): ask within it, e.g. %s.%s.",
             inst->id, zones, kind_name ? kind_name : "alert", inst->limit_to_zones[0]);
    return buf;
}
