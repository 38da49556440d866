/* zone_show.c — `hcbus zone show PREFIX`: every catalogue zone under PREFIX with its
 * current level, from one snapshot request to the broker (the last level recorded per
 * zone). A zone never set is shown GREEN, marked "never set": an empty snapshot is not
 * an empty answer. Communities below a district appear when a level was set for them. */
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "common.h"
#include "hcbus/clock.h"
#include "hcbus/i18n.h"
#include "hcbus/text.h"
#include "print.h"
#include "view_text.h"
#include "words.h"
#include "zone.h"

#define CMD "zone show"
#define NAME_SHOWN_MAX 256
#define TOPIC_KIND "zone."

static void help(void)
{
    printf("%s%s%s%s",
           _("usage: hcbus zone show PREFIX [flags]\n"
           "  every catalogue zone under PREFIX (sv.ss. or sv.ss.san-salvador-este; sv or\n"
           "  zone. for the whole country) with its current level and since when; a zone\n"
           "  never set is GREEN (never set). Below each zone with a level, the level as\n"
           "  hcbus subscribe prints it: access conditions, validity, reason, who set it.\n"),
           catalogue_help(),
           _(CONN_HELP),
           _("Exit: 0 ok, 1 unknown zone or refused, 2 usage, 3 broker unreachable, 4 internal.\n"));
}

typedef struct row {
    const char *id;            /* the catalogue's, or the snapshot's topic + 5 */
    const char *name;          /* NULL for a community */
    hcbus_delivery_t level;    /* envelope NULL: never set */
} row_t;

typedef struct rows {
    row_t *items;
    size_t count, cap;
    const char *scope;
    bool out_of_memory;
} rows_t;

static row_t *add_row(rows_t *rows)
{
    if (rows->count == rows->cap) {
        size_t cap = rows->cap ? rows->cap * 2 : 64;
        row_t *grown = realloc(rows->items, cap * sizeof *grown);
        if (!grown) {
            rows->out_of_memory = true;
            return NULL;
        }
        rows->items = grown;
        rows->cap = cap;
    }
    row_t *r = &rows->items[rows->count++];
    memset(r, 0, sizeof *r);
    return r;
}

static void visit(void *arg, const char *zone_id, hcbus_zone_level_t level, const char *name)
{
    (void)level;
    rows_t *rows = arg;
    if (!rows->scope[0] || hcbus_zone_covers(rows->scope, zone_id)) {
        row_t *r = add_row(rows);
        if (r) {
            r->id = zone_id;
            r->name = name;
        }
    }
}

static int by_id(const void *a, const void *b)
{
    return strcmp(((const row_t *)a)->id, ((const row_t *)b)->id);
}

/* Put a snapshot entry on its zone's row, looked up among the first `sorted` rows (the
 * catalogue's); a community gets a row of its own at the end. */
static void place(rows_t *rows, size_t sorted, const hcbus_delivery_t *d)
{
    const Hcbus__Envelope *env = d->envelope;
    if (env->body_case != HCBUS__ENVELOPE__BODY_ZONE) {
        hcbus_envelope_free(d->envelope);
        return;
    }
    row_t key = {.id = env->zone->zone_id};
    row_t *r = bsearch(&key, rows->items, sorted, sizeof key, by_id);
    if (!r && (r = add_row(rows)) != NULL)
        r->id = env->zone->zone_id;
    if (!r) {
        hcbus_envelope_free(d->envelope);
        return;
    }
    hcbus_envelope_free(r->level.envelope);
    r->level = *d;
}

/* Ask the broker for the snapshot of zone.<scope> and place every entry. */
static int take_snapshot(const cli_conn_t *conn, rows_t *rows)
{
    char prefix[HCBUS_ZONE_ID_MAX + sizeof TOPIC_KIND];
    snprintf(prefix, sizeof prefix, TOPIC_KIND "%s", rows->scope);
    char *prefixes[] = {prefix};
    hcbus_subscriber_t *sub;
    int rc = conn_subscriber(CMD, conn, prefixes, 1, true, &sub);
    if (rc != 0)
        return rc;
    size_t catalogue_rows = rows->count;
    hcbus_delivery_t d;
    hcbus_error_t err;
    while ((rc = hcbus_subscriber_next(sub, 0, &d, &err)) == 1) {
        if (d.source != HCBUS_FROM_SNAPSHOT) {
            hcbus_envelope_free(d.envelope);
            break;
        }
        place(rows, catalogue_rows, &d);
    }
    hcbus_subscriber_destroy(&sub);
    if (rc >= 0)
        return 0;
    print_error(CMD, &err);
    return exit_code_for(&err);
}

