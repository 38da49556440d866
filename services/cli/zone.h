/* zone.h — the subcommands of `hcbus zone` (zone.c dispatches to them). Each takes its
 * own argv (argv[0] is the subcommand's name) and returns the process exit code. */
#ifndef HCBUS_CLI_ZONE_H
#define HCBUS_CLI_ZONE_H

int zone_find_run(int argc, char **argv);
int zone_show_run(int argc, char **argv);
int zone_history_run(int argc, char **argv);

#endif
