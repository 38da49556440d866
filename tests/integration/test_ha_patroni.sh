#!/usr/bin/env bash
# test_ha_patroni.sh — deploy/ha/'s Patroni and etcd configuration, run for real on this
# machine (addresses and ports rewritten to 127.0.0.1 and free ports, Patroni's timers
# shortened; everything else as shipped): three etcd members (site A, site B, witness),
# Patroni at each site bootstraps the audit database (post-bootstrap.sh) with a
# synchronous standby; hcbus-auditd uses both servers (target_session_attrs=read-write).
# During a stream of publishes, site A "dies" (kill -9 of its Patroni, PostgreSQL and
# etcd): Patroni at site B promotes its standby once the leader key expires, auditd
# finds it alone; every acked message is on it exactly once with its seq, seq has no
# hole, the chains verify. Site A comes back: it rejoins as the synchronous standby
# (pg_rewind) and holds what was written meanwhile.
source "$HCBUS_SOURCE_DIR/tests/lib/harness.sh"
source "$HC_SRC/tests/lib/pgha.sh"
source "$HC_SRC/tests/lib/bus.sh"

command -v patroni >/dev/null && command -v etcd >/dev/null || {
  hc_log "SKIP: patroni or etcd not installed (Debian patroni, etcd-server: deploy/install.sh's test packages)"
  exit 77
}
command -v curl >/dev/null || { hc_log "SKIP: curl not installed"; exit 77; }

STREAM_EACH=1500
KILL_AFTER_EVENTS=300
AFTER_REJOIN=50
PROBE_TIMEOUT_MS=180000
PATRONI_WAIT_S=90         # bootstrap, a promotion (ttl 20 s), a rejoin
REPLICATION_PASSWORD=repl-$RANDOM$RANDOM
REWIND_PASSWORD=rewind-$RANDOM$RANDOM
AUDITD_PASSWORD=auditd-$RANDOM$RANDOM

mapfile -t P < <("$HC_BIN/tests/free_ports" 10) || hc_fail "free_ports failed"
declare -A IP=([site_a]=10.1.0.2 [site_b]=10.2.0.2 [witness]=10.3.0.2)
declare -A CLIENT=([site_a]=${P[0]} [site_b]=${P[1]} [witness]=${P[2]})
declare -A PEER=([site_a]=${P[3]} [site_b]=${P[4]} [witness]=${P[5]})
declare -A REST=([site_a]=${P[6]} [site_b]=${P[7]})
declare -A PGPORT=([site_a]=${P[8]} [site_b]=${P[9]})
declare -A DIR=([site_a]=$HC_WORK/pat-a [site_b]=$HC_WORK/pat-b)

# The deployment's addresses → this machine's (sed script on stdin's file).
rewrite() {
  local m script="s#,http://127.0.0.1:2379##"
  for m in site_a site_b witness; do
    script+=";s#${IP[$m]}:2379#127.0.0.1:${CLIENT[$m]}#g;s#${IP[$m]}:2380#127.0.0.1:${PEER[$m]}#g"
  done
  for m in site_a site_b; do
    script+=";s#${IP[$m]}:8008#127.0.0.1:${REST[$m]}#g;s#${IP[$m]}:5432#127.0.0.1:${PGPORT[$m]}#g"
  done
  script+=";s#10\.[0-9]*\.0\.2/32#127.0.0.1/32#g;s#10\.0\.0\.0/8#127.0.0.0/8#g"
  sed -e "$script" "$@"
}

# etcd member M from deploy/ha/etcd-M.env.
start_etcd() {
  local m=$1
  mapfile -t vars < <(rewrite "$HC_SRC/deploy/ha/etcd-${m/_/-}.env" | grep -E '^ETCD_' |
    sed "s#^ETCD_DATA_DIR=.*#ETCD_DATA_DIR=$HC_WORK/etcd-$m#")
  hc_start_bg "etcd_$m" env "${vars[@]}" etcd
}

# What the postgres account runs must be where it can read it: the source tree may be
# somewhere it cannot enter (a checkout under /root, mode 0700, as in CI's fresh root),
# so post-bootstrap.sh is run from a copy in $HC_WORK (0711), as from
# /usr/local/share/hcbus/ha/ when installed.
mkdir -p "$HC_WORK/ha"
install -m 0755 "$HC_SRC/deploy/ha/post-bootstrap.sh" "$HC_WORK/ha/post-bootstrap.sh"
chmod 0755 "$HC_WORK/ha"

