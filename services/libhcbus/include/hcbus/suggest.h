/* suggest.h — "did you mean": the edit distance between two words and the closest of a
 * list of names to one a person mistyped. Used for catalogue zone ids (zone_suggest.c)
 * and for the CLI's commands, flags and enum values. No allocation. */
#ifndef HCBUS_SUGGEST_H
#define HCBUS_SUGGEST_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HCBUS_SUGGEST_TEXT_MAX 256 /* bytes of each word compared; longer ones are cut */

/* Levenshtein distance between a and b, in bytes (each cut at HCBUS_SUGGEST_TEXT_MAX). */
size_t hcbus_edit_distance(const char *a, const char *b);

/* The same between the first la bytes of a and the first lb bytes of b (need not end
 * there), each cut at HCBUS_SUGGEST_TEXT_MAX. */
size_t hcbus_edit_distance_n(const char *a, size_t la, const char *b, size_t lb);

/* The name in names[0..n) closest to what: one that starts with what (a prefix typed
 * short, at least 2 bytes), else the nearest by edit distance when at most a third of
 * what's length away (at least 2 edits), ties to the earlier name. Case is ignored
 * for ASCII letters. NULL when none is close. The result is one of names. */
const char *hcbus_suggest(const char *what, const char *const *names, size_t n);

#ifdef __cplusplus
}
#endif
#endif
