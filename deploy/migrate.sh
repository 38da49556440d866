#!/usr/bin/env bash
# migrate.sh — apply deploy/sql/NNN_*.sql in order to an hcbus database, each file in
# its own transaction together with its row in hcbus.schema_migrations; files already
# recorded there are skipped. hcbus-auditd does the same from C at start; per file,
# in one transaction: SELECT pg_advisory_xact_lock(hashtext('hcbus.migrate')); the
# file's text (plain SQL, one PQexec); INSERT INTO hcbus.schema_migrations (version,
# name) VALUES (NNN, 'NNN_name') ON CONFLICT (version) DO NOTHING. Needs the owner's
# rights (CREATE, CREATEROLE), not hcbus_writer's: run it as the owner before starting
# hcbus-auditd, which connects as hcbus_auditd (a writer) and then finds every file
# applied (a file it would have to apply fails on its missing rights, naming it).
# Given a pg.sh directory it connects as that cluster's owner, hcbus.
#
#   deploy/migrate.sh CONNINFO_OR_PGDIR
#     CONNINFO_OR_PGDIR: a libpq conninfo ('host=/tmp/x dbname=hcbus user=hcbus') or
#     the directory of a deploy/pg.sh cluster.
#   HCBUS_SQL_DIR overrides the directory of the .sql files.
set -euo pipefail

DEPLOY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SQL_DIR=${HCBUS_SQL_DIR:-$DEPLOY_DIR/sql}
PSQL=${HCBUS_PSQL:-/usr/lib/postgresql/15/bin/psql}
# Serializes concurrent runners (this script, auditd) on one database.
MIGRATION_LOCK_SQL="SELECT pg_advisory_xact_lock(hashtext('hcbus.migrate'))"

die() { echo "migrate.sh: error: $*" >&2; exit 1; }
say() { echo "migrate.sh: $*" >&2; }

[ $# -eq 1 ] || { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ -x "$PSQL" ] || PSQL=psql
if [ -d "$1" ]; then
  CONNINFO=$("$DEPLOY_DIR/pg.sh" conninfo "$1")
else
  CONNINFO=$1
fi

query() { "$PSQL" -XAtq -v ON_ERROR_STOP=1 "$CONNINFO" -c "$1"; }

is_applied() {
  local version=$1
  [ "$(query "SELECT to_regclass('hcbus.schema_migrations') IS NOT NULL")" = t ] || return 1
  [ "$(query "SELECT count(*) FROM hcbus.schema_migrations WHERE version = $version")" = 1 ]
}

# Run one file and record it, all in one transaction (psql -1 wraps every -c and -f).
apply() {
  local file=$1 version=$2 name=$3
  "$PSQL" -X -q -v ON_ERROR_STOP=1 --single-transaction "$CONNINFO" \
    -c "$MIGRATION_LOCK_SQL" -f "$file" \
    -c "INSERT INTO hcbus.schema_migrations (version, name) VALUES ($version, '$name')
        ON CONFLICT (version) DO NOTHING" >/dev/null ||
    die "$file failed; nothing of it was applied"
}

main() {
  local file base version applied=0 skipped=0
  query "SELECT 1" >/dev/null || die "cannot connect with '$CONNINFO'"
  shopt -s nullglob
  local files=("$SQL_DIR"/[0-9][0-9][0-9]_*.sql)
  [ "${#files[@]}" -gt 0 ] || die "no NNN_*.sql files in $SQL_DIR"
  for file in "${files[@]}"; do   # the glob sorts, and NNN is zero-padded
    base=$(basename "$file" .sql)
    [[ $base =~ ^[0-9]{3}_[A-Za-z0-9_]+$ ]] || die "bad migration file name '$base.sql' (want NNN_name.sql)"
    version=$((10#${base%%_*}))
    if is_applied "$version"; then
      skipped=$((skipped + 1))
      continue
    fi
    say "applying $base"
    apply "$file" "$version" "$base"
    applied=$((applied + 1))
  done
  say "$applied applied, $skipped already applied"
}

main
