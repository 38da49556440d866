/* check.c — `hcbus-report --check-config FILE` (see check.h): what main.c and the
 * release pipeline read at start, read the same way, nothing opened. */
#include "check.h"

#include <sodium.h>
#include <stdlib.h>

#include "hcbus/check_config.h"
#include "secret.h"

static void check_secret(hcbus_config_errors_t *errors, const char *path)
{
    if (!path[0])
        return;
    unsigned char secret[SECRET_BYTES];
    hcbus_error_t err;
    if (secret_load(path, secret, &err) != 0)
        hcbus_check_config_add(errors, "report.secret_file", &err);
    sodium_memzero(secret, sizeof secret);
}

static void check_files(hcbus_config_errors_t *errors, const hcbus_config_t *cfg, void *arg)
{
    (void)arg;
    if (!cfg)
        return;
    hcbus_error_t err;
    if (errors->count == 0 && hcbus_config_require_report(cfg, &err) != 0)
        hcbus_config_errors_add(errors, &err);
    const hcbus_report_config_t *r = &cfg->report;
    hcbus_check_config_zones(errors, cfg->zones_file);
    check_secret(errors, r->secret_file);
    hcbus_check_config_keypair(errors, "report.secret_key_file", r->secret_key_file);
    hcbus_check_config_public_key(errors, "report.broker_public_key_file", r->broker_public_key_file);
}

int report_check_config(const char *path)
{
    return hcbus_check_config_run("hcbus-report", path, check_files, NULL);
}
