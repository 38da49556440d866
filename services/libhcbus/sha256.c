/* sha256.c — SHA-256 through OpenSSL libcrypto (see hcbus/sha256.h). The EVP_MD is
 * fetched once per process; EVP_MD_CTXs are kept in a small pool per thread, because
 * allocating one per hash costs more than hashing a short entry with the CPU's SHA
 * instructions. Small updates (the chain's 4-byte lengths, its text a character at a
 * time) are gathered in the caller's stage buffer: one EVP call costs as much as
 * hashing tens of bytes. When libcrypto cannot give a hash (no default provider, out of
 * memory) the same digest comes from libsodium's portable code instead: slower, never
 * wrong, never a crash. */
#include "hcbus/sha256.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/i18n.h"
#include "sha256_fallback.h"

#define POOL_MAX 4   /* contexts kept per thread: hashes open at once, nested */
#define SMALL_COPY 8 /* updates this short are copied byte by byte */

_Static_assert(sizeof(crypto_hash_sha256_state) <= HCBUS_SHA256_FALLBACK_BYTES,
               "libsodium's SHA-256 state does not fit hcbus_sha256_t.fallback");
_Static_assert(_Alignof(crypto_hash_sha256_state) <= _Alignof(uint64_t),
               "libsodium's SHA-256 state needs more alignment than hcbus_sha256_t.fallback has");
_Static_assert(crypto_hash_sha256_BYTES == HCBUS_SHA256_BYTES, "SHA-256 is 32 bytes");

typedef struct pool {
    EVP_MD_CTX *free[POOL_MAX];
    int n;
    int registered; /* the thread-exit destructor knows this pool */
} pool_t;

static pthread_once_t setup_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_md;      /* fetched once, never freed: the process's */
static pthread_key_t pool_key; /* its destructor frees a finished thread's pool */
static int pool_key_ok;
static int forced_fallback;
static _Thread_local pool_t pool; /* the main thread's stays reachable until exit */

static void pool_destroy(void *p)
{
    pool_t *self = p;
    while (self->n > 0)
        EVP_MD_CTX_free(self->free[--self->n]);
    self->registered = 0; /* a later destructor that hashes registers it again */
}

static void setup(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA2-256", NULL);
    pool_key_ok = pthread_key_create(&pool_key, pool_destroy) == 0;
}

static const EVP_MD *md(void)
{
    pthread_once(&setup_once, setup);
    return __atomic_load_n(&forced_fallback, __ATOMIC_RELAXED) ? NULL : sha256_md;
}

static EVP_MD_CTX *take(const EVP_MD *type)
{
    EVP_MD_CTX *ctx = pool.n > 0 ? pool.free[--pool.n] : EVP_MD_CTX_new();
    if (ctx && EVP_DigestInit_ex2(ctx, type, NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        ctx = NULL;
    }
    return ctx;
}

static void give_back(EVP_MD_CTX *ctx)
{
    if (!pool_key_ok || pool.n == POOL_MAX) {
        EVP_MD_CTX_free(ctx);
        return;
    }
    if (!pool.registered)
        pool.registered = pthread_setspecific(pool_key, &pool) == 0;
    if (!pool.registered) {
        EVP_MD_CTX_free(ctx);
        return;
    }
    pool.free[pool.n++] = ctx;
}

/* A hash half done by libcrypto cannot be finished by libsodium. */
_Noreturn static void stop(void)
{
    fputs(_("hcbus: OpenSSL's SHA-256 failed in the middle of a hash; stopping rather than give a wrong digest\n"),
          stderr);
    abort();
}

static crypto_hash_sha256_state *fallback(hcbus_sha256_t *st)
{
    return (crypto_hash_sha256_state *)(void *)st->fallback.bytes;
}

void hcbus_sha256_init(hcbus_sha256_t *st)
{
    const EVP_MD *type = md();
    st->fill = 0;
    st->ctx = type ? take(type) : NULL;
    if (!st->ctx)
        crypto_hash_sha256_init(fallback(st));
}

/* Hash len bytes now, past the stage. */
static void absorb(hcbus_sha256_t *st, const void *data, size_t len)
{
    if (st->ctx && EVP_DigestUpdate(st->ctx, data, len) == 1)
        return;
    if (st->ctx) {
        /* Cannot happen with the default provider's SHA-256 (its update has no failure);
         * were it to, the bytes already absorbed are lost to libsodium: stop rather
         * than give a wrong digest. */
        stop();
    }
    crypto_hash_sha256_update(fallback(st), data, len);
}

static void flush(hcbus_sha256_t *st)
{
    if (st->fill) {
        absorb(st, st->stage, st->fill);
        st->fill = 0;
    }
}

void hcbus_sha256_update(hcbus_sha256_t *st, const void *data, size_t len)
{
    if (len <= sizeof st->stage - st->fill) {
        if (len <= SMALL_COPY) { /* lengths and single bytes: cheaper than a memcpy call */
            const uint8_t *b = data;
            for (size_t i = 0; i < len; i++)
                st->stage[st->fill + i] = b[i];
        } else {
            memcpy(st->stage + st->fill, data, len);
        }
        st->fill += len;
        return;
    }
    flush(st);
    if (len < sizeof st->stage) {
        memcpy(st->stage, data, len);
        st->fill = len;
    } else {
        absorb(st, data, len);
    }
}

void hcbus_sha256_final(hcbus_sha256_t *st, uint8_t out[HCBUS_SHA256_BYTES])
{
    flush(st);
    if (!st->ctx) {
        crypto_hash_sha256_final(fallback(st), out);
        return;
    }
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(st->ctx, out, &n) != 1 || n != HCBUS_SHA256_BYTES)
        stop(); /* as absorb: the default provider's final does not fail */
    give_back(st->ctx);
    st->ctx = NULL;
}

void hcbus_sha256(const void *data, size_t len, uint8_t out[HCBUS_SHA256_BYTES])
{
    hcbus_sha256_t st;
    hcbus_sha256_init(&st);
    if (len)
        absorb(&st, data, len);
    hcbus_sha256_final(&st, out);
}

const char *hcbus_sha256_implementation(void)
{
    return md() ? "openssl" : "libsodium";
}

void hcbus_sha256_force_fallback(int on)
{
    pthread_once(&setup_once, setup);
    __atomic_store_n(&forced_fallback, on, __ATOMIC_RELAXED);
}
