/* prove.c — `hcbus audit prove`: the Merkle proofs a reviewer can hand to an outsider.
 * prove SEQ: the inclusion proof of that event in a signed tree (an exported checkpoint,
 * or the newest signed head), checked against the signed root; prove --consistency A B:
 * the proof that the signed tree of size A is a prefix of the signed tree of size B,
 * checked against both roots. The leaves are recomputed from the rows (libhcbus tlog),
 * never taken from the stored leaf_hash, and held in memory: 32 bytes a leaf, at most
 * PROVE_LEAVES_MAX of them. */
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "common.h"
#include "cursor.h"
#include "db.h"
#include "hcbus/i18n.h"
#include "verify.h"

#define CMD "audit prove"
#define PROVE_LEAVES_MAX (UINT64_C(1) << 25) /* 32 Mi leaves = 1 GiB of hashes */
#define HEX_MAX (2 * HCBUS_TLOG_HASH_BYTES + 1)
#define SIZE_TEXT_MAX 24

static void help(void)
{
    printf("%s%s%s",
           _("usage: hcbus audit prove SEQ [--checkpoint FILE] [--rejections] [--log-key FILE] [--json]\n"
           "       hcbus audit prove --consistency A B [--rejections] [--log-key FILE] [--json]\n"
           "  SEQ: prints the inclusion proof of event SEQ (with --rejections: refused attempt\n"
           "  ID) in the signed tree of the exported checkpoint FILE, or of the newest signed\n"
           "  tree head, and checks it leads to the signed root.\n"
           "  --consistency A B: prints the proof that the signed tree of size A is the start\n"
           "  of the signed tree of size B (stored heads, or --checkpoint files of those sizes),\n"
           "  and checks it against both roots: nothing before A was changed when B was signed.\n"
           "  --checkpoint FILE     a checkpoint exported earlier (repeat for --consistency)\n"
           "  --rejections          the refused attempts' log instead of the events'\n"
           "  --log-key FILE        the log's verifier key (env HCBUS_AUDIT_LOG_KEY, else\n"
           "                        ./keys/auditd-log.pub when present)\n"
           "  --json                one JSON object instead of text\n"),
           _(AUDIT_DB_HELP),
           _("Exit: 0 proof checked, 1 it does not check (the log differs from what was signed:\n"
           "  run hcbus audit verify) or bad input, 2 usage, 3 database unreachable, 4 internal.\n"));
}

/* The leaves 0..n-1 recomputed from the rows. */
typedef struct leaves {
    const vlog_t *log;
    hcbus_tlog_hash_t *hash;
    uint64_t n, want;
    int64_t first_pos;
    char problem[VERIFY_MESSAGE_MAX];
} leaves_t;

static int on_leaf(void *arg, const char *const *values, int n)
{
    leaves_t *l = arg;
    vrow_t row;
    int rc = vrow_decode(l->log, values, n, 0, &row);
    if (rc < 0)
        return rc;
    if (l->n == 0)
        l->first_pos = l->log->kind == VLOG_EVENTS ? 1 : row.pos - row.index;
    if (row.pos != l->first_pos + (int64_t)l->n || l->n >= l->want) {
        snprintf(l->problem, sizeof l->problem, "%s %" PRId64 " is out of place (expected %" PRId64 ")",
                 l->log->pos_name, row.pos, l->first_pos + (int64_t)l->n);
        return 1;
    }
    l->hash[l->n++] = row.leaf;
    return 0;
}

/* Recompute the first `size` leaves. Returns 0, 1 (the log is not in order: printed), or
 * a negative exit code. */
