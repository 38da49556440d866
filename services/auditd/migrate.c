/* migrate.c — apply deploy/sql/NNN_*.sql (see migrate.h). Each file runs with one
 * PQexec inside BEGIN/COMMIT, under the same transaction-level advisory lock as
 * deploy/migrate.sh so that two runners never apply the same file at once. */
#include "migrate.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "hcbus/config.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"

#define VERSION_DIGITS 3
#define MIGRATION_LOCK_SQL "SELECT pg_advisory_xact_lock(hashtext('hcbus.migrate'))"

/* NNN_name.sql with name made of [A-Za-z0-9_]. */
static bool is_migration_name(const char *name)
{
    size_t len = strlen(name);
    if (len < VERSION_DIGITS + 6 || strcmp(name + len - 4, ".sql") != 0)
        return false;
    if (strspn(name, "0123456789") != VERSION_DIGITS || name[VERSION_DIGITS] != '_')
        return false;
    const char *stem = name + VERSION_DIGITS + 1;
    size_t stem_len = len - VERSION_DIGITS - 1 - 4;
    return stem_len > 0 &&
           strspn(stem, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == stem_len;
}

static int select_migration(const struct dirent *d)
{
    return is_migration_name(d->d_name);
}

/* The whole file as a NUL-terminated string (caller frees). */
static char *read_file(const char *path, hcbus_error_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        hcbus_error_set(err, HCBUS_EIO, path, "cannot open migration: %s", strerror(errno));
        return NULL;
    }
    char *text = malloc(AUDITD_MIGRATION_MAX_BYTES + 1);
    size_t n = text ? fread(text, 1, AUDITD_MIGRATION_MAX_BYTES + 1, f) : 0;
    bool failed = !text || ferror(f) || n > AUDITD_MIGRATION_MAX_BYTES;
    fclose(f);
    if (failed) {
        free(text);
        hcbus_error_set(err, HCBUS_EIO, path, "cannot read migration (unreadable or over %d bytes)",
                        AUDITD_MIGRATION_MAX_BYTES);
        return NULL;
    }
    text[n] = '\0';
    return text;
}

/* 1 if version is recorded, 0 if not (or the bookkeeping table does not exist yet). */
static int is_applied(PGconn *conn, int version, hcbus_error_t *err)
{
    char ver[16];
    snprintf(ver, sizeof ver, "%d", version);
    const char *params[1] = {ver};
    PGresult *res = PQexecParams(conn,
                                 "SELECT to_regclass('hcbus.schema_migrations') IS NOT NULL", 0,
                                 NULL, NULL, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        auditd_pg_error(conn, res, "cannot read hcbus.schema_migrations", err);
        PQclear(res);
        return -1;
    }
    bool table = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (!table)
        return 0;
    res = PQexecParams(conn, "SELECT 1 FROM hcbus.schema_migrations WHERE version = $1::int", 1,
                       NULL, params, NULL, NULL, 0);
    int rc = PQresultStatus(res) != PGRES_TUPLES_OK
                 ? auditd_pg_error(conn, res, "cannot read hcbus.schema_migrations", err)
                 : PQntuples(res) > 0;
    PQclear(res);
    return rc;
}

static int record(PGconn *conn, int version, const char *name, hcbus_error_t *err)
{
    char ver[16];
    snprintf(ver, sizeof ver, "%d", version);
    const char *params[2] = {ver, name};
    PGresult *res = PQexecParams(conn,
                                 "INSERT INTO hcbus.schema_migrations (version, name) "
                                 "VALUES ($1::int, $2) ON CONFLICT (version) DO NOTHING",
                                 2, NULL, params, NULL, NULL, 0);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK
                 ? 0
                 : auditd_pg_error(conn, res, "cannot record the migration", err);
    PQclear(res);
    return rc;
}

/* Run one file in its own transaction. Returns 1 applied, 0 skipped, -1 error. */
static int apply_one(PGconn *conn, const char *dir, const char *file, hcbus_error_t *err)
{
    char path[HCBUS_PATH_MAX], name[HCBUS_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    snprintf(name, sizeof name, "%.*s", (int)(strlen(file) - 4), file);
    int version = atoi(file);
    if (auditd_pg_exec(conn, "BEGIN", err) < 0)
        return -1;
    int applied = auditd_pg_exec(conn, MIGRATION_LOCK_SQL, err) < 0 ? -1 : is_applied(conn, version, err);
    char *sql = NULL;
    int rc = -1;
    if (applied == 1)
        rc = 0;
    else if (applied == 0 && (sql = read_file(path, err)) != NULL)
        rc = auditd_pg_exec(conn, sql, err) < 0 || record(conn, version, name, err) < 0 ? -1 : 1;
    free(sql);
    if (rc < 0) {
        char msg[HCBUS_ERROR_MESSAGE_MAX];
        snprintf(msg, sizeof msg, "%s", err ? err->message : "");
        hcbus_error_set(err, err && err->code ? err->code : HCBUS_EDATABASE, path,
                        "migration failed, nothing of it was applied: %s", msg);
        auditd_pg_exec(conn, "ROLLBACK", NULL);
        return -1;
    }
    if (auditd_pg_exec(conn, "COMMIT", err) < 0)
        return -1;
    if (rc == 1)
        hcbus_info(_("migration %s applied"), name);
    return rc;
}

int auditd_migrate(PGconn *conn, const char *dir, hcbus_error_t *err)
{
    struct dirent **files = NULL;
    int n = scandir(dir, &files, select_migration, alphasort);
    if (n < 0)
        return hcbus_error_set(err, HCBUS_EIO, dir, "cannot list migrations: %s", strerror(errno));
    int rc = n == 0 ? hcbus_error_set(err, HCBUS_ECONFIG, dir, "no NNN_name.sql migration files") : 0;
    int applied = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        if (i > 0 && atoi(files[i]->d_name) == atoi(files[i - 1]->d_name)) {
            rc = hcbus_error_set(err, HCBUS_ECONFIG, dir, "two migrations numbered %.3s: %s and %s",
                                 files[i]->d_name, files[i - 1]->d_name, files[i]->d_name);
            break;
        }
        int r = apply_one(conn, dir, files[i]->d_name, err);
        rc = r < 0 ? -1 : 0;
        applied += r > 0;
    }
    for (int i = 0; i < n; i++)
        free(files[i]);
    free(files);
    if (rc == 0)
        hcbus_info(_("migrations: %d applied, %d already applied from %s"), applied, n - applied, dir);
    return rc;
}
