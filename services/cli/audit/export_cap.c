/* export_cap.c — `hcbus audit export --cap`: the recorded security alerts and zone risk
 * levels as OASIS CAP 1.2 documents (export.h). Reads the reviewer views only
 * (review.events, review.incidents, review.zone_history, review.zones: never payloads
 * nor patient details), streamed in seq order through a cursor; each row becomes one
 * document (cap.c) handed to the sink (cap_sink.c: a directory, or stdout for one).
 * Decision 0018; docs/audit.md "CAP export". */
#include "export.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cap.h"
#include "cap_sink.h"
#include "cursor.h"
#include "db.h"
#include "hcbus/i18n.h"
#include "timefmt.h"
#include "zonename.h"

#define CMD "audit export"
#define CAP_SQL_MAX (AUDIT_FILTER_SQL_MAX + 2048)

/* The query's columns, in order. */
enum { Q_SEQ, Q_KIND, Q_SENDER, Q_RECEIVED, Q_ZONE, Q_DEPT_ISO,
       Q_ALERT_ID, Q_TARGET, Q_ACT, Q_SEVERITY, Q_KILLED, Q_INJURED, Q_REMOVED, Q_REQUEST,
       Q_OCCURRED, Q_DESCRIPTION,
       Q_LEVEL, Q_VALID_FROM, Q_VALID_UNTIL, Q_ESCORT, Q_REASON,
       Q_PREV_SEQ, Q_PREV_SENDER, Q_PREV_RECEIVED, Q_COUNT };

/* Alerts and zone levels (the filters of filter.h apply to e, a review.events row),
 * their view's columns and the department's ISO 3166-2 code from the catalogue. For a
 * level, the one it replaces: the previous row of its topic "zone.<zone_id>", taken by
 * a window over every alert and level before the filters apply (so a level replaced
 * long before --from still gets its references). One pass over the log: no per-row
 * subquery, whose cost would grow with the gap between a zone's levels. */
#define CAP_SELECT                                                                        \
    "SELECT e.seq, e.kind, e.sender, " AUDIT_SQL_US("e.received_at") ", e.zone_id, "     \
    "cd.department_iso, "                                                                \
    "ci.alert_id, ci.target, ci.act, ci.severity, ci.killed, ci.injured, ci.removed, "   \
    "ci.request_id, " AUDIT_SQL_US("ci.occurred_at") ", ci.description, "                \
    "cz.level, " AUDIT_SQL_US("cz.valid_from") ", " AUDIT_SQL_US("cz.valid_until") ", "  \
    "cz.escort_required, cz.reason, "                                                    \
    "e.prev_seq, e.prev_sender, " AUDIT_SQL_US("e.prev_received_at") " "                 \
    "FROM (SELECT v.*, lag(v.seq) OVER w AS prev_seq, lag(v.sender) OVER w AS prev_sender, " \
    "  lag(v.received_at) OVER w AS prev_received_at FROM review.events v "              \
    "  WHERE v.kind IN ('alert', 'zone') WINDOW w AS (PARTITION BY v.topic ORDER BY v.seq)) e " \
    "LEFT JOIN review.incidents ci ON e.kind = 'alert' AND ci.seq = e.seq "              \
    "  AND ci.received_at = e.received_at "                                              \
    "LEFT JOIN review.zone_history cz ON e.kind = 'zone' AND cz.seq = e.seq "            \
    "  AND cz.received_at = e.received_at "                                              \
    "LEFT JOIN review.zones cd ON cd.zone_id = "                                         \
    "  split_part(e.zone_id, '.', 1) || '.' || split_part(e.zone_id, '.', 2)"

typedef struct cap_ctx {
    cap_sink_t *sink;
    const audit_zones_t *zones;
    bool utc;
    size_t events, alerts, levels;
    size_t replaced;         /* characters of log text replaced by U+FFFD */
    size_t uncatalogued;     /* events whose department is not in review.zones */
} cap_ctx_t;

static int64_t us_of(const char *text)
{
    return text ? (int64_t)strtoll(text, NULL, 10) : 0;
}

static bool is_true(const char *text) { return text && strcmp(text, "t") == 0; }

