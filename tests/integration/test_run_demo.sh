#!/usr/bin/env bash
# test_run_demo.sh — the README's path end to end: deploy/run.sh (install skipped, the
# binaries ctest built) brings up PostgreSQL, auditd, the broker, hcbus-coordinator and
# hcbus-report (the anonymous form answers at the URL run.sh prints); the police watch
# while deploy/demo-scenario.sh --fast plays the morning, a report through the form
# included (a facilitator asks its reporter a question, which the receipt opens and
# the reporter answers). Every message reaches the police (the dispatch without patient details),
# the escort request is the coordinator's (SEM asks for none), every message is in the
# audit log (the anonymous alerts with no sender) with the coordinator's notices, and
# SIGINT to run.sh stops everything, in order, in time.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

PORT_BASE=17740               # 17741-17744: apart from the other tests' ports
FORM_URL=http://127.0.0.1:$((PORT_BASE + 4))/   # hcbus-report, as run.sh configures it
PUBLISHED_MESSAGES=13         # zone, dispatch, 2 escort statuses, 6 statuses + a refused 7th, 2 alerts
DEMO_MESSAGES=14              # those and the report sent through the form
POLICE_MESSAGES=15            # those and the coordinator's escort request
# The coordinator's: its escort request, the advisory, a verdict on each of the 9
# statuses and escort statuses (one of them REFUSED), a level review after each alert.
COORDINATOR_MESSAGES=14
READY_TIMEOUT_S=120           # first run: initdb, migrations, key generation
DELIVERY_TIMEOUT_S=30
STOP_TIMEOUT_S=60             # run.sh gives each service 30 s before SIGKILL
STATE=$HC_WORK/state
PREFIXES=(zone. alert. escort. dispatch. status. escort_status.)

# shellcheck disable=SC2034    # read by the harness: it stops this cluster too on failure
HC_PGDIR=$STATE/pg
# SIGINT as a terminal sends it: a background job of a script starts with SIGINT
# ignored, and bash cannot trap a signal ignored on entry.
hc_start_bg run env --default-signal=INT HCBUS_STATE_DIR="$STATE" HCBUS_SKIP_INSTALL=1 HCBUS_BUILD_DIR="$HC_BIN" \
  HCBUS_PORT_BASE="$PORT_BASE" bash "$HC_SRC/deploy/run.sh"
RUN_PID=$(hc_pid run)

# Wait for FILE to contain PATTERN (grep -E), failing early if run.sh died.
wait_for_line() {
  local desc=$1 timeout_s=$2 file=$3 pattern=$4
  local deadline=$((SECONDS + timeout_s))
  until grep -qE -- "$pattern" "$file" 2>/dev/null; do
    kill -0 "$RUN_PID" 2>/dev/null || hc_fail "run.sh exited while waiting for: $desc"
    [ "$SECONDS" -lt "$deadline" ] || hc_fail "timed out after ${timeout_s}s waiting for: $desc"
    sleep "$HC_POLL_INTERVAL_S"
  done
}

# The number of lines of FILE matching PATTERN (grep -E), 0 when none or no file.
count_lines() { grep -cE -- "$2" "$1" 2>/dev/null || true; }

# True when FILE has at least N JSON lines that are messages (hcbus subscribe --json
# also writes connection events: objects with an "event" key).
json_messages_at_least() { [ "$(grep -E '^\{' "$2" 2>/dev/null | grep -vc '^{"event":' || true)" -ge "$1" ]; }

# True when FILE has at least N lines matching PATTERN (for hc_wait_for).
at_least() { [ "$(count_lines "$2" "$3")" -ge "$1" ]; }

wait_for_line "run.sh to say the bus is running" "$READY_TIMEOUT_S" "$HC_WORK/run.log" '^hcbus is running'
hc_assert_contains "$(cat "$HC_WORK/run.log")" "hcbus subscribe --zone sv.ss" \
  "run.sh tells the user how to subscribe as the police"
hc_assert_contains "$(cat "$HC_WORK/run.log")" "deploy/demo-scenario.sh" \
  "run.sh tells the user how to play the demo"
