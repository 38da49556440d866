#!/usr/bin/env bash
# broker_fanout.sh — the broker's fan-out and memory, not a test: a private bus from an
# optimized build, S subscribers (one process, tests/tools/fanout_probe, one connection
# each) on "alert.", then a burst of N 256-byte-class alerts from one publisher (window
# 256). Prints the seconds from the first delivery to the last (S x N deliveries), how
# many came live or by replay, the broker's RSS idle, its peak (VmHWM) during the burst
# and its RSS once every subscriber is done, and its CPU time.
#   HCBUS_BINARY_DIR=build-rel tests/bench/broker_fanout.sh [SUBSCRIBERS] [COUNT]
# Environment passed to the bus: HC_SUBSCRIBER_QUEUE_MAX, HC_SUBSCRIBER_QUEUE_MAX_BYTES.
# BROKER_STALL=1: the subscribers' process is stopped (SIGSTOP) during the burst and
# resumed once it is all acknowledged: the whole burst is in flight at once, the worst
# case for the broker's memory (the subscribers catch up live or by replay).
# BROKER_PERF=FILE: perf record the broker during the burst and write the top of the
# report (by library and symbol) to FILE.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"
subscribers=${1:-100}
count=${2:-10000}
hc_bus_setup
hc_bus_start
broker=$(hc_pid broker)
status() { awk -v k="$1:" '$1 == k {print int($2 / 1024)}' "/proc/$broker/status"; }
cpu_ms() { awk '{print ($14 + $15) * 1000 / '"$(getconf CLK_TCK)"'}' "/proc/$broker/stat"; }

hc_start_bg fanout "$HC_BIN/tests/fanout_probe" --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key pnc)" --subscribers "$subscribers" --count "$count" --timeout-ms 120000 alert.
hc_wait_for "every subscriber subscribed" 120 grep -q '^subscribed' "$HC_WORK/fanout.log"
idle=$(status VmRSS)
echo 5 >"/proc/$broker/clear_refs" # VmHWM from here
cpu0=$(cpu_ms)
if [ -n "${BROKER_PERF:-}" ]; then
  hc_start_bg perf perf record -F 999 -g -p "$broker" -o "$HC_WORK/perf.data"
fi
[ "${BROKER_STALL:-0}" = 1 ] && kill -STOP "$(hc_pid fanout)"
hc_probe publish --key "$(hc_key webform)" --kind alert --count "$count" --window 256 --msg-prefix burst \
  --timeout-ms 120000 >"$HC_WORK/publish.out" || hc_fail "publish"
if [ "${BROKER_STALL:-0}" = 1 ]; then
  echo "broker RSS with the burst in flight to stopped subscribers: $(status VmRSS) MiB (peak $(status VmHWM) MiB)"
  kill -CONT "$(hc_pid fanout)"
fi
wait "$(hc_pid fanout)" || hc_fail "fanout_probe: $(tail -3 "$HC_WORK/fanout.log")"
cpu1=$(cpu_ms)
if [ -n "${BROKER_PERF:-}" ]; then
  kill -INT "$(hc_pid perf)"
  wait "$(hc_pid perf)" || true
  { perf report -i "$HC_WORK/perf.data" --stdio --no-children -g none --sort dso 2>/dev/null | grep '%' | head -12
    perf report -i "$HC_WORK/perf.data" --stdio --no-children -g none --sort dso,sym 2>/dev/null | grep '%' | head -30
  } >"$BROKER_PERF" || true
fi
sleep 0.5 # the broker trims its heap within a tick (100 ms) of its queues draining
read -r _ n c seconds live replay gaps < <(grep '^done' "$HC_WORK/fanout.log")
echo "fan-out: $n subscribers x $c: ${seconds} s first->last delivery; live $live, replay $replay, gaps filled $gaps"
echo "broker RSS: idle ${idle} MiB, peak during the burst $(status VmHWM) MiB, after $(status VmRSS) MiB; CPU $(echo "$cpu1 - $cpu0" | bc) ms"
echo "broker warnings 'fell behind': $(grep -c 'fell behind' "$HC_WORK/broker.log" || true)"
