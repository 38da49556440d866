#!/usr/bin/env bash
# test_webform_abuse.sh — issue 15's "abuse without identity", against the real
# hcbus-report, broker, auditd and PostgreSQL, every hostile client over TCP
# (tests/lib/report_hostile.py and curl, from loopback addresses of their own):
#  1. floods of POSTs without a token and with forged ones (right shape with a random MAC,
#     future and ancient buckets, wrong length, not base64url, 3000 bytes), on every POST
#     route: each answered with an HTML page, no receipt, no cookie, nothing recorded;
#     they do not spend the report or receipt budgets (a real report and a real receipt
#     check still pass right after); a flood with 8x connection_limit at once: no hang;
#  2. a request over max_request_bytes and a photo over max_photo_bytes: a 413 page, the
#     connection closed, nothing sent; a 100 KB header: refused, the service lives on;
#  3. slow connections, 3x connection_limit of them: idle ones are cut after
#     connection_timeout_s; trickling ones (slowloris: a header line every 0.5 s, or the
#     headers whole and then 4 body bytes every 0.5 s, never finishing) are cut by
#     request_deadline_s, each within it (the whole flood within its rounds of
#     connection_limit, waited on with a bound), and a legitimate reporter's full report
#     gets its pages meanwhile; hcbus-report's peak RSS (VmHWM) stays bounded;
#  4. with one valid token, more reports than reports_per_minute: the rest get a 503
#     page with Retry-After; receipt guessing (POST /recibo and /recibo/responder with
#     random receipts) is budgeted the same way (receipt_checks_per_minute);
#  5. queue_max 2 and a release delay of an hour: the third and fourth reports get a 503
#     page; at the stop the queue is released: exactly the accepted reports are recorded.
# After each service stop (which releases the queue), the alerts recorded are counted:
# exactly as many as receipts were shown, never one more.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"
source "$(dirname "$0")/../lib/report.sh"
RC_FROM=127.0.0.9              # the legitimate reporter
source "$(dirname "$0")/../lib/report_client.sh"

HOSTILE_FROM=127.66.6.6
CONNECTION_LIMIT=8
CONNECTION_TIMEOUT_S=2
DEADLINE_S=3                   # request_deadline_s
REPORTS_PER_MINUTE=5
CHECKS_PER_MINUTE=5
MAX_PHOTO_BYTES=16384
MAX_REQUEST_BYTES=65536
FLOOD=200                      # POSTs per flood
RSS_GROWTH_MAX_KB=$((48 << 10))
# ASan keeps freed memory in quarantine (256 MB by default): a small one keeps RSS honest.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"

LIMITS=("connection_limit = $CONNECTION_LIMIT; connection_timeout_s = $CONNECTION_TIMEOUT_S; request_deadline_s = $DEADLINE_S;"
  "reports_per_minute = $REPORTS_PER_MINUTE; receipt_checks_per_minute = $CHECKS_PER_MINUTE;"
  "max_photos = 2; max_photo_bytes = $MAX_PHOTO_BYTES; max_request_bytes = $MAX_REQUEST_BYTES;")

hostile() { "$RC_PY" "$HC_SRC/tests/lib/report_hostile.py" "$@"; }
declare -A R=()
# hostile_post NAME ARGS...: run `report_hostile.py post`, results in R[key], kept in NAME.out.
hostile_post() {
  local name=$1 key value
  shift
  hostile post --from "$HOSTILE_FROM" "$@" >"$RC_DIR/$name.out" 2>"$RC_DIR/$name.err" ||
    hc_fail "report_hostile.py post ($name) failed: $(cat "$RC_DIR/$name.err")"
  R=()
  while read -r key value; do R[$key]=$value; done <"$RC_DIR/$name.out"
  hc_log "FIGURE $name: $(tr '\n' ' ' <"$RC_DIR/$name.out")"
}
r() { echo "${R[$1]:-0}"; }
alerts() { hc_psql "SELECT count(*) FROM hcbus.events WHERE kind = 'alert'"; }
report_pid() { hc_pid report; }
vm_kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$(report_pid)/status"; }
RECEIPTS=0                     # receipts shown to anyone so far

