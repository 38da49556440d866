# messages.sh — protocol messages for the coordinator and review scenario tests (source
# after harness.sh and bus.sh): JSON envelopes (hcbus/json.h, the shape of `hcbus
# publish --json`) published through the real broker with tests/tools/json_publish,
# and reads of the reviewer views.
#
#   seq=$(hc_msg_publish sem "$(hc_msg_dispatch d-1 sem-1 "$ZONE")")   # the seq it got
#   hc_msg_publish sem "$(hc_msg_status s-1 sem-1 "$ZONE" accepted '"now"')"
#   hc_review "SELECT turnout FROM review.dispatch_times WHERE request_id = 'sem-1'"
#
# Times (AT) are JSON values: integer microseconds (1795424400000000) or a quoted time
# text ('"now"', '"now+37m"'). EXTRA is more JSON fields for the body, e.g.
# '"reason": "llamada falsa"'.

HC_JSON_PUBLISH="$HC_BIN/tests/json_publish"
HC_MINUTE_US=60000000

# hc_msg_publish INSTITUTION JSON...: publish each envelope as INSTITUTION, print the seq
# of each (one a line); fail the test if one is refused or unanswered.
hc_msg_publish() {
  local who=$1
  shift
  "$HC_JSON_PUBLISH" --endpoint "$HC_PUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
    --key "$(hc_key "$who")" "$@" >"$HC_WORK/json_publish.out" 2>&1 ||
    hc_fail "publish as $who refused or unanswered: $(cat "$HC_WORK/json_publish.out")"
  awk '$1 == "ack" { print $3 }' "$HC_WORK/json_publish.out"
}

# SQL as hcbus_reviewer (the facilitators' role), times shown in UTC.
hc_review() { hc_psql "SET ROLE hcbus_reviewer; SET TIME ZONE 'UTC'; $1"; }

# When the broker received the message of seq N, in microseconds since the epoch.
hc_msg_received_us() {
  hc_psql "SELECT (extract(epoch FROM received_at) * 1000000)::bigint FROM hcbus.events WHERE seq = $1"
}

# hc_msg_dispatch MSG_ID REQUEST ZONE: a critical violence call with patient details
# (which no reviewer view may show: the marker is herida-de-bala-pierna).
hc_msg_dispatch() {
  printf '{"msg_id": "%s", "dispatch": {"request_id": "%s", "zone_id": "%s", "priority": "critical",
    "incident_type": "violence", "capability": "advanced",
    "location": {"address": "Pasaje 3, casa 14", "reference_point": "frente a la cancha"},
    "patient": {"age_band": "adult", "sex": "female", "chief_complaint": "herida-de-bala-pierna",
                "condition": "critical"}}}' "$1" "$2" "$3"
}

# hc_msg_status MSG_ID REQUEST ZONE STATE AT [EXTRA]: a DispatchStatus of unit amb-12.
hc_msg_status() {
  printf '{"msg_id": "%s", "status": {"request_id": "%s", "zone_id": "%s", "state": "%s",
    "unit_id": "amb-12", "at_us": %s%s}}' "$1" "$2" "$3" "$4" "$5" "${6:+, $6}"
}

# hc_msg_escort_status MSG_ID ESCORT REQUEST ZONE STATE AT [EXTRA]: an EscortStatus.
hc_msg_escort_status() {
  printf '{"msg_id": "%s", "escort_status": {"escort_id": "%s", "request_id": "%s", "zone_id": "%s",
    "state": "%s", "at_us": %s%s}}' "$1" "$2" "$3" "$4" "$5" "$6" "${7:+, $7}"
}