hc_assert_contains "$(cat "$HC_WORK/run.log")" "Formulario anónimo: $FORM_URL" "run.sh prints the form's URL"
# The form answers at that URL: its home page, and the first step with a form token.
home=$(curl -fsS --max-time 10 "$FORM_URL") || hc_fail "the form does not answer at $FORM_URL"
hc_assert_contains "$home" 'href="/reporte' "the form's home page links to the report"
step1=$(curl -fsS --max-time 10 "${FORM_URL}reporte") || hc_fail "GET ${FORM_URL}reporte failed"
hc_assert_contains "$step1" 'name="token"' "the form's first step carries a form token"
wait_for_line "the broker's log shown in the terminal, prefixed" 10 "$HC_WORK/run.log" '^\[broker\] '
HC_CONNINFO=$("$HC_SRC/deploy/pg.sh" conninfo "$STATE/pg")
export HC_CONNINFO
source "$STATE/env.sh"

# Issue 12, items 11 and 12e: as root, each service runs as its own account, owns its
# secret key alone (0600) and cannot read the other's; auditd logs in as hcbus_auditd.
hc_assert_eq "hcbus_auditd" "$(hc_psql "SELECT string_agg(DISTINCT usename, ',') FROM pg_stat_activity
                                        WHERE application_name = 'hcbus-auditd'")" \
  "hcbus-auditd logs in to PostgreSQL as hcbus_auditd, not as the superuser"
if [ "$(id -u)" -ne 0 ]; then
  hc_log "not root: the services run as $(id -un); the separate accounts are not checked"
elif grep -q "WARNING: a service account cannot reach" "$HC_WORK/run.log"; then
  hc_log "NOTE: run.sh ran the services as root: $(grep -m1 'WARNING: a service account' "$HC_WORK/run.log")"
else
  owner_of() { stat -c %U "/proc/$(pgrep -f -- "$1 --config $STATE/hcbus.conf" | head -n 1)"; }
  hc_assert_eq hcbus-broker "$(owner_of hcbus-broker)" "hcbus-broker runs as hcbus-broker"
  hc_assert_eq hcbus-auditd "$(owner_of hcbus-auditd)" "hcbus-auditd runs as hcbus-auditd"
  hc_assert_eq hcbus-coordinator "$(owner_of hcbus-coordinator)" "hcbus-coordinator runs as hcbus-coordinator"
  hc_assert_eq hcbus-report "$(owner_of hcbus-report)" "hcbus-report runs as hcbus-report"
  hc_assert_eq "hcbus-broker 600" "$(stat -c '%U %a' "$STATE/keys/broker.key")" "broker.key: the broker's alone"
  hc_assert_eq "hcbus-auditd 600" "$(stat -c '%U %a' "$STATE/keys/auditd.key")" "auditd.key: auditd's alone"
  hc_assert_eq "hcbus-coordinator 600" "$(stat -c '%U %a' "$STATE/keys/coordinator.key")" \
    "coordinator.key: the coordinator's alone"
  hc_assert_eq "hcbus-auditd 600" "$(stat -c '%U %a' "$STATE/keys/auditd-log.key")" "auditd-log.key: auditd's alone"
  hc_assert_eq "hcbus-report 600" "$(stat -c '%U %a' "$STATE/keys/webform.key")" "webform.key: hcbus-report's alone"
  hc_assert_eq "hcbus-report 600 32" "$(stat -c '%U %a %s' "$STATE/keys/report.secret")" \
    "report.secret: 32 bytes, hcbus-report's alone"
  for pair in "hcbus-broker auditd.key" "hcbus-auditd broker.key" "hcbus-broker pnc.key" "hcbus-auditd pnc.key" \
              "hcbus-coordinator broker.key" "hcbus-coordinator auditd.key" "hcbus-broker coordinator.key" \
              "hcbus-broker auditd-log.key" "hcbus-coordinator auditd-log.key" \
              "hcbus-report broker.key" "hcbus-report auditd.key" "hcbus-report coordinator.key" \
              "hcbus-report auditd-log.key" "hcbus-broker webform.key" "hcbus-broker report.secret" \
              "hcbus-auditd report.secret" "hcbus-coordinator report.secret"; do
    read -r account key <<<"$pair"
    if setpriv --reuid="$account" --regid="$account" --init-groups -- cat "$STATE/keys/$key" >/dev/null 2>&1; then
      hc_fail "$account can read keys/$key"
    fi
    HC_CHECKS=$((HC_CHECKS + 1))
  done
