#!/usr/bin/env bash
# bench_checkpoints.sh — what the Merkle trees of decision 0014 cost on a log of N rows
# (default 100000), not a test: a private PostgreSQL migrated to 008, N events and N/10
# rejections inserted directly, then migration 009 timed (the SQL back-fill of every
# leaf_hash), then hcbus-auditd started and its start line read (no head yet: the trees
# rebuilt from the stored leaf hashes, AUDITD_TREE_CHUNK_ROWS per query), stopped
# (a clean stop stores a head with its frontier, decision 0028) and started again: the
# trees resume from that frontier (and once more with --check-trees, the full rebuild).
# Each start is timed from the process's start to "listening".
# --synthetic-leaves: every migration first, then rows with made-up leaf hashes
# (SHA-256 of the seq) instead of the back-fill: minutes instead of an hour at 10 M rows,
# for timing the starts only (the trees are over those hashes, so they hold).
# BENCH_VERBOSE=1 prints auditd's log of each start (its times show where a start goes).
#   HCBUS_BINARY_DIR=build-release tests/bench/bench_checkpoints.sh [ROWS [--synthetic-leaves]]
source "$(dirname "$0")/../lib/harness.sh"
HC_BUS_MIGRATE=0
source "$(dirname "$0")/../lib/bus.sh"
rows=${1:-100000}
ZONE=sv.ss.san-salvador-este.soyapango

synthetic=${2:-}

hc_bus_setup
# $1: "" or the leaf_hash column and its value, as ", leaf_hash" and ", sha256(int8send(g))".
fill() {
  hc_psql "INSERT INTO hcbus.events (seq, sender, msg_id, kind, topic, zone_id, subject, sent_at, received_at,
             committed_at, payload, summary, prev_hash, hash $1)
           SELECT g, 'sem', 'm-' || g, 'alert', 'alert.$ZONE', '$ZONE', 'a-' || g, now(), now(), now(),
             convert_to(repeat('x', 300), 'UTF8'),
             jsonb_build_object('kind', 'alert', 'alert_id', 'a-' || g, 'act', 'threat', 'target', 'vehicle'),
             sha256('p'), sha256('h') $2
           FROM generate_series(1, $rows) g;
           INSERT INTO hcbus.msg_ids (sender, msg_id, seq) SELECT 'sem', 'm-' || g, g FROM generate_series(1, $rows) g;
           INSERT INTO hcbus.rejections (id, at, last_at, action, code, reason, prev_hash, hash $1)
           SELECT g, now(), now(), 'publish', 'unauthorized', 'not yours', sha256('p'), sha256('h') $2
           FROM generate_series(1, $rows / 10) g" || hc_fail "filler rows"
}
if [ "$synthetic" = --synthetic-leaves ]; then
  hc_migrate || hc_fail "migrations: $(tail -3 "$HC_WORK/migrate.log")"
  t0=$(date +%s%N)
  fill ", leaf_hash" ", sha256(int8send(g::int8))"
  t1=$(date +%s%N)
  echo "$rows events and $((rows / 10)) rejections with made-up leaf hashes inserted in $(((t1 - t0) / 1000000)) ms"
else
  mkdir -p "$HC_WORK/sql-008"
  cp "$HC_SRC"/deploy/sql/00[1-8]_*.sql "$HC_WORK/sql-008/"
  HCBUS_SQL_DIR="$HC_WORK/sql-008" "$HC_SRC/deploy/migrate.sh" "$HC_CONNINFO" 2>>"$HC_WORK/migrate.log" || hc_fail "001-008"
  fill "" ""
  t0=$(date +%s%N)
  hc_migrate || hc_fail "009: $(tail -3 "$HC_WORK/migrate.log")"
  t1=$(date +%s%N)
  echo "migration 009 (back-fill of $rows events and $((rows / 10)) rejections): $(((t1 - t0) / 1000000)) ms"
fi
# One start of auditd (extra arguments passed on), timed to "listening"; prints its tree line.
timed_start() { # LABEL [ARGS...]
  local label=$1 t0 t1
  shift
  [ -f "$HC_WORK/auditd.log" ] && mv "$HC_WORK/auditd.log" "$HC_WORK/auditd.log.$SECONDS"
  t0=$(date +%s%N)
  hc_start_bg auditd "$HC_BIN/services/auditd/hcbus-auditd" --config "$HC_WORK/hcbus.conf" \
    --broker-key "$HC_WORK/keys/broker.pub" "$@"
  hc_wait_for "auditd listening" 300 grep -q "notice: listening on" "$HC_WORK/auditd.log"
  t1=$(date +%s%N)
  echo "$label: $(((t1 - t0) / 1000000)) ms to listening; $(grep -o "Merkle trees loaded.*" "$HC_WORK/auditd.log")"
  [ -z "${BENCH_VERBOSE:-}" ] || sed 's/^/    /' "$HC_WORK/auditd.log"
  hc_kill auditd TERM
}
timed_start "start with no head (full rebuild)"
timed_start "start from the last head's frontier"
timed_start "start from the frontier again"
timed_start "start with --check-trees (full rebuild)" --check-trees
hc_pass
