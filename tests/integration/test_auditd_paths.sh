#!/usr/bin/env bash
# test_auditd_paths.sh — the ways hcbus-auditd commits a batch (decision 0025): the fast
# path (one round trip, nothing looked up), the fallback (a fast attempt that met a key
# recorded already: rolled back and done again looking first) and the careful path (the
# next batch after one that met a recorded key). Each is given a batch mixing new
# records, duplicates inside the batch, keys recorded by an earlier batch and malformed
# records, with refused attempts beside, and tree heads due inside it
# (checkpoint_every_events = 4): the answers are the same whichever way, the log says
# which way each batch went, seqs have no hole, the chains and leaf hashes verify, and a
# restart rebuilds trees whose roots match every stored head. link_probe plays the broker.
source "${HCBUS_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/harness.sh"

AUDITD=$HC_BIN/services/auditd/hcbus-auditd
PROBE=$HC_BIN/tests/link_probe
KEYS=$HC_WORK/keys
CONF=$HC_WORK/hcbus.conf
ENDPOINT=ipc://$HC_WORK/auditd.ipc
START_TIMEOUT_S=30
NO_HOLES_SQL="SELECT count(*) = coalesce(max(seq), 0) AND count(*) = count(DISTINCT seq) FROM hcbus.events"
BAD_LEAVES_SQL="SELECT count(*) FROM hcbus.events WHERE leaf_hash IS DISTINCT FROM hcbus.leaf_hash(
  hcbus.event_entry(seq, sender, msg_id, kind, topic, zone_id, subject, sent_at, received_at, committed_at,
  summary::text, sha256(payload)))"

[ -x "$AUDITD" ] || hc_fail "no $AUDITD (build first)"
[ -x "$PROBE" ] || hc_fail "no $PROBE (build first)"

hc_pg_start
"$PROBE" keygen "$KEYS" || hc_fail "link_probe keygen failed"
cat >"$CONF" <<EOF
log_level = "debug";
broker = { secret_key_file = "$KEYS/broker.key"; };
auditd = {
  endpoint = "$ENDPOINT";
  secret_key_file = "$KEYS/auditd.key";
  conninfo = "$HC_CONNINFO";
  migrations_dir = "$HC_SRC/deploy/sql";
  batch_max_rows = 100;
  checkpoint_every_events = 4;
  checkpoint_every_s = 0;
};
EOF

start_auditd() {
  [ -f "$HC_WORK/auditd.log" ] && mv "$HC_WORK/auditd.log" "$HC_WORK/auditd.log.$SECONDS.$RANDOM"
  hc_start_bg auditd "$AUDITD" --config "$CONF" --broker-key "$KEYS/broker.pub"
  hc_wait_for "auditd listening" "$START_TIMEOUT_S" grep -q "listening on" "$HC_WORK/auditd.log"
}

probe() { "$PROBE" --endpoint "$ENDPOINT" --key "$KEYS/broker.key" --server-key "$KEYS/auditd.pub" "$@"; }

# Send one batch (one request: fewer records than link_probe's --batch); its answers,
# one line per record "token seq duplicate" or "token error MALFORMED", go to NAME.out.
# A malformed record makes link_probe exit 3.
batch() {   # NAME EXPECTED_RC ARGS...
  local name=$1 want=$2 rc=0
  shift 2
  probe append "$@" >"$HC_WORK/$name.out" || rc=$?
  hc_assert_eq "$want" "$rc" "$name: link_probe's exit status"
}

# The way the last committed batch went, from auditd's debug line.
last_path() {
  grep -o 'committed a batch of [0-9]* records ([a-z ]*)' "$HC_WORK/auditd.log" | tail -n 1 | sed 's/.*(\(.*\))/\1/'
}

# The way the last batch must have gone.
expect_path() {   # WANT DESC
  hc_assert_eq "$1" "$(last_path)" "$2"
}

start_auditd

# --- Fast path: new, in-batch duplicates, a malformed record -------------------
# Records 1..8 carry m-1..m-4 twice; record 1 does not decode, so m-1's first copy is
# record 5.
batch fast 3 8 --sender sem --msg-prefix m --distinct 4 --malformed 1 --rejections 2
hc_assert_eq "1 error MALFORMED
2 1 0
3 2 0
4 3 0
5 4 0
6 1 1
7 2 1
8 3 1" "$(cat "$HC_WORK/fast.out")" "fast path: answers"
expect_path "fast path" "a batch with no recorded key goes the fast way"

