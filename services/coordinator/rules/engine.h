/* engine.h — the rules engine of hcbus-coordinator: pure, no sockets, no clock reads.
 * The service shell (main.c) feeds it every recorded message in seq order (replay from
 * seq 1, then live), tells it when the replay reached the subscription's start head
 * (go_live) and what time it is (tick), and publishes what it hands back (take_effect).
 * Time comes in only as arguments: the received_at_us of applied envelopes and the
 * now_us of go_live/tick. The same log and the same now_us give the same effects,
 * byte for byte.
 *
 * THE RULES (docs/coordinator.md explains them for people; this is the exact contract)
 *
 * Zones (zones_state.c). The level in force in zone Z at time t is that of the
 * ZoneRiskLevel for exactly Z with the highest seq among those with valid_from_us <= t;
 * if that one has valid_until_us != 0 and t >= valid_until_us it has expired and Z is
 * at rules.default_level with no access conditions; a zone never set is at
 * default_level. Levels are not inherited from a parent zone. When the newest level of
 * a zone expires (and no newer level for the zone was recorded), the engine publishes
 * ZoneRiskLevel{zone_id, default_level, valid_from_us = the expiry, reason "vencido:
 * ..."} on zone.<zone>, msg_id c.z.<seq of the expiring level>.
 *
 * Requests (requests.c). A DispatchRequest opens a request, keyed by request_id (+ its
 * sender, the requester). A second DispatchRequest from the same requester with a
 * request_id that is still open is not tracked: VIOLATION DUPLICATE_REQUEST to its
 * sender (c.v.<seq>); one whose earlier namesake is closed/cancelled replaces it. A
 * status names its request by request_id; when several institutions use that id, the
 * one whose requester or provider sent the status is meant, else the newest.
 * Each DispatchStatus is checked in this order, the first failing rule giving a Notice
 * VIOLATION (the status does not change the request):
 *   UNKNOWN_REQUEST  no tracked request with that request_id;
 *   ZONE_MISMATCH    status.zone_id differs from the request's zone;
 *   NOT_INVOLVED     ACCEPTED: any institution while the request has no provider,
 *                    then only the provider; DECLINED: anyone but the provider;
 *                    every other state: the requester or the provider;
 *   FUTURE_TIME      at_us > received_at_us + rules.status_max_skew_us;
 *   TRANSITION       the state cannot follow the current one:
 *                    REQUESTED  -> ACCEPTED, DECLINED, CANCELLED
 *                    DECLINED   -> ACCEPTED, DECLINED, CANCELLED
 *                    ACCEPTED   -> EN_ROUTE, CANCELLED, ABORTED_SECURITY
 *                    EN_ROUTE   -> ON_SCENE, CANCELLED, ABORTED_SECURITY
 *                    ON_SCENE   -> TRANSPORTING, CLOSED, ABORTED_SECURITY
 *                    TRANSPORTING -> AT_FACILITY, ABORTED_SECURITY
 *                    AT_FACILITY -> CLOSED
 *                    ABORTED_SECURITY -> EN_ROUTE, CLOSED, CANCELLED
 *                    CLOSED, CANCELLED: nothing (a second "closed" is a TRANSITION).
 * A status passing every rule moves the request and gets a Notice CHECKED; the first
 * valid ACCEPTED makes its sender the provider. If the request is waiting for an
 * escort (see below) and the status is EN_ROUTE or ON_SCENE, the CHECKED notice
 * carries rule ESCORT_NOT_ASSIGNED (the status still counts). Verdicts: msg_id
 * c.v.<seq of the status>, topic notice.<status.zone_id>, recipients the sender and the
 * requester, subject_seq/subject_sender/subject_at_us set, reason in Spanish naming the
 * values.
 *
 * Escorts (escorts.c). A DispatchRequest into a zone whose level in force at its
 * received_at_us is ORANGE or RED, or whose access conditions have escort_required,
 * makes the engine publish an EscortRequest on escort.<zone> (msg_id c.e.<seq>,
 * escort_id esc-<seq>, meeting_point = access.meeting_point, else a Location whose
 * address names the zone and whose reference_point is the entry instructions, reason in
 * Spanish naming the level) and a Notice ESCORT_ADVISORY to the requester (msg_id
 * c.a.<seq>, level, access, escort_id, Spanish reason with the hours, contact and
 * entry instructions). An EscortRequest another institution publishes for a tracked
 * request in its zone is tracked the same way (and if the engine sees it before its
 * own, it does not publish its own). The request is "waiting for escort" while it needs
 * one and none of its escorts is ASSIGNED, AT_MEETING_POINT, COMPLETED or WAIVED.
 * Each EscortStatus is checked in order UNKNOWN_ESCORT (no escort with that escort_id
 * for that request_id), ZONE_MISMATCH, NOT_INVOLVED (WAIVED: only the request's
 * requester; ASSIGNED, UNAVAILABLE, AT_MEETING_POINT, COMPLETED: an institution with
 * the police role whose subscribe grants cover escort in the zone, and once an escort
 * is assigned, only the police that assigned it), FUTURE_TIME, TRANSITION:
 *   WAITING -> ASSIGNED, UNAVAILABLE, WAIVED;  UNAVAILABLE -> ASSIGNED, WAIVED;
 *   ASSIGNED -> AT_MEETING_POINT, COMPLETED, UNAVAILABLE;  AT_MEETING_POINT -> COMPLETED;
 *   COMPLETED, WAIVED: nothing.
 * and answered with CHECKED / VIOLATION notices as statuses are (c.v.<seq>).
 *
 * Overdue (overdue.c), each at most once per request (or escort request), to the
 * requester and the provider if any, msg_id c.o.<seq>.<NoticeRule number>:
 *   OVERDUE_ACCEPT (8)    deadline = DispatchRequest received_at + accept_within_us;
 *                         answered by the first valid status (ACCEPTED, DECLINED,
 *                         CANCELLED); seq = the DispatchRequest's.
 *   OVERDUE_ON_SCENE (9)  deadline = the valid ACCEPTED's at_us + on_scene_within_us;
 *                         answered by a valid ON_SCENE, CLOSED, CANCELLED or
 *                         ABORTED_SECURITY; seq = the DispatchRequest's. If that
 *                         ACCEPTED came late (received more than COORD_LATE_GRACE_US
 *                         after its at_us), the wait is decided at the later of the
 *                         deadline and its receipt + COORD_LATE_GRACE_US.
 *   OVERDUE_ESCORT (10)   deadline = EscortRequest received_at + escort_assigned_within_us;
 *                         answered by a valid ASSIGNED or WAIVED on any escort of the
 *                         request, or the request closed/cancelled; seq = the
 *                         EscortRequest's.
 * A wait is overdue when it is due (its deadline, or later as above) and it was not
 * answered by a message received (received_at_us) by then whose own time (at_us; for a
 * message without one, or with one later than its receipt: received_at_us) is at or
 * before the deadline: a unit's statuses count at the unit's time, however late they
 * arrive within the wait's due time (decision 0041). This is decided from the log
 * alone, so a coordinator that was down decides after go_live what a running one
 * decided at the deadline.
 *
 * Level review (alerts.c). Each SecurityAlert in zone Z gives a Notice LEVEL_REVIEW
 * (msg_id c.r.<seq>) with alert_count = the alerts in Z and below received within
 * alert_window_us up to this one, and the level in force in Z, to every institution
 * holding the zone_authority role whose publish grants cover zone in Z (the first 16 in
 * config order); none: no notice.
 *
 * Exactly once (docs/decisions/0011-coordinator-effect-ids.md). Every effect has a
 * deterministic msg_id (above; a notice's notice_id equals it). Before go_live the
 * engine applies state but emits nothing: what it would emit is kept pending. When it
 * applies a message whose sender is self_institution it marks that msg_id done and
 * drops it from the pending ones. go_live queues what is still pending and still
 * needed (an EscortRequest and its advisory only for a request still open without an
 * escort; a revert only if the level is still the zone's newest), then every time rule
 * due by now_us. The engine never queues an id it has seen or queued already; and
 * should a restart publish one again, the broker answers duplicate.
 *
 * Memory. A request (with its escorts and index entries) is forgotten
 * rules.forget_closed_after_us after the last message about it, closed or not (an open
 * request nobody touched for that long is forgotten too, so memory is bounded by the
 * message rate over that period). Cost, measured (sizeof plus index entries): about
 * 0.55 KiB per request (a 384-byte struct and two index entries) and 0.45 KiB per
 * escort; 0.2 KiB per alert within alert_window_us; 0.15 KiB per effect id done within
 * forget_closed_after_us; about 1 KiB per effect pending before go_live; zones keep at
 * most COORD_ZONE_LEVELS_MAX levels each (about 0.3 KiB per level with access
 * conditions) and are never forgotten (a level holds until replaced). Pending effects
 * older than forget_closed_after_us are dropped (counted). Example: one request every
 * 10 minutes, each closed at once, keeps at most 432 requests and 1,728 done ids with
 * the default 72 h (test_coord_replay: test_memory_bounded). */
