/* config_institutions.c — the `institutions` list of the config file: who may connect
 * (public keys, given inline or in key files), with which roles, and what each may
 * publish and read. Checks ids and keys are unique across the deployment. */
#include "config_institutions.h"

#include "roles.h"

#include "hcbus/keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static const char *const institution_settings[] = {
    "id", "name", "roles", "public_keys", "public_key_files", "publish", "subscribe", "clinical", NULL};

/* What the per-string callbacks below need. */
typedef struct inst_ctx {
    hcbus_config_t *config;
    hcbus_institution_t *inst;
} inst_ctx_t;

static bool id_well_formed(const char *id)
{
    return strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(id);
}

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
                                   "police, zone_authority, facilitator, anonymous_gateway)", value);
    inst->roles |= 1u << role;
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

/* Rights from the roles, then the institution's own publish, subscribe and clinical. */
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
    hcbus_grants_t own_publish = {0}, own_subscribe = {0};
    if (hcbus_cfg_grants(ctx, s, "publish", &own_publish, NULL) < 0 ||
        hcbus_cfg_grants(ctx, s, "subscribe", &own_subscribe, NULL) < 0 ||
        merge_grants(ctx, s, &inst->publish, &own_publish) < 0 ||
        merge_grants(ctx, s, &inst->subscribe, &own_subscribe) < 0)
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
    if (!id_well_formed(inst->id))
        return hcbus_cfg_fail(ctx, id, "institution id \"%s\" may only hold a-z, 0-9, '_' and '-'", inst->id);
    if (hcbus_config_find_institution(c, inst->id))
        return hcbus_cfg_fail(ctx, id, "duplicate institution id \"%s\"", inst->id);
    memcpy(inst->name, inst->id, strlen(inst->id) + 1);   /* the default name; ids are shorter */
    return hcbus_cfg_string(ctx, s, "name", inst->name, sizeof inst->name, false);
}

static int read_institution(const cfg_ctx_t *ctx, const config_setting_t *s, hcbus_config_t *c,
                            hcbus_institution_t *inst)
{
    inst_ctx_t ic = {.config = c, .inst = inst};
    if (!config_setting_is_group(s))
        return hcbus_cfg_fail(ctx, s, "an institution must be a group { id = ...; ... }");
    if (read_identity(ctx, s, c, inst) < 0 ||
        hcbus_cfg_string_list(ctx, s, "roles", add_role, &ic, NULL) < 0 ||
        hcbus_cfg_string_list(ctx, s, "public_keys", add_inline_key, &ic, NULL) < 0 ||
        hcbus_cfg_string_list(ctx, s, "public_key_files", add_key_file, &ic, NULL) < 0)
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
    for (int i = 0; i < config_setting_length(list); i++) {
        const config_setting_t *s = config_setting_get_elem(list, (unsigned)i);
        if (c->institution_count >= HCBUS_INSTITUTIONS_MAX)
            return hcbus_cfg_fail(ctx, s, "more than %d institutions", HCBUS_INSTITUTIONS_MAX);
        hcbus_institution_t *inst = &c->institutions[c->institution_count];
        memset(inst, 0, sizeof *inst);
        if (read_institution(ctx, s, c, inst) < 0)
            return -1;
        c->institution_count++;
    }
    return 0;
}
