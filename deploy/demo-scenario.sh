#!/usr/bin/env bash
# demo-scenario.sh — plays one morning on a running demo deployment (deploy/run.sh):
# a zone goes RED, a dispatch into it (hcbus-coordinator asks the police for the
# escort: SEM does not), the police assign it, the unit's status timeline, a security
# alert from a crew, an anonymous one, and one sent through the anonymous web form
# (hcbus-report, with curl as a browser without JavaScript; the facilitator then reads
# it with `hcbus audit show`, asks the reporter a question, which the receipt opens and
# the reporter answers). Each step says what happens, then publishes it with the
# right institution's key; a refused publish stops the demo. It ends with `hcbus
# dispatch show` of the request: the verdicts and the call-out times, and the same
# request as a facilitator reads it (`hcbus audit timeline`, run.sh's env.sh).
#
#   deploy/demo-scenario.sh [--fast]     --fast: no pauses (tests)
#   HCBUS_STATE_DIR=DIR                  the state directory run.sh uses (default var/)
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE_DIR=$(realpath -m -- "${HCBUS_STATE_DIR:-$REPO_DIR/var}")
KEYS_DIR=$STATE_DIR/keys
PAUSE_S=2                     # between steps, so a watching person can follow
COORDINATOR_WAIT_S=15         # for hcbus-coordinator's escort request to be recorded
RELEASE_WAIT_S=60             # for the form's report to be released (run.sh: 1..5 s)
FORM_TIMEOUT_S=30             # one request to the form
FORM_QUESTION="¿Cuántas personas iban en la ambulancia?"
FORM_ANSWER="Íbamos tres: el motorista, una paramédica y yo."
ZONE=sv.ss.san-salvador-este.soyapango
UNIT=SEM-U12
HOSPITAL="Hospital Nacional Rosales"
STEPS=0

say() { echo "demo: $*" >&2; }
die() { say "error: $*"; exit 1; }

case "${1:-}" in
  --fast) PAUSE_S=0 ;;
  "") ;;
  *) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac

# run.sh writes the endpoints, the broker key and the CLI's place into env.sh.
[ -f "$STATE_DIR/env.sh" ] || die "no $STATE_DIR/env.sh: start deploy/run.sh first (same HCBUS_STATE_DIR)"
psql_value() { "$REPO_DIR/deploy/pg.sh" psql "$STATE_DIR/pg" -Atq -c "$1"; }
# shellcheck source=/dev/null
source "$STATE_DIR/env.sh"
command -v hcbus >/dev/null || die "hcbus not found (PATH from $STATE_DIR/env.sh: $PATH)"

# step INSTITUTION EXPLANATION KIND FLAGS...: say it, publish it as INSTITUTION.
step() {
  local who=$1 what=$2
  shift 2
  STEPS=$((STEPS + 1))
  echo
  echo "[$STEPS] $who: $what"
  [ -f "$KEYS_DIR/$who.key" ] || die "no key $KEYS_DIR/$who.key for $who"
  if ! hcbus publish "$@" --key "$KEYS_DIR/$who.key"; then
    echo "!!! step $STEPS FAILED: hcbus publish $1 as $who was refused or not recorded (see above)" >&2
    exit 1
  fi
  sleep "$PAUSE_S"
}

# refused_step INSTITUTION EXPLANATION KIND FLAGS...: a mistake the coordinator must
# refuse: the message is recorded, the coordinator answers REFUSED and hcbus exits 1.
refused_step() {
  local who=$1 what=$2 out
  shift 2
  STEPS=$((STEPS + 1))
  echo
  echo "[$STEPS] $who: $what"
  if out=$(hcbus publish "$@" --key "$KEYS_DIR/$who.key" 2>&1); then
    echo "$out"
    die "step $STEPS: hcbus-coordinator did not refuse it (is it running? see log/coordinator.log)"
  fi
  echo "$out"
  grep -q "REFUSED" <<<"$out" || die "step $STEPS: expected the coordinator's REFUSED verdict"
  sleep "$PAUSE_S"
}

