#!/usr/bin/env bash
# hcbus_subscriber_new_from at the real broker over TCP (issue 13, spec section 3): a
# subscriber that starts from seq S gets every recorded message matching its prefixes
# from S up to the head the broker answered (replayed, page after page: the log holds
# more than one replay page), then live ones, in seq order and with no holes, whether
# those are published during its catch-up or after it. Checked against the log itself.
# - from seq 1: every matching seq of the log, once, in order; replay up to the start
#   head, live after it;
# - from a seq in the middle: exactly the matching seqs from there;
# - from seq 0: refused (from_seq), nothing waits.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"

NP="$HC_BIN/tests/notice_probe"
INSIDE=sv.ss.san-salvador-este.soyapango

publish() { # KIND COUNT PREFIX
  hc_probe publish --key "$(hc_key minsal)" --kind "$1" --zone "$INSIDE" --count "$2" --msg-prefix "$3" >/dev/null ||
    hc_fail "publish $3"
}
from() { # NAME FROM_SEQ COUNT: pnc subscribes to zone. from FROM_SEQ in the background
  hc_start_bg "$1" "$NP" subscribe --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
    --key "$(hc_key pnc)" --from-seq "$2" --count "$3" --timeout-ms 20000 zone.
}
matching() { hc_psql "SELECT seq FROM hcbus.events WHERE topic LIKE 'zone.%' AND seq >= $1 ORDER BY seq"; }
seqs_of() { awk '$1 ~ /^[0-9]+$/ {print $1}' "$HC_WORK/$1.log"; }

hc_bus_setup
hc_bus_start
# 2,410 records, 2,400 of them zone levels: three replay pages at least.
publish zone 1200 early
publish alert 10 noise
publish zone 1200 late
matched=$(matching 1 | wc -l)
hc_assert_eq 2400 "$matched" "the log holds the zone levels published"

# From seq 1, with 300 more published while it catches up.
from whole 1 2700
hc_wait_for "the subscriber has its start head" 15 grep -q '^start_head' "$HC_WORK/whole.log"
publish zone 300 during
wait "$(hc_pid whole)" || hc_fail "the subscriber from seq 1 did not get 2700 messages: $(tail -3 "$HC_WORK/whole.log")"
head=$(awk '/^start_head/ {print $2}' "$HC_WORK/whole.log")
hc_assert_eq "$(matching 1)" "$(seqs_of whole)" "from seq 1: every matching seq of the log, once, in order"
bad_source=$(awk -v head="$head" '$1 ~ /^[0-9]+$/ && (($1 <= head) != ($2 == "replay")) {n++} END {print n + 0}' \
  "$HC_WORK/whole.log")
hc_assert_eq 0 "$bad_source" "replayed up to the start head ($head), live after it"
hc_log "start head $head: $(grep -c ' replay ' "$HC_WORK/whole.log") replayed, $(grep -c ' live ' "$HC_WORK/whole.log") live"

# From the middle: exactly the matching seqs from there (1300 is in the "late" run).
middle=$(matching 1 | sed -n 1300p)
want=$(matching "$middle" | wc -l)
from middle "$middle" "$want"
wait "$(hc_pid middle)" || hc_fail "the subscriber from seq $middle did not get $want messages"
hc_assert_eq "$(matching "$middle")" "$(seqs_of middle)" "from seq $middle: the matching seqs from there, in order"

# From seq 0: refused by name.
out=$("$NP" subscribe --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key pnc)" \
  --from-seq 0 --count 1 zone.) && hc_fail "from seq 0 was accepted"
hc_assert_contains "$out" "refused invalid_field from_seq" "from seq 0 is refused, naming from_seq"
hc_pass
