#!/usr/bin/env bash
# bench_durable.sh — the hcbus rows of the bench alone (tests/bench/hcbus/cases.sh) on a
# build of yours, for quick before/after figures while changing hcbus; the whole table,
# with PostgreSQL, NATS and Mosquitto beside it, is tests/bench/run.sh. Not a test.
#   HCBUS_BINARY_DIR=build-rel tests/bench/bench_durable.sh [--quick] [--reps N] [--once] [--restart-events N]
# --once adds bench_hcbus_once (RSS and fan-out with 100 subscribers, the fill and the
# restart: 10,000,000 events unless --restart-events says fewer). The build must have
# hcbus_bench: configure it with -DHCBUS_BENCH=ON (deploy/install.sh --bench installs the
# peers' libraries that option also needs) and `make hcbus_bench`. Prints the [hcbus]
# diagnostics as it goes, then the rows (id, rep, value, unit, label).
set -euo pipefail
reps=1 once=0
while [ $# -gt 0 ]; do
  case $1 in
    --quick) export BENCH_QUICK=1 ;;
    --reps) reps=$2; shift ;;
    --once) once=1 ;;
    --restart-events) export BENCH_RESTART_EVENTS=$2; shift ;;
    *) echo "bench_durable.sh: unknown option '$1' (it runs tests/bench/hcbus/cases.sh now: --quick, --reps N, --once, --restart-events N)" >&2; exit 2 ;;
  esac
  shift
done
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hcbus/cases.sh"
if [ ! -x "$HCB_TOOL" ]; then
  echo "bench_durable.sh: no $HCB_TOOL: cmake -S $HC_SRC -B $HC_BIN -DHCBUS_BENCH=ON && make -C $HC_BIN hcbus_bench" >&2
  exit 2
fi
BENCH_OUT=$HC_WORK/bench.tsv
: >"$BENCH_OUT"
hc_bus_setup
for rep in $(seq 1 "$reps"); do bench_hcbus "$rep"; done
[ "$once" = 1 ] && bench_hcbus_once
cat "$BENCH_OUT"
