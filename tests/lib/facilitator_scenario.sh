# shellcheck shell=bash
# facilitator_scenario.sh — a recorded morning for the facilitators' tests (source after
# harness.sh, bus.sh and messages.sh): a known set of messages played through the real
# bus (broker, auditd, hcbus-coordinator, PostgreSQL, over TCP) across five departments
# and six institutions, whose answers were counted BY HAND in
# tests/lib/facilitator_scenario.expected (read them with hc_scenario_expect). The
# `hcbus audit` tests (list, timeline, who-knew, report, export --cap) answer the
# facilitators' questions from this log and compare with that file.
#
#   hc_scenario_play                 # set up and start the bus + coordinator, play, wait
#   hc_scenario_expect KEY           # the hand-counted answer for KEY (fails if none)
#   ${HC_SC_SEQ[al1]}                # the seq a named message got (names below)
#   $HC_SC_FROM $HC_SC_TO            # the quarter (El Salvador time) the scenario is in:
#                                    # its first and last day, for --from and --to
#
# What is played (the coordinator's own messages follow from its rules: an escort
# request and advisory for each dispatch into an ORANGE or RED zone, a verdict for
# every status and escort status, a level review to minsal for each alert):
# - zone levels (minsal): Soyapango RED with escort (z1), San Miguel ORANGE (z2),
#   Santa Tecla YELLOW (z3);
# - alerts al1..al9: threats against personnel in San Miguel by sem, cruz-roja and,
#   anonymously, the hotline gateway (al1-al3); an intimidation there (al4); a threat
#   against a facility there (al5); a threat against personnel in San Miguel
#   Tepezontes, La Paz — not San Miguel (al6); an obstruction of access in Soyapango by
#   the police (al7); a robbery of an ambulance in Santa Ana (al8); a crew member
#   injured in Santa Tecla (al9);
# - dispatches d1..d6 (requests SS-1, SS-2, SS-3, SM-1, SA-1, LI-1) with statuses at
#   chosen own times after the request's receipt, so call-out durations are exact:
#   responses (on scene − requested) SS-1 14m30s, SS-2 20m, SS-3 10m, SM-1 25m,
#   LI-1 8m; SA-1 cancelled. SS-2's escort is assigned by the police (then completed),
#   SM-1's is waived by SEM; SS-3 has a "closed" right after "accepted" that the
#   coordinator refuses (TRANSITION); LI-1 is accepted and carried out by cruz-roja;
# - two publishes the broker refuses (recorded in hcbus.rejections): the police
#   setting a zone level (r1, UNAUTHORIZED), SEM sending an alert marked anonymous
#   (r2, INVALID_FIELD);
# - subscribers: pnc live on alert.sv.sm. and escort. (the 5 San Miguel alerts and
#   the 2 escort requests), minsal live on alert. (the 9 alerts), and after the
#   scenario the facilitator replays alert.sv.sm. from seq 1 (5 alerts).
# Statuses may be dated up to 70 minutes after their receipt: HC_COORD_SKEW_S is 7200
# unless the caller set it (FUTURE_TIME is the coordinator tests' business).

HC_SCENARIO_EXPECTED="$HC_SRC/tests/lib/facilitator_scenario.expected"
HC_SC_SOYAPANGO=sv.ss.san-salvador-este.soyapango
HC_SC_SAN_SALVADOR=sv.ss.san-salvador-centro.san-salvador
HC_SC_MEJICANOS=sv.ss.san-salvador-centro.mejicanos
HC_SC_SAN_MIGUEL=sv.sm.san-miguel-centro.san-miguel
HC_SC_CHIRILAGUA=sv.sm.san-miguel-centro.chirilagua
HC_SC_CIUDAD_BARRIOS=sv.sm.san-miguel-norte.ciudad-barrios
HC_SC_CHINAMECA=sv.sm.san-miguel-oeste.chinameca
HC_SC_TEPEZONTES=sv.pa.la-paz-centro.san-miguel-tepezontes
HC_SC_SANTA_ANA=sv.sa.santa-ana-centro.santa-ana
HC_SC_SANTA_TECLA=sv.li.la-libertad-sur.santa-tecla
HC_SC_FROM=""
HC_SC_TO=""
declare -gA HC_SC_SEQ=()

