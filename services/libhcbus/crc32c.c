/* crc32c.c — CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), byte-wise with a
 * table built once. It checks the outbox's records (outbox.c): the records are small
 * and written once, so a table is fast enough and needs no CPU-specific code. */
#include <pthread.h>

#include "crc32c.h"

#define CRC32C_POLY 0x82F63B78u

static uint32_t table[256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_build(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ CRC32C_POLY : c >> 1;
        table[i] = c;
    }
}

uint32_t hcbus_crc32c(uint32_t crc, const void *data, size_t len)
{
    pthread_once(&table_once, table_build);
    const uint8_t *p = data;
    crc = ~crc;
    while (len--)
        crc = table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return ~crc;
}