static int load_leaves(PGconn *conn, const vlog_t *log, uint64_t size, leaves_t *l)
{
    memset(l, 0, sizeof *l);
    l->log = log;
    l->want = size;
    if (size > PROVE_LEAVES_MAX) {
        fprintf(stderr, "hcbus " CMD ": a tree of %" PRIu64 " leaves is more than this command holds (%" PRIu64 ")\n",
                size, PROVE_LEAVES_MAX);
        return -AUDIT_EXIT_BAD;
    }
    l->hash = malloc((size ? size : 1) * sizeof *l->hash);
    if (!l->hash) {
        fprintf(stderr, "hcbus " CMD ": out of memory for %" PRIu64 " leaf hashes\n", size);
        return -AUDIT_EXIT_INTERNAL;
    }
    char size_text[SIZE_TEXT_MAX];
    snprintf(size_text, sizeof size_text, "%" PRIu64, size);
    const char *params[] = {size_text};
    int rc = audit_cursor_each(CMD, conn, log->leaves_sql, 1, params, on_leaf, l, NULL);
    if (rc == 0 && l->n < size)
        snprintf(l->problem, sizeof l->problem, "the log has %" PRIu64 " rows, the signed tree %" PRIu64, l->n, size);
    if (rc >= 0 && l->problem[0]) {
        fprintf(stderr, "hcbus " CMD ": the %s log is not intact: %s; run hcbus audit verify\n", log->name, l->problem);
        return 1;
    }
    return rc;
}

/* The signed root of size `size` (0: the newest signed head): a --checkpoint file of that
 * size, else a stored head. Returns 0 with *a, or an exit code after printing. */
static int signed_root(PGconn *conn, const vlog_t *log, const anchors_in_t *in, uint64_t size, anchor_t *a)
{
    for (size_t i = 0; i < in->n_checkpoints[log->kind]; i++)
        if (size == 0 || in->checkpoints[log->kind][i].size == size) {
            *a = in->checkpoints[log->kind][i];
            return 0;
        }
    int rc = heads_find(conn, log, in, in->utc, size, a, NULL);
    if (rc < 0)
        return -rc;
    if (rc == 0) {
        if (size)
            fprintf(stderr, "hcbus " CMD ": the %s log has no tree head of size %" PRIu64 "\n", log->name, size);
        else
            fprintf(stderr, "hcbus " CMD ": the %s log has no signed tree head yet\n", log->name);
        fprintf(stderr, _("  hint: hcbus audit verify lists the tree heads it checked; give a size that has one, or "
                        "--checkpoint FILE\n"));
        return AUDIT_EXIT_BAD;
    }
    if (a->forged || !a->is_signed) {
        fprintf(stderr, "hcbus " CMD ": the %s of size %" PRIu64 " is not signed by the log key%s%s\n", a->source,
                a->size, a->forged ? ": " : "", a->forged ? a->why : "");
        return AUDIT_EXIT_BAD;
    }
    return 0;
}

static const char *hex(const hcbus_tlog_hash_t *h, char buf[HEX_MAX])
{
    return sodium_bin2hex(buf, HEX_MAX, h->b, sizeof h->b);
}

static json_t *json_hashes(const hcbus_tlog_hash_t *proof, size_t len)
{
    json_t *a = json_array();
    char buf[HEX_MAX];
    for (size_t i = 0; a && i < len; i++)
        json_array_append_new(a, json_string(hex(&proof[i], buf)));
    return a;
}

static void print_proof(const hcbus_tlog_hash_t *proof, size_t len)
{
    char buf[HEX_MAX];
    if (len == 0)
        printf(_("  proof      (empty)\n"));
    for (size_t i = 0; i < len; i++)
        printf("  %-10s %2zu. %s\n", i ? "" : "proof", i + 1, hex(&proof[i], buf));
}

static int print_json(json_t *o)
{
    if (!o) {
        fprintf(stderr, "hcbus " CMD ": out of memory\n");
        return AUDIT_EXIT_INTERNAL;
    }
    int rc = json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(o);
    printf("\n");
    return rc == 0 ? 0 : AUDIT_EXIT_INTERNAL;
}

/* After a proof was computed: print it (text or JSON) and say whether it checked. */
static int report(bool json, json_t *o, bool ok, const hcbus_error_t *err, const char *checked)
{
    int rc = json ? print_json(o) : 0;
    if (rc != 0)
        return rc;
    if (ok) {
        if (!json)
            printf(_("verified: %s\n"), checked);
        return AUDIT_EXIT_OK;
    }
    fprintf(stderr, "hcbus " CMD ": the proof does not check (%s): the log differs from what was signed; run hcbus "
                    "audit verify\n", err->message);
    return AUDIT_EXIT_BAD;
}

