/* where.c — "file:line setting" for errors about files (see where.h). */
#include "where.h"

#include <stdio.h>
#include <string.h>

const char *hcbus_where(char *buf, size_t size, const char *path, int line, const char *setting)
{
    const char *sep = setting && *setting ? " " : "";
    const char *tail = setting ? setting : "";
    char line_text[16] = "";
    if (line > 0)
        snprintf(line_text, sizeof line_text, ":%d", line);
    int n = snprintf(buf, size, "%s%s%s%s", path, line_text, sep, tail);
    if (n >= 0 && (size_t)n < size)
        return buf;
    const char *slash = strrchr(path, '/');
    snprintf(buf, size, "%s%s%s%s", slash ? slash + 1 : path, line_text, sep, tail);
    return buf;
}
