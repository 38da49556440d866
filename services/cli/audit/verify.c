/* verify.c — `hcbus audit verify`: checks, as the reviewer role, that the audit log is
 * what hcbus-auditd wrote and signed: both logs (events, refused attempts) recomputed
 * row by row (verify_log.c), compared with every stored tree head and every checkpoint
 * exported earlier (anchors.c, heads.c); the first problem of each log named
 * (locate.c). This file reads the flags, runs the two passes and prints the summary. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "common.h"
#include "db.h"
#include "hcbus/i18n.h"
#include "verify.h"

#define CMD VERIFY_CMD

static void help(void)
{
    printf("usage: hcbus audit verify [--from-checkpoint FILE]... [--log-key FILE] [--json] [--db CONNINFO]\n"
           "  checks that the audit log was not altered: every recorded message and every\n"
           "  refused attempt is recomputed from what the reviewer reads (the payload through\n"
           "  its SHA-256), its position and chain link checked, the Merkle tree rebuilt and\n"
           "  compared with every tree head hcbus-auditd signed and with each checkpoint you\n"
           "  exported earlier. Prints 'intact' with what was checked, or the first problem of\n"
           "  each log and where it is (docs/audit.md, \"Verifying the log\").\n"
           "  --from-checkpoint FILE a checkpoint exported earlier (hcbus audit checkpoint --out);\n"
           "                        repeat for several. It must be signed by the log key and\n"
           "                        match the log at its size: this is what catches a log\n"
           "                        rewritten by whoever controls the database\n"
           "  --log-key FILE        the log's verifier key (env " VERIFY_KEY_ENV ", else\n"
           "                        ./" VERIFY_KEY_DEFAULT " when present)\n"
           "  --json                one JSON object instead of text\n" AUDIT_DB_HELP
           "Exit: 0 intact, 1 NOT intact (or a checkpoint or key file that is not valid),\n"
           "  2 usage, 3 database unreachable, 4 internal.\n");
}

typedef struct result {
    const vlog_t *log;
    vcount_t count;
    problem_t problem;
} result_t;

/* "3 events", "1 tree head", ... in the user's language, written into buf. */
typedef enum { COUNT_EVENTS, COUNT_REFUSED, COUNT_HEADS, COUNT_CHECKPOINTS } count_kind_t;

static const char *count_text(count_kind_t kind, uint64_t n, char *buf, size_t size)
{
    char num[24];
    snprintf(num, sizeof num, "%" PRIu64, n);
    unsigned long form = (unsigned long)n;
    switch (kind) {
    case COUNT_EVENTS: snprintf(buf, size, P_("%s event", "%s events", form), num); break;
    case COUNT_REFUSED: snprintf(buf, size, P_("%s refused attempt", "%s refused attempts", form), num); break;
    case COUNT_HEADS: snprintf(buf, size, P_("%s tree head", "%s tree heads", form), num); break;
    default: snprintf(buf, size, P_("%s exported checkpoint", "%s exported checkpoints", form), num); break;
    }
    return buf;
}

static const char *rows_text(const vlog_t *log, uint64_t n, char *buf, size_t size)
{
    return count_text(log->kind == VLOG_EVENTS ? COUNT_EVENTS : COUNT_REFUSED, n, buf, size);
}

static const char *count_number(uint64_t n, char *buf, size_t size)
{
    snprintf(buf, size, "%" PRIu64, n);
    return buf;
}

static void print_text_log(const result_t *r)
{
    const vcount_t *c = &r->count;
    const char *pos = r->log->pos_name;
    char rows[64], heads[64], checkpoints[64];
    rows_text(r->log, c->rows, rows, sizeof rows);
    count_text(COUNT_HEADS, c->heads, heads, sizeof heads);
    count_text(COUNT_CHECKPOINTS, c->checkpoints, checkpoints, sizeof checkpoints);
    if (r->problem.kind != PROBLEM_NONE) {
        printf(_("%s: NOT INTACT: %s\n"), r->log->name, r->problem.message);
        printf(_("  before it: %s, %s and %s matched\n"), rows, heads, checkpoints);
        return;
    }
    printf(_("%s: intact: %s, %s and %s checked\n"), r->log->name, rows, heads, checkpoints);
    if (c->heads_unsigned)
        printf(_("  warning: %s of the tree heads are unsigned (hcbus-auditd ran without a log key): they do "
                 "not show a rewrite\n"),
               count_number(c->heads_unsigned, heads, sizeof heads));
    if (c->rows && c->signed_size == 0)
        printf(_("  warning: no signed tree head or checkpoint covers these rows yet: they agree with each other, "
               "but a rewrite of all of them would too\n"));
    else if (c->rows > c->signed_size)
        printf(_("  note: %s %lld to %lld come after the last signed tree head (size %llu): hcbus-auditd "
                 "signs the next one within a minute\n"),
               pos, (long long)(c->first_pos + (int64_t)c->signed_size),
               (long long)(c->first_pos + (int64_t)c->rows - 1), (unsigned long long)c->signed_size);
    if (c->grew)
        printf(_("  note: the log grew while it was verified; the newer rows were not checked (run verify again)\n"));
}

