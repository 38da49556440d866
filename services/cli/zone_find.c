/* zone_find.c — `hcbus zone find NAME...`: the catalogue zones whose own name or last id
 * component holds NAME, compared folded (case, accents and spaces as in ids:
 * "Mejícanos", "MEJICANOS", "mejicanos" are one), exact names first. No match: the
 * closest ids (hcbus_zones_suggest). Reads only the catalogue, not the bus. */
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "common.h"
#include "hcbus/i18n.h"
#include "hcbus/text.h"
#include "zone.h"

#define CMD "zone find"
#define QUERY_MAX 256
#define NAME_SHOWN_MAX 256

static void help(void)
{
    printf("%s%s%s",
           _("usage: hcbus zone find NAME... [--zones FILE]\n"
           "  prints \"ID  full name\" for every catalogue zone (department, municipality,\n"
           "  district) whose name or id holds NAME, in any case, with or without accents:\n"
           "  mejicanos, Mejícanos and MEJICANOS find the same zone. Exact names first.\n"
           "  No match: the closest ids, and exit 1.\n"),
           catalogue_help(),
           _("Exit: 0 found, 1 none found or no catalogue, 2 usage.\n"));
}

typedef struct match {
    const char *id, *name;
    int rank; /* 0 exact, 1 starts with, 2 holds */
} match_t;

typedef struct find_ctx {
    char query[QUERY_MAX];
    match_t *matches;
    size_t count, cap;
    bool out_of_memory;
} find_ctx_t;

/* 0 if text is query, 1 if it starts with it, 2 if it holds it, -1 otherwise. */
static int rank_in(const char *text, const char *query)
{
    if (strcmp(text, query) == 0)
        return 0;
    if (strncmp(text, query, strlen(query)) == 0)
        return 1;
    return strstr(text, query) ? 2 : -1;
}

static int best_rank(int a, int b)
{
    if (a < 0)
        return b;
    return b < 0 || a < b ? a : b;
}

static void visit(void *arg, const char *zone_id, hcbus_zone_level_t level, const char *name)
{
    (void)level;
    find_ctx_t *ctx = arg;
    char own[QUERY_MAX], first[QUERY_MAX];
    size_t len = strcspn(name, ",");
    snprintf(first, sizeof first, "%.*s", (int)(len < sizeof first ? len : sizeof first - 1), name);
    hcbus_zone_fold(first, own, sizeof own);
    const char *dot = strrchr(zone_id, '.');
    int rank = best_rank(rank_in(own, ctx->query), rank_in(dot ? dot + 1 : zone_id, ctx->query));
    if (strchr(ctx->query, '.')) /* an id, or the start of one */
        rank = best_rank(rank, strncmp(zone_id, ctx->query, strlen(ctx->query)) == 0
                                   ? (strcmp(zone_id, ctx->query) == 0 ? 0 : 1) : -1);
    if (rank < 0)
        return;
    if (ctx->count == ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap * 2 : 32;
        match_t *grown = realloc(ctx->matches, cap * sizeof *grown);
        if (!grown) {
            ctx->out_of_memory = true;
            return;
        }
        ctx->matches = grown;
        ctx->cap = cap;
    }
    ctx->matches[ctx->count++] = (match_t){zone_id, name, rank};
}

static int by_rank_then_id(const void *a, const void *b)
{
    const match_t *x = a, *y = b;
    return x->rank != y->rank ? x->rank - y->rank : strcmp(x->id, y->id);
}

/* NAME... joined with spaces, folded. Returns false if it folds to nothing. */
static bool make_query(int first, int argc, char **argv, char *query, size_t size)
{
    char joined[QUERY_MAX] = "";
    for (int i = first; i < argc; i++)
        snprintf(joined + strlen(joined), sizeof joined - strlen(joined), "%s%s",
                 i > first ? " " : "", argv[i]);
    return hcbus_zone_fold(joined, query, size) > 0;
}

int zone_find_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"zones", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *zones_file = NULL;
    int c, index;
    opterr = 0;
    while ((c = cli_getopt(argc, argv, "h", opts, &index)) != -1) {
        if (c == 'h') {
            help();
            return EXIT_OK;
        } else if (c == 'c')
            zones_file = optarg;
        else
            return bad_flag(CMD, argv);
    }
    find_ctx_t ctx;
    memset(&ctx, 0, sizeof ctx);
    if (optind >= argc || !make_query(optind, argc, argv, ctx.query, sizeof ctx.query))
        return usage_error(CMD, _("give a NAME to look for"));
    hcbus_zones_t *zones = catalogue_open(CMD, zones_file);
    if (!zones)
        return EXIT_REFUSED;
    hcbus_zones_each(zones, visit, &ctx);
    int rc = EXIT_OK;
    if (ctx.out_of_memory)
        rc = EXIT_INTERNAL;
    else if (ctx.count == 0) {
        char shown[QUERY_MAX * 4];
        printf(_("no zone is named \"%s\"\n"),
               hcbus_text_escape(ctx.query, HCBUS_TEXT_QUOTED, shown, sizeof shown));
        catalogue_print_suggestions(zones, ctx.query, stdout);
        rc = EXIT_REFUSED;
    } else {
        qsort(ctx.matches, ctx.count, sizeof *ctx.matches, by_rank_then_id);
        for (size_t i = 0; i < ctx.count; i++) {
            char name[NAME_SHOWN_MAX];
            printf("%-48s %s\n", ctx.matches[i].id,
                   hcbus_text_escape(ctx.matches[i].name, HCBUS_TEXT_PLAIN, name, sizeof name));
        }
    }
    fflush(stdout);
    free(ctx.matches);
    hcbus_zones_destroy(&zones);
    return rc;
}
