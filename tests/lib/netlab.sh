# netlab.sh — network "sites" for integration tests (source it after harness.sh).
# Network namespaces joined by wires with delay, jitter, loss and cuts, made by the link
# emulator tests/tools/linkem.c (this kernel has no sch_netem: decision 0039). Everything
# made here is removed at exit, also after a failure: an exit command registered when
# this file is sourced stops every linkem and removes every namespace (after harness.sh
# stopped its background processes; what still runs in a namespace is stopped first).
#
#   source "$HCBUS_SOURCE_DIR/tests/lib/harness.sh"
#   source "$HCBUS_SOURCE_DIR/tests/lib/netlab.sh"
#   netlab_require                                  # skip (77) unless root, ip, /dev/net/tun, linkem
#   netlab_ns a; netlab_ns b                        # namespaces, lo up
#   netlab_wire a 10.9.0.1/30 b 10.9.0.2/30 50 5    # wire "a-b": 50 ms each way, 5 % loss each way
#   netlab_exec a ping -c 3 10.9.0.2                # run a command in a (foreground)
#   netlab_start_bg broker b "$HC_BIN/hcbus-broker" -c conf   # hc_start_bg inside b
#   netlab_set a-b 200 30 [JITTER_MS [a2b|b2a]]     # change delay/loss (jitter) at run time
#   netlab_cut a-b [a2b|b2a]; netlab_heal a-b       # drop everything (one way) / back to normal
#   netlab_stats a-b                                # counters, key=value lines
#
# Names: a namespace NAME here is the logical name; the real one is "nl<pid>-NAME" so
# that two tests can use the same names at once (netlab_nsname NAME prints it, for
# `ip netns exec` or /run/netns paths). "" or "root" is the root namespace (the test's
# own). A wire is named "NS1-NS2" ("root" for the root namespace; "-2", "-3"... when that
# pair already has one); netlab_wire sets NETLAB_WIRE to it. Called inside $(...),
# netlab_ns prints NAME and netlab_wire the wire's name (UNIT=$(netlab_ns unit) works;
# the state is kept in files under $HC_WORK/netlab, not only in this shell).
# netlab_exec is also a program on PATH, so `hc_start_bg NAME netlab_exec NS CMD...`,
# `setsid netlab_exec ...` and `env ... netlab_exec ...` work too.
# Addresses: ADDR is IP/PREFIX (default /30): the wire's side of that subnet. Both ends
# of a wire must be in one subnet; a wire whose one end is the root namespace adds a
# route there that other tests running at once also see: pick a subnet nobody else uses
# (e.g. one derived from $$) or keep both ends in namespaces.
# Routing across several wires (a namespace in the middle): netlab_forward NS turns on
# forwarding in NS; add routes with netlab_exec NS ip route add ....
# High loss: TCP doubles its retransmission timeout after each lost retransmission, up
# to 120 s; `netlab_exec NS sysctl -qw net.ipv4.tcp_rto_max_ms=MS` (Linux >= 6.15, per
# namespace) caps it when a test must not depend on that luck.

NETLAB_LINKEM=${NETLAB_LINKEM:-$HC_BIN/tests/linkem}
NETLAB_WIRE=""
NETLAB_PREFIX="nl$$-"
NETLAB_DIR=$HC_WORK/netlab      # ns/NAME: real name; wires/WIRE.{ctl,pid,log}; bin/netlab_exec
declare -A NETLAB_NSS=()        # logical name -> real name (those made in this shell)
declare -A NETLAB_WIRES=()      # wire -> control socket (those made in this shell)
export NETLAB_DIR
mkdir -p "$NETLAB_DIR/ns" "$NETLAB_DIR/wires" "$NETLAB_DIR/bin"

# Commands enter a namespace with nsenter --net=/run/netns/NAME, not `ip netns exec` or
# `ip -n`: those remount / and /sys in a new mount namespace, which fails ("mount
# --make-rslave / failed") where / is not a mount point, as in a chroot (CI's fresh
# Debian root). A network namespace is all netlab needs.
# netlab_exec as a program, for setsid/env/hc_start_bg (which cannot run a function).
cat >"$NETLAB_DIR/bin/netlab_exec" <<'EOF'
#!/usr/bin/env bash
# netlab_exec NS CMD...: run CMD in netlab namespace NS ("" or root: here). See tests/lib/netlab.sh.
ns=${1-}
shift
case $ns in ""|root) exec "$@" ;; esac
real=$(cat "$NETLAB_DIR/ns/$ns" 2>/dev/null) || { echo "netlab_exec: no namespace named '$ns' (netlab_ns $ns first)" >&2; exit 127; }
exec nsenter --net="/run/netns/$real" -- "$@"
EOF
chmod +x "$NETLAB_DIR/bin/netlab_exec"
export PATH=$NETLAB_DIR/bin:$PATH

