#!/usr/bin/env bash
# The people who use it at 3 a.m. (issue 13): `hcbus zone find|show|set|history` and
# `hcbus dispatch list|show` against the real broker, audit service and PostgreSQL over
# TCP. Zones by name in any case and accent; an unknown zone gets the closest ids and
# nothing is published; `zone show sv.ss.` lists every San Salvador zone, GREEN for
# those never set and the level of the one set; `zone history` lists each level in seq
# order with its validity and says which is in force. A request with statuses whose own
# times were chosen here: `dispatch show` gives the NEMSIS call-out times and the exact
# durations between them, and `dispatch list` its state, escort wait and requester.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"

H="$HC_BIN/services/cli/hcbus"
SOYAPANGO=sv.ss.san-salvador-este.soyapango
MEJICANOS=sv.ss.san-salvador-centro.mejicanos
SS_ZONES=25   # San Salvador: the department, 5 municipalities, 19 districts

hc_bus_setup
# A hospital (health provider only: it may not subscribe to escort requests). The
# coordinator's notices are published by hand under bus.sh's "coordinator" key: the
# verdicts shown are the notices' own, whoever computed them.
"$HC_PROBE" keygen "$HC_WORK/keys" hospital || hc_fail "keygen hospital"
sed -i '/^institutions = (/a\
  { id = "hospital"; roles = ["health_provider"]; public_key_files = ["keys/hospital.pub"]; },' "$HC_WORK/hcbus.conf"
hc_bus_start
export HCBUS_ZONES="$HC_SRC/deploy/sv-districts.csv" HCBUS_BROKER_KEY="$HC_WORK/keys/broker.pub"
export HCBUS_PUBLISH_ENDPOINT="$HC_PUB_ENDPOINT" HCBUS_SUBSCRIBE_ENDPOINT="$HC_SUB_ENDPOINT"

# hcbus as institution WHO: as WHO ARGS...
as() {
  local who=$1
  shift
  HCBUS_KEY="$(hc_key "$who")" "$H" "$@"
}

# ---- zone find: case and accents folded ------------------------------------------
for name in mejicanos Mejícanos MEJICANOS "MEJÍCANOS"; do
  out=$("$H" zone find "$name") || hc_fail "zone find $name: $out"
  hc_assert_eq "$MEJICANOS" "$(awk 'NR == 1 {print $1}' <<<"$out")" "zone find $name"
done
out=$("$H" zone find "san salvador este")
hc_assert_eq "sv.ss.san-salvador-este" "$(awk 'NR == 1 {print $1}' <<<"$out")" "zone find by a name of several words"
out=$("$H" zone find soyapngo) && hc_fail "a misspelt name was found: $out"
hc_assert_contains "$out" "no zone is named \"soyapngo\"" "no match said"
hc_assert_contains "$(grep -A1 closest <<<"$out")" "$SOYAPANGO" "the closest id is suggested first"

# ---- an unknown zone anywhere: the closest ids, and nothing published ------------
events_before=$(hc_bus_events)
err=$(as minsal zone set sv.ss.san-salvador-este.soyapngo red --reason typo 2>&1) && hc_fail "zone set to an unknown zone: $err"
hc_assert_contains "$err" "is not in the catalogue" "zone set: unknown zone named"
hc_assert_contains "$err" "$SOYAPANGO" "zone set: closest id suggested"
err=$(as pnc zone show sv.ss.san-salvador-estee. 2>&1) && hc_fail "zone show of an unknown zone: $err"
hc_assert_contains "$err" "sv.ss.san-salvador-este" "zone show: closest id suggested"
err=$(as pnc zone history Soyapango 2>&1) && hc_fail "zone history of a name: $err"
hc_assert_contains "$err" "$SOYAPANGO" "zone history: a name gets the id"
err=$(as sem dispatch list --zone sv.ss.soyapango 2>&1) && hc_fail "dispatch list --zone unknown: $err"
hc_assert_contains "$err" "$SOYAPANGO" "dispatch list --zone: closest id suggested"
hc_assert_eq "$events_before" "$(hc_bus_events)" "nothing was published for an unknown zone"

# ---- zone show before anything is set: every zone, GREEN, never set --------------
out=$(as pnc zone show sv.ss.) || hc_fail "zone show sv.ss.: $out"
hc_assert_eq "$SS_ZONES" "$(grep -c '^sv\.ss' <<<"$out")" "zone show sv.ss. lists every San Salvador zone"
hc_assert_eq "$SS_ZONES" "$(grep -cE '^sv\.ss[^ ]* +GREEN +never set' <<<"$out")" "all GREEN, never set"

