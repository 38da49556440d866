/* lastvalue.c — last value per stateful topic (see lastvalue.h). A sorted array of
 * entries: lookups are binary searches, a new topic is one memmove (once per zone, so
 * a bounded number of times), and a snapshot page is a contiguous run from a binary
 * search. */
#include "lastvalue.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/codec.h"
#include "hcbus/topic.h"

struct lastvalue {
    size_t count, capacity, bytes, communities;
    lastvalue_entry_t *entries;   /* sorted by topic (strcmp) */
};

lastvalue_t *lastvalue_new(void) { return calloc(1, sizeof(lastvalue_t)); }

void lastvalue_destroy(lastvalue_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    lastvalue_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++) {
        free(self->entries[i].topic);
        free(self->entries[i].bytes);
    }
    free(self->entries);
    free(self);
    *self_p = NULL;
}

void lastvalue_clear(lastvalue_t *self)
{
    for (size_t i = 0; i < self->count; i++) {
        free(self->entries[i].topic);
        free(self->entries[i].bytes);
    }
    self->count = self->bytes = self->communities = 0;
}

/* The index of the first entry whose topic is >= topic (> topic if strictly). */
static size_t lower_bound(const lastvalue_t *self, const char *topic, bool strictly)
{
    size_t lo = 0, hi = self->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(self->entries[mid].topic, topic);
        if (c < 0 || (strictly && c == 0))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static lastvalue_entry_t *find(lastvalue_t *self, const char *topic, size_t *at)
{
    size_t i = lower_bound(self, topic, false);
    *at = i;
    return i < self->count && strcmp(self->entries[i].topic, topic) == 0 ? &self->entries[i] : NULL;
}

/* Insert an empty entry for topic at index i. NULL when full or out of memory. */
static lastvalue_entry_t *insert_at(lastvalue_t *self, size_t i, const char *topic, bool community)
{
    if (community && self->communities >= LASTVALUE_COMMUNITIES_MAX)
        return NULL;
    if (self->count == self->capacity) {
        size_t capacity = self->capacity ? self->capacity * 2 : 64;
        lastvalue_entry_t *grown = realloc(self->entries, capacity * sizeof *grown);
        if (!grown)
            return NULL;
        self->entries = grown;
        self->capacity = capacity;
    }
    char *copy = strdup(topic);
    if (!copy)
        return NULL;
    memmove(&self->entries[i + 1], &self->entries[i], (self->count - i) * sizeof *self->entries);
    self->entries[i] = (lastvalue_entry_t){.topic = copy, .community = community};
    self->count++;
    self->communities += community;
    return &self->entries[i];
}

int lastvalue_reserve(lastvalue_t *self, const char *topic, bool community, hcbus_error_t *err)
{
    size_t at;
    if (find(self, topic, &at))
        return 0;
    if (community && self->communities >= LASTVALUE_COMMUNITIES_MAX) {
        hcbus_error_set(err, HCBUS_EINVALID, "zone.zone_id",
                        "the broker keeps the levels of %d communities at most, and \"%s\" would be one more",
                        LASTVALUE_COMMUNITIES_MAX, topic);
        return hcbus_error_hint(err, "Publish the level of the district, or of a community that has one already.");
    }
    if (!insert_at(self, at, topic, community))
        return hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory keeping the level of %s", topic);
    return 0;
}

int lastvalue_put(lastvalue_t *self, const char *topic, uint64_t seq, const uint8_t *bytes, size_t len)
{
    size_t at;
    lastvalue_entry_t *entry = find(self, topic, &at);
    if (!entry && !(entry = insert_at(self, at, topic, true)))
        return -1;
    if (entry->bytes && entry->seq >= seq)
        return 0;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return -1;
    memcpy(copy, bytes, len);
    self->bytes = self->bytes - entry->len + len;
    free(entry->bytes);
    entry->bytes = copy;
    entry->len = len;
    entry->seq = seq;
    return 0;
}

int lastvalue_put_recorded(lastvalue_t *self, const hcbus_zones_t *zones, const uint8_t *bytes, size_t len,
                           hcbus_error_t *err)
{
    Hcbus__Envelope *env = hcbus_envelope_decode(bytes, len, 0, err);
    if (!env)
        return -1;
    int rc = 0;
    uint8_t *clean = NULL;
    size_t clean_len = 0;
    if (hcbus_envelope_kind(env) != HCBUS_KIND_ZONE) {
        rc = hcbus_error_set(err, HCBUS_EINVALID, "topic", "seq %llu is not a zone level",
                             (unsigned long long)env->seq);
    } else if (hcbus_message_drop_unknown(&env->base) > 0 && hcbus_encode(&env->base, &clean, &clean_len, err) != 0) {
        rc = -1;
    } else if (lastvalue_reserve(self, env->topic, lastvalue_is_community(zones, env->zone->zone_id), err) != 0 ||
               lastvalue_put(self, env->topic, env->seq, clean ? clean : bytes, clean ? clean_len : len) != 0) {
        rc = -1;
    }
    free(clean);
    hcbus_envelope_free(env);
    return rc;
}

bool lastvalue_is_community(const hcbus_zones_t *zones, const char *zone_id)
{
    hcbus_zone_level_t level = hcbus_zones_lookup(zones, zone_id);
    return level == HCBUS_ZONE_COMMUNITY || level == HCBUS_ZONE_UNKNOWN;
}

size_t lastvalue_count(const lastvalue_t *self) { return self->count; }
size_t lastvalue_communities(const lastvalue_t *self) { return self->communities; }
size_t lastvalue_bytes(const lastvalue_t *self) { return self->bytes; }

size_t lastvalue_seek(const lastvalue_t *self, const char *prefix, const char *after)
{
    size_t i = lower_bound(self, prefix, false);
    if (after && after[0]) {
        size_t j = lower_bound(self, after, true);
        if (j > i)
            i = j;
    }
    return i;
}

const lastvalue_entry_t *lastvalue_at(const lastvalue_t *self, size_t i) { return &self->entries[i]; }
