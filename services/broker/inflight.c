/* inflight.c — the bounded table of messages awaiting commit (see inflight.h). Tokens
 * carry the slot index in their low 32 bits and a per-slot generation above, so a
 * late answer for a reused slot is recognised as stale without a search. */
#include "inflight.h"

#include <stdio.h>
#include <stdlib.h>

struct inflight {
    size_t capacity;
    size_t count;
    inflight_slot_t *slots;
    uint32_t *free_stack;       /* indexes of free slots */
    size_t free_top;
    uint32_t *generation;       /* per slot, bumped at each take */
};

inflight_t *inflight_new(size_t capacity)
{
    inflight_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->capacity = capacity;
    self->slots = calloc(capacity, sizeof *self->slots);
    self->free_stack = calloc(capacity, sizeof *self->free_stack);
    self->generation = calloc(capacity, sizeof *self->generation);
    if (!self->slots || !self->free_stack || !self->generation) {
        inflight_destroy(&self);
        return NULL;
    }
    for (size_t i = 0; i < capacity; i++)
        self->free_stack[i] = (uint32_t)(capacity - 1 - i);
    self->free_top = capacity;
    return self;
}

void inflight_destroy(inflight_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    inflight_t *self = *self_p;
    for (size_t i = 0; self->slots && i < self->capacity; i++)
        if (self->slots[i].token)
            inflight_release(self, &self->slots[i]);
    free(self->slots);
    free(self->free_stack);
    free(self->generation);
    free(self);
    *self_p = NULL;
}

inflight_slot_t *inflight_take(inflight_t *self)
{
    if (self->free_top == 0)
        return NULL;
    uint32_t index = self->free_stack[--self->free_top];
    inflight_slot_t *slot = &self->slots[index];
    uint32_t generation = ++self->generation[index];
    *slot = (inflight_slot_t){0};
    slot->token = ((uint64_t)generation << 32) | index;
    self->count++;
    return slot;
}

inflight_slot_t *inflight_find(inflight_t *self, uint64_t token)
{
    uint64_t index = token & 0xffffffffu;
    if (token == 0 || index >= self->capacity)
        return NULL;
    inflight_slot_t *slot = &self->slots[index];
    return slot->token == token ? slot : NULL;
}

void inflight_release(inflight_t *self, inflight_slot_t *slot)
{
    if (!slot->token)
        return;
    uint32_t index = (uint32_t)(slot->token & 0xffffffffu);
    free(slot->plain);
    free(slot->redacted);
    hcbus_envelope_free(slot->notice);
    *slot = (inflight_slot_t){0};
    self->free_stack[self->free_top++] = index;
    self->count--;
}

size_t inflight_count(const inflight_t *self) { return self->count; }
size_t inflight_capacity(const inflight_t *self) { return self->capacity; }
inflight_slot_t *inflight_at(inflight_t *self, size_t i) { return &self->slots[i]; }
