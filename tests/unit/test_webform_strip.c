/* test_webform_strip.c — hcbus-report's photo_strip() (services/report/photos): every
 * metadata block of JPEG and PNG removed and the image data kept byte for byte, on
 * crafted files (one block type at a time, then all at once) and on real ones made by
 * Pillow, exiftool and jpegtran (tests/unit/data/photo_meta*, README.md there); files
 * that are not JPEG or PNG, damaged or truncated at any offset are refused with a
 * message naming the field "foto", never a crash or a read past the end (ASan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "photos/strip.h"

#define BUF_MAX 16384

typedef struct buf {
    unsigned char b[BUF_MAX];
    size_t n;
} buf_t;

static void put(buf_t *b, const void *p, size_t n)
{
    assert_true(b->n + n <= BUF_MAX);
    memcpy(b->b + b->n, p, n);
    b->n += n;
}

static void put_bytes(buf_t *b, int count, ...)
{
    va_list ap;
    va_start(ap, count);
    for (int i = 0; i < count; i++) {
        unsigned char c = (unsigned char)va_arg(ap, int);
        put(b, &c, 1);
    }
    va_end(ap);
}

static int contains(const unsigned char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; k <= n && i <= n - k; i++)
        if (memcmp(hay + i, needle, k) == 0)
            return 1;
    return 0;
}

/* Strip, expecting success. The caller frees out->bytes. */
static void strip_ok(const unsigned char *in, size_t len, report_photo_t *out)
{
    hcbus_error_t err = {0};
    int rc = photo_strip(in, len, out, &err);
    if (rc != 0)
        fail_msg("refused: %s", err.message);
    assert_non_null(out->bytes);
    assert_true(out->len <= len + 16);
}

/* Strip, expecting HCBUS_EINVALID on "foto" with a message holding want. */
static void strip_refused(const unsigned char *in, size_t len, const char *want)
{
    /* An exact-size copy, so that ASan sees a read past len. */
    unsigned char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    if (len)
        memcpy(copy, in, len);
    report_photo_t out = {(unsigned char *)1, 1, "x"};
    hcbus_error_t err = {0};
    assert_int_equal(photo_strip(copy, len, &out, &err), -1);
    assert_int_equal(err.code, HCBUS_EINVALID);
    assert_string_equal(err.field, "foto");
    if (!strstr(err.message, want))
        fail_msg("expected \"%s\" in: %s", want, err.message);
    assert_null(out.bytes);
    assert_int_equal(out.len, 0);
    free(copy);
}

static void assert_bytes_equal(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
    assert_int_equal(alen, blen);
    for (size_t i = 0; i < alen; i++)
        if (a[i] != b[i])
            fail_msg("bytes differ at %zu: 0x%02x, expected 0x%02x", i, a[i], b[i]);
}

/* ---- crafted JPEG ----------------------------------------------------------------- */

static void seg(buf_t *b, unsigned m, const void *payload, size_t n)
{
    put_bytes(b, 4, 0xff, m, (int)((n + 2) >> 8), (int)((n + 2) & 0xff));
    put(b, payload, n);
}

static void seg_str(buf_t *b, unsigned m, const char *prefix, size_t prefix_len, const char *rest)
{
    unsigned char p[512];
    memcpy(p, prefix, prefix_len);
    memcpy(p + prefix_len, rest, strlen(rest));
    seg(b, m, p, prefix_len + strlen(rest));
}

/* The image part of a baseline (or, progressive, two-scan) JPEG: tables, frame,
 * scans with stuffed bytes and restart markers. No SOI, no EOI. */
static void jpeg_image(buf_t *b, int progressive, int fill_bytes)
{
    unsigned char dqt[65];
    dqt[0] = 0x00;
    for (int i = 1; i < 65; i++)
        dqt[i] = (unsigned char)i;
    seg(b, 0xdb, dqt, sizeof dqt);
    static const unsigned char sof[] = {8, 0, 16, 0, 16, 3, 1, 0x22, 0, 2, 0x11, 0, 3, 0x11, 0};
    seg(b, progressive ? 0xc2 : 0xc0, sof, sizeof sof);
    static const unsigned char dht[] = {0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05};
    seg(b, 0xc4, dht, sizeof dht);
    static const unsigned char dri[] = {0, 4};
    seg(b, 0xdd, dri, sizeof dri);
    if (fill_bytes)
        put_bytes(b, 2, 0xff, 0xff);
    static const unsigned char sos[] = {3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0};
    seg(b, 0xda, sos, sizeof sos);
    static const unsigned char scan[] = {0x12, 0x34, 0xff, 0x00, 0x56, 0xff, 0xd0, 0x78, 0xff,
                                         0xd1, 0x9a, 0xff, 0x00, 0xff, 0x00, 0xbc, 0xde};
    put(b, scan, sizeof scan);
    if (progressive) {
        static const unsigned char dht_ac[] = {0x10, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x11};
        seg(b, 0xc4, dht_ac, sizeof dht_ac);
        static const unsigned char sos2[] = {1, 1, 0x00, 1, 5, 0};
        seg(b, 0xda, sos2, sizeof sos2);
        static const unsigned char scan2[] = {0xfe, 0xff, 0x00, 0xff, 0xd7, 0x01};
        put(b, scan2, sizeof scan2);
    }
    if (fill_bytes)
        put_bytes(b, 3, 0xff, 0xff, 0xff);
}

static void jpeg_clean(buf_t *b, int progressive)
{
    b->n = 0;
    put_bytes(b, 2, 0xff, 0xd8);
    jpeg_image(b, progressive, 0);
    put_bytes(b, 2, 0xff, 0xd9);
}

