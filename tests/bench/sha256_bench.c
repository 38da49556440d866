/* sha256_bench.c — a micro-benchmark of the audit log's SHA-256: libsodium's portable
 * crypto_hash_sha256 (what auditd used) against libhcbus's hcbus_sha256 (OpenSSL
 * libcrypto, SHA-NI where the CPU has it), one-shot at several lengths and in the chain's
 * pattern (a 4-byte length, a 60-character text a character at a time, then 800 bytes).
 * Best of 5 runs of ~0.1 s each, so a busy machine shows its quiet moments. Not a test.
 *   BUILD/tests/bench/sha256_bench          (built with -DHCBUS_BENCH=ON) */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hcbus/sha256.h"

#define RUNS 5
#define RUN_NS 100000000.0 /* 0.1 s */
#define TEXT_CHARS 60

typedef void (*hash_fn)(const uint8_t *data, size_t len, uint8_t out[32]);

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void sodium_oneshot(const uint8_t *data, size_t len, uint8_t out[32])
{
    crypto_hash_sha256(out, data, len);
}

static void hcbus_oneshot(const uint8_t *data, size_t len, uint8_t out[32])
{
    hcbus_sha256(data, len, out);
}

static void sodium_chain(const uint8_t *data, size_t len, uint8_t out[32])
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, data, 4);
    for (size_t i = 0; i < TEXT_CHARS; i++)
        crypto_hash_sha256_update(&st, data + 4 + i, 1);
    crypto_hash_sha256_update(&st, data, len);
    crypto_hash_sha256_final(&st, out);
}

static void hcbus_chain(const uint8_t *data, size_t len, uint8_t out[32])
{
    hcbus_sha256_t st;
    hcbus_sha256_init(&st);
    hcbus_sha256_update(&st, data, 4);
    for (size_t i = 0; i < TEXT_CHARS; i++)
        hcbus_sha256_update(&st, data + 4 + i, 1);
    hcbus_sha256_update(&st, data, len);
    hcbus_sha256_final(&st, out);
}

/* Best nanoseconds per call over RUNS runs. */
static double best_ns(hash_fn f, const uint8_t *data, size_t len)
{
    uint8_t out[32];
    double best = 1e30;
    for (int r = 0; r < RUNS; r++) {
        long n = 0;
        double start = now_ns(), t;
        do {
            for (int i = 0; i < 256; i++)
                f(data, len, out);
            n += 256;
            t = now_ns() - start;
        } while (t < RUN_NS);
        if (t / (double)n < best)
            best = t / (double)n;
    }
    return best;
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    static uint8_t data[4096];
    randombytes_buf(data, sizeof data);
    const size_t lens[] = {32, 65, 256, 800, 4096};
    printf("hcbus_sha256 implementation: %s\n", hcbus_sha256_implementation());
    printf("| case | bytes | libsodium ns | hcbus_sha256 ns | speed-up |\n|---|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        double a = best_ns(sodium_oneshot, data, lens[i]), b = best_ns(hcbus_oneshot, data, lens[i]);
        printf("| one-shot | %zu | %.0f | %.0f | %.1f× |\n", lens[i], a, b, a / b);
    }
    double a = best_ns(sodium_chain, data, 800), b = best_ns(hcbus_chain, data, 800);
    printf("| chain pattern (4 + %d×1 + 800) | %d | %.0f | %.0f | %.1f× |\n", TEXT_CHARS, 4 + TEXT_CHARS + 800, a, b,
           a / b);
    return 0;
}
