#!/usr/bin/env bash
# test_auditd.sh — hcbus-auditd against a private PostgreSQL, driven by link_probe
# playing the broker: seqs without holes, the hash chain, exactly-once recording,
# restart and kill -9 recovery, PostgreSQL crash and return, replay and latest,
# rejections, the single-writer lock and the ZAP key check.
source "${HCBUS_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/harness.sh"

AUDITD=$HC_BIN/services/auditd/hcbus-auditd
PROBE=$HC_BIN/tests/link_probe
KEYS=$HC_WORK/keys
CONF=$HC_WORK/hcbus.conf
ENDPOINT=ipc://$HC_WORK/auditd.ipc
START_TIMEOUT_S=30
ZONE_ESTE=sv.ss.san-salvador-este.soyapango
ZONE_CENTRO=sv.ss.san-salvador-centro.san-salvador
NO_HOLES_SQL="SELECT count(*) = coalesce(max(seq), 0) AND count(*) = count(DISTINCT seq) FROM hcbus.events"

[ -x "$AUDITD" ] || hc_fail "no $AUDITD (build first)"
[ -x "$PROBE" ] || hc_fail "no $PROBE (build first)"

write_config() {   # FILE ENDPOINT [BATCH_MAX_DELAY_MS [LOG_LEVEL]]
  cat >"$1" <<EOF
log_level = "${4:-info}";
broker = { secret_key_file = "$KEYS/broker.key"; };
auditd = {
  endpoint = "$2";
  secret_key_file = "$KEYS/auditd.key";
  conninfo = "$HC_CONNINFO";
  migrations_dir = "$HC_SRC/deploy/sql";
  batch_max_rows = 100;
  batch_max_delay_ms = ${3:-5};
};
EOF
}

start_auditd() {   # [CONFIG]
  # Keep the previous log aside: the new one must not be read before it is written.
  [ -f "$HC_WORK/auditd.log" ] && mv "$HC_WORK/auditd.log" "$HC_WORK/auditd.log.$SECONDS.$RANDOM"
  hc_start_bg auditd "$AUDITD" --config "${1:-$CONF}" --broker-key "$KEYS/broker.pub"
  hc_wait_for "auditd listening (or exited)" "$START_TIMEOUT_S" auditd_started_or_gone
  kill -0 "$(hc_pid auditd)" 2>/dev/null || hc_fail "auditd exited at start"
}

auditd_started_or_gone() {
  grep -q "listening on" "$HC_WORK/auditd.log" || ! kill -0 "$(hc_pid auditd)" 2>/dev/null
}

# SIGTERM must end it cleanly (exit 0, and no leak report from the sanitizer).
stop_auditd() {
  local pid rc=0
  pid=$(hc_pid auditd)
  kill -TERM "$pid"
  wait "$pid" || rc=$?
  unset "HC_PIDS[auditd]"
  hc_assert_eq 0 "$rc" "auditd exit status after SIGTERM"
}

probe() { "$PROBE" --endpoint "$ENDPOINT" --key "$KEYS/broker.key" --server-key "$KEYS/auditd.pub" "$@"; }

# The number of lines of FILE matching the awk condition COND.
count_lines() { awk "$2 { n++ } END { print n + 0 }" "$1"; }

k_committed() { hc_psql "SELECT count(*) FROM hcbus.msg_ids WHERE msg_id LIKE 'k-%'"; }
k_committed_at_least() { [ "$(k_committed)" -ge "$1" ]; }

check_log_consistent() {   # DESC
  hc_assert_eq "" "$(hc_chain_problems)" "$1: rows whose hash chain does not verify"
  hc_assert_eq t "$(hc_psql "$NO_HOLES_SQL")" "$1: seqs are 1..count with no hole"
  hc_assert_eq "$(hc_psql 'SELECT count(*) FROM hcbus.events')" \
    "$(hc_psql 'SELECT count(*) FROM hcbus.msg_ids')" "$1: one msg_ids row per event"
}

hc_pg_start
"$PROBE" keygen "$KEYS" || hc_fail "link_probe keygen failed"
write_config "$CONF" "$ENDPOINT"
start_auditd
MIGRATIONS=$(find "$HC_SRC/deploy/sql" -name '[0-9][0-9][0-9]_*.sql' | wc -l)
hc_assert_contains "$(cat "$HC_WORK/auditd.log")" "migrations: $MIGRATIONS applied" "first start applies the migrations"
hc_assert_eq "head_seq 0" "$(probe hello)" "hello on an empty log"

# --- 500 appends: seqs 1..500, chain verifies --------------------------------
hc_log "append 500"
probe append 500 --sender sem --msg-prefix a --rejections 3 >"$HC_WORK/a1.out" || hc_fail "append 500 failed"
hc_assert_eq 500 "$(count_lines "$HC_WORK/a1.out" '$3 == 0')" "500 new records"
hc_assert_eq "$(seq 1 500)" "$(awk '{ print $2 }' "$HC_WORK/a1.out" | sort -n)" "seqs 1..500 without hole"
hc_assert_eq 500 "$(hc_psql 'SELECT count(*) FROM hcbus.events')" "500 rows in hcbus.events"
check_log_consistent "after 500 appends"
hc_assert_eq 3 "$(hc_psql "SELECT count(*) FROM hcbus.rejections WHERE code = 'unknown_zone'
  AND institution = 'sem' AND reason LIKE 'zone \"sv.xx?\" is not%'")" "rejections recorded, bad bytes replaced"