/* A tiny JPEG as metadata carries one: a thumbnail or an MPF image. */
static void put_thumbnail(buf_t *b)
{
    put_bytes(b, 2, 0xff, 0xd8);
    jpeg_image(b, 0, 0);
    put_bytes(b, 2, 0xff, 0xd9);
}

typedef void (*block_fn)(buf_t *b);

static void blk_jfif_thumb(buf_t *b)
{
    unsigned char p[14 + 2 * 2 * 3] = {'J', 'F', 'I', 'F', 0, 1, 2, 1, 0, 72, 0, 72, 2, 2};
    memset(p + 14, 0xab, sizeof p - 14);
    seg(b, 0xe0, p, sizeof p);
}
static void blk_jfxx_thumb(buf_t *b)
{
    buf_t t = {0};
    put(&t, "JFXX\0\x10", 6);
    put_thumbnail(&t);
    seg(b, 0xe0, t.b, t.n);
}
static void blk_exif(buf_t *b)
{
    buf_t t = {0};
    put(&t, "Exif\0\0MM\0*\0\0\0\x08", 14);
    put(&t, "HCBUSCAM GPS 13.6929N 89.2182W SN-4242 hcbus-secret-maker-note", 62);
    put_thumbnail(&t);                       /* IFD1's thumbnail */
    seg(b, 0xe1, t.b, t.n);
}
static void blk_xmp(buf_t *b)
{
    seg_str(b, 0xe1, "http://ns.adobe.com/xap/1.0/\0", 29,
            "<x:xmpmeta><exif:GPSLatitude>13,41.57N</exif:GPSLatitude>hcbus-secret-xmp</x:xmpmeta>");
}
static void blk_xmp_extended(buf_t *b)
{
    seg_str(b, 0xe1, "http://ns.adobe.com/xmp/extension/\0", 35, "0123456789ABCDEF0123456789ABCDEFhcbus-secret");
}
static void blk_icc(buf_t *b) { seg_str(b, 0xe2, "ICC_PROFILE\0\x01\x01", 14, "hcbus-secret-icc-device-model"); }
static void blk_mpf(buf_t *b) { seg_str(b, 0xe2, "MPF\0II*\0", 8, "hcbus-secret-mpf-index"); }
static void blk_photoshop(buf_t *b)
{
    seg_str(b, 0xed, "Photoshop 3.0\0008BIM\x04\x04\0\0\0\0\0\x20", 26, "\x1c\x02\x50hcbus-secret-iptc-by-line");
}
static void blk_app3(buf_t *b) { seg_str(b, 0xe3, "Meta\0", 5, "hcbus-secret-app3"); }
static void blk_app12(buf_t *b) { seg_str(b, 0xec, "Ducky\0", 6, "hcbus-secret-app12"); }
static void blk_app15(buf_t *b) { seg_str(b, 0xef, "", 0, "hcbus-secret-app15"); }
static void blk_comment(buf_t *b) { seg_str(b, 0xfe, "", 0, "hcbus-secret-comment"); }
static void blk_empty_app(buf_t *b) { seg(b, 0xe5, "", 0); }
static void blk_tem(buf_t *b) { put_bytes(b, 2, 0xff, 0x01); }

static const struct {
    const char *name;
    block_fn put;
} jpeg_blocks[] = {
    {"JFIF APP0 with a thumbnail", blk_jfif_thumb},
    {"JFXX APP0 with a JPEG thumbnail", blk_jfxx_thumb},
    {"EXIF APP1 (GPS, maker note, thumbnail)", blk_exif},
    {"XMP APP1", blk_xmp},
    {"extended XMP APP1", blk_xmp_extended},
    {"ICC APP2", blk_icc},
    {"MPF APP2", blk_mpf},
    {"Photoshop/IPTC APP13", blk_photoshop},
    {"APP3", blk_app3},
    {"APP12 (Ducky)", blk_app12},
    {"APP15", blk_app15},
    {"COM", blk_comment},
    {"empty APP5", blk_empty_app},
    {"TEM", blk_tem},
};

/* One block type at a time, after SOI, between the tables and between two scans: the
 * output is the clean file, byte for byte. */
static void test_jpeg_each_block_removed(void **state)
{
    (void)state;
    for (int progressive = 0; progressive <= 1; progressive++) {
        buf_t clean;
        jpeg_clean(&clean, progressive);
        for (size_t i = 0; i < sizeof jpeg_blocks / sizeof jpeg_blocks[0]; i++) {
            for (int where = 0; where < 2; where++) {
                buf_t in = {0};
                put_bytes(&in, 2, 0xff, 0xd8);
                if (where == 0)
                    jpeg_blocks[i].put(&in);
                jpeg_image(&in, progressive, 0);
                if (where == 1)
                    jpeg_blocks[i].put(&in);     /* after the last scan, before EOI */
                put_bytes(&in, 2, 0xff, 0xd9);
                report_photo_t out;
                strip_ok(in.b, in.n, &out);
                assert_string_equal(out.content_type, "image/jpeg");
                if (out.len != clean.n || memcmp(out.bytes, clean.b, clean.n) != 0)
                    fail_msg("%s (%s) not removed exactly", jpeg_blocks[i].name, where ? "late" : "early");
                free(out.bytes);
            }
        }
    }
}

/* Everything at once, with fill bytes, and a second image and text after EOI (MPF,
 * vendor trailers): the clean file, with no identifying string left. */
