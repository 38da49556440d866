#!/usr/bin/env bash
# test_terminal_injection.sh — issue 12, item 8, over TCP at the real broker:
# - an anonymous gateway's alerts whose text holds a newline with ESC[8m (a forged
#   "GREEN ... from=minsal" line), a NUL, a C1 CSI, DEL or TAB, and a msg_id with
#   controls, are each refused with invalid_field naming the field, and recorded in
#   hcbus.rejections;
# - a record stored before that rule (inserted into hcbus.events as the owner) is
#   printed escaped by the real `hcbus snapshot` and `hcbus subscribe` (readable and
#   --json): one line per message, no raw control byte, the forged line visibly inside
#   the reason;
# - the broker's and auditd's logs hold no raw control byte, whatever peers sent.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../lib/bus.sh"

TEXT_PROBE=$HC_BIN/tests/text_probe
CLI=$HC_BIN/services/cli/hcbus
ZONE=sv.ss.san-salvador-este.soyapango

# Bytes a terminal obeys, outside the line ends: C0 but \n, DEL (tr counts what is
# left after deleting the allowed bytes), and C1 encoded in UTF-8.
controls_in() { LC_ALL=C tr -d '\n\040-\176\200-\377' <"$1" | wc -c; }
c1_lines_in() { LC_ALL=C grep -ac "$(printf '\302[\200-\237]')" "$1" || true; }

hc_bus_setup
hc_migrate || hc_fail "migrations failed"

# ---- an older record with hostile text, as stored before the rule ---------------
payload=$("$TEXT_PROBE" record --zone "$ZONE") || hc_fail "text_probe record failed"
hc_psql "INSERT INTO hcbus.events (seq, sender, msg_id, kind, topic, zone_id, subject, sent_at,
           received_at, payload, summary, prev_hash, hash)
         VALUES (1, 'webform', 'old-record-1', 'zone', 'zone.$ZONE', '$ZONE', '$ZONE', now(), now(),
           '\\x$payload', '{}', decode(repeat('00', 32), 'hex'), decode(repeat('00', 32), 'hex'))" ||
  hc_fail "could not insert the old record"
hc_bus_start

# ---- hostile text from an anonymous gateway is refused by name -------------------
"$TEXT_PROBE" publish --endpoint "$HC_PUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key webform)" --zone "$ZONE" >"$HC_WORK/publish.out" ||
  hc_fail "a hostile publish got no answer: $(cat "$HC_WORK/publish.out")"
out=$(cat "$HC_WORK/publish.out")
for case in newline-esc nul c1-csi del tab; do
  hc_assert_contains "$out" "$case invalid_field alert.description" "$case in alert.description refused by name"
done
hc_assert_contains "$out" "msg-id invalid_field msg_id" "a msg_id with controls refused by name"
hc_wait_for "6 refusals recorded" 15 hc_sql_at_least \
  "SELECT count(*) FROM hcbus.rejections WHERE action = 'publish' AND code = 'invalid_field'
     AND field IN ('alert.description', 'msg_id')" 6
hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM hcbus.rejections WHERE institution <> ''
                          AND action = 'publish'")" "the gateway is not named in its refusals"
hc_assert_eq 1 "$(hc_bus_events)" "nothing hostile was recorded as an event"

# A subscription prefix with controls: refused, and only escaped in the log.
"$TEXT_PROBE" subscribe --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key pnc)" >"$HC_WORK/subscribe.out" || hc_fail "the hostile subscription got no answer"
hc_assert_contains "$(cat "$HC_WORK/subscribe.out")" "subscribe " "the hostile subscription was answered"
if grep -q "subscribe ack" "$HC_WORK/subscribe.out"; then hc_fail "a prefix with controls was accepted"; fi
hc_wait_for "the subscription's refusal recorded" 15 hc_sql_at_least \
  "SELECT count(*) FROM hcbus.rejections WHERE action = 'subscribe'" 1
hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM hcbus.rejections
                          WHERE concat(reason, topic, msg_id, field) ~ '[\\x01-\\x1f\\x7f-\\x9f]'")" \
  "no control character recorded in hcbus.rejections (reason, topic, msg_id, field)"
hc_assert_contains "$(hc_psql "SELECT reason FROM hcbus.rejections WHERE action = 'subscribe'")" \
  'prefix "alert.\x1b[31m\n#2 ' "the refused prefix is recorded escaped in the reason"

# ---- the old record, shown by the real CLI ----------------------------------------
export HCBUS_SUBSCRIBE_ENDPOINT=$HC_SUB_ENDPOINT HCBUS_BROKER_KEY=$HC_WORK/keys/broker.pub
export HCBUS_KEY=$HC_WORK/keys/pnc.key
"$CLI" snapshot "zone.sv.ss" --timeout-ms 10000 >"$HC_WORK/snapshot.out" 2>"$HC_WORK/snapshot.err" ||
  hc_fail "hcbus snapshot failed: $(cat "$HC_WORK/snapshot.err")"
# (stderr apart: it says what was subscribed; under --json that is an "event" object.)
"$CLI" subscribe zone. --snapshot --count 1 --timeout-ms 10000 >"$HC_WORK/subscribe-cli.out" 2>"$HC_WORK/subscribe-cli.err" ||
  hc_fail "hcbus subscribe failed: $(cat "$HC_WORK/subscribe-cli.err")"
"$CLI" subscribe zone. --snapshot --count 1 --json --timeout-ms 10000 2>"$HC_WORK/subscribe-json.err" |
  grep -v '^{"event":"subscribed"' >"$HC_WORK/subscribe-json.out" ||
  hc_fail "hcbus subscribe --json failed: $(cat "$HC_WORK/subscribe-json.err")"
for out in snapshot.out subscribe-cli.out subscribe-json.out; do
  hc_assert_eq 1 "$(wc -l <"$HC_WORK/$out")" "$out: the old record is one line (no forged line)"
  hc_assert_eq 0 "$(controls_in "$HC_WORK/$out")" "$out: no raw C0 or DEL byte"
  hc_assert_eq 0 "$(c1_lines_in "$HC_WORK/$out")" "$out: no raw C1 character"
done
line=$(cat "$HC_WORK/snapshot.out")
hc_assert_contains "$line" 'RED escort-required' "the real level is shown"
hc_assert_contains "$line" '"balacera\n#2 2026-11-23T09:12:00-06:00 zone.sv.ss GREEN \"all clear\" from=minsal\x1b[8m\u009b2J\x7f"' \
  "the forged line is shown inside the reason, escaped"
hc_assert_contains "$line" 'from="webform\x1b[8m"' "a hostile sender is quoted and escaped"
hc_assert_contains "$(cat "$HC_WORK/subscribe-cli.out")" 'GREEN \"all clear\" from=minsal\x1b[8m' \
  "hcbus subscribe escapes the same way"
json=$(cat "$HC_WORK/subscribe-json.out")
hc_assert_contains "$json" '\u001B[8m\u009B2J\u007F' "JSON: ESC, C1 and DEL escaped as \\u"
hc_assert_contains "$json" '"reason":"balacera\n#2 ' "JSON: the newline stays inside the string"

# ---- no raw control byte in the services' logs -------------------------------------
for log in broker.log auditd.log; do
  hc_assert_eq 0 "$(controls_in "$HC_WORK/$log")" "$log: no raw C0 or DEL byte"
  hc_assert_eq 0 "$(c1_lines_in "$HC_WORK/$log")" "$log: no raw C1 character"
done
hc_pass
