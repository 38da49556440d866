#!/usr/bin/env bash
# test_ha_pair.sh — the standby broker pair of issue 18 (decision 0037): two
# broker + auditd pairs ("site-a", "site-b") on one PostgreSQL, on distinct TCP ports,
# both with auditd.standby = true. The writer lock decides which pair records:
#   1. A holds it; B's auditd answers every link request "standby" (its node name),
#      B's broker answers publish, ping and subscribe ERROR_CODE_STANDBY; /healthz of
#      both B services is 200 "standby", the *_active gauges say who is active. A
#      PostgreSQL backend that never answers B's lock query does not stop B answering
#      its broker; the query is given up after 2 s and asked on a new session.
#   2. kill -9 of A's broker and auditd in the middle of a stream: B takes over within
#      TAKEOVER_BOUND_S (measured: kill to the first acknowledged publish on B); the
#      stream resent to B with the same msg_ids is recorded exactly once (what A
#      acknowledged comes back "duplicate" with the same seq).
#   3. A restarted: its auditd and broker are passive.
#   4. A message in flight at B when B's auditd loses its session and finds the lock
#      held (taken by a test session) is answered STANDBY, never acknowledged and not
#      recorded, and B's subscriber session is ended; once the lock is free again
#      exactly one pair becomes active and records the message.
#   5. Clients with both endpoints (libhcbus): the active pair killed -9 in the middle
#      of a stream, the publisher moves and every message is acked and recorded once,
#      the subscriber moves and fills its gap by replay (every message, each seq once).
# Throughout: seq without a hole, the hash chain verifies, each msg_id once, and the
# commits of the auditds (their debug lines) form ranges of seq that never overlap:
# no two pairs wrote at once.
source "${HCBUS_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/harness.sh"
source "$HC_SRC/tests/lib/bus.sh"

AUDITD=$HC_BIN/services/auditd/hcbus-auditd
BROKER=$HC_BIN/services/broker/hcbus-broker
SPROBE=$HC_BIN/tests/standby_probe
LPROBE=$HC_BIN/tests/link_probe
POLL_MS=200
TAKEOVER_BOUND_S=15        # kill -9 of the active pair to the first ack on the other
STREAM=3000                # publishes in the stream cut by the kill
LOCK_KEY=7521964059225322852   # AUDITD_LOCK_KEY (services/auditd/db.h), "hcbusaud"
NO_HOLES_SQL="SELECT count(*) = coalesce(max(seq), 0) AND count(*) = count(DISTINCT seq) FROM hcbus.events"

for tool in "$AUDITD" "$BROKER" "$SPROBE" "$LPROBE" "$HC_PROBE"; do
  [ -x "$tool" ] || hc_fail "no $tool (build first)"
done

# Ports: B's three endpoints, and the four metrics endpoints.
mapfile -t ports < <("$HC_BIN/tests/free_ports" 7) || hc_fail "free_ports failed"
METRICS_BROKER_A=127.0.0.1:${ports[3]} METRICS_AUDITD_A=127.0.0.1:${ports[4]}
METRICS_BROKER_B=127.0.0.1:${ports[5]} METRICS_AUDITD_B=127.0.0.1:${ports[6]}
HC_LOG_LEVEL=debug HC_BROKER_METRICS_LISTEN=$METRICS_BROKER_A HC_AUDITD_METRICS_LISTEN=$METRICS_AUDITD_A hc_bus_setup

declare -A PUB SUB AUDIT
PUB[a]=$HC_PUB_ENDPOINT SUB[a]=$HC_SUB_ENDPOINT AUDIT[a]=$HC_AUDIT_ENDPOINT
PUB[b]=tcp://127.0.0.1:${ports[0]} SUB[b]=tcp://127.0.0.1:${ports[1]} AUDIT[b]=tcp://127.0.0.1:${ports[2]}

