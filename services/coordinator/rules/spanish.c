/* spanish.c — the Spanish words of notice reasons and the bounded reason buffer.
 * Reasons are short and concrete: 'estado "cerrado" rechazado: la solicitud sem-123 ya
 * está cerrada'. Times are shown in El Salvador's time (-06:00, no daylight saving). */
#include "spanish.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hcbus.pb-c.h"
#include "hcbus/clock.h"

/* Length of the longest prefix of s[0..len) that does not end inside a UTF-8 sequence. */
static size_t whole_utf8(const char *s, size_t len)
{
    size_t i = len;
    /* Step back over continuation bytes to the lead byte of the last sequence. */
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0)
        return 0;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : 4;
    return (len - (i - 1) >= need) ? len : i - 1;
}

void coord_text_add(coord_text_t *t, const char *fmt, ...)
{
    size_t room = sizeof t->buf - t->len;
    if (room <= 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
        t->buf[t->len] = '\0';
        return;
    }
    size_t added = (size_t)n < room ? (size_t)n : room - 1;
    if ((size_t)n >= room)
        added = whole_utf8(t->buf + t->len, added);
    t->len += added;
    t->buf[t->len] = '\0';
}

char *coord_text_copy(char *buf, size_t size, const char *s)
{
    if (size == 0)
        return buf;
    size_t len = strlen(s ? s : "");
    if (len >= size)
        len = whole_utf8(s, size - 1);
    memcpy(buf, s ? s : "", len);
    buf[len] = '\0';
    return buf;
}

const char *coord_es_level(int level)
{
    switch (level) {
    case HCBUS__RISK_LEVEL__RISK_LEVEL_GREEN: return "VERDE";
    case HCBUS__RISK_LEVEL__RISK_LEVEL_YELLOW: return "AMARILLO";
    case HCBUS__RISK_LEVEL__RISK_LEVEL_ORANGE: return "NARANJA";
    case HCBUS__RISK_LEVEL__RISK_LEVEL_RED: return "ROJO";
    default: return "desconocido";
    }
}

const char *coord_es_status(int state)
{
    switch (state) {
    case HCBUS__DISPATCH_STATE__DISPATCH_STATE_ACCEPTED: return "aceptado";
    case HCBUS__DISPATCH_STATE__DISPATCH_STATE_DECLINED: return "rechazado";
    case HCBUS__DISPATCH_STATE__DISPATCH_STATE_EN_ROUTE: return "en camino";
    case HCBUS__DISPATCH_STATE__DISPATCH_STATE_ON_SCENE: return "en el lugar";
    case HCBUS__DISPATCH_STATE__DISPATCH_STATE_TRANSPORTING: return "trasladando";
    case HCBUS__DISPATCH_STATE__DISPATCH_STATE_AT_FACILITY: return "en el establecimiento";
    case HCBUS__DISPATCH_STATE__DISPATCH_STATE_CLOSED: return "cerrado";
    case HCBUS__DISPATCH_STATE__DISPATCH_STATE_CANCELLED: return "cancelado";
    case HCBUS__DISPATCH_STATE__DISPATCH_STATE_ABORTED_SECURITY: return "abortado por seguridad";
    default: return "desconocido";
    }
}

const char *coord_es_request_state(int state)
{
    switch (state) {
    case 0: return "solicitada";
    case HCBUS__DISPATCH_STATE__DISPATCH_STATE_ACCEPTED: return "aceptada";
    case HCBUS__DISPATCH_STATE__DISPATCH_STATE_DECLINED: return "rechazada";
    case HCBUS__DISPATCH_STATE__DISPATCH_STATE_EN_ROUTE: return "en camino";
    case HCBUS__DISPATCH_STATE__DISPATCH_STATE_ON_SCENE: return "en el lugar";
    case HCBUS__DISPATCH_STATE__DISPATCH_STATE_TRANSPORTING: return "en traslado";
    case HCBUS__DISPATCH_STATE__DISPATCH_STATE_AT_FACILITY: return "en el establecimiento";
    case HCBUS__DISPATCH_STATE__DISPATCH_STATE_CLOSED: return "cerrada";
    case HCBUS__DISPATCH_STATE__DISPATCH_STATE_CANCELLED: return "cancelada";
    case HCBUS__DISPATCH_STATE__DISPATCH_STATE_ABORTED_SECURITY: return "abortada por seguridad";
    default: return "desconocida";
    }
}

const char *coord_es_escort_state(int state)
{
    switch (state) {
    case 0: return "en espera";
    case HCBUS__ESCORT_STATE__ESCORT_STATE_ASSIGNED: return "asignada";
    case HCBUS__ESCORT_STATE__ESCORT_STATE_UNAVAILABLE: return "no disponible";
    case HCBUS__ESCORT_STATE__ESCORT_STATE_AT_MEETING_POINT: return "en el punto de encuentro";
    case HCBUS__ESCORT_STATE__ESCORT_STATE_COMPLETED: return "completada";
    case HCBUS__ESCORT_STATE__ESCORT_STATE_WAIVED: return "renunciada";
    default: return "desconocida";
    }
}

const char *coord_es_time(int64_t t_us, char *buf, size_t size)
{
    char iso[HCBUS_TIME_TEXT_MAX];
    /* "2026-11-30T03:05:00.000000-06:00" -> "2026-11-30 03:05 -06:00" */
    hcbus_time_format(t_us, HCBUS_SV_UTC_OFFSET_MIN, iso, sizeof iso);
    const char *offset = strlen(iso) >= 6 ? iso + strlen(iso) - 6 : "";
    snprintf(buf, size, "%.10s %.5s %s", iso, strlen(iso) > 11 ? iso + 11 : "", offset);
    return buf;
}

const char *coord_es_duration(int64_t us, char *buf, size_t size)
{
    int64_t s = us / INT64_C(1000000);
    if (s >= 3600 && s % 3600 == 0)
        snprintf(buf, size, "%" PRId64 " h", s / 3600);
    else if (s >= 60)
        snprintf(buf, size, "%" PRId64 " min", s / 60);
    else
        snprintf(buf, size, "%" PRId64 " s", s);
    return buf;
}

const char *coord_es_hours(unsigned from_hour, unsigned until_hour, char *buf, size_t size)
{
    if (from_hour == 0 && (until_hour == 0 || until_hour == 24))
        snprintf(buf, size, "a cualquier hora");
    else
        snprintf(buf, size, "de %u a %u h", from_hour, until_hour);
    return buf;
}
