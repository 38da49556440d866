/* checkpoint.c — `hcbus audit checkpoint`: the latest signed tree head of a log, as the
 * C2SP checkpoint note hcbus-auditd signed, to export and keep outside the database
 * (verify --from-checkpoint then proves the log was not rewritten up to its size). With
 * a log key the note is checked before it is handed out. --out writes a new file and
 * never replaces one: every exported checkpoint is worth keeping. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "common.h"
#include "db.h"
#include "hcbus/i18n.h"
#include "verify.h"

#define CMD "audit checkpoint"

static void help(void)
{
    printf("%s%s%s",
           _("usage: hcbus audit checkpoint [--out FILE] [--rejections] [--log-key FILE] [--db CONNINFO]\n"
           "  prints the latest tree head hcbus-auditd signed (a C2SP checkpoint note: the\n"
           "  log's origin, its size and root hash, and the signature). Keep it outside the\n"
           "  database (e-mail it, print it): hcbus audit verify --from-checkpoint FILE later\n"
           "  proves the log still holds exactly those rows.\n"
           "  --out FILE            write it to FILE (a new file; an existing one is not replaced)\n"
           "  --rejections          the checkpoint of the refused attempts' log, not the events'\n"
           "  --log-key FILE        check its signature first (env HCBUS_AUDIT_LOG_KEY, else\n"
           "                        ./keys/auditd-log.pub when present)\n"),
           _(AUDIT_DB_HELP),
           _("Exit: 0 ok, 1 no signed tree head yet or a signature that does not verify, 2 usage,\n"
           "  3 database unreachable, 4 internal.\n"));
}

/* Write note to a new file path (mode 0644). Returns 0 or an exit code after printing. */
static int write_new(const char *path, const char *note)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "hcbus " CMD ": cannot create %s: %s\n", path, strerror(errno));
        if (errno == EEXIST)
            fprintf(stderr, _("  hint: an exported checkpoint is never replaced; choose a new name (e.g. with the "
                            "date)\n"));
        return AUDIT_EXIT_BAD;
    }
    size_t len = strlen(note), done = 0;
    while (done < len) {
        ssize_t n = write(fd, note + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            fprintf(stderr, "hcbus " CMD ": cannot write %s: %s\n", path, strerror(errno));
            close(fd);
            unlink(path);
            return AUDIT_EXIT_INTERNAL;
        }
        done += (size_t)n;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        fprintf(stderr, "hcbus " CMD ": cannot write %s: %s\n", path, strerror(errno));
        unlink(path);
        return AUDIT_EXIT_INTERNAL;
    }
    return 0;
}

static int export(PGconn *conn, const audit_opts_t *opts, const vlog_t *log, const char *key, const char *out)
{
    anchors_in_t in = {.utc = opts->utc};
    int rc = key ? anchors_load_key(CMD, key, &in) : 0;
    if (rc < 0)
        return -rc;
    anchor_t head;
    char *note = NULL;
    rc = heads_find(conn, log, key ? &in : NULL, opts->utc, 0, &head, &note);
    if (rc < 0)
        return -rc;
    if (rc == 0) {
        fprintf(stderr, "hcbus " CMD ": the %s log has no signed tree head yet\n", log->name);
        fprintf(stderr, _("  hint: hcbus-auditd signs one every checkpoint_every_events rows or checkpoint_every_s "
                        "seconds, and at a clean stop, when it has log_key_file (docs/operations.md)\n"));
        return AUDIT_EXIT_BAD;
    }
    rc = 0;
    if (head.forged) {
        fprintf(stderr, "hcbus " CMD ": the latest tree head of the %s log does not verify with the log key: %s\n",
                log->name, head.why);
        fprintf(stderr, _("  hint: do not keep this note; run hcbus audit verify\n"));
        rc = AUDIT_EXIT_BAD;
    } else if (out) {
        rc = write_new(out, note);
    } else {
        fputs(note, stdout);
    }
    if (rc == 0)
        fprintf(stderr, "hcbus " CMD ": %s log, size %" PRIu64 ", the %s%s%s%s\n", log->name, head.size, head.source,
                key ? ", signature checked" : ", signature NOT checked (no --log-key)", out ? "; written to " : "",
                out ? out : "");
    free(note);
    return rc;
}

int audit_checkpoint(int argc, char **argv)
{
    static const struct option options[] = {AUDIT_LONG_OPTIONS,
                                            {"out", required_argument, NULL, 0},
                                            {"rejections", no_argument, NULL, 0},
                                            {"log-key", required_argument, NULL, 0},
                                            {NULL, 0, NULL, 0}};
    audit_opts_t opts = {0};
    const char *out = NULL, *key = NULL;
    const vlog_t *log = &vlog_events;
    int c, index;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "h", options, &index)) != -1) {
        if (c == 'h') {
            help();
            return AUDIT_EXIT_OK;
        }
        if (c != 0)
            return bad_flag(CMD, argv);
        const char *name = options[index].name;
        if (strcmp(name, "out") == 0)
            out = optarg;
        else if (strcmp(name, "rejections") == 0)
            log = &vlog_rejections;
        else if (strcmp(name, "log-key") == 0)
            key = optarg;
        else if (audit_opt_take(CMD, &opts, name, optarg) < 0)
            return AUDIT_EXIT_USAGE;
    }
    if (optind < argc)
        return usage_error(CMD, _("unexpected argument '%s'"), argv[optind]);
    if (opts.format != AUDIT_FORMAT_TEXT)
        return usage_error(CMD, _("the checkpoint is a signed note: no --json or --csv"));
    if (!key)
        key = verify_key_file();
    PGconn *conn;
    int rc = audit_db_connect(CMD, opts.db, &conn);
    if (rc != 0)
        return rc;
    rc = export(conn, &opts, log, key, out);
    PQfinish(conn);
    return rc;
}
