#!/usr/bin/env bash
# test_field_link.sh — issue 19's scenario: a field unit on a bad mobile link.
# The unit (institution sem's ambulance) runs in its own network namespace; a wire
# through the link emulator (netlab.sh, tests/tools/linkem.c: the kernel has no netem)
# joins it to the "data centre" (the root namespace: PostgreSQL, hcbus-auditd,
# hcbus-broker with the field settings of docs/field.md, hcbus-coordinator). The unit
# publishes its statuses with `hcbus publish --outbox --link field`:
# 1. 2 s delay and 30 % loss each way: statuses are recorded (CurveZMQ handshake and
#    acks over a 4 s round trip with retransmissions);
# 2. the wire is cut for 5 minutes (HC_FIELD_CUT_S) while the unit goes on publishing:
#    each status is queued in the outbox file; one `hcbus publish` is killed with -9
#    while it waits for its ack, and an `hcbus outbox flush` too; the unit goes on
#    (every later command opens the same outbox: the restart);
# 3. healed (still 2 s and 30 %): `hcbus outbox flush` sends what waits.
# Then: every status the unit made is recorded exactly once (its msg_id once in
# hcbus.events, nothing else from the unit), with its own time (at_us set when the
# command ran, not when it was resent after the cut), in the order the unit made them
# (seq order = the unit's order); the coordinator counted every one (no FUTURE_TIME, no
# TRANSITION) and `hcbus dispatch show` marks the late ones; the unit's memory (max RSS
# of every hcbus process) and its outbox file stayed within their bounds; the broker
# dropped the connections the killed processes left (heartbeats).
# Slow by design (the cut lasts 5 minutes): TIMEOUT and COST in tests/CMakeLists.txt.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
source "$HC_SRC/tests/lib/bus.sh"
source "$HC_SRC/tests/lib/messages.sh"
source "$HC_SRC/tests/lib/netlab.sh"
netlab_require

ZONE=sv.ch.chalatenango-sur.chalatenango      # the hills
CUT_S=${HC_FIELD_CUT_S:-300}
DELAY_MS=2000
LOSS_PCT=30
PHASE_S=600                                   # bound of each phase of flushes over the bad link
OUTBOX_MAX_BYTES=1048576
RSS_MAX_KB=${HC_FIELD_RSS_MAX_KB:-131072}     # under ASan; measured and printed below
NET=$((($$ % 200) + 20))                      # a /30 of our own: the root side's route is shared
CENTRE_ADDR=10.$NET.19.1
UNIT_ADDR=10.$NET.19.2

# ---- the data centre: the bus on the wire's address, with the field settings --------
hc_bus_endpoints
HC_PUB_ENDPOINT="tcp://$CENTRE_ADDR:${HC_PUB_ENDPOINT##*:}"
HC_SUB_ENDPOINT="tcp://$CENTRE_ADDR:${HC_SUB_ENDPOINT##*:}"
export HC_PUB_ENDPOINT HC_SUB_ENDPOINT
netlab_ns unit
netlab_wire root "$CENTRE_ADDR/30" unit "$UNIT_ADDR/30" "$DELAY_MS" "$LOSS_PCT"
WIRE=$NETLAB_WIRE
hc_bus_setup
sed -i "s|^  audit_resend_ms = \(.*\);$|  audit_resend_ms = \1;\n  handshake_ms = 120000;\n  heartbeat_ms = 10000;\n  heartbeat_timeout_ms = 60000;\n  tcp_keepalive_s = 30;|" \
  "$HC_WORK/hcbus.conf"
grep -q "heartbeat_ms = 10000" "$HC_WORK/hcbus.conf" || hc_fail "the broker's field settings are not in hcbus.conf"
hc_bus_start
hc_coordinator_start
hc_coordinator_wait_caught_up

# ---- the unit ---------------------------------------------------------------------------
UNIT_DIR=$HC_WORK/unit                       # the unit's own disk
mkdir -p "$UNIT_DIR"
OUTBOX=$UNIT_DIR/outbox
MADE=$UNIT_DIR/made.tsv                       # msg_id, request, state, before_us, after_us
: >"$MADE"
: >"$UNIT_DIR/rss.kb"
UNIT_ENV=(env HCBUS_PUBLISH_ENDPOINT="$HC_PUB_ENDPOINT" HCBUS_BROKER_KEY="$HC_WORK/keys/broker.pub"
          HCBUS_KEY="$(hc_key sem)" HCBUS_LINK=field HCBUS_OUTBOX="$OUTBOX")

now_us() { date +%s%6N; }

# unit_cli ARGS...: hcbus as the unit, in its namespace, its max RSS recorded.
unit_cli() {
  netlab_exec unit /usr/bin/time -a -o "$UNIT_DIR/rss.kb" -f %M "${UNIT_ENV[@]}" "$HC_CLI" "$@"
}

