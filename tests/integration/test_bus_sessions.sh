#!/usr/bin/env bash
# Sessions belong to connections, not to routing ids (issue 12, items 1 and 14), attacked
# over TCP with session_probe, a client that chooses its own ZeroMQ routing ids:
#  - a police key holding the routing ids libzmq 4.3.4 would generate from an unseeded
#    rand() (on both endpoints; the broker's ZAP REP socket, then its publisher and
#    subscriber ROUTERs each take a counter start) does not make the broker abort when
#    legitimate clients connect (the broker seeds rand() from the OS first);
#  - a police key that connects with the routing id of a clinical subscriber who just
#    left receives nothing: no delivery with patient details, no delivery at all, and
#    its Pong says it has no subscription (the session ended with its connection);
#  - the session ends as soon as its connection closes, not after 30 s of silence;
#  - a routing id the broker did not generate is refused with a named error;
#  - a request of several frames is refused with a named error, on both endpoints.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"

SP="$HC_BIN/tests/session_probe"
BKEY="$HC_WORK/keys/broker.pub"

hc_bus_setup
hc_bus_start

# --- the ids an unseeded libzmq would hand out, held by the police ----------------------
mapfile -t predicted < <("$SP" predict)
hc_start_bg hold_pub "$SP" hold --endpoint "$HC_PUB_ENDPOINT" --broker-key "$BKEY" --key "$(hc_key pnc)" \
  --count 8 --start "${predicted[0]}" --start "${predicted[1]}" --start "${predicted[2]}" --start "${predicted[3]}" --until-file "$HC_WORK/release" --timeout-ms 120000
hc_start_bg hold_sub "$SP" hold --endpoint "$HC_SUB_ENDPOINT" --broker-key "$BKEY" --key "$(hc_key pnc)" \
  --count 8 --start "${predicted[0]}" --start "${predicted[1]}" --start "${predicted[2]}" --start "${predicted[3]}" --until-file "$HC_WORK/release" --timeout-ms 120000
hc_wait_for "predicted ids held on both endpoints" 30 \
  eval 'grep -q "^held" "$HC_WORK/hold_pub.log" && grep -q "^held" "$HC_WORK/hold_sub.log"'
hc_log "holding: $(cat "$HC_WORK/hold_pub.log") / $(cat "$HC_WORK/hold_sub.log")"

# A clinical subscriber (sem) connects: with predictable ids this connection was given a
# held id and libzmq aborted the broker (socket_base.cpp:2130).
hc_start_bg clinical "$SP" listen --endpoint "$HC_SUB_ENDPOINT" --broker-key "$BKEY" --key "$(hc_key sem)" \
  --subscribe dispatch. --ping-ms 200 --until-file "$HC_WORK/clinical-leaves" --timeout-ms 60000
hc_wait_for "clinical subscriber subscribed" 20 grep -q '^subscribed' "$HC_WORK/clinical.log"
hc_probe publish --key "$(hc_key sem)" --kind dispatch --count 1 --msg-prefix first >/dev/null ||
  hc_fail "a legitimate publish beside the held ids was not acknowledged"
hc_wait_for "clinical subscriber got the dispatch with patient details" 20 grep -q '^delivery .* 0 1$' "$HC_WORK/clinical.log"
kill -0 "$(hc_pid broker)" || hc_fail "the broker died while routing ids were held"

# --- the clinical subscriber leaves; the police take its routing id -----------------------
line=$(grep -m1 'session of sem on connection' "$HC_WORK/broker.log") || hc_fail "no session line for sem"
conn=$(sed -E 's/.*on connection ([0-9]+).*/\1/' <<<"$line")
victim_id=$(sed -E 's/.*routing id ([0-9a-f]+).*/\1/' <<<"$line")
hc_log "clinical session: connection $conn, routing id $victim_id"
touch "$HC_WORK/clinical-leaves"
wait "$(hc_pid clinical)" || hc_fail "clinical listener did not finish"
left_at=$(date -u +%T.%N)
# Dropped at once (the connection's close), not after SUBSCRIBER_IDLE_MS = 30 s of silence.
hc_wait_for "session dropped when its connection closed" 10 \
  grep -q "subscription of sem closed: its connection $conn closed" "$HC_WORK/broker.log"
hc_log "clinical listener exited at $left_at; broker: $(grep "its connection $conn closed" "$HC_WORK/broker.log" | cut -c12-26)"

hc_start_bg hijack "$SP" listen --endpoint "$HC_SUB_ENDPOINT" --broker-key "$BKEY" --key "$(hc_key pnc)" \
  --id "$victim_id" --ping-ms 100 --until-file "$HC_WORK/hijack-done" --timeout-ms 60000
hc_wait_for "the police connection with the clinical routing id is answered" 20 grep -q '^pong' "$HC_WORK/hijack.log"

# Another clinical subscriber shows when the next dispatch has been delivered.
hc_start_bg witness "$SP" listen --endpoint "$HC_SUB_ENDPOINT" --broker-key "$BKEY" --key "$(hc_key sem)" \
  --subscribe dispatch. --ping-ms 200 --until-file "$HC_WORK/hijack-done" --timeout-ms 60000
hc_wait_for "witness subscribed" 20 grep -q '^subscribed' "$HC_WORK/witness.log"
hc_probe publish --key "$(hc_key sem)" --kind dispatch --count 1 --msg-prefix second >/dev/null ||
  hc_fail "second dispatch not acknowledged"
hc_wait_for "witness got the second dispatch" 20 grep -q '^delivery' "$HC_WORK/witness.log"
# Deliveries to the hijacked id would have been sent before the witness's (same loop);
# the final Pong comes after anything already queued for that connection.
touch "$HC_WORK/hijack-done"
wait "$(hc_pid hijack)" || hc_fail "hijacking listener did not get its final Pong: $(tail -3 "$HC_WORK/hijack.log")"
if grep -q '^delivery' "$HC_WORK/hijack.log"; then
  hc_fail "the police key received deliveries meant for the clinical session: $(grep '^delivery' "$HC_WORK/hijack.log")"
fi
if grep -q '^pong 1' "$HC_WORK/hijack.log"; then
  hc_fail "the broker told the police connection it holds the clinical subscription"
fi
wait "$(hc_pid witness)" || hc_fail "witness did not finish"

# --- a routing id the broker did not generate ----------------------------------------------
for endpoint in "$HC_PUB_ENDPOINT" "$HC_SUB_ENDPOINT"; do
  out=$("$SP" listen --endpoint "$endpoint" --broker-key "$BKEY" --key "$(hc_key pnc)" --id 6576696c \
    --ping-ms 0 --once --timeout-ms 5000 || true)
  grep -q '^error invalid_field routing_id' <<<"$out" || hc_fail "chosen routing id not refused on $endpoint: $out"
done

# --- several frames in one request (item 14) -------------------------------------------------
for endpoint in "$HC_PUB_ENDPOINT" "$HC_SUB_ENDPOINT"; do
  out=$("$SP" listen --endpoint "$endpoint" --broker-key "$BKEY" --key "$(hc_key pnc)" --frames 3 \
    --ping-ms 0 --once --timeout-ms 5000 || true)
  grep -q '^error malformed frames a request is one frame; this one had 3' <<<"$out" ||
    hc_fail "a 3-frame request on $endpoint was not answered with a named error: $out"
done
hc_wait_for "the multi-frame refusal is logged" 10 grep -q "one frame; this one had 3" "$HC_WORK/broker.log"

touch "$HC_WORK/release"
kill -0 "$(hc_pid broker)" || hc_fail "the broker died"
hc_pass