static void test_jpeg_all_blocks_and_trailer(void **state)
{
    (void)state;
    buf_t clean;
    jpeg_clean(&clean, 1);
    buf_t in = {0};
    put_bytes(&in, 2, 0xff, 0xd8);
    for (size_t i = 0; i < sizeof jpeg_blocks / sizeof jpeg_blocks[0]; i++)
        jpeg_blocks[i].put(&in);
    jpeg_image(&in, 1, 1);
    blk_comment(&in);
    put_bytes(&in, 2, 0xff, 0xd9);
    put_thumbnail(&in);
    put(&in, "hcbus-secret-trailer", 20);
    report_photo_t out;
    strip_ok(in.b, in.n, &out);
    assert_bytes_equal(out.bytes, out.len, clean.b, clean.n);
    static const char *gone[] = {"hcbus-secret", "HCBUSCAM", "GPS", "SN-4242", "Exif", "JFIF", "ICC_PROFILE",
                                 "Photoshop", "MPF", "http://ns.adobe.com"};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
        if (contains(out.bytes, out.len, gone[i]))
            fail_msg("\"%s\" is still in the output", gone[i]);
    free(out.bytes);
}

/* A file without metadata comes out unchanged: tables, frame, scans (stuffed bytes,
 * restart markers) byte for byte. */
static void test_jpeg_clean_unchanged(void **state)
{
    (void)state;
    for (int progressive = 0; progressive <= 1; progressive++) {
        buf_t clean;
        jpeg_clean(&clean, progressive);
        report_photo_t out;
        strip_ok(clean.b, clean.n, &out);
        assert_bytes_equal(out.bytes, out.len, clean.b, clean.n);
        free(out.bytes);
    }
}

/* Every start-of-frame kind a browser may decode is kept, DAC (arithmetic coding
 * conditioning) and DNL too. */
static void test_jpeg_frame_kinds(void **state)
{
    (void)state;
    static const unsigned sofs[] = {0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf};
    for (size_t i = 0; i < sizeof sofs / sizeof sofs[0]; i++) {
        buf_t in = {0};
        put_bytes(&in, 2, 0xff, 0xd8);
        static const unsigned char dac[] = {0x00, 0x10, 0x11, 0x05};
        seg(&in, 0xcc, dac, sizeof dac);
        static const unsigned char sof[] = {8, 0, 0, 0, 16, 1, 1, 0x11, 0};
        seg(&in, sofs[i], sof, sizeof sof);
        static const unsigned char sos[] = {1, 1, 0x00, 0, 63, 0};
        seg(&in, 0xda, sos, sizeof sos);
        put_bytes(&in, 3, 0x01, 0x02, 0x03);
        static const unsigned char dnl[] = {0, 16};
        seg(&in, 0xdc, dnl, sizeof dnl);
        put_bytes(&in, 2, 0xff, 0xd9);
        report_photo_t out;
        strip_ok(in.b, in.n, &out);
        assert_bytes_equal(out.bytes, out.len, in.b, in.n);
        free(out.bytes);
    }
}

/* Adobe's APP14 tells a decoder how to read CMYK, YCCK and RGB-coded files: it is
 * rebuilt after SOI from its transform code alone (version 100, no flags, no extra). */
static void test_jpeg_adobe_rebuilt(void **state)
{
    (void)state;
    for (unsigned transform = 0; transform <= 3; transform++) {
        buf_t in = {0};
        put_bytes(&in, 2, 0xff, 0xd8);
        blk_exif(&in);
        unsigned char adobe[] = {'A', 'd', 'o', 'b', 'e', 0, 101, 0x80, 0x00, 0x12, 0x34, (unsigned char)transform,
                                 'h', 'c', 'b', 'u', 's'};
        seg(&in, 0xee, adobe, sizeof adobe);
        jpeg_image(&in, 0, 0);
        put_bytes(&in, 2, 0xff, 0xd9);
        buf_t want = {0};
        put_bytes(&want, 2, 0xff, 0xd8);
        if (transform <= 2) /* 3 is no transform at all: decoders ignore it, so do we */
            put_bytes(&want, 16, 0xff, 0xee, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, (int)transform);
        jpeg_image(&want, 0, 0);
        put_bytes(&want, 2, 0xff, 0xd9);
        report_photo_t out;
        strip_ok(in.b, in.n, &out);
        assert_bytes_equal(out.bytes, out.len, want.b, want.n);
        free(out.bytes);
    }
}

