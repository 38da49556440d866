#!/usr/bin/env bash
# `hcbus audit list|show|timeline|export` as the facilitators' login (hcbus_facilitator,
# a member of hcbus_reviewer only) against the real broker, audit service, coordinator
# and PostgreSQL over TCP. Messages published here through the bus, in known numbers:
# every list filter gives its exact count (kind, institution, anonymous, zone by id and
# by name in any case and accent, request, text, --from/--to by time and by date); times
# are El Salvador's (-06:00) unless --utc; CSV parses with python3's csv module and JSON
# lines with json; `show` gives the zone's names, the summary and the coordinator's
# verdict; `timeline` the steps, the refused status and the call-out durations of the
# statuses' own times. The patient's chief complaint is in the payload and never in
# what the reviewer reads. An unreachable database exits 3 naming the conninfo, never
# its password. Last, 200k rows inserted as the owner: `list` streams them with a
# bounded peak RSS.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"
source "$(dirname "$0")/../lib/audit.sh"

H="$HC_BIN/services/cli/hcbus"
SAN_MIGUEL=sv.sm.san-miguel-centro.san-miguel
CAROLINA=sv.sm.san-miguel-norte.carolina
MEJICANOS=sv.ss.san-salvador-centro.mejicanos
COMPLAINT=dolor-toracico-QX17
ANON_TEXT='Pandilla-ZX9 amenazó, "otra vez", al personal'
BULK_ROWS=200000
RSS_GROWTH_MAX_KB=20480   # what 200k rows may add to list's peak over a 30-row list
# The statuses' own times run up to 30 minutes after the request.
export HC_COORD_SKEW_S=7200

hc_bus_setup
hc_bus_start
hc_coordinator_start
hc_coordinator_wait_caught_up
hc_audit_allow
export HCBUS_ZONES="$HC_SRC/deploy/sv-districts.csv" HCBUS_BROKER_KEY="$HC_WORK/keys/broker.pub"
export HCBUS_PUBLISH_ENDPOINT="$HC_PUB_ENDPOINT" HCBUS_SUBSCRIBE_ENDPOINT="$HC_SUB_ENDPOINT"

as() {
  local who=$1
  shift
  HCBUS_KEY="$(hc_key "$who")" "$H" "$@"
}
# Lines of output (JSON lines: one per row).
lines() { if [ -z "$1" ]; then echo 0; else wc -l <<<"$1"; fi; }
# Rows of `hcbus audit list ARGS... --json`.
count() {
  local out
  out=$(hc_audit list --json "$@") || hc_fail "hcbus audit list $*: exit $?"
  lines "$out"
}
owner_count() { hc_psql "SELECT count(*) FROM hcbus.events e WHERE $1"; }

# ---- the catalogue hcbus-auditd loaded at start ------------------------------------
expected_zones=$(awk -F, 'NR > 1 {d[$2]; m[$2 "/" $4]; n++} END {print n + length(d) + length(m)}' "$HCBUS_ZONES")
hc_assert_eq "$expected_zones" "$(hc_psql "SELECT count(*) FROM hcbus.zone_catalogue")" \
  "auditd loaded every department, municipality and district"
hc_assert_eq "district|Mejicanos, San Salvador Centro, San Salvador|SV-SS" \
  "$(hc_psql "SET ROLE hcbus_reviewer; SELECT level, name, department_iso FROM review.zones WHERE zone_id = '$MEJICANOS'")" \
  "review.zones names a district"

# ---- what is published ---------------------------------------------------------------
as minsal zone set "$SAN_MIGUEL" orange --reason "operativo policial" >/dev/null || hc_fail "zone set"
as pnc publish alert --zone "$SAN_MIGUEL" --target facility --act threat --severity high \
  --description "amenaza en la unidad de salud" >/dev/null || hc_fail "alert san miguel"
as pnc publish alert --zone "$CAROLINA" --target vehicle --act robbery --severity moderate >/dev/null ||
  hc_fail "alert carolina"
as webform publish alert --zone "$MEJICANOS" --target personnel --act intimidation --severity moderate \
  --anonymous --description "$ANON_TEXT" >/dev/null || hc_fail "anonymous alert"
out=$(as sem publish dispatch --request-id AUD-1 --zone "$MEJICANOS" --address "Calle 5" --priority critical \
  --incident-type medical --capability advanced --patient-age-band adult --patient-complaint "$COMPLAINT") ||
  hc_fail "dispatch: $out"