# Each pair's config: the same bus (keys, institutions, database), its own endpoints.
standby_lines() { printf '  standby = true;\n  standby_poll_ms = %s;\n  node_name = "site-%s";\n' "$POLL_MS" "$1"; }
sed "/^  batch_max_delay_ms = 0;/r /dev/stdin" "$HC_WORK/hcbus.conf" <<<"$(standby_lines a)" >"$HC_WORK/a.conf"
sed -e "s|${PUB[a]}\"|${PUB[b]}\"|; s|${SUB[a]}\"|${SUB[b]}\"|; s|${AUDIT[a]}\"|${AUDIT[b]}\"|" \
    -e "s|$METRICS_BROKER_A|$METRICS_BROKER_B|; s|$METRICS_AUDITD_A|$METRICS_AUDITD_B|" \
    -e "s|node_name = \"site-a\"|node_name = \"site-b\"|" "$HC_WORK/a.conf" >"$HC_WORK/b.conf"
grep -q "node_name = \"site-b\"" "$HC_WORK/b.conf" || hc_fail "b.conf not written"
"$AUDITD" --check-config "$HC_WORK/b.conf" --broker-key "$HC_WORK/keys/broker.pub" >"$HC_WORK/check.out" 2>&1 ||
  hc_fail "check-config refuses b.conf: $(cat "$HC_WORK/check.out")"

# A restart keeps the previous log as NAME.log.N (the no-overlap check reads them all).
STARTS=0
keep_log() { [ -f "$HC_WORK/$1.log" ] && STARTS=$((STARTS + 1)) && mv "$HC_WORK/$1.log" "$HC_WORK/$1.log.$STARTS"; return 0; }
start_auditd() {   # PAIR
  keep_log "auditd_$1"
  hc_start_bg "auditd_$1" "$AUDITD" --config "$HC_WORK/$1.conf" --broker-key "$HC_WORK/keys/broker.pub"
  hc_wait_for "auditd $1 listening" 30 grep -q "listening on" "$HC_WORK/auditd_$1.log"
}
start_broker() {   # PAIR
  keep_log "broker_$1"
  hc_start_bg "broker_$1" "$BROKER" --config "$HC_WORK/$1.conf"
}
in_log() { grep -qF -- "$2" "$HC_WORK/$1.log"; }
lines_in_log() { grep -cF -- "$2" "$HC_WORK/$1.log" || true; }
sprobe() {   # PAIR COMMAND ARGS... (publish/ping on the publisher endpoint, subscribe on the other)
  local pair=$1 command=$2 endpoint
  shift 2
  endpoint=${PUB[$pair]}
  [ "$command" = subscribe ] && endpoint=${SUB[$pair]}
  "$SPROBE" "$command" --endpoint "$endpoint" --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key minsal)" "$@"
}
health() { curl -sS --max-time 5 -o "$HC_WORK/health.body" -w '%{http_code}' "http://$1/healthz"; echo " $(cat "$HC_WORK/health.body")"; }
gauge() { curl -sS --max-time 5 "http://$1/metrics" | awk -v n="$2" '$1 == n { print $2 }'; }
# Conditions for hc_wait_for (functions: evaluated at every poll).
answers() { [ "$(health "$1")" = "$2" ]; }
gauge_is() { [ "$(gauge "$1" "$2")" = "$3" ]; }
log_lines_are() { [ "$(lines_in_log "$1" "$2")" = "$3" ]; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
acked_on() { sprobe "$1" publish --msg-id "$2" --timeout-ms 2000 >"$HC_WORK/acked_on.out" 2>&1; }
msg_count() { hc_psql "SELECT count(*) FROM hcbus.msg_ids WHERE msg_id LIKE '$1'"; }

# --- 1. A active, B passive ----------------------------------------------------------
start_auditd a
in_log auditd_a "active (node site-a): took the writer lock" || hc_fail "auditd a did not say it is active"
start_broker a
hc_wait_for "broker a ready" 30 in_log broker_a "zone snapshot rebuilt"
start_auditd b
hc_wait_for "auditd b passive" 30 in_log auditd_b "passive (node site-b): another hcbus-auditd holds the writer lock"
start_broker b
hc_wait_for "broker b passive" 30 in_log broker_b "passive: the audit service (node site-b)"

out=$("$LPROBE" --endpoint "${AUDIT[b]}" --key "$HC_WORK/keys/broker.key" --server-key "$HC_WORK/keys/auditd.pub" hello 2>&1 || true)
hc_assert_eq "standby site-b" "$out" "a passive auditd answers hello with LinkReply.standby and its node name"

# A PostgreSQL that does not answer the lock query (its backend stopped) never stops
# the passive auditd's loop: its broker is still answered, and the query is given up
# after 2 s (the connection made again: a cut network would be left behind so).
stuck=$(hc_psql "SELECT pid FROM pg_stat_activity WHERE application_name = 'hcbus-auditd'
                   AND pid NOT IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)")
[ -n "$stuck" ] && [ "$(wc -w <<<"$stuck")" = 1 ] || hc_fail "expected one waiting session of auditd b: '$stuck'"
kill -STOP "$stuck"
hello_ms=$(now_ms)
out=$("$LPROBE" --endpoint "${AUDIT[b]}" --key "$HC_WORK/keys/broker.key" --server-key "$HC_WORK/keys/auditd.pub" \
      --timeout-ms 1500 hello 2>&1 || true)
hello_ms=$(($(now_ms) - hello_ms))
gave_up=0
# (hc_wait_for would leave the backend stopped if it failed: PostgreSQL could not stop.)
gave_up_logged() { local n; for n in $(seq 200); do in_log auditd_b "did not answer the writer lock query within 2000 ms" && return 0; sleep 0.05; done; return 1; }
gave_up_logged && gave_up=1
kill -CONT "$stuck"
hc_assert_eq "standby site-b" "$out" "a passive auditd whose PostgreSQL does not answer still answers its broker"
hc_log "hello answered in ${hello_ms} ms while the lock query hung"
hc_assert_eq 1 "$gave_up" "an unanswered lock query is given up after 2 s"
other_waiting_session() { [ "$(hc_psql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'hcbus-auditd'
  AND pid <> $stuck AND pid NOT IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)")" -ge 1 ]; }
