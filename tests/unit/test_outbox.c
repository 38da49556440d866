/* test_outbox.c — the on-disk outbox (libhcbus/outbox.c, decision 0040) on real files in
 * a private directory: messages survive a reopen in order with their attempts; a file
 * cut at EVERY byte of its last record (and of its header) opens with the whole records
 * before it, the cut reported and truncated; EVERY bit flipped in a middle record skips
 * only that record (the file kept aside), in the last record cuts only that one; a full
 * outbox refuses with a clear error and takes messages again once ended ones are
 * compacted away; compaction keeps the waiting messages and their attempts, and a
 * compaction cut short (a stale .tmp) changes nothing; a second writer is refused, and
 * one waiting is seen by the holder (hcbus_outbox_wanted) and gets the outbox when it
 * is closed. */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <dirent.h>

#include "hcbus/clock.h"
#include "hcbus/outbox.h"

#define ENV_BYTES 48

static char dir[64];
static char path[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_outbox.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/outbox", dir);
    return 0;
}

/* Remove every file of the private directory, then the directory. */
static int teardown(void **state)
{
    (void)state;
    DIR *d = opendir(dir);
    struct dirent *de;
    char p[512];
    while (d && (de = readdir(d)) != NULL)
        if (de->d_name[0] != '.') {
            snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
            unlink(p);
        }
    if (d)
        closedir(d);
    rmdir(dir);
    return 0;
}

/* The fake Envelope bytes of message i: recognisable, i in every byte. */
static void env_of(int i, uint8_t *buf, size_t len)
{
    for (size_t k = 0; k < len; k++)
        buf[k] = (uint8_t)(i * 31 + (int)k);
}

static hcbus_outbox_t *open_ok(hcbus_outbox_recovery_t *rec)
{
    hcbus_error_t err;
    hcbus_outbox_t *ob = hcbus_outbox_open(path, 0, 0, rec, &err);
    if (!ob)
        fail_msg("open: %s", err.message);
    return ob;
}

static void append_n(hcbus_outbox_t *ob, int from, int n, size_t len)
{
    uint8_t buf[4096];
    char id[32];
    hcbus_error_t err;
    for (int i = from; i < from + n; i++) {
        snprintf(id, sizeof id, "m%d", i);
        env_of(i, buf, len);
        if (hcbus_outbox_append(ob, id, 1000 + i, buf, len, &err) != 0)
            fail_msg("append %s: %s", id, err.message);
    }
}

/* The waiting messages are exactly ids[] in order, with intact bytes. */
static void expect_waiting(hcbus_outbox_t *ob, const int *ids, size_t n, size_t len)
{
    assert_int_equal(hcbus_outbox_waiting(ob), n);
    for (size_t i = 0; i < n; i++) {
        hcbus_outbox_entry_t e;
        uint8_t *bytes = NULL, want[4096];
        hcbus_error_t err;
        assert_int_equal(hcbus_outbox_entry(ob, i, &e, &bytes, &err), 0);
        char id[32];
        snprintf(id, sizeof id, "m%d", ids[i]);
        assert_string_equal(e.msg_id, id);
        assert_int_equal(e.queued_at_us, 1000 + ids[i]);
        assert_int_equal(e.envelope_len, len);
        env_of(ids[i], want, len);
        assert_memory_equal(bytes, want, len);
        free(bytes);
    }
}

static off_t file_size(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? st.st_size : -1;
}

static uint8_t *file_read(const char *p, size_t *len)
{
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(*len ? *len : 1);
    assert_int_equal(fread(b, 1, *len, f), *len);
    fclose(f);
    return b;
}

static void file_write(const char *p, const uint8_t *b, size_t len)
{
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, len, f), len);
    fclose(f);
}

/* Remove the copies a repair kept aside; returns how many there were. */
static int corrupt_copies_remove(void)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    char p[512];
    while ((de = readdir(d)) != NULL)
        if (strstr(de->d_name, ".corrupt-")) {
            snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
            unlink(p);
            n++;
        }
    closedir(d);
    return n;
}

