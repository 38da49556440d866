#!/usr/bin/env bash
# test_audit_chain.sh — issue 12 item 13 at the real broker, auditd and PostgreSQL over
# TCP: the hash chains bind every column a reviewer reads. The database superuser
# switches the append-only triggers off (session_replication_role = replica) and
# rewrites sender, summary and topic of recorded events; deploy/verify-chain.sql names
# exactly those rows. hcbus.rejections refuses UPDATE even for the owner, and a deleted
# or forged rejections row is found. Rows recorded before migration 004 (format 1)
# still verify, and the chain continues after them.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"

ZONE=sv.ss.san-salvador-este.soyapango
OTHER_ZONE=sv.ss.san-salvador-centro.san-salvador
ZEROS=$(printf '0%.0s' {1..64})

HC_BUS_MIGRATE=0 hc_bus_setup

# --- A store from before migration 004: two rows hashed with format 1 ----------
mkdir "$HC_WORK/sql-003"
cp "$HC_SRC"/deploy/sql/00[123]_*.sql "$HC_WORK/sql-003/"
HCBUS_SQL_DIR=$HC_WORK/sql-003 hc_migrate || hc_fail "migrations 001-003 failed"
hc_psql "INSERT INTO hcbus.events (seq, sender, msg_id, kind, topic, zone_id, subject, received_at, payload, summary,
           prev_hash, hash)
         VALUES (1, 'sem', 'old-1', 'alert', 'alert.$ZONE', '$ZONE', 'old-1', now(), '\\x0a01', '{\"kind\": \"alert\"}',
           '\\x$ZEROS', sha256('\\x$ZEROS'::bytea || int8send(1) || '\\x0a01'::bytea));
         INSERT INTO hcbus.events (seq, sender, msg_id, kind, topic, zone_id, subject, received_at, payload, summary,
           prev_hash, hash)
         SELECT 2, 'sem', 'old-2', 'alert', 'alert.$ZONE', '$ZONE', 'old-2', now(), '\\x0a02', '{\"kind\": \"alert\"}',
           hash, sha256(hash || int8send(2) || '\\x0a02'::bytea) FROM hcbus.events WHERE seq = 1;
         INSERT INTO hcbus.msg_ids (sender, msg_id, seq) VALUES ('sem', 'old-1', 1), ('sem', 'old-2', 2);
         INSERT INTO hcbus.rejections (action, code, reason) VALUES ('publish', 'unauthorized', 'before 004');" >/dev/null ||
  hc_fail "cannot write the format-1 rows"

# --- The owner applies 004 and the rest (auditd, a writer, cannot), then the real
# --- bus records more -------------------------------------------------------------
hc_migrate || hc_fail "migrations 004 and later failed: $(cat "$HC_WORK/migrate.log")"
hc_bus_start
hc_assert_eq "events|2|3
rejections|1|2" "$(hc_psql "SELECT table_name, format, first_pos FROM hcbus.chain_formats ORDER BY 1")" \
  "format 2 starts after the old rows"
hc_probe publish --key "$(hc_key minsal)" --count 4 --msg-prefix z >"$HC_WORK/z.out" || hc_fail "zone levels: $(cat "$HC_WORK/z.out")"
hc_probe publish --key "$(hc_key sem)" --kind dispatch --count 2 --msg-prefix d >"$HC_WORK/d.out" || hc_fail "dispatches"
hc_probe publish --key "$(hc_key webform)" --kind alert --count 2 --msg-prefix a >"$HC_WORK/a.out" || hc_fail "alerts"
for i in 1 2 3; do
  hc_probe publish --key "$(hc_key pnc)" --count 1 --msg-prefix "notmine$i" >/dev/null && hc_fail "police published a zone level"
done
hc_probe garbage --key "$(hc_key sem)" >/dev/null || hc_fail "garbage frames were not all answered"
hc_wait_for "refusals recorded" 20 hc_sql_at_least "SELECT count(*) FROM hcbus.rejections" 4
hc_assert_eq 10 "$(hc_bus_events)" "2 old + 8 new events"
hc_assert_eq "" "$(hc_chain_problems)" "both chains verify (format 1 rows, then format 2)"
hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM hcbus.rejections WHERE id >= 2 AND hash IS NULL")" \
  "every new rejection is chained"

# --- The superuser rewrites what reviewers read, with the triggers off ---------
# Run SQL as the superuser with the append-only triggers off, then the verification,
# in one transaction that is rolled back: prints what verification finds.
problems_after() {
  "$HC_PSQL" -XAtq -v ON_ERROR_STOP=1 "$HC_CONNINFO" <<SQL || echo "tampering or verification failed"
BEGIN;
SET LOCAL session_replication_role = replica;
$1;
$(cat "$HC_SRC/deploy/verify-chain.sql")
ROLLBACK;
SQL
}
sender_seq=$(hc_psql "SELECT seq FROM hcbus.events WHERE msg_id = 'z-2'")
summary_seq=$(hc_psql "SELECT seq FROM hcbus.events WHERE msg_id = 'd-1'")
topic_seq=$(hc_psql "SELECT seq FROM hcbus.events WHERE msg_id = 'a-2'")
forge="UPDATE hcbus.events SET sender = 'pnc' WHERE seq = $sender_seq;
  UPDATE hcbus.events SET summary = jsonb_set(summary, '{priority}', '\"low\"') WHERE seq = $summary_seq;
  UPDATE hcbus.events SET topic = 'alert.$OTHER_ZONE', zone_id = '$OTHER_ZONE' WHERE seq = $topic_seq"
