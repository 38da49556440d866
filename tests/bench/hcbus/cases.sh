# cases.sh — the hcbus rows of the bench (source it from tests/bench/run.sh after
# tests/lib/harness.sh, tests/lib/bus.sh, tests/bench/lib.sh and hc_bus_setup):
#   bench_hcbus REP      pub1, pub8 (+ CPU split, commits, disk), sync, lat5k: one rep
#   bench_hcbus_once     RSS and fan-out with 100 subscribers; the fill and the restart
# Every figure comes from hcbus_bench (the C client beside this file) or from /proc and
# PostgreSQL's catalogues, and is written with bench_emit. Each case starts what it
# needs, is bounded by `timeout`, and stops hcbus-auditd and hcbus-broker at its end.
# Settings (run.sh sets them from its options):
#   BENCH_QUICK=1              ~1 s per case, a 1,000-message fan-out burst, a 5,000-event log
#   BENCH_RESTART_EVENTS=N     events in the log for the restart (default 10,000,000;
#                              --quick: 5,000), shrunk with a note if the disk is short
# How each case is measured: docs/performance.md, "The bench", "hcbus cases".

HCB_TOOL="$HC_BIN/tests/bench/hcbus/hcbus_bench"
HCB_PUBLISHERS=8                 # the 8-publisher cases: bench1..bench8, 8 institutions
HCB_SUB_INSTITUTION=pnc          # the subscribers' institution (police: alerts allowed)
HCB_FANOUT_SUBSCRIBERS=100
HCB_DISK_MARGIN_KB=$((2 * 1024 * 1024))  # left free on the disk after the fill
HCB_FILL_MIN=8000                # the fill adds at least this many events (--quick: 2,000)
HCB_RESTART_REPEAT_MAX_S=5       # a restart slower than this is not repeated (3 otherwise)
HCB_READY=0

hcb_log() { echo "[hcbus] $*"; }

# The value of KEY in hcbus_bench's one line of key=value figures.
hcb_kv() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

# µs of user+sys CPU of PID... so far (lib.sh's bench_cpu_us; a pid gone counts 0).
hcb_cpu_us() {
  local pid total=0
  for pid in "$@"; do total=$((total + $(bench_cpu_us "$pid" 2>/dev/null || echo 0))); done
  echo "$total"
}

# auditd's PostgreSQL backends (its writer and reader sessions, by application_name).
hcb_pg_pids() {
  hc_psql "SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE application_name LIKE 'hcbus-auditd%'"
}

# A / B with DIGITS decimals (0 when B is not positive), as bench_emit takes it.
hcb_div() { awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { printf "%." d "f\n", (b > 0 ? a / b : 0) }'; }

hcb_mib() { hcb_div "$1" 1024 1; }

hcb_events() { hc_psql "SELECT count(*) FROM hcbus.events"; }

# Bytes on disk of every hcbus table with its indexes and TOAST.
hcb_disk_bytes() {
  hc_psql "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'hcbus' AND c.relkind IN ('r', 'm')"
}

# Write transactions so far: every one takes a transaction id (read-only ones do not,
# nor are they counted late as pg_stat_database's are); this call takes one itself.
hcb_xid() { hc_psql "SELECT pg_current_xact_id()::text::bigint"; }

# Once per run: the deploy/hcbus.conf values of the broker and auditd settings in the
# bench's config (bus.sh writes the test suite's), and 8 more publishing institutions.
hcb_prepare() {
  [ "$HCB_READY" = 1 ] && return 0
  [ -x "$HCB_TOOL" ] || hc_fail "no $HCB_TOOL: configure the build with -DHCBUS_BENCH=ON"
  local i
  for i in $(seq 1 "$HCB_PUBLISHERS"); do
    [ -f "$HC_WORK/keys/bench$i.key" ] || "$HC_PROBE" keygen "$HC_WORK/keys" "bench$i" || hc_fail "keygen bench$i"
  done
  python3 - "$HC_SRC/deploy/hcbus.conf" "$HC_WORK/hcbus.conf" "$HCB_PUBLISHERS" <<'PY' || hc_fail "cannot write the bench config"
import re, sys
deploy, conf, publishers = open(sys.argv[1]).read(), open(sys.argv[2]).read(), int(sys.argv[3])
def section(text, name):
    m = re.search(r'^%s\s*=\s*\{(.*?)^\};' % name, text, re.M | re.S)
    return m
for name in ("broker", "auditd"):
    src = section(deploy, name)
    dst = section(conf, name)
    body = dst.group(1)
    for key, value in re.findall(r'^\s*([a-z_]+)\s*=\s*(-?[0-9]+)\s*;', src.group(1), re.M):
        line = "  %s = %s;" % (key, value)
        if re.search(r'^\s*%s\s*=' % key, body, re.M):
            body = re.sub(r'^\s*%s\s*=.*$' % key, line, body, flags=re.M)
        else:
            body = body.rstrip("\n") + "\n" + line + "\n"
    conf = conf[:dst.start(1)] + body + conf[dst.end(1):]
extra = "".join(',\n  { id = "bench%d"; name = "Bench publisher %d"; roles = ["health_provider"]; '
                'public_key_files = ["keys/bench%d.pub"]; }' % (i, i, i) for i in range(1, publishers + 1))
end = conf.rstrip().rfind(");")
conf = conf[:end].rstrip() + extra + "\n" + conf[end:]
open(sys.argv[2], "w").write(conf)
PY
  hcb_log "config: deploy/hcbus.conf's broker and auditd values: $(python3 - "$HC_WORK/hcbus.conf" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
print(", ".join("%s=%s" % kv for kv in re.findall(r'^\s*(batch_max_rows|batch_max_delay_ms|max_in_flight|subscriber_queue_max\w*|ack_timeout_ms|audit_resend_ms)\s*=\s*(\S+);', t, re.M)))
PY
)"
  HCB_READY=1
}

