/* strip_photo.c — runs hcbus-report's photo_strip() (services/report/photos) on files,
 * for test_webform_photos:
 *   strip_photo IN OUT         write IN's cleaned copy to OUT; prints "TYPE IN_LEN OUT_LEN";
 *                              exit 1 with the error (code, field, message) when refused
 *   strip_photo --prefixes IN  clean every proper prefix of IN in this process: each must
 *                              be refused with a message, or (a cut after the image's end)
 *                              give exactly the whole file's output; prints the counts */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "photos/strip.h"

#define STRIP_PHOTO_MAX_BYTES (64u * 1024 * 1024)

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "strip_photo: cannot open %s\n", path);
        return NULL;
    }
    unsigned char *buf = malloc(STRIP_PHOTO_MAX_BYTES);
    size_t n = buf ? fread(buf, 1, STRIP_PHOTO_MAX_BYTES, f) : 0;
    fclose(f);
    if (buf && n == STRIP_PHOTO_MAX_BYTES) {
        fprintf(stderr, "strip_photo: %s is over %u bytes\n", path, STRIP_PHOTO_MAX_BYTES);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static int strip_one(const char *in_path, const char *out_path)
{
    size_t len = 0;
    unsigned char *in = read_file(in_path, &len);
    if (!in)
        return 2;
    report_photo_t photo;
    hcbus_error_t err = {0};
    if (photo_strip(in, len, &photo, &err) < 0) {
        char line[HCBUS_ERROR_MESSAGE_MAX + HCBUS_ERROR_HINT_MAX + HCBUS_ERROR_FIELD_MAX + 64];
        fprintf(stderr, "strip_photo: %s refused: %s\n", in_path, hcbus_error_format(&err, line, sizeof line));
        free(in);
        return 1;
    }
    FILE *f = fopen(out_path, "wb");
    int ok = f && fwrite(photo.bytes, 1, photo.len, f) == photo.len;
    if (f && fclose(f) != 0)
        ok = 0;
    if (ok)
        printf("%s %zu %zu\n", photo.content_type, len, photo.len);
    else
        fprintf(stderr, "strip_photo: cannot write %s\n", out_path);
    free(photo.bytes);
    free(in);
    return ok ? 0 : 2;
}

static int strip_prefixes(const char *in_path)
{
    size_t len = 0;
    unsigned char *in = read_file(in_path, &len);
    if (!in)
        return 2;
    report_photo_t whole;
    hcbus_error_t err = {0};
    if (photo_strip(in, len, &whole, &err) < 0) {
        fprintf(stderr, "strip_photo: %s itself refused: %s\n", in_path, err.message);
        free(in);
        return 1;
    }
    size_t refused = 0, same = 0, bad = 0;
    for (size_t n = 0; n < len; n++) {
        /* An exact-size copy, so that ASan sees any read past the prefix. */
        unsigned char *cut = malloc(n ? n : 1);
        if (!cut)
            return 2;
        memcpy(cut, in, n);
        report_photo_t photo;
        memset(&err, 0, sizeof err);
        if (photo_strip(cut, n, &photo, &err) < 0) {
            if (err.message[0] && strcmp(err.field, "foto") == 0)
                refused++;
            else
                bad++;
        } else {
            if (photo.len == whole.len && memcmp(photo.bytes, whole.bytes, whole.len) == 0)
                same++;
            else {
                fprintf(stderr, "strip_photo: the first %zu bytes give a different image\n", n);
                bad++;
            }
            free(photo.bytes);
        }
        free(cut);
    }
    printf("%zu prefixes: %zu refused, %zu same as the whole file, %zu wrong\n", len, refused, same, bad);
    free(whole.bytes);
    free(in);
    return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--prefixes") == 0)
        return strip_prefixes(argv[2]);
    if (argc == 3)
        return strip_one(argv[1], argv[2]);
    fprintf(stderr, "usage: strip_photo IN OUT | strip_photo --prefixes IN\n");
    return 2;
}
