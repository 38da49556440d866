/* error.h — errors as values. Every libhcbus function that can fail returns 0 or -1
 * and fills an hcbus_error_t with a code, the field concerned, a one-line message and
 * a hint, shaped like PostgreSQL's errmsg/errhint. The caller decides to log, reply or
 * exit; nothing here prints. */
#ifndef HCBUS_ERROR_H
#define HCBUS_ERROR_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The first values match the wire enum hcbus.ErrorCode one for one. */
typedef enum {
    HCBUS_OK = 0,
    HCBUS_EMALFORMED = 1,     /* bytes that are not a valid message */
    HCBUS_ETOOLARGE = 2,      /* over the size limit */
    HCBUS_EINVALID = 3,       /* a field missing or out of range */
    HCBUS_EUNKNOWN_ZONE = 4,  /* zone not in the catalogue */
    HCBUS_EUNAUTHORIZED = 5,  /* the institution may not do this */
    HCBUS_ENOT_PERSISTED = 6, /* not recorded in time: retry with the same msg_id */
    HCBUS_EOVERLOADED = 7,    /* too much in flight */
    HCBUS_EINTERNAL = 8,
    HCBUS_EUNAVAILABLE = 9,   /* a service is not reachable now */
    HCBUS_ESTANDBY = 10,      /* the passive broker of a pair: nothing recorded, try the next endpoint */
    /* Local errors, never on the wire. */
    HCBUS_ECONFIG = 100,      /* configuration file error */
    HCBUS_EIO = 101,          /* file or socket error (see message) */
    HCBUS_ETIMEOUT = 102,     /* a deadline passed */
    HCBUS_ENOMEM = 103,
    HCBUS_EDATABASE = 104,    /* PostgreSQL said no (see message) */
    HCBUS_EFULL = 105,        /* an outbox (or its disk) is full: message names file, size, bound */
} hcbus_code_t;

#define HCBUS_ERROR_FIELD_MAX 96
#define HCBUS_ERROR_MESSAGE_MAX 320
#define HCBUS_ERROR_HINT_MAX 256

typedef struct hcbus_error {
    int code;                               /* hcbus_code_t */
    char field[HCBUS_ERROR_FIELD_MAX];      /* "dispatch.location.lat", "hcbus.conf:12 broker.endpoint", or "" */
    char message[HCBUS_ERROR_MESSAGE_MAX];  /* one line, no trailing period */
    char hint[HCBUS_ERROR_HINT_MAX];        /* what to do about it, or "" */
} hcbus_error_t;

/* Fill err (if not NULL) with code, field (may be NULL) and a printf-style message.
 * Clears the hint. Always returns -1 so that `return hcbus_error_set(...)` reads well. */
int hcbus_error_set(hcbus_error_t *err, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Set err's hint (if err is not NULL). Returns -1. */
int hcbus_error_hint(hcbus_error_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reset err to HCBUS_OK with empty strings. */
void hcbus_error_clear(hcbus_error_t *err);

/* A stable lower-case name for a code: "invalid_field", "unauthorized", ... */
const char *hcbus_code_name(int code);

/* Format err as one line into buf: "invalid_field: dispatch.location.lat: latitude 91 is
 * out of range (hint: ...)". Returns buf. */
const char *hcbus_error_format(const hcbus_error_t *err, char *buf, unsigned long size);

#ifdef __cplusplus
}
#endif
#endif
