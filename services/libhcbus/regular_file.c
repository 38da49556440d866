/* regular_file.c — see regular_file.h. */
#include "regular_file.h"

#include "hcbus/i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

FILE *hcbus_open_regular_file(const char *path, const char *what, hcbus_error_t *err)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        hcbus_error_set(err, HCBUS_EIO, path, _("cannot open %s: %s"), what, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        hcbus_error_set(err, HCBUS_EIO, path, _("%s %s is not a regular file"), what, path);
        return NULL;
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        hcbus_error_set(err, HCBUS_EIO, path, _("cannot open %s: %s"), what, strerror(errno));
    }
    return f;
}
