#!/usr/bin/env bash
# test_ha_pg.sh — the audit database on two PostgreSQL servers (decision 0037): a
# primary and a synchronous standby over TCP (deploy/pg-ha.sh), hcbus-auditd with a
# multi-host conninfo (target_session_attrs=read-write, passfile). Shows:
#  1. a COMMIT whose wait for the standby is cancelled (the standby is down; the
#     backend is cancelled: PostgreSQL's WARNING, the row committed on the primary
#     only) is never acked, nor is the resend answered from that row while the standby
#     is down (the careful path's COMMIT waits too); once the standby is back the
#     message is acked, once, with the seq of the row, which the standby holds;
#  2. under a stream of publishes from three institutions, with the standby frozen so
#     that commits are in flight, kill -9 of the primary's every process and promotion
#     of the standby: auditd finds the new primary by itself; every acked message is
#     on it exactly once with the seq it was acked with, seq has no hole, both hash
#     chains and `hcbus audit verify` pass;
#  3. the old primary rebuilt as the new one's standby (synchronous again): a reviewer
#     reads off it (target_session_attrs=prefer-standby: verify, show), and `hcbus audit
#     ask`, which writes, is refused there with a clear error naming the standby, and
#     so is hcbus-auditd given that standby alone (a conninfo without
#     target_session_attrs=read-write).
source "$HCBUS_SOURCE_DIR/tests/lib/harness.sh"
source "$HC_SRC/tests/lib/pgha.sh"
source "$HC_SRC/tests/lib/bus.sh"

STREAM_EACH=2000          # publishes per institution in phase 2 (three of them)
KILL_AFTER_EVENTS=600     # phase 2 freezes the standby once this many events exist
AFTER_REBUILD=100
PROBE_TIMEOUT_MS=120000   # a publisher waits this long for its acks (failovers included)
HCBUS=$HC_BIN/services/cli/hcbus
KEY=$HC_WORK/keys/auditd-log.pub

mapfile -t PORTS < <("$HC_BIN/tests/free_ports" 2) || hc_fail "free_ports failed"
PA=${PORTS[0]} PB=${PORTS[1]}
A=$HC_WORK/pga B=$HC_WORK/pgb
pgha_primary "$A" 127.0.0.1 "$PA"
pgha_standby "$B" 127.0.0.1 "$PB" 127.0.0.1 "$PA"
hc_assert_eq "primary standby" "$(pgha_role "$A") $(pgha_role "$B")" "roles at start"

hc_bus_setup                       # migrates the primary (HC_CONNINFO)
HC_AUDITD_CONNINFO=$(pgha_conninfo hcbus_auditd "127.0.0.1:$PA,127.0.0.1:$PB")
hc_bus_write_config
hc_bus_start

# A publisher in the background (bus_probe; its output: "ack MSG_ID SEQ DUPLICATE").
start_publisher() { hc_probe_publish_bg "$@" "$PROBE_TIMEOUT_MS"; }
# The pid of auditd's writer backend while its COMMIT waits for the standby, or nothing.
waiting_commit() {
  pgha_psql "$1" "SELECT pid FROM pg_stat_activity WHERE application_name = 'hcbus-auditd' AND wait_event = 'SyncRep'"
}
# True when a COMMIT of auditd waits for the standby on a backend other than PID.
waits_anew() { local pid; pid=$(waiting_commit "$A"); [ -n "$pid" ] && [ "$pid" != "$1" ]; }
exited() { ! kill -0 "$(hc_pid "$1")" 2>/dev/null; }
# True when the node in DIR holds N events.
holds_events() { [ "$(pgha_psql "$1" "SELECT count(*) FROM hcbus.events")" = "$2" ]; }

# --- 1. A cancelled wait for the standby is not an ack ----------------------------
"$HC_SRC/deploy/pg.sh" stop "$B" fast 2>>"$HC_WORK/pgha.log" || hc_fail "cannot stop the standby"
start_publisher cancel sem dispatch 1
hc_wait_for "auditd's COMMIT waiting for the stopped standby" 30 waits_anew 0
first=$(waiting_commit "$A")
hc_psql "SELECT pg_cancel_backend($first)" >/dev/null
hc_wait_for "auditd's log of PostgreSQL's warning" 30 grep -q "canceling wait for synchronous replication" "$HC_WORK/auditd.log"
hc_wait_for "the batch refused as unconfirmed" 30 grep -q "sent a WARNING during the COMMIT" "$HC_WORK/auditd.log"
hc_assert_eq 1 "$(hc_psql "SELECT count(*) FROM hcbus.msg_ids WHERE msg_id = 'cancel-1'")" \
  "the cancelled COMMIT's row exists on the primary (committed locally)"
