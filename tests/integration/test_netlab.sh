#!/usr/bin/env bash
# test_netlab.sh — the network lab itself (tests/lib/netlab.sh + tests/tools/linkem.c):
# two namespaces joined by a linkem wire. Delay shows in ping's round trip (≥ 2 × delay),
# loss stays within statistical bounds over many pings and the counters add up, a cut
# wire answers nothing and a healed one answers again, a TCP transfer over 30 % loss
# each way arrives intact, jitter never reorders, the queue bounds hold and are
# counted, a rate limit slows TCP down to it, settings change at run time (both ways or
# one), bad settings are refused with a message naming them, and a failed test leaves
# nothing behind. The namespaces and linkem processes are gone at exit.
source "${HCBUS_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/harness.sh"
source "$HC_SRC/tests/lib/netlab.sh"
netlab_require
command -v ping >/dev/null || { hc_log "SKIP: no ping (Debian iputils-ping)"; exit 77; }
command -v python3 >/dev/null || { hc_log "SKIP: no python3"; exit 77; }

netlab_ns site_a
netlab_ns site_b
hc_assert_eq "nl$$-site_a" "$(netlab_nsname site_a)" "the real namespace name carries the test's pid"
netlab_wire site_a 10.99.0.1/30 site_b 10.99.0.2/30 40 0
hc_assert_eq site_a-site_b "$NETLAB_WIRE" "the wire is named after its ends"
W=$NETLAB_WIRE

# 1. Delay: every round trip crosses the wire twice, so it takes at least 2 × 40 ms.
out=$(netlab_exec site_a ping -n -c 5 -i 0.2 -W 5 10.99.0.2) || hc_fail "ping over a 40 ms wire failed: $out"
min_rtt=$(sed -n 's|^rtt min/avg/max/mdev = \([0-9.]*\)/.*|\1|p' <<<"$out")
hc_log "40 ms each way: ping rtt min ${min_rtt} ms"
hc_assert_eq 1 "$(awk -v r="$min_rtt" 'BEGIN{print (r >= 80) ? 1 : 0}')" "ping rtt ($min_rtt ms) >= 2 x 40 ms"

# 2. Delay changed at run time: 100 ms each way.
netlab_set "$W" 100 0
out=$(netlab_exec site_a ping -n -c 2 -i 0.2 -W 5 10.99.0.2) || hc_fail "ping over a 100 ms wire failed: $out"
min_rtt=$(sed -n 's|^rtt min/avg/max/mdev = \([0-9.]*\)/.*|\1|p' <<<"$out")
hc_assert_eq 1 "$(awk -v r="$min_rtt" 'BEGIN{print (r >= 200) ? 1 : 0}')" "after netlab_set 100 ms: rtt ($min_rtt ms) >= 200 ms"

# 3. Loss: 20 % each way, so a ping comes back with probability 0.8² = 0.64. Over 400
# pings the replies are 256 ± 9.6 (one standard deviation); the bounds are ±7 of them,
# so this fails by chance less than once in 10^11 runs, not on a slow machine.
netlab_set "$W" 1 20
netlab_ctl "$W" reset >/dev/null
out=$(netlab_exec site_a ping -n -q -c 400 -i 0.005 -W 2 10.99.0.2 || true)
received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$out")
hc_log "20 % loss each way: $received of 400 pings answered (expected 256)"
hc_assert_eq 1 "$(( received >= 189 && received <= 323 ))" "replies within bounds at 20 % loss ($received of 400)"
# The counters add up: what came in either went out, was lost, or is still queued.
counters_add_up() {
  local stats d in sum
  stats=$(netlab_stats "$W")
  for d in a2b b2a; do
    in=$(sed -n "s/^${d}_in_packets=//p" <<<"$stats")
    sum=$(awk -F= -v d="$d" '$1==d"_out_packets"||$1==d"_lost"||$1==d"_cut"||$1==d"_queue_full"||$1==d"_write_errors"||$1==d"_queued_packets"{s+=$2} END{print s}' <<<"$stats")
    hc_assert_eq "$in" "$sum" "$d ($1): in = out + lost + cut + queue_full + write_errors + queued"
  done
}
counters_add_up "after loss"
lost=$(netlab_stat "$W" a2b_lost)
hc_assert_eq 1 "$(( lost > 0 ))" "linkem counted lost packets ($lost)"

