#!/usr/bin/env bash
# test_webform_photos.sh — issue 15, photos: real photos full of metadata (Pillow makes
# them; exiftool adds an EXIF thumbnail, GPS, serial numbers and owner as maker notes
# carry them, XMP, IPTC, comments; jpegtran re-codes them progressive with restart
# markers and with arithmetic coding) are cleaned by hcbus-report's photo_strip()
# (tests/tools/strip_photo). On every cleaned copy exiftool -a -G1 -s finds nothing but
# the image's own structure (no EXIF, GPS, XMP, IPTC, ICC, comment, thumbnail, text
# chunk), none of the planted strings is left in the bytes, and Pillow decodes it to
# the same pixels as the original. Other formats (GIF, WebP, HEIC, text with a photo's
# name) are refused naming what they are; every prefix of a photo is refused or gives
# the same image.
# Then end to end, with the real bus, hcbus-report and PostgreSQL over TCP: three of
# them uploaded through the form with curl (two with a content type that lies) are
# stored in report.photos exactly as photo_strip cleans them, typed by their bytes;
# read back as a facilitator (review.report_photos, and `hcbus audit photos`) exiftool
# finds no metadata and Pillow the same pixels; a report with a HEIC photo is not sent
# and stores nothing.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../lib/bus.sh"

STRIP=$HC_BIN/tests/strip_photo
PHOTOS=$HC_SRC/tests/lib/photos.py
[ -x "$STRIP" ] || hc_fail "$STRIP is not built"
command -v exiftool >/dev/null || hc_fail "exiftool not installed (deploy/install.sh: libimage-exiftool-perl)"
command -v jpegtran >/dev/null || hc_fail "jpegtran not installed (deploy/install.sh: libjpeg-turbo-progs)"
# Debian's Pillow is /usr/bin/python3's; a python3 earlier in PATH may lack it.
PY=""
for candidate in /usr/bin/python3 python3; do
  if "$candidate" -c 'import PIL' 2>/dev/null; then PY=$candidate; break; fi
done
[ -n "$PY" ] || hc_fail "no python3 with Pillow (deploy/install.sh: python3-pil)"

IN=$HC_WORK/in OUT=$HC_WORK/out
mkdir -p "$IN" "$OUT"

# ---- the photos --------------------------------------------------------------------
# What a phone and an editing app leave in a photo: where, which device, whose.
TAGS=(-GPSLatitude=13.6929 -GPSLatitudeRef=N -GPSLongitude=89.2182 -GPSLongitudeRef=W -GPSAltitude=650
  -SerialNumber=SN-4242-HCBUS-BODY -LensSerialNumber=SN-4242-HCBUS-LENS -OwnerName=hcbus-secret-owner
  -ImageUniqueID=hcbus-secret-uid -XMP-dc:Creator=hcbus-secret-xmp -XMP-exif:GPSLatitude=13.69N
  -XMP-xmp:CreatorTool=hcbus-secret-tool -IPTC:By-line=hcbus-secret-iptc -IPTC:City=hcbus-secret-city)
add_metadata() {
  exiftool -q -q -overwrite_original "$@" "${TAGS[@]}" || hc_fail "exiftool could not write into ${*: -1}"
}

