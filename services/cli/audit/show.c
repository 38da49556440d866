/* show.c — `hcbus audit show SEQ`: one recorded message with every column the reviewer
 * may read (review.events: never the payload nor patient details), its zone's names,
 * times in El Salvador time, the summary pretty-printed, and the coordinator's verdict
 * on it when there is one (review.verdicts); for an anonymous alert, how many photos and
 * questions (answered or not) the web form's conversation holds (review.report_photos,
 * review.report_conversation). --json prints the same as one object. */
#include <limits.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "common.h"
#include "db.h"
#include "hcbus/i18n.h"
#include "hcbus/text.h"
#include "timefmt.h"
#include "zonename.h"

#define CMD "audit show"
#define SHOW_SQL                                                                              \
    "SELECT e.seq, e.kind, e.topic, e.zone_id, e.sender, e.subject, "                       \
    AUDIT_SQL_US("e.sent_at") ", " AUDIT_SQL_US("e.received_at") ", "                       \
    AUDIT_SQL_US("e.committed_at") ", e.hash, e.prev_hash, e.summary::text, "               \
    "v.verdict, v.rule, v.rule_text, v.reason, v.notice_seq, "                              \
    "(SELECT max(seq) FROM review.events) "                                                 \
    "FROM review.events e LEFT JOIN review.verdicts v ON v.subject_seq = e.seq "           \
    "WHERE e.seq = $1"

/* An anonymous alert's photos, questions and answers (deploy/sql/012). */
#define REPORT_COUNTS_SQL                                                                   \
    "SELECT (SELECT count(*) FROM review.report_photos WHERE seq = $1), count(*), "        \
    "count(answer) FROM review.report_conversation WHERE seq = $1"
enum { R_PHOTOS, R_QUESTIONS, R_ANSWERED, R_COUNT };
static const audit_column_t report_columns[R_COUNT] = {
    [R_PHOTOS] = {"photos", AUDIT_COL_INT, 0},
    [R_QUESTIONS] = {"questions", AUDIT_COL_INT, 0},
    [R_ANSWERED] = {"answered", AUDIT_COL_INT, 0},
};

/* The query's columns, with their labels in text and keys in JSON. */
enum { S_SEQ, S_KIND, S_TOPIC, S_ZONE, S_SENDER, S_SUBJECT, S_SENT, S_RECEIVED, S_COMMITTED,
       S_HASH, S_PREV, S_SUMMARY, S_VERDICT, S_RULE, S_RULE_TEXT, S_REASON, S_NOTICE, S_MAX,
       S_COUNT };
static const audit_column_t columns[S_COUNT] = {
    [S_SEQ] = {"seq", AUDIT_COL_INT, 0},
    [S_KIND] = {"kind", AUDIT_COL_TEXT, 0},
    [S_TOPIC] = {"topic", AUDIT_COL_TEXT, 0},
    [S_ZONE] = {"zone_id", AUDIT_COL_TEXT, 0},
    [S_SENDER] = {"sender", AUDIT_COL_TEXT, 0},
    [S_SUBJECT] = {"subject", AUDIT_COL_TEXT, 0},
    [S_SENT] = {"sent_at", AUDIT_COL_TIME, 0},
    [S_RECEIVED] = {"received_at", AUDIT_COL_TIME, 0},
    [S_COMMITTED] = {"committed_at", AUDIT_COL_TIME, 0},
    [S_HASH] = {"hash", AUDIT_COL_TEXT, 0},
    [S_PREV] = {"prev_hash", AUDIT_COL_TEXT, 0},
    [S_SUMMARY] = {"summary", AUDIT_COL_JSON, 0},
    [S_VERDICT] = {"verdict", AUDIT_COL_TEXT, 0},
    [S_RULE] = {"rule", AUDIT_COL_TEXT, 0},
    [S_RULE_TEXT] = {"rule_text", AUDIT_COL_TEXT, 0},
    [S_REASON] = {"verdict_reason", AUDIT_COL_TEXT, 0},
    [S_NOTICE] = {"verdict_notice_seq", AUDIT_COL_INT, 0},
};

