#!/usr/bin/env bash
# test_client_failover_cut.sh — a client holding the list of a standby pair when the
# network to the active broker is CUT (no TCP reset, no disconnect: only silence;
# decision 0038): pair A (broker + auditd) in network namespace "a" behind a linkem wire,
# pair B passive here; a publisher and a console here hold "A,B". The wire is cut in the
# middle of a stream: the clients hear nothing, leave A after failover_ms (default 6 s),
# are answered standby by B (A still holds the writer lock: it is alive behind the
# cut), go round the list with a backoff; the wire healed, they are back at A by
# themselves: the stream is acked whole, each message recorded once, seq without a hole,
# the console gets every message in order and said lost, switched and restored.
source "${HCBUS_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/harness.sh"
source "$HC_SRC/tests/lib/bus.sh"
source "$HC_SRC/tests/lib/netlab.sh"
netlab_require

AUDITD=$HC_BIN/services/auditd/hcbus-auditd
BROKER=$HC_BIN/services/broker/hcbus-broker
STREAM=1500
FAILOVER_MS=6000   # 2 x the default resend_ms (docs/protocol.md, "Endpoint lists and failover")

sub=$(($$ % 250))
netlab_ns a
netlab_wire root "10.97.$sub.1/30" a "10.97.$sub.2/30" 2 0
WIRE=$NETLAB_WIRE
mapfile -t ports < <("$HC_BIN/tests/free_ports" 6) || hc_fail "free_ports failed"
HC_PUB_ENDPOINT=tcp://10.97.$sub.2:${ports[0]} HC_SUB_ENDPOINT=tcp://10.97.$sub.2:${ports[1]}
HC_AUDIT_ENDPOINT=tcp://127.0.0.1:${ports[2]} # inside namespace a
export HC_PUB_ENDPOINT HC_SUB_ENDPOINT HC_AUDIT_ENDPOINT
METRICS_B=127.0.0.1:${ports[5]}
hc_bus_setup
declare -A PUB SUB
PUB[a]=$HC_PUB_ENDPOINT SUB[a]=$HC_SUB_ENDPOINT
PUB[b]=tcp://127.0.0.1:${ports[3]} SUB[b]=tcp://127.0.0.1:${ports[4]}

standby_lines() { printf '  standby = true;\n  standby_poll_ms = 200;\n  node_name = "site-%s";\n' "$1"; }
sed "/^  batch_max_delay_ms = 0;/r /dev/stdin" "$HC_WORK/hcbus.conf" <<<"$(standby_lines a)" >"$HC_WORK/a.conf"
sed -e "s|${PUB[a]}\"|${PUB[b]}\"|; s|${SUB[a]}\"|${SUB[b]}\"|; s|$HC_AUDIT_ENDPOINT\"|tcp://127.0.0.1:${ports[2]}\"|" \
    -e "s|node_name = \"site-a\"|node_name = \"site-b\"|" \
    -e "/^broker = {/,/^};/ s|metrics_listen = \"off\"|metrics_listen = \"$METRICS_B\"|" "$HC_WORK/a.conf" >"$HC_WORK/b.conf"
grep -q "$METRICS_B" "$HC_WORK/b.conf" || hc_fail "b.conf not written"

in_log() { grep -qF -- "$2" "$HC_WORK/$1.log"; }
acks() { grep -c '^ack' "$HC_WORK/$1.log" || true; }
acks_above() { [ "$(acks "$1")" -gt "$2" ]; }
standby_refusals() {
  curl -sS --max-time 5 -f "http://$METRICS_B/metrics" 2>/dev/null |
    awk '/^hcbus_broker_messages_refused_total\{.*code="standby"/ {n += $NF} END {print n + 0}'
}
standby_refusals_above() { [ "$(standby_refusals)" -gt "$1" ]; }