"$PY" "$PHOTOS" jpeg "$IN/phone.jpg" "$IN/thumb.jpg" || hc_fail "Pillow could not make a JPEG"
add_metadata '-ThumbnailImage<='"$IN/thumb.jpg" -Comment=hcbus-secret-comment "$IN/phone.jpg"
"$PY" "$PHOTOS" jpeg "$IN/progressive.jpg" "$IN/thumb2.jpg" progressive || hc_fail "Pillow: progressive JPEG"
add_metadata '-ThumbnailImage<='"$IN/thumb2.jpg" -Comment=hcbus-secret-comment "$IN/progressive.jpg"
"$PY" "$PHOTOS" jpeg "$IN/cmyk.jpg" "$IN/thumb3.jpg" cmyk || hc_fail "Pillow: CMYK JPEG"
add_metadata -Comment=hcbus-secret-comment "$IN/cmyk.jpg"
jpegtran -copy all -restart 1 -progressive "$IN/phone.jpg" >"$IN/restart.jpg" || hc_fail "jpegtran -restart"
jpegtran -copy all -arithmetic -restart 2 "$IN/phone.jpg" >"$IN/arithmetic.jpg" || hc_fail "jpegtran -arithmetic"
# A second image and a vendor's text after the end of the first, as MPF and some
# phones' trailers put them.
cat "$IN/phone.jpg" "$IN/thumb.jpg" >"$IN/trailer.jpg"
printf 'hcbus-secret-trailer' >>"$IN/trailer.jpg"
for variant in rgb rgba palette; do
  "$PY" "$PHOTOS" png "$IN/$variant.png" "$variant" || hc_fail "Pillow: $variant PNG"
  add_metadata -PNG:ModifyDate=now "$IN/$variant.png"
done
JPEGS="phone progressive cmyk restart arithmetic trailer"
PNGS="rgb rgba palette"

# ---- what exiftool may still say about a cleaned photo -------------------------------
# The file's own structure only: size, coding, components, palette and transparency,
# and the rebuilt Adobe colour transform of the CMYK photo. Anything else (a group or a
# tag not listed: EXIF's IFD0/ExifIFD/GPS/IFD1, XMP-*, IPTC, Photoshop, ICC_Profile,
# JFIF, MPF, File:Comment, PNG text, PNG-pHYs, even an exiftool warning) fails the test.
ALLOWED='^\[(System)\] |^\[ExifTool\] +ExifToolVersion |^\[Composite\] +(ImageSize|Megapixels) '
ALLOWED+='|^\[File\] +(FileType|FileTypeExtension|MIMEType|ImageWidth|ImageHeight|EncodingProcess|BitsPerSample'
ALLOWED+='|ColorComponents|YCbCrSubSampling) '
ALLOWED+='|^\[PNG\] +(ImageWidth|ImageHeight|BitDepth|ColorType|Compression|Filter|Interlace|Palette|Transparency'
ALLOWED+='|Gamma|SRGBRendering|WhitePointX|WhitePointY|RedX|RedY|GreenX|GreenY|BlueX|BlueY) '
ALLOWED+='|^\[Adobe\] +(DCTEncodeVersion|APP14Flags0|APP14Flags1|ColorTransform) '
PLANTED='hcbus-secret|HCBUSCAM|SN-4242|Testphone|Exif|http://ns.adobe.com|ICC_PROFILE|Photoshop|JFIF'

leftover() { exiftool -a -G1 -s "$1" | grep -Ev "$ALLOWED" || true; }

