#!/usr/bin/env bash
# test_cli_publish_coord.sh — the real `hcbus publish` against the real broker, auditd
# and PostgreSQL over TCP, for what issue 13 asks of it:
# - `publish dispatch` prints the request id it recorded (given, made up, and from
#   --json), and that id is the one in hcbus.events;
# - `publish escort-status` (police, flags named after the fields) is recorded;
# - `publish status` waits for hcbus-coordinator's verdict: with no coordinator it says
#   so and exits 0 once --verdict-wait has passed; with a verdict published under the
#   coordinator's key it prints "counted" (exit 0), "counted, flagged" (exit 0) or
#   "REFUSED (<rule>): <reason>" (exit 1), ignoring notices about other seqs;
# - an institution that may not read notices is told so, and its status still goes;
# - with the real hcbus-coordinator running: a status for SEM-9999-NOPE is REFUSED
#   (unknown request, exit 1), an accepted status naming the request id `publish
#   dispatch` printed is counted (exit 0), an escort status for an escort never
#   requested is REFUSED (unknown escort, exit 1).
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../lib/bus.sh"

CLI=$HC_BIN/services/cli/hcbus
ZONE=sv.ss.san-salvador-este.soyapango
RUN_LIMIT_S=60   # no CLI run may take longer (a hang fails the test, never blocks it)

# The shared bus config plus "clinic", a health provider whose role may not read
# notices (a roles override), to see a publisher that cannot wait for a verdict. The
# verdicts this test fakes are signed with bus.sh's "coordinator" key.
write_config() {
  hc_bus_write_config
  sed -i '/^institutions = (/a\
  { id = "clinic"; name = "Clinica comunal"; roles = ["health_provider"]; public_key_files = ["keys/clinic.pub"]; },' \
    "$HC_WORK/hcbus.conf"
  cat >>"$HC_WORK/hcbus.conf" <<CONF
roles = {
  health_provider = { subscribe = ["zone:*", "dispatch:*", "status:*", "alert:*"]; };
};
CONF
}

hc_bus_setup
"$HC_PROBE" keygen "$HC_WORK/keys" clinic || hc_fail "keygen clinic"
write_config
hc_bus_start

export HCBUS_PUBLISH_ENDPOINT=$HC_PUB_ENDPOINT HCBUS_SUBSCRIBE_ENDPOINT=$HC_SUB_ENDPOINT
export HCBUS_BROKER_KEY=$HC_WORK/keys/broker.pub HCBUS_KEY=$HC_WORK/keys/sem.key

# cli NAME ARGS...: run the CLI, output in $HC_WORK/NAME.out; sets RC and ELAPSED_MS.
cli() {
  local name=$1 start
  shift
  start=$(date +%s%N)
  RC=0
  timeout "$RUN_LIMIT_S" "$CLI" "$@" >"$HC_WORK/$name.out" 2>&1 || RC=$?
  ELAPSED_MS=$((($(date +%s%N) - start) / 1000000))
  OUT=$(cat "$HC_WORK/$name.out")
}

seq_of() { sed -n 's/^published seq=\([0-9]*\) .*/\1/p' "$HC_WORK/$1.out"; }

# cli_bg NAME ARGS...: the CLI in the background (output in $HC_WORK/NAME.out); cli_wait
# NAME waits for it and sets RC, ELAPSED_MS and OUT like cli.
declare -A BG_PID BG_START
cli_bg() {
  local name=$1
  shift
  BG_START[$name]=$(date +%s%N)
  timeout "$RUN_LIMIT_S" "$CLI" "$@" >"$HC_WORK/$name.out" 2>&1 &
  BG_PID[$name]=$!
}
cli_wait() {
  RC=0
  wait "${BG_PID[$1]}" || RC=$?
  ELAPSED_MS=$((($(date +%s%N) - BG_START[$1]) / 1000000))
  OUT=$(cat "$HC_WORK/$1.out")
}

# notice KIND SUBJECT_SEQ RULE REASON [RECIPIENT]: a Notice published with the
# coordinator's key through `hcbus publish --json` (what hcbus-coordinator would send).
NOTICES=0
notice() {
  local kind=$1 subject=$2 rule=$3 reason=$4 to=${5:-sem} id
  NOTICES=$((NOTICES + 1))
  id=c.v.test-$NOTICES
  printf '{"msg_id":"%s","notice":{"notice_id":"%s","zone_id":"%s","kind":"%s","recipients":["%s"],"subject_seq":%s,"rule":"%s","reason":"%s","request_id":"sem-cli-1","subject_sender":"sem"}}\n' \
    "$id" "$id" "$ZONE" "$kind" "$to" "$subject" "$rule" "$reason" >"$HC_WORK/notice.json"
  HCBUS_KEY=$HC_WORK/keys/coordinator.key timeout "$RUN_LIMIT_S" "$CLI" publish --json \
    <"$HC_WORK/notice.json" >"$HC_WORK/notice.out" 2>&1 ||
    hc_fail "the fake notice was not recorded: $(cat "$HC_WORK/notice.out")"
}