# status_json N REQUEST STATE: the unit's N-th status, one line, its time "now" (set
# when the command runs: what the crew's click makes).
status_json() {
  local extra=""
  case $3 in transporting|at_facility) extra='"destination_facility": "Hospital Nacional de Chalatenango"' ;; esac
  hc_msg_status "u7-$1" "$2" "$ZONE" "$3" '"now"' "$extra" | tr -d '\n'
  echo
}

# status N REQUEST STATE: publish it through the outbox (3 s wait); print the answer.
status() {
  local before after out
  before=$(now_us)
  out=$(status_json "$@" | unit_cli publish --json --outbox="$OUTBOX" --outbox-max-bytes "$OUTBOX_MAX_BYTES" 2>&1) ||
    hc_fail "publish --outbox of u7-$1 failed: $out"
  after=$(now_us)
  printf 'u7-%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$before" "$after" >>"$MADE"
  hc_log "unit: u7-$1 $2 $3: $(tail -n 1 <<<"$out")"
  tail -n 1 <<<"$out"
}

outbox_bytes() { stat -c %s "$OUTBOX" 2>/dev/null || echo 0; }
waiting() { netlab_exec unit "${UNIT_ENV[@]}" "$HC_CLI" outbox show --json | jq -r .waiting; }
recorded() { hc_psql "SELECT count(*) FROM hcbus.events WHERE sender = 'sem' AND msg_id LIKE 'u7-%'"; }
recorded_is() { [ "$(recorded)" = "$1" ]; }
verdicts_are() {
  [ "$(hc_psql "SELECT count(*) FROM review.verdicts v JOIN hcbus.events e ON e.seq = v.subject_seq
                WHERE e.msg_id LIKE 'u7-%'")" = "$1" ]
}

# flush_all: `hcbus outbox flush` over the bad link until nothing waits (exit 3: some
# still wait, flush again), at most PHASE_S seconds.
flush_all() {
  local deadline=$((SECONDS + PHASE_S)) rc start=$SECONDS
  while :; do
    rc=0
    unit_cli outbox flush --timeout 300 >>"$UNIT_DIR/flush.out" 2>&1 || rc=$?
    [ "$rc" = 0 ] && break
    [ "$rc" = 3 ] || hc_fail "outbox flush exited $rc: $(tail -n 3 "$UNIT_DIR/flush.out")"
    [ "$SECONDS" -lt "$deadline" ] || hc_fail "the outbox was not flushed over the link in ${PHASE_S}s"
  done
  hc_log "flushed in $((SECONDS - start)) s: $(tail -n 1 "$UNIT_DIR/flush.out")"
}

# Three calls for the ambulance, from the dispatch centre (root namespace, no wire).
for r in 1 2 3; do
  hc_msg_publish sem "$(hc_msg_dispatch "d-$r" "chal-$r" "$ZONE")" >/dev/null
done

# ---- 1. delay and loss: recorded ---------------------------------------------------------
n=0
for state in accepted en_route; do
  n=$((n + 1))
  out=$(status $n chal-1 $state)
  [[ $out == *'"seq"'* || $out == *'"queued":true'* ]] || hc_fail "status $n: neither recorded nor queued: $out"
done
flush_all
hc_assert_eq 2 "$(recorded)" "over 2 s delay and 30 % loss each way, the first statuses are recorded"

# ---- 2. the cut ----------------------------------------------------------------------------
netlab_cut "$WIRE"
cut_at=$SECONDS
hc_log "wire cut for ${CUT_S}s"
plan=(chal-1:on_scene chal-1:transporting chal-1:at_facility chal-1:closed
      chal-2:accepted chal-2:en_route chal-2:on_scene chal-2:transporting chal-2:at_facility chal-2:closed
      chal-3:accepted chal-3:en_route)
