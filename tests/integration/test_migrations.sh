#!/usr/bin/env bash
# test_migrations.sh — deploy/sql/ on a real private PostgreSQL: migrations apply once
# and re-apply as a no-op; events is partitioned by month; the writer can only append;
# the reviewer sees the views, never the tables or the payload; (sender, msg_id) is
# recorded once; 009's tree heads are append-only and its views give the reviewer the
# entry columns and the payload's SHA-256; 009 back-fills the leaf hashes of the rows
# already there with tlog's entry (tests/tools/note_check compares every row); 012's
# hcbus_report writes mailboxes and photos, reads questions without who asked and
# answers them, nothing more; the reviewer asks only through review.ask_reporter (which
# refuses anything but an anonymous alert, blank and over-long questions) and never
# reads the mailboxes.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

hc_pg_start
hc_migrate || hc_fail "first migration run failed"
files=$(find "$HC_SRC/deploy/sql" -name '[0-9][0-9][0-9]_*.sql' | wc -l)
hc_assert_eq "$files" "$(hc_psql 'SELECT count(*) FROM hcbus.schema_migrations')" \
  "one schema_migrations row per sql file"
stamp=$(hc_psql 'SELECT max(applied_at) FROM hcbus.schema_migrations')

hc_migrate || hc_fail "second migration run failed"
hc_assert_eq "$files" "$(hc_psql 'SELECT count(*) FROM hcbus.schema_migrations')" \
  "second run records nothing new"
hc_assert_eq "$stamp" "$(hc_psql 'SELECT max(applied_at) FROM hcbus.schema_migrations')" \
  "second run re-applies nothing"
hc_assert_contains "$(cat "$HC_WORK/migrate.log")" "0 applied, $files already applied" \
  "second run reports everything skipped"

# Each file is also harmless when run twice by hand (CREATE ... IF NOT EXISTS etc.).
for f in "$HC_SRC"/deploy/sql/[0-9][0-9][0-9]_*.sql; do
  "$HC_PSQL" -Xq -v ON_ERROR_STOP=1 --single-transaction "$HC_CONNINFO" -f "$f" \
    >/dev/null 2>"$HC_WORK/reapply.log" || hc_fail "re-applying $(basename "$f") failed: $(cat "$HC_WORK/reapply.log")"
done

# Partitioning: by range of received_at, with this month's partition and a default.
hc_assert_eq "r" "$(hc_psql "SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'hcbus.events'::regclass")" \
  "events is range partitioned"
this_month=$(hc_psql "SELECT 'events_' || to_char(now() AT TIME ZONE 'UTC', 'YYYY_MM')")
hc_assert_eq "1" "$(hc_psql "SELECT count(*) FROM pg_inherits WHERE inhparent = 'hcbus.events'::regclass
                             AND inhrelid = to_regclass('hcbus.$this_month')")" \
  "events has a partition for this month ($this_month)"
hc_assert_eq "0" "$(hc_psql 'SELECT hcbus.ensure_partitions(2)')" \
  "ensure_partitions creates nothing the migration already made"

# The writer appends: events with their exactly-once keys, summaries shaped as
# hcbus_summary_json() writes them (summary.h).
ZONE=sv.ss.san-salvador-este.soyapango
insert_event() {
  local seq=$1 kind=$2 subject=$3 summary=$4
  echo "INSERT INTO hcbus.events (seq, sender, msg_id, kind, topic, zone_id, subject, sent_at,
          received_at, payload, summary, prev_hash, hash)
        VALUES ($seq, 'sem', 'm-$seq', '$kind', '$kind.$ZONE', '$ZONE', '$subject', now(), now(),
          '\\x0a01', \$j\$$summary\$j\$, '\\x00', '\\x01');
        INSERT INTO hcbus.msg_ids (sender, msg_id, seq) VALUES ('sem', 'm-$seq', $seq);"
}
hc_psql "SET ROLE hcbus_writer; $(insert_event 1 alert a-1 \
  '{"kind": "alert", "alert_id": "a-1", "act": "threat", "target": "vehicle", "severity": "moderate",
    "casualties": {"injured": 1}}')" || hc_fail "the writer could not insert an event"
