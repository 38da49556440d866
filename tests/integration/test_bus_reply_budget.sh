#!/usr/bin/env bash
# Reply queues are bounded in bytes (issue 12, item 5), attacked over TCP: 20 police
# connections send 2000 replay and snapshot requests and never read their answers
# (tiny receive buffers, so the answers would pile up in the broker). Each connection
# gets at most one large answer until it proves it read it (the receipt), the police
# at most BUDGET_LARGE_PER_INSTITUTION (16), each at most 256 KiB; every other request is
# refused by name and recorded. The broker's memory stays within a stated bound the
# whole time, and honest subscribers of other institutions still get their replay and
# their (paged) snapshot. See docs/decisions/0003-reply-receipts.md.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"
# ASan keeps freed memory in a quarantine (256 MB by default), which would show churn,
# not what the broker holds; a small one keeps RSS honest.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"
RP="$HC_BIN/tests/replies_probe"
district=sv.ss.san-salvador-este.soyapango
connections=20
requests=100
total=$((connections * requests))
held_max=16                  # BUDGET_LARGE_PER_INSTITUTION
growth_limit_kb=$((64 * 1024))

rp() { # COMMAND KEY ARGS...
  local command=$1 key=$2 endpoint=$HC_SUB_ENDPOINT
  shift 2
  case $command in publish*) endpoint=$HC_PUB_ENDPOINT ;; esac
  "$RP" "$command" --endpoint "$endpoint" --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key "$key")" "$@"
}
status_kb() { awk -v f="$1:" '$1 == f {print $2}' "/proc/$(hc_pid broker)/status"; }

hc_bus_setup
hc_bus_start
[ "$(cat "/proc/$(hc_pid broker)/comm")" = hcbus-broker ] || hc_fail "the pid watched is not the broker's"

# What there is to replay: 2000 alerts of ~1.2 KB (a full replay page of 1000 would be
# 1.2 MB), and 1000 zone levels of ~0.7 KB (a snapshot of 700 KB: two pages).
rp publish-alerts sem --count 2000 --zone "$district" --desc-bytes 1000 --msg-prefix data >"$HC_WORK/data.out" ||
  hc_fail "alerts: $(cat "$HC_WORK/data.out")"
rp publish-zones minsal --count 1000 --district "$district" --reason-bytes 500 --msg-prefix z >"$HC_WORK/zones.out" ||
  hc_fail "zone levels: $(cat "$HC_WORK/zones.out")"
base_kb=$(status_kb VmRSS)
hc_log "broker RSS before the attack: $((base_kb / 1024)) MB"

# The attack, and the wait until the broker has answered or refused every request,
# watching its memory all along (a growth beyond the bound ends the wait at once).
hc_start_bg flood "$RP" flood --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
  --key "$(hc_key pnc)" --connections "$connections" --requests "$requests" \
  --replay-prefix alert. --snapshot-prefix zone.
hc_wait_for "the flood sent" 60 grep -q '^sent' "$HC_WORK/flood.log"
# The broker reports what became of large answers about once a second ("large answers:
# sent=N refused=M (...) not_sent=K"); refusals themselves are folded in the log.
report() { grep 'large answers:' "$HC_WORK/broker.log" | tail -1; }
count() { report | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
handled() { echo $(($(count sent) + $(count refused) + $(count not_sent))); }
served() { count sent; }
all_handled_or_over() {
  if [ "$(status_kb VmRSS)" -gt $((base_kb + growth_limit_kb)) ]; then
    status_kb VmRSS >"$HC_WORK/over"
    return 0
  fi
  [ "$(handled)" -ge "$total" ]
}
hc_wait_for "every flood request answered or refused" 120 all_handled_or_over
[ ! -f "$HC_WORK/over" ] ||
  hc_fail "broker RSS grew to $(($(cat "$HC_WORK/over") / 1024)) MB from $((base_kb / 1024)) MB with $(handled) of $total requests handled"
served=$(served)
hc_assert_eq yes "$([ "$served" -le "$held_max" ] && echo yes)" "at most $held_max large answers served to the police ($served)"
hc_log "$(report | sed 's/.*large answers/large answers/')"
hc_wait_for "refusals recorded" 30 hc_sql_at_least "SELECT count(*) FROM hcbus.rejections WHERE institution = 'pnc' AND action IN ('replay', 'snapshot') AND code = 'overloaded'" 1

# Honest subscribers of other institutions are served meanwhile: a raw paged replay
# and, through libhcbus (receipts echoed by the library), a paged snapshot.
rp replay minsal --prefix "alert.$district" >"$HC_WORK/honest_replay.out" || hc_fail "honest replay"
hc_assert_eq 2000 "$(grep -c " alert.$district " "$HC_WORK/honest_replay.out")" "the honest replay holds every alert"
pages=$(awk '/^pages/{print $2}' "$HC_WORK/honest_replay.out")
max_page=$(awk '/^pages/{print $4}' "$HC_WORK/honest_replay.out")
hc_assert_eq yes "$([ "$max_page" -le 262144 ] && echo yes)" "replay pages at most 256 KiB ($max_page bytes, $pages pages)"
hc_log "honest replay: $pages pages, the largest $max_page bytes"
hc_probe subscribe --key "$(hc_key sem)" --snapshot --count 1000 "zone.$district" >"$HC_WORK/honest_snapshot.out" ||
  hc_fail "honest snapshot: $(tail -3 "$HC_WORK/honest_snapshot.out")"
hc_assert_eq 1000 "$(grep -c ' snapshot zone\.' "$HC_WORK/honest_snapshot.out")" "the honest snapshot holds every zone"
rp snapshot sem --prefix "zone.$district" >"$HC_WORK/raw_snapshot.out" || hc_fail "raw snapshot"
hc_assert_eq yes "$(awk '/^pages/{print ($2 >= 2 && $6 <= 262144) ? "yes" : "no"}' "$HC_WORK/raw_snapshot.out")" \
  "the snapshot came in pages of at most 256 KiB ($(grep '^pages' "$HC_WORK/raw_snapshot.out"))"
hc_log "honest snapshot: $(grep '^pages' "$HC_WORK/raw_snapshot.out")"

# A reader that does not echo the receipt gets its first page, then a named refusal.
rp replay facilitator --prefix "alert.$district" --no-receipt >"$HC_WORK/no_receipt.out" &&
  hc_fail "pages kept coming without receipts"
hc_assert_contains "$(cat "$HC_WORK/no_receipt.out")" "refused overloaded receipt confirm the previous reply first" \
  "no second page without the first one's receipt"

peak_kb=$(status_kb VmHWM)
hc_assert_eq yes "$([ "$peak_kb" -le $((base_kb + growth_limit_kb)) ] && echo yes)" "peak RSS within the bound"
hc_log "broker RSS: $((base_kb / 1024)) MB before, peak $((peak_kb / 1024)) MB, now $(($(status_kb VmRSS) / 1024)) MB; $served large answers served to the flood"
hc_pass
