/* heads.c — the tree heads hcbus-auditd stored (review.tree_heads), read in size order a
 * page at a time inside the caller's transaction, each turned into an anchor: its size
 * and root, and whether its note is signed by the log key and says what its columns
 * say. An unsigned head (note NULL: auditd ran without a log key) is an anchor too, but
 * counted apart, since anyone who can write the table can write one. */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "hcbus/i18n.h"
#include "timefmt.h"
#include "verify.h"

#define HEADS_PAGE_ROWS 1000
#define HEADS_PAGE_TEXT "1000"
#define SIZE_TEXT_MAX 24
#define HEADS_FROM                                                                                    \
    "SELECT tree_size, encode(root_hash, 'hex'), note, " AUDIT_SQL_US("created_at") " "                \
    "FROM review.tree_heads WHERE log = $1 "
#define HEADS_SQL HEADS_FROM "AND tree_size > $2::int8 ORDER BY tree_size LIMIT " HEADS_PAGE_TEXT
#define HEAD_AT_SQL HEADS_FROM "AND tree_size = $2::int8"
#define HEAD_LATEST_SQL HEADS_FROM "AND note IS NOT NULL ORDER BY tree_size DESC LIMIT 1"
enum { H_SIZE, H_ROOT, H_NOTE, H_CREATED };

void heads_init(heads_t *h, const vlog_t *log)
{
    memset(h, 0, sizeof *h);
    h->log = log;
}

void heads_fini(heads_t *h)
{
    PQclear(h->page);
    h->page = NULL;
}

static int read_page(PGconn *conn, heads_t *h)
{
    char after[SIZE_TEXT_MAX];
    snprintf(after, sizeof after, "%" PRIu64, h->after);
    const char *params[] = {h->log->name, after};
    PQclear(h->page);
    h->page = PQexecParams(conn, HEADS_SQL, 2, NULL, params, NULL, NULL, 0);
    h->next = 0;
    if (PQresultStatus(h->page) != PGRES_TUPLES_OK) {
        int code = audit_db_error(VERIFY_CMD, conn, h->page, N_("cannot read review.tree_heads"));
        PQclear(h->page);
        h->page = NULL;
        return -code;
    }
    h->done = PQntuples(h->page) < HEADS_PAGE_ROWS;
    return 0;
}

/* Fill a from the note: signed by the key, for this log's origin, saying the columns'
 * size and root; else mark it forged with the reason. */
static void check_note(const anchors_in_t *in, const vlog_t *log, const char *note, anchor_t *a)
{
    hcbus_tlog_checkpoint_t cp;
    hcbus_error_t err;
    if (hcbus_tlog_checkpoint_open(note, strlen(note), NULL, &in->key, 1, &cp, &err) < 0) {
        a->forged = true;
        snprintf(a->why, sizeof a->why, "%s", err.message);
        return;
    }
    if (origin_log(cp.origin) != log->kind) {
        a->forged = true;
        snprintf(a->why, sizeof a->why, "its note is a checkpoint of the other log (origin %s)", cp.origin);
        return;
    }
    if (cp.size != a->size || memcmp(cp.root.b, a->root.b, VERIFY_HASH_BYTES) != 0) {
        a->forged = true;
        snprintf(a->why, sizeof a->why, "its signed note says size %" PRIu64 " and another root than its columns",
                 cp.size);
        return;
    }
    a->is_signed = true;
}

/* Row r of res (HEADS_COLUMNS) as an anchor; the note checked when in is not NULL. */
static void row_anchor(const PGresult *res, int r, const vlog_t *log, const anchors_in_t *in, bool utc, anchor_t *a)
{
    memset(a, 0, sizeof *a);
    a->size = strtoull(PQgetvalue(res, r, H_SIZE), NULL, 10);
    const char *hex = PQgetvalue(res, r, H_ROOT);
    size_t len = 0;
    if (sodium_hex2bin(a->root.b, sizeof a->root.b, hex, strlen(hex), NULL, &len, NULL) != 0 ||
        len != VERIFY_HASH_BYTES) {
        a->forged = true;
        snprintf(a->why, sizeof a->why, "its root_hash is not 32 bytes");
    }
    char when[64];
    audit_time_format_text(PQgetvalue(res, r, H_CREATED), utc, false, when, sizeof when);
    bool has_note = !PQgetisnull(res, r, H_NOTE);
    snprintf(a->source, sizeof a->source, "%s tree head of %s", has_note ? "signed" : "unsigned", when);
    if (has_note && !a->forged && in)
        check_note(in, log, PQgetvalue(res, r, H_NOTE), a);
}

int heads_next(PGconn *conn, heads_t *h, const anchors_in_t *in, anchor_t *a)
{
    if (!h->page || h->next >= PQntuples(h->page)) {
        if (h->page && h->done)
            return 0;
        int rc = read_page(conn, h);
        if (rc < 0)
            return rc;
        if (PQntuples(h->page) == 0)
            return 0;
    }
    int r = h->next++;
    row_anchor(h->page, r, h->log, in, in->utc, a);
    h->after = a->size;
    return 1;
}

int heads_find(PGconn *conn, const vlog_t *log, const anchors_in_t *in, bool utc, uint64_t size, anchor_t *a,
               char **note)
{
    char size_text[SIZE_TEXT_MAX];
    snprintf(size_text, sizeof size_text, "%" PRIu64, size);
    const char *params[] = {log->name, size_text};
    PGresult *res = size ? PQexecParams(conn, HEAD_AT_SQL, 2, NULL, params, NULL, NULL, 0)
                         : PQexecParams(conn, HEAD_LATEST_SQL, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        int code = audit_db_error(VERIFY_CMD, conn, res, N_("cannot read review.tree_heads"));
        PQclear(res);
        return -code;
    }
    int found = PQntuples(res) > 0;
    if (found)
        row_anchor(res, 0, log, in, utc, a);
    if (found && note) {
        *note = NULL;
        if (!PQgetisnull(res, 0, H_NOTE) && !(*note = strdup(PQgetvalue(res, 0, H_NOTE)))) {
            fprintf(stderr, "hcbus " VERIFY_CMD ": out of memory\n");
            found = -AUDIT_EXIT_INTERNAL;
        }
    }
    PQclear(res);
    return found;
}
