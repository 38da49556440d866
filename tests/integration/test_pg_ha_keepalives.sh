#!/usr/bin/env bash
# test_pg_ha_keepalives.sh — the server side of a vanished hcbus-auditd (review of issue
# 18): a primary made by deploy/pg-ha.sh closes a TCP session whose peer vanished within
# about 30-40 s (tcp_keepalives_idle 10, interval 5, count 3, tcp_user_timeout 30000),
# instead of Linux's hours during which an orphaned backend would hold the writer
# advisory lock. Checked as hcbus_auditd sees them over TCP (on a Unix socket they read
# 0), and the Patroni files of deploy/ha/ carry the same values.
source "${HCBUS_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/harness.sh"
source "$HC_SRC/tests/lib/pgha.sh"
source "$HC_SRC/tests/lib/bus.sh"

mapfile -t PORTS < <("$HC_BIN/tests/free_ports" 1) || hc_fail "free_ports failed"
pgha_primary "$HC_WORK/pga" 127.0.0.1 "${PORTS[0]}"
hc_bus_setup                       # migrates the primary: hcbus_auditd exists
conninfo=$(pgha_conninfo hcbus_auditd "127.0.0.1:${PORTS[0]}")
got=$("$HC_PSQL" -XAtq -v ON_ERROR_STOP=1 "$conninfo" \
  -c "SELECT current_setting('tcp_keepalives_idle') || ' ' || current_setting('tcp_keepalives_interval') || ' ' ||
             current_setting('tcp_keepalives_count') || ' ' || current_setting('tcp_user_timeout')") ||
  hc_fail "cannot ask the primary over TCP as hcbus_auditd"
hc_assert_eq "10 5 3 30000" "$got" "pg-ha.sh's primary: keepalives 10 s / 5 s / 3 and tcp_user_timeout 30 s"
for site in a b; do
  yml="$HC_SRC/deploy/ha/patroni-site-$site.yml"
  for want in "tcp_keepalives_idle: 10" "tcp_keepalives_interval: 5" "tcp_keepalives_count: 3" "tcp_user_timeout: 30000"; do
    grep -qE "^    $want\$" "$yml" || hc_fail "$yml: postgresql.parameters lacks $want"
  done
done
hc_pass
