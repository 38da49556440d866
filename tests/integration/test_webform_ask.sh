#!/usr/bin/env bash
# test_webform_ask.sh — the facilitators' side of hcbus-report's conversation (issue 15;
# docs/audit.md, "Asking anonymous reporters"): alerts published through the real bus
# (an anonymous one by the webform gateway, one by the telephone line, one by the police,
# a dispatch); as hcbus_facilitator (a member of hcbus_reviewer only) `hcbus audit ask`
# records a question and prints its number; `conversation` lists it, as text ("sin
# respuesta todavía") and JSON lines; the answer, written by hcbus-report's own login
# hcbus_report (peer authentication, as deploy/pg.sh allow grants it), appears with its
# day (no time of day anywhere), its line breaks kept and CRs dropped; `photos --out`
# writes SEQ-N.jpg/png with exactly the stored bytes, 0600, refuses to overwrite
# (writing nothing), and holds one photo at a time (five of 8 MiB cost no more memory
# than one); `show` counts photos and questions. Every refusal exits 1 naming
# the seq in Spanish (a dispatch, an identified alert, no such seq, an empty question,
# one over 2000 characters, also from stdin); the facilitator cannot read
# report.mailboxes, report.photos nor report.questions directly, and hcbus_report
# cannot read who asked. Last, with hcbus-report's own pipeline library
# (tests/tools/webform_pipeline): a report with photos, the CLI's question opened with its
# receipt and answered through pipeline_answer, read back and its photos written by the CLI.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"
source "$(dirname "$0")/../lib/audit.sh"
# Characters, not bytes: "${long:1}" below drops one character only in a UTF-8 locale
# (a fresh Debian sets none, and then bash cuts a byte out of "ñ"); C.UTF-8 is always there.
export LC_ALL=C.UTF-8

H="$HC_BIN/services/cli/hcbus"
MEJICANOS=sv.ss.san-salvador-centro.mejicanos
ALERT_ID=5f0c2a9e8d7b6a5f4e3d2c1b0a998877   # as hcbus-report makes them: 32 hex, no prefix
DATE_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}$'

hc_bus_setup
hc_bus_start
hc_audit_allow
"$HC_SRC/deploy/pg.sh" allow "$HC_PGDIR" "$(id -un)" hcbus_report 2>>"$HC_WORK/pg.sh.log" ||
  hc_fail "pg.sh allow hcbus_report failed"
REPORT_CONNINFO=$("$HC_SRC/deploy/pg.sh" conninfo "$HC_PGDIR" hcbus_report)
export HCBUS_BROKER_KEY="$HC_WORK/keys/broker.pub" HCBUS_PUBLISH_ENDPOINT="$HC_PUB_ENDPOINT"

# SQL as hcbus-report's login role.
as_report() { "$HC_PSQL" -XAtq -v ON_ERROR_STOP=1 "$REPORT_CONNINFO" -c "$1"; }
as_facilitator_error() {
  local out
  if out=$("$HC_PSQL" -XAtq -v ON_ERROR_STOP=1 "$HC_AUDIT_CONNINFO" -c "$1" 2>&1); then
    hc_fail "the facilitator could run: $1 (got: $out)"
  fi
  echo "$out"
}
# Publish as WHO; prints the seq the broker gave.
publish_seq() {
  local who=$1 out
  shift
  out=$(HCBUS_KEY="$(hc_key "$who")" "$H" publish "$@") || hc_fail "publish as $who: $out"
  sed -n 's/^published seq=\([0-9]*\) .*/\1/p' <<<"$out"
}
# `hcbus audit ARGS...` must exit 1 and say MESSAGE on stderr.
refused() {
  local message=$1 rc
  shift
  rc=$(hc_audit_rc "$@")
  hc_assert_eq 1 "$rc" "exit 1: hcbus audit $*"
  hc_assert_contains "$(cat "$HC_WORK/audit.err")" "$message" "hcbus audit $*"
}

# ---- what is published ---------------------------------------------------------------
anon=$(publish_seq webform alert --alert-id "$ALERT_ID" --zone "$MEJICANOS" --target personnel \
  --act threat --severity high --anonymous)
phone=$(publish_seq hotline alert --zone "$MEJICANOS" --target facility --act intimidation \
  --severity moderate --anonymous)
named=$(publish_seq pnc alert --zone "$MEJICANOS" --target vehicle --act robbery --severity moderate)
dispatch=$(publish_seq sem dispatch --request-id ASK-1 --zone "$MEJICANOS" --address "Calle 5" \
  --priority urgent --incident-type medical --capability basic)