# ---- zone set (= publish zone) and zone show with one level set -----------------
out=$(as minsal zone set "$SOYAPANGO" red --escort-required --contact "PNC 911" \
  --entry-instructions "entrar por la calle principal" --reason "balacera reportada" \
  --valid-from now-1h --valid-until now+6h) || hc_fail "zone set: $out"
hc_assert_contains "$out" "published seq=" "zone set publishes"
out=$(as pnc zone show sv.ss.) || hc_fail "zone show after set: $out"
hc_assert_eq "$SS_ZONES" "$(grep -c '^sv\.ss' <<<"$out")" "still every zone"
hc_assert_eq 1 "$(grep -cE "^$SOYAPANGO +RED " <<<"$out")" "the zone set is RED"
hc_assert_eq $((SS_ZONES - 1)) "$(grep -cE '^sv\.ss[^ ]* +GREEN +never set' <<<"$out")" "the others GREEN, never set"
hc_assert_contains "$(grep -A1 -E "^$SOYAPANGO " <<<"$out")" "escort" "the access conditions below the level"
hc_assert_contains "$(grep -A1 -E "^$SOYAPANGO " <<<"$out")" "\"balacera reportada\"" "the reason below the level"
out=$(as pnc zone show sv.ss.san-salvador-este) || hc_fail "zone show of a municipality: $out"
hc_assert_eq 5 "$(grep -c "^sv\.ss" <<<"$out")" "a municipality and its 4 districts"

# ---- zone history: each level in seq order with validity, the one in force ------
as minsal zone set "$SOYAPANGO" yellow --reason "calma relativa" --valid-from now >/dev/null || hc_fail "second level"
as minsal zone set "$SOYAPANGO.las-margaritas" orange --reason "comunidad" >/dev/null || hc_fail "community level"
as minsal zone set "$MEJICANOS" orange --reason "vencido pronto" --valid-from now-3h --valid-until now-1h >/dev/null ||
  hc_fail "an expired level"
out=$(as pnc zone show sv.ss.) || hc_fail "zone show after the community and the expired level: $out"
hc_assert_eq "ORANGE (community below a district)" \
  "$(awk -v z="$SOYAPANGO.las-margaritas" '$1 == z {print $2, $(NF - 3), $(NF - 2), $(NF - 1), $NF}' <<<"$out")" \
  "a community with a level gets its own row"
hc_assert_contains "$(grep -E "^$MEJICANOS " <<<"$out")" "(expired)" "a level whose window is over is marked"
out=$(as pnc zone history "$SOYAPANGO") || hc_fail "zone history: $out"
hc_log "zone history:"$'\n'"$out"
hc_assert_eq "RED YELLOW" "$(grep -oE "zone\.$SOYAPANGO (RED|YELLOW)" <<<"$out" | awk '{print $2}' | paste -sd' ')" \
  "both levels, in seq order, not the community's"
hc_assert_eq 2 "$(grep -c '^    valid from ' <<<"$out")" "each with its validity"
hc_assert_contains "$out" "from=minsal" "who set it"
hc_assert_contains "$out" "until replaced" "a level without an end"
hc_assert_contains "$out" "in force now: YELLOW" "the level in force"
out=$(as pnc zone history --below "$SOYAPANGO") || hc_fail "zone history --below: $out"
hc_assert_contains "$out" "3 level(s) recorded" "--below includes the community"
out=$(as pnc zone history "$MEJICANOS") || hc_fail "zone history of an expired level: $out"
hc_assert_contains "$out" "in force now: the default level" "an expired level is not in force"
out=$(as pnc zone history sv.ss.san-salvador-centro.ayutuxtepeque) || hc_fail "zone history of a zone never set: $out"
hc_assert_contains "$out" "0 level(s) recorded; in force now: GREEN (never set)" "a zone never set"

# ---- dispatch: a request, its statuses at chosen times, the call-out times ------
out=$(as sem publish dispatch --request-id SEM-1 --zone "$SOYAPANGO" --address "Calle 5, casa 3" \
  --priority critical --incident-type violence --capability advanced) || hc_fail "dispatch: $out"
