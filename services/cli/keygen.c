/* keygen.c — `hcbus keygen NAME_OR_PATH [--dir DIR]`: write NAME.key (0600) and
 * NAME.pub for an institution or the broker, never overwriting, and print the public
 * key (what goes into the broker's configuration). */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"

#define CMD "keygen"

static void help(void)
{
    printf("usage: hcbus keygen NAME_OR_PATH [--dir DIR]\n"
           "  writes DIR/NAME.key (secret, mode 0600) and DIR/NAME.pub, refuses to\n"
           "  overwrite either, and prints the public key.\n"
           "  --dir DIR   where to write them (default: the current directory, or the\n"
           "              directory part of NAME_OR_PATH)\n"
           "Exit: 0 ok, 1 a file exists or cannot be written, 2 usage.\n");
}

static int write_pair(const char *base)
{
    char secret_path[PATH_MAX], public_path[PATH_MAX];
    if (snprintf(secret_path, sizeof secret_path, "%s.key", base) >= (int)sizeof secret_path ||
        snprintf(public_path, sizeof public_path, "%s.pub", base) >= (int)sizeof public_path)
        return usage_error(CMD, "path '%s' is too long", base);
    const char *name = strrchr(base, '/') ? strrchr(base, '/') + 1 : base;
    hcbus_keypair_t kp;
    hcbus_error_t err;
    if (hcbus_keypair_generate(&kp, &err) != 0 ||
        hcbus_keypair_write(&kp, secret_path, public_path, name, &err) != 0) {
        print_error(CMD, &err);
        return err.code == HCBUS_EIO ? EXIT_REFUSED : EXIT_INTERNAL;
    }
    printf("%s\n", kp.public_z85);
    return EXIT_OK;
}

int cmd_keygen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"dir", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *dir = NULL;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hd:", opts, NULL)) != -1) {
        if (c == 'h') {
            help();
            return EXIT_OK;
        }
        if (c != 'd')
            return bad_flag(CMD, argv);
        dir = optarg;
    }
    if (optind != argc - 1)
        return usage_error(CMD, "give exactly one NAME_OR_PATH");
    const char *name = argv[optind];
    size_t len = strlen(name);
    /* "minsal.key" and "minsal.pub" name the same pair as "minsal". */
    if (len > 4 && (strcmp(name + len - 4, ".key") == 0 || strcmp(name + len - 4, ".pub") == 0))
        len -= 4;
    if (len == 0)
        return usage_error(CMD, "the name is empty");
    char base[PATH_MAX];
    if (snprintf(base, sizeof base, "%s%s%.*s", dir ? dir : "", dir ? "/" : "", (int)len,
                 name) >= (int)sizeof base)
        return usage_error(CMD, "path is too long");
    return write_pair(base);
}
