#!/usr/bin/env bash
# The services' running log lines follow their locale: hcbus-auditd and hcbus-broker
# started under LANG=es_SV.UTF-8 (LC_ALL unset) write their start, commit and stop lines in
# Spanish — with the level word, the seq numbers (through <inttypes.h> formats) and the
# key=value tokens unchanged — and the same services under C.UTF-8 write them in English,
# as the tests, run.sh's readiness checks and docs/operations.md's tables read them.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"

SPANISH=(env -u LC_ALL LANG=es_SV.UTF-8 LANGUAGE=es)

# Assert LOG (under $HC_WORK) has a line containing TEXT (fixed string).
has_line() {
  local log=$1 text=$2
  HC_CHECKS=$((HC_CHECKS + 1))
  grep -qF -- "$text" "$HC_WORK/$log" || hc_fail "$log has no line with '$text'"
}
lacks_line() {
  local log=$1 text=$2
  HC_CHECKS=$((HC_CHECKS + 1))
  if grep -qF -- "$text" "$HC_WORK/$log"; then hc_fail "$log has a line with '$text': $(grep -F -- "$text" "$HC_WORK/$log")"; fi
}

publish3() {
  hc_probe publish --key "$(hc_key minsal)" --count 3 --msg-prefix "$1" >"$HC_WORK/$1.out" \
    || hc_fail "publish $1 failed: $(cat "$HC_WORK/$1.out")"
  hc_assert_eq 3 "$(grep -c "^ack $1-" "$HC_WORK/$1.out")" "3 acks ($1)"
}

hc_bus_setup

# --- es_SV ---------------------------------------------------------------------------
hc_start_bg auditd "${SPANISH[@]}" "$HC_BIN/services/auditd/hcbus-auditd" --config "$HC_WORK/hcbus.conf" \
  --broker-key "$HC_WORK/keys/broker.pub"
hc_wait_for "auditd listening (es)" 30 grep -q 'notice: escuchando en ' "$HC_WORK/auditd.log"
hc_start_bg broker "${SPANISH[@]}" "$HC_BIN/services/broker/hcbus-broker" --config "$HC_WORK/hcbus.conf"
hc_wait_for "broker ready (es)" 30 grep -q 'instantánea de zonas reconstruida desde el registro de auditoría' "$HC_WORK/broker.log"
publish3 es
hc_kill broker TERM
hc_kill auditd TERM
mv "$HC_WORK/broker.log" "$HC_WORK/broker_es.log"
mv "$HC_WORK/auditd.log" "$HC_WORK/auditd_es.log"

has_line broker_es.log 'escuchando: publicadores tcp://'
has_line broker_es.log ': se entrega desde ahí'
has_line broker_es.log 'deteniéndose: se vacían 0 mensajes que esperan ser registrados'
has_line broker_es.log 'enlace de auditoría: '
has_line broker_es.log ' registros enviados en '
has_line broker_es.log 'detenido: todo lo aceptado quedó registrado y confirmado'
# a %<PRIu64> format (a system-dependent string in the catalogue) is translated too
has_line auditd_es.log 'notice: escuchando en tcp://'
has_line auditd_es.log 'cabeza en seq 0, lotes de hasta '
has_line auditd_es.log 'deteniéndose (señal 15), cabeza en seq 3, últimas cabezas de árbol: eventos '
has_line auditd_es.log 'lotes confirmados: '
for english in 'listening' 'stopping' 'stopped' 'audit link:' 'zone snapshot rebuilt' 'batches committed'; do
  lacks_line broker_es.log "$english"
  lacks_line auditd_es.log "$english"
done

# --- C.UTF-8 (the harness's locale): English -----------------------------------------
hc_bus_start
publish3 en
hc_kill broker TERM
hc_kill auditd TERM

has_line broker.log 'listening: publishers tcp://'
has_line broker.log 'audit log head is seq 3: delivering from there'
has_line broker.log 'stopping: draining 0 messages awaiting commit'
has_line broker.log 'audit link: '
has_line broker.log ' records sent in '
has_line broker.log 'stopped: everything accepted was committed and acknowledged'
has_line auditd.log 'notice: listening on tcp://'
has_line auditd.log 'stopping (signal 15), head seq 6, last tree heads: events '
for spanish in 'escuchando' 'deteniéndose' 'detenido' 'enlace de auditoría' 'lotes confirmados'; do
  lacks_line broker.log "$spanish"
  lacks_line auditd.log "$spanish"
done

hc_pass