# Skip the test (exit 77, which ctest counts as skipped) when this machine cannot run it.
netlab_require() {
  local why=""
  [ "$(id -u)" = 0 ] || why="not root"
  command -v ip >/dev/null || why="no ip command (iproute2)"
  [ -c /dev/net/tun ] || why="no /dev/net/tun"
  [ -x "$NETLAB_LINKEM" ] || why="no link emulator at $NETLAB_LINKEM (build tests/tools/linkem.c)"
  if [ -n "$why" ]; then
    hc_log "SKIP: netlab needs root, iproute2, /dev/net/tun and linkem: $why"
    exit 77
  fi
}

# The real namespace name of logical NAME ("" for the root namespace).
netlab_nsname() {
  case ${1:-root} in
    root) echo "" ;;
    *)
      [ -f "$NETLAB_DIR/ns/$1" ] || hc_fail "netlab: no namespace named '$1' (netlab_ns $1 first)"
      cat "$NETLAB_DIR/ns/$1" ;;
  esac
}

# Make namespace NAME with lo up; removed at exit (with every process still in it).
# Inside $(...) it prints NAME.
netlab_ns() {
  local name=${1:?netlab_ns NAME} real
  case $name in root|"") hc_fail "netlab_ns: '$name' is the root namespace" ;; esac
  [[ $name =~ ^[A-Za-z0-9_.]+$ ]] || hc_fail "netlab_ns: name '$name' must be letters, digits, _ or ."
  [ ! -e "$NETLAB_DIR/ns/$name" ] || hc_fail "netlab_ns: namespace '$name' exists already"
  real=$NETLAB_PREFIX$name
  echo "$real" >"$NETLAB_DIR/ns/$name"   # first: the exit command removes it even if the rest fails
  ip netns add "$real" || hc_fail "netlab_ns: ip netns add $real failed"
  NETLAB_NSS[$name]=$real
  nsenter --net="/run/netns/$real" -- ip link set lo up || hc_fail "netlab_ns: lo up in $real failed"
  [ "$BASH_SUBSHELL" = 0 ] || echo "$name"
}