# The broker resends; the key is found in the log, and answering it waits for the
# standby again (a transaction id): cancel that wait too.
hc_wait_for "the resend's COMMIT waiting for the standby" 30 waits_anew "$first"
second=$(waiting_commit "$A")
hc_assert_eq 0 "$(grep -c '^ack' "$HC_WORK/cancel.log" || true)" "no ack while the standby is down (after the first cancel)"
hc_psql "SELECT pg_cancel_backend($second)" >/dev/null
hc_wait_for "another resend waiting for the standby" 30 waits_anew "$second"
hc_assert_eq 0 "$(grep -c '^ack' "$HC_WORK/cancel.log" || true)" "no ack while the standby is down (after the second cancel)"
hc_assert_eq 2 "$(grep -c "sent a WARNING during the COMMIT" "$HC_WORK/auditd.log")" "two batches refused as unconfirmed"
"$HC_SRC/deploy/pg.sh" start "$B" 2>>"$HC_WORK/pgha.log" || hc_fail "cannot restart the standby"
hc_wait_for "the ack once the standby is back" 60 exited cancel
acked=$(awk '$1 == "ack" {print $3}' "$HC_WORK/cancel.log")
hc_assert_eq "$(hc_psql "SELECT seq FROM hcbus.msg_ids WHERE msg_id = 'cancel-1'")" "$acked" "acked with the row's seq"
hc_assert_eq 1 "$(pgha_psql "$B" "SELECT count(*) FROM hcbus.events WHERE msg_id = 'cancel-1'")" \
  "the acked message is on the standby, once"
hc_log "phase 1: two cancelled waits, no ack; acked seq $acked once the standby was back"

# --- 2. kill -9 the primary mid-stream, promote the standby -----------------------
start_publisher zones minsal zone "$STREAM_EACH"
start_publisher dispatches sem dispatch "$STREAM_EACH"
start_publisher alerts webform alert "$STREAM_EACH"
hc_wait_for "$KILL_AFTER_EVENTS events" 120 hc_sql_at_least "SELECT count(*) FROM hcbus.events" "$KILL_AFTER_EVENTS"
# Freeze the standby: commits wait for it, so some are in flight when the primary dies.
mapfile -t frozen < <(pgha_pids "$B")
kill -STOP "${frozen[@]}"
hc_wait_for "a COMMIT in flight" 30 waits_anew 0
at_kill=$(hc_psql "SELECT count(*) FROM hcbus.events")
killed_ms=$(date +%s%3N)
pgha_kill "$A"
kill -CONT "${frozen[@]}"
pgha_promote "$B"
hc_assert_eq primary "$(pgha_role "$B")" "the standby was promoted"
hc_wait_for "a commit on the new primary" 60 hc_sql_at_least "SELECT count(*) FROM hcbus.events" $((at_kill + 1))
failover_ms=$(($(date +%s%3N) - killed_ms))
for name in zones dispatches alerts; do
  hc_wait_for "publisher $name done" 180 exited "$name"
done
total=$(hc_psql "SELECT count(*) FROM hcbus.events")
resent=$(cat "$HC_WORK"/{zones,dispatches,alerts}.log | awk '$1 == "ack" && $4 == 1' | wc -l)
hc_log "phase 2: $at_kill events at the kill (stream of $((3 * STREAM_EACH))); failover (kill -9 → promote → first commit on the new primary) ${failover_ms} ms; $total events now; $resent acks answered from the log (committed before the failover, ack lost)"
[ "$at_kill" -lt $((3 * STREAM_EACH)) ] || hc_fail "the stream was over before the kill ($at_kill events)"