static int prove_inclusion(PGconn *conn, const vlog_t *log, const anchors_in_t *in, int64_t pos, bool json)
{
    anchor_t a;
    int rc = signed_root(conn, log, in, 0, &a);
    if (rc != 0)
        return rc;
    leaves_t l;
    rc = load_leaves(conn, log, a.size, &l);
    if (rc == 0 && (pos < l.first_pos || pos >= l.first_pos + (int64_t)a.size)) {
        fprintf(stderr, "hcbus " CMD ": %s %" PRId64 " is not in the %s of size %" PRIu64 " (%s %" PRId64
                        " to %" PRId64 ")\n",
                log->pos_name, pos, a.source, a.size, log->pos_name, l.first_pos, l.first_pos + (int64_t)a.size - 1);
        rc = AUDIT_EXIT_BAD;
    }
    hcbus_tlog_hash_t proof[HCBUS_TLOG_PROOF_MAX];
    size_t len = 0;
    hcbus_error_t err = {0};
    uint64_t index = rc == 0 ? (uint64_t)(pos - l.first_pos) : 0;
    hcbus_tlog_leaves_t src = {.array = l.hash};
    if (rc == 0 && hcbus_tlog_inclusion_proof(&src, index, a.size, proof, &len, &err) < 0) {
        print_error(CMD, &err);
        rc = AUDIT_EXIT_INTERNAL;
    }
    if (rc == 0) {
        bool ok = hcbus_tlog_verify_inclusion(index, a.size, &l.hash[index], proof, len, &a.root, &err) == 0;
        char leaf[HEX_MAX], root[HEX_MAX];
        json_t *o = NULL;
        if (json)
            o = json_pack("{s:s, s:s, s:I, s:I, s:s, s:I, s:s, s:s, s:o, s:b}", "log", log->name, "position_name",
                          log->pos_name, "position", (json_int_t)pos, "leaf_index", (json_int_t)index, "leaf_hash",
                          hex(&l.hash[index], leaf), "tree_size", (json_int_t)a.size, "root", hex(&a.root, root),
                          "signed_by", a.source, "proof", json_hashes(proof, len), "verified", ok);
        else {
            printf("%s %" PRId64 " of the %s log: leaf %" PRIu64 " of the tree of size %" PRIu64 " (%s)\n",
                   log->pos_name, pos, log->name, index, a.size, a.source);
            printf(_("  leaf hash  %s\n"), hex(&l.hash[index], leaf));
            print_proof(proof, len);
            printf(_("  root       %s\n"), hex(&a.root, root));
        }
        rc = report(json, o, ok, &err, "the proof leads from the row to the signed root");
    }
    free(l.hash);
    return rc == 1 ? AUDIT_EXIT_BAD : rc;
}

static int prove_consistency(PGconn *conn, const vlog_t *log, const anchors_in_t *in, uint64_t old_size,
                             uint64_t new_size, bool json)
{
    if (old_size == 0 || old_size > new_size) {
        fprintf(stderr, "hcbus " CMD ": --consistency A B needs 0 < A <= B (got %" PRIu64 " and %" PRIu64 ")\n",
                old_size, new_size);
        return AUDIT_EXIT_BAD;
    }
    anchor_t a, b;
    int rc = signed_root(conn, log, in, old_size, &a);
    if (rc == 0)
        rc = signed_root(conn, log, in, new_size, &b);
    if (rc != 0)
        return rc;
    leaves_t l;
    rc = load_leaves(conn, log, new_size, &l);
    hcbus_tlog_hash_t proof[HCBUS_TLOG_PROOF_MAX];
    size_t len = 0;
    hcbus_error_t err = {0};
    hcbus_tlog_leaves_t src = {.array = l.hash};
    if (rc == 0 && hcbus_tlog_consistency_proof(&src, old_size, new_size, proof, &len, &err) < 0) {
        print_error(CMD, &err);
        rc = AUDIT_EXIT_INTERNAL;
    }
    if (rc == 0) {
        bool ok = hcbus_tlog_verify_consistency(old_size, new_size, &a.root, &b.root, proof, len, &err) == 0;
        char ra[HEX_MAX], rb[HEX_MAX];
        json_t *o = NULL;
        if (json)
            o = json_pack("{s:s, s:I, s:s, s:s, s:I, s:s, s:s, s:o, s:b}", "log", log->name, "old_size",
                          (json_int_t)old_size, "old_root", hex(&a.root, ra), "old_signed_by", a.source, "new_size",
                          (json_int_t)new_size, "new_root", hex(&b.root, rb), "new_signed_by", b.source, "proof",
                          json_hashes(proof, len), "verified", ok);
        else {
            printf("the %s log's tree of size %" PRIu64 " is the start of its tree of size %" PRIu64 "\n", log->name,
                   old_size, new_size);
            printf(_("  old root   %s (%s)\n"), hex(&a.root, ra), a.source);
            printf(_("  new root   %s (%s)\n"), hex(&b.root, rb), b.source);
            print_proof(proof, len);
        }
        rc = report(json, o, ok, &err, "the proof leads to both signed roots");
    }
    free(l.hash);
    return rc == 1 ? AUDIT_EXIT_BAD : rc;
}

