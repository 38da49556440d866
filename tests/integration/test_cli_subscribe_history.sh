#!/usr/bin/env bash
# `hcbus subscribe` history, areas and JSON (issue 17), at the real broker over TCP.
# - --from-seq N and --since TIME: the recorded messages from there (replayed), then
#   live ones published while the console runs, each once, in seq order (the seam has
#   no hole and no duplicate): checked against the log itself.
# - --zone sv.ss: every kind the institution may read in the area (a police console
#   gets alerts, escorts, zone levels and dispatches of sv.ss, nothing of sv.sa); an
#   institution that may not read some kinds is told which were left out; an unknown
#   zone is an error with the closest catalogue ids.
# - --json: patient details kept for a clinical institution (sem), never for police
#   (pnc: "patient_redacted", no "patient"); a location without coordinates has no
#   lat/lon (not 0,0), one with coordinates keeps them.
# - publish --json answers one JSON object per message: seq, refusal, bad line.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"

SOYAPANGO=sv.ss.san-salvador-este.soyapango
SANTA_ANA=sv.sa.santa-ana-centro.santa-ana
export HCBUS_ZONES="$HC_SRC/deploy/sv-districts.csv"
BKEY="$HC_WORK/keys/broker.pub"

cli() { # KEY ARGS...: the real CLI with the endpoints and keys filled in
  local key=$1 endpoint=$HC_SUB_ENDPOINT
  shift
  [ "$1" = publish ] && endpoint=$HC_PUB_ENDPOINT
  "$HC_CLI" "$@" --endpoint "$endpoint" --broker-key "$BKEY" --key "$(hc_key "$key")"
}
console() { # NAME KEY ARGS...: hcbus subscribe in the background, stdout NAME.out
  local name=$1 key=$2
  shift 2
  hc_start_bg "$name" bash -c 'exec "$0" "$@" >"$HC_WORK/'"$name"'.out"' "$HC_CLI" subscribe \
    --endpoint "$HC_SUB_ENDPOINT" --broker-key "$BKEY" --key "$(hc_key "$key")" --timeout-ms 60000 "$@"
  hc_wait_for "$name subscribed" 20 grep -q '^hcbus subscribe: subscribed to' "$HC_WORK/$name.log"
}
finished() { # NAME: wait for the console to exit 0
  wait "$(hc_pid "$1")" || hc_fail "$1 did not end well: $(tail -5 "$HC_WORK/$1.log")"
  unset "HC_PIDS[$1]"
}
publish() { # KEY KIND ZONE COUNT PREFIX
  hc_probe publish --key "$(hc_key "$1")" --kind "$2" --zone "$3" --count "$4" --msg-prefix "$5" >/dev/null ||
    hc_fail "publish $5"
}
printed_seqs() { sed -n 's/^#\([0-9]*\) .*/\1/p' "$HC_WORK/$1.out"; }
area_seqs() { # WHERE: the seqs of sv.ss's messages that match
  hc_psql "SELECT seq FROM hcbus.events WHERE topic ~ '^[a-z_]+\.sv\.ss\.' AND $1 ORDER BY seq"
}

hc_bus_setup
# An institution that reads zone levels, alerts and escorts but no dispatch or status.
"$HC_PROBE" keygen "$HC_WORK/keys" alcaldia || hc_fail "keygen alcaldia"
sed -i '/^institutions = (/a\
  { id = "alcaldia"; name = "Alcaldia"; roles = ["zone_authority"]; public_key_files = ["keys/alcaldia.pub"]; },' \
  "$HC_WORK/hcbus.conf"
hc_bus_start

publish minsal alert "$SOYAPANGO" 20 early
publish sem dispatch "$SOYAPANGO" 5 early-d
publish minsal alert "$SANTA_ANA" 5 elsewhere
publish minsal zone "$SOYAPANGO" 3 early-z

# ---- --from-seq: the log from there, then live ---------------------------------------
from=$(area_seqs true | sed -n 10p)
want=$(area_seqs "seq >= $from" | wc -l)
console from pnc --zone sv.ss --from-seq "$from" --count $((want + 6))
publish minsal alert "$SOYAPANGO" 3 during
publish minsal alert "$SANTA_ANA" 2 during-elsewhere
publish sem dispatch "$SOYAPANGO" 3 during-d
finished from
hc_assert_eq "$(area_seqs "seq >= $from")" "$(printed_seqs from)" "--from-seq $from: every sv.ss message from there, once, in order"
hc_assert_contains "$(cat "$HC_WORK/from.out")" "(replay)" "the first ones replayed"
hc_assert_eq 6 "$(grep -vc '(replay)' "$HC_WORK/from.out")" "the six published meanwhile came live, after the replay"

