/* subscribe.c — `hcbus subscribe [PREFIX...] [--zone ID]... [flags]`: print every message
 * under the prefixes (or every kind this institution may read in the zones), in seq order
 * with holes filled by replay, from the head, from a seq or from a time, until --count
 * messages, the --timeout-ms deadline, a feed down longer than --max-outage, or
 * SIGINT/SIGTERM. A dead feed is never silent: connection lost and restored (with how
 * many messages the gap fill fetched), silence and a refused key are said on stderr (and
 * as JSON objects with an "event" key on stdout under --json). The lines themselves are
 * print.c's; the connection's state comes from libhcbus (hcbus_subscriber_watch). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalogue.h"
#include "commands.h"
#include "common.h"
#include "examples.h"
#include "hcbus/clock.h"
#include "hcbus/i18n.h"
#include "hcbus/text.h"
#include "hcbus/topic.h"
#include "print.h"
#include "replay.h"
#include "view_text.h"

#define CMD "subscribe"
#define COUNT_MAX 1000000000L
#define STOP_CHECK_MS 200        /* how soon a signal or an outage limit is noticed */
#define SECONDS_MAX 86400L       /* --warn-silence, --max-outage */
#define WARN_SILENCE_S_DEFAULT 10
#define PREFIXES_MAX 32          /* the broker's limit per subscription */
#define ZONES_MAX 4              /* 7 kinds each, within PREFIXES_MAX */
#define MS_PER_S 1000

static volatile sig_atomic_t stop_requested;

/* Every kind of message an area can hold (docs/protocol.md "Topics and zones"). */
static const char *const ZONE_KINDS[] = {"zone", "dispatch", "status", "alert",
                                         "escort", "escort_status", "notice"};
#define ZONE_KIND_COUNT (sizeof ZONE_KINDS / sizeof ZONE_KINDS[0])

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static void help(void)
{
    printf(_("usage: hcbus subscribe [PREFIX...] [--zone ID]... [flags]\n"
             "  prints every message whose topic starts with a PREFIX (whole components:\n"
             "  alert.sv.ss. or zone.), one line each, in seq order.\n"
             "  --zone ID           every kind of message this institution may read in zone\n"
             "                      ID and below it (zone, dispatch, status, alert, escort,\n"
             "                      escort_status, notice); repeatable, up to 4\n"
             "  --zones FILE        the zone catalogue that checks --zone (env HCBUS_ZONES)\n"
             "  --json              one JSON object per line instead (connection events too:\n"
             "                      objects with an \"event\" key)\n"
             "  --snapshot          first print the current level of every zone under zone.\n"
             "  --from-seq N        first the recorded messages from seq N, then live ones\n"
             "  --since TIME        first the messages recorded at or after TIME\n"
             "                      (2026-11-23T09:00, ...Z, now-2h), then live ones\n"
             "  --count N           exit 0 after N messages\n"
             "  --warn-silence S    warn when nothing at all, not even a ping answer, came\n"
             "                      from the broker for S seconds (default 10; 0: never)\n"
             "  --max-outage S      exit 5 once the feed has been down S seconds (default:\n"
             "                      never; keep waiting for the broker)\n"));
    printf("%s", CONN_HELP);
    printf(_("                      (also the whole run's deadline when given: exit 3 if --count\n"
             "                      messages did not come by then, 0 without --count)\n"
             "A lost connection, its restoration (with the messages fetched to fill the gap),\n"
             "a silence and a refused key are written on stderr.\n"
             "Exit: 0 ok, 1 refused (a revoked key too), 2 usage, 3 broker unreachable or\n"
             "timeout, 4 internal, 5 the feed was down longer than --max-outage.\n"));
    examples_print("subscribe", stdout);
}

typedef struct sub_args {
    bool json, snapshot;
    long count;                  /* 0 = no limit */
    long warn_silence_s;
    long max_outage_s;           /* 0 = never */
    uint64_t from_seq;           /* 0 = from the head */
    bool since_given;
    int64_t since_us;
    const char *zones_file;
    const char *zones[ZONES_MAX];
    size_t zone_count;
} sub_args_t;

