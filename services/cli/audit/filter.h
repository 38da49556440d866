/* filter.h — the filters of `hcbus audit list` and `export` (--from, --to,
 * --institution, --kind, --zone, --request, --text) and the WHERE clause they make
 * over review.events, with every value bound as a parameter (never pasted into SQL). */
#ifndef HCBUS_CLI_AUDIT_FILTER_H
#define HCBUS_CLI_AUDIT_FILTER_H

#include <getopt.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include "hcbus/i18n.h"

#define AUDIT_FILTER_PARAMS_MAX 16
#define AUDIT_FILTER_SQL_MAX 2048

typedef struct audit_filter {
    const char *from, *to;  /* as given */
    const char *institution;
    const char *kinds;      /* comma-separated */
    const char *zone;       /* an id (covers the zones below it) or a name */
    const char *request;
    const char *text;
} audit_filter_t;

/* The filter flags in getopt_long form. */
#define AUDIT_FILTER_LONG_OPTIONS                   \
    {"from", required_argument, NULL, 0},           \
    {"to", required_argument, NULL, 0},             \
    {"institution", required_argument, NULL, 0},    \
    {"kind", required_argument, NULL, 0},           \
    {"zone", required_argument, NULL, 0},           \
    {"request", required_argument, NULL, 0},        \
    {"text", required_argument, NULL, 0}

#define AUDIT_FILTER_HELP                                                                     \
    N_("  --from WHEN           received at or after WHEN: 2026-11-23, 2026-11-23T10:00 or\n"   \
    "                        \"2026-11-23 10:00\" (El Salvador time), ...Z, now-2h\n"         \
    "  --to WHEN             received before WHEN (a date alone: up to the end of that day)\n" \
    "  --institution ID      sent by institution ID (\"\" for anonymous reports)\n"          \
    "  --kind K[,K...]       zone, dispatch, status, alert, escort, escort_status, notice\n" \
    "  --zone ID|NAME        in zone ID or below it (sv.ss, sv.ss.san-salvador-centro), or\n" \
    "                        a department, municipality or district by name, any case,\n"    \
    "                        accents or not (\"San Miguel\", mejicanos)\n"                     \
    "  --request ID          the dispatch request ID: the request, its statuses, escorts\n"  \
    "                        and the coordinator's notices about it\n"                      \
    "  --text WORDS          the summary or subject holds WORDS (any case)\n")

/* If name is a filter flag, store value and return 1; 0 if it is not one. */
int audit_filter_take(audit_filter_t *f, const char *name, const char *value);

/* The WHERE clause (" WHERE ..." or "") for rows of review.events aliased e, and its
 * parameters, numbered from $1. The values were checked and zone names looked up in
 * review.zones (through conn). */
typedef struct audit_where {
    char sql[AUDIT_FILTER_SQL_MAX];
    const char *params[AUDIT_FILTER_PARAMS_MAX];
    int n_params;
    char owned[AUDIT_FILTER_PARAMS_MAX][64]; /* text of converted values */
    char *zone_ids;                          /* "{id,id}" array literal, or NULL */
} audit_where_t;

/* Build where from f. Returns 0, or prints the error and returns the exit code (1 bad
 * value: the message names the flag; 3/4 database). Free with audit_where_free. */
int audit_where_build(const char *cmd, PGconn *conn, const audit_filter_t *f,
                      audit_where_t *where);

void audit_where_free(audit_where_t *where);

#endif
