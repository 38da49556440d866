/* utf8.h — internal: strict UTF-8 checking. protobuf-c does not check that string
 * fields are UTF-8 (proto3 says they must be), so validation does it here. */
#ifndef HCBUS_UTF8_H
#define HCBUS_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True if the NUL-terminated s is valid UTF-8 (no overlongs, no surrogates, nothing
 * above U+10FFFF). On false, *bad_offset (if not NULL) is the offset of the first bad
 * byte. */
bool hcbus_utf8_valid(const char *s, size_t *bad_offset);

/* Decode the sequence at s into *cp and return its length (1..4), or 0 if the bytes
 * at s are not a well-formed sequence (a NUL at s decodes as U+0000, length 1). */
size_t hcbus_utf8_decode(const char *s, uint32_t *cp);

#endif
