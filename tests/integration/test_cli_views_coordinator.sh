#!/usr/bin/env bash
# `hcbus dispatch show|list` and `hcbus zone history` with the real hcbus-coordinator
# deciding (broker, auditd, PostgreSQL, coordinator, over TCP). SEM dispatches into a RED
# zone: the coordinator's escort request and advisory appear and the request waits for
# its escort until the police assign a patrol; a `closed` sent right after `accepted` is
# refused (TRANSITION) and an `en route` before the escort is flagged. `dispatch show`
# prints those verdicts under the statuses, and its call-out times leave the refused
# status out (the total ends at the real closure, 50m00s, not at the refused one).
# Police, who are not told the verdicts on SEM's statuses, see them unjudged. A level
# with a validity window expires and `zone history` shows the coordinator's revert.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"

H="$HC_BIN/services/cli/hcbus"
SOYAPANGO=sv.ss.san-salvador-este.soyapango
ILOPANGO=sv.ss.san-salvador-este.ilopango
# The statuses' own times run up to 50 minutes after the request: the coordinator must
# take them as they are (FUTURE_TIME is test_cli_publish_coord's and the engine's).
export HC_COORD_SKEW_S=7200

hc_bus_setup
hc_bus_start
hc_coordinator_start
hc_coordinator_wait_caught_up
export HCBUS_ZONES="$HC_SRC/deploy/sv-districts.csv" HCBUS_BROKER_KEY="$HC_WORK/keys/broker.pub"
export HCBUS_PUBLISH_ENDPOINT="$HC_PUB_ENDPOINT" HCBUS_SUBSCRIBE_ENDPOINT="$HC_SUB_ENDPOINT"

as() {
  local who=$1
  shift
  HCBUS_KEY="$(hc_key "$who")" "$H" "$@"
}
notices() { hc_psql "SELECT count(*) FROM hcbus.events WHERE kind = 'notice'"; }
# True when `dispatch list` as sem shows REQUEST with TEXT on its line.
listed_with() { as sem dispatch list 2>/dev/null | grep "^$1 " | grep -q "$2"; }

# ---- a RED zone, a dispatch into it: the coordinator asks for the escort -------
as minsal zone set "$SOYAPANGO" red --escort-required --contact "PNC 911" --reason "balacera" \
  --valid-from now-1h >/dev/null || hc_fail "zone set"
out=$(as sem publish dispatch --request-id SEM-7 --zone "$SOYAPANGO" --address "Calle 5" \
  --priority critical --incident-type violence --capability advanced) || hc_fail "dispatch: $out"
dispatch_seq=$(sed -n 's/^published seq=\([0-9]*\) .*/\1/p' <<<"$out")
[ -n "$dispatch_seq" ] || hc_fail "no seq for the dispatch: $out"
hc_wait_for "the coordinator's escort request" 15 hc_sql_at_least \
  "SELECT count(*) FROM hcbus.events WHERE kind = 'escort' AND sender = 'coordinator'" 1
