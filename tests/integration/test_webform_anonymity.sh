#!/usr/bin/env bash
# test_webform_anonymity.sh — issue 15's "no identity, anywhere", against the real
# hcbus-report, broker, auditd, coordinator and PostgreSQL over TCP. Two reports go
# through the whole form with curl (one with a photo whose EXIF names an artist and a
# GPS position) from the distinctive loopback address 127.23.45.67, with a distinctive
# User-Agent, Referer and X-Forwarded-For / X-Real-IP / Forwarded headers; a facilitator
# asks a question; the reporter opens the receipt (as shown, then typed in lower case with
# spaces) and answers it the same way (twice: the second time is refused). PostgreSQL's
# statement log is on for the whole cluster, as a DBA might leave it: hcbus-report's
# sessions log nothing (migration 013), and hcbus-report wrote no line while a reporter's
# request was served (a line's time would date the visit). Then every file of the test's work dir (every
# service's log, PostgreSQL's log, its data files) and a pg_dumpall of the cluster (data,
# every schema, roles) are searched for the address (dotted, integer, hex), the forwarded
# addresses, the user agent, the referer and both receipts (as shown and normalized), also
# hex-encoded where bytea would hold them: nothing. The logs hold neither the report's
# text nor the answer; the stored photo not its artist. Also: no response set a cookie;
# pages showing a receipt are not cached; each alert was received by the broker at least
# release_delay_min_s after its HTTP request started (sent_at and committed_at too), and
# so was the answer (absent from report.answers right after its POST, shown as pending
# on the page, its commit in PostgreSQL's WAL at least release_delay_min_s later);
# occurred_at is a day's 00:00 in El Salvador; events.sender is empty; no column of
# schema report (nor the reviewer's report views) holds a time of day; no mailbox holds
# its alert_id in the clear.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"
source "$(dirname "$0")/../lib/audit.sh"
source "$(dirname "$0")/../lib/report.sh"

RC_FROM=127.23.45.67
RC_FROM_INT=2132225347                 # 127·2^24 + 23·2^16 + 45·2^8 + 67
RC_FROM_HEX=7f172d43                   # network order
RC_FROM_HEX_LE=432d177f                # host order on this machine
RC_UA="Mozilla/5.0 (Linux; Android 9; Zorblax-7Q3) HcbusAnonTest/41.7"
RC_REFERER="https://zorblax-referer.example/pagina-secreta-4417?quien=enfermera"
RC_XFF="198.51.100.73, 203.0.113.88"
source "$(dirname "$0")/../lib/report_client.sh"

RELEASE_MIN_S=1
RELEASE_MAX_S=2
RELATO="Nos amenazaron en la entrada de la unidad. marca-relato-QX81"
ANSWER="Eran tres hombres en una moto. marca-respuesta-VW26"
ARTIST="zorblax-artista-KP55"
QUESTION="¿Cuántas personas eran?"
PG_BIN=/usr/lib/postgresql/15/bin

# auditd's timed checkpoints off: no line of its own may fall in a request's window.
HC_CHECKPOINT_EVERY_S=0
hc_bus_setup
# The operator turned on PostgreSQL's statement log for the whole cluster (as a DBA does
# to find a slow query): hcbus-report's sessions still log nothing (migration 013).
hc_psql "ALTER SYSTEM SET log_min_duration_statement = 0" && hc_psql "SELECT pg_reload_conf()" >/dev/null
hc_bus_start
hc_coordinator_start
hc_coordinator_wait_caught_up
hc_report_setup "release_delay_min_s = $RELEASE_MIN_S; release_delay_max_s = $RELEASE_MAX_S;"
hc_report_start
hc_report_wait_ready
hc_audit_allow
rc_setup
rc_photo "$RC_DIR/photo.jpg" "$ARTIST"
exiftool -q -Artist -s3 "$RC_DIR/photo.jpg" | grep -q "$ARTIST" || hc_fail "the test photo carries no Artist"