# At exit (registered below, runs after the harness stopped its background processes):
# stop every linkem, then whatever still runs in each namespace (TERM, 2 s, KILL: a
# PostgreSQL in a site gets a chance to stop), then remove the namespaces.
_netlab_cleanup() {
  local f pid real pids deadline
  for f in "$NETLAB_DIR"/wires/*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill -TERM "$pid" 2>/dev/null
  done
  deadline=$((SECONDS + 5))
  for f in "$NETLAB_DIR"/wires/*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  for f in "$NETLAB_DIR"/ns/*; do
    [ -f "$f" ] || continue
    real=$(cat "$f")
    pids=$(ip netns pids "$real" 2>/dev/null)
    if [ -n "$pids" ]; then
      kill -TERM $pids 2>/dev/null
      deadline=$((SECONDS + 2))
      while [ -n "$(ip netns pids "$real" 2>/dev/null)" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.05; done
      for pid in $(ip netns pids "$real" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    fi
    ip netns del "$real" 2>/dev/null
  done
  return 0
}
hc_on_exit _netlab_cleanup

# Namespaces left by a netlab test killed before its cleanup (kill -9, a ctest timeout):
# nl<pid>-* whose test process is gone and in which nothing runs any more (its linkem
# stops by itself: --watch-pid). Removed so that they do not pile up.
_netlab_sweep() {
  local real pid
  for real in $(ip netns list 2>/dev/null | sed -n 's/^\(nl[0-9][0-9]*-[A-Za-z0-9_.]*\).*/\1/p'); do
    pid=${real#nl}
    pid=${pid%%-*}
    [ "$pid" != $$ ] || continue
    kill -0 "$pid" 2>/dev/null && continue
    [ -z "$(ip netns pids "$real" 2>/dev/null)" ] || continue
    ip netns del "$real" 2>/dev/null && hc_log "removed namespace $real left by a test that is gone"
  done
  return 0
}
_netlab_sweep

# Run CMD... in namespace NS ("" or root: here). Background it with & if need be, but
# prefer netlab_start_bg for long-running processes (the harness then stops them).
netlab_exec() {
  local real
  real=$(netlab_nsname "${1-}")
  shift
  if [ -z "$real" ]; then "$@"; else nsenter --net="/run/netns/$real" -- "$@"; fi
}

# hc_start_bg NAME, in namespace NS: the harness's log ($HC_WORK/NAME.log), hc_pid,
# hc_kill and the cleanup at exit work as for any background process.
netlab_start_bg() {
  local name=${1:?netlab_start_bg NAME NS CMD...} real
  real=$(netlab_nsname "${2-}")
  shift 2
  if [ -z "$real" ]; then hc_start_bg "$name" "$@"; else hc_start_bg "$name" nsenter --net="/run/netns/$real" -- "$@"; fi
}

# Turn on IPv4 forwarding in NS (a namespace between two wires).
netlab_forward() {
  netlab_exec "${1:?netlab_forward NS}" sysctl -qw net.ipv4.ip_forward=1
}

# netlab_wire NS1 ADDR1 NS2 ADDR2 [DELAY_MS LOSS_PCT [JITTER_MS]]: a wire between NS1 and
# NS2 through a linkem process; DELAY_MS and LOSS_PCT apply to each direction. Sets
# NETLAB_WIRE to its name; inside $(...) prints it.
netlab_wire() {
  [ $# -ge 4 ] || hc_fail "netlab_wire: usage: netlab_wire NS1 ADDR1 NS2 ADDR2 [DELAY_MS LOSS_PCT [JITTER_MS]]"
  local ns1=${1:-root} addr1=$2 ns2=${3:-root} addr2=$4 delay=${5:-0} loss=${6:-0} jitter=${7:-0}
  local real1 real2 wire n id ctl dev1 dev2 pid deadline nsopt=()
  real1=$(netlab_nsname "$ns1")
  real2=$(netlab_nsname "$ns2")
  [ "$ns1" != "$ns2" ] || hc_fail "netlab_wire: both ends in '$ns1'"
  [[ $addr1 == */* ]] || addr1=$addr1/30
  [[ $addr2 == */* ]] || addr2=$addr2/30
  wire=$ns1-$ns2
  n=1
  while [ -e "$NETLAB_DIR/wires/$wire.id" ]; do n=$((n + 1)); wire=$ns1-$ns2-$n; done
  id=$(( $(find "$NETLAB_DIR/wires" -name '*.id' | wc -l) + 1 ))
  echo "$id" >"$NETLAB_DIR/wires/$wire.id"
  # Interface names are at most 15 bytes and shared by the root namespace's tests.
  dev1=nl$$w${id}a
  dev2=nl$$w${id}b
  ctl=$NETLAB_DIR/wires/$id.sock
  [ -n "$real1" ] && nsopt+=(--ns-a "/run/netns/$real1")
  [ -n "$real2" ] && nsopt+=(--ns-b "/run/netns/$real2")
  setsid "$NETLAB_LINKEM" run --ctl "$ctl" --dev-a "$dev1" --dev-b "$dev2" "${nsopt[@]}" \
    --delay-ms "$delay" --loss-pct "$loss" --jitter-ms "$jitter" --watch-pid $$ >"$HC_WORK/linkem-$wire.log" 2>&1 &
  pid=$!
  echo "$pid" >"$NETLAB_DIR/wires/$wire.pid"
  echo "$ctl" >"$NETLAB_DIR/wires/$wire.ctl"
  hc_log "started linkem for wire $wire (pid $pid)"
  deadline=$((SECONDS + 10))
  until [ -S "$ctl" ]; do
    kill -0 "$pid" 2>/dev/null || hc_fail "netlab_wire $wire: linkem exited: $(tail -n 3 "$HC_WORK/linkem-$wire.log")"
    [ "$SECONDS" -lt "$deadline" ] || hc_fail "netlab_wire $wire: linkem not ready after 10 s"
    sleep "$HC_POLL_INTERVAL_S"
  done
  NETLAB_WIRES[$wire]=$ctl
  _netlab_dev_up "$real1" "$dev1" "$addr1" || hc_fail "netlab_wire $wire: cannot configure $dev1 in $ns1"
  _netlab_dev_up "$real2" "$dev2" "$addr2" || hc_fail "netlab_wire $wire: cannot configure $dev2 in $ns2"
  NETLAB_WIRE=$wire
  hc_log "wire $wire: $ns1 $addr1 <-> $ns2 $addr2, ${delay} ms, ${loss} % loss, ${jitter} ms jitter"
  [ "$BASH_SUBSHELL" = 0 ] || echo "$wire"
}

# Address DEV (in real namespace REAL, "" = here) with ADDR and bring it up. No IPv6 on
# the wire: its router solicitations would be noise in the counters.
_netlab_dev_up() {
  local real=$1 dev=$2 addr=$3 ipn=(ip)
  [ -n "$real" ] && ipn=(nsenter --net="/run/netns/$real" -- ip)
  if [ -n "$real" ]; then
    nsenter --net="/run/netns/$real" -- sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1" 2>/dev/null || true
  else
    sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1" 2>/dev/null || true
  fi
  "${ipn[@]}" addr add "$addr" dev "$dev" && "${ipn[@]}" link set "$dev" up
}

# The control socket of WIRE.
netlab_wire_ctl() {
  [ -f "$NETLAB_DIR/wires/${1:?netlab_wire_ctl WIRE}.ctl" ] ||
    hc_fail "netlab: no wire named '$1' (wires: $(cd "$NETLAB_DIR/wires" && ls -- *.ctl 2>/dev/null | sed 's/\.ctl$//' | tr '\n' ' '))"
  cat "$NETLAB_DIR/wires/$1.ctl"
}

# The pid of WIRE's linkem (for kill -USR1 / -USR2 / -STOP).
netlab_wire_pid() {
  netlab_wire_ctl "${1:?netlab_wire_pid WIRE}" >/dev/null
  cat "$NETLAB_DIR/wires/$1.pid"
}

_netlab_ctl() {
  local ctl
  ctl=$(netlab_wire_ctl "${1:?wire name}")
  shift
  "$NETLAB_LINKEM" ctl "$ctl" "$@"
}

_netlab_dir() {
  case $1 in a2b|b2a) echo "$1" ;; *) hc_fail "netlab: direction must be a2b (NS1 to NS2) or b2a, not '$1'" ;; esac
}

