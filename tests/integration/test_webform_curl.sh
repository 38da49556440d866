#!/usr/bin/env bash
# test_webform_curl.sh — the whole form with curl alone (no JavaScript anywhere), against
# hcbus-report with the real broker, auditd and PostgreSQL over TCP:
# - the form token taken from the page; the place search (department San Salvador:
#   "soyapango", "santo tomas" without its accent, "MEJICANOS" in capitals, and a name
#   that matches nothing: the department alone and a new search are offered);
# - the mistakes a person makes on step 2, all shown at once with what was typed kept
#   (escaped); then a multipart submission with a photo; the receipt on the page;
# - the facilitator finds the alert, checks it, asks (hcbus audit ask); the receipt typed
#   wrong (a U, too short; a code that opens nothing), then as written on paper (lower
#   case, spaces, O for 0 and L for 1): the question; an empty answer refused, then the
#   answer; the facilitator reads it (hcbus audit conversation);
# - lang=en: the pages, the search, the errors and the receipt in English; the
#   conversation's switch (a POST form, the receipt hidden) reopens it in English;
# - every page: the headers of spec15 (CSP, no-referrer, nosniff, DENY, no-store, the
#   language, utf-8), never Set-Cookie, under 30 KB, the viewport and html lang.
# Every page received is kept in $HCBUS_TEST_OUTPUT_DIR/test_webform_curl/ (default the
# build dir's test-output/) as NN-name.html.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
source "$HC_SRC/tests/lib/bus.sh"
source "$HC_SRC/tests/lib/audit.sh"
source "$HC_SRC/tests/lib/report.sh"
source "$HC_SRC/tests/lib/webform.sh"

ZONE=sv.ss.san-salvador-este.soyapango
DESCRIPTION='Nos cerraron el paso a la unidad móvil en la calle principal. Dijeron: "aquí no entran" & <nadie> nos ayudó.'
QUESTION="¿Cuántas personas había en el retén y qué vehículo usaban?"
ANSWER="Eran cuatro, en un pick-up gris sin placas."
RECEIPT_RE='[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}'
PAGE_MAX=30720

hc_bus_setup
hc_report_setup   # skips the test (77) when hcbus-report is not built
hc_webform_output
hc_bus_start
hc_report_start
hc_report_wait_ready
hc_audit_allow
hc_webform_photo "$HC_WORK/foto.jpg"

