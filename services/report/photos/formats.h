/* formats.h — inside hcbus_report_photos: the bounded output buffer that strip.c owns
 * and the two format walkers that fill it (jpeg.c, png.c). Not for other layers:
 * they call photo_strip() (strip.h). */
#ifndef HCBUS_REPORT_PHOTOS_FORMATS_H
#define HCBUS_REPORT_PHOTOS_FORMATS_H

#include <stddef.h>

#include "hcbus/error.h"

#define PHOTO_FIELD "foto"                 /* the form field every error names */

/* Room for what a walker adds to the input's own bytes: JPEG rebuilds an Adobe APP14
 * segment (16 bytes) after SOI. Output never exceeds input length + this. */
#define PHOTO_OUT_EXTRA 16

/* Output under construction: cap is fixed when strip.c allocates it. */
typedef struct photo_out {
    unsigned char *bytes;
    size_t len;
    size_t cap;
} photo_out_t;

/* Append n bytes of p. Returns 0, or -1 (HCBUS_EINTERNAL) if they do not fit: the
 * walkers' bound is wrong, never the input. */
int photo_out_put(photo_out_t *out, const unsigned char *p, size_t n, hcbus_error_t *err);

/* Copy the decoding segments of the JPEG in[0..len) into out (in starts with FF D8).
 * Returns 0, or -1 with HCBUS_EINVALID naming the byte offset of what is wrong. */
int jpeg_strip(const unsigned char *in, size_t len, photo_out_t *out, hcbus_error_t *err);

/* Copy the signature and the kept chunks of the PNG in[0..len) into out (in starts
 * with the PNG signature). Returns 0, or -1 with HCBUS_EINVALID as above. */
int png_strip(const unsigned char *in, size_t len, photo_out_t *out, hcbus_error_t *err);

#endif
