/* note.c — C2SP signed notes (c2sp.org/signed-note, as golang.org/x/mod/sumdb/note):
 * sign a text with an Ed25519 signer key, parse a note strictly, verify its signatures
 * against verifier keys. Key texts are key.c's; checkpoint bodies checkpoint.c's. */
#include <inttypes.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/tlog.h"
#include "text.h"
#include "utf8.h"

#define SIG_PREFIX "\xe2\x80\x94 " /* U+2014 EM DASH, then a space */
#define KEY_ID_BYTES 4

static int malformed(hcbus_error_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int malformed(hcbus_error_t *err, const char *fmt, ...)
{
    char what[HCBUS_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return hcbus_error_set(err, HCBUS_EMALFORMED, "note", "malformed note: %s", what);
}

/* Where s[0..len) breaks the note rules (UTF-8, no control character but "\n"), or
 * NULL. *at is the byte offset of the problem. */
static const char *text_problem(const char *s, size_t len, size_t *at)
{
    for (size_t i = 0; i < len;) {
        *at = i;
        if (s[i] == '\0')
            return "a NUL byte";
        uint32_t cp;
        /* hcbus_utf8_decode reads up to 4 bytes or to a NUL: bound it by len. */
        char tail[5] = {0};
        memcpy(tail, s + i, len - i < 4 ? len - i : 4);
        size_t k = hcbus_utf8_decode(tail, &cp);
        if (k == 0)
            return "bytes that are not UTF-8";
        if ((cp < 0x20 && cp != '\n') || cp == 0x7f)
            return "a control character";
        i += k;
    }
    return NULL;
}

int hcbus_tlog_note_sign(const char *text, const hcbus_tlog_signer_t *signer, char **note, hcbus_error_t *err)
{
    *note = NULL;
    size_t len = strlen(text), at = 0;
    if (len == 0 || text[len - 1] != '\n')
        return hcbus_error_set(err, HCBUS_EINVALID, "note", "the text to sign must end with a newline");
    if (len > HCBUS_TLOG_NOTE_MAX / 2)
        return hcbus_error_set(err, HCBUS_EINVALID, "note", "the text to sign is over %d bytes",
                               HCBUS_TLOG_NOTE_MAX / 2);
    const char *problem = text_problem(text, len, &at);
    if (problem)
        return hcbus_error_set(err, HCBUS_EINVALID, "note", "the text to sign has %s at byte %zu", problem, at);
    uint8_t sig[KEY_ID_BYTES + TLOG_ED25519_SIG];
    for (int i = 0; i < KEY_ID_BYTES; i++)
        sig[i] = (uint8_t)(signer->key_id >> (8 * (KEY_ID_BYTES - 1 - i)));
    crypto_sign_detached(sig + KEY_ID_BYTES, NULL, (const uint8_t *)text, len, signer->secret_key);
    char b64[sodium_base64_ENCODED_LEN(sizeof sig, sodium_base64_VARIANT_ORIGINAL)];
    tlog_b64_encode(sig, sizeof sig, b64, sizeof b64);
    size_t size = len + 1 + strlen(SIG_PREFIX) + strlen(signer->name) + 1 + strlen(b64) + 2;
    char *out = malloc(size);
    if (!out)
        return hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory for a note of %zu bytes", size);
    snprintf(out, size, "%s\n%s%s %s\n", text, SIG_PREFIX, signer->name, b64);
    *note = out;
    return 0;
}

/* One signature line (without its "\n"): "— <name> <base64(key id || signature)>". */
static int parse_sig(const char *line, size_t len, size_t number, hcbus_tlog_note_sig_t *sig, hcbus_error_t *err)
{
    size_t prefix = strlen(SIG_PREFIX);
    if (len < prefix || memcmp(line, SIG_PREFIX, prefix) != 0)
        return malformed(err, "signature line %zu does not begin with an em dash and a space", number);
    const char *name = line + prefix;
    const char *space = memchr(name, ' ', len - prefix);
    if (!space)
        return malformed(err, "signature line %zu has no space between the key name and the signature", number);
    size_t name_len = (size_t)(space - name);
    const char *problem = tlog_name_problem(name, name_len);
    if (problem)
        return malformed(err, "%s in signature line %zu", problem, number);
    memcpy(sig->name, name, name_len);
    sig->name[name_len] = '\0';
    uint8_t bin[KEY_ID_BYTES + HCBUS_TLOG_SIG_MAX];
    const char *b64 = space + 1;
    long n = tlog_b64_decode(b64, (size_t)(line + len - b64), bin, sizeof bin);
    if (n < 0)
        return malformed(err, "bad base64 in signature line %zu", number);
    if (n <= KEY_ID_BYTES)
        return malformed(err, "the signature in line %zu is shorter than a key id and a signature", number);
    sig->key_id = (uint32_t)bin[0] << 24 | (uint32_t)bin[1] << 16 | (uint32_t)bin[2] << 8 | bin[3];
    sig->sig_len = (size_t)n - KEY_ID_BYTES;
    memcpy(sig->sig, bin + KEY_ID_BYTES, sig->sig_len);
    return 0;
}

hcbus_tlog_note_t *hcbus_tlog_note_parse(const char *msg, size_t len, hcbus_error_t *err)
{
    size_t at = 0;
    if (len > HCBUS_TLOG_NOTE_MAX) {
        hcbus_error_set(err, HCBUS_EMALFORMED, "note", "malformed note: over %d bytes", HCBUS_TLOG_NOTE_MAX);
        return NULL;
    }
    const char *problem = text_problem(msg, len, &at);
    if (problem) {
        hcbus_error_set(err, HCBUS_EMALFORMED, "note", "malformed note: %s at byte %zu", problem, at);
        return NULL;
    }
    /* The signatures follow the last blank line: text "\n" "\n" signatures. */
    size_t split = len;
    for (size_t i = len; i >= 2; i--)
        if (msg[i - 2] == '\n' && msg[i - 1] == '\n') {
            split = i - 2;
            break;
        }
    if (split == len) {
        malformed(err, "missing blank line before the signatures");
        return NULL;
    }
    const char *sigs = msg + split + 2;
    size_t sigs_len = len - split - 2;
    if (sigs_len == 0 || sigs[sigs_len - 1] != '\n') {
        if (sigs_len == 0)
            malformed(err, "no signature lines after the blank line");
        else
            malformed(err, "the last signature line does not end with a newline");
        return NULL;
    }
    hcbus_tlog_note_t *note = calloc(1, sizeof *note);
    if (note)
        note->text = malloc(split + 2);
    if (!note || !note->text) {
        hcbus_tlog_note_free(&note);
        hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory for a note");
        return NULL;
    }
    memcpy(note->text, msg, split + 1);
    note->text[split + 1] = '\0';
    note->text_len = split + 1;
    for (const char *p = sigs; p < sigs + sigs_len;) {
        const char *nl = memchr(p, '\n', (size_t)(sigs + sigs_len - p));
        if (note->nsigs == HCBUS_TLOG_NOTE_SIGS_MAX) {
            malformed(err, "more than %d signature lines", HCBUS_TLOG_NOTE_SIGS_MAX);
            hcbus_tlog_note_free(&note);
            return NULL;
        }
        if (parse_sig(p, (size_t)(nl - p), note->nsigs + 1, &note->sigs[note->nsigs], err) < 0) {
            hcbus_tlog_note_free(&note);
            return NULL;
        }
        note->nsigs++;
        p = nl + 1;
    }
    return note;
}

void hcbus_tlog_note_free(hcbus_tlog_note_t **note)
{
    if (!note || !*note)
        return;
    free((*note)->text);
    free(*note);
    *note = NULL;
}

int hcbus_tlog_note_verify(const hcbus_tlog_note_t *note, const hcbus_tlog_verifier_t *verifiers, size_t n,
                           hcbus_error_t *err)
{
    size_t verified = 0;
    for (size_t i = 0; i < note->nsigs; i++) {
        const hcbus_tlog_note_sig_t *s = &note->sigs[i];
        for (size_t j = 0; j < n; j++) {
            const hcbus_tlog_verifier_t *v = &verifiers[j];
            if (v->key_id != s->key_id || strcmp(v->name, s->name) != 0)
                continue;
            if (s->sig_len != TLOG_ED25519_SIG ||
                crypto_sign_verify_detached(s->sig, (const uint8_t *)note->text, note->text_len, v->public_key) !=
                    0)
                return hcbus_error_set(err, HCBUS_EUNAUTHORIZED, "note.signature",
                                       "bad signature by key %s+%08" PRIx32 " (signature line %zu)", s->name,
                                       s->key_id, i + 1);
            verified++;
        }
    }
    if (verified > 0)
        return 0;
    char signers[HCBUS_ERROR_MESSAGE_MAX / 2] = "";
    size_t used = 0;
    for (size_t i = 0; i < note->nsigs && used + 1 < sizeof signers; i++) {
        int w = snprintf(signers + used, sizeof signers - used, "%s%s+%08" PRIx32, i ? ", " : "",
                         note->sigs[i].name, note->sigs[i].key_id);
        used = w < 0 ? sizeof signers : used + (size_t)w;
    }
    hcbus_error_set(err, HCBUS_EUNAUTHORIZED, "note.signature", "unknown key: the note is signed only by %.150s",
                    signers);
    return hcbus_error_hint(err, "verify it with the verifier key (.pub) of the log that signed it");
}