# ---- HTTP: every response is checked and kept ------------------------------------------
N=0
STATUS=""   # of the last response
PAGE=""     # the file holding its body
HEADERS=""  # the file holding its headers
# http NAME LANG CURL_ARGS...: one request; checks the headers and size every page must
# have (LANG: es or en, the page's language); the body is kept as $HC_OUT/NN-NAME.html.
http() {
  local name=$1 lang=$2
  shift 2
  N=$((N + 1))
  PAGE=$(printf '%s/%02d-%s.html' "$HC_OUT" "$N" "$name")
  HEADERS=$HC_WORK/$N.headers
  STATUS=$(curl -sS -o "$PAGE" -D "$HEADERS" -w '%{http_code}' --max-time 30 "$@") ||
    hc_fail "$name: curl failed ($*)"
  local size h
  size=$(stat -c %s "$PAGE")
  [ "$size" -lt "$PAGE_MAX" ] || hc_fail "$name: the page is $size bytes (limit $PAGE_MAX)"
  grep -qi '^set-cookie:' "$HEADERS" && hc_fail "$name: the response sets a cookie: $(grep -i '^set-cookie:' "$HEADERS")"
  h=$(tr -d '\r' <"$HEADERS")
  for want in "content-security-policy: default-src 'none'" "form-action 'self'" "frame-ancestors 'none'" \
      "referrer-policy: no-referrer" "x-content-type-options: nosniff" "x-frame-options: deny" \
      "cache-control: no-store" "content-type: text/html; charset=utf-8" "content-language: $lang"; do
    [[ ${h,,} == *"$want"* ]] || hc_fail "$name: the response has no '$want' header: $h"
  done
  grep -q '<meta name="viewport" content="width=device-width, initial-scale=1"' "$PAGE" ||
    hc_fail "$name: no viewport meta (a phone would show it zoomed out)"
  grep -qE "<html[^>]* lang=\"$lang" "$PAGE" || hc_fail "$name: <html lang> is not $lang: $(grep -o '<html[^>]*>' "$PAGE")"
  grep -qi '<script' "$PAGE" && hc_fail "$name: the page holds a <script>"
  HC_CHECKS=$((HC_CHECKS + 1))
}
page_get() { http "$1" "$2" "$HC_REPORT_URL$3"; }
# page_post NAME LANG PATH FIELD=VALUE...: a form as a browser sends it (URL-encoded).
page_post() {
  local name=$1 lang=$2 path=$3 kv args=()
  shift 3
  for kv in "$@"; do args+=(--data-urlencode "$kv"); done
  http "$name" "$lang" "${args[@]}" "$HC_REPORT_URL$path"
}
# page_multipart NAME LANG PATH FIELD=VALUE... [foto=@FILE]: multipart/form-data.
page_multipart() {
  local name=$1 lang=$2 path=$3 kv args=()
  shift 3
  for kv in "$@"; do
    case $kv in
      foto=@*) args+=(-F "foto=@${kv#foto=@};type=image/jpeg") ;;
      *) args+=(--form-string "$kv") ;;
    esac
  done
  http "$name" "$lang" "${args[@]}" "$HC_REPORT_URL$path"
}
expect_status() { hc_assert_eq "$1" "$STATUS" "$2: HTTP status"; }
# The value of the (first) form control NAME on the last page (its HTML attribute, as sent).
value_of() {
  grep -o "<input[^>]*name=\"$1\"[^>]*>" "$PAGE" | head -1 | grep -o 'value="[^"]*"' | sed 's/^value="//; s/"$//'
}
# The values of every radio or option named NAME on the last page, one a line.
values_of() {
  { grep -o "<input[^>]*name=\"$1\"[^>]*>" "$PAGE" | grep -o 'value="[^"]*"' | sed 's/^value="//; s/"$//'
    sed -n "/<select[^>]*name=\"$1\"/,/<\/select>/p" "$PAGE" | grep -o '<option[^>]*value="[^"]*"' | sed 's/.*value="//; s/"$//'
  } | grep -v '^$' || true
}
has_form() { grep -qE "<form[^>]*action=\"$1(\?[^\"]*)?\"" "$PAGE"; }
text_of() { sed 's/<[^>]*>/ /g' "$PAGE" | tr -s ' \n' ' '; }

# ---- home and step 1 ---------------------------------------------------------------------
page_get inicio es /
expect_status 200 "home"
grep -q 'href="/reporte"' "$PAGE" || hc_fail "home: no link to /reporte"
grep -q 'href="/recibo"' "$PAGE" || hc_fail "home: no link to /recibo"
grep -qE 'href="[^"]*lang=en' "$PAGE" || hc_fail "home: no switch to English"
css=$(curl -sS -D - -o /dev/null "$HC_REPORT_URL/estilo.css" | tr -d '\r')
[[ ${css,,} == *"content-type: text/css"* && ${css,,} != *"no-store"* && ${css,,} != *"set-cookie"* ]] ||
  hc_fail "the stylesheet: text/css, cacheable, no cookie expected: $css"

page_get donde es /reporte
expect_status 200 "step 1"
token=$(value_of token)
[ -n "$token" ] || hc_fail "step 1: no form token"
hc_assert_eq 14 "$(values_of departamento | grep -cE '^[A-Z]{2}$')" "step 1: the 14 departments by ISO suffix"
has_form /reporte/lugar || hc_fail "step 1: no form posting to /reporte/lugar"

