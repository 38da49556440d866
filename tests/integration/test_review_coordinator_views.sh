#!/usr/bin/env bash
# test_review_coordinator_views.sh — the reviewer views of deploy/sql/008 over events
# recorded through the real broker and auditd (TCP, private PostgreSQL), read as
# hcbus_reviewer. The "coordinator" institution (role coordinator) publishes the escort
# requests and notices by hand here, playing hcbus-coordinator, so that every verdict
# is one the test chose (test_coordinator_rules.sh runs the real service). Shows:
# - review.dispatch_times: the call-out times from the statuses' own times, exact to the
#   microsecond (turnout 3 min, travel 12, on scene 13, transport 15:30, response 16,
#   total 1 h); a refused status (2 h in the future, a second "closed") is left
#   out, a not-yet-checked one counts; the escort's request, assignment and wait;
# - a waiver recorded with its reason; an EN_ROUTE flagged escort_not_assigned;
#   waiting_for_escort before and after;
# - a duplicate request refused stays in the open request's timeline and is not a
#   request; a request id used again after cancellation is a new request; a status for
#   an unknown request is flagged and belongs to no request;
# - review.dispatch_timeline, escorts, notices, verdicts: flags, rules in words,
#   recipients; no patient detail anywhere; every column documented.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
source "$HC_SRC/tests/lib/bus.sh"
source "$HC_SRC/tests/lib/messages.sh"

ZONE=sv.ss.san-salvador-este.soyapango
CALM=sv.ss.san-salvador-centro.mejicanos
MIN=$HC_MINUTE_US

# The coordinator's escort request for the dispatch of seq N (ids as hcbus-coordinator's).
escort_json() {     # DISPATCH_SEQ REQUEST
  printf '{"msg_id": "c.e.%s", "escort": {"escort_id": "esc-%s", "request_id": "%s", "zone_id": "%s",
    "meeting_point": {"address": "Soyapango", "reference_point": "gasolinera de la entrada"},
    "reason": "zona en nivel rojo: se requiere escolta"}}' "$1" "$1" "$2" "$ZONE"
}

advisory_json() {   # DISPATCH_SEQ REQUEST
  printf '{"msg_id": "c.a.%s", "notice": {"notice_id": "c.a.%s", "zone_id": "%s", "kind": "escort_advisory",
    "recipients": ["sem"], "subject_seq": %s, "request_id": "%s", "escort_id": "esc-%s", "level": "red",
    "access": {"escort_required": true, "contact": "delegado PNC, radio 7"},
    "reason": "zona roja: esperar la escolta en la gasolinera"}}' "$1" "$1" "$ZONE" "$1" "$2" "$1"
}

verdict_json() {    # SUBJECT_SEQ KIND RECIPIENTS_JSON REQUEST ZONE [RULE REASON]
  printf '{"msg_id": "c.v.%s", "notice": {"notice_id": "c.v.%s", "zone_id": "%s", "kind": "%s",
    "recipients": %s, "subject_seq": %s, "subject_sender": "sem", "request_id": "%s"%s}}' \
    "$1" "$1" "$5" "$2" "$3" "$1" "$4" "${6:+, \"rule\": \"$6\", \"reason\": \"$7\"}"
}

checked() { hc_msg_publish coordinator "$(verdict_json "$1" checked '["sem"]' "$2" "${3:-$ZONE}" "${4:-}" "${5:-}")" >/dev/null; }
violation() { hc_msg_publish coordinator "$(verdict_json "$1" violation '["sem"]' "$2" "${5:-$ZONE}" "$3" "$4")" >/dev/null; }

hc_bus_setup
hc_bus_start

hc_msg_publish minsal '{"msg_id": "red-1", "zone": {"zone_id": "'$ZONE'", "level": "red", "valid_from_us": "now",
  "reason": "balacera en la colonia", "access": {"escort_required": true}}}' >/dev/null

# ---- request A: the whole call, escorted --------------------------------------------
a=$(hc_msg_publish sem "$(hc_msg_dispatch a-1 sem-a "$ZONE")")
t=$(hc_msg_received_us "$a")
e=$(hc_msg_publish coordinator "$(escort_json "$a" sem-a)")
hc_msg_publish coordinator "$(advisory_json "$a" sem-a)" >/dev/null
hc_assert_eq "t|t|esc-$a" "$(hc_review "SELECT escort_requested, waiting_for_escort, escort_id
                                     FROM review.dispatch_times WHERE request_id = 'sem-a'")" \
  "A waits for its escort once it is requested"

