/* check.c — `hcbus-coordinator --check-config FILE` (see check.h): what main.c and
 * coord_bus_new read, read the same way, nothing connected. */
#include "check.h"

#include <sodium.h>
#include <stdlib.h>

#include "hcbus/check_config.h"

int coord_check_config(const char *path)
{
    hcbus_config_errors_t *errors = calloc(1, sizeof *errors);
    if (!errors || sodium_init() < 0) {
        free(errors);
        return HCBUS_CHECK_CONFIG_INVALID;
    }
    hcbus_config_t *cfg = hcbus_config_check(path, errors);
    hcbus_error_t err;
    if (cfg && errors->count == 0 && hcbus_config_require_coordinator(cfg, &err) < 0)
        hcbus_config_errors_add(errors, &err);
    if (cfg) {
        const hcbus_coordinator_config_t *k = &cfg->coordinator;
        hcbus_check_config_zones(errors, cfg->zones_file);
        hcbus_check_config_keypair(errors, "coordinator.secret_key_file", k->secret_key_file);
        hcbus_check_config_public_key(errors, "coordinator.broker_public_key_file", k->broker_public_key_file);
    }
    int rc = hcbus_check_config_report("hcbus-coordinator", path, errors, stdout, stderr);
    hcbus_config_destroy(&cfg);
    free(errors);
    return rc;
}
