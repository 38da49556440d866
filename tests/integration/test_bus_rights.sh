#!/usr/bin/env bash
# Rights and confidentiality at the real broker: police receive a dispatch without
# patient details (marked redacted) while a clinical institution receives them; the
# reviewer's views never show them; a publish or subscription outside an
# institution's rights is refused with a clear error and recorded; an anonymous report
# through the gateway carries no identity in events, rejections or logs; two keys work
# during a rotation; SIGHUP refuses a bad config (old one kept) and drops revoked keys.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"

hc_bus_setup
"$HC_PROBE" keygen "$HC_WORK/keys" pnc2 || hc_fail "keygen pnc2"
HC_PNC_KEYS='"keys/pnc.pub", "keys/pnc2.pub"' hc_bus_write_config
hc_bus_start
marker=gunshot-wound-left-leg

start_sub() { # NAME KEY COUNT PREFIX...
  local name=$1 key=$2 count=$3
  shift 3
  hc_start_bg "$name" "$HC_PROBE" subscribe --endpoint "$(hc_probe_endpoint subscribe)" \
    --broker-key "$HC_WORK/keys/broker.pub" --key "$key" --count "$count" --timeout-ms 20000 "$@"
  hc_wait_for "$name subscribed" 15 grep -q '^subscribed' "$HC_WORK/$name.log"
}

# police (old key and rotated key) and a clinical institution subscribe to dispatches
start_sub police "$(hc_key pnc)" 1 dispatch.sv.ss.
start_sub police2 "$(hc_key pnc2)" 1 dispatch.
start_sub clinical "$(hc_key sem)" 1 dispatch.
hc_probe publish --key "$(hc_key sem)" --kind dispatch --count 1 --msg-prefix d >"$HC_WORK/d.out" || hc_fail "dispatch: $(cat "$HC_WORK/d.out")"
for name in police police2 clinical; do wait "$(hc_pid "$name")" || hc_fail "$name got nothing"; done
hc_assert_contains "$(cat "$HC_WORK/police.log")" "dispatch.sv.ss.san-salvador-este.soyapango d-1 sem 1 -" "police: redacted, no patient"
hc_assert_contains "$(cat "$HC_WORK/police2.log")" " sem 1 -" "police's second key (rotation) works, redacted"
hc_assert_contains "$(cat "$HC_WORK/clinical.log")" " sem 0 patient" "clinical access: patient details"

# the audit log keeps them (payload), the reviewer's views never show them
hc_assert_eq t "$(hc_psql "SELECT position(convert_to('$marker', 'UTF8') in payload) > 0 FROM hcbus.events WHERE msg_id = 'd-1'")" "payload keeps patient details"
hc_assert_eq 0 "$(hc_psql "SET ROLE hcbus_reviewer; SELECT count(*) FROM review.events WHERE summary::text LIKE '%$marker%' OR summary::text LIKE '%chief_complaint%'")" "reviewer never sees them"

# publish outside one's rights: refused, named, recorded
hc_probe publish --key "$(hc_key pnc)" --count 1 --msg-prefix notmine >"$HC_WORK/notmine.out" && hc_fail "police published a zone level"
hc_assert_contains "$(cat "$HC_WORK/notmine.out")" "refused notmine-1 unauthorized topic" "unauthorized publish named"
hc_wait_for "publish refusal recorded" 10 hc_sql_at_least "SELECT count(*) FROM hcbus.rejections WHERE institution = 'pnc' AND action = 'publish' AND code = 'unauthorized' AND msg_id = 'notmine-1'" 1

# subscription outside one's rights: refused, not left empty, recorded
hc_probe subscribe --key "$(hc_key webform)" --count 1 alert. >"$HC_WORK/sub_refused.out" && hc_fail "the gateway subscribed"
hc_assert_contains "$(cat "$HC_WORK/sub_refused.out")" "refused unauthorized prefixes[0]" "unauthorized subscription named"
hc_wait_for "subscribe refusal recorded" 10 hc_sql_at_least "SELECT count(*) FROM hcbus.rejections WHERE action = 'subscribe' AND code = 'unauthorized' AND topic = 'alert.'" 1

# a prefix naming no known zone is refused, not left silently empty
hc_probe subscribe --key "$(hc_key pnc)" --count 1 alert.sv.s >"$HC_WORK/sub_nozone.out" && hc_fail "a subscription to no zone was accepted"
hc_assert_contains "$(cat "$HC_WORK/sub_nozone.out")" "refused unknown_zone prefixes[0]" "unknown zone in a prefix named"

# an anonymous report through the gateway: no identity anywhere
start_sub alerts "$(hc_key pnc)" 1 alert.
hc_probe publish --key "$(hc_key webform)" --kind alert --count 1 --msg-prefix anonreport >"$HC_WORK/anon.out" || hc_fail "anonymous alert: $(cat "$HC_WORK/anon.out")"
wait "$(hc_pid alerts)" || hc_fail "police did not get the anonymous alert"
hc_assert_contains "$(cat "$HC_WORK/alerts.log")" "anonreport-1 - 0" "delivered with no sender"
hc_assert_eq "" "$(hc_psql "SELECT sender FROM hcbus.events WHERE msg_id = 'anonreport-1'")" "events: no sender"
hc_assert_eq t "$(hc_psql "SELECT (summary->>'anonymous')::boolean FROM hcbus.events WHERE msg_id = 'anonreport-1'")" "marked anonymous"
key=$(awk '/public-key/{print $2}' "$HC_WORK/keys/webform.pub")
hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM hcbus.events e WHERE e::text LIKE '%webform%' OR position(convert_to('webform', 'UTF8') in payload) > 0")" "no gateway id in events"
# (Z85 keys hold characters such as [ and %, so match them as plain strings.)
hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM hcbus.rejections r WHERE position('webform' in r::text) > 0 OR position('${key:0:8}' in r::text) > 0")" "no gateway id in rejections"
hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM hcbus.msg_ids m WHERE m::text LIKE '%webform%'")" "no gateway id in msg_ids"
hc_assert_eq 0 "$(cat "$HC_WORK"/broker.log "$HC_WORK"/auditd.log | grep -c -F -e webform -e "${key:0:8}" || true)" "no gateway id or key in the logs"

# SIGHUP with a bad config: refused, the old one stays in force
cp "$HC_WORK/hcbus.conf" "$HC_WORK/good.conf"
echo 'broker_typo = 1;' >>"$HC_WORK/hcbus.conf"
hc_kill broker HUP
hc_wait_for "reload refused" 10 grep -q "reload refused" "$HC_WORK/broker.log"
hc_assert_contains "$(grep 'reload refused' "$HC_WORK/broker.log")" "broker_typo" "the refusal names the setting"
hc_probe publish --key "$(hc_key minsal)" --count 1 --msg-prefix stillok >/dev/null || hc_fail "old config no longer in force"

# SIGHUP revoking pnc's first key: connections reset, that key refused, the other works
HC_PNC_KEYS='"keys/pnc2.pub"' hc_bus_write_config
hc_kill broker HUP
hc_wait_for "reload done" 10 grep -q "configuration reloaded" "$HC_WORK/broker.log"
hc_assert_contains "$(grep 'configuration reloaded' "$HC_WORK/broker.log")" "keys revoked" "revocation seen"
hc_probe subscribe --key "$(hc_key pnc)" --count 1 --timeout-ms 1500 zone. >/dev/null 2>&1 && hc_fail "a revoked key still works"
hc_probe subscribe --key "$(hc_key pnc2)" --snapshot --count 1 zone. >"$HC_WORK/pnc2.out" || hc_fail "the remaining key was refused"

hc_pass
