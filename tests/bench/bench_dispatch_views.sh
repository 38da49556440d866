#!/usr/bin/env bash
# bench_dispatch_views.sh — what `hcbus dispatch show|list` cost on a log of a given
# size, not a test (decision 0012): starts a private PostgreSQL, hcbus-auditd and
# hcbus-broker, records R dispatch requests (default 2000) with S statuses each (default
# 9) plus one request to look at, and times `dispatch show` of that one request and
# `dispatch list` (whole log; then with --zone of a municipality holding a tenth of the
# requests; then with --from-seq near the end).
#   HCBUS_BINARY_DIR=build-release tests/bench/bench_dispatch_views.sh [REQUESTS] [STATUSES]
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"
requests=${1:-2000}
statuses=${2:-9}
H="$HC_BIN/services/cli/hcbus"
zones=(sv.ss.san-salvador-este.soyapango sv.ss.san-salvador-centro.mejicanos sv.ss.san-salvador-centro.ayutuxtepeque
  sv.ss.san-salvador-norte.aguilares sv.ss.san-salvador-oeste.apopa sv.ss.san-salvador-sur.panchimalco
  sv.li.la-libertad-este.zaragoza sv.sa.santa-ana-centro.santa-ana sv.sm.san-miguel-centro.san-miguel sv.ch.chalatenango-sur.chalatenango)
hc_bus_setup
hc_bus_start
export HCBUS_BROKER_KEY="$HC_WORK/keys/broker.pub" HCBUS_KEY="$(hc_key sem)"
export HCBUS_PUBLISH_ENDPOINT="$HC_PUB_ENDPOINT" HCBUS_SUBSCRIBE_ENDPOINT="$HC_SUB_ENDPOINT"
export HCBUS_ZONES="$HC_SRC/deploy/sv-districts.csv"
states=(accepted en_route on_scene transporting at_facility closed accepted en_route on_scene)
now_us=$(($(date +%s) * 1000000))
for i in $(seq 1 "$requests"); do
  z=${zones[$((i % ${#zones[@]}))]}
  printf '{"dispatch": {"request_id": "B-%d", "zone_id": "%s", "location": {"address": "casa %d"}, "priority": "urgent", "incident_type": "medical", "capability": "basic"}}\n' "$i" "$z" "$i"
  for s in $(seq 1 "$statuses"); do
    printf '{"status": {"request_id": "B-%d", "zone_id": "%s", "unit_id": "U-%d", "state": "%s", "at_us": %d, "destination_facility": "Hospital"}}\n' \
      "$i" "$z" "$i" "${states[$(((s - 1) % ${#states[@]}))]}" $((now_us - 3600000000 + s * 60000000))
  done
done | "$H" publish --json --timeout-ms 600000 >"$HC_WORK/load.out" || hc_fail "load: $(tail -3 "$HC_WORK/load.out")"
head=$(hc_bus_events)
t() { local t0 t1; t0=$(date +%s%N); "$@" >"$HC_WORK/run.out" || hc_fail "$*: $(tail -3 "$HC_WORK/run.out")"; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
echo "log: $head messages ($requests requests x $((statuses + 1)))"
echo "dispatch show B-1 (whole log):             $(t "$H" dispatch show B-1 --timeout-ms 60000) ms"
echo "dispatch list (whole log):                 $(t "$H" dispatch list --timeout-ms 60000) ms, $(grep -c '^B-' "$HC_WORK/run.out") lines"
echo "dispatch show B-1 --zone (a tenth):        $(t "$H" dispatch show B-1 --zone "${zones[1]}" --timeout-ms 60000) ms"
echo "dispatch list --from-seq (last 1000 seqs): $(t "$H" dispatch list --from-seq $((head - 1000)) --timeout-ms 60000) ms"
hc_pass
