/* fuzz_photo.c — libFuzzer target for hcbus-report's photo_strip() (services/report/
 * photos), which reads bytes a stranger uploads. A refusal must name the field "foto"
 * and say why, with no output; a cleaned photo must fit the bound (input + 16 bytes),
 * have the type its own signature says, begin and end as its format does, and come
 * out of a second cleaning unchanged (nothing droppable was left in it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "photos/strip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char png_iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    report_photo_t out;
    hcbus_error_t err = {0};
    if (photo_strip(data, size, &out, &err) < 0) {
        if (!err.message[0] || strcmp(err.field, "foto") != 0 || out.bytes || out.len)
            abort();
        if (err.code != HCBUS_EINVALID && err.code != HCBUS_ENOMEM)
            abort();
        return 0;
    }
    if (!out.bytes || out.len > size + 16 || out.len < 4)
        abort();
    if (strcmp(out.content_type, "image/jpeg") == 0) {
        if (data[0] != 0xff || data[1] != 0xd8 || out.bytes[0] != 0xff || out.bytes[1] != 0xd8 ||
            out.bytes[out.len - 2] != 0xff || out.bytes[out.len - 1] != 0xd9)
            abort();
    } else if (strcmp(out.content_type, "image/png") == 0) {
        if (out.len < 8 + 12 || memcmp(out.bytes, data, 8) != 0 || memcmp(out.bytes + out.len - 12, png_iend, 12) != 0)
            abort();
    } else {
        abort();
    }
    report_photo_t again;
    memset(&err, 0, sizeof err);
    if (photo_strip(out.bytes, out.len, &again, &err) < 0)
        abort();
    if (again.len != out.len || memcmp(again.bytes, out.bytes, out.len) != 0 ||
        strcmp(again.content_type, out.content_type) != 0)
        abort();
    free(again.bytes);
    free(out.bytes);
    return 0;
}
