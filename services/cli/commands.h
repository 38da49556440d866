/* commands.h — the `hcbus` commands main.c dispatches to. Each takes its own argv
 * (argv[0] is the command name) and returns the process exit code (common.h). */
#ifndef HCBUS_CLI_COMMANDS_H
#define HCBUS_CLI_COMMANDS_H

int cmd_keygen(int argc, char **argv);
int cmd_publish(int argc, char **argv);
int cmd_subscribe(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_dispatch(int argc, char **argv);
int cmd_zone(int argc, char **argv);
int cmd_outbox(int argc, char **argv);

#endif