hc_assert_eq "1" "$(hc_psql 'SET ROLE hcbus_writer; SELECT count(*) FROM hcbus.events')" \
  "the writer reads back its event"
hc_psql "SET ROLE hcbus_writer;
  $(insert_event 2 zone $ZONE '{"kind": "zone", "zone_id": "'$ZONE'", "level": "orange",
     "access": {"escort_required": true}, "valid_from_us": "2026-11-23T09:00:00.000000Z"}')
  $(insert_event 3 dispatch r-7 '{"kind": "dispatch", "request_id": "r-7", "priority": "critical",
     "incident_type": "violence", "capability": "advanced", "patient_redacted": true}')
  $(insert_event 4 status r-7 '{"kind": "status", "request_id": "r-7", "state": "DISPATCH_STATE_EN_ROUTE",
     "unit_id": "u-1", "at_us": 1795424400000000}')" || hc_fail "the writer could not insert zone and dispatch events"
hc_assert_eq "$this_month" "$(hc_psql 'SELECT tableoid::regclass::text FROM hcbus.events WHERE seq = 1' | sed 's/^hcbus\.//')" \
  "the event landed in this month's partition"
hc_psql "SET ROLE hcbus_writer; INSERT INTO hcbus.rejections (action, code, reason)
         VALUES ('publish', 'ERROR_CODE_UNAUTHORIZED', 'test')" || hc_fail "the writer could not insert a rejection"
hc_psql "SET ROLE hcbus_writer; INSERT INTO hcbus.checkpoints (seq, hash) VALUES (1, '\\x01')" ||
  hc_fail "the writer could not insert a checkpoint"
ROOT="'\\x$(printf '%064d' 7)'"
hc_psql "SET ROLE hcbus_writer; INSERT INTO hcbus.tree_heads (log, tree_size, root_hash, note)
         VALUES ('events', 1, $ROOT, E'hcbus.sv/audit\\n1\\nAAAA\\n\\n— auditd AAAA\\n')" ||
  hc_fail "the writer could not insert a tree head"
err=$(hc_psql_error "SET ROLE hcbus_writer; INSERT INTO hcbus.tree_heads (log, tree_size, root_hash) VALUES ('events', 1, $ROOT)")
hc_assert_contains "$err" "tree_heads_pkey" "a second head of the same log and size is refused"
for sql in "INSERT INTO hcbus.tree_heads (log, tree_size, root_hash) VALUES ('chain', 2, $ROOT)" \
           "INSERT INTO hcbus.tree_heads (log, tree_size, root_hash) VALUES ('events', 0, $ROOT)" \
           "INSERT INTO hcbus.tree_heads (log, tree_size, root_hash) VALUES ('events', 2, '\\x00')"; do
  hc_assert_contains "$(hc_psql_error "SET ROLE hcbus_writer; $sql")" "tree_heads_" "refused: $sql"
done

# ... and can do nothing else.
for sql in "UPDATE hcbus.events SET zone_id = 'sv' WHERE seq = 1" \
           "DELETE FROM hcbus.events WHERE seq = 1" \
           "TRUNCATE hcbus.events" \
           "UPDATE hcbus.msg_ids SET seq = 2" \
           "DELETE FROM hcbus.checkpoints" \
           "UPDATE hcbus.tree_heads SET note = NULL" \
           "DELETE FROM hcbus.tree_heads" \
           "UPDATE hcbus.events SET leaf_hash = NULL"; do
  err=$(hc_psql_error "SET ROLE hcbus_writer; $sql")
  hc_assert_contains "$err" "permission denied" "writer: $sql"
done

