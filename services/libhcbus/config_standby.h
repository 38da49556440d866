/* config_standby.h — internal: the standby pair settings of the `auditd` section
 * (standby, standby_poll_ms, node_name) for config.c; hcbus-auditd (services/auditd/
 * server.c) and hcbus-broker (the hello's repetition) use them. */
#ifndef HCBUS_CONFIG_STANDBY_H
#define HCBUS_CONFIG_STANDBY_H

#include "config_read.h"

#define HCBUS_STANDBY_POLL_MS_DEFAULT 500u
#define HCBUS_STANDBY_POLL_MS_MIN 50u
#define HCBUS_STANDBY_POLL_MS_MAX 60000u

/* Read the settings from the auditd group g (absent settings keep their defaults,
 * which this sets first: standby off, 500 ms, the host name). Returns 0 or -1 with
 * ctx->err naming file:line and the setting. */
int hcbus_config_read_standby(const cfg_ctx_t *ctx, const config_setting_t *g, hcbus_auditd_config_t *a);

#endif
