#!/usr/bin/env bash
# test_webform_http.sh — hcbus-report's HTTP face (services/report/web), for real: the
# service with the broker, auditd and PostgreSQL, reached over TCP with curl and raw
# sockets. Every route answers with its status; every response (pages, the stylesheet,
# 404, 405, 413, 403, 503) carries the security headers, never a Set-Cookie, and no page
# reaches 30 KB; a POST without a token, with a forged one or an expired one is refused
# with a page (a stale but authentic token on step 2 gives the form back with what was
# typed); budgets answer 503 with Retry-After; the bodies' memory counts bytes that arrived,
# not lengths declared (five slow announcers hold nothing; seven real slow uploads fill it:
# 503, freed when they go); a request over max_request_bytes gets 413
# and the service stays up; a client that sends half a request and stalls is cut after
# connection_timeout_s while another is served; lang=en gives English; libmicrohttpd's
# own messages never print the client's address. Then the program itself: --help in
# Spanish or English, --version, and the refusals to start (port in use, a secret file
# others may read or of the wrong size, no report section), each exit 2 naming why.
source "$HCBUS_SOURCE_DIR/tests/lib/harness.sh"
source "$HCBUS_SOURCE_DIR/tests/lib/bus.sh"
source "$HCBUS_SOURCE_DIR/tests/lib/report.sh"

TIMEOUT_S=2              # connection_timeout_s: short, so that the stalled client is cut soon
MAX_REQUEST=65536        # max_request_bytes
MAX_PHOTO=16384          # max_photo_bytes
PAGE_MAX=30720           # every page under 30 KB
CLIENT=127.23.45.67      # a distinctive client address, searched for in the log
CSP="default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

HC_LOG_LEVEL=debug hc_bus_setup
hc_report_setup "connection_timeout_s = $TIMEOUT_S;" "max_request_bytes = $MAX_REQUEST;" \
  "max_photo_bytes = $MAX_PHOTO;" "reports_per_minute = 2;" "receipt_checks_per_minute = 4;" \
  "token_lifetime_s = 60;" "release_delay_min_s = 0; release_delay_max_s = 0;"
hc_bus_start
hc_report_start
hc_report_wait_ready

# A crash writes no core (the secret, the gateway's key, waiting reports): no core file
# size, and the process is not dumpable (its /proc files then belong to root).
report_pid=$(hc_pid report)
hc_assert_eq "0" "$(awk '/^Max core file size/ {print $5}' "/proc/$report_pid/limits")" "hcbus-report allows no core file"
hc_assert_eq "0" "$(stat -c %u "/proc/$report_pid/mem")" "hcbus-report is not dumpable (/proc/PID/mem is root's)"

U=$HC_REPORT_URL
N=0

# request NAME CURL_ARGS... : headers to $HC_WORK/NAME.h, body to NAME.b; prints the status.
request() {
  local name=$1
  shift
  curl -sS --interface "$CLIENT" -A "hcbus-test-agent/7.7" -D "$HC_WORK/$name.h" -o "$HC_WORK/$name.b" \
    -w '%{http_code}' --max-time 20 "$@"
}

header() { grep -i "^$2:" "$HC_WORK/$1.h" | head -n 1 | sed 's/^[^:]*: *//; s/\r$//'; }

