/* conversation_common.c — the SEQ argument, the anonymous-alert check and the printing
 * of multi-line texts shared by ask, conversation and photos (conversation_common.h).
 * The refusals repeat review.ask_reporter's wording (deploy/sql/012) so a facilitator
 * reads the same sentence whichever command refused the seq. */
#include "conversation_common.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "common.h"
#include "db.h"
#include "hcbus/i18n.h"
#include "hcbus/text.h"

#define ALERT_SQL "SELECT kind, sender, coalesce(subject, '') FROM review.events WHERE seq = $1"
#define LAST_SEQ_SQL "SELECT coalesce(max(seq), 0) FROM review.events"
#define HINT_ANONYMOUS "las alertas anónimas: hcbus audit list --kind alert --institution ''"

int audit_seq_arg(const char *cmd, const char *text, char *seq)
{
    long value = 0;
    if (parse_count(cmd, "SEQ", text, LONG_MAX, &value) != 0)
        return AUDIT_EXIT_USAGE;
    if (value == 0)
        return usage_error(cmd, _("SEQ 0 is not a seq: seqs start at 1"));
    snprintf(seq, AUDIT_SEQ_TEXT_MAX, "%ld", value);
    return 0;
}

/* Print "hcbus CMD: seq SEQ: WHAT" with WHAT escaped (it may hold a sender's id). */
static int refuse(const char *cmd, const char *seq, const char *what)
{
    char *safe = hcbus_text_escape_dup(what, HCBUS_TEXT_PLAIN);
    fprintf(stderr, _("hcbus %s: seq %s: %s\n"), cmd, seq, safe ? safe : "?");
    free(safe);
    return AUDIT_EXIT_BAD;
}

int audit_anonymous_alert(const char *cmd, PGconn *conn, const char *seq, char *alert_id)
{
    const char *params[] = {seq};
    PGresult *res = PQexecParams(conn, ALERT_SQL, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        int rc = audit_db_error(cmd, conn, res, N_("cannot read the event"));
        PQclear(res);
        return rc;
    }
    char what[512];
    int rc = 0;
    if (PQntuples(res) == 0) {
        PGresult *max = PQexec(conn, LAST_SEQ_SQL);
        const char *last = PQresultStatus(max) == PGRES_TUPLES_OK ? PQgetvalue(max, 0, 0) : "?";
        snprintf(what, sizeof what, "no hay ningún mensaje con ese seq en el registro (va de la "
                 "seq 1 a la %s; %s)", last, HINT_ANONYMOUS);
        PQclear(max);
        rc = refuse(cmd, seq, what);
    } else if (strcmp(PQgetvalue(res, 0, 0), "alert") != 0) {
        snprintf(what, sizeof what, "es un mensaje de tipo %s, no una alerta; solo quien reportó "
                 "una alerta anónima tiene preguntas y fotos (%s)", PQgetvalue(res, 0, 0),
                 HINT_ANONYMOUS);
        rc = refuse(cmd, seq, what);
    } else if (PQgetvalue(res, 0, 1)[0] != '\0') {
        snprintf(what, sizeof what, "la alerta no es anónima, la envió la institución %s "
                 "(pregunte a esa institución directamente)", PQgetvalue(res, 0, 1));
        rc = refuse(cmd, seq, what);
    } else if (PQgetlength(res, 0, 2) == 0 || PQgetlength(res, 0, 2) >= AUDIT_ALERT_ID_MAX) {
        rc = refuse(cmd, seq, "la alerta no tiene un alert_id válido");
    } else {
        memcpy(alert_id, PQgetvalue(res, 0, 2), (size_t)PQgetlength(res, 0, 2) + 1);
    }
    PQclear(res);
    return rc;
}

void audit_print_lines(FILE *out, const char *indent, const char *text)
{
    const char *p = text ? text : "";
    do {
        size_t len = strcspn(p, "\n");
        /* A browser sends a textarea's line breaks as CR LF: the CR is not content. */
        char *line = strndup(p, len > 0 && p[len - 1] == '\r' ? len - 1 : len);
        char *safe = line ? hcbus_text_escape_dup(line, HCBUS_TEXT_PLAIN) : NULL;
        fprintf(out, "%s%s\n", indent, safe ? safe : "?");
        free(safe);
        free(line);
        p += len;
        if (*p == '\n')
            p++;
    } while (*p);
}
