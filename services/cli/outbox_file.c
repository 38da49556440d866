/* outbox_file.c — the outbox file of `hcbus publish --outbox` and `hcbus outbox`: its
 * path (flag, HCBUS_OUTBOX, XDG state directory) and the warnings about what its
 * opening repaired. The file itself is libhcbus's (hcbus/outbox.h). */
#include "outbox_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"
#include "hcbus/text.h"

#define DEFAULT_SUBDIR "hcbus"
#define DEFAULT_NAME "outbox"

/* mkdir -p of path's parent directories (not path itself), mode 0700. */
static int make_parents(const char *path)
{
    char dir[HCBUS_OUTBOX_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(dir, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

int outbox_file_path(const char *cmd, const char *given, bool create, char *buf, size_t size)
{
    const char *env = getenv("HCBUS_OUTBOX");
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    int n;
    bool is_default = false;
    if (given && given[0])
        n = snprintf(buf, size, "%s", given);
    else if (env && env[0])
        n = snprintf(buf, size, "%s", env);
    else if (state && state[0] == '/') {
        n = snprintf(buf, size, "%s/%s/%s", state, DEFAULT_SUBDIR, DEFAULT_NAME);
        is_default = true;
    } else if (home && home[0] == '/') {
        n = snprintf(buf, size, "%s/.local/state/%s/%s", home, DEFAULT_SUBDIR, DEFAULT_NAME);
        is_default = true;
    } else
        return usage_error(cmd, "%s", _("no outbox file: give --outbox=FILE or set HCBUS_OUTBOX "
                                        "(neither XDG_STATE_HOME nor HOME is set)"));
    if (n < 0 || (size_t)n >= size || (size_t)n >= HCBUS_OUTBOX_PATH_MAX - 32)
        return usage_error(cmd, "%s", _("the outbox path is too long"));
    if (create && is_default && make_parents(buf) != 0) {
        char shown[512];
        fprintf(stderr, _("hcbus %s: cannot make the directory of the outbox %s: %s\n"), cmd,
                hcbus_text_escape(buf, HCBUS_TEXT_QUOTED, shown, sizeof shown), strerror(errno));
        return EXIT_REFUSED;
    }
    return 0;
}

void outbox_file_report(const char *cmd, const hcbus_outbox_t *ob)
{
    const hcbus_outbox_recovery_t *rec = hcbus_outbox_recovery(ob);
    if (!rec)
        return;
    char shown[512];
    hcbus_text_escape(hcbus_outbox_path(ob), HCBUS_TEXT_QUOTED, shown, sizeof shown);
    if (rec->torn_bytes > 0)
        fprintf(stderr,
                _("hcbus %s: warning: the outbox %s ended in an incomplete record (%llu bytes, "
                  "written when the power or the program stopped): cut off; a message in it, "
                  "if any, was never sent and is lost\n"),
                cmd, shown, (unsigned long long)rec->torn_bytes);
    if (rec->corrupt_bytes > 0) {
        char copy[512];
        fprintf(stderr,
                _("hcbus %s: warning: the outbox %s had %llu damaged bytes in the middle "
                  "(a disk error?): skipped, the messages around them kept; the file as found "
                  "is in %s\n"),
                cmd, shown, (unsigned long long)rec->corrupt_bytes,
                hcbus_text_escape(rec->corrupt_copy, HCBUS_TEXT_QUOTED, copy, sizeof copy));
    }
}

int outbox_file_max_bytes(const char *cmd, const char *text, unsigned long long *out)
{
    long v;
    if (parse_count(cmd, "--outbox-max-bytes", text, 1L << 40, &v) != 0)
        return EXIT_USAGE;
    if ((unsigned long long)v < HCBUS_OUTBOX_MAX_BYTES_MIN)
        return usage_error(cmd, _("--outbox-max-bytes %ld is under the minimum of %u"), v,
                           HCBUS_OUTBOX_MAX_BYTES_MIN);
    *out = (unsigned long long)v;
    return 0;
}
