#!/usr/bin/env bash
# What deploy/ gives an operator to monitor hcbus (docs/operations.md, "Monitoring"):
# the Prometheus scrape config and alert rules pass `promtool check`, every alert
# fires on the series meant to raise it and not otherwise (`promtool test rules`,
# tests/data/prometheus/alerts_test.yml), the Grafana dashboard is valid JSON whose
# panels query metrics the services really expose, and docs/operations.md documents
# every metric the services expose. Skipped (77) when promtool (Debian's prometheus)
# is missing.
source "$(dirname "$0")/../lib/harness.sh"

command -v promtool >/dev/null || { hc_log "SKIP: promtool not installed (Debian package prometheus)"; exit 77; }
prom=$HC_SRC/deploy/prometheus
promtool check config "$prom/prometheus.yml" >"$HC_WORK/config.out" 2>&1 || hc_fail "promtool check config: $(cat "$HC_WORK/config.out")"
promtool check rules "$prom/alerts.yml" >"$HC_WORK/rules.out" 2>&1 || hc_fail "promtool check rules: $(cat "$HC_WORK/rules.out")"
hc_assert_contains "$(cat "$HC_WORK/rules.out")" "SUCCESS: 12 rules found" "twelve alert rules"
promtool test rules "$HC_SRC/tests/data/prometheus/alerts_test.yml" >"$HC_WORK/test.out" 2>&1 \
  || hc_fail "promtool test rules: $(cat "$HC_WORK/test.out")"
HC_CHECKS=$((HC_CHECKS + 3))

# The metric families the services expose: the names their monitor.c and the endpoint
# write (a family's histogram series add _bucket, _sum, _count).
grep -ho '"hcbus_[a-z0-9_]*"' "$HC_SRC"/services/broker/monitor.c "$HC_SRC"/services/auditd/monitor.c \
  "$HC_SRC"/services/coordinator/monitor.c "$HC_SRC"/services/metrics/endpoint.c | tr -d '"' | sort -u >"$HC_WORK/exposed"
[ "$(wc -l <"$HC_WORK/exposed")" -ge 35 ] || hc_fail "too few metric names found in the sources: $(cat "$HC_WORK/exposed")"

python3 - "$HC_SRC/deploy/grafana/hcbus-dashboard.json" "$prom/alerts.yml" "$HC_WORK/exposed" <<'PY' || hc_fail "dashboard or alerts query what is not exposed"
import json, re, sys
exposed = set(open(sys.argv[3]).read().split())
def known(name):
    return name in exposed or re.sub(r'_(bucket|sum|count)$', '', name) in exposed
dash = json.load(open(sys.argv[1]))
assert dash["title"] and dash["panels"], "no panels"
used = set()
for p in dash["panels"]:
    assert p["title"] and p["targets"], p
    for t in p["targets"]:
        used |= set(re.findall(r'\bhcbus_[a-z0-9_]+', t["expr"]))
used |= set(re.findall(r'\bhcbus_[a-z0-9_]+', open(sys.argv[2]).read()))
unknown = sorted(n for n in used if not known(n))
assert not unknown, "not exposed: %s" % unknown
# Every family is on the dashboard or in an alert, but the build info and start time.
unused = sorted(n for n in exposed if not any(u == n or re.sub(r'_(bucket|sum|count)$', '', u) == n for u in used))
assert set(unused) <= {"hcbus_auditd_head_seq", "hcbus_broker_delivered_seq", "hcbus_broker_ready",
                       "hcbus_auditd_records_committed_total"}, "never shown: %s" % unused
PY
HC_CHECKS=$((HC_CHECKS + 1))

# Every exposed metric is documented.
while read -r name; do
  grep -q "\`$name\`" "$HC_SRC/docs/operations.md" || hc_fail "docs/operations.md does not document $name"
  HC_CHECKS=$((HC_CHECKS + 1))
done <"$HC_WORK/exposed"
hc_pass
