#!/usr/bin/env bash
# test_ha_audit_silent.sh — a live broker whose audit service is dead (issue 18's "cut
# the link between sites"; review of issue 18): two broker + auditd pairs on one
# PostgreSQL, both auditd.standby = true and broker.standby_after_ms set; clients hold
# both endpoints. kill -9 of auditd A ONLY, mid-stream: its PostgreSQL session ends, B
# takes the writer lock; broker A stays up, answers pings, and hears nothing from its
# audit link. It must turn passive after standby_after_ms (answers STANDBY), so the
# publisher and a subscriber that hold "A,B" end on B: the stream acked whole, each
# msg_id recorded once, seq without a hole, the subscriber got every seq once, in order.
# Before the fix broker A answered NOT_PERSISTED and pings for ever: the subscriber
# stayed on A and got nothing more. Then auditd A restarted: it is passive (B holds the
# lock) and broker A says so (passive for the lock, no longer for silence).
source "${HCBUS_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/harness.sh"
source "$HC_SRC/tests/lib/bus.sh"

AUDITD=$HC_BIN/services/auditd/hcbus-auditd
BROKER=$HC_BIN/services/broker/hcbus-broker
POLL_MS=200
AFTER_MS=1500
STREAM=1500

mapfile -t ports < <("$HC_BIN/tests/free_ports" 3) || hc_fail "free_ports failed"
hc_bus_setup
declare -A PUB SUB AUDIT
PUB[a]=$HC_PUB_ENDPOINT SUB[a]=$HC_SUB_ENDPOINT AUDIT[a]=$HC_AUDIT_ENDPOINT
PUB[b]=tcp://127.0.0.1:${ports[0]} SUB[b]=tcp://127.0.0.1:${ports[1]} AUDIT[b]=tcp://127.0.0.1:${ports[2]}
PUBS="${PUB[a]},${PUB[b]}" SUBS="${SUB[a]},${SUB[b]}"

standby_lines() { printf '  standby = true;\n  standby_poll_ms = %s;\n  node_name = "site-%s";\n' "$POLL_MS" "$1"; }
sed -e "/^  batch_max_delay_ms = 0;/r /dev/stdin" -e "s|^  ack_timeout_ms = .*|&\n  standby_after_ms = $AFTER_MS;|" \
  "$HC_WORK/hcbus.conf" <<<"$(standby_lines a)" >"$HC_WORK/a.conf"
sed -e "s|${PUB[a]}\"|${PUB[b]}\"|; s|${SUB[a]}\"|${SUB[b]}\"|; s|${AUDIT[a]}\"|${AUDIT[b]}\"|" \
    -e "s|node_name = \"site-a\"|node_name = \"site-b\"|" "$HC_WORK/a.conf" >"$HC_WORK/b.conf"
grep -q "node_name = \"site-b\"" "$HC_WORK/b.conf" || hc_fail "b.conf not written"
grep -q "standby_after_ms = $AFTER_MS;" "$HC_WORK/b.conf" || hc_fail "standby_after_ms not written"
"$BROKER" --check-config "$HC_WORK/a.conf" >/dev/null 2>&1 || hc_fail "check-config refuses a.conf: $("$BROKER" --check-config "$HC_WORK/a.conf" 2>&1)"

in_log() { grep -qF -- "$2" "$HC_WORK/$1.log"; }
start_auditd() { hc_start_bg "auditd_$1" "$AUDITD" --config "$HC_WORK/$1.conf" --broker-key "$HC_WORK/keys/broker.pub"; }
acks() { grep -c '^ack' "$HC_WORK/$1.log" || true; }
acks_above() { [ "$(acks "$1")" -gt "$2" ]; }

start_auditd a
hc_wait_for "auditd a listening" 30 in_log auditd_a "listening on"
hc_start_bg broker_a "$BROKER" --config "$HC_WORK/a.conf"
hc_wait_for "broker a ready" 30 in_log broker_a "zone snapshot rebuilt"
start_auditd b
hc_wait_for "auditd b listening" 30 in_log auditd_b "listening on"
hc_start_bg broker_b "$BROKER" --config "$HC_WORK/b.conf"
hc_wait_for "broker b passive" 30 in_log broker_b "passive: the audit service (node site-b)"

hc_start_bg sub "$HC_PROBE" subscribe --endpoint "$SUBS" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key pnc)" --count "$STREAM" --timeout-ms 120000 zone.
hc_wait_for "subscriber subscribed (at a)" 20 grep -q '^subscribed' "$HC_WORK/sub.log"
hc_start_bg s1 "$HC_PROBE" publish --endpoint "$PUBS" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key minsal)" --count "$STREAM" --msg-prefix s1 --window 64 --timeout-ms 120000
hc_wait_for "s1 under way" 30 acks_above s1 200

hc_kill auditd_a KILL   # broker a stays up
hc_wait_for "auditd b took the writer lock" 30 in_log auditd_b "active (node site-b): took the writer lock"
hc_wait_for "broker a passive for its silent audit link" 30 in_log broker_a "passive: the audit service has not answered"
wait "$(hc_pid s1)" || hc_fail "s1 did not complete: $(tail -3 "$HC_WORK/s1.log")"
unset "HC_PIDS[s1]"
hc_assert_eq "$STREAM" "$(acks s1)" "s1: every message acked"
hc_assert_eq "$STREAM $STREAM" "$(hc_psql "SELECT count(*), count(DISTINCT msg_id) FROM hcbus.events WHERE msg_id LIKE 's1-%'" | tr '|' ' ')" \
  "s1: each message recorded exactly once"
hc_assert_eq "t" "$(hc_psql "SELECT count(*) = max(seq) AND count(*) = count(DISTINCT seq) FROM hcbus.events")" "seq without a hole"
hc_assert_eq "" "$(hc_chain_problems)" "the hash chain verifies"
expected=$(hc_psql "SELECT seq FROM hcbus.events WHERE msg_id LIKE 's1-%' ORDER BY seq" | tr '\n' ' ')
wait "$(hc_pid sub)" || hc_fail "the subscriber holding a,b did not get every message (stuck on a?): $(tail -3 "$HC_WORK/sub.log")"
unset "HC_PIDS[sub]"
hc_assert_eq "$expected" "$(awk '$1 ~ /^[0-9]+$/ {print $1}' "$HC_WORK/sub.log" | tr '\n' ' ')" "the subscriber got every seq, in order, once"
last_endpoint=$(awk '$1=="ack" {e=$NF} END {print e}' "$HC_WORK/s1.log")
hc_assert_eq "${PUB[b]}" "$last_endpoint" "the publisher ended on b"

# auditd a back: passive (b holds the lock); broker a now passive for the lock.
mv "$HC_WORK/auditd_a.log" "$HC_WORK/auditd_a.log.1"
start_auditd a
hc_wait_for "broker a hears its passive auditd" 30 in_log broker_a "passive: the audit service (node site-a) answers again"
hc_pass