static void print_rows(const rows_t *rows, int64_t now_us)
{
    char t[HCBUS_TIME_TEXT_MAX], level[WORDS_MAX], name[NAME_SHOWN_MAX], since[64];
    printf("%-48s %-7s %-36s %s\n", _("ZONE"), _("LEVEL"), _("SINCE"), _("NAME"));
    for (size_t i = 0; i < rows->count; i++) {
        const row_t *r = &rows->items[i];
        const Hcbus__ZoneRiskLevel *z = r->level.envelope ? r->level.envelope->zone : NULL;
        enum_words_upper(&hcbus__risk_level__descriptor,
                         z ? z->level : HCBUS__RISK_LEVEL__RISK_LEVEL_GREEN, level, sizeof level);
        if (!z)
            snprintf(since, sizeof since, "%s", _("never set"));
        else if (z->valid_until_us && z->valid_until_us <= now_us)
            snprintf(since, sizeof since, _("%s (expired)"), view_time(z->valid_from_us, t, sizeof t));
        else if (z->valid_from_us > now_us)
            snprintf(since, sizeof since, _("%s (not yet)"), view_time(z->valid_from_us, t, sizeof t));
        else
            snprintf(since, sizeof since, "%s", view_time(z->valid_from_us, t, sizeof t));
        char id[HCBUS_ZONE_ID_MAX * 4 + 8];
        printf("%-48s %-7s %-36s %s\n", hcbus_text_escape(r->id, HCBUS_TEXT_PLAIN, id, sizeof id),
               level, since,
               r->name ? hcbus_text_escape(r->name, HCBUS_TEXT_PLAIN, name, sizeof name)
                       : _("(community below a district)"));
        if (z) {
            printf("    ");
            print_delivery(&r->level, false, stdout);
        }
    }
    printf(_("%zu zone(s)\n"), rows->count);
}

/* PREFIX as a zone scope: "zone.sv.ss." -> "sv.ss"; "sv", "zone." and "" -> "" (all). */
static void scope_of(const char *prefix, char *scope, size_t size)
{
    if (strncmp(prefix, TOPIC_KIND, strlen(TOPIC_KIND)) == 0 || strcmp(prefix, "zone") == 0)
        prefix += strcmp(prefix, "zone") == 0 ? 4 : strlen(TOPIC_KIND);
    snprintf(scope, size, "%s", prefix);
    size_t n = strlen(scope);
    while (n > 0 && scope[n - 1] == '.')
        scope[--n] = '\0';
    if (strcmp(scope, "sv") == 0)
        scope[0] = '\0';
}

int zone_show_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"zones", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'},
        CONN_LONG_OPTIONS, {NULL, 0, NULL, 0}};
    cli_conn_t conn;
    conn_defaults(&conn, false);
    const char *zones_file = NULL;
    int c, index;
    opterr = 0;
    while ((c = cli_getopt(argc, argv, "h", opts, &index)) != -1) {
        if (c == 'h') {
            help();
            return EXIT_OK;
        } else if (c == 'c')
            zones_file = optarg;
        else if (c != 0 || conn_flag_take(CMD, &conn, opts[index].name, optarg) <= 0)
            return c == 0 ? EXIT_USAGE : bad_flag(CMD, argv);
    }
    if (optind != argc - 1)
        return usage_error(CMD, _("give exactly one PREFIX (sv.ss. for San Salvador)"));
    char scope[HCBUS_ZONE_ID_MAX + 8];
    scope_of(argv[optind], scope, sizeof scope);
    hcbus_zones_t *zones = catalogue_open(CMD, zones_file);
    if (!zones)
        return EXIT_REFUSED;
    int rc = scope[0] ? catalogue_check(CMD, zones, scope) : 0;
    rows_t rows = {.scope = scope};
    if (rc == 0) {
        hcbus_zones_each(zones, visit, &rows);
        qsort(rows.items, rows.count, sizeof *rows.items, by_id);
        rc = rows.out_of_memory ? EXIT_INTERNAL : take_snapshot(&conn, &rows);
    }
    if (rc == 0 && rows.out_of_memory)
        rc = EXIT_INTERNAL;
    if (rc == 0) {
        qsort(rows.items, rows.count, sizeof *rows.items, by_id);
        print_rows(&rows, hcbus_now_us());
    }
    for (size_t i = 0; i < rows.count; i++)
        hcbus_envelope_free(rows.items[i].level.envelope);
    free(rows.items);
    hcbus_zones_destroy(&zones);
    return rc;
}
