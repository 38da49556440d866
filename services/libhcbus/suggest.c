/* suggest.c — edit distance and the closest name to a mistyped one (suggest.h): the one
 * copy of "did you mean" for zone ids (zone_suggest.c ranks with it) and the CLI's
 * commands, flags and enum values. Nothing here is on the broker's hot path. */
#include "hcbus/suggest.h"

#include <string.h>

#define SUGGEST_MIN_EDITS 2   /* always allow this many edits */
#define SUGGEST_EDIT_SHARE 3  /* ... or one edit per this many bytes of what was typed */
#define SUGGEST_PREFIX_MIN 2  /* a prefix this long names a name it starts */

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

size_t hcbus_edit_distance(const char *a, const char *b)
{
    return hcbus_edit_distance_n(a, strnlen(a, HCBUS_SUGGEST_TEXT_MAX), b,
                                 strnlen(b, HCBUS_SUGGEST_TEXT_MAX));
}

size_t hcbus_edit_distance_n(const char *a, size_t la, const char *b, size_t lb)
{
    if (la > HCBUS_SUGGEST_TEXT_MAX)
        la = HCBUS_SUGGEST_TEXT_MAX;
    if (lb > HCBUS_SUGGEST_TEXT_MAX)
        lb = HCBUS_SUGGEST_TEXT_MAX;
    size_t row[HCBUS_SUGGEST_TEXT_MAX + 1];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t above = row[j];
            size_t best = diagonal + (a[i - 1] != b[j - 1]);
            if (above + 1 < best)
                best = above + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diagonal = above;
        }
    }
    return row[lb];
}

/* text in ASCII lower case, cut at HCBUS_SUGGEST_TEXT_MAX bytes. */
static void lower_copy(const char *text, char *out)
{
    size_t n = 0;
    for (; text[n] && n < HCBUS_SUGGEST_TEXT_MAX; n++)
        out[n] = ascii_lower(text[n]);
    out[n] = '\0';
}

const char *hcbus_suggest(const char *what, const char *const *names, size_t n)
{
    if (!what || !what[0] || !names)
        return NULL;
    char typed[HCBUS_SUGGEST_TEXT_MAX + 1], name[HCBUS_SUGGEST_TEXT_MAX + 1];
    lower_copy(what, typed);
    size_t len = strlen(typed);
    size_t limit = len / SUGGEST_EDIT_SHARE > SUGGEST_MIN_EDITS ? len / SUGGEST_EDIT_SHARE
                                                                : SUGGEST_MIN_EDITS;
    const char *best = NULL;
    size_t best_score = limit + 1;
    for (size_t i = 0; i < n; i++) {
        if (!names[i])
            continue;
        lower_copy(names[i], name);
        if (len >= SUGGEST_PREFIX_MIN && strncmp(name, typed, len) == 0)
            return names[i];
        size_t d = hcbus_edit_distance(typed, name);
        if (d < best_score) {
            best = names[i];
            best_score = d;
        }
    }
    return best;
}
