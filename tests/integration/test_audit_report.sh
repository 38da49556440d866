#!/usr/bin/env bash
# test_audit_report.sh — `hcbus audit report` over events published through the real
# broker and auditd (TCP, private PostgreSQL), read as the facilitator (hcbus_reviewer),
# with figures counted by hand below:
# - incidents of the period by WHO SSA type, act, target, department, municipality,
#   institution and anonymity, with casualties (3 threats in San Miguel, 1 of them
#   anonymous, a killing in San Salvador, a robbery); an alert received now but that
#   occurred in October counts in --month 2026-10 and not in the range;
# - response times p50/p90 per department and for the country (percentile_cont over
#   known on-scene times: 10, 20, 40 min in San Miguel; 15 in San Salvador);
# - escorts: assigned (twice), waived, unavailable, still waiting, and the median wait;
# - refused attempts by code and institution; institutions active by type (--config)
#   and department;
# - text and CSV exact; the HTML page rendered by headless chromium into a 1024x2000
#   screenshot that is not blank, with no <script>, no http(s) URL, and the injected
#   description (<script>, quotes, &) escaped; bad flags and periods refused.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
source "$HC_SRC/tests/lib/bus.sh"
source "$HC_SRC/tests/lib/messages.sh"
source "$HC_SRC/tests/lib/audit.sh"

command -v chromium >/dev/null ||
  hc_fail "chromium is not installed: the HTML report is checked by rendering it (Debian package chromium; deploy/install.sh installs it)"

SM_CITY=sv.sm.san-miguel-centro.san-miguel
SM_MONCAGUA=sv.sm.san-miguel-centro.moncagua
SM_CAROLINA=sv.sm.san-miguel-norte.carolina
SS_SOYAPANGO=sv.ss.san-salvador-este.soyapango
SS_MEJICANOS=sv.ss.san-salvador-centro.mejicanos
MIN=$HC_MINUTE_US
INJECTED="<script>alert(\\\"x\\\")</script> & 'comillas' \\\"dobles\\\""   # JSON-escaped
OCTOBER_US=1792080000000000   # 2026-10-15T10:00:00-06:00

hc_bus_setup
hc_bus_start
hc_audit_allow

# Messages are published in batches (one json_publish run per institution and step:
# each run is a CURVE handshake) and the broker's received times read in one query.
alert() {   # MSG ZONE TARGET ACT SEVERITY [EXTRA]: the JSON of a SecurityAlert
  printf '{"msg_id": "%s", "alert": {"alert_id": "%s", "zone_id": "%s", "target": "%s",
    "act": "%s", "severity": "%s"%s}}' "$1" "$1" "$2" "$3" "$4" "$5" "${6:+, $6}"
}
escort() {  # MSG ESCORT REQUEST ZONE: the JSON of an EscortRequest
  printf '{"msg_id": "%s", "escort": {"escort_id": "%s", "request_id": "%s", "zone_id": "%s",
    "meeting_point": {"address": "gasolinera de la entrada"}, "reason": "zona roja"}}' "$1" "$2" "$3" "$4"
}
received_us() {   # SEQ...: the broker's received time of each, in microseconds, in order
  local seqs
  seqs=$(IFS=,; echo "$*")
  hc_psql "SELECT (extract(epoch FROM received_at) * 1000000)::bigint FROM hcbus.events
           WHERE seq IN ($seqs) ORDER BY array_position(ARRAY[$seqs]::bigint[], seq)"
}

# ---- incidents --------------------------------------------------------------------------
hc_msg_publish sem "$(alert a1 "$SM_CITY" personnel threat moderate)" \
  "$(alert a4 "$SS_SOYAPANGO" personnel killing critical '"casualties": {"killed": 1, "injured": 2}')" \
  "$(alert a5 "$SS_MEJICANOS" vehicle robbery low)" \
  "$(alert a6 "$SM_CITY" personnel kidnapping high "\"casualties\": {\"removed\": 1}, \"occurred_at_us\": $OCTOBER_US")" >/dev/null
