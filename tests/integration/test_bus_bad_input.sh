#!/usr/bin/env bash
# Bad input at the real broker: garbage bytes, a truncated message, an oversized one, an
# invalid field and an unknown zone each get an error reply naming the problem and a
# row in rejections, and the broker keeps serving everyone else.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"
hc_bus_setup
hc_bus_start
hc_probe garbage --key "$(hc_key minsal)" >"$HC_WORK/garbage.out" || hc_fail "some bad input got no error: $(cat "$HC_WORK/garbage.out")"
out=$(cat "$HC_WORK/garbage.out")
hc_assert_contains "$out" "garbage malformed" "garbage bytes"
hc_assert_contains "$out" "truncated malformed" "truncated message"
hc_assert_contains "$out" "oversized too_large" "oversized message"
hc_assert_contains "$out" "invalid invalid_field zone.level" "invalid field named"
hc_assert_contains "$out" "unknown-zone unknown_zone zone.zone_id" "unknown zone named"
hc_wait_for "5 refusals recorded" 10 hc_sql_at_least "SELECT count(*) FROM hcbus.rejections WHERE institution = 'minsal' AND action = 'publish'" 5
hc_probe publish --key "$(hc_key sem)" --kind alert --count 5 --msg-prefix after >"$HC_WORK/after.out" || hc_fail "broker stopped serving"
hc_assert_eq 5 "$(grep -c '^ack' "$HC_WORK/after.out")" "others still served"
hc_pass
