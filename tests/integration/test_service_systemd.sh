#!/usr/bin/env bash
# test_service_systemd.sh — what a service tells systemd, with a real hcbus-broker and a
# notify socket of the test's own (no systemd needed): READY=1 once it listens,
# RELOADING=1 then READY=1 around a SIGHUP reload, STOPPING=1 at SIGTERM. Its log
# under journald (stderr is the stream JOURNAL_STREAM names): "<N>message" lines, N
# the syslog priority (6 info, 3 error), without a time of its own; with JOURNAL_STREAM
# naming another stream, or HCBUS_LOG_FORMAT=text, the usual line. A reload's outcome
# reaches the caller: `hcbus-broker --reload PID --reload-result FILE` (the unit's
# ExecReload) exits 0 for a good file, 1 naming file:line for a bad one (the old
# configuration stays in force: the broker still serves), 2 for a process that is gone.
source "${HCBUS_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/harness.sh"
source "$HC_SRC/tests/lib/bus.sh"
export LC_ALL=C
BROKER="$HC_BIN/services/broker/hcbus-broker"

mkdir -p "$HC_WORK/keys"
for name in broker auditd $HC_BUS_INSTITUTIONS; do
  "$HC_PROBE" keygen "$HC_WORK/keys" "$name" >/dev/null || hc_fail "keygen $name"
done
HC_AUDITD_CONNINFO="dbname=nowhere" hc_bus_write_config
conf="$HC_WORK/hcbus.conf"

# The notify socket: every datagram the broker sends, one per line (newlines as '|').
cat >"$HC_WORK/notify.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    print("BOUND", file=out)
    while True:
        out.write(s.recv(4096).decode().replace("\n", "|") + "\n")
PY
sock="$HC_WORK/notify.sock"
hc_start_bg notify python3 "$HC_WORK/notify.py" "$sock" "$HC_WORK/notify.txt"
hc_wait_for "the notify socket" 10 grep -q BOUND "$HC_WORK/notify.txt"

# The broker's stderr is a file; JOURNAL_STREAM names that file as systemd would
# name its stream ("dev:ino"), so the broker writes for the journal.
touch "$HC_WORK/broker.log"
stream="$(stat -c '%d:%i' "$HC_WORK/broker.log")"
result="$HC_WORK/reload-result"
NOTIFY_SOCKET="$sock" JOURNAL_STREAM="$stream" setsid "$BROKER" --config "$conf" --reload-result "$result" \
  >>"$HC_WORK/broker.log" 2>&1 &
pid=$!
hc_on_exit kill -KILL "$pid"
hc_wait_for "READY=1" 20 grep -q "^READY=1|STATUS=listening" "$HC_WORK/notify.txt"
hc_wait_for "the start's result" 10 grep -q "^$pid 0 ok started" "$result"
hc_assert_eq 600 "$(stat -c '%a' "$result")" "the reload result file is the service's alone (0600)"

# The journal format: "<6>listening: ...", no time of our own.
first=$(grep "listening" "$HC_WORK/broker.log" | head -1)
hc_assert_contains "$first" "<6>listening: publishers " "an info line carries priority 6"
case "$first" in "<6>"*) ;; *) hc_fail "the line does not start with its priority: $first" ;; esac
if grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$HC_WORK/broker.log"; then
  hc_fail "a line has a time of its own under journald: $(cat "$HC_WORK/broker.log")"
fi

# A good reload: exit 0, what was reloaded; RELOADING=1 then READY=1.
set +e
out=$("$BROKER" --reload "$pid" --reload-result "$result" 2>&1); rc=$?
set -e
hc_assert_eq 0 "$rc" "a good reload: exit 0 ($out)"
hc_assert_contains "$out" "configuration reloaded: 7 institutions" "the caller is told what was reloaded"
hc_wait_for "RELOADING=1 then READY=1" 10 grep -q "^READY=1|STATUS=7 institutions" "$HC_WORK/notify.txt"
grep -n "" "$HC_WORK/notify.txt" | grep -q "RELOADING=1" || hc_fail "no RELOADING=1: $(cat "$HC_WORK/notify.txt")"

# A bad file: exit 1, the error with file:line; the log line is an error (<3>).
cp "$conf" "$HC_WORK/good.conf"
sed -i 's/^  ack_timeout_ms = .*/  ack_timeout_ms = 8192000000;/' "$conf"
line=$(grep -n "ack_timeout_ms" "$conf" | head -1 | cut -d: -f1)
set +e
out=$("$BROKER" --reload "$pid" --reload-result "$result" 2>&1); rc=$?
set -e
hc_assert_eq 1 "$rc" "a refused reload: exit 1 ($out)"
hc_assert_contains "$out" "configuration reload refused, the old configuration stays in force" "the caller is told it was refused"
hc_assert_contains "$out" "$conf:$line broker.ack_timeout_ms: 8192000000 is out of range 1..600000" "and why, with file:line"
hc_wait_for "the refusal logged as an error" 10 grep -q "^<3>configuration reload refused" "$HC_WORK/broker.log"
kill -0 "$pid" || hc_fail "the broker stopped after a refused reload"

# Good again: exit 0.
cp "$HC_WORK/good.conf" "$conf"
set +e
out=$("$BROKER" --reload "$pid" --reload-result "$result" 2>&1); rc=$?
set -e
hc_assert_eq 0 "$rc" "the fixed file reloads: exit 0 ($out)"

# SIGTERM: STOPPING=1, and the process ends.
kill -TERM "$pid"
hc_wait_for "STOPPING=1" 20 grep -q "^STOPPING=1" "$HC_WORK/notify.txt"
hc_wait_for "the broker's exit" 20 bash -c "! kill -0 $pid 2>/dev/null"
wait "$pid" 2>/dev/null || true

# A process that is gone: exit 2, said so.
set +e
out=$("$BROKER" --reload "$pid" --reload-result "$result" 2>&1); rc=$?
set -e
hc_assert_eq 2 "$rc" "no such process: exit 2 ($out)"

# Not under journald: the usual line. JOURNAL_STREAM naming another stream is ignored;
# HCBUS_LOG_FORMAT=journal asks for the journal format anyway.
set +e
out=$(JOURNAL_STREAM=1:1 "$BROKER" --config "$HC_WORK/nowhere.conf" 2>&1)
jout=$(HCBUS_LOG_FORMAT=journal "$BROKER" --config "$HC_WORK/nowhere.conf" 2>&1)
set -e
printf '%s\n' "$out" | grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z hcbus-broker\[[0-9]+\] error: ' ||
  hc_fail "with another JOURNAL_STREAM the line is not the usual one: $out"
HC_CHECKS=$((HC_CHECKS + 1))
case "$jout" in "<3>"*) ;; *) hc_fail "HCBUS_LOG_FORMAT=journal: not '<3>...': $jout" ;; esac
HC_CHECKS=$((HC_CHECKS + 1))
hc_pass
