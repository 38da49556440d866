/* server.c — the loop (see server.h). The writer's thread: while a batch commits
 * nothing else runs here, which is what keeps the seq and the chain single-writer.
 * Reads (replay, latest) are never run here: they are queued for the reader thread
 * (reads.h, reader.h) and their answers forwarded as they come back. When PostgreSQL
 * is gone, appends are answered NOT_PERSISTED at their batch deadline and the session
 * is reopened with backoff; the head is reloaded from the log at every reopening, and
 * the Merkle trees caught up. Tree heads due by time are stored between batches, and
 * the last ones at a clean stop (checkpoint.h). With auditd.standby, a held writer
 * lock makes it passive (standby.h): every request is answered LinkReply.standby and
 * the lock asked for every standby_poll_ms. */
#include "server.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "batch.h"
#include "reader.h"
#include "reads.h"
#include "hcbus/clock.h"
#include "hcbus/codec.h"
#include "hcbus/connections.h"
#include "hcbus/hoptrace.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"
#include "hcbus/notify.h"
#include "hcbus/socket_limits.h"
#include "monitor.h"
#include "reply.h"
#include "standby.h"
#include "stop.h"
#include "writer.h"
#include "zap.h"

#define LINGER_MS 1000                       /* to send the last replies at exit */
#define DEFAULT_RECORD_BYTES 65536u          /* when opts->max_record_bytes is 0 */
#define MESSAGES_PER_WAKE 1000               /* then poll again, so ZAP and timers run */
#define ZAP_DOMAIN "hcbus-auditd"

typedef struct server {
    const auditd_server_opts_t *opts;
    auditd_db_t *db;
    auditd_chain_t *head;
    auditd_trees_t *trees;
    const auditd_checkpoints_t *checkpoints;
    void *ctx;
    void *router;
    hcbus_connections_t *conns;  /* counted and capped: only the broker may stay */
    auditd_zap_t *zap;
    auditd_batch_t *batch;
    auditd_reader_t *reader;
    auditd_reads_t *reads;
    bool db_down_logged;   /* one line per outage, not one per attempt */
    auditd_writer_paths_t paths;  /* how batches are committed (writer.h) */
    auditd_monitor_t monitor;     /* metrics and health (monitor.h) */
    auditd_standby_t standby;     /* passive or active (standby.h) */
} server_t;

/* ---------------------------------------------------------------------------
 * The database session.
 * ------------------------------------------------------------------------- */

static void db_failed(server_t *s, const char *what, const hcbus_error_t *err)
{
    hcbus_error(_("%s: %s; reconnecting"), what, err->message);
    auditd_db_lost(s->db, hcbus_monotonic_ms());
    s->db_down_logged = true;
}

/* After a reopening: the trees caught up with the leaves committed since; with a
 * standby pair another auditd may have written meanwhile (heads too), so they are
 * loaded again from the last stored head. */
static int trees_after_reopening(server_t *s, hcbus_error_t *err)
{
    if (s->standby.enabled)
        return auditd_trees_load(auditd_db_conn(s->db), s->trees, err);
    return auditd_trees_catch_up(auditd_db_conn(s->db), s->trees, s->head, err);
}

/* True when the session is open, reopening it (and reloading the head) if due. A
 * passive auditd has none (standby.h asks for the lock); an active one that finds the
 * lock held on reopening turns passive. */
static bool db_ready(server_t *s)
{
    if (s->standby.passive)
        return false;
    hcbus_error_t err;
    int64_t now_ms = hcbus_monotonic_ms();
    int rc = auditd_db_ensure(s->db, now_ms, &err);
    if (rc < 0 && s->standby.enabled && auditd_db_lock_held(s->db)) {
        auditd_standby_enter(&s->standby, s->head->seq, now_ms);
        s->db_down_logged = false;
        return false;
    }
    if (rc == 1 && (auditd_chain_load(auditd_db_conn(s->db), s->head, &err) < 0 ||
                    trees_after_reopening(s, &err) < 0)) {
        db_failed(s, "cannot read the head after reconnecting", &err);
        return false;
    }
    if (rc == 1) {
        hcbus_notice(_("PostgreSQL session reopened, head seq %" PRIu64), s->head->seq);
        s->db_down_logged = false;
    }
    if (rc < 0 && !s->db_down_logged) {
        hcbus_error(_("PostgreSQL unavailable: %s"), err.message);
        s->db_down_logged = true;
    }
    return rc >= 0;
}

