/* report.c — `hcbus audit report`: reads the flags and the period (--month YYYY-MM, or
 * --from and --to; El Salvador time), connects as the reviewer, has report_query.c fill
 * the tables and prints them as text, CSV or one HTML page (--html FILE, written to a
 * temporary file renamed into place, so a failed run never leaves half a page). The
 * figures themselves are computed elsewhere (report_query.c, report_aggregate.c). */
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "common.h"
#include "db.h"
#include "hcbus/clock.h"
#include "hcbus/i18n.h"
#include "report_labels.h"
#include "timefmt.h"

#define CMD "audit report"
#define REPORT_PATH_MAX 4096

typedef struct report_flags {
    const char *month, *from, *to, *html, *config;
    bool text;
} report_flags_t;

static void help(void)
{
    printf("%s%s%s",
           _("usage: hcbus audit report (--month YYYY-MM | --from WHEN --to WHEN)\n"
           "                          [--text | --csv | --html FILE] [--config FILE] [--utc]\n"
           "                          [--db CONNINFO]\n"
           "  The protocol's figures for a period, in Spanish: incidents by WHO SSA attack type,\n"
           "  act, target, department, municipality, institution and anonymity, with casualties;\n"
           "  dispatch response times (p50/p90) per department; police escorts and their\n"
           "  outcome; refused attempts by reason and institution; institutions active in the\n"
           "  network by type and department; the incidents one by one.\n"
           "  --month YYYY-MM       that calendar month, El Salvador time (-06:00)\n"
           "  --from WHEN           from WHEN: 2026-11-01, 2026-11-01T08:00 (El Salvador time),\n"
           "                        ...Z, now-7d\n"
           "  --to WHEN             up to WHEN, excluded (a date alone: to the end of that day)\n"
           "  --text                aligned text (the default)\n"
           "  --csv                 CSV (RFC 4180): seccion,clave,nombre,indicador,valor\n"
           "  --html FILE           one self-contained HTML page (inline SVG charts, no\n"
           "                        JavaScript, nothing fetched) written to FILE\n"
           "  --config FILE         hcbus.conf, for the institutions' names and types (roles):\n"
           "                        the database does not hold them\n"),
           _(AUDIT_DB_HELP),
           _("Exit: 0 ok, 1 bad period, --config or FILE, 2 usage, 3 database unreachable,\n"
           "  4 internal. docs/audit.md, \"Reports and indicators\", says what each figure is.\n"));
}

/* --month YYYY-MM: [first day 00:00, first day of the next month) El Salvador time. */
static int month_period(const char *text, report_t *rep)
{
    int year, month;
    char end;
    if (strlen(text) != 7 || sscanf(text, "%4d-%2d%c", &year, &month, &end) != 2 || text[4] != '-' ||
        year < 2000 || month < 1 || month > 12) {
        fprintf(stderr, "hcbus " CMD ": --month \"%.40s\" is not a month (hint: write YYYY-MM, "
                        "e.g. 2026-10)\n", text);
        return AUDIT_EXIT_BAD;
    }
    char first[32], next[32];   /* room for any int year: -O2 checks it */
    snprintf(first, sizeof first, "%04d-%02d-01", year, month);
    snprintf(next, sizeof next, "%04d-%02d-01", month == 12 ? year + 1 : year, month % 12 + 1);
    hcbus_error_t err = {0};
    if (audit_time_parse(first, false, &rep->from_us, &err) != 0 ||
        audit_time_parse(next, false, &rep->to_us, &err) != 0) {
        print_error(CMD, &err);
        return AUDIT_EXIT_BAD;
    }
    snprintf(rep->period, sizeof rep->period, "%s de %d", report_month_es(month), year);
    return 0;
}

static int range_period(const char *from, const char *to, report_t *rep)
{
    hcbus_error_t err = {0};
    if (audit_time_parse(from, false, &rep->from_us, &err) != 0) {
        snprintf(err.field, sizeof err.field, "--from");
        print_error(CMD, &err);
        return AUDIT_EXIT_BAD;
    }
    if (audit_time_parse(to, true, &rep->to_us, &err) != 0) {
        snprintf(err.field, sizeof err.field, "--to");
        print_error(CMD, &err);
        return AUDIT_EXIT_BAD;
    }
    if (rep->to_us <= rep->from_us) {
        fprintf(stderr, "hcbus " CMD ": --to %.40s is not after --from %.40s\n", to, from);
        return AUDIT_EXIT_BAD;
    }
    snprintf(rep->period, sizeof rep->period, "del %.40s al %.40s", from, to);
    return 0;
}

