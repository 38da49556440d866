/* summary.h — a JSON object describing an Envelope's body without clinical fields:
 * what hcbus-auditd stores in events.summary (jsonb) and what `hcbus subscribe --json`
 * prints. Keys are the proto field names; enums are short lower-case names ("red",
 * "en_route"); times (`*_us`) are ISO 8601 UTC strings; a repeated string field is an
 * array ("recipients": ["sem", "pnc"]). "kind" is always the body kind ("notice"); a
 * body field itself named kind (Notice.kind) is written "<body kind>_kind"
 * ("notice_kind": "violation").
 * The text is exactly what PostgreSQL prints for it as jsonb (`summary::jsonb::text`),
 * so a stored summary reads back byte for byte: keys ordered as jsonb orders them
 * (shorter first, then by bytes), ", " and ": " between items, strings escaped as
 * PostgreSQL's escape_json does, integers in decimal, doubles as the fewest of 15, 16
 * or 17 significant digits that reads back the same, in plain notation with ".0" when
 * whole ("13.7105", "-89.0"). Built without jansson (jsonb_text.c). */
#ifndef HCBUS_SUMMARY_H
#define HCBUS_SUMMARY_H

#include "hcbus/codec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A new malloc'd JSON object text (caller frees with free()) with "kind" and the body's
 * fields: empty strings, zero times and absent sub-messages are left out; the patient
 * details never appear (a dispatch that carries them says "patient_redacted": true).
 * Returns NULL if env has no body, holds a string that is not UTF-8 or a double that is
 * not finite, or on no memory. */
char *hcbus_summary_json(const Hcbus__Envelope *env);

#ifdef __cplusplus
}
#endif
#endif
