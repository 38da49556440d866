/* config_coordinator.c — the optional `coordinator` section of the config file:
 * which institution hcbus-coordinator is (it must hold the coordinator role), its
 * key files, where it reaches the broker, and the times of its rules (spec in
 * docs/operations.md). The broker and auditd load and check it like any section but
 * use none of it; hcbus-coordinator refuses to start without it. */
#include "config_coordinator.h"
#include "config_metrics.h"

#include "enum_name.h"
#include "hcbus.pb-c.h"
#include "hcbus/i18n.h"

#include <stdio.h>
#include <string.h>

#define DEFAULT_STATUS_MAX_SKEW_S 120u
#define DEFAULT_ACCEPT_WITHIN_S 300u
#define DEFAULT_ON_SCENE_WITHIN_S 1800u
#define DEFAULT_ESCORT_ASSIGNED_WITHIN_S 600u
#define DEFAULT_ALERT_WINDOW_S 86400u
#define DEFAULT_FORGET_CLOSED_AFTER_S 259200u   /* three days */
#define DAY_S 86400u
#define ALERT_WINDOW_MAX_S (30u * DAY_S)
#define FORGET_CLOSED_MAX_S (90u * DAY_S)
#define LEVEL_NAME_MAX 16

static const char *const coordinator_settings[] = {
    "institution",         "secret_key_file",     "broker_public_key_file", "publish_endpoint",
    "subscribe_endpoint",  "status_max_skew_s",   "accept_within_s",        "on_scene_within_s",
    "escort_assigned_within_s", "alert_window_s", "default_level",          "forget_closed_after_s",
    "metrics_listen",      NULL};

static void set_defaults(hcbus_coordinator_config_t *k, const hcbus_broker_config_t *b)
{
    k->status_max_skew_s = DEFAULT_STATUS_MAX_SKEW_S;
    k->accept_within_s = DEFAULT_ACCEPT_WITHIN_S;
    k->on_scene_within_s = DEFAULT_ON_SCENE_WITHIN_S;
    k->escort_assigned_within_s = DEFAULT_ESCORT_ASSIGNED_WITHIN_S;
    k->alert_window_s = DEFAULT_ALERT_WINDOW_S;
    k->default_level = HCBUS__RISK_LEVEL__RISK_LEVEL_GREEN;
    k->forget_closed_after_s = DEFAULT_FORGET_CLOSED_AFTER_S;
    snprintf(k->publish_endpoint, sizeof k->publish_endpoint, "%s", b->publish_endpoint);
    snprintf(k->subscribe_endpoint, sizeof k->subscribe_endpoint, "%s", b->subscribe_endpoint);
    snprintf(k->metrics.listen, sizeof k->metrics.listen, HCBUS_METRICS_LISTEN_COORDINATOR);
}

static int read_level(const cfg_ctx_t *ctx, const config_setting_t *g, int *level)
{
    char name[LEVEL_NAME_MAX] = "";
    const config_setting_t *s = config_setting_get_member(g, "default_level");
    if (!s)
        return 0;
    /* A longer string cannot be a level: say so rather than "too long". */
    if (config_setting_type(s) == CONFIG_TYPE_STRING && strlen(config_setting_get_string(s)) >= sizeof name)
        return hcbus_cfg_fail(ctx, s, "unknown level \"%.64s\" (green, yellow, orange or red)",
                              config_setting_get_string(s));
    if (hcbus_cfg_string(ctx, g, "default_level", name, sizeof name, false) < 0)
        return -1;
    int value;
    if (hcbus_enum_parse_name(&hcbus__risk_level__descriptor, name, &value) < 0 ||
        value == HCBUS__RISK_LEVEL__RISK_LEVEL_UNSPECIFIED)
        return hcbus_cfg_fail(ctx, s, "unknown level \"%s\" (green, yellow, orange or red)", name);
    *level = value;
    return 0;
}

/* The institution must be listed and hold the coordinator role (its key is how the
 * broker knows the notices it publishes come from the coordinator), must not have
 * clinical access (by a role such as dispatch_centre or by a setting), and must not
 * be limited to zones. */