# Pair A in namespace a (PostgreSQL's Unix socket is a file: reachable from there), B here.
netlab_start_bg auditd_a a "$AUDITD" --config "$HC_WORK/a.conf" --broker-key "$HC_WORK/keys/broker.pub"
hc_wait_for "auditd a active" 30 in_log auditd_a "active (node site-a): took the writer lock"
netlab_start_bg broker_a a "$BROKER" --config "$HC_WORK/a.conf"
hc_wait_for "broker a ready" 30 in_log broker_a "zone snapshot rebuilt"
hc_start_bg auditd_b "$AUDITD" --config "$HC_WORK/b.conf" --broker-key "$HC_WORK/keys/broker.pub"
hc_wait_for "auditd b passive" 30 in_log auditd_b "passive (node site-b)"
hc_start_bg broker_b "$BROKER" --config "$HC_WORK/b.conf"
hc_wait_for "broker b passive" 30 in_log broker_b "passive: the audit service (node site-b)"

hc_start_bg console sh -c "HCBUS_KEY='$(hc_key pnc)' HCBUS_BROKER_KEY='$HC_WORK/keys/broker.pub' exec '$HC_CLI' subscribe --json --endpoint '${SUB[a]},${SUB[b]}' zone."
hc_wait_for "console subscribed" 20 grep -q '"event":"subscribed"' "$HC_WORK/console.log"
hc_start_bg stream "$HC_PROBE" publish --endpoint "${PUB[a]},${PUB[b]}" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key minsal)" --count "$STREAM" --msg-prefix cut --window 64 --timeout-ms 120000
hc_wait_for "stream under way" 30 acks_above stream 200

refused_before=$(standby_refusals)
netlab_cut "$WIRE"
cut_at=$SECONDS
hc_wait_for "the console left A for B (silence)" 30 grep -q "switched to the broker at ${SUB[b]}" "$HC_WORK/console.log"
hc_wait_for "the publisher left A for B (silence): answered standby" 30 standby_refusals_above "$refused_before"
left_after=$((SECONDS - cut_at))
[ "$left_after" -ge $((FAILOVER_MS / 1000 - 1)) ] || hc_fail "left A after ${left_after}s: before failover_ms"
hc_log "both clients left the silent broker ${left_after}s after the cut; B answered standby $(($(standby_refusals) - refused_before)) times"
hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM hcbus.events WHERE msg_id LIKE 'cut-%'" | awk -v acked="$(acks stream)" '{print ($1 >= acked) ? 0 : 1}')" \
  "nothing acked that was not recorded"
netlab_heal "$WIRE"

wait "$(hc_pid stream)" || hc_fail "the stream did not complete after the heal: $(tail -3 "$HC_WORK/stream.log")"
unset "HC_PIDS[stream]"
hc_assert_eq "$STREAM" "$(acks stream)" "every message acked across the cut"
hc_assert_eq "$STREAM $STREAM" "$(hc_psql "SELECT count(*), count(DISTINCT msg_id) FROM hcbus.events WHERE msg_id LIKE 'cut-%'" | tr '|' ' ')" "each recorded exactly once"
hc_assert_eq "t" "$(hc_psql "SELECT count(*) = max(seq) AND count(*) = count(DISTINCT seq) FROM hcbus.events")" "seq without a hole"
in_log auditd_b "active (node site-b)" && hc_fail "B became active though A held the lock behind the cut"
last=$(hc_psql "SELECT max(seq) FROM hcbus.events")
hc_wait_for "the console shows the last message" 60 grep -q "\"seq\":$last[,}]" "$HC_WORK/console.log"
hc_wait_for "the console restored" 30 grep -q '"event":"restored"' "$HC_WORK/console.log"
hc_assert_eq "$STREAM" "$(grep -c '"msg_id":"cut-' "$HC_WORK/console.log")" "the console printed each message once"
hc_assert_eq "$(hc_psql "SELECT seq FROM hcbus.events WHERE msg_id LIKE 'cut-%' ORDER BY seq" | tr '\n' ' ')" \
  "$(grep -o '"seq":[0-9]*,"msg_id":"cut-' "$HC_WORK/console.log" | sed 's/"seq":\([0-9]*\),.*/\1/' | tr '\n' ' ')" "the console's messages in seq order"
for seen in '"event":"lost"' '"reason":"no_answer"' "reading from the broker at ${SUB[a]}" "connection restored"; do
  hc_assert_contains "$(cat "$HC_WORK/console.log")" "$seen" "the console said: $seen"
done
hc_pass
