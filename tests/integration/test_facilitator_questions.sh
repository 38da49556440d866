#!/usr/bin/env bash
# test_facilitator_questions.sh — issue 14's "done when": a facilitator answers the
# questions from the CLI alone. The recorded scenario (tests/lib/facilitator_scenario.sh:
# five departments, six institutions, alerts, zone levels, dispatches with their
# statuses and escorts, a refused status and refused publishes, live and replaying
# subscribers) is played through the real bus with hcbus-coordinator; then every
# question is answered with `hcbus audit` only, as hcbus_facilitator (a member of
# hcbus_reviewer and nothing more), and each answer is compared with the HAND-COUNTED
# answer in tests/lib/facilitator_scenario.expected:
# - what is in the log: `audit list` counts by kind and by sender, the anonymous report;
# - "how many crews were threatened in San Miguel this quarter": `audit list --kind
#   alert --zone "San Miguel" --from/--to` the quarter, threats against personnel
#   counted from its JSON lines (not San Miguel Tepezontes, La Paz);
source "$(dirname "$0")/../lib/harness.sh"
source "$HC_SRC/tests/lib/bus.sh"
source "$HC_SRC/tests/lib/messages.sh"
source "$HC_SRC/tests/lib/audit.sh"
source "$HC_SRC/tests/lib/facilitator_scenario.sh"

expect() { hc_scenario_expect "$1"; }
# `hcbus audit ARGS... --json` as the facilitator; fails the test if it does not exit 0.
audit_json() {
  local out
  out=$(hc_audit "$@" --json) || hc_fail "hcbus audit $* --json failed: $(cat "$HC_WORK/audit.err")"
  printf '%s\n' "$out"
}
# The number of JSON lines on stdin for which the jq filter FILTER is true.
count_where() { jq -c "select($1)" | grep -c . || true; }
# Sorted, comma-separated, distinct values of the jq expression EXPR over stdin's lines.
values_of() { jq -r "$1" | sort -u | paste -sd, | sed 's/,/, /g'; }

hc_scenario_play
hc_audit_allow

# ---- What is in the log ---------------------------------------------------------------
all=$(audit_json list)
hc_assert_eq "$(expect events)" "$(count_where true <<<"$all")" "audit list: every recorded message"
for kind in zone alert dispatch status escort escort_status notice; do
  hc_assert_eq "$(expect "kind.$kind")" "$(audit_json list --kind "$kind" | count_where true)" \
    "audit list --kind $kind"
done
for who in minsal sem cruz-roja pnc coordinator; do
  hc_assert_eq "$(expect "sender.$who")" "$(audit_json list --institution "$who" | count_where true)" \
    "audit list --institution $who"
done
hc_assert_eq "$(expect sender.anonymous)" "$(audit_json list --institution "" | count_where true)" \
  "audit list --institution '': the anonymous reports"
hc_assert_eq "$(expect senders)" "$(values_of 'select(.sender != "") | .sender' <<<"$all")" \
  "the institutions that sent messages"

# ---- How many crews were threatened in San Miguel this quarter? -----------------------
hc_log "the quarter: --from $HC_SC_FROM --to $HC_SC_TO"
sm=$(audit_json list --kind alert --zone sv.sm --from "$HC_SC_FROM" --to "$HC_SC_TO")
hc_assert_eq "$(expect alerts.san-miguel)" "$(count_where true <<<"$sm")" \
  "alerts in San Miguel this quarter (not San Miguel Tepezontes, La Paz)"
hc_assert_eq "$(expect alerts.san-miguel.threat.personnel)" \
  "$(count_where '.summary.act == "threat" and .summary.target == "personnel"' <<<"$sm")" \
  "threats against personnel in San Miguel this quarter"
hc_assert_eq "$(expect alerts.san-miguel.threat)" "$(count_where '.summary.act == "threat"' <<<"$sm")" \
  "threats of any target in San Miguel this quarter"
hc_assert_eq "$(expect alerts.san-miguel.anonymous)" "$(count_where '.sender == ""' <<<"$sm")" \
  "anonymous reports among them"
alerts=$(audit_json list --kind alert)
hc_assert_eq "$(expect alerts.threat.personnel)" \
  "$(count_where '.summary.act == "threat" and .summary.target == "personnel"' <<<"$alerts")" \
  "threats against personnel anywhere (San Miguel Tepezontes included)"
for dep in san-salvador:sv.ss santa-ana:sv.sa la-libertad:sv.li la-paz:sv.pa; do
  hc_assert_eq "$(expect "alerts.department.${dep%:*}")" "$(audit_json list --kind alert --zone "${dep#*:}" | count_where true)" \
    "alerts in ${dep%:*}"
done
hc_assert_eq "$(expect zone.changes)" "$(audit_json list --kind zone | count_where true)" "zone level changes"
hc_assert_eq "$(expect zone.red)" "$(audit_json list --kind zone | count_where '.summary.level == "red"')" "RED levels"

hc_pass
