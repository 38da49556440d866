# bus.sh — sets up a whole bus for an integration test (source after harness.sh):
# keys for the broker, the audit service and a few institutions, a config whose
# endpoints are TCP on 127.0.0.1 by default (free ports picked at set-up, as hostile
# clients would reach a real deployment) or ipc:// inside the test's work dir with
# HC_TRANSPORT=ipc, and functions to start, stop and kill hcbus-auditd and
# hcbus-broker for real. HC_PUB_ENDPOINT, HC_SUB_ENDPOINT and HC_AUDIT_ENDPOINT say where.
#
#   hc_bus_setup            # keys + $HC_WORK/hcbus.conf (+ private PostgreSQL, migrated
#                           # by its owner; auditd connects as hcbus_auditd, the writer,
#                           # or with HC_AUDITD_CONNINFO when a test sets it; with
#                           # HC_CONNINFO set before, e.g. by pgha.sh, that database)
#   hc_bus_start            # auditd, then broker; waits until the broker is ready
#   hc_probe publish --key "$(hc_key minsal)" --count 10 --msg-prefix a
#   hc_probe subscribe --key "$(hc_key pnc)" --count 10 alert.
#   hc_probe_publish_bg zones minsal zone 1000   # in the background, output in zones.log
#
# Institutions: minsal (zone_authority), sem (dispatch_centre + health_provider),
# pnc (police), webform and hotline (two anonymous_gateways), facilitator, coordinator
# (the coordinator role: hcbus-coordinator's own); "stranger" has a key the config does
# not know.
#
# hcbus-coordinator (its section is always in the config; only the tests that start it
# use it). Its rule times come from the environment, so a test can make them short:
#   HC_COORD_SKEW_S HC_COORD_ACCEPT_S HC_COORD_ON_SCENE_S HC_COORD_ESCORT_S
#   HC_COORD_ALERT_WINDOW_S HC_COORD_DEFAULT_LEVEL HC_COORD_FORGET_S
#   hc_coordinator_start          # start it (the previous log is kept as coordinator.log.N)
#   hc_coordinator_wait_caught_up # until its log says "caught up:" (replay done, live)
#   hc_coordinator_kill9 / hc_coordinator_stop   # SIGKILL / SIGTERM, and wait for the exit
#
# auditd's tree heads (decision 0014): keys/auditd-log.key signs them (made with
# `hcbus keygen --log-signer auditd`, the verifier key in keys/auditd-log.pub), unless
# HC_LOG_KEY=0 or the build has no CLI (the valgrind build): then the heads are unsigned.
#   HC_CHECKPOINT_EVERY_EVENTS (default 1000), HC_CHECKPOINT_EVERY_S (default 60)
#
# Metrics endpoints (metrics_listen): off unless a test sets HC_BROKER_METRICS_LISTEN /
# HC_AUDITD_METRICS_LISTEN ("127.0.0.1:PORT"), so that tests never share a port.

HC_PROBE="$HC_BIN/tests/bus_probe"
HC_COORDINATOR="$HC_BIN/services/coordinator/hcbus-coordinator"
HC_BUS_INSTITUTIONS="minsal sem pnc webform hotline facilitator coordinator"
HC_CLI="$HC_BIN/services/cli/hcbus"
HC_COORD_STARTS=0

hc_key() { echo "$HC_WORK/keys/$1.key"; }

hc_probe_endpoint() {
  case "$1" in publish|garbage) echo "$HC_PUB_ENDPOINT" ;; *) echo "$HC_SUB_ENDPOINT" ;; esac
}

# Choose the three endpoints (HC_TRANSPORT=tcp, the default, or ipc).
hc_bus_endpoints() {
  if [ "${HC_TRANSPORT:-tcp}" = ipc ]; then
    HC_PUB_ENDPOINT="ipc://$HC_WORK/pub.ipc"
    HC_SUB_ENDPOINT="ipc://$HC_WORK/sub.ipc"
    HC_AUDIT_ENDPOINT="ipc://$HC_WORK/audit.ipc"
  else
    local ports
    mapfile -t ports < <("$HC_BIN/tests/free_ports" 3) || hc_fail "free_ports failed"
    HC_PUB_ENDPOINT="tcp://127.0.0.1:${ports[0]}"
    HC_SUB_ENDPOINT="tcp://127.0.0.1:${ports[1]}"
    HC_AUDIT_ENDPOINT="tcp://127.0.0.1:${ports[2]}"
  fi
  export HC_PUB_ENDPOINT HC_SUB_ENDPOINT HC_AUDIT_ENDPOINT
}

