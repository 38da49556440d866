#!/usr/bin/env bash
# restore.sh — restore a backup made by deploy/backup.sh into a new, empty cluster's
# database (e.g. made by deploy/pg.sh init), then recompute both hash chains from the
# restored rows (deploy/verify-chain.sql). docs/operations.md, "Backups".
#
#   deploy/restore.sh CONNINFO_OR_PGDIR DUMP ROLES_SQL
#     CONNINFO_OR_PGDIR: the new database's owner ('host=/srv/restore dbname=hcbus
#     user=hcbus') or a deploy/pg.sh cluster's directory.
#   Exit 0 when restored and both chains verify; 1 otherwise (each problem printed as
#   table|position|problem).
set -euo pipefail

DEPLOY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PG_BIN=${HCBUS_PG_BIN:-/usr/lib/postgresql/15/bin}

die() { echo "restore.sh: error: $*" >&2; exit 1; }
say() { echo "restore.sh: $*" >&2; }

[ $# -eq 3 ] || { sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
conninfo=$1
[ -d "$conninfo" ] && conninfo=$("$DEPLOY_DIR/pg.sh" conninfo "$conninfo")
dump=$2
roles=$3
[ -r "$dump" ] || die "cannot read $dump"
[ -r "$roles" ] || die "cannot read $roles"

# Roles first (cluster-wide). The owner's own role exists already in a new cluster:
# its CREATE ROLE fails and is skipped; any other error stops here.
out=$("$PG_BIN/psql" -X -q "$conninfo" -f "$roles" 2>&1) || die "restoring the roles failed: $out"
if printf '%s\n' "$out" | grep "ERROR" | grep -qv 'already exists'; then
  die "restoring the roles failed: $out"
fi
"$PG_BIN/pg_restore" --exit-on-error -d "$conninfo" "$dump" || die "pg_restore failed"
say "restored $dump; verifying both hash chains"
problems=$("$PG_BIN/psql" -XAtq -v ON_ERROR_STOP=1 "$conninfo" -f "$DEPLOY_DIR/verify-chain.sql") ||
  die "verify-chain.sql failed"
if [ -n "$problems" ]; then
  printf '%s\n' "$problems"
  die "the restored hash chains do not verify"
fi
say "both hash chains verify: $("$PG_BIN/psql" -XAtq "$conninfo" -c 'SELECT count(*) FROM hcbus.events') events"
