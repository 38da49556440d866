#!/usr/bin/env bash
# test_local_access.sh — issue 12, item 11, against the real private cluster and a real
# bus over TCP: the socket's directory is closed to other local accounts and writable
# by its owner only; a local account that is neither root nor the cluster's owner
# cannot connect (as the owner, as the audit service's role or as itself), and the
# server's own account cannot connect as the owner either (peer authentication through
# a map, no trust); hcbus-auditd connects as hcbus_auditd, a member of hcbus_writer
# only, which cannot UPDATE, DELETE, TRUNCATE or create anything.
# Needs root (useradd, runuser); skipped with a message otherwise.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../lib/bus.sh"

if [ "$(id -u)" -ne 0 ]; then
  hc_log "SKIP: needs root to create a local account (useradd) and act as it (runuser)"
  exit 0
fi

hc_bus_setup
hc_bus_start

# ---- the socket's directory ----------------------------------------------------------
mode=$(stat -c %a "$HC_PGDIR")
hc_assert_eq 0 "$((8#$mode & 8#027))" "the socket directory ($mode) is not group-writable nor open to others"
hc_assert_eq postgres "$(stat -c %U "$HC_PGDIR")" "the socket directory belongs to the server's account"

# ---- another local account -----------------------------------------------------------
account=hct$$
useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$account" ||
  hc_fail "useradd $account failed"
hc_on_exit userdel "$account"
for role in hcbus hcbus_auditd "$account"; do
  if out=$(runuser -u "$account" -- "$HC_PSQL" -XAtq "host=$HC_PGDIR dbname=hcbus user=$role" \
             -c 'SELECT current_user' 2>&1); then
    hc_fail "local account $account connected as $role: $out"
  fi
  hc_assert_contains "$out" "Permission denied" "$account cannot reach the socket to log in as $role"
done
# Even past the directory (the server's own account owns it), no trust: peer and map.
if out=$(runuser -u postgres -- "$HC_PSQL" -XAtq "host=$HC_PGDIR dbname=hcbus user=hcbus" -c 'SELECT 1' 2>&1); then
  hc_fail "the postgres account connected as the owner hcbus: $out"
fi
hc_assert_contains "$out" "Peer authentication failed" "peer authentication refuses an account the map does not name"
hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM pg_hba_file_rules WHERE auth_method IN ('trust', 'password', 'md5')
                           OR type <> 'local'")" "no trust, no password, no TCP rule in pg_hba.conf"

# ---- auditd's role -------------------------------------------------------------------
hc_probe publish --key "$(hc_key minsal)" --count 2 --msg-prefix access >/dev/null || hc_fail "publish failed"
hc_assert_eq "hcbus_auditd" "$(hc_psql "SELECT string_agg(DISTINCT usename, ',') FROM pg_stat_activity
                                        WHERE application_name = 'hcbus-auditd'")" \
  "every session of hcbus-auditd logs in as hcbus_auditd"
hc_assert_eq "f|f|f|t" "$(hc_psql "SELECT rolsuper, rolcreaterole, rolcreatedb,
                                          pg_has_role('hcbus_auditd', 'hcbus_writer', 'member')
                                   FROM pg_roles WHERE rolname = 'hcbus_auditd'")" \
  "hcbus_auditd is no superuser, creates nothing, and is a writer"
writer_sql() { "$HC_PSQL" -XAtq -v ON_ERROR_STOP=1 "$HC_WRITER_CONNINFO" -c "$1" 2>&1; }
hc_assert_eq 2 "$(writer_sql 'SELECT count(*) FROM hcbus.events')" "hcbus_auditd reads the events"
for sql in "UPDATE hcbus.events SET sender = 'x'" "DELETE FROM hcbus.events" "TRUNCATE hcbus.events" \
           "DELETE FROM hcbus.rejections" "UPDATE hcbus.msg_ids SET seq = 9" \
           "CREATE TABLE hcbus.x (i int)" "DROP TABLE hcbus.events" "ALTER ROLE hcbus_auditd SUPERUSER"; do
  if out=$(writer_sql "$sql"); then hc_fail "hcbus_auditd could: $sql"; fi
  [[ $out == *"permission denied"* || $out == *"must be owner"* || $out == *"must be superuser"* ]] ||
    hc_fail "hcbus_auditd: $sql: not a permission error: $out"
  HC_CHECKS=$((HC_CHECKS + 1))
done
hc_assert_eq 2 "$(hc_bus_events)" "the events are intact"
hc_pass