hc_wait_for "the four messages recorded" 20 hc_sql_at_least "SELECT count(*) FROM hcbus.events" 4
hc_assert_eq "alert||$ALERT_ID" "$(hc_psql "SELECT kind, sender, subject FROM hcbus.events WHERE seq = $anon")" \
  "the webform's alert is recorded without sender, under its alert_id"

# ---- ask --------------------------------------------------------------------------------
out=$(hc_audit ask "$anon" "¿A qué hora pasó, más o menos?") || hc_fail "ask: exit $?"
qid=$(hc_psql "SELECT max(question_id) FROM report.questions")
hc_assert_contains "$out" "pregunta $qid registrada para la alerta anónima seq $anon" "ask prints the question's number"
hc_assert_contains "$out" "cuando vuelva al formulario con su código de recibo" "ask says when the reporter sees it"
hc_assert_contains "$out" "línea telefónica, nadie leerá esta pregunta" "ask warns that other gateways have no receipt"
hc_assert_eq "$anon|$ALERT_ID|hcbus_facilitator|¿A qué hora pasó, más o menos?" \
  "$(hc_psql "SELECT seq, alert_id, asked_by, question FROM report.questions WHERE question_id = $qid")" \
  "the question is stored with its seq, alert_id and who asked"
q2=$(printf '¿Cuántas personas había?\nSi no sabe, escriba «no sé».\n' | hc_audit ask "$anon" - --json) ||
  hc_fail "ask from stdin: exit $?"
hc_assert_eq "$anon" "$(jq -r .seq <<<"$q2")" "ask --json: the seq"
qid2=$(jq -r .question_id <<<"$q2")
hc_assert_eq "$((qid + 1))" "$qid2" "ask --json: the new question's number"
hc_assert_eq "¿Cuántas personas había?
Si no sabe, escriba «no sé»." "$(hc_psql "SELECT question FROM report.questions WHERE question_id = $qid2")" \
  "a question from stdin keeps its line break and loses the final one"
hc_audit ask "$phone" "¿Llamó desde el hospital?" >/dev/null ||
  hc_fail "ask refused the telephone line's anonymous alert (it has no receipt, but it is anonymous)"

# ---- the conversation, unanswered -----------------------------------------------------------
out=$(hc_audit conversation "$anon") || hc_fail "conversation: exit $?"
hc_assert_contains "$out" "seq $anon (alerta anónima $ALERT_ID): 2 preguntas, 0 con respuesta" "conversation's heading"
hc_assert_contains "$out" "pregunta $qid (" "conversation names the question"
hc_assert_contains "$out" ", hcbus_facilitator):
  ¿A qué hora pasó, más o menos?
respuesta: sin respuesta todavía" "the question, then 'sin respuesta todavía'"
hc_assert_contains "$out" "  ¿Cuántas personas había?
  Si no sabe, escriba «no sé»." "a question's lines, each indented"
json=$(hc_audit conversation "$anon" --json) || hc_fail "conversation --json: exit $?"
hc_assert_eq 2 "$(grep -c . <<<"$json")" "conversation --json: one line per question"
hc_assert_eq "$qid|$ALERT_ID|¿A qué hora pasó, más o menos?|null|null" \
  "$(head -1 <<<"$json" | jq -r '[.question_id, .alert_id, .question, (.answer | tostring), (.answered_on | tostring)] | join("|")')" \
  "conversation --json: answer and answered_on null while unanswered"
head -1 <<<"$json" | jq -e --arg re "$DATE_RE" '.asked_on | test($re)' >/dev/null ||
  hc_fail "asked_on is a day, not a time: $json"
hc_assert_contains "$(hc_audit conversation "$named" 2>&1 >/dev/null || true)" "la alerta no es anónima" \
  "conversation of an identified alert is refused"

# ---- the reporter answers (hcbus-report's login) --------------------------------------------
hc_assert_eq "$qid|$ALERT_ID|¿A qué hora pasó, más o menos?" \
  "$(as_report "SELECT question_id, alert_id, question FROM report.questions WHERE alert_id = '$ALERT_ID' ORDER BY question_id LIMIT 1")" \
  "hcbus_report reads the questions of the alert its mailbox names"
hc_assert_contains "$("$HC_PSQL" -XAtq "$REPORT_CONNINFO" -c "SELECT asked_by FROM report.questions" 2>&1 || true)" \
  "permission denied" "hcbus_report cannot read who asked"
as_report "INSERT INTO report.answers (question_id, answered_on, answer)
           VALUES ($qid, (now() AT TIME ZONE 'America/El_Salvador')::date, E'Como a las nueve.\r\nEstaba oscuro.')" ||
  hc_fail "hcbus_report could not answer"