# 4. Cut: nothing answers; heal: answers again.
netlab_set "$W" 1 0
netlab_cut "$W"
out=$(netlab_exec site_a ping -n -q -c 5 -i 0.2 -W 1 10.99.0.2 || true)
hc_assert_contains "$out" " 0 received" "a cut wire answers no ping"
hc_assert_eq 1 "$(( $(netlab_stat "$W" a2b_cut) >= 5 ))" "the cut pings were counted as cut"
netlab_heal "$W"
hc_wait_for "ping answered after heal" 10 netlab_exec site_a ping -n -c 1 -W 1 10.99.0.2
# Signals cut and heal too (SIGUSR1 / SIGUSR2).
kill -USR1 "$(netlab_wire_pid "$W")"
hc_wait_for "cut by SIGUSR1" 10 sh -c "'$NETLAB_LINKEM' ctl '$(netlab_wire_ctl "$W")' get | grep 'a2b_cut=1' | grep -q 'b2a_cut=1'"
kill -USR2 "$(netlab_wire_pid "$W")"
hc_wait_for "healed by SIGUSR2" 10 sh -c "'$NETLAB_LINKEM' ctl '$(netlab_wire_ctl "$W")' get | grep 'a2b_cut=0' | grep -q 'b2a_cut=0'"
# A one-way cut: the requests cross (a2b), the answers are dropped (b2a).
netlab_ctl "$W" reset >/dev/null
netlab_cut "$W" b2a
out=$(netlab_exec site_a ping -n -q -c 3 -i 0.2 -W 1 10.99.0.2 || true)
hc_assert_contains "$out" " 0 received" "no answer through a wire cut on the way back"
hc_assert_eq 3 "$(netlab_stat "$W" a2b_out_packets)" "the 3 requests crossed the way that is not cut"
hc_assert_eq 3 "$(netlab_stat "$W" b2a_cut)" "the 3 answers were dropped by the cut"
netlab_heal "$W" b2a
hc_wait_for "ping answered after the one-way heal" 10 netlab_exec site_a ping -n -c 1 -W 1 10.99.0.2
counters_add_up "after the cuts"

# Jitter: 20 ms + 0..60 ms each way. Round trips spread, but a direction never reorders:
# the answers to 40 pings sent 10 ms apart arrive in the order sent.
netlab_set "$W" 20 0 60
out=$(netlab_exec site_a ping -n -c 40 -i 0.01 -W 5 10.99.0.2) || hc_fail "ping with jitter failed: $out"
order=$(sed -n 's/.*icmp_seq=\([0-9]*\) .*/\1/p' <<<"$out" | tr '\n' ' ')
hc_assert_eq "$(seq -s ' ' 1 40) " "$order" "with jitter the answers come in the order sent"
read -r min_rtt max_rtt < <(sed -n 's|^rtt min/avg/max/mdev = \([0-9.]*\)/[0-9.]*/\([0-9.]*\)/.*|\1 \2|p' <<<"$out")
hc_log "20 ms + 0..60 ms jitter each way: rtt min ${min_rtt} ms, max ${max_rtt} ms"
hc_assert_eq 1 "$(awk -v a="$min_rtt" -v b="$max_rtt" 'BEGIN{print (a >= 40 && b - a >= 10) ? 1 : 0}')" \
  "with jitter, rtt >= 40 ms and spread >= 10 ms (min $min_rtt, max $max_rtt)"