hc_msg_publish minsal "$(alert a2 "$SM_MONCAGUA" facility threat moderate)" >/dev/null
hc_msg_publish webform "$(alert a3 "$SM_CAROLINA" vehicle threat high "\"anonymous\": true, \"description\": \"$INJECTED\"")" >/dev/null

# ---- dispatches: on scene 10, 20, 40 min (San Miguel), 15 (San Salvador), none ------------
mapfile -t d < <(hc_msg_publish sem "$(hc_msg_dispatch d1 sem-1 "$SM_CITY")" "$(hc_msg_dispatch d2 sem-2 "$SM_MONCAGUA")" \
  "$(hc_msg_dispatch d3 sem-3 "$SM_CAROLINA")" "$(hc_msg_dispatch d4 sem-4 "$SS_SOYAPANGO")" \
  "$(hc_msg_dispatch d5 sem-5 "$SS_MEJICANOS")")
mapfile -t t < <(received_us "${d[@]}")
hc_assert_eq 5 "${#t[@]}" "the five dispatches recorded"
hc_msg_publish sem "$(hc_msg_status d1-os sem-1 "$SM_CITY" on_scene $((t[0] + 10 * MIN)))" \
  "$(hc_msg_status d2-os sem-2 "$SM_MONCAGUA" on_scene $((t[1] + 20 * MIN)))" \
  "$(hc_msg_status d3-os sem-3 "$SM_CAROLINA" on_scene $((t[2] + 40 * MIN)))" \
  "$(hc_msg_status d4-os sem-4 "$SS_SOYAPANGO" on_scene $((t[3] + 15 * MIN)))" \
  "$(hc_msg_status d5-ac sem-5 "$SS_MEJICANOS" accepted $((t[4] + 2 * MIN)))" >/dev/null

# ---- escorts: assigned after 3 and 5 min, waived after 1, unavailable, no answer --------
mapfile -t e < <(hc_msg_publish sem "$(escort e1 esc-1 sem-1 "$SM_CITY")" "$(escort e2 esc-2 sem-2 "$SM_MONCAGUA")" \
  "$(escort e3 esc-3 sem-3 "$SM_CAROLINA")" "$(escort e4 esc-4 sem-4 "$SS_SOYAPANGO")" \
  "$(escort e5 esc-5 sem-5 "$SS_MEJICANOS")")
mapfile -t t < <(received_us "${e[@]}")
hc_assert_eq 5 "${#t[@]}" "the five escort requests recorded"
ASSIGNED='"police_unit": "PNC-511", "meeting_point": {"address": "gasolinera Puma"}'
hc_msg_publish pnc "$(hc_msg_escort_status e1-as esc-1 sem-1 "$SM_CITY" assigned $((t[0] + 3 * MIN)) "$ASSIGNED")" \
  "$(hc_msg_escort_status e3-un esc-3 sem-3 "$SM_CAROLINA" unavailable $((t[2] + 2 * MIN)) '"reason": "sin patrullas"')" \
  "$(hc_msg_escort_status e5-as esc-5 sem-5 "$SS_MEJICANOS" assigned $((t[4] + 5 * MIN)) "$ASSIGNED")" \
  "$(hc_msg_escort_status e5-co esc-5 sem-5 "$SS_MEJICANOS" completed $((t[4] + 30 * MIN)))" >/dev/null
hc_msg_publish sem "$(hc_msg_escort_status e2-wv esc-2 sem-2 "$SM_MONCAGUA" waived $((t[1] + 1 * MIN)) \
  '"reason": "paciente grave, no se puede esperar"')" >/dev/null

# ---- refused attempts: police may not publish a zone level; no such zone ----------------
refused() {   # WHO JSON: publish and expect a refusal
  "$HC_JSON_PUBLISH" --endpoint "$HC_PUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
    --key "$(hc_key "$1")" "$2" >"$HC_WORK/refused.out" 2>&1 && hc_fail "accepted: $2"
  grep -q '^refused ' "$HC_WORK/refused.out" || hc_fail "not refused: $(cat "$HC_WORK/refused.out")"
}
refused pnc '{"msg_id": "r1", "zone": {"zone_id": "'$SM_CITY'", "level": "red", "valid_from_us": "now"}}'
refused sem '{"msg_id": "r2", "alert": {"alert_id": "r2", "zone_id": "sv.sm.no-existe", "target": "personnel", "act": "threat", "severity": "low"}}'
hc_wait_for "two refusals recorded" 20 hc_sql_at_least "SELECT count(*) FROM hcbus.rejections" 2