# ---- the place search ---------------------------------------------------------------------
search() {   # NAME TEXT: step 1 sent with department San Salvador
  page_post "$1" es /reporte/lugar token="$token" lang=es departamento=SS lugar="$2"
  expect_status 200 "search '$2'"
}
search lugar-santo-tomas "santo tomas"
values_of zona | grep -qx sv.ss.san-salvador-sur.santo-tomas || hc_fail "'santo tomas' does not find Santo Tomás: $(values_of zona | tr '\n' ' ')"
search lugar-mayusculas "MEJICANOS"
values_of zona | grep -qx sv.ss.san-salvador-centro.mejicanos || hc_fail "'MEJICANOS' does not find Mejicanos: $(values_of zona | tr '\n' ' ')"
search lugar-ninguno "xyzxyzxyz"
hc_assert_eq "sv.ss" "$(values_of zona | tr '\n' ' ' | sed 's/ $//')" "a name that matches nothing: only the department is offered"
has_form /reporte/lugar || hc_fail "a name that matches nothing: no new search offered"
search lugar-soyapango "soyapango"
values_of zona | grep -qx "$ZONE" || hc_fail "'soyapango' does not find Soyapango: $(values_of zona | tr '\n' ' ')"
values_of zona | grep -qx sv.ss || hc_fail "step 2: no 'only the department' choice"
grep -qE '<form[^>]*action="/reporte/enviar"[^>]*enctype="multipart/form-data"|<form[^>]*enctype="multipart/form-data"[^>]*action="/reporte/enviar"' "$PAGE" ||
  hc_fail "step 2: no multipart form posting to /reporte/enviar"
grep -qE '<input[^>]*type="file"[^>]*name="foto"|<input[^>]*name="foto"[^>]*type="file"' "$PAGE" || hc_fail "step 2: no file input foto"
grep -qiE 'identific' "$PAGE" || hc_fail "step 2: no warning that a photo may identify its author"
for field in que a_quien cuando gravedad; do
  [ -n "$(values_of "$field")" ] || hc_fail "step 2: no choices for $field"
done
hc_assert_eq "hoy ayer fecha" "$(values_of cuando | tr '\n' ' ' | sed 's/ $//')" "step 2: the choices of cuando"
hc_assert_eq "low moderate high critical" "$(values_of gravedad | tr '\n' ' ' | sed 's/ $//')" "step 2: the choices of gravedad"
token=$(value_of token)
[ -n "$token" ] || hc_fail "step 2: no form token"

# ---- step 2 with mistakes: every error at once, what was typed kept -------------------------
tomorrow=$(TZ=America/El_Salvador date -d tomorrow +%F)
page_multipart errores es /reporte/enviar token="$token" lang=es departamento=SS lugar=soyapango \
  cuando=fecha fecha="$tomorrow" muertos=dos heridos=2 secuestrados= relato="$DESCRIPTION"
[ "$STATUS" -ge 200 ] && [ "$STATUS" -lt 500 ] && [ "$STATUS" != 403 ] || hc_fail "step 2 with mistakes: HTTP $STATUS"
grep -q 'name="zona"' "$PAGE" || hc_fail "step 2 with mistakes: the form is not shown again"
escaped=$(sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/"/\&quot;/g' <<<"$DESCRIPTION")
grep -qF -- "$escaped" "$PAGE" ||
  hc_fail "step 2 with mistakes: the description is not kept (escaped)"
hc_assert_eq 2 "$(value_of heridos)" "step 2 with mistakes: heridos kept"
grep -q '<nadie>' "$PAGE" && hc_fail "step 2 with mistakes: the description is not escaped"
# Each error is listed at the top, linked to its field (href="#f-FIELD"), and shown beside
# it (id="e-FIELD"): six mistakes, six errors, in one answer.
for field in zona que a_quien gravedad fecha muertos; do
  grep -q "href=\"#f-$field\"" "$PAGE" || hc_fail "step 2 with mistakes: the error list does not link to $field (see $PAGE)"
  grep -q "id=\"e-$field\"" "$PAGE" || hc_fail "step 2 with mistakes: no error beside $field (see $PAGE)"
done
hc_assert_eq 6 "$(grep -o 'href="#f-[a-z_]*"' "$PAGE" | sort -u | wc -l)" "step 2 with mistakes: six errors at once"
HC_CHECKS=$((HC_CHECKS + 1))
token=$(value_of token)

# ---- step 2 sent, with a photo ---------------------------------------------------------------
day=$(TZ=America/El_Salvador date -d '3 days ago' +%F)
page_multipart enviado es /reporte/enviar token="$token" lang=es departamento=SS lugar=soyapango \
  zona="$ZONE" que=obstruction_of_access a_quien=vehicle cuando=fecha fecha="$day" gravedad=moderate \
  muertos= heridos=0 secuestrados= relato="$DESCRIPTION" foto=@"$HC_WORK/foto.jpg"
expect_status 200 "the report sent"
receipt=$(text_of | LC_ALL=C grep -oE "$RECEIPT_RE" | sort -u)
[ "$(wc -l <<<"$receipt")" = 1 ] && [ -n "$receipt" ] || hc_fail "the sent page shows no single receipt: '$receipt'"
hc_log "receipt: $receipt"

# ---- the facilitator ---------------------------------------------------------------------------
seq=$(hc_webform_wait_alert "$ZONE")
shown=$(hc_audit show "$seq" --json) || hc_fail "hcbus audit show $seq failed"
hc_assert_eq "|obstruction_of_access|vehicle|moderate|true|0|0|0|${day}T06:00:00.000000Z" \
  "$(jq -r '[.sender, .summary.act, .summary.target, .summary.severity, .summary.anonymous, .summary.casualties.killed,
            .summary.casualties.injured, .summary.casualties.removed, .summary.occurred_at_us] | join("|")' <<<"$shown")" \
  "the alert says what was sent (empty counts = 0), the day at 00:00 in El Salvador, no sender"
