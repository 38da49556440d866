#!/usr/bin/env bash
# test_bus_new_kinds.sh — the body kinds of issue 13 over the real bus (TCP, broker,
# auditd, PostgreSQL):
# - police (pnc) publish an escort_status with `hcbus publish --json`: acknowledged,
#   recorded with kind escort_status, subject = escort_id, its summary under the proto
#   field names, and delivered live to the dispatch centre subscribed to escort_status.;
# - a subscriber to "escort." gets escort requests only, never an escort_status (whole
#   kind names, not byte prefixes);
# - an escort_status missing what its state needs is refused naming the field;
# - a zone level whose access conditions carry a meeting_point is recorded with it;
# - a notice from an institution with the coordinator role (added to this test's
#   config) is recorded with kind notice, subject = notice_id, recipients as an array
#   and the NoticeKind under "notice_kind", and reaches the facilitator.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../lib/bus.sh"

CLI=$HC_BIN/services/cli/hcbus
ZONE=sv.ss.san-salvador-este.soyapango

hc_bus_setup
# An institution with the coordinator role, for this test only (tests/lib/bus.sh lists
# the shared ones): the notice's publisher.
"$HC_PROBE" keygen "$HC_WORK/keys" kinds-coordinator || hc_fail "keygen kinds-coordinator"
sed -i '/^institutions = (/a\
  { id = "kinds-coordinator"; roles = ["coordinator"]; public_key_files = ["keys/kinds-coordinator.pub"]; },' \
  "$HC_WORK/hcbus.conf"
grep -q 'id = "kinds-coordinator"' "$HC_WORK/hcbus.conf" || hc_fail "the coordinator institution was not added"
hc_bus_start

# publish_json KEY JSON: one Envelope through the real CLI (one JSON text per line).
publish_json() {
  echo "$2" | tr '\n' ' ' | "$CLI" publish --json --endpoint "$HC_PUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
    --key "$(hc_key "$1")" --timeout-ms 10000
}
subscribe_bg() {
  local name=$1 key=$2 count=$3
  shift 3
  hc_start_bg "$name" "$HC_PROBE" subscribe --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
    --key "$(hc_key "$key")" --count "$count" --timeout-ms 20000 "$@"
  hc_wait_for "$name subscribed" 15 grep -q '^subscribed' "$HC_WORK/$name.log"
}

subscribe_bg sub_sem sem 1 escort_status.
subscribe_bg sub_escort pnc 1 escort.
subscribe_bg sub_facilitator facilitator 1 notice.

# ---- police answer an escort request ----------------------------------------------
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
publish_json pnc '{"msg_id": "pnc-es-1", "escort_status": {"escort_id": "esc-41", "request_id": "sem-2026-41",
  "zone_id": "'$ZONE'", "state": "assigned", "police_unit": "PNC Soyapango, patrulla 3",
  "meeting_point": {"address": "Bulevar del Ejército, km 5", "reference_point": "gasolinera Puma"},
  "at_us": "'$now'", "eta_us": "now+15m"}}' >"$HC_WORK/publish_es.out" 2>&1 ||
  hc_fail "police could not publish an escort_status: $(cat "$HC_WORK/publish_es.out")"
hc_assert_eq "pnc|escort_status|escort_status.$ZONE|esc-41|assigned|PNC Soyapango, patrulla 3|gasolinera Puma" \
  "$(hc_psql "SELECT sender, kind, topic, subject, summary->>'state', summary->>'police_unit',
                     summary->'meeting_point'->>'reference_point'
              FROM hcbus.events WHERE msg_id = 'pnc-es-1'")" \
  "the escort_status is recorded with its kind, subject and summary"
hc_assert_eq "escort_status" "$(hc_psql "SELECT summary->>'kind' FROM hcbus.events WHERE msg_id = 'pnc-es-1'")" \
  "the summary names the body kind"
es_seq=$(hc_psql "SELECT seq FROM hcbus.events WHERE msg_id = 'pnc-es-1'")
hc_wait_for "the dispatch centre got the escort_status" 15 \
  grep -q "^$es_seq live escort_status\.$ZONE pnc-es-1 pnc " "$HC_WORK/sub_sem.log"

# "escort." is the escort-request kind only: the first thing it delivers is the escort
# request published after the escort_status, not the escort_status.
publish_json sem '{"msg_id": "sem-esc-1", "escort": {"escort_id": "esc-42", "request_id": "sem-2026-42",
  "zone_id": "'$ZONE'", "meeting_point": {"reference_point": "gasolinera Puma"}}}' >"$HC_WORK/publish_esc.out" 2>&1 ||
  hc_fail "the dispatch centre could not publish an escort request: $(cat "$HC_WORK/publish_esc.out")"
