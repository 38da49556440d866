#!/usr/bin/env python3
"""hops.py — per-hop times of one bench case from the .hops files its processes wrote
(hcbus/hoptrace.h: built with -DHCBUS_HOP_TRACE=ON, run with HCBUS_HOP_TRACE_DIR set).
    tests/bench/hops.py DIR
Joins the broker's and auditd's entries by the broker's token, and the client's (ack,
delivery) by seq, then prints for each hop the p50 / p90 / p99 / mean time in µs from
the hop before, over every message that has both. Wall-clock µs: every process is on
this machine. Not a test."""
import glob
import os
import sys

# The path of a message, in order: (hop, key kind). c_sent and b_recv carry their time
# in the value column (the envelope's sent_at_us and received_at_us).
ACK_PATH = ["c_sent", "b_recv", "b_queued", "b_link_sent", "a_recv", "a_begin", "a_rows_sent",
            "a_committed", "a_reply_sent", "b_reply", "b_ack_sent", "c_ack"]
DELIVERY_PATH = ["b_ack_sent", "b_deliv_sent", "c_deliv"]
BY_SEQ = {"b_deliv_sent", "c_ack", "c_deliv"}
VALUE_IS_TIME = {"c_sent", "b_recv"}


def pct(values, p):
    if not values:
        return 0
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * p / 100))]


def load(directory):
    first = {}   # (hop, key) -> time, the first seen (a resend passes twice)
    value = {}   # (hop, key) -> value
    for path in glob.glob(os.path.join(directory, "*.hops")):
        with open(path) as f:
            for line in f:
                hop, key, val, at = line.rstrip("\n").split("\t")
                if hop == "#":
                    print("note: %s dropped %s entries" % (os.path.basename(path), key))
                    continue
                k = (hop, int(key))
                t = int(val) if hop in VALUE_IS_TIME else int(at)
                if k not in first:
                    first[k] = t
                    value[k] = int(val)
    return first, value


def main():
    first, value = load(sys.argv[1])
    tokens = sorted(k for (h, k) in first if h == "c_sent")
    seq_of = {k: value[("b_ack_sent", k)] for (h, k) in first if h == "b_ack_sent"}
    rows = []

    def time(hop, token):
        key = seq_of.get(token) if hop in BY_SEQ else token
        return first.get((hop, key)) if key is not None else None

    for path in (ACK_PATH, DELIVERY_PATH):
        for a, b in zip(path, path[1:]):
            d = [time(b, t) - time(a, t) for t in tokens if time(a, t) is not None and time(b, t) is not None]
            rows.append((a + " -> " + b, d))
    for name, a, b in (("publish -> ack (end to end)", "c_sent", "c_ack"),
                       ("publish -> delivery (end to end)", "c_sent", "c_deliv"),
                       ("auditd: received -> reply sent", "a_recv", "a_reply_sent"),
                       ("auditd: commit (a_begin -> a_committed)", "a_begin", "a_committed")):
        d = [time(b, t) - time(a, t) for t in tokens if time(a, t) is not None and time(b, t) is not None]
        rows.append((name, d))
    print("%-42s %7s %7s %7s %7s %7s" % ("hop (µs)", "n", "p50", "p90", "p99", "mean"))
    for name, d in rows:
        mean = sum(d) / len(d) if d else 0
        print("%-42s %7d %7d %7d %7d %7.0f" % (name, len(d), pct(d, 50), pct(d, 90), pct(d, 99), mean))
    commits = [value[("a_begin", t)] for t in tokens if ("a_begin", t) in value]
    links = [value[("b_link_sent", t)] for t in tokens if ("b_link_sent", t) in value]
    if commits:
        print("records per commit, as a message saw it: p50 %d, mean %.1f; per AppendBatch: p50 %d, mean %.1f"
              % (pct(commits, 50), sum(commits) / len(commits), pct(links, 50), sum(links) / max(1, len(links))))


if __name__ == "__main__":
    main()
