/* dispatch.c — `hcbus dispatch list|show`: the dispatch requests as the audit log holds
 * them, read by replay from the broker (replay.c) up to the head when the command began,
 * under the prefixes dispatch. status. escort. escort_status. notice. (those this
 * institution may read), rebuilt by dispatch_log.c and printed here or by
 * dispatch_show.c. docs/decisions/0012 says why by replay and what it costs. */
#include <string.h>

#include "catalogue.h"
#include "commands.h"
#include "common.h"
#include "examples.h"
#include "dispatch_log.h"
#include "dispatch_show.h"
#include "hcbus/clock.h"
#include "hcbus/i18n.h"
#include "hcbus/text.h"
#include "replay.h"
#include "callout.h"
#include "words.h"

#define CMD "dispatch"
#define COLUMN_MAX 160

static const char *const kinds[] = {"dispatch", "status", "escort", "escort_status", "notice"};
#define KIND_COUNT (sizeof kinds / sizeof kinds[0])

static void help(void)
{
    printf("%s%s%s%s%s",
           _("usage: hcbus dispatch list [--zone ZONE] [--open] [flags]\n"
           "       hcbus dispatch show REQUEST [--zone ZONE] [flags]\n"
           "  list: one line per dispatch request: request id, zone, state, escort, age,\n"
           "        requester (--open: only those not closed nor cancelled)\n"
           "  show: the request, its state and escort, its timeline with the coordinator's\n"
           "        verdict on each status, its call-out times (NEMSIS v3 eTimes) and durations\n"
           "  Both read the audit log by replay through the broker, from --from-seq (default 1)\n"
           "  up to the broker's head when the command began, under dispatch. status. escort.\n"
           "  escort_status. notice. (a prefix this institution may not read is left out, said\n"
           "  on stderr).\n"
           "  --zone ZONE           only requests in ZONE and below (a catalogue zone id)\n"),
           _(REPLAY_FROM_SEQ_HELP),
           catalogue_help(),
           _(CONN_HELP),
           _("                        (also the longest wait without progress while reading)\n"
           "Exit: 0 ok, 1 refused or no such request, 2 usage, 3 broker unreachable or\n"
           "timeout, 4 internal.\n"));
    examples_print("dispatch", stdout);
}

typedef struct dispatch_args {
    bool list, open;
    const char *request, *zone, *zones_file;
    uint64_t from_seq;
} dispatch_args_t;

/* Returns 0, -1 after --help, or an exit code. */
/* The usage error for a subcommand that is not list or show, with the closer one. */
static int unknown_subcommand(const char *sub)
{
    static const char *const subs[] = {"list", "show"};
    char near[160], shown[128];
    suggest_among(sub, subs, 2, near, sizeof near);
    return usage_error(CMD, _("'%s' is not list or show%s"),
                       hcbus_text_escape(sub, HCBUS_TEXT_PLAIN, shown, sizeof shown), near);
}

