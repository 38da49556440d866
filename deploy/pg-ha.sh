#!/usr/bin/env bash
# pg-ha.sh — PostgreSQL streaming replication for hcbus's audit database (decision
# 0037): a deploy/pg.sh cluster that also listens on TCP ADDR:PORT (scram-sha-256 only,
# for the replication role, hcbus_auditd and members of hcbus_reviewer, from the given
# networks), a standby made from it by pg_basebackup that streams from it, synchronous
# replication on the primary, promotion, and rebuilding an old primary as the new
# standby. pg.sh's own commands (start, stop, status, allow) work on these clusters;
# use this script's psql and conninfo, which name the port.
#
#   deploy/pg-ha.sh init-primary DIR ADDR PORT [OPTIONS]
#        pg.sh init, then listen on ADDR:PORT too, WAL for replication, the role
#        hcbus_replication (password from --replication-password-file FILE, made with a
#        random password if missing; default DIR/replication.password); starts it.
#   deploy/pg-ha.sh init-standby DIR ADDR PORT PRIMARY_CONNINFO [OPTIONS]
#        pg_basebackup from the primary (PRIMARY_CONNINFO: "host=10.1.0.2 port=5433";
#        the role and password are added) into DIR, a hot standby streaming from it
#        under the name --name NAME (default: hcbus_standby); starts it.
#   deploy/pg-ha.sh rebuild DIR ADDR PORT PRIMARY_CONNINFO [OPTIONS]
#        the old primary in DIR becomes a standby of the new one: its data directory
#        is moved aside (DIR/data.old.TIME) and a fresh base backup taken (init-standby).
#   deploy/pg-ha.sh sync DIR on|off
#        on the primary: synchronous_standby_names = '*' (every COMMIT waits until a
#        standby has flushed it) or '' (commits do not wait); reloads. Turn it on once
#        a standby streams (wait-sync), never before: with no standby, commits wait.
#   deploy/pg-ha.sh wait-sync DIR [TIMEOUT_S]
#        wait until the primary in DIR has a synchronous standby streaming (default 60 s).
#   deploy/pg-ha.sh promote DIR
#        make the standby in DIR the primary (pg_ctl promote), with sync off: it runs
#        alone until a rebuilt standby joins and `sync DIR on` is run again.
#   deploy/pg-ha.sh role DIR              print primary|standby (exit 3 when stopped)
#   deploy/pg-ha.sh password DIR ROLE FILE
#        on the primary: give ROLE (hcbus_auditd, a reviewer's login) the password in
#        FILE (made with a random password if missing) for TCP logins; FILE is then
#        also written as a libpq passfile FILE.pgpass (0600) for the conninfo's passfile=.
#   deploy/pg-ha.sh psql DIR [ARGS...]    psql as the owner hcbus, through the socket
#   deploy/pg-ha.sh conninfo DIR [ROLE]   the owner's (or ROLE's) socket conninfo
#
# OPTIONS: --allow CIDR (repeatable; the networks that may connect over TCP; default
# `samenet`, the server's own subnets), --replication-password-file FILE, --name NAME.
# The replication password file is the one secret both sites share: copy it to the
# second site as you copy the bus's key pair (docs/ha.md).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=pg.sh
source "$here/pg.sh"

HA_CONF=hcbus-ha.conf              # in the data directory: this node's settings
SYNC_CONF=hcbus-sync.conf          # in the data directory: synchronous_standby_names
REPLICATION_ROLE=hcbus_replication
REVIEWER_GROUP=hcbus_reviewer      # deploy/sql/002: facilitators' logins are its members
DEFAULT_STANDBY_NAME=hcbus_standby
PASSWORD_BYTES=24                  # random bytes, base64: 32 characters
SENDER_TIMEOUT=10s                 # a dead peer is noticed within this (both ends)
WAL_KEEP_SIZE=1GB                  # what a standby that fell behind may still fetch
SYNC_WAIT_DEFAULT_S=60

die() { echo "pg-ha.sh: error: $*" >&2; exit 1; }
say() { echo "pg-ha.sh: $*" >&2; }

