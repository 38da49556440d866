#!/usr/bin/env bash
# test_cli_help_docs.sh — the manual pages and the bash completion stay true:
# - hcbus(1), hcbus.conf(5), hcbus-broker(8), hcbus-auditd(8) (docs/man/) format with
#   groff -man -Tutf8 -ww with no warning (and mandoc -Tlint -Wwarning when mandoc is
#   installed), and `man -l` renders each;
# - every flag that `hcbus ... --help` lists (every command, publish kind and zone and
#   audit subcommand) appears in hcbus(1); every flag of hcbus-broker --help and
#   hcbus-auditd --help in their page; every key of deploy/hcbus.conf in hcbus.conf(5),
#   with a range or default beside it;
# - cmake --install puts the pages under share/man/man{1,5,8} and the completion under
#   share/bash-completion/completions (or bash-completion's completionsdir);
# - the completion, sourced in bash, completes `hcbus pu` to publish, `hcbus publish --`
#   to publish's flags, `hcbus publish dispatch --priority ` to the priorities, a zone id
#   prefix to the catalogue's ids below it, and `hcbus audit v` to verify.
source "${HCBUS_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/harness.sh"
export LC_ALL=C

CLI=$HC_BIN/services/cli/hcbus
MAN=$HC_SRC/docs/man
PAGES="hcbus.1 hcbus.conf.5 hcbus-broker.8 hcbus-auditd.8"
command -v groff >/dev/null || hc_fail "groff not found (Debian package groff-base)"

# 1. The pages format without a warning.
for page in $PAGES; do
  warnings=$(groff -man -Tutf8 -ww -z "$MAN/$page" 2>&1)
  hc_assert_eq "" "$warnings" "groff -ww on $page"
  if command -v mandoc >/dev/null; then
    warnings=$(mandoc -Tlint -Wwarning "$MAN/$page" 2>&1 || true)
    hc_assert_eq "" "$warnings" "mandoc -Tlint on $page"
  fi
  MANWIDTH=80 man -l "$MAN/$page" >"$HC_WORK/$page.txt" 2>"$HC_WORK/$page.err" ||
    hc_fail "man -l $page: $(cat "$HC_WORK/$page.err")"
  [ -s "$HC_WORK/$page.txt" ] || hc_fail "man -l $page rendered nothing"
  groff -man -Tascii "$MAN/$page" 2>/dev/null | col -b >"$HC_WORK/$page.ascii"
done

