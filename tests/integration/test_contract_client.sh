#!/usr/bin/env bash
# The written contract is enough (issue 12, item 16): tests/tools/contract_client, a
# client written from docs/protocol.md and proto/hcbus.proto alone (libzmq and the
# generated protobuf-c code, no libhcbus client API, its own key-file reader), runs
# against the real broker, auditd and PostgreSQL over TCP: it pings, subscribes,
# publishes (acks by msg_id, a duplicate), reads deliveries and their prev_seq chain,
# replays page by page (echoing each page's receipt), snapshots zone levels and alerts
# (refused: only zone levels have one), and meets the
# documented errors at the documented limits. The audit log then holds exactly what it
# published, once, and the refusals it provoked.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"

hc_bus_setup
hc_bus_start
zone=sv.ss.san-salvador-este.soyapango

"$HC_BIN/tests/contract_client" --pub "$HC_PUB_ENDPOINT" --sub "$HC_SUB_ENDPOINT" \
  --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key minsal)" --zone "$zone" \
  --max-message-bytes 65536 --run c1 >"$HC_WORK/client.out" 2>&1 || hc_fail "contract_client: $(cat "$HC_WORK/client.out")"
out=$(cat "$HC_WORK/client.out")
hc_assert_contains "$out" "ok ping-before subscribed=0" "not subscribed before subscribing"
hc_assert_contains "$out" "ok publish-duplicate msg_id=c1-alert" "a repeated msg_id acked as duplicate"
hc_assert_contains "$out" "no-hole topic=zone.$zone msg_id=c1-zone sender=minsal" "zone delivery, chain from head_seq"
hc_assert_contains "$out" "no-hole topic=alert.$zone msg_id=c1-alert sender=minsal" "alert delivery, chain unbroken"
hc_assert_contains "$out" "ok replay seqs=" "replay page by page"
hc_assert_contains "$out" "ok snapshot-alert refused error=3 field=prefix" "a snapshot of alerts is refused by name"
hc_assert_contains "$out" "ok too-large error=2" "over max_message_bytes + 64: TOO_LARGE"
hc_assert_contains "$out" "ok malformed-at-limit error=1" "at the limit: judged, MALFORMED"
hc_assert_contains "$out" "ok two-frames error=1 field=frames" "a request of two frames refused by name"
hc_assert_contains "$out" "ok contract" "every step held"

# The audit log: each message once, the refusals the client provoked recorded by name.
hc_assert_eq 2 "$(hc_psql "SELECT count(*) FROM hcbus.events WHERE msg_id IN ('c1-zone', 'c1-alert')")" "recorded exactly once each"
hc_wait_for "refusals recorded" 10 hc_sql_at_least "SELECT count(DISTINCT code) FROM hcbus.rejections WHERE code IN ('too_large', 'malformed', 'invalid_field', 'unknown_zone')" 4
hc_assert_eq 1 "$(hc_psql "SELECT count(*) FROM hcbus.rejections WHERE institution = 'minsal' AND action = 'publish' AND code = 'invalid_field' AND msg_id = 'c1-invalid' AND field = 'zone.level'")" "invalid field recorded with its field"
hc_assert_eq 1 "$(hc_psql "SELECT count(*) FROM hcbus.rejections WHERE action = 'subscribe' AND code = 'invalid_field' AND field = 'prefixes'")" "33 prefixes recorded"

hc_pass