hc_assert_eq 500 "$(hc_psql "SELECT count(*) FROM hcbus.events WHERE kind = 'zone'
  AND zone_id = '$ZONE_ESTE' AND subject = '$ZONE_ESTE' AND sent_at IS NOT NULL
  AND summary->>'zone_id' = '$ZONE_ESTE'")" "row columns filled from the envelope"

# --- The same msg ids again: duplicates with the first seqs ------------------
probe append 500 --sender sem --msg-prefix a --batch 37 --answers >"$HC_WORK/a2.out" 2>"$HC_WORK/a2.err" ||
  hc_fail "re-append failed: $(cat "$HC_WORK/a2.err")"
# 14 requests sent at once: those committed together are answered together (one
# CommitReply per broker per commit, decision 0031), so fewer answers than requests.
read -r _ ANSWERS _ REQUESTS < <(grep -o '^answers [0-9]* requests [0-9]*$' "$HC_WORK/a2.err")
hc_assert_eq 14 "$REQUESTS" "re-append: 14 requests of 37 records"
[ "$ANSWERS" -ge 1 ] && [ "$ANSWERS" -lt "$REQUESTS" ] ||
  hc_fail "re-append: $ANSWERS answers to $REQUESTS requests committed together (expected fewer answers)"
hc_assert_eq 500 "$(count_lines "$HC_WORK/a2.out" '$3 == 1')" "500 duplicates"
hc_assert_eq "$(sort -n "$HC_WORK/a1.out" | cut -d' ' -f1,2)" "$(sort -n "$HC_WORK/a2.out" | cut -d' ' -f1,2)" \
  "duplicates answered with the first seqs"
hc_assert_eq 500 "$(hc_psql 'SELECT count(*) FROM hcbus.events')" "still 500 rows"
# Another sender may use the same msg ids.
probe append 2 --sender cruz-roja --msg-prefix a >"$HC_WORK/a3.out" || hc_fail "other sender failed"
hc_assert_eq "1 501 0
2 502 0" "$(cat "$HC_WORK/a3.out")" "same msg ids from another sender are new"

# Duplicates inside one batch take the first copy's seq; a record that does not
# decode is refused alone and takes no number.
rc=0
probe append 6 --sender sem --msg-prefix d --distinct 2 --malformed 1 >"$HC_WORK/d.out" || rc=$?
hc_assert_eq 3 "$rc" "a refused record makes the probe say so"
hc_assert_eq "1 error MALFORMED
2 503 0
3 504 0
4 503 1
5 504 1
6 503 1" "$(cat "$HC_WORK/d.out")" "in-batch duplicates and a malformed record"
hc_assert_eq 504 "$(hc_psql 'SELECT count(*) FROM hcbus.events')" "two rows for six records"

# --- Restart: migrations skipped, head resumes -------------------------------
stop_auditd
start_auditd
hc_assert_contains "$(cat "$HC_WORK/auditd.log")" "migrations: 0 applied, $MIGRATIONS already applied" "restart skips migrations"
hc_assert_eq "head_seq 504" "$(probe hello)" "head after restart"
hc_assert_eq "1 505 0" "$(probe append 1 --sender sem --msg-prefix b)" "next append after restart"

# --- kill -9 while appending, then the broker resends ------------------------
hc_log "kill -9 while appending"
hc_start_bg appender "$PROBE" --endpoint "$ENDPOINT" --key "$KEYS/broker.key" --server-key "$KEYS/auditd.pub" \
  --timeout-ms 60000 append 3000 --sender sem --msg-prefix k --batch 5 --window 1
hc_wait_for "some of the 3000 committed" 60 k_committed_at_least 200
hc_kill auditd KILL
hc_kill appender TERM
start_auditd
# Read only now: the killed auditd's backend may still have been finishing its COMMIT;
# the new auditd holds the lock, so that session has ended.
before=$(k_committed)
[ "$before" -lt 3000 ] || hc_fail "the appender finished before the kill; nothing tested"
probe --timeout-ms 60000 append 3000 --sender sem --msg-prefix k >"$HC_WORK/k.out" || hc_fail "resend failed"
hc_assert_eq "$before" "$(count_lines "$HC_WORK/k.out" '$3 == 1')" "what was committed before the kill is duplicate"
hc_assert_eq 3000 "$(awk '{ print $2 }' "$HC_WORK/k.out" | sort -u | wc -l)" "3000 distinct seqs"
hc_assert_eq 3505 "$(hc_psql 'SELECT count(*) FROM hcbus.events')" "every record once"
check_log_consistent "after kill -9 and resend"

