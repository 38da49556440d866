/* check.c — `hcbus-coordinator --check-config FILE` (see check.h): what main.c and
 * coord_bus_new read, read the same way, nothing connected. */
#include "check.h"

#include <sodium.h>
#include <stdlib.h>

#include "hcbus/check_config.h"

static void check_files(hcbus_config_errors_t *errors, const hcbus_config_t *cfg, void *arg)
{
    (void)arg;
    if (!cfg)
        return;
    hcbus_error_t err;
    if (errors->count == 0 && hcbus_config_require_coordinator(cfg, &err) < 0)
        hcbus_config_errors_add(errors, &err);
    const hcbus_coordinator_config_t *k = &cfg->coordinator;
    hcbus_check_config_zones(errors, cfg->zones_file);
    hcbus_check_config_keypair(errors, "coordinator.secret_key_file", k->secret_key_file);
    hcbus_check_config_public_key(errors, "coordinator.broker_public_key_file", k->broker_public_key_file);
}

int coord_check_config(const char *path)
{
    return hcbus_check_config_run("hcbus-coordinator", path, check_files, NULL);
}
