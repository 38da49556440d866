# shellcheck shell=bash
# audit.sh — `hcbus audit` in integration tests (source after harness.sh, once
# hc_pg_start and hc_migrate have run): the facilitators' login role hcbus_facilitator
# (deploy/sql/010, a member of hcbus_reviewer only) reached by peer authentication, as
# an operator would allow it (deploy/pg.sh allow).
#
#   hc_audit_allow                 # once: let this account log in as hcbus_facilitator
#   out=$(hc_audit list --kind alert --json)
#   hc_audit_rc show 99            # prints the exit code instead of failing
#
# HC_AUDIT_CONNINFO is the reviewer's conninfo; hc_audit passes it as HCBUS_AUDIT_DB so
# that a test may still give --db itself.

HC_AUDIT_BIN="$HC_BIN/services/cli/hcbus"
HC_AUDIT_ROLE=hcbus_facilitator
HC_AUDIT_CONNINFO=""

# Let the account running the test connect to the private cluster as the facilitator.
hc_audit_allow() {
  "$HC_SRC/deploy/pg.sh" allow "$HC_PGDIR" "$(id -un)" "$HC_AUDIT_ROLE" 2>>"$HC_WORK/pg.sh.log" ||
    hc_fail "pg.sh allow $HC_AUDIT_ROLE failed"
  HC_AUDIT_CONNINFO=$("$HC_SRC/deploy/pg.sh" conninfo "$HC_PGDIR" "$HC_AUDIT_ROLE")
  export HC_AUDIT_CONNINFO
}

# Run `hcbus audit ARGS...` as the facilitator; stdout as is, stderr to
# $HC_WORK/audit.err (and to the test's stderr). Returns hcbus's exit code.
hc_audit() {
  [ -n "$HC_AUDIT_CONNINFO" ] || hc_fail "hc_audit: call hc_audit_allow first"
  HCBUS_AUDIT_DB=$HC_AUDIT_CONNINFO "$HC_AUDIT_BIN" audit "$@" 2> >(tee "$HC_WORK/audit.err" >&2)
}

# Run `hcbus audit ARGS...` and print only its exit code (stdout to $HC_WORK/audit.out,
# stderr to $HC_WORK/audit.err).
hc_audit_rc() {
  local rc=0
  HCBUS_AUDIT_DB=$HC_AUDIT_CONNINFO "$HC_AUDIT_BIN" audit "$@" >"$HC_WORK/audit.out" 2>"$HC_WORK/audit.err" || rc=$?
  echo "$rc"
}
