#!/usr/bin/env bash
# test_audit_verify.sh — `hcbus audit verify`, run as a reviewer (no superuser), finds and
# locates every way the database superuser can tamper with the audit log. A real bus
# (broker, auditd signing a tree head every 64 events, PostgreSQL, TCP) records 300
# events and a few refused attempts; two checkpoints are exported on the way
# (`hcbus audit checkpoint --out`). The intact log exits 0, and `hcbus audit prove`
# gives inclusion and consistency proofs that check. Then, each on its own copy of the
# database (CREATE DATABASE ... TEMPLATE), the superuser with the append-only triggers
# off changes a payload, a sender, a summary, deletes a row (and closes the hole),
# inserts one (a second seq 100; or with its leaf hash and link, the later rows
# renumbered), edits a chain link, swaps two rows, cuts the tail (with and without the
# heads), rewrites the log consistently (leaf hashes and chain recomputed; heads left,
# deleted, or re-signed with another key), deletes a refused attempt: each exits 1
# naming the seq (or the range) where it happened; a rewrite with the heads deleted
# passes (with a warning) unless an exported checkpoint is given.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"
source "$(dirname "$0")/../lib/audit.sh"

HCBUS=$HC_BIN/services/cli/hcbus
HEAD_EVERY=64
export HC_CHECKPOINT_EVERY_EVENTS=$HEAD_EVERY HC_CHECKPOINT_EVERY_S=0
FIRST_BATCH=150
TOTAL=300
KEY=$HC_WORK/keys/auditd-log.pub

hc_bus_setup
hc_bus_start

# The facilitators' login (migration 010): a member of hcbus_reviewer only.
hc_audit_allow
REVIEWER=$HC_AUDIT_CONNINFO

# The reviewer's conninfo on database DB.
reviewer_db() { echo "${REVIEWER/dbname=hcbus/dbname=$1}"; }

# Run `hcbus audit verify` as the reviewer on DB with the extra flags; stdout+stderr
# into $HC_WORK/out, the exit status into RC.
verify() {
  local db=$1
  shift
  RC=0
  "$HCBUS" audit verify --db "$(reviewer_db "$db")" --log-key "$KEY" "$@" >"$HC_WORK/out" 2>&1 || RC=$?
  OUT=$(cat "$HC_WORK/out")
}

# --- Record: 150 events, a checkpoint, 150 more, refused attempts, a clean stop --
hc_probe publish --key "$(hc_key minsal)" --count 100 --msg-prefix z >"$HC_WORK/p1.out" || hc_fail "zones"
hc_probe publish --key "$(hc_key webform)" --kind alert --count 50 --msg-prefix a >"$HC_WORK/p2.out" || hc_fail "alerts"
hc_wait_for "$FIRST_BATCH events" 30 hc_sql_at_least "SELECT count(*) FROM hcbus.events" "$FIRST_BATCH"
hc_wait_for "the head of size 128" 30 hc_sql_at_least \
  "SELECT coalesce(max(tree_size), 0) FROM hcbus.tree_heads WHERE log = 'events' AND note IS NOT NULL" 128
"$HCBUS" audit checkpoint --db "$(reviewer_db hcbus)" --log-key "$KEY" --out "$HC_WORK/cp1" 2>"$HC_WORK/cp1.err" ||
  hc_fail "checkpoint --out: $(cat "$HC_WORK/cp1.err")"
CP1_SIZE=$(sed -n 2p "$HC_WORK/cp1")
hc_assert_eq 128 "$CP1_SIZE" "the first exported checkpoint is the head of size 128"
hc_assert_contains "$(cat "$HC_WORK/cp1.err")" "signature checked" "checkpoint checks the signature before export"
"$HCBUS" audit checkpoint --db "$(reviewer_db hcbus)" --out "$HC_WORK/cp1" >/dev/null 2>&1 &&
  hc_fail "checkpoint --out replaced an existing file"

