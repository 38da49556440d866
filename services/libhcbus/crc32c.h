/* crc32c.h — CRC-32C (Castagnoli), the checksum of the outbox's records (outbox.c).
 * Internal to libhcbus. */
#ifndef HCBUS_CRC32C_H
#define HCBUS_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC-32C over len bytes: start with crc 0, feed the pieces in order. */
uint32_t hcbus_crc32c(uint32_t crc, const void *data, size_t len);

#endif