usage() {
  sed -n '2,41p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# The options after the positional arguments.
ALLOW=()
REPLICATION_PASSWORD_FILE=""
STANDBY_NAME=$DEFAULT_STANDBY_NAME
parse_options() {
  while [ $# -gt 0 ]; do
    case $1 in
      --allow) [ $# -ge 2 ] || die "--allow needs a CIDR"; ALLOW+=("$2"); shift 2 ;;
      --replication-password-file) [ $# -ge 2 ] || die "$1 needs a FILE"; REPLICATION_PASSWORD_FILE=$2; shift 2 ;;
      --name) [ $# -ge 2 ] || die "--name needs a NAME"; STANDBY_NAME=$2; shift 2 ;;
      *) die "unknown option '$1' (options: --allow CIDR, --replication-password-file FILE, --name NAME)" ;;
    esac
  done
  [ "${#ALLOW[@]}" -gt 0 ] || ALLOW=(samenet)
  [[ $STANDBY_NAME =~ ^[a-z_][a-z0-9_]*$ ]] || die "--name '$STANDBY_NAME' is not a plain lower-case name"
  local cidr
  for cidr in "${ALLOW[@]}"; do
    [[ $cidr =~ ^(samenet|samehost|[0-9a-fA-F:.]+/[0-9]+)$ ]] ||
      die "--allow '$cidr' is not an address/prefix (e.g. 10.2.0.0/24), samenet or samehost"
  done
  [ -n "$REPLICATION_PASSWORD_FILE" ] || REPLICATION_PASSWORD_FILE=$DIR/replication.password
}

check_addr_port() {
  local addr=$1 port=$2
  [[ $addr =~ ^([0-9]{1,3}\.){3}[0-9]{1,3}$|^[0-9a-fA-F:]*:[0-9a-fA-F:.]*$|^\*$ ]] ||
    die "ADDR '$addr' is not an IPv4 or IPv6 address (or *)"
  [[ $port =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || die "PORT '$port' is not a TCP port"
}

# The port this cluster was set up with (its socket is DIR/.s.PGSQL.PORT).
ha_port() {
  local port
  port=$(as_owner sed -n "s/^port = \([0-9]*\)\$/\1/p" "$DATA/$HA_CONF" 2>/dev/null | tail -n 1)
  [ -n "$port" ] || die "'$DIR' was not set up by pg-ha.sh (no $DATA/$HA_CONF)"
  echo "$port"
}

owner_conninfo() { echo "host=$DIR port=$(ha_port) dbname=$DB_NAME user=${1:-$DB_USER}"; }

ha_psql() { "$PG_BIN/psql" -XAtq -v ON_ERROR_STOP=1 "$(owner_conninfo)" "$@"; }

# A password file: kept if present (the second site uses the first's copy), else a
# new random password, 0600 (unless MUST_EXIST is "must-exist").
ensure_password_file() {
  local file=$1 must_exist=${2:-}
  if [ ! -s "$file" ] && [ "$must_exist" = must-exist ]; then
    die "no replication password in '$file': copy the primary's (its --replication-password-file," \
        "by default PRIMARY_DIR/replication.password) and give --replication-password-file FILE"
  fi
  if [ ! -s "$file" ]; then
    mkdir -p -- "$(dirname -- "$file")"
    (umask 077 && head -c "$PASSWORD_BYTES" /dev/urandom | base64 | tr -d '\n=' >"$file" && echo >>"$file")
    say "new password in $file"
  fi
  local password
  password=$(head -n 1 -- "$file")
  [[ $password =~ ^[A-Za-z0-9+/]{8,}$ ]] ||
    die "password file '$file' must hold one line of at least 8 letters, digits, + or / (no spaces or colons)"
  echo "$password"
}

# This node's settings, included last from postgresql.conf: TCP, replication, and
# (standby) where to stream from. Rewritten by init-*/rebuild; pg.sh's settings stay.
write_ha_conf() {
  local addr=$1 port=$2 primary_conninfo=${3:-}
  {
    echo "# Written by deploy/pg-ha.sh for this node: edits are lost at the next init/rebuild."
    echo "listen_addresses = '$addr'"
    echo "port = $port"
    echo "unix_socket_directories = '$DIR'"
    echo "password_encryption = 'scram-sha-256'"
    echo "wal_level = replica"
    echo "max_wal_senders = 10"
    echo "wal_keep_size = '$WAL_KEEP_SIZE'"
    echo "wal_log_hints = on            # pg_rewind can use this cluster"
    echo "wal_sender_timeout = '$SENDER_TIMEOUT'"
    echo "wal_receiver_timeout = '$SENDER_TIMEOUT'"
    echo "hot_standby = on"
    echo "hot_standby_feedback = on"
    echo "synchronous_commit = on"
    # The server side of a vanished hcbus-auditd (its machine gone, the link cut): an
    # orphaned backend would hold the writer advisory lock for hours with Linux's
    # keepalive defaults; with these it is closed within about 30-40 s (docs/ha.md).
    echo "tcp_keepalives_idle = 10"
    echo "tcp_keepalives_interval = 5"
    echo "tcp_keepalives_count = 3"
    echo "tcp_user_timeout = 30000"
    echo "include_if_exists = '$SYNC_CONF'"
    [ -z "$primary_conninfo" ] || echo "primary_conninfo = '$primary_conninfo'"
  } | as_owner tee "$DATA/$HA_CONF" >/dev/null
  as_owner grep -qx "include_if_exists = '$HA_CONF'" "$DATA/postgresql.conf" ||
    echo "include_if_exists = '$HA_CONF'" | as_owner tee -a "$DATA/postgresql.conf" >/dev/null
}

write_sync_conf() {
  local names=$1
  printf '%s\n' "# Written by deploy/pg-ha.sh sync/promote." "synchronous_standby_names = '$names'" |
    as_owner tee "$DATA/$SYNC_CONF" >/dev/null
}

# pg.sh appends these to pg_hba.conf at every start: scram-sha-256 over TCP, for
# replication, the audit service and the reviewers, from the allowed networks only.
write_hba_tcp() {
  local cidr
  {
    echo "# Written by deploy/pg-ha.sh: TCP, password (scram-sha-256) only."
    for cidr in "${ALLOW[@]}"; do
      echo "host replication $REPLICATION_ROLE $cidr scram-sha-256"
      echo "host $DB_NAME $AUDITD_ROLE $cidr scram-sha-256"
      echo "host $DB_NAME +$REVIEWER_GROUP $cidr scram-sha-256"
    done
  } | as_owner tee "$DIR/$HBA_TCP_FILE" >/dev/null
}

# A libpq passfile for ROLE, readable by the account that uses it (the server's own
# account for the standby's primary_conninfo).
write_passfile() {
  local file=$1 role=$2 password=$3 owner=${4:-}
  (umask 077 && printf '*:*:*:%s:%s\n' "$role" "$password" >"$file")
  [ -z "$owner" ] || chown "$owner" -- "$file"
}

cmd_init_primary() {
  local addr=$1 port=$2
  check_addr_port "$addr" "$port"
  parse_options "${@:3}"
  # pg.sh init reaches the server on its default socket; once set up here, the port differs.
  if ! as_owner test -f "$DATA/$HA_CONF" 2>/dev/null; then cmd_init; else require_binaries; fi
  local password
  password=$(ensure_password_file "$REPLICATION_PASSWORD_FILE")
  write_ha_conf "$addr" "$port"
  write_sync_conf ""
  write_hba_tcp
  cmd_start
  ha_psql -v pw="$password" <<SQL >/dev/null || die "cannot create the role $REPLICATION_ROLE"
SELECT format('CREATE ROLE %I REPLICATION LOGIN', '$REPLICATION_ROLE')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$REPLICATION_ROLE') \gexec
ALTER ROLE $REPLICATION_ROLE PASSWORD :'pw';
SQL
  say "primary in $DIR listens on $addr:$port (socket $DIR); allowed: ${ALLOW[*]}"
}

# Base backup of the primary into DATA, streaming from it as STANDBY_NAME.
make_standby() {
  local addr=$1 port=$2 primary=$3
  local password passfile="$DIR/replication.pgpass" owner=""
  password=$(ensure_password_file "$REPLICATION_PASSWORD_FILE" must-exist)
  if running_as_root; then owner=postgres; fi
  write_passfile "$passfile" "$REPLICATION_ROLE" "$password" "$owner"
  local conninfo="$primary user=$REPLICATION_ROLE passfile=$passfile application_name=$STANDBY_NAME"
  say "base backup of ($primary) into $DATA"
  as_owner "$PG_BIN/pg_basebackup" -D "$DATA" -d "$conninfo" -X stream -c fast --no-password \
    >"$DIR/basebackup.log" 2>&1 ||
    die "pg_basebackup from ($primary) failed; see $DIR/basebackup.log:"$'\n'"$(tail -n 20 "$DIR/basebackup.log")"
  write_ha_conf "$addr" "$port" "$conninfo"
  write_sync_conf ""
  as_owner touch "$DATA/standby.signal"
  write_hba_tcp
  cmd_start
  say "standby $STANDBY_NAME in $DIR listens on $addr:$port, streaming from ($primary)"
}

cmd_init_standby() {
  local addr=$1 port=$2 primary=$3
  check_addr_port "$addr" "$port"
  [ -n "$primary" ] || die "missing PRIMARY_CONNINFO (e.g. \"host=10.1.0.2 port=5433\")"
  parse_options "${@:4}"
  require_binaries
  [ ! -f "$DATA/PG_VERSION" ] || die "'$DIR' already holds a cluster (rebuild replaces an old primary's)"
  ensure_password_file "$REPLICATION_PASSWORD_FILE" must-exist >/dev/null
  prepare_dir
  make_standby "$addr" "$port" "$primary"
}

cmd_rebuild() {
  local addr=$1 port=$2 primary=$3
  check_addr_port "$addr" "$port"
  parse_options "${@:4}"
  require_binaries
  require_initialized
  cmd_stop immediate
  remove_stale_locks     # a killed postmaster's, before its postmaster.pid moves aside
  local aside
  aside="$DIR/data.old.$(date -u +%Y%m%dT%H%M%S)"
  as_owner mv -- "$DATA" "$aside"
  say "the old data directory is kept in $aside (remove it once the new standby is in sync)"
  make_standby "$addr" "$port" "$primary"
}

# True when the cluster runs as a standby.
in_recovery() { [ "$(ha_psql -c 'SELECT pg_is_in_recovery()')" = t ]; }

cmd_sync() {
  local mode=${1:-}
  require_initialized
  case $mode in
    on) write_sync_conf '*' ;;
    off) write_sync_conf '' ;;
    *) die "usage: pg-ha.sh sync DIR on|off" ;;
  esac
  if is_running; then
    as_owner "$PG_BIN/pg_ctl" reload -D "$DATA" >/dev/null || die "cannot reload the server in '$DIR'"
  fi
  say "synchronous replication $mode in $DIR"
}