# Bounded queues: 5 s of delay (so that even a slow machine sends more than fits before
# the first leaves) and room for 5 packets. 30 pings sent 5 ms apart: 5 wait on the
# wire, the rest are dropped at the tail and counted. Then a 64 KiB byte bound with
# 1428-byte packets. The peaks never pass the bounds.
netlab_set "$W" 5000 0 0
netlab_ctl "$W" set queue_packets=5 >/dev/null
netlab_ctl "$W" reset >/dev/null
out=$(netlab_exec site_a ping -n -q -c 30 -i 0.005 -W 3 10.99.0.2 || true)
hc_assert_eq 5 "$(netlab_stat "$W" a2b_queue_peak_packets)" "the queue held at most 5 packets"
full=$(netlab_stat "$W" a2b_queue_full)
hc_log "queue of 5 packets under 30 pings 5 ms apart: $full dropped at the tail; ping: $(grep -o '[0-9]* received' <<<"$out")"
hc_assert_eq 1 "$(( full > 0 ))" "packets beyond the queue bound were dropped and counted ($full)"
netlab_ctl "$W" set queue_packets=10000 queue_bytes=65536 >/dev/null
netlab_ctl "$W" reset >/dev/null
netlab_exec site_a ping -n -q -s 1400 -c 100 -i 0.005 -W 3 10.99.0.2 >/dev/null || true
peak=$(netlab_stat "$W" a2b_queue_peak_bytes)
full=$(netlab_stat "$W" a2b_queue_full)
hc_log "queue of 64 KiB under 100 x 1428-byte pings: peak $peak bytes, $full dropped at the tail"
hc_assert_eq 1 "$(( peak <= 65536 && peak > 60000 ))" "the queue filled up to, never past, 65536 bytes ($peak)"
hc_assert_eq 1 "$(( full > 0 ))" "packets beyond the byte bound were dropped and counted ($full)"
counters_add_up "after the queue bounds"
netlab_ctl "$W" set queue_packets=10000 queue_bytes=16777216 >/dev/null

# 5. A TCP transfer over 30 % loss each way (and 5 ms delay) arrives intact: real
# retransmissions through the emulator. A retransmission crosses with probability
# 0.7 x 0.7 (segment and ack); Linux doubles its timeout after each failure, up to 120 s
# by default, so a run of bad luck could stall the transfer for minutes: the test caps
# the timeout at 1 s in both namespaces (net.ipv4.tcp_rto_max_ms, Linux >= 6.15; per
# namespace) and the client retries its connect until the deadline. Without the
# sysctl the transfer is smaller.
netlab_set "$W" 5 30
size=262144
for ns in site_a site_b; do
  if ! netlab_exec "$ns" sysctl -qw net.ipv4.tcp_rto_max_ms=1000 2>/dev/null; then
    size=32768
    hc_log "no net.ipv4.tcp_rto_max_ms on this kernel: TCP transfer of $size bytes"
  fi
  netlab_exec "$ns" sysctl -qw net.ipv4.tcp_syn_retries=20
done
# tcp_transfer NAME SIZE: SIZE random bytes from site_a to site_b over TCP; fails the
# test unless they arrive intact; XFER_MS is how long it took (connect to last ack).
tcp_transfer() {
  local name=$1 size=$2 t0
  head -c "$size" /dev/urandom >"$HC_WORK/$name.sent"
  netlab_start_bg "sink_$name" site_b python3 -c '
import os, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.99.0.2", 7788)); s.listen(8)
open(sys.argv[1] + ".listening", "w").close()
while True:
    c, _ = s.accept()
    data = bytearray()
    while True:
        b = c.recv(65536)
        if not b: break
        data += b
    if len(data) == 0: continue   # a connection whose client gave up before sending
    with open(sys.argv[1] + ".part", "wb") as f: f.write(data)
    os.rename(sys.argv[1] + ".part", sys.argv[1])
    c.close()
    break
' "$HC_WORK/$name.received"
  hc_wait_for "the TCP sink listening" 20 test -e "$HC_WORK/$name.received.listening"
  t0=$(date +%s%N)
  netlab_exec site_a timeout 170 python3 -c '
import socket, sys, time
data = open(sys.argv[1], "rb").read()
deadline = time.monotonic() + 150
while True:
    try:
        s = socket.create_connection(("10.99.0.2", 7788), timeout=30)
        break
    except OSError as e:
        if time.monotonic() > deadline: raise
        print("connect:", e, "- again", file=sys.stderr)
s.settimeout(None)
s.sendall(data); s.shutdown(socket.SHUT_WR)
s.recv(1)
' "$HC_WORK/$name.sent" || hc_fail "the TCP transfer $name did not complete in 150 s; wire: $(netlab_stats "$W" | tr '\n' ' '); sockets in site_a: $(netlab_exec site_a ss -tin 2>&1 | tr '\n' ' '); in site_b: $(netlab_exec site_b ss -tin 2>&1 | tr '\n' ' ')"
  XFER_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
  hc_wait_for "the whole file at the sink" 60 test -e "$HC_WORK/$name.received"
  hc_assert_eq "$(sha256sum <"$HC_WORK/$name.sent")" "$(sha256sum <"$HC_WORK/$name.received")" "$name: the file arrived intact"
  hc_kill "sink_$name"
}
tcp_transfer lossy "$size"
hc_log "$size bytes over TCP through 30 % loss each way: $XFER_MS ms, $(netlab_stat "$W" a2b_lost) packets lost a->b"
hc_assert_eq 1 "$(( $(netlab_stat "$W" a2b_lost) > 0 ))" "packets were lost on the way"

