/* hoptrace.h — per-hop timestamps of messages on their way through the bus, for the
 * latency profile (docs/performance.md). Compiled in only with the CMake option
 * HCBUS_HOP_TRACE (bench builds on purpose, never a default): without it HCBUS_HOP
 * expands to nothing and costs nothing. With it, each call stores (hop, key, value,
 * wall-clock µs) in memory — no I/O on the path — and the process writes them at exit to
 * $HCBUS_HOP_TRACE_DIR/<program>-<pid>.hops (tab-separated; nothing if that is unset).
 * tests/bench/hops.py joins the files of one run into per-hop times. */
#ifndef HCBUS_HOPTRACE_H
#define HCBUS_HOPTRACE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Record that the message known here by key passed hop (a string literal) now;
 * value is a second number the join needs (a seq, the envelope's sent_at_us), or 0. */
void hcbus_hop(const char *hop, uint64_t key, int64_t value);

#ifdef HCBUS_HOP_TRACE
#define HCBUS_HOP(hop, key, value) hcbus_hop((hop), (key), (value))
#else
#define HCBUS_HOP(hop, key, value) ((void)0)
#endif

#ifdef __cplusplus
}
#endif

#endif
