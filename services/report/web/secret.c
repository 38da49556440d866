/* secret.c — secret_load (secret.h): open without blocking, check the kind, the mode
 * and the size before reading, and leave no copy behind on failure. */
#define _POSIX_C_SOURCE 200809L
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET_HINT "make one with: (umask 077; head -c 32 /dev/urandom > FILE)"

static int fail(int fd, hcbus_error_t *err, int code, const char *path, const char *why, const char *what)
{
    if (fd >= 0)
        close(fd);
    hcbus_error_set(err, code, path, "report.secret_file %s %s%s", path, why, what ? what : "");
    return hcbus_error_hint(err, SECRET_HINT);
}

int secret_load(const char *path, unsigned char out[SECRET_BYTES], hcbus_error_t *err)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return fail(-1, err, HCBUS_EIO, path, "cannot be opened: ", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return fail(fd, err, HCBUS_EIO, path, "is not a regular file", NULL);
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        close(fd);
        hcbus_error_set(err, HCBUS_ECONFIG, path,
                        "report.secret_file %s has mode %04o: group or others may access it", path,
                        (unsigned)(st.st_mode & 07777));
        return hcbus_error_hint(err, "chmod 0600 %s (only hcbus-report may read it)", path);
    }
    if (st.st_size != SECRET_BYTES)
        return fail(fd, err, HCBUS_ECONFIG, path, "must hold exactly 32 bytes", NULL);
    size_t got = 0;
    while (got < SECRET_BYTES) {
        ssize_t n = read(fd, out + got, SECRET_BYTES - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            sodium_memzero(out, SECRET_BYTES);
            return fail(fd, err, HCBUS_EIO, path, "could not be read: ", n < 0 ? strerror(errno) : "short");
        }
        got += (size_t)n;
    }
    close(fd);
    return 0;
}
