/* config_report.h — internal: reading the optional `report` section of the config file
 * (hcbus-report: its gateway identity, where it listens, its database role, its
 * secret and its limits) for config.c. */
#ifndef HCBUS_CONFIG_REPORT_H
#define HCBUS_CONFIG_REPORT_H

#include "config_read.h"

/* Read root's `report` group, if there is one, into c->report (defaults for what it
 * leaves out; publish_endpoint from c->broker), after the institutions: the
 * institution it names must be listed and hold the anonymous_gateway role. Returns 0
 * (also when the section is absent: present stays false) or -1 with ctx->err set. */
int hcbus_config_read_report(const cfg_ctx_t *ctx, const config_setting_t *root, hcbus_config_t *c);

#endif
