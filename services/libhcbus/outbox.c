/* outbox.c — the on-disk outbox of outbox.h (decision 0040): the file format, the scan
 * and repair at open, appends made durable before a message is sent, ends, and the
 * compaction that drops ended messages. It knows nothing of the broker: the publisher
 * (publisher.c) takes messages from it and ends them.
 *
 * File: a 16-byte header ("HCBUSOBX", u32 version 1, u32 zero), then records, all
 * integers little-endian:
 *     u32 len | u32 crc32c(len's 4 bytes, payload) | payload (len bytes: u8 type, body)
 *     MESSAGE 1: u8 id_len, msg_id, i64 queued_at_us, u32 attempts before, Envelope bytes
 *     ATTEMPT 2: u8 id_len, msg_id                    (a session took it to send)
 *     END     3: u8 id_len, msg_id, u64 seq, i32 code (recorded, or refused for good)
 * A record that does not check (length out of bounds, CRC, body) is damage: if no valid
 * record follows it the tail is torn (a power cut mid-append) and is cut off; otherwise
 * it is skipped up to the next valid record, and the file as found is copied aside
 * before it is rewritten clean. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crc32c.h"
#include "hcbus/clock.h"
#include "hcbus/codec.h"
#include "hcbus/i18n.h"
#include "hcbus/outbox.h"
#include "hcbus/validate.h"

#define MAGIC "HCBUSOBX"
#define MAGIC_LEN 8
#define FORMAT_VERSION 1
#define HEADER_BYTES 16
#define RECORD_HEAD 8 /* len + crc */
#define TYPE_MESSAGE 1
#define TYPE_ATTEMPT 2
#define TYPE_END 3
#define MESSAGE_FIXED (1 + 1 + 8 + 4) /* type, id_len, queued_at_us, attempts (+ id) */
#define END_FIXED (1 + 1 + 8 + 4)     /* type, id_len, seq, code (+ id) */
#define RECORD_MAX (MESSAGE_FIXED + HCBUS_MSG_ID_MAX + HCBUS_MESSAGE_MAX_BYTES)
#define COMPACT_MIN_DEAD_BYTES (64 * 1024) /* ended bytes worth a rewrite, when most of the file */
#define LOCK_WAIT_MS 3000  /* another process holding the outbox: wait this long for it */
#define LOCK_POLL_MS 50

typedef struct entry {
    char msg_id[HCBUS_MSG_ID_MAX + 1];
    int64_t queued_at_us;
    unsigned attempts;
    uint64_t offset;   /* of its MESSAGE record */
    uint32_t rec_len;  /* RECORD_HEAD + payload */
    uint32_t env_len;  /* the Envelope, at the payload's end */
    bool ended;
    bool taken;        /* by this session */
} entry_t;

struct hcbus_outbox {
    char path[HCBUS_OUTBOX_PATH_MAX];
    int fd;
    int lock_fd;
    bool readonly;
    uint64_t size;       /* the file's size: the next record goes here */
    uint64_t max_bytes;
    uint64_t live_bytes; /* records of waiting messages */
    entry_t *entries;    /* in file order; ended ones leave at the next squeeze */
    size_t count, cap;
    size_t waiting;
    size_t untaken;
    size_t holes;        /* ended entries still in the array */
    size_t first_live;   /* no waiting entry before this index */
    size_t take_from;    /* no untaken waiting entry before this index */
    hcbus_outbox_recovery_t recovery; /* what the open repaired */
};

/* ---- little-endian fields ---------------------------------------------------- */

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* ---- I/O ------------------------------------------------------------------------ */

static int io_error(hcbus_error_t *err, const char *what, const char *path)
{
    int e = errno;
    if (e == ENOSPC || e == EDQUOT) {
        hcbus_error_set(err, HCBUS_EFULL, "outbox", _("cannot write outbox %s: the disk is full"),
                        path);
        return hcbus_error_hint(err, _("Free space on that disk; what waits in the outbox is kept."));
    }
    return hcbus_error_set(err, HCBUS_EIO, "outbox", "cannot %s outbox %s: %s", what, path,
                           strerror(e));
}

static int write_all(int fd, const uint8_t *p, size_t len, uint64_t offset)
{
    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return 0;
}

