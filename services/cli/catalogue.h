/* catalogue.h — the zone catalogue for the `hcbus zone` and `hcbus dispatch` commands:
 * where the CLI finds it (--zones FILE, HCBUS_ZONES, the installed copy) and how an
 * unknown zone is answered (the closest catalogue ids, hcbus_zones_suggest). */
#ifndef HCBUS_CLI_CATALOGUE_H
#define HCBUS_CLI_CATALOGUE_H

#include <stdio.h>

#include "hcbus/zones.h"

/* The --zones line of a command's --help, translated, with the installed path. */
const char *catalogue_help(void);

/* Load the catalogue from path, else HCBUS_ZONES, else the installed copy. Returns it
 * (free with hcbus_zones_destroy), or NULL after printing why and where it looked. */
hcbus_zones_t *catalogue_open(const char *cmd, const char *path);

/* Print "closest: id (name), ..." to out for what, or "no zone id is close to it". */
void catalogue_print_suggestions(const hcbus_zones_t *zones, const char *what, FILE *out);

/* Check that zone_id is a well-formed catalogue zone (or a community below a district).
 * Returns 0, or prints the error with the closest ids on stderr and returns EXIT_REFUSED. */
int catalogue_check(const char *cmd, const hcbus_zones_t *zones, const char *zone_id);

#endif
