#!/usr/bin/env bash
# test_ha_pg_sites.sh — the audit database's replication across a real (emulated) link
# between two sites: the primary in network namespace a, the standby in b, joined by a
# linkem wire with 50 ms each way (tests/lib/netlab.sh), both set up by tests/lib/pgha.sh
# as the integration test of issue 18 does. Shows that a COMMIT waits for the other
# site (it takes at least the wire's round trip), that with the wire cut a COMMIT waits
# (SyncRep) and its row is not on the standby, and goes through once healed, and that
# the standby promoted after kill -9 of the primary takes writes.
source "$HCBUS_SOURCE_DIR/tests/lib/harness.sh"
source "$HC_SRC/tests/lib/netlab.sh"
source "$HC_SRC/tests/lib/pgha.sh"
netlab_require

DELAY_MS=50                     # each way
A=$HC_WORK/pga B=$HC_WORK/pgb
netlab_ns a
netlab_ns b
netlab_wire a 10.90.0.1/30 b 10.90.0.2/30 "$DELAY_MS" 0
pgha_primary "$A" 10.90.0.1 5432 a
pgha_standby "$B" 10.90.0.2 5432 10.90.0.1 5432 b
hc_assert_eq "primary standby" "$(pgha_role "$A") $(pgha_role "$B")" "roles across the wire"
hc_psql "CREATE TABLE t (x int)"

# 1. A COMMIT waits for the standby at the other end of the wire: at least one round trip.
started=$(date +%s%3N)
hc_psql "INSERT INTO t VALUES (1)"
took=$(($(date +%s%3N) - started))
hc_log "one synchronous COMMIT over a ${DELAY_MS} ms wire: ${took} ms"
[ "$took" -ge $((2 * DELAY_MS)) ] || hc_fail "a COMMIT took $took ms: less than the wire's round trip ($((2 * DELAY_MS)) ms)"
HC_CHECKS=$((HC_CHECKS + 1))
hc_assert_eq 1 "$(pgha_psql "$B" "SELECT count(*) FROM t")" "the committed row is on the standby"

# 2. The wire cut: a COMMIT waits, its row stays off the standby until the wire heals.
syncrep_wait() { [ -n "$(hc_psql "SELECT pid FROM pg_stat_activity WHERE wait_event = 'SyncRep'")" ]; }
standby_rows() { [ "$(pgha_psql "$B" "SELECT count(*) FROM t")" = "$1" ]; }
exited() { ! kill -0 "$(hc_pid "$1")" 2>/dev/null; }
netlab_cut a-b
hc_start_bg insert "$HC_PSQL" -XAtq -v ON_ERROR_STOP=1 "$HC_CONNINFO" -c "INSERT INTO t VALUES (2)"
hc_wait_for "the COMMIT waiting for the cut-off standby" 30 syncrep_wait
hc_assert_eq 1 "$(pgha_psql "$B" "SELECT count(*) FROM t")" "the waiting row is not on the standby"
kill -0 "$(hc_pid insert)" 2>/dev/null || hc_fail "the INSERT returned with the standby cut off"
HC_CHECKS=$((HC_CHECKS + 1))
netlab_heal a-b
hc_wait_for "the COMMIT done once the wire healed" 90 exited insert
rc=0
wait "$(hc_pid insert)" || rc=$?
hc_assert_eq 0 "$rc" "the INSERT succeeded once the wire healed"
hc_wait_for "the row on the standby" 30 standby_rows 2

# 3. kill -9 the primary's site; the standby promoted takes writes.
pgha_kill "$A"
pgha_promote "$B"
hc_psql "INSERT INTO t VALUES (3)"
hc_assert_eq "1 2 3" "$(hc_psql "SELECT string_agg(x::text, ' ' ORDER BY x) FROM t")" "every committed row on the promoted standby"
hc_pass
