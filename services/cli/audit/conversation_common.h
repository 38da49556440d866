/* conversation_common.h — what `hcbus audit ask`, `conversation` and `photos` share
 * (docs/audit.md, "Asking anonymous reporters"; decision 0024): the SEQ argument, the
 * check that a seq is an anonymous alert (with the refusals review.ask_reporter gives,
 * in Spanish, naming the seq), and printing a question's or answer's lines. */
#ifndef HCBUS_CLI_AUDIT_CONVERSATION_COMMON_H
#define HCBUS_CLI_AUDIT_CONVERSATION_COMMON_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdio.h>

#define AUDIT_SEQ_TEXT_MAX 24     /* a bigint in decimal, with its NUL */
#define AUDIT_ALERT_ID_MAX 65     /* SecurityAlert.alert_id: at most 64 bytes, with its NUL */
#define AUDIT_QUESTION_CHARS_MAX 2000   /* report.questions.question (deploy/sql/012) */

/* Parse the SEQ argument (1 and up) into seq (decimal, AUDIT_SEQ_TEXT_MAX bytes).
 * Returns 0, or prints the usage error and returns AUDIT_EXIT_USAGE. */
int audit_seq_arg(const char *cmd, const char *text, char *seq);

/* Check that seq is recorded as an anonymous alert (kind alert, no sender) and copy its
 * alert_id into alert_id (AUDIT_ALERT_ID_MAX bytes). Returns 0; or prints why not
 * ("seq 3: es un mensaje de tipo dispatch, no una alerta ...") and returns
 * AUDIT_EXIT_BAD, or the database's error and its exit code. */
int audit_anonymous_alert(const char *cmd, PGconn *conn, const char *seq, char *alert_id);

/* Print text to out line by line, each line after indent and escaped for the terminal
 * (hcbus/text.h: control characters as \xHH). */
void audit_print_lines(FILE *out, const char *indent, const char *text);

#endif
