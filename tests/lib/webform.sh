# shellcheck shell=bash
# webform.sh — what the end-to-end tests of hcbus-report's form share (source after
# harness.sh, bus.sh, audit.sh and report.sh): where their screenshots and pages go, a
# photo to attach, and the facilitator's side of the conversation, through `hcbus audit`
# as a facilitator would (the role hcbus_facilitator; hc_audit_allow first).
#
#   hc_webform_output                      # HC_OUT: kept after the test (the work dir is not)
#   hc_webform_photo "$HC_WORK/foto.jpg"   # a 640x480 JPEG with camera EXIF and GPS
#   seq=$(hc_webform_wait_alert ZONE)      # the anonymous alert the form published there
#   hc_webform_ask SEQ "¿Cuántos eran?"    # hcbus audit ask
#   hc_webform_conversation SEQ            # hcbus audit conversation SEQ
#
# HCBUS_TEST_OUTPUT_DIR (default: the build dir's test-output/) holds one folder per test,
# emptied when the test starts: screenshots, pages as received, the driver's result.

# The directory this test's output is kept in (HC_OUT), emptied now.
hc_webform_output() {
  HC_OUT=${HCBUS_TEST_OUTPUT_DIR:-$HC_BIN/test-output}/$HC_TEST
  rm -rf -- "$HC_OUT"
  mkdir -p "$HC_OUT" || hc_fail "cannot make the output directory $HC_OUT"
  export HC_OUT
  hc_log "output (screenshots, pages): $HC_OUT"
}

# A python3 that has selenium and PIL (Debian's python3-selenium and python3-pil): the
# system's, even when another python3 comes first in PATH.
hc_webform_python() {
  local py
  for py in /usr/bin/python3 python3; do
    if "$py" -c 'import selenium, PIL' 2>/dev/null; then
      echo "$py"
      return 0
    fi
  done
  hc_fail "no python3 with selenium and PIL: install python3-selenium and python3-pil (deploy/install.sh)"
}

# hc_webform_photo FILE: a 640x480 JPEG a phone could have taken (EXIF Make, Model,
# DateTimeOriginal and a GPS position in San Salvador) whose middle is a red square.
hc_webform_photo() {
  "$(hc_webform_python)" - "$1" <<'PY' || hc_fail "cannot make the test photo $1"
import sys
from PIL import Image, ImageDraw
im = Image.new("RGB", (640, 480), (235, 235, 220))
ImageDraw.Draw(im).rectangle((220, 140, 420, 340), fill=(200, 20, 30))
exif = Image.Exif()
exif[0x010F] = "TelefonoMarca"          # Make
exif[0x0110] = "Modelo-X 2026"          # Model
exif[0x0132] = "2026:11:29 07:45:12"    # DateTime
gps = {1: "N", 2: (13.0, 41.0, 51.0), 3: "W", 4: (89.0, 11.0, 29.0)}
exif[0x8825] = gps                      # GPSInfo
im.save(sys.argv[1], "JPEG", quality=85, exif=exif)
PY
}

# True when the log holds an anonymous alert in ZONE (print nothing).
hc_webform_alert_seq() {
  hc_psql "SELECT max(seq) FROM hcbus.events WHERE kind = 'alert' AND sender = '' AND zone_id = '$1'"
}
hc_webform_has_alert() { [ -n "$(hc_webform_alert_seq "$1")" ]; }

# The seq of the anonymous alert the form published in ZONE, once auditd has recorded it
# (the release waits up to release_delay_max_s). Read as the facilitator would find it:
# `hcbus audit list --kind alert --institution ""` (no sender: an anonymous report).
hc_webform_wait_alert() {
  local zone=$1 seq
  hc_wait_for "the report published as an anonymous alert in $zone" 30 hc_webform_has_alert "$zone"
  seq=$(hc_audit list --kind alert --institution "" --json | jq -r --arg z "$zone" 'select(.zone_id == $z) | .seq' | tail -1)
  [ -n "$seq" ] || hc_fail "hcbus audit list does not show the anonymous alert in $zone"
  hc_assert_eq "$(hc_webform_alert_seq "$zone")" "$seq" "the facilitator's list shows the alert the log holds"
  echo "$seq"
}

# hc_webform_ask SEQ QUESTION: the facilitator asks the reporter of SEQ (hcbus audit ask).
hc_webform_ask() {
  hc_audit ask "$1" "$2" >"$HC_WORK/ask.out" || hc_fail "hcbus audit ask $1 failed: $(cat "$HC_WORK/audit.err")"
}

# hc_webform_conversation SEQ: the conversation about SEQ as the facilitator reads it
# (hcbus audit conversation SEQ, text).
hc_webform_conversation() {
  hc_audit conversation "$1" || hc_fail "hcbus audit conversation $1 failed: $(cat "$HC_WORK/audit.err")"
}
