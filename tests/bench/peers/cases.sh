# cases.sh — the peers' rows of the bench (source it from tests/bench/run.sh, after
# tests/lib/harness.sh, tests/lib/bus.sh, tests/bench/lib.sh and hc_bus_setup):
#   bench_peers REP    PostgreSQL (a)-(e) on the bus's own cluster, then nats-server
#                      (core, JetStream sync and async), then Mosquitto (QoS 1 rate and
#                      latency at 5,000 msg/s); each row written with bench_emit
# nats-server and mosquitto run only during their cases, on free ports, with their store
# in $BENCH_WORK (private config, fresh each rep), and are stopped before bench_peers
# returns. Each program runs BENCH_SECONDS measured (5; 1 with --quick) under `timeout`.
# A case that fails says so (its stderr) and leaves its rows out: table.py shows them
# missing. What each case measures: tests/bench/README.md.

BENCH_PEERS_SLACK_S=60          # per program, beyond its measured seconds: connect, drain, TRUNCATE
BENCH_PEERS_START_S=15          # a server must accept connections within this
BENCH_PEERS_LAT_RATE=5000       # msg/s of the one-way latency case
BENCH_PEERS_VERSIONS_DONE=0

# Versions, for the labels (once).
bench_peers_versions() {
  [ "$BENCH_PEERS_VERSIONS_DONE" = 1 ] && return 0
  # (mosquitto -h exits 3 after printing its version)
  BENCH_PG_NAME="PostgreSQL $({ hc_psql 'SHOW server_version' 2>/dev/null || true; } | cut -d' ' -f1)"
  BENCH_NATS_NAME="nats-server $({ nats-server --version 2>/dev/null || true; } | sed -n 's/.*v\([0-9.]*\).*/\1/p')"
  BENCH_MQTT_NAME="mosquitto $({ mosquitto -h 2>/dev/null || true; } | sed -n 's/^mosquitto version \([0-9.]*\).*/\1/p' | head -n 1)"
  BENCH_PEERS_VERSIONS_DONE=1
}

# Run one peer program as case NAME and emit its results. MAP is "key=id|unit|label;..."
# for the keys of the program's "key<TAB>value" lines that become rows; others (msgs,
# lost_pct) go to the log only.
bench_peer_case() {
  local rep=$1 name=$2 map=$3 rc=0 key value entry id unit label
  shift 3
  bench_run "peer-$name" $((${BENCH_SECONDS%.*} + BENCH_PEERS_SLACK_S)) "$@" || rc=$?
  if [ "$rc" != 0 ]; then
    hc_log "peer case $name (rep $rep) failed (status $rc$([ "$rc" = 124 ] && echo ': timed out')): $(tail -n 3 "$BENCH_WORK/peer-$name.err" | tr '\n' ' ')"
    return 0
  fi
  [ -s "$BENCH_WORK/peer-$name.err" ] && hc_log "peer case $name said: $(tail -n 3 "$BENCH_WORK/peer-$name.err" | tr '\n' ' ')"
  hc_log "peer $name (rep $rep): $(tr '\t\n' '= ' <"$BENCH_WORK/peer-$name.out")"
  while IFS=$'\t' read -r key value; do
    entry=$(tr ';' '\n' <<<"$map" | sed -n "s/^$key=//p")
    [ -n "$entry" ] || continue
    IFS='|' read -r id unit label <<<"$entry"
    bench_emit "$id" "$rep" "$value" "$unit" "$label"
  done <"$BENCH_WORK/peer-$name.out"
}

bench_peers_pg() {
  local rep=$1 pg=$BENCH_PG_NAME s=$BENCH_SECONDS
  local prog=("$HC_BIN/tests/bench/pg_bench" --conninfo "$HC_CONNINFO" --seconds "$s")
  bench_peer_case "$rep" pg_single "rate=pg_single_rate|rows/s|$pg (a) 1 INSERT per tx (autocommit), 1 conn;p50=pg_single_p50|µs|$pg (a) INSERT+COMMIT p50;p99=pg_single_p99|µs|$pg (a) INSERT+COMMIT p99;cpu=pg_single_cpu|µs/row|$pg (a) backend CPU per row" \
    "${prog[@]}" --case single
  bench_peer_case "$rep" pg_single8 "rate=pg_single8_rate|rows/s|$pg (e) 1 INSERT per tx, 8 conns;p50=pg_single8_p50|µs|$pg (e) INSERT+COMMIT p50, 8 conns;cpu=pg_single8_cpu|µs/row|$pg (e) backends' CPU per row" \
    "${prog[@]}" --case single8
  bench_peer_case "$rep" pg_insert100 "rate=pg_insert100_rate|rows/s|$pg (b) multi-row INSERT, 100 rows/tx;cpu=pg_insert100_cpu|µs/row|$pg (b) backend CPU per row" \
    "${prog[@]}" --case insert100
  bench_peer_case "$rep" pg_insert1000 "rate=pg_insert1000_rate|rows/s|$pg (c) multi-row INSERT, 1000 rows/tx;cpu=pg_insert1000_cpu|µs/row|$pg (c) backend CPU per row" \
    "${prog[@]}" --case insert1000
  bench_peer_case "$rep" pg_copy1000 "rate=pg_copy1000_rate|rows/s|$pg (d) COPY binary, 1000 rows/tx;cpu=pg_copy1000_cpu|µs/row|$pg (d) backend CPU per row" \
    "${prog[@]}" --case copy1000
}

