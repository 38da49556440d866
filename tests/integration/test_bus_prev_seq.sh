#!/usr/bin/env bash
# prev_seq at the real broker over TCP (issue 12, item 15): a delivery's prev_seq is the
# seq of the previous message that MATCHED the subscription, whether it was sent or not.
# So a subscriber that lagged (its queue was full: the broker skipped messages for it)
# sees the hole in the very next delivery: prev_seq differs from the last seq it got.
# The subscriber here (session_probe listen, pnc on zone.sv.ss.) never replays: the
# deliveries are checked, one by one, against the log's list of matching seqs.
source "$(dirname "$0")/../lib/harness.sh"
HC_SUBSCRIBER_QUEUE_MAX=20
source "$(dirname "$0")/../lib/bus.sh"

SP="$HC_BIN/tests/session_probe"
INSIDE=sv.ss.san-salvador-este.soyapango
OUTSIDE=sv.ah.ahuachapan-centro.apaneca

publish() { # ZONE COUNT PREFIX
  hc_probe publish --key "$(hc_key minsal)" --zone "$1" --count "$2" --msg-prefix "$3" >/dev/null ||
    hc_fail "publish $3"
}

hc_bus_setup
hc_bus_start
hc_start_bg lagging "$SP" listen --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key pnc)" --subscribe zone.sv.ss. --ping-ms 0 --until-file "$HC_WORK/done" --timeout-ms 60000
hc_wait_for "subscribed" 15 grep -q '^subscribed' "$HC_WORK/lagging.log"
publish "$INSIDE" 5 warm
publish "$OUTSIDE" 3 other-warm
publish "$INSIDE" 5 warm2
hc_wait_for "first deliveries" 15 eval '[ "$(grep -c "^delivery" "$HC_WORK/lagging.log")" -ge 10 ]'

# Stop reading: the broker's queue for it fills and it is skipped (lagging).
hc_kill lagging STOP
publish "$INSIDE" 1500 burst
publish "$OUTSIDE" 100 other
publish "$INSIDE" 1500 burst2
hc_wait_for "the broker saw the lag" 20 grep -q "fell behind" "$HC_WORK/broker.log"
hc_kill lagging CONT
# It may have fallen behind more than once while stopped (libzmq's buffers take some
# messages, a lag notice goes out, the queue fills again). Live delivery resumes only
# after the notice of the last one; messages published before that notice are part of
# its hole, which this subscriber (it never replays) would never receive.
lag_notice_for_each_fall() {
  [ "$(grep -c '^lag' "$HC_WORK/lagging.log")" -ge "$(grep -c 'fell behind' "$HC_WORK/broker.log")" ]
}
hc_wait_for "a lag notice received for every time it fell behind" 20 lag_notice_for_each_fall
publish "$OUTSIDE" 5 other-after
publish "$INSIDE" 5 after
last=$(hc_psql "SELECT max(seq) FROM hcbus.events WHERE topic LIKE 'zone.sv.ss.%'")
hc_wait_for "delivery of the last matching message" 20 grep -q "^delivery $last " "$HC_WORK/lagging.log"
touch "$HC_WORK/done"
wait "$(hc_pid lagging)" || hc_fail "listener did not finish"

# prev_seq of each delivery = the matching seq before it in the log (the head at
# subscription for the first one).
head=$(awk '/^subscribed/ {print $2; exit}' "$HC_WORK/lagging.log")
hc_psql "SELECT seq FROM hcbus.events WHERE topic LIKE 'zone.sv.ss.%' ORDER BY seq" >"$HC_WORK/matching"
read -r checked wrong holes < <(awk -v head="$head" '
  NR == FNR { prev[$1] = last == "" ? head : last; last = $1; next }
  $1 == "delivery" {
    n++
    if (!($2 in prev) || prev[$2] != $3) { bad++; if (bad < 5) print "bad:", $0, "want prev", prev[$2] > "/dev/stderr" }
    if (got != "" && $3 != got) holes++
    got = $2
  }
  END { print n + 0, bad + 0, holes + 0 }' "$HC_WORK/matching" "$HC_WORK/lagging.log")
hc_log "$checked deliveries checked, $holes hole(s) shown by prev_seq"
hc_assert_eq 0 "$wrong" "every prev_seq is the previous matching seq"
[ "$holes" -ge 1 ] || hc_fail "the lag left no visible hole: the test did not exercise it"
hc_pass