typedef struct sub_prefixes {
    char *items[PREFIXES_MAX];
    bool from_zone[PREFIXES_MAX];  /* made by --zone: left out if not allowed */
    size_t count;
} sub_prefixes_t;

static int take_seconds(const char *flag, const char *text, long *out)
{
    return parse_count(CMD, flag, text, SECONDS_MAX, out) == 0 ? 0 : EXIT_USAGE;
}

static int take_since(const char *text, sub_args_t *a)
{
    hcbus_error_t err;
    if (hcbus_time_parse(text, &a->since_us, &err) != 0) {
        snprintf(err.field, sizeof err.field, "--since");
        print_error(CMD, &err);
        return EXIT_USAGE;
    }
    a->since_given = true;
    return 0;
}

static int take_flag(const char *name, const char *value, sub_args_t *a)
{
    if (strcmp(name, "warn-silence") == 0)
        return take_seconds("--warn-silence", value, &a->warn_silence_s);
    if (strcmp(name, "max-outage") == 0)
        return take_seconds("--max-outage", value, &a->max_outage_s);
    if (strcmp(name, "from-seq") == 0)
        return replay_parse_from_seq(CMD, value, &a->from_seq) == 0 ? 0 : EXIT_USAGE;
    if (strcmp(name, "since") == 0)
        return take_since(value, a);
    if (strcmp(name, "zones") == 0) {
        a->zones_file = value;
        return 0;
    }
    if (strcmp(name, "zone") == 0) {
        if (a->zone_count == ZONES_MAX)
            return usage_error(CMD, _("at most %d --zone"), ZONES_MAX);
        size_t len = strlen(value);
        if (len > 1 && value[len - 1] == '.') /* "sv.ss." as a prefix would say it */
            ((char *)value)[len - 1] = '\0';
        a->zones[a->zone_count++] = value;
        return 0;
    }
    return -1;
}

static int check_args(int argc, const sub_args_t *a)
{
    if (optind >= argc && a->zone_count == 0)
        return usage_error(CMD, _("give at least one topic PREFIX or --zone ID"));
    if (a->from_seq && a->since_given)
        return usage_error(CMD, _("give --from-seq or --since, not both"));
    if (a->snapshot && (a->from_seq || a->since_given))
        return usage_error(CMD, _("--snapshot starts at the head: it does not go with --from-seq or --since"));
    if ((size_t)(argc - optind) + a->zone_count * ZONE_KIND_COUNT > PREFIXES_MAX)
        return usage_error(CMD, _("at most %d prefixes in all (each --zone counts %zu)"), PREFIXES_MAX,
                           ZONE_KIND_COUNT);
    return 0;
}

/* Returns 0, -1 after --help, or an exit code. */
static int parse(int argc, char **argv, sub_args_t *a, cli_conn_t *conn)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"snapshot", no_argument, NULL, 's'},
        {"count", required_argument, NULL, 'n'}, {"help", no_argument, NULL, 'h'},
        {"warn-silence", required_argument, NULL, 0}, {"max-outage", required_argument, NULL, 0},
        {"from-seq", required_argument, NULL, 0}, {"since", required_argument, NULL, 0},
        {"zone", required_argument, NULL, 0}, {"zones", required_argument, NULL, 0},
        CONN_LONG_OPTIONS, {NULL, 0, NULL, 0}};
    int c, index;
    opterr = 0;
    while ((c = cli_getopt(argc, argv, "h", opts, &index)) != -1) {
        if (c == 'h') {
            help();
            return -1;
        } else if (c == 'j')
            a->json = true;
        else if (c == 's')
            a->snapshot = true;
        else if (c == 'n') {
            if (parse_count(CMD, "--count", optarg, COUNT_MAX, &a->count) != 0)
                return EXIT_USAGE;
        } else if (c != 0)
            return bad_flag(CMD, argv);
        else {
            int rc = take_flag(opts[index].name, optarg, a);
            if (rc > 0)
                return rc;
            if (rc < 0 && conn_flag_take(CMD, conn, opts[index].name, optarg) <= 0)
                return EXIT_USAGE;
        }
    }
    return check_args(argc, a);
}

