/* config_institutions.h — internal: reading the `institutions` list of the config
 * file (ids, names, roles, public keys or key files, own grants) for config.c. */
#ifndef HCBUS_CONFIG_INSTITUTIONS_H
#define HCBUS_CONFIG_INSTITUTIONS_H

#include "config_read.h"

/* Read root's `institutions` (optional; may be empty) into c, using c->roles for the
 * role defaults. Returns 0 or -1 with ctx->err set. */
int hcbus_config_read_institutions(const cfg_ctx_t *ctx, const config_setting_t *root,
                                   hcbus_config_t *c);

#endif