# A full report by the legitimate reporter; counts its receipt.
legit_report() { # NAME
  rc_report "$1" SS Soyapango threat "legitimo $1" >/dev/null
  RECEIPTS=$((RECEIPTS + 1))
  hc_log "$1: receipt shown"
}
# Stop hcbus-report (the queue is released) and check: exactly RECEIPTS alerts recorded.
stop_and_count() { # WHAT
  hc_report_stop
  hc_wait_for "the released reports recorded" 30 hc_sql_at_least \
    "SELECT count(*) FROM hcbus.events WHERE kind = 'alert'" "$RECEIPTS"
  hc_assert_eq "$RECEIPTS" "$(alerts)" "$1: as many alerts recorded as receipts shown, no more"
}
# The step-2 fields of a complete, valid report (for the hostile posts).
STEP2=(--field departamento=SS --field lugar=Soyapango --field lang=es --field que=threat
  --field a_quien=personnel --field cuando=hoy --field gravedad=high --field muertos=0
  --field heridos=0 --field secuestrados=0 --field relato=flood)

hc_bus_setup
hc_bus_start
cp "$HC_WORK/hcbus.conf" "$HC_WORK/hcbus.conf.bus"
hc_report_setup "release_delay_min_s = 0; release_delay_max_s = 1; queue_max = 50;" "${LIMITS[@]}"
hc_report_start
hc_report_wait_ready
rc_setup
URL=$HC_REPORT_URL
legit_report warm-up
zone=$(rc_input "$RC_DIR/warm-up-details.html" zona)
STEP2+=(--field "zona=$zone")
rss_before=$(vm_kb VmHWM)

# --- 1. floods without a valid token --------------------------------------------------
check_refused_flood() { # NAME: every POST answered with a page, none accepted
  hc_assert_eq "$FLOOD|$FLOOD|0|0" "$(r answered)|$(r html)|$(r receipts)|$(r cookies)" \
    "$1: answered|html pages|receipts|cookies"
  hc_assert_eq "$FLOOD" "$(($(r status_403) + $(r status_200)))" "$1: 403 (or the form again), nothing else"
}
hostile_post no-token-send "$URL/reporte/enviar" --count "$FLOOD" --concurrency 4 --multipart "${STEP2[@]}"
check_refused_flood no-token-send
hostile_post forged-send "$URL/reporte/enviar" --count "$FLOOD" --concurrency 4 --multipart \
  --token-mode forged "${STEP2[@]}"
check_refused_flood forged-send
hostile_post forged-where "$URL/reporte/lugar" --count "$FLOOD" --concurrency 4 --token-mode forged \
  --field departamento=SS --field lugar=Soyapango
hc_assert_eq "$FLOOD|$FLOOD|0" "$(r answered)|$(r status_403)|$(r cookies)" "forged-where: answered|403|cookies"
hostile_post no-token-receipt "$URL/recibo" --count "$FLOOD" --concurrency 4 --receipt-guess
hc_assert_eq "$FLOOD|$FLOOD|0" "$(r answered)|$(r status_403)|$(r cookies)" "no-token-receipt: answered|403|cookies"
hostile_post forged-answer "$URL/recibo/responder" --count "$FLOOD" --concurrency 4 --token-mode forged \
  --receipt-guess --field pregunta=1 --field respuesta=hola
hc_assert_eq "$FLOOD|$FLOOD|0" "$(r answered)|$(r status_403)|$(r cookies)" "forged-answer: answered|403|cookies"
# All at once, 8x connection_limit: answered or closed, never left hanging.
hostile_post crowd "$URL/reporte/enviar" --count "$((8 * CONNECTION_LIMIT))" --concurrency "$((8 * CONNECTION_LIMIT))" \
  --multipart --token-mode forged "${STEP2[@]}" --timeout 20
hc_assert_eq "$((8 * CONNECTION_LIMIT))|0" "$(($(r answered) + $(r no_answer)))|$(r receipts)" "crowd: every request ended, none accepted"
[ "$(r max_ms)" -lt 20000 ] || hc_fail "crowd: a request waited $(r max_ms) ms (hang)"

# The budgets were not spent by the floods: a real report and a real receipt check pass.
legit_report after-floods
receipt_check() { # NAME RECEIPT: POST /recibo with a fresh token; prints the status
  rc_get "$1-form" /recibo >/dev/null
  rc_post "$1" /recibo token="$(rc_input "$RC_DIR/$1-form.html" token)" recibo="$2" lang=es
}
status=$(receipt_check check-after-floods "$(rc_receipt "$RC_DIR/warm-up-sent.html")")
[ "$status" = 200 ] || hc_fail "a real receipt check after the floods answered $status"

