-- 015_pack_append_indexes.sql — the audit log's indexes fill their pages (fillfactor
-- 100 instead of btree's default 90). hcbus.events and hcbus.msg_ids are append-only
-- (rows are never updated nor deleted: refuse_rewrite), so the 10% a btree leaves free
-- on each page for later updates is never used: it is only bytes on disk and in the
-- cache, paid by every event (docs/performance.md, "The summary and the bytes on disk").
-- Their keys grow (seq) or grow within a group (topic then seq, a sender's time-ordered
-- msg_ids), so most page splits are at the end of a key range, where btree fills the
-- left page to the fillfactor; keys arriving out of order split pages in half whatever
-- the fillfactor, so nothing gets worse.
--
-- No index is dropped: every one serves a query (replay by topic, timelines by subject,
-- review by zone, notices by subject_seq, escorts by request_id, the exactly-once key
-- and seq's uniqueness across partitions). The table and the hashed columns are
-- unchanged. The setting applies to pages split from now on; pages already written keep
-- their 90% until the index is rebuilt (REINDEX of a closed month's partition, which no
-- longer receives rows, packs it: docs/performance.md).
--
-- A partitioned index cannot hold the setting (PostgreSQL 15), so it is set on each
-- partition's indexes: the existing ones here, new ones by hcbus.ensure_partitions.
-- Plain SQL, safe to run again (ALTER INDEX ... SET replaces the value; CREATE OR REPLACE).

-- Set fillfactor 100 on every btree index of one append-only table; returns how many.
-- Not SECURITY DEFINER: only the tables' owner can run it (ALTER INDEX needs ownership).
CREATE OR REPLACE FUNCTION hcbus.pack_append_indexes(tbl regclass) RETURNS int
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  idx regclass;
  n int := 0;
BEGIN
  FOR idx IN SELECT i.indexrelid::regclass
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
             WHERE i.indrelid = tbl AND a.amname = 'btree' AND c.relkind = 'i'
             ORDER BY 1 LOOP
    EXECUTE format('ALTER INDEX %s SET (fillfactor = 100)', idx);
    n := n + 1;
  END LOOP;
  RETURN n;
END
$$;
COMMENT ON FUNCTION hcbus.pack_append_indexes(regclass) IS
  'Set fillfactor 100 on every btree index of an append-only table (a partition of '
  'hcbus.events, hcbus.msg_ids); returns how many. Called by migration 015 and hcbus.ensure_partitions.';
REVOKE ALL ON FUNCTION hcbus.pack_append_indexes(regclass) FROM PUBLIC;

-- As 001's, plus: the new partition's indexes fill their pages.
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
    PERFORM hcbus.pack_append_indexes(format('hcbus.%I', part_name)::regclass);
    created := created + 1;
  END LOOP;
  RETURN created;
END
$$;
COMMENT ON FUNCTION hcbus.ensure_partitions(int) IS
  'Create missing monthly partitions of hcbus.events from this UTC month to months_ahead '
  'months later, their indexes at fillfactor 100 (015); returns how many were created. '
  'Called by migrations and by hcbus-auditd at start.';

-- The partitions there are now (the monthly ones and events_default) and msg_ids.
DO $$
DECLARE
  part regclass;
BEGIN
  FOR part IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'hcbus.events'::regclass LOOP
    PERFORM hcbus.pack_append_indexes(part);
  END LOOP;
  PERFORM hcbus.pack_append_indexes('hcbus.msg_ids'::regclass);
END
$$;
