/* check_config.c — the shared part of every service's `--check-config` (see
 * include/hcbus/check_config.h): the start-up files checked without side effects, and
 * the report. Which files a service reads is the service's own check.c. */
#include "hcbus/check_config.h"

#include "hcbus/i18n.h"
#include "hcbus/keys.h"
#include "hcbus/zones.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

void hcbus_check_config_add(hcbus_config_errors_t *errors, const char *setting, const hcbus_error_t *err)
{
    hcbus_error_t copy = *err;
    if (setting && *setting)
        snprintf(copy.message, sizeof copy.message, "%s: %.*s", setting,
                 (int)(sizeof copy.message - strlen(setting) - 3), err->message);
    hcbus_config_errors_add(errors, &copy);
}

void hcbus_check_config_keypair(hcbus_config_errors_t *errors, const char *setting, const char *path)
{
    if (!path || !*path)
        return;
    hcbus_keypair_t kp;
    hcbus_error_t err;
    if (hcbus_keypair_load(path, &kp, &err) < 0)
        hcbus_check_config_add(errors, setting, &err);
    sodium_memzero(&kp, sizeof kp);
}

void hcbus_check_config_public_key(hcbus_config_errors_t *errors, const char *setting, const char *path)
{
    if (!path || !*path)
        return;
    char key[HCBUS_Z85_KEY_LEN + 1];
    hcbus_error_t err;
    if (hcbus_public_key_load(path, key, &err) < 0)
        hcbus_check_config_add(errors, setting, &err);
}

void hcbus_check_config_zones(hcbus_config_errors_t *errors, const char *path)
{
    hcbus_error_t err;
    hcbus_zones_t *zones = hcbus_zones_load(path, &err);
    if (!zones)
        hcbus_check_config_add(errors, "zones_file", &err);
    hcbus_zones_destroy(&zones);
}

static void print_error(const hcbus_error_t *e, FILE *err_out)
{
    if (e->field[0])
        fprintf(err_out, "%s: %s\n", e->field, e->message);
    else
        fprintf(err_out, "%s\n", e->message);
    if (e->hint[0])
        fprintf(err_out, "  %s %s\n", _("hint:"), e->hint);
}

int hcbus_check_config_report(const char *program, const char *path, const hcbus_config_errors_t *errors,
                              FILE *out, FILE *err_out)
{
    for (size_t i = 0; i < errors->count; i++)
        print_error(&errors->items[i], err_out);
    if (errors->dropped)
        fprintf(err_out, _("... and %zu more errors, not shown\n"), errors->dropped);
    size_t total = errors->count + errors->dropped;
    if (total == 0) {
        fprintf(out, _("%s: the configuration %s is valid\n"), program, path);
        return HCBUS_CHECK_CONFIG_VALID;
    }
    fprintf(err_out, _("%s: the configuration %s is not valid: errors found: %zu\n"), program, path, total);
    return HCBUS_CHECK_CONFIG_INVALID;
}

int hcbus_check_config_run(const char *program, const char *path, hcbus_check_config_fn *check, void *arg)
{
    hcbus_config_errors_t *errors = calloc(1, sizeof *errors);
    if (!errors || sodium_init() < 0) {
        free(errors);
        return HCBUS_CHECK_CONFIG_INVALID;
    }
    hcbus_config_t *cfg = hcbus_config_check(path, errors);
    check(errors, cfg, arg);
    int rc = hcbus_check_config_report(program, path, errors, stdout, stderr);
    hcbus_config_destroy(&cfg);
    free(errors);
    return rc;
}
