# shellcheck shell=bash
# report.sh — hcbus-report (services/report, docs/report.md) in integration tests
# (source after harness.sh and bus.sh; call hc_report_setup after hc_bus_setup). The
# service runs for real: TCP on 127.0.0.1 (a free port), the broker as the "webform"
# anonymous gateway, the harness's PostgreSQL as role hcbus_report (migration 012)
# reached by peer authentication as an operator allows it (deploy/pg.sh allow).
#
#   hc_report_setup [SETTINGS...]  # a report section in $HC_WORK/hcbus.conf; each
#                                  # argument "key = value;" (several per argument allowed)
#                                  # replaces the harness's value of that setting
#   hc_bus_start; hc_report_start; hc_report_wait_ready
#   curl -sS "$HC_REPORT_URL/reporte?lang=en"
#   token=$(hc_report_token)       # the form token of a fresh GET /reporte
#   hc_report_stop                 # SIGTERM (waiting reports are released), or hc_report_kill9
#
# The harness's values: listen_port a free port, secret_file keys/report.secret (32
# random bytes, 0600), conninfo the private cluster as hcbus_report, release delays
# 0..1 s, receipt_hash_memory_kib 8192 (the minimum: tests stay fast). The service's
# output is $HC_WORK/report.log (a restart keeps the previous one as report.log.N).
# Without the hcbus-report binary in the build, hc_report_setup skips the test (77).

HC_REPORT_BIN="$HC_BIN/services/report/hcbus-report"
HC_REPORT_URL=""
HC_REPORT_PORT=""
HC_REPORT_STARTS=0

# The harness's settings, one "key = value;" per line, then the caller's: a setting the
# caller gives replaces the harness's (libconfig refuses a setting given twice).
hc_report_section() {
  local -A given=()
  local -a order=() defaults=() parts=()
  local item key setting
  for item in "$@"; do
    IFS=';' read -r -a parts <<<"$item"
    for setting in "${parts[@]}"; do
      setting=$(sed 's/^[[:space:]]*//; s/[[:space:]]*$//' <<<"$setting")
      [ -n "$setting" ] || continue
      key=$(sed 's/[[:space:]]*=.*//' <<<"$setting")
      [[ $key =~ ^[a-z_]+$ ]] || hc_fail "hc_report_setup: '$setting' is not key = value"
      [ -n "${given[$key]:-}" ] || order+=("$key")
      given[$key]=$setting
    done
  done
  defaults=(
    "institution = \"webform\""
    "secret_key_file = \"keys/webform.key\""
    "broker_public_key_file = \"keys/broker.pub\""
    "listen_address = \"127.0.0.1\""
    "listen_port = $HC_REPORT_PORT"
    "conninfo = \"$("$HC_SRC/deploy/pg.sh" conninfo "$HC_PGDIR" hcbus_report)\""
    "secret_file = \"keys/report.secret\""
    "release_delay_min_s = 0"
    "release_delay_max_s = 1"
    "receipt_hash_memory_kib = 8192"
  )
  echo "report = {"
  for setting in "${defaults[@]}"; do
    key=${setting%% =*}
    [ -n "${given[$key]:-}" ] || echo "  $setting;"
  done
  for key in "${order[@]}"; do echo "  ${given[$key]};"; done
  echo "};"
}