bench_peers_nats() {
  local rep=$1 n=$BENCH_NATS_NAME port pid dir=$BENCH_WORK/nats-$rep
  port=$("$HC_BIN/tests/free_ports" 1) || { hc_log "free_ports failed: NATS cases skipped"; return 0; }
  rm -rf "$dir" && mkdir -p "$dir/js"
  hc_start_bg nats nats-server -a 127.0.0.1 -p "$port" -js -sd "$dir/js"
  pid=$(hc_pid nats)
  if ! bench_wait_port "$port" "$BENCH_PEERS_START_S" "$pid"; then
    hc_log "nats-server did not accept connections on port $port: NATS cases skipped: $(tail -n 3 "$HC_WORK/nats.log" | tr '\n' ' ')"
    hc_kill nats
    return 0
  fi
  local prog=("$HC_BIN/tests/bench/nats_bench" --url "nats://127.0.0.1:$port" --seconds "$BENCH_SECONDS" --server-pid "$pid")
  bench_peer_case "$rep" nats_core "rate=nats_core_rate|msg/s|$n core pub->sub, delivered;cpu=nats_core_cpu|µs/msg|$n core: server CPU per msg" \
    "${prog[@]}" --case core
  bench_peer_case "$rep" js_sync "rate=js_sync_rate|msg/s|$n JetStream file, sync publish (wait for each PubAck);p50=js_sync_p50|µs|$n JetStream sync publish->PubAck p50;p99=js_sync_p99|µs|$n JetStream sync publish->PubAck p99;cpu=js_sync_cpu|µs/msg|$n JetStream sync: server CPU per msg" \
    "${prog[@]}" --case js-sync
  bench_peer_case "$rep" js_async "rate=js_async_rate|msg/s|$n JetStream file, async publish, MaxPending 4000;cpu=js_async_cpu|µs/msg|$n JetStream async: server CPU per msg" \
    "${prog[@]}" --case js-async
  hc_kill nats
  rm -rf "$dir"
}

# Mosquitto's config: a private listener, persistence in DIR (saved every autosave_interval
# and at exit, never per message), TCP_NODELAY, log to stderr (the harness's log file).
bench_peers_mosquitto_conf() {
  local port=$1 dir=$2
  cat <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence true
persistence_location $dir/
autosave_interval 1800
set_tcp_nodelay true
log_dest stderr
$([ "$(id -u)" = 0 ] && echo "user root")
CONF
}

bench_peers_mqtt() {
  local rep=$1 m=$BENCH_MQTT_NAME port pid dir=$BENCH_WORK/mosquitto-$rep
  port=$("$HC_BIN/tests/free_ports" 1) || { hc_log "free_ports failed: Mosquitto cases skipped"; return 0; }
  rm -rf "$dir" && mkdir -p "$dir/store"
  bench_peers_mosquitto_conf "$port" "$dir/store" >"$dir/mosquitto.conf"
  hc_start_bg mosquitto mosquitto -c "$dir/mosquitto.conf"
  pid=$(hc_pid mosquitto)
  if ! bench_wait_port "$port" "$BENCH_PEERS_START_S" "$pid"; then
    hc_log "mosquitto did not accept connections on port $port: Mosquitto cases skipped: $(tail -n 3 "$HC_WORK/mosquitto.log" | tr '\n' ' ')"
    hc_kill mosquitto
    return 0
  fi
  local prog=("$HC_BIN/tests/bench/mqtt_bench" --port "$port" --seconds "$BENCH_SECONDS" --server-pid "$pid")
  bench_peer_case "$rep" mqtt_qos1 "rate=mqtt_qos1_rate|msg/s|$m QoS1 pub->sub, delivered (TCP_NODELAY, persistence);cpu=mqtt_qos1_cpu|µs/msg|$m QoS1: server CPU per msg" \
    "${prog[@]}" --case qos1-rate
  bench_peer_case "$rep" mqtt_qos1_5k "p50=mqtt_qos1_p50|µs|$m QoS1 one-way @5k/s p50 (TCP_NODELAY);p99=mqtt_qos1_p99|µs|$m QoS1 one-way @5k/s p99 (TCP_NODELAY)" \
    "${prog[@]}" --case qos1-lat --rate "$BENCH_PEERS_LAT_RATE"
  hc_kill mosquitto
  rm -rf "$dir"
}

bench_peers() {
  local rep=$1
  bench_peers_versions
  hc_log "peers, rep $rep: PostgreSQL, NATS, Mosquitto (${BENCH_SECONDS} s per case)"
  bench_peers_pg "$rep"
  bench_peers_nats "$rep"
  bench_peers_mqtt "$rep"
}
