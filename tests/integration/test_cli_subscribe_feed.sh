#!/usr/bin/env bash
# `hcbus subscribe`: a dead feed is never silent (issue 17), at the real broker over TCP.
# - A console that itself does not run for 4 s (SIGSTOP, as a blocked stdout or a loaded
#   machine would do) against a healthy broker: no lost notice and no silence warning
#   when it runs again (it pings before it judges), and it prints what comes next.
# - The broker killed (SIGKILL) under a police console (--zone sv.ss): "CONNECTION LOST"
#   at once (the connection closed); started again: "connection restored"; messages
#   published after the restart are printed.
# - The broker killed and restarted while messages are published before the console can
#   reconnect (the console is held with SIGSTOP meanwhile, so the gap is certain): the
#   restore says exactly how many messages the gap fill fetched, and every message of
#   the log for the area is printed once, in seq order. Each lost notice is followed by
#   a restored one (at least one per outage: a loaded machine may see more).
# - The broker stopped (SIGSTOP: the connection stays open, no ping is answered): the
#   silence warning and a lost notice; SIGCONT: restored.
# - --max-outage: exit status 5 after the feed was down that long, with JSON events
#   ("event": "lost", then "gave_up") under --json; that console runs in Spanish (es_SV):
#   its notices are Spanish, its JSON keys and values are not translated.
# - A key revoked by a reload: the console is told so and exits 1 (not left hanging);
#   a console started with a key the broker refuses at the handshake is told so and
#   exits 1 at once, not after a timeout.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"

INSIDE=sv.ss.san-salvador-este.soyapango
export HCBUS_ZONES="$HC_SRC/deploy/sv-districts.csv"
export HCBUS_SUBSCRIBE_ENDPOINT HCBUS_BROKER_KEY
BKEY="$HC_WORK/keys/broker.pub"

console() { # NAME KEY FLAGS...: hcbus subscribe in the background, stdout NAME.out, stderr NAME.log
  local name=$1 key=$2
  shift 2
  hc_start_bg "$name" env ${CONSOLE_SPANISH:+-u LC_ALL LANG=es_SV.UTF-8 LANGUAGE=es} \
    bash -c 'exec "$0" "$@" >"$HC_WORK/'"$name"'.out"' "$HC_CLI" subscribe \
    --endpoint "$HC_SUB_ENDPOINT" --broker-key "$BKEY" --key "$(hc_key "$key")" "$@"
}
alerts() { # COUNT PREFIX
  hc_probe publish --key "$(hc_key minsal)" --kind alert --zone "$INSIDE" --count "$1" --msg-prefix "$2" >/dev/null ||
    hc_fail "publish $2"
}
lines_of() { grep -c '^#' "$HC_WORK/$1.out" 2>/dev/null || true; }
printed_seqs() { sed -n 's/^#\([0-9]*\) .*/\1/p' "$HC_WORK/$1.out"; }
logged_seqs() { hc_psql "SELECT seq FROM hcbus.events WHERE topic LIKE 'alert.sv.ss.%' AND seq > $1 ORDER BY seq"; }
subscribed() { # NAME: the console has subscribed (it says so on stderr)
  hc_wait_for "$1 subscribed" 20 grep -q '^hcbus subscribe: subscribed to' "$HC_WORK/$1.log"
}

hc_bus_setup
"$HC_PROBE" keygen "$HC_WORK/keys" pnc2 || hc_fail "keygen pnc2"
HC_PNC_KEYS='"keys/pnc.pub", "keys/pnc2.pub"' hc_bus_write_config
hc_bus_start

# --- the console stalls, the broker is healthy: nothing lost -------------------------
console stalled pnc --zone sv.ss --warn-silence 2
subscribed stalled
alerts 1 stall-before
hc_wait_for "the stalled console prints" 20 eval '[ "$(lines_of stalled)" -ge 1 ]'
hc_kill stalled STOP
sleep 4   # the stall itself: longer than 3 pings and than --warn-silence 2
hc_kill stalled CONT
alerts 1 stall-after
hc_wait_for "the console prints after its stall" 20 eval '[ "$(lines_of stalled)" -ge 2 ]'
hc_assert_eq 0 "$(grep -c 'CONNECTION LOST' "$HC_WORK/stalled.log" || true)" "no lost notice after the console's own stall"
hc_assert_eq 0 "$(grep -c 'WARNING' "$HC_WORK/stalled.log" || true)" "no silence warning after the console's own stall"
hc_kill stalled TERM

# --- killed and started again, live ---------------------------------------------------
console live pnc --zone sv.ss --warn-silence 0
subscribed live
alerts 1 probe
hc_wait_for "the console prints the first alert" 20 eval '[ "$(lines_of live)" -ge 1 ]'
start=$(( $(printed_seqs live | head -1) - 1 ))
alerts 4 before
hc_wait_for "5 alerts printed" 20 eval '[ "$(lines_of live)" -ge 5 ]'
hc_kill broker KILL
hc_wait_for "CONNECTION LOST said at once" 10 grep -q 'CONNECTION LOST.*the connection closed' "$HC_WORK/live.log"
hc_bus_start_broker
hc_wait_for "connection restored said" 20 grep -q 'connection restored after .*: no message was missed' "$HC_WORK/live.log"
alerts 3 after
hc_wait_for "8 alerts printed" 20 eval '[ "$(lines_of live)" -ge 8 ]'

