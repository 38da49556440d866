/* note_check.c — checks auditd's tree heads as a reviewer would, for
 * test_audit_checkpoints (until `hcbus audit verify` does it for them), with libhcbus
 * tlog and nothing of auditd's:
 *
 *   note_check heads CONNINFO events|rejections [--key PUBFILE --origin ORIGIN]
 *     As role hcbus_reviewer: recomputes every leaf from the entry columns of
 *     review.log_entries (or review.rejection_entries) and checks it against the stored
 *     leaf_hash and the positions for holes; then, for each head of review.tree_heads in
 *     size order: its root is the root recomputed over the first tree_size leaves, its
 *     note (with --key) verifies with the verifier key, has ORIGIN and the head's size
 *     and root, and a consistency proof from the previous head verifies. Prints
 *       "head SIZE signed|unsigned consistent" per head, then "leaves N heads H".
 *     Exit 0 if all holds, 1 at the first problem (printed on stderr).
 *   note_check note PUBFILE ORIGIN < NOTE
 *     Verifies one exported checkpoint note; prints "SIZE ROOT_HEX".
 *   note_check entry-sql CONNINFO events|rejections
 *     As the owner: prints "N agree" if hcbus.event_entry / rejection_entry (migration
 *     009's SQL) give, for every row, the bytes tlog's entry encoder gives; else exit 1
 *     naming the first row that differs. */
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/tlog.h"

#define EVENTS_SQL                                                                                        \
    "SELECT seq, sender, msg_id, kind, topic, zone_id, subject, (extract(epoch FROM sent_at) * 1000000)::int8, " \
    "(extract(epoch FROM received_at) * 1000000)::int8, (extract(epoch FROM committed_at) * 1000000)::int8, "    \
    "summary, encode(payload_sha256, 'hex'), encode(leaf_hash, 'hex') FROM review.log_entries ORDER BY seq"
#define REJECTIONS_SQL                                                                                    \
    "SELECT id, (extract(epoch FROM at) * 1000000)::int8, (extract(epoch FROM last_at) * 1000000)::int8, "      \
    "repeats, institution, key_hint, action, topic, msg_id, code, field, reason, encode(leaf_hash, 'hex'), "     \
    "leaf_index FROM review.rejection_entries ORDER BY id"
#define HEADS_SQL                                                                                         \
    "SELECT tree_size, encode(root_hash, 'hex'), note FROM review.tree_heads WHERE log = $1 ORDER BY tree_size"
/* The SQL entries of migration 009, over the same rows. */
#define EVENTS_ENTRY_SQL                                                                                   \
    "SELECT seq, encode(hcbus.event_entry(seq, sender, msg_id, kind, topic, zone_id, subject, sent_at, "         \
    "received_at, committed_at, summary::text, sha256(payload)), 'hex') FROM hcbus.events ORDER BY seq"
#define REJECTIONS_ENTRY_SQL                                                                               \
    "SELECT r.id, encode(hcbus.rejection_entry(r.id, r.at, r.last_at, r.repeats, r.institution, r.key_hint, "    \
    "r.action, r.topic, r.msg_id, r.code, r.field, r.reason), 'hex') FROM hcbus.rejections r "                   \
    "JOIN hcbus.chain_formats f ON f.table_name = 'rejections' AND f.format = 1 WHERE r.id >= f.first_pos ORDER BY r.id"

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "note_check: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return 1;
}

