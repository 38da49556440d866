#!/usr/bin/env bash
# test_webform_browser.sh — a health worker reports from a phone, in a real browser:
# headless Debian chromium driven by chromium-driver and python3-selenium
# (tests/lib/webform_browser.py), the page's JavaScript DISABLED, a 360x740 screen,
# against hcbus-report with the real broker, auditd and PostgreSQL over TCP.
# - Report: home, "Hacer un reporte", department San Salvador, "san martin" typed without
#   the accent, San Martín picked by its label, what happened (threat) / to whom /
#   yesterday / how serious / one injured / a description with accents / a photo with
#   EXIF and GPS; sent; the receipt read from the page.
# - The facilitator finds the anonymous alert (hcbus audit list), checks what it says,
#   sees the photo (hcbus audit photos: decodes, same size, no camera or GPS tags left)
#   and asks a question (hcbus audit ask).
# - The browser comes back (a new session: nothing kept), opens /recibo, types the
#   receipt as written down on paper (lower case, spaces), reads the question, answers;
#   the facilitator reads the answer (hcbus audit conversation). On the conversation the
#   language switch (a POST form with the receipt hidden) reopens it in English and back.
# - The English switch: home in English, the report form and its errors stay English.
# - On every page: no cookie in the browser, no Set-Cookie, < 30 KB as received, no
#   horizontal scrolling at 360 px, every control labelled, no <script>, the html lang;
#   step 2's height printed and bounded (the acts fold into their groups).
# Screenshots of each page: $HCBUS_TEST_OUTPUT_DIR/test_webform_browser/ (default the
# build dir's test-output/); the time the browser took and an estimate of a person's
# time are printed, never asserted.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
source "$HC_SRC/tests/lib/bus.sh"
source "$HC_SRC/tests/lib/audit.sh"
source "$HC_SRC/tests/lib/report.sh"
source "$HC_SRC/tests/lib/webform.sh"

CHROMIUM=${HCBUS_CHROMIUM:-/usr/bin/chromium}
CHROMEDRIVER=${HCBUS_CHROMEDRIVER:-/usr/bin/chromedriver}
[ -x "$CHROMIUM" ] || hc_fail "no $CHROMIUM: install Debian's chromium (deploy/install.sh)"
[ -x "$CHROMEDRIVER" ] || hc_fail "no $CHROMEDRIVER: install Debian's chromium-driver (deploy/install.sh)"
PY=$(hc_webform_python)
# HC_WEBFORM_HUMAN=1: the browser goes at a person's pace (about 3 minutes more), so the
# time printed is measured rather than estimated.
HUMAN=$([ "${HC_WEBFORM_HUMAN:-0}" = 1 ] && echo --human || true)
ZONE=sv.ss.san-salvador-este.san-martin
DESCRIPTION="Dos hombres armados detuvieron la ambulancia de vacunación y amenazaron al motorista."
QUESTION="¿Recuerda a qué hora fue y si los hombres llevaban algún distintivo?"
ANSWER="Como a las 10 de la mañana. Uno llevaba gorra negra; ningún distintivo."

hc_bus_setup
hc_report_setup   # skips the test (77) when hcbus-report is not built
hc_webform_output
hc_bus_start
hc_report_start
hc_report_wait_ready
hc_audit_allow
hc_webform_photo "$HC_WORK/foto.jpg"

# browser FLOW ARGS...: run the driver; its JSON result in $HC_OUT/FLOW.json.
browser() {
  local flow=$1
  shift
  # Bounded: every step of the driver waits at most 30 s; TERM makes it quit the browser.
  mkdir -p "$HC_WORK/browser"
  HOME=$HC_WORK/browser timeout -k 10 150 "$PY" "$HC_SRC/tests/lib/webform_browser.py" "$flow" --url "$HC_REPORT_URL" --out "$HC_OUT" \
    --work "$HC_WORK/browser" --chromium "$CHROMIUM" --chromedriver "$CHROMEDRIVER" "$@" \
    >"$HC_OUT/$flow.json" 2>"$HC_WORK/browser-$flow.log" ||
    hc_fail "the browser's $flow flow failed: $(grep -v '^\s*$' "$HC_WORK/browser-$flow.log" | tail -5)"
  HC_CHECKS=$((HC_CHECKS + $(jq -r .checks "$HC_OUT/$flow.json")))
}
result() { jq -r "$2" "$HC_OUT/$1.json"; }

# ---- the report ---------------------------------------------------------------------------
yesterday_before=$(TZ=America/El_Salvador date -d yesterday +%F)
browser report $HUMAN --department SS --place-typed "san martin" --place-label "San Martín" --place-zone "$ZONE" \
  --what threat --whom personnel --when ayer --severity high --injured 1 \
  --description "$DESCRIPTION" --photo "$HC_WORK/foto.jpg"
yesterday_after=$(TZ=America/El_Salvador date -d yesterday +%F)
receipt=$(result report .receipt)
[[ $receipt =~ ^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$ ]] || hc_fail "the receipt '$receipt' is not 4 groups of 4 Crockford symbols"
hc_log "receipt on the page: $receipt"

# ---- the facilitator: the alert, the photo, a question ----------------------------------
seq=$(hc_webform_wait_alert "$ZONE")
shown=$(hc_audit show "$seq" --json) || hc_fail "hcbus audit show $seq failed"
hc_assert_eq "|alert|threat|personnel|high|true|0|1|0" \
  "$(jq -r '[.sender, .kind, .summary.act, .summary.target, .summary.severity, .summary.anonymous,
            .summary.casualties.killed, .summary.casualties.injured, .summary.casualties.removed] | join("|")' <<<"$shown")" \
  "the alert says what the form said, with no sender"