# Start hcbus-auditd and hcbus-broker (fresh processes) and note their pids.
hcb_start() {
  hc_bus_start
  HCB_BROKER_PID=$(hc_pid broker)
  HCB_AUDITD_PID=$(hc_pid auditd)
}

hcb_stop() {
  [ -n "${HC_PIDS[broker]:-}" ] && hc_kill broker TERM
  [ -n "${HC_PIDS[auditd]:-}" ] && hc_kill auditd TERM
  return 0
}

hcb_keys() {
  local i list=""
  for i in $(seq 1 "$1"); do list+="${list:+,}$HC_WORK/keys/bench$i.key"; done
  echo "$list"
}

# hcbus_bench MODE ARGS..., bounded by TIMEOUT_S (first argument); prints its figures.
hcb_tool() {
  local timeout_s=$1 mode=$2
  shift 2
  timeout -k 5 "$timeout_s" "$HCB_TOOL" "$mode" --pub-endpoint "$HC_PUB_ENDPOINT" --sub-endpoint "$HC_SUB_ENDPOINT" \
    --broker-key "$HC_WORK/keys/broker.pub" --timeout-ms $(((timeout_s - 5) * 1000)) "$@"
}

# Server CPU, write transactions and disk around a publishing case:
#   hcb_measure_begin; ...publish...; hcb_measure_end NAME REP MESSAGES
hcb_measure_begin() {
  HCB_PG_PIDS=$(hcb_pg_pids)
  HCB_CPU0=("$(hcb_cpu_us "$HCB_BROKER_PID")" "$(hcb_cpu_us "$HCB_AUDITD_PID")" "$(hcb_cpu_us $HCB_PG_PIDS)")
  HCB_XID0=$(hcb_xid)
  HCB_DISK0=$(hcb_disk_bytes)
  HCB_EVENTS0=$(hcb_events)
}

# Sets HCB_CPU_{BROKER,AUDITD,PG,TOTAL} (µs/msg), HCB_MSGS_PER_COMMIT, HCB_DISK_PER_EVENT
# and prints them as a diagnostic line.
hcb_measure_end() {
  local name=$1 rep=$2 msgs=$3 broker auditd pg commits events disk
  broker=$(($(hcb_cpu_us "$HCB_BROKER_PID") - HCB_CPU0[0]))
  auditd=$(($(hcb_cpu_us "$HCB_AUDITD_PID") - HCB_CPU0[1]))
  pg=$(($(hcb_cpu_us $HCB_PG_PIDS) - HCB_CPU0[2]))
  commits=$(($(hcb_xid) - HCB_XID0 - 1))
  events=$(($(hcb_events) - HCB_EVENTS0))
  disk=$(($(hcb_disk_bytes) - HCB_DISK0))
  [ "$msgs" -gt 0 ] || msgs=1
  HCB_CPU_BROKER=$(hcb_div "$broker" "$msgs" 2)
  HCB_CPU_AUDITD=$(hcb_div "$auditd" "$msgs" 2)
  HCB_CPU_PG=$(hcb_div "$pg" "$msgs" 2)
  HCB_CPU_TOTAL=$(hcb_div $((broker + auditd + pg)) "$msgs" 2)
  HCB_MSGS_PER_COMMIT=$(hcb_div "$msgs" "$commits" 1)
  HCB_DISK_PER_EVENT=$(hcb_div "$disk" "$events" 0)
  hcb_log "$name (rep $rep): $msgs msgs; server CPU µs/msg: broker $HCB_CPU_BROKER, auditd $HCB_CPU_AUDITD," \
    "postgres $HCB_CPU_PG (backends: $HCB_PG_PIDS); write transactions $commits = $HCB_MSGS_PER_COMMIT msgs/commit;" \
    "$events events, +$disk B on disk = $HCB_DISK_PER_EVENT B/event"
}

