/* db.c — connecting `hcbus audit` to the audit database (db.h). It only reads: the
 * session is read-only (so a standby serves it; the one command that writes asks
 * audit_db_require_primary first), and every message names the conninfo that was tried (with the
 * password left out) and where it came from, so an operator can tell a wrong address
 * from a stopped server from a role without rights. */
#include "db.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "hcbus/i18n.h"
#include "hcbus/text.h"

#define CONNECT_TIMEOUT_S "10"   /* unless the conninfo or PGCONNECT_TIMEOUT says otherwise */
#define REASON_MAX 600
#define SQLSTATE_INSUFFICIENT_PRIVILEGE "42501"
#define SQLSTATE_UNDEFINED_TABLE "42P01"
#define SQLSTATE_UNDEFINED_FUNCTION "42883"

/* PostgreSQL's multi-line message on one line: newlines and tabs become "; " or " ". */
static const char *one_line(const char *msg, char *buf, size_t size)
{
    size_t o = 0;
    for (const char *p = msg ? msg : ""; *p && o + 3 < size; p++) {
        if (*p == '\n') {
            if (p[1] && p[1] != '\n' && o > 0) {
                buf[o++] = ';';
                buf[o++] = ' ';
            }
        } else if (*p == '\t' || *p == '\r') {
            if (o > 0 && buf[o - 1] != ' ')
                buf[o++] = ' ';
        } else {
            buf[o++] = *p;
        }
    }
    while (o > 0 && (buf[o - 1] == ' ' || buf[o - 1] == ';'))
        o--;
    buf[o] = '\0';
    /* The server's text reaches a terminal: escape what a terminal would obey. */
    char *safe = hcbus_text_escape_dup(buf, HCBUS_TEXT_PLAIN);
    if (safe) {
        snprintf(buf, size, "%s", safe);
        free(safe);
    }
    return buf;
}

const char *audit_db_describe(PGconn *conn, char *buf, size_t size)
{
    static const char *const shown[] = {"host", "hostaddr", "port", "dbname", "user", "sslmode"};
    size_t o = 0;
    buf[0] = '\0';
    PQconninfoOption *opts = conn ? PQconninfo(conn) : NULL;
    for (size_t k = 0; k < sizeof shown / sizeof shown[0]; k++)
        for (PQconninfoOption *opt = opts; opt && opt->keyword; opt++) {
            if (strcmp(opt->keyword, shown[k]) != 0 || !opt->val || !*opt->val)
                continue;
            if (strcmp(opt->keyword, "sslmode") == 0 && strcmp(opt->val, "prefer") == 0)
                continue; /* the default: noise */
            int n = snprintf(buf + o, size - o, "%s%s=%s", o ? " " : "", opt->keyword, opt->val);
            if (n < 0 || (size_t)n >= size - o)
                break;
            o += (size_t)n;
        }
    PQconninfoFree(opts);
    /* No host given: libpq's default socket directory, which PQhost names. */
    const char *host = conn ? PQhost(conn) : NULL;
    if (host && *host && !strstr(buf, "host=")) {
        char rest[AUDIT_DB_SHOWN_MAX];
        snprintf(rest, sizeof rest, "%s", buf);
        snprintf(buf, size, "host=%s%s%s", host, *rest ? " " : "", rest);
    }
    return buf;
}

