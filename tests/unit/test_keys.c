/* test_keys.c — key files: a generated pair is written 0600 (secret) and 0644
 * (public), never overwritten, read back intact; mismatched or malformed files are
 * refused naming file:line. */
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
    assert_int_equal(hcbus_keypair_load(secret, &kp, &err), -1);
    assert_non_null(strstr(err.message, "does not belong"));
    f = fopen(public, "w");
    fprintf(f, "public-key not-a-key\n");
    fclose(f);
    char pub[HCBUS_Z85_KEY_LEN + 1];
    assert_int_equal(hcbus_public_key_load(public, pub, &err), -1);
    assert_non_null(strstr(err.field, "inst.pub:1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write_modes_and_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_never_overwrites, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_bad_files, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