# While the bus runs (auditd writing rows and heads), verify reads one snapshot.
hc_probe publish --key "$(hc_key sem)" --kind dispatch --count 100 --msg-prefix d >"$HC_WORK/p3.out" &
publisher=$!
verify hcbus --from-checkpoint "$HC_WORK/cp1"
hc_assert_eq 0 "$RC" "the log verifies while it is being written: $OUT"
wait "$publisher" || hc_fail "dispatches"
hc_probe publish --key "$(hc_key minsal)" --count 50 --msg-prefix y >"$HC_WORK/p4.out" || hc_fail "zones 2"
for i in 1 2 3; do
  hc_probe publish --key "$(hc_key pnc)" --count 1 --msg-prefix "notmine$i" >/dev/null 2>&1 &&
    hc_fail "the police published a zone level"
done
hc_wait_for "$TOTAL events" 30 hc_sql_at_least "SELECT count(*) FROM hcbus.events" "$TOTAL"
hc_wait_for "3 refusals" 30 hc_sql_at_least "SELECT count(*) FROM hcbus.rejections" 3
# A clean stop signs the heads of both logs at their last row.
hc_kill broker TERM
hc_kill auditd TERM
hc_assert_eq "$TOTAL" "$(hc_psql "SELECT max(tree_size) FROM hcbus.tree_heads WHERE log = 'events'")" \
  "auditd signed the whole log at its clean stop"
"$HCBUS" audit checkpoint --db "$(reviewer_db hcbus)" --log-key "$KEY" --out "$HC_WORK/cp2" 2>/dev/null ||
  hc_fail "second checkpoint"
CPS=(--from-checkpoint "$HC_WORK/cp1" --from-checkpoint "$HC_WORK/cp2")
REJECTIONS=$(hc_psql "SELECT count(*) FROM review.rejection_entries")

# --- The intact log, as a reviewer -------------------------------------------
hc_assert_eq "f" "$("$HC_PSQL" -XAtq "$REVIEWER" -c "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")" \
  "the reviewer is no superuser"
hc_assert_contains "$("$HC_PSQL" -XAtq "$REVIEWER" -c "SELECT count(*) FROM hcbus.events" 2>&1)" "permission denied" \
  "the reviewer cannot read the events table (nor its payloads)"
verify hcbus "${CPS[@]}"
hc_assert_eq 0 "$RC" "the intact log verifies: $OUT"
hc_assert_contains "$OUT" "intact: $TOTAL events, $REJECTIONS refused attempts" "the summary counts every row"
hc_assert_contains "$OUT" "2 exported checkpoints checked" "and both checkpoints"
hc_assert_contains "$OUT" "events: intact: $TOTAL events, $(((TOTAL / HEAD_EVERY) + 1)) tree heads" \
  "every stored head of the events (every 64, and the clean stop's)"
verify hcbus --json "${CPS[@]}"
hc_assert_eq 0 "$RC" "--json exits 0 too"
hc_assert_contains "$OUT" '"intact":true' "--json says intact"
hc_assert_contains "$OUT" "\"log\":\"events\",\"intact\":true,\"rows\":$TOTAL" "--json counts the rows"

# --- Proofs on the intact log --------------------------------------------------
# Run `hcbus audit prove` as the reviewer on DB; output in OUT, status in RC.
prove() {
  local db=$1
  shift
  RC=0
  "$HCBUS" audit prove --db "$(reviewer_db "$db")" --log-key "$KEY" "$@" >"$HC_WORK/out" 2>&1 || RC=$?
  OUT=$(cat "$HC_WORK/out")
}
prove hcbus 42
hc_assert_eq 0 "$RC" "an inclusion proof in the newest signed head: $OUT"
hc_assert_contains "$OUT" "seq 42 of the events log: leaf 41 of the tree of size $TOTAL" "names the leaf and the tree"
hc_assert_contains "$OUT" "verified: the proof leads from the row to the signed root" "and checks it"
hc_assert_eq 9 "$(grep -c '^  .*[0-9]\. [0-9a-f]\{64\}$' "$HC_WORK/out")" "a proof in a tree of 300 has 9 hashes"
prove hcbus 42 --checkpoint "$HC_WORK/cp1" --json
hc_assert_eq 0 "$RC" "an inclusion proof in an exported checkpoint: $OUT"
hc_assert_contains "$OUT" '"tree_size":128' "in the checkpoint's tree"
hc_assert_contains "$OUT" '"verified":true' "--json says verified"
prove hcbus 200 --checkpoint "$HC_WORK/cp1"
hc_assert_eq 1 "$RC" "an event after the checkpoint has no proof in it"
hc_assert_contains "$OUT" "seq 200 is not in the exported checkpoint" "and prove says so"
prove hcbus --consistency 128 "$TOTAL"
hc_assert_eq 0 "$RC" "a consistency proof between two signed heads: $OUT"
hc_assert_contains "$OUT" "verified: the proof leads to both signed roots" "checked against both"
prove hcbus --consistency 100 "$TOTAL"
hc_assert_eq 1 "$RC" "no head of size 100"
hc_assert_contains "$OUT" "no tree head of size 100" "and prove says so"
"$HCBUS" audit checkpoint --db "$(reviewer_db hcbus)" --log-key "$KEY" --rejections >"$HC_WORK/cpr" 2>/dev/null ||
  hc_fail "the rejections' checkpoint"