hc_wait_for "SEM-7 waiting for escort" 15 listed_with SEM-7 "waiting for escort"
requested_us=$(hc_psql "SELECT (extract(epoch FROM received_at) * 1000000)::bigint FROM hcbus.events
                        WHERE seq = $dispatch_seq")
at() { echo $((requested_us + $1 * 1000000)); }
status() { # status MSG_ID STATE OFFSET_S [more JSON]
  printf '{"msg_id": "%s", "status": {"request_id": "SEM-7", "zone_id": "%s", "unit_id": "A-12", "state": "%s", "at_us": %s%s}}\n' \
    "$1" "$SOYAPANGO" "$2" "$(at "$3")" "${4:-}"
}

# ---- accepted; closed right after it (refused); en route before the escort -----
before=$(notices)
{
  status s-acc accepted 60
  status s-bad closed 100
  status s-route en_route 150
} | as sem publish --json >"$HC_WORK/first.out" || hc_fail "first statuses: $(cat "$HC_WORK/first.out")"
hc_wait_for "three verdicts" 15 hc_sql_at_least "SELECT count(*) FROM hcbus.events WHERE kind = 'notice'" $((before + 3))

# ---- the police assign a patrol: the wait clears ---------------------------------
before=$(notices)
printf '{"escort_status": {"escort_id": "esc-%s", "request_id": "SEM-7", "zone_id": "%s", "state": "assigned", "police_unit": "PNC patrulla 3", "meeting_point": {"address": "Gasolinera Puma"}, "at_us": %s}}\n' \
  "$dispatch_seq" "$SOYAPANGO" "$(at 400)" | as pnc publish --json >/dev/null || hc_fail "escort assigned"
hc_wait_for "the assignment's verdict" 15 hc_sql_at_least "SELECT count(*) FROM hcbus.events WHERE kind = 'notice'" $((before + 1))
hc_wait_for "SEM-7 escort assigned" 15 listed_with SEM-7 "escort assigned"

before=$(notices)
{
  status s-scene on_scene 870
  status s-left transporting 1500 ', "destination_facility": "Hospital Rosales"'
  status s-arr at_facility 2400 ', "destination_facility": "Hospital Rosales"'
  status s-end closed 3000
} | as sem publish --json >"$HC_WORK/second.out" || hc_fail "statuses: $(cat "$HC_WORK/second.out")"
hc_wait_for "four verdicts" 15 hc_sql_at_least "SELECT count(*) FROM hcbus.events WHERE kind = 'notice'" $((before + 4))

seq_of() { sed -n "s/^{\"msg_id\":\"$1\",\"seq\":\([0-9]*\),.*/\1/p" "$HC_WORK/first.out" "$HC_WORK/second.out"; }
verdict_of() { grep -A1 -E "^  #$(seq_of "$1") " <<<"$out" | sed -n 2p; }

out=$(as sem dispatch show SEM-7) || hc_fail "dispatch show: $out"
hc_log "dispatch show SEM-7:"$'\n'"$out"
hc_assert_contains "$out" "escort: escort assigned" "the escort state"
hc_assert_contains "$out" "requested: escort esc-$dispatch_seq by coordinator" "the coordinator's escort request"
hc_assert_contains "$out" "assigned: unit \"PNC patrulla 3\" by pnc" "the patrol assigned"
hc_assert_contains "$(verdict_of s-acc)" "coordinator: counted" "accepted counted"
hc_assert_contains "$(verdict_of s-bad)" "coordinator: REFUSED (state change not allowed): " "closed after accepted refused"
hc_assert_contains "$(verdict_of s-route)" "coordinator: counted, flagged: no escort assigned yet" "en route before the escort flagged"
hc_assert_contains "$(verdict_of s-scene)" "coordinator: counted: " "on scene counted, not flagged (the escort was assigned)"
hc_assert_contains "$(verdict_of s-end)" "coordinator: counted" "the real closure counted"
[[ $out == *"no verdict seen"* ]] && hc_fail "a status without its verdict: $out"
duration() { awk -v n="$1" '/^durations:/ {d = 1} d && index($0, "  " n " ") == 1 {print $NF}' <<<"$out"; }
hc_assert_eq 1m30s "$(duration turnout)" "turnout"
hc_assert_eq 12m00s "$(duration "travel to scene")" "travel to scene"
hc_assert_eq 10m30s "$(duration "on scene")" "on scene"
hc_assert_eq 15m00s "$(duration transport)" "transport"
hc_assert_eq 14m30s "$(duration response)" "response"
hc_assert_eq 50m00s "$(duration total)" "total: the refused closure left out"
out=$(as sem dispatch list) || hc_fail "dispatch list: $out"
hc_assert_contains "$(grep '^SEM-7 ' <<<"$out")" "closed" "SEM-7 closed"
hc_assert_contains "$(grep '^SEM-7 ' <<<"$out")" "escort assigned" "with its escort"

# The facilitator reads every verdict; the police are not told those on SEM's statuses.
out=$(as facilitator dispatch show SEM-7) || hc_fail "dispatch show as facilitator: $out"
hc_assert_eq 50m00s "$(duration total)" "the facilitator's total leaves the refused closure out"
out=$(as pnc dispatch show SEM-7) || hc_fail "dispatch show as pnc: $out"
hc_assert_contains "$(verdict_of s-bad)" "no verdict seen" "the police do not see SEM's verdicts"
hc_assert_contains "$out" "note: 7 status(es) have no verdict visible" "and are told so"

# ---- a level that expires: the coordinator's revert is in the zone's history ----
as minsal zone set "$ILOPANGO" orange --reason "operativo" --valid-from now-1m --valid-until now+2s >/dev/null ||
  hc_fail "a level that expires"
hc_wait_for "the coordinator's revert" 20 hc_sql_at_least \
  "SELECT count(*) FROM hcbus.events WHERE kind = 'zone' AND sender = 'coordinator' AND subject = '$ILOPANGO'" 1
out=$(as pnc zone history "$ILOPANGO") || hc_fail "zone history: $out"
hc_log "zone history:"$'\n'"$out"
hc_assert_eq "ORANGE GREEN" "$(grep -oE "zone\.$ILOPANGO (ORANGE|GREEN)" <<<"$out" | awk '{print $2}' | paste -sd' ')" \
  "the level, then the revert"
hc_assert_contains "$(grep -E "zone\.$ILOPANGO GREEN" <<<"$out")" "from=coordinator" "the revert is the coordinator's"
hc_assert_contains "$out" "in force now: GREEN" "the default level in force"
hc_pass
