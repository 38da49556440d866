/* config_syntax.c — find, before libconfig parses a file, a quoted string standing where
 * libconfig's grammar allows none (see config_syntax.h): libconfig would stop there
 * and leak the string. A small scanner of libconfig's tokens follows where a value may
 * start: after '=' or ':', after '[' or '(', after ',' inside [ ] or ( ), and after
 * another string (adjacent strings are joined). Anything else is left to libconfig.
 * On the way it notes the integers libconfig 1.5 misreads (ctx->bigs, config_read.h):
 * 8192000000 without the L suffix becomes -397934592 there, with no error. Each is
 * noted where libconfig places its setting: the file as libconfig names it (the path
 * given for the main file, an @include's path as written) and the line of the
 * setting's name (not of its value, which may stand lines below). A file with more
 * such literals than the list holds is refused. */
#include "config_syntax.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hcbus/i18n.h"
#include "where.h"

/* libconfig's own limit on nested @include files. */
#define INCLUDE_DEPTH_MAX 10
#define INCLUDE_PATH_MAX 4096

typedef enum { AFTER_OTHER, AFTER_EQUALS, AFTER_OPEN_SEQUENCE, AFTER_COMMA, AFTER_STRING } after_t;

typedef struct scan {
    const cfg_ctx_t *ctx;
    after_t after;                      /* the previous token, as far as strings care */
    char open[HCBUS_CFG_NESTING_MAX];   /* the brackets open now: '{', '[' or '(' */
    int depth;
    char name[HCBUS_CFG_BIG_NAME_MAX];  /* the last name read: the setting a value is for */
    int name_line;                      /* the line it was read on (libconfig's line for it) */
    const char *file;                   /* the file scanned, as libconfig names it */
} scan_t;

/* A name, a number or a boolean is one word of these bytes. */
#define WORD_MAX 128
static bool word_byte(int c)
{
    return isalnum(c) || c == '_' || c == '*' || c == '-' || c == '+' || c == '.';
}

static int scan_file(scan_t *s, const char *path, const char *name, int include_depth);

static int fail(scan_t *s, const char *path, int line, const char *msg)
{
    char where[HCBUS_ERROR_FIELD_MAX];
    hcbus_where(where, sizeof where, path, line, NULL);
    hcbus_error_set(s->ctx->err, HCBUS_ECONFIG, where, _("cannot parse the file: %s"), msg);
    return hcbus_error_hint(s->ctx->err, _("libconfig syntax: name = value; groups { }, arrays [ ], "
                                         "lists ( ); a string is a value, never a name"));
}

static bool string_allowed(const scan_t *s)
{
    switch (s->after) {
    case AFTER_EQUALS:
    case AFTER_OPEN_SEQUENCE:
    case AFTER_STRING: return true;
    case AFTER_COMMA: return s->depth > 0 && s->open[s->depth - 1] != '{';
    default: return false;
    }
}

/* Skip a quoted string's body up to its closing quote (backslash escapes a quote or a
 * backslash, as in libconfig's scanner). Returns 0, or -1 at the end of the file. */
static int skip_string(FILE *f, int *line, char *copy, size_t copy_size)
{
    size_t n = 0;
    int c;
    while ((c = getc(f)) != EOF) {
        if (c == '"')
            break;
        if (c == '\n')
            (*line)++;
        if (c == '\\') {
            int next = getc(f);
            if (next == EOF)
                return -1;
            if (next == '\n')
                (*line)++;
            if (next != '"' && next != '\\' && copy && n + 1 < copy_size)
                copy[n++] = '\\';
            c = next;
        }
        if (copy && n + 1 < copy_size)
            copy[n++] = (char)c;
    }
    if (copy)
        copy[n] = '\0';
    return c == EOF ? -1 : 0;
}

/* After '@' at the start of a line: "include", blanks, then the quoted path. Returns 1
 * with path filled, 0 when this is not an include (libconfig calls '@' garbage). */
static int read_include(FILE *f, int *line, char *path, size_t size)
{
    static const char word[] = "include";
    for (const char *w = word; *w; w++)
        if (getc(f) != *w)
            return 0;
    int c = getc(f), blanks = 0;
    while (c == ' ' || c == '\t') {
        blanks++;
        c = getc(f);
    }
    if (!blanks || c != '"')
        return 0;
    return skip_string(f, line, path, size) == 0;
}

