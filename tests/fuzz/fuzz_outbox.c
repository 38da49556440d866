/* fuzz_outbox.c — libFuzzer target for outbox files (libhcbus outbox.c, decision 0040):
 * the input is written to a file and opened read-only, as `hcbus outbox show` does (no
 * lock, no repair: nothing is left beside the file). Either it is refused with a reason,
 * or every waiting message reads back with its msg_id and Envelope bytes, and what the
 * scan skipped is counted within the file's size. Never a crash, never a hang. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input_file.h"
#include "hcbus/outbox.h"
#include "hcbus/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_file(data, size, ".outbox");
    hcbus_outbox_recovery_t rec;
    hcbus_error_t err = {0};
    hcbus_outbox_t *ob = hcbus_outbox_open(path, 0, HCBUS_OUTBOX_READONLY, &rec, &err);
    if (!ob) {
        if (!err.message[0])
            abort();
        return 0;
    }
    if (rec.torn_bytes + rec.corrupt_bytes > size)
        abort();
    for (size_t i = 0; i < hcbus_outbox_waiting(ob); i++) {
        hcbus_outbox_entry_t e;
        uint8_t *bytes = NULL;
        if (hcbus_outbox_entry(ob, i, &e, &bytes, &err) != 0)
            abort();
        if (!hcbus_id_well_formed(e.msg_id) || e.envelope_len == 0 || e.envelope_len > size)
            abort();
        free(bytes);
    }
    hcbus_outbox_close(&ob);
    return 0;
}