# Even the owner cannot rewrite history, through the parent or a partition.
for sql in "UPDATE hcbus.events SET zone_id = 'sv' WHERE seq = 1" \
           "DELETE FROM hcbus.events WHERE seq = 1" \
           "DELETE FROM hcbus.$this_month" \
           "TRUNCATE hcbus.events" \
           "TRUNCATE hcbus.$this_month" \
           "TRUNCATE hcbus.events_default" \
           "UPDATE hcbus.msg_ids SET seq = 2" \
           "DELETE FROM hcbus.msg_ids" \
           "TRUNCATE hcbus.msg_ids" \
           "UPDATE hcbus.checkpoints SET hash = '\\x02'" \
           "TRUNCATE hcbus.checkpoints" \
           "UPDATE hcbus.tree_heads SET note = NULL" \
           "DELETE FROM hcbus.tree_heads" \
           "TRUNCATE hcbus.tree_heads" \
           "UPDATE hcbus.events SET leaf_hash = NULL WHERE seq = 1"; do
  err=$(hc_psql_error "$sql")
  hc_assert_contains "$err" "append-only" "owner: $sql"
done
hc_assert_eq "4" "$(hc_psql 'SELECT count(*) FROM hcbus.events')" "the events are still there"

# Exactly once: a second row for (sender, msg_id) is refused, so is a reused seq.
err=$(hc_psql_error "SET ROLE hcbus_writer; INSERT INTO hcbus.msg_ids (sender, msg_id, seq) VALUES ('sem', 'm-1', 9)")
hc_assert_contains "$err" "msg_ids_pkey" "duplicate (sender, msg_id) refused"
err=$(hc_psql_error "SET ROLE hcbus_writer; INSERT INTO hcbus.msg_ids (sender, msg_id, seq) VALUES ('sem', 'm-9', 1)")
hc_assert_contains "$err" "msg_ids_seq_key" "reused seq refused"
err=$(hc_psql_error "INSERT INTO hcbus.events (seq, sender, msg_id, kind, topic, zone_id, received_at,
                       payload, summary, prev_hash, hash)
                     VALUES (5, 'sem', 'm-5', 'alert', 'zone.sv', 'sv', now(), '\\x00', '{}', '\\x00', '\\x00')")
hc_assert_contains "$err" "events_topic_is_kind_dot_zone" "a topic that is not kind.zone_id is refused"

# The kinds of issue 13 (007): an escort status and a notice are recorded; a kind no
# build knows is still refused by name.
hc_psql "SET ROLE hcbus_writer;
  $(insert_event 5 escort_status esc-7 '{"kind": "escort_status", "escort_id": "esc-7", "request_id": "r-7",
     "state": "assigned", "police_unit": "PNC 3", "at_us": "2026-11-23T09:05:00.000000Z"}')
  $(insert_event 6 notice c.v.4 '{"kind": "notice", "notice_id": "c.v.4", "notice_kind": "violation",
     "recipients": ["sem", "pnc"], "subject_seq": 4, "rule": "transition"}')" ||
  hc_fail "the writer could not insert escort_status and notice events"
hc_assert_eq "escort_status|esc-7
notice|c.v.4" "$(hc_psql 'SELECT kind, subject FROM hcbus.events WHERE seq IN (5, 6) ORDER BY seq')" \
  "escort_status and notice events are recorded"
err=$(hc_psql_error "INSERT INTO hcbus.events (seq, sender, msg_id, kind, topic, zone_id, received_at,
                       payload, summary, prev_hash, hash)
                     VALUES (7, 'sem', 'm-7', 'escorts', 'escorts.sv', 'sv', now(), '\\x00', '{}', '\\x00', '\\x00')")
hc_assert_contains "$err" "events_kind_check" "an unknown kind is refused"

# The reviewer reads the views, decoded, without payload; never the tables.
hc_assert_eq "1|alert|threat|vehicle|moderate|1" \
  "$(hc_psql "SET ROLE hcbus_reviewer; SELECT e.seq, e.kind, i.act, i.target, i.severity, i.injured
              FROM review.events e JOIN review.incidents i USING (seq)")" \
  "the reviewer reads review.events and review.incidents"
