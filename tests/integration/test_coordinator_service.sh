#!/usr/bin/env bash
# test_coordinator_service.sh — hcbus-coordinator as a service, around its rules: its
# options; the errors that stop it at start (no coordinator section, a key that is not
# its institution's), each naming what is wrong, exit status 2; started before the
# broker it waits for it and then catches up; SIGHUP reloads the institutions (a bad
# file or a changed coordinator section is refused, the old configuration stays);
# SIGTERM stops it with exit status 0; an effect the broker refuses for good is logged
# as an error with its msg_id, and the coordinator goes on. Real broker, auditd and
# PostgreSQL over TCP.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
source "$HC_SRC/tests/lib/bus.sh"

WAIT_S=30
CONF=$HC_WORK/hcbus.conf

# Run the coordinator in the foreground with CONF_FILE; print its output and status.
run_once() {
  local rc=0 out
  out=$(timeout 20 "$HC_COORDINATOR" --config "$1" 2>&1) || rc=$?
  printf '%s\nstatus=%s\n' "$out" "$rc"
}

hc_bus_setup

# ---- options ------------------------------------------------------------------------
hc_assert_contains "$("$HC_COORDINATOR" --help)" "--config FILE" "--help shows the options"
hc_assert_contains "$("$HC_COORDINATOR" --version)" "hcbus-coordinator " "--version names the program"
rc=0; out=$("$HC_COORDINATOR" 2>&1) || rc=$?
hc_assert_eq 2 "$rc" "no --config: usage error"
hc_assert_contains "$out" "--config is required" "no --config: says so"

# ---- refusals at start ----------------------------------------------------------------
sed '/^coordinator = {/,/^};/d' "$CONF" >"$HC_WORK/no-section.conf"
out=$(run_once "$HC_WORK/no-section.conf")
hc_assert_contains "$out" "status=2" "without a coordinator section: exit status 2"
hc_assert_contains "$out" "no coordinator section: hcbus-coordinator needs coordinator.institution" \
  "without a coordinator section: it names what is missing"
sed 's|keys/coordinator.key|keys/pnc.key|' "$CONF" >"$HC_WORK/wrong-key.conf"
out=$(run_once "$HC_WORK/wrong-key.conf")
hc_assert_contains "$out" "status=2" "another institution's key: exit status 2"
hc_assert_contains "$out" "is institution pnc's, not institution coordinator's" "another institution's key: says whose"
sed 's|institution = "coordinator";|institution = "pnc";|' "$CONF" >"$HC_WORK/not-coordinator.conf"
out=$(run_once "$HC_WORK/not-coordinator.conf")
hc_assert_contains "$out" "status=2" "an institution without the role: exit status 2"
hc_assert_contains "$out" "coordinator.institution: institution \"pnc\" does not hold the coordinator role" \
  "an institution without the role: file:line and the setting"

# ---- started before the broker: it waits, then catches up -----------------------------
hc_bus_start_auditd
hc_coordinator_start
hc_wait_for "the coordinator to say the broker does not answer" "$WAIT_S" \
  hc_lines_at_least "$HC_WORK/coordinator.log" "no answer from the broker at $HC_SUB_ENDPOINT yet" 1
hc_bus_start_broker
hc_coordinator_wait_caught_up "$WAIT_S"

# ---- SIGHUP ---------------------------------------------------------------------------
LOG=$HC_WORK/coordinator.log
cp "$CONF" "$HC_WORK/good.conf"
echo "this is not libconfig" >>"$CONF"
hc_kill coordinator HUP
hc_wait_for "a bad file refused at SIGHUP" "$WAIT_S" \
  hc_lines_at_least "$LOG" "configuration reload refused, the old configuration stays in force: .*cannot parse" 1
sed 's|accept_within_s = [0-9]*;|accept_within_s = 7;|' "$HC_WORK/good.conf" >"$CONF"
hc_kill coordinator HUP
hc_wait_for "a changed rule time refused at SIGHUP" "$WAIT_S" \
  hc_lines_at_least "$LOG" "refused.*coordinator.accept_within_s changed, which only a restart" 1
cp "$HC_WORK/good.conf" "$CONF"
"$HC_PROBE" keygen "$HC_WORK/keys" pnc-ss || hc_fail "keygen pnc-ss"
sed -i 's|^);$|, { id = "pnc-ss"; name = "PNC San Salvador"; roles = ["police"]; public_key_files = ["keys/pnc-ss.pub"]; }\n);|' "$CONF"
count=$(grep -c '{ id = ' "$CONF")
hc_kill coordinator HUP
hc_wait_for "the new institutions taken at SIGHUP" "$WAIT_S" \
  hc_lines_at_least "$LOG" "configuration reloaded: $count institutions" 1
kill -0 "$(hc_pid coordinator)" || hc_fail "the coordinator died at SIGHUP"
HC_CHECKS=$((HC_CHECKS + 1))

# ---- SIGTERM: exit status 0 -------------------------------------------------------------
pid=$(hc_pid coordinator)
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
unset "HC_PIDS[coordinator]"
hc_assert_eq 0 "$rc" "SIGTERM: exit status 0"
hc_assert_contains "$(cat "$LOG")" "stopping (SIGTERM)" "SIGTERM: the stop is logged"

# ---- an effect the broker refuses for good: logged as an error, with its msg_id ----------
# A roles override that takes notices from the coordinator role: the broker (reloaded)
# refuses its verdicts; its escort requests still go through.
sed -i 's|^institutions = ($|roles = { coordinator = { publish = ["zone:*", "escort:*"]; }; };\ninstitutions = (|' "$CONF"
hc_kill broker HUP
hc_wait_for "the broker's reload" "$WAIT_S" hc_lines_at_least "$HC_WORK/broker.log" "configuration reloaded" 1
hc_coordinator_start
hc_coordinator_wait_caught_up "$WAIT_S"
out=$("$HC_BIN/tests/json_publish" --endpoint "$HC_PUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
        --key "$(hc_key sem)" '{"msg_id": "st-x", "status": {"request_id": "nobody", "zone_id":
        "sv.ss.san-salvador-este.soyapango", "state": "accepted", "unit_id": "u-1", "at_us": "now"}}') ||
  hc_fail "the status was not recorded: $out"
seq=$(awk '$1 == "ack" { print $3 }' <<<"$out")
hc_wait_for "the refusal of c.v.$seq logged" "$WAIT_S" \
  hc_lines_at_least "$HC_WORK/coordinator.log" "error: effect c.v.$seq refused for good: unauthorized" 1
kill -0 "$(hc_pid coordinator)" || hc_fail "the coordinator died of a refused effect"
HC_CHECKS=$((HC_CHECKS + 1))
hc_coordinator_stop
hc_assert_contains "$(cat "$HC_WORK/coordinator.log")" "0 recorded, 0 already recorded, 1 refused" \
  "the stop line counts the refused effect"
hc_pass