# --- Fallback: recorded keys among new ones -------------------------------------
# m-1..m-6 then m-1..m-4; records 1 and 2 do not decode; m-1..m-4 are recorded.
batch fallback 3 10 --sender sem --msg-prefix m --distinct 6 --malformed 2 --rejections 2
hc_assert_eq "1 error MALFORMED
2 error MALFORMED
3 2 1
4 3 1
5 5 0
6 6 0
7 4 1
8 1 1
9 2 1
10 3 1" "$(cat "$HC_WORK/fallback.out")" "fallback: answers"
expect_path "fallback" "a fast attempt that met a recorded key falls back"
hc_assert_contains "$(cat "$HC_WORK/auditd.log")" "met a key recorded already" "the fallback is logged"

# --- Careful path: after a batch that met recorded keys --------------------------
# m-1..m-8 then m-1, m-2; record 1 does not decode; m-1..m-6 are recorded.
batch careful 3 10 --sender sem --msg-prefix m --distinct 8 --malformed 1
hc_assert_eq "1 error MALFORMED
2 1 1
3 2 1
4 3 1
5 5 1
6 6 1
7 7 0
8 8 0
9 4 1
10 1 1" "$(cat "$HC_WORK/careful.out")" "careful path: answers"
expect_path "careful path" "the batch after one that met recorded keys looks first"

# A careful batch that finds no recorded key sends the next one the fast way again.
batch careful_new 0 3 --sender sem --msg-prefix n
hc_assert_eq "1 9 0
2 10 0
3 11 0" "$(cat "$HC_WORK/careful_new.out")" "careful path, new records only: answers"
expect_path "careful path" "still looking first right after recorded keys"
batch fast_again 3 4 --sender sem --msg-prefix q --distinct 2 --malformed 1
hc_assert_eq "1 error MALFORMED
2 12 0
3 13 0
4 12 1" "$(cat "$HC_WORK/fast_again.out")" "fast path again: answers"
expect_path "fast path" "back to the fast path once a batch found no recorded key"

# A batch of duplicates only, recorded ones: nothing is written, every answer is old.
batch all_recorded 0 3 --sender sem --msg-prefix n
hc_assert_eq "1 9 1
2 10 1
3 11 1" "$(cat "$HC_WORK/all_recorded.out")" "recorded keys only: answers"
expect_path "fallback" "recorded keys only: the fast attempt falls back"

# --- What the log holds ------------------------------------------------------------
hc_assert_eq 13 "$(hc_psql 'SELECT count(*) FROM hcbus.events')" "13 rows for 13 keys"
hc_assert_eq t "$(hc_psql "$NO_HOLES_SQL")" "seqs are 1..13 with no hole"
hc_assert_eq 13 "$(hc_psql 'SELECT count(*) FROM hcbus.msg_ids')" "one msg_ids row per event"
hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM hcbus.events e JOIN hcbus.msg_ids m USING (seq)
  WHERE (e.sender, e.msg_id) IS DISTINCT FROM (m.sender, m.msg_id)")" "msg_ids rows name their events"
hc_assert_eq 4 "$(hc_psql 'SELECT count(*) FROM hcbus.rejections')" "the refused attempts of both batches"
hc_assert_eq "" "$(hc_chain_problems)" "rows whose hash chain does not verify"
hc_assert_eq 0 "$(hc_psql "$BAD_LEAVES_SQL")" "events whose leaf hash does not match the row"
hc_assert_eq "4 8 12" "$(hc_psql "SELECT string_agg(tree_size::text, ' ' ORDER BY tree_size) FROM hcbus.tree_heads
  WHERE log = 'events'")" "events tree heads stored when due by count, inside the batches"
hc_assert_eq "4" "$(hc_psql "SELECT string_agg(tree_size::text, ' ') FROM hcbus.tree_heads
  WHERE log = 'rejections'")" "the rejections head stored by the fallback (the fast attempt's rolled back)"
hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM hcbus.events WHERE committed_at < received_at")" \
  "committed_at is never before received_at"

# --- Restart: the trees rebuilt from the rows match every stored head -------------
kill -TERM "$(hc_pid auditd)"
wait "$(hc_pid auditd)" || hc_fail "auditd exit status after SIGTERM"
unset "HC_PIDS[auditd]"
hc_assert_contains "$(cat "$HC_WORK/auditd.log")" "by the fast path" "the stop counts the batches by way"
hc_assert_contains "$(cat "$HC_WORK/auditd.log")" "batches committed: 2 by the fast path, 2 by the careful path, 2 by the fallback" "each way was taken"
start_auditd
if grep -q "cannot be trusted" "$HC_WORK/auditd.log"; then
  hc_fail "a rebuilt tree does not match its stored heads: $(grep "cannot be trusted" "$HC_WORK/auditd.log")"
fi
hc_assert_eq "head_seq 13" "$(probe hello)" "head after restart"
hc_pass
