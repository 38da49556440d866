-- 001_audit_schema.sql — the audit store: schema hcbus with the append-only event log
-- (partitioned by month), the exactly-once key, rejections and signed checkpoints.
-- Roles and grants are in 002, the reviewer views in 003.
--
-- Every migration is plain SQL (no psql meta-commands) so hcbus-auditd can run it with
-- one PQexec; the runner wraps it in one transaction and then records it in
-- hcbus.schema_migrations. Every statement is safe to run again.

CREATE SCHEMA IF NOT EXISTS hcbus;
COMMENT ON SCHEMA hcbus IS
  'hcbus audit store: append-only log of every recorded message and every refused attempt. '
  'Written by hcbus-auditd (role hcbus_writer); reviewers use schema review instead.';

-- ---------------------------------------------------------------------------
-- Migrations bookkeeping
-- ---------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS hcbus.schema_migrations (
  version    int PRIMARY KEY,
  name       text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE hcbus.schema_migrations IS
  'One row per applied deploy/sql/NNN_name.sql file, written by the migration runner.';
COMMENT ON COLUMN hcbus.schema_migrations.version IS 'NNN from the file name.';
COMMENT ON COLUMN hcbus.schema_migrations.name IS 'The file name without .sql.';
COMMENT ON COLUMN hcbus.schema_migrations.applied_at IS 'When the file was applied.';

-- ---------------------------------------------------------------------------
-- Append-only enforcement
-- ---------------------------------------------------------------------------
-- Privileges keep the writer from rewriting history; this trigger also stops the
-- owner. Dropping it is possible for the owner, but any rewrite then breaks the hash
-- chain that checkpoints sign.
CREATE OR REPLACE FUNCTION hcbus.refuse_rewrite() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'hcbus.% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'The audit log is never rewritten; record a correction as a new message.';
END
$$;
COMMENT ON FUNCTION hcbus.refuse_rewrite() IS
  'Trigger function: refuses UPDATE, DELETE and TRUNCATE on the append-only tables.';

-- ---------------------------------------------------------------------------
-- The event log
-- ---------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS hcbus.events (
  seq          bigint NOT NULL CHECK (seq > 0),
  sender       text NOT NULL,
  msg_id       text NOT NULL CHECK (char_length(msg_id) BETWEEN 1 AND 64),
  kind         text NOT NULL CHECK (kind IN ('zone', 'dispatch', 'status', 'alert', 'escort')),
  topic        text NOT NULL,
  zone_id      text NOT NULL,
  subject      text,
  sent_at      timestamptz,
  received_at  timestamptz NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now(),
  payload      bytea NOT NULL,
  summary      jsonb NOT NULL CHECK (jsonb_typeof(summary) = 'object'),
  prev_hash    bytea NOT NULL,
  hash         bytea NOT NULL,
  PRIMARY KEY (seq, received_at),
  CONSTRAINT events_topic_is_kind_dot_zone CHECK (topic = kind || '.' || zone_id)
) PARTITION BY RANGE (received_at);

COMMENT ON TABLE hcbus.events IS
  'Every recorded message, one row each, in seq order with no holes; append-only. '
  'Partitioned by month of received_at (events_YYYY_MM, plus events_default).';
COMMENT ON COLUMN hcbus.events.seq IS
  'Global sequence number from 1, assigned by hcbus-auditd at commit (decision 0001).';
COMMENT ON COLUMN hcbus.events.sender IS
  'Publishing institution id from its authenticated key; empty for an anonymous report.';
COMMENT ON COLUMN hcbus.events.msg_id IS 'The publisher''s idempotency key (see hcbus.msg_ids).';
COMMENT ON COLUMN hcbus.events.kind IS 'Body kind: zone, dispatch, status, alert or escort.';
COMMENT ON COLUMN hcbus.events.topic IS 'kind.zone_id, the routing topic.';
COMMENT ON COLUMN hcbus.events.zone_id IS 'The body''s zone id, e.g. sv.ss.san-salvador-este.soyapango.';
COMMENT ON COLUMN hcbus.events.subject IS
  'The body''s own id: request_id (dispatch, status), alert_id, escort_id, zone_id (zone).';
COMMENT ON COLUMN hcbus.events.sent_at IS 'Publisher clock at sending; NULL when not given.';
COMMENT ON COLUMN hcbus.events.received_at IS 'Broker clock at acceptance; the partition key.';
COMMENT ON COLUMN hcbus.events.committed_at IS 'Time of the transaction that recorded the row.';
COMMENT ON COLUMN hcbus.events.payload IS
  'The encoded Envelope as recorded, clinical fields included: never exposed to reviewers.';
COMMENT ON COLUMN hcbus.events.summary IS
  'The decoded body as JSON without clinical fields (keys: proto field names; see 003).';
COMMENT ON COLUMN hcbus.events.prev_hash IS 'hash of the row with seq - 1 (a fixed genesis value for seq 1).';
COMMENT ON COLUMN hcbus.events.hash IS 'Hash chain link over prev_hash and this row, computed by hcbus-auditd.';

CREATE TABLE IF NOT EXISTS hcbus.events_default PARTITION OF hcbus.events DEFAULT;
COMMENT ON TABLE hcbus.events_default IS
  'Rows whose month has no partition yet (hcbus.ensure_partitions was not run in time).';

CREATE INDEX IF NOT EXISTS events_topic_seq_idx ON hcbus.events (topic, seq);
CREATE INDEX IF NOT EXISTS events_zone_id_idx ON hcbus.events (zone_id);
CREATE INDEX IF NOT EXISTS events_subject_idx ON hcbus.events (subject);
COMMENT ON INDEX hcbus.events_topic_seq_idx IS 'Replay by topic prefix and latest value per topic.';
COMMENT ON INDEX hcbus.events_zone_id_idx IS 'Review by zone.';
COMMENT ON INDEX hcbus.events_subject_idx IS 'Timelines by request, alert or escort id.';

-- A row trigger on the partitioned table is cloned onto every partition, present and
-- future, so writing to a partition directly is refused too. TRUNCATE triggers are
-- per table: ensure_partitions adds one to each partition it creates.
CREATE OR REPLACE TRIGGER events_append_only
  BEFORE UPDATE OR DELETE ON hcbus.events
  FOR EACH ROW EXECUTE FUNCTION hcbus.refuse_rewrite();
CREATE OR REPLACE TRIGGER events_no_truncate
  BEFORE TRUNCATE ON hcbus.events
  FOR EACH STATEMENT EXECUTE FUNCTION hcbus.refuse_rewrite();
CREATE OR REPLACE TRIGGER events_no_truncate
  BEFORE TRUNCATE ON hcbus.events_default
  FOR EACH STATEMENT EXECUTE FUNCTION hcbus.refuse_rewrite();

-- Creates the monthly partitions (UTC months) from the current month to months_ahead
-- months later, skipping those that exist. SECURITY DEFINER so that hcbus-auditd, as
-- hcbus_writer, can call it at start without owning the table. A month that already
-- has rows in the default partition is skipped with a warning: moving them out would
-- mean deleting from the append-only log.
CREATE OR REPLACE FUNCTION hcbus.ensure_partitions(months_ahead int) RETURNS int
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  this_month timestamp := date_trunc('month', now() AT TIME ZONE 'UTC');
  month_start timestamptz;
  month_end timestamptz;
  part_name text;
  created int := 0;
BEGIN
  IF months_ahead IS NULL OR months_ahead < 0 OR months_ahead > 120 THEN
    RAISE EXCEPTION 'hcbus.ensure_partitions: months_ahead must be 0..120, not %', months_ahead
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- Two callers at once (auditd start and a migration) must not race on CREATE TABLE.
  PERFORM pg_advisory_xact_lock(hashtext('hcbus.ensure_partitions'));
  FOR m IN 0..months_ahead LOOP
    month_start := (this_month + make_interval(months => m)) AT TIME ZONE 'UTC';
    month_end := (this_month + make_interval(months => m + 1)) AT TIME ZONE 'UTC';
    part_name := 'events_' || to_char(this_month + make_interval(months => m), 'YYYY_MM');
    CONTINUE WHEN to_regclass('hcbus.' || part_name) IS NOT NULL;
    IF EXISTS (SELECT 1 FROM hcbus.events_default
               WHERE received_at >= month_start AND received_at < month_end) THEN
      RAISE WARNING 'hcbus.ensure_partitions: % not created: events_default already holds rows of that month',
        part_name;
      CONTINUE;
    END IF;
    EXECUTE format('CREATE TABLE hcbus.%I PARTITION OF hcbus.events FOR VALUES FROM (%L) TO (%L)',
                   part_name, month_start, month_end);
    EXECUTE format('CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON hcbus.%I '
                   'FOR EACH STATEMENT EXECUTE FUNCTION hcbus.refuse_rewrite()', part_name);
    EXECUTE format('COMMENT ON TABLE hcbus.%I IS %L', part_name,
                   'Events received in ' || to_char(this_month + make_interval(months => m), 'YYYY-MM') || ' (UTC).');
    created := created + 1;
  END LOOP;
  RETURN created;
END
$$;
COMMENT ON FUNCTION hcbus.ensure_partitions(int) IS
  'Create missing monthly partitions of hcbus.events from this UTC month to months_ahead '
  'months later; returns how many were created. Called by migrations and by hcbus-auditd at start.';

DO $$ BEGIN PERFORM hcbus.ensure_partitions(2); END $$;

-- ---------------------------------------------------------------------------
-- Exactly-once key
-- ---------------------------------------------------------------------------
-- A unique key on a partitioned table must include the partition key, which would let
-- a retry received in another month through; this side table holds the real key.
CREATE TABLE IF NOT EXISTS hcbus.msg_ids (
  sender text NOT NULL,
  msg_id text NOT NULL,
  seq    bigint NOT NULL UNIQUE CHECK (seq > 0),
  PRIMARY KEY (sender, msg_id)
);
COMMENT ON TABLE hcbus.msg_ids IS
  'The exactly-once key: one row per recorded (sender, msg_id) with the seq it got; '
  'a retry finds its first copy''s seq here. Append-only.';
COMMENT ON COLUMN hcbus.msg_ids.sender IS 'As hcbus.events.sender (empty = anonymous).';
COMMENT ON COLUMN hcbus.msg_ids.msg_id IS 'As hcbus.events.msg_id.';
COMMENT ON COLUMN hcbus.msg_ids.seq IS
  'The seq of the recorded copy; unique, which also makes seq unique across partitions.';

CREATE OR REPLACE TRIGGER msg_ids_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON hcbus.msg_ids
  FOR EACH STATEMENT EXECUTE FUNCTION hcbus.refuse_rewrite();

-- ---------------------------------------------------------------------------
-- Refused attempts
-- ---------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS hcbus.rejections (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  institution text,
  key_hint    text,
  action      text NOT NULL,
  topic       text,
  msg_id      text,
  code        text NOT NULL,
  field       text,
  reason      text NOT NULL
);
CREATE INDEX IF NOT EXISTS rejections_at_idx ON hcbus.rejections (at);
COMMENT ON TABLE hcbus.rejections IS
  'Every refused attempt (bad message, denied publish or subscribe, unknown key), from the broker.';
COMMENT ON COLUMN hcbus.rejections.id IS 'Row number in arrival order.';
COMMENT ON COLUMN hcbus.rejections.at IS 'When the broker refused it.';
COMMENT ON COLUMN hcbus.rejections.institution IS 'Who tried; NULL when unknown or anonymous.';
COMMENT ON COLUMN hcbus.rejections.key_hint IS 'First 8 characters of an unknown public key.';
COMMENT ON COLUMN hcbus.rejections.action IS 'publish, subscribe, connect, ...';
COMMENT ON COLUMN hcbus.rejections.topic IS 'The topic or prefix concerned, if any.';
COMMENT ON COLUMN hcbus.rejections.msg_id IS 'The refused publish''s msg_id, if any.';
COMMENT ON COLUMN hcbus.rejections.code IS 'ErrorCode name, e.g. ERROR_CODE_UNAUTHORIZED.';
COMMENT ON COLUMN hcbus.rejections.field IS 'Dotted path of the offending field, if any.';
COMMENT ON COLUMN hcbus.rejections.reason IS 'The one-line reason given to the client.';
COMMENT ON INDEX hcbus.rejections_at_idx IS 'Review by period.';

-- ---------------------------------------------------------------------------
-- Signed checkpoints of the hash chain
-- ---------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS hcbus.checkpoints (
  seq        bigint PRIMARY KEY CHECK (seq > 0),
  hash       bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  signer_key text,
  signature  bytea
);
COMMENT ON TABLE hcbus.checkpoints IS
  'The chain hash at a seq, optionally signed: a rewrite before it no longer verifies. Append-only.';
COMMENT ON COLUMN hcbus.checkpoints.seq IS 'The last seq covered.';
COMMENT ON COLUMN hcbus.checkpoints.hash IS 'hcbus.events.hash of that seq.';
COMMENT ON COLUMN hcbus.checkpoints.created_at IS 'When the checkpoint was written.';
COMMENT ON COLUMN hcbus.checkpoints.signer_key IS 'Public key of the signer (NULL = unsigned).';
COMMENT ON COLUMN hcbus.checkpoints.signature IS 'Signature over seq and hash by signer_key.';

CREATE OR REPLACE TRIGGER checkpoints_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON hcbus.checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION hcbus.refuse_rewrite();
