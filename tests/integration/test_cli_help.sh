#!/usr/bin/env bash
# test_cli_help.sh — the CLI's help teaches and its errors help, in English (LC_ALL=C)
# and in Spanish (LANG=es_SV.UTF-8):
# - `hcbus publish KIND --help` lists the required flags under "required:" (Spanish
#   "obligatorias:") before the optional ones, each with what it means, not its proto
#   path; every command's --help ends with examples;
# - the examples of every publish kind, `zone set`, `zone find/show`, `snapshot`,
#   `dispatch list` and `keygen` run as written against a real bus laid out like the
#   README's set-up (var/keys, the environment of var/env.sh) and succeed;
# - every error of one command line comes at once (a mistyped flag, a bad value, a
#   stray argument, missing required flags), counted, exit 2 when one is a usage error,
#   else 1, and nothing is published;
# - a mistyped command, publish kind, subcommand, flag and enum value get "did you
#   mean" with the right word (Spanish "¿quiso decir").
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../lib/bus.sh"
export LC_ALL=C

CLI=$HC_BIN/services/cli/hcbus
RUN_LIMIT_S=60

run() { # run CMD...: sets out (stdout+stderr) and rc, never stops the test
  set +e
  if [ "$1" = hc_in_spanish ]; then
    shift
    out=$(timeout "$RUN_LIMIT_S" env -u LC_ALL LANG=es_SV.UTF-8 LANGUAGE=es "$@" 2>&1)
  else
    out=$(timeout "$RUN_LIMIT_S" "$@" 2>&1)
  fi
  rc=$?
  set -e
}

# ---- help: required flags first, meanings, examples --------------------------------
run "$CLI" publish dispatch --help
hc_assert_eq 0 "$rc" "publish dispatch --help exits 0"
required=$(sed -n '/^required:/,/^optional:/p' <<<"$out")
for flag in --zone --priority --incident-type --capability; do
  hc_assert_contains "$required" "  $flag " "publish dispatch --help marks $flag required"
done
grep -q -- '--patient-sex' <<<"$required" && hc_fail "--patient-sex is listed as required: $required"
hc_assert_contains "$out" "the zone of the incident" "flags say what they mean"
grep -q 'dispatch\.zone_id' <<<"$out" && hc_fail "the help still names flags by proto path: $out"
hc_assert_contains "$out" "one of: critical|urgent|routine" "enum values listed"
for c in "" keygen publish subscribe snapshot dispatch zone audit "publish zone" "publish status" \
         "publish alert" "publish escort" "publish escort-status"; do
  run "$CLI" $c --help
  hc_assert_contains "$out" "examples (after . var/env.sh" "hcbus $c --help ends with examples"
  [ "$(sed -n '/^examples/,$p' <<<"$out" | grep -c '^  hcbus ')" -ge 1 ] ||
    hc_fail "hcbus $c --help has no example command: $out"
done

run hc_in_spanish "$CLI" publish dispatch --help
hc_assert_contains "$out" "obligatorias:" "Spanish: required flags"
hc_assert_contains "$out" "opcionales:" "Spanish: optional flags"
hc_assert_contains "$out" "la zona del incidente" "Spanish: what a flag means"
hc_assert_contains "$out" "ejemplos (después de . var/env.sh" "Spanish: examples"

# ---- all errors at once ----------------------------------------------------------------
run "$CLI" publish dispatch --zone sv.ss --priorty critical --capability advnced --lat north stray \
  --endpoint tcp://127.0.0.1:1
hc_assert_eq 2 "$rc" "an unknown flag among the errors: exit 2"
hc_assert_contains "$out" "flag '--priorty' is not known; did you mean '--priority'?" "mistyped flag"
hc_assert_contains "$out" "did you mean 'advanced'?" "mistyped enum value"
hc_assert_contains "$out" "--lat" "bad number named"
hc_assert_contains "$out" "unexpected argument 'critical'" "stray argument named"
hc_assert_contains "$out" "unexpected argument 'stray'" "second stray argument named"
hc_assert_contains "$out" "the required flag --priority is missing" "missing --priority"
hc_assert_contains "$out" "the required flag --incident-type is missing" "missing --incident-type"
hc_assert_contains "$out" "7 errors; nothing was published" "the errors are counted"
run "$CLI" publish zone --level purpel --endpoint tcp://127.0.0.1:1
hc_assert_eq 1 "$rc" "bad values only: exit 1"
hc_assert_contains "$out" "the required flag --zone is missing" "missing --zone"
hc_assert_contains "$out" "\"purpel\" is not a known risk level" "bad level named"
hc_assert_contains "$out" "2 errors; nothing was published" "two errors counted"

