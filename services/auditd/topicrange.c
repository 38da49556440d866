/* topicrange.c — whole-component prefix matching as byte ranges (see topicrange.h).
 * For p ending in '.', a topic t starts with p exactly when p <= t < p' where p' is p
 * with its last byte '.' replaced by '/', the next byte: at that position t has '.',
 * and every byte before it equals p's. */
#include "topicrange.h"

#include <string.h>

bool auditd_topic_range(const char *prefix, auditd_topic_range_t *r)
{
    size_t n = strlen(prefix);
    memset(r, 0, sizeof *r);
    if (n > AUDITD_PREFIX_MAX)
        return false;
    if (n == 0) {
        r->all = true;
        return true;
    }
    bool dotted = prefix[n - 1] == '.';
    if (!dotted) {
        r->has_exact = true;
        memcpy(r->exact, prefix, n + 1);
    }
    /* lo = the prefix ending in '.', hi = the same with '/' in place of that '.'. */
    memcpy(r->lo, prefix, n);
    if (!dotted)
        r->lo[n++] = '.';
    r->lo[n] = '\0';
    memcpy(r->hi, r->lo, n + 1);
    r->hi[n - 1] = '/';
    return true;
}