static cap_event_t event_of(const cap_ctx_t *ctx, const char *const *v)
{
    cap_event_t ev = {
        .seq = us_of(v[Q_SEQ]),
        .zone = v[Q_KIND] && strcmp(v[Q_KIND], "zone") == 0,
        .sender = v[Q_SENDER] ? v[Q_SENDER] : "",
        .received_us = us_of(v[Q_RECEIVED]),
        .zone_id = v[Q_ZONE],
        .area_name = audit_zones_name(ctx->zones, v[Q_ZONE]),
        .department_iso = v[Q_DEPT_ISO],
        .alert_id = v[Q_ALERT_ID], .target = v[Q_TARGET], .act = v[Q_ACT],
        .severity = v[Q_SEVERITY], .description = v[Q_DESCRIPTION],
        .request_id = v[Q_REQUEST], .killed = v[Q_KILLED], .injured = v[Q_INJURED],
        .removed = v[Q_REMOVED], .occurred_us = us_of(v[Q_OCCURRED]),
        .level = v[Q_LEVEL], .reason = v[Q_REASON],
        .valid_from_us = us_of(v[Q_VALID_FROM]), .valid_until_us = us_of(v[Q_VALID_UNTIL]),
        .escort_required = is_true(v[Q_ESCORT]),
        .prev_seq = us_of(v[Q_PREV_SEQ]), .prev_sender = v[Q_PREV_SENDER],
        .prev_received_us = us_of(v[Q_PREV_RECEIVED]),
    };
    if (!ev.zone) /* the window's previous row of an alert's topic is not replaced by it */
        ev.prev_seq = 0;
    return ev;
}

static int write_row(void *arg, const char *const *v, int n)
{
    cap_ctx_t *ctx = arg;
    if (n < Q_COUNT)
        return AUDIT_EXIT_INTERNAL;
    ctx->events++;
    if (cap_sink_full(ctx->sink))
        return 0; /* stdout holds its one document: only count (cap_sink_finish refuses) */
    cap_event_t ev = event_of(ctx, v);
    if (ev.zone)
        ctx->levels++;
    else
        ctx->alerts++;
    if (!ev.department_iso)
        ctx->uncatalogued++;
    char id[CAP_ID_MAX];
    FILE *doc = cap_sink_begin(ctx->sink, cap_identifier(ev.seq, id, sizeof id));
    if (!doc)
        return AUDIT_EXIT_INTERNAL;
    size_t replaced = cap_write(doc, &ev, ctx->utc);
    if (replaced == (size_t)-1) {
        fprintf(stderr, _("hcbus %s: out of memory\n"), CMD);
        return AUDIT_EXIT_INTERNAL;
    }
    if (replaced > 0)
        fprintf(stderr, "hcbus %s: warning: seq %" PRId64 ": %zu character(s) XML cannot "
                        "hold (control characters recorded before decision 0006, or bytes "
                        "that are not UTF-8) written as U+FFFD\n", CMD, ev.seq, replaced);
    ctx->replaced += replaced;
    return cap_sink_end(ctx->sink);
}

/* What was written, on stderr (stdout may be the document itself). */
static void summary(const cap_ctx_t *ctx, const char *out_dir)
{
    if (ctx->events == 0) {
        fprintf(stderr, _("hcbus %s: no security alert nor zone level matches: nothing written\n"),
                CMD);
        return;
    }
    if (out_dir)
        fprintf(stderr, _("hcbus %s: %zu CAP 1.2 document(s) in %s (%zu alert(s), %zu zone "
                        "level(s))\n"), CMD, ctx->events, out_dir, ctx->alerts, ctx->levels);
    if (ctx->uncatalogued > 0)
        fprintf(stderr, _("hcbus %s: warning: %zu event(s) in zones whose department is not in "
                        "the catalogue (review.zones): written without the ISO 3166-2 geocode "
                        "and named by zone id\n  hint: hcbus-auditd loads the catalogue of "
                        "its zones_file at start\n"), CMD, ctx->uncatalogued);
}

static int run(PGconn *conn, const audit_opts_t *opts, const audit_where_t *where,
               const audit_zones_t *zones, const char *out_dir)
{
    char sql[CAP_SQL_MAX];
    snprintf(sql, sizeof sql, CAP_SELECT "%s ORDER BY e.seq", where->sql);
    cap_ctx_t ctx = {.zones = zones, .utc = opts->utc};
    int rc = cap_sink_new(CMD, out_dir, &ctx.sink);
    if (rc != 0)
        return rc;
    rc = audit_cursor_each(CMD, conn, sql, where->n_params, where->params, write_row, &ctx,
                           NULL);
    if (rc < 0)
        rc = -rc;
    if (rc == 0)
        rc = cap_sink_finish(ctx.sink, ctx.events);
    if (rc == 0)
        summary(&ctx, out_dir);
    cap_sink_destroy(&ctx.sink);
    return rc;
}

int audit_export_cap(const audit_opts_t *opts, const audit_filter_t *filter, const char *out_dir)
{
    PGconn *conn;
    int rc = audit_db_connect(CMD, opts->db, &conn);
    if (rc != 0)
        return rc;
    audit_where_t where;
    audit_zones_t *zones = NULL;
    rc = audit_where_build(CMD, conn, filter, &where);
    if (rc == 0)
        rc = audit_zones_load(CMD, conn, &zones);
    if (rc == 0)
        rc = run(conn, opts, &where, zones, out_dir);
    audit_zones_destroy(&zones);
    audit_where_free(&where);
    PQfinish(conn);
    return rc;
}