hc_assert_eq "sv.ss.san-salvador-este.soyapango|orange|2026-11-23 09:00:00+00||t" \
  "$(hc_psql "SET ROLE hcbus_reviewer; SET TIME ZONE 'UTC';
              SELECT zone_id, level, valid_from, valid_until, escort_required FROM review.zone_history")" \
  "the reviewer reads review.zone_history"
hc_assert_eq "1|requested|critical|violence|
2|en_route|||2026-11-23 09:00:00+00
3|escort_assigned|||" \
  "$(hc_psql "SET ROLE hcbus_reviewer; SET TIME ZONE 'UTC';
              SELECT step, state, priority, incident_type,
                     CASE WHEN state = 'en_route' THEN at::text END
              FROM review.dispatch_timeline WHERE request_id = 'r-7'")" \
  "the reviewer reads review.dispatch_timeline (with the escort answer, 008), full and short enum names alike"
hc_assert_eq "0" "$(hc_psql "SELECT count(*) FROM information_schema.columns
                             WHERE table_schema = 'review' AND column_name = 'payload'")" \
  "no review view has a payload column"
hc_assert_contains "$(hc_psql "SET ROLE hcbus_reviewer; SELECT summary FROM review.events WHERE seq = 1")" '"act": "threat"' \
  "the reviewer sees the decoded summary"
for sql in "SELECT count(*) FROM hcbus.events" "SELECT payload FROM hcbus.events" \
           "SELECT count(*) FROM hcbus.$this_month" "SELECT count(*) FROM hcbus.msg_ids" \
           "SELECT count(*) FROM hcbus.tree_heads" "SELECT hcbus.event_entry(1, '', '', '', '', '', '', now(), now(), now(), '', '')" \
           "INSERT INTO hcbus.rejections (action, code, reason) VALUES ('x', 'y', 'z')"; do
  err=$(hc_psql_error "SET ROLE hcbus_reviewer; $sql")
  hc_assert_contains "$err" "permission denied" "reviewer: $sql"
done
for view in events rejections dispatch_timeline zone_history incidents incident_counts \
            notices verdicts dispatch_steps escorts dispatch_times log_entries rejection_entries tree_heads; do
  hc_psql "SET ROLE hcbus_reviewer; SELECT count(*) FROM review.$view" >/dev/null ||
    hc_fail "the reviewer cannot read review.$view"
done

# 009: the reviewer reads each entry column and the payload's digest, and the heads.
hc_assert_eq "1|$(printf '\n\001' | sha256sum | cut -c1-64)|t" \
  "$(hc_psql "SET ROLE hcbus_reviewer; SELECT seq, encode(payload_sha256, 'hex'), summary = (SELECT summary::text FROM review.events WHERE seq = 1)
              FROM review.log_entries WHERE seq = 1")" "review.log_entries: payload_sha256 is sha256(payload), summary as text"
hc_assert_eq "events|1|t" "$(hc_psql "SET ROLE hcbus_reviewer; SELECT log, tree_size, note IS NOT NULL FROM review.tree_heads")" \
  "the reviewer reads review.tree_heads"
hc_assert_eq "0|1" "$(hc_psql "SET ROLE hcbus_reviewer; SELECT leaf_index, id FROM review.rejection_entries")" \
  "review.rejection_entries numbers the tree's leaves from the first chained id"

# 012: hcbus-report's store. An anonymous alert (sender empty) to ask about, and one that
# an institution sent with a copy of its alert_id (it must not get the anonymous one's photos).
hc_psql "INSERT INTO hcbus.events (seq, sender, msg_id, kind, topic, zone_id, subject, received_at,
           payload, summary, prev_hash, hash)
         VALUES (8, '', 'anon-8', 'alert', 'alert.$ZONE', '$ZONE', 'f00d', now(), '\\x0a',
           '{\"kind\": \"alert\", \"alert_id\": \"f00d\", \"act\": \"threat\", \"anonymous\": true}', '\\x00', '\\x01'),
                (9, 'pnc', 'm-9', 'alert', 'alert.$ZONE', '$ZONE', 'f00d', now(), '\\x0a',
           '{\"kind\": \"alert\", \"alert_id\": \"f00d\", \"act\": \"threat\"}', '\\x00', '\\x01')" >/dev/null ||
  hc_fail "inserting the anonymous alert"
