/* standby.c — hcbus-auditd's passive mode (see standby.h): entering it, asking for the
 * writer lock, becoming active with the head and trees read from the log, and the
 * answer a passive auditd gives. The lock itself is db.c's; the loop is server.c's. */
#include "standby.h"

#include <inttypes.h>
#include <stdio.h>

#include "catalogue.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"
#include "hcbus/notify.h"

void auditd_standby_enter(auditd_standby_t *st, uint64_t head_seq, int64_t now_ms)
{
    st->passive = true;
    st->next_poll_ms = now_ms + st->poll_ms;
    st->since_ms = now_ms;
    st->changes++;
    hcbus_notice(_("passive (node %s): another hcbus-auditd holds the writer lock; the broker is answered "
                   "\"standby\" and the lock asked for every %" PRIu32 " ms (head seq so far %" PRIu64 ")"),
                 st->node_name, st->poll_ms, head_seq);
    char status[128];
    snprintf(status, sizeof status, "standby (node %s): another hcbus-auditd records", st->node_name);
    hcbus_notify_ready(status);
}

void auditd_standby_started_active(auditd_standby_t *st, uint64_t head_seq)
{
    if (st->enabled)
        hcbus_notice(_("active (node %s): took the writer lock, head seq %" PRIu64 "; recording"), st->node_name,
                     head_seq);
    hcbus_notify_ready("recording");
}

/* The lock is ours: the head, the trees and the catalogue, then active. */
static bool activate(auditd_standby_t *st, auditd_db_t *db, auditd_chain_t *head, auditd_trees_t *trees,
                     int64_t now_ms)
{
    hcbus_error_t err;
    PGconn *conn = auditd_db_conn(db);
    if (auditd_chain_load(conn, head, &err) < 0 || auditd_trees_load(conn, trees, &err) < 0) {
        hcbus_error(_("writer lock taken but the head could not be read: %s; asking again"), err.message);
        auditd_db_lost(db, now_ms); /* closing the session frees the lock */
        return false;
    }
    auditd_catalogue_load(conn, st->zones_file);
    st->passive = false;
    st->since_ms = now_ms;
    st->changes++;
    hcbus_notice(_("active (node %s): took the writer lock, head seq %" PRIu64 "; recording"), st->node_name,
                 head->seq);
    hcbus_notify_ready("recording");
    return true;
}

/* How long a lock query may go unanswered before its connection is dropped, and how
 * long the loop waits for the answer in one call (then it looks again soon). */
static int64_t give_up_ms(const auditd_standby_t *st)
{
    int64_t ms = 4 * (int64_t)st->poll_ms;
    return ms > AUDITD_STANDBY_ASK_GIVE_UP_MS ? ms : AUDITD_STANDBY_ASK_GIVE_UP_MS;
}

bool auditd_standby_try(auditd_standby_t *st, auditd_db_t *db, auditd_chain_t *head, auditd_trees_t *trees,
                        int64_t now_ms)
{
    st->next_poll_ms = now_ms + st->poll_ms;
    hcbus_error_t err;
    int rc = auditd_db_ask(db, now_ms, AUDITD_STANDBY_ASK_WAIT_MS, give_up_ms(st), &err);
    if (rc == 0)
        return activate(st, db, head, trees, now_ms);
    if (rc == 1) {
        st->next_poll_ms = now_ms + AUDITD_STANDBY_ASK_RECHECK_MS; /* the answer is on its way */
        return false;
    }
    if (auditd_db_lock_held(db)) {
        st->db_warned = false;
    } else if (!st->db_warned) {
        hcbus_warning(_("passive: cannot ask for the writer lock: %s; asking again every %" PRIu32 " ms"),
                      err.message, st->poll_ms);
        st->db_warned = true;
    }
    return false;
}

void auditd_standby_reply(const auditd_standby_t *st, void *router, const auditd_peer_t *peer, uint64_t link_id)
{
    Hcbus__LinkReply reply = HCBUS__LINK_REPLY__INIT;
    reply.link_id = link_id;
    reply.kind_case = HCBUS__LINK_REPLY__KIND_STANDBY;
    reply.standby = (char *)st->node_name;
    auditd_reply_send(router, peer, &reply);
}
