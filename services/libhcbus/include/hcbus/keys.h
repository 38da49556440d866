/* keys.h — CurveZMQ key pairs on disk. A secret key file (mode 0600) holds two lines,
 *   public-key <40 characters of Z85>
 *   secret-key <40 characters of Z85>
 * and its public file (".pub") only the first. Lines starting with '#' are comments.
 * Writing never overwrites an existing file. */
#ifndef HCBUS_KEYS_H
#define HCBUS_KEYS_H

#include <stddef.h>

#include "hcbus/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HCBUS_Z85_KEY_LEN 40

typedef struct hcbus_keypair {
    char public_z85[HCBUS_Z85_KEY_LEN + 1];
    char secret_z85[HCBUS_Z85_KEY_LEN + 1];
} hcbus_keypair_t;

/* Make a new key pair (zmq_curve_keypair). Returns 0 or -1 with err. */
int hcbus_keypair_generate(hcbus_keypair_t *kp, hcbus_error_t *err);

/* Write kp to secret_path (created 0600, O_EXCL) and public_path (0644, O_EXCL), each
 * headed by "# <comment>". Refuses (HCBUS_EIO, naming the file) if either exists; if
 * the second cannot be written the first is removed. Returns 0 or -1. */
int hcbus_keypair_write(const hcbus_keypair_t *kp, const char *secret_path,
                        const char *public_path, const char *comment, hcbus_error_t *err);

/* Read a secret key file into kp (both keys required, and they must match). The file
 * must be a regular file without group or other permissions (0600 or 0400): a file
 * that group or others may read is refused, its error naming the file and its mode.
 * Returns 0 or -1 with err naming the file (file:line for a bad line). */
int hcbus_keypair_load(const char *secret_path, hcbus_keypair_t *kp, hcbus_error_t *err);

/* Read the public key of a .pub or secret file into out (HCBUS_Z85_KEY_LEN + 1 bytes).
 * Returns 0 or -1 with err naming file:line. */
int hcbus_public_key_load(const char *path, char *out, hcbus_error_t *err);

/* True if text is exactly HCBUS_Z85_KEY_LEN characters of the Z85 alphabet and
 * decodes to 32 bytes. */
int hcbus_key_well_formed(const char *text);

#ifdef __cplusplus
}
#endif
#endif
