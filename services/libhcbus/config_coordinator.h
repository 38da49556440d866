/* config_coordinator.h — internal: reading the optional `coordinator` section of the
 * config file (hcbus-coordinator's identity, endpoints and rule times) for config.c. */
#ifndef HCBUS_CONFIG_COORDINATOR_H
#define HCBUS_CONFIG_COORDINATOR_H

#include "config_read.h"

/* Read root's `coordinator` group, if there is one, into c->coordinator (defaults
 * for what it leaves out; endpoints from c->broker), after the institutions: the
 * institution it names must be listed and hold the coordinator role. Returns 0 (also
 * when the section is absent: present stays false) or -1 with ctx->err set. */
int hcbus_config_read_coordinator(const cfg_ctx_t *ctx, const config_setting_t *root, hcbus_config_t *c);

#endif