hc_assert_eq "$DESCRIPTION" "$(jq -r .summary.description <<<"$shown")" "the description as sent"
mkdir -p "$HC_OUT/fotos"
hc_audit photos "$seq" --out "$HC_OUT/fotos" >/dev/null || hc_fail "hcbus audit photos $seq failed"
hc_assert_eq "$seq-1.jpg" "$(ls "$HC_OUT/fotos")" "the photo is kept for the facilitators"
hc_webform_ask "$seq" "$QUESTION"

# ---- the receipt typed wrong ----------------------------------------------------------------------
page_get recibo es /recibo
expect_status 200 "the receipt page"
has_form /recibo || hc_fail "the receipt page: no form posting to /recibo"
token=$(value_of token)
blank=$(text_of)
wrong_u="${receipt:0:18}U"
page_post recibo-con-u es /recibo token="$token" lang=es recibo="$wrong_u"
[ "$STATUS" -lt 500 ] || hc_fail "a receipt with a U: HTTP $STATUS"
grep -q 'name="recibo"' "$PAGE" || hc_fail "a receipt with a U: the receipt field is not offered again"
grep -q 'name="respuesta"' "$PAGE" && hc_fail "a receipt with a U opened a conversation"
[ "$(text_of)" != "$blank" ] || hc_fail "a receipt with a U: the page says nothing about it"
err_u=$(text_of)
page_post recibo-corto es /recibo token="$token" lang=es recibo="${receipt:0:14}"
[ "$STATUS" -lt 500 ] || hc_fail "a short receipt: HTTP $STATUS"
[ "$(text_of)" != "$blank" ] || hc_fail "a short receipt: the page says nothing about it"
other=$( [ "${receipt:0:1}" = 7 ] && echo 8 || echo 7 )
page_post recibo-ajeno es /recibo token="$token" lang=es recibo="$other${receipt:1}"
[ "$STATUS" -lt 500 ] || hc_fail "a receipt that opens nothing: HTTP $STATUS"
grep -q 'name="respuesta"' "$PAGE" && hc_fail "a mistyped receipt opened a conversation"
grep -qF "$QUESTION" "$PAGE" && hc_fail "a mistyped receipt shows the question"
[ "$(text_of)" != "$blank" ] || hc_fail "a receipt that opens nothing: the page says nothing about it"
[ "$(text_of)" != "$err_u" ] || hc_fail "a receipt that opens nothing is answered like a malformed one"