/* ---- what to subscribe to ------------------------------------------------------ */

/* The catalogue, when one can be found: --zones, HCBUS_ZONES or the installed copy.
 * Without one the broker still refuses an unknown zone (UNKNOWN_ZONE), with no
 * suggestion. */
static hcbus_zones_t *open_catalogue(const sub_args_t *a)
{
    const char *env = getenv("HCBUS_ZONES");
    if (!a->zones_file && !(env && env[0]) && access(HCBUS_ZONES_INSTALLED, R_OK) != 0)
        return NULL;
    return catalogue_open(CMD, a->zones_file);
}

static int check_zones(const sub_args_t *a)
{
    if (a->zone_count == 0)
        return 0;
    hcbus_zones_t *zones = open_catalogue(a);
    int rc = 0;
    if (!zones && (a->zones_file || getenv("HCBUS_ZONES")))
        return EXIT_REFUSED; /* asked for, not readable: said by catalogue_open */
    for (size_t i = 0; zones && rc == 0 && i < a->zone_count; i++)
        rc = catalogue_check(CMD, zones, a->zones[i]);
    hcbus_zones_destroy(&zones);
    return rc;
}

static void prefixes_free(sub_prefixes_t *p)
{
    for (size_t i = 0; i < p->count; i++)
        free(p->items[i]);
    p->count = 0;
}

static int prefixes_add(sub_prefixes_t *p, const char *kind, const char *zone, bool from_zone)
{
    size_t len = strlen(kind) + (zone ? strlen(zone) + 2 : 0) + 1;
    char *s = malloc(len);
    if (!s)
        return -1;
    if (zone)
        snprintf(s, len, "%s.%s.", kind, zone);
    else
        snprintf(s, len, "%s", kind);
    p->from_zone[p->count] = from_zone;
    p->items[p->count++] = s;
    return 0;
}

static int prefixes_build(int argc, char **argv, const sub_args_t *a, sub_prefixes_t *p)
{
    for (int i = optind; i < argc; i++)
        if (prefixes_add(p, argv[i], NULL, false) != 0)
            return -1;
    for (size_t z = 0; z < a->zone_count; z++)
        for (size_t k = 0; k < ZONE_KIND_COUNT; k++)
            if (prefixes_add(p, ZONE_KINDS[k], a->zones[z], true) != 0)
                return -1;
    return 0;
}

static void prefixes_drop(sub_prefixes_t *p, size_t i)
{
    fprintf(stderr, _("hcbus subscribe: --zone: this institution may not read %s: left out\n"), p->items[i]);
    free(p->items[i]);
    memmove(&p->items[i], &p->items[i + 1], (p->count - i - 1) * sizeof p->items[0]);
    memmove(&p->from_zone[i], &p->from_zone[i + 1], (p->count - i - 1) * sizeof p->from_zone[0]);
    p->count--;
}

/* Subscribe; a --zone kind the institution may not read is left out (said on stderr)
 * and the rest asked again. */
static int open_subscriber(const cli_conn_t *conn, const sub_args_t *a, sub_prefixes_t *p,
                           hcbus_subscriber_t **out)
{
    hcbus_client_options_t options;
    int rc = conn_options(CMD, conn, &options);
    if (rc != 0)
        return rc;
    uint64_t from = a->since_given ? 1 : a->from_seq;
    for (;;) {
        hcbus_error_t err;
        const char *const *items = (const char *const *)p->items;
        *out = from ? hcbus_subscriber_new_from(&options, items, p->count, from, conn->timeout_ms, &err)
                    : hcbus_subscriber_new(&options, items, p->count, a->snapshot, conn->timeout_ms, &err);
        if (*out)
            return 0;
        long i = cli_refused_prefix_index(&err);
        if (i < 0 || (size_t)i >= p->count || !p->from_zone[i] || p->count == 1) {
            print_error(CMD, &err);
            return exit_code_for(&err);
        }
        prefixes_drop(p, (size_t)i);
    }
}

