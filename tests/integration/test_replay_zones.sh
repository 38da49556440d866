#!/usr/bin/env bash
# test_replay_zones.sh — replay stays inside the zone it is asked for (issue 12 item 6):
# the audit log is matched by whole topic components, exactly as live delivery is, so a
# replay of ...soyapango.centro returns centro and the communities below it, never its
# neighbour centro-norte (which LIKE 'prefix%' used to return). Real broker, auditd and
# PostgreSQL over TCP; the replays are raw requests (tests/tools/replay_probe.c).
source "${HCBUS_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/harness.sh"
source "$HC_SRC/tests/lib/bus.sh"

REPLAY="$HC_BIN/tests/replay_probe"
DISTRICT=sv.ss.san-salvador-este.soyapango
CENTRO=alert.$DISTRICT.centro

replay() {   # PREFIX... -> "<seq> <topic> <msg_id>" lines and "done N"
  "$REPLAY" replay --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
    --key "$(hc_key pnc)" "$@"
}
msg_ids() { awk '$1 ~ /^[0-9]+$/ {print $3}' | sort | tr '\n' ' '; }

hc_bus_setup
hc_bus_start

# A live subscriber to ...centro first: what it receives is what replay must return.
hc_start_bg live "$HC_PROBE" subscribe --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key pnc)" --count 3 --timeout-ms 20000 "$CENTRO"
hc_wait_for "live subscription" 20 grep -q '^subscribed' "$HC_WORK/live.log"

# Neighbours on both sides of "centro." in byte order: '-' sorts before '.', '2' after '/'.
for zone in centro centro-norte centro.sector-1 centro2 centro; do
  hc_probe publish --key "$(hc_key pnc)" --kind alert --zone "$DISTRICT.$zone" --count 1 \
    --msg-prefix "$zone-$RANDOM" >>"$HC_WORK/publish.log" || hc_fail "publish to $zone"
done
wait "$(hc_pid live)" || hc_fail "the live subscriber did not get its 3 alerts"
unset "HC_PIDS[live]"
live=$(grep -E '^[0-9]+ live ' "$HC_WORK/live.log" | awk '{print $4}' | sort | tr '\n' ' ')

out=$(replay "$CENTRO") || hc_fail "replay of $CENTRO refused: $out"
hc_assert_eq "$live" "$(echo "$out" | msg_ids)" "replay of ...centro returns what live delivery sent"
hc_assert_contains "$out" "done 3" "three alerts: centro twice and centro.sector-1"
case $out in *centro-norte*|*centro2*) hc_fail "replay of ...centro crossed into a neighbour: $out" ;; esac

out=$(replay "$CENTRO.") || hc_fail "replay of $CENTRO. refused: $out"
hc_assert_contains "$out" "done 1" "a prefix ending in '.' returns only what is below it"
hc_assert_contains "$out" "$CENTRO.sector-1" "...centro. returns centro.sector-1"

out=$(replay "$CENTRO-norte" "$CENTRO") || hc_fail "replay of two prefixes refused: $out"
hc_assert_contains "$out" "done 4" "two prefixes: each row once, centro2 still out"
case $out in *centro2*) hc_fail "centro2 matched: $out" ;; esac

out=$(replay "alert.$DISTRICT") || hc_fail "replay of the district refused: $out"
hc_assert_contains "$out" "done 5" "the district's prefix covers all its communities"

# latest (what the broker rebuilds its zone snapshot from at start) matches whole
# components too: asked at auditd itself, as the broker would (its key, over TCP).
latest() {
  "$HC_BIN/tests/link_probe" --endpoint "$HC_AUDIT_ENDPOINT" --key "$HC_WORK/keys/broker.key" \
    --server-key "$HC_WORK/keys/auditd.pub" latest "$1"
}
out=$(latest "$CENTRO") || hc_fail "latest $CENTRO failed: $out"
hc_assert_eq "$CENTRO $CENTRO.sector-1" "$(echo "$out" | awk '$1 ~ /^[0-9]+$/ {print $2}' | sort | tr '\n' ' ' | sed 's/ $//')" \
  "latest of ...centro: one record per topic, centro and centro.sector-1 only"
out=$(latest "$CENTRO.") || hc_fail "latest $CENTRO. failed: $out"
hc_assert_eq "$CENTRO.sector-1" "$(echo "$out" | awk '$1 ~ /^[0-9]+$/ {print $2}')" "latest of ...centro. : below it only"
hc_assert_eq 4 "$(latest "alert.$DISTRICT." | awk '$1 ~ /^[0-9]+$/' | wc -l)" "latest of the district: its four topics"
hc_pass
