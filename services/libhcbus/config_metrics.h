/* config_metrics.h — internal: the `metrics_listen` setting of the broker, auditd and
 * coordinator sections for config.c and config_coordinator.c (docs/operations.md,
 * "Monitoring"). */
#ifndef HCBUS_CONFIG_METRICS_H
#define HCBUS_CONFIG_METRICS_H

#include "config_read.h"

/* The documented defaults: localhost, one port per service. */
#define HCBUS_METRICS_LISTEN_BROKER "127.0.0.1:9701"
#define HCBUS_METRICS_LISTEN_AUDITD "127.0.0.1:9703"
#define HCBUS_METRICS_LISTEN_COORDINATOR "127.0.0.1:9704"

/* Read group g's metrics_listen into m (m->listen holds the default beforehand): "" or
 * "off" turn the endpoint off, otherwise ADDR:PORT (hcbus/listen.h). Sets m->given
 * when the setting is present. Returns 0 or -1 with ctx->err naming file:line. */
int hcbus_config_read_metrics(const cfg_ctx_t *ctx, const config_setting_t *g, hcbus_metrics_config_t *m);

#endif