out=$(hc_audit conversation "$anon") || hc_fail "conversation after the answer: exit $?"
hc_assert_contains "$out" "2 preguntas, 1 con respuesta" "the heading counts the answer"
hc_assert_contains "$out" "  ¿A qué hora pasó, más o menos?
respuesta ($(hc_psql "SELECT to_char((now() AT TIME ZONE 'America/El_Salvador')::date, 'YYYY-MM-DD')")):
  Como a las nueve.
  Estaba oscuro." "the answer under its question, with its day, CR LF as a line break"
hc_assert_contains "$out" "respuesta: sin respuesta todavía" "the other question is still unanswered"
json=$(hc_audit conversation "$anon" --json) || hc_fail "conversation --json after the answer"
hc_assert_eq $'Como a las nueve.\r\nEstaba oscuro.' "$(head -1 <<<"$json" | jq -r .answer)" "JSON gives the answer as stored"
head -1 <<<"$json" | jq -e --arg re "$DATE_RE" '.answered_on | test($re)' >/dev/null ||
  hc_fail "answered_on is a day, not a time: $json"
hc_assert_eq "question_id,seq" "$(hc_audit conversation "$anon" --csv | head -1 | tr ',' '\n' | grep -E '^(seq|question_id)$' | sort | paste -sd,)" \
  "conversation --csv has a header row"

# ---- photos ---------------------------------------------------------------------------------
python3 -c 'import os, sys; sys.stdout.buffer.write(b"\xff\xd8\xff\xdb" + os.urandom(40000) + b"\xff\xd9")' >"$HC_WORK/one.jpg"
python3 -c 'import os, sys; sys.stdout.buffer.write(b"\x89PNG\r\n\x1a\n" + os.urandom(3000))' >"$HC_WORK/two.png"
hex() { od -An -v -tx1 "$1" | tr -d ' \n'; }
as_report "INSERT INTO report.photos (alert_id, n, content_type, bytes) VALUES
             ('$ALERT_ID', 1, 'image/jpeg', decode('$(hex "$HC_WORK/one.jpg")', 'hex')),
             ('$ALERT_ID', 2, 'image/png', decode('$(hex "$HC_WORK/two.png")', 'hex'))" ||
  hc_fail "hcbus_report could not store the photos"
hc_assert_contains "$("$HC_PSQL" -XAtq "$REPORT_CONNINFO" -c "SELECT count(*) FROM report.photos" 2>&1 || true)" \
  "permission denied" "hcbus_report cannot read the photos back"
out=$(hc_audit photos "$anon" --out "$HC_WORK/fotos") || hc_fail "photos: exit $?"
hc_assert_contains "$out" "2 fotos de la alerta anónima seq $anon escritas en $HC_WORK/fotos" "photos says how many"
cmp "$HC_WORK/one.jpg" "$HC_WORK/fotos/$anon-1.jpg" || hc_fail "$anon-1.jpg differs from the stored JPEG"
cmp "$HC_WORK/two.png" "$HC_WORK/fotos/$anon-2.png" || hc_fail "$anon-2.png differs from the stored PNG"
hc_assert_eq "600 600 700" "$(stat -c %a "$HC_WORK/fotos/$anon-1.jpg" "$HC_WORK/fotos/$anon-2.png" "$HC_WORK/fotos" | paste -sd' ')" \
  "the photos and the directory made for them are the owner's only"
refused "$HC_WORK/fotos/$anon-1.jpg: ya existe: no se sobrescribe" photos "$anon" --out "$HC_WORK/fotos"
cmp "$HC_WORK/one.jpg" "$HC_WORK/fotos/$anon-1.jpg" || hc_fail "a refused second run changed $anon-1.jpg"
mkdir "$HC_WORK/half" && echo keep >"$HC_WORK/half/$anon-2.png"
refused "$anon-2.png: ya existe" photos "$anon" --out "$HC_WORK/half"
hc_assert_eq "$anon-2.png" "$(ls "$HC_WORK/half")" "a refused run writes nothing, not even the free names"
hc_assert_eq keep "$(cat "$HC_WORK/half/$anon-2.png")" "the existing file is untouched"
out=$(hc_audit photos "$phone" --out "$HC_WORK/none") || hc_fail "photos of an alert without photos: exit $?"
hc_assert_contains "$out" "no tiene fotos" "an anonymous alert without photos writes nothing and says so"
[ ! -e "$HC_WORK/none" ] || hc_fail "photos made a directory for no photo"
refused "seq $named: la alerta no es anónima, la envió la institución pnc" photos "$named" --out "$HC_WORK/x"

