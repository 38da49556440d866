#!/usr/bin/env bash
# run.sh — the bench of issue 16: hcbus and the systems it is compared with, in one run on
# one machine, printed as one table with the ratios of the issue's targets.
#
#   tests/bench/run.sh [--quick] [--reps N] [--restart-events N] [--out FILE]
#
#   --quick               1 rep, ~1 s per case, a small restart fill (< 3 min; the smoke test)
#   --reps N              repetitions of every case (default 3; min / median / max)
#   --restart-events N    events in the log before the restart case (hcbus cases' default)
#   --out FILE            the TSV of every measured value (default
#                         BUILD/bench-results/bench-DATE.tsv; the table goes beside it, .md)
#
# It installs the Debian packages it needs (deploy/install.sh --bench: nats-server,
# mosquitto, libnats-dev, libmosquitto-dev), builds hcbus and the bench programs in
# build-bench/ (Release, -DHCBUS_BENCH=ON), makes ONE private PostgreSQL cluster and bus
# config (tests/lib/harness.sh + bus.sh), then for each rep runs the peers
# (tests/bench/peers/cases.sh: PostgreSQL on that same cluster, NATS, Mosquitto) and hcbus
# (tests/bench/hcbus/cases.sh), then hcbus's once-only cases (RSS, fan-out, restart), then
# (not with --quick) issue 18's failover times (tests/bench/bench_failover.sh: network
# namespaces, root), and prints tests/bench/table.py's table. Every case is bounded by `timeout`; everything it
# started is stopped on exit, Ctrl-C included. Default run < 20 min on 2 cores.
#
# Environment:
#   HCBUS_BENCH_BUILD_DIR=DIR   build to use (default: build-bench/ in the repository)
#   HCBUS_BENCH_SKIP_BUILD=1    install and build nothing: DIR must already hold the bench
#                               programs (configured with -DHCBUS_BENCH=ON; the smoke test)
set -euo pipefail

BENCH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH_BUILD=${HCBUS_BENCH_BUILD_DIR:-$BENCH_SRC/build-bench}
BENCH_REPS=3
BENCH_QUICK=0
BENCH_SECONDS=5                 # measured seconds per peer case (1 with --quick)
BENCH_TSV=""
restart_events=""
reps_given=0

die() { echo "run.sh: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

positive_int() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1: '$2' is not a positive integer"; }
while [ $# -gt 0 ]; do
  case $1 in
    --quick) BENCH_QUICK=1; BENCH_SECONDS=1 ;;
    --reps) [ $# -ge 2 ] || die "--reps needs a number"; positive_int --reps "$2"; BENCH_REPS=$2; reps_given=1; shift ;;
    --restart-events) [ $# -ge 2 ] || die "--restart-events needs a number"; positive_int --restart-events "$2"; restart_events=$2; shift ;;
    --out) [ $# -ge 2 ] || die "--out needs a file name"; BENCH_TSV=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift
done
[ "$BENCH_QUICK" = 1 ] && [ "$reps_given" = 0 ] && BENCH_REPS=1

if [ "${HCBUS_BENCH_SKIP_BUILD:-0}" != 1 ]; then
  HCBUS_BUILD_DIR=$BENCH_BUILD "$BENCH_SRC/deploy/install.sh" --bench -DCMAKE_BUILD_TYPE=Release -DHCBUS_BENCH=ON
fi
for prog in pg_bench nats_bench mqtt_bench; do
  [ -x "$BENCH_BUILD/tests/bench/$prog" ] ||
    die "no $BENCH_BUILD/tests/bench/$prog: build with -DHCBUS_BENCH=ON (or run without HCBUS_BENCH_SKIP_BUILD)"
done
for cmd in nats-server mosquitto python3; do
  command -v "$cmd" >/dev/null || die "$cmd not found: deploy/install.sh --bench installs it"
done

if [ -z "$BENCH_TSV" ]; then
  mkdir -p "$BENCH_BUILD/bench-results"
  BENCH_TSV=$BENCH_BUILD/bench-results/bench-$(date -u +%Y%m%dT%H%M%SZ).tsv
fi
BENCH_TSV=$(realpath -m "$BENCH_TSV")
BENCH_TABLE=${BENCH_TSV%.tsv}.md
mkdir -p "$(dirname "$BENCH_TSV")"
: >"$BENCH_TSV"

export HCBUS_SOURCE_DIR=$BENCH_SRC HCBUS_BINARY_DIR=$BENCH_BUILD
# shellcheck source=../lib/harness.sh
source "$BENCH_SRC/tests/lib/harness.sh"
# shellcheck source=../lib/bus.sh
source "$BENCH_SRC/tests/lib/bus.sh"
# shellcheck source=lib.sh
source "$BENCH_SRC/tests/bench/lib.sh"
# shellcheck source=peers/cases.sh
source "$BENCH_SRC/tests/bench/peers/cases.sh"
if [ -f "$BENCH_SRC/tests/bench/hcbus/cases.sh" ]; then
  # shellcheck source=/dev/null
  source "$BENCH_SRC/tests/bench/hcbus/cases.sh"
fi

BENCH_OUT=$BENCH_TSV
BENCH_WORK=$HC_WORK/bench
mkdir -p "$BENCH_WORK"
export BENCH_OUT BENCH_WORK BENCH_REPS BENCH_QUICK BENCH_SECONDS
[ -n "$restart_events" ] && export BENCH_RESTART_EVENTS=$restart_events

started=$SECONDS
commit=$(git -C "$BENCH_SRC" describe --always --dirty 2>/dev/null || echo unknown)
{
  echo "# commit $commit, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(uname -r), build $(basename "$BENCH_BUILD") ($(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BENCH_BUILD/CMakeCache.txt" 2>/dev/null))"
  echo "# $BENCH_REPS rep(s), ${BENCH_SECONDS} s per peer case$([ "$BENCH_QUICK" = 1 ] && echo ', --quick')${restart_events:+, --restart-events $restart_events}"
  echo "# load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >>"$BENCH_OUT"

hc_bus_setup

for rep in $(seq 1 "$BENCH_REPS"); do
  hc_log "rep $rep of $BENCH_REPS ($((SECONDS - started)) s so far)"
  bench_peers "$rep"
  if declare -F bench_hcbus >/dev/null; then
    bench_hcbus "$rep"
  else
    echo "(hcbus cases missing)"
  fi
done
if declare -F bench_hcbus_once >/dev/null; then
  bench_hcbus_once
else
  echo "(hcbus cases missing)"
fi

# Issue 18's failover times (network namespaces, a two-site scenario of ~1-2 min):
# not with --quick; their rows show as missing then.
if [ "$BENCH_QUICK" = 1 ]; then
  hc_log "failover cases skipped with --quick (tests/bench/bench_failover.sh runs them)"
else
  hc_log "failover cases (tests/bench/bench_failover.sh)"
  frc=0
  HCBUS_BENCH_BUILD_DIR=$BENCH_BUILD "$BENCH_SRC/tests/bench/bench_failover.sh" --reps "$BENCH_REPS" --out "$BENCH_OUT" || frc=$?
  [ "$frc" = 0 ] || hc_log "failover cases: bench_failover.sh exited $frc (skipped or failed: their rows show as missing)"
fi

echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); wall time $((SECONDS - started)) s" >>"$BENCH_OUT"
python3 "$BENCH_SRC/tests/bench/table.py" "$BENCH_OUT" | tee "$BENCH_TABLE"
echo
echo "run.sh: values in $BENCH_OUT, this table in $BENCH_TABLE ($((SECONDS - started)) s)"
