/* hoptrace.c — the per-hop timestamps of hoptrace.h: a fixed array filled without
 * locks beyond one atomic index, written out once at exit. Without HCBUS_HOP_TRACE the
 * function exists (the library's interface does not change with the option) and does
 * nothing. */
#include "hcbus/hoptrace.h"

#ifdef HCBUS_HOP_TRACE
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define HOP_TRACE_MAX (1u << 21) /* entries kept; later ones are counted, not stored */

typedef struct hop_entry {
    const char *hop;
    uint64_t key;
    int64_t value;
    int64_t at_us;
} hop_entry_t;

static hop_entry_t *entries;
static atomic_size_t used;
static atomic_int ready; /* 0 not set up, 1 recording, -1 off (no directory, no memory) */

extern const char *__progname; /* glibc: the program's name, for the file's */

static void write_out(void)
{
    const char *dir = getenv("HCBUS_HOP_TRACE_DIR");
    size_t n = atomic_load(&used);
    if (!dir || !entries)
        return;
    char path[512];
    snprintf(path, sizeof path, "%s/%s-%ld.hops", dir, __progname, (long)getpid());
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    if (n > HOP_TRACE_MAX) {
        fprintf(f, "#\tdropped\t%zu\t0\n", n - HOP_TRACE_MAX);
        n = HOP_TRACE_MAX;
    }
    for (size_t i = 0; i < n; i++)
        if (entries[i].hop)
            fprintf(f, "%s\t%llu\t%lld\t%lld\n", entries[i].hop, (unsigned long long)entries[i].key,
                    (long long)entries[i].value, (long long)entries[i].at_us);
    fclose(f);
}

static int set_up(void)
{
    int expected = 0;
    if (!atomic_compare_exchange_strong(&ready, &expected, 2))
        return expected;
    /* calloc: pages are touched only as entries are written. */
    if (getenv("HCBUS_HOP_TRACE_DIR") && (entries = calloc(HOP_TRACE_MAX, sizeof *entries)) && atexit(write_out) == 0) {
        atomic_store(&ready, 1);
        return 1;
    }
    atomic_store(&ready, -1);
    return -1;
}

void hcbus_hop(const char *hop, uint64_t key, int64_t value)
{
    int state = atomic_load(&ready);
    if (state == 0)
        state = set_up();
    if (state != 1)
        return; /* off, or another thread is setting up: that hop goes unrecorded */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    size_t i = atomic_fetch_add(&used, 1);
    if (i < HOP_TRACE_MAX)
        entries[i] = (hop_entry_t){hop, key, value, (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000};
}
#else
void hcbus_hop(const char *hop, uint64_t key, int64_t value)
{
    (void)hop;
    (void)key;
    (void)value;
}
#endif