# The escort hcbus-coordinator asked for the dispatch REQUEST: its id is esc-<the
# dispatch's seq>. Waits until the coordinator's EscortRequest is recorded.
coordinator_escort() {
  local seq escort deadline=$((SECONDS + COORDINATOR_WAIT_S))
  seq=$(psql_value "SELECT seq FROM hcbus.events WHERE kind = 'dispatch' AND subject = '$REQUEST'")
  [ -n "$seq" ] || die "the dispatch $REQUEST is not in hcbus.events"
  escort=esc-$seq
  until [ "$(psql_value "SELECT count(*) FROM hcbus.events WHERE kind = 'escort' AND subject = '$escort'
                         AND sender = 'coordinator'")" = 1 ]; do
    [ "$SECONDS" -lt "$deadline" ] ||
      die "hcbus-coordinator published no escort request $escort within ${COORDINATOR_WAIT_S}s (is it running? see log/coordinator.log)"
    sleep 0.2
  done
  echo "$escort"
}

status() {
  local state=$1 what=$2
  shift 2
  step sem "$what" status --request-id "$REQUEST" --zone "$ZONE" --unit "$UNIT" --state "$state" "$@"
}

# Ids unique per run, so that playing the morning twice gives two timelines.
RUN=$(date +%Y%m%d-%H%M%S)
REQUEST=sem-$RUN

echo "A morning in Soyapango ($ZONE), as the bus sees it."

step minsal "the zone authority sets Soyapango RED: no entry without a police escort, 07-17 h" \
  zone --zone "$ZONE" --level red --escort-required \
  --allowed-from-hour 7 --allowed-until-hour 17 \
  --entry-instructions "Enter by Boulevard del Ejército; meet the PNC patrol at the Unicentro roundabout" \
  --contact "PNC Soyapango, radio channel 4" \
  --meeting-point-address "Redondel Unicentro, Soyapango" --meeting-point-reference-point "gasolinera" \
  --reason "Threats against ambulance crews reported overnight"

step sem "SEM dispatches an advanced unit: gunshot wound, critical (patient details go only to clinical institutions)" \
  dispatch --request-id "$REQUEST" --zone "$ZONE" \
  --address "Colonia Las Margaritas, pasaje 3" --reference-point "frente a la iglesia" \
  --priority critical --incident-type violence --capability advanced \
  --patient-age-band adult --patient-sex male --patient-condition serious \
  --patient-complaint "gunshot wound to the left thigh, conscious, bleeding"

echo
echo "    The zone is RED: hcbus-coordinator asks the police for an escort (escort.$ZONE)"
echo "    and tells SEM the zone's access conditions (a notice). SEM asks nobody."
ESCORT=$(coordinator_escort)
echo "    hcbus-coordinator's escort request: $ESCORT"

step pnc "the police assign patrol PNC-S-07 to escort $UNIT from the Unicentro roundabout" \
  escort-status --escort-id "$ESCORT" --request-id "$REQUEST" --zone "$ZONE" --state assigned \
  --police-unit PNC-S-07 --address "Redondel Unicentro, Soyapango" --reference-point "gasolinera"

status accepted "unit $UNIT accepts the call"
status en_route "unit $UNIT leaves for the meeting point"
status on_scene "unit $UNIT is on scene with its escort"
status transporting "unit $UNIT leaves with the patient for $HOSPITAL" --destination-facility "$HOSPITAL"
status at_facility "unit $UNIT arrives at $HOSPITAL" --destination-facility "$HOSPITAL"
status closed "unit $UNIT is back in service"

refused_step sem "by mistake, SEM's dispatcher sends 'closed' a second time: the coordinator refuses it" \
  status --request-id "$REQUEST" --zone "$ZONE" --unit "$UNIT" --state closed

step pnc "the escort is over: the crew is out of the zone" \
  escort-status --escort-id "$ESCORT" --request-id "$REQUEST" --zone "$ZONE" --state completed

step cruz-roja "a Red Cross crew reports threats against its personnel in Soyapango" \
  alert --alert-id "cr-$RUN" --zone "$ZONE" --target personnel --act threat --severity high \
  --description "Crew told at gunpoint not to come back to the colonia"