# status_bg NAME FLAGS...: a status published in the background, waiting up to 30 s
# for its verdict; sets SEQ once the broker acked it.
status_bg() {
  local name=$1
  shift
  cli_bg "$name" publish status --request-id sem-cli-1 --zone "$ZONE" --unit SEM-U12 --verdict-wait 30 "$@"
  hc_wait_for "$name acked" 30 grep -q '^published seq=' "$HC_WORK/$name.out"
  SEQ=$(seq_of "$name")
}

# ---- publish dispatch prints the request id it recorded ----------------------------
cli dispatch-given publish dispatch --request-id sem-cli-1 --zone "$ZONE" --priority critical \
  --incident-type violence --capability advanced --address "Colonia Las Margaritas"
hc_assert_eq 0 "$RC" "dispatch published: $OUT"
hc_assert_contains "$OUT" "request id: sem-cli-1 (status updates name it: --request-id sem-cli-1)" \
  "the given request id is printed, labelled"

cli dispatch-made publish dispatch --zone "$ZONE" --priority urgent --incident-type medical \
  --capability basic --address "Colonia Amatepec"
hc_assert_eq 0 "$RC" "dispatch with a made-up request id published: $OUT"
made=$(sed -n 's/^request id: \([^ ]*\) .*/\1/p' "$HC_WORK/dispatch-made.out")
msg_id=$(sed -n 's/^published seq=[0-9]* msg_id=\([^ ]*\).*/\1/p' "$HC_WORK/dispatch-made.out")
[ -n "$made" ] && [ "$made" != "$msg_id" ] || hc_fail "no request id (other than the msg_id) printed: $OUT"
hc_assert_eq req- "${made:0:4}" "a made-up request id starts req- (not to be taken for the msg_id)"
hc_wait_for "the dispatch recorded" 15 hc_sql_at_least \
  "SELECT count(*) FROM hcbus.events WHERE msg_id = '$msg_id'" 1
hc_assert_eq "$made" "$(hc_psql "SELECT subject FROM hcbus.events WHERE msg_id = '$msg_id'")" \
  "the printed request id is the one recorded"

echo "{\"dispatch\": {\"request_id\": \"sem-json-1\", \"zone_id\": \"$ZONE\", \"priority\": \"routine\",
  \"incident_type\": \"medical\", \"capability\": \"basic\", \"location\": {\"address\": \"Colonia X\"}}}" |
  tr -d '\n' >"$HC_WORK/dispatch.json"
echo >>"$HC_WORK/dispatch.json"
RC=0
timeout "$RUN_LIMIT_S" "$CLI" publish --json <"$HC_WORK/dispatch.json" >"$HC_WORK/dispatch-json.out" 2>&1 || RC=$?
OUT=$(cat "$HC_WORK/dispatch-json.out")
hc_assert_eq 0 "$RC" "JSON dispatch published: $OUT"
hc_assert_contains "$OUT" '"request_id":"sem-json-1"' "a JSON dispatch's request id is in its JSON answer too"

# ---- publish status with no coordinator: says so, exit 0 after the wait ------------
# --timeout-ms 30000: were the wait bounded by it rather than by --verdict-wait, the run
# would take 30 s, far above the 20 s allowed below (it takes about 1.2 s).
cli status-alone publish status --request-id sem-cli-1 --zone "$ZONE" --unit SEM-U12 \
  --state accepted --verdict-wait 1 --timeout-ms 30000
hc_assert_eq 0 "$RC" "a status nobody judged exits 0: $OUT"
hc_assert_contains "$OUT" "coordinator: no verdict (seq=$(seq_of status-alone) is recorded; the coordinator did not answer within 1 s)" \
  "the missing verdict is said plainly"
[ "$ELAPSED_MS" -ge 1000 ] || hc_fail "the CLI did not wait the second it was given (${ELAPSED_MS} ms)"
[ "$ELAPSED_MS" -lt 20000 ] || hc_fail "the CLI waited past --verdict-wait (${ELAPSED_MS} ms)"
HC_CHECKS=$((HC_CHECKS + 2))
hc_log "status with no coordinator, --verdict-wait 1: ${ELAPSED_MS} ms"

