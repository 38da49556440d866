/* fuzz_config.c — libFuzzer target for the configuration file: the input is written to
 * a file and loaded with hcbus_config_load, which must answer a config or an error
 * naming file:line, never crash or leak (a syntax error once leaked libconfig's tree). */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_input_file.h"
#include "hcbus/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hcbus_error_t err = {0};
    hcbus_config_t *config = hcbus_config_load(fuzz_input_file(data, size, ".conf"), &err);
    if (!config) {
        if (!err.message[0])
            abort(); /* every refusal says why */
        return 0;
    }
    for (size_t i = 0; i < config->institution_count; i++) {
        const hcbus_institution_t *inst = &config->institutions[i];
        if (hcbus_config_find_institution(config, inst->id) != inst)
            abort();
        for (size_t k = 0; k < inst->key_count; k++)
            if (!hcbus_config_find_key(config, inst->public_keys[k]))
                abort();
    }
    hcbus_config_destroy(&config);
    if (config)
        abort();
    return 0;
}