#ifndef HCBUS_COORD_ENGINE_H
#define HCBUS_COORD_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hcbus/codec.h"
#include "hcbus/config.h"
#include "hcbus/error.h"
#include "hcbus/zones.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Levels kept per zone (older ones that can no longer be in force go first). */
#define COORD_ZONE_LEVELS_MAX 16
/* During replay a due time is decided once the log's clock is this far past it, so
 * that a message received just before it but recorded just after still counts. */
#define COORD_REPLAY_DECIDE_MARGIN_US INT64_C(60000000)
/* A status received more than this after its own time (at_us) came late, from a unit's
 * outbox after a link outage; the waits it starts are decided no earlier than this
 * after its receipt, so the statuses the unit queued behind it arrive first (overdue.c). */
#define COORD_LATE_GRACE_US INT64_C(120000000)
/* Alerts remembered for LEVEL_REVIEW counts (the oldest go first, counted). */
#define COORD_ALERTS_MAX 65536
/* Recipients of one notice (the Notice validation limit). */
#define COORD_RECIPIENTS_MAX 16

typedef struct coord_rules {
    int64_t status_max_skew_us;        /* a status's at_us may be this far past received_at_us */
    int64_t accept_within_us;          /* OVERDUE_ACCEPT after the DispatchRequest's received_at */
    int64_t on_scene_within_us;        /* OVERDUE_ON_SCENE after ACCEPTED's at_us */
    int64_t escort_assigned_within_us; /* OVERDUE_ESCORT after the EscortRequest's received_at */
    int64_t alert_window_us;           /* LEVEL_REVIEW counts alerts within this */
    int64_t forget_closed_after_us;    /* requests leave memory this long after their last message */
    int default_level;                 /* Hcbus__RiskLevel: a zone never set or expired */
} coord_rules_t;

