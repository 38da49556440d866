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
# - "what happened to that request": `audit timeline REQUEST` for each of the six: the
#   steps in order, the call-out durations as printed (response 14m30s ...), the status
#   the coordinator refused and its rule, who requested and who carried it out, the
#   escort assigned by the police and the one SEM waived with its reason;
# - "how many crews were threatened in San Miguel this quarter": `audit list --kind
#   alert --zone "San Miguel" --from/--to` the quarter, threats against personnel
#   counted from its JSON lines (not San Miguel Tepezontes, La Paz); and the quarter's
#   indicators from `audit report --csv`: incidents by act, target, department,
#   institution, anonymous or not; response p50/p90 per department and for the country;
#   escorts assigned and waived; refused attempts; institutions active by type and
#   department;
# - the quarter's alerts and zone levels as OASIS CAP 1.2 (`audit export --cap --out`):
#   one valid document each; Santa Ana's one alert to stdout with its geocode;
# - "who knew what, and when": `audit who-knew SEQ --json`: the institutions that received
#   a San Miguel threat (the coordinator, minsal and pnc live, the facilitator by a later
#   replay), the Santa Ana robbery, the police's own alert, an escort request;
# - "trust that the record was not altered": after a clean stop (auditd signs the heads)
#   the facilitator exports a checkpoint (`audit checkpoint --out`); `audit verify
#   --from-checkpoint` exits 0 counting the 87 events and 2 refused attempts; on a copy
#   of the database where the superuser (triggers off) turned the first San Miguel
#   threat into an intimidation, `list` reads one threat fewer and verify exits 1 naming
#   that seq; the original still verifies.
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
sm=$(audit_json list --kind alert --zone "San Miguel" --from "$HC_SC_FROM" --to "$HC_SC_TO")
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
for dep in "San Salvador" "Santa Ana" "La Libertad" "La Paz" "san miguel"; do
  key=$(tr 'A-Z ' 'a-z-' <<<"$dep")
  hc_assert_eq "$(expect "alerts.department.$key")" "$(audit_json list --kind alert --zone "$dep" | count_where true)" \
    "alerts in $dep, by name"
done
hc_assert_eq "$(expect alerts.department.san-miguel)" "$(audit_json list --kind alert --zone sv.sm | count_where true)" \
  "alerts in San Miguel, by zone id"
hc_assert_eq "$(expect zone.changes)" "$(audit_json list --kind zone | count_where true)" "zone level changes"
hc_assert_eq "$(expect zone.red)" "$(audit_json list --kind zone | count_where '.summary.level == "red"')" "RED levels"

# ---- What happened to that request? `audit timeline REQUEST` ---------------------------
# The duration on the call-out line LABEL ("response", "on scene") of a timeline's text.
callout() {
  awk -v l="$1" '/->/ { line = $0; sub(/^ +/, "", line)
    if (index(line, l " ") == 1) { rest = substr(line, length(l) + 1); sub(/^ +/, "", rest)
      split(rest, f, " "); print f[1] } }'
}
steps() { jq -r 'select(.record == "step") | .state' | paste -sd, | sed 's/,/, /g'; }
times() { jq -r "select(.record == \"times\") | $1"; }
for req in SS-1 SS-2 SS-3 SM-1 SA-1 LI-1; do
  text=$(hc_audit timeline "$req") || hc_fail "hcbus audit timeline $req failed: $(cat "$HC_WORK/audit.err")"
  json=$(audit_json timeline "$req")
  hc_assert_eq "$(expect "timeline.$req")" "$(steps <<<"$json")" "timeline $req: what happened, step by step"
  hc_assert_eq "$(expect "total.$req")" "$(callout total <<<"$text")" "timeline $req: total"
  [ "$req" = SA-1 ] ||
    hc_assert_eq "$(expect "response.$req")" "$(callout response <<<"$text")" "timeline $req: response (requested -> on scene)"