static void reopen_keeps_order_and_attempts(void **state)
{
    (void)state;
    hcbus_outbox_t *ob = open_ok(NULL);
    append_n(ob, 0, 3, ENV_BYTES);
    char id[HCBUS_OUTBOX_PATH_MAX];
    uint8_t *bytes;
    size_t len;
    hcbus_error_t err;
    assert_int_equal(hcbus_outbox_take(ob, id, &bytes, &len, &err), 1);
    assert_string_equal(id, "m0");
    free(bytes);
    assert_int_equal(hcbus_outbox_end(ob, "m1", 7, 0, &err), 0);
    assert_int_equal(hcbus_outbox_end(ob, "nobody", 8, 0, &err), 0); /* not waiting: nothing */
    hcbus_outbox_close(&ob);
    assert_null(ob);

    hcbus_outbox_recovery_t rec;
    ob = open_ok(&rec);
    assert_int_equal(rec.torn_bytes, 0);
    assert_int_equal(rec.corrupt_bytes, 0);
    int want[] = {0, 2};
    expect_waiting(ob, want, 2, ENV_BYTES);
    hcbus_outbox_entry_t e;
    assert_int_equal(hcbus_outbox_entry(ob, 0, &e, NULL, &err), 0);
    assert_int_equal(e.attempts, 1);
    /* This session takes them again, oldest first. */
    assert_int_equal(hcbus_outbox_untaken(ob), 2);
    assert_int_equal(hcbus_outbox_take(ob, id, &bytes, &len, &err), 1);
    assert_string_equal(id, "m0");
    free(bytes);
    assert_int_equal(hcbus_outbox_take(ob, id, &bytes, &len, &err), 1);
    assert_string_equal(id, "m2");
    free(bytes);
    assert_int_equal(hcbus_outbox_take(ob, id, &bytes, &len, &err), 0);
    hcbus_outbox_close(&ob);
    ob = open_ok(NULL);
    assert_int_equal(hcbus_outbox_entry(ob, 0, &e, NULL, &err), 0);
    assert_int_equal(e.attempts, 2);
    hcbus_outbox_close(&ob);
}

/* Cut the file at every byte from the start of its last record to its end: the records
 * before stay, the cut is reported and truncated, and the outbox takes new messages. */
static void torn_tail_at_every_offset(void **state)
{
    (void)state;
    hcbus_outbox_t *ob = open_ok(NULL);
    append_n(ob, 0, 2, ENV_BYTES);
    off_t before_last = file_size(path);
    append_n(ob, 2, 1, ENV_BYTES);
    hcbus_outbox_close(&ob);
    size_t whole_len;
    uint8_t *whole = file_read(path, &whole_len);
    int two[] = {0, 1}, three[] = {0, 1, 9};
    for (size_t cut = (size_t)before_last; cut < whole_len; cut++) {
        file_write(path, whole, cut);
        hcbus_outbox_recovery_t rec;
        ob = open_ok(&rec);
        assert_int_equal(rec.torn_bytes, cut - (size_t)before_last);
        assert_int_equal(rec.corrupt_bytes, 0);
        assert_int_equal(file_size(path), before_last);
        expect_waiting(ob, two, 2, ENV_BYTES);
        append_n(ob, 9, 1, ENV_BYTES);
        hcbus_outbox_close(&ob);
        ob = open_ok(&rec);
        assert_int_equal(rec.torn_bytes, 0);
        expect_waiting(ob, three, 3, ENV_BYTES);
        hcbus_outbox_close(&ob);
    }
    /* A creation cut short (a prefix of the header, or nothing) makes a new outbox. */
    for (size_t cut = 0; cut < 16; cut++) {
        file_write(path, whole, cut);
        hcbus_outbox_recovery_t rec;
        ob = open_ok(&rec);
        assert_int_equal(rec.torn_bytes, cut);
        assert_int_equal(hcbus_outbox_waiting(ob), 0);
        assert_int_equal(file_size(path), 16);
        hcbus_outbox_close(&ob);
    }
    free(whole);
    assert_int_equal(corrupt_copies_remove(), 0);
}

/* Flip every bit of the middle record: only it is lost, reported, and the file as found
 * is kept aside. Every bit of the last record: only it is cut off. */