/* ---- the connection's state ----------------------------------------------------- */

typedef struct watch {
    bool json;
    char endpoint[256];
    bool down;                 /* a LOST not yet RESTORED */
    unsigned switches_down;    /* moves along the endpoint list while down */
} watch_t;

static const char *reason_code(hcbus_lost_reason_t r)
{
    return r == HCBUS_LOST_DISCONNECTED ? "disconnected"
           : r == HCBUS_LOST_FORGOTTEN  ? "forgotten"
           : r == HCBUS_LOST_STANDBY    ? "standby"
                                        : "no_answer";
}

static const char *reason_words(hcbus_lost_reason_t r)
{
    if (r == HCBUS_LOST_DISCONNECTED)
        return _("the connection closed (the broker stopped, or the network failed)");
    if (r == HCBUS_LOST_FORGOTTEN)
        return _("the broker no longer knew this subscription (it restarted)");
    if (r == HCBUS_LOST_STANDBY)
        return _("the broker answered standby (it is the passive one of its pair)");
    return _("the broker stopped answering pings");
}

/* "12 s" or "3 min 20 s" */
static const char *duration_words(int64_t ms, char *buf, size_t size)
{
    long s = (long)((ms + MS_PER_S / 2) / MS_PER_S);
    if (s < 60)
        snprintf(buf, size, _("%ld s"), s);
    else
        snprintf(buf, size, _("%ld min %ld s"), s / 60, s % 60);
    return buf;
}

/* An endpoint of the list, escaped for the terminal. */
static const char *endpoint_shown(const char *endpoint, char *buf, size_t size)
{
    return hcbus_text_escape(endpoint ? endpoint : "", HCBUS_TEXT_PLAIN, buf, size);
}

static void print_event_json(const char *event, const hcbus_link_event_t *e, int64_t ms_value)
{
    char at[HCBUS_TIME_TEXT_MAX];
    hcbus_time_format(hcbus_now_us(), 0, at, sizeof at);
    printf("{\"event\":\"%s\",\"at\":\"%s\"", event, at);
    if (e && e->kind != HCBUS_LINK_SILENT)
        printf(",\"reason\":\"%s\",\"last_seq\":%llu", reason_code(e->reason), (unsigned long long)e->last_seq);
    if (e && (e->kind == HCBUS_LINK_SWITCHED || e->kind == HCBUS_LINK_RESTORED) && e->endpoint && e->endpoint[0]) {
        json_t *endpoint = json_string(e->endpoint ? e->endpoint : "");
        char *text = json_dumps(endpoint, JSON_ENCODE_ANY);
        printf(",\"endpoint\":%s", text ? text : "\"\"");
        free(text);
        json_decref(endpoint);
    }
    if (e && e->kind == HCBUS_LINK_RESTORED)
        printf(",\"outage_ms\":%lld,\"replayed\":%llu,\"caught_up_seq\":%llu", (long long)e->outage_ms,
               (unsigned long long)e->replayed, (unsigned long long)e->caught_up_seq);
    else if (e)
        printf(",\"quiet_ms\":%lld", (long long)e->quiet_ms);
    else
        printf(",\"outage_ms\":%lld", (long long)ms_value);
    printf("}\n");
    fflush(stdout);
}

