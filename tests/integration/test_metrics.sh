#!/usr/bin/env bash
# The monitoring endpoints of hcbus-broker and hcbus-auditd (docs/operations.md,
# "Monitoring"), over TCP with real processes and PostgreSQL: /metrics scraped during
# a stream of publishes and checked against what was sent (accepted counts never above
# what was sent while it runs, exactly what was sent after; a refused publish counted
# under its code; auditd's batch histogram counts every commit auditd itself reports at
# its stop); /healthz answers 503 with a reason while PostgreSQL is stopped
# (immediate) and 200 again once it is back; hostile HTTP clients (slow headers, huge
# headers, many connections, other methods) neither stop publishes nor the endpoint.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"

command -v curl >/dev/null || { hc_log "SKIP: curl not installed"; exit 77; }
mapfile -t mports < <("$HC_BIN/tests/free_ports" 2) || hc_fail "free_ports failed"
export HC_BROKER_METRICS_LISTEN="127.0.0.1:${mports[0]}" HC_AUDITD_METRICS_LISTEN="127.0.0.1:${mports[1]}"
BROKER_URL="http://$HC_BROKER_METRICS_LISTEN"
AUDITD_URL="http://$HC_AUDITD_METRICS_LISTEN"

hc_bus_setup
hc_bus_start

# scrape URL: the page, failing the test on anything but 200.
scrape() { curl -sS --max-time 5 -f "$1/metrics"; }
# value URL SERIES: the value of one sample (exact series text, labels included), or "absent".
value() { scrape "$1" | awk -v s="$2" '$1 == s {print $2; found=1} END {if (!found) print "absent"}'; }
# health URL: "CODE BODY"
health() { curl -sS --max-time 5 -o "$HC_WORK/health.body" -w '%{http_code}' "$1/healthz"; echo " $(cat "$HC_WORK/health.body")"; }
health_is() { [[ "$(health "$1")" == "$2"* ]]; }
value_is() { [ "$(value "$1" "$2")" = "$3" ]; }   # for hc_wait_for: evaluated at every poll

hc_wait_for "broker healthy" 15 health_is "$BROKER_URL" "200 ok"
hc_wait_for "auditd healthy" 15 health_is "$AUDITD_URL" "200 ok"

# The format: every family has HELP and TYPE before its samples; names are hcbus_*.
scrape "$BROKER_URL" >"$HC_WORK/broker.prom" || hc_fail "broker /metrics"
scrape "$AUDITD_URL" >"$HC_WORK/auditd.prom" || hc_fail "auditd /metrics"
for f in broker auditd; do
  python3 - "$HC_WORK/$f.prom" <<'PY' || hc_fail "$f: /metrics is not well-formed text format 0.0.4"
import re, sys
typed, helped = {}, set()
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("# HELP "):
        helped.add(line.split()[2]); continue
    if line.startswith("# TYPE "):
        _, _, name, kind = line.split(); typed[name] = kind; continue
    m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)', line)
    assert m, "bad sample line: " + line
    name = m.group(1)
    assert name.startswith("hcbus_"), name
    base = re.sub(r'_(bucket|sum|count)$', '', name) if name not in typed else name
    assert base in typed and base in helped, "no TYPE/HELP before " + name
    float(m.group(3).replace("+Inf", "inf"))
PY
done
if command -v promtool >/dev/null; then   # the Prometheus project's own checker and linter
  for f in broker auditd; do
    promtool check metrics <"$HC_WORK/$f.prom" >"$HC_WORK/$f.lint" 2>&1 || hc_fail "promtool check metrics ($f): $(cat "$HC_WORK/$f.lint")"
  done
fi
hc_assert_contains "$(cat "$HC_WORK/broker.prom")" 'hcbus_build_info{service="broker",version="' "build info"
hc_assert_contains "$(cat "$HC_WORK/auditd.prom")" 'hcbus_auditd_postgresql_up 1' "PostgreSQL up"
hc_assert_eq 0 "$(value "$BROKER_URL" 'hcbus_broker_messages_accepted_total{kind="zone"}')" "nothing accepted yet"

# --- a stream of N publishes, scraped while it runs ---------------------------------
N=2000
hc_start_bg pub "$HC_PROBE" publish --endpoint "$HC_PUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key minsal)" --count "$N" --msg-prefix stream --timeout-ms 60000
last=0 scrapes=0 during=0
while kill -0 "$(hc_pid pub)" 2>/dev/null; do
  v=$(value "$BROKER_URL" 'hcbus_broker_messages_accepted_total{kind="zone"}')
  [ "$v" -ge "$last" ] || hc_fail "accepted went down: $last then $v"
  [ "$v" -le "$N" ] || hc_fail "accepted $v while only $N were sent"
  [ "$v" -gt 0 ] && [ "$v" -lt "$N" ] && during=$((during + 1))
  last=$v scrapes=$((scrapes + 1))
