#!/usr/bin/env bash
# `hcbus audit who-knew` on the facilitators' recorded scenario
# (tests/lib/facilitator_scenario.sh), against its HAND-COUNTED answers
# (facilitator_scenario.expected, "Who knew what, and when?"): which institutions
# received a San Miguel alert (al1: live and by the facilitator's later replay), the
# Santa Ana robbery (al8) and the police's own Soyapango alert (al7), outside pnc's
# prefixes, and the coordinator's escort request for SS-2 (d2.escort).
source "$(dirname "$0")/../lib/harness.sh"
source "$HC_SRC/tests/lib/bus.sh"
source "$HC_SRC/tests/lib/messages.sh"
source "$HC_SRC/tests/lib/audit.sh"
source "$HC_SRC/tests/lib/facilitator_scenario.sh"

# Distinct institutions of who-knew SEQ's JSON lines (optionally those received HOW),
# as the expected file writes them: "a, b, c".
knew() { # SEQ [HOW]
  local out
  out=$(hc_audit who-knew "$1" --json) || hc_fail "who-knew $1: $(cat "$HC_WORK/audit.err")"
  jq -r --arg how "${2:-}" 'select($how == "" or .how == $how) | .institution' <<<"$out" |
    sort -u | paste -sd, | sed 's/,/, /g'
}

hc_scenario_play
hc_audit_allow
# The scenario's subscribers have exited and the facilitator has replayed: their
# records follow on the link.
hc_wait_for "the subscribers' ends and the facilitator's replay recorded" 20 hc_sql_at_least \
  "SELECT count(DISTINCT institution) FROM hcbus.deliveries
   WHERE (action = 'subscribe_end' AND institution IN ('pnc', 'minsal'))
      OR (action = 'replay' AND institution = 'facilitator')" 3

al1=${HC_SC_SEQ[al1]}
hc_assert_eq "$(hc_scenario_expect knew.al1)" "$(knew "$al1")" "who knew al1 (a San Miguel alert)"
hc_assert_eq "$(hc_scenario_expect knew.al1.live)" "$(knew "$al1" live)" "who received al1 live"
hc_assert_eq "$(hc_scenario_expect knew.al1.replay)" "$(knew "$al1" replay)" "who received al1 by replay"
hc_assert_eq "$(hc_scenario_expect knew.al8)" "$(knew "${HC_SC_SEQ[al8]}")" "who knew al8 (Santa Ana)"
hc_assert_eq "$(hc_scenario_expect knew.al7)" "$(knew "${HC_SC_SEQ[al7]}")" "who knew al7 (the police's own)"
hc_assert_eq "$(hc_scenario_expect knew.d2.escort)" "$(knew "${HC_SC_SEQ[d2.escort]}")" \
  "who knew SS-2's escort request"

hc_pass