static void help(void)
{
    printf("%s%s%s",
           _("usage: hcbus audit show SEQ [--json] [--utc] [--db CONNINFO]\n"
           "  the message recorded with seq SEQ: kind, topic, zone (with its district,\n"
           "  municipality and department), the sending institution (anonymous reports\n"
           "  have none), subject, when it was sent, received and committed, its chain\n"
           "  hashes, the coordinator's verdict on it (statuses and escort answers), for an\n"
           "  anonymous alert how many photos and questions it has (hcbus audit photos,\n"
           "  hcbus audit conversation), and its summary, indented. Never the payload nor\n"
           "  patient details.\n"
           "  --json                the same as one JSON object\n"),
           _(AUDIT_DB_HELP),
           _("Exit: 0 shown, 1 no such seq, 2 usage, 3 database unreachable, 4 internal.\n"));
}

/* Print "label  value" with the value escaped for the terminal. */
static void field(const char *label, const char *value)
{
    char *safe = hcbus_text_escape_dup(value ? value : "-", HCBUS_TEXT_PLAIN);
    printf("%-14s %s\n", label, safe ? safe : "?");
    free(safe);
}

static void time_field(const char *label, const char *us, bool utc)
{
    char buf[HCBUS_TIME_TEXT_MAX];
    field(label, us ? audit_time_format_text(us, utc, true, buf, sizeof buf) : NULL);
}

/* The summary, indented two spaces, every line escaped. */
static void summary_block(const char *summary)
{
    json_t *j = summary ? json_loads(summary, 0, NULL) : NULL;
    char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    printf(_("summary\n"));
    const char *p = text ? text : (summary ? summary : "-");
    while (*p) {
        size_t len = strcspn(p, "\n");
        char *line = strndup(p, len);
        char *safe = line ? hcbus_text_escape_dup(line, HCBUS_TEXT_PLAIN) : NULL;
        printf("  %s\n", safe ? safe : "?");
        free(safe);
        free(line);
        p += len;
        if (*p == '\n')
            p++;
    }
    free(text);
}

/* counts: the R_* values of an anonymous alert, else NULL. */
static void print_text(const PGresult *res, const char *zone_name, const PGresult *counts, bool utc)
{
    const char *v[S_COUNT];
    for (int c = 0; c < S_COUNT; c++)
        v[c] = PQgetisnull(res, 0, c) ? NULL : PQgetvalue(res, 0, c);
    field("seq", v[S_SEQ]);
    field("kind", v[S_KIND]);
    field("topic", v[S_TOPIC]);
    char zone[1024];
    snprintf(zone, sizeof zone, "%s%s%s%s", v[S_ZONE], zone_name ? " (" : "",
             zone_name ? zone_name : "", zone_name ? ")" : "");
    field("zone", zone);
    field("institution", v[S_SENDER] && *v[S_SENDER] ? v[S_SENDER] : "(anonymous report)");
    field("subject", v[S_SUBJECT]);
    time_field("sent at", v[S_SENT], utc);
    time_field("received at", v[S_RECEIVED], utc);
    time_field("committed at", v[S_COMMITTED], utc);
    field("hash", v[S_HASH]);
    field("prev hash", v[S_PREV]);
    if (v[S_VERDICT]) {
        char verdict[1024];
        bool refused = strcmp(v[S_VERDICT], "refused") == 0;
        const char *rule = v[S_RULE_TEXT] ? v[S_RULE_TEXT] : v[S_RULE];
        snprintf(verdict, sizeof verdict, "%s%s%s%s (notice seq %s)%s%s",
                 refused ? "REFUSED" : v[S_VERDICT], rule ? (refused ? " (" : ", flagged: ") : "",
                 rule ? rule : "", rule && refused ? ")" : "", v[S_NOTICE],
                 v[S_REASON] ? ": " : "", v[S_REASON] ? v[S_REASON] : "");
        field("coordinator", verdict);
    }
    if (counts) {
        char report[256];
        snprintf(report, sizeof report, "photos %s, questions %s (answered %s): hcbus audit "
                 "photos %s --out DIR; hcbus audit conversation %s",
                 PQgetvalue(counts, 0, R_PHOTOS), PQgetvalue(counts, 0, R_QUESTIONS),
                 PQgetvalue(counts, 0, R_ANSWERED), v[S_SEQ], v[S_SEQ]);
        field("reporter", report);
    }
    summary_block(v[S_SUMMARY]);
}

