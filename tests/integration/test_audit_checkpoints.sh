#!/usr/bin/env bash
# test_audit_checkpoints.sh — hcbus-auditd's signed tree heads over the real bus
# (decision 0014), checked as a reviewer with libhcbus tlog only (tests/tools/note_check:
# every leaf recomputed from review.log_entries / review.rejection_entries, every head's
# root recomputed, its C2SP note verified with keys/auditd-log.pub, a consistency proof
# between each head and the one before). Shown:
#   - heads at every multiple of checkpoint_every_events, in the batch's transaction:
#     after kill -9 mid-stream every multiple is there and the tree goes on;
#   - a clean stop writes a head at the tree's size (only if it grew), for events and
#     for rejections; a restart continues the same tree;
#   - checkpoint_every_s writes a head when the tree grew;
#   - without log_key_file the heads are stored unsigned (note NULL), with a warning;
#   - a restart (clean or after kill -9) resumes each tree from the frontier stored with
#     its last head (decision 0028) and the heads that follow are those of the whole tree
#     (note_check recomputes every root from every leaf); a frontier changed behind
#     auditd's back is refused and the tree rebuilt from every leaf, correctly;
#   - a stored leaf changed behind auditd's back: with --check-trees (the full check at
#     start) the tree is refused (the last stored head no longer holds) and no further
#     head is written;
#   - a head forged past the stored rows: refused at start unsigned (its leaves are not
#     stored) or signed (no note of ours), and the tree is marked broken;
#   - migration 009's SQL entry functions give tlog's bytes for every row auditd wrote.
source "$(dirname "$0")/../lib/harness.sh"
HC_CHECKPOINT_EVERY_EVENTS=10
HC_CHECKPOINT_EVERY_S=3600
source "$(dirname "$0")/../lib/bus.sh"
source "$(dirname "$0")/../lib/audit_log.sh"

NOTE_CHECK="$HC_BIN/tests/note_check"
PUB="$HC_WORK/keys/auditd-log.pub"

heads() { hc_psql "SELECT coalesce(string_agg(tree_size::text, ' ' ORDER BY tree_size), '') FROM hcbus.tree_heads WHERE log = '$1'"; }
# note_check as the reviewer; $1 log, $2 origin ("" = do not check signatures).
check_heads() {
  local log=$1 origin=$2 desc=$3
  local args=("$NOTE_CHECK" heads "$HC_CONNINFO" "$log")
  [ -z "$origin" ] || args+=(--key "$PUB" --origin "$origin")
  "${args[@]}" >"$HC_WORK/heads.$log.out" 2>&1 || hc_fail "$desc: $(cat "$HC_WORK/heads.$log.out")"
  HC_CHECKS=$((HC_CHECKS + 1))
}
publish() { # COUNT PREFIX
  hc_probe publish --key "$(hc_key minsal)" --count "$1" --msg-prefix "$2" --timeout-ms 20000 >"$HC_WORK/$2.out" ||
    hc_fail "publish $2: $(tail -3 "$HC_WORK/$2.out")"
}
auditd_listening() { grep -q "notice: listening on" "$HC_WORK/auditd.log"; }
restart_auditd() {
  hc_bus_start_auditd
  hc_wait_for "auditd listening" 30 auditd_listening
}
# The same, with the full check of the trees at start.
restart_auditd_checking() {
  mv "$HC_WORK/auditd.log" "$HC_WORK/auditd.log.$SECONDS"
  hc_start_bg auditd "$HC_BIN/services/auditd/hcbus-auditd" --config "$HC_WORK/hcbus.conf" \
    --broker-key "$HC_WORK/keys/broker.pub" --check-trees
  hc_wait_for "auditd listening" 30 auditd_listening
}
# The last head's frontier: as many 32-byte hashes as bits set in its size.
frontier_of_last() {
  hc_psql "SELECT length(frontier) / 32 || ' ' || length(replace(tree_size::bit(64)::text, '0', ''))
           FROM hcbus.tree_heads WHERE log = '$1' ORDER BY tree_size DESC LIMIT 1"
}
multiples() { seq "$HC_CHECKPOINT_EVERY_EVENTS" "$HC_CHECKPOINT_EVERY_EVENTS" "$1" | tr '\n' ' ' | sed 's/ $//'; }