# The headers every response carries; the page's size and language.
check_response() {
  local name=$1 lang=${2:-es} cache=${3:-no-store}
  N=$((N + 1))
  hc_assert_eq "$CSP" "$(header "$name" Content-Security-Policy)" "$name: Content-Security-Policy"
  hc_assert_eq no-referrer "$(header "$name" Referrer-Policy)" "$name: Referrer-Policy"
  hc_assert_eq nosniff "$(header "$name" X-Content-Type-Options)" "$name: X-Content-Type-Options"
  hc_assert_eq DENY "$(header "$name" X-Frame-Options)" "$name: X-Frame-Options"
  hc_assert_eq "$cache" "$(header "$name" Cache-Control)" "$name: Cache-Control"
  hc_assert_eq "$([ "$lang" = es ] && echo es-SV || echo "$lang")" "$(header "$name" Content-Language)" \
    "$name: Content-Language"
  hc_assert_contains "$(header "$name" Content-Type)" "charset=utf-8" "$name: Content-Type"
  grep -qi '^set-cookie:' "$HC_WORK/$name.h" && hc_fail "$name: a Set-Cookie header"
  local size
  size=$(stat -c %s "$HC_WORK/$name.b")
  [ "$size" -lt "$PAGE_MAX" ] || hc_fail "$name: the page is $size bytes (at most $PAGE_MAX)"
  if [ "$cache" = no-store ]; then
    hc_assert_contains "$(header "$name" Content-Type)" "text/html" "$name: an HTML page"
    grep -qE "<html[^>]* lang=\"$lang" "$HC_WORK/$name.b" || hc_fail "$name: <html lang> is not $lang"
  fi
}

# The hidden token of page NAME.
token_of() {
  grep -o '<input[^>]*name="token"[^>]*>' "$HC_WORK/$1.b" | head -n 1 | grep -o 'value="[A-Za-z0-9_-]*"' |
    sed 's/^value="//; s/"$//'
}

