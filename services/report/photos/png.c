/* png.c — the PNG walker of photo_strip(): checks the signature and every chunk's
 * length, type and CRC, and copies only IHDR, PLTE, IDAT and IEND, plus the rendering
 * chunks tRNS, gAMA, cHRM and sRGB (fixed-size numbers a decoder uses to show the
 * pixels, nothing about who made them) where a decoder would use them. Every other
 * ancillary chunk (tEXt, zTXt, iTXt, eXIf, tIME, iCCP, pHYs, vendor chunks...) is
 * dropped, and so is anything after IEND. An animated PNG (acTL) is refused: keeping
 * its first frame only would drop the rest without a word. */
#include <stdint.h>
#include <string.h>

#include "formats.h"

#define PNG_SIGNATURE_LEN 8
#define PNG_CHUNK_OVERHEAD 12            /* length, type, CRC */
#define PNG_LENGTH_MAX 0x7fffffffu       /* PNG spec 5.3 */
#define PNG_IHDR_LEN 13

typedef struct png_walk {
    const unsigned char *in;
    size_t len;
    photo_out_t *out;
    hcbus_error_t *err;
    int colour_type;                     /* -1 until IHDR */
    size_t palette_entries;              /* 0 until PLTE */
    enum { IDAT_NONE, IDAT_IN_RUN, IDAT_AFTER_RUN } idat;
} png_walk_t;

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* CRC-32 as PNG (and zlib) define it: polynomial 0xEDB88320, reflected, four bits at
 * a time from a constant table (no shared state between the web layer's threads). */
static uint32_t png_crc(const unsigned char *p, size_t n)
{
    static const uint32_t nibble[16] = {
        0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
        0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c, 0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
    };
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ nibble[crc & 15];
        crc = (crc >> 4) ^ nibble[crc & 15];
    }
    return crc ^ 0xffffffffu;
}

/* "damaged PNG: <what> (chunk TYPE) at byte N". */
static int damaged(png_walk_t *w, size_t at, const char *type, const char *what)
{
    return hcbus_error_set(w->err, HCBUS_EINVALID, PHOTO_FIELD, "damaged PNG: %s (chunk %.4s) at byte %zu", what,
                           type, at);
}

static int truncated(png_walk_t *w, size_t at)
{
    if (at == w->len)
        hcbus_error_set(w->err, HCBUS_EINVALID, PHOTO_FIELD,
                        "damaged PNG: the file ends at byte %zu, before the end chunk IEND (truncated upload?)", at);
    else
        hcbus_error_set(w->err, HCBUS_EINVALID, PHOTO_FIELD,
                    "damaged PNG: the file ends inside the chunk that begins at byte %zu, before IEND "
                    "(truncated upload?)", at);
    return hcbus_error_hint(w->err, "send the photo again; if it fails again, take a screenshot of it and send that");
}

/* IHDR: width, height, bit depth, colour type, compression, filter, interlace. */
static int check_ihdr(png_walk_t *w, size_t at, const unsigned char *b, size_t n)
{
    if (n != PNG_IHDR_LEN)
        return damaged(w, at, "IHDR", "an image header of the wrong length");
    uint32_t width = be32(b), height = be32(b + 4);
    unsigned depth = b[8], colour = b[9];
    if (width == 0 || height == 0 || width > PNG_LENGTH_MAX || height > PNG_LENGTH_MAX)
        return damaged(w, at, "IHDR", "an image size of zero or over 2^31-1");
    int depth_ok;
    switch (colour) {
    case 0: depth_ok = depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16; break;
    case 3: depth_ok = depth == 1 || depth == 2 || depth == 4 || depth == 8; break;
    case 2: case 4: case 6: depth_ok = depth == 8 || depth == 16; break;
    default: depth_ok = 0;
    }
    if (!depth_ok)
        return damaged(w, at, "IHDR", "a colour type and bit depth no PNG has");
    if (b[10] != 0 || b[11] != 0 || b[12] > 1)
        return damaged(w, at, "IHDR", "an unknown compression, filter or interlace method");
    w->colour_type = (int)colour;
    return 1;
}

/* tRNS: its size depends on the colour type (PNG spec 11.3.2.1). */
static int trns_fits(const png_walk_t *w, size_t n)
{
    switch (w->colour_type) {
    case 0: return n == 2;
    case 2: return n == 6;
    case 3: return w->palette_entries > 0 && n >= 1 && n <= w->palette_entries;
    default: return 0;
    }
}

static int is_type(const unsigned char *t, const char *name) { return memcmp(t, name, 4) == 0; }

/* Keep (1), drop (0) or refuse (-1) the chunk of type t and data b[0..n) at byte at.
 * Rendering chunks that are misplaced or malformed are dropped, as a decoder would
 * ignore them. */
