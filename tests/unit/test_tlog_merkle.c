/* test_tlog_merkle.c — libhcbus tlog/merkle.c against RFC 6962's classic vectors (the
 * 8 leaves of the Certificate Transparency test data, roots and proofs recomputed apart
 * from hcbus with Python hashlib from RFC 9162's definitions), then every inclusion and
 * consistency proof for trees of up to 20 leaves: generated from an array and from a
 * callback, verified, and refused after any single-bit change of a proof hash, the leaf
 * or a root, or a wrong index, size or length. The frontier's root equals the full
 * recomputation at every size of a random log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/tlog.h"

#define MAX_N 20

static const char *const leaf_hex[8] = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
};

static const char *const root_hex[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static hcbus_tlog_hash_t from_hex(const char *hex)
{
    hcbus_tlog_hash_t h;
    size_t n = 0;
    assert_int_equal(sodium_hex2bin(h.b, sizeof h.b, hex, strlen(hex), NULL, &n, NULL), 0);
    assert_int_equal(n, HCBUS_TLOG_HASH_BYTES);
    return h;
}

static void assert_hash(const hcbus_tlog_hash_t *h, const char *hex)
{
    char got[2 * HCBUS_TLOG_HASH_BYTES + 1];
    sodium_bin2hex(got, sizeof got, h->b, sizeof h->b);
    assert_string_equal(got, hex);
}

/* The 8 classic leaf hashes. */
static void classic_leaves(hcbus_tlog_hash_t out[8])
{
    for (int i = 0; i < 8; i++) {
        uint8_t bin[32];
        size_t n = 0;
        assert_int_equal(sodium_hex2bin(bin, sizeof bin, leaf_hex[i], strlen(leaf_hex[i]), NULL, &n, NULL), 0);
        hcbus_tlog_leaf_hash(bin, n, &out[i]);
    }
}

static void test_classic_roots(void **state)
{
    (void)state;
    hcbus_tlog_hash_t leaves[8], root;
    classic_leaves(leaves);
    hcbus_tlog_leaves_t src = {.array = leaves};
    hcbus_tlog_frontier_t f;
    hcbus_tlog_frontier_init(&f);
    for (int n = 0; n <= 8; n++) {
        hcbus_error_t err = {0};
        assert_int_equal(hcbus_tlog_root(&src, (uint64_t)n, &root, &err), 0);
        assert_hash(&root, root_hex[n]);
        hcbus_tlog_frontier_root(&f, &root);
        assert_hash(&root, root_hex[n]);
        if (n < 8)
            assert_int_equal(hcbus_tlog_frontier_append(&f, &leaves[n], &err), 0);
    }
    hcbus_tlog_empty_root(&root);
    assert_hash(&root, root_hex[0]);
}

static void check_proof(const hcbus_tlog_hash_t *proof, size_t len, const char *const *want, size_t want_len)
{
    assert_int_equal(len, want_len);
    for (size_t i = 0; i < len; i++)
        assert_hash(&proof[i], want[i]);
}

static void test_classic_proofs(void **state)
{
    (void)state;
    static const char *const incl0_8[] = {
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    };
    static const char *const incl5_8[] = {
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    };
    static const char *const cons6_8[] = {
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    };
    static const char *const cons2_5[] = {
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    };
    hcbus_tlog_hash_t leaves[8], proof[HCBUS_TLOG_PROOF_MAX];
    classic_leaves(leaves);
    hcbus_tlog_leaves_t src = {.array = leaves};
    hcbus_error_t err = {0};
    size_t len = 0;
    assert_int_equal(hcbus_tlog_inclusion_proof(&src, 0, 8, proof, &len, &err), 0);
    check_proof(proof, len, incl0_8, 3);
    assert_int_equal(hcbus_tlog_inclusion_proof(&src, 5, 8, proof, &len, &err), 0);
    check_proof(proof, len, incl5_8, 3);
    assert_int_equal(hcbus_tlog_consistency_proof(&src, 1, 8, proof, &len, &err), 0);
    check_proof(proof, len, incl0_8, 3); /* same path as leaf 0's */
    assert_int_equal(hcbus_tlog_consistency_proof(&src, 6, 8, proof, &len, &err), 0);
    check_proof(proof, len, cons6_8, 3);
    assert_int_equal(hcbus_tlog_consistency_proof(&src, 2, 5, proof, &len, &err), 0);
    check_proof(proof, len, cons2_5, 2);
    hcbus_tlog_hash_t r2 = from_hex(root_hex[2]), r5 = from_hex(root_hex[5]);
    assert_int_equal(hcbus_tlog_verify_consistency(2, 5, &r2, &r5, proof, len, &err), 0);
}

