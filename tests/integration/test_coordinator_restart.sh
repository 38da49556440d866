#!/usr/bin/env bash
# test_coordinator_restart.sh — hcbus-coordinator rebuilds its state from the log and
# applies the rules it missed, once. Real broker, auditd, coordinator and PostgreSQL
# over TCP: a RED zone and a dispatch into it make the coordinator publish its
# EscortRequest and advisory (then an overdue notice: not accepted in time). Killed
# with -9, it misses a status, a second dispatch into the zone and that dispatch's
# accept deadline; restarted, it publishes exactly those effects (msg_ids c.% in
# hcbus.events: none twice, none missing, none re-sent). It goes on across a broker
# restart, and a second restart, after a clean SIGTERM, publishes nothing it had
# published before.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
source "$HC_SRC/tests/lib/bus.sh"

ZONE=sv.ss.san-salvador-este.soyapango
ACCEPT_S=2                     # OVERDUE_ACCEPT this long after a dispatch
RULE_OVERDUE_ACCEPT=8          # NoticeRule number, in the overdue msg_id c.o.<seq>.<rule>
WAIT_S=30
export HC_COORD_ACCEPT_S=$ACCEPT_S HC_COORD_ESCORT_S=3600 HC_COORD_ON_SCENE_S=3600
JSON_PUBLISH=$HC_BIN/tests/json_publish

# publish INSTITUTION JSON...: each envelope recorded, or the test fails.
publish() {
  local who=$1 out
  shift
  out=$("$JSON_PUBLISH" --endpoint "$HC_PUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
          --key "$(hc_key "$who")" "$@") || hc_fail "publish as $who refused or unanswered: $out"
}

dispatch_json() {
  printf '{"msg_id": "%s", "dispatch": {"request_id": "%s", "zone_id": "%s", "priority": "critical",
    "incident_type": "violence", "capability": "advanced",
    "location": {"address": "Pasaje 3, casa 14", "reference_point": "frente a la cancha"}}}' "$1" "$2" "$ZONE"
}

status_json() {   # MSG_ID REQUEST STATE
  printf '{"msg_id": "%s", "status": {"request_id": "%s", "zone_id": "%s", "state": "%s",
    "unit_id": "amb-7", "at_us": "now"}}' "$1" "$2" "$ZONE" "$3"
}

seq_of() { hc_psql "SELECT seq FROM hcbus.events WHERE msg_id = '$1' AND sender = 'sem'"; }

# The coordinator's effects recorded so far: one msg_id a line, sorted; and the rows.
coord_ids() {
  hc_psql "SELECT msg_id FROM hcbus.events WHERE sender = 'coordinator' AND msg_id LIKE 'c.%' ORDER BY msg_id COLLATE \"C\""
}
coord_rows() { hc_psql "SELECT count(*) FROM hcbus.events WHERE sender = 'coordinator' AND msg_id LIKE 'c.%'"; }
has_effect() { [ "$(hc_psql "SELECT count(*) FROM hcbus.events WHERE sender = 'coordinator' AND msg_id = '$1'")" = 1 ]; }
sorted() { printf '%s\n' "$@" | LC_ALL=C sort; }
# True once SEQ's accept deadline (plus a second) has passed by PostgreSQL's clock.
deadline_passed() {
  [ "$(hc_psql "SELECT now() > received_at + interval '$((ACCEPT_S + 1)) seconds' FROM hcbus.events WHERE seq = $1")" = t ]
}

# Each expected effect recorded exactly once, and nothing else from the coordinator.
expect_effects() {
  local desc=$1
  shift
  hc_assert_eq "$(sorted "$@")" "$(coord_ids)" "$desc: the coordinator's effects"
  hc_assert_eq "$#" "$(coord_rows)" "$desc: no effect recorded twice"
}

hc_bus_setup
hc_bus_start
hc_coordinator_start
hc_coordinator_wait_caught_up "$WAIT_S"

# ---- 1. live: a RED zone, a dispatch into it --------------------------------------
publish minsal "{\"msg_id\": \"zone-red-1\", \"zone\": {\"zone_id\": \"$ZONE\", \"level\": \"red\",
  \"valid_from_us\": \"now\", \"reason\": \"enfrentamientos\", \"access\": {\"escort_required\": true,
  \"allowed_from_hour\": 7, \"allowed_until_hour\": 17, \"contact\": \"Cabo Martinez, radio canal 4\",
  \"entry_instructions\": \"Entrar por la calle principal\"}}}"
publish sem "$(dispatch_json d-1 sem-1)"
S1=$(seq_of d-1)
hc_wait_for "the advisory for seq $S1" "$WAIT_S" has_effect "c.a.$S1"
hc_wait_for "the escort request for seq $S1" "$WAIT_S" has_effect "c.e.$S1"
hc_assert_eq "escort|escort.$ZONE|esc-$S1" \
  "$(hc_psql "SELECT kind, topic, subject FROM hcbus.events WHERE msg_id = 'c.e.$S1' AND sender = 'coordinator'")" \
  "the coordinator's EscortRequest for the dispatch, on escort.<zone>, escort_id esc-<seq>"
