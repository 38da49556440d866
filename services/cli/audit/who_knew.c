/* who_knew.c — `hcbus audit who-knew SEQ|REQUEST`: which institutions received an event
 * (or every event of a dispatch request), how (live, replay, snapshot), when (bounds)
 * and whether without its clinical fields, from the broker's delivery records
 * (review.deliveries, docs/audit.md "Who knew what, when", decision 0016). The records
 * hold spans of seqs; which events of a span reached the institution is decided here
 * with the broker's own functions: hcbus_topic_matches (prefix by whole components) and
 * audience_admits (a notice only to its recipients and to those who see every notice). */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../broker/audience.h"
#include "audit.h"
#include "common.h"
#include "db.h"
#include "hcbus/config.h"
#include "hcbus/i18n.h"
#include "hcbus/topic.h"
#include "timefmt.h"

#define CMD "audit who-knew"
#define WHO_KNEW_EVENTS_MAX 10000   /* events of one request (a request has a few dozen) */

#define EVENT_COLUMNS                                                                          \
    "SELECT seq, kind, topic, " AUDIT_SQL_US("committed_at") ", (summary->'recipients')::text, " \
    "coalesce(summary->>'patient_redacted', 'false') = 'true' FROM review.events "
#define EVENT_BY_SEQ_SQL EVENT_COLUMNS "WHERE seq = $1"
#define EVENTS_OF_REQUEST_SQL                                                                  \
    EVENT_COLUMNS "WHERE subject = $1 OR summary->>'request_id' = $1 ORDER BY seq LIMIT 10001"

/* The records that may cover seqs $1..$2 ($3: the seqs, for snapshot pages). A live
 * segment is its end record, or its start record while no end is recorded; then
 * `bound` is the head at the next broker start, if the broker started again since. */
#define RECORDS_SQL                                                                                        \
    "WITH seg AS (SELECT DISTINCT ON (broker_instance, segment) * FROM review.deliveries "                 \
    "  WHERE action IN ('subscribe_start', 'subscribe_end') AND from_seq <= $2 "                           \
    "  ORDER BY broker_instance, segment, (action = 'subscribe_end') DESC, record_no DESC) "              \
    "SELECT 'live', institution, session_id, array_to_json(prefixes)::text, from_seq, "                    \
    "  CASE WHEN action = 'subscribe_end' THEN coalesce(last_sent_seq, 0) END, "                          \
    "  " AUDIT_SQL_US("started_at") ", " AUDIT_SQL_US("ended_at") ", ended, redacted, all_notices, "      \
    "  NULL::text, records_lost, "                                                                         \
    "  CASE WHEN action = 'subscribe_start' THEN (SELECT min(b.from_seq) - 1 FROM review.deliveries b "    \
    "    WHERE b.action = 'broker_start' AND b.broker_instance <> seg.broker_instance "                    \
    "      AND b.started_at > seg.started_at) END "                                                        \
    "FROM seg WHERE action = 'subscribe_start' OR last_sent_seq >= $1 "                                   \
    "UNION ALL "                                                                                            \
    "SELECT 'replay', institution, session_id, array_to_json(prefixes)::text, from_seq, to_seq, "          \
    "  " AUDIT_SQL_US("started_at") ", " AUDIT_SQL_US("ended_at") ", NULL, redacted, all_notices, "       \
    "  NULL, records_lost, NULL "                                                                          \
    "FROM review.deliveries WHERE action = 'replay' AND from_seq <= $2 AND to_seq >= $1 "                \
    "UNION ALL "                                                                                            \
    "SELECT 'snapshot', institution, session_id, array_to_json(prefixes)::text, NULL, to_seq, "           \
    "  " AUDIT_SQL_US("started_at") ", " AUDIT_SQL_US("ended_at") ", NULL, redacted, all_notices, "       \
    "  array_to_json(seqs)::text, records_lost, NULL "                                                     \
    "FROM review.deliveries WHERE action = 'snapshot' AND seqs && $3::bigint[]"

enum { R_HOW, R_INSTITUTION, R_SESSION, R_PREFIXES, R_FROM, R_UPTO, R_STARTED, R_ENDED_AT, R_ENDED,
       R_REDACTED, R_ALL_NOTICES, R_SEQS, R_LOST, R_BOUND, R_COUNT };

