/* anchors.c — what `hcbus audit verify` trusts besides the rows: the log's verifier key
 * (keys/auditd-log.pub) and the checkpoint notes exported earlier and kept outside the
 * database (--from-checkpoint). Each file is read whole (a note is at most
 * HCBUS_TLOG_NOTE_MAX bytes), must be a regular file, and must be signed by the key;
 * its origin says which log it is a checkpoint of. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "hcbus/i18n.h"
#include "verify.h"

#define REJECTIONS_SUFFIX "/rejections"

vlog_kind_t origin_log(const char *origin)
{
    size_t len = strlen(origin), suffix = strlen(REJECTIONS_SUFFIX);
    return len >= suffix && strcmp(origin + len - suffix, REJECTIONS_SUFFIX) == 0 ? VLOG_REJECTIONS : VLOG_EVENTS;
}

/* Read a small regular file into buf (NUL-terminated). Returns its length, or -1 after
 * printing why (what names it: "checkpoint", "log key"). */
static ssize_t read_small(const char *cmd, const char *path, const char *what, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, _("hcbus %s: cannot open %s %s: %s\n"), cmd, what, path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, _("hcbus %s: %s %s is not a regular file\n"), cmd, what, path);
        close(fd);
        return -1;
    }
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, size - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, _("hcbus %s: cannot read %s %s: %s\n"), cmd, what, path, strerror(errno));
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == size - 1) {
            fprintf(stderr, _("hcbus %s: %s %s is larger than %zu bytes: not a %s\n"), cmd, what, path,
                    size - 2, what);
            close(fd);
            return -1;
        }
    }
    close(fd);
    buf[len] = '\0';
    return (ssize_t)len;
}

const char *verify_key_file(void)
{
    const char *env = getenv(VERIFY_KEY_ENV);
    if (env && *env)
        return env;
    return access(VERIFY_KEY_DEFAULT, F_OK) == 0 ? VERIFY_KEY_DEFAULT : NULL;
}

int anchors_load_key(const char *cmd, const char *file, anchors_in_t *in)
{
    char text[HCBUS_TLOG_KEY_TEXT_MAX + 2];
    if (read_small(cmd, file, "log key", text, sizeof text) < 0)
        return -AUDIT_EXIT_BAD;
    hcbus_error_t err;
    if (hcbus_tlog_verifier_parse(text, &in->key, &err) < 0) {
        fprintf(stderr, _("hcbus %s: log key %s: %s\n"), cmd, file, err.message);
        fprintf(stderr, _("  hint: give the verifier key (keys/auditd-log.pub, one line \"NAME+KEYID+KEY\"), "
                        "never the signer key\n"));
        return -AUDIT_EXIT_BAD;
    }
    return 0;
}

static int by_size(const void *a, const void *b)
{
    const anchor_t *x = a, *y = b;
    return x->size < y->size ? -1 : x->size > y->size;
}

static int add(anchors_in_t *in, vlog_kind_t kind, const anchor_t *a)
{
    anchor_t *grown = realloc(in->checkpoints[kind], (in->n_checkpoints[kind] + 1) * sizeof *grown);
    if (!grown) {
        fprintf(stderr, "hcbus " VERIFY_CMD ": out of memory\n");
        return -AUDIT_EXIT_INTERNAL;
    }
    in->checkpoints[kind] = grown;
    grown[in->n_checkpoints[kind]++] = *a;
    return 0;
}

static int load_one(const char *file, anchors_in_t *in)
{
    static char note[HCBUS_TLOG_NOTE_MAX + 2];
    ssize_t len = read_small(VERIFY_CMD, file, "checkpoint", note, sizeof note);
    if (len < 0)
        return -AUDIT_EXIT_BAD;
    hcbus_tlog_checkpoint_t cp;
    hcbus_error_t err;
    if (hcbus_tlog_checkpoint_open(note, (size_t)len, NULL, &in->key, 1, &cp, &err) < 0) {
        fprintf(stderr, "hcbus " VERIFY_CMD ": checkpoint %s does not verify with the log key %s: %s\n", file,
                in->key.name, err.message);
        fprintf(stderr, _("  hint: a checkpoint proves something only if it is signed by the log's key; check that "
                        "--log-key is the key of this log and that the file is the note as exported\n"));
        return -AUDIT_EXIT_BAD;
    }
    anchor_t a = {.size = cp.size, .root = cp.root, .exported = true, .is_signed = true};
    snprintf(a.source, sizeof a.source, "exported checkpoint %s", file);
    return add(in, origin_log(cp.origin), &a);
}

int anchors_load_files(char *const *files, size_t n, anchors_in_t *in)
{
    for (size_t i = 0; i < n; i++) {
        int rc = load_one(files[i], in);
        if (rc < 0)
            return rc;
    }
    for (int k = 0; k < VLOG_COUNT; k++)
        if (in->n_checkpoints[k] > 1)
            qsort(in->checkpoints[k], in->n_checkpoints[k], sizeof *in->checkpoints[k], by_size);
    return 0;
}

void anchors_free(anchors_in_t *in)
{
    for (int k = 0; k < VLOG_COUNT; k++) {
        free(in->checkpoints[k]);
        in->checkpoints[k] = NULL;
        in->n_checkpoints[k] = 0;
    }
}
