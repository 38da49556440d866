/* catalogue.c — finding and loading the zone catalogue for the CLI, and the "did you
 * mean" answer to an unknown zone (catalogue.h). The catalogue itself is parsed only by
 * libhcbus (zones.c). */
#include "catalogue.h"

#include <stdlib.h>

#include "common.h"
#include "hcbus/i18n.h"
#include "hcbus/text.h"

#define NAME_SHOWN_MAX 256

hcbus_zones_t *catalogue_open(const char *cmd, const char *path)
{
    const char *from = "--zones";
    if (!path || !path[0]) {
        path = getenv("HCBUS_ZONES");
        from = "HCBUS_ZONES";
    }
    if (!path || !path[0]) {
        path = HCBUS_ZONES_INSTALLED;
        from = "the installed catalogue";
    }
    hcbus_error_t err;
    hcbus_zones_t *zones = hcbus_zones_load(path, &err);
    if (zones)
        return zones;
    hcbus_error_hint(&err, _("the catalogue was taken from %s; give --zones FILE or set HCBUS_ZONES "
                           "to deploy/sv-districts.csv"), from);
    print_error(cmd, &err);
    return NULL;
}

void catalogue_print_suggestions(const hcbus_zones_t *zones, const char *what, FILE *out)
{
    const char *ids[HCBUS_ZONE_SUGGEST_MAX];
    size_t n = hcbus_zones_suggest(zones, what, ids, HCBUS_ZONE_SUGGEST_MAX);
    if (n == 0) {
        fprintf(out, _("  no catalogue zone is close to it (hcbus zone find NAME searches by name)\n"));
        return;
    }
    fprintf(out, _("  closest:\n"));
    for (size_t i = 0; i < n; i++) {
        char shown[NAME_SHOWN_MAX];
        const char *name = hcbus_zones_name(zones, ids[i]);
        fprintf(out, "    %-48s %s\n", ids[i],
                hcbus_text_escape(name ? name : "", HCBUS_TEXT_PLAIN, shown, sizeof shown));
    }
}

int catalogue_check(const char *cmd, const hcbus_zones_t *zones, const char *zone_id)
{
    hcbus_error_t err;
    if (hcbus_zones_check(zones, zone_id, NULL, &err) == 0)
        return 0;
    print_error(cmd, &err);
    catalogue_print_suggestions(zones, zone_id, stderr);
    return EXIT_REFUSED;
}

const char *catalogue_help(void)
{
    static char text[512];
    snprintf(text, sizeof text,
             _("  --zones FILE          the zone catalogue (env HCBUS_ZONES; default the installed\n"
               "                        %s)\n"),
             HCBUS_ZONES_INSTALLED);
    return text;
}
