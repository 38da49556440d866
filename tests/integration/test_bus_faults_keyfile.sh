#!/usr/bin/env bash
# A public key file or zone catalogue that is not a regular file (/dev/zero, a FIFO
# named by mistake) is refused by name, at start and at SIGHUP: the broker never hangs
# reading it for ever (before the fix the broker spun at 100% CPU in a reload naming
# /dev/zero as a key, and blocked at start opening a FIFO).
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"

hc_bus_setup
hc_bus_start
hc_probe publish --key "$(hc_key minsal)" --count 1 --msg-prefix before >/dev/null || hc_fail "publish before"

broker_gone() { ! kill -0 "$(hc_pid broker)" 2>/dev/null; }

# SIGHUP with a public key file that never ends: the reload is refused, naming it, and
# the broker goes on serving with the old configuration.
mkfifo "$HC_WORK/keys/fifo.pub"
HC_PNC_KEYS='"/dev/zero"' hc_bus_write_config
hc_kill broker HUP
hc_wait_for "reload refused" 10 grep -q "reload refused" "$HC_WORK/broker.log"
hc_assert_contains "$(grep 'reload refused' "$HC_WORK/broker.log")" "/dev/zero" "the refusal names the file"
hc_probe publish --key "$(hc_key minsal)" --count 1 --msg-prefix after-hup >/dev/null || hc_fail "broker no longer serving after the refused reload"

# At start, a FIFO as a key file (nothing will ever write to it): the broker exits
# with an error naming it, instead of blocking.
HC_PNC_KEYS="\"$HC_WORK/keys/fifo.pub\"" hc_bus_write_config
hc_kill broker TERM
[ -f "$HC_WORK/broker.log" ] && mv "$HC_WORK/broker.log" "$HC_WORK/broker.log.first"
hc_start_bg broker "$HC_BIN/services/broker/hcbus-broker" --config "$HC_WORK/hcbus.conf"
hc_wait_for "broker exits on the FIFO key file" 10 broker_gone
rc=0
wait "$(hc_pid broker)" || rc=$?
unset "HC_PIDS[broker]"
[ "$rc" != 0 ] || hc_fail "the broker started with a FIFO as a key file"
hc_assert_contains "$(cat "$HC_WORK/broker.log")" "fifo.pub" "the error names the file"
hc_assert_contains "$(cat "$HC_WORK/broker.log")" "not a regular file" "the error says why"

# At start, the zone catalogue a FIFO: the same.
hc_bus_write_config
sed -i "s|^zones_file = .*|zones_file = \"$HC_WORK/keys/fifo.pub\";|" "$HC_WORK/hcbus.conf"
mv "$HC_WORK/broker.log" "$HC_WORK/broker.log.second"
hc_start_bg broker "$HC_BIN/services/broker/hcbus-broker" --config "$HC_WORK/hcbus.conf"
hc_wait_for "broker exits on the FIFO zone catalogue" 10 broker_gone
rc=0
wait "$(hc_pid broker)" || rc=$?
unset "HC_PIDS[broker]"
[ "$rc" != 0 ] || hc_fail "the broker started with a FIFO as its zone catalogue"
hc_assert_contains "$(cat "$HC_WORK/broker.log")" "zone catalogue" "the error names the catalogue"
hc_assert_contains "$(cat "$HC_WORK/broker.log")" "not a regular file" "the error says why"
hc_pass