step anon-gateway "a health worker reports, anonymously, an ambulance stopped at an invisible barrier" \
  alert --alert-id "anon-$RUN" --zone "$ZONE" --target vehicle --act obstruction_of_access \
  --severity moderate --anonymous \
  --description "Ambulance turned back at the entrance of the colonia"

# ---- the anonymous web form (hcbus-report) ----------------------------------------

# The value of the first <input name="NAME" ...> of the page on stdin.
input_value() {
  grep -o "<input[^>]*name=\"$1\"[^>]*>" | head -n 1 | grep -o 'value="[^"]*"' | sed 's/^value="//; s/"$//' || true
}

# curl ARGS... against the form: fail on an HTTP error, with a deadline, never through
# a proxy the environment may name (the form is local).
form() { curl -fsS --noproxy '*' --max-time "$FORM_TIMEOUT_S" "$@"; }

# A health worker sends a report through the form, as a phone's browser would (three
# pages: where, what happened, the receipt), and keeps the receipt.
form_report() {
  local url=${HCBUS_REPORT_URL:-} page token zone receipt before seq deadline
  [ -n "$url" ] || die "HCBUS_REPORT_URL is not set in $STATE_DIR/env.sh (a run.sh from before hcbus-report: restart it)"
  STEPS=$((STEPS + 1))
  echo
  echo "[$STEPS] a health worker, on a phone, reports on the anonymous form ($url): an"
  echo "    ambulance shot at in Soyapango. No login, no cookie; nobody learns who sent it."
  before=$(psql_value "SELECT coalesce(max(seq), 0) FROM hcbus.events")
  page=$(form "$url/reporte") || die "GET $url/reporte failed (is hcbus-report running? see log/report.log)"
  token=$(input_value token <<<"$page")
  [ -n "$token" ] || die "the form's first page has no token field"
  echo "    page 1 (where): department San Salvador, place \"Soyapango\""
  page=$(form --data-urlencode "token=$token" -d departamento=SS --data-urlencode lugar=Soyapango \
           "$url/reporte/lugar") || die "POST $url/reporte/lugar failed"
  zone=$(grep -o '<input[^>]*name="zona"[^>]*>' <<<"$page" | grep -o "value=\"[^\"]*soyapango\"" | head -n 1 |
         sed 's/^value="//; s/"$//' || true)
  [ "$zone" = "$ZONE" ] || die "the place search for Soyapango did not offer $ZONE"
  token=$(input_value token <<<"$page")
  echo "    page 2 (what happened): shots at a vehicle, today, high; one person injured"
  page=$(form -F "token=$token" -F "zona=$zone" -F que=shooting_into -F a_quien=vehicle -F cuando=hoy \
           -F gravedad=high -F muertos=0 -F heridos=1 -F secuestrados=0 -F departamento=SS -F lugar=Soyapango \
           -F "relato=Dispararon contra la ambulancia al salir de la colonia, el motorista herido en el brazo" \
           "$url/reporte/enviar") || die "POST $url/reporte/enviar failed"
  receipt=$(grep -oE '[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}' <<<"$page" | head -n 1 || true)
  [ -n "$receipt" ] || die "the form accepted nothing: no receipt on its answer (see log/report.log)"
  echo "    page 3: the receipt, to write down: $receipt (with it, and only with it, the"
  echo "    reporter comes back to $url/recibo to read the facilitators' questions)"
  echo
  echo "    hcbus-report holds the report a random delay before it publishes it (here at most"
  echo "    a few seconds; 1 to 15 minutes in a real deployment), so the log's time is not the"
  echo "    moment it was sent. Waiting for it..."
  deadline=$((SECONDS + RELEASE_WAIT_S))
  until seq=$(psql_value "SELECT min(seq) FROM hcbus.events WHERE seq > $before AND kind = 'alert'
                          AND sender = '' AND zone_id = '$ZONE' AND subject ~ '^[0-9a-f]{32}\$'") && [ -n "$seq" ]; do
    [ "$SECONDS" -lt "$deadline" ] || die "the form's report was not published within ${RELEASE_WAIT_S}s (see log/report.log)"
    sleep 0.5
  done
  echo
  echo "The facilitator reads it from the audit log (hcbus audit show $seq): anonymous, no sender."
  hcbus audit show "$seq" || die "hcbus audit show $seq failed"
  sleep "$PAUSE_S"

  echo
  echo "The facilitator asks the reporter a question (hcbus audit ask $seq): it waits in"
  echo "PostgreSQL, and only the receipt leads to it."
  hcbus audit ask "$seq" "$FORM_QUESTION" || die "hcbus audit ask $seq failed"
  page=$(form "$url/recibo") || die "GET $url/recibo failed"
  token=$(input_value token <<<"$page")
  page=$(form --data-urlencode "token=$token" --data-urlencode "recibo=$receipt" "$url/recibo") ||
    die "POST $url/recibo failed"
  grep -qF -- "$FORM_QUESTION" <<<"$page" || die "the receipt $receipt does not open the facilitator's question"
  echo "    the reporter comes back to $url/recibo, types $receipt"
  echo "    and reads: \"$FORM_QUESTION\""
  token=$(input_value token <<<"$page")
  question=$(input_value pregunta <<<"$page")
  [[ $question =~ ^[0-9]+$ ]] || die "the conversation page has no answer form for the question"
  form --data-urlencode "token=$token" --data-urlencode "recibo=$receipt" --data-urlencode "pregunta=$question" \
    --data-urlencode "respuesta=$FORM_ANSWER" "$url/recibo/responder" >/dev/null || die "POST $url/recibo/responder failed"
  echo "    and answers: \"$FORM_ANSWER\""
  echo "    (the answer, too, waits a random delay before it is written: the database's"
  echo "    commit time is then not the moment it was sent. Waiting for it...)"
  deadline=$((SECONDS + RELEASE_WAIT_S))
  until [ "$(psql_value "SELECT count(*) FROM report.answers WHERE question_id = $question")" = 1 ]; do
    [ "$SECONDS" -lt "$deadline" ] || die "the reporter's answer was not written within ${RELEASE_WAIT_S}s (see log/report.log)"
    sleep 0.5
  done
  echo
  echo "The facilitator reads the answer (hcbus audit conversation $seq), still not knowing who:"
  hcbus audit conversation "$seq" || die "hcbus audit conversation $seq failed"
  sleep "$PAUSE_S"
}

form_report

echo
echo "The dispatch as SEM's dispatcher sees it now (hcbus dispatch show $REQUEST): the"
echo "coordinator's verdict under each status, the escort, and the call-out times (NEMSIS"
echo "eTimes, from each status's own time) with the durations between them."
hcbus dispatch show "$REQUEST" --key "$KEYS_DIR/sem.key" || die "hcbus dispatch show $REQUEST failed"

echo
echo "The same request as a facilitator reads it from the audit log (hcbus audit timeline"
echo "$REQUEST, as the reviewer login hcbus_facilitator: decoded, never patient details)."
hcbus audit timeline "$REQUEST" || die "hcbus audit timeline $REQUEST failed"

echo
rows=$(psql_value "SELECT count(*) FROM hcbus.events") || die "could not count the recorded events"
ours=$(psql_value "SELECT count(*) FROM hcbus.events WHERE sender = 'coordinator'") ||
  die "could not count the coordinator's messages"
echo "Done: $STEPS messages published; the audit log (hcbus.events) now holds $rows rows,"
echo "$ours of them hcbus-coordinator's (its escort request, its notices: the advisory, a verdict"
echo "on every status, the zone authority's level reviews after the alerts)."
echo "See them as a facilitator does (decoded, no clinical data; docs/audit.md):"
echo "  hcbus audit list        (filters: --kind alert, --zone \"San Salvador\", --from 2026-11-30 ...)"
echo "or with psql:"
echo "  $REPO_DIR/deploy/pg.sh psql $STATE_DIR/pg -c 'SET ROLE hcbus_reviewer' \\"
echo "    -c 'SELECT seq, sender, kind, subject, summary FROM review.events ORDER BY seq'"
echo "and this dispatch's timeline:"
echo "  $REPO_DIR/deploy/pg.sh psql $STATE_DIR/pg -c 'SET ROLE hcbus_reviewer' \\"
echo "    -c \"SELECT * FROM review.dispatch_timeline WHERE request_id = '$REQUEST'\""