# ---- the repeated cases --------------------------------------------------------------
# A case that fails says so and emits nothing (the table shows the row missing); the
# others still run.

hcb_failed() { hcb_log "FAILED $*"; return 1; }

# 1 publisher, window 256: acked msg/s.
hcb_case_pub1() {
  local rep=$1 ms=$2 out
  out=$(hcb_tool 90 publish --keys "$(hcb_keys 1)" --window 256 --duration-ms "$ms" --prefix "p1r$rep") ||
    hcb_failed "hc_pub1 (rep $rep): $out" || return 1
  hcb_log "hc_pub1 (rep $rep): $out"
  bench_emit hc_pub1_rate "$rep" "$(hcb_kv "$out" rate)" msg/s "hcbus durable publish, 1 publisher, window 256, acked"
}

# 8 publishers (threads, 8 institutions), window 256 each: acked msg/s, server CPU per
# message, messages per write transaction, disk per event.
hcb_case_pub8() {
  local rep=$1 ms=$2 out n=$HCB_PUBLISHERS
  hcb_measure_begin
  out=$(hcb_tool 120 publish --keys "$(hcb_keys "$n")" --window 256 --duration-ms "$ms" --prefix "p8r$rep") ||
    hcb_failed "hc_pub8 (rep $rep): $out" || return 1
  hcb_log "hc_pub8 (rep $rep): $out"
  hcb_measure_end hc_pub8_cpu "$rep" "$(hcb_kv "$out" acked)"
  HCB_PUB8_RATE=$(hcb_kv "$out" rate)
  bench_emit hc_pub8_rate "$rep" "$(hcb_kv "$out" rate)" msg/s "hcbus durable publish, $n publishers (threads, $n institutions), window 256 each, acked"
  bench_emit hc_cpu_total "$rep" "$HCB_CPU_TOTAL" µs/msg "hcbus server CPU per message, $n publishers (broker + auditd + its PostgreSQL backends)"
  bench_emit hc_cpu_broker "$rep" "$HCB_CPU_BROKER" µs/msg "hcbus-broker CPU per message, $n publishers"
  bench_emit hc_cpu_auditd "$rep" "$HCB_CPU_AUDITD" µs/msg "hcbus-auditd CPU per message, $n publishers"
  bench_emit hc_cpu_postgres "$rep" "$HCB_CPU_PG" µs/msg "auditd's PostgreSQL backends' CPU per message, $n publishers"
  bench_emit hc_msgs_per_commit "$rep" "$HCB_MSGS_PER_COMMIT" msgs "hcbus messages per write transaction, $n publishers"
  bench_emit hc_disk_per_event "$rep" "$HCB_DISK_PER_EVENT" B "hcbus tables + indexes on disk per event (growth during the $n-publisher case)"
}

# Sync publish (window 1: each send waits for the previous ack).
hcb_case_sync() {
  local rep=$1 ms=$2 out
  hcb_measure_begin
  out=$(hcb_tool 60 publish --keys "$(hcb_keys 1)" --window 1 --latencies --duration-ms "$ms" --prefix "s1r$rep") ||
    hcb_failed "hc_sync (rep $rep): $out" || return 1
  hcb_log "hc_sync (rep $rep): $out"
  hcb_measure_end hc_sync_cpu "$rep" "$(hcb_kv "$out" acked)"
  bench_emit hc_sync_rate "$rep" "$(hcb_kv "$out" rate)" msg/s "hcbus sync publish (window 1: wait for each ack)"
  bench_emit hc_sync_p50 "$rep" "$(hcb_kv "$out" ack_p50_us)" µs "hcbus sync publish->ack p50"
  bench_emit hc_sync_p99 "$rep" "$(hcb_kv "$out" ack_p99_us)" µs "hcbus sync publish->ack p99"
}

