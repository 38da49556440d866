/* zones_state.c — zones and their levels: each zone keeps its recorded levels newest
 * first (at most COORD_ZONE_LEVELS_MAX; a level that can never again be in force is
 * dropped at once); the level in force at a time is looked up there; the expiry of a
 * zone's newest level publishes a revert to the default level (msg_id c.z.<seq>). */
#include "zones_state.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "effects.h"
#include "outbox.h"
#include "spanish.h"

static coord_zone_t *zone_get(const coord_engine_t *e, const char *zone_id)
{
    return coord_table_get(e->zones_by_id, zone_id);
}

static coord_zone_t *zone_get_or_add(coord_engine_t *e, const char *zone_id)
{
    coord_zone_t *z = zone_get(e, zone_id);
    if (z)
        return z;
    z = calloc(1, sizeof *z);
    if (!z)
        return NULL;
    coord_text_copy(z->zone_id, sizeof z->zone_id, zone_id);
    if (coord_table_put(e->zones_by_id, z->zone_id, z) != 0) {
        free(z);
        return NULL;
    }
    z->next = e->zone_list;
    e->zone_list = z;
    e->zone_count++;
    return z;
}

static void level_free(coord_engine_t *e, coord_level_t *l)
{
    char key[32];
    coord_table_remove(e->by_seq, coord_seq_key('z', l->seq, key, sizeof key));
    if (l->access)
        hcbus__access_conditions__free_unpacked(l->access, NULL);
    free(l);
}

/* Drop the levels that can no longer be in force: an older level whose window starts
 * no earlier than a newer one's (the newer has always started too, and wins), and the
 * oldest beyond COORD_ZONE_LEVELS_MAX. */
static void prune(coord_engine_t *e, coord_zone_t *z)
{
    int64_t earliest_newer_from = INT64_MAX;
    size_t kept = 0;
    for (coord_level_t **p = &z->newest; *p;) {
        coord_level_t *l = *p;
        if (l->valid_from_us >= earliest_newer_from || kept >= COORD_ZONE_LEVELS_MAX) {
            *p = l->older;
            level_free(e, l);
            z->level_count--;
            continue;
        }
        if (l->valid_from_us < earliest_newer_from)
            earliest_newer_from = l->valid_from_us;
        kept++;
        p = &l->older;
    }
}

void coord_zones_apply(coord_engine_t *e, const Hcbus__Envelope *env, uint64_t seq)
{
    const Hcbus__ZoneRiskLevel *msg = env->zone;
    coord_zone_t *z = zone_get_or_add(e, coord_str(msg->zone_id));
    coord_level_t *l = z ? calloc(1, sizeof *l) : NULL;
    char key[32];
    if (!l || (msg->access && !(l->access = coord_access_copy(msg->access))) ||
        coord_table_put(e->by_seq, coord_seq_key('z', seq, key, sizeof key), z) != 0) {
        if (l && l->access)
            hcbus__access_conditions__free_unpacked(l->access, NULL);
        free(l);
        e->stats.out_of_memory++;
        return;
    }
    l->seq = seq;
    l->level = (int)msg->level;
    l->valid_from_us = msg->valid_from_us;
    l->valid_until_us = msg->valid_until_us;
    coord_text_copy(l->sender, sizeof l->sender, coord_sender(env));
    l->older = z->newest;
    z->newest = l;
    z->level_count++;
    prune(e, z);
    if (msg->valid_until_us != 0 &&
        coord_timers_push(&e->timers, msg->valid_until_us, COORD_TIMER_EXPIRY, seq) != 0)
        e->stats.out_of_memory++;
}

int coord_zones_level_at(const coord_engine_t *e, const char *zone_id, int64_t at_us,
                         const Hcbus__AccessConditions **access, uint64_t *level_seq)
{
    if (access)
        *access = NULL;
    if (level_seq)
        *level_seq = 0;
    coord_zone_t *z = zone_get(e, zone_id);
    for (const coord_level_t *l = z ? z->newest : NULL; l; l = l->older) {
        if (l->valid_from_us > at_us)
            continue;
        if (l->valid_until_us != 0 && at_us >= l->valid_until_us)
            break; /* the level in force has expired: the default */
        if (access)
            *access = l->access;
        if (level_seq)
            *level_seq = l->seq;
        return l->level;
    }
    return e->rules.default_level;
}

/* The zone whose newest level is seq, or NULL (gone, or a newer level came). */
static coord_zone_t *zone_if_newest(const coord_engine_t *e, uint64_t seq)
{
    char key[32];
    coord_zone_t *z = coord_table_get(e->by_seq, coord_seq_key('z', seq, key, sizeof key));
    return z && z->newest && z->newest->seq == seq ? z : NULL;
}

bool coord_zones_revert_needed(const coord_engine_t *e, uint64_t seq)
{
    return zone_if_newest(e, seq) != NULL;
}

void coord_zones_expiry_due(coord_engine_t *e, uint64_t seq)
{
    coord_zone_t *z = zone_if_newest(e, seq);
    if (!z)
        return; /* a newer level came */
    const coord_level_t *l = z->newest;
    char msg_id[COORD_ID_MAX + 1], until[48];
    coord_effect_id('z', seq, msg_id, sizeof msg_id);
    if (coord_outbox_done(e, msg_id))
        return;
    coord_text_t reason = {0};
    coord_text_add(&reason, "vencido: el nivel %s de %s (seq %" PRIu64 ") era válido hasta %s; vuelve a %s",
                   coord_es_level(l->level), z->zone_id, l->seq,
                   coord_es_time(l->valid_until_us, until, sizeof until),
                   coord_es_level(e->rules.default_level));
    e->stats.reverts++;
    coord_outbox_emit(e,
                      coord_effect_zone_revert(msg_id, z->zone_id, e->rules.default_level,
                                               l->valid_until_us, reason.buf),
                      COORD_NEED_REVERT, seq);
}

void coord_zones_clear(coord_engine_t *e)
{
    while (e->zone_list) {
        coord_zone_t *z = e->zone_list;
        e->zone_list = z->next;
        while (z->newest) {
            coord_level_t *l = z->newest;
            z->newest = l->older;
            if (l->access)
                hcbus__access_conditions__free_unpacked(l->access, NULL);
            free(l);
        }
        free(z);
    }
}
