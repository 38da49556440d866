/* bench_common.h — what the hcbus bench clients share (tests/bench/hcbus): the options
 * of every mode, the 256-byte-class SecurityAlert they publish, clocks, percentiles and
 * a process's memory from /proc. A benchmark helper, not part of libhcbus. */
#ifndef HCBUS_BENCH_COMMON_H
#define HCBUS_BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hcbus/client.h"
#include "hcbus/clock.h"
#include "hcbus/validate.h"

#define BENCH_KEYS_MAX 64
#define BENCH_MESSAGE_BYTES 256 /* the encoded Envelope as published: a 256-byte class */
#define BENCH_ZONE "sv.ss.san-salvador-este.soyapango"
#define BENCH_TOPIC_PREFIX "alert."

typedef struct bench_options {
    const char *pub_endpoint, *sub_endpoint;
    char broker_key[HCBUS_Z85_KEY_LEN + 1];
    hcbus_keypair_t keys[BENCH_KEYS_MAX];  /* --keys: one publisher each */
    size_t key_count;
    hcbus_keypair_t sub_key;               /* --sub-key: the subscribers' institution */
    unsigned window;                       /* --window (publisher's unconfirmed) */
    long duration_ms;                      /* --duration-ms: stop sending after this */
    long count;                            /* --count: messages per publisher (0 = by time) */
    long rate;                             /* --rate: msg/s, paced (latency mode) */
    long subscribers;                      /* --subscribers (fan-out mode) */
    long burst;                            /* --burst: messages in the fan-out burst */
    pid_t broker_pid;                      /* --broker-pid (fan-out mode: its RSS) */
    const char *prefix;                    /* --prefix: msg_ids of this run start with it */
    int timeout_ms;                        /* --timeout-ms: the most any wait may take */
    int64_t since_us;                      /* --since-us (first-ack: wall clock start) */
    int latencies;                         /* --latencies: record send->ack per message */
} bench_options_t;

/* Client options for keypair at endpoint, with window (0 = the library's default). */
hcbus_client_options_t bench_client(const bench_options_t *o, const char *endpoint,
                                    const hcbus_keypair_t *keypair, unsigned window);

/* The message every mode publishes: a SecurityAlert on alert.<BENCH_ZONE> whose encoded
 * Envelope is BENCH_MESSAGE_BYTES long (the description is padded to get there). */
typedef struct bench_alert {
    Hcbus__Envelope env;
    Hcbus__SecurityAlert alert;
    char msg_id[HCBUS_MSG_ID_MAX + 1];
    char description[BENCH_MESSAGE_BYTES];
} bench_alert_t;

/* Fill a with msg_id "<prefix>-<publisher>-<index>" (sent_at_us 0: set at sending). */
void bench_alert_fill(bench_alert_t *a, const char *prefix, unsigned publisher, long index);

/* The index at the end of a msg_id made by bench_alert_fill; -1 if it has none (or if
 * it does not start with prefix). */
long bench_msg_index(const char *msg_id, const char *prefix);

/* Monotonic microseconds. */
int64_t bench_mono_us(void);

/* Sleep until the monotonic time t_us (no-op if past). */
void bench_sleep_until_us(int64_t t_us);

/* Sort v[0..n) in place and return its p-th percentile (0 <= p <= 100); 0 if n is 0. */
int64_t bench_percentile(int64_t *v, size_t n, double p);

/* A "VmRSS:"/"VmHWM:" value of /proc/PID/status in kB, or -1. */
long bench_proc_kb(pid_t pid, const char *field);

/* Reset the peak RSS (VmHWM) of pid to its current RSS (/proc/PID/clear_refs "5").
 * Returns 0, or -1 if the kernel refused. */
int bench_reset_hwm(pid_t pid);

/* What a run of publisher threads did (bench_publish_threads). */
typedef struct bench_publish_result {
    long acked, refused;
    double elapsed_s;  /* from the start (all connected) to the last ack */
    int64_t *ack_us;   /* send->ack of each message if o->latencies (malloc'd), else NULL */
    size_t ack_n;
} bench_publish_result_t;

/* One publisher thread per key of o: each connects and gets one warm-up message acked,
 * then all start together and send alerts (window o->window) until count_per_publisher
 * are sent (if > 0) or duration_ms has passed, then wait for every ack. Returns 0, or -1
 * (why on stderr). r->ack_us is the caller's to free. */
int bench_publish_threads(const bench_options_t *o, long count_per_publisher, long duration_ms,
                          bench_publish_result_t *r);

/* The modes (bench_publish.c, bench_fanout.c). Each prints one line of key=value
 * figures on stdout and returns 0, or prints why it failed on stderr and returns 1. */
int bench_run_publish(const bench_options_t *o);
int bench_run_latency(const bench_options_t *o);
int bench_run_fanout(const bench_options_t *o);
int bench_run_first_ack(const bench_options_t *o);

#endif