# The hand-counted answer for KEY in facilitator_scenario.expected ("KEY: VALUE").
hc_scenario_expect() {
  local value
  value=$(awk -v k="$1" 'index($0, k ": ") == 1 { print substr($0, length(k) + 3); found = 1 }
                         END { exit !found }' "$HC_SCENARIO_EXPECTED") ||
    hc_fail "facilitator_scenario.expected has no answer for '$1'"
  echo "$value"
}

# Publish JSON as WHO and remember its seq under NAME.
hc_sc_pub() {
  local name=$1 who=$2
  HC_SC_SEQ[$name]=$(hc_msg_publish "$who" "$3")
  [ -n "${HC_SC_SEQ[$name]}" ] || hc_fail "scenario: no seq for $name"
}

# A publish the broker must refuse with CODE: WHO JSON CODE.
hc_sc_refused() {
  local out
  out=$("$HC_JSON_PUBLISH" --endpoint "$HC_PUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
    --key "$(hc_key "$1")" "$2" 2>&1) && hc_fail "scenario: $1's publish was accepted: $out"
  [[ $out == *"refused "*" $3 "* ]] || hc_fail "scenario: $1's publish not refused $3: $out"
}

# hc_sc_alert NAME WHO ALERT_ID ZONE ACT TARGET SEVERITY DESCRIPTION [EXTRA]
hc_sc_alert() {
  hc_sc_pub "$1" "$2" "$(printf '{"msg_id": "%s", "alert": {"alert_id": "%s", "zone_id": "%s", "act": "%s",
    "target": "%s", "severity": "%s", "description": "%s"%s}}' "$3" "$3" "$4" "$5" "$6" "$7" "$8" "${9:+, $9}")"
}

# hc_sc_status NAME WHO REQUEST ZONE STATE MINUTES_AFTER_REQUEST [EXTRA]: a status dated
# that long after the request's receipt (MINUTES may be fractional: 14.5).
hc_sc_status() {
  local at
  at=$(awk -v t="${HC_SC_REQUESTED[$3]}" -v m="$6" 'BEGIN { printf "%.0f", t + m * 60000000 }')
  hc_sc_pub "$1" "$2" "$(hc_msg_status "$1" "$3" "$4" "$5" "$at" "${7:-}")"
}

hc_sc_escort_status() {   # NAME WHO ESCORT REQUEST ZONE STATE MINUTES [EXTRA]
  local at
  at=$(awk -v t="${HC_SC_REQUESTED[$4]}" -v m="$7" 'BEGIN { printf "%.0f", t + m * 60000000 }')
  hc_sc_pub "$1" "$2" "$(hc_msg_escort_status "$1" "$3" "$4" "$5" "$6" "$at" "${8:-}")"
}

declare -gA HC_SC_REQUESTED=()
# A dispatch from SEM; remembers its receipt time (the call-out times count from it).
hc_sc_dispatch() {   # NAME REQUEST ZONE
  hc_sc_pub "$1" sem "$(hc_msg_dispatch "$1" "$2" "$3")"
  HC_SC_REQUESTED[$2]=$(hc_msg_received_us "${HC_SC_SEQ[$1]}")
}

# Wait for the coordinator's escort request for dispatch NAME; sets HC_SC_SEQ[NAME.escort].
hc_sc_escort_requested() {
  local sql="SELECT seq FROM hcbus.events WHERE kind = 'escort' AND sender = 'coordinator'
             AND subject = 'esc-${HC_SC_SEQ[$1]}'"
  hc_wait_for "the coordinator's escort request for $1" 20 hc_sql_at_least "SELECT count(*) FROM ($sql) e" 1
  HC_SC_SEQ[$1.escort]=$(hc_psql "$sql")
}

hc_sc_subscriber() {   # NAME WHO COUNT PREFIX...
  local name=$1 who=$2 count=$3
  shift 3
  hc_start_bg "$name" "$HC_PROBE" subscribe --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
    --key "$(hc_key "$who")" --count "$count" --timeout-ms 30000 "$@"
  hc_wait_for "$name subscribed" 20 hc_lines_at_least "$HC_WORK/$name.log" '^subscribed ' 1
}

# The quarter (El Salvador time, -06:00 all year) holding the scenario's first and last
# receipt, as --from/--to values: its first and last day (a date alone in --to runs to
# the end of that day).
hc_sc_quarter() {
  local first last
  first=$(hc_psql "SELECT to_char(date_trunc('quarter', min(received_at) AT TIME ZONE '-06:00'::interval), 'YYYY-MM-DD') FROM hcbus.events")
  last=$(hc_psql "SELECT to_char(date_trunc('quarter', max(received_at) AT TIME ZONE '-06:00'::interval) + interval '3 months' - interval '1 day', 'YYYY-MM-DD') FROM hcbus.events")
  HC_SC_FROM=$first
  HC_SC_TO=$last
}

hc_sc_setup() {
  export HC_COORD_SKEW_S=${HC_COORD_SKEW_S:-7200}
  hc_bus_setup
  "$HC_PROBE" keygen "$HC_WORK/keys" cruz-roja || hc_fail "keygen cruz-roja"
  sed -i '$d' "$HC_WORK/hcbus.conf"   # the closing ");" of institutions
  cat >>"$HC_WORK/hcbus.conf" <<'CONF'
  , { id = "cruz-roja"; name = "Cruz Roja Salvadorena"; roles = ["health_provider"]; public_key_files = ["keys/cruz-roja.pub"]; }
);
CONF
  hc_bus_start
  hc_coordinator_start
  hc_coordinator_wait_caught_up
}

