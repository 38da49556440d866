#!/usr/bin/env bash
# Confidentiality of what the broker hands on, attacked over TCP with a client written
# from the wire contract (tests/tools/replies_probe.c); issue 12, items 6, 7 and 12a:
# - a grant narrowed to one community (…soyapango.centro) never replays the next one
#   (…soyapango.centro-norte), whatever the audit log matches: the broker filters again;
# - a dispatch with patient details, an unknown field carrying a secret, and a size on
#   the boundary between the broker's limit and the replay decoder's: the police never
#   see either secret, live or by replay; the unknown field is dropped at the broker
#   (the recorded payload has none, the ack says so);
# - an alert claiming anonymous=true from an institution that is not an anonymous
#   gateway is refused, named and recorded; the gateway's own report still goes through.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"
RP="$HC_BIN/tests/replies_probe"
district=sv.ss.san-salvador-este.soyapango
secret=UNKNOWN-FIELD-SECRET
patient=gunshot-wound-left-leg

rp() { # COMMAND KEY ARGS...: replies_probe on the right endpoint
  local command=$1 key=$2 endpoint=$HC_SUB_ENDPOINT
  shift 2
  case $command in publish*) endpoint=$HC_PUB_ENDPOINT ;; esac
  "$RP" "$command" --endpoint "$endpoint" --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key "$key")" "$@"
}

hc_bus_setup
# The largest size every reader decodes, so a message stamped by the broker lands on
# the boundary; the facilitator's alerts narrowed to one community.
sed -i 's/^  max_in_flight/  max_message_bytes = 262144;\n  max_in_flight/' "$HC_WORK/hcbus.conf"
cat >>"$HC_WORK/hcbus.conf" <<CONF
roles = { facilitator = { subscribe = ["alert:$district.centro"]; }; };
CONF
hc_bus_start

# ---- 6: a community grant does not replay its neighbour ----------------------------
rp publish-alerts sem --count 3 --zone "$district.centro" --msg-prefix centro >"$HC_WORK/centro.out" ||
  hc_fail "alerts in centro: $(cat "$HC_WORK/centro.out")"
rp publish-alerts sem --count 3 --zone "$district.centro-norte" --msg-prefix norte >"$HC_WORK/norte.out" ||
  hc_fail "alerts in centro-norte: $(cat "$HC_WORK/norte.out")"
rp replay facilitator --prefix "alert.$district.centro" >"$HC_WORK/fac_replay.out" ||
  hc_fail "facilitator's replay: $(cat "$HC_WORK/fac_replay.out")"
hc_assert_eq 3 "$(grep -c " alert.$district.centro " "$HC_WORK/fac_replay.out")" "the community's own alerts replayed"
hc_assert_eq 0 "$(grep -c "centro-norte" "$HC_WORK/fac_replay.out")" "nothing of centro-norte replayed"
rp replay facilitator --prefix "alert.$district.centro-norte" >"$HC_WORK/fac_norte.out" &&
  hc_fail "a replay of centro-norte was served to a grant on centro"
hc_assert_contains "$(cat "$HC_WORK/fac_norte.out")" "refused unauthorized prefixes[0]" "centro-norte refused by name"

# ---- 7: redaction fails closed, unknown fields dropped, one size limit -------------
hc_start_bg police "$RP" watch --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key pnc)" --prefix "dispatch.$district" --count 2 --marker "$secret" --timeout-ms 30000
hc_start_bg police_p "$RP" watch --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key pnc)" --prefix "dispatch.$district" --count 2 --marker "$patient" --timeout-ms 30000
hc_wait_for "police watching" 15 grep -q '^subscribed' "$HC_WORK/police.log"
hc_wait_for "police watching (patient)" 15 grep -q '^subscribed' "$HC_WORK/police_p.log"
for size in 262144 262143; do
  rp publish-padded sem --zone "$district" --sender sem --recorded-bytes "$size" --marker "$secret" \
    --msg-prefix "pad$size" >"$HC_WORK/pad$size.out" || hc_fail "padded dispatch: $(cat "$HC_WORK/pad$size.out")"
  hc_assert_contains "$(cat "$HC_WORK/pad$size.out")" "envelope $size bytes" "the envelope is $size bytes as recorded"
  hc_assert_contains "$(cat "$HC_WORK/pad$size.out")" "dropped 1" "the ack says one unknown field was dropped"
done
wait "$(hc_pid police)" || hc_fail "police did not receive the two dispatches live"
wait "$(hc_pid police_p)" || hc_fail "police did not receive the two dispatches live"
hc_assert_eq 0 "$(grep -c ' marker ' "$HC_WORK/police.log")" "live: the unknown field's secret never reached the police"
hc_assert_eq 0 "$(grep -c ' marker ' "$HC_WORK/police_p.log")" "live: patient details never reached the police"
rp replay pnc --prefix "dispatch.$district" --marker "$secret" >"$HC_WORK/pnc_replay.out" || hc_fail "police replay"
rp replay pnc --prefix "dispatch.$district" --marker "$patient" >"$HC_WORK/pnc_replay_p.out" || hc_fail "police replay"
hc_assert_eq 2 "$(grep -c " dispatch.$district " "$HC_WORK/pnc_replay.out")" "replay: both dispatches, redacted"
hc_assert_eq 0 "$(grep -c ' marker ' "$HC_WORK/pnc_replay.out")" "replay: the secret never reached the police"
hc_assert_eq 0 "$(grep -c ' marker ' "$HC_WORK/pnc_replay_p.out")" "replay: patient details never reached the police"
rp replay sem --prefix "dispatch.$district" --marker "$patient" >"$HC_WORK/sem_replay.out" || hc_fail "clinical replay"
hc_assert_eq 2 "$(grep -c ' marker 0$' "$HC_WORK/sem_replay.out")" "clinical replay: patient details, no unknown field"
hc_assert_eq "0|2" "$(hc_psql "SELECT count(*) FILTER (WHERE position(convert_to('$secret', 'UTF8') in payload) > 0 OR length(payload) > 4096), count(*) FROM hcbus.events WHERE msg_id LIKE 'pad%'")" \
  "recorded payloads hold no unknown field"

# ---- 12a: only an anonymous gateway sends anonymous alerts -------------------------
rp publish-alerts pnc --count 1 --zone "$district" --anonymous --msg-prefix fakeanon >"$HC_WORK/fakeanon.out" &&
  hc_fail "police sent an alert marked anonymous"
hc_assert_contains "$(cat "$HC_WORK/fakeanon.out")" "refusal invalid_field alert.anonymous pnc may not send an anonymous alert" \
  "a non-gateway's anonymous alert refused by name"
hc_wait_for "refusal recorded" 10 hc_sql_at_least "SELECT count(*) FROM hcbus.rejections WHERE institution = 'pnc' AND msg_id = 'fakeanon-1' AND field = 'alert.anonymous'" 1
hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM hcbus.events WHERE msg_id = 'fakeanon-1'")" "not recorded"
rp publish-alerts webform --count 1 --zone "$district" --anonymous --msg-prefix realanon >"$HC_WORK/realanon.out" ||
  hc_fail "the gateway's anonymous alert: $(cat "$HC_WORK/realanon.out")"
hc_assert_eq "|t" "$(hc_psql "SELECT sender, (summary->>'anonymous')::boolean FROM hcbus.events WHERE msg_id = 'realanon-1'")" \
  "the gateway's alert recorded anonymous, no sender"
hc_pass