/* The file libconfig 1.5 opens for @include "file" with the include directory that
 * config.c sets (the main file's): that directory, '/', then file without a leading
 * '/' (an absolute path is taken under the directory too). libconfig names the
 * included file's settings by file as written, which is what the literals note. */
static int follow_include(scan_t *s, const char *file, int include_depth)
{
    char path[INCLUDE_PATH_MAX];
    if (include_depth + 1 > INCLUDE_DEPTH_MAX)
        return 1; /* libconfig refuses it: "include file nesting too deep" */
    int n = snprintf(path, sizeof path, "%s/%s", s->ctx->dir, file + (file[0] == '/'));
    if (n < 0 || (size_t)n >= sizeof path)
        return 1;
    return scan_file(s, path, file, include_depth + 1);
}

/* Skip a comment opened by '/' (already read) when the next byte makes one. Returns 1
 * when a comment was skipped, 0 when '/' stands alone, -1 at the end of the file
 * inside a block comment. */
static int skip_slash_comment(FILE *f, int *line)
{
    int c = getc(f);
    if (c == '/') {
        while ((c = getc(f)) != EOF && c != '\n') {}
        if (c == '\n')
            ungetc(c, f);
        return 1;
    }
    if (c != '*') {
        if (c != EOF)
            ungetc(c, f);
        return 0;
    }
    int prev = 0;
    while ((c = getc(f)) != EOF) {
        if (c == '\n')
            (*line)++;
        if (prev == '*' && c == '/')
            return 1;
        prev = c;
    }
    return -1;
}

/* Whether the integer literal w (a sign, digits or 0x and hex digits, L or LL) is one
 * libconfig 1.5 reads as another number: without L it keeps an int (the low 32 bits),
 * with L a long long (saturated). 0 for anything else (a float, a name). */
static bool misread_integer(const char *w)
{
    const char *p = w + (*w == '-' || *w == '+');
    bool hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
    const char *digits = hex ? p + 2 : p, *end = digits;
    while (hex ? isxdigit((unsigned char)*end) : isdigit((unsigned char)*end))
        end++;
    if (end == digits)
        return false;
    bool wide = strcmp(end, "L") == 0 || strcmp(end, "LL") == 0;
    if (*end && !wide)
        return false;   /* a float or something libconfig refuses itself */
    errno = 0;
    if (hex) {
        if (p != w)
            return false;
        unsigned long long v = strtoull(digits, NULL, 16);
        return errno == ERANGE || v > (wide ? (unsigned long long)LLONG_MAX : (unsigned long long)INT_MAX);
    }
    long long v = strtoll(w, NULL, 10);
    return errno == ERANGE || (!wide && (v < INT_MIN || v > INT_MAX));
}

/* Note word if libconfig misreads it. Returns 0, or -1 (a refusal) when the list is
 * full: the setting could not be matched and would be read with libconfig's number. */
static int note_big(scan_t *s, const char *path, const char *word)
{
    cfg_bigs_t *bigs = s->ctx->bigs;
    if (!bigs || !misread_integer(word))
        return 0;
    if (bigs->count >= HCBUS_CFG_BIG_MAX) {
        char where[HCBUS_ERROR_FIELD_MAX];
        hcbus_where(where, sizeof where, path, s->name_line, s->name);
        hcbus_error_set(s->ctx->err, HCBUS_ECONFIG, where,
                        _("%s is out of range, and so are %d integers before it in this configuration"),
                        word, HCBUS_CFG_BIG_MAX);
        return hcbus_error_hint(s->ctx->err, _("Correct those first: hcbus checks at most %d such numbers "
                                               "in one file."), HCBUS_CFG_BIG_MAX);
    }
    cfg_big_literal_t *b = &bigs->items[bigs->count++];
    b->file_hash = hcbus_cfg_file_hash(s->file);
    b->line = s->name_line;
    snprintf(b->name, sizeof b->name, "%s", s->name);
    snprintf(b->text, sizeof b->text, "%.*s", (int)sizeof b->text - 1, word);
    return 0;
}

/* A word starting with c: a name is kept (the setting its value is for, with its
 * line), an integer given as a setting's value is checked. Returns 0, or -1 on a
 * refusal. */