typedef struct event {
    long long seq;
    char *kind, *topic, *committed_us;
    bool clinical;          /* it carried patient details (summary.patient_redacted) */
    bool is_notice;
    Hcbus__Notice notice;   /* its recipients, for audience_admits */
} event_t;

/* One answer row: an institution that received an event. */
typedef struct answer {
    long long seq;
    const event_t *event;
    const char *how, *institution, *session;
    long long from_us, by_us;  /* time bounds; by_us 0 = open */
    bool redacted, certain;
    char note[160];
} answer_t;

enum { O_SEQ, O_KIND, O_INSTITUTION, O_HOW, O_FROM, O_BY, O_REDACTED, O_CERTAIN, O_SESSION, O_NOTE,
       O_COUNT };
static const audit_column_t columns[O_COUNT] = {
    [O_SEQ] = {"seq", AUDIT_COL_INT, 8},
    [O_KIND] = {"kind", AUDIT_COL_TEXT, 14},
    [O_INSTITUTION] = {"institution", AUDIT_COL_TEXT, 14},
    [O_HOW] = {"how", AUDIT_COL_TEXT, 9},
    [O_FROM] = {"received_from", AUDIT_COL_TIME, 26},
    [O_BY] = {"received_by", AUDIT_COL_TIME, 26},
    [O_REDACTED] = {"redacted", AUDIT_COL_BOOL, 9},
    [O_CERTAIN] = {"certain", AUDIT_COL_BOOL, 8},
    [O_SESSION] = {"session", AUDIT_COL_TEXT, 27},
    [O_NOTE] = {"note", AUDIT_COL_TEXT, 0},
};

static void help(void)
{
    printf("%s%s%s%s",
           _("usage: hcbus audit who-knew SEQ|REQUEST|--request REQUEST [--json|--csv] [--utc] [--db CONNINFO]\n"
           "  which institutions received the event SEQ, or each event of the dispatch request\n"
           "  REQUEST (its dispatch, statuses, escorts and notices), from the broker's delivery\n"
           "  records: how (live: a subscription; replay; snapshot), when (live: between the\n"
           "  event's commit and the end of the subscription; replay and snapshot: when the\n"
           "  page was sent), and whether without patient details (redacted: the institution\n"
           "  has no clinical access and the event carried them). certain = no: the broker\n"
           "  has not recorded the end of that subscription (still open, or the broker\n"
           "  stopped abruptly), or lost delivery records; the note says which.\n"
           "  --request REQUEST     a request id made only of digits (else read as a seq)\n"),
           _(AUDIT_FORMAT_HELP),
           _(AUDIT_DB_HELP),
           _("Exit: 0 answered, 1 no such seq or request, 2 usage, 3 database unreachable, 4 internal.\n"));
}

static char *dup_or_null(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : strdup(PQgetvalue(res, row, col));
}

/* A notice's recipients from the summary's "recipients" (array, or one string). */
static void load_recipients(event_t *e, const char *json_text)
{
    e->notice = (Hcbus__Notice)HCBUS__NOTICE__INIT;
    json_t *j = json_text ? json_loads(json_text, JSON_DECODE_ANY, NULL) : NULL;
    size_t n = json_is_array(j) ? json_array_size(j) : json_is_string(j) ? 1 : 0;
    e->notice.recipients = n ? calloc(n, sizeof *e->notice.recipients) : NULL;
    for (size_t i = 0; e->notice.recipients && i < n; i++) {
        json_t *v = json_is_array(j) ? json_array_get(j, i) : j;
        if (json_is_string(v))
            e->notice.recipients[e->notice.n_recipients++] = strdup(json_string_value(v));
    }
    json_decref(j);
}

static void free_events(event_t *events, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(events[i].kind);
        free(events[i].topic);
        free(events[i].committed_us);
        for (size_t k = 0; k < events[i].notice.n_recipients; k++)
            free(events[i].notice.recipients[k]);
        free(events[i].notice.recipients);
    }
    free(events);
}

