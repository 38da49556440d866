-- 002_roles.sql — the two roles of the audit store. hcbus_writer (hcbus-auditd) may
-- only add and read rows; hcbus_reviewer (facilitators) sees only the views of schema
-- review (003). Both are NOLOGIN groups: grant them to login roles, e.g.
--   CREATE ROLE auditd LOGIN; GRANT hcbus_writer TO auditd;
-- Roles are cluster-wide, so they are created only if missing.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hcbus_writer') THEN
    CREATE ROLE hcbus_writer NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hcbus_reviewer') THEN
    CREATE ROLE hcbus_reviewer NOLOGIN;
  END IF;
END
$$;
COMMENT ON ROLE hcbus_writer IS
  'hcbus-auditd: INSERT and SELECT on the audit tables, never UPDATE, DELETE or TRUNCATE.';
COMMENT ON ROLE hcbus_reviewer IS
  'Protocol facilitators: SELECT on the views of schema review only, no clinical data.';

-- Nobody reaches the audit tables by default.
REVOKE ALL ON SCHEMA hcbus FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA hcbus FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA hcbus FROM PUBLIC;

-- The writer: SELECT is needed for replay, the duplicate check and the chain head.
GRANT USAGE ON SCHEMA hcbus TO hcbus_writer;
REVOKE UPDATE, DELETE, TRUNCATE ON hcbus.events, hcbus.msg_ids, hcbus.rejections,
  hcbus.checkpoints, hcbus.schema_migrations FROM hcbus_writer;
GRANT SELECT, INSERT ON hcbus.events, hcbus.msg_ids, hcbus.rejections, hcbus.checkpoints
  TO hcbus_writer;
GRANT SELECT ON hcbus.schema_migrations TO hcbus_writer;
GRANT EXECUTE ON FUNCTION hcbus.ensure_partitions(int) TO hcbus_writer;

-- The reviewer: nothing in schema hcbus (003 grants the views).
REVOKE ALL ON SCHEMA hcbus FROM hcbus_reviewer;
REVOKE ALL ON ALL TABLES IN SCHEMA hcbus FROM hcbus_reviewer;
