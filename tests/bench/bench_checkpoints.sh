#!/usr/bin/env bash
# bench_checkpoints.sh — what the Merkle trees of decision 0014 cost on a log of N rows
# (default 100000), not a test: a private PostgreSQL migrated to 008, N events and N/10
# rejections inserted directly, then migration 009 timed (the SQL back-fill of every
# leaf_hash), then hcbus-auditd started and its start line read (the trees rebuilt
# from the stored leaf hashes, AUDITD_TREE_CHUNK_ROWS per query).
#   HCBUS_BINARY_DIR=build-release tests/bench/bench_checkpoints.sh [ROWS]
source "$(dirname "$0")/../lib/harness.sh"
HC_BUS_MIGRATE=0
source "$(dirname "$0")/../lib/bus.sh"
rows=${1:-100000}
ZONE=sv.ss.san-salvador-este.soyapango

hc_bus_setup
mkdir -p "$HC_WORK/sql-008"
cp "$HC_SRC"/deploy/sql/00[1-8]_*.sql "$HC_WORK/sql-008/"
HCBUS_SQL_DIR="$HC_WORK/sql-008" "$HC_SRC/deploy/migrate.sh" "$HC_CONNINFO" 2>>"$HC_WORK/migrate.log" || hc_fail "001-008"
hc_psql "INSERT INTO hcbus.events (seq, sender, msg_id, kind, topic, zone_id, subject, sent_at, received_at,
           committed_at, payload, summary, prev_hash, hash)
         SELECT g, 'sem', 'm-' || g, 'alert', 'alert.$ZONE', '$ZONE', 'a-' || g, now(), now(), now(),
           convert_to(repeat('x', 300), 'UTF8'),
           jsonb_build_object('kind', 'alert', 'alert_id', 'a-' || g, 'act', 'threat', 'target', 'vehicle'),
           sha256('p'), sha256('h')
         FROM generate_series(1, $rows) g;
         INSERT INTO hcbus.msg_ids (sender, msg_id, seq) SELECT 'sem', 'm-' || g, g FROM generate_series(1, $rows) g;
         INSERT INTO hcbus.rejections (id, at, last_at, action, code, reason, prev_hash, hash)
         SELECT g, now(), now(), 'publish', 'unauthorized', 'not yours', sha256('p'), sha256('h')
         FROM generate_series(1, $rows / 10) g" || hc_fail "filler rows"
t0=$(date +%s%N)
hc_migrate || hc_fail "009: $(tail -3 "$HC_WORK/migrate.log")"
t1=$(date +%s%N)
echo "migration 009 (back-fill of $rows events and $((rows / 10)) rejections): $(((t1 - t0) / 1000000)) ms"
hc_bus_start_auditd
hc_wait_for "auditd listening" 120 grep -q "notice: listening on" "$HC_WORK/auditd.log"
grep -o "Merkle trees rebuilt.*" "$HC_WORK/auditd.log"
hc_pass
