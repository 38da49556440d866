/* audit.h — `hcbus audit`, the facilitators' view of the audit log in PostgreSQL (as
 * the reviewer role, docs/audit.md; read-only but for `ask`, which adds a question
 * through review.ask_reporter): what every subcommand shares —
 * the table entry type, the common flags (--db, --utc, --json, --csv) and the
 * subcommands' entry points, registered by one line each in audit.c. Exit codes of
 * every subcommand: 0 ok (verify: intact); 1 bad input (verify: NOT intact); 2 usage;
 * 3 database unreachable; 4 internal. */
#ifndef HCBUS_CLI_AUDIT_H
#define HCBUS_CLI_AUDIT_H

#include <getopt.h>
#include <stdbool.h>

#include "hcbus/i18n.h"
#include "output.h"

enum {
    AUDIT_EXIT_OK = 0,
    AUDIT_EXIT_BAD = 1,         /* bad input; verify: the log is NOT intact */
    AUDIT_EXIT_USAGE = 2,
    AUDIT_EXIT_UNREACHABLE = 3, /* the database cannot be reached or refused the login */
    AUDIT_EXIT_INTERNAL = 4,
};

/* A subcommand: argv[0] is its name ("list"); returns the exit code. */
typedef int audit_run_fn(int argc, char **argv);

/* The flags every subcommand takes, filled by audit_opt_take. */
typedef struct audit_opts {
    const char *db;        /* --db CONNINFO, else NULL (db.c: env, then defaults) */
    bool utc;              /* --utc: times in UTC ("Z") instead of El Salvador time */
    audit_format_t format; /* --json, --csv; text by default */
} audit_opts_t;

/* The common flags in getopt_long form (flag pointer NULL, val 0). */
#define AUDIT_LONG_OPTIONS                    \
    {"db", required_argument, NULL, 0},       \
    {"utc", no_argument, NULL, 0},            \
    {"json", no_argument, NULL, 0},           \
    {"csv", no_argument, NULL, 0},            \
    {"help", no_argument, NULL, 'h'}

#define AUDIT_DB_HELP                                                                       \
    N_("  --db CONNINFO         libpq connection string of the audit database (env\n"          \
    "                        HCBUS_AUDIT_DB; else libpq's PG* variables, dbname hcbus).\n" \
    "                        The role needs only hcbus_reviewer (schema review).\n"        \
    "  --utc                 times in UTC (...Z) instead of El Salvador time (-06:00)\n")
#define AUDIT_FORMAT_HELP                                                                   \
    N_("  --json                one JSON object per line\n"                                   \
    "  --csv                 CSV (RFC 4180) with a header row\n")

/* If name is a common flag, apply it (value for --db) and return 1; 0 if it is not
 * one; -1 after printing why for a bad combination (--json with --csv). */
int audit_opt_take(const char *cmd, audit_opts_t *opts, const char *name, const char *value);

/* Usage errors: usage_error and bad_flag of common.h, with cmd "audit NAME". */

/* `hcbus audit` itself (main.c): finds the subcommand in the table and runs it. */
int cmd_audit(int argc, char **argv);

/* The subcommands (one file each). */
int audit_list(int argc, char **argv);
int audit_who_knew(int argc, char **argv);
int audit_show(int argc, char **argv);
int audit_timeline(int argc, char **argv);
int audit_export(int argc, char **argv);
int audit_report(int argc, char **argv);
int audit_verify(int argc, char **argv);
int audit_checkpoint(int argc, char **argv);
int audit_prove(int argc, char **argv);
int audit_ask(int argc, char **argv);
int audit_conversation(int argc, char **argv);
int audit_photos(int argc, char **argv);

#endif
