/* cap_xml.c — XML character data and elements for the CAP export (cap_xml.h). The text
 * rules of hcbus (hcbus_text_check, decision 0006) find what needs more than the five
 * entities; everything else is copied as it is, UTF-8 included. */
#include "cap_xml.h"

#include <stdint.h>
#include <string.h>

#include "hcbus/text.h"

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD in UTF-8 */

/* U+FFFE and U+FFFF are UTF-8 but not XML characters: EF BF BE, EF BF BF. */
static int is_nonchar(const char *s, size_t left)
{
    return left >= 3 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBF &&
           ((unsigned char)s[2] == 0xBE || (unsigned char)s[2] == 0xBF);
}

/* Copy len bytes of clean text (UTF-8, no control character) with the five entities;
 * returns the noncharacters replaced. */
static size_t write_clean(FILE *out, const char *s, size_t len)
{
    size_t replaced = 0;
    for (size_t i = 0; i < len; i++) {
        if (is_nonchar(s + i, len - i)) {
            fputs(REPLACEMENT, out);
            replaced++;
            i += 2;
            continue;
        }
        switch (s[i]) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&apos;", out); break;
        default: fputc(s[i], out);
        }
    }
    return replaced;
}

/* Of the characters hcbus_text_check stops at (C0, DEL, C1), XML 1.0's Char production
 * holds tab, LF, CR, DEL and C1 (surrogates are not UTF-8; U+FFFE/F: is_nonchar). */
static int xml_can_hold(uint32_t cp)
{
    return cp == 0x9 || cp == 0xA || cp == 0xD || cp >= 0x20;
}

size_t cap_xml_text(FILE *out, const char *s)
{
    size_t replaced = 0;
    while (s && *s) {
        size_t off = 0;
        uint32_t cp = 0;
        if (hcbus_text_check(s, &off, &cp) == 0) {
            replaced += write_clean(out, s, strlen(s));
            break;
        }
        replaced += write_clean(out, s, off);
        s += off;
        if (cp == UINT32_MAX) { /* not UTF-8: one byte at a time */
            fputs(REPLACEMENT, out);
            replaced++;
            s++;
            continue;
        }
        if (xml_can_hold(cp)) {
            fprintf(out, "&#x%X;", (unsigned)cp);
        } else {
            fputs(REPLACEMENT, out);
            replaced++;
        }
        s += cp < 0x80 ? 1 : 2; /* C0 and DEL are one byte, C1 two */
    }
    return replaced;
}

static void indent(FILE *out, int depth)
{
    fprintf(out, "%*s", depth * CAP_XML_INDENT, "");
}

size_t cap_xml_element(FILE *out, int depth, const char *name, const char *text)
{
    if (!text || !*text)
        return 0;
    indent(out, depth);
    fprintf(out, "<%s>", name);
    size_t replaced = cap_xml_text(out, text);
    fprintf(out, "</%s>\n", name);
    return replaced;
}

void cap_xml_open(FILE *out, int depth, const char *name)
{
    indent(out, depth);
    fprintf(out, "<%s>\n", name);
}

void cap_xml_close(FILE *out, int depth, const char *name)
{
    indent(out, depth);
    fprintf(out, "</%s>\n", name);
}

size_t cap_xml_pair(FILE *out, int depth, const char *name, const char *value_name,
                    const char *value)
{
    if (!value || !*value)
        return 0;
    cap_xml_open(out, depth, name);
    size_t replaced = cap_xml_element(out, depth + 1, "valueName", value_name);
    replaced += cap_xml_element(out, depth + 1, "value", value);
    cap_xml_close(out, depth, name);
    return replaced;
}