# Paced at 5,000 msg/s with one subscriber on this machine: publish->delivery one-way
# (the delivery's clock minus the envelope's sent_at_us) and publish->ack.
hcb_case_lat5k() {
  local rep=$1 ms=$2 out
  hcb_measure_begin
  out=$(hcb_tool 60 latency --keys "$(hcb_keys 1)" --sub-key "$(hc_key "$HCB_SUB_INSTITUTION")" --rate 5000 \
    --duration-ms "$ms" --prefix "l5r$rep") || hcb_failed "hc_lat5k (rep $rep): $out" || return 1
  hcb_log "hc_lat5k (rep $rep): $out"
  hcb_measure_end hc_lat_cpu "$rep" "$(hcb_kv "$out" acked)"
  bench_emit hc_lat5k_p50 "$rep" "$(hcb_kv "$out" lat_p50_us)" µs "hcbus publish->delivery one-way @5k/s p50"
  bench_emit hc_lat5k_p99 "$rep" "$(hcb_kv "$out" lat_p99_us)" µs "hcbus publish->delivery one-way @5k/s p99"
  bench_emit hc_ack5k_p50 "$rep" "$(hcb_kv "$out" ack_p50_us)" µs "hcbus publish->ack @5k/s p50"
  bench_emit hc_lat5k_sent_rate "$rep" "$(hcb_kv "$out" rate)" msg/s "hcbus @5k/s case: the rate it could send at (5,000 unless the bus held it back)"
}

bench_hcbus() {
  local rep=$1 ms_pub=4000 ms_sync=3000 ms_lat=4000
  hcb_prepare
  [ "${BENCH_QUICK:-0}" = 1 ] && ms_pub=1000 ms_sync=1000 ms_lat=1000
  hcb_start
  hcb_case_pub1 "$rep" "$ms_pub" || true
  hcb_case_pub8 "$rep" "$ms_pub" || true
  hcb_case_sync "$rep" "$ms_sync" || true
  hcb_case_lat5k "$rep" "$ms_lat" || true
  hcb_stop
  return 0
}

# ---- the cases run once ----------------------------------------------------------------

# 100 subscribers: broker RSS idle, its peak during a burst to all of them, and how
# long until every subscriber has the burst.
hcb_fanout() {
  local burst=10000 out mib
  [ "${BENCH_QUICK:-0}" = 1 ] && burst=1000
  hcb_start
  out=$(hcb_tool 180 fanout --keys "$(hcb_keys "$HCB_PUBLISHERS")" --sub-key "$(hc_key "$HCB_SUB_INSTITUTION")" \
    --subscribers "$HCB_FANOUT_SUBSCRIBERS" --burst "$burst" --broker-pid "$HCB_BROKER_PID" --prefix "fan") ||
    { hcb_failed "hc_fanout: $out"; hcb_stop; return 1; }
  hcb_log "hc_fanout: $out; auditd VmHWM $(awk '/VmHWM/ {print $2, $3}' "/proc/$HCB_AUDITD_PID/status")"
  bench_emit hc_rss_idle100 1 "$(hcb_mib "$(hcb_kv "$out" idle_rss_kb)")" MiB "hcbus-broker VmRSS, $HCB_FANOUT_SUBSCRIBERS subscribers connected, idle"
  bench_emit hc_rss_burst100 1 "$(hcb_mib "$(hcb_kv "$out" burst_hwm_kb)")" MiB "hcbus-broker VmHWM, $HCB_FANOUT_SUBSCRIBERS subscribers + a ${burst}-message burst in flight"
  bench_emit hc_fanout_1m 1 "$(hcb_kv "$out" fanout_s)" s "time until all $HCB_FANOUT_SUBSCRIBERS subscribers had the ${burst}-message burst ($((burst * HCB_FANOUT_SUBSCRIBERS)) deliveries)"
  hcb_stop
}

