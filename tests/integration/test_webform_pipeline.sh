#!/usr/bin/env bash
# test_webform_pipeline.sh — hcbus-report's pipeline (services/report/pipeline) against a
# real broker, auditd and PostgreSQL over TCP, driven by tests/tools/webform_pipeline
# (the library without the web layer), as the anonymous gateway "webform":
#  1. a report is recorded as an anonymous alert with no sender only after its delay
#     (sent_at and received_at >= the moment before submit + release_delay_min), and its
#     mailbox and photos are stored once the broker acknowledged it; the receipt (typed
#     loosely) opens it; a facilitator's question (review.ask_reporter as
#     hcbus_facilitator) is shown and answered; a second answer, and an answer with
#     another report's receipt, are refused; a receipt nobody was given opens nothing;
#  2. SIGTERM with reports waiting sends them all at once, and their receipts open them;
#     an answer is held for its release too (600..900 s): not in report.answers, shown
#     as pending with its seconds left, a second answer to it refused; SIGTERM writes it;
#  3. mailbox writes refused (grant revoked) and then PostgreSQL stopped with
#     pg_ctl stop -m immediate and restarted, while acknowledged reports wait in memory:
#     nothing is lost, every receipt opens its report;
#  4. the queue full: pipeline_submit refuses, and nothing of that report is sent;
#     answers have their own bound (queue_max answers beside queue_max reports), and
#     kill -9 loses an answer held (its question shows unanswered again).
# The logs of the pipeline name no receipt, alert id, msg_id or zone.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"
source "$(dirname "$0")/../lib/audit.sh"

TOOL="$HC_BIN/tests/webform_pipeline"
ZONE=sv.ss.san-salvador-este.soyapango
ZONE2=sv.sm
hc_bus_setup
hc_bus_start
"$HC_SRC/deploy/pg.sh" allow "$HC_PGDIR" "$(id -un)" hcbus_report 2>>"$HC_WORK/pg.sh.log" ||
  hc_fail "pg.sh allow hcbus_report"
REPORT_CONNINFO=$("$HC_SRC/deploy/pg.sh" conninfo "$HC_PGDIR" hcbus_report)
hc_audit_allow
head -c 32 /dev/urandom >"$HC_WORK/keys/report.secret"
chmod 0600 "$HC_WORK/keys/report.secret"
COMMON=(--config "$HC_WORK/hcbus.conf" --secret "$HC_WORK/keys/report.secret" --conninfo "$REPORT_CONNINFO")
SERVES=0
SUBMITS=0

# Start `webform_pipeline serve` with ARGS, its stdin a FIFO held open on fd 7.
pipeline_start() {
  SERVES=$((SERVES + 1))
  PIPE_LOG="$HC_WORK/pipeline$SERVES.log"
  rm -f "$HC_WORK/pipeline.in"
  mkfifo "$HC_WORK/pipeline.in"
  exec 7<>"$HC_WORK/pipeline.in"
  hc_start_bg "pipeline$SERVES" bash -c 'exec "$@" <"$0"' "$HC_WORK/pipeline.in" "$TOOL" serve "${COMMON[@]}" "$@"
  PIPE_NAME="pipeline$SERVES"
  hc_wait_for "pipeline ready" 30 grep -q '^ready$' "$HC_WORK/$PIPE_NAME.log"
}
# Send one command and wait for its answer (the Nth line starting with PREFIX).
pipeline_say() { # COMMAND PREFIX
  local before
  before=$(grep -c "^$2 " "$HC_WORK/$PIPE_NAME.log" || true)
  echo "$1" >&7
  hc_wait_for "answer to '$1'" 30 hc_lines_at_least "$HC_WORK/$PIPE_NAME.log" "^$2 " $((before + 1))
  grep "^$2 " "$HC_WORK/$PIPE_NAME.log" | tail -n 1
}
# Submit a report; its answer ("submitted RECEIPT BEFORE_US" or "refused CODE FIELD")
# in $out (not in a subshell: SUBMITS counts the answers of this pipeline).
submit() { # ZONE ACT PHOTOS [TEXT]
  SUBMITS=$((SUBMITS + 1))
  echo "submit $*" >&7
  hc_wait_for "submit answered" 60 hc_lines_at_least "$HC_WORK/$PIPE_NAME.log" '^\(submitted\|refused\) ' "$SUBMITS"
  out=$(grep '^\(submitted\|refused\) ' "$HC_WORK/$PIPE_NAME.log" | sed -n "${SUBMITS}p")
}
# SIGTERM, wait for the exit; its last answer ("stopped unsent=N") in $stopped. Not in a
# subshell: hc_kill waits for the process and forgets it.
pipeline_stop() {
  hc_kill "$PIPE_NAME" TERM
  exec 7>&-
  SUBMITS=0
  stopped=$(grep '^stopped ' "$PIPE_LOG" || true)
}
open_receipt() { "$TOOL" open "$1" "${COMMON[@]}"; }
answer() { "$TOOL" answer "$1" "$2" "$3" "${COMMON[@]}"; }
ask() { # SEQ QUESTION -> question_id, as a facilitator
  "$HC_PSQL" -XAtq -v ON_ERROR_STOP=1 "$HC_AUDIT_CONNINFO" -c "SELECT review.ask_reporter($1, '$2')"
}
alerts() { hc_psql "SELECT count(*) FROM hcbus.events WHERE kind = 'alert'"; }

