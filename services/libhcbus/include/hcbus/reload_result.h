/* reload_result.h — a reload whose outcome reaches whoever asked for it
 * (`systemctl reload`, docs/operations.md "Reloading"). A service started with
 * `--reload-result FILE` writes there, at start and after each SIGHUP reload, one line:
 *   <pid> <n> ok <message>        or        <pid> <n> refused <message>
 * (n counts the reloads; 0 is the start). `--reload PID` with the same FILE is the
 * asking side, the unit's ExecReload: it sends SIGHUP to PID, waits for the line to
 * change, prints its message and exits 0 (reloaded) or 1 (refused, the old
 * configuration stays in force), so that `systemctl reload` fails when the file was bad. */
#ifndef HCBUS_RELOAD_RESULT_H
#define HCBUS_RELOAD_RESULT_H

#include <stdbool.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How long `--reload PID` waits for the outcome. */
#define HCBUS_RELOAD_WAIT_MS 30000

/* Exit statuses of `--reload PID`. */
#define HCBUS_RELOAD_OK 0
#define HCBUS_RELOAD_REFUSED 1
#define HCBUS_RELOAD_NO_ANSWER 2   /* no such process, no result in time, file unreadable */

/* Where this process writes its results (the string is copied); NULL or "": nowhere.
 * Writes the start line ("0 ok started"). Returns 0, or -1 if the file cannot be
 * written (errno set). */
int hcbus_reload_result_init(const char *path);

/* After a reload: the next line, ok or refused, with message (one line). Also tells
 * systemd READY=1 with the message as the status. Failures to write are ignored (the
 * log has the outcome too). */
void hcbus_reload_result_record(bool ok, const char *message);

/* The asking side: SIGHUP to pid, wait at most timeout_ms for a new line in path,
 * print the message (stdout when ok, stderr when refused). Returns HCBUS_RELOAD_*. */
int hcbus_reload_request(const char *program, pid_t pid, const char *path, int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif
