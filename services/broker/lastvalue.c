/* lastvalue.c — last value per stateful topic (see lastvalue.h). A plain growable
 * array: there is one entry per zone (hundreds), written rarely and read only on
 * snapshot requests, so a linear scan costs less than the code of a map. */
#include "lastvalue.h"

#include <stdlib.h>
#include <string.h>

struct lastvalue {
    size_t count, capacity;
    lastvalue_entry_t *entries;
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

static lastvalue_entry_t *find_or_add(lastvalue_t *self, const char *topic)
{
    for (size_t i = 0; i < self->count; i++)
        if (strcmp(self->entries[i].topic, topic) == 0)
            return &self->entries[i];
    if (self->count == self->capacity) {
        size_t capacity = self->capacity ? self->capacity * 2 : 64;
        lastvalue_entry_t *grown = realloc(self->entries, capacity * sizeof *grown);
        if (!grown)
            return NULL;
        self->entries = grown;
        self->capacity = capacity;
    }
    lastvalue_entry_t *entry = &self->entries[self->count];
    *entry = (lastvalue_entry_t){.topic = strdup(topic)};
    if (!entry->topic)
        return NULL;
    self->count++;
    return entry;
}

int lastvalue_put(lastvalue_t *self, const char *topic, uint64_t seq, const uint8_t *bytes, size_t len)
{
    lastvalue_entry_t *entry = find_or_add(self, topic);
    if (!entry)
        return -1;
    if (entry->bytes && entry->seq >= seq)
        return 0;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return -1;
    memcpy(copy, bytes, len);
    free(entry->bytes);
    entry->bytes = copy;
    entry->len = len;
    entry->seq = seq;
    return 0;
}

size_t lastvalue_count(const lastvalue_t *self) { return self->count; }
const lastvalue_entry_t *lastvalue_at(const lastvalue_t *self, size_t i) { return &self->entries[i]; }