# --- PostgreSQL crashes under auditd, then comes back ------------------------
hc_log "pg_ctl stop -m immediate"
hc_pg_stop immediate
rc=0
probe append 5 --sender sem --msg-prefix p >"$HC_WORK/p1.out" || rc=$?
hc_assert_eq 3 "$rc" "appends fail while PostgreSQL is down"
hc_assert_eq 5 "$(count_lines "$HC_WORK/p1.out" '$2 == "error" && $3 == "NOT_PERSISTED"')" "answered NOT_PERSISTED"
rc=0
probe hello >"$HC_WORK/hello.out" || rc=$?
hc_assert_eq 3 "$rc" "hello fails while PostgreSQL is down"
hc_assert_contains "$(cat "$HC_WORK/hello.out")" "error UNAVAILABLE" "hello answers UNAVAILABLE"
"$HC_SRC/deploy/pg.sh" start "$HC_PGDIR" 2>>"$HC_WORK/pg.sh.log" || hc_fail "PostgreSQL restart failed"
hc_wait_for "appends recorded again" 30 probe append 5 --sender sem --msg-prefix p
probe append 5 --sender sem --msg-prefix p >"$HC_WORK/p2.out" || hc_fail "append after PostgreSQL restart failed"
hc_assert_eq "$(seq 3506 3510)" "$(awk '{ print $2 }' "$HC_WORK/p2.out" | sort -n)" "seqs continue after the crash"
hc_assert_contains "$(cat "$HC_WORK/auditd.log")" "PostgreSQL session reopened" "auditd reconnected"
check_log_consistent "after the PostgreSQL crash"

# --- Replay and latest --------------------------------------------------------
probe append 3 --sender sem --msg-prefix c --zone "$ZONE_CENTRO" >/dev/null || hc_fail "append centro failed"
out=$(probe replay 1 0 "zone.$ZONE_CENTRO")
hc_assert_eq "3511 zone.$ZONE_CENTRO c-1
3512 zone.$ZONE_CENTRO c-2
3513 zone.$ZONE_CENTRO c-3
last_seq 3513 more 0" "$out" "replay filtered by prefix"
hc_assert_eq "last_seq 3513 more 0" "$(probe replay 1 0 zone.sv_ss)" "LIKE wildcards in a prefix are literal"
out=$(probe replay 1 0)
hc_assert_eq 1001 "$(echo "$out" | wc -l)" "a page holds at most 1000"
hc_assert_eq "last_seq 1000 more 1" "$(echo "$out" | tail -n 1)" "first page ends at 1000, more"
hc_assert_eq 0 "$(echo "$out" | head -n 1000 | awk '$1 != NR' | wc -l)" "replayed payloads carry their seq, in order"
hc_assert_eq "499 zone.$ZONE_ESTE a-499
500 zone.$ZONE_ESTE a-500
last_seq 500 more 0" "$(probe replay 499 500 zone.sv.ss. alert.)" "replay of a closed range"
out=$(probe latest zone.sv.ss.)
hc_assert_eq "as_of_seq 3513
3513 zone.$ZONE_CENTRO c-3
3510 zone.$ZONE_ESTE p-5" "$out" "latest per topic"

# --- A second auditd on the same database refuses to start -------------------
write_config "$HC_WORK/second.conf" "ipc://$HC_WORK/second.ipc"
rc=0
timeout 30 "$AUDITD" --config "$HC_WORK/second.conf" --broker-key "$KEYS/broker.pub" \
  >"$HC_WORK/second.out" 2>&1 || rc=$?
hc_assert_eq 1 "$rc" "second auditd exit status"
hc_assert_contains "$(cat "$HC_WORK/second.out")" "another hcbus-auditd already writes" "second auditd says why"

# --- Only the broker's key gets in -------------------------------------------
rc=0
"$PROBE" --endpoint "$ENDPOINT" --key "$KEYS/other.key" --server-key "$KEYS/auditd.pub" \
  --timeout-ms 1500 hello >/dev/null 2>&1 || rc=$?
hc_assert_eq 1 "$rc" "an unknown key gets no answer"
hc_wait_for "refusal logged" 10 grep -qF "refused key $(awk '/^public-key/ { print substr($2, 1, 8) }' "$KEYS/other.pub")" \
  "$HC_WORK/auditd.log"

# --- SIGTERM commits the batch in hand before exiting -------------------------
stop_auditd
write_config "$HC_WORK/slow.conf" "$ENDPOINT" 10000 debug
start_auditd "$HC_WORK/slow.conf"
hc_start_bg slow "$PROBE" --endpoint "$ENDPOINT" --key "$KEYS/broker.key" --server-key "$KEYS/auditd.pub" \
  --timeout-ms 30000 append 4 --sender sem --msg-prefix t
hc_wait_for "the append is queued" 20 grep -q "append link_id=1 queued: 4 records" "$HC_WORK/auditd.log"
stop_auditd
rc=0
wait "$(hc_pid slow)" || rc=$?
unset "HC_PIDS[slow]"
hc_assert_eq 0 "$rc" "the queued batch was answered at SIGTERM"
hc_assert_eq "$(seq 3514 3517)" "$(awk '{ print $2 }' "$HC_WORK/slow.log" | sort -n)" "and committed"
check_log_consistent "at the end"
hc_pass
