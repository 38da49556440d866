/* photos.c — `hcbus audit photos SEQ --out DIR`: writes the photos sent with the
 * anonymous report at SEQ (review.report_photos, deploy/sql/012; metadata removed by
 * hcbus-report) as DIR/SEQ-N.jpg or .png. Never overwrites: if one of the names exists
 * nothing is written; each file is created exclusively (O_EXCL, no symlink followed),
 * readable by its owner only; a failure midway removes what this run wrote. Photos are
 * fetched one at a time, so memory holds one photo whatever their number. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "common.h"
#include "conversation_common.h"
#include "db.h"
#include "hcbus/i18n.h"
#include "hcbus/text.h"

#define CMD "audit photos"
/* One snapshot for the list and every photo. */
#define PHOTOS_BEGIN_SQL "START TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"
#define PHOTOS_LIST_SQL                                                                     \
    "SELECT n::text, content_type, octet_length(bytes) FROM review.report_photos "         \
    "WHERE seq = $1 ORDER BY n"
/* In binary: the bytes as they are. */
#define PHOTO_BYTES_SQL "SELECT bytes FROM review.report_photos WHERE seq = $1 AND n = $2"
#define PHOTOS_MAX 5           /* report.photos.n is 1..5 */
#define PHOTO_NAME_MAX 4096
#define DIR_MODE 0700
#define FILE_MODE 0600

static void help(void)
{
    printf(_("usage: hcbus audit photos SEQ --out DIR [--db CONNINFO]\n"
           "  write the photos sent with the anonymous report recorded with seq SEQ into DIR\n"
           "  (made, mode 0700, if missing) as SEQ-N.jpg or SEQ-N.png, N from 1, each\n"
           "  readable by you only (0600); says how many it wrote. hcbus-report removed\n"
           "  their metadata (EXIF, GPS, XMP, thumbnails), but a picture itself (faces,\n"
           "  places, reflections) may still identify who took it: keep them to yourself.\n"
           "  Never overwrites: if one of the files exists, nothing is written (exit 1).\n"
           "  Refused, in Spanish naming the seq (exit 1): a seq that is not an anonymous\n"
           "  alert. An anonymous alert without photos writes nothing and exits 0.\n"
           "  --out DIR             the directory to write into (required)\n"
           "  --db CONNINFO         libpq connection string of the audit database (env\n"
           "                        HCBUS_AUDIT_DB; else libpq's PG* variables, dbname hcbus).\n"
           "                        The role needs only hcbus_reviewer (schema review).\n"
           "Exit: 0 written (or none to write), 1 not an anonymous alert or a file problem,\n"
           "  2 usage, 3 database unreachable, 4 internal.\n"));
}

typedef struct photo {
    char path[PHOTO_NAME_MAX];
    const char *name;      /* path's last component */
    const char *n;         /* its number, as text */
    const char *type;      /* image/jpeg or image/png */
    const char *size;      /* bytes, as text */
} photo_t;

/* Print a file problem naming the path; returns AUDIT_EXIT_BAD. */
static int file_error(const char *path, const char *what, int err)
{
    char *safe = hcbus_text_escape_dup(path, HCBUS_TEXT_PLAIN);
    fprintf(stderr, "hcbus " CMD ": %s: %s%s%s\n", safe ? safe : "?", what, err ? ": " : "",
            err ? strerror(err) : "");
    free(safe);
    return AUDIT_EXIT_BAD;
}

/* DIR exists as a directory, or is made. */
static int ensure_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0)
        return S_ISDIR(st.st_mode) ? 0 : file_error(dir, "no es un directorio", 0);
    if (errno != ENOENT || mkdir(dir, DIR_MODE) != 0)
        return file_error(dir, "no se puede crear el directorio", errno);
    return 0;
}

/* The rows as photos with their file names; refuses rows the view should never hold. */
static int name_photos(const PGresult *res, const char *dir, const char *seq, photo_t *photos)
{
    for (int r = 0; r < PQntuples(res); r++) {
        photo_t *p = &photos[r];
        const char *n = PQgetvalue(res, r, 0), *type = PQgetvalue(res, r, 1);
        const char *ext = strcmp(type, "image/jpeg") == 0  ? "jpg"
                          : strcmp(type, "image/png") == 0 ? "png"
                                                           : NULL;
        if (!ext || strlen(n) != 1 || n[0] < '1' || n[0] > '0' + PHOTOS_MAX) {
            fprintf(stderr, "hcbus " CMD ": seq %s: the database holds a photo this hcbus does "
                    "not know (number or type): is hcbus older than the database?\n", seq);
            return AUDIT_EXIT_INTERNAL;
        }
        int len = snprintf(p->path, sizeof p->path, "%s%s%s-%s.%s", dir,
                           dir[strlen(dir) - 1] == '/' ? "" : "/", seq, n, ext);
        if (len < 0 || (size_t)len >= sizeof p->path)
            return file_error(dir, "el nombre del directorio es demasiado largo", 0);
        p->name = strrchr(p->path, '/') + 1;
        p->n = n;
        p->type = type;
        p->size = PQgetvalue(res, r, 2);
    }
    return 0;
}

