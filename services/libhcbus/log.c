/* log.c — the logger of every hcbus program (see include/hcbus/log.h): one line per
 * event on stderr, formatted in a buffer and written with a single write(2) so that
 * lines from concurrent processes never interleave. Messages carry what peers sent
 * (msg_ids, topics, reasons), so every control character is escaped (text.h): no
 * peer can end a line, forge the next one or send escape sequences to a terminal.
 * Under systemd (stderr is the journal stream JOURNAL_STREAM names, or
 * HCBUS_LOG_FORMAT=journal) a line is "<N>message": the syslog priority as sd-daemon(3)
 * prefixes it, so that journald records each line's priority (journalctl -p err), and
 * no time, name or pid of ours: the journal records them once. */
#include "hcbus/log.h"

#include "hcbus/clock.h"
#include "hcbus/text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048
#define LOG_IDENT_MAX 64

static char log_ident[LOG_IDENT_MAX] = "hcbus";
static hcbus_log_level_t log_level = HCBUS_LOG_INFO;

static const char *const level_names[] = {"debug", "info", "notice", "warning", "error"};
#define LEVEL_COUNT (sizeof level_names / sizeof level_names[0])
/* syslog(3) priorities of the levels, as sd-daemon(3)'s "<N>" prefixes carry them:
 * LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING, LOG_ERR. */
static const int level_priorities[] = {7, 6, 5, 4, 3};

typedef enum { FORMAT_UNKNOWN = 0, FORMAT_TEXT, FORMAT_JOURNAL } log_format_t;
static log_format_t log_format = FORMAT_UNKNOWN;

/* Whether stderr is the journal stream systemd names in JOURNAL_STREAM ("dev:ino";
 * a child whose stderr was redirected elsewhere inherits the variable, hence the check). */
static bool stderr_is_journal(void)
{
    const char *stream = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    if (!stream || sscanf(stream, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) != 0)
        return false;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/* HCBUS_LOG_FORMAT=journal or text, else the journal when stderr is it. */
static log_format_t format_now(void)
{
    if (log_format != FORMAT_UNKNOWN)
        return log_format;
    const char *forced = getenv("HCBUS_LOG_FORMAT");
    if (forced && strcmp(forced, "journal") == 0)
        log_format = FORMAT_JOURNAL;
    else if (forced && strcmp(forced, "text") == 0)
        log_format = FORMAT_TEXT;
    else
        log_format = stderr_is_journal() ? FORMAT_JOURNAL : FORMAT_TEXT;
    return log_format;
}

void hcbus_log_set_ident(const char *ident)
{
    snprintf(log_ident, sizeof log_ident, "%s", ident ? ident : "hcbus");
}

void hcbus_log_set_level(hcbus_log_level_t level)
{
    log_level = level;
}

int hcbus_log_level_parse(const char *name, hcbus_log_level_t *level)
{
    for (size_t i = 0; name && i < LEVEL_COUNT; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *level = (hcbus_log_level_t)i;
            return 0;
        }
    }
    return -1;
}

static void write_all(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        buf += n;
        len -= (size_t)n;
    }
}

void hcbus_log(hcbus_log_level_t level, const char *fmt, ...)
{
    if (level < log_level || (unsigned)level >= LEVEL_COUNT)
        return;
    int saved_errno = errno;
    char line[LOG_LINE_MAX];
    int head;
    if (format_now() == FORMAT_JOURNAL) {
        head = snprintf(line, sizeof line, "<%d>", level_priorities[level]);
    } else {
        char when[HCBUS_TIME_TEXT_MAX];
        hcbus_time_format(hcbus_now_us(), 0, when, sizeof when);
        head = snprintf(line, sizeof line, "%s %s[%ld] %s: ", when, log_ident, (long)getpid(), level_names[level]);
    }
    if (head < 0 || (size_t)head >= sizeof line - 1)
        head = 0;
    char message[LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    /* One event stays one line of printable text, whatever the message carries. */
    hcbus_text_escape(message, HCBUS_TEXT_PLAIN, line + head, sizeof line - (size_t)head - 1);
    size_t len = strlen(line);
    line[len++] = '\n';
    write_all(line, len);
    errno = saved_errno;
}
