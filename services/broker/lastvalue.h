/* lastvalue.h — the last committed message of each stateful topic (zone.*), kept by
 * the broker to answer snapshot requests from late joiners. Rebuilt from the audit
 * log at start. Holds the plain (unredacted) encoding; zone levels carry nothing
 * confidential. */
#ifndef BROKER_LASTVALUE_H
#define BROKER_LASTVALUE_H

#include <stddef.h>
#include <stdint.h>

typedef struct lastvalue lastvalue_t;

typedef struct lastvalue_entry {
    char *topic;
    uint64_t seq;
    uint8_t *bytes;
    size_t len;
} lastvalue_entry_t;

lastvalue_t *lastvalue_new(void);
void lastvalue_destroy(lastvalue_t **self_p);

/* Keep bytes (copied) as the value of topic if seq is newer than what is held.
 * Returns 0 or -1 on allocation failure. */
int lastvalue_put(lastvalue_t *self, const char *topic, uint64_t seq, const uint8_t *bytes, size_t len);

/* Entry i (0..count-1), for listing under a prefix. */
size_t lastvalue_count(const lastvalue_t *self);
const lastvalue_entry_t *lastvalue_at(const lastvalue_t *self, size_t i);

#endif
