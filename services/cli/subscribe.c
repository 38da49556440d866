/* subscribe.c — `hcbus subscribe PREFIX... [--json] [--snapshot] [--count N]`: print
 * every message under the prefixes, in seq order with holes filled by replay, until
 * --count messages, the --timeout-ms deadline, or SIGINT/SIGTERM. */
#include <signal.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "hcbus/clock.h"
#include "print.h"

#define CMD "subscribe"
#define COUNT_MAX 1000000000L
#define STOP_CHECK_MS 200 /* how soon a signal is noticed */

static volatile sig_atomic_t stop_requested;

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
    printf("usage: hcbus subscribe PREFIX... [flags]\n"
           "  prints every message whose topic starts with a PREFIX (whole components:\n"
           "  alert.sv.ss. or zone.), one line each, in seq order.\n"
           "  --json        one JSON object per line instead\n"
           "  --snapshot    first print the current level of every zone under zone. prefixes\n"
           "  --count N     exit 0 after N messages\n" CONN_HELP
           "                (also the whole run's deadline when given: exit 3 if --count\n"
           "                messages did not come by then, 0 without --count)\n"
           "Exit: 0 ok, 1 refused, 2 usage, 3 broker unreachable or timeout, 4 internal.\n");
}

typedef struct sub_args {
    bool json, snapshot;
    long count; /* 0 = no limit */
} sub_args_t;

/* Returns 0, -1 after --help, or an exit code. */
static int parse(int argc, char **argv, sub_args_t *a, cli_conn_t *conn)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"snapshot", no_argument, NULL, 's'},
        {"count", required_argument, NULL, 'n'}, {"help", no_argument, NULL, 'h'},
        CONN_LONG_OPTIONS, {NULL, 0, NULL, 0}};
    int c, index;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, &index)) != -1) {
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
        } else if (c != 0 || conn_flag_take(CMD, conn, opts[index].name, optarg) <= 0)
            return c == 0 ? EXIT_USAGE : bad_flag(CMD, argv);
    }
    if (optind >= argc)
        return usage_error(CMD, "give at least one topic PREFIX");
    return 0;
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
        hcbus_delivery_t d;
        int rc = hcbus_subscriber_next(sub, left < STOP_CHECK_MS ? (int)left : STOP_CHECK_MS,
                                       &d, &err);
        if (rc < 0) {
            print_error(CMD, &err);
            return exit_code_for(&err);
        }
        if (rc == 0)
            continue;
        if (print_delivery(&d, a->json, stdout) != 0)
            fprintf(stderr, "hcbus subscribe: seq %llu cannot be shown as JSON\n",
                    (unsigned long long)d.seq);
        hcbus_envelope_free(d.envelope);
        printed++;
    }
    return EXIT_OK;
}

int cmd_subscribe(int argc, char **argv)
{
    sub_args_t a = {false, false, 0};
    cli_conn_t conn;
    conn_defaults(&conn, false);
    int rc = parse(argc, argv, &a, &conn);
    if (rc != 0)
        return rc < 0 ? EXIT_OK : rc;
    catch_signals();
    hcbus_subscriber_t *sub;
    rc = conn_subscriber(CMD, &conn, argv + optind, (size_t)(argc - optind), a.snapshot, &sub);
    if (rc != 0)
        return rc;
    rc = consume(sub, &a, &conn);
    hcbus_subscriber_destroy(&sub);
    return rc;
}