dispatch_seq=$(sed -n 's/^published seq=\([0-9]*\) .*/\1/p' <<<"$out")
requested_us=$(hc_psql "SELECT (extract(epoch FROM received_at) * 1000000)::bigint FROM hcbus.events WHERE seq = $dispatch_seq")
status() { # MSG_ID STATE OFFSET_S [more JSON]
  printf '{"msg_id": "%s", "status": {"request_id": "AUD-1", "zone_id": "%s", "unit_id": "A-7", "state": "%s", "at_us": %s%s}}\n' \
    "$1" "$MEJICANOS" "$2" $((requested_us + $3 * 1000000)) "${4:-}"
}
notices_before=$(hc_psql "SELECT count(*) FROM hcbus.events WHERE kind = 'notice'")
{
  status s-acc accepted 60
  status s-bad closed 90
  status s-route en_route 120
  status s-scene on_scene 600
  status s-left transporting 900 ', "destination_facility": "Hospital Zacamil"'
  status s-arr at_facility 1500 ', "destination_facility": "Hospital Zacamil"'
  status s-end closed 1800
} | as sem publish --json >"$HC_WORK/statuses.out" || hc_fail "statuses: $(cat "$HC_WORK/statuses.out")"
hc_wait_for "seven verdicts" 20 hc_sql_at_least "SELECT count(*) FROM hcbus.events WHERE kind = 'notice'" $((notices_before + 7))
seq_of() { sed -n "s/^{\"msg_id\":\"$1\",\"seq\":\([0-9]*\),.*/\1/p" "$HC_WORK/statuses.out"; }
hc_coordinator_stop   # nothing more is decided: the counts below stay put

# ---- list: each filter, exact counts ---------------------------------------------------
total=$(hc_bus_events)
notices=$(owner_count "kind = 'notice'")
hc_assert_eq "$total" "$(count)" "list: every row"
hc_assert_eq 1 "$(count --kind zone)" "--kind zone"
hc_assert_eq 3 "$(count --kind alert)" "--kind alert"
hc_assert_eq 1 "$(count --kind dispatch)" "--kind dispatch"
hc_assert_eq 7 "$(count --kind status)" "--kind status"
hc_assert_eq 11 "$(count --kind alert,status,dispatch)" "--kind with three kinds"
hc_assert_eq "$notices" "$(count --kind notice)" "--kind notice"
hc_assert_eq 2 "$(count --institution pnc)" "--institution pnc"
hc_assert_eq 8 "$(count --institution sem)" "--institution sem"
hc_assert_eq 1 "$(count --institution minsal)" "--institution minsal"
hc_assert_eq 1 "$(count --institution '')" "--institution '' (anonymous reports)"
hc_assert_eq 0 "$(count --institution nobody)" "--institution unknown: nothing"
hc_assert_eq 3 "$(count --zone 'San Miguel' --kind zone,alert)" "--zone 'San Miguel' (department and district)"
hc_assert_eq 3 "$(count --zone 'SAN MIGUEL' --kind zone,alert)" "--zone in capitals"
hc_assert_eq 3 "$(count --zone sv.sm --kind zone,alert)" "--zone sv.sm (the department's id)"
hc_assert_eq 1 "$(count --zone sv.sm.san-miguel-norte --kind alert)" "--zone a municipality's id"
hc_assert_eq 1 "$(count --zone 'San Miguel Norte' --kind alert)" "--zone a municipality's name"
hc_assert_eq 9 "$(count --zone mejicanos --kind alert,dispatch,status)" "--zone mejicanos"
hc_assert_eq 9 "$(count --zone 'Mejícanos' --kind alert,dispatch,status)" "--zone Mejícanos (accent)"
hc_assert_eq "$(owner_count "zone_id LIKE 'sv.sm.%' OR zone_id = 'sv.sm'")" "$(count --zone 'san miguel')" \
  "--zone 'san miguel', every kind"
hc_assert_eq 8 "$(count --request AUD-1 --kind dispatch,status)" "--request: the request and its statuses"
hc_assert_eq "$(owner_count "(kind IN ('dispatch', 'status') AND subject = 'AUD-1') OR (kind <> 'dispatch' AND kind <> 'status' AND summary->>'request_id' = 'AUD-1')")" \
  "$(count --request AUD-1)" "--request: with the coordinator's notices about it"
