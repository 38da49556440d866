/* error.c — filling and formatting hcbus_error_t (see include/hcbus/error.h). */
#include "hcbus/error.h"

#include <stdio.h>
#include <string.h>

int hcbus_error_set(hcbus_error_t *err, int code, const char *field, const char *fmt, ...)
{
    if (!err)
        return -1;
    err->code = code;
    snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    err->hint[0] = '\0';
    return -1;
}

int hcbus_error_hint(hcbus_error_t *err, const char *fmt, ...)
{
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->hint, sizeof err->hint, fmt, ap);
    va_end(ap);
    return -1;
}

void hcbus_error_clear(hcbus_error_t *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

const char *hcbus_code_name(int code)
{
    switch (code) {
    case HCBUS_OK: return "ok";
    case HCBUS_EMALFORMED: return "malformed";
    case HCBUS_ETOOLARGE: return "too_large";
    case HCBUS_EINVALID: return "invalid_field";
    case HCBUS_EUNKNOWN_ZONE: return "unknown_zone";
    case HCBUS_EUNAUTHORIZED: return "unauthorized";
    case HCBUS_ENOT_PERSISTED: return "not_persisted";
    case HCBUS_EOVERLOADED: return "overloaded";
    case HCBUS_EINTERNAL: return "internal";
    case HCBUS_EUNAVAILABLE: return "unavailable";
    case HCBUS_ESTANDBY: return "standby";
    case HCBUS_ECONFIG: return "config";
    case HCBUS_EIO: return "io";
    case HCBUS_ETIMEOUT: return "timeout";
    case HCBUS_ENOMEM: return "out_of_memory";
    case HCBUS_EDATABASE: return "database";
    case HCBUS_EFULL: return "outbox_full";
    default: return "unknown_error";
    }
}

const char *hcbus_error_format(const hcbus_error_t *err, char *buf, unsigned long size)
{
    if (!buf || size == 0)
        return buf;
    if (!err) {
        snprintf(buf, size, "no error");
        return buf;
    }
    int n = snprintf(buf, size, "%s: %s%s%s", hcbus_code_name(err->code), err->field,
                     err->field[0] ? ": " : "", err->message);
    if (err->hint[0] && n >= 0 && (unsigned long)n < size)
        snprintf(buf + n, size - (unsigned long)n, " (hint: %s)", err->hint);
    return buf;
}