static json_t *json_log(const result_t *r)
{
    const vcount_t *c = &r->count;
    json_t *o = json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:b}", "log", r->log->name, "intact",
                          r->problem.kind == PROBLEM_NONE, "rows", (json_int_t)c->rows, "tree_heads",
                          (json_int_t)c->heads, "tree_heads_unsigned", (json_int_t)c->heads_unsigned, "checkpoints",
                          (json_int_t)c->checkpoints, "signed_size", (json_int_t)c->signed_size, "grew", c->grew);
    if (!o)
        return NULL;
    if (r->problem.kind == PROBLEM_NONE) {
        json_object_set_new(o, "problem", json_null());
        return o;
    }
    json_t *p = json_pack("{s:s, s:s, s:I, s:s}", "kind", problem_kind_name(r->problem.kind), "position_name",
                          r->log->pos_name, "position", (json_int_t)r->problem.pos, "message", r->problem.message);
    if (p && r->problem.pos2)
        json_object_set_new(p, "position2", json_integer(r->problem.pos2));
    json_object_set_new(o, "problem", p ? p : json_null());
    return o;
}

static int print_json(const result_t *results, bool intact, const anchors_in_t *in)
{
    json_t *logs = json_array();
    for (int k = 0; logs && k < VLOG_COUNT; k++)
        json_array_append_new(logs, json_log(&results[k]));
    json_t *o = logs ? json_pack("{s:b, s:s, s:o}", "intact", intact, "log_key", in->key.name, "logs", logs) : NULL;
    if (!o) {
        fprintf(stderr, "hcbus " CMD ": out of memory\n");
        return -AUDIT_EXIT_INTERNAL;
    }
    int rc = json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(o);
    printf("\n");
    return rc == 0 ? 0 : -AUDIT_EXIT_INTERNAL;
}

static int print_text(const result_t *results, bool intact)
{
    for (int k = 0; k < VLOG_COUNT; k++)
        print_text_log(&results[k]);
    const vcount_t *ev = &results[VLOG_EVENTS].count, *rj = &results[VLOG_REJECTIONS].count;
    if (intact) {
        char events[64], refused[64], heads[64], checkpoints[64];
        printf(_("intact: %s, %s, %s, %s checked\n"), rows_text(&vlog_events, ev->rows, events, sizeof events),
               rows_text(&vlog_rejections, rj->rows, refused, sizeof refused),
               count_text(COUNT_HEADS, ev->heads + rj->heads, heads, sizeof heads),
               count_text(COUNT_CHECKPOINTS, ev->checkpoints + rj->checkpoints, checkpoints, sizeof checkpoints));
    } else
        printf(_("NOT INTACT: the audit log was altered; see docs/audit.md, \"Verifying the log\", for what to do\n"));
    return 0;
}

static int run(const audit_opts_t *opts, const char *key, char *const *files, size_t n_files)
{
    anchors_in_t in = {.utc = opts->utc};
    int rc = anchors_load_key(CMD, key, &in);
    if (rc == 0)
        rc = anchors_load_files(files, n_files, &in);
    PGconn *conn = NULL;
    if (rc == 0) {
        int code = audit_db_connect(CMD, opts->db, &conn);
        rc = code ? -code : 0;
    }
    result_t results[VLOG_COUNT] = {{0}};
    bool intact = true;
    for (int k = 0; rc >= 0 && k < VLOG_COUNT; k++) {
        results[k].log = vlogs[k];
        rc = verify_log(conn, vlogs[k], &in, &results[k].count, &results[k].problem);
        if (rc == 1)
            intact = false;
    }
    if (rc >= 0)
        rc = opts->format == AUDIT_FORMAT_JSON ? print_json(results, intact, &in) : print_text(results, intact);
    fflush(stdout);
    if (conn)
        PQfinish(conn);
    anchors_free(&in);
    if (rc < 0)
        return -rc;
    if (ferror(stdout)) {
        fprintf(stderr, "hcbus " CMD ": cannot write the output\n");
        return AUDIT_EXIT_INTERNAL;
    }
    return intact ? AUDIT_EXIT_OK : AUDIT_EXIT_BAD;
}

int audit_verify(int argc, char **argv)
{
    static const struct option options[] = {AUDIT_LONG_OPTIONS,
                                            {"from-checkpoint", required_argument, NULL, 0},
                                            {"log-key", required_argument, NULL, 0},
                                            {NULL, 0, NULL, 0}};
    audit_opts_t opts = {0};
    const char *log_key = NULL;
    char **files = calloc((size_t)argc + 1, sizeof *files);
    size_t n_files = 0;
    if (!files) {
        fprintf(stderr, "hcbus " CMD ": out of memory\n");
        return AUDIT_EXIT_INTERNAL;
    }
    int c, index, rc = -1;
    optind = 1;
    while (rc < 0 && (c = cli_getopt(argc, argv, "h", options, &index)) != -1) {
        if (c == 'h') {
            help();
            rc = AUDIT_EXIT_OK;
        } else if (c != 0) {
            rc = bad_flag(CMD, argv);
        } else if (strcmp(options[index].name, "from-checkpoint") == 0) {
            files[n_files++] = optarg;
        } else if (strcmp(options[index].name, "log-key") == 0) {
            log_key = optarg;
        } else {
            int taken = audit_opt_take(CMD, &opts, options[index].name, optarg);
            if (taken < 0)
                rc = AUDIT_EXIT_USAGE;
        }
    }
    if (rc < 0 && optind < argc)
        rc = usage_error(CMD, _("unexpected argument '%s'"), argv[optind]);
    if (rc < 0 && opts.format == AUDIT_FORMAT_CSV)
        rc = usage_error(CMD, _("--csv is not an output of verify (text, or --json)"));
    const char *key = log_key ? log_key : verify_key_file();
    if (rc < 0 && !key)
        rc = usage_error(CMD, "no log key: give --log-key FILE (keys/auditd-log.pub, from the operator), or set "
                              VERIFY_KEY_ENV);
    if (rc < 0)
        rc = run(&opts, key, files, n_files);
    free(files);
    return rc;
}