/* ---------------------------------------------------------------------------
 * Appends: the group commit.
 * ------------------------------------------------------------------------- */

/* A batch during whose commit PostgreSQL sent a WARNING is not confirmed (decision
 * 0037): "canceling wait for synchronous replication" comes with a COMMIT that reports
 * success although the rows may exist on this server alone, and a failover would lose
 * them. So: nothing acked (NOT_PERSISTED, the broker resends, exactly-once answers the
 * resend), head and trees as before the batch (the reopened session reloads them from
 * whichever primary it finds), the session dropped. Any WARNING, whatever its language
 * (lc_messages may translate it): none is expected from the batch's commands. */
static int unconfirmed(server_t *s, auditd_record_t *recs, size_t n, const auditd_chain_t *head,
                       const auditd_trees_t *trees, hcbus_error_t *err)
{
    *s->head = *head;
    *s->trees = *trees;
    auditd_writer_not_persisted(recs, n);
    hcbus_error_set(err, HCBUS_EDATABASE, NULL,
                    "PostgreSQL sent a WARNING during the COMMIT (logged above; e.g. the wait for the "
                    "synchronous standby was cancelled): the batch may not be replicated, so it is not acked");
    return hcbus_error_hint(err, "The broker resends the batch; check the standby (docs/ha.md).");
}

/* auditd_writer_commit, its time and size counted in the metrics (monitor.h). */
static int commit_timed(server_t *s, auditd_record_t *recs, size_t n, const auditd_side_t *side, hcbus_error_t *err)
{
    uint64_t started_us = metrics_now_us();
    uint64_t warnings = auditd_db_warnings(s->db);
    auditd_chain_t head = *s->head;
    auditd_trees_t trees = *s->trees;
    int rc = auditd_writer_commit(auditd_db_conn(s->db), s->head, s->trees, s->checkpoints, recs, n, side, &s->paths,
                                  err);
    if (rc == 0 && auditd_db_warnings(s->db) != warnings)
        rc = unconfirmed(s, recs, n, &head, &trees, err);
    if (rc == 0) {
        metrics_observe(&s->monitor.commit_seconds, metrics_now_us() - started_us);
        metrics_observe(&s->monitor.batch_records, n);
        metrics_add(&s->monitor.records_committed, n);
    }
    return rc;
}

static void trace_hops(const auditd_record_t *recs, size_t n, const char *hop)
{
#ifdef HCBUS_HOP_TRACE
    for (size_t i = 0; i < n; i++)
        HCBUS_HOP(hop, recs[i].token, (int64_t)n);
#else
    (void)recs, (void)n, (void)hop;
#endif
}

static void flush(server_t *s)
{
    if (auditd_batch_empty(s->batch))
        return;
    size_t n, n_rej;
    auditd_record_t *recs = auditd_batch_records(s->batch, &n);
    auditd_batch_rejections(s->batch, &n_rej);
    auditd_side_t side = auditd_batch_side(s->batch);
    hcbus_error_t err;
    bool persisted = false;
    bool ready = db_ready(s);
    if (!ready)
        metrics_inc(&s->monitor.commit_failures);
    trace_hops(recs, n, "a_begin");
    s->paths.session = auditd_db_session(s->db); /* after a reopening, statements are prepared again */
    if (!ready) {
        for (size_t i = 0; i < n; i++)
            recs[i] = (auditd_record_t){.token = recs[i].token,
                                        .error = HCBUS__ERROR_CODE__ERROR_CODE_NOT_PERSISTED};
        if (n_rej > 0 || side.n_deliveries > 0)
            hcbus_warning(_("%zu rejections and %zu delivery records not recorded yet: PostgreSQL unavailable (the "
                          "broker resends them)"), n_rej, side.n_deliveries);
    } else if (commit_timed(s, recs, n, &side, &err) < 0) {
        hcbus_error(_("batch of %zu records, %zu rejections and %zu delivery records not persisted: %s"), n, n_rej,
                    side.n_deliveries, err.message);
        auditd_db_lost(s->db, hcbus_monotonic_ms());
        s->db_down_logged = false;
        metrics_inc(&s->monitor.commit_failures);
    } else {
        persisted = true;
        trace_hops(recs, n, "a_committed");
        hcbus_debug("committed a batch of %zu records (%s), head seq %" PRIu64, n, auditd_path_name(s->paths.last),
                    s->head->seq);
    }
    auditd_batch_reply_all(s->batch, s->router, s->head->seq, persisted);
    if (persisted && s->paths.drop_session) {
        s->paths.drop_session = false;
        auditd_db_lost(s->db, hcbus_monotonic_ms());
        s->db_down_logged = false;
    }
}

