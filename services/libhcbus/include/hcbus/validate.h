/* validate.h — the domain checks of every message body: required fields, enum
 * ranges, string lengths, coordinates, times, zones in the catalogue. An error names
 * the field by its dotted path ("dispatch.location.lat") and says why. The broker
 * calls this for every publish; clients call it before sending. */
#ifndef HCBUS_VALIDATE_H
#define HCBUS_VALIDATE_H

#include "hcbus/codec.h"
#include "hcbus/error.h"
#include "hcbus/zones.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HCBUS_MSG_ID_MAX 64

/* True if id is 1..HCBUS_MSG_ID_MAX bytes of [A-Za-z0-9._:-]. */
int hcbus_id_well_formed(const char *id);

/* True if id is an institution id: 1..HCBUS_INSTITUTION_ID_MAX (32) bytes of [a-z0-9_-]
 * (Notice.recipients, Notice.subject_sender, the config's institution ids). */
int hcbus_institution_id_well_formed(const char *id);

/* Validate a client's Envelope: msg_id well formed; exactly one body; the body valid;
 * topic empty or equal to "<kind>.<zone_id>". zones may be NULL to check zone syntax
 * only. sender, seq and received_at_us are ignored (the broker overwrites them).
 * Returns 0, or -1 with err (HCBUS_EINVALID, HCBUS_EUNKNOWN_ZONE). */
int hcbus_envelope_validate(const Hcbus__Envelope *env, const hcbus_zones_t *zones,
                            hcbus_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