# A rate limit: 800 kbit/s each way, no loss. 200 KiB take at least 204800 x 8 / 800000
# = 2.05 s on the wire (more with the headers): the transfer cannot be faster; the
# queue shows packets waiting their turn.
netlab_ctl "$W" set delay_ms=1 loss_pct=0 rate_kbit=800 >/dev/null
netlab_ctl "$W" reset >/dev/null
tcp_transfer slow 204800
hc_log "200 KiB over TCP at 800 kbit/s: $XFER_MS ms (at least 2048 by the rate), queue peak $(netlab_stat "$W" a2b_queue_peak_packets) packets"
hc_assert_eq 1 "$(( XFER_MS >= 2048 ))" "200 KiB at 800 kbit/s took at least 2048 ms ($XFER_MS)"
hc_assert_eq 1 "$(( $(netlab_stat "$W" a2b_queue_peak_packets) > 1 ))" "packets queued behind the rate limit"
netlab_ctl "$W" set rate_kbit=0 >/dev/null
counters_add_up "after the transfers"

# 6. Bad settings are refused, naming what was wrong, and change nothing.
netlab_set "$W" 7 0
err=$("$NETLAB_LINKEM" ctl "$(netlab_wire_ctl "$W")" set loss_pct=140 2>&1) && hc_fail "loss_pct=140 accepted: $err"
hc_assert_contains "$err" "loss_pct must be a number from 0 to 100" "a bad loss is refused by name"
err=$("$NETLAB_LINKEM" ctl "$(netlab_wire_ctl "$W")" set delay_ms=5 colour=red 2>&1) && hc_fail "an unknown key accepted: $err"
hc_assert_contains "$err" "unknown key 'colour'" "an unknown key is refused by name"
hc_assert_contains "$("$NETLAB_LINKEM" ctl "$(netlab_wire_ctl "$W")" get)" "a2b_delay_ms=7 " "a refused set changed nothing"
err=$("$NETLAB_LINKEM" ctl "$(netlab_wire_ctl "$W")" cut sideways 2>&1) && hc_fail "cut sideways accepted: $err"
hc_assert_contains "$err" "cut takes a2b, b2a or nothing, not 'sideways'" "a bad direction is refused by name"
# One direction only: a2b slower than b2a.
netlab_set "$W" 30 0 0 a2b
got=$("$NETLAB_LINKEM" ctl "$(netlab_wire_ctl "$W")" get)
hc_assert_contains "$got" "a2b_delay_ms=30 " "set a2b changed a2b"
hc_assert_contains "$got" "b2a_delay_ms=7 " "set a2b left b2a alone"
err=$("$NETLAB_LINKEM" ctl "$(netlab_wire_ctl "$W")" launch 2>&1) && hc_fail "an unknown command accepted: $err"
hc_assert_contains "$err" "unknown command 'launch'" "an unknown command is refused by name"

# 7. A child test that makes its namespaces and wire inside $(...), runs a process in
# a namespace through hc_start_bg + the netlab_exec program, and fails: at its exit
# nothing of it is left (no namespace, no linkem, no process, no device).
cat >"$HC_WORK/child.sh" <<'EOF'
source "$HC_SRC/tests/lib/harness.sh"
source "$HC_SRC/tests/lib/netlab.sh"
A=$(netlab_ns c_a)
B=$(netlab_ns c_b)
WIRE=$(netlab_wire "$A" 10.99.1.1/30 "$B" 10.99.1.2/30 5 0)
echo "wire=$WIRE real=$(netlab_nsname "$A") linkem=$(netlab_wire_pid "$WIRE")" >"$1"
hc_start_bg sleeper netlab_exec "$B" sleep 600
netlab_exec "$A" sh -c 'sleep 600 & echo $! >"$0"' "$1.orphan"   # not the harness's: left in c_a
netlab_exec "$A" ping -n -c 1 -W 5 10.99.1.2 >/dev/null || hc_fail "child: no ping over its wire"
hc_wait_for "sleeper in c_b" 10 sh -c "ip netns pids '$(netlab_nsname "$B")' | grep -q ."
echo "pids_b=$(ip netns pids "$(netlab_nsname "$B")" | tr '\n' ' ')" >>"$1"
hc_fail "failing on purpose (test_netlab checks the cleanup)"
EOF
HCBUS_SOURCE_DIR=$HC_SRC HCBUS_BINARY_DIR=$HC_BIN NETLAB_LINKEM=$NETLAB_LINKEM \
  bash "$HC_WORK/child.sh" "$HC_WORK/child.out" >"$HC_WORK/child.log" 2>&1 && hc_fail "the child test passed"