static int scan_word(scan_t *s, FILE *f, const char *path, int line, int c)
{
    char word[WORD_MAX];
    size_t n = 0;
    for (; c != EOF && word_byte(c); c = getc(f)) {
        if (n + 1 < sizeof word)
            word[n++] = (char)c;
    }
    if (c != EOF)
        ungetc(c, f);
    word[n] = '\0';
    int rc = 0;
    if (isalpha((unsigned char)word[0]) || word[0] == '*') {
        snprintf(s->name, sizeof s->name, "%.*s", (int)sizeof s->name - 1, word);
        s->name_line = line;
    } else if (s->after == AFTER_EQUALS)
        rc = note_big(s, path, word);
    s->after = AFTER_OTHER;
    return rc;
}

/* Scan one token starting with c. Returns 0 to go on, 1 to stop without a verdict
 * (the end of the file inside a token, an include that cannot be followed), -1 on a
 * refusal. */
static int scan_token(scan_t *s, FILE *f, const char *path, int include_depth, int c, int *line,
                      bool *line_start)
{
    char include_path[INCLUDE_PATH_MAX];
    bool at_line_start = *line_start;
    *line_start = false;
    switch (c) {
    case '\n': (*line)++; *line_start = true; return 0;
    case ' ': case '\t': *line_start = at_line_start; return 0;
    case '\r': case '\f': return 0;
    case '#':
        while ((c = getc(f)) != EOF && c != '\n') {}
        if (c == '\n')
            ungetc(c, f);
        return 0;
    case '/': {
        int r = skip_slash_comment(f, line);
        if (r < 0)
            return 1;
        if (r == 0)
            s->after = AFTER_OTHER;
        return 0;
    }
    case '"':
        if (!string_allowed(s))
            return fail(s, path, *line, "syntax error: a quoted string cannot stand here");
        s->after = AFTER_STRING;
        return skip_string(f, line, NULL, 0) == 0 ? 0 : 1;
    case '@':
        if (!at_line_start || !read_include(f, line, include_path, sizeof include_path))
            return 1; /* garbage to libconfig, which stops there first */
        return follow_include(s, include_path, include_depth);
    case '=': case ':': s->after = AFTER_EQUALS; return 0;
    case ',': s->after = AFTER_COMMA; return 0;
    case '{': case '[': case '(':
        if (s->depth >= HCBUS_CFG_NESTING_MAX)
            return fail(s, path, *line, "groups, arrays and lists are nested too deep");
        s->open[s->depth++] = (char)c;
        s->after = c == '{' ? AFTER_OTHER : AFTER_OPEN_SEQUENCE;
        return 0;
    case '}': case ']': case ')':
        if (s->depth > 0)
            s->depth--;
        s->after = AFTER_OTHER;
        return 0;
    default: /* a name, a number, a boolean, ';' or garbage: no string may follow */
        if (word_byte(c) && scan_word(s, f, path, *line, c) < 0)
            return -1;
        s->after = AFTER_OTHER;
        return 0;
    }
}

/* Scan the file at path, which libconfig names name. */
static int scan_file(scan_t *s, const char *path, const char *name, int include_depth)
{
    /* A FIFO or a device named by mistake would block the open, or be read for ever,
     * at start or at a SIGHUP reload; libconfig would do the same after us. */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        hcbus_error_set(s->ctx->err, HCBUS_ECONFIG, path, _("the configuration file is not a regular file"));
        return hcbus_error_hint(s->ctx->err, _("Name the file itself, not a FIFO, a device or a directory."));
    }
    FILE *f = fopen(path, "r");
    if (!f)
        return 1; /* libconfig reports it */
    const char *outer = s->file;
    s->file = name;
    int line = 1, c, rc = 0;
    bool line_start = true;
    while (rc == 0 && (c = getc(f)) != EOF)
        rc = scan_token(s, f, path, include_depth, c, &line, &line_start);
    fclose(f);
    s->file = outer;
    return rc;
}

int hcbus_cfg_syntax_check(const cfg_ctx_t *ctx)
{
    scan_t s = {.ctx = ctx, .after = AFTER_OTHER};
    return scan_file(&s, ctx->path, ctx->path, 0) < 0 ? -1 : 0;
}