# Every acked message exactly once, with its seq; every published message acked.
cat "$HC_WORK"/{cancel,zones,dispatches,alerts}.log | awk '$1 == "ack" {print $2, $3}' | sort -u >"$HC_WORK/acked"
hc_psql "SELECT msg_id || ' ' || seq FROM hcbus.msg_ids ORDER BY 1" | sort >"$HC_WORK/recorded"
hc_assert_eq $((3 * STREAM_EACH + 1)) "$(wc -l <"$HC_WORK/acked")" "every message acked once (distinct msg_id, seq)"
hc_assert_eq "$(awk '{print $1}' "$HC_WORK/acked" | sort -u | wc -l)" "$(wc -l <"$HC_WORK/acked")" "no message acked with two seqs"
hc_assert_eq "" "$(comm -3 "$HC_WORK/acked" "$HC_WORK/recorded" | head -n 5)" "acked = recorded on the new primary (msg_id, seq)"
hc_assert_eq "$total 1 $total" "$(hc_psql "SELECT count(*) || ' ' || min(seq) || ' ' || max(seq) FROM hcbus.events")" "seq 1..N without a hole"
hc_assert_eq "" "$(hc_chain_problems)" "both hash chains verify on the new primary"
READER_PRIMARY=$(pgha_conninfo hcbus_facilitator "127.0.0.1:$PA,127.0.0.1:$PB")
"$HCBUS" audit verify --db "$READER_PRIMARY" --log-key "$KEY" >"$HC_WORK/verify1.out" 2>&1 ||
  hc_fail "hcbus audit verify on the new primary: $(cat "$HC_WORK/verify1.out")"
HC_CHECKS=$((HC_CHECKS + 1))

# --- 3. The old primary rebuilt as the standby; reads off it ----------------------
pgha_rebuild "$A" 127.0.0.1 "$PA" 127.0.0.1 "$PB"
hc_assert_eq "standby primary" "$(pgha_role "$A") $(pgha_role "$B")" "roles after the rebuild"
start_publisher after minsal zone "$AFTER_REBUILD"
hc_wait_for "publisher after done" 60 exited after
hc_assert_eq "$AFTER_REBUILD" "$(grep -c '^ack' "$HC_WORK/after.log")" "publishes acked with the rebuilt standby synchronous"
total=$(hc_psql "SELECT count(*) FROM hcbus.events")
hc_wait_for "the rebuilt standby replays every event" 30 holds_events "$A" "$total"
READER_STANDBY=$(pgha_conninfo hcbus_facilitator "127.0.0.1:$PB,127.0.0.1:$PA" prefer-standby)
"$HCBUS" audit verify --db "$READER_STANDBY" --log-key "$KEY" >"$HC_WORK/verify2.out" 2>&1 ||
  hc_fail "hcbus audit verify on the standby: $(cat "$HC_WORK/verify2.out")"
HC_CHECKS=$((HC_CHECKS + 1))
out=$("$HCBUS" audit show "$total" --db "$READER_STANDBY" 2>&1) || hc_fail "hcbus audit show on the standby: $out"
hc_assert_contains "$out" "hash           $(hc_psql "SELECT encode(hash, 'hex') FROM hcbus.events WHERE seq = $total")" \
  "the last event shown from the standby, as the primary holds it"
rc=0
out=$("$HCBUS" audit ask "$total" "¿Sigue ahí?" --db "$READER_STANDBY" 2>&1) || rc=$?
hc_assert_eq 3 "$rc" "audit ask on a standby: exit 3"
hc_assert_contains "$out" "is a standby, which only reads; this command writes" "audit ask on a standby: the reason"
hc_assert_contains "$out" "at 127.0.0.1 port $PA (" "audit ask on a standby: names the server it reached"
hc_assert_contains "$out" "target_session_attrs=read-write" "audit ask on a standby: the hint"
out=$(hc_in_spanish "$HCBUS" audit ask "$total" "¿Sigue ahí?" --db "$READER_STANDBY" 2>&1) || true
hc_assert_contains "$out" "es una réplica en espera, que solo lee; esta orden escribe" "audit ask on a standby, in Spanish"

# auditd given the standby alone (no target_session_attrs) refuses it, saying why.
sed "s#^  conninfo = \".*\";#  conninfo = \"$(pgha_conninfo hcbus_auditd "127.0.0.1:$PA" any)\";#" \
  "$HC_WORK/hcbus.conf" >"$HC_WORK/standby-only.conf"
rc=0
out=$(timeout 60 "$HC_BIN/services/auditd/hcbus-auditd" --config "$HC_WORK/standby-only.conf" \
  --broker-key "$HC_WORK/keys/broker.pub" 2>&1) || rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] || hc_fail "auditd on a standby: exit $rc (expected a refusal): $out"
hc_assert_contains "$out" "PostgreSQL at 127.0.0.1 port $PA is a standby, which cannot take the log's writes" \
  "auditd on a standby: the reason"
hc_assert_contains "$out" "target_session_attrs=read-write" "auditd on a standby: the hint"
hc_pass
