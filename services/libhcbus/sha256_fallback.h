/* sha256_fallback.h — for tests only: make hcbus_sha256 (sha256.c) take the path it
 * takes when libcrypto cannot give a SHA-256 (libsodium's), so that path is checked too. */
#ifndef HCBUS_SHA256_FALLBACK_H
#define HCBUS_SHA256_FALLBACK_H

/* on != 0: every hash started from now on uses libsodium; 0: libcrypto again. */
void hcbus_sha256_force_fallback(int on);

#endif
