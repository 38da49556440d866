#!/usr/bin/env bash
# test_audit_cap.sh — `hcbus audit export --cap` as the facilitators' login
# (hcbus_facilitator, a member of hcbus_reviewer only) over the real broker, audit
# service and PostgreSQL (TCP). Publishes zone levels (one replacing another, one with an
# end) and security alerts (one anonymous, one with XML-hostile text <&"'>, one with a
# control character that the bus refuses), plus a dispatch with patient details, then
# shows:
# - --out DIR holds one file per alert and zone level published, no more (the dispatch
#   and the refused alert are not there), the counts on stderr agree;
# - every document validates against the OASIS CAP 1.2 schema (tests/data/cap-v1.2.xsd,
#   xmllint --schema); times carry the -06:00 offset (--utc: -00:00, never Z); language
#   es-SV; scope Restricted; identifier hcbus.sv-<seq> of the recorded seq; the
#   ISO 3166-2 geocode is the department of deploy/sv-districts.csv;
# - a level replacing another is msgType Update with the references of the first; the
#   end of a level is <expires>; the anonymous report names no institution at all;
# - the hostile text is escaped in the file and reads back exactly;
# - no patient detail in any file; exporting again gives the same bytes, no temp file;
# - stdout takes one event; more than one without --out is refused (exit 1, nothing
#   written); --from/--to and --kind select; --out naming a file is refused.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"
source "$(dirname "$0")/../lib/messages.sh"
source "$(dirname "$0")/../lib/audit.sh"

XSD="$HC_SRC/tests/data/cap-v1.2.xsd"
CSV="$HC_SRC/deploy/sv-districts.csv"
SOYAPANGO=sv.ss.san-salvador-este.soyapango
SAN_MIGUEL=sv.sm.san-miguel-centro.san-miguel
ARCE=sv.li.la-libertad-centro.ciudad-arce
APASTEPEQUE=sv.sv.san-vicente-norte.apastepeque
HOSTILE='Pandilla <b>"Los de arriba"</b> & '"'"'compañía'"'"' <&"'"'"'> exigió pasar ]]> sin revisión'
COMPLAINT=herida-de-bala-pierna   # hc_msg_dispatch's patient detail

command -v xmllint >/dev/null || hc_fail "xmllint not installed (Debian libxml2-utils: deploy/install.sh)"
command -v python3 >/dev/null || hc_fail "python3 not installed"

hc_bus_setup
hc_bus_start
hc_audit_allow

# ---- what is published -----------------------------------------------------------------
zone_red=$(hc_msg_publish minsal '{"msg_id": "z-1", "zone": {"zone_id": "'$SOYAPANGO'", "level": "red",
  "valid_from_us": "now", "reason": "balacera en la colonia", "access": {"escort_required": true}}}')
zone_orange=$(hc_msg_publish minsal '{"msg_id": "z-2", "zone": {"zone_id": "'$SOYAPANGO'", "level": "orange",
  "valid_from_us": "now", "valid_until_us": "now+2h", "reason": "operativo policial en curso"}}')
zone_yellow=$(hc_msg_publish minsal '{"msg_id": "z-3", "zone": {"zone_id": "'$SAN_MIGUEL'", "level": "yellow",
  "valid_from_us": "now"}}')
alert_pnc=$(hc_msg_publish pnc '{"msg_id": "a-1", "alert": {"alert_id": "pnc-a-1", "zone_id": "'$SAN_MIGUEL'",
  "target": "facility", "act": "threat", "severity": "high", "description": "amenaza en la unidad de salud"}}')
hostile_json=$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$HOSTILE")
alert_hostile=$(hc_msg_publish sem '{"msg_id": "a-2", "alert": {"alert_id": "sem-a-2", "zone_id": "'$ARCE'",
  "target": "vehicle", "act": "attack_on_vehicle", "severity": "critical", "request_id": "SEM-77",
  "casualties": {"injured": 2}, "description": '"$hostile_json"'}}')
