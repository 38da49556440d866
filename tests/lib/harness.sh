# harness.sh — the shared set-up of every integration test (source it, do not run it).
# Gives a private work dir, a private PostgreSQL, background processes that are always
# reaped, polling with deadlines and assertions. Everything started is stopped on exit.
#
#   source "$HCBUS_SOURCE_DIR/tests/lib/harness.sh"
#   hc_pg_start                         # private cluster; sets HC_PGDIR, HC_CONNINFO (owner)
#                                       # and HC_WRITER_CONNINFO (hcbus-auditd's role)
#   hc_migrate                          # apply deploy/sql/ to it
#   hc_start_bg broker "$HC_BIN/hcbus-broker" -c "$HC_WORK/hcbus.conf"
#   hc_wait_for "broker socket" 10 test -S "$HC_WORK/broker.ipc"
#   hc_assert_eq 3 "$(hc_psql 'SELECT count(*) FROM hcbus.events')" "three events recorded"
#   hc_pass
#
# Environment: HCBUS_SOURCE_DIR (repo root) and HCBUS_BINARY_DIR (build dir), set by
# ctest; both default from this file's location (build/ for the binaries).
set -euo pipefail

HC_SRC=${HCBUS_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
HC_BIN=${HCBUS_BINARY_DIR:-$HC_SRC/build}
HC_TEST=$(basename "${BASH_SOURCE[1]:-$0}" .sh)
HC_PSQL=${HCBUS_PSQL:-/usr/lib/postgresql/15/bin/psql}
HC_POLL_INTERVAL_S=0.05
HC_KILL_GRACE_S=5             # after SIGTERM, wait this long before SIGKILL at exit
HC_CHECKS=0

# A short path: Unix socket paths (PostgreSQL's, ipc:// endpoints) must stay < 108
# bytes. Searchable by others because the server runs as `postgres` when we are root.
HC_WORK=$(mktemp -d /tmp/hc.XXXXXX)
chmod 0711 "$HC_WORK"
HC_PGDIR=""
HC_CONNINFO=""
HC_WRITER_CONNINFO=""
HC_EXIT_COMMANDS=()
declare -A HC_PIDS=()
export HC_WORK HC_SRC HC_BIN

# The language of what the programs print: English (LC_ALL=C.UTF-8: the C locale's
# messages, UTF-8 text as before) unless a test asks for another with hc_in_spanish,
# so that tests grepping English output never see Spanish.
# The catalogues are those of this build (po/CMakeLists.txt), not an installed copy.
export LC_ALL=C.UTF-8
unset LANGUAGE
export HCBUS_LOCALEDIR=${HCBUS_LOCALEDIR:-$HC_BIN/locale}

# Run CMD... as a user of LANG=es_SV.UTF-8 (deploy/install.sh generates that locale).
hc_in_spanish() { env -u LC_ALL LANG=es_SV.UTF-8 LANGUAGE=es "$@"; }

# Print a message to stderr, prefixed with the test's name.
hc_log() { echo "[$HC_TEST] $*" >&2; }

# Fail the test now: print MSG and the tail of every background log, exit 1.
hc_fail() {
  hc_log "FAIL: $*"
  local log
  for log in "$HC_WORK"/*.log "$HC_PGDIR/postgresql.log"; do
    [ -f "$log" ] || continue
    hc_log "--- last lines of $(basename "$log")"
    tail -n 15 "$log" >&2 || true
  done
  exit 1
}

# Start CMD... in the background as NAME, output to $HC_WORK/NAME.log. It gets its own
# process group (setsid), so signals reach whatever children it starts too.
hc_start_bg() {
  local name=$1
  shift
  [ -z "${HC_PIDS[$name]:-}" ] || hc_fail "hc_start_bg: '$name' is already running"
  setsid "$@" >"$HC_WORK/$name.log" 2>&1 &
  HC_PIDS[$name]=$!
  hc_log "started $name (pid ${HC_PIDS[$name]})"
}

# The pid of background process NAME.
hc_pid() { echo "${HC_PIDS[$1]:?hc_pid: no process named $1}"; }

# Send SIGNAL (default TERM) to NAME. TERM, INT and KILL also wait for it to exit and
# forget it, so it can be started again; other signals (STOP, HUP...) leave it known.
hc_kill() {
  local name=$1 sig=${2:-TERM} pid
  pid=${HC_PIDS[$name]:?hc_kill: no process named $name}
  kill -s "$sig" -- "-$pid" 2>/dev/null || kill -s "$sig" "$pid" 2>/dev/null || true
  case $sig in
    TERM|SIGTERM|INT|SIGINT|KILL|SIGKILL|9|15)
      wait "$pid" 2>/dev/null || true
      unset "HC_PIDS[$name]" ;;
  esac
}

# Poll CMD... every 50 ms until it succeeds; fail with DESC after TIMEOUT_S seconds.
hc_wait_for() {
  local desc=$1 timeout_s=$2
  shift 2
  local deadline=$((SECONDS + timeout_s))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || hc_fail "timed out after ${timeout_s}s waiting for: $desc"
    sleep "$HC_POLL_INTERVAL_S"
  done
}

hc_assert_eq() {
  local expected=$1 actual=$2 desc=$3
  HC_CHECKS=$((HC_CHECKS + 1))
  [ "$expected" = "$actual" ] || hc_fail "$desc: expected '$expected', got '$actual'"
}

# hc_assert_contains HAYSTACK NEEDLE DESC
hc_assert_contains() {
  local haystack=$1 needle=$2 desc=$3
  HC_CHECKS=$((HC_CHECKS + 1))
  [[ $haystack == *"$needle"* ]] || hc_fail "$desc: '$needle' not found in: $haystack"
}

# Init and start a private cluster in $HC_WORK/pg (peer authentication: this account
# may connect as the owner hcbus and as hcbus_auditd). Exports HC_PGDIR, HC_CONNINFO
# (the owner, a superuser: hc_psql, hc_migrate) and HC_WRITER_CONNINFO (hcbus_auditd,
# the least-privileged role hcbus-auditd runs as; it exists once hc_migrate has run).
hc_pg_start() {
  HC_PGDIR=$HC_WORK/pg
  "$HC_SRC/deploy/pg.sh" init "$HC_PGDIR" 2>>"$HC_WORK/pg.sh.log" || hc_fail "pg.sh init failed"
  "$HC_SRC/deploy/pg.sh" start "$HC_PGDIR" 2>>"$HC_WORK/pg.sh.log" || hc_fail "pg.sh start failed"
  HC_CONNINFO=$("$HC_SRC/deploy/pg.sh" conninfo "$HC_PGDIR")
  HC_WRITER_CONNINFO=$("$HC_SRC/deploy/pg.sh" conninfo "$HC_PGDIR" hcbus_auditd)
  export HC_PGDIR HC_CONNINFO HC_WRITER_CONNINFO
}

# Stop the private cluster (MODE fast by default, immediate simulates a crash).
hc_pg_stop() { "$HC_SRC/deploy/pg.sh" stop "$HC_PGDIR" "${1:-fast}" 2>>"$HC_WORK/pg.sh.log"; }

# Apply deploy/sql/ to the private cluster.
hc_migrate() { "$HC_SRC/deploy/migrate.sh" "$HC_CONNINFO" 2>>"$HC_WORK/migrate.log"; }

# Run COMMAND... at exit, after the background processes and PostgreSQL are stopped
# (e.g. userdel of an account the test made). Commands run in the order registered.
hc_on_exit() { HC_EXIT_COMMANDS+=("$(printf '%q ' "$@")"); }

# Run SQL on the private cluster as superuser hcbus; prints the unaligned result and
# returns psql's status (errors go to stderr; use hc_psql_error to capture them).
hc_psql() {
  "$HC_PSQL" -XAtq -v ON_ERROR_STOP=1 "$HC_CONNINFO" -c "$1"
}

# Run SQL that must fail; prints psql's error output, fails the test if it succeeded.
hc_psql_error() {
  local out
  if out=$("$HC_PSQL" -XAtq -v ON_ERROR_STOP=1 "$HC_CONNINFO" -c "$1" 2>&1); then
    hc_fail "expected an error from: $1 (got: $out)"
  fi
  echo "$out"
}

# Recompute both hash chains of the audit store (deploy/verify-chain.sql) and print
# every row that does not verify as "table|position|problem"; nothing when intact.
hc_chain_problems() {
  hc_psql "$(cat "$HC_SRC/deploy/verify-chain.sql")" || echo "verify-chain.sql itself failed"
}

hc_pass() {
  hc_log "PASS ($HC_CHECKS checks)"
}

# On exit: background processes first (they may hold connections), then PostgreSQL,
# then the work dir. HC_KEEP=1 keeps the work dir for a post-mortem.
hc_cleanup() {
  local rc=$? name pid deadline
  set +e
  for name in "${!HC_PIDS[@]}"; do
    kill -TERM -- "-${HC_PIDS[$name]}" 2>/dev/null
    kill -CONT -- "-${HC_PIDS[$name]}" 2>/dev/null   # a stopped process cannot act on TERM
  done
  deadline=$((SECONDS + HC_KILL_GRACE_S))
  for name in "${!HC_PIDS[@]}"; do
    pid=${HC_PIDS[$name]}
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep "$HC_POLL_INTERVAL_S"; done
    kill -KILL -- "-$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  if [ -n "$HC_PGDIR" ]; then
    "$HC_SRC/deploy/pg.sh" stop "$HC_PGDIR" immediate >/dev/null 2>&1
  fi
  local command
  for command in "${HC_EXIT_COMMANDS[@]}"; do eval "$command" >/dev/null 2>&1; done
  if [ "${HC_KEEP:-0}" = 1 ]; then
    hc_log "kept $HC_WORK"
  else
    rm -rf -- "$HC_WORK"
  fi
  exit "$rc"
}
trap hc_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
