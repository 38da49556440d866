/* utf8.h — internal: strict UTF-8 checking. protobuf-c does not check that string
 * fields are UTF-8 (proto3 says they must be), so validation does it here. */
#ifndef HCBUS_UTF8_H
#define HCBUS_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True if the NUL-terminated s is valid UTF-8 (no overlongs, no surrogates, nothing
 * above U+10FFFF). On false, *bad_offset (if not NULL) is the offset of the first bad
 * byte. */
bool hcbus_utf8_valid(const char *s, size_t *bad_offset);

#endif