static int load_events(PGconn *conn, const char *target, bool is_seq, event_t **out, size_t *n_out)
{
    const char *params[] = {target};
    PGresult *res = PQexecParams(conn, is_seq ? EVENT_BY_SEQ_SQL : EVENTS_OF_REQUEST_SQL, 1, NULL, params, NULL,
                                 NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        int rc = audit_db_error(CMD, conn, res, N_("cannot read the events"));
        PQclear(res);
        return rc;
    }
    int n = PQntuples(res);
    if (n == 0 || n > WHO_KNEW_EVENTS_MAX) {
        if (n == 0 && is_seq)
            fprintf(stderr, _("hcbus %s: seq %s is not in the audit log\n"), CMD, target);
        else if (n == 0)
            fprintf(stderr, _("hcbus %s: no event of request \"%s\" is in the audit log (its dispatch, statuses, "
                    "escorts, notices)\n"), CMD, target);
        else
            fprintf(stderr, _("hcbus %s: request %s has more than %d events; ask about single seqs\n"), CMD, target,
                    WHO_KNEW_EVENTS_MAX);
        PQclear(res);
        return AUDIT_EXIT_BAD;
    }
    event_t *events = calloc((size_t)n, sizeof *events);
    if (!events) {
        PQclear(res);
        return AUDIT_EXIT_INTERNAL;
    }
    for (int i = 0; i < n; i++) {
        event_t *e = &events[i];
        e->seq = atoll(PQgetvalue(res, i, 0));
        e->kind = dup_or_null(res, i, 1);
        e->topic = dup_or_null(res, i, 2);
        e->committed_us = dup_or_null(res, i, 3);
        e->clinical = strcmp(PQgetvalue(res, i, 5), "t") == 0;
        e->is_notice = e->kind && strcmp(e->kind, "notice") == 0;
        load_recipients(e, e->is_notice ? (PQgetisnull(res, i, 4) ? NULL : PQgetvalue(res, i, 4)) : NULL);
    }
    PQclear(res);
    *out = events;
    *n_out = (size_t)n;
    return 0;
}

/* The broker's rule: a prefix matches the topic by whole components, and a notice
 * reaches only its recipients and those who see every notice. */
static bool reaches(const event_t *e, json_t *prefixes, const char *institution, bool all_notices)
{
    unsigned roles = all_notices ? 1u << HCBUS_ROLE_FACILITATOR : 0;
    if (!e->topic || !audience_admits(e->is_notice ? &e->notice : NULL, institution, roles))
        return false;
    for (size_t i = 0; i < json_array_size(prefixes); i++) {
        const char *p = json_string_value(json_array_get(prefixes, i));
        if (p && hcbus_topic_matches(e->topic, p))
            return true;
    }
    return false;
}

static bool in_seqs(json_t *seqs, long long seq)
{
    for (size_t i = 0; i < json_array_size(seqs); i++)
        if (json_integer_value(json_array_get(seqs, i)) == seq)
            return true;
    return false;
}

static long long num(const PGresult *res, int row, int col, long long missing)
{
    return PQgetisnull(res, row, col) ? missing : atoll(PQgetvalue(res, row, col));
}

