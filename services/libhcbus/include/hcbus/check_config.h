/* check_config.h — what every service's `--check-config FILE` shares (like `nginx -t`):
 * the files a service reads at start besides the config (key files, the zone
 * catalogue), checked without opening a socket or the database, their errors added
 * to the config's (hcbus_config_check), and the report: every error on its own line,
 * "file:line setting: message", its hint below, then the verdict. */
#ifndef HCBUS_CHECK_CONFIG_H
#define HCBUS_CHECK_CONFIG_H

#include <stdio.h>

#include "hcbus/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The exit status of `--check-config`: the configuration is valid, or not. */
#define HCBUS_CHECK_CONFIG_VALID 0
#define HCBUS_CHECK_CONFIG_INVALID 1

/* Add err to errors, its message prefixed by the setting that names the file
 * ("broker.secret_key_file: ..."); setting may be NULL. */
void hcbus_check_config_add(hcbus_config_errors_t *errors, const char *setting, const hcbus_error_t *err);

/* Load the key pair in path (the service's own secret key file), wipe it, add any
 * error naming setting. Nothing is checked when path is empty (already an error). */
void hcbus_check_config_keypair(hcbus_config_errors_t *errors, const char *setting, const char *path);

/* Read the public key in path (a .pub or secret key file), as above. */
void hcbus_check_config_public_key(hcbus_config_errors_t *errors, const char *setting, const char *path);

/* Load the zone catalogue in path (zones_file), as above. */
void hcbus_check_config_zones(hcbus_config_errors_t *errors, const char *path);

/* Print every error to err_out, then the verdict ("program: the configuration FILE is
 * valid" to out, or "program: N errors in FILE" to err_out). Returns
 * HCBUS_CHECK_CONFIG_VALID or HCBUS_CHECK_CONFIG_INVALID, the exit status. */
int hcbus_check_config_report(const char *program, const char *path, const hcbus_config_errors_t *errors,
                              FILE *out, FILE *err_out);

/* A service's own checks, after the config was read: the files it reads at start, each
 * error added to errors. cfg is NULL when the file could not be read (its errors are
 * already in errors); arg is the caller's. */
typedef void hcbus_check_config_fn(hcbus_config_errors_t *errors, const hcbus_config_t *cfg, void *arg);

/* The whole `--check-config FILE` of a service: read path as it would at start
 * (hcbus_config_check), run check, print the report (hcbus_check_config_report to
 * stdout/stderr). Returns the exit status. */
int hcbus_check_config_run(const char *program, const char *path, hcbus_check_config_fn *check, void *arg);

#ifdef __cplusplus
}
#endif
#endif