fi
hc_assert_eq "tcp://127.0.0.1:$((PORT_BASE + 1))" "$HCBUS_PUBLISH_ENDPOINT" "publish endpoint from HCBUS_PORT_BASE"

# Watchers: the police in JSON and as text, and a clinical institution for contrast.
hc_start_bg police hcbus subscribe "${PREFIXES[@]}" --json
hc_start_bg police_text hcbus subscribe "${PREFIXES[@]}"
hc_start_bg clinical hcbus subscribe "${PREFIXES[@]}" --key "$STATE/keys/cruz-roja.key"
wait_for_line "three subscriptions at the broker" 30 "$STATE/log/broker.log" \
  'cruz-roja subscribed'
hc_wait_for "both police subscriptions" 30 at_least 2 "$STATE/log/broker.log" 'pnc subscribed'

HCBUS_STATE_DIR=$STATE bash "$HC_SRC/deploy/demo-scenario.sh" --fast >"$HC_WORK/demo.out" 2>&1 ||
  hc_fail "demo-scenario.sh failed: $(tail -n 20 "$HC_WORK/demo.out")"
demo=$(cat "$HC_WORK/demo.out")
hc_assert_eq "$PUBLISHED_MESSAGES" "$(count_lines "$HC_WORK/demo.out" '^published seq=')" "the demo published every message"
hc_assert_contains "$demo" "now holds" "the demo reports the rows in hcbus.events"
hc_assert_contains "$demo" "hcbus-coordinator's escort request: esc-" "the demo names the coordinator's escort"
hc_assert_contains "$demo" "review.events" "the demo shows the reviewer's query"
hc_assert_contains "$demo" "back in service  eTimes.13" "the demo ends with the request's call-out times"
hc_assert_contains "$demo" "coordinator: REFUSED" "the demo shows the coordinator refusing the second 'closed'"
hc_assert_eq 8 "$(grep -c "^coordinator: counted" <<<"$demo")" "the demo shows the 8 counted statuses and escort statuses"
hc_log "the demo's dispatch show:"$'\n'"$(sed -n '/^request sem-/,/^  total /p' <<<"$demo")"
# The facilitator's view of the same request (hcbus audit, as hcbus_facilitator from env.sh).
audit_view=$(sed -n '/^The same request as a facilitator/,/^Done: /p' <<<"$demo")
hc_assert_contains "$audit_view" "call-out times (NEMSIS v3 eTimes; statuses the coordinator refused are left out)" \
  "the demo shows hcbus audit timeline of the request"
hc_assert_contains "$audit_view" "coordinator   escort requested" "the timeline names the coordinator's escort request"
[[ $audit_view != *"gunshot wound"* ]] || hc_fail "the chief complaint reached the facilitator's view"
# The report through the form: three pages, a receipt, then the facilitator's view of it.
hc_assert_contains "$demo" "on the anonymous form (${FORM_URL%/})" "the demo sends a report through the form"
[[ $demo =~ page\ 3:\ the\ receipt,\ to\ write\ down:\ [0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4} ]] ||
  hc_fail "the demo shows no receipt from the form"
HC_CHECKS=$((HC_CHECKS + 1))
form_view=$(sed -n '/^The facilitator reads it from the audit log/,/^The dispatch as SEM/p' <<<"$demo")
hc_assert_contains "$form_view" "Dispararon contra la ambulancia" "the facilitator reads the form's report"
hc_assert_contains "$form_view" 'and reads: "¿Cuántas personas iban en la ambulancia?"' \
  "the receipt opens the facilitator's question"
conversation=$(sed -n '/^The facilitator reads the answer/,/^The dispatch as SEM/p' <<<"$demo")
hc_assert_contains "$conversation" "Íbamos tres: el motorista, una paramédica y yo." \
  "the facilitator reads the reporter's answer (hcbus audit conversation)"

# Every message reached the police, and the clinical subscriber.
hc_wait_for "$POLICE_MESSAGES messages at the police" "$DELIVERY_TIMEOUT_S" \
  json_messages_at_least "$POLICE_MESSAGES" "$HC_WORK/police.log"
