/* table.h — internal: a string-keyed hash table (separate chaining, grows by doubling)
 * for the coordinator engine's indexes: requests by request_id, escorts by escort_id,
 * objects by seq, effect ids already done. It owns copies of its keys, never its
 * values. No iteration order is promised; nothing in the engine depends on one. */
#ifndef COORD_TABLE_H
#define COORD_TABLE_H

#include <stddef.h>

typedef struct coord_table coord_table_t;

/* A new empty table, or NULL when out of memory. */
coord_table_t *coord_table_new(void);

/* Free the table and its key copies (not the values) and set *self_p to NULL.
 * NULL-safe. */
void coord_table_destroy(coord_table_t **self_p);

/* The value stored under key, or NULL. */
void *coord_table_get(const coord_table_t *self, const char *key);

/* Store value under key (a copy of key is kept), replacing any value there. Returns
 * 0, or -1 when out of memory (the table is unchanged then). */
int coord_table_put(coord_table_t *self, const char *key, void *value);

/* Remove key; returns the value it had, or NULL if absent. */
void *coord_table_remove(coord_table_t *self, const char *key);

/* Number of keys. */
size_t coord_table_size(const coord_table_t *self);

#endif
