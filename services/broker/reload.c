/* reload.c — SIGHUP: load the configuration again without a restart. A bad new file
 * is refused and the old one stays in force (the error is logged). A good one takes
 * effect at once: rights and clinical access of existing subscriptions are checked
 * again (a subscription no longer allowed is closed, and the client is refused when it
 * subscribes again), and the connections of revoked keys are closed (peers.c); their
 * handshake, when they come back, meets the new key list. The listening endpoints are
 * never touched: every other client keeps its connection, and the broker keeps
 * listening. (Unbinding and binding again, as this once did, loses the TCP port to
 * EADDRINUSE: libzmq closes the listener asynchronously.) */
#include <stdio.h>
#include <string.h>

#include "broker.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"
#include "hcbus/notify.h"
#include "hcbus/reload_result.h"

/* True if a key accepted by old is no longer accepted, or belongs to someone else. */
static bool keys_revoked(const hcbus_config_t *old, const hcbus_config_t *new)
{
    for (size_t i = 0; i < old->institution_count; i++) {
        const hcbus_institution_t *inst = &old->institutions[i];
        for (size_t k = 0; k < inst->key_count; k++) {
            const hcbus_institution_t *now = hcbus_config_find_key(new, inst->public_keys[k]);
            if (!now || strcmp(now->id, inst->id) != 0)
                return true;
        }
    }
    return false;
}

static int check_compatible(const hcbus_config_t *old, const hcbus_config_t *new, hcbus_error_t *err)
{
    if (strcmp(old->broker.publish_endpoint, new->broker.publish_endpoint) != 0 ||
        strcmp(old->broker.subscribe_endpoint, new->broker.subscribe_endpoint) != 0 ||
        strcmp(old->auditd.endpoint, new->auditd.endpoint) != 0 ||
        old->broker.max_in_flight != new->broker.max_in_flight ||
        old->broker.max_message_bytes != new->broker.max_message_bytes ||
        old->broker.handshake_ms != new->broker.handshake_ms || old->broker.heartbeat_ms != new->broker.heartbeat_ms ||
        old->broker.heartbeat_timeout_ms != new->broker.heartbeat_timeout_ms ||
        old->broker.tcp_keepalive_s != new->broker.tcp_keepalive_s)
        return hcbus_error_set(err, HCBUS_ECONFIG, "broker",
                               "endpoints, max_in_flight, max_message_bytes and the link settings (handshake_ms, "
                               "heartbeat_ms, heartbeat_timeout_ms, tcp_keepalive_s) cannot change without a restart");
    return 0;
}

void broker_reload(broker_t *self)
{
    hcbus_error_t err = {0};
    char text[1024];
    hcbus_notify_reloading();
    hcbus_config_t *config = hcbus_config_load(self->config->path, &err);
    hcbus_zones_t *zones = NULL;
    if (config && check_compatible(self->config, config, &err) == 0)
        zones = hcbus_zones_load(config->zones_file, &err);
    if (!zones) {
        hcbus_error(_("configuration reload refused, the old configuration stays in force: %s"),
                    hcbus_error_format(&err, text, sizeof text));
        hcbus_reload_result_record(false, text);
        hcbus_config_destroy(&config);
        return;
    }
    bool revoked = keys_revoked(self->config, config);
    hcbus_config_destroy(&self->config);
    hcbus_zones_destroy(&self->zones);
    self->config = config;
    self->zones = zones;
    hcbus_log_set_level(config->log_level);
    size_t closed = subscribers_revalidate(self->subscribers, config);
    subscribers_set_queue_max_bytes(self->subscribers, config->broker.subscriber_queue_max_bytes);
    size_t connections = revoked ? peers_close_revoked(self) : 0;
    hcbus_notice(_("configuration reloaded: %zu institutions; %zu subscriptions closed; keys revoked: %s, "
                 "%zu connections of revoked keys closed (any other is refused at its next request)"),
                 config->institution_count, closed, revoked ? _("yes") : _("no"), connections);
    snprintf(text, sizeof text, "%zu institutions; %zu subscriptions closed; %zu connections of revoked keys closed",
             config->institution_count, closed, connections);
    hcbus_reload_result_record(true, text);
}