hc_wait_for "$POLICE_MESSAGES messages at the police (text)" "$DELIVERY_TIMEOUT_S" \
  at_least "$POLICE_MESSAGES" "$HC_WORK/police_text.log" 'from=|anonymous'
hc_wait_for "$POLICE_MESSAGES messages at the Red Cross" "$DELIVERY_TIMEOUT_S" \
  at_least "$POLICE_MESSAGES" "$HC_WORK/clinical.log" 'from=|anonymous'
police=$(grep -E '^\{' "$HC_WORK/police.log" | grep -v '^{"event":')   # messages, not connection events
hc_assert_eq "$POLICE_MESSAGES" "$(grep -c . <<<"$police")" "the police got each message once"
for kind in zone dispatch escort escort_status alert; do
  hc_assert_contains "$police" "\"topic\":\"$kind.sv.ss.san-salvador-este.soyapango\"" "the police got the $kind"
done
hc_assert_contains "$(grep '"topic":"escort\.' <<<"$police")" '"sender":"coordinator"' \
  "the escort request the police got is hcbus-coordinator's"
hc_assert_eq 7 "$(grep -c '"topic":"status\.' <<<"$police")" "the police got the seven statuses"

# The dispatch reached the police without patient details, and said so.
dispatch=$(grep '"topic":"dispatch\.' <<<"$police")
hc_assert_contains "$dispatch" '"redacted":true' "the police's dispatch is marked redacted"
hc_assert_contains "$dispatch" '"patient_redacted":true' "the police's dispatch says patient details were withheld"
police_text=$(cat "$HC_WORK/police_text.log")
hc_assert_contains "$police_text" "[patient details withheld]" "the police's dispatch shows the withholding"
[[ $police_text != *"gunshot wound"* ]] || hc_fail "the chief complaint reached the police"
hc_assert_contains "$(cat "$HC_WORK/clinical.log")" "gunshot wound" \
  "the Red Cross (clinical access) got the patient details"

# The audit log holds every message; the anonymous alert has no sender; the
# coordinator's notices are there too (one verdict per status; only the second 'closed' refused).
coordinator_rows_at_least() {
  [ "$(hc_psql "SELECT count(*) FROM hcbus.events WHERE sender = 'coordinator'")" -ge "$1" ]
}
hc_wait_for "the coordinator's $COORDINATOR_MESSAGES messages in hcbus.events" "$DELIVERY_TIMEOUT_S" \
  coordinator_rows_at_least "$COORDINATOR_MESSAGES"
hc_assert_eq "$DEMO_MESSAGES" "$(hc_psql "SELECT count(*) FROM hcbus.events WHERE sender <> 'coordinator'")" \
  "every message of the demo is in hcbus.events"
hc_assert_eq "1|1|2|7|3" "$(hc_psql "SELECT count(*) FILTER (WHERE kind = 'zone' AND sender = 'minsal'),
    count(*) FILTER (WHERE kind = 'dispatch' AND sender = 'sem'),
    count(*) FILTER (WHERE kind = 'escort_status' AND sender = 'pnc'),
    count(*) FILTER (WHERE kind = 'status' AND sender = 'sem'),
    count(*) FILTER (WHERE kind = 'alert') FROM hcbus.events")" "each message recorded with its sender"
hc_assert_eq "1|1|9|3|0" "$(hc_psql "SELECT count(*) FILTER (WHERE kind = 'escort' AND msg_id LIKE 'c.e.%'),
    count(*) FILTER (WHERE kind = 'notice' AND msg_id LIKE 'c.a.%'),
    count(*) FILTER (WHERE kind = 'notice' AND msg_id LIKE 'c.v.%'),
    count(*) FILTER (WHERE kind = 'notice' AND msg_id LIKE 'c.r.%'),
    count(*) FILTER (WHERE msg_id NOT SIMILAR TO 'c.[eavr].%')
    FROM hcbus.events WHERE sender = 'coordinator'")" \
  "the coordinator's escort request, advisory, 9 verdicts and 3 level reviews are recorded, nothing else"
