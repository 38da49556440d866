#!/usr/bin/env bash
# Endpoint lists and failover in libhcbus and the CLI (issue 18, decision 0038), with a
# real broker, auditd and PostgreSQL and a fake passive broker (tests/tools/standby_broker:
# every request answered ERROR_CODE_STANDBY, as the passive broker of a pair does):
#  1. `hcbus publish` with the list "standby,real": recorded once by the real one; the
#     CLI says it switched; --json names the endpoint that recorded it.
#     With the passive one alone, publish and subscribe retry it and time out saying so.
#  2. a list whose first endpoint refuses connections (nothing listens there): recorded.
#  3. `hcbus subscribe` with "standby,real": subscribed at the real one, says it switched.
#  4. the real broker killed -9 in the middle of a stream of publishes, with a publisher
#     and subscribers holding the list "real,standby": they move to the standby, are
#     told standby, come back round to the restarted broker; every message acked, each
#     recorded exactly once, seq without a hole; every subscriber ends with every
#     message in seq order (its gap filled by replay), and the console said LOST,
#     "switched to" and "restored".
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"

STREAM=3000

hc_bus_setup
hc_bus_start

mapfile -t ports < <("$HC_BIN/tests/free_ports" 3) || hc_fail "free_ports failed"
STANDBY_PUB="tcp://127.0.0.1:${ports[0]}"
STANDBY_SUB="tcp://127.0.0.1:${ports[1]}"
DEAD="tcp://127.0.0.1:${ports[2]}" # nothing listens there
hc_start_bg standby "$HC_BIN/tests/standby_broker" "$STANDBY_PUB" "$STANDBY_SUB" "$HC_WORK/keys/broker.key"
hc_wait_for "standby broker bound" 10 grep -q '^ready' "$HC_WORK/standby.log"

export HCBUS_BROKER_KEY="$HC_WORK/keys/broker.pub"
cli_as() { local who=$1; shift; HCBUS_KEY="$(hc_key "$who")" "$HC_CLI" "$@"; }
standby_count() { grep -c "^standby $1" "$HC_WORK/standby.log" || true; }
zone_args=(zone --zone sv.ss.san-salvador-este.soyapango --level orange --reason "failover test")

# 1. the passive one first
cli_as minsal publish "${zone_args[@]}" --endpoint "$STANDBY_PUB,$HC_PUB_ENDPOINT" --msg-id list-1 \
  >"$HC_WORK/pub1.out" 2>"$HC_WORK/pub1.err" || hc_fail "publish through the list: $(cat "$HC_WORK/pub1.err")"
hc_assert_contains "$(cat "$HC_WORK/pub1.out")" "published seq=1 msg_id=list-1" "recorded by the active broker"
hc_assert_contains "$(cat "$HC_WORK/pub1.err")" "switched to the broker at $HC_PUB_ENDPOINT" "the CLI says where it went"
[ "$(standby_count publish)" -ge 1 ] || hc_fail "the standby broker was not tried first"
hc_assert_eq 1 "$(hc_psql "SELECT count(*) FROM hcbus.events WHERE msg_id = 'list-1'")" "recorded once"
echo '{"msg_id":"list-json","zone":{"zone_id":"sv.ss.san-salvador-este.soyapango","level":"red","valid_from_us":"now"}}' |
  cli_as minsal publish --json --endpoint "$STANDBY_PUB, $HC_PUB_ENDPOINT" >"$HC_WORK/pub1.json" 2>"$HC_WORK/pub1json.err" ||
  hc_fail "publish --json through the list: $(cat "$HC_WORK/pub1json.err")"
hc_assert_eq "$HC_PUB_ENDPOINT" "$(jq -r .endpoint "$HC_WORK/pub1.json")" "--json names the endpoint that recorded it"
hc_assert_eq 2 "$(jq -r .seq "$HC_WORK/pub1.json")" "--json's seq"

# A list with an empty entry is refused, naming it, before anything is sent.
if cli_as minsal publish "${zone_args[@]}" --endpoint "$HC_PUB_ENDPOINT,,$STANDBY_PUB" >"$HC_WORK/bad.out" 2>&1; then
  hc_fail "a list with an empty endpoint was accepted"
fi
hc_assert_contains "$(cat "$HC_WORK/bad.out")" "endpoint 2 of the list" "the empty entry is named"

# Only the passive one: retried there, and the timeout says why.
rc=0
cli_as minsal publish "${zone_args[@]}" --endpoint "$STANDBY_PUB" --timeout-ms 1500 >"$HC_WORK/only.out" 2>&1 || rc=$?
hc_assert_eq 3 "$rc" "publish to the passive broker alone: unreachable (exit 3)"
hc_assert_contains "$(cat "$HC_WORK/only.out")" "the broker is the passive one of its pair (standby)" "publish says why"
rc=0
cli_as pnc subscribe --endpoint "$STANDBY_SUB" --timeout-ms 1500 zone. >"$HC_WORK/only_sub.out" 2>&1 || rc=$?
hc_assert_eq 3 "$rc" "subscribe to the passive broker alone: unreachable (exit 3)"
hc_assert_contains "$(cat "$HC_WORK/only_sub.out")" "the broker is the passive one of its pair (standby)" "subscribe says why"
[ "$(standby_count subscribe)" -ge 2 ] || hc_fail "a lone passive broker was not asked again"