hc_assert_eq "notice|notice.$ZONE" \
  "$(hc_psql "SELECT kind, topic FROM hcbus.events WHERE msg_id = 'c.a.$S1' AND sender = 'coordinator'")" \
  "the advisory is a notice in the zone"
hc_wait_for "OVERDUE_ACCEPT for seq $S1 (${ACCEPT_S}s)" "$WAIT_S" has_effect "c.o.$S1.$RULE_OVERDUE_ACCEPT"
expect_effects "live" "c.e.$S1" "c.a.$S1" "c.o.$S1.$RULE_OVERDUE_ACCEPT"

# ---- 2. down: a status, a dispatch into the RED zone, a deadline passing -----------
hc_coordinator_kill9
publish sem "$(status_json st-1 sem-1 accepted)"
S2=$(seq_of st-1)
publish sem "$(dispatch_json d-2 sem-2)"
S3=$(seq_of d-2)
hc_wait_for "seq $S3's accept deadline to pass" "$WAIT_S" deadline_passed "$S3"
expect_effects "while the coordinator is down" "c.e.$S1" "c.a.$S1" "c.o.$S1.$RULE_OVERDUE_ACCEPT"

# ---- 3. restarted: exactly the missed effects, once -------------------------------
hc_coordinator_start
hc_coordinator_wait_caught_up "$WAIT_S"
MISSED=("c.v.$S2" "c.e.$S3" "c.a.$S3" "c.o.$S3.$RULE_OVERDUE_ACCEPT")
hc_assert_contains "$(grep ' caught up: ' "$HC_WORK/coordinator.log")" "; ${#MISSED[@]} effects to publish" \
  "at go-live the restarted coordinator queued the ${#MISSED[@]} effects it missed"
for id in "${MISSED[@]}"; do
  hc_wait_for "the missed effect $id" "$WAIT_S" has_effect "$id"
done
# A live status after go-live: its verdict comes after anything go-live queued.
publish sem "$(status_json st-2 sem-2 accepted)"
S4=$(seq_of st-2)
hc_wait_for "the verdict on seq $S4" "$WAIT_S" has_effect "c.v.$S4"
expect_effects "after a kill -9 and a restart" "c.e.$S1" "c.a.$S1" "c.o.$S1.$RULE_OVERDUE_ACCEPT" \
  "${MISSED[@]}" "c.v.$S4"
LOG=$HC_WORK/coordinator.log
hc_assert_eq 0 "$(grep -c 'was already recorded' "$LOG" || true)" \
  "the restarted coordinator re-sent none of the effects it had published before the kill"
hc_assert_eq 5 "$(grep -c 'effect c\.[a-z.0-9]* recorded, seq' "$LOG" || true)" \
  "the restarted coordinator logged each effect it published with its msg_id"

# ---- 4. the broker restarts under it: it subscribes again and goes on ----------------
hc_kill broker TERM
hc_bus_start_broker
publish sem "$(status_json st-3 sem-2 en_route)"
S5=$(seq_of st-3)
hc_wait_for "the verdict on seq $S5, after a broker restart" "$WAIT_S" has_effect "c.v.$S5"

# ---- 5. stopped cleanly and started again: nothing new ------------------------------
hc_coordinator_stop
hc_assert_contains "$(cat "$LOG")" "stopping (SIGTERM)" "SIGTERM stops the coordinator cleanly"
hc_assert_contains "$(cat "$LOG")" "1 broker restarts seen" "the coordinator saw the broker restart"
HEAD=$(hc_psql "SELECT max(seq) FROM hcbus.events")
hc_coordinator_start
hc_coordinator_wait_caught_up "$WAIT_S"
publish sem "$(status_json st-4 sem-2 on_scene)"
S6=$(seq_of st-4)
hc_wait_for "the verdict on seq $S6" "$WAIT_S" has_effect "c.v.$S6"
expect_effects "after a second restart" "c.e.$S1" "c.a.$S1" "c.o.$S1.$RULE_OVERDUE_ACCEPT" \
  "${MISSED[@]}" "c.v.$S4" "c.v.$S5" "c.v.$S6"
hc_assert_eq 0 "$(grep -c 'was already recorded' "$LOG" || true)" \
  "the second restart re-sent nothing"
hc_assert_contains "$(grep ' caught up: ' "$LOG")" "log head seq $HEAD" \
  "the second restart replayed up to the head it found"
hc_assert_contains "$(grep ' caught up: ' "$LOG")" "; 0 effects to publish" \
  "at go-live the second restart had nothing to publish"
hc_assert_eq "" "$(hc_chain_problems)" "the audit hash chains verify"
hc_pass
