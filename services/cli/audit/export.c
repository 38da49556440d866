/* export.c — `hcbus audit export`: list's rows with every column, as CSV (the default)
 * or JSON lines, for a spreadsheet or another program; --cap hands over to the CAP 1.2
 * writer (export_cap.c). Streams like list. */
#include "export.h"

#include <stdio.h>
#include <string.h>

#include "common.h"
#include "hcbus/i18n.h"
#include "list.h"

#define CMD "audit export"

static void help(void)
{
    printf("%s%s%s%s%s",
           _("usage: hcbus audit export [filters] [--csv|--json|--cap] [--utc] [--db CONNINFO]\n"
           "  the messages `hcbus audit list` would show, with every column (seq,\n"
           "  received_at, sent_at, committed_at, sender, kind, topic, zone_id, zone_name,\n"
           "  subject, summary), times with microseconds; never payloads nor patient\n"
           "  details. Filters as for list:\n"),
           _(AUDIT_FILTER_HELP),
           _("  --csv                 CSV (RFC 4180, CRLF, a header row; the default)\n"
           "  --json                one JSON object per line\n"
           "  --cap                 security alerts and zone changes as OASIS CAP 1.2 XML\n"
           "  --out DIR             with --cap: one CAP document per event in DIR (made if\n"
           "                        missing); without it, stdout takes a single event\n"),
           _(AUDIT_DB_HELP),
           _("Exit: 0 ok, 1 bad filter value, 2 usage, 3 database unreachable, 4 internal.\n"));
}

int audit_export(int argc, char **argv)
{
    static const struct option options[] = {AUDIT_LONG_OPTIONS, AUDIT_FILTER_LONG_OPTIONS,
                                            {"cap", no_argument, NULL, 0},
                                            {"out", required_argument, NULL, 0},
                                            {NULL, 0, NULL, 0}};
    audit_opts_t opts = {0};
    audit_filter_t filter = {0};
    bool cap = false;
    const char *out_dir = NULL;
    int c, index;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "h", options, &index)) != -1) {
        if (c == 'h') {
            help();
            return AUDIT_EXIT_OK;
        }
        if (c != 0)
            return bad_flag(CMD, argv);
        const char *name = options[index].name;
        if (strcmp(name, "cap") == 0) {
            cap = true;
            continue;
        }
        if (strcmp(name, "out") == 0) {
            out_dir = optarg;
            continue;
        }
        int taken = audit_opt_take(CMD, &opts, name, optarg);
        if (taken < 0)
            return AUDIT_EXIT_USAGE;
        if (!taken)
            audit_filter_take(&filter, name, optarg);
    }
    if (optind < argc)
        return usage_error(CMD, _("unexpected argument '%s'"), argv[optind]);
    if (cap && opts.format != AUDIT_FORMAT_TEXT)
        return usage_error(CMD, _("--cap writes XML: leave out --csv and --json"));
    if (out_dir && !cap)
        return usage_error(CMD, _("--out is for --cap (CSV and JSON go to stdout)"));
    if (cap)
        return audit_export_cap(&opts, &filter, out_dir);
    if (opts.format == AUDIT_FORMAT_TEXT)
        opts.format = AUDIT_FORMAT_CSV;
    return audit_list_print(CMD, &opts, &filter, NULL);
}
