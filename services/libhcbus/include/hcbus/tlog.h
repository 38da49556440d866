/* tlog.h — the audit log as a transparency log: RFC 6962 / RFC 9162 Merkle trees
 * (leaf and node hashes, a frontier to append leaves and get roots, inclusion and
 * consistency proofs and their verification), the exact leaf entries of an
 * hcbus.events row and an hcbus.rejections row, and C2SP signed notes
 * (c2sp.org/signed-note) carrying tlog checkpoints (c2sp.org/tlog-checkpoint), signed
 * with Ed25519 keys written as golang.org/x/mod/sumdb/note key texts.
 * Everything here is pure computation: no database, no files, nothing printed.
 * The entry format is documented in docs/audit.md "The Merkle tree"; why these formats
 * in docs/decisions/0013-transparency-log.md. Sources: services/libhcbus/tlog/. */
#ifndef HCBUS_TLOG_H
#define HCBUS_TLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hcbus/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- Merkle tree */

#define HCBUS_TLOG_HASH_BYTES 32
/* A tree has fewer than 2^64 leaves, so at most 64 perfect subtrees in its frontier,
 * at most 64 hashes in an inclusion proof and 65 in a consistency proof. */
#define HCBUS_TLOG_FRONTIER_MAX 64
#define HCBUS_TLOG_PROOF_MAX 66

typedef struct hcbus_tlog_hash {
    uint8_t b[HCBUS_TLOG_HASH_BYTES];
} hcbus_tlog_hash_t;

/* SHA-256(0x00 || entry): the hash of one leaf (RFC 9162 2.1.1). */
void hcbus_tlog_leaf_hash(const uint8_t *entry, size_t len, hcbus_tlog_hash_t *out);

/* SHA-256(0x01 || left || right): an interior node. */
void hcbus_tlog_node_hash(const hcbus_tlog_hash_t *left, const hcbus_tlog_hash_t *right, hcbus_tlog_hash_t *out);

/* SHA-256(""): the root of the empty tree. */
void hcbus_tlog_empty_root(hcbus_tlog_hash_t *out);

/* The right border of a tree: for every bit i set in size, the root of the perfect
 * subtree of 2^i leaves that it stands for (nodes[i]); other slots are unused. Plain
 * data (copy it, keep it on the stack); start it with hcbus_tlog_frontier_init. */
typedef struct hcbus_tlog_frontier {
    uint64_t size;                                  /* leaves appended */
    hcbus_tlog_hash_t nodes[HCBUS_TLOG_FRONTIER_MAX];
} hcbus_tlog_frontier_t;

/* An empty frontier (size 0). */
void hcbus_tlog_frontier_init(hcbus_tlog_frontier_t *f);

/* Append one leaf hash. Returns 0, or -1 (HCBUS_ETOOLARGE) when the tree already holds
 * 2^64 - 1 leaves. At most 64 node hashes per call, one on average. */
int hcbus_tlog_frontier_append(hcbus_tlog_frontier_t *f, const hcbus_tlog_hash_t *leaf, hcbus_error_t *err);

/* The root of the tree of f->size leaves (the empty root for 0). */
void hcbus_tlog_frontier_root(const hcbus_tlog_frontier_t *f, hcbus_tlog_hash_t *out);

/* Where proofs read leaf hashes: a callback that fills *out with the hash of leaf
 * index (0-based) and returns 0, or returns -1 with err filled (the error is passed
 * on as is). Proof generation reads each leaf of the tree at most once per proof
 * (O(size) reads): keep the hashes in memory or fetch them in bulk behind the callback. */
typedef int (*hcbus_tlog_leaf_fn)(void *ctx, uint64_t index, hcbus_tlog_hash_t *out, hcbus_error_t *err);

typedef struct hcbus_tlog_leaves {
    hcbus_tlog_leaf_fn fn;       /* either a callback ... */
    void *ctx;
    const hcbus_tlog_hash_t *array; /* ... or an array of at least size hashes (fn NULL) */
} hcbus_tlog_leaves_t;

/* The root of the first size leaves of src. Returns 0 or -1 with err. */
int hcbus_tlog_root(const hcbus_tlog_leaves_t *src, uint64_t size, hcbus_tlog_hash_t *out, hcbus_error_t *err);

/* The inclusion proof of leaf index in the tree of size leaves (RFC 9162 2.1.3.1),
 * into proof[HCBUS_TLOG_PROOF_MAX], its length in *len. index < size, else -1
 * (HCBUS_EINVALID). */
int hcbus_tlog_inclusion_proof(const hcbus_tlog_leaves_t *src, uint64_t index, uint64_t size,
                               hcbus_tlog_hash_t *proof, size_t *len, hcbus_error_t *err);

