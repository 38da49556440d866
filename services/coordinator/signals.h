/* signals.h — the signals hcbus-coordinator acts on: SIGTERM and SIGINT stop it,
 * SIGHUP reloads its configuration (reload.c). The handlers only record the signal;
 * the loop looks between two waits (each at most COORD_SIGNAL_CHECK_MS), so a stop or
 * a reload happens at a message boundary, never in the middle of applying one. */
#ifndef COORD_SIGNALS_H
#define COORD_SIGNALS_H

#include <stdbool.h>

#define COORD_SIGNAL_CHECK_MS 200  /* the longest the loop waits before looking again */

/* Install the handlers (SIGPIPE is ignored too). */
void coord_signals_init(void);

/* True once a stop signal arrived. */
bool coord_stop_requested(void);

/* The stop signal's name ("SIGTERM", "SIGINT"), or "" if none arrived. */
const char *coord_stop_signal_name(void);

/* True if a SIGHUP arrived since the last call (the request is consumed). */
bool coord_reload_requested(void);

#endif