hc_wait_for "auditd b asks again on a new session" 20 other_waiting_session
out=$("$LPROBE" --endpoint "${AUDIT[b]}" --key "$HC_WORK/keys/broker.key" --server-key "$HC_WORK/keys/auditd.pub" hello 2>&1 || true)
hc_assert_eq "standby site-b" "$out" "still passive after the new session"

rc=0; out=$(sprobe b publish --msg-id p-1) || rc=$?
hc_assert_eq 1 "$rc" "a publish to the passive broker is refused"
hc_assert_contains "$out" "error standby this broker is the passive one of its pair (its audit service site-b" \
  "the refusal is ERROR_CODE_STANDBY naming the passive node"
hc_assert_contains "$out" "try the next endpoint" "the refusal says what to do"
hc_assert_contains "$out" "resend with the same msg_id" "the hint says to keep the msg_id"
out=$(sprobe b ping || true)
hc_assert_contains "$out" "error standby" "a ping to the passive broker is answered STANDBY"
out=$(sprobe b subscribe zone. || true)
hc_assert_contains "$out" "error standby" "a subscription to the passive broker is answered STANDBY"
out=$(sprobe a ping)
hc_assert_contains "$out" "pong " "the active broker answers a ping"

hc_assert_eq "200 standby" "$(health "$METRICS_AUDITD_B")" "passive auditd /healthz"
hc_wait_for "broker b health standby" 10 answers "$METRICS_BROKER_B" "200 standby"
hc_assert_eq "200 ok" "$(health "$METRICS_AUDITD_A")" "active auditd /healthz"
hc_wait_for "broker a health ok" 10 answers "$METRICS_BROKER_A" "200 ok"
hc_assert_eq "0 1" "$(gauge "$METRICS_AUDITD_B" hcbus_auditd_active) $(gauge "$METRICS_AUDITD_A" hcbus_auditd_active)" \
  "hcbus_auditd_active of B and A"
hc_assert_eq "0 1" "$(gauge "$METRICS_BROKER_B" hcbus_broker_active) $(gauge "$METRICS_BROKER_A" hcbus_broker_active)" \
  "hcbus_broker_active of B and A"