# 2. the first endpoint refuses connections
hc_probe_list() { "$HC_PROBE" "$1" --endpoint "$2" --broker-key "$HC_WORK/keys/broker.pub" "${@:3}"; }
hc_probe_list publish "$DEAD,$HC_PUB_ENDPOINT" --key "$(hc_key minsal)" --count 100 --msg-prefix dead \
  --timeout-ms 30000 >"$HC_WORK/dead.out" || hc_fail "publish past a dead endpoint: $(tail -3 "$HC_WORK/dead.out")"
hc_assert_eq 100 "$(grep -c '^ack dead-' "$HC_WORK/dead.out")" "100 acked past a dead endpoint"

# 3. a subscriber's list: the passive one first
hc_start_bg console sh -c "HCBUS_KEY='$(hc_key pnc)' exec '$HC_CLI' subscribe --json --endpoint '$STANDBY_SUB,$HC_SUB_ENDPOINT' zone."
hc_wait_for "console subscribed" 20 grep -q '"event":"subscribed"' "$HC_WORK/console.log"
hc_assert_contains "$(cat "$HC_WORK/console.log")" "switched to the broker at $HC_SUB_ENDPOINT" "the console says where it subscribed"
[ "$(standby_count subscribe)" -ge 1 ] || hc_fail "the standby broker was not asked first"

# 4. the real broker killed -9 mid-stream; clients hold "real,standby"
base=$(hc_psql "SELECT max(seq) FROM hcbus.events")
hc_start_bg sub1 "$HC_PROBE" subscribe --endpoint "$HC_SUB_ENDPOINT,$STANDBY_SUB" \
  --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key pnc)" --count "$STREAM" --timeout-ms 120000 zone.
hc_wait_for "subscriber 1 subscribed" 20 grep -q '^subscribed' "$HC_WORK/sub1.log"
hc_start_bg stream "$HC_PROBE" publish --endpoint "$HC_PUB_ENDPOINT,$STANDBY_PUB" \
  --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key minsal)" --count "$STREAM" --msg-prefix s \
  --window 64 --timeout-ms 120000
hc_wait_for "stream under way" 30 hc_lines_at_least "$HC_WORK/stream.log" '^ack' 500
standby_pubs=$(standby_count publish)
hc_kill broker KILL
hc_wait_for "the publisher moved to the standby broker" 30 \
  sh -c "[ \$(grep -c '^standby publish' '$HC_WORK/standby.log') -gt $standby_pubs ]"
hc_wait_for "the console moved to the standby broker" 30 grep -q "switched to the broker at $STANDBY_SUB" "$HC_WORK/console.log"
hc_bus_start_broker
wait "$(hc_pid stream)" || hc_fail "the stream did not complete: $(tail -3 "$HC_WORK/stream.log")"
hc_assert_eq "$STREAM" "$(grep -c '^ack' "$HC_WORK/stream.log")" "every message acked across the failover"
hc_assert_eq "$STREAM $STREAM" "$(hc_psql "SELECT count(*), count(DISTINCT msg_id) FROM hcbus.events WHERE msg_id LIKE 's-%'" | tr '|' ' ')" "each recorded exactly once"
total=$((base + STREAM))
hc_assert_eq "$total $total $total" "$(hc_psql "SELECT count(*), count(DISTINCT seq), max(seq) FROM hcbus.events" | tr '|' ' ')" "seq 1..$total, no hole"

wait "$(hc_pid sub1)" || hc_fail "subscriber 1 did not get every message: $(tail -3 "$HC_WORK/sub1.log")"
hc_assert_eq "$(seq $((base + 1)) "$total" | tr '\n' ' ')" "$(awk '$1 ~ /^[0-9]+$/ {print $1}' "$HC_WORK/sub1.log" | tr '\n' ' ')" "subscriber 1 got every seq, in order"
grep -q ' replay ' "$HC_WORK/sub1.log" || hc_log "note: subscriber 1's gap was empty (nothing published while it was away)"

hc_wait_for "the console came back" 60 grep -q '"event":"restored"' "$HC_WORK/console.log"
hc_wait_for "the console shows the last message" 30 grep -q "\"seq\":$total[,}]" "$HC_WORK/console.log"
for seen in "CONNECTION LOST" "switched to the broker at $STANDBY_SUB" '"event":"switched","at":' '"reason":"standby"' '"event":"lost"'; do
  hc_assert_contains "$(cat "$HC_WORK/console.log")" "$seen" "the console said: $seen"
done
hc_assert_eq "$STREAM" "$(grep -c '"msg_id":"s-' "$HC_WORK/console.log")" "the console printed each message of the stream once"

grep '"event"' "$HC_WORK/console.log" | cut -c1-200 >&2
hc_pass
