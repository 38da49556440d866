#!/usr/bin/env bash
# test_coordinator_reload_result.sh — hcbus-coordinator under a notify socket of the
# test's own and with --reload-result, as its unit runs it: READY=1 only once it has
# replayed the log and gone live (not at exec), and `hcbus-coordinator --reload PID
# --reload-result FILE` (the unit's ExecReload) tells the caller each reload's outcome:
# 0 for new institutions, 1 for a file that does not parse and for a changed rule time
# (which only a restart applies), each with its reason; RELOADING=1/READY=1 around
# each; STOPPING=1 at SIGTERM.
source "${HCBUS_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/harness.sh"
source "$HC_SRC/tests/lib/bus.sh"
export LC_ALL=C
WAIT_S=60

hc_bus_setup
hc_bus_start
CONF=$HC_WORK/hcbus.conf
# A few messages for the coordinator to replay before it is live.
hc_probe publish --key "$(hc_key minsal)" --count 5 --msg-prefix z >"$HC_WORK/p.out" || hc_fail "publish"

cat >"$HC_WORK/notify.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    print("BOUND", file=out)
    while True:
        out.write(s.recv(4096).decode().replace("\n", "|") + "\n")
PY
sock=$HC_WORK/notify.sock
NOTIFY=$HC_WORK/notify.txt
hc_start_bg notify python3 "$HC_WORK/notify.py" "$sock" "$NOTIFY"
hc_wait_for "the notify socket" 10 grep -q BOUND "$NOTIFY"

RESULT=$HC_WORK/reload-result
NOTIFY_SOCKET=$sock hc_start_bg coordinator "$HC_COORDINATOR" --config "$CONF" --reload-result "$RESULT"
pid=$(hc_pid coordinator)
hc_wait_for "READY=1 once live" "$WAIT_S" grep -q "^READY=1|STATUS=caught up, live" "$NOTIFY"
grep -q ' caught up: ' "$HC_WORK/coordinator.log" || hc_fail "READY=1 came before the replay was done"
HC_CHECKS=$((HC_CHECKS + 1))

reload() {
  set +e
  out=$("$HC_COORDINATOR" --reload "$pid" --reload-result "$RESULT" 2>&1)
  rc=$?
  set -e
}

cp "$CONF" "$HC_WORK/good.conf"
echo "this is not libconfig" >>"$CONF"
reload
hc_assert_eq 1 "$rc" "a file that does not parse: exit 1 ($out)"
hc_assert_contains "$out" "configuration reload refused, the old configuration stays in force" "refused, said so"
hc_assert_contains "$out" "cannot parse the file" "with the reason"

sed 's|accept_within_s = [0-9]*;|accept_within_s = 7;|' "$HC_WORK/good.conf" >"$CONF"
reload
hc_assert_eq 1 "$rc" "a changed rule time: exit 1 ($out)"
hc_assert_contains "$out" "coordinator.accept_within_s changed, which only a restart of hcbus-coordinator applies" \
  "the setting that needs a restart is named"

cp "$HC_WORK/good.conf" "$CONF"
"$HC_PROBE" keygen "$HC_WORK/keys" pnc-ss >/dev/null || hc_fail "keygen pnc-ss"
sed -i 's|^);$|, { id = "pnc-ss"; name = "PNC San Salvador"; roles = ["police"]; public_key_files = ["keys/pnc-ss.pub"]; }\n);|' "$CONF"
count=$(grep -c '{ id = ' "$CONF")
reload
hc_assert_eq 0 "$rc" "new institutions: exit 0 ($out)"
hc_assert_contains "$out" "configuration reloaded: $count institutions" "the caller is told what was reloaded"
# The datagrams come in order: once the last READY=1 is read, every RELOADING=1 is too.
hc_wait_for "READY=1 after the last reload" 10 grep -q "^READY=1|STATUS=$count institutions" "$NOTIFY"
[ "$(grep -c '^RELOADING=1' "$NOTIFY")" -eq 3 ] || hc_fail "not one RELOADING=1 per reload: $(cat "$NOTIFY")"
HC_CHECKS=$((HC_CHECKS + 1))

kill -TERM "$pid"
hc_wait_for "STOPPING=1" "$WAIT_S" grep -q "^STOPPING=1" "$NOTIFY"
rc=0; wait "$pid" || rc=$?
unset "HC_PIDS[coordinator]"
hc_assert_eq 0 "$rc" "the coordinator stops cleanly"
hc_pass
