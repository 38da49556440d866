/* reload_result.c — the outcome of a reload, written for whoever asked (see
 * include/hcbus/reload_result.h): one line replaced atomically (a temporary file
 * renamed over it), and the asking side that signals and waits for the line to change. */
#include "hcbus/reload_result.h"

#include "hcbus/clock.h"
#include "hcbus/config.h"
#include "hcbus/i18n.h"
#include "hcbus/notify.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RESULT_LINE_MAX 1024
#define POLL_INTERVAL_MS 20

static char result_path[HCBUS_PATH_MAX];
static unsigned long reload_count;

static int write_line(const char *line)
{
    char tmp[HCBUS_PATH_MAX + 8];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", result_path);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    size_t len = strlen(line);
    ssize_t written = write(fd, line, len);
    int saved = errno;
    if (close(fd) != 0 || written != (ssize_t)len) {
        errno = written < 0 ? saved : EIO;
        unlink(tmp);
        return -1;
    }
    return rename(tmp, result_path);
}

static int record(const char *verdict, const char *message)
{
    if (!result_path[0])
        return 0;
    char line[RESULT_LINE_MAX];
    char clean[RESULT_LINE_MAX / 2];
    snprintf(clean, sizeof clean, "%s", message ? message : "");
    for (char *p = clean; *p; p++)   /* one line */
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    snprintf(line, sizeof line, "%ld %lu %s %s\n", (long)getpid(), reload_count, verdict, clean);
    return write_line(line);
}

int hcbus_reload_result_init(const char *path)
{
    snprintf(result_path, sizeof result_path, "%s", path ? path : "");
    reload_count = 0;
    return record("ok", "started");
}

void hcbus_reload_result_record(bool ok, const char *message)
{
    reload_count++;
    (void)record(ok ? "ok" : "refused", message);
    hcbus_notify_ready(message);
}

/* The file's content into buf ("" when absent). Returns 0, or -1 (errno) on another error. */
static int read_result(const char *path, char *buf, size_t size)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? 0 : -1;
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
    return 0;
}

static void pause_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* A line of pid's with its verdict: 1 ok, 0 refused, -1 not pid's or not a result. */
static int verdict_of(const char *line, pid_t pid, const char **message)
{
    long who;
    unsigned long n;
    char verdict[16];
    int used = 0;
    if (sscanf(line, "%ld %lu %15s %n", &who, &n, verdict, &used) < 3 || who != (long)pid)
        return -1;
    *message = line + used;
    if (strcmp(verdict, "ok") == 0)
        return 1;
    return strcmp(verdict, "refused") == 0 ? 0 : -1;
}

int hcbus_reload_request(const char *program, pid_t pid, const char *path, int timeout_ms)
{
    char before[RESULT_LINE_MAX], now[RESULT_LINE_MAX];
    if (read_result(path, before, sizeof before) < 0) {
        fprintf(stderr, _("%s: cannot read %s: %s\n"), program, path, strerror(errno));
        return HCBUS_RELOAD_NO_ANSWER;
    }
    if (pid <= 0 || kill(pid, SIGHUP) != 0) {
        fprintf(stderr, _("%s: cannot signal process %ld: %s\n"), program, (long)pid,
                strerror(pid <= 0 ? ESRCH : errno));
        return HCBUS_RELOAD_NO_ANSWER;
    }
    int64_t deadline = hcbus_monotonic_ms() + timeout_ms;
    while (hcbus_monotonic_ms() < deadline) {
        const char *message = "";
        if (read_result(path, now, sizeof now) == 0 && strcmp(now, before) != 0) {
            int verdict = verdict_of(now, pid, &message);
            if (verdict == 1) {
                printf(_("%s: configuration reloaded: %s"), program, message);
                return HCBUS_RELOAD_OK;
            }
            if (verdict == 0) {
                fprintf(stderr, _("%s: configuration reload refused, the old configuration stays in force: %s"),
                        program, message);
                return HCBUS_RELOAD_REFUSED;
            }
        }
        pause_ms(POLL_INTERVAL_MS);
    }
    fprintf(stderr, _("%s: no reload result in %s after %d ms (is process %ld running with --reload-result %s?)\n"),
            program, path, timeout_ms, (long)pid, path);
    return HCBUS_RELOAD_NO_ANSWER;
}