done
wait "$(hc_pid pub)" || hc_fail "the stream was not acknowledged: $(tail -3 "$HC_WORK/pub.log")"
hc_log "$scrapes scrapes during the stream, $during of them in the middle of it"
hc_assert_eq "$N" "$(grep -c '^ack stream-' "$HC_WORK/pub.log")" "every publish acknowledged"
hc_assert_eq "$N" "$(value "$BROKER_URL" 'hcbus_broker_messages_accepted_total{kind="zone"}')" "accepted = sent"
hc_assert_eq 0 "$(value "$BROKER_URL" 'hcbus_broker_messages_accepted_total{kind="alert"}')" "no alert accepted"
# Gauges are the loop's snapshot (every 100 ms): they catch up within a scan.
hc_wait_for "delivered up to seq N" 5 value_is "$BROKER_URL" hcbus_broker_delivered_seq "$N"
hc_wait_for "nothing in flight after the stream" 5 value_is "$BROKER_URL" hcbus_broker_in_flight 0
hc_wait_for "auditd head seq N" 5 value_is "$AUDITD_URL" hcbus_auditd_head_seq "$N"
HC_CHECKS=$((HC_CHECKS + 3))

# A resend of the same msg_ids: duplicates, not accepted again.
hc_probe publish --key "$(hc_key minsal)" --count 10 --msg-prefix stream >"$HC_WORK/again.out" || hc_fail "resend"
hc_assert_eq 10 "$(value "$BROKER_URL" 'hcbus_broker_messages_duplicate_total{kind="zone"}')" "duplicates counted"
hc_assert_eq "$N" "$(value "$BROKER_URL" 'hcbus_broker_messages_accepted_total{kind="zone"}')" "duplicates not accepted"

# --- a refused publish counts under its kind and code --------------------------------
hc_assert_eq absent "$(value "$BROKER_URL" 'hcbus_broker_messages_refused_total{kind="zone",code="unauthorized"}')" \
  "no refusal yet"
hc_probe publish --key "$(hc_key pnc)" --count 1 --msg-prefix police-zone >"$HC_WORK/refused.out" \
  && hc_fail "the police published a zone level"
hc_assert_contains "$(cat "$HC_WORK/refused.out")" "refused police-zone-1 unauthorized" "refused as unauthorized"
hc_assert_eq 1 "$(value "$BROKER_URL" 'hcbus_broker_messages_refused_total{kind="zone",code="unauthorized"}')" \
  "the refusal counted"
hc_assert_eq absent "$(value "$BROKER_URL" 'hcbus_broker_messages_refused_total{kind="zone",code="invalid_field"}')" \
  "other codes untouched"

# --- subscribers ----------------------------------------------------------------------
hc_start_bg sub "$HC_PROBE" subscribe --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key pnc)" --count 5 --timeout-ms 30000 zone.
hc_wait_for "subscribed" 15 grep -q '^subscribed' "$HC_WORK/sub.log"
hc_wait_for "one subscriber in the metrics" 5 value_is "$BROKER_URL" hcbus_broker_subscribers 1
hc_probe publish --key "$(hc_key minsal)" --count 5 --msg-prefix live >/dev/null || hc_fail "publish for the subscriber"
wait "$(hc_pid sub)" || hc_fail "subscriber did not get 5"
hc_assert_eq 0 "$(value "$BROKER_URL" hcbus_broker_subscribers_lagging)" "no subscriber lagging"

# --- auditd's histograms: every commit counted, sizes add up ------------------------
hc_kill broker TERM   # nothing reaches auditd any more
scrape "$AUDITD_URL" >"$HC_WORK/auditd-end.prom" || hc_fail "auditd /metrics at the end"
commits=$(awk '$1 == "hcbus_auditd_commit_batch_records_count" {print $2}' "$HC_WORK/auditd-end.prom")
records=$(awk '$1 == "hcbus_auditd_commit_batch_records_sum" {print $2}' "$HC_WORK/auditd-end.prom")
timed=$(awk '$1 == "hcbus_auditd_commit_duration_seconds_count" {print $2}' "$HC_WORK/auditd-end.prom")
inf=$(awk '$1 == "hcbus_auditd_commit_batch_records_bucket{le=\"+Inf\"}" {print $2}' "$HC_WORK/auditd-end.prom")
hc_assert_eq "$commits" "$timed" "one commit time per committed batch"
hc_assert_eq "$commits" "$inf" "+Inf bucket = count"
hc_assert_eq "$records" "$(awk '$1 == "hcbus_auditd_records_committed_total" {print $2}' "$HC_WORK/auditd-end.prom")" \
  "batch sizes add up to the records committed"
