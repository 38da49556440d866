/* print.h — how `hcbus subscribe` and `hcbus snapshot` show a delivery: one readable
 * line per message, or one JSON object per line (--json). */
#ifndef HCBUS_CLI_PRINT_H
#define HCBUS_CLI_PRINT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "hcbus/client.h"

/* Print d as one line and flush out (output is often a pipe). Returns 0, or -1 if the
 * message cannot be shown as JSON (then nothing is printed). */
int print_delivery(const hcbus_delivery_t *d, bool json, FILE *out);

/* Print obj as one compact JSON line, escaped as delivery lines are (hcbus/text.h),
 * and flush out. Returns 0, or -1 (nothing printed). */
int print_json_object(json_t *obj, FILE *out);

#endif