# --- 2. sizes -------------------------------------------------------------------------
rc_noise_photo "$RC_DIR/big-request.jpg" $((MAX_REQUEST_BYTES / 1024 + 40))
rc_noise_photo "$RC_DIR/big-photo.jpg" $((MAX_PHOTO_BYTES / 1024 + 8))
[ "$(stat -c %s "$RC_DIR/big-photo.jpg")" -lt $((MAX_REQUEST_BYTES - 8192)) ] || hc_fail "big-photo.jpg too big for its purpose"
send_with_photo() { # NAME PHOTO: a valid report with PHOTO; prints the status
  rc_get "$1-where" /reporte >/dev/null
  rc_post_multipart "$1" /reporte/enviar token="$(rc_input "$RC_DIR/$1-where.html" token)" departamento=SS \
    lugar=Soyapango lang=es zona="$zone" que=threat a_quien=personnel cuando=hoy gravedad=high \
    muertos=0 heridos=0 secuestrados=0 relato="$1" foto=@"$2"
}
for what in big-request big-photo; do
  hc_assert_eq 413 "$(send_with_photo "$what" "$RC_DIR/$what.jpg")" "$what: 413"
  grep -qi '</html>' "$RC_DIR/$what.html" || hc_fail "$what: the 413 is not a page"
  [ -z "$(rc_receipt "$RC_DIR/$what.html")" ] || hc_fail "$what: a receipt was shown"
done
hc_assert_contains "$(rc_header "$RC_DIR/big-request.h" Connection | tr 'A-Z' 'a-z')" close \
  "big-request: the connection is closed after the 413"
big_header=$(head -c 100000 /dev/zero | tr '\0' 'a')
status=$(curl -sS --max-time 20 --interface "$HOSTILE_FROM" -o /dev/null -w '%{http_code}' -H "X-Big: $big_header" "$URL/" 2>/dev/null || true)
case $status in 4??|000) ;; *) hc_fail "a 100 KB header answered $status" ;; esac
hc_assert_eq 200 "$(rc_get alive /)" "the service answers after the oversized requests"

# --- 3. slow connections ---------------------------------------------------------------
slow_n=$((3 * CONNECTION_LIMIT))
declare -A SLOW_PID=()
# slow_flood NAME [--count N] ARGS...: report_hostile.py slow in the background (slow_n
# connections unless --count says) until stop_flood NAME or every one is cut.
slow_flood() {
  local name=$1
  shift
  rm -f "$RC_DIR/$name.ready" "$RC_DIR/$name.stop" "$RC_DIR/$name.out"
  hostile slow "$URL" --from "$HOSTILE_FROM" --count "$slow_n" --ready "$RC_DIR/$name.ready" \
    --stop "$RC_DIR/$name.stop" "$@" >"$RC_DIR/$name.out" 2>"$RC_DIR/$name.err" &
  SLOW_PID[$name]=$!
  hc_wait_for "the slow connections ($name) open" 30 test -s "$RC_DIR/$name.ready"
}
stop_flood() { # NAME
  touch "$RC_DIR/$1.stop"
  wait_flood "$1"
}
wait_flood() { # NAME
  wait "${SLOW_PID[$1]}" || hc_fail "report_hostile.py slow ($1) failed: $(cat "$RC_DIR/$1.err")"
  declare -gA S=()
  local key value
  while read -r key value; do S[$key]=$value; done <"$RC_DIR/$1.out"
  hc_log "FIGURE slow connections ($1): $(tr '\n' ' ' <"$RC_DIR/$1.out")"
}
# A reporter's GET /reporte during a flood, waiting at most MAX_S: prints "STATUS SECONDS".
reporter_during() { # NAME MAX_S
  local start=$SECONDS status
  status=$(curl -sS --max-time "$2" --interface "$RC_FROM" -o "$RC_DIR/$1.html" -w '%{http_code}' \
    "$URL/reporte" 2>"$RC_DIR/$1.err") || true
  echo "$status $((SECONDS - start))"
}

# Idle: 3x connection_limit connections send half a request line and nothing more. Each
# is cut after connection_timeout_s; a reporter waits behind them and then gets the page.
slow_flood idle --idle
read -r during during_s < <(reporter_during during-idle 60)
hc_log "FIGURE a reporter's GET /reporte behind $slow_n idle connections: status $during after ${during_s}s"
hc_assert_eq 200 "$during" "a reporter gets the page during a flood of idle connections"
wait_flood idle   # it ends by itself once every connection is cut (at most 120 s)
hc_assert_eq "$slow_n|$slow_n|0" "${S[opened]}|${S[cut]}|${S[answered]}" "idle connections: opened|cut|answered"

