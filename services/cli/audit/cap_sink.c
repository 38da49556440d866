/* cap_sink.c — the CAP export's documents into a directory, one file each, or the single
 * one to stdout (cap_sink.h). */
#include "cap_sink.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"

#define TMP_PREFIX "."
#define TMP_SUFFIX ".tmp"

struct cap_sink {
    const char *cmd;
    const char *dir;      /* NULL: stdout */
    FILE *doc;            /* the document being written */
    char *mem;            /* stdout: the document in memory */
    size_t mem_len;
    size_t held;          /* stdout: documents held (0 or 1) */
    char path[PATH_MAX];  /* directory: the final name of doc */
    char tmp[PATH_MAX];   /* directory: where doc is written */
};

static int fail(const cap_sink_t *self, const char *what, const char *path, int code)
{
    fprintf(stderr, "hcbus %s: --out: %s %s: %s\n", self->cmd, what, path, strerror(errno));
    return code;
}

static int open_dir(cap_sink_t *self)
{
    struct stat st;
    if (stat(self->dir, &st) != 0) {
        if (errno != ENOENT || mkdir(self->dir, CAP_DIR_MODE) != 0)
            return fail(self, "cannot make the directory", self->dir, AUDIT_EXIT_BAD);
        return 0;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "hcbus %s: --out %s: not a directory (CAP 1.2 holds one alert per "
                        "document: --out names a directory for one file per event)\n",
                self->cmd, self->dir);
        return AUDIT_EXIT_BAD;
    }
    if (access(self->dir, W_OK | X_OK) != 0)
        return fail(self, "cannot write into", self->dir, AUDIT_EXIT_BAD);
    return 0;
}

int cap_sink_new(const char *cmd, const char *dir, cap_sink_t **out)
{
    cap_sink_t *self = calloc(1, sizeof *self);
    if (!self) {
        fprintf(stderr, "hcbus %s: out of memory\n", cmd);
        return AUDIT_EXIT_INTERNAL;
    }
    self->cmd = cmd;
    self->dir = dir;
    int rc = dir ? open_dir(self) : 0;
    if (rc != 0) {
        free(self);
        return rc;
    }
    *out = self;
    return 0;
}

void cap_sink_destroy(cap_sink_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cap_sink_t *self = *self_p;
    if (self->doc) {
        fclose(self->doc);
        if (self->dir)
            unlink(self->tmp); /* an unfinished document never takes the final name */
    }
    free(self->mem);
    free(self);
    *self_p = NULL;
}

bool cap_sink_full(const cap_sink_t *self) { return !self->dir && self->held > 0; }

static FILE *begin_file(cap_sink_t *self, const char *identifier)
{
    int n1 = snprintf(self->path, sizeof self->path, "%s/%s.xml", self->dir, identifier);
    int n2 = snprintf(self->tmp, sizeof self->tmp, "%s/" TMP_PREFIX "%s.xml" TMP_SUFFIX,
                      self->dir, identifier);
    if (n1 < 0 || n2 < 0 || (size_t)n2 >= sizeof self->tmp) {
        errno = ENAMETOOLONG;
        fail(self, "cannot name a file in", self->dir, 0);
        return NULL;
    }
    int fd = open(self->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, CAP_FILE_MODE);
    if (fd < 0) {
        fail(self, "cannot write", self->tmp, 0);
        return NULL;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        fail(self, "cannot write", self->tmp, 0);
        close(fd);
        unlink(self->tmp);
    }
    return f;
}

FILE *cap_sink_begin(cap_sink_t *self, const char *identifier)
{
    if (self->doc || cap_sink_full(self)) {
        fprintf(stderr, "hcbus %s: internal error: a CAP document begun out of turn\n",
                self->cmd);
        return NULL;
    }
    if (self->dir)
        self->doc = begin_file(self, identifier);
    else if (!(self->doc = open_memstream(&self->mem, &self->mem_len)))
        fprintf(stderr, "hcbus %s: out of memory\n", self->cmd);
    return self->doc;
}

int cap_sink_end(cap_sink_t *self)
{
    if (!self->doc)
        return AUDIT_EXIT_INTERNAL;
    int bad = ferror(self->doc);
    int closed = fclose(self->doc);
    self->doc = NULL;
    if (!self->dir) {
        if (bad || closed != 0) {
            fprintf(stderr, "hcbus %s: out of memory\n", self->cmd);
            return AUDIT_EXIT_INTERNAL;
        }
        self->held = 1;
        return 0;
    }
    if (bad || closed != 0) {
        int rc = fail(self, "cannot write", self->tmp, AUDIT_EXIT_INTERNAL);
        unlink(self->tmp);
        return rc;
    }
    if (rename(self->tmp, self->path) != 0) {
        int rc = fail(self, "cannot rename into place", self->path, AUDIT_EXIT_INTERNAL);
        unlink(self->tmp);
        return rc;
    }
    return 0;
}

int cap_sink_finish(cap_sink_t *self, size_t events)
{
    if (self->dir || events == 0)
        return 0;
    if (events > 1) {
        fprintf(stderr,
                "hcbus %s: %zu events match, and a CAP 1.2 document holds one alert: nothing "
                "written\n  hint: give --out DIR (one file per event), or narrow the selection "
                "(--from, --to, --zone, --kind)\n",
                self->cmd, events);
        return AUDIT_EXIT_BAD;
    }
    if (fwrite(self->mem, 1, self->mem_len, stdout) != self->mem_len || fflush(stdout) != 0) {
        fprintf(stderr, "hcbus %s: cannot write the output: %s\n", self->cmd, strerror(errno));
        return AUDIT_EXIT_INTERNAL;
    }
    return 0;
}
