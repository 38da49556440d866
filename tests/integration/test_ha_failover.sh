#!/usr/bin/env bash
# test_ha_failover.sh — issue 18 end to end: two sites in network namespaces, a stream of
# HA_PUBLISHERS x HA_EACH publishes (50,000 by default) with subscribers, and three
# failures during it. Decisions 0037 (the writer lock decides the active pair), 0038
# (client endpoint lists), 0039 (linkem: this kernel has no netem).
#
#   site A (ns a): PostgreSQL primary 10.18.3.1:5432, broker+auditd pair "site-a"
#   site B (ns b): PostgreSQL sync standby 10.18.3.2:5432, pair "site-b" (passive)
#   clients (ns c): publishers (tests/tools/ha_probe: msg_id, seq, endpoint per ack) and
#                   subscribers holding both brokers' endpoints
#   wires: a-b between the sites (PostgreSQL replication, auditd to the other site's
#          database), c-a and c-b from the clients to each site's broker.
#
# Phases, during the stream:
#   1. kill -9 the primary PostgreSQL (site A); promote the standby (site B) as an
#      operator would (deploy/pg-ha.sh promote); site A rebuilt as the sync standby.
#   2. kill -9 the ACTIVE broker and auditd (whichever pair took the lock); restarted,
#      it comes back passive.
#   3. cut the wire between the sites: the primary's commits wait for its standby;
#      fence the primary's site (its PostgreSQL stopped, as Patroni demotes a leader cut
#      off from etcd's majority) and promote the other, as Patroni would; heal; the
#      fenced one rebuilt as the standby.
# After each phase: every acked (msg_id, seq) is on the surviving primary, each msg_id
# once; seq 1..N without a hole; both hash chains verify. At the end also `hcbus audit
# verify`, every subscriber got every seq in order once (compared with the log), and
# the acked seqs, in seq order, form one run per active period of a pair: a pair never
# committed while the other did (no two pairs accepting writes at once).
# Failover times (failure → first ack of a message committed after it) are printed as
# "failover <phase> <ms> ms" lines (tests/bench/bench_failover.sh reads them).
#
# Environment (the bench uses them): HA_PUBLISHERS (5), HA_EACH (10000), HA_RATE (per
# publisher, msg/s, 120), HA_PHASES ("1 2 3").
source "${HCBUS_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/harness.sh"
source "$HC_SRC/tests/lib/netlab.sh"
netlab_require
source "$HC_SRC/tests/lib/pgha.sh"
source "$HC_SRC/tests/lib/bus.sh"

AUDITD=$HC_BIN/services/auditd/hcbus-auditd
BROKER=$HC_BIN/services/broker/hcbus-broker
HA_PROBE=$HC_BIN/tests/ha_probe
HCBUS=$HC_BIN/services/cli/hcbus
NPUB=${HA_PUBLISHERS:-5}
EACH=${HA_EACH:-10000}
RATE=${HA_RATE:-120}
PHASES=${HA_PHASES:-1 2 3}
TOTAL=$((NPUB * EACH))
POLL_MS=200
FAILOVER_MS=2000        # the clients' silence before trying the next endpoint
FAILOVER_BOUND_S=60     # a failure to the first ack on the survivor, at most
INTER_SITE_MS=2         # one way between the sites

# --- the sites --------------------------------------------------------------------------
netlab_ns a; netlab_ns b; netlab_ns c
netlab_wire a 10.18.3.1/30 b 10.18.3.2/30 "$INTER_SITE_MS" 0
WIRE_AB=$NETLAB_WIRE
netlab_wire c 10.18.1.2/30 a 10.18.1.1/30 0 0
netlab_wire c 10.18.2.2/30 b 10.18.2.1/30 0 0
declare -A SITE_ADDR=([a]=10.18.1.1 [b]=10.18.2.1) PG_ADDR=([a]=10.18.3.1 [b]=10.18.3.2)
declare -A PGDIR=([a]=$HC_WORK/pga [b]=$HC_WORK/pgb)
PUBS="tcp://10.18.1.1:7701,tcp://10.18.2.1:7701"
SUBS="tcp://10.18.1.1:7702,tcp://10.18.2.1:7702"

