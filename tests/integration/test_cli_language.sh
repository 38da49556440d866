#!/usr/bin/env bash
# test_cli_language — `hcbus` speaks the user's language (issue 17): the same commands
# against a real broker, audit service and PostgreSQL, once as a Salvadoran dispatcher
# (LANG=es_SV.UTF-8) and once in the C locale. Usage errors, a value that is not one,
# a refusal by the broker, a check that fails before sending, an unreachable broker and
# a database that cannot record: each in Spanish, naming the flag (never the proto field
# zone.zone_id or the enum name DISPATCH_STATE_...) and the real cause; the same in
# English under LC_ALL=C. `dispatch list` and `dispatch show` give enum values in words,
# in each language. hcbus audit and the services' --help are translated too.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/bus.sh"
source "$(dirname "$0")/../lib/audit.sh"

H="$HC_BIN/services/cli/hcbus"
ZONE=sv.ss.san-salvador-este.soyapango

# The broker answers "not recorded" 1 s after it gave a message to hcbus-auditd in vain:
# well within the CLI's wait below.
export HC_ACK_TIMEOUT_MS=1000
hc_bus_setup
hc_bus_start
export HCBUS_ZONES="$HC_SRC/deploy/sv-districts.csv" HCBUS_BROKER_KEY="$HC_WORK/keys/broker.pub"
export HCBUS_PUBLISH_ENDPOINT="$HC_PUB_ENDPOINT" HCBUS_SUBSCRIBE_ENDPOINT="$HC_SUB_ENDPOINT"

# run LANGUAGE WHO ARGS...: hcbus as institution WHO, in "es" or "en"; sets OUT (stdout
# and stderr) and RC.
run() {
  local lang=$1 who=$2
  shift 2
  if [ "$lang" = es ]; then
    OUT=$(HCBUS_KEY="$(hc_key "$who")" hc_in_spanish "$H" "$@" 2>&1) && RC=0 || RC=$?
  else
    OUT=$(HCBUS_KEY="$(hc_key "$who")" LC_ALL=C "$H" "$@" 2>&1) && RC=0 || RC=$?
  fi
}
# No internal name in what a person reads.
no_internal_names() {
  local what=$1 name
  for name in DISPATCH_STATE_ ESCORT_STATE_ DispatchState IncidentType RiskLevel dispatch.zone_id \
              zone.zone_id status.reason status.state invalid_field unauthorized not_persisted; do
    HC_CHECKS=$((HC_CHECKS + 1))
    [[ $OUT != *"$name"* ]] || hc_fail "$what shows the internal name $name: $OUT"
  done
}

# ---- help and usage errors -----------------------------------------------------------
run es sem --help
hc_assert_contains "$OUT" "uso: hcbus COMANDO [opciones]" "hcbus --help in Spanish"
hc_assert_contains "$OUT" "buscar zonas por nombre" "the command list in Spanish"
run en sem --help
hc_assert_contains "$OUT" "usage: hcbus COMMAND [flags]" "hcbus --help in English"

run es sem publish dispatch --bogus
hc_assert_eq 2 "$RC" "an unknown flag is a usage error (es)"
hc_assert_contains "$OUT" "hcbus publish: la opción '--bogus' no existe; vea hcbus publish --help" "unknown flag in Spanish"
run en sem publish dispatch --bogus
hc_assert_eq 2 "$RC" "an unknown flag is a usage error (en)"
hc_assert_contains "$OUT" "hcbus publish: flag '--bogus' is not known; see hcbus publish --help" "unknown flag in English"

run es sem frobnicate
hc_assert_contains "$OUT" "hcbus: no existe el comando 'frobnicate'; vea hcbus --help" "unknown command in Spanish"

# ---- a value that is not one: the enum named in words, the flag named as typed -------
run es sem publish status --request-id R-1 --zone "$ZONE" --unit U1 --state flying
hc_assert_eq 1 "$RC" "a bad state is bad input (es)"
hc_assert_contains "$OUT" "valor no válido: --state: \"flying\" no es un valor conocido de estado del despacho" "bad state in Spanish"
no_internal_names "a bad state (es)"
run en sem publish status --request-id R-1 --zone "$ZONE" --unit U1 --state flying
hc_assert_contains "$OUT" "invalid value: --state: \"flying\" is not a known dispatch state" "bad state in English"
no_internal_names "a bad state (en)"

# ---- checked before sending: a declined dispatch needs its reason --------------------
run es sem publish status --request-id R-1 --zone "$ZONE" --unit U1 --state declined
hc_assert_eq 1 "$RC" "declined without a reason is refused (es)"
hc_assert_contains "$OUT" "--reason es obligatorio para el estado declined" "the missing reason, by its flag, in Spanish"
no_internal_names "a missing reason (es)"
run en sem publish status --request-id R-1 --zone "$ZONE" --unit U1 --state declined
hc_assert_contains "$OUT" "--reason is required for state declined" "the missing reason, by its flag, in English"
no_internal_names "a missing reason (en)"

# ---- refused by the broker: the police may not publish a dispatch --------------------
run es pnc publish dispatch --zone "$ZONE" --address "Calle 1" --priority urgent --incident-type trauma --capability basic
hc_assert_eq 1 "$RC" "a dispatch from the police is refused (es)"
hc_assert_contains "$OUT" "hcbus publish: no autorizado: " "the broker's refusal, its cause in Spanish"
no_internal_names "a refusal (es)"
run en pnc publish dispatch --zone "$ZONE" --address "Calle 1" --priority urgent --incident-type trauma --capability basic
hc_assert_contains "$OUT" "hcbus publish: not allowed: " "the broker's refusal, its cause in English"