pace_s=$((CUT_S * 2 / 3 / ${#plan[@]}))
for step in "${plan[@]}"; do
  n=$((n + 1))
  req=${step%%:*}
  state=${step#*:}
  if [ "$n" = 6 ]; then
    # The unit's process dies (kill -9) while it waits for the ack of its status; the
    # status was on disk before it was sent.
    status_json $n "$req" "$state" >"$UNIT_DIR/killed.json"
    before=$(now_us)
    netlab_start_bg unit-killed unit sh -c 'exec "$@" <"$0"' "$UNIT_DIR/killed.json" "${UNIT_ENV[@]}" \
      "$HC_CLI" publish --json --outbox="$OUTBOX" --outbox-max-bytes "$OUTBOX_MAX_BYTES" --timeout-ms 600000
    hc_wait_for "u7-$n in the outbox file" 30 grep -aq "u7-$n" "$OUTBOX"
    after=$(now_us)
    hc_kill unit-killed KILL
    printf 'u7-%s\t%s\t%s\t%s\t%s\n' "$n" "$req" "$state" "$before" "$after" >>"$MADE"
    hc_log "unit: u7-$n $req $state: killed -9 while waiting for its ack"
  else
    out=$(status $n "$req" "$state")
    hc_assert_contains "$out" '"queued":true' "status $n during the cut is queued"
  fi
  if [ "$n" = 9 ]; then
    # A flush during the cut (the user pressed "send"), killed too, holding the outbox.
    netlab_start_bg flush-killed unit "${UNIT_ENV[@]}" "$HC_CLI" outbox flush --timeout 600
    hc_wait_for "the flush holding the outbox" 30 grep -qx "$(hc_pid flush-killed)" "$OUTBOX.lock"
    hc_kill flush-killed KILL
    hc_log "unit: outbox flush killed -9 during the cut"
  fi
  [ "$(outbox_bytes)" -le "$OUTBOX_MAX_BYTES" ] || hc_fail "outbox $(outbox_bytes) bytes > $OUTBOX_MAX_BYTES"
  # The unit's tempo: the next status when the scenario says (not a wait for anything).
  next_at=$((cut_at + (n - 2) * pace_s))
  while [ "$SECONDS" -lt "$next_at" ]; do sleep 1; done
done
total=$(wc -l <"$MADE")
hc_assert_eq $((total - 2)) "$(waiting)" "every status of the cut waits in the outbox"
hc_assert_eq 2 "$(recorded)" "nothing crossed the cut"
hc_log "before the heal: $(waiting) waiting, outbox $(outbox_bytes) bytes"
while [ "$SECONDS" -lt $((cut_at + CUT_S)) ]; do sleep 1; done

# ---- 3. healed (2 s, 30 % again): flush -----------------------------------------------------
netlab_heal "$WIRE"
flush_all
hc_wait_for "every status recorded" 60 recorded_is "$total"

# ---- checks ------------------------------------------------------------------------------
# Exactly once, its own time, in order.
rows=$(hc_psql "SELECT msg_id, (extract(epoch FROM review.summary_time(summary->>'at_us')) * 1000000)::bigint, seq
                FROM hcbus.events
                WHERE sender = 'sem' AND msg_id LIKE 'u7-%' ORDER BY seq")
hc_assert_eq "$total" "$(wc -l <<<"$rows")" "each of the unit's $total statuses recorded once"
hc_assert_eq "$(cut -f1 "$MADE" | tr '\n' ' ')" "$(cut -d'|' -f1 <<<"$rows" | tr '\n' ' ')" \
  "recorded in the order the unit made them"
while IFS=$'\t' read -r id req state before after; do
  at=$(awk -F'|' -v id="$id" '$1 == id { print $2 }' <<<"$rows")
  [ -n "$at" ] && [ "$at" -ge "$before" ] && [ "$at" -le "$after" ] ||
    hc_fail "$id ($req $state): at_us $at is not its own time (the command ran $before..$after)"
  HC_CHECKS=$((HC_CHECKS + 1))
done <"$MADE"
hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM hcbus.events WHERE sender = 'sem' AND kind = 'status'
                           AND msg_id NOT LIKE 'u7-%'")" "nothing else from the unit"

# The coordinator counted each, at its own time, late or not.
hc_wait_for "the coordinator's verdicts" 60 verdicts_are "$total"
hc_assert_eq "" "$(hc_psql "SELECT string_agg(e.msg_id || ':' || v.verdict || ':' || coalesce(v.rule, ''), ',')
                            FROM review.verdicts v JOIN hcbus.events e ON e.seq = v.subject_seq
                            WHERE e.msg_id LIKE 'u7-%' AND v.verdict <> 'counted'")" "no status refused"
show=$("$HC_CLI" dispatch show chal-2 --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
         --key "$(hc_key sem)" 2>&1) || hc_fail "dispatch show: $show"
hc_assert_contains "$show" "after its own time (queued by the sender while offline)" \
  "dispatch show marks the statuses that waited in the outbox"

# Bounds: the unit's memory and disk.
rss_max=$(sort -n "$UNIT_DIR/rss.kb" | tail -n 1)
hc_log "unit: max RSS ${rss_max} kB over $(wc -l <"$UNIT_DIR/rss.kb") commands; outbox $(outbox_bytes) bytes at the end;" \
  "broker VmHWM $(awk '/VmHWM/ { print $2, $3 }' "/proc/$(hc_pid broker)/status")"
[ "$rss_max" -le "$RSS_MAX_KB" ] || hc_fail "the unit's max RSS ${rss_max} kB > ${RSS_MAX_KB} kB"
[ "$(outbox_bytes)" -le "$OUTBOX_MAX_BYTES" ] || hc_fail "outbox over its bound at the end"
hc_assert_eq 0 "$(waiting)" "nothing left waiting"
hc_log "wire: $(netlab_stats "$WIRE" | tr '\n' ' ')"
hc_pass
