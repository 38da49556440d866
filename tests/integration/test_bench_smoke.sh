#!/usr/bin/env bash
# test_bench_smoke.sh — the bench's one command works end to end (label bench): runs
# `tests/bench/run.sh --quick` on this build (HCBUS_BENCH_SKIP_BUILD: nothing installed or
# rebuilt; the build must have -DHCBUS_BENCH=ON, as deploy/test.sh configures it) and
# checks that every row id of the bench has a number, that every ratio of issue 16 is
# printed (✔/✘, or n/a only while the hcbus cases are absent), that the servers it
# started are gone when it returns, and that a bad option is refused by name.
# Never a timing: a slow machine passes.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

RUN_TIMEOUT_S=270            # ctest's limit is 300 s; run.sh --quick bounds each case itself
PEER_IDS="pg_single_rate pg_single_p50 pg_single8_rate pg_insert100_rate pg_insert1000_rate
  pg_copy1000_rate pg_copy1000_cpu js_sync_rate js_sync_p50 js_sync_p99 js_async_rate js_async_cpu
  mqtt_qos1_rate mqtt_qos1_p50 mqtt_qos1_p99 nats_core_rate"
HCBUS_IDS="hc_pub1_rate hc_pub8_rate hc_sync_rate hc_sync_p50 hc_sync_p99 hc_lat5k_p50 hc_lat5k_p99
  hc_ack5k_p50 hc_cpu_total hc_cpu_broker hc_cpu_auditd hc_cpu_postgres hc_msgs_per_commit
  hc_disk_per_event hc_rss_idle100 hc_rss_burst100 hc_fanout_1m hc_restart hc_fill_rate"
TARGET_RATIOS=("hc_pub8_rate ÷ pg_copy1000_rate" "hc_pub8_rate ÷ js_async_rate" "hc_pub1_rate ÷ pg_copy1000_rate"
  "hc_cpu_total" "hc_disk_per_event" "hc_sync_p50 ÷ pg_single_p50" "hc_sync_rate ÷ pg_single_rate"
  "hc_lat5k_p50 ÷ pg_single_p50" "hc_lat5k_p99 ÷ pg_single_p50" "hc_rss_burst100" "hc_fanout_1m" "hc_restart")
INFORMATIVE_RATIOS=("hc_pub8_rate ÷ mqtt_qos1_rate" "hc_pub8_rate ÷ js_sync_rate" "hc_sync_p50 ÷ js_sync_p50")

for prog in pg_bench nats_bench mqtt_bench; do
  if [ ! -x "$HC_BIN/tests/bench/$prog" ]; then
    hc_log "SKIP: no $HC_BIN/tests/bench/$prog (this build was configured without -DHCBUS_BENCH=ON)"
    exit 77
  fi
done
for cmd in nats-server mosquitto; do
  command -v "$cmd" >/dev/null || { hc_log "SKIP: $cmd not installed (deploy/install.sh --bench)"; exit 77; }
done
hcbus_cases=0
[ -f "$HC_SRC/tests/bench/hcbus/cases.sh" ] && hcbus_cases=1

# table.py's verdicts on values it is given: a met target, a missed one, a missing row,
# min/median/max over reps, a line it cannot read reported by number.
printf '%s\n' '# synthetic' $'pg_copy1000_rate\t1\t100000\trows/s\tcopy' $'hc_pub8_rate\t1\t40000\tmsg/s\tpub8' \
  $'hc_pub8_rate\t2\t60000\tmsg/s\tpub8' $'hc_pub8_rate\t3\t55000\tmsg/s\tpub8' $'hc_cpu_total\t1\t16\tus/msg\tcpu' \
  'not a row' >"$HC_WORK/synthetic.tsv"
table=$(python3 "$HC_SRC/tests/bench/table.py" "$HC_WORK/synthetic.tsv" 2>"$HC_WORK/table.err")
hc_assert_contains "$table" "| hc_pub8_rate | pub8 (n=3) | 40,000 | 55,000 | 60,000 | msg/s |" "min/median/max over 3 reps"
hc_assert_contains "$table" "- ✔ hc_pub8_rate ÷ pg_copy1000_rate = 55,000 / 100,000 = 0.550 (target ≥ 0.5)" "a met target"
hc_assert_contains "$table" "- ✘ hc_cpu_total = 16.00 µs (target ≤ 15 µs)" "a missed target"
hc_assert_contains "$table" "- n/a hc_pub8_rate ÷ js_async_rate (target ≥ 1): missing js_async_rate" "a missing row"
hc_assert_contains "$table" "| js_async_rate | JetStream file, async publish, MaxPending 4000 (missing) |" "a missing row in the table"
hc_assert_contains "$(cat "$HC_WORK/table.err")" "synthetic.tsv:7: line ignored" "an unreadable line is reported"

