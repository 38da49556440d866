#!/usr/bin/env bash
# test_coordinator_rules.sh — issue 13's scenarios with the real broker, auditd,
# hcbus-coordinator and PostgreSQL over TCP, checked in the audit log and through the
# reviewer views (as hcbus_reviewer):
# - a RED zone and a dispatch into it: the coordinator's EscortRequest on escort.<zone>
#   (esc-<seq>, the zone's meeting point) and its advisory to the dispatch centre; the
#   request waits for escort; the police's ASSIGNED clears the wait;
# - a crew en route with no escort is counted but flagged escort_not_assigned; the
#   dispatch centre's WAIVED is recorded with its reason; the police cannot waive;
# - a level valid for a few seconds expires: the coordinator publishes the revert
#   (default level, valid from the expiry, c.z.<seq>) and the zone snapshot holds it;
# - each invalid status of the issue (unknown request SEM-9999-NOPE, another zone, 37
#   minutes in the future, closed twice) gets a VIOLATION notice with its rule and is
#   flagged in the timeline; the call-out times leave them out and are exact;
# - a request not accepted in time raises OVERDUE_ACCEPT exactly once, also across a
#   kill -9 and restart of the coordinator;
# - a security alert asks the zone authority to review the level.
# Prints the verdict latency (status received -> notice received) it saw.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
source "$HC_SRC/tests/lib/bus.sh"
source "$HC_SRC/tests/lib/messages.sh"

ZONE=sv.ss.san-salvador-este.soyapango     # RED in this test
CALM=sv.ss.san-salvador-centro.mejicanos   # never set: GREEN
BRIEF=sv.ss.san-salvador-este.ilopango     # ORANGE for a few seconds
MIN=$HC_MINUTE_US
WAIT_S=20
# A status may be dated up to 30 min past its receipt (so a call's times can be minutes
# apart; 37 min is still refused); a request must be accepted within 3 s.
export HC_COORD_SKEW_S=1800 HC_COORD_ACCEPT_S=3 HC_COORD_ON_SCENE_S=3600 HC_COORD_ESCORT_S=3600

# Conditions for hc_wait_for.
sql_is() { [ "$(hc_review "$1" 2>/dev/null)" = "$2" ]; }
has_verdict() { sql_is "SELECT count(*) FROM review.verdicts WHERE subject_seq = $1" 1; }

# verdict SEQ: wait for the coordinator's verdict on seq SEQ; print "verdict|rule".
verdict() {
  hc_wait_for "the coordinator's verdict on seq $1" "$WAIT_S" has_verdict "$1"
  hc_review "SELECT verdict || '|' || coalesce(rule, '') FROM review.verdicts WHERE subject_seq = $1"
}

hc_bus_setup
hc_bus_start
hc_coordinator_start
hc_coordinator_wait_caught_up

# ---- the escort rule ----------------------------------------------------------------
hc_msg_publish minsal '{"msg_id": "red-1", "zone": {"zone_id": "'$ZONE'", "level": "red", "valid_from_us": "now",
  "reason": "enfrentamiento armado en la colonia",
  "access": {"allowed_from_hour": 6, "allowed_until_hour": 18, "contact": "delegado PNC Soyapango, radio 7",
             "entry_instructions": "entrar por el bulevar del Ejército",
             "meeting_point": {"address": "Gasolinera Puma, bulevar del Ejército", "reference_point": "frente a Unicentro"}}}}' >/dev/null
a=$(hc_msg_publish sem "$(hc_msg_dispatch a-1 sem-a "$ZONE")")
t=$(hc_msg_received_us "$a")
hc_wait_for "the coordinator's escort request for sem-a" "$WAIT_S" \
  sql_is "SELECT count(*) FROM review.escorts WHERE escort_id = 'esc-$a'" 1
hc_wait_for "the coordinator's advisory for sem-a" "$WAIT_S" \
  sql_is "SELECT count(*) FROM review.notices WHERE notice_id = 'c.a.$a'" 1
