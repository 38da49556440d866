/* test_outbox_input.c — what the outbox (libhcbus/outbox.c) is given that is no outbox
 * file (review of issue 18/19): a FIFO as FILE is refused at once, not waited on
 * (`hcbus outbox show FIFO` hung); a huge file that is no outbox is refused from its
 * header, before a reader would copy it whole (2 TiB, sparse); FILE.lock as a symbolic
 * link is not followed (no file created through it, the open refused). alarm() turns a
 * hang into a failure. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "hcbus/outbox.h"

static char dir[64], path[128], side[160], victim[160];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_outbox_input.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/outbox", dir);
    snprintf(victim, sizeof victim, "%s/victim", dir);
    alarm(20);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    alarm(0);
    const char *names[] = {"outbox", "outbox.lock", "outbox.tmp", "outbox.want", "victim"};
    char p[200];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
    return 0;
}

static void fifo_refused_at_once(void **state)
{
    (void)state;
    assert_int_equal(mkfifo(path, 0600), 0);
    hcbus_error_t err;
    assert_null(hcbus_outbox_open(path, 0, HCBUS_OUTBOX_READONLY, NULL, &err)); /* show */
    assert_non_null(strstr(err.message, "is not a regular file"));
    assert_null(hcbus_outbox_open(path, 0, 0, NULL, &err)); /* publish, flush */
    assert_non_null(strstr(err.message, "is not a regular file"));
}

static void huge_file_refused_from_its_header(void **state)
{
    (void)state;
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("not an outbox at all\n", f);
    fclose(f);
    if (truncate(path, (off_t)2 << 40) != 0) /* 2 TiB, sparse */
        skip();
    hcbus_error_t err;
    assert_null(hcbus_outbox_open(path, 0, HCBUS_OUTBOX_READONLY, NULL, &err));
    assert_int_equal(err.code, HCBUS_EMALFORMED);
    assert_non_null(strstr(err.message, "is not an hcbus outbox"));
}

static void lock_symlink_not_followed(void **state)
{
    (void)state;
    snprintf(side, sizeof side, "%s.lock", path);
    assert_int_equal(symlink(victim, side), 0);
    hcbus_error_t err;
    assert_null(hcbus_outbox_open(path, 0, 0, NULL, &err));
    struct stat st;
    assert_int_equal(stat(victim, &st), -1); /* nothing created through the link */
    assert_int_equal(errno, ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(fifo_refused_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(huge_file_refused_from_its_header, setup, teardown),
        cmocka_unit_test_setup_teardown(lock_symlink_not_followed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
