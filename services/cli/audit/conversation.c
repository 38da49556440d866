/* conversation.c — `hcbus audit conversation SEQ`: the questions facilitators asked the
 * anonymous reporter of the alert at SEQ and the answers, in the order asked, from
 * review.report_conversation (deploy/sql/012). Days only: nothing keeps a time of day.
 * Text in Spanish, as the questions are; --json and --csv give one row per question. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "common.h"
#include "conversation_common.h"
#include "db.h"
#include "hcbus/i18n.h"
#include "hcbus/text.h"

#define CMD "audit conversation"
#define CONVERSATION_SQL                                                                    \
    "SELECT seq, alert_id, question_id, to_char(asked_on, 'YYYY-MM-DD'), asked_by, "      \
    "question, to_char(answered_on, 'YYYY-MM-DD'), answer "                              \
    "FROM review.report_conversation WHERE seq = $1 ORDER BY question_id"

enum { C_SEQ, C_ALERT, C_QUESTION_ID, C_ASKED_ON, C_ASKED_BY, C_QUESTION, C_ANSWERED_ON,
       C_ANSWER, C_COUNT };
static const audit_column_t columns[C_COUNT] = {
    [C_SEQ] = {"seq", AUDIT_COL_INT, 0},
    [C_ALERT] = {"alert_id", AUDIT_COL_TEXT, 0},
    [C_QUESTION_ID] = {"question_id", AUDIT_COL_INT, 0},
    [C_ASKED_ON] = {"asked_on", AUDIT_COL_TEXT, 0},
    [C_ASKED_BY] = {"asked_by", AUDIT_COL_TEXT, 0},
    [C_QUESTION] = {"question", AUDIT_COL_TEXT, 0},
    [C_ANSWERED_ON] = {"answered_on", AUDIT_COL_TEXT, 0},
    [C_ANSWER] = {"answer", AUDIT_COL_TEXT, 0},
};

static void help(void)
{
    printf("%s%s%s",
           _("usage: hcbus audit conversation SEQ [--json | --csv] [--db CONNINFO]\n"
           "  the questions asked to the anonymous reporter of the alert recorded with seq\n"
           "  SEQ (hcbus audit ask) and the reporter's answers, in the order asked: the\n"
           "  question's number, the day it was asked and by whom (a database login), the\n"
           "  question, then the day of the answer and the answer, or \"sin respuesta\n"
           "  todavía\". Days are El Salvador's; no time of day is kept. In Spanish.\n"
           "  Refused, in Spanish naming the seq (exit 1): a seq that is not an anonymous\n"
           "  alert.\n"
           "  --json                one JSON object per question (answered_on and answer\n"
           "                        null while unanswered); nothing when none was asked\n"
           "  --csv                 CSV (RFC 4180) with a header row, one row per question\n"),
           _(AUDIT_DB_HELP),
           _("Exit: 0 shown (also when no question was asked), 1 not an anonymous alert,\n"
           "  2 usage, 3 database unreachable, 4 internal.\n"));
}

static const char *value(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static void print_text(const PGresult *res, const char *seq, const char *alert_id)
{
    int n = PQntuples(res), answered = 0;
    for (int r = 0; r < n; r++)
        answered += value(res, r, C_ANSWER) != NULL;
    char *safe_alert = hcbus_text_escape_dup(alert_id, HCBUS_TEXT_PLAIN);
    if (n == 0) {
        printf("seq %s (alerta anónima %s): sin preguntas todavía\n"
               "  preguntar: hcbus audit ask %s \"...\"\n", seq, safe_alert ? safe_alert : "?", seq);
        free(safe_alert);
        return;
    }
    printf("seq %s (alerta anónima %s): %d %s, %d con respuesta\n"
           "(días de El Salvador; no se guarda la hora)\n",
           seq, safe_alert ? safe_alert : "?", n, n == 1 ? "pregunta" : "preguntas", answered);
    free(safe_alert);
    for (int r = 0; r < n; r++) {
        char *who = hcbus_text_escape_dup(value(res, r, C_ASKED_BY), HCBUS_TEXT_PLAIN);
        printf("\npregunta %s (%s, %s):\n", value(res, r, C_QUESTION_ID),
               value(res, r, C_ASKED_ON), who ? who : "?");
        free(who);
        audit_print_lines(stdout, "  ", value(res, r, C_QUESTION));
        if (!value(res, r, C_ANSWER)) {
            printf("respuesta: sin respuesta todavía\n");
            continue;
        }
        printf("respuesta (%s):\n", value(res, r, C_ANSWERED_ON) ? value(res, r, C_ANSWERED_ON) : "-");
        audit_print_lines(stdout, "  ", value(res, r, C_ANSWER));
    }
}

static int print_rows(const PGresult *res, const audit_opts_t *opts)
{
    audit_out_t *out = audit_out_new(stdout, opts->format, columns, C_COUNT, opts->utc);
    if (!out)
        return -1;
    audit_out_header(out);
    int rc = 0;
    for (int r = 0; r < PQntuples(res) && rc == 0; r++) {
        const char *values[C_COUNT];
        for (int c = 0; c < C_COUNT; c++)
            values[c] = value(res, r, c);
        rc = audit_out_row(out, values);
    }
    audit_out_destroy(&out);
    return rc;
}

static int conversation(const audit_opts_t *opts, const char *seq)
{
    PGconn *conn;
    int rc = audit_db_connect(CMD, opts->db, &conn);
    if (rc != 0)
        return rc;
    char alert_id[AUDIT_ALERT_ID_MAX];
    if ((rc = audit_anonymous_alert(CMD, conn, seq, alert_id)) != 0) {
        PQfinish(conn);
        return rc;
    }
    const char *params[] = {seq};
    PGresult *res = PQexecParams(conn, CONVERSATION_SQL, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = audit_db_error(CMD, conn, res, N_("cannot read the conversation"));
    } else if (opts->format == AUDIT_FORMAT_TEXT) {
        print_text(res, seq, alert_id);
    } else if (print_rows(res, opts) != 0) {
        rc = AUDIT_EXIT_INTERNAL;
    }
    if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout)))
        rc = AUDIT_EXIT_INTERNAL;
    PQclear(res);
    PQfinish(conn);
    return rc;
}

int audit_conversation(int argc, char **argv)
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
    if (optind + 1 != argc)
        return usage_error(CMD, optind == argc ? "SEQ is missing" : "one SEQ only");
    char seq[AUDIT_SEQ_TEXT_MAX];
    int rc = audit_seq_arg(CMD, argv[optind], seq);
    return rc != 0 ? rc : conversation(&opts, seq);
}
