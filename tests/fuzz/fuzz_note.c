/* fuzz_note.c — libFuzzer target for signed notes and checkpoints (libhcbus tlog), which
 * reach hcbus from outside: `hcbus audit verify --from-checkpoint FILE` reads a note a
 * reviewer kept. The input is parsed as a note, verified against a fixed key and its text
 * read as a checkpoint; it is also read as a verifier and a signer key text. A refusal
 * must say why; an accepted note must obey the rules the parser promises. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/tlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char peter_vkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

static void must_say_why(const hcbus_error_t *err)
{
    if (!err->message[0])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hcbus_tlog_verifier_t v;
    hcbus_error_t err = {0};
    if (hcbus_tlog_verifier_parse(peter_vkey, &v, &err) < 0)
        abort();

    const char *msg = (const char *)data;
    hcbus_tlog_note_t *note = hcbus_tlog_note_parse(msg, size, &err);
    if (!note) {
        must_say_why(&err);
    } else {
        if (note->nsigs < 1 || note->nsigs > HCBUS_TLOG_NOTE_SIGS_MAX || note->text_len == 0 ||
            note->text[note->text_len - 1] != '\n' || strlen(note->text) != note->text_len)
            abort();
        for (size_t i = 0; i < note->nsigs; i++)
            if (note->sigs[i].sig_len < 1 || note->sigs[i].sig_len > HCBUS_TLOG_SIG_MAX || !note->sigs[i].name[0])
                abort();
        memset(&err, 0, sizeof err);
        if (hcbus_tlog_note_verify(note, &v, 1, &err) < 0)
            must_say_why(&err);
        hcbus_tlog_checkpoint_t cp;
        memset(&err, 0, sizeof err);
        if (hcbus_tlog_checkpoint_parse(note->text, note->text_len, &cp, &err) < 0)
            must_say_why(&err);
        else if (!cp.origin[0])
            abort();
        hcbus_tlog_note_free(&note);
    }
    hcbus_tlog_checkpoint_t cp;
    memset(&err, 0, sizeof err);
    if (hcbus_tlog_checkpoint_open(msg, size, HCBUS_TLOG_ORIGIN_EVENTS, &v, 1, &cp, &err) < 0)
        must_say_why(&err);

    /* The same bytes as a key text (up to the first NUL). */
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    hcbus_tlog_signer_t s;
    memset(&err, 0, sizeof err);
    if (hcbus_tlog_verifier_parse(text, &v, &err) < 0)
        must_say_why(&err);
    memset(&err, 0, sizeof err);
    if (hcbus_tlog_signer_parse(text, &s, &err) < 0)
        must_say_why(&err);
    free(text);
    return 0;
}