hc_assert_eq "hcbus.sv/rejections
$REJECTIONS" "$(head -n 2 "$HC_WORK/cpr")" "the rejections' checkpoint covers every refused attempt"

# --- Tampering, each on a fresh copy of the recorded database ----------------
CASE=0
# Copy the database and run SQL on the copy as the superuser with the triggers off.
# Sets DB to the copy's name.
tamper() {
  CASE=$((CASE + 1))
  DB=tamper_$CASE
  hc_psql "CREATE DATABASE $DB TEMPLATE hcbus" >/dev/null || hc_fail "cannot copy the database"
  "$HC_PSQL" -XAtq -v ON_ERROR_STOP=1 "${HC_CONNINFO/dbname=hcbus/dbname=$DB}" >"$HC_WORK/tamper.out" 2>&1 <<SQL ||
BEGIN;
SET LOCAL session_replication_role = replica;
$1;
COMMIT;
SQL
    hc_fail "tampering failed: $1: $(cat "$HC_WORK/tamper.out")"
}

# verify on the tampered copy must exit 1 and say NEEDLE.
detected() {
  local needle=$1 desc=$2
  shift 2
  verify "$DB" "$@"
  hc_assert_eq 1 "$RC" "$desc is detected: $OUT"
  hc_assert_contains "$OUT" "events: NOT INTACT: $needle" "$desc is located"
}

tamper "UPDATE hcbus.events SET payload = payload || '\\x00'::bytea WHERE seq = 20"
detected "altered seq 20:" "a changed payload" "${CPS[@]}"

tamper "UPDATE hcbus.events SET sender = 'pnc' WHERE seq = 40"
detected "altered seq 40:" "a changed sender" "${CPS[@]}"

tamper "UPDATE hcbus.events SET summary = summary || '{\"priority\": \"low\"}'::jsonb WHERE seq = 60"
detected "altered seq 60:" "a changed summary" "${CPS[@]}"

tamper "DELETE FROM hcbus.events WHERE seq = 80"
detected "missing seq 80:" "a deleted row"

tamper "INSERT INTO hcbus.events (seq, sender, msg_id, kind, topic, zone_id, subject, sent_at, received_at,
          committed_at, payload, summary, prev_hash, hash, leaf_hash)
        SELECT seq, 'pnc', 'forged', kind, topic, zone_id, subject, sent_at, received_at + interval '1 microsecond',
          committed_at, payload, summary, prev_hash, hash, leaf_hash FROM hcbus.events WHERE seq = 100"
detected "inserted row at seq 100:" "an inserted row"

tamper "DELETE FROM hcbus.events WHERE seq = 90; UPDATE hcbus.events SET seq = seq - 1 WHERE seq > 90"
detected "missing seq 90: the row now at seq 90 is the one written at seq 91" "a deleted row, the hole closed"

tamper "UPDATE hcbus.events SET seq = seq + 1 WHERE seq >= 95;
        INSERT INTO hcbus.events (seq, sender, msg_id, kind, topic, zone_id, subject, sent_at, received_at,
          committed_at, payload, summary, prev_hash, hash, leaf_hash)
        SELECT 95, 'pnc', 'forged', kind, topic, zone_id, subject, sent_at, received_at, committed_at, payload,
          summary, (SELECT hash FROM hcbus.events WHERE seq = 94), sha256('forged'::bytea),
          hcbus.leaf_hash(hcbus.event_entry(95, 'pnc', 'forged', kind, topic, zone_id, subject, sent_at,
            received_at, committed_at, summary::text, sha256(payload)))
        FROM hcbus.events WHERE seq = 96"
