#!/usr/bin/env python3
"""table.py — print the bench's table and ratios from the TSV that tests/bench/run.sh
collected (one line per measured value: id, rep, value, unit, label; '#' lines describe
the run). Markdown on stdout:

  | id | measure | min | median | max | unit |   every row id, min/median/max over reps
  Ratios                                          each target of issue 16 (✔ / ✘ / n/a)
                                                  and the informative ratios

Ratios use medians. A row the run did not produce shows as missing (and its ratios as
n/a): nothing is left out silently. It computes; it never fails on a value.

  python3 tests/bench/table.py BENCH.tsv
"""
import statistics
import sys

# The fixed row ids (docs/performance.md "The bench"), in table order, with a description
# used only when a run did not produce the row.
PEER_ROWS = [
    ("pg_single_rate", "PostgreSQL (a) single-row INSERT per tx, 1 conn", "rows/s"),
    ("pg_single_p50", "PostgreSQL (a) single-row INSERT+COMMIT p50", "µs"),
    ("pg_single8_rate", "PostgreSQL (e) single-row INSERT per tx, 8 conns", "rows/s"),
    ("pg_insert100_rate", "PostgreSQL (b) multi-row INSERT, 100 rows/tx", "rows/s"),
    ("pg_insert1000_rate", "PostgreSQL (c) multi-row INSERT, 1000 rows/tx", "rows/s"),
    ("pg_copy1000_rate", "PostgreSQL (d) COPY binary, 1000 rows/tx", "rows/s"),
    ("pg_copy1000_cpu", "PostgreSQL (d) backend CPU per row", "µs/row"),
    ("js_sync_rate", "JetStream file, sync publish", "msg/s"),
    ("js_sync_p50", "JetStream sync publish->PubAck p50", "µs"),
    ("js_sync_p99", "JetStream sync publish->PubAck p99", "µs"),
    ("js_async_rate", "JetStream file, async publish, MaxPending 4000", "msg/s"),
    ("js_async_cpu", "JetStream async: nats-server CPU per msg", "µs/msg"),
    ("mqtt_qos1_rate", "Mosquitto QoS1 pub->sub, delivered", "msg/s"),
    ("mqtt_qos1_p50", "Mosquitto QoS1 one-way @5k/s p50", "µs"),
    ("mqtt_qos1_p99", "Mosquitto QoS1 one-way @5k/s p99", "µs"),
    ("nats_core_rate", "NATS core pub->sub, delivered", "msg/s"),
]
HCBUS_ROWS = [
    ("hc_pub1_rate", "hcbus durable publish, 1 publisher, pipelined", "msg/s"),
    ("hc_pub8_rate", "hcbus durable publish, 8 publishers", "msg/s"),
    ("hc_sync_rate", "hcbus sync publish (window 1)", "msg/s"),
    ("hc_sync_p50", "hcbus sync publish->ack p50", "µs"),
    ("hc_sync_p99", "hcbus sync publish->ack p99", "µs"),
    ("hc_lat5k_p50", "hcbus publish->delivery @5k/s p50", "µs"),
    ("hc_lat5k_p99", "hcbus publish->delivery @5k/s p99", "µs"),
    ("hc_ack5k_p50", "hcbus publish->ack @5k/s p50", "µs"),
    ("hc_cpu_total", "hcbus server CPU per msg, 8 publishers", "µs/msg"),
    ("hc_cpu_broker", "hcbus broker CPU per msg", "µs/msg"),
    ("hc_cpu_auditd", "hcbus auditd CPU per msg", "µs/msg"),
    ("hc_cpu_postgres", "hcbus PostgreSQL CPU per msg", "µs/msg"),
    ("hc_msgs_per_commit", "hcbus messages per commit", "msgs"),
    ("hc_disk_per_event", "hcbus disk per event (tables + indexes)", "B"),
    ("hc_rss_idle100", "hcbus broker RSS, 100 subscribers idle", "MiB"),
    ("hc_rss_burst100", "hcbus broker RSS peak, 100 subscribers + 10k burst", "MiB"),
    ("hc_fanout_1m", "hcbus 100 subscribers x 10k delivered", "s"),
    ("hc_restart", "hcbus restart to first ack", "s"),
    ("hc_fill_rate", "hcbus fill rate", "msg/s"),
    # issue 18 (tests/bench/bench_failover.sh): a failure to the first ack after it
    ("hc_failover_pg", "hcbus failover: primary PostgreSQL killed, standby promoted, to first ack", "s"),
    ("hc_failover_pair", "hcbus failover: active broker+auditd killed, to first ack on the other pair", "s"),
    ("hc_failover_cut", "hcbus failover: link between sites cut, fence + promote, to first ack", "s"),
]
KNOWN_ROWS = PEER_ROWS + HCBUS_ROWS
# Further rows of the peers (p99s, CPU of every case) are printed after the fixed ones.
PEER_PREFIXES = ("pg_", "js_", "nats_", "mqtt_")