cmd_wait_sync() {
  local timeout_s=${1:-$SYNC_WAIT_DEFAULT_S} deadline
  [[ $timeout_s =~ ^[0-9]+$ ]] || die "TIMEOUT_S '$timeout_s' is not a number of seconds"
  deadline=$((SECONDS + timeout_s))
  until [ "$(ha_psql -c "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND sync_state = 'sync'" 2>/dev/null || echo 0)" -ge 1 ]; do
    [ "$SECONDS" -lt "$deadline" ] || die "no synchronous standby streams from '$DIR' after ${timeout_s}s" \
      "(replication: $(ha_psql -c "SELECT string_agg(application_name || ' ' || state || ' ' || sync_state, ', ') FROM pg_stat_replication" 2>/dev/null))"
    sleep 0.1
  done
}

cmd_promote() {
  require_initialized
  is_running || die "no server runs in '$DIR'"
  in_recovery || die "'$DIR' is not a standby (already the primary?)"
  write_sync_conf ''
  as_owner "$PG_BIN/pg_ctl" reload -D "$DATA" >/dev/null
  as_owner "$PG_BIN/pg_ctl" promote -D "$DATA" -w -t "$PG_WAIT_TIMEOUT_S" >/dev/null ||
    die "promotion of '$DIR' did not finish within ${PG_WAIT_TIMEOUT_S}s"
  as_owner rm -f "$DATA/standby.signal"
  say "$DIR is the primary now, alone (sync off): rebuild the old primary as its standby, then sync on"
}