# Fill the log to N events with 8 publishers (a throughput figure of its own), then stop
# auditd and the broker, start them and time the first acked publish (3 times).
hcb_restart() {
  local n=${BENCH_RESTART_EVENTS:-} events todo per avail need per_event out t0 t1 since i ready
  [ -n "$n" ] || { if [ "${BENCH_QUICK:-0}" = 1 ]; then n=5000; else n=10000000; fi; }
  hcb_start
  events=$(hcb_events)
  per_event=${HCB_DISK_PER_EVENT:-2000}
  [ "$per_event" -gt 0 ] || per_event=2000
  avail=$(df -Pk "$HC_WORK" | awk 'NR == 2 {print $4}')
  need=$(((n - events) * per_event * 12 / 10 / 1024 + HCB_DISK_MARGIN_KB))
  if [ "$n" -gt "$events" ] && [ "$need" -gt "$avail" ]; then
    local fit=$((events + (avail - HCB_DISK_MARGIN_KB) * 1024 * 10 / 12 / per_event))
    hcb_log "NOTE: $n events need about $((need / 1024)) MiB at $per_event B/event; $((avail / 1024)) MiB free: filling to $fit instead"
    n=$fit
  fi
  # At least HCB_FILL_MIN more, so that the fill rate is measured even when the log
  # already holds N events.
  local fill_min=$HCB_FILL_MIN
  [ "${BENCH_QUICK:-0}" = 1 ] && fill_min=2000
  todo=$((n - events))
  [ "$todo" -ge "$fill_min" ] || { todo=$fill_min; n=$((events + todo)); }
  if [ "$todo" -gt 0 ]; then
    per=$(((todo + HCB_PUBLISHERS - 1) / HCB_PUBLISHERS))
    [ "${HCB_PUB8_RATE:-0}" -gt 0 ] &&
      hcb_log "filling the log with $todo events: about $((todo / HCB_PUB8_RATE)) s at the last 8-publisher rate ($HCB_PUB8_RATE msg/s)"
    hcb_measure_begin
    t0=$SECONDS
    out=$(hcb_tool $((600 + todo / 5000)) publish --keys "$(hcb_keys "$HCB_PUBLISHERS")" --window 256 --count "$per" --prefix fill) ||
      { hcb_failed "hc_fill: $out"; hcb_stop; return 1; }
    t1=$SECONDS
    hcb_log "hc_fill: $out (wall $((t1 - t0)) s for $todo events)"
    hcb_measure_end hc_fill_cpu once "$(hcb_kv "$out" acked)"
    bench_emit hc_fill_rate 1 "$(hcb_kv "$out" rate)" msg/s "hcbus durable publish, $HCB_PUBLISHERS publishers, filling the log to $n events"
  fi
  events=$(hcb_events)
  hcb_log "log for the restart: $events events, database $(hc_psql "SELECT pg_size_pretty(pg_database_size('hcbus'))")"
  for i in 1 2 3; do
    hcb_stop
    since=$(date +%s%6N)
    hc_bus_start_auditd
    [ -f "$HC_WORK/broker.log" ] && mv "$HC_WORK/broker.log" "$HC_WORK/broker.log.$SECONDS"
    hc_start_bg broker "$HC_BIN/services/broker/hcbus-broker" --config "$HC_WORK/hcbus.conf"
    out=$(hcb_tool 60 first-ack --keys "$(hcb_keys 1)" --since-us "$since" --prefix "restart$i") || { hcb_failed "hc_restart $i: $out"; continue; }
    ready=$(hcb_ready_s "$since")
    hcb_log "hc_restart $i: $out; broker ready (its 'zone snapshot rebuilt') at $ready s"
    [ "$ready" = "?" ] || bench_emit hc_restart_ready "$i" "$ready" s "hcbus restart: start auditd+broker -> the broker ready (the rest to hc_restart is the client's retry backoff)"
    bench_emit hc_restart "$i" "$(hcb_kv "$out" restart_s)" s "hcbus restart with $events events: start auditd+broker -> first publish acked"
    if awk -v s="$(hcb_kv "$out" restart_s)" -v m="$HCB_RESTART_REPEAT_MAX_S" 'BEGIN { exit !(s > m) }'; then
      hcb_log "NOTE: that restart took over $HCB_RESTART_REPEAT_MAX_S s: measured once, not 3 times"
      break
    fi
  done
  bench_emit hc_restart_events 1 "$events" events "events in the log at the restart"
  hcb_stop
}

# Seconds from SINCE_US (wall clock) to the broker.log line saying it is ready.
hcb_ready_s() {
  local line at
  line=$(grep -m1 'zone snapshot rebuilt' "$HC_WORK/broker.log" 2>/dev/null) || { echo "?"; return 0; }
  at=$(date -d "${line%% *}" +%s%6N 2>/dev/null) || { echo "?"; return 0; }
  hcb_div $((at - $1)) 1000000 3
}

bench_hcbus_once() {
  hcb_prepare
  hcb_fanout || true
  hcb_restart || true
  return 0
}
