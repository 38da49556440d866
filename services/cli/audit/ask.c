/* ask.c — `hcbus audit ask SEQ QUESTION`: a facilitator's question to the anonymous
 * reporter of the alert at SEQ, through review.ask_reporter (deploy/sql/012), the only
 * write a reviewer may make. The function checks the seq and the question and refuses
 * in Spanish naming the seq; this file prints its words and hint as they are. The
 * reporter reads the question by coming back to hcbus-report with the receipt. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "common.h"
#include "conversation_common.h"
#include "db.h"
#include "hcbus/i18n.h"
#include "hcbus/text.h"

#define CMD "audit ask"
#define ASK_SQL "SELECT review.ask_reporter($1::bigint, $2::text)"
/* The longest question stdin may hold: 2000 characters of up to 4 bytes, then CR LF.
 * One byte more is read to tell "too long" from "just fits". */
#define ASK_STDIN_MAX (AUDIT_QUESTION_CHARS_MAX * 4 + 2)
#define SQLSTATE_CLASS_DATA "22"        /* data exceptions: too long, bad encoding */
#define SQLSTATE_NO_DATA_FOUND "P0002"  /* ask_reporter: no event with that seq */

static void help(void)
{
    printf("%s%s%s",
           _("usage: hcbus audit ask SEQ QUESTION [--json] [--db CONNINFO]\n"
           "  ask the anonymous reporter of the alert recorded with seq SEQ a question\n"
           "  (1 to 2000 characters; QUESTION \"-\" reads it from standard input). Prints the\n"
           "  question's number. The reporter reads it only by coming back to the web form\n"
           "  (hcbus-report, \"Tengo un código de recibo\") with the receipt it gave them,\n"
           "  and may answer there; hcbus audit conversation SEQ shows the answer.\n"
           "  Only reports sent through the web form have a receipt: a question about an\n"
           "  alert from another anonymous gateway (e.g. the telephone line) is recorded\n"
           "  but nobody will ever read it.\n"
           "  Refused, in Spanish naming the seq (exit 1): a seq that is not an anonymous\n"
           "  alert (a dispatch, an alert an institution sent, no such seq), an empty\n"
           "  question, one over 2000 characters.\n"
           "  The question, its day and who asked (your database login) are kept in\n"
           "  PostgreSQL beside the log, not in the hash-chained log (docs/decisions/0024).\n"
           "  --json                print {\"question_id\": N, \"seq\": N} instead of text\n"),
           _(AUDIT_DB_HELP),
           _("Exit: 0 asked, 1 refused, 2 usage, 3 database unreachable, 4 internal.\n"));
}

/* The question from standard input into a new string (free()); the one line break that
 * ends it is dropped. NULL after printing why. */
static char *read_stdin(const char *seq)
{
    char *buf = malloc(ASK_STDIN_MAX + 2);
    if (!buf) {
        fprintf(stderr, "hcbus " CMD ": out of memory\n");
        return NULL;
    }
    size_t len = fread(buf, 1, ASK_STDIN_MAX + 1, stdin);
    if (ferror(stdin)) {
        fprintf(stderr, "hcbus " CMD ": cannot read the question from standard input: %s\n",
                strerror(errno));
        free(buf);
        return NULL;
    }
    if (len > ASK_STDIN_MAX) {
        fprintf(stderr, "hcbus " CMD ": seq %s: la pregunta (de la entrada estándar) tiene más de "
                "%d caracteres; el máximo es %d\n", seq, AUDIT_QUESTION_CHARS_MAX,
                AUDIT_QUESTION_CHARS_MAX);
        free(buf);
        return NULL;
    }
    if (memchr(buf, '\0', len)) {
        fprintf(stderr, "hcbus " CMD ": the question on standard input holds a NUL byte: is "
                "it text?\n");
        free(buf);
        return NULL;
    }
    if (len > 0 && buf[len - 1] == '\n')
        len--;
    if (len > 0 && buf[len - 1] == '\r')
        len--;
    buf[len] = '\0';
    return buf;
}

