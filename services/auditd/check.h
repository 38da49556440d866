/* check.h — `hcbus-auditd --check-config FILE`: everything auditd reads at start (the
 * configuration, its key pair, the broker's public key, the log signer key, the
 * migrations directory), checked without connecting to PostgreSQL or binding. */
#ifndef HCBUS_AUDITD_CHECK_H
#define HCBUS_AUDITD_CHECK_H

/* broker_key: --broker-key, or NULL when not given (then an error, as at start).
 * Returns the exit status: 0 valid, 1 not (HCBUS_CHECK_CONFIG_*). */
int auditd_check_config(const char *path, const char *broker_key);

#endif
