/* zone_suggest.c — finding catalogue zones from what a person typed (zones.h): folding
 * names to the way ids are written (case, Spanish accents, spaces) and the closest ids
 * to an unknown one, so that an error can say "did you mean". Reads the catalogue
 * through hcbus_zones_each only; nothing here is on the broker's hot path. */
#include "hcbus/zones.h"

#include <stdint.h>
#include <string.h>

#include "hcbus/suggest.h"

#define FOLD_MAX 256                /* bytes of folded text compared (ids are <= 128) */
#define SUGGEST_MIN_DISTANCE 3      /* always allow this many edits */
#define UTF8_LATIN1_LEAD 0xC3       /* U+00C0..U+00FF are 0xC3 0x80..0xBF */
#define UTF8_COMBINING_LEAD_1 0xCC  /* U+0300..U+033F */
#define UTF8_COMBINING_LEAD_2 0xCD  /* U+0340..U+036F are 0xCD 0x80..0xAF */

/* The letters U+00C0..U+00FF stand for, in order; NULL: kept as they are (× ÷). */
static const char *const latin1_base[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", "th", "y",
};

static bool is_separator(unsigned char c)
{
    return c == ' ' || c == '-' || c == '_' || c == '\t';
}

/* Bytes in the UTF-8 sequence starting with lead (1 for a stray continuation byte). */
static size_t sequence_length(unsigned char lead)
{
    if (lead >= 0xF0 && lead < 0xF8)
        return 4;
    if (lead >= 0xE0)
        return lead < 0xF0 ? 3 : 1;
    return lead >= 0xC0 ? 2 : 1;
}

/* Append len bytes unless they do not fit whole; returns false when full. */
static bool put(char *out, size_t size, size_t *n, const char *bytes, size_t len)
{
    if (*n + len + 1 > size)
        return false;
    memcpy(out + *n, bytes, len);
    *n += len;
    return true;
}

size_t hcbus_zone_fold(const char *text, char *out, size_t size)
{
    if (!out || size == 0)
        return 0;
    size_t n = 0;
    bool pending_separator = false;
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    while (*p) {
        if (is_separator(*p)) {
            pending_separator = n > 0;
            p++;
            continue;
        }
        const char *bytes = (const char *)p;
        char lower;
        size_t len = sequence_length(*p), used = len;
        for (size_t i = 1; i < len; i++)
            if ((p[i] & 0xC0) != 0x80)
                len = used = 1; /* not UTF-8: the byte is kept alone */
        if (*p < 0x80) {
            lower = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
            bytes = &lower;
        } else if (len == 2 && *p == UTF8_LATIN1_LEAD && latin1_base[p[1] - 0x80]) {
            bytes = latin1_base[p[1] - 0x80];
            len = strlen(bytes);
        } else if (len == 2 && (*p == UTF8_COMBINING_LEAD_1 ||
                                (*p == UTF8_COMBINING_LEAD_2 && p[1] <= 0xAF))) {
            p += used; /* a combining accent: the letter before it stays bare */
            continue;
        }
        if (pending_separator && !put(out, size, &n, "-", 1))
            break;
        pending_separator = false;
        if (!put(out, size, &n, bytes, len))
            break;
        p += used;
    }
    out[n] = '\0';
    return n;
}

static const char *last_component(const char *id)
{
    const char *dot = strrchr(id, '.');
    return dot ? dot + 1 : id;
}

/* ---- ranking ------------------------------------------------------------------- */

typedef struct candidate {
    const char *id;
    size_t score;      /* 0 for an id that starts with what, else edits */
} candidate_t;

typedef struct suggest_ctx {
    char what[FOLD_MAX];
    const char *what_tail;   /* its last component */
    size_t limit;            /* the most edits allowed */
    candidate_t best[HCBUS_ZONE_SUGGEST_MAX];
    size_t count, max;
} suggest_ctx_t;

static bool ranks_before(const candidate_t *a, const candidate_t *b)
{
    if (a->score != b->score)
        return a->score < b->score;
    size_t la = strlen(a->id), lb = strlen(b->id);
    return la != lb ? la < lb : strcmp(a->id, b->id) < 0;
}

/* Keep c among the best, in order. */
static void consider(suggest_ctx_t *ctx, candidate_t c)
{
    size_t at = ctx->count;
    while (at > 0 && ranks_before(&c, &ctx->best[at - 1]))
        at--;
    if (at >= ctx->max)
        return;
    size_t last = ctx->count < ctx->max ? ctx->count : ctx->max - 1;
    memmove(&ctx->best[at + 1], &ctx->best[at], (last - at) * sizeof c);
    ctx->best[at] = c;
    if (ctx->count < ctx->max)
        ctx->count++;
}

/* The zone's own name, folded: "Soyapango, San Salvador Este, ..." -> "soyapango". */
static void own_name(const char *name, char *out, size_t size)
{
    char first[FOLD_MAX];
    size_t len = strcspn(name, ",");
    if (len >= sizeof first)
        len = sizeof first - 1;
    memcpy(first, name, len);
    first[len] = '\0';
    hcbus_zone_fold(first, out, size);
}

static void visit(void *arg, const char *zone_id, hcbus_zone_level_t level, const char *name)
{
    (void)level;
    suggest_ctx_t *ctx = arg;
    if (strncmp(zone_id, ctx->what, strlen(ctx->what)) == 0) {
        consider(ctx, (candidate_t){zone_id, 0});
        return;
    }
    char own[FOLD_MAX];
    own_name(name, own, sizeof own);
    size_t score = hcbus_edit_distance(ctx->what, zone_id);
    size_t d = hcbus_edit_distance(ctx->what_tail, last_component(zone_id));
    if (d < score)
        score = d;
    d = hcbus_edit_distance(ctx->what_tail, own);
    if (d < score)
        score = d;
    if (score <= ctx->limit)
        consider(ctx, (candidate_t){zone_id, score == 0 ? 1 : score});
}

size_t hcbus_zones_suggest(const hcbus_zones_t *self, const char *what, const char **out,
                           size_t max)
{
    suggest_ctx_t ctx;
    memset(&ctx, 0, sizeof ctx);
    if (!self || !out || max == 0)
        return 0;
    hcbus_zone_fold(what, ctx.what, sizeof ctx.what);
    size_t n = strlen(ctx.what);
    while (n > 0 && ctx.what[n - 1] == '.') /* "sv.ss." names the same zones as "sv.ss" */
        ctx.what[--n] = '\0';
    if (n == 0)
        return 0;
    ctx.what_tail = last_component(ctx.what);
    size_t half = strlen(ctx.what_tail) / 2;
    ctx.limit = half > SUGGEST_MIN_DISTANCE ? half : SUGGEST_MIN_DISTANCE;
    ctx.max = max < HCBUS_ZONE_SUGGEST_MAX ? max : HCBUS_ZONE_SUGGEST_MAX;
    hcbus_zones_each(self, visit, &ctx);
    for (size_t i = 0; i < ctx.count; i++)
        out[i] = ctx.best[i].id;
    return ctx.count;
}
