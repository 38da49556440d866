/* fuzz_input_file.h — for the fuzz targets whose input is a file (config, zone
 * catalogue, key files): the bytes written to one temporary file (mode 0600, as a
 * secret key file must be), rewritten for each input and removed at exit.
 * Header-only because each target is one program. */
#ifndef HCBUS_FUZZ_INPUT_FILE_H
#define HCBUS_FUZZ_INPUT_FILE_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_input_path[96];

static void fuzz_input_file_remove(void)
{
    if (fuzz_input_path[0])
        unlink(fuzz_input_path);
}

/* Write data to the temporary file (its name ends with suffix) and return its path.
 * Aborts if it cannot: a target that silently tests nothing would pass for ever. */
static const char *fuzz_input_file(const uint8_t *data, size_t size, const char *suffix)
{
    if (!fuzz_input_path[0]) {
        const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(fuzz_input_path, sizeof fuzz_input_path, "%.60s/hcbus-fuzz-%ld%.8s", dir, (long)getpid(), suffix);
        atexit(fuzz_input_file_remove);
    }
    int fd = open(fuzz_input_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || fchmod(fd, 0600) != 0)
        abort();
    for (size_t done = 0; done < size;) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0)
            abort();
        done += (size_t)n;
    }
    if (close(fd) != 0)
        abort();
    return fuzz_input_path;
}

#endif
