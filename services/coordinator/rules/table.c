/* table.c — a string-keyed hash table with separate chaining (FNV-1a hash, doubling
 * when the load passes one key per bucket). Used only by the coordinator engine; the
 * values belong to the caller. */
#include "table.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TABLE_INITIAL_BUCKETS 64

typedef struct entry {
    struct entry *next;
    uint64_t hash;
    void *value;
    char key[]; /* NUL-terminated copy */
} entry_t;

struct coord_table {
    entry_t **buckets;
    size_t bucket_count; /* a power of two */
    size_t size;
};

static uint64_t hash_key(const char *key)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h ^= *p;
        h *= UINT64_C(1099511628211);
    }
    return h;
}

coord_table_t *coord_table_new(void)
{
    coord_table_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->buckets = calloc(TABLE_INITIAL_BUCKETS, sizeof *self->buckets);
    if (!self->buckets) {
        free(self);
        return NULL;
    }
    self->bucket_count = TABLE_INITIAL_BUCKETS;
    return self;
}

void coord_table_destroy(coord_table_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    coord_table_t *self = *self_p;
    for (size_t i = 0; i < self->bucket_count; i++) {
        entry_t *e = self->buckets[i];
        while (e) {
            entry_t *next = e->next;
            free(e);
            e = next;
        }
    }
    free(self->buckets);
    free(self);
    *self_p = NULL;
}

static entry_t **find_slot(const coord_table_t *self, const char *key, uint64_t hash)
{
    entry_t **slot = &self->buckets[hash & (self->bucket_count - 1)];
    while (*slot && ((*slot)->hash != hash || strcmp((*slot)->key, key) != 0))
        slot = &(*slot)->next;
    return slot;
}

void *coord_table_get(const coord_table_t *self, const char *key)
{
    entry_t **slot = find_slot(self, key, hash_key(key));
    return *slot ? (*slot)->value : NULL;
}

/* Double the buckets; on failure the table simply stays at its size (slower, correct). */
static void grow(coord_table_t *self)
{
    size_t count = self->bucket_count * 2;
    entry_t **buckets = calloc(count, sizeof *buckets);
    if (!buckets)
        return;
    for (size_t i = 0; i < self->bucket_count; i++) {
        entry_t *e = self->buckets[i];
        while (e) {
            entry_t *next = e->next;
            entry_t **head = &buckets[e->hash & (count - 1)];
            e->next = *head;
            *head = e;
            e = next;
        }
    }
    free(self->buckets);
    self->buckets = buckets;
    self->bucket_count = count;
}

int coord_table_put(coord_table_t *self, const char *key, void *value)
{
    uint64_t hash = hash_key(key);
    entry_t **slot = find_slot(self, key, hash);
    if (*slot) {
        (*slot)->value = value;
        return 0;
    }
    size_t len = strlen(key);
    entry_t *e = malloc(sizeof *e + len + 1);
    if (!e)
        return -1;
    e->next = NULL;
    e->hash = hash;
    e->value = value;
    memcpy(e->key, key, len + 1);
    *slot = e;
    self->size++;
    if (self->size > self->bucket_count)
        grow(self);
    return 0;
}

void *coord_table_remove(coord_table_t *self, const char *key)
{
    entry_t **slot = find_slot(self, key, hash_key(key));
    entry_t *e = *slot;
    if (!e)
        return NULL;
    void *value = e->value;
    *slot = e->next;
    free(e);
    self->size--;
    return value;
}

size_t coord_table_size(const coord_table_t *self)
{
    return self->size;
}
