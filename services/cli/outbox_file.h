/* outbox_file.h — where `hcbus publish --outbox` and `hcbus outbox` find the outbox file
 * (the flag, HCBUS_OUTBOX, or the default under $XDG_STATE_HOME), and how they tell the
 * user what its opening repaired. */
#ifndef HCBUS_CLI_OUTBOX_FILE_H
#define HCBUS_CLI_OUTBOX_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "hcbus/outbox.h"

/* The outbox's path: given (a flag's value) if not NULL, else $HCBUS_OUTBOX, else
 * $XDG_STATE_HOME/hcbus/outbox, else $HOME/.local/state/hcbus/outbox. With create, the
 * default's directory is made (mode 0700). Writes into buf. Returns 0, or prints why
 * (naming cmd) and returns an exit code. */
int outbox_file_path(const char *cmd, const char *given, bool create, char *buf, size_t size);

/* Print to stderr what the open of ob cut off or skipped (nothing if it found the file
 * whole). */
void outbox_file_report(const char *cmd, const hcbus_outbox_t *ob);

/* Parse --outbox-max-bytes. Returns 0, or prints why and returns EXIT_USAGE. */
int outbox_file_max_bytes(const char *cmd, const char *text, unsigned long long *out);

#endif
