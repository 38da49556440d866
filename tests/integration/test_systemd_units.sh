#!/usr/bin/env bash
# test_systemd_units.sh — the units of a system-wide install (deploy/systemd): each of
# hcbus-broker, hcbus-auditd, hcbus-coordinator and hcbus-report passes
# `systemd-analyze verify` (the programs' paths pointed at this build) and is rated
# below 3.0 by `systemd-analyze security --offline=yes`, and so is
# hcbus-report-nginx (verified too when nginx is installed); each hcbus unit is Type=notify, stops
# instead of restarting on a configuration error (RestartPreventExitStatus=2), and the
# broker's and coordinator's reloads wait for their outcome (ExecReload=... --reload).
# Skipped (77) when systemd-analyze is not installed.
source "${HCBUS_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/harness.sh"
export LC_ALL=C

command -v systemd-analyze >/dev/null || { hc_log "SKIP: systemd-analyze is not installed (package systemd)"; exit 77; }
THRESHOLD=3.0
units="broker auditd coordinator report"

mkdir -p "$HC_WORK/units"
for u in $units; do
  unit="$HC_SRC/deploy/systemd/hcbus-$u.service"
  [ -f "$unit" ] || hc_fail "missing $unit"
  # verify needs the programs where the unit says: point it at this build's.
  sed "s|/usr/local/bin/hcbus-$u|$HC_BIN/services/$u/hcbus-$u|g" "$unit" >"$HC_WORK/units/hcbus-$u.service"
done
set +e
out=$(cd "$HC_WORK/units" && systemd-analyze verify hcbus-*.service 2>&1)
rc=$?
set -e
hc_assert_eq 0 "$rc" "systemd-analyze verify passes on every unit ($out)"
[ -z "$out" ] || hc_fail "systemd-analyze verify warned: $out"

for u in $units; do
  unit="$HC_SRC/deploy/systemd/hcbus-$u.service"
  line=$(systemd-analyze security --offline=yes "$unit" 2>&1 | grep "Overall exposure level" || true)
  score=$(printf '%s\n' "$line" | sed -n 's/.*: \([0-9][0-9.]*\) .*/\1/p')
  [ -n "$score" ] || hc_fail "no exposure level for hcbus-$u: $line"
  awk -v s="$score" -v t="$THRESHOLD" 'BEGIN { exit !(s < t) }' ||
    hc_fail "hcbus-$u.service is rated $score, not below $THRESHOLD: $(systemd-analyze security --offline=yes "$unit" 2>&1 | grep '✗')"
  hc_log "hcbus-$u.service: exposure $score"
  grep -qx "Type=notify" "$unit" || hc_fail "hcbus-$u.service is not Type=notify"
  grep -qx "RestartPreventExitStatus=2" "$unit" || hc_fail "hcbus-$u.service restarts on a configuration error"
  HC_CHECKS=$((HC_CHECKS + 3))
done
# nginx in front of hcbus-report: its master runs as root, hardened all the same.
nginx_unit="$HC_SRC/deploy/systemd/hcbus-report-nginx.service"
line=$(systemd-analyze security --offline=yes "$nginx_unit" 2>&1 | grep "Overall exposure level" || true)
score=$(printf '%s\n' "$line" | sed -n 's/.*: \([0-9][0-9.]*\) .*/\1/p')
awk -v s="${score:-99}" -v t="$THRESHOLD" 'BEGIN { exit !(s < t) }' ||
  hc_fail "hcbus-report-nginx.service is rated ${score:-?}, not below $THRESHOLD: $line"
HC_CHECKS=$((HC_CHECKS + 1))
if [ -x /usr/sbin/nginx ]; then
  set +e
  out=$(systemd-analyze verify "$nginx_unit" 2>&1)
  rc=$?
  set -e
  hc_assert_eq 0 "$rc" "systemd-analyze verify passes on hcbus-report-nginx ($out)"
fi

for u in broker coordinator; do
  unit="$HC_SRC/deploy/systemd/hcbus-$u.service"
  grep -q "^ExecReload=/usr/local/bin/hcbus-$u --reload \$MAINPID --reload-result /run/hcbus-$u/reload-result$" "$unit" ||
    hc_fail "hcbus-$u.service: ExecReload does not wait for the reload's outcome"
  grep -q "^ExecStart=.* --reload-result /run/hcbus-$u/reload-result$" "$unit" ||
    hc_fail "hcbus-$u.service: ExecStart does not write the reload result where ExecReload reads it"
  grep -qx "RuntimeDirectory=hcbus-$u" "$unit" || hc_fail "hcbus-$u.service: no RuntimeDirectory for the result"
  HC_CHECKS=$((HC_CHECKS + 3))
done
hc_pass
