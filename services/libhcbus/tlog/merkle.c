/* merkle.c — RFC 6962 / RFC 9162 Merkle tree hashing: leaf and node hashes, the
 * frontier (append a leaf, root of the tree so far), and inclusion and consistency
 * proofs with their verification (RFC 9162 2.1.3 and 2.1.4), over leaf hashes read from
 * an array or a callback. What a leaf holds is entry.c's business; signing, note.c's. */
#include <inttypes.h>
#include <sodium.h>
#include <string.h>

#include "hcbus/sha256.h"
#include "hcbus/tlog.h"

#define LEAF_PREFIX 0x00
#define NODE_PREFIX 0x01

void hcbus_tlog_leaf_hash(const uint8_t *entry, size_t len, hcbus_tlog_hash_t *out)
{
    hcbus_sha256_t st;
    const uint8_t prefix = LEAF_PREFIX;
    hcbus_sha256_init(&st);
    hcbus_sha256_update(&st, &prefix, 1);
    hcbus_sha256_update(&st, entry, len);
    hcbus_sha256_final(&st, out->b);
}

void hcbus_tlog_node_hash(const hcbus_tlog_hash_t *left, const hcbus_tlog_hash_t *right, hcbus_tlog_hash_t *out)
{
    hcbus_sha256_t st;
    const uint8_t prefix = NODE_PREFIX;
    hcbus_sha256_init(&st);
    hcbus_sha256_update(&st, &prefix, 1);
    hcbus_sha256_update(&st, left->b, HCBUS_TLOG_HASH_BYTES);
    hcbus_sha256_update(&st, right->b, HCBUS_TLOG_HASH_BYTES);
    hcbus_sha256_final(&st, out->b); /* out may alias left or right: read before */
}

void hcbus_tlog_empty_root(hcbus_tlog_hash_t *out)
{
    hcbus_sha256(NULL, 0, out->b);
}

void hcbus_tlog_frontier_init(hcbus_tlog_frontier_t *f)
{
    memset(f, 0, sizeof *f);
}

int hcbus_tlog_frontier_append(hcbus_tlog_frontier_t *f, const hcbus_tlog_hash_t *leaf, hcbus_error_t *err)
{
    if (f->size == UINT64_MAX)
        return hcbus_error_set(err, HCBUS_ETOOLARGE, "tlog.size", "the tree already holds 2^64-1 leaves");
    /* Adding 1 to size carries through the low set bits: each carry merges the subtree
     * of that height with the new one into one of the next height. */
    hcbus_tlog_hash_t carry = *leaf;
    int level = 0;
    while (f->size >> level & 1) {
        hcbus_tlog_node_hash(&f->nodes[level], &carry, &carry);
        level++;
    }
    f->nodes[level] = carry;
    f->size++;
    return 0;
}

void hcbus_tlog_frontier_root(const hcbus_tlog_frontier_t *f, hcbus_tlog_hash_t *out)
{
    if (f->size == 0) {
        hcbus_tlog_empty_root(out);
        return;
    }
    /* The smallest subtree is the rightmost: fold right to left. */
    int level = 0;
    while (!(f->size >> level & 1))
        level++;
    hcbus_tlog_hash_t acc = f->nodes[level];
    for (level++; level < HCBUS_TLOG_FRONTIER_MAX; level++)
        if (f->size >> level & 1)
            hcbus_tlog_node_hash(&f->nodes[level], &acc, &acc);
    *out = acc;
}

static int get_leaf(const hcbus_tlog_leaves_t *src, uint64_t index, hcbus_tlog_hash_t *out, hcbus_error_t *err)
{
    if (src->fn)
        return src->fn(src->ctx, index, out, err);
    if (!src->array)
        return hcbus_error_set(err, HCBUS_EINVALID, "tlog.leaves", "no leaf hashes given (neither array nor callback)");
    *out = src->array[index];
    return 0;
}

/* MTH of leaves [lo, lo + n), n >= 1, without recursion. */
static int subtree_root(const hcbus_tlog_leaves_t *src, uint64_t lo, uint64_t n, hcbus_tlog_hash_t *out,
                        hcbus_error_t *err)
{
    hcbus_tlog_frontier_t f;
    hcbus_tlog_frontier_init(&f);
    for (uint64_t i = 0; i < n; i++) {
        hcbus_tlog_hash_t leaf;
        if (get_leaf(src, lo + i, &leaf, err) < 0 || hcbus_tlog_frontier_append(&f, &leaf, err) < 0)
            return -1;
    }
    hcbus_tlog_frontier_root(&f, out);
    return 0;
}