PGHA_ALLOW="10.18.3.0/30"
pgha_primary "${PGDIR[a]}" "${PG_ADDR[a]}" 5432 a
pgha_standby "${PGDIR[b]}" "${PG_ADDR[b]}" 5432 "${PG_ADDR[a]}" 5432 b
hc_assert_eq "primary standby" "$(pgha_role "${PGDIR[a]}") $(pgha_role "${PGDIR[b]}")" "PostgreSQL roles at start"
PRIMARY=a

# One bus (keys, institutions, database); each pair its own config with its own addresses.
HC_PUB_ENDPOINT=tcp://10.18.1.1:7701 HC_SUB_ENDPOINT=tcp://10.18.1.1:7702 HC_AUDIT_ENDPOINT=tcp://127.0.0.1:7703
export HC_PUB_ENDPOINT HC_SUB_ENDPOINT HC_AUDIT_ENDPOINT
hc_bus_setup
# A dead server noticed in seconds, not auditd's default ~30 s (docs/ha.md), so that the
# cut of phase 3 costs seconds too.
HC_AUDITD_CONNINFO="$(pgha_conninfo hcbus_auditd "${PG_ADDR[a]}:5432,${PG_ADDR[b]}:5432") connect_timeout=2 keepalives_idle=1 keepalives_interval=1 keepalives_count=2 tcp_user_timeout=3000"
hc_bus_write_config
standby_lines() { printf '  standby = true;\n  standby_poll_ms = %s;\n  node_name = "site-%s";\n' "$POLL_MS" "$1"; }
sed "/^  batch_max_delay_ms = 0;/r /dev/stdin" "$HC_WORK/hcbus.conf" <<<"$(standby_lines a)" >"$HC_WORK/a.conf"
sed -e "s|tcp://10.18.1.1:|tcp://10.18.2.1:|g" -e 's|node_name = "site-a"|node_name = "site-b"|' "$HC_WORK/a.conf" >"$HC_WORK/b.conf"
grep -q 'node_name = "site-b"' "$HC_WORK/b.conf" || hc_fail "b.conf not written"

