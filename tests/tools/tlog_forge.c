/* tlog_forge.c — plays, for test_audit_verify.sh, someone who rewrote the audit log and
 * wants the tree heads to match: makes a note key of their own, and re-signs heads
 * over the rewritten leaves with it.
 *
 *   tlog_forge keygen NAME SIGNER_FILE VERIFIER_FILE
 *   tlog_forge heads SIGNER_FILE ORIGIN SIZES_FILE < leaf hashes (hex, one a line, in order)
 *       prints one INSERT INTO hcbus.tree_heads per size of SIZES_FILE (one a line,
 *       ascending): the root of the first SIZE leaves, signed as a checkpoint note.
 * Exit 0, or 1 with a message on stderr. */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/tlog.h"

#define LINE_MAX_BYTES 256

static int fail(const char *what, const char *detail)
{
    fprintf(stderr, "tlog_forge: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    return 1;
}

static int write_line(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fprintf(f, "%s\n", text) < 0 || fclose(f) != 0)
        return fail("cannot write", path);
    return 0;
}

static int keygen(const char *name, const char *signer_path, const char *verifier_path)
{
    char signer[HCBUS_TLOG_KEY_TEXT_MAX], verifier[HCBUS_TLOG_KEY_TEXT_MAX];
    hcbus_error_t err;
    if (hcbus_tlog_keygen(name, signer, verifier, &err) < 0)
        return fail("keygen", err.message);
    return write_line(signer_path, signer) || write_line(verifier_path, verifier);
}

static int read_signer(const char *path, hcbus_tlog_signer_t *signer)
{
    char text[HCBUS_TLOG_KEY_TEXT_MAX + 2] = {0};
    FILE *f = fopen(path, "r");
    if (!f)
        return fail("cannot open", path);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    hcbus_error_t err;
    if (hcbus_tlog_signer_parse(text, signer, &err) < 0)
        return fail("signer key", err.message);
    return 0;
}

static int print_head(const hcbus_tlog_signer_t *signer, const char *origin, const hcbus_tlog_frontier_t *tree)
{
    hcbus_tlog_checkpoint_t cp = {.size = tree->size};
    snprintf(cp.origin, sizeof cp.origin, "%s", origin);
    hcbus_tlog_frontier_root(tree, &cp.root);
    char *note = NULL;
    hcbus_error_t err;
    if (hcbus_tlog_checkpoint_sign(&cp, signer, &note, &err) < 0)
        return fail("sign", err.message);
    char hex[2 * HCBUS_TLOG_HASH_BYTES + 1];
    sodium_bin2hex(hex, sizeof hex, cp.root.b, sizeof cp.root.b);
    printf("INSERT INTO hcbus.tree_heads (log, tree_size, root_hash, note) VALUES ('%s', %" PRIu64
           ", '\\x%s', $note$%s$note$);\n",
           strstr(origin, "/rejections") ? "rejections" : "events", cp.size, hex, note);
    free(note);
    return 0;
}

static int heads(const char *signer_path, const char *origin, const char *sizes_path)
{
    hcbus_tlog_signer_t signer;
    if (read_signer(signer_path, &signer))
        return 1;
    FILE *sizes = fopen(sizes_path, "r");
    if (!sizes)
        return fail("cannot open", sizes_path);
    hcbus_tlog_frontier_t tree;
    hcbus_tlog_frontier_init(&tree);
    char line[LINE_MAX_BYTES];
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, sizes)) {
        uint64_t size = strtoull(line, NULL, 10);
        while (rc == 0 && tree.size < size) {
            char hex[LINE_MAX_BYTES];
            hcbus_tlog_hash_t leaf;
            size_t len = 0;
            hcbus_error_t err;
            if (!fgets(hex, sizeof hex, stdin))
                rc = fail("fewer leaf hashes than a head's size", NULL);
            else if (sodium_hex2bin(leaf.b, sizeof leaf.b, hex, strcspn(hex, "\n"), NULL, &len, NULL) != 0 ||
                     len != sizeof leaf.b)
                rc = fail("not a leaf hash", hex);
            else if (hcbus_tlog_frontier_append(&tree, &leaf, &err) < 0)
                rc = fail("append", err.message);
        }
        if (rc == 0)
            rc = print_head(&signer, origin, &tree);
    }
    fclose(sizes);
    sodium_memzero(&signer, sizeof signer);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "keygen") == 0)
        return keygen(argv[2], argv[3], argv[4]);
    if (argc == 5 && strcmp(argv[1], "heads") == 0)
        return heads(argv[2], argv[3], argv[4]);
    fprintf(stderr, "usage: tlog_forge keygen NAME SIGNER_FILE VERIFIER_FILE\n"
                    "       tlog_forge heads SIGNER_FILE ORIGIN SIZES_FILE < leaf hashes\n");
    return 2;
}
