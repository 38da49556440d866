/* timeline.c — `hcbus audit timeline REQUEST`: who did what for one dispatch request,
 * in seq order (review.dispatch_timeline: the request, its statuses, the escort request
 * and answers, each with hcbus-coordinator's verdict), then its call-out times and the
 * durations between them (review.dispatch_times, NEMSIS v3 eTimes, refused statuses
 * left out). A request id used again (a new request after the first closed, or in
 * another zone) gives one block per request. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "common.h"
#include "db.h"
#include "hcbus/i18n.h"
#include "hcbus/text.h"
#include "timefmt.h"
#include "words.h"
#include "zonename.h"

#define CMD "audit timeline"
#define US(col) AUDIT_SQL_US(col)
#define DUR(col) "(extract(epoch from " col ") * 1000000)::bigint"

#define STEPS_SQL                                                                             \
    "SELECT request_id, zone_id, request_seq, seq, step, kind, sender, state, " US("at") ", " \
    DUR("since_first") ", unit_id, priority, incident_type, capability, destination_facility, " \
    "reason, escort_id, police_unit, meeting_point, verdict, rule, rule_text, verdict_reason, " \
    "notice_seq, flagged FROM review.dispatch_timeline WHERE request_id = $1 "              \
    "ORDER BY request_seq NULLS LAST, zone_id, seq"
enum { T_REQUEST, T_ZONE, T_REQUEST_SEQ, T_SEQ, T_STEP, T_KIND, T_SENDER, T_STATE, T_AT, T_SINCE,
       T_UNIT, T_PRIORITY, T_INCIDENT, T_CAPABILITY, T_FACILITY, T_REASON, T_ESCORT, T_POLICE,
       T_MEETING, T_VERDICT, T_RULE, T_RULE_TEXT, T_VREASON, T_NOTICE, T_FLAGGED, T_COUNT };
static const audit_column_t step_columns[T_COUNT] = {
    {"request_id", AUDIT_COL_TEXT, 0}, {"zone_id", AUDIT_COL_TEXT, 0},
    {"request_seq", AUDIT_COL_INT, 0}, {"seq", AUDIT_COL_INT, 0},
    {"step", AUDIT_COL_INT, 0},        {"kind", AUDIT_COL_TEXT, 0},
    {"sender", AUDIT_COL_TEXT, 0},     {"state", AUDIT_COL_TEXT, 0},
    {"at", AUDIT_COL_TIME, 0},         {"since_first_s", AUDIT_COL_INT, 0},
    {"unit_id", AUDIT_COL_TEXT, 0},    {"priority", AUDIT_COL_TEXT, 0},
    {"incident_type", AUDIT_COL_TEXT, 0}, {"capability", AUDIT_COL_TEXT, 0},
    {"destination_facility", AUDIT_COL_TEXT, 0}, {"reason", AUDIT_COL_TEXT, 0},
    {"escort_id", AUDIT_COL_TEXT, 0},  {"police_unit", AUDIT_COL_TEXT, 0},
    {"meeting_point", AUDIT_COL_TEXT, 0}, {"verdict", AUDIT_COL_TEXT, 0},
    {"rule", AUDIT_COL_TEXT, 0},       {"rule_text", AUDIT_COL_TEXT, 0},
    {"verdict_reason", AUDIT_COL_TEXT, 0}, {"notice_seq", AUDIT_COL_INT, 0},
    {"flagged", AUDIT_COL_BOOL, 0},
};

#define TIMES_SQL                                                                              \
    "SELECT request_id, zone_id, seq, requester, provider, unit_id, priority, incident_type, " \
    "state, " US("requested") ", " US("accepted") ", " US("en_route") ", " US("on_scene") ", "  \
    US("left_scene") ", " US("at_facility") ", " US("back_in_service") ", " US("cancelled")    \
    ", " US("aborted_security") ", " DUR("turnout") ", " DUR("travel_to_scene") ", "          \
    DUR("on_scene_time") ", " DUR("transport") ", " DUR("response") ", " DUR("total") ", "    \
    "escort_requested, escort_id, " US("escort_requested_at") ", " US("escort_assigned") ", "  \
    US("escort_waived") ", escort_waiver_reason, " DUR("escort_wait") ", waiting_for_escort, " \
    "without_escort, declined, refused_statuses, unchecked_statuses "                          \
    "FROM review.dispatch_times WHERE request_id = $1 ORDER BY seq"
enum { X_REQUEST, X_ZONE, X_SEQ, X_REQUESTER, X_PROVIDER, X_UNIT, X_PRIORITY, X_INCIDENT,
       X_STATE, X_REQUESTED, X_ACCEPTED, X_EN_ROUTE, X_ON_SCENE, X_LEFT_SCENE, X_AT_FACILITY,
       X_BACK, X_CANCELLED, X_ABORTED, X_TURNOUT, X_TRAVEL, X_ON_SCENE_TIME, X_TRANSPORT,
       X_RESPONSE, X_TOTAL, X_ESCORT_REQUESTED, X_ESCORT_ID, X_ESCORT_REQUESTED_AT,
       X_ESCORT_ASSIGNED, X_ESCORT_WAIVED, X_WAIVER_REASON, X_ESCORT_WAIT, X_WAITING,
       X_WITHOUT, X_DECLINED, X_REFUSED, X_UNCHECKED, X_COUNT };
static const audit_column_t times_columns[X_COUNT] = {
    {"request_id", AUDIT_COL_TEXT, 0}, {"zone_id", AUDIT_COL_TEXT, 0},
    {"seq", AUDIT_COL_INT, 0}, {"requester", AUDIT_COL_TEXT, 0},
    {"provider", AUDIT_COL_TEXT, 0}, {"unit_id", AUDIT_COL_TEXT, 0},
    {"priority", AUDIT_COL_TEXT, 0}, {"incident_type", AUDIT_COL_TEXT, 0},
    {"state", AUDIT_COL_TEXT, 0}, {"requested", AUDIT_COL_TIME, 0},
    {"accepted", AUDIT_COL_TIME, 0}, {"en_route", AUDIT_COL_TIME, 0},
    {"on_scene", AUDIT_COL_TIME, 0}, {"left_scene", AUDIT_COL_TIME, 0},
    {"at_facility", AUDIT_COL_TIME, 0}, {"back_in_service", AUDIT_COL_TIME, 0},
    {"cancelled", AUDIT_COL_TIME, 0}, {"aborted_security", AUDIT_COL_TIME, 0},
    {"turnout_s", AUDIT_COL_INT, 0}, {"travel_to_scene_s", AUDIT_COL_INT, 0},
    {"on_scene_time_s", AUDIT_COL_INT, 0}, {"transport_s", AUDIT_COL_INT, 0},
    {"response_s", AUDIT_COL_INT, 0}, {"total_s", AUDIT_COL_INT, 0},
    {"escort_requested", AUDIT_COL_BOOL, 0}, {"escort_id", AUDIT_COL_TEXT, 0},
    {"escort_requested_at", AUDIT_COL_TIME, 0}, {"escort_assigned", AUDIT_COL_TIME, 0},
    {"escort_waived", AUDIT_COL_TIME, 0}, {"escort_waiver_reason", AUDIT_COL_TEXT, 0},
    {"escort_wait_s", AUDIT_COL_INT, 0}, {"waiting_for_escort", AUDIT_COL_BOOL, 0},
    {"without_escort", AUDIT_COL_BOOL, 0}, {"declined", AUDIT_COL_INT, 0},
    {"refused_statuses", AUDIT_COL_INT, 0}, {"unchecked_statuses", AUDIT_COL_INT, 0},
};
/* Duration columns: microseconds from SQL, whole seconds in JSON and CSV. */
static const int step_durations[] = {T_SINCE};
static const int times_durations[] = {X_TURNOUT, X_TRAVEL, X_ON_SCENE_TIME, X_TRANSPORT,
                                      X_RESPONSE, X_TOTAL, X_ESCORT_WAIT};

