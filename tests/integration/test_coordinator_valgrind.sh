#!/usr/bin/env bash
# hcbus-coordinator under valgrind memcheck, end to end over TCP (the broker and auditd
# run normally; every program from deploy/test.sh's build without sanitizers): it
# replays a log (a RED zone, a dispatch, statuses good and bad), goes live and
# publishes what it missed, then takes live messages of every kind it reads (a level
# that expires, an escort status, an alert, a duplicate request, a status for no
# request), a SIGHUP, a broker restart, and SIGTERM. Passes only if it exits 0 and
# valgrind reports no error (invalid read or write, uninitialised memory, definite or
# indirect leak). Skipped (exit 77) when valgrind or the plain build is missing.
HC_PLAIN=${HCBUS_PLAIN_BINARY_DIR:-}
if ! command -v valgrind >/dev/null; then
  echo "[test_coordinator_valgrind] SKIPPED: valgrind is not installed (deploy/install.sh installs it)" >&2
  exit 77
fi
if [ -z "$HC_PLAIN" ] || [ ! -x "$HC_PLAIN/services/coordinator/hcbus-coordinator" ] ||
   [ ! -x "$HC_PLAIN/tests/json_publish" ]; then
  echo "[test_coordinator_valgrind] SKIPPED: no build without sanitizers (HCBUS_PLAIN_BINARY_DIR='$HC_PLAIN'; deploy/test.sh makes one)" >&2
  exit 77
fi
export HCBUS_BINARY_DIR=$HC_PLAIN
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"

VG_ERROR_EXIT=99
VALGRIND=(valgrind --tool=memcheck --error-exitcode=$VG_ERROR_EXIT --leak-check=full
  --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect
  --track-origins=yes --num-callers=30 --suppressions="$HC_SRC/tests/valgrind.supp")
ZONE=sv.ss.san-salvador-este.soyapango
WAIT_S=120                     # valgrind slows the coordinator ~20x

publish() {
  local who=$1 out
  shift
  out=$("$HC_BIN/tests/json_publish" --endpoint "$HC_PUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
          --key "$(hc_key "$who")" --timeout-ms 60000 "$@") || hc_fail "publish as $who: $out"
}
effects() { hc_psql "SELECT count(*) FROM hcbus.events WHERE sender = 'coordinator'"; }
effects_at_least() { [ "$(effects)" -ge "$1" ]; }
has_effect() { [ "$(hc_psql "SELECT count(*) FROM hcbus.events WHERE sender = 'coordinator' AND msg_id = '$1'")" = 1 ]; }
seq_of() { hc_psql "SELECT seq FROM hcbus.events WHERE msg_id = '$1'"; }
status() {   # MSG_ID REQUEST STATE [AT]
  printf '{"msg_id": "%s", "status": {"request_id": "%s", "zone_id": "%s", "state": "%s", "unit_id": "u-1", "at_us": "%s"}}' \
    "$1" "$2" "$ZONE" "$3" "${4:-now}"
}
dispatch() {
  printf '{"msg_id": "%s", "dispatch": {"request_id": "%s", "zone_id": "%s", "priority": "critical",
    "incident_type": "violence", "capability": "advanced", "location": {"address": "casa 1"}}}' "$1" "$2" "$ZONE"
}

hc_bus_setup
hc_bus_start
# ---- recorded before it starts: replayed, then published at go-live ----------------------
publish minsal "{\"msg_id\": \"z-1\", \"zone\": {\"zone_id\": \"$ZONE\", \"level\": \"red\", \"valid_from_us\": \"now\",
  \"access\": {\"escort_required\": true, \"contact\": \"radio 4\", \"entry_instructions\": \"calle principal\"}}}"
publish sem "$(dispatch d-1 sem-1)" "$(status s-1 sem-1 accepted)" "$(status s-2 sem-1 closed)" \
  "$(status s-3 nobody accepted)" "$(status s-4 sem-1 en_route now+1h)"
hc_start_bg coordinator "${VALGRIND[@]}" --log-file="$HC_WORK/valgrind-coordinator.txt" \
  "$HC_COORDINATOR" --config "$HC_WORK/hcbus.conf"
hc_coordinator_wait_caught_up "$WAIT_S"
S1=$(seq_of d-1)
hc_wait_for "the escort request and verdicts missed" "$WAIT_S" effects_at_least 6

# ---- live ------------------------------------------------------------------------------------
publish pnc "{\"msg_id\": \"e-1\", \"escort_status\": {\"escort_id\": \"esc-$S1\", \"request_id\": \"sem-1\",
  \"zone_id\": \"$ZONE\", \"state\": \"assigned\", \"police_unit\": \"P-7\", \"at_us\": \"now\",
  \"meeting_point\": {\"address\": \"redondel\"}}}"
hc_wait_for "the escort status's verdict" "$WAIT_S" has_effect "c.v.$(seq_of e-1)"
publish minsal "{\"msg_id\": \"z-2\", \"zone\": {\"zone_id\": \"$ZONE\", \"level\": \"orange\", \"valid_from_us\": \"now\",
  \"valid_until_us\": \"now+2s\"}}"
hc_wait_for "the expired level reverted" "$WAIT_S" has_effect "c.z.$(seq_of z-2)"
publish pnc "{\"msg_id\": \"a-1\", \"alert\": {\"alert_id\": \"a-1\", \"zone_id\": \"$ZONE\", \"target\": \"personnel\",
  \"act\": \"threat\", \"severity\": \"high\", \"description\": \"amenazas\"}}"
hc_wait_for "the level review" "$WAIT_S" has_effect "c.r.$(seq_of a-1)"
publish sem "$(dispatch d-2 sem-2)" "$(dispatch d-3 sem-2)"
hc_wait_for "the duplicate request's violation" "$WAIT_S" has_effect "c.v.$(seq_of d-3)"
hc_kill coordinator HUP
hc_wait_for "the reload" "$WAIT_S" hc_lines_at_least "$HC_WORK/coordinator.log" "configuration reloaded" 1
hc_kill broker TERM
hc_bus_start_broker
publish sem "$(status s-5 sem-2 accepted)"
hc_wait_for "a verdict after the broker restart" "$WAIT_S" has_effect "c.v.$(seq_of s-5)"

# ---- SIGTERM: exit 0, valgrind clean -------------------------------------------------------
pid=$(hc_pid coordinator)
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
unset "HC_PIDS[coordinator]"
summary=$(grep -o 'ERROR SUMMARY: [0-9]* errors' "$HC_WORK/valgrind-coordinator.txt" | tail -1)
HC_CHECKS=$((HC_CHECKS + 1))
if [ "$rc" != 0 ] || [ "$summary" != "ERROR SUMMARY: 0 errors" ]; then
  cat "$HC_WORK/valgrind-coordinator.txt" >&2
  hc_fail "hcbus-coordinator under valgrind exited $rc ($VG_ERROR_EXIT = valgrind found errors), $summary"
fi
hc_assert_eq 11 "$(effects)" "the coordinator published each of its 11 effects once"
hc_log "FIGURE under valgrind: $(effects) effects published; $(grep -h 'definitely lost\|ERROR SUMMARY' "$HC_WORK/valgrind-coordinator.txt" | sed 's/==[0-9]*== //' | tr '\n' ';')"
hc_pass