/* Check that leaf is leaf index of the tree of size leaves whose root is root, given
 * the proof (RFC 9162 2.1.3.2). Returns 0, or -1 with err: HCBUS_EINVALID for an index
 * out of range or a proof of the wrong length, HCBUS_EUNAUTHORIZED when the proof does
 * not lead to root. */
int hcbus_tlog_verify_inclusion(uint64_t index, uint64_t size, const hcbus_tlog_hash_t *leaf,
                                const hcbus_tlog_hash_t *proof, size_t len, const hcbus_tlog_hash_t *root,
                                hcbus_error_t *err);

/* The consistency proof between the trees of old_size and new_size leaves (RFC 9162
 * 2.1.4.1); empty when old_size is 0 or equal to new_size. old_size <= new_size, else
 * -1 (HCBUS_EINVALID). */
int hcbus_tlog_consistency_proof(const hcbus_tlog_leaves_t *src, uint64_t old_size, uint64_t new_size,
                                 hcbus_tlog_hash_t *proof, size_t *len, hcbus_error_t *err);

/* Check that the tree of old_size leaves with root old_root is a prefix of the tree of
 * new_size leaves with root new_root (RFC 9162 2.1.4.2). old_size 0 needs an empty proof
 * and old_root = the empty root; equal sizes an empty proof and equal roots. Returns 0,
 * or -1 with err: HCBUS_EINVALID for sizes out of order or a proof of the wrong length,
 * HCBUS_EUNAUTHORIZED when the proof does not lead to both roots. */
int hcbus_tlog_verify_consistency(uint64_t old_size, uint64_t new_size, const hcbus_tlog_hash_t *old_root,
                                  const hcbus_tlog_hash_t *new_root, const hcbus_tlog_hash_t *proof, size_t len,
                                  hcbus_error_t *err);

/* ---------------------------------------------------------------- Leaf entries */

/* Format tags, the first field of every entry. */
#define HCBUS_TLOG_EVENTS_LEAF "hcbus.events leaf 1"
#define HCBUS_TLOG_REJECTIONS_LEAF "hcbus.rejections leaf 1"

/* One column's value, typed as PostgreSQL stores it. Encoded as in the hash chain's
 * format 2: F(x) = x's length as 4 bytes big-endian then x's bytes, F(NULL) = ff ff ff ff;
 * int: 8 bytes big-endian; time: microseconds since 1970-01-01 UTC as 8 bytes
 * big-endian; text: its UTF-8 bytes, where every byte that does not start a valid
 * UTF-8 sequence becomes '?' (what auditd stores; text read back from PostgreSQL is
 * always valid UTF-8 and is encoded unchanged); bytes as they are. */
typedef enum {
    HCBUS_TLOG_NULL = 0,
    HCBUS_TLOG_TEXT,
    HCBUS_TLOG_INT,
    HCBUS_TLOG_TIME,
    HCBUS_TLOG_BYTES,
} hcbus_tlog_kind_t;

typedef struct hcbus_tlog_value {
    hcbus_tlog_kind_t kind;
    const char *text;      /* TEXT: NUL-terminated, borrowed */
    int64_t num;           /* INT; TIME in µs since 1970 UTC */
    const uint8_t *bytes;  /* BYTES, borrowed */
    size_t len;
} hcbus_tlog_value_t;

/* Constructors. hcbus_tlog_text(NULL) is NULL; times are never NULL here (use
 * hcbus_tlog_null for a NULL timestamptz). */
hcbus_tlog_value_t hcbus_tlog_null(void);
hcbus_tlog_value_t hcbus_tlog_text(const char *s);
hcbus_tlog_value_t hcbus_tlog_int(int64_t v);
hcbus_tlog_value_t hcbus_tlog_time(int64_t t_us);
hcbus_tlog_value_t hcbus_tlog_bytes(const uint8_t *bytes, size_t len);

/* An hcbus.events row as its leaf entry covers it, in entry order. seq is INT; sender,
 * msg_id, kind, topic, zone_id, subject and summary (the jsonb as PostgreSQL prints it,
 * summary::text) TEXT; sent_at, received_at, committed_at TIME; any may be NULL (a
 * value of another kind is refused, naming the column). The payload enters as its
 * SHA-256 (hcbus_tlog_payload_sha256), so whoever may not read payloads can still
 * verify them through the digest. */
typedef struct hcbus_tlog_event {
    hcbus_tlog_value_t seq, sender, msg_id, kind, topic, zone_id, subject;
    hcbus_tlog_value_t sent_at, received_at, committed_at, summary;
    uint8_t payload_sha256[HCBUS_TLOG_HASH_BYTES];
} hcbus_tlog_event_t;

