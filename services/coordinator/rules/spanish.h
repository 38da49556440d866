/* spanish.h — internal: the Spanish words and the bounded text of the coordinator's
 * notice reasons (the people who read the trail are Salvadoran): level, state and
 * escort names, times in El Salvador's local time, durations, and a buffer that cuts
 * at a whole UTF-8 character at the 512-byte reason limit. */
#ifndef COORD_SPANISH_H
#define COORD_SPANISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COORD_REASON_MAX 512   /* Notice.reason, ZoneRiskLevel.reason, EscortRequest.reason */

typedef struct coord_text {
    char buf[COORD_REASON_MAX + 1];
    size_t len;
} coord_text_t;

/* Append printf-style text; what does not fit is cut at a whole UTF-8 character. */
void coord_text_add(coord_text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Copy s into buf (size bytes), cut at a whole UTF-8 character. Returns buf. */
char *coord_text_copy(char *buf, size_t size, const char *s);

/* "VERDE", "AMARILLO", "NARANJA", "ROJO" (or "desconocido"). */
const char *coord_es_level(int level);

/* A status as reported: "aceptado", "en camino", "cerrado", ... */
const char *coord_es_status(int state);

/* A request's state: "solicitada" (0), "aceptada", "cerrada", ... */
const char *coord_es_request_state(int state);

/* An escort's state: "en espera" (0), "asignada", "no disponible", ... */
const char *coord_es_escort_state(int state);

/* "2026-11-30 03:05 -06:00" (El Salvador time), into buf (at least 40 bytes). */
const char *coord_es_time(int64_t t_us, char *buf, size_t size);

/* "5 min", "90 s", "2 h", "37 min" (rounded down to a whole unit). */
const char *coord_es_duration(int64_t us, char *buf, size_t size);

/* "de 7 a 17 h", "a cualquier hora". */
const char *coord_es_hours(unsigned from_hour, unsigned until_hour, char *buf, size_t size);

#endif
