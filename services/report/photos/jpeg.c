/* jpeg.c — the JPEG walker of photo_strip(): reads the file segment by segment and
 * copies only what a decoder needs to rebuild the image (SOI, DQT, DHT, DAC, DRI, the
 * frame header, every scan with its entropy-coded data byte for byte, DNL, EOI). Every
 * APPn (JFIF, EXIF with GPS, maker notes and thumbnail, XMP, ICC, MPF, Photoshop/IPTC,
 * Adobe) and COM is dropped, and so is everything after EOI (MPF's extra images,
 * vendor trailers). Each kept segment's length must match its content exactly, so
 * nothing rides along inside one. Only the Adobe segment's colour-transform code
 * survives, in a segment rebuilt from scratch (decision 0022 says why). */
#include <stdint.h>
#include <string.h>

#include "formats.h"

/* Markers (ITU T.81 table B.1). */
enum {
    M_SOF0 = 0xc0, M_DHT = 0xc4, M_JPG = 0xc8, M_DAC = 0xcc, M_RST0 = 0xd0, M_RST7 = 0xd7,
    M_SOI = 0xd8, M_EOI = 0xd9, M_SOS = 0xda, M_DQT = 0xdb, M_DNL = 0xdc, M_DRI = 0xdd,
    M_DHP = 0xde, M_EXP = 0xdf, M_APP0 = 0xe0, M_APP14 = 0xee, M_APP15 = 0xef,
    M_JPG0 = 0xf0, M_JPG13 = 0xfd, M_COM = 0xfe, M_TEM = 0x01,
};

#define JPEG_MAX_COMPONENTS 4    /* what browsers' decoders accept (Y, YCbCr, CMYK/YCCK) */
#define ADOBE_PAYLOAD_MIN 12     /* "Adobe" version(2) flags0(2) flags1(2) transform(1) */

/* Where the walk is. */
typedef struct jpeg_walk {
    const unsigned char *in;
    size_t len;
    photo_out_t *out;
    hcbus_error_t *err;
    int frame_components;        /* 0 until the frame header (SOFn) */
    int scans;
    int adobe_transform;         /* -1: no Adobe segment seen */
} jpeg_walk_t;

static unsigned be16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }

static int is_sof(int m)
{
    return m >= M_SOF0 && m <= 0xcf && m != M_DHT && m != M_JPG && m != M_DAC;
}

static int damaged(jpeg_walk_t *w, size_t at, const char *what)
{
    return hcbus_error_set(w->err, HCBUS_EINVALID, PHOTO_FIELD, "damaged JPEG: %s at byte %zu", what, at);
}

static int truncated(jpeg_walk_t *w, size_t at, const char *what)
{
    hcbus_error_set(w->err, HCBUS_EINVALID, PHOTO_FIELD,
                    "damaged JPEG: the file ends inside %s that begins at byte %zu (truncated upload?)", what, at);
    return hcbus_error_hint(w->err, "send the photo again; if it fails again, take a screenshot of it and send that");
}

/* DQT: tables of (Pq|Tq, 64 or 128 bytes), exactly filling the segment. */
static int check_dqt(const unsigned char *b, size_t n)
{
    while (n > 0) {
        unsigned pq = b[0] >> 4, tq = b[0] & 15;
        size_t need = 1 + 64 * (size_t)(pq + 1);
        if (pq > 1 || tq > 3 || n < need)
            return -1;
        b += need;
        n -= need;
    }
    return 0;
}

/* DHT: tables of (Tc|Th, 16 counts, the values counted), exactly filling the segment. */
static int check_dht(const unsigned char *b, size_t n)
{
    if (n == 0)
        return -1;
    while (n > 0) {
        if (n < 17 || (b[0] >> 4) > 1 || (b[0] & 15) > 3)
            return -1;
        size_t values = 0;
        for (int i = 1; i <= 16; i++)
            values += b[i];
        if (values > 256 || n < 17 + values)
            return -1;
        b += 17 + values;
        n -= 17 + values;
    }
    return 0;
}

/* DAC: pairs of (Tc|Tb, Cs). */
static int check_dac(const unsigned char *b, size_t n)
{
    if (n == 0 || n % 2)
        return -1;
    for (size_t i = 0; i < n; i += 2)
        if ((b[i] >> 4) > 1 || (b[i] & 15) > 3)
            return -1;
    return 0;
}

