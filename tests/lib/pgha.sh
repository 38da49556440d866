# pgha.sh — a replicated audit database for integration tests (source after harness.sh;
# before bus.sh's hc_bus_setup, which then uses it instead of a private cluster): a
# primary and a synchronous standby over TCP (deploy/pg-ha.sh), multi-host conninfos
# with passwords, promotion, kill -9 of a "machine", rebuilding the old primary.
# Every cluster made here is stopped (immediate) at exit, also after a failure.
#
#   pgha_primary "$HC_WORK/pga" 127.0.0.1 "$port_a" [NETNS]
#        the primary (listening on ADDR:PORT; inside network namespace NETNS if given:
#        a netlab.sh name or a real one, entered with nsenter --net);
#        exports HC_CONNINFO (its owner, through the socket: hc_psql, hc_migrate) and
#        PGHA_PRIMARY_DIR.
#   pgha_standby "$HC_WORK/pgb" 127.0.0.1 "$port_b" 127.0.0.1 "$port_a" [NETNS]
#        a standby streaming from the primary at PRIMARY_ADDR:PRIMARY_PORT; then turns
#        synchronous replication on at the primary and waits until the standby is sync.
#   pgha_conninfo hcbus_auditd "127.0.0.1:$port_a,127.0.0.1:$port_b" [TARGET]
#        prints a multi-host conninfo for ROLE (host=a,b port=p,q, passfile, and
#        target_session_attrs=TARGET, default read-write; prefer-standby or any for a
#        reader). The role's password is set on the current primary at the first call
#        for it, so call it after hc_migrate (hcbus_auditd exists from then on).
#   pgha_kill DIR          kill -9 the postmaster and every process of the cluster (a
#                          machine's death); waits until they are gone
#   pgha_promote DIR       promote the standby in DIR (sync off: it runs alone); it becomes
#                          PGHA_PRIMARY_DIR and HC_CONNINFO
#   pgha_rebuild DIR ADDR PORT PRIMARY_ADDR PRIMARY_PORT [NETNS]
#                          the old primary in DIR becomes the new primary's standby (a
#                          fresh base backup); sync on again at the primary, waits until sync
#   pgha_sync DIR on|off   synchronous_standby_names '*' or '' at DIR (reloads)
#   pgha_psql DIR SQL      SQL on the node in DIR as the owner (through its socket)
#   pgha_role DIR          primary | standby | stopped
#
# PGHA_ALLOW (space-separated CIDRs, default "samenet") is who may connect over TCP.
#
# With bus.sh: pgha_primary (+ pgha_standby) first, then hc_bus_setup (it migrates the
# primary, HC_CONNINFO, instead of making a private cluster), then
#   HC_AUDITD_CONNINFO=$(pgha_conninfo hcbus_auditd "127.0.0.1:$pa,127.0.0.1:$pb")
#   hc_bus_write_config; hc_bus_start

PGHA_SCRIPT="$HC_SRC/deploy/pg-ha.sh"
PGHA_SECRETS="$HC_WORK/pgha"            # the replication password, the roles' passfiles
PGHA_SYNC_WAIT_S=60
PGHA_KILL_WAIT_S=10
PGHA_PRIMARY_DIR=""
PGHA_DIRS=()
declare -A PGHA_PASSWORD_SET=()
mkdir -p "$PGHA_SECRETS"
chmod 0700 "$PGHA_SECRETS"

# pg-ha.sh, inside network namespace NETNS when one is given; its messages go to
# $HC_WORK/pgha.log.
pgha_run() {
  local netns=$1
  shift
  # A netlab.sh namespace may be given by its logical name.
  if [ -n "$netns" ] && [ -n "${NETLAB_DIR:-}" ] && [ -f "$NETLAB_DIR/ns/$netns" ]; then
    netns=$(cat "$NETLAB_DIR/ns/$netns")
  fi
  if [ -n "$netns" ]; then
    nsenter --net="/run/netns/$netns" -- "$PGHA_SCRIPT" "$@" 2>>"$HC_WORK/pgha.log"
  else
    "$PGHA_SCRIPT" "$@" 2>>"$HC_WORK/pgha.log"
  fi
}

pgha_allow_options() {
  local cidr
  for cidr in ${PGHA_ALLOW:-samenet}; do printf '%s\n' --allow "$cidr"; done
}

# Stop the cluster in DIR at exit (registered once per DIR).
pgha_track() {
  local dir
  for dir in "${PGHA_DIRS[@]}"; do [ "$dir" != "$1" ] || return 0; done
  PGHA_DIRS+=("$1")
  hc_on_exit "$HC_SRC/deploy/pg.sh" stop "$1" immediate
}

pgha_primary() {
  local dir=$1 addr=$2 port=$3 netns=${4:-}
  local -a allow
  mapfile -t allow < <(pgha_allow_options)
  pgha_track "$dir"
  pgha_run "$netns" init-primary "$dir" "$addr" "$port" "${allow[@]}" \
    --replication-password-file "$PGHA_SECRETS/replication.password" ||
    hc_fail "pg-ha.sh init-primary $dir failed: $(tail -n 5 "$HC_WORK/pgha.log")"
  PGHA_PRIMARY_DIR=$dir
  HC_CONNINFO=$("$PGHA_SCRIPT" conninfo "$dir")
  export HC_CONNINFO PGHA_PRIMARY_DIR
}