typedef struct coord_engine coord_engine_t;

/* Create an engine. rules: every time > 0 (the skew >= 0), default_level GREEN..RED. config: the
 * institutions and their roles and grants (borrowed: it must outlive the engine or be
 * replaced with coord_engine_set_config). zones: the catalogue, for zone names in
 * reasons (borrowed; may be NULL). self_institution: the coordinator's own institution
 * id (its messages mark effects done). Returns a new engine (free with
 * coord_engine_destroy) or NULL with err (HCBUS_EINVALID naming the rule, HCBUS_ENOMEM). */
coord_engine_t *coord_engine_new(const coord_rules_t *rules, const hcbus_config_t *config,
                                 const hcbus_zones_t *zones, const char *self_institution,
                                 hcbus_error_t *err);

/* Free the engine, its state and any effect not taken; set *self_p to NULL. NULL-safe. */
void coord_engine_destroy(coord_engine_t **self_p);

/* Use a reloaded config from now on (borrowed, as in coord_engine_new). */
void coord_engine_set_config(coord_engine_t *self, const hcbus_config_t *config);

/* Apply one recorded message (env as delivered: sender, received_at_us, body), with
 * its seq. Every recorded message is given once, in seq order; a seq at or below the
 * last applied one is ignored (a re-delivery). Before go_live nothing is queued. */
void coord_engine_apply(coord_engine_t *self, const Hcbus__Envelope *env, uint64_t seq);

/* The replay reached the subscription's start head: queue the effects that are still
 * pending (missed while the coordinator was down) and every time rule due by now_us.
 * From now on apply queues effects at once. A second call acts as tick. */
void coord_engine_go_live(coord_engine_t *self, int64_t now_us);

/* Queue the time rules (overdue, expiry) due by now_us and forget what is older than
 * forget_closed_after_us. Does nothing but advance the clock before go_live. */
void coord_engine_tick(coord_engine_t *self, int64_t now_us);

/* When tick next has something to do (the earliest due time), INT64_MAX if nothing or
 * not live. It may be a time whose rule turns out to have nothing to emit. */