cmd_role() {
  require_initialized
  if ! is_running; then echo stopped; return 3; fi
  if in_recovery; then echo standby; else echo primary; fi
}

cmd_password() {
  local role=${1:-} file=${2:-}
  [ -n "$role" ] && [ -n "$file" ] || die "usage: pg-ha.sh password DIR ROLE FILE"
  [[ $role =~ ^[a-z_][a-z0-9_]*$ ]] || die "role '$role' is not a plain lower-case name"
  local password
  password=$(ensure_password_file "$file")
  local out
  out=$(ha_psql -v pw="$password" <<<"ALTER ROLE $role PASSWORD :'pw'" 2>&1) ||
    die "cannot set the password of $role in '$DIR': $out"
  write_passfile "$file.pgpass" "$role" "$password"
  say "$role has the password in $file (passfile $file.pgpass)"
}

ha_main() {
  local cmd=${1:-}
  [ $# -ge 2 ] || usage
  resolve_dir "$2"
  shift 2
  case $cmd in
    init-primary) [ $# -ge 2 ] || usage; cmd_init_primary "$@" ;;
    init-standby) [ $# -ge 3 ] || usage; cmd_init_standby "$@" ;;
    rebuild) [ $# -ge 3 ] || usage; cmd_rebuild "$@" ;;
    sync) cmd_sync "$@" ;;
    wait-sync) cmd_wait_sync "$@" ;;
    promote) cmd_promote ;;
    role) cmd_role ;;
    password) cmd_password "$@" ;;
    psql) require_binaries; exec "$PG_BIN/psql" -X "$(owner_conninfo)" "$@" ;;
    conninfo) owner_conninfo "$@" ;;
    *) usage ;;
  esac
}

ha_main "$@"