cli status-nowait publish status --request-id sem-cli-1 --zone "$ZONE" --unit SEM-U12 \
  --state en_route --verdict-wait 0
hc_assert_eq 0 "$RC" "--verdict-wait 0 publishes: $OUT"
if grep -q '^coordinator:' <<<"$OUT"; then hc_fail "--verdict-wait 0 waited: $OUT"; fi
HC_CHECKS=$((HC_CHECKS + 1))

# ---- publish escort-status (the police's answer) ------------------------------------
# The facilitator watches every notice and escort status, to check how they print.
hc_start_bg watch "$CLI" subscribe notice. escort_status. --key "$(hc_key facilitator)"
hc_wait_for "the facilitator subscribed" 15 grep -q "facilitator subscribed" "$HC_WORK/broker.log"

cli escort-assigned publish escort-status --key "$(hc_key pnc)" --escort-id esc-cli-1 \
  --request-id sem-cli-1 --zone "$ZONE" --state assigned --police-unit PNC-P7 \
  --address "Redondel Unicentro" --lat 13.7 --lon -89.14 --eta now+10m --verdict-wait 1
hc_assert_eq 0 "$RC" "the escort status is published: $OUT"
hc_assert_contains "$OUT" "coordinator: no verdict" "an escort status waits for a verdict too"
escort_seq=$(seq_of escort-assigned)
hc_wait_for "the escort status recorded" 15 hc_sql_at_least \
  "SELECT count(*) FROM hcbus.events WHERE seq = $escort_seq" 1
hc_assert_eq "escort_status|esc-cli-1|pnc" \
  "$(hc_psql "SELECT kind, subject, sender FROM hcbus.events WHERE seq = $escort_seq")" \
  "recorded as an escort_status of esc-cli-1 from pnc"

cli escort-words publish escort-status --key "$(hc_key pnc)" --escort-id esc-cli-1 \
  --request-id sem-cli-1 --zone "$ZONE" --state "at meeting point" --verdict-wait 0
hc_assert_eq 0 "$RC" "a state given in words (as printed) is taken: $OUT"

cli escort-bad publish escort-status --key "$(hc_key pnc)" --escort-id esc-cli-1 \
  --request-id sem-cli-1 --zone "$ZONE" --state assigned
hc_assert_eq 1 "$RC" "an assigned escort without a police unit is refused"
hc_assert_contains "$OUT" "--police-unit is required for state assigned" "the refusal names the missing field by its flag"
if grep -q '^coordinator:\|^published' <<<"$OUT"; then hc_fail "a refused escort status waited or was published: $OUT"; fi
HC_CHECKS=$((HC_CHECKS + 1))

# ---- verdicts under the coordinator's key ------------------------------------------
status_bg counted --state on_scene
seq=$SEQ
notice violation $((seq - 1)) unknown_request "not this one: another seq"
notice escort_advisory "$seq" unspecified "not a verdict"
notice checked "$seq" unspecified ""
cli_wait counted
hc_assert_eq 0 "$RC" "a counted status exits 0: $OUT"
hc_assert_contains "$OUT" $'\ncoordinator: counted' "the verdict about its seq is printed, the others ignored"
if grep -q 'REFUSED' <<<"$OUT"; then hc_fail "a notice about another seq was taken: $OUT"; fi
HC_CHECKS=$((HC_CHECKS + 1))
hc_log "status counted: answered in ${ELAPSED_MS} ms (including the three notices' publishes)"

status_bg flagged --state en_route
seq=$SEQ
notice checked "$seq" escort_not_assigned "sin escolta asignada en zona ROJA"
cli_wait flagged
hc_assert_eq 0 "$RC" "a flagged status counts: exit 0: $OUT"
hc_assert_contains "$OUT" "coordinator: counted, flagged (no escort assigned yet): sin escolta asignada en zona ROJA" \
  "the flag and its reason are printed"

status_bg refused --state closed
seq=$SEQ
notice violation "$seq" transition 'estado \"cerrado\" rechazado: la solicitud sem-cli-1 ya está cerrada'
cli_wait refused
hc_assert_eq 1 "$RC" "a REFUSED status exits 1: $OUT"
hc_assert_contains "$OUT" 'coordinator: REFUSED (state change not allowed): estado "cerrado" rechazado: la solicitud sem-cli-1 ya está cerrada' \
  "the rule in words and the coordinator's reason"