/* Tree heads due by time (force: every grown tree, at a clean stop). A failure is
 * logged and the heads put off by checkpoint_every_s: it must not spin the loop. */
static void store_heads(server_t *s, int64_t now_ms, bool force)
{
    PGconn *conn = auditd_db_conn(s->db);
    hcbus_error_t err;
    if (!conn || auditd_checkpoints_tick(conn, s->checkpoints, s->trees, now_ms, force, &err) == 0)
        return;
    for (int log = 0; log < AUDITD_LOG_COUNT; log++)
        s->trees->log[log].head_ms = now_ms;
    if (PQstatus(conn) != CONNECTION_OK)
        db_failed(s, "cannot store a tree head", &err);
    else
        hcbus_error(_("cannot store a tree head: %s; trying again in %" PRIu32 " s"), err.message,
                    s->checkpoints->every_s);
}

/* When the next head is due by time; -1 if none, or if the session is closed (it is
 * stored after the reopening, whose own time wakes the loop). */
static int64_t heads_wake_ms(const server_t *s)
{
    return auditd_db_conn(s->db) ? auditd_checkpoints_wake_ms(s->checkpoints, s->trees) : -1;
}

/* A batch holding batch_max_rows records or AUDITD_BATCH_MAX_BYTES bytes commits at
 * once, even in the middle of draining the socket. */
static bool batch_full(const server_t *s)
{
    return !auditd_batch_empty(s->batch) && (auditd_batch_rows(s->batch) >= s->opts->batch_max_rows ||
                                             auditd_batch_bytes(s->batch) >= AUDITD_BATCH_MAX_BYTES);
}

/* Natural group commit (decision 0025): called once the socket holds nothing more (or
 * MESSAGES_PER_WAKE were read), a batch commits at once — what arrived during the
 * previous commit is the next batch, and no time is spent waiting when nothing else is
 * queued. batch_max_delay_ms > 0 is an extra wait, counted from the batch's first
 * request, for more to arrive. */
static bool batch_due(const server_t *s, int64_t now_ms)
{
    if (auditd_batch_empty(s->batch))
        return false;
    return batch_full(s) || now_ms >= auditd_batch_started_ms(s->batch) + s->opts->batch_max_delay_ms;
}

/* ---------------------------------------------------------------------------
 * Requests.
 * ------------------------------------------------------------------------- */

static void answer_hello(server_t *s, const auditd_peer_t *peer, uint64_t link_id)
{
    /* The broker resumes from this number: only a head read from an open session. */
    if (!db_ready(s)) {
        if (s->standby.passive)
            auditd_standby_reply(&s->standby, s->router, peer, link_id);
        else
            auditd_reply_error(s->router, peer, link_id, HCBUS_EUNAVAILABLE, "PostgreSQL is unavailable");
        return;
    }
    Hcbus__LinkReply reply = HCBUS__LINK_REPLY__INIT;
    reply.link_id = link_id;
    reply.kind_case = HCBUS__LINK_REPLY__KIND_HEAD_SEQ;
    reply.head_seq = s->head->seq;
    auditd_reply_send(s->router, peer, &reply);
}