# --- the reporter's visits ------------------------------------------------------------
hc_assert_eq 200 "$(rc_get home /)" "GET / answered"
hc_assert_eq 200 "$(rc_get style /estilo.css)" "GET /estilo.css answered"
hc_assert_eq 200 "$(rc_get receipt-entry /recibo)" "GET /recibo answered"

# One report at a time, each released and stored (and logged so) before the next is
# sent, so that no release's log line falls in the next request's time window (below).
stored() { # N: N mailboxes stored and hcbus-report's N lines saying so
  hc_sql_at_least "SELECT count(*) FROM report.mailboxes" "$1" && hc_lines_at_least "$HC_WORK/report.log" 'guardado' "$1"
}
receipt1=$(rc_report r1 SS Soyapango threat "$RELATO" "$RC_DIR/photo.jpg")
hc_wait_for "the first report released and stored" $((RELEASE_MAX_S + 30)) stored 1
receipt2=$(rc_report r2 SM "San Miguel" intimidation "$RELATO")
hc_wait_for "the second report released and stored" $((RELEASE_MAX_S + 30)) stored 2
hc_log "receipts $receipt1 and $receipt2"
[ "$receipt1" != "$receipt2" ] || hc_fail "two reports got the same receipt"
hc_assert_eq 2 "$(hc_psql "SELECT count(*) FROM hcbus.events WHERE kind = 'alert'")" "two alerts, no more"

# --- timing: the broker's time is the release, not the request ------------------------
# An alert's received_at (the broker's received_at_us), sent_at and committed_at, less
# the start of its POST /reporte/enviar, in µs; the act tells the two alerts apart.
alert_delays() { # ACT START_US
  hc_psql "SELECT (extract(epoch FROM received_at) * 1000000)::bigint - $2,
                  coalesce((extract(epoch FROM sent_at) * 1000000)::bigint - $2, 9223372036854775807),
                  (extract(epoch FROM committed_at) * 1000000)::bigint - $2
           FROM hcbus.events WHERE kind = 'alert' AND summary->>'act' = '$1'"
}
check_delay() { # NAME ACT
  local start_us end_us row received sent committed
  { read -r start_us; read -r end_us; } <"$RC_DIR/$1-sent.window"
  row=$(alert_delays "$2" "$start_us")
  [ -n "$row" ] || hc_fail "$1: no alert with act $2 (summaries: $(hc_psql "SELECT summary FROM hcbus.events WHERE kind = 'alert'"))"
  IFS='|' read -r received sent committed <<<"$row"
  hc_log "FIGURE $1: received_at is $(((received - (end_us - start_us)) / 1000)) ms after its POST was answered (delay $RELEASE_MIN_S..$RELEASE_MAX_S s)"
  HC_CHECKS=$((HC_CHECKS + 3))
  [ "$received" -ge $((RELEASE_MIN_S * 1000000)) ] ||
    hc_fail "$1: received_at only $((received / 1000)) ms after the request: not delayed by release_delay_min_s"
  [ "$sent" -ge $((RELEASE_MIN_S * 1000000)) ] ||
    hc_fail "$1: sent_at only $((sent / 1000)) ms after the request: the envelope carries the request's time"
  [ "$committed" -ge $((RELEASE_MIN_S * 1000000)) ] ||
    hc_fail "$1: committed_at only $((committed / 1000)) ms after the request"
}
check_delay r1 threat
check_delay r2 intimidation

hc_assert_eq "2|0|0" "$(hc_psql "SELECT count(*), count(*) FILTER (WHERE sender <> ''),
    count(*) FILTER (WHERE (review.summary_time(summary->>'occurred_at_us') AT TIME ZONE 'America/El_Salvador')::time <> '00:00')
  FROM hcbus.events WHERE kind = 'alert'")" "alerts: empty sender, occurred_at a day's 00:00 in El Salvador"
hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM hcbus.events WHERE kind = 'alert'
                             AND (subject !~ '^[0-9a-f]{32}$' OR msg_id !~ '^[0-9a-f]{32}$')")" \
  "alert_id and msg_id are 32 lowercase hex digits (no prefix naming the gateway)"