hc_assert_eq 1 "$(count --text pandilla-zx9)" "--text, any case"
hc_assert_eq 2 "$(count --text 'Hospital Zacamil')" "--text in the summary"
hc_assert_eq 1 "$(count --text amenaza --zone 'san miguel' --institution pnc --kind alert)" "filters combine"
err=$(hc_audit list --zone atlantis 2>&1) && hc_fail "an unknown zone name was accepted: $err"
hc_assert_contains "$err" '--zone "atlantis": no department, municipality or district has that name' "unknown zone named"
hc_assert_eq 1 "$(hc_audit_rc list --kind alerts)" "an unknown kind: exit 1"
hc_assert_contains "$(cat "$HC_WORK/audit.err")" '"alerts" is not a kind' "the unknown kind named"
hc_assert_eq 2 "$(hc_audit_rc list --json --csv)" "--json with --csv: usage"

# --from / --to: the dispatch's own receive time (El Salvador time, microseconds, no
# offset), and dates (a --to date covers that whole day).
local_time() { hc_psql "SELECT to_char(received_at AT TIME ZONE 'America/El_Salvador', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') FROM hcbus.events WHERE seq = $1"; }
local_date() { hc_psql "SELECT to_char(received_at AT TIME ZONE 'America/El_Salvador', 'YYYY-MM-DD') FROM hcbus.events WHERE seq = $1"; }
at_dispatch=$(local_time "$dispatch_seq")
hc_assert_eq 8 "$(count --from "$at_dispatch" --kind zone,alert,dispatch,status)" "--from the dispatch: it and the statuses"
hc_assert_eq 4 "$(count --to "$at_dispatch" --kind zone,alert,dispatch,status)" "--to the dispatch: what came before"
hc_assert_eq 4 "$(count --to "${at_dispatch/T/ }" --kind zone,alert,dispatch,status)" "--to as 'DATE TIME'"
first_date=$(local_date 1)
last_date=$(local_date "$total")
hc_assert_eq "$total" "$(count --from "$first_date" --to "$last_date")" "--from/--to dates: the whole day(s)"
hc_assert_eq 0 "$(count --to "${first_date}T00:00")" "--to the first day's midnight: nothing"
hc_assert_eq 1 "$(hc_audit_rc list --from yesterday)" "a bad --from: exit 1"
hc_assert_contains "$(cat "$HC_WORK/audit.err")" '--from "yesterday": "yesterday" is not a date or time' "the bad time named"

# ---- times: El Salvador's by default, UTC with --utc -------------------------------------
row=$(hc_audit list --json --kind dispatch)
hc_assert_contains "$row" "\"received_at\":\"${at_dispatch}-06:00\"" "JSON: received_at in -06:00"
utc=$(hc_psql "SELECT to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') FROM hcbus.events WHERE seq = $dispatch_seq")
hc_assert_contains "$(hc_audit list --json --utc --kind dispatch)" "\"received_at\":\"${utc}Z\"" "--utc: received_at in UTC"
text=$(hc_audit list --kind dispatch)
hc_assert_eq "seq received institution kind zone subject summary" "$(head -1 <<<"$text" | tr -s ' ')" "text header"
hc_assert_contains "$(sed -n 2p <<<"$text")" "${at_dispatch%.*}-06:00 sem" "text: whole seconds, -06:00"
hc_assert_contains "$(sed -n 2p <<<"$text")" "$MEJICANOS" "text: the zone id"

# ---- CSV and JSON parse; every column there ---------------------------------------------
hc_audit export --csv >"$HC_WORK/all.csv" || hc_fail "export --csv"
hc_audit export --json >"$HC_WORK/all.json" || hc_fail "export --json"
hc_audit list --csv --zone mejicanos >"$HC_WORK/mejicanos.csv" || hc_fail "list --csv"
checked=$(python3 - "$HC_WORK/all.csv" "$HC_WORK/all.json" "$HC_WORK/mejicanos.csv" "$ANON_TEXT" <<'PY'
import csv, json, sys
csv_path, json_path, mej_path, anon = sys.argv[1:5]
with open(csv_path, newline='') as f:
    rows = list(csv.DictReader(f))
with open(json_path) as f:
    objs = [json.loads(line) for line in f]
assert len(rows) == len(objs), (len(rows), len(objs))
cols = ['seq', 'received_at', 'sent_at', 'committed_at', 'sender', 'kind', 'topic', 'zone_id',
        'zone_name', 'subject', 'summary']
assert list(rows[0].keys()) == cols, list(rows[0].keys())
assert [list(o.keys()) for o in objs] == [cols] * len(objs)
for r, o in zip(rows, objs):
    assert int(r['seq']) == o['seq']
    assert json.loads(r['summary']) == o['summary'], r['seq']
    assert r['received_at'] == o['received_at'] and r['received_at'].endswith('-06:00')
anon_rows = [o for o in objs if o['sender'] == '']
assert len(anon_rows) == 1 and anon_rows[0]['summary']['description'] == anon, anon_rows
assert [r for r in rows if r['sender'] == ''][0]['zone_name'] == 'Mejicanos, San Salvador Centro, San Salvador'
with open(mej_path, newline='') as f:
    mej = list(csv.DictReader(f))
assert mej and all(r['zone_id'] == 'sv.ss.san-salvador-centro.mejicanos' for r in mej)
print(len(rows))
PY
) || hc_fail "the CSV or JSON does not parse as expected"
hc_assert_eq "$total" "$checked" "CSV rows = JSON lines = the log"
hc_assert_eq $((total + 1)) "$(grep -c $'\r$' "$HC_WORK/all.csv")" "CSV lines end in CRLF (RFC 4180)"

