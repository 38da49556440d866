/* check.h — `hcbus-coordinator --check-config FILE`: everything the coordinator reads
 * at start (the configuration and its coordinator section, the zone catalogue, its key
 * pair, the broker's public key), checked without connecting to the broker. */
#ifndef HCBUS_COORDINATOR_CHECK_H
#define HCBUS_COORDINATOR_CHECK_H

/* Returns the exit status: 0 valid, 1 not (HCBUS_CHECK_CONFIG_*). */
int coord_check_config(const char *path);

#endif
