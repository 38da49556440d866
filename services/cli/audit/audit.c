/* audit.c — `hcbus audit SUBCOMMAND`: the table of subcommands (one line each: add
 * yours here and its prototype in audit.h), --help listing them, and the flags they
 * all share (audit.h). Each subcommand lives in its own file. */
#include "audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "examples.h"
#include "hcbus/i18n.h"
#include "hcbus/text.h"

static const struct {
    const char *name;
    audit_run_fn *run;
    const char *what;
} subcommands[] = {
    {"list", audit_list, N_("list recorded messages, filtered (time, institution, kind, zone, text)")},
    {"show", audit_show, N_("one recorded message: every column a reviewer may read")},
    {"timeline", audit_timeline, N_("a dispatch request: who did what, verdicts, call-out times")},
    {"export", audit_export, N_("list's rows with every column as CSV or JSON lines (--cap: CAP 1.2)")},
    {"report", audit_report, N_("the period's figures and indicators, in Spanish (text, CSV, HTML)")},
    {"who-knew", audit_who_knew, N_("which institutions received an event or a request's events: how, when")},
    {"verify", audit_verify, N_("check that the log was not altered (rows, signed heads, kept checkpoints)")},
    {"checkpoint", audit_checkpoint, N_("print the newest signed tree head, to export and keep")},
    {"prove", audit_prove, N_("print and check a proof: an event in a signed tree, or one tree in a later one")},
    {"ask", audit_ask, N_("ask the anonymous reporter of an alert a question (read with their receipt)")},
    {"conversation", audit_conversation, N_("an anonymous alert's questions and the reporter's answers")},
    {"photos", audit_photos, N_("write an anonymous report's photos (metadata removed) into a directory")},
};

static void help(void)
{
    printf(_("usage: hcbus audit SUBCOMMAND [flags]   (hcbus audit SUBCOMMAND --help)\n"
           "Reads the audit log in PostgreSQL as the reviewer role (schema review: never\n"
           "payloads nor patient details); ask only adds a question for an anonymous\n"
           "reporter. Times in El Salvador time (-06:00) unless --utc.\n"
           "subcommands:\n"));
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        printf("  %-13s %s\n", subcommands[i].name, _(subcommands[i].what));
    printf("%s%s%s",
           _("flags of every subcommand:\n"),
           _(AUDIT_DB_HELP),
           _("exit codes: 0 ok (verify: intact); 1 bad input (verify: NOT intact); 2 usage;\n"
           "  3 database unreachable; 4 internal error\n"));
    examples_print("audit", stdout);
}

int cmd_audit(int argc, char **argv)
{
    if (argc < 2) {
        help();
        return AUDIT_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        help();
        return AUDIT_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (strcmp(argv[1], subcommands[i].name) == 0)
            return subcommands[i].run(argc - 1, argv + 1);
    const char *names[sizeof subcommands / sizeof subcommands[0]];
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        names[i] = subcommands[i].name;
    char near[160], shown[128];
    suggest_among(argv[1], names, sizeof names / sizeof names[0], near, sizeof near);
    usage_error("audit", _("unknown subcommand '%s'%s"),
                hcbus_text_escape(argv[1], HCBUS_TEXT_PLAIN, shown, sizeof shown), near);
    return AUDIT_EXIT_USAGE;
}

int audit_opt_take(const char *cmd, audit_opts_t *opts, const char *name, const char *value)
{
    if (strcmp(name, "db") == 0) {
        opts->db = value;
        return 1;
    }
    if (strcmp(name, "utc") == 0) {
        opts->utc = true;
        return 1;
    }
    audit_format_t format;
    if (strcmp(name, "json") == 0)
        format = AUDIT_FORMAT_JSON;
    else if (strcmp(name, "csv") == 0)
        format = AUDIT_FORMAT_CSV;
    else
        return 0;
    if (opts->format != AUDIT_FORMAT_TEXT && opts->format != format) {
        usage_error(cmd, _("--json and --csv cannot both be given"));
        return -1;
    }
    opts->format = format;
    return 1;
}