# (numerator, denominator or None, comparison, target, unit of a single value)
TARGETS = [
    ("hc_pub8_rate", "pg_copy1000_rate", ">=", 0.5, ""),
    ("hc_pub8_rate", "js_async_rate", ">=", 1, ""),
    ("hc_pub1_rate", "pg_copy1000_rate", ">=", 0.3, ""),
    ("hc_cpu_total", None, "<=", 15, "µs"),
    ("hc_disk_per_event", None, "<=", 700, "B"),
    ("hc_sync_p50", "pg_single_p50", "<=", 2, ""),
    ("hc_sync_rate", "pg_single_rate", ">=", 0.5, ""),
    ("hc_lat5k_p50", "pg_single_p50", "<=", 3, ""),
    ("hc_lat5k_p99", "pg_single_p50", "<=", 10, ""),
    ("hc_rss_burst100", None, "<=", 64, "MiB"),
    ("hc_fanout_1m", None, "<=", 1, "s"),
    ("hc_restart", None, "<=", 1, "s"),
]
INFORMATIVE = [
    ("hc_pub8_rate", "mqtt_qos1_rate"),
    ("hc_pub8_rate", "js_sync_rate"),
    ("hc_pub8_rate", "pg_insert1000_rate"),
    ("hc_pub1_rate", "js_async_rate"),
    ("hc_sync_rate", "js_sync_rate"),
    ("hc_sync_p50", "js_sync_p50"),
    ("hc_lat5k_p50", "mqtt_qos1_p50"),
    ("hc_lat5k_p99", "mqtt_qos1_p99"),
    ("hc_cpu_total", "pg_copy1000_cpu"),
]


def fmt(value):
    """Numbers as the tables print them: 183,081 / 479 / 74.40 / 0.21."""
    if value is None:
        return "—"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def fmt_ratio(value):
    return f"{value:.3f}" if abs(value) < 10 else f"{value:,.1f}"


def read(path):
    """Rows by id (first-seen order) -> {values, unit, label}; and the '#' lines."""
    rows, notes = {}, []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            if line.startswith("#"):
                notes.append(line.lstrip("# ").rstrip())
                continue
            parts = line.split("\t")
            try:
                if len(parts) != 5:
                    raise ValueError("expected 5 tab-separated fields")
                value = float(parts[2])
            except ValueError as e:
                print(f"table.py: {path}:{number}: line ignored ({e}): {line!r}", file=sys.stderr)
                continue
            row = rows.setdefault(parts[0], {"values": [], "unit": parts[3], "label": parts[4]})
            row["values"].append(value)
            row["unit"], row["label"] = parts[3], parts[4]
    return rows, notes


def median(rows, row_id):
    row = rows.get(row_id)
    return statistics.median(row["values"]) if row and row["values"] else None


def print_table(rows):
    known = {row_id for row_id, _, _ in KNOWN_ROWS}
    extra = [r for r in rows if r not in known]
    peer_extra = [r for r in extra if r.startswith(PEER_PREFIXES)]
    order = list(PEER_ROWS) + [(r, "", rows[r]["unit"]) for r in peer_extra] + list(HCBUS_ROWS)
    order += [(r, "", rows[r]["unit"]) for r in extra if r not in peer_extra]
    print("| id | measure | min | median | max | unit |")
    print("|---|---|---:|---:|---:|---|")
    for row_id, description, unit in order:
        row = rows.get(row_id)
        if not row:
            print(f"| {row_id} | {description} (missing) | — | — | — | {unit} |")
            continue
        v = row["values"]
        label = row["label"] or description
        if len(v) > 1:
            label += f" (n={len(v)})"
        print(f"| {row_id} | {label} | {fmt(min(v))} | {fmt(statistics.median(v))} | {fmt(max(v))} | {row['unit']} |")


def print_ratios(rows):
    print("\n## Ratios (medians; targets of issue 16)\n")
    for num, den, op, target, unit in TARGETS:
        target_text = f"target {'≥' if op == '>=' else '≤'} {target:g}{(' ' + unit) if unit else ''}"
        a = median(rows, num)
        b = median(rows, den) if den else 1.0
        name = f"{num} ÷ {den}" if den else num
        missing = [r for r in (num, den) if r and median(rows, r) is None]
        if missing or (den and b == 0):
            why = f"missing {', '.join(missing)}" if missing else f"{den} is 0"
            print(f"- n/a {name} ({target_text}): {why}")
            continue
        value = a / b
        ok = value >= target if op == ">=" else value <= target
        mark = "✔" if ok else "✘"
        if den:
            print(f"- {mark} {name} = {fmt(a)} / {fmt(b)} = {fmt_ratio(value)} ({target_text})")
        else:
            extra = ""
            if num == "hc_restart":
                events = median(rows, "hc_restart_events")
                extra = f" with {fmt(events)} events" if events is not None else " (events: row hc_restart_events missing)"
            print(f"- {mark} {name} = {fmt(value)} {unit}{extra} ({target_text})")
    print("\nInformative:\n")
    for num, den in INFORMATIVE:
        a, b = median(rows, num), median(rows, den)
        name = f"{num} ÷ {den}"
        if a is None or b is None or b == 0:
            missing = [r for r in (num, den) if median(rows, r) is None]
            print(f"- n/a {name}: {'missing ' + ', '.join(missing) if missing else den + ' is 0'}")
            continue
        print(f"- {name} = {fmt(a)} / {fmt(b)} = {fmt_ratio(a / b)}")


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print("usage: table.py BENCH.tsv", file=sys.stderr)
        return 2
    try:
        rows, notes = read(argv[1])
    except OSError as e:
        print(f"table.py: {e}", file=sys.stderr)
        return 1
    print("# hcbus bench\n")
    for note in notes:
        print(f"- {note}")
    if notes:
        print()
    print_table(rows)
    print_ratios(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
