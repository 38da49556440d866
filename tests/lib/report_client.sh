# shellcheck shell=bash
# report_client.sh — a reporter's client for hcbus-report tests, with curl and no
# JavaScript (source after harness.sh, bus.sh and report.sh): every request leaves from a
# chosen loopback address with a chosen User-Agent, Referer and forwarding headers, so a
# test can then look for them where they must never be. Pages and headers are kept in
# $RC_DIR (the client's side: the anonymity search skips it). What it does not do: start
# anything or judge the answers (the tests assert).
#
#   RC_FROM=127.23.45.67 RC_UA="..." rc_setup
#   status=$(rc_get home /)                       # $RC_DIR/home.html, $RC_DIR/home.h
#   token=$(rc_input "$RC_DIR/home.html" token)   # an <input>'s value
#   status=$(rc_post where /reporte/lugar token="$token" departamento=SS lugar=Soyapango)
#   status=$(rc_post_multipart sent /reporte/enviar token="$token" foto=@photo.jpg ...)
#   receipt=$(rc_receipt "$RC_DIR/sent.html")
#   rc_report SS Soyapango threat "relato" photo.jpg   # the whole flow; prints the receipt

RC_PY=/usr/bin/python3          # Debian's python3 (python3-pil is installed for it)
RC_DIR=""
RC_FROM=${RC_FROM:-127.0.0.1}
RC_UA=${RC_UA:-}
RC_REFERER=${RC_REFERER:-}
RC_XFF=${RC_XFF:-}
RC_MAX_TIME_S=${RC_MAX_TIME_S:-30}  # curl gives up after this (a hang is a failure)
RC_COUNT=0

rc_setup() {
  RC_DIR=$HC_WORK/client
  mkdir -p "$RC_DIR"
}

# The curl options every request shares: source address, identity-revealing headers.
rc_curl_base() {
  local -n _opts=$1
  _opts=(-sS --max-time "$RC_MAX_TIME_S" --interface "$RC_FROM")
  [ -n "$RC_UA" ] && _opts+=(-A "$RC_UA")
  [ -n "$RC_REFERER" ] && _opts+=(-e "$RC_REFERER")
  if [ -n "$RC_XFF" ]; then
    _opts+=(-H "X-Forwarded-For: $RC_XFF" -H "X-Real-IP: ${RC_XFF%%,*}" -H "Forwarded: for=${RC_XFF%%,*}")
  fi
  return 0
}

# rc_request NAME CURL_ARGS...: body to $RC_DIR/NAME.html, headers to NAME.h; prints the
# HTTP status (000 when no answer came).
rc_request() {
  local name=$1
  shift
  local opts
  rc_curl_base opts
  RC_COUNT=$((RC_COUNT + 1))
  curl "${opts[@]}" -D "$RC_DIR/$name.h" -o "$RC_DIR/$name.html" -w '%{http_code}' "$@" 2>>"$RC_DIR/curl.err" || true
}

# rc_get NAME PATH: GET $HC_REPORT_URL/PATH.
rc_get() { rc_request "$1" "$HC_REPORT_URL$2"; }

# rc_post NAME PATH FIELD=VALUE...: an urlencoded form.
rc_post() {
  local name=$1 path=$2 field args=()
  shift 2
  for field in "$@"; do args+=(--data-urlencode "$field"); done
  rc_request "$name" "${args[@]}" "$HC_REPORT_URL$path"
}

# rc_post_multipart NAME PATH FIELD=VALUE...: multipart/form-data; FIELD=@FILE uploads a
# file (as image/jpeg or image/png from its name); other values are sent as text.
rc_post_multipart() {
  local name=$1 path=$2 field key value args=()
  shift 2
  for field in "$@"; do
    key=${field%%=*}
    value=${field#*=}
    case $value in
      @*.png) args+=(-F "$key=$value;type=image/png") ;;
      @*) args+=(-F "$key=$value;type=image/jpeg") ;;
      *) args+=(--form-string "$key=$value") ;;
    esac
  done
  rc_request "$name" "${args[@]}" "$HC_REPORT_URL$path"
}

# rc_input FILE NAME: the value of the first <input> (hidden, text, radio...) named NAME.
rc_input() { rc_inputs "$1" "$2" first; }

# rc_inputs FILE NAME: the values of every <input> named NAME, one a line.
rc_inputs() {
  "$RC_PY" - "$1" "$2" "${3:-all}" <<'PY'
import html.parser, sys
values = []
class P(html.parser.HTMLParser):
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") == sys.argv[2]:
            values.append(a.get("value") or "")
P().feed(open(sys.argv[1], encoding="utf-8", errors="replace").read())
for v in values[:1] if sys.argv[3] == "first" else values:
    print(v)
PY
}