STARTS=0
keep_log() { [ -f "$HC_WORK/$1.log" ] && STARTS=$((STARTS + 1)) && mv "$HC_WORK/$1.log" "$HC_WORK/$1.log.$STARTS"; return 0; }
in_log() { grep -qF -- "$2" "$HC_WORK/$1.log"; }
start_pair() {   # SITE: its auditd, then its broker, in the site's namespace
  keep_log "auditd_$1"
  netlab_start_bg "auditd_$1" "$1" "$AUDITD" --config "$HC_WORK/$1.conf" --broker-key "$HC_WORK/keys/broker.pub"
  hc_wait_for "auditd $1 listening" 30 in_log "auditd_$1" "listening on"
  keep_log "broker_$1"
  netlab_start_bg "broker_$1" "$1" "$BROKER" --config "$HC_WORK/$1.conf"
}
kill_pair() { hc_kill "broker_$1" KILL; hc_kill "auditd_$1" KILL; }
other() { [ "$1" = a ] && echo b || echo a; }
now_ms() { date +%s%3N; }
acked_total() { cat "$HC_WORK"/pub*.log 2>/dev/null | grep -c '^ack' || true; }
acked_at_least() { [ "$(acked_total)" -ge "$1" ]; }
site_of_endpoint() { case $1 in *10.18.1.1:*) echo a ;; *10.18.2.1:*) echo b ;; *) echo "?" ;; esac; }
# The site whose broker acked the latest message committed (not a duplicate answer).
active_site() {
  local line
  line=$(cat "$HC_WORK"/pub*.log | awk '$1 == "ack" && $4 == 0' | sort -k3,3n | tail -n 1)
  [ -n "$line" ] || hc_fail "no ack yet"
  site_of_endpoint "$(echo "$line" | awk '{print $5}')"
}
# Kill -9 site SITE's PostgreSQL (pgha_kill); remember its postmaster.
declare -A DEAD_POSTMASTER=()
kill_pg() {   # SITE
  DEAD_POSTMASTER[$1]=$(head -n 1 "${PGDIR[$1]}/data/postmaster.pid" 2>/dev/null || true)
  pgha_kill "${PGDIR[$1]}"
}
# Rebuild site SITE's PostgreSQL as the standby of the primary at site PRIMARY. First
# give the killed postmaster's parent up to 10 s to reap it: pg.sh's stop (run by the
# rebuild) takes a zombie for stopped, but fails if it is reaped between its two checks.
rebuild_pg() {   # SITE
  local pid=${DEAD_POSTMASTER[$1]:-} deadline=$((SECONDS + 10))
  while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep "$HC_POLL_INTERVAL_S"; done
  pgha_rebuild "${PGDIR[$1]}" "${PG_ADDR[$1]}" 5432 "${PG_ADDR[$PRIMARY]}" 5432 "$1"
}
max_seq_on() { pgha_psql "$1" "SELECT coalesce(max(seq), 0) FROM hcbus.events"; }
replayed_all() { [ "$(pgha_psql "$1" "SELECT pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn()")" = t ]; }
# The first ack (of any publisher) of a seq above SEQ, at or after MS: its time.
first_ack_after() {
  cat "$HC_WORK"/pub*.log |
    awk -v seq="$1" -v t="$2" '$1 == "ack" && $3 > seq && $6 >= t && (min == "" || $6 < min) {min = $6} END {print min}'
}
ack_above() { [ -n "$(first_ack_after "$1" "$2")" ]; }
# A failure must strike mid-stream: at least a second of it still to come.
mid_stream() {   # PHASE
  [ "$(acked_total)" -lt $((TOTAL - NPUB * RATE)) ] ||
    hc_fail "phase $1: the stream is (nearly) over before the failure ($(acked_total) of $TOTAL acked): raise HA_EACH or lower HA_RATE"
}
declare -A FAILOVER=()
# Wait for the first ack of a message committed after the failure at T0 (seq above
# SEQ) and print the failover time.
measure() {   # PHASE SEQ T0
  hc_wait_for "phase $1: a message committed after the failure acked" "$FAILOVER_BOUND_S" ack_above "$2" "$3"
  FAILOVER[$1]=$(( $(first_ack_after "$2" "$3") - $3 ))
  echo "failover $1 ${FAILOVER[$1]} ms" >&2
  echo "failover $1 ${FAILOVER[$1]} ms" >>"$HC_WORK/failover.txt"
}

# Every ack so far is on the primary (msg_id, seq), each msg_id recorded once, seq
# without a hole, both chains verify.
check_log() {   # PHASE
  local phase=$1 row n
  cat "$HC_WORK"/pub*.log | awk '$1 == "ack" {print $2, $3}' | sort -u >"$HC_WORK/acked"
  hc_assert_eq "$(awk '{print $1}' "$HC_WORK/acked" | sort -u | wc -l)" "$(wc -l <"$HC_WORK/acked")" \
    "$phase: no message acked with two seqs"
  hc_psql "SELECT msg_id || ' ' || seq FROM hcbus.msg_ids" | sort >"$HC_WORK/recorded"
  hc_assert_eq "" "$(comm -23 "$HC_WORK/acked" "$HC_WORK/recorded" | sed -n '1,5p')" \
    "$phase: every acked (msg_id, seq) on the primary (site $PRIMARY)"
  row=$(hc_psql "SELECT count(*), count(DISTINCT msg_id), count(DISTINCT seq), coalesce(max(seq), 0) FROM hcbus.events" | tr '|' ' ')
  n=${row%% *}
  hc_assert_eq "$n $n $n $n" "$row" "$phase: each message recorded once, seq 1..$n without a hole (rows, msg_ids, seqs, max seq)"
  hc_assert_eq "" "$(hc_chain_problems)" "$phase: both hash chains verify"
  hc_log "$phase: $(wc -l <"$HC_WORK/acked") acked, $n recorded, all on site $PRIMARY's primary"
}