# A form token for bucket floor(now/600) + OFFSET, made with the service's secret as
# token.c makes it (to forge an authentic stale or future one).
token_at() {
  python3 - "$HC_WORK/keys/report.secret" "$1" <<'PY'
import base64, hashlib, hmac, struct, sys, time
secret = open(sys.argv[1], "rb").read()
key = hashlib.blake2b(b"hcbus-report token key", key=secret, digest_size=32).digest()
bucket = struct.pack(">Q", int(time.time()) // 600 + int(sys.argv[2]))
tag = hmac.new(key, b"hcbus-report form v1" + bucket, hashlib.sha256).digest()[:16]
print(base64.urlsafe_b64encode(bucket + tag).decode().rstrip("="))
PY
}

# --- GET routes, 404, 405 ------------------------------------------------------------
hc_assert_eq 200 "$(request home "$U/")" "GET /"
check_response home
hc_assert_eq 200 "$(request where "$U/reporte")" "GET /reporte"
check_response where
TOKEN=$(token_of where)
[ -n "$TOKEN" ] || hc_fail "GET /reporte has no token field"
hc_assert_eq "$TOKEN" "$(hc_report_token)" "hc_report_token reads the same token"
hc_assert_eq 200 "$(request entry "$U/recibo")" "GET /recibo"
check_response entry
hc_assert_eq 200 "$(request css "$U/estilo.css")" "GET /estilo.css"
check_response css es "public, max-age=86400"
hc_assert_contains "$(header css Content-Type)" "text/css" "the stylesheet is CSS"
hc_assert_eq 200 "$(request head -I "$U/reporte")" "HEAD /reporte"
hc_assert_eq 404 "$(request nf "$U/no/existe")" "GET of an unknown path"
check_response nf
hc_assert_eq 404 "$(request nfpost -X POST -d a=b "$U/admin")" "POST to an unknown path"
check_response nfpost
hc_assert_eq 405 "$(request m1 -X POST -d a=b "$U/")" "POST /"
check_response m1
hc_assert_eq "GET, HEAD" "$(header m1 Allow)" "405 names the methods of /"
hc_assert_eq 405 "$(request m2 "$U/reporte/enviar")" "GET /reporte/enviar"
check_response m2
hc_assert_eq POST "$(header m2 Allow)" "405 names POST"
hc_assert_eq 405 "$(request m3 -X DELETE "$U/recibo")" "DELETE /recibo"
check_response m3
hc_assert_eq 405 "$(request m4 -X PUT --data-binary x "$U/anything")" "PUT anywhere"
check_response m4

# --- English -----------------------------------------------------------------------------
hc_assert_eq 200 "$(request home_en "$U/?lang=en")" "GET /?lang=en"
check_response home_en en
hc_assert_eq 404 "$(request nf_en "$U/nope?lang=en")" "404 in English"
check_response nf_en en

# --- the token -----------------------------------------------------------------------------
PLACE=(--data-urlencode departamento=SS --data-urlencode lugar=Soyapango)
hc_assert_eq 200 "$(request places "${PLACE[@]}" --data-urlencode "token=$TOKEN" "$U/reporte/lugar")" \
  "POST /reporte/lugar"
check_response places
grep -q 'name="zona"' "$HC_WORK/places.b" || hc_fail "step 2 offers no zona"
hc_assert_eq 200 "$(request places_en "${PLACE[@]}" --data-urlencode "token=$TOKEN" --data-urlencode lang=en \
  "$U/reporte/lugar")" "POST /reporte/lugar in English"
check_response places_en en
hc_assert_eq 403 "$(request notoken "${PLACE[@]}" "$U/reporte/lugar")" "POST without a token"
check_response notoken
hc_assert_eq 403 "$(request forged "${PLACE[@]}" --data-urlencode "token=${TOKEN:0:31}A" "$U/reporte/lugar")" \
  "POST with a forged token"
check_response forged
hc_assert_eq 403 "$(request garbage "${PLACE[@]}" --data-urlencode "token=not-a-token" "$U/recibo")" \
  "POST /recibo with garbage for a token"
check_response garbage
OLD=$(token_at -2)
hc_assert_eq 403 "$(request expired --data-urlencode recibo=K7QM-2XD9-4RTB-HW3P --data-urlencode "token=$OLD" \
  "$U/recibo")" "POST /recibo with an expired token"
check_response expired
FUTURE=$(token_at 1)
hc_assert_eq 403 "$(request future --data-urlencode recibo=K7QM-2XD9-4RTB-HW3P --data-urlencode "token=$FUTURE" \
  "$U/recibo")" "a token from the next bucket"
check_response future

# A report with every field right (multipart, as the browser sends step 2).
report_fields() {
  local token=$1
  printf '%s\n' -F departamento=SS -F lugar=Soyapango -F zona=sv.ss.san-salvador-este.soyapango -F que=threat \
    -F a_quien=personnel -F cuando=hoy -F gravedad=moderate -F muertos= -F heridos=1 -F secuestrados= \
    -F "relato=Nos amenazaron en la entrada de la unidad de salud" -F "token=$token"
}
mapfile -t STALE < <(report_fields "$OLD")
hc_assert_eq 403 "$(request stale "${STALE[@]}" "$U/reporte/enviar")" "step 2 with a stale token"
check_response stale
grep -q 'Nos amenazaron en la entrada' "$HC_WORK/stale.b" || hc_fail "the stale step 2 lost what was typed"
NEW=$(token_of stale)
[ -n "$NEW" ] && [ "$NEW" != "$OLD" ] || hc_fail "the stale step 2 carries no fresh token"

# --- a report, its receipt, the budgets --------------------------------------------------
mapfile -t GOOD < <(report_fields "$NEW")
hc_assert_eq 200 "$(request sent "${GOOD[@]}" "$U/reporte/enviar")" "POST /reporte/enviar"
check_response sent
RECEIPT=$(grep -oE '[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}' "$HC_WORK/sent.b" | head -n 1)
[ -n "$RECEIPT" ] || hc_fail "the sent page shows no receipt"
hc_assert_eq 200 "$(request sent2 "${GOOD[@]}" "$U/reporte/enviar")" "a second report (reports_per_minute = 2)"
hc_assert_eq 503 "$(request busy "${GOOD[@]}" "$U/reporte/enviar")" "a third report in the minute"
check_response busy
RETRY=$(header busy Retry-After)
[[ $RETRY =~ ^[0-9]+$ ]] && [ "$RETRY" -ge 1 ] && [ "$RETRY" -le 60 ] || hc_fail "busy: Retry-After '$RETRY'"

hc_assert_eq 200 "$(request open --data-urlencode "recibo=$RECEIPT" --data-urlencode "token=$NEW" "$U/recibo")" \
  "POST /recibo"
check_response open
hc_assert_eq 200 "$(request answer --data-urlencode "recibo=$RECEIPT" --data-urlencode pregunta=999999 \
  --data-urlencode respuesta=Sí --data-urlencode "token=$NEW" "$U/recibo/responder")" "POST /recibo/responder"
check_response answer
hc_assert_eq 200 "$(request notreceipt --data-urlencode recibo=UUUU --data-urlencode "token=$NEW" "$U/recibo")" \
  "POST /recibo with something that is no receipt"
check_response notreceipt
hc_assert_eq 200 "$(request unknown --data-urlencode recibo=0000-0000-0000-0000 --data-urlencode "token=$NEW" \
  --data-urlencode lang=en "$U/recibo")" "POST /recibo with an unknown receipt, in English"
check_response unknown en
hc_assert_eq 503 "$(request rbusy --data-urlencode "recibo=$RECEIPT" --data-urlencode "token=$NEW" "$U/recibo")" \
  "a fifth receipt check in the minute (receipt_checks_per_minute = 4)"
check_response rbusy
[[ $(header rbusy Retry-After) =~ ^[0-9]+$ ]] || hc_fail "the receipt budget's 503 has no Retry-After"

# --- sizes ----------------------------------------------------------------------------------
head -c $((MAX_REQUEST + 1)) /dev/zero | tr '\0' a >"$HC_WORK/big.txt"
hc_assert_eq 413 "$(request big --data-urlencode "relato@$HC_WORK/big.txt" --data-urlencode "token=$NEW" \
  "$U/reporte/enviar")" "a request over max_request_bytes"
check_response big
hc_assert_eq close "$(header big Connection)" "the connection is closed after a 413"
head -c $((MAX_PHOTO + 1)) /dev/urandom >"$HC_WORK/photo.jpg"
mapfile -t PHOTO < <(report_fields "$NEW")
hc_assert_eq 413 "$(request bigphoto "${PHOTO[@]}" -F "foto=@$HC_WORK/photo.jpg;type=image/jpeg" \
  "$U/reporte/enviar")" "a photo over max_photo_bytes"
check_response bigphoto
ARGS=()
for i in $(seq 1 70); do ARGS+=(--data-urlencode "f$i=x"); done
hc_assert_eq 400 "$(request fields "${ARGS[@]}" --data-urlencode "token=$NEW" "$U/recibo")" "70 fields"
check_response fields
hc_assert_eq 400 "$(request json -H 'Content-Type: application/json' --data-binary '{"a":1}' "$U/recibo")" \
  "a body that is no form"
check_response json
hc_assert_eq 200 "$(request after "$U/")" "the service answers after the refusals"

# --- a stalled client is cut; another is served meanwhile ------------------------------
python3 - "$HC_REPORT_PORT" "$CLIENT" >"$HC_WORK/stall.out" 2>&1 <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), source_address=(sys.argv[2], 0))
s.sendall(b"POST /recibo HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
          b"Content-Length: 500\r\n\r\nrecibo=K7QM")
