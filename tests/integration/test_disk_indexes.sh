#!/usr/bin/env bash
# test_disk_indexes.sh — migration 015 on a real private PostgreSQL: every btree index of
# the append-only log (each partition of hcbus.events, hcbus.msg_ids) fills its pages
# (fillfactor 100), including the partitions hcbus.ensure_partitions creates later, also
# when hcbus-auditd's writer role calls it; no index was dropped (each serves a query:
# docs/performance.md, "The summary and the bytes on disk"); ensure_partitions still
# refuses a bad argument; and a writer cannot call pack_append_indexes itself.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

hc_pg_start
hc_migrate || hc_fail "migrations failed"

not_packed() {
  hc_psql "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
           WHERE (i.indrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'hcbus.events'::regclass)
                  OR i.indrelid = 'hcbus.msg_ids'::regclass)
             AND NOT coalesce('fillfactor=100' = ANY (c.reloptions), false)"
}
hc_assert_eq 0 "$(not_packed)" "every index of the events partitions and msg_ids has fillfactor 100"
hc_assert_eq 2 "$(hc_psql "SELECT count(*) FROM pg_index WHERE indrelid = 'hcbus.msg_ids'::regclass")" \
  "msg_ids keeps its two indexes (the exactly-once key, seq's uniqueness)"
# Each partition keeps the partitioned table's six indexes (pkey, topic, zone, subject,
# notices by subject_seq, escorts by request_id).
hc_assert_eq 6 "$(hc_psql "SELECT count(*) FROM pg_partitioned_table p JOIN pg_index i ON i.indrelid = p.partrelid
                            WHERE p.partrelid = 'hcbus.events'::regclass")" "events keeps its six indexes"
hc_assert_eq "6" "$(hc_psql "SELECT DISTINCT count(*) FROM pg_index i
                              JOIN pg_inherits h ON h.inhrelid = i.indrelid AND h.inhparent = 'hcbus.events'::regclass
                              GROUP BY i.indrelid")" "each partition has the six"

# A partition made later (as hcbus-auditd makes them, through its writer role).
before=$(hc_psql "SELECT count(*) FROM pg_inherits WHERE inhparent = 'hcbus.events'::regclass")
hc_assert_eq 4 "$(hc_psql 'SET ROLE hcbus_writer; SELECT hcbus.ensure_partitions(6)')" \
  "ensure_partitions as the writer creates the four missing months"
hc_assert_eq $((before + 4)) "$(hc_psql "SELECT count(*) FROM pg_inherits WHERE inhparent = 'hcbus.events'::regclass")" \
  "four more partitions"
hc_assert_eq 0 "$(not_packed)" "the new partitions' indexes have fillfactor 100 too"
hc_assert_contains "$(hc_psql_error 'SELECT hcbus.ensure_partitions(121)')" "months_ahead must be 0..120" \
  "ensure_partitions still checks its argument"
hc_assert_contains "$(hc_psql_error "SET ROLE hcbus_writer; SELECT hcbus.pack_append_indexes('hcbus.msg_ids')")" \
  "permission denied" "the writer cannot call pack_append_indexes"

# The setting is only about page fill: an event still goes in and is found by its index.
hc_psql "SET ROLE hcbus_writer;
  INSERT INTO hcbus.events (seq, sender, msg_id, kind, topic, zone_id, subject, sent_at, received_at, payload,
                            summary, prev_hash, hash)
  VALUES (1, 'sem', 'm-1', 'alert', 'alert.sv.x', 'sv.x', 'a-1', now(), now(), '\\x0a01',
          '{\"kind\": \"alert\"}', '\\x00', '\\x01');
  INSERT INTO hcbus.msg_ids (sender, msg_id, seq) VALUES ('sem', 'm-1', 1)" || hc_fail "the writer could not insert"
hc_assert_eq "a-1" "$(hc_psql "SET enable_seqscan = off; SELECT subject FROM hcbus.events WHERE subject = 'a-1'")" \
  "the event is found by subject"
hc_pass