/* Damaged or unsupported JPEGs: refused, saying what and where. */
static void test_jpeg_refused(void **state)
{
    (void)state;
    buf_t clean;
    jpeg_clean(&clean, 0);
    struct {
        const char *bytes;
        size_t len;
        const char *want;
    } cases[] = {
        {"\xff\xd8", 2, "ends at byte 2 without the end-of-image marker"},
        {"\xff\xd8\xff", 3, "ends inside a marker"},
        {"\xff\xd8\x00\x00", 4, "a byte that should begin a marker at byte 2"},
        {"\xff\xd8\xff\xd9", 4, "end of the image before any image data"},
        {"\xff\xd8\xff\xd8\xff\xd9", 6, "second start-of-image marker at byte 2"},
        {"\xff\xd8\xff\xd0\xff\xd9", 6, "restart marker outside image data"},
        {"\xff\xd8\xff\x00\xff\xd9", 6, "stuffed byte"},
        {"\xff\xd8\xff\xe1\x00", 5, "ends inside a segment header"},
        {"\xff\xd8\xff\xe1\x00\x01\xff\xd9", 8, "segment length below 2"},
        {"\xff\xd8\xff\xe1\x10\x00" "Exif\0\0", 12, "ends inside a segment that begins at byte 2"},
        {"\xff\xd8\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00\x12\xff\xd9", 15, "scan (SOS) before the frame header"},
        {"\xff\xd8\xff\xdb\x00\x04\x00\x01\xff\xd9", 10, "quantization table (DQT) of the wrong length"},
        /* two codes counted, one value given */
        {"\xff\xd8\xff\xc4\x00\x14\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x05\xff\xd9",
         26, "Huffman table (DHT) of the wrong length"},
        {"\xff\xd8\xff\xc0\x00\x0c\x08\x00\x10\x00\x10\x01\x01\x11\x00\x00\xff\xd9", 18,
         "frame header (SOF) that is malformed"},  /* a byte more than one component needs */
        {"\xff\xd8\xff\xc0\x00\x0b\x08\x00\x10\x00\x00\x01\x01\x11\x00\xff\xd9", 17,
         "frame header (SOF) that is malformed"},  /* width 0 */
        {"\xff\xd8\xff\xc0\x00\x17\x08\x00\x10\x00\x10\x05\x01\x11\x00\x02\x11\x00\x03\x11\x00\x04\x11\x00\x05\x11"
         "\x00\xff\xd9", 29, "more than 4 components"},
        {"\xff\xd8\xff\xdd\x00\x03\x00\xff\xd9", 9, "restart interval (DRI) of the wrong length"},
        {"\xff\xd8\xff\xdc\x00\x04\x00\x10\xff\xd9", 10, "number-of-lines segment (DNL) before any scan"},
        {"\xff\xd8\xff\xcc\x00\x03\x00\xff\xd9", 9, "arithmetic-coding table (DAC) of the wrong length"},
        {"\xff\xd8\xff\xde\x00\x02\xff\xd9", 8, "unsupported JPEG: marker 0xDE at byte 2 (hierarchical"},
        {"\xff\xd8\xff\xf7\x00\x02\xff\xd9", 8, "unsupported JPEG: marker 0xF7"},
        {"\xff\xd8\xff\xc8\x00\x02\xff\xd9", 8, "unsupported JPEG: marker 0xC8"},
        {"\xff\xd8\xff\x02\x00\x02\xff\xd9", 8, "unknown marker at byte 2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        strip_refused((const unsigned char *)cases[i].bytes, cases[i].len, cases[i].want);

    /* A second frame header; a scan that never ends; a scan ending in a bad marker. */
    buf_t in = {0};
    put(&in, clean.b, clean.n - 2);
    static const unsigned char sof[] = {8, 0, 16, 0, 16, 1, 1, 0x11, 0};
    seg(&in, 0xc0, sof, sizeof sof);
    put_bytes(&in, 2, 0xff, 0xd9);
    strip_refused(in.b, in.n, "second frame header (SOF)");
    strip_refused(clean.b, clean.n - 2, "ends inside the image data of the scan");
    strip_refused(clean.b, clean.n - 1, "ends inside the image data of the scan");
    in.n = 0;
    put(&in, clean.b, clean.n - 2);
    put_bytes(&in, 3, 0xff, 0xff, 0x02);
    strip_refused(in.b, in.n, "unknown marker");
}

/* ---- crafted PNG ------------------------------------------------------------------ */

/* Bit by bit, independent of the library's table. */
static uint32_t crc32_bitwise(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

static void put_be32(buf_t *b, uint32_t v) { put_bytes(b, 4, (int)(v >> 24), (int)(v >> 16 & 0xff), (int)(v >> 8 & 0xff), (int)(v & 0xff)); }

static void chunk(buf_t *b, const char *type, const void *data, size_t n)
{
    put_be32(b, (uint32_t)n);
    size_t at = b->n;
    put(b, type, 4);
    put(b, data, n);
    put_be32(b, crc32_bitwise(b->b + at, 4 + n));
}

static void chunk_str(buf_t *b, const char *type, const char *s) { chunk(b, type, s, strlen(s)); }

/* A chunk whose data is a string literal (NULs included). */
#define CHUNK_LIT(b, type, lit) chunk((b), (type), (lit), sizeof(lit) - 1)

static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

/* A palette image: IHDR, [before PLTE], PLTE, tRNS, [before IDAT], IDAT, IDAT, IEND. */
static void png_palette(buf_t *b, block_fn before_plte, block_fn before_idat, block_fn after_idat)
{
    b->n = 0;
    put(b, png_sig, 8);
    static const unsigned char ihdr[13] = {0, 0, 0, 4, 0, 0, 0, 2, 8, 3, 0, 0, 0};
    chunk(b, "IHDR", ihdr, sizeof ihdr);
    if (before_plte)
        before_plte(b);
    static const unsigned char plte[6] = {0, 0, 0, 255, 255, 255};
    chunk(b, "PLTE", plte, sizeof plte);
    CHUNK_LIT(b, "tRNS", "\x00");
    if (before_idat)
        before_idat(b);
    CHUNK_LIT(b, "IDAT", "\x78\x9c\x63\x60");
    CHUNK_LIT(b, "IDAT", "\x00\x02\x00\x01");
    if (after_idat)
        after_idat(b);
    CHUNK_LIT(b, "IEND", "");
}

static void c_text(buf_t *b) { chunk_str(b, "tEXt", "Author\0hcbus-secret-author"); }
static void c_ztxt(buf_t *b) { CHUNK_LIT(b, "zTXt", "Comment\0\0\x78\x9c\x03\x00\x00\x00\x00\x01"); }
static void c_itxt(buf_t *b) { CHUNK_LIT(b, "iTXt", "XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta>hcbus-secret</x:xmpmeta>"); }
static void c_exif(buf_t *b) { CHUNK_LIT(b, "eXIf", "MM\0*\0\0\0\x08HCBUSCAM GPS hcbus-secret"); }
static void c_time(buf_t *b) { CHUNK_LIT(b, "tIME", "\x07\xea\x0b\x1e\x09\x0f\x00"); }
static void c_iccp(buf_t *b) { CHUNK_LIT(b, "iCCP", "hcbus-secret-icc\0\0\x78\x9c\x03\x00"); }
static void c_phys(buf_t *b) { CHUNK_LIT(b, "pHYs", "\0\0\x2e\x23\0\0\x2e\x23\x01"); }
static void c_bkgd(buf_t *b) { CHUNK_LIT(b, "bKGD", "\x01"); }
static void c_sbit(buf_t *b) { CHUNK_LIT(b, "sBIT", "\x08\x08\x08"); }
static void c_hist(buf_t *b) { CHUNK_LIT(b, "hIST", "\0\1\0\1"); }
static void c_splt(buf_t *b) { CHUNK_LIT(b, "sPLT", "hcbus-secret\0\x08"); }
static void c_private(buf_t *b) { chunk_str(b, "prVt", "hcbus-secret-vendor"); }
static void c_gama(buf_t *b) { CHUNK_LIT(b, "gAMA", "\0\0\xb1\x8f"); }
static void c_chrm(buf_t *b)
{
    CHUNK_LIT(b, "cHRM", "\0\0\x7a\x26\0\0\x80\x84\0\0\xfa\0\0\0\x80\xe8\0\0\x75\x30\0\0\xea\x60\0\0\x3a\x98\0\0\x17\x70");
}
static void c_srgb(buf_t *b) { CHUNK_LIT(b, "sRGB", "\0"); }
static void c_rendering(buf_t *b)
{
    c_gama(b);
    c_chrm(b);
    c_srgb(b);
}

static const struct {
    const char *name;
    block_fn put;
} png_blocks[] = {
    {"tEXt", c_text}, {"zTXt", c_ztxt}, {"iTXt (XMP)", c_itxt}, {"eXIf", c_exif}, {"tIME", c_time},
    {"iCCP", c_iccp}, {"pHYs", c_phys}, {"bKGD", c_bkgd}, {"sBIT", c_sbit}, {"hIST", c_hist},
    {"sPLT", c_splt}, {"private prVt", c_private},
};

static void test_png_each_chunk_removed(void **state)
{
    (void)state;
    buf_t clean;
    png_palette(&clean, NULL, NULL, NULL);
    for (size_t i = 0; i < sizeof png_blocks / sizeof png_blocks[0]; i++) {
        for (int where = 0; where < 3; where++) {
            buf_t in;
            png_palette(&in, where == 0 ? png_blocks[i].put : NULL, where == 1 ? png_blocks[i].put : NULL,
                        where == 2 ? png_blocks[i].put : NULL);
            report_photo_t out;
            strip_ok(in.b, in.n, &out);
            assert_string_equal(out.content_type, "image/png");
            if (out.len != clean.n || memcmp(out.bytes, clean.b, clean.n) != 0)
                fail_msg("chunk %s (place %d) not removed exactly", png_blocks[i].name, where);
            free(out.bytes);
        }
    }
}

static void all_ancillary(buf_t *b)
{
    for (size_t i = 0; i < sizeof png_blocks / sizeof png_blocks[0]; i++)
        png_blocks[i].put(b);
}

/* Everything at once and bytes after IEND: the clean file. gAMA, cHRM and sRGB before
 * PLTE are kept (rendering, not identity); after it a decoder ignores them: dropped. */
static void test_png_all_chunks_and_trailer(void **state)
{
    (void)state;
    buf_t clean, in;
    png_palette(&clean, c_rendering, NULL, NULL);
    png_palette(&in, c_rendering, all_ancillary, all_ancillary);
    put(&in, "hcbus-secret-trailer", 20);
    report_photo_t out;
    strip_ok(in.b, in.n, &out);
    assert_bytes_equal(out.bytes, out.len, clean.b, clean.n);
    assert_false(contains(out.bytes, out.len, "hcbus-secret"));
    assert_false(contains(out.bytes, out.len, "HCBUSCAM"));
    free(out.bytes);

    png_palette(&in, NULL, c_rendering, NULL);       /* after PLTE: dropped */
    png_palette(&clean, NULL, NULL, NULL);
    strip_ok(in.b, in.n, &out);
    assert_bytes_equal(out.bytes, out.len, clean.b, clean.n);
    free(out.bytes);
}

static void ihdr_png(buf_t *b, const unsigned char ihdr[13], block_fn more)
{
    b->n = 0;
    put(b, png_sig, 8);
    chunk(b, "IHDR", ihdr, 13);
    if (more)
        more(b);
    CHUNK_LIT(b, "IDAT", "\x78\x9c");
    CHUNK_LIT(b, "IEND", "");
}

static void c_trns_grey(buf_t *b) { CHUNK_LIT(b, "tRNS", "\0\x07"); }
static void c_trns_bad(buf_t *b) { CHUNK_LIT(b, "tRNS", "\0\x07\0"); }
static void c_gama_bad(buf_t *b) { CHUNK_LIT(b, "gAMA", "\0\0\xb1"); }
static void c_plte(buf_t *b) { CHUNK_LIT(b, "PLTE", "\0\0\0"); }
static void c_plte_bad(buf_t *b) { CHUNK_LIT(b, "PLTE", "\0\0\0\0"); }
static void c_actl(buf_t *b) { CHUNK_LIT(b, "acTL", "\0\0\0\x02\0\0\0\0"); }
static void c_unknown_critical(buf_t *b) { CHUNK_LIT(b, "CgBI", "\0\0\0\0"); }
static void c_second_ihdr(buf_t *b) { CHUNK_LIT(b, "IHDR", "\0\0\0\1\0\0\0\1\x08\0\0\0\0"); }

/* tRNS of the right size for its colour type is kept; wrong sizes are dropped as a
 * decoder ignores them. */
static void test_png_trns(void **state)
{
    (void)state;
    static const unsigned char grey[13] = {0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0};
    buf_t in, clean;
    ihdr_png(&in, grey, c_trns_grey);
    report_photo_t out;
    strip_ok(in.b, in.n, &out);
    assert_bytes_equal(out.bytes, out.len, in.b, in.n);
    free(out.bytes);
    ihdr_png(&in, grey, c_trns_bad);
    ihdr_png(&clean, grey, NULL);
    strip_ok(in.b, in.n, &out);
    assert_bytes_equal(out.bytes, out.len, clean.b, clean.n);
    free(out.bytes);
    ihdr_png(&in, grey, c_gama_bad);
    strip_ok(in.b, in.n, &out);
    assert_bytes_equal(out.bytes, out.len, clean.b, clean.n);
    free(out.bytes);
}

static void test_png_refused(void **state)
{
    (void)state;
    static const unsigned char rgb[13] = {0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0};
    static const unsigned char grey[13] = {0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0};
    static const unsigned char pal[13] = {0, 0, 0, 1, 0, 0, 0, 1, 8, 3, 0, 0, 0};
    buf_t in;

    ihdr_png(&in, rgb, c_actl);
    strip_refused(in.b, in.n, "animated PNG (chunk acTL at byte 33)");
    ihdr_png(&in, rgb, c_unknown_critical);
    strip_refused(in.b, in.n, "a critical chunk this reader does not know (chunk CgBI) at byte 33");
    ihdr_png(&in, rgb, c_second_ihdr);
    strip_refused(in.b, in.n, "a second image header");
    ihdr_png(&in, grey, c_plte);
    strip_refused(in.b, in.n, "a palette in a greyscale image");
    ihdr_png(&in, rgb, c_plte_bad);
    strip_refused(in.b, in.n, "a palette of the wrong length");
    ihdr_png(&in, pal, NULL);
    strip_refused(in.b, in.n, "palette image data without a palette");

    static const struct {
        unsigned char ihdr[13];
        const char *want;
    } headers[] = {
        {{0, 0, 0, 0, 0, 0, 0, 1, 8, 2, 0, 0, 0}, "image size of zero"},
        {{0x80, 0, 0, 0, 0, 0, 0, 1, 8, 2, 0, 0, 0}, "image size of zero or over"},
        {{0, 0, 0, 1, 0, 0, 0, 1, 4, 2, 0, 0, 0}, "colour type and bit depth no PNG has"},
        {{0, 0, 0, 1, 0, 0, 0, 1, 16, 3, 0, 0, 0}, "colour type and bit depth no PNG has"},
        {{0, 0, 0, 1, 0, 0, 0, 1, 8, 5, 0, 0, 0}, "colour type and bit depth no PNG has"},
        {{0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 1, 0, 0}, "unknown compression, filter or interlace"},
        {{0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 2}, "unknown compression, filter or interlace"},
    };
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
        ihdr_png(&in, headers[i].ihdr, NULL);
        strip_refused(in.b, in.n, headers[i].want);
    }

    buf_t good;
    png_palette(&good, NULL, NULL, NULL);
    /* A flipped bit anywhere in a chunk's type, data or CRC: the CRC check catches it. */
    in = good;
    in.b[8 + 8 + 3] ^= 0x01;                          /* IHDR's width */
    strip_refused(in.b, in.n, "CRC that does not match (the file was altered) (chunk IHDR) at byte 8");
    in = good;
    in.b[in.n - 1] ^= 0x80;                           /* IEND's CRC */
    strip_refused(in.b, in.n, "CRC that does not match");
    in = good;
    in.b[5] = 'X';
    strip_refused(in.b, in.n, "signature");
    in = good;
    in.b[8 + 4] = '1';                                /* IHDR's type */
    strip_refused(in.b, in.n, "chunk type that is not four letters at byte 8");
    in = good;
    in.b[8] = 0x80;                                   /* IHDR's length */
    strip_refused(in.b, in.n, "chunk length over 2^31-1");
    strip_refused(good.b, good.n - 12, "ends at byte");
    strip_refused(good.b, 8, "ends at byte 8, before the end chunk IEND");

    in.n = 0;                                         /* first chunk is not IHDR */
    put(&in, png_sig, 8);
    c_text(&in);
    strip_refused(in.b, in.n, "first chunk that is not the image header IHDR");
    ihdr_png(&in, rgb, NULL);                         /* IEND with data, IEND before IDAT */
    in.n -= 12;
    CHUNK_LIT(&in, "IEND", "x");
    strip_refused(in.b, in.n, "end chunk that is not empty");
    in.n = 0;
    put(&in, png_sig, 8);
    chunk(&in, "IHDR", rgb, 13);
    CHUNK_LIT(&in, "IEND", "");
    strip_refused(in.b, in.n, "before any image data (IDAT)");
    in.n = 0;                                         /* IDAT, tEXt, IDAT */
    put(&in, png_sig, 8);
    chunk(&in, "IHDR", rgb, 13);
    CHUNK_LIT(&in, "IDAT", "\x78");
    c_text(&in);
    CHUNK_LIT(&in, "IDAT", "\x9c");
    CHUNK_LIT(&in, "IEND", "");
    strip_refused(in.b, in.n, "image data split by another chunk (chunk IDAT)");
}

/* ---- not JPEG, not PNG ------------------------------------------------------------- */

static void test_other_formats_refused(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t len;
        const char *want;
    } cases[] = {
        {"", 0, "the file is empty"},
        {"\xff", 1, "not a JPEG or PNG image: its first bytes"},
        {"\0\0\0\x18" "ftypheic\0\0\0\0mif1heic", 24, "not a JPEG or PNG image: the file is a HEIC/HEIF image"},
        {"\0\0\0\x1c" "ftypavif\0\0\0\0avifmif1miaf", 28, "the file is an AVIF image"},
        {"\0\0\0\x14" "ftypqt  \0\0\0\0qt  ", 20, "the file is a video"},
        {"GIF89a\x01\0\x01\0\0\0\0;", 14, "the file is a GIF image"},
        {"RIFF\x1a\0\0\0WEBPVP8L", 16, "the file is a WebP image"},
        {"II*\0\x08\0\0\0", 8, "the file is a TIFF (or camera raw) image"},
        {"MM\0*\0\0\0\x08", 8, "the file is a TIFF"},
        {"BM\x3a\0\0\0", 6, "the file is a BMP image"},
        {"%PDF-1.7\n", 9, "the file is a PDF document"},
        {"<html><body>", 12, "not a JPEG or PNG image: its first bytes"},
        {"\x89PNG\r\n\n\n", 8, "damaged PNG: the 8-byte signature is altered"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        strip_refused((const unsigned char *)cases[i].bytes, cases[i].len, cases[i].want);

    /* The hint says what to do. */
    report_photo_t out;
    hcbus_error_t err = {0};
    assert_int_equal(photo_strip((const unsigned char *)"GIF89a", 6, &out, &err), -1);
    assert_non_null(strstr(err.hint, "JPEG or PNG"));
}

/* ---- real files (tests/unit/data/README.md) ---------------------------------------- */

static unsigned char *read_fixture(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/unit/data/%s", HCBUS_SOURCE_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    unsigned char *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    assert_true(*len > 0 && *len < (1 << 20));
    return buf;
}

/* The markers of a JPEG's segments, in order, walked independently of the library;
 * returns the offset of EOI's end (0 if none) and the first SOS's offset. */
static size_t list_jpeg(const unsigned char *d, size_t n, unsigned char *markers, size_t *count, size_t *first_sos)
{
    size_t i = 2;
    *count = 0;
    *first_sos = 0;
    while (i + 2 <= n && *count < 256) {
        assert_int_equal(d[i], 0xff);
        unsigned m = d[i + 1];
        markers[(*count)++] = (unsigned char)m;
        if (m == 0xd9)
            return i + 2;
        if (i + 4 > n)
            return 0;
        if (m == 0xda && !*first_sos)
            *first_sos = i;
        i += 2 + ((size_t)d[i + 2] << 8 | d[i + 3]);
        if (m == 0xda)
            while (i + 1 < n && !(d[i] == 0xff && d[i + 1] != 0 && (d[i + 1] < 0xd0 || d[i + 1] > 0xd7)))
                i++;
    }
    return 0;
}

static void check_real_jpeg(const char *name, int has_trailer)
{
    size_t len;
    unsigned char *in = read_fixture(name, &len);
    unsigned char in_markers[256], out_markers[256];
    size_t in_count, out_count, in_sos, out_sos;
    size_t in_end = list_jpeg(in, len, in_markers, &in_count, &in_sos);
    assert_true(in_end > 0 && in_sos > 0);
    assert_true(has_trailer ? in_end < len : in_end == len);

    report_photo_t out;
    strip_ok(in, len, &out);
    assert_string_equal(out.content_type, "image/jpeg");
    size_t out_end = list_jpeg(out.bytes, out.len, out_markers, &out_count, &out_sos);
    assert_int_equal(out_end, out.len);
    /* Only decoding segments are left: every APPn and COM is gone. */
    for (size_t i = 0; i < out_count; i++)
        if ((out_markers[i] >= 0xe0 && out_markers[i] <= 0xef) || out_markers[i] == 0xfe)
            fail_msg("%s: marker 0x%02X left in the output", name, out_markers[i]);
    /* The input had them (the fixture is what it claims). */
    size_t apps = 0;
    for (size_t i = 0; i < in_count; i++)
        apps += (in_markers[i] >= 0xe0 && in_markers[i] <= 0xef) || in_markers[i] == 0xfe;
    assert_true(apps >= 5);
    /* From the first scan to EOI nothing is dropped: the image data is byte-identical. */
    assert_bytes_equal(out.bytes + out_sos, out.len - out_sos, in + in_sos, in_end - in_sos);
    static const char *gone[] = {"hcbus-secret", "HCBUSCAM", "SN-4242", "Exif", "JFIF", "ICC_PROFILE", "Photoshop",
                                 "http://ns.adobe.com"};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
        assert_true(contains(in, len, gone[i]));
        if (contains(out.bytes, out.len, gone[i]))
            fail_msg("%s: \"%s\" is still in the output", name, gone[i]);
    }
    /* Cleaning a cleaned photo changes nothing. */
    report_photo_t again;
    strip_ok(out.bytes, out.len, &again);
    assert_bytes_equal(again.bytes, again.len, out.bytes, out.len);
    free(again.bytes);
    free(out.bytes);
    free(in);
}

static void test_real_jpeg(void **state)
{
    (void)state;
    check_real_jpeg("photo_meta.jpg", 1);
    check_real_jpeg("photo_meta_progressive.jpg", 0);
}

static void test_real_png(void **state)
{
    (void)state;
    size_t len;
    unsigned char *in = read_fixture("photo_meta.png", &len);
    report_photo_t out;
    strip_ok(in, len, &out);
    assert_string_equal(out.content_type, "image/png");
    /* The output is the input's IHDR, PLTE, tRNS, IDAT... and IEND chunks, in order and
     * byte for byte, and nothing else. */
    buf_t want = {0};
    put(&want, in, 8);
    for (size_t i = 8; i + 12 <= len;) {
        size_t n = (size_t)in[i] << 24 | (size_t)in[i + 1] << 16 | (size_t)in[i + 2] << 8 | in[i + 3];
        const unsigned char *t = in + i + 4;
        if (!memcmp(t, "IHDR", 4) || !memcmp(t, "PLTE", 4) || !memcmp(t, "tRNS", 4) || !memcmp(t, "IDAT", 4) ||
            !memcmp(t, "IEND", 4))
            put(&want, in + i, 12 + n);
        else
            assert_true(t[0] & 0x20);              /* the fixture's others are ancillary */
        i += 12 + n;
    }
    assert_bytes_equal(out.bytes, out.len, want.b, want.n);
    assert_true(contains(in, len, "hcbus-secret"));
    assert_false(contains(out.bytes, out.len, "hcbus-secret"));
    assert_false(contains(out.bytes, out.len, "HCBUSCAM"));
    assert_true(len - out.len > 1000);
    free(out.bytes);
    free(in);
}

/* Every prefix of a real file is refused (or, cut after the image's end, gives the
 * same output); every single-byte change is refused or gives a photo that cleaning
 * again leaves as it is. Never a crash, never a read past the end (ASan). */
static void check_cuts(const char *name)
{
    size_t len;
    unsigned char *in = read_fixture(name, &len);
    report_photo_t whole;
    strip_ok(in, len, &whole);
    size_t refused = 0;
    for (size_t n = 0; n < len; n++) {
        unsigned char *cut = malloc(n ? n : 1);
        assert_non_null(cut);
        memcpy(cut, in, n);
        report_photo_t out;
        hcbus_error_t err = {0};
        if (photo_strip(cut, n, &out, &err) < 0) {
            assert_int_equal(err.code, HCBUS_EINVALID);
            assert_string_equal(err.field, "foto");
            assert_true(err.message[0] != '\0');
            refused++;
        } else {
            assert_bytes_equal(out.bytes, out.len, whole.bytes, whole.len);
            free(out.bytes);
        }
        free(cut);
    }
    assert_true(refused > 0);
    for (size_t i = 0; i < len; i++) {
        unsigned char *changed = malloc(len);
        assert_non_null(changed);
        memcpy(changed, in, len);
        changed[i] ^= (unsigned char)(0x5a ^ (i & 0xff));
        if (changed[i] == in[i])
            changed[i] ^= 0xff;
        report_photo_t out, again;
        hcbus_error_t err = {0};
        if (photo_strip(changed, len, &out, &err) == 0) {
            assert_true(out.len <= len + 16);
            strip_ok(out.bytes, out.len, &again);
            assert_bytes_equal(again.bytes, again.len, out.bytes, out.len);
            free(again.bytes);
            free(out.bytes);
        } else {
            assert_true(err.message[0] != '\0');
        }
        free(changed);
    }
    free(whole.bytes);
    free(in);
}

static void test_real_cuts(void **state)
{
    (void)state;
    check_cuts("photo_meta.jpg");
    check_cuts("photo_meta_progressive.jpg");
    check_cuts("photo_meta.png");
}

/* Arguments: no output, NULL input with a length. */
static void test_arguments(void **state)
{
    (void)state;
    hcbus_error_t err = {0};
    assert_int_equal(photo_strip((const unsigned char *)"\xff\xd8", 2, NULL, &err), -1);
    report_photo_t out;
    assert_int_equal(photo_strip(NULL, 10, &out, &err), -1);
    assert_null(out.bytes);
    assert_int_equal(photo_strip(NULL, 0, &out, NULL), -1);  /* no error struct: still refused */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jpeg_each_block_removed),
        cmocka_unit_test(test_jpeg_all_blocks_and_trailer),
        cmocka_unit_test(test_jpeg_clean_unchanged),
        cmocka_unit_test(test_jpeg_frame_kinds),
        cmocka_unit_test(test_jpeg_adobe_rebuilt),
        cmocka_unit_test(test_jpeg_refused),
        cmocka_unit_test(test_png_each_chunk_removed),
        cmocka_unit_test(test_png_all_chunks_and_trailer),
        cmocka_unit_test(test_png_trns),
        cmocka_unit_test(test_png_refused),
        cmocka_unit_test(test_other_formats_refused),
        cmocka_unit_test(test_real_jpeg),
        cmocka_unit_test(test_real_png),
        cmocka_unit_test(test_real_cuts),
        cmocka_unit_test(test_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