# ---- show --------------------------------------------------------------------------------
out=$(hc_audit show "$dispatch_seq") || hc_fail "show: $out"
hc_log "show $dispatch_seq:"$'\n'"$out"
hc_assert_contains "$out" "zone           $MEJICANOS (Mejicanos, San Salvador Centro, San Salvador)" "show: the zone's names"
hc_assert_contains "$out" "received at    ${at_dispatch}-06:00" "show: local time"
hc_assert_contains "$out" "institution    sem" "show: the sender"
hc_assert_contains "$out" '    "patient_redacted": true' "show: the summary, indented, says details were left out"
out=$(hc_audit show "$(seq_of s-bad)") || hc_fail "show status: $out"
hc_assert_contains "$out" "coordinator    REFUSED (" "show: the coordinator's verdict on a refused status"
out=$(hc_audit show 1 --json) || hc_fail "show --json"
python3 -c 'import json, sys; o = json.loads(sys.argv[1]); assert o["seq"] == 1 and o["zone_name"] and o["hash"], o' "$out" ||
  hc_fail "show --json: $out"
hc_assert_eq 1 "$(hc_audit_rc show 999999)" "show of a seq not in the log: exit 1"
hc_assert_contains "$(cat "$HC_WORK/audit.err")" "no event has seq 999999 (the log holds seq 1 to $total)" "show: says the range"

# ---- timeline ---------------------------------------------------------------------------
out=$(hc_audit timeline AUD-1) || hc_fail "timeline: $out"
hc_log "timeline AUD-1:"$'\n'"$out"
hc_assert_contains "$out" "request AUD-1 (seq $dispatch_seq) in $MEJICANOS (Mejicanos, San Salvador Centro, San Salvador)" "timeline: the request"
hc_assert_contains "$out" "sem           requested, priority critical, medical, capability advanced" "timeline: who requested what"
hc_assert_contains "$out" "sem           accepted, unit A-7" "timeline: a status"
hc_assert_contains "$out" "coordinator: REFUSED (" "timeline: the refused closure"
hc_assert_eq 6 "$(grep -c 'coordinator: counted' <<<"$out")" "timeline: six statuses counted"
dur() { grep -E "^    $1 +[0-9]" <<<"$out" | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+(h[0-9]+m|m)?[0-9]+s$/) {print $i; exit}}'; }
hc_assert_eq 1m00s "$(dur turnout)" "turnout: en route - accepted"
hc_assert_eq 8m00s "$(dur 'travel to scene')" "travel to scene"
hc_assert_eq 10m00s "$(dur response)" "response: on scene - requested"
hc_assert_eq 30m00s "$(dur total)" "total: the refused closure left out"
hc_assert_contains "$out" "accepted           ${at_dispatch:0:11}" "call-out times in local time"
json=$(hc_audit timeline AUD-1 --json) || hc_fail "timeline --json"
python3 - "$json" <<'PY' || hc_fail "timeline --json: $json"
import json, sys
objs = [json.loads(l) for l in sys.argv[1].splitlines()]
steps = [o for o in objs if o['record'] == 'step']
times = [o for o in objs if o['record'] == 'times']
assert len(steps) == 8 and len(times) == 1, (len(steps), len(times))
t = times[0]
assert (t['turnout_s'], t['response_s'], t['total_s']) == (60, 600, 1800), t
assert sum(1 for s in steps if s['verdict'] == 'refused') == 1
PY
hc_assert_eq 1 "$(hc_audit_rc timeline NO-SUCH)" "timeline of an unknown request: exit 1"

