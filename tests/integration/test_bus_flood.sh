#!/usr/bin/env bash
# test_bus_flood.sh — issue 12 item 10 at the real broker, auditd and PostgreSQL over
# TCP: four clients flood the publisher endpoint with handshakes under keys the broker
# does not know, two institutions flood it with frames that are not requests. The
# refusals reach hcbus.rejections and the broker's log as a bounded number of rows and
# lines, each saying how many refusals it stands for (repeats) — together exactly as
# many as the clients saw refused — while a genuine refusal of another kind (police
# publishing a zone level) made during the flood is still recorded on its own. Refused
# handshakes at the audit service's endpoint cost a bounded number of its log lines.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"

FLOOD=$HC_BIN/tests/flood_probe
STOP=$HC_WORK/stop-flood
WINDOW_S=10        # REJECTIONS_WINDOW_MS (services/broker/rejections.h)
BURST=5            # REJECTIONS_BURST
HANDSHAKE_CLIENTS="1 2 3 4"
GARBAGE_CLIENTS="sem minsal"
[ -x "$FLOOD" ] || hc_fail "no $FLOOD (build first)"

hc_bus_setup
hc_bus_start
flood_started=$SECONDS
for i in $HANDSHAKE_CLIENTS; do
  hc_start_bg "handshakes$i" "$FLOOD" handshakes --endpoint "$HC_PUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
    --sockets 10 --at-least 150 --stop-file "$STOP"
done
for id in $GARBAGE_CLIENTS; do
  hc_start_bg "garbage_$id" "$FLOOD" garbage --endpoint "$HC_PUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
    --key "$(hc_key "$id")" --at-least 3000 --stop-file "$STOP"
done
hc_wait_for "the flood is under way" 60 hc_sql_at_least \
  "SELECT least(count(*) FILTER (WHERE action = 'connect'), count(*) FILTER (WHERE code = 'malformed' AND institution = 'sem'),
                count(*) FILTER (WHERE code = 'malformed' AND institution = 'minsal')) FROM hcbus.rejections" "$BURST"

# A genuine refusal of another kind, during the flood: recorded on its own row.
hc_probe publish --key "$(hc_key pnc)" --count 1 --msg-prefix genuine >"$HC_WORK/genuine.out" &&
  hc_fail "police published a zone level"
hc_assert_contains "$(cat "$HC_WORK/genuine.out")" "refused genuine-1 unauthorized topic" "the police publish is refused"
hc_wait_for "the genuine refusal recorded" 30 hc_sql_at_least "SELECT count(*) FROM hcbus.rejections
  WHERE institution = 'pnc' AND action = 'publish' AND code = 'unauthorized' AND msg_id = 'genuine-1' AND repeats = 1" 1
for name in $(for i in $HANDSHAKE_CLIENTS; do echo "handshakes$i"; done) $(for id in $GARBAGE_CLIENTS; do echo "garbage_$id"; done); do
  kill -0 "$(hc_pid "$name")" 2>/dev/null || hc_fail "$name had stopped before the genuine refusal: $(cat "$HC_WORK/$name.log")"
done

# Stop the flood; every client says how many refusals it saw.
touch "$STOP"
finish() { # NAME: wait for it to end well
  local rc=0
  wait "$(hc_pid "$1")" || rc=$?
  unset "HC_PIDS[$1]"
  [ "$rc" = 0 ] || hc_fail "$1 failed (status $rc): $(cat "$HC_WORK/$1.log")"
}
refused_of() { awk '/^refused/ { print $2 }' "$HC_WORK/$1.log"; }
handshakes=0
for i in $HANDSHAKE_CLIENTS; do
  finish "handshakes$i"
  handshakes=$((handshakes + $(refused_of "handshakes$i")))
done
declare -A garbage=()
for id in $GARBAGE_CLIENTS; do
  finish "garbage_$id"
  garbage[$id]=$(refused_of "garbage_$id")
done
flood_s=$((SECONDS - flood_started))
hc_log "flood of ${flood_s}s: $handshakes refused handshakes, ${garbage[sem]} + ${garbage[minsal]} malformed frames"