hc_assert_eq 1 "$(gauge "$METRICS_AUDITD_B" hcbus_auditd_postgresql_up)" "a passive auditd's PostgreSQL is up (no alert)"

hc_probe publish --endpoint "${PUB[a]}" --key "$(hc_key minsal)" --count 50 --msg-prefix a >"$HC_WORK/a.out" ||
  hc_fail "publishing to the active pair failed: $(tail -3 "$HC_WORK/a.out")"
hc_assert_eq 0 "$(msg_count 'p-%')" "nothing the passive broker refused was recorded"
hc_assert_eq 50 "$(msg_count 'a-%')" "the active pair recorded every message"

# --- 2. kill -9 the active pair in the middle of a stream ----------------------------
hc_start_bg stream "$HC_PROBE" publish --endpoint "${PUB[a]}" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key minsal)" --count "$STREAM" --msg-prefix s --window 64 --timeout-ms 120000
hc_wait_for "stream under way" 60 hc_lines_at_least "$HC_WORK/stream.log" "^ack s-" 300
hc_kill broker_a KILL
hc_kill auditd_a KILL
killed_ms=$(now_ms)
hc_wait_for "auditd b active" "$TAKEOVER_BOUND_S" in_log auditd_b "active (node site-b): took the writer lock"
hc_wait_for "a publish acknowledged by b" "$TAKEOVER_BOUND_S" acked_on b t-1
takeover_ms=$(($(now_ms) - killed_ms))
hc_log "takeover: kill -9 of the active pair to the first ack on the other: ${takeover_ms} ms"
[ "$takeover_ms" -le $((TAKEOVER_BOUND_S * 1000)) ] || hc_fail "takeover took ${takeover_ms} ms"
in_log broker_b "active: the audit service (node site-b) holds the writer lock" || hc_fail "broker b did not say it is active"
hc_kill stream KILL
acked_by_a=$(grep -c "^ack s-" "$HC_WORK/stream.log" || true)
hc_log "the stream had $acked_by_a of $STREAM acknowledged by A when it was killed"

hc_probe publish --endpoint "${PUB[b]}" --key "$(hc_key minsal)" --count "$STREAM" --msg-prefix s --window 64 \
  --timeout-ms 120000 >"$HC_WORK/resend.out" || hc_fail "resending the stream to B failed: $(tail -3 "$HC_WORK/resend.out")"
