#!/usr/bin/env bash
# pg.sh — a private PostgreSQL 15 cluster kept entirely in one directory: data in
# DIR/data, the Unix socket in DIR, the log in DIR/postgresql.log. No TCP; the socket's
# directory is closed to other local accounts (0700, or 0710 for group hcbus-db); peer
# authentication through map `hcbus` (pg_ident.conf): the account that runs pg.sh may
# connect as the owner `hcbus` (superuser; database `hcbus`) and as `hcbus_auditd` (the
# audit service's login role, made by deploy/sql/005), and nobody else unless allowed.
#
#   deploy/pg.sh init DIR                 initdb + config + database hcbus (no-op if done)
#   deploy/pg.sh start DIR                start and wait until it accepts connections
#   deploy/pg.sh stop DIR [MODE]          stop and wait; MODE smart|fast|immediate (fast)
#   deploy/pg.sh status DIR               print running|stopped; exit 0 only when running
#   deploy/pg.sh psql DIR [ARGS...]       psql connected to database hcbus as hcbus
#   deploy/pg.sh conninfo DIR [ROLE]      print the libpq conninfo string (ROLE: hcbus)
#   deploy/pg.sh allow DIR OS_USER ROLE   let local account OS_USER connect as ROLE
#                                         (root only for another account: it joins
#                                         group hcbus-db, which may reach the socket)
#
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres`
# system user (DIR is chowned to it); otherwise as the current user.
#
# deploy/pg-ha.sh (replication over TCP) sources this file for its helpers and adds
# TCP lines to pg_hba.conf through DIR/pg_hba.tcp.conf (appended at every start when
# present); without that file a cluster is Unix-socket only, as above.
set -euo pipefail

PG_BIN=${HCBUS_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PORT=5432                  # one socket per DIR, so every cluster can use it
PG_WAIT_TIMEOUT_S=60          # pg_ctl -w deadline for start and stop
SOCKET_NAME=".s.PGSQL.$PG_PORT"
SOCKET_PATH_MAX_BYTES=107     # sun_path is 108 bytes including the terminating NUL
DB_NAME=hcbus
DB_USER=hcbus
AUDITD_ROLE=hcbus_auditd      # deploy/sql/005_service_login.sql
IDENT_MAP=hcbus               # the pg_ident.conf map every local connection goes through
SOCKET_GROUP=hcbus-db         # accounts allowed to reach the socket (as root, via `allow`)
HBA_TCP_FILE=pg_hba.tcp.conf  # written by deploy/pg-ha.sh only: its TCP lines

die() { echo "pg.sh: error: $*" >&2; exit 1; }
say() { echo "pg.sh: $*" >&2; }

usage() {
  sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# Resolve DIR to an absolute, normalized path and refuse one whose socket path would
# not fit in a sockaddr_un (the server would fail later with a less clear message).
resolve_dir() {
  [ -n "${1:-}" ] || die "missing DIR argument"
  DIR=$(realpath -m -- "$1")
  DATA="$DIR/data"
  LOG="$DIR/postgresql.log"
  local socket="$DIR/$SOCKET_NAME"
  if [ "${#socket}" -gt "$SOCKET_PATH_MAX_BYTES" ]; then
    die "DIR '$DIR' is too long: the socket path '$socket' is ${#socket} bytes," \
        "Unix sockets allow at most $SOCKET_PATH_MAX_BYTES; choose a shorter DIR (e.g. under /tmp)"
  fi
}

running_as_root() { [ "$(id -u)" -eq 0 ]; }

# Run a server-side command as the cluster's owner, from DIR so that a working
# directory the owner cannot read (e.g. /root) does not matter.
as_owner() {
  if running_as_root; then
    (cd "$DIR" && runuser -u postgres -- "$@")
  else
    (cd "$DIR" && "$@")
  fi
}

require_binaries() {
  [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] ||
    die "PostgreSQL 15 binaries not found in $PG_BIN (run deploy/install.sh, or set HCBUS_PG_BIN)"
}

require_initialized() {
  [ -f "$DATA/PG_VERSION" ] || die "no cluster in '$DIR' (run: deploy/pg.sh init $DIR)"
}

# The postmaster's pid from its lock file, or nothing.
postmaster_pid() { as_owner head -n 1 "$DATA/postmaster.pid" 2>/dev/null || true; }

# A postmaster killed with SIGKILL stays a zombie until its (re)parent reaps it, and
# pg_ctl and the next postmaster both take a zombie for a live server.
is_zombie() { [[ $(ps -o stat= -p "$1" 2>/dev/null) == Z* ]]; }

is_running() {
  as_owner "$PG_BIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1 || return 1
  local pid
  pid=$(postmaster_pid)
  ! { [ -n "$pid" ] && is_zombie "$pid"; }
}

# Lock files left by a dead (zombie) postmaster would make the next one refuse to start.
remove_stale_locks() {
  local pid
  pid=$(postmaster_pid)
  [ -n "$pid" ] && is_zombie "$pid" || return 0
  say "removing the lock files of dead postmaster $pid"
  # Any port's socket lock: deploy/pg-ha.sh's clusters listen on theirs.
  as_owner rm -f "$DATA/postmaster.pid" "$DIR"/.s.PGSQL.*.lock
}

# Create DIR and hand it to the server's user; that user must also be able to reach
# it, which fails when a parent directory is private to root (mktemp -d makes 0700).
prepare_dir() {
  mkdir -p -- "$DIR"
  if running_as_root; then
    id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user (install postgresql-15)"
    chown postgres -- "$DIR"
  fi
  restrict_dir
  as_owner test -w "$DIR" 2>/dev/null ||
    die "the server user cannot write '$DIR': a parent directory is not searchable by it" \
        "(make the parents at least o+x, e.g. chmod 711 PARENT)"
}

# The socket's directory is the gate (PostgreSQL's documented way to restrict a Unix
# socket): only its owner (the server's account), root and, when some account was
# allowed in, group hcbus-db may enter it. Never writable by anyone but the owner.
restrict_dir() {
  local group mode=0700
  group=$(stat -c %G -- "$DIR")
  if [ "$group" = "$SOCKET_GROUP" ]; then mode=0710; fi
  chmod "$mode" -- "$DIR"
}

# pg_hba.conf: the Unix socket only, peer authentication through map hcbus; no TCP,
# no trust, no password (unless pg-ha.sh wrote DIR/pg_hba.tcp.conf: its lines follow).
# Rewritten at every start, so an older cluster (trust) is closed the next time it starts.
write_hba() {
  printf '%s\n' "# Written by deploy/pg.sh at every start: edits are lost." \
    "# Local connections only, authenticated by the peer's account through map $IDENT_MAP" \
    "# (pg_ident.conf: which account may connect as which role). No TCP, no trust." \
    "local all all peer map=$IDENT_MAP" | as_owner tee "$DATA/pg_hba.conf" >/dev/null
  if as_owner test -f "$DIR/$HBA_TCP_FILE"; then
    as_owner cat "$DIR/$HBA_TCP_FILE" | as_owner tee -a "$DATA/pg_hba.conf" >/dev/null
  fi
}

# Add "map OS_USER ROLE" to pg_ident.conf unless it is there.
ident_allow() {
  local os_user=$1 role=$2
  as_owner grep -qE "^${IDENT_MAP}[[:space:]]+${os_user}[[:space:]]+${role}[[:space:]]*\$" "$DATA/pg_ident.conf" &&
    return 0
  printf '%s %s %s\n' "$IDENT_MAP" "$os_user" "$role" | as_owner tee -a "$DATA/pg_ident.conf" >/dev/null
}

# Who may connect: the account running pg.sh, as the owner and as the audit service's
# role (tests and run.sh run auditd as it when they cannot switch users).
secure_cluster() {
  local me
  me=$(id -un)
  restrict_dir
  write_hba
  ident_allow "$me" "$DB_USER"
  ident_allow "$me" "$AUDITD_ROLE"
}

config_text() {
  cat <<EOF

# --- hcbus private cluster (written by deploy/pg.sh) ---
listen_addresses = ''
unix_socket_directories = '$DIR'
# The directory ($DIR, 0700 or 0710) restricts who reaches the socket; peer
# authentication (pg_hba.conf) who may connect as which role.
unix_socket_permissions = 0777
port = $PG_PORT
fsync = on
synchronous_commit = on
max_connections = 50
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
log_timezone = 'UTC'
timezone = 'UTC'
EOF
}

run_initdb() {
  say "initdb in $DATA"
  as_owner "$PG_BIN/initdb" -D "$DATA" -U "$DB_USER" -E UTF8 --no-locale \
    --auth-local=peer --auth-host=reject >"$DIR/initdb.log" 2>&1 ||
    die "initdb failed; see $DIR/initdb.log:"$'\n'"$(tail -n 20 "$DIR/initdb.log")"
  # Appended last, so these settings win; written as the owner since the data
  # directory is private to it.
  config_text | as_owner tee -a "$DATA/postgresql.conf" >/dev/null
}

database_exists() {
  local found
  found=$("$PG_BIN/psql" -XAtq "host=$DIR dbname=postgres user=$DB_USER" \
    -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")
  [ "$found" = 1 ]
}

# The database needs a running server; start one just for this if none is running.
ensure_database() {
  local started=0
  is_running || { cmd_start; started=1; }
  if ! database_exists; then
    say "creating database $DB_NAME"
    "$PG_BIN/psql" -XAtq "host=$DIR dbname=postgres user=$DB_USER" -v ON_ERROR_STOP=1 \
      -c "CREATE DATABASE $DB_NAME" || die "could not create database $DB_NAME"
  fi
  if [ "$started" = 1 ]; then cmd_stop fast; fi
  return 0
}

cmd_init() {
  require_binaries
  prepare_dir
  [ -f "$DATA/PG_VERSION" ] || run_initdb
  ensure_database
}

cmd_start() {
  require_binaries
  require_initialized
  if is_running; then
    say "already running in $DIR"
    return 0
  fi
  remove_stale_locks
  secure_cluster
  as_owner "$PG_BIN/pg_ctl" start -D "$DATA" -l "$LOG" -w -t "$PG_WAIT_TIMEOUT_S" >/dev/null ||
    die "server in '$DIR' did not start within ${PG_WAIT_TIMEOUT_S}s; last log lines:"$'\n'"$(tail -n 20 "$LOG" 2>/dev/null)"
}

cmd_stop() {
  local mode=${1:-fast}
  case $mode in smart|fast|immediate) ;; *) die "stop mode '$mode' is not smart, fast or immediate" ;; esac
  require_binaries
  require_initialized
  if ! is_running; then
    say "not running in $DIR"
    return 0
  fi
  # A postmaster killed with -9 may be reaped between is_running and pg_ctl's signal
  # ("could not send stop signal ... No such process"): then it is stopped, not stuck.
  if ! as_owner "$PG_BIN/pg_ctl" stop -D "$DATA" -m "$mode" -w -t "$PG_WAIT_TIMEOUT_S" >/dev/null 2>&1; then
    is_running && die "server in '$DIR' did not stop within ${PG_WAIT_TIMEOUT_S}s"
    remove_stale_locks
    say "the server in $DIR had already gone (killed); its lock files were cleared"
  fi
}

cmd_status() {
  require_binaries
  if [ -f "$DATA/PG_VERSION" ] && is_running; then
    echo running
    return 0
  fi
  echo stopped
  return 3
}

cmd_conninfo() { echo "host=$DIR dbname=$DB_NAME user=${1:-$DB_USER}"; }

# Let OS_USER connect as ROLE: a pg_ident.conf line, and (as root, for an account other
# than the server's) membership of group hcbus-db, which alone may enter DIR.
cmd_allow() {
  local os_user=${1:-} role=${2:-}
  if [ -z "$os_user" ] || [ -z "$role" ]; then die "usage: pg.sh allow DIR OS_USER ROLE"; fi
  [[ $role =~ ^[a-z_][a-z0-9_]*$ ]] || die "role '$role' is not a plain lower-case name"
  id "$os_user" >/dev/null 2>&1 || die "no local account '$os_user'"
  require_initialized
  if [ "$os_user" != "$(id -un)" ]; then
    running_as_root || die "only root can let another account ($os_user) reach this cluster"
    getent group "$SOCKET_GROUP" >/dev/null || groupadd --system "$SOCKET_GROUP" ||
      getent group "$SOCKET_GROUP" >/dev/null || die "cannot create group $SOCKET_GROUP"
    usermod -a -G "$SOCKET_GROUP" "$os_user" || die "cannot add $os_user to group $SOCKET_GROUP"
    chgrp "$SOCKET_GROUP" -- "$DIR"
    restrict_dir
  fi
  ident_allow "$os_user" "$role"
  if is_running; then
    as_owner "$PG_BIN/pg_ctl" reload -D "$DATA" >/dev/null || die "cannot reload the server in '$DIR'"
  fi
  say "$os_user may connect as $role"
}

cmd_psql() {
  require_binaries
  exec "$PG_BIN/psql" -X "host=$DIR dbname=$DB_NAME user=$DB_USER" "$@"
}

main() {
  local cmd=${1:-}
  [ $# -ge 2 ] || usage
  resolve_dir "$2"
  shift 2
  case $cmd in
    init) cmd_init ;;
    start) cmd_start ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status ;;
    psql) cmd_psql "$@" ;;
    conninfo) cmd_conninfo "$@" ;;
    allow) cmd_allow "$@" ;;
    *) usage ;;
  esac
}

# Sourced by deploy/pg-ha.sh for its helpers: then nothing runs.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