hc_assert_eq "$DESCRIPTION" "$(jq -r .summary.description <<<"$shown")" "the description as typed (accents kept)"
occurred=$(jq -r .summary.occurred_at_us <<<"$shown")
case $occurred in
  "${yesterday_before}T06:00:00.000000Z" | "${yesterday_after}T06:00:00.000000Z") HC_CHECKS=$((HC_CHECKS + 1)) ;;
  *) hc_fail "occurred_at is '$occurred', expected yesterday ($yesterday_after) at 00:00 in El Salvador" ;;
esac
[ "$(jq -r .summary.alert_id <<<"$shown")" != "$receipt" ] || hc_fail "the alert id is the receipt"

mkdir -p "$HC_OUT/fotos"
hc_audit photos "$seq" --out "$HC_OUT/fotos" >/dev/null || hc_fail "hcbus audit photos $seq failed"
photo=$(find "$HC_OUT/fotos" -name "$seq-1.*" | head -1)
[ -n "$photo" ] || hc_fail "hcbus audit photos wrote no $seq-1.jpg|png: $(ls "$HC_OUT/fotos")"
hc_assert_eq "640 480" "$("$PY" -c 'import sys; from PIL import Image; print(*Image.open(sys.argv[1]).size)' "$photo")" \
  "the facilitator sees the photo the reporter attached (decodes, same size)"
command -v exiftool >/dev/null || hc_fail "no exiftool: install libimage-exiftool-perl (deploy/install.sh)"
hc_assert_eq "" "$(exiftool -s -s -s -Make -Model -GPSLatitude -GPSPosition -DateTime -DateTimeOriginal "$photo")" \
  "the stored photo keeps no camera, date or GPS tag"
hc_assert_eq "TelefonoMarca" "$(exiftool -s -s -s -Make "$HC_WORK/foto.jpg")" "(the photo sent had them)"
hc_webform_ask "$seq" "$QUESTION"

# ---- the reporter comes back with the receipt, as written on paper ----------------------
typed_receipt=$(tr 'A-Z-' 'a-z ' <<<"$receipt")
browser answer $HUMAN --receipt "$typed_receipt" --question "$QUESTION" --answer "$ANSWER"
# The answer waits for its release (release_delay_min_s..max_s, as a report) before
# it is written where facilitators read it.
answer_released() { hc_webform_conversation "$seq" | grep -qF -- "$ANSWER"; }
hc_wait_for "the answer released to the facilitators" 30 answer_released
conversation=$(hc_webform_conversation "$seq")
hc_assert_contains "$conversation" "$QUESTION" "the facilitator sees the question"
hc_assert_contains "$conversation" "$ANSWER" "the facilitator reads the reporter's answer"

# ---- English -------------------------------------------------------------------------
browser english --department SS --place-typed "soyapango"

# ---- every page: what was measured ------------------------------------------------------
pages=$(jq -s '[.[].pages[]] | length' "$HC_OUT"/report.json "$HC_OUT"/answer.json "$HC_OUT"/english.json)
largest=$(jq -rs '[.[].pages[]] | max_by(.bytes) | "\(.bytes) bytes (\(.name))"' "$HC_OUT"/report.json "$HC_OUT"/answer.json "$HC_OUT"/english.json)
hc_log "$pages pages checked (no cookie, < 30 KB, no horizontal scrolling at 360 px, every control labelled); largest: $largest"
hc_log "screenshots: $(cd "$HC_OUT" && ls ./*.png | tr '\n' ' ')"

# Step 2 on the phone: the 24 acts fold into their SSA groups (<details>), so the page is
# about six screens, not the 6156 px (8.3 screens) it was with every act shown. Printed,
# and bounded (a height, not a timing): under 4800 px, which an unfolded list exceeds.
step2=$(jq -r '.pages[] | select(.name == "reporte-lugares") | .height' "$HC_OUT/report.json")
hc_log "step 2 (reporte-lugares) is ${step2} px tall on a 360x740 screen ($(awk -v h="$step2" 'BEGIN { printf "%.1f", h / 740 }') screens; 6156 px with the acts unfolded)"
[ "${step2%.*}" -lt 4800 ] || hc_fail "step 2 is ${step2} px tall on a 360x740 phone: over 4800 px (are the acts unfolded?)"
HC_CHECKS=$((HC_CHECKS + 1))

# How long a health worker needs (printed, never asserted: the issue asks for under two
# minutes). The browser's own time is measured (page loads, the service's work, Argon2id
# included). A person's is estimated from what the browser did for them: 2.5 characters a
# second on a phone keyboard, 3 s per choice or tap (finding it included), 4 s to take in
# each new page plus 1 s per further screen (740 px) of it to scroll through (the pages of
# the conversation's language switch, which the test adds, are left out).
for flow in report answer; do
  read -r secs typed choices npages screens < <(jq -r '[.pages[] | select(.name | test("lleno|escrita|idioma") | not)] as $p |
    "\(.seconds) \(.typed_chars) \(.choices) \($p | length) \([$p[] | (.height / 740 | ceil) - 1] | add)"' "$HC_OUT/$flow.json")
  person=$(awk -v s="$secs" -v t="$typed" -v c="$choices" -v p="$npages" -v sc="$screens" \
    'BEGIN { printf "%.0f", s + t / 2.5 + c * 3 + p * 4 + sc }')
  if [ -n "$HUMAN" ]; then
    hc_log "time, $flow, at a person's pace (HC_WEBFORM_HUMAN=1): ${secs} s measured ($typed characters typed, $choices choices, $npages pages, $screens more screens)"
  else
    hc_log "time, $flow: the browser took ${secs} s; a person types $typed characters, makes $choices choices and reads $npages pages ($screens more screens to scroll): about ${person} s in all"
  fi
done
hc_pass