done
text=$(hc_audit timeline SS-1)
for d in turnout:turnout travel:"travel to scene" onscene:"on scene" transport:transport; do
  hc_assert_eq "$(expect "${d%%:*}.SS-1")" "$(callout "${d#*:}" <<<"$text")" "timeline SS-1: ${d#*:}"
done
# SS-3: the closure one minute after acceptance, refused by the coordinator.
text=$(hc_audit timeline SS-3)
json=$(audit_json timeline SS-3)
hc_assert_eq "$(expect refused.SS-3)" "$(grep -c 'coordinator: REFUSED' <<<"$text")" "timeline SS-3: the refused status shown"
hc_assert_eq "$(expect refused.rule.SS-3)" "$(jq -r 'select(.record == "step" and .verdict == "refused") | .rule' <<<"$json")" \
  "timeline SS-3: the rule it broke"
hc_assert_eq "$(expect refused.SS-3)" "$(times .refused_statuses <<<"$json")" "timeline SS-3: refused statuses"
# Who did what.
json=$(audit_json timeline LI-1)
hc_assert_eq "$(expect requester.LI-1)|$(expect provider.LI-1)" "$(times '.requester + "|" + .provider' <<<"$json")" \
  "timeline LI-1: SEM requested, the Red Cross carried it out"
hc_assert_eq "$(expect provider.SS-1)" "$(audit_json timeline SS-1 | times .provider)" "timeline SS-1: SEM's own unit"
hc_assert_eq "$(expect state.SA-1)" "$(audit_json timeline SA-1 | times .state)" "timeline SA-1: cancelled"
# The escorts: SS-2's assigned by the police, SM-1's waived with its reason.
json=$(audit_json timeline SS-2)
hc_assert_eq "$(expect escort.SS-2.assigned_by)|$(expect escort.SS-2.police_unit)" \
  "$(jq -r 'select(.record == "step" and .state == "escort_assigned") | .sender + "|" + .police_unit' <<<"$json")" \
  "timeline SS-2: the escort assigned, by whom, which unit"
hc_assert_eq "$(expect escort.SM-1.waiver_reason)" "$(audit_json timeline SM-1 | times .escort_waiver_reason)" \
  "timeline SM-1: the escort waived, with SEM's reason"
hc_assert_eq "$(expect verdicts.counted)|$(expect verdicts.refused)" \
  "$(audit_json list --kind notice | count_where '.summary.notice_kind == "checked"')|$(audit_json list --kind notice | count_where '.summary.notice_kind == "violation"')" \
  "the coordinator's verdicts: counted and refused"

# ---- ... and the period's indicators: `audit report` -------------------------------
hc_audit report --from "$HC_SC_FROM" --to "$HC_SC_TO" --csv --config "$HC_WORK/hcbus.conf" >"$HC_WORK/report.csv" ||
  hc_fail "hcbus audit report --csv failed: $(cat "$HC_WORK/audit.err")"
# The value of the report's CSV row SECTION,KEY,...,INDICATOR.
report() {
  python3 -c 'import csv, sys
rows = [r for r in csv.reader(open(sys.argv[1], newline="", encoding="utf-8"))
        if r[0] == sys.argv[2] and r[1] == sys.argv[3] and r[3] == sys.argv[4]]
print(rows[0][4] if len(rows) == 1 else "%d rows" % len(rows))' "$HC_WORK/report.csv" "$@"
}
# Seconds as `hcbus` prints durations (14m30s, 1h00m00s).
duration() { awk -v s="$1" 'BEGIN { h = int(s / 3600); m = int(s % 3600 / 60); r = s % 60
  if (h) printf "%dh%02dm%02ds\n", h, m, r; else printf "%dm%02ds\n", m, r }'; }
hc_assert_eq "$(expect kind.alert)" "$(report incidentes_acto total incidentes)" "report: incidents in the quarter"
for act in threat intimidation obstruction_of_access robbery injuring; do
  hc_assert_eq "$(expect "alerts.act.$act")" "$(report incidentes_acto "$act" incidentes)" "report: incidents by act, $act"
done
for target in personnel facility vehicle; do
  hc_assert_eq "$(expect "alerts.target.$target")" "$(report incidentes_objetivo "$target" incidentes)" \
    "report: incidents by target, $target"
done
for dep in san-miguel:sv.sm san-salvador:sv.ss santa-ana:sv.sa la-libertad:sv.li la-paz:sv.pa; do
  hc_assert_eq "$(expect "alerts.department.${dep%:*}")" "$(report incidentes_departamento "${dep#*:}" incidentes)" \
    "report: incidents in ${dep%:*}"
done
for who in sem cruz-roja pnc; do
  hc_assert_eq "$(expect "alerts.sender.$who")" "$(report incidentes_institucion "$who" incidentes)" \
    "report: incidents reported by $who"
done
hc_assert_eq "$(expect alerts.anonymous)" "$(report incidentes_anonimato anonimo incidentes)" "report: anonymous reports"
hc_assert_eq "$(expect alerts.casualties.injured)" "$(report incidentes_acto total heridos)" "report: injured"
for dep in san-salvador:sv.ss san-miguel:sv.sm la-libertad:sv.li; do
  hc_assert_eq "$(expect "p50.${dep%:*}")" "$(duration "$(report tiempos_respuesta "${dep#*:}" p50_respuesta_s)")" \
    "report: p50 response in ${dep%:*}"
done
hc_assert_eq "$(expect p90.san-salvador)" "$(duration "$(report tiempos_respuesta sv.ss p90_respuesta_s)")" \
  "report: p90 response in San Salvador"
hc_assert_eq "$(expect p50.country)|$(expect p90.country)" \
  "$(duration "$(report tiempos_respuesta total p50_respuesta_s)")|$(duration "$(report tiempos_respuesta total p90_respuesta_s)")" \
  "report: p50 and p90 response in the whole country"
hc_assert_eq "$(expect responses.san-salvador)|$(expect responses.santa-ana)|" \
  "$(report tiempos_respuesta sv.ss llegaron)|$(report tiempos_respuesta sv.sa llegaron)|$(report tiempos_respuesta sv.sa p50_respuesta_s)" \
  "report: responses measured (none in Santa Ana: cancelled)"
hc_assert_eq "$(expect escorts.requested)|$(expect escorts.assigned)|$(expect escorts.waived)" \
  "$(report escoltas total escoltas)|$(report escoltas asignada escoltas)|$(report escoltas sin_escolta escoltas)" \
  "report: escorts requested, assigned, waived"
hc_assert_eq "$(expect rejections)" "$(report rechazos_codigo total intentos)" "report: refused attempts"
hc_assert_eq "$(expect institutions.active)|$(expect institutions.messages)" \
  "$(report instituciones_tipo total instituciones)|$(report instituciones_activas total mensajes_publicados)" \
  "report: institutions active in the network, and their messages"
for type in health_provider dispatch_centre police zone_authority coordinator; do
  hc_assert_eq "$(expect "institutions.type.$type")" "$(report instituciones_tipo "$type" instituciones)" \
    "report: active institutions of type $type"
done
for dep in la-libertad:sv.li san-miguel:sv.sm san-salvador:sv.ss la-paz:sv.pa santa-ana:sv.sa; do
  hc_assert_eq "$(expect "institutions.department.${dep%:*}")" "$(report instituciones_departamento "${dep#*:}" instituciones)" \
    "report: active institutions in ${dep%:*}"
done

# ---- The alerts and zone levels for another alerting system: `audit export --cap` ----
hc_audit export --cap --from "$HC_SC_FROM" --to "$HC_SC_TO" --out "$HC_WORK/cap" >/dev/null ||
  hc_fail "hcbus audit export --cap failed: $(cat "$HC_WORK/audit.err")"
hc_assert_contains "$(cat "$HC_WORK/audit.err")" \
  "$(($(expect kind.alert) + $(expect kind.zone))) CAP 1.2 document(s) in $HC_WORK/cap ($(expect kind.alert) alert(s), $(expect kind.zone) zone level(s))" \
  "export --cap: one CAP document per alert and zone level of the quarter"
hc_assert_eq "$(($(expect kind.alert) + $(expect kind.zone)))" "$(find "$HC_WORK/cap" -name '*.xml' | wc -l)" \
  "export --cap: the files written"
xmllint --noout --schema "$HC_SRC/tests/data/cap-v1.2.xsd" "$HC_WORK"/cap/*.xml 2>"$HC_WORK/xmllint.err" ||
  hc_fail "CAP documents not valid: $(cat "$HC_WORK/xmllint.err")"
# The one alert of Santa Ana (the robbery), to stdout.
cap=$(hc_audit export --cap --kind alert --zone "Santa Ana") || hc_fail "export --cap of Santa Ana's alert failed"
hc_assert_eq "$(expect alerts.department.santa-ana)" "$(grep -c '<alert ' <<<"$cap")" "export --cap: Santa Ana's alert"
hc_assert_contains "$cap" "SV-SA" "export --cap: its ISO 3166-2 geocode"

# ---- Who knew what, and when? `audit who-knew SEQ` -----------------------------------
# Distinct institutions of who-knew's JSON rows for SEQ [with how = HOW].
knew() {
  audit_json who-knew "$1" | jq -r "select(${2:+.how == \"$2\" and }true) | .institution" | sort -u | paste -sd, | sed 's/,/, /g'
}
hc_assert_eq "$(expect knew.al1)" "$(knew "${HC_SC_SEQ[al1]}")" "who knew of al1, the San Miguel threat"
hc_assert_eq "$(expect knew.al1.live)" "$(knew "${HC_SC_SEQ[al1]}" live)" "who received al1 live"
hc_assert_eq "$(expect knew.al1.replay)" "$(knew "${HC_SC_SEQ[al1]}" replay)" "who read al1 later, by replay"
hc_assert_eq "$(expect knew.al8)" "$(knew "${HC_SC_SEQ[al8]}")" "who knew of al8, the Santa Ana robbery"
hc_assert_eq "$(expect knew.al7)" "$(knew "${HC_SC_SEQ[al7]}")" "who knew of al7, the police's own alert in Soyapango"
hc_assert_eq "$(expect knew.d2.escort)" "$(knew "${HC_SC_SEQ[d2.escort]}")" "who knew of SS-2's escort request"
text=$(hc_audit who-knew "${HC_SC_SEQ[al1]}") || hc_fail "who-knew (text) failed"
hc_assert_contains "$text" "facilitator" "who-knew as text names the institutions"

# ---- Can we trust that the record was not altered? `audit verify` ---------------------
# A clean stop: hcbus-auditd signs the tree heads of both logs at their last row. The
# facilitator exports the newest signed checkpoint and keeps it outside the database.
hc_coordinator_stop
hc_kill broker TERM
hc_kill auditd TERM
KEY=$HC_WORK/keys/auditd-log.pub
hc_audit checkpoint --log-key "$KEY" --out "$HC_WORK/kept-checkpoint.txt" >/dev/null ||
  hc_fail "hcbus audit checkpoint failed: $(cat "$HC_WORK/audit.err")"
hc_assert_eq "$(expect events)" "$(sed -n 2p "$HC_WORK/kept-checkpoint.txt")" "the kept checkpoint covers the whole log"
hc_assert_eq 0 "$(hc_audit_rc verify --log-key "$KEY" --from-checkpoint "$HC_WORK/kept-checkpoint.txt")" \
  "audit verify: the recorded scenario is intact: $(cat "$HC_WORK/audit.out" "$HC_WORK/audit.err")"
hc_assert_contains "$(cat "$HC_WORK/audit.out" "$HC_WORK/audit.err")" "intact: $(expect events) events, $(expect rejections) refused attempts" \
  "audit verify counts every message and refused attempt"
# A tampered copy: the database's superuser (append-only triggers off) turns the first
# San Miguel threat into an intimidation, so that one threat fewer is counted.
hc_psql "CREATE DATABASE tampered TEMPLATE hcbus" >/dev/null || hc_fail "cannot copy the database"
"$HC_PSQL" -XAtq -v ON_ERROR_STOP=1 "${HC_CONNINFO/dbname=hcbus/dbname=tampered}" >"$HC_WORK/tamper.out" 2>&1 <<SQL ||
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE hcbus.events SET summary = jsonb_set(summary, '{act}', '"intimidation"') WHERE seq = ${HC_SC_SEQ[al1]};
COMMIT;
SQL
  hc_fail "tampering failed: $(cat "$HC_WORK/tamper.out")"
TAMPERED=${HC_AUDIT_CONNINFO/dbname=hcbus/dbname=tampered}
hc_assert_eq "$(($(expect alerts.san-miguel.threat.personnel) - 1))" \
  "$(audit_json list --db "$TAMPERED" --kind alert --zone sv.sm | count_where '.summary.act == "threat" and .summary.target == "personnel"')" \
  "the tampered copy reads one threat fewer"
hc_assert_eq 1 "$(hc_audit_rc verify --db "$TAMPERED" --log-key "$KEY" --from-checkpoint "$HC_WORK/kept-checkpoint.txt")" \
  "audit verify: the tampered copy is NOT intact"
hc_assert_contains "$(cat "$HC_WORK/audit.out" "$HC_WORK/audit.err")" "events: NOT INTACT: altered seq ${HC_SC_SEQ[al1]}:" \
  "audit verify names the altered row"
hc_assert_eq 0 "$(hc_audit_rc verify --log-key "$KEY" --from-checkpoint "$HC_WORK/kept-checkpoint.txt")" \
  "the original is still intact"

hc_pass