hc_assert_eq "coordinator|c.e.$a|escort.$ZONE|sem-a|Gasolinera Puma, bulevar del Ejército (frente a Unicentro)" \
  "$(hc_psql "SELECT sender, msg_id, topic, summary->>'request_id',
                     concat(summary->'meeting_point'->>'address', ' (', summary->'meeting_point'->>'reference_point', ')')
              FROM hcbus.events WHERE kind = 'escort' AND subject = 'esc-$a'")" \
  "a dispatch into a RED zone: the coordinator's EscortRequest on escort.<zone>, at the zone's meeting point"
hc_assert_eq "escort_advisory|{sem}|red|sem-a|esc-$a|delegado PNC Soyapango, radio 7|t" \
  "$(hc_review "SELECT kind, recipients, level, request_id, escort_id, access->>'contact', reason <> ''
                FROM review.notices WHERE notice_id = 'c.a.$a'")" \
  "the advisory goes to the dispatch centre with the level, the access conditions and a reason"
hc_assert_eq "t|t|waiting" \
  "$(hc_review "SELECT d.waiting_for_escort, x.waiting, x.state FROM review.dispatch_times d
                JOIN review.escorts x ON x.request_seq = d.seq WHERE d.request_id = 'sem-a'")" \
  "sem-a waits for its escort"

s=$(hc_msg_publish pnc "$(hc_msg_escort_status a-esc "esc-$a" sem-a "$ZONE" assigned '"now"' \
      '"police_unit": "PNC-511", "meeting_point": {"address": "Gasolinera Puma, bulevar del Ejército"}')")
hc_assert_eq "counted|" "$(verdict "$s")" "the police's ASSIGNED is checked and counts"
hc_assert_eq "f|assigned|pnc|PNC-511" \
  "$(hc_review "SELECT d.waiting_for_escort, x.state, x.assigned_by, x.police_unit FROM review.dispatch_times d
                JOIN review.escorts x ON x.request_seq = d.seq WHERE d.request_id = 'sem-a'")" \
  "ASSIGNED clears the wait"

# sem-a's call, each status dated by the crew (minutes after the dispatch's receipt).
s=$(hc_msg_publish sem "$(hc_msg_status a-acc sem-a "$ZONE" accepted $((t + 1 * MIN)))")
hc_assert_eq "counted|" "$(verdict "$s")" "ACCEPTED counts"
s=$(hc_msg_publish sem "$(hc_msg_status a-enr sem-a "$ZONE" en_route $((t + 3 * MIN)))")
hc_assert_eq "counted|" "$(verdict "$s")" "EN_ROUTE with the escort assigned counts, unflagged"

# ---- each invalid status of the issue: recorded, answered VIOLATION, flagged ----------
nope=$(hc_msg_publish sem "$(hc_msg_status nope SEM-9999-NOPE "$ZONE" en_route '"now"')")
hc_assert_eq "refused|unknown_request" "$(verdict "$nope")" "a status for SEM-9999-NOPE: UNKNOWN_REQUEST"
other=$(hc_msg_publish sem "$(hc_msg_status a-other sem-a "$CALM" on_scene $((t + 10 * MIN)))")
hc_assert_eq "refused|zone_mismatch" "$(verdict "$other")" "a status naming another zone: ZONE_MISMATCH"
ahead=$(hc_msg_publish sem "$(hc_msg_status a-ahead sem-a "$ZONE" on_scene '"now+37m"')")
hc_assert_eq "refused|future_time" "$(verdict "$ahead")" "a status dated 37 minutes ahead: FUTURE_TIME"
s=$(hc_msg_publish sem "$(hc_msg_status a-ons sem-a "$ZONE" on_scene $((t + 14 * MIN)))")
hc_assert_eq "counted|" "$(verdict "$s")" "the real ON_SCENE counts"
s=$(hc_msg_publish sem "$(hc_msg_status a-clo sem-a "$ZONE" closed $((t + 25 * MIN)))")
hc_assert_eq "counted|" "$(verdict "$s")" "the first CLOSED counts"
twice=$(hc_msg_publish sem "$(hc_msg_status a-clo2 sem-a "$ZONE" closed $((t + 26 * MIN)))")
hc_assert_eq "refused|transition" "$(verdict "$twice")" "closed twice: TRANSITION"