# ---- --since: from a recorded time, then live ----------------------------------------
since_seq=$(area_seqs true | sed -n 15p)
since=$(hc_psql "SELECT to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')
                 FROM hcbus.events WHERE seq = $since_seq")
want=$(hc_psql "SELECT count(*) FROM hcbus.events WHERE topic ~ '^[a-z_]+\.sv\.ss\.' AND received_at >= '$since'")
console since pnc --zone sv.ss --since "$since" --count $((want + 2))
publish minsal alert "$SOYAPANGO" 2 after-since
finished since
hc_assert_eq "$(hc_psql "SELECT seq FROM hcbus.events WHERE topic ~ '^[a-z_]+\.sv\.ss\.' AND received_at >= '$since' ORDER BY seq")" \
  "$(printed_seqs since)" "--since $since: every sv.ss message recorded from then, once, in order"
out=$(cli pnc subscribe --since yesterday alert. 2>&1) && hc_fail "--since yesterday accepted"
hc_assert_contains "$out" "is not a time" "a bad --since names the problem"

# ---- --zone: the kinds an institution may read; an unknown zone --------------------
console area alcaldia --zone sv.ss --count 2
hc_assert_contains "$(cat "$HC_WORK/area.log")" "may not read dispatch.sv.ss.: left out" "alcaldia is told dispatch is left out"
hc_assert_contains "$(cat "$HC_WORK/area.log")" "may not read status.sv.ss.: left out" "and status"
publish sem dispatch "$SOYAPANGO" 1 not-for-alcaldia
publish minsal alert "$SOYAPANGO" 2 for-alcaldia
finished area
hc_assert_eq 2 "$(grep -c ' alert\.sv\.ss\.' "$HC_WORK/area.out")" "alcaldia gets the alerts, not the dispatch"
RC=0
out=$(cli pnc subscribe --zone sv.ss.san-salvador-este.soyapang 2>&1) || RC=$?
hc_assert_eq 1 "$RC" "an unknown zone: exit 1"
hc_assert_contains "$out" "closest:" "an unknown zone gets the closest ids"
hc_assert_contains "$out" "$SOYAPANGO" "among them the zone meant"

# ---- --json: patient details for a clinical institution, never for police -----------
console clinical sem dispatch.sv.ss --json --count 2
console police pnc --zone sv.ss --json --count 2
cli sem publish dispatch --zone "$SOYAPANGO" --address "Calle 5, casa 12" --priority urgent --incident-type medical \
  --capability basic --patient-age-band adult --patient-sex female --patient-condition serious \
  --patient-complaint "dolor de pecho" --msg-id no-gps >/dev/null || hc_fail "dispatch without coordinates"
cli sem publish dispatch --zone "$SOYAPANGO" --lat 13.7105 --lon -89.1409 --priority routine --incident-type trauma \
  --capability basic --msg-id gps >/dev/null || hc_fail "dispatch with coordinates"
finished clinical
finished police
line=$(grep '"msg_id":"no-gps"' "$HC_WORK/clinical.out")
hc_assert_contains "$line" '"patient":{"age_band":"adult","sex":"female","condition":"serious","chief_complaint":"dolor de pecho"}' \
  "sem (clinical) gets the patient details in JSON"
[[ $line != *patient_redacted* ]] || hc_fail "sem's JSON says redacted: $line"
[[ $line != *'"lat"'* && $line != *'"lon"'* ]] || hc_fail "a location without coordinates has lat/lon: $line"
line=$(grep '"msg_id":"gps"' "$HC_WORK/clinical.out")
hc_assert_contains "$line" '"lat":13.71' "a location with coordinates keeps them"
line=$(grep '"msg_id":"no-gps"' "$HC_WORK/police.out")
hc_assert_contains "$line" '"patient_redacted":true' "police: patient details withheld"
hc_assert_contains "$line" '"redacted":true' "police: the delivery says redacted"
[[ $line != *'"patient":'* && $line != *'dolor'* ]] || hc_fail "police got patient details: $line"
hc_assert_contains "$(cat "$HC_WORK/police.out")" '{"event":"subscribed"' "a JSON subscribed event"

# ---- publish --json answers in JSON ---------------------------------------------------
out=$(printf '%s\n' '{"msg_id": "j-1", "alert": {"alert_id": "a-j1", "zone_id": "'$SOYAPANGO'", "act": "threat",
  "target": "personnel", "severity": "low"}}' | tr -d '\n' | cli minsal publish --json 2>/dev/null; echo)
seq=$(hc_psql "SELECT seq FROM hcbus.events WHERE msg_id = 'j-1'")
hc_assert_eq "{\"msg_id\":\"j-1\",\"seq\":$seq,\"duplicate\":false}" "$(head -1 <<<"$out")" "publish --json: a JSON answer"
RC=0
out=$(printf '%s\n' 'not json' '{"msg_id": "j-2", "zone": {"zone_id": "'$SOYAPANGO'", "level": "red", "access": {"escort_required": true}, "valid_from_us": "now"}}' |
  cli pnc publish --json 2>/dev/null) || RC=$?
hc_assert_eq 1 "$RC" "a bad line and a refusal: exit 1"
hc_assert_contains "$out" '{"line":1,"error":{"code":' "a bad line is answered with its line number"
hc_assert_contains "$out" '{"msg_id":"j-2","error":{"code":"unauthorized"' "a refusal is answered with its code"
hc_pass