# ---- 1. one report, its delay, its mailbox, the conversation ----------------------
DELAY_MIN=2
TODAY=$(TZ=America/El_Salvador date +%F)
pipeline_start --delay-min $DELAY_MIN --delay-max 3
submit $ZONE ACT_THREAT 2 "Nos amenazaron en la entrada"
read -r word RECEIPT_A BEFORE_A <<<"$out"
hc_assert_eq submitted "$word" "the report is accepted: $out"
[[ $RECEIPT_A =~ ^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$ ]] || hc_fail "receipt shape: $RECEIPT_A"
hc_wait_for "the alert recorded" 30 hc_sql_at_least "SELECT count(*) FROM hcbus.events WHERE kind = 'alert'" 1
hc_wait_for "its mailbox stored" 30 hc_sql_at_least "SELECT count(*) FROM report.mailboxes" 1
read -r SEQ_A ALERT_A <<<"$(hc_psql "SELECT seq, subject FROM hcbus.events WHERE kind = 'alert'" | tr '|' ' ')"
hc_assert_eq "|t|t|t|$ZONE" "$(hc_psql "SELECT sender, msg_id ~ '^[0-9a-f]{32}\$', subject ~ '^[0-9a-f]{32}\$',
      msg_id <> subject, zone_id FROM hcbus.events WHERE seq = $SEQ_A")" \
  "an anonymous alert: no sender, random hex msg_id and alert_id, the zone chosen"
hc_assert_eq "t|t|t" "$(hc_psql "SELECT (extract(epoch FROM sent_at) * 1e6)::bigint >= $BEFORE_A + $DELAY_MIN * 1000000,
      (extract(epoch FROM received_at) * 1e6)::bigint >= $BEFORE_A + $DELAY_MIN * 1000000,
      committed_at >= received_at FROM hcbus.events WHERE seq = $SEQ_A")" \
  "sent and received no earlier than submit + release_delay_min (${DELAY_MIN}s)"
hc_assert_eq "2|image/jpeg" \
  "$(hc_psql "SELECT count(*), min(content_type) FROM report.photos WHERE alert_id = '$ALERT_A'")" \
  "its two photos stored under its alert_id"
hc_assert_eq "1|t" "$(hc_psql "SELECT count(*), bool_and(octet_length(lookup) = 32) FROM report.mailboxes")" \
  "one mailbox row, a 32-byte lookup"
hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM report.mailboxes
      WHERE position(convert_to('$ALERT_A', 'UTF8') in box) > 0 OR position(convert_to('$ZONE', 'UTF8') in box) > 0")" \
  "the mailbox holds neither the alert id nor the zone in clear"
hc_assert_eq "report $ALERT_A $ZONE ACT_THREAT $TODAY 2" "$(open_receipt "$RECEIPT_A")" \
  "the receipt opens its report (no question yet)"
loose=$(echo "$RECEIPT_A" | tr 'A-Z' 'a-z' | tr -d '-' | sed 's/0/o/g; s/1/l/g; s/^\(....\)/\1 /')
hc_assert_eq "report $ALERT_A $ZONE ACT_THREAT $TODAY 2" "$(open_receipt "$loose")" \
  "typed loosely ($loose) it opens the same report"
hc_assert_eq none "$(open_receipt 0000-0000-0000-0000)" "a receipt nobody was given opens nothing"
hc_assert_contains "$(open_receipt K7QM-2XD9-4RTB-HW3U)" \
  "refused invalid_field recibo: 'U' is not part of any receipt" \
  "a malformed receipt is refused, naming what is wrong"

