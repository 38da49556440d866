#!/usr/bin/env bash
# test_check_config.sh — `--check-config FILE` on hcbus-broker, hcbus-auditd,
# hcbus-coordinator and hcbus-report (like `nginx -t`): a valid deployment config is
# valid (exit 0) for each; a broken one gets every error at once, each naming
# file:line and the setting (exit 1), an integer that libconfig misreads
# (max_in_flight = 8192000000, 4294967296, 0x1FFFFFFFF) named as written with its
# range — also when the broker starts — and a missing key file named with the setting
# that points to it; a syntax error names its line. Nothing is bound: the check passes
# while the config's endpoints are in use. `--version` on every program prints the
# CMake project version.
source "${HCBUS_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/harness.sh"
source "$HC_SRC/tests/lib/bus.sh"
export LC_ALL=C

BROKER="$HC_BIN/services/broker/hcbus-broker"
AUDITD="$HC_BIN/services/auditd/hcbus-auditd"
COORD="$HC_BIN/services/coordinator/hcbus-coordinator"
REPORT="$HC_BIN/services/report/hcbus-report"
[ -x "$REPORT" ] || { hc_log "SKIP: hcbus-report is not built"; exit 77; }

# Keys and the tests' config, without PostgreSQL (nothing connects).
mkdir -p "$HC_WORK/keys"
for name in broker auditd $HC_BUS_INSTITUTIONS; do
  "$HC_PROBE" keygen "$HC_WORK/keys" "$name" >/dev/null || hc_fail "keygen $name"
done
head -c 32 /dev/urandom >"$HC_WORK/keys/report.secret"
chmod 0600 "$HC_WORK/keys/report.secret"
HC_AUDITD_CONNINFO="dbname=nowhere" hc_bus_write_config
conf="$HC_WORK/hcbus.conf"
# The report section (before institutions, which the file must end with).
python3 - "$conf" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("institutions = (", """report = {
  institution = "webform";
  secret_key_file = "keys/webform.key";
  broker_public_key_file = "keys/broker.pub";
  secret_file = "keys/report.secret";
};
institutions = (""", 1)
open(p, "w").write(s)
PY

check() { # PROGRAM ARGS...: run, keep stdout+stderr in $out and the status in $rc
  set +e
  out=$("$@" 2>&1)
  rc=$?
  set -e
}

# 1. The valid file: each service says so, exit 0.
for prog in "$BROKER" "$COORD" "$REPORT"; do
  check "$prog" --check-config "$conf"
  hc_assert_eq 0 "$rc" "$(basename "$prog") --check-config on a valid file: exit 0 ($out)"
  hc_assert_contains "$out" "is valid" "$(basename "$prog") says the file is valid"
done
check "$AUDITD" --check-config "$conf" --broker-key "$HC_WORK/keys/broker.pub"
hc_assert_eq 0 "$rc" "hcbus-auditd --check-config on a valid file: exit 0 ($out)"

# 2. Nothing is bound: the broker's endpoints in use by a running broker do not matter.
hc_start_bg broker "$BROKER" --config "$conf"
hc_wait_for "the broker listening" 20 grep -q "listening\|ready" "$HC_WORK/broker.log"
check "$BROKER" --check-config "$conf"
hc_assert_eq 0 "$rc" "--check-config while the broker runs on the same endpoints: exit 0 ($out)"
hc_kill broker

# 3. A broken file: every error at once, each with file:line and the setting.
bad="$HC_WORK/bad.conf"
python3 - "$conf" "$bad" <<'PY'
import sys
s = open(sys.argv[1]).read()
s = s.replace("  max_in_flight = 8192;", "  max_in_flight = 8192000000;")
s = s.replace("  subscriber_queue_max = 10000;", "  subscriber_queue_max = 4294967296;\n  colour = \"blue\";")
s = s.replace("  batch_max_rows = 1000;", "  batch_max_rows = 0x1FFFFFFFF;")
s = s.replace("  batch_max_delay_ms = 0;", "  batch_max_delay_ms = true;")
s = s.replace("  accept_within_s = 300;", "  accept_within_s = 0;")
s = s.replace('"keys/sem.pub"', '"keys/missing.pub"')
open(sys.argv[2], "w").write(s)
PY
line_of() { grep -n "$1" "$bad" | head -1 | cut -d: -f1; }
check "$BROKER" --check-config "$bad"
hc_assert_eq 1 "$rc" "a broken file: exit 1"
hc_assert_contains "$out" "$bad:$(line_of 'max_in_flight') broker.max_in_flight: 8192000000 is out of range 1..10000000" \
  "the overflowing max_in_flight as written, with file:line and its range"