int hcbus_tlog_root(const hcbus_tlog_leaves_t *src, uint64_t size, hcbus_tlog_hash_t *out, hcbus_error_t *err)
{
    if (size == 0) {
        hcbus_tlog_empty_root(out);
        return 0;
    }
    return subtree_root(src, 0, size, out, err);
}

/* The largest power of two smaller than n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
    uint64_t k = 1;
    while (k << 1 < n)
        k <<= 1;
    return k;
}

static int push(hcbus_tlog_hash_t *proof, size_t *len, const hcbus_tlog_hash_t *h, hcbus_error_t *err)
{
    if (*len >= HCBUS_TLOG_PROOF_MAX)
        return hcbus_error_set(err, HCBUS_EINTERNAL, "tlog.proof", "proof longer than %d hashes",
                               HCBUS_TLOG_PROOF_MAX);
    proof[(*len)++] = *h;
    return 0;
}

/* RFC 9162 PATH(m, D[lo:lo+n]): the deeper hashes first. */
static int path(const hcbus_tlog_leaves_t *src, uint64_t m, uint64_t lo, uint64_t n, hcbus_tlog_hash_t *proof,
                size_t *len, hcbus_error_t *err)
{
    if (n <= 1)
        return 0;
    uint64_t k = split_point(n);
    hcbus_tlog_hash_t sibling;
    if (m < k) {
        if (path(src, m, lo, k, proof, len, err) < 0 || subtree_root(src, lo + k, n - k, &sibling, err) < 0)
            return -1;
    } else {
        if (path(src, m - k, lo + k, n - k, proof, len, err) < 0 || subtree_root(src, lo, k, &sibling, err) < 0)
            return -1;
    }
    return push(proof, len, &sibling, err);
}

int hcbus_tlog_inclusion_proof(const hcbus_tlog_leaves_t *src, uint64_t index, uint64_t size,
                               hcbus_tlog_hash_t *proof, size_t *len, hcbus_error_t *err)
{
    *len = 0;
    if (index >= size)
        return hcbus_error_set(err, HCBUS_EINVALID, "tlog.index",
                               "leaf %" PRIu64 " is not in a tree of %" PRIu64 " leaves", index, size);
    return path(src, index, 0, size, proof, len, err);
}

/* RFC 9162 SUBPROOF(m, D[lo:lo+n], b). */
static int subproof(const hcbus_tlog_leaves_t *src, uint64_t m, uint64_t lo, uint64_t n, bool whole,
                    hcbus_tlog_hash_t *proof, size_t *len, hcbus_error_t *err)
{
    hcbus_tlog_hash_t h;
    if (m == n) {
        if (whole)
            return 0;
        if (subtree_root(src, lo, n, &h, err) < 0)
            return -1;
        return push(proof, len, &h, err);
    }
    uint64_t k = split_point(n);
    if (m <= k) {
        if (subproof(src, m, lo, k, whole, proof, len, err) < 0 || subtree_root(src, lo + k, n - k, &h, err) < 0)
            return -1;
    } else {
        if (subproof(src, m - k, lo + k, n - k, false, proof, len, err) < 0 || subtree_root(src, lo, k, &h, err) < 0)
            return -1;
    }
    return push(proof, len, &h, err);
}

int hcbus_tlog_consistency_proof(const hcbus_tlog_leaves_t *src, uint64_t old_size, uint64_t new_size,
                                 hcbus_tlog_hash_t *proof, size_t *len, hcbus_error_t *err)
{
    *len = 0;
    if (old_size > new_size)
        return hcbus_error_set(err, HCBUS_EINVALID, "tlog.size",
                               "the old tree (%" PRIu64 " leaves) is larger than the new one (%" PRIu64 ")", old_size,
                               new_size);
    if (old_size == 0 || old_size == new_size)
        return 0;
    return subproof(src, old_size, 0, new_size, true, proof, len, err);
}

static bool same(const hcbus_tlog_hash_t *a, const hcbus_tlog_hash_t *b)
{
    return sodium_memcmp(a->b, b->b, HCBUS_TLOG_HASH_BYTES) == 0;
}

