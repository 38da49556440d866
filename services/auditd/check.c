/* check.c — `hcbus-auditd --check-config FILE` (see check.h): the files main.c's run()
 * reads before it opens the database, read the same way. */
#include "check.h"

#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/check_config.h"
#include "hcbus/i18n.h"
#include "log_key.h"

static void check_log_key(hcbus_config_errors_t *errors, const char *path)
{
    if (!path[0])
        return;   /* heads unsigned: a warning at start, not an error */
    hcbus_tlog_signer_t signer;
    hcbus_error_t err;
    if (auditd_log_key_load(path, &signer, &err) < 0)
        hcbus_check_config_add(errors, "auditd.log_key_file", &err);
    sodium_memzero(&signer, sizeof signer);
}

static void check_migrations(hcbus_config_errors_t *errors, const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        closedir(d);
        return;
    }
    hcbus_error_t err;
    hcbus_error_set(&err, HCBUS_ECONFIG, dir, _("cannot read the migrations directory: %s"), strerror(errno));
    hcbus_check_config_add(errors, "auditd.migrations_dir", &err);
}

static void check_files(hcbus_config_errors_t *errors, const hcbus_config_t *cfg, void *arg)
{
    const char *broker_key = arg;
    if (cfg) {
        hcbus_check_config_keypair(errors, "auditd.secret_key_file", cfg->auditd.secret_key_file);
        check_log_key(errors, cfg->auditd.log_key_file);
        check_migrations(errors, cfg->auditd.migrations_dir);
    }
    if (broker_key) {
        hcbus_check_config_public_key(errors, "--broker-key", broker_key);
    } else {
        hcbus_error_t err;
        hcbus_error_set(&err, HCBUS_ECONFIG, "--broker-key",
                        _("the broker's public key is needed: give --broker-key FILE"));
        hcbus_config_errors_add(errors, &err);
    }
}

int auditd_check_config(const char *path, const char *broker_key)
{
    return hcbus_check_config_run("hcbus-auditd", path, check_files, (void *)broker_key);
}
