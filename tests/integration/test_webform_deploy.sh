#!/usr/bin/env bash
# test_webform_deploy.sh — the shipped front of hcbus-report, for real: nginx (Debian's)
# runs deploy/nginx/hcbus-report.conf with only its ports, paths, certificate (made
# here with openssl) and upstream replaced, in front of the real hcbus-report, the
# broker and PostgreSQL. A reporter at the distinctive address 127.23.45.67 with a
# distinctive user agent (and a forged X-Forwarded-For) sends a whole report over
# https://127.0.0.1:PORT and opens its receipt. Shown: TLS 1.2 and 1.3 only, HSTS, the
# http port only redirects, a body over max_request_bytes is refused by nginx (never
# reaches hcbus-report), hcbus-report gets no User-Agent, Referer, Cookie or forwarded
# address (a recording forwarder between them keeps every header it is handed), and
# afterwards no file under the test's directory (nginx's logs, hcbus-report's,
# PostgreSQL's log and data) names the address or the user agent, although the http-
# and main-level logs were turned on to files here (the servers' own settings keep
# them off) and a control server proves nginx would have written both. Last,
# `tor --verify-config` accepts the shipped torrc (its directories moved here) and
# refuses a broken copy.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"
source "$(dirname "$0")/../lib/report.sh"

REPORTER_ADDRESS=127.23.45.67
REPORTER_AGENT="hcbus-deploy-test/4.7 (Xq7Kestrel; distinctive-agent-9f3e)"
FORGED_ADDRESS=203.0.113.77             # what a reporter's own proxy might add
REFERRER="https://referrer-9f3e.example/where-i-came-from"
NGINX_BODY_LIMIT_BYTES=8388608          # client_max_body_size 8m in the shipped file
CURL_TIMEOUT_S=30
NG=$HC_WORK/nginx                       # nginx's prefix: config, certificate, temp dirs, logs
CONTROL=$HC_WORK/control                # the control server's logs (checked, then removed)

command -v nginx >/dev/null || { hc_log "SKIP: nginx is not installed (nginx-light)"; exit 77; }
command -v tor >/dev/null || { hc_log "SKIP: tor is not installed"; exit 77; }

# The shipped pair agrees: nginx's body limit is hcbus-report's max_request_bytes.
hc_assert_eq "client_max_body_size 8m;" "$(grep -oE 'client_max_body_size [0-9]+m;' "$HC_SRC/deploy/nginx/hcbus-report.conf")" \
  "nginx's body limit in the shipped file"
hc_assert_eq "$NGINX_BODY_LIMIT_BYTES" "$(sed -n -E 's/^[[:space:]]*max_request_bytes[[:space:]]*=[[:space:]]*([0-9]+);.*/\1/p' \
  "$HC_SRC/deploy/hcbus.conf")" "deploy/hcbus.conf's max_request_bytes is nginx's client_max_body_size (8m)"

hc_bus_setup
hc_bus_start
# After the bus is up: its ports are bound, so the form's free port cannot be one of them.
hc_report_setup
hc_report_start
hc_report_wait_ready

read -r TLS_PORT PLAIN_PORT ONION_PORT RECORDER_PORT CONTROL_PORT <<<"$("$HC_BIN/tests/free_ports" 5 | tr '\n' ' ')"
[ -n "$CONTROL_PORT" ] || hc_fail "free_ports gave fewer than 5 ports"

# ---- nginx with the shipped configuration ---------------------------------------

mkdir -p "$NG/tmp" "$NG/logs" "$CONTROL"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$NG/key.pem" -out "$NG/cert.pem" 2>"$HC_WORK/openssl.log" ||
  hc_fail "openssl could not make a certificate: $(cat "$HC_WORK/openssl.log")"