# A bad option is refused by name, before anything is started.
out=$(HCBUS_BENCH_BUILD_DIR="$HC_BIN" HCBUS_BENCH_SKIP_BUILD=1 bash "$HC_SRC/tests/bench/run.sh" --reps 0 2>&1) &&
  hc_fail "run.sh --reps 0 succeeded: $out"
hc_assert_contains "$out" "--reps: '0' is not a positive integer" "run.sh names the bad option"

TSV=$HC_WORK/bench.tsv
hc_start_bg bench env HCBUS_BENCH_BUILD_DIR="$HC_BIN" HCBUS_BENCH_SKIP_BUILD=1 \
  bash "$HC_SRC/tests/bench/run.sh" --quick --out "$TSV"
pid=$(hc_pid bench)
deadline=$((SECONDS + RUN_TIMEOUT_S))
while kill -0 "$pid" 2>/dev/null; do
  [ "$SECONDS" -lt "$deadline" ] || hc_fail "run.sh --quick still running after ${RUN_TIMEOUT_S}s"
  sleep 1
done
rc=0
wait "$pid" || rc=$?
unset "HC_PIDS[bench]"
LOG=$HC_WORK/bench.log
hc_assert_eq 0 "$rc" "run.sh --quick exit status (log: $(tail -n 20 "$LOG" | tr '\n' ' '))"

# Every row id: a numeric value in the TSV and a row with a number in the printed table.
ids=$PEER_IDS
[ "$hcbus_cases" = 1 ] && ids="$ids $HCBUS_IDS"
for id in $ids; do
  value=$(awk -F'\t' -v id="$id" '$1 == id { print $3; exit }' "$TSV")
  HC_CHECKS=$((HC_CHECKS + 1))
  [[ $value =~ ^-?[0-9]+(\.[0-9]+)?$ ]] || hc_fail "row $id: no number in $TSV (got '$value')"
  row=$(grep -F "| $id |" "$LOG" | head -n 1)
  HC_CHECKS=$((HC_CHECKS + 1))
  [[ $row =~ \|\ [0-9][0-9,.]*\ \|\ [0-9][0-9,.]*\ \|\ [0-9][0-9,.]*\ \| ]] || hc_fail "row $id: not printed with min/median/max: '$row'"
done
[ "$hcbus_cases" = 1 ] || hc_assert_contains "$(cat "$LOG")" "(hcbus cases missing)" "the driver says the hcbus cases are missing"

# Every ratio line: a verdict when both sides were measured, n/a only for missing hcbus rows.
for ratio in "${TARGET_RATIOS[@]}"; do
  line=$(grep -F -- "$ratio" "$LOG" | grep -E '^- (✔|✘|n/a) ' | head -n 1)
  HC_CHECKS=$((HC_CHECKS + 1))
  [ -n "$line" ] || hc_fail "ratio '$ratio' not printed"
  if [ "$hcbus_cases" = 1 ]; then
    [[ $line =~ ^-\ (✔|✘)\  ]] || hc_fail "ratio '$ratio' has no verdict: $line"
  fi
done
for ratio in "${INFORMATIVE_RATIOS[@]}"; do
  hc_assert_contains "$(cat "$LOG")" "$ratio" "informative ratio printed"
done

# Everything run.sh started is gone (the harness logs "started NAME (pid N)").
for started in $(sed -n 's/.*started [a-z0-9_-]* (pid \([0-9]*\)).*/\1/p' "$LOG"); do
  HC_CHECKS=$((HC_CHECKS + 1))
  ! kill -0 "$started" 2>/dev/null || hc_fail "process $started started by run.sh still running"
done
HC_CHECKS=$((HC_CHECKS + 1))
[ "$(grep -c 'started nats (pid' "$LOG")" -ge 1 ] || hc_fail "run.sh never started nats-server"
hc_pass