# ---- show counts them -----------------------------------------------------------------------
out=$(hc_audit show "$anon") || hc_fail "show: exit $?"
hc_assert_contains "$out" "reporter       photos 2, questions 2 (answered 1)" "show counts the report's photos and questions"
hc_assert_eq "2|2|1" "$(hc_audit show "$anon" --json | jq -r '[.photos, .questions, .answered] | join("|")')" \
  "show --json counts them too"
hc_assert_eq "0" "$(hc_audit show "$named" | grep -c '^reporter ' || true)" "an identified alert has no such line"

# ---- every refusal ---------------------------------------------------------------------------
refused "seq $dispatch: es un mensaje de tipo dispatch, no una alerta" ask "$dispatch" "¿hola?"
refused "seq $named: la alerta no es anónima, la envió la institución pnc" ask "$named" "¿hola?"
refused "seq 999999: no hay ningún mensaje con ese seq en el registro" ask 999999 "¿hola?"
refused "seq $anon: la pregunta está vacía" ask "$anon" ""
refused "seq $anon: la pregunta está vacía" ask "$anon" "   "
long=$(printf 'ñ%.0s' $(seq 2001))
refused "seq $anon: la pregunta tiene 2001 caracteres; el máximo es 2000" ask "$anon" "$long"
hc_audit ask "$anon" "${long:1}" >/dev/null || hc_fail "a question of exactly 2000 characters was refused"
rc=0
printf 'x%.0s' $(seq 8003) | HCBUS_AUDIT_DB=$HC_AUDIT_CONNINFO "$H" audit ask "$anon" - >/dev/null 2>"$HC_WORK/audit.err" || rc=$?
hc_assert_eq 1 "$rc" "a question over the limit on stdin exits 1"
hc_assert_contains "$(cat "$HC_WORK/audit.err")" "seq $anon: la pregunta (de la entrada estándar) tiene más de 2000" \
  "a question over the limit on stdin is refused before the database"
refused "seq $dispatch: es un mensaje de tipo dispatch" conversation "$dispatch"
refused "seq 999999: no hay ningún mensaje" conversation 999999
hc_assert_eq 2 "$(hc_audit_rc ask "$anon")" "ask without a question is a usage error"
hc_assert_eq 2 "$(hc_audit_rc photos "$anon")" "photos without --out is a usage error"
hc_assert_eq 2 "$(hc_audit_rc conversation abc)" "a SEQ that is not a number is a usage error"
hc_assert_eq 4 "$(hc_psql "SELECT count(*) FROM report.questions")" "refused questions stored nothing"