static void bit_flips(void **state)
{
    (void)state;
    hcbus_outbox_t *ob = open_ok(NULL);
    append_n(ob, 0, 1, ENV_BYTES);
    off_t mid_start = file_size(path);
    append_n(ob, 1, 1, ENV_BYTES);
    off_t mid_end = file_size(path);
    append_n(ob, 2, 1, ENV_BYTES);
    hcbus_outbox_close(&ob);
    size_t whole_len;
    uint8_t *whole = file_read(path, &whole_len);
    uint8_t *copy = malloc(whole_len);
    int outer[] = {0, 2}, first_two[] = {0, 1};
    for (size_t byte = (size_t)mid_start; byte < whole_len; byte++)
        for (int bit = 0; bit < 8; bit++) {
            memcpy(copy, whole, whole_len);
            copy[byte] ^= (uint8_t)(1u << bit);
            file_write(path, copy, whole_len);
            hcbus_outbox_recovery_t rec;
            ob = open_ok(&rec);
            if (byte < (size_t)mid_end) {
                assert_int_equal(rec.corrupt_bytes, mid_end - mid_start);
                assert_int_equal(rec.torn_bytes, 0);
                assert_non_null(strstr(rec.corrupt_copy, ".corrupt-"));
                expect_waiting(ob, outer, 2, ENV_BYTES);
                assert_int_equal(corrupt_copies_remove(), 1);
            } else {
                assert_int_equal(rec.corrupt_bytes, 0);
                assert_int_equal(rec.torn_bytes, whole_len - (size_t)mid_end);
                expect_waiting(ob, first_two, 2, ENV_BYTES);
            }
            hcbus_outbox_close(&ob);
            /* The repair is durable: the next open finds a clean file. */
            ob = open_ok(&rec);
            assert_int_equal(rec.corrupt_bytes + rec.torn_bytes, 0);
            hcbus_outbox_close(&ob);
        }
    /* A damaged header is not guessed at: a clear error, the file left as it is. */
    memcpy(copy, whole, whole_len);
    copy[3] ^= 0x10;
    file_write(path, copy, whole_len);
    hcbus_error_t err;
    assert_null(hcbus_outbox_open(path, 0, 0, NULL, &err));
    assert_int_equal(err.code, HCBUS_EMALFORMED);
    assert_non_null(strstr(err.message, "not an hcbus outbox"));
    assert_int_equal(file_size(path), whole_len);
    memcpy(copy, whole, whole_len);
    copy[8] = 2; /* version 2 */
    file_write(path, copy, whole_len);
    assert_null(hcbus_outbox_open(path, 0, 0, NULL, &err));
    assert_int_equal(err.code, HCBUS_EMALFORMED);
    assert_non_null(strstr(err.message, "version 2"));
    free(copy);
    free(whole);
}

static void full_then_room_after_compaction(void **state)
{
    (void)state;
    hcbus_error_t err;
    hcbus_outbox_t *ob = hcbus_outbox_open(path, HCBUS_OUTBOX_MAX_BYTES_MIN, 0, NULL, &err);
    assert_non_null(ob);
    uint8_t buf[1000];
    char id[32];
    int n = 0;
    for (;; n++) {
        snprintf(id, sizeof id, "m%d", n);
        env_of(n, buf, sizeof buf);
        if (hcbus_outbox_append(ob, id, 1000 + n, buf, sizeof buf, &err) != 0)
            break;
        assert_true(n < 1000);
    }
    assert_int_equal(err.code, HCBUS_EFULL);
    assert_non_null(strstr(err.message, path));
    assert_non_null(strstr(err.message, "65536"));
    assert_true(hcbus_outbox_bytes(ob) <= HCBUS_OUTBOX_MAX_BYTES_MIN);
    assert_int_equal(hcbus_outbox_waiting(ob), n);
    assert_true(n >= 60);
    /* The refused message left nothing behind. */
    hcbus_outbox_close(&ob);
    ob = hcbus_outbox_open(path, HCBUS_OUTBOX_MAX_BYTES_MIN, 0, NULL, &err);
    assert_non_null(ob);
    assert_int_equal(hcbus_outbox_waiting(ob), n);
    /* Ending half makes room (the append compacts). */
    for (int i = 0; i < n / 2; i++) {
        snprintf(id, sizeof id, "m%d", i);
        assert_int_equal(hcbus_outbox_end(ob, id, (uint64_t)i + 1, 0, &err), 0);
    }
    snprintf(id, sizeof id, "m%d", n);
    assert_int_equal(hcbus_outbox_append(ob, id, 1000 + n, buf, sizeof buf, &err), 0);
    assert_true(hcbus_outbox_bytes(ob) <= HCBUS_OUTBOX_MAX_BYTES_MIN);
    assert_int_equal(hcbus_outbox_waiting(ob), n - n / 2 + 1);
    hcbus_outbox_close(&ob);
    /* A bound under the minimum is refused by name. */
    assert_null(hcbus_outbox_open(path, 100, 0, NULL, &err));
    assert_string_equal(err.field, "outbox_max_bytes");
}