# netlab_set WIRE DELAY_MS LOSS_PCT [JITTER_MS [DIR]]: new settings for both directions
# (DIR a2b: only from NS1 to NS2; b2a: only back), in effect for the next packet
# (packets already queued keep their time).
netlab_set() {
  [ $# -ge 3 ] || hc_fail "netlab_set: usage: netlab_set WIRE DELAY_MS LOSS_PCT [JITTER_MS [a2b|b2a]]"
  local args=("delay_ms=$2" "loss_pct=$3")
  [ $# -ge 4 ] && [ -n "$4" ] && args+=("jitter_ms=$4")
  [ $# -ge 5 ] && args=("$(_netlab_dir "$5")" "${args[@]}")
  _netlab_ctl "$1" set "${args[@]}" >/dev/null || hc_fail "netlab_set $*: refused"
}

# netlab_ctl WIRE CMD...: any linkem control command, e.g. set [a2b|b2a] key=value...
# (delay_ms jitter_ms loss_pct queue_packets queue_bytes), get, reset; prints the answer
# ("ok a2b_delay_ms=... a2b_cut=0 b2a_delay_ms=... b2a_cut=0"); fails on "error: ...".
netlab_ctl() { _netlab_ctl "$@"; }

# netlab_cut WIRE [DIR]: every packet is dropped, also those on the wire now, until
# netlab_heal WIRE [DIR]. DIR a2b cuts only NS1 -> NS2 (b2a the way back): a one-way
# failure, e.g. requests arrive but no answer returns.
netlab_cut() {
  local dir=()
  [ -n "${2:-}" ] && dir=("$(_netlab_dir "$2")")
  _netlab_ctl "${1:?netlab_cut WIRE [a2b|b2a]}" cut "${dir[@]}" >/dev/null || hc_fail "netlab_cut $* failed"
}
netlab_heal() {
  local dir=()
  [ -n "${2:-}" ] && dir=("$(_netlab_dir "$2")")
  _netlab_ctl "${1:?netlab_heal WIRE [a2b|b2a]}" heal "${dir[@]}" >/dev/null || hc_fail "netlab_heal $* failed"
}

# Print WIRE's counters, key=value per line (a2b = from NS1 to NS2): *_in_packets,
# *_out_packets, *_lost, *_cut, *_queue_full, *_queued_packets, *_queue_peak_bytes...
netlab_stats() { _netlab_ctl "${1:?netlab_stats WIRE}" stats | tail -n +2; }

# One counter of WIRE: netlab_stat WIRE a2b_lost.
netlab_stat() {
  local v
  v=$(netlab_stats "$1" | sed -n "s/^$2=//p")
  [ -n "$v" ] || hc_fail "netlab_stat: no counter '$2' on wire $1"
  echo "$v"
}
