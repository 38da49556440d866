#!/usr/bin/env bash
# test_client_failover_pair.sh — clients with endpoint lists against a REAL standby pair
# (issue 18, decisions 0037 and 0038): two broker + auditd pairs ("site-a", "site-b")
# on one PostgreSQL, both auditd.standby = true; every client holds the list of both.
#   1. A active. A publisher and subscribers hold "A,B" (one subscriber "B,A": it starts
#      at the passive broker and moves to A by itself). kill -9 of A's broker and auditd
#      mid-stream: B takes over, the publisher moves to B and its whole stream is acked;
#      the kill-to-next-ack time is printed.
#   2. A restarted (passive). A second stream from a publisher holding "A,B" (A is now
#      the passive one: it moves to B), and kill -9 of B mid-stream: A takes over again,
#      every client follows.
# After both: every message acked, each msg_id recorded once, seq without a hole, the
# chain verifies; each subscriber got every seq, in order (its gaps filled by replay);
# the console (`hcbus subscribe --json` with the list) printed each message once and
# said lost, switched and restored at each failover.
source "${HCBUS_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/harness.sh"
source "$HC_SRC/tests/lib/bus.sh"

AUDITD=$HC_BIN/services/auditd/hcbus-auditd
BROKER=$HC_BIN/services/broker/hcbus-broker
POLL_MS=200
STREAM=2000
FAILOVER_BOUND_S=20   # kill -9 of the active pair to the stream's first commit at the other

mapfile -t ports < <("$HC_BIN/tests/free_ports" 3) || hc_fail "free_ports failed"
hc_bus_setup
declare -A PUB SUB AUDIT
PUB[a]=$HC_PUB_ENDPOINT SUB[a]=$HC_SUB_ENDPOINT AUDIT[a]=$HC_AUDIT_ENDPOINT
PUB[b]=tcp://127.0.0.1:${ports[0]} SUB[b]=tcp://127.0.0.1:${ports[1]} AUDIT[b]=tcp://127.0.0.1:${ports[2]}
PUBS="${PUB[a]},${PUB[b]}" SUBS="${SUB[a]},${SUB[b]}"

# Each pair's config: the same bus (keys, institutions, database), its own endpoints.
standby_lines() { printf '  standby = true;\n  standby_poll_ms = %s;\n  node_name = "site-%s";\n' "$POLL_MS" "$1"; }
sed "/^  batch_max_delay_ms = 0;/r /dev/stdin" "$HC_WORK/hcbus.conf" <<<"$(standby_lines a)" >"$HC_WORK/a.conf"
sed -e "s|${PUB[a]}\"|${PUB[b]}\"|; s|${SUB[a]}\"|${SUB[b]}\"|; s|${AUDIT[a]}\"|${AUDIT[b]}\"|" \
    -e "s|node_name = \"site-a\"|node_name = \"site-b\"|" "$HC_WORK/a.conf" >"$HC_WORK/b.conf"
grep -q "node_name = \"site-b\"" "$HC_WORK/b.conf" || hc_fail "b.conf not written"

