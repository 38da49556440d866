#!/usr/bin/env bash
# test_bus_gateways.sh — issue 12 item 9 at the real broker, auditd and PostgreSQL over
# TCP: two anonymous gateways (webform, hotline) publish alerts with the same msg_ids.
# Both are recorded and acknowledged as new; a retry from the same gateway is still a
# duplicate of its own first copy; events.sender is empty for all, and nothing in
# hcbus.events or the review views tells which gateway sent which. The exactly-once
# tags in hcbus.msg_ids.namespace differ per report, so they do not even link one
# gateway's reports together.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"

hc_bus_setup
hc_bus_start

publish_alerts() { # GATEWAY OUT
  hc_probe publish --key "$(hc_key "$1")" --kind alert --count 2 --msg-prefix report >"$HC_WORK/$2.out" ||
    hc_fail "$1: $(cat "$HC_WORK/$2.out")"
}
publish_alerts webform web1
publish_alerts hotline hot1
hc_assert_eq "ack report-1 1 0
ack report-2 2 0" "$(cat "$HC_WORK/web1.out")" "webform's reports recorded"
hc_assert_eq "ack report-1 3 0
ack report-2 4 0" "$(cat "$HC_WORK/hot1.out")" "hotline's reports with the same msg_ids recorded too, not duplicates"

# Retries: each gateway's own first copy, duplicate.
publish_alerts webform web2
publish_alerts hotline hot2
hc_assert_eq "ack report-1 1 1
ack report-2 2 1" "$(cat "$HC_WORK/web2.out")" "webform's retry is a duplicate of its own reports"
hc_assert_eq "ack report-1 3 1
ack report-2 4 1" "$(cat "$HC_WORK/hot2.out")" "hotline's retry is a duplicate of its own reports"
hc_assert_eq 4 "$(hc_bus_events)" "four rows, no more"

# No sender, and the two reports with one msg_id are alike in every column a reviewer reads.
hc_assert_eq "4|0" "$(hc_psql "SELECT count(*), count(*) FILTER (WHERE sender <> '') FROM hcbus.events")" \
  "events.sender is empty for both gateways"
hc_assert_eq "1|1" "$(hc_psql "SELECT count(DISTINCT (sender, kind, topic, zone_id, subject, summary))
                                 FILTER (WHERE msg_id = 'report-1'),
                               count(DISTINCT (sender, kind, topic, zone_id, subject, summary))
                                 FILTER (WHERE msg_id = 'report-2') FROM hcbus.events")" \
  "the two gateways' reports differ in no column but seq, times and hashes"
for id in webform hotline; do
  key=$(awk '/public-key/{print $2}' "$HC_WORK/keys/$id.pub")
  hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM hcbus.events e WHERE position('$id' in e::text) > 0
                               OR position('${key:0:8}' in e::text) > 0
                               OR position(convert_to('$id', 'UTF8') in payload) > 0")" "no trace of $id in events"
  for view in events incidents rejections; do
    hc_assert_eq 0 "$(hc_psql "SET ROLE hcbus_reviewer; SELECT count(*) FROM review.$view v
                                 WHERE position('$id' in v::text) > 0 OR position('${key:0:8}' in v::text) > 0")" \
      "no trace of $id in review.$view"
  done
  hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM hcbus.msg_ids m WHERE position('$id' in m::text) > 0")" \
    "no $id in msg_ids"
  hc_assert_eq 0 "$(cat "$HC_WORK"/broker.log "$HC_WORK"/auditd.log | grep -c -F -e "$id" -e "${key:0:8}" || true)" \
    "no $id or its key in the logs"
done
hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM information_schema.columns
                           WHERE table_schema = 'review' AND column_name = 'namespace'")" "no review view shows a namespace"
hc_assert_eq "4|4|t" "$(hc_psql "SELECT count(*), count(DISTINCT namespace), bool_and(namespace ~ '^[0-9a-f]{32}\$')
                                 FROM hcbus.msg_ids WHERE sender = ''")" \
  "each anonymous report has its own 128-bit tag: none links two reports"
hc_assert_eq "" "$(hc_chain_problems)" "the chains verify"
hc_pass
