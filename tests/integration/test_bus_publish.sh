#!/usr/bin/env bash
# The durable path end to end, with real processes and a real PostgreSQL: publish →
# ack → row in events → delivered; duplicates get the first seq and one row;
# per-publisher order under concurrency; a late subscriber gets the snapshot; an
# unknown key is refused and recorded.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"

hc_bus_setup
hc_bus_start

# A police subscriber to zone levels everywhere, started before anything is published.
hc_start_bg sub_pnc "$HC_PROBE" subscribe --endpoint "$(hc_probe_endpoint subscribe)" \
  --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key pnc)" --count 20 --timeout-ms 20000 zone.
hc_wait_for "police subscribed" 15 grep -q '^subscribed' "$HC_WORK/sub_pnc.log"

# publish → ack with seqs 1..20
hc_probe publish --key "$(hc_key minsal)" --count 20 --msg-prefix first >"$HC_WORK/first.out" \
  || hc_fail "publish of 20 failed: $(cat "$HC_WORK/first.out")"
hc_assert_eq 20 "$(grep -c '^ack first-' "$HC_WORK/first.out")" "20 acks"
hc_assert_eq "$(seq 1 20 | tr '\n' ' ')" "$(awk '{print $3}' "$HC_WORK/first.out" | sort -n | tr '\n' ' ')" "seqs 1..20"
hc_assert_eq 20 "$(hc_bus_events)" "20 rows in events"
hc_assert_eq "minsal" "$(hc_psql "SELECT DISTINCT sender FROM hcbus.events")" "sender stamped from the key"

# delivered, live, in seq order, after the commit
hc_wait_for "police got 20" 15 hc_lines_at_least "$HC_WORK/sub_pnc.log" ' live zone\.' 20
hc_assert_eq "$(seq 1 20 | tr '\n' ' ')" "$(awk '$2=="live"{print $1}' "$HC_WORK/sub_pnc.log" | tr '\n' ' ')" "delivered in order"

# duplicate msg_id: first seq, one row
hc_probe publish --key "$(hc_key minsal)" --count 20 --msg-prefix first >"$HC_WORK/again.out" \
  || hc_fail "republish failed: $(cat "$HC_WORK/again.out")"
hc_assert_eq "$(sort "$HC_WORK/first.out" | awk '{print $2, $3}')" "$(sort "$HC_WORK/again.out" | awk '{print $2, $3}')" "duplicates get the first seq"
hc_assert_eq 20 "$(grep -c ' 1$' "$HC_WORK/again.out")" "duplicates are flagged"
hc_assert_eq 20 "$(hc_bus_events)" "still 20 rows"

# per-publisher order under concurrency: 3 publishers at once
for p in a b c; do
  hc_start_bg "pub_$p" "$HC_PROBE" publish --endpoint "$(hc_probe_endpoint publish)" \
    --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key minsal)" --count 300 --msg-prefix "conc$p"
done
for p in a b c; do
  wait "$(hc_pid "pub_$p")" || hc_fail "publisher $p failed"
  hc_assert_eq 300 "$(grep -c '^ack' "$HC_WORK/pub_$p.log")" "publisher $p acked 300"
  # seqs in msg order must increase
  order=$(sed 's/^ack conc.-//' "$HC_WORK/pub_$p.log" | sort -n | awk 'NR>1 && $2<=prev {bad=1} {prev=$2} END {print bad ? "broken" : "kept"}')
  hc_assert_eq kept "$order" "publisher $p's order kept"
done
hc_assert_eq 920 "$(hc_bus_events)" "920 rows"
hc_assert_eq "920 920 920" "$(hc_psql "SELECT count(*), count(DISTINCT seq), max(seq) FROM hcbus.events" | tr '|' ' ')" "seq 1..920, no hole"

# a late subscriber gets the snapshot: one zone, as of the last seq
last=$(hc_psql "SELECT max(seq) FROM hcbus.events WHERE kind = 'zone'")
hc_probe subscribe --key "$(hc_key pnc)" --snapshot --count 1 zone. >"$HC_WORK/late.out" || hc_fail "late subscriber"
hc_assert_contains "$(cat "$HC_WORK/late.out")" "$last snapshot zone.sv.ss.san-salvador-este.soyapango" "snapshot on join"

# an unknown key is refused at the handshake, and recorded
if hc_probe subscribe --key "$(hc_key stranger)" --count 1 --timeout-ms 1500 zone. >"$HC_WORK/stranger.out" 2>&1; then
  hc_fail "a stranger's key was let in"
fi
hc_wait_for "refusal recorded" 10 hc_sql_at_least "SELECT count(*) FROM hcbus.rejections WHERE action = 'connect'" 1
hint=$(head -c 8 <(grep public-key "$HC_WORK/keys/stranger.pub" | awk '{print $2}'))
hc_assert_eq 1 "$(hc_psql "SELECT count(*) > 0 FROM hcbus.rejections WHERE action = 'connect' AND key_hint = '$hint'" | sed 's/t/1/')" "rejection names the key"

hc_pass