# Replace every FROM by TO in the text of CONFIG_TEXT, insisting that FROM was there: a
# shipped file that changed under the test must fail it, not be run half-templated.
replace() {
  [[ $CONFIG_TEXT == *"$1"* ]] || hc_fail "deploy/nginx/hcbus-report.conf no longer has '$1'"
  CONFIG_TEXT=${CONFIG_TEXT//"$1"/"$2"}
}
CONFIG_TEXT=$(cat "$HC_SRC/deploy/nginx/hcbus-report.conf")
replace "user www-data;" "user $(id -un);"
replace "pid /run/hcbus-report-nginx.pid;" "pid $NG/nginx.pid;"
replace "/var/lib/nginx/hcbus-report/" "$NG/tmp/"
replace "listen 443 ssl http2;" "listen 127.0.0.1:$TLS_PORT ssl http2;"
replace "listen [::]:443 ssl http2;" ""
replace "listen 80;" "listen 127.0.0.1:$PLAIN_PORT;"
replace "listen [::]:80;" ""
replace "listen 127.0.0.1:7781;" "listen 127.0.0.1:$ONION_PORT;"
replace "server 127.0.0.1:7780;" "server 127.0.0.1:$RECORDER_PORT;"
replace "/etc/hcbus/tls/fullchain.pem" "$NG/cert.pem"
replace "/etc/hcbus/tls/privkey.pem" "$NG/key.pem"
# Logging turned on at the main and http levels, to files here (as an operator's edit,
# or another site's defaults, would): only the servers' own access_log off and
# error_log /dev/null then keep the reporter out of them.
replace $'error_log /dev/null;\n\nevents {' $'error_log '"$NG"$'/logs/main-error.log info;\n\nevents {'
replace $'  access_log off;\n  error_log /dev/null;\n  log_not_found off;' \
  $'  access_log '"$NG"$'/logs/http-access.log;\n  error_log '"$NG"$'/logs/http-error.log info;\n  log_not_found off;'
# The control: a server of the test's own, logging as nginx does by default, in front
# of nothing (every request there is a 502 and an error line).
CONFIG_TEXT=${CONFIG_TEXT%\}}"
  server {
    listen 127.0.0.1:$CONTROL_PORT;
    access_log $CONTROL/access.log;
    error_log $CONTROL/error.log info;
    location / { proxy_pass http://127.0.0.1:9; }
  }
}"
printf '%s\n' "$CONFIG_TEXT" >"$NG/hcbus-report.conf"
cp "$HC_SRC/deploy/nginx/hcbus-report-pages.conf" "$NG/"

nginx -t -q -p "$NG" -c "$NG/hcbus-report.conf" -e stderr 2>"$HC_WORK/nginx-t.log" ||
  hc_fail "nginx -t refuses the templated shipped configuration: $(cat "$HC_WORK/nginx-t.log")"

# The recording forwarder stands where hcbus-report would: it keeps each request's
# headers and hands the request on to the real hcbus-report.
hc_start_bg recorder python3 "$HC_SRC/tests/lib/recording_proxy.py" "$RECORDER_PORT" "$HC_WORK/received-headers.txt" \
  "127.0.0.1:$HC_REPORT_PORT"
hc_wait_for "the recording forwarder" 10 grep -q listening "$HC_WORK/recorder.log"
hc_start_bg nginx nginx -p "$NG" -c "$NG/hcbus-report.conf" -e stderr -g "daemon off;"

HTTPS=https://127.0.0.1:$TLS_PORT
# The reporter: a distinctive source address and user agent, a referrer, a cookie and
# a forged X-Forwarded-For / X-Real-IP, none of which may reach hcbus-report or a log.
reporter() {
  curl -sS --max-time "$CURL_TIMEOUT_S" --cacert "$NG/cert.pem" --interface "$REPORTER_ADDRESS" \
    -A "$REPORTER_AGENT" -e "$REFERRER" -b "seen=1" \
    -H "X-Forwarded-For: $FORGED_ADDRESS" -H "X-Real-IP: $FORGED_ADDRESS" -H "Forwarded: for=$FORGED_ADDRESS" "$@"
}
form_answers() { [ "$(reporter -o /dev/null -w '%{http_code}' "$HTTPS/")" = 200 ]; }
hc_wait_for "nginx to answer over TLS" 20 form_answers

# The value of the first <input name="NAME" ...> of the page on stdin.
input_value() {
  grep -o "<input[^>]*name=\"$1\"[^>]*>" | head -n 1 | grep -o 'value="[^"]*"' | sed 's/^value="//; s/"$//' || true
}

# ---- a whole report through nginx -----------------------------------------------

headers=$(reporter -D - -o "$HC_WORK/step1.html" "$HTTPS/reporte") || hc_fail "GET /reporte over TLS failed"
hc_assert_contains "$headers" "strict-transport-security: max-age=63072000" "HTTPS answers carry HSTS"
token=$(input_value token <"$HC_WORK/step1.html")
[ -n "$token" ] || hc_fail "no form token on /reporte through nginx"
reporter -o "$HC_WORK/step2.html" --data-urlencode "token=$token" -d departamento=SS \
  --data-urlencode lugar=Soyapango "$HTTPS/reporte/lugar" || hc_fail "POST /reporte/lugar over TLS failed"
zone=$(grep -o '<input[^>]*name="zona"[^>]*>' "$HC_WORK/step2.html" | grep -o 'value="[^"]*soyapango"' | head -n 1 |
       sed 's/^value="//; s/"$//' || true)