# What A acknowledged comes back from B as a duplicate with the same seq.
mismatched=$(awk 'FNR == NR { if ($1 == "ack") seq[$2] = $3; next }
                  $1 == "ack" && ($2 in seq) && (seq[$2] != $3 || $4 != 1) { n++ } END { print n + 0 }' \
             "$HC_WORK/stream.log" "$HC_WORK/resend.out")
hc_assert_eq 0 "$mismatched" "messages acknowledged by A are duplicates with the same seq at B"
hc_assert_eq "$STREAM" "$(msg_count 's-%')" "each message of the stream recorded exactly once"
hc_assert_eq t "$(hc_psql "$NO_HOLES_SQL")" "seq has no hole across the takeover"

# --- 3. the old pair restarted is passive --------------------------------------------
start_auditd a
hc_wait_for "auditd a passive" 30 in_log auditd_a "passive (node site-a): another hcbus-auditd holds the writer lock"
start_broker a
hc_wait_for "broker a passive" 30 in_log broker_a "passive: the audit service (node site-a)"
out=$(sprobe a publish --msg-id p-2 || true)
hc_assert_contains "$out" "error standby" "the restarted pair refuses with STANDBY"
acked_on b t-2 || hc_fail "B stopped recording: $(cat "$HC_WORK/acked_on.out")"

# --- 4. in flight when the auditd turns passive: answered STANDBY, never acknowledged --
hc_start_bg watcher "$HC_PROBE" subscribe --endpoint "${SUB[b]}" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key minsal)" --count 1000000 --timeout-ms 120000 zone.
hc_wait_for "a subscriber at broker b" 20 gauge_is "$METRICS_BROKER_B" hcbus_broker_subscribers 1
hc_kill auditd_b STOP
sprobe b publish --msg-id f-1 --timeout-ms 60000 >"$HC_WORK/f.out" 2>&1 &
f_pid=$!
hc_wait_for "f-1 in flight at broker b" 20 gauge_is "$METRICS_BROKER_B" hcbus_broker_in_flight 1
# A session of the test queues for the lock, then B's writer session is ended: the lock
# goes to the queued session, not to A's next try.
hc_start_bg locker "$HC_PSQL" -XAtq "$HC_CONNINFO" -c "SELECT pg_advisory_lock($LOCK_KEY)" -c "SELECT pg_sleep(3600)"
lock_waiters_are() { [ "$(hc_psql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")" = "$1" ]; }
hc_wait_for "the test's session waits for the lock" 20 lock_waiters_are 1
hc_psql "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted
           AND pid <> (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted)" >/dev/null
hc_wait_for "the test's session holds the lock" 20 lock_waiters_are 0
hc_kill auditd_b CONT
wait "$f_pid" || true
hc_assert_contains "$(tail -1 "$HC_WORK/f.out")" "error standby" "the message in flight is answered STANDBY"
hc_assert_eq 2 "$(lines_in_log auditd_b "passive (node site-b)")" "auditd b turned passive on finding the lock held"
hc_wait_for "broker b passive again" 20 log_lines_are broker_b "passive: the audit service (node site-b)" 2
in_log broker_b "1 messages in flight answered \"standby\" (not acknowledged), 1 subscriber sessions closed" ||
  hc_fail "broker b did not refuse its message in flight and end its subscriber's session"
hc_wait_for "no subscriber session left at broker b" 10 gauge_is "$METRICS_BROKER_B" hcbus_broker_subscribers 0
hc_kill watcher KILL
# Formerly active, now passive: the heads are not its to store (no checkpoint alert).
hc_assert_eq 0 "$(curl -sS --max-time 5 "http://$METRICS_AUDITD_B/metrics" |
  awk '$1 == "hcbus_auditd_checkpoint_pending_leaves{log=\"events\"}" { print $2 }')" "a passive auditd has no pending leaves"
hc_assert_eq 0 "$(msg_count 'f-%')" "the message answered STANDBY was not recorded"
out=$(sprobe b publish --msg-id p-3 || true)
hc_assert_contains "$out" "error standby" "while a third party holds the lock, B refuses"
out=$(sprobe a publish --msg-id p-4 || true)
hc_assert_contains "$out" "error standby" "while a third party holds the lock, A refuses"

# The lock freed: exactly one pair takes it and records the refused message.
# (psql's end alone would leave its backend in pg_sleep, holding the lock.)
hc_psql "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted" >/dev/null
hc_kill locker TERM
takeovers() { cat "$HC_WORK"/auditd_*.log* | grep -cF "took the writer lock" || true; }
takeovers_above() { [ "$(takeovers)" -gt "$1" ]; }
before=$(takeovers)
hc_wait_for "a pair takes the lock" 20 takeovers_above "$before"
if in_log auditd_a "active (node site-a)"; then winner=a loser=b; else winner=b loser=a; fi
hc_log "site-$winner took the lock"
hc_wait_for "broker $winner active" 20 acked_on "$winner" f-1
hc_assert_eq "ack 0" "$(awk '$1 == "ack" { print $1, $3 }' "$HC_WORK/acked_on.out")" "f-1 recorded as new, not a duplicate"
out=$(sprobe "$loser" publish --msg-id p-5 || true)
hc_assert_contains "$out" "error standby" "the other pair stays passive"
hc_assert_eq 1 "$(msg_count 'f-1')" "f-1 recorded exactly once"
hc_assert_eq 0 "$(msg_count 'p-%')" "nothing refused STANDBY was recorded"