static int read_all(int fd, uint8_t *p, size_t len, uint64_t offset)
{
    while (len > 0) {
        ssize_t n = pread(fd, p, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        p += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return 0;
}

/* Sync the directory holding path, so that a rename or creation in it is durable. */
static int sync_dir(const char *path)
{
    char copy[HCBUS_OUTBOX_PATH_MAX];
    snprintf(copy, sizeof copy, "%s", path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static void header_bytes(uint8_t h[HEADER_BYTES])
{
    memcpy(h, MAGIC, MAGIC_LEN);
    put_u32(h + MAGIC_LEN, FORMAT_VERSION);
    put_u32(h + MAGIC_LEN + 4, 0);
}

/* ---- records -------------------------------------------------------------------- */

/* A record: head + payload, its CRC over the length field and the payload. */
static uint8_t *record_new(uint8_t type, const char *msg_id, size_t body_extra, size_t *total)
{
    size_t id_len = strlen(msg_id);
    size_t payload = 2 + id_len + body_extra;
    uint8_t *r = malloc(RECORD_HEAD + payload);
    if (!r)
        return NULL;
    put_u32(r, (uint32_t)payload);
    r[RECORD_HEAD] = type;
    r[RECORD_HEAD + 1] = (uint8_t)id_len;
    memcpy(r + RECORD_HEAD + 2, msg_id, id_len);
    *total = RECORD_HEAD + payload;
    return r;
}

static void record_seal(uint8_t *r, size_t total)
{
    uint32_t crc = hcbus_crc32c(0, r, 4);
    crc = hcbus_crc32c(crc, r + RECORD_HEAD, total - RECORD_HEAD);
    put_u32(r + 4, crc);
}

/* What a record at the scan says. */
typedef struct parsed {
    uint8_t type;
    char msg_id[HCBUS_MSG_ID_MAX + 1];
    uint32_t total;       /* RECORD_HEAD + payload */
    int64_t queued_at_us; /* MESSAGE */
    unsigned attempts;    /* MESSAGE */
    uint32_t env_len;     /* MESSAGE */
} parsed_t;

/* Parse the record at p (avail bytes to the end of the file). Returns 1 and fills *out
 * if it is whole and checks, 0 if not. */
static int record_parse(const uint8_t *p, uint64_t avail, parsed_t *out)
{
    if (avail < RECORD_HEAD + 2)
        return 0;
    uint32_t len = get_u32(p);
    if (len < 2 || len > RECORD_MAX || len > avail - RECORD_HEAD)
        return 0;
    const uint8_t *pl = p + RECORD_HEAD;
    uint8_t type = pl[0], id_len = pl[1];
    if (id_len == 0 || id_len > HCBUS_MSG_ID_MAX || (size_t)2 + id_len > len)
        return 0;
    size_t rest = len - 2 - id_len;
    if ((type == TYPE_MESSAGE && rest < MESSAGE_FIXED - 2 + 1) ||
        (type == TYPE_ATTEMPT && rest != 0) || (type == TYPE_END && rest != END_FIXED - 2) ||
        type < TYPE_MESSAGE || type > TYPE_END)
        return 0;
    uint32_t crc = hcbus_crc32c(0, p, 4);
    if (hcbus_crc32c(crc, pl, len) != get_u32(p + 4))
        return 0;
    memcpy(out->msg_id, pl + 2, id_len);
    out->msg_id[id_len] = '\0';
    if (!hcbus_id_well_formed(out->msg_id))
        return 0;
    out->type = type;
    out->total = RECORD_HEAD + len;
    if (type == TYPE_MESSAGE) {
        const uint8_t *b = pl + 2 + id_len;
        out->queued_at_us = (int64_t)get_u64(b);
        out->attempts = get_u32(b + 8);
        out->env_len = (uint32_t)(rest - 12);
    }
    return 1;
}

/* ---- the index of waiting messages --------------------------------------------- */

static entry_t *find_waiting(hcbus_outbox_t *self, const char *msg_id)
{
    for (size_t i = self->first_live; i < self->count; i++)
        if (!self->entries[i].ended && strcmp(self->entries[i].msg_id, msg_id) == 0)
            return &self->entries[i];
    return NULL;
}

static int entry_add(hcbus_outbox_t *self, const parsed_t *r, uint64_t offset)
{
    if (self->count == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 64;
        entry_t *e = realloc(self->entries, cap * sizeof *e);
        if (!e)
            return -1;
        self->entries = e;
        self->cap = cap;
    }
    entry_t *e = &self->entries[self->count++];
    memset(e, 0, sizeof *e);
    memcpy(e->msg_id, r->msg_id, sizeof e->msg_id);
    e->queued_at_us = r->queued_at_us;
    e->attempts = r->attempts;
    e->offset = offset;
    e->rec_len = r->total;
    e->env_len = r->env_len;
    self->waiting++;
    self->untaken++;
    self->live_bytes += r->total;
    return 0;
}

static void entry_end(hcbus_outbox_t *self, entry_t *e)
{
    e->ended = true;
    self->waiting--;
    if (!e->taken)
        self->untaken--;
    self->live_bytes -= e->rec_len;
    self->holes++;
    while (self->first_live < self->count && self->entries[self->first_live].ended)
        self->first_live++;
}

/* Drop ended entries from the array (order kept). */
static void squeeze(hcbus_outbox_t *self)
{
    size_t n = 0;
    for (size_t i = 0; i < self->count; i++)
        if (!self->entries[i].ended)
            self->entries[n++] = self->entries[i];
    self->count = n;
    self->holes = 0;
    self->first_live = 0;
    self->take_from = 0;
}

static int apply(hcbus_outbox_t *self, const parsed_t *r, uint64_t offset)
{
    if (r->type == TYPE_MESSAGE)
        return entry_add(self, r, offset);
    entry_t *e = find_waiting(self, r->msg_id);
    if (!e)
        return 0; /* the end or attempt of a message already ended: nothing to do */
    if (r->type == TYPE_ATTEMPT)
        e->attempts++;
    else
        entry_end(self, e);
    return 0;
}

/* ---- open: create, lock, scan, repair ---------------------------------------- */

/* FILE.want, opened and flock'ed with op (LOCK_SH: "I wait for the outbox"; LOCK_EX |
 * LOCK_NB: "does anyone?"). Returns the fd, or -1 if it cannot be had. */
static int want_open(const char *path, int op)
{
    char want_path[HCBUS_OUTBOX_PATH_MAX + 8];
    snprintf(want_path, sizeof want_path, "%s.want", path);
    int fd = open(want_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -1;
    if (flock(fd, op | (op == LOCK_SH ? LOCK_NB : 0)) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static void want_close(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

bool hcbus_outbox_wanted(const char *path)
{
    if (!path)
        return false;
    int fd = want_open(path, LOCK_EX | LOCK_NB);
    if (fd < 0)
        return errno == EWOULDBLOCK;
    close(fd);
    return false;
}

static int lock_take(hcbus_outbox_t *self, hcbus_error_t *err)
{
    char lock_path[HCBUS_OUTBOX_PATH_MAX + 8];
    snprintf(lock_path, sizeof lock_path, "%s.lock", self->path);
    self->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (self->lock_fd < 0)
        return io_error(err, "lock", lock_path);
    int64_t deadline = hcbus_monotonic_ms() + LOCK_WAIT_MS;
    int want_fd = -1; /* while waiting: a shared lock on FILE.want says so to the holder */
    while (flock(self->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            want_close(&want_fd);
            return io_error(err, "lock", lock_path);
        }
        if (want_fd < 0)
            want_fd = want_open(self->path, LOCK_SH);
        if (hcbus_monotonic_ms() >= deadline) {
            want_close(&want_fd);
            char pid[24] = "";
            ssize_t n = pread(self->lock_fd, pid, sizeof pid - 1, 0);
            pid[n > 0 ? n : 0] = '\0';
            pid[strcspn(pid, "\n")] = '\0';
            hcbus_error_set(err, HCBUS_EIO, "outbox",
                            _("outbox %s is in use by another process (pid %s) after %d ms"),
                            self->path, pid[0] ? pid : "?", LOCK_WAIT_MS);
            return hcbus_error_hint(err, _("One process at a time sends from an outbox: wait for "
                                           "the other (a running hcbus outbox flush?) to end."));
        }
        struct timespec ts = {0, LOCK_POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    want_close(&want_fd);
    char pid[24];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(self->lock_fd, 0) != 0 || write_all(self->lock_fd, (uint8_t *)pid, (size_t)n, 0) != 0)
        return io_error(err, "lock", lock_path);
    return 0;
}

/* Write a new file holding only the header at path (through a temporary file, so that
 * a crash never leaves a half header). */
static int create_empty(const char *path, hcbus_error_t *err)
{
    char tmp[HCBUS_OUTBOX_PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return io_error(err, "create", tmp);
    uint8_t h[HEADER_BYTES];
    header_bytes(h);
    if (write_all(fd, h, sizeof h, 0) != 0 || fdatasync(fd) != 0) {
        close(fd);
        unlink(tmp);
        return io_error(err, "write", tmp);
    }
    close(fd);
    if (rename(tmp, path) != 0 || sync_dir(path) != 0)
        return io_error(err, "create", path);
    return 0;
}

static int open_fd(hcbus_outbox_t *self, hcbus_error_t *err)
{
    /* O_NONBLOCK: a FIFO (or a device) given as the outbox must not block the open
     * (`hcbus outbox show FIFO` hung); it is refused just below. */
    self->fd = open(self->path, (self->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK);
    if (self->fd < 0)
        return io_error(err, "open", self->path);
    struct stat st;
    if (fstat(self->fd, &st) != 0)
        return io_error(err, "read", self->path);
    if (!S_ISREG(st.st_mode))
        return hcbus_error_set(err, HCBUS_EIO, "outbox", "outbox %s is not a regular file",
                               self->path);
    int fl = fcntl(self->fd, F_GETFL);
    if (fl < 0 || fcntl(self->fd, F_SETFL, fl & ~O_NONBLOCK) != 0)
        return io_error(err, "open", self->path);
    self->size = (uint64_t)st.st_size;
    return 0;
}

/* The header, or a file too short to hold one: a creation cut short (a prefix of the
 * header, or nothing) is made again; anything else is not an outbox. */
static int check_header(hcbus_outbox_t *self, const uint8_t *data, hcbus_error_t *err)
{
    uint8_t h[HEADER_BYTES];
    header_bytes(h);
    size_t n = self->size < HEADER_BYTES ? (size_t)self->size : MAGIC_LEN;
    if (memcmp(data, h, n < MAGIC_LEN ? n : MAGIC_LEN) != 0) {
        hcbus_error_set(err, HCBUS_EMALFORMED, "outbox", _("%s is not an hcbus outbox (no %s header)"),
                        self->path, MAGIC);
        return hcbus_error_hint(err, _("Give the path of an outbox file, or a new path; move "
                                       "this file aside if it is a damaged outbox."));
    }
    if (self->size < HEADER_BYTES)
        return 1; /* torn at creation */
    uint32_t version = get_u32(data + MAGIC_LEN);
    if (version != FORMAT_VERSION) {
        hcbus_error_set(err, HCBUS_EMALFORMED, "outbox",
                        _("outbox %s has format version %u; this hcbus reads version %d"),
                        self->path, version, FORMAT_VERSION);
        return hcbus_error_hint(err, _("Flush it with the hcbus that wrote it, or move it aside."));
    }
    return 0;
}

/* The first offset after from where a valid record starts, or size. */
static uint64_t resync(const uint8_t *data, uint64_t size, uint64_t from)
{
    parsed_t r;
    for (uint64_t off = from; off + RECORD_HEAD + 2 <= size; off++)
        if (record_parse(data + off, size - off, &r))
            return off;
    return size;
}

/* Copy the file as found to PATH.corrupt-SECONDS before it is repaired. */
static int keep_aside(hcbus_outbox_t *self, const uint8_t *data, hcbus_outbox_recovery_t *rec,
                      hcbus_error_t *err)
{
    char aside[HCBUS_OUTBOX_PATH_MAX];
    snprintf(aside, sizeof aside, "%.4060s.corrupt-%lld", self->path,
             (long long)(hcbus_now_us() / 1000000));
    int fd = open(aside, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return io_error(err, "copy aside", aside);
    int rc = write_all(fd, data, (size_t)self->size, 0) == 0 && fdatasync(fd) == 0 ? 0 : -1;
    close(fd);
    if (rc != 0)
        return io_error(err, "copy aside", aside);
    snprintf(rec->corrupt_copy, sizeof rec->corrupt_copy, "%s", aside);
    return 0;
}

/* The whole file in memory. The writer maps it (it holds the lock: nobody else changes
 * the file); a reader copies it, since a writer opening meanwhile may truncate a torn
 * tail, and reading a mapping past a truncation is SIGBUS. NULL with errno. */
static uint8_t *file_map(hcbus_outbox_t *self)
{
    if (!self->readonly) {
        void *m = mmap(NULL, (size_t)self->size, PROT_READ, MAP_PRIVATE, self->fd, 0);
        return m == MAP_FAILED ? NULL : m;
    }
    uint8_t *copy = malloc((size_t)self->size);
    uint64_t got = 0;
    while (copy && got < self->size) { /* a file cut meanwhile is read as it is now */
        ssize_t n = pread(self->fd, copy + got, (size_t)(self->size - got), (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(copy);
            return NULL;
        }
        if (n == 0)
            break;
        got += (uint64_t)n;
    }
    self->size = got;
    return copy;
}

static void file_unmap(const hcbus_outbox_t *self, uint8_t *data)
{
    if (self->readonly)
        free(data);
    else
        munmap(data, (size_t)self->size);
}

/* Read every record, cut a torn tail, skip damage. Returns 0, or -1 + err. */
static int scan(hcbus_outbox_t *self, hcbus_outbox_recovery_t *rec, hcbus_error_t *err)
{
    if (self->size == 0)
        return self->readonly ? 0 : 1;
    /* The header first, from a few bytes: a big file that is no outbox is refused
     * before a reader copies it whole (file_map). */
    uint8_t head[HEADER_BYTES];
    size_t head_len = self->size < HEADER_BYTES ? (size_t)self->size : HEADER_BYTES;
    ssize_t got;
    while ((got = pread(self->fd, head, head_len, 0)) < 0 && errno == EINTR)
        ;
    if (got < 0)
        return io_error(err, "read", self->path);
    if ((size_t)got < head_len)
        self->size = (uint64_t)got; /* cut meanwhile: read as it is now */
    int rc = check_header(self, head, err);
    if (rc != 0)
        return rc < 0 ? -1 : (self->readonly ? 0 : 1);
    uint8_t *data = file_map(self);
    if (!data)
        return io_error(err, "read", self->path);
    if (self->size < HEADER_BYTES) { /* cut under a reader after the header was read */
        file_unmap(self, data);
        return self->readonly ? 0 : 1;
    }
    uint64_t off = HEADER_BYTES, end = self->size;
    parsed_t r;
    while (off < end) {
        if (record_parse(data + off, end - off, &r)) {
            if (apply(self, &r, off) != 0) {
                file_unmap(self, data);
                return hcbus_error_set(err, HCBUS_ENOMEM, "outbox", "out of memory reading %s",
                                       self->path);
            }
            off += r.total;
            continue;
        }
        uint64_t next = resync(data, end, off + 1);
        if (next == end) {
            rec->torn_bytes = end - off;
            end = off;
            break;
        }
        rec->corrupt_bytes += next - off;
        off = next;
    }
    rc = 0;
    if (rec->corrupt_bytes > 0 && !self->readonly)
        rc = keep_aside(self, data, rec, err);
    file_unmap(self, data);
    if (rc != 0 || self->readonly)
        return rc;
    if (rec->torn_bytes > 0) {
        if (ftruncate(self->fd, (off_t)end) != 0 || fdatasync(self->fd) != 0)
            return io_error(err, "repair", self->path);
        self->size = end;
    }
    return rec->corrupt_bytes > 0 ? 2 : 0;
}

hcbus_outbox_t *hcbus_outbox_open(const char *path, uint64_t max_bytes, int flags,
                                  hcbus_outbox_recovery_t *recovery, hcbus_error_t *err)
{
    hcbus_outbox_recovery_t ignored;
    hcbus_outbox_recovery_t *rec = recovery ? recovery : &ignored;
    memset(rec, 0, sizeof *rec);
    if (!path || !path[0] || strlen(path) >= HCBUS_OUTBOX_PATH_MAX - 32) {
        hcbus_error_set(err, HCBUS_EINVALID, "outbox", "the outbox path is empty or too long");
        return NULL;
    }
    if (max_bytes == 0)
        max_bytes = HCBUS_OUTBOX_MAX_BYTES_DEFAULT;
    if (max_bytes < HCBUS_OUTBOX_MAX_BYTES_MIN) {
        hcbus_error_set(err, HCBUS_EINVALID, "outbox_max_bytes",
                        "outbox_max_bytes %llu is under the minimum of %u",
                        (unsigned long long)max_bytes, HCBUS_OUTBOX_MAX_BYTES_MIN);
        return NULL;
    }
    hcbus_outbox_t *self = calloc(1, sizeof *self);
    if (!self) {
        hcbus_error_set(err, HCBUS_ENOMEM, "outbox", "out of memory for an outbox");
        return NULL;
    }
    snprintf(self->path, sizeof self->path, "%s", path);
    self->fd = self->lock_fd = -1;
    self->readonly = flags & HCBUS_OUTBOX_READONLY;
    self->max_bytes = max_bytes;
    if (!self->readonly) {
        char tmp[HCBUS_OUTBOX_PATH_MAX + 8];
        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        if (lock_take(self, err) != 0)
            goto fail;
        unlink(tmp); /* a compaction or creation cut short: the file itself is whole */
        if (access(path, F_OK) != 0 && create_empty(path, err) != 0)
            goto fail;
    }
    if (open_fd(self, err) != 0)
        goto fail;
    int rc = scan(self, rec, err);
    if (rc < 0)
        goto fail;
    if (rc == 1) { /* empty or torn at creation */
        rec->torn_bytes = self->size;
        close(self->fd);
        self->fd = -1;
        if (create_empty(path, err) != 0 || open_fd(self, err) != 0)
            goto fail;
    }
    if (rc == 2 && hcbus_outbox_compact(self, err) != 0)
        goto fail;
    self->recovery = *rec;
    return self;
fail:
    hcbus_outbox_close(&self);
    return NULL;
}

void hcbus_outbox_close(hcbus_outbox_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hcbus_outbox_t *self = *self_p;
    if (self->fd >= 0)
        close(self->fd);
    if (self->lock_fd >= 0)
        close(self->lock_fd); /* releases the lock */
    free(self->entries);
    free(self);
    *self_p = NULL;
}

/* ---- changes ------------------------------------------------------------------ */

static int writable(const hcbus_outbox_t *self, hcbus_error_t *err)
{
    if (!self)
        return hcbus_error_set(err, HCBUS_EINVALID, "outbox", "no outbox");
    if (self->readonly)
        return hcbus_error_set(err, HCBUS_EINVALID, "outbox", "outbox %s is open read-only",
                               self->path);
    return 0;
}

/* Append a sealed record; on a failure cut the file back so no torn record stays. */
static int append_record(hcbus_outbox_t *self, const uint8_t *r, size_t total, bool sync,
                         hcbus_error_t *err)
{
    if (write_all(self->fd, r, total, self->size) != 0 || (sync && fdatasync(self->fd) != 0)) {
        int rc = io_error(err, "write", self->path);
        int e = errno;
        if (ftruncate(self->fd, (off_t)self->size) != 0)
            errno = e;
        return rc;
    }
    self->size += total;
    return 0;
}

static uint64_t dead_bytes(const hcbus_outbox_t *self)
{
    return self->size - HEADER_BYTES - self->live_bytes;
}

static int full_error(const hcbus_outbox_t *self, size_t total, hcbus_error_t *err)
{
    hcbus_error_set(err, HCBUS_EFULL, "outbox",
                    _("outbox %s is full: %llu bytes (%zu messages waiting) and a message of %zu "
                      "bytes would pass its bound of %llu bytes"),
                    self->path, (unsigned long long)self->size, self->waiting, total,
                    (unsigned long long)self->max_bytes);
    return hcbus_error_hint(err, _("Nothing was queued. The messages waiting have not reached the "
                                   "broker: send them (hcbus outbox flush) when the link is back, "
                                   "or raise outbox_max_bytes."));
}

int hcbus_outbox_append(hcbus_outbox_t *self, const char *msg_id, int64_t queued_at_us,
                        const uint8_t *envelope, size_t len, hcbus_error_t *err)
{
    if (writable(self, err) != 0)
        return -1;
    if (!msg_id || !hcbus_id_well_formed(msg_id))
        return hcbus_error_set(err, HCBUS_EINVALID, "msg_id", "msg_id is not well formed");
    if (len == 0 || len > HCBUS_MESSAGE_MAX_BYTES)
        return hcbus_error_set(err, HCBUS_EINVALID, "outbox",
                               "a message of %zu bytes cannot be queued (1 to %d bytes)", len,
                               HCBUS_MESSAGE_MAX_BYTES);
    size_t total;
    uint8_t *r = record_new(TYPE_MESSAGE, msg_id, 12 + len, &total);
    if (!r)
        return hcbus_error_set(err, HCBUS_ENOMEM, "outbox", "out of memory for a message");
    if (self->size + total > self->max_bytes && dead_bytes(self) > 0 &&
        hcbus_outbox_compact(self, err) != 0) {
        free(r);
        return -1;
    }
    if (self->size + total > self->max_bytes) {
        free(r);
        return full_error(self, total, err);
    }
    uint8_t *b = r + RECORD_HEAD + 2 + strlen(msg_id);
    put_u64(b, (uint64_t)queued_at_us);
    put_u32(b + 8, 0);
    memcpy(b + 12, envelope, len);
    record_seal(r, total);
    parsed_t p = {.type = TYPE_MESSAGE, .total = (uint32_t)total,
                  .queued_at_us = queued_at_us, .env_len = (uint32_t)len};
    snprintf(p.msg_id, sizeof p.msg_id, "%s", msg_id);
    uint64_t offset = self->size;
    int rc = append_record(self, r, total, true, err);
    free(r);
    if (rc != 0)
        return -1;
    if (entry_add(self, &p, offset) != 0)
        return hcbus_error_set(err, HCBUS_ENOMEM, "outbox", "out of memory for the outbox index");
    return 0;
}

int hcbus_outbox_end(hcbus_outbox_t *self, const char *msg_id, uint64_t seq, int code,
                     hcbus_error_t *err)
{
    if (writable(self, err) != 0)
        return -1;
    entry_t *e = msg_id ? find_waiting(self, msg_id) : NULL;
    if (!e)
        return 0;
    size_t total;
    uint8_t *r = record_new(TYPE_END, msg_id, END_FIXED - 2, &total);
    if (!r)
        return hcbus_error_set(err, HCBUS_ENOMEM, "outbox", "out of memory for an end record");
    uint8_t *b = r + RECORD_HEAD + 2 + strlen(msg_id);
    put_u64(b, seq);
    put_u32(b + 8, (uint32_t)code);
    record_seal(r, total);
    int rc = append_record(self, r, total, false, err);
    free(r);
    if (rc != 0)
        return -1;
    entry_end(self, e);
    if (self->holes > self->count / 2)
        squeeze(self);
    uint64_t dead = dead_bytes(self);
    if (dead >= COMPACT_MIN_DEAD_BYTES && dead > self->live_bytes)
        return hcbus_outbox_compact(self, err);
    return 0;
}

static int read_envelope(hcbus_outbox_t *self, const entry_t *e, uint8_t **out,
                         hcbus_error_t *err)
{
    uint8_t *buf = malloc(e->env_len ? e->env_len : 1);
    if (!buf)
        return hcbus_error_set(err, HCBUS_ENOMEM, "outbox", "out of memory reading a message");
    if (read_all(self->fd, buf, e->env_len, e->offset + e->rec_len - e->env_len) != 0) {
        free(buf);
        return io_error(err, "read", self->path);
    }
    *out = buf;
    return 0;
}

int hcbus_outbox_take(hcbus_outbox_t *self, char *msg_id, uint8_t **envelope, size_t *len,
                      hcbus_error_t *err)
{
    if (writable(self, err) != 0)
        return -1;
    if (self->untaken == 0)
        return 0;
    entry_t *e = NULL;
    for (; self->take_from < self->count; self->take_from++)
        if (!self->entries[self->take_from].ended && !self->entries[self->take_from].taken) {
            e = &self->entries[self->take_from];
            break;
        }
    if (!e)
        return 0;
    if (read_envelope(self, e, envelope, err) != 0)
        return -1;
    size_t total;
    uint8_t *r = record_new(TYPE_ATTEMPT, e->msg_id, 0, &total);
    if (!r) {
        free(*envelope);
        return hcbus_error_set(err, HCBUS_ENOMEM, "outbox", "out of memory for an attempt");
    }
    record_seal(r, total);
    int rc = append_record(self, r, total, false, err);
    free(r);
    if (rc != 0) {
        free(*envelope);
        return -1;
    }
    e->attempts++;
    e->taken = true;
    self->untaken--;
    *len = e->env_len;
    memcpy(msg_id, e->msg_id, strlen(e->msg_id) + 1);
    return 1;
}

/* ---- reading ---------------------------------------------------------------------- */

size_t hcbus_outbox_waiting(const hcbus_outbox_t *self)
{
    return self ? self->waiting : 0;
}

size_t hcbus_outbox_untaken(const hcbus_outbox_t *self)
{
    return self ? self->untaken : 0;
}

uint64_t hcbus_outbox_bytes(const hcbus_outbox_t *self)
{
    return self ? self->size : 0;
}

uint64_t hcbus_outbox_max_bytes(const hcbus_outbox_t *self)
{
    return self ? self->max_bytes : 0;
}

const char *hcbus_outbox_path(const hcbus_outbox_t *self)
{
    return self ? self->path : "";
}

const hcbus_outbox_recovery_t *hcbus_outbox_recovery(const hcbus_outbox_t *self)
{
    return self ? &self->recovery : NULL;
}

int hcbus_outbox_entry(hcbus_outbox_t *self, size_t i, hcbus_outbox_entry_t *out,
                       uint8_t **envelope, hcbus_error_t *err)
{
    if (!self || i >= self->waiting)
        return hcbus_error_set(err, HCBUS_EINVALID, "outbox", "no waiting message %zu", i);
    if (self->holes)
        squeeze(self);
    const entry_t *e = &self->entries[i];
    out->msg_id = e->msg_id;
    out->queued_at_us = e->queued_at_us;
    out->attempts = e->attempts;
    out->envelope_len = e->env_len;
    return envelope ? read_envelope(self, e, envelope, err) : 0;
}

/* ---- compaction ------------------------------------------------------------------ */

/* Write the waiting messages' records, attempts folded in, to fd from the header on;
 * their new offsets go to offsets[]. */
static int write_live(hcbus_outbox_t *self, int fd, uint64_t *offsets, uint64_t *size,
                      hcbus_error_t *err)
{
    uint8_t h[HEADER_BYTES];
    header_bytes(h);
    if (write_all(fd, h, sizeof h, 0) != 0)
        return -1;
    uint64_t at = HEADER_BYTES;
    for (size_t i = 0; i < self->count; i++) {
        entry_t *e = &self->entries[i];
        uint8_t *r = malloc(e->rec_len);
        if (!r)
            return hcbus_error_set(err, HCBUS_ENOMEM, "outbox", "out of memory compacting");
        if (read_all(self->fd, r, e->rec_len, e->offset) != 0) {
            free(r);
            return io_error(err, "read", self->path);
        }
        put_u32(r + RECORD_HEAD + 2 + strlen(e->msg_id) + 8, e->attempts);
        record_seal(r, e->rec_len);
        int rc = write_all(fd, r, e->rec_len, at);
        free(r);
        if (rc != 0)
            return -1;
        offsets[i] = at;
        at += e->rec_len;
    }
    *size = at;
    return 0;
}

int hcbus_outbox_compact(hcbus_outbox_t *self, hcbus_error_t *err)
{
    if (writable(self, err) != 0)
        return -1;
    squeeze(self);
    char tmp[HCBUS_OUTBOX_PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", self->path);
    uint64_t *offsets = malloc((self->count ? self->count : 1) * sizeof *offsets);
    if (!offsets)
        return hcbus_error_set(err, HCBUS_ENOMEM, "outbox", "out of memory compacting");
    int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        free(offsets);
        return io_error(err, "compact", tmp);
    }
    uint64_t size = 0;
    hcbus_error_clear(err);
    if (write_live(self, fd, offsets, &size, err) != 0 || fdatasync(fd) != 0 ||
        rename(tmp, self->path) != 0) {
        int rc = err && err->code ? -1 : io_error(err, "compact", self->path);
        close(fd);
        unlink(tmp);
        free(offsets);
        return rc;
    }
    close(self->fd);
    self->fd = fd;
    self->size = size;
    for (size_t i = 0; i < self->count; i++)
        self->entries[i].offset = offsets[i];
    free(offsets);
    if (sync_dir(self->path) != 0)
        return io_error(err, "sync the directory of", self->path);
    return 0;
}