# ---- the receipt as written on paper: the question, an empty answer, the answer ---------------
paper=$(tr 'A-Z01-' 'a-zol ' <<<"$receipt")
page_post conversacion es /recibo token="$token" lang=es recibo="$paper"
expect_status 200 "the receipt as written on paper ('$paper')"
grep -qF "$QUESTION" "$PAGE" || hc_fail "the conversation does not show the question: $(text_of | head -c 600)"
has_form /recibo/responder || hc_fail "the conversation: no form posting to /recibo/responder"
pregunta=$(value_of pregunta)
[[ $pregunta =~ ^[0-9]+$ ]] || hc_fail "the conversation: no question id in 'pregunta' ('$pregunta')"
token=$(value_of token)
hidden_receipt=$(value_of recibo)
[ -n "$hidden_receipt" ] || hc_fail "the conversation: the receipt does not travel in the form"
page_post respuesta-vacia es /recibo/responder token="$token" lang=es recibo="$hidden_receipt" pregunta="$pregunta" respuesta=
[ "$STATUS" -lt 500 ] || hc_fail "an empty answer: HTTP $STATUS"
grep -q 'name="respuesta"' "$PAGE" || hc_fail "an empty answer: the question is no longer open"
token=$(value_of token)
page_post respondido es /recibo/responder token="$token" lang=es recibo="$hidden_receipt" pregunta="$pregunta" respuesta="$ANSWER"
expect_status 200 "the answer sent"
grep -qF "$ANSWER" "$PAGE" || hc_fail "the answer is not shown after answering"
grep -q 'name="respuesta"' "$PAGE" && hc_fail "the answered question still offers an answer field"
# The conversation's language switch: a small POST form (the receipt hidden, never in a
# link) that reopens the conversation in English.
switch=$(grep -o '<form class="idioma".*</form>' "$PAGE" | sed 's|</form>.*||')
[ -n "$switch" ] || hc_fail "the conversation: no language switch form"
grep -q 'method="post" autocomplete="off" action="/recibo"' <<<"$switch" || hc_fail "the conversation's switch does not POST to /recibo: $switch"
grep -q 'name="lang" value="en"' <<<"$switch" || hc_fail "the conversation's switch does not carry lang=en: $switch"
grep -qF "name=\"recibo\" value=\"$hidden_receipt\"" <<<"$switch" || hc_fail "the conversation's switch does not carry the receipt: $switch"
grep -qE 'href="[^"]*(recibo=|[A-Z0-9]{4}-[A-Z0-9]{4})' "$PAGE" && hc_fail "the conversation puts the receipt in a link"
page_post conversation-en en /recibo token="$(value_of token)" lang=en recibo="$hidden_receipt"
expect_status 200 "the conversation reopened in English by its switch"
grep -qF "$QUESTION" "$PAGE" || hc_fail "the English conversation does not show the question"
grep -qF "$ANSWER" "$PAGE" || hc_fail "the English conversation does not show the answer"
grep -q 'Questions from the facilitators' "$PAGE" || hc_fail "the conversation reopened by the switch is not in English"
# The answer waits for its release (release_delay_min_s..max_s, as a report) before
# it is written where facilitators read it.
answer_released() { hc_webform_conversation "$seq" | grep -qF -- "$ANSWER"; }
hc_wait_for "the answer released to the facilitators" 30 answer_released
conversation=$(hc_webform_conversation "$seq")
hc_assert_contains "$conversation" "$QUESTION" "the facilitator sees the question"
hc_assert_contains "$conversation" "$ANSWER" "the facilitator reads the answer"

# ---- English ---------------------------------------------------------------------------------------
page_get home-en en "/?lang=en"
expect_status 200 "home in English"
grep -qE 'href="/reporte\?lang=en"' "$PAGE" || hc_fail "home in English: the report link loses the language"
[ "$(text_of)" != "$(sed 's/<[^>]*>/ /g' "$HC_OUT/01-inicio.html" | tr -s ' \n' ' ')" ] || hc_fail "the English home is the Spanish one"
page_get where-en en "/reporte?lang=en"
hc_assert_eq en "$(value_of lang)" "step 1 in English carries lang=en"
token=$(value_of token)
page_post places-en en /reporte/lugar token="$token" lang=en departamento=SS lugar=soyapango
values_of zona | grep -qx "$ZONE" || hc_fail "the English search does not find Soyapango"
hc_assert_eq en "$(value_of lang)" "step 2 in English carries lang=en"
token=$(value_of token)
page_multipart errors-en en /reporte/enviar token="$token" lang=en departamento=SS lugar=soyapango cuando=hoy
grep -q 'name="zona"' "$PAGE" || hc_fail "English step 2 with mistakes: the form is not shown again"
page_get receipt-en en "/recibo?lang=en"
token=$(value_of token)
page_post receipt-wrong-en en /recibo token="$token" lang=en recibo="$wrong_u"
grep -q 'name="recibo"' "$PAGE" || hc_fail "an English wrong receipt: the receipt field is not offered again"

hc_log "$N pages kept in $HC_OUT; largest $(ls -S "$HC_OUT"/*.html | head -1 | xargs stat -c '%s bytes (%n)')"
hc_pass