hc_sc_zones() {
  hc_sc_pub z1 minsal '{"msg_id": "z1", "zone": {"zone_id": "'$HC_SC_SOYAPANGO'", "level": "red", "valid_from_us": "now",
    "reason": "balacera en la colonia Las Margaritas", "access": {"escort_required": true, "contact": "PNC Soyapango, radio 4"}}}'
  hc_sc_pub z2 minsal '{"msg_id": "z2", "zone": {"zone_id": "'$HC_SC_SAN_MIGUEL'", "level": "orange", "valid_from_us": "now",
    "reason": "amenazas a tripulaciones de ambulancia", "access": {"escort_required": true}}}'
  hc_sc_pub z3 minsal '{"msg_id": "z3", "zone": {"zone_id": "'$HC_SC_SANTA_TECLA'", "level": "yellow", "valid_from_us": "now",
    "reason": "robos en la carretera al puerto"}}'
  hc_sc_refused pnc '{"msg_id": "r1", "zone": {"zone_id": "'$HC_SC_SOYAPANGO'", "level": "green", "valid_from_us": "now"}}' \
    unauthorized
}

hc_sc_alerts() {
  hc_sc_alert al1 sem sm-al-1 "$HC_SC_SAN_MIGUEL" threat personnel high "tripulacion amenazada con arma de fuego"
  hc_sc_alert al2 cruz-roja sm-al-2 "$HC_SC_CHIRILAGUA" threat personnel high "amenaza de muerte a socorristas"
  hc_sc_alert al3 hotline sm-al-3 "$HC_SC_CIUDAD_BARRIOS" threat personnel moderate \
    "enfermera amenazada al salir de la unidad de salud" '"anonymous": true'
  hc_sc_alert al4 sem sm-al-4 "$HC_SC_SAN_MIGUEL" intimidation personnel moderate "vigilancia de la ambulancia en la colonia"
  hc_sc_alert al5 cruz-roja sm-al-5 "$HC_SC_CHINAMECA" threat facility moderate "amenaza escrita en el puesto de socorro"
  hc_sc_alert al6 sem pa-al-6 "$HC_SC_TEPEZONTES" threat personnel moderate "tripulacion amenazada en San Miguel Tepezontes"
  hc_sc_alert al7 pnc ss-al-7 "$HC_SC_SOYAPANGO" obstruction_of_access vehicle moderate "barricada en la entrada de la colonia"
  hc_sc_alert al8 sem sa-al-8 "$HC_SC_SANTA_ANA" robbery vehicle high "robo de la ambulancia amb-31 a mano armada"
  hc_sc_alert al9 cruz-roja li-al-9 "$HC_SC_SANTA_TECLA" injuring personnel high "socorrista herido por pedrada" \
    '"casualties": {"injured": 1}'
  hc_sc_refused sem '{"msg_id": "r2", "alert": {"alert_id": "ss-al-x", "zone_id": "'$HC_SC_MEJICANOS'", "act": "threat",
    "target": "personnel", "severity": "low", "anonymous": true}}' invalid_field
}

