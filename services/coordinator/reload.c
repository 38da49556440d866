/* reload.c — SIGHUP: the configuration read again, the engine given the new
 * institutions (see reload.h). The engine borrows the config, so the old one is freed
 * only after the engine holds the new one. */
#include "reload.h"

#include <stdio.h>
#include <string.h>

#include "hcbus/i18n.h"
#include "hcbus/log.h"
#include "hcbus/notify.h"
#include "hcbus/reload_result.h"

/* The first setting of the coordinator section that differs, or NULL. */
static const char *changed_setting(const hcbus_coordinator_config_t *a, const hcbus_coordinator_config_t *b)
{
    if (!b->present)
        return "coordinator (the section is gone)";
    if (strcmp(a->institution, b->institution) != 0)
        return "coordinator.institution";
    if (strcmp(a->secret_key_file, b->secret_key_file) != 0)
        return "coordinator.secret_key_file";
    if (strcmp(a->broker_public_key_file, b->broker_public_key_file) != 0)
        return "coordinator.broker_public_key_file";
    if (strcmp(a->publish_endpoint, b->publish_endpoint) != 0)
        return "coordinator.publish_endpoint";
    if (strcmp(a->subscribe_endpoint, b->subscribe_endpoint) != 0)
        return "coordinator.subscribe_endpoint";
    if (a->status_max_skew_s != b->status_max_skew_s)
        return "coordinator.status_max_skew_s";
    if (a->accept_within_s != b->accept_within_s)
        return "coordinator.accept_within_s";
    if (a->on_scene_within_s != b->on_scene_within_s)
        return "coordinator.on_scene_within_s";
    if (a->escort_assigned_within_s != b->escort_assigned_within_s)
        return "coordinator.escort_assigned_within_s";
    if (a->alert_window_s != b->alert_window_s)
        return "coordinator.alert_window_s";
    if (a->default_level != b->default_level)
        return "coordinator.default_level";
    if (a->forget_closed_after_s != b->forget_closed_after_s)
        return "coordinator.forget_closed_after_s";
    return NULL;
}

int coord_reload(hcbus_config_t **config_p, coord_engine_t *engine)
{
    hcbus_error_t err;
    char line[HCBUS_ERROR_MESSAGE_MAX + HCBUS_ERROR_FIELD_MAX + HCBUS_ERROR_HINT_MAX + 32];
    hcbus_notify_reloading();
    hcbus_config_t *fresh = hcbus_config_load((*config_p)->path, &err);
    if (!fresh) {
        hcbus_error(_("configuration reload refused, the old configuration stays in force: %s"),
                    hcbus_error_format(&err, line, sizeof line));
        hcbus_reload_result_record(false, line);
        return -1;
    }
    const char *changed = changed_setting(&(*config_p)->coordinator, &fresh->coordinator);
    if (changed) {
        hcbus_error(_("configuration reload refused, the old configuration stays in force: %s changed, "
                    "which only a restart of hcbus-coordinator applies"),
                    changed);
        snprintf(line, sizeof line, "%s changed, which only a restart of hcbus-coordinator applies", changed);
        hcbus_reload_result_record(false, line);
        hcbus_config_destroy(&fresh);
        return -1;
    }
    coord_engine_set_config(engine, fresh);
    hcbus_config_destroy(config_p);
    *config_p = fresh;
    hcbus_log_set_level(fresh->log_level);
    hcbus_notice(_("configuration reloaded: %zu institutions"), fresh->institution_count);
    snprintf(line, sizeof line, "%zu institutions", fresh->institution_count);
    hcbus_reload_result_record(true, line);
    return 0;
}