# rc_receipt FILE: the receipt code shown on a page (XXXX-XXXX-XXXX-XXXX).
rc_receipt() { grep -oE '\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b' "$1" | head -n 1; }

# rc_header FILE NAME: the value of response header NAME (case-insensitive), CR removed.
rc_header() { grep -i "^$2:" "$1" | head -n 1 | sed -e 's/^[^:]*:[[:space:]]*//' -e 's/\r$//'; }

# rc_photo FILE [ARTIST]: a small JPEG (a gradient) carrying EXIF with GPS, an Artist
# (ARTIST, default "hcbus test") and a comment, as a phone's camera would leave them.
rc_photo() {
  "$RC_PY" - "$1" <<'PY' || hc_fail "rc_photo: python3-pil could not write $1"
import sys
from PIL import Image
img = Image.new("RGB", (96, 64))
img.putdata([(x * 2, y * 3, (x + y) % 256) for y in range(64) for x in range(96)])
img.save(sys.argv[1], "JPEG", quality=85)
PY
  exiftool -q -overwrite_original -Artist="${2:-hcbus test}" -Comment="${2:-hcbus test}" \
    -GPSLatitude=13.7 -GPSLatitudeRef=N -GPSLongitude=89.2 -GPSLongitudeRef=W "$1" >/dev/null ||
    hc_fail "rc_photo: exiftool could not tag $1"
}

# The time now, in microseconds since the epoch.
rc_now_us() { date +%s%6N; }

# rc_timed NAME COMMAND...: run COMMAND, its start and end (µs) in $RC_DIR/NAME.window.
rc_timed() {
  local name=$1
  shift
  rc_now_us >"$RC_DIR/$name.window"
  "$@"
  rc_now_us >>"$RC_DIR/$name.window"
}

# rc_report NAME DEPT PLACE ACT TEXT [PHOTO...]: the whole form, as a reporter fills it:
# GET /reporte, POST /reporte/lugar (first place found), POST /reporte/enviar. Pages are
# NAME-where, NAME-details, NAME-sent in $RC_DIR, the start and end of the last POST in
# NAME-sent.window (µs). Prints the receipt; fails the test when a step does not answer
# 200 or no receipt is shown.
rc_report() {
  local name=$1 dept=$2 place=$3 act=$4 text=$5 status token zone photo files=()
  shift 5
  for photo in "$@"; do files+=("foto=@$photo"); done
  status=$(rc_get "$name-where" /reporte)
  [ "$status" = 200 ] || hc_fail "$name: GET /reporte answered $status"
  token=$(rc_input "$RC_DIR/$name-where.html" token)
  [ -n "$token" ] || hc_fail "$name: no token on /reporte"
  status=$(rc_post "$name-details" /reporte/lugar token="$token" departamento="$dept" lugar="$place" lang=es)
  [ "$status" = 200 ] || hc_fail "$name: POST /reporte/lugar answered $status"
  zone=$(rc_input "$RC_DIR/$name-details.html" zona)
  [ -n "$zone" ] || hc_fail "$name: no place offered for '$place' in $dept"
  token=$(rc_input "$RC_DIR/$name-details.html" token)
  rc_now_us >"$RC_DIR/$name-sent.window"
  status=$(rc_post_multipart "$name-sent" /reporte/enviar token="$token" departamento="$dept" \
    lugar="$place" lang=es zona="$zone" que="$act" a_quien=personnel cuando=hoy gravedad=high \
    muertos=0 heridos=1 secuestrados= relato="$text" "${files[@]}")
  rc_now_us >>"$RC_DIR/$name-sent.window"
  [ "$status" = 200 ] || hc_fail "$name: POST /reporte/enviar answered $status: $(head -c 600 "$RC_DIR/$name-sent.html")"
  local receipt
  receipt=$(rc_receipt "$RC_DIR/$name-sent.html")
  [ -n "$receipt" ] || hc_fail "$name: no receipt on the sent page"
  echo "$receipt"
}

# rc_noise_photo FILE KB: a JPEG of random pixels of about KB kilobytes (noise does not
# compress), for the size limits.
rc_noise_photo() {
  "$RC_PY" - "$1" "$2" <<'PY' || hc_fail "rc_noise_photo: python3-pil could not write $1"
import os, sys
from PIL import Image
side = 32
while True:
    img = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    img.save(sys.argv[1], "JPEG", quality=95)
    if os.path.getsize(sys.argv[1]) >= int(sys.argv[2]) * 1024:
        break
    side += 16
PY
}
