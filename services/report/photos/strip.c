/* strip.c — photo_strip(): recognise a photo by its own first bytes (never by the
 * content type a browser claimed), hand it to the JPEG or PNG walker, and own the
 * bounded output buffer. Anything else is refused, naming what it looks like. */
#include "strip.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats.h"

static const unsigned char png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

int photo_out_put(photo_out_t *out, const unsigned char *p, size_t n, hcbus_error_t *err)
{
    if (n > out->cap - out->len)
        return hcbus_error_set(err, HCBUS_EINTERNAL, PHOTO_FIELD,
                               "photo output bound exceeded (%zu + %zu > %zu)", out->len, n, out->cap);
    memcpy(out->bytes + out->len, p, n);
    out->len += n;
    return 0;
}

static int starts_with(const unsigned char *in, size_t len, size_t at, const char *magic)
{
    size_t n = strlen(magic);
    return len >= at + n && memcmp(in + at, magic, n) == 0;
}

/* What a refused file looks like, for the message: the formats phones and browsers
 * actually send when they do not send JPEG. NULL when unrecognised. */
static const char *other_format(const unsigned char *in, size_t len)
{
    if (starts_with(in, len, 4, "ftyp")) {
        if (starts_with(in, len, 8, "avif") || starts_with(in, len, 8, "avis"))
            return "an AVIF image";
        if (starts_with(in, len, 8, "qt  ") || starts_with(in, len, 8, "isom") || starts_with(in, len, 8, "mp4"))
            return "a video";
        return "a HEIC/HEIF image";
    }
    if (starts_with(in, len, 0, "GIF87a") || starts_with(in, len, 0, "GIF89a"))
        return "a GIF image";
    if (starts_with(in, len, 0, "RIFF") && starts_with(in, len, 8, "WEBP"))
        return "a WebP image";
    if (starts_with(in, len, 0, "II*") || starts_with(in, len, 0, "MM"))
        return "a TIFF (or camera raw) image";
    if (starts_with(in, len, 0, "BM"))
        return "a BMP image";
    if (starts_with(in, len, 0, "%PDF"))
        return "a PDF document";
    return NULL;
}

static int refuse_other(const unsigned char *in, size_t len, hcbus_error_t *err)
{
    const char *what = other_format(in, len);
    if (what)
        hcbus_error_set(err, HCBUS_EINVALID, PHOTO_FIELD, "not a JPEG or PNG image: the file is %s", what);
    else
        hcbus_error_set(err, HCBUS_EINVALID, PHOTO_FIELD,
                        "not a JPEG or PNG image: its first bytes are neither JPEG's nor PNG's signature");
    return hcbus_error_hint(err, "send the photo as JPEG or PNG (an iPhone sends JPEG when Settings > Camera > "
                                 "Formats is 'Most Compatible')");
}

int photo_strip(const unsigned char *in, size_t len, report_photo_t *out, hcbus_error_t *err)
{
    if (!out)
        return hcbus_error_set(err, HCBUS_EINTERNAL, PHOTO_FIELD, "photo_strip: no output given");
    memset(out, 0, sizeof *out);
    if (len == 0)
        return hcbus_error_set(err, HCBUS_EINVALID, PHOTO_FIELD, "the file is empty");
    if (!in)
        return hcbus_error_set(err, HCBUS_EINTERNAL, PHOTO_FIELD, "photo_strip: no input given");

    int is_jpeg = len >= 2 && in[0] == 0xff && in[1] == 0xd8;
    int is_png = len >= sizeof png_signature && memcmp(in, png_signature, sizeof png_signature) == 0;
    if (!is_jpeg && !is_png) {
        if (starts_with(in, len, 1, "PNG"))
            return hcbus_error_set(err, HCBUS_EINVALID, PHOTO_FIELD,
                                   "damaged PNG: the 8-byte signature is altered (was the file sent as text?)");
        return refuse_other(in, len, err);
    }
    if (len > SIZE_MAX - PHOTO_OUT_EXTRA)
        return hcbus_error_set(err, HCBUS_EINVALID, PHOTO_FIELD, "the file is too large");

    photo_out_t buf = {.bytes = malloc(len + PHOTO_OUT_EXTRA), .len = 0, .cap = len + PHOTO_OUT_EXTRA};
    if (!buf.bytes)
        return hcbus_error_set(err, HCBUS_ENOMEM, PHOTO_FIELD, "no memory to clean a %zu-byte photo", len);
    int rc = is_jpeg ? jpeg_strip(in, len, &buf, err) : png_strip(in, len, &buf, err);
    if (rc < 0) {
        free(buf.bytes);
        return -1;
    }
    /* The cleaned photo waits in memory until its report is released: give back
     * what the metadata took (a phone's EXIF thumbnail and MPF preview can be 10%). */
    unsigned char *fit = realloc(buf.bytes, buf.len);
    out->bytes = fit ? fit : buf.bytes;
    out->len = buf.len;
    out->content_type = is_jpeg ? "image/jpeg" : "image/png";
    return 0;
}