# --- 5. clients with the list of both brokers (libhcbus failover, decision 0038) ----
# A subscriber given the passive broker first moves to the active one; a publisher
# streams to the active pair, which is killed -9 mid-stream: the publisher moves to the
# other pair and every message is acknowledged and recorded once; the subscriber moves
# too and fills its gap by replay: it gets every message of the stream, each seq once.
hc_start_bg listener "$HC_PROBE" subscribe --endpoint "${SUB[$loser]},${SUB[$winner]}" \
  --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key minsal)" --count 1000000 --timeout-ms 120000 zone.
hc_wait_for "the subscriber at the active broker" 30 in_log listener "subscribed "
hc_start_bg stream2 "$HC_PROBE" publish --endpoint "${PUB[$winner]},${PUB[$loser]}" \
  --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key minsal)" --count "$STREAM" --msg-prefix u --window 64 \
  --timeout-ms 120000
hc_wait_for "second stream under way" 60 hc_lines_at_least "$HC_WORK/stream2.log" "^ack u-" 300
hc_kill "broker_$winner" KILL
hc_kill "auditd_$winner" KILL
hc_wait_for "auditd $loser active" "$TAKEOVER_BOUND_S" \
  in_log "auditd_$loser" "active (node site-$loser): took the writer lock"
stream2_rc=0
wait "$(hc_pid stream2)" || stream2_rc=$?
unset "HC_PIDS[stream2]"
hc_assert_eq 0 "$stream2_rc" "the publisher with both endpoints had every message acknowledged across the kill"
hc_assert_eq "$STREAM" "$(awk '$1 == "ack" { n[$2]++ } END { print length(n) }' "$HC_WORK/stream2.log")" \
  "every message of the second stream acknowledged"
hc_assert_eq "$STREAM" "$(msg_count 'u-%')" "each message of the second stream recorded exactly once"
u_received() { [ "$(awk '$4 ~ /^u-/ { n[$4]++ } END { print length(n) }' "$HC_WORK/listener.log")" -ge "$STREAM" ]; }
hc_wait_for "the subscriber got the whole second stream" 60 u_received
hc_kill listener KILL
hc_assert_eq 0 "$(awk '$1 ~ /^[0-9]+$/ { if (seen[$1]++) d++ } END { print d + 0 }' "$HC_WORK/listener.log")" \
  "the subscriber got each seq once across the move"
hc_assert_eq 0 "$(awk '$1 ~ /^[0-9]+$/ { if ($1 + 0 <= last) b++; last = $1 + 0 } END { print b + 0 }' "$HC_WORK/listener.log")" \
  "the subscriber got the seqs in order"

# --- the log as a whole ------------------------------------------------------------------
hc_assert_eq t "$(hc_psql "$NO_HOLES_SQL")" "seq has no hole"
hc_assert_eq t "$(hc_psql "SELECT count(*) = count(DISTINCT msg_id) FROM hcbus.msg_ids")" "each msg_id once"
hc_assert_eq "" "$(hc_chain_problems)" "the hash chain verifies across every change"
# Every batch an auditd committed, by active period: no two periods' seq ranges overlap
# (a batch of duplicates only may end where the previous period ended).
for log in "$HC_WORK"/auditd_*.log*; do
  awk -v f="$(basename "$log")" '/took the writer lock/ { p++ }
       /committed a batch of/ { s = $NF + 0; if (!(p in lo) || s < lo[p]) lo[p] = s; if (s > hi[p]) hi[p] = s }
       END { for (k in lo) print lo[k], hi[k], f "#" k }' "$log"
done | sort -n -k1,1 -k2,2 >"$HC_WORK/periods"
hc_log "active periods (first head, last head, log#period): $(tr '\n' ';' <"$HC_WORK/periods")"
overlaps=$(awk 'NR > 1 && $1 < last { n++ } { if ($2 > last) last = $2 } END { print n + 0 }' "$HC_WORK/periods")
hc_assert_eq 0 "$overlaps" "no two auditds committed in the same range of seq"
[ "$(wc -l <"$HC_WORK/periods")" -ge 2 ] || hc_fail "expected commits by both sites: $(cat "$HC_WORK/periods")"
hc_pass