static int parse_flags(int argc, char **argv, audit_opts_t *opts, report_flags_t *f, bool *helped)
{
    static const struct option options[] = {
        AUDIT_LONG_OPTIONS,
        {"month", required_argument, NULL, 0},
        {"from", required_argument, NULL, 0},
        {"to", required_argument, NULL, 0},
        {"text", no_argument, NULL, 0},
        {"html", required_argument, NULL, 0},
        {"config", required_argument, NULL, 0},
        {NULL, 0, NULL, 0},
    };
    int c, index;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "h", options, &index)) != -1) {
        if (c == 'h') {
            help();
            *helped = true;
            return AUDIT_EXIT_OK;
        }
        if (c != 0)
            return bad_flag(CMD, argv);
        const char *name = options[index].name;
        if (strcmp(name, "json") == 0)
            return usage_error(CMD, _("no --json: the report prints text, --csv or --html FILE"));
        int taken = audit_opt_take(CMD, opts, name, optarg);
        if (taken < 0)
            return AUDIT_EXIT_USAGE;
        if (taken)
            continue;
        if (strcmp(name, "month") == 0)
            f->month = optarg;
        else if (strcmp(name, "from") == 0)
            f->from = optarg;
        else if (strcmp(name, "to") == 0)
            f->to = optarg;
        else if (strcmp(name, "text") == 0)
            f->text = true;
        else if (strcmp(name, "html") == 0)
            f->html = optarg;
        else
            f->config = optarg;
    }
    if (optind < argc)
        return usage_error(CMD, _("unexpected argument '%s'"), argv[optind]);
    if ((f->text ? 1 : 0) + (opts->format == AUDIT_FORMAT_CSV ? 1 : 0) + (f->html ? 1 : 0) > 1)
        return usage_error(CMD, _("give one of --text, --csv and --html FILE"));
    if (f->month && (f->from || f->to))
        return usage_error(CMD, _("give --month or --from and --to, not both"));
    if (!f->month && (!f->from || !f->to))
        return usage_error(CMD, _("the period is missing: --month YYYY-MM, or --from and --to"));
    if (f->html && !*f->html)
        return usage_error(CMD, _("--html needs a file name"));
    return AUDIT_EXIT_OK;
}

/* Print the report in the chosen form; --html goes to FILE through FILE.tmp. */
static int print_report(const report_flags_t *f, const audit_opts_t *opts, const report_t *rep,
                        const audit_zones_t *zones)
{
    if (!f->html) {
        int rc = opts->format == AUDIT_FORMAT_CSV ? report_print_csv(stdout, rep)
                                                  : report_print_text(stdout, rep, zones);
        if (rc != 0)
            fprintf(stderr, "hcbus " CMD ": cannot write the output\n");
        return rc == 0 ? AUDIT_EXIT_OK : AUDIT_EXIT_INTERNAL;
    }
    char tmp[REPORT_PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", f->html) >= (int)sizeof tmp) {
        fprintf(stderr, "hcbus " CMD ": --html: the file name is too long\n");
        return AUDIT_EXIT_BAD;
    }
    FILE *out = fopen(tmp, "w");
    if (!out) {
        fprintf(stderr, "hcbus " CMD ": cannot write %s: %s\n", tmp, strerror(errno));
        return AUDIT_EXIT_BAD;
    }
    int rc = report_print_html(out, rep, zones);
    if (fclose(out) != 0 || rc != 0 || rename(tmp, f->html) != 0) {
        fprintf(stderr, "hcbus " CMD ": cannot write %s: %s\n", f->html, strerror(errno));
        remove(tmp);
        return AUDIT_EXIT_BAD;
    }
    return AUDIT_EXIT_OK;
}

int audit_report(int argc, char **argv)
{
    audit_opts_t opts = {0};
    report_flags_t flags = {0};
    bool helped = false;
    int rc = parse_flags(argc, argv, &opts, &flags, &helped);
    if (rc != 0 || helped)
        return rc;
    report_t rep = {.utc = opts.utc};
    rc = flags.month ? month_period(flags.month, &rep) : range_period(flags.from, flags.to, &rep);
    if (rc != 0)
        return rc;
    audit_time_format(hcbus_now_us(), opts.utc, false, rep.generated, sizeof rep.generated);
    hcbus_config_t *config = NULL;
    if (flags.config) {
        hcbus_error_t err = {0};
        config = hcbus_config_load(flags.config, &err);
        if (!config) {
            print_error(CMD, &err);
            return AUDIT_EXIT_BAD;
        }
    }
    PGconn *conn = NULL;
    audit_zones_t *zones = NULL;
    rc = audit_db_connect(CMD, opts.db, &conn);
    if (rc == 0)
        rc = audit_zones_load(CMD, conn, &zones);
    if (rc == 0)
        rc = report_query(CMD, conn, zones, config, &rep);
    if (rc == 0)
        rc = print_report(&flags, &opts, &rep, zones);
    report_free(&rep);
    audit_zones_destroy(&zones);
    if (conn)
        PQfinish(conn);
    hcbus_config_destroy(&config);
    return rc;
}
