/* test_keys.c — key files: a generated pair is written 0600 (secret) and 0644
 * (public), never overwritten, read back intact; mismatched or malformed files are
 * refused naming file:line; a secret key that group or others may access, or that is
 * not a regular file, is refused naming the file and its mode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "hcbus/keys.h"

static char dir[64], secret[128], public[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/hckeys.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(secret, sizeof secret, "%s/inst.key", dir);
    snprintf(public, sizeof public, "%s/inst.pub", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(secret);
    unlink(public);
    rmdir(dir);
    return 0;
}

static void test_write_modes_and_read_back(void **state)
{
    (void)state;
    hcbus_keypair_t kp, back;
    hcbus_error_t err = {0};
    assert_int_equal(hcbus_keypair_generate(&kp, &err), 0);
    assert_int_equal(hcbus_keypair_write(&kp, secret, public, "inst", &err), 0);
    struct stat st;
    assert_int_equal(stat(secret, &st), 0);
    assert_int_equal(st.st_mode & 0077, 0); /* secret: owner only, whatever the umask */
    assert_int_equal(stat(public, &st), 0);
    assert_int_equal(st.st_mode & 0022, 0); /* public: nobody else may change it */
    assert_int_equal(hcbus_keypair_load(secret, &back, &err), 0);
    assert_string_equal(back.public_z85, kp.public_z85);
    assert_string_equal(back.secret_z85, kp.secret_z85);
    char pub[HCBUS_Z85_KEY_LEN + 1];
    assert_int_equal(hcbus_public_key_load(public, pub, &err), 0);
    assert_string_equal(pub, kp.public_z85);
    assert_true(hcbus_key_well_formed(pub));
}

static void test_never_overwrites(void **state)
{
    (void)state;
    hcbus_keypair_t kp, other;
    hcbus_error_t err = {0};
    assert_int_equal(hcbus_keypair_generate(&kp, &err), 0);
    assert_int_equal(hcbus_keypair_write(&kp, secret, public, "inst", &err), 0);
    assert_int_equal(hcbus_keypair_generate(&other, &err), 0);
    assert_int_equal(hcbus_keypair_write(&other, secret, public, "inst", &err), -1);
    assert_int_equal(err.code, HCBUS_EIO);
    hcbus_keypair_t back;
    assert_int_equal(hcbus_keypair_load(secret, &back, &err), 0);
    assert_string_equal(back.secret_z85, kp.secret_z85); /* the first pair is intact */
}

static void test_refuses_bad_files(void **state)
{
    (void)state;
    hcbus_keypair_t kp, other;
    hcbus_error_t err = {0};
    assert_int_equal(hcbus_keypair_generate(&kp, &err), 0);
    assert_int_equal(hcbus_keypair_generate(&other, &err), 0);
    FILE *f = fopen(secret, "w");
    fprintf(f, "# mismatched\npublic-key %s\nsecret-key %s\n", other.public_z85, kp.secret_z85);
    fclose(f);
    assert_int_equal(chmod(secret, 0600), 0);
    assert_int_equal(hcbus_keypair_load(secret, &kp, &err), -1);
    assert_non_null(strstr(err.message, "does not belong"));
    f = fopen(public, "w");
    fprintf(f, "public-key not-a-key\n");
    fclose(f);
    char pub[HCBUS_Z85_KEY_LEN + 1];
    assert_int_equal(hcbus_public_key_load(public, pub, &err), -1);
    assert_non_null(strstr(err.field, "inst.pub:1"));
}

static void test_refuses_open_secret_modes(void **state)
{
    (void)state;
    hcbus_keypair_t kp, back;
    hcbus_error_t err = {0};
    assert_int_equal(hcbus_keypair_generate(&kp, &err), 0);
    assert_int_equal(hcbus_keypair_write(&kp, secret, public, "inst", &err), 0);
    const mode_t open_modes[] = {0644, 0640, 0604, 0660, 0610, 0601, 0620, 0602, 0777};
    for (size_t i = 0; i < sizeof open_modes / sizeof open_modes[0]; i++) {
        char want[64];
        assert_int_equal(chmod(secret, open_modes[i]), 0);
        assert_int_equal(hcbus_keypair_load(secret, &back, &err), -1);
        snprintf(want, sizeof want, "has mode %04o: group or others may access it",
                 (unsigned)open_modes[i]);
        assert_non_null(strstr(err.message, want));
        assert_non_null(strstr(err.message, secret));
        assert_string_equal(err.field, secret);
        assert_non_null(strstr(err.hint, "chmod 600"));
    }
    assert_int_equal(chmod(secret, 0400), 0); /* owner-only read is fine */
    assert_int_equal(hcbus_keypair_load(secret, &back, &err), 0);
    assert_int_equal(chmod(secret, 0600), 0);
    assert_int_equal(hcbus_keypair_load(secret, &back, &err), 0);
    /* The public file may be world-readable: it is read for its public key only. */
    char pub[HCBUS_Z85_KEY_LEN + 1];
    assert_int_equal(hcbus_public_key_load(public, pub, &err), 0);
    /* Not a regular file. */
    assert_int_equal(hcbus_keypair_load(dir, &back, &err), -1);
    assert_non_null(strstr(err.message, "not a regular file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write_modes_and_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_never_overwrites, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_bad_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_open_secret_modes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
