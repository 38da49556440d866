/* zone_history.c — `hcbus zone history ZONE`: every level recorded for ZONE, read by
 * replay (replay.c) from seq 1 (or --from-seq) to the broker's head, each printed as
 * `hcbus subscribe` prints it with its validity below, the coordinator's reverts on
 * expiry included (they are ZoneRiskLevels like any other); then the level in force. */
#include <string.h>

#include "catalogue.h"
#include "common.h"
#include "hcbus/clock.h"
#include "hcbus/i18n.h"
#include "print.h"
#include "replay.h"
#include "view_text.h"
#include "words.h"
#include "zone.h"

#define CMD "zone history"
#define TOPIC_KIND "zone."

static void help(void)
{
    printf("%s%s%s%s%s",
           _("usage: hcbus zone history ZONE [flags]\n"
           "  every level recorded for ZONE (who set it, when, its validity, its reason,\n"
           "  hcbus-coordinator's reverts on expiry included), in seq order, then the level\n"
           "  in force now. Read by replay from the audit log through the broker.\n"
           "  --below               also the communities below ZONE\n"),
           _(REPLAY_FROM_SEQ_HELP),
           catalogue_help(),
           _(CONN_HELP),
           _("Exit: 0 ok, 1 unknown zone or refused, 2 usage, 3 broker unreachable, 4 internal.\n"));
}

typedef struct history {
    const char *zone;
    bool below;
    size_t count;
    hcbus_delivery_t in_force;   /* the latest level whose window has started */
    int64_t now_us;
} history_t;

static void print_validity(const Hcbus__ZoneRiskLevel *z, FILE *out)
{
    char from[HCBUS_TIME_TEXT_MAX], until[HCBUS_TIME_TEXT_MAX];
    fprintf(out, _("    valid from %s "), view_time(z->valid_from_us, from, sizeof from));
    if (z->valid_until_us)
        fprintf(out, _("until %s\n"), view_time(z->valid_until_us, until, sizeof until));
    else
        fprintf(out, _("until replaced\n"));
}

static void take(void *arg, const hcbus_delivery_t *d)
{
    history_t *h = arg;
    const Hcbus__Envelope *env = d->envelope;
    bool mine = env->body_case == HCBUS__ENVELOPE__BODY_ZONE &&
                (h->below ? hcbus_zone_covers(h->zone, env->zone->zone_id)
                          : strcmp(env->zone->zone_id, h->zone) == 0);
    if (!mine) {
        hcbus_envelope_free(d->envelope);
        return;
    }
    h->count++;
    print_delivery(d, false, stdout);
    print_validity(env->zone, stdout);
    if (strcmp(env->zone->zone_id, h->zone) == 0 && env->zone->valid_from_us <= h->now_us) {
        hcbus_envelope_free(h->in_force.envelope);
        h->in_force = *d;
    } else
        hcbus_envelope_free(d->envelope);
}

static void print_in_force(const history_t *h)
{
    char t[HCBUS_TIME_TEXT_MAX], level[WORDS_MAX];
    const Hcbus__ZoneRiskLevel *z = h->in_force.envelope ? h->in_force.envelope->zone : NULL;
    printf(_("%zu level(s) recorded; in force now: "), h->count);
    if (!z) {
        printf(_("GREEN (never set)\n"));
        return;
    }
    enum_words_upper(&hcbus__risk_level__descriptor, z->level, level, sizeof level);
    if (z->valid_until_us && z->valid_until_us <= h->now_us)
        printf(_("the default level, GREEN unless configured otherwise (%s of seq %llu expired "
               "%s and no level followed)\n"), level,
               (unsigned long long)h->in_force.seq, view_time(z->valid_until_us, t, sizeof t));
    else
        printf(_("%s (seq %llu)\n"), level, (unsigned long long)h->in_force.seq);
}

int zone_history_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"zones", required_argument, NULL, 'c'}, {"below", no_argument, NULL, 'b'},
        {"from-seq", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'},
        CONN_LONG_OPTIONS, {NULL, 0, NULL, 0}};
    cli_conn_t conn;
    conn_defaults(&conn, false);
    const char *zones_file = NULL;
    history_t h = {.now_us = hcbus_now_us()};
    uint64_t from_seq = 1;
    int c, index;
    opterr = 0;
    while ((c = cli_getopt(argc, argv, "h", opts, &index)) != -1) {
        if (c == 'h') {
            help();
            return EXIT_OK;
        } else if (c == 'c')
            zones_file = optarg;
        else if (c == 'b')
            h.below = true;
        else if (c == 'f') {
            if (replay_parse_from_seq(CMD, optarg, &from_seq) != 0)
                return EXIT_USAGE;
        } else if (c != 0 || conn_flag_take(CMD, &conn, opts[index].name, optarg) <= 0)
            return c == 0 ? EXIT_USAGE : bad_flag(CMD, argv);
    }
    if (optind != argc - 1)
        return usage_error(CMD, _("give exactly one ZONE id"));
    h.zone = argv[optind];
    hcbus_zones_t *zones = catalogue_open(CMD, zones_file);
    if (!zones)
        return EXIT_REFUSED;
    int rc = catalogue_check(CMD, zones, h.zone);
    hcbus_zones_destroy(&zones);
    if (rc != 0)
        return rc;
    char prefix[HCBUS_ZONE_ID_MAX + sizeof TOPIC_KIND];
    snprintf(prefix, sizeof prefix, TOPIC_KIND "%s", h.zone);
    replay_query_t q = {.prefixes = {prefix}, .count = 1, .from_seq = from_seq};
    replay_outcome_t o;
    rc = replay_read(CMD, &conn, &q, take, &h, &o);
    if (rc == 0)
        print_in_force(&h);
    hcbus_envelope_free(h.in_force.envelope);
    return rc;
}