LOOKUP="'\\x$(printf '%064d' 1)'"
hc_psql "SET ROLE hcbus_report;
  INSERT INTO report.mailboxes (lookup, box) VALUES ($LOOKUP, '\\x0102');
  INSERT INTO report.photos (alert_id, n, content_type, bytes) VALUES ('f00d', 1, 'image/png', '\\x89504e47')" \
  >/dev/null || hc_fail "hcbus_report could not write a mailbox and a photo"
hc_assert_eq "1" "$(hc_psql "SET ROLE hcbus_report; SELECT count(*) FROM report.mailboxes WHERE lookup = $LOOKUP")" \
  "hcbus_report reads a mailbox by lookup"
for sql in "INSERT INTO report.mailboxes (lookup, box) VALUES ('\\x01', '\\x01')" \
           "INSERT INTO report.mailboxes (lookup, box) VALUES ('\\x$(printf '%064d' 2)', decode(repeat('00', 4097), 'hex'))" \
           "INSERT INTO report.photos (alert_id, n, content_type, bytes) VALUES ('f00d', 6, 'image/png', '\\x01')" \
           "INSERT INTO report.photos (alert_id, n, content_type, bytes) VALUES ('f00d', 2, 'image/gif', '\\x01')"; do
  hc_assert_contains "$(hc_psql_error "SET ROLE hcbus_report; $sql")" "_check" "refused by a CHECK: $sql"
done

# The reviewer asks through review.ask_reporter only; the question records who asked.
qid=$(hc_psql "SET ROLE hcbus_reviewer; SELECT review.ask_reporter(8, '¿A qué hora pasó?')") ||
  hc_fail "ask_reporter on an anonymous alert failed"
hc_assert_eq "8|f00d|$(hc_psql 'SELECT session_user')|¿A qué hora pasó?|t|" \
  "$(hc_psql "SET ROLE hcbus_reviewer; SELECT seq, alert_id, asked_by, question,
              asked_on = (now() AT TIME ZONE 'America/El_Salvador')::date, answer
              FROM review.report_conversation WHERE question_id = $qid")" \
  "the question is in review.report_conversation, asked today (El Salvador), not answered"
for case in "1|la alerta no es anónima, la envió la institución sem" \
            "9|la alerta no es anónima, la envió la institución pnc" \
            "3|es un mensaje de tipo dispatch, no una alerta" \
            "999|no hay ningún mensaje con ese seq"; do
  err=$(hc_psql_error "SET ROLE hcbus_reviewer; SELECT review.ask_reporter(${case%%|*}, 'hola')")
  hc_assert_contains "$err" "seq ${case%%|*}: ${case#*|}" "ask_reporter refuses seq ${case%%|*}"
done
hc_assert_contains "$(hc_psql_error "SET ROLE hcbus_reviewer; SELECT review.ask_reporter(8, '  ')")" \
  "seq 8: la pregunta está vacía" "ask_reporter refuses a blank question"
hc_assert_contains "$(hc_psql_error "SET ROLE hcbus_reviewer; SELECT review.ask_reporter(8, repeat('ñ', 2001))")" \
  "seq 8: la pregunta tiene 2001 caracteres; el máximo es 2000" "ask_reporter refuses a question over 2000 characters"
hc_psql "SET ROLE hcbus_reviewer; SELECT review.ask_reporter(8, repeat('ñ', 2000))" >/dev/null ||
  hc_fail "ask_reporter refused a question of exactly 2000 characters"

# hcbus_report reads the questions but not who asked, answers, and can do nothing else.
hc_assert_eq "$qid|f00d|¿A qué hora pasó?" \
  "$(hc_psql "SET ROLE hcbus_report; SELECT question_id, alert_id, question FROM report.questions
              WHERE alert_id = 'f00d' ORDER BY question_id LIMIT 1")" "hcbus_report reads the questions"