/* SOFn: P, Y, X, Nf, then Nf × (C, H|V, Tq). */
static int check_sof(const unsigned char *b, size_t n)
{
    if (n < 6)
        return -1;
    unsigned nf = b[5];
    if (nf < 1 || nf > JPEG_MAX_COMPONENTS || n != 6 + 3 * (size_t)nf || be16(b + 3) == 0)
        return -1;
    for (unsigned i = 0; i < nf; i++) {
        unsigned h = b[6 + 3 * i + 1] >> 4, v = b[6 + 3 * i + 1] & 15;
        if (h < 1 || h > 4 || v < 1 || v > 4 || b[6 + 3 * i + 2] > 3)
            return -1;
    }
    return 0;
}

/* SOS: Ns, Ns × (Cs, Td|Ta), Ss, Se, Ah|Al. */
static int check_sos(const unsigned char *b, size_t n)
{
    return n >= 1 && b[0] >= 1 && b[0] <= JPEG_MAX_COMPONENTS && n == 4 + 2 * (size_t)b[0] ? 0 : -1;
}

/* The entropy-coded data after the SOS header at in[from..): up to the first marker
 * that is neither a stuffed 0xFF00 nor RSTn (fill bytes 0xFF before it excluded).
 * Sets *end there. */
static int scan_data_end(jpeg_walk_t *w, size_t sos_at, size_t from, size_t *end)
{
    size_t p = from;
    for (;;) {
        while (p < w->len && w->in[p] != 0xff)
            p++;
        size_t run = p;              /* the first 0xFF of a run of them */
        while (p < w->len && w->in[p] == 0xff)
            p++;
        if (p >= w->len)
            return truncated(w, sos_at, "the image data of the scan");
        unsigned m = w->in[p];
        if (m == 0x00 || (m >= M_RST0 && m <= M_RST7)) {
            p++;
            continue;
        }
        *end = run;
        return 0;
    }
}

/* What to do with a known segment (refuse_unknown passed): keep it (1) after checking
 * its content, drop it (0), or refuse the file (-1). */
static int keep_segment(jpeg_walk_t *w, unsigned m, size_t at, const unsigned char *b, size_t n)
{
    switch (m) {
    case M_DQT:
        return check_dqt(b, n) < 0 ? damaged(w, at, "a quantization table (DQT) of the wrong length") : 1;
    case M_DHT:
        return check_dht(b, n) < 0 ? damaged(w, at, "a Huffman table (DHT) of the wrong length") : 1;
    case M_DAC:
        return check_dac(b, n) < 0 ? damaged(w, at, "an arithmetic-coding table (DAC) of the wrong length") : 1;
    case M_DRI:
        return n != 2 ? damaged(w, at, "a restart interval (DRI) of the wrong length") : 1;
    case M_DNL:
        if (w->scans == 0)
            return damaged(w, at, "a number-of-lines segment (DNL) before any scan");
        return n != 2 ? damaged(w, at, "a number-of-lines segment (DNL) of the wrong length") : 1;
    case M_SOS:
        if (w->frame_components == 0)
            return damaged(w, at, "a scan (SOS) before the frame header (SOF)");
        return check_sos(b, n) < 0 ? damaged(w, at, "a scan header (SOS) of the wrong length") : 1;
    case M_COM:
        return 0;
    }
    if (m >= M_APP0 && m <= M_APP15) {
        if (m == M_APP14 && n >= ADOBE_PAYLOAD_MIN && b[0] == 'A' && b[1] == 'd' && b[2] == 'o' && b[3] == 'b' &&
            b[4] == 'e' && b[11] <= 2)
            w->adobe_transform = b[11];
        return 0;
    }
    /* What is left is a frame header (SOFn). */
    if (w->frame_components != 0)
        return damaged(w, at, "a second frame header (SOF)");
    if (check_sof(b, n) < 0)
        return damaged(w, at, "a frame header (SOF) that is malformed or has more than 4 components");
    w->frame_components = b[5];
    return 1;
}

/* Refuse a marker that begins no segment this walker knows, before reading a length
 * it may not have. Returns 0 for a known segment marker. */