static int check_institution(const cfg_ctx_t *ctx, const config_setting_t *g, const hcbus_config_t *c)
{
    const config_setting_t *s = config_setting_get_member(g, "institution");
    const hcbus_institution_t *inst = hcbus_config_find_institution(c, c->coordinator.institution);
    if (!inst) {
        hcbus_cfg_fail(ctx, s, "no institution \"%s\" in institutions", c->coordinator.institution);
        return hcbus_error_hint(ctx->err, _("add { id = \"%s\"; roles = [\"coordinator\"]; "
                                          "public_key_files = [...]; } to institutions"),
                                c->coordinator.institution);
    }
    if (!(inst->roles & (1u << HCBUS_ROLE_COORDINATOR))) {
        hcbus_cfg_fail(ctx, s, "institution \"%s\" does not hold the coordinator role", inst->id);
        return hcbus_error_hint(ctx->err, _("give it roles = [\"coordinator\"] in institutions"));
    }
    /* Its rules read the whole log (every kind, every zone, from seq 1): a limited
     * institution would be refused its subscription at every start. */
    if (inst->limit_count > 0) {
        hcbus_cfg_fail(ctx, s, "institution \"%s\" has limit_to_zones; hcbus-coordinator reads every zone",
                       inst->id);
        return hcbus_error_hint(ctx->err, _("remove limit_to_zones from institution %s"), inst->id);
    }
    /* Its rules need no patient details: confidentiality fails closed. */
    if (inst->clinical) {
        hcbus_cfg_fail(ctx, s, "institution \"%s\" has clinical access; hcbus-coordinator must not read "
                               "patient details", inst->id);
        return hcbus_error_hint(ctx->err, _("give it the coordinator role alone, without clinical = true "
                                          "(in the institution or in roles.coordinator)"));
    }
    return 0;
}

int hcbus_config_read_coordinator(const cfg_ctx_t *ctx, const config_setting_t *root, hcbus_config_t *c)
{
    hcbus_coordinator_config_t *k = &c->coordinator;
    config_setting_t *g;
    memset(k, 0, sizeof *k);
    if (hcbus_cfg_group(ctx, root, "coordinator", &g) < 0)
        return -1;
    if (!g)
        return 0;
    set_defaults(k, &c->broker);
    if (hcbus_cfg_check_known(ctx, g, coordinator_settings) < 0 ||
        hcbus_cfg_string(ctx, g, "institution", k->institution, sizeof k->institution, true) < 0 ||
        hcbus_cfg_path(ctx, g, "secret_key_file", k->secret_key_file, sizeof k->secret_key_file, true) < 0 ||
        hcbus_cfg_path(ctx, g, "broker_public_key_file", k->broker_public_key_file,
                       sizeof k->broker_public_key_file, true) < 0 ||
        hcbus_cfg_connect_endpoint(ctx, g, "publish_endpoint", k->publish_endpoint, sizeof k->publish_endpoint) < 0 ||
        hcbus_cfg_connect_endpoint(ctx, g, "subscribe_endpoint", k->subscribe_endpoint, sizeof k->subscribe_endpoint) < 0 ||
        hcbus_cfg_u32(ctx, g, "status_max_skew_s", 0, DAY_S, &k->status_max_skew_s) < 0 ||
        hcbus_cfg_u32(ctx, g, "accept_within_s", 1, DAY_S, &k->accept_within_s) < 0 ||
        hcbus_cfg_u32(ctx, g, "on_scene_within_s", 1, DAY_S, &k->on_scene_within_s) < 0 ||
        hcbus_cfg_u32(ctx, g, "escort_assigned_within_s", 1, DAY_S, &k->escort_assigned_within_s) < 0 ||
        hcbus_cfg_u32(ctx, g, "alert_window_s", 1, ALERT_WINDOW_MAX_S, &k->alert_window_s) < 0 ||
        read_level(ctx, g, &k->default_level) < 0 ||
        hcbus_cfg_u32(ctx, g, "forget_closed_after_s", 1, FORGET_CLOSED_MAX_S, &k->forget_closed_after_s) < 0 ||
        hcbus_cfg_soft(ctx, hcbus_config_read_metrics(ctx, g, &k->metrics)) < 0 || check_institution(ctx, g, c) < 0)
        return -1;
    if (strcmp(k->publish_endpoint, k->subscribe_endpoint) == 0)
        return hcbus_cfg_fail(ctx, g, "publish_endpoint and subscribe_endpoint must differ");
    k->present = true;
    return 0;
}

int hcbus_config_require_coordinator(const hcbus_config_t *self, hcbus_error_t *err)
{
    if (!self)
        return hcbus_error_set(err, HCBUS_ECONFIG, "config", _("no configuration"));
    if (self->coordinator.present)
        return 0;
    hcbus_error_set(err, HCBUS_ECONFIG, self->path,
                    _("no coordinator section: hcbus-coordinator needs coordinator.institution, "
                    "coordinator.secret_key_file and coordinator.broker_public_key_file"));
    return hcbus_error_hint(err, _("add coordinator = { institution = \"coordinator\"; secret_key_file = "
                                 "\"keys/coordinator.key\"; broker_public_key_file = \"keys/broker.pub\"; }; "
                                 "as in deploy/hcbus.conf"));
}