# ---- confidentiality: the complaint is in the payload, never in what the reviewer reads ----
hc_assert_eq t "$(hc_psql "SELECT position(convert_to('$COMPLAINT', 'UTF8') in payload) > 0 FROM hcbus.events WHERE seq = $dispatch_seq")" \
  "the payload holds the chief complaint (so the checks below could fail)"
{
  hc_audit list
  hc_audit list --json
  hc_audit export --csv
  hc_audit export --json
  hc_audit timeline AUD-1 --json
  hc_audit show "$dispatch_seq"
  hc_audit show "$dispatch_seq" --json
} >"$HC_WORK/everything.txt" 2>&1 || hc_fail "reading everything failed"
hc_assert_eq 0 "$(grep -c -e "$COMPLAINT" -e chief_complaint "$HC_WORK/everything.txt")" \
  "list, show, export and timeline never show the chief complaint"
err=$("$HC_PSQL" -XAtq "$HC_AUDIT_CONNINFO" -c "SELECT count(*) FROM hcbus.events" 2>&1) &&
  hc_fail "the facilitator read hcbus.events: $err"
hc_assert_contains "$err" "permission denied" "the facilitator's login cannot read the tables"

# ---- an unreachable database: exit 3, the conninfo named, never its password --------------
nowhere="host=$HC_WORK/nopg dbname=hcbus user=hcbus_facilitator"
rc=0
err=$("$H" audit list --db "$nowhere password=hunter2" 2>&1) || rc=$?
hc_assert_eq 3 "$rc" "an unreachable database: exit 3"
hc_assert_contains "$err" "cannot connect to the audit database (host=$HC_WORK/nopg port=5432 dbname=hcbus user=hcbus_facilitator, from --db)" "the conninfo named"
[[ $err == *hunter2* ]] && hc_fail "the password was printed: $err"
rc=0
err=$(HCBUS_AUDIT_DB="$nowhere" "$H" audit show 1 2>&1) || rc=$?
hc_assert_eq 3 "$rc" "show, database from HCBUS_AUDIT_DB: exit 3"
hc_assert_contains "$err" "from HCBUS_AUDIT_DB" "where the conninfo came from"

# ---- memory: 200k rows stream through list in bounded memory --------------------------------
# Inserted as the owner in one statement (their hashes do not matter to list); the bus is
# stopped first so that auditd's cached head cannot meet these rows.
hc_kill broker
hc_kill auditd
small_out=$HC_WORK/small.txt
# ASan keeps freed memory in quarantine (256 MB by default) and would count it as ours.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1"
HCBUS_AUDIT_DB=$HC_AUDIT_CONNINFO "$HC_BIN/tests/max_rss" "$HC_WORK/small.rss" "$H" audit list >"$small_out" ||
  hc_fail "list (small)"
ZERO_HASH="decode(repeat('00', 32), 'hex')"   # 32 bytes, as a SHA-256 would be
leaf=$(hc_psql "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'hcbus' AND table_name = 'events' AND column_name = 'leaf_hash'")
hc_psql "INSERT INTO hcbus.events (seq, sender, msg_id, kind, topic, zone_id, subject, sent_at, received_at,
                                   payload, summary, prev_hash, hash$([ "$leaf" = 1 ] && echo ', leaf_hash'))
         SELECT $total + g, 'pnc', 'bulk-' || g, 'alert', 'alert.$CAROLINA', '$CAROLINA', 'bulk-' || g, now(), now(),
                '\\x00', jsonb_build_object('kind', 'alert', 'act', 'threat', 'description', 'fila ' || g),
                $ZERO_HASH, $ZERO_HASH$([ "$leaf" = 1 ] && echo ", $ZERO_HASH")
         FROM generate_series(1, $BULK_ROWS) g" || hc_fail "bulk insert"
start=$SECONDS
HCBUS_AUDIT_DB=$HC_AUDIT_CONNINFO "$HC_BIN/tests/max_rss" "$HC_WORK/big.rss" "$H" audit list >"$HC_WORK/big.txt" ||
  hc_fail "list over $BULK_ROWS rows"
hc_assert_eq $((total + BULK_ROWS + 1)) "$(wc -l <"$HC_WORK/big.txt")" "every row listed, with the header"
small_kb=$(cat "$HC_WORK/small.rss")
big_kb=$(cat "$HC_WORK/big.rss")
hc_log "FIGURE list peak RSS (ASan build): $small_kb kB for $total rows, $big_kb kB for $((total + BULK_ROWS)) rows ($((SECONDS - start)) s)"
[ $((big_kb - small_kb)) -le "$RSS_GROWTH_MAX_KB" ] ||
  hc_fail "list's peak RSS grew by $((big_kb - small_kb)) kB for $BULK_ROWS rows (bound $RSS_GROWTH_MAX_KB kB)"
HC_CHECKS=$((HC_CHECKS + 1))
hc_pass