/* Does record `row` cover event e? Fills the answer if so. */
static bool covers(const PGresult *res, int row, const event_t *e, json_t *prefixes, json_t *seqs, answer_t *a)
{
    const char *how = PQgetvalue(res, row, R_HOW);
    const char *institution = PQgetvalue(res, row, R_INSTITUTION);
    bool all_notices = strcmp(PQgetvalue(res, row, R_ALL_NOTICES), "t") == 0;
    long long from = num(res, row, R_FROM, 0), upto = num(res, row, R_UPTO, -1);
    long long bound = num(res, row, R_BOUND, -1), lost = num(res, row, R_LOST, 0);
    *a = (answer_t){.seq = e->seq, .event = e, .how = how, .institution = institution, .certain = true,
                    .session = PQgetisnull(res, row, R_SESSION) ? NULL : PQgetvalue(res, row, R_SESSION),
                    .from_us = num(res, row, R_STARTED, 0), .by_us = num(res, row, R_ENDED_AT, 0)};
    if (strcmp(how, "snapshot") == 0) {
        if (!in_seqs(seqs, e->seq))
            return false;
    } else {
        if (e->seq < from || !reaches(e, prefixes, institution, all_notices))
            return false;
        if (upto >= 0 && e->seq > upto)
            return false; /* the segment or page ended before it */
        if (upto < 0 && bound >= 0 && e->seq > bound)
            return false; /* after the next broker start: this session was gone */
    }
    if (strcmp(how, "live") == 0) {
        long long committed = e->committed_us ? atoll(e->committed_us) : 0;
        if (committed > a->from_us)
            a->from_us = committed;
        if (upto < 0) {
            a->certain = false;
            a->by_us = 0;
            snprintf(a->note, sizeof a->note, "%s",
                     bound >= 0 ? "no end recorded: the broker stopped abruptly; received if sent before it did"
                                : "subscription still open (no end recorded yet)");
        } else if (!PQgetisnull(res, row, R_ENDED)) {
            snprintf(a->note, sizeof a->note, "subscription ended: %s", PQgetvalue(res, row, R_ENDED));
        }
    }
    if (lost > 0) {
        a->certain = false;
        size_t used = strlen(a->note);
        snprintf(a->note + used, sizeof a->note - used, "%sthe broker lost %lld delivery records (queue full)",
                 used ? "; " : "", lost);
    }
    a->redacted = strcmp(PQgetvalue(res, row, R_REDACTED), "t") == 0 && e->clinical;
    return true;
}

static int answer_cmp(const void *pa, const void *pb)
{
    const answer_t *a = pa, *b = pb;
    if (a->seq != b->seq)
        return a->seq < b->seq ? -1 : 1;
    if (a->from_us != b->from_us)
        return a->from_us < b->from_us ? -1 : 1;
    int c = strcmp(a->institution, b->institution);
    return c ? c : strcmp(a->how, b->how);
}

static int print_answers(const audit_opts_t *opts, const event_t *events, size_t n_events, answer_t *answers,
                         size_t n)
{
    audit_out_t *out = audit_out_new(stdout, opts->format, columns, O_COUNT, opts->utc);
    if (!out)
        return AUDIT_EXIT_INTERNAL;
    audit_out_header(out);
    if (n > 0)
        qsort(answers, n, sizeof *answers, answer_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n_events; i++) {
        char seq[32], from[32], by[32];
        snprintf(seq, sizeof seq, "%lld", events[i].seq);
        bool any = false;
        for (; k < n && answers[k].seq == events[i].seq; k++, any = true) {
            const answer_t *a = &answers[k];
            snprintf(from, sizeof from, "%lld", a->from_us);
            snprintf(by, sizeof by, "%lld", a->by_us);
            const char *row[O_COUNT] = {seq, events[i].kind, a->institution, a->how, a->from_us ? from : NULL,
                                        a->by_us ? by : NULL, a->redacted ? "t" : "f", a->certain ? "t" : "f",
                                        a->session, a->note[0] ? a->note : NULL};
            audit_out_row(out, row);
        }
        if (!any && opts->format == AUDIT_FORMAT_TEXT) {
            const char *row[O_COUNT] = {seq, events[i].kind, "(nobody)", NULL, NULL, NULL, NULL, NULL, NULL,
                                        "no delivery record covers it"};
            audit_out_row(out, row);
        }
    }
    audit_out_destroy(&out);
    return fflush(stdout) == 0 && !ferror(stdout) ? AUDIT_EXIT_OK : AUDIT_EXIT_INTERNAL;
}

