#!/usr/bin/env bash
# backup.sh — a backup of the audit database that only its owner can read: the dump
# (pg_dump -Fc, a consistent snapshot taken while everything runs) and the cluster's
# roles (pg_dumpall --roles-only), both written 0600 in a directory made 0700. They
# hold clinical details (message payloads): never readable by group or others, and
# never next to the institutions' secret keys. docs/operations.md, "Backups".
#
#   deploy/backup.sh CONNINFO_OR_PGDIR DIR
#     CONNINFO_OR_PGDIR: the owner's libpq conninfo ('host=/srv/pg dbname=hcbus user=hcbus')
#     or the directory of a deploy/pg.sh cluster; DIR: where the two files go.
#   Prints the two paths: DIR/hcbus-<UTC time>.dump and DIR/hcbus-<UTC time>-roles.sql.
#   Restore with deploy/restore.sh.
set -euo pipefail

DEPLOY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PG_BIN=${HCBUS_PG_BIN:-/usr/lib/postgresql/15/bin}

die() { echo "backup.sh: error: $*" >&2; exit 1; }

[ $# -eq 2 ] || { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
conninfo=$1
[ -d "$conninfo" ] && conninfo=$("$DEPLOY_DIR/pg.sh" conninfo "$conninfo")
dir=$2

# Everything created from here on is the owner's alone, whatever the caller's umask.
umask 077
if [ ! -d "$dir" ]; then
  mkdir -p "$dir" || die "cannot make $dir"
  chmod 0700 "$dir"
fi
stamp=$(date -u +%Y%m%dT%H%M%SZ)
dump="$dir/hcbus-$stamp.dump"
roles="$dir/hcbus-$stamp-roles.sql"
# Written under a temporary name and renamed: a file named .dump is a complete one.
"$PG_BIN/pg_dump" -Fc -f "$dump.partial" "$conninfo" || { rm -f "$dump.partial"; die "pg_dump failed"; }
"$PG_BIN/pg_dumpall" --roles-only -d "$conninfo" -f "$roles.partial" || {
  rm -f "$dump.partial" "$roles.partial"; die "pg_dumpall --roles-only failed"; }
chmod 0600 "$dump.partial" "$roles.partial"
mv "$dump.partial" "$dump"
mv "$roles.partial" "$roles"
for f in "$dump" "$roles"; do
  mode=$(stat -c '%a' "$f")
  [ "$mode" = 600 ] || die "$f has mode $mode, not 0600"
done
echo "$dump"
echo "$roles"