child=$(cat "$HC_WORK/child.out")
# Gone or a zombie (dead, its parent not yet told): not running any more.
running() { ps -o stat= -p "$1" 2>/dev/null | grep -qv '^Z'; }
hc_assert_contains "$child" "wire=c_a-c_b " "the wire's name printed inside \$(...)"
child_real=$(sed -n 's/.* real=\([^ ]*\) .*/\1/p' <<<"$child")
child_linkem=$(sed -n 's/.* linkem=\([0-9]*\).*/\1/p' <<<"$child")
child_pids=$(sed -n 's/^pids_b=//p' <<<"$child")
[ -n "$child_real" ] && [ -n "$child_linkem" ] && [ -n "$child_pids" ] || hc_fail "the child did not say what it made: $child"
hc_assert_eq "" "$(ip netns list | grep -F "${child_real%c_a}" || true)" "no namespace of the failed child is left"
hc_assert_eq 1 "$(running "$child_linkem" && echo 0 || echo 1)" "the failed child's linkem is gone"
for pid in $child_pids $(cat "$HC_WORK/child.out.orphan"); do
  hc_assert_eq 1 "$(running "$pid" && echo 0 || echo 1)" "the failed child's process $pid in its namespaces is gone"
done
child_dev=${child_real%-c_a}      # nl<pid>: the prefix of its devices too
hc_assert_eq "" "$(ip -o link show | grep -F "$child_dev" || true)" "no device of the failed child is left"

# A test killed with -9 cannot clean up: its linkem stops by itself (--watch-pid), and
# the next netlab test removes its namespaces, now empty.
cat >"$HC_WORK/killed.sh" <<'EOF'
source "$HC_SRC/tests/lib/harness.sh"
source "$HC_SRC/tests/lib/netlab.sh"
netlab_ns k_a
netlab_ns k_b
netlab_wire k_a 10.99.2.1/30 k_b 10.99.2.2/30 5 0
echo "real=$(netlab_nsname k_a) linkem=$(netlab_wire_pid k_a-k_b)" >"$1.part"
mv "$1.part" "$1"
exec sleep 600     # this very process (the pid linkem watches) waits to be killed
EOF
HCBUS_SOURCE_DIR=$HC_SRC HCBUS_BINARY_DIR=$HC_BIN NETLAB_LINKEM=$NETLAB_LINKEM \
  bash "$HC_WORK/killed.sh" "$HC_WORK/killed.out" >"$HC_WORK/killed.log" 2>&1 &
killed_pid=$!
hc_wait_for "the child to make its wire" 20 test -e "$HC_WORK/killed.out"
killed=$(cat "$HC_WORK/killed.out")
killed_real=$(sed -n 's/^real=\([^ ]*\) .*/\1/p' <<<"$killed")
killed_linkem=$(sed -n 's/.* linkem=\([0-9]*\)$/\1/p' <<<"$killed")
kill -KILL "$killed_pid"
wait "$killed_pid" 2>/dev/null || true
hc_wait_for "the killed test's linkem to stop by itself" 10 sh -c "! ps -o stat= -p $killed_linkem | grep -qv '^Z'"
_netlab_sweep
hc_assert_eq "" "$(ip netns list | grep -F "${killed_real%k_a}" || true)" "the killed test's namespaces were swept"

# 8. The root namespace as one end, a second wire from the same namespace.
sub=$((($$ % 250) + 1))
netlab_wire root "10.98.$sub.1/30" site_b "10.98.$sub.2/30" 10 0
hc_assert_eq root-site_b "$NETLAB_WIRE" "a wire from the root namespace"
ping -n -c 1 -W 5 "10.98.$sub.2" >/dev/null || hc_fail "ping from the root namespace over its wire failed"

hc_pass