hc_assert_eq "sv.ss.san-salvador-este.soyapango" "$zone" "the place search through nginx offers Soyapango"
token=$(input_value token <"$HC_WORK/step2.html")
reporter -o "$HC_WORK/step3.html" -F "token=$token" -F "zona=$zone" -F que=threat -F a_quien=personnel \
  -F cuando=hoy -F gravedad=high -F muertos=0 -F heridos=0 -F secuestrados=0 -F departamento=SS \
  -F lugar=Soyapango -F "relato=Amenazaron al personal de la unidad de salud" "$HTTPS/reporte/enviar" ||
  hc_fail "POST /reporte/enviar over TLS failed"
receipt=$(grep -oE '[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}' "$HC_WORK/step3.html" | head -n 1 || true)
[ -n "$receipt" ] || hc_fail "no receipt after sending the report through nginx: $(head -c 2000 "$HC_WORK/step3.html")"
HC_CHECKS=$((HC_CHECKS + 1))
mailbox_written() { [ "$(hc_psql "SELECT count(*) FROM report.mailboxes")" = 1 ]; }
hc_wait_for "the report released and its mailbox written" 30 mailbox_written
hc_assert_eq "1" "$(hc_psql "SELECT count(*) FROM hcbus.events WHERE kind = 'alert' AND sender = ''
                             AND zone_id = 'sv.ss.san-salvador-este.soyapango'")" "the report is on the bus, anonymous"
# The receipt opens the report, through nginx too.
token=$(reporter "$HTTPS/recibo" | input_value token)
reporter -o "$HC_WORK/receipt.html" --data-urlencode "token=$token" --data-urlencode "recibo=$receipt" "$HTTPS/recibo" ||
  hc_fail "POST /recibo over TLS failed"
hc_assert_contains "$(cat "$HC_WORK/receipt.html")" "Soyapango" "the receipt opens the report through nginx (its place)"

# What hcbus-report was handed: the requests, with Host and Content-Type only.
received=$(cat "$HC_WORK/received-headers.txt")
for request in "GET /reporte " "POST /reporte/lugar " "POST /reporte/enviar " "POST /recibo "; do
  hc_assert_contains "$received" "$request" "hcbus-report got $request through nginx"
done
for header in User-Agent Referer Cookie X-Forwarded-For X-Real-IP Forwarded X-Forwarded-Proto Via; do
  if grep -qi "^$header:" <<<"$received"; then hc_fail "nginx passed $header on to hcbus-report"; fi
  HC_CHECKS=$((HC_CHECKS + 1))
done
for text in "$REPORTER_AGENT" "$REPORTER_ADDRESS" "$FORGED_ADDRESS" "$REFERRER"; do
  if grep -qF -- "$text" <<<"$received"; then hc_fail "hcbus-report was handed '$text'"; fi
  HC_CHECKS=$((HC_CHECKS + 1))
done
hc_assert_eq "Content-Length Content-Type Host" \
  "$(grep -oE '^[A-Za-z-]+:' <<<"$received" | tr -d : | sort -u | tr '\n' ' ' | sed 's/ $//')" \
  "the only headers hcbus-report ever got"

# ---- TLS, redirect, limits --------------------------------------------------------

hc_assert_eq 200 "$(reporter -o /dev/null -w '%{http_code}' --tlsv1.2 --tls-max 1.2 "$HTTPS/")" "TLS 1.2 is accepted"
hc_assert_eq 200 "$(reporter -o /dev/null -w '%{http_code}' --tlsv1.3 "$HTTPS/")" "TLS 1.3 is accepted"
# TLS 1.1 offered by a client that allows it (OpenSSL's security level 0): refused.
if openssl s_client -connect "127.0.0.1:$TLS_PORT" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' \
     </dev/null >"$HC_WORK/tls11.log" 2>&1; then
  hc_fail "nginx accepted TLS 1.1: $(tail -n 5 "$HC_WORK/tls11.log")"
