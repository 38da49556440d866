/* check.h — `hcbus-report --check-config FILE`: everything hcbus-report reads at start
 * (the configuration and its report section, the secret, the zone catalogue, the
 * gateway's key pair, the broker's public key), checked without listening, connecting
 * to the broker or to PostgreSQL. */
#ifndef HCBUS_REPORT_CHECK_H
#define HCBUS_REPORT_CHECK_H

/* Returns the exit status: 0 valid, 1 not (HCBUS_CHECK_CONFIG_*). */
int report_check_config(const char *path);

#endif
