/* keygen.c — `hcbus keygen NAME_OR_PATH [--dir DIR]`: write NAME.key (0600) and
 * NAME.pub for an institution or the broker, never overwriting, and print the public
 * key (what goes into the broker's configuration). `hcbus keygen --log-signer NAME
 * [--dir DIR]`: the Ed25519 key that signs hcbus-auditd's tree heads (decision 0014),
 * as note key texts (libhcbus tlog): NAME-log.key (0600, the signer key) and
 * NAME-log.pub (the verifier key every institution keeps to check checkpoints). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "examples.h"
#include "hcbus/i18n.h"
#include "hcbus/tlog.h"

#define CMD "keygen"

#define LOG_KEY_SUFFIX "-log"

static void help(void)
{
    printf(_("usage: hcbus keygen NAME_OR_PATH [--dir DIR]\n"
           "       hcbus keygen --log-signer NAME [--dir DIR]\n"
           "  writes DIR/NAME.key (secret, mode 0600) and DIR/NAME.pub, refuses to\n"
           "  overwrite either, and prints the public key.\n"
           "  --dir DIR          where to write them (default: the current directory, or\n"
           "                     the directory part of NAME_OR_PATH)\n"
           "  --log-signer NAME  instead, the Ed25519 key that signs hcbus-auditd's tree\n"
           "                     heads: DIR/NAME-log.key (signer key text, mode 0600; set\n"
           "                     auditd.log_key_file to it) and DIR/NAME-log.pub (verifier\n"
           "                     key text, printed: give it to every institution). NAME is\n"
           "                     the key name in each signature line: letters, digits,\n"
           "                     '.', '_' and '-'.\n"
           "Exit: 0 ok, 1 a file exists or cannot be written, 2 usage.\n"));
    examples_print("keygen", stdout);
}

static int write_pair(const char *base)
{
    char secret_path[PATH_MAX], public_path[PATH_MAX];
    if (snprintf(secret_path, sizeof secret_path, "%s.key", base) >= (int)sizeof secret_path ||
        snprintf(public_path, sizeof public_path, "%s.pub", base) >= (int)sizeof public_path)
        return usage_error(CMD, _("path '%s' is too long"), base);
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

/* One key text and a newline into a new file of mode `mode` (never overwriting). */
static int write_text_file(const char *path, mode_t mode, const char *text, hcbus_error_t *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return hcbus_error_set(err, HCBUS_EIO, path, _("cannot create %s: %s"), path, strerror(errno));
    size_t len = strlen(text);
    ssize_t written = write(fd, text, len);
    ssize_t newline = written == (ssize_t)len ? write(fd, "\n", 1) : -1;
    int saved = errno;
    if (close(fd) != 0 || newline != 1) {
        unlink(path);
        return hcbus_error_set(err, HCBUS_EIO, path, _("cannot write %s: %s"), path, strerror(saved ? saved : EIO));
    }
    return 0;
}

/* Letters, digits, '.', '_' and '-': a note key name that is also a file name. */
static bool log_name_ok(const char *name)
{
    if (!*name || strlen(name) > HCBUS_TLOG_KEY_NAME_MAX)
        return false;
    for (const char *p = name; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-'))
            return false;
    }
    return true;
}

static int write_log_signer(const char *name, const char *dir)
{
    if (!log_name_ok(name))
        return usage_error(CMD, _("--log-signer '%s': the name may hold only letters, digits, '.', '_' and '-' "
                                "(1..%d bytes; give the directory with --dir)"), name, HCBUS_TLOG_KEY_NAME_MAX);
    char secret_path[PATH_MAX], public_path[PATH_MAX];
    const char *d = dir ? dir : ".";
    if (snprintf(secret_path, sizeof secret_path, "%s/%s" LOG_KEY_SUFFIX ".key", d, name) >= (int)sizeof secret_path ||
        snprintf(public_path, sizeof public_path, "%s/%s" LOG_KEY_SUFFIX ".pub", d, name) >= (int)sizeof public_path)
        return usage_error(CMD, _("path '%s' is too long"), d);
    char signer[HCBUS_TLOG_KEY_TEXT_MAX], verifier[HCBUS_TLOG_KEY_TEXT_MAX];
    hcbus_error_t err;
    int rc = EXIT_OK;
    if (hcbus_tlog_keygen(name, signer, verifier, &err) != 0) {
        rc = EXIT_INTERNAL;
    } else if (write_text_file(secret_path, 0600, signer, &err) != 0) {
        rc = EXIT_REFUSED;
    } else if (write_text_file(public_path, 0644, verifier, &err) != 0) {
        unlink(secret_path); /* no secret without its public half */
        rc = EXIT_REFUSED;
    }
    explicit_bzero(signer, sizeof signer);
    if (rc != EXIT_OK) {
        print_error(CMD, &err);
        return rc;
    }
    printf("%s\n", verifier);
    return EXIT_OK;
}

int cmd_keygen(int argc, char **argv)
{
    static const struct option opts[] = {{"dir", required_argument, NULL, 'd'},
                                         {"log-signer", required_argument, NULL, 'l'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *dir = NULL, *log_signer = NULL;
    int c;
    opterr = 0;
    while ((c = cli_getopt(argc, argv, "hd:", opts, NULL)) != -1) {
        if (c == 'h') {
            help();
            return EXIT_OK;
        }
        if (c == 'l') {
            log_signer = optarg;
            continue;
        }
        if (c != 'd')
            return bad_flag(CMD, argv);
        dir = optarg;
    }
    if (log_signer) {
        if (optind != argc)
            return usage_error(CMD, _("--log-signer NAME takes no other argument"));
        return write_log_signer(log_signer, dir);
    }
    if (optind != argc - 1)
        return usage_error(CMD, _("give exactly one NAME_OR_PATH"));
    const char *name = argv[optind];
    size_t len = strlen(name);
    /* "minsal.key" and "minsal.pub" name the same pair as "minsal". */
    if (len > 4 && (strcmp(name + len - 4, ".key") == 0 || strcmp(name + len - 4, ".pub") == 0))
        len -= 4;
    if (len == 0)
        return usage_error(CMD, _("the name is empty"));
    char base[PATH_MAX];
    if (snprintf(base, sizeof base, "%s%s%.*s", dir ? dir : "", dir ? "/" : "", (int)len,
                 name) >= (int)sizeof base)
        return usage_error(CMD, _("path is too long"));
    return write_pair(base);
}