# --- the pairs, the subscribers, the stream ---------------------------------------------
start_pair a
hc_wait_for "broker a ready" 30 in_log broker_a "zone snapshot rebuilt"
start_pair b
hc_wait_for "broker b passive" 30 in_log broker_b "passive: the audit service (node site-b)"

netlab_start_bg sub_ab c "$HC_PROBE" subscribe --endpoint "$SUBS" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key pnc)" --count "$TOTAL" --timeout-ms 180000 zone.
netlab_start_bg sub_ba c "$HC_PROBE" subscribe --endpoint "tcp://10.18.2.1:7702,tcp://10.18.1.1:7702" \
  --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key sem)" --count "$TOTAL" --timeout-ms 180000 zone.
hc_wait_for "subscriber a,b subscribed" 30 grep -q '^subscribed' "$HC_WORK/sub_ab.log"
hc_wait_for "subscriber b,a subscribed (moved to a)" 30 grep -q '^subscribed' "$HC_WORK/sub_ba.log"

for i in $(seq 1 "$NPUB"); do
  netlab_start_bg "pub$i" c "$HA_PROBE" --endpoint "$PUBS" --broker-key "$HC_WORK/keys/broker.pub" \
    --key "$(hc_key minsal)" --count "$EACH" --msg-prefix "p$i" --window 64 --rate "$RATE" \
    --failover-ms "$FAILOVER_MS" --timeout-ms 240000
done
STEP=$((TOTAL / 5))

# --- 1. kill -9 the primary PostgreSQL, promote the standby --------------------------------
if [[ " $PHASES " == *" 1 "* ]]; then
  hc_wait_for "$STEP publishes acked before phase 1" 120 acked_at_least "$STEP"
  mid_stream 1
  t0=$(now_ms)
  kill_pg a
  hc_wait_for "the standby replays what it received" 10 replayed_all "${PGDIR[b]}"
  seq0=$(max_seq_on "${PGDIR[b]}")
  pgha_promote "${PGDIR[b]}"
  PRIMARY=b
  hc_assert_eq primary "$(pgha_role "${PGDIR[b]}")" "phase 1: site B's PostgreSQL promoted"
  measure 1 "$seq0" "$t0"
  check_log "phase 1"
  rebuild_pg a
  hc_assert_eq "standby primary" "$(pgha_role "${PGDIR[a]}") $(pgha_role "${PGDIR[b]}")" "phase 1: site A rebuilt as the sync standby"
fi

# --- 2. kill -9 the active broker and auditd ------------------------------------------------
if [[ " $PHASES " == *" 2 "* ]]; then
  hc_wait_for "$((2 * STEP)) publishes acked before phase 2" 180 acked_at_least $((2 * STEP))
  mid_stream 2
  victim=$(active_site)
  t0=$(now_ms)
  kill_pair "$victim"
  seq0=$(hc_psql "SELECT coalesce(max(seq), 0) FROM hcbus.events")
  measure 2 "$seq0" "$t0"
  in_log "auditd_$(other "$victim")" "active (node site-$(other "$victim")): took the writer lock" ||
    hc_fail "phase 2: auditd $(other "$victim") did not take the writer lock"
  check_log "phase 2 (pair $victim killed)"
  start_pair "$victim"
  hc_wait_for "phase 2: pair $victim back, passive" 30 in_log "broker_$victim" "passive: the audit service (node site-$victim)"
fi

