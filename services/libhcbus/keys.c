/* keys.c — CurveZMQ key pairs on disk (see include/hcbus/keys.h). The file format is
 * two "name value" lines so that operators can read and diff key files. A secret key
 * file is read only when it is a regular file that nobody but its owner may access
 * (mode 0600 or 0400), as ssh does for private keys. */
#include "hcbus/keys.h"
#include "hcbus/i18n.h"
#include "regular_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#define KEY_LINE_MAX 256

int hcbus_key_well_formed(const char *text)
{
    if (!text || strlen(text) != HCBUS_Z85_KEY_LEN)
        return 0;
    uint8_t raw[32];
    return zmq_z85_decode(raw, text) != NULL;
}

int hcbus_keypair_generate(hcbus_keypair_t *kp, hcbus_error_t *err)
{
    if (zmq_curve_keypair(kp->public_z85, kp->secret_z85) != 0)
        return hcbus_error_set(err, HCBUS_EINTERNAL, NULL, _("cannot make a CurveZMQ key pair: %s"),
                               zmq_strerror(zmq_errno()));
    return 0;
}

static int write_key_file(const char *path, mode_t mode, const char *comment, const char *pub,
                          const char *sec, hcbus_error_t *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        hcbus_error_set(err, HCBUS_EIO, path, _("cannot create key file: %s"), strerror(errno));
        if (errno == EEXIST)
            hcbus_error_hint(err, _("Key files are never overwritten; move the old one away first."));
        return -1;
    }
    char text[KEY_LINE_MAX * 3];
    int n = snprintf(text, sizeof text, "# %s\npublic-key %s\n", comment ? comment : "hcbus key", pub);
    if (sec)
        n += snprintf(text + n, sizeof text - (size_t)n, "secret-key %s\n", sec);
    ssize_t written = write(fd, text, (size_t)n);
    int sync_rc = fsync(fd);
    close(fd);
    if (written != n || sync_rc != 0) {
        unlink(path);
        return hcbus_error_set(err, HCBUS_EIO, path, _("cannot write key file: %s"), strerror(errno));
    }
    return 0;
}

int hcbus_keypair_write(const hcbus_keypair_t *kp, const char *secret_path,
                        const char *public_path, const char *comment, hcbus_error_t *err)
{
    if (access(public_path, F_OK) == 0)
        return hcbus_error_set(err, HCBUS_EIO, public_path, _("key file already exists"));
    if (write_key_file(secret_path, 0600, comment, kp->public_z85, kp->secret_z85, err) != 0)
        return -1;
    if (write_key_file(public_path, 0644, comment, kp->public_z85, NULL, err) != 0) {
        unlink(secret_path);
        return -1;
    }
    return 0;
}

/* A secret key open as f (a regular file: hcbus_open_regular_file checked it) must be
 * closed to group and others. The check is made on the open file, so a file swapped
 * after the check is not read. */
static int check_secret_mode(FILE *f, const char *path, hcbus_error_t *err)
{
    struct stat st;
    if (fstat(fileno(f), &st) != 0)
        return hcbus_error_set(err, HCBUS_EIO, path, _("cannot stat secret key file %s: %s"), path,
                               strerror(errno));
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) == 0)
        return 0;
    hcbus_error_set(err, HCBUS_EIO, path,
                    _("secret key file %s has mode %04o: group or others may access it"), path,
                    (unsigned)(st.st_mode & 07777));
    return hcbus_error_hint(err, _("chmod 600 %s (and chown it to the user the program runs as); "
                                 "a secret key is for its owner only"), path);
}

/* Read "public-key" and "secret-key" lines from path; either output may be NULL. A
 * file read for its secret key must pass check_secret_mode. */
static int read_key_lines(const char *path, char *pub, char *sec, hcbus_error_t *err)
{
    FILE *f = hcbus_open_regular_file(path, "key file", err);
    if (!f)
        return -1;
    if (sec && check_secret_mode(f, path, err) != 0) {
        fclose(f);
        return -1;
    }
    char line[KEY_LINE_MAX];
    char where[HCBUS_ERROR_FIELD_MAX];
    int lineno = 0, rc = 0;
    if (pub)
        pub[0] = '\0';
    if (sec)
        sec[0] = '\0';
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char name[32], value[KEY_LINE_MAX];
        snprintf(where, sizeof where, "%s:%d", path, lineno);
        if (sscanf(line, "%31s %255s", name, value) != 2) {
            rc = hcbus_error_set(err, HCBUS_EIO, where, _("expected \"public-key <z85>\" or \"secret-key <z85>\""));
            break;
        }
        char *dest = strcmp(name, "public-key") == 0 ? pub : strcmp(name, "secret-key") == 0 ? sec : NULL;
        if (strcmp(name, "public-key") != 0 && strcmp(name, "secret-key") != 0)
            rc = hcbus_error_set(err, HCBUS_EIO, where, _("unknown line \"%s\""), name);
        else if (!hcbus_key_well_formed(value))
            rc = hcbus_error_set(err, HCBUS_EIO, where, _("%s is not a 40-character Z85 CurveZMQ key"), name);
        else if (dest)
            memcpy(dest, value, HCBUS_Z85_KEY_LEN + 1);
    }
    fclose(f);
    return rc;
}

int hcbus_keypair_load(const char *secret_path, hcbus_keypair_t *kp, hcbus_error_t *err)
{
    if (read_key_lines(secret_path, kp->public_z85, kp->secret_z85, err) != 0)
        return -1;
    if (!kp->secret_z85[0] || !kp->public_z85[0])
        return hcbus_error_set(err, HCBUS_EIO, secret_path,
                               _("a secret key file needs both a public-key and a secret-key line"));
    char derived[HCBUS_Z85_KEY_LEN + 1];
    if (zmq_curve_public(derived, kp->secret_z85) != 0 || strcmp(derived, kp->public_z85) != 0)
        return hcbus_error_set(err, HCBUS_EIO, secret_path, _("public-key does not belong to secret-key"));
    return 0;
}

int hcbus_public_key_load(const char *path, char *out, hcbus_error_t *err)
{
    if (read_key_lines(path, out, NULL, err) != 0)
        return -1;
    if (!out[0])
        return hcbus_error_set(err, HCBUS_EIO, path, _("no public-key line"));
    return 0;
}
