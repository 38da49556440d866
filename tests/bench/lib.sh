# lib.sh — what every bench case shares (source it; tests/bench/run.sh does): one TSV line
# per measured value, the CPU time of server processes from /proc, and a runner that
# bounds a program in time without blocking the driver's traps.
#
#   bench_emit ID REP VALUE UNIT "LABEL"   append "ID<TAB>REP<TAB>VALUE<TAB>UNIT<TAB>LABEL"
#                                          to $BENCH_OUT (table.py reads it)
#   bench_cpu_start PID...                 remember the user+sys CPU of those processes
#   bench_cpu_stop                         print the µs they used since (children excluded)
#   bench_cpu_us PID                       print one process's user+sys CPU so far, in µs
#   bench_run NAME TIMEOUT_S CMD...        run CMD under `timeout`, stdout to
#                                          $BENCH_WORK/NAME.out, stderr to NAME.err; returns
#                                          its status (124: timed out)
#   bench_wait_port PORT TIMEOUT_S PID     wait until 127.0.0.1:PORT accepts (1: it did not)
# Needs tests/lib/harness.sh sourced first (hc_log, HC_PIDS: what bench_run starts is
# stopped with everything else if the driver is interrupted).

BENCH_CLK_TCK=$(getconf CLK_TCK)
BENCH_CPU_PIDS=()
BENCH_CPU_START=()

bench_emit() {
  local id=$1 rep=$2 value=$3 unit=$4 label=$5
  [ -n "${BENCH_OUT:-}" ] || { hc_log "bench_emit: BENCH_OUT is not set"; return 1; }
  if ! [[ $id =~ ^[a-z0-9_]+$ ]] || ! [[ $value =~ ^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]]; then
    hc_log "bench_emit: refused '$id' = '$value' (an id is [a-z0-9_]+, a value a number)"
    return 1
  fi
  label=${label//$'\t'/ }
  printf '%s\t%s\t%s\t%s\t%s\n' "$id" "$rep" "$value" "$unit" "${label//$'\n'/ }" >>"$BENCH_OUT"
}

# User + system CPU of PID (its threads included, children excluded) in µs: fields 14
# and 15 of /proc/PID/stat, counted after the ')' closing the command name.
bench_cpu_us() {
  local stat rest
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { hc_log "bench_cpu_us: no process $1"; return 1; }
  rest=${stat##*) }
  # shellcheck disable=SC2086
  set -- $rest
  echo $(( (${12} + ${13}) * 1000000 / BENCH_CLK_TCK ))
}

bench_cpu_start() {
  local pid us
  BENCH_CPU_PIDS=("$@")
  BENCH_CPU_START=()
  for pid in "$@"; do
    us=$(bench_cpu_us "$pid") || return 1
    BENCH_CPU_START+=("$us")
  done
}

bench_cpu_stop() {
  local i total=0 now
  for i in "${!BENCH_CPU_PIDS[@]}"; do
    now=$(bench_cpu_us "${BENCH_CPU_PIDS[$i]}") || return 1
    total=$((total + now - BENCH_CPU_START[i]))
  done
  echo "$total"
}

# setsid: its own process group, which the harness's exit trap signals as a whole; run
# in the background and waited for, so a signal to the driver is handled at once.
bench_run() {
  local name=$1 timeout_s=$2 pid rc
  shift 2
  setsid timeout -k 5 "$timeout_s" "$@" >"$BENCH_WORK/$name.out" 2>"$BENCH_WORK/$name.err" &
  pid=$!
  HC_PIDS[$name]=$pid
  rc=0
  wait "$pid" || rc=$?
  unset "HC_PIDS[$name]"
  return "$rc"
}

# True when something accepts TCP connections on 127.0.0.1:PORT.
bench_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Wait up to TIMEOUT_S for 127.0.0.1:PORT to accept, while PID lives; 1 if it never does
# (a bench case that cannot start reports and the run goes on, unlike hc_wait_for).
bench_wait_port() {
  local port=$1 timeout_s=$2 pid=$3 deadline=$((SECONDS + $2))
  until bench_port_open "$port"; do
    kill -0 "$pid" 2>/dev/null || return 1
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep "$HC_POLL_INTERVAL_S"
  done
}