static int print_json(const PGresult *res, const char *zone_name, const PGresult *counts, bool utc)
{
    audit_column_t cols[S_COUNT + 1 + R_COUNT];
    const char *values[S_COUNT + 1 + R_COUNT];
    size_t n = 0;
    for (int c = 0; c < S_MAX; c++) {
        cols[n] = columns[c];
        values[n++] = PQgetisnull(res, 0, c) ? NULL : PQgetvalue(res, 0, c);
        if (c == S_ZONE) {
            cols[n] = (audit_column_t){"zone_name", AUDIT_COL_TEXT, 0};
            values[n++] = zone_name;
        }
    }
    for (int c = 0; counts && c < R_COUNT; c++) {
        cols[n] = report_columns[c];
        values[n++] = PQgetvalue(counts, 0, c);
    }
    audit_out_t *out = audit_out_new(stdout, AUDIT_FORMAT_JSON, cols, n, utc);
    if (!out)
        return -1;
    int rc = audit_out_row(out, values);
    audit_out_destroy(&out);
    return rc;
}

/* An anonymous alert's counts (R_*), or NULL: not an anonymous alert, or they cannot be
 * read (said on stderr: the event is still shown). */
static PGresult *report_counts(PGconn *conn, const PGresult *event, const char *seq)
{
    if (strcmp(PQgetvalue(event, 0, S_KIND), "alert") != 0 || PQgetvalue(event, 0, S_SENDER)[0])
        return NULL;
    const char *params[] = {seq};
    PGresult *res = PQexecParams(conn, REPORT_COUNTS_SQL, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        return res;
    audit_db_error(CMD, conn, res, N_("cannot count the report's photos and questions"));
    PQclear(res);
    return NULL;
}

static int show(const audit_opts_t *opts, const char *seq)
{
    PGconn *conn;
    int rc = audit_db_connect(CMD, opts->db, &conn);
    if (rc != 0)
        return rc;
    audit_zones_t *zones = NULL;
    const char *params[] = {seq};
    PGresult *res = PQexecParams(conn, SHOW_SQL, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = audit_db_error(CMD, conn, res, N_("cannot read the event"));
    } else if (PQntuples(res) == 0) {
        PGresult *max = PQexec(conn, "SELECT coalesce(max(seq), 0) FROM review.events");
        const char *last = PQresultStatus(max) == PGRES_TUPLES_OK ? PQgetvalue(max, 0, 0) : "?";
        fprintf(stderr, _("hcbus %s: no event has seq %s (the log holds seq 1 to %s)\n"), CMD, seq,
                last);
        PQclear(max);
        rc = AUDIT_EXIT_BAD;
    } else if ((rc = audit_zones_load(CMD, conn, &zones)) == 0) {
        const char *zone_name = audit_zones_name(zones, PQgetvalue(res, 0, S_ZONE));
        PGresult *counts = report_counts(conn, res, seq);
        if (opts->format == AUDIT_FORMAT_JSON)
            rc = print_json(res, zone_name, counts, opts->utc) == 0 ? 0 : AUDIT_EXIT_INTERNAL;
        else
            print_text(res, zone_name, counts, opts->utc);
        PQclear(counts);
        if (fflush(stdout) != 0 || ferror(stdout))
            rc = AUDIT_EXIT_INTERNAL;
    }
    PQclear(res);
    audit_zones_destroy(&zones);
    PQfinish(conn);
    return rc;
}

int audit_show(int argc, char **argv)
{
    static const struct option options[] = {AUDIT_LONG_OPTIONS, {NULL, 0, NULL, 0}};
    audit_opts_t opts = {0};
    int c, index;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "h", options, &index)) != -1) {
        if (c == 'h') {
            help();
            return AUDIT_EXIT_OK;
        }
        if (c != 0 || audit_opt_take(CMD, &opts, options[index].name, optarg) <= 0)
            return c != 0 ? bad_flag(CMD, argv) : AUDIT_EXIT_USAGE;
    }
    if (opts.format == AUDIT_FORMAT_CSV)
        return usage_error(CMD, _("--csv is for lists; show prints text or --json"));
    if (optind + 1 != argc)
        return usage_error(CMD, optind == argc ? _("SEQ is missing") : _("one SEQ only"));
    long seq = 0;
    if (parse_count(CMD, "SEQ", argv[optind], LONG_MAX, &seq) != 0)
        return AUDIT_EXIT_USAGE;
    if (seq == 0)
        return usage_error(CMD, _("SEQ 0 is not a seq: seqs start at 1"));
    char text[32];
    snprintf(text, sizeof text, "%ld", seq);
    return show(&opts, text);
}