# 2. Every flag a --help lists is in the page ("--zone" must not be found as "--zones").
flags_in_page() {
  local page=$1 what=$2 missing="" flag
  shift 2
  for flag in $("$@" | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
    grep -qE -- "$flag([^a-z0-9-]|\$)" "$HC_WORK/$page.ascii" || missing+=" $flag"
  done
  HC_CHECKS=$((HC_CHECKS + 1))
  [ -z "$missing" ] || hc_fail "$page lacks flags that $what --help lists:$missing"
}
cli_help() {
  local c k s
  "$CLI" --help
  for c in keygen publish subscribe snapshot dispatch zone audit outbox; do "$CLI" $c --help; done
  for k in zone dispatch status alert escort escort-status; do "$CLI" publish $k --help; done
  for s in find show set history; do "$CLI" zone $s --help; done
  for s in $("$CLI" audit --help | awk '/^subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^[^ ]/ { exit }'); do
    "$CLI" audit "$s" --help
  done
}
[ "$(cli_help | grep -c .)" -gt 300 ] || hc_fail "the CLI's --help texts are missing: $(cli_help 2>&1 | head -5)"
flags_in_page hcbus.1 "hcbus" cli_help
flags_in_page hcbus-broker.8 "hcbus-broker" "$HC_BIN/services/broker/hcbus-broker" --help
flags_in_page hcbus-auditd.8 "hcbus-auditd" "$HC_BIN/services/auditd/hcbus-auditd" --help

# 3. Every key of deploy/hcbus.conf (set or commented out) is described in hcbus.conf(5).
missing=""
for key in $(grep -oE '^[[:space:]]*#?[[:space:]]*[a-z_]+[[:space:]]*=' "$HC_SRC/deploy/hcbus.conf" |
             sed -E 's/[#= [:space:]]//g' | sort -u); do
  grep -qE "(^|[^a-z_])$key([^a-z_]|\$)" "$HC_WORK/hcbus.conf.5.ascii" || missing+=" $key"
done
hc_assert_eq "" "$missing" "keys of deploy/hcbus.conf missing from hcbus.conf(5)"
# ... and each numeric setting of the broker and auditd sections says its default.
for key in max_message_bytes max_in_flight subscriber_queue_max subscriber_queue_max_bytes \
           ack_timeout_ms audit_resend_ms batch_max_rows batch_max_delay_ms \
           checkpoint_every_events checkpoint_every_s; do
  block=$(awk -v k="$key" '$1 == k { on = 1; next } on && /^ *$/ { exit } on && /^       [a-z_]+ *$/ { exit } on { print }' \
          "$HC_WORK/hcbus.conf.5.ascii")
  hc_assert_contains "$block" "Default" "hcbus.conf(5) gives $key's default"
  [[ $block =~ [0-9]+\.\.[0-9]+ ]] || hc_fail "hcbus.conf(5) gives no range for $key: $block"
done

# 4. cmake --install puts the pages and the completion where man and bash look.
prefix=$HC_WORK/prefix
cmake --install "$HC_BIN" --prefix "$prefix" >"$HC_WORK/install.log" 2>&1 ||
  hc_fail "cmake --install failed: $(tail -5 "$HC_WORK/install.log")"
for page in man1/hcbus.1 man5/hcbus.conf.5 man8/hcbus-broker.8 man8/hcbus-auditd.8; do
  installed=$(find "$prefix" -path "*/man/$page" | head -1)
  [ -n "$installed" ] || hc_fail "$page is not installed under $prefix/share/man"
  cmp -s "$installed" "$MAN/$(basename "$page")" || hc_fail "$installed differs from docs/man"
  HC_CHECKS=$((HC_CHECKS + 1))
done
completion=$(find "$prefix" -path '*/bash-completion/completions/hcbus' | head -1)
[ -n "$completion" ] || hc_fail "the bash completion is not installed under $prefix: $(find "$prefix" -name hcbus)"
HC_CHECKS=$((HC_CHECKS + 1))

# 5. The installed completion, sourced in a plain bash, completes as a user expects.
complete_line() {
  PATH="$HC_BIN/services/cli:$PATH" HCBUS_ZONES="$HC_SRC/deploy/sv-districts.csv" \
    bash --norc --noprofile -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
                                _hcbus; printf "%s\n" "${COMPREPLY[@]}"' _ "$completion" "$@"
}
hc_assert_eq "publish" "$(complete_line hcbus pu)" "hcbus pu<TAB>"
out=$(complete_line hcbus publish --)
for flag in --json --msg-id --key --endpoint --broker-key --timeout-ms; do
  grep -qx -- "$flag" <<<"$out" || hc_fail "hcbus publish --<TAB> lacks $flag: $out"
done
grep -qx -- "--level" <<<"$out" && hc_fail "hcbus publish --<TAB> offers --level, an example's flag, not publish's"
out=$(complete_line hcbus publish dispatch --)
for flag in --zone --priority --incident-type --capability --patient-sex; do
  grep -qx -- "$flag" <<<"$out" || hc_fail "hcbus publish dispatch --<TAB> lacks $flag: $out"
done
hc_assert_eq "critical urgent routine" "$(complete_line hcbus publish dispatch --priority '' | tr '\n' ' ' | sed 's/ $//')" \
  "hcbus publish dispatch --priority <TAB>"
hc_assert_eq "en_route" "$(complete_line hcbus publish status --state en)" "hcbus publish status --state en<TAB>"
out=$(complete_line hcbus subscribe --zone sv.ss.san-salvador-e)
for id in sv.ss.san-salvador-este sv.ss.san-salvador-este.soyapango sv.ss.san-salvador-este.ilopango; do
  grep -qx -- "$id" <<<"$out" || hc_fail "hcbus subscribe --zone sv.ss.san-salvador-e<TAB> lacks $id: $out"
done
grep -v '^sv\.ss\.san-salvador-e' <<<"$out" | grep -q . && hc_fail "a zone id outside the prefix was offered: $out"
hc_assert_eq "sv.ss.san-salvador-este.soyapango" "$(complete_line hcbus zone set sv.ss.san-salvador-este.so)" \
  "hcbus zone set <zone id prefix><TAB>"
hc_assert_eq "verify" "$(complete_line hcbus audit v)" "hcbus audit v<TAB>"
hc_assert_eq "find show set history" "$(complete_line hcbus zone '' | tr '\n' ' ' | sed 's/ $//')" "hcbus zone <TAB>"

hc_pass