/* Leaves of the big tests: hashes of their index, and a callback that reads them. */
static hcbus_tlog_hash_t big[MAX_N];
static int calls;

static int leaf_at(void *ctx, uint64_t index, hcbus_tlog_hash_t *out, hcbus_error_t *err)
{
    (void)err;
    calls++;
    *out = ((const hcbus_tlog_hash_t *)ctx)[index];
    return 0;
}

static void fill_big(void)
{
    for (int i = 0; i < MAX_N; i++) {
        uint8_t e[8] = {(uint8_t)i, 0xa5};
        hcbus_tlog_leaf_hash(e, sizeof e, &big[i]);
    }
}

static void flip(hcbus_tlog_hash_t *h, int bit)
{
    h->b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

static void test_inclusion_all(void **state)
{
    (void)state;
    fill_big();
    hcbus_tlog_leaves_t arr = {.array = big}, cb = {.fn = leaf_at, .ctx = big};
    long checked = 0;
    hcbus_tlog_hash_t roots[MAX_N + 1];
    for (uint64_t n = 0; n <= MAX_N; n++) {
        hcbus_error_t err = {0};
        assert_int_equal(hcbus_tlog_root(&arr, n, &roots[n], &err), 0);
    }
    for (uint64_t n = 1; n <= MAX_N; n++) {
        hcbus_tlog_hash_t root = roots[n];
        hcbus_error_t err = {0};
        for (uint64_t m = 0; m < n; m++) {
            hcbus_tlog_hash_t proof[HCBUS_TLOG_PROOF_MAX], proof2[HCBUS_TLOG_PROOF_MAX];
            size_t len = 0, len2 = 0;
            assert_int_equal(hcbus_tlog_inclusion_proof(&arr, m, n, proof, &len, &err), 0);
            calls = 0;
            assert_int_equal(hcbus_tlog_inclusion_proof(&cb, m, n, proof2, &len2, &err), 0);
            assert_true(calls <= (int)n); /* each leaf read at most once */
            assert_int_equal(len, len2);
            assert_memory_equal(proof, proof2, len * sizeof proof[0]);
            assert_int_equal(hcbus_tlog_verify_inclusion(m, n, &big[m], proof, len, &root, &err), 0);
            /* Every single-bit change of a proof hash, the leaf or the root fails. */
            for (size_t i = 0; i < len; i++)
                for (int bit = 0; bit < 256; bit++) {
                    flip(&proof[i], bit);
                    assert_int_equal(hcbus_tlog_verify_inclusion(m, n, &big[m], proof, len, &root, &err), -1);
                    assert_int_equal(err.code, HCBUS_EUNAUTHORIZED);
                    flip(&proof[i], bit);
                    checked++;
                }
            for (int bit = 0; bit < 256; bit++) {
                hcbus_tlog_hash_t leaf = big[m], r = root;
                flip(&leaf, bit);
                flip(&r, bit);
                assert_int_equal(hcbus_tlog_verify_inclusion(m, n, &leaf, proof, len, &root, &err), -1);
                assert_int_equal(hcbus_tlog_verify_inclusion(m, n, &big[m], proof, len, &r, &err), -1);
                checked += 2;
            }
            /* Another leaf's index, another size, a hash more or less. */
            for (uint64_t other = 0; other < n; other++)
                if (other != m)
                    assert_int_equal(hcbus_tlog_verify_inclusion(other, n, &big[m], proof, len, &root, &err), -1);
            /* (The same proof may pass for another size with the same root, e.g. leaf
             * 0 of 3 and of 4 leaves: a root binds its size only through a signed
             * checkpoint. With the true root of that size it fails.) */
            for (uint64_t size = m + 1; size <= MAX_N; size++)
                if (size != n)
                    assert_int_equal(hcbus_tlog_verify_inclusion(m, size, &big[m], proof, len, &roots[size], &err), -1);
            proof[len] = root;
            assert_int_equal(hcbus_tlog_verify_inclusion(m, n, &big[m], proof, len + 1, &root, &err), -1);
            assert_int_equal(err.code, HCBUS_EINVALID);
            if (len > 0) {
                assert_int_equal(hcbus_tlog_verify_inclusion(m, n, &big[m], proof, len - 1, &root, &err), -1);
                assert_int_equal(err.code, HCBUS_EINVALID);
            }
        }
        hcbus_tlog_hash_t proof[HCBUS_TLOG_PROOF_MAX];
        size_t len = 0;
        assert_int_equal(hcbus_tlog_inclusion_proof(&arr, n, n, proof, &len, &err), -1);
        assert_int_equal(err.code, HCBUS_EINVALID);
        assert_int_equal(hcbus_tlog_verify_inclusion(n, n, &big[0], proof, 0, &root, &err), -1);
    }
    printf("inclusion: %ld tampered proofs refused\n", checked);
}

static void test_consistency_all(void **state)
{
    (void)state;
    fill_big();
    hcbus_tlog_leaves_t arr = {.array = big}, cb = {.fn = leaf_at, .ctx = big};
    hcbus_tlog_hash_t roots[MAX_N + 1];
    hcbus_error_t err = {0};
    for (uint64_t n = 0; n <= MAX_N; n++)
        assert_int_equal(hcbus_tlog_root(&arr, n, &roots[n], &err), 0);
    long checked = 0;
    for (uint64_t n = 0; n <= MAX_N; n++)
        for (uint64_t m = 0; m <= n; m++) {
            hcbus_tlog_hash_t proof[HCBUS_TLOG_PROOF_MAX], proof2[HCBUS_TLOG_PROOF_MAX];
            size_t len = 0, len2 = 0;
            assert_int_equal(hcbus_tlog_consistency_proof(&arr, m, n, proof, &len, &err), 0);
            assert_int_equal(hcbus_tlog_consistency_proof(&cb, m, n, proof2, &len2, &err), 0);
            assert_int_equal(len, len2);
            assert_memory_equal(proof, proof2, len * sizeof proof[0]);
            if (m == 0 || m == n)
                assert_int_equal(len, 0);
            assert_int_equal(hcbus_tlog_verify_consistency(m, n, &roots[m], &roots[n], proof, len, &err), 0);
            for (size_t i = 0; i < len; i++)
                for (int bit = 0; bit < 256; bit++) {
                    flip(&proof[i], bit);
                    assert_int_equal(
                        hcbus_tlog_verify_consistency(m, n, &roots[m], &roots[n], proof, len, &err), -1);
                    flip(&proof[i], bit);
                    checked++;
                }
            for (int bit = 0; bit < 256; bit++) {
                hcbus_tlog_hash_t r1 = roots[m], r2 = roots[n];
                flip(&r1, bit);
                flip(&r2, bit);
                assert_int_equal(hcbus_tlog_verify_consistency(m, n, &r1, &roots[n], proof, len, &err), -1);
                /* From the empty tree every tree is consistent: no new root to check. */
                if (m > 0)
                    assert_int_equal(hcbus_tlog_verify_consistency(m, n, &roots[m], &r2, proof, len, &err), -1);
                checked += 2;
            }
            /* The proof does not pass for other sizes (with their true roots), nor with
             * a hash more or less. */
            for (uint64_t m2 = 0; m2 <= n; m2++)
                if (m2 != m && len > 0)
                    assert_int_equal(
                        hcbus_tlog_verify_consistency(m2, n, &roots[m2], &roots[n], proof, len, &err), -1);
            for (uint64_t n2 = m; n2 <= MAX_N; n2++)
                if (n2 != n && len > 0)
                    assert_int_equal(
                        hcbus_tlog_verify_consistency(m, n2, &roots[m], &roots[n2], proof, len, &err), -1);
            proof[len] = roots[n];
            assert_int_equal(hcbus_tlog_verify_consistency(m, n, &roots[m], &roots[n], proof, len + 1, &err), -1);
            if (len > 0)
                assert_int_equal(hcbus_tlog_verify_consistency(m, n, &roots[m], &roots[n], proof, len - 1, &err),
                                 -1);
        }
    hcbus_tlog_hash_t proof[HCBUS_TLOG_PROOF_MAX];
    size_t len = 0;
    assert_int_equal(hcbus_tlog_consistency_proof(&arr, 5, 4, proof, &len, &err), -1);
    assert_int_equal(err.code, HCBUS_EINVALID);
    assert_int_equal(hcbus_tlog_verify_consistency(5, 4, &roots[5], &roots[4], proof, 0, &err), -1);
    printf("consistency: %ld tampered proofs refused\n", checked);
}

static int failing_leaf(void *ctx, uint64_t index, hcbus_tlog_hash_t *out, hcbus_error_t *err)
{
    (void)ctx, (void)out;
    return hcbus_error_set(err, HCBUS_EDATABASE, "leaf", "leaf %lu unreadable", (unsigned long)index);
}

static void test_callback_error(void **state)
{
    (void)state;
    hcbus_tlog_leaves_t cb = {.fn = failing_leaf};
    hcbus_tlog_hash_t proof[HCBUS_TLOG_PROOF_MAX], root;
    size_t len = 0;
    hcbus_error_t err = {0};
    assert_int_equal(hcbus_tlog_inclusion_proof(&cb, 3, 10, proof, &len, &err), -1);
    assert_int_equal(err.code, HCBUS_EDATABASE);
    assert_int_equal(hcbus_tlog_consistency_proof(&cb, 3, 10, proof, &len, &err), -1);
    assert_int_equal(err.code, HCBUS_EDATABASE);
    assert_int_equal(hcbus_tlog_root(&cb, 10, &root, &err), -1);
    assert_int_equal(err.code, HCBUS_EDATABASE);
}

/* A random log: the frontier's root equals the full recomputation at every size, and
 * inclusion proofs of random leaves at random sizes verify against it. */
static void test_frontier_random(void **state)
{
    (void)state;
    enum { N = 3000 };
    hcbus_tlog_hash_t *leaves = malloc(N * sizeof *leaves);
    assert_non_null(leaves);
    randombytes_buf(leaves, N * sizeof *leaves);
    hcbus_tlog_leaves_t src = {.array = leaves};
    hcbus_tlog_frontier_t f;
    hcbus_tlog_frontier_init(&f);
    hcbus_error_t err = {0};
    for (uint64_t n = 0; n <= N; n++) {
        hcbus_tlog_hash_t a, b;
        hcbus_tlog_frontier_root(&f, &a);
        /* The full recomputation is O(n): every size up to 300, then 200 random ones. */
        if (n <= 300 || randombytes_uniform(N / 200) == 0 || n == N) {
            assert_int_equal(hcbus_tlog_root(&src, n, &b, &err), 0);
            assert_memory_equal(a.b, b.b, sizeof a.b);
            if (n > 0) {
                uint64_t m = randombytes_uniform((uint32_t)n);
                hcbus_tlog_hash_t proof[HCBUS_TLOG_PROOF_MAX];
                size_t len = 0;
                assert_int_equal(hcbus_tlog_inclusion_proof(&src, m, n, proof, &len, &err), 0);
                assert_int_equal(hcbus_tlog_verify_inclusion(m, n, &leaves[m], proof, len, &a, &err), 0);
                uint64_t old = randombytes_uniform((uint32_t)n + 1);
                hcbus_tlog_hash_t old_root;
                assert_int_equal(hcbus_tlog_root(&src, old, &old_root, &err), 0);
                assert_int_equal(hcbus_tlog_consistency_proof(&src, old, n, proof, &len, &err), 0);
                assert_int_equal(hcbus_tlog_verify_consistency(old, n, &old_root, &a, proof, len, &err), 0);
            }
        }
        if (n < N)
            assert_int_equal(hcbus_tlog_frontier_append(&f, &leaves[n], &err), 0);
    }
    assert_int_equal(f.size, N);
    free(leaves);
}

static void test_frontier_full(void **state)
{
    (void)state;
    hcbus_tlog_frontier_t f;
    hcbus_tlog_frontier_init(&f);
    f.size = UINT64_MAX;
    hcbus_tlog_hash_t leaf = {{0}};
    hcbus_error_t err = {0};
    assert_int_equal(hcbus_tlog_frontier_append(&f, &leaf, &err), -1);
    assert_int_equal(err.code, HCBUS_ETOOLARGE);
    /* The largest sizes verify without overflow: a proof of the wrong length is refused. */
    hcbus_tlog_hash_t proof[HCBUS_TLOG_PROOF_MAX] = {{{0}}};
    assert_int_equal(hcbus_tlog_verify_inclusion(UINT64_MAX - 1, UINT64_MAX, &leaf, proof, 3, &leaf, &err), -1);
    assert_int_equal(err.code, HCBUS_EINVALID);
    assert_int_equal(hcbus_tlog_verify_consistency(3, UINT64_MAX, &leaf, &leaf, proof, 2, &err), -1);
    assert_int_equal(err.code, HCBUS_EINVALID);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classic_roots),   cmocka_unit_test(test_classic_proofs),
        cmocka_unit_test(test_inclusion_all),   cmocka_unit_test(test_consistency_all),
        cmocka_unit_test(test_callback_error),  cmocka_unit_test(test_frontier_random),
        cmocka_unit_test(test_frontier_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
