/* outbox.h — a publisher's messages on disk until the broker records them (issue 19,
 * decision 0040). An append-only file: a header, then records (a message, an attempt,
 * its end) each with a length and a CRC-32C. A message is on disk (fdatasync) before it
 * is sent, and leaves when its end is written (recorded, or refused for good); the file
 * is rewritten without the ended ones when they fill most of it. Bounded in bytes.
 * At open a torn tail (power cut mid-write) is cut off and a damaged record in the
 * middle skipped, both reported, never a crash. Publishers use it through
 * hcbus_client_options_t.outbox_path; `hcbus outbox show|flush` read it directly.
 * One process at a time writes an outbox (a lock file beside it); not thread-safe. */
#ifndef HCBUS_OUTBOX_H
#define HCBUS_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hcbus/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HCBUS_OUTBOX_MAX_BYTES_DEFAULT (64u * 1024 * 1024) /* outbox_max_bytes 0 */
#define HCBUS_OUTBOX_MAX_BYTES_MIN (64u * 1024)            /* smaller bounds are refused */
#define HCBUS_OUTBOX_PATH_MAX 4096

typedef struct hcbus_outbox hcbus_outbox_t;

/* What the open found and repaired. Bytes cut off or skipped held no message that
 * could be read; a message among them is lost (the count says how many bytes). */
typedef struct hcbus_outbox_recovery {
    uint64_t torn_bytes;    /* an incomplete or unreadable last record, cut off */
    uint64_t corrupt_bytes; /* damaged records in the middle, skipped */
    char corrupt_copy[HCBUS_OUTBOX_PATH_MAX]; /* the file as found, kept aside before the
                                                 repair ("" if nothing was corrupt) */
} hcbus_outbox_recovery_t;

#define HCBUS_OUTBOX_READONLY 1 /* read only: no lock, no repair, no creation */

/* Open (or create, mode 0600) the outbox at path, bounded to max_bytes (0 = the
 * default), and read what waits in it. flags: 0 or HCBUS_OUTBOX_READONLY. recovery
 * (may be NULL) says what was repaired. Returns a new outbox (hcbus_outbox_close) or
 * NULL + err: HCBUS_EIO (cannot read or write it; in use by another process, field
 * "outbox"), HCBUS_EMALFORMED (not an outbox: wrong magic or version), HCBUS_EINVALID
 * (max_bytes under HCBUS_OUTBOX_MAX_BYTES_MIN). */
hcbus_outbox_t *hcbus_outbox_open(const char *path, uint64_t max_bytes, int flags,
                                  hcbus_outbox_recovery_t *recovery, hcbus_error_t *err);

/* Close it and set *self_p to NULL. NULL-safe. */
void hcbus_outbox_close(hcbus_outbox_t **self_p);

/* Add a message (its encoded Envelope) and make it durable (fdatasync) before
 * returning. Returns 0, or -1 with err: HCBUS_EFULL (the file would pass its bound even
 * after compaction: message names the file, its size and the bound), HCBUS_EINVALID (bad
 * msg_id, or a message over HCBUS_MESSAGE_MAX_BYTES), HCBUS_EIO. */
int hcbus_outbox_append(hcbus_outbox_t *self, const char *msg_id, int64_t queued_at_us,
                        const uint8_t *envelope, size_t len, hcbus_error_t *err);

/* The message msg_id reached its end: recorded with seq (code 0) or refused for good
 * (code, the broker's). It no longer waits. Not synced: if the end is lost in a crash
 * the message is sent again with the same msg_id, which the bus records once. Returns
 * 0 (also for a msg_id not waiting), or -1 with err (HCBUS_EIO). */
int hcbus_outbox_end(hcbus_outbox_t *self, const char *msg_id, uint64_t seq, int code,
                     hcbus_error_t *err);

/* The oldest waiting message not yet taken since the open: a malloc'd copy of its
 * Envelope bytes in *envelope (caller frees), its msg_id in msg_id (HCBUS_MSG_ID_MAX + 1
 * bytes). Counts an attempt (written, not synced). Returns 1, 0 if none is left to
 * take, or -1 with err (HCBUS_EIO, HCBUS_ENOMEM). */
int hcbus_outbox_take(hcbus_outbox_t *self, char *msg_id, uint8_t **envelope, size_t *len,
                      hcbus_error_t *err);

/* Messages waiting (not ended), and those of them not taken yet. */
size_t hcbus_outbox_waiting(const hcbus_outbox_t *self);
size_t hcbus_outbox_untaken(const hcbus_outbox_t *self);

/* The file's size in bytes, and its bound. */
uint64_t hcbus_outbox_bytes(const hcbus_outbox_t *self);
uint64_t hcbus_outbox_max_bytes(const hcbus_outbox_t *self);

/* Whether a process is waiting to open the outbox at path (it holds a shared lock on
 * FILE.want while it waits, up to 3 s, and lets go once it has the outbox). A
 * long-running sender (hcbus outbox flush) closes its outbox when this is true, waits
 * until it is false (the other has it), and opens it again: a user's publish is never
 * refused because a flush runs. */
bool hcbus_outbox_wanted(const char *path);

/* The file's path as opened. */
const char *hcbus_outbox_path(const hcbus_outbox_t *self);

/* What the open repaired (as it filled its recovery argument). Points into self. */
const hcbus_outbox_recovery_t *hcbus_outbox_recovery(const hcbus_outbox_t *self);

/* One waiting message, in the order they were added (i < hcbus_outbox_waiting). */
typedef struct hcbus_outbox_entry {
    const char *msg_id;      /* points into the outbox: valid until its next change */
    int64_t queued_at_us;    /* when it was added (the unit's clock) */
    unsigned attempts;       /* sessions that sent it (the open that took it counts one) */
    size_t envelope_len;
} hcbus_outbox_entry_t;

/* Fill *out with waiting message i, and, if envelope is not NULL, a malloc'd copy of its
 * Envelope bytes (caller frees). Returns 0, or -1 with err (HCBUS_EINVALID for i out of
 * range, HCBUS_EIO). */
int hcbus_outbox_entry(hcbus_outbox_t *self, size_t i, hcbus_outbox_entry_t *out,
                       uint8_t **envelope, hcbus_error_t *err);

/* Rewrite the file with only the waiting messages: a new file beside it, synced, renamed
 * over it, the directory synced (a crash at any point leaves the old or the new file
 * whole). Runs by itself when ended records are most of the file. Returns 0 or -1 + err. */
int hcbus_outbox_compact(hcbus_outbox_t *self, hcbus_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