hc_assert_eq "$COORDINATOR_MESSAGES" "$(hc_psql "SELECT count(*) FROM hcbus.events WHERE sender = 'coordinator'")" \
  "the coordinator published each of its messages once"
hc_assert_eq "|anon-" "$(hc_psql "SELECT sender, substr(subject, 1, 5) FROM hcbus.events
                                 WHERE kind = 'alert' AND subject LIKE 'anon-%'")" \
  "the anonymous alert is recorded with sender ''"
hc_assert_eq "cruz-roja" "$(hc_psql "SELECT sender FROM hcbus.events WHERE kind = 'alert' AND subject LIKE 'cr-%'")" \
  "the Red Cross alert is recorded with its sender"
hc_assert_eq "|sv.ss.san-salvador-este.soyapango" "$(hc_psql "SELECT sender, zone_id FROM hcbus.events
                                 WHERE kind = 'alert' AND subject ~ '^[0-9a-f]{32}$'")" \
  "the form's report is recorded once, with sender '', in the zone chosen"

# Decision 0014: run.sh made the log signer key and auditd signs its tree heads with it.
hc_assert_contains "$(cat "$STATE/log/auditd.log")" "tree heads signed as $(cat "$STATE/keys/auditd-log.pub")" \
  "auditd signs its tree heads with keys/auditd-log.key"
# hcbus-report wrote the report's sealed mailbox as its own login role (migration 012).
hc_assert_eq "1|1|1" "$(hc_psql "SELECT (SELECT count(*) FROM report.mailboxes), (SELECT count(*) FROM report.questions),
                                     (SELECT count(*) FROM report.answers)")" \
  "the form's report has its mailbox row, the facilitator's question and the reporter's answer"
hc_assert_eq "hcbus_report" "$(hc_psql "SELECT string_agg(DISTINCT usename, ',') FROM pg_stat_activity
                                        WHERE usename LIKE 'hcbus_report%'")" \
  "hcbus-report logs in to PostgreSQL as hcbus_report"
events_rows=$(hc_psql "SELECT count(*) FROM hcbus.events")

# SIGINT to run.sh: the coordinator, the broker, auditd and PostgreSQL all stop, in
# order, in time.
hc_kill police TERM
hc_kill police_text TERM
hc_kill clinical TERM
kill -INT -- "-$RUN_PID"
deadline=$((SECONDS + STOP_TIMEOUT_S))
while kill -0 "$RUN_PID" 2>/dev/null; do
  [ "$SECONDS" -lt "$deadline" ] || hc_fail "run.sh still running ${STOP_TIMEOUT_S}s after SIGINT"
  sleep "$HC_POLL_INTERVAL_S"
done
hc_kill run KILL              # reaps it; the group is already gone
run_log=$(cat "$HC_WORK/run.log")
hc_assert_contains "$run_log" "everything stopped" "run.sh's final line"
hc_assert_eq "" "$(pgrep -af -- "$STATE" || true)" "no process of the state dir is left"
hc_assert_eq "stopped" "$("$HC_SRC/deploy/pg.sh" status "$STATE/pg" 2>/dev/null || true)" "PostgreSQL is stopped"
order=$(grep -oE 'run.sh: (hcbus-)?(report|coordinator|broker|auditd|PostgreSQL) stopped' <<<"$run_log" | tr '\n' ' ')
hc_assert_eq "run.sh: report stopped run.sh: coordinator stopped run.sh: broker stopped run.sh: auditd stopped run.sh: PostgreSQL stopped " \
  "$order" "stopped in order: hcbus-report, coordinator, broker, auditd, PostgreSQL"
hc_assert_contains "$run_log" "report stopped (exit status 0)" "hcbus-report stopped cleanly"
hc_assert_contains "$run_log" "coordinator stopped (exit status 0)" "the coordinator stopped cleanly"
last_head=$(grep -oE 'last tree heads: events [0-9]+' "$STATE/log/auditd.log" | grep -oE '[0-9]+$' || echo 0)
[ "$last_head" -ge "$events_rows" ] ||
  hc_fail "auditd's clean stop should leave a head over the whole log ($events_rows rows), not $last_head"
HC_CHECKS=$((HC_CHECKS + 1))

hc_pass
