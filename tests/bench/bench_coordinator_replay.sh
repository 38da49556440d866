#!/usr/bin/env bash
# bench_coordinator_replay.sh — what a start of hcbus-coordinator costs on a log of a
# given size, not a test: starts a private PostgreSQL, hcbus-auditd and hcbus-broker,
# records R dispatch requests (default 2000) each with its six statuses (accepted ..
# closed) while the coordinator is down, then starts it and times (1) the replay up to
# the head (its "caught up:" line), (2) the catch-up until every effect it missed is
# recorded (R x 6 verdicts, and R OVERDUE_ON_SCENE notices: the statuses' own times are
# an hour old); then restarts it on the grown log and times (3) a replay with nothing
# to publish.
#   HCBUS_BINARY_DIR=build-release tests/bench/bench_coordinator_replay.sh [REQUESTS]
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"
requests=${1:-2000}
STATUSES=6
hc_bus_setup
hc_bus_start
zone=sv.ss.san-salvador-este.soyapango
states=(accepted en_route on_scene transporting at_facility closed)
now_us=$(($(date +%s) * 1000000))
for i in $(seq 1 "$requests"); do
  printf '{"dispatch": {"request_id": "B-%d", "zone_id": "%s", "location": {"address": "casa %d"}, "priority": "urgent", "incident_type": "medical", "capability": "basic"}}\n' "$i" "$zone" "$i"
  for s in $(seq 1 "$STATUSES"); do
    printf '{"status": {"request_id": "B-%d", "zone_id": "%s", "unit_id": "U-%d", "state": "%s", "at_us": %d, "destination_facility": "Hospital"}}\n' \
      "$i" "$zone" "$i" "${states[$((s - 1))]}" $((now_us - 3600000000 + s * 60000000))
  done
done >"$HC_WORK/log.json"
"$HC_BIN/tests/json_publish" --endpoint "$HC_PUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key sem)" <"$HC_WORK/log.json" >/dev/null || hc_fail "publishing the log failed"
messages=$(hc_bus_events)
hc_log "log: $messages messages ($requests requests x (1 + $STATUSES))"

effects_recorded() { hc_sql_at_least "SELECT count(*) FROM hcbus.events WHERE sender = 'coordinator'" "$1"; }
start_ms=$(date +%s%3N)
hc_coordinator_start
hc_coordinator_wait_caught_up 600
hc_log "first start:  $(grep -o 'caught up: .*' "$HC_WORK/coordinator.log")"
missed=$(grep -o '[0-9]* effects to publish' "$HC_WORK/coordinator.log" | cut -d' ' -f1)
hc_wait_for "$missed effects recorded" 600 effects_recorded "$missed"
hc_log "first start:  every missed effect ($missed) recorded $(($(date +%s%3N) - start_ms)) ms after the start"
hc_coordinator_stop
hc_coordinator_start
hc_coordinator_wait_caught_up 600
hc_log "second start: $(grep -o 'caught up: .*' "$HC_WORK/coordinator.log")"
hc_coordinator_stop
