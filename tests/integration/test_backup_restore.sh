#!/usr/bin/env bash
# test_backup_restore.sh — the restore drill: a bus records events and a signed tree
# head; deploy/backup.sh backs the database up (the dump and the roles written 0600 in
# a 0700 directory, whatever the caller's umask: they hold clinical details); the
# cluster is destroyed; deploy/restore.sh restores both into a fresh cluster and
# verifies both hash chains (deploy/verify-chain.sql); the restored log has every event
# with the same last hash, `hcbus audit verify` (as a reviewer, with the log key)
# finds the log and its signed heads intact, and auditd resumes on it: new events
# extend the same chain, which still verifies.
source "${HCBUS_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/harness.sh"
source "$HC_SRC/tests/lib/bus.sh"
source "$HC_SRC/tests/lib/audit.sh"
export LC_ALL=C
HCBUS=$HC_BIN/services/cli/hcbus
[ -x "$HCBUS" ] || { hc_log "SKIP: no hcbus CLI in this build"; exit 77; }
export HC_CHECKPOINT_EVERY_EVENTS=16 HC_CHECKPOINT_EVERY_S=0
FIRST=40
MORE=10

last_hash() { hc_psql "SELECT encode(hash, 'hex') FROM hcbus.events ORDER BY seq DESC LIMIT 1"; }
verify_as_reviewer() {
  set +e
  out=$("$HCBUS" audit verify --db "$HC_AUDIT_CONNINFO" --log-key "$HC_WORK/keys/auditd-log.pub" 2>&1)
  rc=$?
  set -e
}

hc_bus_setup
hc_bus_start
hc_probe publish --key "$(hc_key minsal)" --count "$FIRST" --msg-prefix z >"$HC_WORK/p1.out" || hc_fail "publish"
hc_wait_for "$FIRST events" 30 hc_sql_at_least "SELECT count(*) FROM hcbus.events" "$FIRST"
hc_wait_for "a signed head" 30 hc_sql_at_least \
  "SELECT count(*) FROM hcbus.tree_heads WHERE log = 'events' AND note IS NOT NULL" 1
hash_before=$(last_hash)
heads_before=$(hc_psql "SELECT count(*) FROM hcbus.tree_heads")

# --- Back up while the bus runs, with a careless umask ------------------------------
set +e
paths=$(umask 022 && "$HC_SRC/deploy/backup.sh" "$HC_CONNINFO" "$HC_WORK/backups" 2>"$HC_WORK/backup.err")
rc=$?
set -e
hc_assert_eq 0 "$rc" "backup.sh succeeds ($(cat "$HC_WORK/backup.err"))"
dump=$(printf '%s\n' "$paths" | sed -n 1p)
roles=$(printf '%s\n' "$paths" | sed -n 2p)
case "$dump" in *.dump) ;; *) hc_fail "backup.sh printed no dump path: $paths" ;; esac
[ -s "$dump" ] && [ -s "$roles" ] || hc_fail "empty backup files: $paths"
hc_assert_eq 600 "$(stat -c '%a' "$dump")" "the dump is the owner's alone (0600)"
hc_assert_eq 600 "$(stat -c '%a' "$roles")" "the roles file is the owner's alone (0600)"
hc_assert_eq 700 "$(stat -c '%a' "$HC_WORK/backups")" "the backup directory is closed to others (0700)"
[ -z "$(find "$HC_WORK/backups" -name '*.partial')" ] || hc_fail "a partial file was left behind"

# --- Destroy: the services stop, the cluster and its files are gone ------------------
hc_kill broker
hc_kill auditd
hc_pg_stop
rm -rf "$HC_PGDIR"
[ ! -e "$HC_PGDIR" ] || hc_fail "the cluster is still there"

# --- Restore into a fresh cluster -----------------------------------------------------
hc_pg_start
if hc_psql "SELECT count(*) FROM hcbus.events" >/dev/null 2>&1; then
  hc_fail "the fresh cluster already has hcbus.events"
fi
set +e
out=$("$HC_SRC/deploy/restore.sh" "$HC_CONNINFO" "$dump" "$roles" 2>&1)
rc=$?
set -e
hc_assert_eq 0 "$rc" "restore.sh restores and both chains verify ($out)"
hc_assert_contains "$out" "both hash chains verify: $FIRST events" "restore.sh reports the verified chains"
hc_assert_eq "$FIRST" "$(hc_bus_events)" "every event is back"
hc_assert_eq "$hash_before" "$(last_hash)" "the last hash is the one before the backup"
hc_assert_eq "$heads_before" "$(hc_psql "SELECT count(*) FROM hcbus.tree_heads")" "every tree head is back"
hc_assert_eq "" "$(hc_chain_problems)" "verify-chain.sql finds nothing wrong"

# The reviewer's verification: the rows against the signed heads.
hc_audit_allow
verify_as_reviewer
hc_assert_eq 0 "$rc" "hcbus audit verify on the restored log: exit 0 ($out)"

# --- auditd resumes on the restored log: the chain goes on ---------------------------
hc_bus_start
hc_probe publish --key "$(hc_key minsal)" --count "$MORE" --msg-prefix after >"$HC_WORK/p2.out" || hc_fail "publish after"
hc_wait_for "$((FIRST + MORE)) events" 30 hc_sql_at_least "SELECT count(*) FROM hcbus.events" "$((FIRST + MORE))"
hc_assert_eq "$((FIRST + MORE))" "$(hc_psql "SELECT max(seq) FROM hcbus.events")" "the seq goes on without a hole"
hc_assert_eq "$hash_before" "$(hc_psql "SELECT encode(prev_hash, 'hex') FROM hcbus.events WHERE seq = $((FIRST + 1))")" \
  "the first new event chains to the restored last one"
hc_assert_eq "" "$(hc_chain_problems)" "the extended chain verifies"
verify_as_reviewer
hc_assert_eq 0 "$rc" "hcbus audit verify after new events: exit 0 ($out)"
hc_pass
