/* view_text.c — values from messages as the CLI writes them (view_text.h). Everything
 * that came in a message is escaped before it is shown. */
#include "view_text.h"

#include <stdlib.h>
#include <string.h>

#include "hcbus/clock.h"
#include "hcbus/text.h"

#define FRACTION_AT 19    /* "2026-11-23T03:00:00" then ".ffffff" */
#define FRACTION_CHARS 7
#define ID_WORD_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-"

void view_quoted(FILE *out, const char *prefix, const char *text)
{
    char *shown = hcbus_text_escape_dup(text ? text : "", HCBUS_TEXT_QUOTED);
    fprintf(out, "%s\"%s\"", prefix, shown ? shown : "?");
    free(shown);
}

void view_word(FILE *out, const char *prefix, const char *word)
{
    size_t len = word ? strlen(word) : 0;
    if (len > 0 && strspn(word, ID_WORD_CHARS) == len)
        fprintf(out, "%s%s", prefix, word);
    else
        view_quoted(out, prefix, word);
}

const char *view_time(int64_t t_us, char *buf, size_t size)
{
    if (t_us == 0) {
        snprintf(buf, size, "-");
        return buf;
    }
    hcbus_time_format(t_us, HCBUS_SV_UTC_OFFSET_MIN, buf, size);
    if (strlen(buf) > FRACTION_AT + FRACTION_CHARS && buf[FRACTION_AT] == '.')
        memmove(buf + FRACTION_AT, buf + FRACTION_AT + FRACTION_CHARS,
                strlen(buf + FRACTION_AT + FRACTION_CHARS) + 1);
    return buf;
}

int view_width(const char *text)
{
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        n += (*p & 0xC0) != 0x80; /* continuation bytes are part of the character before */
    return n;
}

void view_padded(FILE *out, const char *text, int width)
{
    int pad = width - view_width(text);
    fprintf(out, "%s%*s", text, pad > 0 ? pad : 1, "");
}
