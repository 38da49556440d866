/* timers.c — the engine's due times as a binary min-heap ordered by (due_us, kind,
 * seq). Nothing here knows what an entry means; overdue.c and zones_state.c do. */
#include "timers.h"

#include <stdbool.h>
#include <stdlib.h>

#define TIMERS_INITIAL_CAPACITY 64

static bool before(const coord_timer_t *a, const coord_timer_t *b)
{
    if (a->due_us != b->due_us)
        return a->due_us < b->due_us;
    if (a->kind != b->kind)
        return a->kind < b->kind;
    return a->seq < b->seq;
}

static void swap(coord_timer_t *a, coord_timer_t *b)
{
    coord_timer_t t = *a;
    *a = *b;
    *b = t;
}

int coord_timers_push(coord_timers_t *self, int64_t due_us, coord_timer_kind_t kind, uint64_t seq)
{
    if (self->count == self->capacity) {
        size_t capacity = self->capacity ? self->capacity * 2 : TIMERS_INITIAL_CAPACITY;
        coord_timer_t *items = realloc(self->items, capacity * sizeof *items);
        if (!items)
            return -1;
        self->items = items;
        self->capacity = capacity;
    }
    size_t i = self->count++;
    self->items[i] = (coord_timer_t){.due_us = due_us, .kind = kind, .seq = seq};
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&self->items[i], &self->items[parent]))
            break;
        swap(&self->items[i], &self->items[parent]);
        i = parent;
    }
    return 0;
}

const coord_timer_t *coord_timers_peek(const coord_timers_t *self)
{
    return self->count ? &self->items[0] : NULL;
}

int coord_timers_pop(coord_timers_t *self, coord_timer_t *out)
{
    if (self->count == 0)
        return -1;
    *out = self->items[0];
    self->items[0] = self->items[--self->count];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, min = i;
        if (l < self->count && before(&self->items[l], &self->items[min]))
            min = l;
        if (r < self->count && before(&self->items[r], &self->items[min]))
            min = r;
        if (min == i)
            break;
        swap(&self->items[i], &self->items[min]);
        i = min;
    }
    return 0;
}

void coord_timers_clear(coord_timers_t *self)
{
    free(self->items);
    self->items = NULL;
    self->count = self->capacity = 0;
}
