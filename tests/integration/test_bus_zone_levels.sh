#!/usr/bin/env bash
# The broker's table of zone levels is bounded (issue 12, item 12b), attacked over TCP:
# a zone authority publishes the levels of 100,000 made-up communities below one
# district. The broker keeps the levels of LASTVALUE_COMMUNITIES_MAX (16384)
# communities and refuses one more by name before recording it (the catalogue's own
# zones are always kept); its memory stays within a stated bound; a snapshot comes in
# pages of at most 256 KiB (a library subscriber gets all of it); publishing is still
# served; after a restart the table is rebuilt from the log within the same bound.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"   # RSS without ASan's churn
RP="$HC_BIN/tests/replies_probe"
district=sv.ss.san-salvador-este.soyapango
zones_max=16384              # LASTVALUE_COMMUNITIES_MAX
count=100000
growth_limit_kb=$((96 * 1024))

status_kb() { awk -v f="$1:" '$1 == f {print $2}' "/proc/$(hc_pid broker)/status"; }

hc_bus_setup
hc_bus_start
base_kb=$(status_kb VmRSS)

"$RP" publish-zones --endpoint "$HC_PUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key minsal)" \
  --count "$count" --district "$district" --reason-bytes 200 --msg-prefix flood --timeout-ms 120000 \
  >"$HC_WORK/flood.out" && hc_fail "100000 community levels were all accepted"
hc_log "$(grep '^acked' "$HC_WORK/flood.out")"
hc_assert_eq "acked $zones_max refused $((count - zones_max))" "$(awk '/^acked/{print $1, $2, $3, $4}' "$HC_WORK/flood.out")" \
  "the levels of $zones_max communities kept, the rest refused"
hc_assert_contains "$(cat "$HC_WORK/flood.out")" "refusal invalid_field zone.zone_id the broker keeps the levels of $zones_max communities at most" \
  "the refusal names the limit"
hc_assert_eq "$zones_max" "$(hc_psql "SELECT count(*) FROM hcbus.events WHERE kind = 'zone'")" "refused levels are not recorded"
after_kb=$(status_kb VmRSS)
hc_log "broker RSS $((base_kb / 1024)) MB before the flood, $((after_kb / 1024)) MB after"
hc_assert_eq yes "$([ "$after_kb" -le $((base_kb + growth_limit_kb)) ] && echo yes)" \
  "broker RSS $((after_kb / 1024)) MB within $((growth_limit_kb / 1024)) MB of $((base_kb / 1024)) MB"

# Publishing is still served: a community it holds, and the district (a catalogue zone).
for zone in "$district.c1" "$district"; do
  hc_probe publish --key "$(hc_key minsal)" --zone "$zone" --count 1 --msg-prefix "after-$zone" >"$HC_WORK/after.out" ||
    hc_fail "publish after the flood ($zone): $(cat "$HC_WORK/after.out")"
done

# Snapshots in pages bounded in bytes; the library pages through all of them.
"$RP" snapshot --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key pnc)" \
  --prefix zone. >"$HC_WORK/snapshot.out" || hc_fail "raw snapshot"
hc_log "snapshot: $(grep '^pages' "$HC_WORK/snapshot.out")"
hc_assert_eq "yes $((zones_max + 1))" "$(awk '/^pages/{print ($6 <= 262144 && $2 > 1) ? "yes" : "no", $4}' "$HC_WORK/snapshot.out")" \
  "every zone, in pages of at most 256 KiB"
hc_probe subscribe --key "$(hc_key pnc)" --snapshot --count $((zones_max + 1)) --timeout-ms 60000 zone. >"$HC_WORK/sub.out" ||
  hc_fail "library snapshot: $(tail -2 "$HC_WORK/sub.out")"
hc_assert_eq $((zones_max + 1)) "$(grep -c ' snapshot zone\.' "$HC_WORK/sub.out")" "the library's snapshot holds every zone once"

# A non-zone prefix has no snapshot: a named refusal, not an empty answer.
"$RP" snapshot --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key pnc)" \
  --prefix alert. >"$HC_WORK/alert_snapshot.out" && hc_fail "a snapshot of alert. was answered"
hc_assert_contains "$(cat "$HC_WORK/alert_snapshot.out")" "refused invalid_field prefix \"alert.\" has no snapshot" \
  "snapshot of a non-zone prefix refused by name"

# After a restart the table is rebuilt from the log, within the bound.
hc_kill broker
hc_bus_start_broker
hc_assert_contains "$(grep 'zone snapshot rebuilt' "$HC_WORK/broker.log")" "$((zones_max + 1)) zones" "rebuilt from the log"
hc_probe publish --key "$(hc_key minsal)" --zone "$district.c$((zones_max + 5))" --count 1 --msg-prefix beyond >"$HC_WORK/beyond.out" &&
  hc_fail "one more community accepted after the restart"
hc_assert_contains "$(cat "$HC_WORK/beyond.out")" "refused beyond-1 invalid_field zone.zone_id" "still bounded after a restart"
hc_pass