requested_us=$(hc_psql "SELECT (extract(epoch FROM received_at) * 1000000)::bigint FROM hcbus.events
                        WHERE kind = 'dispatch' AND subject = 'SEM-1'")
[ -n "$requested_us" ] || hc_fail "the dispatch's received_at"
at() { echo $((requested_us + $1 * 1000000)); }
status() { # status REQUEST STATE OFFSET_S [MSG_ID [more JSON]]
  printf '{"msg_id": "%s", "status": {"request_id": "%s", "zone_id": "%s", "unit_id": "A-12", "state": "%s", "at_us": %s%s}}\n' \
    "${4:-st-$1-$2-$3}" "$1" "$SOYAPANGO" "$2" "$(at "$3")" "${5:-}"
}
# One en route too early, which the coordinator refuses: the times must come from the
# counted one (without the verdict, turnout would read 40s).
{
  status SEM-1 accepted 60 s-acc
  status SEM-1 en_route 100 s-early
  status SEM-1 en_route 150 s-route
  status SEM-1 on_scene 870 s-scene
  status SEM-1 transporting 1500 "" ', "destination_facility": "Hospital Rosales"'
  status SEM-1 at_facility 2400 "" ', "destination_facility": "Hospital Rosales"'
  status SEM-1 closed 3000
} | as sem publish --json >"$HC_WORK/statuses.out" || hc_fail "statuses: $(cat "$HC_WORK/statuses.out")"
hc_assert_eq 7 "$(grep -c '^{"msg_id":"[^"]*","seq":' "$HC_WORK/statuses.out")" "seven statuses recorded"
seq_of() { sed -n "s/^{\"msg_id\":\"$1\",\"seq\":\([0-9]*\),.*/\1/p" "$HC_WORK/statuses.out"; }
notice() { # notice SUBJECT_MSG_ID KIND RULE REASON
  local subject
  subject=$(seq_of "$1")
  [ -n "$subject" ] || hc_fail "no seq for $1"
  printf '{"msg_id": "c.v.%s", "notice": {"notice_id": "c.v.%s", "zone_id": "%s", "kind": "%s", "recipients": ["sem"], "subject_seq": %s, "request_id": "SEM-1", "rule": "%s", "reason": "%s", "subject_sender": "sem"}}\n' \
    "$subject" "$subject" "$SOYAPANGO" "$2" "$subject" "$3" "$4"
}
{
  notice s-acc checked unspecified ""
  notice s-early violation transition 'estado \"en camino\" rechazado: ya en camino'
  notice s-route checked unspecified ""
  notice s-scene checked escort_not_assigned "sin escolta asignada"
} | as coordinator publish --json >"$HC_WORK/notices.out" || hc_fail "verdicts: $(cat "$HC_WORK/notices.out")"

out=$(as sem dispatch show SEM-1) || hc_fail "dispatch show: $out"
hc_log "dispatch show SEM-1:"$'\n'"$out"
hc_assert_contains "$out" "request SEM-1 in $SOYAPANGO" "the request and its zone"
hc_assert_contains "$out" "priority critical, violence, unit advanced" "priority, type, capability"
hc_assert_contains "$out" "state: closed (provider sem)" "the state from the statuses"
hc_assert_eq 8 "$(grep -cE '^  #[0-9]+ ' <<<"$out")" "the request and its seven statuses on the timeline, verdicts under them"
hc_assert_contains "$(grep -A1 -E "^  #$(seq_of s-early) " <<<"$out")" \
  "coordinator: REFUSED (state change not allowed): \"estado \\\"en camino\\\" rechazado: ya en camino\"" "the refused status, its rule and reason"
hc_assert_contains "$(grep -A1 -E "^  #$(seq_of s-route) " <<<"$out")" "coordinator: counted (notice seq" "a counted status"
hc_assert_contains "$(grep -A1 -E "^  #$(seq_of s-scene) " <<<"$out")" "coordinator: counted, flagged: no escort assigned yet" \
  "a counted status with its flag"
hc_assert_contains "$out" "note: 3 status(es) have no verdict visible" "statuses without a verdict are counted"
duration() { awk -v n="$1" '/^durations:/ {d = 1} d && index($0, "  " n " ") == 1 {print $NF}' <<<"$out"; }
hc_assert_eq 1m30s "$(duration turnout)" "turnout: accepted -> en route"
hc_assert_eq 12m00s "$(duration "travel to scene")" "travel to scene: en route -> on scene"
hc_assert_eq 10m30s "$(duration "on scene")" "on scene: on scene -> left scene"
hc_assert_eq 15m00s "$(duration transport)" "transport: left scene -> at facility"
hc_assert_eq 14m30s "$(duration response)" "response: requested -> on scene"
hc_assert_eq 50m00s "$(duration total)" "total: requested -> back in service"
hc_assert_eq "eTimes.09" "$(awk '/^  left scene /{print $3}' <<<"$out")" "left scene is eTimes.09"
hc_assert_eq "-" "$(awk '/^  cancelled /{print $3}' <<<"$out")" "not cancelled"
# The facilitator has no clinical access; police see the request too.
out=$(as facilitator dispatch show SEM-1) || hc_fail "dispatch show as facilitator: $out"
hc_assert_contains "$out" "turnout          accepted -> en route" "the facilitator sees the times"
# Within the institution's rights: the hospital may not read escort requests; they are
# left out, said on stderr, and the rest is shown.
out=$(as hospital dispatch show SEM-1 2>"$HC_WORK/hospital.err") || hc_fail "dispatch show as hospital: $out"
hc_assert_contains "$(cat "$HC_WORK/hospital.err")" "this institution may not read escort.: left out" "a prefix outside its rights"
hc_assert_eq 8 "$(grep -cE '^  #[0-9]+ ' <<<"$out")" "the hospital sees the request and its statuses"
out=$(as sem dispatch show SEM-404 2>&1) && hc_fail "a request never made was shown: $out"
hc_assert_contains "$out" "no message names request \"SEM-404\"" "an unknown request is said"

# ---- dispatch list: one line per request, --open, escort wait --------------------
as sem publish dispatch --request-id SEM-2 --zone "$MEJICANOS" --address "Pasaje 2" \
  --priority urgent --incident-type medical --capability basic >/dev/null || hc_fail "second dispatch"
status SEM-2 accepted 5 | sed "s/$SOYAPANGO/$MEJICANOS/" | as sem publish --json >/dev/null || hc_fail "SEM-2 accepted"
as sem publish escort --escort-id ESC-2 --request-id SEM-2 --zone "$MEJICANOS" --address "Gasolinera Puma" >/dev/null ||
  hc_fail "escort request"
out=$(as sem dispatch list) || hc_fail "dispatch list: $out"
hc_log "dispatch list:"$'\n'"$out"
hc_assert_eq "SEM-1 $SOYAPANGO closed - sem" "$(awk '$1 == "SEM-1" {print $1, $2, $3, $4, $NF}' <<<"$out")" "SEM-1's line"
hc_assert_contains "$(grep '^SEM-2 ' <<<"$out")" "accepted" "SEM-2 accepted"
hc_assert_contains "$(grep '^SEM-2 ' <<<"$out")" "waiting for escort" "SEM-2 waits for its escort"
out=$(as sem dispatch list --open) || hc_fail "dispatch list --open: $out"
hc_assert_eq "SEM-2" "$(awk '/^SEM-/{print $1}' <<<"$out")" "--open leaves the closed one out"
out=$(as sem dispatch list --zone sv.ss.san-salvador-centro) || hc_fail "dispatch list --zone: $out"
hc_assert_eq "SEM-2" "$(awk '/^SEM-/{print $1}' <<<"$out")" "--zone keeps the zone's requests"

# ---- the escort: police assign a unit and the wait clears; a waiver is recorded -----
printf '{"escort_status": {"escort_id": "ESC-2", "request_id": "SEM-2", "zone_id": "%s", "state": "assigned",
  "police_unit": "PNC patrulla 7", "meeting_point": {"address": "Gasolinera Puma"}, "at_us": %s}}\n' \
  "$MEJICANOS" "$(at 30)" | tr '\n' ' ' | as pnc publish --json >/dev/null || hc_fail "escort assigned"