Q1=$(ask "$SEQ_A" '¿A qué hora pasó, más o menos?') || hc_fail "ask_reporter"
out=$(open_receipt "$RECEIPT_A")
hc_assert_contains "$out" "question $Q1 $TODAY - ¿A qué hora pasó, más o menos?" \
  "the facilitator's question is shown, unanswered"
hc_assert_eq answered "$(answer "$RECEIPT_A" "$Q1" 'Como a las diez de la mañana')" "the reporter answers"
out=$(open_receipt "$RECEIPT_A")
hc_assert_contains "$out" "¿A qué hora pasó, más o menos? | Como a las diez de la mañana" \
  "the answer is shown with its question"
hc_assert_eq "Como a las diez de la mañana" "$("$HC_PSQL" -XAtq "$HC_AUDIT_CONNINFO" -c \
  "SELECT answer FROM review.report_conversation WHERE seq = $SEQ_A")" "facilitators read the answer by seq"
hc_assert_contains "$(answer "$RECEIPT_A" "$Q1" 'Otra respuesta')" \
  "refused invalid_field respuesta: question $Q1 is already answered" \
  "a second answer is refused"
Q3=$(ask "$SEQ_A" '¿Alguien resultó herido?') || hc_fail "ask_reporter Q3"

# Drafts the broker would refuse are refused at submit, naming the field; nothing queued.
submit sv.zz.nowhere ACT_THREAT 0
hc_assert_eq "refused unknown_zone alert.zone_id" "$out" "a zone outside the catalogue is refused at submit"
submit $ZONE ACT_OTHER 0
hc_assert_eq "refused invalid_field alert.description" "$out" "'other' without a description is refused at submit"
hc_assert_eq "queued 0" "$(pipeline_say queued queued)" "neither was queued"

# A second report; an answer to its question with the first report's receipt is refused.
submit $ZONE2 ACT_INTIMIDATION 0
read -r word RECEIPT_B _ <<<"$out"
hc_assert_eq submitted "$word" "a second report is accepted"
hc_wait_for "the second mailbox stored" 30 hc_sql_at_least "SELECT count(*) FROM report.mailboxes" 2
SEQ_B=$(hc_psql "SELECT seq FROM hcbus.events WHERE kind = 'alert' AND seq <> $SEQ_A")
Q2=$(ask "$SEQ_B" '¿Quiénes eran?') || hc_fail "ask_reporter B"
hc_assert_contains "$(answer "$RECEIPT_A" "$Q2" 'No sé')" \
  "refused invalid_field respuesta: this report has no question $Q2" \
  "an answer to another report's question is refused"
hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM report.answers WHERE question_id = $Q2")" "and nothing was stored"
hc_assert_contains "$(open_receipt "$RECEIPT_B")" "question $Q2 $TODAY - ¿Quiénes eran?" \
  "the second receipt sees its own question only"
hc_assert_eq 0 "$(open_receipt "$RECEIPT_B" | grep -c "A qué hora" || true)" "and not the first report's"
hc_assert_eq answered "$(answer "$RECEIPT_B" "$Q2" 'Dos hombres')" "its own reporter answers it"
pipeline_stop
hc_assert_eq "stopped unsent=0" "$stopped" "a stop with nothing waiting loses nothing"

# Every receipt submitted so far, and whether its report must open.
RECEIPTS=("$RECEIPT_A" "$RECEIPT_B")
submit_ok() { # ZONE ACT PHOTOS
  submit "$@"
  local word receipt
  read -r word receipt _ <<<"$out"
  [ "$word" = submitted ] || hc_fail "submit $*: $out"
  RECEIPTS+=("$receipt")
}
all_open() {
  local r
  for r in "${RECEIPTS[@]}"; do
    [[ $(open_receipt "$r") == report\ * ]] || hc_fail "receipt $r opens nothing"
  done
  HC_CHECKS=$((HC_CHECKS + 1))
}

# ---- 2. SIGTERM with reports waiting sends them all ---------------------------------
pipeline_start --delay-min 600 --delay-max 900
for i in 1 2 3; do submit_ok $ZONE ACT_HARASSMENT 1; done
hc_assert_eq "queued 3" "$(pipeline_say queued queued)" "three reports wait (600..900 s)"
ANSWER3="Nadie, gracias a Dios"
hc_assert_eq "answered $Q3" "$(pipeline_say "answer $RECEIPT_A $Q3 $ANSWER3" '\(answered\|refused\)')" \
  "an answer is accepted at once"
hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM report.answers WHERE question_id = $Q3")" \
  "but not written: it waits for its release (600..900 s), as reports do"
out=$(pipeline_say "open $RECEIPT_A" pending)
[[ $out =~ ^pending\ $Q3\ ([0-9]+)\ (.*)$ ]] || hc_fail "the open does not show the answer pending: $out"
hc_assert_eq "$ANSWER3" "${BASH_REMATCH[2]}" "the receipt shows the answer as pending"
secs=${BASH_REMATCH[1]}
[ "$secs" -ge 1 ] && [ "$secs" -le 900 ] || hc_fail "pending for $secs s: not within 1..900"
hc_log "FIGURE the answer's release is $secs s away (delay 600..900 s)"
hc_assert_contains "$(pipeline_say "answer $RECEIPT_A $Q3 Otra respuesta" '\(answered\|refused\)')" \
  "refused invalid_field respuesta: question $Q3 is already answered" \
  "a second answer to a pending question is refused"
hc_assert_contains "$(pipeline_say "answer $RECEIPT_B $Q3 No sé" '\(answered\|refused\)')" \
  "refused invalid_field respuesta: this report has no question $Q3" \
  "another receipt cannot answer it"
before=$(alerts)
mailboxes=$(hc_psql "SELECT count(*) FROM report.mailboxes")
pipeline_stop
hc_assert_eq "stopped unsent=0" "$stopped" "SIGTERM: everything waiting is released and stored"
hc_assert_eq $((before + 3)) "$(alerts)" "the three alerts are recorded"
hc_assert_eq $((mailboxes + 3)) "$(hc_psql "SELECT count(*) FROM report.mailboxes")" "with their three mailboxes"
hc_assert_contains "$(cat "$PIPE_LOG")" "al detenerse se liberan ya 3 reportes en espera" \
  "the stop says how many it releases"
hc_assert_contains "$(cat "$PIPE_LOG")" "al detenerse se liberan ya 1 respuesta en espera" \
  "and how many answers"
hc_assert_eq "$ANSWER3|1" "$(hc_psql "SELECT min(answer), count(*) FROM report.answers WHERE question_id = $Q3")" \
  "SIGTERM wrote the waiting answer, once"
all_open

# ---- 3. mailbox writes refused, then PostgreSQL stopped and restarted ---------------
hc_psql "REVOKE INSERT ON report.mailboxes FROM hcbus_report"
mailboxes=$(hc_psql "SELECT count(*) FROM report.mailboxes")
before=$(alerts)
pipeline_start --delay-min 0 --delay-max 1
submit_ok $ZONE ACT_ROBBERY 1
submit_ok $ZONE2 ACT_THREAT 0
hc_wait_for "both recorded by the broker" 30 hc_sql_at_least "SELECT count(*) FROM hcbus.events WHERE kind = 'alert'" \
  $((before + 2))
hc_wait_for "the refused write logged" 30 grep -q "buzones sin guardar" "$PIPE_LOG"
hc_assert_eq "$mailboxes|0" "$(hc_psql "SELECT (SELECT count(*) FROM report.mailboxes), count(*) FROM report.photos p
      JOIN hcbus.events e ON e.subject = p.alert_id WHERE e.seq > (SELECT max(seq) - 2 FROM hcbus.events)")" \
  "acknowledged but not stored: no mailbox, and no photo either (one transaction)"
hc_pg_stop immediate || hc_fail "pg_ctl stop -m immediate"
submit_ok $ZONE ACT_KIDNAPPING 2
hc_assert_eq "" "$(grep -E "^(refused|error)" "$PIPE_LOG" || true)" "a report is accepted while PostgreSQL is down"
hc_assert_contains "$(pipeline_say "open $RECEIPT_A" 'refused')" "refused unavailable report.conninfo" \
  "a receipt check while PostgreSQL is down: unavailable, said so"
"$HC_SRC/deploy/pg.sh" start "$HC_PGDIR" 2>>"$HC_WORK/pg.sh.log" || hc_fail "PostgreSQL restart"
hc_assert_eq "opened 2" "$(pipeline_say "open $RECEIPT_A" 'opened')" "once it is back, the same process opens the receipt"
hc_psql "GRANT INSERT ON report.mailboxes TO hcbus_report"
hc_wait_for "the three mailboxes stored" 60 hc_sql_at_least "SELECT count(*) FROM report.mailboxes" $((mailboxes + 3))
hc_assert_eq $((before + 3)) "$(alerts)" "three alerts recorded, each once"
hc_assert_eq 3 "$(hc_psql "SELECT count(*) FROM report.photos p JOIN hcbus.events e ON e.subject = p.alert_id
      WHERE e.seq > (SELECT max(seq) - 3 FROM hcbus.events)")" "and their three photos"