detected "inserted row at seq 95: the row now at seq 96 is the one written at seq 95" \
  "a row inserted with its leaf hash and link, the later rows renumbered"

tamper "UPDATE hcbus.events SET hash = sha256(hash) WHERE seq = 70"
detected "altered chain at seq 71" "an edited chain link"

tamper "UPDATE hcbus.events SET seq = CASE seq WHEN 110 THEN 115 ELSE 110 END WHERE seq IN (110, 115)"
detected "rows seq 110 and 115 reordered" "two swapped rows"

tamper "DELETE FROM hcbus.events WHERE seq > 250"
detected "log truncated: the signed tree head of " "a cut tail"
hc_assert_contains "$OUT" "says 256 rows, the log has 250 (seq 251 to 256 are gone)" "the cut is located"

tamper "DELETE FROM hcbus.events WHERE seq > 250; DELETE FROM hcbus.tree_heads WHERE log = 'events' AND tree_size > 250"
verify "$DB"
hc_assert_eq 0 "$RC" "a tail cut with its heads cannot be seen without an exported checkpoint: $OUT"
detected "log truncated: the exported checkpoint $HC_WORK/cp2 says $TOTAL rows, the log has 250" \
  "a tail cut with its heads" "${CPS[@]}"

# A consistent rewrite: sender of seq 30 changed, then every later leaf hash and chain
# hash recomputed (the chain's format 2, with deploy/verify-chain.sql's own functions).
chain_functions=$(sed -n '/^CREATE FUNCTION/,/\$\$;$/p' "$HC_SRC/deploy/verify-chain.sql")
rewrite="$chain_functions
UPDATE hcbus.events SET sender = 'pnc' WHERE seq = 30;
UPDATE hcbus.events SET leaf_hash = hcbus.leaf_hash(hcbus.event_entry(seq, sender, msg_id, kind, topic, zone_id,
  subject, sent_at, received_at, committed_at, summary::text, sha256(payload))) WHERE seq >= 30;
DO \$\$ DECLARE r record; prev bytea; BEGIN
  SELECT hash INTO prev FROM hcbus.events WHERE seq = 29;
  FOR r IN SELECT * FROM hcbus.events WHERE seq >= 30 ORDER BY seq LOOP
    UPDATE hcbus.events SET prev_hash = prev,
      hash = sha256(prev || pg_temp.ht('hcbus.events 2') || pg_temp.hi(r.seq) || pg_temp.ht(r.sender)
        || pg_temp.ht(r.msg_id) || pg_temp.ht(r.kind) || pg_temp.ht(r.topic) || pg_temp.ht(r.zone_id)
        || pg_temp.ht(r.subject) || pg_temp.hts(r.sent_at) || pg_temp.hts(r.received_at)
        || pg_temp.hts(r.committed_at) || pg_temp.hf(r.payload) || pg_temp.ht(r.summary::text))
    WHERE seq = r.seq RETURNING hash INTO prev;
  END LOOP;
END \$\$"

tamper "$rewrite"
hc_assert_eq "" "$("$HC_PSQL" -XAtq "${HC_CONNINFO/dbname=hcbus/dbname=$DB}" -f "$HC_SRC/deploy/verify-chain.sql")" \
  "the rewrite is consistent: the chain alone verifies"
detected "rewritten: the signed tree head of " "a rewrite that left the signed heads"
hc_assert_contains "$OUT" "of size 64 does not match the log (no smaller signed size matches): a row between seq 1 and 64" \
  "the rewrite is located between the heads around seq 30"

tamper "$rewrite; DELETE FROM hcbus.tree_heads WHERE log = 'events'"
verify "$DB"
hc_assert_eq 0 "$RC" "a consistent rewrite with the heads deleted passes without a checkpoint: $OUT"
hc_assert_contains "$OUT" "warning: no signed tree head or checkpoint covers these rows" "but verify warns"
detected "rewritten: the exported checkpoint $HC_WORK/cp1 of size 128 does not match the log" \
  "a consistent rewrite with the heads deleted" "${CPS[@]}"