hc_assert_eq "{sem}|status|sem|t" \
  "$(hc_review "SELECT recipients, subject_kind, subject_sender, reason LIKE '%sem-a%'
                FROM review.notices WHERE notice_id = 'c.v.$twice'")" \
  "the violation goes to its sender, names the status and gives a reason naming the request"
hc_assert_eq "$nope|t|refused|unknown_request
$other|t|refused|zone_mismatch
$ahead|t|refused|future_time
$twice|t|refused|transition" \
  "$(hc_review "SELECT seq, flagged, verdict, rule FROM review.dispatch_timeline
                WHERE seq IN ($nope, $other, $ahead, $twice) ORDER BY seq")" \
  "the four are flagged in the timelines, with their rules"
hc_assert_eq "closed|sem|00:02:00|00:11:00|00:14:00|00:25:00|2" \
  "$(hc_review "SELECT state, provider, turnout, travel_to_scene, response, total, refused_statuses
                FROM review.dispatch_times WHERE request_id = 'sem-a'")" \
  "sem-a's call-out times are exact and leave out the refused statuses (37 min ahead, closed twice)"

# ---- going without escort, and the dispatch centre's waiver --------------------------
b=$(hc_msg_publish sem "$(hc_msg_dispatch b-1 sem-b "$ZONE")")
hc_wait_for "the coordinator's escort request for sem-b" "$WAIT_S" \
  sql_is "SELECT count(*) FROM review.escorts WHERE escort_id = 'esc-$b'" 1
s=$(hc_msg_publish sem "$(hc_msg_status b-acc sem-b "$ZONE" accepted '"now"')")
hc_assert_eq "counted|" "$(verdict "$s")" "sem-b accepted"
s=$(hc_msg_publish sem "$(hc_msg_status b-enr sem-b "$ZONE" en_route '"now"')")
hc_assert_eq "counted|escort_not_assigned" "$(verdict "$s")" \
  "EN_ROUTE while waiting for escort counts, flagged ESCORT_NOT_ASSIGNED"
s=$(hc_msg_publish pnc "$(hc_msg_escort_status b-pnc "esc-$b" sem-b "$ZONE" waived '"now"' '"reason": "no hay patrullas"')")
hc_assert_eq "refused|not_involved" "$(verdict "$s")" "the police cannot waive the escort: NOT_INVOLVED"
s=$(hc_msg_publish sem "$(hc_msg_escort_status b-waive "esc-$b" sem-b "$ZONE" waived '"now"' \
      '"reason": "paciente ya en la entrada de la colonia"')")
hc_assert_eq "counted|" "$(verdict "$s")" "the dispatch centre's WAIVED counts"
hc_assert_eq "waived|f|sem|paciente ya en la entrada de la colonia|1" \
  "$(hc_review "SELECT state, waiting, waived_by, waiver_reason, refused_answers FROM review.escorts
                WHERE escort_id = 'esc-$b'")" \
  "the override is recorded with its reason; the police's attempt is refused"
hc_assert_eq "f|t|paciente ya en la entrada de la colonia" \
  "$(hc_review "SELECT waiting_for_escort, without_escort, escort_waiver_reason FROM review.dispatch_times
                WHERE request_id = 'sem-b'")" \
  "sem-b no longer waits, and shows it went without escort"

# ---- a level that expires -------------------------------------------------------------
brief=$(hc_msg_publish minsal '{"msg_id": "orange-1", "zone": {"zone_id": "'$BRIEF'", "level": "orange",
  "valid_from_us": "now", "valid_until_us": "now+3s", "reason": "operativo policial"}}')
until_us=$(hc_psql "SELECT (extract(epoch FROM valid_until) * 1000000)::bigint FROM review.zone_history WHERE seq = $brief")
hc_wait_for "the coordinator's revert of $BRIEF" "$WAIT_S" \
  sql_is "SELECT count(*) FROM review.zone_history WHERE zone_id = '$BRIEF' AND sender = 'coordinator'" 1
