#!/usr/bin/env bash
# `hcbus audit who-knew` against what real subscribers received (docs/audit.md, "Who
# knew what, when"; decision 0016). Over the real bus (TCP), raw subscribers
# (session_probe: no replay of their own) each print every delivery they get:
#   pnc      alert.sv.ss.     sem   dispatch.     pncn  notice. (pnc: only notices naming it)
#   fac      notice. (the facilitator: every notice)    facd  dispatch. (facilitator: redacted)
#   early    alert.  (minsal), disconnects after the first half
# then pnc takes a snapshot of zone.sv.ss. (libhcbus subscriber) after a level is set there.
# A known set is published in two halves (alerts in sv.ss and elsewhere, dispatches with
# patient details, notices to sem, to pnc, to both); then minsal replays alert.sv.ss.
# For every seq published, the rows of `who-knew SEQ --csv` (institution, how, redacted)
# equal exactly the deliveries the processes printed: early is not listed for the second
# half, the replay is listed as replay, the snapshot as snapshot. who-knew REQUEST answers for each event of the
# request; the delivery records are append-only and read as the reviewer; a bad SEQ, an
# unknown request and usage errors have their exit codes.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"
source "$HC_SRC/tests/lib/messages.sh"
source "$HC_SRC/tests/lib/audit.sh"

SP="$HC_BIN/tests/session_probe"
RP="$HC_BIN/tests/replay_probe"
SS=sv.ss.san-salvador-este.soyapango
SM=sv.sm.san-miguel-centro.chirilagua

listen() { # NAME INSTITUTION PREFIX
  hc_start_bg "$1" "$SP" listen --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
    --key "$(hc_key "$2")" --subscribe "$3" --ping-ms 500 --until-file "$HC_WORK/$1.done" --timeout-ms 60000
  hc_wait_for "$1 subscribed" 15 grep -q '^subscribed' "$HC_WORK/$1.log"
  echo "$2" >"$HC_WORK/$1.institution"
}
stop_listener() { # NAME
  touch "$HC_WORK/$1.done"
  wait "$(hc_pid "$1")" || hc_fail "$1's listener did not finish: $(tail -3 "$HC_WORK/$1.log")"
}
alert() { # MSG_ID ZONE: prints the seq
  hc_msg_publish pnc '{"msg_id": "'"$1"'", "alert": {"alert_id": "'"$1"'", "zone_id": "'"$2"'",
    "target": "personnel", "act": "threat", "severity": "high", "description": "amenaza a la tripulacion"}}'
}
notice() { # MSG_ID RECIPIENTS (a,b): prints the seq
  local out
  out=$("$HC_BIN/tests/notice_probe" publish --endpoint "$HC_PUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
    --key "$(hc_key coordinator)" --msg-id "$1" --recipients "$2" --zone "$SS") || hc_fail "notice $1: $out"
  awk '$1 == "ack" {print $3}' <<<"$out"
}
# What the processes received: "SEQ INSTITUTION live|replay REDACTED(t/f)", sorted.
received() {
  local name
  for name in pnc sem pncn fac facd early; do
    awk -v who="$(cat "$HC_WORK/$name.institution")" \
      '$1 == "delivery" { print $2, who, "live", ($4 == 1 ? "t" : "f") }' "$HC_WORK/$name.log"
  done
  awk '$1 ~ /^[0-9]+$/ { print $1, "minsal", "replay", "f" }' "$HC_WORK/replay.out"
  awk '$2 == "snapshot" { print $1, "pnc", "snapshot", "f" }' "$HC_WORK/snapshot.out"
}
# who-knew's answer for SEQ in the same shape (CSV columns seq,kind,institution,how,
# received_from,received_by,redacted,...).
answered() {
  hc_audit who-knew "$1" --csv >"$HC_WORK/who.$1.csv" || hc_fail "who-knew $1 failed: $(cat "$HC_WORK/audit.err")"
  tail -n +2 "$HC_WORK/who.$1.csv" | awk -F, '{ r = ($7 == "true" || $7 == "t" || $7 == "yes") ? "t" : "f";
    print $1, $3, $4, r }' | sort
}

hc_bus_setup
hc_bus_start
hc_audit_allow