static int hex_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Exactly 2 * n hex digits into out. */
static int from_hex(const char *hex, uint8_t *out, size_t n)
{
    if (strlen(hex) != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static void to_hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

/* Column col of row as a tlog value of kind k (NULL stays NULL). */
static hcbus_tlog_value_t col(const PGresult *res, int row, int c, hcbus_tlog_kind_t k)
{
    if (PQgetisnull(res, row, c))
        return hcbus_tlog_null();
    const char *v = PQgetvalue(res, row, c);
    switch (k) {
    case HCBUS_TLOG_INT: return hcbus_tlog_int(strtoll(v, NULL, 10));
    case HCBUS_TLOG_TIME: return hcbus_tlog_time(strtoll(v, NULL, 10));
    default: return hcbus_tlog_text(v);
    }
}

static int event_leaf(const PGresult *res, int r, hcbus_tlog_hash_t *leaf, hcbus_error_t *err)
{
    hcbus_tlog_event_t e = {
        .seq = col(res, r, 0, HCBUS_TLOG_INT), .sender = col(res, r, 1, HCBUS_TLOG_TEXT),
        .msg_id = col(res, r, 2, HCBUS_TLOG_TEXT), .kind = col(res, r, 3, HCBUS_TLOG_TEXT),
        .topic = col(res, r, 4, HCBUS_TLOG_TEXT), .zone_id = col(res, r, 5, HCBUS_TLOG_TEXT),
        .subject = col(res, r, 6, HCBUS_TLOG_TEXT), .sent_at = col(res, r, 7, HCBUS_TLOG_TIME),
        .received_at = col(res, r, 8, HCBUS_TLOG_TIME), .committed_at = col(res, r, 9, HCBUS_TLOG_TIME),
        .summary = col(res, r, 10, HCBUS_TLOG_TEXT),
    };
    if (from_hex(PQgetvalue(res, r, 11), e.payload_sha256, HCBUS_TLOG_HASH_BYTES) < 0)
        return hcbus_error_set(err, HCBUS_EINVALID, "payload_sha256", "not 32 bytes");
    return hcbus_tlog_event_leaf(&e, leaf, err);
}

static int rejection_leaf(const PGresult *res, int r, hcbus_tlog_hash_t *leaf, hcbus_error_t *err)
{
    hcbus_tlog_rejection_t j = {
        .id = col(res, r, 0, HCBUS_TLOG_INT), .at = col(res, r, 1, HCBUS_TLOG_TIME),
        .last_at = col(res, r, 2, HCBUS_TLOG_TIME), .repeats = col(res, r, 3, HCBUS_TLOG_INT),
        .institution = col(res, r, 4, HCBUS_TLOG_TEXT), .key_hint = col(res, r, 5, HCBUS_TLOG_TEXT),
        .action = col(res, r, 6, HCBUS_TLOG_TEXT), .topic = col(res, r, 7, HCBUS_TLOG_TEXT),
        .msg_id = col(res, r, 8, HCBUS_TLOG_TEXT), .code = col(res, r, 9, HCBUS_TLOG_TEXT),
        .field = col(res, r, 10, HCBUS_TLOG_TEXT), .reason = col(res, r, 11, HCBUS_TLOG_TEXT),
    };
    return hcbus_tlog_rejection_leaf(&j, leaf, err);
}

/* Every leaf recomputed from the view, checked against the stored one; *n of them. */
static hcbus_tlog_hash_t *read_leaves(PGconn *conn, int events, size_t *n)
{
    PGresult *res = PQexec(conn, events ? EVENTS_SQL : REJECTIONS_SQL);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fail("reading the entries: %s", PQerrorMessage(conn));
        PQclear(res);
        return NULL;
    }
    int rows = PQntuples(res);
    hcbus_tlog_hash_t *leaves = calloc(rows ? (size_t)rows : 1, sizeof *leaves);
    for (int r = 0; leaves && r < rows; r++) {
        hcbus_error_t err;
        hcbus_tlog_hash_t stored;
        long long pos = strtoll(PQgetvalue(res, r, 0), NULL, 10);
        long long want = events ? r + 1 : (long long)r;
        long long got = events ? pos : strtoll(PQgetvalue(res, r, 13), NULL, 10);
        int bad = got != want ? fail("position %s: %s", PQgetvalue(res, r, 0), "not where the tree expects it")
                  : (events ? event_leaf(res, r, &leaves[r], &err) : rejection_leaf(res, r, &leaves[r], &err)) < 0
                      ? fail("row %s: %s", PQgetvalue(res, r, 0), err.message)
                  : from_hex(PQgetvalue(res, r, 12), stored.b, HCBUS_TLOG_HASH_BYTES) < 0
                      ? fail("row %s: %s", PQgetvalue(res, r, 0), "no stored leaf_hash")
                  : memcmp(stored.b, leaves[r].b, HCBUS_TLOG_HASH_BYTES) != 0
                      ? fail("row %s: %s", PQgetvalue(res, r, 0), "the stored leaf_hash is not the entry's")
                      : 0;
        if (bad) {
            free(leaves);
            leaves = NULL;
        }
    }
    PQclear(res);
    *n = (size_t)rows;
    return leaves;
}

static int load_verifier(const char *path, hcbus_tlog_verifier_t *v)
{
    char text[HCBUS_TLOG_KEY_TEXT_MAX] = "";
    FILE *f = fopen(path, "r");
    size_t len = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    text[len] = '\0';
    hcbus_error_t err;
    if (hcbus_tlog_verifier_parse(text, v, &err) < 0)
        return fail("%s: %s", path, err.message);
    return 0;
}

/* One head: root, note, consistency with the previous one. */
static int check_head(const PGresult *res, int r, const hcbus_tlog_leaves_t *src, size_t n,
                      const hcbus_tlog_verifier_t *key, const char *origin, uint64_t *prev_size,
                      hcbus_tlog_hash_t *prev_root)
{
    const char *size_text = PQgetvalue(res, r, 0);
    uint64_t size = strtoull(size_text, NULL, 10);
    hcbus_tlog_hash_t stored, root;
    hcbus_error_t err;
    if (size > n)
        return fail("head %s: %s", size_text, "larger than the log");
    if (from_hex(PQgetvalue(res, r, 1), stored.b, HCBUS_TLOG_HASH_BYTES) < 0 ||
        hcbus_tlog_root(src, size, &root, &err) < 0 || memcmp(root.b, stored.b, HCBUS_TLOG_HASH_BYTES) != 0)
        return fail("head %s: %s", size_text, "its root is not the root of the leaves");
    int is_signed = !PQgetisnull(res, r, 2);
    if (key && !is_signed)
        return fail("head %s: %s", size_text, "unsigned");
    if (key) {
        hcbus_tlog_checkpoint_t cp;
        const char *note = PQgetvalue(res, r, 2);
        if (hcbus_tlog_checkpoint_open(note, strlen(note), origin, key, 1, &cp, &err) < 0)
            return fail("head %s: note: %s", size_text, err.message);
        if (cp.size != size || memcmp(cp.root.b, root.b, HCBUS_TLOG_HASH_BYTES) != 0)
            return fail("head %s: %s", size_text, "the note's size or root is not the head's");
    }
    hcbus_tlog_hash_t proof[HCBUS_TLOG_PROOF_MAX];
    size_t len;
    if (hcbus_tlog_consistency_proof(src, *prev_size, size, proof, &len, &err) < 0 ||
        hcbus_tlog_verify_consistency(*prev_size, size, prev_root, &root, proof, len, &err) < 0)
        return fail("head %s: consistency with the previous head: %s", size_text, err.message);
    printf("head %s %s consistent\n", size_text, is_signed ? "signed" : "unsigned");
    *prev_size = size;
    *prev_root = root;
    return 0;
}

static int cmd_heads(PGconn *conn, const char *log, const char *key_file, const char *origin)
{
    hcbus_tlog_verifier_t key;
    if (key_file && load_verifier(key_file, &key))
        return 1;
    size_t n;
    hcbus_tlog_hash_t *leaves = read_leaves(conn, strcmp(log, "events") == 0, &n);
    if (!leaves)
        return 1;
    const char *params[1] = {log};
    PGresult *res = PQexecParams(conn, HEADS_SQL, 1, NULL, params, NULL, NULL, 0);
    int rc = PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : fail("reading the heads: %s", PQerrorMessage(conn));
    hcbus_tlog_leaves_t src = {.array = leaves};
    uint64_t prev_size = 0;
    hcbus_tlog_hash_t prev_root;
    hcbus_tlog_empty_root(&prev_root);
    for (int r = 0; rc == 0 && r < PQntuples(res); r++)
        rc = check_head(res, r, &src, n, key_file ? &key : NULL, origin, &prev_size, &prev_root);
    if (rc == 0)
        printf("leaves %zu heads %d\n", n, PQntuples(res));
    PQclear(res);
    free(leaves);
    return rc;
}

static int cmd_note(const char *key_file, const char *origin)
{
    hcbus_tlog_verifier_t key;
    if (load_verifier(key_file, &key))
        return 1;
    static char note[HCBUS_TLOG_NOTE_MAX];
    size_t len = fread(note, 1, sizeof note - 1, stdin);
    hcbus_tlog_checkpoint_t cp;
    hcbus_error_t err;
    if (hcbus_tlog_checkpoint_open(note, len, origin, &key, 1, &cp, &err) < 0)
        return fail("%s: %s", err.field, err.message);
    char hex[2 * HCBUS_TLOG_HASH_BYTES + 1];
    to_hex(cp.root.b, HCBUS_TLOG_HASH_BYTES, hex);
    printf("%" PRIu64 " %s\n", cp.size, hex);
    return 0;
}

/* The SQL entries of 009 against tlog's, row by row. */
static int cmd_entry_sql(PGconn *conn, const char *log)
{
    int events = strcmp(log, "events") == 0;
    size_t n;
    hcbus_tlog_hash_t *leaves = read_leaves(conn, events, &n);
    PQclear(PQexec(conn, "RESET ROLE"));
    PGresult *res = PQexec(conn, events ? EVENTS_ENTRY_SQL : REJECTIONS_ENTRY_SQL);
    int rc = !leaves ? 1 : PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : fail("%s", PQerrorMessage(conn));
    if (rc == 0 && (size_t)PQntuples(res) != n)
        rc = fail("the tables and the views hold different rows");
    for (int r = 0; rc == 0 && r < PQntuples(res); r++) {
        const char *hex = PQgetvalue(res, r, 1);
        size_t len = strlen(hex) / 2;
        uint8_t *entry = malloc(len ? len : 1);
        hcbus_tlog_hash_t sql_leaf;
        if (!entry || from_hex(hex, entry, len) < 0)
            rc = fail("row %s: %s", PQgetvalue(res, r, 0), "bad hex");
        else
            hcbus_tlog_leaf_hash(entry, len, &sql_leaf);
        if (rc == 0 && memcmp(sql_leaf.b, leaves[r].b, HCBUS_TLOG_HASH_BYTES) != 0)
            rc = fail("row %s: %s", PQgetvalue(res, r, 0), "the SQL entry differs from tlog's");
        free(entry);
    }
    if (rc == 0)
        printf("%zu agree\n", n);
    PQclear(res);
    free(leaves);
    return rc;
}

static PGconn *connect_reviewer(const char *conninfo)
{
    PGconn *conn = PQconnectdb(conninfo);
    if (PQstatus(conn) != CONNECTION_OK) {
        fail("cannot connect: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    PGresult *res = PQexec(conn, "SET ROLE hcbus_reviewer");
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok) {
        fail("SET ROLE hcbus_reviewer: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "note") == 0)
        return cmd_note(argv[2], argv[3]);
    int heads = argc >= 4 && strcmp(argv[1], "heads") == 0, entry_sql = argc == 4 && strcmp(argv[1], "entry-sql") == 0;
    const char *key = NULL, *origin = NULL;
    if (heads && argc == 8 && strcmp(argv[4], "--key") == 0 && strcmp(argv[6], "--origin") == 0) {
        key = argv[5];
        origin = argv[7];
    } else if (heads && argc != 4) {
        heads = 0;
    }
    if ((!heads && !entry_sql) || (strcmp(argv[3], "events") != 0 && strcmp(argv[3], "rejections") != 0)) {
        fprintf(stderr, "usage: note_check heads CONNINFO events|rejections [--key PUBFILE --origin ORIGIN]\n"
                        "       note_check note PUBFILE ORIGIN < NOTE\n"
                        "       note_check entry-sql CONNINFO events|rejections\n");
        return 2;
    }
    PGconn *conn = connect_reviewer(argv[2]);
    if (!conn)
        return 1;
    int rc = heads ? cmd_heads(conn, argv[3], key, origin) : cmd_entry_sql(conn, argv[3]);
    PQfinish(conn);
    return rc;
}