#define LINE_MAX_BYTES 2048
#define DURATION_TEXT_MAX 32

static void help(void)
{
    printf("%s%s%s",
           _("usage: hcbus audit timeline REQUEST [--json|--csv] [--utc] [--db CONNINFO]\n"
           "  who did what for dispatch request REQUEST, in seq order: the request, each\n"
           "  status, the escort request and answers, with hcbus-coordinator's verdict on\n"
           "  each (counted, or REFUSED with the rule and reason: recorded but left out of\n"
           "  the times); then the call-out times (NEMSIS v3 eTimes: requested, accepted,\n"
           "  en route, on scene, left scene, at facility, back in service) and the\n"
           "  durations between them (turnout, travel, response, total), and the escort's\n"
           "  wait. Times are the statuses' own (at), the request's is when it was recorded.\n"
           "  --json                one object per step (\"record\": \"step\") and one per\n"
           "                        request with its times (\"record\": \"times\"); durations\n"
           "                        in whole seconds (*_s)\n"
           "  --csv                 the steps only, with a header row\n"),
           _(AUDIT_DB_HELP),
           _("Exit: 0 shown, 1 no such request, 2 usage, 3 database unreachable, 4 internal.\n"));
}

static const char *val(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static void print_escaped(const char *prefix, const char *text)
{
    char *safe = hcbus_text_escape_dup(text, HCBUS_TEXT_PLAIN);
    printf("%s%s\n", prefix, safe ? safe : "?");
    free(safe);
}

/* "µs" text as a duration ("6m40s"), or NULL. */
static const char *duration(const char *us, char *buf, size_t size)
{
    return us ? audit_duration_format(strtoll(us, NULL, 10), buf, size) : NULL;
}

/* Append ", label value" (or "label value" at the start) when value is set. */
static void append(char *line, size_t size, const char *label, const char *value)
{
    if (!value || !*value)
        return;
    size_t len = strlen(line);
    snprintf(line + len, size - len, "%s%s%s", len ? ", " : "", label, value);
}

/* A name of desc as the view holds it ("en_route") in the user's words ("en camino");
 * a name this build does not know as it is. */
static const char *value_words(const ProtobufCEnumDescriptor *desc, const char *name, char *buf,
                               size_t size)
{
    int value;
    hcbus_error_t err;
    if (!name || !*name || enum_parse(desc, name, &value, &err) != 0)
        return name;
    return enum_words(desc, value, buf, size);
}

/* The view's state: requested, a DispatchState, escort_requested or escort_ and an
 * EscortState, in words. */
static const char *state_words(const char *state, char *buf, size_t size)
{
    char words[WORDS_MAX];
    if (!state)
        return NULL;
    if (strcmp(state, "requested") == 0)
        return _("requested");
    if (strcmp(state, "escort_requested") == 0)
        return _("escort requested");
    if (strncmp(state, "escort_", 7) == 0) {
        snprintf(buf, size, _("escort %s"),
                 value_words(&hcbus__escort_state__descriptor, state + 7, words, sizeof words));
        return buf;
    }
    return value_words(&hcbus__dispatch_state__descriptor, state, buf, size);
}

/* What a step did, in words: "accepted, unit A-12, to Hospital Rosales". */
static void step_what(const PGresult *res, int r, char *line, size_t size)
{
    char state[WORDS_MAX * 2], priority[WORDS_MAX], incident[WORDS_MAX], capability[WORDS_MAX];
    line[0] = '\0';
    append(line, size, "", state_words(val(res, r, T_STATE), state, sizeof state));
    append(line, size, _("priority "),
           value_words(&hcbus__priority__descriptor, val(res, r, T_PRIORITY), priority, sizeof priority));
    append(line, size, "",
           value_words(&hcbus__incident_type__descriptor, val(res, r, T_INCIDENT), incident, sizeof incident));
    append(line, size, _("capability "),
           value_words(&hcbus__capability__descriptor, val(res, r, T_CAPABILITY), capability,
                       sizeof capability));
    append(line, size, _("escort "), val(res, r, T_ESCORT));
    append(line, size, _("unit "), val(res, r, T_UNIT));
    append(line, size, _("police unit "), val(res, r, T_POLICE));
    append(line, size, _("meeting point "), val(res, r, T_MEETING));
    append(line, size, _("to "), val(res, r, T_FACILITY));
    const char *reason = val(res, r, T_REASON);
    if (reason && *reason) {
        size_t len = strlen(line);
        snprintf(line + len, size - len, _("; reason: %s"), reason);
    }
}

/* The coordinator's verdict on a step, or NULL when it judges none (requests). */
static const char *step_verdict(const PGresult *res, int r, char *line, size_t size)
{
    const char *kind = val(res, r, T_KIND);
    const char *verdict = val(res, r, T_VERDICT);
    if (!verdict) {
        if (kind && (strcmp(kind, "status") == 0 || strcmp(kind, "escort_status") == 0))
            return _("coordinator: not checked (yet)");
        return NULL;
    }
    bool refused = strcmp(verdict, "refused") == 0;
    const char *rule = val(res, r, T_RULE_TEXT) ? val(res, r, T_RULE_TEXT) : val(res, r, T_RULE);
    const char *why = val(res, r, T_VREASON);
    snprintf(line, size, _("coordinator: %s%s%s%s (notice seq %s)%s%s"),
             refused ? _("REFUSED") : _("counted"), rule ? (refused ? " (" : _(", flagged: ")) : "",
             rule ? rule : "", rule && refused ? ")" : "", val(res, r, T_NOTICE),
             why && *why ? ": " : "", why && *why ? why : "");
    return line;
}

static void print_step(const PGresult *res, int r, bool utc)
{
    char at[HCBUS_TIME_TEXT_MAX], since[DURATION_TEXT_MAX], what[LINE_MAX_BYTES],
        verdict[LINE_MAX_BYTES], line[LINE_MAX_BYTES * 2];
    const char *sender = val(res, r, T_SENDER);
    step_what(res, r, what, sizeof what);
    snprintf(line, sizeof line, "%5s %7s  %-25s %-9s %-13s %s", val(res, r, T_STEP),
             val(res, r, T_SEQ),
             val(res, r, T_AT) ? audit_time_format_text(val(res, r, T_AT), utc, false, at, sizeof at) : "-",
             val(res, r, T_SINCE) ? duration(val(res, r, T_SINCE), since, sizeof since) : "-",
             sender && *sender ? sender : _("(anonymous)"), what);
    print_escaped("", line);
    const char *v = step_verdict(res, r, verdict, sizeof verdict);
    if (v)
        print_escaped("                                                             ", v);
}

static void time_line(const char *label, const char *us, const char *note, bool utc)
{
    if (!us)
        return;
    char buf[HCBUS_TIME_TEXT_MAX];
    printf("    %-18s %s%s\n", _(label), audit_time_format_text(us, utc, false, buf, sizeof buf),
           note ? note : "");
}

static void duration_line(const char *label, const char *us, const char *what)
{
    if (!us)
        return;
    char buf[DURATION_TEXT_MAX];
    printf("    %-18s %-10s %s\n", _(label), duration(us, buf, sizeof buf), _(what));
}

static void print_times(const PGresult *t, int r, bool utc)
{
    printf(_("  call-out times (NEMSIS v3 eTimes; statuses the coordinator refused are left out):\n"));
    time_line(N_("requested"), val(t, r, X_REQUESTED), "  (eTimes.02, recorded)", utc);
    time_line(N_("accepted"), val(t, r, X_ACCEPTED), "  (eTimes.03)", utc);
    time_line(N_("en route"), val(t, r, X_EN_ROUTE), "  (eTimes.05)", utc);
    time_line(N_("on scene"), val(t, r, X_ON_SCENE), "  (eTimes.06)", utc);
    time_line(N_("left scene"), val(t, r, X_LEFT_SCENE), "  (eTimes.09)", utc);
    time_line(N_("at facility"), val(t, r, X_AT_FACILITY), "  (eTimes.11)", utc);
    time_line(N_("back in service"), val(t, r, X_BACK), "  (eTimes.13)", utc);
    time_line(N_("cancelled"), val(t, r, X_CANCELLED), "  (eTimes.14)", utc);
    time_line(N_("aborted (security)"), val(t, r, X_ABORTED), NULL, utc);
    duration_line(N_("turnout"), val(t, r, X_TURNOUT), N_("accepted -> en route"));
    duration_line(N_("travel to scene"), val(t, r, X_TRAVEL), N_("en route -> on scene"));
    duration_line(N_("on scene"), val(t, r, X_ON_SCENE_TIME), N_("on scene -> left scene"));
    duration_line(N_("transport"), val(t, r, X_TRANSPORT), N_("left scene -> at facility"));
    duration_line(N_("response"), val(t, r, X_RESPONSE), N_("requested -> on scene"));
    duration_line(N_("total"), val(t, r, X_TOTAL), N_("requested -> back in service (or cancelled)"));
    if (strcmp(val(t, r, X_ESCORT_REQUESTED), "t") == 0) {
        char line[LINE_MAX_BYTES];
        snprintf(line, sizeof line, _("  escort %s: %s%s%s"), val(t, r, X_ESCORT_ID) ? val(t, r, X_ESCORT_ID) : "",
                 strcmp(val(t, r, X_WAITING), "t") == 0 ? _("still waiting for it") : "",
                 val(t, r, X_ESCORT_WAIVED) ? _("waived: ") : "",
                 val(t, r, X_WAIVER_REASON) ? val(t, r, X_WAIVER_REASON) : "");
        print_escaped("", line);
        time_line(N_("escort requested"), val(t, r, X_ESCORT_REQUESTED_AT), NULL, utc);
        time_line(N_("escort assigned"), val(t, r, X_ESCORT_ASSIGNED), NULL, utc);
        time_line(N_("escort waived"), val(t, r, X_ESCORT_WAIVED), NULL, utc);
        duration_line(N_("escort wait"), val(t, r, X_ESCORT_WAIT), N_("requested -> assigned or waived"));
    }
    if (strcmp(val(t, r, X_WITHOUT), "t") == 0)
        printf(_("  the crew went without its escort (flagged by the coordinator)\n"));
    char line[LINE_MAX_BYTES];
    snprintf(line, sizeof line, _("  state %s; declined %s, refused statuses %s, not yet checked %s"),
             val(t, r, X_STATE), val(t, r, X_DECLINED), val(t, r, X_REFUSED),
             val(t, r, X_UNCHECKED));
    print_escaped("", line);
}

/* The row of times for the request with seq request_seq, or -1. */
static int times_row(const PGresult *t, const char *request_seq)
{
    for (int r = 0; request_seq && r < PQntuples(t); r++)
        if (strcmp(PQgetvalue(t, r, X_SEQ), request_seq) == 0)
            return r;
    return -1;
}

static void print_text(const PGresult *steps, const PGresult *times, const audit_zones_t *zones,
                       bool utc)
{
    const char *block = NULL; /* request_seq of the block being printed ("" = none) */
    for (int r = 0; r < PQntuples(steps); r++) {
        const char *rseq = val(steps, r, T_REQUEST_SEQ) ? val(steps, r, T_REQUEST_SEQ) : "";
        if (!block || strcmp(block, rseq) != 0) {
            int prev = block ? times_row(times, block) : -1;
            if (prev >= 0)
                print_times(times, prev, utc);
            block = rseq;
            const char *zone = val(steps, r, T_ZONE);
            const char *name = audit_zones_name(zones, zone);
            char line[LINE_MAX_BYTES];
            if (*rseq)
                snprintf(line, sizeof line, "%srequest %s (seq %s) in %s%s%s%s", r ? "\n" : "",
                         val(steps, r, T_REQUEST), rseq, zone, name ? " (" : "", name ? name : "",
                         name ? ")" : "");
            else
                snprintf(line, sizeof line, "%srows naming request %s with no request recorded before "
                         "them (zone %s)", r ? "\n" : "", val(steps, r, T_REQUEST), zone);
            print_escaped("", line);
            printf(" STEP     SEQ  AT                        SINCE     WHO           WHAT\n");
        }
        print_step(steps, r, utc);
    }
    int last = block ? times_row(times, block) : -1;
    if (last >= 0)
        print_times(times, last, utc);
}

/* Rows of res in JSON or CSV; duration columns (µs) become whole seconds. */
static int print_rows(audit_out_t *out, const PGresult *res, const audit_column_t *cols, int n,
                      const int *durations, size_t n_durations, const char *record)
{
    (void)cols;
    int rc = 0;
    for (int r = 0; r < PQntuples(res); r++) {
        const char *values[X_COUNT + 1];
        char seconds[X_COUNT][DURATION_TEXT_MAX];
        int o = 0;
        if (record)
            values[o++] = record;
        for (int c = 0; c < n; c++)
            values[o++] = val(res, r, c);
        for (size_t d = 0; d < n_durations; d++) {
            const char *us = val(res, r, durations[d]);
            if (us) {
                snprintf(seconds[d], sizeof seconds[d], "%lld", strtoll(us, NULL, 10) / 1000000);
                values[(record ? 1 : 0) + durations[d]] = seconds[d];
            }
        }
        rc |= audit_out_row(out, values);
    }
    return rc;
}

/* JSON/CSV: the columns, with "record" first for JSON. */
static audit_out_t *out_for(const audit_opts_t *opts, const audit_column_t *cols, int n,
                            audit_column_t *with_record)
{
    if (opts->format == AUDIT_FORMAT_CSV)
        return audit_out_new(stdout, opts->format, cols, (size_t)n, opts->utc);
    with_record[0] = (audit_column_t){"record", AUDIT_COL_TEXT, 0};
    memcpy(with_record + 1, cols, (size_t)n * sizeof *cols);
    return audit_out_new(stdout, opts->format, with_record, (size_t)n + 1, opts->utc);
}

static int print_machine(const audit_opts_t *opts, const PGresult *steps, const PGresult *times)
{
    audit_column_t with_record[X_COUNT + 1];
    audit_out_t *out = out_for(opts, step_columns, T_COUNT, with_record);
    if (!out)
        return -1;
    bool json = opts->format == AUDIT_FORMAT_JSON;
    audit_out_header(out);
    int rc = print_rows(out, steps, step_columns, T_COUNT, step_durations,
                        sizeof step_durations / sizeof step_durations[0], json ? "step" : NULL);
    audit_out_destroy(&out);
    if (!json)
        return rc;
    out = out_for(opts, times_columns, X_COUNT, with_record);
    if (!out)
        return -1;
    rc |= print_rows(out, times, times_columns, X_COUNT, times_durations,
                     sizeof times_durations / sizeof times_durations[0], "times");
    audit_out_destroy(&out);
    return rc;
}

static int timeline(const audit_opts_t *opts, const char *request)
{
    PGconn *conn;
    int rc = audit_db_connect(CMD, opts->db, &conn);
    if (rc != 0)
        return rc;
    const char *params[] = {request};
    audit_zones_t *zones = NULL;
    PGresult *times = NULL;
    PGresult *steps = PQexecParams(conn, STEPS_SQL, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(steps) != PGRES_TUPLES_OK) {
        rc = audit_db_error(CMD, conn, steps, N_("cannot read review.dispatch_timeline"));
        goto done;
    }
    if (PQntuples(steps) == 0) {
        char *safe = hcbus_text_escape_dup(request, HCBUS_TEXT_QUOTED);
        fprintf(stderr, _("hcbus %s: no dispatch request \"%s\" is recorded, nor any status or "
                "escort naming it\n  hint: hcbus audit list --kind dispatch lists the requests\n"),
                CMD, safe ? safe : "?");
        free(safe);
        rc = AUDIT_EXIT_BAD;
        goto done;
    }
    times = PQexecParams(conn, TIMES_SQL, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(times) != PGRES_TUPLES_OK) {
        rc = audit_db_error(CMD, conn, times, N_("cannot read review.dispatch_times"));
        goto done;
    }
    if (opts->format != AUDIT_FORMAT_TEXT) {
        rc = print_machine(opts, steps, times) == 0 ? 0 : AUDIT_EXIT_INTERNAL;
    } else if ((rc = audit_zones_load(CMD, conn, &zones)) == 0) {
        print_text(steps, times, zones, opts->utc);
    }
    if (fflush(stdout) != 0 || ferror(stdout))
        rc = AUDIT_EXIT_INTERNAL;
done:
    PQclear(steps);
    PQclear(times);
    audit_zones_destroy(&zones);
    PQfinish(conn);
    return rc;
}

int audit_timeline(int argc, char **argv)
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
        if (c != 0)
            return bad_flag(CMD, argv);
        if (audit_opt_take(CMD, &opts, options[index].name, optarg) < 0)
            return AUDIT_EXIT_USAGE;
    }
    if (optind + 1 != argc)
        return usage_error(CMD, optind == argc ? _("REQUEST is missing") : _("one REQUEST only"));
    if (!*argv[optind])
        return usage_error(CMD, _("REQUEST is empty"));
    return timeline(&opts, argv[optind]);
}
