#!/usr/bin/env bash
# hcbus-coordinator's monitoring endpoint (coordinator.metrics_listen; docs/operations.md,
# "Monitoring"): /healthz is 503 while it waits for the broker (its reason in Spanish
# under es_SV), 200 once live; /metrics passes promtool's checker and counts what the coordinator
# really did — a security alert applied, the level review it decided and the broker
# recorded. Real broker, auditd and PostgreSQL over TCP.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"

command -v curl >/dev/null || { hc_log "SKIP: curl not installed"; exit 77; }
mapfile -t mports < <("$HC_BIN/tests/free_ports" 1) || hc_fail "free_ports failed"
export HC_COORDINATOR_METRICS_LISTEN="127.0.0.1:${mports[0]}"
URL="http://$HC_COORDINATOR_METRICS_LISTEN"

scrape() { curl -sS --max-time 5 -f "$URL/metrics"; }
value() { scrape | awk -v s="$1" '$1 == s {print $2; found=1} END {if (!found) print "absent"}'; }
health() { curl -sS --max-time 5 -o "$HC_WORK/health.body" -w '%{http_code}' "$URL/healthz"; echo " $(cat "$HC_WORK/health.body")"; }
health_is() { [[ "$(health)" == "$1"* ]]; }
value_is() { [ "$(value "$1")" = "$2" ]; }   # for hc_wait_for: evaluated at every poll

hc_bus_setup
hc_bus_start_auditd
# Started before the broker: it waits for it, and says so — in Spanish under es_SV
# (the reason is for a person; the first word is for programs and stays).
hc_start_bg coordinator_es env -u LC_ALL LANG=es_SV.UTF-8 LANGUAGE=es "$HC_COORDINATOR" --config "$HC_WORK/hcbus.conf"
hc_wait_for "503 in Spanish while the broker is away" 15 \
  health_is "503 unavailable: esperando que el broker responda a la suscripción"
hc_kill coordinator_es TERM
hc_coordinator_start
hc_wait_for "503 while the broker is away" 15 health_is "503 unavailable: waiting for the broker"
hc_assert_eq 0 "$(value hcbus_coordinator_live)" "not live"
hc_bus_start_broker
hc_coordinator_wait_caught_up
hc_wait_for "200 once live" 10 health_is "200 ok"
hc_assert_eq 1 "$(value hcbus_coordinator_live)" "live"

hc_probe publish --key "$(hc_key webform)" --kind alert --count 1 --msg-prefix alert >"$HC_WORK/alert.out" 2>&1 \
  || hc_fail "the alert was not recorded: $(cat "$HC_WORK/alert.out")"
seq=$(awk '$1 == "ack" {print $3}' "$HC_WORK/alert.out")
hc_wait_for "the level review recorded" 15 value_is 'hcbus_coordinator_effects_total{result="recorded"}' 1
hc_assert_eq 1 "$(value 'hcbus_coordinator_decisions_total{decision="level_review"}')" "one level review decided"
hc_assert_eq 1 "$(value 'hcbus_coordinator_tracked{what="alerts"}')" "one alert tracked"
[ "$(value hcbus_coordinator_last_seq)" -ge "$seq" ] || hc_fail "last_seq below the alert's seq $seq"
[ "$(value hcbus_coordinator_messages_applied_total)" -ge 1 ] || hc_fail "nothing applied"
hc_assert_eq 0 "$(value hcbus_coordinator_effects_pending)" "nothing pending"
scrape >"$HC_WORK/coordinator.prom" || hc_fail "/metrics"
hc_assert_contains "$(cat "$HC_WORK/coordinator.prom")" 'hcbus_build_info{service="coordinator",' "build info"
if command -v promtool >/dev/null; then
  promtool check metrics <"$HC_WORK/coordinator.prom" >"$HC_WORK/lint" 2>&1 || hc_fail "promtool: $(cat "$HC_WORK/lint")"
fi
hc_pass
