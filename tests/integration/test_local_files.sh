#!/usr/bin/env bash
# test_local_files.sh — issue 12, items 12c and 12d, with the real programs:
# - a secret key file that group or others may read (0644, 0640) is refused by the CLI,
#   hcbus-auditd and hcbus-broker, each naming the file and its mode; 0600 works;
# - SIGHUP with a configuration holding a syntax error (a quoted string where libconfig
#   allows none, which made libconfig leak) is refused, the broker keeps serving, and
#   at exit LeakSanitizer reports nothing (the suite builds with ASan, deploy/test.sh).
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../lib/bus.sh"

CLI=$HC_BIN/services/cli/hcbus
RELOADS=5

hc_bus_setup
hc_bus_start
export HCBUS_SUBSCRIBE_ENDPOINT=$HC_SUB_ENDPOINT HCBUS_BROKER_KEY=$HC_WORK/keys/broker.pub

# ---- 12c: the CLI ------------------------------------------------------------------
pnc_key=$HC_WORK/keys/pnc.key
for mode in 0644 0640; do
  chmod "$mode" "$pnc_key"
  rc=0
  "$CLI" snapshot zone. --key "$pnc_key" --timeout-ms 5000 >/dev/null 2>"$HC_WORK/cli.err" || rc=$?
  hc_assert_eq 1 "$rc" "hcbus refuses a $mode secret key (exit 1)"
  hc_assert_contains "$(cat "$HC_WORK/cli.err")" "secret key file $pnc_key has mode $mode" \
    "the CLI names the file and the mode"
done
chmod 0600 "$pnc_key"
"$CLI" snapshot zone. --key "$pnc_key" --timeout-ms 10000 >/dev/null 2>"$HC_WORK/cli.err" ||
  hc_fail "hcbus refused a 0600 key: $(cat "$HC_WORK/cli.err")"

# ---- 12d: SIGHUP with syntax errors, then a clean exit -------------------------------
cp "$HC_WORK/hcbus.conf" "$HC_WORK/hcbus.conf.good"
for i in $(seq 1 "$RELOADS"); do
  { echo "log_level \"info\";"; tail -n +2 "$HC_WORK/hcbus.conf.good"; } >"$HC_WORK/hcbus.conf"
  hc_kill broker HUP
  hc_wait_for "reload $i refused" 10 hc_bus_log_count_above broker "configuration reload refused" $((i - 1))
done
hc_assert_contains "$(grep 'configuration reload refused' "$HC_WORK/broker.log" | tail -n 1)" \
  "hcbus.conf:1: cannot parse the file: syntax error" "the refusal names file:line"
cp "$HC_WORK/hcbus.conf.good" "$HC_WORK/hcbus.conf"
hc_probe publish --key "$(hc_key minsal)" --count 3 --msg-prefix after-reload >"$HC_WORK/after.out" ||
  hc_fail "the broker stopped serving after refused reloads: $(cat "$HC_WORK/after.out")"
broker_pid=$(hc_pid broker)
kill -TERM "$broker_pid"
rc=0
wait "$broker_pid" || rc=$?
unset "HC_PIDS[broker]"
hc_assert_eq 0 "$rc" "the broker exits 0 after $RELOADS refused reloads (LeakSanitizer would make it fail)"
if grep -q "LeakSanitizer" "$HC_WORK/broker.log"; then
  hc_fail "leak report at the broker's exit: $(grep -A12 LeakSanitizer "$HC_WORK/broker.log" | head -n 20)"
fi
HC_CHECKS=$((HC_CHECKS + 1))
hc_kill auditd TERM

# ---- 12c: the services ---------------------------------------------------------------
# Each is started with a secret key others may read and must exit at once, naming it.
expect_key_refused() {
  local name=$1 key=$2
  chmod 0644 "$key"
  if [ "$name" = auditd ]; then hc_bus_start_auditd; else
    [ -f "$HC_WORK/broker.log" ] && mv "$HC_WORK/broker.log" "$HC_WORK/broker.log.$SECONDS"
    hc_start_bg broker "$HC_BIN/services/broker/hcbus-broker" --config "$HC_WORK/hcbus.conf"
  fi
  local pid
  pid=$(hc_pid "$name")
  hc_wait_for "$name exits on a 0644 key" 20 bash -c "! kill -0 $pid"
  rc=0
  wait "$pid" || rc=$?
  unset "HC_PIDS[$name]"
  [ "$rc" != 0 ] || hc_fail "$name exited 0 with a 0644 secret key"
  hc_assert_contains "$(cat "$HC_WORK/$name.log")" "secret key file $key has mode 0644" \
    "$name names the file and the mode"
  chmod 0600 "$key"
}
expect_key_refused auditd "$HC_WORK/keys/auditd.key"
expect_key_refused broker "$HC_WORK/keys/broker.key"

# With 0600 again, both start and serve.
hc_bus_start
"$CLI" snapshot zone. --key "$pnc_key" --timeout-ms 10000 >/dev/null 2>"$HC_WORK/cli.err" ||
  hc_fail "the bus does not serve after the keys were made private again: $(cat "$HC_WORK/cli.err")"
hc_pass