# ---- with hcbus-report's own pipeline (tests/tools/webform_pipeline) ------------------------
# A report with two photos submitted through the pipeline library: the CLI asks, the reporter
# opens the receipt and answers through pipeline_answer, the CLI reads the answer and writes
# the photos the pipeline stored.
TOOL="$HC_BIN/tests/webform_pipeline"
head -c 32 /dev/urandom >"$HC_WORK/keys/report.secret"
chmod 0600 "$HC_WORK/keys/report.secret"
PIPE=(--config "$HC_WORK/hcbus.conf" --secret "$HC_WORK/keys/report.secret" --conninfo "$REPORT_CONNINFO" --hash-kib 8192)
echo "submit $MEJICANOS ACT_THREAT 2 Nos amenazaron en la entrada" >"$HC_WORK/pipeline.in"
mailboxes=$(hc_psql "SELECT count(*) FROM report.mailboxes")
hc_start_bg pipeline bash -c 'exec "$@" <"$0"' "$HC_WORK/pipeline.in" "$TOOL" serve "${PIPE[@]}" --delay-min 0 --delay-max 1
hc_wait_for "the report submitted" 30 grep -q '^submitted ' "$HC_WORK/pipeline.log"
receipt=$(sed -n 's/^submitted \([^ ]*\) .*/\1/p' "$HC_WORK/pipeline.log")
hc_wait_for "its mailbox stored" 30 hc_sql_at_least "SELECT count(*) FROM report.mailboxes" $((mailboxes + 1))
hc_kill pipeline TERM
form=$(hc_psql "SELECT e.seq FROM hcbus.events e JOIN report.photos p ON p.alert_id = e.subject
                WHERE e.kind = 'alert' AND e.sender = '' AND p.n = 2 AND e.seq <> $anon")
[ -n "$form" ] || hc_fail "no anonymous alert with the pipeline's photos"
out=$(hc_audit ask "$form" "¿Cuántos eran?") || hc_fail "ask about the pipeline's report: exit $?"
pq=$(sed -n 's/^pregunta \([0-9]*\) registrada.*/\1/p' <<<"$out")
hc_assert_contains "$("$TOOL" open "$receipt" "${PIPE[@]}")" "question $pq $(TZ=America/El_Salvador date +%F) - ¿Cuántos eran?" \
  "the receipt opens the report with the CLI's question"
hc_assert_eq answered "$("$TOOL" answer "$receipt" "$pq" 'Eran tres, en una moto' "${PIPE[@]}")" \
  "the reporter answers through the pipeline"
out=$(hc_audit conversation "$form") || hc_fail "conversation of the pipeline's report: exit $?"
hc_assert_contains "$out" "  ¿Cuántos eran?
respuesta ($(TZ=America/El_Salvador date +%F)):
  Eran tres, en una moto" "the CLI reads the pipeline's answer"
out=$(hc_audit photos "$form" --out "$HC_WORK/form") || hc_fail "photos of the pipeline's report: exit $?"
hc_assert_contains "$out" "2 fotos de la alerta anónima seq $form" "the pipeline's two photos"
hc_assert_eq "$(hc_psql "SELECT encode(bytes, 'hex') FROM report.photos p JOIN hcbus.events e ON e.subject = p.alert_id
                         WHERE e.seq = $form AND p.n = 1")" "$(od -An -v -tx1 "$HC_WORK/form/$form-1.jpg" | tr -d ' \n')" \
  "the file holds the photo the pipeline stored"

# ---- photos one at a time: memory holds one photo, whatever their number --------------------
# Five photos of 8 MiB (the largest max_photos x max_photo_bytes) against one.
PHOTO_BYTES=8388608
RSS_GROWTH_MAX_KB=8192   # what four more photos may add to the peak: less than one photo
one=$(publish_seq webform alert --zone "$MEJICANOS" --target facility --act looting --severity low --anonymous)
five=$(publish_seq webform alert --zone "$MEJICANOS" --target facility --act looting --severity low --anonymous)
for pair in "$one:1" "$five:5"; do
  hc_psql "INSERT INTO report.photos (alert_id, n, content_type, bytes)
           SELECT subject, n, 'image/jpeg', convert_to(repeat(chr(64 + n), $PHOTO_BYTES), 'UTF8')
           FROM hcbus.events, generate_series(1, ${pair#*:}) n WHERE seq = ${pair%%:*}" >/dev/null ||
    hc_fail "inserting ${pair#*:} big photos"
done
# ASan keeps freed memory in quarantine (256 MB by default) and would count it as ours.
for pair in "$one:one" "$five:five"; do
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1" HCBUS_AUDIT_DB=$HC_AUDIT_CONNINFO \
    "$HC_BIN/tests/max_rss" "$HC_WORK/${pair#*:}.rss" "$H" audit photos "${pair%%:*}" --out "$HC_WORK/big-${pair#*:}" \
    >/dev/null || hc_fail "photos of the alert with ${pair#*:} big photos"
done
hc_assert_eq "$PHOTO_BYTES $PHOTO_BYTES" "$(stat -c %s "$HC_WORK/big-five/$five-1.jpg" "$HC_WORK/big-five/$five-5.jpg" | paste -sd' ')" \
  "the big photos are written whole"
hc_assert_eq EEEE "$(head -c 4 "$HC_WORK/big-five/$five-5.jpg")" "each file holds its own photo"
one_kb=$(cat "$HC_WORK/one.rss")
five_kb=$(cat "$HC_WORK/five.rss")
hc_log "FIGURE photos peak RSS (ASan build): $one_kb kB for one 8 MiB photo, $five_kb kB for five"
[ $((five_kb - one_kb)) -le "$RSS_GROWTH_MAX_KB" ] ||
  hc_fail "photos' peak RSS grew by $((five_kb - one_kb)) kB from one photo to five (bound $RSS_GROWTH_MAX_KB kB)"

# ---- what the facilitator cannot read -------------------------------------------------------
for table in mailboxes photos questions answers; do
  hc_assert_contains "$(as_facilitator_error "SELECT count(*) FROM report.$table")" "permission denied" \
    "the facilitator cannot SELECT report.$table"
done
hc_assert_contains "$(as_facilitator_error "INSERT INTO report.questions (seq, alert_id, asked_by, question)
                                            VALUES ($named, 'x', 'x', 'x')")" "permission denied" \
  "the facilitator cannot bypass ask_reporter"
hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM information_schema.columns
                          WHERE table_schema = 'report' AND data_type LIKE 'time%'")" "no time of day in schema report"

hc_pass
