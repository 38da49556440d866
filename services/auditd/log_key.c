/* log_key.c — reading auditd.log_key_file (see log_key.h). The checks are made on the
 * open file, so a file swapped after them is not read; the text is wiped after
 * parsing. */
#include "log_key.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Checks on the open file: regular, closed to group and others, not too long. */
static int check_file(int fd, const char *path, hcbus_error_t *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return hcbus_error_set(err, HCBUS_EIO, path, "cannot stat the log key file: %s", strerror(errno));
    if (!S_ISREG(st.st_mode))
        return hcbus_error_set(err, HCBUS_EIO, path, "the log key file %s is not a regular file", path);
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        hcbus_error_set(err, HCBUS_EIO, path, "the log key file %s has mode %04o: group or others may access it",
                        path, (unsigned)(st.st_mode & 07777));
        return hcbus_error_hint(err, "chmod 600 %s (and chown it to the user hcbus-auditd runs as)", path);
    }
    if (st.st_size >= HCBUS_TLOG_KEY_TEXT_MAX)
        return hcbus_error_set(err, HCBUS_EIO, path, "the log key file %s is %lld bytes: a signer key is one line",
                               path, (long long)st.st_size);
    return 0;
}

int auditd_log_key_load(const char *path, hcbus_tlog_signer_t *out, hcbus_error_t *err)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return hcbus_error_set(err, HCBUS_EIO, path, "cannot open the log key file %s: %s", path, strerror(errno));
    if (check_file(fd, path, err) < 0) {
        close(fd);
        return -1;
    }
    char text[HCBUS_TLOG_KEY_TEXT_MAX];
    ssize_t n = read(fd, text, sizeof text - 1);
    int read_errno = errno;
    close(fd);
    if (n < 0)
        return hcbus_error_set(err, HCBUS_EIO, path, "cannot read the log key file: %s", strerror(read_errno));
    text[n] = '\0';
    int rc = hcbus_tlog_signer_parse(text, out, err);
    sodium_memzero(text, sizeof text);
    if (rc < 0) {
        char why[HCBUS_ERROR_MESSAGE_MAX];
        snprintf(why, sizeof why, "%s", err->message);
        hcbus_error_set(err, HCBUS_EIO, path, "%s is not a note signer key: %s", path, why);
        return hcbus_error_hint(err, "make one with: hcbus keygen --log-signer NAME --dir DIR");
    }
    return 0;
}