FROM=$(date -u -d '-10 minutes' +%Y-%m-%dT%H:%M:%SZ)
TO=$(date -u -d '+10 minutes' +%Y-%m-%dT%H:%M:%SZ)
RANGE=(--from "$FROM" --to "$TO" --config "$HC_WORK/hcbus.conf")

# ---- CSV: every figure ----------------------------------------------------------------
csv=$(hc_audit report "${RANGE[@]}" --csv | tr -d '\r') || hc_fail "report --csv failed"
figures() {   # SECTION INDICATOR: "key=value ..." in the report's order
  awk -F, -v s="$1" -v i="$2" '$1 == s && $(NF-1) == i { printf "%s%s=%s", sep, $2, $NF; sep = " " }' <<<"$csv"
}
hc_assert_eq "seccion,clave,nombre,indicador,valor" "$(head -1 <<<"$csv")" "CSV header"
hc_assert_eq "violence_individual_weapons=1 psychological_violence=3 removal_of_assets=1 total=5" \
  "$(figures incidentes_tipo_ssa incidentes)" "incidents by WHO SSA type (the October one left out)"
hc_assert_eq "violence_individual_weapons=1 psychological_violence=0 removal_of_assets=0 total=1" \
  "$(figures incidentes_tipo_ssa muertos)" "the killed by SSA type"
hc_assert_eq "threat=3 killing=1 robbery=1 total=5" "$(figures incidentes_acto incidentes)" "incidents by act"
hc_assert_eq "personnel=2 vehicle=2 facility=1 total=5" "$(figures incidentes_objetivo incidentes)" "by target"
hc_assert_eq "sv.sm=3 sv.ss=2 total=5" "$(figures incidentes_departamento incidentes)" "by department"
hc_assert_eq "sv.sm.san-miguel-centro=2 sv.sm.san-miguel-norte=1 sv.ss.san-salvador-centro=1 sv.ss.san-salvador-este=1 total=5" \
  "$(figures incidentes_municipio incidentes)" "by municipality"
hc_assert_eq "sem=3 =1 minsal=1 total=5" "$(figures incidentes_institucion incidentes)" \
  "by institution (the anonymous report has none)"
hc_assert_eq "identificado=4 anonimo=1 total=5" "$(figures incidentes_anonimato incidentes)" "anonymous or not"
hc_assert_eq "sv.sm=0 sv.ss=1 total=1" "$(figures incidentes_departamento muertos)" "killed by department"
hc_assert_eq "sv.sm=0 sv.ss=2 total=2" "$(figures incidentes_departamento heridos)" "injured by department"

hc_assert_eq "sv.sm=3 sv.ss=2 total=5" "$(figures tiempos_respuesta solicitudes)" "requests per department"
hc_assert_eq "sv.sm=3 sv.ss=1 total=4" "$(figures tiempos_respuesta llegaron)" "requests on scene"
hc_assert_eq "sv.sm=1200 sv.ss=900 total=1050" "$(figures tiempos_respuesta p50_respuesta_s)" \
  "p50 response: median of 10,20,40 min = 20 min; 15 min; of 10,15,20,40 = 17.5 min"
hc_assert_eq "sv.sm=2160 sv.ss=900 total=2040" "$(figures tiempos_respuesta p90_respuesta_s)" \
  "p90 response: 20 + 0.8 x 20 = 36 min; 15; 20 + 0.7 x 20 = 34 min"
hc_assert_eq "sv.sm=3 sv.ss=2 total=5" "$(figures tiempos_respuesta escolta_solicitada)" "escorts requested"

