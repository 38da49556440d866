/* timers.h — internal: the engine's due times (overdue deadlines, level expiries) as a
 * binary min-heap of (due_us, kind, seq). An entry names its object by kind and seq
 * only; the engine looks the object up when the entry fires and skips it if the object
 * is gone or already decided (entries are never removed early). Ties are broken by
 * kind, then seq, so that firing order is the same in every run. */
#ifndef COORD_TIMERS_H
#define COORD_TIMERS_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    COORD_TIMER_ACCEPT = 1,   /* seq: the DispatchRequest */
    COORD_TIMER_ON_SCENE,     /* seq: the DispatchRequest */
    COORD_TIMER_ESCORT,       /* seq: the EscortRequest */
    COORD_TIMER_EXPIRY,       /* seq: the ZoneRiskLevel with valid_until_us */
} coord_timer_kind_t;

typedef struct coord_timer {
    int64_t due_us;
    coord_timer_kind_t kind;
    uint64_t seq;
} coord_timer_t;

typedef struct coord_timers {
    coord_timer_t *items;
    size_t count, capacity;
} coord_timers_t;

/* Add an entry. Returns 0, or -1 when out of memory. */
int coord_timers_push(coord_timers_t *self, int64_t due_us, coord_timer_kind_t kind, uint64_t seq);

/* The earliest entry, or NULL when empty. */
const coord_timer_t *coord_timers_peek(const coord_timers_t *self);

/* Remove the earliest entry into *out. Returns 0, or -1 when empty. */
int coord_timers_pop(coord_timers_t *self, coord_timer_t *out);

/* Free the entries (the struct itself is the caller's). */
void coord_timers_clear(coord_timers_t *self);

#endif