/* Handle one decoded request; takes ownership of req. */
static void dispatch(server_t *s, const auditd_peer_t *peer, Hcbus__LinkRequest *req)
{
    uint64_t link_id = req->link_id;
    if (s->standby.passive) {
        /* Nothing recorded, nothing read: the broker answers its clients STANDBY. */
        auditd_standby_reply(&s->standby, s->router, peer, link_id);
        hcbus_link_request_free(req);
        return;
    }
    switch (req->kind_case) {
    case HCBUS__LINK_REQUEST__KIND_APPEND:
        hcbus_debug("append link_id=%" PRIu64 " queued: %zu records, %zu rejections, %zu delivery records", link_id,
                    req->append->n_records, req->append->n_rejections, req->append->n_deliveries);
        if (auditd_batch_add(s->batch, peer, req, hcbus_monotonic_ms()) < 0)
            auditd_reply_error(s->router, peer, link_id, HCBUS_EINTERNAL, "out of memory");
        return; /* the batch owns req */
    case HCBUS__LINK_REQUEST__KIND_REPLAY:
    case HCBUS__LINK_REQUEST__KIND_LATEST:
        auditd_reads_submit(s->reads, s->router, peer, req, s->head->seq, hcbus_monotonic_ms());
        return; /* the queue owns req */
    case HCBUS__LINK_REQUEST__KIND_HELLO:
        answer_hello(s, peer, link_id);
        break;
    default:
        auditd_reply_error(s->router, peer, link_id, HCBUS_EMALFORMED, "link request with no kind");
    }
    hcbus_link_request_free(req);
}

/* Receive one message (routing id, request) without waiting. Returns false when none. */
static bool receive_one(server_t *s)
{
    auditd_peer_t peer;
    int len = zmq_recv(s->router, peer.id, sizeof peer.id, ZMQ_DONTWAIT);
    if (len < 0)
        return false;
    peer.len = (size_t)len > sizeof peer.id ? sizeof peer.id : (size_t)len;
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    int more = 1, frames = 0;
    size_t more_size = sizeof more;
    zmq_getsockopt(s->router, ZMQ_RCVMORE, &more, &more_size);
    Hcbus__LinkRequest *req = NULL;
    hcbus_error_t err = {0};
    /* One frame is expected; extra frames are read and dropped. */
    while (more && zmq_msg_recv(&msg, s->router, 0) >= 0) {
        if (frames++ == 0)
            req = hcbus_link_request_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &err);
        more = zmq_msg_more(&msg);
    }
    zmq_msg_close(&msg);
    if (!req) {
        hcbus_warning(_("undecodable link request refused: %s"), frames ? err.message : "no body frame");
        auditd_reply_error(s->router, &peer, 0, HCBUS_EMALFORMED, "undecodable LinkRequest");
        return true;
    }
    dispatch(s, &peer, req);
    if (batch_full(s))
        flush(s);
    return true;
}

/* ---------------------------------------------------------------------------
 * Sockets and the loop.
 * ------------------------------------------------------------------------- */

