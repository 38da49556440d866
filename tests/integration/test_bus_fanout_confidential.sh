#!/usr/bin/env bash
# Live fan-out shares one encoding per variant among all its subscribers (decision
# 0027): the full variant and the redacted one are two shared buffers, and the choice
# between them stays per subscriber on every delivery. Four police subscribers (no
# clinical access) and four clinical ones take the same 300 dispatches, one of each kind
# stopped (SIGSTOP) for part of the burst so that buffers are released while others
# still hold them and one catches up by replay: every police line is redacted and
# carries no patient details, every clinical line carries them.
source "$(dirname "$0")/../lib/harness.sh"
HC_SUBSCRIBER_QUEUE_MAX_BYTES=4096
source "$(dirname "$0")/../lib/bus.sh"

hc_bus_setup
hc_bus_start
total=300
subs=""
for i in 1 2 3 4; do
  for who in pnc sem; do
    name=$who$i
    hc_start_bg "$name" "$HC_PROBE" subscribe --endpoint "$(hc_probe_endpoint subscribe)" \
      --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key "$who")" --count "$total" --timeout-ms 30000 dispatch.
    subs="$subs $name"
  done
done
for name in $subs; do hc_wait_for "$name subscribed" 15 grep -q '^subscribed' "$HC_WORK/$name.log"; done
hc_kill pnc4 STOP
hc_kill sem4 STOP
hc_probe publish --key "$(hc_key sem)" --kind dispatch --count "$total" --msg-prefix d >"$HC_WORK/d.out" ||
  hc_fail "dispatches: $(tail -3 "$HC_WORK/d.out")"
hc_kill pnc4 CONT
hc_kill sem4 CONT
for name in $subs; do
  wait "$(hc_pid "$name")" || hc_fail "$name did not get all $total: $(tail -3 "$HC_WORK/$name.log")"
  lines=$(awk '$1 ~ /^[0-9]+$/' "$HC_WORK/$name.log")
  hc_assert_eq "$total" "$(echo "$lines" | wc -l)" "$name: all $total"
  case $name in
    pnc*)
      hc_assert_eq "$total" "$(echo "$lines" | grep -c ' sem 1 -$' || true)" "$name: every dispatch redacted, no patient"
      hc_assert_eq 0 "$(grep -c 'patient$' "$HC_WORK/$name.log" || true)" "$name: no patient details anywhere" ;;
    sem*)
      hc_assert_eq "$total" "$(echo "$lines" | grep -c ' sem 0 patient$' || true)" "$name: every dispatch in full" ;;
  esac
done
hc_log "by replay: pnc4 $(grep -c ' replay ' "$HC_WORK/pnc4.log" || true), sem4 $(grep -c ' replay ' "$HC_WORK/sem4.log" || true)"
hc_pass
