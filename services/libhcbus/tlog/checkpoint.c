/* checkpoint.c — tlog checkpoints (c2sp.org/tlog-checkpoint): the note body
 * "<origin>\n<size>\n<base64 root>\n" written, parsed strictly, signed and opened
 * (parse + verify + origin check) through note.c. */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/tlog.h"
#include "text.h"

#define SIZE_DIGITS_MAX 20 /* UINT64_MAX has 20 digits */

static int origin_problem(const char *origin, size_t len, hcbus_error_t *err)
{
    if (len == 0)
        return hcbus_error_set(err, HCBUS_EMALFORMED, "checkpoint.origin", "the checkpoint origin is empty");
    if (len > HCBUS_TLOG_ORIGIN_MAX)
        return hcbus_error_set(err, HCBUS_EMALFORMED, "checkpoint.origin", "the checkpoint origin is over %d bytes",
                               HCBUS_TLOG_ORIGIN_MAX);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)origin[i] < 0x20 || origin[i] == 0x7f)
            return hcbus_error_set(err, HCBUS_EMALFORMED, "checkpoint.origin",
                                   "the checkpoint origin has a control character");
    return 0;
}

int hcbus_tlog_checkpoint_sign(const hcbus_tlog_checkpoint_t *cp, const hcbus_tlog_signer_t *signer, char **note,
                               hcbus_error_t *err)
{
    *note = NULL;
    if (origin_problem(cp->origin, strnlen(cp->origin, sizeof cp->origin), err) < 0)
        return -1;
    char root[sodium_base64_ENCODED_LEN(HCBUS_TLOG_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    tlog_b64_encode(cp->root.b, HCBUS_TLOG_HASH_BYTES, root, sizeof root);
    char body[HCBUS_TLOG_ORIGIN_MAX + SIZE_DIGITS_MAX + sizeof root + 4];
    snprintf(body, sizeof body, "%s\n%" PRIu64 "\n%s\n", cp->origin, cp->size, root);
    return hcbus_tlog_note_sign(body, signer, note, err); /* checks the origin is UTF-8 */
}

/* The line at *p (up to end), without its "\n"; advances *p past it. False at the end. */
static bool next_line(const char **p, const char *end, const char **line, size_t *len)
{
    if (*p >= end)
        return false;
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    if (!nl)
        return false;
    *line = *p;
    *len = (size_t)(nl - *p);
    *p = nl + 1;
    return true;
}

static int parse_size(const char *s, size_t len, uint64_t *out, hcbus_error_t *err)
{
    if (len == 0 || len > SIZE_DIGITS_MAX || (len > 1 && s[0] == '0'))
        return hcbus_error_set(err, HCBUS_EMALFORMED, "checkpoint.size",
                               "the checkpoint size is not a decimal number without leading zeros");
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return hcbus_error_set(err, HCBUS_EMALFORMED, "checkpoint.size",
                                   "the checkpoint size is not a decimal number");
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return hcbus_error_set(err, HCBUS_EMALFORMED, "checkpoint.size",
                                   "the checkpoint size is over 2^64-1");
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int hcbus_tlog_checkpoint_parse(const char *text, size_t len, hcbus_tlog_checkpoint_t *out, hcbus_error_t *err)
{
    memset(out, 0, sizeof *out);
    const char *p = text, *end = text + len, *line;
    size_t n;
    if (len == 0 || text[len - 1] != '\n')
        return hcbus_error_set(err, HCBUS_EMALFORMED, "checkpoint", "the checkpoint does not end with a newline");
    if (!next_line(&p, end, &line, &n))
        return hcbus_error_set(err, HCBUS_EMALFORMED, "checkpoint.origin", "the checkpoint has no origin line");
    if (origin_problem(line, n, err) < 0)
        return -1;
    memcpy(out->origin, line, n);
    out->origin[n] = '\0';
    if (!next_line(&p, end, &line, &n))
        return hcbus_error_set(err, HCBUS_EMALFORMED, "checkpoint.size", "the checkpoint has no size line");
    if (parse_size(line, n, &out->size, err) < 0)
        return -1;
    if (!next_line(&p, end, &line, &n))
        return hcbus_error_set(err, HCBUS_EMALFORMED, "checkpoint.root", "the checkpoint has no root hash line");
    uint8_t root[HCBUS_TLOG_HASH_BYTES + 1];
    long got = tlog_b64_decode(line, n, root, sizeof root);
    if (got < 0)
        return hcbus_error_set(err, HCBUS_EMALFORMED, "checkpoint.root", "bad base64 in the checkpoint root hash");
    if (got != HCBUS_TLOG_HASH_BYTES)
        return hcbus_error_set(err, HCBUS_EMALFORMED, "checkpoint.root",
                               "the checkpoint root hash is %ld bytes, not %d", got, HCBUS_TLOG_HASH_BYTES);
    memcpy(out->root.b, root, HCBUS_TLOG_HASH_BYTES);
    for (size_t ext = 1; next_line(&p, end, &line, &n); ext++)
        if (n == 0)
            return hcbus_error_set(err, HCBUS_EMALFORMED, "checkpoint",
                                   "extension line %zu of the checkpoint is empty", ext);
    return 0;
}

int hcbus_tlog_checkpoint_open(const char *msg, size_t len, const char *origin,
                               const hcbus_tlog_verifier_t *verifiers, size_t n, hcbus_tlog_checkpoint_t *out,
                               hcbus_error_t *err)
{
    memset(out, 0, sizeof *out);
    hcbus_tlog_note_t *note = hcbus_tlog_note_parse(msg, len, err);
    if (!note)
        return -1;
    int rc = hcbus_tlog_note_verify(note, verifiers, n, err);
    if (rc == 0)
        rc = hcbus_tlog_checkpoint_parse(note->text, note->text_len, out, err);
    hcbus_tlog_note_free(&note);
    if (rc == 0 && origin && strcmp(out->origin, origin) != 0) {
        hcbus_error_set(err, HCBUS_EINVALID, "checkpoint.origin",
                        "origin mismatch: the checkpoint is of log \"%.100s\", not \"%.100s\"", out->origin, origin);
        rc = -1;
    }
    if (rc < 0)
        memset(out, 0, sizeof *out); /* nothing half-read reaches a careless caller */
    return rc;
}