alert_anon=$(hc_msg_publish webform '{"msg_id": "a-3", "alert": {"alert_id": "web-a-3", "zone_id": "'$APASTEPEQUE'",
  "target": "personnel", "act": "intimidation", "severity": "moderate", "anonymous": true,
  "description": "nos amenazaron frente a la clínica"}}')
hc_msg_publish sem "$(hc_msg_dispatch d-1 SEM-77 "$ARCE")" >/dev/null
# A control character is refused by the bus (decision 0006): nothing recorded to export.
if "$HC_JSON_PUBLISH" --endpoint "$HC_PUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
     --key "$(hc_key pnc)" '{"msg_id": "a-ctl", "alert": {"alert_id": "pnc-ctl", "zone_id": "'$SAN_MIGUEL'",
     "target": "facility", "act": "threat", "severity": "low", "description": "linea\u001b[8m oculta"}}' \
     >"$HC_WORK/ctl.out" 2>&1; then
  hc_fail "an alert with ESC in its description was accepted: $(cat "$HC_WORK/ctl.out")"
fi
hc_assert_contains "$(cat "$HC_WORK/ctl.out")" "control character" "the control character is refused by name"
hc_assert_eq 0 "$(hc_psql "SELECT count(*) FROM hcbus.events WHERE msg_id = 'a-ctl'")" "the refused alert is not recorded"

ZONES="$zone_red $zone_orange $zone_yellow"
ALERTS="$alert_pnc $alert_hostile $alert_anon"

# ---- --out DIR: one document per event --------------------------------------------------
OUT="$HC_WORK/cap"
hc_audit export --cap --out "$OUT" 2>"$HC_WORK/export.err" || hc_fail "export --cap: exit $?: $(cat "$HC_WORK/export.err")"
hc_assert_contains "$(cat "$HC_WORK/export.err")" "6 CAP 1.2 document(s) in $OUT (3 alert(s), 3 zone level(s))" \
  "the export says what it wrote"
expected_files=$(for s in $ZONES $ALERTS; do echo "hcbus.sv-$s.xml"; done | sort | tr '\n' ' ')
hc_assert_eq "$expected_files" "$(ls -A "$OUT" | sort | tr '\n' ' ')" \
  "one file per published alert and zone level, named by identifier; no temp file, no dispatch"

