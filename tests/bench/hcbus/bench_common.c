/* bench_common.c — the message, clocks, percentiles and /proc readings the hcbus bench
 * clients share (bench_common.h). */
#include "bench_common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DESCRIPTION_TEXT                                                                  \
    "crew threatened at the entrance of the community by two armed men; the ambulance " \
    "turned back and waits at the health unit for a police escort before going in again; "

hcbus_client_options_t bench_client(const bench_options_t *o, const char *endpoint,
                                    const hcbus_keypair_t *keypair, unsigned window)
{
    hcbus_client_options_t c = {0};
    c.endpoint = endpoint;
    c.broker_public_key = o->broker_key;
    c.keypair = *keypair;
    c.window = window;
    return c;
}

void bench_alert_fill(bench_alert_t *a, const char *prefix, unsigned publisher, long index)
{
    snprintf(a->msg_id, sizeof a->msg_id, "%s-%u-%ld", prefix, publisher, index);
    hcbus__security_alert__init(&a->alert);
    a->alert.alert_id = a->msg_id;
    a->alert.zone_id = BENCH_ZONE;
    a->alert.target = HCBUS__TARGET__TARGET_PERSONNEL;
    a->alert.act = HCBUS__ACT__ACT_THREAT;
    a->alert.severity = HCBUS__SEVERITY__SEVERITY_HIGH;
    a->alert.description = a->description;
    hcbus__envelope__init(&a->env);
    a->env.msg_id = a->msg_id;
    a->env.sent_at_us = hcbus_now_us(); /* as the publisher will set it: same size */
    a->env.body_case = HCBUS__ENVELOPE__BODY_ALERT;
    a->env.alert = &a->alert;
    /* Pad the description until the encoded Envelope is BENCH_MESSAGE_BYTES (its length
     * prefixes may grow by a byte on the way, hence the loop). */
    size_t len = 0;
    a->description[0] = '\0';
    for (int i = 0; i < 4; i++) {
        size_t size = hcbus__envelope__get_packed_size(&a->env);
        if (size == BENCH_MESSAGE_BYTES)
            break;
        size_t want = size < BENCH_MESSAGE_BYTES ? len + (BENCH_MESSAGE_BYTES - size) : len - 1;
        if (want >= sizeof a->description)
            want = sizeof a->description - 1;
        for (size_t j = len; j < want; j++)
            a->description[j] = DESCRIPTION_TEXT[j % (sizeof DESCRIPTION_TEXT - 1)];
        a->description[want] = '\0';
        len = want;
    }
    a->env.sent_at_us = 0;
}

long bench_msg_index(const char *msg_id, const char *prefix)
{
    size_t n = strlen(prefix);
    if (!msg_id || strncmp(msg_id, prefix, n) != 0 || msg_id[n] != '-')
        return -1;
    const char *dash = strrchr(msg_id, '-');
    char *end;
    errno = 0;
    long index = strtol(dash + 1, &end, 10);
    return errno || end == dash + 1 || *end ? -1 : index;
}

int64_t bench_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void bench_sleep_until_us(int64_t t_us)
{
    struct timespec ts = {.tv_sec = t_us / 1000000, .tv_nsec = (long)(t_us % 1000000) * 1000};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}

static int compare_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int64_t bench_percentile(int64_t *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, compare_i64);
    size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

long bench_proc_kb(pid_t pid, const char *field)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long kb = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, field, n) == 0) {
            kb = strtol(line + n, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kb;
}

int bench_reset_hwm(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/clear_refs", (long)pid);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int rc = fputs("5", f) < 0 ? -1 : 0;
    return fclose(f) != 0 ? -1 : rc;
}
