#!/usr/bin/env bash
# Notices delivered by the broker's gap fill (commit.c) keep the delivery rule (decision
# 0010): the real broker runs against tests/tools/gap_auditd, whose log already holds
# three notices the broker never saw committed (1 -> sem, 2 -> pnc, 3 -> sem). The
# coordinator's notice N4 (to sem and pnc) is committed as seq 4, so the broker fetches
# 1..3 from the log and delivers them before 4. Over TCP, each subscribed to notice.:
# - sem gets 1 3 4, pnc 2 4, the facilitator 1 2 3 4;
# - each prev_seq chain holds: pnc's 4 follows 2 (the notices for sem are no hole);
# - the broker says it delivered 1..3 from the log (the path was taken).
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"
ZONE=sv.ss.san-salvador-este.soyapango
SP="$HC_BIN/tests/session_probe"

# The bus's keys and config, without PostgreSQL: the audit service is the fake.
mkdir -p "$HC_WORK/keys"
for name in broker auditd $HC_BUS_INSTITUTIONS; do
  "$HC_PROBE" keygen "$HC_WORK/keys" "$name" || hc_fail "keygen $name"
done
HC_AUDITD_CONNINFO="dbname=none" # never used: no real audit service reads it
hc_bus_write_config
hc_start_bg gap_auditd "$HC_BIN/tests/gap_auditd" --endpoint "$HC_AUDIT_ENDPOINT" --key "$(hc_key auditd)" --zone "$ZONE"
hc_wait_for "fake audit service listening" 10 grep -q '^listening' "$HC_WORK/gap_auditd.log"
hc_bus_start_broker

for name in sem pnc facilitator; do
  hc_start_bg "$name" "$SP" listen --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
    --key "$(hc_key "$name")" --subscribe notice. --ping-ms 0 --until-file "$HC_WORK/$name.done" --timeout-ms 30000
  hc_wait_for "$name subscribed" 15 grep -q '^subscribed 0' "$HC_WORK/$name.log"
done
out=$("$HC_BIN/tests/notice_probe" publish --endpoint "$HC_PUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key coordinator)" --zone "$ZONE" --msg-id n-4 --recipients sem,pnc) || hc_fail "publish N4: $out"
hc_assert_contains "$out" "ack n-4 4 0" "N4 is committed after the three notices the broker did not see"
for name in sem pnc facilitator; do
  hc_wait_for "$name's delivery of seq 4" 15 grep -q '^delivery 4 ' "$HC_WORK/$name.log"
  touch "$HC_WORK/$name.done"
  wait "$(hc_pid "$name")" || hc_fail "$name's listener did not finish: $(tail -3 "$HC_WORK/$name.log")"
done
chain() { awk '$1 == "delivery" {print $2 "<" $3}' "$HC_WORK/$1.log" | paste -sd' '; }
hc_assert_eq "1<0 3<1 4<3" "$(chain sem)" "sem: the gap-filled notices naming it, then N4, prev_seq unbroken"
hc_assert_eq "2<0 4<2" "$(chain pnc)" "pnc: only N2 from the gap, then N4 after it (no hole)"
hc_assert_eq "1<0 2<1 3<2 4<3" "$(chain facilitator)" "the facilitator: every notice"
hc_assert_eq "pong 1 4" "$(grep '^pong' "$HC_WORK/pnc.log" | tail -1)" "pnc's Pong agrees"
hc_assert_contains "$(cat "$HC_WORK/broker.log")" "seqs 1..3 were committed without an answer reaching the broker" \
  "the broker filled the gap from the log"
hc_assert_contains "$(cat "$HC_WORK/gap_auditd.log")" "replay 1 3 3" "the gap fill read seqs 1..3"
hc_pass
