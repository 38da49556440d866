/* config_checkpoints.h — internal: the signed tree head settings of the `auditd`
 * section (log_key_file, log_origin, checkpoint_every_events, checkpoint_every_s) for
 * config.c; hcbus-auditd uses them (services/auditd/checkpoint.c). */
#ifndef HCBUS_CONFIG_CHECKPOINTS_H
#define HCBUS_CONFIG_CHECKPOINTS_H

#include "config_read.h"

/* Read the settings from the auditd group g (absent settings keep their defaults,
 * which this sets first) and derive log_origin_rejections. Returns 0 or -1
 * with ctx->err naming file:line and the setting. */
int hcbus_config_read_checkpoints(const cfg_ctx_t *ctx, const config_setting_t *g, hcbus_auditd_config_t *a);

#endif