for f in "$OUT"/*.xml; do
  xmllint --noout --schema "$XSD" "$f" 2>"$HC_WORK/xmllint.err" ||
    hc_fail "$(basename "$f") is not valid CAP 1.2: $(cat "$HC_WORK/xmllint.err")"
  HC_CHECKS=$((HC_CHECKS + 1))
done

# Every document's fields, one line each (python3's XML parser: the entities decoded).
facts() {
  python3 - "$@" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"c": "urn:oasis:names:tc:emergency:cap:1.2"}
for path in sys.argv[1:]:
    a = ET.parse(path).getroot()
    t = lambda e, p: (e.findtext(p, default="", namespaces=ns) or "")
    info = a.find("c:info", ns)
    area = info.find("c:area", ns)
    geo = {g.findtext("c:valueName", namespaces=ns): g.findtext("c:value", namespaces=ns)
           for g in area.findall("c:geocode", ns)}
    par = {p.findtext("c:valueName", namespaces=ns): p.findtext("c:value", namespaces=ns)
           for p in info.findall("c:parameter", ns)}
    print("|".join([t(a, "c:identifier"), t(a, "c:sender"), t(a, "c:sent"), t(a, "c:status"),
                    t(a, "c:msgType"), t(a, "c:scope"), t(a, "c:references"), t(info, "c:language"),
                    ",".join(c.text for c in info.findall("c:category", ns)), t(info, "c:urgency"),
                    t(info, "c:severity"), t(info, "c:certainty"), t(info, "c:expires"),
                    geo.get("ISO3166-2", ""), geo.get("hcbus.zone_id", ""), par.get("hcbus.seq", "")]))
PY
}
doc() { echo "$OUT/hcbus.sv-$1.xml"; }
# Read once: every document's facts, and per seq the receipt time as CAP writes it
# (El Salvador time, whole seconds), the zone and its department's code from the CSV.
declare -A FACT EXPECT
while IFS='|' read -r line; do FACT[${line##*|}]=$line; done < <(facts "$OUT"/*.xml)
while IFS='|' read -r seq zone sent until; do
  EXPECT[$seq]="$sent|$zone|SV-$(awk -F, -v z="$zone" '$1 == z {print $2}' "$CSV")"
  EXPECT[$seq.until]=$until
done < <(hc_psql "SET TIME ZONE 'America/El_Salvador';
  SELECT seq, zone_id, to_char(received_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"-06:00\"'),
         coalesce(to_char(review.summary_time(summary->>'valid_until_us'), 'YYYY-MM-DD\"T\"HH24:MI:SS\"-06:00\"'), '')
  FROM hcbus.events WHERE kind IN ('alert', 'zone')")
field() { cut -d'|' -f"$2" <<<"${FACT[$1]}" | tr '\n' '|' | sed 's/|$//'; }   # SEQ COLUMNS

for s in $ZONES $ALERTS; do
  IFS='|' read -r id sender sent status msgtype scope refs lang cats urg sev cert expires iso zone seq <<<"${FACT[$s]}"
  hc_assert_eq "hcbus.sv-$s|$s" "$id|$seq" "seq $s: identifier and hcbus.seq"
  hc_assert_eq "${EXPECT[$s]}" "$sent|$zone|$iso" "seq $s: sent is the receipt time with -06:00, zone, its department's ISO 3166-2 code"
  hc_assert_eq "Actual|Restricted|es-SV" "$status|$scope|$lang" "seq $s: status, scope, language"
  [[ $sent =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}-06:00$ ]] || hc_fail "seq $s: sent '$sent' has no -06:00 offset"
done

# Zone levels: the first in a zone is an Alert, the next an Update referencing it.
hc_assert_eq "minsal.hcbus.sv|Alert||Safety,Health|Immediate|Extreme|Observed|" \
  "$(field "$zone_red" 2,5,7,9-13)" "RED, the zone's first level"
hc_assert_eq "Update|minsal.hcbus.sv,hcbus.sv-$zone_red,${EXPECT[$zone_red]%%|*}" \
  "$(field "$zone_orange" 5,7)" "ORANGE replaces RED: Update with its references"
[ -n "${EXPECT[$zone_orange.until]}" ] || hc_fail "ORANGE was recorded without its end"
hc_assert_eq "Immediate|Severe|${EXPECT[$zone_orange.until]}" "$(field "$zone_orange" 10,11,13)" "ORANGE: grades and expires at its end"
hc_assert_eq "Alert|Expected|Moderate|" "$(field "$zone_yellow" 5,10,11,13)" "YELLOW in another zone: an Alert without end"
hc_assert_contains "$(cat "$(doc "$zone_red")")" "Se requiere escolta policial" "RED says an escort is required"
hc_assert_contains "$(cat "$(doc "$zone_red")")" "<instruction>Sin entrada:" "RED's instruction says what crews do"

# Alerts.
hc_assert_eq "pnc.hcbus.sv|Alert|Security,Health|Immediate|Severe|Observed" \
  "$(field "$alert_pnc" 2,5,9-12)" "the police's threat, high"
hc_assert_eq "sem.hcbus.sv|Immediate|Extreme|Observed" "$(field "$alert_hostile" 2,10-12)" "SEM's attack, critical"
hc_assert_eq "anonymous.gateway.hcbus.sv|Expected|Moderate|Unknown" "$(field "$alert_anon" 2,10-12)" \
  "the anonymous report: gateway sender, certainty Unknown"
for who in webform hotline sem pnc minsal; do
  grep -q "$who" "$(doc "$alert_anon")" && hc_fail "the anonymous report names the institution '$who'"
done
HC_CHECKS=$((HC_CHECKS + 1))
hc_assert_contains "$(cat "$(doc "$alert_anon")")" "<value>SV-SV</value>" "San Vicente's code for the anonymous report"

# The hostile text: escaped in the file, exact once parsed.
hc_assert_contains "$(cat "$(doc "$alert_hostile")")" "&lt;&amp;&quot;&apos;&gt;" "<&\"'> escaped in the file"
parsed=$(python3 -c 'import sys, xml.etree.ElementTree as ET
print(ET.parse(sys.argv[1]).getroot().findtext(".//{urn:oasis:names:tc:emergency:cap:1.2}description"))' "$(doc "$alert_hostile")")
hc_assert_contains "$parsed" "Relato: $HOSTILE" "the hostile text reads back exactly"
hc_assert_contains "$parsed" "heridos: 2" "the casualties are in the description"

# Never a patient detail.
grep -rq "$COMPLAINT" "$OUT" && hc_fail "a patient detail is in the CAP export"
HC_CHECKS=$((HC_CHECKS + 1))

# Again into the same directory: the same bytes.
cp -r "$OUT" "$HC_WORK/cap.first"
hc_audit export --cap --out "$OUT" 2>/dev/null || hc_fail "second export"
diff -r "$HC_WORK/cap.first" "$OUT" >/dev/null || hc_fail "exporting again changed the files"
HC_CHECKS=$((HC_CHECKS + 1))

# ---- selections, stdout, --utc -----------------------------------------------------------
one=$(hc_audit export --cap --kind zone --zone "San Miguel") || hc_fail "export of one level to stdout"
xmllint --noout --schema "$XSD" - <<<"$one" 2>"$HC_WORK/xmllint.err" || hc_fail "stdout document invalid: $(cat "$HC_WORK/xmllint.err")"
hc_assert_contains "$one" "<identifier>hcbus.sv-$zone_yellow</identifier>" "stdout holds the one matching event"
# The level it replaces is found outside the selection too.
upd=$(hc_audit export --cap --kind zone --text "operativo policial") || hc_fail "export of ORANGE alone"
hc_assert_contains "$upd" "<references>minsal.hcbus.sv,hcbus.sv-$zone_red," "ORANGE alone still references RED"
hc_assert_eq 1 "$(hc_audit_rc export --cap --kind alert)" "three alerts to stdout are refused"
hc_assert_eq "" "$(cat "$HC_WORK/audit.out")" "nothing is written when refused"
hc_assert_contains "$(cat "$HC_WORK/audit.err")" "3 events match" "the refusal gives the count"
hc_assert_contains "$(cat "$HC_WORK/audit.err")" "--out DIR" "the refusal says what to do"

hc_audit export --cap --kind alert --from now-1h --out "$HC_WORK/alerts" 2>/dev/null || hc_fail "export --kind alert"
hc_assert_eq 3 "$(ls "$HC_WORK/alerts" | wc -l)" "--kind alert --from now-1h: the three alerts"
hc_assert_eq 0 "$(hc_audit_rc export --cap --to now-1h --out "$HC_WORK/none")" "--to before everything: exit 0"
hc_assert_eq 0 "$(ls "$HC_WORK/none" | wc -l)" "--to before everything: no file"
hc_assert_contains "$(cat "$HC_WORK/audit.err")" "nothing written" "--to before everything says so"

utc=$(hc_audit export --cap --utc --kind alert --institution pnc) || hc_fail "export --utc"
xmllint --noout --schema "$XSD" - <<<"$utc" 2>"$HC_WORK/xmllint.err" || hc_fail "--utc document invalid: $(cat "$HC_WORK/xmllint.err")"
[[ $utc =~ \<sent\>[0-9T:-]{19}-00:00\</sent\> ]] || hc_fail "--utc: sent is not in -00:00: $utc"
HC_CHECKS=$((HC_CHECKS + 1))

# ---- refusals ---------------------------------------------------------------------------
touch "$HC_WORK/a-file"
hc_assert_eq 1 "$(hc_audit_rc export --cap --out "$HC_WORK/a-file")" "--out naming a file is refused"
hc_assert_contains "$(cat "$HC_WORK/audit.err")" "not a directory" "and says why"
hc_assert_eq 2 "$(hc_audit_rc export --csv --out "$HC_WORK/x")" "--out without --cap is a usage error"

hc_pass