# Patroni at site M from deploy/ha/patroni-site-M.yml: its data under DIR[M], the
# timers short (ttl 20 s, the least Patroni accepts), as the postgres account, started
# in / (env --chdir): Patroni starts the postmaster through a multiprocessing "spawn"
# child, which chdir()s to Patroni's working directory first; where the postgres account
# cannot enter the test's directory (a build tree under /root) that child dies with
# PermissionError, no PostgreSQL ever starts and Patroni logs "bootstrap in progress"
# for ever.
start_patroni() {
  local m=$1 dir=${DIR[$1]}
  mkdir -p "$dir"
  chown postgres "$dir"
  chmod 0700 "$dir"
  rewrite "$HC_SRC/deploy/ha/patroni-${m/_/-}.yml" |
    sed -e "s#/var/lib/hcbus/pg#$dir#g" -e "s#/usr/local/share/hcbus/ha/#$HC_WORK/ha/#" \
        -e 's/^    ttl: 30 /    ttl: 20 /' -e 's/^    loop_wait: 10 /    loop_wait: 1 /' \
        -e 's/^    retry_timeout: 10 /    retry_timeout: 5 /' >"$HC_WORK/patroni-$m.yml"
  chmod 0644 "$HC_WORK/patroni-$m.yml"
  hc_start_bg "patroni_$m" runuser -u postgres -- env --chdir=/ PATRONI_REPLICATION_PASSWORD="$REPLICATION_PASSWORD" \
    PATRONI_REWIND_PASSWORD="$REWIND_PASSWORD" patroni "$HC_WORK/patroni-$m.yml"
}

