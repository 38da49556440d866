#!/usr/bin/env bash
# Per-subscriber queues bounded in bytes (broker.subscriber_queue_max_bytes): with the
# message bound far away (10,000) and the byte bound at its minimum (1 KiB, less than
# two messages), a subscriber that stops reading (SIGSTOP) during a burst falls behind on
# bytes — the broker says so, naming the bound — and when it resumes it fills the hole by
# replay and sees every message once, in order. A subscriber that keeps reading gets
# every message too: a queue holding nothing takes one delivery whatever its size.
source "$(dirname "$0")/../lib/harness.sh"
HC_SUBSCRIBER_QUEUE_MAX=10000
HC_SUBSCRIBER_QUEUE_MAX_BYTES=1024
source "$(dirname "$0")/../lib/bus.sh"

hc_bus_setup
hc_bus_start
total=3000
for name in slow steady; do
  hc_start_bg "$name" "$HC_PROBE" subscribe --endpoint "$(hc_probe_endpoint subscribe)" \
    --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key pnc)" --count "$total" --timeout-ms 30000 zone.
  hc_wait_for "$name subscribed" 15 grep -q '^subscribed' "$HC_WORK/$name.log"
done
hc_kill slow STOP
hc_probe publish --key "$(hc_key minsal)" --count "$total" --msg-prefix burst >"$HC_WORK/burst.out" || hc_fail "burst"
hc_wait_for "broker saw the lag on bytes" 20 grep -q "fell behind .*subscriber_queue_max_bytes 1024" "$HC_WORK/broker.log"
hc_kill slow CONT
for name in slow steady; do
  wait "$(hc_pid "$name")" || hc_fail "$name did not get all $total: $(tail -3 "$HC_WORK/$name.log")"
  hc_assert_eq "$(seq 1 $total | md5sum)" "$(awk '$1 ~ /^[0-9]+$/ {print $1}' "$HC_WORK/$name.log" | md5sum)" \
    "$name: every seq once, in order"
done
replayed=$(grep -c ' replay ' "$HC_WORK/slow.log" || true)
[ "$replayed" -gt 0 ] || hc_fail "nothing came by replay: the byte bound was not exercised"
hc_log "slow: $replayed of $total came by replay; steady: $(grep -c ' replay ' "$HC_WORK/steady.log" || true)"
hc_assert_eq 0 "$(grep -c 'subscriber_queue_max messages' "$HC_WORK/broker.log" || true)" "the message bound was never the one hit"
hc_pass