hc_assert_contains "$out" "$bad:$(line_of 'subscriber_queue_max =') broker.subscriber_queue_max: 4294967296 is out of range" \
  "4294967296 (libconfig would make it 0) named as written"
hc_assert_contains "$out" "$bad:$(line_of 'colour') broker.colour: unknown setting broker.colour" "the unknown setting"
hc_assert_contains "$out" "$bad:$(line_of 'batch_max_rows') auditd.batch_max_rows: 0x1FFFFFFFF is out of range 1..100000" \
  "a hex literal past 32 bits, as written"
hc_assert_contains "$out" "auditd.batch_max_delay_ms: must be an integer, not a boolean" "the wrong type"
hc_assert_contains "$out" "$bad:$(line_of 'accept_within_s') coordinator.accept_within_s: 0 is out of range 1..86400" \
  "an error in the coordinator section too"
hc_assert_contains "$out" "institutions[1].public_key_files[0]: key file" "the missing key file of an institution"
hc_assert_contains "$out" "errors found: 7" "seven errors, all reported in one run"
if printf '%s\n' "$out" | grep -q -- "-397934592\|is out of range 1..10000000.*-"; then
  hc_fail "the number libconfig made of 8192000000 was shown: $out"
fi

# 4. Starting the broker with the overflow alone: refused, named as written, exit 2.
sed 's/^  max_in_flight = .*/  max_in_flight = 8192000000;/' "$conf" >"$HC_WORK/big.conf"
check "$BROKER" --config "$HC_WORK/big.conf"
hc_assert_eq 2 "$rc" "the broker refuses to start on the broken file: exit 2"
hc_assert_contains "$out" "8192000000 is out of range 1..10000000" "and names the value as written"

# 5. A missing key file is named with the setting that points to it.
sed 's|keys/broker.key|keys/gone.key|' "$conf" >"$HC_WORK/nokey.conf"
check "$BROKER" --check-config "$HC_WORK/nokey.conf"
hc_assert_eq 1 "$rc" "a missing broker key: exit 1"
hc_assert_contains "$out" "broker.secret_key_file: cannot open key file" "the key file, with its setting"
check "$AUDITD" --check-config "$conf"
hc_assert_eq 1 "$rc" "auditd without --broker-key: exit 1"
hc_assert_contains "$out" "--broker-key" "it asks for the broker's key, as a start would"
sed 's|keys/report.secret|keys/gone.secret|' "$conf" >"$HC_WORK/nosecret.conf"
check "$REPORT" --check-config "$HC_WORK/nosecret.conf"
hc_assert_eq 1 "$rc" "hcbus-report with a missing secret: exit 1"
hc_assert_contains "$out" "report.secret_file:" "the secret named with its setting"

# 6. A syntax error: libconfig stops there; its line is named.
printf 'broker = {\n  secret_key_file = "keys/broker.key";\n  max_in_flight = = 1;\n};\n' >"$HC_WORK/syntax.conf"
check "$COORD" --check-config "$HC_WORK/syntax.conf"
hc_assert_eq 1 "$rc" "a syntax error: exit 1"
hc_assert_contains "$out" "$HC_WORK/syntax.conf:3" "the syntax error's line"

# 7. --version everywhere, from the CMake project version.
version=$(sed -n 's/^project(hcbus VERSION \([0-9.]*\).*/\1/p' "$HC_SRC/CMakeLists.txt")
[ -n "$version" ] || hc_fail "no version in CMakeLists.txt"
for prog in "$BROKER" "$AUDITD" "$COORD" "$REPORT" "$HC_CLI"; do
  check "$prog" --version
  hc_assert_eq 0 "$rc" "$(basename "$prog") --version: exit 0"
  hc_assert_eq "$(basename "$prog") $version" "$out" "$(basename "$prog") --version prints the project version"
done
hc_pass