hc_bus_setup
hc_bus_start
hc_wait_for "auditd listening" 30 auditd_listening
hc_assert_contains "$(cat "$HC_WORK/auditd.log")" "tree heads signed as $(cat "$PUB")" \
  "auditd names the verifier key of its log key at start"

# --- heads by count, signed ---------------------------------------------------------
publish 25 first
hc_assert_eq "10 20" "$(heads events)" "heads at every 10 events"
check_heads events hcbus.sv/audit "events heads after 25"
hc_assert_eq "head 10 signed consistent
head 20 signed consistent
leaves 25 heads 2" "$(cat "$HC_WORK/heads.events.out")" "note_check's account of the heads"

# Refused attempts go to the rejections tree.
hc_probe publish --key "$(hc_key pnc)" --count 3 --msg-prefix notmine >"$HC_WORK/notmine.out" &&
  hc_fail "the police published a zone level"
hc_wait_for "refusals recorded" 10 hc_sql_at_least "SELECT count(*) FROM hcbus.rejections" 1

# --- a clean stop writes the last heads -----------------------------------------------
hc_kill auditd TERM
hc_assert_eq "10 20 25" "$(heads events)" "a clean stop writes a head at 25"
rejections=$(hc_psql "SET ROLE hcbus_reviewer; SELECT count(*) FROM review.rejection_entries")
hc_assert_eq "$rejections" "$(heads rejections)" "a clean stop writes the rejections head ($rejections rows)"
check_heads events hcbus.sv/audit "events heads after a clean stop"
check_heads rejections hcbus.sv/rejections "rejections heads after a clean stop"
hc_assert_contains "$(cat "$HC_WORK/auditd.log")" "last tree heads: events 25, rejections $rejections" \
  "the stop line names the last heads"

# An exported note (what an institution keeps) verifies on its own. psql ends its output
# with a newline of its own: $(...) drops it and the note's, printf puts the note's back.
printf '%s\n' "$(hc_psql "SET ROLE hcbus_reviewer;
  SELECT note FROM review.tree_heads WHERE log = 'events' ORDER BY tree_size DESC LIMIT 1")" >"$HC_WORK/exported.note"
root=$(hc_psql "SELECT encode(root_hash, 'hex') FROM hcbus.tree_heads WHERE log = 'events' AND tree_size = 25")
hc_assert_eq "25 $root" "$("$NOTE_CHECK" note "$PUB" hcbus.sv/audit <"$HC_WORK/exported.note" 2>&1)" \
  "an exported checkpoint verifies"
hc_assert_contains "$("$NOTE_CHECK" note "$PUB" hcbus.sv/rejections <"$HC_WORK/exported.note" 2>&1)" "origin" \
  "a checkpoint of another log is refused"

# --- a restart continues the tree -----------------------------------------------------
restart_auditd
hc_assert_contains "$(cat "$HC_WORK/auditd.log")" "events 25 leaves (last head 25)" "the tree is rebuilt at start"
hc_assert_contains "$(cat "$HC_WORK/auditd.log")" "events from the frontier of the last head, 1 leaf hashes read" \
  "the events tree resumes from head 25's frontier (16 + 8 + 1: its smallest subtree, one leaf, is read)"
hc_assert_contains "$(cat "$HC_WORK/auditd.log")" "rejections from the frontier of the last head" \
  "the rejections tree resumes from its head's frontier"
hc_assert_eq "3 3" "$(frontier_of_last events)" "head 25 stores 3 subtree roots"
publish 15 second
hc_assert_eq "10 20 25 30 40" "$(heads events)" "heads go on at 30 and 40 after the restart"
check_heads events hcbus.sv/audit "events heads across a restart"

