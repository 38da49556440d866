/* fuzz_zones.c — libFuzzer target for the zone catalogue (deploy/sv-districts.csv's
 * format): the input is written to a file and loaded with hcbus_zones_load; a loaded
 * catalogue must classify its own ids and names consistently. Crashes, leaks and
 * sanitizer reports are bugs; refusals must name the reason. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input_file.h"
#include "hcbus/zones.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Look up every first field of the input's lines, and every prefix of it by
 * components, as the broker does with subscription scopes. */
static void lookup_lines(const hcbus_zones_t *zones, const uint8_t *data, size_t size)
{
    char id[HCBUS_ZONE_ID_MAX + 2];
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && data[i] != '\n')
            continue;
        size_t len = 0;
        while (start + len < i && data[start + len] != ',' && len < sizeof id - 1)
            len++;
        memcpy(id, data + start, len);
        id[len] = '\0';
        hcbus_zone_level_t level = hcbus_zones_lookup(zones, id);
        if (level != HCBUS_ZONE_UNKNOWN && !hcbus_zone_id_well_formed(id))
            abort(); /* only well-formed ids are known */
        hcbus_error_t err;
        if ((hcbus_zones_check(zones, id, "zone_id", &err) == 0) != (level != HCBUS_ZONE_UNKNOWN))
            abort();
        (void)hcbus_zones_name(zones, id);
        (void)hcbus_zones_iso_code(zones, id);
        for (char *dot = strrchr(id, '.'); dot; dot = strrchr(id, '.')) {
            *dot = '\0';
            if (level != HCBUS_ZONE_UNKNOWN && hcbus_zones_lookup(zones, id) == HCBUS_ZONE_UNKNOWN &&
                hcbus_zone_id_well_formed(id))
                abort(); /* a known zone's parents are known */
        }
        start = i + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hcbus_error_t err = {0};
    hcbus_zones_t *zones = hcbus_zones_load(fuzz_input_file(data, size, ".csv"), &err);
    if (!zones) {
        if (!err.message[0])
            abort();
        return 0;
    }
    (void)hcbus_zones_district_count(zones);
    lookup_lines(zones, data, size);
    hcbus_zones_destroy(&zones);
    return 0;
}
