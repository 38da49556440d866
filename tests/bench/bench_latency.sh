#!/usr/bin/env bash
# bench_latency.sh — the latency profile of issue 16 (docs/performance.md, "Sync latency"
# and "Publish→delivery"): in one run on one cluster, PostgreSQL's single-row commit (the
# unit of the targets), hcbus's sync publish, and the paced publish→delivery case at
# several rates, each with the time the server processes spent waiting for a core
# (/proc/PID/task/*/schedstat) and, on a build configured with -DHCBUS_HOP_TRACE=ON, the
# time each message spent in each hop (tests/bench/hops.py). Not a test.
#   HCBUS_BINARY_DIR=build-rel tests/bench/bench_latency.sh [--rates 1000,2500,5000]
#                                  [--seconds S] [--reps N] [--no-hops] [--perf]
# --perf: `perf stat` of each server process during each case (CPU time, context
# switches, i.e. wake-ups, per message).
# Each case gets a fresh hcbus-auditd and hcbus-broker (so each hop trace is its own),
# the settings of tests/bench/hcbus/cases.sh (deploy/hcbus.conf's values). Prints one line
# per case, and the hop table of each case when the build has the trace.
set -euo pipefail
rates=1000,2500,5000 seconds=3 reps=1 hops=1 perf=0
while [ $# -gt 0 ]; do
  case $1 in
    --rates) rates=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    --reps) reps=$2; shift ;;
    --no-hops) hops=0 ;;
    --perf) perf=1 ;;
    *) echo "bench_latency.sh: unknown option '$1' (--rates R,R,..., --seconds S, --reps N, --no-hops, --perf)" >&2; exit 2 ;;
  esac
  shift
done
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hcbus/cases.sh"
[ -x "$HCB_TOOL" ] || { echo "bench_latency.sh: no $HCB_TOOL (configure with -DHCBUS_BENCH=ON)" >&2; exit 2; }
BENCH_OUT=$HC_WORK/bench.tsv
: >"$BENCH_OUT"
hc_bus_setup
hcb_prepare

# ns on a CPU and ns runnable but waiting for one, summed over PID's threads.
lat_sched() {
  local pid on=0 wait=0 a b c f
  for pid in "$@"; do
    for f in /proc/"$pid"/task/*/schedstat; do
      read -r a b c <"$f" 2>/dev/null || continue
      on=$((on + a)) wait=$((wait + b))
    done
  done
  echo "$on $wait"
}

# Runs "$@" (an hcbus_bench command) with the bus's processes' schedstat around it;
# prints its figures, then per process: µs on a CPU and µs waiting for one, per message.
lat_case() {
  local name=$1 msgs_key=$2 out pg b0 a0 p0 b1 a1 p1 n
  shift 2
  local dir="$HC_WORK/hops/$name"
  mkdir -p "$dir"
  if [ "$hops" = 1 ]; then export HCBUS_HOP_TRACE_DIR=$dir; else unset HCBUS_HOP_TRACE_DIR; fi
  hcb_start
  pg=$(hcb_pg_pids)
  read -r -a b0 <<<"$(lat_sched "$HCB_BROKER_PID")"
  read -r -a a0 <<<"$(lat_sched "$HCB_AUDITD_PID")"
  read -r -a p0 <<<"$(lat_sched $pg)"
  local perf_pids=() who pid
  if [ "$perf" = 1 ]; then
    for who in broker:$HCB_BROKER_PID auditd:$HCB_AUDITD_PID postgres:${pg// /,}; do
      perf stat -e task-clock,context-switches -p "${who#*:}" -o "$dir/perf-${who%%:*}" &
      perf_pids+=($!)
    done
  fi
  local TIMEFORMAT='%U %S' client
  # time: the client's CPU too (hcbus_bench: publisher, subscriber, their ZeroMQ threads)
  { time { "$@" >"$dir/out" 2>"$dir/err" && echo 0 >"$dir/rc" || echo 1 >"$dir/rc"; }; } 2>"$dir/time"
  out=$(cat "$dir/out")
  client=$(cat "$dir/time")
  [ "$(cat "$dir/rc")" = 0 ] || { echo "[latency] $name FAILED: $out $(tail -n 3 "$dir/err")"; hcb_stop; return 0; }
  for pid in "${perf_pids[@]}"; do kill -INT "$pid"; wait "$pid" || true; done
  read -r -a b1 <<<"$(lat_sched "$HCB_BROKER_PID")"
  read -r -a a1 <<<"$(lat_sched "$HCB_AUDITD_PID")"
  read -r -a p1 <<<"$(lat_sched $pg)"
  hcb_stop
  unset HCBUS_HOP_TRACE_DIR
  n=$(hcb_kv "$out" "$msgs_key")
  [ "${n:-0}" -gt 0 ] || n=1
  echo "[latency] $name: $out"
  client=$(awk -v c="$client" -v n="$n" 'BEGIN { split(c, t, " "); printf "%d", (t[1] + t[2]) * 1e6 / n }')
  echo "[latency] $name: per message, µs on a CPU / waiting for one: client $client / -, broker $(((b1[0] - b0[0]) / n / 1000)) / $(((b1[1] - b0[1]) / n / 1000)), auditd $(((a1[0] - a0[0]) / n / 1000)) / $(((a1[1] - a0[1]) / n / 1000)), postgres $(((p1[0] - p0[0]) / n / 1000)) / $(((p1[1] - p0[1]) / n / 1000)); load $(cut -d' ' -f1-3 /proc/loadavg)"
  if [ "$perf" = 1 ]; then
    for who in broker auditd postgres; do
      awk -v who="$who" -v n="$n" '/context-switches/ { cs = $1 } /task-clock/ { ms = $1 }
        END { gsub(",", "", cs); gsub(",", "", ms); printf "[latency] %s: perf: %.0f µs of CPU and %.1f context switches per message\n", who, ms * 1000 / n, cs / n }' \
        "$dir/perf-$who"
    done | sed "s/^\[latency\] /[latency] $name: /"
  fi
  if [ "$hops" = 1 ] && ls "$dir"/*.hops >/dev/null 2>&1; then
    python3 "$HC_SRC/tests/bench/hops.py" "$dir"
  fi
  return 0
}

for rep in $(seq 1 "$reps"); do
  out=$(timeout $((seconds + 60)) "$HC_BIN/tests/bench/pg_bench" --conninfo "$HC_CONNINFO" --case single \
    --seconds "$seconds" | tr '\t\n' '= ')
  echo "[latency] pg_single (rep $rep): $out"
  lat_case "sync-r$rep" acked hcb_tool 60 publish --keys "$(hcb_keys 1)" --window 1 --latencies \
    --duration-ms $((seconds * 1000)) --prefix "ls$rep"
  for rate in ${rates//,/ }; do
    lat_case "rate$rate-r$rep" acked hcb_tool 90 latency --keys "$(hcb_keys 1)" \
      --sub-key "$(hc_key "$HCB_SUB_INSTITUTION")" --rate "$rate" --duration-ms $((seconds * 1000)) \
      --prefix "lr$rate-$rep"
  done
done