hc_assert_contains "$OUT" "seq=$seq is recorded but does not count" "recorded, not counted, says the CLI"

# The same status again (same msg_id, as a retry would send it): the broker answers
# "duplicate" with the first copy's seq, and the verdict given then is read back.
refused_msg=$(sed -n 's/^published seq=[0-9]* msg_id=\([^ ]*\).*/\1/p' "$HC_WORK/refused.out")
cli refused-again publish status --msg-id "$refused_msg" --request-id sem-cli-1 --zone "$ZONE" \
  --unit SEM-U12 --state closed --verdict-wait 20
hc_assert_eq 1 "$RC" "a duplicate of a REFUSED status exits 1: $OUT"
hc_assert_contains "$OUT" "published seq=$seq msg_id=$refused_msg duplicate" "the broker said duplicate"
hc_assert_contains "$OUT" "coordinator: REFUSED (state change not allowed)" "the earlier verdict is found"
hc_log "duplicate: verdict read back in ${ELAPSED_MS} ms"

# How they print for a person (the facilitator's terminal).
hc_wait_for "the facilitator saw the last verdict" 15 grep -q "about=#$seq" "$HC_WORK/watch.log"
watch=$(cat "$HC_WORK/watch.log")
hc_assert_contains "$watch" "VIOLATION (state change not allowed) about=#$seq sent-by=sem request=sem-cli-1" \
  "a violation prints its rule in words and its subject"
hc_assert_contains "$watch" "to=sem from=coordinator" "a notice prints its recipients"
hc_assert_contains "$watch" "CHECKED flagged (no escort assigned yet)" "a flagged verdict prints its flag"
hc_assert_contains "$watch" "escort=esc-cli-1 request=sem-cli-1 at meeting point" "an escort state prints in words"

# ---- an institution that may not read notices: told so, not waiting ----------------
cli clinic publish status --key "$(hc_key clinic)" --request-id sem-cli-1 --zone "$ZONE" \
  --unit CLINIC-1 --state on_scene
hc_assert_eq 0 "$RC" "the clinic's status is published anyway: $OUT"
hc_assert_contains "$OUT" "coordinator: not waiting for its verdict: this institution may not read the coordinator's notices (unauthorized" \
  "the clinic is told it cannot wait"
hc_assert_contains "$OUT" "published seq=" "and its status is recorded"

# ---- the real hcbus-coordinator ---------------------------------------------------------
# It replays the log from seq 1 (the statuses and fake verdicts above included), goes
# live, and judges what comes next; the CLI prints its verdicts.
hc_coordinator_start
hc_coordinator_wait_caught_up
cli real-nope publish status --request-id SEM-9999-NOPE --zone "$ZONE" --unit SEM-U12 \
  --state en_route --verdict-wait 20
hc_assert_eq 1 "$RC" "a status for a request never dispatched exits 1: $OUT"
hc_assert_contains "$OUT" "coordinator: REFUSED (unknown request): " "the real coordinator refuses it, rule in words"
hc_assert_contains "$OUT" "SEM-9999-NOPE" "its reason names the request"
hc_log "real coordinator, REFUSED: publish + verdict in ${ELAPSED_MS} ms"

REAL_ZONE=sv.ss.san-salvador-centro.san-salvador
cli real-dispatch publish dispatch --zone "$REAL_ZONE" --priority urgent --incident-type medical \
  --capability basic --address "Colonia Escalón"
hc_assert_eq 0 "$RC" "a dispatch for the real coordinator: $OUT"
real_request=$(sed -n 's/^request id: \([^ ]*\) .*/\1/p' "$HC_WORK/real-dispatch.out")
cli real-accepted publish status --request-id "$real_request" --zone "$REAL_ZONE" --unit SEM-U3 \
  --state accepted --verdict-wait 20
hc_assert_eq 0 "$RC" "an accepted status for the printed request id exits 0: $OUT"
hc_assert_contains "$OUT" $'\ncoordinator: counted: ' "the real coordinator counts it, and says why"
hc_log "real coordinator, counted: publish + verdict in ${ELAPSED_MS} ms"

cli real-escort publish escort-status --key "$(hc_key pnc)" --escort-id esc-nope \
  --request-id "$real_request" --zone "$REAL_ZONE" --state at_meeting_point --verdict-wait 20
hc_assert_eq 1 "$RC" "an escort status for an escort never requested exits 1: $OUT"
hc_assert_contains "$OUT" "coordinator: REFUSED (unknown escort): " "the real coordinator refuses it"

hc_pass