/* Write bytes to the new file p->path. */
static int write_file(const photo_t *p, const char *bytes, size_t size)
{
    int fd = open(p->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, FILE_MODE);
    if (fd < 0)
        return file_error(p->path, errno == EEXIST ? "ya existe: no se sobrescribe"
                                                   : "no se puede crear", errno == EEXIST ? 0 : errno);
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, bytes + done, size - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int err = w < 0 ? errno : EIO;
            close(fd);
            unlink(p->path);
            return file_error(p->path, "no se puede escribir", err);
        }
        done += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        int err = errno;
        unlink(p->path);
        return file_error(p->path, "no se puede escribir", err);
    }
    return 0;
}

/* Fetch photo p (binary) and write it. */
static int write_one(PGconn *conn, const char *seq, const photo_t *p)
{
    const char *params[] = {seq, p->n};
    PGresult *res = PQexecParams(conn, PHOTO_BYTES_SQL, 2, NULL, params, NULL, NULL, 1);
    int rc;
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        rc = audit_db_error(CMD, conn, res, N_("cannot read a photo"));
    else
        rc = write_file(p, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
    PQclear(res);
    return rc;
}

/* Every name is free before anything is written; then each is written, and a failure
 * removes the ones written before it. */
static int write_all(PGconn *conn, const char *seq, const photo_t *photos, int n)
{
    struct stat st;
    for (int i = 0; i < n; i++)
        if (lstat(photos[i].path, &st) == 0)
            return file_error(photos[i].path, "ya existe: no se sobrescribe (no se escribió "
                              "ninguna foto)", 0);
    for (int i = 0; i < n; i++) {
        int rc = write_one(conn, seq, &photos[i]);
        if (rc != 0) {
            for (int k = 0; k < i; k++)
                unlink(photos[k].path);
            return rc;
        }
    }
    return 0;
}

static void print_written(const photo_t *photos, int n, const char *seq, const char *dir)
{
    char *safe_dir = hcbus_text_escape_dup(dir, HCBUS_TEXT_PLAIN);
    printf("%d %s de la alerta anónima seq %s %s en %s:\n", n, n == 1 ? "foto" : "fotos", seq,
           n == 1 ? "escrita" : "escritas", safe_dir ? safe_dir : "?");
    free(safe_dir);
    for (int i = 0; i < n; i++)
        printf("  %s  %s bytes, %s\n", photos[i].name, photos[i].size, photos[i].type);
    printf("Sin metadatos, pero la imagen misma puede identificar a quien la tomó: no la "
           "difunda.\n");
}

static int photos_cmd(const char *db, const char *seq, const char *dir)
{
    PGconn *conn;
    int rc = audit_db_connect(CMD, db, &conn);
    if (rc != 0)
        return rc;
    char alert_id[AUDIT_ALERT_ID_MAX];
    if ((rc = audit_anonymous_alert(CMD, conn, seq, alert_id)) != 0) {
        PQfinish(conn);
        return rc;
    }
    PGresult *begin = PQexec(conn, PHOTOS_BEGIN_SQL);
    if (PQresultStatus(begin) != PGRES_COMMAND_OK) {
        rc = audit_db_error(CMD, conn, begin, N_("cannot start the transaction"));
        PQclear(begin);
        PQfinish(conn);
        return rc;
    }
    PQclear(begin);
    const char *params[] = {seq};
    PGresult *res = PQexecParams(conn, PHOTOS_LIST_SQL, 1, NULL, params, NULL, NULL, 0);
    photo_t photos[PHOTOS_MAX];
    int n = PQresultStatus(res) == PGRES_TUPLES_OK ? PQntuples(res) : -1;
    if (n < 0) {
        rc = audit_db_error(CMD, conn, res, N_("cannot read the photos"));
    } else if (n > PHOTOS_MAX) {
        fprintf(stderr, "hcbus " CMD ": seq %s: the database holds %d photos, more than %d\n",
                seq, n, PHOTOS_MAX);
        rc = AUDIT_EXIT_INTERNAL;
    } else if (n == 0) {
        printf("la alerta anónima seq %s no tiene fotos; no se escribió nada\n", seq);
    } else if ((rc = ensure_dir(dir)) == 0 && (rc = name_photos(res, dir, seq, photos)) == 0 &&
               (rc = write_all(conn, seq, photos, n)) == 0) {
        print_written(photos, n, seq, dir);
    }
    if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout)))
        rc = AUDIT_EXIT_INTERNAL;
    PQclear(res);
    PQfinish(conn);
    return rc;
}

int audit_photos(int argc, char **argv)
{
    static const struct option options[] = {{"db", required_argument, NULL, 0},
                                            {"out", required_argument, NULL, 0},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    const char *db = NULL, *dir = NULL;
    int c, index;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "h", options, &index)) != -1) {
        if (c == 'h') {
            help();
            return AUDIT_EXIT_OK;
        }
        if (c != 0)
            return bad_flag(CMD, argv);
        if (strcmp(options[index].name, "db") == 0)
            db = optarg;
        else
            dir = optarg;
    }
    if (optind + 1 != argc)
        return usage_error(CMD, optind == argc ? "SEQ is missing" : "one SEQ only");
    if (!dir || !*dir)
        return usage_error(CMD, _("--out DIR is missing (where to write the photos)"));
    char seq[AUDIT_SEQ_TEXT_MAX];
    int rc = audit_seq_arg(CMD, argv[optind], seq);
    return rc != 0 ? rc : photos_cmd(db, seq, dir);
}