listen pnc pnc alert.sv.ss.
listen sem sem dispatch.
listen pncn pnc notice.
listen fac facilitator notice.
listen facd facilitator dispatch.
listen early minsal alert.

# ---- first half: everyone listening -------------------------------------------------
a1=$(alert a-1 "$SS")
a2=$(alert a-2 "$SM")
d1=$(hc_msg_publish sem "$(hc_msg_dispatch d-1 sem-1 "$SS")")
n1=$(notice n-1 sem)
n2=$(notice n-2 pnc)
hc_wait_for "pnc's alert" 15 hc_lines_at_least "$HC_WORK/pnc.log" "^delivery $a1 " 1
hc_wait_for "early's alerts" 15 hc_lines_at_least "$HC_WORK/early.log" "^delivery $a2 " 1
hc_wait_for "the facilitator's notices" 15 hc_lines_at_least "$HC_WORK/fac.log" "^delivery $n2 " 1
hc_wait_for "pnc's notice" 15 hc_lines_at_least "$HC_WORK/pncn.log" "^delivery $n2 " 1
hc_wait_for "the facilitator's dispatch" 15 hc_lines_at_least "$HC_WORK/facd.log" "^delivery $d1 " 1
hc_wait_for "sem's dispatch" 15 hc_lines_at_least "$HC_WORK/sem.log" "^delivery $d1 " 1
stop_listener early
# The broker has ended early's session (its connection closed) before the second half.
hc_wait_for "early's session recorded as ended" 15 hc_sql_at_least \
  "SELECT count(*) FROM hcbus.deliveries WHERE institution = 'minsal' AND action = 'subscribe_end'" 1

# ---- second half ----------------------------------------------------------------------
a3=$(alert a-3 "$SS")
n3=$(notice n-3 sem,pnc)
d2=$(hc_msg_publish sem "$(hc_msg_dispatch d-2 sem-1 "$SM")")
a4=$(alert a-4 "$SM")
hc_wait_for "pnc's second alert" 15 hc_lines_at_least "$HC_WORK/pnc.log" "^delivery $a3 " 1
hc_wait_for "pnc's second notice" 15 hc_lines_at_least "$HC_WORK/pncn.log" "^delivery $n3 " 1
hc_wait_for "the facilitator's third notice" 15 hc_lines_at_least "$HC_WORK/fac.log" "^delivery $n3 " 1
hc_wait_for "sem's second dispatch" 15 hc_lines_at_least "$HC_WORK/sem.log" "^delivery $d2 " 1
hc_wait_for "the facilitator's second dispatch" 15 hc_lines_at_least "$HC_WORK/facd.log" "^delivery $d2 " 1
for name in pnc sem pncn fac facd; do stop_listener "$name"; done

# ---- a zone level, then pnc's snapshot of it (its session starts after it) ------------
z1=$(hc_msg_publish minsal '{"msg_id": "z-1", "zone": {"zone_id": "'"$SS"'", "level": "red",
  "valid_from_us": "now", "reason": "balacera en la colonia"}}')
hc_probe subscribe --key "$(hc_key pnc)" --count 1 --snapshot zone.sv.ss. >"$HC_WORK/snapshot.out" ||
  hc_fail "pnc's snapshot: $(cat "$HC_WORK/snapshot.out")"
hc_assert_eq "$z1 snapshot" "$(awk 'NR == 2 {print $1, $2}' "$HC_WORK/snapshot.out")" \
  "pnc's snapshot of zone.sv.ss. holds the level"

# ---- a replay later -------------------------------------------------------------------
"$RP" replay --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key minsal)" \
  --from 1 alert.sv.ss. >"$HC_WORK/replay.out" || hc_fail "replay by minsal: $(cat "$HC_WORK/replay.out")"
hc_assert_eq "$a1 $a3" "$(awk '$1 ~ /^[0-9]+$/ {print $1}' "$HC_WORK/replay.out" | paste -sd' ')" \
  "minsal's replay of alert.sv.ss. holds the two alerts there"

# Every session's end and the replay page are recorded (they ride the link after).
hc_wait_for "seven session ends, the snapshot and the replay page recorded" 15 hc_sql_at_least \
  "SELECT count(*) FROM hcbus.deliveries WHERE action IN ('subscribe_end', 'replay', 'snapshot')" 9