for name in $JPEGS $PNGS; do
  case " $JPEGS " in *" $name "*) src=$IN/$name.jpg type=image/jpeg ;; *) src=$IN/$name.png type=image/png ;; esac
  meta=$(exiftool -a -G1 -s "$src")
  # The original carries what the test says it does, and the check sees it.
  for tag in '\[GPS\] +GPSLatitude ' '\[XMP-dc\] +Creator ' '\[ICC_Profile\] ' '\[IFD0\] +Make .*HCBUSCAM' \
    '\[ExifIFD\] +SerialNumber ' '\[IPTC\] +By-line '; do
    grep -Eq "$tag" <<<"$meta" || hc_fail "$name: the original has no $tag: $meta"
  done
  case $type in
    image/jpeg) grep -Eq '^\[File\] +Comment ' <<<"$meta" || hc_fail "$name: the original has no comment" ;;
    image/png) grep -Eq '^\[PNG\] +(Author|ModifyDate) ' <<<"$meta" || hc_fail "$name: the original has no text chunk" ;;
  esac
  [ -n "$(leftover "$src")" ] || hc_fail "$name: the allowed list lets the original's metadata through"

  said=$("$STRIP" "$src" "$OUT/$name" 2>&1) || hc_fail "$name refused: $said"
  read -r got_type in_len out_len <<<"$said"
  hc_assert_eq "$type" "$got_type" "$name: content type from its own signature"
  HC_CHECKS=$((HC_CHECKS + 1))
  [ "$out_len" -lt "$in_len" ] || hc_fail "$name: $out_len bytes cleaned from $in_len: nothing removed?"
  hc_assert_eq "" "$(leftover "$OUT/$name")" "$name: exiftool finds only the image's structure"
  hc_assert_eq 0 "$(grep -Eac "$PLANTED" "$OUT/$name" || true)" "$name: no planted string in the cleaned bytes"
  same=$("$PY" "$PHOTOS" same "$src" "$OUT/$name") || hc_fail "$name: pixels changed: $same"
  HC_CHECKS=$((HC_CHECKS + 1))
  hc_log "$name: $in_len -> $out_len bytes, $same"
done
# Restart markers and arithmetic coding reached the cleaner (jpegtran did what we asked).
hc_assert_contains "$(exiftool -s -EncodingProcess "$OUT/arithmetic")" "arithmetic coding" "arithmetic JPEG"
hc_assert_contains "$(exiftool -s -EncodingProcess "$OUT/restart")" "Progressive DCT" "progressive JPEG"
hc_assert_contains "$(exiftool -s -ColorTransform "$OUT/cmyk")" "Unknown (RGB or CMYK)" \
  "the CMYK photo keeps Adobe's colour transform"
# Cleaning the same photo twice gives the same bytes; with a trailer or without, too.
"$STRIP" "$OUT/phone" "$OUT/phone.again" >/dev/null || hc_fail "a cleaned photo was refused"
cmp -s "$OUT/phone" "$OUT/phone.again" || hc_fail "cleaning a cleaned photo changed it"
cmp -s "$OUT/phone" "$OUT/trailer" || hc_fail "what follows the image's end was not all dropped"
HC_CHECKS=$((HC_CHECKS + 2))

# ---- refused ------------------------------------------------------------------------
"$PY" -c 'import sys; from PIL import Image; Image.new("RGB", (8, 8), "red").save(sys.argv[1], "GIF")' "$IN/photo.gif"
printf '\0\0\0\030ftypheic\0\0\0\0mif1heic' >"$IN/photo.heic"
printf 'RIFF\032\0\0\0WEBPVP8L\0\0\0\0' >"$IN/photo.webp"
printf '<html>not a photo</html>' >"$IN/text.jpg"             # a photo's name and type, not its bytes
head -c $(($(stat -c %s "$IN/phone.jpg") - 100)) "$IN/phone.jpg" >"$IN/truncated.jpg"   # a cut upload
head -c $(($(stat -c %s "$IN/rgb.png") - 100)) "$IN/rgb.png" >"$IN/truncated.png"
refused() {  # FILE EXPECTED-TEXT
  local said rc=0
  said=$("$STRIP" "$IN/$1" "$OUT/$1" 2>&1) || rc=$?
  hc_assert_eq 1 "$rc" "$1 is refused"
  hc_assert_contains "$said" "$2" "$1: the reason"
  hc_assert_contains "$said" "invalid_field: foto:" "$1: the field"
  [ ! -e "$OUT/$1" ] || hc_fail "$1: an output was written"
}
refused photo.gif "not a JPEG or PNG image: the file is a GIF image"
refused photo.heic "not a JPEG or PNG image: the file is a HEIC/HEIF image"
refused photo.webp "not a JPEG or PNG image: the file is a WebP image"
refused text.jpg "not a JPEG or PNG image"
refused truncated.jpg "damaged JPEG: the file ends inside the image data of the scan"
refused truncated.png "damaged PNG: the file ends inside the chunk"
# A PNG sent as "photo.jpg" (and, by a browser, as image/jpeg) is cleaned as the PNG it is.
cp "$IN/palette.png" "$IN/lying.jpg"
said=$("$STRIP" "$IN/lying.jpg" "$OUT/lying.jpg") || hc_fail "lying.jpg refused: $said"
hc_assert_eq image/png "${said%% *}" "the bytes decide the type, not the name"