static int parse(int argc, char **argv, dispatch_args_t *a, cli_conn_t *conn)
{
    static const struct option opts[] = {
        {"zone", required_argument, NULL, 'z'}, {"open", no_argument, NULL, 'o'},
        {"from-seq", required_argument, NULL, 'f'}, {"zones", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'}, CONN_LONG_OPTIONS, {NULL, 0, NULL, 0}};
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        help();
        return argc < 2 ? EXIT_USAGE : -1;
    }
    if (strcmp(argv[1], "list") != 0 && strcmp(argv[1], "show") != 0)
        return unknown_subcommand(argv[1]);
    a->list = strcmp(argv[1], "list") == 0;
    int c, index;
    opterr = 0;
    optind = 2;
    while ((c = cli_getopt(argc, argv, "h", opts, &index)) != -1) {
        if (c == 'h') {
            help();
            return -1;
        } else if (c == 'z')
            a->zone = optarg;
        else if (c == 'o')
            a->open = true;
        else if (c == 'c')
            a->zones_file = optarg;
        else if (c == 'f') {
            if (replay_parse_from_seq(CMD, optarg, &a->from_seq) != 0)
                return EXIT_USAGE;
        } else if (c != 0 || conn_flag_take(CMD, conn, opts[index].name, optarg) <= 0)
            return c == 0 ? EXIT_USAGE : bad_flag(CMD, argv);
    }
    if (a->list && optind != argc)
        return usage_error(CMD, _("list takes no argument ('%s')"), argv[optind]);
    if (!a->list && optind != argc - 1)
        return usage_error(CMD, _("show takes exactly one REQUEST id"));
    if (!a->list)
        a->request = argv[optind];
    if (a->open && !a->list)
        return usage_error(CMD, _("--open is for list"));
    return 0;
}

/* ---- reading ------------------------------------------------------------------- */

typedef struct reader {
    dispatch_log_t *log;
    bool out_of_memory;
} reader_t;

static void take(void *arg, const hcbus_delivery_t *d)
{
    reader_t *r = arg;
    if (dispatch_log_add(r->log, d) != 0)
        r->out_of_memory = true;
}

/* The prefixes to read: every kind, under --zone when given. */
static void build_query(const dispatch_args_t *a, replay_query_t *q,
                        char storage[KIND_COUNT][HCBUS_ZONE_ID_MAX + 32])
{
    memset(q, 0, sizeof *q);
    for (size_t i = 0; i < KIND_COUNT; i++) {
        snprintf(storage[i], sizeof storage[i], "%s.%s", kinds[i], a->zone ? a->zone : "");
        q->prefixes[q->count++] = storage[i];
    }
    q->from_seq = a->from_seq;
    q->skip_unauthorized = true;
}

static int check_zone(const dispatch_args_t *a)
{
    if (!a->zone)
        return 0;
    hcbus_zones_t *zones = catalogue_open(CMD, a->zones_file);
    if (!zones)
        return EXIT_REFUSED;
    int rc = catalogue_check(CMD, zones, a->zone);
    hcbus_zones_destroy(&zones);
    return rc;
}

/* ---- printing ------------------------------------------------------------------ */

static const char *column(const char *text, char *buf, size_t size)
{
    return hcbus_text_escape(text && text[0] ? text : "-", HCBUS_TEXT_PLAIN, buf, size);
}

static void print_list(const dispatch_log_t *log, bool open_only, int64_t now_us)
{
    char id[COLUMN_MAX], zone[COLUMN_MAX], from[COLUMN_MAX], state[WORDS_MAX + 32],
        escort[WORDS_MAX * 2], age[CALLOUT_DURATION_TEXT_MAX];
    size_t shown = 0;
    printf("%-28s %-44s %-22s %-26s %-10s %s\n", _("REQUEST"), _("ZONE"), _("STATE"), _("ESCORT"), _("AGE"),
           _("REQUESTER"));
    for (size_t i = 0; i < dispatch_log_count(log); i++) {
        const dl_request_t *r = dispatch_log_at(log, i);
        bool real = r->seq != 0 && !r->duplicate;
        if (open_only && (!real || dl_is_closed(r)))
            continue;
        dispatch_state_words(r, state, sizeof state);
        if (r->duplicate)
            snprintf(state, sizeof state, "%s", _("duplicate (refused)"));
        else if (!r->seq)
            snprintf(state, sizeof state, "no request seen");
        int64_t since = r->seq ? r->requested_us : (r->n_items ? r->items[0].at_us : 0);
        printf("%-28s %-44s %-22s %-26s %-10s %s\n", column(r->request_id, id, sizeof id),
               column(r->zone_id, zone, sizeof zone), state,
               dispatch_escort_words(r, escort, sizeof escort),
               since ? callout_duration_text(now_us - since, age, sizeof age) : "-",
               column(r->requester, from, sizeof from));
        shown++;
    }
    printf(_("%zu request(s)\n"), shown);
}

static int print_show(const dispatch_log_t *log, const dispatch_args_t *a,
                      const replay_outcome_t *o)
{
    size_t shown = 0;
    for (size_t i = 0; i < dispatch_log_count(log); i++) {
        if (shown++)
            printf("\n");
        dispatch_show_print(dispatch_log_at(log, i), stdout);
    }
    if (shown)
        return EXIT_OK;
    char id[COLUMN_MAX];
    fprintf(stderr, _("hcbus dispatch: no message names request \"%s\" in seq %llu..%llu%s%s "
                    "(request ids are case-sensitive; hcbus dispatch list shows them)\n"),
            column(a->request, id, sizeof id), (unsigned long long)a->from_seq,
            (unsigned long long)o->head,
            a->zone ? " under zone " : "", a->zone ? a->zone : "");
    return EXIT_REFUSED;
}

int cmd_dispatch(int argc, char **argv)
{
    dispatch_args_t a = {.from_seq = 1};
    cli_conn_t conn;
    conn_defaults(&conn, false);
    int rc = parse(argc, argv, &a, &conn);
    if (rc != 0)
        return rc < 0 ? EXIT_OK : rc;
    if ((rc = check_zone(&a)) != 0)
        return rc;
    replay_query_t q;
    char storage[KIND_COUNT][HCBUS_ZONE_ID_MAX + 32];
    build_query(&a, &q, storage);
    reader_t reader = {dispatch_log_new(a.request, !a.list), false};
    if (!reader.log)
        return EXIT_INTERNAL;
    replay_outcome_t o;
    rc = replay_read(CMD, &conn, &q, take, &reader, &o);
    if (rc == 0 && reader.out_of_memory) {
        fprintf(stderr, _("hcbus dispatch: out of memory holding the requests read\n"));
        rc = EXIT_INTERNAL;
    }
    if (rc == 0) {
        dispatch_log_finish(reader.log);
        if (a.list)
            print_list(reader.log, a.open, hcbus_now_us());
        else
            rc = print_show(reader.log, &a, &o);
    }
    dispatch_log_destroy(&reader.log);
    return rc;
}