# Trickling (slowloris): a header line, or 4 body bytes, every 0.5 s keeps each
# connection from ever being idle for connection_timeout_s; request_deadline_s cuts it
# DEADLINE_S after its accept. Half of 3x connection_limit trickle headers, half a body
# (Content-Length 4000: 8 of them fit the bodies' memory, none gets a busy page), all
# opened at once: connection_limit are served at a time, the rest wait in the listen
# backlog, so the flood ends after ROUNDS deadlines. The reporter connects after them
# and must get every page of a full report, at the latest right after the flood.
half=$((slow_n / 2))
rounds=$(((slow_n + CONNECTION_LIMIT - 1) / CONNECTION_LIMIT))
# Each round: the deadline, the watchdog's tick (0.2 s), the client's poll (0.5 s).
flood_bound_s=$((rounds * (DEADLINE_S + 1) + 10))
trickle_start=$SECONDS
slow_flood trickle-header --count "$half" --interval 0.5
slow_flood trickle-body --count "$half" --interval 0.5 --body --body-length 4000
report_start=$SECONDS
RC_MAX_TIME_S=$flood_bound_s legit_report during-trickle
report_s=$((SECONDS - report_start))
rss_flood=$(vm_kb VmRSS)
hc_log "FIGURE a reporter's full report (3 requests) behind $slow_n trickling connections ($CONNECTION_LIMIT at a time, request_deadline_s $DEADLINE_S): receipt after ${report_s}s"
flood_ended() { test -s "$RC_DIR/trickle-header.out" && test -s "$RC_DIR/trickle-body.out"; }
hc_wait_for "every trickling connection cut (bound ${flood_bound_s}s)" "$flood_bound_s" flood_ended
trickle_s=$((SECONDS - trickle_start))
for kind in header body; do
  wait_flood "trickle-$kind"
  hc_assert_eq "$half|0|$half|0" "${S[opened]}|${S[refused]}|${S[cut]}|${S[answered]}" \
    "trickling $kind: opened|refused|cut|answered"
  # None is cut before the deadline (it is the deadline that cuts them, not the idle
  # timeout: they are never idle), and none lives longer than its rounds of it.
  HC_CHECKS=$((HC_CHECKS + 1))
  awk -v v="${S[cut_min_s]}" -v d="$DEADLINE_S" 'BEGIN { exit !(v >= d - 0.5) }' ||
    hc_fail "trickling $kind: a connection was cut after ${S[cut_min_s]}s, before request_deadline_s ($DEADLINE_S)"
  HC_CHECKS=$((HC_CHECKS + 1))
  awk -v v="${S[cut_max_s]}" -v b="$flood_bound_s" 'BEGIN { exit !(v <= b) }' ||
    hc_fail "trickling $kind: a connection lived ${S[cut_max_s]}s (bound ${flood_bound_s}s)"
done
hc_log "FIGURE $slow_n trickling connections all cut in ${trickle_s}s ($rounds rounds of request_deadline_s $DEADLINE_S)"
hc_assert_eq 200 "$(rc_get alive-after-trickle /)" "the service answers after the trickling flood"
rss_after=$(vm_kb VmHWM)
hc_log "FIGURE hcbus-report peak RSS (ASan build): ${rss_before} kB before the floods, ${rss_after} kB after (RSS ${rss_flood} kB during the slow flood)"
HC_CHECKS=$((HC_CHECKS + 1))
[ $((rss_after - rss_before)) -le "$RSS_GROWTH_MAX_KB" ] ||
  hc_fail "hcbus-report's peak RSS grew by $((rss_after - rss_before)) kB during the floods (bound $RSS_GROWTH_MAX_KB kB)"
stop_and_count "floods, sizes, slow connections"
# The cuts are counted, not logged one by one (a line per cut would time a connection).
cut_line=$(grep -o '[0-9]* conexiones cortadas: su petición no llegó entera en [0-9]* s' "$HC_WORK/report.log" | tail -1)
hc_log "FIGURE hcbus-report's log at the stop: $cut_line"
HC_CHECKS=$((HC_CHECKS + 1))
[ "${cut_line%% *}" -ge "$slow_n" ] 2>/dev/null ||
  hc_fail "the log's count of connections cut by the deadline ('$cut_line') is not at least the $slow_n trickling ones"