static int keep_chunk(png_walk_t *w, size_t at, const unsigned char *t, const unsigned char *b, size_t n)
{
    int before_idat = w->idat == IDAT_NONE;
    if (is_type(t, "IHDR"))
        return damaged(w, at, "IHDR", "a second image header");
    if (is_type(t, "PLTE")) {
        if (!before_idat || w->palette_entries > 0)
            return damaged(w, at, "PLTE", "a palette after the image data, or a second one");
        if (n == 0 || n % 3 || n > 3 * 256)
            return damaged(w, at, "PLTE", "a palette of the wrong length");
        if (w->colour_type == 0 || w->colour_type == 4)
            return damaged(w, at, "PLTE", "a palette in a greyscale image");
        w->palette_entries = n / 3;
        return 1;
    }
    if (is_type(t, "IDAT")) {
        if (w->idat == IDAT_AFTER_RUN)
            return damaged(w, at, "IDAT", "image data split by another chunk");
        if (w->colour_type == 3 && w->palette_entries == 0)
            return damaged(w, at, "IDAT", "palette image data without a palette");
        w->idat = IDAT_IN_RUN;
        return 1;
    }
    if (is_type(t, "acTL") || is_type(t, "fcTL") || is_type(t, "fdAT")) {
        hcbus_error_set(w->err, HCBUS_EINVALID, PHOTO_FIELD,
                        "animated PNG (chunk %.4s at byte %zu): only still photos are accepted", (const char *)t, at);
        return hcbus_error_hint(w->err, "send a still photo (JPEG or PNG), or a screenshot of the animation");
    }
    if (is_type(t, "tRNS"))
        return before_idat && trns_fits(w, n);
    if (is_type(t, "gAMA"))
        return before_idat && w->palette_entries == 0 && n == 4;
    if (is_type(t, "cHRM"))
        return before_idat && w->palette_entries == 0 && n == 32;
    if (is_type(t, "sRGB"))
        return before_idat && w->palette_entries == 0 && n == 1 && b[0] <= 3;
    if (!(t[0] & 0x20))                  /* upper-case first letter: critical */
        return damaged(w, at, (const char *)t, "a critical chunk this reader does not know");
    return 0;
}

static int valid_type(const unsigned char *t)
{
    for (int i = 0; i < 4; i++)
        if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z')))
            return 0;
    return 1;
}

int png_strip(const unsigned char *in, size_t len, photo_out_t *out, hcbus_error_t *err)
{
    png_walk_t w = {.in = in, .len = len, .out = out, .err = err, .colour_type = -1, .idat = IDAT_NONE};
    out->len = 0;
    if (photo_out_put(out, in, PNG_SIGNATURE_LEN, err) < 0)
        return -1;
    size_t pos = PNG_SIGNATURE_LEN;
    for (;;) {
        size_t at = pos;
        if (len - pos < PNG_CHUNK_OVERHEAD)
            return truncated(&w, at);
        uint32_t n = be32(in + pos);
        const unsigned char *type = in + pos + 4;
        if (!valid_type(type))
            return hcbus_error_set(err, HCBUS_EINVALID, PHOTO_FIELD,
                                   "damaged PNG: a chunk type that is not four letters at byte %zu", at);
        if (n > PNG_LENGTH_MAX)
            return damaged(&w, at, (const char *)type, "a chunk length over 2^31-1");
        if (n > len - pos - PNG_CHUNK_OVERHEAD)
            return truncated(&w, at);
        const unsigned char *data = type + 4;
        if (png_crc(type, 4 + (size_t)n) != be32(data + n))
            return damaged(&w, at, (const char *)type, "a CRC that does not match (the file was altered)");
        size_t chunk_len = PNG_CHUNK_OVERHEAD + (size_t)n;
        pos += chunk_len;

        if (w.colour_type < 0) {
            if (!is_type(type, "IHDR"))
                return damaged(&w, at, (const char *)type, "a first chunk that is not the image header IHDR");
            if (check_ihdr(&w, at, data, n) < 0)
                return -1;
            if (photo_out_put(out, in + at, chunk_len, err) < 0)
                return -1;
            continue;
        }
        if (is_type(type, "IEND")) {
            if (n != 0)
                return damaged(&w, at, "IEND", "an end chunk that is not empty");
            if (w.idat == IDAT_NONE)
                return damaged(&w, at, "IEND", "the end of the image before any image data (IDAT)");
            return photo_out_put(out, in + at, chunk_len, err);  /* anything after IEND is dropped */
        }
        if (w.idat == IDAT_IN_RUN && !is_type(type, "IDAT"))
            w.idat = IDAT_AFTER_RUN;
        int keep = keep_chunk(&w, at, type, data, n);
        if (keep < 0)
            return -1;
        if (keep && photo_out_put(out, in + at, chunk_len, err) < 0)
            return -1;
    }
}
