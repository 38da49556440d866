/* fuzz_envelope.c — libFuzzer target for the path every untrusted byte takes: decode,
 * validate, summarize, redact, re-encode; and the same bytes as JSON text for
 * hcbus_envelope_from_json. Any crash, leak or sanitizer report is a bug. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/codec.h"
#include "hcbus/json.h"
#include "hcbus/summary.h"
#include "hcbus/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What decodes must re-encode and decode again. */
static void check_reencode(const Hcbus__Envelope *env)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    hcbus_error_t err;
    if (hcbus_encode(&env->base, &buf, &len, &err) != 0)
        return;
    Hcbus__Envelope *again = hcbus_envelope_decode(buf, len, SIZE_MAX, &err);
    if (!again)
        abort();
    hcbus_envelope_free(again);
    free(buf);
}

static void fuzz_binary(const uint8_t *data, size_t size)
{
    hcbus_error_t err;
    Hcbus__Envelope *env = hcbus_envelope_decode(data, size, 0, &err);
    if (!env)
        return;
    (void)hcbus_envelope_validate(env, NULL, &err);
    free(hcbus_summary_json(env));
    uint8_t *buf = NULL;
    size_t len = 0;
    int redacted = 0;
    if (hcbus_envelope_encode_redacted(env, &buf, &len, &redacted, &err) == 0)
        free(buf);
    check_reencode(env);
    hcbus_envelope_free(env);
}

static void fuzz_json(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return;
    memcpy(text, data, size);
    text[size] = '\0';
    Hcbus__Envelope *env = NULL;
    hcbus_error_t err;
    if (hcbus_envelope_from_json(text, &env, &err) == 0) {
        (void)hcbus_envelope_validate(env, NULL, &err);
        check_reencode(env);
        hcbus_envelope_free(env);
    }
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_binary(data, size);
    fuzz_json(data, size);
    return 0;
}
