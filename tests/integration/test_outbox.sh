#!/usr/bin/env bash
# test_outbox.sh — a field unit's outbox against a real bus (issue 19, decision 0040):
# - `hcbus publish --outbox` while the broker is down says "queued", exits 0, and
#   `hcbus outbox show` (also --json, also in Spanish) lists the messages in order with
#   the unit's own time; a flush running meanwhile steps aside for a publish;
# - a torn record at the file's end (a power cut mid-append) is reported and cut off,
#   the messages before it kept;
# - `hcbus outbox flush` killed with -9 while its messages are in the broker (auditd
#   stopped, so no ack came back): they stay in the outbox; auditd resumes and records
#   them; the next flush sends them again with the same msg_id and the bus answers
#   "duplicate": every message is recorded exactly once, with its own time, in order,
#   and the outbox is empty;
# - a publish while the outbox works normally is "published seq=N" at once;
# - a full outbox refuses with an error naming the file and its bound, exit 1.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"
export LC_ALL=C

OB=$HC_WORK/unit/outbox
ZONE=sv.ss.san-salvador-este.soyapango
QUEUED=5

port=$("$HC_BIN/tests/free_ports" 1) || hc_fail "free_ports failed"
HC_BROKER_METRICS_LISTEN=127.0.0.1:$port
in_flight() { curl -sf "http://$HC_BROKER_METRICS_LISTEN/metrics" | grep -qx "hcbus_broker_in_flight $1"; }
hc_bus_setup
CONN=(--endpoint "$HC_PUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key sem)")
mkdir -p "$HC_WORK/unit"

# 1. The broker is down: each status is queued, with the time the user acted. The last
#    one while a flush holds the outbox: the flush steps aside, the publish is not refused.
publish_queued() {
  local i=$1 out
  out=$("$HC_CLI" publish status "${CONN[@]}" --timeout-ms 500 --outbox "$OB" --msg-id "unit-$i" \
        --request-id req-1 --zone $ZONE --unit SEM-U12 --state en_route --at "2026-11-30T0$i:00:00-06:00" 2>&1) ||
    hc_fail "publish --outbox while the broker is down exited $?: $out"
  hc_assert_contains "$out" "queued msg_id=unit-$i (not yet recorded" "publish $i says queued"
  hc_assert_contains "$out" "$i waiting in $OB" "publish $i counts what waits"
}
for i in $(seq 1 $((QUEUED - 1))); do publish_queued "$i"; done
hc_start_bg flush0 "$HC_CLI" outbox flush "$OB" "${CONN[@]}" --timeout 60
hc_wait_for "the flush holds the outbox" 10 grep -qx "$(hc_pid flush0)" "$OB.lock"
publish_queued $QUEUED
kill -0 "$(hc_pid flush0)" || hc_fail "the flush ended instead of stepping aside: $(cat "$HC_WORK/flush0.log")"
hc_kill flush0
show=$("$HC_CLI" outbox show "$OB") || hc_fail "outbox show: $show"
hc_assert_contains "$show" "$QUEUED messages waiting in $OB" "show counts"
hc_assert_eq "unit-1 unit-2 unit-3 unit-4 unit-5" "$(awk '/^unit-/ {print $1}' <<<"$show" | tr '\n' ' ' | sed 's/ $//')" "show lists them in order"
hc_assert_contains "$show" "2026-11-30T03:00:00-06:00" "show gives the unit's time"
hc_assert_contains "$(grep '^unit-3' <<<"$show")" "status.$ZONE" "show gives kind and topic"
json=$("$HC_CLI" outbox show "$OB" --json)
hc_assert_eq "$QUEUED" "$(jq '.waiting' <<<"$json")" "show --json waiting"
hc_assert_eq "unit-1" "$(jq -r '.messages[0].msg_id' <<<"$json")" "show --json first"
[ "$(jq -r ".messages[0].attempts" <<<"$json")" -ge "$QUEUED" ] ||
  hc_fail "each publish --outbox sends what waited: attempts $(jq -r ".messages[0].attempts" <<<"$json")"
spanish=$(hc_in_spanish "$HC_CLI" outbox show "$OB")
hc_assert_contains "$spanish" "mensajes en espera" "show in Spanish"

# 2. A power cut mid-append: a torn last record is cut off, the rest kept.
size=$(stat -c %s "$OB")
printf '\x40\x00\x00\x00\x11\x22' >>"$OB"
show=$("$HC_CLI" outbox show "$OB" 2>&1)
hc_assert_contains "$show" "ended in an incomplete record (6 bytes" "show reports the torn tail"
hc_assert_contains "$show" "$QUEUED messages waiting" "messages before the tear kept"