# --- kill -9 mid-stream: every head by count is there, and the tree goes on -----------
hc_start_bg stream "$HC_PROBE" publish --endpoint "$(hc_probe_endpoint publish)" \
  --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key minsal)" --count 600 --msg-prefix s --timeout-ms 60000
hc_wait_for "stream under way" 30 hc_lines_at_least "$HC_WORK/stream.log" '^ack' 100
hc_kill auditd KILL
restart_auditd
wait "$(hc_pid stream)" || hc_fail "the stream did not complete: $(tail -3 "$HC_WORK/stream.log")"
unset "HC_PIDS[stream]"
hc_log_consistent "after kill -9"
hc_assert_eq 640 "$HC_LOG_ROWS" "every message recorded once"
hc_assert_eq "10 20 25 $(multiples 640 | cut -d' ' -f3-)" "$(heads events)" "a head at every multiple of 10 across kill -9"
check_heads events hcbus.sv/audit "events heads across kill -9"
hc_assert_contains "$(cat "$HC_WORK/auditd.log")" "events from the frontier of the last head" \
  "after kill -9 the events tree resumes from the last head stored by count"
hc_assert_eq "0" "$(hc_psql "SELECT count(*) FROM hcbus.tree_heads WHERE frontier IS NULL OR
                              length(frontier) <> 32 * length(replace(tree_size::bit(64)::text, '0', ''))")" \
  "every head carries its frontier"

# --- heads by time, only when the tree grew -------------------------------------------
hc_kill auditd TERM
hc_assert_eq "640" "$(heads events | awk '{print $NF}')" "no head at a stop when the tree did not grow"
HC_CHECKPOINT_EVERY_S=1
hc_bus_write_config
restart_auditd
publish 3 timed
hc_wait_for "a head by time at 643" 15 hc_sql_at_least "SELECT count(*) FROM hcbus.tree_heads WHERE log = 'events' AND tree_size = 643" 1
check_heads events hcbus.sv/audit "events heads with a head by time"

# --- the SQL entry of migration 009 is tlog's entry ------------------------------------
hc_assert_eq "643 agree" "$("$NOTE_CHECK" entry-sql "$HC_CONNINFO" events 2>&1)" "hcbus.event_entry = tlog, every event"
hc_assert_eq "$rejections agree" "$("$NOTE_CHECK" entry-sql "$HC_CONNINFO" rejections 2>&1)" \
  "hcbus.rejection_entry = tlog, every rejection"