static void compaction_keeps_waiting_and_is_crash_safe(void **state)
{
    (void)state;
    hcbus_outbox_t *ob = open_ok(NULL);
    append_n(ob, 0, 100, ENV_BYTES);
    char id[HCBUS_OUTBOX_PATH_MAX];
    uint8_t *bytes;
    size_t len;
    hcbus_error_t err;
    for (int i = 0; i < 100; i++) {
        assert_int_equal(hcbus_outbox_take(ob, id, &bytes, &len, &err), 1);
        free(bytes);
    }
    for (int i = 0; i < 100; i++)
        if (i % 3 != 0) {
            snprintf(id, sizeof id, "m%d", i);
            assert_int_equal(hcbus_outbox_end(ob, id, (uint64_t)i, 0, &err), 0);
        }
    off_t before = file_size(path);
    assert_int_equal(hcbus_outbox_compact(ob, &err), 0);
    assert_true(file_size(path) < before);
    assert_int_equal((uint64_t)file_size(path), hcbus_outbox_bytes(ob));
    /* Appends after a compaction go to the new file. */
    append_n(ob, 200, 1, ENV_BYTES);
    hcbus_outbox_close(&ob);

    /* A compaction cut short leaves a .tmp beside a whole file: the open ignores it. */
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    file_write(tmp, (const uint8_t *)"HCBUSOBX garbage", 16);
    ob = open_ok(NULL);
    assert_int_equal(access(tmp, F_OK), -1);
    int want[35];
    size_t n = 0;
    for (int i = 0; i < 100; i += 3)
        want[n++] = i;
    want[n++] = 200;
    expect_waiting(ob, want, n, ENV_BYTES);
    hcbus_outbox_entry_t e;
    assert_int_equal(hcbus_outbox_entry(ob, 0, &e, NULL, &err), 0);
    assert_int_equal(e.attempts, 1); /* folded into the rewritten record */
    hcbus_outbox_close(&ob);
}

static void one_writer_at_a_time(void **state)
{
    (void)state;
    hcbus_outbox_t *ob = open_ok(NULL);
    append_n(ob, 0, 2, ENV_BYTES);
    hcbus_error_t err;
    assert_null(hcbus_outbox_open(path, 0, 0, NULL, &err));
    assert_int_equal(err.code, HCBUS_EIO);
    assert_non_null(strstr(err.message, "in use by another process"));
    /* A reader (hcbus outbox show) is never refused. */
    hcbus_outbox_t *ro = hcbus_outbox_open(path, 0, HCBUS_OUTBOX_READONLY, NULL, &err);
    assert_non_null(ro);
    assert_int_equal(hcbus_outbox_waiting(ro), 2);
    assert_int_equal(hcbus_outbox_append(ro, "x", 1, (const uint8_t *)"x", 1, &err), -1);
    hcbus_outbox_close(&ro);
    hcbus_outbox_close(&ob);
    /* Not an outbox at all: refused, untouched. */
    file_write(path, (const uint8_t *)"hello, this is a text file\n", 27);
    assert_null(hcbus_outbox_open(path, 0, 0, NULL, &err));
    assert_int_equal(err.code, HCBUS_EMALFORMED);
    assert_int_equal(file_size(path), 27);
}

/* A second writer opening in another thread: it waits for the outbox. */
static void *open_in_thread(void *arg)
{
    (void)arg;
    hcbus_error_t err;
    return hcbus_outbox_open(path, 0, 0, NULL, &err);
}

/* The holder sees the waiter (hcbus_outbox_wanted), hands the outbox over by closing
 * it, and sees the want gone once the waiter has it. */
static void a_waiter_is_seen_and_served(void **state)
{
    (void)state;
    hcbus_outbox_t *ob = open_ok(NULL);
    append_n(ob, 0, 1, ENV_BYTES);
    assert_false(hcbus_outbox_wanted(path));
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, open_in_thread, NULL), 0);
    int64_t deadline = hcbus_monotonic_ms() + 2500; /* within the waiter's 3 s */
    while (!hcbus_outbox_wanted(path))
        assert_true(hcbus_monotonic_ms() < deadline);
    hcbus_outbox_close(&ob);
    void *got = NULL;
    assert_int_equal(pthread_join(t, &got), 0);
    hcbus_outbox_t *other = got;
    assert_non_null(other);
    assert_int_equal(hcbus_outbox_waiting(other), 1);
    assert_false(hcbus_outbox_wanted(path));
    hcbus_outbox_close(&other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(reopen_keeps_order_and_attempts, setup, teardown),
        cmocka_unit_test_setup_teardown(torn_tail_at_every_offset, setup, teardown),
        cmocka_unit_test_setup_teardown(bit_flips, setup, teardown),
        cmocka_unit_test_setup_teardown(full_then_room_after_compaction, setup, teardown),
        cmocka_unit_test_setup_teardown(compaction_keeps_waiting_and_is_crash_safe, setup, teardown),
        cmocka_unit_test_setup_teardown(one_writer_at_a_time, setup, teardown),
        cmocka_unit_test_setup_teardown(a_waiter_is_seen_and_served, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