hc_assert_eq "asignada=2 sin_escolta=1 no_disponible=1 en_espera=1 total=5" "$(figures escoltas escoltas)" \
  "escort outcomes (a completed escort counts as assigned)"
hc_assert_eq "asignada=240 sin_escolta=60 no_disponible= en_espera= total=180" "$(figures escoltas p50_espera_s)" \
  "median escort wait: 3 and 5 min assigned, 1 min waived"

hc_assert_eq "unauthorized=1 unknown_zone=1 total=2" "$(figures rechazos_codigo intentos)" "refusals by code"
hc_assert_eq "pnc=1 sem=1 total=2" "$(figures rechazos_institucion intentos)" "refusals by institution"

hc_assert_eq "sem=20 pnc=4 minsal=1 total=25" "$(figures instituciones_activas mensajes_publicados)" \
  "active institutions: what each published (sem: 6 alerts, 5 dispatches, 5 statuses, 5 escorts, a waiver)"
hc_assert_eq "dispatch_centre=1 health_provider=2 police=1 zone_authority=1 total=3" \
  "$(figures instituciones_tipo instituciones)" "active institutions by type (roles from --config)"
hc_assert_eq "sv.sm=3 sv.ss=2 total=3" "$(figures instituciones_departamento instituciones)" \
  "active institutions by department (each once in the total)"
hc_assert_contains "$csv" "fuente,suscripciones,Suscripciones contadas (review.deliveries),incluidas,1" \
  "subscriptions are counted (migration 011: review.deliveries), and the CSV says so"
hc_assert_eq "sem=0 pnc=0 minsal=0 total=0" "$(figures instituciones_activas recepciones)" \
  "nobody subscribed in this test: no reception counted"

# ---- text ---------------------------------------------------------------------------------
text=$(hc_audit report "${RANGE[@]}" | tee "$HC_WORK/report.txt") || hc_fail "report (text) failed"
squeezed=$(tr -s ' ' <<<"$text")
hc_assert_contains "$squeezed" "Violencia psicológica, amenaza o intimidación 3 0 0 0" "text: SSA row"
hc_assert_contains "$squeezed" "Amenaza (SSA: Violencia psicológica, amenaza o intimidación) 3 0 0 0" "text: act row"
hc_assert_contains "$squeezed" "Anónimos 1 0 0 0" "text: anonymous row"
hc_assert_contains "$squeezed" "Todo el país 5 4 17m30s 34m00s 5 0" "text: response times of the country"
hc_assert_contains "$squeezed" "Sistema de Emergencias Medicas (sem) 20" "text: institution named from --config"
hc_assert_contains "$squeezed" "Prestador de salud 2" "text: type in Spanish"
hc_assert_contains "$text" 'notificó anónimo: "<script>alert(\"x\")</script> & '"'"'comillas'"'"' \"dobles\""' \
  "text: the description quoted, its quotes escaped"

# ---- the October month: only the incident that occurred then -----------------------------
october=$(hc_audit report --month 2026-10 --csv | tr -d '\r') || hc_fail "report --month failed"
csv=$october
hc_assert_eq "abduction_arrest_detention=1 total=1" "$(figures incidentes_tipo_ssa incidentes)" "October: the kidnapping"
hc_assert_eq "abduction_arrest_detention=1 total=1" "$(figures incidentes_tipo_ssa secuestrados_detenidos)" "October: one removed"
hc_assert_eq "periodo,desde,octubre de 2026,fecha,2026-10-01T00:00:00-06:00" "$(grep '^periodo,desde' <<<"$october")" \
  "the month starts at midnight El Salvador time"
hc_assert_eq "periodo,hasta,octubre de 2026,fecha,2026-11-01T00:00:00-06:00" "$(grep '^periodo,hasta' <<<"$october")" "and ends at the next"
hc_assert_eq "" "$(figures tiempos_respuesta solicitudes)" "October: no dispatch"
hc_assert_eq "total=0" "$(figures instituciones_activas mensajes_publicados)" "October: nobody published"

