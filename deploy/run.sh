#!/usr/bin/env bash
# run.sh — the one command to try hcbus: install and build (deploy/install.sh), then run
# a complete demo deployment from one state directory (config, keys, a private
# PostgreSQL, hcbus-auditd, hcbus-broker, hcbus-coordinator, hcbus-report, logs) until
# Ctrl-C or SIGTERM.
#
#   deploy/run.sh
#   HCBUS_STATE_DIR=DIR    config, keys, database and logs (default: var/ in the repository)
#   HCBUS_PORT_BASE=N      endpoints 127.0.0.1:N+1 publish, N+2 subscribe, N+3 auditd,
#                          N+4 the anonymous form (http; default 7700; used when the
#                          config is generated, on first run)
#   HCBUS_BUILD_DIR=DIR    where the programs are built (default: build/ in the repository)
#   HCBUS_SKIP_INSTALL=1   no apt, no build: use the programs already in HCBUS_BUILD_DIR
#   HCBUS_SERVICE_USERS=auto|1|0   as root, run each service as its own system user,
#                          hcbus-broker, hcbus-auditd, hcbus-coordinator and hcbus-report,
#                          each the only reader of its secret key (auto: if they can reach
#                          the programs and files, else as root with a warning; 1: or
#                          fail; 0: as root)
#
# PostgreSQL is reached by peer authentication only: the migrations are applied by its
# owner (deploy/migrate.sh), hcbus-auditd logs in as hcbus_auditd (a writer),
# hcbus-report as hcbus_report. Starts PostgreSQL, auditd, the broker, then its clients
# the coordinator and hcbus-report (the anonymous web form; its URL is printed). Stops
# in order on SIGINT/SIGTERM: hcbus-report (it releases the reports still waiting), the
# coordinator (its effects in flight confirmed), the broker (it drains what awaits
# commit), the audit service, PostgreSQL. See docs/operations.md.
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE_DIR=$(realpath -m -- "${HCBUS_STATE_DIR:-$REPO_DIR/var}")
BUILD_DIR=$(realpath -m -- "${HCBUS_BUILD_DIR:-$REPO_DIR/build}")
PORT_BASE=${HCBUS_PORT_BASE:-7700}
CONF=$STATE_DIR/hcbus.conf
KEYS_DIR=$STATE_DIR/keys
PG_DIR=$STATE_DIR/pg
LOG_DIR=$STATE_DIR/log
READY_TIMEOUT_S=60            # per service, from start to ready
STOP_TIMEOUT_S=30             # per service, from SIGTERM to exit, then SIGKILL
PROBE_TIMEOUT_MS=2000         # one readiness probe of the broker
POLL_INTERVAL_S=0.1
SERVICE_USERS=${HCBUS_SERVICE_USERS:-auto}
BROKER_USER=hcbus-broker
AUDITD_USER=hcbus-auditd
COORDINATOR_USER=hcbus-coordinator
REPORT_USER=hcbus-report
AUDITD_DB_ROLE=hcbus_auditd   # deploy/sql/005_service_login.sql
REPORT_DB_ROLE=hcbus_report   # deploy/sql/012_report.sql
REPORT_PORT_OFFSET=4          # the form listens on HCBUS_PORT_BASE + 4 (http, loopback)
REPORT_SECRET_BYTES=32        # keys/report.secret: form tokens' and receipts' key
# The demo's release delay, short so that the demo shows the report within seconds;
# a deployment keeps deploy/hcbus.conf's 60..900 s (docs/report.md).
REPORT_DEMO_DELAY_MIN_S=1
REPORT_DEMO_DELAY_MAX_S=5
FACILITATOR_DB_ROLE=hcbus_facilitator   # deploy/sql/010: hcbus audit, as a reviewer
LOG_KEY_NAME=auditd           # keys/auditd-log.key signs auditd's tree heads (decision 0014)
RUN_AS_USERS=0                # 1 once each service has its own account

BROKER_PID="" AUDITD_PID="" COORDINATOR_PID="" REPORT_PID="" TAIL_PIDS=() PG_STARTED=0 STOPPING=0 RUN_AS=()

