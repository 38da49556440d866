/* lastvalue.h — the last committed message of each stateful topic (zone.*), kept by
 * the broker to answer snapshot requests from late joiners. Rebuilt from the audit
 * log at start. Holds the plain encoding; zone levels carry nothing confidential, and
 * fields the schema does not know are dropped before anything is kept.
 *
 * Bounded: the catalogue's zones (country, departments, municipalities, districts) are
 * a few hundred, but communities below a district are open-ended ids, so the table
 * holds at most LASTVALUE_COMMUNITIES_MAX of them. A level for one more community is
 * refused at publish (lastvalue_reserve), before it is recorded, never dropped after;
 * catalogue zones are always kept. Lookups are binary searches in topic order, which is
 * also the order of snapshot pages. */
#ifndef BROKER_LASTVALUE_H
#define BROKER_LASTVALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hcbus/error.h"
#include "hcbus/zones.h"

#define LASTVALUE_COMMUNITIES_MAX 16384

typedef struct lastvalue lastvalue_t;

typedef struct lastvalue_entry {
    char *topic;
    uint64_t seq;
    uint8_t *bytes;          /* NULL while reserved and not yet committed */
    size_t len;
    bool community;          /* below a district: counts against the limit */
} lastvalue_entry_t;

lastvalue_t *lastvalue_new(void);
void lastvalue_destroy(lastvalue_t **self_p);

/* Forget every value and reservation (the broker turned passive, standby.h: the
 * snapshot is rebuilt from the log when it serves again). */
void lastvalue_clear(lastvalue_t *self);

/* Make room for topic (of a community zone, or of a catalogue zone) before a zone level
 * is recorded: 0 if the topic is held already or was added (empty until its first
 * commit); -1 with err (HCBUS_EINVALID, field zone.zone_id) when it is a community and
 * LASTVALUE_COMMUNITIES_MAX are held, or HCBUS_ENOMEM. */
int lastvalue_reserve(lastvalue_t *self, const char *topic, bool community, hcbus_error_t *err);

/* Keep bytes (copied) as the value of topic if seq is newer than what is held. A topic
 * not held is added (as a community) if there is room. Returns 0, or -1 (no room, or
 * out of memory). */
int lastvalue_put(lastvalue_t *self, const char *topic, uint64_t seq, const uint8_t *bytes, size_t len);

/* Keep a recorded envelope (from the audit log): decoded, its unknown fields dropped,
 * kept under its own topic and seq; zones says whether it is a community. Returns 0, or
 * -1 with err. */
int lastvalue_put_recorded(lastvalue_t *self, const hcbus_zones_t *zones, const uint8_t *bytes, size_t len,
                           hcbus_error_t *err);

/* True unless zone_id is a zone of the catalogue itself (country to district). */
bool lastvalue_is_community(const hcbus_zones_t *zones, const char *zone_id);

size_t lastvalue_count(const lastvalue_t *self);
size_t lastvalue_communities(const lastvalue_t *self);
size_t lastvalue_bytes(const lastvalue_t *self);   /* bytes of values held */

/* The index of the first entry whose topic starts with prefix (as a string) and sorts
 * after `after` ("" = no such bound); entries from there on are in topic order, and
 * those of the prefix are contiguous. Returns lastvalue_count() if none. */
size_t lastvalue_seek(const lastvalue_t *self, const char *prefix, const char *after);

/* Entry i (0..count-1), in topic order. */
const lastvalue_entry_t *lastvalue_at(const lastvalue_t *self, size_t i);

#endif