hc_assert_contains "$(cat "$PIPE_LOG")" "PostgreSQL acepta los buzones otra vez" "the recovery is logged"
pipeline_stop
hc_assert_eq "stopped unsent=0" "$stopped" "nothing lost"
all_open

# ---- 4. the queue full: refused, nothing sent ---------------------------------------
before=$(alerts)
pipeline_start --delay-min 600 --delay-max 900 --queue-max 2
submit_ok $ZONE ACT_THREAT 0
submit_ok $ZONE ACT_THREAT 0
submit $ZONE ACT_KILLING 1
hc_assert_eq "refused overloaded -" "$out" "the third report is refused: the queue holds 2"
hc_assert_eq "queued 2" "$(pipeline_say queued queued)" "two wait"
pipeline_stop
hc_assert_eq "stopped unsent=0" "$stopped" "the two are sent at the stop"
hc_assert_eq $((before + 2)) "$(alerts)" "two alerts, not three"
hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM hcbus.events WHERE summary::text ILIKE '%killing%'")" \
  "nothing of the refused report (a killing) reached the bus"
all_open

# ---- 4b. answers: their own bound, and kill -9 loses one waiting ---------------------
Q4=$(ask "$SEQ_A" 'Pregunta cuatro') && Q5=$(ask "$SEQ_A" 'Pregunta cinco') && Q6=$(ask "$SEQ_A" 'Pregunta seis') ||
  hc_fail "ask_reporter Q4..Q6"
pipeline_start --delay-min 600 --delay-max 900 --queue-max 2
submit_ok $ZONE ACT_THREAT 0   # first: a refused answer's line would count as a submit's
for q in $Q4 $Q5; do
  hc_assert_eq "answered $q" "$(pipeline_say "answer $RECEIPT_A $q respuesta $q" '\(answered\|refused\)')" "answer to $q held (beside a report held: answers have their own bound)"
done
hc_assert_contains "$(pipeline_say "answer $RECEIPT_A $Q6 respuesta $Q6" '\(answered\|refused\)')" \
  "refused overloaded -: the list of answers waiting is full (2)" "a third answer: queue_max (2) answers held, refused"
hc_assert_eq "queued 1" "$(pipeline_say queued queued)" "the report still waits"
pipeline_stop
hc_assert_eq "2|0" "$(hc_psql "SELECT count(*) FILTER (WHERE question_id IN ($Q4, $Q5)), count(*) FILTER (WHERE question_id = $Q6)
    FROM report.answers")" "the stop wrote the two held answers, not the refused one"
pipeline_start --delay-min 600 --delay-max 900
hc_assert_eq "answered $Q6" "$(pipeline_say "answer $RECEIPT_A $Q6 se pierde" '\(answered\|refused\)')" "an answer held"
hc_kill "$PIPE_NAME" KILL
exec 7>&-
SUBMITS=0
hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM report.answers WHERE question_id = $Q6")" "kill -9: the waiting answer is lost"
hc_assert_contains "$(open_receipt "$RECEIPT_A")" "question $Q6 $TODAY - Pregunta seis" \
  "and its question shows no answer again (the reporter can answer it again)"
hc_assert_eq answered "$(answer "$RECEIPT_A" "$Q6" 'otra vez')" "which they can"

# ---- 5. the broker away at the stop: what could not be sent is counted -------------
hc_kill broker TERM
pipeline_start --delay-min 600 --delay-max 900 --stop-timeout 1000
submit $ZONE ACT_THREAT 0
hc_assert_eq submitted "${out%% *}" "accepted while the broker is away"
pipeline_stop
hc_assert_eq "stopped unsent=1" "$stopped" "the stop gives up after its timeout and says how many were not sent"
hc_assert_contains "$(cat "$PIPE_LOG")" "al detenerse: 1 reporte sin enviar o sin guardar; su recibo no abrirá nada" "and logs the count"
hc_bus_start_broker

# ---- the logs: counts only ----------------------------------------------------------
for log in "$HC_WORK"/pipeline*.log; do
  lines=$(grep ' webform_pipeline\[' "$log" || true)
  for id in "${RECEIPTS[@]}" $(hc_psql "SELECT subject || ' ' || msg_id FROM hcbus.events WHERE kind = 'alert'") \
    $ZONE $ZONE2 gracias; do
    [[ $lines != *"$id"* ]] || hc_fail "$(basename "$log") names $id: $lines"
  done