hc_psql "SET ROLE hcbus_report; INSERT INTO report.answers (question_id, answered_on, answer)
         VALUES ($qid, (now() AT TIME ZONE 'America/El_Salvador')::date, 'A las nueve')" >/dev/null ||
  hc_fail "hcbus_report could not answer"
hc_assert_eq "A las nueve" "$(hc_psql "SET ROLE hcbus_reviewer; SELECT answer FROM review.report_conversation
                                      WHERE question_id = $qid")" "the reviewer reads the answer"
hc_assert_contains "$(hc_psql_error "SET ROLE hcbus_report; INSERT INTO report.answers (question_id, answer) VALUES ($qid, 'otra')")" \
  "answers_pkey" "a question is answered once"
hc_assert_contains "$(hc_psql_error "SET ROLE hcbus_report; INSERT INTO report.answers (question_id, answer) VALUES (99999, 'x')")" \
  "answers_question_id_fkey" "an answer to no question is refused"
# 013 and 014: hcbus_report's sessions log nothing and no statement of theirs waits forever.
role_settings=$(hc_psql "SELECT array_to_string(rolconfig, ' ') FROM pg_roles WHERE rolname = 'hcbus_report'")
for setting in log_min_messages=panic log_statement=none statement_timeout=30s lock_timeout=10s \
               idle_in_transaction_session_timeout=60s; do
  hc_assert_contains "$role_settings" "$setting" "hcbus_report's sessions have $setting"
done
for sql in "SELECT asked_by FROM report.questions" "SELECT * FROM report.questions" \
           "SELECT seq FROM report.questions" "SELECT bytes FROM report.photos" "SELECT count(*) FROM report.photos" \
           "UPDATE report.mailboxes SET box = '\\x00'" "DELETE FROM report.mailboxes" \
           "UPDATE report.answers SET answer = 'x'" "DELETE FROM report.answers" "DELETE FROM report.photos" \
           "INSERT INTO report.questions (seq, alert_id, asked_by, question) VALUES (8, 'f00d', 'x', 'y')" \
           "UPDATE report.questions SET question = 'x'" "DELETE FROM report.questions" "TRUNCATE report.mailboxes" \
           "SELECT count(*) FROM hcbus.events" "SELECT count(*) FROM review.events" \
           "SELECT review.ask_reporter(8, 'x')" "SELECT count(*) FROM review.report_photos"; do
  hc_assert_contains "$(hc_psql_error "SET ROLE hcbus_report; $sql")" "permission denied" "hcbus_report: $sql"
done

# The reviewer reads the photos of the anonymous alert only, and never the tables.
hc_assert_eq "8|1|image/png|89504e47" \
  "$(hc_psql "SET ROLE hcbus_reviewer; SELECT seq, n, content_type, encode(bytes, 'hex') FROM review.report_photos")" \
  "review.report_photos: the anonymous alert's photo, not under the identified alert that copied its alert_id"
for sql in "SELECT count(*) FROM report.mailboxes" "SELECT count(*) FROM report.photos" \
           "SELECT count(*) FROM report.questions" "SELECT count(*) FROM report.answers" \
           "INSERT INTO report.questions (seq, alert_id, asked_by, question) VALUES (8, 'f00d', 'x', 'y')"; do
  hc_assert_contains "$(hc_psql_error "SET ROLE hcbus_reviewer; $sql")" "permission denied" "reviewer: $sql"
done
hc_assert_eq "f" "$(hc_psql "SELECT has_function_privilege('public', 'review.ask_reporter(bigint, text)', 'EXECUTE')")" \
  "PUBLIC may not execute ask_reporter"
hc_assert_eq "pg_catalog, pg_temp" \
  "$(hc_psql "SELECT array_to_string(proconfig, ',') FROM pg_proc WHERE oid = 'review.ask_reporter(bigint, text)'::regprocedure" |
     sed 's/^search_path=//')" "ask_reporter runs with a fixed search_path"
hc_assert_eq "0" "$(hc_psql "SELECT count(*) FROM information_schema.columns
                             WHERE table_schema = 'report' AND data_type LIKE 'time%'")" \
  "no time of day is stored in schema report"