as sem publish dispatch --request-id SEM-3 --zone "$MEJICANOS" --address "Colonia Zacamil" \
  --priority routine --incident-type medical --capability basic >/dev/null || hc_fail "third dispatch"
as sem publish escort --escort-id ESC-3 --request-id SEM-3 --zone "$MEJICANOS" --address "Redondel" >/dev/null ||
  hc_fail "third escort request"
printf '{"escort_status": {"escort_id": "ESC-3", "request_id": "SEM-3", "zone_id": "%s", "state": "waived",
  "reason": "paciente en la entrada de la colonia", "at_us": %s}}\n' "$MEJICANOS" "$(at 40)" |
  tr '\n' ' ' | as sem publish --json >/dev/null || hc_fail "escort waived"
out=$(as sem dispatch list --open) || hc_fail "dispatch list after the escort: $out"
hc_assert_contains "$(grep '^SEM-2 ' <<<"$out")" "escort assigned" "the assignment clears SEM-2's wait"
hc_assert_contains "$(grep '^SEM-3 ' <<<"$out")" "escort waived" "SEM-3 goes without escort"
out=$(as sem dispatch show SEM-2) || hc_fail "dispatch show SEM-2: $out"
hc_assert_contains "$out" "assigned: unit \"PNC patrulla 7\" by pnc" "the assigned unit"
hc_assert_contains "$out" "meeting point: address=\"Gasolinera Puma\"" "the meeting point"
out=$(as sem dispatch show SEM-3) || hc_fail "dispatch show SEM-3: $out"
hc_assert_contains "$out" "waived by sem" "who waived the escort"
hc_assert_contains "$out" "\"paciente en la entrada de la colonia\"" "and why"
out=$(as sem dispatch list --from-seq 999999) || hc_fail "dispatch list past the head: $out"
hc_assert_contains "$out" "0 request(s)" "nothing after the head"
hc_pass