hc_report_setup() {
  if [ ! -x "$HC_REPORT_BIN" ]; then
    hc_log "SKIP: $HC_REPORT_BIN is not built"
    exit 77
  fi
  [ -f "$HC_WORK/hcbus.conf" ] || hc_fail "hc_report_setup: call hc_bus_setup first"
  local port section
  # The bus's ports are chosen by hc_bus_setup but bound only by hc_bus_start, so a
  # free port now may be one of them: take the first free one the bus does not use.
  local candidates candidate
  mapfile -t candidates < <("$HC_BIN/tests/free_ports" 8) || hc_fail "free_ports failed"
  port=""
  for candidate in "${candidates[@]}"; do
    case " $HC_PUB_ENDPOINT $HC_SUB_ENDPOINT $HC_AUDIT_ENDPOINT " in
      *":$candidate "*) ;;
      *) port=$candidate; break ;;
    esac
  done
  [ -n "$port" ] || hc_fail "hc_report_setup: no free port apart from the bus's"
  HC_REPORT_PORT=$port
  HC_REPORT_URL="http://127.0.0.1:$port"
  # The listen_port the caller gives wins (and then names the URL).
  section=$(hc_report_section "$@")
  port=$(sed -n 's/^  listen_port = \([0-9]*\);$/\1/p' <<<"$section")
  if [ -n "$port" ]; then
    HC_REPORT_PORT=$port
    HC_REPORT_URL="http://127.0.0.1:$port"
  fi
  export HC_REPORT_URL HC_REPORT_PORT
  [ -f "$HC_WORK/keys/report.secret" ] ||
    (umask 077 && head -c 32 /dev/urandom >"$HC_WORK/keys/report.secret") || hc_fail "cannot write report.secret"
  "$HC_SRC/deploy/pg.sh" allow "$HC_PGDIR" "$(id -un)" hcbus_report 2>>"$HC_WORK/pg.sh.log" ||
    hc_fail "pg.sh allow hcbus_report failed"
  # Before institutions, so that the file still ends with their ");" (tests append to it).
  local conf=$HC_WORK/hcbus.conf
  HC_REPORT_SECTION=$section awk \
    '/^institutions = \(/ && !done { print ENVIRON["HC_REPORT_SECTION"]; done = 1 } { print }' "$conf" >"$conf.new" &&
    mv "$conf.new" "$conf" || hc_fail "cannot add the report section to $conf"
  grep -q '^report = {' "$conf" || hc_fail "no institutions list in $conf to put the report section before"
}

# Start hcbus-report (the broker should be up: the pipeline connects to it).
hc_report_start() {
  if [ -f "$HC_WORK/report.log" ]; then
    HC_REPORT_STARTS=$((HC_REPORT_STARTS + 1))
    mv "$HC_WORK/report.log" "$HC_WORK/report.log.$HC_REPORT_STARTS"
  fi
  hc_start_bg report "$HC_REPORT_BIN" --config "$HC_WORK/hcbus.conf"
}

# True when hcbus-report answers GET / with 200.
hc_report_answers() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$HC_REPORT_URL/")" = 200 ]
}

# Wait until hcbus-report logs "escuchando en" and answers GET /, at most TIMEOUT_S
# (default 30); fail at once if it exits.
hc_report_wait_ready() {
  local timeout_s=${1:-30} pid deadline
  deadline=$((SECONDS + timeout_s))
  pid=$(hc_pid report)
  until grep -q 'escuchando en http://' "$HC_WORK/report.log" 2>/dev/null && hc_report_answers; do
    kill -0 "$pid" 2>/dev/null || hc_fail "hcbus-report exited before it was ready"
    [ "$SECONDS" -lt "$deadline" ] || hc_fail "hcbus-report not ready after ${timeout_s}s"
    sleep "$HC_POLL_INTERVAL_S"
  done
}

hc_report_stop() { hc_kill report TERM; }
hc_report_kill9() { hc_kill report KILL; }

# The form token of a fresh GET /reporte (the hidden field every POST carries).
hc_report_token() {
  local html token
  html=$(curl -sS --max-time 10 "$HC_REPORT_URL/reporte") || hc_fail "hc_report_token: GET /reporte failed"
  token=$(grep -o '<input[^>]*name="token"[^>]*>' <<<"$html" | head -n 1 | grep -o 'value="[A-Za-z0-9_-]*"' |
    sed 's/^value="//; s/"$//')
  [ -n "$token" ] || hc_fail "hc_report_token: no token field in GET /reporte"
  echo "$token"
}