static int setup(server_t *s, hcbus_error_t *err)
{
    s->ctx = zmq_ctx_new();
    if (!s->ctx)
        return hcbus_error_set(err, HCBUS_EIO, NULL, "cannot make a ZeroMQ context");
    /* ZAP first: a CURVE server with no handler would accept any client key. */
    s->zap = auditd_zap_new(s->ctx, s->opts->broker_key_z85, err);
    if (!s->zap)
        return -1;
    /* Before the ROUTER exists: its routing id counter starts at rand(). */
    if (hcbus_connections_seed_routing_ids() != 0)
        return hcbus_error_set(err, HCBUS_EINTERNAL, NULL, "cannot read random bytes from the OS");
    s->router = zmq_socket(s->ctx, ZMQ_ROUTER);
    int one = 1, linger_ms = LINGER_MS, handshake_ms = HCBUS_HANDSHAKE_IVL_MS;
    /* The broker's largest batch; anyone else is refused at the handshake, and a bigger
     * declared frame closes the connection before memory is taken for it. */
    int64_t max_bytes = hcbus_link_frame_max(s->opts->max_record_bytes ? s->opts->max_record_bytes
                                                                       : DEFAULT_RECORD_BYTES);
    if (!s->router || zmq_setsockopt(s->router, ZMQ_LINGER, &linger_ms, sizeof linger_ms) != 0 ||
        zmq_setsockopt(s->router, ZMQ_MAXMSGSIZE, &max_bytes, sizeof max_bytes) != 0 ||
        zmq_setsockopt(s->router, ZMQ_HANDSHAKE_IVL, &handshake_ms, sizeof handshake_ms) != 0 ||
        zmq_setsockopt(s->router, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
        zmq_setsockopt(s->router, ZMQ_CURVE_SECRETKEY, s->opts->secret_key_z85, 40) != 0 ||
        zmq_setsockopt(s->router, ZMQ_ZAP_DOMAIN, ZAP_DOMAIN, strlen(ZAP_DOMAIN)) != 0)
        return hcbus_error_set(err, HCBUS_EIO, NULL, "cannot set up the link socket: %s",
                               zmq_strerror(zmq_errno()));
    hcbus_conn_limits_t limits = {HCBUS_AUDITD_CONNECTIONS_MAX, HCBUS_AUDITD_CONNECTIONS_PER_SOURCE_MAX};
    if (!(s->conns = hcbus_connections_new(s->ctx, s->router, "link", &limits, NULL, NULL, NULL, err)))
        return -1;
    if (zmq_bind(s->router, s->opts->endpoint) != 0)
        return hcbus_error_set(err, HCBUS_EIO, s->opts->endpoint, "cannot bind: %s",
                               zmq_strerror(zmq_errno()));
    return 0;
}

static void teardown(server_t *s)
{
    hcbus_connections_destroy(&s->conns);
    if (s->router)
        zmq_close(s->router);
    auditd_zap_destroy(&s->zap);
    if (s->ctx)
        zmq_ctx_term(s->ctx);
}

/* How long zmq_poll may wait: until the batch deadline or the next reconnection. */
static long poll_timeout_ms(const server_t *s, int64_t now_ms)
{
    int64_t until = -1;
    if (!auditd_batch_empty(s->batch))
        until = auditd_batch_started_ms(s->batch) + s->opts->batch_max_delay_ms;
    int64_t retry = s->standby.passive ? 0 : auditd_db_next_attempt_ms(s->db);
    if (retry > 0 && (until < 0 || retry < until))
        until = retry;
    int64_t reads = auditd_reads_wake_ms(s->reads);
    if (reads >= 0 && (until < 0 || reads < until))
        until = reads;
    int64_t heads = heads_wake_ms(s);
    if (heads >= 0 && (until < 0 || heads < until))
        until = heads;
    if (s->standby.passive && (until < 0 || s->standby.next_poll_ms < until))
        until = s->standby.next_poll_ms;
    if (until < 0)
        return -1;
    return until > now_ms ? (long)(until - now_ms) : 0;
}

static void drain_stop_pipe(void)
{
    char bytes[16];
    while (read(auditd_stop_fd(), bytes, sizeof bytes) > 0) {
    }
}

static void loop(server_t *s)
{
    zmq_pollitem_t items[5] = {
        {s->router, 0, ZMQ_POLLIN, 0},
        {auditd_zap_socket(s->zap), 0, ZMQ_POLLIN, 0},
        {NULL, auditd_stop_fd(), ZMQ_POLLIN, 0},
        {auditd_reader_socket(s->reader), 0, ZMQ_POLLIN, 0},
        {hcbus_connections_socket(s->conns), 0, ZMQ_POLLIN, 0},
    };
    for (;;) {
        int64_t now_ms = hcbus_monotonic_ms();
        if (zmq_poll(items, 5, poll_timeout_ms(s, now_ms)) < 0 && zmq_errno() != EINTR) {
            hcbus_error("zmq_poll: %s", zmq_strerror(zmq_errno()));
            return;
        }
        if (items[2].revents & ZMQ_POLLIN) {
            drain_stop_pipe();
            return;
        }
        if (items[4].revents & ZMQ_POLLIN)
            hcbus_connections_update(s->conns); /* over the caps: shut down before the handshake */
        if (items[1].revents & ZMQ_POLLIN)
            auditd_zap_handle(s->zap);
        for (int i = 0; (items[0].revents & ZMQ_POLLIN) && i < MESSAGES_PER_WAKE; i++) {
            if (!receive_one(s))
                break;
        }
        now_ms = hcbus_monotonic_ms();
        if (batch_due(s, now_ms))
            flush(s);
        int64_t reads_wake = auditd_reads_wake_ms(s->reads);
        if ((items[3].revents & ZMQ_POLLIN) || (reads_wake >= 0 && now_ms >= reads_wake))
            auditd_reads_pump(s->reads, s->router, s->head->seq, now_ms);
        if (!s->standby.passive && auditd_db_next_attempt_ms(s->db) > 0 && now_ms >= auditd_db_next_attempt_ms(s->db))
            db_ready(s);
        if (auditd_standby_due(&s->standby, now_ms))
            auditd_standby_try(&s->standby, s->db, s->head, s->trees, now_ms);
        int64_t heads_wake = heads_wake_ms(s);
        if (heads_wake >= 0 && now_ms >= heads_wake)
            store_heads(s, now_ms, false);
        auditd_monitor_tick(&s->monitor, auditd_db_conn(s->db) != NULL, !s->standby.passive, s->head->seq,
                            s->trees);
    }
}

int auditd_server_run(const auditd_server_opts_t *opts, auditd_db_t *db, auditd_chain_t *head,
                      auditd_trees_t *trees, const auditd_checkpoints_t *checkpoints, hcbus_error_t *err)
{
    server_t s = {.opts = opts, .db = db, .head = head, .trees = trees, .checkpoints = checkpoints};
    s.standby = (auditd_standby_t){.enabled = opts->standby, .poll_ms = opts->standby_poll_ms,
                                   .node_name = opts->node_name ? opts->node_name : "",
                                   .zones_file = opts->zones_file ? opts->zones_file : ""};
    s.batch = auditd_batch_new();
    int rc = !s.batch ? hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory") : setup(&s, err);
    if (rc == 0 && !(s.reader = auditd_reader_new(s.ctx, opts->conninfo, err)))
        rc = -1;
    if (rc == 0 && !(s.reads = auditd_reads_new(s.reader)))
        rc = hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory");
    bool monitoring = rc == 0;
    if (monitoring) {
        rc = auditd_monitor_start(&s.monitor, opts->metrics_listen ? opts->metrics_listen : "", opts->metrics_given,
                                  opts->conninfo, err);
        auditd_monitor_tick(&s.monitor, auditd_db_conn(db) != NULL, !opts->start_passive, head->seq, trees);
    }
    if (rc == 0) {
        hcbus_notice(_("listening on %s, head seq %" PRIu64 ", batches of up to %" PRIu32
                     " rows, committed when the link is drained (+%" PRIu32 " ms extra wait)"),
                     opts->endpoint, head->seq, opts->batch_max_rows, opts->batch_max_delay_ms);
        if (opts->start_passive)
            auditd_standby_enter(&s.standby, head->seq, hcbus_monotonic_ms()); /* tells systemd READY too */
        else
            auditd_standby_started_active(&s.standby, head->seq); /* READY, "recording" */
        loop(&s);
        hcbus_notify_stopping();
        flush(&s); /* the batch in hand, answered before the sockets close */
        store_heads(&s, hcbus_monotonic_ms(), true);
        auditd_reads_report(s.reads, hcbus_monotonic_ms());
        hcbus_notice(_("stopping (signal %d), head seq %" PRIu64 ", last tree heads: events %" PRIu64
                     ", rejections %" PRIu64), auditd_stop_signal(), head->seq, trees->log[AUDITD_LOG_EVENTS].head_size,
                     trees->log[AUDITD_LOG_REJECTIONS].head_size);
        hcbus_notice(_("batches committed: %" PRIu64 " by the fast path, %" PRIu64 " by the careful path, %" PRIu64
                     " by the fallback"), s.paths.batches[AUDITD_PATH_FAST], s.paths.batches[AUDITD_PATH_CAREFUL],
                     s.paths.batches[AUDITD_PATH_FALLBACK]);
    }
    if (monitoring)
        auditd_monitor_stop(&s.monitor);
    auditd_reads_destroy(&s.reads);
    auditd_reader_destroy(&s.reader); /* its socket closes before the context ends */
    auditd_batch_destroy(&s.batch);
    teardown(&s);
    return rc;
}