# A standby's name for synchronous_standby_names and pg_stat_replication: from DIR.
pgha_name() { basename "$1" | tr -c 'a-z0-9_\n' '_' | sed 's/^/pgha_/'; }

# pg-ha.sh COMMAND (init-standby or rebuild) for a standby in DIR streaming from the
# primary at PADDR:PPORT; then sync on at the primary, and wait until it is synchronous.
pgha_follow() {
  local command=$1 dir=$2 addr=$3 port=$4 paddr=$5 pport=$6 netns=${7:-}
  local -a allow
  mapfile -t allow < <(pgha_allow_options)
  [ -n "$PGHA_PRIMARY_DIR" ] || hc_fail "pgha: call pgha_primary first"
  pgha_track "$dir"
  pgha_run "$netns" "$command" "$dir" "$addr" "$port" "host=$paddr port=$pport" "${allow[@]}" \
    --replication-password-file "$PGHA_SECRETS/replication.password" --name "$(pgha_name "$dir")" ||
    hc_fail "pg-ha.sh $command $dir failed: $(tail -n 5 "$HC_WORK/pgha.log")"
  pgha_sync "$PGHA_PRIMARY_DIR" on
  pgha_run "" wait-sync "$PGHA_PRIMARY_DIR" "$PGHA_SYNC_WAIT_S" ||
    hc_fail "the standby in $dir ($command) did not become synchronous: $(tail -n 3 "$HC_WORK/pgha.log")"
}

pgha_standby() { pgha_follow init-standby "$@"; }

pgha_sync() {
  pgha_run "" sync "$1" "$2" || hc_fail "pg-ha.sh sync $1 $2 failed: $(tail -n 3 "$HC_WORK/pgha.log")"
}

# Set ROLE's password on the current primary (once) and print its passfile.
pgha_password() {
  local role=$1 file="$PGHA_SECRETS/$1.password"
  if [ -z "${PGHA_PASSWORD_SET[$role]:-}" ]; then
    [ -n "$PGHA_PRIMARY_DIR" ] || hc_fail "pgha_conninfo: call pgha_primary first"
    pgha_run "" password "$PGHA_PRIMARY_DIR" "$role" "$file" ||
      hc_fail "cannot set the password of $role: $(tail -n 3 "$HC_WORK/pgha.log")"
    PGHA_PASSWORD_SET[$role]=1
  fi
  echo "$file.pgpass"
}

pgha_conninfo() {
  local role=$1 list=$2 target=${3:-read-write}
  local hosts="" ports="" item passfile
  passfile=$(pgha_password "$role")
  local IFS=,
  for item in $list; do
    [[ $item == *:* ]] || hc_fail "pgha_conninfo: '$item' is not ADDR:PORT"
    hosts+=${hosts:+,}${item%:*}
    ports+=${ports:+,}${item##*:}
  done
  echo "host=$hosts port=$ports dbname=hcbus user=$role passfile=$passfile target_session_attrs=$target"
}

# Every process of the cluster in DIR: the postmaster and its children.
pgha_pids() {
  local pid
  pid=$(head -n 1 "$1/data/postmaster.pid" 2>/dev/null) || return 0
  [ -n "$pid" ] || return 0
  echo "$pid"
  ps -o pid= --ppid "$pid" 2>/dev/null | tr -d ' ' || true
}

# True when none of PIDS... is alive (a zombie is dead).
pgha_all_dead() {
  local pid
  for pid in "$@"; do
    kill -0 "$pid" 2>/dev/null || continue
    [[ $(ps -o stat= -p "$pid" 2>/dev/null) == Z* ]] || return 1
  done
}

pgha_kill() {
  local dir=$1
  local -a pids
  mapfile -t pids < <(pgha_pids "$dir")
  [ "${#pids[@]}" -gt 0 ] || hc_fail "pgha_kill: no postmaster in $dir"
  kill -KILL "${pids[@]}" 2>/dev/null || true
  hc_wait_for "the processes of $dir to die" "$PGHA_KILL_WAIT_S" pgha_all_dead "${pids[@]}"
  hc_log "killed (-9) the PostgreSQL of $dir (pids ${pids[*]})"
}

pgha_promote() {
  local dir=$1
  pgha_run "" promote "$dir" || hc_fail "pg-ha.sh promote $dir failed: $(tail -n 3 "$HC_WORK/pgha.log")"
  PGHA_PRIMARY_DIR=$dir
  HC_CONNINFO=$("$PGHA_SCRIPT" conninfo "$dir")
  export HC_CONNINFO PGHA_PRIMARY_DIR
}

pgha_rebuild() { pgha_follow rebuild "$@"; }

pgha_psql() {
  "$HC_PSQL" -XAtq -v ON_ERROR_STOP=1 "$("$PGHA_SCRIPT" conninfo "$1")" -c "$2"
}

pgha_role() { "$PGHA_SCRIPT" role "$1" 2>/dev/null || true; }