# Every table and view is documented, and every column of the hcbus tables.
undocumented=$(hc_psql "
  SELECT string_agg(name, ', ') FROM (
    SELECT n.nspname || '.' || c.relname AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname IN ('hcbus', 'review', 'report') AND c.relkind IN ('r', 'p', 'v')
      AND obj_description(c.oid, 'pg_class') IS NULL
    UNION ALL
    SELECT c.relname || '.' || a.attname
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE n.nspname IN ('hcbus', 'report') AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND col_description(c.oid, a.attnum) IS NULL) undocumented")
hc_assert_eq "" "$undocumented" "undocumented tables or columns"

# 009 on a log that already has rows: their leaf hashes are back-filled in SQL with the
# entry that libhcbus tlog defines (note_check recomputes each leaf from the reviewer's
# view with tlog and compares it with the stored one and with hcbus.event_entry's).
hc_psql "CREATE DATABASE backfill" || hc_fail "CREATE DATABASE backfill"
OLD="$HC_CONNINFO dbname=backfill"
mkdir -p "$HC_WORK/sql-008"
cp "$HC_SRC"/deploy/sql/00[1-8]_*.sql "$HC_WORK/sql-008/"
HCBUS_SQL_DIR="$HC_WORK/sql-008" "$HC_SRC/deploy/migrate.sh" "$OLD" 2>>"$HC_WORK/migrate.log" || hc_fail "001-008 on backfill"
"$HC_PSQL" -XAtq -v ON_ERROR_STOP=1 "$OLD" -c "
  INSERT INTO hcbus.events (seq, sender, msg_id, kind, topic, zone_id, subject, sent_at, received_at, committed_at,
                            payload, summary, prev_hash, hash) VALUES
    (1, 'sem', 'm-1', 'alert', 'alert.$ZONE', '$ZONE', 'señal ñ', NULL, '2026-11-23 09:00:00.123456+00',
     '2026-11-23 09:00:00.2+00', '\\x0a0102ff', '{\"z\": [1, 2.50], \"a\": \"\\u00e9\\n\", \"kind\": \"alert\"}', '\\x00', '\\x01'),
    (2, '', 'anon-2', 'zone', 'zone.$ZONE', '$ZONE', NULL, '1970-01-01 00:00:00.000001+00', now(), now(),
     '\\x', '{}', '\\x01', '\\x02');
  INSERT INTO hcbus.rejections (id, at, last_at, repeats, institution, key_hint, action, topic, msg_id, code, field,
                                reason, prev_hash, hash) VALUES
    (1, now(), now(), 3, 'pnc', NULL, 'publish', 'zone.sv', 'x-1', 'unauthorized', 'topic', 'no\ttab ñ', '\\x00', '\\x01'),
    (2, '2026-01-01', NULL, 1, NULL, 'abcd1234', 'connect', NULL, NULL, 'unauthorized', NULL, '', '\\x01', '\\x02')" \
  >/dev/null || hc_fail "rows before 009"
"$HC_SRC/deploy/migrate.sh" "$OLD" 2>>"$HC_WORK/migrate.log" || hc_fail "009 on a log with rows"
hc_assert_eq "0|0" "$("$HC_PSQL" -XAtq "$OLD" -c "SELECT (SELECT count(*) FROM hcbus.events WHERE leaf_hash IS NULL),
  (SELECT count(*) FROM hcbus.rejections WHERE leaf_hash IS NULL)")" "009 back-fills every leaf_hash"
hc_assert_eq "2 agree" "$("$HC_BIN/tests/note_check" entry-sql "$OLD" events 2>&1)" \
  "back-filled event leaves are tlog's (and hcbus.event_entry is tlog's entry)"
hc_assert_eq "2 agree" "$("$HC_BIN/tests/note_check" entry-sql "$OLD" rejections 2>&1)" \
  "back-filled rejection leaves are tlog's (and hcbus.rejection_entry is tlog's entry)"

hc_pass