int audit_db_connect(const char *cmd, const char *conninfo, PGconn **out)
{
    const char *source = "--db";
    if (!conninfo && (conninfo = getenv(AUDIT_DB_ENV)) != NULL)
        source = AUDIT_DB_ENV;
    if (!conninfo) {
        source = N_("libpq defaults and PG* variables");
        conninfo = getenv("PGDATABASE") ? "" : AUDIT_DB_DEFAULT;
    }
    char *parse_err = NULL;
    PQconninfoOption *parsed = PQconninfoParse(conninfo, &parse_err);
    if (!parsed) {
        char reason[REASON_MAX];
        fprintf(stderr, _("hcbus %s: the conninfo from %s is not valid: %s (hint: write "
                "\"host=/path/to/socket/dir dbname=hcbus user=NAME\" or a postgresql:// URI)\n"),
                cmd, source, one_line(parse_err ? parse_err : "out of memory", reason, sizeof reason));
        PQfreemem(parse_err);
        return AUDIT_EXIT_USAGE;
    }
    PQconninfoFree(parsed);

    const char *keys[4], *values[4];
    int k = 0;
    keys[k] = "fallback_application_name", values[k++] = "hcbus audit";
    if (!getenv("PGCONNECT_TIMEOUT"))
        keys[k] = "connect_timeout", values[k++] = CONNECT_TIMEOUT_S;
    keys[k] = "dbname", values[k++] = conninfo; /* last: the conninfo overrides the above */
    keys[k] = NULL, values[k] = NULL;
    PGconn *conn = PQconnectdbParams(keys, values, 1);
    if (!conn) {
        fprintf(stderr, _("hcbus %s: out of memory connecting to the audit database\n"), cmd);
        return AUDIT_EXIT_INTERNAL;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        char shown[AUDIT_DB_SHOWN_MAX], reason[REASON_MAX];
        fprintf(stderr,
                _("hcbus %s: cannot connect to the audit database (%s, from %s): %s\n"
                  "  hint: check that PostgreSQL runs and that this account may log in as a "
                  "member of hcbus_reviewer (docs/audit.md, \"Reading the log\"); give --db "
                  "CONNINFO or set HCBUS_AUDIT_DB\n"),
                cmd, audit_db_describe(conn, shown, sizeof shown), _(source),
                one_line(PQerrorMessage(conn), reason, sizeof reason));
        PQfinish(conn);
        return AUDIT_EXIT_UNREACHABLE;
    }
    PGresult *res = PQexec(conn, "SET default_transaction_read_only = on");
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        int rc = audit_db_error(cmd, conn, res, N_("cannot make the session read-only"));
        PQclear(res);
        PQfinish(conn);
        return rc;
    }
    PQclear(res);
    *out = conn;
    return 0;
}

/* True when the server is a hot standby: PostgreSQL 14+ reports in_hot_standby at
 * connection; an older one is asked. A failed question is taken as "no": the write
 * itself then fails with PostgreSQL's own message. */
static bool in_hot_standby(PGconn *conn)
{
    const char *reported = PQparameterStatus(conn, "in_hot_standby");
    if (reported)
        return strcmp(reported, "on") == 0;
    PGresult *res = PQexec(conn, "SELECT pg_is_in_recovery()");
    bool standby = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
                   strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return standby;
}

int audit_db_require_primary(const char *cmd, PGconn *conn)
{
    if (!in_hot_standby(conn))
        return 0;
    char shown[AUDIT_DB_SHOWN_MAX];
    fprintf(stderr,
            _("hcbus %s: the audit database at %s port %s (%s) is a standby, which only reads; this command writes\n"
              "  hint: point --db at the primary: list every server and add target_session_attrs=read-write, e.g. "
              "\"host=10.1.0.2,10.2.0.2 dbname=hcbus target_session_attrs=read-write\" (docs/ha.md)\n"),
            cmd, PQhost(conn), PQport(conn), audit_db_describe(conn, shown, sizeof shown));
    return AUDIT_EXIT_UNREACHABLE;
}

int audit_db_error(const char *cmd, PGconn *conn, const PGresult *res, const char *what)
{
    char reason[REASON_MAX], shown[AUDIT_DB_SHOWN_MAX];
    const char *msg = res ? PQresultErrorMessage(res) : NULL;
    if (!msg || !*msg)
        msg = PQerrorMessage(conn);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *hint = "";
    if (state && strcmp(state, SQLSTATE_INSUFFICIENT_PRIVILEGE) == 0)
        hint = _("\n  hint: the role needs membership of hcbus_reviewer (docs/audit.md)");
    else if (state && (strcmp(state, SQLSTATE_UNDEFINED_TABLE) == 0 ||
                       strcmp(state, SQLSTATE_UNDEFINED_FUNCTION) == 0))
        hint = _("\n  hint: the database lacks a review view: apply deploy/sql/ "
                 "(deploy/migrate.sh) or start an up-to-date hcbus-auditd");
    bool gone = PQstatus(conn) != CONNECTION_OK;
    fprintf(stderr, _("hcbus %s: %s (%s): %s%s\n"), cmd, _(what),
            audit_db_describe(conn, shown, sizeof shown), one_line(msg, reason, sizeof reason),
            hint);
    return gone ? AUDIT_EXIT_UNREACHABLE : AUDIT_EXIT_INTERNAL;
}
