/* engine_state.h — internal: what the coordinator engine remembers (zones and their
 * levels, requests, escorts, recent alerts, due times, effects pending / queued /
 * done) and the engine struct tying them together. Shared by the engine's files; each
 * file owns the objects of its job (zones_state.c the zones, requests.c the requests,
 * escorts.c the escorts, alerts.c the alerts, outbox.c the effects). */
#ifndef COORD_ENGINE_STATE_H
#define COORD_ENGINE_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "hcbus/validate.h"
#include "table.h"
#include "timers.h"

#define COORD_ID_MAX HCBUS_MSG_ID_MAX          /* request_id, escort_id, msg_id */
#define COORD_INST_MAX HCBUS_INSTITUTION_ID_MAX

/* One ZoneRiskLevel recorded for a zone. */
typedef struct coord_level {
    struct coord_level *older;
    uint64_t seq;
    int level;                                /* Hcbus__RiskLevel */
    int64_t valid_from_us, valid_until_us;
    Hcbus__AccessConditions *access;          /* owned copy, or NULL */
    char sender[COORD_INST_MAX + 1];
} coord_level_t;

typedef struct coord_zone {
    struct coord_zone *next;                  /* every zone, for destroy */
    coord_level_t *newest;                    /* highest seq first */
    size_t level_count;
    char zone_id[HCBUS_ZONE_ID_MAX + 1];
} coord_zone_t;

/* A wait that may become overdue. deadline_us: by when, in the senders' own times;
 * due_us: when it is decided (the deadline, or later when the message that started it
 * arrived late: COORD_LATE_GRACE_US after it). answered_us: received_at_us of the
 * message that answered it (0: not answered); answered_at_us: that message's own time
 * (at_us, never later than answered_us). */
typedef struct coord_wait {
    int64_t deadline_us;
    int64_t due_us;
    int64_t answered_us;
    int64_t answered_at_us;
    bool started, decided;
} coord_wait_t;

typedef struct coord_request coord_request_t;

typedef struct coord_escort {
    struct coord_escort *request_next;        /* the request's escorts, newest first */
    struct coord_escort *same_id_next;        /* others with this escort_id */
    coord_request_t *request;
    uint64_t seq;                             /* of the EscortRequest */
    int64_t received_at_us;
    int state;                                /* 0 = waiting, else Hcbus__EscortState */
    coord_wait_t wait;                        /* OVERDUE_ESCORT */
    char escort_id[COORD_ID_MAX + 1];
    char owner[COORD_INST_MAX + 1];
    char police[COORD_INST_MAX + 1];
    char zone_id[HCBUS_ZONE_ID_MAX + 1];
} coord_escort_t;

struct coord_request {
    coord_request_t *lru_prev, *lru_next;     /* by last activity, oldest first */
    coord_request_t *same_id_next;            /* others with this request_id, newer first */
    coord_escort_t *escorts;
    uint64_t seq;                             /* of the DispatchRequest */
    int64_t received_at_us;
    int64_t last_activity_us;                 /* engine clock at the last message about it */
    int state;                                /* 0 = requested, else Hcbus__DispatchState */
    bool needs_escort;
    coord_wait_t accept, on_scene;
    uint32_t checked, violations, escort_not_assigned;
    char request_id[COORD_ID_MAX + 1];
    char requester[COORD_INST_MAX + 1];
    char provider[COORD_INST_MAX + 1];
    char zone_id[HCBUS_ZONE_ID_MAX + 1];
};

typedef struct coord_alert {
    struct coord_alert *next;
    int64_t received_at_us;
    char zone_id[HCBUS_ZONE_ID_MAX + 1];
} coord_alert_t;

/* What must still hold at go_live for a pending effect to be published. */
typedef enum {
    COORD_NEED_ALWAYS = 0,
    COORD_NEED_ESCORT_REQUEST,  /* need_seq: the DispatchRequest */
    COORD_NEED_ADVISORY,        /* need_seq: the DispatchRequest */
    COORD_NEED_REVERT,          /* need_seq: the expiring ZoneRiskLevel */
} coord_need_t;

typedef struct coord_effect {
    struct coord_effect *prev, *next;
    Hcbus__Envelope *env;                     /* owned */
    coord_need_t need;
    uint64_t need_seq;
    int64_t decided_us;                       /* engine clock when decided */
} coord_effect_t;

typedef struct coord_effect_list {
    coord_effect_t *head, *tail;
    size_t count;
} coord_effect_list_t;

/* An effect id seen or queued (kept for the horizon, oldest first). */
typedef struct coord_done {
    struct coord_done *next;
    int64_t at_us;
    char msg_id[COORD_ID_MAX + 1];
} coord_done_t;

struct coord_engine {
    coord_rules_t rules;
    const hcbus_config_t *config;
    const hcbus_zones_t *catalogue;
    char self[COORD_INST_MAX + 1];
    bool live;
    int64_t clock_us;                         /* max received_at_us / now_us seen */
    uint64_t last_seq;

    coord_table_t *zones_by_id;               /* zone_id -> coord_zone_t */
    coord_zone_t *zone_list;
    coord_table_t *requests_by_id;            /* request_id -> newest coord_request_t */
    coord_request_t *lru_head, *lru_tail;
    coord_table_t *escorts_by_id;             /* escort_id -> newest coord_escort_t */
    coord_table_t *by_seq;                    /* "r<seq>" request, "e<seq>" escort, "z<seq>" zone */
    coord_alert_t *alert_head, *alert_tail;
    size_t alert_count;
    coord_timers_t timers;

    coord_effect_list_t pending, queue;
    coord_table_t *pending_by_id;             /* msg_id -> coord_effect_t in pending */
    coord_table_t *done_by_id;                /* msg_id -> coord_done_t */
    coord_done_t *done_head, *done_tail;

    size_t request_count, escort_count, zone_count;
    coord_stats_t stats;                      /* the counters; sizes filled on demand */
};

/* "r123": the key of an object in by_seq. buf holds at least 24 bytes. */
const char *coord_seq_key(char tag, uint64_t seq, char *buf, size_t size);

/* Sender of an envelope ("" when absent). */
const char *coord_sender(const Hcbus__Envelope *env);

/* s, or "" for NULL (protobuf-c strings are never NULL once decoded; built ones may be). */
const char *coord_str(const char *s);

#endif
