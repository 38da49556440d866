/* check.c — `hcbus-broker --check-config FILE` (see check.h): the files broker_new
 * reads, read the same way, but nothing bound. */
#include "check.h"

#include <sodium.h>
#include <stdlib.h>

#include "broker.h"
#include "hcbus/check_config.h"

static void check_files(hcbus_config_errors_t *errors, const hcbus_config_t *cfg, void *arg)
{
    (void)arg;
    if (!cfg)
        return;
    char audit_key[HCBUS_PATH_MAX + 8];
    broker_audit_key_path(cfg, audit_key, sizeof audit_key);
    hcbus_check_config_zones(errors, cfg->zones_file);
    hcbus_check_config_keypair(errors, "broker.secret_key_file", cfg->broker.secret_key_file);
    if (cfg->auditd.secret_key_file[0])
        hcbus_check_config_public_key(errors, "auditd.secret_key_file (its .pub)", audit_key);
}

int broker_check_config(const char *path)
{
    return hcbus_check_config_run("hcbus-broker", path, check_files, NULL);
}
