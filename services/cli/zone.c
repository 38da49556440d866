/* zone.c — `hcbus zone find|show|set|history`: zones by name, the levels under a
 * prefix, setting a level (exactly `hcbus publish zone`, after the zone is checked
 * against the catalogue so a typo gets the closest ids), and a zone's history. */
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "commands.h"
#include "common.h"
#include "examples.h"
#include "hcbus/i18n.h"
#include "hcbus/text.h"
#include "zone.h"

#define CMD "zone"
#define SET_ARGS_MAX 128

static void help(void)
{
    printf(_("usage: hcbus zone find NAME...        zones whose name or id holds NAME (any case,\n"
           "                                      with or without accents)\n"
           "       hcbus zone show PREFIX         every catalogue zone under PREFIX (sv.ss.) with\n"
           "                                      its current level (GREEN when never set)\n"
           "       hcbus zone set ZONE [LEVEL] [hcbus publish zone flags]\n"
           "                                      publish a level (= hcbus publish zone)\n"
           "       hcbus zone history ZONE        every level ZONE had, from the audit log\n"
           "hcbus zone SUBCOMMAND --help for its flags. An unknown zone id gets the closest\n"
           "catalogue ids.\n"));
    examples_print("zone", stdout);
}

/* The value of --zones in argv (either form), or NULL. */
static const char *zones_flag(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--zones") == 0 && i + 1 < argc)
            return argv[i + 1];
        if (strncmp(argv[i], "--zones=", 8) == 0)
            return argv[i] + 8;
    }
    return NULL;
}

/* `zone set ZONE [LEVEL] flags...` -> `publish zone --zone ZONE [--level LEVEL] flags...`
 * minus --zones, run by cmd_publish once ZONE is known to the catalogue. */
static int zone_set(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-') {
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
            printf(_("usage: hcbus zone set ZONE [LEVEL] [flags]\n"
                   "  the same as hcbus publish zone --zone ZONE --level LEVEL [flags], after ZONE\n"
                   "  is checked against the catalogue (--zones FILE, env HCBUS_ZONES).\n"
                   "  Its flags: hcbus publish zone --help\n"));
            return EXIT_OK;
        }
        return usage_error("zone set", _("give the ZONE id first (hcbus zone find NAME finds it)"));
    }
    if (argc > SET_ARGS_MAX)
        return usage_error("zone set", _("more than %d arguments"), SET_ARGS_MAX);
    const char *zone = argv[1];
    hcbus_zones_t *zones = catalogue_open("zone set", zones_flag(argc, argv));
    if (!zones)
        return EXIT_REFUSED;
    int rc = catalogue_check("zone set", zones, zone);
    hcbus_zones_destroy(&zones);
    if (rc != 0)
        return rc;
    char *args[SET_ARGS_MAX + 8];
    int n = 0, i = 2;
    args[n++] = "publish";
    args[n++] = "zone";
    args[n++] = "--zone";
    args[n++] = (char *)zone;
    if (i < argc && argv[i][0] != '-') {
        args[n++] = "--level";
        args[n++] = argv[i++];
    }
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--zones") == 0 && i + 1 < argc)
            i++;
        else if (strncmp(argv[i], "--zones=", 8) != 0)
            args[n++] = argv[i];
    }
    args[n] = NULL;
    return cmd_publish(n, args);
}

int cmd_zone(int argc, char **argv)
{
    if (argc < 2) {
        help();
        return EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        help();
        return EXIT_OK;
    }
    if (strcmp(sub, "find") == 0)
        return zone_find_run(argc - 1, argv + 1);
    if (strcmp(sub, "show") == 0)
        return zone_show_run(argc - 1, argv + 1);
    if (strcmp(sub, "history") == 0)
        return zone_history_run(argc - 1, argv + 1);
    if (strcmp(sub, "set") == 0)
        return zone_set(argc - 1, argv + 1);
    static const char *const subs[] = {"find", "show", "set", "history"};
    char near[160], shown[128];
    suggest_among(sub, subs, sizeof subs / sizeof subs[0], near, sizeof near);
    return usage_error(CMD, _("'%s' is not find, show, set or history%s"),
                       hcbus_text_escape(sub, HCBUS_TEXT_PLAIN, shown, sizeof shown), near);
}
