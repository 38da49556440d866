#!/usr/bin/env bash
# What a peer without a key can cost the broker and the audit service (issue 12, item 2),
# attacked over TCP with raw sockets (session_probe raw: a ZMTP greeting, no handshake):
#  - a frame header declaring 1.5 GiB, followed by 64 MiB of it, on three connections to
#    each broker endpoint and to auditd: every connection is closed at the header
#    (ZMQ_MAXMSGSIZE), and neither process grows (VmRSS);
#  - a connection that never finishes its handshake is closed after the handshake
#    interval (5 s; libzmq's default is 30 s);
#  - connections from one source over the cap are closed at once (64 per broker
#    endpoint, 4 at auditd), while legitimate clients from another source still publish
#    and the broker's link to auditd keeps working.
source "$(dirname "$0")/../lib/harness.sh"
HC_TRANSPORT=tcp   # raw TCP attacks and source addresses: TCP whatever the run's transport
source "$(dirname "$0")/../lib/bus.sh"

SP="$HC_BIN/tests/session_probe"
DECLARED=$((3 << 29))          # 1.5 GiB
STREAMED=$((64 << 20))         # bytes actually sent after the header, per connection
RSS_GROWTH_MAX_KB=$((32 << 10))

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

hc_bus_setup
hc_bus_start
broker=$(hc_pid broker)
auditd=$(hc_pid auditd)
hc_probe publish --key "$(hc_key minsal)" --count 20 --msg-prefix warm >/dev/null || hc_fail "warm-up publish"
broker_before=$(rss_kb "$broker")
auditd_before=$(rss_kb "$auditd")

# --- huge declared frames --------------------------------------------------------------
for endpoint in "$HC_PUB_ENDPOINT" "$HC_SUB_ENDPOINT" "$HC_AUDIT_ENDPOINT"; do
  out=$("$SP" raw --endpoint "$endpoint" --connections 3 --declare "$DECLARED" --send "$STREAMED" \
    --count 3 --timeout-ms 20000)
  hc_log "$endpoint: $(tail -1 <<<"$out")"
  hc_assert_contains "$out" "closed 3 open 0" "every connection declaring 1.5 GiB closed by $endpoint"
  while read -r _ i _ _ sent _; do
    [ "$sent" -lt "$STREAMED" ] || hc_fail "$endpoint read all $sent bytes of connection $i's oversized frame"
  done < <(grep '^raw' <<<"$out")
done
broker_after=$(rss_kb "$broker")
auditd_after=$(rss_kb "$auditd")
hc_log "VmRSS broker ${broker_before} -> ${broker_after} kB, auditd ${auditd_before} -> ${auditd_after} kB"
[ $((broker_after - broker_before)) -lt "$RSS_GROWTH_MAX_KB" ] || hc_fail "broker grew by $((broker_after - broker_before)) kB"
[ $((auditd_after - auditd_before)) -lt "$RSS_GROWTH_MAX_KB" ] || hc_fail "auditd grew by $((auditd_after - auditd_before)) kB"

# --- a handshake that never ends ---------------------------------------------------------
out=$("$SP" raw --endpoint "$HC_PUB_ENDPOINT" --source 127.0.0.3 --connections 1 --count 1 --timeout-ms 15000)
hc_assert_contains "$out" "closed 1 open 0" "a greeting without a handshake closed within the handshake interval"

# --- connection caps ----------------------------------------------------------------------
# 70 from 127.0.0.2 to the publisher endpoint (cap 64 per source): 6 closed at once.
hc_start_bg flood "$SP" raw --endpoint "$HC_PUB_ENDPOINT" --source 127.0.0.2 --connections 70 --count 6 \
  --until-file "$HC_WORK/flood-done" --timeout-ms 30000
hc_wait_for "cap reached" 20 grep -q '^closed' "$HC_WORK/flood.log"
hc_assert_contains "$(cat "$HC_WORK/flood.log")" "closed 6 open 64" "connections over the per-source cap closed"
hc_probe publish --key "$(hc_key minsal)" --count 5 --msg-prefix beside-flood >/dev/null ||
  hc_fail "a legitimate publisher from another source was not served while the cap was full"
touch "$HC_WORK/flood-done"
wait "$(hc_pid flood)" || true
hc_wait_for "refusals logged" 20 grep -q "publishers: .* connections refused over the caps" "$HC_WORK/broker.log"
# Recorded by peer address (folded like refused handshakes), never as "anonymous".
hc_wait_for "cap refusals recorded by address" 20 hc_sql_at_least "SELECT count(*) FROM hcbus.rejections
  WHERE action = 'connect' AND code = 'overloaded' AND reason LIKE '%from 127.0.0.2 refused%'
    AND coalesce(institution, '') = ''" 1
grep -q "(anonymous)" "$HC_WORK/broker.log" && hc_fail "a connection refused over the caps was logged as anonymous"

# 10 from 127.0.0.2 to auditd (cap 4 per source): 6 closed; the broker's link still works.
out=$("$SP" raw --endpoint "$HC_AUDIT_ENDPOINT" --source 127.0.0.2 --connections 10 --count 6 --timeout-ms 20000)
hc_assert_contains "$out" "closed 6 open 4" "auditd closed connections over its per-source cap"
hc_probe publish --key "$(hc_key minsal)" --count 5 --msg-prefix after-flood >/dev/null ||
  hc_fail "publish after the floods"
hc_assert_eq 30 "$(hc_bus_events)" "every acknowledged message recorded"
kill -0 "$broker" && kill -0 "$auditd" || hc_fail "a service died"
hc_pass