hc_sc_dispatches() {
  local hospital='"destination_facility": "Hospital Nacional Rosales"'
  # SS-1, San Salvador (GREEN): the whole call; response 14m30s.
  hc_sc_dispatch d1 SS-1 "$HC_SC_SAN_SALVADOR"
  hc_sc_status d1-acc sem SS-1 "$HC_SC_SAN_SALVADOR" accepted 1
  hc_sc_status d1-enr sem SS-1 "$HC_SC_SAN_SALVADOR" en_route 2
  hc_sc_status d1-ons sem SS-1 "$HC_SC_SAN_SALVADOR" on_scene 14.5
  hc_sc_status d1-tra sem SS-1 "$HC_SC_SAN_SALVADOR" transporting 30 "$hospital"
  hc_sc_status d1-fac sem SS-1 "$HC_SC_SAN_SALVADOR" at_facility 45 "$hospital"
  hc_sc_status d1-clo sem SS-1 "$HC_SC_SAN_SALVADOR" closed 60
  # SS-2, Soyapango (RED): the coordinator asks the escort, the police assign it.
  hc_sc_dispatch d2 SS-2 "$HC_SC_SOYAPANGO"
  hc_sc_escort_requested d2
  local esc2="esc-${HC_SC_SEQ[d2]}"
  hc_sc_status d2-acc sem SS-2 "$HC_SC_SOYAPANGO" accepted 1
  hc_sc_escort_status d2-esc pnc "$esc2" SS-2 "$HC_SC_SOYAPANGO" assigned 3 \
    '"police_unit": "PNC-S-07", "meeting_point": {"address": "Redondel Unicentro, Soyapango"}'
  hc_sc_status d2-enr sem SS-2 "$HC_SC_SOYAPANGO" en_route 4
  hc_sc_status d2-ons sem SS-2 "$HC_SC_SOYAPANGO" on_scene 20
  hc_sc_escort_status d2-edone pnc "$esc2" SS-2 "$HC_SC_SOYAPANGO" completed 50
  hc_sc_status d2-clo sem SS-2 "$HC_SC_SOYAPANGO" closed 55
  # SS-3, Mejicanos (GREEN): a closure right after acceptance, refused; response 10m.
  hc_sc_dispatch d3 SS-3 "$HC_SC_MEJICANOS"
  hc_sc_status d3-acc sem SS-3 "$HC_SC_MEJICANOS" accepted 1
  hc_sc_status d3-bad sem SS-3 "$HC_SC_MEJICANOS" closed 2
  hc_sc_status d3-enr sem SS-3 "$HC_SC_MEJICANOS" en_route 3
  hc_sc_status d3-ons sem SS-3 "$HC_SC_MEJICANOS" on_scene 10
  hc_sc_status d3-clo sem SS-3 "$HC_SC_MEJICANOS" closed 25
  # SM-1, San Miguel (ORANGE): SEM waives the escort; response 25m.
  hc_sc_dispatch d4 SM-1 "$HC_SC_SAN_MIGUEL"
  hc_sc_escort_requested d4
  hc_sc_status d4-acc sem SM-1 "$HC_SC_SAN_MIGUEL" accepted 1
  hc_sc_escort_status d4-waive sem "esc-${HC_SC_SEQ[d4]}" SM-1 "$HC_SC_SAN_MIGUEL" waived 2 \
    '"reason": "paciente trasladado a la entrada de la colonia por familiares"'
  hc_sc_status d4-enr sem SM-1 "$HC_SC_SAN_MIGUEL" en_route 4
  hc_sc_status d4-ons sem SM-1 "$HC_SC_SAN_MIGUEL" on_scene 25
  hc_sc_status d4-clo sem SM-1 "$HC_SC_SAN_MIGUEL" closed 50
  # SA-1, Santa Ana: cancelled.
  hc_sc_dispatch d5 SA-1 "$HC_SC_SANTA_ANA"
  hc_sc_status d5-acc sem SA-1 "$HC_SC_SANTA_ANA" accepted 1
  hc_sc_status d5-can sem SA-1 "$HC_SC_SANTA_ANA" cancelled 5 '"reason": "paciente trasladado por sus propios medios"'
  # LI-1, Santa Tecla (YELLOW): the Red Cross takes it; response 8m.
  hc_sc_dispatch d6 LI-1 "$HC_SC_SANTA_TECLA"
  hc_sc_status d6-acc cruz-roja LI-1 "$HC_SC_SANTA_TECLA" accepted 1
  hc_sc_status d6-enr cruz-roja LI-1 "$HC_SC_SANTA_TECLA" en_route 2
  hc_sc_status d6-ons cruz-roja LI-1 "$HC_SC_SANTA_TECLA" on_scene 8
  hc_sc_status d6-clo cruz-roja LI-1 "$HC_SC_SANTA_TECLA" closed 30
}

# Play the whole scenario on a fresh bus and wait until the coordinator answered every
# message and the live subscribers received what they should.
hc_scenario_play() {
  hc_sc_setup
  hc_sc_subscriber sub-pnc pnc 7 alert.sv.sm. escort.
  hc_sc_subscriber sub-minsal minsal 9 alert.
  hc_sc_zones
  hc_sc_alerts
  hc_sc_dispatches
  local notices
  notices=$(hc_scenario_expect kind.notice)
  hc_wait_for "the coordinator's $notices notices" 30 hc_sql_at_least \
    "SELECT count(*) FROM hcbus.events WHERE kind = 'notice'" "$notices"
  hc_wait_for "pnc's 7 deliveries" 30 hc_lines_at_least "$HC_WORK/sub-pnc.log" ' live ' 7
  hc_wait_for "minsal's 9 deliveries" 30 hc_lines_at_least "$HC_WORK/sub-minsal.log" ' live ' 9
  "$HC_BIN/tests/replay_probe" replay --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
    --key "$(hc_key facilitator)" --from 1 alert.sv.sm. >"$HC_WORK/replay-facilitator.log" 2>&1 ||
    hc_fail "the facilitator's replay: $(cat "$HC_WORK/replay-facilitator.log")"
  hc_assert_eq "done 5" "$(tail -n 1 "$HC_WORK/replay-facilitator.log")" "the facilitator replayed the 5 San Miguel alerts"
  hc_sc_quarter
}