hc_assert_eq "pnc|low|alert.$OTHER_ZONE" \
  "$(problems_after "$forge; SET LOCAL ROLE hcbus_reviewer;
     SELECT string_agg(v, '|' ORDER BY seq) FROM (
       SELECT seq, sender AS v FROM review.events WHERE seq = $sender_seq UNION ALL
       SELECT seq, summary->>'priority' FROM review.events WHERE seq = $summary_seq UNION ALL
       SELECT seq, topic FROM review.events WHERE seq = $topic_seq) x; RESET ROLE" | head -n 1)" \
  "the reviewer would read the forged sender, summary and topic"
hc_assert_eq "events|$sender_seq|hash does not match the row: a column was changed
events|$summary_seq|hash does not match the row: a column was changed
events|$topic_seq|hash does not match the row: a column was changed" "$(problems_after "$forge")" \
  "verification names exactly the three rewritten rows"

# Every other column a reviewer reads is bound too.
for change in "msg_id = msg_id || 'x'" "kind = 'zone', topic = 'zone.' || zone_id" "subject = 'other'" \
              "sent_at = coalesce(sent_at, now()) + interval '1 s'" "sent_at = NULL" \
              "received_at = received_at + interval '1 microsecond'" \
              "committed_at = committed_at - interval '1 s'" "payload = payload || '\\x00'::bytea"; do
  hc_assert_eq "events|$summary_seq|hash does not match the row: a column was changed" \
    "$(problems_after "UPDATE hcbus.events SET $change WHERE seq = $summary_seq")" "a rewritten row is found ($change)"
done
hc_assert_eq "events|2|hash does not match the row: a column was changed
events|3|hash does not match the row: a column was changed" \
  "$(problems_after "UPDATE hcbus.events SET payload = '\\x0a03' WHERE seq = 2;
                     UPDATE hcbus.events SET sender = 'x' WHERE seq = 3")" \
  "a format-1 row's payload and the first format-2 row's sender are bound"
last=$(hc_bus_events)
hc_assert_eq "events|$((last + 1))|hash does not match the row: a column was changed" \
  "$(problems_after "INSERT INTO hcbus.events (seq, sender, msg_id, kind, topic, zone_id, received_at, payload,
                       summary, prev_hash, hash)
                     SELECT seq + 1, 'minsal', 'forged', kind, topic, zone_id, received_at, payload, summary, hash, hash
                     FROM hcbus.events WHERE seq = $last")" \
  "a row added at the end is found"
middle=$((last / 2))
hc_assert_eq "events|$((middle + 1))|prev_hash is not the hash of the row before
events|$((middle + 1))|seq follows $((middle - 1)): rows missing or added" \
  "$(problems_after "DELETE FROM hcbus.events WHERE seq = $middle")" "a row deleted in the middle is found"

# --- Rejections: append-only for everyone, and chained -------------------------
err=$(hc_psql_error "UPDATE hcbus.rejections SET reason = 'nothing happened' WHERE id = 2")
hc_assert_contains "$err" "hcbus.rejections is append-only: UPDATE is not allowed" "the owner cannot UPDATE rejections"
err=$(hc_psql_error "DELETE FROM hcbus.rejections WHERE id = 2")
hc_assert_contains "$err" "append-only" "the owner cannot DELETE rejections"
err=$(hc_psql_error "TRUNCATE hcbus.rejections")
hc_assert_contains "$err" "append-only" "the owner cannot TRUNCATE rejections"
err=$(hc_psql_error "UPDATE hcbus.chain_formats SET first_pos = 1")
hc_assert_contains "$err" "append-only" "nor move where format 2 begins"
err=$(hc_psql_error "SET ROLE hcbus_writer; UPDATE hcbus.rejections SET reason = 'x'")
hc_assert_contains "$err" "permission denied" "the writer cannot UPDATE rejections"
last_rej=$(hc_psql "SELECT max(id) FROM hcbus.rejections")
hc_assert_eq "rejections|3|hash does not match the row: a column was changed" \
  "$(problems_after "UPDATE hcbus.rejections SET institution = 'minsal', reason = 'typo' WHERE id = 3")" \
  "a rewritten rejection is found"
hc_assert_eq "rejections|4|hash does not match the row: a column was changed" \
  "$(problems_after "UPDATE hcbus.rejections SET repeats = 1, last_at = at + interval '1 s' WHERE id = 4")" \
  "a rewritten count or time is found"
hc_assert_eq "rejections|4|id follows 2: rows missing or added
rejections|4|prev_hash is not the hash of the row before" \
  "$(problems_after "DELETE FROM hcbus.rejections WHERE id = 3")" "a deleted rejection is found"
hc_assert_eq "rejections|$((last_rej + 1))|hash does not match the row: a column was changed" \
  "$(problems_after "INSERT INTO hcbus.rejections (id, action, code, reason, prev_hash, hash)
                     SELECT $last_rej + 1, 'connect', 'unauthorized', 'forged', hash, hash
                     FROM hcbus.rejections WHERE id = $last_rej")" \
  "a forged rejection is found (INSERT needs no trigger off)"
hc_assert_eq "" "$(hc_chain_problems)" "and nothing was changed for real"
hc_pass
