/* strip.h — remove every metadata block from a photo before it is stored: EXIF (GPS,
 * maker notes, thumbnails), XMP, IPTC, ICC, comments and anything after the image.
 * JPEG and PNG only; anything else is refused. Pure: no I/O, no globals. */
#ifndef HCBUS_REPORT_STRIP_H
#define HCBUS_REPORT_STRIP_H

#include <stddef.h>

#include "hcbus/error.h"
#include "report.h"

/* Clean the image in[0..len) into out (out->bytes malloc'd, content_type set by the
 * bytes' own signature, never by what the browser claimed). Returns 0, or -1 with err:
 * HCBUS_EINVALID (not a JPEG or PNG, or malformed: message says where), HCBUS_ENOMEM.
 * field names the form field ("foto"). Never reads past len. */
int photo_strip(const unsigned char *in, size_t len, report_photo_t *out, hcbus_error_t *err);

#endif