static void on_link(void *arg, const hcbus_link_event_t *e)
{
    watch_t *w = arg;
    char t[HCBUS_TIME_TEXT_MAX], d[64], ep[512];
    view_time(hcbus_now_us(), t, sizeof t);
    if (e->kind == HCBUS_LINK_LOST) {
        w->down = true;
        w->switches_down = 0;
        fprintf(stderr, _("hcbus subscribe: %s CONNECTION LOST to %s: %s; last seq %llu. Reconnecting; "
                          "what is missed will be fetched.\n"),
                t, e->endpoint && e->endpoint[0] ? endpoint_shown(e->endpoint, ep, sizeof ep) : w->endpoint,
                reason_words(e->reason), (unsigned long long)e->last_seq);
        if (w->json)
            print_event_json("lost", e, 0);
    } else if (e->kind == HCBUS_LINK_RESTORED) {
        w->down = false;
        if (w->switches_down > 1) /* the moves between were not shown one by one */
            fprintf(stderr, _("hcbus subscribe: %s reading from the broker at %s, after %u moves along the "
                              "endpoint list\n"),
                    t, endpoint_shown(e->endpoint, ep, sizeof ep), w->switches_down);
        if (e->replayed)
            fprintf(stderr, _("hcbus subscribe: %s connection restored after %s; messages fetched by "
                              "replay to fill the gap: %llu (seq %llu to %llu)\n"),
                    t, duration_words(e->outage_ms, d, sizeof d), (unsigned long long)e->replayed,
                    (unsigned long long)e->last_seq + 1, (unsigned long long)e->caught_up_seq);
        else
            fprintf(stderr, _("hcbus subscribe: %s connection restored after %s: no message was missed "
                              "(checked up to seq %llu)\n"),
                    t, duration_words(e->outage_ms, d, sizeof d), (unsigned long long)e->caught_up_seq);
        if (w->json)
            print_event_json("restored", e, 0);
    } else if (e->kind == HCBUS_LINK_SWITCHED) {
        /* While the feed is down the list is tried round and round: say the first move,
         * and where it ended up when restored, not every try. */
        if (w->down && w->switches_down++ > 0) {
            if (w->json)
                print_event_json("switched", e, 0);
            fflush(stderr);
            return;
        }
        fprintf(stderr, _("hcbus subscribe: %s switched to the broker at %s\n"), t,
                endpoint_shown(e->endpoint, ep, sizeof ep));
        if (w->json)
            print_event_json("switched", e, 0);
    } else {
        fprintf(stderr, _("hcbus subscribe: %s WARNING: nothing from the broker for %s, not even a ping "
                          "answer: this feed may be dead\n"),
                t, duration_words(e->quiet_ms, d, sizeof d));
        if (w->json)
            print_event_json("silent", e, 0);
    }
    fflush(stderr);
}

static void print_fatal(const sub_args_t *a, const hcbus_error_t *err)
{
    print_error(CMD, err);
    if (!a->json)
        return;
    char at[HCBUS_TIME_TEXT_MAX];
    json_t *obj = json_pack("{s:s, s:s, s:s, s:s, s:s}", "event", "error", "at",
                            hcbus_time_format(hcbus_now_us(), 0, at, sizeof at), "code",
                            hcbus_code_name(err->code), "field", err->field, "message", err->message);
    print_json_object(obj, stdout);
    json_decref(obj);
}

/* Where the console stands: what it reads and from which seq live messages start. */
static void print_subscribed(hcbus_subscriber_t *sub, const sub_args_t *a, const sub_prefixes_t *p)
{
    uint64_t head = hcbus_subscriber_start_head(sub);
    fprintf(stderr, _("hcbus subscribe: subscribed to"));
    for (size_t i = 0; i < p->count; i++)
        fprintf(stderr, " %s", p->items[i]);
    fprintf(stderr, _("; live after seq %llu\n"), (unsigned long long)head);
    fflush(stderr);
    if (!a->json)
        return;
    char at[HCBUS_TIME_TEXT_MAX];
    json_t *prefixes = json_array();
    for (size_t i = 0; i < p->count; i++)
        json_array_append_new(prefixes, json_string(p->items[i]));
    json_t *obj = json_pack("{s:s, s:s, s:o, s:I}", "event", "subscribed", "at",
                            hcbus_time_format(hcbus_now_us(), 0, at, sizeof at), "prefixes", prefixes,
                            "head_seq", (json_int_t)head);
    print_json_object(obj, stdout);
    json_decref(obj);
}