print("sent", flush=True)
start = time.monotonic()
s.settimeout(120)
data = s.recv(65536)
print("closed after %.1f s with %d bytes" % (time.monotonic() - start, len(data)), flush=True)
PY
STALL=$!
hc_wait_for "the stalled client connected" 10 grep -q '^sent' "$HC_WORK/stall.out"
hc_assert_eq 200 "$(request meanwhile "$U/reporte")" "another client is served while one stalls"
grep -q '^closed' "$HC_WORK/stall.out" && hc_fail "the stalled connection was closed before the other was served"
hc_wait_for "the stalled connection cut" 60 grep -q '^closed' "$HC_WORK/stall.out"
wait "$STALL" || true
CUT=$(sed -n 's/^closed after \([0-9.]*\) s.*/\1/p' "$HC_WORK/stall.out")
python3 -c "import sys; sys.exit(0 if float('$CUT') >= $TIMEOUT_S - 0.5 else 1)" ||
  hc_fail "the stalled connection was cut after ${CUT}s, before connection_timeout_s ($TIMEOUT_S)"
hc_log "a stalled client was cut after ${CUT}s (connection_timeout_s = $TIMEOUT_S)"

# --- the bodies' memory counts what arrived, not what was declared --------------------
# SLOW N DECLARED FIRST: N connections POST /recibo (multipart) declaring DECLARED bytes,
# send about FIRST bytes of body (photo parts of 15,000 bytes, in 1,000-byte pieces, so
# that the server counts them piece by piece), print "ready", then keep trickling a byte
# every 0.5 s (neither the idle timeout nor the end of the body frees them) until killed.
cat >"$HC_WORK/slow_bodies.py" <<'PY'
import socket, sys, time
port, n, declared, first = (int(a) for a in sys.argv[1:5])
conns = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /recibo HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=BB\r\n"
              b"Content-Length: %d\r\n\r\n" % declared)
    sent = 0
    while sent < first:
        part = b"--BB\r\nContent-Disposition: form-data; name=\"foto\"; filename=\"f.jpg\"\r\n" \
               b"Content-Type: image/jpeg\r\n\r\n"
        s.sendall(part)
        sent += len(part)
        for _ in range(15):
            if sent >= first:
                break
            s.sendall(b"\xff" * 1000)
            sent += 1000
            time.sleep(0.005)
        if sent < first:
            s.sendall(b"\r\n")
            sent += 2
    conns.append(s)