# On a failure, besides the last lines of every log (hc_fail): the beginning of each
# Patroni log (initdb's output, the postmaster's start, post_bootstrap: Patroni's
# PostgreSQL logs to Patroni's stderr) and the end of any log file PostgreSQL wrote in
# its data directory.
hc_fail() {
  local m log
  hc_log "FAIL: $*"
  for log in "$HC_WORK"/*.log; do
    [ -f "$log" ] || continue
    hc_log "--- last lines of $(basename "$log")"
    tail -n 15 "$log" >&2 || true
  done
  for m in site_a site_b; do
    log=$HC_WORK/patroni_$m.log
    [ -f "$log" ] || continue
    hc_log "--- first lines of patroni_$m.log (initdb, PostgreSQL's start, post_bootstrap)"
    grep -v -e 'INFO: Lock owner: ' -e 'INFO: not healthy enough for leader race' \
      -e 'INFO: bootstrap in progress' -e 'INFO: no action' "$log" | head -n 60 >&2 || true
    for log in "${DIR[$m]}"/data/log/* "${DIR[$m]}"/data/pg_log/*; do
      [ -f "$log" ] || continue
      hc_log "--- last lines of $log"
      tail -n 30 "$log" >&2 || true
    done
  done
  exit 1
}

# Patroni's REST API: 200 from /primary on the leader, /sync on the synchronous standby.
rest_is() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${REST[$1]}/$2")" = 200 ]; }

# Kill a site: Patroni, its PostgreSQL (every process), its etcd member.
kill_site() {
  local m=$1
  local -a pids
  mapfile -t pids < <(pgha_pids "${DIR[$m]}")
  hc_kill "patroni_$m" KILL
  [ "${#pids[@]}" -eq 0 ] || kill -KILL "${pids[@]}" 2>/dev/null || true
  hc_wait_for "site $m's PostgreSQL dead" 10 pgha_all_dead "${pids[@]}"
  hc_kill "etcd_$m" KILL
}
# At exit, whatever PostgreSQL Patroni left (it stops its own on SIGTERM; not after KILL).
stop_leftovers() {
  local m
  for m in site_a site_b; do
    mapfile -t pids < <(pgha_pids "${DIR[$m]}")
    [ "${#pids[@]}" -eq 0 ] || kill -KILL "${pids[@]}" 2>/dev/null || true
  done
}
hc_on_exit stop_leftovers

# psql as the owner, postgres, through the sockets of both sites (whichever is primary).
cat >"$HC_WORK/psql-as-postgres" <<EOF
#!/bin/sh
cd /
exec runuser -u postgres -- /usr/lib/postgresql/15/bin/psql "\$@"
EOF
chmod 0755 "$HC_WORK/psql-as-postgres"
HC_PSQL=$HC_WORK/psql-as-postgres
export HCBUS_PSQL=$HC_PSQL
# migrate.sh's psql -f, as postgres, reads the migrations from a copy it can read (the
# source tree may be under /root, 0700).
cp -r "$HC_SRC/deploy/sql" "$HC_WORK/sql"
chmod -R a+rX "$HC_WORK/sql"
export HCBUS_SQL_DIR=$HC_WORK/sql
HC_CONNINFO="host=${DIR[site_a]},${DIR[site_b]} port=${PGPORT[site_a]},${PGPORT[site_b]} dbname=hcbus user=postgres target_session_attrs=read-write"
export HC_CONNINFO

for m in site_a site_b witness; do start_etcd "$m"; done
start_patroni site_a
hc_wait_for "site A's Patroni bootstraps and leads" "$PATRONI_WAIT_S" rest_is site_a primary
start_patroni site_b
hc_wait_for "site B's PostgreSQL a synchronous standby" "$PATRONI_WAIT_S" rest_is site_b sync
hc_assert_eq 1 "$(hc_psql "SELECT count(*) FROM pg_database WHERE datname = 'hcbus'")" "post-bootstrap.sh made database hcbus"

hc_bus_setup                             # migrates through HC_CONNINFO
hc_psql "ALTER ROLE hcbus_auditd PASSWORD '$AUDITD_PASSWORD'" >/dev/null
(umask 077 && echo "*:*:*:hcbus_auditd:$AUDITD_PASSWORD" >"$HC_WORK/auditd.pgpass")
HC_AUDITD_CONNINFO="host=127.0.0.1,127.0.0.1 port=${PGPORT[site_a]},${PGPORT[site_b]} dbname=hcbus user=hcbus_auditd passfile=$HC_WORK/auditd.pgpass target_session_attrs=read-write"
hc_bus_write_config
hc_bus_start

start_publisher() { hc_probe_publish_bg "$@" "$PROBE_TIMEOUT_MS"; }
exited() { ! kill -0 "$(hc_pid "$1")" 2>/dev/null; }
holds_events() { [ "$("$HC_PSQL" -XAtq "host=${DIR[$1]} port=${PGPORT[$1]} dbname=hcbus user=postgres" -c "SELECT count(*) FROM hcbus.events" 2>/dev/null)" = "$2" ]; }

# --- Site A dies mid-stream; Patroni promotes site B --------------------------------
start_publisher zones minsal zone "$STREAM_EACH"
start_publisher alerts webform alert "$STREAM_EACH"
hc_wait_for "$KILL_AFTER_EVENTS events" 120 hc_sql_at_least "SELECT count(*) FROM hcbus.events" "$KILL_AFTER_EVENTS"
at_kill=$(hc_psql "SELECT count(*) FROM hcbus.events")
killed_s=$SECONDS
kill_site site_a
hc_wait_for "Patroni promotes site B" "$PATRONI_WAIT_S" rest_is site_b primary
promoted_s=$SECONDS
hc_wait_for "a commit on site B" 60 hc_sql_at_least "SELECT count(*) FROM hcbus.events" $((at_kill + 1))
first_commit_s=$SECONDS
for name in zones alerts; do hc_wait_for "publisher $name done" 180 exited "$name"; done
total=$(hc_psql "SELECT count(*) FROM hcbus.events")
hc_log "site A killed at $at_kill events: promoted after $((promoted_s - killed_s)) s, first commit on site B after $((first_commit_s - killed_s)) s (ttl 20 s); $total events"

cat "$HC_WORK"/{zones,alerts}.log | awk '$1 == "ack" {print $2, $3}' | sort -u >"$HC_WORK/acked"
hc_psql "SELECT msg_id || ' ' || seq FROM hcbus.msg_ids ORDER BY 1" | sort >"$HC_WORK/recorded"
hc_assert_eq $((2 * STREAM_EACH)) "$(wc -l <"$HC_WORK/acked")" "every message acked"
hc_assert_eq "" "$(comm -3 "$HC_WORK/acked" "$HC_WORK/recorded" | head -n 5)" "acked = recorded on site B (msg_id, seq)"
hc_assert_eq "$total 1 $total" "$(hc_psql "SELECT count(*) || ' ' || min(seq) || ' ' || max(seq) FROM hcbus.events")" "seq 1..N without a hole"
hc_assert_eq "" "$(hc_chain_problems)" "both hash chains verify on site B"

# --- Site A comes back: the synchronous standby again --------------------------------
start_etcd site_a
start_patroni site_a
hc_wait_for "site A rejoins as the synchronous standby" "$PATRONI_WAIT_S" rest_is site_a sync
start_publisher after minsal zone "$AFTER_REJOIN"
hc_wait_for "publisher after done" 60 exited after
hc_assert_eq "$AFTER_REJOIN" "$(grep -c '^ack' "$HC_WORK/after.log")" "acked with site A synchronous again"
total=$(hc_psql "SELECT count(*) FROM hcbus.events")
hc_wait_for "site A holds every event" 30 holds_events site_a "$total"
hc_pass
