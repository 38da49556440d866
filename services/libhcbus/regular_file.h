/* regular_file.h — open a file that configuration names (a key file, the zone
 * catalogue) for reading, only if it is a regular file. A FIFO or a device named by
 * mistake (/dev/zero) would block the open or be read for ever, at start or at a
 * SIGHUP reload. Internal to libhcbus. */
#ifndef HCBUS_REGULAR_FILE_H
#define HCBUS_REGULAR_FILE_H

#include <stdio.h>

#include "hcbus/error.h"

/* Open path for reading (O_NONBLOCK, so that opening a FIFO does not wait for a
 * writer) and return it as a FILE (the caller fcloses it), or NULL with err
 * (HCBUS_EIO, field path): "cannot open <what>: <reason>" or "<what> <path> is not a
 * regular file". */
FILE *hcbus_open_regular_file(const char *path, const char *what, hcbus_error_t *err);

#endif