print("ready", flush=True)
while True:
    time.sleep(0.5)
    for s in conns:
        try:
            s.sendall(b"\xff")
        except OSError:
            pass
PY
slow_bodies() { exec python3 "$HC_WORK/slow_bodies.py" "$HC_REPORT_PORT" "$@"; }
PADDING=$(head -c 2000 /dev/zero | tr '\0' a)
small_post() {   # 2 KB: more than the pool has left once the four clients below sent theirs
  curl -s -o /dev/null -w '%{http_code}' --max-time 20 -d "recibo=K7QM-2XD9-4RTB-HW3P&relleno=$PADDING" "$U/reporte/lugar"
}
# Five clients announce a whole max_request_bytes each (more than the pool of 4) and send
# almost nothing: a small POST is still served (403: it has no token), not turned away.
(slow_bodies 5 "$MAX_REQUEST" 100 >"$HC_WORK/slow1.out" 2>&1) &
SLOW=$!
hc_wait_for "the slow announcing clients connected" 10 grep -q '^ready' "$HC_WORK/slow1.out"
hc_assert_eq 403 "$(small_post)" "declared lengths hold no memory: a small POST is served beside five slow 64 KiB announcements"
kill "$SLOW"; wait "$SLOW" 2>/dev/null || true
# Seven clients that really send 45 KB each (more than the pool's 4 × 64 KiB) fill it: a
# small POST is then busy (503 with Retry-After), and served again once they are gone.
(slow_bodies 7 "$MAX_REQUEST" 45000 >"$HC_WORK/slow2.out" 2>&1) &
SLOW=$!
hc_wait_for "the slow clients connected" 10 grep -q '^ready' "$HC_WORK/slow2.out"
pool_full() { [ "$(small_post)" = 503 ]; }
hc_wait_for "a small POST refused as busy while the pool is full" 20 pool_full
RETRY=$(curl -s -D - -o /dev/null -d "recibo=x&relleno=$PADDING" "$U/reporte/lugar" | tr -d '\r' | sed -n 's/^Retry-After: //Ip')
[ -n "$RETRY" ] || hc_fail "the busy answer of a full pool has no Retry-After"
kill "$SLOW"; wait "$SLOW" 2>/dev/null || true
pool_free() { [ "$(small_post)" = 403 ]; }
hc_wait_for "the pool freed once the slow clients left" 20 pool_free

# Half a request line, then nothing: cut as well.
python3 - "$HC_REPORT_PORT" "$CLIENT" >"$HC_WORK/stall2.out" 2>&1 <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), source_address=(sys.argv[2], 0))
s.sendall(b"GET /repo")
s.settimeout(120)
start = time.monotonic()
print("closed after %.1f s with %d bytes" % (time.monotonic() - start, len(s.recv(65536))))
PY
grep -q '^closed' "$HC_WORK/stall2.out" || hc_fail "half a request line: $(cat "$HC_WORK/stall2.out")"