fi
hc_assert_contains "$(cat "$HC_WORK/tls11.log")" "alert protocol version" "the server refused TLS 1.1 (not the client)"
redirect=$(curl -sS --max-time "$CURL_TIMEOUT_S" --interface "$REPORTER_ADDRESS" -A "$REPORTER_AGENT" -o /dev/null \
  -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$PLAIN_PORT/reporte?lang=en")
hc_assert_eq "301 https://report.example.org/reporte?lang=en" "$redirect" "plain http only redirects to the https site"
# One byte over the limit: nginx answers 413 with the form's page, hcbus-report never sees it.
posts_received() { grep -c '^POST ' "$HC_WORK/received-headers.txt" || true; }
before=$(posts_received)
head -c $((NGINX_BODY_LIMIT_BYTES + 1)) /dev/zero >"$HC_WORK/too-large.bin"
status=$(reporter -o "$HC_WORK/too-large.html" -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
  --data-binary "@$HC_WORK/too-large.bin" "$HTTPS/reporte/enviar")
rm -f "$HC_WORK/too-large.bin"
hc_assert_eq 413 "$status" "a body over max_request_bytes is refused by nginx"
hc_assert_contains "$(cat "$HC_WORK/too-large.html")" "demasiado grande" "with the form's own page, in Spanish"
hc_assert_eq "$before" "$(posts_received)" "the refused body never reached hcbus-report"
# The onion service's local port: the same form, the same headers withheld.
hc_assert_eq 200 "$(curl -sS --max-time "$CURL_TIMEOUT_S" -A "$REPORTER_AGENT" -o /dev/null -w '%{http_code}' \
  "http://127.0.0.1:$ONION_PORT/reporte")" "the onion service's local port serves the form"
if grep -qiE '^(User-Agent|X-Forwarded-For):' "$HC_WORK/received-headers.txt"; then
  hc_fail "the onion port passed a User-Agent or X-Forwarded-For on"
fi
HC_CHECKS=$((HC_CHECKS + 1))
# hcbus-report itself, reached directly with the same identifiers: it logs none of them.
reporter -o /dev/null "$HC_REPORT_URL/reporte" || hc_fail "GET $HC_REPORT_URL/reporte failed"
reporter -o /dev/null -d token=forged -d recibo=0000-0000-0000-0000 "$HC_REPORT_URL/recibo" || true

# ---- the control: what nginx writes when a server logs -----------------------------

reporter -o /dev/null "http://127.0.0.1:$CONTROL_PORT/reporte" || true
control_logged() { grep -q "$REPORTER_ADDRESS" "$CONTROL/access.log" && grep -q "client: $REPORTER_ADDRESS" "$CONTROL/error.log"; }
hc_wait_for "the control server's logs to name the reporter" 10 control_logged

# hcbus-report unreachable: nginx's own page, 503 with Retry-After.
hc_kill recorder TERM
unavailable=$(reporter -D - -o "$HC_WORK/unavailable.html" "$HTTPS/reporte")
hc_assert_contains "$unavailable" "HTTP/2 503" "hcbus-report down: nginx answers 503"
hc_assert_contains "$unavailable" "retry-after: 60" "with Retry-After"
hc_assert_contains "$(cat "$HC_WORK/unavailable.html")" "no está disponible" "and the form's own page"
hc_kill nginx TERM
hc_report_stop
rm -rf -- "$CONTROL"

# ---- nothing names the reporter ----------------------------------------------------

hc_assert_eq "" "$(find "$NG" -name '*access*' -size +0 -printf '%P ')" "nginx wrote no access log"
hc_assert_contains "$(cat "$NG/logs/main-error.log")" "[notice]" "the main-level error log was written (so it was on)"
for text in "$REPORTER_ADDRESS" "$REPORTER_AGENT" "$FORGED_ADDRESS" "$REFERRER"; do
  found=$(grep -rlaF -- "$text" "$HC_WORK" 2>/dev/null || true)
  [ -z "$found" ] || hc_fail "'$text' is written in: $found"
  HC_CHECKS=$((HC_CHECKS + 1))
done
hc_assert_eq "" "$(grep -rh 'client: ' "$NG/logs" || true)" "no nginx error line names a client"

# ---- Tor: the shipped onion service ------------------------------------------------

mkdir -p "$HC_WORK/tor/data"
chmod 0700 "$HC_WORK/tor" "$HC_WORK/tor/data"
CONFIG_TEXT=$(cat "$HC_SRC/deploy/tor/torrc")
replace "HiddenServiceDir /var/lib/tor/hcbus-report/" "HiddenServiceDir $HC_WORK/tor/hcbus-report/"
replace "HiddenServicePort 80 127.0.0.1:7781" "HiddenServicePort 80 127.0.0.1:$ONION_PORT"
printf '%s\nDataDirectory %s\n' "$CONFIG_TEXT" "$HC_WORK/tor/data" >"$HC_WORK/tor/torrc"
tor --verify-config --defaults-torrc /dev/null -f "$HC_WORK/tor/torrc" >"$HC_WORK/tor/verify.log" 2>&1 ||
  hc_fail "tor --verify-config refuses the shipped torrc: $(tail -n 5 "$HC_WORK/tor/verify.log")"
hc_assert_contains "$(cat "$HC_WORK/tor/verify.log")" "Configuration was valid" "tor accepts the shipped torrc"
sed 's/^HiddenServicePort 80 .*/HiddenServicePort 80 127.0.0.1:notaport/' "$HC_WORK/tor/torrc" >"$HC_WORK/tor/broken"
if tor --verify-config --defaults-torrc /dev/null -f "$HC_WORK/tor/broken" >/dev/null 2>&1; then
  hc_fail "tor --verify-config accepted a broken HiddenServicePort: the check proves nothing"
fi
HC_CHECKS=$((HC_CHECKS + 1))

hc_pass