# ---- every prefix ---------------------------------------------------------------------
for name in phone.jpg restart.jpg palette.png; do
  said=$("$STRIP" --prefixes "$IN/$name") || hc_fail "$name: a prefix was accepted wrongly: $said"
  hc_assert_contains "$said" ", 0 wrong" "$name: every prefix refused or the same image"
  hc_log "$name: $said"
done

# ---- end to end: through the form, stored in PostgreSQL, read as a facilitator ------------
# Three photos in one report, two with a content type that lies (a PNG sent as
# image/jpeg, a JPEG as image/png), as curl -F sends them from a browser's form.
source "$HC_SRC/tests/lib/report.sh"
source "$HC_SRC/tests/lib/audit.sh"
hc_bus_setup
hc_report_setup
hc_bus_start
hc_report_start
hc_report_wait_ready
hc_audit_allow

report_fields() {  # TOKEN
  printf '%s\n' -F departamento=SS -F lugar=Soyapango -F zona=sv.ss.san-salvador-este.soyapango -F que=threat \
    -F a_quien=personnel -F cuando=hoy -F gravedad=high -F muertos= -F heridos=1 -F secuestrados= \
    -F "relato=Fotos de la entrada de la unidad de salud" -F "token=$1"
}
send() {  # NAME CURL-ARGS...: prints the HTTP status, the page in $HC_WORK/NAME.html
  local name=$1
  shift
  curl -sS --max-time 30 -o "$HC_WORK/$name.html" -w '%{http_code}' "$@" "$HC_REPORT_URL/reporte/enviar"
}
stored_photos() { hc_psql 'SELECT count(*) FROM report.photos'; }
mailboxes_are() { [ "$(hc_psql 'SELECT count(*) FROM report.mailboxes')" = "$1" ]; }

mapfile -t FIELDS < <(report_fields "$(hc_report_token)")
hc_assert_eq 200 "$(send sent "${FIELDS[@]}" -F "foto=@$IN/phone.jpg;type=image/jpeg" \
  -F "foto=@$IN/palette.png;type=image/jpeg" -F "foto=@$IN/restart.jpg;type=image/png")" "a report with 3 photos"
RECEIPT=$(grep -oE '[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}' "$HC_WORK/sent.html" | head -n 1)
[ -n "$RECEIPT" ] || hc_fail "the report with photos got no receipt: $(head -c 2000 "$HC_WORK/sent.html")"
hc_wait_for "the report stored (release delay 0..1 s)" 30 mailboxes_are 1
hc_assert_eq 3 "$(stored_photos)" "the three photos stored with the mailbox"

# A facilitator reads them as docs/audit.md says: review.report_photos by the alert's seq.
SEQ=$("$HC_PSQL" -XAtq -v ON_ERROR_STOP=1 "$HC_AUDIT_CONNINFO" -c 'SELECT DISTINCT seq FROM review.report_photos')
[[ $SEQ =~ ^[0-9]+$ ]] || hc_fail "no single alert seq for the photos: '$SEQ'"
hc_assert_eq "" "$(hc_psql "SELECT sender FROM hcbus.events WHERE seq = $SEQ")" "the alert is anonymous"
mkdir -p "$HC_WORK/stored"
"$HC_PSQL" -XAtq -F ' ' -v ON_ERROR_STOP=1 "$HC_AUDIT_CONNINFO" \
  -c "SELECT n, content_type, translate(encode(bytes, 'base64'), E'\\n', '') FROM review.report_photos
      WHERE seq = $SEQ ORDER BY n" |
  while read -r n type b64; do
    printf '%s' "$b64" | base64 -d >"$HC_WORK/stored/$n" || exit 1
    echo "$type" >"$HC_WORK/stored/$n.type"
  done || hc_fail "cannot read the stored photos as the facilitator"