s=$(hc_msg_publish sem "$(hc_msg_status a-acc sem-a "$ZONE" accepted $((t + 1 * MIN)))"); checked "$s" sem-a
s=$(hc_msg_publish pnc "$(hc_msg_escort_status a-esc esc-$a sem-a "$ZONE" assigned $((t + 3 * MIN)) \
      '"police_unit": "PNC-511", "meeting_point": {"address": "gasolinera Puma, bulevar del Ejército"}')")
checked "$s" sem-a
s=$(hc_msg_publish sem "$(hc_msg_status a-enr sem-a "$ZONE" en_route $((t + 4 * MIN)))"); checked "$s" sem-a
s=$(hc_msg_publish sem "$(hc_msg_status a-ons sem-a "$ZONE" on_scene $((t + 16 * MIN)))"); checked "$s" sem-a
future=$(hc_msg_publish sem "$(hc_msg_status a-fut sem-a "$ZONE" closed $((t + 120 * MIN)))")
violation "$future" sem-a future_time "hora del estado 2 h después de su recepción"
s=$(hc_msg_publish sem "$(hc_msg_status a-tra sem-a "$ZONE" transporting $((t + 29 * MIN)) \
      '"destination_facility": "Hospital Nacional Rosales"')"); checked "$s" sem-a
unchecked=$(hc_msg_publish sem "$(hc_msg_status a-fac sem-a "$ZONE" at_facility $((t + 44 * MIN + 30000000)) \
      '"destination_facility": "Hospital Nacional Rosales"')")
s=$(hc_msg_publish pnc "$(hc_msg_escort_status a-done esc-$a sem-a "$ZONE" completed $((t + 50 * MIN)))"); checked "$s" sem-a
s=$(hc_msg_publish sem "$(hc_msg_status a-clo sem-a "$ZONE" closed $((t + 60 * MIN)))"); checked "$s" sem-a
twice=$(hc_msg_publish sem "$(hc_msg_status a-clo2 sem-a "$ZONE" closed $((t + 61 * MIN)))")
violation "$twice" sem-a transition 'estado \"cerrado\" rechazado: la solicitud sem-a ya está cerrada'

hc_assert_eq "closed|sem|amb-12|00:01:00|00:03:00|00:12:00|00:13:00|00:15:30|00:16:00|01:00:00|||2|1" \
  "$(hc_review "SELECT state, provider, unit_id, accepted - requested, turnout, travel_to_scene, on_scene_time,
                    transport, response, total, cancelled, aborted_security, refused_statuses, unchecked_statuses
             FROM review.dispatch_times WHERE request_id = 'sem-a'")" \
  "A's call-out times, exact, without the refused statuses (2 h ahead, closed twice)"
hc_assert_eq "$t|$((t + 4 * MIN))|$((t + 16 * MIN))|$((t + 29 * MIN))|$((t + 44 * MIN + 30000000))|$((t + 60 * MIN))" \
  "$(hc_review "SELECT concat_ws('|', (extract(epoch FROM requested) * 1000000)::bigint,
                    (extract(epoch FROM en_route) * 1000000)::bigint, (extract(epoch FROM on_scene) * 1000000)::bigint,
                    (extract(epoch FROM left_scene) * 1000000)::bigint, (extract(epoch FROM at_facility) * 1000000)::bigint,
                    (extract(epoch FROM back_in_service) * 1000000)::bigint)
             FROM review.dispatch_times WHERE request_id = 'sem-a'")" \
  "A's eTimes are the statuses' own times (requested: the dispatch's receipt)"
hc_assert_eq "t|esc-$a|f|f|t" \
  "$(hc_review "SELECT escort_requested, escort_id, waiting_for_escort, without_escort,
                    escort_assigned = requested + interval '3 min' AND escort_wait > interval '0'
                      AND escort_wait < interval '3 min' AND escort_requested_at > requested
             FROM review.dispatch_times WHERE request_id = 'sem-a'")" \
  "A's escort: requested after the dispatch, assigned 3 min after it, no longer waited for"
hc_assert_eq "esc-$a|sem-a|$a|coordinator|completed|f|pnc|PNC-511|gasolinera Puma, bulevar del Ejército|Soyapango (gasolinera de la entrada)|0|0" \
  "$(hc_review "SELECT escort_id, request_id, request_seq, requested_by, state, waiting, assigned_by, police_unit,
                    assigned_meeting_point, meeting_point, refused_answers, unchecked_answers
             FROM review.escorts WHERE seq = $e")" \
  "review.escorts: A's escort, who assigned it and where, completed"