# --- the conversation: a facilitator asks, the reporter answers -----------------------
seq1=$(hc_psql "SELECT seq FROM hcbus.events WHERE kind = 'alert' AND summary->>'act' = 'threat'")
# As the facilitator (hcbus_facilitator, a reviewer), through what `hcbus audit ask` calls.
as_facilitator() { "$HC_PSQL" -XAtq -v ON_ERROR_STOP=1 "$HC_AUDIT_CONNINFO" -c "$1"; }
as_facilitator "SELECT review.ask_reporter($seq1, '$QUESTION')" >/dev/null || hc_fail "review.ask_reporter($seq1) failed"

hc_assert_eq 200 "$(rc_get receipt-form /recibo)" "GET /recibo answered"
token=$(rc_input "$RC_DIR/receipt-form.html" token)
hc_assert_eq 200 "$(rc_timed thread1 rc_post thread1 /recibo token="$token" recibo="$receipt1" lang=es)" \
  "the receipt as shown opens"
grep -q "Cuántas personas" "$RC_DIR/thread1.html" || hc_fail "the question is not on the receipt's page"
question_id=$(rc_input "$RC_DIR/thread1.html" pregunta)
[ -n "$question_id" ] || hc_fail "no answer form (input pregunta) on the receipt's page"
token=$(rc_input "$RC_DIR/thread1.html" token)
hidden_receipt=$(rc_input "$RC_DIR/thread1.html" recibo)
hc_assert_eq 200 "$(rc_timed answered rc_post answered /recibo/responder token="$token" recibo="${hidden_receipt:-$receipt1}" \
  pregunta="$question_id" respuesta="$ANSWER" lang=es)" "the answer accepted"