static int refuse_unknown(jpeg_walk_t *w, unsigned m, size_t at)
{
    if (is_sof(m) || m == M_DQT || m == M_DHT || m == M_DAC || m == M_DRI || m == M_DNL || m == M_SOS ||
        m == M_COM || (m >= M_APP0 && m <= M_APP15))
        return 0;
    if (m == M_DHP || m == M_EXP || m == M_JPG || (m >= M_JPG0 && m <= M_JPG13)) {
        hcbus_error_set(w->err, HCBUS_EINVALID, PHOTO_FIELD,
                        "unsupported JPEG: marker 0x%02X at byte %zu (hierarchical, JPEG-LS or an extension) "
                        "is not a photo format browsers show", m, at);
        return -1;
    }
    return damaged(w, at, "an unknown marker");
}

/* Write FF m, the length and body of a kept segment, without the fill bytes before it. */
static int put_segment(jpeg_walk_t *w, unsigned m, const unsigned char *seg, size_t seg_len)
{
    unsigned char marker[2] = {0xff, (unsigned char)m};
    if (photo_out_put(w->out, marker, 2, w->err) < 0)
        return -1;
    return photo_out_put(w->out, seg, seg_len, w->err);
}

/* The Adobe segment a decoder needs to read CMYK, YCCK or RGB-coded files right:
 * version 100, no flags, the original transform code, nothing else. */
static void put_adobe(unsigned char *at, int transform)
{
    static const unsigned char adobe[16] = {0xff, M_APP14, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0};
    memcpy(at, adobe, sizeof adobe);
    at[15] = (unsigned char)transform;
}

/* The walk itself, from the byte after SOI to EOI. */
static int walk(jpeg_walk_t *w)
{
    size_t pos = 2;
    for (;;) {
        if (pos >= w->len) {
            hcbus_error_set(w->err, HCBUS_EINVALID, PHOTO_FIELD,
                            "damaged JPEG: the file ends at byte %zu without the end-of-image marker "
                            "(truncated upload?)", pos);
            return hcbus_error_hint(w->err, "send the photo again; if it fails again, take a screenshot of it "
                                            "and send that");
        }
        size_t at = pos;
        if (w->in[pos] != 0xff)
            return damaged(w, at, "a byte that should begin a marker");
        while (pos < w->len && w->in[pos] == 0xff)
            pos++;
        if (pos >= w->len)
            return truncated(w, at, "a marker");
        unsigned m = w->in[pos++];
        if (m == M_EOI) {
            if (w->scans == 0)
                return damaged(w, at, "the end of the image before any image data");
            static const unsigned char eoi[2] = {0xff, M_EOI};
            return photo_out_put(w->out, eoi, 2, w->err);
        }
        if (m == M_TEM)
            continue;
        if (m == M_SOI)
            return damaged(w, at, "a second start-of-image marker");
        if (m == 0x00 || (m >= M_RST0 && m <= M_RST7))
            return damaged(w, at, "a stuffed byte or restart marker outside image data");
        if (refuse_unknown(w, m, at) < 0)
            return -1;
        if (w->len - pos < 2)
            return truncated(w, at, "a segment header");
        size_t seg_len = be16(w->in + pos);
        if (seg_len < 2)
            return damaged(w, at, "a segment length below 2");
        if (seg_len > w->len - pos)
            return truncated(w, at, "a segment");
        int keep = keep_segment(w, m, at, w->in + pos + 2, seg_len - 2);
        if (keep < 0)
            return -1;
        size_t next = pos + seg_len;
        if (m == M_SOS) {
            if (scan_data_end(w, at, next, &next) < 0)
                return -1;
            w->scans++;
        }
        if (keep && put_segment(w, m, w->in + pos, next - pos) < 0)
            return -1;
        pos = next;
    }
}

int jpeg_strip(const unsigned char *in, size_t len, photo_out_t *out, hcbus_error_t *err)
{
    jpeg_walk_t w = {.in = in, .len = len, .out = out, .err = err, .adobe_transform = -1};
    static const unsigned char soi[2] = {0xff, M_SOI};
    unsigned char room[PHOTO_OUT_EXTRA] = {0};
    out->len = 0;
    /* SOI, then room for the rebuilt Adobe segment, filled or closed up at the end. */
    if (photo_out_put(out, soi, 2, err) < 0 || photo_out_put(out, room, sizeof room, err) < 0)
        return -1;
    if (walk(&w) < 0)
        return -1;
    if (w.adobe_transform >= 0) {
        put_adobe(out->bytes + 2, w.adobe_transform);
    } else {
        memmove(out->bytes + 2, out->bytes + 2 + sizeof room, out->len - 2 - sizeof room);
        out->len -= sizeof room;
    }
    return 0;
}