# --- a frontier changed behind auditd's back: refused, the tree rebuilt from the leaves -
hc_kill auditd TERM
hc_psql "ALTER TABLE hcbus.tree_heads DISABLE TRIGGER tree_heads_append_only;
         UPDATE hcbus.tree_heads SET frontier = set_byte(frontier, 0, get_byte(frontier, 0) # 1)
         WHERE log = 'events' AND tree_size = 643;
         ALTER TABLE hcbus.tree_heads ENABLE TRIGGER tree_heads_append_only" || hc_fail "changing a frontier"
restart_auditd
hc_assert_contains "$(cat "$HC_WORK/auditd.log")" "warning: the frontier stored with the events head of size 643 does not give its root: the events tree is rebuilt from every stored leaf hash" \
  "a changed frontier is refused"
hc_assert_contains "$(cat "$HC_WORK/auditd.log")" "events 643 leaves (last head 643), " "the tree is whole"
hc_assert_contains "$(cat "$HC_WORK/auditd.log")" "events rebuilt from 643 stored leaf hashes" "from every leaf"
grep -q "cannot be trusted" "$HC_WORK/auditd.log" && hc_fail "the tree rebuilt from every leaf holds: $(grep "trusted" "$HC_WORK/auditd.log")"

# --- without log_key_file: unsigned heads, said at start -------------------------------
hc_kill auditd TERM
mv "$HC_WORK/keys/auditd-log.key" "$HC_WORK/auditd-log.key.away"
HC_CHECKPOINT_EVERY_S=3600
hc_bus_write_config
restart_auditd
hc_assert_contains "$(cat "$HC_WORK/auditd.log")" "warning: auditd.log_key_file is not set: tree heads are stored unsigned" \
  "auditd warns that heads are unsigned"
publish 7 unsigned
hc_assert_eq "t" "$(hc_psql "SELECT note IS NULL FROM hcbus.tree_heads WHERE log = 'events' AND tree_size = 650")" \
  "the head at 650 is stored with note NULL"
check_heads events "" "unsigned heads still hold roots and consistency"
hc_assert_contains "$(cat "$HC_WORK/auditd.log")" \
  "events rebuilt from 643 stored leaf hashes" "the changed frontier of head 643 is refused again (it stays the last head until 650)"
"$NOTE_CHECK" heads "$HC_CONNINFO" events --key "$PUB" --origin hcbus.sv/audit >"$HC_WORK/unsigned.out" 2>&1 &&
  hc_fail "note_check accepted an unsigned head"
hc_assert_contains "$(cat "$HC_WORK/unsigned.out")" "head 650: unsigned" "a reviewer with the key sees it unsigned"

# --- a leaf changed behind auditd's back: no head over it ------------------------------
hc_kill auditd TERM
hc_psql "ALTER TABLE hcbus.events DISABLE TRIGGER events_append_only;
         UPDATE hcbus.events SET leaf_hash = sha256('forged') WHERE seq = 5;
         ALTER TABLE hcbus.events ENABLE TRIGGER events_append_only" || hc_fail "forging a leaf"
restart_auditd_checking
hc_assert_contains "$(cat "$HC_WORK/auditd.log")" "error: the events tree cannot be trusted: the stored leaves do not give the root of the stored head of size 650" \
  "auditd --check-trees refuses the tree at start: the last stored head no longer holds"
publish 10 afterforge
hc_kill auditd TERM
hc_assert_eq "650" "$(heads events | awk '{print $NF}')" "no head is written over a forged leaf (not by count, nor at stop)"
hc_assert_eq 660 "$(hc_bus_events)" "recording goes on"

# --- a head forged past the stored rows (a frontier that gives its root) ---------------
hc_psql "INSERT INTO hcbus.tree_heads (log, tree_size, root_hash, frontier)
         VALUES ('events', 1024, sha256('forged'), sha256('forged'))" || hc_fail "forging a head"
mv "$HC_WORK/auditd-log.key.away" "$HC_WORK/keys/auditd-log.key"
hc_bus_write_config
restart_auditd
hc_assert_contains "$(cat "$HC_WORK/auditd.log")" "warning: the frontier stored with the events head of size 1024 is unsigned while heads are signed" \
  "signing, auditd refuses to resume from a head without its note"
hc_assert_contains "$(cat "$HC_WORK/auditd.log")" "error: the events tree cannot be trusted: a head of size 1024 was stored but only 660 leaves are left" \
  "and the full rebuild marks the tree broken"
hc_kill auditd TERM
mv "$HC_WORK/keys/auditd-log.key" "$HC_WORK/auditd-log.key.away"
hc_bus_write_config
restart_auditd
hc_assert_contains "$(cat "$HC_WORK/auditd.log")" "warning: the events head of size 1024 does not stand on the stored rows (its last 1024 leaves are not all stored)" \
  "unsigned, the forged head's frontier gives its root but its leaves are not stored"
hc_assert_contains "$(cat "$HC_WORK/auditd.log")" "error: the events tree cannot be trusted: a head of size 1024 was stored but only 660 leaves are left" \
  "and the full rebuild marks the tree broken"
hc_kill auditd TERM
hc_assert_eq "1024" "$(heads events | awk '{print $NF}')" "no head is written after the forged one"

hc_pass