int64_t coord_engine_next_due_us(const coord_engine_t *self);

/* The next effect to publish, in the order decided, or NULL. msg_id, topic and the
 * body are set (sender, seq, times are left for the publisher and the broker). The
 * caller owns it: free with hcbus_envelope_free. */
Hcbus__Envelope *coord_engine_take_effect(coord_engine_t *self);

/* ---- read-only views (the shell logs them; tests check them) ---------------------- */

typedef struct coord_stats {
    uint64_t applied;              /* messages applied */
    uint64_t ignored;              /* re-deliveries (seq not above the last) and bodyless */
    uint64_t checked;              /* statuses and escort statuses that passed */
    uint64_t violations;           /* ... that broke a rule (and duplicate requests) */
    uint64_t escort_not_assigned;  /* EN_ROUTE / ON_SCENE while waiting for escort */
    uint64_t escort_requests;      /* EscortRequests decided (c.e) */
    uint64_t advisories;           /* ESCORT_ADVISORY decided */
    uint64_t overdue;              /* OVERDUE notices decided */
    uint64_t level_reviews;        /* LEVEL_REVIEW notices decided */
    uint64_t level_reviews_unaddressed; /* alerts in a zone no zone authority covers */
    uint64_t reverts;              /* expiry reverts decided */
    uint64_t effects_queued;       /* effects handed to take_effect so far */
    uint64_t effects_seen;         /* own messages applied (effects done) */
    uint64_t pending_dropped;      /* pending effects older than the horizon, dropped */
    uint64_t pending_unneeded;     /* pending effects no longer needed at go_live */
    uint64_t requests_forgotten;   /* requests forgotten (closed or idle) */
    uint64_t alerts_dropped;       /* alerts over COORD_ALERTS_MAX */
    uint64_t out_of_memory;        /* allocations that failed (the message's rules skipped) */
    size_t requests;               /* tracked now */
    size_t escorts;
    size_t zones;
    size_t alerts;
    size_t pending;                /* effects decided before go_live, not yet queued */
    size_t queued;                 /* effects waiting for take_effect */
    size_t done_ids;               /* effect ids remembered as done */
    size_t timers;
    uint64_t last_seq;
    int64_t clock_us;              /* the latest received_at_us or now_us seen */
    bool live;
} coord_stats_t;

void coord_engine_stats(const coord_engine_t *self, coord_stats_t *out);

/* A request's state: 0 = requested (nothing valid yet), else an Hcbus__DispatchState. */
typedef struct coord_request_info {
    uint64_t seq;                  /* of the DispatchRequest */
    int state;
    char requester[HCBUS_INSTITUTION_ID_MAX + 1];
    char provider[HCBUS_INSTITUTION_ID_MAX + 1];   /* "" until a valid ACCEPTED */
    char zone_id[HCBUS_ZONE_ID_MAX + 1];
    bool needs_escort;
    bool waiting_for_escort;
    bool escort_waived;
    size_t escort_count;
    uint32_t checked, violations, escort_not_assigned;
} coord_request_info_t;

/* Fill out for request_id (requester NULL: the newest with that id). Returns 0, or -1
 * if no such request is tracked. */
int coord_engine_request_info(const coord_engine_t *self, const char *request_id,
                              const char *requester, coord_request_info_t *out);

/* An escort's state: 0 = waiting, else an Hcbus__EscortState. */
typedef struct coord_escort_info {
    uint64_t seq;                  /* of the EscortRequest */
    int state;
    char owner[HCBUS_INSTITUTION_ID_MAX + 1];   /* who published the EscortRequest */
    char police[HCBUS_INSTITUTION_ID_MAX + 1];  /* who assigned it, "" before */
} coord_escort_info_t;

/* Fill out for the escort escort_id of request request_id. Returns 0 or -1. */
int coord_engine_escort_info(const coord_engine_t *self, const char *escort_id,
                             const char *request_id, coord_escort_info_t *out);

/* The level (Hcbus__RiskLevel) in force in zone_id at at_us; *level_seq (may be NULL)
 * is the seq of the ZoneRiskLevel giving it, 0 for the default. */
int coord_engine_zone_level(const coord_engine_t *self, const char *zone_id, int64_t at_us,
                            uint64_t *level_seq);

#ifdef __cplusplus
}
#endif
#endif
