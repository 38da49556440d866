/* list.c — `hcbus audit list`: the recorded messages in seq order, filtered (filter.h),
 * as aligned text, JSON lines or CSV, streamed through a cursor so any size of log
 * prints in constant memory. Reads review.events only: no payload, no patient details. */
#include "list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "cursor.h"
#include "db.h"
#include "hcbus/i18n.h"
#include "output.h"
#include "timefmt.h"
#include "zonename.h"

#define CMD "audit list"
#define LIST_SQL_MAX (AUDIT_FILTER_SQL_MAX + 1024)

/* The query's columns, in order. */
enum { Q_SEQ, Q_RECEIVED, Q_SENDER, Q_KIND, Q_ZONE, Q_SUBJECT, Q_SUMMARY, Q_SENT, Q_COMMITTED,
       Q_TOPIC, Q_COUNT };
#define LIST_SELECT                                                                      \
    "SELECT e.seq, " AUDIT_SQL_US("e.received_at") ", e.sender, e.kind, e.zone_id, "    \
    "e.subject, e.summary::text, " AUDIT_SQL_US("e.sent_at") ", "                       \
    AUDIT_SQL_US("e.committed_at") ", e.topic FROM review.events e"

/* Text: the columns a person scans. */
static const audit_column_t text_columns[] = {
    {"seq", AUDIT_COL_INT, 7},        {"received", AUDIT_COL_TIME, 25},
    {"institution", AUDIT_COL_TEXT, 14}, {"kind", AUDIT_COL_TEXT, 13},
    {"zone", AUDIT_COL_TEXT, 36},     {"subject", AUDIT_COL_TEXT, 26},
    {"summary", AUDIT_COL_JSON, 0},
};
/* JSON and CSV: every column of review.events but the hashes, and the zone's name. */
static const audit_column_t full_columns[] = {
    {"seq", AUDIT_COL_INT, 0},          {"received_at", AUDIT_COL_TIME, 0},
    {"sent_at", AUDIT_COL_TIME, 0},     {"committed_at", AUDIT_COL_TIME, 0},
    {"sender", AUDIT_COL_TEXT, 0},      {"kind", AUDIT_COL_TEXT, 0},
    {"topic", AUDIT_COL_TEXT, 0},       {"zone_id", AUDIT_COL_TEXT, 0},
    {"zone_name", AUDIT_COL_TEXT, 0},   {"subject", AUDIT_COL_TEXT, 0},
    {"summary", AUDIT_COL_JSON, 0},
};

typedef struct list_ctx {
    audit_out_t *out;
    const audit_zones_t *zones;
    bool text;
} list_ctx_t;

static int print_row(void *arg, const char *const *v, int n)
{
    list_ctx_t *ctx = arg;
    if (n < Q_COUNT)
        return AUDIT_EXIT_INTERNAL;
    if (ctx->text) {
        const char *sender = v[Q_SENDER] && *v[Q_SENDER] ? v[Q_SENDER] : "(anonymous)";
        const char *row[] = {v[Q_SEQ], v[Q_RECEIVED], sender, v[Q_KIND], v[Q_ZONE],
                             v[Q_SUBJECT], v[Q_SUMMARY]};
        audit_out_row(ctx->out, row);
    } else {
        const char *row[] = {v[Q_SEQ],    v[Q_RECEIVED], v[Q_SENT],  v[Q_COMMITTED],
                             v[Q_SENDER], v[Q_KIND],     v[Q_TOPIC], v[Q_ZONE],
                             audit_zones_name(ctx->zones, v[Q_ZONE]), v[Q_SUBJECT],
                             v[Q_SUMMARY]};
        audit_out_row(ctx->out, row);
    }
    return ferror(stdout) ? AUDIT_EXIT_INTERNAL : 0;
}

static int run_query(const char *cmd, PGconn *conn, const audit_opts_t *opts,
                     const audit_where_t *where, const audit_zones_t *zones, size_t *rows)
{
    char sql[LIST_SQL_MAX];
    snprintf(sql, sizeof sql, LIST_SELECT "%s ORDER BY e.seq", where->sql);
    bool text = opts->format == AUDIT_FORMAT_TEXT;
    list_ctx_t ctx = {.zones = zones, .text = text};
    ctx.out = text ? audit_out_new(stdout, opts->format, text_columns,
                                   sizeof text_columns / sizeof text_columns[0], opts->utc)
                   : audit_out_new(stdout, opts->format, full_columns,
                                   sizeof full_columns / sizeof full_columns[0], opts->utc);
    if (!ctx.out) {
        fprintf(stderr, _("hcbus %s: out of memory\n"), cmd);
        return AUDIT_EXIT_INTERNAL;
    }
    audit_out_header(ctx.out);
    int rc = audit_cursor_each(cmd, conn, sql, where->n_params, where->params, print_row, &ctx,
                               rows);
    fflush(stdout);
    audit_out_destroy(&ctx.out);
    if (rc < 0)
        return -rc;
    if (rc == 0 && ferror(stdout)) {
        fprintf(stderr, _("hcbus %s: cannot write the output\n"), cmd);
        return AUDIT_EXIT_INTERNAL;
    }
    return rc;
}

int audit_list_print(const char *cmd, const audit_opts_t *opts, const audit_filter_t *filter,
                     size_t *rows)
{
    PGconn *conn;
    int rc = audit_db_connect(cmd, opts->db, &conn);
    if (rc != 0)
        return rc;
    audit_where_t where;
    audit_zones_t *zones = NULL;
    rc = audit_where_build(cmd, conn, filter, &where);
    if (rc == 0 && opts->format != AUDIT_FORMAT_TEXT)
        rc = audit_zones_load(cmd, conn, &zones);
    if (rc == 0)
        rc = run_query(cmd, conn, opts, &where, zones, rows);
    audit_zones_destroy(&zones);
    audit_where_free(&where);
    PQfinish(conn);
    return rc;
}

static void help(void)
{
    printf("%s%s%s%s%s%s",
           _("usage: hcbus audit list [filters] [--json|--csv] [--utc] [--db CONNINFO]\n"
           "  the recorded messages in seq order, one per line: seq, when the broker received\n"
           "  it, the sending institution, kind, zone, subject (request, alert or escort id)\n"
           "  and the summary (never the payload nor patient details). Filters combine (AND):\n"),
           _(AUDIT_FILTER_HELP),
           _(AUDIT_FORMAT_HELP),
           _("                        (both with every column: sent_at, committed_at, topic,\n"
           "                        zone_name)\n"),
           _(AUDIT_DB_HELP),
           _("Exit: 0 ok (also when nothing matches), 1 bad filter value, 2 usage, 3 database\n"
           "  unreachable, 4 internal.\n"));
}

int audit_list(int argc, char **argv)
{
    static const struct option options[] = {AUDIT_LONG_OPTIONS, AUDIT_FILTER_LONG_OPTIONS,
                                            {NULL, 0, NULL, 0}};
    audit_opts_t opts = {0};
    audit_filter_t filter = {0};
    int c, index;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "h", options, &index)) != -1) {
        if (c == 'h') {
            help();
            return AUDIT_EXIT_OK;
        }
        if (c != 0)
            return bad_flag(CMD, argv);
        const char *name = options[index].name;
        int taken = audit_opt_take(CMD, &opts, name, optarg);
        if (taken < 0)
            return AUDIT_EXIT_USAGE;
        if (!taken)
            audit_filter_take(&filter, name, optarg);
    }
    if (optind < argc)
        return usage_error(CMD, _("unexpected argument '%s'"), argv[optind]);
    return audit_list_print(CMD, &opts, &filter, NULL);
}