/* Match every record against every event; answers are allocated as they come. */
static int collect(const PGresult *res, const event_t *events, size_t n_events, answer_t **out, size_t *n_out)
{
    size_t n = 0, cap = 0;
    answer_t *answers = NULL;
    for (int row = 0; row < PQntuples(res); row++) {
        json_t *prefixes = json_loads(PQgetvalue(res, row, R_PREFIXES), JSON_DECODE_ANY, NULL);
        json_t *seqs = PQgetisnull(res, row, R_SEQS) ? NULL : json_loads(PQgetvalue(res, row, R_SEQS), 0, NULL);
        for (size_t i = 0; i < n_events; i++) {
            answer_t a;
            if (!covers(res, row, &events[i], prefixes, seqs, &a))
                continue;
            if (n == cap) {
                answer_t *grown = realloc(answers, (cap = cap ? 2 * cap : 16) * sizeof *answers);
                if (!grown) {
                    json_decref(prefixes);
                    json_decref(seqs);
                    free(answers);
                    return AUDIT_EXIT_INTERNAL;
                }
                answers = grown;
            }
            answers[n++] = a;
        }
        json_decref(prefixes);
        json_decref(seqs);
    }
    *out = answers;
    *n_out = n;
    return 0;
}

static int who_knew(const audit_opts_t *opts, const char *target, bool is_seq)
{
    PGconn *conn;
    int rc = audit_db_connect(CMD, opts->db, &conn);
    if (rc != 0)
        return rc;
    event_t *events = NULL;
    size_t n_events = 0;
    if ((rc = load_events(conn, target, is_seq, &events, &n_events)) != 0) {
        PQfinish(conn);
        return rc;
    }
    /* The bounds and the seqs as a PostgreSQL array literal. */
    size_t list_size = n_events * 24 + 3;
    char *list = malloc(list_size), lo[32], hi[32];
    if (!list) {
        free_events(events, n_events);
        PQfinish(conn);
        return AUDIT_EXIT_INTERNAL;
    }
    size_t used = (size_t)snprintf(list, list_size, "{");
    for (size_t i = 0; i < n_events; i++)
        used += (size_t)snprintf(list + used, list_size - used, "%s%lld", i ? "," : "", events[i].seq);
    snprintf(list + used, list_size - used, "}");
    snprintf(lo, sizeof lo, "%lld", events[0].seq);
    snprintf(hi, sizeof hi, "%lld", events[n_events - 1].seq);
    const char *params[] = {lo, hi, list};
    PGresult *res = PQexecParams(conn, RECORDS_SQL, 3, NULL, params, NULL, NULL, 0);
    answer_t *answers = NULL;
    size_t n = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        rc = audit_db_error(CMD, conn, res, N_("cannot read the delivery records (review.deliveries)"));
    else if ((rc = collect(res, events, n_events, &answers, &n)) == 0)
        rc = print_answers(opts, events, n_events, answers, n);
    free(answers); /* its strings point into res: freed after */
    PQclear(res);
    free(list);
    free_events(events, n_events);
    PQfinish(conn);
    return rc;
}

int audit_who_knew(int argc, char **argv)
{
    static const struct option options[] = {AUDIT_LONG_OPTIONS, {"request", required_argument, NULL, 'r'},
                                            {NULL, 0, NULL, 0}};
    audit_opts_t opts = {0};
    const char *request = NULL;
    int c, index;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "h", options, &index)) != -1) {
        if (c == 'h') {
            help();
            return AUDIT_EXIT_OK;
        }
        if (c == 'r') {
            request = optarg;
            continue;
        }
        if (c != 0 || audit_opt_take(CMD, &opts, options[index].name, optarg) <= 0)
            return c != 0 ? bad_flag(CMD, argv) : AUDIT_EXIT_USAGE;
    }
    if (request && optind != argc)
        return usage_error(CMD, _("give either SEQ|REQUEST or --request REQUEST"));
    if (!request && optind + 1 != argc)
        return usage_error(CMD, optind == argc ? _("SEQ or REQUEST is missing") : _("one SEQ or REQUEST only"));
    const char *target = request ? request : argv[optind];
    if (!*target)
        return usage_error(CMD, _("an empty REQUEST names nothing"));
    if (request || strspn(target, "0123456789") != strlen(target))
        return who_knew(&opts, target, false); /* a dispatch request id */
    long seq = 0;
    if (parse_count(CMD, "SEQ", target, LONG_MAX, &seq) != 0)
        return AUDIT_EXIT_USAGE;
    if (seq == 0)
        return usage_error(CMD, _("SEQ 0 is not a seq: seqs start at 1"));
    char text[32];
    snprintf(text, sizeof text, "%ld", seq);
    return who_knew(&opts, text, true);
}
