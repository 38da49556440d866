/* log.h — the one logger of every hcbus program: levels, stderr, one line per event:
 *   2026-11-23T09:00:00.123456Z hcbus-broker[4242] info: publish accepted seq=12
 * Lines are written with a single write(2) so that concurrent processes do not
 * interleave. Never log patient details or an anonymous reporter's identity.
 * Under systemd — stderr is the stream JOURNAL_STREAM names, or HCBUS_LOG_FORMAT=journal
 * (HCBUS_LOG_FORMAT=text forces the line above) — a line is "<3>publish refused ...":
 * the syslog priority (debug 7, info 6, notice 5, warning 4, error 3) that journald
 * reads (sd-daemon(3)), without our own time, name and pid, which the journal keeps. */
#ifndef HCBUS_LOG_H
#define HCBUS_LOG_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    HCBUS_LOG_DEBUG = 0,
    HCBUS_LOG_INFO = 1,
    HCBUS_LOG_NOTICE = 2,
    HCBUS_LOG_WARNING = 3,
    HCBUS_LOG_ERROR = 4,
} hcbus_log_level_t;

/* Name the program in each line ("hcbus-broker"); the string is copied. */
void hcbus_log_set_ident(const char *ident);

/* Lines below level are not written. Default: HCBUS_LOG_INFO. */
void hcbus_log_set_level(hcbus_log_level_t level);

/* Parse "debug", "info", "notice", "warning", "error". Returns 0, or -1 if unknown. */
int hcbus_log_level_parse(const char *name, hcbus_log_level_t *level);

/* Write one line at level (printf-style; a trailing newline is added). Control
 * characters in the message (newlines included) are escaped as \n, \xHH or \uHHHH
 * (hcbus_text_escape, HCBUS_TEXT_PLAIN) so that one event stays one printable line. */
void hcbus_log(hcbus_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define hcbus_debug(...) hcbus_log(HCBUS_LOG_DEBUG, __VA_ARGS__)
#define hcbus_info(...) hcbus_log(HCBUS_LOG_INFO, __VA_ARGS__)
#define hcbus_notice(...) hcbus_log(HCBUS_LOG_NOTICE, __VA_ARGS__)
#define hcbus_warning(...) hcbus_log(HCBUS_LOG_WARNING, __VA_ARGS__)
#define hcbus_error(...) hcbus_log(HCBUS_LOG_ERROR, __VA_ARGS__)

#ifdef __cplusplus
}
#endif
#endif