# --- 3. cut the wire between the sites; fence and promote as Patroni would; heal ----------
if [[ " $PHASES " == *" 3 "* ]]; then
  hc_wait_for "$((3 * STEP)) publishes acked before phase 3" 180 acked_at_least $((3 * STEP))
  fenced=$PRIMARY survivor=$(other "$PRIMARY")
  [ "$(pgha_role "${PGDIR[$survivor]}")" = standby ] || hc_fail "phase 3 needs a standby at site $survivor"
  mid_stream 3
  t0=$(now_ms)
  netlab_cut "$WIRE_AB"
  # The cut primary's commits wait for its standby: nothing is acked meanwhile. Patroni
  # at the primary's site cannot renew its leader key (etcd's majority is across the
  # cut) and demotes it; the other site's Patroni promotes its standby.
  kill_pg "$fenced"
  hc_wait_for "the standby replays what it received" 10 replayed_all "${PGDIR[$survivor]}"
  seq0=$(max_seq_on "${PGDIR[$survivor]}")
  pgha_promote "${PGDIR[$survivor]}"
  PRIMARY=$survivor
  measure 3 "$seq0" "$t0"
  check_log "phase 3 (cut, site $fenced fenced)"
  netlab_heal "$WIRE_AB"
  rebuild_pg "$fenced"
  hc_assert_eq "standby" "$(pgha_role "${PGDIR[$fenced]}")" "phase 3: site $fenced rebuilt as the sync standby after the heal"
fi

# --- the end: the whole stream, the log, the readers ---------------------------------------
for i in $(seq 1 "$NPUB"); do
  wait "$(hc_pid "pub$i")" || hc_fail "publisher pub$i did not get every ack: $(tail -n 3 "$HC_WORK/pub$i.log")"
  unset "HC_PIDS[pub$i]"
done
hc_assert_eq "$TOTAL" "$(acked_total)" "every one of the $TOTAL publishes acked"
check_log "end"
hc_assert_eq "$TOTAL" "$(hc_psql "SELECT count(*) FROM hcbus.events")" "the log holds the stream, each once"
READER=$(pgha_conninfo hcbus_facilitator "${PG_ADDR[$PRIMARY]}:5432")
netlab_exec "$PRIMARY" "$HCBUS" audit verify --db "$READER" --log-key "$HC_WORK/keys/auditd-log.pub" >"$HC_WORK/verify.out" 2>&1 ||
  hc_fail "hcbus audit verify across the failovers: $(cat "$HC_WORK/verify.out")"
HC_CHECKS=$((HC_CHECKS + 1))

# No two pairs accepted writes at once: the sites of the committed (non-duplicate) acks,
# in seq order, change at most once per failover.
runs=$(cat "$HC_WORK"/pub*.log | awk '$1 == "ack" && $4 == 0 {print $3, $5}' | sort -n |
  awk '{s = ($2 ~ /10\.18\.1\.1:/) ? "a" : "b"; if (s != last) {printf "%s", s; last = s}}')
hc_log "the pair that committed, in seq order: $runs"
nphases=$(echo $PHASES | wc -w)
[ "${#runs}" -le $((nphases + 1)) ] || hc_fail "the acked seqs change pair ${#runs} times for $nphases failovers: two pairs wrote at once? ($runs)"
HC_CHECKS=$((HC_CHECKS + 1))
# ... and no seq was acked by both (the log's single writer, seen from the clients).
hc_assert_eq "" "$(cat "$HC_WORK"/pub*.log | awk '$1 == "ack" && $4 == 0 {print $3}' | sort | uniq -d | sed -n '1,3p')" \
  "no seq committed twice"

# Every subscriber: every zone seq of the log, in order, once.
hc_psql "SELECT seq FROM hcbus.events WHERE kind = 'zone' ORDER BY seq" >"$HC_WORK/expected.seqs"
for sub in sub_ab sub_ba; do
  wait "$(hc_pid "$sub")" || hc_fail "$sub did not get every message: $(tail -n 3 "$HC_WORK/$sub.log")"
  unset "HC_PIDS[$sub]"
  awk '$1 ~ /^[0-9]+$/ {print $1}' "$HC_WORK/$sub.log" >"$HC_WORK/$sub.seqs"
  cmp -s "$HC_WORK/expected.seqs" "$HC_WORK/$sub.seqs" ||
    hc_fail "$sub: not every seq of the log in order once: $(diff "$HC_WORK/expected.seqs" "$HC_WORK/$sub.seqs" | sed -n '1,5p')"
  HC_CHECKS=$((HC_CHECKS + 1))
done
hc_log "stream of $TOTAL from $NPUB publishers; failovers: $(for p in "${!FAILOVER[@]}"; do printf '%s=%s ms ' "$p" "${FAILOVER[$p]}"; done)"
hc_pass
