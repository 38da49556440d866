/* main.c — `hcbus`, the command-line client of the bus: finds the command and runs it.
 * Exit codes, for every command: 0 ok; 1 refused by the broker or bad input (the
 * message names the flag or field); 2 usage error; 3 broker unreachable or timeout
 * (audit: the database); 4 internal error; 5 subscribe: the feed was down longer than
 * --max-outage. */
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "commands.h"
#include "common.h"
#include "examples.h"
#include "hcbus/i18n.h"
#include "hcbus/text.h"
#include "hcbus/version.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *what;
} commands[] = {
    {"keygen", cmd_keygen, N_("make an institution's CurveZMQ key pair")},
    {"publish", cmd_publish, N_("publish a zone, dispatch, status, alert, escort or escort-status")},
    {"subscribe", cmd_subscribe, N_("print the messages under topic prefixes as they come")},
    {"snapshot", cmd_snapshot, N_("print the current level of every zone under a prefix")},
    {"dispatch", cmd_dispatch, N_("list dispatch requests, or show one with its call-out times")},
    {"zone", cmd_zone, N_("find zones by name; show, set or trace their levels")},
    {"audit", cmd_audit, N_("read the audit log as a reviewer (list, show, timeline, export ...)")},
    {"outbox", cmd_outbox, N_("show or send what publish --outbox queued on this machine")},
};

static void help(void)
{
    printf("%s", _("usage: hcbus COMMAND [flags]   (hcbus COMMAND --help for its flags)\ncommands:\n"));
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        printf("  %-10s %s\n", commands[i].name, _(commands[i].what));
    printf("%s", _("environment: HCBUS_PUBLISH_ENDPOINT, HCBUS_SUBSCRIBE_ENDPOINT, HCBUS_BROKER_KEY,\n"
           "  HCBUS_KEY (see --endpoint, --broker-key, --key)\n"
           "exit codes: 0 ok; 1 refused by the broker or bad input (publish: also a status\n"
           "  REFUSED by hcbus-coordinator, recorded but not counted); 2 usage error;\n"
           "  3 broker (audit: database) unreachable or timeout; 4 internal error;\n"
           "  5 subscribe: the feed was down longer than --max-outage\n"));
    examples_print("", stdout);
}

int main(int argc, char **argv)
{
    hcbus_i18n_init(); /* first: every message below is in the user's language */
    if (argc < 2) {
        help();
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        help();
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        hcbus_version_print("hcbus");
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    const char *names[sizeof commands / sizeof commands[0]];
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        names[i] = commands[i].name;
    char near[160], shown[128];
    suggest_among(argv[1], names, sizeof names / sizeof names[0], near, sizeof near);
    fprintf(stderr, _("hcbus: unknown command '%s'%s; see hcbus --help\n"),
            hcbus_text_escape(argv[1], HCBUS_TEXT_PLAIN, shown, sizeof shown), near);
    return EXIT_USAGE;
}