# bus_probe with the endpoint and broker key filled in.
hc_probe() {
  local command=$1
  shift
  "$HC_PROBE" "$command" --endpoint "$(hc_probe_endpoint "$command")" --broker-key "$HC_WORK/keys/broker.pub" "$@"
}

# bus_probe publish in the background as NAME (hc_start_bg: its output, "ack MSG_ID SEQ
# DUPLICATE" per message, in $HC_WORK/NAME.log), msg_ids NAME-1..NAME-COUNT, as
# INSTITUTION, of KIND (zone, dispatch, alert), waiting up to TIMEOUT_MS for the acks.
hc_probe_publish_bg() {
  local name=$1 institution=$2 kind=$3 count=$4 timeout_ms=${5:-60000}
  hc_start_bg "$name" "$HC_PROBE" publish --endpoint "$HC_PUB_ENDPOINT" --broker-key "$HC_WORK/keys/broker.pub" \
    --key "$(hc_key "$institution")" --kind "$kind" --count "$count" --msg-prefix "$name" --timeout-ms "$timeout_ms"
}

hc_bus_write_config() {
  [ -n "${HC_PUB_ENDPOINT:-}" ] || hc_bus_endpoints
  cat >"$HC_WORK/hcbus.conf" <<CONF
log_level = "${HC_LOG_LEVEL:-info}";
zones_file = "$HC_SRC/deploy/sv-districts.csv";
broker = {
  publish_endpoint = "$HC_PUB_ENDPOINT";
  subscribe_endpoint = "$HC_SUB_ENDPOINT";
  secret_key_file = "keys/broker.key";
  ack_timeout_ms = ${HC_ACK_TIMEOUT_MS:-3000};
  audit_resend_ms = ${HC_AUDIT_RESEND_MS:-500};
  max_in_flight = ${HC_MAX_IN_FLIGHT:-8192};
  subscriber_queue_max = ${HC_SUBSCRIBER_QUEUE_MAX:-10000};
  subscriber_queue_max_bytes = ${HC_SUBSCRIBER_QUEUE_MAX_BYTES:-1048576};
  metrics_listen = "${HC_BROKER_METRICS_LISTEN:-off}";
};
auditd = {
  endpoint = "$HC_AUDIT_ENDPOINT";
  secret_key_file = "keys/auditd.key";
  conninfo = "${HC_AUDITD_CONNINFO:-$HC_WRITER_CONNINFO}";
  migrations_dir = "$HC_SRC/deploy/sql";
  batch_max_rows = 1000;
  batch_max_delay_ms = 0;
$([ -f "$HC_WORK/keys/auditd-log.key" ] && echo "  log_key_file = \"keys/auditd-log.key\";")
  checkpoint_every_events = ${HC_CHECKPOINT_EVERY_EVENTS:-1000};
  checkpoint_every_s = ${HC_CHECKPOINT_EVERY_S:-60};
  metrics_listen = "${HC_AUDITD_METRICS_LISTEN:-off}";
};
# Before institutions, so that the file still ends with their ");" (tests append to it).
coordinator = {
  institution = "coordinator";
  secret_key_file = "keys/coordinator.key";
  broker_public_key_file = "keys/broker.pub";
  status_max_skew_s = ${HC_COORD_SKEW_S:-120};
  accept_within_s = ${HC_COORD_ACCEPT_S:-300};
  on_scene_within_s = ${HC_COORD_ON_SCENE_S:-1800};
  escort_assigned_within_s = ${HC_COORD_ESCORT_S:-600};
  alert_window_s = ${HC_COORD_ALERT_WINDOW_S:-86400};
  default_level = "${HC_COORD_DEFAULT_LEVEL:-green}";
  forget_closed_after_s = ${HC_COORD_FORGET_S:-259200};
  metrics_listen = "${HC_COORDINATOR_METRICS_LISTEN:-off}";
};
institutions = (
  { id = "minsal"; name = "Ministerio de Salud"; roles = ["zone_authority", "health_provider"]; public_key_files = ["keys/minsal.pub"]; },
  { id = "sem"; name = "Sistema de Emergencias Medicas"; roles = ["dispatch_centre", "health_provider"]; public_key_files = ["keys/sem.pub"]; },
  { id = "pnc"; name = "Policia Nacional Civil"; roles = ["police"]; public_key_files = [${HC_PNC_KEYS:-\"keys/pnc.pub\"}]; },
  { id = "webform"; name = "Anonymous reporting form"; roles = ["anonymous_gateway"]; public_key_files = ["keys/webform.pub"]; },
  { id = "hotline"; name = "Anonymous telephone line"; roles = ["anonymous_gateway"]; public_key_files = ["keys/hotline.pub"]; },
  { id = "facilitator"; name = "Protocol facilitator"; roles = ["facilitator"]; public_key_files = ["keys/facilitator.pub"]; },
  { id = "coordinator"; name = "hcbus-coordinator"; roles = ["coordinator"]; public_key_files = ["keys/coordinator.pub"]; }
);
CONF
}

hc_bus_setup() {
  mkdir -p "$HC_WORK/keys"
  local name
  for name in broker auditd $HC_BUS_INSTITUTIONS stranger; do
    "$HC_PROBE" keygen "$HC_WORK/keys" "$name" || hc_fail "keygen $name"
  done
  if [ "${HC_LOG_KEY:-1}" = 1 ] && [ -x "$HC_CLI" ]; then
    "$HC_CLI" keygen --log-signer auditd --dir "$HC_WORK/keys" >/dev/null || hc_fail "keygen --log-signer auditd"
  fi
  # A database set up by the test already (tests/lib/pgha.sh sets HC_CONNINFO) is used as it is.
  [ -n "$HC_CONNINFO" ] || hc_pg_start
  # As deployed: the owner applies the migrations, auditd runs as hcbus_auditd.
  # HC_BUS_MIGRATE=0: the test migrates itself (before hc_bus_start).
  if [ "${HC_BUS_MIGRATE:-1}" = 1 ]; then
    hc_migrate || hc_fail "migrations failed: $(cat "$HC_WORK/migrate.log")"
  fi
  hc_bus_write_config
}

hc_bus_start_auditd() {
  [ -f "$HC_WORK/auditd.log" ] && mv "$HC_WORK/auditd.log" "$HC_WORK/auditd.log.$SECONDS"
  hc_start_bg auditd "$HC_BIN/services/auditd/hcbus-auditd" --config "$HC_WORK/hcbus.conf" --broker-key "$HC_WORK/keys/broker.pub"
}

# Start the broker and wait until it has the head and the zone snapshot from auditd
# (a restart keeps the previous log as broker.log.N).
hc_bus_start_broker() {
  [ -f "$HC_WORK/broker.log" ] && mv "$HC_WORK/broker.log" "$HC_WORK/broker.log.$SECONDS"
  hc_start_bg broker "$HC_BIN/services/broker/hcbus-broker" --config "$HC_WORK/hcbus.conf"
  hc_wait_for "broker ready" 30 hc_bus_log_count_above broker "zone snapshot rebuilt" 0
}

# True when LOG has more than N lines matching PATTERN.
hc_bus_log_count_above() {
  local count
  count=$(grep -c "$2" "$HC_WORK/$1.log" 2>/dev/null || true)
  [ "${count:-0}" -gt "$3" ]
}

hc_bus_start() {
  hc_bus_start_auditd
  hc_bus_start_broker
}

# Start hcbus-coordinator (the broker should be up: it waits for it otherwise). Each
# start writes a fresh coordinator.log; the previous one is kept as coordinator.log.N.
hc_coordinator_start() {
  if [ -f "$HC_WORK/coordinator.log" ]; then
    HC_COORD_STARTS=$((HC_COORD_STARTS + 1))
    mv "$HC_WORK/coordinator.log" "$HC_WORK/coordinator.log.$HC_COORD_STARTS"
  fi
  hc_start_bg coordinator "$HC_COORDINATOR" --config "$HC_WORK/hcbus.conf"
}

# Wait until the coordinator has replayed the log up to the head it found and gone
# live (its "caught up:" line; "al día:" under es_SV), at most TIMEOUT_S (default 30); fail at once if it exits.
hc_coordinator_wait_caught_up() {
  local deadline=$((SECONDS + ${1:-30})) pid
  pid=$(hc_pid coordinator)
  until grep -qE ' (caught up|al día): ' "$HC_WORK/coordinator.log" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || hc_fail "hcbus-coordinator exited before catching up"
    [ "$SECONDS" -lt "$deadline" ] || hc_fail "hcbus-coordinator not caught up after ${1:-30}s"
    sleep "$HC_POLL_INTERVAL_S"
  done
}

hc_coordinator_kill9() { hc_kill coordinator KILL; }
hc_coordinator_stop() { hc_kill coordinator TERM; }

# The number of rows in hcbus.events.
hc_bus_events() { hc_psql "SELECT count(*) FROM hcbus.events"; }

# Conditions for hc_wait_for (evaluated at every poll, unlike a "$(...)" argument):
# at least N lines of FILE match PATTERN; the SQL's single value is at least N.
hc_lines_at_least() { [ "$(grep -c -e "$2" "$1" 2>/dev/null || true)" -ge "$3" ]; }
hc_sql_at_least() { [ "$(hc_psql "$1" 2>/dev/null || echo 0)" -ge "$2" ]; }
