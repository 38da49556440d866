#!/usr/bin/env bash
# Revoking a key by SIGHUP under publish load, over TCP (issue 12, item 3): the broker
# closes that key's connections and nothing else. It keeps listening (new connections
# are served), every other client keeps its connection and its subscription (a raw
# subscriber that never resubscribes still gets every message), the revoked key is
# refused from then on, and the log says what happened. Done twice in a row (revoke
# pnc's first key, then its second), since unbinding and binding again used to lose the
# TCP port to EADDRINUSE in most tries.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"

SP="$HC_BIN/tests/session_probe"
BKEY="$HC_WORK/keys/broker.pub"
LOAD=3000

hc_bus_setup
for name in pnc2 pnc3; do "$HC_PROBE" keygen "$HC_WORK/keys" "$name" || hc_fail "keygen $name"; done
HC_PNC_KEYS='"keys/pnc.pub", "keys/pnc2.pub"' hc_bus_write_config
hc_bus_start

listen() { # NAME KEY: a raw subscriber to zone. that never resubscribes
  hc_start_bg "$1" "$SP" listen --endpoint "$HC_SUB_ENDPOINT" --broker-key "$BKEY" --key "$(hc_key "$2")" \
    --subscribe zone. --ping-ms 200 --until-file "$HC_WORK/stop-listening" --timeout-ms 120000
  hc_wait_for "$1 subscribed" 20 grep -q '^subscribed' "$HC_WORK/$1.log"
}
deliveries() { grep -c '^delivery' "$HC_WORK/$1.log" || true; }
key_hint() { awk '/^public-key/ {print substr($2, 1, 8)}' "$HC_WORK/keys/$1.pub"; }
reloads() { grep -c 'configuration reloaded' "$HC_WORK/broker.log" || true; }

# A reload, then proof the broker still takes new connections and requests.
revoke() { # KEYS_LEFT REVOKED_NAME
  local before
  before=$(reloads)
  HC_PNC_KEYS=$1 hc_bus_write_config
  hc_kill broker HUP
  hc_wait_for "reload applied" 20 hc_bus_log_count_above broker 'configuration reloaded' "$before"
  hc_wait_for "the revoked key's connection closed" 20 \
    grep -qF "closed: its key $(key_hint "$2")... was revoked" "$HC_WORK/broker.log"
  hc_probe publish --key "$(hc_key sem)" --count 1 --kind dispatch --msg-prefix "after-$2" >/dev/null ||
    hc_fail "a new connection after revoking $2 was not served: is the broker still listening?"
  out=$("$SP" listen --endpoint "$HC_SUB_ENDPOINT" --broker-key "$BKEY" --key "$(hc_key "$2")" --ping-ms 0 --once \
    --timeout-ms 2000 || true)
  hc_assert_contains "$out" "timeout" "the revoked key $2 gets no answer (refused at the handshake)"
}

listen first pnc
listen second pnc2
listen witness minsal
hc_start_bg load "$HC_PROBE" publish --endpoint "$HC_PUB_ENDPOINT" --broker-key "$BKEY" --key "$(hc_key minsal)" \
  --count "$LOAD" --msg-prefix load --timeout-ms 60000
hc_wait_for "load under way" 20 eval '[ "$(deliveries witness)" -ge 100 ]'

revoke '"keys/pnc2.pub"' pnc
first_at_revocation=$(deliveries first)
wait "$(hc_pid load)" || hc_fail "the publisher under load was not served through the reload: $(tail -3 "$HC_WORK/load.log")"
hc_wait_for "witness got the whole load" 30 eval '[ "$(deliveries witness)" -ge $LOAD ]'
hc_wait_for "pnc2 (not revoked) got the whole load on its first connection" 30 \
  eval '[ "$(deliveries second)" -ge $LOAD ]'
hc_assert_eq "$first_at_revocation" "$(deliveries first)" "nothing reached pnc's revoked key after the reload"
hc_kill first   # its DEALER keeps trying to reconnect, refused at every handshake

# Second revocation: pnc2 goes, pnc3 comes.
second_at_revocation=$(deliveries second)
revoke '"keys/pnc3.pub"' pnc2
hc_probe publish --key "$(hc_key minsal)" --count 10 --msg-prefix after-both >/dev/null || hc_fail "publish after both reloads"
hc_wait_for "witness still served after both reloads" 20 eval '[ "$(deliveries witness)" -ge $((LOAD + 10)) ]'
hc_probe publish --key "$(hc_key pnc3)" --count 1 --kind alert --msg-prefix pnc3 >/dev/null || hc_fail "pnc's new key refused"

hc_assert_eq "$second_at_revocation" "$(deliveries second)" "nothing reached pnc2 after its revocation"
hc_kill second
touch "$HC_WORK/stop-listening"
wait "$(hc_pid witness)" || hc_fail "the witness was not answered at the end"
if grep -E "cannot reset|every connection was reset|cannot listen" "$HC_WORK/broker.log"; then
  hc_fail "the broker's log reports a reset or a lost endpoint"
fi
hc_assert_eq 2 "$(grep -c 'keys revoked: yes, [1-9][0-9]* connections of revoked keys closed' "$HC_WORK/broker.log")" \
  "each reload says how many connections of revoked keys it closed"
hc_pass