/* ---- the loop --------------------------------------------------------------------- */

/* --since: replayed messages recorded before TIME are not shown. */
static bool before_since(const sub_args_t *a, const hcbus_delivery_t *d)
{
    return a->since_given && d->source == HCBUS_FROM_REPLAY && d->envelope->received_at_us < a->since_us;
}

static int outage_over(hcbus_subscriber_t *sub, const sub_args_t *a)
{
    int64_t down = hcbus_subscriber_down_ms(sub);
    if (!a->max_outage_s || down < a->max_outage_s * MS_PER_S)
        return 0;
    char d[64];
    fprintf(stderr, _("hcbus subscribe: the feed has been down for %s (--max-outage %ld): giving up\n"),
            duration_words(down, d, sizeof d), a->max_outage_s);
    if (a->json)
        print_event_json("gave_up", NULL, down);
    return EXIT_OUTAGE;
}

static int consume(hcbus_subscriber_t *sub, const sub_args_t *a, const cli_conn_t *conn)
{
    int64_t deadline = conn->timeout_given ? hcbus_monotonic_ms() + conn->timeout_ms : INT64_MAX;
    long printed = 0;
    hcbus_error_t err;
    while (!stop_requested && (a->count == 0 || printed < a->count)) {
        int64_t left = deadline - hcbus_monotonic_ms();
        if (left <= 0)
            return a->count ? EXIT_UNREACHABLE : EXIT_OK;
        int rc = outage_over(sub, a);
        if (rc != 0)
            return rc;
        hcbus_delivery_t d;
        rc = hcbus_subscriber_next(sub, left < STOP_CHECK_MS ? (int)left : STOP_CHECK_MS, &d, &err);
        if (rc < 0) {
            print_fatal(a, &err);
            return exit_code_for(&err);
        }
        if (rc == 0)
            continue;
        if (before_since(a, &d)) {
            hcbus_envelope_free(d.envelope);
            continue;
        }
        if (print_delivery(&d, a->json, stdout) != 0)
            fprintf(stderr, _("hcbus subscribe: seq %llu cannot be shown as JSON\n"), (unsigned long long)d.seq);
        hcbus_envelope_free(d.envelope);
        printed++;
    }
    return EXIT_OK;
}

int cmd_subscribe(int argc, char **argv)
{
    sub_args_t a = {.warn_silence_s = WARN_SILENCE_S_DEFAULT};
    cli_conn_t conn;
    conn_defaults(&conn, false);
    int rc = parse(argc, argv, &a, &conn);
    if (rc != 0)
        return rc < 0 ? EXIT_OK : rc;
    if ((rc = check_zones(&a)) != 0)
        return rc;
    sub_prefixes_t p = {0};
    if (prefixes_build(argc, argv, &a, &p) != 0) {
        prefixes_free(&p);
        fprintf(stderr, _("hcbus subscribe: out of memory\n"));
        return EXIT_INTERNAL;
    }
    catch_signals();
    hcbus_subscriber_t *sub;
    rc = open_subscriber(&conn, &a, &p, &sub);
    if (rc == 0) {
        watch_t w = {.json = a.json};
        snprintf(w.endpoint, sizeof w.endpoint, "%s", conn.endpoint);
        print_subscribed(sub, &a, &p); /* before a LOST that happened while opening */
        hcbus_subscriber_watch(sub, (unsigned)(a.warn_silence_s * MS_PER_S), on_link, &w);
        rc = consume(sub, &a, &conn);
        hcbus_subscriber_destroy(&sub);
    }
    prefixes_free(&p);
    return rc;
}
