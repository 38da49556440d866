/* snapshot.c — `hcbus snapshot PREFIX [--json]`: print the last committed level of every
 * zone under a zone. prefix (the broker's snapshot) and exit. */
#include <string.h>

#include "commands.h"
#include "common.h"
#include "examples.h"
#include "hcbus/i18n.h"
#include "print.h"

#define CMD "snapshot"

static void help(void)
{
    printf("%s%s%s",
           _("usage: hcbus snapshot PREFIX [flags]\n"
           "  prints the current level of every zone under PREFIX (zone. or zone.sv.ss.)\n"
           "  --json        one JSON object per line\n"),
           _(CONN_HELP),
           _("Exit: 0 ok, 1 refused, 2 usage, 3 broker unreachable or timeout, 4 internal.\n"));
    examples_print("snapshot", stdout);
}

/* Print the snapshot entries, which come first; stop at the first live message. */
static int print_snapshot(hcbus_subscriber_t *sub, bool json)
{
    hcbus_delivery_t d;
    hcbus_error_t err;
    int rc;
    while ((rc = hcbus_subscriber_next(sub, 0, &d, &err)) == 1) {
        bool from_snapshot = d.source == HCBUS_FROM_SNAPSHOT;
        if (from_snapshot)
            print_delivery(&d, json, stdout);
        hcbus_envelope_free(d.envelope);
        if (!from_snapshot)
            break;
    }
    if (rc >= 0)
        return EXIT_OK;
    print_error(CMD, &err);
    return exit_code_for(&err);
}

int cmd_snapshot(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'},
        CONN_LONG_OPTIONS, {NULL, 0, NULL, 0}};
    cli_conn_t conn;
    conn_defaults(&conn, false);
    bool json = false;
    int c, index;
    opterr = 0;
    while ((c = cli_getopt(argc, argv, "h", opts, &index)) != -1) {
        if (c == 'h') {
            help();
            return EXIT_OK;
        } else if (c == 'j')
            json = true;
        else if (c != 0 || conn_flag_take(CMD, &conn, opts[index].name, optarg) <= 0)
            return c == 0 ? EXIT_USAGE : bad_flag(CMD, argv);
    }
    if (optind != argc - 1)
        return usage_error(CMD, _("give exactly one PREFIX"));
    if (strncmp(argv[optind], "zone", 4) != 0)
        return usage_error(CMD, _("snapshots exist for zone. prefixes only, not '%s'"), argv[optind]);
    hcbus_subscriber_t *sub;
    int rc = conn_subscriber(CMD, &conn, argv + optind, 1, true, &sub);
    if (rc != 0)
        return rc;
    rc = print_snapshot(sub, json);
    hcbus_subscriber_destroy(&sub);
    return rc;
}