hc_assert_contains "$OUT" "a row between seq 1 and 128 was changed" "located before the first checkpoint"
prove "$DB" 42 --checkpoint "$HC_WORK/cp1"
hc_assert_eq 1 "$RC" "no inclusion proof in the exported checkpoint holds after the rewrite: $OUT"
hc_assert_contains "$OUT" "the proof does not check" "prove says so"

# The heads re-signed with another key (their roots recomputed by the rewriter).
"$HC_BIN/tests/tlog_forge" keygen forger "$HC_WORK/forger.key" "$HC_WORK/forger.pub" || hc_fail "forger key"
tamper "$rewrite"
"$HC_PSQL" -XAtq "${HC_CONNINFO/dbname=hcbus/dbname=$DB}" \
  -c "SELECT tree_size FROM hcbus.tree_heads WHERE log = 'events' ORDER BY tree_size" >"$HC_WORK/sizes" ||
  hc_fail "head sizes"
"$HC_PSQL" -XAtq "${HC_CONNINFO/dbname=hcbus/dbname=$DB}" \
  -c "SELECT encode(leaf_hash, 'hex') FROM hcbus.events ORDER BY seq" |
  "$HC_BIN/tests/tlog_forge" heads "$HC_WORK/forger.key" hcbus.sv/audit "$HC_WORK/sizes" >"$HC_WORK/forged.sql" ||
  hc_fail "forging heads"
tamper_more() {
  "$HC_PSQL" -XAtq -v ON_ERROR_STOP=1 "${HC_CONNINFO/dbname=hcbus/dbname=$DB}" \
    -c "BEGIN; SET LOCAL session_replication_role = replica; $1; COMMIT;" >/dev/null || hc_fail "tampering: $1"
}
tamper_more "DELETE FROM hcbus.tree_heads WHERE log = 'events'; $(cat "$HC_WORK/forged.sql")"
detected "forged tree head: the signed tree head of " "heads re-signed with another key"
hc_assert_contains "$OUT" "of size 64 is not signed by the log key" "the first forged head is named"
verify "$DB" --log-key "$HC_WORK/forger.pub"
hc_assert_contains "$OUT" "events: intact: $TOTAL events" "with the forger's key the forged heads look fine"
verify "$DB" --log-key "$HC_WORK/forger.pub" "${CPS[@]}"
hc_assert_eq 1 "$RC" "but the genuine checkpoints do not verify with the forger's key: $OUT"
hc_assert_contains "$OUT" "checkpoint $HC_WORK/cp1 does not verify with the log key forger" "and verify says so"

# Refused attempts: a deleted one is found in their own log.
tamper "DELETE FROM hcbus.rejections WHERE id = (SELECT min(id) + 1 FROM hcbus.rejections WHERE leaf_hash IS NOT NULL)"
verify "$DB" "${CPS[@]}"
hc_assert_eq 1 "$RC" "a deleted refused attempt is detected: $OUT"
hc_assert_contains "$OUT" "rejections: NOT INTACT: missing id" "and located in the rejections log"
hc_assert_contains "$OUT" "events: intact" "while the events log is intact"

# --- Usage and unreachable database -------------------------------------------
RC=0
"$HCBUS" audit verify --db "$(reviewer_db hcbus)" --bogus >"$HC_WORK/out" 2>&1 || RC=$?
hc_assert_eq 2 "$RC" "an unknown flag is a usage error"
RC=0
(cd "$HC_WORK/keys" && HCBUS_AUDIT_LOG_KEY= "$HCBUS" audit verify --db "$(reviewer_db hcbus)") >"$HC_WORK/out" 2>&1 || RC=$?
hc_assert_eq 2 "$RC" "no key is a usage error"
hc_assert_contains "$(cat "$HC_WORK/out")" "no log key" "and says so"
RC=0
"$HCBUS" audit verify --db "host=$HC_WORK/nowhere dbname=hcbus" --log-key "$KEY" >"$HC_WORK/out" 2>&1 || RC=$?
hc_assert_eq 3 "$RC" "an unreachable database exits 3"
hc_pass
