#!/bin/sh
# post-bootstrap.sh — run once by Patroni on the first leader after initdb
# (bootstrap.post_bootstrap in patroni-site-*.yml), with the superuser's connection
# URL as $1: creates the database hcbus. The schema comes next, from the owner:
#   deploy/migrate.sh "host=/var/lib/hcbus/pg port=5432 dbname=hcbus user=postgres"
# and the logins' passwords (hcbus_auditd, facilitators) with ALTER ROLE ... PASSWORD.
set -eu
psql -X -v ON_ERROR_STOP=1 -d "$1" -c "CREATE DATABASE hcbus ENCODING 'UTF8' TEMPLATE template0"
