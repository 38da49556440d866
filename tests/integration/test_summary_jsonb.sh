#!/usr/bin/env bash
# test_summary_jsonb.sh — hcbus_summary_json() writes exactly what PostgreSQL prints for
# the summary as jsonb (summary.h), so hcbus-auditd can hash the text it stores without
# asking PostgreSQL: tests/tools/summary_jsonb builds the summaries of every body kind
# and of ~3000 seeded random variations (quotes, backslashes, control characters,
# multibyte and long strings, zero/negative/extreme integers and doubles, repeated
# fields, empty and absent sub-messages, patient details present) and compares each with
# `$1::jsonb::text` on a real private PostgreSQL, byte for byte; none may show a clinical
# field. Also: what the review views read (summary->>'...') comes back from that text.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

tool=$HC_BIN/tests/summary_jsonb
[[ -x $tool ]] || hc_fail "$tool not built"
hc_pg_start

out=$("$tool" "$HC_CONNINFO" 3000 2>"$HC_WORK/summary_jsonb.err") || {
  cat "$HC_WORK/summary_jsonb.err" >&2
  hc_fail "summaries differ from PostgreSQL's jsonb text: $out"
}
hc_assert_contains "$out" "0 differ, 0 show a clinical field" "every summary is jsonb's text, none clinical"
compared=$(sed -n 's/^summary_jsonb: \([0-9]*\) summaries compared.*/\1/p' <<<"$out")
(( compared >= 3000 )) || hc_fail "only $compared summaries compared"
HC_CHECKS=$((HC_CHECKS + 1))

# A mismatch is caught: the same comparison refuses a text jsonb would reorder.
hc_assert_eq "f" "$(hc_psql "SELECT '{\"level\": \"red\", \"kind\": \"zone\"}'::jsonb::text
                               = '{\"level\": \"red\", \"kind\": \"zone\"}'")" \
  "jsonb reorders keys (the comparison can fail)"
hc_pass
