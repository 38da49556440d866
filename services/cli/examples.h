/* examples.h — the examples at the end of every `hcbus` command's --help (examples.c). */
#ifndef HCBUS_CLI_EXAMPLES_H
#define HCBUS_CLI_EXAMPLES_H

#include <stdbool.h>
#include <stdio.h>

/* Print the examples of command ("publish zone", "subscribe", "" for hcbus itself)
 * under a heading; nothing if it has none. */
void examples_print(const char *command, FILE *out);

#endif