/* An hcbus.rejections row, every column in entry order: id, repeats INT; at, last_at
 * TIME; institution, key_hint, action, topic, msg_id, code, field, reason TEXT. */
typedef struct hcbus_tlog_rejection {
    hcbus_tlog_value_t id, at, last_at, repeats, institution, key_hint, action, topic, msg_id, code, field, reason;
} hcbus_tlog_rejection_t;

/* SHA-256(payload || more): the stored payload given in one or two pieces (auditd
 * holds the envelope and the appended seq field apart); more may be NULL. */
void hcbus_tlog_payload_sha256(const uint8_t *payload, size_t len, const uint8_t *more, size_t more_len,
                               uint8_t out[HCBUS_TLOG_HASH_BYTES]);

/* The entry bytes of a row, malloc'ed into *entry (the caller frees), length in *len.
 * Returns 0, or -1 with err (HCBUS_EINVALID naming the column of a wrong kind or a
 * value over 4 GiB, HCBUS_ENOMEM). */
int hcbus_tlog_event_entry(const hcbus_tlog_event_t *row, uint8_t **entry, size_t *len, hcbus_error_t *err);
int hcbus_tlog_rejection_entry(const hcbus_tlog_rejection_t *row, uint8_t **entry, size_t *len, hcbus_error_t *err);

/* The leaf hash of a row, SHA-256(0x00 || entry), without building the entry. */
int hcbus_tlog_event_leaf(const hcbus_tlog_event_t *row, hcbus_tlog_hash_t *out, hcbus_error_t *err);
int hcbus_tlog_rejection_leaf(const hcbus_tlog_rejection_t *row, hcbus_tlog_hash_t *out, hcbus_error_t *err);

/* ---------------------------------------------------------------- Signed notes */

#define HCBUS_TLOG_KEY_NAME_MAX 128  /* bytes of a key name */
#define HCBUS_TLOG_KEY_TEXT_MAX 256  /* a signer or verifier key text, with its NUL */
#define HCBUS_TLOG_NOTE_MAX 65536    /* bytes of a signed note */
#define HCBUS_TLOG_NOTE_SIGS_MAX 100 /* signature lines in a note (as Go's note package) */
#define HCBUS_TLOG_ORIGIN_MAX 256    /* bytes of a checkpoint origin */

/* A signer key: "PRIVATE+KEY+<name>+<8 hex key id>+<base64(0x01 || Ed25519 seed)>". */
typedef struct hcbus_tlog_signer {
    char name[HCBUS_TLOG_KEY_NAME_MAX + 1];
    uint32_t key_id;  /* SHA-256(name || "\n" || 0x01 || public key)[0:4], big-endian */
    uint8_t public_key[32];
    uint8_t secret_key[64];  /* libsodium's seed || public key */
} hcbus_tlog_signer_t;

/* A verifier key: "<name>+<8 hex key id>+<base64(0x01 || Ed25519 public key)>". */
typedef struct hcbus_tlog_verifier {
    char name[HCBUS_TLOG_KEY_NAME_MAX + 1];
    uint32_t key_id;
    uint8_t public_key[32];
} hcbus_tlog_verifier_t;

/* A new Ed25519 key pair named name (1..128 bytes of UTF-8 without spaces, control
 * characters or '+'), as its signer key text (keep it secret) and verifier key text,
 * each into a buffer of HCBUS_TLOG_KEY_TEXT_MAX bytes, no newline. Returns 0 or -1
 * (HCBUS_EINVALID naming the name's problem). */
int hcbus_tlog_keygen(const char *name, char signer_text[HCBUS_TLOG_KEY_TEXT_MAX],
                      char verifier_text[HCBUS_TLOG_KEY_TEXT_MAX], hcbus_error_t *err);

/* Parse a key text (one trailing "\n" allowed, as read from a key file). The key id is
 * checked against the key. Returns 0 or -1 with err (HCBUS_EMALFORMED) saying which
 * part is wrong. Clear a signer with sodium_memzero when done. */
int hcbus_tlog_signer_parse(const char *text, hcbus_tlog_signer_t *out, hcbus_error_t *err);
int hcbus_tlog_verifier_parse(const char *text, hcbus_tlog_verifier_t *out, hcbus_error_t *err);

/* The verifier key text of a signer, into a buffer of HCBUS_TLOG_KEY_TEXT_MAX bytes. */
void hcbus_tlog_verifier_text(const hcbus_tlog_signer_t *signer, char out[HCBUS_TLOG_KEY_TEXT_MAX]);

