/* stop.h — SIGTERM and SIGINT for hcbus-coordinator: the handler only records the
 * signal; the loop looks at it between two waits (each at most COORD_STOP_CHECK_MS), so
 * it stops at a message boundary, never in the middle of applying one. */
#ifndef COORD_STOP_H
#define COORD_STOP_H

#include <stdbool.h>

#define COORD_STOP_CHECK_MS 200  /* the longest the loop waits before looking again */

/* Install the handlers (SIGPIPE is ignored too). */
void coord_stop_init(void);

/* True once a stop signal arrived. */
bool coord_stop_requested(void);

/* The signal's name ("SIGTERM", "SIGINT"), or "" if none arrived. */
const char *coord_stop_signal_name(void);

#endif
