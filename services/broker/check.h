/* check.h — `hcbus-broker --check-config FILE`: everything the broker reads at start
 * (the configuration, the zone catalogue, its key pair, auditd's public key), checked
 * without opening a socket; every error printed. */
#ifndef HCBUS_BROKER_CHECK_H
#define HCBUS_BROKER_CHECK_H

/* Returns the exit status: 0 valid, 1 not (HCBUS_CHECK_CONFIG_*). */
int broker_check_config(const char *path);

#endif