hc_assert_eq "green|$until_us|t|c.z.$brief" \
  "$(hc_psql "SELECT h.level, (extract(epoch FROM h.valid_from) * 1000000)::bigint, h.reason LIKE 'vencido%', e.msg_id
              FROM review.zone_history h JOIN hcbus.events e USING (seq)
              WHERE h.zone_id = '$BRIEF' AND h.sender = 'coordinator'")" \
  "the expired level reverts to the default, valid from the expiry, with its deterministic id"
hc_probe subscribe --key "$(hc_key pnc)" --snapshot --count 1 --timeout-ms 10000 "zone.$BRIEF" \
  >"$HC_WORK/snapshot.out" 2>&1 || hc_fail "no zone snapshot: $(cat "$HC_WORK/snapshot.out")"
hc_assert_contains "$(cat "$HC_WORK/snapshot.out")" "snapshot zone.$BRIEF c.z.$brief coordinator" \
  "the zone snapshot holds the revert"

# ---- overdue: not accepted within 3 s, raised exactly once ----------------------------
d=$(hc_msg_publish sem "$(hc_msg_dispatch d-1 sem-d "$CALM")")
hc_wait_for "OVERDUE_ACCEPT for sem-d" "$WAIT_S" \
  sql_is "SELECT count(*) FROM review.notices WHERE notice_id = 'c.o.$d.8'" 1
hc_assert_eq "overdue|overdue_accept|{sem}|sem-d|t" \
  "$(hc_review "SELECT n.kind, n.rule, n.recipients, n.request_id, n.deadline = d.requested + interval '3 s'
                FROM review.notices n JOIN review.dispatch_times d ON d.request_id = n.request_id
                WHERE n.notice_id = 'c.o.$d.8'")" \
  "OVERDUE_ACCEPT to the dispatch centre, due 3 s after the request was recorded"
s=$(hc_msg_publish sem "$(hc_msg_status d-acc sem-d "$CALM" accepted '"now"')")
hc_assert_eq "counted|" "$(verdict "$s")" "a late ACCEPTED still counts"
hc_coordinator_kill9
hc_coordinator_start
hc_coordinator_wait_caught_up
s=$(hc_msg_publish sem "$(hc_msg_status d-enr sem-d "$CALM" en_route '"now"')")
hc_assert_eq "counted|" "$(verdict "$s")" "the restarted coordinator answers"
hc_assert_eq "1" "$(hc_review "SELECT count(*) FROM review.notices WHERE request_id = 'sem-d' AND kind = 'overdue'")" \
  "the overdue notice was raised exactly once, also across a kill -9 and restart"

# ---- a security alert: the zone authority is asked to review the level ---------------
hc_probe publish --key "$(hc_key webform)" --kind alert --zone "$ZONE" --count 1 --msg-prefix alert \
  >"$HC_WORK/alert.out" 2>&1 || hc_fail "the alert was not recorded: $(cat "$HC_WORK/alert.out")"
alert=$(awk '$1 == "ack" { print $3 }' "$HC_WORK/alert.out")
hc_wait_for "LEVEL_REVIEW after the alert" "$WAIT_S" \
  sql_is "SELECT count(*) FROM review.notices WHERE notice_id = 'c.r.$alert'" 1
hc_assert_eq "level_review|{minsal}|1|red" \
  "$(hc_review "SELECT kind, recipients, alert_count, level FROM review.notices WHERE notice_id = 'c.r.$alert'")" \
  "the zone authority is told the level may need review, with the count of alerts"

hc_log "verdict latency (status received -> verdict received): $(hc_review "
  SELECT 'max ' || round(max(extract(epoch FROM v.checked_at - e.received_at)) * 1000) || ' ms, median '
         || round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM v.checked_at - e.received_at)) * 1000)::numeric) || ' ms over '
         || count(*) || ' verdicts'
  FROM review.verdicts v JOIN review.events e ON e.seq = v.subject_seq")"
hc_pass