empty=$(hc_audit report --month 2026-09) || hc_fail "report of an empty month failed"
hc_assert_eq "Informe del protocolo: septiembre de 2026" "$(head -1 <<<"$empty")" "the month in Spanish"
hc_assert_eq 15 "$(grep -c '^(ninguno en el periodo)$' <<<"$empty")" \
  "an empty month: each of the 14 tables and the incident list say there is nothing"

# ---- HTML, rendered ------------------------------------------------------------------------
html=$HC_WORK/informe.html
hc_audit report "${RANGE[@]}" --html "$html" >/dev/null || hc_fail "report --html failed"
[ -s "$html" ] || hc_fail "no HTML written"
[ ! -e "$html.tmp" ] || hc_fail "the temporary file was left behind"
grep -qi '<script' "$html" && hc_fail "the HTML holds a <script>: $(grep -i -m1 '<script' "$html")"
grep -qiE 'https?:' "$html" && hc_fail "the HTML names a URL: $(grep -i -m1 -E 'https?:' "$html")"
grep -qiE 'javascript:|src=|href=|@import|url\(' "$html" && hc_fail "the HTML references something outside it"
hc_assert_contains "$(cat "$html")" "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;comillas&#39; &quot;dobles&quot;" \
  "the injected description is escaped"
hc_assert_eq 1 "$(grep -c '<html lang="es-SV">' "$html")" "one page, in Spanish"
[ "$(grep -c '<svg' "$html")" -ge 8 ] || hc_fail "expected an SVG chart per table, got $(grep -c '<svg' "$html")"
hc_assert_contains "$(cat "$html")" "<td class=\"n\">17m30s</td>" "the HTML shows the figures"

shot=$HC_WORK/informe.png
mkdir -p "$HC_WORK/chromium"
started=$SECONDS
HOME=$HC_WORK/chromium timeout 50 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --user-data-dir="$HC_WORK/chromium" --screenshot="$shot" --window-size=1024,2000 "file://$html" \
  >"$HC_WORK/chromium.log" 2>&1 || hc_fail "chromium failed: $(tail -5 "$HC_WORK/chromium.log")"
[ -s "$shot" ] || hc_fail "chromium wrote no screenshot: $(tail -5 "$HC_WORK/chromium.log")"
pixels=$(python3 "$HC_SRC/tests/lib/png_ink.py" "$shot") || hc_fail "cannot read the screenshot: $pixels"
read -r width height ink <<<"$pixels"
hc_assert_eq "1024 2000" "$width $height" "screenshot size"
[ "$ink" -gt 20000 ] || hc_fail "the screenshot is (nearly) blank: $ink non-white pixels"
hc_log "screenshot ${width}x${height}, $ink non-white pixels (chromium and decoding: $((SECONDS - started)) s)"

# ---- refusals ------------------------------------------------------------------------------
hc_assert_eq 2 "$(hc_audit_rc report)" "no period: usage"
hc_assert_contains "$(cat "$HC_WORK/audit.err")" "the period is missing" "names what is missing"
hc_assert_eq 2 "$(hc_audit_rc report --month 2026-10 --from 2026-10-01 --to 2026-10-02)" "month and range"
hc_assert_eq 2 "$(hc_audit_rc report --month 2026-10 --csv --html "$HC_WORK/x.html")" "two outputs"
hc_assert_eq 2 "$(hc_audit_rc report --month 2026-10 --json)" "no --json"
hc_assert_eq 1 "$(hc_audit_rc report --month 2026-13)" "month 13"
hc_assert_contains "$(cat "$HC_WORK/audit.err")" '--month "2026-13" is not a month' "names the bad month"
hc_assert_eq 1 "$(hc_audit_rc report --from 2026-10-02 --to 2026-10-01)" "to before from"
hc_assert_eq 1 "$(hc_audit_rc report --month 2026-10 --html "$HC_WORK/no/such/dir/x.html")" "unwritable file"
hc_assert_contains "$(cat "$HC_WORK/audit.err")" "cannot write $HC_WORK/no/such/dir/x.html.tmp" "names the file"
hc_assert_eq 3 "$(hc_audit_rc report --month 2026-10 --db "host=/nonexistent dbname=hcbus")" "no database"

hc_pass