hc_assert_eq "broker_start 1|replay 1|snapshot 1|subscribe_end 7|subscribe_start 7" \
  "$(hc_psql "SELECT action || ' ' || count(*) FROM hcbus.deliveries GROUP BY action ORDER BY action" | paste -sd'|')" \
  "one record per session start and end, one per replay or snapshot page, one broker start: no row per message"
hc_assert_eq "closed" "$(hc_psql "SELECT string_agg(DISTINCT ended, ',') FROM hcbus.deliveries WHERE ended IS NOT NULL")" \
  "every session ended with its connection"

# ---- the answer equals what each process received, seq by seq ------------------------
received | sort >"$HC_WORK/received.all"
for seq in $a1 $a2 $d1 $n1 $n2 $a3 $n3 $d2 $a4 $z1; do
  hc_assert_eq "$(awk -v s="$seq" '$1 == s' "$HC_WORK/received.all")" "$(answered "$seq")" \
    "who-knew $seq lists exactly who received it, how and whether redacted"
done
# The cases the test is about, spelled out (the loop above would pass on empty files).
hc_assert_contains "$(answered "$a1")" "$a1 minsal live f" "early (minsal) received a1 live"
hc_assert_contains "$(answered "$a1")" "$a1 minsal replay f" "minsal's later replay is listed as replay"
hc_assert_eq "" "$(answered "$a3" | grep 'minsal live' || true)" "early had left before a3: not listed live"
hc_assert_contains "$(answered "$d1")" "$d1 facilitator live t" "the facilitator got the dispatch redacted"
hc_assert_contains "$(answered "$d1")" "$d1 sem live f" "sem got it with the patient details"
hc_assert_eq "$n1 facilitator live f" "$(answered "$n1" | paste -sd'|')" \
  "a notice to sem (not subscribed to notice.): the facilitator only, not pnc's session on notice."
hc_assert_eq "$n2 facilitator live f|$n2 pnc live f" "$(answered "$n2" | paste -sd'|')" \
  "a notice to pnc: pnc and the facilitator"
hc_assert_eq "" "$(answered "$a4")" "nobody subscribed to alert.sv.sm. after early left: nobody knew a4"
hc_assert_eq "$z1 pnc snapshot f" "$(answered "$z1")" "the zone level reached pnc by its snapshot only"

# ---- by request, text and JSON ---------------------------------------------------------
hc_audit who-knew sem-1 --csv >"$HC_WORK/request.csv" || hc_fail "who-knew sem-1: $(cat "$HC_WORK/audit.err")"
hc_assert_eq "$d1 $d1 $d2 $d2" "$(tail -n +2 "$HC_WORK/request.csv" | cut -d, -f1 | paste -sd' ')" \
  "who-knew REQUEST answers for each event of the request (two dispatches, two recipients each)"
text=$(hc_audit who-knew "$a4")
hc_assert_contains "$text" "(nobody)" "text output says when nobody received an event"
json=$(hc_audit who-knew "$d1" --json)
hc_assert_eq "2" "$(jq -s 'length' <<<"$json")" "--json: one object per recipient"
hc_assert_eq "facilitator live true" \
  "$(jq -rs '.[] | select(.redacted) | "\(.institution) \(.how) \(.certain)"' <<<"$json")" \
  "--json: the redacted delivery, certain (its session's end is recorded)"

# ---- rights, append-only and errors ----------------------------------------------------
hc_assert_contains "$(hc_psql_error "DELETE FROM hcbus.deliveries")" "append-only" "deliveries are append-only"
hc_assert_contains "$(hc_psql_error "SET ROLE hcbus_reviewer; SELECT count(*) FROM hcbus.deliveries")" \
  "permission denied" "the reviewer reads the view, not the table"
hc_assert_eq "1" "$(hc_audit_rc who-knew 999999)" "an unknown seq: exit 1"
hc_assert_contains "$(cat "$HC_WORK/audit.err")" "999999" "the error names the seq"
hc_assert_eq "1" "$(hc_audit_rc who-knew no-such-request)" "an unknown request: exit 1"
hc_assert_eq "2" "$(hc_audit_rc who-knew)" "no argument: usage, exit 2"

hc_pass