[ "$records" -ge $((N + 15)) ] || hc_fail "records committed $records < the $((N + 15)) messages recorded"
python3 - "$HC_WORK/auditd-end.prom" <<'PY' || hc_fail "buckets are not cumulative"
import sys
b = [float(l.split()[1]) for l in open(sys.argv[1]) if l.startswith("hcbus_auditd_commit_batch_records_bucket")]
assert b == sorted(b) and len(b) > 2, b
PY
hc_kill auditd TERM
logged=$(sed -n 's/.*batches committed: \([0-9]*\) by the fast path, \([0-9]*\) by the careful path, \([0-9]*\) by the fallback.*/\1 \2 \3/p' \
  "$HC_WORK/auditd.log" | awk '{print $1 + $2 + $3}')
hc_assert_eq "$logged" "$commits" "histogram count = the commits auditd reports at its stop"
hc_log "auditd: $commits commits of $records records"

# --- /healthz follows PostgreSQL ------------------------------------------------------
hc_bus_start
hc_wait_for "broker healthy again" 15 health_is "$BROKER_URL" "200 ok"
hc_wait_for "auditd healthy again" 15 health_is "$AUDITD_URL" "200 ok"
hc_pg_stop immediate
hc_wait_for "auditd 503 without PostgreSQL" 10 health_is "$AUDITD_URL" "503 unavailable: PostgreSQL"
hc_assert_eq 0 "$(value "$AUDITD_URL" hcbus_auditd_postgresql_up)" "PostgreSQL down in the metrics"
# A publish now cannot be recorded: the broker notices once auditd has lost its session.
hc_probe publish --key "$(hc_key minsal)" --count 1 --msg-prefix during-outage --timeout-ms 4000 \
  >"$HC_WORK/outage.out" 2>&1 || true
hc_wait_for "broker 503 while nothing can be recorded" 15 health_is "$BROKER_URL" "503 unavailable: "
hc_log "broker during the outage: $(health "$BROKER_URL")"
"$HC_SRC/deploy/pg.sh" start "$HC_PGDIR" 2>>"$HC_WORK/pg.sh.log" || hc_fail "pg.sh start"
hc_wait_for "auditd 200 with PostgreSQL back" 20 health_is "$AUDITD_URL" "200 ok"
hc_wait_for "broker 200 with PostgreSQL back" 20 health_is "$BROKER_URL" "200 ok"
hc_wait_for "PostgreSQL up in the metrics" 5 value_is "$AUDITD_URL" hcbus_auditd_postgresql_up 1

# --- hostile HTTP clients do not stop the bus -----------------------------------------
python3 - "${mports[0]}" >"$HC_WORK/hostile.out" 2>&1 <<'PY' &
# Slow headers on every connection the endpoint allows and more, a huge header, a
# POST with a body, for 8 seconds; prints what the endpoint answered to the huge one.
import socket, sys, time
port = int(sys.argv[1])
slow = []
for _ in range(64):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        slow.append(s)
    except OSError:
        pass
print("slow connections opened:", len(slow), flush=True)
end = time.time() + 6
while time.time() < end:
    for s in slow:
        try:
            s.sendall(b"X-Slow: a\r\n")
        except OSError:
            pass
    time.sleep(0.5)
for s in slow:
    s.close()
PY
hostile=$!
before=$(value "$BROKER_URL" 'hcbus_broker_messages_accepted_total{kind="zone"}')
sleep_until=$((SECONDS + 1)); while [ "$SECONDS" -lt "$sleep_until" ]; do sleep 0.1; done
hc_probe publish --key "$(hc_key minsal)" --count 500 --msg-prefix under-attack --timeout-ms 20000 \
  >"$HC_WORK/attack.out" || hc_fail "publishes stopped under the hostile HTTP clients: $(tail -3 "$HC_WORK/attack.out")"
hc_assert_eq 500 "$(grep -c '^ack under-attack-' "$HC_WORK/attack.out")" "publishes acknowledged under attack"
wait "$hostile"
hc_log "$(cat "$HC_WORK/hostile.out")"
# Once the slow clients are gone (or timed out), the endpoint answers again.
hc_wait_for "endpoint answers after the attack" 15 health_is "$BROKER_URL" "200 ok"
big=$(python3 -c 'print("a" * 100000)')
code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$BROKER_URL/metrics" || true)
[ "$code" != 200 ] || hc_fail "a 100 kB header was answered 200"
hc_log "100 kB header: HTTP $code"
hc_assert_eq 405 "$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' -X POST --data x "$BROKER_URL/metrics")" \
  "POST refused"
hc_assert_eq 404 "$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "$BROKER_URL/other")" "unknown path"
hc_assert_eq "$((before + 500))" "$(value "$BROKER_URL" 'hcbus_broker_messages_accepted_total{kind="zone"}')" \
  "500 more accepted under attack"
hc_pass
