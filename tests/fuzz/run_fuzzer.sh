#!/usr/bin/env bash
# run_fuzzer.sh — run one libFuzzer program for a bounded time over its seed corpus
# (ctest's fuzz.run.<target>). New inputs go to WORK/new, never into the source tree;
# a crash, leak or timeout input is kept in WORK/artifacts/ and fails the test.
#   run_fuzzer.sh FUZZER CORPUS_DIR SECONDS WORK_DIR
# Exits 77 (ctest: skipped) when FUZZER was not built (no clang on this machine).
set -euo pipefail
fuzzer=$1 corpus=$2 seconds=$3 work=$4
if [ ! -x "$fuzzer" ]; then
  echo "run_fuzzer: $fuzzer is not built (deploy/test.sh builds it with clang): skipped"
  exit 77
fi
rm -rf "$work/new"
mkdir -p "$work/new" "$work/artifacts"
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -error_exitcode=1 \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/new" "$corpus"
