-- 005_service_login.sql — the login role hcbus-auditd connects as: hcbus_auditd, a
-- member of hcbus_writer (002) and nothing more. It may add and read audit rows; it may
-- not UPDATE, DELETE or TRUNCATE them, create or alter anything, or read beyond schema
-- hcbus. Migrations are applied by the owner (deploy/migrate.sh, run.sh), never by it:
-- hcbus-auditd only checks that every file is recorded, which the writer may read.
-- Local accounts reach it through peer authentication (deploy/pg.sh: the map `hcbus`
-- in pg_ident.conf; `pg.sh allow DIR hcbus-auditd hcbus_auditd`). Roles are
-- cluster-wide, so it is created only if missing.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hcbus_auditd') THEN
    CREATE ROLE hcbus_auditd LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
      NOBYPASSRLS INHERIT;
  END IF;
END
$$;
GRANT hcbus_writer TO hcbus_auditd;
COMMENT ON ROLE hcbus_auditd IS
  'hcbus-auditd''s login: member of hcbus_writer only (INSERT and SELECT on the audit tables).';
