/* secret.h — reading report.secret_file: the 32 random bytes from which the form-token
 * key and the receipts' salt are derived. A secret that group or others may read is
 * refused, as hcbus refuses such a key file. */
#ifndef HCBUS_REPORT_WEB_SECRET_H
#define HCBUS_REPORT_WEB_SECRET_H

#include "hcbus/error.h"

#define SECRET_BYTES 32

/* Read exactly SECRET_BYTES from path into out. The file must be a regular file
 * (a FIFO or device is refused without blocking), without group or other permissions
 * (0600 or 0400), and hold exactly 32 bytes. Returns 0, or -1 with err (HCBUS_EIO or
 * HCBUS_ECONFIG, field the path, a hint saying how to make one). */
int secret_load(const char *path, unsigned char out[SECRET_BYTES], hcbus_error_t *err);

#endif