grep -q "marca-respuesta-VW26" "$RC_DIR/answered.html" || hc_fail "the answer is not on the page after answering"
# The answer is held for its release, as a report is (decision 0021): not in
# report.answers before release_delay_min_s has passed since its POST, and the page says
# it is on its way. Asserted for what was seen before that bound (a slower machine
# only logs that it looked too late).
{ read -r answer_start_us; read -r answer_end_us; } <"$RC_DIR/answered.window"
answer_bound_us=$((answer_start_us + RELEASE_MIN_S * 1000000))
IFS='|' read -r answers_seen seen_us <<<"$(hc_psql "SELECT count(*), (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
    FROM report.answers")"
if [ "$seen_us" -lt "$answer_bound_us" ]; then
  hc_assert_eq 0 "$answers_seen" "right after its POST the answer is not in report.answers (held until its release)"
else
  hc_log "report.answers looked at $(((seen_us - answer_start_us) / 1000)) ms after the POST: too late to see it absent"
fi
if [ "$answer_end_us" -lt "$answer_bound_us" ]; then
  grep -q "Su respuesta llegará a los facilitadores en " "$RC_DIR/answered.html" ||
    hc_fail "the page after answering does not show the answer as pending"
  grep -q "Su respuesta del " "$RC_DIR/answered.html" && hc_fail "the page after answering dates the answer as stored"
  HC_CHECKS=$((HC_CHECKS + 2))
else
  hc_log "the answer's POST took $(((answer_end_us - answer_start_us) / 1000)) ms: its page not checked for 'pending'"
fi
# Released and stored (and logged so) before the next request, as the reports were.
answer_stored() {
  hc_sql_at_least "SELECT count(*) FROM report.answers" 1 && hc_lines_at_least "$HC_WORK/report.log" 'respuesta guardada' 1
}
hc_wait_for "the answer released and stored" $((RELEASE_MAX_S + 30)) answer_stored
# The reporter sends the same form again (the back button, a double tap): refused with a
# page, and (below) nothing logged at that moment either.
hc_assert_eq 200 "$(rc_timed answered-again rc_post answered-again /recibo/responder token="$token" \
  recibo="${hidden_receipt:-$receipt1}" pregunta="$question_id" respuesta="$ANSWER" lang=es)" "the answer sent twice: a page"
hc_assert_eq 1 "$(hc_psql "SELECT count(*) FROM report.answers")" "one answer stored"
hc_assert_eq "$ANSWER" "$(as_facilitator "SELECT answer FROM review.report_conversation WHERE seq = $seq1")" \
  "the facilitator reads the answer"

# The second receipt as a reporter might type it: lower case, spaces instead of dashes.
typed2=$(echo "$receipt2" | tr 'A-Z-' 'a-z ')
token=$(rc_input "$RC_DIR/thread1.html" token)
hc_assert_eq 200 "$(rc_timed thread2 rc_post thread2 /recibo token="$token" recibo="$typed2" lang=es)" \
  "the typed receipt opens"
grep -q "marca-respuesta-VW26" "$RC_DIR/thread2.html" && hc_fail "receipt 2 shows receipt 1's conversation"

# --- no log line at the moment of a request ---------------------------------------------
# Each request's window (its start to 300 ms after its answer): hcbus-report wrote no line
# then (a line's time would date the reporter's visit), and PostgreSQL none for its
# sessions, ever. The broker, auditd and the coordinator never see a request, only
# releases (and PostgreSQL logs checkpoints on its own clock): their lines are not
# compared, the release times are checked above.
lines_in_windows() { # LOG...: the lines whose time falls in a window
  "$RC_PY" - "$RC_DIR" "$@" <<'PY'
import datetime, glob, os, re, sys
windows = []
for path in glob.glob(os.path.join(sys.argv[1], "*.window")):
    start, end = (int(x) for x in open(path).read().split()[:2])
    windows.append((start, end + 300000, os.path.basename(path)))
stamp = re.compile(r"^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(\.\d+)?")
for log in sys.argv[2:]:
    for line in open(log, errors="replace"):
        m = stamp.match(line)
        if not m:
            continue
        t = datetime.datetime.strptime(m.group(1) + " " + m.group(2), "%Y-%m-%d %H:%M:%S")
        us = int(t.replace(tzinfo=datetime.timezone.utc).timestamp()) * 1000000
        if m.group(3):
            us += int((m.group(3)[1:] + "000000")[:6])
        for start, end, name in windows:
            if start <= us <= end:
                print(f"{os.path.basename(log)} during {name}: {line.rstrip()}")
PY
}
hc_assert_eq 6 "$(find "$RC_DIR" -name '*.window' | wc -l)" "six requests timed"
grep -q 'hcbus_auditd@hcbus LOG:  duration: ' "$HC_PGDIR/postgresql.log" ||
  hc_fail "PostgreSQL logs no statement: the operator's statement log is not on, the check below proves nothing"
hc_assert_eq "" "$(grep 'hcbus_report@' "$HC_PGDIR/postgresql.log" | head -n 3)" \
  "PostgreSQL logged nothing of hcbus-report's sessions (migration 013)"
hc_assert_eq "" "$(lines_in_windows "$HC_WORK/report.log")" "hcbus-report logged nothing while a reporter's request was served"

# PostgreSQL's write-ahead log keeps each transaction's commit time (pg_waldump reads
# it; WAL archives and backups keep it). The mailbox, the photos and the answer are all
# written at their release: the answer's commit record is at least release_delay_min_s
# after its POST started (its xmin orders it among releases, not among requests).
answer_xid=$(hc_psql "SELECT xmin FROM report.answers")
first_wal=$(find "$HC_PGDIR/data/pg_wal" -maxdepth 1 -regextype egrep -regex '.*/[0-9A-F]{24}' -printf '%f\n' | sort | head -n 1)
answer_commit=$("$PG_BIN/pg_waldump" -p "$HC_PGDIR/data/pg_wal" "$first_wal" 2>/dev/null |
  grep -E "tx: +$answer_xid, .*desc: COMMIT" | sed -E 's/.*desc: COMMIT ([0-9-]+ [0-9:.]+ UTC).*/\1/' | head -n 1 || true)
[ -n "$answer_commit" ] || hc_fail "pg_waldump shows no commit of the answer's transaction $answer_xid"
commit_us=$(date -d "$answer_commit" +%s%6N)
hc_log "FIGURE the answer's commit time in PostgreSQL's WAL is $(((commit_us - answer_start_us) / 1000)) ms after its POST started (request took $(((answer_end_us - answer_start_us) / 1000)) ms; delay $RELEASE_MIN_S..$RELEASE_MAX_S s)"
[ "$commit_us" -ge "$answer_bound_us" ] ||
  hc_fail "the answer's commit is only $(((commit_us - answer_start_us) / 1000)) ms after its POST: not delayed by release_delay_min_s"
HC_CHECKS=$((HC_CHECKS + 2))

# --- headers ------------------------------------------------------------------------
responses=$(find "$RC_DIR" -name '*.h' | wc -l)
[ "$responses" -ge 10 ] || hc_fail "only $responses responses kept"
cookies=$(grep -il '^set-cookie' "$RC_DIR"/*.h || true)
hc_assert_eq "" "$cookies" "no response of $responses sets a cookie"
for page in r1-sent r2-sent thread1 thread2 answered; do
  hc_assert_contains "$(rc_header "$RC_DIR/$page.h" Cache-Control)" no-store "$page (shows a receipt) is not cached"
  hc_assert_eq no-referrer "$(rc_header "$RC_DIR/$page.h" Referrer-Policy)" "$page: Referrer-Policy"
done

# --- schema report: days, never times; mailboxes sealed ------------------------------
hc_assert_eq 4 "$(hc_psql "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'report'
                             AND table_name IN ('mailboxes', 'photos', 'questions', 'answers')")" "schema report's four tables"
hc_assert_eq "" "$(hc_psql "SELECT string_agg(table_schema || '.' || table_name || '.' || column_name || ' ' || data_type, ', ')
  FROM information_schema.columns
  WHERE (table_schema = 'report' OR (table_schema = 'review' AND table_name LIKE 'report%'))
    AND (data_type LIKE 'time%' OR data_type = 'interval' OR data_type LIKE 'abstime%')")" \
  "no column of schema report (or the report views) holds a time of day"
hc_assert_eq "2|0" "$(hc_psql "SELECT count(*), count(*) FILTER (WHERE length(lookup) <> 32) FROM report.mailboxes")" \
  "two mailboxes, 32-byte lookups"
hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM report.mailboxes m, hcbus.events e
                             WHERE e.kind = 'alert' AND (position(convert_to(e.subject, 'UTF8') IN m.box) > 0
                                                         OR position(convert_to(e.zone_id, 'UTF8') IN m.box) > 0)")" \
  "no mailbox holds its alert_id or zone in the clear"
hc_assert_eq 1 "$(hc_psql "SELECT count(*) FROM report.photos")" "the photo stored"
mkdir -p "$HC_WORK/dump"
hc_psql "SELECT encode(bytes, 'base64') FROM report.photos" | base64 -d >"$HC_WORK/dump/stored.jpg"
hc_assert_eq "" "$(exiftool -q -q -s -EXIF:all -GPS:all -XMP:all -IPTC:all -Comment "$HC_WORK/dump/stored.jpg")" \
  "exiftool finds no EXIF, GPS, XMP, IPTC or comment in the stored photo"

# Stop every service (what they print at a stop is searched too), keep PostgreSQL.
hc_report_stop
hc_coordinator_stop
hc_kill broker TERM
hc_kill auditd TERM

# --- the search -----------------------------------------------------------------------
DUMP=$HC_WORK/dump
mkdir -p "$DUMP"
"$PG_BIN/pg_dumpall" -d "$HC_CONNINFO" -f "$DUMP/cluster.sql" 2>"$DUMP/pg_dumpall.err" ||
  hc_fail "pg_dumpall failed: $(cat "$DUMP/pg_dumpall.err")"
dump_bytes=$(wc -c <"$DUMP/cluster.sql")
grep -q 'COPY report.mailboxes' "$DUMP/cluster.sql" || hc_fail "the dump has no report.mailboxes"
grep -q 'COPY hcbus.events' "$DUMP/cluster.sql" || hc_fail "the dump has no hcbus.events"

hex_of() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
normalized() { echo "$1" | tr -d '-'; }

# What must be nowhere, as text (case-insensitive) and as bytea would hold it.
secrets=("$RC_FROM" "$RC_FROM_INT" "198.51.100.73" "203.0.113.88" "$RC_UA" "Zorblax-7Q3" "HcbusAnonTest"
  "$RC_REFERER" "zorblax-referer" "pagina-secreta-4417" "$receipt1" "$(normalized "$receipt1")"
  "$receipt2" "$(normalized "$receipt2")" "$ARTIST")
# Also in no log of a service (the database holds them, as it should; PostgreSQL's log
# shows auditd's statements, the report's text among them, at the release: the
# operator's choice above).
content=("marca-relato-QX81" "marca-respuesta-VW26")

# Files: everything under the work dir but the client's side and the dump; PostgreSQL's
# data files too, as bytes (a deleted row or a WAL record would still be found), though
# not for the report's text and answer, which the database holds as it should.
search() { # FILE_LIST_NAME STRING...: prints "'STRING' in: FILES" for every hit
  local -n _list=$1
  shift
  local s hits
  printf '%s\n' "$@" >"$DUMP/patterns"
  LC_ALL=C grep -qaiF -f "$DUMP/patterns" "${_list[@]}" 2>/dev/null || return 0
  for s in "$@"; do
    hits=$(LC_ALL=C grep -laiF -- "$s" "${_list[@]}" 2>/dev/null | tr '\n' ' ' || true)
    [ -z "$hits" ] || echo "'$s' in: $hits"
  done
}
mapfile -t files < <(find "$HC_WORK" -type f ! -path "$RC_DIR/*" ! -path "$DUMP/*" ! -path "$HC_PGDIR/data/*")
mapfile -t data_files < <(find "$HC_PGDIR/data" -type f)
log_files=$(printf '%s\n' "${files[@]}" | grep -c '\.log' || true)
[ "$log_files" -ge 5 ] || hc_fail "only $log_files log files found: $(printf '%s ' "${files[@]}")"
for log in report broker auditd coordinator pg/postgresql; do
  [ -s "$HC_WORK/$log.log" ] || hc_fail "$log.log is missing or empty: the search would prove nothing"
done
mapfile -t service_logs < <(printf '%s\n' "${files[@]}" | grep -v '/pg/postgresql\.log$')
found=$(search files "${secrets[@]}" "$RC_FROM_HEX" "$RC_FROM_HEX_LE")
found+=$(search service_logs "${content[@]}")
found+=$(search data_files "${secrets[@]}")
HC_CHECKS=$((HC_CHECKS + 1))
[ -z "$found" ] || hc_fail "identity found in the work dir's files:"$'\n'"$found"

# The dump: as text, then hex-encoded (bytea), then the address's 4 bytes as hex outside
# bytea literals (inside them 8 random hex digits could match by chance).
for s in "${secrets[@]}"; do
  grep -qiF -- "$s" "$DUMP/cluster.sql" && found+="'$s' in the dump: $(grep -iF -m1 -- "$s" "$DUMP/cluster.sql" | cut -c1-300)"$'\n'
  grep -qiF -- "$(hex_of "$s")" "$DUMP/cluster.sql" && found+="'$s' hex-encoded in the dump"$'\n'
done
sed -E 's/\\\\x[0-9a-fA-F]+//g' "$DUMP/cluster.sql" >"$DUMP/no-bytea.sql"
for s in "$RC_FROM_HEX" "$RC_FROM_HEX_LE"; do
  grep -qiF -- "$s" "$DUMP/no-bytea.sql" && found+="'$s' in the dump: $(grep -iF -m1 -- "$s" "$DUMP/no-bytea.sql" | cut -c1-300)"$'\n'
done
HC_CHECKS=$((HC_CHECKS + 1))
[ -z "$found" ] || hc_fail "identity found in the database:"$'\n'"$found"
# Sanity: the search does find what is there (the report's text is in the payload).
grep -qiF -- "$(hex_of marca-relato-QX81)" "$DUMP/cluster.sql" ||
  hc_fail "the report's text is not in the dump as hex: the search cannot be trusted"
hc_log "FIGURE searched ${#files[@]} files ($log_files logs) and a $((dump_bytes / 1024)) KiB dump for ${#secrets[@]} identity strings: none found"
hc_pass
