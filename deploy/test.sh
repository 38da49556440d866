#!/usr/bin/env bash
# deploy/test.sh — the test command: installs what hcbus needs (Debian packages), builds
# it with AddressSanitizer and UndefinedBehaviorSanitizer, and runs every test (unit
# tests and real-process integration tests against a private PostgreSQL).
#   deploy/test.sh [ctest args...]      e.g. deploy/test.sh -R codec
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${HCBUS_TEST_BUILD_DIR:-$root/build-asan}

HCBUS_BUILD_DIR=$build "$here/install.sh" -DHCBUS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug

# libzmq and libpq are not built with ASan; their allocations are not ours to report.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$build"
ctest --output-on-failure --timeout 600 -j2 "$@"
