/* where.h — internal: how libhcbus names a place in a file in its errors,
 * "path:line setting", fitted into an hcbus_error_t field. */
#ifndef HCBUS_WHERE_H
#define HCBUS_WHERE_H

#include <stddef.h>

/* Write "path:line" or "path:line setting" (setting may be NULL or ""; line <= 0 is
 * left out, for things that have no line such as a missing section) into buf. When
 * the whole path does not fit, its last component is used so that the line and the
 * setting are never cut off. Returns buf. */
const char *hcbus_where(char *buf, size_t size, const char *path, int line, const char *setting);

#endif