done
HC_CHECKS=$((HC_CHECKS + 1))

# ---- 6. the same through hcbus-report (its main.c: SIGTERM calls pipeline_stop) ------
RECEIPT_RE='[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}'
# POST a whole report to /reporte/enviar as the form does (multipart); prints the HTTP
# status, the page in $HC_WORK/sent.html.
post_report() { # ZONE QUE
  curl -sS -o "$HC_WORK/sent.html" -D "$HC_WORK/sent.headers" -w '%{http_code}' --max-time 60 \
    -F token="$(hc_report_token)" -F lang=es -F departamento=SS -F lugar=soyapango -F zona="$1" -F que="$2" \
    -F a_quien=personnel -F cuando=hoy -F gravedad=moderate -F muertos= -F heridos=0 -F secuestrados= \
    -F relato= "$HC_REPORT_URL/reporte/enviar"
}
# The one receipt on the sent page.
sent_receipt() {
  local receipt
  receipt=$(LC_ALL=C grep -oE "$RECEIPT_RE" "$HC_WORK/sent.html" | sort -u || true)
  [ "$(wc -l <<<"$receipt")" = 1 ] && [ -n "$receipt" ] || hc_fail "the sent page shows no single receipt"
  echo "$receipt"
}
if [ -x "$HC_BIN/services/report/hcbus-report" ]; then
  source "$HC_SRC/tests/lib/report.sh"
  hc_report_setup "release_delay_min_s = 600; release_delay_max_s = 900; queue_max = 2"
  hc_report_start
  hc_report_wait_ready
  before=$(alerts)
  mailboxes=$(hc_psql "SELECT count(*) FROM report.mailboxes")
  SERVICE_RECEIPTS=()
  for i in 1 2; do
    hc_assert_eq 200 "$(post_report $ZONE threat)" "report $i through the form accepted"
    receipt=$(sent_receipt)
    SERVICE_RECEIPTS+=("$receipt")
  done
  hc_assert_eq 503 "$(post_report $ZONE killing)" "the third report: the queue (2) is full, 503"
  grep -qi '^retry-after:' "$HC_WORK/sent.headers" || hc_fail "the 503 has no Retry-After"
  HC_CHECKS=$((HC_CHECKS + 1))
  hc_assert_eq "$before" "$(alerts)" "nothing released before its delay (600..900 s)"
  hc_report_stop
  hc_assert_eq $((before + 2)) "$(alerts)" "SIGTERM: the two waiting reports recorded, not the refused one"
  hc_assert_eq $((mailboxes + 2)) "$(hc_psql "SELECT count(*) FROM report.mailboxes")" "and their two mailboxes stored"
  hc_assert_contains "$(cat "$HC_WORK/report.log")" "al detenerse se liberan ya 2 reportes en espera" \
    "hcbus-report's log says how many the stop released"
  for r in "${SERVICE_RECEIPTS[@]}"; do
    [[ $(open_receipt "$r") == "report "*" $ZONE ACT_THREAT "* ]] || hc_fail "receipt $r opens nothing after the stop"
  done
  HC_CHECKS=$((HC_CHECKS + 1))
  # kill -9 loses what waits: recorded nowhere, its receipt opens nothing (decision 0021).
  hc_report_start
  hc_report_wait_ready
  hc_assert_eq 200 "$(post_report $ZONE intimidation)" "a report accepted"
  receipt=$(sent_receipt)
  hc_report_kill9
  hc_assert_eq $((before + 2)) "$(alerts)" "kill -9: the waiting report was never recorded"
  hc_assert_eq none "$(open_receipt "$receipt")" "and its receipt opens nothing"
  for log in "$HC_WORK"/report.log*; do
    for id in "${SERVICE_RECEIPTS[@]}" "$receipt" $(hc_psql "SELECT subject || ' ' || msg_id FROM hcbus.events
        WHERE kind = 'alert' ORDER BY seq DESC LIMIT 2") $ZONE soyapango; do
      ! grep -qF -- "$id" "$log" || hc_fail "$(basename "$log") names $id"
    done
  done
  HC_CHECKS=$((HC_CHECKS + 1))
else
  hc_log "hcbus-report is not built: the part through the service is not run"
fi
hc_assert_eq "" "$(hc_chain_problems)" "the chains verify"
hc_pass