/* A signature line of a note: "— <name> <base64(key id || signature)>". */
#define HCBUS_TLOG_SIG_MAX 128 /* bytes after the key id (Ed25519: 64; a cosignature: 72) */
typedef struct hcbus_tlog_note_sig {
    char name[HCBUS_TLOG_KEY_NAME_MAX + 1];
    uint32_t key_id;
    uint8_t sig[HCBUS_TLOG_SIG_MAX];
    size_t sig_len;  /* bytes after the key id, 1..HCBUS_TLOG_SIG_MAX */
} hcbus_tlog_note_sig_t;

/* A parsed note: text is the signed text (ending in "\n"), then its signature lines. */
typedef struct hcbus_tlog_note {
    char *text;
    size_t text_len;
    size_t nsigs;
    hcbus_tlog_note_sig_t sigs[HCBUS_TLOG_NOTE_SIGS_MAX];
} hcbus_tlog_note_t;

/* Sign text (non-empty UTF-8 ending in "\n", no control characters but "\n") with
 * signer: *note (malloc'ed, NUL-terminated, the caller frees) = text "\n" signature
 * line. Returns 0 or -1 with err. */
int hcbus_tlog_note_sign(const char *text, const hcbus_tlog_signer_t *signer, char **note, hcbus_error_t *err);

/* Parse a signed note of len bytes strictly (c2sp.org/signed-note): valid UTF-8, no
 * control characters but "\n", a text ending in "\n", a blank line, then 1..100 lines
 * "— <name> <base64>\n" whose base64 is canonical and holds the 4-byte key id and
 * 1..HCBUS_TLOG_SIG_MAX signature bytes. Returns a malloc'ed note (free with
 * hcbus_tlog_note_free) or NULL with err (HCBUS_EMALFORMED, field "note", the message
 * says what: "missing blank line before the signatures", "bad base64 in signature line
 * 2", ...). */
hcbus_tlog_note_t *hcbus_tlog_note_parse(const char *msg, size_t len, hcbus_error_t *err);

/* Free a note and set *note to NULL. */
void hcbus_tlog_note_free(hcbus_tlog_note_t **note);

/* Check note's signatures against the verifiers (one or more keys): every signature
 * whose name and key id match a verifier must verify, and at least one must. Returns 0
 * or -1 with err: HCBUS_EUNAUTHORIZED with "unknown key" (no signature by any of the
 * keys: the message names the keys that did sign) or "bad signature" (naming the key). */
int hcbus_tlog_note_verify(const hcbus_tlog_note_t *note, const hcbus_tlog_verifier_t *verifiers, size_t n,
                           hcbus_error_t *err);

/* A tree head: the body of a checkpoint note is "<origin>\n<size>\n<base64 root>\n". */
typedef struct hcbus_tlog_checkpoint {
    char origin[HCBUS_TLOG_ORIGIN_MAX + 1];
    uint64_t size;
    hcbus_tlog_hash_t root;
} hcbus_tlog_checkpoint_t;

/* Origins of hcbus's two logs (the defaults of auditd.log_origin). */
#define HCBUS_TLOG_ORIGIN_EVENTS "hcbus.sv/audit"
#define HCBUS_TLOG_ORIGIN_REJECTIONS "hcbus.sv/rejections"

/* Sign a checkpoint: *note (malloc'ed, the caller frees) is its signed note. The origin
 * must be non-empty UTF-8 without control characters. Returns 0 or -1 with err. */
int hcbus_tlog_checkpoint_sign(const hcbus_tlog_checkpoint_t *cp, const hcbus_tlog_signer_t *signer, char **note,
                               hcbus_error_t *err);

/* Parse a checkpoint body (a note's text): exactly the three lines origin, size
 * (decimal, no sign or leading zero) and root (base64 of 32 bytes), then optional
 * non-empty extension lines, which are ignored. Returns 0 or -1 with err
 * (HCBUS_EMALFORMED, field "checkpoint.origin" / ".size" / ".root"). */
int hcbus_tlog_checkpoint_parse(const char *text, size_t len, hcbus_tlog_checkpoint_t *out, hcbus_error_t *err);

/* Parse, verify and read a signed checkpoint note in one step: note syntax, a valid
 * signature by one of the verifiers, the body, and (origin not NULL) its origin equal
 * to origin (else HCBUS_EINVALID "origin mismatch", field "checkpoint.origin"). */
int hcbus_tlog_checkpoint_open(const char *msg, size_t len, const char *origin,
                               const hcbus_tlog_verifier_t *verifiers, size_t n, hcbus_tlog_checkpoint_t *out,
                               hcbus_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
