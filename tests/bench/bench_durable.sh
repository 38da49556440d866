#!/usr/bin/env bash
# bench_durable.sh — durable publish throughput of hcbus, not a test: starts a private
# PostgreSQL, hcbus-auditd and hcbus-broker from an optimized build, runs P publishers
# (default 8) of N zone messages each (default 20000) at once, and prints msg/s of
# acknowledged (committed) messages, beside PostgreSQL's own multi-row INSERT rate on
# the same cluster for comparison.
#   HCBUS_BINARY_DIR=build-release tests/bench/bench_durable.sh [PUBLISHERS] [COUNT]
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"
publishers=${1:-8}
count=${2:-20000}
hc_bus_setup
hc_bus_start

start=$(date +%s.%N)
for i in $(seq 1 "$publishers"); do
  hc_start_bg "pub$i" "$HC_PROBE" publish --endpoint "$(hc_probe_endpoint publish)" \
    --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key minsal)" --count "$count" --msg-prefix "b$i" --timeout-ms 120000
done
for i in $(seq 1 "$publishers"); do wait "$(hc_pid "pub$i")" || hc_fail "publisher $i"; done
end=$(date +%s.%N)
acked=$(cat "$HC_WORK"/pub*.log | grep -c '^ack')
rows=$(hc_bus_events)
echo "hcbus durable publish: $publishers publishers x $count: $acked acked, $rows rows, $(echo "$acked / ($end - $start)" | bc) msg/s"

# PostgreSQL's own rate on this cluster: 1000-row multi-row INSERTs of 256-byte rows.
hc_psql "CREATE TABLE bench (id bigint, payload bytea)" >/dev/null
t0=$(date +%s.%N)
for _ in $(seq 1 100); do
  hc_psql "INSERT INTO bench SELECT g, convert_to(repeat('x', 256), 'UTF8') FROM generate_series(1, 1000) g" >/dev/null
done
t1=$(date +%s.%N)
echo "PostgreSQL multi-row INSERT, 1000 rows/tx: $(echo "100000 / ($t1 - $t0)" | bc) rows/s"
