#!/usr/bin/env bash
# Notices at the real broker over TCP (issue 13, spec sections 1 and 2; decision 0010):
# a notice is delivered — live and by replay — only to the institutions it names and to
# those holding the facilitator or coordinator role; for anyone else it does not match
# the subscription at all. The "coordinator" institution (role coordinator) publishes:
#   N1 -> sem, N2 -> sem+pnc, N3 -> sem, N4 -> pnc, then N5 -> sem after the listeners
#   have their deliveries (so their Pongs come after it).
# - sem gets N1 N2 N3 N5 live; pnc, subscribed to notice. too, gets N2 N4 only, and
#   its prev_seq chain holds with no hole (N2's prev_seq is its subscription's head,
#   N4's is N2), its Pong's last_matched_seq is N4 (not N5); the facilitator gets all;
# - by replay (raw, replay_probe): pnc N2 N4, sem N1 N2 N3 N5, facilitator all five;
# - pnc through libhcbus from seq 1 (hcbus_subscriber_new_from): N2 N4 replayed, then
#   N6 -> pnc live, with no gap to fill (the notices for sem are no hole for it);
# - sem publishing a notice is refused UNAUTHORIZED, field "notice", and recorded,
#   although the configuration grants it notice:*; nothing is recorded in the log.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"

NP="$HC_BIN/tests/notice_probe"
SP="$HC_BIN/tests/session_probe"
RP="$HC_BIN/tests/replay_probe"

notice() { # KEY MSG_ID RECIPIENTS: prints the seq
  local out
  out=$("$NP" publish --endpoint "$HC_PUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key "$1")" \
    --msg-id "$2" --recipients "$3") || hc_fail "notice $2 by $1: $out"
  awk '$1 == "ack" {print $3}' <<<"$out"
}
listen() { # NAME KEY
  hc_start_bg "$1" "$SP" listen --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
    --key "$(hc_key "$2")" --subscribe notice. --ping-ms 0 --until-file "$HC_WORK/$1.done" --timeout-ms 30000
  hc_wait_for "$1 subscribed" 15 grep -q '^subscribed' "$HC_WORK/$1.log"
}
delivered() { awk '$1 == "delivery" {print $2}' "$HC_WORK/$1.log" | tr '\n' ' '; }
replayed() { # KEY: the seqs a raw replay of notice. from seq 1 answers
  "$RP" replay --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key "$1")" \
    --from 1 notice. >"$HC_WORK/replay.$1" || hc_fail "replay by $1: $(cat "$HC_WORK/replay.$1")"
  awk '$1 ~ /^[0-9]+$/ {print $1}' "$HC_WORK/replay.$1" | tr '\n' ' '
}

hc_bus_setup
# sem's grants name notices: the coordinator role still decides who may publish one.
cat >>"$HC_WORK/hcbus.conf" <<CONF
roles = { health_provider = { publish = ["status:*", "alert:*", "notice:*"]; }; };
CONF
hc_bus_start
listen sem sem
listen pnc pnc
listen facilitator facilitator
head=$(awk '/^subscribed/ {print $2; exit}' "$HC_WORK/pnc.log")

n1=$(notice coordinator n-1 sem)
n2=$(notice coordinator n-2 sem,pnc)
n3=$(notice coordinator n-3 sem)
n4=$(notice coordinator n-4 pnc)
hc_wait_for "sem's live notices" 15 hc_lines_at_least "$HC_WORK/sem.log" '^delivery' 3
hc_wait_for "pnc's live notices" 15 hc_lines_at_least "$HC_WORK/pnc.log" '^delivery' 2
hc_wait_for "the facilitator's live notices" 15 hc_lines_at_least "$HC_WORK/facilitator.log" '^delivery' 4
n5=$(notice coordinator n-5 sem)
hc_wait_for "sem's fourth notice" 15 hc_lines_at_least "$HC_WORK/sem.log" '^delivery' 4
hc_wait_for "the facilitator's fifth notice" 15 hc_lines_at_least "$HC_WORK/facilitator.log" '^delivery' 5
for name in sem pnc facilitator; do
  touch "$HC_WORK/$name.done"
  wait "$(hc_pid "$name")" || hc_fail "$name's listener did not finish: $(tail -3 "$HC_WORK/$name.log")"
done

hc_assert_eq "$n1 $n2 $n3 $n5 " "$(delivered sem)" "sem, named in N1 N2 N3 N5, gets those live"
hc_assert_eq "$n2 $n4 " "$(delivered pnc)" "pnc gets only the notices naming it"
hc_assert_eq "$n1 $n2 $n3 $n4 $n5 " "$(delivered facilitator)" "the facilitator gets every notice"
hc_assert_eq "delivery $n2 $head|delivery $n4 $n2" \
  "$(awk '$1 == "delivery" {print $1, $2, $3}' "$HC_WORK/pnc.log" | paste -sd'|')" \
  "pnc's prev_seq chain: the notices for sem are no hole"
hc_assert_eq "pong 1 $n4" "$(grep '^pong' "$HC_WORK/pnc.log" | tail -1)" \
  "pnc's Pong: last_matched_seq is its last notice, not N5 for sem"
hc_assert_eq "pong 1 $n5" "$(grep '^pong' "$HC_WORK/sem.log" | tail -1)" "sem's Pong: N5 matched it"

hc_assert_eq "$n2 $n4 " "$(replayed pnc)" "pnc's replay holds only the notices naming it"
hc_assert_eq "$n1 $n2 $n3 $n5 " "$(replayed sem)" "sem's replay holds the notices naming it"
hc_assert_eq "$n1 $n2 $n3 $n4 $n5 " "$(replayed facilitator)" "the facilitator's replay holds every notice"

# pnc from seq 1 through libhcbus: N2 and N4 replayed, then N6 live, no gap to fill.
hc_start_bg from "$NP" subscribe --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key pnc)" --from-seq 1 --count 3 --timeout-ms 15000 notice.
hc_wait_for "pnc's catch-up" 15 hc_lines_at_least "$HC_WORK/from.log" ' replay ' 2
n6=$(notice coordinator n-6 pnc,sem)
wait "$(hc_pid from)" || hc_fail "pnc from seq 1 did not get 3 notices: $(cat "$HC_WORK/from.log")"
hc_assert_eq "$n2 replay n-2|$n4 replay n-4|$n6 live n-6" \
  "$(awk '$1 ~ /^[0-9]+$/ {print $1, $2, $4}' "$HC_WORK/from.log" | paste -sd'|')" \
  "pnc from seq 1: its two notices replayed, then its next one live"

# Only the coordinator role publishes notices, whatever the grants.
out=$("$NP" publish --endpoint "$HC_PUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key sem)" \
  --msg-id forged-1 --recipients pnc) && hc_fail "sem published a notice: $out"
hc_assert_contains "$out" "refused forged-1 unauthorized notice" "sem's notice is refused UNAUTHORIZED, field notice"
hc_assert_contains "$out" "coordinator role" "the refusal says who may publish notices"
hc_wait_for "sem's refusal recorded" 15 hc_sql_at_least \
  "SELECT count(*) FROM hcbus.rejections WHERE institution = 'sem' AND action = 'publish' AND code = 'unauthorized' AND field = 'notice' AND msg_id = 'forged-1'" 1
hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM hcbus.events WHERE msg_id = 'forged-1'")" "nothing recorded for it"
hc_assert_eq 6 "$(hc_psql "SELECT count(*) FROM hcbus.events WHERE topic LIKE 'notice.%'")" "the six notices are in the log"
hc_pass