# --- 4. budgets (a fresh service: full buckets) ----------------------------------------
cp "$HC_WORK/hcbus.conf.bus" "$HC_WORK/hcbus.conf"
hc_report_setup "release_delay_min_s = 0; release_delay_max_s = 1; queue_max = 50;" "${LIMITS[@]}"
hc_report_start
hc_report_wait_ready
URL=$HC_REPORT_URL
budget_start=$SECONDS
rc_get budget-where /reporte >/dev/null
token=$(rc_input "$RC_DIR/budget-where.html" token)
over=$((REPORTS_PER_MINUTE * 3))
hostile_post budget "$URL/reporte/enviar" --count "$over" --concurrency 1 --multipart --token-mode fixed \
  --token "$token" "${STEP2[@]}"
accepted=$(r receipts)
budget_s=$((SECONDS - budget_start + 1))
allowed=$((REPORTS_PER_MINUTE + (budget_s * REPORTS_PER_MINUTE + 59) / 60))
RECEIPTS=$((RECEIPTS + accepted))
HC_CHECKS=$((HC_CHECKS + 1))
[ "$accepted" -ge 1 ] && [ "$accepted" -le "$allowed" ] ||
  hc_fail "budget: $accepted of $over reports accepted in ${budget_s}s (reports_per_minute $REPORTS_PER_MINUTE: 1..$allowed)"
hc_assert_eq "$((over - accepted))|$((over - accepted))|$over" "$(r status_503)|$(r retry_after)|$(r html)" \
  "budget: the rest refused with a 503 page and Retry-After"

hostile_post guessing "$URL/recibo" --count 20 --concurrency 1 --token-mode fixed --token "$token" --receipt-guess
checked=$(($(r answered) - $(r status_503)))
allowed=$((CHECKS_PER_MINUTE + (budget_s * CHECKS_PER_MINUTE + 59) / 60 + 1))
HC_CHECKS=$((HC_CHECKS + 1))
[ "$checked" -le "$allowed" ] || hc_fail "guessing: $checked of 20 random receipts looked up (receipt_checks_per_minute $CHECKS_PER_MINUTE)"
hc_assert_eq "20|$checked|$((20 - checked))" "$(r answered)|$(r status_200)|$(r retry_after)" \
  "guessing: answered|looked up ('no report has this receipt')|503 with Retry-After"
# Answers share that budget: with it spent, guessed answers are refused before any lookup.
hostile_post guessing-answers "$URL/recibo/responder" --count 10 --concurrency 1 --token-mode fixed --token "$token" \
  --receipt-guess --field pregunta=1 --field respuesta=hola
budget_s=$((SECONDS - budget_start + 1))
refilled=$(((budget_s * CHECKS_PER_MINUTE + 59) / 60 + 1))
HC_CHECKS=$((HC_CHECKS + 1))
[ "$(r status_503)" -ge $((10 - refilled)) ] && [ "$(r retry_after)" = "$(r status_503)" ] ||
  hc_fail "guessing-answers: only $(r status_503) of 10 refused with 503 and Retry-After once the budget was spent"
stop_and_count "the report budget"

# --- 5. a full queue -------------------------------------------------------------------
cp "$HC_WORK/hcbus.conf.bus" "$HC_WORK/hcbus.conf"
hc_report_setup "release_delay_min_s = 3600; release_delay_max_s = 3600; queue_max = 2; reports_per_minute = 100;"
hc_report_start
hc_report_wait_ready
URL=$HC_REPORT_URL
rc_get queue-where /reporte >/dev/null
token=$(rc_input "$RC_DIR/queue-where.html" token)
hostile_post queue "$URL/reporte/enviar" --count 4 --concurrency 1 --multipart --token-mode fixed \
  --token "$token" "${STEP2[@]}"
hc_assert_eq "2|2|4" "$(r receipts)|$(r status_503)|$(r html)" "queue_max 2: two accepted, two refused with a 503 page"
RECEIPTS=$((RECEIPTS + 2))
hc_assert_eq "$((RECEIPTS - 2))" "$(alerts)" "nothing released before the delay"
stop_and_count "a full queue (released at the stop)"
hc_pass
