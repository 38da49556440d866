/* fuzz_keys.c — libFuzzer target for key files: the input is written to a file (mode
 * 0600) and read with hcbus_keypair_load and hcbus_public_key_load. A key read must be
 * 40 characters of well-formed Z85; a refusal must say why. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input_file.h"
#include "hcbus/keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_file(data, size, ".key");
    hcbus_keypair_t kp;
    hcbus_error_t err = {0};
    if (hcbus_keypair_load(path, &kp, &err) == 0) {
        if (!hcbus_key_well_formed(kp.public_z85) || !hcbus_key_well_formed(kp.secret_z85))
            abort();
    } else if (!err.message[0]) {
        abort();
    }
    char pub[HCBUS_Z85_KEY_LEN + 1];
    memset(&err, 0, sizeof err);
    if (hcbus_public_key_load(path, pub, &err) == 0) {
        if (!hcbus_key_well_formed(pub))
            abort();
    } else if (!err.message[0]) {
        abort();
    }
    return 0;
}
