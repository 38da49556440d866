#!/usr/bin/env bash
# The broker does not trust the audit log's answer to a replay (issue 12, items 6 and 7,
# broker side): the real broker runs against tests/tools/fake_auditd, which answers
# every replay with the same crafted records whatever was asked — a neighbour
# community's alert, an alert whose topic field lies about its zone, a dispatch with
# patient details and an unknown field, bytes that are no envelope, and an envelope
# over the size every reader decodes. Over TCP, with replies_probe:
# - a grant narrowed to …soyapango.centro receives only the centro alert;
# - the police receive the dispatch without patient details nor the unknown field,
#   and nothing undecodable or oversized; a clinical institution gets the details;
# - what was left out or withheld is counted in the broker's log.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"
RP="$HC_BIN/tests/replies_probe"
district=sv.ss.san-salvador-este.soyapango
marker=PATIENT-SECRET-IN-THE-LOG

# The bus's keys and config, without PostgreSQL: the audit service is the fake.
mkdir -p "$HC_WORK/keys"
for name in broker auditd $HC_BUS_INSTITUTIONS; do
  "$HC_PROBE" keygen "$HC_WORK/keys" "$name" || hc_fail "keygen $name"
done
HC_AUDITD_CONNINFO="dbname=none" # never used: no real audit service reads it
hc_bus_write_config
cat >>"$HC_WORK/hcbus.conf" <<CONF
roles = { facilitator = { subscribe = ["alert:$district.centro"]; }; };
CONF
hc_start_bg fake_auditd "$HC_BIN/tests/fake_auditd" --endpoint "$HC_AUDIT_ENDPOINT" --key "$(hc_key auditd)" \
  --zone "$district" --marker "$marker"
hc_wait_for "fake audit service listening" 10 grep -q '^listening' "$HC_WORK/fake_auditd.log"
hc_bus_start_broker

rp_replay() { # KEY PREFIX OUT
  "$RP" replay --endpoint "$HC_SUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" --key "$(hc_key "$1")" \
    --prefix "$2" --marker "$marker" >"$HC_WORK/$3" || hc_fail "replay $1 $2: $(cat "$HC_WORK/$3")"
}
seqs() { awk '$1 ~ /^[0-9]+$/ && NF == 5 {print $1}' "$HC_WORK/$1" | tr '\n' ' '; }

# Item 6: the community grant gets seq 1 only (2 is the neighbour, 3 lies about its
# topic, 6 is oversized), whatever the log answered.
rp_replay facilitator "alert.$district.centro" centro.out
hc_assert_eq "1 " "$(seqs centro.out)" "a grant on centro replays only centro's alert"
# The police may read every alert, but asked for centro: still seq 1 only.
rp_replay pnc "alert.$district.centro" pnc_centro.out
hc_assert_eq "1 " "$(seqs pnc_centro.out)" "the prefix asked bounds the answer too"
rp_replay pnc "alert.$district." pnc_alerts.out
hc_assert_eq "1 2 " "$(seqs pnc_alerts.out)" "the district's alerts; not the one whose topic lies, nothing undecodable or oversized"

# Item 7: redaction of what the log holds fails closed.
rp_replay pnc "dispatch.$district" pnc_dispatch.out
hc_assert_eq "4 " "$(seqs pnc_dispatch.out)" "the police get the dispatch"
hc_assert_eq "- 0" "$(awk '$1 == 4 {print $4, $5}' "$HC_WORK/pnc_dispatch.out")" \
  "without patient details nor the unknown field"
rp_replay sem "dispatch.$district" sem_dispatch.out
hc_assert_eq "marker" "$(awk '$1 == 4 {print $4}' "$HC_WORK/sem_dispatch.out")" "clinical access: the details"

hc_wait_for "left out and withheld records logged" 10 grep -q "records outside its prefixes or rights left out" "$HC_WORK/broker.log"
hc_log "$(grep -m1 'replay for facilitator' "$HC_WORK/broker.log" | sed 's/.*notice: //')"
hc_pass