run hc_in_spanish "$CLI" publish zone --levl red --zon
hc_assert_eq 2 "$rc" "Spanish: usage errors exit 2"
hc_assert_contains "$out" "la opción '--levl' no existe; ¿quiso decir '--level'?" "Spanish: did you mean a flag"
hc_assert_contains "$out" "la opción '--zone' necesita un valor" "Spanish: a flag without its value"
hc_assert_contains "$out" "falta la opción obligatoria --level" "Spanish: missing required flag"
hc_assert_contains "$out" "errores; no se publicó nada" "Spanish: errors counted"

# ---- did you mean: commands, kinds, subcommands ----------------------------------------
check_suggestion() { # check_suggestion WANT CMD...
  local want=$1
  shift
  run "$CLI" "$@"
  hc_assert_eq 2 "$rc" "hcbus $* exits 2"
  hc_assert_contains "$out" "did you mean '$want'?" "hcbus $*"
}
check_suggestion publish publsh
check_suggestion subscribe subscibe
check_suggestion escort-status publish escort-stats
check_suggestion history zone histroy
check_suggestion list dispatch lst
check_suggestion who-knew audit who-know
run "$CLI" frobnicate
hc_assert_eq 2 "$rc" "an unknown command far from any exits 2"
grep -q "did you mean" <<<"$out" && hc_fail "a suggestion for a word close to nothing: $out"
run hc_in_spanish "$CLI" publsh
hc_assert_contains "$out" "no existe el comando 'publsh'; ¿quiso decir 'publish'?" "Spanish: did you mean a command"

# ---- the examples work as written against the README's set-up ------------------------
hc_bus_setup
"$HC_PROBE" keygen "$HC_WORK/keys" cruz-roja || hc_fail "keygen cruz-roja"
sed -i '/^institutions = (/a\
  { id = "cruz-roja"; name = "Cruz Roja Salvadorena"; roles = ["health_provider"]; public_key_files = ["keys/cruz-roja.pub"]; },' \
  "$HC_WORK/hcbus.conf"
hc_bus_start
readme=$HC_WORK/readme # the repository as the README uses it: var/keys, . var/env.sh
mkdir -p "$readme/var"
ln -s "$HC_WORK/keys" "$readme/var/keys"
export HCBUS_PUBLISH_ENDPOINT=$HC_PUB_ENDPOINT HCBUS_SUBSCRIBE_ENDPOINT=$HC_SUB_ENDPOINT
export HCBUS_BROKER_KEY=$HC_WORK/keys/broker.pub HCBUS_KEY=$HC_WORK/keys/pnc.key
export HCBUS_ZONES=$HC_SRC/deploy/sv-districts.csv
export PATH=$HC_BIN/services/cli:$PATH
cd "$readme"

# The example command lines of `hcbus ARGS --help`, one per line (continuations joined).
examples_of() {
  "$CLI" "$@" --help | sed -n '/^examples/,$p' | grep -v '^  #' | sed 1d |
    sed -e 's/^  *//' | awk '/\\$/ { sub(/\\$/, ""); line = line $0; next } { print line $0; line = "" }'
}
request=""
ran=0
run_examples() {
  local line
  while IFS= read -r line; do
    line=${line//REQUEST/$request}
    line=${line//ESCORT/esc-help-$ran}
    run bash -c "$line"
    hc_assert_eq 0 "$rc" "the example works as written: $line ($out)"
    ran=$((ran + 1))
    if [[ $out == *"request id: "* ]]; then
      request=$(sed -n 's/^request id: \([^ ]*\).*/\1/p' <<<"$out")
    fi
  done < <(examples_of "$@")
}
for kind in zone dispatch status alert escort escort-status; do
  run_examples publish "$kind"
done
[ -n "$request" ] || hc_fail "publish dispatch's example printed no request id"
run_examples zone
run_examples snapshot
run_examples dispatch
run_examples keygen
[ "$ran" -ge 18 ] || hc_fail "only $ran examples ran"
hc_assert_eq 10 "$(hc_psql "SELECT count(*) FROM hcbus.events")" "every published example was recorded"
run "$CLI" dispatch show "$request" --key var/keys/sem.key
hc_assert_contains "$out" "transporting" "the examples' statuses are in the request's timeline"

hc_pass