say() { echo "run.sh: $*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
  sed -n '2,28p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# ---- programs -----------------------------------------------------------------

install_and_build() {
  if [ "${HCBUS_SKIP_INSTALL:-0}" = 1 ]; then
    say "HCBUS_SKIP_INSTALL=1: using the programs in $BUILD_DIR"
    return 0
  fi
  HCBUS_BUILD_DIR=$BUILD_DIR "$REPO_DIR/deploy/install.sh"
}

find_programs() {
  BROKER_BIN=$BUILD_DIR/services/broker/hcbus-broker
  AUDITD_BIN=$BUILD_DIR/services/auditd/hcbus-auditd
  COORDINATOR_BIN=$BUILD_DIR/services/coordinator/hcbus-coordinator
  REPORT_BIN=$BUILD_DIR/services/report/hcbus-report
  CLI_BIN=$BUILD_DIR/services/cli/hcbus
  local bin
  for bin in "$BROKER_BIN" "$AUDITD_BIN" "$COORDINATOR_BIN" "$REPORT_BIN" "$CLI_BIN"; do
    [ -x "$bin" ] || die "$bin is missing: build first (deploy/install.sh, or unset HCBUS_SKIP_INSTALL)"
  done
}

# ---- state directory ----------------------------------------------------------

# Searchable by others: as root, PostgreSQL runs as `postgres` and must reach pg/, and
# the services' accounts their files. keys/ is searchable but not listable when the
# services have their own accounts (each opens its own key and the public ones by
# name); private to us otherwise.
prepare_state_dir() {
  mkdir -p -- "$STATE_DIR" "$LOG_DIR" "$KEYS_DIR"
  chmod 0711 -- "$STATE_DIR"
  chmod 0700 -- "$KEYS_DIR"
  # The config's relative paths resolve against its own directory.
  ln -sfn -- "$REPO_DIR/deploy/sql" "$STATE_DIR/sql"
  ln -sfn -- "$REPO_DIR/deploy/sv-districts.csv" "$STATE_DIR/sv-districts.csv"
}

# The lines of the report section (`report = {` to `};`), a sed address: its settings
# (conninfo, publish_endpoint) are hcbus-report's, never set by set_setting.
REPORT_SECTION='/^report[[:space:]]*=[[:space:]]*\{/,/^\};/'

# Replace the value of `setting = "..."` (at the start of a line, outside the report
# section) in the config, and insist that it happened: a silent miss would run the
# demo on the wrong ports.
set_setting() {
  local setting=$1 value=$2
  sed -i -E "${REPORT_SECTION}!s|^([[:space:]]*${setting}[[:space:]]*=[[:space:]]*)\"[^\"]*\"|\1\"$value\"|" "$CONF.new"
  grep -qE "^[[:space:]]*${setting}[[:space:]]*=[[:space:]]*\"$value\"" <<<"$(sed -E "${REPORT_SECTION}d" "$CONF.new")" ||
    die "deploy/hcbus.conf has no '$setting = \"...\"' line to set"
}

# Set `setting = VALUE;` in FILE's report section (VALUE a number, or a string written
# quoted), and insist that it happened.
set_report_setting() {
  local file=$1 setting=$2 value=$3
  [[ $value =~ ^[0-9]+$ ]] || value="\"$value\""
  sed -i -E "${REPORT_SECTION}s#^([[:space:]]*${setting}[[:space:]]*=[[:space:]]*)(\"[^\"]*\"|[0-9]+);#\1${value};#" "$file"
  grep -qF -- "${setting} = ${value};" <<<"$(sed -n -E "${REPORT_SECTION}p" "$file")" ||
    die "$file has no '$setting = ...;' line in its report section to set"
}

# The demo's values in FILE's report section: the form on 127.0.0.1:PORT (its URL is
# what run.sh prints), hcbus-report's own login role, and short release delays.
configure_report() {
  local file=$1 port=$2
  set_report_setting "$file" conninfo "$("$REPO_DIR/deploy/pg.sh" conninfo "$PG_DIR" "$REPORT_DB_ROLE")"
  set_report_setting "$file" listen_address "127.0.0.1"
  set_report_setting "$file" listen_port "$port"
  set_report_setting "$file" public_url "http://127.0.0.1:$port/"
  set_report_setting "$file" release_delay_min_s "$REPORT_DEMO_DELAY_MIN_S"
  set_report_setting "$file" release_delay_max_s "$REPORT_DEMO_DELAY_MAX_S"
}

# Made once from deploy/hcbus.conf; afterwards the state directory's copy is the
# deployment's own (edit it freely; delete it to generate it again).
generate_config() {
  if [ -f "$CONF" ]; then
    say "using the existing $CONF"
    return 0
  fi
  if ! [[ $PORT_BASE =~ ^[0-9]{4,5}$ ]] || [ "$PORT_BASE" -lt 1024 ] || [ "$PORT_BASE" -gt 65500 ]; then
    die "HCBUS_PORT_BASE '$PORT_BASE' is not a number from 1024 to 65500"
  fi
  { echo "# Generated by deploy/run.sh from deploy/hcbus.conf on $(date -u +%FT%TZ): the demo's"
    echo "# endpoints and private PostgreSQL. Edit freely; delete it to generate it again."
    cat "$REPO_DIR/deploy/hcbus.conf"; } >"$CONF.new"
  set_setting publish_endpoint "tcp://127.0.0.1:$((PORT_BASE + 1))"
  set_setting subscribe_endpoint "tcp://127.0.0.1:$((PORT_BASE + 2))"
  set_setting endpoint "tcp://127.0.0.1:$((PORT_BASE + 3))"
  set_setting conninfo "$("$REPO_DIR/deploy/pg.sh" conninfo "$PG_DIR" "$AUDITD_DB_ROLE")"
  configure_report "$CONF.new" "$((PORT_BASE + REPORT_PORT_OFFSET))"
  mv -- "$CONF.new" "$CONF"
  say "generated $CONF (ports $((PORT_BASE + 1))-$((PORT_BASE + REPORT_PORT_OFFSET)))"
}

# A config generated before auditd had a role of its own connects as the superuser,
# which peer authentication no longer lets a service account do: move it to the
# writer's role (only that exact generated value is changed).
upgrade_conninfo() {
  local old new
  old=$("$REPO_DIR/deploy/pg.sh" conninfo "$PG_DIR")
  new=$("$REPO_DIR/deploy/pg.sh" conninfo "$PG_DIR" "$AUDITD_DB_ROLE")
  [ "$(config_value conninfo)" = "$old" ] || return 0
  sed -i "s|conninfo = \"$old\"|conninfo = \"$new\"|" "$CONF"
  say "$CONF: auditd now connects as $AUDITD_DB_ROLE (was the superuser hcbus)"
}

# A config generated before hcbus-coordinator existed has no coordinator section (the
# coordinator would refuse to start) and a police override without escort status and
# notices: add the institution and the section as deploy/hcbus.conf has them, and widen
# only the exact police lines run.sh generated then.
upgrade_coordinator() {
  grep -qE '^[[:space:]]*coordinator[[:space:]]*=' "$CONF" && return 0
  grep -qE '^institutions[[:space:]]*=[[:space:]]*\($' "$CONF" ||
    die "$CONF has no coordinator section, and no 'institutions = (' line to add one to: see deploy/hcbus.conf"
  cp -- "$CONF" "$CONF.new"
  if ! grep -qE 'id[[:space:]]*=[[:space:]]*"coordinator"' "$CONF.new"; then
    sed -i -E '/^institutions[[:space:]]*=[[:space:]]*\($/a\
  { id = "coordinator"; name = "hcbus-coordinator (reglas del Protocolo)"; roles = ["coordinator"];\
    public_key_files = ["keys/coordinator.pub"]; },' "$CONF.new"
  fi
  { echo; sed -n '/^# hcbus-coordinator: the protocol/,/^};/p' "$REPO_DIR/deploy/hcbus.conf"; } >>"$CONF.new"
  sed -i -e 's|^    publish = \["alert:\*", "escort:\*"\];$|    publish = ["alert:*", "escort:*", "escort_status:*"];|' \
    -e 's|^    subscribe = \["zone:\*", "alert:\*", "escort:\*", "dispatch:\*", "status:\*"\];$|    subscribe = ["zone:*", "alert:*", "escort:*", "dispatch:*", "status:*", "escort_status:*", "notice:*"];|' \
    "$CONF.new"
  mv -- "$CONF.new" "$CONF"
  say "$CONF: added the coordinator institution and section (as in deploy/hcbus.conf)"
}

# The value of `setting = "..."` in the config (the first one).
config_value() {
  sed -n -E "s|^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"([^\"]*)\".*|\1|p" "$CONF" | head -n 1
}

# The value of `setting = "..."` or `setting = N` in the config's report section.
report_value() {
  sed -n -E "${REPORT_SECTION}s#^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"?([^\";]*)\"?;.*#\1#p" "$CONF" | head -n 1
}

# A config generated before hcbus-report existed has neither its institution nor its
# section: add both as deploy/hcbus.conf has them, the form on the port after auditd's.
upgrade_report() {
  grep -qE '^report[[:space:]]*=[[:space:]]*\{' "$CONF" && return 0
  grep -qE '^institutions[[:space:]]*=[[:space:]]*\($' "$CONF" ||
    die "$CONF has no report section, and no 'institutions = (' line to add its institution to: see deploy/hcbus.conf"
  local publish port
  publish=$(config_value publish_endpoint)
  port=$((PORT_BASE + REPORT_PORT_OFFSET))
  if [[ ${publish##*:} =~ ^[0-9]+$ ]] && [ "${publish##*:}" -le 65530 ]; then
    port=$((${publish##*:} - 1 + REPORT_PORT_OFFSET))
  fi
  cp -- "$CONF" "$CONF.new"
  if ! grep -qE 'id[[:space:]]*=[[:space:]]*"webform"' "$CONF.new"; then
    sed -i -E '/^institutions[[:space:]]*=[[:space:]]*\($/a\
  { id = "webform"; name = "Formulario anónimo (hcbus-report)"; roles = ["anonymous_gateway"];\
    public_key_files = ["keys/webform.pub"]; },' "$CONF.new"
  fi
  { echo; sed -n '/^# hcbus-report: the anonymous incident form/,/^};/p' "$REPO_DIR/deploy/hcbus.conf"; } >>"$CONF.new"
  configure_report "$CONF.new" "$port"
  mv -- "$CONF.new" "$CONF"
  say "$CONF: added the webform institution and the report section (as in deploy/hcbus.conf), port $port"
}

# A path of the config, absolute (relative ones are the config directory's).
config_path() {
  case $1 in
    /*) echo "$1" ;;
    *) echo "$STATE_DIR/$1" ;;
  esac
}

# hcbus-report's secret (report.secret_file): 32 random bytes, made once. Never
# replaced: every receipt handed out is derived with it (docs/operations.md).
make_report_secret() {
  if [ -e "$REPORT_SECRET_FILE" ]; then
    local size
    size=$(stat -c %s -- "$REPORT_SECRET_FILE")
    [ "$size" = "$REPORT_SECRET_BYTES" ] ||
      die "$REPORT_SECRET_FILE is $size bytes, not $REPORT_SECRET_BYTES: restore it from a backup (a new one would" \
          "open none of the receipts handed out), or delete it to start with no reports"
    return 0
  fi
  (umask 077 && head -c "$REPORT_SECRET_BYTES" /dev/urandom >"$REPORT_SECRET_FILE.new") &&
    mv -- "$REPORT_SECRET_FILE.new" "$REPORT_SECRET_FILE" || die "cannot write $REPORT_SECRET_FILE"
  say "made $REPORT_SECRET_FILE ($REPORT_SECRET_BYTES random bytes: the form tokens' and receipts' key; back it up)"
}

# A config without an auditd.log_key_file setting (generated before decision 0014, or
# from deploy/hcbus.conf, where it is commented out) gets the demo's: auditd signs its
# tree heads with keys/auditd-log.key (made by generate_keys).
upgrade_log_key() {
  grep -qE '^[[:space:]]*log_key_file[[:space:]]*=' "$CONF" && return 0
  grep -qE '^auditd[[:space:]]*=[[:space:]]*\{' "$CONF" || die "$CONF has no 'auditd = {' line to add log_key_file to"
  sed -i -E '/^auditd[[:space:]]*=[[:space:]]*\{/a\
  log_key_file = "keys/'"$LOG_KEY_NAME"'-log.key";   # added by run.sh: signs the tree heads' "$CONF"
  say "$CONF: auditd signs its tree heads with keys/$LOG_KEY_NAME-log.key (log_key_file)"
}

# One key pair per keys/NAME.pub or keys/NAME.key the config names (institutions,
# broker, auditd), outside comments; the log signer key (log_key_file) is a note key,
# made with --log-signer. A name with either file already present is left alone: never
# overwrite a key, and a deployment may hold only an institution's public key.
generate_keys() {
  local name made=0
  local names log_key
  log_key=$(sed -n -E 's|^[[:space:]]*log_key_file[[:space:]]*=[[:space:]]*"keys/([A-Za-z0-9_.-]+)-log\.key".*|\1|p' "$CONF" | head -n 1)
  if [ -n "$log_key" ] && ! [ -e "$KEYS_DIR/$log_key-log.key" ]; then
    "$CLI_BIN" keygen --log-signer "$log_key" --dir "$KEYS_DIR" >/dev/null || die "hcbus keygen --log-signer $log_key failed"
    say "made $KEYS_DIR/$log_key-log.key (signs auditd's tree heads) and $log_key-log.pub (give it to every institution)"
  fi
  names=$(grep -vE '^[[:space:]]*#|^[[:space:]]*log_key_file[[:space:]]*=' "$CONF" |
          grep -oE '"keys/[A-Za-z0-9_.-]+\.(pub|key)"' | sed -E 's#"keys/(.*)\.(pub|key)"#\1#' | sort -u)
  [ -n "$names" ] || die "$CONF names no key files under keys/"
  for name in $names; do
    [ -e "$KEYS_DIR/$name.key" ] || [ -e "$KEYS_DIR/$name.pub" ] && continue
    "$CLI_BIN" keygen "$name" --dir "$KEYS_DIR" >/dev/null || die "hcbus keygen $name failed"
    made=$((made + 1))
  done
  say "keys in $KEYS_DIR: $made new, $(($(wc -w <<<"$names") - made)) kept"
}

# ---- who runs the services ---------------------------------------------------------

ensure_service_user() {
  id "$1" >/dev/null 2>&1 && return 0
  if useradd --system --user-group --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin --comment "hcbus ${1#hcbus-}" "$1"; then
    say "created system user $1"
  else
    id "$1" >/dev/null 2>&1 || die "useradd $1 failed"   # made meanwhile by another run
  fi
}

# Fill RUN_AS with what runs a program as USER (setpriv execs it: the pid we keep is
# the program's), or with nothing when the services run as we do.
run_as() {
  RUN_AS=()
  if [ "$RUN_AS_USERS" = 1 ]; then
    RUN_AS=(setpriv --reuid="$1" --regid="$1" --init-groups --)
  fi
}

# USER can run BIN and read every PATH (a repository under /root, say, is out of reach).
service_can_reach() {
  local user=$1 bin=$2 path
  shift 2
  setpriv --reuid="$user" --regid="$user" --init-groups -- test -x "$bin" || { echo "$bin"; return 1; }
  for path in "$@"; do
    setpriv --reuid="$user" --regid="$user" --init-groups -- test -r "$path" || { echo "$path"; return 1; }
  done
}

# As root: the broker, auditd, the coordinator and hcbus-report get accounts of their
# own; each secret key belongs to the one service that reads it (0600), so none can
# read another's (hcbus-report's: the gateway's key pair and report.secret).
# Without root (or with HCBUS_SERVICE_USERS=0) all run as the user running run.sh.
choose_service_users() {
  if [ "$(id -u)" -ne 0 ] || [ "$SERVICE_USERS" = 0 ]; then
    say "the services run as $(id -un) (separate accounts need root and HCBUS_SERVICE_USERS other than 0)"
    return 0
  fi
  [[ $SERVICE_USERS =~ ^(auto|1)$ ]] || die "HCBUS_SERVICE_USERS '$SERVICE_USERS' is not auto, 1 or 0"
  ensure_service_user "$BROKER_USER"
  ensure_service_user "$AUDITD_USER"
  ensure_service_user "$COORDINATOR_USER"
  ensure_service_user "$REPORT_USER"
  chmod 0711 -- "$KEYS_DIR"
  if ! chown "$BROKER_USER:" -- "$KEYS_DIR/broker.key" || ! chown "$AUDITD_USER:" -- "$KEYS_DIR/auditd.key" ||
     ! chown "$COORDINATOR_USER:" -- "$KEYS_DIR/coordinator.key"; then
    die "keys/broker.key, keys/auditd.key and keys/coordinator.key must exist (the config's secret_key_file settings)"
  fi
  chmod 0600 -- "$KEYS_DIR/broker.key" "$KEYS_DIR/auditd.key" "$KEYS_DIR/coordinator.key"
  chown "$REPORT_USER:" -- "$REPORT_KEY_FILE" "$REPORT_SECRET_FILE" &&
    chmod 0600 -- "$REPORT_KEY_FILE" "$REPORT_SECRET_FILE" ||
    die "cannot give $REPORT_KEY_FILE and $REPORT_SECRET_FILE to $REPORT_USER (report.secret_key_file, secret_file)"
  # The log signer key, like auditd.key, is auditd's alone.
  if [ -e "$KEYS_DIR/$LOG_KEY_NAME-log.key" ]; then
    chown "$AUDITD_USER:" -- "$KEYS_DIR/$LOG_KEY_NAME-log.key" && chmod 0600 -- "$KEYS_DIR/$LOG_KEY_NAME-log.key" ||
      die "cannot give $KEYS_DIR/$LOG_KEY_NAME-log.key to $AUDITD_USER"
  fi
  local missing
  if ! missing=$(service_can_reach "$BROKER_USER" "$BROKER_BIN" "$CONF" "$KEYS_DIR/broker.key" \
                   "$KEYS_DIR/auditd.pub" "$STATE_DIR/sv-districts.csv") ||
     ! missing=$(service_can_reach "$AUDITD_USER" "$AUDITD_BIN" "$CONF" "$KEYS_DIR/auditd.key" \
                   "$KEYS_DIR/broker.pub" "$STATE_DIR/sql/") ||
     ! missing=$(service_can_reach "$COORDINATOR_USER" "$COORDINATOR_BIN" "$CONF" "$KEYS_DIR/coordinator.key" \
                   "$KEYS_DIR/broker.pub" "$STATE_DIR/sv-districts.csv") ||
     ! missing=$(service_can_reach "$REPORT_USER" "$REPORT_BIN" "$CONF" "$REPORT_KEY_FILE" "$REPORT_SECRET_FILE" \
                   "$KEYS_DIR/broker.pub" "$STATE_DIR/sv-districts.csv"); then
    [ "$SERVICE_USERS" = 1 ] && die "a service account cannot reach $missing (make its directories o+x, or HCBUS_SERVICE_USERS=0)"
    say "WARNING: a service account cannot reach $missing: the services run as root instead," \
        "and each can read the others' keys (make the directories o+x to avoid this)"
    return 0
  fi
  RUN_AS_USERS=1
  say "hcbus-broker runs as $BROKER_USER, hcbus-auditd as $AUDITD_USER, hcbus-coordinator as" \
      "$COORDINATOR_USER, hcbus-report as $REPORT_USER; each alone reads its secret key"
}

# The environment a second terminal needs; demo-scenario.sh reads it too.
write_env_file() {
  cat >"$STATE_DIR/env.sh" <<EOF
export PATH="$BUILD_DIR/services/cli:\$PATH"
export HCBUS_PUBLISH_ENDPOINT=$PUBLISH_ENDPOINT
export HCBUS_SUBSCRIBE_ENDPOINT=$SUBSCRIBE_ENDPOINT
export HCBUS_BROKER_KEY=$KEYS_DIR/broker.pub
export HCBUS_KEY=$KEYS_DIR/pnc.key
export HCBUS_ZONES=$REPO_DIR/deploy/sv-districts.csv
export HCBUS_AUDIT_DB="host=$PG_DIR dbname=hcbus user=$FACILITATOR_DB_ROLE"
export HCBUS_REPORT_URL=$REPORT_LOCAL_URL
export HCBUS_LOCALEDIR=$BUILD_DIR/locale   # the build's catalogues: LANG=es_SV.UTF-8 hcbus ...
EOF
}

# ---- services -----------------------------------------------------------------

# Show a log in this terminal, each line prefixed with the service's name. The pid kept
# is tail's; sed ends when tail does.
show_log() {
  local name=$1 log=$2
  tail -n +1 -F -- "$log" 2>/dev/null > >(sed -u "s/^/[$name] /") &
  TAIL_PIDS+=($!)
}

# Start NAME (BIN --config CONF ARGS...) in its own session, so that a Ctrl-C in this
# terminal reaches only this script, which then stops everything in order.
start_service() {
  local name=$1 user=$2 bin=$3 log=$LOG_DIR/$1.log
  shift 3
  [ ! -s "$log" ] || mv -f -- "$log" "$log.1"   # each run's log on its own; one run back kept
  : >"$log"
  show_log "$name" "$log"
  run_as "$user"
  setsid "${RUN_AS[@]}" "$bin" --config "$CONF" "$@" >>"$log" 2>&1 &
  printf -v "${name^^}_PID" '%s' "$!"
  say "started $name (pid $!), log $log"
}

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# Poll CHECK... until it succeeds; fail if the service's pid dies or the deadline passes.
wait_ready() {
  local name=$1 pid=$2
  shift 2
  local deadline=$((SECONDS + READY_TIMEOUT_S))
  until "$@" >/dev/null 2>&1; do
    alive "$pid" || die "$name exited while starting; see $LOG_DIR/$name.log"
    [ "$SECONDS" -lt "$deadline" ] || die "$name not ready after ${READY_TIMEOUT_S}s; see $LOG_DIR/$name.log"
    sleep "$POLL_INTERVAL_S"
  done
  say "$name is ready"
}

# auditd says so once it has checked the migrations and bound its endpoint (a port
# already in use makes it exit instead, which wait_ready reports). Its log lines follow
# its locale (docs/operations.md, "Idioma / Language"): English or Spanish.
auditd_ready() { grep -qE 'notice: (listening on|escuchando en) ' "$LOG_DIR/auditd.log"; }

# The coordinator has replayed the log and gone live (docs/operations.md), in either language.
coordinator_ready() { grep -qE ' (caught up|al día): ' "$LOG_DIR/coordinator.log"; }

# The form answers its home page where it listens.
report_ready() { curl -fsS --noproxy '*' -o /dev/null --max-time "$((PROBE_TIMEOUT_MS / 1000))" -- "$REPORT_LOCAL_URL/"; }

# Where run.sh and the demo reach the form: its listen address and port (an address
# of every interface is reached on loopback; IPv6 in brackets).
report_local_url() {
  local address port
  address=$(report_value listen_address)
  port=$(report_value listen_port)
  case ${address:-127.0.0.1} in
    0.0.0.0) address=127.0.0.1 ;;
    ::) address="[::1]" ;;
    *:*) address="[$address]" ;;
  esac
  echo "http://${address:-127.0.0.1}:${port:-7780}"
}

# The broker answers a snapshot request from the facilitator: the whole path (CURVE
# handshake, ZAP, a request to the audit service) works.
broker_ready() {
  "$CLI_BIN" snapshot zone. --endpoint "$SUBSCRIBE_ENDPOINT" --broker-key "$KEYS_DIR/broker.pub" \
    --key "$PROBE_KEY" --timeout-ms "$PROBE_TIMEOUT_MS"
}

start_all() {
  PG_STARTED=1    # before init, which starts a server of its own for a moment
  "$REPO_DIR/deploy/pg.sh" init "$PG_DIR"
  if [ "$RUN_AS_USERS" = 1 ]; then   # before start: no reload race
    "$REPO_DIR/deploy/pg.sh" allow "$PG_DIR" "$AUDITD_USER" "$AUDITD_DB_ROLE"
    "$REPO_DIR/deploy/pg.sh" allow "$PG_DIR" "$REPORT_USER" "$REPORT_DB_ROLE"
  else
    "$REPO_DIR/deploy/pg.sh" allow "$PG_DIR" "$(id -un)" "$REPORT_DB_ROLE"
  fi
  # Whoever runs the demo reads the log as the facilitators do (hcbus audit, env.sh).
  "$REPO_DIR/deploy/pg.sh" allow "$PG_DIR" "$(id -un)" "$FACILITATOR_DB_ROLE"
  "$REPO_DIR/deploy/pg.sh" start "$PG_DIR"
  say "PostgreSQL is ready (socket in $PG_DIR, log $PG_DIR/postgresql.log)"
  # The owner migrates; auditd, a writer, only checks that every file is applied.
  "$REPO_DIR/deploy/migrate.sh" "$PG_DIR"
  # auditd accepts one client, the broker (keys/broker.pub next to its secret key).
  start_service auditd "$AUDITD_USER" "$AUDITD_BIN" --broker-key "$KEYS_DIR/broker.pub"
  wait_ready auditd "$AUDITD_PID" auditd_ready
  start_service broker "$BROKER_USER" "$BROKER_BIN"
  wait_ready broker "$BROKER_PID" broker_ready
  # A client of the broker: it replays the log, then applies the rules live.
  start_service coordinator "$COORDINATOR_USER" "$COORDINATOR_BIN"
  wait_ready coordinator "$COORDINATOR_PID" coordinator_ready
  # The anonymous form, an anonymous gateway of the broker (role hcbus_report in PostgreSQL).
  start_service report "$REPORT_USER" "$REPORT_BIN"
  wait_ready report "$REPORT_PID" report_ready
}

# SIGTERM, then wait for the exit at most STOP_TIMEOUT_S, then SIGKILL.
stop_service() {
  local name=$1 pid=$2 rc=0
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT_S))
  while alive "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep "$POLL_INTERVAL_S"; done
  if alive "$pid"; then
    say "$name did not stop within ${STOP_TIMEOUT_S}s: killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || rc=$?
  say "$name stopped (exit status $rc)"
}

stop_all() {
  [ "$STOPPING" = 0 ] || return 0
  STOPPING=1
  trap '' INT TERM    # a second Ctrl-C must not cut the orderly stop short
  say "stopping: hcbus-report (releases the reports waiting), coordinator, broker (drains), then auditd," \
      "then PostgreSQL"
  stop_service report "$REPORT_PID"
  stop_service coordinator "$COORDINATOR_PID"
  stop_service broker "$BROKER_PID"
  stop_service auditd "$AUDITD_PID"
  if [ "$PG_STARTED" = 1 ]; then
    "$REPO_DIR/deploy/pg.sh" stop "$PG_DIR" fast && say "PostgreSQL stopped"
  fi
  local pid
  for pid in "${TAIL_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  say "everything stopped; state kept in $STATE_DIR"
}

# ---- the user's next steps ----------------------------------------------------

print_instructions() {
  local demo="deploy/demo-scenario.sh"
  [ "$STATE_DIR" = "$REPO_DIR/var" ] || demo="HCBUS_STATE_DIR=$STATE_DIR $demo"
  cat <<EOF

================================================================================
hcbus is running: broker $PUBLISH_ENDPOINT (publish), $SUBSCRIBE_ENDPOINT (subscribe)
Formulario anónimo: $(report_value public_url)
State, keys and logs: $STATE_DIR        Stop: Ctrl-C here.

In a second terminal, watch as the police (PNC):
  cd $REPO_DIR
$(sed 's/^/  /' "$STATE_DIR/env.sh")
  hcbus subscribe --zone sv.ss

In a third terminal, play the demo morning:
  cd $REPO_DIR
  $demo
================================================================================

EOF
}

# Wait until a service dies on its own (then stop the rest) or a signal arrives.
supervise() {
  local rc=0
  wait -n "$BROKER_PID" "$AUDITD_PID" "$COORDINATOR_PID" "$REPORT_PID" || rc=$?
  [ "$STOPPING" = 0 ] || return 0
  alive "$BROKER_PID" || say "hcbus-broker exited on its own (status $rc); see $LOG_DIR/broker.log"
  alive "$AUDITD_PID" || say "hcbus-auditd exited on its own (status $rc); see $LOG_DIR/auditd.log"
  alive "$COORDINATOR_PID" || say "hcbus-coordinator exited on its own (status $rc); see $LOG_DIR/coordinator.log"
  alive "$REPORT_PID" || say "hcbus-report exited on its own (status $rc); see $LOG_DIR/report.log"
  exit 1
}

main() {
  [ $# -eq 0 ] || usage
  install_and_build
  find_programs
  prepare_state_dir
  generate_config
  upgrade_conninfo
  upgrade_coordinator
  upgrade_log_key
  upgrade_report
  PUBLISH_ENDPOINT=$(config_value publish_endpoint)
  SUBSCRIBE_ENDPOINT=$(config_value subscribe_endpoint)
  REPORT_KEY_FILE=$(config_path "$(report_value secret_key_file)")
  REPORT_SECRET_FILE=$(config_path "$(report_value secret_file)")
  REPORT_LOCAL_URL=$(report_local_url)
  generate_keys
  make_report_secret
  choose_service_users
  PROBE_KEY=$KEYS_DIR/facilitator.key
  [ -f "$PROBE_KEY" ] || PROBE_KEY=$KEYS_DIR/pnc.key
  write_env_file
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap stop_all EXIT
  start_all
  print_instructions
  supervise
}

main "$@"
