/* standby.h — hcbus-auditd's passive mode (auditd.standby, decision 0037): the writer
 * lock in PostgreSQL decides which auditd of a pair records. A passive auditd answers
 * every request of its broker LinkReply.standby (its node name), so that the broker
 * answers its clients ERROR_CODE_STANDBY; it asks for the lock again every
 * standby_poll_ms, and on getting it reads the head and the Merkle trees from the log
 * and becomes active. An active one that loses its session and finds the lock held on
 * reopening turns passive (server.c calls auditd_standby_enter). */
#ifndef AUDITD_STANDBY_H
#define AUDITD_STANDBY_H

#include <stdbool.h>
#include <stdint.h>

#include "chain.h"
#include "db.h"
#include "reply.h"
#include "tree.h"

/* A passive auditd's lock query (db.h, auditd_db_ask): its answer is waited for at
 * most ASK_WAIT_MS in one turn of the loop, looked for again every ASK_RECHECK_MS, and
 * given up (connection dropped and made again) after max(GIVE_UP_MS, 4 polls). */
#define AUDITD_STANDBY_ASK_WAIT_MS 20
#define AUDITD_STANDBY_ASK_RECHECK_MS 50
#define AUDITD_STANDBY_ASK_GIVE_UP_MS 2000

typedef struct auditd_standby {
    bool enabled;            /* auditd.standby */
    bool passive;            /* another auditd holds the writer lock */
    uint32_t poll_ms;        /* auditd.standby_poll_ms */
    const char *node_name;   /* auditd.node_name */
    const char *zones_file;  /* the catalogue loaded on becoming active (catalogue.h) */
    int64_t next_poll_ms;    /* when the lock is asked for next (monotonic), while passive */
    int64_t since_ms;        /* when the current role began (monotonic) */
    uint64_t changes;        /* times it became active or passive since the start */
    bool db_warned;          /* PostgreSQL's failure to answer was logged (once per outage) */
} auditd_standby_t;

/* Become passive (from the start, or after finding the lock held on reopening):
 * logged with the head seq reached so far (0 if none), and told to systemd. */
void auditd_standby_enter(auditd_standby_t *st, uint64_t head_seq, int64_t now_ms);

/* Started holding the lock: told to systemd (READY, "recording") and, with
 * auditd.standby, logged as the start of an active period. */
void auditd_standby_started_active(auditd_standby_t *st, uint64_t head_seq);

/* The time has come to ask for the lock again. */
static inline bool auditd_standby_due(const auditd_standby_t *st, int64_t now_ms)
{
    return st->passive && now_ms >= st->next_poll_ms;
}

/* Ask for the writer lock (auditd_db_ask: the loop never waits on PostgreSQL longer
 * than a connect; db must keep waiting connections, auditd_db_keep_waiting);
 * on getting it read the head and the trees (trees_load: another auditd may have
 * stored heads meanwhile) and the zone catalogue, and become active: returns true.
 * False while another auditd holds it or PostgreSQL fails (logged once per cause;
 * a failure after the lock was taken drops the session, which frees the lock). */
bool auditd_standby_try(auditd_standby_t *st, auditd_db_t *db, auditd_chain_t *head, auditd_trees_t *trees,
                        int64_t now_ms);

/* LinkReply{link_id, standby: node_name}: a passive auditd's answer to any request. */
void auditd_standby_reply(const auditd_standby_t *st, void *router, const auditd_peer_t *peer, uint64_t link_id);

#endif
