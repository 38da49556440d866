#!/usr/bin/env bash
# A subscriber that stops reading (SIGSTOP) while more than its queue bound is
# published: the broker's memory stays bounded, nothing is dropped silently, and when
# it resumes it fills the hole by replay from the log and sees every message in order.
source "$(dirname "$0")/../lib/harness.sh"
HC_SUBSCRIBER_QUEUE_MAX=20
source "$(dirname "$0")/../lib/bus.sh"

hc_bus_setup
hc_bus_start
total=3000
hc_start_bg slow "$HC_PROBE" subscribe --endpoint "$(hc_probe_endpoint subscribe)" \
  --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key pnc)" --count "$total" --timeout-ms 30000 zone.
hc_wait_for "subscribed" 15 grep -q '^subscribed' "$HC_WORK/slow.log"
hc_kill slow STOP
hc_probe publish --key "$(hc_key minsal)" --count "$total" --msg-prefix burst >"$HC_WORK/burst.out" || hc_fail "burst"
hc_wait_for "broker saw the lag" 20 grep -q "fell behind" "$HC_WORK/broker.log"
hc_kill slow CONT
wait "$(hc_pid slow)" || hc_fail "slow subscriber did not get all $total: $(tail -3 "$HC_WORK/slow.log")"
hc_assert_eq "$(seq 1 $total | md5sum)" "$(awk '$1 ~ /^[0-9]+$/ {print $1}' "$HC_WORK/slow.log" | md5sum)" "every seq once, in order"
replayed=$(grep -c ' replay ' "$HC_WORK/slow.log" || true)
[ "$replayed" -gt 0 ] || hc_fail "nothing came by replay: the lag was not exercised"
hc_log "$replayed of $total came by replay"
hc_pass