# 3. The bus comes back, but auditd is stopped: a flush sends, gets no ack, and is killed.
hc_bus_start
kill -STOP "$(hc_pid auditd)"
hc_start_bg flush1 "$HC_CLI" outbox flush "$OB" "${CONN[@]}" --timeout 60
hc_wait_for "the flush took the messages (attempt records)" 20 \
  bash -c "[ \$(stat -c %s '$OB') -gt $size ]"
hc_assert_eq "$size" "$(stat -c %s "$OB" | awk -v s="$size" '$1 > s {print s}')" "the open cut the tear"
hc_wait_for "the broker holds the $QUEUED messages, uncommitted" 20 in_flight $QUEUED
hc_kill flush1 KILL
kill -CONT "$(hc_pid auditd)"
hc_assert_eq "" "$(grep '^published' "$HC_WORK/flush1.log" || true)" "the killed flush saw no ack"
show=$("$HC_CLI" outbox show "$OB")
hc_assert_contains "$show" "$QUEUED messages waiting" "a killed flush leaves them queued"

# 4. auditd records what the broker held, but no ack reached the unit: the next flush
#    sends them again, same msg_id, and the bus answers duplicate: each recorded once.
hc_wait_for "auditd recorded the killed flush's messages" 30 \
  hc_sql_at_least "SELECT count(*) FROM hcbus.events WHERE msg_id LIKE 'unit-%'" $QUEUED
out=$("$HC_CLI" outbox flush "$OB" "${CONN[@]}" --timeout 30 2>&1) || hc_fail "flush exited $?: $out"
hc_assert_eq "$QUEUED" "$(grep -c '^published seq=.* duplicate$' <<<"$out")" "flush answers every message: duplicate"
hc_assert_contains "$out" "$QUEUED recorded, 0 refused; 0 still waiting in $OB" "flush sums up"
hc_assert_eq "$QUEUED|$QUEUED" "$(hc_psql "SELECT count(*), count(DISTINCT msg_id) FROM hcbus.events WHERE msg_id LIKE 'unit-%'")" \
  "each message recorded exactly once"
hc_assert_eq "unit-1 unit-2 unit-3 unit-4 unit-5" \
  "$(hc_psql "SELECT msg_id FROM hcbus.events WHERE msg_id LIKE 'unit-%' ORDER BY seq" | tr '\n' ' ' | sed 's/ $//')" \
  "recorded in the unit's order"
hc_assert_contains "$(hc_psql "SELECT summary FROM hcbus.events WHERE msg_id = 'unit-3'")" "2026-11-30T09:00:00" \
  "recorded with the unit's own time"
show=$("$HC_CLI" outbox show "$OB")
hc_assert_contains "$show" "0 messages waiting" "the outbox is empty"

# 5. With the link up, publish --outbox records at once.
out=$("$HC_CLI" publish status "${CONN[@]}" --outbox "$OB" --msg-id unit-live --request-id req-1 \
      --zone $ZONE --unit SEM-U12 --state on_scene 2>&1) || hc_fail "publish --outbox online: $out"
hc_assert_contains "$out" "published seq=" "recorded at once"
hc_assert_contains "$("$HC_CLI" outbox show "$OB")" "0 messages waiting" "and not left in the outbox"

# 6. Full: the bound refuses by name, exit 1, nothing half-written; what was queued
#    before it is answered "queued", in order.
hc_kill broker
small=$HC_WORK/unit/small
for i in $(seq 1 400); do
  printf '{"msg_id":"full-%d","zone":{"zone_id":"%s","level":"RISK_LEVEL_RED","valid_from_us":%s,"reason":"%0200d"}}\n' "$i" "$ZONE" "$(date +%s)000000" 0
done >"$HC_WORK/many.jsonl"
set +e
out=$("$HC_CLI" publish --json "${CONN[@]}" --key "$(hc_key minsal)" --timeout-ms 200 --outbox "$small" \
      --outbox-max-bytes 65536 <"$HC_WORK/many.jsonl" 2>&1)
rc=$?
set -e
hc_assert_eq 1 "$rc" "a full outbox exits 1"
hc_assert_contains "$out" "outbox $small is full" "the error names the file"
hc_assert_contains "$out" "bound of 65536 bytes" "and its bound"
n=$(jq '.waiting' <<<"$("$HC_CLI" outbox show "$small" --json)")
[ "$n" -gt 100 ] && [ "$n" -lt 400 ] || hc_fail "the small outbox holds $n messages"
[ "$(stat -c %s "$small")" -le 65536 ] || hc_fail "the small outbox passed its bound"
hc_assert_eq "$n" "$(grep -c '"queued":true' <<<"$out")" "every message queued before the full one is answered queued"
hc_assert_eq '"full-1"' "$(grep -m1 -o '"msg_id":"full-[0-9]*","queued"' <<<"$out" | grep -o '"full-[0-9]*"')" "answered in the order sent"
hc_pass