static int parse_size(const char *what, const char *text, uint64_t *out)
{
    long v = 0;
    if (parse_count(CMD, what, text, INT64_MAX, &v) < 0)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

int audit_prove(int argc, char **argv)
{
    static const struct option options[] = {AUDIT_LONG_OPTIONS,
                                            {"checkpoint", required_argument, NULL, 0},
                                            {"consistency", no_argument, NULL, 0},
                                            {"rejections", no_argument, NULL, 0},
                                            {"log-key", required_argument, NULL, 0},
                                            {NULL, 0, NULL, 0}};
    audit_opts_t opts = {0};
    const char *key = NULL;
    const vlog_t *log = &vlog_events;
    bool consistency = false;
    char **files = calloc((size_t)argc + 1, sizeof *files);
    size_t n_files = 0;
    if (!files) {
        fprintf(stderr, "hcbus " CMD ": out of memory\n");
        return AUDIT_EXIT_INTERNAL;
    }
    int c, index, rc = -1;
    optind = 1;
    while (rc < 0 && (c = cli_getopt(argc, argv, "h", options, &index)) != -1) {
        const char *name = c == 0 ? options[index].name : "";
        if (c == 'h') {
            help();
            rc = AUDIT_EXIT_OK;
        } else if (c != 0) {
            rc = bad_flag(CMD, argv);
        } else if (strcmp(name, "checkpoint") == 0) {
            files[n_files++] = optarg;
        } else if (strcmp(name, "consistency") == 0) {
            consistency = true;
        } else if (strcmp(name, "rejections") == 0) {
            log = &vlog_rejections;
        } else if (strcmp(name, "log-key") == 0) {
            key = optarg;
        } else if (audit_opt_take(CMD, &opts, name, optarg) < 0) {
            rc = AUDIT_EXIT_USAGE;
        }
    }
    uint64_t a = 0, b = 0;
    int want = consistency ? 2 : 1;
    if (rc < 0 && argc - optind != want)
        rc = usage_error(CMD, consistency ? "--consistency needs two sizes A B" : "give one %s", log->pos_name);
    if (rc < 0 && (parse_size(consistency ? "A" : log->pos_name, argv[optind], &a) < 0 ||
                   (consistency && parse_size("B", argv[optind + 1], &b) < 0)))
        rc = AUDIT_EXIT_USAGE;
    if (rc < 0 && opts.format == AUDIT_FORMAT_CSV)
        rc = usage_error(CMD, _("--csv is not an output of prove (text, or --json)"));
    if (!key)
        key = verify_key_file();
    if (rc < 0 && !key)
        rc = usage_error(CMD, "no log key: give --log-key FILE (keys/auditd-log.pub, from the operator), or set "
                              VERIFY_KEY_ENV);
    anchors_in_t in = {.utc = opts.utc};
    if (rc < 0) {
        int r = anchors_load_key(CMD, key, &in);
        if (r == 0)
            r = anchors_load_files(files, n_files, &in);
        if (r < 0)
            rc = -r;
    }
    PGconn *conn = NULL;
    if (rc < 0) {
        int code = audit_db_connect(CMD, opts.db, &conn);
        if (code != 0)
            rc = code;
    }
    if (rc < 0) {
        bool as_json = opts.format == AUDIT_FORMAT_JSON;
        rc = consistency ? prove_consistency(conn, log, &in, a, b, as_json)
                         : prove_inclusion(conn, log, &in, (int64_t)a, as_json);
    }
    fflush(stdout);
    if (conn)
        PQfinish(conn);
    anchors_free(&in);
    free(files);
    return rc;
}
