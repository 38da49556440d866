/* pgtext.h — what PostgreSQL accepts as text (valid UTF-8) and as a timestamptz from
 * wire microseconds; the binary parameters themselves are built by pgbin.h. */
#ifndef AUDITD_PGTEXT_H
#define AUDITD_PGTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The length of the valid UTF-8 sequence at s (1..4), or 0 if s does not start one
 * (PostgreSQL refuses overlong forms, surrogates and code points above U+10FFFF). */
size_t pgtext_utf8_len(const char *s);

/* True if s is entirely valid UTF-8. */
bool pgtext_utf8_valid(const char *s);

/* True if t_us (microseconds since the epoch) is within 1970..9999: what a
 * timestamptz column takes and the wire means (PostgreSQL would refuse the rest). */
bool pgtext_time_valid(int64_t t_us);

#endif