int hcbus_tlog_verify_inclusion(uint64_t index, uint64_t size, const hcbus_tlog_hash_t *leaf,
                                const hcbus_tlog_hash_t *proof, size_t len, const hcbus_tlog_hash_t *root,
                                hcbus_error_t *err)
{
    if (index >= size)
        return hcbus_error_set(err, HCBUS_EINVALID, "tlog.index",
                               "leaf %" PRIu64 " is not in a tree of %" PRIu64 " leaves", index, size);
    uint64_t fn = index, sn = size - 1;
    hcbus_tlog_hash_t r = *leaf;
    for (size_t i = 0; i < len; i++) {
        if (sn == 0)
            return hcbus_error_set(err, HCBUS_EINVALID, "tlog.proof",
                                   "the inclusion proof has %zu hashes: too many for leaf %" PRIu64
                                   " of a tree of %" PRIu64,
                                   len, index, size);
        if ((fn & 1) || fn == sn) {
            hcbus_tlog_node_hash(&proof[i], &r, &r);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            hcbus_tlog_node_hash(&r, &proof[i], &r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return hcbus_error_set(err, HCBUS_EINVALID, "tlog.proof",
                               "the inclusion proof has %zu hashes: too few for leaf %" PRIu64 " of a tree of %" PRIu64,
                               len, index, size);
    if (!same(&r, root))
        return hcbus_error_set(err, HCBUS_EUNAUTHORIZED, "tlog.proof",
                               "leaf %" PRIu64 " is not in the tree of %" PRIu64
                               " leaves with this root: the proof leads to another root",
                               index, size);
    return 0;
}

int hcbus_tlog_verify_consistency(uint64_t old_size, uint64_t new_size, const hcbus_tlog_hash_t *old_root,
                                  const hcbus_tlog_hash_t *new_root, const hcbus_tlog_hash_t *proof, size_t len,
                                  hcbus_error_t *err)
{
    if (old_size > new_size)
        return hcbus_error_set(err, HCBUS_EINVALID, "tlog.size",
                               "the old tree (%" PRIu64 " leaves) is larger than the new one (%" PRIu64 ")", old_size,
                               new_size);
    if (old_size == 0 || old_size == new_size) {
        if (len != 0)
            return hcbus_error_set(err, HCBUS_EINVALID, "tlog.proof",
                                   "the consistency proof between sizes %" PRIu64 " and %" PRIu64
                                   " must be empty, it has %zu hashes",
                                   old_size, new_size, len);
        hcbus_tlog_hash_t empty;
        hcbus_tlog_empty_root(&empty);
        if (old_size == 0 && !same(old_root, &empty))
            return hcbus_error_set(err, HCBUS_EUNAUTHORIZED, "tlog.root",
                                   "the old root is not the root of the empty tree");
        if (old_size != 0 && !same(old_root, new_root))
            return hcbus_error_set(err, HCBUS_EUNAUTHORIZED, "tlog.root",
                                   "two trees of %" PRIu64 " leaves with different roots", old_size);
        return 0;
    }
    if (len == 0)
        return hcbus_error_set(err, HCBUS_EINVALID, "tlog.proof",
                               "the consistency proof between sizes %" PRIu64 " and %" PRIu64 " is empty", old_size,
                               new_size);
    /* RFC 9162 2.1.4.2: a power-of-two old tree is itself the first node of the path. */
    const hcbus_tlog_hash_t *next = proof;
    size_t left = len;
    hcbus_tlog_hash_t fr, sr;
    if ((old_size & (old_size - 1)) == 0) {
        fr = sr = *old_root;
    } else {
        fr = sr = *next++;
        left--;
    }
    uint64_t fn = old_size - 1, sn = new_size - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    for (size_t i = 0; i < left; i++) {
        if (sn == 0)
            return hcbus_error_set(err, HCBUS_EINVALID, "tlog.proof",
                                   "the consistency proof has %zu hashes: too many between sizes %" PRIu64
                                   " and %" PRIu64,
                                   len, old_size, new_size);
        if ((fn & 1) || fn == sn) {
            hcbus_tlog_node_hash(&next[i], &fr, &fr);
            hcbus_tlog_node_hash(&next[i], &sr, &sr);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            hcbus_tlog_node_hash(&sr, &next[i], &sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return hcbus_error_set(err, HCBUS_EINVALID, "tlog.proof",
                               "the consistency proof has %zu hashes: too few between sizes %" PRIu64 " and %" PRIu64,
                               len, old_size, new_size);
    if (!same(&fr, old_root))
        return hcbus_error_set(err, HCBUS_EUNAUTHORIZED, "tlog.proof",
                               "the tree of %" PRIu64 " leaves is not a prefix of the tree of %" PRIu64
                               ": the proof does not lead to the old root",
                               old_size, new_size);
    if (!same(&sr, new_root))
        return hcbus_error_set(err, HCBUS_EUNAUTHORIZED, "tlog.proof",
                               "the tree of %" PRIu64 " leaves is not a prefix of the tree of %" PRIu64
                               ": the proof does not lead to the new root",
                               old_size, new_size);
    return 0;
}