# The timeline, step by step, with the verdicts.
hc_assert_eq "1|requested||||f
2|escort_requested||||f
3|accepted|counted|||f
4|escort_assigned|counted|||f
5|en_route|counted|||f
6|on_scene|counted|||f
7|closed|refused|future_time|its time is later than its arrival plus the allowed clock skew|t
8|transporting|counted|||f
9|at_facility||||f
10|escort_completed|counted|||f
11|closed|counted|||f
12|closed|refused|transition|this state cannot follow the current state|t" \
  "$(hc_review "SELECT step, state, verdict, rule, rule_text, flagged FROM review.dispatch_timeline
             WHERE request_id = 'sem-a' ORDER BY seq")" \
  "A's timeline: escort rows, each verdict, refused rows flagged with the rule in words"
hc_assert_eq 'estado "cerrado" rechazado: la solicitud sem-a ya está cerrada|PNC-511' \
  "$(hc_review "SELECT (SELECT verdict_reason FROM review.dispatch_timeline WHERE seq = $twice),
                    (SELECT police_unit FROM review.dispatch_timeline WHERE state = 'escort_assigned' AND request_id = 'sem-a')")" \
  "the timeline carries the coordinator's reason and the police unit"
hc_assert_eq "t|$((t + 120 * MIN))" \
  "$(hc_review "SELECT (SELECT verdict IS NULL FROM review.dispatch_timeline WHERE seq = $unchecked),
                    (extract(epoch FROM (SELECT at FROM review.dispatch_timeline WHERE seq = $future)) * 1000000)::bigint")" \
  "a status with no notice yet is not yet checked (verdict NULL, counted above); the refused one keeps its own time"

# ---- request B: the crew goes without escort, then the dispatch centre waives it ----
b=$(hc_msg_publish sem "$(hc_msg_dispatch b-1 sem-b "$ZONE")")
tb=$(hc_msg_received_us "$b")
hc_msg_publish coordinator "$(escort_json "$b" sem-b)" >/dev/null
hc_msg_publish coordinator "$(advisory_json "$b" sem-b)" >/dev/null
s=$(hc_msg_publish sem "$(hc_msg_status b-acc sem-b "$ZONE" accepted $((tb + 1 * MIN)))"); checked "$s" sem-b
s=$(hc_msg_publish sem "$(hc_msg_status b-enr sem-b "$ZONE" en_route $((tb + 2 * MIN)))")
checked "$s" sem-b "$ZONE" escort_not_assigned "en camino sin escolta asignada ni dispensada"
hc_assert_eq "t|t|counted|escort_not_assigned|t" \
  "$(hc_review "SELECT d.waiting_for_escort, d.without_escort, t.verdict, t.rule, t.flagged
             FROM review.dispatch_times d JOIN review.dispatch_timeline t ON t.request_seq = d.seq AND t.seq = $s
             WHERE d.request_id = 'sem-b'")" \
  "B went en route while waiting for escort: counted, flagged escort_not_assigned"
s=$(hc_msg_publish sem "$(hc_msg_escort_status b-waive esc-$b sem-b "$ZONE" waived $((tb + 3 * MIN)) \
      '"reason": "paciente ya en la entrada de la colonia, sin presencia de pandillas"')")
checked "$s" sem-b
s=$(hc_msg_publish sem "$(hc_msg_status b-can sem-b "$ZONE" cancelled $((tb + 10 * MIN)) '"reason": "trasladado por familiares"')")
checked "$s" sem-b
hc_assert_eq "cancelled|f|t|00:03:00|paciente ya en la entrada de la colonia, sin presencia de pandillas|00:10:00|00:10:00" \
  "$(hc_review "SELECT state, waiting_for_escort, without_escort, escort_waived - requested, escort_waiver_reason,
                    cancelled - requested, total
             FROM review.dispatch_times WHERE request_id = 'sem-b'")" \
  "B: the waiver with its reason ends the wait; a cancelled call's total runs to the cancellation"
hc_assert_eq "waived|f|sem|paciente ya en la entrada de la colonia, sin presencia de pandillas" \
  "$(hc_review "SELECT state, waiting, waived_by, waiver_reason FROM review.escorts WHERE request_id = 'sem-b'")" \
  "review.escorts: B's escort waived by the dispatch centre, with its reason"

# ---- request C: a duplicate, a request id used again, an unknown request -------------
c1=$(hc_msg_publish sem "$(hc_msg_dispatch c-1 sem-c "$CALM")")
c2=$(hc_msg_publish sem "$(hc_msg_dispatch c-2 sem-c "$CALM")")
violation "$c2" sem-c duplicate_request "la solicitud sem-c ya está abierta" "$CALM"
s=$(hc_msg_publish sem "$(hc_msg_status c-can sem-c "$CALM" cancelled "\"now\"" '"reason": "llamada falsa"')")
checked "$s" sem-c "$CALM"
c3=$(hc_msg_publish sem "$(hc_msg_dispatch c-3 sem-c "$CALM")")
s=$(hc_msg_publish sem "$(hc_msg_status c-acc sem-c "$CALM" accepted "\"now\"")"); checked "$s" sem-c "$CALM"
nope=$(hc_msg_publish sem "$(hc_msg_status nope SEM-9999-NOPE "$CALM" en_route "\"now\"")")
violation "$nope" SEM-9999-NOPE unknown_request "la solicitud SEM-9999-NOPE no existe" "$CALM"

hc_assert_eq "$c1|cancelled|f
$c3|accepted|f" \
  "$(hc_review "SELECT seq, state, escort_requested FROM review.dispatch_times WHERE request_id = 'sem-c' ORDER BY seq")" \
  "C: the refused duplicate is not a request; the id used again after cancelling is a new one"
hc_assert_eq "$c1|1|requested|
$c1|2|requested|duplicate_request
$c1|3|cancelled|
$c3|1|requested|
$c3|2|accepted|" \
  "$(hc_review "SELECT request_seq, step, state, rule FROM review.dispatch_timeline WHERE request_id = 'sem-c' ORDER BY seq")" \
  "C's timelines: the duplicate flagged in the open request's, the new request numbered from 1"
hc_assert_eq "|refused|unknown_request|t|0" \
  "$(hc_review "SELECT request_seq, verdict, rule, flagged,
                    (SELECT count(*) FROM review.dispatch_times WHERE request_id = 'SEM-9999-NOPE')
             FROM review.dispatch_timeline WHERE seq = $nope")" \
  "a status for an unknown request is flagged and belongs to no request"

# ---- notices and verdicts ------------------------------------------------------------
hc_assert_eq "escort_advisory|{sem}|red|sem-a|esc-$a|dispatch|sem|t||" \
  "$(hc_review "SELECT kind, recipients, level, request_id, escort_id, subject_kind, subject_sender,
                    (access->>'escort_required')::boolean, rule, rule_text
             FROM review.notices WHERE notice_id = 'c.a.$a'")" \
  "review.notices: the advisory, who it was for, the zone's level and access"
hc_assert_eq "violation|transition|this state cannot follow the current state|{sem}|$twice|status|coordinator" \
  "$(hc_review "SELECT kind, rule, rule_text, recipients, subject_seq, subject_kind, sender
             FROM review.notices WHERE notice_id = 'c.v.$twice'")" \
  "review.notices: a violation with its rule in words and the status it judged"
hc_assert_eq "$future $twice $c2 $nope" \
  "$(hc_review "SELECT string_agg(v.subject_seq::text, ' ' ORDER BY v.subject_seq) FROM review.verdicts v
             JOIN review.dispatch_timeline t ON t.seq = v.subject_seq AND t.flagged WHERE v.verdict = 'refused'")" \
  "review.verdicts: exactly the four refused (2 h ahead, closed twice, the duplicate, SEM-9999-NOPE), each flagged in a timeline"

# ---- the reviewer sees views only, no clinical detail, every column documented -------
for view in notices verdicts dispatch_steps dispatch_timeline escorts dispatch_times; do
  hc_psql "SET ROLE hcbus_reviewer; SELECT count(*) FROM review.$view" >/dev/null ||
    hc_fail "the reviewer cannot read review.$view"
done
err=$(hc_psql_error "SET ROLE hcbus_reviewer; SELECT count(*) FROM hcbus.events WHERE kind = 'notice'")
hc_assert_contains "$err" "permission denied" "the reviewer still cannot read hcbus.events"
hc_assert_eq "0" "$(hc_review "SELECT count(*) FROM review.dispatch_steps WHERE summary::text LIKE '%herida-de-bala-pierna%'
                              OR summary ? 'patient'")" "no patient detail in review.dispatch_steps"
hc_assert_eq "t" "$(hc_review "SELECT bool_and((summary->>'patient_redacted')::boolean) FROM review.dispatch_steps
                            WHERE kind = 'dispatch'")" "a dispatch says its patient details were withheld"
hc_assert_eq "" "$(hc_psql "SELECT string_agg(c.relname || '.' || a.attname, ', ')
                           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
                           WHERE n.nspname = 'review'
                             AND c.relname IN ('notices', 'verdicts', 'dispatch_steps', 'dispatch_timeline',
                                               'escorts', 'dispatch_times')
                             AND col_description(c.oid, a.attnum) IS NULL")" \
  "every column of the coordinator views is documented (COMMENT)"

hc_pass
