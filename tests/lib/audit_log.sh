# shellcheck shell=bash
# audit_log.sh — whole-log checks for the fault tests (source after harness.sh): seq
# dense from 1 with no reuse, every event holding its own exactly-once key in
# hcbus.msg_ids, and both hash chains verified by deploy/verify-chain.sql through the
# harness's hc_chain_problems (the one place the chain formula is recomputed).
#
#   hc_log_consistent "after X"  # asserts all of it; sets HC_LOG_ROWS

# The log's counts in one statement (one snapshot, so a stream may be running
# meanwhile): rows, distinct seqs, max seq, rows whose msg_ids key has their seq and
# msg_id, msg_ids rows. "N N N N N" when the log is whole.
hc_log_shape() {
  hc_psql "SELECT (SELECT count(*) FROM hcbus.events) || ' ' || (SELECT count(DISTINCT seq) FROM hcbus.events)
    || ' ' || (SELECT coalesce(max(seq), 0) FROM hcbus.events)
    || ' ' || (SELECT count(*) FROM hcbus.events e JOIN hcbus.msg_ids m ON m.seq = e.seq AND m.msg_id = e.msg_id)
    || ' ' || (SELECT count(*) FROM hcbus.msg_ids)"
}

# Assert the log is whole: seq 1..count with no hole and no reuse, each row recorded
# once under its exactly-once key, and the hash chains verify. Sets HC_LOG_ROWS.
hc_log_consistent() {
  local shape n
  shape=$(hc_log_shape) || hc_fail "$1: cannot read the log"
  n=${shape%% *}
  HC_LOG_ROWS=$n
  hc_assert_eq "$n $n $n $n $n" "$shape" "$1: rows, distinct seqs, max seq, rows keyed in msg_ids, msg_ids rows"
  hc_assert_eq "" "$(hc_chain_problems)" "$1: rows whose hash chain does not verify (deploy/verify-chain.sql)"
}
