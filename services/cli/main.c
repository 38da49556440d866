/* main.c — `hcbus`, the command-line client of the bus: finds the command and runs it.
 * Exit codes, for every command: 0 ok; 1 refused by the broker or bad input (the
 * message names the flag or field); 2 usage error; 3 broker unreachable or timeout
 * (audit: the database); 4 internal error. */
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "commands.h"
#include "common.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *what;
} commands[] = {
    {"keygen", cmd_keygen, "make an institution's CurveZMQ key pair"},
    {"publish", cmd_publish, "publish a zone, dispatch, status, alert, escort or escort-status"},
    {"subscribe", cmd_subscribe, "print the messages under topic prefixes as they come"},
    {"snapshot", cmd_snapshot, "print the current level of every zone under a prefix"},
    {"dispatch", cmd_dispatch, "list dispatch requests, or show one with its call-out times"},
    {"zone", cmd_zone, "find zones by name; show, set or trace their levels"},
    {"audit", cmd_audit, "read the audit log as a reviewer (list, show, timeline, export ...)"},
};

static void help(void)
{
    printf("usage: hcbus COMMAND [flags]   (hcbus COMMAND --help for its flags)\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        printf("  %-10s %s\n", commands[i].name, commands[i].what);
    printf("environment: HCBUS_PUBLISH_ENDPOINT, HCBUS_SUBSCRIBE_ENDPOINT, HCBUS_BROKER_KEY,\n"
           "  HCBUS_KEY (see --endpoint, --broker-key, --key)\n"
           "exit codes: 0 ok; 1 refused by the broker or bad input (publish: also a status\n"
           "  REFUSED by hcbus-coordinator, recorded but not counted); 2 usage error;\n"
           "  3 broker (audit: database) unreachable or timeout; 4 internal error\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        help();
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        help();
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "hcbus: unknown command '%s'; see hcbus --help\n", argv[1]);
    return EXIT_USAGE;
}