hc_wait_for "the escort subscriber got one message" 15 hc_lines_at_least "$HC_WORK/sub_escort.log" ' live ' 1
hc_assert_eq "escort.$ZONE sem-esc-1" "$(awk '$2 == "live" {print $3, $4}' "$HC_WORK/sub_escort.log")" \
  "a subscriber to escort. gets the escort request, not the escort_status"

# ---- what a state needs is required, by name -----------------------------------------
if publish_json pnc '{"msg_id": "pnc-es-2", "escort_status": {"escort_id": "esc-41", "request_id": "sem-2026-41",
  "zone_id": "'$ZONE'", "state": "unavailable", "at_us": "'$now'"}}' >"$HC_WORK/publish_bad.out" 2>&1; then
  hc_fail "an UNAVAILABLE escort_status without a reason was accepted"
fi
hc_assert_contains "$(cat "$HC_WORK/publish_bad.out")" "escort_status.reason" "the refusal names escort_status.reason"
hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM hcbus.events WHERE msg_id = 'pnc-es-2'")" "the refused one is not recorded"

# ---- a zone's access conditions with a meeting point -----------------------------------
publish_json minsal '{"msg_id": "minsal-z-1", "zone": {"zone_id": "'$ZONE'", "level": "orange",
  "access": {"escort_required": true, "entry_instructions": "por el bulevar",
    "meeting_point": {"lat": 13.7052, "lon": -89.1421, "reference_point": "puesto policial"}},
  "valid_from_us": "now"}}' >"$HC_WORK/publish_zone.out" 2>&1 ||
  hc_fail "the zone authority could not publish a level with a meeting point: $(cat "$HC_WORK/publish_zone.out")"
hc_assert_eq "puesto policial" \
  "$(hc_psql "SELECT summary->'access'->'meeting_point'->>'reference_point' FROM hcbus.events WHERE msg_id = 'minsal-z-1'")" \
  "the zone level is recorded with its meeting point"

# ---- a notice from the coordinator --------------------------------------------------------
publish_json kinds-coordinator '{"msg_id": "c.v.'$es_seq'", "notice": {"notice_id": "c.v.'$es_seq'",
  "zone_id": "'$ZONE'", "kind": "checked", "recipients": ["pnc", "sem"], "subject_seq": '$es_seq',
  "request_id": "sem-2026-41", "escort_id": "esc-41", "subject_sender": "pnc", "subject_at_us": "'$now'"}}' \
  >"$HC_WORK/publish_notice.out" 2>&1 ||
  hc_fail "the coordinator could not publish a notice: $(cat "$HC_WORK/publish_notice.out")"
hc_assert_eq "kinds-coordinator|notice|notice.$ZONE|c.v.$es_seq|checked|[\"pnc\", \"sem\"]|$es_seq" \
  "$(hc_psql "SELECT sender, kind, topic, subject, summary->>'notice_kind', summary->'recipients', summary->>'subject_seq'
              FROM hcbus.events WHERE msg_id = 'c.v.$es_seq'")" \
  "the notice is recorded with its kind, subject, NoticeKind and recipients"
hc_assert_eq "notice" "$(hc_psql "SELECT summary->>'kind' FROM hcbus.events WHERE msg_id = 'c.v.$es_seq'")" \
  "the notice summary's kind is the body kind"
n_seq=$(hc_psql "SELECT seq FROM hcbus.events WHERE msg_id = 'c.v.$es_seq'")
hc_wait_for "the facilitator got the notice" 15 \
  grep -q "^$n_seq live notice\.$ZONE c\.v\.$es_seq kinds-coordinator " "$HC_WORK/sub_facilitator.log"

# A notice whose notice_id is not its msg_id is refused by name.
if publish_json kinds-coordinator '{"msg_id": "c.v.x", "notice": {"notice_id": "c.v.y", "zone_id": "'$ZONE'",
  "kind": "level_review", "recipients": ["minsal"]}}' >"$HC_WORK/publish_bad_notice.out" 2>&1; then
  hc_fail "a notice whose notice_id is not its msg_id was accepted"
fi
hc_assert_contains "$(cat "$HC_WORK/publish_bad_notice.out")" "notice.notice_id" "the refusal names notice.notice_id"

# The reviewer sees both kinds, decoded.
hc_assert_eq "escort_status
notice" "$(hc_psql "SET ROLE hcbus_reviewer; SELECT kind FROM review.events WHERE kind IN ('escort_status', 'notice') ORDER BY seq")" \
  "the reviewer reads both kinds in review.events"

hc_pass
