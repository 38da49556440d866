/* fuzz_json.c — libFuzzer target for the CLI's JSON input (`hcbus publish --json`):
 * hcbus_envelope_from_json on the input as text, then what the CLI does with an
 * Envelope it built: validate, encode, decode again. A refusal must say why. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/codec.h"
#include "hcbus/json.h"
#include "hcbus/summary.h"
#include "hcbus/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    Hcbus__Envelope *env = NULL;
    hcbus_error_t err = {0};
    if (hcbus_envelope_from_json(text, &env, &err) != 0) {
        if (!err.message[0])
            abort();
        free(text);
        return 0;
    }
    (void)hcbus_envelope_validate(env, NULL, &err);
    free(hcbus_summary_json(env));
    uint8_t *buf = NULL;
    size_t len = 0;
    if (hcbus_encode(&env->base, &buf, &len, &err) == 0) {
        Hcbus__Envelope *again = hcbus_envelope_decode(buf, len, SIZE_MAX, &err);
        if (!again)
            abort(); /* what the CLI encodes, the broker must be able to decode */
        hcbus_envelope_free(again);
        free(buf);
    }
    hcbus_envelope_free(env);
    free(text);
    return 0;
}