# ---- enum values in words: a request, accepted and then on scene ---------------------
run en sem publish dispatch --request-id SEM-7 --zone "$ZONE" --address "Calle 1" \
  --priority critical --incident-type violence --capability advanced
hc_assert_eq 0 "$RC" "the dispatch is published: $OUT"
run en sem publish status --request-id SEM-7 --zone "$ZONE" --unit U1 --state accepted --verdict-wait 0
hc_assert_eq 0 "$RC" "the status is published: $OUT"

run es sem dispatch list
hc_assert_eq 0 "$RC" "dispatch list (es): $OUT"
hc_assert_contains "$OUT" "SOLICITUD" "the list's header in Spanish"
hc_assert_contains "$(grep '^SEM-7 ' <<<"$OUT")" "aceptado" "the state in Spanish words"
no_internal_names "dispatch list (es)"
run en sem dispatch list
hc_assert_contains "$(grep '^SEM-7 ' <<<"$OUT")" "accepted" "the state in English words"

run es sem dispatch show SEM-7
hc_log "dispatch show SEM-7 (es):"$'\n'"$OUT"
hc_assert_contains "$OUT" "prioridad crítica, violencia, unidad avanzada" "priority, incident type and capability in Spanish"
hc_assert_contains "$OUT" "estado: aceptado" "the state in Spanish"
no_internal_names "dispatch show (es)"
run en sem dispatch show SEM-7
hc_assert_contains "$OUT" "priority critical, violence, unit advanced" "the same in English"
hc_assert_contains "$OUT" "state: accepted" "the state in English"

# ---- hcbus audit: its help, and a database it cannot reach, named --------------------
run es sem audit --help
hc_assert_contains "$OUT" "uso: hcbus audit SUBCOMANDO [opciones]" "hcbus audit --help in Spanish"
hc_audit_allow
OUT=$(HCBUS_AUDIT_DB=$HC_AUDIT_CONNINFO hc_in_spanish "$H" audit timeline SEM-7 2>&1) || hc_fail "audit timeline (es): $OUT"
hc_assert_contains "$OUT" "solicitado, prioridad crítica, violencia, capacidad avanzada" "the timeline's request in Spanish words"
hc_assert_contains "$OUT" "aceptado, unidad U1" "the timeline's status in Spanish words"
no_internal_names "audit timeline (es)"
OUT=$(HCBUS_AUDIT_DB=$HC_AUDIT_CONNINFO LC_ALL=C "$H" audit timeline SEM-7 2>&1) || hc_fail "audit timeline (en): $OUT"
hc_assert_contains "$OUT" "requested, priority critical, violence, capability advanced" "the same in English"
run es sem audit list --db "host=$HC_WORK/nowhere dbname=hcbus"
hc_assert_eq 3 "$RC" "no audit database: exit 3 (es)"
hc_assert_contains "$OUT" "no se puede conectar a la base de datos de auditoría (host=$HC_WORK/nowhere" \
  "the audit database tried, in Spanish"
hc_assert_contains "$OUT" "según --db" "where the connection string came from, in Spanish"
run en sem audit list --db "host=$HC_WORK/nowhere dbname=hcbus"
hc_assert_contains "$OUT" "cannot connect to the audit database (host=$HC_WORK/nowhere" "the same in English"

# ---- the services' help ----------------------------------------------------------------
out=$(hc_in_spanish "$HC_BIN/services/broker/hcbus-broker" --help)
hc_assert_contains "$out" "uso: hcbus-broker --config ARCHIVO" "hcbus-broker --help in Spanish"
out=$(LC_ALL=C "$HC_BIN/services/broker/hcbus-broker" --help)
hc_assert_contains "$out" "usage: hcbus-broker --config FILE" "hcbus-broker --help in English"

# ---- errors name what was tried: no broker at the endpoint -----------------------------
port=$("$HC_BIN/tests/free_ports" 1) || hc_fail "free_ports failed"
run es sem publish zone --zone "$ZONE" --level red --endpoint "tcp://127.0.0.1:$port" --timeout-ms 1500
hc_assert_eq 3 "$RC" "no broker: exit 3 (es)"
hc_assert_contains "$OUT" "no hay conexión con el broker" "the cause in Spanish"
hc_assert_contains "$OUT" "se intentó el broker en tcp://127.0.0.1:$port con su llave pública $HC_WORK/keys/broker.pub y la llave de esta institución $HC_WORK/keys/sem.key" \
  "the endpoint and both key files named"
run en sem publish zone --zone "$ZONE" --level red --endpoint "tcp://127.0.0.1:$port" --timeout-ms 1500
hc_assert_contains "$OUT" "no connection to the broker" "the cause in English"
hc_assert_contains "$OUT" "tried the broker at tcp://127.0.0.1:$port with its public key $HC_WORK/keys/broker.pub" "the endpoint named in English"

# ---- the real cause: the broker is up, the audit database cannot record --------------
hc_kill auditd TERM
run es minsal publish zone --zone "$ZONE" --level red --timeout-ms 4000
hc_assert_eq 3 "$RC" "not recorded: exit 3 (es)"
hc_assert_contains "$OUT" "la base de datos de auditoría no lo registró" "the database named as the cause, in Spanish"
no_internal_names "not recorded (es)"
run en minsal publish zone --zone "$ZONE" --level red --timeout-ms 4000
hc_assert_contains "$OUT" "the broker received it, but the audit database did not record it" "the cause in English"

hc_pass
