/* dispatch_show.h — what `hcbus dispatch show` prints for one request: the request, its
 * state and escort, its timeline with hcbus-coordinator's verdicts, and its call-out
 * times (NEMSIS v3 eTimes) with the durations between them. */
#ifndef HCBUS_CLI_DISPATCH_SHOW_H
#define HCBUS_CLI_DISPATCH_SHOW_H

#include <stdio.h>

#include "dispatch_log.h"

/* Print r (from a log that kept its envelopes) to out. */
void dispatch_show_print(const dl_request_t *r, FILE *out);

/* The request's state in words: "requested", "en route", "cancelled"... (size >= 64). */
const char *dispatch_state_words(const dl_request_t *r, char *buf, size_t size);

/* Its escort in words: "-" (none asked), "waiting for escort", "escort assigned"... */
const char *dispatch_escort_words(const dl_request_t *r, char *buf, size_t size);

#endif