STARTS=0
keep_log() { [ -f "$HC_WORK/$1.log" ] && STARTS=$((STARTS + 1)) && mv "$HC_WORK/$1.log" "$HC_WORK/$1.log.$STARTS"; return 0; }
in_log() { grep -qF -- "$2" "$HC_WORK/$1.log"; }
start_pair() {   # PAIR: its auditd, then its broker
  keep_log "auditd_$1"
  hc_start_bg "auditd_$1" "$AUDITD" --config "$HC_WORK/$1.conf" --broker-key "$HC_WORK/keys/broker.pub"
  hc_wait_for "auditd $1 listening" 30 in_log "auditd_$1" "listening on"
  keep_log "broker_$1"
  hc_start_bg "broker_$1" "$BROKER" --config "$HC_WORK/$1.conf"
}
kill_pair() { hc_kill "broker_$1" KILL; hc_kill "auditd_$1" KILL; }
acks() { grep -c '^ack' "$HC_WORK/$1.log" || true; }
acks_above() { [ "$(acks "$1")" -gt "$2" ]; }
max_seq() { hc_psql "SELECT coalesce(max(seq), 0) FROM hcbus.events"; }
max_seq_above() { [ "$(max_seq)" -gt "$1" ]; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# A stream of STREAM publishes holding the list; kill -9 the active pair KILL once 300
# are acked; returns when the whole stream is acked, after printing the failover time.
stream_across_kill() {   # NAME KILL
  local name=$1 victim=$2 before t0 t1
  hc_start_bg "$name" "$HC_PROBE" publish --endpoint "$PUBS" --broker-key "$HC_WORK/keys/broker.pub" \
    --key "$(hc_key minsal)" --count "$STREAM" --msg-prefix "$name" --window 64 --timeout-ms 120000
  hc_wait_for "$name under way" 30 acks_above "$name" 300
  t0=$(now_ms)
  kill_pair "$victim"
  before=$(max_seq) # the dead pair records nothing more: a higher seq is the survivor's
  hc_wait_for "$name recorded by the other pair after the kill of $victim" "$FAILOVER_BOUND_S" max_seq_above "$before"
  t1=$(now_ms)
  hc_log "failover: $((t1 - t0)) ms from kill -9 of pair $victim to the first message of $name committed by the other (polled every ${HC_POLL_INTERVAL_S}s)"
  wait "$(hc_pid "$name")" || hc_fail "$name did not complete: $(tail -3 "$HC_WORK/$name.log")"
  unset "HC_PIDS[$name]"
  hc_assert_eq "$STREAM" "$(acks "$name")" "$name: every message acked across the failover"
  hc_assert_eq "$STREAM $STREAM" "$(hc_psql "SELECT count(*), count(DISTINCT msg_id) FROM hcbus.events WHERE msg_id LIKE '$name-%'" | tr '|' ' ')" \
    "$name: each message recorded exactly once"
  # Writes (acks not duplicate) by endpoint in seq order: one run at the killed pair,
  # then one at the other; a duplicate answer (recorded by the dead pair, its ack lost
  # with it) comes from the survivor with the old seq and is no write.
  runs=$(awk '$1=="ack" && $4=="0" {print $3, $5}' "$HC_WORK/$name.log" | sort -n | awk '$2 != prev {n++; prev = $2} END {print n}')
  hc_assert_eq 2 "$runs" "$name: its recorded seqs come from one pair, then the other"
  hc_log "$name: $(awk '$1=="ack" && $4=="1"' "$HC_WORK/$name.log" | wc -l) duplicate answers (recorded before the kill, ack lost)"
}

# --- 1. A active, B passive; clients hold both ------------------------------------------
start_pair a
hc_wait_for "broker a ready" 30 in_log broker_a "zone snapshot rebuilt"
start_pair b
hc_wait_for "broker b passive" 30 in_log broker_b "passive: the audit service (node site-b)"

TOTAL=$((2 * STREAM))
hc_start_bg console sh -c "HCBUS_KEY='$(hc_key pnc)' HCBUS_BROKER_KEY='$HC_WORK/keys/broker.pub' exec '$HC_CLI' subscribe --json --endpoint '$SUBS' zone."
hc_start_bg sub_ab "$HC_PROBE" subscribe --endpoint "$SUBS" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key pnc)" --count "$TOTAL" --timeout-ms 180000 zone.
hc_start_bg sub_ba "$HC_PROBE" subscribe --endpoint "${SUB[b]},${SUB[a]}" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key sem)" --count "$TOTAL" --timeout-ms 180000 zone.
hc_wait_for "console subscribed" 20 grep -q '"event":"subscribed"' "$HC_WORK/console.log"
hc_wait_for "subscriber a,b subscribed" 20 grep -q '^subscribed' "$HC_WORK/sub_ab.log"
hc_wait_for "subscriber b,a subscribed (at a)" 20 grep -q '^subscribed' "$HC_WORK/sub_ba.log"

stream_across_kill s1 a
in_log auditd_b "active (node site-b): took the writer lock" || hc_fail "auditd b did not take over"

# --- 2. A back (passive); a second stream starts at A, the passive one; B killed ---------
start_pair a
hc_wait_for "broker a passive" 30 in_log broker_a "passive: the audit service (node site-a)"
stream_across_kill s2 b
in_log auditd_a "active (node site-a): took the writer lock" || hc_fail "auditd a did not take over again"

# --- the log and every reader --------------------------------------------------------------
hc_assert_eq "t" "$(hc_psql "SELECT count(*) = max(seq) AND count(*) = count(DISTINCT seq) FROM hcbus.events")" "seq without a hole"
hc_assert_eq "" "$(hc_chain_problems)" "the hash chain verifies across both failovers"
expected=$(hc_psql "SELECT seq FROM hcbus.events WHERE kind = 'zone' AND seq > (SELECT min(seq) - 1 FROM hcbus.events WHERE msg_id LIKE 's1-%') ORDER BY seq" | tr '\n' ' ')
for sub in sub_ab sub_ba; do
  wait "$(hc_pid "$sub")" || hc_fail "$sub did not get every message: $(tail -3 "$HC_WORK/$sub.log")"
  unset "HC_PIDS[$sub]"
  hc_assert_eq "$expected" "$(awk '$1 ~ /^[0-9]+$/ {print $1}' "$HC_WORK/$sub.log" | tr '\n' ' ')" "$sub got every seq, in order, once"
done
last=$(hc_psql "SELECT max(seq) FROM hcbus.events")
hc_wait_for "the console shows the last message" 60 grep -q "\"seq\":$last[,}]" "$HC_WORK/console.log"
hc_wait_for "the console restored twice" 30 sh -c "[ \$(grep -c '\"event\":\"restored\"' '$HC_WORK/console.log') -ge 2 ]"
hc_assert_eq "$TOTAL" "$(grep -c '"msg_id":"s[12]-' "$HC_WORK/console.log")" "the console printed each message once"
for seen in "switched to the broker at ${SUB[b]}" "switched to the broker at ${SUB[a]}" "CONNECTION LOST" "connection restored"; do
  hc_assert_contains "$(cat "$HC_WORK/console.log")" "$seen" "the console said: $seen"
done
grep '"event":"restored"' "$HC_WORK/console.log" | sed 's/.*"outage_ms":\([0-9]*\).*/console outage: \1 ms/' >&2
hc_pass