# --- killed, restarted and published to while the console could not reconnect --------
hc_kill live STOP
hc_kill broker KILL
hc_bus_start_broker
alerts 7 gap
hc_kill live CONT
hc_wait_for "restored with the gap filled" 30 grep -q 'connection restored after .*; messages fetched by replay to fill the gap: 7 (' "$HC_WORK/live.log"
alerts 2 last
hc_wait_for "17 alerts printed" 20 eval '[ "$(lines_of live)" -ge 17 ]'
hc_assert_eq "$(logged_seqs "$start")" "$(printed_seqs live)" "every alert of the log printed once, in seq order"
hc_assert_eq 0 "$(grep -c 'WARNING' "$HC_WORK/live.log" || true)" "no silence warning under --warn-silence 0"
# L for a lost notice, R for a restored one, in the order said: two outages at least,
# each lost notice followed by a restored one.
notices=$(sed -n -e 's/.*CONNECTION LOST.*/L/p' -e 's/.*connection restored.*/R/p' "$HC_WORK/live.log" | tr -d '\n')
[[ "$notices" =~ ^(LR)+$ ]] || hc_fail "lost/restored notices out of order: $notices"
[ "${#notices}" -ge 4 ] || hc_fail "fewer than one lost and one restored notice per outage: $notices"
hc_log "$(grep -E 'LOST|restored' "$HC_WORK/live.log" | tr '\n' '|')"
hc_kill live TERM

# --- the broker stopped: silence, lost (no answer), then restored ---------------------
console quiet pnc --zone sv.ss --warn-silence 2
subscribed quiet
alerts 1 quiet
hc_wait_for "the quiet console prints" 20 eval '[ "$(lines_of quiet)" -ge 1 ]'
hc_kill broker STOP
hc_wait_for "lost: no answer to pings" 20 grep -q 'CONNECTION LOST.*stopped answering pings' "$HC_WORK/quiet.log"
hc_wait_for "silence warning" 20 grep -q 'WARNING: nothing from the broker for [0-9]* s, not even a ping' "$HC_WORK/quiet.log"
hc_kill broker CONT
hc_wait_for "restored after the stop" 20 grep -q 'connection restored after' "$HC_WORK/quiet.log"
alerts 1 quiet-after
hc_wait_for "the console prints after the stop" 20 eval '[ "$(lines_of quiet)" -ge 2 ]'
hc_kill quiet TERM

# --- --max-outage: exit 5, JSON events (a console in Spanish: the JSON stays as it is) --
CONSOLE_SPANISH=1 console outage pnc --zone sv.ss --json --max-outage 2 --warn-silence 0
hc_wait_for "outage subscribed" 20 grep -q '^{"event":"subscribed"' "$HC_WORK/outage.out"
hc_assert_contains "$(cat "$HC_WORK/outage.log")" "hcbus subscribe: suscrito a zone.sv.ss." "said in Spanish"
alerts 1 outage
hc_wait_for "the outage console prints" 20 eval '[ "$(grep -c "\"seq\"" "$HC_WORK/outage.out" || true)" -ge 1 ]'
hc_kill broker KILL
set +e
wait "$(hc_pid outage)"
status=$?
set -e
unset 'HC_PIDS[outage]'
hc_assert_eq 5 "$status" "--max-outage 2: exit status 5"
hc_assert_contains "$(cat "$HC_WORK/outage.out")" '{"event":"lost"' "a JSON lost event"
hc_assert_contains "$(cat "$HC_WORK/outage.out")" '"reason":"disconnected"' "the JSON event says why"
hc_assert_contains "$(cat "$HC_WORK/outage.out")" '{"event":"gave_up"' "a JSON gave_up event"
hc_assert_contains "$(cat "$HC_WORK/outage.log")" "CONEXIÓN PERDIDA con tcp://" "the lost notice in Spanish"
hc_assert_contains "$(cat "$HC_WORK/outage.log")" "(--max-outage 2): se termina" "the end said on stderr, in Spanish"
hc_bus_start_broker

# --- a revoked key -----------------------------------------------------------------
console revoked pnc2 --zone sv.ss
subscribed revoked
alerts 1 revoke
hc_wait_for "pnc2 prints" 20 eval '[ "$(lines_of revoked)" -ge 1 ]'
HC_PNC_KEYS='"keys/pnc.pub"' hc_bus_write_config
hc_kill broker HUP
set +e
wait "$(hc_pid revoked)"
status=$?
set -e
unset 'HC_PIDS[revoked]'
hc_assert_eq 1 "$status" "a console whose key is revoked exits 1"
# The reload closes the connection; the broker answers a request still on it "no longer
# accepted", or the reconnection is refused at the handshake: either way it is told.
grep -Eq "no longer accepted|refused this institution's key" "$HC_WORK/revoked.log" ||
  hc_fail "the revoked console was not told why: $(cat "$HC_WORK/revoked.log")"
t0=$SECONDS
out=$("$HC_CLI" subscribe --endpoint "$HC_SUB_ENDPOINT" --broker-key "$BKEY" --key "$(hc_key pnc2)" \
  --timeout-ms 20000 alert. 2>&1) && hc_fail "a revoked key subscribed"
hc_assert_contains "$out" "refused this institution's key" "a revoked key is told at the handshake"
[ $((SECONDS - t0)) -lt 15 ] || hc_fail "the refused key was told only after the timeout"
out=$("$HC_CLI" subscribe --endpoint "$HC_SUB_ENDPOINT" --broker-key "$BKEY" --key "$(hc_key stranger)" \
  --json alert. 2>&1) && hc_fail "an unknown key subscribed"
hc_assert_contains "$out" "not allowed: key: the broker refused this institution's key" "an unknown key too"
hc_pass
