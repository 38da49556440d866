/* places.c — finding the place of a report from what the reporter typed, without
 * JavaScript: the municipalities and districts of the chosen department whose own name
 * contains the text (case and accents folded the way zone ids are, hcbus_zone_fold),
 * best first, then the names a typo away. Also the department list of step 1. */
#include "form.h"
#include "places.h"

#include <stdlib.h>
#include <string.h>

#include "hcbus/suggest.h"

#define FOLD_MAX 256
#define DISTANCE_TEXT_MAX 64          /* longer texts are matched by substring only */
#define TYPO_TEXT_MIN 4               /* shorter texts: a typo away is anything ("san", "pan") */
#define CANDIDATES_MAX 512            /* places of one department (the largest has ~40) */

typedef struct candidate {
    const char *id;
    int score;                        /* lower is better */
    char folded[FOLD_MAX];            /* the place's own name, folded */
} candidate_t;

typedef struct search {
    const char *dep_zone;
    const char *text;                 /* folded */
    size_t text_len;
    candidate_t *found;
    size_t count;
} search_t;

/* The zone's own name: "Soyapango" of "Soyapango, San Salvador Este, San Salvador". */
static void own_name_folded(const char *name, char *out, size_t size)
{
    char own[FOLD_MAX];
    const char *comma = strstr(name, ", ");
    size_t n = comma ? (size_t)(comma - name) : strlen(name);
    if (n >= sizeof own)
        n = sizeof own - 1;
    memcpy(own, name, n);
    own[n] = '\0';
    hcbus_zone_fold(own, out, size);
}

/* The edit distance of the first la and lb bytes (hcbus_edit_distance_n, the one copy
 * of it); (size_t)-1 for a text longer than DISTANCE_TEXT_MAX. */
static size_t levenshtein(const char *a, size_t la, const char *b, size_t lb)
{
    if (la > DISTANCE_TEXT_MAX)
        return (size_t)-1;
    return hcbus_edit_distance_n(a, la, b, lb);
}

/* How well text matches name (both folded): 0 same, 1 name starts with it, 2 at the
 * start of a later word, 3 inside, 10 + d a typo d edits away, -1 no match. */
static int match_score(const char *text, size_t tl, const char *name)
{
    size_t nl = strlen(name);
    if (strcmp(text, name) == 0)
        return 0;
    const char *at = strstr(name, text);
    if (at == name)
        return 1;
    if (at) {
        for (const char *p = at; p; p = strstr(p + 1, text))
            if (p[-1] == '-')
                return 2;
        return 3;
    }
    if (tl < TYPO_TEXT_MIN || tl > DISTANCE_TEXT_MAX)
        return -1;
    size_t limit = tl / 4 + 1 < 3 ? tl / 4 + 1 : 3;
    size_t whole = levenshtein(text, tl, name, nl);
    size_t prefix = levenshtein(text, tl, name, nl < tl ? nl : tl);
    size_t d = whole < prefix ? whole : prefix;
    return d <= limit ? 10 + (int)d : -1;
}

static void visit(void *arg, const char *zone_id, hcbus_zone_level_t level, const char *name)
{
    search_t *s = arg;
    if ((level != HCBUS_ZONE_MUNICIPALITY && level != HCBUS_ZONE_DISTRICT) ||
        !hcbus_zone_covers(s->dep_zone, zone_id) || s->count >= CANDIDATES_MAX)
        return;
    candidate_t *c = &s->found[s->count];
    own_name_folded(name, c->folded, sizeof c->folded);
    c->score = match_score(s->text, s->text_len, c->folded);
    if (c->score < 0)
        return;
    /* A district before its municipality when both match as well. */
    c->score = c->score * 2 + (level == HCBUS_ZONE_MUNICIPALITY);
    c->id = zone_id;
    s->count++;
}

static int by_score(const void *a, const void *b)
{
    const candidate_t *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? -1 : 1;
    int c = strcmp(x->folded, y->folded);
    return c ? c : strcmp(x->id, y->id);
}

size_t form_find_places(const hcbus_zones_t *zones, const char *dep, const char *text,
                        const char **out, size_t max)
{
    char dep_zone[PLACES_DEPARTMENT_ZONE_MAX], folded[FOLD_MAX];
    if (!zones || !text || max == 0 || !places_department_zone(zones, dep, dep_zone))
        return 0;
    size_t tl = hcbus_zone_fold(text, folded, sizeof folded);
    if (tl == 0)
        return 0;
    search_t s = {.dep_zone = dep_zone, .text = folded, .text_len = tl};
    s.found = malloc(CANDIDATES_MAX * sizeof *s.found);
    if (!s.found)
        return 0;
    hcbus_zones_each(zones, visit, &s);
    qsort(s.found, s.count, sizeof *s.found, by_score);
    size_t n = s.count < max ? s.count : max;
    for (size_t i = 0; i < n; i++)
        out[i] = s.found[i].id;
    free(s.found);
    return n;
}

bool places_department_zone(const hcbus_zones_t *zones, const char *iso,
                            char out[PLACES_DEPARTMENT_ZONE_MAX])
{
    if (!zones || !iso || strlen(iso) != 2)
        return false;
    out[0] = 's';
    out[1] = 'v';
    out[2] = '.';
    for (int i = 0; i < 2; i++) {
        char c = iso[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c < 'a' || c > 'z')
            return false;
        out[3 + i] = c;
    }
    out[5] = '\0';
    return hcbus_zones_lookup(zones, out) == HCBUS_ZONE_DEPARTMENT;
}

typedef struct dep_list {
    place_department_t *out;
    size_t count, max;
} dep_list_t;

static void visit_department(void *arg, const char *zone_id, hcbus_zone_level_t level,
                             const char *name)
{
    dep_list_t *l = arg;
    size_t idlen = strlen(zone_id);
    if (level != HCBUS_ZONE_DEPARTMENT || l->count >= l->max || idlen != 5 ||
        zone_id[3] < 'a' || zone_id[3] > 'z' || zone_id[4] < 'a' || zone_id[4] > 'z')
        return;
    place_department_t *d = &l->out[l->count];
    d->iso[0] = (char)(zone_id[3] - 'a' + 'A');
    d->iso[1] = (char)(zone_id[4] - 'a' + 'A');
    d->iso[2] = '\0';
    d->zone_id = zone_id;
    d->name = name;
    l->count++;
}

static int by_name(const void *a, const void *b)
{
    const place_department_t *x = a, *y = b;
    char fx[FOLD_MAX], fy[FOLD_MAX];
    hcbus_zone_fold(x->name, fx, sizeof fx);
    hcbus_zone_fold(y->name, fy, sizeof fy);
    int c = strcmp(fx, fy);
    return c ? c : strcmp(x->iso, y->iso);
}

size_t places_departments(const hcbus_zones_t *zones, place_department_t *out, size_t max)
{
    if (!zones)
        return 0;
    dep_list_t l = {.out = out, .max = max};
    hcbus_zones_each(zones, visit_department, &l);
    qsort(out, l.count, sizeof *out, by_name);
    return l.count;
}