n=0
for name in phone palette restart; do
  n=$((n + 1))
  case $name in palette) src=$IN/palette.png type=image/png ;; *) src=$IN/$name.jpg type=image/jpeg ;; esac
  stored=$HC_WORK/stored/$n
  [ -s "$stored" ] || hc_fail "photo $n ($name) was not stored"
  hc_assert_eq "$type" "$(cat "$stored.type")" "photo $n ($name): typed by its bytes, not by the browser"
  cmp -s "$stored" "$OUT/$name" || hc_fail "photo $n ($name): the stored bytes are not photo_strip's"
  HC_CHECKS=$((HC_CHECKS + 1))
  hc_assert_eq "" "$(leftover "$stored")" "photo $n ($name) as stored: exiftool finds only the image's structure"
  hc_assert_eq 0 "$(grep -Eac "$PLANTED" "$stored" || true)" "photo $n ($name) as stored: no planted string"
  same=$("$PY" "$PHOTOS" same "$src" "$stored") || hc_fail "photo $n ($name) as stored: pixels changed: $same"
  HC_CHECKS=$((HC_CHECKS + 1))
done
# And as the facilitator's command writes them (docs/audit.md): the same bytes.
hc_audit photos "$SEQ" --out "$HC_WORK/fotos" >/dev/null || hc_fail "hcbus audit photos $SEQ failed"
for f in 1.jpg 2.png 3.jpg; do
  n=${f%%.*}
  cmp -s "$HC_WORK/fotos/$SEQ-$f" "$HC_WORK/stored/$n" || hc_fail "hcbus audit photos: $SEQ-$f differs from the view"
  HC_CHECKS=$((HC_CHECKS + 1))
done
# Nothing of the originals anywhere in the database either (as text: the planted strings).
dump=$(hc_psql "SELECT string_agg(encode(bytes, 'escape'), '') FROM report.photos")
for s in hcbus-secret HCBUSCAM SN-4242; do
  [[ $dump != *"$s"* ]] || hc_fail "'$s' is in report.photos"
done
HC_CHECKS=$((HC_CHECKS + 1))

# A photo the form cannot clean: the report is not sent, nothing is stored, the page
# says which field, and the other values are kept.
before=$(stored_photos)
mapfile -t FIELDS < <(report_fields "$(hc_report_token)")
status=$(send refused "${FIELDS[@]}" -F "foto=@$IN/phone.jpg" -F "foto=@$IN/photo.heic;type=image/jpeg")
[ "$status" != 200 ] || ! grep -qE '[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}' "$HC_WORK/refused.html" ||
  hc_fail "a report with a HEIC photo was accepted"
grep -q 'la segunda foto no es JPEG ni PNG (HEIC)' "$HC_WORK/refused.html" ||
  hc_fail "the refusal does not name the second photo: $(grep -o 'foto[^<]*' "$HC_WORK/refused.html" | head -n 5)"
grep -q 'ponga la cámara en JPEG' "$HC_WORK/refused.html" ||
  hc_fail "the refusal of a HEIC photo does not say to set the camera to JPEG: $(grep -o 'foto[^<]*' "$HC_WORK/refused.html" | head -n 5)"
grep -q 'Fotos de la entrada' "$HC_WORK/refused.html" || hc_fail "the refusal lost what was typed"
hc_assert_eq "$before" "$(stored_photos)" "nothing stored for the refused report"
HC_CHECKS=$((HC_CHECKS + 2))
hc_report_stop

hc_pass