/* ask_reporter's refusal: its message and hint as they are (escaped). */
static int refused(const PGresult *res)
{
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
    char *safe_msg = hcbus_text_escape_dup(msg ? msg : "?", HCBUS_TEXT_PLAIN);
    char *safe_hint = hint ? hcbus_text_escape_dup(hint, HCBUS_TEXT_PLAIN) : NULL;
    fprintf(stderr, "hcbus " CMD ": %s%s%s\n", safe_msg ? safe_msg : "?",
            safe_hint ? "\n  hint: " : "", safe_hint ? safe_hint : "");
    free(safe_msg);
    free(safe_hint);
    return AUDIT_EXIT_BAD;
}

/* Run sql (no result rows expected); prints the error and returns its exit code. */
static int exec_command(PGconn *conn, const char *sql, const char *what)
{
    PGresult *res = PQexec(conn, sql);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : audit_db_error(CMD, conn, res, what);
    PQclear(res);
    return rc;
}

static void print_asked(const audit_opts_t *opts, const char *seq, const char *question_id)
{
    if (opts->format == AUDIT_FORMAT_JSON) {
        printf("{\"question_id\": %s, \"seq\": %s}\n", question_id, seq);
        return;
    }
    printf("pregunta %s registrada para la alerta anónima seq %s.\n"
           "Quien reportó la verá cuando vuelva al formulario con su código de recibo; su\n"
           "respuesta aparecerá en: hcbus audit conversation %s\n"
           "(Solo los reportes del formulario web tienen recibo: si la alerta llegó por otra\n"
           "vía, como la línea telefónica, nadie leerá esta pregunta.)\n",
           question_id, seq, seq);
}

static int ask(const audit_opts_t *opts, const char *seq, const char *question)
{
    PGconn *conn;
    int rc = audit_db_connect(CMD, opts->db, &conn);
    if (rc != 0)
        return rc;
    if ((rc = audit_db_require_primary(CMD, conn)) != 0) {
        PQfinish(conn);
        return rc;
    }
    /* The session is read-only (db.c); this one transaction may write, and the reviewer's
     * only write right is ask_reporter. */
    if ((rc = exec_command(conn, "START TRANSACTION READ WRITE", "cannot start the transaction")) != 0) {
        PQfinish(conn);
        return rc;
    }
    const char *params[] = {seq, question};
    PGresult *res = PQexecParams(conn, ASK_SQL, 2, NULL, params, NULL, NULL, 0);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
        char question_id[AUDIT_SEQ_TEXT_MAX];
        snprintf(question_id, sizeof question_id, "%s", PQgetvalue(res, 0, 0));
        rc = exec_command(conn, "COMMIT", "cannot record the question");
        if (rc == 0)
            print_asked(opts, seq, question_id);
    } else if (state && (strncmp(state, SQLSTATE_CLASS_DATA, 2) == 0 ||
                         strcmp(state, SQLSTATE_NO_DATA_FOUND) == 0)) {
        rc = refused(res);
    } else {
        rc = audit_db_error(CMD, conn, res, N_("cannot ask the question"));
    }
    PQclear(res);
    PQfinish(conn); /* without COMMIT: rolled back */
    if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout)))
        rc = AUDIT_EXIT_INTERNAL;
    return rc;
}

int audit_ask(int argc, char **argv)
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
        return usage_error(CMD, _("--csv is for lists; ask prints text or --json"));
    if (argc - optind != 2)
        return usage_error(CMD, argc - optind < 1   ? "SEQ and QUESTION are missing"
                                : argc - optind < 2 ? "QUESTION is missing (quote it: "
                                                      "hcbus audit ask 8 \"¿A qué hora pasó?\")"
                                                    : "one SEQ and one QUESTION only (quote the "
                                                      "question)");
    char seq[AUDIT_SEQ_TEXT_MAX];
    int rc = audit_seq_arg(CMD, argv[optind], seq);
    if (rc != 0)
        return rc;
    if (strcmp(argv[optind + 1], "-") != 0)
        return ask(&opts, seq, argv[optind + 1]);
    char *question = read_stdin(seq);
    if (!question)
        return AUDIT_EXIT_BAD;
    rc = ask(&opts, seq, question);
    free(question);
    return rc;
}
