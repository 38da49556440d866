#!/usr/bin/env bash
# limit_to_zones at the real broker over TCP (issue 12, item 16): a police institution
# limited to one department ("pnc-ss", San Salvador) subscribes to that department
# (accepted), is refused another department and the whole country `alert.` (named
# error, recorded), receives only its department's alerts, may publish only there, and
# after a SIGHUP that limits it to one municipality its existing department-wide
# subscription is closed (the client's resubscription is refused) while a subscription
# inside the new area keeps receiving.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"

# The shared bus config plus pnc-ss, limited to the zones given ("sv.ss" ...).
write_config() {
  local zones=$1
  hc_bus_write_config
  sed -i '$d' "$HC_WORK/hcbus.conf"   # the closing ");" of institutions
  cat >>"$HC_WORK/hcbus.conf" <<CONF
  , { id = "pnc-ss"; name = "PNC San Salvador"; roles = ["police"]; public_key_files = ["keys/pnc-ss.pub"];
      limit_to_zones = [$zones]; }
);
CONF
}

hc_bus_setup
"$HC_PROBE" keygen "$HC_WORK/keys" pnc-ss || hc_fail "keygen pnc-ss"
write_config '"sv.ss"'
hc_bus_start
ss_zone=sv.ss.san-salvador-este.soyapango
centro_zone=sv.ss.san-salvador-centro.san-salvador
ah_zone=sv.ah.ahuachapan-centro.apaneca

start_sub() { # NAME PREFIX...: pnc-ss subscribes until stopped
  local name=$1
  shift
  hc_start_bg "$name" "$HC_PROBE" subscribe --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
    --key "$(hc_key pnc-ss)" --timeout-ms 60000 "$@"
  hc_wait_for "$name subscribed" 15 grep -q '^subscribed' "$HC_WORK/$name.log"
}

# Outside its department, or the whole country: refused, the prefix named, recorded.
hc_probe subscribe --key "$(hc_key pnc-ss)" --count 1 alert.sv.ah. >"$HC_WORK/ah.out" && hc_fail "pnc-ss subscribed to another department"
hc_assert_contains "$(cat "$HC_WORK/ah.out")" 'refused unauthorized prefixes[0] pnc-ss may not subscribe to "alert.sv.ah."' "another department refused, named"
hc_probe subscribe --key "$(hc_key pnc-ss)" --count 1 alert. >"$HC_WORK/all.out" && hc_fail "pnc-ss subscribed to the whole country"
hc_assert_contains "$(cat "$HC_WORK/all.out")" 'refused unauthorized prefixes[0] pnc-ss may not subscribe to "alert."' "the whole country refused, named"
hc_probe subscribe --key "$(hc_key pnc-ss)" --snapshot --count 1 zone. >"$HC_WORK/zones.out" && hc_fail "pnc-ss read every zone level"
hc_assert_contains "$(cat "$HC_WORK/zones.out")" "refused unauthorized" "zone levels of the whole country refused"
# The hint says where to ask instead (the broker logs each refusal with its hint).
hc_wait_for "refusal logged with its hint" 10 grep -qF 'pnc-ss is limited to sv.ss (limit_to_zones in the broker'"'"'s configuration): ask within it, e.g. alert.sv.ss.' "$HC_WORK/broker.log"
hc_wait_for "refusals recorded" 10 hc_sql_at_least "SELECT count(*) FROM hcbus.rejections WHERE institution = 'pnc-ss' AND action = 'subscribe' AND code = 'unauthorized' AND topic IN ('alert.sv.ah.', 'alert.')" 2

# Its department: accepted. It receives only its department's alerts: an alert in
# Ahuachapán is published first, one in San Salvador second; deliveries come in seq
# order, so once the second is in, the first would have been too.
start_sub dept alert.sv.ss.
start_sub centro "alert.$centro_zone"
hc_probe publish --key "$(hc_key sem)" --kind alert --zone "$ah_zone" --count 1 --msg-prefix ah >"$HC_WORK/p1.out" || hc_fail "alert ah: $(cat "$HC_WORK/p1.out")"
hc_probe publish --key "$(hc_key sem)" --kind alert --zone "$ss_zone" --count 1 --msg-prefix ss >"$HC_WORK/p2.out" || hc_fail "alert ss: $(cat "$HC_WORK/p2.out")"
hc_wait_for "the department's alert delivered" 15 grep -q " alert.$ss_zone ss-1 sem " "$HC_WORK/dept.log"
hc_assert_eq 0 "$(grep -c 'alert.sv.ah' "$HC_WORK/dept.log" || true)" "no alert from another department"

# Publishing is limited the same way.
hc_probe publish --key "$(hc_key pnc-ss)" --kind alert --zone "$ah_zone" --count 1 --msg-prefix out >"$HC_WORK/out.out" && hc_fail "pnc-ss published outside its department"
hc_assert_contains "$(cat "$HC_WORK/out.out")" "refused out-1 unauthorized" "publish outside refused"
hc_probe publish --key "$(hc_key pnc-ss)" --kind alert --zone "$centro_zone" --count 1 --msg-prefix in >"$HC_WORK/in.out" || hc_fail "pnc-ss could not publish in its department: $(cat "$HC_WORK/in.out")"
hc_wait_for "centro got its alert" 15 grep -q " alert.$centro_zone in-1 pnc-ss " "$HC_WORK/centro.log"

# SIGHUP limiting pnc-ss to the municipality of San Salvador Centro: the
# department-wide subscription is closed (the client, told by its next Pong, subscribes
# again and is refused); the one inside the new area stays and keeps receiving.
write_config '"sv.ss.san-salvador-centro"'
hc_kill broker HUP
hc_wait_for "reload done" 10 grep -q "configuration reloaded" "$HC_WORK/broker.log"
hc_assert_contains "$(grep 'configuration reloaded' "$HC_WORK/broker.log")" "1 subscriptions closed" "one subscription closed"
hc_wait_for "the department-wide subscriber was told" 15 grep -q 'may not subscribe to "alert.sv.ss."' "$HC_WORK/dept.log"
rc=0
wait "$(hc_pid dept)" || rc=$?
unset 'HC_PIDS[dept]'
hc_assert_eq 3 "$rc" "the department-wide subscriber ended refused"
hc_probe publish --key "$(hc_key sem)" --kind alert --zone "$ss_zone" --count 1 --msg-prefix after-ss >/dev/null || hc_fail "alert after-ss"
hc_probe publish --key "$(hc_key sem)" --kind alert --zone "$centro_zone" --count 1 --msg-prefix after-centro >/dev/null || hc_fail "alert after-centro"
hc_wait_for "centro still receives" 15 grep -q " alert.$centro_zone after-centro-1 sem " "$HC_WORK/centro.log"
hc_assert_eq 0 "$(grep -c 'after-ss' "$HC_WORK/dept.log" "$HC_WORK/centro.log" | awk -F: '{s += $2} END {print s}')" "nothing outside the new area delivered"
hc_probe subscribe --key "$(hc_key pnc-ss)" --count 1 alert.sv.ss. >"$HC_WORK/again.out" && hc_fail "the department is still open after the reload"
hc_assert_contains "$(cat "$HC_WORK/again.out")" 'may not subscribe to "alert.sv.ss."' "a new department-wide subscription refused"

hc_pass