# Headers too large for the connection's memory: libmicrohttpd answers and closes.
LONG=$(head -c 70000 /dev/zero | tr '\0' b)
CODE=$(curl -s --interface "$CLIENT" -o /dev/null -w '%{http_code}' -H "X-Long: $LONG" "$U/" || true)
case $CODE in 413|431) ;; *) hc_fail "headers over the connection's memory: got $CODE" ;; esac
hc_assert_eq 200 "$(request after2 "$U/")" "the service answers after the stalled and oversized clients"

# --- the log ----------------------------------------------------------------------------------
grep -q 'libmicrohttpd: ' "$HC_WORK/report.log" || hc_fail "libmicrohttpd's messages never reached the log"
grep -n -e "$CLIENT" -e 'hcbus-test-agent' -e "$RECEIPT" -e 'Nos amenazaron' "$HC_WORK/report.log" &&
  hc_fail "the log names the client, its agent, a receipt or a report"
hc_assert_eq 0 "$(cat "$HC_WORK"/*.h | grep -ci '^set-cookie' || true)" "no response set a cookie"

# --- start and refusals to start ---------------------------------------------------------
# run_report NAME ARGS...: hcbus-report in the foreground; its output in NAME.out, prints its exit code
# (124 if it was still running after 30 s: it started when it should have refused).
run_report() {
  local name=$1 rc=0
  shift
  timeout 30 "$HC_REPORT_BIN" "$@" >"$HC_WORK/$name.out" 2>&1 </dev/null || rc=$?
  echo "$rc"
}
hc_assert_eq 2 "$(run_report twice --config "$HC_WORK/hcbus.conf")" "a second instance on the same port"
hc_assert_contains "$(cat "$HC_WORK/twice.out")" "cannot listen on 127.0.0.1:$HC_REPORT_PORT: Address already in use" \
  "the second instance says why"
hc_report_stop
hc_lines_at_least "$HC_WORK/report.log" 'detenido' 1 || hc_fail "hcbus-report did not stop cleanly"

hc_assert_eq 0 "$(LC_ALL=C LANG=C run_report help_es --help)" "--help"
hc_assert_contains "$(cat "$HC_WORK/help_es.out")" "uso: hcbus-report --config ARCHIVO" "--help is Spanish by default"
hc_assert_eq 0 "$(LC_ALL=en_US.UTF-8 run_report help_en --help)" "--help in English"
hc_assert_contains "$(cat "$HC_WORK/help_en.out")" "usage: hcbus-report --config FILE" "--help in English (LC_ALL)"
hc_assert_eq 0 "$(run_report version --version)" "--version"
hc_assert_contains "$(cat "$HC_WORK/version.out")" "hcbus-report " "--version names the program"
hc_assert_eq 2 "$(run_report noconf)" "no --config"
SECRET=$HC_WORK/keys/report.secret
chmod 0640 "$SECRET"
hc_assert_eq 2 "$(run_report mode --config "$HC_WORK/hcbus.conf")" "a secret file that the group may read"
hc_assert_contains "$(cat "$HC_WORK/mode.out")" "has mode 0640: group or others may access it" "the mode is named"
chmod 0600 "$SECRET"
head -c 31 /dev/urandom >"$HC_WORK/short.secret"
chmod 0600 "$HC_WORK/short.secret"
sed "s|secret_file = \"keys/report.secret\"|secret_file = \"short.secret\"|" "$HC_WORK/hcbus.conf" \
  >"$HC_WORK/short.conf"
hc_assert_eq 2 "$(run_report short --config "$HC_WORK/short.conf")" "a secret of 31 bytes"
hc_assert_contains "$(cat "$HC_WORK/short.out")" "must hold exactly 32 bytes" "the size is named"
awk '/^report = \{/ { skip = 1 } !skip { print } skip && /^\};/ { skip = 0 }' "$HC_WORK/hcbus.conf" \
  >"$HC_WORK/none.conf"
hc_assert_eq 2 "$(run_report none --config "$HC_WORK/none.conf")" "a config without a report section"
hc_assert_contains "$(cat "$HC_WORK/none.out")" "no report section" "the missing section is named"
hc_pass
