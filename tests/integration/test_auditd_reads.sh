#!/usr/bin/env bash
# test_auditd_reads.sh — one subscriber cannot stall recording for everyone (issue 12
# item 4). Real broker, auditd and PostgreSQL over TCP; a hostile police key keeps a
# storm of replays outstanding on 12 connections (tests/tools/replay_probe.c) while
# every read is made to hang: a session holds an ACCESS EXCLUSIVE lock on the
# partition that keeps the old rows (the writer only inserts into this month's), as a
# DBA's maintenance or any read slower than its budget would. Shown:
#   - publishes are acknowledged while not one replay has been answered: reads run on
#     auditd's reader thread and session, never in front of a commit;
#   - a read that runs too long is cancelled by statement_timeout and answered with an
#     error naming it; reads that waited past the broker's deadline are not run;
#     beyond 8 per institution, reads are refused on arrival (a burst over the link,
#     as the broker would send it: the broker may hold an institution back earlier);
#   - with the lock gone, another institution is served during the storm;
#   - replays of a sparse prefix read the 200,000-row partition through the index
#     (no sequential scan in pg_stat_user_tables), 100,000 seqs a page at most.
source "${HCBUS_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/harness.sh"
source "$HC_SRC/tests/lib/bus.sh"

REPLAY="$HC_BIN/tests/replay_probe"
FILLER_ROWS=200000
SPARSE=alert.sv.ss.san-salvador-este.soyapango
STORM_CONNECTIONS=12
OLD=hcbus.events_default      # where rows of months without a partition go
READERS_WAITING_SQL="SELECT count(*) FROM pg_stat_activity
  WHERE application_name LIKE 'hcbus-auditd%' AND wait_event_type = 'Lock'"
STATS_SQL="SELECT seq_scan || ' ' || seq_tup_read || ' ' || coalesce(idx_scan, 0)
  FROM pg_stat_user_tables WHERE relid = '$OLD'::regclass"

storm_field() { awk -v f="$1" '{for (i = 1; i < NF; i++) if ($i == f) print $(i + 1)}' "$HC_WORK/storm.status"; }
storm_served_at_least() { [ "$(storm_field served)" -ge "$1" ]; }
log_has() { grep -Eq "$2" "$HC_WORK/$1.log"; }
idx_scans_above() { [ "$(hc_psql "$STATS_SQL" | awk '{print $3}')" -gt "$1" ]; }

hc_bus_setup
hc_migrate || hc_fail "migrations"
# Old months of log, written as the superuser before auditd starts (it continues the
# chain from the last row); none of it under the storm's prefix.
hc_psql "INSERT INTO hcbus.events (seq, sender, msg_id, kind, topic, zone_id, received_at,
           payload, summary, prev_hash, hash)
         SELECT g, 'sem', 'filler-' || g, 'status', 'status.sv.x.filler-' || g % 50, 'sv.x.filler-' || g % 50,
           timestamptz '2020-01-15 00:00Z', '\\x0a01', '{}', sha256(int8send(g - 1)), sha256(int8send(g))
         FROM generate_series(1, $FILLER_ROWS) g; ANALYZE hcbus.events" || hc_fail "filler rows"
hc_bus_start
hc_probe publish --key "$(hc_key pnc)" --kind alert --zone sv.ss.san-salvador-este.soyapango --count 3 \
  --msg-prefix sparse >"$HC_WORK/sparse.log" || hc_fail "the sparse prefix's alerts"
read -r seq_scans_before seq_reads_before idx_scans_before < <(hc_psql "$STATS_SQL")

# --- Every read hangs; publishes must not ------------------------------------
PGAPPNAME=hc-locker hc_start_bg locker "$HC_PSQL" -X "$HC_CONNINFO" -c "BEGIN" \
  -c "LOCK TABLE $OLD IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(600)"
hc_wait_for "the lock on $OLD" 20 hc_sql_at_least "SELECT count(*) FROM pg_locks
  WHERE relation = '$OLD'::regclass AND mode = 'AccessExclusiveLock' AND granted" 1
hc_start_bg storm "$REPLAY" storm --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key pnc)" --connections "$STORM_CONNECTIONS" --status "$HC_WORK/storm.status" \
  --stop "$HC_WORK/storm.stop" --timeout-ms 120000 "$SPARSE"
hc_wait_for "a read of auditd waiting on the lock" 20 hc_sql_at_least "$READERS_WAITING_SQL" 1

hc_probe publish --key "$(hc_key minsal)" --count 50 --msg-prefix during --timeout-ms 30000 \
  >"$HC_WORK/during.log" || hc_fail "publishes during the storm were not all acknowledged"
