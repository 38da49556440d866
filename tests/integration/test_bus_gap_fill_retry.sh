#!/usr/bin/env bash
# A gap fill the audit service cannot answer is asked again (broker commit.c): in a
# database failover hcbus-auditd's reader may lose its session just as the broker asks
# for seqs committed without an answer reaching it (test_ha_failover met it: the
# broker then parked every later commit behind the hole for ever, its subscribers got
# nothing more and, once max_in_flight slots were parked, publishers no answer).
# The real broker runs against tests/tools/gap_auditd --fail-replays 2, whose log holds
# three notices the broker never saw committed (1 -> sem, 2 -> pnc, 3 -> sem): the
# coordinator's notice N4 is committed as seq 4, the broker asks for 1..3, is refused
# twice (UNAVAILABLE), asks again, and delivers 1..4 in order.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"
ZONE=sv.ss.san-salvador-este.soyapango
SP="$HC_BIN/tests/session_probe"

mkdir -p "$HC_WORK/keys"
for name in broker auditd $HC_BUS_INSTITUTIONS; do
  "$HC_PROBE" keygen "$HC_WORK/keys" "$name" || hc_fail "keygen $name"
done
HC_AUDITD_CONNINFO="dbname=none" # never used: no real audit service reads it
hc_bus_write_config
hc_start_bg gap_auditd "$HC_BIN/tests/gap_auditd" --endpoint "$HC_AUDIT_ENDPOINT" --key "$(hc_key auditd)" \
  --zone "$ZONE" --fail-replays 2
hc_wait_for "fake audit service listening" 10 grep -q '^listening' "$HC_WORK/gap_auditd.log"
hc_bus_start_broker

hc_start_bg facilitator "$SP" listen --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key facilitator)" --subscribe notice. --ping-ms 0 --until-file "$HC_WORK/done" --timeout-ms 30000
hc_wait_for "facilitator subscribed" 15 grep -q '^subscribed 0' "$HC_WORK/facilitator.log"
out=$("$HC_BIN/tests/notice_probe" publish --endpoint "$HC_PUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key coordinator)" --zone "$ZONE" --msg-id n-4 --recipients sem,pnc) || hc_fail "publish N4: $out"
hc_assert_contains "$out" "ack n-4 4 0" "N4 is committed after the three notices the broker did not see"
hc_wait_for "the facilitator's delivery of seq 4 (after the refused gap fills)" 20 grep -q '^delivery 4 ' "$HC_WORK/facilitator.log"
touch "$HC_WORK/done"
wait "$(hc_pid facilitator)" || hc_fail "the listener did not finish: $(tail -3 "$HC_WORK/facilitator.log")"
unset "HC_PIDS[facilitator]"
hc_assert_eq "1<0 2<1 3<2 4<3" "$(awk '$1 == "delivery" {print $2 "<" $3}' "$HC_WORK/facilitator.log" | paste -sd' ')" \
  "every notice in order, the gap filled once the log answered"
hc_assert_eq 2 "$(grep -c '^replay-failed' "$HC_WORK/gap_auditd.log")" "the first two gap fills were refused"
hc_assert_contains "$(cat "$HC_WORK/gap_auditd.log")" "replay 1 3 3" "the third read seqs 1..3"
hc_pass
