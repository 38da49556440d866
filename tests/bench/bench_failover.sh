#!/usr/bin/env bash
# bench_failover.sh — the failover times of issue 18 for the bench table: runs
# tests/integration/test_ha_failover.sh (two sites in network namespaces, a stream of
# publishes, the three failures) and prints, per failure, the time from the failure to
# the first acknowledged publish of a message committed after it:
#
#   failover pg     X.XXX s   primary PostgreSQL killed -9 → standby promoted → first ack
#   failover pair   X.XXX s   active broker+auditd killed -9 → first ack from the other pair
#   failover cut    X.XXX s   link between the sites cut → primary fenced, other promoted → first ack
#
#   tests/bench/bench_failover.sh [--reps N] [--each N] [--out TSV]
#
#   --reps N    runs of the scenario (default 1; each ~1-2 min)
#   --each N    publishes per publisher (5 publishers; default 4000)
#   --out TSV   also append the values as bench rows (hc_failover_pg, hc_failover_pair,
#               hc_failover_cut; tests/bench/table.py) to TSV
#
# The promotions are done at once by the test (an operator's `pg-ha.sh promote`, or
# Patroni after its leader key's ttl): with Patroni add its ttl (docs/ha.md). Needs root
# (network namespaces) and a build with the test programs: HCBUS_BENCH_BUILD_DIR (default
# build-bench/). Exit 77 when this machine cannot make network namespaces; 1 when the
# scenario fails (its log is kept and named).
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${HCBUS_BENCH_BUILD_DIR:-$src/build-bench}
reps=1 each=4000 out=""
die() { echo "bench_failover.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --reps) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--reps needs a positive integer"; reps=$2; shift ;;
    --each) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--each needs a positive integer"; each=$2; shift ;;
    --out) [ -n "${2:-}" ] || die "--out needs a file name"; out=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift
done
[ -x "$build/tests/ha_probe" ] || die "no $build/tests/ha_probe: build hcbus with its tests in $build (HCBUS_BENCH_BUILD_DIR)"

declare -A ids=([1]=hc_failover_pg [2]=hc_failover_pair [3]=hc_failover_cut)
declare -A names=([1]=pg [2]=pair [3]=cut)
declare -A labels=([1]="hcbus failover: primary PostgreSQL killed, standby promoted, to first ack"
  [2]="hcbus failover: active broker+auditd killed, to first ack on the other pair"
  [3]="hcbus failover: link between sites cut, fence + promote, to first ack")
log=$(mktemp /tmp/bench-failover.XXXXXX.log)
for rep in $(seq 1 "$reps"); do
  rc=0
  HCBUS_SOURCE_DIR=$src HCBUS_BINARY_DIR=$build HA_EACH=$each \
    timeout 900 bash "$src/tests/integration/test_ha_failover.sh" >"$log" 2>&1 || rc=$?
  if [ "$rc" = 77 ]; then
    echo "bench_failover.sh: skipped: $(grep -m1 SKIP "$log" || echo 'this machine cannot run network namespaces')" >&2
    rm -f "$log"
    exit 77
  fi
  [ "$rc" = 0 ] || { echo "bench_failover.sh: the scenario failed (exit $rc); log: $log" >&2; exit 1; }
  for phase in 1 2 3; do
    ms=$(sed -n "s/^failover $phase \([0-9]*\) ms$/\1/p" "$log" | head -n 1)
    [ -n "$ms" ] || { echo "bench_failover.sh: no failover time for phase $phase in $log" >&2; exit 1; }
    s=$(awk -v ms="$ms" 'BEGIN { printf "%.3f", ms / 1000 }')
    printf 'failover %-5s %s s   (rep %s) %s\n' "${names[$phase]}" "$s" "$rep" "${labels[$phase]}"
    [ -z "$out" ] || printf '%s\t%s\t%s\t%s\t%s\n' "${ids[$phase]}" "$rep" "$s" s "${labels[$phase]}" >>"$out"
  done
done
rm -f "$log"