hc_assert_eq 50 "$(grep -c '^ack' "$HC_WORK/during.log")" "50 publishes acknowledged during the storm"
hc_assert_eq 0 "$(storm_field served)" "not one replay answered while the publishes were acknowledged"
[ "$(storm_field outstanding)" -gt 0 ] || hc_fail "the storm had no replay outstanding: $(cat "$HC_WORK/storm.status")"

# --- What happened to the reads --------------------------------------------
hc_wait_for "reads cancelled by statement_timeout" 30 log_has auditd "[1-9][0-9]* cancelled by statement_timeout"
hc_wait_for "reads expired and not run" 30 log_has auditd "[1-9][0-9]* expired before they ran"
# auditd's own limit, whatever the broker lets through: 12 reads of one institution
# at once over the link (as the broker would send them), 8 taken, 4 refused on arrival.
burst=$("$HC_BIN/tests/link_probe" --endpoint "$HC_AUDIT_ENDPOINT" --key "$HC_WORK/keys/broker.key" \
  --server-key "$HC_WORK/keys/auditd.pub" --timeout-ms 30000 replay 1 0 "$SPARSE" \
  --institution burst --read-timeout-ms 1000 --repeat 12) || hc_fail "the burst was not all answered: $burst"
hc_assert_eq 4 "$(echo "$burst" | grep -c 'institution "burst" already has 8 reads')" \
  "reads beyond 8 of one institution refused on arrival"
hc_assert_eq 0 "$(echo "$burst" | grep -Ec '^answer [0-9]+ replay ')" "no read of the burst answered while the lock is held"
hc_assert_eq 8 "$(echo "$burst" | grep -Ec 'not run|statement_timeout')" "the 8 taken expired or were cancelled"

# --- The lock goes: the storm is served, and so is everyone else ------------
hc_psql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'hc-locker'" >/dev/null
hc_kill locker
hc_wait_for "replays served again" 30 storm_served_at_least 1
out=$("$REPLAY" replay --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key facilitator)" --timeout-ms 20000 "$SPARSE") || hc_fail "another institution refused: $out"
hc_assert_contains "$out" "done 3" "another institution's replay is served during the storm (three pages)"
out=$("$HC_BIN/tests/link_probe" --endpoint "$HC_AUDIT_ENDPOINT" --key "$HC_WORK/keys/broker.key" \
  --server-key "$HC_WORK/keys/auditd.pub" replay 1 0 "$SPARSE") || hc_fail "replay at auditd: $out"
hc_assert_eq "last_seq 100000 more 1" "$out" "a filtered page examines at most 100,000 seqs"
first=$(awk '$2 == "sparse-1" {print $3}' "$HC_WORK/sparse.log")
out=$("$HC_BIN/tests/link_probe" --endpoint "$HC_AUDIT_ENDPOINT" --key "$HC_WORK/keys/broker.key" \
  --server-key "$HC_WORK/keys/auditd.pub" replay "$first" 0 "$SPARSE" --max-bytes 1) || hc_fail "replay: $out"
hc_assert_eq "$first $SPARSE sparse-1
last_seq $first more 1" "$out" "ReplayRequest.max_bytes ends the page after one envelope"
touch "$HC_WORK/storm.stop"
wait "$(hc_pid storm)" || hc_fail "the storm tool failed"
unset "HC_PIDS[storm]"
hc_log "storm: $(tr '\n' ';' <"$HC_WORK/storm.log")"
# auditd's reason and code reach the subscriber; the broker's log counts failures in
# its once-a-second summary, never one line per replay a key holder can multiply.
grep -Eq "^error [0-9]+ overloaded the audit log did not answer the replay: replay cancelled after [0-9]+ ms \(statement_timeout\)" \
  "$HC_WORK/storm.log" || hc_fail "the subscriber was not told auditd cancelled its replay: $(cat "$HC_WORK/storm.log")"
hc_assert_eq 0 "$(grep -c "replay of .* not answered\|could not answer" "$HC_WORK/broker.log" || true)" \
  "broker log lines per failed replay"
hc_assert_contains "$(grep "large answers" "$HC_WORK/broker.log" | tail -n 1)" "not_sent=" "failed replays counted in the summary"

# --- Sparse replays used the index on the 200,000 old rows -------------------
hc_wait_for "the reader's statistics" 30 idx_scans_above "$idx_scans_before"
read -r _ seq_reads_after _ < <(hc_psql "$STATS_SQL")
hc_assert_eq "$seq_reads_before" "$seq_reads_after" "rows of $OLD read by sequential scan during the replays"
hc_log "$OLD: seq_scan $seq_scans_before, idx_scan $idx_scans_before -> $(hc_psql "$STATS_SQL")"
hc_pass
