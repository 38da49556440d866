/* json.h — an Envelope written as JSON by a person or a script (`hcbus publish --json`):
 * {"msg_id": "...", "dispatch": {"request_id": "...", "priority": "critical", ...}}.
 * Keys are the proto field names; enums by short name (any case) or number; times
 * (`*_us`) as ISO 8601 text (anything hcbus_time_parse accepts) or integer microseconds;
 * a repeated string field as an array of strings ("recipients": ["sem", "pnc"]).
 * Only the shape is checked here; hcbus_envelope_validate checks the values. */
#ifndef HCBUS_JSON_H
#define HCBUS_JSON_H

#include "hcbus/codec.h"
#include "hcbus/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Build an Envelope from JSON text. On success *out is a new Envelope (free with
 * hcbus_envelope_free) and 0 is returned; otherwise -1 with err: HCBUS_EMALFORMED for
 * text that is not JSON, HCBUS_EINVALID naming the key path ("dispatch.lcoation") for an
 * unknown key, a value of the wrong type, an unknown enum name or a second body. */
int hcbus_envelope_from_json(const char *json, Hcbus__Envelope **out, hcbus_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