# When the window closes, the folded rows arrive: together they count every refusal.
connect_sum="SELECT coalesce(sum(repeats), 0) FROM hcbus.rejections WHERE action = 'connect' AND code = 'unauthorized'"
malformed_sum() { echo "SELECT coalesce(sum(repeats), 0) FROM hcbus.rejections WHERE institution = '$1' AND code = 'malformed'"; }
hc_wait_for "every refused handshake counted" $((3 * WINDOW_S)) hc_sql_at_least "$connect_sum" "$handshakes"
hc_assert_eq "$handshakes" "$(hc_psql "$connect_sum")" "the connect rows count exactly the refused handshakes"
for id in $GARBAGE_CLIENTS; do
  hc_wait_for "every malformed frame of $id counted" $((3 * WINDOW_S)) hc_sql_at_least "$(malformed_sum "$id")" "${garbage[$id]}"
  hc_assert_eq "${garbage[$id]}" "$(hc_psql "$(malformed_sum "$id")")" "$id's rows count exactly its malformed frames"
done

# Bounded: per key, BURST rows one by one, then one folded row per window.
bound=$((BURST + flood_s / WINDOW_S + 2))
rows() { hc_psql "SELECT count(*) FROM hcbus.rejections WHERE $1"; }
for code in unauthorized overloaded; do   # unknown keys; connections over the per-source cap
  connect_rows=$(rows "action = 'connect' AND code = '$code'")
  [ "$connect_rows" -le "$bound" ] || hc_fail "$connect_rows connect rows ($code) for $handshakes refusals (bound $bound)"
done
for id in $GARBAGE_CLIENTS; do
  n=$(rows "institution = '$id' AND code = 'malformed'")
  [ "$n" -le "$bound" ] || hc_fail "$n malformed rows of $id for ${garbage[$id]} refusals (bound $bound)"
done
hc_assert_eq 0 "$(rows "repeats < 1 OR last_at < at")" "every row says how many and when"
hc_assert_eq 3 "$(hc_psql "SELECT count(DISTINCT coalesce(institution, action)) FROM hcbus.rejections
                           WHERE repeats > 1 AND code IN ('unauthorized', 'malformed')")" \
  "connect, sem and minsal each have a folded row"
hc_assert_eq 1 "$(rows "institution = 'pnc'")" "the genuine refusal is one row of its own"

# The broker's log: one line per row, the folded ones saying how many.
log_rows=$(grep -c -e "unknown key .* refused" -e "refused publish from" -e "refused connect from" -e "refused [0-9]* attempts to" "$HC_WORK/broker.log" || true)
hc_assert_eq "$(rows "true")" "$log_rows" "one log line per rejections row"
hc_assert_contains "$(grep "attempts to connect from 127.0.0.1" "$HC_WORK/broker.log")" "recorded as one row" \
  "a folded line says how many connect refusals it stands for"
hc_log "$(rows "true") rows and $log_rows log lines for $((handshakes + garbage[sem] + garbage[minsal] + 1)) refusals"
hc_assert_eq "" "$(hc_chain_problems)" "the rejections chain verifies"

# The audit service's endpoint: refused handshakes cost a bounded number of log lines
# (AUDITD_ZAP_LOG_BURST a window), and the rest are counted in one line.
"$FLOOD" handshakes --endpoint "$HC_AUDIT_ENDPOINT" --broker-key "$HC_WORK/keys/auditd.pub" --sockets 2 \
  --rounds 80 >"$HC_WORK/auditd_flood.out" || hc_fail "flood of auditd: $(cat "$HC_WORK/auditd_flood.out")"
auditd_refused=$(awk '/^refused/ { print $2 }' "$HC_WORK/auditd_flood.out")
[ "$auditd_refused" -ge 100 ] || hc_fail "only $auditd_refused handshakes refused by auditd"
hc_kill broker TERM
hc_kill auditd TERM   # says at exit how many it did not log one by one
one_by_one=$(grep -c "zap: refused key" "$HC_WORK/auditd.log" || true)
counted=$(sed -n 's/.*zap: \([0-9]*\) more handshakes refused.*/\1/p' "$HC_WORK/auditd.log" | awk '{ n += $1 } END { print n + 0 }')
[ "$one_by_one" -le $((2 * BURST)) ] || hc_fail "auditd logged $one_by_one refusals one by one"
hc_assert_eq "$auditd_refused" "$((one_by_one + counted))" "auditd's log accounts for every refused handshake"
hc_log "auditd: $auditd_refused refused handshakes, $one_by_one lines one by one + $(grep -c "more handshakes refused" "$HC_WORK/auditd.log") counting $counted"
hc_pass
